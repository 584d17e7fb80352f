//! `quartier release` end to end: the binary on the template project after `quartier
//! anonymize`; the owner office signs, other offices and unknown datasets are refused, and a
//! changed protected table no longer counts as signed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use quartier::{Project, SignOffStatus};

fn quartier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `quartier init` into a temporary folder: (folder, project.toml).
fn init() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let o = quartier(&["init", "-q", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let project = dir.path().join("project.toml");
    assert!(project.exists());
    (dir, project)
}

fn anonymize(project: &Path) {
    let o = quartier(&["anonymize", "-q", project.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The SHA-256 of a file, lowercase hex, by the library's own hasher.
fn sha256(path: &Path) -> String {
    quartier::sha256_file(path).unwrap()
}

#[test]
fn release_before_anonymize_fails_and_names_the_missing_table() {
    let (dir, project) = init();
    let p = project.to_str().unwrap();
    let o = quartier(&[
        "release",
        p,
        "--dataset",
        "resident",
        "--office",
        "Bürgeramt",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let table = dir.path().join("out/protected/protected_resident.csv");
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "quartier: error: no protected table for `resident` at 2024-12-31 ({}): run `quartier anonymize` first",
            table.display()
        )
    );
    assert!(stdout(&o).is_empty());
    assert!(!dir.path().join("out/protected/releases.json").exists());
}

#[test]
fn the_owner_office_signs_off_and_a_changed_table_is_no_longer_signed() {
    let (dir, project) = init();
    let p = project.to_str().unwrap();
    anonymize(&project);
    let protected = dir.path().join("out/protected");
    let releases = protected.join("releases.json");

    // Sign resident for its owner.
    let table = protected.join("protected_resident.csv");
    let hash = sha256(&table);
    let o = quartier(&[
        "release",
        p,
        "--dataset",
        "resident",
        "--office",
        "Bürgeramt",
        "--comment",
        "Altersgruppen geprüft",
        "--signed-on",
        "2025-03-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        format!(
            "signed off `resident` at 2024-12-31 for Bürgeramt on 2025-03-01 (sha256 {}): {}",
            &hash[..12],
            releases.display()
        )
    );
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&releases).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"signoffs": [{
            "dataset": "resident",
            "reference_date": "2024-12-31",
            "office": "Bürgeramt",
            "signed_on": "2025-03-01",
            "comment": "Altersgruppen geprüft",
            "table": "protected_resident.csv",
            "sha256": hash,
        }]})
    );
    let md = fs::read_to_string(protected.join("releases.md")).unwrap();
    assert!(
        md.contains("| resident | 2024-12-31 | Bürgeramt | 2025-03-01 |"),
        "{md}"
    );

    // Another office cannot sign the Jugendamt's data; the owner is named.
    let o = quartier(&["release", p, "--dataset", "kita", "--office", "Sozialamt"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(
            "quartier: error: dataset `kita` is owned by `Jugendamt`, not `Sozialamt`"
        ),
        "{}",
        stderr(&o)
    );
    // An unknown dataset: the project's datasets are listed.
    let o = quartier(&["release", p, "--dataset", "schools", "--office", "Schulamt"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "quartier: error: no dataset `schools` in the project; its datasets are `resident`, `kita`, `child_support`"
    );
    // Neither failure touched the release file.
    let after: serde_json::Value = serde_json::from_slice(&fs::read(&releases).unwrap()).unwrap();
    assert_eq!(after, json);

    // Resident is signed: only the indicators reading kita or child_support are drafts.
    let loaded = Project::load(&project).unwrap();
    let drafts = |p: &Project| quartier::release_state(p).unwrap().drafts;
    let expected: BTreeSet<String> = ["kita_low_income_share", "child_support_rate"]
        .map(String::from)
        .into();
    assert_eq!(drafts(&loaded), expected);

    // One byte of the protected table changes: the sign-off is stale, and with resident
    // unsigned again all four indicators are drafts.
    let mut bytes = fs::read(&table).unwrap();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
    fs::write(&table, &bytes).unwrap();
    let state = quartier::release_state(&loaded).unwrap();
    assert_eq!(state.signoffs.len(), 1);
    assert_eq!(state.signoffs[0].status, SignOffStatus::Changed);
    assert_eq!(state.drafts.len(), 4, "{:?}", state.drafts);

    // Anonymizing the same data again writes the same table: the sign-off holds again.
    anonymize(&project);
    assert_eq!(sha256(&table), hash);
    let state = quartier::release_state(&loaded).unwrap();
    assert_eq!(state.signoffs[0].status, SignOffStatus::Current);
    assert_eq!(state.drafts, expected);
}

#[test]
fn release_without_signed_on_uses_today_and_a_bad_date_is_refused() {
    let (dir, project) = init();
    let p = project.to_str().unwrap();
    // A stand-in table is enough: the sign-off only hashes the bytes.
    let protected = dir.path().join("out/protected");
    fs::create_dir_all(&protected).unwrap();
    fs::write(protected.join("protected_kita.csv"), "abc").unwrap();
    let before = quartier::today();
    let o = quartier(&["release", p, "--dataset", "kita", "--office", "Jugendamt"]);
    let after = quartier::today();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(protected.join("releases.json")).unwrap()).unwrap();
    let signed_on = json["signoffs"][0]["signed_on"].as_str().unwrap();
    // The day may turn while the command runs.
    assert!(signed_on == before || signed_on == after, "{signed_on}");
    // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    assert!(
        stdout(&o).contains("(sha256 ba7816bf8f01)"),
        "{}",
        stdout(&o)
    );

    let o = quartier(&[
        "release",
        p,
        "--dataset",
        "kita",
        "--office",
        "Jugendamt",
        "--date",
        "2023-12-31",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "quartier: error: reference date 2023-12-31 is not one of the project's: 2024-12-31"
    );
}
