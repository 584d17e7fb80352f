//! Polygon layers from ESRI Shapefiles (`.shp` + `.shx` + `.dbf`, optionally `.cpg`).
//!
//! Many offices keep their block layers as Shapefiles exported from ALKIS or QGIS. Only
//! `Polygon` shapes (with or without Z/M) are accepted. Errors name the file, the record
//! (0-based, as in QGIS's feature ids) and the field, never a value of a record.
//!
//! The attribute table (`.dbf`) is read here rather than through the `shapefile` crate, so
//! that its text encoding can be chosen:
//!
//! - a `.cpg` file next to the `.shp` decides (`UTF-8`, `1252`, `ISO-8859-1`, or any label
//!   the WHATWG encoding standard knows, via `encoding_rs`); an unknown label is an error;
//! - without a `.cpg`, text is read as Windows-1252 (a superset of ISO-8859-1's printable
//!   characters), which is what the dBase "ANSI" language driver byte and GDAL's default mean,
//!   except for tables with the language driver byte `0xF0` (UTF-8, as the Rust `dbase`
//!   crate writes them);
//! - text that is not valid in the chosen encoding is an error naming record and field.
//!
//! Ids come from character fields (trimmed) or numeric fields (`N`, `F`: integers as decimal
//! text, whole numbers without `.0`; `I`: 32-bit integers; `O`: doubles). Records marked as
//! deleted in the `.dbf` are skipped, as GDAL and QGIS do; record numbers stay those of the
//! file.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;
use geo::MultiPolygon;
use shapefile::{Shape, ShapeType};

use super::IoError;
use super::geojson::BlockLayerSpec;
use crate::hierarchy::{BlockFeature, GeometryProblem, UnitFeature, UnitId, geometry_problem};

/// What is wrong with a Shapefile or one of its records.
///
/// # Examples
///
/// ```
/// use quartier::ShapefileProblem;
///
/// assert_eq!(ShapefileProblem::MissingField.to_string(), "missing or empty field");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapefileProblem {
    /// The file set is unreadable or corrupt (`.shp`, `.shx` or `.dbf`).
    Corrupt,
    /// The field is not in the attribute table (reported for record 0), or empty for this
    /// record.
    MissingField,
    /// The id field has a type that cannot be an id (e.g. a date or a logical).
    FieldType {
        /// The dBase type found.
        found: &'static str,
    },
    /// A numeric field holds something that is not a number.
    BadNumber,
    /// The `.cpg` file names an encoding that is not known.
    UnknownEncoding {
        /// The label in the `.cpg` file (at most 40 characters).
        label: String,
    },
    /// A text field is not valid in the encoding of the attribute table.
    BadText {
        /// The encoding used.
        encoding: &'static str,
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
    /// The `.shp` and the `.dbf` hold different numbers of records.
    RecordCount {
        /// Shapes in the `.shp`.
        shapes: usize,
        /// Records in the `.dbf`.
        records: usize,
    },
    /// A [`BlockLayerSpec`] names a different number of levels and id fields.
    SpecMismatch {
        /// Number of levels.
        levels: usize,
        /// Number of id fields.
        id_fields: usize,
    },
}

impl fmt::Display for ShapefileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Corrupt => f.write_str("unreadable or corrupt shapefile"),
            Self::MissingField => f.write_str("missing or empty field"),
            Self::FieldType { found } => write!(f, "field of type {found} cannot be an id"),
            Self::BadNumber => f.write_str("numeric field does not hold a number"),
            Self::UnknownEncoding { label } => {
                write!(f, "unknown encoding `{label}` in the .cpg file")
            }
            Self::BadText { encoding } => write!(f, "text is not valid {encoding}"),
            Self::UnsupportedShape { found } => {
                write!(f, "shape type {found} is not supported (polygons only)")
            }
            Self::InvalidGeometry { problem } => write!(f, "invalid geometry: {problem}"),
            Self::OrphanedInnerRing => f.write_str("a hole comes before any outer ring"),
            Self::DuplicateId { first_record } => {
                write!(f, "duplicate id, first used by record {first_record}")
            }
            Self::RecordCount { shapes, records } => write!(
                f,
                "the .shp holds {shapes} shapes but the .dbf {records} records"
            ),
            Self::SpecMismatch { levels, id_fields } => write!(
                f,
                "the layer spec names {levels} levels but {id_fields} id fields"
            ),
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

