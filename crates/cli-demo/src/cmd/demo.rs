//! `quartier demo`: generate Musterstadt → assign its records → count per level → write.

use std::path::PathBuf;

use anyhow::Context;
use quartier::{AssignOptions, DemoTown};

use crate::progress;

/// Arguments of `quartier demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder (created if missing; files in it are replaced atomically).
    #[arg(long, value_name = "DIR", default_value = "quartier-demo")]
    out: PathBuf,
    /// Seed of the synthetic town; the same seed gives byte-identical outputs.
    #[arg(long, value_name = "N", default_value_t = 2019)]
    seed: u64,
}

/// Runs `quartier demo`.
pub fn run(args: &Args, quiet: bool) -> anyhow::Result<()> {
    let bar = progress::step(quiet, "generating Musterstadt");
    let town = quartier::musterstadt(args.seed)?;
    progress::done(&bar);

    let bar = progress::step(quiet, "assigning and counting records");
    let options = AssignOptions {
        snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
    };
    let counts = quartier::count_records(&town.hierarchy, &town.records, &options)?;
    progress::done(&bar);

    let bar = progress::step(quiet, "writing outputs");
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let h = &town.hierarchy;
    let mut written = Vec::new();
    for (level, name) in h.levels().iter().enumerate() {
        let path = args.out.join(format!("{name}.geojson"));
        quartier::write_units(&path, h, level)?;
        written.push(path);
    }
    for dataset in &counts.datasets {
        for (level, table) in dataset.tables.tables().iter().enumerate() {
            let level_name = &h.levels()[level];
            let path = args
                .out
                .join(format!("counts_{}_{level_name}.csv", dataset.kind.name()));
            quartier::write_counts_csv(&path, h, table)?;
            written.push(path);
        }
    }
    let protocol = counts.protocol();
    let protocol_path = args.out.join("protocol.txt");
    let text = format!(
        "Musterstadt (seed {}), snap distance {} m\n\n{protocol}",
        args.seed,
        DemoTown::SNAP_DISTANCE_M
    );
    quartier::write_atomic(&protocol_path, |w| w.write_all(text.as_bytes()))?;
    written.push(protocol_path);
    progress::done(&bar);

    if !protocol.is_balanced() {
        anyhow::bail!("protocol does not add up: a record was lost");
    }
    if !quiet {
        let sizes: Vec<String> = h
            .levels()
            .iter()
            .enumerate()
            .map(|(l, name)| format!("{} {name}", h.units(l).len()))
            .collect();
        eprintln!("Musterstadt, seed {}: {}", args.seed, sizes.join(", "));
        eprint!("{protocol}");
        eprintln!("{} files written", written.len());
    }
    println!("{}", args.out.display());
    Ok(())
}
