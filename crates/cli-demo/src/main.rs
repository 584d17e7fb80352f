//! The `quartier` command-line tool: a thin layer over the `quartier` library.
//!
//! stdout carries data only; errors, warnings and progress go to stderr. Exit codes:
//! 0 success, 1 the data has problems (unreadable or invalid input), 2 usage error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod progress;

/// quartier: small-area social planning from administrative records.
#[derive(Debug, Parser)]
#[command(name = "quartier", version, about, long_about = None)]
#[command(after_help = "Examples:\n  \
    quartier init musterstadt && quartier run musterstadt/project.toml\n  \
    quartier validate project.toml\n  \
    quartier anonymize project.toml --json   (inside the sealed office)\n  \
    quartier analyze project.toml            (on the protected tables)\n  \
    quartier demo --out quartier-demo\n  \
    quartier assign --units blocks.geojson --id-field block_id \\\n    \
    --points residents.csv --x x --y y --id-col id --snap 5 --out assigned.csv")]
struct Cli {
    /// Hide progress bars and the summary on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the demo town Musterstadt, anonymize its records and write protected tables.
    Demo(cmd::demo::Args),
    /// Assign points from a CSV to the polygons of a GeoJSON layer.
    Assign(cmd::assign::Args),
    /// Write a commented template project with sample data that runs as is.
    #[command(
        after_help = "Example:\n  quartier init musterstadt && quartier run musterstadt/project.toml"
    )]
    Init(cmd::project::InitArgs),
    /// Check a project file, its block layer and its datasets; writes nothing.
    #[command(
        after_help = "Example:\n  quartier validate project.toml --json\n\nExit codes: 0 no errors, 1 errors in the data, 2 the project file is unusable."
    )]
    Validate(cmd::project::ProjectArgs),
    /// Sealed phase: records → assign, count, suppress, audit → protected tables + protocol.
    #[command(
        after_help = "Example:\n  quartier anonymize project.toml\n\nWrites [outputs] protected (may leave the office) and sealed (stays inside)."
    )]
    Anonymize(cmd::project::ProjectArgs),
    /// Analyze phase: protected tables → indicators, ranking, maps, profiles, GIS layers.
    #[command(
        after_help = "Example:\n  quartier analyze project.toml\n\nReads only [outputs] protected and the block layer."
    )]
    Analyze(cmd::project::ProjectArgs),
    /// Both phases: anonymize, then analyze.
    #[command(after_help = "Example:\n  quartier run project.toml --json")]
    Run(cmd::project::ProjectArgs),
    /// Sign off a protected table for the dataset's owner office (after anonymize).
    #[command(
        after_help = "Example:\n  quartier release project.toml --dataset kita --office Jugendamt --comment \"geprüft\"\n\nRecords the sign-off (with the table's SHA-256) in [outputs] protected/releases.json; indicators reading a dataset without a current sign-off are drafts in the report."
    )]
    Release(cmd::release::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    use cmd::project::Failure;
    let q = cli.quiet;
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(&args, q),
        Command::Assign(args) => cmd::assign::run(&args, q),
        Command::Init(args) => project_result(cmd::project::init(&args, q)),
        Command::Validate(args) => project_result(cmd::project::validate(&args, q)),
        Command::Anonymize(args) => project_result(cmd::project::pipeline(&args, q, true, false)),
        Command::Analyze(args) => project_result(cmd::project::pipeline(&args, q, false, true)),
        Command::Run(args) => project_result(cmd::project::pipeline(&args, q, true, true)),
        Command::Release(args) => project_result(cmd::release::run(&args)),
    };
    fn project_result(r: Result<(), Failure>) -> anyhow::Result<()> {
        match r {
            Ok(()) => Ok(()),
            Err(Failure::Data(e)) => Err(e),
            Err(Failure::Usage(e)) => Err(e.context(UsageError)),
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let usage = e.downcast_ref::<UsageError>().is_some();
            eprintln!("quartier: error: {}", message(&e, usage));
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// The error and its causes, each cause once: library errors carry their cause's message
/// already, so a cause the previous message ends with is not repeated. The usage marker is
/// left out.
fn message(e: &anyhow::Error, usage: bool) -> String {
    let mut out = String::new();
    for (i, cause) in e.chain().enumerate() {
        if usage && i == 0 {
            continue;
        }
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Marks an error of the project file (exit code 2).
#[derive(Debug)]
struct UsageError;

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the project file is unusable")
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
