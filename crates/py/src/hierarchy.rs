//! `quartier.Hierarchy`: the spatial hierarchy Gemeinde → Ortsteil → Quartier → Baublock.

use std::path::PathBuf;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;

use crate::detached;

/// A validated spatial hierarchy of named levels, read from a block layer.
#[pyclass(frozen, module = "quartier", name = "Hierarchy")]
pub(crate) struct Hierarchy {
    inner: quartier::Hierarchy,
}

impl Hierarchy {
    pub(crate) fn new(inner: quartier::Hierarchy) -> Self {
        Self { inner }
    }

    pub(crate) fn inner(&self) -> &quartier::Hierarchy {
        &self.inner
    }
}

#[pymethods]
impl Hierarchy {
    /// Reads a GeoJSON block layer and builds the hierarchy (upper levels dissolved).
    #[staticmethod]
    #[pyo3(signature = (path, *, levels = None, id_fields = None, name_field = None))]
    fn from_geojson(
        py: Python<'_>,
        path: PathBuf,
        levels: Option<Vec<String>>,
        id_fields: Option<Vec<String>>,
        name_field: Option<String>,
    ) -> PyResult<Self> {
        let mut spec = quartier::BlockLayerSpec::default_fields();
        if let Some(levels) = levels {
            spec.levels = levels;
        }
        if let Some(id_fields) = id_fields {
            spec.id_fields = id_fields;
        }
        spec.name_field = name_field;
        let (inner, _report) = detached(py, || quartier::read_hierarchy(&path, &spec))?;
        Ok(Self::new(inner))
    }

    /// The level names, from the top to the blocks.
    #[getter]
    fn levels(&self) -> Vec<String> {
        self.inner.levels().to_vec()
    }

    /// The unit ids of a level, sorted by id.
    fn units(&self, level: &str) -> PyResult<Vec<String>> {
        let l = self
            .inner
            .level(level)
            .ok_or_else(|| PyKeyError::new_err(format!("no level named {level:?}")))?;
        Ok(self
            .inner
            .units(l)
            .iter()
            .map(|u| u.id().as_str().to_owned())
            .collect())
    }

    fn __repr__(&self) -> String {
        let sizes: Vec<String> = self
            .inner
            .levels()
            .iter()
            .enumerate()
            .map(|(l, name)| format!("{name}={}", self.inner.units(l).len()))
            .collect();
        format!("Hierarchy({})", sizes.join(", "))
    }
}
