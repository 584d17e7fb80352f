//! The `rank` module through the public API: properties (ranks, monotonicity, z-scores,
//! re-weighting, Monte-Carlo determinism) against independent oracles written here from the
//! formulas, and the error cases of bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use quartier::{
    Aggregation, Criterion, Direction, Exclusion, MissingPolicy, Normalization, RankError,
    RankInput, RankSpec, Selection, UncertaintySpec, Weighting, rank, rank_uncertainty,
};

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("Q{i:03}")).collect()
}

fn unweighted() -> Normalization {
    Normalization::ZScore {
        weighting: Weighting::Unweighted,
    }
}

/// Oracle: population z-scores (ddof = 0), written out independently of the library.
fn z(xs: &[f64]) -> Vec<f64> {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    xs.iter().map(|x| (x - mean) / sd).collect()
}

/// An input of n units × columns; every unit has 1000 residents.
fn input_of(columns: &[Vec<f64>]) -> RankInput {
    let n = columns[0].len();
    let mut input = RankInput::new(ids(n), vec![Some(1000.0); n]);
    for (c, col) in columns.iter().enumerate() {
        input = input.with_criterion(Criterion::new(
            format!("c{c}"),
            col.iter().copied().map(Some).collect(),
            Direction::HigherIsWorse,
        ));
    }
    input
}

/// Columns with values on a coarse grid (so that ties occur), never constant.
fn columns(max_units: usize, max_criteria: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
    (3..max_units, 1..max_criteria).prop_flat_map(|(n, c)| {
        prop::collection::vec(
            prop::collection::vec(0u8..6, n)
                .prop_filter("not constant", |v| v.iter().any(|&x| x != v[0])),
            c,
        )
        .prop_map(|cols| {
            cols.into_iter()
                .map(|col| col.into_iter().map(f64::from).collect())
                .collect()
        })
    })
}

fn normalizations() -> impl Strategy<Value = Normalization> {
    prop_oneof![
        Just(unweighted()),
        Just(Normalization::ZScore {
            weighting: Weighting::Population
        }),
        Just(Normalization::MinMax),
        Just(Normalization::Rank),
        Just(Normalization::Percentile),
        Just(Normalization::ExponentialRank {
            max: 100.0,
            constant: 23.0
        }),
    ]
}

