//! GeoPackage output: one feature table per [`AttributeLayer`], with a QGIS style.
//!
//! [`write_geopackage`] writes an [OGC GeoPackage 1.3](http://www.geopackage.org/spec/)
//! (`PRAGMA application_id = 0x47504B47` — `GPKG` —, `PRAGMA user_version = 10300`) with
//! the bundled SQLite. The file is built in a temporary file next to the target and renamed
//! over it when complete, so a reader sees the old file or the new one, never a half-written
//! database.
//!
//! # Table layout
//!
//! | table | content |
//! |---|---|
//! | `gpkg_spatial_ref_sys` | the three required rows (`-1` undefined cartesian, `0` undefined geographic, `4326` WGS 84) and the project's [`Srs`] |
//! | `gpkg_contents` | one `features` row per layer (identifier = table name, bounding box of its units, `srs_id`); `layer_styles` as `attributes` when a style is written |
//! | `gpkg_geometry_columns` | one row per layer: column `geom`, `MULTIPOLYGON`, `z = 0`, `m = 0` |
//! | `gpkg_extensions` | one `gpkg_rtree_index` row per layer |
//! | `<layer>` | `fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`, `geom MULTIPOLYGON`, then the layer's columns as `REAL` / `INTEGER` / `TEXT`, one row per unit of the layer's level in hierarchy order (`fid` = position + 1) |
//! | `rtree_<layer>_geom` | the R-tree spatial index (SQLite `rtree` virtual table) with the envelope of every non-empty geometry, and the six triggers of the 1.3 specification that keep it up to date when the table is edited (they call the `ST_*` functions that GeoPackage clients such as GDAL and QGIS provide) |
//! | `layer_styles` | only when a layer has a [`LayerStyle`]: the table QGIS itself creates in a GeoPackage, one default style (QML) per styled layer |
//!
//! `None` values and non-finite reals are written as `NULL`. Geometries are
//! `GeoPackageBinary`: the header `GP`, version 0, flags `0x03` (little-endian, envelope
//! `[minx, maxx, miny, maxy]`), the `srs_id`, the envelope, then a little-endian WKB
//! `MultiPolygon` (ISO type 6, 2D). An empty geometry has the empty flag set (`0x11`), no
//! envelope, a `MultiPolygon` with no part and no R-tree entry.
//!
//! Extensions used: only `gpkg_rtree_index` (an OGC registered extension). No
//! non-standard table (such as GDAL's `gpkg_ogr_contents`) is written; `layer_styles` is a
//! plain attribute table that any reader may ignore.
//!
//! # Determinism
//!
//! The same input gives a byte-identical file (with the same SQLite version): no timestamp is
//! read from the clock. `gpkg_contents.last_change` and `layer_styles.update_time` are the
//! fixed value [`FIXED_TIMESTAMP`], rows are inserted in hierarchy order, and the journal
//! lives in memory (no WAL).
//!
//! # The QGIS style
//!
//! The QML of a [`LayerStyle`] is a `categorizedSymbol` renderer on the style's column: one
//! category per class (a solid fill in the class colour with a thin white outline), and one
//! category for `NULL` (value `""`) drawn as a light grey fill hatched at 45° in dark grey,
//! labelled with [`LayerStyle::no_data_label`]. Symbol layer properties are written in both
//! the `Option` map and the older `prop` form, as QGIS 3.16 to 3.26 themselves do, so that
//! QGIS 3.x versions read them. `styleSLD` is an empty string.

use std::fmt::{self, Write as _};
use std::fs::{self, File};
use std::path::Path;

use geo::{BoundingRect, MultiPolygon, Rect};
use rusqlite::{Connection, params};

use super::wkb::{wkb_len, write_wkb};
use super::{IoError, temp_path};
use crate::hierarchy::Hierarchy;
use crate::render::{AttributeLayer, AttributeValues, LayerStyle};

/// The `last_change` of `gpkg_contents` and the `update_time` of `layer_styles`: a fixed
/// instant, so that the same input gives the same bytes.
pub(crate) const FIXED_TIMESTAMP: &str = "1970-01-01T00:00:00.000Z";

/// The `definition` of the R-tree extension in `gpkg_extensions` (as GDAL writes it).
const RTREE_DEFINITION: &str = "http://www.geopackage.org/spec120/#extension_rtree";

/// QGIS version written into the QML.
const QGIS_VERSION: &str = "3.22.0-Białowieża";

/// The spatial reference system of a GeoPackage's geometries (a row of
/// `gpkg_spatial_ref_sys`).
///
/// The geometries are written as they are: the `Srs` only labels them, it transforms
/// nothing. It must be the CRS the hierarchy is in.
///
/// # Examples
///
/// ```
/// use quartier::Srs;
///
/// let srs = Srs::etrs89_utm32();
/// assert_eq!((srs.organization.as_str(), srs.id), ("EPSG", 25832));
/// assert!(srs.definition.starts_with("PROJCS[\"ETRS89 / UTM zone 32N\""));
/// assert_eq!(Srs::epsg(31467).definition, "undefined");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srs {
    /// The defining organization, e.g. `EPSG`.
    pub organization: String,
    /// The organization's code; also used as the GeoPackage `srs_id`.
    pub id: i32,
    /// A human-readable name, e.g. `ETRS89 / UTM zone 32N`.
    pub name: String,
    /// The OGC WKT (version 1) definition, or `undefined`.
    pub definition: String,
}

