//! `anonymize` on the demo town: no published cell with `0 < n < k`, every record accounted
//! for, the audit passed, determinism, and the CSV round trip.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::fmt::Write as _;

use quartier::{
    AnonymizeSpec, Anonymized, AssignOptions, CellStatus, DemoConfig, DemoTown, FrequencyRule,
    InputSource, LayerKind, RecordKind, Zeros, anonymize, count_records, musterstadt,
    musterstadt_with, write_anonymized, write_protected_csv,
};

/// The demo's spec, with its school-district grouping (protected in the same model).
fn spec(town: &DemoTown) -> AnonymizeSpec {
    AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
        },
        groupings: town.groupings.clone(),
        ..AnonymizeSpec::default()
    }
}

fn small(seed: u64) -> DemoTown {
    musterstadt_with(seed, &DemoConfig::SMALL).unwrap()
}

fn run(seed: u64) -> (DemoTown, Anonymized) {
    let town = if seed % 2 == 0 {
        small(seed)
    } else {
        musterstadt(seed).unwrap()
    };
    let out = anonymize(&town.records, &town.hierarchy, &spec(&town)).unwrap();
    (town, out)
}

/// The true count of every cell, keyed `(layer, unit id, category)`, from the unprotected
/// counting phase (levels) and the grouping's block map.
fn true_counts(
    town: &DemoTown,
    groupings: &[quartier::Grouping],
    kind: RecordKind,
) -> HashMap<(String, String, String), u64> {
    let h = &town.hierarchy;
    let counts = count_records(h, &town.records, &spec(town).assign).unwrap();
    let d = counts.datasets.iter().find(|d| d.kind == kind).unwrap();
    let labels = kind.categories().labels().to_vec();
    let mut out = HashMap::new();
    let mut put = |layer: &str, unit: &str, row: &[u64]| {
        for (label, &v) in labels.iter().zip(row) {
            *out.entry((layer.to_owned(), unit.to_owned(), label.clone()))
                .or_insert(0) += v;
        }
        *out.entry((layer.to_owned(), unit.to_owned(), "total".to_owned()))
            .or_insert(0) += row.iter().sum::<u64>();
    };
    for (level, table) in d.tables.tables().iter().enumerate() {
        for (u, unit) in h.units(level).iter().enumerate() {
            put(&h.levels()[level], unit.id().as_str(), table.row(u));
        }
    }
    for g in groupings {
        for (b, group) in g.of_block().iter().enumerate() {
            if let Some(group) = group {
                put(g.name(), g.ids()[*group].as_str(), d.tables.blocks().row(b));
            }
        }
    }
    out
}

#[test]
fn no_published_cell_is_sensitive_and_the_protocol_accounts_for_everything() {
    let (town, out) = run(2019);
    check(&town, &out);
}

#[test]
fn the_grouping_is_a_layer_of_its_own_and_protected_with_the_rest() {
    let town = small(2020);
    let out = anonymize(&town.records, &town.hierarchy, &spec(&town)).unwrap();
    assert_eq!(out.protocol().parameters.groupings.len(), 1);
    let layers: Vec<_> = out.tables()[0].layers().collect();
    assert_eq!(
        layers.last(),
        Some(&("grundschulbezirk", LayerKind::Grouping))
    );
    check(&town, &out);
}

fn check(town: &DemoTown, out: &Anonymized) {
    let p = out.protocol();
    assert!(p.is_passed(), "{}", p.to_markdown());
    assert!(p.is_balanced());
    for (tables, d) in out.tables().iter().zip(&p.datasets) {
        assert_eq!(d.records.read, town.records.len(tables.dataset()));
        assert_eq!(d.audit.exposed, 0);
        assert!(d.audit.smallest_width.is_none_or(|w| w >= 3.0 - 1e-6));
        let truth = true_counts(town, out.groupings(), tables.dataset());
        let mut seen = 0;
        for row in tables.rows() {
            let v = truth[&(
                row.layer.to_owned(),
                row.unit_id.to_owned(),
                row.category.to_owned(),
            )];
            match row.value {
                Some(n) => {
                    assert_eq!(n, v, "published value is the true count");
                    assert!(!(1..3).contains(&n), "published sensitive cell");
                    assert_eq!(row.status, CellStatus::Published);
                }
                None => assert!(row.status.is_suppressed()),
            }
            if (1..3).contains(&v) {
                assert_eq!(row.status, CellStatus::Primary);
            }
            seen += 1;
        }
        assert_eq!(seen, truth.len(), "every cell of every layer once");
        // Cells by status per layer add up to the audit.
        let suppressed: usize = d.cells.iter().map(|l| l.primary + l.secondary).sum();
        assert_eq!(suppressed, d.audit.suppressed);
    }
}

