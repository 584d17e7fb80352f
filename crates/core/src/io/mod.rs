//! Input and output at the edges: GeoJSON, CSV; atomic writes.
//!
//! Only this module touches the file system. Every output file is written atomically: to a
//! temporary file in the same folder, flushed, then renamed over the target, so a reader (or
//! an interrupted run) sees either the old complete file or the new complete file.
//!
//! Errors name the file, the line or feature and the field, never a value from a record.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

mod assignment;
mod counts;
mod crosswalk_csv;
mod geojson;
mod gpkg;
mod gpkg_read;
mod house_coordinates;
mod layer;
mod layers_geojson;
mod points;
mod postgis;
mod protected;
mod ranking;
mod records;
mod report;
mod shapefile;
mod trends_csv;
mod wkb;

pub use self::geojson::{
    BlockLayerSpec, GeoJsonProblem, JsonErrorKind, read_block_features, read_hierarchy,
    read_unit_features, read_units_geojson, write_block_layer, write_units,
};
pub use self::layer::{
    LayerFormat, LayerSource, LayerSourceProblem, UpperLevelSource, read_block_layer_any,
    read_hierarchy_from, read_unit_layer_any,
};
pub use self::shapefile::{
    ShapefileProblem, read_block_features_shapefile, read_unit_features_shapefile,
    read_units_shapefile,
};
pub use assignment::write_assignment_csv;
pub use counts::{write_counts_csv, write_counts_csv_to};
pub use crosswalk_csv::{read_crosswalk_csv, write_crosswalk_csv};
pub use gpkg::{LayerProblem, Srs, write_geopackage};
pub use gpkg_read::{GeoPackageProblem, read_block_features_gpkg, read_hierarchy_gpkg};
pub use house_coordinates::{
    CsvColumn, HeaderRow, HouseCoordinateColumns, HouseCoordinateFile, SkipReason, SkippedRow,
    UnmatchedRow, read_house_coordinates, read_house_coordinates_bytes, write_unmatched_csv,
};
pub use layers_geojson::write_layer_geojson;
pub use points::{
    CsvEncoding, CsvOptions, CsvProblem, MAX_CSV_LINE_BYTES, PointColumns, PointTable,
    read_points_csv, read_points_csv_bytes, read_points_csv_bytes_with, read_points_csv_with,
};
pub(crate) use postgis::check_conninfo;
pub use postgis::{
    PostgisProblem, PostgisSource, PostgisTarget, Relation, check_postgis_target,
    read_block_features_postgis, read_records_postgis, read_unit_features_postgis,
    write_postgis_layers,
};
pub use protected::{
    ProtectedCsvProblem, read_protected_csv, sha256_file, write_anonymized, write_grouping_csv,
    write_protected_csv, write_protected_csv_to, write_protocol_json, write_protocol_markdown,
};
pub use ranking::{write_ranking_csv, write_ranking_json};
pub use records::{
    AddressColumns, RecordColumns, RecordFile, RecordLocation, RejectReason, Rejection,
    read_records_csv, read_records_csv_bytes,
};
pub use report::write_report;
pub use trends_csv::write_trends_csv;
pub use wkb::{
    WkbBlockColumns, WkbColumnsProblem, WkbProblem, multipolygon_from_wkb, multipolygon_to_wkb,
    read_hierarchy_wkb,
};

