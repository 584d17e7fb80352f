//! Secondary (complementary) suppression over all linked tables in one model.
//!
//! # Algorithm: protecting directions
//!
//! A *direction* is a change `d ∈ {−1, 0, +1}ⁿ` of the cells that keeps every additivity
//! constraint of the model (`A d = 0`: row total = Σ categories, parent = Σ children, group =
//! Σ its blocks). When every cell with `d_i ≠ 0` is suppressed, the tables `x + t d` agree with
//! every published cell and every constraint for all `t ∈ [−t_down, t_up]`, where
//! `t_up = min {x_i : d_i = −1}` and `t_down = min {x_i : d_i = +1}` keep all cells
//! non-negative. So an attacker who knows every published cell and every constraint cannot
//! narrow any cell of the support to an interval narrower than `t_up + t_down`. In a two-way
//! table the smallest direction is the familiar rectangle (`+ − − +`); across the levels of
//! the hierarchy and the groupings it is a cycle through block cells, parent totals and group
//! cells (for example: two blocks of the same quarter *and* the same school district, or two
//! blocks of one quarter in different school districts with the four school-district cells
//! that balance them).
//!
//! 1. **Cover.** Every suppressed cell that is not yet *certified* gets a direction through it
//!    with `t_up + t_down ≥ protection`. A bounded depth-first branch-and-bound search walks
//!    the constraints from the cell, balancing one unbalanced constraint at a time (support
//!    limits 4, 8, 14, 20 in turn, so that rectangles are found before long walks); it first
//!    tries suppressed cells only (reusing the existing pattern costs nothing), then allows
//!    published cells at the cost below and keeps the cheapest direction found within its
//!    node budget. When no single direction is wide enough, two are combined: one with
//!    `t_down ≥ min(x_s, protection − 1)` (room below the value) and one with `t_up` covering
//!    the rest (room above); the convexity of the attacker's polytope puts both end points
//!    and everything between them into the cell's interval. The published cells of every
//!    direction used become secondary suppressions, and every cell of its support records the
//!    room it proves, up and down. Suppressing more cells only enlarges the set of tables the
//!    attacker must consider, so a certificate never expires: when every suppressed cell is
//!    certified, the pattern is protected by construction, without linear programming. Cells
//!    are visited in cost order (blocks and small values first), so that the directions of
//!    the most constrained cells are found first and later cells reuse them.
//!
//!    When the depth-first search finds nothing within its budget (sparse tables, where
//!    short cycles run into zeros and ones), a best-first search over partial directions
//!    (cheapest plus unbalanced constraints first) tries again; it finds the larger
//!    structures — a rectangle one level up, tied down to blocks on both sides — that the
//!    depth-first search does not commit to. Should that fail too, constructions follow: the
//!    *block swap* (one unit moved into the cell's block from the nearest block of the same
//!    column with enough persons, in both blocks, their row totals and the units above them
//!    below their common ancestor, and their groups), the *category swap* (one unit moved
//!    from the block's largest other category into the cell's category, in the block and
//!    every unit and group above it), the *multi-swap* (units from several nearby blocks at
//!    once — a feasible integer shift rather than a ±1 direction — where no single block has
//!    enough, as in sparse columns), a few rounds with one extra complement, and, last, the
//!    *cone* (the cell, one block cell below it and every total above that, all `+1`, which
//!    leaves the cell unbounded above but suppresses totals up to the top).
//!    [`SecondarySummary::swaps`] and [`SecondarySummary::cones`] count how often they were
//!    needed. A cell with no published cell left around it — every cell connected to it
//!    through constraints and suppressed cells is suppressed, as when a minimum population
//!    forces whole units — cannot get a complement; it takes its cone at once, which
//!    suppresses nothing new. So forced cells never make the cover give up: at worst every
//!    cell of the model is suppressed, which publishes nothing and protects everything (the
//!    attacker then knows only the constraints and non-negativity, and every cone is
//!    unbounded above).
//!
//! 2. **Singletons.** A cell with value 1 is known to its one contributor. When a constraint
//!    has exactly two suppressed cells, both primary and at least one of them a singleton, the
//!    contributor of the singleton recovers the other one by subtraction; such a constraint
//!    gets a third suppression (its cheapest published cell), which is then covered like any
//!    other — unless the two are a total and its only non-zero part, which hold the same
//!    persons. This per-constraint rule is the simple form of the singleton handling of
//!    Statistics Norway's GaussSuppression; combinations of several constraints with insider
//!    knowledge are not modelled.
//! 3. **Audit** (the safety net, [`IntervalPhase::Audit`]). The LP [`audit`](super::audit)
//!    computes every suppressed cell's interval; should any be narrower than the protection
//!    level (the cover makes this impossible up to the audit's tolerance), the cheapest
//!    published cell of its constraints is suppressed and the audit runs again.
//!
//! This is the cycle (hypercube) family of secondary suppression — the hypercube method of
//! τ-ARGUS protects each primary cell by the corners of a hypercube in a fixed table shape —
//! generalised by searching the linked model itself, so that a differencing attack across
//! tables (quarter minus school district) is closed like any other. Unlike one complement per
//! exposed cell and round, a direction closes every constraint of the cell at once, which
//! avoids the long chains of complements that non-nesting groupings otherwise cause.
//!
//! # Waived cells
//!
//! A model may hold cells that are never published and need no protection of their own
//! unless they are sensitive (the hidden fragments of
//! [`protect_layers`](super::protect_layers)). They are suppressed by construction and marked
//! *waived*: the cover counts their room as sufficient from the start (it searches no direction
//! for them, while directions of other cells pass through them freely), the singleton rule
//! does not protect them, and the audit reports them protected whatever their width. Without
//! waived cells (every public entry point) nothing changes.
//!
//! # Cost
//!
//! A published cell in a direction costs [`BASE_COST`] plus [`TIER_COST`] per level above the
//! blocks (every grouping counts as one level above), plus [`TOTAL_COST`] for a row total,
//! plus its value up to [`VALUE_COST_CAP`] (the information lost), plus [`ZERO_COST`] for a
//! zero (a zero widens no interval downwards). Suppressed cells cost nothing. Ties between
//! candidate steps go to the lower cell index, which makes the pattern deterministic.

