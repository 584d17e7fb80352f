//! Ranking quarters: normalization, composite index, ranks, selection of "the disadvantaged
//! quarters" with their reasons, Monte-Carlo rank uncertainty, and presets that reproduce
//! published rankings (Berlin MSS 2021, English IMD 2019).
//!
//! The module works on plain per-unit values ([`RankInput`]): producing indicator values from
//! protected count tables is the `indicator` module's business. All rules the procedure
//! follows (ddof, ties, direction, restandardization, drivers, positive scale, missing values,
//! exclusions) are stated on [`RankSpec`].

mod normalize;
mod preset;
mod uncertainty;

pub use preset::{
    DynamicsClass, IMD_2019_DOMAIN_WEIGHTS, ImdResult, ImdUnit, MssClass, MssResult, MssUnit,
    StatusClass, berlin_mss, imd,
};
pub use uncertainty::{RankInterval, UncertaintySpec, rank_uncertainty};

use std::collections::{HashMap, HashSet};

/// Errors of ranking.
///
/// Messages name units and criteria by id and name; unit ids are area codes, never personal
/// data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RankError {
    /// The input has no criterion.
    #[error("the ranking has no criteria")]
    NoCriteria,
    /// A unit id occurs twice.
    #[error("unit `{unit}` occurs more than once")]
    DuplicateUnit {
        /// The repeated id.
        unit: String,
    },
    /// A criterion name occurs twice.
    #[error("criterion `{criterion}` occurs more than once")]
    DuplicateCriterion {
        /// The repeated name.
        criterion: String,
    },
    /// A criterion name is not among the input's criteria.
    #[error("unknown criterion `{criterion}`")]
    UnknownCriterion {
        /// The unknown name.
        criterion: String,
    },
    /// A manual exclusion names a unit that is not in the input.
    #[error("the exclusion names unit `{unit}`, which is not in the input")]
    UnknownUnit {
        /// The unknown id.
        unit: String,
    },
    /// A per-unit vector does not have one entry per unit.
    #[error("{what} has {actual} values but there are {expected} units")]
    LengthMismatch {
        /// Which vector: `population`, `values of <criterion>`, `smoothed values of <criterion>`.
        what: String,
        /// Number of units.
        expected: usize,
        /// Number of values given.
        actual: usize,
    },
    /// A weight vector does not have one weight per criterion.
    #[error("{actual} weights given for {expected} criteria")]
    WeightCount {
        /// Number of criteria.
        expected: usize,
        /// Number of weights given.
        actual: usize,
    },
    /// A weight is negative, NaN or infinite.
    #[error("criterion `{criterion}` has weight {weight}; weights must be finite and not negative")]
    InvalidWeight {
        /// The criterion's name.
        criterion: String,
        /// The offending weight.
        weight: f64,
    },
    /// Every weight is zero.
    #[error("all weights are zero")]
    ZeroWeights,
    /// A value is NaN or infinite (a missing value must be `None`).
    #[error(
        "criterion `{criterion}` has a non-finite value for unit `{unit}`; use None for a missing value"
    )]
    NonFiniteValue {
        /// The criterion's name.
        criterion: String,
        /// The unit's id.
        unit: String,
    },
    /// A population is negative, NaN or infinite.
    #[error("unit `{unit}` has population {population}; it must be finite and not negative")]
    InvalidPopulation {
        /// The unit's id.
        unit: String,
        /// The offending population.
        population: f64,
    },
    /// A parameter of the spec is out of its domain.
    #[error("invalid parameter `{parameter}` = {value}: {expected}")]
    InvalidParameter {
        /// The parameter's name, e.g. `min_population`.
        parameter: &'static str,
        /// Its value.
        value: f64,
        /// What it must be.
        expected: &'static str,
    },
    /// A criterion has the same value for every ranked unit, so z-scores or min–max cannot
    /// be computed.
    #[error(
        "criterion `{criterion}` has the same value for every ranked unit and cannot be standardized"
    )]
    ConstantCriterion {
        /// The criterion's name.
        criterion: String,
    },
    /// Every ranked unit has the same composite, so it cannot be re-standardized.
    #[error("every ranked unit has the same composite; it cannot be re-standardized")]
    ConstantComposite,
    /// Population weighting is asked for, but the ranked units have no residents.
    #[error("criterion `{criterion}`: the ranked units have a total population of zero")]
    ZeroTotalPopulation {
        /// The criterion's name.
        criterion: String,
    },
    /// A normalized value or a composite overflowed (input values of extreme magnitude).
    #[error("`{criterion}` overflowed to a non-finite value")]
    NumericOverflow {
        /// The criterion's name, or `composite`.
        criterion: String,
    },
    /// Two inputs that must describe the same units (e.g. MSS status and dynamics) differ.
    #[error("the inputs differ at unit position {position}: `{first}` vs `{second}`")]
    UnitsDiffer {
        /// Position of the first difference.
        position: usize,
        /// The id in the first input (empty when it is shorter).
        first: String,
        /// The id in the second input (empty when it is shorter).
        second: String,
    },
}

/// Whether a high value of a criterion means more or less disadvantage.
///
/// Each criterion is oriented before normalization (a `LowerIsWorse` value is negated), so
/// that every normalized value and the composite read the same way: **higher = more
/// disadvantaged**.
///
/// # Examples
///
/// ```
/// use quartier::Direction;
///
/// // share of children in families on benefits: the higher, the worse
/// let poverty = Direction::HigherIsWorse;
/// // mean household income: the lower, the worse
/// let income = Direction::LowerIsWorse;
/// assert_ne!(poverty, income);
/// ```
#[doc(alias = "Richtung")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A higher value means more disadvantage (unemployment rate, child poverty).
    HigherIsWorse,
    /// A lower value means more disadvantage (income, school-leaving grades).
    LowerIsWorse,
}

impl Direction {
    fn orient(self, x: f64) -> f64 {
        match self {
            Self::HigherIsWorse => x,
            Self::LowerIsWorse => -x,
        }
    }
}

