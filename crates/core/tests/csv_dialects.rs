//! German administrative CSV dialects (issue 7, item 3): Windows-1252 and UTF-8 with BOM,
//! `;`, `,` and tab, decimal comma, quoted fields, address columns and broken rows.
//!
//! The fixtures are described in `tests/data/csv/README.md`. Expected values are written
//! out here from that description; row counts are taken from the raw bytes, independently
//! of the reader.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use quartier::{
    AddressColumns, CsvEncoding, CsvOptions, IoError, RecordColumns, RecordFile, RecordKind,
    RecordLocation, RejectReason, read_records_csv, read_records_csv_bytes,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/csv")
        .join(name)
}

fn raw(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// Data rows from the raw bytes: the lines after the header that are not empty (none of the
/// fixtures has a legitimately multi-line field).
fn data_lines(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| b == b'\n')
        .skip(1)
        .filter(|l| !l.strip_suffix(b"\r").unwrap_or(l).is_empty())
        .count()
}

fn coordinates(x: &str, y: &str, age: &str, fee: Option<&str>) -> RecordColumns {
    RecordColumns {
        location: RecordLocation::Coordinates {
            x: x.into(),
            y: y.into(),
        },
        age: age.into(),
        fee_bracket: fee.map(Into::into),
    }
}

fn address(
    street: &str,
    number: &str,
    suffix: Option<&str>,
    postcode: Option<&str>,
    municipality: Option<&str>,
    age: &str,
    fee: Option<&str>,
) -> RecordColumns {
    RecordColumns {
        location: RecordLocation::Address(AddressColumns {
            municipality: municipality.map(Into::into),
            postcode: postcode.map(Into::into),
            street: street.into(),
            house_number: number.into(),
            suffix: suffix.map(Into::into),
        }),
        age: age.into(),
        fee_bracket: fee.map(Into::into),
    }
}

fn read(name: &str, kind: RecordKind, columns: &RecordColumns, options: &CsvOptions) -> RecordFile {
    read_records_csv(&fixture(name), kind, columns, options).unwrap()
}

/// Every data row is a record or a rejection.
fn assert_accounted(name: &str, file: &RecordFile, kind: RecordKind) {
    assert_eq!(
        file.records.len(kind) + file.rejected.len(),
        data_lines(&raw(name)),
        "{name}: every data row accounted for"
    );
    let by_reason: usize = file.rejected_by_reason().values().sum();
    assert_eq!(by_reason, file.rejected.len());
}

/// No canary (nor any other planted value) in the rejections (Display and Debug), the
/// file's `Debug`, the addresses' `Debug`, or the errors.
fn assert_no_leak(file: &RecordFile, errors: &[IoError], extra: &[&str]) {
    let mut texts = vec![format!("{file:?}"), format!("{:?}", file.addresses)];
    for r in &file.rejected {
        texts.push(r.to_string());
        texts.push(format!("{r:?}"));
    }
    for e in errors {
        texts.push(e.to_string());
        texts.push(format!("{e:?}"));
    }
    for text in &texts {
        let lower = text.to_lowercase();
        assert!(!lower.contains("canary"), "a canary leaked: {text}");
        for value in extra {
            assert!(!text.contains(value), "`{value}` leaked: {text}");
        }
    }
}

/// An error of the file for a column that is not there: it names the file and the column.
fn missing_column_error(name: &str, kind: RecordKind, options: &CsvOptions) -> IoError {
    let err = read_records_csv(
        &fixture(name),
        kind,
        &coordinates("Ostwert", "Nordwert", "Alter", Some("Stufe")),
        options,
    )
    .unwrap_err();
    assert!(err.to_string().contains(name), "{err}");
    assert!(err.to_string().contains("Ostwert"), "{err}");
    err
}

fn positions(file: &RecordFile, kind: RecordKind) -> Vec<Option<(f64, f64)>> {
    let (xs, ys) = file.records.coordinates(kind);
    xs.iter()
        .zip(ys)
        .map(|(&x, &y)| (!x.is_nan() || !y.is_nan()).then_some((x, y)))
        .collect()
}

