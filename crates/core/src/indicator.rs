//! Indicators per unit from protected count tables: shares, rates and densities.

use std::collections::BTreeSet;

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon};

use crate::anonymize::{LayerKind, ProtectedTables};
use crate::hierarchy::{Hierarchy, UnitId};
use crate::records::RecordKind;

/// The row-total column's label in [`ProtectedTables`].
const TOTAL: &str = crate::anonymize::TOTAL;

/// Square metres per square kilometre.
const M2_PER_KM2: f64 = 1_000_000.0;

/// One side of a ratio: the sum of some categories of one dataset at a unit.
///
/// # Examples
///
/// ```
/// use quartier::{RecordKind, Term};
///
/// let under_25 = Term::categories(RecordKind::Resident, ["0-2", "3-5", "6-9", "10-11", "12-17", "18-24"]);
/// let residents = Term::total(RecordKind::Resident);
/// assert_ne!(under_25, residents);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The dataset (record kind) whose table is read.
    pub dataset: RecordKind,
    /// The category labels summed; empty means the row total.
    pub categories: Vec<String>,
}

impl Term {
    /// The row total of a dataset (every record of the unit).
    pub fn total(dataset: RecordKind) -> Self {
        Self {
            dataset,
            categories: Vec::new(),
        }
    }

    /// The sum of some categories of a dataset.
    pub fn categories<S: Into<String>>(
        dataset: RecordKind,
        labels: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            dataset,
            categories: labels.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether the term is the row total.
    pub fn is_total(&self) -> bool {
        self.categories.is_empty()
    }
}

/// Which area a density divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AreaBasis {
    /// The whole unit.
    #[default]
    Unit,
    /// The part of the unit inside the settled-area layer (an error when none is given).
    #[doc(alias = "Siedlungsfläche")]
    Settled,
}

/// What an indicator measures (see [`compute_indicators`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// numerator / denominator × 100, in %.
    #[doc(alias = "Anteil")]
    Share {
        /// The part.
        numerator: Term,
        /// The whole.
        denominator: Term,
    },
    /// numerator / denominator × `per` (e.g. cases per 100 children).
    #[doc(alias = "Quote")]
    Rate {
        /// The events.
        numerator: Term,
        /// The population at risk.
        denominator: Term,
        /// The multiplier: 100, 1,000, …; finite and positive.
        per: f64,
    },
    /// numerator per km² of area.
    #[doc(alias = "Dichte")]
    Density {
        /// What is counted.
        numerator: Term,
        /// The area it is divided by.
        area: AreaBasis,
    },
}

impl Measure {
    /// The unit of the values, for labels: `%`, `per 100`, `per 1,000`, `per km²`.
    pub fn unit(&self) -> String {
        match self {
            Self::Share { .. } => "%".to_owned(),
            Self::Rate { per, .. } if *per == 1000.0 => "per 1,000".to_owned(),
            Self::Rate { per, .. } => format!("per {per}"),
            Self::Density { .. } => "per km²".to_owned(),
        }
    }

    /// The numerator and, for ratios, the denominator.
    pub(crate) fn parts(&self) -> (&Term, Option<&Term>) {
        match self {
            Self::Share {
                numerator,
                denominator,
            }
            | Self::Rate {
                numerator,
                denominator,
                ..
            } => (numerator, Some(denominator)),
            Self::Density { numerator, .. } => (numerator, None),
        }
    }
}

/// Smoothing of small-denominator rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Smoothing {
    /// The raw value.
    #[default]
    None,
    /// Global empirical Bayes (see [`compute_indicators`]); shares and rates only.
    EmpiricalBayes,
}

/// One indicator: a name, a label and what it measures.
///
/// # Examples
///
/// ```
/// use quartier::{IndicatorSpec, Measure, RecordKind, Term};
///
/// let spec = IndicatorSpec::new(
///     "kita_share",
///     "Kita children per 100 children aged 3-5",
///     Measure::Rate {
///         numerator: Term::total(RecordKind::Kita),
///         denominator: Term::categories(RecordKind::Resident, ["3-5"]),
///         per: 100.0,
///     },
/// );
/// assert_eq!(spec.measure.unit(), "per 100");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorSpec {
    /// A short identifier (`[A-Za-z0-9_-]`), used as a column name.
    pub name: String,
    /// A human-readable label for tables and maps.
    pub label: String,
    /// What it measures.
    pub measure: Measure,
    /// Whether the value is smoothed.
    pub smoothing: Smoothing,
}

