//! The project file (`project.toml`) and the project pipeline, on the template that
//! `quartier init` writes (issue 7, items 1 and 2).
//!
//! Variants of the template are made by editing its text; expected line numbers are computed
//! from the edited text, never hard-coded. Counts are checked against the raw sample files,
//! read here without the library's CSV reader.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use quartier::{
    Crs, FieldUse, Hierarchy, Measure, Project, ProjectError, RecordKind, UnitIndex,
    analyze_project, anonymize_project, init_project, validate_project,
};

// ---------------------------------------------------------------------------------------
// Helpers

/// A fresh template project in a temporary folder: (folder, project.toml, its text).
fn template() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    init_project(dir.path()).unwrap();
    let file = dir.path().join("project.toml");
    let text = fs::read_to_string(&file).unwrap();
    (dir, file, text)
}

/// `text` with the single occurrence of `from` replaced by `to`.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once in the template"
    );
    text.replacen(from, to, 1)
}

/// 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"));
    text[..at].matches('\n').count() + 1
}

/// 1-based line of the first occurrence of `needle` at or after `from` (a needle found first).
fn line_after(text: &str, from: &str, needle: &str) -> usize {
    let start = text.find(from).unwrap();
    let at = start + text[start..].find(needle).unwrap();
    text[..at].matches('\n').count() + 1
}

/// Parses a variant of the template as if it were `file`.
fn parse(text: &str, file: &Path) -> Result<Project, ProjectError> {
    Project::parse(text, file)
}

/// The error of a variant; it must name the file, the line and `key`.
fn error_at(text: &str, file: &Path, line: usize, key: &str) -> ProjectError {
    let err = parse(text, file).expect_err("the variant must be rejected");
    let msg = err.to_string();
    let file_line = format!("{}, line {line}", file.display());
    assert!(
        msg.starts_with(&file_line),
        "expected `{file_line}` at the start of: {msg}"
    );
    assert!(msg.contains(key), "expected key `{key}` in: {msg}");
    let err_line = match &err {
        ProjectError::Parse { line, .. } | ProjectError::Invalid { line, .. } => *line,
        other => panic!("unexpected error kind: {other:?}"),
    };
    assert_eq!(err_line, Some(line), "{msg}");
    err
}

/// The `Invalid` key of an error.
fn invalid_key(err: &ProjectError) -> &str {
    match err {
        ProjectError::Invalid { key, .. } => key,
        other => panic!("expected ProjectError::Invalid, got {other:?}"),
    }
}

/// The data lines of a CSV file (header excluded), read as bytes: CRLF or LF, any encoding.
fn data_lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).unwrap();
    let mut lines: Vec<Vec<u8>> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(!lines.is_empty(), "{} has no header", path.display());
    lines.remove(0);
    lines
}

/// A field of a `;`-separated, unquoted line, decoded as Latin-1 (= Windows-1252 outside
/// 0x80..0x9F, which the sample's characters never use).
fn field(line: &[u8], i: usize) -> String {
    let f = line.split(|&b| b == b';').nth(i).unwrap_or_default();
    assert!(
        f.iter().all(|b| !(0x80..0xA0).contains(b)),
        "a byte outside Latin-1"
    );
    f.iter().map(|&b| char::from(b)).collect()
}

/// A number with a decimal comma (or point).
fn number(s: &str) -> Option<f64> {
    s.replace(',', ".").parse().ok()
}

