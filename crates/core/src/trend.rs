//! Trends over reference dates: how each quarter's indicators, rank and MSS class changed.
//!
//! The input is plain data the caller has already computed for every reference date on the
//! **current** units of the ranked level (quarters): indicator values (some of them estimated
//! through a crosswalk from older unit boundaries), the rank of every quarter and whether it
//! was selected. [`trends`] compares two of those dates (by default the first and the last)
//! and returns [`Trends`]:
//!
//! - per indicator and unit the **change** (percentage points for shares, see
//!   [`ChangeKind`]), the **relative change** and whether an end of it is **estimated**;
//! - the **dynamics index** the way Berlin's Monitoring Soziale Stadtentwicklung (MSS) builds
//!   it, by [`berlin_mss`]: the changes of the indicators with a [`Direction`] (oriented so
//!   that higher = worsening) are the dynamics input, their values at the later date the
//!   status input; dynamics classes positiv / stabil / negativ and the combined
//!   status × dynamics class per unit;
//! - per unit the **rank change**, and [`Trends::what_changed`]: the units a planner should
//!   look at.
//!
//! # Examples
//!
//! ```
//! use quartier::{ChangeKind, Direction, IndicatorSeries, TrendInput, TrendSpec, trends};
//!
//! let input = TrendInput {
//!     dates: vec!["2022".into(), "2024".into()],
//!     ids: vec!["Nord".into(), "Mitte".into(), "Süd".into()],
//!     population: vec![Some(1200.0), Some(900.0), Some(1500.0)],
//!     indicators: vec![IndicatorSeries {
//!         name: "child_poverty".into(),
//!         label: "Kinderarmut".into(),
//!         kind: ChangeKind::PercentagePoints,
//!         direction: Some(Direction::HigherIsWorse),
//!         values: vec![
//!             vec![Some(20.0), Some(10.0), Some(30.0)],
//!             vec![Some(24.0), Some(10.0), Some(28.0)],
//!         ],
//!         estimated: vec![vec![false; 3]; 2],
//!     }],
//!     ranks: vec![vec![Some(2), Some(3), Some(1)], vec![Some(1), Some(3), Some(2)]],
//!     selected: vec![vec![false, false, true], vec![true, false, false]],
//! };
//! let t = trends(&input, &TrendSpec::default())?;
//! assert_eq!(t.indicators[0].change, [Some(4.0), Some(0.0), Some(-2.0)]); // in pp
//! assert_eq!(t.indicators[0].relative[0], Some(0.2));
//! assert_eq!(t.rank_change[0], Some(1)); // rank 2 → 1: one place towards "most disadvantaged"
//! let first = &t.what_changed()[0];
//! assert_eq!(first.id, "Nord"); // newly selected
//! # Ok::<(), quartier::TrendError>(())
//! ```
//!
//! # Decisions
//!
//! - **The span.** [`TrendSpec::from`] and [`TrendSpec::to`] pick the two dates compared;
//!   by default the first and the last, i.e. the change over the whole series. Berlin's MSS
//!   uses **two-year changes** (MSS 2021: 31.12.2018 → 31.12.2020); with yearly dates set
//!   `from` to the date two years before `to` to get its dynamics. Dates are labels: their
//!   order is the order of [`TrendInput::dates`] (oldest first), not a parsed calendar, and
//!   `from` must come strictly before `to` in it.
//! - **Changes** are `value(to) − value(from)`: for shares stored in percent that is a
//!   difference in percentage points ([`ChangeKind::PercentagePoints`]), never a percent
//!   change; the relative change is `change / value(from)` as a fraction (0.2 = +20 %),
//!   `None` when `value(from)` is 0 or missing. A missing value at either end gives `None`,
//!   never 0. A change is **estimated** when either end is.
//! - **Dynamics index: reuse, not re-implementation.** Status and dynamics inputs go to
//!   [`berlin_mss`] unchanged in method: z-scores with the population SD (ddof = 0), their
//!   sum re-standardized, units under 300 residents (population of the **latest** date,
//!   [`TrendInput::population`]) or with an unknown population excluded, a unit lacking any
//!   index value excluded. Only indicators with a direction take part; a `LowerIsWorse`
//!   indicator's change is negated and passed as `HigherIsWorse`, so the dynamics criteria
//!   read "higher = worsening" and carry the indicator's name. The status input holds the
//!   values at `to` with their directions. With no directed indicator there is no index
//!   ([`Trends::mss`] is `None`); a degenerate index (e.g. an indicator that changed by the
//!   same amount everywhere) is an error, [`TrendError::Mss`].
//! - **Rank change** = `rank(from) − rank(to)` in places. Rank 1 is the **most
//!   disadvantaged** quarter ([`RankSpec`](crate::RankSpec), step 6), so a positive change means the quarter
//!   moved towards rank 1, i.e. it is now among the worse-off relative to the others; a
//!   negative change means it moved away from it. `None` when either rank is missing.
//! - **Standardized change.** [`IndicatorTrend::standardized`] is the z-score of the
//!   oriented change from the dynamics ranking ([`MssResult::dynamics`]); higher = worsening.
//!   [`Change::indicator`] is the indicator with the largest **absolute** standardized change
//!   (an improving quarter shows its largest improvement; equal values: the first indicator).
//!   Indicators without a direction have no standardized change.
//! - **What changed** lists a unit once, with all its [`ChangeReason`]s in the order of the
//!   enum (its priority); the list is sorted by the first reason, then by unit position.
//!   The rank threshold is [`TrendSpec::min_rank_change`] (default
//!   [`DEFAULT_MIN_RANK_CHANGE`] = 3 places); a rank change of 0 is never a reason.
//! - Errors name the indicator, date and unit id (public area codes), never record data.

