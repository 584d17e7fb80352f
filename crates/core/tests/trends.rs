//! Trends over reference dates: a hand-computed 5-quarter × 3-date example (changes in
//! percentage points and relative, the sign of a LowerIsWorse indicator, rank changes, MSS
//! dynamics and combined classes, the what-changed list), missing values, the minimum
//! population, and shape errors.
//!
//! Every expected number is worked out in the comments from the input values, independent of
//! the code: z-scores with the population SD (ddof = 0), summed, the sum re-standardized.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use quartier::{
    ChangeKind, ChangeReason, Direction, DynamicsClass, IndicatorSeries, RankError, StatusClass,
    TrendError, TrendInput, TrendSpec, trends,
};

const EPS: f64 = 1e-9;

fn some(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|&x| Some(x)).collect()
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|a| (a - expected).abs() < EPS)
}

fn assert_all_close(actual: &[Option<f64>], expected: &[Option<f64>]) {
    assert_eq!(actual.len(), expected.len());
    for (u, (a, e)) in actual.iter().zip(expected).enumerate() {
        match (a, e) {
            (Some(a), Some(e)) => assert!((a - e).abs() < EPS, "unit {u}: {a} vs {e}"),
            (None, None) => {}
            _ => panic!("unit {u}: {a:?} vs {e:?}"),
        }
    }
}

/// Five quarters, three dates (2020, 2021, 2022).
///
/// - `child_poverty`: share in %, HigherIsWorse.
/// - `income`: mean income in k€, LowerIsWorse.
/// - `density`: residents per ha, no direction (context only, not in the MSS).
fn example() -> TrendInput {
    let mut a_est = vec![vec![false; 5]; 3];
    a_est[0][2] = true; // Q3's 2020 share estimated through the crosswalk
    let mut b_est = vec![vec![false; 5]; 3];
    b_est[1][0] = true; // a middle date: never an end of the default span
    let mut c_est = vec![vec![false; 5]; 3];
    c_est[2][1] = true;
    TrendInput {
        dates: vec!["2020".into(), "2021".into(), "2022".into()],
        ids: ["Q1", "Q2", "Q3", "Q4", "Q5"].map(String::from).to_vec(),
        population: some(&[1000.0, 800.0, 1200.0, 900.0, 700.0]),
        indicators: vec![
            IndicatorSeries {
                name: "child_poverty".into(),
                label: "Kinderarmut".into(),
                kind: ChangeKind::PercentagePoints,
                direction: Some(Direction::HigherIsWorse),
                values: vec![
                    some(&[20.0, 10.0, 30.0, 15.0, 5.0]),
                    some(&[22.0, 11.0, 29.0, 15.5, 6.0]),
                    some(&[24.0, 10.0, 28.0, 16.0, 7.0]),
                ],
                estimated: a_est,
            },
            IndicatorSeries {
                name: "income".into(),
                label: "Einkommen".into(),
                kind: ChangeKind::Absolute,
                direction: Some(Direction::LowerIsWorse),
                values: vec![
                    some(&[30.0, 40.0, 25.0, 35.0, 50.0]),
                    some(&[31.0, 38.0, 26.0, 36.0, 51.0]),
                    some(&[32.0, 37.0, 27.0, 37.0, 52.0]),
                ],
                estimated: b_est,
            },
            IndicatorSeries {
                name: "density".into(),
                label: "Dichte".into(),
                kind: ChangeKind::Absolute,
                direction: None,
                values: vec![
                    some(&[100.0, 200.0, 300.0, 400.0, 0.0]),
                    some(&[105.0, 195.0, 300.0, 410.0, 20.0]),
                    vec![Some(110.0), Some(190.0), Some(300.0), None, Some(50.0)],
                ],
                estimated: c_est,
            },
        ],
        ranks: vec![
            vec![Some(4), Some(2), Some(5), Some(1), Some(3)],
            vec![Some(3), Some(2), Some(4), Some(1), Some(5)],
            vec![Some(1), Some(3), Some(2), Some(4), Some(5)],
        ],
        selected: vec![
            vec![false, false, false, true, false],
            vec![false, false, false, true, false],
            vec![true, false, false, false, false],
        ],
    }
}