/// Every file under `dir`, recursively, as (relative path, bytes), sorted.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &format!("{name}/"), out);
            } else {
                out.push((name, fs::read(e.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out.sort();
    out
}

/// The block layer of the template project as a hierarchy (read with the generic reader).
fn hierarchy_of(project: &Project) -> Hierarchy {
    let h = &project.hierarchy;
    let spec = quartier::BlockLayerSpec {
        levels: h.levels.clone(),
        id_fields: h.id_fields.clone(),
        name_field: h.name_field.clone(),
    };
    quartier::read_hierarchy_from(&h.source, &spec, &[])
        .unwrap()
        .0
}

// ---------------------------------------------------------------------------------------
// The template

#[test]
fn template_parses_and_its_fields_reflect_the_file() {
    let (_dir, file, text) = template();
    let project = Project::load(&file).unwrap();
    // An independent reading of the same text.
    let raw: toml::Table = toml::from_str(&text).unwrap();

    assert_eq!(project.file, file);
    assert_eq!(project.name, raw["project"]["name"].as_str().unwrap());
    assert_eq!(
        project.crs.to_string(),
        raw["project"]["crs"].as_str().unwrap()
    );
    assert_eq!(project.crs, Crs::ETRS89_UTM32);
    assert_eq!(project.language, quartier::Language::German);

    // Datasets: kinds, catalogue, paths, fields, in file order.
    let raw_datasets = raw["datasets"].as_array().unwrap();
    assert_eq!(project.datasets.len(), raw_datasets.len());
    let root = file.parent().unwrap();
    for (d, r) in project.datasets.iter().zip(raw_datasets) {
        assert_eq!(d.kind.name(), r["name"].as_str().unwrap());
        assert_eq!(d.entry.title, r["title"].as_str().unwrap());
        assert_eq!(d.entry.office, r["office"].as_str().unwrap());
        assert_eq!(
            d.entry.legal_basis.as_deref(),
            Some(r["legal_basis"].as_str().unwrap())
        );
        assert_eq!(
            d.entry.reference_date,
            r["reference_date"].as_str().unwrap()
        );
        assert_eq!(d.path, root.join(r["path"].as_str().unwrap()));
        assert_eq!(d.crs, project.crs, "no dataset crs: the project's");
        assert_eq!(
            d.finest_level.as_deref(),
            r.get("finest_level").and_then(|v| v.as_str())
        );
        let raw_fields = r["fields"].as_array().unwrap();
        assert_eq!(d.fields.len(), raw_fields.len());
        for (f, rf) in d.fields.iter().zip(raw_fields) {
            assert_eq!(f.column, rf["column"].as_str().unwrap());
            assert_eq!(f.usage.name(), rf["use"].as_str().unwrap());
            assert_eq!(f.usage.role(), rf["role"].as_str().unwrap());
        }
    }
    let kinds: Vec<RecordKind> = project.datasets.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            RecordKind::Resident,
            RecordKind::Kita,
            RecordKind::ChildSupport
        ]
    );
    let kita = project.dataset(RecordKind::Kita).unwrap();
    assert!(kita.by_address());
    assert_eq!(kita.column(FieldUse::Street), Some("Straße"));
    assert_eq!(kita.format.windows_1252, Some(true));
    let resident = project.dataset(RecordKind::Resident).unwrap();
    assert!(!resident.by_address());
    assert_eq!(resident.format.delimiter, Some(b';'));
    assert_eq!(resident.format.decimal_comma, Some(true));
    assert_eq!(project.catalogue().len(), 3);

    // Hierarchy.
    let levels: Vec<&str> = raw["hierarchy"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(project.hierarchy.levels, levels);
    assert_eq!(project.hierarchy.id_fields.len(), levels.len());
    assert_eq!(
        project.hierarchy.source.path,
        root.join(raw["hierarchy"]["path"].as_str().unwrap())
    );

    // Geocoding, rules, outputs.
    let g = project.geocoding.as_ref().unwrap();
    assert_eq!(g.layout, "custom");
    assert!(g.unmatched_list);
    assert_eq!(g.columns["street"], "STN");
    let a = &raw["anonymize"];
    assert_eq!(project.rules.k as i64, a["k"].as_integer().unwrap());
    assert_eq!(
        project.rules.protection as i64,
        a["protection"].as_integer().unwrap()
    );
    assert!(project.rules.publish_zeros);
    assert_eq!(project.rules.snap_distance_m, Some(5.0));
    assert_eq!(project.outputs.sealed, root.join("out/sealed"));
    assert_eq!(project.outputs.protected, root.join("out/protected"));
    assert_eq!(project.outputs.analysis, root.join("out/analysis"));

    // Indicators: `@group` categories resolved to labels of the group.
    let groups = |dataset: &str, group: &str| -> Vec<String> {
        a["categories"][dataset][group]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let raw_indicators = raw["indicators"].as_array().unwrap();
    let spec = &project.analysis;
    assert_eq!(spec.level, raw["ranking"]["level"].as_str().unwrap());
    assert_eq!(spec.indicators.len(), raw_indicators.len());
    for (ind, r) in spec.indicators.iter().zip(raw_indicators) {
        assert_eq!(ind.name, r["name"].as_str().unwrap());
        assert_eq!(ind.label, r["label"].as_str().unwrap());
        let numerator = match &ind.measure {
            Measure::Share { numerator, .. }
            | Measure::Rate { numerator, .. }
            | Measure::Density { numerator, .. } => numerator,
        };
        let n = &r["numerator"];
        assert_eq!(numerator.dataset.name(), n["dataset"].as_str().unwrap());
        let expected: Vec<String> = n["categories"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| {
                let c = c.as_str().unwrap();
                match c.strip_prefix('@') {
                    Some(g) => groups(n["dataset"].as_str().unwrap(), g),
                    None => vec![c.to_owned()],
                }
            })
            .collect();
        assert_eq!(numerator.categories, expected, "{}", ind.name);
        assert!(numerator.categories.iter().all(|c| !c.starts_with('@')));
    }
    let low = spec
        .indicators
        .iter()
        .find(|i| i.name == "kita_low_income_share")
        .unwrap();
    match &low.measure {
        Measure::Share {
            numerator,
            denominator,
        } => {
            assert_eq!(numerator.categories, ["bracket_1", "bracket_2"]);
            assert!(denominator.categories.is_empty(), "the kita total");
        }
        other => panic!("expected a share, got {other:?}"),
    }
    // Criteria: every indicator with a direction, with its weight (default 1).
    let weights: Vec<(String, f64)> = spec
        .criteria
        .iter()
        .map(|c| (c.indicator.clone(), c.weight))
        .collect();
    let expected: Vec<(String, f64)> = raw_indicators
        .iter()
        .filter(|r| r.get("direction").is_some())
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r.get("weight").map_or(1.0, |w| {
                    w.as_float().or(w.as_integer().map(|i| i as f64)).unwrap()
                }),
            )
        })
        .collect();
    assert_eq!(weights, expected);
    assert_eq!(weights.len(), 4);
}

// ---------------------------------------------------------------------------------------
// Errors: file, line, key

#[test]
fn unknown_key_at_the_top_level_names_its_line() {
    let (_dir, file, text) = template();
    let variant = format!("colour = \"blue\"\n{text}");
    error_at(&variant, &file, 1, "colour");
    // A whole unknown table.
    let variant = replace_once(&text, "[ranking]\n", "[rnking]\nfoo = 1\n");
    let line = line_of(&variant, "[rnking]");
    let err = parse(&variant, &file).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("rnking"), "{msg}");
    assert!(
        msg.starts_with(&format!("{}, line {line}", file.display())),
        "{msg}"
    );
}

#[test]
fn unknown_key_in_the_project_table_names_its_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(
        &text,
        "name = \"Musterstadt\"\n",
        "name = \"Musterstadt\"\ncolour = \"blue\"\n",
    );
    error_at(&variant, &file, line_of(&variant, "colour"), "colour");
}

#[test]
fn unknown_key_in_a_dataset_names_its_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(
        &text,
        "office = \"Bürgeramt\"\n",
        "office = \"Bürgeramt\"\nowner = \"Herr X\"\n",
    );
    error_at(&variant, &file, line_of(&variant, "owner ="), "owner");
}

#[test]
fn unknown_key_in_a_field_names_its_line() {
    let (_dir, file, text) = template();
    let from = "{ column = \"Beitragsstufe\", use = \"fee_bracket\"";
    let variant = replace_once(
        &text,
        from,
        "{ column = \"Beitragsstufe\", unit = \"stufe\", use = \"fee_bracket\"",
    );
    error_at(
        &variant,
        &file,
        line_of(&variant, "unit = \"stufe\""),
        "unit",
    );
}