use std::collections::HashSet;

use crate::rank::{
    Criterion, Direction, DynamicsClass, MssClass, MssResult, RankError, RankInput, berlin_mss,
};

/// The default of [`TrendSpec::min_rank_change`]: a quarter that moved at least 3 places in
/// the ranking is worth a planner's look.
///
/// # Examples
///
/// ```
/// use quartier::{DEFAULT_MIN_RANK_CHANGE, TrendSpec};
///
/// assert_eq!(TrendSpec::default().min_rank_change, DEFAULT_MIN_RANK_CHANGE);
/// ```
pub const DEFAULT_MIN_RANK_CHANGE: usize = 3;

/// Errors of [`trends`].
///
/// Messages name indicators, dates and unit ids (public area codes), never record data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrendError {
    /// Fewer than two reference dates.
    #[error("trends need at least two reference dates, got {count}")]
    TooFewDates {
        /// Number of dates given.
        count: usize,
    },
    /// A date label occurs twice.
    #[error("reference date `{date}` occurs more than once")]
    DuplicateDate {
        /// The repeated date.
        date: String,
    },
    /// A unit id occurs twice.
    #[error("unit `{unit}` occurs more than once")]
    DuplicateUnit {
        /// The repeated id.
        unit: String,
    },
    /// An indicator name occurs twice.
    #[error("indicator `{indicator}` occurs more than once")]
    DuplicateIndicator {
        /// The repeated name.
        indicator: String,
    },
    /// `from` or `to` of the spec is not among the dates.
    #[error("`{bound}` date `{date}` is not among the reference dates")]
    UnknownDate {
        /// `from` or `to`.
        bound: &'static str,
        /// The date asked for.
        date: String,
    },
    /// `from` does not come before `to`.
    #[error("the span must run forward: `{from}` does not come before `{to}`")]
    SpanOrder {
        /// The start date.
        from: String,
        /// The end date.
        to: String,
    },
    /// A per-date vector does not have one entry per date.
    #[error("{what} has {actual} dates but there are {expected} reference dates")]
    DateCount {
        /// Which vector, e.g. ``values of indicator `x` `` or `ranks`.
        what: String,
        /// Number of dates.
        expected: usize,
        /// Number of entries given.
        actual: usize,
    },
    /// A per-unit vector does not have one entry per unit.
    #[error("{what} at date `{date}` has {actual} values but there are {expected} units")]
    UnitCount {
        /// Which vector, e.g. ``values of indicator `x` ``, `ranks` or `population`.
        what: String,
        /// The date (the latest for the population).
        date: String,
        /// Number of units.
        expected: usize,
        /// Number of values given.
        actual: usize,
    },
    /// An indicator value is NaN or infinite (a missing value must be `None`).
    #[error(
        "indicator `{indicator}` has a non-finite value at date `{date}` for unit `{unit}`; use None for a missing value"
    )]
    NonFiniteValue {
        /// The indicator's name.
        indicator: String,
        /// The date.
        date: String,
        /// The unit's id.
        unit: String,
    },
    /// A change overflowed to infinity (values of extreme magnitude).
    #[error("the change of indicator `{indicator}` for unit `{unit}` overflowed")]
    Overflow {
        /// The indicator's name.
        indicator: String,
        /// The unit's id.
        unit: String,
    },
    /// A rank is 0 or larger than the number of units.
    #[error("rank {rank} of unit `{unit}` at date `{date}` is outside 1..={units}")]
    InvalidRank {
        /// The date.
        date: String,
        /// The unit's id.
        unit: String,
        /// The rank given.
        rank: usize,
        /// Number of units.
        units: usize,
    },
    /// The MSS status or dynamics index could not be computed.
    #[error("MSS status/dynamics index from `{from}` to `{to}`: {source}")]
    Mss {
        /// The start date.
        from: String,
        /// The end date.
        to: String,
        /// The ranking engine's error.
        source: RankError,
    },
}

