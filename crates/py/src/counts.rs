//! `_protect_points`: protected counts of points by any categories (the core's
//! `protect_points`), for QGIS layers and tables that are not one of the record kinds.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::detached;
use crate::hierarchy::Hierarchy;
use crate::index::contiguous;

/// The protected cells as columns, the assignment summary and the suppressed-cell count.
type Protected<'py> = (Bound<'py, PyDict>, Bound<'py, PyDict>, usize);

/// `_protect_points(hierarchy, x, y, category, labels, *, k, zeros, snap)`: columns `level`,
/// `unit_id`, `category`, `value` (None where suppressed); the summary of the assignment.
#[pyfunction]
#[pyo3(signature = (hierarchy, x, y, category, labels, *, k, zeros, snap))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn _protect_points<'py>(
    py: Python<'py>,
    hierarchy: &Hierarchy,
    x: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    category: PyReadonlyArray1<'py, u64>,
    labels: Vec<String>,
    k: u64,
    zeros: bool,
    snap: Option<f64>,
) -> PyResult<Protected<'py>> {
    let xs = contiguous("x", &x)?;
    let ys = contiguous("y", &y)?;
    let codes = contiguous("category", &category)?;
    let categories = quartier::CategorySet::new("category", labels);
    let rule = quartier::FrequencyRule {
        k,
        zeros: if zeros {
            quartier::Zeros::Suppress
        } else {
            quartier::Zeros::Publish
        },
    };
    let options = quartier::AssignOptions {
        snap_distance: snap,
    };
    let h = hierarchy.inner();
    let out = detached(py, || {
        // Category codes beyond usize (only on 32-bit) are out of range like any other.
        let codes: Vec<usize> = codes
            .iter()
            .map(|&c| usize::try_from(c).unwrap_or(usize::MAX))
            .collect();
        quartier::protect_points(h, xs, ys, &codes, &categories, &rule, &options)
    })?;
    let columns = PyDict::new(py);
    columns.set_item(
        "level",
        out.cells
            .iter()
            .map(|c| c.level.as_str())
            .collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "unit_id",
        out.cells
            .iter()
            .map(|c| c.unit_id.as_str())
            .collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "category",
        out.cells
            .iter()
            .map(|c| c.category.as_str())
            .collect::<Vec<_>>(),
    )?;
    columns.set_item(
        "value",
        out.cells.iter().map(|c| c.value).collect::<Vec<_>>(),
    )?;
    let s = out.summary;
    let summary = PyDict::new(py);
    summary.set_item("read", s.total)?;
    summary.set_item("assigned", s.assigned)?;
    summary.set_item("snapped", s.snapped)?;
    summary.set_item("invalid_coordinate", s.invalid_coordinate)?;
    summary.set_item("outside", s.outside)?;
    Ok((columns, summary, out.suppressed))
}