#[test]
fn zeros_can_be_sensitive_too() {
    let town = small(7);
    let spec = AnonymizeSpec {
        rule: FrequencyRule {
            k: 3,
            zeros: Zeros::Suppress,
        },
        ..spec(&town)
    };
    let out = anonymize(&town.records, &town.hierarchy, &spec).unwrap();
    assert!(out.protocol().is_passed());
    assert_eq!(out.protocol().parameters.zeros, "suppress");
    for t in out.tables() {
        assert!(t.rows().all(|r| r.value.is_none_or(|n| n >= 3)));
    }
}

#[test]
fn same_input_same_output_and_files() {
    let (town, a) = run(6);
    let (_, b) = run(6);
    assert_eq!(a.tables(), b.tables());
    assert_eq!(a.protocol(), b.protocol());
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, out) in [("a", a), ("b", b)] {
        let mut out = out;
        out.add_input(InputSource::Generated {
            name: "musterstadt".into(),
            seed: 6,
        });
        let written = write_anonymized(&dir.path().join(name), &town.hierarchy, &out).unwrap();
        files.push(
            written
                .iter()
                .map(|p| (p.file_name().unwrap().to_owned(), std::fs::read(p).unwrap()))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(files[0], files[1]);
    let names: Vec<String> = files[0]
        .iter()
        .map(|(n, _)| n.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "gemeinde.geojson",
            "ortsteil.geojson",
            "quartier.geojson",
            "baublock.geojson",
            "protected_resident.csv",
            "protected_kita.csv",
            "protected_child_support.csv",
            "grouping_grundschulbezirk.csv",
            "protocol.json",
            "protocol.md",
        ]
    );
}

#[test]
fn csv_round_trips() {
    let (town, out) = run(12);
    let dir = tempfile::tempdir().unwrap();
    for tables in out.tables() {
        let truth = true_counts(&town, out.groupings(), tables.dataset());
        let path = dir.path().join("t.csv");
        write_protected_csv(&path, tables).unwrap();
        let mut reader = csv::Reader::from_path(&path).unwrap();
        assert_eq!(
            reader.headers().unwrap(),
            vec![
                "layer",
                "unit_id",
                "parent_id",
                "category",
                "value",
                "status"
            ]
        );
        let mut rows = 0;
        let mut suppressed = 0;
        for (record, row) in reader.records().zip(tables.rows()) {
            let r = record.unwrap();
            assert_eq!(
                (&r[0], &r[1], r.get(2), &r[3]),
                (
                    row.layer,
                    row.unit_id,
                    Some(row.parent_id.unwrap_or("")),
                    row.category
                )
            );
            let v = truth[&(r[0].to_owned(), r[1].to_owned(), r[3].to_owned())];
            match &r[5] {
                "published" => assert_eq!(r[4].parse::<u64>().unwrap(), v),
                "suppressed" => {
                    assert_eq!(&r[4], "");
                    suppressed += 1;
                }
                other => panic!("status {other}"),
            }
            rows += 1;
        }
        assert_eq!(rows, tables.len());
        assert!(suppressed > 0, "the demo has small cells");
        assert!(rows > 0);
    }
}

#[test]
fn layer_names_that_could_leave_the_folder_are_refused() {
    let town = small(2021);
    for bad in ["../x", "a/b", "", "a b", "-rf"] {
        let err = quartier::Grouping::new(bad, &town.hierarchy, [("nope", "S1")]).unwrap_err();
        assert!(
            matches!(err, quartier::DisclosureError::GroupingName { .. }),
            "{bad}: {err}"
        );
    }
    // A grouping may not take a level's name (the layer column would be ambiguous).
    let level = town.hierarchy.levels()[1].clone();
    let block = town.hierarchy.blocks()[0].id().as_str().to_owned();
    let err =
        quartier::Grouping::new(level, &town.hierarchy, [(block.as_str(), "S1")]).unwrap_err();
    assert!(err.to_string().contains("level"), "{err}");
    // A hierarchy whose level name is not a file name is refused before anything is written.
    let out = anonymize(&town.records, &town.hierarchy, &spec(&town)).unwrap();
    let mut b = quartier::HierarchyBuilder::new(["stadt", "../block"]);
    for (i, unit) in town.hierarchy.blocks().iter().enumerate().take(1) {
        b.add_block(quartier::BlockFeature {
            feature: i,
            ids: vec!["S".into(), unit.id().as_str().into()],
            name: None,
            geometry: unit.geometry().clone(),
        });
    }
    let (odd, _) = b.build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = write_anonymized(&dir.path().join("out"), &odd, &out).unwrap_err();
    assert!(matches!(err, quartier::IoError::LayerName { .. }), "{err}");
    assert!(!dir.path().join("out").exists());
}