/// How the change of an indicator is expressed.
///
/// # Examples
///
/// ```
/// use quartier::ChangeKind;
///
/// // a share of 20 % rising to 24 % changes by 4 percentage points
/// let share = ChangeKind::PercentagePoints;
/// assert_ne!(share, ChangeKind::Absolute);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A share stored in percent: the change is in percentage points.
    #[doc(alias = "Prozentpunkte")]
    PercentagePoints,
    /// A rate or density: the change is in the indicator's own unit.
    Absolute,
}

/// One indicator over all reference dates.
///
/// # Examples
///
/// ```
/// use quartier::{ChangeKind, Direction, IndicatorSeries};
///
/// let s = IndicatorSeries {
///     name: "child_poverty".into(),
///     label: "Kinderarmut".into(),
///     kind: ChangeKind::PercentagePoints,
///     direction: Some(Direction::HigherIsWorse),
///     values: vec![vec![Some(20.0), None], vec![Some(22.0), Some(9.5)]],
///     estimated: vec![vec![true, false], vec![false, false]],
/// };
/// assert_eq!(s.values.len(), 2); // two dates
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorSeries {
    /// The indicator's name (unique within an input).
    pub name: String,
    /// Its human-readable label.
    pub label: String,
    /// How its change is expressed.
    pub kind: ChangeKind,
    /// Whether high values are worse; `None` = no direction (context indicator), which
    /// keeps it out of the MSS indices.
    pub direction: Option<Direction>,
    /// `[date][unit]`; `None` = missing (suppressed, zero denominator …).
    pub values: Vec<Vec<Option<f64>>>,
    /// `[date][unit]`: whether the value was estimated (e.g. through a crosswalk).
    pub estimated: Vec<Vec<bool>>,
}

/// Everything [`trends`] reads: dates, units, indicator series, ranks and selections.
///
/// Per-date vectors follow [`dates`](Self::dates) (oldest first); per-unit vectors follow
/// [`ids`](Self::ids).
///
/// # Examples
///
/// See [`trends`].
///
/// ```
/// use quartier::TrendInput;
///
/// let input = TrendInput::default();
/// assert!(input.dates.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrendInput {
    /// Reference dates, oldest first (labels, e.g. `"2024-12-31"`).
    pub dates: Vec<String>,
    /// Unit ids of the ranked level (current quarters).
    pub ids: Vec<String>,
    /// Residents per unit at the latest date; `None` = unknown (suppressed).
    pub population: Vec<Option<f64>>,
    /// The indicators.
    pub indicators: Vec<IndicatorSeries>,
    /// `[date][unit]`: rank (1 = most disadvantaged); `None` = not ranked.
    pub ranks: Vec<Vec<Option<usize>>>,
    /// `[date][unit]`: whether the unit was selected.
    pub selected: Vec<Vec<bool>>,
}

/// Which two dates [`trends`] compares, and when a rank change is worth reporting.
///
/// # Examples
///
/// ```
/// use quartier::TrendSpec;
///
/// // Berlin-style two-year dynamics on yearly data
/// let spec = TrendSpec { from: Some("2022".into()), to: Some("2024".into()), ..TrendSpec::default() };
/// assert_eq!(spec.min_rank_change, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendSpec {
    /// The earlier date; `None` = the first date.
    pub from: Option<String>,
    /// The later date; `None` = the last date.
    pub to: Option<String>,
    /// A rank change of at least this many places (either way) is a [`ChangeReason`];
    /// default [`DEFAULT_MIN_RANK_CHANGE`].
    pub min_rank_change: usize,
}