/// The encoding named by a `.cpg` label.
fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let upper = label
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_uppercase();
    match upper.as_str() {
        "UTF-8" | "UTF8" | "65001" => Some(encoding_rs::UTF_8),
        // encoding_rs maps ISO-8859-1 to Windows-1252 (WHATWG), a superset of its printable
        // characters.
        "1252" | "CP1252" | "ANSI 1252" | "WINDOWS-1252" | "ISO-8859-1" | "ISO8859-1"
        | "8859-1" | "88591" | "LATIN1" => Some(encoding_rs::WINDOWS_1252),
        "8859-15" | "885915" => Some(encoding_rs::ISO_8859_15),
        other => Encoding::for_label(other.as_bytes()),
    }
}

/// A field of a dBase table: name, type letter, byte offset in a record and width.
struct DbfField {
    name: String,
    kind: u8,
    offset: usize,
    len: usize,
}

/// A `.dbf` attribute table in memory.
struct Dbf {
    bytes: Vec<u8>,
    fields: Vec<DbfField>,
    header_len: usize,
    record_len: usize,
    records: usize,
    encoding: &'static Encoding,
}

impl Dbf {
    /// Reads the `.dbf` (and `.cpg`) belonging to the `.shp` at `path`.
    fn open(path: &Path) -> Result<Self, IoError> {
        let corrupt = || error(path, None, None, ShapefileProblem::Corrupt);
        let sibling = |ext: &str| {
            let lower = path.with_extension(ext);
            if lower.exists() {
                Some(lower)
            } else {
                let upper = path.with_extension(ext.to_ascii_uppercase());
                upper.exists().then_some(upper)
            }
        };
        let dbf_path = sibling("dbf").unwrap_or_else(|| path.with_extension("dbf"));
        let bytes = std::fs::read(&dbf_path).map_err(|e| IoError::file(&dbf_path, e))?;
        let encoding = match sibling("cpg") {
            Some(cpg) => {
                let raw = std::fs::read(&cpg).map_err(|e| IoError::file(&cpg, e))?;
                let label = String::from_utf8_lossy(&raw);
                encoding_for_label(&label).ok_or_else(|| {
                    let label = label.trim().chars().take(40).collect();
                    error(
                        path,
                        None,
                        None,
                        ShapefileProblem::UnknownEncoding { label },
                    )
                })?
            }
            // The `dbase` crate marks UTF-8 tables with the language driver byte 0xF0.
            None if bytes.get(29) == Some(&0xf0) => encoding_rs::UTF_8,
            None => encoding_rs::WINDOWS_1252,
        };
        if bytes.len() < 32 {
            return Err(corrupt());
        }
        let records = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
        if header_len > bytes.len() || record_len == 0 {
            return Err(corrupt());
        }
        let mut fields = Vec::new();
        let mut offset = 1; // the deletion flag
        let mut pos = 32;
        while pos + 32 <= header_len && bytes[pos] != 0x0d {
            let d = &bytes[pos..pos + 32];
            let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
            let (name, _, _) = encoding.decode(&d[..name_end]);
            let len = usize::from(d[16]);
            fields.push(DbfField {
                name: name.trim().to_owned(),
                kind: d[11],
                offset,
                len,
            });
            offset += len;
            pos += 32;
        }
        let needed = records
            .checked_mul(record_len)
            .and_then(|n| n.checked_add(header_len));
        if offset > record_len || needed.is_none_or(|n| n > bytes.len()) {
            return Err(corrupt());
        }
        Ok(Self {
            bytes,
            fields,
            header_len,
            record_len,
            records,
            encoding,
        })
    }