/// OGC WKT 1 of EPSG:25832 and EPSG:25833 (as `gdalsrsinfo -o wkt1` prints it, on one line),
/// with the central meridian and the code filled in.
fn etrs89_utm_wkt(zone: u8, central_meridian: u8, code: i32) -> String {
    format!(
        "PROJCS[\"ETRS89 / UTM zone {zone}N\",GEOGCS[\"ETRS89\",\
DATUM[\"European_Terrestrial_Reference_System_1989\",\
SPHEROID[\"GRS 1980\",6378137,298.257222101,AUTHORITY[\"EPSG\",\"7019\"]],\
AUTHORITY[\"EPSG\",\"6258\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],\
UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4258\"]],\
PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"latitude_of_origin\",0],\
PARAMETER[\"central_meridian\",{central_meridian}],PARAMETER[\"scale_factor\",0.9996],\
PARAMETER[\"false_easting\",500000],PARAMETER[\"false_northing\",0],\
UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]],AXIS[\"Easting\",EAST],AXIS[\"Northing\",NORTH],\
AUTHORITY[\"EPSG\",\"{code}\"]]"
    )
}

/// OGC WKT 1 of EPSG:4326, the spec's required WGS 84 row.
const WGS84_WKT: &str = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",\
SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],\
AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],\
UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],\
AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]";

impl Srs {
    /// EPSG:25832, ETRS89 / UTM zone 32N: the default CRS of German projects.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Srs::etrs89_utm32().name, "ETRS89 / UTM zone 32N");
    /// ```
    pub fn etrs89_utm32() -> Self {
        Self {
            organization: "EPSG".to_owned(),
            id: 25832,
            name: "ETRS89 / UTM zone 32N".to_owned(),
            definition: etrs89_utm_wkt(32, 9, 25832),
        }
    }

    /// EPSG:25833, ETRS89 / UTM zone 33N (Berlin, Brandenburg and the east).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Srs::etrs89_utm33().id, 25833);
    /// ```
    pub fn etrs89_utm33() -> Self {
        Self {
            organization: "EPSG".to_owned(),
            id: 25833,
            name: "ETRS89 / UTM zone 33N".to_owned(),
            definition: etrs89_utm_wkt(33, 15, 25833),
        }
    }

    /// Any EPSG code, with the definition `undefined` (which the GeoPackage specification
    /// allows; GIS software then looks the code up in its own EPSG database).
    ///
    /// The codes 25832, 25833 and 4326 get their full definitions.
    ///
    /// # Examples
    ///
    /// ```
    /// let srs = quartier::Srs::epsg(31467);
    /// assert_eq!(srs.name, "EPSG:31467");
    /// assert_eq!(quartier::Srs::epsg(25832), quartier::Srs::etrs89_utm32());
    /// ```
    pub fn epsg(id: i32) -> Self {
        match id {
            25832 => Self::etrs89_utm32(),
            25833 => Self::etrs89_utm33(),
            4326 => Self {
                organization: "EPSG".to_owned(),
                id,
                name: "WGS 84 geodetic".to_owned(),
                definition: WGS84_WKT.to_owned(),
            },
            _ => Self {
                organization: "EPSG".to_owned(),
                id,
                name: format!("EPSG:{id}"),
                definition: "undefined".to_owned(),
            },
        }
    }
}

impl Default for Srs {
    /// [`Srs::etrs89_utm32`].
    fn default() -> Self {
        Self::etrs89_utm32()
    }
}

/// What is wrong with an [`AttributeLayer`] that is to be written.
///
/// # Examples
///
/// ```
/// use quartier::{AttributeColumn, AttributeLayer, AttributeValues, IoError, LayerProblem};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let layer = AttributeLayer {
///     name: "quartier".into(),
///     level: 2,
///     columns: vec![AttributeColumn { name: "Wert".into(), values: AttributeValues::Integer(vec![]) }],
///     style: None,
/// };
/// let dir = tempfile::tempdir()?;
/// let err = quartier::write_layer_geojson(&dir.path().join("q.geojson"), &town.hierarchy, &layer, &quartier::Srs::etrs89_utm32())
///     .unwrap_err();
/// assert!(matches!(err, IoError::AttributeLayer { problem: LayerProblem::InvalidName, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerProblem {
    /// A layer or column name is not a plain SQL identifier: lowercase ASCII letters, digits
    /// and `_`, not starting with a digit, 1 to 63 characters.
    InvalidName,
    /// A name is reserved: a layer named `gpkg_*`, `rtree_*`, `sqlite_*` or `layer_styles`,
    /// or a column named `fid` or `geom`.
    ReservedName,
    /// Two layers have the same name.
    DuplicateLayer,
    /// Two columns of a layer have the same name.
    DuplicateColumn,
    /// A column does not have one value per unit of the layer's level.
    ColumnLength {
        /// Number of units of the level.
        expected: usize,
        /// Number of values of the column.
        found: usize,
    },
    /// The style's class column is not an integer column of the layer.
    StyleColumn,
    /// A style class colour is not of the form `#rrggbb`.
    StyleColor {
        /// The class value concerned.
        class: i64,
    },
}

