//! Primary suppression of magnitude tables: the dominance (n, k) rule and the p % rule.
//!
//! A magnitude table publishes sums (Kita fee amounts in cents, transfer payments, floor
//! areas) rather than counts. A sum can disclose a contributor even when many contribute:
//! when one record makes up almost all of a cell, the published total is close to that
//! record's value, and the second-largest contributor, who knows its own value, can subtract
//! it and estimate the largest. The rules here flag such cells as [`CellStatus::Primary`]
//! (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, ch. 4):
//!
//! - [`MagnitudeRule::Dominance`] (n, k): a cell is sensitive when its `n` largest
//!   contributions make up more than `k` % of its total. Common parameters are (1, 50) and
//!   (2, 85).
//! - [`MagnitudeRule::PPercent`] (p): a cell is sensitive when the second-largest contributor
//!   could estimate the largest to within `p` %, i.e. when `total − x1 − x2 < p/100 · x1`.
//!   Common parameters are p = 10 or 15. The p % rule is preferred over the dominance rule in
//!   current practice: it models the attack it guards against directly.
//!
//! A cell whose total is 0 is never sensitive under these rules; a minimum number of
//! contributors is the frequency rule's business ([`FrequencyRule`](super::FrequencyRule) on
//! a count model of the same records over the same hierarchy, groupings and categories, so
//! that cell indices match), and the two statuses can be combined cell by cell with `max`
//! ([`CellStatus`] is ordered `Published < Primary < Secondary`).
//!
//! These rules decide primary suppression only. Secondary suppression
//! ([`secondary_suppression`](super::secondary_suppression) / [`protect`](super::protect)) then
//! protects the pattern with its uniform protection level; per-cell protection intervals for
//! magnitude tables (e.g. p % of `x1` around each sensitive cell) are not modelled yet.
//!
//! Every contribution is treated as its own contributor. When one contributor (a household,
//! a provider) has several records in a cell, sum them to one contribution first; a
//! contributor present in several block cells still counts as several contributors in the
//! aggregates above them, which understates its dominance there.

use std::cmp::Ordering;

use super::model::{CellKey, Layer, LinkedTables};
use super::{CellStatus, DisclosureError};

/// A primary suppression rule for magnitude (sum) cells: the dominance (n, k) rule or the
/// p % rule.
///
/// Both rules look only at a cell's total and its largest contributions. Parameters are
/// checked by [`MagnitudeRule::validate`], which [`magnitude_primary`] calls first.
///
/// Reference: Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, ch. 4.
///
/// # Examples
///
/// ```
/// use quartier::MagnitudeRule;
///
/// let p10 = MagnitudeRule::PPercent { p: 10.0 };
/// // 900 + 50 + 50: the runner-up subtracts its own 50 and bounds the largest by 950,
/// // within 6 % of 900
/// assert!(p10.is_sensitive(&[900, 50], 1000));
/// // 400 + 300 + 300: its bound of 700 is 75 % off
/// assert!(!p10.is_sensitive(&[400, 300], 1000));
///
/// let dominance = MagnitudeRule::Dominance { n: 1, k: 50.0 };
/// assert!(dominance.is_sensitive(&[501], 1000));
/// assert!(!dominance.is_sensitive(&[500], 1000)); // exactly 50 % is not more than 50 %
/// ```
#[doc(alias = "Dominanzregel")]
#[doc(alias = "p-Prozent-Regel")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MagnitudeRule {
    /// The dominance (n, k) rule: sensitive when the `n` largest contributions make up more
    /// than `k` % of the total (`100 · (x1 + … + xn) > k · total`). A cell with at most `n`
    /// contributors is sensitive unless `k` = 100. Common parameters: (1, 50), (2, 85).
    Dominance {
        /// Number of largest contributions summed; at least 1.
        n: usize,
        /// The threshold in percent, in (0, 100].
        k: f64,
    },
    /// The p % rule: sensitive when `total − x1 − x2 < p/100 · x1`, with `x1`, `x2` the two
    /// largest contributions (`x2` = 0 with one contributor): the second-largest contributor
    /// could estimate the largest to within `p` %. A cell with one or two contributors is
    /// always sensitive. Common parameters: p = 10 or 15.
    PPercent {
        /// The required relative uncertainty of the largest contribution in percent, in
        /// (0, 100].
        p: f64,
    },
}

