//! `quartier demo`: generate Musterstadt → anonymize its records (assign, count, primary and
//! secondary suppression, audit) → write only what may leave the sealed office.

use std::path::PathBuf;

use quartier::{AnonymizeSpec, AssignOptions, DemoTown, InputSource};

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

    let bar = progress::step(quiet, "anonymizing: assign, count, suppress, audit");
    let spec = AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
        },
        // The school districts cut across the quarters; they are protected in the same model.
        groupings: town.groupings.clone(),
        ..AnonymizeSpec::default()
    };
    let mut anonymized = quartier::anonymize(&town.records, &town.hierarchy, &spec)?;
    anonymized.add_input(InputSource::Generated {
        name: "musterstadt".to_owned(),
        seed: args.seed,
    });
    progress::done(&bar);

    let protocol = anonymized.protocol();
    if !protocol.is_balanced() {
        anyhow::bail!("protocol does not add up: a record was lost");
    }
    if !protocol.is_passed() {
        anyhow::bail!("the disclosure audit failed: nothing written");
    }

    let bar = progress::step(quiet, "writing protected tables and protocol");
    let written = quartier::write_anonymized(&args.out, &town.hierarchy, &anonymized)?;
    progress::done(&bar);

    if !quiet {
        let h = &town.hierarchy;
        let sizes: Vec<String> = h
            .levels()
            .iter()
            .enumerate()
            .map(|(l, name)| format!("{} {name}", h.units(l).len()))
            .collect();
        eprintln!("Musterstadt, seed {}: {}", args.seed, sizes.join(", "));
        eprint!("{}", protocol.records());
        for d in &protocol.datasets {
            let (primary, secondary) = d
                .cells
                .iter()
                .fold((0, 0), |(p, s), l| (p + l.primary, s + l.secondary));
            eprintln!(
                "{}: {primary} primary, {secondary} secondary suppressions; audit {}",
                d.dataset,
                if d.audit.passed { "passed" } else { "FAILED" }
            );
        }
        eprintln!("{} files written", written.len());
    }
    println!("{}", args.out.display());
    Ok(())
}