fn ages(file: &RecordFile) -> Vec<u8> {
    file.records.residents().iter().map(|r| r.age).collect()
}

fn streets(file: &RecordFile) -> Vec<(&str, &str)> {
    file.addresses
        .iter()
        .map(|a| (a.street.as_str(), a.house_number.as_str()))
        .collect()
}

const EWO_POSITIONS: [Option<(f64, f64)>; 5] = [
    Some((362345.67, 5699876.5)),
    Some((361000.25, 5701000.75)),
    None,
    Some((360999.99, 5702000.01)),
    Some((363500.0, 5698000.5)),
];

#[test]
fn windows_1252_semicolon_decimal_comma() {
    let name = "ewo_win1252_semicolon.csv";
    let resident = RecordKind::Resident;
    let cols = coordinates("Rechtswert", "Hochwert", "Alter", None);
    for options in [
        CsvOptions::default(),
        CsvOptions {
            delimiter: Some(b';'),
            encoding: CsvEncoding::Windows1252,
            decimal_comma: Some(true),
        },
    ] {
        let file = read(name, resident, &cols, &options);
        assert_accounted(name, &file, resident);
        assert!(file.rejected.is_empty());
        assert!(file.addresses.is_empty());
        assert_eq!(ages(&file), [34, 7, 81, 0, 102]);
        assert_eq!(positions(&file, resident), EWO_POSITIONS);
        assert_eq!(file.records.without_position(resident), 1);
        let err = missing_column_error(name, resident, &options);
        assert_no_leak(&file, &[err], &["Müller", "Rüttenscheider", "362345"]);
    }
    // a decimal point stated, a decimal comma found: records with invalid positions
    let points = CsvOptions {
        decimal_comma: Some(false),
        ..CsvOptions::default()
    };
    let file = read(name, resident, &cols, &points);
    let (xs, _) = file.records.coordinates(resident);
    assert_eq!(xs.len(), 5);
    assert!(xs[0].is_nan() && xs[4] == 363500.0);
    assert_eq!(file.records.without_position(resident), 1);

    // the header name `Straße` is decoded from Windows-1252 byte 0xDF
    let file = read(
        name,
        resident,
        &address("Straße", "Hausnr", None, None, None, "Alter", None),
        &CsvOptions::default(),
    );
    assert_eq!(
        streets(&file),
        [
            ("Rüttenscheider Straße", "12a"),
            ("Kettwiger Str.", "3"),
            ("Große Weberstraße", "12-14"),
            ("Hüttmannstraße", "12/1"),
            ("Grüner Weg", "5"),
        ]
    );
    assert_eq!(file.records.without_position(resident), 5);
}