impl MagnitudeRule {
    /// Checks the parameters: `n` ≥ 1, `k` and `p` finite and in (0, 100].
    ///
    /// # Errors
    ///
    /// [`DisclosureError::Magnitude`] with [`MagnitudeProblem::InvalidParameter`] naming the
    /// parameter.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::MagnitudeRule;
    ///
    /// assert!(MagnitudeRule::Dominance { n: 2, k: 85.0 }.validate().is_ok());
    /// assert!(MagnitudeRule::Dominance { n: 0, k: 85.0 }.validate().is_err());
    /// assert!(MagnitudeRule::PPercent { p: f64::NAN }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), DisclosureError> {
        const PERCENT: &str = "a finite percentage in (0, 100]";
        let invalid = |parameter, allowed| {
            Err(DisclosureError::Magnitude {
                problem: MagnitudeProblem::InvalidParameter { parameter, allowed },
            })
        };
        let in_range = |x: f64| x > 0.0 && x <= 100.0;
        match *self {
            Self::Dominance { n: 0, .. } => invalid("n", "at least 1"),
            Self::Dominance { k, .. } if !in_range(k) => invalid("k", PERCENT),
            Self::PPercent { p } if !in_range(p) => invalid("p", PERCENT),
            Self::Dominance { .. } | Self::PPercent { .. } => Ok(()),
        }
    }

    /// How many of a cell's largest contributions the rule reads: `n` for the dominance rule,
    /// 2 for the p % rule.
    pub fn top_len(&self) -> usize {
        match *self {
            Self::Dominance { n, .. } => n,
            Self::PPercent { .. } => 2,
        }
    }

    /// Whether a cell with this total and these largest contributions is sensitive.
    ///
    /// `top` holds the cell's largest contributions in descending order: at least
    /// [`top_len`](Self::top_len) of them when the cell has that many (further ones are
    /// ignored; fewer means the cell has no more contributors). `total` is the sum of all the
    /// cell's contributions. A total of 0 is never sensitive.
    ///
    /// The comparison is exact: the percentages are taken at their exact binary value and
    /// the products are computed in integers, so a share of exactly `k` % (resp. a remainder
    /// of exactly `p` % of `x1`) is not sensitive, at any magnitude. For a rule that fails
    /// [`validate`](Self::validate) the answer is meaningless, but the call does not panic.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::MagnitudeRule;
    ///
    /// let rule = MagnitudeRule::Dominance { n: 2, k: 85.0 };
    /// assert!(rule.is_sensitive(&[600, 251], 1000)); // 85.1 %
    /// assert!(!rule.is_sensitive(&[600, 250], 1000)); // exactly 85 %
    /// assert!(rule.is_sensitive(&[7], 7)); // a single contributor
    /// assert!(!rule.is_sensitive(&[], 0)); // an empty cell
    /// ```
    pub fn is_sensitive(&self, top: &[u64], total: u64) -> bool {
        if total == 0 {
            return false;
        }
        match *self {
            Self::Dominance { n, k } => {
                let share: u128 = top.iter().take(n).map(|&x| u128::from(x)).sum();
                cmp_scaled(share.saturating_mul(100), k, total) == Ordering::Greater
            }
            Self::PPercent { p } => {
                let x1 = top.first().copied().unwrap_or(0);
                let x2 = top.get(1).copied().unwrap_or(0);
                let rest = total.saturating_sub(x1).saturating_sub(x2);
                cmp_scaled(100 * u128::from(rest), p, x1) == Ordering::Less
            }
        }
    }
}

/// What is wrong with a magnitude rule or its contributions.
///
/// Messages name cell indices and parameters, never a value: values are personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MagnitudeProblem {
    /// A parameter of the rule is out of range.
    InvalidParameter {
        /// The parameter (`n`, `k` or `p`).
        parameter: &'static str,
        /// The allowed values.
        allowed: &'static str,
    },
    /// There is not one contribution list per block-level category cell.
    ContributionLists {
        /// Number of lists given.
        lists: usize,
        /// Number of block-level category cells (blocks × categories).
        cells: usize,
    },
    /// The contributions to a cell do not sum to the cell's value in the model.
    ContributionSum {
        /// Index of the cell in the model.
        cell: usize,
    },
}

impl std::fmt::Display for MagnitudeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidParameter { parameter, allowed } => {
                write!(
                    f,
                    "magnitude rule parameter `{parameter}` must be {allowed}"
                )
            }
            Self::ContributionLists { lists, cells } => write!(
                f,
                "{lists} contribution lists for a model of {cells} block category cells"
            ),
            Self::ContributionSum { cell } => {
                write!(
                    f,
                    "the contributions to cell {cell} do not sum to its value"
                )
            }
        }
    }
}