impl IndicatorSpec {
    /// An indicator without smoothing.
    pub fn new(name: impl Into<String>, label: impl Into<String>, measure: Measure) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            measure,
            smoothing: Smoothing::None,
        }
    }

    /// The same indicator with the given smoothing.
    #[must_use]
    pub fn with_smoothing(mut self, smoothing: Smoothing) -> Self {
        self.smoothing = smoothing;
        self
    }

    /// The seed's indicators (Zusammen im Quartier, Enger): the indicator families of the
    /// pilot on the demo's category sets.
    ///
    /// | name | measure |
    /// |---|---|
    /// | `under25_share` | residents under 25 per 100 residents (%) |
    /// | `under25_density` | residents under 25 per km² of the unit |
    /// | `kita_low_income_share` | Kita children in fee brackets 1–2 (lowest family income) per 100 Kita children (%) |
    /// | `child_support_rate` | child-support cases for children under 12 per 100 residents under 12 |
    ///
    /// The pilot counted persons under 25 and settlement density, the income of families
    /// with a Kita child and the child-support advance (Unterhaltsvorschuss) for children
    /// under 12; brackets 1–2 are "the lowest brackets" of a six-bracket fee table (bracket 1
    /// is usually fee-free). Higher is more disadvantaged for every one of them.
    ///
    /// # Examples
    ///
    /// ```
    /// let specs = quartier::IndicatorSpec::seed_defaults();
    /// assert_eq!(specs.len(), 4);
    /// ```
    #[doc(alias = "Enger")]
    pub fn seed_defaults() -> Vec<Self> {
        let under25 = || {
            Term::categories(
                RecordKind::Resident,
                ["0-2", "3-5", "6-9", "10-11", "12-17", "18-24"],
            )
        };
        vec![
            Self::new(
                "under25_share",
                "Residents under 25 (%)",
                Measure::Share {
                    numerator: under25(),
                    denominator: Term::total(RecordKind::Resident),
                },
            ),
            Self::new(
                "under25_density",
                "Residents under 25 per km²",
                Measure::Density {
                    numerator: under25(),
                    area: AreaBasis::Unit,
                },
            ),
            Self::new(
                "kita_low_income_share",
                "Kita children in the lowest fee brackets 1-2 (%)",
                Measure::Share {
                    numerator: Term::categories(RecordKind::Kita, ["bracket_1", "bracket_2"]),
                    denominator: Term::total(RecordKind::Kita),
                },
            ),
            Self::new(
                "child_support_rate",
                "Child-support cases per 100 children under 12",
                Measure::Rate {
                    numerator: Term::categories(RecordKind::ChildSupport, ["0-5", "6-11"]),
                    denominator: Term::categories(
                        RecordKind::Resident,
                        ["0-2", "3-5", "6-9", "10-11"],
                    ),
                    per: 100.0,
                },
            ),
        ]
    }
}

/// Why a value is (or is not) there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueStatus {
    /// The value is known.
    Ok,
    /// A cell it needs is suppressed and cannot be derived from published cells.
    Suppressed,
    /// The denominator is zero.
    ZeroDenominator,
    /// The area is zero (e.g. no settled area in the unit).
    ZeroArea,
}

impl ValueStatus {
    /// A short lowercase name for output columns: `ok`, `suppressed`, `zero_denominator`,
    /// `zero_area`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Suppressed => "suppressed",
            Self::ZeroDenominator => "zero_denominator",
            Self::ZeroArea => "zero_area",
        }
    }
}

