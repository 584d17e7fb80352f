//! Writing the ranking table of the analyze phase as CSV and JSON.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::analysis::Analysis;
use crate::io::{IoError, write_atomic};
use crate::rank::{Direction, Exclusion, Normalization, Selection};

/// Why a unit is not ranked, in words.
fn exclusion_text(e: &Exclusion) -> String {
    match e {
        Exclusion::BelowMinimumPopulation { minimum, .. } => {
            format!("below minimum population {minimum}")
        }
        Exclusion::PopulationUnknown => "population suppressed".to_owned(),
        Exclusion::Manual { reason } => format!("excluded: {reason}"),
        Exclusion::Missing { criteria } => format!("missing: {}", criteria.join(";")),
        Exclusion::NoValue => "no indicator value".to_owned(),
    }
}

fn number(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn normalization_text(n: &Normalization) -> String {
    match n {
        Normalization::ZScore { weighting } => format!("z-score ({weighting:?})").to_lowercase(),
        Normalization::MinMax => "min-max".to_owned(),
        Normalization::Rank => "rank".to_owned(),
        Normalization::Percentile => "percentile".to_owned(),
        other => format!("{other:?}"),
    }
}

fn selection_text(s: &Selection) -> String {
    match s {
        Selection::TopN(n) => format!("top {n}"),
        Selection::Threshold(t) => format!("composite > {t}"),
        Selection::None => "none".to_owned(),
    }
}

fn direction_text(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsWorse => "higher_is_worse",
        Direction::LowerIsWorse => "lower_is_worse",
    }
}

