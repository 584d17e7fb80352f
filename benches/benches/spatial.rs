//! Spatial statistics: contiguity weights (exact sort path, R-tree tolerance path, naive
//! twin), global Moran's I with 999 permutations and local Moran with 999 conditional
//! permutations, at 10k units.
//!
//! Polygons: the seeded synthetic town `quartier::synthetic_blocks(10_000, 42)` (blocks
//! separated by 8–24 m streets: no exact neighbours, so it is matched with a tolerance), and
//! a 100 × 100 lattice of 100 m squares sharing vertices exactly (queen: 8 neighbours
//! inside). The statistics run on the lattice's queen weights. Run with
//! `cargo bench -p quartier-benches --bench spatial`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use geo_types::{MultiPolygon, Rect};
use quartier::{Contiguity, contiguity, contiguity_naive, local_moran, moran, synthetic_blocks};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

fn lattice(side: usize) -> Vec<MultiPolygon<f64>> {
    (0..side * side)
        .map(|k| {
            let (x, y) = ((k % side) as f64 * 100.0, (k / side) as f64 * 100.0);
            MultiPolygon::from(Rect::new((x, y), (x + 100.0, y + 100.0)).to_polygon())
        })
        .collect()
}

fn bench_contiguity(c: &mut Criterion) {
    let blocks: Vec<MultiPolygon<f64>> = synthetic_blocks(10_000, 42)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let squares = lattice(100);
    let small = lattice(32);
    for (name, polygons, kind, tolerance) in [
        ("blocks queen 30 m", &blocks, Contiguity::Queen, 30.0),
        ("blocks rook 30 m", &blocks, Contiguity::Rook, 30.0),
        ("lattice queen exact", &squares, Contiguity::Queen, 0.0),
        ("lattice rook exact", &squares, Contiguity::Rook, 0.0),
        ("lattice queen 1 m", &squares, Contiguity::Queen, 1.0),
    ] {
        let w = contiguity(polygons, kind, tolerance).unwrap();
        eprintln!(
            "{name}: {} units, {} links, {} islands",
            w.len(),
            w.n_links(),
            w.islands().len()
        );
    }
    let mut group = c.benchmark_group("spatial_contiguity/10k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("blocks queen tolerance 30 m (R-tree)", |b| {
        b.iter(|| black_box(contiguity(&blocks, Contiguity::Queen, 30.0).unwrap()))
    });
    group.bench_function("blocks rook tolerance 30 m (R-tree)", |b| {
        b.iter(|| black_box(contiguity(&blocks, Contiguity::Rook, 30.0).unwrap()))
    });
    group.bench_function("blocks queen exact (sort)", |b| {
        b.iter(|| black_box(contiguity(&blocks, Contiguity::Queen, 0.0).unwrap()))
    });
    group.bench_function("lattice queen exact (sort)", |b| {
        b.iter(|| black_box(contiguity(&squares, Contiguity::Queen, 0.0).unwrap()))
    });
    group.bench_function("lattice rook exact (sort)", |b| {
        b.iter(|| black_box(contiguity(&squares, Contiguity::Rook, 0.0).unwrap()))
    });
    group.bench_function("lattice queen tolerance 1 m (R-tree)", |b| {
        b.iter(|| black_box(contiguity(&squares, Contiguity::Queen, 1.0).unwrap()))
    });
    group.finish();

    let mut group = c.benchmark_group("spatial_contiguity/1k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("lattice queen exact (sort)", |b| {
        b.iter(|| black_box(contiguity(&small, Contiguity::Queen, 0.0).unwrap()))
    });
    group.bench_function("lattice queen naive", |b| {
        b.iter(|| black_box(contiguity_naive(&small, Contiguity::Queen, 0.0).unwrap()))
    });
    group.finish();
}

fn bench_moran(c: &mut Criterion) {
    let w = contiguity(&lattice(100), Contiguity::Queen, 0.0).unwrap();
    let mut rng = Pcg64::seed_from_u64(42);
    let values: Vec<f64> = (0..w.len()).map(|_| rng.random_range(0.0..100.0)).collect();
    let mut group = c.benchmark_group("spatial_moran/10k_queen_lattice");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("moran 0 permutations", |b| {
        b.iter(|| black_box(moran(&values, &w, 0, 1).unwrap()))
    });
    group.bench_function("moran 999 permutations", |b| {
        b.iter(|| black_box(moran(&values, &w, 999, 1).unwrap()))
    });
    group.bench_function("local_moran 0 permutations", |b| {
        b.iter(|| black_box(local_moran(&values, &w, 0, 1).unwrap()))
    });
    group.bench_function("local_moran 999 permutations", |b| {
        b.iter(|| black_box(local_moran(&values, &w, 999, 1).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_contiguity, bench_moran);
criterion_main!(benches);
