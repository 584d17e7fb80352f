//! Building the spatial hierarchy from a block layer: reading the GeoJSON file, validation,
//! validation + dissolve (`HierarchyBuilder::build`), and `read_hierarchy` end to end.
//!
//! Data: the seeded 10k-block town of `quartier::synthetic_blocks(10_000, 42)` (a 100 × 100
//! jittered grid of blocks, 100 m pitch, separated by streets), with ids derived from the
//! block's grid position: one Gemeinde, 4 Ortsteile (quadrants), 289 Quartiere (contiguous
//! tiles of 6 × 6 blocks, 17 × 17 tiles), written once to a temporary GeoJSON file. A second
//! case builds 10k *touching* blocks (a 100 × 100 grid of 10 m quadrilaterals whose shared
//! corners are jittered by ±3 m, overlap tolerance 0), where every neighbour pair needs an
//! exact intersection test and the dissolve merges shared edges. Run with
//! `cargo bench -p quartier-benches --bench hierarchy`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use geo_types::{LineString, MultiPolygon, Polygon};
use quartier::{
    BlockFeature, BlockLayerSpec, HierarchyBuilder, read_block_features, read_hierarchy,
    synthetic_blocks,
};
use quartier_benches::write_block_layer;

/// Blocks per grid side (`synthetic_blocks` lays 10 000 blocks out 100 × 100).
const SIDE: usize = 100;
/// Blocks per quarter tile side.
const TILE: usize = 6;
/// Quarter tiles per district side (17 tiles → districts of 9 and 8 tiles).
const DISTRICT_TILES: usize = 9;

/// The ids of the block in column `col`, row `row`, top level first.
fn ids(col: usize, row: usize, block_id: String) -> Vec<String> {
    let (qc, qr) = (col / TILE, row / TILE);
    let district = (qr / DISTRICT_TILES) * 2 + qc / DISTRICT_TILES + 1;
    vec![
        "05758999".to_owned(),
        format!("05758999-{district:02}"),
        format!("05758999-{district:02}-{qr:02}{qc:02}"),
        block_id,
    ]
}

/// The synthetic town's blocks with derived ids.
fn town_blocks() -> Vec<BlockFeature> {
    synthetic_blocks(SIDE * SIDE, 42)
        .into_iter()
        .enumerate()
        .map(|(i, (id, geometry))| BlockFeature {
            feature: i,
            ids: ids(i % SIDE, i / SIDE, id.as_str().to_owned()),
            name: None,
            geometry,
        })
        .collect()
}

/// `SIDE × SIDE` touching quadrilaterals of 10 m, inner corners jittered by up to ±3 m.
fn touching_blocks() -> Vec<BlockFeature> {
    let n = SIDE;
    let jitter = |i: usize, j: usize, k: u64| {
        let mut h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ k;
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 32;
        (h % 6001) as f64 / 1000.0 - 3.0
    };
    let corner = |i: usize, j: usize| {
        let edge = i == 0 || j == 0 || i == n || j == n;
        let (dx, dy) = if edge {
            (0.0, 0.0)
        } else {
            (jitter(i, j, 1), jitter(i, j, 2))
        };
        (i as f64 * 10.0 + dx, j as f64 * 10.0 + dy)
    };
    let mut out = Vec::with_capacity(n * n);
    for j in 0..n {
        for i in 0..n {
            let ring = vec![
                corner(i, j),
                corner(i + 1, j),
                corner(i + 1, j + 1),
                corner(i, j + 1),
            ];
            out.push(BlockFeature {
                feature: out.len(),
                ids: ids(i, j, format!("B{:07}", out.len())),
                name: None,
                geometry: MultiPolygon::new(vec![Polygon::new(LineString::from(ring), vec![])]),
            });
        }
    }
    out
}

fn builder(spec: &BlockLayerSpec, blocks: Vec<BlockFeature>) -> HierarchyBuilder {
    let mut b = HierarchyBuilder::new(spec.levels.iter().cloned());
    for block in blocks {
        b.add_block(block);
    }
    b
}

fn bench(c: &mut Criterion) {
    let spec = BlockLayerSpec::default_fields();
    let blocks = town_blocks();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blocks.geojson");
    write_block_layer(&path, &blocks, &spec).unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();

    // What is timed must be what was written, and it must be clean.
    assert_eq!(read_block_features(&path, &spec).unwrap(), blocks);
    let (h, report) = read_hierarchy(&path, &spec).unwrap();
    assert!(report.is_empty(), "{report}");
    let sizes: Vec<usize> = (0..4).map(|l| h.units(l).len()).collect();
    assert_eq!(sizes, [1, 4, 289, 10_000]);
    eprintln!(
        "hierarchy: {} blocks, units per level {sizes:?}, GeoJSON {:.1} MiB",
        blocks.len(),
        bytes as f64 / (1024.0 * 1024.0)
    );
    let touching = touching_blocks();
    let (_, report) = builder(&spec, touching.clone())
        .with_overlap_tolerance_m2(0.0)
        .build()
        .unwrap();
    assert!(report.is_empty(), "{report}");

    let mut g = c.benchmark_group("hierarchy/10k_blocks");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(blocks.len() as u64));
    g.bench_function("read_block_features (GeoJSON)", |b| {
        b.iter(|| black_box(read_block_features(&path, &spec).unwrap()))
    });
    g.bench_function("HierarchyBuilder::validate", |b| {
        let builder = builder(&spec, blocks.clone());
        b.iter(|| black_box(builder.validate()))
    });
    g.bench_function("HierarchyBuilder::build (validate + dissolve)", |b| {
        b.iter_batched(
            || builder(&spec, blocks.clone()),
            |builder| black_box(builder.build().unwrap()),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("read_hierarchy (file → hierarchy)", |b| {
        b.iter(|| black_box(read_hierarchy(&path, &spec).unwrap()))
    });
    g.bench_function(
        "HierarchyBuilder::build touching blocks (overlap tol 0)",
        |b| {
            b.iter_batched(
                || builder(&spec, touching.clone()).with_overlap_tolerance_m2(0.0),
                |builder| black_box(builder.build().unwrap()),
                BatchSize::LargeInput,
            )
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
