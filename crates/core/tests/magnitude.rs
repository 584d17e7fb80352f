//! Magnitude-table primary suppression (dominance and p % rules), through the public API only.
#![allow(clippy::unwrap_used)]

mod common;

use common::{hierarchy, runner};
use proptest::prelude::*;
use quartier::{
    CategorySet, CellStatus, CountTable, DisclosureError, Grouping, Hierarchy, Layer, LinkedTables,
    MagnitudeProblem, MagnitudeRule, magnitude_primary,
};

/// The block table of sums of `contributions` (block-major, `categories` per block).
fn sums(categories: usize, blocks: usize, contributions: &[Vec<u64>]) -> CountTable {
    let labels: Vec<String> = (0..categories).map(|c| format!("c{c}")).collect();
    let values = contributions.iter().map(|c| c.iter().sum()).collect();
    CountTable::new(None, CategorySet::new("c", labels), blocks, values).unwrap()
}

/// A rule with parameters in halves of a percent, so that the oracle can decide in integers:
/// `k = k2 / 2`, `p = p2 / 2`.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Dominance { n: usize, k2: u64 },
    PPercent { p2: u64 },
}

impl Rule {
    fn to_rule(self) -> MagnitudeRule {
        match self {
            Rule::Dominance { n, k2 } => MagnitudeRule::Dominance {
                n,
                k: k2 as f64 / 2.0,
            },
            Rule::PPercent { p2 } => MagnitudeRule::PPercent { p: p2 as f64 / 2.0 },
        }
    }

    /// The rule's definition applied to all contributions of a cell, in integers.
    fn oracle(self, mut all: Vec<u64>) -> bool {
        all.sort_unstable_by(|a, b| b.cmp(a));
        let total: u128 = all.iter().map(|&x| u128::from(x)).sum();
        if total == 0 {
            return false;
        }
        match self {
            // 100 · Σ top n > k · total  ⇔  200 · Σ top n > k2 · total
            Rule::Dominance { n, k2 } => {
                let top: u128 = all.iter().take(n).map(|&x| u128::from(x)).sum();
                200 * top > u128::from(k2) * total
            }
            // 100 · (total − x1 − x2) < p · x1  ⇔  200 · (…) < p2 · x1
            Rule::PPercent { p2 } => {
                let x1 = u128::from(all.first().copied().unwrap_or(0));
                let x2 = u128::from(all.get(1).copied().unwrap_or(0));
                200 * (total - x1 - x2) < u128::from(p2) * x1
            }
        }
    }
}

fn rule() -> impl Strategy<Value = Rule> {
    // the usual parameters, their boundaries and a few odd ones
    prop_oneof![
        (
            1usize..=3,
            prop_oneof![Just(100u64), Just(170), Just(200), 1u64..=200]
        )
            .prop_map(|(n, k2)| Rule::Dominance { n, k2 }),
        prop_oneof![Just(20u64), Just(30), Just(100), Just(200), 1u64..=200]
            .prop_map(|p2| Rule::PPercent { p2 }),
    ]
}

/// A random small case: town → 2–3 quarters → 1–4 blocks each, a school-district grouping
/// that need not nest in the quarters, 1–3 categories, 0–5 contributions per block cell
/// (mostly tiny, so that exact boundaries and ties are common; sometimes huge).
#[derive(Debug, Clone)]
struct Case {
    sizes: Vec<usize>,
    categories: usize,
    contributions: Vec<Vec<u64>>,
    schools: Vec<Option<usize>>,
    rule: Rule,
}

fn case() -> impl Strategy<Value = Case> {
    (prop::collection::vec(1usize..=4, 2..=3), 1usize..=3)
        .prop_flat_map(|(sizes, categories)| {
            let blocks: usize = sizes.iter().sum();
            let value = prop_oneof![
                8 => 0u64..=6,
                1 => 0u64..=1_000_000,
                1 => (u64::MAX >> 8)..=(u64::MAX >> 6),
            ];
            (
                Just(sizes),
                Just(categories),
                prop::collection::vec(prop::collection::vec(value, 0..=5), blocks * categories),
                prop::collection::vec(prop::option::weighted(0.85, 0usize..2), blocks),
                rule(),
            )
        })
        .prop_map(|(sizes, categories, contributions, schools, rule)| Case {
            sizes,
            categories,
            contributions,
            schools,
            rule,
        })
}

fn build(case: &Case) -> (Hierarchy, Vec<Grouping>, LinkedTables) {
    let mut rows = Vec::new();
    for (q, &n) in case.sizes.iter().enumerate() {
        for b in 0..n {
            rows.push(vec!["T".to_owned(), format!("Q{q}"), format!("Q{q}B{b}")]);
        }
    }
    let h = hierarchy(&["town", "quarter", "block"], &rows);
    // block positions are sorted by id; look each id up so that the test does not rely on it
    let members: Vec<(String, String)> = rows
        .iter()
        .zip(&case.schools)
        .filter_map(|(r, s)| s.map(|s| (r[2].clone(), format!("S{s}"))))
        .collect();
    let mut groupings = Vec::new();
    if !members.is_empty() {
        groupings.push(Grouping::new("school", &h, members).unwrap());
    }
    let table = sums(case.categories, h.blocks().len(), &case.contributions);
    let tables = LinkedTables::new(&h, &table, &groupings).unwrap();
    (h, groupings, tables)
}