/// One indicator at one unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorValue {
    /// The numerator (a count); `None` when suppressed.
    pub numerator: Option<f64>,
    /// The denominator: a count, or the area in km² for densities; `None` when suppressed.
    pub denominator: Option<f64>,
    /// The value; `None` exactly when `status` is not [`ValueStatus::Ok`].
    pub value: Option<f64>,
    /// The smoothed value when the indicator is smoothed, else equal to `value`.
    pub smoothed: Option<f64>,
    /// Whether the value is there, and why not.
    pub status: ValueStatus,
}

/// One indicator over all units of a level.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorColumn {
    /// Its definition.
    pub spec: IndicatorSpec,
    /// One value per unit, in the level's unit order.
    pub values: Vec<IndicatorValue>,
    /// The value over all units with a known numerator and denominator (Σ numerator /
    /// Σ denominator, scaled), the reference a unit is compared with.
    pub overall: Option<f64>,
}

impl IndicatorColumn {
    /// The (unsmoothed) values, `None` where missing.
    pub fn raw(&self) -> Vec<Option<f64>> {
        self.values.iter().map(|v| v.value).collect()
    }

    /// The smoothed values when the indicator is smoothed, else `None`.
    pub fn smoothed(&self) -> Option<Vec<Option<f64>>> {
        (self.spec.smoothing != Smoothing::None)
            .then(|| self.values.iter().map(|v| v.smoothed).collect())
    }

    /// The values the ranking uses by default: smoothed where the spec asks for it.
    pub fn values(&self) -> Vec<Option<f64>> {
        self.values.iter().map(|v| v.smoothed).collect()
    }
}

/// Indicators for every unit of one level; built by [`compute_indicators`].
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorTable {
    /// The level's name.
    pub level: String,
    /// The unit ids, in the level's order.
    pub units: Vec<UnitId>,
    /// Residents per unit (the resident table's row total); `None` when suppressed or
    /// when no resident table was given.
    pub population: Vec<Option<u64>>,
    /// Area per unit in km².
    pub area_km2: Vec<f64>,
    /// Settled area per unit in km², when a settled-area layer was given.
    pub settled_km2: Option<Vec<f64>>,
    /// One column per indicator, in spec order.
    pub columns: Vec<IndicatorColumn>,
}

impl IndicatorTable {
    /// The column of an indicator by name.
    pub fn column(&self, name: &str) -> Option<&IndicatorColumn> {
        self.columns.iter().find(|c| c.spec.name == name)
    }
}

