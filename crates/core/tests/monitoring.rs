//! Monitoring over time in the project file: reference dates, earlier files and earlier block
//! layers, and the errors that name the date and the layer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use quartier::{Project, RecordKind, TEMPLATE};

/// The template with, for every dataset, files for `dates` (each `data/<name>_<date>.csv`)
/// and `layer` (an earlier block layer for some dates) — or a twist of them.
fn over_time(dates_per_dataset: &[&[&str]], layer: Option<&str>) -> String {
    let mut text = String::new();
    let mut current: Option<usize> = None;
    let mut seen = 0;
    for line in TEMPLATE.lines() {
        if line.starts_with('[') {
            if let Some(d) = current.take() {
                for date in dates_per_dataset.get(d).copied().unwrap_or_default() {
                    text.push_str(&format!(
                        "[[datasets.earlier]]\nreference_date = \"{date}\"\npath = \"data/x_{d}_{date}.csv\"\n\n"
                    ));
                }
            }
            if line == "[[datasets]]" {
                current = Some(seen);
                seen += 1;
            }
        }
        text.push_str(line);
        text.push('\n');
    }
    if let Some(layer) = layer {
        text = text.replacen(
            "# crs = \"EPSG:25832\"            # the layer's CRS, if not the project's",
            layer,
            1,
        );
    }
    text
}

fn parse(text: &str) -> Result<Project, quartier::ProjectError> {
    Project::parse(text, "project.toml".as_ref())
}

#[test]
fn earlier_files_and_layers_give_sorted_dates_and_per_date_folders() {
    let both: &[&str] = &["2023-12-31", "2022-12-31"];
    let text = over_time(
        &[both, both, both],
        Some(
            "earlier = [{ reference_dates = [\"2022-12-31\", \"2023-12-31\"], path = \"data/alt.geojson\" }]",
        ),
    );
    let p = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(p.dates, ["2022-12-31", "2023-12-31", "2024-12-31"]);
    assert!(p.is_monitoring());
    assert_eq!(p.current_date(), "2024-12-31");
    assert!(p.earlier_layer("2022-12-31").is_some());
    assert!(p.earlier_layer("2024-12-31").is_none());
    let a = p.protected_dir("2022-12-31");
    let b = p.protected_dir("2024-12-31");
    assert_ne!(a, b);
    assert!(a.ends_with("out/protected/2022-12-31"));
    let kita = quartier::RecordKind::Kita;
    assert!(
        p.dataset_file(kita, "2023-12-31")
            .is_some_and(|f| f.ends_with("data/x_1_2023-12-31.csv"))
    );
    assert_eq!(p.dataset_file(kita, "2021-12-31"), None);
    // Indicator offices default to the numerator's dataset office.
    assert_eq!(
        p.indicator_offices
            .get("kita_low_income_share")
            .map(String::as_str),
        Some("Jugendamt")
    );
}

#[test]
fn a_project_with_one_date_keeps_its_folders() {
    let p = parse(TEMPLATE).unwrap();
    assert_eq!(p.dates, ["2024-12-31"]);
    assert!(!p.is_monitoring());
    assert_eq!(p.protected_dir("2024-12-31"), p.outputs.protected);
}