/// A register export with planted canaries (ids, street names, house numbers, names) and bad
/// rows: every row is a record or a rejection counted in the protocol by reason, and no
/// canary reaches any written file or message.
#[test]
fn a_register_export_with_bad_rows_is_accounted_for_and_leaks_nothing() {
    use quartier::{CsvOptions, RecordColumns, RecordLocation, read_records_csv};
    let town = small(2022);
    let (xs, ys) = town.records.coordinates(RecordKind::Resident);
    let mut csv = String::from("ordnungsmerkmal;familienname;strasse;hausnummer;x;y;alter\n");
    let mut good = 0;
    for (i, r) in town.records.residents().iter().enumerate() {
        let (x, y) = if xs[i].is_finite() {
            (
                format!("{:.2}", xs[i]).replace('.', ","),
                format!("{:.2}", ys[i]),
            )
        } else {
            (String::new(), String::new())
        };
        let _ = writeln!(
            csv,
            "CANARY-ID-{i:05};Canarymann{i};Canarystraße {i};{}{};{x};{y};{}",
            i % 97,
            ["", "a", "b"][i % 3],
            r.age
        );
        good += 1;
    }
    // bad rows: missing age, unparsable age, age out of range, a truncated row
    csv.push_str("CANARY-ID-X1;Canarymann;Canarystraße 1;1;361000;5701000;\n");
    csv.push_str("CANARY-ID-X2;Canarymann;Canarystraße 2;2;361000;5701000;zwölf\n");
    csv.push_str("CANARY-ID-X3;Canarymann;Canarystraße 3;3;361000;5701000;-913\n");
    csv.push_str("CANARY-ID-X4;Canarymann\n");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("einwohner.csv");
    std::fs::write(&input, &csv).unwrap();
    let columns = RecordColumns {
        location: RecordLocation::Coordinates {
            x: "x".into(),
            y: "y".into(),
        },
        age: "alter".into(),
        fee_bracket: None,
    };
    let file = read_records_csv(
        &input,
        RecordKind::Resident,
        &columns,
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(file.records.len(RecordKind::Resident), good);
    assert_eq!(file.rejected.len(), 4);
    let mut out = anonymize(&file.records, &town.hierarchy, &spec(&town)).unwrap();
    out.add_rejections(RecordKind::Resident, &file.rejected);
    let p = out.protocol();
    assert!(p.is_balanced() && p.is_passed());
    let residents = &p.datasets[0];
    assert_eq!(residents.records.read, good);
    assert_eq!(residents.rejected_rows.values().sum::<usize>(), 4);
    let rejected: Vec<(&str, usize)> = residents
        .rejected_rows
        .iter()
        .map(|(k, v)| (*k, *v))
        .collect();
    assert_eq!(
        rejected,
        vec![
            ("field_count", 1),
            ("missing_field", 1),
            ("out_of_range", 1),
            ("unparsable", 1)
        ]
    );
    let written = write_anonymized(&dir.path().join("out"), &town.hierarchy, &out).unwrap();
    let mut texts: Vec<String> = written
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.extend(file.rejected.iter().map(ToString::to_string));
    texts.push(format!("{file:?}"));
    assert!(
        texts.iter().any(|t| t.contains("missing field")),
        "the Markdown lists reasons"
    );
    for text in &texts {
        for canary in ["CANARY", "Canary", "zwölf", "-913"] {
            assert!(!text.contains(canary), "{canary} leaked");
        }
    }
}

#[test]
fn a_fee_bracket_outside_the_spec_is_an_error_naming_the_field() {
    use quartier::{KitaRecord, Records};
    let town = small(2023);
    let mut kita: Vec<KitaRecord> = town.records.kita().to_vec();
    kita[0].fee_bracket = 9;
    kita[1].fee_bracket = 0;
    let records = Records::new(
        town.records.residents().to_vec(),
        kita,
        town.records.child_support().to_vec(),
    );
    let err = anonymize(&records, &town.hierarchy, &spec(&town))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("fee_bracket") && err.contains("2 kita records"),
        "{err}"
    );
    assert!(!err.contains('9'), "no value in the message: {err}");
}
