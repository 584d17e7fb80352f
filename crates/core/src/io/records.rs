//! Reading individual records (residents, Kita fee records, child-support cases) from the
//! CSV exports of an office's register: the input side of the sealed phase.
//!
//! Every data row ends up somewhere: as a record (with a position, without one when both
//! coordinate cells are empty, or with an invalid position when a coordinate does not parse —
//! the pipeline counts those as `no_coordinate` / `invalid_coordinate`), or as a
//! [`Rejection`] naming the line, the column and the reason. No rejection, error or `Debug`
//! output carries a cell's value: the cells are personal data.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::IoError;
use super::points::{CsvInput, CsvOptions, CsvProblem, csv_error, csv_line, parse_number};
use crate::geocode::Address;
use crate::records::{ChildSupportCase, KitaRecord, Position, RecordKind, Records, Resident};

/// Which columns of a record CSV hold what.
///
/// # Examples
///
/// ```
/// use quartier::{AddressColumns, RecordColumns, RecordLocation};
///
/// // an export with coordinates
/// let by_coordinates = RecordColumns {
///     location: RecordLocation::Coordinates { x: "rechtswert".into(), y: "hochwert".into() },
///     age: "alter".into(),
///     fee_bracket: None,
/// };
/// // an export with addresses, geocoded afterwards
/// let by_address = RecordColumns {
///     location: RecordLocation::Address(AddressColumns {
///         municipality: None,
///         postcode: Some("PLZ".into()),
///         street: "Straße".into(),
///         house_number: "Hausnr".into(),
///         suffix: Some("Zusatz".into()),
///     }),
///     ..by_coordinates.clone()
/// };
/// assert_ne!(by_coordinates, by_address);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordColumns {
    /// Where a record is: coordinate columns or address columns.
    pub location: RecordLocation,
    /// Header name of the age column: the resident's age, or the child's age for Kita and
    /// child-support records (completed years, 0–255).
    pub age: String,
    /// Header name of the fee-bracket column (Kita records only; 1 = lowest income).
    pub fee_bracket: Option<String>,
}

/// The columns that locate a record: coordinates, or an address to be geocoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordLocation {
    /// Coordinates in the project's CRS.
    Coordinates {
        /// Header name of the x (easting, Rechtswert) column.
        x: String,
        /// Header name of the y (northing, Hochwert) column.
        y: String,
    },
    /// An address; the records are read without a position and [`RecordFile::addresses`]
    /// holds their addresses for geocoding.
    Address(AddressColumns),
}

/// The header names of the address columns of a record CSV.
///
/// Cells are decoded in the file's encoding and trimmed, otherwise kept as written
/// (normalization is the geocoder's job). An empty street or house number still gives a
/// record, with an empty [`Address`] field: the geocoder counts it as unmatched.
#[doc(alias = "Anschrift")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressColumns {
    /// Municipality key (Gemeindeschlüssel) column, if the export has one.
    pub municipality: Option<String>,
    /// Postcode (PLZ) column, if the export has one.
    pub postcode: Option<String>,
    /// Street name column (Straße).
    pub street: String,
    /// House number column (Hausnummer), possibly with its suffix (`12a`).
    pub house_number: String,
    /// House-number suffix column (Hausnummernzusatz, `a`), if separate: appended to the
    /// house number without a space when not empty (`12` + `a` → `12a`).
    pub suffix: Option<String>,
}

/// Why a data row was not read as a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectReason {
    /// The cell is empty.
    MissingField,
    /// The cell is not a whole number.
    Unparsable,
    /// The number is outside its range: 0–255 for an age, the brackets of
    /// [`CategorySet::fee_brackets`](crate::CategorySet::fee_brackets) (1–6) for a fee
    /// bracket.
    OutOfRange,
    /// The row has fewer fields than the header, or more (other than empty trailing ones):
    /// its cells cannot be matched to the columns.
    FieldCount,
    /// A cell that is read is not valid in the file's encoding (UTF-8 stated, other bytes
    /// found).
    Encoding,
    /// A quoted field is not closed: the row ran over the following lines. The row is
    /// rejected and reading resumes on the next line.
    UnbalancedQuote,
}

