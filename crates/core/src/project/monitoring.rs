//! The monitoring over time in the analyze phase: every reference date's protected tables
//! brought onto the current units of the ranking level, the indicators and the ranking of
//! each date, and the trends between the first and the last date.
//!
//! # Decisions
//!
//! - **One set of units.** Trends compare the *current* units of the ranking level. A date
//!   counted on the current block layer is analysed as it is; a date counted on an earlier
//!   layer is re-aggregated through its crosswalk ([`crate::reaggregate`]) onto the current
//!   units of the ranking level (and the levels above), and analysed on the current
//!   hierarchy cut at that level. A unit's values of such a date are *estimated* when any of
//!   its re-aggregated cells is.
//! - **Re-aggregated counts are rounded** to whole persons before the indicators are
//!   computed (per cell; the protocol and `crosswalk.csv` keep the weights).
//! - **Earlier dates are ranked without rank intervals and spatial statistics**: their rank
//!   serves the rank change; the report's intervals and clusters are the current date's.
//! - **Rank changes worth a look** are at least 3 places and at least 5 % of the ranked
//!   units (3 places in a ranking of 300 quarters is noise).
//! - **No dynamics rather than no trends.** When the Berlin-MSS dynamics index cannot be
//!   computed (an indicator whose change is the same, or missing, in every quarter — sparse
//!   suppressed data), the trends keep their changes and rank changes without dynamics classes.
//! - **Raw values.** Trends use the indicators' raw values (not empirical-Bayes smoothed), as
//!   Berlin's MSS does.

use std::collections::BTreeMap;

use crate::analysis::{Analysis, AnalysisSpec, analyze};
use crate::anonymize::ProtectedTables;
use crate::crosswalk::{Crosswalk, reaggregate};
use crate::error::Error;
use crate::hierarchy::Hierarchy;
use crate::indicator::Measure;
use crate::io::{read_crosswalk_csv, read_protected_csv};
use crate::rank::DynamicsClass;
use crate::rank::RankedUnit;
use crate::render::{ChangeView, DynamicsView, Language, MonitoringView, SeriesView};
use crate::trend::{
    ChangeKind, ChangeReason, IndicatorSeries, TrendError, TrendInput, TrendSpec, Trends, trends,
};

use super::Project;
use super::run::AnonymizeOutcome;

/// One date's tables on the current units.
pub(super) struct DateAnalysis {
    /// The reference date.
    pub date: String,
    /// The analysis of the date (indicators and ranking of the ranking level).
    pub analysis: Analysis,
    /// Per unit of the ranking level (current order): whether its values are estimated.
    pub estimated: Vec<bool>,
}

