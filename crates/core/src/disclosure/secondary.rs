//! Secondary (complementary) suppression over all linked tables in one model.
//!
//! # Algorithm
//!
//! The pattern is grown from the primary cells in two phases; no cell is ever un-suppressed,
//! so the result always contains the input pattern.
//!
//! 1. **Exact phase** (no linear programming). Given the published cells, the suppressed
//!    cells are the unknowns of the additivity system restricted to them, `A_S x = b`. A
//!    suppressed cell `s` is *exactly recoverable* when `e_s` lies in the row space of `A_S`,
//!    equivalently when every solution `δ` of `A_S δ = 0` has `δ_s = 0`. Sparse Gaussian
//!    elimination (rows shortest first, Markowitz-style pivot: the column in fewest rows)
//!    brings `A_S` to echelon form over the prime field `GF(2⁶¹ − 1)`; back-substitution with
//!    pseudo-random values (fixed seed, so deterministic) for the free columns gives one
//!    random null vector `δ`, and `δ_s = 0` marks `s` as recoverable. A cell that is not
//!    recoverable has `δ_s = 0` only with probability about 2⁻⁶¹, and then it is merely
//!    protected once more (the error is on the safe side). Every recoverable cell gets one
//!    complementary suppression: the cheapest published cell in a constraint containing it
//!    (see *Cost* below); a cell one of whose constraints already received a new suppression
//!    in the same round waits for the next round. Rounds repeat until no suppressed cell —
//!    primary or secondary — is recoverable. This is the greedy idea of Statistics Norway's
//!    GaussSuppression (Langsrud 2024) run on the suppressed subsystem, which is small, instead
//!    of on all cells: the hierarchy, the groupings and the row margins are one system, so a
//!    differencing attack across tables (quarter minus school district) is found like any
//!    other.
//!
//!    *Singletons.* A cell with value 1 is known to its one contributor. When a constraint
//!    has exactly two suppressed cells, both primary and at least one of them a singleton, the
//!    contributor of the singleton recovers the other one by subtraction; such a constraint
//!    gets a third suppression (its cheapest published cell) — unless the two are a total and
//!    its only non-zero part, which hold the same persons. This per-constraint rule is the
//!    simple form of the singleton handling of GaussSuppression; combinations of several
//!    constraints with insider knowledge are left to the interval phase.
//!
//!    *Zeros.* A zero cell is a poor complement (it cannot go below zero, so it widens no
//!    interval downwards); zeros are chosen only when no other published cell is at hand.
//!
//! 2. **Interval phase** (audit-driven). The LP [`audit`](super::audit) computes the interval
//!    an attacker can derive for every suppressed cell; for every cell whose interval is
//!    narrower than the protection level, the cheapest published cell of its constraints is
//!    suppressed, and the audit runs again, until it passes. The number of rounds is bounded
//!    ([`SecondaryOptions::with_max_rounds`]); running out is an error, never a silent pass.
//!
//! # Cost
//!
//! Published cells are ranked by the key `(class, tier, row total, value, index)`, cheapest
//! first: `class` 0 for values at least the protection level, 1 for smaller non-zero values,
//! 2 for zeros; `tier` 0 for blocks, 1 for the level above and for every grouping, growing
//! by one per level up to the top; category cells before row totals; then the smaller value
//! (the information lost); then the cell index, which makes the pattern deterministic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::audit::{AuditReport, audit};
use super::model::{Layer, LinkedTables};
use super::{CellStatus, DisclosureError, FrequencyRule, primary_suppression};

/// Settings of [`secondary_suppression`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecondaryOptions {
    /// The protection level: the minimum width of the interval an attacker may derive for a
    /// suppressed cell. Default 3 (the usual k).
    pub protection: u64,
    /// The maximum number of rounds of each phase before giving up with
    /// [`DisclosureError::SecondaryNoConvergence`]. Default 10,000.
    pub max_rounds: usize,
    /// Whether the interval phase runs the LP audit. Default [`IntervalPhase::Audit`].
    pub interval: IntervalPhase,
}