/// An error of [`compute_indicators`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IndicatorError {
    /// The hierarchy has no level of this name.
    #[error("unknown level `{level}` (levels: {known})")]
    UnknownLevel {
        /// The level asked for.
        level: String,
        /// The hierarchy's levels, comma-separated.
        known: String,
    },
    /// An indicator needs a dataset whose protected tables were not given.
    #[error(
        "indicator `{indicator}` needs the protected tables of dataset `{dataset}`, which were not given"
    )]
    MissingDataset {
        /// The indicator's name.
        indicator: String,
        /// The dataset's name.
        dataset: &'static str,
    },
    /// Two protected tables of the same dataset were given.
    #[error("the protected tables of dataset `{dataset}` were given twice")]
    DuplicateDataset {
        /// The dataset's name.
        dataset: &'static str,
    },
    /// An indicator names a category its dataset does not have.
    #[error(
        "indicator `{indicator}`: dataset `{dataset}` has no category `{category}` (categories: {known})"
    )]
    UnknownCategory {
        /// The indicator's name.
        indicator: String,
        /// The dataset's name.
        dataset: &'static str,
        /// The unknown label.
        category: String,
        /// The dataset's labels, comma-separated.
        known: String,
    },
    /// A category is named twice in one term (it would be counted twice).
    #[error("indicator `{indicator}`: category `{category}` is named twice")]
    DuplicateCategory {
        /// The indicator's name.
        indicator: String,
        /// The repeated label.
        category: String,
    },
    /// Two indicators share a name.
    #[error("indicator name `{name}` is used twice")]
    DuplicateName {
        /// The name.
        name: String,
    },
    /// An indicator's name is empty or has characters outside `[A-Za-z0-9_-]`.
    #[error("indicator name `{name}` is not a column name: use letters, digits, `_` and `-`")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// A rate's multiplier is not finite and positive.
    #[error("indicator `{indicator}`: the rate multiplier must be finite and positive, got {per}")]
    InvalidMultiplier {
        /// The indicator's name.
        indicator: String,
        /// The multiplier.
        per: f64,
    },
    /// A density over the settled area was asked for, but no settled-area layer was given.
    #[error(
        "indicator `{indicator}` divides by the settled area, but no settled-area layer was given"
    )]
    NoSettledLayer {
        /// The indicator's name.
        indicator: String,
    },
    /// Empirical-Bayes smoothing was asked for a density (it needs a population at risk).
    #[error(
        "indicator `{indicator}`: empirical-Bayes smoothing applies to shares and rates, not densities"
    )]
    SmoothingNotApplicable {
        /// The indicator's name.
        indicator: String,
    },
    /// A ranking criterion names an indicator that is not defined.
    #[error("unknown indicator `{name}` in the ranking (indicators: {known})")]
    UnknownIndicator {
        /// The name used.
        name: String,
        /// The defined indicators, comma-separated.
        known: String,
    },
    /// A ranking criterion names the same indicator twice.
    #[error("indicator `{name}` enters the ranking twice")]
    DuplicateCriterion {
        /// The name.
        name: String,
    },
    /// The protected tables do not fit the hierarchy: a unit of the level has no cell.
    #[error(
        "dataset `{dataset}`: the protected tables have no cell `{category}` for unit `{unit}` of level `{level}`; were they made with this hierarchy?"
    )]
    MissingCell {
        /// The dataset's name.
        dataset: &'static str,
        /// The level's name.
        level: String,
        /// The unit's id (an area id, never personal).
        unit: String,
        /// The category label.
        category: String,
    },
    /// The protected tables name a unit the hierarchy does not have at the level.
    #[error(
        "dataset `{dataset}`: unit `{unit}` of level `{level}` is not in the hierarchy; were the tables made with this hierarchy?"
    )]
    UnknownUnit {
        /// The dataset's name.
        dataset: &'static str,
        /// The level's name.
        level: String,
        /// The unit's id.
        unit: String,
    },
}

/// The published cells of one dataset at one level: `cells[unit][0]` is the row total,
/// `cells[unit][1 + k]` category `k`; `None` when suppressed.
struct LevelCells {
    dataset: RecordKind,
    labels: Vec<String>,
    cells: Vec<Vec<Option<u64>>>,
}

impl LevelCells {
    fn read(
        tables: &ProtectedTables,
        hierarchy: &Hierarchy,
        level: usize,
    ) -> Result<Self, IndicatorError> {
        let dataset = tables.dataset();
        let name = &hierarchy.levels()[level];
        let labels = tables.categories().labels().to_vec();
        let n = hierarchy.units(level).len();
        let mut seen = vec![vec![false; labels.len() + 1]; n];
        let mut cells = vec![vec![None; labels.len() + 1]; n];
        for row in tables
            .rows()
            .filter(|r| r.layer_kind == LayerKind::Level && r.layer == name)
        {
            let unit = hierarchy.position(level, row.unit_id).ok_or_else(|| {
                IndicatorError::UnknownUnit {
                    dataset: dataset.name(),
                    level: name.clone(),
                    unit: row.unit_id.to_owned(),
                }
            })?;
            let column = if row.category == TOTAL {
                0
            } else {
                // ok: rows carry the table's own labels; an unknown one is skipped safely.
                let Some(k) = labels.iter().position(|l| l == row.category) else {
                    continue;
                };
                k + 1
            };
            seen[unit][column] = true;
            cells[unit][column] = row.value;
        }
        for (u, row) in seen.iter().enumerate() {
            if let Some(column) = row.iter().position(|s| !s) {
                return Err(IndicatorError::MissingCell {
                    dataset: dataset.name(),
                    level: name.clone(),
                    unit: hierarchy.units(level)[u].id().as_str().to_owned(),
                    category: if column == 0 {
                        TOTAL.to_owned()
                    } else {
                        labels[column - 1].clone()
                    },
                });
            }
        }
        Ok(Self {
            dataset,
            labels,
            cells,
        })
    }

