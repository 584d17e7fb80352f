//! Secondary suppression over linked tables, through the public API only.
#![allow(clippy::unwrap_used)]

mod common;

use common::{hierarchy, runner};
use proptest::prelude::*;
use quartier::{
    CategorySet, CellKey, CellStatus, CountTable, FrequencyRule, Grouping, IntervalPhase, Layer,
    LinkedTables, SecondaryOptions, Zeros, audit, audit_exact, primary_suppression, protect,
    secondary_suppression,
};

fn counts(categories: usize, blocks: usize, values: Vec<u64>) -> CountTable {
    let labels: Vec<String> = (0..categories).map(|c| format!("c{c}")).collect();
    CountTable::new(None, CategorySet::new("c", labels), blocks, values).unwrap()
}

/// Rank over the rationals by fraction-free elimination (i128, rows divided by their gcd).
fn rank(mut rows: Vec<Vec<i128>>) -> usize {
    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 { a.abs() } else { gcd(b, a % b) }
    }
    let cols = rows.first().map_or(0, Vec::len);
    let mut r = 0;
    for c in 0..cols {
        let Some(p) = (r..rows.len()).find(|&i| rows[i][c] != 0) else {
            continue;
        };
        rows.swap(r, p);
        for i in 0..rows.len() {
            if i != r && rows[i][c] != 0 {
                let (a, b) = (rows[r][c], rows[i][c]);
                let pivot = rows[r].clone();
                for (x, y) in rows[i].iter_mut().zip(&pivot) {
                    *x = *x * a - y * b;
                }
                let g = rows[i].iter().fold(0, |g, &v| gcd(g, v));
                if g > 1 {
                    rows[i].iter_mut().for_each(|v| *v /= g);
                }
            }
        }
        r += 1;
    }
    r
}

/// The suppressed cells that an attacker recovers exactly from the published cells: column
/// `s` of the constraint matrix restricted to suppressed cells is not in the span of the
/// other columns. Independent of the library's elimination (dense, rational).
fn exactly_recoverable(tables: &LinkedTables, status: &[CellStatus]) -> Vec<usize> {
    let sup: Vec<usize> = (0..tables.len())
        .filter(|&i| status[i].is_suppressed())
        .collect();
    let col = |i: usize| sup.iter().position(|&s| s == i);
    let matrix: Vec<Vec<i128>> = tables
        .constraints()
        .iter()
        .map(|c| {
            let mut row = vec![0i128; sup.len()];
            if let Some(j) = col(c.total) {
                row[j] += 1;
            }
            for &p in &c.parts {
                if let Some(j) = col(p) {
                    row[j] -= 1;
                }
            }
            row
        })
        .filter(|r| r.iter().any(|&v| v != 0))
        .collect();
    let full = rank(matrix.clone());
    (0..sup.len())
        .filter(|&j| {
            let without: Vec<Vec<i128>> = matrix
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.remove(j);
                    r
                })
                .collect();
            rank(without) < full
        })
        .map(|j| sup[j])
        .collect()
}

fn suppressed(status: &[CellStatus]) -> Vec<usize> {
    (0..status.len())
        .filter(|&i| status[i].is_suppressed())
        .collect()
}

/// A random small model: town → 2–3 quarters → 1–4 blocks each, a school-district grouping
/// that does not nest in the quarters, 2–4 categories, counts 0..=6.
fn model() -> impl Strategy<Value = LinkedTables> {
    (
        prop::collection::vec(1usize..=4, 2..=3),
        2usize..=4,
        any::<u64>(),
    )
        .prop_flat_map(|(sizes, cats, seed)| {
            let blocks: usize = sizes.iter().sum();
            (
                Just(sizes),
                Just(cats),
                prop::collection::vec(0u64..=6, blocks * cats),
                prop::collection::vec(prop::option::weighted(0.85, 0usize..2), blocks),
                Just(seed),
            )
        })
        .prop_map(|(sizes, cats, values, schools, _)| {
            let mut rows = Vec::new();
            for (q, &n) in sizes.iter().enumerate() {
                for b in 0..n {
                    rows.push(vec!["T".to_owned(), format!("Q{q}"), format!("Q{q}B{b}")]);
                }
            }
            let h = hierarchy(&["town", "quarter", "block"], &rows);
            let members: Vec<(String, String)> = rows
                .iter()
                .zip(&schools)
                .filter_map(|(r, s)| s.map(|s| (r[2].clone(), format!("S{s}"))))
                .collect();
            let mut groupings = Vec::new();
            if !members.is_empty() {
                groupings.push(Grouping::new("school", &h, members).unwrap());
            }
            LinkedTables::new(&h, &counts(cats, rows.len(), values), &groupings).unwrap()
        })
}

