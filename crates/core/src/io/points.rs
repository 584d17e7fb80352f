//! Point tables from CSV: one row per record with an x and a y column; and the CSV dialect
//! handling shared by every CSV reader (delimiter, encoding, decimal separator).
//!
//! The reader never drops a row. A row whose coordinate is empty or does not parse gets
//! `NaN` coordinates, so assignment reports it as `invalid_coordinate`; the reader counts
//! such rows, and errors name the file, line and column but never the cell's value.

use std::borrow::Cow;
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
    /// The CSV syntax of the header row is broken.
    Malformed {
        /// 1-based line number where the problem was found, when known.
        line: Option<u64>,
    },
    /// A header name is not valid UTF-8 although UTF-8 was asked for
    /// ([`CsvEncoding::Utf8`]).
    HeaderEncoding {
        /// 1-based position of the column in the header.
        column: usize,
    },
    /// A line is longer than [`MAX_CSV_LINE_BYTES`]: the file is not a record export (a
    /// binary file, one without line ends). Reading stops there, so a huge line is never
    /// held in memory.
    LineTooLong {
        /// 1-based line number (lines end at `\n`).
        line: u64,
        /// The limit, [`MAX_CSV_LINE_BYTES`].
        limit_bytes: usize,
    },
    /// The file starts with a UTF-16 byte order mark (e.g. Excel's "Unicode text"); CSV
    /// files are read as UTF-8 or Windows-1252.
    Utf16,
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoHeader => f.write_str("the file has no header row"),
            Self::MissingColumn { column } => write!(f, "column `{column}` is not in the header"),
            Self::Malformed { line: Some(l) } => write!(f, "malformed CSV at line {l}"),
            Self::Malformed { line: None } => f.write_str("malformed CSV"),
            Self::HeaderEncoding { column } => write!(
                f,
                "header name {column} is not valid UTF-8: set the encoding to windows-1252 or auto"
            ),
            Self::LineTooLong { line, limit_bytes } => write!(
                f,
                "line {line} is longer than {limit_bytes} bytes: not a CSV export (binary data, or no line ends?)"
            ),
            Self::Utf16 => f.write_str(
                "the file is UTF-16 (byte order mark): save it as UTF-8 or Windows-1252 CSV",
            ),
        }
    }
}

/// The text encoding of a CSV file.
#[doc(alias = "Zeichensatz")]
#[doc(alias = "cp1252")]
#[doc(alias = "Latin-1")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CsvEncoding {
    /// UTF-8 when the file starts with a UTF-8 BOM or all of its bytes are valid UTF-8,
    /// else Windows-1252 (the encoding of most exports from German office software).
    #[default]
    Auto,
    /// UTF-8. A cell that is read and is not valid UTF-8 rejects its row (reason
    /// `encoding`); a header name that is not valid UTF-8 is an error of the file.
    Utf8,
    /// Windows-1252 (a superset of Latin-1 for printable text; every byte decodes).
    Windows1252,
}

/// How a CSV file is written: delimiter, encoding, decimal separator.
///
/// The default detects everything: the delimiter from the header line, the encoding from
/// the bytes, and numbers with either decimal separator. A UTF-8 byte order mark is always
/// skipped. Quoted fields (with the delimiter or `""` inside) are always understood.
///
/// # Examples
///
/// ```
/// use quartier::{CsvEncoding, CsvOptions};
///
/// // a Windows-1252 export with `;` and decimal comma, stated instead of detected
/// let options = CsvOptions {
///     delimiter: Some(b';'),
///     encoding: CsvEncoding::Windows1252,
///     decimal_comma: Some(true),
/// };
/// assert_ne!(options, CsvOptions::default());
/// assert_eq!(CsvOptions::default().delimiter, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CsvOptions {
    /// The field delimiter; `None` detects it from the header line: whichever of `;`, tab
    /// and `,` occurs most often (`,` on a tie or when none occurs).
    pub delimiter: Option<u8>,
    /// The text encoding of header names and text cells.
    pub encoding: CsvEncoding,
    /// The decimal separator of numeric cells (coordinates): `Some(true)` a comma only
    /// (`361000,5`), `Some(false)` a point only (`361000.5`), `None` either (a cell with one
    /// comma and no point is read with a decimal comma). Thousands separators are never
    /// accepted: `5.701.000,5` does not parse.
    pub decimal_comma: Option<bool>,
}