fn spec_with(normalization: Normalization, aggregation: Aggregation) -> RankSpec {
    RankSpec {
        normalization,
        aggregation,
        selection: Selection::TopN(2),
        ..RankSpec::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_251_202),
        ..ProptestConfig::default()
    })]

    /// Competition ranks: rank = 1 + number of units with a strictly larger composite
    /// (so ranks are a permutation of 1..n up to ties, and equal composites share a rank).
    #[test]
    fn ranks_are_competition_ranks(cols in columns(30, 5), norm in normalizations(), geometric: bool) {
        let aggregation = if geometric { Aggregation::Geometric } else { Aggregation::Arithmetic };
        let r = rank(&input_of(&cols), &spec_with(norm, aggregation));
        // a constant composite (all units tied) is the only error possible here
        let Ok(r) = r else {
            prop_assert_eq!(r.unwrap_err(), RankError::ConstantComposite);
            return Ok(());
        };
        let comp: Vec<f64> = r.units.iter().map(|u| u.composite.unwrap()).collect();
        for (u, unit) in r.units.iter().enumerate() {
            let larger = comp.iter().filter(|&&c| c > comp[u]).count();
            prop_assert_eq!(unit.rank, Some(larger + 1));
            prop_assert!(comp[u].is_finite());
            prop_assert_eq!(unit.selected, larger < 2);
        }
        let mut ranks: Vec<usize> = r.units.iter().map(|u| u.rank.unwrap()).collect();
        ranks.sort_unstable();
        prop_assert_eq!(ranks[0], 1);
        for (pos, w) in ranks.windows(2).enumerate() {
            prop_assert!(w[1] == w[0] || w[1] == pos + 2);
        }
    }

    /// Raising a HigherIsWorse value never makes the unit less disadvantaged (rank number
    /// never grows), for the order-based normalizations and min–max.
    #[test]
    fn raising_a_bad_value_never_improves_the_rank(
        cols in columns(25, 4),
        norm in prop_oneof![Just(Normalization::MinMax), Just(Normalization::Rank), Just(Normalization::Percentile),
            Just(Normalization::ExponentialRank { max: 100.0, constant: 23.0 })],
        unit in 0usize..100, criterion in 0usize..100, delta in 0.5f64..5.0,
    ) {
        let spec = RankSpec { restandardize: false, ..spec_with(norm, Aggregation::Arithmetic) };
        let u = unit % cols[0].len();
        let c = criterion % cols.len();
        let before = rank(&input_of(&cols), &spec).unwrap();
        let mut raised = cols.clone();
        raised[c][u] += delta;
        let after = rank(&input_of(&raised), &spec).unwrap();
        prop_assert!(after.units[u].rank.unwrap() <= before.units[u].rank.unwrap());
    }

    /// Z-scores have mean 0 and SD 1 (ddof = 0) over the ranked units; the excluded and
    /// missing ones take no part; the composite is re-standardized likewise.
    #[test]
    fn zscores_are_standardized_over_ranked_units(cols in columns(30, 4), small in 0usize..100) {
        let n = cols[0].len();
        let mut input = input_of(&cols);
        let excluded = small % n;
        input.population[excluded] = Some(10.0);
        let ranked: Vec<usize> = (0..n).filter(|&u| u != excluded).collect();
        let r = match rank(&input, &RankSpec::default()) {
            Ok(r) => r,
            // a column constant over the ranked units
            Err(e) => {
                let constant = matches!(e, RankError::ConstantCriterion { .. });
                prop_assert!(constant);
                return Ok(());
            }
        };
        let unit = &r.units[excluded];
        let below = matches!(unit.exclusion, Some(Exclusion::BelowMinimumPopulation { .. }));
        prop_assert!(below);
        prop_assert!(unit.normalized.iter().all(Option::is_none) && unit.composite.is_none());
        for (c, col) in cols.iter().enumerate() {
            let xs: Vec<f64> = ranked.iter().map(|&u| col[u]).collect();
            for (&u, expected) in ranked.iter().zip(z(&xs)) {
                prop_assert!((r.units[u].normalized[c].unwrap() - expected).abs() < 1e-9);
            }
        }
        let comps: Vec<f64> = ranked.iter().map(|&u| r.units[u].composite.unwrap()).collect();
        let m = comps.iter().sum::<f64>() / comps.len() as f64;
        let sd = (comps.iter().map(|x| (x - m).powi(2)).sum::<f64>() / comps.len() as f64).sqrt();
        prop_assert!(m.abs() < 1e-9 && (sd - 1.0).abs() < 1e-9);
    }

    /// Re-weighting: a unit missing some criteria gets the weighted mean of the others with
    /// renormalized weights; the normalization uses only the units that have the value.
    #[test]
    fn reweighting_uses_the_present_criteria(
        cols in columns(20, 4),
        holes in prop::collection::vec((0usize..100, 0usize..100), 1..4),
        weights in prop::collection::vec(0.1f64..3.0, 4),
    ) {
        let n = cols[0].len();
        let mut input = input_of(&cols);
        for (u, c) in holes {
            input.criteria[c % cols.len()].values[u % n] = None;
        }
        for (c, w) in input.criteria.iter_mut().zip(&weights) {
            c.weight = *w;
        }
        let spec = RankSpec { restandardize: false, ..RankSpec::default() };
        let Ok(r) = rank(&input, &spec) else { return Ok(()); };
        // oracle z-scores per column over the units with a value (all units have 1000 residents)
        let oracle: Vec<Vec<Option<f64>>> = input.criteria.iter().map(|c| {
            let present: Vec<usize> = (0..n).filter(|&u| c.values[u].is_some()).collect();
            let xs: Vec<f64> = present.iter().map(|&u| c.values[u].unwrap()).collect();
            let mut col = vec![None; n];
            for (&u, v) in present.iter().zip(z(&xs)) { col[u] = Some(v); }
            col
        }).collect();
        for u in 0..n {
            let (mut s, mut w) = (0.0, 0.0);
            for (c, col) in oracle.iter().enumerate() {
                if let Some(v) = col[u] { s += weights[c] * v; w += weights[c]; }
            }
            match r.units[u].composite {
                Some(x) => prop_assert!((x - s / w).abs() < 1e-9),
                None => prop_assert_eq!(r.units[u].exclusion.clone(), Some(Exclusion::NoValue)),
            }
        }
        // excluding instead: every unit with a hole is out, with its missing criteria named
        let spec = RankSpec { missing: MissingPolicy::ExcludeUnit, ..spec };
        if let Ok(r) = rank(&input, &spec) {
            for (u, unit) in r.units.iter().enumerate() {
                let missing: Vec<String> = input.criteria.iter().filter(|c| c.values[u].is_none()).map(|c| c.name.clone()).collect();
                if missing.is_empty() {
                    prop_assert!(unit.rank.is_some());
                } else if missing.len() < cols.len() {
                    prop_assert_eq!(unit.exclusion.clone(), Some(Exclusion::Missing { criteria: missing }));
                }
            }
        }
    }

    /// Monte-Carlo with zero spread and one normalization: every draw is the point ranking.
    #[test]
    fn zero_spread_gives_the_point_rank(cols in columns(25, 4), seed: u64) {
        let input = input_of(&cols);
        let spec = RankSpec::default();
        let Ok(point) = rank(&input, &spec) else { return Ok(()); };
        let u = UncertaintySpec { draws: 20, weight_spread: 0.0, ..UncertaintySpec::new(seed) };
        for (unit, iv) in point.units.iter().zip(rank_uncertainty(&input, &spec, &u).unwrap()) {
            let iv = iv.unwrap();
            let r = unit.rank.unwrap() as f64;
            prop_assert_eq!((iv.p05, iv.median, iv.p95), (r, r, r));
            prop_assert_eq!(iv.p_selected, if unit.selected { 1.0 } else { 0.0 });
        }
    }
}