    /// The category columns (1-based, 0 = total) of a term; validated.
    fn columns(&self, indicator: &str, term: &Term) -> Result<Vec<usize>, IndicatorError> {
        let mut columns = Vec::with_capacity(term.categories.len());
        let mut seen = BTreeSet::new();
        for c in &term.categories {
            let k = self.labels.iter().position(|l| l == c).ok_or_else(|| {
                IndicatorError::UnknownCategory {
                    indicator: indicator.to_owned(),
                    dataset: self.dataset.name(),
                    category: c.clone(),
                    known: self.labels.join(", "),
                }
            })?;
            if !seen.insert(k) {
                return Err(IndicatorError::DuplicateCategory {
                    indicator: indicator.to_owned(),
                    category: c.clone(),
                });
            }
            columns.push(k + 1);
        }
        Ok(columns)
    }

    /// The term's value at a unit: the published sum, or total − the published others.
    fn value(&self, unit: usize, columns: &[usize]) -> Option<u64> {
        let row = &self.cells[unit];
        if columns.is_empty() {
            return row[0];
        }
        let direct: Option<u64> = columns.iter().map(|&c| row[c]).sum();
        if direct.is_some() {
            return direct;
        }
        let total = row[0]?;
        let others: u64 = (1..row.len())
            .filter(|c| !columns.contains(c))
            .map(|c| row[c])
            .sum::<Option<u64>>()?;
        total.checked_sub(others)
    }
}

