//! The analyze phase: `ProtectedTables` (an opaque handle made only by `_anonymize`) and
//! `_analyze`, which returns the ranking table as the CSV text the Rust writer produces,
//! so that Python and the files cannot differ.

use pyo3::prelude::*;

use crate::detached;
use crate::hierarchy::Hierarchy;

/// The protected tables of every dataset, as they leave the sealed office.
///
/// Made only by `quartier.protect`; the analyze phase accepts nothing else.
#[pyclass(frozen, module = "quartier", name = "ProtectedTables")]
#[derive(Debug)]
pub struct ProtectedTables {
    tables: Vec<quartier::ProtectedTables>,
}

impl ProtectedTables {
    pub(crate) fn new(tables: Vec<quartier::ProtectedTables>) -> Self {
        Self { tables }
    }
}

#[pymethods]
impl ProtectedTables {
    /// The dataset names, in order (``resident``, ``kita``, ``child_support``).
    fn datasets(&self) -> Vec<&'static str> {
        self.tables.iter().map(|t| t.dataset().name()).collect()
    }

    /// The layers each dataset is published on, ``{dataset: [layer, ...]}``.
    fn layers(&self) -> Vec<(&'static str, Vec<String>)> {
        self.tables
            .iter()
            .map(|t| {
                (
                    t.dataset().name(),
                    t.layers().map(|(n, _)| n.to_owned()).collect(),
                )
            })
            .collect()
    }

    fn __len__(&self) -> usize {
        self.tables.len()
    }
}

/// `_analyze(hierarchy, tables, level, draws, seed, permutations) -> (csv, json)`.
#[pyfunction]
#[pyo3(signature = (hierarchy, tables, level, draws, seed, permutations))]
pub fn _analyze(
    py: Python<'_>,
    hierarchy: &Hierarchy,
    tables: &ProtectedTables,
    level: String,
    draws: usize,
    seed: u64,
    permutations: usize,
) -> PyResult<(String, String)> {
    let mut spec = quartier::AnalysisSpec {
        level,
        ..quartier::AnalysisSpec::default()
    };
    match spec.uncertainty.as_mut() {
        Some(u) if draws > 0 => {
            u.draws = draws;
            u.seed = seed;
        }
        _ => spec.uncertainty = None,
    }
    if let Some(s) = spec.spatial.as_mut() {
        s.permutations = permutations;
        s.seed = seed;
    }
    let h = hierarchy.inner();
    let a = detached(py, || quartier::analyze(&tables.tables, h, &spec))?;
    Ok((a.to_csv(), a.to_json()))
}