#[test]
fn changes_in_percentage_points_and_relative() {
    let t = trends(&example(), &TrendSpec::default()).unwrap();
    assert_eq!((t.from.as_str(), t.to.as_str()), ("2020", "2022"));
    let [a, b, c] = &t.indicators[..] else {
        panic!("three indicators")
    };
    // child_poverty 2022 − 2020: 24−20, 10−10, 28−30, 16−15, 7−5 (pp)
    assert_all_close(&a.change, &some(&[4.0, 0.0, -2.0, 1.0, 2.0]));
    // relative: 4/20, 0/10, −2/30, 1/15, 2/5
    assert_all_close(
        &a.relative,
        &some(&[0.2, 0.0, -2.0 / 30.0, 1.0 / 15.0, 0.4]),
    );
    assert_eq!(a.estimated, [false, false, true, false, false]);
    // income: raw change, not oriented: 32−30, 37−40, 27−25, 37−35, 52−50
    assert_all_close(&b.change, &some(&[2.0, -3.0, 2.0, 2.0, 2.0]));
    assert_all_close(
        &b.relative,
        &some(&[2.0 / 30.0, -3.0 / 40.0, 2.0 / 25.0, 2.0 / 35.0, 2.0 / 50.0]),
    );
    // the estimated 2021 value is not an end of the span
    assert_eq!(b.estimated, [false; 5]);
    // density: missing at the end → None; from 0 → no relative change
    assert_all_close(
        &c.change,
        &[Some(10.0), Some(-10.0), Some(0.0), None, Some(50.0)],
    );
    assert_all_close(
        &c.relative,
        &[Some(0.1), Some(-0.05), Some(0.0), None, None],
    );
    assert_eq!(c.estimated, [false, true, false, false, false]);
    assert_eq!(c.standardized, [None; 5]);
}

#[test]
fn rank_changes_count_places_towards_rank_one() {
    let t = trends(&example(), &TrendSpec::default()).unwrap();
    // rank 2020 − rank 2022: 4−1, 2−3, 5−2, 1−4, 3−5
    assert_eq!(
        t.rank_change,
        [Some(3), Some(-1), Some(3), Some(-3), Some(-2)]
    );
    assert_eq!(t.rank_before, [Some(4), Some(2), Some(5), Some(1), Some(3)]);
    assert_eq!(t.rank_after, [Some(1), Some(3), Some(2), Some(4), Some(5)]);
}

