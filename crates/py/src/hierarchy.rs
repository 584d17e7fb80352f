//! `quartier.Hierarchy`: the spatial hierarchy Gemeinde → Ortsteil → Quartier → Baublock.

use std::path::PathBuf;

use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyMapping, PyString, PyTuple};

use crate::detached;

/// Ids, names, parent ids and WKB geometries of one level's units.
type UnitColumns<'py> = (
    Vec<String>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Bound<'py, PyBytes>>,
);

/// The block layer spec of `from_geojson` / `from_geopackage`: the core's default fields,
/// replaced by whatever is given.
fn layer_spec(
    levels: Option<Vec<String>>,
    id_fields: Option<Vec<String>>,
    name_field: Option<String>,
) -> quartier::BlockLayerSpec {
    let mut spec = quartier::BlockLayerSpec::default_fields();
    if let Some(levels) = levels {
        spec.levels = levels;
    }
    if let Some(id_fields) = id_fields {
        spec.id_fields = id_fields;
    }
    spec.name_field = name_field;
    spec
}

/// The name of an object's type, for a `TypeError` message.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// A column of `str | None` from any iterable (a list, a tuple, a NumPy object array, ...).
fn text_column(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Option<String>>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a sequence of str, not a single str"
        )));
    }
    obj.try_iter()?
        .enumerate()
        .map(|(i, item)| {
            let item = item?;
            if item.is_none() {
                Ok(None)
            } else if let Ok(s) = item.cast::<PyString>() {
                Ok(Some(s.to_cow()?.into_owned()))
            } else {
                Err(PyTypeError::new_err(format!(
                    "{what}[{i}] is {}, expected str or None",
                    type_name(&item)
                )))
            }
        })
        .collect()
}

/// The WKB geometries (`bytes | None`) of any iterable, borrowed without copying.
fn wkb_column<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Vec<Option<Bound<'py, PyBytes>>>> {
    obj.try_iter()?
        .enumerate()
        .map(|(i, item)| {
            let item = item?;
            if item.is_none() {
                Ok(None)
            } else {
                item.cast_into::<PyBytes>().map(Some).map_err(|e| {
                    PyTypeError::new_err(format!(
                        "geometries[{i}] is {}, expected bytes (WKB) or None",
                        type_name(e.into_inner().as_any())
                    ))
                })
            }
        })
        .collect()
}

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
        let spec = layer_spec(levels, id_fields, name_field);
        let (inner, _report) = detached(py, || quartier::read_hierarchy(&path, &spec))?;
        Ok(Self::new(inner))
    }

    /// Reads a GeoPackage block layer and builds the hierarchy (upper levels dissolved).
    #[staticmethod]
    #[pyo3(signature = (path, *, layer = None, levels = None, id_fields = None, name_field = None))]
    fn from_geopackage(
        py: Python<'_>,
        path: PathBuf,
        layer: Option<String>,
        levels: Option<Vec<String>>,
        id_fields: Option<Vec<String>>,
        name_field: Option<String>,
    ) -> PyResult<Self> {
        let spec = layer_spec(levels, id_fields, name_field);
        let (inner, _report) = detached(py, || {
            quartier::read_hierarchy_gpkg(&path, layer.as_deref(), &spec)
        })?;
        Ok(Self::new(inner))
    }

    /// Builds the hierarchy from WKB geometries and id columns in one call.
    #[staticmethod]
    #[pyo3(signature = (geometries, ids, *, levels = None, names = None))]
    fn from_wkb(
        py: Python<'_>,
        geometries: &Bound<'_, PyAny>,
        ids: &Bound<'_, PyAny>,
        levels: Option<Vec<String>>,
        names: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let blobs = wkb_column(geometries)?;
        let (levels, ids) = if let Ok(map) = ids.cast::<PyMapping>() {
            let levels = match levels {
                Some(levels) => levels,
                None => map.keys()?.extract()?,
            };
            let columns = levels
                .iter()
                .map(|level| {
                    let column = map.get_item(level).map_err(|_| {
                        PyKeyError::new_err(format!("ids has no column for level {level:?}"))
                    })?;
                    text_column(&column, &format!("ids[{level:?}]"))
                })
                .collect::<PyResult<Vec<_>>>()?;
            (levels, columns)
        } else {
            let levels = levels.unwrap_or_else(quartier::WkbBlockColumns::default_levels);
            let columns = ids
                .try_iter()?
                .enumerate()
                .map(|(i, column)| text_column(&column?, &format!("ids[{i}]")))
                .collect::<PyResult<Vec<_>>>()?;
            (levels, columns)
        };
        let names = names.map(|n| text_column(n, "names")).transpose()?;
        let columns = quartier::WkbBlockColumns {
            levels,
            geometries: blobs
                .iter()
                .map(|b| b.as_ref().map(|b| b.as_bytes()))
                .collect(),
            ids,
            names,
        };
        let (inner, _report) = detached(py, || quartier::read_hierarchy_wkb(&columns))?;
        Ok(Self::new(inner))
    }

    /// The default level names, from the top to the blocks.
    #[classattr]
    #[pyo3(name = "DEFAULT_LEVELS")]
    fn default_levels(py: Python<'_>) -> PyResult<Py<PyTuple>> {
        Ok(PyTuple::new(py, quartier::DEFAULT_LEVELS)?.unbind())
    }

    /// The default id fields (columns), one per default level.
    #[classattr]
    #[pyo3(name = "DEFAULT_ID_FIELDS")]
    fn default_id_fields(py: Python<'_>) -> PyResult<Py<PyTuple>> {
        let spec = quartier::BlockLayerSpec::default_fields();
        Ok(PyTuple::new(py, spec.id_fields)?.unbind())
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

    /// The units of a level as columns: ids, names, parent ids and geometries as WKB (in
    /// hierarchy order), for `quartier.hierarchy_to_geodataframe`.
    fn _units_wkb<'py>(&self, py: Python<'py>, level: &str) -> PyResult<UnitColumns<'py>> {
        let l = self
            .inner
            .level(level)
            .ok_or_else(|| PyKeyError::new_err(format!("no level named {level:?}")))?;
        let units = self.inner.units(l);
        let parents = l.checked_sub(1).map(|p| self.inner.units(p));
        let ids = units.iter().map(|u| u.id().as_str().to_owned()).collect();
        let names = units.iter().map(|u| u.name().map(str::to_owned)).collect();
        let parent_ids = units
            .iter()
            .map(|u| {
                u.parent()
                    .and_then(|p| parents.and_then(|ps| ps.get(p)))
                    .map(|p| p.id().as_str().to_owned())
            })
            .collect();
        let wkb = units
            .iter()
            .map(|u| PyBytes::new(py, &quartier::multipolygon_to_wkb(u.geometry())))
            .collect();
        Ok((ids, names, parent_ids, wkb))
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
