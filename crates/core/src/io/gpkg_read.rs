//! GeoPackage input: the block layer of a hierarchy from a polygon feature table.
//!
//! [`read_hierarchy_gpkg`] reads one feature table of an
//! [OGC GeoPackage](http://www.geopackage.org/spec/) (as written by GDAL/`ogr2ogr`, QGIS,
//! geopandas/pyogrio or [`write_geopackage`](crate::write_geopackage)) and builds the
//! hierarchy exactly as [`read_hierarchy`](crate::read_hierarchy) does from GeoJSON.
//!
//! - The file is opened read-only; it is never created or changed.
//! - The layer is a row of `gpkg_contents` with `data_type = 'features'`, and its geometry
//!   column the one `gpkg_geometry_columns` names. Without a layer name the file must hold
//!   exactly one feature layer.
//! - Rows are read in the order of the table's integer primary key (`fid`); the row at
//!   position `i` (0-based) is feature `i` of [`BlockFeature::feature`] and of the validation
//!   findings. Errors name the layer and the row's `fid` (the number QGIS shows; `fid` =
//!   feature + 1 in a layer written by GDAL).
//! - Geometries are `GeoPackageBinary`: the `GP` header (either byte order, any envelope),
//!   then WKB read by [`multipolygon_from_wkb`](crate::multipolygon_from_wkb)'s rules
//!   (`Polygon` or `MultiPolygon`, Z and M dropped). A `NULL` geometry becomes an empty
//!   geometry, which validation reports, as a GeoJSON feature with a `null` geometry does.
//!   Extended geometry types (header flag `X`) are refused.
//! - Ids: `TEXT` as it is, `INTEGER` as decimal text, a `REAL` with no fraction as an
//!   integer; `NULL` is a missing id. Field names match columns case-insensitively, as
//!   SQLite does; a field that names no column is an error (also the name field).

use std::fmt;
use std::path::Path;

use geo::MultiPolygon;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::IoError;
use super::geojson::BlockLayerSpec;
use super::wkb::{WkbProblem, build_hierarchy, decode};
use crate::hierarchy::{BlockFeature, Hierarchy, ValidationReport};

/// What is wrong with a GeoPackage, one of its layers, features or fields.
///
/// # Examples
///
/// ```
/// use quartier::GeoPackageProblem;
///
/// let p = GeoPackageProblem::NoSuchLayer { layers: vec!["baublock".into()] };
/// assert_eq!(p.to_string(), "no feature layer of this name; the feature layers are `baublock`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeoPackageProblem {
    /// The SQLite database has no `gpkg_contents` or no `gpkg_geometry_columns` table.
    NotGeoPackage,
    /// The GeoPackage has no feature layer.
    NoFeatureLayer,
    /// No layer was named and the GeoPackage has several feature layers.
    SeveralLayers {
        /// The names of the feature layers.
        layers: Vec<String>,
    },
    /// The named layer is not a feature layer of the GeoPackage.
    NoSuchLayer {
        /// The names of the feature layers there are.
        layers: Vec<String>,
    },
    /// The layer has no feature.
    EmptyLayer,
    /// A field of the [`BlockLayerSpec`] names no column of the layer.
    MissingColumn,
    /// A required value (an id) is `NULL`.
    MissingValue,
    /// An id or name has a type that cannot be used (text or an integer is expected).
    FieldType {
        /// What was found.
        found: &'static str,
    },
    /// The geometry value is not a blob.
    GeometryType {
        /// What was found.
        found: &'static str,
    },
    /// The geometry value is not a `GeoPackageBinary` blob (no `GP` header).
    NotGeoPackageBinary,
    /// The geometry uses the GeoPackage extended geometry types (header flag `X`).
    ExtendedGeometry,
    /// The `GeoPackageBinary` header has an invalid envelope code or ends early.
    BadHeader,
    /// The WKB of the geometry cannot be used.
    Wkb {
        /// What is wrong with it.
        problem: WkbProblem,
    },
    /// A [`BlockLayerSpec`] names a different number of levels and id fields.
    SpecMismatch {
        /// Number of levels.
        levels: usize,
        /// Number of id fields.
        id_fields: usize,
    },
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for GeoPackageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoPackageProblem::NotGeoPackage => {
                f.write_str("not a geopackage: no gpkg_contents or gpkg_geometry_columns table")
            }
            GeoPackageProblem::NoFeatureLayer => f.write_str("the geopackage has no feature layer"),
            GeoPackageProblem::SeveralLayers { layers } => write!(
                f,
                "the geopackage has several feature layers ({}); name one",
                list(layers)
            ),
            GeoPackageProblem::NoSuchLayer { layers } if layers.is_empty() => {
                f.write_str("no feature layer of this name; the geopackage has none")
            }
            GeoPackageProblem::NoSuchLayer { layers } => write!(
                f,
                "no feature layer of this name; the feature layers are {}",
                list(layers)
            ),
            GeoPackageProblem::EmptyLayer => f.write_str("the layer has no feature"),
            GeoPackageProblem::MissingColumn => f.write_str("no such column in the layer"),
            GeoPackageProblem::MissingValue => f.write_str("missing (null)"),
            GeoPackageProblem::FieldType { found } => {
                write!(f, "expected text or an integer, found {found}")
            }
            GeoPackageProblem::GeometryType { found } => {
                write!(f, "expected a geopackage binary blob, found {found}")
            }
            GeoPackageProblem::NotGeoPackageBinary => {
                f.write_str("the geometry is not a geopackage binary blob")
            }
            GeoPackageProblem::ExtendedGeometry => {
                f.write_str("extended geopackage geometry types are not supported")
            }
            GeoPackageProblem::BadHeader => f.write_str("invalid geopackage binary header"),
            GeoPackageProblem::Wkb { problem } => problem.fmt(f),
            GeoPackageProblem::SpecMismatch { levels, id_fields } => write!(
                f,
                "the layer spec names {levels} levels but {id_fields} id fields"
            ),
        }
    }
}

