//! Runs the `quartier` binary and checks stdout, files and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn quartier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn read_dir_sorted(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn demo_writes_layers_counts_and_protocol_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let o = quartier(&[
            "demo",
            "--quiet",
            "--seed",
            "5",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            out.to_str().unwrap()
        );
    }
    let files_a = read_dir_sorted(&a);
    assert_eq!(files_a, read_dir_sorted(&b), "same seed, same bytes");
    let names: Vec<&str> = files_a.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "baublock.geojson",
        "quartier.geojson",
        "counts_resident_quartier.csv",
        "counts_kita_baublock.csv",
        "counts_child_support_gemeinde.csv",
        "protocol.txt",
    ] {
        assert!(names.contains(&expected), "{expected} missing in {names:?}");
    }
    // The town total of residents in the counts equals assigned + snapped in the protocol.
    let protocol = fs::read_to_string(a.join("protocol.txt")).unwrap();
    let resident_line: Vec<u64> = protocol
        .lines()
        .find(|l| l.starts_with("resident"))
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    let [read, assigned, snapped, no_coordinate, invalid, outside] = resident_line[..] else {
        panic!("{protocol}")
    };
    assert_eq!(read, assigned + snapped + no_coordinate + invalid + outside);
    assert!(
        no_coordinate > 0 && invalid > 0 && outside > 0 && snapped > 0,
        "{protocol}"
    );
    let town = fs::read_to_string(a.join("counts_resident_gemeinde.csv")).unwrap();
    let total: u64 = town
        .lines()
        .nth(1)
        .unwrap()
        .rsplit(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(total, assigned + snapped);

    let other = dir.path().join("c");
    let o = quartier(&[
        "demo",
        "-q",
        "--seed",
        "6",
        "--out",
        other.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_ne!(
        read_dir_sorted(&other),
        files_a,
        "another seed, another town"
    );
}

const TWO_SQUARES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"block_id":"B"},"geometry":{"type":"Polygon","coordinates":[[[10,0],[20,0],[20,10],[10,10],[10,0]]]}},
{"type":"Feature","properties":{"block_id":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}}
]}"#;

#[test]
fn assign_writes_one_row_per_input_row_and_never_drops_one() {
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("blocks.geojson");
    fs::write(&units, TWO_SQUARES).unwrap();
    let points = dir.path().join("points.csv");
    // inside B; on the shared edge (→ A, smaller id); unparsable; missing field;
    // 3 m outside B (snapped with --snap 5); far outside; decimal comma is not valid with `,`
    // as delimiter unless quoted.
    fs::write(
        &points,
        "id,x,y\np1,15,5\np2,10,5\np3,abc,5\np4,3\np5,23,5\np6,1000,1000\np7,\"2,5\",5\n",
    )
    .unwrap();
    let out = dir.path().join("assigned.csv");
    let o = quartier(&[
        "assign",
        "--quiet",
        "--units",
        units.to_str().unwrap(),
        "--id-field",
        "block_id",
        "--points",
        points.to_str().unwrap(),
        "--x",
        "x",
        "--y",
        "y",
        "--id-col",
        "id",
        "--snap",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        [
            "point_id,unit_id,outcome,reason",
            "p1,B,assigned,",
            "p2,A,assigned,",
            "p3,,unassigned,invalid_coordinate",
            "p4,,unassigned,invalid_coordinate",
            "p5,B,snapped,",
            "p6,,unassigned,outside_every_unit",
            "p7,A,assigned,",
        ]
    );

    // Without --snap the snapped point is outside; stdout output with `-`.
    let o = quartier(&[
        "assign",
        "-q",
        "--units",
        units.to_str().unwrap(),
        "--points",
        points.to_str().unwrap(),
        "--out",
        "-",
    ]);
    assert!(o.status.success());
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("5,,unassigned,outside_every_unit"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_exit_2_and_data_errors_exit_1_without_personal_values() {
    let o = quartier(&["assign", "--units"]);
    assert_eq!(o.status.code(), Some(2));
    let o = quartier(&["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
    let o = quartier(&["--help"]);
    assert_eq!(o.status.code(), Some(0));

    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("blocks.geojson");
    fs::write(&units, TWO_SQUARES).unwrap();
    let points = dir.path().join("points.csv");
    fs::write(&points, "id,east,north\nCANARY-4711,123456.5,5777777.25\n").unwrap();
    let o = quartier(&[
        "assign",
        "--units",
        units.to_str().unwrap(),
        "--points",
        points.to_str().unwrap(),
        "--id-col",
        "id",
        "--out",
        dir.path().join("o.csv").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("points.csv") && stderr.contains("`x`"),
        "{stderr}"
    );
    for canary in ["CANARY-4711", "123456", "5777777"] {
        assert!(!stderr.contains(canary), "{stderr}");
    }
    assert!(!dir.path().join("o.csv").exists(), "no output on error");

    let o = quartier(&[
        "assign",
        "--units",
        dir.path().join("missing.geojson").to_str().unwrap(),
        "--points",
        points.to_str().unwrap(),
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.geojson"));
}
