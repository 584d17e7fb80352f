//! `quartier.Weights`, `contiguity`, `moran`, `local_moran`: spatial statistics.
//!
//! Polygons arrive as shapely's ragged arrays (`shapely.to_ragged_array`): one coordinate
//! array and the offsets of rings, polygon parts and geometries, so no geometry object is
//! touched per vertex; the Python wrapper `quartier.contiguity` makes them.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::detached;
use crate::index::contiguous;

/// Binary contiguity weights: a sorted neighbour list per unit.
#[pyclass(frozen, module = "quartier", name = "Weights")]
pub(crate) struct Weights {
    inner: quartier::Weights,
}

#[pymethods]
impl Weights {
    /// Weights from one neighbour list per unit (checked: in range, no self, symmetric).
    #[staticmethod]
    #[pyo3(signature = (lists))]
    fn from_neighbours(py: Python<'_>, lists: Vec<Vec<usize>>) -> PyResult<Self> {
        let inner = detached(py, || quartier::Weights::from_neighbours(lists))?;
        Ok(Self { inner })
    }

    /// The neighbours of unit `i`, ascending.
    fn neighbours(&self, i: usize) -> PyResult<Vec<usize>> {
        if i >= self.inner.len() {
            return Err(PyIndexError::new_err(format!(
                "unit {i} is out of range: there are {} units",
                self.inner.len()
            )));
        }
        Ok(self.inner.neighbours(i).to_vec())
    }

    /// All neighbour lists, `lists[i]` ascending.
    fn to_lists(&self) -> Vec<Vec<usize>> {
        (0..self.inner.len())
            .map(|i| self.inner.neighbours(i).to_vec())
            .collect()
    }

    /// The number of neighbours of every unit (int64).
    fn cardinalities<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        to_i64(self.inner.cardinalities()).into_pyarray(py)
    }

    /// The units without neighbours, ascending (int64).
    fn islands<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        to_i64(self.inner.islands()).into_pyarray(py)
    }

    /// CSR offsets (`len + 1` entries, int64).
    #[getter]
    fn offsets<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        to_i64(self.inner.as_csr().0.to_vec()).into_pyarray(py)
    }

    /// CSR neighbour indices (int64).
    #[getter]
    fn indices<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        to_i64(self.inner.as_csr().1.to_vec()).into_pyarray(py)
    }

    /// Number of directed links (twice the number of neighbouring pairs).
    #[getter]
    fn n_links(&self) -> usize {
        self.inner.n_links()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Weights>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Weights(units={}, links={}, islands={})",
            self.inner.len(),
            self.inner.n_links(),
            self.inner.islands().len()
        )
    }
}

fn to_i64(v: Vec<usize>) -> Vec<i64> {
    v.into_iter().map(|x| x as i64).collect()
}

/// Checked `offsets[k]..offsets[k + 1]` as usize, within `0..=limit`.
fn span(offsets: &[i64], k: usize, limit: usize, what: &str) -> PyResult<(usize, usize)> {
    let bad = || PyValueError::new_err(format!("invalid {what} offsets at {k}"));
    let (&a, &b) = (
        offsets.get(k).ok_or_else(bad)?,
        offsets.get(k + 1).ok_or_else(bad)?,
    );
    let (a, b) = (
        usize::try_from(a).map_err(|_| bad())?,
        usize::try_from(b).map_err(|_| bad())?,
    );
    if a > b || b > limit {
        return Err(bad());
    }
    Ok((a, b))
}

