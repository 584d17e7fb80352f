//! Differencing between two block layers of one date (issue 9): protecting each layer on its
//! own leaves cells that the union of both publications pins down; [`protect_layers`]
//! protects both in one model. Checked with the independent LP oracle [`audit_naive`].
#![allow(clippy::unwrap_used)]

mod common;

use common::runner;
use geo::{BooleanOps, BoundingRect, MultiPolygon, Rect, polygon};
use proptest::prelude::*;
use quartier::{
    AssignOptions, BlockFeature, CategorySet, CellStatus, CountTable, DemoConfig, DemoTown,
    FrequencyRule, Hierarchy, HierarchyBuilder, LayerModel, LayerProtection, LinkedTables,
    RecordKind, UnitIndex, audit_naive, protect, protect_layers,
};

const K: u64 = 3;

fn rect(x0: f64, x1: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![polygon![
        (x: x0, y: 0.0), (x: x1, y: 0.0), (x: x1, y: 10.0), (x: x0, y: 10.0)
    ]])
}

/// A layer of blocks `[x0, x1] × [0, 10]`, each with its ids from the top level down.
fn layer(levels: &[&str], blocks: &[(Vec<String>, f64, f64)]) -> Hierarchy {
    let mut b = HierarchyBuilder::new(levels.iter().copied());
    for (i, (ids, x0, x1)) in blocks.iter().enumerate() {
        b.add_block(BlockFeature {
            feature: i,
            ids: ids.clone(),
            name: None,
            geometry: rect(*x0, *x1),
        });
    }
    b.build().unwrap().0
}

fn ids(path: &[&str]) -> Vec<String> {
    path.iter().map(|s| (*s).to_owned()).collect()
}

/// The block table of one layer: records per block (`block_of` picks the layer's block).
fn block_table(
    h: &Hierarchy,
    cats: &CategorySet,
    records: &[(usize, usize, usize)],
    block_of: fn(&(usize, usize, usize)) -> usize,
) -> CountTable {
    let c = cats.len();
    let mut counts = vec![0u64; h.blocks().len() * c];
    for r in records {
        counts[block_of(r) * c + r.2] += 1;
    }
    CountTable::new(None, cats.clone(), h.blocks().len(), counts).unwrap()
}

/// Every published cell of one layer protected on its own: (level, unit, category) → status.
fn statuses(
    tables: &LinkedTables,
    status: &[CellStatus],
) -> Vec<(usize, usize, Option<usize>, CellStatus)> {
    (0..tables.len())
        .map(|i| {
            let k = tables.key(i).unwrap();
            let quartier::Layer::Level(l) = k.layer else {
                panic!("no grouping in a one-layer model")
            };
            (l, k.unit, k.category, status[i])
        })
        .collect()
}

/// The cells of a joint pattern that the oracle finds narrower than K and that must be
/// protected (suppressed and not waived).
fn exposed(p_model: &LayerModel, status: &[CellStatus], rule: &FrequencyRule) -> Vec<usize> {
    let waived = p_model.waived(rule);
    let report = audit_naive(p_model.tables(), status, K).unwrap();
    report
        .cells()
        .iter()
        .filter(|c| !waived[c.cell] && c.width() < K as f64 - 1e-6)
        .map(|c| c.cell)
        .collect()
}

/// Checks a joint pattern against the rule and the oracle.
fn check_joint(p: &LayerProtection, rule: &FrequencyRule) {
    let t = p.model.tables();
    let status = p.status();
    for (i, &v) in t.values().iter().enumerate() {
        if p.model.hidden()[i] {
            assert!(status[i].is_suppressed(), "hidden cell {i} published");
        } else {
            assert!(
                status[i].is_suppressed() || !rule.is_sensitive(v),
                "published cell {i} is sensitive"
            );
        }
    }
    assert_eq!(exposed(&p.model, status, rule), Vec::<usize>::new());
}

