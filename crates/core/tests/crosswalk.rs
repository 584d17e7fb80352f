//! Crosswalks between block layers and re-aggregated protected tables (issue 9, item 2),
//! through the public API:
//!
//! - a 2×2 town counted with `anonymize`: a split block and a block moved to the other
//!   quarter, against values worked out by hand;
//! - the demo town against itself: exact links, and re-aggregation gives back every
//!   published value and every suppression;
//! - the demo town against a re-cut copy (blocks split in halves, blocks moved to a
//!   neighbouring quarter): every old unit's weights sum to 1 on every level, quarter
//!   weights equal a brute-force count of addresses, and with nothing suppressed the
//!   re-aggregated quarters add up to the old town's totals.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use geo::{BooleanOps, BoundingRect, Coord, Intersects, MultiPolygon, Rect, polygon};
use quartier::{
    AnonymizeSpec, BlockFeature, Crosswalk, CrosswalkError, CrosswalkMethod, DemoConfig, DemoTown,
    FrequencyRule, Hierarchy, HierarchyBuilder, Position, ProtectedTables, RecordKind, Records,
    Resident, Zeros, anonymize, musterstadt_with, reaggregate,
};

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
    ])
}

/// A layer from block features `(ids from the top, geometry)`.
fn layer(levels: &[&str], blocks: &[(Vec<String>, MultiPolygon<f64>)]) -> Hierarchy {
    let mut b = HierarchyBuilder::new(levels.iter().copied());
    for (i, (ids, geometry)) in blocks.iter().enumerate() {
        b.add_block(BlockFeature {
            feature: i,
            ids: ids.clone(),
            name: None,
            geometry: geometry.clone(),
        });
    }
    b.build().unwrap().0
}

fn ids(g: &str, q: &str, b: &str) -> Vec<String> {
    vec![g.into(), q.into(), b.into()]
}

/// Publishes every count: `k = 1` suppresses nothing.
fn publish_all() -> AnonymizeSpec {
    AnonymizeSpec {
        rule: FrequencyRule {
            k: 1,
            zeros: Zeros::Publish,
        },
        ..AnonymizeSpec::default()
    }
}

/// The published totals of one level, by unit id.
fn totals(t: &ProtectedTables, level: &str) -> BTreeMap<String, Option<u64>> {
    t.rows()
        .filter(|r| r.layer == level && r.category == "total")
        .map(|r| (r.unit_id.to_owned(), r.value))
        .collect()
}

/// The last value (the total) of a unit.
fn total(r: &quartier::Reaggregated, level: &str, unit: usize) -> Option<f64> {
    r.values(level, unit).and_then(|v| *v.last()?)
}