    /// The field of this name: exact match first, then ignoring ASCII case (dBase names
    /// are usually upper case).
    fn field(&self, name: &str) -> Option<&DbfField> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
        })
    }

    fn record(&self, record: usize) -> &[u8] {
        let start = self.header_len + record * self.record_len;
        &self.bytes[start..start + self.record_len]
    }

    fn is_deleted(&self, record: usize) -> bool {
        self.record(record)[0] == b'*'
    }

    /// A field's value as id text: `None` when empty.
    fn text(&self, record: usize, field: &DbfField) -> Result<Option<String>, ShapefileProblem> {
        let raw = &self.record(record)[field.offset..field.offset + field.len];
        let blank = |b: &u8| *b == b' ' || *b == 0;
        let whole = |v: f64| {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{v:.0}")
            } else {
                v.to_string()
            }
        };
        match field.kind {
            b'C' => {
                let start = raw.iter().position(|b| !blank(b)).unwrap_or(raw.len());
                let end = raw.iter().rposition(|b| !blank(b)).map_or(start, |e| e + 1);
                let trimmed = &raw[start..end];
                if trimmed.is_empty() {
                    return Ok(None);
                }
                let text = self
                    .encoding
                    .decode_without_bom_handling_and_without_replacement(trimmed)
                    .ok_or(ShapefileProblem::BadText {
                        encoding: self.encoding.name(),
                    })?;
                Ok(Some(text.trim().to_owned()).filter(|s| !s.is_empty()))
            }
            b'N' | b'F' => {
                let text = std::str::from_utf8(raw)
                    .map_err(|_| ShapefileProblem::BadNumber)?
                    .trim_matches(|c: char| c == ' ' || c == '\0');
                if text.is_empty() || text.bytes().all(|b| b == b'*') {
                    return Ok(None);
                }
                if let Ok(i) = text.parse::<i128>() {
                    return Ok(Some(i.to_string()));
                }
                let v: f64 = text.parse().map_err(|_| ShapefileProblem::BadNumber)?;
                if !v.is_finite() {
                    return Err(ShapefileProblem::BadNumber);
                }
                Ok(Some(whole(v)))
            }
            b'I' if raw.len() == 4 => Ok(Some(
                i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]).to_string(),
            )),
            b'O' if raw.len() == 8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(raw);
                let v = f64::from_le_bytes(b);
                if v.is_finite() {
                    Ok(Some(whole(v)))
                } else {
                    Err(ShapefileProblem::BadNumber)
                }
            }
            other => Err(ShapefileProblem::FieldType {
                found: match other {
                    b'L' => "logical",
                    b'D' => "date",
                    b'T' | b'@' => "datetime",
                    b'Y' => "currency",
                    b'M' => "memo",
                    b'B' | b'G' => "binary",
                    _ => "unknown",
                },
            }),
        }
    }
}

/// One record of a polygon shapefile: its number, geometry (`None` for a null shape) and
/// the attribute table to read fields from.
struct ShapeRecord {
    record: usize,
    geometry: Option<MultiPolygon<f64>>,
}

/// Reads every shape (skipping records deleted in the `.dbf`) and the attribute table.
fn read_shapes(path: &Path) -> Result<(Vec<ShapeRecord>, Dbf), IoError> {
    let mut reader = shapefile::ShapeReader::from_path(path).map_err(|e| match e {
        shapefile::Error::IoError(io) => IoError::file(path, io),
        _ => error(path, None, None, ShapefileProblem::Corrupt),
    })?;
    let dbf = Dbf::open(path)?;
    let mut out = Vec::new();
    let mut count = 0;
    for (record, shape) in reader.iter_shapes().enumerate() {
        count += 1;
        let shape =
            shape.map_err(|_| error(path, Some(record), None, ShapefileProblem::Corrupt))?;
        if record >= dbf.records {
            continue; // reported below
        }
        if dbf.is_deleted(record) {
            continue;
        }
        let geom_err = |p| error(path, Some(record), None, p);
        let converted: Result<MultiPolygon<f64>, _> = match shape {
            Shape::Polygon(p) => p.try_into(),
            Shape::PolygonZ(p) => p.try_into(),
            Shape::PolygonM(p) => p.try_into(),
            Shape::NullShape => {
                out.push(ShapeRecord {
                    record,
                    geometry: None,
                });
                continue;
            }
            other => {
                return Err(geom_err(ShapefileProblem::UnsupportedShape {
                    found: other.shapetype().to_string(),
                }));
            }
        };
        // The only conversion failure is an inner ring before any outer ring.
        let geometry = converted.map_err(|_| geom_err(ShapefileProblem::OrphanedInnerRing))?;
        out.push(ShapeRecord {
            record,
            geometry: Some(geometry),
        });
    }
    if count != dbf.records {
        return Err(error(
            path,
            None,
            None,
            ShapefileProblem::RecordCount {
                shapes: count,
                records: dbf.records,
            },
        ));
    }
    Ok((out, dbf))
}

/// The field of this name, or an error naming it (for record 0, where it is first missed).
fn field<'a>(path: &Path, dbf: &'a Dbf, name: &str) -> Result<&'a DbfField, IoError> {
    dbf.field(name)
        .ok_or_else(|| error(path, Some(0), Some(name), ShapefileProblem::MissingField))
}

/// A required id of a record.
fn required(
    path: &Path,
    dbf: &Dbf,
    record: usize,
    name: &str,
    f: &DbfField,
) -> Result<String, IoError> {
    let err = |p| error(path, Some(record), Some(name), p);
    dbf.text(record, f)
        .map_err(err)?
        .ok_or_else(|| err(ShapefileProblem::MissingField))
}

/// An optional name of a record: empty is `None`.
fn optional(
    path: &Path,
    dbf: &Dbf,
    record: usize,
    name: Option<(&str, &DbfField)>,
) -> Result<Option<String>, IoError> {
    let Some((name, f)) = name else {
        return Ok(None);
    };
    dbf.text(record, f)
        .map_err(|p| error(path, Some(record), Some(name), p))
}