/// Parses a (trimmed) numeric cell with the decimal separator of
/// `CsvOptions::decimal_comma`; `None` when it is empty, does not parse or is not finite.
pub(super) fn parse_number(text: &str, decimal_comma: Option<bool>) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let commas = text.bytes().filter(|&b| b == b',').count();
    let points = text.bytes().filter(|&b| b == b'.').count();
    let value = match decimal_comma {
        Some(false) if commas > 0 => return None,
        Some(true) if points > 0 || commas > 1 => return None,
        Some(true) if commas == 1 => text.replacen(',', ".", 1).parse::<f64>().ok(),
        // German decimal comma: exactly one comma and no point.
        None if commas == 1 && points == 0 => text.replacen(',', ".", 1).parse::<f64>().ok(),
        _ => text.parse::<f64>().ok(),
    }?;
    value.is_finite().then_some(value)
}

/// The longest line, in bytes without its line end, that the CSV readers accept when reading
/// a file: 1 MiB.
///
/// A record of a register export is a few hundred bytes; a longer line means the file is not
/// a CSV export (a binary file, a dump without line ends). Readers of a path stop at the
/// first longer line with [`CsvProblem::LineTooLong`] naming it, after reading at most this
/// many bytes of it, so a 2 GB line never makes the reader allocate 2 GB. A line ends at
/// `\n` or `\r` (old Mac files), so a quoted field that spans lines is not limited as a
/// whole, only each of its lines.
///
/// # Examples
///
/// ```
/// assert_eq!(quartier::MAX_CSV_LINE_BYTES, 1 << 20);
/// ```
pub const MAX_CSV_LINE_BYTES: usize = 1 << 20;

/// Reads a CSV file into memory, stopping with [`CsvProblem::LineTooLong`] at the first line
/// longer than [`MAX_CSV_LINE_BYTES`] (after reading at most that much of it).
pub(super) fn read_csv_file(path: &Path) -> Result<Vec<u8>, IoError> {
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    read_bounded(path, file, MAX_CSV_LINE_BYTES)
}

/// [`read_csv_file`] from any reader, with the limit given (tests use a small one).
pub(super) fn read_bounded(
    path: &Path,
    mut reader: impl Read,
    limit: usize,
) -> Result<Vec<u8>, IoError> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    // bytes of the current line so far, and its 1-based number
    let (mut run, mut line) = (0usize, 1u64);
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(IoError::file(path, e)),
        };
        let data = chunk.get(..n).unwrap_or_default();
        for &b in data {
            if b == b'\n' || b == b'\r' {
                line += u64::from(b == b'\n');
                run = 0;
            } else {
                run += 1;
                if run > limit {
                    return Err(csv_error(
                        path,
                        CsvProblem::LineTooLong {
                            line,
                            limit_bytes: limit,
                        },
                    ));
                }
            }
        }
        out.extend_from_slice(data);
    }
    Ok(out)
}

/// Picks the delimiter from the header line: `;`, tab or `,`, whichever occurs most.
fn detect_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| (line.iter().filter(|b| *b == d).count(), *d == b','))
        .unwrap_or(b',')
}

/// A CSV file opened with its dialect resolved: the body (BOM skipped), the delimiter, the
/// encoding and the decoded, trimmed header names.
///
/// No `Debug`: the body is personal data.
pub(super) struct CsvInput<'b> {
    /// The file's bytes after any UTF-8 BOM; reader positions are offsets into this.
    pub(super) body: &'b [u8],
    /// The field delimiter.
    pub(super) delimiter: u8,
    /// `true` for UTF-8, `false` for Windows-1252.
    pub(super) utf8: bool,
    /// The header names, decoded and trimmed.
    pub(super) header: Vec<String>,
}

