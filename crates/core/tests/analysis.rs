//! The analyze phase end to end on Musterstadt: the planted disadvantaged quarters come out
//! on top, outputs are deterministic and never carry NaN, and bad specs are clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use quartier::{
    AnalysisSpec, AnonymizeSpec, CriterionSpec, DemoTown, Error, IndicatorError, RecordKind,
    analyze, anonymize,
};

fn protected(town: &DemoTown) -> quartier::Anonymized {
    let spec = town.anonymize_spec();
    anonymize(&town.records, &town.hierarchy, &spec).unwrap()
}

fn quick() -> AnalysisSpec {
    let mut spec = AnalysisSpec::default();
    if let Some(u) = spec.uncertainty.as_mut() {
        u.draws = 200;
    }
    spec
}

#[test]
fn the_planted_disadvantaged_quarters_rank_on_top() {
    for seed in [2019, 7, 23] {
        let town = quartier::musterstadt(seed).unwrap();
        let out = protected(&town);
        let a = analyze(out.tables(), &town.hierarchy, &quick()).unwrap();
        let planted = town.disadvantaged_quarters();
        assert!(!planted.is_empty());
        // Each clearly disadvantaged quarter (deprivation ≥ 0.8) ranks among the first
        // planted + 2 of the ranked quarters; the best-off quarter (lowest deprivation) is
        // never selected.
        for &q in &planted {
            let r = a.ranking.units[q].rank.expect("ranked");
            assert!(
                r <= planted.len() + 2,
                "seed {seed}: planted quarter {q} has rank {r}"
            );
        }
        let best = (0..town.deprivation.len())
            .min_by(|&a, &b| town.deprivation[a].total_cmp(&town.deprivation[b]))
            .unwrap();
        assert!(!a.ranking.units[best].selected);
        // Selected quarters are exactly those with composite above 1 (SD).
        for u in &a.ranking.units {
            assert_eq!(u.selected, u.composite.is_some_and(|c| c > 1.0), "{}", u.id);
        }
        // Rank intervals contain the median, and selection probability is 1 or close for
        // the top quarter.
        let intervals = a.intervals.as_ref().unwrap();
        for i in intervals.iter().flatten() {
            assert!(i.p05 <= i.median && i.median <= i.p95);
            assert!((0.0..=1.0).contains(&i.p_selected));
        }
        // Classes cover exactly the ranked units.
        for (u, c) in a.classes.iter().enumerate() {
            assert_eq!(c.is_some(), a.ranking.units[u].composite.is_some());
        }
        // The disadvantaged quarters cluster: Moran's I of the composite is positive.
        assert!(a.moran.as_ref().unwrap().i > 0.0, "seed {seed}");
    }
}

#[test]
fn outputs_are_byte_identical_and_carry_no_nan() {
    let town = quartier::musterstadt(5).unwrap();
    let out = protected(&town);
    let dir = tempfile::tempdir().unwrap();
    let mut texts = Vec::new();
    for run in 0..2 {
        let a = analyze(out.tables(), &town.hierarchy, &quick()).unwrap();
        let csv = dir.path().join(format!("ranking{run}.csv"));
        let json = dir.path().join(format!("ranking{run}.json"));
        quartier::write_ranking_csv(&csv, &a).unwrap();
        quartier::write_ranking_json(&json, &a).unwrap();
        texts.push((
            std::fs::read_to_string(csv).unwrap(),
            std::fs::read_to_string(json).unwrap(),
        ));
    }
    assert_eq!(texts[0], texts[1]);
    let (csv, json) = &texts[0];
    assert!(!csv.to_lowercase().contains("nan") && !json.to_lowercase().contains("nan"));
    assert!(!csv.contains("inf") && !json.contains("inf"));
    // One row per quarter, and the CSV's ranks agree with the JSON's.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rank_col = headers.iter().position(|h| h == "rank").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), town.hierarchy.units(2).len());
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    for (row, unit) in rows.iter().zip(doc["units"].as_array().unwrap()) {
        let json_rank = unit["rank"]
            .as_u64()
            .map(|r| r.to_string())
            .unwrap_or_default();
        assert_eq!(&row[rank_col], json_rank);
        assert_eq!(&row[0], unit["unit_id"].as_str().unwrap());
    }
    // Every missing indicator value has a status beside it.
    for c in headers.iter().filter(|h| h.ends_with("_status")) {
        let status_col = headers.iter().position(|h| h == c).unwrap();
        for row in &rows {
            assert_eq!(row[status_col - 1].is_empty(), &row[status_col] != "ok");
        }
    }
}

#[test]
fn unknown_and_repeated_criteria_are_clear_errors() {
    let town = quartier::musterstadt(1).unwrap();
    let out = protected(&town);
    let mut spec = quick();
    spec.criteria
        .push(CriterionSpec::higher_is_worse("unemployment", 1.0));
    let e = analyze(out.tables(), &town.hierarchy, &spec).unwrap_err();
    assert!(
        matches!(e, Error::Indicator(IndicatorError::UnknownIndicator { ref name, .. }) if name == "unemployment"),
        "{e}"
    );
    assert!(e.to_string().contains("child_support_rate"), "{e}");

    let mut spec = quick();
    spec.criteria.push(spec.criteria[0].clone());
    let e = analyze(out.tables(), &town.hierarchy, &spec).unwrap_err();
    assert!(matches!(
        e,
        Error::Indicator(IndicatorError::DuplicateCriterion { .. })
    ));

    let mut spec = quick();
    spec.criteria[0].weight = -1.0;
    let e = analyze(out.tables(), &town.hierarchy, &spec).unwrap_err();
    assert!(matches!(e, Error::Rank(_)), "{e}");

    // Fewer ranked units than classes.
    let mut spec = quick();
    spec.classification = quartier::Classification::FisherJenks { k: 50 };
    let e = analyze(out.tables(), &town.hierarchy, &spec).unwrap_err();
    assert!(matches!(e, Error::Classify(_)), "{e}");
}

#[test]
fn publishing_sparse_datasets_by_quarter_keeps_their_quarter_cells() {
    let town = quartier::musterstadt(2019).unwrap();
    let out = protected(&town);
    let kita = out
        .tables()
        .iter()
        .find(|t| t.dataset() == RecordKind::Kita)
        .unwrap();
    let layers: Vec<&str> = kita.layers().map(|(n, _)| n).collect();
    assert_eq!(layers, ["gemeinde", "ortsteil", "quartier"]);
    let residents = &out.tables()[0];
    assert_eq!(residents.layers().count(), 5, "blocks and school districts");
    let spec = quick();
    let a = analyze(out.tables(), &town.hierarchy, &spec).unwrap();
    let cs = a.indicators.column("child_support_rate").unwrap();
    assert!(cs.values.iter().all(|v| v.value.is_some()));
    assert!(out.protocol().is_passed());

    let bad = AnonymizeSpec {
        finest_levels: vec![(RecordKind::Kita, "stadtteil".to_owned())],
        ..AnonymizeSpec::default()
    };
    let e = anonymize(&town.records, &town.hierarchy, &bad).unwrap_err();
    assert!(e.to_string().contains("stadtteil") && e.to_string().contains("quartier"));
}
