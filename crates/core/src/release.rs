//! Office sign-off (Freigabe) of the protected tables: the specialist offices keep the
//! interpretive authority over their data ("Interpretationshoheit der Fachämter").
//!
//! Every dataset has an owner office (the catalogue's `office`). After the sealed phase
//! (`quartier anonymize`) the owner office looks at the protected table of its dataset and
//! signs it off with [`release_project`] (`quartier release`). A [`SignOff`] records the
//! dataset, the reference date, the office, the day, an optional comment, the table and the
//! table's SHA-256. The sign-offs live in the release file `<outputs.protected>/releases.json`
//! ([`Releases`]), with a readable `releases.md` next to it.
//!
//! The analyze phase asks [`release_state`] which sign-offs still hold and which indicators
//! are drafts: an indicator reading a dataset (numerator or denominator) that has no current
//! sign-off at the current reference date is a draft (Entwurf) and the report says so.
//!
//! # Examples
//!
//! ```
//! use quartier::{Project, Releases, release_project, release_state};
//!
//! let dir = tempfile::tempdir()?;
//! let file = dir.path().join("project.toml");
//! std::fs::write(&file, quartier::TEMPLATE)?;
//! let project = Project::load(&file)?;
//! # let date = project.current_date().to_owned();
//! # for d in &project.datasets {
//! #     let path = project.protected_table_path(d.kind, &date);
//! #     std::fs::create_dir_all(path.parent().unwrap())?;
//! #     std::fs::write(&path, format!("table of {}\n", d.kind.name()))?;
//! # }
//! // ... `quartier anonymize` wrote the protected tables ...
//! let signed = release_project(&project, "resident", "Bürgeramt", None, None, "2025-03-01")?;
//! assert_eq!(signed.table, "protected_resident.csv");
//!
//! let state = release_state(&project)?;
//! assert!(state.signoffs[0].status.is_current());
//! // kita and child_support are not signed off yet: only the two resident indicators are final.
//! assert!(state.drafts.contains("kita_low_income_share"));
//! assert!(!state.drafts.contains("under25_share"));
//!
//! let releases = Releases::read(&project.outputs.protected.join("releases.json"))?;
//! assert_eq!(releases.signoffs, vec![signed]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Decisions
//!
//! - **A separate release file.** The protocol of the sealed phase (`protocol.json`,
//!   `protocol.md`) is written by `anonymize`, before any office has looked at the tables, and
//!   is never rewritten afterwards; so the sign-offs cannot live in it. They live in
//!   `releases.json` next to it in `outputs.protected` (the folder that may leave the office,
//!   so the sign-offs travel with the tables), and the analysis report lists them.
//! - **Only the owner office signs.** The office must equal the dataset's catalogue `office`
//!   exactly (no case folding: the catalogue is the one spelling).
//! - **A sign-off holds for one table's bytes.** It records the table's SHA-256; a table that
//!   changed since (re-anonymized with other data or rules, edited) makes the sign-off
//!   [`SignOffStatus::Changed`], a removed table [`SignOffStatus::Missing`]. Re-running
//!   `anonymize` on the same data writes the same bytes and keeps the sign-off current.
//! - **One sign-off per dataset and date.** Signing again replaces the earlier sign-off of
//!   the same dataset and reference date (a newer look at a changed table); other dates are
//!   kept. The file lists the sign-offs sorted by dataset, then date, so it diffs well.
//! - **Drafts are about the current date only**, the one the ranking and the report rest on;
//!   a sign-off only counts when it is for the table analyze reads (the same relative path).
//! - A missing release file means no sign-offs (a fresh project); a broken one is an error
//!   naming the file and the line, never silently "nothing signed".
//! - The release file is read, changed and written without a lock: sign-offs are rare manual
//!   steps; the write itself is atomic, so a reader never sees half a file.
//! - Dates are `YYYY-MM-DD`; [`today`] is the UTC day from the system clock, computed here
//!   (civil from days) rather than with a date crate.
//! - An empty or blank comment is no comment.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::io::{IoError, sha256_file, write_atomic};
use crate::project::Project;
use crate::records::RecordKind;

/// The name of the release file in `outputs.protected`.
pub const RELEASES_FILE: &str = "releases.json";