#[test]
fn a_split_block_and_a_moved_block_on_a_two_by_two_town() {
    const LEVELS: [&str; 3] = ["gemeinde", "quartier", "baublock"];
    // Q1 = B1 (south-west) + B3 (north-west), Q2 = B2 + B4 (east); 100 m squares.
    let old = layer(
        &LEVELS,
        &[
            (ids("G", "Q1", "B1"), rect(0.0, 0.0, 100.0, 100.0)),
            (ids("G", "Q2", "B2"), rect(100.0, 0.0, 200.0, 100.0)),
            (ids("G", "Q1", "B3"), rect(0.0, 100.0, 100.0, 200.0)),
            (ids("G", "Q2", "B4"), rect(100.0, 100.0, 200.0, 200.0)),
        ],
    );
    // B1 is split at x = 50; B3 moves to Q2.
    let new = layer(
        &LEVELS,
        &[
            (ids("G", "Q1", "B1a"), rect(0.0, 0.0, 50.0, 100.0)),
            (ids("G", "Q1", "B1b"), rect(50.0, 0.0, 100.0, 100.0)),
            (ids("G", "Q2", "B2"), rect(100.0, 0.0, 200.0, 100.0)),
            (ids("G", "Q2", "B3"), rect(0.0, 100.0, 100.0, 200.0)),
            (ids("G", "Q2", "B4"), rect(100.0, 100.0, 200.0, 200.0)),
        ],
    );
    // Addresses: B1 three west of x = 50 and one east; B2 one; B3 four; B4 none.
    let xy = [
        (10.0, 50.0),
        (20.0, 50.0),
        (30.0, 50.0),
        (70.0, 50.0),
        (150.0, 50.0),
        (20.0, 150.0),
        (40.0, 150.0),
        (60.0, 150.0),
        (80.0, 150.0),
    ];
    let addresses: Vec<Coord<f64>> = xy.iter().map(|&(x, y)| Coord { x, y }).collect();
    let cw = Crosswalk::build(&old, &new, &addresses).unwrap();
    let links: Vec<(usize, usize, f64, CrosswalkMethod)> = cw
        .links()
        .iter()
        .map(|l| (l.old, l.new, l.weight, l.method))
        .collect();
    let (ad, ar) = (CrosswalkMethod::Addresses, CrosswalkMethod::Area);
    assert_eq!(
        links,
        [
            (0, 0, 0.75, ad),
            (0, 1, 0.25, ad),
            (1, 2, 1.0, ad),
            (2, 3, 1.0, ad),
            (3, 4, 1.0, ar)
        ]
    );
    assert_eq!(
        [cw.exact(0), cw.exact(1), cw.exact(2), cw.exact(3)],
        [false, true, true, false]
    );
    // Q1 had 8 addresses, the 4 of B3 moved: Q1 → Q1 and Q1 → Q2 half each.
    let q: Vec<(usize, usize, f64, bool)> = cw
        .level_weights(&old, &new, 1)
        .unwrap()
        .iter()
        .map(|l| (l.old, l.new, l.weight, l.estimated))
        .collect();
    assert_eq!(
        q,
        [(0, 0, 0.5, true), (0, 1, 0.5, true), (1, 1, 1.0, false)]
    );

    // Residents: 6 in B1, 2 in B2, 4 in B3, 3 in B4 (all 30 years old).
    let mut residents = Vec::new();
    for (n, x, y) in [
        (6, 10.0, 10.0),
        (2, 110.0, 10.0),
        (4, 10.0, 110.0),
        (3, 110.0, 110.0),
    ] {
        residents.extend((0..n).map(|_| Resident {
            position: Some(Position::new(x, y)),
            age: 30,
        }));
    }
    let records = Records::new(residents, Vec::new(), Vec::new());
    let out = anonymize(&records, &old, &publish_all()).unwrap();
    let t = &out.tables()[0];
    assert_eq!(t.dataset(), RecordKind::Resident);
    let r = reaggregate(t, &old, &new, &cw, "quartier").unwrap();
    // Q1 = 10 → 5 stay, 5 go to Q2 = 5 + 5 = 10.
    assert_eq!(
        [total(&r, "quartier", 0), total(&r, "quartier", 1)],
        [Some(5.0), Some(10.0)]
    );
    assert_eq!(total(&r, "gemeinde", 0), Some(15.0));
    // The 25+ column holds everyone; the others are zero.
    assert_eq!(r.values("quartier", 0).unwrap()[6], Some(5.0));
    assert_eq!(r.values("quartier", 0).unwrap()[0], Some(0.0));
    // On the blocks: B1's 6 split 4.5 / 1.5; B4 maps by area.
    let b = reaggregate(t, &old, &new, &cw, "baublock").unwrap();
    let blocks: Vec<Option<f64>> = (0..5).map(|u| total(&b, "baublock", u)).collect();
    assert_eq!(
        blocks,
        [Some(4.5), Some(1.5), Some(2.0), Some(4.0), Some(3.0)]
    );
    let estimated: Vec<bool> = (0..5)
        .map(|u| b.estimated("baublock", u).unwrap()[7])
        .collect();
    assert_eq!(estimated, [true, true, false, false, true]);
    // Rounded back to protected tables on the new layer (4.5 → 5, 1.5 → 2).
    let p = b.to_protected().unwrap();
    assert_eq!(
        totals(&p, "baublock").into_iter().collect::<Vec<_>>(),
        [
            ("B1a".to_owned(), Some(5)),
            ("B1b".to_owned(), Some(2)),
            ("B2".to_owned(), Some(2)),
            ("B3".to_owned(), Some(4)),
            ("B4".to_owned(), Some(3)),
        ]
    );
    assert_eq!(totals(&p, "quartier").get("Q2"), Some(&Some(9)));
}

fn small(seed: u64) -> DemoTown {
    musterstadt_with(seed, &DemoConfig::SMALL).unwrap()
}

/// The residents' positions, as address points.
fn addresses(town: &DemoTown) -> Vec<Coord<f64>> {
    town.records
        .residents()
        .iter()
        .filter_map(|r| r.position)
        .map(|p| Coord { x: p.x(), y: p.y() })
        .collect()
}