#[test]
fn separate_protection_leaks_a_sliver_that_joint_protection_covers() {
    // Old: A [0, 10], B [10, 20]. New: A′ [0, 9], B′ [9, 20]. Two categories.
    // A ∩ A′: 5, 5; the sliver A ∩ B′: 1, 0; B ∩ B′: 5, 5.
    // Old A = (6, 5), B = (5, 5); new A′ = (5, 5), B′ = (6, 5): nothing is sensitive in either.
    let levels = ["gemeinde", "baublock"];
    let old = layer(
        &levels,
        &[
            (ids(&["T", "A"]), 0.0, 10.0),
            (ids(&["T", "B"]), 10.0, 20.0),
        ],
    );
    let new = layer(
        &levels,
        &[(ids(&["T", "A"]), 0.0, 9.0), (ids(&["T", "B"]), 9.0, 20.0)],
    );
    let cats = CategorySet::new("c", ["x", "y"]);
    let mut records = vec![(0, 0, 0); 5];
    records.extend([(0, 0, 1); 5]);
    records.push((0, 1, 0));
    records.extend([(1, 1, 0); 5]);
    records.extend([(1, 1, 1); 5]);
    let rule = FrequencyRule::default();

    // Each layer protected on its own: nothing to suppress, each passes its own audit.
    let t_old = LinkedTables::new(&old, &block_table(&old, &cats, &records, |r| r.0), &[]).unwrap();
    let t_new = LinkedTables::new(&new, &block_table(&new, &cats, &records, |r| r.1), &[]).unwrap();
    let p_old = protect(&t_old, &rule).unwrap();
    let p_new = protect(&t_new, &rule).unwrap();
    assert!(p_old.status.iter().all(|s| !s.is_suppressed()));
    assert!(p_new.status.iter().all(|s| !s.is_suppressed()));

    // The union of both publications in the joint model: the sliver x = A − A′ = 6 − 5 = 1
    // is pinned down exactly.
    let model = LayerModel::new(&old, &new, &cats, &records).unwrap();
    let t = model.tables();
    let mut union: Vec<CellStatus> = model
        .hidden()
        .iter()
        .map(|&h| {
            if h {
                CellStatus::Primary
            } else {
                CellStatus::Published
            }
        })
        .collect();
    for (l, u, k, s) in statuses(&t_old, &p_old.status) {
        if s.is_suppressed() {
            union[model.old_cell(l, u, k).unwrap()] = s;
        }
    }
    for (l, u, k, s) in statuses(&t_new, &p_new.status) {
        if s.is_suppressed() {
            union[model.new_cell(l, u, k).unwrap()] = s;
        }
    }
    // Fragments in id order: "A|A", "B|A" (the sliver), "B|B".
    assert_eq!(model.fragments(), &[(0, 0), (0, 1), (1, 1)]);
    let sliver_x = t
        .index(quartier::CellKey {
            layer: quartier::Layer::Level(model.fragment_level()),
            unit: 1,
            category: Some(0),
        })
        .unwrap();
    assert_eq!(t.values()[sliver_x], 1);
    let report = audit_naive(t, &union, K).unwrap();
    let c = report.cell(sliver_x).unwrap();
    assert_eq!((c.lo, c.hi), (1.0, 1.0), "the sliver is revealed");
    assert!(exposed(&model, &union, &rule).contains(&sliver_x));

    // Protected together: the oracle finds nothing narrower than K.
    let p = protect_layers(&old, &new, &cats, &records, &rule, K).unwrap();
    check_joint(&p, &rule);
    let c = audit_naive(p.model.tables(), p.status(), K).unwrap();
    assert!(c.cell(sliver_x).unwrap().width() >= K as f64);
    assert!(p.summary.both.secondary >= 2, "{:?}", p.summary);
    assert_eq!(p.summary.both.primary, 0);
}