/// Errors of the sign-off: an unknown dataset or date, the wrong office, a missing table, a
/// broken release file.
///
/// Messages name datasets, offices, dates and files, never record data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The project has no dataset of this name.
    #[error("no dataset `{dataset}` in the project; its datasets are {}", quoted(.known))]
    UnknownDataset {
        /// The name asked for.
        dataset: String,
        /// The project's datasets.
        known: Vec<String>,
    },
    /// The office signing is not the dataset's owner.
    #[error(
        "dataset `{dataset}` is owned by `{owner}`, not `{office}`: only the owner office signs off its data"
    )]
    WrongOffice {
        /// The dataset.
        dataset: String,
        /// Its owner office (catalogue `office`).
        owner: String,
        /// The office that tried to sign.
        office: String,
    },
    /// The reference date is not one of the project's.
    #[error("reference date {date} is not one of the project's: {}", .dates.join(", "))]
    UnknownDate {
        /// The date asked for.
        date: String,
        /// The project's reference dates, oldest first.
        dates: Vec<String>,
    },
    /// A date is not a calendar date `YYYY-MM-DD`.
    #[error("{what} `{value}`: write dates as YYYY-MM-DD")]
    InvalidDate {
        /// Which date (`signed_on`).
        what: &'static str,
        /// The text given.
        value: String,
    },
    /// The protected table to sign off does not exist.
    #[error(
        "no protected table for `{dataset}` at {date} ({}): run `quartier anonymize` first",
        .path.display()
    )]
    NoTable {
        /// The dataset.
        dataset: String,
        /// The reference date.
        date: String,
        /// Where the table should be.
        path: PathBuf,
    },
    /// The release file cannot be read.
    #[error("{}: {source}", .path.display())]
    Read {
        /// The release file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The release file is not a valid release file.
    #[error("{}, line {line}, column {column}: {message}", .path.display())]
    Json {
        /// The release file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The release file lists a dataset and date twice.
    #[error("{}: the sign-off of `{dataset}` at {date} occurs more than once", .path.display())]
    Duplicate {
        /// The release file.
        path: PathBuf,
        /// The dataset.
        dataset: String,
        /// The reference date.
        date: String,
    },
}

fn quoted(names: &[String]) -> String {
    let v: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    v.join(", ")
}

/// One office's sign-off of the protected table of one dataset at one reference date.
///
/// # Examples
///
/// ```
/// use quartier::SignOff;
///
/// let s = SignOff {
///     dataset: "kita".into(),
///     reference_date: "2024-12-31".into(),
///     office: "Jugendamt".into(),
///     signed_on: "2025-03-01".into(),
///     comment: Some("Beitragsstufen geprüft".into()),
///     table: "protected_kita.csv".into(),
///     sha256: "ab".repeat(32),
/// };
/// let json = serde_json::to_string(&s)?;
/// assert_eq!(serde_json::from_str::<SignOff>(&json)?, s);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[doc(alias = "Freigabe")]
pub struct SignOff {
    /// The dataset (`resident`, `kita`, `child_support`).
    pub dataset: String,
    /// The reference date (Stichtag) of the table, `YYYY-MM-DD`.
    #[doc(alias = "Stichtag")]
    pub reference_date: String,
    /// The office that signed: the dataset's owner.
    #[doc(alias = "Fachamt")]
    pub office: String,
    /// The day of the sign-off, `YYYY-MM-DD`.
    pub signed_on: String,
    /// The office's comment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The protected table, relative to `outputs.protected`, `/`-separated
    /// (`protected_kita.csv`, or `2024-12-31/protected_kita.csv` in a monitoring project).
    pub table: String,
    /// The SHA-256 of the table when it was signed, lowercase hex.
    pub sha256: String,
}

/// The release file: every sign-off of a project, sorted by dataset, then reference date.
///
/// Stored as `{"signoffs": [...]}` in `<outputs.protected>/releases.json`.
///
/// # Examples
///
/// ```
/// use quartier::{Releases, SignOff};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("releases.json");
/// let mut releases = Releases::read(&path)?; // no file yet: no sign-offs
/// assert!(releases.signoffs.is_empty());
/// releases.insert(SignOff {
///     dataset: "resident".into(),
///     reference_date: "2024-12-31".into(),
///     office: "Bürgeramt".into(),
///     signed_on: "2025-03-01".into(),
///     comment: None,
///     table: "protected_resident.csv".into(),
///     sha256: "0".repeat(64),
/// });
/// releases.write(&path)?;
/// assert_eq!(Releases::read(&path)?, releases);
/// assert!(dir.path().join("releases.md").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[doc(alias = "Freigaben")]
pub struct Releases {
    /// The sign-offs, sorted by dataset, then reference date; one per dataset and date.
    pub signoffs: Vec<SignOff>,
}

impl Releases {
    /// Reads a release file; a missing file is an empty one.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::Read`] when the file exists but cannot be read,
    /// [`ReleaseError::Json`] (file, line, column) when it is not a release file,
    /// [`ReleaseError::Duplicate`] when it lists a dataset and date twice.
    pub fn read(path: &Path) -> Result<Self, ReleaseError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(ReleaseError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let mut releases: Self = serde_json::from_slice(&bytes).map_err(|e| {
            let text = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            ReleaseError::Json {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message: text.strip_suffix(&suffix).unwrap_or(&text).to_owned(),
            }
        })?;
        releases.signoffs.sort_by(|a, b| key(a).cmp(&key(b)));
        if let Some(w) = releases
            .signoffs
            .windows(2)
            .find(|w| key(&w[0]) == key(&w[1]))
        {
            return Err(ReleaseError::Duplicate {
                path: path.to_path_buf(),
                dataset: w[0].dataset.clone(),
                date: w[0].reference_date.clone(),
            });
        }
        Ok(releases)
    }

    /// Writes the release file (pretty JSON) and, next to it, its readable form (the same
    /// name with `.md`), each atomically.
    ///
    /// # Errors
    ///
    /// [`IoError::File`] when a file cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), IoError> {
        let json = serde_json::to_string_pretty(self).map_err(|e| IoError::File {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
        write_atomic(path, |w| writeln!(w, "{json}"))?;
        let markdown = self.to_markdown();
        write_atomic(&path.with_extension("md"), |w| {
            w.write_all(markdown.as_bytes())
        })
    }

    /// Adds a sign-off, replacing one of the same dataset and reference date; returns the
    /// replaced one. Keeps the order.
    pub fn insert(&mut self, signoff: SignOff) -> Option<SignOff> {
        match self
            .signoffs
            .binary_search_by(|s| key(s).cmp(&key(&signoff)))
        {
            Ok(i) => Some(std::mem::replace(&mut self.signoffs[i], signoff)),
            Err(i) => {
                self.signoffs.insert(i, signoff);
                None
            }
        }
    }

    /// The sign-off of a dataset at a reference date, if any.
    pub fn get(&self, dataset: &str, reference_date: &str) -> Option<&SignOff> {
        self.signoffs
            .iter()
            .find(|s| s.dataset == dataset && s.reference_date == reference_date)
    }

    /// The readable form of the release file (`releases.md`): a table of the sign-offs.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Sign-offs of the protected tables (Freigaben)\n\n");
        out.push_str(
            "The specialist offices keep the interpretive authority over their data: each owner \
             office signs off the protected tables of its datasets. The protocol of the sealed \
             phase (`protocol.md`) was written before any sign-off; the sign-offs are kept in \
             this file (`releases.json`) next to it, and the analysis report lists them. A \
             sign-off holds for the table with the SHA-256 given here: a changed table needs a \
             new sign-off.\n\n",
        );
        if self.signoffs.is_empty() {
            out.push_str("No sign-offs yet.\n");
            return out;
        }
        out.push_str(
            "| Dataset | Reference date | Office | Signed on | Table | SHA-256 | Comment |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
        for s in &self.signoffs {
            out.push_str(&format!(
                "| {} | {} | {} | {} | `{}` | `{}` | {} |\n",
                cell(&s.dataset),
                cell(&s.reference_date),
                cell(&s.office),
                cell(&s.signed_on),
                s.table.replace('`', "'"),
                s.sha256.replace('`', "'"),
                s.comment.as_deref().map_or_else(|| "—".to_owned(), cell),
            ));
        }
        out
    }
}

/// The sort key of a sign-off: dataset, then reference date.
fn key(s: &SignOff) -> (&str, &str) {
    (&s.dataset, &s.reference_date)
}

/// A Markdown table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Whether a recorded sign-off still holds for its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffStatus {
    /// The table's SHA-256 today equals the one signed.
    Current,
    /// The table changed since it was signed off.
    Changed,
    /// The table is no longer there.
    Missing,
}

impl SignOffStatus {
    /// Whether the sign-off still holds.
    pub fn is_current(self) -> bool {
        self == Self::Current
    }
}

/// A sign-off and whether it still holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignOffState {
    /// The sign-off as recorded.
    #[serde(flatten)]
    pub signoff: SignOff,
    /// Whether it still holds.
    pub status: SignOffStatus,
}

