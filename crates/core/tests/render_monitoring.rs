//! Monitoring over time and the offices' sign-offs in the report (issue 9), through the
//! public API on Musterstadt: sparklines only in the ranked level's profiles with one
//! marker per value (hollow when estimated), rank over time, the "what changed" table and
//! the status × dynamics counts, draft marks on exactly the draft indicators' maps and
//! profile rows (and on the composite when it uses one), the sign-offs, English labels,
//! bad shapes as errors, and pages unchanged without the new inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use quartier::{
    Analysis, AnalysisSpec, Anonymized, ChangeView, DemoConfig, DemoTown, DynamicsView, Language,
    MonitoringView, ReleaseView, RenderError, Report, ReportInput, ReportSpec, SeriesView,
    SignoffView, analyze, anonymize, musterstadt_with, render_report,
};
use roxmltree::{Document, Node};

struct Fixture {
    town: DemoTown,
    protected: Anonymized,
    analysis: Analysis,
}

fn spec() -> AnalysisSpec {
    AnalysisSpec {
        uncertainty: None,
        spatial: None,
        ..AnalysisSpec::default()
    }
}

/// Musterstadt (20 quarters), protected and analyzed once for all tests.
fn fixture() -> &'static Fixture {
    static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let town = musterstadt_with(3, &DemoConfig::default()).unwrap();
        let protected = anonymize(&town.records, &town.hierarchy, &town.anonymize_spec()).unwrap();
        let analysis = analyze(protected.tables(), &town.hierarchy, &spec()).unwrap();
        Fixture {
            town,
            protected,
            analysis,
        }
    })
}

fn render(
    f: &Fixture,
    analysis: &Analysis,
    spec: &ReportSpec,
    monitoring: Option<&MonitoringView>,
    release: Option<&ReleaseView>,
) -> Result<Report, RenderError> {
    let catalogue = f.town.catalogue();
    let input = ReportInput {
        hierarchy: &f.town.hierarchy,
        tables: f.protected.tables(),
        analysis,
        catalogue: &catalogue,
        protocol: Some(f.protected.protocol()),
        monitoring,
        release,
    };
    render_report(&input, spec)
}

fn german() -> ReportSpec {
    ReportSpec::new("Musterstadt")
}

fn ids(f: &Fixture) -> Vec<String> {
    f.analysis
        .indicators
        .units
        .iter()
        .map(|u| u.as_str().to_owned())
        .collect()
}

const DATES: [&str; 3] = ["2021-12-31", "2022-12-31", "2023-12-31"];
const A: &str = "under25_share";
const B: &str = "kita_low_income_share";

