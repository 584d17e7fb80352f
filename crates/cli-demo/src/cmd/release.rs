//! `quartier release`: the owner office of a dataset signs off its protected table.
//!
//! Thin: loads the project, calls [`quartier::release_project`] and prints one line on
//! stdout (what was signed, and where the release file is).
//!
//! Exit codes: 2 for what the command line got wrong (an unknown dataset, an office that is
//! not the owner, a date not of the project, a malformed `--signed-on`) and for an unusable
//! project file; 1 when the data is not there yet or is unreadable (no protected table: run
//! `quartier anonymize` first; a broken release file).

use std::path::PathBuf;

use quartier::{Project, ProjectError, ReleaseError};

use super::project::Failure;

/// Arguments of `quartier release`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project file.
    #[arg(value_name = "PROJECT.TOML")]
    project: PathBuf,
    /// The dataset whose protected table is signed off (`resident`, `kita`, `child_support`).
    #[arg(long, value_name = "NAME")]
    dataset: String,
    /// The office signing: the dataset's owner (its `office` in the project file).
    #[arg(long, value_name = "NAME")]
    office: String,
    /// A comment of the office, kept with the sign-off.
    #[arg(long, value_name = "TEXT")]
    comment: Option<String>,
    /// The reference date of the table (default: the project's current date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// The day of the sign-off (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    signed_on: Option<String>,
}

/// Runs `quartier release`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let project = Project::load(&args.project).map_err(|e| match e {
        ProjectError::Read { .. } => Failure::Data(e.into()),
        _ => Failure::Usage(e.into()),
    })?;
    let signed_on = args.signed_on.clone().unwrap_or_else(quartier::today);
    let signoff = quartier::release_project(
        &project,
        &args.dataset,
        &args.office,
        args.comment.as_deref(),
        args.date.as_deref(),
        &signed_on,
    )
    .map_err(|e| {
        let usage = matches!(
            &e,
            quartier::Error::Release(
                ReleaseError::UnknownDataset { .. }
                    | ReleaseError::WrongOffice { .. }
                    | ReleaseError::UnknownDate { .. }
                    | ReleaseError::InvalidDate { .. }
            )
        );
        if usage {
            Failure::Usage(e.into())
        } else {
            Failure::Data(e.into())
        }
    })?;
    let hash: String = signoff.sha256.chars().take(12).collect();
    println!(
        "signed off `{}` at {} for {} on {} (sha256 {hash}): {}",
        signoff.dataset,
        signoff.reference_date,
        signoff.office,
        signoff.signed_on,
        project
            .outputs
            .protected
            .join(quartier::RELEASES_FILE)
            .display()
    );
    Ok(())
}