/// Formats the ", layer `b`, fid 3, field `x`" part of an [`IoError::GeoPackage`] message.
pub(crate) fn location(
    layer: &Option<String>,
    fid: &Option<i64>,
    field: &Option<String>,
) -> String {
    let mut s = String::new();
    if let Some(layer) = layer {
        s.push_str(&format!(": layer `{layer}`"));
    }
    if let Some(fid) = fid {
        s.push_str(&format!(", fid {fid}"));
    }
    if let Some(field) = field {
        s.push_str(&format!(", field `{field}`"));
    }
    s
}

/// Where an error is: the file and, once known, the layer.
struct Place<'a> {
    path: &'a Path,
    layer: Option<&'a str>,
}

impl Place<'_> {
    fn error(&self, fid: Option<i64>, field: Option<&str>, problem: GeoPackageProblem) -> IoError {
        IoError::GeoPackage {
            path: self.path.to_path_buf(),
            layer: self.layer.map(str::to_owned),
            fid,
            field: field.map(str::to_owned),
            problem,
        }
    }

    fn sqlite(&self, source: rusqlite::Error) -> IoError {
        IoError::Sqlite {
            path: self.path.to_path_buf(),
            source,
        }
    }
}

/// An SQL identifier in double quotes.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sql_type(v: &ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "null",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    }
}

/// An id or name value: text as it is, integers (and integral reals) as decimal text.
fn text_value(v: ValueRef<'_>) -> Result<Option<String>, GeoPackageProblem> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => Ok(Some(i.to_string())),
        // Integral and exactly representable: the cast is exact.
        ValueRef::Real(x) if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 => {
            Ok(Some(format!("{}", x as i64)))
        }
        ValueRef::Real(_) => Err(GeoPackageProblem::FieldType {
            found: "a real with a fraction",
        }),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(|s| Some(s.to_owned()))
            .map_err(|_| GeoPackageProblem::FieldType {
                found: "text that is not utf-8",
            }),
        ValueRef::Blob(_) => Err(GeoPackageProblem::FieldType { found: "a blob" }),
    }
}

/// The WKB inside a `GeoPackageBinary` blob.
fn gpkg_wkb(blob: &[u8]) -> Result<&[u8], GeoPackageProblem> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err(GeoPackageProblem::NotGeoPackageBinary);
    }
    let flags = blob[3];
    if flags & 0x20 != 0 {
        return Err(GeoPackageProblem::ExtendedGeometry);
    }
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return Err(GeoPackageProblem::BadHeader),
    };
    blob.get(8 + envelope..).ok_or(GeoPackageProblem::BadHeader)
}

