//! GeoJSON layers: the block layer of a hierarchy, flat unit layers, and unit output.
//!
//! Input is an RFC 7946 `FeatureCollection` of `Polygon` or `MultiPolygon` features in the
//! project CRS (metres). Ids may be strings or integers (integers become their decimal text;
//! integral floats such as `101.0`, common after shapefile conversions, count as integers).
//! Errors name the file, the feature index and the field, never a value of a feature.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use ::geojson::{Feature, Geometry, GeometryValue, JsonObject, JsonValue, Position};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::Deserialize;

use super::{IoError, write_atomic};
use crate::hierarchy::{
    BlockFeature, DEFAULT_LEVELS, GeometryProblem, Hierarchy, UnitFeature, UnitId,
    ValidationReport, geometry_problem,
};

/// What is wrong with a GeoJSON file, a feature or a field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeoJsonProblem {
    /// The file is not valid JSON, or not valid GeoJSON in its structure.
    Malformed {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The kind of error.
        kind: JsonErrorKind,
    },
    /// The top-level object is not a `FeatureCollection`.
    NotFeatureCollection {
        /// The `type` found instead (at most 40 characters).
        found: String,
    },
    /// The `FeatureCollection` has no feature.
    EmptyCollection,
    /// A required field (property) is missing or null.
    MissingField,
    /// A field has a type that cannot be used.
    FieldType {
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// The feature's geometry is neither `Polygon` nor `MultiPolygon`.
    UnsupportedGeometry {
        /// The geometry type found.
        found: &'static str,
    },
    /// The feature has no geometry (where one is required).
    MissingGeometry,
    /// A position has fewer than two coordinates.
    ShortPosition,
    /// The geometry is invalid.
    InvalidGeometry {
        /// What is wrong.
        problem: GeometryProblem,
    },
    /// Two features have the same id.
    DuplicateId {
        /// Index of the first feature with this id.
        first_feature: usize,
    },
    /// A [`BlockLayerSpec`] names a different number of levels and id fields.
    SpecMismatch {
        /// Number of levels.
        levels: usize,
        /// Number of id fields.
        id_fields: usize,
    },
}

impl fmt::Display for GeoJsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoJsonProblem::Malformed { line, column, kind } => {
                write!(f, "{kind} at line {line}, column {column}")
            }
            GeoJsonProblem::NotFeatureCollection { found } => {
                write!(f, "expected a FeatureCollection, found type `{found}`")
            }
            GeoJsonProblem::EmptyCollection => f.write_str("the FeatureCollection has no feature"),
            GeoJsonProblem::MissingField => f.write_str("missing or null"),
            GeoJsonProblem::FieldType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            GeoJsonProblem::UnsupportedGeometry { found } => write!(
                f,
                "geometry type {found} is not supported (Polygon or MultiPolygon expected)"
            ),
            GeoJsonProblem::MissingGeometry => f.write_str("the feature has no geometry"),
            GeoJsonProblem::ShortPosition => {
                f.write_str("a position has fewer than two coordinates")
            }
            GeoJsonProblem::InvalidGeometry { problem } => write!(f, "invalid geometry: {problem}"),
            GeoJsonProblem::DuplicateId { first_feature } => {
                write!(f, "duplicate id, first used by feature {first_feature}")
            }
            GeoJsonProblem::SpecMismatch { levels, id_fields } => write!(
                f,
                "the layer spec names {levels} levels but {id_fields} id fields"
            ),
        }
    }
}

/// The kind of a JSON parse error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not valid JSON.
    Syntax,
    /// Valid JSON, but not the structure GeoJSON requires.
    Structure,
    /// The file ends in the middle of a value.
    Eof,
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonErrorKind::Syntax => "malformed json",
            JsonErrorKind::Structure => "json that is not valid geojson",
            JsonErrorKind::Eof => "unexpected end of file",
        })
    }
}

/// Formats the ", feature 3, field `x`" part of an [`IoError::GeoJson`] message.
pub(crate) fn location(feature: &Option<usize>, field: &Option<String>) -> String {
    let mut s = String::new();
    if let Some(feature) = feature {
        s.push_str(&format!(": feature {feature}"));
    }
    if let Some(field) = field {
        s.push_str(&format!(", field `{field}`"));
    }
    s
}