/// One indicator column of a ranking: a value per unit, its direction and its weight.
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction};
///
/// let c = Criterion::new("child_poverty", vec![Some(12.0), None, Some(30.5)], Direction::HigherIsWorse)
///     .with_weight(2.0)
///     .with_smoothed(vec![Some(12.4), Some(20.0), Some(29.8)]);
/// assert_eq!(c.weight, 2.0);
/// assert!(c.smoothed.is_some());
/// ```
#[doc(alias = "Kriterium")]
#[doc(alias = "Indikator")]
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// The criterion's name (unique within an input).
    pub name: String,
    /// One value per unit, in the input's unit order; `None` = missing (suppressed input,
    /// zero denominator …), handled by the [`MissingPolicy`].
    pub values: Vec<Option<f64>>,
    /// An empirical-Bayes smoothed alternative, used instead of `values` when
    /// [`RankSpec::smoothing`] is on. `None` = this criterion has no smoothed form (e.g. a
    /// density) and its raw values are used either way.
    pub smoothed: Option<Vec<Option<f64>>>,
    /// Whether high values are worse.
    pub direction: Direction,
    /// The weight (finite, ≥ 0; only ratios matter: weights are divided by their sum).
    pub weight: f64,
}

impl Criterion {
    /// A criterion with weight 1 and no smoothed alternative.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Criterion, Direction};
    ///
    /// let c = Criterion::new("density", vec![Some(1.0), Some(2.0)], Direction::HigherIsWorse);
    /// assert_eq!(c.weight, 1.0);
    /// ```
    pub fn new(name: impl Into<String>, values: Vec<Option<f64>>, direction: Direction) -> Self {
        Self {
            name: name.into(),
            values,
            smoothed: None,
            direction,
            weight: 1.0,
        }
    }

    /// Sets the weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Criterion, Direction};
    ///
    /// let c = Criterion::new("x", vec![Some(1.0)], Direction::HigherIsWorse).with_weight(0.5);
    /// assert_eq!(c.weight, 0.5);
    /// ```
    #[must_use]
    pub fn with_weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// Sets the empirical-Bayes smoothed alternative values.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Criterion, Direction};
    ///
    /// let c = Criterion::new("x", vec![Some(1.0)], Direction::HigherIsWorse)
    ///     .with_smoothed(vec![Some(1.1)]);
    /// assert_eq!(c.smoothed, Some(vec![Some(1.1)]));
    /// ```
    #[must_use]
    pub fn with_smoothed(mut self, smoothed: Vec<Option<f64>>) -> Self {
        self.smoothed = Some(smoothed);
        self
    }
}

/// The values to rank: units, their populations, the criteria and manual exclusions.
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, RankInput};
///
/// let input = RankInput::new(
///     vec!["Q1".into(), "Q2".into(), "Q3".into()],
///     vec![Some(1200.0), Some(250.0), Some(900.0)],
/// )
/// .with_criterion(Criterion::new("poverty", vec![Some(10.0), Some(40.0), Some(25.0)], Direction::HigherIsWorse))
/// .with_exclusion("Q3", "Gewerbegebiet");
/// assert_eq!(input.criteria.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RankInput {
    /// Unit ids, in order; every per-unit vector follows this order.
    pub units: Vec<String>,
    /// Residents per unit; `None` = unknown (suppressed). Read for the minimum-population
    /// rule and for population-weighted z-scores; a unit whose population is needed but
    /// unknown is excluded with [`Exclusion::PopulationUnknown`].
    pub population: Vec<Option<f64>>,
    /// The criteria (indicator columns).
    pub criteria: Vec<Criterion>,
    /// Manual exclusions: (unit id, reason), e.g. Berlin's outlier area ("Ausreißer").
    pub exclusions: Vec<(String, String)>,
}

impl RankInput {
    /// An input with units and populations and no criteria yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::RankInput;
    ///
    /// let input = RankInput::new(vec!["A".into()], vec![Some(500.0)]);
    /// assert!(input.criteria.is_empty());
    /// ```
    pub fn new(units: Vec<String>, population: Vec<Option<f64>>) -> Self {
        Self {
            units,
            population,
            criteria: Vec::new(),
            exclusions: Vec::new(),
        }
    }

    /// Adds a criterion.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Criterion, Direction, RankInput};
    ///
    /// let input = RankInput::new(vec!["A".into()], vec![Some(500.0)])
    ///     .with_criterion(Criterion::new("x", vec![Some(1.0)], Direction::HigherIsWorse));
    /// assert_eq!(input.criteria[0].name, "x");
    /// ```
    #[must_use]
    pub fn with_criterion(mut self, criterion: Criterion) -> Self {
        self.criteria.push(criterion);
        self
    }

    /// Adds a manual exclusion of one unit with its reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::RankInput;
    ///
    /// let input = RankInput::new(vec!["A".into()], vec![Some(500.0)]).with_exclusion("A", "Ausreißer");
    /// assert_eq!(input.exclusions, vec![("A".to_owned(), "Ausreißer".to_owned())]);
    /// ```
    #[must_use]
    pub fn with_exclusion(mut self, unit: impl Into<String>, reason: impl Into<String>) -> Self {
        self.exclusions.push((unit.into(), reason.into()));
        self
    }

    /// Sets all weights, one per criterion in criterion order.
    ///
    /// # Errors
    ///
    /// [`RankError::WeightCount`] when the number of weights differs from the number of
    /// criteria, [`RankError::InvalidWeight`] for a negative or non-finite weight; the input
    /// is unchanged then.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Criterion, Direction, RankError, RankInput};
    ///
    /// let mut input = RankInput::new(vec!["A".into()], vec![Some(500.0)])
    ///     .with_criterion(Criterion::new("x", vec![Some(1.0)], Direction::HigherIsWorse))
    ///     .with_criterion(Criterion::new("y", vec![Some(2.0)], Direction::HigherIsWorse));
    /// input.set_weights(&[2.0, 1.0])?;
    /// assert!(matches!(input.set_weights(&[1.0]), Err(RankError::WeightCount { expected: 2, actual: 1 })));
    /// # Ok::<(), RankError>(())
    /// ```
    pub fn set_weights(&mut self, weights: &[f64]) -> Result<(), RankError> {
        if weights.len() != self.criteria.len() {
            return Err(RankError::WeightCount {
                expected: self.criteria.len(),
                actual: weights.len(),
            });
        }
        for (c, &w) in self.criteria.iter().zip(weights) {
            check_weight(&c.name, w)?;
        }
        for (c, &w) in self.criteria.iter_mut().zip(weights) {
            c.weight = w;
        }
        Ok(())
    }

