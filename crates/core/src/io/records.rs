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
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::IoError;
use super::points::{CsvProblem, csv_error, csv_line, open_csv, parse_coordinate};
use crate::records::{ChildSupportCase, KitaRecord, Position, RecordKind, Records, Resident};

/// Which columns of a record CSV hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordColumns {
    /// Header name of the x (easting) column.
    pub x: String,
    /// Header name of the y (northing) column.
    pub y: String,
    /// Header name of the age column: the resident's age, or the child's age for Kita and
    /// child-support records (completed years, 0–255).
    pub age: String,
    /// Header name of the fee-bracket column (Kita records only; 1 = lowest income).
    pub fee_bracket: Option<String>,
}

/// Why a data row was not read as a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The cell is empty, or the row has too few fields.
    MissingField,
    /// The cell is not a whole number.
    Unparsable,
    /// The number is outside 0–255.
    OutOfRange,
}

impl RejectReason {
    /// `missing_field`, `unparsable` or `out_of_range`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingField => "missing_field",
            Self::Unparsable => "unparsable",
            Self::OutOfRange => "out_of_range",
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
            RejectReason::OutOfRange => "the value is outside 0–255",
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
    /// The rows not read, in file order.
    pub rejected: Vec<Rejection>,
}

impl fmt::Debug for RecordFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordFile")
            .field("records", &RecordKind::ALL.map(|k| self.records.len(k)))
            .field("rejected", &self.rejected.len())
            .finish()
    }
}

