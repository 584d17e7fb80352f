//! Python bindings of quartier: the extension module `quartier._quartier`.
//!
//! The wrappers are thin: every class holds a core value, and every O(n) call goes through
//! `detached`, which releases the GIL and maps the core's error to its Python exception.
//! The Python package `quartier` (in `python/quartier`) re-exports what is public here.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

mod analysis;
mod anonymize;
mod api;
mod block_counts;
mod classify;
mod counts;
mod exceptions;
mod hierarchy;
mod index;
mod project;
mod spatial;
mod synthetic;

/// Runs `f` with the GIL released and maps its error to the matching Python exception.
///
/// The one helper for every call into the core that does work proportional to its input, so
/// other Python threads run meanwhile, and the one place where core errors become `PyErr`.
pub(crate) fn detached<T, E, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: Send + FnOnce() -> Result<T, E>,
    T: Send,
    E: Send + Into<quartier::Error>,
{
    py.detach(f).map_err(|e| exceptions::to_pyerr(e.into()))
}

#[pymodule]
fn _quartier(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<index::UnitIndex>()?;
    m.add_class::<hierarchy::Hierarchy>()?;
    // Outcome names by code, from the core, so the Python constants cannot drift.
    let outcome_names: Vec<&str> = (0..=u8::MAX)
        .map_while(quartier::Outcome::from_code)
        .map(quartier::Outcome::as_str)
        .collect();
    m.add("_OUTCOME_NAMES", PyTuple::new(m.py(), outcome_names)?)?;
    // Record kind names by code (the `kind` column's codes of `_anonymize`), from the core.
    let kinds = quartier::RecordKind::ALL.map(quartier::RecordKind::name);
    m.add("_RECORD_KINDS", PyTuple::new(m.py(), kinds)?)?;
    exceptions::register(m)?;
    m.add_function(wrap_pyfunction!(synthetic::_synthetic, m)?)?;
    m.add_function(wrap_pyfunction!(synthetic::_synthetic_index, m)?)?;
    m.add_function(wrap_pyfunction!(anonymize::_anonymize, m)?)?;
    m.add_function(wrap_pyfunction!(anonymize::_count, m)?)?;
    m.add_function(wrap_pyfunction!(anonymize::_anonymize_counts, m)?)?;
    m.add_class::<block_counts::BlockCounts>()?;
    m.add_class::<analysis::ProtectedTables>()?;
    m.add_function(wrap_pyfunction!(analysis::_analyze, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::_report, m)?)?;
    m.add_function(wrap_pyfunction!(counts::_protect_points, m)?)?;
    m.add_function(wrap_pyfunction!(api::_indicators, m)?)?;
    m.add_function(wrap_pyfunction!(api::_rank, m)?)?;
    m.add_function(wrap_pyfunction!(anonymize::_demo_town, m)?)?;
    m.add_function(wrap_pyfunction!(classify::class_breaks, m)?)?;
    m.add_function(wrap_pyfunction!(classify::classify, m)?)?;
    m.add_class::<spatial::Weights>()?;
    m.add_function(wrap_pyfunction!(spatial::_contiguity, m)?)?;
    m.add_function(wrap_pyfunction!(spatial::moran, m)?)?;
    m.add_function(wrap_pyfunction!(spatial::local_moran, m)?)?;
    m.add_function(wrap_pyfunction!(project::_init_project, m)?)?;
    m.add_function(wrap_pyfunction!(project::_validate_project, m)?)?;
    m.add_function(wrap_pyfunction!(project::_run_project, m)?)?;
    Ok(())
}
