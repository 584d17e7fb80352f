//! Monte-Carlo rank uncertainty (OECD/JRC handbook, COINr's `get_sensitivity`).

use rand::{Rng, SeedableRng as _};
use rand_pcg::Pcg64;
use rayon::prelude::*;

use super::{Normalization, RankError, RankInput, RankSpec, evaluate, validate};

/// The Monte-Carlo design of [`rank_uncertainty`].
///
/// Each draw perturbs the procedure of the [`RankSpec`] in three ways and ranks again:
///
/// - **weights**: each weight is multiplied by an independent factor uniform in
///   `[1 − weight_spread, 1 + weight_spread]` (±25 % by default); the aggregation divides by
///   their sum, so the perturbed weights are renormalized. A weight of 0 stays 0.
/// - **normalization**: one of `normalizations`, uniformly at random (empty = always the
///   spec's).
/// - **smoothing**: with `toggle_smoothing`, on or off with probability ½ each (else the
///   spec's setting).
///
/// Everything else (aggregation, missing-value policy, selection rule, minimum population,
/// re-standardization) stays as in the spec. With `Threshold` selection and re-standardization
/// on, "selected" means "more than t SD above the mean" under every normalization.
///
/// # Examples
///
/// ```
/// use quartier::{Normalization, UncertaintySpec, Weighting};
///
/// let u = UncertaintySpec {
///     normalizations: vec![
///         Normalization::ZScore { weighting: Weighting::Unweighted },
///         Normalization::Rank,
///     ],
///     toggle_smoothing: true,
///     ..UncertaintySpec::new(42)
/// };
/// assert_eq!(u.draws, 1000);
/// assert_eq!(u.weight_spread, 0.25);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintySpec {
    /// Number of Monte-Carlo draws (≥ 1).
    pub draws: usize,
    /// The seed; the same seed gives identical results for any number of threads.
    pub seed: u64,
    /// Relative half-width of the uniform weight perturbation, in `[0, 1)`.
    pub weight_spread: f64,
    /// The normalizations to draw from; empty = the spec's normalization only.
    pub normalizations: Vec<Normalization>,
    /// Draw the smoothing switch too.
    pub toggle_smoothing: bool,
}

impl UncertaintySpec {
    /// 1,000 draws, ±25 % weights, the spec's normalization and smoothing, with `seed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::UncertaintySpec;
    ///
    /// let u = UncertaintySpec::new(7);
    /// assert_eq!((u.draws, u.seed), (1000, 7));
    /// assert!(u.normalizations.is_empty() && !u.toggle_smoothing);
    /// ```
    pub fn new(seed: u64) -> Self {
        Self {
            draws: 1000,
            seed,
            weight_spread: 0.25,
            normalizations: Vec::new(),
            toggle_smoothing: false,
        }
    }
}

/// A unit's rank distribution over the Monte-Carlo draws.
///
/// Quantiles use linear interpolation between order statistics (NumPy's default, Hyndman &
/// Fan type 7): for the sorted ranks r₀ ≤ … ≤ r_{m−1} and q, h = (m − 1)·q and
/// Q = r_⌊h⌋ + (h − ⌊h⌋)·(r_⌊h⌋₊₁ − r_⌊h⌋).
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, RankInput, RankSpec, UncertaintySpec, rank_uncertainty};
///
/// let input = RankInput::new(vec!["A".into(), "B".into(), "C".into()], vec![Some(500.0); 3])
///     .with_criterion(Criterion::new("x", vec![Some(1.0), Some(5.0), Some(3.0)], Direction::HigherIsWorse))
///     .with_criterion(Criterion::new("y", vec![Some(2.0), Some(9.0), Some(1.0)], Direction::HigherIsWorse));
/// let u = UncertaintySpec { draws: 200, ..UncertaintySpec::new(1) };
/// let intervals = rank_uncertainty(&input, &RankSpec::default(), &u)?;
/// let b = intervals[1].as_ref().unwrap();
/// assert_eq!((b.median, b.p05, b.p95), (1.0, 1.0, 1.0));
/// assert_eq!(b.ranked_draws, 200);
/// # Ok::<(), quartier::RankError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RankInterval {
    /// The median rank.
    pub median: f64,
    /// The 5 % quantile of the rank (the best end: 1 = most disadvantaged).
    pub p05: f64,
    /// The 95 % quantile of the rank.
    pub p95: f64,
    /// Share of all draws in which the unit is selected (a draw in which it is excluded
    /// counts as not selected).
    pub p_selected: f64,
    /// Number of draws in which the unit was ranked (can be below `draws` when smoothing
    /// changes which values are missing); the quantiles are over these draws.
    pub ranked_draws: usize,
}

