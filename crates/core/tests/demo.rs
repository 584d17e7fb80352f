//! The demo town "Musterstadt": determinism, shape, validity, planted outcomes, the wall.
#![allow(clippy::unwrap_used)]

use geo::{Area, Intersects, Point, Validation};
use quartier::{
    AssignOptions, Outcome, RecordKind, UnitIndex, aggregate, count_blocks, musterstadt,
};

#[test]
fn same_seed_same_town() {
    let a = musterstadt(11).unwrap();
    let b = musterstadt(11).unwrap();
    assert_eq!(a.records, b.records);
    assert_eq!(a.deprivation, b.deprivation);
    for level in 0..a.hierarchy.levels().len() {
        let (ua, ub) = (a.hierarchy.units(level), b.hierarchy.units(level));
        assert_eq!(ua.len(), ub.len());
        for (x, y) in ua.iter().zip(ub) {
            assert_eq!(x.id(), y.id());
            assert_eq!(x.name(), y.name());
            assert_eq!(x.parent(), y.parent());
            assert_eq!(x.geometry(), y.geometry());
        }
    }
    for kind in RecordKind::ALL {
        assert_eq!(a.planted(kind), b.planted(kind));
    }
}

#[test]
fn different_seed_different_town() {
    let a = musterstadt(1).unwrap();
    let b = musterstadt(2).unwrap();
    assert_ne!(a.records, b.records);
    let geoms = |t: &quartier::DemoTown| {
        t.hierarchy
            .blocks()
            .iter()
            .map(|u| u.geometry().clone())
            .collect::<Vec<_>>()
    };
    assert_ne!(geoms(&a), geoms(&b));
}

#[test]
fn levels_and_sizes() {
    for seed in [0, 1, 2, 3, 99, u64::MAX] {
        let town = musterstadt(seed).unwrap();
        let h = &town.hierarchy;
        assert_eq!(h.levels(), ["gemeinde", "ortsteil", "quartier", "baublock"]);
        assert_eq!(h.units(0).len(), 1);
        assert!((3..=5).contains(&h.units(1).len()), "seed {seed}");
        assert!((18..=22).contains(&h.units(2).len()), "seed {seed}");
        let n = h.blocks().len();
        assert!((500..=700).contains(&n), "seed {seed}: {n} blocks");
        // every upper unit has a name, every district at least one quarter, etc.
        for level in 0..3 {
            for (pos, unit) in h.units(level).iter().enumerate() {
                assert!(unit.name().is_some_and(|s| !s.is_empty()));
                assert!(!h.children(level, pos).is_empty());
            }
        }
        let residents = town.records.len(RecordKind::Resident);
        assert!((19_000..=21_000).contains(&residents));
        assert!(town.records.len(RecordKind::Kita) > 400);
        assert!(town.records.len(RecordKind::ChildSupport) > 200);
    }
}

#[test]
fn hierarchy_validates_without_findings() {
    for seed in 0..12 {
        let town = musterstadt(seed).unwrap();
        assert!(
            town.validation.is_empty(),
            "seed {seed}:\n{}",
            town.validation
        );
    }
}

#[test]
fn blocks_are_valid_with_area_and_some_holes() {
    for seed in 0..4 {
        let town = musterstadt(seed).unwrap();
        let mut holes = 0;
        for block in town.hierarchy.blocks() {
            let g = block.geometry();
            assert_eq!(g.0.len(), 1);
            assert!(g.is_valid(), "{}", block.id());
            assert!(g.signed_area() > 100.0, "{}", block.id());
            let poly = &g.0[0];
            // counter-clockwise exterior, clockwise holes
            assert!(poly.exterior().signed_area_ring() > 0.0);
            for hole in poly.interiors() {
                assert!(hole.signed_area_ring() < 0.0);
                holes += 1;
            }
        }
        let share = f64::from(holes) / town.hierarchy.blocks().len() as f64;
        assert!((0.02..=0.08).contains(&share), "seed {seed}: {share}");
    }
}

trait RingArea {
    fn signed_area_ring(&self) -> f64;
}

impl RingArea for geo::LineString<f64> {
    fn signed_area_ring(&self) -> f64 {
        geo::Polygon::new(self.clone(), vec![]).signed_area()
    }
}

#[test]
fn ids_are_hierarchical_and_sorted() {
    let town = musterstadt(5).unwrap();
    let h = &town.hierarchy;
    assert_eq!(h.units(0)[0].id().as_str(), "05758999");
    for level in 1..4 {
        let units = h.units(level);
        for unit in units {
            let parent = &h.units(level - 1)[unit.parent().unwrap()];
            assert!(unit.id().as_str().starts_with(&format!("{}-", parent.id())));
        }
        assert!(units.windows(2).all(|w| w[0].id() < w[1].id()));
    }
}

