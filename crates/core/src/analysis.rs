//! The analyze phase in one call: protected tables → indicators → ranking with rank

use crate::anonymize::ProtectedTables;
use crate::classify::{Breaks, Classification, class_breaks};
use crate::error::Error;
use crate::hierarchy::Hierarchy;
use crate::indicator::{
    IndicatorError, IndicatorSpec, IndicatorTable, Measure, Smoothing, compute_indicators,
};
use crate::rank::{
    Criterion, Direction, RankInput, RankInterval, RankSpec, Ranking, UncertaintySpec, rank,
    rank_uncertainty,
};
use crate::spatial::{Contiguity, Moran, Quadrant, contiguity, local_moran, moran};

/// One indicator in the ranking: its name, direction and weight.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionSpec {
    /// The indicator's name (an [`IndicatorSpec::name`]).
    pub indicator: String,
    /// Whether higher values mean more disadvantage.
    pub direction: Direction,
    /// The weight (≥ 0; weights are normalized to sum 1 by the ranking).
    pub weight: f64,
}

impl CriterionSpec {
    /// A criterion where higher values mean more disadvantage.
    pub fn higher_is_worse(indicator: impl Into<String>, weight: f64) -> Self {
        Self {
            indicator: indicator.into(),
            direction: Direction::HigherIsWorse,
            weight,
        }
    }
}

/// Spatial-clustering settings of [`analyze`].
#[derive(Debug, Clone, PartialEq)]
pub struct SpatialSpec {
    /// Queen (shared vertex) or rook (shared edge) contiguity.
    pub contiguity: Contiguity,
    /// Vertex-matching tolerance in metres (0 = exact, as libpysal). Units dissolved from
    /// building blocks do not touch: streets run between them. The default, 25 m, bridges
    /// streets up to that width (main roads included) but not a park or a railway yard.
    pub tolerance_m: f64,
    /// Permutations of the pseudo p-values (999 is usual; 0 = none).
    pub permutations: usize,
    /// The permutations' seed.
    pub seed: u64,
}

impl Default for SpatialSpec {
    fn default() -> Self {
        Self {
            contiguity: Contiguity::Queen,
            tolerance_m: 25.0,
            permutations: 999,
            seed: 2019,
        }
    }
}

/// What [`analyze`] computes; `Default` is the seed's procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSpec {
    /// The level whose units are ranked (a level name of the hierarchy).
    pub level: String,
    /// The indicators computed for every unit.
    pub indicators: Vec<IndicatorSpec>,
    /// The indicators that enter the ranking, by name, with direction and weight.
    pub criteria: Vec<CriterionSpec>,
    /// Normalization, aggregation, missing-value policy, selection, minimum population.
    pub ranking: RankSpec,
    /// Monte-Carlo rank intervals; `None` = no intervals.
    pub uncertainty: Option<UncertaintySpec>,
    /// The classes of the composite index (for maps and the `class` column).
    pub classification: Classification,
    /// Moran's I and LISA of the composite; `None` = not computed.
    pub spatial: Option<SpatialSpec>,
    /// Units left out of the ranking by hand, with the reason (e.g. an industrial estate).
    pub exclusions: Vec<(String, String)>,
}

impl Default for AnalysisSpec {
    /// The seed's procedure on the quarters (`quartier` level):
    ///
    /// - the four [`IndicatorSpec::seed_defaults`], all "higher is more disadvantaged";
    ///   the two population-structure indicators (share and density of under-25s) weigh ½
    ///   each, so that each of the seed's three datasets weighs the same;
    /// - [`RankSpec::enger`]: z-scores, weighted mean, re-standardized composite, quarters
    ///   with fewer than 300 residents excluded, selected = composite above 1 SD;
    /// - 1,000 Monte-Carlo draws (seed 2019) with weights ±25 %, z-score / min–max / rank
    ///   normalization and smoothing on/off;
    /// - composite classes mean ± 1 and 2 SD (as the selection rule thinks in SDs);
    /// - queen contiguity across streets up to 25 m wide, 999 permutations.
    fn default() -> Self {
        let mut uncertainty = UncertaintySpec::new(2019);
        uncertainty.normalizations = vec![
            crate::rank::Normalization::ZScore {
                weighting: crate::rank::Weighting::Unweighted,
            },
            crate::rank::Normalization::MinMax,
            crate::rank::Normalization::Rank,
        ];
        uncertainty.toggle_smoothing = true;
        Self {
            level: "quartier".to_owned(),
            indicators: IndicatorSpec::seed_defaults(),
            criteria: vec![
                CriterionSpec::higher_is_worse("under25_share", 0.5),
                CriterionSpec::higher_is_worse("under25_density", 0.5),
                CriterionSpec::higher_is_worse("kita_low_income_share", 1.0),
                CriterionSpec::higher_is_worse("child_support_rate", 1.0),
            ],
            ranking: RankSpec::enger(),
            uncertainty: Some(uncertainty),
            classification: Classification::std_mean(),
            spatial: Some(SpatialSpec::default()),
            exclusions: Vec::new(),
        }
    }
}