impl fmt::Display for LayerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerProblem::InvalidName => f.write_str(
                "invalid name: use lowercase ascii letters, digits and `_`, not starting with a digit, 1 to 63 characters",
            ),
            LayerProblem::ReservedName => f.write_str("the name is reserved"),
            LayerProblem::DuplicateLayer => f.write_str("duplicate layer name"),
            LayerProblem::DuplicateColumn => f.write_str("duplicate column name"),
            LayerProblem::ColumnLength { expected, found } => write!(
                f,
                "expected one value per unit ({expected}), found {found} values"
            ),
            LayerProblem::StyleColumn => {
                f.write_str("the style's class column is not an integer column of the layer")
            }
            LayerProblem::StyleColor { class } => {
                write!(f, "the colour of class {class} is not of the form #rrggbb")
            }
        }
    }
}

/// Whether `name` is a plain SQL identifier: `[a-z_][a-z0-9_]{0,62}`.
fn is_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && !bytes[0].is_ascii_digit()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// Parses `#rrggbb` into its channels.
fn parse_color(color: &str) -> Option<[u8; 3]> {
    let hex = color.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// Checks one layer against the hierarchy: level in range, valid unique names, one value per
/// unit, a style on an integer column with `#rrggbb` colours.
///
/// `reserved_layer_names` adds the GeoPackage's reserved table names to the checks.
pub(crate) fn validate_layer(
    path: &Path,
    hierarchy: &Hierarchy,
    layer: &AttributeLayer,
    reserved_layer_names: bool,
) -> Result<(), IoError> {
    let err = |column: Option<&str>, problem: LayerProblem| IoError::AttributeLayer {
        path: path.to_path_buf(),
        layer: layer.name.clone(),
        column: column.map(str::to_owned),
        problem,
    };
    let levels = hierarchy.levels().len();
    if layer.level >= levels {
        return Err(IoError::NoSuchLevel {
            path: path.to_path_buf(),
            level: layer.level,
            levels,
        });
    }
    if !is_identifier(&layer.name) {
        return Err(err(None, LayerProblem::InvalidName));
    }
    if reserved_layer_names
        && (["gpkg_", "rtree_", "sqlite_"]
            .iter()
            .any(|p| layer.name.starts_with(p))
            || layer.name == "layer_styles")
    {
        return Err(err(None, LayerProblem::ReservedName));
    }
    let units = hierarchy.units(layer.level).len();
    let mut seen = std::collections::BTreeSet::new();
    for column in &layer.columns {
        let name = column.name.as_str();
        if !is_identifier(name) {
            return Err(err(Some(name), LayerProblem::InvalidName));
        }
        if name == "fid" || name == "geom" {
            return Err(err(Some(name), LayerProblem::ReservedName));
        }
        if !seen.insert(name) {
            return Err(err(Some(name), LayerProblem::DuplicateColumn));
        }
        let found = column.values.len();
        if found != units {
            return Err(err(
                Some(name),
                LayerProblem::ColumnLength {
                    expected: units,
                    found,
                },
            ));
        }
    }
    if let Some(style) = &layer.style {
        let integer = layer
            .columns
            .iter()
            .any(|c| c.name == style.column && matches!(c.values, AttributeValues::Integer(_)));
        if !integer {
            return Err(err(Some(&style.column), LayerProblem::StyleColumn));
        }
        if let Some(class) = style
            .classes
            .iter()
            .find(|c| parse_color(&c.color).is_none())
        {
            return Err(err(
                Some(&style.column),
                LayerProblem::StyleColor { class: class.value },
            ));
        }
    }
    Ok(())
}

/// Writes attribute layers with their units' geometries as an OGC GeoPackage 1.3.
///
/// One feature table per layer, named after the layer: `fid INTEGER PRIMARY KEY
/// AUTOINCREMENT NOT NULL` (the unit's position in its level + 1), `geom MULTIPOLYGON` in
/// `srs`, then the layer's columns as `REAL` / `INTEGER` / `TEXT` in column order; one row
/// per unit in hierarchy order. Besides the required `gpkg_spatial_ref_sys` (the rows `-1`,
/// `0`, `4326` and `srs`), `gpkg_contents` (`last_change` fixed at
/// `1970-01-01T00:00:00.000Z`, for byte-identical output) and `gpkg_geometry_columns`, each
/// table gets the `gpkg_rtree_index` extension (`rtree_<layer>_geom` with its six triggers,
/// registered in `gpkg_extensions`), the only extension used. A layer with a style also gets
/// a default QGIS style in the `layer_styles` table QGIS itself uses, so that QGIS opens it
/// already styled: categories by the class column in the class colours, `NULL` hatched and
/// labelled with the style's `no_data_label`. An empty layer list gives a valid GeoPackage
/// with no content; a level without units gives an empty table with no bounding box.
///
/// Values are written as they are (`None` and non-finite reals as `NULL`); geometries are
/// written in the hierarchy's coordinates, which must be in `srs`.
///
/// The output is deterministic (byte-identical for the same input and SQLite version) and
/// written atomically: the database is built in `.<file name>.tmp-<pid>` next to `path`,
/// closed, synced and renamed over `path`; on any error the temporary file is removed and
/// `path` is left as it was.
///
/// # Examples
///
/// ```
/// use quartier::{AttributeColumn, AttributeLayer, AttributeValues, Srs};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let level = town.hierarchy.level("quartier").unwrap();
/// let units = town.hierarchy.units(level);
/// let layer = AttributeLayer {
///     name: "quartier".into(),
///     level,
///     columns: vec![AttributeColumn {
///         name: "id".into(),
///         values: AttributeValues::Text(units.iter().map(|u| Some(u.id().as_str().to_owned())).collect()),
///     }],
///     style: None,
/// };
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("musterstadt.gpkg");
/// quartier::write_geopackage(&path, &town.hierarchy, &[layer], &Srs::etrs89_utm32())?;
/// assert_eq!(&std::fs::read(&path)?[..15], b"SQLite format 3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`IoError::NoSuchLevel`] for a layer whose level is out of range;
/// - [`IoError::AttributeLayer`] for an invalid or reserved layer or column name, two layers
///   or two columns of one layer with the same name, a column without one value per unit, a
///   style whose column is not an integer column of the layer or whose colour is not
///   `#rrggbb` (see [`LayerProblem`]);
/// - [`IoError::Sqlite`] when SQLite fails; [`IoError::File`] when the temporary file cannot
///   be removed beforehand, synced or renamed.
pub fn write_geopackage(
    path: &Path,
    hierarchy: &Hierarchy,
    layers: &[AttributeLayer],
    srs: &Srs,
) -> Result<(), IoError> {
    let mut names = std::collections::BTreeSet::new();
    for layer in layers {
        validate_layer(path, hierarchy, layer, true)?;
        if !names.insert(layer.name.as_str()) {
            return Err(IoError::AttributeLayer {
                path: path.to_path_buf(),
                layer: layer.name.clone(),
                column: None,
                problem: LayerProblem::DuplicateLayer,
            });
        }
    }
    let tmp = temp_path(path);
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(IoError::file(&tmp, e)),
    }
    let result = build(&tmp, hierarchy, layers, srs)
        .map_err(|source| IoError::Sqlite {
            path: path.to_path_buf(),
            source,
        })
        .and_then(|()| {
            File::open(&tmp)
                .and_then(|f| f.sync_all())
                .and_then(|()| fs::rename(&tmp, path))
                .map_err(|e| IoError::file(path, e))
        });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    } else {
        super::remove_stale_temps(path);
    }
    result
}