/// The analysis of an earlier date on the current units: its tables from the sealed phase
/// of this run, else read back from its protected folder (with its crosswalk).
pub(super) fn earlier_date(
    project: &Project,
    sealed: Option<&AnonymizeOutcome>,
    current: &Hierarchy,
    date: &str,
) -> Result<DateAnalysis, Error> {
    let in_run = sealed.and_then(|s| s.earlier.iter().find(|d| d.date == date));
    let read: (Hierarchy, Vec<ProtectedTables>, Option<Crosswalk>);
    let (own, tables, crosswalk): (&Hierarchy, &[ProtectedTables], Option<&Crosswalk>) =
        match in_run {
            Some(d) => (&d.hierarchy, d.anonymized.tables(), d.crosswalk.as_ref()),
            None => {
                let own = match project.earlier_layer(date) {
                    Some(layer) => super::run::read_earlier_hierarchy(project, layer)?,
                    None => current.clone(),
                };
                let rule = project.rules.frequency_rule();
                let tables = project
                    .datasets
                    .iter()
                    .map(|d| {
                        read_protected_csv(&project.protected_table_path(d.kind, date), &own, &rule)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let crosswalk = match project.earlier_layer(date) {
                    Some(_) => Some(read_crosswalk_csv(
                        &project.protected_dir(date).join("crosswalk.csv"),
                        &own,
                        current,
                    )?),
                    None => None,
                };
                read = (own, tables, crosswalk);
                (&read.0, read.1.as_slice(), read.2.as_ref())
            }
        };
    let spec = quick(&project.analysis);
    let Some(crosswalk) = crosswalk else {
        let analysis = analyze(tables, current, &spec)?;
        let units = analysis.indicators.units.len();
        return Ok(DateAnalysis {
            date: date.to_owned(),
            analysis,
            estimated: vec![false; units],
        });
    };
    let level = &project.analysis.level;
    let level_index =
        current
            .level(level)
            .ok_or_else(|| crate::indicator::IndicatorError::UnknownLevel {
                level: level.clone(),
                known: current.levels().join(", "),
            })?;
    let cut = current.truncated(level_index);
    let mut estimated = vec![false; cut.units(level_index).len()];
    let mut moved = Vec::with_capacity(tables.len());
    for t in tables {
        let r = reaggregate(t, own, current, crosswalk, level)?;
        for (u, e) in estimated.iter_mut().enumerate() {
            if r.estimated(level, u)
                .is_some_and(|cells| cells.iter().any(|&c| c))
            {
                *e = true;
            }
        }
        moved.push(r.to_protected()?);
    }
    let analysis = analyze(&moved, &cut, &spec)?;
    Ok(DateAnalysis {
        date: date.to_owned(),
        analysis,
        estimated,
    })
}

/// The analysis spec of an earlier date: no rank intervals, no spatial statistics.
fn quick(spec: &AnalysisSpec) -> AnalysisSpec {
    let mut s = spec.clone();
    s.uncertainty = None;
    s.spatial = None;
    s
}

/// The trend input: every date's raw indicator values, ranks and selections on the current
/// date's units (by id), dates oldest first (`dates` and the current analysis last).
pub(super) fn trend_input(
    project: &Project,
    dates: &[DateAnalysis],
    current: &Analysis,
) -> TrendInput {
    let ids: Vec<String> = current
        .indicators
        .units
        .iter()
        .map(|u| u.as_str().to_owned())
        .collect();
    let n = ids.len();
    let all: Vec<(&Analysis, Option<&[bool]>)> = dates
        .iter()
        .map(|d| (&d.analysis, Some(d.estimated.as_slice())))
        .chain(std::iter::once((current, None)))
        .collect();
    // Position of each current unit in each date's tables (by id).
    let positions: Vec<Vec<Option<usize>>> = all
        .iter()
        .map(|(a, _)| {
            let by_id: BTreeMap<&str, usize> = a
                .indicators
                .units
                .iter()
                .enumerate()
                .map(|(i, u)| (u.as_str(), i))
                .collect();
            ids.iter()
                .map(|id| by_id.get(id.as_str()).copied())
                .collect()
        })
        .collect();
    let direction = |name: &str| {
        project
            .analysis
            .criteria
            .iter()
            .find(|c| c.indicator == name)
            .map(|c| c.direction)
    };
    let indicators = current
        .indicators
        .columns
        .iter()
        .map(|column| {
            let name = column.spec.name.clone();
            let mut values = Vec::with_capacity(all.len());
            let mut estimated = Vec::with_capacity(all.len());
            for ((a, est), pos) in all.iter().zip(&positions) {
                let raw = a
                    .indicators
                    .column(&name)
                    .map(|c| c.raw())
                    .unwrap_or_default();
                values.push(
                    pos.iter()
                        .map(|p| p.and_then(|p| raw.get(p).copied().flatten()))
                        .collect(),
                );
                estimated.push(
                    pos.iter()
                        .map(|p| {
                            p.zip(*est)
                                .is_some_and(|(p, e)| e.get(p).copied().unwrap_or(false))
                        })
                        .collect(),
                );
            }
            IndicatorSeries {
                label: column.spec.label.clone(),
                kind: match column.spec.measure {
                    Measure::Share { .. } => ChangeKind::PercentagePoints,
                    _ => ChangeKind::Absolute,
                },
                direction: direction(&name),
                values,
                estimated,
                name,
            }
        })
        .collect();
    fn per_unit<'a>(a: &'a Analysis, pos: &[Option<usize>]) -> Vec<Option<&'a RankedUnit>> {
        pos.iter()
            .map(|p| p.and_then(|p| a.ranking.units.get(p)))
            .collect()
    }
    let ranks = all
        .iter()
        .zip(&positions)
        .map(|((a, _), pos)| {
            per_unit(a, pos)
                .iter()
                .map(|u| u.and_then(|u| u.rank))
                .collect()
        })
        .collect();
    let selected = all
        .iter()
        .zip(&positions)
        .map(|((a, _), pos)| {
            per_unit(a, pos)
                .iter()
                .map(|u| u.is_some_and(|u| u.selected))
                .collect()
        })
        .collect();
    TrendInput {
        dates: all
            .iter()
            .enumerate()
            .map(|(i, _)| {
                dates
                    .get(i)
                    .map_or_else(|| project.current_date().to_owned(), |d| d.date.clone())
            })
            .collect(),
        ids,
        population: current
            .indicators
            .population
            .iter()
            .map(|p| p.map(|p| p as f64))
            .collect::<Vec<_>>()
            .into_iter()
            .take(n)
            .collect(),
        indicators,
        ranks,
        selected,
    }
}

/// What the analyze phase computes over time: the trends and the report's view of them.
pub(super) struct Monitoring {
    /// The series of every date on the current units.
    pub input: TrendInput,
    /// Changes, dynamics and rank changes from the first to the last date.
    pub trends: Trends,
    /// The report's view.
    pub view: MonitoringView,
}

