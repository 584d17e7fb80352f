//! Outputs are byte-identical whatever the number of threads (issue 8, item 2): the demo and
//! a project run with `RAYON_NUM_THREADS=1` and `=2` write the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

fn run(args: &[&str], dir: &Path, threads: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(args)
        .arg(dir)
        .env("RAYON_NUM_THREADS", threads)
        .stdout(Stdio::null())
        .status()
        .expect("the binary runs");
    assert!(status.success(), "{args:?} with {threads} threads");
}

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

#[test]
fn demo_and_project_runs_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("demo1"), tmp.path().join("demo2"));
    run(&["demo", "--quiet", "--out"], &one, "1");
    run(&["demo", "--quiet", "--out"], &two, "2");
    let (a, b) = (files(&one), files(&two));
    assert!(a.len() > 20, "the demo wrote its files");
    for (name, bytes) in &a {
        assert!(
            b.get(name) == Some(bytes),
            "demo: `{name}` differs between 1 and 2 threads"
        );
    }
    assert_eq!(a.len(), b.len());

    // The template project (geocoding runs in parallel too).
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let dir = tmp.path().join(format!("project{threads}"));
        run(&["init", "--quiet"], &dir, threads);
        run(&["run", "--quiet"], &dir.join("project.toml"), threads);
        outs.push(files(&dir.join("out")));
    }
    assert!(outs[0].len() > 10);
    for (name, bytes) in &outs[0] {
        assert!(
            outs[1].get(name) == Some(bytes),
            "project: `{name}` differs between 1 and 2 threads"
        );
    }
}