/// Local Moran of one unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitLisa {
    /// The local statistic Iᵢ.
    pub i: f64,
    /// The Moran-scatterplot quadrant (HH = high among high).
    pub quadrant: Quadrant,
    /// The conditional-permutation pseudo p-value, when permutations were asked for.
    pub p_sim: Option<f64>,
}

/// Everything [`analyze`] computes, per unit in the level's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The spec it was computed with.
    pub spec: AnalysisSpec,
    /// The indicators of every unit.
    pub indicators: IndicatorTable,
    /// Normalized values, composite, rank, selection and drivers.
    pub ranking: Ranking,
    /// Monte-Carlo rank intervals (`None` per unit when it is not ranked).
    pub intervals: Option<Vec<Option<RankInterval>>>,
    /// The class breaks of the composite over the ranked units.
    pub breaks: Breaks,
    /// The class of each unit's composite (0 = lowest); `None` when not ranked.
    pub classes: Vec<Option<usize>>,
    /// Global Moran's I of the composite over the ranked units.
    pub moran: Option<Moran>,
    /// Local Moran per unit; `None` when not ranked.
    pub lisa: Option<Vec<Option<UnitLisa>>>,
}

/// Runs the analyze phase: indicators, ranking, rank intervals, classes, spatial statistics.
///
/// intervals → classes → spatial clustering.
///
/// [`analyze`] takes only [`ProtectedTables`] and the [`Hierarchy`]; it cannot see a record.
/// The [`AnalysisSpec`] names the level, the indicators, and which of them enter the ranking
/// with which direction and weight ([`CriterionSpec`]); [`AnalysisSpec::default`] is the
/// procedure of the seed (Zusammen im Quartier, Enger).
///
/// # Smoothing in the ranking
///
/// For every share and rate, `analyze` computes both the raw value and its empirical-Bayes
/// smoothed value (see [`crate::Smoothing`]). The point ranking uses the smoothed values
/// when [`RankSpec::smoothing`] is set, else the raw ones; the rank intervals switch between
/// the two at random when [`UncertaintySpec::toggle_smoothing`] is set, which is how the
/// Monte-Carlo covers "EB smoothing on/off". In [`Analysis::indicators`],
/// [`crate::IndicatorValue::smoothed`] is the smoothed value of every share and rate (so
/// reports can show both); [`IndicatorSpec::smoothing`] plays no part here.
///
/// # Spatial clustering
///
/// With [`AnalysisSpec::spatial`], global Moran's I and local Moran (LISA) are computed for
/// the composite index over the ranked units, with contiguity among those units (excluded
/// units are left out of the weights, so they neither count as neighbours nor get a
/// quadrant).
///
/// # Errors
///
/// [`Error::Indicator`] for bad indicator specs and for a criterion naming an unknown
/// indicator ([`IndicatorError::UnknownIndicator`]) or naming one twice;
/// [`Error::Rank`] for bad weights or ranking settings; [`Error::Classify`] when the ranked
/// units cannot be put into the asked classes (e.g. fewer units than classes);
/// [`Error::Spatial`] when Moran's I is undefined (e.g. all composites equal).
///
/// # Examples
///
/// ```
/// use quartier::{AnalysisSpec, AnonymizeSpec, RecordKind, analyze, anonymize};
///
/// let town = quartier::musterstadt(2019)?;
/// // Sparse datasets are published by quarter (see `AnonymizeSpec::finest_levels`).
/// let sparse = |kind| (kind, "quartier".to_owned());
/// let publish = AnonymizeSpec {
///     finest_levels: vec![sparse(RecordKind::Kita), sparse(RecordKind::ChildSupport)],
///     ..AnonymizeSpec::default()
/// };
/// let protected = anonymize(&town.records, &town.hierarchy, &publish)?;
/// let mut spec = AnalysisSpec::default();
/// spec.uncertainty.as_mut().map(|u| u.draws = 50); // quick
/// let a = analyze(protected.tables(), &town.hierarchy, &spec)?;
/// let selected: Vec<&str> = a.ranking.selected().map(|u| u.id.as_str()).collect();
/// assert!(!selected.is_empty());
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn analyze(
    tables: &[ProtectedTables],
    hierarchy: &Hierarchy,
    spec: &AnalysisSpec,
) -> Result<Analysis, Error> {
    // Every share and rate also gets its smoothed twin (see "Smoothing in the ranking").
    let with_eb: Vec<IndicatorSpec> = spec
        .indicators
        .iter()
        .map(|s| match s.measure {
            Measure::Density { .. } => s.clone(),
            _ => s.clone().with_smoothing(Smoothing::EmpiricalBayes),
        })
        .collect();
    let mut indicators = compute_indicators(tables, hierarchy, &spec.level, &with_eb, None)?;

    let input = rank_input(&indicators, spec)?;
    // The columns keep the specs as asked; `smoothed` holds the EB value of every share
    // and rate (see above), whatever the spec's own smoothing says.
    for (column, asked) in indicators.columns.iter_mut().zip(&spec.indicators) {
        column.spec = asked.clone();
    }

    let ranking = rank(&input, &spec.ranking)?;
    let intervals = spec
        .uncertainty
        .as_ref()
        .map(|u| rank_uncertainty(&input, &spec.ranking, u))
        .transpose()?;

    let ranked: Vec<usize> = (0..ranking.units.len())
        .filter(|&u| ranking.units[u].composite.is_some())
        .collect();
    let composites: Vec<f64> = ranked
        .iter()
        .filter_map(|&u| ranking.units[u].composite)
        .collect();
    let breaks = class_breaks(&composites, &spec.classification)?;
    let mut classes = vec![None; ranking.units.len()];
    for (&u, &c) in ranked.iter().zip(&composites) {
        classes[u] = breaks.class_of(c);
    }

    let (moran, lisa) = match &spec.spatial {
        Some(s) => {
            let (m, l) = clustering(hierarchy, &indicators, &ranked, &composites, s)?;
            (Some(m), Some(l))
        }
        None => (None, None),
    };

    Ok(Analysis {
        spec: spec.clone(),
        indicators,
        ranking,
        intervals,
        breaks,
        classes,
        moran,
        lisa,
    })
}

