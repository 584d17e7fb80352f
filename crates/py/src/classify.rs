//! `class_breaks` and `classify`: class breaks for choropleth maps (the core's `classify`).

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::detached;
use crate::index::contiguous;

/// `class_breaks(values, method, *, k=5, multiples=None, breaks=None) -> bins`.
///
/// The method name is parsed by the core (`Classification::from_name`); the bins are the
/// classes' upper bounds in mapclassify's convention.
#[pyfunction]
#[pyo3(signature = (values, method, *, k = 5, multiples = None, breaks = None))]
pub(crate) fn class_breaks<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    method: &str,
    k: usize,
    multiples: Option<Vec<f64>>,
    breaks: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let values = contiguous("values", &values)?;
    let bins = detached(py, || {
        let method = quartier::Classification::from_name(
            method,
            k,
            multiples.as_deref(),
            breaks.as_deref(),
        )?;
        quartier::class_breaks(values, &method).map(quartier::Breaks::into_bins)
    })?;
    Ok(bins.into_pyarray(py))
}

/// `classify(values, bins) -> classes`: the class of each value, -1 for NaN and for values
/// above the last bin.
#[pyfunction]
#[pyo3(signature = (values, bins))]
pub(crate) fn classify<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    bins: Vec<f64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let values = contiguous("values", &values)?;
    let classes = detached(py, || {
        let breaks = quartier::Breaks::try_new(bins)?;
        let classes: Vec<i64> = breaks
            .classify(values)
            .into_iter()
            .map(|class| class.and_then(|c| i64::try_from(c).ok()).unwrap_or(-1))
            .collect();
        Ok::<_, quartier::ClassifyError>(classes)
    })?;
    Ok(classes.into_pyarray(py))
}