#[test]
fn utf8_and_windows_1252_give_identical_records_and_addresses() {
    let resident = RecordKind::Resident;
    let by_coordinates = coordinates("Rechtswert", "Hochwert", "Alter", None);
    let by_address = address("Straße", "Hausnr", None, None, None, "Alter", None);
    for cols in [&by_coordinates, &by_address] {
        let a = read(
            "ewo_win1252_semicolon.csv",
            resident,
            cols,
            &CsvOptions::default(),
        );
        let b = read(
            "ewo_utf8_semicolon.csv",
            resident,
            cols,
            &CsvOptions::default(),
        );
        assert_eq!(a.records, b.records);
        assert_eq!(a.addresses, b.addresses);
        assert_eq!(a.records.len(resident), 5);
    }
    let cols = address(
        "Straße",
        "Hausnummer",
        Some("Zusatz"),
        Some("PLZ"),
        Some("Gemeindeschlüssel"),
        "Alter",
        None,
    );
    let a = read(
        "ewo_addresses_win1252.csv",
        resident,
        &cols,
        &CsvOptions::default(),
    );
    let b = read(
        "ewo_addresses_utf8.csv",
        resident,
        &cols,
        &CsvOptions::default(),
    );
    assert_eq!(a.addresses.len(), 9);
    assert_eq!(a.addresses, b.addresses);
    assert_eq!(a.records, b.records);
    // stated encodings agree with detection
    let forced = |encoding| CsvOptions {
        encoding,
        ..CsvOptions::default()
    };
    let a2 = read(
        "ewo_addresses_win1252.csv",
        resident,
        &cols,
        &forced(CsvEncoding::Windows1252),
    );
    let b2 = read(
        "ewo_addresses_utf8.csv",
        resident,
        &cols,
        &forced(CsvEncoding::Utf8),
    );
    assert_eq!(a2.addresses, a.addresses);
    assert_eq!(b2.addresses, a.addresses);
    // the UTF-8 file read as Windows-1252 does not match (the test can fail)
    let wrong = read(
        "ewo_addresses_utf8.csv",
        resident,
        &address(
            "StraÃŸe",
            "Hausnummer",
            Some("Zusatz"),
            None,
            None,
            "Alter",
            None,
        ),
        &forced(CsvEncoding::Windows1252),
    );
    assert_ne!(wrong.addresses, a.addresses);
}

#[test]
fn addresses_keep_their_german_forms() {
    let name = "ewo_addresses_win1252.csv";
    let resident = RecordKind::Resident;
    let cols = address(
        "Straße",
        "Hausnummer",
        Some("Zusatz"),
        Some("PLZ"),
        Some("Gemeindeschlüssel"),
        "Alter",
        None,
    );
    let file = read(name, resident, &cols, &CsvOptions::default());
    assert_accounted(name, &file, resident);
    assert!(file.rejected.is_empty());
    assert_eq!(
        streets(&file),
        [
            ("Kettwiger Straße", "12a"),
            ("Kettwiger Str.", "12 a"),
            ("Rüttenscheider Str.", "12-14"),
            ("Große Weberstraße", "12/1"),
            ("Grüner   Weg", "7b"),
            ("Straße des 17. Juni", "1"),
            ("", ""),
            ("Zollvereinstraße", "12a"),
            ("Rüttenscheider Str.", "20\u{2013}22"),
        ]
    );
    let postcodes: Vec<&str> = file.addresses.iter().map(|a| a.postcode.as_str()).collect();
    assert_eq!(
        postcodes,
        [
            "45127", "45127", "45130", "45131", "45133", "45136", "45139", "45141", "45130"
        ]
    );
    assert!(file.addresses.iter().all(|a| a.municipality == "05113000"));
    assert_eq!(ages(&file), (30..=38).collect::<Vec<u8>>());
    assert_eq!(file.records.without_position(resident), 9);
    // without the optional columns: empty fields, the suffix not appended
    let file = read(
        name,
        resident,
        &address("Straße", "Hausnummer", None, None, None, "Alter", None),
        &CsvOptions::default(),
    );
    assert_eq!(streets(&file)[0], ("Kettwiger Straße", "12"));
    assert!(file.addresses.iter().all(|a| a.postcode.is_empty()));
    let err = missing_column_error(name, resident, &CsvOptions::default());
    assert_no_leak(&file, &[err], &["Zollverein"]);
}

#[test]
fn bom_comma_quoted_fields() {
    let name = "ewo_bom_utf8.csv";
    let resident = RecordKind::Resident;
    let file = read(
        name,
        resident,
        &coordinates("x", "y", "Alter", None),
        &CsvOptions::default(),
    );
    assert_accounted(name, &file, resident);
    assert!(file.rejected.is_empty());
    assert_eq!(ages(&file), [34, 7, 81]);
    assert_eq!(
        positions(&file, resident),
        [
            Some((361000.25, 5701000.75)),
            Some((362345.67, 5699876.5)),
            Some((363500.0, 5698000.5)),
        ]
    );
    // the BOM is not part of the first header name
    let file = read(
        name,
        resident,
        &address("Anschrift", "Name", None, None, None, "Alter", None),
        &CsvOptions::default(),
    );
    assert_eq!(
        streets(&file),
        [
            ("Kettwiger Str. 3, 45127 Essen", "CANARY-Müller, Hans"),
            (
                "Rüttenscheider Straße 12a, 45130 Essen",
                "CANARY-Schmidt, \"Lotte\""
            ),
            ("Grüner Weg 5", "CANARY-Özdemir"),
        ]
    );
    let err = missing_column_error(name, resident, &CsvOptions::default());
    assert_no_leak(&file, &[err], &["Lotte"]);
}

