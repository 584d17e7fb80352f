//! The fuzz targets' checks (see `fuzz/README.md`) replayed on stable: every committed seed
//! (`fuzz/corpus/<target>/`) and every crash reproducer (`fuzz/regressions/<target>/`) goes
//! through the same calls and assertions as in `fuzz/fuzz_targets/<target>.rs`, so a fixed
//! crash stays fixed without the nightly toolchain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use quartier::{
    Address, AddressColumns, AddressTable, CsvEncoding, CsvOptions, GeocodeOptions,
    HouseCoordinate, RecordColumns, RecordKind, RecordLocation, read_records_csv_bytes,
};

/// The inputs of a target: seeds and reproducers, sorted.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let bytes = fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out.sort();
    out
}

#[test]
fn geojson_inputs_give_a_hierarchy_or_an_error() {
    let inputs = inputs("geojson");
    assert!(inputs.len() >= 10, "the seed corpus is missing");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer.geojson");
    let mut spec = quartier::BlockLayerSpec::default_fields();
    spec.name_field = Some("name".into());
    let mut built = 0;
    for (_, bytes) in &inputs {
        fs::write(&path, bytes).unwrap();
        built += usize::from(quartier::read_hierarchy(&path, &spec).is_ok());
    }
    assert!(
        built > 0,
        "no seed builds a hierarchy: the seeds do not fit the target"
    );
}

/// The records target's mode byte: location, kind, delimiter, encoding, decimal separator.
fn records_case(mode: u8) -> (RecordKind, RecordColumns, CsvOptions) {
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
    (kind, columns, options)
}

#[test]
fn record_inputs_give_one_line_and_address_per_record() {
    let inputs = inputs("records_csv");
    assert!(inputs.len() >= 10, "the seed corpus is missing");
    let mut read = 0;
    for (path, bytes) in &inputs {
        let Some((&mode, csv)) = bytes.split_first() else {
            continue;
        };
        let (kind, columns, options) = records_case(mode);
        if let Ok(file) = read_records_csv_bytes(path, csv, kind, &columns, &options) {
            let n = file.records.len(kind);
            assert_eq!(file.lines.len(), n, "{}", path.display());
            if mode & 1 == 1 {
                assert_eq!(file.addresses.len(), n, "{}", path.display());
            }
            read += usize::from(n > 0);
        }
    }
    assert!(
        read > 0,
        "no seed yields a record: the seeds do not fit the target"
    );
}

#[test]
fn address_inputs_match_a_point_of_the_table_or_none() {
    let inputs = inputs("address");
    assert!(!inputs.is_empty(), "the seed corpus is missing");
    let mut entries = Vec::new();
    for (s, street) in [
        "Hauptstraße",
        "Frankfurter Str.",
        "Karl-Marx-Straße",
        "Am Mühlenbach",
        "St.Annental",
        "Große Kirchgasse",
    ]
    .iter()
    .enumerate()
    {
        for n in 1..=20u32 {
            entries.push(HouseCoordinate {
                municipality: "05113000".into(),
                postcode: format!("4510{}", s % 3),
                street: (*street).into(),
                number: n.to_string(),
                suffix: if n % 5 == 0 {
                    "a".into()
                } else {
                    String::new()
                },
                x: 360_000.0 + f64::from(n),
                y: 5_700_000.0 + s as f64,
            });
        }
    }
    let table = AddressTable::new(entries);
    let mut matched = 0;
    for (_, bytes) in &inputs {
        // Seeds are the four fields separated by NUL (the fuzzer's own encoding differs;
        // the checks are the same).
        let text = String::from_utf8_lossy(bytes);
        let mut parts = text.split('\0').map(str::to_owned);
        let mut next = || parts.next().unwrap_or_default();
        let address = Address {
            municipality: next(),
            postcode: next(),
            street: next(),
            house_number: next(),
        };
        let _ = quartier::normalize_street(&address.street);
        let _ = quartier::HouseNumber::parse(&address.house_number);
        let m = table.geocode(&address, &GeocodeOptions::default());
        if m.stage.is_matched() {
            assert!(table.entries().iter().any(|e| e.x == m.x && e.y == m.y));
            matched += 1;
        } else {
            assert!(m.x.is_nan() && m.y.is_nan());
        }
    }
    assert!(matched > 0, "no seed address matches");
}

#[test]
fn project_inputs_give_a_project_or_an_error_naming_the_file() {
    let inputs = inputs("project");
    assert!(!inputs.is_empty(), "the seed corpus is missing");
    for (_, bytes) in &inputs {
        let text = String::from_utf8_lossy(bytes);
        if let Err(e) = quartier::Project::parse(&text, Path::new("project.toml")) {
            assert!(e.to_string().starts_with("project.toml"), "{e}");
        }
    }
}