#[test]
fn every_planted_outcome_occurs() {
    let town = musterstadt(3).unwrap();
    let h = &town.hierarchy;
    let index = UnitIndex::from_hierarchy(h, h.block_level()).unwrap();
    let options = AssignOptions {
        snap_distance: Some(quartier::DemoTown::SNAP_DISTANCE_M),
    };
    for kind in RecordKind::ALL {
        let planted = town.planted(kind);
        assert!(!planted.on_shared_edge.is_empty());
        assert!(!planted.in_street.is_empty());
        assert!(!planted.far_outside.is_empty());
        assert!(!planted.no_position.is_empty());
        assert!(!planted.invalid_coordinate.is_empty());
        let (xs, ys) = town.records.coordinates(kind);
        let a = index.assign(xs, ys, &options).unwrap();
        let s = a.summary();
        assert_eq!(s.total, town.records.len(kind));
        assert_eq!(s.snapped, planted.in_street.len(), "{kind:?}");
        assert_eq!(s.outside, planted.far_outside.len(), "{kind:?}");
        assert_eq!(
            s.invalid_coordinate,
            planted.no_position.len() + planted.invalid_coordinate.len(),
            "{kind:?}"
        );
        assert_eq!(
            town.records.without_position(kind),
            planted.no_position.len()
        );
        assert_eq!(
            s.assigned + s.snapped + s.outside + s.invalid_coordinate,
            s.total
        );
        for &i in &planted.in_street {
            assert_eq!(a.outcome(i), Outcome::Snapped);
        }
        for &i in &planted.far_outside {
            assert_eq!(a.outcome(i), Outcome::OutsideEveryUnit);
        }
        for &i in &planted.no_position {
            assert_eq!(a.outcome(i), Outcome::InvalidCoordinate);
            assert!(xs[i].is_nan() && ys[i].is_nan());
        }
        for &i in &planted.invalid_coordinate {
            assert_eq!(a.outcome(i), Outcome::InvalidCoordinate);
            assert!(!xs[i].is_finite() || !ys[i].is_finite());
        }
        // Records on a shared edge are covered by two blocks and go to the smaller id.
        for &i in &planted.on_shared_edge {
            assert_eq!(a.outcome(i), Outcome::Assigned);
            let p = Point::new(xs[i], ys[i]);
            let covering: Vec<usize> = (0..h.blocks().len())
                .filter(|&b| h.blocks()[b].geometry().intersects(&p))
                .collect();
            assert!(
                covering.len() >= 2,
                "{kind:?} record {i} is not on a shared edge"
            );
            assert_eq!(a.unit(i), Some(covering[0]));
        }
        // Without snapping, the street records end outside every unit.
        let strict = index.assign(xs, ys, &AssignOptions::default()).unwrap();
        assert_eq!(
            strict.summary().outside,
            planted.in_street.len() + planted.far_outside.len()
        );
    }
}

#[test]
fn deprived_quarters_carry_the_signal() {
    let town = musterstadt(8).unwrap();
    let h = &town.hierarchy;
    let quarter = h.level("quartier").unwrap();
    let index = UnitIndex::from_hierarchy(h, h.block_level()).unwrap();
    let options = AssignOptions {
        snap_distance: Some(5.0),
    };
    let tables = |kind: RecordKind| {
        let (xs, ys) = town.records.coordinates(kind);
        let a = index.assign(xs, ys, &options).unwrap();
        let records = (0..a.len())
            .map(|i| a.unit(i))
            .zip(town.records.categories(kind));
        let (blocks, _) = count_blocks(h.blocks().len(), &kind.categories(), records).unwrap();
        aggregate(h, &blocks).unwrap().swap_remove(quarter)
    };
    let residents = tables(RecordKind::Resident);
    let support = tables(RecordKind::ChildSupport);
    let kita = tables(RecordKind::Kita);
    let worst = town.disadvantaged_quarters();
    assert!((3..=5).contains(&worst.len()));
    let rate = |qs: &[usize]| {
        let under12: u64 = qs
            .iter()
            .map(|&q| residents.row(q)[..4].iter().sum::<u64>())
            .sum();
        let cases: u64 = qs
            .iter()
            .map(|&q| support.row(q)[..2].iter().sum::<u64>())
            .sum();
        let young: u64 = qs
            .iter()
            .map(|&q| residents.row(q)[..6].iter().sum::<u64>())
            .sum();
        let all: u64 = qs.iter().map(|&q| residents.row_total(q)).sum();
        let low_fee: u64 = qs
            .iter()
            .map(|&q| kita.row(q)[..2].iter().sum::<u64>())
            .sum();
        let kids: u64 = qs.iter().map(|&q| kita.row_total(q)).sum();
        (
            cases as f64 / under12 as f64,
            young as f64 / all as f64,
            low_fee as f64 / kids as f64,
        )
    };
    let others: Vec<usize> = (0..h.units(quarter).len())
        .filter(|q| !worst.contains(q))
        .collect();
    let (support_w, young_w, low_w) = rate(&worst);
    let (support_o, young_o, low_o) = rate(&others);
    assert!(support_w > 2.0 * support_o, "{support_w} vs {support_o}");
    assert!(young_w > 1.2 * young_o, "{young_w} vs {young_o}");
    assert!(low_w > 2.0 * low_o, "{low_w} vs {low_o}");
}

#[test]
fn records_do_not_leak_through_debug() {
    let town = musterstadt(4).unwrap();
    let r = town.records.residents()[0];
    let p = r.position.unwrap();
    let text = format!(
        "{r:?} {p:?} {:?} {:?}",
        town.records,
        town.records.kita()[0]
    );
    let x = format!("{}", p.x().trunc());
    let y = format!("{}", p.y().trunc());
    assert!(!text.contains(&x[..4]) && !text.contains(&y[..4]), "{text}");
    assert!(!text.contains(&format!("age: {}", r.age)));
    assert!(text.contains("<redacted>"));
    // The whole town's Debug (hierarchy, records) holds no record value either.
    let all = format!("{town:?}");
    assert!(!all.contains(&format!("{}", p.x())));
}