/// Reads a flat polygon layer from a Shapefile: ids from `id_field`, in file order.
///
/// Geometries are validated as in [`crate::HierarchyBuilder`] (non-empty, finite, rings of
/// at least 4 points, no self-intersection) and ids must be unique. Coordinates are taken as
/// they are: the layer must already be in the project CRS. Text is decoded as the `.cpg`
/// file says (see [`read_block_features_shapefile`]).
///
/// # Examples
///
/// ```no_run
/// let units = quartier::read_units_shapefile("quarters.shp".as_ref(), "QUARTIER")?;
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when a file cannot be read; [`IoError::Shapefile`] naming the file,
/// the record and the field for every problem listed in [`ShapefileProblem`] (a null shape
/// is an [`UnsupportedShape`](ShapefileProblem::UnsupportedShape)); never a value of the
/// record.
pub fn read_units_shapefile(
    path: &Path,
    id_field: &str,
) -> Result<Vec<(UnitId, MultiPolygon<f64>)>, IoError> {
    let (shapes, dbf) = read_shapes(path)?;
    let id_f = field(path, &dbf, id_field)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(shapes.len());
    for s in shapes {
        let id = required(path, &dbf, s.record, id_field, id_f)?;
        if let Some(&first_record) = seen.get(&id) {
            return Err(error(
                path,
                Some(s.record),
                Some(id_field),
                ShapefileProblem::DuplicateId { first_record },
            ));
        }
        let geom_err = |p| error(path, Some(s.record), None, p);
        let geometry = s.geometry.ok_or_else(|| {
            geom_err(ShapefileProblem::UnsupportedShape {
                found: ShapeType::NullShape.to_string(),
            })
        })?;
        if let Some(problem) = geometry_problem(&geometry) {
            return Err(geom_err(ShapefileProblem::InvalidGeometry { problem }));
        }
        seen.insert(id.clone(), s.record);
        out.push((UnitId::new(id), geometry));
    }
    Ok(out)
}

/// Reads a block layer from a Shapefile: one [`BlockFeature`] per record (in file order,
/// `feature` = the record number), with the ids of all levels from `spec.id_fields` and the
/// name from `spec.name_field`.
///
/// Field names match exactly or, failing that, ignoring ASCII case. Ids come from
/// character fields (trimmed) or numeric fields (whole numbers without `.0`). Text is
/// decoded as the `.cpg` file says (UTF-8, Windows-1252/ISO-8859-1, ...); without a `.cpg`
/// as Windows-1252. A null shape gets an empty geometry, which validation reports, as a
/// GeoJSON feature without geometry does. Geometries are not validated here (use
/// [`read_hierarchy_from`](crate::read_hierarchy_from) to get every problem as a finding).
/// Coordinates are taken as they are.
///
/// # Examples
///
/// ```no_run
/// let spec = quartier::BlockLayerSpec {
///     levels: vec!["bezirk".into(), "planungsraum".into()],
///     id_fields: vec!["BEZ".into(), "PLR_ID".into()],
///     name_field: Some("PLR_NAME".into()),
/// };
/// let blocks = quartier::read_block_features_shapefile("plr.shp".as_ref(), &spec)?;
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when a file cannot be read; [`IoError::Shapefile`] naming the file,
/// the record and the field when a field is not in the table, an id is empty or of a type
/// that cannot be an id, text is not valid in the table's encoding, a shape is not a
/// polygon, or the spec has different numbers of levels and id fields.
pub fn read_block_features_shapefile(
    path: &Path,
    spec: &BlockLayerSpec,
) -> Result<Vec<BlockFeature>, IoError> {
    if spec.levels.len() != spec.id_fields.len() {
        return Err(error(
            path,
            None,
            None,
            ShapefileProblem::SpecMismatch {
                levels: spec.levels.len(),
                id_fields: spec.id_fields.len(),
            },
        ));
    }
    let (shapes, dbf) = read_shapes(path)?;
    let id_fields = spec
        .id_fields
        .iter()
        .map(|name| Ok((name.as_str(), field(path, &dbf, name)?)))
        .collect::<Result<Vec<_>, IoError>>()?;
    let name_field = match &spec.name_field {
        Some(name) => Some((name.as_str(), field(path, &dbf, name)?)),
        None => None,
    };
    shapes
        .into_iter()
        .map(|s| {
            let ids = id_fields
                .iter()
                .map(|(name, f)| required(path, &dbf, s.record, name, f))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BlockFeature {
                feature: s.record,
                ids,
                name: optional(path, &dbf, s.record, name_field)?,
                geometry: s.geometry.unwrap_or_else(|| MultiPolygon::new(Vec::new())),
            })
        })
        .collect()
}