/// Whether the interval phase of [`secondary_suppression`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntervalPhase {
    /// Run the LP audit and add complements until every interval is wide enough.
    #[default]
    Audit,
    /// Exact phase only: no suppressed cell is exactly recoverable, but intervals may be
    /// narrower than the protection level.
    Skip,
}

impl Default for SecondaryOptions {
    fn default() -> Self {
        Self {
            protection: 3,
            max_rounds: 10_000,
            interval: IntervalPhase::Audit,
        }
    }
}

impl SecondaryOptions {
    /// Options with the given protection level and defaults otherwise.
    pub fn new(protection: u64) -> Self {
        Self {
            protection,
            ..Self::default()
        }
    }

    /// Sets the maximum number of rounds per phase.
    pub fn with_max_rounds(mut self, max_rounds: usize) -> Self {
        self.max_rounds = max_rounds;
        self
    }

    /// Chooses whether the audit-driven interval phase runs.
    pub fn with_interval_phase(mut self, interval: IntervalPhase) -> Self {
        self.interval = interval;
        self
    }
}

/// What [`secondary_suppression`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecondarySummary {
    /// Primary-suppressed cells.
    pub primary: usize,
    /// Secondary-suppressed cells afterwards (including any given on input).
    pub secondary: usize,
    /// Secondary cells added by this call.
    pub added: usize,
    /// Rounds of both phases together.
    pub rounds: usize,
    /// Rounds of the exact phase.
    pub exact_rounds: usize,
    /// Rounds of the interval phase: audits that found exposed cells and led to complements
    /// (the final, passing audit is not counted).
    pub interval_rounds: usize,
}

/// Secondary suppression: suppresses further cells of `tables` until no suppressed cell can
/// be recovered from the published ones, exactly or to within an interval narrower than
/// `options.protection`; returns what it did and updates `status` in place.
///
/// All linked tables are protected in one model: every level, every grouping and every row
/// margin. Cells already suppressed (`Primary` or `Secondary`) stay suppressed; new ones are
/// marked `Secondary`. The algorithm and its cost function are described in the module
/// documentation: exact phase by Gaussian elimination, then an audit-driven interval phase.
/// Identical input gives an identical pattern, and running it again on its own output adds
/// nothing.
///
/// Complexity: each exact round is one sparse elimination of the suppressed subsystem; each
/// interval round is one audit.
///
/// # Examples
///
/// A 2 × 2 table (two blocks × two categories) with one cell of value 1 needs the other three
/// cells of its rectangle as complements.
///
/// ```
/// use quartier::{
///     BlockFeature, CategorySet, CellStatus, CountTable, FrequencyRule, HierarchyBuilder,
///     LinkedTables, SecondaryOptions, primary_suppression, secondary_suppression,
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
/// let cats = CategorySet::new("c", ["x", "y"]);
/// let counts = CountTable::new(None, cats, 2, vec![1, 5, 7, 9])?;
/// let tables = LinkedTables::new(&h, &counts, &[])?;
/// let mut status = primary_suppression(&tables, &FrequencyRule::default());
/// let summary = secondary_suppression(&tables, &mut status, &SecondaryOptions::default())?;
/// assert_eq!((summary.primary, summary.secondary), (1, 3));
/// // the block cells (1, 5, 7, 9) are suppressed; all totals are published
/// let suppressed: Vec<u64> = tables.values().iter().zip(&status)
///     .filter(|(_, s)| s.is_suppressed()).map(|(v, _)| *v).collect();
/// assert_eq!(suppressed, vec![1, 5, 7, 9]);
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`DisclosureError::StatusLength`] when `status` does not have one entry per cell;
/// [`DisclosureError::SecondaryUnprotectable`] when a recoverable cell has no published cell
/// left to suppress around it; [`DisclosureError::SecondaryNoConvergence`] when a phase runs
/// out of rounds; any error of the audit.
pub fn secondary_suppression(
    tables: &LinkedTables,
    status: &mut [CellStatus],
    options: &SecondaryOptions,
) -> Result<SecondarySummary, DisclosureError> {
    if status.len() != tables.len() {
        return Err(DisclosureError::StatusLength {
            statuses: status.len(),
            cells: tables.len(),
        });
    }
    let before = status
        .iter()
        .filter(|s| **s == CellStatus::Secondary)
        .count();
    let model = Model::new(tables, options.protection);

    // Exact phase.
    let mut exact_rounds = 0;
    loop {
        let exposed = model.exposed_exactly(status);
        if exposed.is_empty() {
            break;
        }
        exact_rounds += 1;
        if exact_rounds > options.max_rounds {
            return Err(DisclosureError::SecondaryNoConvergence {
                rounds: options.max_rounds,
                exposed: exposed.len(),
            });
        }
        model.complement(status, &exposed)?;
    }

    // Interval phase.
    let mut interval_rounds = 0;
    if options.interval == IntervalPhase::Audit {
        loop {
            let report = audit(tables, status, options.protection)?;
            if report.is_passed() {
                break;
            }
            let exposed: Vec<(usize, Option<usize>)> =
                report.exposed().map(|c| (c.cell, None)).collect();
            interval_rounds += 1;
            if interval_rounds > options.max_rounds {
                return Err(DisclosureError::SecondaryNoConvergence {
                    rounds: options.max_rounds,
                    exposed: exposed.len(),
                });
            }
            model.complement(status, &exposed)?;
        }
    }

    let primary = status.iter().filter(|s| **s == CellStatus::Primary).count();
    let secondary = status
        .iter()
        .filter(|s| **s == CellStatus::Secondary)
        .count();
    Ok(SecondarySummary {
        primary,
        secondary,
        added: secondary - before,
        rounds: exact_rounds + interval_rounds,
        exact_rounds,
        interval_rounds,
    })
}