impl RejectReason {
    /// `missing_field`, `unparsable`, `out_of_range`, `field_count`, `encoding` or
    /// `unbalanced_quote`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::RejectReason::FieldCount.as_str(), "field_count");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingField => "missing_field",
            Self::Unparsable => "unparsable",
            Self::OutOfRange => "out_of_range",
            Self::FieldCount => "field_count",
            Self::Encoding => "encoding",
            Self::UnbalancedQuote => "unbalanced_quote",
        }
    }
}

/// A data row that was not read as a record: where, which column, why — never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// The header name of the offending column.
    pub column: String,
    /// Why.
    pub reason: RejectReason,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            RejectReason::MissingField => "the value is missing",
            RejectReason::Unparsable => "the value is not a whole number",
            RejectReason::OutOfRange => &format!(
                "the value is outside its range (an age 0–255, a fee bracket 1–{})",
                crate::CategorySet::fee_brackets().len()
            ),
            RejectReason::FieldCount => {
                "the row has more or fewer fields than the header (the column is where they part)"
            }
            RejectReason::Encoding => "the value is not valid in the file's encoding",
            RejectReason::UnbalancedQuote => {
                "a quote is not closed and the row runs over the next lines (reading resumes on the next line)"
            }
        };
        write!(
            f,
            "{}, line {}, column `{}`: {why}; the row is not counted",
            self.path.display(),
            self.line,
            self.column
        )
    }
}

/// The records of one CSV file and the rows that could not be read.
///
/// Holds individual data: no `Serialize`, and `Debug` prints counts only.
#[derive(Clone)]
pub struct RecordFile {
    /// The records read (all of one kind).
    pub records: Records,
    /// With [`RecordLocation::Address`]: the address of each record of the file's kind, in
    /// the same order (the records have no position yet). Empty with
    /// [`RecordLocation::Coordinates`].
    pub addresses: Vec<Address>,
    /// The 1-based line (the header is line 1) on which each record of the file's kind
    /// starts, in the same order: to point an office to a row (e.g. an unmatched address)
    /// without copying its values. A record with a quoted field over several lines covers
    /// the lines up to the next row.
    pub lines: Vec<u64>,
    /// The rows not read, in file order.
    pub rejected: Vec<Rejection>,
}

impl fmt::Debug for RecordFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordFile")
            .field("records", &RecordKind::ALL.map(|k| self.records.len(k)))
            .field("addresses", &self.addresses.len())
            .field("rejected", &self.rejected.len())
            .finish()
    }
}

impl RecordFile {
    /// Rejected rows by reason ([`RejectReason::as_str`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{CsvOptions, RecordColumns, RecordKind, RecordLocation, read_records_csv_bytes};
    /// # use std::path::Path;
    ///
    /// let columns = RecordColumns {
    ///     location: RecordLocation::Coordinates { x: "x".into(), y: "y".into() },
    ///     age: "alter".into(),
    ///     fee_bracket: None,
    /// };
    /// let csv = "x;y;alter\n1;2;\n1;2;x\n1;2\n";
    /// let file = read_records_csv_bytes(Path::new("e.csv"), csv.as_bytes(), RecordKind::Resident,
    ///     &columns, &CsvOptions::default())?;
    /// let by_reason = file.rejected_by_reason();
    /// assert_eq!((by_reason["missing_field"], by_reason["unparsable"], by_reason["field_count"]), (1, 1, 1));
    /// # Ok::<(), quartier::IoError>(())
    /// ```
    pub fn rejected_by_reason(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for r in &self.rejected {
            *out.entry(r.reason.as_str()).or_insert(0) += 1;
        }
        out
    }
}