/// A re-cut copy of the demo town's block layer: every 9th block split in two (west and east
/// halves of its bounding box), every 11th moved to the quarter of the nearest block of
/// another quarter, every 13th merged with the next block of its quarter.
fn recut(h: &Hierarchy) -> (Hierarchy, usize, usize, usize) {
    let bl = h.block_level();
    let anc: Vec<Vec<usize>> = (0..=bl).map(|l| h.ancestors(bl, l).unwrap()).collect();
    let path = |b: usize| -> Vec<String> {
        (0..=bl)
            .map(|l| h.units(l)[anc[l][b]].id().as_str().to_owned())
            .collect()
    };
    let quarter = bl - 1;
    let centre = |b: usize| {
        let r = h.blocks()[b].geometry().bounding_rect().unwrap();
        r.center()
    };
    let n = h.blocks().len();
    let mut builder = HierarchyBuilder::new(h.levels().iter().cloned());
    let mut features: Vec<(Vec<String>, MultiPolygon<f64>)> = Vec::new();
    let (mut split, mut moved, mut merged) = (0, 0, 0);
    let mut skip = vec![false; n];
    for b in 0..n {
        if skip[b] {
            continue;
        }
        let g = h.blocks()[b].geometry().clone();
        let mut ids = path(b);
        if b % 9 == 4 {
            let r = g.bounding_rect().unwrap();
            let mid = ((r.min().x + r.max().x) / 2.0 * 8.0).round() / 8.0;
            let west = MultiPolygon::new(vec![
                Rect::new((r.min().x - 1.0, r.min().y - 1.0), (mid, r.max().y + 1.0)).to_polygon(),
            ]);
            let a = g.intersection(&west);
            let e = g.difference(&west);
            let (mut ia, mut ie) = (ids.clone(), ids.clone());
            ia[bl].push_str("-w");
            ie[bl].push_str("-e");
            features.push((ia, a));
            features.push((ie, e));
            split += 1;
            continue;
        }
        if b % 11 == 5 {
            let c = centre(b);
            let other = (0..n)
                .filter(|&o| anc[quarter][o] != anc[quarter][b])
                .min_by(|&x, &y| {
                    let (cx, cy) = (centre(x), centre(y));
                    let dx = (cx.x - c.x).hypot(cx.y - c.y);
                    let dy = (cy.x - c.x).hypot(cy.y - c.y);
                    dx.total_cmp(&dy).then(x.cmp(&y))
                })
                .unwrap();
            let target = path(other);
            ids[..bl].clone_from_slice(&target[..bl]);
            moved += 1;
        } else if b % 13 == 8 && b + 1 < n && anc[quarter][b + 1] == anc[quarter][b] {
            let next = b + 1;
            if next % 9 != 4 && next % 11 != 5 {
                let g = g.union(h.blocks()[next].geometry());
                skip[next] = true;
                ids[bl].push_str("-m");
                features.push((ids, g));
                merged += 1;
                continue;
            }
        }
        features.push((ids, g));
    }
    for (i, (ids, geometry)) in features.into_iter().enumerate() {
        builder.add_block(BlockFeature {
            feature: i,
            ids,
            name: None,
            geometry,
        });
    }
    (builder.build().unwrap().0, split, moved, merged)
}

/// Records of the demo town's residents located in both layers: (old, new, age class) with
/// the classes under 18, 18–24 and 25 and over (fewer columns than the seven age groups keep
/// the oracle's LPs affordable: it solves two per suppressed cell).
fn located(town: &DemoTown, old: &Hierarchy, new: &Hierarchy) -> Vec<(usize, usize, usize)> {
    let (xs, ys) = town.records.coordinates(RecordKind::Resident);
    let options = AssignOptions {
        snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
    };
    let a_old = UnitIndex::from_hierarchy(old, old.block_level())
        .unwrap()
        .assign(xs, ys, &options)
        .unwrap();
    let a_new = UnitIndex::from_hierarchy(new, new.block_level())
        .unwrap()
        .assign(xs, ys, &options)
        .unwrap();
    town.records
        .categories(RecordKind::Resident)
        .enumerate()
        .filter_map(|(i, k)| Some((a_old.unit(i)?, a_new.unit(i)?, k.saturating_sub(4))))
        .collect()
}

#[test]
fn the_demo_town_on_two_layers_is_protected_jointly() {
    let town = quartier::musterstadt_with(11, &DemoConfig::SMALL).unwrap();
    let old = &town.hierarchy;
    let (new, split, moved, merged) = recut(old);
    assert!(
        split >= 5 && moved >= 5 && merged >= 3,
        "{split} {moved} {merged}"
    );
    let cats = CategorySet::new("age", ["0-17", "18-24", "25+"]);
    let records = located(&town, old, &new);
    assert!(records.len() > 1_900);
    let rule = FrequencyRule::default();
    let p = protect_layers(old, &new, &cats, &records, &rule, K).unwrap();
    assert!(p.protection.audit.is_passed());
    // The oracle over the joint model: every suppressed published cell and every sensitive
    // fragment has width ≥ K; no published cell is sensitive; fragments are hidden.
    check_joint(&p, &rule);
    // Some slivers are sensitive (split halves, moved blocks with few persons).
    assert!(p.summary.sensitive_hidden > 0, "{:?}", p.summary);

    // The new layer alone, protected on its own, for comparison.
    let t_new = LinkedTables::new(&new, &block_table(&new, &cats, &records, |r| r.1), &[]).unwrap();
    let alone = protect(&t_new, &rule).unwrap();
    let alone_suppressed = alone.status.iter().filter(|s| s.is_suppressed()).count();
    let joint_new = p.summary.new.suppressed();
    assert_eq!(p.summary.new.cells, t_new.len());
    // Joint protection may cost the new layer more, but not everything: measured 128
    // suppressed new-layer cells jointly against 116 alone (seed 11); at most 1.5× is
    // asserted, and well under half of the layer's cells.
    assert!(
        2 * joint_new <= 3 * alone_suppressed,
        "joint {joint_new}, alone {alone_suppressed}"
    );
    assert!(2 * joint_new < p.summary.new.cells, "{:?}", p.summary);
    // Unchanged blocks (the same cells in both layers) are mostly published.
    let bl = old.block_level();
    let shared: Vec<usize> = (0..old.blocks().len())
        .filter(|&b| p.model.old_same_as(bl, b).is_some())
        .collect();
    assert!(
        shared.len() * 10 > old.blocks().len() * 7,
        "{}",
        shared.len()
    );
    let published_totals = shared
        .iter()
        .filter(|&&b| p.old_status(bl, b, None) == Some(CellStatus::Published))
        .count();
    assert!(
        published_totals * 2 > shared.len(),
        "{published_totals} of {}",
        shared.len()
    );
}