/// Creates the complete database at `tmp` and closes it.
fn build(
    tmp: &Path,
    hierarchy: &Hierarchy,
    layers: &[AttributeLayer],
    srs: &Srs,
) -> rusqlite::Result<()> {
    let mut conn = Connection::open(tmp)?;
    conn.execute_batch(
        "PRAGMA application_id = 1196444487;
         PRAGMA user_version = 10300;
         PRAGMA journal_mode = MEMORY;
         PRAGMA synchronous = OFF;",
    )?;
    let tx = conn.transaction()?;
    create_core_tables(&tx, srs)?;
    for layer in layers {
        write_layer(&tx, hierarchy, layer, srs.id)?;
    }
    let styled: Vec<(&AttributeLayer, &LayerStyle)> = layers
        .iter()
        .filter_map(|l| l.style.as_ref().map(|s| (l, s)))
        .collect();
    if !styled.is_empty() {
        write_styles(&tx, &styled)?;
    }
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)
}

/// The required tables: `gpkg_spatial_ref_sys` (with its rows), `gpkg_contents`,
/// `gpkg_geometry_columns` and `gpkg_extensions`, per the specification's table definition
/// SQL.
fn create_core_tables(tx: &rusqlite::Transaction<'_>, srs: &Srs) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (
           srs_name TEXT NOT NULL,
           srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL,
           description TEXT
         );
         CREATE TABLE gpkg_contents (
           table_name TEXT NOT NULL PRIMARY KEY,
           data_type TEXT NOT NULL,
           identifier TEXT UNIQUE,
           description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE,
           min_y DOUBLE,
           max_x DOUBLE,
           max_y DOUBLE,
           srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
         );
         CREATE TABLE gpkg_geometry_columns (
           table_name TEXT NOT NULL,
           column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL,
           z TINYINT NOT NULL,
           m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT uk_gc_table_name UNIQUE (table_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
         );
         CREATE TABLE gpkg_extensions (
           table_name TEXT,
           column_name TEXT,
           extension_name TEXT NOT NULL,
           definition TEXT NOT NULL,
           scope TEXT NOT NULL,
           CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
         );",
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO gpkg_spatial_ref_sys
           (srs_name, srs_id, organization, organization_coordsys_id, definition, description)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    insert.execute(params![
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system"
    ])?;
    insert.execute(params![
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system"
    ])?;
    insert.execute(params![
        "WGS 84 geodetic",
        4326,
        "EPSG",
        4326,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"
    ])?;
    if ![-1, 0, 4326].contains(&srs.id) {
        insert.execute(params![
            srs.name,
            srs.id,
            srs.organization,
            srs.id,
            srs.definition,
            Option::<String>::None
        ])?;
    }
    Ok(())
}

