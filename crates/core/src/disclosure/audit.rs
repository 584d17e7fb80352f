//! The disclosure audit: for every suppressed cell, the interval an attacker can derive from
//! the published cells of all linked tables by linear programming.
//!
//! See [`audit`] for the attacker's model, the algorithm and why it is sound.

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, microlp,
    variable,
};
use rayon::prelude::*;

use super::direction::{Graph, Witness, certify};
use super::{CellStatus, DisclosureError, LinkedTables};

/// Rounding step and comparison tolerance of LP-derived interval bounds.
pub const AUDIT_TOLERANCE: f64 = 1e-6;

/// How the interval of an audited cell was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntervalKind {
    /// `[lo, hi]` is the attacker's interval itself (LP optimum or exact propagation).
    Exact,
    /// `[lo, hi]` is proven to lie inside the attacker's interval (spanned by feasible points),
    /// which is already wide enough for protection; the true interval may be wider.
    Inner,
}

/// The audit of one suppressed cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellAudit {
    /// The cell's index in the [`LinkedTables`] model.
    pub cell: usize,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval (`f64::INFINITY` when unbounded).
    pub hi: f64,
    /// Whether the cell is protected: `hi − lo ≥ protection` and the true value in `[lo, hi]`;
    /// or its own protection is waived (a hidden, non-sensitive cell of
    /// [`protect_layers`](super::protect_layers), reported with the inner interval known).
    pub protected: bool,
    /// Whether the interval is exact or a proven inner interval.
    pub kind: IntervalKind,
}

impl CellAudit {
    /// The interval width `hi − lo` (`f64::INFINITY` when unbounded).
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// The result of an audit: one [`CellAudit`] per suppressed cell, in cell order.
///
/// Its [`Display`](std::fmt::Display) is a one-line summary with counts and the smallest
/// width, and no cell value.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditReport {
    protection: u64,
    cells: Vec<CellAudit>,
    components: usize,
    lps: usize,
}

impl AuditReport {
    /// The protection level the cells were audited against.
    pub fn protection(&self) -> u64 {
        self.protection
    }

    /// Every suppressed cell, sorted by cell index.
    pub fn cells(&self) -> &[CellAudit] {
        &self.cells
    }

    /// The audit of one cell; `None` when the cell is not suppressed.
    pub fn cell(&self, index: usize) -> Option<&CellAudit> {
        self.cells
            .binary_search_by_key(&index, |c| c.cell)
            .ok()
            .map(|i| &self.cells[i])
    }

    /// Whether every suppressed cell is protected.
    pub fn is_passed(&self) -> bool {
        self.cells.iter().all(|c| c.protected)
    }

    /// The smallest interval width over all suppressed cells (`None` when nothing is
    /// suppressed). For [`IntervalKind::Inner`] cells the width is a lower bound of the
    /// attacker's, so this is a lower bound of the true smallest width; it is exact whenever
    /// the audit fails.
    pub fn smallest_width(&self) -> Option<f64> {
        self.cells.iter().map(CellAudit::width).reduce(f64::min)
    }

    /// Number of suppressed cells audited.
    pub fn suppressed(&self) -> usize {
        self.cells.len()
    }

    /// Number of protected cells.
    pub fn protected_count(&self) -> usize {
        self.cells.iter().filter(|c| c.protected).count()
    }

    /// Number of exposed (not protected) cells.
    pub fn exposed_count(&self) -> usize {
        self.cells.len() - self.protected_count()
    }

    /// The exposed cells, in cell order.
    pub fn exposed(&self) -> impl Iterator<Item = &CellAudit> + '_ {
        self.cells.iter().filter(|c| !c.protected)
    }

    /// Number of independent components the suppressed cells fell into (after propagation;
    /// 1 for [`audit_naive`] when anything is suppressed).
    pub fn components(&self) -> usize {
        self.components
    }

    /// Number of linear programs solved.
    pub fn lps_solved(&self) -> usize {
        self.lps
    }
}

impl std::fmt::Display for AuditReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = match self.smallest_width() {
            None => "-".to_owned(),
            Some(w) if w.is_infinite() => "unbounded".to_owned(),
            Some(w) => format!("{}", round(w)),
        };
        write!(
            f,
            "audit {}: {} suppressed cells, {} protected, {} exposed; protection {}, smallest \
             width {}; {} components, {} LPs",
            if self.is_passed() { "passed" } else { "FAILED" },
            self.suppressed(),
            self.protected_count(),
            self.exposed_count(),
            self.protection,
            width,
            self.components,
            self.lps
        )
    }
}