impl Default for TrendSpec {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            min_rank_change: DEFAULT_MIN_RANK_CHANGE,
        }
    }
}

/// One indicator's changes between the two dates, per unit.
///
/// # Examples
///
/// See [`trends`].
///
/// ```
/// # use quartier::IndicatorTrend;
/// fn rising(t: &IndicatorTrend) -> usize {
///     t.change.iter().filter(|c| c.is_some_and(|c| c > 0.0)).count()
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorTrend {
    /// The indicator's name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// How the change is expressed (percentage points or absolute).
    pub kind: ChangeKind,
    /// Its direction, if any.
    pub direction: Option<Direction>,
    /// Per unit: value at `from`.
    pub before: Vec<Option<f64>>,
    /// Per unit: value at `to`.
    pub after: Vec<Option<f64>>,
    /// Per unit: `value(to) − value(from)`; `None` when either is missing.
    pub change: Vec<Option<f64>>,
    /// Per unit: `change / value(from)` as a fraction; `None` when `value(from)` is 0 or
    /// missing.
    pub relative: Vec<Option<f64>>,
    /// Per unit: either end estimated.
    pub estimated: Vec<bool>,
    /// Per unit: the z-score of the oriented change in the dynamics index (higher =
    /// worsening); `None` for an indicator without direction and for units the index
    /// excludes.
    pub standardized: Vec<Option<f64>>,
}

/// The result of [`trends`].
///
/// # Examples
///
/// See [`trends`].
///
/// ```
/// # use quartier::Trends;
/// fn moved_up(t: &Trends) -> usize {
///     t.rank_change.iter().filter(|c| c.is_some_and(|c| c > 0)).count()
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    /// The earlier date compared.
    pub from: String,
    /// The later date compared.
    pub to: String,
    /// Unit ids, in input order.
    pub ids: Vec<String>,
    /// Per indicator, in input order.
    pub indicators: Vec<IndicatorTrend>,
    /// Berlin MSS status (at `to`) and dynamics (`from` → `to`) with classes per unit;
    /// `None` when no indicator has a direction.
    pub mss: Option<MssResult>,
    /// Per unit: rank at `from`.
    pub rank_before: Vec<Option<usize>>,
    /// Per unit: rank at `to`.
    pub rank_after: Vec<Option<usize>>,
    /// Per unit: `rank(from) − rank(to)`; positive = moved towards rank 1 (most
    /// disadvantaged).
    pub rank_change: Vec<Option<i64>>,
    /// Per unit: selected at `from`.
    pub selected_before: Vec<bool>,
    /// Per unit: selected at `to`.
    pub selected_after: Vec<bool>,
    /// The rank-change threshold used by [`Trends::what_changed`].
    pub min_rank_change: usize,
}

/// Why a unit is in [`Trends::what_changed`]; the order of the variants is their priority.
///
/// # Examples
///
/// ```
/// use quartier::ChangeReason;
///
/// assert!(ChangeReason::NewlySelected < ChangeReason::NegativeDynamics);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeReason {
    /// Selected at `to`, not at `from`.
    #[doc(alias = "neu ausgewählt")]
    NewlySelected,
    /// Selected at `from`, not at `to`.
    #[doc(alias = "nicht mehr ausgewählt")]
    NoLongerSelected,
    /// MSS dynamics class "negativ" (dynamics index > 1).
    #[doc(alias = "negative Dynamik")]
    NegativeDynamics,
    /// Moved at least [`Trends::min_rank_change`] places towards rank 1 (most
    /// disadvantaged).
    RankWorsened,
    /// Moved at least [`Trends::min_rank_change`] places away from rank 1.
    RankImproved,
}

/// One unit worth a planner's attention ([`Trends::what_changed`]).
///
/// # Examples
///
/// ```
/// use quartier::{Change, ChangeReason};
///
/// fn is_new(c: &Change) -> bool {
///     c.reasons.contains(&ChangeReason::NewlySelected)
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The unit's position in the input.
    pub position: usize,
    /// The unit's id.
    pub id: String,
    /// Why it is listed, in priority order (never empty).
    pub reasons: Vec<ChangeReason>,
    /// Rank at `from`.
    pub rank_before: Option<usize>,
    /// Rank at `to`.
    pub rank_after: Option<usize>,
    /// The MSS dynamics class, when the unit has one.
    pub dynamics: Option<DynamicsClass>,
    /// The indicator with the largest absolute standardized change; `None` when the unit
    /// has none.
    pub indicator: Option<String>,
    /// That indicator's change (percentage points or absolute).
    pub change: Option<f64>,
    /// That indicator's standardized change (higher = worsening).
    pub standardized: Option<f64>,
    /// Whether that change is estimated.
    pub estimated: bool,
}

