//! Point-in-polygon assignment: index build, indexed (grid) query, R-tree-only query and
//! the naive twin, on seeded synthetic towns (`quartier::synthetic_blocks`).
//!
//! Sizes: 1k blocks × 100k points and 10k blocks × 1M points, 5 % of the points exactly on
//! block boundaries, in random (unsorted) order. Run with
//! `cargo bench -p quartier-benches --bench assign`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use quartier::{AssignOptions, UnitIndex, synthetic_blocks, synthetic_points};

const BOUNDARY_SHARE: f64 = 0.05;

/// Points reordered by a counting sort on coarse tiles outside the library, coordinates
/// copied (the experiment that led to the built-in sort of `assign`; kept for comparison).
fn assign_sorted(index: &UnitIndex, xs: &[f64], ys: &[f64], tiles: usize) -> Vec<i32> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (&x, &y) in xs.iter().zip(ys) {
        if x.is_finite() && y.is_finite() {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    let sx = tiles as f64 / (x1 - x0).max(f64::MIN_POSITIVE);
    let sy = tiles as f64 / (y1 - y0).max(f64::MIN_POSITIVE);
    let key = |x: f64, y: f64| {
        let i = (((x - x0) * sx) as usize).min(tiles - 1);
        let j = (((y - y0) * sy) as usize).min(tiles - 1);
        j * tiles + i
    };
    let mut counts = vec![0u32; tiles * tiles + 1];
    for (&x, &y) in xs.iter().zip(ys) {
        counts[key(x, y) + 1] += 1;
    }
    for k in 0..tiles * tiles {
        counts[k + 1] += counts[k];
    }
    let mut order = vec![0u32; xs.len()];
    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
        let k = key(x, y);
        order[counts[k] as usize] = i as u32;
        counts[k] += 1;
    }
    let sx: Vec<f64> = order.iter().map(|&i| xs[i as usize]).collect();
    let sy: Vec<f64> = order.iter().map(|&i| ys[i as usize]).collect();
    let a = index.assign(&sx, &sy, &AssignOptions::default()).unwrap();
    let mut out = vec![-1i32; xs.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i as usize] = a.units()[k];
    }
    out
}

fn bench_size(c: &mut Criterion, n_blocks: usize, n_points: usize, with_naive: bool) {
    let label = format!("{}k_blocks_{}k_points", n_blocks / 1000, n_points / 1000);
    let blocks = synthetic_blocks(n_blocks, 42);
    let (xs, ys) = synthetic_points(&blocks, n_points, BOUNDARY_SHARE, 43);
    let index = UnitIndex::new(blocks.clone()).unwrap();
    eprintln!("{label}: {}", index.stats());
    let opts = AssignOptions::default();
    let summary = *index.assign(&xs, &ys, &opts).unwrap().summary();
    eprintln!("{label}: {summary}");

    let mut build = c.benchmark_group(format!("assign_build/{label}"));
    build
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    build.bench_function("UnitIndex::new", |b| {
        b.iter_batched(
            || blocks.clone(),
            |blocks| black_box(UnitIndex::new(blocks).unwrap()),
            BatchSize::LargeInput,
        )
    });
    build.finish();

    let mut q = c.benchmark_group(format!("assign_query/{label}"));
    q.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(n_points as u64));
    q.bench_function("assign (grid, parallel)", |b| {
        b.iter(|| black_box(index.assign(&xs, &ys, &opts).unwrap()))
    });
    q.bench_function("assign snap 5 m (grid, parallel)", |b| {
        let snap = AssignOptions {
            snap_distance: Some(5.0),
        };
        b.iter(|| black_box(index.assign(&xs, &ys, &snap).unwrap()))
    });
    // Input that arrives spatially sorted (row-major by 8 m cells); the sort is not timed.
    // Same points, so the same summary.
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by_key(|&i| ((ys[i] / 8.0) as i64, (xs[i] / 8.0) as i64));
    let sorted_xs: Vec<f64> = order.iter().map(|&i| xs[i]).collect();
    let sorted_ys: Vec<f64> = order.iter().map(|&i| ys[i]).collect();
    assert_eq!(
        *index
            .assign(&sorted_xs, &sorted_ys, &opts)
            .unwrap()
            .summary(),
        summary
    );
    q.bench_function("assign sorted_input (8 m rows, sort not timed)", |b| {
        b.iter(|| black_box(index.assign(&sorted_xs, &sorted_ys, &opts).unwrap()))
    });
    q.bench_function("assign on a pre-sorted copy incl. sort", |b| {
        b.iter(|| black_box(assign_sorted(&index, &xs, &ys, 256)))
    });
    q.bench_function("assign_rtree (R-tree only, parallel)", |b| {
        b.iter(|| black_box(index.assign_rtree(&xs, &ys, &opts).unwrap()))
    });
    if with_naive {
        q.bench_function("assign_naive (sequential)", |b| {
            b.iter(|| black_box(index.assign_naive(&xs, &ys, &opts).unwrap()))
        });
    }
    q.finish();
}

fn bench(c: &mut Criterion) {
    bench_size(c, 1_000, 100_000, true);
    bench_size(c, 10_000, 1_000_000, false);
}

criterion_group!(benches, bench);
criterion_main!(benches);