/// MultiPolygons from shapely's ragged arrays of polygons (2 offset arrays) or
/// multipolygons (3 offset arrays).
fn polygons_from_ragged(xy: &[f64], offsets: &[&[i64]]) -> PyResult<Vec<MultiPolygon<f64>>> {
    let n_coords = xy.len() / 2;
    let (rings, parts, geoms): (&[i64], Option<&[i64]>, &[i64]) = match offsets {
        [rings, geoms] => (rings, None, geoms),
        [rings, parts, geoms] => (rings, Some(parts), geoms),
        _ => {
            return Err(PyValueError::new_err(
                "expected the 2 (polygons) or 3 (multipolygons) offset arrays of \
                 shapely.to_ragged_array",
            ));
        }
    };
    let n_rings = rings.len().saturating_sub(1);
    let ring = |r: usize| -> PyResult<LineString<f64>> {
        let (a, b) = span(rings, r, n_coords, "ring")?;
        Ok(LineString::new(
            (a..b)
                .map(|c| Coord {
                    x: xy[2 * c],
                    y: xy[2 * c + 1],
                })
                .collect(),
        ))
    };
    let polygon = |p: usize| -> PyResult<Option<Polygon<f64>>> {
        let (a, b) = match parts {
            Some(parts) => span(parts, p, n_rings, "part")?,
            None => (p, p + 1),
        };
        if a == b {
            return Ok(None);
        }
        let interiors = (a + 1..b).map(ring).collect::<PyResult<Vec<_>>>()?;
        Ok(Some(Polygon::new(ring(a)?, interiors)))
    };
    let n_parts = parts.map_or(n_rings, |p| p.len().saturating_sub(1));
    (0..geoms.len().saturating_sub(1))
        .map(|g| {
            let (a, b) = span(geoms, g, n_parts, "geometry")?;
            let parts = (a..b)
                .filter_map(|p| polygon(p).transpose())
                .collect::<PyResult<Vec<_>>>()?;
            Ok(MultiPolygon(parts))
        })
        .collect()
}

/// `_contiguity(coords, offsets, kind, tolerance) -> Weights` from shapely's ragged arrays.
#[pyfunction]
#[pyo3(signature = (coords, offsets, *, kind = "queen", tolerance = 0.0))]
pub(crate) fn _contiguity(
    py: Python<'_>,
    coords: PyReadonlyArray2<'_, f64>,
    offsets: Vec<PyReadonlyArray1<'_, i64>>,
    kind: &str,
    tolerance: f64,
) -> PyResult<Weights> {
    let kind = match kind {
        "queen" => quartier::Contiguity::Queen,
        "rook" => quartier::Contiguity::Rook,
        other => {
            return Err(PyValueError::new_err(format!(
                "kind must be \"queen\" or \"rook\", got {other:?}"
            )));
        }
    };
    if coords.shape()[1] != 2 {
        return Err(PyValueError::new_err(
            "coords must have 2 columns (x, y); pass include_z=False",
        ));
    }
    let xy = coords.as_slice().map_err(|_| {
        PyValueError::new_err("coords must be C-contiguous; pass np.ascontiguousarray(coords)")
    })?;
    let offsets = offsets
        .iter()
        .map(|o| contiguous("offsets", o))
        .collect::<PyResult<Vec<_>>>()?;
    let polygons = polygons_from_ragged(xy, &offsets)?;
    let inner = detached(py, || quartier::contiguity(&polygons, kind, tolerance))?;
    Ok(Weights { inner })
}

/// `moran(values, weights, *, permutations, seed) -> dict`: global Moran's I.
#[pyfunction]
#[pyo3(signature = (values, weights, *, permutations = 999, seed = 0))]
pub(crate) fn moran<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    weights: &Weights,
    permutations: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let y = contiguous("values", &values)?;
    let m = detached(py, || {
        quartier::moran(y, &weights.inner, permutations, seed)
    })?;
    let out = PyDict::new(py);
    out.set_item("I", m.i)?;
    out.set_item("EI", m.expected)?;
    out.set_item("VI_norm", m.variance_normal)?;
    out.set_item("z_norm", m.z_normal)?;
    out.set_item("p_norm", m.p_normal)?;
    out.set_item("permutations", permutations)?;
    let test = m.permutation.as_ref();
    out.set_item("p_sim", test.map(|t| t.p_sim))?;
    out.set_item("EI_sim", test.map(|t| t.mean))?;
    out.set_item("seI_sim", test.map(|t| t.sd))?;
    out.set_item("z_sim", test.and_then(|t| t.z))?;
    Ok(out)
}

/// `local_moran(values, weights, *, permutations, seed) -> dict`: local Moran's I (LISA).
#[pyfunction]
#[pyo3(signature = (values, weights, *, permutations = 999, seed = 0))]
pub(crate) fn local_moran<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    weights: &Weights,
    permutations: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let y = contiguous("values", &values)?;
    let local = detached(py, || {
        quartier::local_moran(y, &weights.inner, permutations, seed)
    })?;
    let quadrants: Vec<u8> = local.quadrant.iter().map(|q| q.code()).collect();
    let out = PyDict::new(py);
    out.set_item("Is", local.i.into_pyarray(py))?;
    out.set_item("q", quadrants.into_pyarray(py))?;
    out.set_item("p_sim", local.p_sim.map(|p| p.into_pyarray(py)))?;
    out.set_item("permutations", permutations)?;
    Ok(out)
}
