//! Disclosure control on a district-sized model: primary suppression and the LP audit (fast
//! path beside the naive oracle on a small model).
//!
//! Data: a seeded 4-level town — 1 Gemeinde, 10 Ortsteile, 200 Quartiere, 10,000 blocks
//! (`quartier::synthetic_blocks(10_000, 42)`, a 100 × 100 grid; quarters are tiles of 10 × 5
//! blocks, districts two rows of tiles) — × 50 categories with Poisson counts whose mean
//! rises from 0.3 (first category) to 3.0 (last), drawn with `rand_pcg::Pcg64` seed 7.
//! The same town with a school-district grouping that cuts across the quarters (tiles of 7 × 6
//! blocks against the quarters' 10 × 5) is protected as well. Building the hierarchy (dissolve)
//! and the count table is setup, not timed. Run with
//! `cargo bench -p quartier-benches --bench disclosure`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use quartier::{
    BlockFeature, CategorySet, CellStatus, CountTable, FrequencyRule, Grouping, HierarchyBuilder,
    IntervalKind, LinkedTables, audit, audit_naive, primary_suppression, protect, synthetic_blocks,
};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

/// Blocks per grid side.
const SIDE: usize = 100;
/// Quarter tile: blocks wide × blocks tall.
const TILE: (usize, usize) = (10, 5);
/// Categories per table.
const CATEGORIES: usize = 50;

/// The ids of the block in column `col`, row `row`, top level first.
fn ids(col: usize, row: usize, block_id: String) -> Vec<String> {
    let (qc, qr) = (col / TILE.0, row / TILE.1);
    let district = qr / 2;
    vec![
        "T".to_owned(),
        format!("D{district:02}"),
        format!("Q{qr:02}{qc:02}"),
        block_id,
    ]
}

/// One Poisson draw (Knuth's method; the means here are small).
fn poisson(rng: &mut Pcg64, mean: f64) -> u64 {
    let limit = (-mean).exp();
    let mut p = 1.0;
    let mut k = 0;
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

/// School-district tile: blocks wide × blocks tall (does not nest in the quarter tiles).
const SCHOOL: (usize, usize) = (7, 6);

/// The linked-table model of a town of `side × side` blocks.
fn model(side: usize, categories: usize) -> LinkedTables {
    model_with(side, categories, false)
}

/// The model, with the school-district grouping when `schools` is set.
fn model_with(side: usize, categories: usize, schools: bool) -> LinkedTables {
    let mut builder = HierarchyBuilder::new(["gemeinde", "ortsteil", "quartier", "baublock"]);
    let mut members = Vec::new();
    for (i, (id, geometry)) in synthetic_blocks(side * side, 42).into_iter().enumerate() {
        let (col, row) = (i % side, i / side);
        members.push((
            id.as_str().to_owned(),
            format!("S{:02}{:02}", row / SCHOOL.1, col / SCHOOL.0),
        ));
        builder.add_block(BlockFeature {
            feature: i,
            ids: ids(i % side, i / side, id.as_str().to_owned()),
            name: None,
            geometry,
        });
    }
    let (h, _) = builder.build().unwrap();
    let n = h.blocks().len();
    let mut rng = Pcg64::seed_from_u64(7);
    let means: Vec<f64> = (0..categories)
        .map(|c| 0.3 + 2.7 * c as f64 / (categories.max(2) - 1) as f64)
        .collect();
    let counts: Vec<u64> = (0..n)
        .flat_map(|_| means.clone())
        .map(|m| poisson(&mut rng, m))
        .collect();
    let names: Vec<String> = (0..categories).map(|c| format!("c{c:02}")).collect();
    let table = CountTable::new(None, CategorySet::new("c", names), n, counts).unwrap();
    let groupings = if schools {
        vec![Grouping::new("grundschulbezirk", &h, members).unwrap()]
    } else {
        Vec::new()
    };
    LinkedTables::new(&h, &table, &groupings).unwrap()
}

fn describe(name: &str, tables: &LinkedTables, status: &[CellStatus]) {
    let primary = status.iter().filter(|s| **s == CellStatus::Primary).count();
    let secondary = status
        .iter()
        .filter(|s| **s == CellStatus::Secondary)
        .count();
    let t = Instant::now();
    let report = audit(tables, status, 3).unwrap();
    let took = t.elapsed();
    let inner = report
        .cells()
        .iter()
        .filter(|c| c.kind == IntervalKind::Inner)
        .count();
    eprintln!(
        "{name}: {} cells, {} constraints, {primary} primary, {secondary} secondary; {report}; \
         {inner} certified without own LP; audit {:.2} s",
        tables.len(),
        tables.constraints().len(),
        took.as_secs_f64()
    );
}

fn report(label: &str, p: &quartier::Protection) {
    let s = &p.summary;
    eprintln!(
        "{label}: {} primary, {} secondary, {} directions, {} cones, {} extra rounds; \
         final audit: {}",
        s.primary, s.secondary, s.directions, s.cones, s.rounds, p.audit
    );
}

fn bench(c: &mut Criterion) {
    let rule = FrequencyRule::default();
    let t = Instant::now();
    let tables = model(SIDE, CATEGORIES);
    eprintln!(
        "setup (hierarchy + tables): {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let primary = primary_suppression(&tables, &rule);
    describe("10k blocks × 50, primary pattern", &tables, &primary);

    let mut g = c.benchmark_group("disclosure/10k_blocks_x50");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    g.bench_function("primary_suppression", |b| {
        b.iter(|| black_box(primary_suppression(&tables, &rule)))
    });
    g.bench_function("audit (primary pattern)", |b| {
        b.iter(|| black_box(audit(&tables, &primary, rule.k).unwrap()))
    });
    let t = Instant::now();
    let protected = protect(&tables, &rule).unwrap();
    eprintln!("protect: single run {:.2} s", t.elapsed().as_secs_f64());
    assert!(protected.audit.is_passed());
    report("protect", &protected);
    g.bench_function("protect (primary + secondary + audit)", |b| {
        b.iter(|| black_box(protect(&tables, &rule).unwrap()))
    });
    let schools = model_with(SIDE, CATEGORIES, true);
    let t = Instant::now();
    let protected = protect(&schools, &rule).unwrap();
    eprintln!(
        "protect with school districts: single run {:.2} s",
        t.elapsed().as_secs_f64()
    );
    assert!(protected.audit.is_passed());
    report("protect with school districts", &protected);
    g.bench_function("protect with school districts", |b| {
        b.iter(|| black_box(protect(&schools, &rule).unwrap()))
    });
    g.finish();

    // Fast path beside the naive oracle on a small town (100 blocks × 5 categories).
    let small = model(10, 5);
    let small_primary = primary_suppression(&small, &rule);
    describe("100 blocks × 5, primary pattern", &small, &small_primary);
    let mut g = c.benchmark_group("disclosure/100_blocks_x5");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("audit", |b| {
        b.iter(|| black_box(audit(&small, &small_primary, rule.k).unwrap()))
    });
    g.bench_function("audit_naive", |b| {
        b.iter(|| black_box(audit_naive(&small, &small_primary, rule.k).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