#[test]
fn the_demo_town_against_itself_gives_back_every_cell() {
    let town = small(5);
    let h = &town.hierarchy;
    let cw = Crosswalk::build(h, h, &addresses(&town)).unwrap();
    for (o, l) in cw.links().iter().enumerate() {
        assert_eq!((l.old, l.new, l.weight), (o, o, 1.0));
        assert_eq!(cw.exact(o), cw.addresses(o) > 0);
    }
    // Non-residential blocks have no address and map onto themselves by area.
    assert!(cw.links().iter().any(|l| l.method == CrosswalkMethod::Area));
    // With the default rule (k = 3) some cells are suppressed: they stay unknown.
    let out = anonymize(&town.records, h, &town.anonymize_spec()).unwrap();
    for t in out.tables() {
        for level in ["baublock", "quartier"] {
            let l = h.level(level).unwrap();
            if !t.rows().any(|r| r.layer == level) {
                // A dataset published only down to the quarters has no block cells.
                let err = reaggregate(t, h, h, &cw, level).unwrap_err();
                assert!(matches!(err, CrosswalkError::NoCells { .. }), "{err}");
                continue;
            }
            let r = reaggregate(t, h, h, &cw, level).unwrap();
            let mut suppressed = 0;
            for row in t.rows().filter(|r| r.layer == level) {
                let u = h.position(l, row.unit_id).unwrap();
                let c = t
                    .categories()
                    .labels()
                    .iter()
                    .position(|c| c == row.category)
                    .unwrap_or(t.categories().len());
                assert_eq!(
                    r.values(level, u).unwrap()[c],
                    row.value.map(|v| v as f64),
                    "{} {level} {} {}",
                    t.dataset().name(),
                    row.unit_id,
                    row.category
                );
                suppressed += usize::from(row.value.is_none());
            }
            if level == "baublock" && t.dataset() == RecordKind::Resident {
                assert!(suppressed > 0, "the test needs suppressed cells");
            }
        }
    }
}

/// The demo town re-cut: every 5th block split in a west and an east half (`-w`, `-e`),
/// and up to 4 blocks next to a block of another quarter moved to that quarter (and its
/// Ortsteil).
fn recut(old: &Hierarchy) -> Hierarchy {
    let bl = old.block_level();
    let up: Vec<Vec<usize>> = (0..bl).map(|l| old.ancestors(bl, l).unwrap()).collect();
    let id = |l: usize, b: usize| old.units(l)[up[l][b]].id().as_str().to_owned();
    let rects: Vec<Rect<f64>> = old
        .blocks()
        .iter()
        .map(|b| b.geometry().bounding_rect().unwrap())
        .collect();
    let near = |a: Rect<f64>, b: Rect<f64>, d: f64| {
        a.min().x - d <= b.max().x
            && b.min().x - d <= a.max().x
            && a.min().y - d <= b.max().y
            && b.min().y - d <= a.max().y
    };
    let mut quarter_of: Vec<(String, String)> = (0..old.blocks().len())
        .map(|b| (id(1, b), id(2, b)))
        .collect();
    let mut moved = 0;
    for b in (3..old.blocks().len()).step_by(11) {
        if moved == 4 {
            break;
        }
        let other = (0..old.blocks().len())
            .find(|&c| up[2][c] != up[2][b] && near(rects[b], rects[c], 20.0));
        let blocks_left = (0..old.blocks().len())
            .filter(|&c| quarter_of[c].1 == quarter_of[b].1)
            .count();
        if let (Some(c), true) = (other, blocks_left > 1) {
            quarter_of[b] = (id(1, c), id(2, c));
            moved += 1;
        }
    }
    assert!(moved >= 2, "the re-cut needs moved blocks, moved {moved}");
    let mut features = Vec::new();
    for (b, block) in old.blocks().iter().enumerate() {
        let (ortsteil, quarter) = &quarter_of[b];
        let own = block.id().as_str();
        let ids = |suffix: &str| {
            vec![
                id(0, b),
                ortsteil.clone(),
                quarter.clone(),
                format!("{own}{suffix}"),
            ]
        };
        if b % 5 == 0 {
            let r = rects[b];
            let mid = r.center().x;
            let west = block.geometry().intersection(&rect(
                r.min().x - 1.0,
                r.min().y - 1.0,
                mid,
                r.max().y + 1.0,
            ));
            let east = block.geometry().intersection(&rect(
                mid,
                r.min().y - 1.0,
                r.max().x + 1.0,
                r.max().y + 1.0,
            ));
            features.push((ids("-e"), east));
            features.push((ids("-w"), west));
        } else {
            features.push((ids(""), block.geometry().clone()));
        }
    }
    layer(&["gemeinde", "ortsteil", "quartier", "baublock"], &features)
}

/// The position of the block covering `p` (smallest id on ties), by testing every block.
fn covering(h: &Hierarchy, p: Coord<f64>) -> Option<usize> {
    // Blocks are sorted by id: the first covering block has the smallest id.
    h.blocks().iter().position(|b| b.geometry().intersects(&p))
}

