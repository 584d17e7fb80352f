//! Reading a polygon layer from an ESRI Shapefile (`.shp` + `.shx` + `.dbf`).
//!
//! Many offices keep their block layers as Shapefiles exported from ALKIS or QGIS. Only
//! `Polygon` shapes (with or without Z/M) are accepted; an empty (`Null`) shape, another shape
//! type, a missing or empty id, a duplicate id or an invalid geometry is an error naming the
//! file, the record (0-based, as in QGIS's feature ids) and the field.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use geo::MultiPolygon;
use shapefile::dbase::FieldValue;
use shapefile::{Shape, ShapeType};

use super::IoError;
use crate::hierarchy::{GeometryProblem, UnitId, geometry_problem};

/// What is wrong with a Shapefile or one of its records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapefileProblem {
    /// The file set is unreadable or corrupt (`.shp`, `.shx` or `.dbf`).
    Corrupt,
    /// The id field is not in the attribute table, or empty for this record.
    MissingField,
    /// The id field has a type that cannot be an id (e.g. a date or a logical).
    FieldType {
        /// The dBase type found.
        found: &'static str,
    },
    /// The shape is not a polygon.
    UnsupportedShape {
        /// The shape type found.
        found: String,
    },
    /// The geometry is invalid.
    InvalidGeometry {
        /// What is wrong.
        problem: GeometryProblem,
    },
    /// A hole (inner ring) comes before any outer ring.
    OrphanedInnerRing,
    /// Two records have the same id.
    DuplicateId {
        /// The record that used the id first.
        first_record: usize,
    },
}

impl fmt::Display for ShapefileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Corrupt => f.write_str("unreadable or corrupt shapefile"),
            Self::MissingField => f.write_str("missing or empty field"),
            Self::FieldType { found } => write!(f, "field of type {found} cannot be an id"),
            Self::UnsupportedShape { found } => {
                write!(f, "shape type {found} is not supported (polygons only)")
            }
            Self::InvalidGeometry { problem } => write!(f, "invalid geometry: {problem}"),
            Self::OrphanedInnerRing => f.write_str("a hole comes before any outer ring"),
            Self::DuplicateId { first_record } => {
                write!(f, "duplicate id, first used by record {first_record}")
            }
        }
    }
}

fn error(
    path: &Path,
    record: Option<usize>,
    field: Option<&str>,
    problem: ShapefileProblem,
) -> IoError {
    IoError::Shapefile {
        path: PathBuf::from(path),
        record,
        field: field.map(str::to_owned),
        problem,
    }
}

fn trimmed(s: &str) -> Option<String> {
    Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The id text of a dBase value: strings trimmed, whole numbers without a decimal part.
fn id_text(value: &FieldValue) -> Result<Option<String>, &'static str> {
    let whole = |v: f64| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{v:.0}")
        } else {
            v.to_string()
        }
    };
    Ok(match value {
        FieldValue::Character(s) => s.as_deref().and_then(trimmed),
        FieldValue::Memo(s) => trimmed(s),
        FieldValue::Numeric(v) => v.map(whole),
        FieldValue::Float(v) => v.map(|v| whole(f64::from(v))),
        FieldValue::Integer(v) => Some(v.to_string()),
        FieldValue::Double(v) => Some(whole(*v)),
        FieldValue::Currency(_) => return Err("currency"),
        FieldValue::Logical(_) => return Err("logical"),
        FieldValue::Date(_) => return Err("date"),
        FieldValue::DateTime(_) => return Err("datetime"),
    })
}

/// Reads a flat polygon layer from a Shapefile: ids from `id_field`, in file order.
///
/// Geometries are validated as in [`crate::HierarchyBuilder`] (non-empty, finite, rings of
/// at least 4 points, no self-intersection) and ids must be unique. Coordinates are taken as
/// they are: the layer must already be in the project CRS.
///
/// # Errors
///
/// [`IoError::Shapefile`] naming the file, the record and the field for every problem
/// listed in [`ShapefileProblem`]; never a value of the record.
pub fn read_units_shapefile(
    path: &Path,
    id_field: &str,
) -> Result<Vec<(UnitId, MultiPolygon<f64>)>, IoError> {
    let mut reader = shapefile::Reader::from_path(path).map_err(|e| match e {
        shapefile::Error::IoError(io) => IoError::file(path, io),
        _ => error(path, None, None, ShapefileProblem::Corrupt),
    })?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (record_no, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) =
            item.map_err(|_| error(path, Some(record_no), None, ShapefileProblem::Corrupt))?;
        let field_err = |p| error(path, Some(record_no), Some(id_field), p);
        let id = record
            .get(id_field)
            .ok_or_else(|| field_err(ShapefileProblem::MissingField))?;
        let id = id_text(id)
            .map_err(|found| field_err(ShapefileProblem::FieldType { found }))?
            .ok_or_else(|| field_err(ShapefileProblem::MissingField))?;
        if let Some(&first_record) = seen.get(&id) {
            return Err(field_err(ShapefileProblem::DuplicateId { first_record }));
        }
        let geom_err = |p| error(path, Some(record_no), None, p);
        let converted: Result<MultiPolygon<f64>, _> = match shape {
            Shape::Polygon(p) => p.try_into(),
            Shape::PolygonZ(p) => p.try_into(),
            Shape::PolygonM(p) => p.try_into(),
            other => {
                let found = match other {
                    Shape::NullShape => ShapeType::NullShape,
                    ref s => s.shapetype(),
                };
                return Err(geom_err(ShapefileProblem::UnsupportedShape {
                    found: found.to_string(),
                }));
            }
        };
        // The only conversion failure is an inner ring before any outer ring.
        let geometry = converted.map_err(|_| geom_err(ShapefileProblem::OrphanedInnerRing))?;
        if let Some(problem) = geometry_problem(&geometry) {
            return Err(geom_err(ShapefileProblem::InvalidGeometry { problem }));
        }
        seen.insert(id.clone(), record_no);
        out.push((UnitId::new(id), geometry));
    }
    Ok(out)
}