#[test]
fn random_models_are_protected_deterministically_and_idempotently() {
    runner(96)
        .run(&model(), |tables| {
            let rule = FrequencyRule::default();
            let mut status = primary_suppression(&tables, &rule);
            let primary = status.clone();
            let summary =
                secondary_suppression(&tables, &mut status, &SecondaryOptions::default()).unwrap();
            // (a) primaries stay suppressed; no published cell has 0 < n < k
            for (i, (&v, &s)) in tables.values().iter().zip(&status).enumerate() {
                prop_assert!(s.is_suppressed() || !(1..rule.k).contains(&v), "cell {i}");
                if primary[i] == CellStatus::Primary {
                    prop_assert_eq!(s, CellStatus::Primary);
                }
            }
            prop_assert_eq!(
                summary.primary + summary.secondary,
                suppressed(&status).len()
            );
            // (b) no suppressed cell is exactly recoverable (independent rational check)
            prop_assert!(exactly_recoverable(&tables, &status).is_empty());
            // (c) the LP audit passes
            let report = audit(&tables, &status, rule.k).unwrap();
            prop_assert!(report.is_passed(), "{report}");
            // (d) deterministic
            let mut again = primary_suppression(&tables, &rule);
            secondary_suppression(&tables, &mut again, &SecondaryOptions::default()).unwrap();
            prop_assert_eq!(&again, &status);
            // (e) idempotent
            let before = status.clone();
            let second =
                secondary_suppression(&tables, &mut status, &SecondaryOptions::default()).unwrap();
            prop_assert_eq!(second.added, 0);
            prop_assert_eq!(&before, &status);
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_exact_phase_alone_leaves_nothing_exactly_recoverable() {
    let options = SecondaryOptions::default().with_interval_phase(IntervalPhase::Skip);
    runner(96)
        .run(&model(), |tables| {
            let mut status = primary_suppression(&tables, &FrequencyRule::default());
            let summary = secondary_suppression(&tables, &mut status, &options).unwrap();
            prop_assert_eq!(summary.interval_rounds, 0);
            prop_assert!(exactly_recoverable(&tables, &status).is_empty());
            Ok(())
        })
        .unwrap();
}

#[test]
fn raising_k_never_publishes_a_suppressed_cell() {
    // (f) monotone: protecting for k = 4 on top of the k = 3 pattern (the way a pattern is
    // tightened) keeps every cell suppressed; the algorithm never un-suppresses a cell.
    runner(64)
        .run(&model(), |tables| {
            let mut low = primary_suppression(&tables, &FrequencyRule::default());
            secondary_suppression(&tables, &mut low, &SecondaryOptions::new(3)).unwrap();
            let rule4 = FrequencyRule {
                k: 4,
                zeros: Zeros::Publish,
            };
            let mut high: Vec<CellStatus> = primary_suppression(&tables, &rule4)
                .into_iter()
                .zip(&low)
                .map(|(p, &l)| if p == CellStatus::Published { l } else { p })
                .collect();
            secondary_suppression(&tables, &mut high, &SecondaryOptions::new(4)).unwrap();
            for i in 0..tables.len() {
                prop_assert!(!low[i].is_suppressed() || high[i].is_suppressed());
            }
            prop_assert!(audit(&tables, &high, 4).unwrap().is_passed());
            Ok(())
        })
        .unwrap();
}

fn cell(tables: &LinkedTables, layer: Layer, unit: usize, category: Option<usize>) -> usize {
    tables
        .index(CellKey {
            layer,
            unit,
            category,
        })
        .unwrap()
}

#[test]
fn two_by_two_table_needs_the_rectangle() {
    let rows = vec![
        vec!["T".to_owned(), "b1".to_owned()],
        vec!["T".to_owned(), "b2".to_owned()],
    ];
    let h = hierarchy(&["town", "block"], &rows);
    let tables = LinkedTables::new(&h, &counts(2, 2, vec![1, 5, 7, 9]), &[]).unwrap();
    let p = protect(&tables, &FrequencyRule::default()).unwrap();
    assert_eq!((p.summary.primary, p.summary.secondary), (1, 3));
    let blocks = Layer::Level(1);
    let mut expected: Vec<usize> = (0..2)
        .flat_map(|u| (0..2).map(move |c| (u, c)))
        .map(|(u, c)| cell(&tables, blocks, u, Some(c)))
        .collect();
    expected.sort_unstable();
    assert_eq!(suppressed(&p.status), expected);
}

#[test]
fn a_singleton_is_not_protected_by_one_other_singleton() {
    // Block b1 has two persons in two categories: each knows their own cell and would recover
    // the other one from the row total if the pair were all that is suppressed in the row.
    let rows = vec![
        vec!["T".to_owned(), "b1".to_owned()],
        vec!["T".to_owned(), "b2".to_owned()],
    ];
    let h = hierarchy(&["town", "block"], &rows);
    let tables = LinkedTables::new(&h, &counts(3, 2, vec![1, 1, 5, 4, 4, 4]), &[]).unwrap();
    let p = protect(&tables, &FrequencyRule::default()).unwrap();
    let row_b1 = (0..3)
        .filter(|&c| p.status[cell(&tables, Layer::Level(1), 0, Some(c))].is_suppressed())
        .count();
    assert_eq!(row_b1, 3);
    assert!(exactly_recoverable(&tables, &p.status).is_empty());
}

#[test]
fn differencing_across_a_grouping_is_prevented() {
    // Quarter Q1 = b1..b4, school district S = b1..b3 (all of Q1's blocks but one): publishing
    // both totals reveals b4 = Q1 − S, which a method protecting each table on its own misses.
    let mut rows = Vec::new();
    for b in 1..=4 {
        rows.push(vec!["T".to_owned(), "Q1".to_owned(), format!("b{b}")]);
    }
    for b in 5..=6 {
        rows.push(vec!["T".to_owned(), "Q2".to_owned(), format!("b{b}")]);
    }
    let h = hierarchy(&["town", "quarter", "block"], &rows);
    let values = vec![5, 6, 7, 8, 9, 10, 1, 12, 6, 7, 8, 9];
    let table = counts(2, 6, values);
    let school = Grouping::new("school", &h, [("b1", "S"), ("b2", "S"), ("b3", "S")]).unwrap();

    // Per table: protect the hierarchy alone, then publish the school table beside it.
    let alone = LinkedTables::new(&h, &table, &[]).unwrap();
    let mut per_table = primary_suppression(&alone, &FrequencyRule::default());
    secondary_suppression(&alone, &mut per_table, &SecondaryOptions::default()).unwrap();
    let joint = LinkedTables::new(&h, &table, &[school]).unwrap();
    let b4x = cell(&joint, Layer::Level(2), 3, Some(0));
    assert_eq!(joint.values()[b4x], 1);
    per_table.resize(joint.len(), CellStatus::Published); // grouping cells come last
    assert!(exactly_recoverable(&joint, &per_table).contains(&b4x));

    // In one model the attack fails.
    let p = protect(&joint, &FrequencyRule::default()).unwrap();
    assert!(p.status[b4x].is_suppressed());
    assert!(exactly_recoverable(&joint, &p.status).is_empty());
    assert!(p.audit.is_passed());
}

#[test]
fn status_of_the_wrong_length_is_an_error() {
    let rows = vec![vec!["T".to_owned(), "b1".to_owned()]];
    let h = hierarchy(&["town", "block"], &rows);
    let tables = LinkedTables::new(&h, &counts(2, 1, vec![1, 5]), &[]).unwrap();
    let mut status = vec![CellStatus::Published; 2];
    assert!(matches!(
        secondary_suppression(&tables, &mut status, &SecondaryOptions::default()),
        Err(quartier::DisclosureError::StatusLength { .. })
    ));
}

/// 1 town / 10 districts / 200 quarters / 10,000 blocks × 50 categories; run with
/// `cargo test --release -p quartier --test disclosure -- --ignored`. Its speed is measured by
/// `benches/benches/disclosure.rs`, not here.
#[test]
#[ignore = "large; run in release mode"]
fn large_model_is_protected() {
    let mut rows = Vec::new();
    for b in 0..10_000 {
        let q = b / 50;
        let d = q / 20;
        rows.push(vec![
            "T".to_owned(),
            format!("D{d:02}"),
            format!("Q{q:03}"),
            format!("B{b:05}"),
        ]);
    }
    let h = hierarchy(&["town", "district", "quarter", "block"], &rows);
    let mut state = 12345u64;
    let values: Vec<u64> = (0..10_000 * 50)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let r = (state >> 33) % 100;
            match r {
                0..=9 => 0,
                10..=12 => 1,
                13..=14 => 2,
                _ => 3 + r % 17,
            }
        })
        .collect();
    // 271 school districts of 37 consecutive blocks: they cut across the quarters (50 blocks).
    let members: Vec<(String, String)> = rows
        .iter()
        .enumerate()
        .map(|(b, r)| (r[3].clone(), format!("S{:03}", b / 37)))
        .collect();
    let school = Grouping::new("school", &h, members).unwrap();
    let tables = LinkedTables::new(&h, &counts(50, 10_000, values), &[school]).unwrap();
    let rule = FrequencyRule::default();
    let protection = protect(&tables, &rule).unwrap();
    assert!(protection.audit.is_passed(), "{}", protection.audit);
    assert!(protection.summary.secondary > 0);
    for (v, s) in tables.values().iter().zip(&protection.status) {
        assert!(s.is_suppressed() || !(1..rule.k).contains(v));
    }
    // Fewer secondary than primary cells: the grouping does not make the pattern explode.
    assert!(protection.summary.secondary < protection.summary.primary);
}

/// A random sparse model: town → 3–4 quarters → 2–6 blocks each, two groupings that do not
/// nest in the quarters (school districts and social areas; some blocks in none), 2–4
/// categories, counts mostly 0 and 1 — the tables where small cells are everywhere and the
/// cover has to reach for swaps, multi-swaps and cones.
fn sparse_model() -> impl Strategy<Value = LinkedTables> {
    let value = prop_oneof![60 => Just(0u64), 25 => Just(1u64), 10 => Just(2u64), 5 => 3u64..=6];
    (prop::collection::vec(2usize..=6, 3..=4), 2usize..=4)
        .prop_flat_map(move |(sizes, cats)| {
            let blocks: usize = sizes.iter().sum();
            (
                Just(sizes),
                Just(cats),
                prop::collection::vec(value.clone(), blocks * cats),
                prop::collection::vec(prop::option::weighted(0.9, 0usize..3), blocks),
                prop::collection::vec(prop::option::weighted(0.8, 0usize..2), blocks),
            )
        })
        .prop_map(|(sizes, cats, values, schools, areas)| {
            let mut rows = Vec::new();
            for (q, &n) in sizes.iter().enumerate() {
                for b in 0..n {
                    rows.push(vec!["T".to_owned(), format!("Q{q}"), format!("Q{q}B{b}")]);
                }
            }
            let h = hierarchy(&["town", "quarter", "block"], &rows);
            let mut groupings = Vec::new();
            for (name, of) in [("school", &schools), ("area", &areas)] {
                let members: Vec<(String, String)> = rows
                    .iter()
                    .zip(of)
                    .filter_map(|(r, g)| g.map(|g| (r[2].clone(), format!("{name}{g}"))))
                    .collect();
                if !members.is_empty() {
                    groupings.push(Grouping::new(name, &h, members).unwrap());
                }
            }
            LinkedTables::new(&h, &counts(cats, rows.len(), values), &groupings).unwrap()
        })
}

#[test]
fn sparse_models_with_two_groupings_pass_the_exact_audit() {
    for zeros in [Zeros::Publish, Zeros::Suppress] {
        let rule = FrequencyRule { k: 3, zeros };
        runner(32)
            .run(&sparse_model(), |tables| {
                let protection = protect(&tables, &rule).unwrap();
                for (i, (&v, &s)) in tables.values().iter().zip(&protection.status).enumerate() {
                    prop_assert!(s.is_suppressed() || !rule.is_sensitive(v), "cell {i}");
                }
                // Independent of the cover's certificates: two LPs per suppressed cell.
                let exact = audit_exact(&tables, &protection.status, rule.k).unwrap();
                prop_assert!(exact.is_passed(), "{exact}");
                prop_assert!(exactly_recoverable(&tables, &protection.status).is_empty());
                Ok(())
            })
            .unwrap();
    }
}