/// Which properties of a block layer hold the ids of each level and the block name.
///
/// # Examples
///
/// ```
/// use quartier::BlockLayerSpec;
///
/// let spec = BlockLayerSpec::default_fields();
/// assert_eq!(spec.levels, ["gemeinde", "ortsteil", "quartier", "baublock"]);
/// assert_eq!(spec.id_fields[3], "block_id");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockLayerSpec {
    /// The level names, from the top to the blocks.
    pub levels: Vec<String>,
    /// The property holding each level's id; one per level, same order.
    pub id_fields: Vec<String>,
    /// The property holding the block's name, if any.
    pub name_field: Option<String>,
}

impl BlockLayerSpec {
    /// The default levels [`DEFAULT_LEVELS`] with id fields `gemeinde_id`, `ortsteil_id`,
    /// `quartier_id` and `block_id`, and no name field.
    pub fn default_fields() -> Self {
        Self {
            levels: DEFAULT_LEVELS.iter().map(|s| (*s).to_owned()).collect(),
            id_fields: ["gemeinde_id", "ortsteil_id", "quartier_id", "block_id"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            name_field: None,
        }
    }
}

/// The top level of a GeoJSON file; other members are skipped without being stored.
#[derive(Deserialize)]
struct TopLevel {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    features: Option<Vec<Feature>>,
}

fn error(
    path: &Path,
    feature: Option<usize>,
    field: Option<&str>,
    problem: GeoJsonProblem,
) -> IoError {
    IoError::GeoJson {
        path: path.to_path_buf(),
        feature,
        field: field.map(str::to_owned),
        problem,
    }
}

/// Reads and parses a file into its features; errors for anything but a non-empty
/// `FeatureCollection`.
fn read_features(path: &Path) -> Result<Vec<Feature>, IoError> {
    let bytes = fs::read(path).map_err(|e| IoError::file(path, e))?;
    let top: TopLevel = serde_json::from_slice(&bytes).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                JsonErrorKind::Syntax
            }
            serde_json::error::Category::Data => JsonErrorKind::Structure,
            serde_json::error::Category::Eof => JsonErrorKind::Eof,
        };
        let problem = GeoJsonProblem::Malformed {
            line: e.line(),
            column: e.column(),
            kind,
        };
        error(path, None, None, problem)
    })?;
    if top.kind != "FeatureCollection" {
        let found: String = top.kind.chars().take(40).collect();
        return Err(error(
            path,
            None,
            None,
            GeoJsonProblem::NotFeatureCollection { found },
        ));
    }
    let features = top
        .features
        .ok_or_else(|| error(path, None, Some("features"), GeoJsonProblem::MissingField))?;
    if features.is_empty() {
        return Err(error(path, None, None, GeoJsonProblem::EmptyCollection));
    }
    Ok(features)
}

fn json_type(v: &JsonValue) -> &'static str {
    match v {
        JsonValue::Null => "null",
        JsonValue::Bool(_) => "a boolean",
        JsonValue::Number(_) => "a number",
        JsonValue::String(_) => "a string",
        JsonValue::Array(_) => "an array",
        JsonValue::Object(_) => "an object",
    }
}

/// An id or name from a property: strings as they are, integers as decimal text.
fn text_value(v: &JsonValue) -> Result<Option<String>, GeoJsonProblem> {
    const EXPECTED: &str = "a string or an integer";
    match v {
        JsonValue::Null => Ok(None),
        JsonValue::String(s) => Ok(Some(s.clone())),
        JsonValue::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i.to_string()))
            } else if let Some(u) = n.as_u64() {
                Ok(Some(u.to_string()))
            } else {
                match n.as_f64() {
                    // Integral and exactly representable: the cast is exact.
                    Some(x) if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 => {
                        Ok(Some(format!("{}", x as i64)))
                    }
                    _ => Err(GeoJsonProblem::FieldType {
                        expected: EXPECTED,
                        found: "a number with a fraction",
                    }),
                }
            }
        }
        other => Err(GeoJsonProblem::FieldType {
            expected: EXPECTED,
            found: json_type(other),
        }),
    }
}