/// Monte-Carlo rank uncertainty: per unit (input order) the median rank, the 5–95 % interval
/// and the probability of being selected, over seeded perturbations of weights,
/// normalization and smoothing ([`UncertaintySpec`]).
///
/// `None` for a unit that is excluded in every draw.
///
/// Deterministic: draw d uses its own PCG-64 stream seeded from (`seed`, d) by SplitMix64, the
/// draws run in parallel (rayon) and are collected in draw order, so the result is identical
/// for any thread count. The first failing draw (in draw order) gives the error. Cost: `draws`
/// rankings, O(draws · c · n log n).
///
/// # Errors
///
/// Everything [`rank`](super::rank) rejects, plus `draws` = 0 or `weight_spread` outside
/// `[0, 1)` ([`RankError::InvalidParameter`]).
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, Normalization, RankInput, RankSpec, UncertaintySpec, rank, rank_uncertainty};
///
/// let input = RankInput::new(vec!["A".into(), "B".into(), "C".into(), "D".into()], vec![Some(500.0); 4])
///     .with_criterion(Criterion::new("x", vec![Some(1.0), Some(5.0), Some(3.0), Some(4.0)], Direction::HigherIsWorse))
///     .with_criterion(Criterion::new("y", vec![Some(2.0), Some(1.0), Some(8.0), Some(4.0)], Direction::HigherIsWorse));
/// let spec = RankSpec::default();
/// // zero spread and one normalization: every draw is the point ranking
/// let u = UncertaintySpec { weight_spread: 0.0, draws: 50, ..UncertaintySpec::new(3) };
/// let point = rank(&input, &spec)?;
/// for (unit, iv) in point.units.iter().zip(rank_uncertainty(&input, &spec, &u)?) {
///     let iv = iv.unwrap();
///     assert_eq!(iv.p05, iv.p95);
///     assert_eq!(Some(iv.median as usize), unit.rank);
/// }
/// let wide = UncertaintySpec { normalizations: vec![Normalization::Rank, Normalization::MinMax], ..UncertaintySpec::new(3) };
/// assert_eq!(rank_uncertainty(&input, &spec, &wide)?, rank_uncertainty(&input, &spec, &wide)?);
/// # Ok::<(), quartier::RankError>(())
/// ```
pub fn rank_uncertainty(
    input: &RankInput,
    spec: &RankSpec,
    u: &UncertaintySpec,
) -> Result<Vec<Option<RankInterval>>, RankError> {
    spec.validate()?;
    if u.draws == 0 {
        return Err(RankError::InvalidParameter {
            parameter: "draws",
            value: 0.0,
            expected: "at least 1",
        });
    }
    if !(u.weight_spread >= 0.0 && u.weight_spread < 1.0) {
        return Err(RankError::InvalidParameter {
            parameter: "weight_spread",
            value: u.weight_spread,
            expected: "a number in [0, 1)",
        });
    }
    for n in &u.normalizations {
        n.validate()?;
    }
    let normalizations: Vec<Normalization> = if u.normalizations.is_empty() {
        vec![spec.normalization]
    } else {
        u.normalizations.clone()
    };
    let population_weighted = normalizations.iter().any(Normalization::uses_population);
    let base = validate(input, spec.min_population, population_weighted)?;
    let weights: Vec<f64> = input.criteria.iter().map(|c| c.weight).collect();
    // per draw: each unit's rank and whether it is selected
    type Draw = (Vec<Option<usize>>, Vec<bool>);
    let draws: Vec<Result<Draw, RankError>> = (0..u.draws)
        .into_par_iter()
        .map(|d| {
            let mut rng = draw_rng(u.seed, d as u64);
            let w: Vec<f64> = weights
                .iter()
                .map(|&w| {
                    if u.weight_spread > 0.0 {
                        w * (1.0 + rng.random_range(-u.weight_spread..=u.weight_spread))
                    } else {
                        w
                    }
                })
                .collect();
            let normalization = if normalizations.len() > 1 {
                normalizations[rng.random_range(0..normalizations.len())]
            } else {
                normalizations[0]
            };
            let smoothing = if u.toggle_smoothing {
                rng.random_bool(0.5)
            } else {
                spec.smoothing
            };
            let core = evaluate(input, &base, spec, &w, &normalization, smoothing)?;
            Ok((core.rank, core.selected))
        })
        .collect();
    let mut ranks: Vec<Vec<usize>> = vec![Vec::new(); input.units.len()];
    let mut selected = vec![0usize; input.units.len()];
    for draw in draws {
        let (r, s) = draw?;
        for (unit, r) in r.iter().enumerate() {
            if let Some(r) = *r {
                ranks[unit].push(r);
            }
        }
        for (count, s) in selected.iter_mut().zip(s) {
            *count += usize::from(s);
        }
    }
    Ok(ranks
        .into_iter()
        .zip(selected)
        .map(|(mut r, s)| {
            if r.is_empty() {
                return None;
            }
            r.sort_unstable();
            Some(RankInterval {
                median: quantile(&r, 0.5),
                p05: quantile(&r, 0.05),
                p95: quantile(&r, 0.95),
                p_selected: s as f64 / u.draws as f64,
                ranked_draws: r.len(),
            })
        })
        .collect())
}