#[test]
fn tab_separated_kita_records_with_addresses() {
    let name = "kita_tab.tsv";
    let kita = RecordKind::Kita;
    let cols = address(
        "Straße",
        "Hausnummer",
        Some("Zusatz"),
        Some("PLZ"),
        None,
        "Alter Kind",
        Some("Beitragsstufe"),
    );
    for options in [
        CsvOptions::default(),
        CsvOptions {
            delimiter: Some(b'\t'),
            encoding: CsvEncoding::Utf8,
            decimal_comma: None,
        },
    ] {
        let file = read(name, kita, &cols, &options);
        assert_accounted(name, &file, kita);
        assert!(file.rejected.is_empty());
        let records: Vec<(u8, u8)> = file
            .records
            .kita()
            .iter()
            .map(|r| (r.child_age, r.fee_bracket))
            .collect();
        assert_eq!(records, [(4, 2), (3, 1), (5, 6), (1, 3)]);
        assert_eq!(
            streets(&file),
            [
                ("Kettwiger Str.", "3"),
                ("Rüttenscheider Straße", "12a"),
                ("Hüttmannstraße", "7b"),
                ("Grüner Weg", "12 a"),
            ]
        );
        assert_eq!(file.addresses[2].postcode, "45131");
        assert_eq!(file.records.without_position(kita), 4);
        let err = missing_column_error(name, kita, &options);
        assert_no_leak(&file, &[err], &[]);
    }
    // a wrong delimiter stated: the named columns are not found (an error of the file)
    let err = read_records_csv(
        &fixture(name),
        kita,
        &cols,
        &CsvOptions {
            delimiter: Some(b';'),
            ..CsvOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("`PLZ`"), "{err}");
}

/// `(line, column, reason)` of the rejections.
fn rejections(file: &RecordFile) -> Vec<(u64, &str, RejectReason)> {
    file.rejected
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.reason))
        .collect()
}