impl Trends {
    /// The MSS dynamics class of the unit at `position`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use quartier::{DynamicsClass, Trends};
    /// fn negative(t: &Trends) -> usize {
    ///     (0..t.ids.len()).filter(|&p| t.dynamics_class(p) == Some(DynamicsClass::Negative)).count()
    /// }
    /// ```
    pub fn dynamics_class(&self, position: usize) -> Option<DynamicsClass> {
        self.mss.as_ref()?.units.get(position)?.dynamics_class
    }

    /// The combined MSS status × dynamics class of the unit at `position`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use quartier::Trends;
    /// fn codes(t: &Trends) -> Vec<Option<String>> {
    ///     (0..t.ids.len()).map(|p| t.combined(p).map(|c| c.code())).collect()
    /// }
    /// ```
    pub fn combined(&self, position: usize) -> Option<MssClass> {
        self.mss.as_ref()?.units.get(position)?.combined()
    }

    /// The units worth a planner's attention: newly selected or no longer selected, MSS
    /// dynamics "negativ", or a rank change of at least [`Trends::min_rank_change`] places;
    /// each once, with all its reasons, its largest standardized indicator change, sorted by
    /// its first reason and then by position.
    ///
    /// O(n·i) for n units and i indicators.
    ///
    /// # Examples
    ///
    /// See [`trends`].
    ///
    /// ```
    /// # use quartier::{ChangeReason, Trends};
    /// fn newly_selected(t: &Trends) -> Vec<String> {
    ///     t.what_changed()
    ///         .into_iter()
    ///         .filter(|c| c.reasons.contains(&ChangeReason::NewlySelected))
    ///         .map(|c| c.id)
    ///         .collect()
    /// }
    /// ```
    pub fn what_changed(&self) -> Vec<Change> {
        let mut out = Vec::new();
        for (position, id) in self.ids.iter().enumerate() {
            let reasons = self.reasons(position);
            if reasons.is_empty() {
                continue;
            }
            let (indicator, change, standardized, estimated) = self.largest_change(position);
            out.push(Change {
                position,
                id: id.clone(),
                reasons,
                rank_before: self.rank_before.get(position).copied().flatten(),
                rank_after: self.rank_after.get(position).copied().flatten(),
                dynamics: self.dynamics_class(position),
                indicator,
                change,
                standardized,
                estimated,
            });
        }
        out.sort_by_key(|c| (c.reasons.first().copied(), c.position));
        out
    }

    fn reasons(&self, position: usize) -> Vec<ChangeReason> {
        let before = self.selected_before.get(position).copied().unwrap_or(false);
        let after = self.selected_after.get(position).copied().unwrap_or(false);
        let mut reasons = Vec::new();
        if after && !before {
            reasons.push(ChangeReason::NewlySelected);
        }
        if before && !after {
            reasons.push(ChangeReason::NoLongerSelected);
        }
        if self.dynamics_class(position) == Some(DynamicsClass::Negative) {
            reasons.push(ChangeReason::NegativeDynamics);
        }
        if let Some(Some(places)) = self.rank_change.get(position).copied() {
            if places != 0 && places.unsigned_abs() >= self.min_rank_change as u64 {
                reasons.push(if places > 0 {
                    ChangeReason::RankWorsened
                } else {
                    ChangeReason::RankImproved
                });
            }
        }
        reasons
    }

    /// (name, change, standardized, estimated) of the indicator with the largest |z|.
    fn largest_change(&self, position: usize) -> (Option<String>, Option<f64>, Option<f64>, bool) {
        let mut best: Option<(&IndicatorTrend, f64)> = None;
        for t in &self.indicators {
            if let Some(Some(z)) = t.standardized.get(position).copied() {
                if best.is_none_or(|(_, b)| z.abs() > b.abs()) {
                    best = Some((t, z));
                }
            }
        }
        match best {
            Some((t, z)) => (
                Some(t.name.clone()),
                t.change.get(position).copied().flatten(),
                Some(z),
                t.estimated.get(position).copied().unwrap_or(false),
            ),
            None => (None, None, None, false),
        }
    }
}