/// The result of [`protect`]: the status of every cell, what secondary suppression did, and
/// the final audit.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Protection {
    /// The status of every cell of the model, by cell index.
    pub status: Vec<CellStatus>,
    /// What secondary suppression did.
    pub summary: SecondarySummary,
    /// The audit of the final pattern (it has passed).
    pub audit: AuditReport,
}

/// Primary suppression under `rule`, secondary suppression with protection level `rule.k`,
/// and a final audit: the whole protection of one linked-table model.
///
/// # Examples
///
/// ```
/// use quartier::{CellStatus, FrequencyRule, LinkedTables, protect};
/// # let town = quartier::musterstadt(1)?;
/// # let counts = quartier::count_records(&town.hierarchy, &town.records, &Default::default())?;
/// # let blocks = counts.datasets[0].tables.blocks();
/// let tables = LinkedTables::new(&town.hierarchy, blocks, &[])?;
/// let protection = protect(&tables, &FrequencyRule::default())?;
/// assert!(protection.audit.is_passed());
/// for (v, s) in tables.values().iter().zip(&protection.status) {
///     assert!(s.is_suppressed() || !(1..3).contains(v));
/// }
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// The errors of [`secondary_suppression`] and of the audit;
/// [`DisclosureError::SecondaryNoConvergence`] if the final audit does not pass.
pub fn protect(tables: &LinkedTables, rule: &FrequencyRule) -> Result<Protection, DisclosureError> {
    let mut status = primary_suppression(tables, rule);
    let options = SecondaryOptions::new(rule.k);
    let summary = secondary_suppression(tables, &mut status, &options)?;
    let report = audit(tables, &status, rule.k)?;
    if !report.is_passed() {
        return Err(DisclosureError::SecondaryNoConvergence {
            rounds: summary.rounds,
            exposed: report.exposed().count(),
        });
    }
    Ok(Protection {
        status,
        summary,
        audit: report,
    })
}

/// The prime of the field the elimination works in: 2⁶¹ − 1.
const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    // ok: both factors are below 2⁶¹, the product fits in u128 and the remainder in u64
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
}

fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