/// What the analysis needs of the sign-offs: each one's status and the draft indicators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseState {
    /// The current reference date, which [`drafts`](Self::drafts) and
    /// [`unsigned`](Self::unsigned) are about.
    pub date: String,
    /// Every sign-off of the release file, sorted by dataset, then date.
    pub signoffs: Vec<SignOffState>,
    /// The project's datasets without a current sign-off at the current date.
    pub unsigned: BTreeSet<String>,
    /// The indicators (by name) reading a dataset of [`unsigned`](Self::unsigned), in their
    /// numerator or denominator: drafts (Entwurf) until the owner office signs off.
    #[doc(alias = "Entwurf")]
    pub drafts: BTreeSet<String>,
}

impl ReleaseState {
    /// Whether an indicator is a draft.
    pub fn is_draft(&self, indicator: &str) -> bool {
        self.drafts.contains(indicator)
    }
}

/// Signs off the protected table of a dataset for its owner office and records it in
/// `<outputs.protected>/releases.json` (and `releases.md`).
///
/// `date` is a reference date of the project (default the current one); `signed_on` is the
/// day of the sign-off (`YYYY-MM-DD`, usually [`today`]). An earlier sign-off of the same
/// dataset and date is replaced. Returns the new sign-off.
///
/// # Examples
///
/// ```
/// use quartier::{Project, release_project};
///
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("project.toml");
/// std::fs::write(&file, quartier::TEMPLATE)?;
/// let project = Project::load(&file)?;
/// # let table = project.protected_table_path(quartier::RecordKind::Kita, "2024-12-31");
/// # std::fs::create_dir_all(table.parent().unwrap())?;
/// # std::fs::write(&table, "abc")?;
/// // ... `quartier anonymize` wrote the protected tables ...
/// let err = release_project(&project, "kita", "Sozialamt", None, None, "2025-03-01")
///     .unwrap_err();
/// assert!(err.to_string().starts_with("dataset `kita` is owned by `Jugendamt`, not `Sozialamt`"));
///
/// let signed = release_project(&project, "kita", "Jugendamt", Some("geprüft"), None, "2025-03-01")?;
/// assert_eq!(signed.reference_date, "2024-12-31");
/// assert!(signed.sha256.starts_with("ba7816bf8f01"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ReleaseError`] (as [`Error::Release`]) for an unknown dataset (listing the project's),
/// an office that is not the owner (naming the owner), a date not of the project, a
/// `signed_on` that is no date, a protected table not written yet, or a broken release file;
/// [`Error::Io`] when the table or the release file cannot be read or written.
pub fn release_project(
    project: &Project,
    dataset: &str,
    office: &str,
    comment: Option<&str>,
    date: Option<&str>,
    signed_on: &str,
) -> Result<SignOff, Error> {
    let d = project
        .datasets
        .iter()
        .find(|d| d.kind.name() == dataset)
        .ok_or_else(|| ReleaseError::UnknownDataset {
            dataset: dataset.to_owned(),
            known: project
                .datasets
                .iter()
                .map(|d| d.kind.name().to_owned())
                .collect(),
        })?;
    if d.entry.office != office {
        return Err(ReleaseError::WrongOffice {
            dataset: dataset.to_owned(),
            owner: d.entry.office.clone(),
            office: office.to_owned(),
        }
        .into());
    }
    let date = date.unwrap_or_else(|| project.current_date());
    if !project.dates.iter().any(|x| x == date) {
        return Err(ReleaseError::UnknownDate {
            date: date.to_owned(),
            dates: project.dates.clone(),
        }
        .into());
    }
    if !is_iso_date(signed_on) {
        return Err(ReleaseError::InvalidDate {
            what: "signed_on",
            value: signed_on.to_owned(),
        }
        .into());
    }
    let path = project.protected_table_path(d.kind, date);
    if !path.is_file() {
        return Err(ReleaseError::NoTable {
            dataset: dataset.to_owned(),
            date: date.to_owned(),
            path,
        }
        .into());
    }
    let sha256 = sha256_file(&path)?;
    let signoff = SignOff {
        dataset: dataset.to_owned(),
        reference_date: date.to_owned(),
        office: office.to_owned(),
        signed_on: signed_on.to_owned(),
        comment: comment
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        table: relative_table(project, d.kind, date),
        sha256,
    };
    let file = project.outputs.protected.join(RELEASES_FILE);
    let mut releases = Releases::read(&file)?;
    releases.insert(signoff.clone());
    releases.write(&file)?;
    Ok(signoff)
}