#[test]
fn wrong_type_names_the_key_and_its_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(&text, "k = 3 ", "k = \"three\" ");
    // The key, quoted or as a path, not just the letter.
    let err = error_at(&variant, &file, line_of(&variant, "k = \"three\""), "k`");
    let msg = err.to_string();
    assert!(
        msg.contains("integer") || msg.contains("u64"),
        "the expected type: {msg}"
    );
}

#[test]
fn a_dataset_without_a_file_or_a_table_names_both_keys() {
    let (_dir, file, text) = template();
    let variant = replace_once(&text, "path = \"data/kita_beitraege.csv\"\n", "");
    let err = parse(&variant, &file).unwrap_err();
    let msg = err.to_string();
    assert_eq!(invalid_key(&err), "datasets[1]", "{msg}");
    assert!(msg.contains("`path`") && msg.contains("`postgis`"), "{msg}");
    // both at once is as wrong
    let both = replace_once(
        &text,
        "path = \"data/kita_beitraege.csv\"\n",
        "path = \"data/kita_beitraege.csv\"\npostgis = { connection = \"service=amt\", table = \"kita\" }\n",
    );
    let err = parse(&both, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "datasets[1]", "{err}");
}

#[test]
fn a_password_in_a_postgis_connection_is_refused_without_echoing_it() {
    let (_dir, file, text) = template();
    for (from, to, key) in [
        (
            "path = \"data/baubloecke.geojson\"\n",
            "postgis = { connection = \"host=db password=Geheim-CANARY\", table = \"alkis.bloecke\" }\n",
            "hierarchy.postgis.connection",
        ),
        (
            "path = \"data/einwohner.csv\"\n",
            "postgis = { connection = \"postgresql://amt:Geheim-CANARY@db/melde\", table = \"ewo\" }\n",
            "datasets[0].postgis.connection",
        ),
    ] {
        let err = parse(&replace_once(&text, from, to), &file).unwrap_err();
        let msg = err.to_string();
        assert_eq!(invalid_key(&err), key, "{msg}");
        assert!(msg.contains("PGPASSWORD"), "{msg}");
        assert!(!msg.contains("CANARY"), "{msg}");
    }
    let target = replace_once(
        &text,
        "[outputs]\n",
        "[outputs]\npostgis = { connection = \"service=gis password=Geheim-CANARY\", schema = \"s\" }\n",
    );
    let err = parse(&target, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "outputs.postgis.connection", "{err}");
    assert!(!err.to_string().contains("CANARY"), "{err}");
    // a table and a query at once, or neither
    let both = replace_once(
        &text,
        "path = \"data/baubloecke.geojson\"\n",
        "postgis = { connection = \"service=gis\", table = \"a\", query = \"SELECT 1\" }\n",
    );
    let err = parse(&both, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "hierarchy.postgis", "{err}");
    // a good one parses into a PostGIS source in the project CRS
    let good = replace_once(
        &text,
        "path = \"data/baubloecke.geojson\"\n",
        "postgis = { connection = \"service=gis\", table = \"alkis.bloecke\", geometry = \"the_geom\" }\n",
    );
    let project = parse(&good, &file).unwrap();
    let source = project.hierarchy.source.postgis.expect("a PostGIS source");
    assert_eq!(
        source.relation,
        quartier::Relation::Table("alkis.bloecke".into())
    );
    assert_eq!(source.geometry.as_deref(), Some("the_geom"));
    assert_eq!(source.crs, project.crs);
}

#[test]
fn missing_required_key_names_the_key_and_the_dataset_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(&text, "title = \"Kita-Beitragsdaten\"\n", "");
    let err = parse(&variant, &file).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ProjectError::Parse { .. }), "{err:?}");
    assert!(msg.contains("title"), "{msg}");
    // The line is within the kita dataset's table (its header or one of its keys).
    let header = line_after(&variant, "name = \"kita\"", "") - 1;
    let end = line_of(&variant, "name = \"child_support\"") - 1;
    let line = match err {
        ProjectError::Parse { line, .. } => line.expect("a line"),
        _ => unreachable!(),
    };
    assert!(
        (header..end).contains(&line),
        "line {line} not in the kita dataset ({header}..{end}): {msg}"
    );
}

#[test]
fn unknown_use_names_the_field_line() {
    let (_dir, file, text) = template();
    let from = "{ column = \"Beitragsstufe\", use = \"fee_bracket\"";
    let variant = replace_once(&text, from, "{ column = \"Beitragsstufe\", use = \"stufe\"");
    let err = error_at(
        &variant,
        &file,
        line_of(&variant, "use = \"stufe\""),
        "datasets[1].fields[4].use",
    );
    assert!(
        err.to_string().contains("fee_bracket"),
        "lists the uses: {err}"
    );
}

#[test]
fn role_not_matching_use_names_the_field_line() {
    let (_dir, file, text) = template();
    let from = "{ column = \"Hochwert\", use = \"y\", role = \"coordinate\"";
    let variant = replace_once(
        &text,
        from,
        "{ column = \"Hochwert\", use = \"y\", role = \"attribute\"",
    );
    let err = error_at(
        &variant,
        &file,
        line_of(
            &variant,
            "role = \"attribute\", sensitivity = \"identifying\"",
        ),
        "datasets[0].fields[1].role",
    );
    assert!(err.to_string().contains("coordinate"), "{err}");
}

#[test]
fn fee_bracket_on_residents_names_the_field_line() {
    let (_dir, file, text) = template();
    let from = "    { column = \"Alter\", use = \"age\", role = \"attribute\", sensitivity = \"personal\" },\n]\n\n[[datasets]]\nname = \"kita\"";
    let to = "    { column = \"Alter\", use = \"age\", role = \"attribute\", sensitivity = \"personal\" },\n    { column = \"Stufe\", use = \"fee_bracket\" },\n]\n\n[[datasets]]\nname = \"kita\"";
    let variant = replace_once(&text, from, to);
    error_at(
        &variant,
        &file,
        line_of(&variant, "\"Stufe\""),
        "datasets[0].fields[3].use",
    );
}

