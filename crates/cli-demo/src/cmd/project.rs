//! `quartier init | validate | anonymize | analyze | run`: the project-file pipeline.
//!
//! Thin: each command loads the project with the library and calls one library function;
//! this module only shows progress, prints a summary (or `--json`) and picks the exit code.

use std::path::PathBuf;

use indicatif::ProgressBar;
use quartier::{Project, ProjectError};
use serde::Serialize;

use crate::progress;

/// Arguments of `quartier init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder of the new project (created if missing).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// A monitoring project instead: the sample data on three reference dates (2022–2024,
    /// residents moved, one district's blocks re-cut in 2024).
    #[arg(long)]
    over_time: bool,
}

/// Arguments of the commands that read a project file.
#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// The project file.
    #[arg(value_name = "PROJECT.TOML")]
    project: PathBuf,
    /// Print a machine-readable JSON summary on stdout.
    #[arg(long)]
    json: bool,
    /// `anonymize` only: run this one reference date of a project over several dates
    /// (default: every date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
}

/// What a command ended with: `Ok` = exit 0, `Findings` = exit 1 (problems in the data),
/// `Usage` = exit 2 (the project file is unusable).
#[derive(Debug)]
pub enum Failure {
    /// Problems in the data (unreadable input, invalid hierarchy, failed audit).
    Data(anyhow::Error),
    /// The project file is unusable.
    Usage(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let e = e.into();
        let usage = matches!(
            e.downcast_ref::<quartier::Error>(),
            Some(quartier::Error::Project(
                ProjectError::Parse { .. } | ProjectError::Invalid { .. }
            ))
        ) || e.downcast_ref::<ProjectError>().is_some_and(|p| {
            matches!(p, ProjectError::Parse { .. } | ProjectError::Invalid { .. })
        });
        if usage { Self::Usage(e) } else { Self::Data(e) }
    }
}

/// Spinners on stderr for the library's steps.
pub(crate) struct Bars {
    quiet: bool,
    bar: Option<ProgressBar>,
}

impl Bars {
    /// No spinner yet; `quiet` shows none.
    pub(crate) fn new(quiet: bool) -> Self {
        Self { quiet, bar: None }
    }
}

impl quartier::Progress for Bars {
    fn start(&mut self, step: &str) {
        self.bar = Some(progress::step(self.quiet, step));
    }
    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            progress::done(&bar);
        }
    }
}

fn load(path: &std::path::Path) -> Result<Project, Failure> {
    Project::load(path).map_err(|e| match e {
        ProjectError::Read { .. } => Failure::Data(e.into()),
        _ => Failure::Usage(e.into()),
    })
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs `quartier init`.
pub fn init(args: &InitArgs, quiet: bool) -> Result<(), Failure> {
    let files = if args.over_time {
        quartier::init_monitoring_project(&args.dir)?
    } else {
        quartier::init_project(&args.dir)?
    };
    if !quiet {
        eprintln!(
            "a template project with sample data ({} files) is in {}",
            files.len(),
            args.dir.display()
        );
        eprintln!(
            "next: quartier run {}",
            args.dir.join("project.toml").display()
        );
    }
    println!("{}", args.dir.join("project.toml").display());
    Ok(())
}

#[derive(Serialize)]
struct Summary<'a, A: Serialize, B: Serialize> {
    command: &'static str,
    project: &'a str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    anonymize: Option<A>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analyze: Option<B>,
}

/// Runs `quartier validate`.
pub fn validate(args: &ProjectArgs, quiet: bool) -> Result<(), Failure> {
    let project = load(&args.project)?;
    let mut bars = Bars { quiet, bar: None };
    let outcome = quartier::validate_project(&project, &mut bars)?;
    if args.json {
        print_json(&outcome)?;
    } else if !quiet {
        eprintln!("project `{}`: {}", project.name, project.file.display());
        let levels: Vec<String> = outcome
            .levels
            .iter()
            .map(|(l, n)| format!("{n} {l}"))
            .collect();
        if !levels.is_empty() {
            eprintln!("hierarchy: {}", levels.join(", "));
        }
        for d in &outcome.datasets {
            let geocoded = d
                .geocoding
                .as_ref()
                .map(|g| {
                    format!(
                        ", {} of {} addresses matched",
                        g.total - g.unmatched,
                        g.total
                    )
                })
                .unwrap_or_default();
            eprintln!("{}: {} records{geocoded}", d.dataset, d.records);
        }
        for w in &outcome.warnings {
            eprintln!("warning: {w}");
        }
        for e in &outcome.errors {
            eprintln!("error: {e}");
        }
        eprintln!(
            "{} errors, {} warnings",
            outcome.errors.len(),
            outcome.warnings.len()
        );
    }
    if outcome.is_ok() {
        Ok(())
    } else {
        Err(Failure::Data(anyhow::anyhow!(
            "validation found {} errors",
            outcome.errors.len()
        )))
    }
}