#[test]
fn direction_lower_is_worse_equals_negated_values() {
    let xs = [3.0, 7.5, 1.0, 4.0, 9.0, 2.5];
    let n = xs.len();
    let low = RankInput::new(ids(n), vec![Some(500.0); n]).with_criterion(Criterion::new(
        "income",
        xs.iter().copied().map(Some).collect(),
        Direction::LowerIsWorse,
    ));
    let high = RankInput::new(ids(n), vec![Some(500.0); n]).with_criterion(Criterion::new(
        "income",
        xs.iter().map(|x| Some(-x)).collect(),
        Direction::HigherIsWorse,
    ));
    for norm in [unweighted(), Normalization::MinMax, Normalization::Rank] {
        let spec = RankSpec {
            normalization: norm,
            ..RankSpec::default()
        };
        let (a, b) = (rank(&low, &spec).unwrap(), rank(&high, &spec).unwrap());
        assert_eq!(a.units, b.units);
        // the lowest income (1.0, unit 2) is the most disadvantaged
        assert_eq!(a.units[2].rank, Some(1));
    }
}

#[test]
fn population_weighted_zscores_have_weighted_mean_zero() {
    let xs = [3.0, 7.5, 1.0, 4.0, 9.0];
    let pop = [400.0, 2500.0, 800.0, 1200.0, 310.0];
    let input = RankInput::new(ids(5), pop.iter().copied().map(Some).collect()).with_criterion(
        Criterion::new(
            "x",
            xs.iter().copied().map(Some).collect(),
            Direction::HigherIsWorse,
        ),
    );
    let spec = RankSpec {
        normalization: Normalization::ZScore {
            weighting: Weighting::Population,
        },
        ..RankSpec::default()
    };
    let r = rank(&input, &spec).unwrap();
    let total: f64 = pop.iter().sum();
    let zs: Vec<f64> = r.units.iter().map(|u| u.normalized[0].unwrap()).collect();
    let mean: f64 = zs.iter().zip(&pop).map(|(z, p)| z * p).sum::<f64>() / total;
    let var: f64 = zs.iter().zip(&pop).map(|(z, p)| p * z * z).sum::<f64>() / total;
    assert!(mean.abs() < 1e-12);
    assert!((var - 1.0).abs() < 1e-12);
    // and it differs from the unweighted one
    let plain = rank(&input, &RankSpec::default()).unwrap();
    assert!((plain.units[0].normalized[0].unwrap() - zs[0]).abs() > 1e-3);
    // a unit with unknown population is excluded when weighting needs it
    let mut unknown = input.clone();
    unknown.population[1] = None;
    let r = rank(
        &unknown,
        &RankSpec {
            min_population: None,
            ..spec
        },
    )
    .unwrap();
    assert_eq!(r.units[1].exclusion, Some(Exclusion::PopulationUnknown));
    let r = rank(
        &unknown,
        &RankSpec {
            min_population: None,
            ..RankSpec::default()
        },
    )
    .unwrap();
    assert_eq!(r.units[1].exclusion, None);
}

