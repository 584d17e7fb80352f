//! The state-sized run of issue 8: synthetic records streamed chunk by chunk through the
//! sealed-office phase in bounded memory, with wall time per step and peak memory.
//!
//! ```sh
//! cargo run --release -p quartier-benches --bin scale -- stream --records 18000000 --blocks 500000
//! cargo run --release -p quartier-benches --bin scale -- district /tmp/district   # then:
//! /usr/bin/time -v target/release/quartier run /tmp/district/project.toml
//! cargo run --release -p quartier-benches --bin scale -- district /tmp/d3 --over-time
//! /usr/bin/time -v target/release/quartier run /tmp/d3/project.toml  # three dates
//! ```
//!
//! `stream` builds a Musterstadt-style hierarchy of about `--blocks` blocks (the demo
//! generator: a lattice of blocks, quarters of ~33 blocks, districts of ~25 quarters),
//! then generates `--records` records in chunks of `--chunk` (92 % residents, 5 % Kita
//! records, 3 % child-support cases; block populations vary log-normally; positions uniform
//! over the inner 80 % of the chosen block's bounding box, so a few fall into the streets or
//! courtyards; 0.2 % without a
//! position), counts each chunk with [`quartier::RecordCounter`] and drops it, protects
//! the merged counts once with [`quartier::anonymize_counts`] and writes the protected
//! tables atomically. Only the counter's tables grow with the blocks; nothing grows with the
//! records. The generator is timed apart (it is not quartier's cost).
//!
//! `district` writes the sample project of `quartier init` at district size (250,000
//! residents on ~10,000 blocks, or `--residents N --blocks N`, in the same office formats: Windows-1252 CSV with decimal
//! commas, Kita records by address, a house-coordinate table) for an end-to-end
//! `quartier run`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Instant;

use quartier::{
    AnonymizeSpec, AssignOptions, ChildSupportCase, DemoConfig, KitaRecord, Position,
    RecordCounter, Records, Resident, anonymize_counts, musterstadt_with,
};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("stream") => stream(&args[1..]),
        Some("district") => {
            let dir = args.get(1).ok_or("usage: scale district DIR [--residents N --blocks N] [--over-time]")?;
            district(PathBuf::from(dir), &args[2..])
        }
        _ => Err("usage: scale stream [--records N] [--blocks N] [--chunk N] [--seed N] [--out DIR] [--count-only] | scale district DIR".into()),
    }
}

/// The value after `--name`, or `default`.
fn arg(args: &[String], name: &str, default: u64) -> Result<u64, Failure> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => {
            let v = args
                .get(i + 1)
                .ok_or_else(|| format!("{name} needs a value"))?;
            Ok(v.replace('_', "").parse()?)
        }
    }
}

/// A Musterstadt configuration with about `blocks` blocks (the demo lattice fills ~73 % of
/// its cells with blocks; 95 m × 75 m cells) and `residents` generator residents.
fn town_config(blocks: u64, residents: usize) -> DemoConfig {
    let cells = blocks as f64 / 0.73;
    let columns = (cells * 75.0 / 95.0).sqrt().ceil() as usize;
    let rows = (cells / columns as f64).ceil() as usize;
    let quarters = ((blocks / 33).max(8)) as usize;
    DemoConfig {
        residents,
        columns,
        rows,
        quarters,
        districts: (quarters / 25).max(2),
    }
}

/// `(VmRSS, VmHWM)` of this process in MiB (Linux).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn report(step: &str, seconds: f64) {
    let (rss, peak) = memory_mib();
    println!("| {step} | {seconds:.2} s | {rss:.0} MiB | {peak:.0} MiB |");
}