/// The line range of the n-th `[[datasets]]` table (header to the line before the next
/// blank-line-separated section).
fn dataset_lines(text: &str, name: &str) -> std::ops::RangeInclusive<usize> {
    let name_line = line_of(text, &format!("name = \"{name}\""));
    let header = name_line - 1;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[header - 1], "[[datasets]]");
    let end = (name_line..=lines.len())
        .find(|&l| lines[l - 1] == "]")
        .unwrap();
    header..=end
}

#[test]
fn coordinates_and_address_together_name_the_dataset() {
    let (_dir, file, text) = template();
    let from = "    { column = \"Alter\", use = \"age\", role = \"attribute\", sensitivity = \"personal\" },\n]\n\n[[datasets]]\nname = \"kita\"";
    let to = "    { column = \"Alter\", use = \"age\", role = \"attribute\", sensitivity = \"personal\" },\n    { column = \"Straße\", use = \"street\" },\n]\n\n[[datasets]]\nname = \"kita\"";
    let variant = replace_once(&text, from, to);
    let err = parse(&variant, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "datasets[0].fields", "{err}");
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    let range = dataset_lines(&variant, "resident");
    assert!(
        line.is_some_and(|l| range.contains(&l)),
        "line {line:?} not in the resident dataset {range:?}: {err}"
    );
    assert!(err.to_string().contains("not both"), "{err}");
}

#[test]
fn address_dataset_without_geocoding_names_the_dataset() {
    let (_dir, file, text) = template();
    let start = text.find("\n[geocoding]\n").unwrap() + 1;
    let end = text.find("unmatched_list = true\n").unwrap() + "unmatched_list = true\n".len();
    let variant = format!("{}{}", &text[..start], &text[end..]);
    let err = parse(&variant, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "datasets[1].fields", "{err}");
    assert!(err.to_string().contains("[geocoding]"), "{err}");
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    let range = dataset_lines(&variant, "kita");
    assert!(
        line.is_some_and(|l| range.contains(&l)),
        "line {line:?} not in the kita dataset {range:?}: {err}"
    );
}

#[test]
fn indicator_on_a_missing_dataset_names_the_indicator() {
    let (_dir, file, text) = template();
    let start = text.find("[[datasets]]\nname = \"child_support\"").unwrap();
    let end = start + text[start..].find("\n]\n").unwrap() + 3;
    let variant = format!("{}{}", &text[..start], &text[end..]);
    assert!(!variant.contains("unterhaltsvorschuss.csv"));
    let err = parse(&variant, &file).unwrap_err();
    assert_eq!(
        invalid_key(&err),
        "indicators[3].numerator.dataset",
        "{err}"
    );
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    // The indicator's table: from its header to its last key.
    let name = line_of(&variant, "name = \"child_support_rate\"");
    let last = line_after(&variant, "name = \"child_support_rate\"", "direction");
    assert!(
        line.is_some_and(|l| (name - 1..=last).contains(&l)),
        "line {line:?} not in the indicator ({}..={last}): {err}",
        name - 1
    );
}

#[test]
fn unknown_category_names_the_indicator_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(&text, "[\"0-5\", \"6-11\"]", "[\"0-5\", \"6-12\"]");
    let err = parse(&variant, &file).unwrap_err();
    assert_eq!(
        invalid_key(&err),
        "indicators[3].numerator.categories",
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("6-12") && msg.contains("6-11"), "{msg}");
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    let edited = line_of(&variant, "\"6-12\"");
    let header = line_of(&variant, "name = \"child_support_rate\"") - 1;
    assert!(
        line.is_some_and(|l| (header..=edited).contains(&l)),
        "line {line:?} not in {header}..={edited}: {msg}"
    );
}

#[test]
fn unknown_group_names_the_indicator_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(&text, "[\"@low_income\"]", "[\"@poor\"]");
    let err = parse(&variant, &file).unwrap_err();
    assert_eq!(
        invalid_key(&err),
        "indicators[2].numerator.categories",
        "{err}"
    );
    assert!(err.to_string().contains("poor"), "{err}");
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    let edited = line_of(&variant, "@poor");
    let header = line_of(&variant, "name = \"kita_low_income_share\"") - 1;
    assert!(
        line.is_some_and(|l| (header..=edited).contains(&l)),
        "line {line:?} not in {header}..={edited}: {err}"
    );
}

#[test]
fn ranking_level_must_be_a_level() {
    let (_dir, file, text) = template();
    let variant = replace_once(
        &text,
        "[ranking]\nlevel = \"quartier\"",
        "[ranking]\nlevel = \"bezirk\"",
    );
    let err = parse(&variant, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "ranking.level", "{err}");
    assert!(err.to_string().contains("bezirk"), "{err}");
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    let header = line_of(&variant, "[ranking]");
    let edited = line_of(&variant, "level = \"bezirk\"");
    assert!(
        line.is_some_and(|l| (header..=edited).contains(&l)),
        "line {line:?} not in {header}..={edited}: {err}"
    );
}

#[test]
fn geographic_project_crs_is_rejected_on_its_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(
        &text,
        "crs = \"EPSG:25832\"\n# Report",
        "crs = \"EPSG:4326\"\n# Report",
    );
    let err = error_at(
        &variant,
        &file,
        line_of(&variant, "crs = \"EPSG:4326\""),
        "project.crs",
    );
    assert!(err.to_string().contains("metric"), "{err}");
}

#[test]
fn duplicate_dataset_is_rejected() {
    let (_dir, file, text) = template();
    let variant = replace_once(&text, "name = \"child_support\"", "name = \"resident\"");
    let err = parse(&variant, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "datasets[2].name", "{err}");
    assert!(err.to_string().contains("twice"), "{err}");
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    // The second `resident` dataset (the third table).
    let second = {
        let first = text.find("name = \"resident\"").unwrap() + 1;
        let at = first + variant[first..].find("name = \"resident\"").unwrap();
        variant[..at].matches('\n').count() + 1
    };
    assert!(
        line.is_some_and(|l| l == second || l == second - 1),
        "line {line:?}, expected the third dataset at {second}: {err}"
    );
}

