//! An interrupted run loses no data (issue 8, item 4): `quartier demo` killed (SIGKILL) at
//! points spread over its run leaves every output file either as the previous complete run
//! wrote it or as the new complete run writes it, never a partial file; a run after the
//! interruption is the same as an uninterrupted one, and leaves no temporary file behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn demo(out: &Path, seed: u64) {
    let status = Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(["demo", "--quiet", "--seed", &seed.to_string(), "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .status()
        .expect("the binary runs");
    assert!(status.success());
}

/// Every file under `dir` by `/`-separated relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &format!("{name}/"), out);
            } else {
                out.insert(name, fs::read(e.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for (name, bytes) in files(from) {
        let path = to.join(&name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

#[test]
fn a_killed_run_leaves_old_or_new_complete_files_and_a_rerun_repairs_it() {
    let tmp = tempfile::tempdir().unwrap();
    // The two complete states: seed 1 (the old run) and seed 2 (the new run).
    let old_dir = tmp.path().join("old");
    let new_dir = tmp.path().join("new");
    demo(&old_dir, 1);
    let started = Instant::now();
    demo(&new_dir, 2);
    let duration = started.elapsed();
    let old = files(&old_dir);
    let new = files(&new_dir);
    // (The towns differ in their quarters, so a few profiles exist in one run only.)
    let differing = old
        .iter()
        .filter(|(k, v)| new.get(*k).is_some_and(|n| n != *v))
        .count();
    assert!(
        differing * 2 > old.len(),
        "the seeds must change most files, or the test shows nothing"
    );

    // Kill the new run at 6 points spread over its duration.
    for step in 1..=6u32 {
        let out = tmp.path().join(format!("run{step}"));
        copy_dir(&old_dir, &out);
        let mut child = Command::new(env!("CARGO_BIN_EXE_quartier"))
            .args(["demo", "--quiet", "--seed", "2", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(duration * step / 7);
        let _ = child.kill(); // SIGKILL: no destructor, no cleanup runs
        let _ = child.wait();

        let now = files(&out);
        for (name, bytes) in &now {
            if name.contains(".tmp-") {
                continue; // an abandoned temporary file, hidden (dot) and never a target
            }
            let is_old = old.get(name) == Some(bytes);
            let is_new = new.get(name) == Some(bytes);
            assert!(
                is_old || is_new,
                "step {step}: `{name}` is neither the old nor the new complete file"
            );
        }
        for name in old.keys() {
            assert!(now.contains_key(name), "step {step}: `{name}` was lost");
        }
        // (Whether a kill lands between two writes, old and new files side by side, depends
        // on timing; what is checked is that every file is whole.)

        // Re-running completes the job: the same files as an uninterrupted run, and the
        // killed run's temporary files are gone. (Files of the old run that the new one does
        // not write, the profiles of quarters the new town lacks, stay as they were.)
        demo(&out, 2);
        let mut expected = old.clone();
        expected.extend(new.clone());
        assert_eq!(
            files(&out),
            expected,
            "step {step}: the rerun differs from a clean run"
        );
    }
}