/// The ranking input: one criterion per [`CriterionSpec`], raw values with the smoothed twin.
fn rank_input(indicators: &IndicatorTable, spec: &AnalysisSpec) -> Result<RankInput, Error> {
    let mut input = RankInput::new(
        indicators
            .units
            .iter()
            .map(|u| u.as_str().to_owned())
            .collect(),
        indicators
            .population
            .iter()
            .map(|p| p.map(|p| p as f64))
            .collect(),
    );
    for (i, c) in spec.criteria.iter().enumerate() {
        if spec.criteria[..i]
            .iter()
            .any(|d| d.indicator == c.indicator)
        {
            return Err(IndicatorError::DuplicateCriterion {
                name: c.indicator.clone(),
            }
            .into());
        }
        let column =
            indicators
                .column(&c.indicator)
                .ok_or_else(|| IndicatorError::UnknownIndicator {
                    name: c.indicator.clone(),
                    known: indicators
                        .columns
                        .iter()
                        .map(|c| c.spec.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
        let mut criterion =
            Criterion::new(&c.indicator, column.raw(), c.direction).with_weight(c.weight);
        if let Some(smoothed) = column.smoothed() {
            criterion = criterion.with_smoothed(smoothed);
        }
        input = input.with_criterion(criterion);
    }
    for (unit, reason) in &spec.exclusions {
        input = input.with_exclusion(unit, reason);
    }
    Ok(input)
}

/// Moran's I and LISA of the composite over the ranked units.
fn clustering(
    hierarchy: &Hierarchy,
    indicators: &IndicatorTable,
    ranked: &[usize],
    composites: &[f64],
    s: &SpatialSpec,
) -> Result<(Moran, Vec<Option<UnitLisa>>), Error> {
    let level = hierarchy
        .level(&indicators.level)
        .ok_or_else(|| IndicatorError::UnknownLevel {
            level: indicators.level.clone(),
            known: hierarchy.levels().join(", "),
        })?;
    let units = hierarchy.units(level);
    let w = contiguity(
        ranked.iter().map(|&u| units[u].geometry()),
        s.contiguity,
        s.tolerance_m,
    )?;
    let m = moran(composites, &w, s.permutations, s.seed)?;
    let local = local_moran(composites, &w, s.permutations, s.seed)?;
    let mut lisa = vec![None; units.len()];
    for (k, &u) in ranked.iter().enumerate() {
        lisa[u] = Some(UnitLisa {
            i: local.i[k],
            quadrant: local.quadrant[k],
            p_sim: local.p_sim.as_ref().map(|p| p[k]),
        });
    }
    Ok((m, lisa))
}