#[test]
fn dynamics_classes_by_hand() {
    let t = trends(&example(), &TrendSpec::default()).unwrap();
    // Oriented changes (higher = worsening):
    //   child_poverty (HigherIsWorse): 4, 0, −2, 1, 2; mean 5/5 = 1; deviations 3, −1, −3, 0,
    //   1; Σd² = 9+1+9+0+1 = 20; SD = √(20/5) = 2; z = 1.5, −0.5, −1.5, 0, 0.5.
    //   income (LowerIsWorse, change negated): −2, 3, −2, −2, −2; mean −1; deviations −1, 4,
    //   −1, −1, −1; Σd² = 20; SD = 2; z = −0.5, 2, −0.5, −0.5, −0.5.
    let z_a = [1.5, -0.5, -1.5, 0.0, 0.5];
    let z_b = [-0.5, 2.0, -0.5, -0.5, -0.5];
    assert_all_close(&t.indicators[0].standardized, &some(&z_a));
    assert_all_close(&t.indicators[1].standardized, &some(&z_b));
    //   sum: 1, 1.5, −2, −0.5, 0; mean 0; Σs² = 1+2.25+4+0.25+0 = 7.5; SD = √1.5
    let sd = 1.5_f64.sqrt();
    let expected = [1.0 / sd, 1.5 / sd, -2.0 / sd, -0.5 / sd, 0.0];
    // = 0.816, 1.225, −1.633, −0.408, 0 → stabil, negativ, positiv, stabil, stabil
    let mss = t.mss.as_ref().unwrap();
    let index: Vec<Option<f64>> = mss.units.iter().map(|u| u.dynamics_index).collect();
    assert_all_close(&index, &some(&expected));
    let classes: Vec<_> = (0..5).map(|p| t.dynamics_class(p)).collect();
    use DynamicsClass::{Negative, Positive, Stable};
    assert_eq!(
        classes,
        [
            Some(Stable),
            Some(Negative),
            Some(Positive),
            Some(Stable),
            Some(Stable)
        ]
    );
    // Q2's income fell by 3 (raw change −3): worsening for a LowerIsWorse indicator, which
    // is what makes Q2 "negativ"; without the negation it would be the best change.

    // Status at 2022:
    //   child_poverty 24, 10, 28, 16, 7: mean 17; deviations 7, −7, 11, −1, −10;
    //   Σd² = 49+49+121+1+100 = 320; SD = 8.
    //   income oriented −32, −37, −27, −37, −52: mean −37; deviations 5, 0, 10, 0, −15;
    //   Σd² = 25+0+100+0+225 = 350; SD = √70.
    let s: Vec<f64> = [7.0, -7.0, 11.0, -1.0, -10.0]
        .iter()
        .zip([5.0, 0.0, 10.0, 0.0, -15.0])
        .map(|(a, b)| a / 8.0 + b / 70.0_f64.sqrt())
        .collect();
    // z-scores have mean 0, so the sum does too; re-standardize with ddof = 0
    let sd_s = (s.iter().map(|x| x * x).sum::<f64>() / 5.0).sqrt();
    let status: Vec<f64> = s.iter().map(|x| x / sd_s).collect();
    // ≈ 0.759, −0.451, 1.325, −0.064, −1.569
    let got: Vec<Option<f64>> = mss.units.iter().map(|u| u.status_index).collect();
    assert_all_close(&got, &some(&status));
    use StatusClass::{High, Low, Medium};
    let sc: Vec<_> = mss.units.iter().map(|u| u.status_class).collect();
    assert_eq!(
        sc,
        [
            Some(Medium),
            Some(Medium),
            Some(Low),
            Some(Medium),
            Some(High)
        ]
    );
    let codes: Vec<String> = (0..5).map(|p| t.combined(p).unwrap().code()).collect();
    assert_eq!(codes, ["2+/-", "2-", "3+", "2+/-", "1+/-"]);
}

#[test]
fn what_changed_lists_units_by_reason() {
    let t = trends(&example(), &TrendSpec::default()).unwrap();
    let w = t.what_changed();
    let ids: Vec<&str> = w.iter().map(|c| c.id.as_str()).collect();
    // Q1 newly selected (and +3 places), Q4 no longer selected (and −3), Q2 negativ, Q3 +3;
    // Q5 moved 2 places: under the threshold of 3
    assert_eq!(ids, ["Q1", "Q4", "Q2", "Q3"]);
    use ChangeReason::*;
    let reasons: Vec<&[ChangeReason]> = w.iter().map(|c| c.reasons.as_slice()).collect();
    assert_eq!(
        reasons,
        [
            &[NewlySelected, RankWorsened][..],
            &[NoLongerSelected, RankImproved][..],
            &[NegativeDynamics][..],
            &[RankWorsened][..],
        ]
    );
    assert_eq!(
        w.iter().map(|c| c.position).collect::<Vec<_>>(),
        [0, 3, 1, 2]
    );
    assert_eq!((w[0].rank_before, w[0].rank_after), (Some(4), Some(1)));
    assert_eq!((w[1].rank_before, w[1].rank_after), (Some(1), Some(4)));
    assert_eq!(w[2].dynamics, Some(DynamicsClass::Negative));
    assert_eq!(w[3].dynamics, Some(DynamicsClass::Positive));
    // largest |z| (see dynamics_classes_by_hand): Q1 child_poverty 1.5 (> 0.5); Q4 income
    // −0.5 (> 0); Q2 income 2 (> 0.5); Q3 child_poverty −1.5 (> 0.5)
    let pick: Vec<(Option<&str>, Option<f64>)> = w
        .iter()
        .map(|c| (c.indicator.as_deref(), c.change))
        .collect();
    assert_eq!(
        pick,
        [
            (Some("child_poverty"), Some(4.0)),
            (Some("income"), Some(2.0)),
            (Some("income"), Some(-3.0)),
            (Some("child_poverty"), Some(-2.0)),
        ]
    );
    let z: Vec<f64> = w.iter().map(|c| c.standardized.unwrap()).collect();
    for (a, e) in z.iter().zip([1.5, -0.5, 2.0, -1.5]) {
        assert!((a - e).abs() < EPS, "{a} vs {e}");
    }
    // Q3's child_poverty change starts from an estimated value
    assert_eq!(
        w.iter().map(|c| c.estimated).collect::<Vec<_>>(),
        [false, false, false, true]
    );
}