/// The feature layers (table name, geometry column), by table name.
fn feature_layers(conn: &Connection, place: &Place<'_>) -> Result<Vec<(String, String)>, IoError> {
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') \
             AND name IN ('gpkg_contents', 'gpkg_geometry_columns')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| place.sqlite(e))?;
    if tables != 2 {
        return Err(place.error(None, None, GeoPackageProblem::NotGeoPackage));
    }
    let mut stmt = conn
        .prepare(
            "SELECT c.table_name, g.column_name FROM gpkg_contents c \
             JOIN gpkg_geometry_columns g ON c.table_name = g.table_name \
             WHERE lower(c.data_type) = 'features' ORDER BY c.table_name",
        )
        .map_err(|e| place.sqlite(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| place.sqlite(e))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| place.sqlite(e))
}

/// The layer's columns (name, is primary key).
fn columns(
    conn: &Connection,
    table: &str,
    place: &Place<'_>,
) -> Result<Vec<(String, bool)>, IoError> {
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info({})", quoted(table)))
        .map_err(|e| place.sqlite(e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)? != 0))
        })
        .map_err(|e| place.sqlite(e))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| place.sqlite(e))
}

/// A block of a layer, whether any of its rings was unclosed, and its fid.
type LayerRow = (BlockFeature, bool, i64);

/// The block layer (its table name and rows) with the unclosed-ring flag and the fid of
/// each feature.
fn read_gpkg_block_layer(
    path: &Path,
    layer: Option<&str>,
    spec: &BlockLayerSpec,
) -> Result<(String, Vec<LayerRow>), IoError> {
    let mut place = Place { path, layer };
    if spec.levels.len() != spec.id_fields.len() {
        return Err(place.error(
            None,
            None,
            GeoPackageProblem::SpecMismatch {
                levels: spec.levels.len(),
                id_fields: spec.id_fields.len(),
            },
        ));
    }
    // Opening read-only never creates a file; a missing file is an OS error with a path.
    std::fs::metadata(path).map_err(|e| IoError::file(path, e))?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| place.sqlite(e))?;
    let layers = feature_layers(&conn, &place)?;
    let names: Vec<String> = layers.iter().map(|(t, _)| t.clone()).collect();
    let (table, geom_column) = match layer {
        Some(name) => layers
            .iter()
            .find(|(t, _)| t == name)
            .or_else(|| layers.iter().find(|(t, _)| t.eq_ignore_ascii_case(name)))
            .cloned()
            .ok_or_else(|| {
                place.error(None, None, GeoPackageProblem::NoSuchLayer { layers: names })
            })?,
        None => match layers.as_slice() {
            [] => return Err(place.error(None, None, GeoPackageProblem::NoFeatureLayer)),
            [one] => one.clone(),
            _ => {
                return Err(place.error(
                    None,
                    None,
                    GeoPackageProblem::SeveralLayers { layers: names },
                ));
            }
        },
    };
    place.layer = Some(&table);
    let cols = columns(&conn, &table, &place)?;
    let column = |field: &str| -> Result<String, IoError> {
        cols.iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(field))
            .map(|(c, _)| c.clone())
            .ok_or_else(|| place.error(None, Some(field), GeoPackageProblem::MissingColumn))
    };
    let id_columns = spec
        .id_fields
        .iter()
        .map(|f| column(f))
        .collect::<Result<Vec<_>, _>>()?;
    let name_column = spec.name_field.as_deref().map(column).transpose()?;
    let fid_column = cols
        .iter()
        .find(|(_, pk)| *pk)
        .map_or_else(|| "rowid".to_owned(), |(c, _)| quoted(c));
    let mut select = vec![fid_column.clone(), quoted(&geom_column)];
    select.extend(id_columns.iter().map(|c| quoted(c)));
    select.extend(name_column.iter().map(|c| quoted(c)));
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {fid_column}",
        select.join(", "),
        quoted(&table)
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| place.sqlite(e))?;
    let mut rows = stmt.query([]).map_err(|e| place.sqlite(e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| place.sqlite(e))? {
        let feature = out.len();
        let fid = match row.get_ref(0).map_err(|e| place.sqlite(e))? {
            ValueRef::Integer(i) => i,
            // A table without an integer key: the position stands in for the fid.
            _ => i64::try_from(feature).unwrap_or(i64::MAX),
        };
        let mut ids = Vec::with_capacity(id_columns.len());
        for (i, field) in spec.id_fields.iter().enumerate() {
            let v = row.get_ref(2 + i).map_err(|e| place.sqlite(e))?;
            let id = text_value(v)
                .map_err(|p| place.error(Some(fid), Some(field), p))?
                .ok_or_else(|| {
                    place.error(Some(fid), Some(field), GeoPackageProblem::MissingValue)
                })?;
            ids.push(id);
        }
        let name = match (&spec.name_field, name_column.is_some()) {
            (Some(field), true) => {
                let v = row.get_ref(2 + ids.len()).map_err(|e| place.sqlite(e))?;
                text_value(v).map_err(|p| place.error(Some(fid), Some(field), p))?
            }
            _ => None,
        };
        let (geometry, unclosed) = match row.get_ref(1).map_err(|e| place.sqlite(e))? {
            ValueRef::Null => (MultiPolygon::new(Vec::new()), false),
            ValueRef::Blob(blob) => {
                let wkb = gpkg_wkb(blob).map_err(|p| place.error(Some(fid), None, p))?;
                let d = decode(wkb).map_err(|problem| {
                    place.error(Some(fid), None, GeoPackageProblem::Wkb { problem })
                })?;
                (d.geometry, d.unclosed)
            }
            other => {
                return Err(place.error(
                    Some(fid),
                    Some(&geom_column),
                    GeoPackageProblem::GeometryType {
                        found: sql_type(&other),
                    },
                ));
            }
        };
        out.push((
            BlockFeature {
                feature,
                ids,
                name,
                geometry,
            },
            unclosed,
            fid,
        ));
    }
    if out.is_empty() {
        return Err(place.error(None, None, GeoPackageProblem::EmptyLayer));
    }
    Ok((table, out))
}