impl RecordFile {
    /// Rejected rows by reason (`missing_field`, `unparsable`, `out_of_range`).
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
/// The delimiter (`,`, `;` or tab) is detected from the header; a UTF-8 BOM is skipped;
/// header names that are not UTF-8 are read as Windows-1252/Latin-1 (only header names and
/// numeric cells are read, so the encoding matters for nothing else); coordinates take `.` or
/// a decimal comma; quoted fields are fine. Both coordinate cells empty: a record without a
/// position; a coordinate that does not parse: a record with an invalid position (NaN), which
/// the pipeline counts as `invalid_coordinate`. A missing, unparsable or out-of-range age or
/// fee bracket rejects the row with a [`Rejection`]; other columns are ignored.
///
/// # Examples
///
/// ```
/// use quartier::{RecordColumns, RecordKind, read_records_csv_bytes};
/// # use std::path::Path;
///
/// let csv = "x;y;alter;name\n361000,5;5701000;34;Muster\n;;7;Beispiel\n361010;5701010;;Probe\n";
/// let columns = RecordColumns { x: "x".into(), y: "y".into(), age: "alter".into(), fee_bracket: None };
/// let file = read_records_csv_bytes(Path::new("ewo.csv"), csv.as_bytes(), RecordKind::Resident, &columns)?;
/// assert_eq!(file.records.len(RecordKind::Resident), 2);
/// assert_eq!(file.records.without_position(RecordKind::Resident), 1);
/// assert_eq!(file.rejected[0].to_string(), "ewo.csv, line 4, column `alter`: the value is missing; the row is not counted");
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::Csv`] naming the file (and
/// the line, where known) when the header is missing, a named column is not in it, or the
/// CSV syntax is broken.
pub fn read_records_csv(
    path: &Path,
    kind: RecordKind,
    columns: &RecordColumns,
) -> Result<RecordFile, IoError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| IoError::file(path, e))?;
    read_records_csv_bytes(path, &bytes, kind, columns)
}

/// [`read_records_csv`] on bytes already in memory; `path` is used in messages only.
///
/// # Errors
///
/// As [`read_records_csv`].
pub fn read_records_csv_bytes(
    path: &Path,
    bytes: &[u8],
    kind: RecordKind,
    columns: &RecordColumns,
) -> Result<RecordFile, IoError> {
    let csv_err = |problem| csv_error(path, problem);
    let (mut reader, header) = open_csv(path, bytes)?;
    let names: Vec<String> = header.iter().map(decode_header).collect();
    let find = |name: &str| {
        names.iter().position(|h| h.trim() == name).ok_or_else(|| {
            csv_err(CsvProblem::MissingColumn {
                column: name.to_owned(),
            })
        })
    };
    let xi = find(&columns.x)?;
    let yi = find(&columns.y)?;
    let ai = find(&columns.age)?;
    let fi = match (kind, &columns.fee_bracket) {
        (RecordKind::Kita, Some(f)) => Some(find(f)?),
        (RecordKind::Kita, None) => {
            return Err(csv_err(CsvProblem::MissingColumn {
                column: "fee_bracket (no column named for it)".to_owned(),
            }));
        }
        _ => None,
    };

    let (mut residents, mut kita, mut child_support) = (Vec::new(), Vec::new(), Vec::new());
    let mut rejected = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_err(CsvProblem::Malformed { line: csv_line(&e) })),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let reject = |column: usize, reason| Rejection {
            path: PathBuf::from(path),
            line,
            column: names[column].trim().to_owned(),
            reason,
        };
        let small = |column: usize| -> Result<u8, Rejection> {
            let cell = record
                .get(column)
                .map(|c| String::from_utf8_lossy(c).trim().to_owned())
                .unwrap_or_default();
            if cell.is_empty() {
                return Err(reject(column, RejectReason::MissingField));
            }
            let n: i64 = cell
                .parse()
                .map_err(|_| reject(column, RejectReason::Unparsable))?;
            u8::try_from(n).map_err(|_| reject(column, RejectReason::OutOfRange))
        };
        let age = match small(ai) {
            Ok(a) => a,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        let fee = match fi.map(&small).transpose() {
            Ok(f) => f,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        let blank = |i: usize| record.get(i).is_none_or(|c| c.trim_ascii().is_empty());
        let position = if blank(xi) && blank(yi) {
            None
        } else {
            let x = record.get(xi).and_then(parse_coordinate);
            let y = record.get(yi).and_then(parse_coordinate);
            Some(Position::new(x.unwrap_or(f64::NAN), y.unwrap_or(f64::NAN)))
        };
        match kind {
            RecordKind::Resident => residents.push(Resident { position, age }),
            RecordKind::Kita => kita.push(KitaRecord {
                position,
                child_age: age,
                fee_bracket: fee.unwrap_or_default(),
            }),
            RecordKind::ChildSupport => child_support.push(ChildSupportCase {
                position,
                child_age: age,
            }),
        }
    }
    Ok(RecordFile {
        records: Records::new(residents, kita, child_support),
        rejected,
    })
}

/// A header name: UTF-8 when it is, else Windows-1252/Latin-1 byte by byte (umlauts agree).
fn decode_header(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cols(fee: bool) -> RecordColumns {
        RecordColumns {
            x: "x".into(),
            y: "y".into(),
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
                (8, "alter", RejectReason::MissingField),
            ]
        );
        assert_eq!(
            file.records.len(k) + file.rejected.len(),
            7,
            "every row accounted for"
        );
        let by_reason = file.rejected_by_reason();
        assert_eq!(by_reason["missing_field"], 2);
        let text: String = file.rejected.iter().map(|r| format!("{r}\n")).collect();
        let debug = format!("{file:?}");
        for out in [&text, &debug] {
            for canary in ["CANARY", "Canary", "vier", "999", "nordost", "361000"] {
                assert!(!out.contains(canary), "{canary} leaked: {out}");
            }
        }
    }

    #[test]
    fn german_exports_are_read_and_broken_files_are_errors() {
        // semicolons, BOM, decimal comma, a Latin-1 header name
        let mut bytes = b"\xEF\xBB\xBFx;y;\xC4lter\n361000,25;5701000,5;12\n".to_vec();
        let columns = RecordColumns {
            age: "Älter".into(),
            ..cols(false)
        };
        let file =
            read_records_csv_bytes(Path::new("e.csv"), &bytes, RecordKind::Resident, &columns)
                .unwrap();
        assert_eq!(file.records.residents()[0].age, 12);
        let (xs, ys) = file.records.coordinates(RecordKind::Resident);
        assert_eq!((xs[0], ys[0]), (361000.25, 5701000.5));
        bytes = b"x;y\n1;2\n".to_vec();
        let err =
            read_records_csv_bytes(Path::new("e.csv"), &bytes, RecordKind::Resident, &columns)
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
        )
        .unwrap_err();
        assert!(err.to_string().contains("fee_bracket"), "{err}");
    }
}