/// The sign-offs of a project and whether they still hold, and the indicators that are
/// drafts because a dataset they read has no current sign-off at the current date.
///
/// # Examples
///
/// ```
/// use quartier::{Project, release_project, release_state};
///
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("project.toml");
/// std::fs::write(&file, quartier::TEMPLATE)?;
/// let project = Project::load(&file)?;
/// # let table = project.protected_table_path(quartier::RecordKind::Resident, "2024-12-31");
/// # std::fs::create_dir_all(table.parent().unwrap())?;
/// # std::fs::write(&table, "abc")?;
/// release_project(&project, "resident", "Bürgeramt", None, None, "2025-03-01")?;
/// let state = release_state(&project)?;
/// assert!(state.signoffs[0].status.is_current());
/// // kita and child_support are not signed off: the indicators reading them are drafts.
/// let drafts: Vec<&str> = state.drafts.iter().map(String::as_str).collect();
/// assert_eq!(drafts, ["child_support_rate", "kita_low_income_share"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ReleaseError`] (as [`Error::Release`]) for a broken release file; [`Error::Io`] when a
/// signed table exists but cannot be read.
pub fn release_state(project: &Project) -> Result<ReleaseState, Error> {
    let releases = Releases::read(&project.outputs.protected.join(RELEASES_FILE))?;
    let mut signoffs = Vec::with_capacity(releases.signoffs.len());
    for s in releases.signoffs {
        let status = match table_path(&project.outputs.protected, &s.table) {
            Some(path) if path.is_file() => {
                if sha256_file(&path)? == s.sha256 {
                    SignOffStatus::Current
                } else {
                    SignOffStatus::Changed
                }
            }
            _ => SignOffStatus::Missing,
        };
        signoffs.push(SignOffState { signoff: s, status });
    }
    let date = project.current_date().to_owned();
    let unsigned: BTreeSet<String> = project
        .datasets
        .iter()
        .filter(|d| {
            let table = relative_table(project, d.kind, &date);
            !signoffs.iter().any(|s| {
                s.status.is_current()
                    && s.signoff.dataset == d.kind.name()
                    && s.signoff.reference_date == date
                    && s.signoff.table == table
            })
        })
        .map(|d| d.kind.name().to_owned())
        .collect();
    let drafts = project
        .analysis
        .indicators
        .iter()
        .filter(|i| {
            let (numerator, denominator) = i.measure.parts();
            std::iter::once(numerator)
                .chain(denominator)
                .any(|t| unsigned.contains(t.dataset.name()))
        })
        .map(|i| i.name.clone())
        .collect();
    Ok(ReleaseState {
        date,
        signoffs,
        unsigned,
        drafts,
    })
}