/// Reads the records of one kind from a CSV file with a header row.
///
/// The dialect comes from `options` ([`CsvOptions::default`] detects the delimiter `;`, `,`
/// or tab, the encoding UTF-8 or Windows-1252, and accepts either decimal separator); a
/// UTF-8 BOM is skipped; quoted fields are fine. Empty lines are not rows.
///
/// Every other data row becomes a record or a [`Rejection`] — one per row, for the first
/// problem in this order:
///
/// 1. a field that runs over several lines in a column that is read, in a row whose field
///    count is off, or in a row that is not quoted as RFC 4180 says (text after a closing
///    quote, a quote inside an unquoted field — the sign of a stray quote closed by one on a
///    later line): [`RejectReason::UnbalancedQuote`]; reading resumes on the line after the
///    one the row started on, so the swallowed lines are read as rows of their own (a
///    correctly quoted multi-line field in a column that is not read is accepted: one
///    record for its lines);
///    likewise a quote still open at the end of the file (an export cut in a quoted field, or
///    a stray quote that would swallow every row after it), in any column;
/// 2. fewer fields than the header, or more unless the extra ones are empty:
///    [`RejectReason::FieldCount`];
/// 3. a cell that is read and not decodable (with [`CsvEncoding::Utf8`](crate::CsvEncoding)):
///    [`RejectReason::Encoding`];
/// 4. a missing, unparsable or out-of-range age (0–255), then fee bracket (a bracket of
///    [`CategorySet::fee_brackets`](crate::CategorySet::fee_brackets), 1–6):
///    [`RejectReason::MissingField`], [`RejectReason::Unparsable`],
///    [`RejectReason::OutOfRange`].
///
/// So every data line is in exactly one record or one rejection: a rejection stands for the
/// line it names, a record for its lines from [`RecordFile::lines`] up to the line before
/// the next row (more than one only with a correctly quoted multi-line field).
///
/// With [`RecordLocation::Coordinates`], both coordinate cells empty give a record without a
/// position; a coordinate that does not parse, is not finite (`NaN`, `inf`, `1e400`) or is
/// beyond ±[`MAX_COORDINATE_M`](crate::MAX_COORDINATE_M) (`1e300`) gives a record with an
/// invalid position (NaN), which the pipeline counts as `invalid_coordinate`. With [`RecordLocation::Address`], the
/// records have no position and [`RecordFile::addresses`] holds their addresses. Other
/// columns are ignored (not even decoded).
///
/// # Examples
///
/// ```
/// use quartier::{CsvOptions, RecordColumns, RecordKind, RecordLocation, read_records_csv_bytes};
/// # use std::path::Path;
///
/// let csv = "x;y;alter;name\n361000,5;5701000;34;Muster\n;;7;Beispiel\n361010;5701010;;Probe\n";
/// let columns = RecordColumns {
///     location: RecordLocation::Coordinates { x: "x".into(), y: "y".into() },
///     age: "alter".into(),
///     fee_bracket: None,
/// };
/// let file = read_records_csv_bytes(
///     Path::new("ewo.csv"), csv.as_bytes(), RecordKind::Resident, &columns, &CsvOptions::default(),
/// )?;
/// assert_eq!(file.records.len(RecordKind::Resident), 2);
/// assert_eq!(file.records.without_position(RecordKind::Resident), 1);
/// assert_eq!(file.rejected[0].to_string(), "ewo.csv, line 4, column `alter`: the value is missing; the row is not counted");
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::Csv`] naming the file when a
/// line is longer than [`MAX_CSV_LINE_BYTES`](crate::MAX_CSV_LINE_BYTES) (naming the line;
/// reading stops there), the file is UTF-16, the header is missing (an empty file), a named column is not in it (for Kita records: no fee-bracket column
/// named), or a header name is not UTF-8 with [`CsvEncoding::Utf8`](crate::CsvEncoding).
/// A problem of a data row is never an error of the file.
pub fn read_records_csv(
    path: &Path,
    kind: RecordKind,
    columns: &RecordColumns,
    options: &CsvOptions,
) -> Result<RecordFile, IoError> {
    let bytes = super::points::read_csv_file(path)?;
    read_records_csv_bytes(path, &bytes, kind, columns, options)
}

/// Column indices of the location.
#[derive(Debug, Clone, Copy)]
enum Locate {
    Coordinates {
        x: usize,
        y: usize,
    },
    Address {
        municipality: Option<usize>,
        postcode: Option<usize>,
        street: usize,
        house_number: usize,
        suffix: Option<usize>,
    },
}

/// [`read_records_csv`] on bytes already in memory; `path` is used in messages only.
///
/// # Examples
///
/// ```
/// use quartier::{AddressColumns, CsvOptions, RecordColumns, RecordKind, RecordLocation};
/// # use std::path::Path;
///
/// // Windows-1252 bytes: `Straße` is `Stra\xDFe`
/// let csv = b"Stra\xDFe;Nr;Zusatz;Alter\nHauptstr.;12;a;40\n";
/// let columns = RecordColumns {
///     location: RecordLocation::Address(AddressColumns {
///         municipality: None,
///         postcode: None,
///         street: "Straße".into(),
///         house_number: "Nr".into(),
///         suffix: Some("Zusatz".into()),
///     }),
///     age: "Alter".into(),
///     fee_bracket: None,
/// };
/// let file = quartier::read_records_csv_bytes(
///     Path::new("ewo.csv"), csv, RecordKind::Resident, &columns, &CsvOptions::default(),
/// )?;
/// assert_eq!(file.addresses[0].street, "Hauptstr.");
/// assert_eq!(file.addresses[0].house_number, "12a");
/// assert_eq!(file.records.without_position(RecordKind::Resident), 1);
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// As [`read_records_csv`].
pub fn read_records_csv_bytes(
    path: &Path,
    bytes: &[u8],
    kind: RecordKind,
    columns: &RecordColumns,
    options: &CsvOptions,
) -> Result<RecordFile, IoError> {
    let (input, mut reader) = CsvInput::open(path, bytes, options)?;
    let parser = RowParser::new(
        kind,
        columns,
        options.decimal_comma,
        |name| input.column(path, name),
        || {
            csv_error(
                path,
                CsvProblem::MissingColumn {
                    column: "fee_bracket (no column named for it)".to_owned(),
                },
            )
        },
    )?;
    let used = parser.used();
    // trailing empty header names (a trailing delimiter) are not columns a row must have
    let width = input.header.len()
        - input
            .header
            .iter()
            .rev()
            .take_while(|h| h.is_empty())
            .count();
    let name = |i: usize| {
        input
            .header
            .get(i.min(width.saturating_sub(1)))
            .cloned()
            .unwrap_or_default()
    };

    let mut out = RecordSink::default();
    let mut rejected = Vec::new();
    let mut record = csv::ByteRecord::new();
    // positions of a reader restarted after an unbalanced quote are relative to its start
    let (mut line_base, mut byte_base) = (0u64, 0usize);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = csv_line(&e).map(|l| l + line_base);
                return Err(csv_error(path, CsvProblem::Malformed { line }));
            }
        }
        let (mut line, mut start) = record.position().map_or((line_base, byte_base), |p| {
            (
                line_base + p.line(),
                byte_base + usize::try_from(p.byte()).unwrap_or(usize::MAX),
            )
        });
        // the csv crate's position is where it started looking, before empty lines it skipped
        while let Some(&b @ (b'\n' | b'\r')) = input.body.get(start) {
            line += u64::from(b == b'\n');
            start += 1;
        }
        let reject = |column: usize, reason| Rejection {
            path: PathBuf::from(path),
            line,
            column: name(column),
            reason,
        };
        let multiline = |i: usize| record.get(i).is_some_and(|c| c.contains(&b'\n'));
        // a quote still open at the end of the file (a truncated export, a stray quote): the
        // csv crate ends the field there without an error
        let at_eof = byte_base + usize::try_from(reader.position().byte()).unwrap_or(usize::MAX)
            >= input.body.len();
        let open_at_eof = at_eof
            && ends_in_quoted_field(input.body.get(start..).unwrap_or_default(), input.delimiter);
        if open_at_eof || record.as_slice().contains(&b'\n') {
            let wrong_count = record.len() < width
                || record
                    .iter()
                    .skip(width)
                    .any(|c| !c.trim_ascii().is_empty());
            // a quote that is not closed can be "closed" by a quote on a later line that is
            // followed by more text: the lines in between would be one row, so a row over
            // several lines is read only when it is quoted as RFC 4180 says
            let strict =
                rfc4180_quoted(input.body.get(start..).unwrap_or_default(), input.delimiter);
            if open_at_eof || wrong_count || !strict || used.iter().any(|&i| multiline(i)) {
                let column = if open_at_eof {
                    record.len().saturating_sub(1)
                } else {
                    (0..record.len()).find(|&i| multiline(i)).unwrap_or(0)
                };
                rejected.push(reject(column, RejectReason::UnbalancedQuote));
                // resume on the line after the one the row started on
                let Some(next) = input
                    .body
                    .get(start..)
                    .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                    .map(|p| start + p + 1)
                else {
                    break;
                };
                reader = input.reader_from(next);
                line_base = line;
                byte_base = next;
                continue;
            }
        }
        if record.len() < width {
            rejected.push(reject(record.len(), RejectReason::FieldCount));
            continue;
        }
        if let Some(extra) = (width..record.len())
            .find(|&i| record.get(i).is_some_and(|c| !c.trim_ascii().is_empty()))
        {
            rejected.push(reject(extra, RejectReason::FieldCount));
            continue;
        }
        if let Some(&bad) = used
            .iter()
            .find(|&&i| input.decode(record.get(i).unwrap_or_default()).is_none())
        {
            rejected.push(reject(bad, RejectReason::Encoding));
            continue;
        }
        let text = |i: usize| -> String {
            record
                .get(i)
                .and_then(|c| input.decode(c))
                .map(|c| c.trim().to_owned())
                .unwrap_or_default()
        };
        if let Err((column, reason)) = parser.parse(&text, line, &mut out) {
            rejected.push(reject(column, reason));
        }
    }
    Ok(out.finish(rejected))
}