impl<'b> CsvInput<'b> {
    /// Resolves the dialect of `bytes`, reads the header row and returns a flexible reader
    /// positioned on the first data row (positions count from the start of `body`, the
    /// header being line 1).
    ///
    /// # Errors
    ///
    /// `IoError::Csv` when the header is missing or a header name is not decodable.
    pub(super) fn open(
        path: &Path,
        bytes: &'b [u8],
        options: &CsvOptions,
    ) -> Result<(Self, csv::Reader<&'b [u8]>), IoError> {
        if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
            return Err(csv_error(path, CsvProblem::Utf16));
        }
        let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (rest, true),
            None => (bytes, false),
        };
        let utf8 = match options.encoding {
            CsvEncoding::Utf8 => true,
            CsvEncoding::Windows1252 => false,
            CsvEncoding::Auto => bom || std::str::from_utf8(body).is_ok(),
        };
        let delimiter = options.delimiter.unwrap_or_else(|| detect_delimiter(body));
        let mut input = Self {
            body,
            delimiter,
            utf8,
            header: Vec::new(),
        };
        let mut reader = input.builder().has_headers(true).from_reader(body);
        let raw = reader
            .byte_headers()
            .map_err(|e| csv_error(path, CsvProblem::Malformed { line: csv_line(&e) }))?;
        if raw.is_empty() || (raw.len() == 1 && raw[0].trim_ascii().is_empty()) {
            return Err(csv_error(path, CsvProblem::NoHeader));
        }
        input.header =
            raw.iter()
                .enumerate()
                .map(|(i, h)| {
                    input.decode(h).map(|s| s.trim().to_owned()).ok_or_else(|| {
                        csv_error(path, CsvProblem::HeaderEncoding { column: i + 1 })
                    })
                })
                .collect::<Result<_, _>>()?;
        Ok((input, reader))
    }

    /// A flexible reader without a header row over the body from byte `offset` on.
    pub(super) fn reader_from(&self, offset: usize) -> csv::Reader<&'b [u8]> {
        self.builder()
            .has_headers(false)
            .from_reader(self.body.get(offset..).unwrap_or_default())
    }

    fn builder(&self) -> csv::ReaderBuilder {
        let mut b = csv::ReaderBuilder::new();
        b.delimiter(self.delimiter).flexible(true);
        b
    }

    /// A cell as text in the file's encoding; `None` when it is not valid UTF-8 in a UTF-8
    /// file (Windows-1252 decodes every byte).
    pub(super) fn decode<'c>(&self, cell: &'c [u8]) -> Option<Cow<'c, str>> {
        if self.utf8 {
            std::str::from_utf8(cell).ok().map(Cow::Borrowed)
        } else {
            Some(
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(cell)
                    .0,
            )
        }
    }

    /// The index of the header column `name` (compared after trimming).
    ///
    /// # Errors
    ///
    /// `IoError::Csv` with `CsvProblem::MissingColumn` when it is not in the header.
    pub(super) fn column(&self, path: &Path, name: &str) -> Result<usize, IoError> {
        self.header
            .iter()
            .position(|h| h == name.trim())
            .ok_or_else(|| {
                csv_error(
                    path,
                    CsvProblem::MissingColumn {
                        column: name.to_owned(),
                    },
                )
            })
    }
}

/// Reads a point CSV with a header row, detecting its dialect ([`CsvOptions::default`]).
///
/// The delimiter (`,`, `;` or tab) is detected from the header; a UTF-8 BOM is skipped;
/// coordinates take `.` or a decimal comma. Rows with too few fields or unparsable
/// coordinates are kept with `NaN` coordinates and counted in [`PointTable::unparsable`].
///
/// # Examples
///
/// ```no_run
/// use quartier::PointColumns;
///
/// let columns = PointColumns { x: "x".into(), y: "y".into(), id: None };
/// let points = quartier::read_points_csv("points.csv".as_ref(), &columns)?;
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::Csv`] naming the file (and
/// the line, where known) when the header is missing or a column is not in it, the file is
/// UTF-16, or a line is longer than [`MAX_CSV_LINE_BYTES`] (reading stops there).
pub fn read_points_csv(path: &Path, columns: &PointColumns) -> Result<PointTable, IoError> {
    read_points_csv_with(path, columns, &CsvOptions::default())
}

/// [`read_points_csv`] with the CSV dialect given ([`CsvOptions`]).
///
/// A coordinate cell that is not decodable in the encoding (UTF-8 forced) counts as
/// unparsable; an id cell is decoded with U+FFFD for the bytes that are not.
///
/// # Examples
///
/// ```
/// use quartier::{CsvOptions, PointColumns, read_points_csv_bytes_with};
/// # use std::path::Path;
///
/// let columns = PointColumns { x: "x".into(), y: "y".into(), id: Some("nr".into()) };
/// let options = CsvOptions { decimal_comma: Some(true), ..CsvOptions::default() };
/// let csv = "nr;x;y\n1;361000,5;5701000\n2;361000.5;5701000\n";
/// let points = read_points_csv_bytes_with(Path::new("p.csv"), csv.as_bytes(), &columns, &options)?;
/// assert_eq!(points.xs[0], 361000.5);
/// assert_eq!(points.unparsable, 1); // a decimal point where a comma was stated
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// As [`read_points_csv`]; also when a header name is not UTF-8 with
/// [`CsvEncoding::Utf8`].
pub fn read_points_csv_with(
    path: &Path,
    columns: &PointColumns,
    options: &CsvOptions,
) -> Result<PointTable, IoError> {
    let bytes = read_csv_file(path)?;
    read_points_csv_bytes_with(path, &bytes, columns, options)
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
    read_points_csv_bytes_with(path, bytes, columns, &CsvOptions::default())
}