    /// Sets the weight of the criterion named `criterion`.
    ///
    /// # Errors
    ///
    /// [`RankError::UnknownCriterion`] when no criterion has that name,
    /// [`RankError::InvalidWeight`] for a negative or non-finite weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Criterion, Direction, RankError, RankInput};
    ///
    /// let mut input = RankInput::new(vec!["A".into()], vec![Some(500.0)])
    ///     .with_criterion(Criterion::new("x", vec![Some(1.0)], Direction::HigherIsWorse));
    /// input.set_weight("x", 3.0)?;
    /// assert!(matches!(input.set_weight("z", 1.0), Err(RankError::UnknownCriterion { .. })));
    /// # Ok::<(), RankError>(())
    /// ```
    pub fn set_weight(&mut self, criterion: &str, weight: f64) -> Result<(), RankError> {
        check_weight(criterion, weight)?;
        let c = self
            .criteria
            .iter_mut()
            .find(|c| c.name == criterion)
            .ok_or_else(|| RankError::UnknownCriterion {
                criterion: criterion.to_owned(),
            })?;
        c.weight = weight;
        Ok(())
    }

    /// The position of the criterion named `criterion`.
    ///
    /// # Errors
    ///
    /// [`RankError::UnknownCriterion`] when no criterion has that name.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Criterion, Direction, RankInput};
    ///
    /// let input = RankInput::new(vec!["A".into()], vec![Some(500.0)])
    ///     .with_criterion(Criterion::new("x", vec![Some(1.0)], Direction::HigherIsWorse));
    /// assert_eq!(input.criterion("x").ok(), Some(0));
    /// assert!(input.criterion("nope").is_err());
    /// ```
    pub fn criterion(&self, criterion: &str) -> Result<usize, RankError> {
        self.criteria
            .iter()
            .position(|c| c.name == criterion)
            .ok_or_else(|| RankError::UnknownCriterion {
                criterion: criterion.to_owned(),
            })
    }
}

fn check_weight(criterion: &str, weight: f64) -> Result<(), RankError> {
    if weight.is_finite() && weight >= 0.0 {
        Ok(())
    } else {
        Err(RankError::InvalidWeight {
            criterion: criterion.to_owned(),
            weight,
        })
    }
}

/// Whose mean and SD a z-score uses.
///
/// # Examples
///
/// ```
/// use quartier::{Normalization, Weighting};
///
/// let z = Normalization::ZScore { weighting: Weighting::Population };
/// assert_ne!(z, Normalization::ZScore { weighting: Weighting::Unweighted });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Weighting {
    /// Every ranked unit counts once (Berlin MSS; the default).
    #[default]
    Unweighted,
    /// Each ranked unit counts with its residents: mean = Σpᵢxᵢ/Σpᵢ,
    /// SD = √(Σpᵢ(xᵢ − mean)²/Σpᵢ). The population-weighted mean of the z-scores is 0.
    Population,
}

/// How each criterion's values are put on a common scale.
///
/// All normalizations are computed per criterion over the **ranked units that have a value**
/// (excluded units and missing values take no part), on the oriented values (higher = worse).
/// Ascending ranks `a` run from 1 (least disadvantaged) to n (most); tied values share the
/// average of their positions.
///
/// # Examples
///
/// ```
/// use quartier::{Normalization, Weighting};
///
/// let berlin = Normalization::ZScore { weighting: Weighting::Unweighted };
/// let imd = Normalization::ExponentialRank { max: 100.0, constant: 23.0 };
/// assert!(!berlin.is_positive());
/// assert!(imd.is_positive());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Normalization {
    /// z = (x − mean)/SD with the **population SD (ddof = 0)**, as Berlin's MSS does (its
    /// published z-values reproduce only with ddof = 0). A constant criterion is an error.
    ///
    /// Not rank-monotone: raising one unit's bad value also raises the SD, which shrinks
    /// that criterion's spread for everyone, so another unit can overtake it on the other
    /// criteria (example in the `rank` integration test). `MinMax`, `Rank`, `Percentile` and
    /// `ExponentialRank` are monotone: a worse value never gives a better rank.
    #[doc(alias = "z-Wert")]
    ZScore {
        /// Unweighted or population-weighted mean and SD.
        weighting: Weighting,
    },
    /// (x − min)/(max − min) ∈ [0, 1]. A constant criterion is an error.
    MinMax,
    /// The ascending rank a ∈ [1, n] (ties: average rank).
    Rank,
    /// The percentile rank 100·a/n ∈ (0, 100].
    Percentile,
    /// The English IMD's exponential transformation of ranks:
    /// X = −c·ln(1 − R·(1 − e^(−max/c))) with R = a/n, so that X ∈ (0, max] and the most
    /// disadvantaged unit gets `max`. IMD: `max` = 100, `c` = 23, which stretches the worst
    /// tail so that a very bad domain is not cancelled by good ones.
    ExponentialRank {
        /// The value of the most disadvantaged unit (IMD: 100).
        max: f64,
        /// The decay constant c (IMD: 23).
        constant: f64,
    },
}

impl Normalization {
    /// Whether every normalized value is > 0 (needed by [`Aggregation::Geometric`] as is).
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::Normalization;
    ///
    /// assert!(Normalization::Rank.is_positive());
    /// assert!(!Normalization::MinMax.is_positive());
    /// ```
    pub fn is_positive(&self) -> bool {
        !matches!(self, Self::ZScore { .. } | Self::MinMax)
    }

    fn uses_population(&self) -> bool {
        matches!(
            self,
            Self::ZScore {
                weighting: Weighting::Population
            }
        )
    }

    fn weighting(&self) -> Weighting {
        match self {
            Self::ZScore { weighting } => *weighting,
            _ => Weighting::Unweighted,
        }
    }

    fn validate(&self) -> Result<(), RankError> {
        if let Self::ExponentialRank { max, constant } = *self {
            for (parameter, value) in [("max", max), ("constant", constant)] {
                if !(value.is_finite() && value > 0.0) {
                    return Err(RankError::InvalidParameter {
                        parameter,
                        value,
                        expected: "a finite number > 0",
                    });
                }
            }
        }
        Ok(())
    }
}