fn property<'a>(properties: Option<&'a JsonObject>, field: &str) -> Option<&'a JsonValue> {
    properties.and_then(|p| p.get(field))
}

/// A required id field of feature `index`.
fn required_id(
    path: &Path,
    index: usize,
    properties: Option<&JsonObject>,
    field: &str,
) -> Result<String, IoError> {
    let v = property(properties, field)
        .ok_or_else(|| error(path, Some(index), Some(field), GeoJsonProblem::MissingField))?;
    text_value(v)
        .map_err(|p| error(path, Some(index), Some(field), p))?
        .ok_or_else(|| error(path, Some(index), Some(field), GeoJsonProblem::MissingField))
}

/// An optional name field of feature `index`: missing or null is `None`.
fn optional_name(
    path: &Path,
    index: usize,
    properties: Option<&JsonObject>,
    field: Option<&str>,
) -> Result<Option<String>, IoError> {
    let Some(field) = field else { return Ok(None) };
    match property(properties, field) {
        None => Ok(None),
        Some(v) => text_value(v).map_err(|p| error(path, Some(index), Some(field), p)),
    }
}

/// A polygon geometry converted to geo types; `unclosed` tells whether any raw ring was not
/// closed (geo-types closes it).
struct Converted {
    geometry: MultiPolygon<f64>,
    unclosed: bool,
}

fn convert_ring(ring: &[Position], unclosed: &mut bool) -> Result<LineString<f64>, GeoJsonProblem> {
    let mut coords = Vec::with_capacity(ring.len());
    for p in ring {
        let s = p.as_slice();
        if s.len() < 2 {
            return Err(GeoJsonProblem::ShortPosition);
        }
        coords.push(Coord { x: s[0], y: s[1] });
    }
    if coords.first() != coords.last() {
        *unclosed = true;
    }
    Ok(LineString::new(coords))
}