#[test]
fn rank_threshold_is_a_spec_field() {
    let spec = TrendSpec {
        min_rank_change: 2,
        ..TrendSpec::default()
    };
    let w = trends(&example(), &spec).unwrap().what_changed();
    let ids: Vec<&str> = w.iter().map(|c| c.id.as_str()).collect();
    // Q5 (−2 places) now counts, as the lowest-priority reason
    assert_eq!(ids, ["Q1", "Q4", "Q2", "Q3", "Q5"]);
    assert_eq!(w[4].reasons, [ChangeReason::RankImproved]);

    let spec = TrendSpec {
        min_rank_change: 4,
        ..TrendSpec::default()
    };
    let w = trends(&example(), &spec).unwrap().what_changed();
    let ids: Vec<&str> = w.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["Q1", "Q4", "Q2"]);
    assert_eq!(w[0].reasons, [ChangeReason::NewlySelected]);
}

#[test]
fn from_selects_the_span() {
    let spec = TrendSpec {
        from: Some("2021".into()),
        ..TrendSpec::default()
    };
    let t = trends(&example(), &spec).unwrap();
    assert_eq!((t.from.as_str(), t.to.as_str()), ("2021", "2022"));
    // 24−22, 10−11, 28−29, 16−15.5, 7−6
    assert_all_close(&t.indicators[0].change, &some(&[2.0, -1.0, -1.0, 0.5, 1.0]));
    // income's estimated 2021 value is now an end
    assert_eq!(
        t.indicators[1].estimated,
        [true, false, false, false, false]
    );
    // rank 2021 − rank 2022: 3−1, 2−3, 4−2, 1−4, 5−5
    assert_eq!(
        t.rank_change,
        [Some(2), Some(-1), Some(2), Some(-3), Some(0)]
    );
    assert_eq!(t.selected_before, [false, false, false, true, false]);

    let spec = TrendSpec {
        from: Some("2020".into()),
        to: Some("2021".into()),
        ..TrendSpec::default()
    };
    let t = trends(&example(), &spec).unwrap();
    // 22−20, 11−10, 29−30, 15.5−15, 6−5
    assert_all_close(&t.indicators[0].change, &some(&[2.0, 1.0, -1.0, 0.5, 1.0]));
}

