//! Canary test of the sealed-office phase: records with planted unique coordinates go through
//! `anonymize` and the demo-style output ([`write_anonymized`]); no output file, no protocol
//! and no `Debug` output may contain a canary.
//!
//! `Records` carry only positions and attributes (ages, fee brackets: small numbers that
//! appear in any table), so the canaries are coordinates. Street names, house numbers,
//! names and record ids arrive with geocoding in a later issue and will be planted here too.
#![allow(clippy::unwrap_used)]

use quartier::{
    AnonymizeSpec, AssignOptions, DemoConfig, DemoTown, InputSource, Position, RecordKind, Records,
    Resident, anonymize, musterstadt_with, write_anonymized,
};

/// Canary coordinates: digits that occur nowhere else.
const CANARIES: [(f64, f64); 4] = [
    (461_234.567_890_12, 5_781_987.654_321_09), // far outside the small town
    (f64::NAN, 5_779_111.123_456_78),           // invalid coordinate
    (461_987.123_987_12, f64::INFINITY),        // invalid coordinate
    (5_781_234.987_654_3, 461_111.222_333_4),   // x and y swapped
];

#[test]
fn no_canary_in_any_output() {
    let town = musterstadt_with(4711, &DemoConfig::SMALL).unwrap();
    // Plant canaries: a resident exactly at each canary position, and residents moved by a
    // unique sub-millimetre offset from regular residents (still inside their blocks).
    let mut residents: Vec<Resident> = town.records.residents().to_vec();
    let mut canaries: Vec<String> = Vec::new();
    for &(x, y) in &CANARIES {
        residents.push(Resident {
            position: Some(Position::new(x, y)),
            age: 77,
        });
        canaries.extend(
            [x, y]
                .iter()
                .filter(|v| v.is_finite())
                .map(|v| format!("{v}")),
        );
    }
    for (i, r) in residents.iter_mut().take(50).enumerate() {
        let p = r.position.unwrap();
        let (x, y) = (p.x() + 0.000_123_4 + i as f64 * 1e-7, p.y() + 0.000_432_1);
        r.position = Some(Position::new(x, y));
        canaries.extend([format!("{x}"), format!("{y}"), format!("{x:.6}")]);
    }
    let records = Records::new(
        residents,
        town.records.kita().to_vec(),
        town.records.child_support().to_vec(),
    );
    let spec = AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
        },
        ..AnonymizeSpec::default()
    };
    let mut out = anonymize(&records, &town.hierarchy, &spec).unwrap();
    out.add_input(InputSource::Generated {
        name: "musterstadt".into(),
        seed: 4711,
    });
    let p = out.protocol();
    assert!(p.is_balanced() && p.is_passed());
    let residents = &p.datasets[0].records;
    assert_eq!(residents.read, records.len(RecordKind::Resident));

    let dir = tempfile::tempdir().unwrap();
    let written = write_anonymized(dir.path(), &town.hierarchy, &out).unwrap();
    let mut outputs = String::new();
    for path in &written {
        outputs += &std::fs::read_to_string(path).unwrap();
    }
    outputs += &p.to_json();
    outputs += &p.to_markdown();
    outputs += &format!("{out:?}{records:?}");
    outputs += &serde_json::to_string(&out.tables()).unwrap();
    for canary in &canaries {
        assert!(!outputs.contains(canary.as_str()), "{canary} leaked");
        // Also no long fragment of the digits.
        let digits: String = canary.chars().filter(char::is_ascii_digit).collect();
        assert!(
            !outputs.contains(&digits[digits.len() - 8..]),
            "{canary} leaked"
        );
    }
}
