//! Python bindings of quartier.
use pyo3::prelude::*;

#[pymodule]
fn _quartier(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