/// How the normalized criteria of a unit are combined into its composite.
///
/// Weights are divided by the sum of the weights of the criteria the unit has (see
/// [`MissingPolicy::Reweight`]), so only their ratios matter.
///
/// # Examples
///
/// ```
/// use quartier::Aggregation;
///
/// assert_eq!(Aggregation::default(), Aggregation::Arithmetic);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Aggregation {
    /// Σ wᵢvᵢ / Σ wᵢ (Berlin sums equal weights; after re-standardization sum and mean
    /// rank and classify identically; the IMD's weighted sum likewise).
    #[default]
    Arithmetic,
    /// exp(Σ wᵢ·ln vᵢ / Σ wᵢ), on a positive scale: [`Normalization::Rank`], `Percentile` and
    /// `ExponentialRank` are positive as they are; the values of `ZScore` and `MinMax` are
    /// mapped affinely onto **[1, 101]** per criterion (min → 1, max → 101) first, so both
    /// then give the same composite. The values reported in [`RankedUnit::normalized`] are
    /// the ones aggregated (after that map).
    Geometric,
}

/// What happens to a unit that lacks a value of a (weighted) criterion.
///
/// A missing value is never read as zero.
///
/// # Examples
///
/// ```
/// use quartier::MissingPolicy;
///
/// assert_eq!(MissingPolicy::default(), MissingPolicy::Reweight);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MissingPolicy {
    /// The unit is ranked on the criteria it has, their weights divided by the sum of those
    /// weights; the missing criteria show as `None` in [`RankedUnit::normalized`]. A unit with
    /// no weighted value at all is excluded ([`Exclusion::NoValue`]).
    #[default]
    Reweight,
    /// A unit lacking any criterion with weight > 0 is excluded ([`Exclusion::Missing`],
    /// naming the criteria) and takes no part in the normalization.
    ExcludeUnit,
}

/// Which ranked units are selected as "the disadvantaged quarters".
///
/// # Examples
///
/// ```
/// use quartier::Selection;
///
/// // more than one SD above the mean (with re-standardization on)
/// let rule = Selection::Threshold(1.0);
/// assert_ne!(rule, Selection::TopN(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selection {
    /// Units with rank ≤ N. Units tied with the N-th share its rank and are all selected, so
    /// more than N can be selected (never fewer, unless fewer are ranked).
    TopN(usize),
    /// Units whose composite is strictly above the threshold (Berlin: status index > 1 is
    /// "niedrig" or "sehr niedrig").
    Threshold(f64),
    /// Nothing is selected.
    None,
}

/// The ranking procedure: normalization, aggregation, missing values, selection, minimum
/// population, re-standardization and smoothing.
///
/// `Default` is [`RankSpec::enger`], the seed project's procedure.
///
/// # How a ranking is computed
///
/// 1. **Exclusions**, in this order, the first reason kept: a manual exclusion
///    ([`Exclusion::Manual`]); population unknown when it is needed — a minimum population is
///    set or z-scores are population-weighted ([`Exclusion::PopulationUnknown`]); fewer
///    residents than `min_population` (strictly below; default 300, as Berlin's and Hamburg's
///    monitoring do — [`Exclusion::BelowMinimumPopulation`]); no value of any criterion with
///    weight > 0 ([`Exclusion::NoValue`]); under [`MissingPolicy::ExcludeUnit`] any such
///    value missing ([`Exclusion::Missing`]). Excluded units take no part in any mean, SD or
///    rank below.
/// 2. **Orientation**: each value of a [`Direction::LowerIsWorse`] criterion is negated, so
///    that everything downstream reads *higher = more disadvantaged*. With `smoothing` on, a
///    criterion's [`Criterion::smoothed`] values replace its raw values (criteria without a
///    smoothed form keep theirs).
/// 3. **Normalization** per criterion ([`Normalization`]; z-scores use ddof = 0).
/// 4. **Aggregation** into the composite ([`Aggregation`], weights renormalized per unit).
/// 5. **Re-standardization** (`restandardize`): the composite is z-standardized over the
///    ranked units (ddof = 0; population-weighted when the normalization is a
///    population-weighted z-score, else unweighted), so that "composite > 1" means "more than
///    one SD above the mean" — Berlin standardizes its index sums the same way.
/// 6. **Ranks**: by composite descending, 1 = most disadvantaged; equal composites (exact
///    `f64` equality) share the smallest rank ("competition" ranking 1-2-2-4, pandas
///    `method="min"`); ties are never broken by id. Ranks are a permutation of 1..n up to
///    ties.
/// 7. **Selection** ([`Selection`]) and **drivers** ([`RankedUnit::drivers`]).
///
/// # Examples
///
/// ```
/// use quartier::{Aggregation, Normalization, RankSpec, Selection};
///
/// let spec = RankSpec {
///     normalization: Normalization::Rank,
///     aggregation: Aggregation::Geometric,
///     selection: Selection::TopN(4),
///     ..RankSpec::default()
/// };
/// assert_eq!(spec.min_population, Some(300.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RankSpec {
    /// How criteria are normalized.
    pub normalization: Normalization,
    /// How normalized criteria are combined.
    pub aggregation: Aggregation,
    /// What to do with missing values.
    pub missing: MissingPolicy,
    /// Which ranked units are selected.
    pub selection: Selection,
    /// Units with fewer residents are excluded; `None` = no minimum.
    pub min_population: Option<f64>,
    /// Z-standardize the composite over the ranked units.
    pub restandardize: bool,
    /// Use the criteria's empirical-Bayes smoothed values where they have them.
    pub smoothing: bool,
}

