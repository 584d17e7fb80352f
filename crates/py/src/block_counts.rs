//! `BlockCounts`: records of a chunk or partition counted on the blocks (the core's
//! `quartier::BlockCounts`). Picklable and mergeable, so that partitions counted in other
//! processes (Dask, Spark) can be sent back and added up before one protection run.

use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use quartier::{AssignSummary, RecordKind};

/// The state pickle carries per dataset: name, counts, and the outcome counts
/// `(total, assigned, snapped, invalid_coordinate, outside, no_coordinate)`.
type DatasetState<'py> = (String, PyReadonlyArray1<'py, u64>, [usize; 6]);

/// Records counted on the blocks, per dataset (raw counts: they stay in the sealed office).
#[pyclass(module = "quartier._quartier", frozen)]
pub(crate) struct BlockCounts {
    inner: quartier::BlockCounts,
}

impl BlockCounts {
    pub(crate) fn new(inner: quartier::BlockCounts) -> Self {
        Self { inner }
    }

    pub(crate) fn inner(&self) -> &quartier::BlockCounts {
        &self.inner
    }
}

fn kind(name: &str) -> PyResult<RecordKind> {
    RecordKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| PyValueError::new_err(format!("unknown dataset `{name}`")))
}

#[pymethods]
impl BlockCounts {
    /// Number of blocks the records were counted on.
    #[getter]
    fn blocks(&self) -> usize {
        self.inner.blocks()
    }

    /// The snap distance the records were assigned with (metres), or None.
    #[getter]
    fn snap(&self) -> Option<f64> {
        self.inner.assign().snap_distance
    }

    /// The sum of these counts and `other`'s (counted on the same blocks).
    fn __add__(&self, other: &BlockCounts) -> PyResult<BlockCounts> {
        let mut sum = self.inner.clone();
        sum.merge(&other.inner)
            .map_err(|e| crate::exceptions::to_pyerr(e.into()))?;
        Ok(BlockCounts::new(sum))
    }

    /// Where the records of a dataset ended: ``read``, ``assigned``, ``snapped``,
    /// ``no_coordinate``, ``invalid_coordinate``, ``outside``.
    fn summary<'py>(&self, py: Python<'py>, dataset: &str) -> PyResult<Bound<'py, PyDict>> {
        let k = kind(dataset)?;
        let s = self.inner.summary(k);
        let no_coordinate = self.inner.no_coordinate(k);
        let d = PyDict::new(py);
        d.set_item("read", s.total)?;
        d.set_item("assigned", s.assigned)?;
        d.set_item("snapped", s.snapped)?;
        d.set_item("no_coordinate", no_coordinate)?;
        d.set_item("invalid_coordinate", s.invalid_coordinate - no_coordinate)?;
        d.set_item("outside", s.outside)?;
        Ok(d)
    }

    /// The counts of a dataset as a ``(blocks, categories)`` array, blocks in the order of
    /// ``hierarchy.units(block level)``.
    fn counts<'py>(&self, py: Python<'py>, dataset: &str) -> PyResult<Bound<'py, PyAny>> {
        let k = kind(dataset)?;
        let array = self.inner.counts(k).to_vec().into_pyarray(py);
        Ok(array
            .reshape([self.inner.blocks(), k.categories().len()])?
            .into_any())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let datasets = RecordKind::ALL
            .into_iter()
            .map(|k| {
                let s = self.inner.summary(k);
                let outcomes = [
                    s.total,
                    s.assigned,
                    s.snapped,
                    s.invalid_coordinate,
                    s.outside,
                    self.inner.no_coordinate(k),
                ];
                let counts: Bound<'py, PyArray1<u64>> =
                    self.inner.counts(k).to_vec().into_pyarray(py);
                (k.name(), counts, outcomes)
            })
            .collect::<Vec<_>>();
        let rebuild = py.get_type::<BlockCounts>().getattr("_from_state")?;
        let snap = self.inner.assign().snap_distance;
        let args =
            (self.inner.blocks(), self.inner.layer_key(), snap, datasets).into_pyobject(py)?;
        PyTuple::new(py, [rebuild.into_any(), args.into_any()])
    }

    /// Rebuilds counts from the state `__reduce__` gives (for pickle); the parts are checked
    /// against each other.
    #[staticmethod]
    fn _from_state(
        blocks: usize,
        layer: u64,
        snap: Option<f64>,
        datasets: Vec<DatasetState<'_>>,
    ) -> PyResult<BlockCounts> {
        let assign = quartier::AssignOptions {
            snap_distance: snap,
        };
        let mut inner = quartier::BlockCounts::new(blocks, assign).for_layer(layer);
        for (name, counts, o) in datasets {
            let summary = AssignSummary {
                total: o[0],
                assigned: o[1],
                snapped: o[2],
                invalid_coordinate: o[3],
                outside: o[4],
            };
            inner
                .set(kind(&name)?, counts.as_array().to_vec(), summary, o[5])
                .map_err(|e| crate::exceptions::to_pyerr(e.into()))?;
        }
        Ok(BlockCounts::new(inner))
    }

    fn __eq__(&self, other: &BlockCounts) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        let read: Vec<String> = RecordKind::ALL
            .into_iter()
            .map(|k| format!("{}={}", k.name(), self.inner.summary(k).total))
            .collect();
        format!(
            "BlockCounts(blocks={}, {})",
            self.inner.blocks(),
            read.join(", ")
        )
    }
}