/// Quotes an identifier for SQL (names are validated identifiers; quoting also keeps SQL
/// keywords such as `group` usable).
fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// One feature table with its contents, geometry column, R-tree index and triggers.
fn write_layer(
    tx: &rusqlite::Transaction<'_>,
    hierarchy: &Hierarchy,
    layer: &AttributeLayer,
    srs_id: i32,
) -> rusqlite::Result<()> {
    let table = layer.name.as_str();
    let units = hierarchy.units(layer.level);

    let mut create = format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON",
        quoted(table)
    );
    for column in &layer.columns {
        let ty = match column.values {
            AttributeValues::Real(_) => "REAL",
            AttributeValues::Integer(_) => "INTEGER",
            AttributeValues::Text(_) => "TEXT",
        };
        let _ = write!(create, ", {} {ty}", quoted(&column.name));
    }
    create.push(')');
    tx.execute_batch(&create)?;

    let envelopes: Vec<Option<Rect<f64>>> = units
        .iter()
        .map(|u| non_empty_bounds(u.geometry()))
        .collect();
    let extent = envelopes
        .iter()
        .flatten()
        .fold(None, |acc: Option<Rect<f64>>, r| {
            Some(match acc {
                None => *r,
                Some(a) => Rect::new(
                    geo::coord! { x: a.min().x.min(r.min().x), y: a.min().y.min(r.min().y) },
                    geo::coord! { x: a.max().x.max(r.max().x), y: a.max().y.max(r.max().y) },
                ),
            })
        });
    tx.execute(
        "INSERT INTO gpkg_contents
           (table_name, data_type, identifier, description, last_change,
            min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?1, '', ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            table,
            FIXED_TIMESTAMP,
            extent.map(|r| r.min().x),
            extent.map(|r| r.min().y),
            extent.map(|r| r.max().x),
            extent.map(|r| r.max().y),
            srs_id
        ],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns
           (table_name, column_name, geometry_type_name, srs_id, z, m)
         VALUES (?1, 'geom', 'MULTIPOLYGON', ?2, 0, 0)",
        params![table, srs_id],
    )?;

    let columns: String = layer
        .columns
        .iter()
        .map(|c| format!(", {}", quoted(&c.name)))
        .collect();
    let placeholders: String = (0..layer.columns.len())
        .map(|i| format!(", ?{}", i + 3))
        .collect();
    let mut insert = tx.prepare(&format!(
        "INSERT INTO {} (fid, geom{columns}) VALUES (?1, ?2{placeholders})",
        quoted(table)
    ))?;
    for (row, (unit, envelope)) in units.iter().zip(&envelopes).enumerate() {
        let fid = row as i64 + 1;
        let blob = geopackage_binary(unit.geometry(), *envelope, srs_id);
        insert.raw_bind_parameter(1, fid)?;
        insert.raw_bind_parameter(2, blob)?;
        for (i, column) in layer.columns.iter().enumerate() {
            let index = i + 3;
            match &column.values {
                AttributeValues::Real(v) => insert.raw_bind_parameter(
                    index,
                    v.get(row).copied().flatten().filter(|x| x.is_finite()),
                )?,
                AttributeValues::Integer(v) => {
                    insert.raw_bind_parameter(index, v.get(row).copied().flatten())?
                }
                AttributeValues::Text(v) => {
                    insert.raw_bind_parameter(index, v.get(row).and_then(|s| s.as_deref()))?
                }
            }
        }
        insert.raw_execute()?;
    }
    drop(insert);

    let rtree = quoted(&format!("rtree_{table}_geom"));
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy)"
    ))?;
    let mut insert = tx.prepare(&format!(
        "INSERT INTO {rtree} (id, minx, maxx, miny, maxy) VALUES (?1, ?2, ?3, ?4, ?5)"
    ))?;
    for (row, envelope) in envelopes.iter().enumerate() {
        if let Some(r) = envelope {
            insert.execute(params![
                row as i64 + 1,
                r.min().x,
                r.max().x,
                r.min().y,
                r.max().y
            ])?;
        }
    }
    drop(insert);
    tx.execute_batch(&rtree_triggers(table, "geom", "fid"))?;
    tx.execute(
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
         VALUES (?1, 'geom', 'gpkg_rtree_index', ?2, 'write-only')",
        params![table, RTREE_DEFINITION],
    )?;
    Ok(())
}

