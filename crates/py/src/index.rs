//! `quartier.UnitIndex`: point-in-polygon assignment on NumPy arrays.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::detached;

/// `(unit, outcome)`: unit position per point (-1 for none) and outcome code per point.
type AssignResult<'py> = (Bound<'py, PyArray1<i32>>, Bound<'py, PyArray1<u8>>);

/// A spatial index over units (blocks) that assigns points to the unit covering them.
#[pyclass(frozen, module = "quartier", name = "UnitIndex")]
pub(crate) struct UnitIndex {
    inner: quartier::UnitIndex,
}

/// The signature of the core's unit-layer readers.
type ReadUnits =
    fn(
        &std::path::Path,
        &str,
    ) -> Result<Vec<(quartier::UnitId, geo_types::MultiPolygon<f64>)>, quartier::IoError>;

impl UnitIndex {
    pub(crate) fn new(inner: quartier::UnitIndex) -> Self {
        Self { inner }
    }

    /// Reads a layer with `read` and indexes it, with the GIL released.
    fn read(
        py: Python<'_>,
        path: &std::path::Path,
        id_field: &str,
        read: ReadUnits,
    ) -> PyResult<Self> {
        let inner = detached(py, || {
            let units = read(path, id_field)?;
            Ok::<_, quartier::Error>(quartier::UnitIndex::new(units)?)
        })?;
        Ok(Self::new(inner))
    }
}

#[pymethods]
impl UnitIndex {
    /// Reads units from a GeoJSON file (Polygon / MultiPolygon features) and indexes them.
    #[staticmethod]
    #[pyo3(signature = (path, id_field))]
    fn from_geojson(py: Python<'_>, path: PathBuf, id_field: &str) -> PyResult<Self> {
        Self::read(py, &path, id_field, quartier::read_units_geojson)
    }

    /// Reads units from a GeoJSON file or a Shapefile (`.shp`) and indexes them.
    #[staticmethod]
    #[pyo3(signature = (path, id_field))]
    fn from_file(py: Python<'_>, path: PathBuf, id_field: &str) -> PyResult<Self> {
        Self::read(py, &path, id_field, quartier::read_units)
    }

    /// Assigns every point to a unit; returns `(unit, outcome)` arrays in input order.
    #[pyo3(signature = (x, y, *, snap = None))]
    fn assign<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
        snap: Option<f64>,
    ) -> PyResult<AssignResult<'py>> {
        let x = readonly_f64("x", x)?;
        let y = readonly_f64("y", y)?;
        let xs = contiguous("x", &x)?;
        let ys = contiguous("y", &y)?;
        let options = quartier::AssignOptions {
            snap_distance: snap,
        };
        let assignment = detached(py, || self.inner.assign(xs, ys, &options))?;
        let (units, outcomes) = assignment.into_parts();
        Ok((units.into_pyarray(py), outcomes.into_pyarray(py)))
    }

    /// Best-of-`repeat` seconds of the core's `assign` alone on the same arrays (no
    /// conversion, no result arrays): the reference of `benches/python_assign.py`, which
    /// measures what the Python call adds. Not part of the API.
    #[pyo3(signature = (x, y, repeat = 5))]
    fn _time_assign<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
        repeat: usize,
    ) -> PyResult<f64> {
        let x = readonly_f64("x", x)?;
        let y = readonly_f64("y", y)?;
        let xs = contiguous("x", &x)?;
        let ys = contiguous("y", &y)?;
        let options = quartier::AssignOptions::default();
        detached(py, || {
            let mut best = f64::INFINITY;
            for _ in 0..repeat.max(1) {
                let start = std::time::Instant::now();
                let assignment = self.inner.assign(xs, ys, &options)?;
                best = best.min(start.elapsed().as_secs_f64());
                drop(assignment);
            }
            Ok::<_, quartier::AssignError>(best)
        })
    }

    /// The unit ids in index order: `unit_ids[u]` is the id of unit position `u`.
    #[getter]
    fn unit_ids(&self) -> Vec<&str> {
        self.inner.unit_ids().iter().map(|id| id.as_str()).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("UnitIndex(units={})", self.inner.len())
    }
}

/// Borrows `obj` as a 1-d float64 NumPy array, without copying.
///
/// Anything else (another dtype, another number of dimensions, a list) is a `TypeError`.
fn readonly_f64<'py>(name: &str, obj: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray1<'py, f64>> {
    let array = obj.cast::<PyArray1<f64>>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be a 1-d numpy array of dtype float64 (got {}); \
             convert explicitly, e.g. np.asarray({name}, dtype=np.float64)",
            describe(obj)
        ))
    })?;
    array
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("{name} cannot be borrowed: {e}")))
}

/// Views a borrowed array as a slice; a non-contiguous array is refused, never copied.
pub(crate) fn contiguous<'a, T: numpy::Element>(
    name: &str,
    array: &'a PyReadonlyArray1<'_, T>,
) -> PyResult<&'a [T]> {
    array.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{name} must be contiguous; pass np.ascontiguousarray({name}) to copy it explicitly"
        ))
    })
}

/// A short description of a Python object's type for an error message (never its values).
fn describe(obj: &Bound<'_, PyAny>) -> String {
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    match obj.cast::<numpy::PyUntypedArray>() {
        Ok(array) => {
            let dtype = array
                .dtype()
                .str()
                .map(|s| s.to_string())
                .unwrap_or_else(|_| "?".to_owned());
            format!("{}-d array of dtype {dtype}", array.ndim())
        }
        Err(_) => type_name,
    }
}