/// All contributions of cell `i`, collected from the block cells it covers; membership from
/// the cell's key and the hierarchy's parents / the grouping's blocks, not from the model's
/// constraints.
fn contributions_of(
    h: &Hierarchy,
    groupings: &[Grouping],
    tables: &LinkedTables,
    contributions: &[Vec<u64>],
    i: usize,
) -> Vec<u64> {
    let key = tables.key(i).unwrap();
    let c = tables.categories().len();
    let block_level = h.block_level();
    let covers = |b: usize| match key.layer {
        Layer::Level(l) => {
            let (mut level, mut pos) = (block_level, b);
            while level > l {
                pos = h.units(level)[pos].parent().unwrap();
                level -= 1;
            }
            pos == key.unit
        }
        Layer::Grouping(g) => groupings[g].of_block()[b] == Some(key.unit),
    };
    let mut all = Vec::new();
    for b in (0..h.blocks().len()).filter(|&b| covers(b)) {
        for cat in 0..c {
            if key.category.is_none_or(|k| k == cat) {
                all.extend_from_slice(&contributions[b * c + cat]);
            }
        }
    }
    all
}

#[test]
fn magnitude_primary_equals_the_brute_force_oracle() {
    runner(64)
        .run(&case(), |case| {
            let (h, groupings, tables) = build(&case);
            let rule = case.rule.to_rule();
            let status = magnitude_primary(&tables, &case.contributions, &rule).unwrap();
            prop_assert_eq!(status.len(), tables.len());
            for (i, &s) in status.iter().enumerate() {
                let all = contributions_of(&h, &groupings, &tables, &case.contributions, i);
                // the oracle's cell is the model's cell
                let sum: u128 = all.iter().map(|&x| u128::from(x)).sum();
                prop_assert_eq!(sum, u128::from(tables.values()[i]), "cell {}", i);
                let expected = if case.rule.oracle(all) {
                    CellStatus::Primary
                } else {
                    CellStatus::Published
                };
                prop_assert_eq!(s, expected, "cell {} {:?}", i, tables.key(i));
            }
            Ok(())
        })
        .unwrap();
}

/// A town with quarters Q0 (blocks a, b) and Q1 (block c), two categories.
fn small() -> (Vec<Vec<u64>>, LinkedTables) {
    let rows: Vec<Vec<String>> = [("Q0", "a"), ("Q0", "b"), ("Q1", "c")]
        .iter()
        .map(|(q, b)| vec!["T".to_owned(), (*q).to_owned(), (*b).to_owned()])
        .collect();
    let h = hierarchy(&["town", "quarter", "block"], &rows);
    let contributions = vec![
        vec![1_234_567, 20, 30],
        vec![40, 40, 40],
        vec![7_654_321],
        vec![],
        vec![40, 40, 1],
        vec![9, 1],
    ];
    let table = sums(2, 3, &contributions);
    let tables = LinkedTables::new(&h, &table, &[]).unwrap();
    (contributions, tables)
}

#[test]
fn the_usual_rules_on_a_small_town() {
    let (contributions, tables) = small();
    let primary = |rule| -> Vec<usize> {
        let status = magnitude_primary(&tables, &contributions, &rule).unwrap();
        (0..tables.len())
            .filter(|&i| status[i] == CellStatus::Primary)
            .collect()
    };
    // Layout: town 0..3, Q0 3..6, Q1 6..9, a 9..12, b 12..15, c 15..18 (x, y, total).
    // (a, x) is dominated by one contribution, (b, x) has one contributor, (c, y) two: both
    // rules flag them and every cell above them in which one contribution dominates.
    // (c, x) = 40 + 40 + 1 is where they differ: no single contribution makes up half of it,
    // but either of the two large contributors learns the other's to within 1.
    // (b, y) is empty and never sensitive.
    let p10 = primary(MagnitudeRule::PPercent { p: 10.0 });
    assert_eq!(p10, [0, 2, 3, 5, 6, 7, 9, 11, 12, 14, 15, 16]);
    let d1 = primary(MagnitudeRule::Dominance { n: 1, k: 50.0 });
    assert_eq!(d1, [0, 2, 3, 5, 7, 9, 11, 12, 14, 16]);
    // (2, 85) flags (c, x) again (81 of 81), and the total of Q1 (80 of 91 = 87.9 %)
    let d2 = primary(MagnitudeRule::Dominance { n: 2, k: 85.0 });
    assert_eq!(d2, [0, 2, 3, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17]);
}

#[test]
fn a_mismatch_is_an_error_naming_the_cell_but_no_value() {
    let (mut contributions, tables) = small();
    let rule = MagnitudeRule::PPercent { p: 10.0 };
    // (b, x) is cell 12; its contributions no longer sum to 7 654 321
    contributions[2] = vec![7_654_320];
    let err = magnitude_primary(&tables, &contributions, &rule).unwrap_err();
    assert!(matches!(
        err,
        DisclosureError::Magnitude {
            problem: MagnitudeProblem::ContributionSum { cell: 12 }
        }
    ));
    let text = err.to_string();
    assert_eq!(text, "the contributions to cell 12 do not sum to its value");
    let umbrella = quartier::Error::from(err).to_string();
    for v in ["7654321", "7654320", "1234567", "1234617"] {
        assert!(!text.contains(v) && !umbrella.contains(v), "{text}");
    }

    // one list too few
    let (contributions, tables) = small();
    let err = magnitude_primary(&tables, &contributions[1..], &rule).unwrap_err();
    assert!(matches!(
        err,
        DisclosureError::Magnitude {
            problem: MagnitudeProblem::ContributionLists { lists: 5, cells: 6 }
        }
    ));

    // an invalid rule is checked first
    let err = magnitude_primary(&tables, &[], &MagnitudeRule::Dominance { n: 0, k: 50.0 });
    assert!(matches!(
        err,
        Err(DisclosureError::Magnitude {
            problem: MagnitudeProblem::InvalidParameter { parameter: "n", .. }
        })
    ));
}