/// Turns one row's cells into a record: the reading shared by the CSV reader and the PostGIS
/// reader, so that both accept and reject exactly the same values.
#[derive(Debug)]
pub(crate) struct RowParser {
    kind: RecordKind,
    locate: Locate,
    age: usize,
    fee_bracket: Option<usize>,
    decimal_comma: Option<bool>,
}

impl RowParser {
    /// Finds the columns with `find` (the index of a named column, or the reader's error);
    /// `no_fee_column` is the error for Kita records without a fee-bracket column.
    pub(crate) fn new(
        kind: RecordKind,
        columns: &RecordColumns,
        decimal_comma: Option<bool>,
        find: impl Fn(&str) -> Result<usize, IoError>,
        no_fee_column: impl FnOnce() -> IoError,
    ) -> Result<Self, IoError> {
        let locate = match &columns.location {
            RecordLocation::Coordinates { x, y } => Locate::Coordinates {
                x: find(x)?,
                y: find(y)?,
            },
            RecordLocation::Address(a) => Locate::Address {
                municipality: a.municipality.as_deref().map(&find).transpose()?,
                postcode: a.postcode.as_deref().map(&find).transpose()?,
                street: find(&a.street)?,
                house_number: find(&a.house_number)?,
                suffix: a.suffix.as_deref().map(&find).transpose()?,
            },
        };
        let age = find(&columns.age)?;
        let fee_bracket = match (kind, &columns.fee_bracket) {
            (RecordKind::Kita, Some(f)) => Some(find(f)?),
            (RecordKind::Kita, None) => return Err(no_fee_column()),
            _ => None,
        };
        Ok(Self {
            kind,
            locate,
            age,
            fee_bracket,
            decimal_comma,
        })
    }