#[test]
fn top_n_selects_all_units_tied_with_the_nth() {
    let input = input_of(&[vec![5.0, 9.0, 7.0, 7.0, 1.0, 2.0]]);
    let spec = RankSpec {
        selection: Selection::TopN(2),
        ..RankSpec::default()
    };
    let r = rank(&input, &spec).unwrap();
    let ranks: Vec<Option<usize>> = r.units.iter().map(|u| u.rank).collect();
    assert_eq!(
        ranks,
        vec![Some(4), Some(1), Some(2), Some(2), Some(6), Some(5)]
    );
    let selected: Vec<&str> = r.selected().map(|u| u.id.as_str()).collect();
    assert_eq!(selected, ["Q001", "Q002", "Q003"]);
}

#[test]
fn threshold_selects_more_than_one_sd_above_the_mean() {
    // z of [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]: the last is 3 SD above, the others −1/3
    let mut col = vec![0.0; 9];
    col.push(10.0);
    let r = rank(&input_of(&[col]), &RankSpec::default()).unwrap();
    assert!((r.units[9].composite.unwrap() - 3.0).abs() < 1e-12);
    assert_eq!(r.selected().count(), 1);
}

#[test]
fn drivers_name_the_criteria_above_average() {
    // unit 0: worst on a (weight 2), average on b, best on c
    let input = input_of(&[
        vec![9.0, 1.0, 2.0, 3.0, 5.0],
        vec![4.0, 2.0, 6.0, 4.0, 4.0],
        vec![0.0, 5.0, 4.0, 6.0, 5.0],
    ])
    .with_criterion(Criterion::new(
        "d",
        vec![Some(6.0), Some(1.0), Some(2.0), Some(3.0), Some(3.0)],
        Direction::HigherIsWorse,
    ));
    let mut input = input;
    input.set_weights(&[2.0, 1.0, 1.0, 1.0]).unwrap();
    let r = rank(&input, &RankSpec::default()).unwrap();
    let u = &r.units[0];
    let names: Vec<&str> = u.drivers.iter().map(|d| d.criterion.as_str()).collect();
    assert_eq!(names, ["c0", "d"]);
    // contribution = w̃·z with w̃ = w/5
    let za = z(&[9.0, 1.0, 2.0, 3.0, 5.0])[0];
    assert!((u.drivers[0].contribution - 0.4 * za).abs() < 1e-12);
    let share: f64 = u.drivers.iter().map(|d| d.share).sum();
    assert!((share - 1.0).abs() < 1e-12);
    assert!(
        u.drivers
            .windows(2)
            .all(|w| w[0].contribution >= w[1].contribution)
    );
}

