//! `quartier init | validate | anonymize | analyze | run` end to end: the binary on the
//! template project, its outputs, exit codes, messages, and that no personal value of the
//! sample files reaches an output that may leave the sealed office.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn quartier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `quartier init` into a temporary folder: (folder, project.toml).
fn init() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project.toml");
    let o = quartier(&["init", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        project.to_str().unwrap()
    );
    assert!(project.exists());
    (dir, project)
}

/// Every file under `dir`, recursively, as (path, bytes), sorted.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push((e.path(), fs::read(e.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// The data lines of a CSV file (header excluded), CRLF or LF, as bytes.
fn data_lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).unwrap();
    let mut lines: Vec<Vec<u8>> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .filter(|l| !l.is_empty())
        .collect();
    lines.remove(0);
    lines
}

/// Field `i` of a `;`-separated line decoded as Latin-1 (Windows-1252 outside 0x80..0x9F,
/// which the sample never uses).
fn field(line: &[u8], i: usize) -> String {
    let f = line.split(|&b| b == b';').nth(i).unwrap_or_default();
    assert!(
        f.iter().all(|b| !(0x80..0xA0).contains(b)),
        "a byte outside Latin-1"
    );
    f.iter().map(|&b| char::from(b)).collect()
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

/// Where `needle` occurs in `hay` not preceded by a digit (a number token starts there).
fn find_token(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .enumerate()
        .find(|(i, w)| *w == needle && (*i == 0 || !hay[i - 1].is_ascii_digit()))
        .map(|(i, _)| i)
}

/// The personal values of the sample files: canaries, record-number prefixes, every street
/// name of the Kita file, and 200 resident coordinates as written and with a decimal point.
fn personal_values(dir: &Path) -> Vec<Vec<u8>> {
    let mut needles: Vec<Vec<u8>> = ["CANARY", "EW-0", "K-0", "UV-0"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let streets: BTreeSet<String> = data_lines(&dir.join("data/kita_beitraege.csv"))
        .iter()
        .map(|l| field(l, 2))
        .filter(|s| !s.is_empty())
        .collect();
    assert!(streets.len() >= 8, "{streets:?}");
    for s in &streets {
        needles.push(s.as_bytes().to_vec());
        needles.push(latin1(s));
    }
    let residents = data_lines(&dir.join("data/einwohner.csv"));
    let mut coordinates = 0;
    for l in residents.iter().step_by(residents.len() / 250) {
        for s in [field(l, 2), field(l, 3)] {
            let Ok(v) = s.replace(',', ".").parse::<f64>() else {
                continue;
            };
            // Block vertices of the sample lie on 1/16 m; skip values a vertex could share.
            let sixteenths = v * 16.0;
            if (sixteenths - sixteenths.round()).abs() < 0.2 {
                continue;
            }
            assert!(s.contains(','), "written with a decimal comma: {s}");
            needles.push(s.clone().into_bytes());
            needles.push(s.replace(',', ".").into_bytes());
            coordinates += 1;
        }
        if coordinates >= 200 {
            break;
        }
    }
    assert!(coordinates >= 200, "{coordinates} coordinates sampled");
    needles
}

/// Fails if any needle occurs in `bytes` (coordinates: as a number token).
fn assert_clean(what: &str, bytes: &[u8], needles: &[Vec<u8>]) {
    for n in needles {
        let is_number = n.first().is_some_and(u8::is_ascii_digit);
        let found = if is_number {
            find_token(bytes, n)
        } else {
            bytes.windows(n.len()).position(|w| w == n.as_slice())
        };
        assert!(
            found.is_none(),
            "{what} contains the personal value `{}` at byte {}",
            String::from_utf8_lossy(n),
            found.unwrap()
        );
    }
}

#[test]
fn init_validate_run_writes_the_outputs_and_no_personal_value() {
    let (dir, project) = init();
    let p = project.to_str().unwrap();
    let needles = personal_values(dir.path());
    let mut outputs = Vec::new();

    let validate = quartier(&["validate", p]);
    assert_eq!(validate.status.code(), Some(0), "{}", stderr(&validate));
    let err = stderr(&validate);
    assert!(err.contains("0 errors"), "{err}");
    outputs.push(("validate", validate));

    let run = quartier(&["run", p, "--json"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json on stdout");
    assert_eq!(json["command"], "run");
    assert_eq!(json["ok"], true);
    let anonymize = &json["anonymize"];
    assert_eq!(anonymize["audit_passed"], true);
    let datasets = anonymize["datasets"].as_array().unwrap();
    let names: Vec<&str> = datasets
        .iter()
        .map(|d| d["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["resident", "kita", "child_support"]);
    let files = [
        "data/einwohner.csv",
        "data/kita_beitraege.csv",
        "data/unterhaltsvorschuss.csv",
    ];
    for (d, file) in datasets.iter().zip(files) {
        let records = d["records"].as_u64().unwrap();
        let assigned = d["assigned"].as_u64().unwrap();
        let unassigned = d["unassigned"].as_u64().unwrap();
        assert_eq!(assigned + unassigned, records, "{d}");
        assert!(assigned > 0);
        let rejected: u64 = d["rejected"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            records + rejected,
            data_lines(&dir.path().join(file)).len() as u64,
            "{file}: every row accounted for"
        );
    }
    assert_eq!(
        datasets[1]["geocoding"]["total"], datasets[1]["records"],
        "every kita record geocoded"
    );
    assert!(json["analyze"]["ranked"].as_u64().unwrap() > 0);
    outputs.push(("run --json", run));

    // The outputs.
    let out = dir.path().join("out");
    for f in [
        "protected/protected_resident.csv",
        "protected/protected_kita.csv",
        "protected/protected_child_support.csv",
        "protected/protocol.json",
        "protected/protocol.md",
        "analysis/ranking.csv",
        "analysis/report/index.html",
        "analysis/gis/quartier.gpkg",
    ] {
        let path = out.join(f);
        assert!(
            fs::metadata(&path).is_ok_and(|m| m.len() > 0),
            "{f} is missing or empty"
        );
    }
    // The catalogue in the protocol: offices and legal bases of the project file.
    let text = fs::read_to_string(&project).unwrap();
    // The catalogue's values, read from the project file's lines.
    let values = |key: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix(&format!("{key} = \"")))
            .map(|v| v.trim_end_matches('"').to_owned())
            .collect()
    };
    let (offices, bases) = (values("office"), values("legal_basis"));
    assert_eq!((offices.len(), bases.len()), (3, 3));
    let protocol_md = fs::read_to_string(out.join("protected/protocol.md")).unwrap();
    let protocol_json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("protected/protocol.json")).unwrap()).unwrap();
    let catalogue = protocol_json["catalogue"].as_array().unwrap();
    assert_eq!(catalogue.len(), 3);
    for ((entry, office), basis) in catalogue.iter().zip(&offices).zip(&bases) {
        assert_eq!(entry["office"].as_str(), Some(office.as_str()));
        assert_eq!(entry["legal_basis"].as_str(), Some(basis.as_str()));
        for v in [office, basis] {
            assert!(protocol_md.contains(v.as_str()), "protocol.md lacks {v}");
        }
    }
    let index = fs::read_to_string(out.join("analysis/report/index.html")).unwrap();
    for v in offices.iter().chain(&bases) {
        assert!(
            index.contains(v) || index.contains(&v.replace('§', "&sect;")),
            "the report lacks the catalogue's {v}"
        );
    }

    // The sealed folder: only the list of unmatched kita rows, and exactly those rows.
    let sealed = files_under(&out.join("sealed"));
    let names: Vec<&Path> = sealed
        .iter()
        .map(|(p, _)| p.strip_prefix(&out).unwrap())
        .collect();
    assert_eq!(names, [Path::new("sealed/unmatched_kita.csv")]);
    let table_streets: BTreeSet<String> = data_lines(&dir.path().join("data/hauskoordinaten.csv"))
        .iter()
        .map(|l| field(l, 2))
        .collect();
    let kita = data_lines(&dir.path().join("data/kita_beitraege.csv"));
    let unknown: Vec<(String, String, String)> = kita
        .iter()
        .enumerate()
        .filter(|(_, l)| field(l, 2) == "Unbekannter Weg")
        .map(|(i, l)| ((i + 2).to_string(), field(l, 2), field(l, 3)))
        .collect();
    assert!(!unknown.is_empty() && !table_streets.contains("Unbekannter Weg"));
    let listed_text = String::from_utf8(sealed[0].1.clone()).unwrap();
    let mut listed_lines = listed_text.lines();
    let header: Vec<&str> = listed_lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let listed: Vec<(String, String, String)> = listed_lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[col("line")].to_owned(),
                c[col("street")].to_owned(),
                c[col("house_number")].to_owned(),
            )
        })
        .collect();
    assert_eq!(listed, unknown, "exactly the unmatched kita rows");
    let unmatched = datasets[1]["geocoding"]["unmatched"].as_u64().unwrap();
    assert_eq!(unmatched, unknown.len() as u64);

    // No personal value in anything that may leave the sealed office, nor on the terminal.
    let mut checked = 0;
    for folder in ["protected", "analysis"] {
        for (path, bytes) in files_under(&out.join(folder)) {
            assert_clean(&path.display().to_string(), &bytes, &needles);
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} files checked");
    for (cmd, o) in &outputs {
        assert_clean(&format!("stdout of {cmd}"), &o.stdout, &needles);
        assert_clean(&format!("stderr of {cmd}"), &o.stderr, &needles);
    }
    // The needles do find the values where they are (the search works).
    let raw = fs::read(dir.path().join("data/einwohner.csv")).unwrap();
    assert!(needles[4..].iter().any(|n| find_token(&raw, n).is_some()));
    assert!(find_token(&raw, &needles[needles.len() - 2]).is_some());
}

