//! The report (maps, profiles, index) and its attribute layers, through the public API, on
//! Musterstadt: completeness, determinism, well-formed XML, sizes, bad input, and
//! snapshots of one map and one profile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use quartier::{
    Analysis, AnalysisSpec, Anonymized, AttributeValues, BlockLayerSpec, DemoConfig, DemoTown,
    Language, RenderError, Report, ReportInput, ReportSpec, analyze, anonymize, musterstadt_with,
    read_hierarchy, render_report,
};

struct Fixture {
    town: DemoTown,
    protected: Anonymized,
    analysis: Analysis,
}

/// Musterstadt (20 quarters), protected and analyzed once for all tests.
fn fixture() -> &'static Fixture {
    static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let town = musterstadt_with(3, &DemoConfig::default()).unwrap();
        let protected = anonymize(&town.records, &town.hierarchy, &town.anonymize_spec()).unwrap();
        let mut spec = AnalysisSpec::default();
        if let Some(u) = spec.uncertainty.as_mut() {
            u.draws = 100;
        }
        if let Some(s) = spec.spatial.as_mut() {
            s.permutations = 99;
        }
        let analysis = analyze(protected.tables(), &town.hierarchy, &spec).unwrap();
        Fixture {
            town,
            protected,
            analysis,
        }
    })
}

fn render(f: &Fixture, analysis: &Analysis, spec: &ReportSpec) -> Result<Report, RenderError> {
    let catalogue = f.town.catalogue();
    let protocol = f.protected.protocol();
    let input = ReportInput {
        hierarchy: &f.town.hierarchy,
        tables: f.protected.tables(),
        analysis,
        catalogue: &catalogue,
        protocol: Some(protocol),
        monitoring: None,
        release: None,
    };
    render_report(&input, spec)
}

/// Parses a page or an SVG as XML (the pages are polyglot XHTML).
fn parse(path: &str, text: &str) {
    let body = text.strip_prefix("<!DOCTYPE html>").unwrap_or(text);
    if let Err(e) = roxmltree::Document::parse(body) {
        panic!("{path} is not well-formed: {e}");
    }
}