#[test]
fn a_recut_demo_town_keeps_totals_and_weights_match_a_brute_force_count() {
    let town = small(11);
    let old = &town.hierarchy;
    let new = recut(old);
    assert!(new.blocks().len() > old.blocks().len());
    let addresses = addresses(&town);
    let cw = Crosswalk::build(old, &new, &addresses).unwrap();

    // Every old unit's weights sum to 1, on every level.
    for level in 0..old.levels().len() {
        let links = cw.level_weights(old, &new, level).unwrap();
        let mut sums = vec![0.0; old.units(level).len()];
        for l in &links {
            assert!(l.weight > 0.0 && l.weight <= 1.0);
            assert!(l.estimated || l.weight == 1.0, "a split unit is estimated");
            sums[l.old] += l.weight;
        }
        for (u, s) in sums.iter().enumerate() {
            assert!((s - 1.0).abs() < 1e-9, "level {level} unit {u}: {s}");
        }
    }

    // Block links against a brute-force count of the addresses located in both layers;
    // blocks without any split by area, their weights summing to 1.
    let located: Vec<(usize, usize)> = addresses
        .iter()
        .filter_map(|&p| Some((covering(old, p)?, covering(&new, p)?)))
        .collect();
    let mut by_block: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for &pair in &located {
        *by_block.entry(pair).or_default() += 1;
    }
    let mut area_blocks = 0;
    for o in 0..old.blocks().len() {
        let of_o: u64 = by_block.range((o, 0)..(o + 1, 0)).map(|(_, c)| c).sum();
        let links = cw.links_of(o);
        if of_o == 0 {
            area_blocks += 1;
            assert!(links.iter().all(|l| l.method == CrosswalkMethod::Area));
            let sum: f64 = links.iter().map(|l| l.weight).sum();
            assert!((sum - 1.0).abs() < 1e-9, "block {o}: {sum}");
            continue;
        }
        let got: Vec<(usize, f64)> = links.iter().map(|l| (l.new, l.weight)).collect();
        let want: Vec<(usize, f64)> = by_block
            .range((o, 0)..(o + 1, 0))
            .map(|(&(_, n), &c)| (n, c as f64 / of_o as f64))
            .collect();
        assert_eq!(got, want, "block {o}");
    }
    assert!(area_blocks > 0, "the demo has blocks without residents");

    // Quarter weights against a brute-force count: addresses in both layers, by the old
    // quarter's id and the new quarter's id.
    let quarter = |h: &Hierarchy, b: usize| {
        let q = h.blocks()[b].parent().unwrap();
        h.units(2)[q].id().as_str().to_owned()
    };
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut of_old: BTreeMap<String, u64> = BTreeMap::new();
    for &(o, n) in &located {
        *counts
            .entry((quarter(old, o), quarter(&new, n)))
            .or_default() += 1;
        *of_old.entry(quarter(old, o)).or_default() += 1;
    }
    let expected: Vec<(String, String, f64)> = counts
        .iter()
        .map(|((u, v), &c)| (u.clone(), v.clone(), c as f64 / of_old[u] as f64))
        .collect();
    let links = cw.level_weights(old, &new, 2).unwrap();
    let got: Vec<(String, String, f64)> = links
        .iter()
        .map(|l| {
            let u = old.units(2)[l.old].id().as_str().to_owned();
            let v = new.units(2)[l.new].id().as_str().to_owned();
            (u, v, l.weight)
        })
        .collect();
    assert_eq!(got, expected);
    assert!(
        links.iter().any(|l| l.estimated) && links.iter().any(|l| !l.estimated),
        "the re-cut moves some quarters' addresses and leaves others whole"
    );

    // Nothing suppressed: the re-aggregated quarters add up to the old totals, per column.
    let out = anonymize(&town.records, old, &publish_all()).unwrap();
    for t in out.tables() {
        assert!(t.rows().all(|r| r.value.is_some()));
        let r = reaggregate(t, old, &new, &cw, "quartier").unwrap();
        let old_town: Vec<f64> = t
            .rows()
            .filter(|r| r.layer == "gemeinde")
            .map(|r| r.value.unwrap() as f64)
            .collect();
        for (c, &want) in old_town.iter().enumerate() {
            let sum: f64 = (0..new.units(2).len())
                .map(|v| r.values("quartier", v).unwrap()[c].unwrap())
                .sum();
            assert!(
                (sum - want).abs() < 1e-9,
                "{} column {c}: {sum} vs {want}",
                t.dataset().name()
            );
            let town_total = r.values("gemeinde", 0).unwrap()[c].unwrap();
            assert!((town_total - want).abs() < 1e-9);
        }
        // Every Ortsteil is the sum of its quarters.
        let up = new.ancestors(2, 1).unwrap();
        for o in 0..new.units(1).len() {
            let sum: f64 = (0..new.units(2).len())
                .filter(|&v| up[v] == o)
                .map(|v| total(&r, "quartier", v).unwrap())
                .sum();
            assert!((sum - total(&r, "ortsteil", o).unwrap()).abs() < 1e-9);
        }
    }
}