impl RankSpec {
    /// The seed project's procedure (Kreis Herford / Enger, "Zusammen im Quartier"), the
    /// default.
    ///
    /// The seed documents "criteria and a standardized ranking procedure" without formulas;
    /// this preset is the standard reading of it, aligned with Berlin's MSS: unweighted
    /// z-scores (ddof = 0) of the criteria, the weighted arithmetic mean, re-standardized,
    /// selection of quarters more than one SD above the mean (`Threshold(1.0)`), minimum
    /// population 300, missing values re-weighted, no smoothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{MissingPolicy, RankSpec, Selection};
    ///
    /// let spec = RankSpec::enger();
    /// assert_eq!(spec, RankSpec::default());
    /// assert_eq!(spec.selection, Selection::Threshold(1.0));
    /// assert_eq!(spec.missing, MissingPolicy::Reweight);
    /// assert!(spec.restandardize);
    /// ```
    #[doc(alias = "Enger")]
    pub fn enger() -> Self {
        Self {
            normalization: Normalization::ZScore {
                weighting: Weighting::Unweighted,
            },
            aggregation: Aggregation::Arithmetic,
            missing: MissingPolicy::Reweight,
            selection: Selection::Threshold(1.0),
            min_population: Some(300.0),
            restandardize: true,
            smoothing: false,
        }
    }

    fn validate(&self) -> Result<(), RankError> {
        self.normalization.validate()?;
        if let Some(m) = self.min_population {
            if !(m.is_finite() && m >= 0.0) {
                return Err(RankError::InvalidParameter {
                    parameter: "min_population",
                    value: m,
                    expected: "a finite number ≥ 0",
                });
            }
        }
        if let Selection::Threshold(t) = self.selection {
            if !t.is_finite() {
                return Err(RankError::InvalidParameter {
                    parameter: "threshold",
                    value: t,
                    expected: "a finite number",
                });
            }
        }
        Ok(())
    }
}

impl Default for RankSpec {
    fn default() -> Self {
        Self::enger()
    }
}

/// Why a unit is not ranked.
///
/// # Examples
///
/// ```
/// use quartier::Exclusion;
///
/// let e = Exclusion::BelowMinimumPopulation { population: 38.0, minimum: 300.0 };
/// assert!(matches!(e, Exclusion::BelowMinimumPopulation { .. }));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Exclusion {
    /// Fewer residents than the minimum.
    BelowMinimumPopulation {
        /// The unit's residents.
        population: f64,
        /// The minimum of the spec.
        minimum: f64,
    },
    /// The population is needed but unknown.
    PopulationUnknown,
    /// Excluded by hand, with the given reason.
    Manual {
        /// The reason given in [`RankInput::exclusions`].
        reason: String,
    },
    /// Values missing under [`MissingPolicy::ExcludeUnit`].
    Missing {
        /// Names of the missing criteria (with weight > 0), in criterion order.
        criteria: Vec<String>,
    },
    /// No criterion with weight > 0 has a value.
    NoValue,
}

/// A criterion that drives a unit's composite up, with its share.
///
/// Contribution of criterion i to unit u: `w̃ᵢ·(vᵤᵢ − v̄ᵢ)`, where `w̃ᵢ` is the unit's
/// renormalized weight, `vᵤᵢ` the normalized value and `v̄ᵢ` the unweighted mean of the
/// normalized values over the ranked units with a value (for z-scores ≈ 0); under
/// [`Aggregation::Geometric`] the same on `ln v`. This is the unit's distance from an average
/// unit, split by criterion. **Drivers** are the criteria with a positive contribution (worse
/// than average), largest first (equal contributions in criterion order).
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, RankInput, RankSpec, rank};
///
/// let input = RankInput::new(vec!["A".into(), "B".into(), "C".into()], vec![Some(500.0); 3])
///     .with_criterion(Criterion::new("poverty", vec![Some(10.0), Some(20.0), Some(60.0)], Direction::HigherIsWorse))
///     .with_criterion(Criterion::new("income", vec![Some(3.0), Some(2.0), Some(2.5)], Direction::LowerIsWorse));
/// let r = rank(&input, &RankSpec::default())?;
/// let c = &r.units[2];
/// assert_eq!(c.rank, Some(1));
/// assert_eq!(c.drivers[0].criterion, "poverty");
/// # Ok::<(), quartier::RankError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// The criterion's name.
    pub criterion: String,
    /// The criterion's position in the input.
    pub index: usize,
    /// The unit's normalized value of the criterion.
    pub normalized: f64,
    /// `w̃ᵢ·(vᵤᵢ − v̄ᵢ)` (> 0).
    pub contribution: f64,
    /// The contribution divided by the sum of the unit's positive contributions (the shares
    /// of a unit's drivers add up to 1).
    pub share: f64,
}

/// One unit's result, in input order.
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, Exclusion, RankInput, RankSpec, rank};
///
/// let input = RankInput::new(vec!["A".into(), "B".into(), "C".into()], vec![Some(500.0), Some(80.0), Some(700.0)])
///     .with_criterion(Criterion::new("x", vec![Some(1.0), Some(5.0), Some(3.0)], Direction::HigherIsWorse));
/// let r = rank(&input, &RankSpec::default())?;
/// assert!(matches!(r.units[1].exclusion, Some(Exclusion::BelowMinimumPopulation { .. })));
/// assert_eq!(r.units[1].rank, None);
/// assert_eq!(r.units[2].rank, Some(1));
/// # Ok::<(), quartier::RankError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RankedUnit {
    /// The unit's id.
    pub id: String,
    /// Why the unit is not ranked; `None` = ranked.
    pub exclusion: Option<Exclusion>,
    /// Normalized value per criterion (criterion order) as aggregated; `None` for a missing
    /// value and for every criterion of an excluded unit.
    pub normalized: Vec<Option<f64>>,
    /// The composite (higher = more disadvantaged); `None` iff excluded.
    pub composite: Option<f64>,
    /// 1 = most disadvantaged; `None` iff excluded.
    pub rank: Option<usize>,
    /// Whether the selection rule selects the unit.
    pub selected: bool,
    /// The criteria that push the composite above average, largest first ([`Driver`]).
    pub drivers: Vec<Driver>,
}

/// The result of [`rank`]: one [`RankedUnit`] per input unit, in input order.
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, RankInput, RankSpec, Selection, rank};
///
/// let input = RankInput::new(vec!["A".into(), "B".into(), "C".into()], vec![Some(500.0); 3])
///     .with_criterion(Criterion::new("x", vec![Some(1.0), Some(5.0), Some(3.0)], Direction::HigherIsWorse));
/// let spec = RankSpec { selection: Selection::TopN(1), ..RankSpec::default() };
/// let r = rank(&input, &spec)?;
/// assert_eq!(r.ranked(), 3);
/// assert_eq!(r.by_rank()[0].id, "B");
/// assert_eq!(r.selected().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["B"]);
/// # Ok::<(), quartier::RankError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The criteria's names, in input order (the order of [`RankedUnit::normalized`]).
    pub criteria: Vec<String>,
    /// One entry per input unit, in input order.
    pub units: Vec<RankedUnit>,
}