/// Audits a suppression pattern: for every suppressed cell, the interval an attacker can
/// derive from all published cells of the linked tables by linear programming, and whether it
/// is at least `protection` wide (usually the frequency rule's `k`).
///
/// Fast path: propagation of exact exposures, decomposition into independent components
/// (audited in parallel), cheap feasible-direction certificates, and LPs only for the cells
/// left; see "Algorithm" below for how, and why it is sound. Exposed cells get
/// their exact interval; protected cells may get a proven inner interval
/// ([`IntervalKind::Inner`]). Deterministic.
///
/// # The attacker's model
///
/// The variables are the suppressed cells, real and non-negative (integrality is relaxed, as
/// usual in disclosure auditing: the relaxation can only widen an interval, and every integer
/// solution is one of its points). Every published cell is a constant. Every additivity
/// constraint of the [`LinkedTables`] model (row total = Σ categories, parent = Σ children,
/// group = Σ its blocks) holds. The interval of a suppressed cell `s` is
/// `[lo, hi] = [min x_s, max x_s]` over that polytope; `hi` is `+∞` when nothing bounds the
/// cell from above. A cell is *protected* when `hi − lo ≥ protection` and its true value lies
/// in `[lo, hi]` (the latter always holds for a consistent model; it is checked anyway).
///
/// # Algorithm
///
/// 1. **Reduce.** Published cells are substituted as constants; constraints without a
///    suppressed cell are dropped.
/// 2. **Propagate exposures.** A constraint with a single unknown cell reveals it exactly;
///    a constraint whose unknown cells all have the same sign and whose right-hand side is 0
///    reveals all of them as 0 (they are non-negative). A revealed cell becomes a constant and
///    the rules run again until nothing changes. The interval of a revealed cell is exactly
///    `[v, v]`: the constraints force it in every feasible point.
/// 3. **Decompose.** The remaining unknown cells are split into connected components (two cells
///    are linked when they share a constraint). The polytope is the product of the components'
///    polytopes, so each component is audited on its own, in parallel (rayon), with the same
///    result as the whole model.
/// 4. **Certify cheaply.** First, over the whole model, the protecting-direction search of
///    secondary suppression (bounded depth-first search through suppressed cells only, and the
///    cell's cone when all of it is suppressed; see
///    [`secondary_suppression`](super::secondary_suppression)) gives every suppressed cell the
///    room, up and down, that such directions prove; [`protect`](super::protect) also hands
///    over the directions it used, each verified here (entries ±1, support suppressed,
///    `A d = 0`) before it counts. Then, inside a component, every known feasible point `x` gives
///    `lo_s ≤ x_s ≤ hi_s` for every cell at once; the true values are one such point. For a cell
///    `s`, a depth-first search looks for a direction `d ∈ {−1, 0, 1}ⁿ` with `A d = 0` and
///    `d_s = 1` (in a two-way table: the alternating rectangle `s`, a cell in its row, a cell in
///    its column, the opposite corner with signs `+ − − +`; through the constraint structure it
///    generalises to margins and hierarchy levels). The search verifies `A d = 0` exactly, so any
///    direction it returns is valid. Then `x + t d` is feasible for
///    `0 ≤ t ≤ t_up = min_{d_i < 0} x_i` and `x − t d` for `0 ≤ t ≤ t_down = min_{d_i > 0} x_i`;
///    both end points are recorded as feasible points. Several directions are searched per
///    cell (each starting with another first step, preferring cells the earlier ones did not
///    use); the mean of the directions found is a direction with `d_s = 1` as well, and its
///    fractional entries often allow longer steps, so its end points are recorded too. Every
///    LP optimum found later is recorded with its reflection through the true values (step 5).
///    When the recorded points of a cell
///    already span `protection`, the convexity of the polytope proves
///    `[seen_min, seen_max] ⊆ [lo, hi]`, so the cell is protected without an LP, and the
///    report carries that inner interval ([`IntervalKind::Inner`]).
/// 5. **Solve the rest.** For a cell without such a certificate, the maximum is solved by LP
///    (its optimal point is recorded too, which often certifies later cells); if the cell is
///    still not certified, the minimum is solved as well and the interval is exact
///    ([`IntervalKind::Exact`]). So every exposed cell carries its exact interval, and a
///    protected cell carries an interval at least as wide as it needs.
///
/// [`audit_exact`] runs steps 1–3 and 5 with two LPs for every remaining cell (exact intervals
/// throughout); [`audit_naive`] solves two LPs per suppressed cell over the whole model with no
/// reduction, propagation or decomposition: the oracle twin for tests.
///
/// # Numerics
///
/// The LPs are solved by [`good_lp`] with the pure-Rust `microlp` simplex solver (no hand-written
/// simplex). Interval bounds coming from an LP are rounded to the nearest multiple of `1e-6`
/// ([`AUDIT_TOLERANCE`]) and a lower bound below 0 is clamped to 0; the protection test accepts
/// `hi − lo ≥ protection − 1e-6`, and the value test `lo − 1e-6 ≤ v ≤ hi + 1e-6`. Bounds from
/// propagation and certificates are exact integers.
///
/// # Examples
///
/// ```
/// use quartier::{FrequencyRule, LinkedTables, audit, primary_suppression};
/// # let town = quartier::musterstadt(1)?;
/// # let counts = quartier::count_records(&town.hierarchy, &town.records, &Default::default())?;
/// # let blocks = counts.datasets[0].tables.blocks();
/// let tables = LinkedTables::new(&town.hierarchy, blocks, &[])?;
/// let rule = FrequencyRule::default();
/// let status = primary_suppression(&tables, &rule);
/// let report = audit(&tables, &status, rule.k)?;
/// // Primary suppression alone leaves cells that can be recomputed from the margins.
/// assert!(!report.is_passed());
/// for cell in report.exposed() {
///     assert!(cell.width() < 3.0);
/// }
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`DisclosureError::StatusLength`] when `status` does not have one entry per cell;
/// [`DisclosureError::Solver`] when the LP solver fails.
pub fn audit(
    tables: &LinkedTables,
    status: &[CellStatus],
    protection: u64,
) -> Result<AuditReport, DisclosureError> {
    audit_decomposed(tables, status, protection, Mode::Fast, &[], &[])
}

/// [`audit`] with witness directions (from secondary suppression): each is verified — entries
/// ±1, support suppressed, every constraint kept — and, when valid, used as a certificate
/// like the directions the audit finds itself; an invalid witness is ignored. Cells that no
/// witness certifies are audited as usual, so the result is the same kind of report as
/// [`audit`]'s, only found faster.
///
/// `waived[i]` marks a cell whose own protection is not required (a hidden cell that is not
/// sensitive, see [`protect_layers`](super::protect_layers)); a shorter slice waives nothing
/// beyond its end. A waived suppressed cell is reported protected whatever its width, with
/// the inner interval known without search or LP (cells whose intervals matter still get
/// theirs over the full model, waived cells included as unknowns).
pub(super) fn audit_with_witnesses(
    tables: &LinkedTables,
    status: &[CellStatus],
    protection: u64,
    witnesses: &[Witness],
    waived: &[bool],
) -> Result<AuditReport, DisclosureError> {
    audit_decomposed(tables, status, protection, Mode::Fast, witnesses, waived)
}