#[test]
fn geometric_with_zscores_maps_onto_1_to_101() {
    let cols = [vec![1.0, 2.0, 4.0, 8.0], vec![3.0, 1.0, 2.0, 5.0]];
    let spec = |normalization| RankSpec {
        normalization,
        aggregation: Aggregation::Geometric,
        restandardize: false,
        ..RankSpec::default()
    };
    let a = rank(&input_of(&cols), &spec(unweighted())).unwrap();
    let b = rank(&input_of(&cols), &spec(Normalization::MinMax)).unwrap();
    for (x, y) in a.units.iter().zip(&b.units) {
        assert!((x.composite.unwrap() - y.composite.unwrap()).abs() < 1e-9);
    }
    // unit 0: (1 − 1)/7 → 1, (3 − 1)/4 → 51; geometric mean sqrt(51)
    assert!((a.units[0].composite.unwrap() - 51f64.sqrt()).abs() < 1e-9);
}

#[test]
fn same_seed_same_result_for_any_thread_count() {
    let cols: Vec<Vec<f64>> = (0..6)
        .map(|c| {
            (0..40)
                .map(|u| f64::from((u * 37 + c * 11) % 23) + 0.1 * f64::from(c))
                .collect()
        })
        .collect();
    let mut input = input_of(&cols);
    for (i, c) in input.criteria.iter_mut().enumerate() {
        c.smoothed = Some(
            c.values
                .iter()
                .map(|v| v.map(|x| x * 0.9 + i as f64))
                .collect(),
        );
    }
    let spec = RankSpec::default();
    let u = UncertaintySpec {
        draws: 300,
        normalizations: vec![unweighted(), Normalization::Rank, Normalization::MinMax],
        toggle_smoothing: true,
        ..UncertaintySpec::new(2025)
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| rank_uncertainty(&input, &spec, &u).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(4));
    let other = rank_uncertainty(
        &input,
        &spec,
        &UncertaintySpec {
            seed: 2026,
            ..u.clone()
        },
    )
    .unwrap();
    assert_ne!(one, other);
    for iv in one.iter().flatten() {
        assert!(iv.p05 <= iv.median && iv.median <= iv.p95);
        assert!((0.0..=1.0).contains(&iv.p_selected));
        assert_eq!(iv.ranked_draws, 300);
    }
    // the perturbation does something
    assert!(one.iter().flatten().any(|iv| iv.p05 < iv.p95));
}