/// Reads the block layer of a GeoPackage: one [`BlockFeature`] per feature (in `fid`
/// order), with the ids of all levels from `spec.id_fields` and the name from
/// `spec.name_field`, as [`read_block_features`](crate::read_block_features) does for
/// GeoJSON.
///
/// The file is opened read-only. `layer` names a feature table (a `features` row of
/// `gpkg_contents`); `None` takes the only one. Rows are read in `fid` order: the row at
/// position `i` is feature `i`; errors name the row's `fid`. Geometries are
/// `GeoPackageBinary` with a `Polygon` or `MultiPolygon` (read as
/// [`multipolygon_from_wkb`](crate::multipolygon_from_wkb) does: Z and M dropped); a `NULL`
/// geometry becomes an empty one (which validation reports). Ids: text as it is, integers
/// (and reals without a fraction) as decimal text. Field names match columns
/// case-insensitively, as in SQLite; a field that names no column is an error.
///
/// # Examples
///
/// ```
/// use quartier::{AttributeColumn, AttributeLayer, AttributeValues, BlockLayerSpec, Srs};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let blocks = town.hierarchy.blocks();
/// let ids = AttributeValues::Text(blocks.iter().map(|b| Some(b.id().as_str().to_owned())).collect());
/// let layer = AttributeLayer {
///     name: "baublock".into(),
///     level: town.hierarchy.block_level(),
///     columns: vec![AttributeColumn { name: "block_id".into(), values: ids }],
///     style: None,
/// };
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("blocks.gpkg");
/// quartier::write_geopackage(&path, &town.hierarchy, &[layer], &Srs::etrs89_utm32())?;
///
/// let spec = BlockLayerSpec {
///     levels: vec!["baublock".into()],
///     id_fields: vec!["block_id".into()],
///     name_field: None,
/// };
/// let read = quartier::read_block_features_gpkg(&path, Some("baublock"), &spec)?;
/// assert_eq!(read.len(), blocks.len());
/// assert_eq!(read[0].ids, [blocks[0].id().as_str()]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file does not exist or cannot be read; [`IoError::Sqlite`]
/// when it is not an SQLite database; [`IoError::GeoPackage`] (naming the layer, the `fid`
/// and the field) when it is not a GeoPackage, the layer is missing or not unique, a field
/// names no column, an id is `NULL` or of an unusable type, a geometry is not a
/// `Polygon`/`MultiPolygon` in `GeoPackageBinary`, a ring is unclosed, the layer is empty, or
/// the spec has different numbers of levels and id fields.
pub fn read_block_features_gpkg(
    path: &Path,
    layer: Option<&str>,
    spec: &BlockLayerSpec,
) -> Result<Vec<BlockFeature>, IoError> {
    let (table, blocks) = read_gpkg_block_layer(path, layer, spec)?;
    let place = Place {
        path,
        layer: Some(&table),
    };
    blocks
        .into_iter()
        .map(|(b, unclosed, fid)| {
            if unclosed {
                let problem = GeoPackageProblem::Wkb {
                    problem: WkbProblem::UnclosedRing,
                };
                Err(place.error(Some(fid), None, problem))
            } else {
                Ok(b)
            }
        })
        .collect()
}