/// The protected table of a dataset at a date relative to `outputs.protected`,
/// `/`-separated.
fn relative_table(project: &Project, kind: RecordKind, date: &str) -> String {
    let path = project.protected_table_path(kind, date);
    let rel = path
        .strip_prefix(&project.outputs.protected)
        .unwrap_or(&path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// A recorded table path resolved under `outputs.protected`; `None` for a path that would
/// leave it (absolute, `..`), which a release file written by quartier never has.
fn table_path(protected: &Path, table: &str) -> Option<PathBuf> {
    let rel = Path::new(table);
    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && !table.is_empty()).then(|| protected.join(rel))
}

/// Today's date in UTC, `YYYY-MM-DD`, from the system clock (1970-01-01 for a clock before
/// 1970).
///
/// # Examples
///
/// ```
/// let day = quartier::today();
/// assert_eq!(day.len(), 10);
/// assert!(day.as_str() > "2024-01-01");
/// ```
pub fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01), after Howard
/// Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Whether `s` is a calendar date `YYYY-MM-DD` (the day exists in its month).
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::TEMPLATE;

    /// The template project in a temporary folder, with a stand-in protected table per
    /// dataset at every date (sign-offs only hash the bytes).
    fn project(text: &str) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("project.toml");
        std::fs::write(&file, text).unwrap();
        let project = Project::load(&file).unwrap();
        for date in &project.dates {
            for d in &project.datasets {
                let path = project.protected_table_path(d.kind, date);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, format!("{};{date}\n", d.kind.name())).unwrap();
            }
        }
        (dir, project)
    }

    /// The template with an earlier reference date 2022-12-31 for every dataset.
    fn monitoring() -> String {
        let mut text = TEMPLATE.to_owned();
        for file in ["einwohner", "kita_beitraege", "unterhaltsvorschuss"] {
            let line = format!("path = \"data/{file}.csv\"\n");
            let with = format!(
                "{line}earlier = [{{ reference_date = \"2022-12-31\", path = \"data/{file}_2022.csv\" }}]\n"
            );
            assert!(text.contains(&line));
            text = text.replace(&line, &with);
        }
        text
    }

    fn releases_file(p: &Project) -> PathBuf {
        p.outputs.protected.join(RELEASES_FILE)
    }

    /// The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    const SHA_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn a_sign_off_records_the_table_and_its_hash_and_round_trips() {
        let (_dir, p) = project(TEMPLATE);
        std::fs::write(
            p.protected_table_path(RecordKind::Kita, "2024-12-31"),
            "abc",
        )
        .unwrap();
        let s = release_project(
            &p,
            "kita",
            "Jugendamt",
            Some("  Stufen geprüft  "),
            None,
            "2025-03-01",
        )
        .unwrap();
        let expected = SignOff {
            dataset: "kita".into(),
            reference_date: "2024-12-31".into(),
            office: "Jugendamt".into(),
            signed_on: "2025-03-01".into(),
            comment: Some("Stufen geprüft".into()),
            table: "protected_kita.csv".into(),
            sha256: SHA_ABC.into(),
        };
        assert_eq!(s, expected);
        let read = Releases::read(&releases_file(&p)).unwrap();
        assert_eq!(read.signoffs, vec![expected]);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(releases_file(&p)).unwrap()).unwrap();
        assert_eq!(json["signoffs"][0]["sha256"], SHA_ABC);
        assert_eq!(json["signoffs"][0]["table"], "protected_kita.csv");
        let md = std::fs::read_to_string(p.outputs.protected.join("releases.md")).unwrap();
        assert!(
            md.contains(&format!(
                "| kita | 2024-12-31 | Jugendamt | 2025-03-01 | `protected_kita.csv` | `{SHA_ABC}` | Stufen geprüft |"
            )),
            "{md}"
        );
        assert!(md.contains("protocol"), "{md}");
    }

    #[test]
    fn signing_again_replaces_the_same_dataset_and_date_only_and_keeps_the_order() {
        let (_dir, p) = project(&monitoring());
        assert_eq!(p.dates, ["2022-12-31", "2024-12-31"]);
        let sign = |dataset: &str, office: &str, date: Option<&str>, on: &str| {
            release_project(&p, dataset, office, None, date, on).unwrap()
        };
        sign("resident", "Bürgeramt", None, "2025-03-01");
        sign("kita", "Jugendamt", Some("2022-12-31"), "2025-03-02");
        sign("resident", "Bürgeramt", Some("2022-12-31"), "2025-03-03");
        let again = sign("resident", "Bürgeramt", None, "2025-04-01");
        assert_eq!(again.table, "2024-12-31/protected_resident.csv");
        let read = Releases::read(&releases_file(&p)).unwrap();
        let got: Vec<(&str, &str, &str)> = read
            .signoffs
            .iter()
            .map(|s| {
                (
                    s.dataset.as_str(),
                    s.reference_date.as_str(),
                    s.signed_on.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("kita", "2022-12-31", "2025-03-02"),
                ("resident", "2022-12-31", "2025-03-03"),
                ("resident", "2024-12-31", "2025-04-01"),
            ]
        );
    }

    #[test]
    fn insert_returns_the_replaced_sign_off() {
        let s = |dataset: &str, date: &str, on: &str| SignOff {
            dataset: dataset.into(),
            reference_date: date.into(),
            office: "A".into(),
            signed_on: on.into(),
            comment: None,
            table: "t.csv".into(),
            sha256: String::new(),
        };
        let mut r = Releases::default();
        assert_eq!(r.insert(s("b", "2024-12-31", "1")), None);
        assert_eq!(r.insert(s("a", "2024-12-31", "2")), None);
        assert_eq!(r.insert(s("b", "2023-12-31", "3")), None);
        assert_eq!(
            r.insert(s("b", "2024-12-31", "4")),
            Some(s("b", "2024-12-31", "1"))
        );
        assert_eq!(
            r.signoffs,
            [
                s("a", "2024-12-31", "2"),
                s("b", "2023-12-31", "3"),
                s("b", "2024-12-31", "4")
            ]
        );
        assert_eq!(r.get("b", "2023-12-31"), Some(&s("b", "2023-12-31", "3")));
        assert_eq!(r.get("c", "2023-12-31"), None);
    }

    #[test]
    fn drafts_are_exactly_the_indicators_reading_an_unsigned_dataset() {
        let (_dir, p) = project(TEMPLATE);
        // The template's indicators: under25_share (resident/resident), under25_density
        // (resident), kita_low_income_share (kita/kita), child_support_rate
        // (child_support/resident).
        let all: BTreeSet<String> = [
            "under25_share",
            "under25_density",
            "kita_low_income_share",
            "child_support_rate",
        ]
        .map(String::from)
        .into();
        let set = |names: &[&str]| -> BTreeSet<String> {
            names.iter().map(|s| (*s).to_owned()).collect()
        };
        let state = release_state(&p).unwrap();
        assert!(state.signoffs.is_empty());
        assert_eq!(state.drafts, all);
        assert_eq!(state.unsigned, set(&["child_support", "kita", "resident"]));

        release_project(&p, "kita", "Jugendamt", None, None, "2025-03-01").unwrap();
        let state = release_state(&p).unwrap();
        assert_eq!(
            state.drafts,
            set(&["under25_share", "under25_density", "child_support_rate"])
        );

        release_project(&p, "child_support", "Jugendamt", None, None, "2025-03-01").unwrap();
        let state = release_state(&p).unwrap();
        // child_support_rate still reads residents in its denominator.
        assert_eq!(
            state.drafts,
            set(&["under25_share", "under25_density", "child_support_rate"])
        );

        release_project(&p, "resident", "Bürgeramt", None, None, "2025-03-01").unwrap();
        let state = release_state(&p).unwrap();
        assert_eq!(state.drafts, BTreeSet::new());
        assert!(state.unsigned.is_empty());
        assert_eq!(state.signoffs.len(), 3);
        assert!(state.signoffs.iter().all(|s| s.status.is_current()));
        assert!(!state.is_draft("under25_share"));
    }

    #[test]
    fn a_table_changed_by_one_byte_makes_its_sign_off_stale() {
        let (_dir, p) = project(TEMPLATE);
        for (d, o) in [
            ("resident", "Bürgeramt"),
            ("kita", "Jugendamt"),
            ("child_support", "Jugendamt"),
        ] {
            release_project(&p, d, o, None, None, "2025-03-01").unwrap();
        }
        assert!(release_state(&p).unwrap().drafts.is_empty());
        let kita = p.protected_table_path(RecordKind::Kita, "2024-12-31");
        let mut bytes = std::fs::read(&kita).unwrap();
        bytes[0] ^= 1;
        std::fs::write(&kita, &bytes).unwrap();
        let state = release_state(&p).unwrap();
        let status: Vec<(&str, SignOffStatus)> = state
            .signoffs
            .iter()
            .map(|s| (s.signoff.dataset.as_str(), s.status))
            .collect();
        assert_eq!(
            status,
            [
                ("child_support", SignOffStatus::Current),
                ("kita", SignOffStatus::Changed),
                ("resident", SignOffStatus::Current),
            ]
        );
        assert_eq!(
            state.drafts,
            BTreeSet::from(["kita_low_income_share".to_owned()])
        );
        // Signing the changed table again makes it current.
        release_project(&p, "kita", "Jugendamt", None, None, "2025-03-02").unwrap();
        assert!(release_state(&p).unwrap().drafts.is_empty());
        // A removed table: missing.
        std::fs::remove_file(&kita).unwrap();
        let state = release_state(&p).unwrap();
        assert_eq!(state.signoffs[1].status, SignOffStatus::Missing);
        assert_eq!(
            state.drafts,
            BTreeSet::from(["kita_low_income_share".to_owned()])
        );
    }

    #[test]
    fn only_a_sign_off_at_the_current_date_counts() {
        let (_dir, p) = project(&monitoring());
        for (d, o) in [
            ("resident", "Bürgeramt"),
            ("kita", "Jugendamt"),
            ("child_support", "Jugendamt"),
        ] {
            release_project(&p, d, o, None, Some("2022-12-31"), "2025-03-01").unwrap();
        }
        let state = release_state(&p).unwrap();
        assert_eq!(state.date, "2024-12-31");
        assert!(state.signoffs.iter().all(|s| s.status.is_current()));
        assert_eq!(state.drafts.len(), 4);
    }

    #[test]
    fn wrong_office_unknown_dataset_date_and_missing_table_are_errors() {
        let (_dir, p) = project(TEMPLATE);
        let err = |d: &str, o: &str, date: Option<&str>, on: &str| {
            release_project(&p, d, o, None, date, on)
                .unwrap_err()
                .to_string()
        };
        let e = err("kita", "Sozialamt", None, "2025-03-01");
        assert!(
            e.starts_with("dataset `kita` is owned by `Jugendamt`, not `Sozialamt`"),
            "{e}"
        );
        let e = err("schools", "Schulamt", None, "2025-03-01");
        assert_eq!(
            e,
            "no dataset `schools` in the project; its datasets are `resident`, `kita`, `child_support`"
        );
        let e = err("kita", "Jugendamt", Some("2023-12-31"), "2025-03-01");
        assert_eq!(
            e,
            "reference date 2023-12-31 is not one of the project's: 2024-12-31"
        );
        let e = err("kita", "Jugendamt", None, "2025-02-30");
        assert_eq!(e, "signed_on `2025-02-30`: write dates as YYYY-MM-DD");
        let table = p.protected_table_path(RecordKind::Kita, "2024-12-31");
        std::fs::remove_file(&table).unwrap();
        let e = err("kita", "Jugendamt", None, "2025-03-01");
        assert_eq!(
            e,
            format!(
                "no protected table for `kita` at 2024-12-31 ({}): run `quartier anonymize` first",
                table.display()
            )
        );
        // Nothing was written by the failed attempts.
        assert!(!releases_file(&p).exists());
    }

    #[test]
    fn a_broken_release_file_is_an_error_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("releases.json");
        std::fs::write(
            &path,
            "{\n  \"signoffs\": [\n    {\"dataset\": \"kita\",}\n  ]\n}\n",
        )
        .unwrap();
        let e = Releases::read(&path).unwrap_err();
        assert!(matches!(e, ReleaseError::Json { line: 3, .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("{}, line 3, column", path.display())),
            "{text}"
        );
        assert!(!text.contains(" at line "), "{text}");

        std::fs::write(&path, "{\"signoffs\": [{\"dataset\": \"kita\"}]}").unwrap();
        let e = Releases::read(&path).unwrap_err().to_string();
        assert!(e.contains("missing field"), "{e}");

        let one = r#"{"dataset": "kita", "reference_date": "2024-12-31", "office": "J",
            "signed_on": "2025-01-01", "table": "t.csv", "sha256": "00"}"#;
        std::fs::write(&path, format!("{{\"signoffs\": [{one}, {one}]}}")).unwrap();
        let e = Releases::read(&path).unwrap_err().to_string();
        assert!(
            e.ends_with("the sign-off of `kita` at 2024-12-31 occurs more than once"),
            "{e}"
        );
    }

    #[test]
    fn a_table_path_leaving_the_protected_folder_is_never_read() {
        let protected = Path::new("/p");
        assert_eq!(
            table_path(protected, "2024-12-31/protected_kita.csv"),
            Some(PathBuf::from("/p/2024-12-31/protected_kita.csv"))
        );
        assert_eq!(table_path(protected, "../secret.csv"), None);
        assert_eq!(table_path(protected, "/etc/passwd"), None);
        assert_eq!(table_path(protected, ""), None);
    }

    #[test]
    fn civil_from_days_agrees_with_counting_days_one_by_one() {
        // Oracle: walk the calendar day by day from 1970-01-01 over 250 years.
        let (mut y, mut m, mut d) = (1970i64, 1u32, 1u32);
        for n in 0..(250 * 366) {
            assert_eq!(civil_from_days(n), (y, m, d), "day {n}");
            d += 1;
            if d > days_in_month(u32::try_from(y).unwrap(), m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn iso_dates_are_checked_against_the_calendar() {
        for ok in ["2024-02-29", "2000-02-29", "2025-12-31", "2025-01-01"] {
            assert!(is_iso_date(ok), "{ok}");
        }
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-04-31",
            "2025-13-01",
            "2025-00-10",
            "2025-01-00",
            "2025-1-01",
            "20250101",
            "2025-01-0a",
            "",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }
}
