//! Per-criterion normalization over the ranked units.
//!
//! Every function here works on values that are already *oriented* (higher = more
//! disadvantaged, see [`Direction`](super::Direction)) and only looks at the units marked
//! as included; all other units get `None`.

use super::{Normalization, RankError, Weighting};

/// Fill in the unit positions that take part in the normalization of one criterion.
fn members(values: &[Option<f64>], included: &[bool]) -> Vec<usize> {
    values
        .iter()
        .zip(included)
        .enumerate()
        .filter_map(|(u, (v, &inc))| (inc && v.is_some()).then_some(u))
        .collect()
}

/// Ascending ranks (1 = smallest value) with ties sharing the average of their positions
/// ("fractional" ranking, scipy's `rankdata` default), indexed like `idx`.
pub(super) fn average_ranks(idx: &[usize], values: &[Option<f64>]) -> Vec<f64> {
    let value = |u: usize| values[u].unwrap_or(f64::NAN);
    let mut order: Vec<usize> = (0..idx.len()).collect();
    order.sort_by(|&a, &b| value(idx[a]).total_cmp(&value(idx[b])));
    let mut ranks = vec![0.0; idx.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && value(idx[order[end]]) == value(idx[order[start]]) {
            end += 1;
        }
        // positions start+1 ..= end share their mean
        let mean = (start + 1 + end) as f64 / 2.0;
        for &k in &order[start..end] {
            ranks[k] = mean;
        }
        start = end;
    }
    ranks
}

/// Weighted mean and standard deviation with ddof = 0 (the population SD).
fn mean_sd(xs: &[f64], ws: &[f64]) -> (f64, f64) {
    let total: f64 = ws.iter().sum();
    let mean = xs.iter().zip(ws).map(|(x, w)| x * w).sum::<f64>() / total;
    let var = xs
        .iter()
        .zip(ws)
        .map(|(x, w)| w * (x - mean) * (x - mean))
        .sum::<f64>()
        / total;
    (mean, var.sqrt())
}

/// Z-standardizes `xs` with weights `ws`; `None` when the weights sum to zero or the SD is
/// not positive (a constant column).
pub(super) fn zscores(xs: &[f64], ws: &[f64]) -> Option<Vec<f64>> {
    let total: f64 = ws.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let (mean, sd) = mean_sd(xs, ws);
    if !(sd > 0.0 && sd.is_finite()) {
        return None;
    }
    Some(xs.iter().map(|x| (x - mean) / sd).collect())
}

/// Normalizes one criterion's oriented values over the included units.
///
/// `population` is only read for [`Weighting::Population`]; the caller guarantees that every
/// included unit then has a population.
pub(super) fn normalize(
    name: &str,
    values: &[Option<f64>],
    included: &[bool],
    population: &[Option<f64>],
    normalization: &Normalization,
) -> Result<Vec<Option<f64>>, RankError> {
    let idx = members(values, included);
    let mut out = vec![None; values.len()];
    if idx.is_empty() {
        return Ok(out);
    }
    let xs: Vec<f64> = idx.iter().map(|&u| values[u].unwrap_or(0.0)).collect();
    let constant = || RankError::ConstantCriterion {
        criterion: name.to_owned(),
    };
    let all_equal = xs.iter().all(|&x| x == xs[0]);
    let normalized: Vec<f64> = match normalization {
        Normalization::ZScore { weighting } => {
            if all_equal {
                return Err(constant());
            }
            let ws: Vec<f64> = match weighting {
                Weighting::Unweighted => vec![1.0; xs.len()],
                Weighting::Population => {
                    idx.iter().map(|&u| population[u].unwrap_or(0.0)).collect()
                }
            };
            let total: f64 = ws.iter().sum();
            if total.is_nan() || total <= 0.0 {
                return Err(RankError::ZeroTotalPopulation {
                    criterion: name.to_owned(),
                });
            }
            zscores(&xs, &ws).ok_or_else(constant)?
        }
        Normalization::MinMax => {
            if all_equal {
                return Err(constant());
            }
            min_max(&xs, 0.0, 1.0)
        }
        Normalization::Rank => average_ranks(&idx, values),
        Normalization::Percentile => {
            let n = idx.len() as f64;
            average_ranks(&idx, values)
                .into_iter()
                .map(|a| 100.0 * a / n)
                .collect()
        }
        Normalization::ExponentialRank { max, constant } => {
            let n = idx.len() as f64;
            // 1 − e^(−max/constant), computed without cancellation.
            let span = -(-max / constant).exp_m1();
            average_ranks(&idx, values)
                .into_iter()
                .map(|a| -constant * (-(a / n) * span).ln_1p())
                .collect()
        }
    };
    for (&u, z) in idx.iter().zip(normalized) {
        if !z.is_finite() {
            return Err(RankError::NumericOverflow {
                criterion: name.to_owned(),
            });
        }
        out[u] = Some(z);
    }
    Ok(out)
}

/// Affine map of `xs` onto `[lo, hi]` (min → lo, max → hi); the caller excludes constant
/// columns.
pub(super) fn min_max(xs: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    xs.iter()
        .map(|x| lo + (hi - lo) * (x - min) / (max - min))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn some(xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter().copied().map(Some).collect()
    }

    #[test]
    fn average_ranks_share_ties() {
        let v = some(&[3.0, 1.0, 3.0, 2.0]);
        let r = average_ranks(&[0, 1, 2, 3], &v);
        assert_eq!(r, vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn zscore_uses_population_sd() {
        // mean 2.5, population SD sqrt(1.25)
        let v = some(&[1.0, 2.0, 3.0, 4.0]);
        let z = normalize(
            "x",
            &v,
            &[true; 4],
            &[None; 4],
            &Normalization::ZScore {
                weighting: Weighting::Unweighted,
            },
        )
        .unwrap();
        let sd = 1.25f64.sqrt();
        assert!((z[0].unwrap() - (-1.5 / sd)).abs() < 1e-12);
    }

    #[test]
    fn population_weighting_moves_the_mean() {
        // weights 3:1 → mean 1.5, var = (3·0.25 + 1·2.25)/4 = 0.75
        let v = some(&[1.0, 3.0]);
        let z = normalize(
            "x",
            &v,
            &[true; 2],
            &[Some(3.0), Some(1.0)],
            &Normalization::ZScore {
                weighting: Weighting::Population,
            },
        )
        .unwrap();
        assert!((z[0].unwrap() - (-0.5 / 0.75f64.sqrt())).abs() < 1e-12);
    }

    #[test]
    fn exponential_rank_reaches_its_maximum_at_the_worst_unit() {
        let v = some(&[1.0, 2.0, 3.0, 4.0]);
        let x = normalize(
            "x",
            &v,
            &[true; 4],
            &[None; 4],
            &Normalization::ExponentialRank {
                max: 100.0,
                constant: 23.0,
            },
        )
        .unwrap();
        assert!((x[3].unwrap() - 100.0).abs() < 1e-9);
        let r = 0.25;
        let expect = -23.0 * (1.0 - r * (1.0 - (-100.0f64 / 23.0).exp())).ln();
        assert!((x[0].unwrap() - expect).abs() < 1e-12);
    }

    #[test]
    fn excluded_and_missing_units_get_none() {
        let v = vec![Some(1.0), None, Some(5.0), Some(3.0)];
        let x = normalize(
            "x",
            &v,
            &[true, true, false, true],
            &[None; 4],
            &Normalization::MinMax,
        )
        .unwrap();
        assert_eq!(x, vec![Some(0.0), None, None, Some(1.0)]);
    }
}
