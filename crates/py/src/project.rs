//! The project pipeline from Python: `init_project`, `validate_project`, `run_project` —
//! the same library calls as `quartier init | validate | run`, summaries as JSON text (the
//! Python wrapper parses them into dicts).

use std::path::PathBuf;

use pyo3::prelude::*;

use crate::detached;

/// Writes a template project with sample data into `dir`; returns the files written.
#[pyfunction]
pub(crate) fn _init_project(py: Python<'_>, dir: PathBuf) -> PyResult<Vec<String>> {
    let files = detached(py, || quartier::init_project(&dir))?;
    Ok(files.iter().map(|f| f.display().to_string()).collect())
}

/// Checks a project (file, block layer, datasets); the outcome as JSON.
#[pyfunction]
pub(crate) fn _validate_project(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    detached(py, || {
        let project = quartier::Project::load(&path)?;
        let outcome = quartier::validate_project(&project, &mut ())?;
        Ok::<_, quartier::Error>(json(&outcome))
    })
}

/// Runs the sealed phase, the analyze phase or both; the outcomes as JSON
/// (`{"anonymize": …, "analyze": …}`).
#[pyfunction]
#[pyo3(signature = (path, anonymize, analyze))]
pub(crate) fn _run_project(
    py: Python<'_>,
    path: PathBuf,
    anonymize: bool,
    analyze: bool,
) -> PyResult<String> {
    detached(py, || {
        let project = quartier::Project::load(&path)?;
        let outcome = quartier::run_project(&project, anonymize, analyze, &mut ())?;
        Ok::<_, quartier::Error>(json(&outcome))
    })
}

/// Counts and paths only (the outcomes hold no record); a failure cannot happen for these
/// types, `null` stands in if it did.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}