/// A random two-layer town: a row of 3–8 atoms (10 m squares) cut into old blocks and,
/// independently, into new blocks; each layer's blocks grouped into quarters; 1–2 categories
/// with counts 0–6 per atom.
fn two_layers() -> impl Strategy<
    Value = (
        Hierarchy,
        Hierarchy,
        CategorySet,
        Vec<(usize, usize, usize)>,
    ),
> {
    (3usize..=8, 1usize..=2)
        .prop_flat_map(|(atoms, c)| {
            (
                Just(atoms),
                Just(c),
                prop::collection::vec(any::<bool>(), atoms - 1),
                prop::collection::vec(any::<bool>(), atoms - 1),
                prop::collection::vec(any::<bool>(), atoms - 1),
                prop::collection::vec(any::<bool>(), atoms - 1),
                prop::collection::vec(0u64..=6, atoms * c),
            )
        })
        .prop_map(|(atoms, c, old_cuts, new_cuts, old_q, new_q, counts)| {
            let levels = ["gemeinde", "quartier", "baublock"];
            // Blocks as atom ranges; a quarter cut only where a block ends.
            let build = |prefix: &str, cuts: &[bool], qcuts: &[bool]| {
                let mut blocks: Vec<(Vec<String>, f64, f64)> = Vec::new();
                let mut block_of = vec![0usize; atoms];
                let (mut start, mut q) = (0usize, 0usize);
                for a in 0..atoms {
                    let end = a + 1 == atoms || cuts[a];
                    if end {
                        let id = format!("{prefix}{:02}", blocks.len());
                        blocks.push((
                            vec!["T".to_owned(), format!("q{q}"), id],
                            10.0 * start as f64,
                            10.0 * (a + 1) as f64,
                        ));
                        for slot in &mut block_of[start..=a] {
                            *slot = blocks.len() - 1;
                        }
                        if a + 1 < atoms && qcuts[a] {
                            q += 1;
                        }
                        start = a + 1;
                    }
                }
                (layer(&levels, &blocks), block_of)
            };
            let (old, old_of) = build("o", &old_cuts, &old_q);
            let (new, new_of) = build("n", &new_cuts, &new_q);
            let cats = CategorySet::new("c", (0..c).map(|k| format!("c{k}")));
            let mut records = Vec::new();
            for a in 0..atoms {
                for k in 0..c {
                    for _ in 0..counts[a * c + k] {
                        records.push((old_of[a], new_of[a], k));
                    }
                }
            }
            (old, new, cats, records)
        })
}

#[test]
fn random_two_layer_towns_pass_the_oracle() {
    runner(24)
        .run(&two_layers(), |(old, new, cats, records)| {
            let rule = FrequencyRule::default();
            let p = protect_layers(&old, &new, &cats, &records, &rule, K).unwrap();
            check_joint(&p, &rule);
            // Both layers' statuses come from the one pattern.
            let bl = old.block_level();
            for b in 0..old.blocks().len() {
                if let Some((l, u)) = p.model.old_same_as(bl, b) {
                    prop_assert_eq!(p.old_status(bl, b, None), p.new_status(l, u, None));
                }
            }
            Ok(())
        })
        .unwrap();
}