/// Changes, MSS dynamics and rank changes of every unit between two reference dates.
///
/// # Rules
///
/// - **Span**: [`TrendSpec::from`] → [`TrendSpec::to`], by default the first and the last
///   date. Berlin's MSS uses two-year changes; set `from` two years before `to` for them.
/// - **Change** = `value(to) − value(from)`, in percentage points for
///   [`ChangeKind::PercentagePoints`]; **relative** = `change / value(from)` (a fraction),
///   `None` when `value(from)` is 0 or missing; **estimated** when either end is. Missing
///   values give `None`, never 0.
/// - **MSS**: the indicators with a [`Direction`] form the status input (values at `to`) and
///   the dynamics input (changes, negated for `LowerIsWorse`, so higher = worsening) of
///   [`berlin_mss`], with the latest population: z-scores (ddof = 0), their sum
///   re-standardized, units under 300 residents or with a missing index value excluded.
/// - **Rank change** = `rank(from) − rank(to)`: rank 1 is the most disadvantaged, so a
///   positive change means the unit moved towards rank 1 (now relatively worse off).
///
/// O(i·n) plus the two MSS rankings (O(i·n log n)) for i indicators and n units.
///
/// # Errors
///
/// [`TrendError`]: fewer than two dates; duplicate dates, unit ids or indicator names; a
/// `from`/`to` that is not a date or a span that does not run forward; a vector with the
/// wrong number of dates or units (naming the indicator and the date); a NaN or infinite
/// value; a rank outside 1..=n; a change that overflows; and whatever [`berlin_mss`] rejects
/// ([`TrendError::Mss`], e.g. an invalid population or an indicator whose change is the same
/// for every ranked unit).
///
/// # Examples
///
/// ```
/// use quartier::{ChangeKind, Direction, DynamicsClass, IndicatorSeries, TrendInput, TrendSpec, trends};
///
/// let series = |name: &str, direction, values: Vec<Vec<Option<f64>>>| IndicatorSeries {
///     name: name.into(),
///     label: name.into(),
///     kind: ChangeKind::PercentagePoints,
///     direction: Some(direction),
///     estimated: vec![vec![false; 4]; values.len()],
///     values,
/// };
/// let v = |x: [f64; 4]| x.iter().map(|&x| Some(x)).collect::<Vec<_>>();
/// let input = TrendInput {
///     dates: vec!["2020".into(), "2022".into()],
///     ids: vec!["A".into(), "B".into(), "C".into(), "D".into()],
///     population: vec![Some(900.0); 4],
///     indicators: vec![
///         series("poverty", Direction::HigherIsWorse, vec![v([10.0, 20.0, 30.0, 40.0]), v([16.0, 20.0, 30.0, 40.0])]),
///         series("employment", Direction::LowerIsWorse, vec![v([60.0, 50.0, 40.0, 30.0]), v([57.0, 50.0, 40.0, 31.0])]),
///     ],
///     ranks: vec![vec![Some(4), Some(3), Some(2), Some(1)]; 2],
///     selected: vec![vec![false, false, false, true]; 2],
/// };
/// let t = trends(&input, &TrendSpec::default())?;
/// assert_eq!(t.indicators[1].change[0], Some(-3.0)); // raw change; worsening for LowerIsWorse
/// assert_eq!(t.dynamics_class(0), Some(DynamicsClass::Negative));
/// assert_eq!(t.what_changed()[0].indicator.as_deref(), Some("poverty"));
/// # Ok::<(), quartier::TrendError>(())
/// ```
pub fn trends(input: &TrendInput, spec: &TrendSpec) -> Result<Trends, TrendError> {
    validate(input)?;
    let (from, to) = span(input, spec)?;
    let n = input.ids.len();
    let mut indicators = Vec::with_capacity(input.indicators.len());
    for s in &input.indicators {
        let (before, after) = (&s.values[from], &s.values[to]);
        let mut change = Vec::with_capacity(n);
        let mut relative = Vec::with_capacity(n);
        for (u, (b, a)) in before.iter().zip(after).enumerate() {
            let c = match (b, a) {
                (Some(b), Some(a)) => {
                    let c = a - b;
                    if !c.is_finite() {
                        return Err(TrendError::Overflow {
                            indicator: s.name.clone(),
                            unit: input.ids[u].clone(),
                        });
                    }
                    Some(c)
                }
                _ => None,
            };
            change.push(c);
            relative.push(match (c, b) {
                (Some(c), Some(b)) if *b != 0.0 => Some(c / b).filter(|r| r.is_finite()),
                _ => None,
            });
        }
        let estimated = s.estimated[from]
            .iter()
            .zip(&s.estimated[to])
            .map(|(b, a)| *b || *a)
            .collect();
        indicators.push(IndicatorTrend {
            name: s.name.clone(),
            label: s.label.clone(),
            kind: s.kind,
            direction: s.direction,
            before: before.clone(),
            after: after.clone(),
            change,
            relative,
            estimated,
            standardized: vec![None; n],
        });
    }
    let (from_date, to_date) = (input.dates[from].clone(), input.dates[to].clone());
    let mss = mss(input, to, &indicators).map_err(|source| TrendError::Mss {
        from: from_date.clone(),
        to: to_date.clone(),
        source,
    })?;
    if let Some(m) = &mss {
        // the dynamics criteria are the directed indicators, in indicator order
        let directed = indicators.iter_mut().filter(|t| t.direction.is_some());
        for (k, t) in directed.enumerate() {
            for (z, unit) in t.standardized.iter_mut().zip(&m.dynamics.units) {
                *z = unit.normalized.get(k).copied().flatten();
            }
        }
    }
    let rank_before = input.ranks[from].clone();
    let rank_after = input.ranks[to].clone();
    let rank_change = rank_before
        .iter()
        .zip(&rank_after)
        .map(|(b, a)| Some(i64::try_from((*b)?).ok()? - i64::try_from((*a)?).ok()?))
        .collect();
    Ok(Trends {
        from: from_date,
        to: to_date,
        ids: input.ids.clone(),
        indicators,
        mss,
        rank_before,
        rank_after,
        rank_change,
        selected_before: input.selected[from].clone(),
        selected_after: input.selected[to].clone(),
        min_rank_change: spec.min_rank_change,
    })
}