/// Two series over three dates for `n` quarters:
/// - A: `[20+u, 22+u (missing when u % 4 == 1), 24+u]`, estimated at the first date for
///   even `u`, and "estimated" at the missing second date for `u % 4 == 1` (no marker);
/// - B: `[28 (missing when u % 5 == 0), 30, 31 (NaN for u == 2)]`, estimated at the last
///   two dates for `u == 3`.
fn monitoring(n: usize) -> MonitoringView {
    let a = SeriesView {
        indicator: A.to_owned(),
        values: (0..n)
            .map(|u| {
                let x = u as f64;
                vec![
                    Some(20.0 + x),
                    (u % 4 != 1).then_some(22.0 + x),
                    Some(24.0 + x),
                ]
            })
            .collect(),
        estimated: (0..n)
            .map(|u| vec![u % 2 == 0, u % 4 == 1, false])
            .collect(),
        change: (0..n).map(|_| Some(4.0)).collect(),
        unit_label: "Prozentpunkte".to_owned(),
    };
    let b = SeriesView {
        indicator: B.to_owned(),
        values: (0..n)
            .map(|u| {
                vec![
                    (u % 5 != 0).then_some(28.0),
                    Some(30.0),
                    Some(if u == 2 { f64::NAN } else { 31.0 }),
                ]
            })
            .collect(),
        estimated: (0..n).map(|u| vec![false, u == 3, u == 3]).collect(),
        change: (0..n).map(|u| (u % 5 != 0).then_some(3.0)).collect(),
        unit_label: "Prozentpunkte".to_owned(),
    };
    MonitoringView {
        dates: DATES.map(str::to_owned).to_vec(),
        series: vec![a, b],
        ranks: (0..n)
            .map(|u| vec![Some(u + 1), Some(n - u), Some((u + 5) % n + 1)])
            .collect(),
        dynamics: (0..n)
            .map(|u| match u % 3 {
                0 => Some(DynamicsView {
                    index: 1.5,
                    class: "negativ".to_owned(),
                    combined: "1-".to_owned(),
                }),
                1 => Some(DynamicsView {
                    index: -0.2,
                    class: "stabil".to_owned(),
                    combined: "3±".to_owned(),
                }),
                _ => None,
            })
            .collect(),
        changes: vec![
            ChangeView {
                unit: 4,
                reason: "neu ausgewählt".to_owned(),
                rank_before: Some(5),
                rank_now: Some(1),
                dynamics: Some("negativ".to_owned()),
                indicator: Some(A.to_owned()),
                change: Some(4.0),
            },
            ChangeView {
                unit: 0,
                reason: "<b>Rang & Klasse</b>".to_owned(),
                rank_before: None,
                rank_now: Some(3),
                dynamics: None,
                indicator: None,
                change: None,
            },
            ChangeView {
                unit: 11,
                reason: "stark verbessert".to_owned(),
                rank_before: Some(2),
                rank_now: Some(9),
                dynamics: Some("positiv".to_owned()),
                indicator: Some(B.to_owned()),
                change: Some(-3.0),
            },
        ],
        estimated_note: false,
    }
}

const SHA_RESIDENT: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const SHA_KITA: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

fn release(drafts: &[&str]) -> ReleaseView {
    ReleaseView {
        drafts: drafts.iter().map(|d| (*d).to_owned()).collect(),
        signoffs: vec![
            SignoffView {
                dataset: "resident".to_owned(),
                reference_date: "2023-12-31".to_owned(),
                office: "Bürgeramt".to_owned(),
                signed_on: "2024-02-01".to_owned(),
                comment: None,
                sha256: SHA_RESIDENT.to_owned(),
                current: true,
            },
            SignoffView {
                dataset: "kita".to_owned(),
                reference_date: "2023-03-01".to_owned(),
                office: "Jugendamt".to_owned(),
                signed_on: "2023-05-02".to_owned(),
                comment: Some("Stichtag <verschoben>".to_owned()),
                sha256: SHA_KITA.to_owned(),
                current: false,
            },
        ],
    }
}

// --- XML helpers ---------------------------------------------------------------------

fn doc(text: &str) -> Document<'_> {
    let body = text.strip_prefix("<!DOCTYPE html>").unwrap_or(text);
    Document::parse(body).unwrap_or_else(|e| panic!("not well-formed: {e}"))
}

fn all_well_formed(report: &Report) {
    for file in &report.files {
        let body = file
            .contents
            .strip_prefix("<!DOCTYPE html>")
            .unwrap_or(&file.contents);
        if let Err(e) = Document::parse(body) {
            panic!("{} is not well-formed: {e}", file.path);
        }
        for bad in ["NaN", "inf<", ">inf", "<script", "<b>"] {
            assert!(
                !file.contents.contains(bad),
                "{}: contains {bad}",
                file.path
            );
        }
    }
}

