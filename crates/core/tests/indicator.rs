//! Indicators from protected tables, checked against the unprotected counts and against
//! areas computed independently from the blocks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use geo::{Area, MultiPolygon};
use quartier::{
    AnonymizeSpec, AreaBasis, AssignOptions, DemoTown, IndicatorError, IndicatorSpec, Measure,
    RecordKind, Records, Smoothing, Term, ValueStatus, anonymize, compute_indicators,
    count_records,
};

fn spec() -> AnonymizeSpec {
    AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
        },
        ..AnonymizeSpec::default()
    }
}

/// The raw (unprotected) count of a term at a unit of a level.
fn raw_term(counts: &quartier::Counts, level: usize, unit: usize, term: &Term) -> f64 {
    let d = counts
        .datasets
        .iter()
        .find(|d| d.kind == term.dataset)
        .unwrap();
    let table = d.tables.level(level).unwrap();
    let n: u64 = if term.categories.is_empty() {
        table.row_total(unit)
    } else {
        term.categories
            .iter()
            .map(|c| table.count(unit, table.categories().position(c).unwrap()))
            .sum()
    };
    n as f64
}

#[test]
fn published_values_equal_the_unprotected_ratios_and_missing_ones_have_a_suppressed_cell() {
    let town = quartier::musterstadt(11).unwrap();
    let h = &town.hierarchy;
    let out = anonymize(&town.records, h, &spec()).unwrap();
    let counts = count_records(h, &town.records, &spec().assign).unwrap();
    let specs = IndicatorSpec::seed_defaults();
    for level in ["ortsteil", "quartier", "baublock"] {
        let l = h.level(level).unwrap();
        let table = compute_indicators(out.tables(), h, level, &specs, None).unwrap();
        assert_eq!(table.units.len(), h.units(l).len());
        let (mut ok, mut missing) = (0, 0);
        for column in &table.columns {
            for (u, v) in column.values.iter().enumerate() {
                assert_eq!(v.value.is_some(), v.status == ValueStatus::Ok);
                assert_eq!(v.smoothed, v.value, "no smoothing asked");
                let (num, den, scale) = match &column.spec.measure {
                    Measure::Share {
                        numerator,
                        denominator,
                    } => (numerator, Some(denominator), 100.0),
                    Measure::Rate {
                        numerator,
                        denominator,
                        per,
                    } => (numerator, Some(denominator), *per),
                    Measure::Density { numerator, .. } => (numerator, None, 1.0),
                };
                let e = raw_term(&counts, l, u, num);
                let b = den.map_or(table.area_km2[u], |d| raw_term(&counts, l, u, d));
                match v.status {
                    ValueStatus::Ok => {
                        ok += 1;
                        let expected = e / b * scale;
                        let got = v.value.unwrap();
                        assert!(
                            (got - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                            "{level} {} unit {u}: {got} vs {expected}",
                            column.spec.name
                        );
                        assert_eq!(v.numerator, Some(e));
                    }
                    ValueStatus::ZeroDenominator => assert_eq!(b, 0.0),
                    ValueStatus::Suppressed => {
                        missing += 1;
                        // A suppressed value needs a suppressed cell among its terms.
                        let any_suppressed = [Some(num), den].into_iter().flatten().any(|t| {
                            let pt = out.tables().iter().find(|p| p.dataset() == t.dataset);
                            pt.unwrap().rows().any(|r| {
                                r.layer == level
                                    && r.unit_id == h.units(l)[u].id().as_str()
                                    && r.value.is_none()
                                    && (t.categories.is_empty()
                                        || t.categories.iter().any(|c| c == r.category)
                                        || r.category == "total")
                            })
                        });
                        assert!(any_suppressed, "{level} {} unit {u}", column.spec.name);
                    }
                    ValueStatus::ZeroArea => panic!("the demo has no empty unit"),
                }
            }
        }
        assert!(ok > 0, "{level}: no value at all");
        if level == "baublock" {
            assert!(missing > 0, "blocks should have suppressed inputs");
        }
    }
}

#[test]
fn areas_equal_the_sum_of_block_areas_and_settled_areas_count_overlaps_once() {
    let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL).unwrap();
    let h = &town.hierarchy;
    let out = anonymize(&town.records, h, &spec()).unwrap();
    let l = h.level("quartier").unwrap();
    let blocks = h.block_level();
    // Settled layer: every other block, plus one block twice (an overlap).
    let mut settled: Vec<MultiPolygon<f64>> = h
        .blocks()
        .iter()
        .step_by(2)
        .map(|b| b.geometry().clone())
        .collect();
    settled.push(settled[0].clone());
    let specs = vec![
        IndicatorSpec::new(
            "density_settled",
            "Residents per km² settled",
            Measure::Density {
                numerator: Term::total(RecordKind::Resident),
                area: AreaBasis::Settled,
            },
        ),
        IndicatorSpec::new(
            "density",
            "Residents per km²",
            Measure::Density {
                numerator: Term::total(RecordKind::Resident),
                area: AreaBasis::Unit,
            },
        ),
    ];
    let t = compute_indicators(out.tables(), h, "quartier", &specs, Some(&settled)).unwrap();
    let settled_km2 = t.settled_km2.as_ref().unwrap();
    let ancestors = h.ancestors(blocks, l).unwrap();
    for (q, &area) in t.area_km2.iter().enumerate() {
        let mut all = 0.0;
        let mut half = 0.0;
        for (b, block) in h.units(blocks).iter().enumerate() {
            if ancestors[b] == q {
                let a = block.geometry().unsigned_area() / 1e6;
                all += a;
                if b % 2 == 0 {
                    half += a;
                }
            }
        }
        assert!((area - all).abs() < 1e-9, "quarter {q}");
        assert!(
            (settled_km2[q] - half).abs() < 1e-6 * all,
            "quarter {q}: {} vs {half}",
            settled_km2[q]
        );
        let pop = t.population[q].map(|p| p as f64);
        if let (Some(p), Some(v)) = (pop, t.columns[1].values[q].value) {
            assert!((v - p / all).abs() < 1e-6 * v);
        }
    }
}