/// Computes indicators for every unit of one level from protected tables.
///
/// The analyze phase starts here. Its only inputs are [`ProtectedTables`] (what left the
/// sealed office) and the [`Hierarchy`] (geometry for areas); it cannot see a record.
///
/// # Measures
///
/// | measure | value | unit |
/// |---|---|---|
/// | [`Measure::Share`] | numerator / denominator × 100 | % |
/// | [`Measure::Rate`] | numerator / denominator × `per` (100, 1,000, …) | per `per` |
/// | [`Measure::Density`] | numerator / area in km² | per km² |
///
/// A numerator or denominator is a [`Term`]: the sum of some categories (or the row total) of
/// one dataset's table at the unit.
///
/// # Missing values, never zeros
///
/// A value is missing, with its [`ValueStatus`], when
///
/// - a cell it needs is suppressed ([`ValueStatus::Suppressed`]). A sum of categories is
///   still known when every category in it is published, or when the row total and every
///   category *outside* it are published (total − the others): that sum is already public,
///   so using it discloses nothing new;
/// - its denominator is zero ([`ValueStatus::ZeroDenominator`]) or its area is zero
///   ([`ValueStatus::ZeroArea`]).
///
/// Missing values propagate: the ranking treats them by its documented policy and never as
/// zero.
///
/// # Areas
///
/// The area of a unit is the planar area of its geometry in the hierarchy's metric CRS
/// (m², reported in km²), holes excluded. When a settled-area layer is given (e.g. the
/// ALKIS built-up and traffic areas), [`AreaBasis::Settled`] densities use the part of each
/// unit covered by the union of that layer instead.
///
/// # Empirical-Bayes smoothing
///
/// Rates with small denominators are noisy: three cases among twelve children is 25 %, one
/// case more is 33 %. [`Smoothing::EmpiricalBayes`] shrinks each rate towards the overall
/// rate, the more the smaller its denominator: the global empirical-Bayes estimator of
/// Marshall (1991) as in PySAL's `esda.smoothing.Empirical_Bayes`. With events `e_i`,
/// populations `b_i` (numerator and denominator) over the units with a value:
///
/// ```text
/// r̄ = Σe / Σb,   s² = Σ b_i (r_i − r̄)² / Σb,   a = s² − r̄ / mean(b),
/// w_i = a / (a + r̄ / b_i),   r̃_i = w_i r_i + (1 − w_i) r̄
/// ```
///
/// One difference from esda, on purpose: when `a < 0` (the rates vary less than chance
/// alone would make them), esda uses the negative `a` and can return weights outside
/// `[0, 1]`; we set `a = 0` (every rate becomes `r̄`), the usual convention (Bailey &
/// Gatrell 1995). Both agree whenever `a ≥ 0`; the Python tests compare them.
///
/// `tables` holds at most one [`ProtectedTables`] per dataset (as [`crate::Anonymized::tables`]
/// gives them); `settled` is an optional settled-area layer in the hierarchy's CRS, needed
/// only by [`AreaBasis::Settled`] densities. Population (for minimum-population rules) is the
/// resident table's row total, when a resident table is given.
///
/// Cost: O(cells) to read the tables, plus the area of each unit; with a settled layer one
/// polygon union and one intersection per unit.
///
/// # Errors
///
/// [`IndicatorError`] for an unknown level, a missing or duplicate dataset, an unknown or
/// repeated category, a duplicate or invalid indicator name, a bad rate multiplier, smoothing
/// asked for a density, a settled density without the layer, and tables that do not fit
/// the hierarchy.
///
/// # Examples
///
/// ```
/// use quartier::{AnonymizeSpec, IndicatorSpec, ValueStatus, anonymize, compute_indicators};
///
/// let town = quartier::musterstadt_with(1, &quartier::DemoConfig::SMALL)?;
/// let out = anonymize(&town.records, &town.hierarchy, &AnonymizeSpec::default())?;
/// let specs = IndicatorSpec::seed_defaults();
/// let table = compute_indicators(out.tables(), &town.hierarchy, "quartier", &specs, None)?;
/// let share = table.column("under25_share").expect("a seed indicator");
/// for v in &share.values {
///     // A value is there exactly when its status says so; never a silent zero.
///     assert_eq!(v.value.is_some(), v.status == ValueStatus::Ok);
/// }
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn compute_indicators(
    tables: &[ProtectedTables],
    hierarchy: &Hierarchy,
    level: &str,
    specs: &[IndicatorSpec],
    settled: Option<&[MultiPolygon<f64>]>,
) -> Result<IndicatorTable, IndicatorError> {
    let l = hierarchy
        .level(level)
        .ok_or_else(|| IndicatorError::UnknownLevel {
            level: level.to_owned(),
            known: hierarchy.levels().join(", "),
        })?;
    validate_specs(specs, settled.is_some())?;

    let mut by_dataset: Vec<LevelCells> = Vec::new();
    for t in tables {
        if by_dataset.iter().any(|c| c.dataset == t.dataset()) {
            return Err(IndicatorError::DuplicateDataset {
                dataset: t.dataset().name(),
            });
        }
        by_dataset.push(LevelCells::read(t, hierarchy, l)?);
    }
    let find = |indicator: &str, dataset: RecordKind| {
        by_dataset
            .iter()
            .find(|c| c.dataset == dataset)
            .ok_or_else(|| IndicatorError::MissingDataset {
                indicator: indicator.to_owned(),
                dataset: dataset.name(),
            })
    };

    let units = hierarchy.units(l);
    let n = units.len();
    let area_km2: Vec<f64> = units
        .iter()
        .map(|u| u.geometry().unsigned_area() / M2_PER_KM2)
        .collect();
    let settled_km2 = settled.map(|layer| settled_areas(hierarchy, l, layer));
    let population: Vec<Option<u64>> = match by_dataset
        .iter()
        .find(|c| c.dataset == RecordKind::Resident)
    {
        Some(c) => (0..n).map(|u| c.cells[u][0]).collect(),
        None => vec![None; n],
    };

    let mut columns = Vec::with_capacity(specs.len());
    for spec in specs {
        let mut values = Vec::with_capacity(n);
        let (numerator, denominator) = spec.measure.parts();
        let num_cells = find(&spec.name, numerator.dataset)?;
        let num_cols = num_cells.columns(&spec.name, numerator)?;
        let den = match denominator {
            Some(d) => {
                let cells = find(&spec.name, d.dataset)?;
                Some((cells, cells.columns(&spec.name, d)?))
            }
            None => None,
        };
        let scale = match &spec.measure {
            Measure::Share { .. } => 100.0,
            Measure::Rate { per, .. } => *per,
            Measure::Density { .. } => 1.0,
        };
        for u in 0..n {
            #[allow(clippy::cast_precision_loss)] // counts stay far below 2^53
            let num = num_cells.value(u, &num_cols).map(|v| v as f64);
            #[allow(clippy::cast_precision_loss)]
            let denom = match (&den, &spec.measure) {
                (Some((cells, cols)), _) => cells.value(u, cols).map(|v| v as f64),
                (None, Measure::Density { area, .. }) => Some(match area {
                    AreaBasis::Unit => area_km2[u],
                    AreaBasis::Settled => settled_km2.as_ref().map_or(0.0, |s| s[u]),
                }),
                (None, _) => None,
            };
            let (value, status) = match (num, denom) {
                (Some(a), Some(b)) if b > 0.0 => (Some(a / b * scale), ValueStatus::Ok),
                (Some(_), Some(_)) if den.is_none() => (None, ValueStatus::ZeroArea),
                (Some(_), Some(_)) => (None, ValueStatus::ZeroDenominator),
                _ => (None, ValueStatus::Suppressed),
            };
            values.push(IndicatorValue {
                numerator: num,
                denominator: denom,
                value,
                smoothed: value,
                status,
            });
        }
        if spec.smoothing == Smoothing::EmpiricalBayes {
            empirical_bayes(&mut values, scale);
        }
        let (sum_num, sum_den) = values
            .iter()
            .filter_map(|v| Some((v.numerator?, v.denominator?)))
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        let overall = (sum_den > 0.0).then(|| sum_num / sum_den * scale);
        columns.push(IndicatorColumn {
            spec: spec.clone(),
            values,
            overall,
        });
    }
    Ok(IndicatorTable {
        level: hierarchy.levels()[l].clone(),
        units: units.iter().map(|u| u.id().clone()).collect(),
        population,
        area_km2,
        settled_km2,
        columns,
    })
}