#[test]
fn missing_values_propagate_to_none() {
    let mut input = example();
    input.indicators[0].values[0][4] = None; // Q5's 2020 share suppressed
    let t = trends(&input, &TrendSpec::default()).unwrap();
    assert_eq!(t.indicators[0].change[4], None);
    assert_eq!(t.indicators[0].relative[4], None);
    // MSS excludes a unit lacking an index value: no dynamics, no combined class …
    assert_eq!(t.dynamics_class(4), None);
    assert_eq!(t.combined(4), None);
    assert_eq!(t.indicators[0].standardized[4], None);
    assert_eq!(t.indicators[1].standardized[4], None);
    // … but its 2022 status is complete
    assert!(t.mss.as_ref().unwrap().units[4].status_index.is_some());
    // The other four, by hand: child_poverty 4, 0, −2, 1 (mean 0.75, deviations 3.25,
    // −0.75, −2.75, 0.25, Σd² = 18.75); income oriented −2, 3, −2, −2 (mean −0.75,
    // deviations −1.25, 3.75, −1.25, −1.25, Σd² = 18.75): the same SD, so the sum is
    // proportional to 3.25−1.25, −0.75+3.75, −2.75−1.25, 0.25−1.25 = 2, 3, −4, −1, whose
    // ddof-0 SD is √(30/4) = √7.5.
    let sd = 7.5_f64.sqrt();
    let index: Vec<Option<f64>> = t.mss.as_ref().unwrap().units[..4]
        .iter()
        .map(|u| u.dynamics_index)
        .collect();
    assert_all_close(&index, &some(&[2.0 / sd, 3.0 / sd, -4.0 / sd, -1.0 / sd]));
    // 0.730, 1.095, −1.461, −0.365
    assert_eq!(t.dynamics_class(1), Some(DynamicsClass::Negative));
    assert_eq!(t.dynamics_class(2), Some(DynamicsClass::Positive));

    // a missing rank gives no rank change
    let mut input = example();
    input.ranks[2][0] = None;
    let t = trends(&input, &TrendSpec::default()).unwrap();
    assert_eq!(t.rank_change[0], None);
    // Q1 is still listed: newly selected, without a rank reason
    let w = t.what_changed();
    assert_eq!(w[0].id, "Q1");
    assert_eq!(w[0].reasons, [ChangeReason::NewlySelected]);
}

#[test]
fn units_under_the_minimum_population_are_excluded_as_mss_does() {
    let base = trends(&example(), &TrendSpec::default()).unwrap();
    let mut input = example();
    input.ids.push("Q6".into());
    input.ids.push("Q7".into());
    input.population.push(Some(120.0)); // under 300
    input.population.push(None); // unknown
    for s in &mut input.indicators {
        for (d, v) in s.values.iter_mut().enumerate() {
            // extreme values: if they took part, every z-score would move
            v.push(Some(90.0 - 40.0 * d as f64));
            v.push(Some(1.0 + 50.0 * d as f64));
        }
        for e in &mut s.estimated {
            e.extend([false, false]);
        }
    }
    for r in &mut input.ranks {
        r.extend([None, None]);
    }
    for s in &mut input.selected {
        s.extend([false, false]);
    }
    let t = trends(&input, &TrendSpec::default()).unwrap();
    assert_eq!(t.dynamics_class(5), None);
    assert_eq!(t.dynamics_class(6), None);
    assert_eq!(t.indicators[0].standardized[5], None);
    // the changes themselves are still reported
    assert_eq!(t.indicators[0].change[5], Some(-80.0));
    let m0 = base.mss.as_ref().unwrap();
    let m1 = t.mss.as_ref().unwrap();
    for p in 0..5 {
        assert!(close(
            m1.units[p].dynamics_index,
            m0.units[p].dynamics_index.unwrap()
        ));
        assert!(close(
            m1.units[p].status_index,
            m0.units[p].status_index.unwrap()
        ));
    }
    assert_eq!(
        t.what_changed()
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["Q1", "Q4", "Q2", "Q3"]
    );
}

#[test]
fn constant_change_is_an_mss_error_naming_the_span() {
    let mut input = example();
    // income rises by exactly 2 everywhere
    input.indicators[1].values[2] = some(&[32.0, 42.0, 27.0, 37.0, 52.0]);
    let e = trends(&input, &TrendSpec::default()).unwrap_err();
    assert!(matches!(
        &e,
        TrendError::Mss { source: RankError::ConstantCriterion { criterion }, .. } if criterion == "income"
    ));
    let msg = e.to_string();
    assert!(
        msg.contains("2020") && msg.contains("2022") && msg.contains("income"),
        "{msg}"
    );
}