    /// The columns that are read, ascending.
    pub(crate) fn used(&self) -> Vec<usize> {
        let mut used: Vec<usize> = vec![self.age];
        used.extend(self.fee_bracket);
        match self.locate {
            Locate::Coordinates { x, y } => used.extend([x, y]),
            Locate::Address {
                municipality,
                postcode,
                street,
                house_number,
                suffix,
            } => {
                used.extend([street, house_number]);
                used.extend(municipality.into_iter().chain(postcode).chain(suffix));
            }
        }
        used.sort_unstable();
        used.dedup();
        used
    }

    /// Reads one row (`text` gives a column's trimmed cell, empty for a missing one) into
    /// `out` as starting on `line`, or names the column and the reason it is rejected.
    pub(crate) fn parse(
        &self,
        text: &dyn Fn(usize) -> String,
        line: u64,
        out: &mut RecordSink,
    ) -> Result<(), (usize, RejectReason)> {
        let small = |column: usize| -> Result<u8, (usize, RejectReason)> {
            let cell = text(column);
            if cell.is_empty() {
                return Err((column, RejectReason::MissingField));
            }
            let digits = cell.strip_prefix(['-', '+']).unwrap_or(&cell);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err((column, RejectReason::Unparsable));
            }
            cell.parse::<u8>()
                .map_err(|_| (column, RejectReason::OutOfRange))
        };
        let age = small(self.age)?;
        // a bracket outside the fee table is out of range like an age above 255: counted
        // here, by row, rather than failing the whole count later
        let fee = self
            .fee_bracket
            .map(|column| {
                small(column).and_then(|f| match crate::fee_bracket_category(f) {
                    Some(_) => Ok(f),
                    None => Err((column, RejectReason::OutOfRange)),
                })
            })
            .transpose()?;
        let position = match self.locate {
            Locate::Coordinates { x, y } => {
                let (xs, ys) = (text(x), text(y));
                if xs.is_empty() && ys.is_empty() {
                    None
                } else {
                    let coordinate = |text: &str| {
                        parse_number(text, self.decimal_comma)
                            .filter(|v| v.abs() <= crate::hierarchy::MAX_COORDINATE_M)
                    };
                    let (x, y) = (coordinate(&xs), coordinate(&ys));
                    Some(Position::new(x.unwrap_or(f64::NAN), y.unwrap_or(f64::NAN)))
                }
            }
            Locate::Address {
                municipality,
                postcode,
                street,
                house_number,
                suffix,
            } => {
                let optional = |i: Option<usize>| i.map(text).unwrap_or_default();
                let mut number = text(house_number);
                number.push_str(&optional(suffix));
                out.addresses.push(Address {
                    municipality: optional(municipality),
                    postcode: optional(postcode),
                    street: text(street),
                    house_number: number,
                });
                None
            }
        };
        out.lines.push(line);
        match self.kind {
            RecordKind::Resident => out.residents.push(Resident { position, age }),
            RecordKind::Kita => out.kita.push(KitaRecord {
                position,
                child_age: age,
                fee_bracket: fee.unwrap_or_default(),
            }),
            RecordKind::ChildSupport => out.child_support.push(ChildSupportCase {
                position,
                child_age: age,
            }),
        }
        Ok(())
    }
}