/// The six triggers of the R-tree extension (GeoPackage 1.3, clause F.3) for table `t`,
/// geometry column `c` and primary key `i`.
fn rtree_triggers(t: &str, c: &str, i: &str) -> String {
    let r = format!("\"rtree_{t}_{c}\"");
    let tr = |suffix: &str| format!("\"rtree_{t}_{c}_{suffix}\"");
    let insert_new = format!(
        "INSERT OR REPLACE INTO {r} VALUES (NEW.\"{i}\", ST_MinX(NEW.\"{c}\"), ST_MaxX(NEW.\"{c}\"), ST_MinY(NEW.\"{c}\"), ST_MaxY(NEW.\"{c}\"));"
    );
    format!(
        "CREATE TRIGGER {insert} AFTER INSERT ON \"{t}\"
           WHEN (new.\"{c}\" NOT NULL AND NOT ST_IsEmpty(NEW.\"{c}\"))
         BEGIN
           {insert_new}
         END;
         CREATE TRIGGER {update1} AFTER UPDATE OF \"{c}\" ON \"{t}\"
           WHEN OLD.\"{i}\" = NEW.\"{i}\" AND (NEW.\"{c}\" NOTNULL AND NOT ST_IsEmpty(NEW.\"{c}\"))
         BEGIN
           {insert_new}
         END;
         CREATE TRIGGER {update2} AFTER UPDATE OF \"{c}\" ON \"{t}\"
           WHEN OLD.\"{i}\" = NEW.\"{i}\" AND (NEW.\"{c}\" ISNULL OR ST_IsEmpty(NEW.\"{c}\"))
         BEGIN
           DELETE FROM {r} WHERE id = OLD.\"{i}\";
         END;
         CREATE TRIGGER {update3} AFTER UPDATE OF \"{c}\" ON \"{t}\"
           WHEN OLD.\"{i}\" != NEW.\"{i}\" AND (NEW.\"{c}\" NOTNULL AND NOT ST_IsEmpty(NEW.\"{c}\"))
         BEGIN
           DELETE FROM {r} WHERE id = OLD.\"{i}\";
           {insert_new}
         END;
         CREATE TRIGGER {update4} AFTER UPDATE ON \"{t}\"
           WHEN OLD.\"{i}\" != NEW.\"{i}\" AND (NEW.\"{c}\" ISNULL OR ST_IsEmpty(NEW.\"{c}\"))
         BEGIN
           DELETE FROM {r} WHERE id IN (OLD.\"{i}\", NEW.\"{i}\");
         END;
         CREATE TRIGGER {delete} AFTER DELETE ON \"{t}\"
           WHEN old.\"{c}\" NOT NULL
         BEGIN
           DELETE FROM {r} WHERE id = OLD.\"{i}\";
         END;",
        insert = tr("insert"),
        update1 = tr("update1"),
        update2 = tr("update2"),
        update3 = tr("update3"),
        update4 = tr("update4"),
        delete = tr("delete"),
    )
}

/// The bounding rectangle of a geometry with at least one coordinate.
fn non_empty_bounds(geometry: &MultiPolygon<f64>) -> Option<Rect<f64>> {
    geometry.bounding_rect()
}

/// Encodes a geometry as `GeoPackageBinary`: header (`GP`, version 0, flags, `srs_id`,
/// envelope `[minx, maxx, miny, maxy]`, or none when empty) and little-endian WKB.
pub(crate) fn geopackage_binary(
    geometry: &MultiPolygon<f64>,
    envelope: Option<Rect<f64>>,
    srs_id: i32,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(40 + wkb_len(geometry));
    out.extend_from_slice(b"GP");
    out.push(0);
    match envelope {
        Some(r) => {
            // Little-endian (bit 0), envelope type 1 (bits 1-3).
            out.push(0b0000_0011);
            out.extend_from_slice(&srs_id.to_le_bytes());
            for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            // Little-endian, no envelope, empty geometry (bit 4).
            out.push(0b0001_0001);
            out.extend_from_slice(&srs_id.to_le_bytes());
        }
    }
    write_wkb(&mut out, geometry);
    out
}

/// The `layer_styles` table as QGIS creates it in a GeoPackage (through GDAL), registered in
/// `gpkg_contents` as `attributes`, with one default style per styled layer.
fn write_styles(
    tx: &rusqlite::Transaction<'_>,
    styled: &[(&AttributeLayer, &LayerStyle)],
) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE \"layer_styles\" (
           \"id\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
           \"f_table_catalog\" TEXT(256),
           \"f_table_schema\" TEXT(256),
           \"f_table_name\" TEXT(256),
           \"f_geometry_column\" TEXT(256),
           \"styleName\" TEXT(30),
           \"styleQML\" TEXT,
           \"styleSLD\" TEXT,
           \"useAsDefault\" BOOLEAN,
           \"description\" TEXT,
           \"owner\" TEXT(30),
           \"ui\" TEXT(30),
           \"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
         );",
    )?;
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
         VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?1)",
        params![FIXED_TIMESTAMP],
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO layer_styles
           (id, f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,
            styleQML, styleSLD, useAsDefault, description, owner, ui, update_time)
         VALUES (?1, '', '', ?2, 'geom', ?3, ?4, '', 1, ?5, '', NULL, ?6)",
    )?;
    for (i, (layer, style)) in styled.iter().enumerate() {
        insert.execute(params![
            i as i64 + 1,
            layer.name,
            style.name,
            qml(style),
            format!("quartier {}", env!("CARGO_PKG_VERSION")),
            FIXED_TIMESTAMP
        ])?;
    }
    Ok(())
}

