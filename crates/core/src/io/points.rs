//! Point tables from CSV: one row per record with an x and a y column.
//!
//! The reader never drops a row. A row whose coordinate is empty or does not parse gets
//! `NaN` coordinates, so assignment reports it as `invalid_coordinate`; the reader counts
//! such rows, and errors name the file, line and column but never the cell's value.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::IoError;

/// Which columns of a point CSV hold the coordinates and the (optional) record id.
#[derive(Debug, Clone)]
pub struct PointColumns {
    /// Header name of the x (easting) column.
    pub x: String,
    /// Header name of the y (northing) column.
    pub y: String,
    /// Header name of the record id column; `None` numbers the rows 1, 2, ….
    pub id: Option<String>,
}

/// Points read from a CSV file, in file order.
///
/// This holds individual data (record ids and coordinates): it belongs to the sealed phase
/// and therefore has no `Serialize` and a `Debug` that prints only counts.
pub struct PointTable {
    /// Record ids, one per row (the row number when no id column was named).
    pub ids: Vec<String>,
    /// x coordinates; `NaN` where the cell was empty or did not parse.
    pub xs: Vec<f64>,
    /// y coordinates; `NaN` where the cell was empty or did not parse.
    pub ys: Vec<f64>,
    /// Number of rows whose x or y did not parse as a number (empty cells included).
    pub unparsable: usize,
}

impl std::fmt::Debug for PointTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PointTable")
            .field("rows", &self.xs.len())
            .field("unparsable", &self.unparsable)
            .finish_non_exhaustive()
    }
}

impl PointTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.xs.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }
}

/// What is wrong with a point CSV as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsvProblem {
    /// The file has no header row.
    NoHeader,
    /// A named column is not in the header.
    MissingColumn {
        /// The column that was asked for.
        column: String,
    },
    /// The CSV syntax is broken (e.g. an unterminated quote, invalid UTF-8).
    Malformed {
        /// 1-based line number where the problem was found, when known.
        line: Option<u64>,
    },
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoHeader => f.write_str("the file has no header row"),
            Self::MissingColumn { column } => write!(f, "column `{column}` is not in the header"),
            Self::Malformed { line: Some(l) } => write!(f, "malformed CSV at line {l}"),
            Self::Malformed { line: None } => f.write_str("malformed CSV"),
        }
    }
}

/// Parses a coordinate cell: `.` or `,` as the decimal separator, surrounding blanks ignored.
pub(super) fn parse_coordinate(cell: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(cell).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(v) = text.parse::<f64>() {
        return Some(v);
    }
    // German decimal comma: exactly one comma and no dot.
    if text.bytes().filter(|&b| b == b',').count() == 1 && !text.contains('.') {
        return text.replace(',', ".").parse().ok();
    }
    None
}

/// Picks the delimiter from the header line: `;`, tab or `,`, whichever occurs most.
fn detect_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| (line.iter().filter(|b| *b == d).count(), *d == b','))
        .unwrap_or(b',')
}

