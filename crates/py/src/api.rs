//! The analyze phase step by step: `_indicators` (indicator table from protected tables) and
//! `_rank` (composite, ranks, selection, drivers and Monte-Carlo rank intervals of any
//! per-unit values).
//!
//! Both return the columns of a table as an ordered dict (`{column: array or list}`), which
//! the Python package turns into a pandas DataFrame. Indicator specs arrive as Python dicts
//! and ranking settings as short strings; both are parsed here, by hand (no serde bridge),
//! and a bad one raises `IndicatorError` / `RankError` naming the key, never a data value.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use quartier::{
    AreaBasis, Criterion, Direction, Exclusion, IndicatorSpec, Measure, Normalization, RankInput,
    RankSpec, RecordKind, Selection, Smoothing, Term, UncertaintySpec, Weighting,
};

use crate::analysis::ProtectedTables;
use crate::detached;
use crate::hierarchy::Hierarchy;
use crate::index::contiguous;

/// An exception of the package's own classes (`IndicatorError`, `RankError`, …) for an
/// argument the core never sees (a malformed spec dict, an unknown setting name).
fn quartier_error(py: Python<'_>, class: &str, message: String) -> PyErr {
    let made = py
        .import("quartier._quartier")
        .and_then(|m| m.getattr(class))
        .and_then(|cls| cls.call1((message,)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// NaN for a missing value, so that a column is one `float64` array.
fn nan(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}

// ------------------------------------------------------------------------------------------
// Indicators
// ------------------------------------------------------------------------------------------

/// The keys an indicator spec dict may have.
const SPEC_KEYS: [&str; 8] = [
    "name",
    "label",
    "measure",
    "numerator",
    "denominator",
    "per",
    "area",
    "smoothing",
];

/// The keys a term dict may have.
const TERM_KEYS: [&str; 2] = ["dataset", "categories"];

/// Reads indicator spec dicts; every error names the spec (by position) and the key.
struct SpecReader<'py> {
    py: Python<'py>,
    index: usize,
}

impl<'py> SpecReader<'py> {
    fn error(&self, what: String) -> PyErr {
        quartier_error(
            self.py,
            "IndicatorError",
            format!("indicator spec {}: {what}", self.index),
        )
    }

    /// Refuses keys outside `known` (a misspelt key would otherwise be ignored silently).
    fn check_keys(&self, dict: &Bound<'py, PyDict>, known: &[&str], path: &str) -> PyResult<()> {
        for key in dict.keys() {
            let name = key
                .extract::<String>()
                .map_err(|_| self.error(format!("the keys of {path} must be strings")))?;
            if !known.contains(&name.as_str()) {
                return Err(self.error(format!(
                    "unknown key `{name}` in {path} (keys: {})",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn item(&self, dict: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(dict.get_item(key)?.filter(|v| !v.is_none()))
    }

    fn required(
        &self,
        dict: &Bound<'py, PyDict>,
        key: &str,
        path: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.item(dict, key)?
            .ok_or_else(|| self.error(format!("{path} lacks the key `{key}`")))
    }

    fn string(&self, value: &Bound<'py, PyAny>, key: &str) -> PyResult<String> {
        value
            .extract::<String>()
            .map_err(|_| self.error(format!("`{key}` must be a string")))
    }

    fn term(&self, value: &Bound<'py, PyAny>, key: &str) -> PyResult<Term> {
        let dict = value.cast::<PyDict>().map_err(|_| {
            self.error(format!(
                "`{key}` must be a dict with `dataset` and optionally `categories`"
            ))
        })?;
        let path = format!("`{key}`");
        self.check_keys(dict, &TERM_KEYS, &path)?;
        let dataset = self.string(
            &self.required(dict, "dataset", &path)?,
            &format!("{key}.dataset"),
        )?;
        let kind = RecordKind::ALL
            .into_iter()
            .find(|k| k.name() == dataset)
            .ok_or_else(|| {
                let known: Vec<&str> = RecordKind::ALL.iter().map(|k| k.name()).collect();
                self.error(format!(
                    "`{key}.dataset` is `{dataset}`, not a dataset (datasets: {})",
                    known.join(", ")
                ))
            })?;
        let categories = match self.item(dict, "categories")? {
            None => Vec::new(),
            // A str is a sequence of str in Python: refuse it rather than split it.
            Some(c) if c.is_instance_of::<PyString>() => {
                return Err(self.error(format!(
                    "`{key}.categories` must be a list of category labels, not a string"
                )));
            }
            Some(c) => c
                .extract::<Vec<String>>()
                .map_err(|_| self.error(format!("`{key}.categories` must be a list of strings")))?,
        };
        Ok(Term::categories(kind, categories))
    }

    fn number(&self, value: &Bound<'py, PyAny>, key: &str) -> PyResult<f64> {
        value
            .extract::<f64>()
            .map_err(|_| self.error(format!("`{key}` must be a number")))
    }

    /// Refuses a key that the measure does not use.
    fn unused(&self, dict: &Bound<'py, PyDict>, key: &str, measure: &str) -> PyResult<()> {
        match self.item(dict, key)? {
            Some(_) => Err(self.error(format!("`{key}` does not apply to a {measure}"))),
            None => Ok(()),
        }
    }

    fn spec(&self, dict: &Bound<'py, PyDict>) -> PyResult<IndicatorSpec> {
        let path = "the spec";
        self.check_keys(dict, &SPEC_KEYS, path)?;
        let name = self.string(&self.required(dict, "name", path)?, "name")?;
        let label = match self.item(dict, "label")? {
            Some(l) => self.string(&l, "label")?,
            None => name.clone(),
        };
        let measure_name = self.string(&self.required(dict, "measure", path)?, "measure")?;
        let numerator = self.term(&self.required(dict, "numerator", path)?, "numerator")?;
        let measure = match measure_name.as_str() {
            "share" => {
                self.unused(dict, "per", "share")?;
                self.unused(dict, "area", "share")?;
                Measure::Share {
                    numerator,
                    denominator: self
                        .term(&self.required(dict, "denominator", path)?, "denominator")?,
                }
            }
            "rate" => {
                self.unused(dict, "area", "rate")?;
                Measure::Rate {
                    numerator,
                    denominator: self
                        .term(&self.required(dict, "denominator", path)?, "denominator")?,
                    per: self.number(&self.required(dict, "per", path)?, "per")?,
                }
            }
            "density" => {
                self.unused(dict, "denominator", "density")?;
                self.unused(dict, "per", "density")?;
                let area = match self.item(dict, "area")? {
                    None => AreaBasis::Unit,
                    Some(a) => match self.string(&a, "area")?.as_str() {
                        "unit" => AreaBasis::Unit,
                        "settled" => AreaBasis::Settled,
                        other => {
                            return Err(
                                self.error(format!("`area` is `{other}`; use `unit` or `settled`"))
                            );
                        }
                    },
                };
                Measure::Density { numerator, area }
            }
            other => {
                return Err(self.error(format!(
                    "`measure` is `{other}`; use `share`, `rate` or `density`"
                )));
            }
        };
        let smoothing = match self.item(dict, "smoothing")? {
            None => Smoothing::None,
            Some(s) => match self.string(&s, "smoothing")?.as_str() {
                "none" => Smoothing::None,
                "empirical_bayes" => Smoothing::EmpiricalBayes,
                other => {
                    return Err(self.error(format!(
                        "`smoothing` is `{other}`; use `none` or `empirical_bayes`"
                    )));
                }
            },
        };
        Ok(IndicatorSpec::new(name, label, measure).with_smoothing(smoothing))
    }
}

/// `_indicators(hierarchy, tables, level, specs) -> {column: values}`: the indicator table.
///
/// Columns: `unit_id` (list of str), `population` (float64, NaN = suppressed), `area_km2`,
/// then per indicator `<name>` (float64, NaN = missing), `<name>_status` (list of str) and
/// `<name>_smoothed` (float64; equal to the value unless the spec smooths).
#[pyfunction]
#[pyo3(signature = (hierarchy, tables, level, specs))]
pub fn _indicators<'py>(
    py: Python<'py>,
    hierarchy: &Hierarchy,
    tables: &ProtectedTables,
    level: String,
    specs: Option<Vec<Bound<'py, PyAny>>>,
) -> PyResult<Bound<'py, PyDict>> {
    let specs = match specs {
        None => IndicatorSpec::seed_defaults(),
        Some(items) => {
            let mut specs = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let reader = SpecReader { py, index };
                let dict = item
                    .cast::<PyDict>()
                    .map_err(|_| reader.error("must be a dict".to_owned()))?;
                specs.push(reader.spec(dict)?);
            }
            specs
        }
    };
    let h = hierarchy.inner();
    let t = tables.tables();
    let table = detached(py, || {
        quartier::compute_indicators(t, h, &level, &specs, None)
    })?;

    let out = PyDict::new(py);
    let ids: Vec<&str> = table.units.iter().map(|u| u.as_str()).collect();
    out.set_item("unit_id", ids)?;
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^53
    let population: Vec<f64> = table
        .population
        .iter()
        .map(|p| nan(p.map(|p| p as f64)))
        .collect();
    out.set_item("population", population.into_pyarray(py))?;
    out.set_item("area_km2", table.area_km2.clone().into_pyarray(py))?;
    for column in &table.columns {
        let name = &column.spec.name;
        let values: Vec<f64> = column.values.iter().map(|v| nan(v.value)).collect();
        let status: Vec<&str> = column.values.iter().map(|v| v.status.as_str()).collect();
        let smoothed: Vec<f64> = column.values.iter().map(|v| nan(v.smoothed)).collect();
        out.set_item(name, values.into_pyarray(py))?;
        out.set_item(format!("{name}_status"), status)?;
        out.set_item(format!("{name}_smoothed"), smoothed.into_pyarray(py))?;
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Ranking
// ------------------------------------------------------------------------------------------

fn rank_error(py: Python<'_>, message: String) -> PyErr {
    quartier_error(py, "RankError", message)
}

fn preset(py: Python<'_>, name: &str) -> PyResult<RankSpec> {
    match name {
        "enger" => Ok(RankSpec::enger()),
        "berlin_mss" => Ok(RankSpec::berlin_mss()),
        "imd" => Ok(RankSpec::imd()),
        other => Err(rank_error(
            py,
            format!("unknown preset `{other}`; use `enger`, `berlin_mss` or `imd`"),
        )),
    }
}

fn normalization(py: Python<'_>, name: &str) -> PyResult<Normalization> {
    match name {
        "zscore" => Ok(Normalization::ZScore {
            weighting: Weighting::Unweighted,
        }),
        "zscore_population" => Ok(Normalization::ZScore {
            weighting: Weighting::Population,
        }),
        "minmax" => Ok(Normalization::MinMax),
        "rank" => Ok(Normalization::Rank),
        "percentile" => Ok(Normalization::Percentile),
        "exponential_rank" => Ok(Normalization::ExponentialRank {
            max: 100.0,
            constant: 23.0,
        }),
        other => Err(rank_error(
            py,
            format!(
                "unknown normalization `{other}`; use `zscore`, `zscore_population`, `minmax`, \
                 `rank`, `percentile` or `exponential_rank`"
            ),
        )),
    }
}

fn direction(py: Python<'_>, criterion: &str, name: &str) -> PyResult<Direction> {
    match name {
        "higher_is_worse" => Ok(Direction::HigherIsWorse),
        "lower_is_worse" => Ok(Direction::LowerIsWorse),
        other => Err(rank_error(
            py,
            format!(
                "criterion `{criterion}`: unknown direction `{other}`; use `higher_is_worse` or \
                 `lower_is_worse`"
            ),
        )),
    }
}

/// `None` = the preset's minimum; `"none"` = no minimum; a number = that minimum.
fn min_population(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    if let Ok(s) = value.extract::<String>() {
        return match s.as_str() {
            "none" => Ok(None),
            other => Err(rank_error(
                py,
                format!("min_population is `{other}`; use a number or \"none\""),
            )),
        };
    }
    value
        .extract::<f64>()
        .map(Some)
        .map_err(|_| rank_error(py, "min_population must be a number or \"none\"".to_owned()))
}

/// `"none"`, `("top", n)` or `("threshold", t)`.
fn selection(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Selection> {
    let usage = "selection must be \"none\", (\"top\", n) or (\"threshold\", t)";
    if let Ok(s) = value.extract::<String>() {
        return match s.as_str() {
            "none" => Ok(Selection::None),
            _ => Err(rank_error(py, usage.to_owned())),
        };
    }
    let (rule, parameter) = value
        .extract::<(String, Bound<'_, PyAny>)>()
        .map_err(|_| rank_error(py, usage.to_owned()))?;
    match rule.as_str() {
        "top" => parameter
            .extract::<usize>()
            .map(Selection::TopN)
            .map_err(|_| rank_error(py, "(\"top\", n) needs an integer n >= 0".to_owned())),
        "threshold" => parameter
            .extract::<f64>()
            .map(Selection::Threshold)
            .map_err(|_| rank_error(py, "(\"threshold\", t) needs a number t".to_owned())),
        _ => Err(rank_error(py, usage.to_owned())),
    }
}

/// Why a unit is not ranked, as a short code (empty when ranked).
fn exclusion_code(e: Option<&Exclusion>) -> &'static str {
    match e {
        None => "",
        Some(Exclusion::BelowMinimumPopulation { .. }) => "below_minimum_population",
        Some(Exclusion::PopulationUnknown) => "population_unknown",
        Some(Exclusion::Manual { .. }) => "manual",
        Some(Exclusion::Missing { .. }) => "missing",
        Some(Exclusion::NoValue) => "no_value",
        Some(_) => "other",
    }
}

/// NaN (and only NaN) is a missing value; ±∞ goes to the core, which refuses it.
fn optional(values: &[f64]) -> Vec<Option<f64>> {
    values.iter().map(|&v| (!v.is_nan()).then_some(v)).collect()
}

/// `_rank(units, values, population, directions, weights, weight_list, preset, normalization,
/// min_population, selection, draws, seed) -> {column: values}`.
///
/// `values` are `(criterion, float64 array)` pairs; `directions` and `weights` are
/// `(criterion, …)` pairs, `weight_list` one weight per criterion in order.
#[pyfunction]
#[pyo3(signature = (units, values, population, directions, weights, weight_list, preset_name, normalization_name, min_population_value, selection_value, draws, seed))]
#[allow(clippy::too_many_arguments)]
pub fn _rank<'py>(
    py: Python<'py>,
    units: Vec<String>,
    values: Vec<(String, PyReadonlyArray1<'py, f64>)>,
    population: Option<PyReadonlyArray1<'py, f64>>,
    directions: Vec<(String, String)>,
    weights: Vec<(String, f64)>,
    weight_list: Option<Vec<f64>>,
    preset_name: &str,
    normalization_name: Option<&str>,
    min_population_value: Option<Bound<'py, PyAny>>,
    selection_value: Option<Bound<'py, PyAny>>,
    draws: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let mut spec = preset(py, preset_name)?;
    if let Some(n) = normalization_name {
        spec.normalization = normalization(py, n)?;
    }
    if let Some(m) = &min_population_value {
        spec.min_population = min_population(py, m)?;
    }
    if let Some(s) = &selection_value {
        spec.selection = selection(py, s)?;
    }
    let mut oriented = Vec::with_capacity(directions.len());
    for (criterion, d) in &directions {
        oriented.push((criterion.as_str(), direction(py, criterion, d)?));
    }
    let mut columns = Vec::with_capacity(values.len());
    for (name, array) in &values {
        columns.push((
            name.as_str(),
            contiguous(&format!("values[{name:?}]"), array)?,
        ));
    }
    let population = population
        .as_ref()
        .map(|p| contiguous("population", p))
        .transpose()?;

    let (input, ranking, intervals) = detached(py, || {
        let n = units.len();
        let mut input = RankInput::new(
            units.clone(),
            population.map_or_else(|| vec![None; n], optional),
        );
        for (name, values) in &columns {
            input = input.with_criterion(Criterion::new(
                *name,
                optional(values),
                Direction::HigherIsWorse,
            ));
        }
        for (criterion, d) in &oriented {
            let c = input.criterion(criterion)?;
            input.criteria[c].direction = *d;
        }
        if let Some(list) = &weight_list {
            input.set_weights(list)?;
        }
        for (criterion, w) in &weights {
            input.set_weight(criterion, *w)?;
        }
        let ranking = quartier::rank(&input, &spec)?;
        let intervals = if draws > 0 {
            let u = UncertaintySpec {
                draws,
                ..UncertaintySpec::new(seed)
            };
            Some(quartier::rank_uncertainty(&input, &spec, &u)?)
        } else {
            None
        };
        Ok::<_, quartier::RankError>((input, ranking, intervals))
    })?;

    let out = PyDict::new(py);
    out.set_item("unit_id", &input.units)?;
    let excluded: Vec<&str> = ranking
        .units
        .iter()
        .map(|u| exclusion_code(u.exclusion.as_ref()))
        .collect();
    out.set_item("excluded", excluded)?;
    for (k, name) in ranking.criteria.iter().enumerate() {
        let normalized: Vec<f64> = ranking
            .units
            .iter()
            .map(|u| nan(u.normalized.get(k).copied().flatten()))
            .collect();
        out.set_item(format!("{name}_norm"), normalized.into_pyarray(py))?;
    }
    let composite: Vec<f64> = ranking.units.iter().map(|u| nan(u.composite)).collect();
    #[allow(clippy::cast_precision_loss)] // ranks are unit counts
    let rank: Vec<f64> = ranking
        .units
        .iter()
        .map(|u| nan(u.rank.map(|r| r as f64)))
        .collect();
    out.set_item("composite", composite.into_pyarray(py))?;
    out.set_item("rank", rank.into_pyarray(py))?;
    if let Some(intervals) = &intervals {
        let column = |f: fn(&quartier::RankInterval) -> f64| -> Vec<f64> {
            intervals.iter().map(|i| nan(i.as_ref().map(f))).collect()
        };
        out.set_item("rank_median", column(|i| i.median).into_pyarray(py))?;
        out.set_item("rank_p05", column(|i| i.p05).into_pyarray(py))?;
        out.set_item("rank_p95", column(|i| i.p95).into_pyarray(py))?;
        out.set_item("p_selected", column(|i| i.p_selected).into_pyarray(py))?;
    }
    let selected: Vec<bool> = ranking.units.iter().map(|u| u.selected).collect();
    out.set_item("selected", selected.into_pyarray(py))?;
    let drivers: Vec<String> = ranking
        .units
        .iter()
        .map(|u| {
            u.drivers
                .iter()
                .map(|d| d.criterion.as_str())
                .collect::<Vec<_>>()
                .join(";")
        })
        .collect();
    out.set_item("drivers", drivers)?;
    Ok(out)
}