/// The ranking table as CSV text (see [`write_ranking_csv`]).
fn ranking_csv(a: &Analysis) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header: Vec<String> = vec!["unit_id".into(), "population".into(), "excluded".into()];
    for c in &a.indicators.columns {
        header.push(c.spec.name.clone());
        header.push(format!("{}_status", c.spec.name));
    }
    for name in &a.ranking.criteria {
        header.push(format!("{name}_norm"));
    }
    for h in [
        "composite",
        "rank",
        "rank_median",
        "rank_p05",
        "rank_p95",
        "p_selected",
        "class",
        "selected",
        "drivers",
        "lisa_quadrant",
        "lisa_p",
    ] {
        header.push(h.into());
    }
    w.write_record(&header)?;
    for (u, unit) in a.ranking.units.iter().enumerate() {
        let mut row: Vec<String> = vec![
            a.indicators.units[u].as_str().to_owned(),
            a.indicators.population[u]
                .map(|p| p.to_string())
                .unwrap_or_default(),
            unit.exclusion
                .as_ref()
                .map(exclusion_text)
                .unwrap_or_default(),
        ];
        for c in &a.indicators.columns {
            row.push(number(c.values[u].value));
            row.push(c.values[u].status.as_str().to_owned());
        }
        for v in &unit.normalized {
            row.push(number(*v));
        }
        let interval = a.intervals.as_ref().and_then(|i| i[u].as_ref());
        let lisa = a.lisa.as_ref().and_then(|l| l[u]);
        row.push(number(unit.composite));
        row.push(unit.rank.map(|r| r.to_string()).unwrap_or_default());
        row.push(number(interval.map(|i| i.median)));
        row.push(number(interval.map(|i| i.p05)));
        row.push(number(interval.map(|i| i.p95)));
        row.push(number(interval.map(|i| i.p_selected)));
        row.push(
            a.classes[u]
                .map(|c| (c + 1).to_string())
                .unwrap_or_default(),
        );
        row.push(unit.selected.to_string());
        row.push(
            unit.drivers
                .iter()
                .map(|d| d.criterion.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        );
        row.push(
            lisa.map(|l| l.quadrant.as_str().to_owned())
                .unwrap_or_default(),
        );
        row.push(number(lisa.and_then(|l| l.p_sim)));
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn opt(x: Option<f64>) -> Value {
    x.filter(|v| v.is_finite()).map_or(Value::Null, Value::from)
}

/// The ranking as a JSON document (see [`write_ranking_csv`]).
fn ranking_json(a: &Analysis) -> String {
    let spec = &a.spec;
    let criteria: Vec<Value> = spec
        .criteria
        .iter()
        .map(|c| {
            json!({
                "indicator": c.indicator,
                "direction": direction_text(c.direction),
                "weight": c.weight,
            })
        })
        .collect();
    let indicators: Vec<Value> = a
        .indicators
        .columns
        .iter()
        .map(|c| {
            json!({
                "name": c.spec.name,
                "label": c.spec.label,
                "unit": c.spec.measure.unit(),
                "overall": opt(c.overall),
            })
        })
        .collect();
    let units: Vec<Value> = a
        .ranking
        .units
        .iter()
        .enumerate()
        .map(|(u, unit)| {
            let mut values = Map::new();
            for c in &a.indicators.columns {
                let v = &c.values[u];
                values.insert(
                    c.spec.name.clone(),
                    json!({
                        "numerator": opt(v.numerator),
                        "denominator": opt(v.denominator),
                        "value": opt(v.value),
                        "smoothed": opt(v.smoothed),
                        "status": v.status.as_str(),
                    }),
                );
            }
            let mut normalized = Map::new();
            for (name, v) in a.ranking.criteria.iter().zip(&unit.normalized) {
                normalized.insert(name.clone(), opt(*v));
            }
            let interval = a.intervals.as_ref().and_then(|i| i[u].as_ref());
            let lisa = a.lisa.as_ref().and_then(|l| l[u]);
            json!({
                "unit_id": a.indicators.units[u].as_str(),
                "population": a.indicators.population[u],
                "excluded": unit.exclusion.as_ref().map(exclusion_text),
                "indicators": values,
                "normalized": normalized,
                "composite": opt(unit.composite),
                "rank": unit.rank,
                "rank_interval": interval.map(|i| json!({
                    "median": i.median, "p05": i.p05, "p95": i.p95,
                })),
                "p_selected": interval.map(|i| i.p_selected),
                "class": a.classes[u].map(|c| c + 1),
                "selected": unit.selected,
                "drivers": unit.drivers.iter().map(|d| json!({
                    "criterion": d.criterion,
                    "contribution": d.contribution,
                    "share": d.share,
                })).collect::<Vec<_>>(),
                "lisa": lisa.map(|l| json!({
                    "i": l.i, "quadrant": l.quadrant.as_str(), "p_sim": opt(l.p_sim),
                })),
            })
        })
        .collect();
    let moran = a.moran.as_ref().map(|m| {
        json!({
            "i": m.i,
            "expected": m.expected,
            "variance_normal": m.variance_normal,
            "z_normal": m.z_normal,
            "p_normal": m.p_normal,
            "p_sim": m.permutation.as_ref().map(|p| p.p_sim),
            "permutations": m.permutation.as_ref().map_or(0, |p| p.permutations),
        })
    });
    let doc = json!({
        "level": a.indicators.level,
        "method": {
            "normalization": normalization_text(&spec.ranking.normalization),
            "aggregation": format!("{:?}", spec.ranking.aggregation).to_lowercase(),
            "missing": format!("{:?}", spec.ranking.missing).to_lowercase(),
            "restandardize": spec.ranking.restandardize,
            "smoothing": spec.ranking.smoothing,
            "min_population": spec.ranking.min_population,
            "selection": selection_text(&spec.ranking.selection),
            "criteria": criteria,
            "classification": spec.classification.name(),
            "monte_carlo": spec.uncertainty.as_ref().map(|u| json!({
                "draws": u.draws,
                "seed": u.seed,
                "weight_spread": u.weight_spread,
                "normalizations": u.normalizations.iter().map(normalization_text).collect::<Vec<_>>(),
                "toggle_smoothing": u.toggle_smoothing,
            })),
        },
        "indicators": indicators,
        "class_breaks": a.breaks.bins(),
        "moran": moran,
        "units": units,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    let _ = writeln!(text);
    text
}

impl Analysis {
    /// The ranking table as CSV text, exactly as [`write_ranking_csv`] writes it.
    pub fn to_csv(&self) -> String {
        // Writing CSV into memory cannot fail; an error would leave the text empty.
        ranking_csv(self).unwrap_or_default()
    }

    /// The ranking as JSON text, exactly as [`write_ranking_json`] writes it.
    pub fn to_json(&self) -> String {
        ranking_json(self)
    }
}

/// Writes the ranking table as CSV, atomically.
///
/// # The ranking table
///
/// One row per unit of the ranked level, in the level's unit order (sorted by id),
/// comma-separated, UTF-8, `\n` line ends, `.` as decimal separator (a machine format; the
/// German report formats numbers itself). Columns:
///
/// | column | meaning |
/// |---|---|
/// | `unit_id` | the unit |
/// | `population` | residents (empty when suppressed or unknown) |
/// | `excluded` | empty when ranked, else why not (`below minimum population 300`, ...) |
/// | `<indicator>` | the indicator value; empty when missing |
/// | `<indicator>_status` | `ok`, `suppressed`, `zero_denominator`, `zero_area` |
/// | `<criterion>_norm` | the normalized value of each ranking criterion, direction applied |
/// | `composite` | the composite index (higher = more disadvantaged) |
/// | `rank` | 1 = most disadvantaged; ties share the smallest rank |
/// | `rank_median`, `rank_p05`, `rank_p95` | Monte-Carlo rank median and 5–95 % interval |
/// | `p_selected` | share of Monte-Carlo draws in which the unit is selected |
/// | `class` | class of the composite, 1 = lowest |
/// | `selected` | `true` for the disadvantaged units picked by the selection rule |
/// | `drivers` | the criteria that drive the composite, largest first, `;`-separated |
/// | `lisa_quadrant`, `lisa_p` | local Moran quadrant (HH, LH, LL, HL) and pseudo p-value |
///
/// Numbers are written in Rust's shortest round-trip form, so files are byte-identical
/// across runs. A missing value is always an empty field with a status or reason beside it,
/// never `NaN`. The JSON holds the same per unit plus the settings, the class breaks and
/// global Moran's I.
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
///
/// # Examples
///
/// ```
/// use quartier::{AnalysisSpec, AnonymizeSpec, RecordKind, analyze, anonymize, write_ranking_csv};
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
/// spec.uncertainty = None;
/// let analysis = analyze(protected.tables(), &town.hierarchy, &spec)?;
/// let dir = tempfile::tempdir()?;
/// write_ranking_csv(&dir.path().join("ranking.csv"), &analysis)?;
/// let text = std::fs::read_to_string(dir.path().join("ranking.csv"))?;
/// assert!(text.starts_with("unit_id,population,excluded,"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_ranking_csv(path: &Path, analysis: &Analysis) -> Result<(), IoError> {
    let text = ranking_csv(analysis).map_err(|e| IoError::File {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    write_atomic(path, |w| w.write_all(text.as_bytes()))
}

/// Writes the ranking as JSON, atomically: settings, class breaks, Moran's I and every
/// unit's values (see [`write_ranking_csv`]).
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
pub fn write_ranking_json(path: &Path, analysis: &Analysis) -> Result<(), IoError> {
    let text = ranking_json(analysis);
    write_atomic(path, |w| w.write_all(text.as_bytes()))
}