/// Berlin MSS on the directed indicators: status = values at `to`, dynamics = oriented
/// changes; `None` without a directed indicator.
fn mss(
    input: &TrendInput,
    to: usize,
    indicators: &[IndicatorTrend],
) -> Result<Option<MssResult>, RankError> {
    let mut status = RankInput::new(input.ids.clone(), input.population.clone());
    let mut dynamics = RankInput::new(input.ids.clone(), input.population.clone());
    for (s, t) in input.indicators.iter().zip(indicators) {
        let Some(direction) = s.direction else {
            continue;
        };
        status = status.with_criterion(Criterion::new(
            s.name.clone(),
            s.values[to].clone(),
            direction,
        ));
        let worsening = t
            .change
            .iter()
            .map(|c| {
                c.map(|c| match direction {
                    Direction::HigherIsWorse => c,
                    Direction::LowerIsWorse => -c,
                })
            })
            .collect();
        dynamics = dynamics.with_criterion(Criterion::new(
            s.name.clone(),
            worsening,
            Direction::HigherIsWorse,
        ));
    }
    if status.criteria.is_empty() {
        return Ok(None);
    }
    berlin_mss(&status, &dynamics).map(Some)
}

/// The positions of `from` and `to`.
fn span(input: &TrendInput, spec: &TrendSpec) -> Result<(usize, usize), TrendError> {
    let find = |bound: &'static str, date: &Option<String>, default: usize| match date {
        None => Ok(default),
        Some(d) => input
            .dates
            .iter()
            .position(|x| x == d)
            .ok_or_else(|| TrendError::UnknownDate {
                bound,
                date: d.clone(),
            }),
    };
    let from = find("from", &spec.from, 0)?;
    let to = find("to", &spec.to, input.dates.len() - 1)?;
    if from >= to {
        return Err(TrendError::SpanOrder {
            from: input.dates[from].clone(),
            to: input.dates[to].clone(),
        });
    }
    Ok((from, to))
}