/// Primary suppression of a magnitude table: the status of every cell of `tables` under
/// `rule` (`Primary` where sensitive, `Published` elsewhere), from the individual
/// contributions behind each block cell.
///
/// `contributions` holds one list per block-level category cell, block-major (block 0's
/// categories, then block 1's, …: the order of the block [`CountTable`](crate::CountTable)'s
/// values), each with the individual contributions (one per record or contributor, in any
/// order) to that cell. Every cell of the model — every level, every grouping, every row
/// total — is judged on the contributions of the block cells it covers. Each contribution
/// counts as its own contributor: sum a contributor's records within a block cell first.
///
/// This decides primary suppression only; secondary suppression
/// ([`secondary_suppression`](super::secondary_suppression) / [`protect`](super::protect))
/// then protects the pattern with its uniform protection level. Per-cell protection intervals
/// for magnitude cells (e.g. p % of the largest contribution) are not modelled yet.
///
/// Complexity: sorting (partially) each block cell's contributions, then
/// `O(Σ |parts| · m)` over the additivity constraints with `m` = [`MagnitudeRule::top_len`]:
/// each cell keeps only its `m` largest contributions, and a cell's are merged from those of
/// the cells it sums.
///
/// # Examples
///
/// Two blocks, two categories; under the 10 % rule the cell dominated by one contribution
/// and the cell with a single contributor are sensitive, everything else is published.
///
/// ```
/// use quartier::{
///     BlockFeature, CategorySet, CellStatus, CountTable, HierarchyBuilder, Layer,
///     LinkedTables, MagnitudeRule, magnitude_primary,
/// };
/// # use geo::{MultiPolygon, polygon};
/// let mut b = HierarchyBuilder::new(["town", "block"]);
/// for (i, id) in ["b1", "b2"].into_iter().enumerate() {
///     # let x = i as f64;
///     # let geometry = MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0),
///     #     (x: x + 1.0, y: 1.0), (x: x, y: 1.0)]]);
///     b.add_block(BlockFeature { feature: i, ids: vec!["T".into(), id.into()], name: None, geometry });
/// }
/// let (h, _) = b.build()?;
/// // fee amounts per record: (b1, x), (b1, y), (b2, x), (b2, y)
/// let contributions: Vec<Vec<u64>> = vec![
///     vec![900, 50, 50],
///     vec![300, 300, 200, 200],
///     vec![100, 100, 100, 100],
///     vec![500],
/// ];
/// let sums: Vec<u64> = contributions.iter().map(|c| c.iter().sum()).collect();
/// let amounts = CountTable::new(None, CategorySet::new("c", ["x", "y"]), 2, sums)?;
/// let tables = LinkedTables::new(&h, &amounts, &[])?;
///
/// let status = magnitude_primary(&tables, &contributions, &MagnitudeRule::PPercent { p: 10.0 })?;
/// let primary: Vec<(Layer, usize, Option<usize>)> = (0..tables.len())
///     .filter(|&i| status[i] == CellStatus::Primary)
///     .filter_map(|i| tables.key(i))
///     .map(|key| (key.layer, key.unit, key.category))
///     .collect();
/// assert_eq!(primary, [(Layer::Level(1), 0, Some(0)), (Layer::Level(1), 1, Some(1))]);
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`DisclosureError::Magnitude`] with
/// - [`MagnitudeProblem::InvalidParameter`] when the rule fails [`MagnitudeRule::validate`];
/// - [`MagnitudeProblem::ContributionLists`] when `contributions` does not have one list per
///   block-level category cell;
/// - [`MagnitudeProblem::ContributionSum`] naming the first cell (block cells first) whose
///   value in `tables` is not the sum of its contributions.
pub fn magnitude_primary(
    tables: &LinkedTables,
    contributions: &[Vec<u64>],
    rule: &MagnitudeRule,
) -> Result<Vec<CellStatus>, DisclosureError> {
    rule.validate()?;
    let mismatch = |cell| DisclosureError::Magnitude {
        problem: MagnitudeProblem::ContributionSum { cell },
    };
    let values = tables.values();
    let len = tables.len();
    let c = tables.categories().len();
    let block_layer = Layer::Level(tables.levels().saturating_sub(1));
    let blocks = tables.units(block_layer);
    if contributions.len() != blocks * c {
        return Err(DisclosureError::Magnitude {
            problem: MagnitudeProblem::ContributionLists {
                lists: contributions.len(),
                cells: blocks * c,
            },
        });
    }
    let m = rule.top_len();
    // Exact sums (u128 cannot overflow on u64 inputs held in memory) and the m largest
    // contributions of every cell, descending.
    let mut total = vec![0u128; len];
    let mut top: Vec<Vec<u64>> = vec![Vec::new(); len];
    let mut is_block_cell = vec![false; len];
    for (j, list) in contributions.iter().enumerate() {
        let key = CellKey {
            layer: block_layer,
            unit: j / c,
            category: Some(j % c),
        };
        let Some(i) = tables.index(key) else {
            debug_assert!(false, "block cell {j} is not in the model");
            continue;
        };
        let sum: u128 = list.iter().map(|&x| u128::from(x)).sum();
        if sum != u128::from(values[i]) {
            return Err(mismatch(i));
        }
        total[i] = sum;
        top[i] = largest(list, m);
        is_block_cell[i] = true;
    }

    // Every other cell from one constraint that has it as its total (a row total of an upper
    // level is the total of two; both cover the same contributors), in topological order
    // (Kahn): a cell is merged once every cell it sums is done.
    let constraints = tables.constraints();
    let mut defining: Vec<Option<usize>> = vec![None; len];
    for (ci, con) in constraints.iter().enumerate() {
        if !is_block_cell[con.total] && defining[con.total].is_none() {
            defining[con.total] = Some(ci);
        }
    }
    let mut pending = vec![0usize; len];
    // Dependents of every cell in compressed rows: `dependents[start[p]..start[p + 1]]`.
    let mut start = vec![0usize; len + 1];
    for (i, d) in defining.iter().enumerate() {
        if let Some(ci) = *d {
            pending[i] = constraints[ci].parts.len();
            for &p in &constraints[ci].parts {
                start[p + 1] += 1;
            }
        }
    }
    for p in 0..len {
        start[p + 1] += start[p];
    }
    let mut fill = start.clone();
    let mut dependents = vec![0usize; start[len]];
    for (i, d) in defining.iter().enumerate() {
        if let Some(ci) = *d {
            for &p in &constraints[ci].parts {
                dependents[fill[p]] = i;
                fill[p] += 1;
            }
        }
    }
    let mut queue: Vec<usize> = (0..len).filter(|&i| pending[i] == 0).collect();
    let (mut merged, mut scratch) = (Vec::with_capacity(m), Vec::with_capacity(m));
    let mut processed = 0usize;
    while let Some(i) = queue.pop() {
        processed += 1;
        if let Some(ci) = defining[i] {
            merged.clear();
            let mut sum = 0u128;
            for &p in &constraints[ci].parts {
                sum += total[p];
                merge_largest(&merged, &top[p], m, &mut scratch);
                std::mem::swap(&mut merged, &mut scratch);
            }
            total[i] = sum;
            top[i].clone_from(&merged);
        }
        for &d in &dependents[start[i]..start[i + 1]] {
            pending[d] -= 1;
            if pending[d] == 0 {
                queue.push(d);
            }
        }
    }
    // The model's constraints are acyclic; a cell left out would keep total 0 and fail the
    // check below unless its value is 0.
    debug_assert_eq!(processed, len, "the additivity constraints have a cycle");

    (0..len)
        .map(|i| {
            if total[i] != u128::from(values[i]) {
                return Err(mismatch(i));
            }
            Ok(if rule.is_sensitive(&top[i], values[i]) {
                CellStatus::Primary
            } else {
                CellStatus::Published
            })
        })
        .collect()
}