/// [`audit`] with exact intervals for every cell: propagation and decomposition as in
/// [`audit`], but two LPs for every cell not revealed by propagation (no certificates).
/// Slower; for reports that need the attacker's exact interval of every cell.
///
/// # Examples
///
/// ```
/// use quartier::{FrequencyRule, IntervalKind, LinkedTables, audit_exact, primary_suppression};
/// # let town = quartier::musterstadt(1)?;
/// # let counts = quartier::count_records(&town.hierarchy, &town.records, &Default::default())?;
/// # let blocks = counts.datasets[0].tables.blocks();
/// let tables = LinkedTables::new(&town.hierarchy, blocks, &[])?;
/// let status = primary_suppression(&tables, &FrequencyRule::default());
/// let report = audit_exact(&tables, &status, 3)?;
/// assert!(report.cells().iter().all(|c| c.kind == IntervalKind::Exact));
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// As [`audit`].
pub fn audit_exact(
    tables: &LinkedTables,
    status: &[CellStatus],
    protection: u64,
) -> Result<AuditReport, DisclosureError> {
    audit_decomposed(tables, status, protection, Mode::Exact, &[], &[])
}

/// The oracle twin of [`audit`]: two LPs (min and max) per suppressed cell over the whole model
/// — every suppressed cell a variable, every constraint with a suppressed cell, right-hand
/// sides from the published cells only — with no propagation, decomposition or certificate.
/// Every interval is exact. Slow (quadratic or worse); for tests and benches.
///
/// # Examples
///
/// ```
/// use quartier::{FrequencyRule, LinkedTables, audit, audit_naive, primary_suppression};
/// # let config = quartier::DemoConfig { residents: 300, columns: 4, rows: 3, quarters: 2, districts: 1 };
/// # let town = quartier::musterstadt_with(1, &config)?;
/// # let counts = quartier::count_records(&town.hierarchy, &town.records, &Default::default())?;
/// # let blocks = counts.datasets[0].tables.blocks();
/// let tables = LinkedTables::new(&town.hierarchy, blocks, &[])?;
/// let status = primary_suppression(&tables, &FrequencyRule::default());
/// let naive = audit_naive(&tables, &status, 3)?;
/// let fast = audit(&tables, &status, 3)?;
/// assert_eq!(naive.exposed_count(), fast.exposed_count());
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// As [`audit`].
pub fn audit_naive(
    tables: &LinkedTables,
    status: &[CellStatus],
    protection: u64,
) -> Result<AuditReport, DisclosureError> {
    check_len(tables, status)?;
    let values = tables.values();
    let cells: Vec<usize> = (0..tables.len())
        .filter(|&i| status[i].is_suppressed())
        .collect();
    let mut local = vec![usize::MAX; tables.len()];
    for (j, &c) in cells.iter().enumerate() {
        local[c] = j;
    }
    let mut rows = Vec::new();
    for con in tables.constraints() {
        let mut vars = Vec::new();
        // total − Σ parts = 0  ⇒  Σ_suppressed a·x = −Σ_published a·v
        let mut rhs: i128 = 0;
        for (cell, a) in std::iter::once((con.total, 1i8)).chain(con.parts.iter().map(|&p| (p, -1)))
        {
            if status[cell].is_suppressed() {
                vars.push((local[cell], a));
            } else {
                rhs -= i128::from(a) * i128::from(values[cell]);
            }
        }
        if !vars.is_empty() {
            rows.push(LocalRow {
                vars,
                rhs: rhs as f64,
            });
        }
    }
    let comp = Component {
        x0: cells.iter().map(|&c| values[c] as f64).collect(),
        var_rows: Vec::new(),
        cells,
        rows,
    };
    let mut lps = 0;
    let mut out = Vec::with_capacity(comp.cells.len());
    for j in 0..comp.cells.len() {
        let hi = comp.optimum(j, Direction::Max, &mut lps)?;
        let lo = comp.optimum(j, Direction::Min, &mut lps)?;
        let hi = hi.map_or(f64::INFINITY, |x| round(x[j]));
        let lo = lo.map_or(0.0, |x| round(x[j]).max(0.0));
        out.push(judge(
            comp.cells[j],
            comp.x0[j],
            lo,
            hi,
            protection,
            IntervalKind::Exact,
        ));
    }
    Ok(AuditReport {
        protection,
        components: usize::from(!out.is_empty()),
        cells: out,
        lps,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fast,
    Exact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Min,
    Max,
}

fn check_len(tables: &LinkedTables, status: &[CellStatus]) -> Result<(), DisclosureError> {
    if status.len() != tables.len() {
        return Err(DisclosureError::StatusLength {
            statuses: status.len(),
            cells: tables.len(),
        });
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x / AUDIT_TOLERANCE).round() * AUDIT_TOLERANCE
}

fn judge(cell: usize, v: f64, lo: f64, hi: f64, protection: u64, kind: IntervalKind) -> CellAudit {
    let protected = hi - lo >= protection as f64 - AUDIT_TOLERANCE
        && lo - AUDIT_TOLERANCE <= v
        && v <= hi + AUDIT_TOLERANCE;
    CellAudit {
        cell,
        lo,
        hi,
        protected,
        kind,
    }
}

/// A reduced constraint over local variables: `Σ a·x = rhs`.
#[derive(Debug, Clone)]
struct LocalRow {
    vars: Vec<(usize, i8)>,
    rhs: f64,
}

/// Independent set of unknown cells with the constraints among them.
#[derive(Debug, Clone)]
struct Component {
    /// Global cell index of every local variable, ascending.
    cells: Vec<usize>,
    /// True values (a feasible point).
    x0: Vec<f64>,
    rows: Vec<LocalRow>,
    /// Rows of every local variable with its coefficient there (empty for the naive audit).
    var_rows: Vec<Vec<(usize, i8)>>,
}

impl Component {
    /// The optimal point of `min`/`max x_j`; `None` when unbounded.
    fn optimum(
        &self,
        j: usize,
        dir: Direction,
        lps: &mut usize,
    ) -> Result<Option<Vec<f64>>, DisclosureError> {
        *lps += 1;
        let mut vars = ProblemVariables::new();
        let xs: Vec<Variable> = (0..self.cells.len())
            .map(|_| vars.add(variable().min(0.0)))
            .collect();
        let unsolved = match dir {
            Direction::Max => vars.maximise(xs[j]),
            Direction::Min => vars.minimise(xs[j]),
        };
        let mut model = unsolved.using(microlp);
        for row in &self.rows {
            let mut e = Expression::with_capacity(row.vars.len());
            for &(i, a) in &row.vars {
                e.add_mul(f64::from(a), xs[i]);
            }
            model.add_constraint(e.eq(row.rhs));
        }
        match model.solve() {
            Ok(sol) => Ok(Some(xs.iter().map(|&x| sol.value(x)).collect())),
            Err(ResolutionError::Unbounded) if dir == Direction::Max => Ok(None),
            Err(e) => Err(DisclosureError::Solver {
                cell: self.cells[j],
                reason: e.to_string(),
            }),
        }
    }

    /// Records the two end points of the segment through the true values along direction `d`
    /// (`A d = 0`): `x0 + t_up d` and `x0 − t_down d`, the farthest non-negative points.
    fn walk(&self, d: &[(usize, f64)], lo: &mut [f64], hi: &mut [f64]) {
        let step = |sign: f64| {
            d.iter()
                .filter(|&&(_, w)| w * sign < 0.0)
                .map(|&(i, w)| self.x0[i] / w.abs())
                .reduce(f64::min)
                .unwrap_or(f64::INFINITY)
        };
        let (t_up, t_down) = (step(1.0), step(-1.0));
        for &(i, w) in d {
            for y in [self.x0[i] + t_up * w, self.x0[i] - t_down * w] {
                let y = if y.is_finite() {
                    round(y).max(0.0)
                } else {
                    y.max(0.0)
                };
                lo[i] = lo[i].min(y);
                hi[i] = hi[i].max(y);
            }
        }
    }

    /// Audits every cell of the component.
    fn audit(
        &self,
        protection: u64,
        mode: Mode,
        rooms: &[(u64, u64)],
        waived: &[bool],
    ) -> Result<(Vec<CellAudit>, usize), DisclosureError> {
        let n = self.cells.len();
        let is_waived = |j: usize| waived.get(self.cells[j]).copied().unwrap_or(false);
        let p = protection as f64;
        let mut lps = 0;
        let mut seen_lo = self.x0.clone();
        let mut seen_hi = self.x0.clone();
        // Rooms proven by directions through suppressed cells of the whole model (step 4).
        if !rooms.is_empty() {
            for (j, &c) in self.cells.iter().enumerate() {
                let (up, down) = rooms[c];
                seen_lo[j] = (self.x0[j] - down as f64).max(0.0);
                seen_hi[j] = if up == u64::MAX {
                    f64::INFINITY
                } else {
                    self.x0[j] + up as f64
                };
            }
        }
        // Records an LP optimum and its reflection through the true values, `x0 − t (x − x0)`
        // with the largest `t` that keeps every cell non-negative: both are feasible points.
        let record = |point: &[f64], lo: &mut [f64], hi: &mut [f64]| {
            let x0 = &self.x0;
            let t_back = point
                .iter()
                .zip(x0)
                .filter(|&(&x, &v)| x - v > AUDIT_TOLERANCE)
                .map(|(&x, &v)| v / (x - v))
                .reduce(f64::min)
                .unwrap_or(f64::INFINITY);
            for (i, &x) in point.iter().enumerate() {
                let diff = x - x0[i];
                let back = if diff.abs() <= AUDIT_TOLERANCE {
                    x0[i]
                } else {
                    x0[i] - t_back * diff
                };
                for y in [x, back] {
                    let y = round(y).max(0.0);
                    lo[i] = lo[i].min(y);
                    hi[i] = hi[i].max(y);
                }
            }
        };
        if mode == Mode::Fast {
            let mut search = Search::new(self);
            // Sum of the directions found for the current cell (their mean is a direction too).
            let mut sum = vec![0.0f64; n];
            let mut touched: Vec<usize> = Vec::new();
            for s in 0..n {
                if seen_hi[s] - seen_lo[s] >= p - AUDIT_TOLERANCE || is_waived(s) {
                    continue;
                }
                let mut found = 0usize;
                for attempt in 0..ATTEMPTS {
                    let Some(d) = search.direction(s, attempt) else {
                        continue;
                    };
                    found += 1;
                    for &(i, a) in &d {
                        if sum[i] == 0.0 && search.used[i] == 0 {
                            touched.push(i);
                        }
                        sum[i] += f64::from(a);
                        search.used[i] += 1;
                    }
                    let single: Vec<(usize, f64)> =
                        d.iter().map(|&(i, a)| (i, f64::from(a))).collect();
                    self.walk(&single, &mut seen_lo, &mut seen_hi);
                    if found > 1 {
                        let k = found as f64;
                        let mean: Vec<(usize, f64)> = touched
                            .iter()
                            .filter(|&&i| sum[i] != 0.0)
                            .map(|&i| (i, sum[i] / k))
                            .collect();
                        self.walk(&mean, &mut seen_lo, &mut seen_hi);
                    }
                    if seen_hi[s] - seen_lo[s] >= p - AUDIT_TOLERANCE {
                        break;
                    }
                }
                for i in touched.drain(..) {
                    sum[i] = 0.0;
                    search.used[i] = 0;
                }
            }
        }
        let mut out = Vec::with_capacity(n);
        for j in 0..n {
            let cell = self.cells[j];
            if mode == Mode::Fast
                && (seen_hi[j] - seen_lo[j] >= p - AUDIT_TOLERANCE || is_waived(j))
            {
                out.push(judge(
                    cell,
                    self.x0[j],
                    seen_lo[j],
                    seen_hi[j],
                    protection,
                    IntervalKind::Inner,
                ));
                continue;
            }
            let hi = match self.optimum(j, Direction::Max, &mut lps)? {
                Some(x) => {
                    record(&x, &mut seen_lo, &mut seen_hi);
                    round(x[j])
                }
                None => f64::INFINITY,
            };
            if mode == Mode::Fast && hi - seen_lo[j] >= p - AUDIT_TOLERANCE {
                out.push(judge(
                    cell,
                    self.x0[j],
                    seen_lo[j],
                    hi,
                    protection,
                    IntervalKind::Inner,
                ));
                continue;
            }
            let lo = match self.optimum(j, Direction::Min, &mut lps)? {
                Some(x) => {
                    record(&x, &mut seen_lo, &mut seen_hi);
                    round(x[j]).max(0.0)
                }
                None => 0.0,
            };
            out.push(judge(
                cell,
                self.x0[j],
                lo,
                hi,
                protection,
                IntervalKind::Exact,
            ));
        }
        Ok((out, lps))
    }
}

/// Directions tried per cell (each starts with a different first step).
const ATTEMPTS: usize = 6;
/// Search nodes per attempt.
const NODE_BUDGET: usize = 64;
/// Largest support of a direction.
const MAX_SUPPORT: usize = 24;

/// Depth-first search for a direction `d ∈ {−1, 0, 1}ⁿ` with `A d = 0` and `d_s = 1`.
struct Search<'a> {
    comp: &'a Component,
    d: Vec<i8>,
    residual: Vec<i32>,
    assigned: Vec<usize>,
    unbalanced: usize,
    nodes: usize,
    /// How often each cell was used by earlier directions of the current cell (diversity).
    used: Vec<u32>,
}

impl<'a> Search<'a> {
    fn new(comp: &'a Component) -> Self {
        Self {
            comp,
            d: vec![0; comp.cells.len()],
            residual: vec![0; comp.rows.len()],
            assigned: Vec::new(),
            unbalanced: 0,
            nodes: 0,
            used: vec![0; comp.cells.len()],
        }
    }

    /// A valid direction for `s` (verified `A d = 0`), its first step forced to the
    /// `attempt`-th candidate; `None` when none was found within the budget.
    fn direction(&mut self, s: usize, attempt: usize) -> Option<Vec<(usize, i8)>> {
        self.nodes = 0;
        self.assign(s, 1);
        let found = self.dfs(Some(attempt));
        let d = found.then(|| {
            let mut d: Vec<(usize, i8)> = self.assigned.iter().map(|&i| (i, self.d[i])).collect();
            d.sort_unstable();
            d
        });
        while let Some(&i) = self.assigned.last() {
            self.unassign(i);
        }
        debug_assert!(self.unbalanced == 0 && self.residual.iter().all(|&r| r == 0));
        d
    }

    fn assign(&mut self, i: usize, sign: i8) {
        self.d[i] = sign;
        self.assigned.push(i);
        for &(r, a) in &self.comp.var_rows[i] {
            let before = self.residual[r];
            let after = before + i32::from(a * sign);
            self.residual[r] = after;
            self.unbalanced = self.unbalanced + usize::from(after != 0) - usize::from(before != 0);
        }
    }

    fn unassign(&mut self, i: usize) {
        let sign = self.d[i];
        for &(r, a) in &self.comp.var_rows[i] {
            let before = self.residual[r];
            let after = before - i32::from(a * sign);
            self.residual[r] = after;
            self.unbalanced = self.unbalanced + usize::from(after != 0) - usize::from(before != 0);
        }
        self.d[i] = 0;
        self.assigned.pop();
    }

    fn dfs(&mut self, force: Option<usize>) -> bool {
        if self.unbalanced == 0 {
            return true;
        }
        self.nodes += 1;
        if self.nodes > NODE_BUDGET || self.assigned.len() >= MAX_SUPPORT {
            return false;
        }
        // The unbalanced row of the most recently assigned variable (keeps the walk local),
        // preferring the row with the fewest free cells.
        let mut best: Option<(usize, usize)> = None;
        for &i in self.assigned.iter().rev() {
            for &(r, _) in &self.comp.var_rows[i] {
                if self.residual[r] != 0 {
                    let free = self.comp.rows[r]
                        .vars
                        .iter()
                        .filter(|&&(v, _)| self.d[v] == 0)
                        .count();
                    if best.is_none_or(|(_, f)| free < f) {
                        best = Some((r, free));
                    }
                }
            }
            if best.is_some() {
                break;
            }
        }
        let Some((r, _)) = best else {
            return false;
        };
        let need = -self.residual[r].signum();
        // Candidates: free cells of the row whose step moves the residual towards 0.
        let mut cands: Vec<(i32, u32, u64, usize, i8)> = Vec::new();
        for &(v, a) in &self.comp.rows[r].vars {
            if self.d[v] != 0 {
                continue;
            }
            let sign = (need * i32::from(a)) as i8;
            let mut score = 0i32;
            for &(q, b) in &self.comp.var_rows[v] {
                let res = self.residual[q];
                let after = res + i32::from(b * sign);
                score += res.abs() - after.abs();
            }
            // Look one step ahead: a row that this step unbalances counts as half closed when
            // one of its free cells would also balance another unbalanced row (the fourth
            // corner of a rectangle).
            score *= 2;
            for &(q, b) in &self.comp.var_rows[v] {
                let after = self.residual[q] + i32::from(b * sign);
                if q == r || after == 0 {
                    continue;
                }
                let closes = self.comp.rows[q].vars.iter().any(|&(w, bw)| {
                    if w == v || self.d[w] != 0 {
                        return false;
                    }
                    let tau = -after.signum() * i32::from(bw);
                    self.comp.var_rows[w].iter().any(|&(u, aw)| {
                        u != q && u != r && self.residual[u] * i32::from(aw) * tau < 0
                    })
                });
                score += i32::from(closes);
            }
            // Prefer steps that balance more rows, then cells unused by earlier directions of this
            // cell (so that their mean spreads the bottleneck), then large values, then index.
            cands.push((
                -score,
                self.used[v],
                u64::MAX - self.comp.x0[v] as u64,
                v,
                sign,
            ));
        }
        cands.sort_unstable();
        let range = match force {
            Some(k) if k < cands.len() => k..k + 1,
            Some(_) => return false,
            None => 0..cands.len().min(3),
        };
        for &(_, _, _, v, sign) in &cands[range] {
            self.assign(v, sign);
            if self.dfs(None) {
                return true;
            }
            self.unassign(v);
            if self.nodes > NODE_BUDGET {
                return false;
            }
        }
        false
    }
}

fn audit_decomposed(
    tables: &LinkedTables,
    status: &[CellStatus],
    protection: u64,
    mode: Mode,
    witnesses: &[Witness],
    waived: &[bool],
) -> Result<AuditReport, DisclosureError> {
    check_len(tables, status)?;
    let values = tables.values();
    let cells: Vec<usize> = (0..tables.len())
        .filter(|&i| status[i].is_suppressed())
        .collect();
    let n = cells.len();
    let mut local = vec![usize::MAX; tables.len()];
    for (j, &c) in cells.iter().enumerate() {
        local[c] = j;
    }
    // 1. Reduce: rows over suppressed cells only (published cells are constants).
    let mut rows: Vec<Vec<(usize, i8)>> = Vec::new();
    for con in tables.constraints() {
        let vars: Vec<(usize, i8)> = std::iter::once((con.total, 1i8))
            .chain(con.parts.iter().map(|&p| (p, -1)))
            .filter(|&(c, _)| status[c].is_suppressed())
            .map(|(c, a)| (local[c], a))
            .collect();
        if !vars.is_empty() {
            rows.push(vars);
        }
    }
    let mut var_rows: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (r, row) in rows.iter().enumerate() {
        for &(v, _) in row {
            var_rows[v].push(r);
        }
    }
    // 2. Propagate exposures. `free[r]` counts the unknown cells of row r.
    let mut known = vec![false; n];
    let mut free: Vec<usize> = rows.iter().map(Vec::len).collect();
    let mut queue: Vec<usize> = (0..rows.len()).collect();
    queue.reverse();
    while let Some(r) = queue.pop() {
        if free[r] == 0 {
            continue;
        }
        let unknown = rows[r].iter().filter(|&&(v, _)| !known[v]);
        let reveal: Vec<usize> = if free[r] == 1 {
            unknown.map(|&(v, _)| v).collect()
        } else {
            let mut signs = unknown.clone().map(|&(_, a)| a);
            let first = signs.next();
            let same_sign = signs.all(|a| Some(a) == first);
            // Σ a·v over the unknown cells is the row's right-hand side after substitution.
            let rhs: i128 = unknown
                .clone()
                .map(|&(v, a)| i128::from(a) * i128::from(values[cells[v]]))
                .sum();
            if same_sign && rhs == 0 {
                unknown.map(|&(v, _)| v).collect()
            } else {
                Vec::new()
            }
        };
        for v in reveal {
            known[v] = true;
            for &q in &var_rows[v] {
                free[q] -= 1;
                if free[q] >= 1 {
                    queue.push(q);
                }
            }
        }
    }
    let mut out: Vec<CellAudit> = (0..n)
        .filter(|&v| known[v])
        .map(|v| {
            let x = values[cells[v]] as f64;
            judge(cells[v], x, x, x, protection, IntervalKind::Exact)
        })
        .collect();
    // 3. Decompose the unknown cells into components (union–find over the rows).
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for row in &rows {
        let mut it = row.iter().filter(|&&(v, _)| !known[v]);
        if let Some(&(first, _)) = it.next() {
            for &(v, _) in it {
                let (a, b) = (find(&mut parent, first), find(&mut parent, v));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut comp_of = vec![usize::MAX; n];
    let mut members: Vec<Vec<usize>> = Vec::new();
    for v in (0..n).filter(|&v| !known[v]) {
        let root = find(&mut parent, v);
        if comp_of[root] == usize::MAX {
            comp_of[root] = members.len();
            members.push(Vec::new());
        }
        comp_of[v] = comp_of[root];
        members[comp_of[v]].push(v);
    }
    let mut comp_rows: Vec<Vec<usize>> = vec![Vec::new(); members.len()];
    for (r, row) in rows.iter().enumerate() {
        if let Some(&(v, _)) = row.iter().find(|&&(v, _)| !known[v]) {
            comp_rows[comp_of[v]].push(r);
        }
    }
    let mut pos = vec![usize::MAX; n];
    let components: Vec<Component> = members
        .iter()
        .zip(&comp_rows)
        .map(|(vs, rs)| {
            for (k, &v) in vs.iter().enumerate() {
                pos[v] = k;
            }
            let rows: Vec<LocalRow> = rs
                .iter()
                .map(|&r| {
                    let mut vars = Vec::new();
                    let mut rhs: i128 = 0;
                    for &(v, a) in &rows[r] {
                        if !known[v] {
                            vars.push((pos[v], a));
                            rhs += i128::from(a) * i128::from(values[cells[v]]);
                        }
                    }
                    LocalRow {
                        vars,
                        rhs: rhs as f64,
                    }
                })
                .collect();
            let mut var_rows = vec![Vec::new(); vs.len()];
            for (r, row) in rows.iter().enumerate() {
                for &(v, a) in &row.vars {
                    var_rows[v].push((r, a));
                }
            }
            Component {
                cells: vs.iter().map(|&v| cells[v]).collect(),
                x0: vs.iter().map(|&v| values[cells[v]] as f64).collect(),
                rows,
                var_rows,
            }
        })
        .collect();
    // 4–5. Certificates and LPs per component, in parallel; first the directions through
    // suppressed cells of the whole model.
    let rooms = if mode == Mode::Fast {
        let graph = Graph::new(tables);
        let mut rooms = vec![(0, 0); tables.len()];
        for w in witnesses {
            w.record_if_valid(&graph, status, &mut rooms);
        }
        certify(&graph, status, protection, &mut rooms);
        rooms
    } else {
        Vec::new()
    };
    let results: Vec<(Vec<CellAudit>, usize)> = components
        .par_iter()
        .map(|c| c.audit(protection, mode, &rooms, waived))
        .collect::<Result<_, _>>()?;
    let mut lps = 0;
    for (cells, k) in results {
        out.extend(cells);
        lps += k;
    }
    out.sort_unstable_by_key(|c| c.cell);
    for c in &mut out {
        c.protected |= waived.get(c.cell).copied().unwrap_or(false);
    }
    Ok(AuditReport {
        protection,
        cells: out,
        components: components.len(),
        lps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::{CellKey, FrequencyRule, Grouping, Layer, primary_suppression};
    use crate::hierarchy::{BlockFeature, Hierarchy, HierarchyBuilder};
    use crate::table::{CategorySet, CountTable};
    use geo::{MultiPolygon, polygon};
    use proptest::prelude::*;

    /// A hierarchy with `levels` whose blocks are unit squares in a row; `ids[b]` are the
    /// ids of block b from the top level down.
    fn hierarchy(levels: &[&str], ids: &[Vec<String>]) -> Hierarchy {
        let mut b = HierarchyBuilder::new(levels.iter().copied());
        for (i, ids) in ids.iter().enumerate() {
            let x = i as f64;
            b.add_block(BlockFeature {
                feature: i,
                ids: ids.clone(),
                name: None,
                geometry: MultiPolygon(vec![polygon![
                    (x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0)
                ]]),
            });
        }
        b.build().unwrap().0
    }

    /// Town T with blocks b1, b2 and categories x, y: the 2×2 table [[a, b], [c, d]].
    fn two_by_two(a: u64, b: u64, c: u64, d: u64) -> LinkedTables {
        let ids: Vec<Vec<String>> = ["b1", "b2"]
            .iter()
            .map(|id| vec!["T".to_owned(), (*id).to_owned()])
            .collect();
        let h = hierarchy(&["gemeinde", "baublock"], &ids);
        let cats = CategorySet::new("c", ["x", "y"]);
        let t = CountTable::new(None, cats, 2, vec![a, b, c, d]).unwrap();
        LinkedTables::new(&h, &t, &[]).unwrap()
    }

    fn block_cell(t: &LinkedTables, unit: usize, category: Option<usize>) -> usize {
        t.index(CellKey {
            layer: Layer::Level(1),
            unit,
            category,
        })
        .unwrap()
    }

    fn suppress(t: &LinkedTables, cells: &[usize]) -> Vec<CellStatus> {
        let mut s = vec![CellStatus::Published; t.len()];
        for &c in cells {
            s[c] = CellStatus::Primary;
        }
        s
    }

    #[test]
    fn two_by_two_inner_cells_have_the_textbook_intervals() {
        // rows 3, 7; columns 4, 6: a ∈ [max(0, r1 − c2, c1 − r2), min(r1, c1)] etc.
        let t = two_by_two(1, 2, 3, 4);
        let inner: Vec<usize> = (0..2)
            .flat_map(|u| (0..2).map(move |c| (u, c)))
            .map(|(u, c)| block_cell(&t, u, Some(c)))
            .collect();
        let status = suppress(&t, &inner);
        let expected = [(0.0, 3.0), (0.0, 3.0), (1.0, 4.0), (3.0, 6.0)];
        for report in [
            audit_exact(&t, &status, 3).unwrap(),
            audit_naive(&t, &status, 3).unwrap(),
        ] {
            assert_eq!(report.suppressed(), 4);
            for (cell, &(lo, hi)) in inner.iter().zip(&expected) {
                let a = report.cell(*cell).unwrap();
                assert_eq!((a.lo, a.hi), (lo, hi), "cell {cell}");
                assert_eq!(a.kind, IntervalKind::Exact);
                assert!(a.protected);
            }
            assert!(report.is_passed());
            assert_eq!(report.smallest_width(), Some(3.0));
        }
        let fast = audit(&t, &status, 3).unwrap();
        assert!(fast.is_passed());
        assert_eq!(fast.lps_solved(), 0, "the rectangle certifies every cell");
        assert_eq!(fast.components(), 1);
        // Protection 4 is more than any interval gives: all four exposed, with exact intervals.
        let strict = audit(&t, &status, 4).unwrap();
        assert_eq!(strict.exposed_count(), 4);
        for (cell, &(lo, hi)) in inner.iter().zip(&expected) {
            let a = strict.cell(*cell).unwrap();
            assert_eq!((a.lo, a.hi, a.kind), (lo, hi, IntervalKind::Exact));
        }
        assert!(
            strict
                .to_string()
                .starts_with("audit FAILED: 4 suppressed cells")
        );
    }

    #[test]
    fn a_single_suppressed_cell_in_a_row_is_exposed() {
        let t = two_by_two(1, 5, 6, 7);
        let a = block_cell(&t, 0, Some(0));
        let status = suppress(&t, &[a]);
        for report in [
            audit(&t, &status, 3).unwrap(),
            audit_exact(&t, &status, 3).unwrap(),
            audit_naive(&t, &status, 3).unwrap(),
        ] {
            assert!(!report.is_passed());
            let exposed: Vec<_> = report.exposed().collect();
            assert_eq!(exposed.len(), 1);
            assert_eq!(
                (exposed[0].cell, exposed[0].lo, exposed[0].hi),
                (a, 1.0, 1.0)
            );
            assert_eq!(report.smallest_width(), Some(0.0));
        }
        assert_eq!(audit(&t, &status, 3).unwrap().lps_solved(), 0);
    }

    #[test]
    fn zero_sums_reveal_zeros_and_unbounded_cells_are_protected() {
        // Row b1 = [0, 0] with total 0 published: both zeros are revealed.
        let t = two_by_two(0, 0, 3, 4);
        let cells = [block_cell(&t, 0, Some(0)), block_cell(&t, 0, Some(1))];
        let report = audit(&t, &suppress(&t, &cells), 3).unwrap();
        assert_eq!(report.exposed_count(), 2);
        assert!(report.cells().iter().all(|c| c.hi == 0.0));
        // Everything suppressed: nothing bounds any cell.
        let all: Vec<usize> = (0..t.len()).collect();
        let status = suppress(&t, &all);
        for report in [
            audit_exact(&t, &status, 3).unwrap(),
            audit_naive(&t, &status, 3).unwrap(),
        ] {
            assert!(report.is_passed());
            assert_eq!(report.smallest_width(), Some(f64::INFINITY));
            assert!(report.to_string().contains("smallest width unbounded"));
        }
        // The fast audit may stop at a proven inner interval that is wide enough.
        let fast = audit(&t, &status, 3).unwrap();
        assert!(fast.is_passed());
        assert!(fast.smallest_width().is_some_and(|w| w >= 3.0));
    }

    #[test]
    fn nothing_suppressed_passes_and_bad_status_length_is_an_error() {
        let t = two_by_two(1, 2, 3, 4);
        let report = audit(&t, &suppress(&t, &[]), 3).unwrap();
        assert!(report.is_passed());
        assert_eq!(report.smallest_width(), None);
        assert!(matches!(
            audit(&t, &[], 3),
            Err(DisclosureError::StatusLength { statuses: 0, .. })
        ));
        assert!(audit_naive(&t, &[CellStatus::Published], 3).is_err());
    }

    /// A random small model: 1–3 districts of 1–3 blocks, 1–3 categories, counts 0–6, an
    /// optional grouping, and a random suppression pattern.
    fn model() -> impl Strategy<Value = (LinkedTables, Vec<CellStatus>)> {
        (
            prop::collection::vec(1usize..=3, 1..=3),
            1usize..=3,
            any::<bool>(),
        )
            .prop_flat_map(|(districts, cats, grouped)| {
                let blocks: usize = districts.iter().sum();
                let cells_upper = (1 + districts.len() + blocks + 3) * (cats + 1);
                (
                    Just(districts),
                    Just(cats),
                    prop::collection::vec(0u64..=6, blocks * cats),
                    prop::collection::vec(prop::option::of(0usize..3), blocks)
                        .prop_map(move |g| if grouped { Some(g) } else { None }),
                    prop::collection::vec(0u8..10, cells_upper),
                )
            })
            .prop_map(|(districts, cats, counts, groups, coins)| {
                let mut ids = Vec::new();
                for (d, &n) in districts.iter().enumerate() {
                    for b in 0..n {
                        ids.push(vec!["T".to_owned(), format!("d{d}"), format!("b{d}_{b}")]);
                    }
                }
                let h = hierarchy(&["gemeinde", "ortsteil", "baublock"], &ids);
                let names: Vec<String> = (0..cats).map(|c| format!("c{c}")).collect();
                let set = CategorySet::new("c", names);
                let table = CountTable::new(None, set, ids.len(), counts).unwrap();
                let groupings: Vec<Grouping> = groups
                    .map(|g| {
                        let members: Vec<(String, String)> = ids
                            .iter()
                            .zip(&g)
                            .filter_map(|(id, g)| g.map(|g| (id[2].clone(), format!("s{g}"))))
                            .collect();
                        Grouping::new("school", &h, members).unwrap()
                    })
                    .into_iter()
                    .filter(|g| !g.ids().is_empty())
                    .collect();
                let t = LinkedTables::new(&h, &table, &groupings).unwrap();
                // About 40 % of cells suppressed, and every primary-sensitive one.
                let primary = primary_suppression(&t, &FrequencyRule::default());
                let status = (0..t.len())
                    .map(|i| {
                        if primary[i].is_suppressed() || coins.get(i).is_some_and(|&c| c < 4) {
                            CellStatus::Primary
                        } else {
                            CellStatus::Published
                        }
                    })
                    .collect();
                (t, status)
            })
    }

    fn same(a: f64, b: f64) -> bool {
        (a.is_infinite() && b.is_infinite() && a.signum() == b.signum())
            || (a - b).abs() <= AUDIT_TOLERANCE
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn fast_and_exact_audits_agree_with_the_naive_oracle(
            (t, status) in model(),
            protection in 1u64..=4,
        ) {
            let naive = audit_naive(&t, &status, protection).unwrap();
            let exact = audit_exact(&t, &status, protection).unwrap();
            let fast = audit(&t, &status, protection).unwrap();
            prop_assert_eq!(naive.suppressed(), status.iter().filter(|s| s.is_suppressed()).count());
            prop_assert_eq!(exact.suppressed(), naive.suppressed());
            prop_assert_eq!(fast.suppressed(), naive.suppressed());
            for ((n, e), f) in naive.cells().iter().zip(exact.cells()).zip(fast.cells()) {
                let v = t.values()[n.cell] as f64;
                prop_assert!(n.lo <= v && v <= n.hi, "true value outside {:?}", n);
                prop_assert_eq!(n.cell, e.cell);
                prop_assert!(same(n.lo, e.lo) && same(n.hi, e.hi), "{:?} vs {:?}", n, e);
                prop_assert_eq!(n.protected, e.protected);
                prop_assert_eq!(n.protected, f.protected, "{:?} vs {:?}", n, f);
                match f.kind {
                    IntervalKind::Exact => prop_assert!(same(n.lo, f.lo) && same(n.hi, f.hi), "{:?} vs {:?}", n, f),
                    IntervalKind::Inner => prop_assert!(
                        n.lo <= f.lo + AUDIT_TOLERANCE && f.hi <= n.hi + AUDIT_TOLERANCE && f.lo <= v && v <= f.hi,
                        "{:?} vs {:?}", n, f
                    ),
                }
            }
            prop_assert_eq!(fast.is_passed(), naive.is_passed());
            // Deterministic.
            prop_assert_eq!(&audit(&t, &status, protection).unwrap(), &fast);
        }
    }
}
