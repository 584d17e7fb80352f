//! Doc-hidden generators of the synthetic town used by the benchmarks and the tests.
//!
//! Python gets exactly the blocks and points the Rust benches use, so that quartier and its
//! peers (shapely, geopandas) are compared on the same data.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::detached;
use crate::index::UnitIndex;

/// Ids, GeoJSON geometries (one string per block), x and y of the synthetic town.
type Synthetic<'py> = (
    Vec<String>,
    Vec<String>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// `_synthetic(n_blocks, n_points, boundary_share, seed) -> (ids, geojson, x, y)`.
///
/// Blocks are generated with `seed` and points with `seed + 1`, as the Rust bench
/// `benches/benches/assign.rs` does (42 and 43), so the default data are the bench's data.
#[pyfunction]
#[pyo3(signature = (n_blocks, n_points, boundary_share, seed))]
pub(crate) fn _synthetic(
    py: Python<'_>,
    n_blocks: usize,
    n_points: usize,
    boundary_share: f64,
    seed: u64,
) -> PyResult<Synthetic<'_>> {
    let (ids, geojson, xs, ys) = detached(py, || {
        let blocks = quartier::synthetic_blocks(n_blocks, seed);
        let (xs, ys) =
            quartier::synthetic_points(&blocks, n_points, boundary_share, seed.wrapping_add(1));
        let mut ids = Vec::with_capacity(blocks.len());
        let mut geojson = Vec::with_capacity(blocks.len());
        for (id, polygon) in &blocks {
            ids.push(id.as_str().to_owned());
            geojson.push(geojson::Geometry::new(geojson::GeometryValue::from(polygon)).to_string());
        }
        Ok::<_, quartier::Error>((ids, geojson, xs, ys))
    })?;
    Ok((ids, geojson, xs.into_pyarray(py), ys.into_pyarray(py)))
}

/// `_synthetic_index(n_blocks, seed) -> UnitIndex` over the blocks of `_synthetic`.
#[pyfunction]
#[pyo3(signature = (n_blocks, seed))]
pub(crate) fn _synthetic_index(py: Python<'_>, n_blocks: usize, seed: u64) -> PyResult<UnitIndex> {
    let inner = detached(py, || {
        quartier::UnitIndex::new(quartier::synthetic_blocks(n_blocks, seed))
    })?;
    Ok(UnitIndex::new(inner))
}