use super::audit::{AuditReport, audit_with_witnesses};
use super::direction::{
    self, Allow, Graph, Need, Search, Witness, record, record_shift, verify_shape,
};
use super::model::LinkedTables;
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
    /// Run the LP audit after the cover and add complements until every interval is wide
    /// enough (a safety net: the cover already protects by construction).
    #[default]
    Audit,
    /// The cover only: protected by construction, but not confirmed by an LP audit inside
    /// this call ([`protect`] audits anyway).
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
    /// Extra rounds of the cover phase: passes after the first that were needed because a
    /// search found no direction within its budget or a singleton needed a third cell.
    pub cover_rounds: usize,
    /// Rounds of the interval phase: audits that found exposed cells and led to complements
    /// (the final, passing audit is not counted).
    pub interval_rounds: usize,
    /// Protecting directions found (each certifies every cell of its support).
    pub directions: usize,
    /// Cells for which no direction was found by either search, so that a block swap, a
    /// category swap or a multi-swap was suppressed instead (see the module documentation).
    pub swaps: usize,
    /// Cells for which no direction was found by either search and the swap was not enough, so that their cone
    /// (the cell and every total above it) was suppressed instead.
    pub cones: usize,
}

/// Secondary suppression: suppresses further cells of `tables` until no suppressed cell can
/// be recovered from the published ones, exactly or to within an interval narrower than
/// `options.protection`; returns what it did and updates `status` in place.
///
/// All linked tables are protected in one model: every level, every grouping and every row
/// margin. Cells already suppressed (`Primary` or `Secondary`) stay suppressed; new ones are
/// marked `Secondary`. The algorithm and its cost function are described in the module
/// documentation: every suppressed cell is covered by a protecting direction, singletons get
/// a third cell, and the LP audit checks the result. Identical input gives an identical
/// pattern.
///
/// Complexity: one bounded search per suppressed cell not covered by an earlier direction,
/// plus one audit (with [`IntervalPhase::Audit`]).
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
/// [`DisclosureError::SecondaryUnprotectable`] when an uncovered cell has no published cell
/// left to suppress around it; [`DisclosureError::SecondaryNoConvergence`] when a phase runs
/// out of rounds; any error of the audit.
pub fn secondary_suppression(
    tables: &LinkedTables,
    status: &mut [CellStatus],
    options: &SecondaryOptions,
) -> Result<SecondarySummary, DisclosureError> {
    cover(tables, status, options, &[]).map(|(summary, _)| summary)
}