/// Same output folders: the key and the line of the setting.
#[test]
fn same_output_folders_are_rejected_on_their_line() {
    let (_dir, file, text) = template();
    let variant = replace_once(
        &text,
        "protected = \"out/protected\"",
        "protected = \"out/sealed\"",
    );
    let err = parse(&variant, &file).unwrap_err();
    assert!(invalid_key(&err).starts_with("outputs"), "{err}");
    assert!(err.to_string().contains("different folders"), "{err}");
    // The same folder through another spelling.
    let variant2 = replace_once(
        &text,
        "protected = \"out/protected\"",
        "protected = \"out/sealed/\"",
    );
    let err2 = parse(&variant2, &file).unwrap_err();
    assert!(invalid_key(&err2).starts_with("outputs"), "{err2}");
    // The line: of [outputs] or of the key edited.
    let ProjectError::Invalid { line, .. } = &err else {
        unreachable!()
    };
    let header = line_of(&variant, "[outputs]");
    let edited = line_of(&variant, "protected = \"out/sealed\"");
    assert!(
        line.is_some_and(|l| (header..=edited).contains(&l)),
        "line {line:?} not in {header}..={edited}: {err}"
    );
}

/// The sealed folder (personal data) must not lie inside a folder that may leave the office,
/// nor be the same folder spelt with `..`.
#[test]
fn sealed_folder_inside_protected_is_rejected() {
    let (_dir, file, text) = template();
    for protected in ["out", "out/x/../sealed"] {
        let variant = replace_once(
            &text,
            "protected = \"out/protected\"",
            &format!("protected = \"{protected}\""),
        );
        let Err(err) = parse(&variant, &file) else {
            panic!("accepted: protected = {protected:?} holds the sealed folder");
        };
        assert!(invalid_key(&err).starts_with("outputs"), "{err}");
    }
    let variant = replace_once(&text, "analysis = \"out/analysis\"", "analysis = \"out\"");
    let Err(err) = parse(&variant, &file) else {
        panic!("accepted: analysis = \"out\" holds the sealed folder");
    };
    assert!(invalid_key(&err).starts_with("outputs"), "{err}");
}

// ---------------------------------------------------------------------------------------
// The pipeline on the template

#[test]
fn every_row_is_accounted_for_and_analyze_reads_back_the_same_ranking() {
    let (_dir, file, _) = template();
    let project = Project::load(&file).unwrap();
    let sealed = anonymize_project(&project, &mut ()).unwrap();
    assert!(sealed.audit_passed);
    let protocol = sealed.anonymized.protocol();
    assert!(protocol.is_balanced());

    for d in &project.datasets {
        let lines = data_lines(&d.path).len();
        let outcome = sealed
            .datasets
            .iter()
            .find(|o| o.dataset == d.kind.name())
            .unwrap();
        let rejected: usize = outcome.rejected.values().sum();
        assert_eq!(
            outcome.records + rejected,
            lines,
            "{}: records + rejected rows = data lines",
            d.kind.name()
        );
        let report = protocol
            .datasets
            .iter()
            .find(|r| r.dataset == d.kind.name())
            .unwrap();
        let r = &report.records;
        assert_eq!(r.read, outcome.records, "{}", d.kind.name());
        assert_eq!(
            r.read,
            r.assigned + r.snapped + r.no_coordinate + r.invalid_coordinate + r.outside,
            "{}",
            d.kind.name()
        );
        assert_eq!(
            outcome.assigned.unwrap() + outcome.unassigned.unwrap(),
            outcome.records
        );
        assert_eq!(
            report.rejected_rows.values().sum::<usize>(),
            rejected,
            "{}: the protocol counts the rejected rows",
            d.kind.name()
        );
    }

    // Residents: rows without coordinates and with non-numeric ones, counted independently.
    let resident = project.dataset(RecordKind::Resident).unwrap();
    let rows = data_lines(&resident.path);
    let empty = rows
        .iter()
        .filter(|l| field(l, 2).is_empty() || field(l, 3).is_empty())
        .count();
    let non_numeric = rows
        .iter()
        .filter(|l| {
            let (x, y) = (field(l, 2), field(l, 3));
            !x.is_empty() && !y.is_empty() && (number(&x).is_none() || number(&y).is_none())
        })
        .count();
    let r = &protocol.datasets[0].records;
    assert_eq!(r.no_coordinate, empty);
    assert_eq!(r.invalid_coordinate, non_numeric);

    // Geocoding: every kita record geocoded; the unmatched ones are the rows whose street the
    // house-coordinate table does not have.
    let kita = project.dataset(RecordKind::Kita).unwrap();
    let kita_rows = data_lines(&kita.path);
    let table_rows = data_lines(&project.geocoding.as_ref().unwrap().path);
    let streets: BTreeSet<String> = table_rows.iter().map(|l| field(l, 2)).collect();
    let unknown: Vec<usize> = kita_rows
        .iter()
        .enumerate()
        .filter(|(_, l)| field(l, 2) == "Unbekannter Weg")
        .map(|(i, _)| i + 2)
        .collect();
    assert!(!streets.contains("Unbekannter Weg"));
    assert!(!unknown.is_empty(), "the sample has unknown addresses");
    let kita_outcome = &sealed.datasets[1];
    let summary = kita_outcome.geocoding.as_ref().unwrap();
    assert_eq!(summary.total, kita_outcome.records);
    assert_eq!(
        summary.exact
            + summary.normalized
            + summary.nearest_number
            + summary.fuzzy_street
            + summary.unmatched,
        summary.total
    );
    assert_eq!(summary.unmatched, unknown.len());
    let protocol_geocoding = protocol
        .geocoding
        .iter()
        .find(|g| g.dataset == "kita")
        .unwrap();
    assert_eq!(&protocol_geocoding.summary, summary);
    // Every kita row has an address: the records without a position are the unmatched ones.
    let without_address = kita_rows
        .iter()
        .filter(|l| field(l, 2).is_empty() || field(l, 3).is_empty())
        .count();
    assert_eq!(
        protocol.datasets[1].records.no_coordinate,
        summary.unmatched + without_address
    );
    // The sealed list: exactly the unmatched rows, by line.
    let list = project.outputs.sealed.join("unmatched_kita.csv");
    assert_eq!(sealed.sealed_files, std::slice::from_ref(&list));
    let listed: Vec<usize> = data_lines(&list)
        .iter()
        .map(|l| {
            String::from_utf8_lossy(l)
                .split(',')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(listed, unknown);

    // analyze with the anonymized result and reading the protected CSVs back: same ranking.
    let with = analyze_project(&project, Some(&sealed), &mut ()).unwrap();
    let ranking = project.outputs.analysis.join("ranking.csv");
    let bytes_with = fs::read(&ranking).unwrap();
    fs::remove_file(&ranking).unwrap();
    let without = analyze_project(&project, None, &mut ()).unwrap();
    let bytes_without = fs::read(&ranking).unwrap();
    assert!(!bytes_with.is_empty());
    assert!(bytes_with == bytes_without, "ranking.csv differs");
    assert_eq!(with.selected, without.selected);
    assert_eq!(with.ranked, 8, "the template's 8 quarters");
    assert!(with.index.as_ref().is_some_and(|p| p.exists()));
}

#[test]
fn validate_reports_the_template_without_errors() {
    let (_dir, file, _) = template();
    let project = Project::load(&file).unwrap();
    let outcome = validate_project(&project, &mut ()).unwrap();
    assert!(outcome.is_ok(), "{:?}", outcome.errors);
    let levels: Vec<&str> = outcome.levels.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(levels, project.hierarchy.levels);
    assert_eq!(outcome.datasets.len(), 3);
    // The unmatched addresses are a warning naming the kita file.
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.contains("kita_beitraege.csv") && w.contains("not matched")),
        "{:?}",
        outcome.warnings
    );
    // validate writes nothing.
    assert!(!project.outputs.protected.exists());
    assert!(!project.outputs.sealed.exists());
}