/// Reads a flat layer of upper-level units (e.g. official district boundaries) from a
/// Shapefile, to pass to [`HierarchyBuilder::add_unit`](crate::HierarchyBuilder::add_unit):
/// ids from `id_field`, names from `name_field`, `feature` = the record number.
///
/// A null shape gets `geometry: None` (the unit is then dissolved from its blocks). Fields
/// and text as in [`read_block_features_shapefile`].
///
/// # Examples
///
/// ```no_run
/// let units = quartier::read_unit_features_shapefile("bezirke.shp".as_ref(), "BEZ", Some("NAME"))?;
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// As [`read_block_features_shapefile`], for the id and name fields and the shapes.
pub fn read_unit_features_shapefile(
    path: &Path,
    id_field: &str,
    name_field: Option<&str>,
) -> Result<Vec<UnitFeature>, IoError> {
    let (shapes, dbf) = read_shapes(path)?;
    let id_f = field(path, &dbf, id_field)?;
    let name_f = match name_field {
        Some(name) => Some((name, field(path, &dbf, name)?)),
        None => None,
    };
    shapes
        .into_iter()
        .map(|s| {
            Ok(UnitFeature {
                feature: s.record,
                id: required(path, &dbf, s.record, id_field, id_f)?,
                name: optional(path, &dbf, s.record, name_f)?,
                geometry: s.geometry,
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cpg_labels() {
        assert_eq!(encoding_for_label("UTF-8\n"), Some(encoding_rs::UTF_8));
        assert_eq!(
            encoding_for_label("\u{feff}ISO-8859-1"),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(encoding_for_label("1252"), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(
            encoding_for_label("latin1"),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(encoding_for_label("no-such-encoding"), None);
    }

    fn dbf_with(kind: u8, len: u8, value: &[u8], encoding: &'static Encoding) -> (Dbf, usize) {
        let mut bytes = vec![0u8; 32];
        bytes[0] = 3;
        bytes[4] = 1;
        let header_len = 32 + 32 + 1;
        bytes[8] = header_len as u8;
        let record_len = 1 + usize::from(len);
        bytes[10] = record_len as u8;
        let mut d = [0u8; 32];
        d[..2].copy_from_slice(b"ID");
        d[11] = kind;
        d[16] = len;
        bytes.extend_from_slice(&d);
        bytes.push(0x0d);
        bytes.push(b' ');
        let mut v = value.to_vec();
        v.resize(usize::from(len), b' ');
        bytes.extend_from_slice(&v);
        let dbf = Dbf {
            bytes,
            fields: vec![DbfField {
                name: "ID".into(),
                kind,
                offset: 1,
                len: usize::from(len),
            }],
            header_len,
            record_len,
            records: 1,
            encoding,
        };
        (dbf, 0)
    }

    #[test]
    fn dbase_values_become_id_text() {
        let text = |kind, len, value: &[u8], enc| {
            let (dbf, r) = dbf_with(kind, len, value, enc);
            let f = dbf.field("id").unwrap();
            dbf.text(r, f)
        };
        let w = encoding_rs::WINDOWS_1252;
        assert_eq!(text(b'C', 10, b" K\xf6p ", w), Ok(Some("K\u{f6}p".into())));
        assert_eq!(
            text(b'C', 10, "Köp".as_bytes(), encoding_rs::UTF_8),
            Ok(Some("Köp".into()))
        );
        assert!(matches!(
            text(b'C', 10, b"K\xf6p", encoding_rs::UTF_8),
            Err(ShapefileProblem::BadText { .. })
        ));
        assert_eq!(text(b'N', 10, b"      1234", w), Ok(Some("1234".into())));
        assert_eq!(text(b'N', 10, b"   12.000", w), Ok(Some("12".into())));
        assert_eq!(text(b'N', 10, b"    12.500", w), Ok(Some("12.5".into())));
        assert_eq!(text(b'N', 10, b"", w), Ok(None));
        assert_eq!(text(b'N', 10, b"abc", w), Err(ShapefileProblem::BadNumber));
        assert_eq!(text(b'I', 4, &7i32.to_le_bytes(), w), Ok(Some("7".into())));
        assert_eq!(
            text(b'O', 8, &101.0f64.to_le_bytes(), w),
            Ok(Some("101".into()))
        );
        assert_eq!(
            text(b'D', 8, b"20210101", w),
            Err(ShapefileProblem::FieldType { found: "date" })
        );
    }
}