/// The records read so far (see [`RowParser::parse`]).
#[derive(Default)]
pub(crate) struct RecordSink {
    residents: Vec<Resident>,
    kita: Vec<KitaRecord>,
    child_support: Vec<ChildSupportCase>,
    addresses: Vec<Address>,
    lines: Vec<u64>,
}

impl RecordSink {
    /// The records with the rows not read.
    pub(crate) fn finish(self, rejected: Vec<Rejection>) -> RecordFile {
        RecordFile {
            records: Records::new(self.residents, self.kita, self.child_support),
            addresses: self.addresses,
            lines: self.lines,
            rejected,
        }
    }
}

/// Whether the record that starts at `raw` is quoted as RFC 4180 says: a quoted field's
/// closing quote is followed by the delimiter, the line end or the end of the file, and an
/// unquoted field has no quote. Reads up to the end of the record (a line end outside
/// quotes) only.
fn rfc4180_quoted(raw: &[u8], delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &b in raw {
        let ends_record = b == b'\n' || b == b'\r';
        state = match state {
            State::FieldStart | State::Unquoted | State::QuoteInQuoted if ends_record => {
                return true;
            }
            State::FieldStart | State::Unquoted | State::QuoteInQuoted if b == delimiter => {
                State::FieldStart
            }
            State::FieldStart if b == b'"' => State::Quoted,
            State::Unquoted if b == b'"' => return false,
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            // text after a closing quote
            State::QuoteInQuoted => return false,
        };
    }
    true
}