/// Reads the block layer of a GeoPackage and builds the hierarchy from it (upper levels
/// dissolved from the blocks, default tolerances), as [`read_hierarchy`](crate::read_hierarchy)
/// does for GeoJSON.
///
/// Unclosed rings and `NULL` geometries are reported as findings ([`crate::GeometryProblem`])
/// together with all other findings of validation; `feature` in a finding is the row's
/// 0-based position in `fid` order.
///
/// # Examples
///
/// ```
/// use quartier::{AttributeColumn, AttributeLayer, AttributeValues, BlockLayerSpec, Srs};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let h = &town.hierarchy;
/// // One text column per level with the block's ancestor ids.
/// let mut columns = Vec::new();
/// for (level, name) in ["gemeinde_id", "ortsteil_id", "quartier_id", "block_id"].iter().enumerate() {
///     let up = h.ancestors(h.block_level(), level).ok_or("no such level")?;
///     let ids = up.iter().map(|&u| Some(h.units(level)[u].id().as_str().to_owned())).collect();
///     columns.push(AttributeColumn { name: (*name).into(), values: AttributeValues::Text(ids) });
/// }
/// let layer = AttributeLayer { name: "blocks".into(), level: h.block_level(), columns, style: None };
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("blocks.gpkg");
/// quartier::write_geopackage(&path, h, &[layer], &Srs::etrs89_utm32())?;
///
/// let (read, report) = quartier::read_hierarchy_gpkg(&path, None, &BlockLayerSpec::default_fields())?;
/// assert!(report.is_valid());
/// assert_eq!(read.units(1).len(), h.units(1).len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Io`] as for [`read_block_features_gpkg`] (except unclosed rings);
/// [`crate::Error::Hierarchy`] with [`crate::HierarchyError::Invalid`] (holding the full
/// report) when validation finds errors.
pub fn read_hierarchy_gpkg(
    path: &Path,
    layer: Option<&str>,
    spec: &BlockLayerSpec,
) -> Result<(Hierarchy, ValidationReport), crate::Error> {
    let blocks = read_gpkg_block_layer(path, layer, spec)?
        .1
        .into_iter()
        .map(|(b, unclosed, _)| (b, unclosed))
        .collect();
    build_hierarchy(&spec.levels, blocks)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn geopackage_binary_headers() {
        let wkb = [1u8, 6, 0, 0, 0, 0, 0, 0, 0];
        let mut blob = b"GP\x00\x01".to_vec();
        blob.extend_from_slice(&25832i32.to_le_bytes());
        blob.extend_from_slice(&wkb);
        assert_eq!(gpkg_wkb(&blob), Ok(&wkb[..]));
        // Envelope code 1 (32 bytes), big-endian header.
        let mut blob = b"GP\x00\x02".to_vec();
        blob.extend_from_slice(&25832i32.to_be_bytes());
        blob.extend_from_slice(&[0; 32]);
        blob.extend_from_slice(&wkb);
        assert_eq!(gpkg_wkb(&blob), Ok(&wkb[..]));
        assert_eq!(gpkg_wkb(&wkb), Err(GeoPackageProblem::NotGeoPackageBinary));
        assert_eq!(
            gpkg_wkb(b"GP\x00\x21\x00\x00\x00\x00"),
            Err(GeoPackageProblem::ExtendedGeometry)
        );
        assert_eq!(
            gpkg_wkb(b"GP\x00\x0a\x00\x00\x00\x00"),
            Err(GeoPackageProblem::BadHeader)
        );
        assert_eq!(
            gpkg_wkb(b"GP\x00\x08\x00\x00\x00\x00"),
            Err(GeoPackageProblem::BadHeader)
        );
    }

    #[test]
    fn values_become_text() {
        assert_eq!(text_value(ValueRef::Integer(17)), Ok(Some("17".into())));
        assert_eq!(text_value(ValueRef::Real(101.0)), Ok(Some("101".into())));
        assert_eq!(text_value(ValueRef::Text(b"a")), Ok(Some("a".into())));
        assert_eq!(text_value(ValueRef::Null), Ok(None));
        assert!(text_value(ValueRef::Real(1.5)).is_err());
        assert!(text_value(ValueRef::Blob(b"x")).is_err());
    }

    #[test]
    fn location_formats_layer_fid_and_field() {
        assert_eq!(
            location(&Some("b".into()), &Some(3), &Some("id".into())),
            ": layer `b`, fid 3, field `id`"
        );
        assert_eq!(location(&None, &None, &None), "");
    }

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
