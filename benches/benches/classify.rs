//! Class breaks on 10 000 values: Fisher–Jenks (fast and naive), quantiles, equal interval,
//! mean ± SD.
//!
//! Data: 10 000 lognormal values `exp(3 + 1.2·z)`, `z` standard normal by Box–Muller from
//! splitmix64 uniforms with seed 42 — the same formula as `benches/classify_mapclassify.py`,
//! which times mapclassify on the same values (both print the sum to check). Run with
//! `cargo bench -p quartier-benches --bench classify`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use quartier::{Classification, class_breaks, fisher_jenks_naive};

/// Number of values.
const N: usize = 10_000;

/// splitmix64: the next state and output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform in (0, 1]: 53 random bits.
fn uniform(state: &mut u64) -> f64 {
    ((splitmix64(state) >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `n` lognormal values `exp(3 + 1.2·z)` (Box–Muller, one normal per pair of uniforms).
fn lognormal(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            let (u1, u2) = (uniform(&mut state), uniform(&mut state));
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            (3.0 + 1.2 * z).exp()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let values = lognormal(N, 42);
    // The Python script prints the same line: equal sums mean equal data.
    eprintln!("data: n = {N}, sum = {:.6}", values.iter().sum::<f64>());
    let mut group = c.benchmark_group("classify_10k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for k in [5, 7] {
        let method = Classification::FisherJenks { k };
        group.bench_function(format!("fisher_jenks_k{k}"), |b| {
            b.iter(|| class_breaks(black_box(&values), &method).unwrap())
        });
    }
    group.bench_function("fisher_jenks_naive_k5", |b| {
        b.iter(|| fisher_jenks_naive(black_box(&values), 5).unwrap())
    });
    for (name, method) in [
        ("quantiles_k5", Classification::Quantiles { k: 5 }),
        ("equal_interval_k5", Classification::EqualInterval { k: 5 }),
        ("std_mean", Classification::std_mean()),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| class_breaks(black_box(&values), &method).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