fn convert_polygon(
    rings: &[Vec<Position>],
    unclosed: &mut bool,
) -> Result<Polygon<f64>, GeoJsonProblem> {
    let mut it = rings.iter();
    let exterior = match it.next() {
        Some(r) => convert_ring(r, unclosed)?,
        None => LineString::new(Vec::new()),
    };
    let interiors = it
        .map(|r| convert_ring(r, unclosed))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

/// Converts a feature's geometry; `None` for a feature without geometry.
fn convert_geometry(geometry: Option<&Geometry>) -> Result<Option<Converted>, GeoJsonProblem> {
    let Some(geometry) = geometry else {
        return Ok(None);
    };
    let mut unclosed = false;
    let polygons = match &geometry.value {
        GeometryValue::Polygon { coordinates } => {
            vec![convert_polygon(coordinates, &mut unclosed)?]
        }
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .map(|p| convert_polygon(p, &mut unclosed))
            .collect::<Result<Vec<_>, _>>()?,
        other => {
            return Err(GeoJsonProblem::UnsupportedGeometry {
                found: other.type_name(),
            });
        }
    };
    Ok(Some(Converted {
        geometry: MultiPolygon::new(polygons),
        unclosed,
    }))
}

/// The block layer with the unclosed-ring flags of its features.
fn read_block_layer(
    path: &Path,
    spec: &BlockLayerSpec,
) -> Result<Vec<(BlockFeature, bool)>, IoError> {
    if spec.levels.len() != spec.id_fields.len() {
        return Err(error(
            path,
            None,
            None,
            GeoJsonProblem::SpecMismatch {
                levels: spec.levels.len(),
                id_fields: spec.id_fields.len(),
            },
        ));
    }
    let features = read_features(path)?;
    let mut out = Vec::with_capacity(features.len());
    for (index, f) in features.iter().enumerate() {
        let props = f.properties.as_ref();
        let ids = spec
            .id_fields
            .iter()
            .map(|field| required_id(path, index, props, field))
            .collect::<Result<Vec<_>, _>>()?;
        let name = optional_name(path, index, props, spec.name_field.as_deref())?;
        let converted =
            convert_geometry(f.geometry.as_ref()).map_err(|p| error(path, Some(index), None, p))?;
        let (geometry, unclosed) = match converted {
            Some(c) => (c.geometry, c.unclosed),
            // No geometry: an empty one, which validation reports as `Empty`.
            None => (MultiPolygon::new(Vec::new()), false),
        };
        out.push((
            BlockFeature {
                feature: index,
                ids,
                name,
                geometry,
            },
            unclosed,
        ));
    }
    Ok(out)
}

/// Reads a block layer: one [`BlockFeature`] per feature, with the ids of all levels from
/// `spec.id_fields` and the name from `spec.name_field`.
///
/// A feature with a null geometry gets an empty geometry (which validation reports). Use
/// [`read_hierarchy`] to get every problem of the layer as a finding instead of an error.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("blocks.geojson");
/// std::fs::write(&path, r#"{"type": "FeatureCollection", "features": [
///   {"type": "Feature", "properties": {"q": "Q1", "b": 17},
///    "geometry": {"type": "Polygon", "coordinates": [[[0,0],[10,0],[10,10],[0,10],[0,0]]]}}]}"#)?;
/// let spec = quartier::BlockLayerSpec {
///     levels: vec!["quartier".into(), "baublock".into()],
///     id_fields: vec!["q".into(), "b".into()],
///     name_field: None,
/// };
/// let blocks = quartier::read_block_features(&path, &spec)?;
/// assert_eq!(blocks[0].ids, ["Q1", "17"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::GeoJson`] for malformed JSON
/// (with line and column), anything but a non-empty `FeatureCollection`, a missing or unusable
/// id field, a geometry other than `Polygon`/`MultiPolygon`, an unclosed ring, or a spec with
/// different numbers of levels and id fields.
pub fn read_block_features(
    path: &Path,
    spec: &BlockLayerSpec,
) -> Result<Vec<BlockFeature>, IoError> {
    read_block_layer(path, spec)?
        .into_iter()
        .map(|(b, unclosed)| {
            if unclosed {
                Err(error(
                    path,
                    Some(b.feature),
                    None,
                    GeoJsonProblem::InvalidGeometry {
                        problem: GeometryProblem::UnclosedRing,
                    },
                ))
            } else {
                Ok(b)
            }
        })
        .collect()
}

/// Reads a block layer and builds the hierarchy from it (upper levels dissolved from the
/// blocks, default tolerances).
///
/// Unclosed rings are reported as [`GeometryProblem::UnclosedRing`] findings together with
/// all other findings of validation.
///
/// # Errors
///
/// [`crate::Error::Io`] as for [`read_block_features`] (except unclosed rings);
/// [`crate::Error::Hierarchy`] with [`crate::HierarchyError::Invalid`] (holding the full
/// report) when validation finds errors.
pub fn read_hierarchy(
    path: &Path,
    spec: &BlockLayerSpec,
) -> Result<(Hierarchy, ValidationReport), crate::Error> {
    let layer = read_block_layer(path, spec)?;
    super::wkb::build_hierarchy(&spec.levels, layer)
}

/// Reads a flat layer of upper-level units (e.g. official quarter boundaries) to pass to
/// [`HierarchyBuilder::add_unit`](crate::HierarchyBuilder::add_unit); ids from `id_field`, names from `name_field`.
///
/// A feature with a null geometry gets `geometry: None` (the unit is then dissolved from its
/// blocks).
///
/// # Errors
///
/// As [`read_block_features`], for the id field and the geometry.
pub fn read_unit_features(
    path: &Path,
    id_field: &str,
    name_field: Option<&str>,
) -> Result<Vec<UnitFeature>, IoError> {
    let features = read_features(path)?;
    features
        .iter()
        .enumerate()
        .map(|(index, f)| {
            let props = f.properties.as_ref();
            let id = required_id(path, index, props, id_field)?;
            let name = optional_name(path, index, props, name_field)?;
            let converted = convert_geometry(f.geometry.as_ref())
                .map_err(|p| error(path, Some(index), None, p))?;
            let geometry = match converted {
                Some(c) if c.unclosed => {
                    return Err(error(
                        path,
                        Some(index),
                        None,
                        GeoJsonProblem::InvalidGeometry {
                            problem: GeometryProblem::UnclosedRing,
                        },
                    ));
                }
                Some(c) => Some(c.geometry),
                None => None,
            };
            Ok(UnitFeature {
                feature: index,
                id,
                name,
                geometry,
            })
        })
        .collect()
}

/// Reads a flat unit layer (for assignment without a hierarchy): ids from `id_field`, in file
/// order.
///
/// Every geometry is validated as in [`HierarchyBuilder`](crate::HierarchyBuilder) (non-empty, finite, rings of at
/// least 4 points, no self-intersection) and ids must be unique.
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::GeoJson`] as for
/// [`read_block_features`], and for a missing or invalid geometry or a duplicate id.
pub fn read_units_geojson(
    path: &Path,
    id_field: &str,
) -> Result<Vec<(UnitId, MultiPolygon<f64>)>, IoError> {
    let features = read_features(path)?;
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(features.len());
    for (index, f) in features.iter().enumerate() {
        let id = required_id(path, index, f.properties.as_ref(), id_field)?;
        if let Some(&first_feature) = seen.get(&id) {
            return Err(error(
                path,
                Some(index),
                Some(id_field),
                GeoJsonProblem::DuplicateId { first_feature },
            ));
        }
        let converted = convert_geometry(f.geometry.as_ref())
            .map_err(|p| error(path, Some(index), None, p))?
            .ok_or_else(|| error(path, Some(index), None, GeoJsonProblem::MissingGeometry))?;
        let problem = if converted.unclosed {
            Some(GeometryProblem::UnclosedRing)
        } else {
            geometry_problem(&converted.geometry)
        };
        if let Some(problem) = problem {
            return Err(error(
                path,
                Some(index),
                None,
                GeoJsonProblem::InvalidGeometry { problem },
            ));
        }
        seen.insert(id.clone(), index);
        out.push((UnitId::new(id), converted.geometry));
    }
    Ok(out)
}

fn ring_positions(ring: &LineString<f64>) -> Vec<Position> {
    ring.0.iter().map(|c| Position::from([c.x, c.y])).collect()
}

/// The `MultiPolygon` GeoJSON geometry of a unit (exterior ring first, then the holes).
pub(super) fn to_geojson(mp: &MultiPolygon<f64>) -> Geometry {
    let polygons =
        mp.0.iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(ring_positions)
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
    Geometry::new(GeometryValue::MultiPolygon {
        coordinates: polygons,
    })
}

/// Writes the blocks of a hierarchy as a block layer, atomically: one GeoJSON feature per
/// block with the id of every level as property `<level>_id` and the block's `name`, the
/// layer [`read_hierarchy`] reads back with [`BlockLayerSpec`] (`id_fields` = the level names
/// with `_id`).
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir().map_err(|e| quartier::IoError::File { path: ".".into(), source: e })?;
/// let town = quartier::musterstadt_with(1, &quartier::DemoConfig::SMALL)?;
/// let path = dir.path().join("blocks.geojson");
/// quartier::write_block_layer(&path, &town.hierarchy)?;
/// let levels = town.hierarchy.levels().to_vec();
/// let spec = quartier::BlockLayerSpec {
///     id_fields: levels.iter().map(|l| format!("{l}_id")).collect(),
///     levels,
///     name_field: Some("name".into()),
/// };
/// let (back, _) = quartier::read_hierarchy(&path, &spec)?;
/// assert_eq!(back.blocks().len(), town.hierarchy.blocks().len());
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
pub fn write_block_layer(path: &Path, hierarchy: &Hierarchy) -> Result<(), IoError> {
    let levels = hierarchy.levels();
    let block_level = hierarchy.block_level();
    let maps: Vec<Vec<usize>> = (0..levels.len())
        .map(|l| hierarchy.ancestors(block_level, l).unwrap_or_default())
        .collect();
    write_atomic(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        for (i, unit) in hierarchy.blocks().iter().enumerate() {
            let mut props = JsonObject::new();
            for (l, name) in levels.iter().enumerate() {
                let id = maps[l]
                    .get(i)
                    .and_then(|&p| hierarchy.unit(l, p))
                    .map(|u| u.id().as_str().to_owned());
                props.insert(
                    format!("{name}_id"),
                    id.map_or(JsonValue::Null, JsonValue::String),
                );
            }
            props.insert("name".into(), name_value(unit));
            write_feature(&mut *w, i, unit, props)?;
        }
        w.write_all(b"\n]}\n")
    })
}

fn name_value(unit: &crate::hierarchy::Unit) -> JsonValue {
    unit.name()
        .map_or(JsonValue::Null, |n| JsonValue::String(n.to_owned()))
}

/// One feature of a feature collection written line by line (`,\n` before all but the first).
fn write_feature(
    w: &mut dyn std::io::Write,
    i: usize,
    unit: &crate::hierarchy::Unit,
    properties: JsonObject,
) -> std::io::Result<()> {
    let feature = Feature {
        bbox: None,
        geometry: Some(to_geojson(unit.geometry())),
        id: None,
        properties: Some(properties),
        foreign_members: None,
    };
    if i > 0 {
        w.write_all(b",\n")?;
    }
    serde_json::to_writer(&mut *w, &feature).map_err(std::io::Error::other)
}

/// Writes the units of one level as a GeoJSON `FeatureCollection`: one `MultiPolygon` feature
/// per unit in id order, with the properties `id`, `name` and `parent_id` (`null` where there
/// is none), one feature per line.
///
/// The output is deterministic: the same hierarchy gives byte-identical files. The file is
/// written atomically.
///
/// # Errors
///
/// [`IoError::NoSuchLevel`] for a level out of range; [`IoError::File`] when writing fails.
pub fn write_units(path: &Path, hierarchy: &Hierarchy, level: usize) -> Result<(), IoError> {
    let levels = hierarchy.levels().len();
    if level >= levels {
        return Err(IoError::NoSuchLevel {
            path: PathBuf::from(path),
            level,
            levels,
        });
    }
    let above = level.checked_sub(1).map(|l| hierarchy.units(l));
    write_atomic(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        for (i, unit) in hierarchy.units(level).iter().enumerate() {
            let parent_id = unit
                .parent()
                .and_then(|p| above.and_then(|a| a.get(p)))
                .map(|p| JsonValue::String(p.id().as_str().to_owned()))
                .unwrap_or(JsonValue::Null);
            let mut props = JsonObject::new();
            props.insert(
                "id".into(),
                JsonValue::String(unit.id().as_str().to_owned()),
            );
            props.insert("name".into(), name_value(unit));
            props.insert("parent_id".into(), parent_id);
            write_feature(&mut *w, i, unit, props)?;
        }
        w.write_all(b"\n]}\n")
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_integral_float_ids_become_decimal_text() {
        let v: JsonValue = serde_json::from_str("[17, -3, 101.0, 1.5, true, \"x\", null]").unwrap();
        let JsonValue::Array(a) = v else {
            unreachable!()
        };
        assert_eq!(text_value(&a[0]), Ok(Some("17".into())));
        assert_eq!(text_value(&a[1]), Ok(Some("-3".into())));
        assert_eq!(text_value(&a[2]), Ok(Some("101".into())));
        assert!(matches!(
            text_value(&a[3]),
            Err(GeoJsonProblem::FieldType { .. })
        ));
        assert!(matches!(
            text_value(&a[4]),
            Err(GeoJsonProblem::FieldType {
                found: "a boolean",
                ..
            })
        ));
        assert_eq!(text_value(&a[5]), Ok(Some("x".into())));
        assert_eq!(text_value(&a[6]), Ok(None));
    }

    #[test]
    fn location_formats_feature_and_field() {
        assert_eq!(location(&None, &None), "");
        assert_eq!(
            location(&Some(3), &Some("b".into())),
            ": feature 3, field `b`"
        );
    }
}