#[test]
fn broken_rows_are_rejected_by_line_column_and_reason() {
    use RejectReason::*;
    let name = "broken_rows.csv";
    let kita = RecordKind::Kita;
    let expected = vec![
        (3, "strasse", FieldCount),
        (4, "alter", Unparsable),
        (5, "stufe", OutOfRange),
        (7, "alter", MissingField),
        (8, "alter", OutOfRange),
        (9, "stufe", FieldCount),
        (13, "name", UnbalancedQuote),
    ];
    let cols = coordinates("x", "y", "alter", Some("stufe"));
    for encoding in [CsvEncoding::Auto, CsvEncoding::Utf8] {
        let options = CsvOptions {
            encoding,
            ..CsvOptions::default()
        };
        let file = read(name, kita, &cols, &options);
        assert_accounted(name, &file, kita);
        assert_eq!(rejections(&file), expected);
        // good rows 2, 10, 11, 12, 14, 15
        let kept: Vec<(u8, u8)> = file
            .records
            .kita()
            .iter()
            .map(|r| (r.child_age, r.fee_bracket))
            .collect();
        assert_eq!(kept, [(4, 2), (5, 3), (5, 3), (2, 1), (1, 1), (6, 6)]);
        assert_eq!(file.lines, [2, 10, 11, 12, 14, 15]);
        let p = positions(&file, kita);
        assert_eq!(p[0], Some((361000.5, 5701000.0)));
        assert_eq!(p[1], None, "no coordinates: no position");
        assert!(
            p[2].is_some_and(|(x, y)| x.is_nan() && y == 5701000.0),
            "an unparsable coordinate: an invalid position"
        );
        assert_eq!(p[4], Some((361014.0, 5701014.0)), "read after the quote");
        assert_eq!(p[5], Some((361015.0, 5701015.0)));
        let by_reason = file.rejected_by_reason();
        assert_eq!(by_reason["field_count"], 2);
        assert_eq!(by_reason["out_of_range"], 2);
        assert_eq!(by_reason["unbalanced_quote"], 1);
        let text: Vec<String> = file.rejected.iter().map(ToString::to_string).collect();
        assert!(
            text[0].contains("broken_rows.csv, line 3, column `strasse`: "),
            "{}",
            text[0]
        );
        let err = missing_column_error(name, kita, &options);
        assert_no_leak(&file, &[err], &["zwölf", "913", "Jr.", "-3", "Offen"]);
    }

    // with addresses the street is read: the Latin-1 `ß` of line 12 is undecodable as UTF-8
    let cols = address("strasse", "nr", None, None, None, "alter", Some("stufe"));
    let utf8 = CsvOptions {
        encoding: CsvEncoding::Utf8,
        ..CsvOptions::default()
    };
    let file = read(name, kita, &cols, &utf8);
    assert_accounted(name, &file, kita);
    let mut with_encoding = expected.clone();
    with_encoding.insert(6, (12, "strasse", Encoding));
    assert_eq!(rejections(&file), with_encoding);
    assert_eq!(file.addresses.len(), file.records.len(kita));
    assert_eq!(
        streets(&file),
        [
            ("Kettwiger Str.", "3"),
            ("Grüner Weg", "10"),
            ("Grüner Weg", "11"),
            ("Kettwiger Str.", "14"),
            ("Kettwiger Str.", "15"),
        ]
    );
    assert_no_leak(&file, &[], &["zwölf"]);
    // detected, the file is not valid UTF-8 and is read as Windows-1252: line 12 is a record
    let file = read(name, kita, &cols, &CsvOptions::default());
    assert_accounted(name, &file, kita);
    assert_eq!(rejections(&file), expected);
    assert_eq!(file.addresses[3].street, "Canarystraße");
    assert_eq!(file.addresses[3].house_number, "12");
}

#[test]
fn the_unbalanced_quote_is_found_wherever_it_is() {
    // a stray quote opens a field in a column that is read; a stray quote on the next line
    // closes it, and the row that results has the right number of fields
    let csv = "id;strasse;nr;alter\n\
               CANARY-1;Kettwiger Str.;1;30\n\
               CANARY-2;\"Canary Str.\n\
               CANARY-3;Canary Weg\";3;32\n\
               CANARY-4;Grüner Weg;4;33\n"
        .as_bytes();
    let cols = address("strasse", "nr", None, None, None, "alter", None);
    let file = read_records_csv_bytes(
        Path::new("q.csv"),
        csv,
        RecordKind::Resident,
        &cols,
        &CsvOptions::default(),
    )
    .unwrap();
    // line 3 swallows line 4 up to the closing quote: rejected, and reading resumes on
    // line 4 (whose stray quote stays in its street cell)
    assert_eq!(
        rejections(&file),
        [(3, "strasse", RejectReason::UnbalancedQuote)]
    );
    assert_eq!(ages(&file), [30, 32, 33]);
    assert_eq!(file.lines, [2, 4, 5]);
    assert_eq!(file.addresses[1].street, "Canary Weg\"");
    assert_eq!(
        file.records.len(RecordKind::Resident) + file.rejected.len(),
        4
    );
    assert_no_leak(&file, &[], &[]);

    // a correctly quoted multi-line field in a column that is not read is one row
    let csv = b"id;bemerkung;alter\n1;\"zwei\nZeilen\";30\n2;;31\n";
    let file = read_records_csv_bytes(
        Path::new("q.csv"),
        csv,
        RecordKind::Resident,
        &coordinates("id", "id", "alter", None),
        &CsvOptions::default(),
    )
    .unwrap();
    assert!(file.rejected.is_empty());
    assert_eq!(ages(&file), [30, 31]);
}

