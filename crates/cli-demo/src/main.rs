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
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(&args, cli.quiet),
        Command::Assign(args) => cmd::assign::run(&args, cli.quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("quartier: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