/// Reads a point CSV with a header row.
///
/// The delimiter (`,`, `;` or tab) is detected from the header; a UTF-8 BOM is skipped;
/// coordinates take `.` or a decimal comma. Rows with too few fields or unparsable
/// coordinates are kept with `NaN` coordinates and counted in [`PointTable::unparsable`].
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::Csv`] naming the file (and
/// the line, where known) when the header is missing, a column is not in it, or the CSV
/// syntax is broken.
pub fn read_points_csv(path: &Path, columns: &PointColumns) -> Result<PointTable, IoError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| IoError::file(path, e))?;
    read_points_csv_bytes(path, &bytes, columns)
}

/// [`read_points_csv`] on bytes already in memory; `path` is used in error messages only.
///
/// # Errors
///
/// As [`read_points_csv`].
pub fn read_points_csv_bytes(
    path: &Path,
    bytes: &[u8],
    columns: &PointColumns,
) -> Result<PointTable, IoError> {
    let csv_err = |problem| csv_error(path, problem);
    let (mut reader, header) = open_csv(path, bytes)?;
    let find = |name: &str| {
        header
            .iter()
            .position(|h| String::from_utf8_lossy(h).trim() == name)
            .ok_or_else(|| {
                csv_err(CsvProblem::MissingColumn {
                    column: name.to_owned(),
                })
            })
    };
    let xi = find(&columns.x)?;
    let yi = find(&columns.y)?;
    let ii = columns.id.as_deref().map(find).transpose()?;

    let mut table = PointTable {
        ids: Vec::new(),
        xs: Vec::new(),
        ys: Vec::new(),
        unparsable: 0,
    };
    let mut record = csv::ByteRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_err(CsvProblem::Malformed { line: csv_line(&e) })),
        }
        row += 1;
        let x = record.get(xi).and_then(parse_coordinate);
        let y = record.get(yi).and_then(parse_coordinate);
        match (x, y) {
            (Some(x), Some(y)) => {
                table.xs.push(x);
                table.ys.push(y);
            }
            _ => {
                table.unparsable += 1;
                table.xs.push(f64::NAN);
                table.ys.push(f64::NAN);
            }
        }
        let id = match ii {
            Some(i) => String::from_utf8_lossy(record.get(i).unwrap_or_default()).into_owned(),
            None => row.to_string(),
        };
        table.ids.push(id);
    }
    Ok(table)
}

/// The error of a CSV file as a whole.
pub(super) fn csv_error(path: &Path, problem: CsvProblem) -> IoError {
    IoError::Csv {
        path: PathBuf::from(path),
        problem,
    }
}

/// A flexible CSV reader over `bytes` (UTF-8 BOM skipped, delimiter detected from the header)
/// and its header row.
///
/// # Errors
///
/// [`IoError::Csv`] when the header is missing or its syntax is broken.
pub(super) fn open_csv<'b>(
    path: &Path,
    bytes: &'b [u8],
) -> Result<(csv::Reader<&'b [u8]>, csv::ByteRecord), IoError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(bytes))
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(path, CsvProblem::Malformed { line: csv_line(&e) }))?
        .clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(csv_error(path, CsvProblem::NoHeader));
    }
    Ok((reader, header))
}

pub(super) fn csv_line(e: &csv::Error) -> Option<u64> {
    e.position().map(csv::Position::line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(id: Option<&str>) -> PointColumns {
        PointColumns {
            x: "x".into(),
            y: "y".into(),
            id: id.map(Into::into),
        }
    }

    fn read(text: &str, id: Option<&str>) -> Result<PointTable, IoError> {
        read_points_csv_bytes(Path::new("p.csv"), text.as_bytes(), &cols(id))
    }

    #[test]
    fn reads_comma_and_semicolon_files_with_decimal_comma() {
        let a = read("id,x,y\na,1.5,2\nb,3,4.25\n", Some("id")).unwrap();
        assert_eq!(a.ids, ["a", "b"]);
        assert_eq!(a.xs, [1.5, 3.0]);
        assert_eq!(a.ys, [2.0, 4.25]);
        let b = read("\u{feff}id;x;y\na;1,5;2\n", Some("id")).unwrap();
        assert_eq!(b.xs, [1.5]);
        assert_eq!(b.unparsable, 0);
    }

    #[test]
    fn unparsable_and_short_rows_are_kept_as_nan() {
        let t = read("x,y\n1,2\nabc,2\n3\n,\n5,6\n", None).unwrap();
        assert_eq!(t.len(), 5);
        assert_eq!(t.unparsable, 3);
        assert_eq!(t.ids, ["1", "2", "3", "4", "5"]);
        assert!(t.xs[1].is_nan() && t.xs[2].is_nan() && t.xs[3].is_nan());
        assert_eq!((t.xs[4], t.ys[4]), (5.0, 6.0));
    }

    #[test]
    fn missing_column_is_named_and_value_free() {
        let err = read("id,x,north\nsecret,1,2\n", Some("id")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("p.csv") && msg.contains("`y`"), "{msg}");
        assert!(!msg.contains("secret"));
    }

    #[test]
    fn broken_utf8_in_id_does_not_fail_and_empty_file_has_no_header() {
        let t = read_points_csv_bytes(Path::new("p.csv"), b"id,x,y\n\xff,1,2\n", &cols(Some("id")))
            .unwrap();
        assert_eq!(t.len(), 1);
        let err = read("", None).unwrap_err();
        assert!(err.to_string().contains("header"), "{err}");
    }
}