#[test]
fn a_header_that_is_not_utf8_is_an_error_only_when_utf8_is_stated() {
    let bytes = raw("ewo_win1252_semicolon.csv");
    let cols = coordinates("Rechtswert", "Hochwert", "Alter", None);
    let err = read_records_csv_bytes(
        Path::new("ewo.csv"),
        &bytes,
        RecordKind::Resident,
        &cols,
        &CsvOptions {
            encoding: CsvEncoding::Utf8,
            ..CsvOptions::default()
        },
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("ewo.csv") && msg.contains("header name 3") && msg.contains("UTF-8"),
        "{msg}"
    );
    // the empty file and a file without the header have no header
    for empty in [&b""[..], b"\xEF\xBB\xBF", b"\n\n"] {
        let err = read_records_csv_bytes(
            Path::new("e.csv"),
            empty,
            RecordKind::Resident,
            &cols,
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no header"), "{err}");
    }
}

/// `(line, column, reason)` of each rejection.
fn rejected_at(file: &RecordFile) -> Vec<(u64, &str, RejectReason)> {
    file.rejected
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.reason))
        .collect()
}

#[test]
fn a_stray_quote_closed_by_a_quote_on_a_later_line_does_not_swallow_a_row() {
    // issue 8: the stray quote in the (unread) name of line 3 is closed by the opening quote
    // of the quoted name on line 4, followed by more text; the row that results has the
    // right number of fields and was read as one record (age 32), losing line 4. Not
    // RFC 4180: rejected, and line 4 is read on its own.
    let cols = coordinates("x", "y", "alter", None);
    let csv = "id;name;x;y;alter\n\
               1;Kettwiger;361001;5701001;30\n\
               2;\"Canary;361002;5701002;31\n\
               3;\"Canary\";361003;5701003;32\n\
               4;Grüner Weg;361004;5701004;33\n";
    let file = read_records_csv_bytes(
        Path::new("q.csv"),
        csv.as_bytes(),
        RecordKind::Resident,
        &cols,
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(
        rejected_at(&file),
        [(3, "name", RejectReason::UnbalancedQuote)]
    );
    assert_eq!(ages(&file), [30, 32, 33]);
    assert_eq!(file.lines, [2, 4, 5]);
    assert_no_leak(&file, &[], &["361002", "Grüner"]);

    // two stray quotes in the same unread column: the second one opens a field and closes
    // the first; line 3 is rejected, line 4 swallows line 5 up to the end of the file
    // (rejected too), line 5 is read
    let csv = "id;name;x;y;alter\n\
               1;Kettwiger;361001;5701001;30\n\
               2;\"Canary;361002;5701002;31\n\
               3;\"Canary;361003;5701003;32\n\
               4;Grüner Weg;361004;5701004;33\n";
    let file = read_records_csv_bytes(
        Path::new("q.csv"),
        csv.as_bytes(),
        RecordKind::Resident,
        &cols,
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(
        rejected_at(&file),
        [
            (3, "name", RejectReason::UnbalancedQuote),
            (4, "name", RejectReason::UnbalancedQuote)
        ]
    );
    assert_eq!(ages(&file), [30, 33]);
    assert_eq!(file.lines, [2, 5]);

    // a quote inside an unquoted field of a row over several lines: rejected as well
    let csv = "id;name;x;y;alter\n\
               1;\"zwei\nZeilen\";36\"1001;5701001;30\n\
               2;Grüner Weg;361004;5701004;33\n";
    let file = read_records_csv_bytes(
        Path::new("q.csv"),
        csv.as_bytes(),
        RecordKind::Resident,
        &coordinates("id", "id", "alter", None),
        &CsvOptions::default(),
    )
    .unwrap();
    // the swallowed line 3 is read on its own (and has too few fields), line 4 is a record
    assert_eq!(
        rejected_at(&file),
        [
            (2, "name", RejectReason::UnbalancedQuote),
            (3, "alter", RejectReason::FieldCount)
        ]
    );
    assert_eq!(file.lines, [4]);
    assert_eq!(file.rejected.len() + file.lines.len(), 3);
}

#[test]
fn a_correctly_quoted_multi_line_field_is_one_record_for_its_lines() {
    // RFC 4180: the closing quote is followed by the delimiter, the line end or the end of
    // the file; `""` is a quote; CRLF or LF line ends. Line numbers counted by hand.
    let cases: [(&[u8], &[u64]); 4] = [
        (b"id;bem;alter\n1;\"zwei\nZeilen\";30\n2;;31\n", &[2, 4]),
        (
            b"id;bem;alter\r\n1;\"drei\r\n\"\"Zeilen\"\"\r\n\";30\r\n2;x;31\r\n",
            &[2, 5],
        ),
        (b"id;alter;bem\n1;30;\"a\nb\"\n2;31;\"c\nd\"", &[2, 4]),
        (b"bem;alter\n\"a;\nb\";30\n\n\"\";31\n", &[2, 5]),
    ];
    for (csv, lines) in cases {
        let file = read_records_csv_bytes(
            Path::new("q.csv"),
            csv,
            RecordKind::Resident,
            &coordinates("alter", "alter", "alter", None),
            &CsvOptions::default(),
        )
        .unwrap();
        assert!(file.rejected.is_empty(), "{:?}", rejected_at(&file));
        assert_eq!(ages(&file), [30, 31]);
        assert_eq!(file.lines, lines, "{}", String::from_utf8_lossy(csv));
    }
}

#[test]
fn a_fee_bracket_outside_the_fee_table_is_a_rejected_row() {
    // issue 8: a bracket that is a number but not one of the fee table (1..=6) was read as a
    // record and made the whole count fail without naming file or line
    let csv = "Kind-Nr;x;y;Alter;Stufe\n\
               CANARY-1;361001;5701001;3;1\n\
               CANARY-2;361002;5701002;4;0\n\
               CANARY-3;361003;5701003;5;9\n\
               CANARY-4;361004;5701004;2;6\n\
               CANARY-5;361005;5701005;2;-3\n\
               CANARY-6;361006;5701006;2;\n";
    let file = read_records_csv_bytes(
        Path::new("kita.csv"),
        csv.as_bytes(),
        RecordKind::Kita,
        &coordinates("x", "y", "Alter", Some("Stufe")),
        &CsvOptions::default(),
    )
    .unwrap();
    let brackets: Vec<u8> = file.records.kita().iter().map(|k| k.fee_bracket).collect();
    assert_eq!(brackets, [1, 6]);
    assert_eq!(file.lines, [2, 5]);
    assert_eq!(
        rejected_at(&file),
        [
            (3, "Stufe", RejectReason::OutOfRange),
            (4, "Stufe", RejectReason::OutOfRange),
            (6, "Stufe", RejectReason::OutOfRange),
            (7, "Stufe", RejectReason::MissingField),
        ]
    );
    assert!(
        file.rejected[1]
            .to_string()
            .starts_with("kita.csv, line 4, column `Stufe`: the value is outside its range"),
        "{}",
        file.rejected[1]
    );
    assert_no_leak(&file, &[], &["3610"]);
    // the age of a Kita record is not a bracket: 9 is fine there
    let file = read_records_csv_bytes(
        Path::new("kita.csv"),
        b"x;y;Alter;Stufe\n1;2;9;2\n",
        RecordKind::Kita,
        &coordinates("x", "y", "Alter", Some("Stufe")),
        &CsvOptions::default(),
    )
    .unwrap();
    assert!(file.rejected.is_empty());
}