#[test]
fn report_has_index_maps_and_a_profile_per_quarter_all_well_formed() {
    let f = fixture();
    let report = render(f, &f.analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let h = &f.town.hierarchy;
    let quarters = h.units(h.level("quartier").unwrap());
    assert_eq!(report.files[0].path, "index.html");
    for q in quarters {
        let path = format!("quartier-{}.html", q.id());
        let page = report
            .file(&path)
            .unwrap_or_else(|| panic!("{path} missing"));
        assert!(page.contents.contains(q.id().as_str()));
        assert!(
            page.contents.len() < 300 * 1024,
            "{path}: {} bytes",
            page.contents.len()
        );
    }
    for indicator in &f.analysis.spec.indicators {
        let path = format!("maps/quartier-{}.svg", indicator.name);
        assert!(report.file(&path).is_some(), "{path}");
    }
    assert!(report.file("maps/quartier-composite.svg").is_some());
    // Residents are published down to the blocks: their indicators get block maps; the
    // Kita data stop at the quarters, so no block map of them.
    assert!(report.file("maps/baublock-under25_share.svg").is_some());
    assert!(
        report
            .file("maps/baublock-kita_low_income_share.svg")
            .is_none()
    );
    for file in &report.files {
        parse(&file.path, &file.contents);
        for bad in [
            "NaN",
            "inf<",
            ">inf",
            "<script",
            "https://",
            "http://www.example",
        ] {
            assert!(
                !file.contents.contains(bad),
                "{}: contains {bad}",
                file.path
            );
        }
    }
    // Every profile is linked from the index.
    let index = &report.files[0].contents;
    for q in quarters {
        assert!(index.contains(&format!("href=\"quartier-{}.html\"", q.id())));
    }
}

#[test]
fn report_is_deterministic() {
    let f = fixture();
    let spec = ReportSpec::new("Musterstadt");
    assert_eq!(
        render(f, &f.analysis, &spec).unwrap(),
        render(f, &f.analysis, &spec).unwrap()
    );
}

#[test]
fn german_by_default_english_by_option() {
    let f = fixture();
    let de = render(f, &f.analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let en = render(
        f,
        &f.analysis,
        &ReportSpec {
            language: Language::English,
            ..ReportSpec::new("Musterstadt")
        },
    )
    .unwrap();
    let (de, en) = (&de.files[0].contents, &en.files[0].contents);
    assert!(de.contains("lang=\"de\"") && de.contains("Rangfolge"));
    assert!(en.contains("lang=\"en\"") && en.contains("Ranking"));
    assert!(!en.contains("Rangfolge"));
    // German numbers have a decimal comma: the composite of the top unit, to 2 decimals.
    let top = f.analysis.ranking.by_rank()[0].composite.unwrap();
    let german = format!("{top:.2}").replace('.', ",");
    assert!(de.contains(&german), "{german}");
    assert!(en.contains(&format!("{top:.2}")));
}

#[test]
fn ranked_layer_has_every_ranking_csv_column() {
    let f = fixture();
    let report = render(f, &f.analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let layer = &report.layers[0];
    assert_eq!(layer.name, "quartier");
    let csv = f.analysis.to_csv();
    let header = csv.lines().next().unwrap();
    let names: Vec<&str> = layer.columns.iter().map(|c| c.name.as_str()).collect();
    for column in header.split(',') {
        assert!(names.contains(&column), "{column} missing from {names:?}");
    }
    let units = f.town.hierarchy.units(layer.level).len();
    for c in &layer.columns {
        assert_eq!(c.values.len(), units, "{}", c.name);
    }
    // The suppressed values are NULL, with their status next to them.
    let value = |name: &str| {
        &layer
            .columns
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .values
    };
    let (AttributeValues::Real(v), AttributeValues::Text(s)) = (
        value("kita_low_income_share"),
        value("kita_low_income_share_status"),
    ) else {
        panic!("column types");
    };
    for (v, s) in v.iter().zip(s) {
        assert_eq!(v.is_none(), s.as_deref() != Some("ok"), "{v:?} {s:?}");
    }
    assert!(report.layers.iter().any(|l| l.name == "baublock"));
    assert!(layer.style.is_some());
}

/// A value that is NaN (e.g. from a hand-made analysis) is drawn as "no value", never
/// printed.
#[test]
fn a_nan_value_renders_as_no_data() {
    let f = fixture();
    let mut analysis = f.analysis.clone();
    let column = &mut analysis.indicators.columns[0];
    for v in column.values.iter_mut().take(2) {
        v.value = Some(f64::NAN);
    }
    column.overall = Some(f64::NAN);
    analysis.ranking.units[0].composite = Some(f64::NAN);
    let report = render(f, &analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let name = &analysis.indicators.columns[0].spec.name;
    let map = report.file(&format!("maps/quartier-{name}.svg")).unwrap();
    assert!(map.contents.contains("kein Wert"));
    for file in &report.files {
        assert!(!file.contents.contains("NaN"), "{}", file.path);
    }
    let AttributeValues::Real(values) = &report.layers[0]
        .columns
        .iter()
        .find(|c| &c.name == name)
        .unwrap()
        .values
    else {
        panic!()
    };
    assert_eq!(&values[..2], &[None, None]);
}

/// An indicator without a single published value (every unit suppressed): the map has no
/// classes, only the hatched "secret" entry counting every unit; the profiles show the mark.
#[test]
fn an_indicator_suppressed_everywhere_renders_as_a_no_data_map() {
    let f = fixture();
    let mut analysis = f.analysis.clone();
    let column = &mut analysis.indicators.columns[2];
    for v in &mut column.values {
        v.value = None;
        v.smoothed = None;
        v.status = quartier::ValueStatus::Suppressed;
    }
    column.overall = None;
    let name = column.spec.name.clone();
    let n = column.values.len();
    let report = render(f, &analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let map = &report
        .file(&format!("maps/quartier-{name}.svg"))
        .unwrap()
        .contents;
    parse("map", map);
    // The text of the legend, tags removed.
    let doc = roxmltree::Document::parse(map).unwrap();
    let legend: Vec<String> = doc
        .descendants()
        .filter(|e| e.has_tag_name("text"))
        .map(|e| {
            e.descendants()
                .filter(|t| t.is_text())
                .filter_map(|t| t.text())
                .collect()
        })
        .collect();
    assert!(
        legend.contains(&format!("geheim gehalten ({n})")),
        "{legend:?}"
    );
    assert!(!map.contains(" bis "), "no class bounds without values");
    let first = f.town.hierarchy.units(2)[0].id().to_string();
    let profile = &report
        .file(&format!("quartier-{first}.html"))
        .unwrap()
        .contents;
    assert!(profile.contains("geheim gehalten: zu kleine Fallzahl"));
}

#[test]
fn an_analysis_of_another_hierarchy_is_an_error() {
    let f = fixture();
    let mut analysis = f.analysis.clone();
    analysis.indicators.level = "stadtbezirk".to_owned();
    let e = render(f, &analysis, &ReportSpec::new("M")).unwrap_err();
    assert!(matches!(e, RenderError::UnknownLevel { .. }), "{e}");
    assert!(e.to_string().contains("stadtbezirk"), "{e}");

    let mut analysis = f.analysis.clone();
    analysis.indicators.units.pop();
    let e = render(f, &analysis, &ReportSpec::new("M")).unwrap_err();
    assert!(matches!(e, RenderError::UnitMismatch { .. }), "{e}");

    let mut analysis = f.analysis.clone();
    analysis.classes.pop();
    let e = render(f, &analysis, &ReportSpec::new("M")).unwrap_err();
    assert!(
        matches!(
            e,
            RenderError::Inconsistent {
                field: "classes",
                ..
            }
        ),
        "{e}"
    );

    let e = render(
        f,
        &f.analysis,
        &ReportSpec {
            map_width_px: f64::NAN,
            ..ReportSpec::new("M")
        },
    )
    .unwrap_err();
    assert!(matches!(e, RenderError::MapWidth { .. }), "{e}");
}

/// A block without geometry never reaches the renderer: reading the layer fails and names
/// the feature.
#[test]
fn a_block_without_geometry_is_an_error_naming_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blocks.geojson");
    let square = r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}"#;
    let feature = |id: &str, geometry: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"gemeinde_id":"G","ortsteil_id":"O","quartier_id":"Q","block_id":"{id}"}},"geometry":{geometry}}}"#
        )
    };
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        feature("B1", square),
        feature("B2", "null")
    );
    std::fs::write(&path, text).unwrap();
    let e = read_hierarchy(&path, &BlockLayerSpec::default_fields()).unwrap_err();
    let message = match &e {
        quartier::Error::Hierarchy(quartier::HierarchyError::Invalid { report }) => {
            report.to_string()
        }
        other => other.to_string(),
    };
    assert!(message.contains("B2 (feature 1)"), "{message}");
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn snapshot_of_the_composite_map_and_a_profile() {
    let f = fixture();
    let report = render(f, &f.analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let first = f.town.hierarchy.units(2)[0].id().to_string();
    insta::assert_snapshot!(
        "composite_map",
        report.file("maps/quartier-composite.svg").unwrap().contents
    );
    insta::assert_snapshot!(
        "profile",
        report
            .file(&format!("quartier-{first}.html"))
            .unwrap()
            .contents
    );
}

/// Every profile's indicator ranks, against a brute-force count over the quarters (ties share
/// a rank; 1 = worst by the criterion's direction, higher-is-worse without a criterion).
#[test]
fn profile_ranks_equal_a_brute_force_count() {
    let f = fixture();
    let report = render(f, &f.analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let table = &f.analysis.indicators;
    for (u, id) in table.units.iter().enumerate() {
        let page = report
            .file(&format!("{}-{id}.html", table.level))
            .unwrap_or_else(|| panic!("profile of {id} missing"));
        let expected: Vec<String> = table
            .columns
            .iter()
            .filter_map(|c| {
                let finite: Vec<f64> = c
                    .values
                    .iter()
                    .filter_map(|v| v.value.filter(|x| x.is_finite()))
                    .collect();
                let x = c.values[u].value.filter(|x| x.is_finite())?;
                let lower_is_worse = f.analysis.spec.criteria.iter().any(|k| {
                    k.indicator == c.spec.name && k.direction == quartier::Direction::LowerIsWorse
                });
                let worse = finite
                    .iter()
                    .filter(|&&y| if lower_is_worse { y < x } else { y > x })
                    .count();
                Some(format!("{} von {}", 1 + worse, finite.len()))
            })
            .collect();
        let found = rank_cells(&page.contents);
        // The figure rows come in indicator order; other cells may lie between them.
        let mut rest = found.iter();
        for e in &expected {
            assert!(
                rest.any(|c| c == e),
                "{id}: rank `{e}` not found in order in {found:?}"
            );
        }
    }
}

/// The `r von n` cells of a page, in order.
fn rank_cells(page: &str) -> Vec<String> {
    page.split("<td class=\"num\">")
        .skip(1)
        .filter_map(|s| s.split("</td>").next())
        .filter(|s| s.contains(" von "))
        .map(str::to_owned)
        .collect()
}

/// On a level with more units than `locator_max_units`, a profile's locator shows the unit
/// among its parent's units: smaller pages, the same unit highlighted.
#[test]
fn locator_of_a_large_level_shows_the_parent_s_units() {
    let f = fixture();
    let whole = render(f, &f.analysis, &ReportSpec::new("Musterstadt")).unwrap();
    let spec = ReportSpec {
        locator_max_units: 5,
        ..ReportSpec::new("Musterstadt")
    };
    let local = render(f, &f.analysis, &spec).unwrap();
    let h = &f.town.hierarchy;
    let level = h.level("quartier").unwrap();
    let parents = h.units(level - 1);
    for q in h.units(level) {
        let path = format!("quartier-{}.html", q.id());
        let (a, b) = (whole.file(&path).unwrap(), local.file(&path).unwrap());
        let parent = parents[q.parent().unwrap()].id();
        assert!(
            a.contents
                .contains(&format!("Lage von {} in Musterstadt", q.id())),
            "{path}"
        );
        assert!(
            b.contents
                .contains(&format!("Lage von {} in {parent}", q.id())),
            "{path}"
        );
        assert!(b.contents.contains("l-highlight"), "{path}");
        assert!(b.contents.len() < a.contents.len(), "{path}");
    }
}
