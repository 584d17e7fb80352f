//! The record reader in every dialect: every data row becomes a record or a rejection.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier::{
    AddressColumns, CsvEncoding, CsvOptions, RecordColumns, RecordKind, RecordLocation,
    read_records_csv_bytes,
};

fuzz_target!(|input: (u8, &[u8])| {
    let (mode, bytes) = input;
    let location = if mode & 1 == 0 {
        RecordLocation::Coordinates {
            x: "x".into(),
            y: "y".into(),
        }
    } else {
        RecordLocation::Address(AddressColumns {
            municipality: None,
            postcode: Some("plz".into()),
            street: "strasse".into(),
            house_number: "nr".into(),
            suffix: Some("zusatz".into()),
        })
    };
    let kind = [
        RecordKind::Resident,
        RecordKind::Kita,
        RecordKind::ChildSupport,
    ][usize::from(mode >> 1) % 3];
    let columns = RecordColumns {
        location,
        age: "alter".into(),
        fee_bracket: (kind == RecordKind::Kita).then(|| "stufe".into()),
    };
    let options = CsvOptions {
        delimiter: [None, Some(b';'), Some(b','), Some(b'\t')][usize::from(mode >> 3) % 4],
        encoding: [
            CsvEncoding::Auto,
            CsvEncoding::Utf8,
            CsvEncoding::Windows1252,
        ][usize::from(mode >> 5) % 3],
        decimal_comma: [None, Some(true), Some(false)][usize::from(mode >> 7)],
    };
    if let Ok(file) = read_records_csv_bytes(Path::new("fuzz.csv"), bytes, kind, &columns, &options)
    {
        let n = file.records.len(kind);
        assert_eq!(file.lines.len(), n, "one line per record");
        if mode & 1 == 1 {
            assert_eq!(file.addresses.len(), n, "one address per record");
        }
    }
});
