//! The demo town and the counting pipeline: generating Musterstadt, `count_records`
//! (index build + assignment of every record kind + block counts + aggregation up the
//! hierarchy) on the demo town (~20k residents, ~600 blocks) and on a scaled town (250k
//! residents, ~10k blocks: the DESIGN target "whole pipeline on a district of 250k residents
//! and 10k blocks: seconds"), and the scaled town's pipeline from the block file on:
//! `read_hierarchy` on its GeoJSON block layer + `count_records`.
//!
//! Last, `anonymize` end to end on the scaled town (assign + tables + primary and secondary
//! suppression + audit, all three datasets, with and without the town's school-district
//! grouping): the sealed-office phase of issue 3, target under 10 s for 250k records.
//!
//! Run with `cargo bench -p quartier-benches --bench pipeline`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quartier::{
    AnonymizeSpec, AssignOptions, BlockFeature, BlockLayerSpec, DemoConfig, DemoTown, RecordKind,
    UnitIndex, anonymize, count_records, musterstadt, musterstadt_with, read_hierarchy,
};
use quartier_benches::write_block_layer;

/// A town of 250k residents on ~10k blocks.
fn scaled() -> DemoConfig {
    quartier_benches::district()
}

fn records(town: &DemoTown) -> usize {
    RecordKind::ALL.iter().map(|&k| town.records.len(k)).sum()
}

fn describe(label: &str, town: &DemoTown) {
    let h = &town.hierarchy;
    eprintln!(
        "{label}: units per level {:?}, residents {}, all records {}",
        (0..h.levels().len())
            .map(|l| h.units(l).len())
            .collect::<Vec<_>>(),
        town.records.len(RecordKind::Resident),
        records(town)
    );
}

/// The town's blocks as a block layer: the ids of every level, top first.
fn block_layer(town: &DemoTown) -> Vec<BlockFeature> {
    let h = &town.hierarchy;
    let bl = h.block_level();
    let up: Vec<Vec<usize>> = (0..=bl).map(|l| h.ancestors(bl, l).unwrap()).collect();
    h.blocks()
        .iter()
        .enumerate()
        .map(|(i, block)| BlockFeature {
            feature: i,
            ids: (0..=bl)
                .map(|l| h.units(l)[up[l][i]].id().as_str().to_owned())
                .collect(),
            name: None,
            geometry: block.geometry().clone(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let snap = AssignOptions {
        snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
    };
    let demo = musterstadt(42).unwrap();
    describe("demo town", &demo);
    let big = musterstadt_with(42, &scaled()).unwrap();
    describe("scaled town", &big);
    assert!(big.validation.is_empty(), "{}", big.validation);

    let spec = BlockLayerSpec::default_fields();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blocks.geojson");
    write_block_layer(&path, &block_layer(&big), &spec).unwrap();
    let (h, report) = read_hierarchy(&path, &spec).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.blocks().len(), big.hierarchy.blocks().len());
    let from_file = count_records(&h, &big.records, &snap).unwrap();
    let in_memory = count_records(&big.hierarchy, &big.records, &snap).unwrap();
    for (a, b) in from_file.datasets.iter().zip(&in_memory.datasets) {
        assert_eq!(a.summary, b.summary);
    }

    let mut g = c.benchmark_group("pipeline/generate");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("musterstadt (demo town)", |b| {
        b.iter(|| black_box(musterstadt(black_box(42)).unwrap()))
    });
    g.bench_function("musterstadt_with (scaled town)", |b| {
        let config = scaled();
        b.iter(|| black_box(musterstadt_with(black_box(42), &config).unwrap()))
    });
    g.finish();

    let mut g = c.benchmark_group("pipeline/count_records");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (label, town) in [("demo town", &demo), ("scaled town", &big)] {
        g.throughput(Throughput::Elements(records(town) as u64));
        g.bench_function(format!("count_records snap 5 m ({label})"), |b| {
            b.iter(|| black_box(count_records(&town.hierarchy, &town.records, &snap).unwrap()))
        });
    }
    g.throughput(Throughput::Elements(big.hierarchy.blocks().len() as u64));
    g.bench_function(
        "UnitIndex::from_hierarchy, part of count_records (scaled town)",
        |b| {
            let h = &big.hierarchy;
            b.iter(|| black_box(UnitIndex::from_hierarchy(h, h.block_level()).unwrap()))
        },
    );
    g.throughput(Throughput::Elements(records(&big) as u64));
    g.bench_function(
        "read_hierarchy + count_records snap 5 m (scaled town)",
        |b| {
            b.iter(|| {
                let (h, _) = read_hierarchy(&path, &spec).unwrap();
                black_box(count_records(&h, &big.records, &snap).unwrap())
            })
        },
    );
    g.finish();

    let mut g = c.benchmark_group("pipeline/anonymize");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(records(&big) as u64));
    for (label, groupings) in [
        ("scaled town", Vec::new()),
        ("scaled town + school districts", big.groupings.clone()),
    ] {
        let spec = AnonymizeSpec {
            assign: snap,
            groupings,
            ..AnonymizeSpec::default()
        };
        let t = std::time::Instant::now();
        let out = anonymize(&big.records, &big.hierarchy, &spec).unwrap();
        let took = t.elapsed().as_secs_f64();
        assert!(out.protocol().is_passed() && out.protocol().is_balanced());
        for d in &out.protocol().datasets {
            let (cells, primary, secondary) = d.cells.iter().fold((0, 0, 0), |(c, p, s), l| {
                (c + l.cells, p + l.primary, s + l.secondary)
            });
            eprintln!(
                "anonymize ({label}), {}: {} records, {cells} cells, {primary} primary, \
                 {secondary} secondary, audit passed, smallest width {:?}",
                d.dataset, d.records.read, d.audit.smallest_width
            );
        }
        eprintln!("anonymize ({label}): single run {took:.2} s");
        g.bench_function(format!("anonymize ({label})"), |b| {
            b.iter(|| black_box(anonymize(&big.records, &big.hierarchy, &spec).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