#[test]
fn two_runs_give_identical_outputs() {
    let mut outputs = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..2 {
        let (dir, file, _) = template();
        let project = Project::load(&file).unwrap();
        let sealed = anonymize_project(&project, &mut ()).unwrap();
        analyze_project(&project, Some(&sealed), &mut ()).unwrap();
        outputs.push((
            files_under(&project.outputs.protected),
            files_under(&project.outputs.analysis),
            files_under(&project.outputs.sealed),
        ));
        dirs.push(dir);
    }
    let (a, b) = (&outputs[0], &outputs[1]);
    assert!(a.0.len() >= 5 && a.1.len() >= 5);
    for (x, y) in [(&a.0, &b.0), (&a.1, &b.1), (&a.2, &b.2)] {
        let names_x: Vec<&String> = x.iter().map(|(n, _)| n).collect();
        let names_y: Vec<&String> = y.iter().map(|(n, _)| n).collect();
        assert_eq!(names_x, names_y);
        for ((n, bx), (_, by)) in x.iter().zip(y) {
            assert!(bx == by, "{n} differs between two runs");
        }
    }
    // The protocol holds the inputs' SHA-256, which are the same files byte for byte.
    let d0 = dirs[0].path().join("data");
    let d1 = dirs[1].path().join("data");
    assert_eq!(files_under(&d0), files_under(&d1), "init is deterministic");
}

/// Residents per unit of every level, counted here: the coordinates of einwohner.csv located
/// in the block layer (records snapped onto a block are not counted: at most `snapped`).
fn residents_per_unit(project: &Project, h: &Hierarchy) -> BTreeMap<(String, String), u64> {
    let resident = project.dataset(RecordKind::Resident).unwrap();
    let index = UnitIndex::from_hierarchy(h, h.block_level()).unwrap();
    let mut per_block = vec![0u64; h.blocks().len()];
    for l in data_lines(&resident.path) {
        if let (Some(x), Some(y)) = (number(&field(&l, 2)), number(&field(&l, 3))) {
            if let Some(b) = index.locate(x, y) {
                per_block[b] += 1;
            }
        }
    }
    let mut out = BTreeMap::new();
    for (level, name) in h.levels().iter().enumerate() {
        let up = h.ancestors(h.block_level(), level).unwrap();
        let mut counts = vec![0u64; h.units(level).len()];
        for (b, n) in per_block.iter().enumerate() {
            counts[up[b]] += n;
        }
        for (u, n) in counts.into_iter().enumerate() {
            out.insert(
                (name.clone(), h.units(level)[u].id().as_str().to_owned()),
                n,
            );
        }
    }
    out
}