/// [`secondary_suppression`], also returning the final, passing audit when the interval phase
/// ran. `waived[i]` marks a cell whose own protection is not required (see "Waived cells" in
/// the module documentation); a shorter slice waives nothing beyond its end.
fn cover(
    tables: &LinkedTables,
    status: &mut [CellStatus],
    options: &SecondaryOptions,
    waived: &[bool],
) -> Result<(SecondarySummary, Option<AuditReport>), DisclosureError> {
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
    let model = Model::new(tables);
    let protection = options.protection.max(1);
    let values = tables.values();
    let mut search = Search::new(&model.graph);
    // Room of every cell, up and down, proven by the directions found so far.
    let mut room = vec![(0u64, 0u64); status.len()];
    let is_waived = |i: usize| waived.get(i).copied().unwrap_or(false);
    // Waived cells count as certified from the start.
    let certified =
        |room: &[(u64, u64)], i: usize| is_waived(i) || direction::certified(room[i], protection);
    let (mut directions, mut swaps, mut cones) = (0usize, 0usize, 0usize);
    let mut multi_swaps = 0usize;
    let mut witnesses: Vec<Witness> = Vec::new();
    // Cells with no published cell left anywhere around them (their whole part of the model
    // is suppressed): a complement cannot help them, so they take their cone at once. It
    // suppresses nothing new there.
    let mut isolated = vec![false; status.len()];
    // Suppresses the published cells of a direction and records the room it gives.
    let apply = |room: &mut [(u64, u64)], status: &mut [CellStatus], d: &[(usize, i8)]| {
        record(room, d, values);
        for &(i, _) in d {
            if !status[i].is_suppressed() {
                status[i] = CellStatus::Secondary;
            }
        }
    };

    // Cover and singletons, until every suppressed cell is certified.
    let mut cover_rounds = 0;
    loop {
        let mut todo: Vec<usize> = (0..status.len())
            .filter(|&i| status[i].is_suppressed() && !certified(&room, i))
            .collect();
        todo.sort_unstable_by_key(|&i| model.rank[i]);
        let mut deferred: Vec<(usize, Option<usize>)> = Vec::new();
        for s in todo {
            if certified(&room, s) {
                continue;
            }
            let needs = Need::of(values[s], protection);
            // Searches in turn until the cell is certified: depth-first with suppressed cells
            // only, then with published non-zero cells, best-first with those, then both
            // with zeros allowed.
            let stages = [
                (false, Allow::Suppressed),
                (false, Allow::NonZero),
                (true, Allow::NonZero),
                (false, Allow::Any),
            ];
            for (best_first, allow) in stages {
                for need in needs {
                    if certified(&room, s) || !need.wanted(room[s]) {
                        continue;
                    }
                    let found = if best_first {
                        search.best_first(s, status, need, allow)
                    } else {
                        search.direction(s, status, need, allow)
                    };
                    if let Some(d) = found {
                        directions += 1;
                        apply(&mut room, status, &d);
                        witnesses.push(Witness::Direction(d));
                    }
                }
            }
            if certified(&room, s) {
                continue;
            }
            // Still nothing: the block swap or the category swap, if one gives what is
            // missing, else the cone.
            let wanted = protection - values[s].min(protection - 1);
            let swapped = [model.graph.block_swap(s, wanted), model.graph.swap(s)]
                .into_iter()
                .flatten()
                .find(|d| {
                    let (t_up, t_down) = Search::steps(d, values);
                    let r = room[s];
                    verify_shape(&model.graph, d)
                        && r.0.max(t_up).saturating_add(r.1.max(t_down)) >= protection
                });
            if let Some(d) = swapped {
                swaps += 1;
                apply(&mut room, status, &d);
                witnesses.push(Witness::Direction(d));
                continue;
            }
            // Units from several partner blocks at once (sparse columns, where no single block
            // has enough): a feasible shift instead of a direction.
            if room[s].0.saturating_add(room[s].1) < protection {
                let above = protection - room[s].1.min(protection);
                if let Some(delta) = model.graph.multi_swap(s, above) {
                    multi_swaps += 1;
                    record_shift(&mut room, &delta);
                    for &(i, _) in &delta {
                        if !status[i].is_suppressed() {
                            status[i] = CellStatus::Secondary;
                        }
                    }
                    witnesses.push(Witness::Shift(delta));
                    if certified(&room, s) {
                        continue;
                    }
                }
            }
            // Before the cone, give the cell a few rounds with one more suppressed neighbour
            // (its cheapest published cell), which often opens a direction.
            if cover_rounds < DEFER_ROUNDS && !isolated[s] {
                deferred.push((s, None));
                continue;
            }
            let d = model.graph.cone(s);
            cones += 1;
            apply(&mut room, status, &d);
            witnesses.push(Witness::Direction(d));
        }
        let mut singles = model.singleton_exposures(status);
        singles.retain(|&(i, _)| !is_waived(i));
        if singles.is_empty() && deferred.is_empty() {
            break;
        }
        singles.append(&mut deferred);
        singles.sort_unstable();
        cover_rounds += 1;
        if cover_rounds > options.max_rounds {
            return Err(DisclosureError::SecondaryNoConvergence {
                rounds: options.max_rounds,
                exposed: singles.len(),
            });
        }
        let complemented = model.complement(status, &singles);
        // A deferred cell without a complement takes its cone in the next round, unless a
        // later direction of this round has certified it already; a singleton exposure
        // without one stays exposed.
        let mut unprotectable = 0usize;
        for &(i, within) in &complemented.stuck {
            if within.is_some() || isolated[i] {
                unprotectable += 1;
            } else if !certified(&room, i) {
                isolated[i] = true;
            }
        }
        if complemented.added == 0 && unprotectable > 0 {
            return Err(DisclosureError::SecondaryUnprotectable {
                cells: unprotectable,
            });
        }
    }

    // Interval phase: the LP audit as a safety net.
    let mut interval_rounds = 0;
    let mut last = None;
    if options.interval == IntervalPhase::Audit {
        loop {
            // The cover's directions are certificates for the audit (verified there).
            let report =
                audit_with_witnesses(tables, status, options.protection, &witnesses, waived)?;
            if report.is_passed() {
                last = Some(report);
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
            let complemented = model.complement(status, &exposed);
            if complemented.added == 0 && !complemented.stuck.is_empty() {
                // Not expected: with everything around a cell suppressed, its cone is
                // unbounded above and the audit passes it.
                return Err(DisclosureError::SecondaryUnprotectable {
                    cells: complemented.stuck.len(),
                });
            }
        }
    }

    let primary = status.iter().filter(|s| **s == CellStatus::Primary).count();
    let secondary = status
        .iter()
        .filter(|s| **s == CellStatus::Secondary)
        .count();
    let summary = SecondarySummary {
        primary,
        secondary,
        added: secondary - before,
        rounds: cover_rounds + interval_rounds,
        cover_rounds,
        interval_rounds,
        directions,
        swaps: swaps + multi_swaps,
        cones,
    };
    Ok((summary, last))
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
    protect_with(tables, rule, rule.k, &[])
}

/// [`protect`] with a protection level of its own and cells suppressed whatever their value
/// (`forced[i]` for cell `i`; a shorter slice forces nothing beyond its end), e.g. every cell
/// of a unit below a minimum population.
pub(crate) fn protect_with(
    tables: &LinkedTables,
    rule: &FrequencyRule,
    protection: u64,
    forced: &[bool],
) -> Result<Protection, DisclosureError> {
    protect_waived(tables, rule, protection, forced, &[])
}

/// [`protect_with`] with waived cells (`waived[i]` for cell `i`; a shorter slice waives
/// nothing beyond its end): cells whose own protection is not required, see "Waived cells" in
/// the module documentation. A waived cell should be suppressed (forced), or it is simply
/// published. The final audit reports waived cells protected.
pub(crate) fn protect_waived(
    tables: &LinkedTables,
    rule: &FrequencyRule,
    protection: u64,
    forced: &[bool],
    waived: &[bool],
) -> Result<Protection, DisclosureError> {
    let mut status = primary_suppression(tables, rule);
    for (s, &f) in status.iter_mut().zip(forced) {
        if f {
            *s = CellStatus::Primary;
        }
    }
    let options = SecondaryOptions::new(protection);
    let (summary, last) = cover(tables, &mut status, &options, waived)?;
    // The interval phase ends with a passing audit; it is the final audit.
    let report = match last {
        Some(report) if report.is_passed() => report,
        _ => {
            return Err(DisclosureError::SecondaryNoConvergence {
                rounds: summary.rounds,
                exposed: tables.len(),
            });
        }
    };
    Ok(Protection {
        status,
        summary,
        audit: report,
    })
}
/// Rounds in which a cell without a direction gets one more suppressed neighbour instead of
/// its cone.
const DEFER_ROUNDS: usize = 4;

/// What [`Model::complement`] did.
struct Complemented {
    /// Complementary suppressions added.
    added: usize,
    /// The given cells (with their constraint, if one was given) with no published cell
    /// left in their constraints or, through suppressed cells, anywhere connected to them;
    /// as suppression only grows, that stays so.
    stuck: Vec<(usize, Option<usize>)>,
}

/// The static part: the constraint graph and the position of every cell in the cost order.
struct Model<'a> {
    tables: &'a LinkedTables,
    graph: Graph<'a>,
    /// Position of every cell in the cost order (0 = cheapest to suppress).
    rank: Vec<usize>,
}