fn inv(a: u64) -> u64 {
    // Fermat: a^(p-2).
    let (mut base, mut exp, mut acc) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// A deterministic pseudo-random non-zero field element for a cell (SplitMix64).
fn random_element(cell: usize) -> u64 {
    let mut z = (cell as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    z % (P - 1) + 1
}

/// The static part: constraints as cell lists, the constraints of every cell, and the cost
/// rank of every cell.
struct Model<'a> {
    tables: &'a LinkedTables,
    /// Cells of every constraint: the total first, then the parts.
    cells: Vec<Vec<usize>>,
    /// Constraints of every cell (CSR).
    of_cell_start: Vec<usize>,
    of_cell: Vec<usize>,
    /// Position of every cell in the cost order (0 = cheapest to suppress).
    rank: Vec<usize>,
}

impl<'a> Model<'a> {
    fn new(tables: &'a LinkedTables, protection: u64) -> Self {
        let n = tables.len();
        let cells: Vec<Vec<usize>> = tables
            .constraints()
            .iter()
            .map(|c| {
                let mut v = Vec::with_capacity(c.parts.len() + 1);
                v.push(c.total);
                v.extend_from_slice(&c.parts);
                v
            })
            .collect();
        let mut counts = vec![0usize; n + 1];
        for c in &cells {
            for &i in c {
                counts[i + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut of_cell = vec![0usize; counts[n]];
        for (ci, c) in cells.iter().enumerate() {
            for &i in c {
                of_cell[fill[i]] = ci;
                fill[i] += 1;
            }
        }
        let levels = tables.levels();
        let values = tables.values();
        let mut keys: Vec<(u8, usize, bool, u64, usize)> = (0..n)
            .map(|i| {
                let v = values[i];
                let class = if v >= protection.max(1) {
                    0
                } else if v > 0 {
                    1
                } else {
                    2
                };
                let (tier, total) = match tables.key(i) {
                    Some(k) => (
                        match k.layer {
                            Layer::Level(l) => levels.saturating_sub(1 + l),
                            Layer::Grouping(_) => 1,
                        },
                        k.category.is_none(),
                    ),
                    None => (usize::MAX, true),
                };
                (class, tier, total, v, i)
            })
            .collect();
        keys.sort_unstable();
        let mut rank = vec![0usize; n];
        for (r, k) in keys.iter().enumerate() {
            rank[k.4] = r;
        }
        Self {
            tables,
            cells,
            of_cell_start: counts,
            of_cell,
            rank,
        }
    }

    fn constraints_of(&self, cell: usize) -> &[usize] {
        &self.of_cell[self.of_cell_start[cell]..self.of_cell_start[cell + 1]]
    }

    /// The suppressed cells that are exactly recoverable (constraint `None`), and those
    /// exposed to the contributor of a singleton in one constraint (`Some(constraint)`), in
    /// cell order.
    fn exposed_exactly(&self, status: &[CellStatus]) -> Vec<(usize, Option<usize>)> {
        let values = self.tables.values();
        let mut exposed: Vec<(usize, Option<usize>)> = recoverable(&self.cells, status)
            .into_iter()
            .map(|i| (i, None))
            .collect();
        let mut flagged = vec![false; status.len()];
        for &(i, _) in &exposed {
            flagged[i] = true;
        }
        for (ci, c) in self.cells.iter().enumerate() {
            let mut sup = c.iter().copied().filter(|&i| status[i].is_suppressed());
            let (Some(a), Some(b), None) = (sup.next(), sup.next(), sup.next()) else {
                continue;
            };
            if status[a] != CellStatus::Primary || status[b] != CellStatus::Primary {
                continue;
            }
            // A total and a part differing by published zeros hold the same persons: the
            // contributor learns nothing about anyone else.
            let published: u64 = c
                .iter()
                .filter(|&&i| !status[i].is_suppressed())
                .map(|&i| values[i])
                .sum();
            if a == c[0] && published == 0 {
                continue;
            }
            // The contributor of a singleton learns the other cell.
            for (known, learned) in [(a, b), (b, a)] {
                if values[known] == 1 && !flagged[learned] {
                    flagged[learned] = true;
                    exposed.push((learned, Some(ci)));
                }
            }
        }
        exposed.sort_unstable();
        exposed
    }

    /// Adds one complementary suppression for every exposed cell whose constraints have not
    /// received one in this round yet.
    fn complement(
        &self,
        status: &mut [CellStatus],
        exposed: &[(usize, Option<usize>)],
    ) -> Result<(), DisclosureError> {
        let mut touched = vec![false; self.cells.len()];
        let mut added = 0usize;
        let mut stuck = 0usize;
        for &(cell, within) in exposed {
            let scope: Vec<usize> = match within {
                Some(c) => vec![c],
                None => self.constraints_of(cell).to_vec(),
            };
            if scope.iter().any(|&c| touched[c]) {
                continue;
            }
            match self.cheapest_published(status, &scope) {
                Some(best) => {
                    status[best] = CellStatus::Secondary;
                    added += 1;
                    for &c in self.constraints_of(best) {
                        touched[c] = true;
                    }
                }
                None => stuck += 1,
            }
        }
        if added == 0 && stuck > 0 {
            return Err(DisclosureError::SecondaryUnprotectable { cells: stuck });
        }
        Ok(())
    }

    /// The cheapest published cell in the given constraints; when they hold none, the search
    /// widens to the constraints of their suppressed cells, and so on.
    fn cheapest_published(&self, status: &[CellStatus], scope: &[usize]) -> Option<usize> {
        let direct = scope
            .iter()
            .flat_map(|&c| &self.cells[c])
            .copied()
            .filter(|&i| !status[i].is_suppressed())
            .min_by_key(|&i| self.rank[i]);
        if direct.is_some() {
            return direct;
        }
        let mut seen_constraint = vec![false; self.cells.len()];
        let mut seen_cell = vec![false; status.len()];
        let mut frontier: Vec<usize> = scope.to_vec();
        for &c in &frontier {
            seen_constraint[c] = true;
        }
        while !frontier.is_empty() {
            let mut best: Option<usize> = None;
            let mut next = Vec::new();
            for &c in &frontier {
                for &i in &self.cells[c] {
                    if status[i].is_suppressed() {
                        if !seen_cell[i] {
                            seen_cell[i] = true;
                            for &d in self.constraints_of(i) {
                                if !seen_constraint[d] {
                                    seen_constraint[d] = true;
                                    next.push(d);
                                }
                            }
                        }
                    } else if best.is_none_or(|b| self.rank[i] < self.rank[b]) {
                        best = Some(i);
                    }
                }
            }
            if best.is_some() {
                return best;
            }
            frontier = next;
        }
        None
    }
}

/// The suppressed cells that are exactly recoverable from the published ones, in cell order.
///
/// Builds the additivity system restricted to the suppressed cells, brings it to echelon form
/// over GF(p) and tests the cells against one pseudo-random null vector (see the module
/// documentation).
fn recoverable(constraints: &[Vec<usize>], status: &[CellStatus]) -> Vec<usize> {
    const NONE: u32 = u32::MAX;
    let sup: Vec<usize> = (0..status.len())
        .filter(|&i| status[i].is_suppressed())
        .collect();
    if sup.is_empty() {
        return Vec::new();
    }
    let mut col_of = vec![NONE; status.len()];
    for (j, &i) in sup.iter().enumerate() {
        col_of[i] = j as u32;
    }
    let ncols = sup.len();
    // Rows: total − Σ parts, restricted to suppressed cells.
    let mut rows: Vec<Vec<(u32, u64)>> = Vec::new();
    let mut col_count = vec![0u32; ncols];
    for c in constraints {
        let row: Vec<(u32, u64)> = c
            .iter()
            .enumerate()
            .filter(|(_, i)| col_of[**i] != NONE)
            .map(|(k, i)| (col_of[*i], if k == 0 { 1 } else { P - 1 }))
            .collect();
        if !row.is_empty() {
            for &(j, _) in &row {
                col_count[j as usize] += 1;
            }
            rows.push(row);
        }
    }
    rows.sort_by_key(|r| r.len()); // stable: ties keep constraint order

    // Forward elimination; pivot rows are normalized (pivot value 1).
    let mut pivot_of = vec![NONE; ncols];
    let mut pivots: Vec<(u32, Vec<(u32, u64)>)> = Vec::new();
    let mut acc = vec![0u64; ncols];
    let mut in_acc = vec![false; ncols];
    let mut nz: Vec<u32> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new();
    for row in rows {
        for &(j, v) in &row {
            acc[j as usize] = v;
            in_acc[j as usize] = true;
            nz.push(j);
            if pivot_of[j as usize] != NONE {
                heap.push(Reverse((pivot_of[j as usize], j)));
            }
        }
        // Eliminate pivot columns, earliest pivot first: a pivot row only has entries at
        // pivots created after it, so every column is eliminated at most once.
        while let Some(Reverse((p, j))) = heap.pop() {
            let factor = acc[j as usize];
            if factor == 0 {
                continue;
            }
            for &(k, v) in &pivots[p as usize].1 {
                let k = k as usize;
                let was_zero = acc[k] == 0;
                acc[k] = sub(acc[k], mul(factor, v));
                if !in_acc[k] {
                    in_acc[k] = true;
                    nz.push(k as u32);
                }
                if was_zero && acc[k] != 0 && pivot_of[k] != NONE {
                    heap.push(Reverse((pivot_of[k], k as u32)));
                }
            }
        }
        let mut reduced: Vec<(u32, u64)> = Vec::new();
        for &j in &nz {
            let a = acc[j as usize];
            if a != 0 {
                reduced.push((j, a));
            }
            acc[j as usize] = 0;
            in_acc[j as usize] = false;
        }
        nz.clear();
        let Some(&(pc, pv)) = reduced
            .iter()
            .min_by_key(|(j, _)| (col_count[*j as usize], *j))
        else {
            continue;
        };
        debug_assert_eq!(pivot_of[pc as usize], NONE);
        let scale = inv(pv);
        for e in &mut reduced {
            e.1 = mul(e.1, scale);
        }
        reduced.sort_unstable_by_key(|e| e.0);
        pivot_of[pc as usize] = pivots.len() as u32;
        pivots.push((pc, reduced));
    }

    // Back-substitution: free columns random, pivots in reverse order of creation.
    let mut x: Vec<u64> = (0..ncols)
        .map(|j| {
            if pivot_of[j] == NONE {
                random_element(sup[j])
            } else {
                0
            }
        })
        .collect();
    for (pc, row) in pivots.iter().rev() {
        let mut s = 0u64;
        for &(j, v) in row {
            if j != *pc {
                s = sub(s, mul(v, x[j as usize]));
            }
        }
        x[*pc as usize] = s;
    }
    (0..ncols).filter(|&j| x[j] == 0).map(|j| sup[j]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_arithmetic() {
        for a in [1, 2, 3, 12345, P - 1, P - 2] {
            assert_eq!(mul(a, inv(a)), 1);
        }
        assert_eq!(sub(1, 2), P - 1);
        assert!((0..1000).all(|i| (1..P).contains(&random_element(i))));
    }

    fn statuses(s: &str) -> Vec<CellStatus> {
        s.chars()
            .map(|c| match c {
                'p' => CellStatus::Primary,
                's' => CellStatus::Secondary,
                _ => CellStatus::Published,
            })
            .collect()
    }

    #[test]
    fn recoverable_cells_of_a_small_system() {
        // cells 0..3: 2 = 0 + 1, 3 = 0 + 1 (two totals of the same parts)
        let cons = vec![vec![2, 0, 1], vec![3, 0, 1]];
        // only cell 0 suppressed: recoverable from constraint 0
        assert_eq!(recoverable(&cons, &statuses("p...")), vec![0]);
        // 0 and 1 suppressed: 0 + 1 known, neither recoverable
        assert!(recoverable(&cons, &statuses("ps..")).is_empty());
        // 0, 1 and 2 suppressed: still 0 + 1 = cell 3, and 2 = cell 3 is recoverable
        assert_eq!(recoverable(&cons, &statuses("pss.")), vec![2]);
        // nothing suppressed
        assert!(recoverable(&cons, &statuses("....")).is_empty());
    }
}