/// Shapes, uniqueness, finiteness and rank ranges.
fn validate(input: &TrendInput) -> Result<(), TrendError> {
    let (d, n) = (input.dates.len(), input.ids.len());
    if d < 2 {
        return Err(TrendError::TooFewDates { count: d });
    }
    let mut seen = HashSet::new();
    for date in &input.dates {
        if !seen.insert(date.as_str()) {
            return Err(TrendError::DuplicateDate { date: date.clone() });
        }
    }
    let mut seen = HashSet::new();
    for id in &input.ids {
        if !seen.insert(id.as_str()) {
            return Err(TrendError::DuplicateUnit { unit: id.clone() });
        }
    }
    let latest = &input.dates[d - 1];
    if input.population.len() != n {
        return Err(TrendError::UnitCount {
            what: "population".to_owned(),
            date: latest.clone(),
            expected: n,
            actual: input.population.len(),
        });
    }
    let shape = |what: &dyn Fn() -> String, lengths: &mut dyn Iterator<Item = usize>| {
        let lengths: Vec<usize> = lengths.collect();
        if lengths.len() != d {
            return Err(TrendError::DateCount {
                what: what(),
                expected: d,
                actual: lengths.len(),
            });
        }
        for (date, &len) in input.dates.iter().zip(&lengths) {
            if len != n {
                return Err(TrendError::UnitCount {
                    what: what(),
                    date: date.clone(),
                    expected: n,
                    actual: len,
                });
            }
        }
        Ok(())
    };
    let mut names = HashSet::new();
    for s in &input.indicators {
        if !names.insert(s.name.as_str()) {
            return Err(TrendError::DuplicateIndicator {
                indicator: s.name.clone(),
            });
        }
        shape(
            &|| format!("values of indicator `{}`", s.name),
            &mut s.values.iter().map(Vec::len),
        )?;
        shape(
            &|| format!("estimated flags of indicator `{}`", s.name),
            &mut s.estimated.iter().map(Vec::len),
        )?;
        for (date, values) in input.dates.iter().zip(&s.values) {
            if let Some(u) = values
                .iter()
                .position(|v| v.is_some_and(|x| !x.is_finite()))
            {
                return Err(TrendError::NonFiniteValue {
                    indicator: s.name.clone(),
                    date: date.clone(),
                    unit: input.ids[u].clone(),
                });
            }
        }
    }
    shape(
        &|| "ranks".to_owned(),
        &mut input.ranks.iter().map(Vec::len),
    )?;
    shape(
        &|| "selected flags".to_owned(),
        &mut input.selected.iter().map(Vec::len),
    )?;
    for (date, ranks) in input.dates.iter().zip(&input.ranks) {
        for (id, rank) in input.ids.iter().zip(ranks) {
            if let Some(r) = *rank {
                if r == 0 || r > n {
                    return Err(TrendError::InvalidRank {
                        date: date.clone(),
                        unit: id.clone(),
                        rank: r,
                        units: n,
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> TrendInput {
        TrendInput {
            dates: vec!["a".into(), "b".into(), "c".into()],
            ids: vec!["X".into(), "Y".into()],
            population: vec![Some(500.0); 2],
            indicators: Vec::new(),
            ranks: vec![vec![Some(1), Some(2)]; 3],
            selected: vec![vec![false; 2]; 3],
        }
    }

    #[test]
    fn span_defaults_to_whole_series_and_must_run_forward() {
        let i = input();
        assert_eq!(span(&i, &TrendSpec::default()), Ok((0, 2)));
        let spec = TrendSpec {
            from: Some("b".into()),
            ..TrendSpec::default()
        };
        assert_eq!(span(&i, &spec), Ok((1, 2)));
        let spec = TrendSpec {
            from: Some("c".into()),
            to: Some("b".into()),
            ..TrendSpec::default()
        };
        assert!(matches!(
            span(&i, &spec),
            Err(TrendError::SpanOrder { from, to }) if from == "c" && to == "b"
        ));
    }

    #[test]
    fn no_directed_indicator_means_no_mss() {
        let t = trends(&input(), &TrendSpec::default()).unwrap();
        assert!(t.mss.is_none());
        assert_eq!(t.rank_change, [Some(0), Some(0)]);
        assert!(t.what_changed().is_empty());
    }

    #[test]
    fn rank_out_of_range_is_an_error() {
        let mut i = input();
        i.ranks[1][1] = Some(3);
        assert!(matches!(
            validate(&i),
            Err(TrendError::InvalidRank {
                rank: 3,
                units: 2,
                ..
            })
        ));
    }
}