/// Whether a record's raw bytes (from its start to the end of the file) end inside a quoted
/// field, by the rules of the csv crate: a quote opens a field only as its first byte, `""`
/// inside is a quote, and a closing quote may be followed by more unquoted bytes.
fn ends_in_quoted_field(raw: &[u8], delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &b in raw {
        let ends_field = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::FieldStart if b == b'"' => State::Quoted,
            State::FieldStart | State::Unquoted | State::QuoteInQuoted if ends_field => {
                State::FieldStart
            }
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted => State::Unquoted,
        };
    }
    state == State::Quoted
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cols(fee: bool) -> RecordColumns {
        RecordColumns {
            location: RecordLocation::Coordinates {
                x: "x".into(),
                y: "y".into(),
            },
            age: "alter".into(),
            fee_bracket: fee.then(|| "stufe".into()),
        }
    }

    #[test]
    fn every_row_is_a_record_or_a_rejection_and_no_value_is_echoed() {
        let csv = "id,name,x,y,alter,stufe\n\
                   A-CANARY-1,Canarystraße 7,\"361000,5\",5701000,4,2\n\
                   A-CANARY-2,Canaryweg 9,,,3,1\n\
                   A-CANARY-3,Canaryplatz 1,361000,5701000,,1\n\
                   A-CANARY-4,Canaryallee 2,361000,5701000,vier,1\n\
                   A-CANARY-5,Canarygasse 3,361000,5701000,4,999\n\
                   A-CANARY-6,Canaryring 4,nordost,5701000,2,1\n\
                   A-CANARY-7\n";
        let file = read_records_csv_bytes(
            Path::new("kita.csv"),
            csv.as_bytes(),
            RecordKind::Kita,
            &cols(true),
            &CsvOptions::default(),
        )
        .unwrap();
        let k = RecordKind::Kita;
        assert_eq!(file.records.len(k), 3);
        assert_eq!(file.records.without_position(k), 1);
        let (xs, _) = file.records.coordinates(k);
        assert!(
            xs[2].is_nan(),
            "an unparsable coordinate stays a record (invalid position)"
        );
        let reasons: Vec<(u64, &str, RejectReason)> = file
            .rejected
            .iter()
            .map(|r| (r.line, r.column.as_str(), r.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (4, "alter", RejectReason::MissingField),
                (5, "alter", RejectReason::Unparsable),
                (6, "stufe", RejectReason::OutOfRange),
                (8, "name", RejectReason::FieldCount),
            ]
        );
        assert_eq!(
            file.records.len(k) + file.rejected.len(),
            7,
            "every row accounted for"
        );
        let by_reason = file.rejected_by_reason();
        assert_eq!(by_reason["missing_field"], 1);
        assert_eq!(by_reason["field_count"], 1);
        let text: String = file.rejected.iter().map(|r| format!("{r}\n")).collect();
        let debug = format!("{file:?}");
        for out in [&text, &debug] {
            for canary in ["CANARY", "Canary", "vier", "999", "nordost", "361000"] {
                assert!(!out.contains(canary), "{canary} leaked: {out}");
            }
        }
    }

    #[test]
    fn quote_state_at_the_end_follows_the_csv_rules() {
        for (raw, open) in [
            (&b"1;2;\"3"[..], true),
            (b"1;2;\"3\"", false),
            (b"1;2;\"a\"\"b", true),
            (b"1;2;\"a\"\"b\"", false),
            (b"1;a\"b;3", false),
            (b"1;\"x\ny;3", true),
            (b"1;\"x\"y;\"", true),
            (b"1;2;3\n", false),
        ] {
            assert_eq!(ends_in_quoted_field(raw, b';'), open, "{raw:?}");
        }
    }

    #[test]
    fn rfc4180_quoting_is_checked_up_to_the_end_of_the_record() {
        for (raw, strict) in [
            (&b"1;\"zwei\nZeilen\";3\n"[..], true),
            (b"1;\"a\"\"b\";\"\"\r\n4", true),
            (b"1;\"x\";\"y\"", true),
            (b"1;2;3\n\"x\"y", true),
            // the stray quote of line 1 closed by the opening quote of line 2
            (b"1;\"Mey\n2;-1;\"3;4\";5\n", false),
            (b"1;\"x\" ;3\n", false),
            (b"1;a\"b;\"x\ny\";3", false),
        ] {
            assert_eq!(rfc4180_quoted(raw, b';'), strict, "{raw:?}");
        }
    }

    #[test]
    fn a_fee_bracket_outside_the_fee_table_is_out_of_range() {
        let csv = "x;y;alter;stufe\n1;2;3;1\n1;2;3;6\n1;2;3;0\n1;2;3;7\n1;2;3;255\n1;2;3;256\n";
        let file = read_records_csv_bytes(
            Path::new("kita.csv"),
            csv.as_bytes(),
            RecordKind::Kita,
            &cols(true),
            &CsvOptions::default(),
        )
        .unwrap();
        let brackets: Vec<u8> = file.records.kita().iter().map(|k| k.fee_bracket).collect();
        assert_eq!(brackets, [1, 6]);
        let reasons: Vec<(u64, &str, RejectReason)> = file
            .rejected
            .iter()
            .map(|r| (r.line, r.column.as_str(), r.reason))
            .collect();
        let out = |line| (line, "stufe", RejectReason::OutOfRange);
        assert_eq!(reasons, [out(4), out(5), out(6), out(7)]);
        assert_eq!(
            file.rejected[0].to_string(),
            "kita.csv, line 4, column `stufe`: the value is outside its range (an age 0–255, a fee bracket 1–6); the row is not counted"
        );
    }

    #[test]
    fn german_exports_are_read_and_broken_files_are_errors() {
        // semicolons, BOM, decimal comma, a Latin-1 header name
        // (a BOM says UTF-8, so the Latin-1 test runs without one)
        let mut bytes = b"x;y;\xC4lter\n361000,25;5701000,5;12\n".to_vec();
        let columns = RecordColumns {
            age: "Älter".into(),
            ..cols(false)
        };
        let file = read_records_csv_bytes(
            Path::new("e.csv"),
            &bytes,
            RecordKind::Resident,
            &columns,
            &CsvOptions::default(),
        )
        .unwrap();
        assert_eq!(file.records.residents()[0].age, 12);
        let (xs, ys) = file.records.coordinates(RecordKind::Resident);
        assert_eq!((xs[0], ys[0]), (361000.25, 5701000.5));
        bytes = b"x;y\n1;2\n".to_vec();
        let err = read_records_csv_bytes(
            Path::new("e.csv"),
            &bytes,
            RecordKind::Resident,
            &columns,
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("e.csv") && err.to_string().contains("Älter"),
            "{err}"
        );
        let err = read_records_csv_bytes(
            Path::new("k.csv"),
            b"x,y,alter\n",
            RecordKind::Kita,
            &cols(false),
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("fee_bracket"), "{err}");
    }
}