/// Errors of reading or writing files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// A level or grouping name cannot be used in a file name (see
    /// [`is_layer_name`](crate::is_layer_name)).
    #[error(
        "layer name `{name}` cannot be used in a file name: use letters, digits, `_` and `-` only, 1 to 64 characters"
    )]
    LayerName {
        /// The name.
        name: String,
    },
    /// A file could not be opened, read, written or renamed.
    #[error("{path}: {source}")]
    File {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV file is unusable as a whole (no header, missing column, broken syntax).
    #[error("{path}: {problem}")]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        problem: CsvProblem,
    },
    /// A GeoJSON file, one of its features or a field is unusable.
    #[error("{}{}: {problem}", .path.display(), self::geojson::location(.feature, .field))]
    GeoJson {
        /// The file concerned.
        path: PathBuf,
        /// Index of the feature concerned, if any.
        feature: Option<usize>,
        /// The field (property) concerned, if any.
        field: Option<String>,
        /// What is wrong.
        problem: GeoJsonProblem,
    },
    /// A Shapefile or one of its records is unusable.
    #[error("{path}{}{}: {problem}", record.map(|r| format!(", record {r}")).unwrap_or_default(), field.as_deref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Shapefile {
        /// The file concerned (the `.shp`).
        path: PathBuf,
        /// 0-based index of the record concerned, if any.
        record: Option<usize>,
        /// The attribute concerned, if any.
        field: Option<String>,
        /// What is wrong.
        problem: ShapefileProblem,
    },
    /// A layer source is unusable: an unsupported format, a layer name for a single-layer
    /// format, an upper level source for no upper level.
    #[error("{path}: {problem}")]
    LayerSource {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        problem: LayerSourceProblem,
    },
    /// A crosswalk file read back ([`read_crosswalk_csv`]) is unusable (line 0: the links as
    /// a whole).
    #[error("{path}: line {line}: {message}")]
    CrosswalkCsv {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line; 0 when the links as a whole do not make a crosswalk.
        line: u64,
        /// What is wrong (block ids, never a person's data).
        message: String,
    },
    /// A protected table file read back ([`read_protected_csv`]) is unusable.
    #[error("{path}: line {line}{}: {problem}", column.map(|c| format!(", column `{c}`")).unwrap_or_default())]
    ProtectedCsv {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column concerned, if any.
        column: Option<&'static str>,
        /// What is wrong.
        problem: ProtectedCsvProblem,
    },
    /// A level index is out of range for the hierarchy to be written.
    #[error("{path}: no level {level} in a hierarchy of {levels} levels")]
    NoSuchLevel {
        /// The file that was to be written.
        path: PathBuf,
        /// The level asked for.
        level: usize,
        /// Number of levels of the hierarchy.
        levels: usize,
    },
    /// An attribute layer cannot be written (GeoPackage, GeoJSON): a bad name, a column of
    /// the wrong length, a style that does not fit.
    #[error("{path}: layer `{layer}`{}: {problem}", column.as_deref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
    AttributeLayer {
        /// The file that was to be written.
        path: PathBuf,
        /// The layer concerned.
        layer: String,
        /// The column concerned, if any.
        column: Option<String>,
        /// What is wrong.
        problem: LayerProblem,
    },
    /// The SQLite database of a GeoPackage could not be created, read or written.
    #[error("{path}: sqlite: {source}")]
    Sqlite {
        /// The file that was to be written.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A GeoPackage, one of its layers, features or fields is unusable for reading.
    #[error("{}{}: {problem}", .path.display(), self::gpkg_read::location(.layer, .fid, .field))]
    GeoPackage {
        /// The file concerned.
        path: PathBuf,
        /// The layer (feature table) concerned, once known.
        layer: Option<String>,
        /// The `fid` of the feature concerned, if any.
        fid: Option<i64>,
        /// The field (column) concerned, if any.
        field: Option<String>,
        /// What is wrong.
        problem: GeoPackageProblem,
    },
    /// A PostGIS source or target is unusable: the server, the table, a column, a row.
    /// Names the table or query and the server (never a password) and, where it applies,
    /// the 1-based row and the column — never a value of a record.
    #[error("{what}{}{}: {problem}", row.map(|r| format!(", row {r}")).unwrap_or_default(), column.as_deref().map(|c| format!(", {}", if c.starts_with("layer ") { c.to_owned() } else { format!("column `{c}`") })).unwrap_or_default())]
    Postgis {
        /// The table, query or target schema, and the connection string (without a
        /// password).
        what: String,
        /// 1-based row number, in the order read, if any.
        row: Option<u64>,
        /// The column (or `layer <name>` for a target) concerned, if any.
        column: Option<String>,
        /// What is wrong.
        problem: Box<PostgisProblem>,
    },
    /// A block layer given in memory as WKB geometries and id columns
    /// ([`WkbBlockColumns`]) is unusable.
    #[error("wkb block columns{}{}: {problem}", feature.map(|f| format!(": feature {f}")).unwrap_or_default(), column.as_deref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
    WkbColumns {
        /// 0-based index of the feature (row) concerned, if any.
        feature: Option<usize>,
        /// The column concerned (a level name, or `name`), if any.
        column: Option<String>,
        /// What is wrong.
        problem: WkbColumnsProblem,
    },
}