fn text_of(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

fn with_class<'a, 'i>(
    node: Node<'a, 'i>,
    tag: &'a str,
    class: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.descendants()
        .filter(move |n| n.has_tag_name(tag) && n.attribute("class") == Some(class))
}

fn tagged<'a, 'i>(node: Node<'a, 'i>, tag: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.descendants().filter(move |n| n.has_tag_name(tag))
}

/// Body rows of the table with `class`.
fn rows<'a, 'i>(d: &'a Document<'i>, class: &'a str) -> Vec<Node<'a, 'i>> {
    let table = with_class(d.root_element(), "table", class)
        .next()
        .unwrap_or_else(|| panic!("no table {class}"));
    tagged(table, "tbody")
        .flat_map(|b| b.children().filter(Node::is_element))
        .collect()
}

fn cells(row: Node<'_, '_>) -> Vec<String> {
    row.children()
        .filter(Node::is_element)
        .map(text_of)
        .collect()
}

/// The diagonal watermark texts of an SVG or page.
fn watermarks(d: &Document<'_>) -> Vec<String> {
    d.descendants()
        .filter(|n| {
            n.has_tag_name("text")
                && n.attribute("transform")
                    .is_some_and(|t| t.starts_with("rotate("))
        })
        .map(text_of)
        .collect()
}

/// Parses a number printed by the report in German (`1.234,5`, `+4,0`).
fn german_number(text: &str) -> f64 {
    text.trim()
        .trim_start_matches('+')
        .replace('.', "")
        .replace(',', ".")
        .parse()
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

// --- tests -----------------------------------------------------------------------------

#[test]
fn sparklines_appear_in_every_ranked_profile_with_one_marker_per_value() {
    let f = fixture();
    let ids = ids(f);
    let n = ids.len();
    assert_eq!(n, 20);
    let m = monitoring(n);
    let report = render(f, &f.analysis, &german(), Some(&m), None).unwrap();
    all_well_formed(&report);

    // Hand counts (circles, hollow) of the first four quarters, from the fixture's rules.
    let by_hand = [(5, 1), (5, 0), (5, 1), (6, 2)];
    for (u, id) in ids.iter().enumerate() {
        let page = &report
            .file(&format!("quartier-{id}.html"))
            .unwrap()
            .contents;
        let d = doc(page);
        let spark_cells: Vec<_> = with_class(d.root_element(), "td", "spark").collect();
        assert_eq!(spark_cells.len(), 2, "{id}: one sparkline per series");
        let mut circles = 0;
        let mut hollow = 0;
        for cell in &spark_cells {
            assert_eq!(tagged(*cell, "svg").count(), 1);
            for c in tagged(*cell, "circle") {
                circles += 1;
                hollow += usize::from(c.attribute("fill") == Some("#fff"));
            }
        }
        // Oracle: a marker per finite value, hollow when estimated.
        let (mut want, mut want_hollow) = (0, 0);
        for s in &m.series {
            for (v, e) in s.values[u].iter().zip(&s.estimated[u]) {
                if v.is_some_and(f64::is_finite) {
                    want += 1;
                    want_hollow += usize::from(*e);
                }
            }
        }
        assert_eq!((circles, hollow), (want, want_hollow), "{id}");
        if let Some(&expected) = by_hand.get(u) {
            assert_eq!((circles, hollow), expected, "{id}");
        }
        // The note on estimated values only where this quarter has one.
        let note = page.contains("○ geschätzt über den Blockschlüssel (Crosswalk)");
        assert_eq!(note, want_hollow > 0, "{id}");
    }

    // Quarter 0, series A: a line through three points, first and last value labelled.
    let d = doc(&report
        .file(&format!("quartier-{}.html", ids[0]))
        .unwrap()
        .contents);
    let rows0 = rows(&d, "trend");
    assert_eq!(rows0.len(), 2);
    let spark = tagged(rows0[0], "svg").next().unwrap();
    assert_eq!(tagged(spark, "path").count(), 1);
    let labels: Vec<f64> = tagged(spark, "text")
        .map(|t| german_number(&text_of(t)))
        .collect();
    assert_eq!(labels, [20.0, 24.0]);
    assert_eq!(
        german_number(&cells(rows0[0])[2].replace(" Prozentpunkte", "")),
        4.0
    );
    // Quarter 1, series A: the missing middle value leaves a gap — no line at all.
    let d1 = doc(&report
        .file(&format!("quartier-{}.html", ids[1]))
        .unwrap()
        .contents);
    let spark = tagged(rows(&d1, "trend")[0], "svg").next().unwrap();
    assert_eq!(tagged(spark, "path").count(), 0);
    assert_eq!(tagged(spark, "circle").count(), 2);

    // No sparkline anywhere but in the profiles.
    for file in &report.files {
        if !file.path.starts_with("quartier-") {
            assert!(!file.contents.contains("class=\"spark\""), "{}", file.path);
        }
    }
}

#[test]
fn profile_shows_rank_over_time_and_dynamics() {
    let f = fixture();
    let ids = ids(f);
    let m = monitoring(ids.len());
    let report = render(f, &f.analysis, &german(), Some(&m), None).unwrap();
    let page = &report
        .file(&format!("quartier-{}.html", ids[0]))
        .unwrap()
        .contents;
    let d = doc(page);
    let dl = with_class(d.root_element(), "dl", "trend").next().unwrap();
    let facts: Vec<String> = dl
        .children()
        .filter(Node::is_element)
        .map(text_of)
        .collect();
    assert_eq!(
        facts,
        [
            "Rang im Zeitverlauf",
            "31.12.2021: 1 → 31.12.2022: 20 → 31.12.2023: 6",
            "Dynamik",
            "negativ (Index +1,50)",
            "Status × Dynamik",
            "1-",
        ]
    );
    // Quarter 2 has no dynamics: only the ranks.
    let page = &report
        .file(&format!("quartier-{}.html", ids[2]))
        .unwrap()
        .contents;
    let d = doc(page);
    let dl = with_class(d.root_element(), "dl", "trend").next().unwrap();
    let facts: Vec<String> = dl
        .children()
        .filter(Node::is_element)
        .map(text_of)
        .collect();
    assert_eq!(
        facts,
        [
            "Rang im Zeitverlauf",
            "31.12.2021: 3 → 31.12.2022: 18 → 31.12.2023: 8"
        ]
    );
}

#[test]
fn index_lists_what_changed_with_links_and_counts_per_class() {
    let f = fixture();
    let ids = ids(f);
    let m = monitoring(ids.len());
    let report = render(f, &f.analysis, &german(), Some(&m), None).unwrap();
    let index = &report.files[0].contents;
    let d = doc(index);
    let h2: Vec<String> = tagged(d.root_element(), "h2").map(text_of).collect();
    assert!(h2.contains(&"Was hat sich verändert?".to_owned()), "{h2:?}");

    let rows = rows(&d, "changes");
    assert_eq!(rows.len(), 3);
    let hrefs: Vec<&str> = rows
        .iter()
        .map(|r| tagged(*r, "a").next().unwrap().attribute("href").unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [
            format!("quartier-{}.html", ids[4]),
            format!("quartier-{}.html", ids[0]),
            format!("quartier-{}.html", ids[11]),
        ]
    );
    let table: Vec<Vec<String>> = rows.iter().map(|r| cells(*r)).collect();
    assert!(table[0][0].starts_with(&ids[4]));
    assert_eq!(table[0][1], "neu ausgewählt");
    assert_eq!(table[1][1], "<b>Rang & Klasse</b>"); // escaped, read back as text
    assert_eq!(
        table.iter().map(|r| r[2].as_str()).collect::<Vec<_>>(),
        ["5 → 1", "– → 3", "2 → 9"]
    );
    assert_eq!(table[1][3..], ["–", "–", "–"]);
    assert_eq!(
        german_number(&table[0][5].replace(" Prozentpunkte", "")),
        4.0
    );
    assert_eq!(
        german_number(&table[2][5].replace(" Prozentpunkte", "")),
        -3.0
    );
    // Every profile linked from the table exists.
    for href in hrefs {
        assert!(report.file(href).is_some(), "{href}");
    }

    // 20 quarters: u % 3 == 0 → 7 × "1-", u % 3 == 1 → 7 × "3±", the other 6 without.
    let summary: Vec<Vec<String>> = self::rows(&d, "dynamics")
        .iter()
        .map(|r| cells(*r))
        .collect();
    assert_eq!(
        summary,
        [
            ["1-", "negativ", "7"],
            ["3±", "stabil", "7"],
            ["ohne Angabe", "–", "6"]
        ]
    );
    // Estimated values exist: the note is on the index.
    assert!(index.contains("geschätzt über den Blockschlüssel (Crosswalk)"));
}

#[test]
fn estimated_note_follows_the_data_or_the_flag() {
    let f = fixture();
    let n = ids(f).len();
    let mut m = monitoring(n);
    for s in &mut m.series {
        for e in s.estimated.iter_mut().flatten() {
            *e = false;
        }
    }
    let report = render(f, &f.analysis, &german(), Some(&m), None).unwrap();
    for file in &report.files {
        assert!(!file.contents.contains("Crosswalk"), "{}", file.path);
        if file.path.ends_with(".html") {
            let d = doc(&file.contents);
            let hollow = with_class(d.root_element(), "td", "spark")
                .flat_map(|td| tagged(td, "circle"))
                .filter(|c| c.attribute("fill") == Some("#fff"))
                .count();
            assert_eq!(hollow, 0, "{}", file.path);
        }
    }
    m.estimated_note = true;
    let report = render(f, &f.analysis, &german(), Some(&m), None).unwrap();
    assert!(
        report.files[0]
            .contents
            .contains("geschätzt über den Blockschlüssel (Crosswalk)")
    );
}

/// Names of the SVG files with a watermark, and their watermark texts.
fn watermarked(report: &Report) -> BTreeSet<String> {
    report
        .files
        .iter()
        .filter(|f| f.path.ends_with(".svg"))
        .filter(|f| {
            let marks = watermarks(&doc(&f.contents));
            assert!(marks.len() <= 1, "{}", f.path);
            !marks.is_empty()
        })
        .map(|f| f.path.clone())
        .collect()
}

fn draft_badges(page: &str) -> Vec<String> {
    let d = doc(page);
    with_class(d.root_element(), "span", "draft")
        .map(text_of)
        .collect()
}

#[test]
fn a_draft_indicator_of_the_composite_marks_its_maps_rows_and_the_composite() {
    let f = fixture();
    let ids = ids(f);
    let m = monitoring(ids.len());
    let r = release(&[B]);
    let report = render(f, &f.analysis, &german(), Some(&m), Some(&r)).unwrap();
    all_well_formed(&report);

    // Maps: B's (Kita data stop at the quarters, so one map) and the composite.
    let expected: BTreeSet<String> = [
        format!("maps/quartier-{B}.svg"),
        "maps/quartier-composite.svg".to_owned(),
    ]
    .into();
    assert_eq!(watermarked(&report), expected);
    for file in report.files.iter().filter(|f| f.path.ends_with(".svg")) {
        let marks = watermarks(&doc(&file.contents));
        assert!(marks.iter().all(|m| m == "Entwurf"), "{}", file.path);
        assert_eq!(
            file.contents.contains("Entwurf"),
            expected.contains(&file.path)
        );
    }

    // Profiles: B's key-figure row, B's development row, the note on the composite.
    let label_b = f
        .analysis
        .indicators
        .column(B)
        .map(|c| c.spec.label.clone())
        .unwrap();
    for id in &ids {
        let page = &report
            .file(&format!("quartier-{id}.html"))
            .unwrap()
            .contents;
        assert_eq!(draft_badges(page), ["Entwurf"; 3], "{id}");
        assert_eq!(page.matches("Entwurf").count(), 3, "{id}");
        let d = doc(page);
        for class in ["figures", "trend"] {
            let marked: Vec<usize> = rows(&d, class)
                .iter()
                .enumerate()
                .filter(|(_, r)| with_class(**r, "span", "draft").count() == 1)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(marked.len(), 1, "{id} {class}");
            let row = rows(&d, class)[marked[0]];
            let head = text_of(row.children().find(Node::is_element).unwrap());
            // German label override of B, or the spec's label.
            let german_b = "Kita-Kinder in den Beitragsstufen 1–2";
            assert!(
                head.contains(german_b) || head.contains(&label_b),
                "{id} {class}: {head}"
            );
        }
        assert_eq!(with_class(d.root_element(), "p", "draft-note").count(), 1);
    }

    // Index: composite watermark; badges on the composite and B map links, the ranking
    // heading, the what-changed row of B, the sign-off section's list of drafts.
    let index = &report.files[0].contents;
    let d = doc(index);
    assert_eq!(watermarks(&d), ["Entwurf"]);
    assert_eq!(draft_badges(index), ["Entwurf"; 5]);
    assert_eq!(index.matches("Entwurf").count(), 6);
    let links: Vec<String> = with_class(d.root_element(), "ul", "links")
        .flat_map(|ul| tagged(ul, "li"))
        .filter(|li| with_class(*li, "span", "draft").count() == 1)
        .map(|li| {
            tagged(li, "a")
                .next()
                .unwrap()
                .attribute("href")
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        links,
        [
            "maps/quartier-composite.svg".to_owned(),
            format!("maps/quartier-{B}.svg")
        ]
    );
    let ranking = tagged(d.root_element(), "section")
        .find(|s| s.attribute("id") == Some("ranking"))
        .unwrap();
    assert_eq!(with_class(ranking, "span", "draft").count(), 1);
    let changes = rows(&d, "changes");
    let marked: Vec<usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, r)| with_class(**r, "span", "draft").count() == 1)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(marked, [2]);
}

#[test]
fn a_draft_outside_the_composite_marks_only_its_own_maps_and_rows() {
    let f = fixture();
    let mut spec = spec();
    spec.criteria.retain(|c| c.indicator != "under25_density");
    let analysis = analyze(f.protected.tables(), &f.town.hierarchy, &spec).unwrap();
    let r = release(&["under25_density"]);
    let report = render(f, &analysis, &german(), None, Some(&r)).unwrap();
    all_well_formed(&report);
    // Residents are published down to the blocks: a quarter map and a block map.
    let expected: BTreeSet<String> = [
        "maps/baublock-under25_density.svg".to_owned(),
        "maps/quartier-under25_density.svg".to_owned(),
    ]
    .into();
    assert_eq!(watermarked(&report), expected);
    for file in &report.files {
        if file.path.starts_with("quartier-") {
            assert_eq!(draft_badges(&file.contents), ["Entwurf"], "{}", file.path);
            assert!(
                !file.contents.contains("class=\"draft-note\""),
                "{}",
                file.path
            );
        }
    }
    let index = &report.files[0].contents;
    let d = doc(index);
    assert!(watermarks(&d).is_empty());
    // Two map links and the sign-off section's list of drafts; not the ranking.
    assert_eq!(draft_badges(index), ["Entwurf"; 3]);
    let ranking = tagged(d.root_element(), "section")
        .find(|s| s.attribute("id") == Some("ranking"))
        .unwrap();
    assert_eq!(with_class(ranking, "span", "draft").count(), 0);
}

#[test]
fn without_drafts_nothing_is_marked_and_signoffs_are_listed() {
    let f = fixture();
    let m = monitoring(ids(f).len());
    let r = release(&[]);
    let report = render(f, &f.analysis, &german(), Some(&m), Some(&r)).unwrap();
    all_well_formed(&report);
    for file in &report.files {
        assert!(!file.contents.contains("Entwurf"), "{}", file.path);
        assert!(!file.contents.contains("class=\"draft"), "{}", file.path);
    }
    let index = &report.files[0].contents;
    let d = doc(index);
    let signoffs: Vec<Vec<String>> = rows(&d, "signoffs").iter().map(|r| cells(*r)).collect();
    let resident_title = f
        .town
        .catalogue()
        .into_iter()
        .find(|e| e.dataset == "resident")
        .unwrap()
        .title;
    let kita_title = f
        .town
        .catalogue()
        .into_iter()
        .find(|e| e.dataset == "kita")
        .unwrap()
        .title;
    assert_eq!(
        signoffs,
        [
            vec![
                resident_title,
                "31.12.2023".to_owned(),
                "Bürgeramt".to_owned(),
                "01.02.2024".to_owned(),
                "–".to_owned(),
                "9f86d081884c".to_owned(),
                "aktuell".to_owned(),
            ],
            vec![
                kita_title,
                "01.03.2023".to_owned(),
                "Jugendamt".to_owned(),
                "02.05.2023".to_owned(),
                "Stichtag <verschoben>".to_owned(),
                "2c26b46b68ff".to_owned(),
                "veraltet – Tabelle geändert".to_owned(),
            ],
        ]
    );
    assert!(!index.contains(SHA_RESIDENT));
    let stale: Vec<String> = with_class(d.root_element(), "td", "stale")
        .map(text_of)
        .collect();
    assert_eq!(stale, ["veraltet – Tabelle geändert"]);
}

#[test]
fn english_reports_have_english_labels() {
    let f = fixture();
    let ids = ids(f);
    let m = monitoring(ids.len());
    let r = release(&[B]);
    let spec = ReportSpec {
        language: Language::English,
        ..german()
    };
    let report = render(f, &f.analysis, &spec, Some(&m), Some(&r)).unwrap();
    all_well_formed(&report);
    let index = &report.files[0].contents;
    for expected in [
        "What changed?",
        "Status and dynamics",
        "Sign-offs by the offices",
        "outdated – table changed",
        "estimated through the block key (crosswalk)",
        "Rank before → now",
    ] {
        assert!(index.contains(expected), "{expected}");
    }
    assert_eq!(draft_badges(index), ["Draft"; 5]);
    let profile = &report
        .file(&format!("quartier-{}.html", ids[0]))
        .unwrap()
        .contents;
    assert!(profile.contains("2021-12-31: 1 → 2022-12-31: 20 → 2023-12-31: 6"));
    assert!(profile.contains("Rank over time"));
    for file in &report.files {
        for german in [
            "Entwurf",
            "Was hat sich",
            "geschätzt",
            "veraltet",
            "Rang im Zeitverlauf",
            "Freigaben",
        ] {
            assert!(!file.contents.contains(german), "{}: {german}", file.path);
        }
    }
    assert_eq!(
        watermarks(&doc(&report
            .file("maps/quartier-composite.svg")
            .unwrap()
            .contents)),
        ["Draft"]
    );
}

#[test]
fn without_monitoring_and_release_the_report_has_none_of_it() {
    let f = fixture();
    let report = render(f, &f.analysis, &german(), None, None).unwrap();
    for file in &report.files {
        for absent in [
            "class=\"draft",
            "class=\"spark\"",
            ".draft{",
            "id=\"trend\"",
            "id=\"changes\"",
            "id=\"release\"",
            "Entwurf",
        ] {
            assert!(!file.contents.contains(absent), "{}: {absent}", file.path);
        }
    }
    // Release input without drafts changes only the index (sign-offs) and the style.
    let r = release(&[]);
    let with = render(f, &f.analysis, &german(), None, Some(&r)).unwrap();
    assert_eq!(with.files.len(), report.files.len());
    for (a, b) in report.files.iter().zip(&with.files) {
        assert_eq!(a.path, b.path);
        if a.path.ends_with(".svg") {
            assert_eq!(a.contents, b.contents, "{}", a.path);
        }
    }
}

#[test]
fn a_monitoring_input_of_the_wrong_shape_is_an_error_naming_the_field() {
    let f = fixture();
    let ids = ids(f);
    let n = ids.len();

    let mut m = monitoring(n);
    m.ranks.pop();
    let e = render(f, &f.analysis, &german(), Some(&m), None).unwrap_err();
    assert!(
        matches!(
            &e,
            RenderError::MonitoringShape { field, expected: 20, found: 19 } if field == "ranks"
        ),
        "{e}"
    );

    let mut m = monitoring(n);
    m.series[0].values[3].pop();
    let e = render(f, &f.analysis, &german(), Some(&m), None).unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains(&format!("series[{A}].values[{}]", ids[3])),
        "{message}"
    );
    assert!(message.contains("has 2 entries, expected 3"), "{message}");

    let mut m = monitoring(n);
    m.changes[1].unit = n;
    let e = render(f, &f.analysis, &german(), Some(&m), None).unwrap_err();
    assert!(
        matches!(
            e,
            RenderError::MonitoringUnit {
                entry: 1,
                unit: 20,
                units: 20,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn monitoring_report_is_deterministic() {
    let f = fixture();
    let m = monitoring(ids(f).len());
    let r = release(&[B]);
    assert_eq!(
        render(f, &f.analysis, &german(), Some(&m), Some(&r)).unwrap(),
        render(f, &f.analysis, &german(), Some(&m), Some(&r)).unwrap()
    );
}