#[test]
fn analyze_after_anonymize_gives_the_same_ranking_as_run() {
    let (dir, project) = init();
    let p = project.to_str().unwrap();
    let ranking = dir.path().join("out/analysis/ranking.csv");

    let run = quartier(&["run", p, "--quiet"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let by_run = fs::read(&ranking).unwrap();
    fs::remove_dir_all(dir.path().join("out")).unwrap();

    let anonymize = quartier(&["anonymize", p, "--json"]);
    assert_eq!(anonymize.status.code(), Some(0), "{}", stderr(&anonymize));
    let json: serde_json::Value = serde_json::from_slice(&anonymize.stdout).unwrap();
    assert_eq!(json["command"], "anonymize");
    assert!(json.get("analyze").is_none_or(serde_json::Value::is_null));
    assert!(!ranking.exists(), "anonymize does not analyze");

    let analyze = quartier(&["analyze", p]);
    assert_eq!(analyze.status.code(), Some(0), "{}", stderr(&analyze));
    assert!(fs::read(&ranking).unwrap() == by_run, "ranking.csv differs");

    // analyze reads the protected tables: without them it fails (exit 1) naming the file.
    fs::remove_dir_all(dir.path().join("out/protected")).unwrap();
    let o = quartier(&["analyze", p]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("protected_resident.csv"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unknown_key_exits_2_naming_file_line_and_key() {
    let (_dir, project) = init();
    let text = fs::read_to_string(&project).unwrap();
    let edited = text.replacen("\nzeros = \"publish\"", "\nnulls = \"publish\"", 1);
    assert_ne!(edited, text);
    fs::write(&project, &edited).unwrap();
    let line = edited[..edited.find("nulls =").unwrap()]
        .matches('\n')
        .count()
        + 1;
    for cmd in ["validate", "anonymize", "analyze", "run"] {
        let o = quartier(&[cmd, project.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("project.toml"), "{cmd}: {err}");
        assert!(err.contains(&format!("line {line}")), "{cmd}: {err}");
        assert!(err.contains("nulls"), "{cmd}: {err}");
        assert_eq!(
            err.matches("quartier: error:").count(),
            1,
            "{cmd}: printed once: {err}"
        );
        assert!(o.stdout.is_empty(), "{cmd}: nothing on stdout");
    }
}

#[test]
fn missing_dataset_file_exits_1_naming_the_file() {
    let (dir, project) = init();
    let text = fs::read_to_string(&project).unwrap();
    fs::write(
        &project,
        text.replacen("data/unterhaltsvorschuss.csv", "data/uv_fehlt.csv", 1),
    )
    .unwrap();
    for cmd in ["validate", "run"] {
        let o = quartier(&[cmd, project.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", stderr(&o));
        assert!(stderr(&o).contains("uv_fehlt.csv"), "{cmd}: {}", stderr(&o));
    }
    assert!(
        !dir.path().join("out/protected").exists(),
        "nothing written when an input is missing"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["run"][..],
        &["validate"],
        &["anonymize"],
        &["analyze"],
        &["init"],
    ] {
        let o = quartier(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert!(!stderr(&o).is_empty());
    }
    let o = quartier(&["run", "a.toml", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The cause of an error is printed once (`path: No such file or directory`), not repeated
/// by the context chain.
#[test]
fn error_cause_is_printed_once() {
    let (dir, project) = init();
    let missing = dir.path().join("fehlt.toml");
    let text = fs::read_to_string(&project).unwrap();
    let no_data = dir.path().join("no_data.toml");
    fs::write(
        &no_data,
        text.replacen("data/unterhaltsvorschuss.csv", "data/uv_fehlt.csv", 1),
    )
    .unwrap();
    for (file, name) in [(&missing, "fehlt.toml"), (&no_data, "uv_fehlt.csv")] {
        let o = quartier(&["run", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(err.contains(name), "{err}");
        assert_eq!(
            err.matches("No such file").count(),
            1,
            "the cause once, not repeated: {err}"
        );
    }
}

#[test]
fn broken_resident_rows_are_counted_not_fatal() {
    let (dir, project) = init();
    let p = project.to_str().unwrap();
    let residents = dir.path().join("data/einwohner.csv");
    let mut bytes = fs::read(&residents).unwrap();
    let before = data_lines(&residents).len();
    // A non-numeric age and a row with too few fields (Windows-1252, CRLF as the file).
    bytes.extend_from_slice(b"EW-999998;M\xfcller-CANARY99998;462100,50;5778400,50;zw\xf6lf\r\n");
    bytes.extend_from_slice(b"EW-999999;Gro\xdf-CANARY99999;462100,50\r\n");
    fs::write(&residents, bytes).unwrap();
    assert_eq!(data_lines(&residents).len(), before + 2);

    let validate = quartier(&["validate", p]);
    assert_eq!(validate.status.code(), Some(0), "{}", stderr(&validate));
    let err = stderr(&validate);
    assert!(
        err.lines().any(|l| l.starts_with("warning:")
            && l.contains("einwohner.csv")
            && l.contains("2 rows")),
        "validate warns: {err}"
    );
    assert!(!err.contains("CANARY") && !err.contains("EW-9"), "{err}");

    let run = quartier(&["run", p, "--json"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let resident = &json["anonymize"]["datasets"][0];
    assert_eq!(resident["dataset"], "resident");
    let rejected = resident["rejected"].as_object().unwrap();
    assert_eq!(
        rejected.values().map(|v| v.as_u64().unwrap()).sum::<u64>(),
        2
    );
    assert_eq!(
        resident["records"].as_u64().unwrap() + 2,
        (before + 2) as u64
    );
    let protocol: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("out/protected/protocol.json")).unwrap())
            .unwrap();
    let rows = &protocol["datasets"][0]["rejected_rows"];
    assert_eq!(
        rows.as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        2,
        "{rows}"
    );
    assert_eq!(rows["unparsable"], 1, "{rows}");
    assert_eq!(rows["field_count"], 1, "{rows}");
    let md = fs::read_to_string(dir.path().join("out/protected/protocol.md")).unwrap();
    assert!(!md.contains("CANARY") && !md.contains("EW-9"));
}

#[test]
fn help_of_each_subcommand_shows_an_example() {
    for cmd in ["init", "validate", "anonymize", "analyze", "run"] {
        let o = quartier(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("Example"), "{cmd} --help: {out}");
        assert!(
            out.contains(&format!("quartier {cmd}")),
            "{cmd} --help: {out}"
        );
    }
}

#[test]
fn quiet_run_prints_nothing_on_stderr() {
    let (dir, project) = init();
    let o = quartier(&["run", project.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "stderr: {}", stderr(&o));
    // stdout: the analysis folder only.
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        dir.path().join("out/analysis").to_str().unwrap()
    );
    let o = quartier(&["init", dir.path().join("b").to_str().unwrap(), "-q"]);
    assert!(o.stderr.is_empty(), "init -q: {}", stderr(&o));
}