/// The `m` largest values of `list`, descending; `O(len + m log m)`.
fn largest(list: &[u64], m: usize) -> Vec<u64> {
    let mut v = list.to_vec();
    if m == 0 {
        v.clear();
    } else if v.len() > m {
        v.select_nth_unstable_by(m - 1, |a, b| b.cmp(a));
        v.truncate(m);
    }
    v.sort_unstable_by(|a, b| b.cmp(a));
    v
}

/// Writes the `m` largest of two descending lists into `out`, descending.
fn merge_largest(a: &[u64], b: &[u64], m: usize, out: &mut Vec<u64>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while out.len() < m {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x >= y => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => break,
        };
        out.push(next);
    }
}

/// Compares `lhs` with `factor · rhs` exactly, `factor` taken at its exact binary value
/// (`mantissa · 2^exponent`).
fn cmp_scaled(lhs: u128, factor: f64, rhs: u64) -> Ordering {
    if !(factor.is_finite() && factor > 0.0) {
        // Only for rules that fail `validate`: an approximate answer, never a panic.
        let (l, r) = (lhs as f64, factor * rhs as f64);
        return l.partial_cmp(&r).unwrap_or(Ordering::Equal);
    }
    let bits = factor.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    // < 2^53 · 2^64: no overflow.
    let product = u128::from(mantissa) * u128::from(rhs);
    let shift = exponent.unsigned_abs();
    if exponent >= 0 {
        cmp_shifted(product, shift, lhs).reverse()
    } else {
        cmp_shifted(lhs, shift, product)
    }
}