#[test]
fn bad_input_is_a_clear_error() {
    let base = input_of(&[vec![1.0, 2.0, 3.0], vec![3.0, 1.0, 2.0]]);
    let spec = RankSpec::default();

    let mut i = base.clone();
    assert_eq!(
        i.set_weights(&[1.0]),
        Err(RankError::WeightCount {
            expected: 2,
            actual: 1
        })
    );
    assert!(matches!(
        i.set_weights(&[1.0, -1.0]),
        Err(RankError::InvalidWeight { .. })
    ));
    assert!(matches!(
        i.set_weight("c9", 1.0),
        Err(RankError::UnknownCriterion { .. })
    ));
    assert_eq!(i, base, "a rejected weight leaves the input unchanged");

    let check = |i: &RankInput, pred: fn(&RankError) -> bool| {
        let e = rank(i, &spec).unwrap_err();
        assert!(pred(&e), "{e:?}");
        assert!(!e.to_string().is_empty());
    };
    let mut i = base.clone();
    i.criteria[1].weight = -0.5;
    check(&i, |e| matches!(e, RankError::InvalidWeight { .. }));
    i.criteria[1].weight = f64::NAN;
    check(&i, |e| matches!(e, RankError::InvalidWeight { .. }));
    let mut i = base.clone();
    i.criteria[0].weight = 0.0;
    i.criteria[1].weight = 0.0;
    check(&i, |e| matches!(e, RankError::ZeroWeights));
    let mut i = base.clone();
    i.criteria[0].values[1] = Some(f64::NAN);
    check(
        &i,
        |e| matches!(e, RankError::NonFiniteValue { unit, .. } if unit == "Q001"),
    );
    let mut i = base.clone();
    i.criteria[0].values.pop();
    check(&i, |e| {
        matches!(
            e,
            RankError::LengthMismatch {
                expected: 3,
                actual: 2,
                ..
            }
        )
    });
    let mut i = base.clone();
    i.criteria[1].smoothed = Some(vec![Some(1.0)]);
    check(&i, |e| matches!(e, RankError::LengthMismatch { .. }));
    let mut i = base.clone();
    i.units[2] = "Q000".into();
    check(&i, |e| matches!(e, RankError::DuplicateUnit { .. }));
    let mut i = base.clone();
    i.criteria[1].name = "c0".into();
    check(&i, |e| matches!(e, RankError::DuplicateCriterion { .. }));
    let i = base.clone().with_exclusion("nowhere", "Ausreißer");
    check(&i, |e| matches!(e, RankError::UnknownUnit { .. }));
    let mut i = base.clone();
    i.population[0] = Some(-5.0);
    check(&i, |e| matches!(e, RankError::InvalidPopulation { .. }));
    let mut i = base.clone();
    i.criteria[0].values = vec![Some(4.0); 3];
    check(&i, |e| matches!(e, RankError::ConstantCriterion { .. }));
    let i = RankInput::new(ids(3), vec![Some(1000.0); 3]);
    check(&i, |e| matches!(e, RankError::NoCriteria));

    let bad_spec = RankSpec {
        min_population: Some(f64::NAN),
        ..RankSpec::default()
    };
    assert!(matches!(
        rank(&base, &bad_spec),
        Err(RankError::InvalidParameter { .. })
    ));
    let bad_spec = RankSpec {
        normalization: Normalization::ExponentialRank {
            max: 100.0,
            constant: 0.0,
        },
        ..RankSpec::default()
    };
    assert!(matches!(
        rank(&base, &bad_spec),
        Err(RankError::InvalidParameter { .. })
    ));
    for u in [
        UncertaintySpec {
            draws: 0,
            ..UncertaintySpec::new(1)
        },
        UncertaintySpec {
            weight_spread: 1.0,
            ..UncertaintySpec::new(1)
        },
        UncertaintySpec {
            weight_spread: f64::NAN,
            ..UncertaintySpec::new(1)
        },
    ] {
        assert!(matches!(
            rank_uncertainty(&base, &spec, &u),
            Err(RankError::InvalidParameter { .. })
        ));
    }
    // the umbrella error wraps it
    let e: quartier::Error = RankError::NoCriteria.into();
    assert_eq!(e.to_string(), "the ranking has no criteria");
}

#[test]
fn missing_values_are_never_zero_and_never_nan() {
    let mut input = input_of(&[vec![1.0, 2.0, 3.0, 4.0], vec![4.0, 3.0, 2.0, 1.0]]);
    input.criteria[0].values[3] = None; // suppressed
    input.criteria[0].values[0] = None;
    input.criteria[1].values[0] = None; // nothing left → NoValue
    for missing in [MissingPolicy::Reweight, MissingPolicy::ExcludeUnit] {
        let spec = RankSpec {
            missing,
            restandardize: false,
            ..RankSpec::default()
        };
        let r = rank(&input, &spec).unwrap();
        assert_eq!(r.units[0].exclusion, Some(Exclusion::NoValue));
        for u in &r.units {
            assert_eq!(u.composite.is_some(), u.exclusion.is_none());
            assert_eq!(u.rank.is_some(), u.exclusion.is_none());
            assert!(u.composite.is_none_or(f64::is_finite));
            assert!(u.normalized.iter().flatten().all(|v| v.is_finite()));
        }
        match missing {
            // unit 3 ranked on c1 alone: z of c1 over units 1..=3 = [1.2247, 0, −1.2247]
            MissingPolicy::Reweight => {
                assert_eq!(r.units[3].normalized[0], None);
                assert!((r.units[3].composite.unwrap() + 1.5f64.sqrt()).abs() < 1e-12);
            }
            MissingPolicy::ExcludeUnit => assert_eq!(
                r.units[3].exclusion,
                Some(Exclusion::Missing {
                    criteria: vec!["c0".into()]
                })
            ),
        }
    }
}

