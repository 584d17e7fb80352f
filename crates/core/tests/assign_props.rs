//! Property tests: the indexed assignment equals the naive twin and an independent oracle
//! built on geo's `CoordinatePosition` (covers = inside or on the boundary).

#![allow(clippy::unwrap_used)]

use geo::coordinate_position::CoordPos;
use geo::{
    Coord, CoordinatePosition, Distance, Euclidean, LineString, MultiPolygon, Point, Polygon,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};
use quartier::{AssignOptions, Assignment, Outcome, UnitId, UnitIndex};

/// Side of one layout cell, metres; coordinates are small multiples of 1/4, so the points
/// below hit edges and vertices exactly.
const CELL: f64 = 4.0;

fn ring(pts: &[(f64, f64)]) -> LineString<f64> {
    LineString::from(pts.to_vec())
}

fn rect_ring(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
    ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
}

/// What a layout cell holds.
#[derive(Debug, Clone, Copy)]
enum CellKind {
    /// Nothing: a gap.
    Gap,
    /// A block filling the cell (shares edges with its neighbours).
    Full,
    /// A block filling the cell with a hole in the middle.
    Holed,
    /// Two triangles split along a diagonal (a shared diagonal edge).
    Triangles,
    /// A block inset by 1 m (a street around it).
    Inset,
}

fn cell_kind() -> impl Strategy<Value = CellKind> {
    prop_oneof![
        Just(CellKind::Gap),
        Just(CellKind::Full),
        Just(CellKind::Holed),
        Just(CellKind::Triangles),
        Just(CellKind::Inset),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    units: Vec<(UnitId, MultiPolygon<f64>)>,
    xs: Vec<f64>,
    ys: Vec<f64>,
    snap: Option<f64>,
}

fn coordinate(max: f64) -> impl Strategy<Value = f64> {
    let quarters = (max * 4.0) as i32;
    prop_oneof![
        8 => (-8..=quarters + 8).prop_map(|q| f64::from(q) / 4.0),
        2 => -2.0..max + 2.0,
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)],
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=5, 1usize..=5)
        .prop_flat_map(|(nx, ny)| {
            let kinds = prop::collection::vec(cell_kind(), nx * ny);
            let overlay = prop::option::weighted(
                0.3,
                (0..=(nx as i32 * 4), 0..=(ny as i32 * 4), 1..=8i32, 1..=8i32),
            );
            let max = (nx.max(ny) as f64) * CELL;
            let points = prop::collection::vec((coordinate(max), coordinate(max)), 1..200);
            let snap = prop_oneof![
                Just(None),
                Just(Some(0.0)),
                Just(Some(0.5)),
                Just(Some(1.25)),
                Just(Some(100.0)),
            ];
            let seed = any::<u64>();
            (Just((nx, ny)), kinds, overlay, points, snap, seed)
        })
        .prop_map(|((nx, _ny), kinds, overlay, points, snap, seed)| {
            let mut polys: Vec<MultiPolygon<f64>> = Vec::new();
            for (k, kind) in kinds.iter().enumerate() {
                let x0 = (k % nx) as f64 * CELL;
                let y0 = (k / nx) as f64 * CELL;
                let (x1, y1) = (x0 + CELL, y0 + CELL);
                match kind {
                    CellKind::Gap => {}
                    CellKind::Full => polys.push(MultiPolygon(vec![Polygon::new(
                        rect_ring(x0, y0, x1, y1),
                        vec![],
                    )])),
                    CellKind::Holed => polys.push(MultiPolygon(vec![Polygon::new(
                        rect_ring(x0, y0, x1, y1),
                        vec![rect_ring(x0 + 1.0, y0 + 1.0, x1 - 1.5, y1 - 1.0)],
                    )])),
                    CellKind::Triangles => {
                        polys.push(MultiPolygon(vec![Polygon::new(
                            ring(&[(x0, y0), (x1, y0), (x1, y1)]),
                            vec![],
                        )]));
                        polys.push(MultiPolygon(vec![Polygon::new(
                            ring(&[(x0, y0), (x1, y1), (x0, y1)]),
                            vec![],
                        )]));
                    }
                    CellKind::Inset => polys.push(MultiPolygon(vec![Polygon::new(
                        rect_ring(x0 + 1.0, y0 + 1.0, x1 - 1.0, y1 - 0.5),
                        vec![],
                    )])),
                }
            }
            if let Some((ox, oy, w, h)) = overlay {
                // An L-shaped unit overlapping others (quarter-metre corners).
                let (x0, y0) = (f64::from(ox) - 0.5, f64::from(oy) - 0.25);
                let (w, h) = (f64::from(w), f64::from(h));
                polys.push(MultiPolygon(vec![Polygon::new(
                    ring(&[
                        (x0, y0),
                        (x0 + w, y0),
                        (x0 + w, y0 + h / 2.0),
                        (x0 + w / 2.0, y0 + h),
                        (x0, y0 + h),
                    ]),
                    vec![],
                )]));
            }
            // Unique ids in a random order unrelated to the input order.
            let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed.to_le_bytes().repeat(4));
            let mut ids: Vec<String> = (0..polys.len())
                .map(|i| format!("{}{i}", (b'a' + (rng.next_u32() % 26) as u8) as char))
                .collect();
            for i in (1..ids.len()).rev() {
                let j = (rng.next_u32() as usize) % (i + 1);
                ids.swap(i, j);
            }
            let units = ids.into_iter().map(UnitId::from).zip(polys).collect();
            let (xs, ys) = points.into_iter().unzip();
            Case {
                units,
                xs,
                ys,
                snap,
            }
        })
}