fn validate_specs(specs: &[IndicatorSpec], has_settled: bool) -> Result<(), IndicatorError> {
    let mut names = BTreeSet::new();
    for spec in specs {
        let ok = !spec.name.is_empty()
            && spec
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(IndicatorError::InvalidName {
                name: spec.name.clone(),
            });
        }
        if !names.insert(spec.name.as_str()) {
            return Err(IndicatorError::DuplicateName {
                name: spec.name.clone(),
            });
        }
        match &spec.measure {
            Measure::Rate { per, .. } if !(per.is_finite() && *per > 0.0) => {
                return Err(IndicatorError::InvalidMultiplier {
                    indicator: spec.name.clone(),
                    per: *per,
                });
            }
            Measure::Density { area, .. } => {
                if *area == AreaBasis::Settled && !has_settled {
                    return Err(IndicatorError::NoSettledLayer {
                        indicator: spec.name.clone(),
                    });
                }
                if spec.smoothing == Smoothing::EmpiricalBayes {
                    return Err(IndicatorError::SmoothingNotApplicable {
                        indicator: spec.name.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The settled area (km²) inside each unit of a level: the area of the unit's intersection
/// with the union of the settled layer (so overlapping settled polygons count once).
fn settled_areas(hierarchy: &Hierarchy, level: usize, layer: &[MultiPolygon<f64>]) -> Vec<f64> {
    let union = geo::unary_union(layer.iter());
    let bounds = union.bounding_rect();
    hierarchy
        .units(level)
        .iter()
        .map(|u| {
            let g = u.geometry();
            let overlaps = match (bounds, g.bounding_rect()) {
                (Some(a), Some(b)) => {
                    a.min().x <= b.max().x
                        && b.min().x <= a.max().x
                        && a.min().y <= b.max().y
                        && b.min().y <= a.max().y
                }
                _ => false,
            };
            if overlaps {
                g.intersection(&union).unsigned_area() / M2_PER_KM2
            } else {
                0.0
            }
        })
        .collect()
}

/// Global empirical-Bayes smoothing of the known values in place (see the module docs).
///
/// `scale` is the measure's multiplier (100 for shares): rates are smoothed as proportions
/// and scaled back.
fn empirical_bayes(values: &mut [IndicatorValue], scale: f64) {
    let known: Vec<(usize, f64, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.status == ValueStatus::Ok)
        .filter_map(|(i, v)| Some((i, v.numerator?, v.denominator?)))
        .collect();
    if known.is_empty() {
        return;
    }
    let e_sum: f64 = known.iter().map(|k| k.1).sum();
    let b_sum: f64 = known.iter().map(|k| k.2).sum();
    #[allow(clippy::cast_precision_loss)]
    let b_mean = b_sum / known.len() as f64;
    let r_mean = e_sum / b_sum;
    let s2 = known
        .iter()
        .map(|&(_, e, b)| {
            let d = e / b - r_mean;
            b * d * d
        })
        .sum::<f64>()
        / b_sum;
    let a = (s2 - r_mean / b_mean).max(0.0);
    for &(i, e, b) in &known {
        let rate = e / b;
        let w = if a > 0.0 { a / (a + r_mean / b) } else { 0.0 };
        values[i].smoothed = Some((w * rate + (1.0 - w) * r_mean) * scale);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn cells(rows: Vec<Vec<Option<u64>>>) -> LevelCells {
        LevelCells {
            dataset: RecordKind::Resident,
            labels: vec!["a".into(), "b".into(), "c".into()],
            cells: rows,
        }
    }

    #[test]
    fn term_value_uses_published_cells_or_the_complement() {
        let c = cells(vec![
            vec![Some(30), Some(10), Some(12), Some(8)],
            vec![Some(30), None, None, Some(8)],
            vec![Some(30), None, None, None],
            vec![None, Some(10), Some(12), Some(8)],
        ]);
        assert_eq!(c.value(0, &[1, 2]), Some(22));
        // a and b suppressed, total and c published: a + b = 30 - 8 is public.
        assert_eq!(c.value(1, &[1, 2]), Some(22));
        assert_eq!(c.value(1, &[1]), None);
        assert_eq!(c.value(2, &[1, 2]), None);
        assert_eq!(c.value(3, &[]), None);
        assert_eq!(c.value(3, &[1, 2, 3]), Some(30));
    }

    #[test]
    fn empirical_bayes_shrinks_small_denominators_more() {
        let mut v: Vec<IndicatorValue> = [(1.0, 4.0), (30.0, 100.0), (10.0, 100.0), (0.0, 50.0)]
            .iter()
            .map(|&(e, b)| IndicatorValue {
                numerator: Some(e),
                denominator: Some(b),
                value: Some(e / b),
                smoothed: Some(e / b),
                status: ValueStatus::Ok,
            })
            .collect();
        empirical_bayes(&mut v, 1.0);
        let r_mean = 41.0 / 254.0;
        for x in &v {
            let raw = x.value.unwrap();
            let s = x.smoothed.unwrap();
            // Between the raw rate and the mean.
            assert!((s - raw) * (s - r_mean) <= 1e-15, "{raw} {s}");
        }
        // The 4-denominator unit moves relatively further than the 100-denominator ones.
        let moved = |x: &IndicatorValue| {
            (x.smoothed.unwrap() - x.value.unwrap()).abs()
                / (x.value.unwrap() - r_mean).abs().max(1e-12)
        };
        assert!(moved(&v[0]) > moved(&v[1]));
    }

    #[test]
    fn empirical_bayes_without_excess_variance_returns_the_mean() {
        // Every rate equal: s² = 0 < r̄/mean(b), so a = 0 and all become r̄.
        let mut v: Vec<IndicatorValue> = [(1.0, 10.0), (2.0, 20.0)]
            .iter()
            .map(|&(e, b)| IndicatorValue {
                numerator: Some(e),
                denominator: Some(b),
                value: Some(e / b),
                smoothed: Some(e / b),
                status: ValueStatus::Ok,
            })
            .collect();
        empirical_bayes(&mut v, 100.0);
        for x in &v {
            assert!((x.smoothed.unwrap() - 10.0).abs() < 1e-12);
        }
    }
}