impl Ranking {
    /// Number of ranked (not excluded) units.
    ///
    /// # Examples
    ///
    /// ```
    /// # use quartier::{Criterion, Direction, RankInput, RankSpec, rank};
    /// # let input = RankInput::new(vec!["A".into(), "B".into()], vec![Some(500.0); 2])
    /// #     .with_criterion(Criterion::new("x", vec![Some(1.0), Some(5.0)], Direction::HigherIsWorse));
    /// let r = rank(&input, &RankSpec::default())?;
    /// assert_eq!(r.ranked(), 2);
    /// # Ok::<(), quartier::RankError>(())
    /// ```
    pub fn ranked(&self) -> usize {
        self.units.iter().filter(|u| u.rank.is_some()).count()
    }

    /// The ranked units, most disadvantaged first (ties in input order).
    ///
    /// # Examples
    ///
    /// ```
    /// # use quartier::{Criterion, Direction, RankInput, RankSpec, rank};
    /// # let input = RankInput::new(vec!["A".into(), "B".into()], vec![Some(500.0); 2])
    /// #     .with_criterion(Criterion::new("x", vec![Some(1.0), Some(5.0)], Direction::HigherIsWorse));
    /// let r = rank(&input, &RankSpec::default())?;
    /// assert_eq!(r.by_rank()[0].id, "B");
    /// # Ok::<(), quartier::RankError>(())
    /// ```
    pub fn by_rank(&self) -> Vec<&RankedUnit> {
        let mut ranked: Vec<&RankedUnit> = self.units.iter().filter(|u| u.rank.is_some()).collect();
        ranked.sort_by_key(|u| u.rank);
        ranked
    }

    /// The selected units, in input order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use quartier::{Criterion, Direction, RankInput, RankSpec, Selection, rank};
    /// # let input = RankInput::new(vec!["A".into(), "B".into()], vec![Some(500.0); 2])
    /// #     .with_criterion(Criterion::new("x", vec![Some(1.0), Some(5.0)], Direction::HigherIsWorse));
    /// let spec = RankSpec { selection: Selection::TopN(1), ..RankSpec::default() };
    /// let r = rank(&input, &spec)?;
    /// assert_eq!(r.selected().count(), 1);
    /// # Ok::<(), quartier::RankError>(())
    /// ```
    pub fn selected(&self) -> impl Iterator<Item = &RankedUnit> {
        self.units.iter().filter(|u| u.selected)
    }
}

/// Ranks the units of `input` by `spec`: the composite index, ranks, selection and the
/// drivers of each unit.
///
/// The procedure and every rule it follows are described on [`RankSpec`]. O(c·n log n) for
/// n units and c criteria.
///
/// # Errors
///
/// Bad input is an error, never a NaN: no criteria, vectors of the wrong length, duplicate
/// unit ids or criterion names, a manual exclusion of an unknown unit, NaN/∞ values (a
/// missing value is `None`), a negative or non-finite weight or population, all weights zero,
/// invalid spec parameters, a constant criterion under z-score or min–max, a constant
/// composite under re-standardization ([`RankError`]).
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, Exclusion, RankInput, RankSpec, rank};
///
/// let input = RankInput::new(
///     vec!["Nord".into(), "Mitte".into(), "Süd".into(), "Ost".into(), "Kleinst".into()],
///     vec![Some(1500.0), Some(2300.0), Some(800.0), Some(1100.0), Some(120.0)],
/// )
/// .with_criterion(Criterion::new(
///     "child_support",
///     vec![Some(4.0), Some(18.0), Some(6.0), None, Some(30.0)],
///     Direction::HigherIsWorse,
/// ))
/// .with_criterion(Criterion::new(
///     "kita_income",
///     vec![Some(41_000.0), Some(23_000.0), Some(37_000.0), Some(30_000.0), None],
///     Direction::LowerIsWorse,
/// ));
/// let r = rank(&input, &RankSpec::enger())?;
/// let mitte = &r.units[1];
/// assert_eq!(mitte.rank, Some(1));
/// assert_eq!(mitte.drivers.len(), 2);
/// // "Ost" lacks child_support: ranked on income alone (re-weighted), never as a zero
/// assert_eq!(r.units[3].normalized[0], None);
/// assert!(r.units[3].rank.is_some());
/// assert!(matches!(r.units[4].exclusion, Some(Exclusion::BelowMinimumPopulation { .. })));
/// # Ok::<(), quartier::RankError>(())
/// ```
pub fn rank(input: &RankInput, spec: &RankSpec) -> Result<Ranking, RankError> {
    spec.validate()?;
    let base = validate(
        input,
        spec.min_population,
        spec.normalization.uses_population(),
    )?;
    let weights: Vec<f64> = input.criteria.iter().map(|c| c.weight).collect();
    let core = evaluate(
        input,
        &base,
        spec,
        &weights,
        &spec.normalization,
        spec.smoothing,
    )?;
    Ok(build(input, spec, &weights, core))
}

