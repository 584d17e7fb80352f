//! Ranking: `rank` (one ranking) and `rank_uncertainty` (1,000 Monte-Carlo draws) for
//! 200 units × 10 criteria, the performance case ("well under a second on 2 cores").
//!
//! Data: seeded random values (PCG-64, seed 42): per criterion a lognormal-ish positive
//! column, 5 % missing, populations 100–5,000 (so a few units fall under the minimum of 300),
//! a smoothed alternative per criterion. Run with `cargo bench -p quartier-benches --bench rank`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion as Bench, criterion_group, criterion_main};
use quartier::{
    Criterion, Direction, Normalization, RankInput, RankSpec, UncertaintySpec, Weighting, rank,
    rank_uncertainty,
};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

const UNITS: usize = 200;
const CRITERIA: usize = 10;

fn input(seed: u64) -> RankInput {
    let mut rng = Pcg64::seed_from_u64(seed);
    let units: Vec<String> = (0..UNITS).map(|i| format!("Q{i:03}")).collect();
    let population = (0..UNITS)
        .map(|_| Some(rng.random_range(100.0..5000.0f64).round()))
        .collect();
    let mut input = RankInput::new(units, population);
    for c in 0..CRITERIA {
        let values: Vec<Option<f64>> = (0..UNITS)
            .map(|_| {
                (rng.random::<f64>() >= 0.05).then(|| (rng.random_range(-1.0..1.5f64)).exp() * 10.0)
            })
            .collect();
        let smoothed = values.iter().map(|v| v.map(|x| 0.8 * x + 2.0)).collect();
        let direction = if c % 3 == 2 {
            Direction::LowerIsWorse
        } else {
            Direction::HigherIsWorse
        };
        input = input.with_criterion(
            Criterion::new(format!("c{c}"), values, direction)
                .with_weight(1.0 + c as f64 / 10.0)
                .with_smoothed(smoothed),
        );
    }
    input
}

fn bench(c: &mut Bench) {
    let input = input(42);
    let spec = RankSpec::default();
    let point = rank(&input, &spec).unwrap();
    eprintln!(
        "data: {UNITS} units × {CRITERIA} criteria, {} ranked, {} selected",
        point.ranked(),
        point.selected().count()
    );
    let mut group = c.benchmark_group("rank_200x10");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("rank", |b| {
        b.iter(|| rank(black_box(&input), &spec).unwrap())
    });
    let weights_only = UncertaintySpec::new(7);
    group.bench_function("uncertainty_1000_weights", |b| {
        b.iter(|| rank_uncertainty(black_box(&input), &spec, &weights_only).unwrap())
    });
    let full = UncertaintySpec {
        normalizations: vec![
            Normalization::ZScore {
                weighting: Weighting::Unweighted,
            },
            Normalization::ZScore {
                weighting: Weighting::Population,
            },
            Normalization::MinMax,
            Normalization::Rank,
            Normalization::Percentile,
        ],
        toggle_smoothing: true,
        ..UncertaintySpec::new(7)
    };
    group.bench_function("uncertainty_1000_weights_norm_smoothing", |b| {
        b.iter(|| rank_uncertainty(black_box(&input), &spec, &full).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
