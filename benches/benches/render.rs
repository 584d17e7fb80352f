//! Rendering the report of a town with 200 quarters: every map (the quarter and block
//! maps of each indicator and the composite), 200 profiles and the index — the issue's
//! performance case ("under 2 s on 2 cores") — and the profile sizes ("each under 300 KB").
//!
//! Data: Musterstadt with 200 quarters in 20 districts on a 64 × 52 lattice (3,328 blocks),
//! 120,000 residents (seed 2019), protected with the demo's settings and analyzed with the
//! seed's procedure (rank intervals with 200 draws: they are drawn, not computed, here).
//! Setup is not timed. Run with `cargo bench -p quartier-benches --bench render`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use quartier::{
    AnalysisSpec, DemoConfig, ReportInput, ReportSpec, Srs, analyze, anonymize, musterstadt_with,
    render_report, write_report,
};

fn bench(c: &mut Criterion) {
    let config = DemoConfig {
        residents: 120_000,
        columns: 64,
        rows: 52,
        quarters: 200,
        districts: 20,
    };
    let t = Instant::now();
    let town = musterstadt_with(2019, &config).unwrap();
    let protected = anonymize(&town.records, &town.hierarchy, &town.anonymize_spec()).unwrap();
    let mut spec = AnalysisSpec::default();
    if let Some(u) = spec.uncertainty.as_mut() {
        u.draws = 200;
    }
    let analysis = analyze(protected.tables(), &town.hierarchy, &spec).unwrap();
    eprintln!(
        "setup (town, anonymize, analyze): {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let catalogue = town.catalogue();
    let protocol = protected.protocol();
    let input = ReportInput {
        hierarchy: &town.hierarchy,
        tables: protected.tables(),
        analysis: &analysis,
        catalogue: &catalogue,
        protocol: Some(protocol),
        monitoring: None,
        release: None,
    };
    let report_spec = ReportSpec::new("Musterstadt");

    let report = render_report(&input, &report_spec).unwrap();
    let profiles: Vec<usize> = report
        .files
        .iter()
        .filter(|f| f.path.ends_with(".html") && f.path != "index.html")
        .map(|f| f.contents.len())
        .collect();
    let maps = report
        .files
        .iter()
        .filter(|f| f.path.ends_with(".svg"))
        .count();
    let total: usize = report.files.iter().map(|f| f.contents.len()).sum();
    eprintln!(
        "{} profiles (largest {:.0} KB, median {:.0} KB), {maps} maps, index {:.0} KB, {:.1} MB in all",
        profiles.len(),
        *profiles.iter().max().unwrap() as f64 / 1024.0,
        {
            let mut p = profiles.clone();
            p.sort_unstable();
            p[p.len() / 2] as f64 / 1024.0
        },
        report.file("index.html").unwrap().contents.len() as f64 / 1024.0,
        total as f64 / 1e6,
    );

    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("render_report 200 quarters", |b| {
        b.iter(|| render_report(black_box(&input), &report_spec).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    group.bench_function("write_report (files, GeoPackage, GeoJSON)", |b| {
        b.iter(|| write_report(dir.path(), &town.hierarchy, &report, &Srs::etrs89_utm32()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