/// Checks the input and returns the exclusions that do not depend on values (manual,
/// population).
fn validate(
    input: &RankInput,
    min_population: Option<f64>,
    population_weighted: bool,
) -> Result<Vec<Option<Exclusion>>, RankError> {
    let n = input.units.len();
    if input.criteria.is_empty() {
        return Err(RankError::NoCriteria);
    }
    let length = |what: String, actual: usize| {
        if actual == n {
            Ok(())
        } else {
            Err(RankError::LengthMismatch {
                what,
                expected: n,
                actual,
            })
        }
    };
    length("population".to_owned(), input.population.len())?;
    let mut ids = HashMap::with_capacity(n);
    for (u, id) in input.units.iter().enumerate() {
        if ids.insert(id.as_str(), u).is_some() {
            return Err(RankError::DuplicateUnit { unit: id.clone() });
        }
    }
    let mut names = HashSet::new();
    for c in &input.criteria {
        if !names.insert(c.name.as_str()) {
            return Err(RankError::DuplicateCriterion {
                criterion: c.name.clone(),
            });
        }
        check_weight(&c.name, c.weight)?;
        length(format!("values of `{}`", c.name), c.values.len())?;
        let mut columns = vec![&c.values];
        if let Some(s) = &c.smoothed {
            length(format!("smoothed values of `{}`", c.name), s.len())?;
            columns.push(s);
        }
        for column in columns {
            if let Some(u) = column
                .iter()
                .position(|v| v.is_some_and(|x| !x.is_finite()))
            {
                return Err(RankError::NonFiniteValue {
                    criterion: c.name.clone(),
                    unit: input.units[u].clone(),
                });
            }
        }
    }
    if input.criteria.iter().all(|c| c.weight == 0.0) {
        return Err(RankError::ZeroWeights);
    }
    for (id, p) in input.units.iter().zip(&input.population) {
        if let Some(p) = *p {
            if !(p.is_finite() && p >= 0.0) {
                return Err(RankError::InvalidPopulation {
                    unit: id.clone(),
                    population: p,
                });
            }
        }
    }
    let mut exclusion: Vec<Option<Exclusion>> = vec![None; n];
    for (unit, reason) in &input.exclusions {
        let u = *ids
            .get(unit.as_str())
            .ok_or_else(|| RankError::UnknownUnit { unit: unit.clone() })?;
        if exclusion[u].is_none() {
            exclusion[u] = Some(Exclusion::Manual {
                reason: reason.clone(),
            });
        }
    }
    let needs_population = min_population.is_some() || population_weighted;
    for (e, p) in exclusion.iter_mut().zip(&input.population) {
        if e.is_some() || !needs_population {
            continue;
        }
        match (*p, min_population) {
            (None, _) => *e = Some(Exclusion::PopulationUnknown),
            (Some(population), Some(minimum)) if population < minimum => {
                *e = Some(Exclusion::BelowMinimumPopulation {
                    population,
                    minimum,
                });
            }
            _ => {}
        }
    }
    Ok(exclusion)
}

/// The numeric core of one ranking (shared by [`rank`] and the Monte-Carlo draws).
struct Core {
    exclusion: Vec<Option<Exclusion>>,
    /// `[criterion][unit]`, as aggregated.
    normalized: Vec<Vec<Option<f64>>>,
    composite: Vec<Option<f64>>,
    rank: Vec<Option<usize>>,
    selected: Vec<bool>,
}

fn evaluate(
    input: &RankInput,
    base: &[Option<Exclusion>],
    spec: &RankSpec,
    weights: &[f64],
    normalization: &Normalization,
    smoothing: bool,
) -> Result<Core, RankError> {
    let n = input.units.len();
    let columns: Vec<&Vec<Option<f64>>> = input
        .criteria
        .iter()
        .map(|c| match (&c.smoothed, smoothing) {
            (Some(s), true) => s,
            _ => &c.values,
        })
        .collect();
    // 1. value-dependent exclusions
    let mut exclusion = base.to_vec();
    for (u, e) in exclusion.iter_mut().enumerate() {
        if e.is_some() {
            continue;
        }
        let missing: Vec<usize> = (0..columns.len())
            .filter(|&c| weights[c] > 0.0 && columns[c][u].is_none())
            .collect();
        let weighted = weights.iter().filter(|&&w| w > 0.0).count();
        if missing.len() == weighted {
            *e = Some(Exclusion::NoValue);
        } else if spec.missing == MissingPolicy::ExcludeUnit && !missing.is_empty() {
            *e = Some(Exclusion::Missing {
                criteria: missing
                    .iter()
                    .map(|&c| input.criteria[c].name.clone())
                    .collect(),
            });
        }
    }
    let included: Vec<bool> = exclusion.iter().map(Option::is_none).collect();
    // 2.–3. orientation and normalization
    let mut normalized = Vec::with_capacity(columns.len());
    for (c, column) in input.criteria.iter().zip(&columns) {
        let oriented: Vec<Option<f64>> = column
            .iter()
            .map(|v| v.map(|x| c.direction.orient(x)))
            .collect();
        let mut z = normalize::normalize(
            &c.name,
            &oriented,
            &included,
            &input.population,
            normalization,
        )?;
        if spec.aggregation == Aggregation::Geometric && !normalization.is_positive() {
            let idx: Vec<usize> = (0..n).filter(|&u| z[u].is_some()).collect();
            let xs: Vec<f64> = idx.iter().filter_map(|&u| z[u]).collect();
            for (&u, v) in idx.iter().zip(normalize::min_max(&xs, 1.0, 101.0)) {
                z[u] = Some(v);
            }
        }
        normalized.push(z);
    }
    // 4. aggregation
    let mut composite: Vec<Option<f64>> = vec![None; n];
    for (u, slot) in composite.iter_mut().enumerate() {
        if !included[u] {
            continue;
        }
        let (mut sum, mut total) = (0.0, 0.0);
        for (c, &w) in weights.iter().enumerate() {
            if let (true, Some(v)) = (w > 0.0, normalized[c][u]) {
                total += w;
                sum += w * match spec.aggregation {
                    Aggregation::Arithmetic => v,
                    Aggregation::Geometric => v.ln(),
                };
            }
        }
        let mean = sum / total;
        *slot = Some(match spec.aggregation {
            Aggregation::Arithmetic => mean,
            Aggregation::Geometric => mean.exp(),
        });
    }
    // 5. re-standardization
    if spec.restandardize {
        let idx: Vec<usize> = (0..n).filter(|&u| composite[u].is_some()).collect();
        if !idx.is_empty() {
            let xs: Vec<f64> = idx.iter().filter_map(|&u| composite[u]).collect();
            let ws: Vec<f64> = match normalization.weighting() {
                Weighting::Unweighted => vec![1.0; idx.len()],
                Weighting::Population => idx
                    .iter()
                    .map(|&u| input.population[u].unwrap_or(0.0))
                    .collect(),
            };
            let z = normalize::zscores(&xs, &ws).ok_or(RankError::ConstantComposite)?;
            for (&u, v) in idx.iter().zip(z) {
                composite[u] = Some(v);
            }
        }
    }
    if composite.iter().flatten().any(|x| !x.is_finite()) {
        return Err(RankError::NumericOverflow {
            criterion: "composite".to_owned(),
        });
    }
    // 6. competition ranks, 7. selection
    let rank = competition_ranks(&composite);
    let selected = (0..n)
        .map(|u| match (spec.selection, rank[u], composite[u]) {
            (Selection::TopN(k), Some(r), _) => r <= k,
            (Selection::Threshold(t), _, Some(x)) => x > t,
            _ => false,
        })
        .collect();
    Ok(Core {
        exclusion,
        normalized,
        composite,
        rank,
        selected,
    })
}