/// [`read_points_csv_with`] on bytes already in memory; `path` is used in error messages
/// only.
///
/// # Errors
///
/// As [`read_points_csv_with`].
pub fn read_points_csv_bytes_with(
    path: &Path,
    bytes: &[u8],
    columns: &PointColumns,
    options: &CsvOptions,
) -> Result<PointTable, IoError> {
    let (input, mut reader) = CsvInput::open(path, bytes, options)?;
    let xi = input.column(path, &columns.x)?;
    let yi = input.column(path, &columns.y)?;
    let ii = columns
        .id
        .as_deref()
        .map(|c| input.column(path, c))
        .transpose()?;

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
            Err(e) => {
                return Err(csv_error(
                    path,
                    CsvProblem::Malformed { line: csv_line(&e) },
                ));
            }
        }
        row += 1;
        let number = |i: usize| {
            let text = input.decode(record.get(i)?)?;
            parse_number(&text, options.decimal_comma)
        };
        match (number(xi), number(yi)) {
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
            Some(i) => {
                let cell = record.get(i).unwrap_or_default();
                input
                    .decode(cell)
                    .unwrap_or_else(|| String::from_utf8_lossy(cell))
                    .into_owned()
            }
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

    /// A header, a row, then `len` bytes of `a` generated on demand (never held), counting
    /// how much was read.
    struct HugeLine {
        head: &'static [u8],
        len: u64,
        served: u64,
    }

    impl Read for HugeLine {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let head = self.head.len() as u64;
            let total = head + self.len;
            if self.served >= total {
                return Ok(0);
            }
            let n = buf.len().min((total - self.served) as usize);
            for (i, b) in buf[..n].iter_mut().enumerate() {
                let at = self.served + i as u64;
                *b = if at < head {
                    self.head[at as usize]
                } else {
                    b'a'
                };
            }
            self.served += n as u64;
            Ok(n)
        }
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_2_gib_line_stops_the_reader_after_the_limit() {
        let mut huge = HugeLine {
            head: b"x;y\r\n1;2\n",
            len: 2 << 30,
            served: 0,
        };
        let err = read_bounded(Path::new("p.csv"), &mut huge, MAX_CSV_LINE_BYTES).unwrap_err();
        assert!(
            matches!(
                err,
                IoError::Csv {
                    problem: CsvProblem::LineTooLong {
                        line: 3,
                        limit_bytes: MAX_CSV_LINE_BYTES
                    },
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            huge.served <= (MAX_CSV_LINE_BYTES + 2 * 64 * 1024) as u64,
            "read {} bytes",
            huge.served
        );
        // within the limit: everything is read
        let mut ok = HugeLine {
            head: b"x;y\n",
            len: 100,
            served: 0,
        };
        let bytes = read_bounded(Path::new("p.csv"), &mut ok, 100).unwrap();
        assert_eq!(bytes.len(), 104);
        let mut over = HugeLine {
            head: b"x;y\n",
            len: 101,
            served: 0,
        };
        assert!(read_bounded(Path::new("p.csv"), &mut over, 100).is_err());
    }

    #[test]
    fn utf16_is_an_error_of_the_file() {
        let err = read("\u{FEFF}x;y\n", None).map(|_| ()).err();
        assert!(err.is_none(), "a UTF-8 BOM is fine");
        let err = read_points_csv_bytes(Path::new("p.csv"), b"\xFF\xFEx\0", &cols(None));
        assert!(matches!(
            err,
            Err(IoError::Csv {
                problem: CsvProblem::Utf16,
                ..
            })
        ));
    }

    #[test]
    fn numbers_follow_the_stated_decimal_separator() {
        let either = |t| parse_number(t, None);
        assert_eq!(either(" 361000,25 "), Some(361000.25));
        assert_eq!(either("361000.25"), Some(361000.25));
        assert_eq!(either("-0,5"), Some(-0.5));
        for bad in [
            "",
            "  ",
            "5.701.000,5",
            "1,2,3",
            "1,5.0",
            "NaN",
            "inf",
            "12 a",
        ] {
            assert_eq!(either(bad), None, "{bad}");
        }
        assert_eq!(parse_number("1,5", Some(true)), Some(1.5));
        assert_eq!(parse_number("15", Some(true)), Some(15.0));
        assert_eq!(parse_number("1.5", Some(true)), None);
        assert_eq!(parse_number("1.5", Some(false)), Some(1.5));
        assert_eq!(parse_number("1,5", Some(false)), None);
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