impl IoError {
    pub(crate) fn file(path: &Path, source: std::io::Error) -> Self {
        Self::File {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Reads a flat polygon layer (ids from `id_field`, file order) from a GeoJSON
/// FeatureCollection or, for a path ending in `.shp`, a Shapefile.
///
/// # Examples
///
/// ```no_run
/// let units = quartier::read_units("blocks.geojson".as_ref(), "block_id")?;
/// let index = quartier::UnitIndex::new(units)?;
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// As [`read_units_geojson`] or [`read_units_shapefile`].
pub fn read_units(
    path: &Path,
    id_field: &str,
) -> Result<Vec<(crate::hierarchy::UnitId, geo::MultiPolygon<f64>)>, IoError> {
    let is_shp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if is_shp {
        read_units_shapefile(path, id_field)
    } else {
        read_units_geojson(path, id_field)
    }
}

/// The temporary file of an atomic write of `path`: `.<file name>.tmp-<pid>` in the same
/// folder, so that the final rename stays on one file system.
pub(super) fn temp_path(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_owned());
    dir.join(format!(".{file_name}.tmp-{}", std::process::id()))
}

/// Removes the temporary files that earlier, interrupted writes of `path` left behind
/// (`.<file name>.tmp-<pid>` of another process: a run killed between creating and renaming
/// its temporary file), so that a re-run leaves the folder as a clean run does. Best effort:
/// a file that cannot be removed is left.
///
/// Two processes writing the same target at the same time are not supported anyway (the
/// last rename wins); this cleanup could remove the other's temporary file and make its
/// write fail with an error, never produce a partial target.
pub(super) fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.tmp-");
    let own = std::process::id().to_string();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        if let Some(pid) = file.strip_prefix(&prefix) {
            if pid != own && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// Writes a file atomically: `write` fills a temporary file in the target's folder, which is
/// then synced and renamed over `path`.
///
/// On any error the temporary file is removed and `path` is left as it was. After a
/// successful write, temporary files of earlier interrupted writes of `path` are removed.
///
/// # Errors
///
/// [`IoError::File`] when the temporary file cannot be created, written, synced or renamed.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<(), IoError>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let tmp = temp_path(path);
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    match result {
        Ok(()) => {
            remove_stale_temps(path);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(IoError::file(path, e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, |w| w.write_all(b"old")).unwrap();
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_write_removes_the_temporary_files_of_interrupted_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let stale = dir.path().join(".a.txt.tmp-999999999");
        let other = dir.path().join(".b.txt.tmp-999999999");
        let not_ours = dir.path().join(".a.txt.tmp-notapid");
        for p in [&stale, &other, &not_ours] {
            fs::write(p, b"partial").unwrap();
        }
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert!(
            !stale.exists(),
            "the stale temporary file of a.txt is removed"
        );
        assert!(
            other.exists() && not_ours.exists(),
            "nothing else is touched"
        );
    }

    #[test]
    fn failed_atomic_write_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, |w| w.write_all(b"old")).unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("interrupted"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
