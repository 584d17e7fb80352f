//! No record value leaves the counting phase: every output written from the demo town's
//! counts is searched for the records' coordinates.
#![allow(clippy::unwrap_used)]

use quartier::{AssignOptions, DemoTown, RecordKind, count_records, musterstadt};

#[test]
fn outputs_hold_no_record_coordinate() {
    let town = musterstadt(4711).unwrap();
    let options = AssignOptions {
        snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
    };
    let counts = count_records(&town.hierarchy, &town.records, &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let h = &town.hierarchy;
    let mut outputs = String::new();
    for level in 0..h.levels().len() {
        let path = dir.path().join(format!("{level}.geojson"));
        quartier::write_units(&path, h, level).unwrap();
        outputs += &std::fs::read_to_string(&path).unwrap();
    }
    for d in &counts.datasets {
        for (level, table) in d.tables.tables().iter().enumerate() {
            let path = dir.path().join(format!("{}_{level}.csv", d.kind.name()));
            quartier::write_counts_csv(&path, h, table).unwrap();
            outputs += &std::fs::read_to_string(&path).unwrap();
        }
    }
    outputs += &counts.protocol().to_string();
    outputs += &format!("{counts:?}");

    // Every number in the outputs, as a token.
    let tokens: std::collections::HashSet<&str> = outputs
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|t| !t.is_empty())
        .collect();

    // Canaries: every record's coordinates, as Rust prints them (shortest round-trip form).
    let mut checked = 0;
    for kind in RecordKind::ALL {
        let (xs, ys) = town.records.coordinates(kind);
        for (&x, &y) in xs
            .iter()
            .zip(ys)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
        {
            for canary in [format!("{x}"), format!("{y}")] {
                // Block vertices lie on a 1/8 m grid; a record exactly on one (planted on a
                // shared edge) prints like a vertex, so only values off that grid are canaries.
                if canary.parse::<f64>().unwrap().mul_add(8.0, 0.0).fract() != 0.0 {
                    assert!(!tokens.contains(canary.as_str()), "{canary} leaked");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 40_000, "{checked}");
}