#[test]
fn shape_errors_name_the_indicator_and_date() {
    let mut input = example();
    input.indicators[1].values[1].pop();
    let e = trends(&input, &TrendSpec::default()).unwrap_err();
    assert!(matches!(
        &e,
        TrendError::UnitCount { date, expected: 5, actual: 4, .. } if date == "2021"
    ));
    let msg = e.to_string();
    assert!(msg.contains("income") && msg.contains("2021"), "{msg}");

    let mut input = example();
    input.indicators[2].estimated.pop();
    let e = trends(&input, &TrendSpec::default()).unwrap_err();
    assert!(matches!(
        e,
        TrendError::DateCount {
            expected: 3,
            actual: 2,
            ..
        }
    ));
    assert!(e.to_string().contains("density"), "{e}");

    let mut input = example();
    input.ranks[2].push(Some(1));
    let e = trends(&input, &TrendSpec::default()).unwrap_err();
    assert!(
        matches!(&e, TrendError::UnitCount { what, date, .. } if what == "ranks" && date == "2022")
    );

    let mut input = example();
    input.selected.pop();
    assert!(matches!(
        trends(&input, &TrendSpec::default()),
        Err(TrendError::DateCount {
            expected: 3,
            actual: 2,
            ..
        })
    ));

    let mut input = example();
    input.population.pop();
    assert!(matches!(
        trends(&input, &TrendSpec::default()),
        Err(TrendError::UnitCount { actual: 4, .. })
    ));

    let mut input = example();
    input.indicators[0].values[1][3] = Some(f64::NAN);
    let e = trends(&input, &TrendSpec::default()).unwrap_err();
    assert!(matches!(
        &e,
        TrendError::NonFiniteValue { indicator, date, unit } if indicator == "child_poverty" && date == "2021" && unit == "Q4"
    ));

    let mut input = example();
    input.ranks[0][0] = Some(0);
    assert!(matches!(
        trends(&input, &TrendSpec::default()),
        Err(TrendError::InvalidRank { rank: 0, .. })
    ));

    // converts into the umbrella error
    let e: quartier::Error = trends(&input, &TrendSpec::default()).unwrap_err().into();
    assert!(matches!(e, quartier::Error::Trend(_)));
}

#[test]
fn dates_and_names_are_checked() {
    let mut input = example();
    input.dates.truncate(1);
    assert!(matches!(
        trends(&input, &TrendSpec::default()),
        Err(TrendError::TooFewDates { count: 1 })
    ));

    let mut input = example();
    input.dates[2] = "2020".into();
    assert!(matches!(
        trends(&input, &TrendSpec::default()),
        Err(TrendError::DuplicateDate { date }) if date == "2020"
    ));

    let mut input = example();
    input.ids[4] = "Q1".into();
    assert!(matches!(
        trends(&input, &TrendSpec::default()),
        Err(TrendError::DuplicateUnit { unit }) if unit == "Q1"
    ));

    let mut input = example();
    input.indicators[2].name = "income".into();
    assert!(matches!(
        trends(&input, &TrendSpec::default()),
        Err(TrendError::DuplicateIndicator { indicator }) if indicator == "income"
    ));

    let spec = TrendSpec {
        from: Some("2019".into()),
        ..TrendSpec::default()
    };
    assert!(matches!(
        trends(&example(), &spec),
        Err(TrendError::UnknownDate { bound: "from", date }) if date == "2019"
    ));

    let spec = TrendSpec {
        from: Some("2022".into()),
        ..TrendSpec::default()
    };
    assert!(matches!(
        trends(&example(), &spec),
        Err(TrendError::SpanOrder { .. })
    ));
}