/// The monitoring of a project with several reference dates: every earlier date analysed on
/// the current units, then the trends.
pub(super) fn monitoring(
    project: &Project,
    sealed: Option<&AnonymizeOutcome>,
    current: &Hierarchy,
    analysis: &Analysis,
) -> Result<Monitoring, Error> {
    let earlier: Vec<DateAnalysis> = project.dates[..project.dates.len().saturating_sub(1)]
        .iter()
        .map(|date| {
            earlier_date(project, sealed, current, date).map_err(|e| Error::ReferenceDate {
                date: date.clone(),
                layer: project.earlier_layer(date).map(|l| l.source.path.clone()),
                error: Box::new(e),
            })
        })
        .collect::<Result<_, _>>()?;
    let input = trend_input(project, &earlier, analysis);
    // A rank change worth a look: at least 3 places, and at least 5 % of the ranked units (in
    // a ranking of 300 quarters, 3 places is noise).
    let ranked = analysis.ranking.ranked();
    let spec = TrendSpec {
        min_rank_change: (ranked / 20).max(crate::trend::DEFAULT_MIN_RANK_CHANGE),
        ..TrendSpec::default()
    };
    // A dynamics index that cannot be computed (an indicator that changed by the same amount
    // everywhere, or is missing everywhere) leaves the changes and ranks without dynamics.
    let trends = match trends(&input, &spec) {
        Err(TrendError::Mss { .. }) => {
            let mut plain = input.clone();
            for s in &mut plain.indicators {
                s.direction = None;
            }
            trends(&plain, &spec)?
        }
        other => other?,
    };
    let view = view(project, &input, &trends);
    Ok(Monitoring {
        input,
        trends,
        view,
    })
}

/// The report's view of the trends, worded in the project's language.
fn view(project: &Project, input: &TrendInput, trends: &Trends) -> MonitoringView {
    let german = project.language == Language::German;
    let n = input.ids.len();
    let series = input
        .indicators
        .iter()
        .zip(&trends.indicators)
        .map(|(s, t)| SeriesView {
            indicator: s.name.clone(),
            values: (0..n)
                .map(|u| {
                    s.values
                        .iter()
                        .map(|d| d.get(u).copied().flatten())
                        .collect()
                })
                .collect(),
            estimated: (0..n)
                .map(|u| {
                    s.estimated
                        .iter()
                        .map(|d| d.get(u).copied().unwrap_or(false))
                        .collect()
                })
                .collect(),
            change: t.change.clone(),
            unit_label: match (s.kind, german) {
                (ChangeKind::PercentagePoints, true) => "Prozentpunkte".to_owned(),
                (ChangeKind::PercentagePoints, false) => "percentage points".to_owned(),
                (ChangeKind::Absolute, _) => String::new(),
            },
        })
        .collect();
    let ranks = (0..n)
        .map(|u| {
            input
                .ranks
                .iter()
                .map(|d| d.get(u).copied().flatten())
                .collect()
        })
        .collect();
    let dynamics = (0..n)
        .map(|u| {
            let unit = trends.mss.as_ref()?.units.get(u)?;
            Some(DynamicsView {
                index: unit.dynamics_index?,
                class: dynamics_label(unit.dynamics_class?, german).to_owned(),
                combined: unit.combined().map(|c| c.code()).unwrap_or_default(),
            })
        })
        .collect();
    let changes = trends
        .what_changed()
        .into_iter()
        .map(|c| ChangeView {
            unit: c.position,
            reason: c
                .reasons
                .iter()
                .map(|r| reason_label(*r, german))
                .collect::<Vec<_>>()
                .join(", "),
            rank_before: c.rank_before,
            rank_now: c.rank_after,
            dynamics: c.dynamics.map(|d| dynamics_label(d, german).to_owned()),
            indicator: c.indicator,
            change: c.change,
        })
        .collect();
    MonitoringView {
        dates: input.dates.clone(),
        series,
        ranks,
        dynamics,
        changes,
        estimated_note: false,
    }
}

fn dynamics_label(d: DynamicsClass, german: bool) -> &'static str {
    match (d, german) {
        (_, true) => d.label_de(),
        (DynamicsClass::Positive, false) => "positive",
        (DynamicsClass::Stable, false) => "stable",
        (DynamicsClass::Negative, false) => "negative",
    }
}

fn reason_label(r: ChangeReason, german: bool) -> &'static str {
    match (r, german) {
        (ChangeReason::NewlySelected, true) => "neu ausgewählt",
        (ChangeReason::NewlySelected, false) => "newly selected",
        (ChangeReason::NoLongerSelected, true) => "nicht mehr ausgewählt",
        (ChangeReason::NoLongerSelected, false) => "no longer selected",
        (ChangeReason::NegativeDynamics, true) => "negative Dynamik",
        (ChangeReason::NegativeDynamics, false) => "negative dynamics",
        (ChangeReason::RankWorsened, true) => "Rang verschlechtert",
        (ChangeReason::RankWorsened, false) => "rank worsened",
        (ChangeReason::RankImproved, true) => "Rang verbessert",
        (ChangeReason::RankImproved, false) => "rank improved",
    }
}