/// Escapes text for an XML attribute value.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// One QGIS symbol layer: `<layer class=..>` with its properties as an `Option` map and as
/// `prop` elements, then `inner` (a sub-symbol), indented by `indent`.
fn symbol_layer(
    out: &mut String,
    indent: &str,
    class: &str,
    props: &[(&str, String)],
    inner: &str,
) {
    let _ = writeln!(
        out,
        "{indent}<layer class=\"{class}\" enabled=\"1\" locked=\"0\" pass=\"0\">"
    );
    let _ = writeln!(out, "{indent}  <Option type=\"Map\">");
    for (k, v) in props {
        let _ = writeln!(
            out,
            "{indent}    <Option name=\"{k}\" type=\"QString\" value=\"{}\"/>",
            xml_escape(v)
        );
    }
    let _ = writeln!(out, "{indent}  </Option>");
    for (k, v) in props {
        let _ = writeln!(out, "{indent}  <prop k=\"{k}\" v=\"{}\"/>", xml_escape(v));
    }
    out.push_str(inner);
    let _ = writeln!(out, "{indent}</layer>");
}

/// Properties of a solid `SimpleFill` in `color` (`r,g,b,a`) with a thin white outline.
fn simple_fill(color: String) -> Vec<(&'static str, String)> {
    vec![
        ("border_width_map_unit_scale", "3x:0,0,0,0,0,0".into()),
        ("color", color),
        ("joinstyle", "bevel".into()),
        ("offset", "0,0".into()),
        ("offset_map_unit_scale", "3x:0,0,0,0,0,0".into()),
        ("offset_unit", "MM".into()),
        ("outline_color", "255,255,255,255".into()),
        ("outline_style", "solid".into()),
        ("outline_width", "0.2".into()),
        ("outline_width_unit", "MM".into()),
        ("style", "solid".into()),
    ]
}

/// Opens a fill symbol named `name`.
fn open_symbol(out: &mut String, indent: &str, kind: &str, name: &str) {
    let _ = writeln!(
        out,
        "{indent}<symbol alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\" name=\"{name}\" type=\"{kind}\">"
    );
}

/// Dark grey of the no-data hatching and light grey of its background (`r,g,b,a`).
const HATCH_COLOR: &str = "77,77,77,255";
const HATCH_BACKGROUND: &str = "240,240,240,255";