/// Runs `quartier anonymize`, `analyze` or `run`.
pub fn pipeline(
    args: &ProjectArgs,
    quiet: bool,
    anonymize: bool,
    analyze: bool,
) -> Result<(), Failure> {
    let project = load(&args.project)?;
    let mut bars = Bars { quiet, bar: None };
    let (sealed, analysis) = match &args.date {
        None => {
            let outcome = quartier::run_project(&project, anonymize, analyze, &mut bars)?;
            (outcome.anonymize, outcome.analyze)
        }
        Some(date) if anonymize && !analyze => (
            Some(quartier::anonymize_project_at(
                &project,
                Some(date),
                &mut bars,
            )?),
            None,
        ),
        Some(_) => {
            return Err(Failure::Usage(anyhow::anyhow!(
                "--date applies to `quartier anonymize` only; `analyze` and `run` take every reference date"
            )));
        }
    };
    let command = match (anonymize, analyze) {
        (true, true) => "run",
        (true, false) => "anonymize",
        _ => "analyze",
    };
    if args.json {
        print_json(&Summary {
            command,
            project: &project.name,
            ok: true,
            anonymize: sealed.as_ref(),
            analyze: analysis.as_ref(),
        })?;
        return Ok(());
    }
    if !quiet {
        if let Some(s) = &sealed {
            for d in &s.datasets {
                let rejected: usize = d.rejected.values().sum();
                eprintln!(
                    "{}: {} records, {} assigned, {} unassigned, {} rows not read",
                    d.dataset,
                    d.records,
                    d.assigned.unwrap_or(0),
                    d.unassigned.unwrap_or(0),
                    rejected
                );
                if let Some(g) = &d.geocoding {
                    eprintln!(
                        "  geocoding: {} exact, {} normalized, {} nearest number, {} fuzzy street, {} unmatched",
                        g.exact, g.normalized, g.nearest_number, g.fuzzy_street, g.unmatched
                    );
                }
            }
            for d in &s.earlier {
                eprintln!(
                    "{}: {} cells suppressed{}; protected tables in {}",
                    d.date,
                    d.suppressed_cells,
                    if d.estimated_cells > 0 {
                        format!(
                            ", {} cells estimated through the crosswalk",
                            d.estimated_cells
                        )
                    } else {
                        String::new()
                    },
                    project.protected_dir(&d.date).display()
                );
            }
            eprintln!(
                "audit {}; {} cells suppressed; protected tables in {}",
                if s.audit_passed { "passed" } else { "FAILED" },
                s.suppressed_cells,
                project.protected_dir(&s.reference_date).display()
            );
        }
        if let Some(a) = &analysis {
            eprintln!(
                "ranking of {} {}: {} selected as disadvantaged: {}",
                a.ranked,
                a.level,
                a.selected.len(),
                super::id_list(&a.selected, 20, "ranking.csv")
            );
            if a.dates.len() > 1 {
                eprintln!(
                    "trends {} → {}: {} units to look at: {}",
                    a.dates.first().map_or("", String::as_str),
                    a.dates.last().map_or("", String::as_str),
                    a.changed.len(),
                    super::id_list(&a.changed, 20, "trends.csv")
                );
            }
            if let Some((schema, tables)) = &a.postgis {
                eprintln!(
                    "PostGIS: layers {} written into schema {schema}",
                    tables.join(", ")
                );
            }
            if let Some(index) = &a.index {
                eprintln!("open the report: {}", index.display());
            }
        }
    }
    match (&analysis, &sealed) {
        (Some(_), _) => println!("{}", project.outputs.analysis.display()),
        (None, Some(_)) => println!("{}", project.outputs.protected.display()),
        _ => {}
    }
    Ok(())
}
