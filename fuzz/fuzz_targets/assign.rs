//! Assignment on arbitrary polygons: the R-tree index agrees with the naive scan, and every
//! point gets exactly one outcome.
#![no_main]

use arbitrary::Arbitrary;
use geo::{LineString, MultiPolygon, Polygon};
use libfuzzer_sys::fuzz_target;
use quartier::{AssignOptions, UnitId, UnitIndex};

#[derive(Debug, Arbitrary)]
struct Input {
    polygons: Vec<Vec<(i16, i16)>>,
    points: Vec<(i16, i16)>,
    snap: Option<u8>,
}

fuzz_target!(|input: Input| {
    let units: Vec<(UnitId, MultiPolygon<f64>)> = input
        .polygons
        .iter()
        .take(16)
        .enumerate()
        .map(|(i, ring)| {
            let coords: Vec<(f64, f64)> = ring
                .iter()
                .take(32)
                .map(|&(x, y)| (f64::from(x), f64::from(y)))
                .collect();
            let polygon = Polygon::new(LineString::from(coords), vec![]);
            (
                UnitId::new(format!("u{i:02}")),
                MultiPolygon::new(vec![polygon]),
            )
        })
        .collect();
    let Ok(index) = UnitIndex::new(units) else {
        return;
    };
    let xs: Vec<f64> = input.points.iter().map(|p| f64::from(p.0) / 3.0).collect();
    let ys: Vec<f64> = input.points.iter().map(|p| f64::from(p.1) / 3.0).collect();
    let options = AssignOptions {
        snap_distance: input.snap.map(f64::from),
    };
    let (Ok(fast), Ok(naive)) = (
        index.assign(&xs, &ys, &options),
        index.assign_naive(&xs, &ys, &options),
    ) else {
        return;
    };
    assert_eq!(fast.len(), xs.len());
    assert_eq!(fast.units(), naive.units(), "index and naive scan disagree");
    assert_eq!(fast.outcomes(), naive.outcomes());
});