#[test]
fn zero_denominators_are_missing_with_their_reason() {
    let town = quartier::musterstadt_with(5, &quartier::DemoConfig::SMALL).unwrap();
    // No Kita record at all: every Kita total is a published zero.
    let records = Records::new(
        town.records.residents().to_vec(),
        Vec::new(),
        town.records.child_support().to_vec(),
    );
    let out = anonymize(&records, &town.hierarchy, &spec()).unwrap();
    let specs = IndicatorSpec::seed_defaults();
    let t = compute_indicators(out.tables(), &town.hierarchy, "quartier", &specs, None).unwrap();
    let kita = t.column("kita_low_income_share").unwrap();
    assert!(
        kita.values
            .iter()
            .all(|v| v.status == ValueStatus::ZeroDenominator && v.value.is_none())
    );
    assert_eq!(kita.overall, None);
}

#[test]
fn smoothed_values_lie_between_the_raw_value_and_the_overall_rate() {
    let town = quartier::musterstadt(2).unwrap();
    let out = anonymize(&town.records, &town.hierarchy, &spec()).unwrap();
    let specs: Vec<IndicatorSpec> = IndicatorSpec::seed_defaults()
        .into_iter()
        .filter(|s| !matches!(s.measure, Measure::Density { .. }))
        .map(|s| s.with_smoothing(Smoothing::EmpiricalBayes))
        .collect();
    let t = compute_indicators(out.tables(), &town.hierarchy, "baublock", &specs, None).unwrap();
    for c in &t.columns {
        let overall = c.overall.unwrap();
        let mut moved = 0;
        for v in &c.values {
            match (v.value, v.smoothed) {
                (Some(r), Some(s)) => {
                    assert!((s - r) * (s - overall) <= 1e-9, "{}: {r} {s}", c.spec.name);
                    moved += usize::from((s - r).abs() > 1e-12);
                }
                (None, None) => {}
                other => panic!("smoothing changed missingness: {other:?}"),
            }
        }
        assert!(moved > 0, "{}", c.spec.name);
        assert_eq!(c.smoothed().unwrap(), c.values());
    }
}