#[test]
fn a_reference_date_without_a_file_is_an_error_naming_date_and_dataset() {
    let both: &[&str] = &["2022-12-31", "2023-12-31"];
    let one: &[&str] = &["2022-12-31"];
    let e = parse(&over_time(&[both, one, both], None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("2023-12-31") && e.contains("`kita`"), "{e}");
    assert!(e.contains("no file"), "{e}");
}

#[test]
fn bad_dates_and_layers_are_errors_naming_them() {
    let bad: &[&str] = &["31.12.2023"];
    let e = parse(&over_time(&[bad, bad, bad], None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("31.12.2023") && e.contains("YYYY-MM-DD"), "{e}");

    let later: &[&str] = &["2025-12-31"];
    let e = parse(&over_time(&[later, later, later], None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("2025-12-31") && e.contains("not earlier"), "{e}");

    let d: &[&str] = &["2023-12-31"];
    let e = parse(&over_time(
        &[d, d, d],
        Some("earlier = [{ reference_dates = [\"2020-12-31\"], path = \"data/alt.geojson\" }]"),
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("2020-12-31") && e.contains("alt.geojson"), "{e}");

    let e = parse(&over_time(
        &[&[], &[], &[]],
        Some("earlier = [{ reference_dates = [\"2023-12-31\"], path = \"data/alt.geojson\" }]"),
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("hierarchy.earlier"), "{e}");
}

/// `(layer, unit, category) → value` of a protected table CSV (published cells only).
fn protected_cells(path: &std::path::Path) -> BTreeMap<(String, String, String), u64> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (l, u, c, v) = (col("layer"), col("unit_id"), col("category"), col("value"));
    r.records()
        .map(|row| row.unwrap())
        .filter(|row| !row[v].is_empty())
        .map(|row| {
            (
                (row[l].to_owned(), row[u].to_owned(), row[c].to_owned()),
                row[v].parse().unwrap(),
            )
        })
        .collect()
}

/// `trends.csv` rows of one indicator, by unit id.
fn trend_rows(
    path: &std::path::Path,
    indicator: &str,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|row| row.unwrap())
        .filter(|row| &row[1] == indicator)
        .map(|row| {
            let fields = h
                .iter()
                .map(str::to_owned)
                .zip(row.iter().map(str::to_owned))
                .collect();
            (row[0].to_owned(), fields)
        })
        .collect()
}

/// The share of residents under 25 of a quarter, by hand from a protected table.
fn under25_share(cells: &BTreeMap<(String, String, String), u64>, quarter: &str) -> Option<f64> {
    let get = |c: &str| {
        cells
            .get(&("quartier".to_owned(), quarter.to_owned(), c.to_owned()))
            .copied()
    };
    let under: Option<u64> = ["0-2", "3-5", "6-9", "10-11", "12-17", "18-24"]
        .iter()
        .map(|c| get(c))
        .sum();
    Some(under? as f64 / get("total")? as f64 * 100.0)
}

#[test]
fn three_reference_dates_of_the_demo_town_give_crosswalked_tables_and_trends() {
    let dir = tempfile::tempdir().unwrap();
    quartier::init_monitoring_project(dir.path()).unwrap();
    let project = Project::load(&dir.path().join("project.toml")).unwrap();
    let dates = ["2022-12-31", "2023-12-31", "2024-12-31"];
    assert_eq!(project.dates, dates);
    let out = quartier::run_project(&project, true, true, &mut ()).unwrap();
    let sealed = out.anonymize.as_ref().unwrap();

    // Every date's tables sit in their own folder; the dates differ.
    let tables: Vec<String> = dates
        .iter()
        .map(|d| {
            std::fs::read_to_string(project.protected_table_path(RecordKind::Resident, d)).unwrap()
        })
        .collect();
    assert!(tables[0] != tables[1] && tables[1] != tables[2]);
    assert_eq!(sealed.earlier.len(), 2);
    assert!(sealed.audit_passed);

    // The earlier layer's tables re-aggregated onto the current quarters add up: the quarters
    // sum to the town, and the town equals the town counted on the old layer.
    let first = &sealed.earlier[0];
    assert_eq!(first.date, "2022-12-31");
    let crosswalk = first
        .crosswalk
        .as_ref()
        .expect("2022 is on the earlier layer");
    let old_cells =
        protected_cells(&project.protected_table_path(RecordKind::Resident, "2022-12-31"));
    let town = old_cells[&(
        "gemeinde".to_owned(),
        "05758999".to_owned(),
        "total".to_owned(),
    )] as f64;
    let residents = &first.anonymized.tables()[0];
    let r = quartier::reaggregate(
        residents,
        &first.hierarchy,
        &sealed.hierarchy,
        crosswalk,
        "quartier",
    )
    .unwrap();
    let total = |level: &str, u: usize| r.values(level, u).and_then(|v| *v.last().unwrap());
    assert!((total("gemeinde", 0).unwrap() - town).abs() < 1e-6);
    let quarters = sealed.hierarchy.units(2).len();
    let sum: f64 = (0..quarters).map(|q| total("quartier", q).unwrap()).sum();
    assert!((sum - town).abs() < 1e-6, "{sum} vs {town}");

    // Estimated cells: flagged in the protocol and in trends.csv, only for quarters the re-cut
    // touched (a block of theirs changed id or shape), and for at least one.
    let old_h = &first.hierarchy;
    let new_h = &sealed.hierarchy;
    let shape = |h: &quartier::Hierarchy, id: &str| {
        h.unit_by_id(3, id).map(|b| format!("{:?}", b.geometry()))
    };
    let mut touched = BTreeSet::new();
    for (h, other) in [(old_h, new_h), (new_h, old_h)] {
        for b in h.blocks() {
            let id = b.id().as_str();
            if shape(other, id) != shape(h, id) {
                let quarter = &h.units(2)[b.parent().unwrap()];
                touched.insert(quarter.id().as_str().to_owned());
            }
        }
    }
    let protocol =
        std::fs::read_to_string(project.protected_dir("2022-12-31").join("protocol.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&protocol).unwrap();
    let estimated = json["crosswalk"]["estimated"].as_array().unwrap();
    let estimated_quarters: BTreeSet<String> = estimated
        .iter()
        .filter(|e| e["layer"] == "quartier")
        .map(|e| e["unit_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!estimated_quarters.is_empty(), "{}", json["crosswalk"]);
    assert!(
        estimated_quarters.is_subset(&touched),
        "{estimated_quarters:?} vs {touched:?}"
    );
    let trends_csv = project.outputs.analysis.join("trends.csv");
    let rows = trend_rows(&trends_csv, "under25_share");
    for (id, row) in &rows {
        assert_eq!(
            row["estimated"] == "true",
            estimated_quarters.contains(id),
            "{id}"
        );
    }

    // Trends by hand for the quarters the re-cut did not touch: values of the first and last
    // date from the published quarter rows, the change their difference.
    let last_cells =
        protected_cells(&project.protected_table_path(RecordKind::Resident, "2024-12-31"));
    let mut checked = 0;
    for (id, row) in rows.iter().filter(|(id, _)| !touched.contains(*id)) {
        let (Some(a), Some(b)) = (
            under25_share(&old_cells, id),
            under25_share(&last_cells, id),
        ) else {
            continue;
        };
        let value = |k: &str| row[k].parse::<f64>().unwrap();
        assert!((value("value_2022-12-31") - a).abs() < 1e-5, "{id}");
        assert!((value("value_2024-12-31") - b).abs() < 1e-5, "{id}");
        assert!((value("change") - (b - a)).abs() < 1e-5, "{id}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} quarters checked");

    // No personal data anywhere in the outputs.
    for folder in [&project.outputs.protected, &project.outputs.analysis] {
        for entry in walk(folder) {
            let bytes = std::fs::read(&entry).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("CANARY"), "{}", entry.display());
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn an_earlier_date_alone_and_missing_files_name_the_date() {
    let dir = tempfile::tempdir().unwrap();
    quartier::init_monitoring_project(dir.path()).unwrap();
    let project = Project::load(&dir.path().join("project.toml")).unwrap();
    // One date alone writes only its folder.
    let out = quartier::anonymize_project_at(&project, Some("2023-12-31"), &mut ()).unwrap();
    assert_eq!(out.reference_date, "2023-12-31");
    assert!(
        project
            .protected_table_path(RecordKind::Resident, "2023-12-31")
            .exists()
    );
    assert!(
        !project
            .protected_table_path(RecordKind::Resident, "2024-12-31")
            .exists()
    );
    let e = quartier::anonymize_project_at(&project, Some("2021-12-31"), &mut ()).unwrap_err();
    assert!(e.to_string().contains("2021-12-31"), "{e}");

    // A date's file gone: the error names the date and the file.
    let file = project
        .dataset_file(RecordKind::Kita, "2022-12-31")
        .unwrap()
        .to_path_buf();
    std::fs::remove_file(&file).unwrap();
    let e = quartier::anonymize_project(&project, &mut ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2022-12-31") && e.contains(&file.display().to_string()),
        "{e}"
    );
    let v = quartier::validate_project(&project, &mut ()).unwrap();
    assert!(
        v.errors.iter().any(|e| e.contains("2022-12-31")),
        "{:?}",
        v.errors
    );
}

/// The monitoring sample project with its earlier block layer edited by `edit`.
fn with_earlier_layer(edit: impl FnOnce(&mut serde_json::Value)) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    quartier::init_monitoring_project(dir.path()).unwrap();
    let project = Project::load(&dir.path().join("project.toml")).unwrap();
    let path = project
        .earlier_layer("2022-12-31")
        .unwrap()
        .source
        .path
        .clone();
    let mut layer: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut layer);
    std::fs::write(&path, serde_json::to_string(&layer).unwrap()).unwrap();
    (dir, project)
}

#[test]
fn an_earlier_layer_with_another_id_scheme_is_an_error_naming_date_and_layer() {
    let (_dir, project) = with_earlier_layer(|layer| {
        for f in layer["features"].as_array_mut().unwrap() {
            f["properties"]["gemeinde_id"] = "09162000".into();
        }
    });
    let e = quartier::anonymize_project(&project, &mut ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("reference date 2022-12-31"), "{e}");
    assert!(e.contains("baubloecke_2022.geojson"), "{e}");
    assert!(e.contains("09162000") || e.contains("05758999"), "{e}");
}

#[test]
fn an_earlier_block_that_maps_nowhere_is_an_error_naming_it_date_and_layer() {
    let (_dir, project) = with_earlier_layer(|layer| {
        let features = layer["features"].as_array_mut().unwrap();
        let mut far = features[0].clone();
        // 20 km east: no address point and no current block there.
        let ring = far["geometry"]["coordinates"][0][0].as_array_mut().unwrap();
        for point in ring {
            let x = point[0].as_f64().unwrap();
            point[0] = (x + 20_000.0).into();
        }
        far["properties"]["baublock_id"] = "05758999-01-01-999".into();
        features.push(far);
    });
    let e = quartier::anonymize_project(&project, &mut ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("reference date 2022-12-31"), "{e}");
    assert!(e.contains("baubloecke_2022.geojson"), "{e}");
    assert!(e.contains("05758999-01-01-999"), "{e}");
}

#[test]
fn draft_marks_follow_the_sign_offs_and_a_changed_table_loses_its_sign_off() {
    let dir = tempfile::tempdir().unwrap();
    quartier::init_project(dir.path()).unwrap();
    let project = Project::load(&dir.path().join("project.toml")).unwrap();
    quartier::anonymize_project(&project, &mut ()).unwrap();
    let drafted = |project: &Project| -> BTreeSet<String> {
        let a = quartier::analyze_project(project, None, &mut ()).unwrap();
        let maps = project.outputs.analysis.join("report/maps");
        // The quarter maps with an "Entwurf" mark are exactly the drafts (and the composite,
        // which is a draft when any indicator is).
        let marked: BTreeSet<String> = std::fs::read_dir(&maps)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("quartier-")
            })
            .filter(|p| std::fs::read_to_string(p).unwrap().contains("Entwurf"))
            .map(|p| {
                let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                name.trim_start_matches("quartier-").to_owned()
            })
            .collect();
        let mut expected: BTreeSet<String> = a.drafts.iter().cloned().collect();
        if !expected.is_empty() {
            expected.insert("composite".to_owned());
        }
        assert_eq!(marked, expected);
        expected
    };
    // Nothing signed: every indicator is a draft.
    let all = drafted(&project);
    assert_eq!(all.len(), 5, "{all:?}");
    // The registry office signs the residents: the two resident-only indicators are final.
    quartier::release_project(&project, "resident", "Bürgeramt", None, None, "2025-01-15").unwrap();
    let after = drafted(&project);
    let expected: BTreeSet<String> = ["kita_low_income_share", "child_support_rate", "composite"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(after, expected);
    // A changed table invalidates its sign-off.
    let table = project.protected_table_path(RecordKind::Resident, project.current_date());
    let mut text = std::fs::read_to_string(&table).unwrap();
    text.push('\n');
    std::fs::write(&table, text).unwrap();
    assert_eq!(drafted(&project), all);
}