/// Linear-interpolation quantile of sorted, non-empty values (NumPy's default).
fn quantile(sorted: &[usize], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    a + (h - lo as f64) * (b - a)
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of one draw: a 128-bit seed mixed from (seed, draw), independent of scheduling.
fn draw_rng(seed: u64, draw: u64) -> Pcg64 {
    let hi = splitmix64(seed);
    let lo = splitmix64(hi ^ splitmix64(draw.wrapping_add(0x632B_E59B_D9B4_E019)));
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&hi.to_le_bytes());
    bytes[8..16].copy_from_slice(&lo.to_le_bytes());
    bytes[16..24].copy_from_slice(&splitmix64(lo).to_le_bytes());
    bytes[24..].copy_from_slice(&splitmix64(hi ^ lo).to_le_bytes());
    Pcg64::from_seed(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // numpy.quantile([1, 2, 4, 7], [0.05, 0.5, 0.95]) = [1.15, 3.0, 6.55]
        let r = [1, 2, 4, 7];
        assert!((quantile(&r, 0.05) - 1.15).abs() < 1e-12);
        assert!((quantile(&r, 0.5) - 3.0).abs() < 1e-12);
        assert!((quantile(&r, 0.95) - 6.55).abs() < 1e-12);
        assert_eq!(quantile(&[5], 0.95), 5.0);
    }

    #[test]
    fn draws_get_different_streams() {
        let a: u64 = draw_rng(1, 0).random();
        let b: u64 = draw_rng(1, 1).random();
        let c: u64 = draw_rng(2, 0).random();
        assert_ne!(a, b);
        assert_ne!(a, c);
        let again: u64 = draw_rng(1, 0).random();
        assert_eq!(a, again);
    }
}