/// The QML document of a categorized style (see the module docs).
pub(crate) fn qml(style: &LayerStyle) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n");
    let _ = writeln!(
        out,
        "<qgis version=\"{QGIS_VERSION}\" styleCategories=\"Symbology\">"
    );
    let _ = writeln!(
        out,
        "  <renderer-v2 attr=\"{}\" enableorderby=\"0\" forceraster=\"0\" referencescale=\"-1\" symbollevels=\"0\" type=\"categorizedSymbol\">",
        xml_escape(&style.column)
    );
    out.push_str("    <categories>\n");
    for (i, class) in style.classes.iter().enumerate() {
        let _ = writeln!(
            out,
            "      <category label=\"{}\" render=\"true\" symbol=\"{i}\" value=\"{}\"/>",
            xml_escape(&class.label),
            class.value
        );
    }
    let no_data = style.classes.len();
    let _ = writeln!(
        out,
        "      <category label=\"{}\" render=\"true\" symbol=\"{no_data}\" value=\"\"/>",
        xml_escape(&style.no_data_label)
    );
    out.push_str("    </categories>\n    <symbols>\n");
    for (i, class) in style.classes.iter().enumerate() {
        // Validated before: an unparsable colour cannot reach here; black as a fallback.
        let [r, g, b] = parse_color(&class.color).unwrap_or([0, 0, 0]);
        open_symbol(&mut out, "      ", "fill", &i.to_string());
        symbol_layer(
            &mut out,
            "        ",
            "SimpleFill",
            &simple_fill(format!("{r},{g},{b},255")),
            "",
        );
        out.push_str("      </symbol>\n");
    }
    open_symbol(&mut out, "      ", "fill", &no_data.to_string());
    symbol_layer(
        &mut out,
        "        ",
        "SimpleFill",
        &simple_fill(HATCH_BACKGROUND.to_owned()),
        "",
    );
    let mut line = String::new();
    open_symbol(&mut line, "          ", "line", &format!("@{no_data}@1"));
    symbol_layer(
        &mut line,
        "            ",
        "SimpleLine",
        &[
            ("capstyle", "square".into()),
            ("joinstyle", "bevel".into()),
            ("line_color", HATCH_COLOR.into()),
            ("line_style", "solid".into()),
            ("line_width", "0.25".into()),
            ("line_width_unit", "MM".into()),
            ("offset", "0".into()),
            ("offset_unit", "MM".into()),
        ],
        "",
    );
    line.push_str("          </symbol>\n");
    symbol_layer(
        &mut out,
        "        ",
        "LinePatternFill",
        &[
            ("angle", "45".into()),
            ("color", HATCH_COLOR.into()),
            ("distance", "1.5".into()),
            ("distance_map_unit_scale", "3x:0,0,0,0,0,0".into()),
            ("distance_unit", "MM".into()),
            ("line_width", "0.25".into()),
            ("line_width_map_unit_scale", "3x:0,0,0,0,0,0".into()),
            ("line_width_unit", "MM".into()),
            ("offset", "0".into()),
            ("offset_map_unit_scale", "3x:0,0,0,0,0,0".into()),
            ("offset_unit", "MM".into()),
            ("outline_width_map_unit_scale", "3x:0,0,0,0,0,0".into()),
            ("outline_width_unit", "MM".into()),
        ],
        &line,
    );
    out.push_str("      </symbol>\n    </symbols>\n    <rotation/>\n    <sizescale/>\n");
    out.push_str(
        "  </renderer-v2>\n  <blendMode>0</blendMode>\n  <featureBlendMode>0</featureBlendMode>\n",
    );
    out.push_str(
        "  <layerOpacity>1</layerOpacity>\n  <layerGeometryType>2</layerGeometryType>\n</qgis>\n",
    );
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::render::StyleClass;
    use geo::polygon;

    #[test]
    fn identifiers() {
        for ok in ["a", "_x", "anteil_alo_2024", "q1"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "Wert", "a-b", "ä", "a b", &"a".repeat(64)] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn colors() {
        assert_eq!(parse_color("#ff8000"), Some([255, 128, 0]));
        assert_eq!(parse_color("#FF8000"), Some([255, 128, 0]));
        assert_eq!(parse_color("ff8000"), None);
        assert_eq!(parse_color("#ff800"), None);
        assert_eq!(parse_color("#gg8000"), None);
    }

    #[test]
    fn wkb_of_a_square_with_a_hole_matches_hand_encoding() {
        let square = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 1.0, y: 2.0), (x: 1.0, y: 1.0)]],
        );
        let mp = MultiPolygon::new(vec![square]);
        let mut wkb = Vec::new();
        write_wkb(&mut wkb, &mp);
        assert_eq!(wkb.len(), wkb_len(&mp));
        // Hand-encoded prefix: LE, type 6, 1 polygon, LE, type 3, 2 rings, 4 points.
        assert_eq!(
            &wkb[..22],
            &[
                1, 6, 0, 0, 0, 1, 0, 0, 0, 1, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0
            ]
        );
        assert_eq!(&wkb[22..30], &0f64.to_le_bytes());
        assert_eq!(&wkb[38..46], &4f64.to_le_bytes());
    }

    #[test]
    fn empty_geometry_sets_the_empty_flag_without_envelope() {
        let blob = geopackage_binary(&MultiPolygon::new(vec![]), None, 25832);
        assert_eq!(&blob[..4], b"GP\x00\x11");
        assert_eq!(&blob[4..8], &25832i32.to_le_bytes());
        assert_eq!(&blob[8..], &[1, 6, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn qml_is_xml_with_one_category_per_class_and_a_null_category() {
        let style = LayerStyle {
            name: "Index <Klassen>".into(),
            column: "klasse".into(),
            classes: vec![
                StyleClass {
                    value: 1,
                    label: "niedrig & \"gut\"".into(),
                    color: "#2c7bb6".into(),
                },
                StyleClass {
                    value: 2,
                    label: "hoch".into(),
                    color: "#d7191c".into(),
                },
            ],
            no_data_label: "keine Daten".into(),
        };
        let text = qml(&style);
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(&text, opts).unwrap();
        let cats: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("category"))
            .map(|n| {
                (
                    n.attribute("value").unwrap().to_owned(),
                    n.attribute("label").unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            cats,
            [
                ("1".to_owned(), "niedrig & \"gut\"".to_owned()),
                ("2".to_owned(), "hoch".to_owned()),
                (String::new(), "keine Daten".to_owned()),
            ]
        );
        let hatch = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("LinePatternFill"))
            .unwrap();
        assert!(
            hatch
                .descendants()
                .any(|n| n.attribute("k") == Some("angle") && n.attribute("v") == Some("45"))
        );
        assert!(text.contains("v=\"215,25,28,255\""));
    }
}