/// Ranks by value descending, 1 = largest; equal values share the smallest rank (1-2-2-4).
fn competition_ranks(values: &[Option<f64>]) -> Vec<Option<usize>> {
    let mut order: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(u, v)| v.map(|x| (u, x)))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut ranks = vec![None; values.len()];
    let mut previous: Option<(f64, usize)> = None;
    for (pos, &(u, x)) in order.iter().enumerate() {
        let r = match previous {
            Some((p, r)) if p == x => r,
            _ => pos + 1,
        };
        ranks[u] = Some(r);
        previous = Some((x, r));
    }
    ranks
}

fn build(input: &RankInput, spec: &RankSpec, weights: &[f64], core: Core) -> Ranking {
    let geometric = spec.aggregation == Aggregation::Geometric;
    let scale = |v: f64| if geometric { v.ln() } else { v };
    // mean of each criterion over the ranked units with a value, on the aggregated scale
    let means: Vec<f64> = core
        .normalized
        .iter()
        .map(|col| {
            let (s, k) = col
                .iter()
                .flatten()
                .fold((0.0, 0usize), |(s, k), &v| (s + scale(v), k + 1));
            if k == 0 { 0.0 } else { s / k as f64 }
        })
        .collect();
    let units = input
        .units
        .iter()
        .enumerate()
        .map(|(u, id)| {
            let normalized: Vec<Option<f64>> = core.normalized.iter().map(|col| col[u]).collect();
            let mut drivers = Vec::new();
            if core.rank[u].is_some() {
                let total: f64 = weights
                    .iter()
                    .zip(&normalized)
                    .filter(|(w, v)| **w > 0.0 && v.is_some())
                    .map(|(w, _)| w)
                    .sum();
                for (c, (&w, v)) in weights.iter().zip(&normalized).enumerate() {
                    if let (true, Some(v)) = (w > 0.0, *v) {
                        let contribution = w / total * (scale(v) - means[c]);
                        if contribution > 0.0 {
                            drivers.push(Driver {
                                criterion: input.criteria[c].name.clone(),
                                index: c,
                                normalized: v,
                                contribution,
                                share: 0.0,
                            });
                        }
                    }
                }
                let positive: f64 = drivers.iter().map(|d| d.contribution).sum();
                for d in &mut drivers {
                    d.share = d.contribution / positive;
                }
                drivers.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
            }
            RankedUnit {
                id: id.clone(),
                exclusion: core.exclusion[u].clone(),
                normalized,
                composite: core.composite[u],
                rank: core.rank[u],
                selected: core.selected[u],
                drivers,
            }
        })
        .collect();
    Ranking {
        criteria: input.criteria.iter().map(|c| c.name.clone()).collect(),
        units,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("U{i}")).collect()
    }

    #[test]
    fn competition_ranks_are_min_ranks() {
        let r = competition_ranks(&[Some(1.0), Some(3.0), None, Some(3.0), Some(0.5)]);
        assert_eq!(r, vec![Some(3), Some(1), None, Some(1), Some(4)]);
    }

    #[test]
    fn reweight_uses_the_present_criteria_only() {
        // z of x over 3 units: [-1.2247, 0, 1.2247]; y missing for U2.
        let input = RankInput::new(ids(3), vec![Some(1000.0); 3])
            .with_criterion(Criterion::new(
                "x",
                vec![Some(1.0), Some(2.0), Some(3.0)],
                Direction::HigherIsWorse,
            ))
            .with_criterion(
                Criterion::new(
                    "y",
                    vec![Some(5.0), Some(1.0), None],
                    Direction::HigherIsWorse,
                )
                .with_weight(3.0),
            );
        let spec = RankSpec {
            restandardize: false,
            ..RankSpec::default()
        };
        let r = rank(&input, &spec).unwrap();
        let zx = 1.5f64.sqrt(); // (3 − 2)/sqrt(2/3)
        assert!((r.units[2].composite.unwrap() - zx).abs() < 1e-12);
        // U0: x = −zx, y = +1 (two values 5, 1: z = ±1); weights 1:3
        assert!((r.units[0].composite.unwrap() - (-zx + 3.0) / 4.0).abs() < 1e-12);
        let spec = RankSpec {
            missing: MissingPolicy::ExcludeUnit,
            ..spec
        };
        let r = rank(&input, &spec).unwrap();
        assert_eq!(
            r.units[2].exclusion,
            Some(Exclusion::Missing {
                criteria: vec!["y".into()]
            })
        );
    }

    #[test]
    fn geometric_mean_on_ranks() {
        let input = RankInput::new(ids(3), vec![None; 3])
            .with_criterion(Criterion::new(
                "x",
                vec![Some(1.0), Some(2.0), Some(3.0)],
                Direction::HigherIsWorse,
            ))
            .with_criterion(Criterion::new(
                "y",
                vec![Some(3.0), Some(1.0), Some(2.0)],
                Direction::HigherIsWorse,
            ));
        let spec = RankSpec {
            normalization: Normalization::Rank,
            aggregation: Aggregation::Geometric,
            min_population: None,
            restandardize: false,
            ..RankSpec::default()
        };
        let r = rank(&input, &spec).unwrap();
        let c: Vec<f64> = r.units.iter().map(|u| u.composite.unwrap()).collect();
        assert!((c[0] - 3f64.sqrt()).abs() < 1e-12);
        assert!((c[1] - 2f64.sqrt()).abs() < 1e-12);
        assert!((c[2] - 6f64.sqrt()).abs() < 1e-12);
    }
}