/// Compares `a · 2^shift` with `b` without overflow.
fn cmp_shifted(a: u128, shift: u32, b: u128) -> Ordering {
    if a == 0 {
        return 0.cmp(&b);
    }
    if shift >= 128 || a > u128::MAX >> shift {
        // a · 2^shift ≥ 2^128 > b
        return Ordering::Greater;
    }
    (a << shift).cmp(&b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const P10: MagnitudeRule = MagnitudeRule::PPercent { p: 10.0 };
    const D1_50: MagnitudeRule = MagnitudeRule::Dominance { n: 1, k: 50.0 };
    const D2_85: MagnitudeRule = MagnitudeRule::Dominance { n: 2, k: 85.0 };

    #[test]
    fn dominance_on_hand_computed_cells() {
        // (1, 50): 51 of 100 is more than half, 50 is exactly half.
        assert!(D1_50.is_sensitive(&[51, 30], 100));
        assert!(!D1_50.is_sensitive(&[50, 30], 100));
        assert!(!D1_50.is_sensitive(&[49, 30], 100));
        // (2, 85): 60 + 26 = 86 %, 60 + 25 = exactly 85 %.
        assert!(D2_85.is_sensitive(&[60, 26, 14], 100));
        assert!(!D2_85.is_sensitive(&[60, 25, 15], 100));
        // only the n largest are read
        assert!(!D2_85.is_sensitive(&[60, 25, 15], 100));
        // a single contributor, two contributors for n = 2: 100 % > k
        assert!(D1_50.is_sensitive(&[7], 7));
        assert!(D2_85.is_sensitive(&[4, 3], 7));
        // two equal contributors: 50 % is not more than 50 %
        assert!(!D1_50.is_sensitive(&[5, 5], 10));
        // k = 100 never flags anything
        let d100 = MagnitudeRule::Dominance { n: 1, k: 100.0 };
        assert!(!d100.is_sensitive(&[7], 7));
        // a zero total is never sensitive, with or without (zero) contributions
        for rule in [D1_50, D2_85, d100] {
            assert!(!rule.is_sensitive(&[], 0));
            assert!(!rule.is_sensitive(&[0, 0], 0));
        }
        // fractional k at its exact value: 12.5 % of 8 = 1
        let d = MagnitudeRule::Dominance { n: 1, k: 12.5 };
        assert!(!d.is_sensitive(&[1, 1], 8));
        assert!(d.is_sensitive(&[2, 1], 9));
    }

    #[test]
    fn p_percent_on_hand_computed_cells() {
        // 1000 = 900 + 50 + 50: the rest 50 < 90 = 10 % of 900.
        assert!(P10.is_sensitive(&[900, 50], 1000));
        // 1000 = 400 + 300 + 300: the rest 300 ≥ 40.
        assert!(!P10.is_sensitive(&[400, 300], 1000));
        // exactly p %: x1 = 100, x2 = 50, rest = 10 = 10 % of 100 → not sensitive
        assert!(!P10.is_sensitive(&[100, 50], 160));
        // just below: rest 9 < 10
        assert!(P10.is_sensitive(&[100, 50], 159));
        // one contributor (x2 = 0) and two contributors: nothing is left to hide the largest
        assert!(P10.is_sensitive(&[42], 42));
        assert!(P10.is_sensitive(&[30, 12], 42));
        assert!(P10.is_sensitive(&[21, 21], 42));
        // zero total
        assert!(!P10.is_sensitive(&[], 0));
        assert!(!P10.is_sensitive(&[0, 0], 0));
        // p = 100: the rest must reach x1
        let p100 = MagnitudeRule::PPercent { p: 100.0 };
        assert!(!p100.is_sensitive(&[10, 10], 30));
        assert!(p100.is_sensitive(&[10, 10], 29));
        // p = 15 on the same cell as p = 10
        let p15 = MagnitudeRule::PPercent { p: 15.0 };
        assert!(p15.is_sensitive(&[100, 50], 160));
        assert!(!p15.is_sensitive(&[100, 50], 165));
    }

    #[test]
    fn comparisons_are_exact_at_any_magnitude() {
        let max = u64::MAX;
        // (1, 50) on a total of 2^64 − 1: x1 = 2^63 is more than half (by 1/2), which f64
        // arithmetic cannot see.
        assert!(D1_50.is_sensitive(&[1 << 63], max));
        assert!(!D1_50.is_sensitive(&[(1 << 63) - 1], max));
        // p % with x1 = 10^18, rest exactly 10^17
        let x1 = 1_000_000_000_000_000_000u64;
        assert!(!P10.is_sensitive(&[x1, 7], x1 + 7 + x1 / 10));
        assert!(P10.is_sensitive(&[x1, 7], x1 + 6 + x1 / 10));
        // a k that is not a dyadic fraction is taken at its f64 value, which is above 0.1
        let tiny = MagnitudeRule::Dominance { n: 1, k: 0.1 };
        assert!(!tiny.is_sensitive(&[1], 1000));
        assert!(tiny.is_sensitive(&[2], 1000));
        // the helper itself
        assert_eq!(cmp_scaled(300, 1.5, 200), Ordering::Equal);
        assert_eq!(cmp_scaled(301, 1.5, 200), Ordering::Greater);
        assert_eq!(cmp_scaled(0, f64::MIN_POSITIVE, 0), Ordering::Equal);
        assert_eq!(
            cmp_scaled(1, f64::MIN_POSITIVE, u64::MAX),
            Ordering::Greater
        );
        assert_eq!(cmp_scaled(u128::MAX, 100.0, u64::MAX), Ordering::Greater);
        assert_eq!(cmp_shifted(1, 200, u128::MAX), Ordering::Greater);
        assert_eq!(cmp_shifted(0, 200, 0), Ordering::Equal);
    }

    #[test]
    fn invalid_parameters_are_errors_and_never_panic() {
        let bad = [
            (MagnitudeRule::Dominance { n: 0, k: 50.0 }, "n"),
            (MagnitudeRule::Dominance { n: 1, k: 0.0 }, "k"),
            (MagnitudeRule::Dominance { n: 1, k: 100.5 }, "k"),
            (MagnitudeRule::Dominance { n: 1, k: f64::NAN }, "k"),
            (
                MagnitudeRule::Dominance {
                    n: 1,
                    k: f64::INFINITY,
                },
                "k",
            ),
            (MagnitudeRule::PPercent { p: -10.0 }, "p"),
            (MagnitudeRule::PPercent { p: f64::NAN }, "p"),
            (
                MagnitudeRule::PPercent {
                    p: f64::NEG_INFINITY,
                },
                "p",
            ),
        ];
        for (rule, name) in bad {
            match rule.validate() {
                Err(DisclosureError::Magnitude {
                    problem: MagnitudeProblem::InvalidParameter { parameter, .. },
                }) => assert_eq!(parameter, name, "{rule:?}"),
                other => panic!("{rule:?}: {other:?}"),
            }
            // answers are meaningless but must not panic
            let _ = rule.is_sensitive(&[u64::MAX, 3], u64::MAX);
            let _ = rule.is_sensitive(&[], 1);
        }
        for rule in [P10, D1_50, D2_85, MagnitudeRule::PPercent { p: 100.0 }] {
            assert!(rule.validate().is_ok());
        }
        let text = MagnitudeRule::PPercent { p: 0.0 }
            .validate()
            .unwrap_err()
            .to_string();
        assert_eq!(
            text,
            "magnitude rule parameter `p` must be a finite percentage in (0, 100]"
        );
    }

    #[test]
    fn largest_and_merge_keep_the_top_m_descending() {
        assert_eq!(largest(&[3, 9, 1, 9, 4], 3), [9, 9, 4]);
        assert_eq!(largest(&[3, 1], 3), [3, 1]);
        assert_eq!(largest(&[], 2), Vec::<u64>::new());
        assert_eq!(largest(&[5, 6], 0), Vec::<u64>::new());
        let mut out = Vec::new();
        merge_largest(&[9, 4, 1], &[7, 4, 2], 4, &mut out);
        assert_eq!(out, [9, 7, 4, 4]);
        merge_largest(&[], &[7], 2, &mut out);
        assert_eq!(out, [7]);
        merge_largest(&[8, 3], &[], 1, &mut out);
        assert_eq!(out, [8]);
    }
}