/// The independent oracle: geo's `CoordinatePosition` for covers, geo's Euclidean distance
/// for snapping. Returns per point the expected unit and outcome, or `None` for a snapping
/// decision too close to call in floating point (a near-tie of distances computed by two
/// different formulas), which the caller then skips.
fn oracle(case: &Case) -> Vec<Option<(i32, Outcome)>> {
    let mut order: Vec<usize> = (0..case.units.len()).collect();
    order.sort_by(|&a, &b| case.units[a].0.cmp(&case.units[b].0));
    case.xs
        .iter()
        .zip(&case.ys)
        .map(|(&x, &y)| {
            if !(x.is_finite() && y.is_finite()) {
                return Some((-1, Outcome::InvalidCoordinate));
            }
            let c = Coord { x, y };
            if let Some(&u) = order
                .iter()
                .find(|&&u| case.units[u].1.coordinate_position(&c) != CoordPos::Outside)
            {
                return Some((u as i32, Outcome::Assigned));
            }
            let Some(limit) = case.snap else {
                return Some((-1, Outcome::OutsideEveryUnit));
            };
            let mut dists: Vec<(f64, usize)> = order
                .iter()
                .map(|&u| (Euclidean.distance(&case.units[u].1, &Point::new(x, y)), u))
                .collect();
            // Stable sort keeps id order among equal distances.
            dists.sort_by(|a, b| a.0.total_cmp(&b.0));
            let tol = 1e-9;
            match dists.first() {
                None => Some((-1, Outcome::OutsideEveryUnit)),
                Some(&(d, u)) => {
                    if (d - limit).abs() <= tol && d != limit {
                        return None;
                    }
                    if let Some(&(d2, _)) = dists.get(1) {
                        if d2 != d && d2 - d <= tol {
                            return None;
                        }
                    }
                    if d <= limit {
                        Some((u as i32, Outcome::Snapped))
                    } else {
                        Some((-1, Outcome::OutsideEveryUnit))
                    }
                }
            }
        })
        .collect()
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let index =
        UnitIndex::new(case.units.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let options = AssignOptions {
        snap_distance: case.snap,
    };
    let fast = index
        .assign(&case.xs, &case.ys, &options)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let naive = index
        .assign_naive(&case.xs, &case.ys, &options)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let rtree = index
        .assign_rtree(&case.xs, &case.ys, &options)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&fast, &naive);
    prop_assert_eq!(&fast, &rtree);
    check_summary(&fast)?;
    for (i, want) in oracle(case).into_iter().enumerate() {
        let got = (fast.units()[i], fast.outcome(i));
        if let Some(want) = want {
            prop_assert_eq!(got, want, "point {} = ({}, {})", i, case.xs[i], case.ys[i]);
        }
        if options.snap_distance.is_none() {
            prop_assert_eq!(
                index
                    .locate(case.xs[i], case.ys[i])
                    .map(|u| u as i32)
                    .unwrap_or(-1),
                got.0
            );
        }
    }
    Ok(())
}

fn check_summary(a: &Assignment) -> Result<(), TestCaseError> {
    let s = a.summary();
    prop_assert_eq!(s.total, a.len());
    prop_assert_eq!(
        s.total,
        s.assigned + s.snapped + s.invalid_coordinate + s.outside
    );
    let count = |o: Outcome| a.outcomes().iter().filter(|&&c| c == o as u8).count();
    prop_assert_eq!(s.assigned, count(Outcome::Assigned));
    prop_assert_eq!(s.snapped, count(Outcome::Snapped));
    prop_assert_eq!(s.invalid_coordinate, count(Outcome::InvalidCoordinate));
    prop_assert_eq!(s.outside, count(Outcome::OutsideEveryUnit));
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
}

#[test]
fn indexed_equals_naive_and_oracle() {
    let mut runner = runner(512);
    let result = runner.run(&case(), |case| check(&case));
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn synthetic_town_indexed_equals_naive() {
    let blocks = quartier::synthetic_blocks(400, 11);
    let (xs, ys) = quartier::synthetic_points(&blocks, 20_000, 0.2, 12);
    let index = UnitIndex::new(blocks.clone()).unwrap();
    for snap in [None, Some(3.0)] {
        let options = AssignOptions {
            snap_distance: snap,
        };
        let fast = index.assign(&xs, &ys, &options).unwrap();
        let naive = index.assign_naive(&xs, &ys, &options).unwrap();
        assert_eq!(fast, naive);
        check_summary(&fast).unwrap();
    }
    // Boundary points of a layout with street gaps are all covered by their own block.
    let (bx, by) = quartier::synthetic_points(&blocks, 5_000, 1.0, 13);
    let a = index.assign(&bx, &by, &AssignOptions::default()).unwrap();
    assert_eq!(a.summary().assigned, 5_000);
}