#[test]
fn bad_specs_are_clear_errors() {
    let town = quartier::musterstadt_with(1, &quartier::DemoConfig::SMALL).unwrap();
    let h = &town.hierarchy;
    let out = anonymize(&town.records, h, &spec()).unwrap();
    let tables = out.tables();
    let share = |num: Term, den: Term| {
        IndicatorSpec::new(
            "x",
            "x",
            Measure::Share {
                numerator: num,
                denominator: den,
            },
        )
    };
    let err = |specs: &[IndicatorSpec], level: &str| {
        compute_indicators(tables, h, level, specs, None).unwrap_err()
    };
    let ok = share(
        Term::categories(RecordKind::Resident, ["0-2"]),
        Term::total(RecordKind::Resident),
    );
    let e = err(std::slice::from_ref(&ok), "stadtteil");
    assert!(matches!(e, IndicatorError::UnknownLevel { .. }));
    assert!(e.to_string().contains("quartier"), "{e}");

    let e = err(
        &[share(
            Term::categories(RecordKind::Resident, ["0-3"]),
            Term::total(RecordKind::Resident),
        )],
        "quartier",
    );
    assert!(e.to_string().contains("`0-3`") && e.to_string().contains("0-2"));

    let e = err(
        &[share(
            Term::categories(RecordKind::Resident, ["0-2", "0-2"]),
            Term::total(RecordKind::Resident),
        )],
        "quartier",
    );
    assert!(matches!(e, IndicatorError::DuplicateCategory { .. }));

    let e = err(&[ok.clone(), ok.clone()], "quartier");
    assert!(matches!(e, IndicatorError::DuplicateName { .. }));

    let mut bad_name = ok.clone();
    bad_name.name = "a b".into();
    assert!(matches!(
        err(&[bad_name], "quartier"),
        IndicatorError::InvalidName { .. }
    ));

    for per in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let rate = IndicatorSpec::new(
            "r",
            "r",
            Measure::Rate {
                numerator: Term::total(RecordKind::ChildSupport),
                denominator: Term::total(RecordKind::Resident),
                per,
            },
        );
        assert!(matches!(
            err(&[rate], "quartier"),
            IndicatorError::InvalidMultiplier { .. }
        ));
    }

    let settled = IndicatorSpec::new(
        "d",
        "d",
        Measure::Density {
            numerator: Term::total(RecordKind::Resident),
            area: AreaBasis::Settled,
        },
    );
    assert!(matches!(
        err(std::slice::from_ref(&settled), "quartier"),
        IndicatorError::NoSettledLayer { .. }
    ));
    let mut smoothed_density = settled;
    smoothed_density.measure = Measure::Density {
        numerator: Term::total(RecordKind::Resident),
        area: AreaBasis::Unit,
    };
    smoothed_density.smoothing = Smoothing::EmpiricalBayes;
    assert!(matches!(
        err(&[smoothed_density], "quartier"),
        IndicatorError::SmoothingNotApplicable { .. }
    ));

    // Only the resident tables: the Kita indicator lacks its dataset.
    let e = compute_indicators(
        &tables[..1],
        h,
        "quartier",
        &IndicatorSpec::seed_defaults(),
        None,
    )
    .unwrap_err();
    assert!(matches!(
        e,
        IndicatorError::MissingDataset {
            dataset: "kita",
            ..
        }
    ));

    let twice = [tables[0].clone(), tables[0].clone()];
    assert!(matches!(
        compute_indicators(&twice, h, "quartier", std::slice::from_ref(&ok), None).unwrap_err(),
        IndicatorError::DuplicateDataset { .. }
    ));

    // Tables made with another hierarchy do not fit.
    let other = quartier::musterstadt_with(2, &quartier::DemoConfig::default()).unwrap();
    let e = compute_indicators(tables, &other.hierarchy, "baublock", &[ok], None).unwrap_err();
    assert!(
        matches!(
            e,
            IndicatorError::MissingCell { .. } | IndicatorError::UnknownUnit { .. }
        ),
        "{e}"
    );
}
