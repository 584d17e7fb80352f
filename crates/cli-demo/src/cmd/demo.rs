//! `quartier demo`: generate Musterstadt → anonymize its records (assign, count, primary and
//! secondary suppression, audit) → write only what may leave the sealed office.

use std::path::PathBuf;

use quartier::{AnalysisSpec, InputSource};

type WriteFn = fn(&std::path::Path, &quartier::Analysis) -> Result<(), quartier::IoError>;

use crate::progress;

/// Arguments of `quartier demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder (created if missing; files in it are replaced atomically).
    #[arg(long, value_name = "DIR", default_value = "quartier-demo")]
    out: PathBuf,
    /// Seed of the synthetic town; the same seed gives byte-identical outputs
    /// [default: 2019; 2024 with --over-time, the sample monitoring project's].
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Write the report (maps, profiles, index) in English instead of German.
    #[arg(long)]
    english: bool,
    /// Musterstadt over three years (2022–2024; residents moved, one district re-cut in
    /// 2024): write it as a monitoring project into the output folder and run the project.
    #[arg(long)]
    over_time: bool,
}

/// Runs `quartier demo`.
pub fn run(args: &Args, quiet: bool) -> anyhow::Result<()> {
    if args.over_time {
        return over_time(args, args.seed.unwrap_or(2024), quiet);
    }
    let seed = args.seed.unwrap_or(2019);
    let bar = progress::step(quiet, "generating Musterstadt");
    let town = quartier::musterstadt(seed)?;
    progress::done(&bar);

    let bar = progress::step(quiet, "anonymizing: assign, count, suppress, audit");
    // Residents down to the blocks with the school districts; the sparse Kita and
    // child-support records by quarter (see `DemoTown::anonymize_spec`).
    let spec = town.anonymize_spec();
    let mut anonymized = quartier::anonymize(&town.records, &town.hierarchy, &spec)?;
    anonymized.add_input(InputSource::Generated {
        name: "musterstadt".to_owned(),
        seed,
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
    let mut written = quartier::write_anonymized(&args.out, &town.hierarchy, &anonymized)?;
    progress::done(&bar);

    // The analyze phase sees only the protected tables.
    let bar = progress::step(
        quiet,
        "analyzing: indicators, ranking, rank intervals, Moran's I",
    );
    let analysis = quartier::analyze(
        anonymized.tables(),
        &town.hierarchy,
        &AnalysisSpec::default(),
    )?;
    for (name, write) in [
        ("ranking.csv", quartier::write_ranking_csv as WriteFn),
        ("ranking.json", quartier::write_ranking_json),
    ] {
        let path = args.out.join(name);
        write(&path, &analysis)?;
        written.push(path);
    }
    progress::done(&bar);

    let bar = progress::step(quiet, "rendering maps, profiles and GIS layers");
    let catalogue = town.catalogue();
    let input = quartier::ReportInput {
        hierarchy: &town.hierarchy,
        tables: anonymized.tables(),
        analysis: &analysis,
        catalogue: &catalogue,
        protocol: Some(protocol),
        monitoring: None,
        release: None,
    };
    let mut report_spec = quartier::ReportSpec::new("Musterstadt");
    if args.english {
        report_spec.language = quartier::Language::English;
    }
    let report = quartier::render_report(&input, &report_spec)?;
    let report_files = quartier::write_report(
        &args.out,
        &town.hierarchy,
        &report,
        &quartier::Srs::etrs89_utm32(),
    )?;
    let index = report_files.first().cloned();
    written.extend(report_files);
    progress::done(&bar);

    if !quiet {
        let h = &town.hierarchy;
        let sizes: Vec<String> = h
            .levels()
            .iter()
            .enumerate()
            .map(|(l, name)| format!("{} {name}", h.units(l).len()))
            .collect();
        eprintln!("Musterstadt, seed {seed}: {}", sizes.join(", "));
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
        let selected: Vec<&str> = analysis
            .ranking
            .by_rank()
            .into_iter()
            .filter(|u| u.selected)
            .map(|u| u.id.as_str())
            .collect();
        eprintln!(
            "ranking of {} {}: {} selected as disadvantaged: {}",
            analysis.ranking.ranked(),
            analysis.indicators.level,
            selected.len(),
            super::id_list(&selected, 20, "ranking.csv")
        );
        if let Some(m) = &analysis.moran {
            eprintln!(
                "Moran's I of the composite: {:.3} (z = {:.2})",
                m.i, m.z_normal
            );
        }
        eprintln!("{} files written", written.len());
        if let Some(index) = &index {
            eprintln!("open the report: {}", index.display());
        }
    }
    println!("{}", args.out.display());
    Ok(())
}

/// `quartier demo --over-time`: Musterstadt on three reference dates written as a
/// monitoring project (`project.toml` and `data/` in the output folder), then run like
/// `quartier run`.
fn over_time(args: &Args, seed: u64, quiet: bool) -> anyhow::Result<()> {
    let bar = progress::step(quiet, "generating Musterstadt over three years");
    let files =
        quartier::init_project_over_time(&args.out, seed, &quartier::DemoConfig::default())?;
    progress::done(&bar);
    let file = args.out.join("project.toml");
    let mut project = quartier::Project::load(&file)?;
    if args.english {
        project.language = quartier::Language::English;
    }
    let mut steps = super::project::Bars::new(quiet);
    let outcome = quartier::run_project(&project, true, true, &mut steps)?;
    if !quiet {
        eprintln!(
            "Musterstadt over {}, seed {}: {} project files in {}",
            project.dates.join(", "),
            seed,
            files.len(),
            args.out.display()
        );
        if let Some(a) = &outcome.anonymize {
            eprintln!(
                "anonymize: audit {}, {} suppressed cells",
                if a.audit_passed { "passed" } else { "FAILED" },
                a.suppressed_cells
            );
        }
        if let Some(a) = &outcome.analyze {
            eprintln!(
                "ranking of {} {}: {} selected as disadvantaged: {}",
                a.ranked,
                a.level,
                a.selected.len(),
                super::id_list(&a.selected, 20, "ranking.csv")
            );
            if !a.changed.is_empty() {
                eprintln!(
                    "what changed: {}",
                    super::id_list(&a.changed, 20, "trends.csv")
                );
            }
            if let Some(index) = &a.index {
                eprintln!("open the report: {}", index.display());
            }
        }
    }
    println!("{}", file.display());
    Ok(())
}
