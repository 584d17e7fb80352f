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
    /// The protocol of the run that made the tables (aggregates only: record counts, cells
    /// by status, the audit), shown in reports and returned by `audit`.
    protocol: quartier::AnonymizeProtocol,
}

impl ProtectedTables {
    pub(crate) fn new(
        tables: Vec<quartier::ProtectedTables>,
        protocol: quartier::AnonymizeProtocol,
    ) -> Self {
        Self { tables, protocol }
    }

    /// The core's protected tables, one per dataset (for the other analyze-phase wrappers).
    pub(crate) fn tables(&self) -> &[quartier::ProtectedTables] {
        &self.tables
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

    /// The anonymization protocol of the run that made these tables, as JSON (the content of
    /// ``protocol.json``: parameters, records accounted for, cells by status, the audit).
    fn protocol(&self) -> String {
        self.protocol.to_json()
    }

    fn __len__(&self) -> usize {
        self.tables.len()
    }
}

/// The seed's analysis spec with the Python keyword options.
fn analysis_spec(
    level: String,
    draws: usize,
    seed: u64,
    permutations: usize,
) -> quartier::AnalysisSpec {
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
    spec
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
    let spec = analysis_spec(level, draws, seed, permutations);
    let h = hierarchy.inner();
    let a = detached(py, || quartier::analyze(&tables.tables, h, &spec))?;
    Ok((a.to_csv(), a.to_json()))
}

/// `_report(hierarchy, tables, out, level, draws, seed, permutations, title, english,
/// catalogue, epsg) -> [paths]`: analyze, render and write the report and GIS layers.
#[pyfunction]
#[pyo3(signature = (hierarchy, tables, out, level, draws, seed, permutations, title, english, catalogue, epsg))]
#[allow(clippy::too_many_arguments)]
pub fn _report(
    py: Python<'_>,
    hierarchy: &Hierarchy,
    tables: &ProtectedTables,
    out: std::path::PathBuf,
    level: String,
    draws: usize,
    seed: u64,
    permutations: usize,
    title: String,
    english: bool,
    catalogue: Vec<(String, String, String, String, Option<String>)>,
    epsg: i32,
) -> PyResult<Vec<String>> {
    let spec = analysis_spec(level, draws, seed, permutations);
    let catalogue: Vec<quartier::DatasetEntry> = catalogue
        .into_iter()
        .map(|(dataset, title, office, date, legal)| {
            let entry = quartier::DatasetEntry::new(dataset, title, office, date);
            match legal {
                Some(l) => entry.with_legal_basis(l),
                None => entry,
            }
        })
        .collect();
    let h = hierarchy.inner();
    detached(py, || {
        let analysis = quartier::analyze(&tables.tables, h, &spec)?;
        let input = quartier::ReportInput {
            hierarchy: h,
            tables: &tables.tables,
            analysis: &analysis,
            catalogue: &catalogue,
            protocol: Some(&tables.protocol),
            monitoring: None,
            release: None,
        };
        let mut report_spec = quartier::ReportSpec::new(title);
        if english {
            report_spec.language = quartier::Language::English;
        }
        let report = quartier::render_report(&input, &report_spec)?;
        let written = quartier::write_report(&out, h, &report, &quartier::Srs::epsg(epsg))?;
        Ok::<_, quartier::Error>(
            written
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        )
    })
}