impl<'a> Model<'a> {
    fn new(tables: &'a LinkedTables) -> Self {
        let graph = Graph::new(tables);
        let n = tables.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by_key(|&i| (graph.cost[i], i));
        let mut rank = vec![0usize; n];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r;
        }
        Self {
            tables,
            graph,
            rank,
        }
    }

    /// Suppressed cells exposed to the contributor of a singleton in one constraint, with
    /// that constraint, in cell order (see the module documentation).
    fn singleton_exposures(&self, status: &[CellStatus]) -> Vec<(usize, Option<usize>)> {
        let values = self.tables.values();
        let mut exposed: Vec<(usize, Option<usize>)> = Vec::new();
        let mut flagged = vec![false; status.len()];
        for (ci, c) in self.graph.cells.iter().enumerate() {
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

    /// Adds one complementary suppression for every given cell whose constraints have not
    /// received one in this call yet: the cheapest published cell of its constraints (or of
    /// the one constraint given with it). Returns how many were added and the cells for
    /// which no published cell is left (see [`Model::cheapest_published`]).
    fn complement(
        &self,
        status: &mut [CellStatus],
        exposed: &[(usize, Option<usize>)],
    ) -> Complemented {
        let mut touched = vec![false; self.graph.cells.len()];
        let mut added = 0usize;
        let mut stuck = Vec::new();
        for &(cell, within) in exposed {
            let scope: Vec<usize> = match within {
                Some(c) => vec![c],
                None => self
                    .graph
                    .constraints_of(cell)
                    .iter()
                    .map(|&(c, _)| c)
                    .collect(),
            };
            if scope.iter().any(|&c| touched[c]) {
                continue;
            }
            match self.cheapest_published(status, &scope) {
                Some(best) => {
                    status[best] = CellStatus::Secondary;
                    added += 1;
                    for &(c, _) in self.graph.constraints_of(best) {
                        touched[c] = true;
                    }
                }
                None => stuck.push((cell, within)),
            }
        }
        Complemented { added, stuck }
    }

    /// The cheapest published cell in the given constraints; when they hold none, the search
    /// widens to the constraints of their suppressed cells, and so on.
    fn cheapest_published(&self, status: &[CellStatus], scope: &[usize]) -> Option<usize> {
        let mut seen_constraint = vec![false; self.graph.cells.len()];
        let mut seen_cell = vec![false; status.len()];
        let mut frontier: Vec<usize> = scope.to_vec();
        for &c in &frontier {
            seen_constraint[c] = true;
        }
        while !frontier.is_empty() {
            let mut best: Option<usize> = None;
            let mut next = Vec::new();
            for &c in &frontier {
                for &i in &self.graph.cells[c] {
                    if status[i].is_suppressed() {
                        if !seen_cell[i] {
                            seen_cell[i] = true;
                            for &(d, _) in self.graph.constraints_of(i) {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::disclosure::{Layer, Zeros};
    use crate::{BlockFeature, CategorySet, CountTable, HierarchyBuilder};
    use geo::{MultiPolygon, polygon};

    /// A town with the given levels whose blocks (unit squares in a row) have the given ids
    /// from the top level down, and `categories` categories.
    fn town(
        levels: &[&str],
        paths: &[&[&str]],
        categories: usize,
        values: Vec<u64>,
    ) -> LinkedTables {
        let mut b = HierarchyBuilder::new(levels.iter().copied());
        for (i, ids) in paths.iter().enumerate() {
            let x = i as f64;
            b.add_block(BlockFeature {
                feature: i,
                ids: ids.iter().map(|s| (*s).to_owned()).collect(),
                name: None,
                geometry: MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0),
                    (x: x + 1.0, y: 1.0), (x: x, y: 1.0)]]),
            });
        }
        let (h, _) = b.build().unwrap();
        let labels: Vec<String> = (0..categories).map(|c| format!("c{c}")).collect();
        let cats = CategorySet::new("c", labels);
        let counts = CountTable::new(None, cats, paths.len(), values).unwrap();
        LinkedTables::new(&h, &counts, &[]).unwrap()
    }

    #[test]
    fn issue_8_a_forced_zero_with_nothing_left_to_complement_gets_its_cone() {
        // Issue 8, shrunk from `min_population_does_not_make_protection_fail`: seven blocks,
        // each its own quarter, with one person each in b1 and b4 and five categories; every
        // unit below the town is under a minimum population, so every cell below the town
        // level is forced. The zeros need room 2 above them, which no cell but a cone gives;
        // once the town level is suppressed too, no published cell is left to complement
        // them with, and the cover used to give up with `SecondaryUnprotectable`.
        let quarters = ["Q00", "Q02", "Q07", "Q09", "Q10", "Q11", "Q08"];
        let ids: Vec<[String; 4]> = quarters
            .iter()
            .enumerate()
            .map(|(b, q)| ["T".into(), "D0".into(), (*q).into(), format!("b{b}")])
            .collect();
        let paths: Vec<Vec<&str>> = ids
            .iter()
            .map(|v| v.iter().map(String::as_str).collect())
            .collect();
        let paths: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
        let mut values = vec![0u64; 7 * 5];
        values[5 + 3] = 1;
        values[4 * 5 + 4] = 1;
        let levels = ["town", "district", "quarter", "block"];
        let tables = town(&levels, &paths, 5, values);
        let forced: Vec<bool> = (0..tables.len())
            .map(|i| tables.key(i).is_some_and(|k| k.layer != Layer::Level(0)))
            .collect();
        let rule = FrequencyRule {
            k: 2,
            zeros: Zeros::Publish,
        };
        let p = protect_with(&tables, &rule, 2, &forced).unwrap();
        assert!(p.audit.is_passed());
        assert_eq!(p.audit.exposed().count(), 0);
        for (i, f) in forced.iter().enumerate() {
            assert!(
                !f || p.status[i].is_suppressed(),
                "forced cell {i} published"
            );
        }
        // A whole model of forced cells: everything is suppressed, nothing fails.
        let p = protect_with(&tables, &rule, 2, &vec![true; tables.len()]).unwrap();
        assert!(p.audit.is_passed());
        assert!(p.status.iter().all(|s| *s == CellStatus::Primary));
    }
}