#[test]
fn min_population_suppresses_every_cell_of_small_units() {
    let (dir, file, text) = template();
    let base = Project::load(&file).unwrap();
    let h = hierarchy_of(&base);
    let counts = residents_per_unit(&base, &h);
    let mut blocks: Vec<u64> = counts
        .iter()
        .filter(|((l, _), _)| *l == "baublock")
        .map(|(_, n)| *n)
        .collect();
    blocks.sort_unstable();
    let median = blocks[blocks.len() / 2];
    assert!(median > 3, "a threshold above k");

    for min in [200, median] {
        let variant = replace_once(
            &text,
            "min_population = 0 ",
            &format!("min_population = {min} "),
        );
        let path = dir.path().join(format!("min_{min}.toml"));
        fs::write(&path, &variant).unwrap();
        let project = Project::load(&path).unwrap();
        assert_eq!(project.rules.min_population, min);
        let sealed = anonymize_project(&project, &mut ()).unwrap();
        assert!(sealed.audit_passed, "min_population {min}");
        let protocol = sealed.anonymized.protocol();
        assert_eq!(protocol.parameters.min_population, min);
        let snapped = protocol.datasets[0].records.snapped as u64;
        let (mut small, mut checked_large, mut large_published) = (0, 0, 0);
        for t in sealed.anonymized.tables() {
            for row in t.rows() {
                let n = counts[&(row.layer.to_owned(), row.unit_id.to_owned())];
                if n + snapped < min {
                    small += 1;
                    assert!(
                        row.status.is_suppressed(),
                        "min {min}: {} {} {} has fewer residents but is {:?}",
                        t.dataset().name(),
                        row.layer,
                        row.unit_id,
                        row.status
                    );
                } else if n >= min && row.layer == "baublock" {
                    checked_large += 1;
                    if !row.status.is_suppressed() {
                        large_published += 1;
                    }
                }
            }
        }
        assert!(small > 0, "min {min}: some units are small");
        if min == median {
            assert!(
                checked_large > 0 && large_published > 0,
                "min {min}: large blocks keep cells"
            );
        }
        // The protected CSV written agrees: every cell of a small block withheld.
        let csv =
            fs::read_to_string(project.outputs.protected.join("protected_resident.csv")).unwrap();
        for line in csv.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let n = counts[&(cols[0].to_owned(), cols[1].to_owned())];
            if n + snapped < min {
                assert_eq!(cols[4], "", "min {min}: {line}");
                assert_ne!(cols[5], "published", "min {min}: {line}");
            }
        }
    }

    // protection = 5: the protocol says so, and the audit passes at that level.
    let variant = replace_once(&text, "protection = 3 ", "protection = 5 ");
    let path = dir.path().join("protection_5.toml");
    fs::write(&path, &variant).unwrap();
    let project = Project::load(&path).unwrap();
    let sealed = anonymize_project(&project, &mut ()).unwrap();
    assert!(sealed.audit_passed);
    let protocol = sealed.anonymized.protocol();
    assert_eq!(protocol.parameters.protection, 5);
    assert!(protocol.datasets.iter().all(|d| d.audit.protection == 5));
    let json = fs::read_to_string(project.outputs.protected.join("protocol.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["parameters"]["protection"], 5);
}

// ---------------------------------------------------------------------------------------
// CRS

/// `project.toml` with the residents' dataset read from `path` and declared in `crs`.
fn residents_variant(text: &str, path: &str, crs: Option<&str>) -> String {
    let declared = crs.map_or(String::new(), |c| format!("crs = \"{c}\"\n"));
    replace_once(
        text,
        "path = \"data/einwohner.csv\"\n",
        &format!("path = \"{path}\"\n{declared}"),
    )
}

/// Maps points to points.
type Reproject = dyn Fn(&[(f64, f64)]) -> Vec<(f64, f64)>;

/// einwohner.csv with the coordinate columns replaced by `f(x, y)` (written with a decimal
/// comma and `decimals` decimals); other bytes unchanged.
fn rewrite_residents(src: &Path, dst: &Path, decimals: usize, f: &Reproject) {
    let bytes = fs::read(src).unwrap();
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let mut points = Vec::new();
    let mut at = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(1) {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if let (Some(x), Some(y)) = (number(&field(l, 2)), number(&field(l, 3))) {
            points.push((x, y));
            at.push(i);
        }
    }
    let moved = f(&points);
    let mut out: Vec<Vec<u8>> = lines.iter().map(|l| l.to_vec()).collect();
    for (i, (x, y)) in at.into_iter().zip(moved) {
        let l = lines[i].strip_suffix(b"\r").unwrap();
        let mut cols: Vec<Vec<u8>> = l.split(|&b| b == b';').map(<[u8]>::to_vec).collect();
        cols[2] = format!("{x:.decimals$}").replace('.', ",").into_bytes();
        cols[3] = format!("{y:.decimals$}").replace('.', ",").into_bytes();
        let mut line = cols.join(&b';');
        line.push(b'\r');
        out[i] = line;
    }
    fs::write(dst, out.join(&b'\n')).unwrap();
}

#[test]
fn metres_declared_as_lon_lat_are_an_error_naming_the_file_and_the_setting() {
    let (_dir, file, text) = template();
    let variant = residents_variant(&text, "data/einwohner.csv", Some("EPSG:4326"));
    let project = Project::parse(&variant, &file).unwrap();
    assert_eq!(project.datasets[0].crs, Crs::WGS84);
    let err = anonymize_project(&project, &mut ()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("einwohner.csv"), "names the file: {msg}");
    assert!(msg.contains("`crs`"), "names the setting: {msg}");
    assert!(msg.contains("EPSG:4326"), "{msg}");
    assert!(!project.outputs.protected.exists(), "nothing written");
    // validate reports it as an error too.
    let outcome = validate_project(&project, &mut ()).unwrap();
    assert!(
        outcome
            .errors
            .iter()
            .any(|e| e.contains("einwohner.csv") && e.contains("`crs`")),
        "{:?}",
        outcome.errors
    );
}

#[test]
fn lon_lat_declared_as_metres_are_an_error_naming_the_setting() {
    let (dir, file, text) = template();
    // Plausible degrees (the values need not be exact for this check).
    rewrite_residents(
        &dir.path().join("data/einwohner.csv"),
        &dir.path().join("data/einwohner_grad.csv"),
        7,
        &|pts| {
            pts.iter()
                .map(|&(x, y)| {
                    (
                        8.0 + (x - 460_000.0) * 1e-5,
                        52.0 + (y - 5_778_000.0) * 1e-5,
                    )
                })
                .collect()
        },
    );
    let variant = residents_variant(&text, "data/einwohner_grad.csv", None);
    let project = Project::parse(&variant, &file).unwrap();
    let err = anonymize_project(&project, &mut ()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("einwohner_grad.csv"), "{msg}");
    assert!(msg.contains("longitude/latitude"), "{msg}");
    assert!(
        msg.contains("crs = \"EPSG:4326\""),
        "names the setting: {msg}"
    );
    // No coordinate in the message.
    assert!(!msg.contains("8,0") && !msg.contains("52,0"), "{msg}");
}

#[cfg(not(feature = "proj"))]
#[test]
fn lon_lat_residents_without_proj_are_a_clear_error() {
    let (dir, file, text) = template();
    rewrite_residents(
        &dir.path().join("data/einwohner.csv"),
        &dir.path().join("data/einwohner_grad.csv"),
        7,
        &|pts| {
            pts.iter()
                .map(|&(x, y)| {
                    (
                        8.0 + (x - 460_000.0) * 1e-5,
                        52.0 + (y - 5_778_000.0) * 1e-5,
                    )
                })
                .collect()
        },
    );
    let variant = residents_variant(&text, "data/einwohner_grad.csv", Some("EPSG:4326"));
    let project = Project::parse(&variant, &file).unwrap();
    let err = anonymize_project(&project, &mut ()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("lacks PROJ"), "{msg}");
    assert!(
        msg.contains("EPSG:4326") && msg.contains("EPSG:25832"),
        "{msg}"
    );
    assert!(!project.outputs.protected.exists(), "nothing written");
}

/// With PROJ: the residents as lon/lat (computed with the library's own transformation, so
/// this checks the pipeline's handling, not PROJ) give the same protected tables.
#[cfg(feature = "proj")]
#[test]
fn lon_lat_residents_with_proj_give_the_same_tables() {
    let (dir, file, text) = template();
    rewrite_residents(
        &dir.path().join("data/einwohner.csv"),
        &dir.path().join("data/einwohner_grad.csv"),
        10,
        &|pts| {
            let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
            quartier::transform_in_place(Crs::ETRS89_UTM32, Crs::WGS84, &mut xs, &mut ys).unwrap();
            xs.into_iter().zip(ys).collect()
        },
    );
    let metric = Project::load(&file).unwrap();
    let a = anonymize_project(&metric, &mut ()).unwrap();
    let variant = residents_variant(&text, "data/einwohner_grad.csv", Some("EPSG:4326"));
    let variant = variant.replace("out/", "out_grad/");
    let path = dir.path().join("grad.toml");
    fs::write(&path, variant).unwrap();
    let lonlat = Project::load(&path).unwrap();
    let b = anonymize_project(&lonlat, &mut ()).unwrap();
    let p = a.anonymized.protocol();
    let q = b.anonymized.protocol();
    assert_eq!(p.datasets[0].records, q.datasets[0].records);
    for (x, y) in a.anonymized.tables().iter().zip(b.anonymized.tables()) {
        let rx: Vec<String> = x.rows().map(|r| format!("{r:?}")).collect();
        let ry: Vec<String> = y.rows().map(|r| format!("{r:?}")).collect();
        assert_eq!(rx, ry, "{}", x.dataset().name());
    }
}

/// Official quarter boundaries read from their own layer (`[[hierarchy.upper]]`) instead of
/// dissolved from the blocks: with boundaries equal to the dissolved ones, the protected
/// tables are the same; the boundaries file is listed among the protocol's inputs; a level
/// that is not an upper level is an error naming the key.
#[test]
fn upper_level_read_from_its_own_layer() {
    let (dir, file, text) = template();
    let project = Project::load(&file).unwrap();
    let dissolved = anonymize_project(&project, &mut ()).unwrap();

    // The quarters as the dissolved hierarchy has them, in their own layer (`id`, `name`).
    let blocks = quartier::BlockLayerSpec {
        levels: project.hierarchy.levels.clone(),
        id_fields: project.hierarchy.id_fields.clone(),
        name_field: project.hierarchy.name_field.clone(),
    };
    let (h, _) = quartier::read_hierarchy(&project.hierarchy.source.path, &blocks).unwrap();
    let quarters = dir.path().join("data/quartiere.geojson");
    quartier::write_units(&quarters, &h, h.level("quartier").unwrap()).unwrap();

    let upper = "\n[[hierarchy.upper]]\nlevel = \"quartier\"\npath = \"data/quartiere.geojson\"\nid_field = \"id\"\nname_field = \"name\"\n";
    let variant = replace_once(
        &text,
        "name_field = \"name\"\n",
        &format!("name_field = \"name\"\n{upper}"),
    );
    fs::write(&file, &variant).unwrap();
    let project = Project::load(&file).unwrap();
    assert_eq!(project.hierarchy.upper.len(), 1);
    let read = anonymize_project(&project, &mut ()).unwrap();
    assert_eq!(read.anonymized.tables(), dissolved.anonymized.tables());
    let inputs = read.anonymized.protocol().to_markdown();
    assert!(
        inputs.contains("quartier boundaries: `quartiere.geojson`"),
        "{inputs}"
    );

    let bad = variant.replace("level = \"quartier\"", "level = \"baublock\"");
    let err = parse(&bad, &file).unwrap_err();
    assert_eq!(invalid_key(&err), "hierarchy.upper[0].level", "{err}");
}

#[test]
fn an_invalid_block_layer_is_named_by_validate_and_anonymize() {
    let (dir, path, _) = template();
    // Turn block feature 3 into a bow-tie.
    let layer = dir.path().join("data/baubloecke.geojson");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&layer).unwrap()).unwrap();
    let feature = &mut json["features"][3]["geometry"];
    let first = feature["coordinates"][0][0].clone();
    let first = if first[0].is_array() {
        first[0].clone()
    } else {
        first
    };
    let (x, y) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
    *feature = serde_json::json!({
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 10.0, y + 10.0], [x + 10.0, y], [x, y + 10.0], [x, y]]],
    });
    std::fs::write(&layer, serde_json::to_vec(&json).unwrap()).unwrap();
    let project = Project::load(&path).unwrap();

    let outcome = validate_project(&project, &mut ()).unwrap();
    assert!(!outcome.is_ok());
    let error = outcome
        .errors
        .iter()
        .find(|e| e.contains("feature 3"))
        .unwrap_or_else(|| panic!("{:?}", outcome.errors));
    assert!(error.contains("baubloecke.geojson"), "{error}");
    assert!(error.contains("intersects itself"), "{error}");

    let err = anonymize_project(&project, &mut ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("baubloecke.geojson"), "{err}");
    assert!(err.contains("feature 3"), "{err}");
}