fn stream(args: &[String]) -> Result<(), Failure> {
    let records = arg(args, "--records", 250_000)?;
    let blocks = arg(args, "--blocks", 10_000)?;
    let chunk = arg(args, "--chunk", 1_000_000)?.max(1);
    let seed = arg(args, "--seed", 7)?;
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let threads = rayon_threads();
    println!("records {records}, blocks ~{blocks}, chunk {chunk}, seed {seed}, threads {threads}");
    println!();
    println!("| step | wall time | RSS after | peak RSS so far |");
    println!("|---|---:|---:|---:|");
    report("start", 0.0);

    let t = Instant::now();
    let town = musterstadt_with(seed, &town_config(blocks, 1_000))?;
    let h = town.hierarchy;
    drop(town.records);
    report(
        "hierarchy (demo generator, not timed as quartier cost)",
        t.elapsed().as_secs_f64(),
    );
    let units: Vec<usize> = (0..h.levels().len()).map(|l| h.units(l).len()).collect();
    println!("| units per level {units:?} | | | |");

    // Per block: its bounding box and a log-normal population weight (cumulative).
    let bounds: Vec<[f64; 4]> = h
        .blocks()
        .iter()
        .map(|b| {
            use geo::BoundingRect;
            b.geometry()
                .bounding_rect()
                .map_or([0.0; 4], |r| [r.min().x, r.min().y, r.max().x, r.max().y])
        })
        .collect();
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut cumulative = Vec::with_capacity(bounds.len());
    let mut sum = 0.0;
    for _ in &bounds {
        let normal: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        sum += (0.8 * normal).exp();
        cumulative.push(sum);
    }

    let spec = AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: Some(5.0),
        },
        min_population: 3,
        ..AnonymizeSpec::default()
    };
    let t = Instant::now();
    let mut counter = RecordCounter::new(&h, &spec.assign)?;
    report(
        "index the blocks (RecordCounter::new)",
        t.elapsed().as_secs_f64(),
    );

    let (mut generating, mut counting) = (0.0, 0.0);
    let mut done = 0u64;
    let mut c = 0u64;
    while done < records {
        let n = chunk.min(records - done);
        let t = Instant::now();
        let part = generate(
            n as usize,
            seed ^ (c + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            &bounds,
            &cumulative,
        );
        generating += t.elapsed().as_secs_f64();
        let t = Instant::now();
        counter.add(&part)?;
        counting += t.elapsed().as_secs_f64();
        done += n;
        c += 1;
    }
    report("generate records (not quartier's cost)", generating);
    report(
        &format!("count {records} records in {c} chunks (assign + block counts)"),
        counting,
    );
    println!(
        "| counting throughput | {:.1} M records/s | | |",
        records as f64 / counting / 1e6
    );

    let t = Instant::now();
    let counts = counter.into_block_counts().aggregate(&h)?;
    report("aggregate up the levels", t.elapsed().as_secs_f64());
    for d in &counts.datasets {
        println!("| {}: {} | | | |", d.kind.name(), d.summary);
    }

    if args.iter().any(|a| a == "--count-only") {
        return Ok(());
    }
    let t = Instant::now();
    let out_tables = anonymize_counts(&counts, &h, &spec)?;
    report(
        "protect (primary + secondary suppression + audit, 3 datasets)",
        t.elapsed().as_secs_f64(),
    );
    for d in &out_tables.protocol().datasets {
        let (primary, secondary): (usize, usize) = d
            .cells
            .iter()
            .fold((0, 0), |(p, s), l| (p + l.primary, s + l.secondary));
        println!(
            "| {}: {} cells suppressed primary, {} secondary, {} rounds, audit {} | | | |",
            d.dataset,
            primary,
            secondary,
            d.suppression_rounds,
            if d.audit.passed { "passed" } else { "FAILED" }
        );
    }

    let dir = match &out {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("quartier-scale-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let t = Instant::now();
    for tables in out_tables.tables() {
        let name = format!("{}.csv", tables.dataset().name());
        quartier::write_protected_csv(&dir.join(name), tables)?;
    }
    std::fs::write(dir.join("protocol.json"), out_tables.protocol().to_json())?;
    report(
        "write the protected tables (CSV, atomic)",
        t.elapsed().as_secs_f64(),
    );
    if out.is_none() {
        std::fs::remove_dir_all(&dir)?;
    }
    if !out_tables.protocol().is_passed() || !out_tables.protocol().is_balanced() {
        return Err("the audit failed or the protocol does not balance".into());
    }
    Ok(())
}

/// `n` records: 92 % residents, 5 % Kita, 3 % child support.
fn generate(n: usize, seed: u64, bounds: &[[f64; 4]], cumulative: &[f64]) -> Records {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let total = cumulative.last().copied().unwrap_or(0.0);
    let position = |rng: &mut Pcg64Mcg| {
        if rng.random::<f64>() < 0.002 {
            return None;
        }
        let w = rng.random::<f64>() * total;
        let b = cumulative.partition_point(|&c| c < w).min(bounds.len() - 1);
        let [x0, y0, x1, y1] = bounds[b];
        Some(Position::new(
            x0 + (0.1 + 0.8 * rng.random::<f64>()) * (x1 - x0),
            y0 + (0.1 + 0.8 * rng.random::<f64>()) * (y1 - y0),
        ))
    };
    let mut residents = Vec::with_capacity(n * 92 / 100 + 1);
    let mut kita = Vec::with_capacity(n * 5 / 100 + 1);
    let mut child_support = Vec::with_capacity(n * 3 / 100 + 1);
    for _ in 0..n {
        let kind = rng.random_range(0..100u32);
        let p = position(&mut rng);
        if kind < 92 {
            residents.push(Resident {
                position: p,
                age: rng.random_range(0..100u8),
            });
        } else if kind < 97 {
            kita.push(KitaRecord {
                position: p,
                child_age: rng.random_range(1..7u8),
                fee_bracket: rng.random_range(1..=6u8),
            });
        } else {
            child_support.push(ChildSupportCase {
                position: p,
                child_age: rng.random_range(0..18u8),
            });
        }
    }
    Records::new(residents, kita, child_support)
}

fn rayon_threads() -> String {
    std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| {
        std::thread::available_parallelism().map_or("?".into(), |n| n.get().to_string())
    })
}

/// Writes the sample project into `dir`: by default district-sized (250,000 residents on
/// ~10,000 blocks, the configuration of the pipeline bench), or `--residents` on ~`--blocks`;
/// with `--over-time` the monitoring project of three reference dates.
fn district(dir: PathBuf, args: &[String]) -> Result<(), Failure> {
    let t = Instant::now();
    let over_time = args.iter().any(|a| a == "--over-time");
    let args: Vec<String> = args
        .iter()
        .filter(|a| *a != "--over-time")
        .cloned()
        .collect();
    let args = args.as_slice();
    let config = if args.is_empty() {
        quartier_benches::district()
    } else {
        let residents = arg(args, "--residents", 250_000)?;
        town_config(arg(args, "--blocks", 10_000)?, residents as usize)
    };
    // `--over-time`: three reference dates (2022–2024), the last on a re-cut block layer.
    let files = if over_time {
        quartier::init_project_over_time(&dir, 2024, &config)?
    } else {
        quartier::init_project_with(&dir, 2024, &config)?
    };
    for f in &files {
        let size = std::fs::metadata(f).map_or(0, |m| m.len());
        println!("{} ({:.1} MiB)", f.display(), size as f64 / 1048576.0);
    }
    eprintln!("written in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}