#[test]
fn manual_exclusion_comes_first_and_keeps_its_reason() {
    let mut input = input_of(&[vec![1.0, 2.0, 3.0, 9.0]]).with_exclusion("Q003", "Ausreißer");
    input.population[3] = Some(12.0);
    let r = rank(&input, &RankSpec::default()).unwrap();
    assert_eq!(
        r.units[3].exclusion,
        Some(Exclusion::Manual {
            reason: "Ausreißer".into()
        })
    );
    assert_eq!(r.ranked(), 3);
    // the minimum population is configurable and strict ("under 300")
    input.exclusions.clear();
    input.population[3] = Some(300.0);
    assert_eq!(
        rank(&input, &RankSpec::default()).unwrap().units[3].exclusion,
        None
    );
    let spec = RankSpec {
        min_population: Some(301.0),
        ..RankSpec::default()
    };
    assert!(matches!(
        rank(&input, &spec).unwrap().units[3].exclusion,
        Some(Exclusion::BelowMinimumPopulation {
            population: 300.0,
            minimum: 301.0
        })
    ));
}

#[test]
fn smoothing_switch_uses_smoothed_values_where_present() {
    let mut input = input_of(&[vec![1.0, 2.0, 3.0, 4.0], vec![1.0, 2.0, 3.0, 5.0]]);
    input.criteria[0].smoothed = Some(vec![Some(4.0), Some(3.0), Some(2.0), Some(1.0)]);
    let on = RankSpec {
        smoothing: true,
        ..RankSpec::default()
    };
    let r = rank(&input, &on).unwrap();
    let z0 = z(&[4.0, 3.0, 2.0, 1.0]);
    let z1 = z(&[1.0, 2.0, 3.0, 5.0]); // no smoothed form: raw values
    for u in 0..4 {
        assert!((r.units[u].normalized[0].unwrap() - z0[u]).abs() < 1e-12);
        assert!((r.units[u].normalized[1].unwrap() - z1[u]).abs() < 1e-12);
    }
}

/// The counterexample documented on `Normalization::ZScore`: raising unit 1's bad value
/// inflates the SD of c0, and unit 2 (worst on c1) overtakes it.
#[test]
fn zscores_are_not_rank_monotone() {
    let spec = RankSpec {
        restandardize: false,
        ..RankSpec::default()
    };
    let before = rank(
        &input_of(&[vec![2.0, 4.0, 0.0], vec![3.0, 2.0, 4.0]]),
        &spec,
    )
    .unwrap();
    // z(c0) = [0, 1.22, −1.22], z(c1) = [0, −1.22, 1.22]: three equal composites
    let ranks: Vec<Option<usize>> = before.units.iter().map(|u| u.rank).collect();
    assert_eq!(ranks, vec![Some(1); 3]);
    let after = rank(
        &input_of(&[vec![2.0, 6.5, 0.0], vec![3.0, 2.0, 4.0]]),
        &spec,
    )
    .unwrap();
    let c: Vec<f64> = (0..3)
        .map(|u| z(&[2.0, 6.5, 0.0])[u] + z(&[3.0, 2.0, 4.0])[u])
        .collect();
    assert!(c[2] > c[1] && c[1] > c[0]);
    assert_eq!(after.units[1].rank, Some(2));
    assert_eq!(after.units[2].rank, Some(1));
}
