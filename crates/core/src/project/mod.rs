//! The project file (`project.toml`): an office's catalogue of datasets, its block layer,
//! the disclosure rules, the indicators, the ranking and where outputs go — one file that
//! `quartier validate | anonymize | analyze | run` read.
//!
//! [`Project::load`] parses and checks the file completely before anything is read: unknown
//! keys, wrong types and inconsistent settings are [`ProjectError`]s naming the file, the
//! line and the key. Paths in the file are relative to the file's folder.
//!
//! A commented example is what `quartier init` writes ([`init_project`]); its text is
//! [`TEMPLATE`].
//!
//! # Decisions
//!
//! - Datasets are the record kinds quartier counts: `resident` (age), `kita` (child's age,
//!   fee bracket) and `child_support` (child's age); each at most once. Their category sets
//!   are fixed (see [`RecordKind::categories`]); `[anonymize.categories]` names groups of
//!   those categories for indicators (`@low_income`) and the protocol.
//! - A record is located either by coordinate columns (`use = "x"` / `"y"`) or by address
//!   columns (`street`, `house_number`, optional `suffix`, `postcode`, `municipality`) that
//!   are geocoded against `[geocoding]`'s official house-coordinate table.
//! - Outputs go to three folders: `sealed` (stays inside the office: the list of unmatched
//!   addresses), `protected` (may leave: protected tables and protocol) and `analysis`
//!   (ranking, report, GIS layers). `analyze` reads only `protected` and the block layer.

mod config;
mod monitoring;
mod run;
pub(crate) mod template;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use run::{
    AnalyzeOutcome, AnonymizeOutcome, DatasetOutcome, DateOutcome, Progress, RunOutcome,
    ValidateOutcome, analyze_project, anonymize_project, anonymize_project_at, run_project,
    validate_project,
};
pub use template::{TEMPLATE, init_project, init_project_with};

use crate::analysis::{AnalysisSpec, CriterionSpec, SpatialSpec};
use crate::catalogue::DatasetEntry;
use crate::crs::Crs;
use crate::disclosure::{FrequencyRule, Zeros};
use crate::indicator::{AreaBasis, IndicatorSpec, Measure, Smoothing, Term};
use crate::io::{LayerSource, PostgisSource, PostgisTarget, Relation};
use crate::rank::{Direction, Normalization, Selection, UncertaintySpec, Weighting};
use crate::records::RecordKind;
use crate::render::Language;
use config::{DatasetSection, ProjectFile};

/// An error in a project file: the file, the line (where known), the key and what is wrong.
///
/// # Examples
///
/// ```
/// let text = "[project]\nname = \"X\"\ncolour = \"blue\"\n";
/// let err = quartier::Project::parse(text, "project.toml".as_ref()).unwrap_err();
/// assert!(err.to_string().starts_with("project.toml, line 3"), "{err}");
/// assert!(err.to_string().contains("colour"), "{err}");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The project file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A syntax error, an unknown key, a wrong type or a missing key.
    #[error("{}{}: {message}", path.display(), at(*line, *column))]
    Parse {
        /// The project file.
        path: PathBuf,
        /// 1-based line, where known.
        line: Option<usize>,
        /// 1-based column, where known.
        column: Option<usize>,
        /// The parser's message (names the key).
        message: String,
    },
    /// A setting that parses but cannot be used.
    #[error("{}{}, key `{key}`: {message}", path.display(), at(*line, None))]
    Invalid {
        /// The project file.
        path: PathBuf,
        /// 1-based line of the key or of its table, where known.
        line: Option<usize>,
        /// The key, as a path (`datasets[1].fields[0].use`).
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

fn at(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(", line {l}, column {c}"),
        (Some(l), None) => format!(", line {l}"),
        _ => String::new(),
    }
}

/// What a column of a dataset is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldUse {
    /// Easting in the dataset's CRS.
    X,
    /// Northing in the dataset's CRS.
    Y,
    /// Municipality key (Gemeindeschlüssel).
    Municipality,
    /// Postcode.
    Postcode,
    /// Street name.
    Street,
    /// House number (with or without suffix).
    HouseNumber,
    /// House-number suffix (`a`), appended to the number.
    Suffix,
    /// Age in completed years (the child's age for Kita and child-support records).
    Age,
    /// Kita fee bracket (1 = lowest income).
    FeeBracket,
}

impl FieldUse {
    const ALL: [Self; 9] = [
        Self::X,
        Self::Y,
        Self::Municipality,
        Self::Postcode,
        Self::Street,
        Self::HouseNumber,
        Self::Suffix,
        Self::Age,
        Self::FeeBracket,
    ];

    /// The name in the project file.
    pub fn name(self) -> &'static str {
        match self {
            Self::X => "x",
            Self::Y => "y",
            Self::Municipality => "municipality",
            Self::Postcode => "postcode",
            Self::Street => "street",
            Self::HouseNumber => "house_number",
            Self::Suffix => "suffix",
            Self::Age => "age",
            Self::FeeBracket => "fee_bracket",
        }
    }

    /// The role this use belongs to: `coordinate`, `address`, `attribute` or `category`.
    pub fn role(self) -> &'static str {
        match self {
            Self::X | Self::Y => "coordinate",
            Self::Municipality
            | Self::Postcode
            | Self::Street
            | Self::HouseNumber
            | Self::Suffix => "address",
            Self::Age => "attribute",
            Self::FeeBracket => "category",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.name() == s)
    }
}

/// How sensitive a column is (documentation for the catalogue and the protocol; no column
/// of any sensitivity is ever written outside the sealed folder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Sensitivity {
    /// Identifies a person on its own or nearly so (address, coordinate).
    Identifying,
    /// Personal data (age).
    Personal,
    /// A special category or otherwise sensitive (income bracket, social benefits).
    Sensitive,
}

impl Sensitivity {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "identifying" => Some(Self::Identifying),
            "personal" => Some(Self::Personal),
            "sensitive" => Some(Self::Sensitive),
            _ => None,
        }
    }
}

/// One column of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The column header in the file.
    pub column: String,
    /// What it is used for.
    #[serde(rename = "use")]
    pub usage: FieldUse,
    /// Its sensitivity, where documented.
    pub sensitivity: Option<Sensitivity>,
}

/// The CSV dialect of a dataset file; `None` = detect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvFormat {
    /// The delimiter byte; `None` = detect from the header (`;`, `,`, tab).
    pub delimiter: Option<u8>,
    /// `Some(true)` = Windows-1252, `Some(false)` = UTF-8, `None` = UTF-8 when valid, else
    /// Windows-1252.
    pub windows_1252: Option<bool>,
    /// `Some(true)` = decimal comma only, `Some(false)` = decimal point only, `None` = both.
    pub decimal_comma: Option<bool>,
}

/// One dataset of the catalogue with where and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The record kind.
    pub kind: RecordKind,
    /// Catalogue entry (office, reference date, legal basis, ...).
    pub entry: DatasetEntry,
    /// The file (resolved against the project folder); for a PostGIS source, the source's
    /// name (for messages).
    pub path: PathBuf,
    /// A PostGIS table or query instead of a CSV file (the current reference date only;
    /// earlier dates are files).
    pub postgis: Option<PostgisSource>,
    /// CRS of the coordinate columns.
    pub crs: Crs,
    /// The dialect.
    pub format: CsvFormat,
    /// The columns used.
    pub fields: Vec<Field>,
    /// The finest level the dataset is published on; `None` = the blocks.
    pub finest_level: Option<String>,
    /// Files of earlier reference dates, oldest first (monitoring over time); `entry`'s
    /// reference date and `path` are the current one.
    pub earlier: Vec<DatedFile>,
}

/// A dataset's file for one earlier reference date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedFile {
    /// The reference date (`YYYY-MM-DD`).
    pub reference_date: String,
    /// The file (resolved against the project folder).
    pub path: PathBuf,
}

/// A block layer that was valid at earlier reference dates (the blocks were re-cut since).
/// Same levels, id fields and name field as the current layer; its upper levels are
/// dissolved from its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierLayer {
    /// The reference dates this layer is used for.
    pub reference_dates: Vec<String>,
    /// The layer.
    pub source: LayerSource,
    /// Its CRS.
    pub crs: Crs,
}

impl Dataset {
    /// The column for a use, if the dataset has one.
    pub fn column(&self, usage: FieldUse) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.usage == usage)
            .map(|f| f.column.as_str())
    }

    /// Whether records are located by address (else by coordinates).
    pub fn by_address(&self) -> bool {
        self.column(FieldUse::Street).is_some()
    }
}

/// Where the block layer comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HierarchySource {
    /// The block layer (GeoJSON, GeoPackage or Shapefile; a GeoPackage layer by name).
    pub source: LayerSource,
    /// CRS of the layer (and of the upper layers).
    pub crs: Crs,
    /// Level names from the top to the blocks.
    pub levels: Vec<String>,
    /// The id field of each level in the block layer.
    pub id_fields: Vec<String>,
    /// The block name field.
    pub name_field: Option<String>,
    /// Upper levels read from their own layers.
    pub upper: Vec<UpperLevel>,
    /// Block layers of earlier reference dates (a date not listed uses the current layer).
    pub earlier: Vec<EarlierLayer>,
}

/// An upper level read from its own layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpperLevel {
    /// The level name.
    pub level: String,
    /// The layer.
    pub source: LayerSource,
    /// CRS of the layer (default: the block layer's).
    pub crs: Crs,
    /// The id field.
    pub id_field: String,
    /// The name field.
    pub name_field: Option<String>,
}

/// The house-coordinate table geocoding matches against.
#[derive(Debug, Clone, PartialEq)]
pub struct Geocoding {
    /// The table file.
    pub path: PathBuf,
    /// `essen`, `hk_de` or `custom`.
    pub layout: String,
    /// Column mapping of a custom layout (use → header).
    pub columns: BTreeMap<String, String>,
    /// CRS of the table's coordinates.
    pub crs: Crs,
    /// Jaro–Winkler threshold of fuzzy street matching; `None` = the default.
    pub fuzzy_threshold: Option<f64>,
    /// Whether the nearest house number of the same street may be used; `None` = default.
    pub nearest_number: Option<bool>,
    /// Largest house-number distance for that; `None` = the default.
    pub max_number_distance: Option<u32>,
    /// Whether the office's list of unmatched records is written to the sealed folder.
    pub unmatched_list: bool,
}

/// The output folders (resolved against the project folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs {
    /// Stays inside the sealed office.
    pub sealed: PathBuf,
    /// May leave: protected tables and protocol.
    pub protected: PathBuf,
    /// Ranking, report and GIS layers.
    pub analysis: PathBuf,
    /// A PostGIS schema the published layers are also written into.
    pub postgis: Option<PostgisTarget>,
}

/// The disclosure rules of the sealed phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Minimum frequency of a published cell.
    pub k: u64,
    /// Whether zeros are published.
    pub publish_zeros: bool,
    /// Protection level of secondary suppression (≥ k is usual).
    pub protection: u64,
    /// Blocks with fewer residents have every cell suppressed (0 = none).
    pub min_population: u64,
    /// Snap distance in metres.
    pub snap_distance_m: Option<f64>,
    /// Named category groups per dataset.
    pub categories: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Rules {
    /// The frequency rule.
    pub fn frequency_rule(&self) -> FrequencyRule {
        FrequencyRule {
            k: self.k,
            zeros: if self.publish_zeros {
                Zeros::Publish
            } else {
                Zeros::Suppress
            },
        }
    }
}

/// A checked project file.
///
/// # Examples
///
/// ```
/// let dir = tempfile::tempdir()?;
/// quartier::init_project(dir.path())?;
/// let project = quartier::Project::load(&dir.path().join("project.toml"))?;
/// assert_eq!(project.datasets.len(), 3);
/// assert_eq!(project.crs, quartier::Crs::ETRS89_UTM32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The project file.
    pub file: PathBuf,
    /// The project's name (report title).
    pub name: String,
    /// The project CRS (metric): every input is transformed into it.
    pub crs: Crs,
    /// The report language.
    pub language: Language,
    /// The datasets, in file order.
    pub datasets: Vec<Dataset>,
    /// The block layer.
    pub hierarchy: HierarchySource,
    /// The geocoding table, if any dataset is located by address.
    pub geocoding: Option<Geocoding>,
    /// Disclosure rules.
    pub rules: Rules,
    /// The analysis (indicators, criteria, ranking).
    pub analysis: AnalysisSpec,
    /// Output folders.
    pub outputs: Outputs,
    /// The reference dates, oldest first; the last is the current one. One date unless the
    /// datasets list `[[datasets.earlier]]` files (monitoring over time).
    pub dates: Vec<String>,
    /// The owner office of every indicator, by indicator name: the indicator's `office`, else
    /// the office of its numerator's dataset.
    pub indicator_offices: BTreeMap<String, String>,
}

impl Project {
    /// Reads and checks a project file.
    ///
    /// # Errors
    ///
    /// [`ProjectError::Read`] when the file cannot be read; otherwise as [`Project::parse`].
    pub fn load(path: &Path) -> Result<Self, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks the text of a project file; `path` names it in messages and is the base of
    /// relative paths.
    ///
    /// # Errors
    ///
    /// [`ProjectError::Parse`] for TOML syntax, unknown keys, wrong types and missing keys;
    /// [`ProjectError::Invalid`] for settings that cannot be used (an unknown dataset, a
    /// field use that does not fit the dataset, an indicator on a missing dataset, ...).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProjectError> {
        let file: ProjectFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| line_col(text, s.start))
                .map_or((None, None), |(l, c)| (Some(l), Some(c)));
            let mut message = e.message().trim().to_owned();
            if let Some(key) = e.span().and_then(|s| key_at(text, s.start)) {
                if !message.contains(&format!("`{key}`")) {
                    message = format!("key `{key}`: {message}");
                }
            }
            ProjectError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        })?;
        Resolver { text, path }.resolve(file)
    }

    /// The dataset catalogue, for the protocol and the report.
    pub fn catalogue(&self) -> Vec<DatasetEntry> {
        self.datasets.iter().map(|d| d.entry.clone()).collect()
    }

    /// The dataset of a kind, if the project has it.
    pub fn dataset(&self, kind: RecordKind) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.kind == kind)
    }

    /// Whether the project has more than one reference date (monitoring over time).
    pub fn is_monitoring(&self) -> bool {
        self.dates.len() > 1
    }

    /// The current (latest) reference date.
    pub fn current_date(&self) -> &str {
        self.dates.last().map_or("", String::as_str)
    }

    /// Where the protected tables and the protocol of a reference date go: `outputs.protected`
    /// itself in a project with one date, `outputs.protected/<date>` in a monitoring project,
    /// so that the dates sit side by side and never overwrite each other.
    pub fn protected_dir(&self, date: &str) -> PathBuf {
        if self.is_monitoring() {
            self.outputs.protected.join(date)
        } else {
            self.outputs.protected.clone()
        }
    }

    /// The protected table of a dataset at a reference date.
    pub fn protected_table_path(&self, kind: RecordKind, date: &str) -> PathBuf {
        self.protected_dir(date)
            .join(format!("protected_{}.csv", kind.name()))
    }

    /// The file of a dataset at a reference date, if it has one.
    pub fn dataset_file(&self, kind: RecordKind, date: &str) -> Option<&Path> {
        let d = self.dataset(kind)?;
        if date == self.current_date() || !self.is_monitoring() {
            return Some(&d.path);
        }
        d.earlier
            .iter()
            .find(|f| f.reference_date == date)
            .map(|f| f.path.as_path())
    }

    /// The earlier block layer of a reference date; `None` = the current layer.
    pub fn earlier_layer(&self, date: &str) -> Option<&EarlierLayer> {
        self.hierarchy
            .earlier
            .iter()
            .find(|l| l.reference_dates.iter().any(|d| d == date))
    }
}

/// Whether `s` is an ISO calendar date `YYYY-MM-DD` (month 1–12, day 1–31), the form
/// reference dates take in a monitoring project so that they sort and name folders.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
        return false;
    }
    if !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// A path with `.` and `..` resolved lexically (without touching the file system).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The line of a key given as a path (`anonymize.k`, `outputs`): the key's own line in its
/// table, or the table's header line. `None` when not found (a default, or an inline table).
fn key_line(text: &str, key: &str) -> Option<usize> {
    let plain = |k: &str| !k.contains('[') && !k.is_empty();
    if !plain(key) {
        return None;
    }
    let (table, name) = match key.rsplit_once('.') {
        Some((t, n)) => (t, Some(n)),
        None => (key, None),
    };
    let mut current = String::new();
    let mut header = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[') {
            current = h
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                .to_owned();
            if current == key {
                return Some(i + 1);
            }
            if current == table && header.is_none() {
                header = Some(i + 1);
            }
            continue;
        }
        if let Some(name) = name {
            if current == table {
                let k = t.split('=').next().unwrap_or("").trim();
                if k == name && t.contains('=') {
                    return Some(i + 1);
                }
            }
        }
    }
    header
}

/// The dotted key of the `key = value` line at `offset` (`anonymize.k`), for parser messages
/// that do not name it.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let (line, _) = line_col(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let this = lines.get(line.checked_sub(1)?)?.trim();
    let name = this.split_once('=')?.0.trim();
    if name.is_empty() || name.starts_with('[') || name.starts_with('{') {
        return None;
    }
    let table = lines[..line - 1].iter().rev().find_map(|l| {
        let t = l.trim();
        t.starts_with('[').then(|| {
            t.trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                .to_owned()
        })
    });
    Some(match table {
        Some(t) => format!("{t}.{name}"),
        None => name.to_owned(),
    })
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Resolver<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Resolver<'_> {
    fn line(&self, span: &std::ops::Range<usize>) -> Option<usize> {
        (span.start < span.end).then(|| line_col(self.text, span.start).0)
    }

    fn invalid(
        &self,
        span: Option<&std::ops::Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ProjectError {
        let key = key.into();
        let line = span
            .and_then(|s| self.line(s))
            .or_else(|| key_line(self.text, &key));
        ProjectError::Invalid {
            path: self.path.to_path_buf(),
            line,
            key,
            message: message.into(),
        }
    }

    fn root(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn crs(
        &self,
        value: &toml::Spanned<String>,
        key: &str,
        metric: bool,
    ) -> Result<Crs, ProjectError> {
        let crs: Crs = value.get_ref().parse().map_err(|e: crate::crs::CrsError| {
            self.invalid(Some(&value.span()), key, e.to_string())
        })?;
        if metric && crs.is_geographic() {
            return Err(self.invalid(
                Some(&value.span()),
                key,
                format!(
                    "{crs} is geographic (degrees); the project CRS must be metric, e.g. EPSG:25832 (ETRS89 / UTM 32N) or EPSG:25833"
                ),
            ));
        }
        Ok(crs)
    }

    fn resolve(&self, file: ProjectFile) -> Result<Project, ProjectError> {
        let root = self.root();
        let project_crs = self.crs(&file.project.crs, "project.crs", true)?;
        let crs_or_project = |c: &Option<toml::Spanned<String>>, key: &str| match c {
            Some(c) => self.crs(c, key, false),
            None => Ok(project_crs),
        };

        // Hierarchy.
        let h_span = file.hierarchy.span();
        let h = file.hierarchy.get_ref().clone();
        if h.levels.len() < 2 {
            return Err(self.invalid(
                Some(&h_span),
                "hierarchy.levels",
                "give at least two levels, from the top (e.g. gemeinde) to the blocks",
            ));
        }
        if h.levels.len() != h.id_fields.len() {
            return Err(self.invalid(
                Some(&h_span),
                "hierarchy.id_fields",
                format!(
                    "{} levels but {} id fields: give one id field per level, same order",
                    h.levels.len(),
                    h.id_fields.len()
                ),
            ));
        }
        for (i, l) in h.levels.iter().enumerate() {
            if !crate::disclosure::is_layer_name(l) || h.levels[..i].contains(l) {
                return Err(self.invalid(
                    Some(&h_span),
                    format!("hierarchy.levels[{i}]"),
                    "level names must be distinct and use letters, digits, `_` and `-` only",
                ));
            }
        }
        let blocks_crs = crs_or_project(&h.crs, "hierarchy.crs")?;
        let mut upper = Vec::new();
        for (i, u) in h.upper.iter().enumerate() {
            let pos = h.levels.iter().position(|l| *l == u.level);
            if pos.is_none_or(|p| p + 1 == h.levels.len()) {
                return Err(self.invalid(
                    Some(&h_span),
                    format!("hierarchy.upper[{i}].level"),
                    format!(
                        "`{}` is not an upper level; expected one of {}",
                        u.level,
                        h.levels[..h.levels.len() - 1].join(", ")
                    ),
                ));
            }
            let crs = match &u.crs {
                Some(c) => self.crs(c, &format!("hierarchy.upper[{i}].crs"), false)?,
                None => blocks_crs,
            };
            upper.push(UpperLevel {
                level: u.level.clone(),
                source: self.source(
                    &root,
                    u.path.as_deref(),
                    u.postgis.as_ref(),
                    u.layer.clone(),
                    crs,
                    &format!("hierarchy.upper[{i}]"),
                    Some(&h_span),
                )?,
                crs,
                id_field: u.id_field.clone(),
                name_field: u.name_field.clone(),
            });
        }
        let hierarchy = HierarchySource {
            source: self.source(
                &root,
                h.path.as_deref(),
                h.postgis.as_ref(),
                h.layer.clone(),
                blocks_crs,
                "hierarchy",
                Some(&h_span),
            )?,
            crs: blocks_crs,
            levels: h.levels.clone(),
            id_fields: h.id_fields.clone(),
            name_field: h.name_field.clone(),
            upper,
            earlier: Vec::new(),
        };

        // Datasets.
        let mut datasets: Vec<Dataset> = Vec::new();
        for (i, d) in file.datasets.iter().enumerate() {
            let span = d.span();
            let dataset = self.dataset(i, d.get_ref(), &span, &root, project_crs, &hierarchy)?;
            if datasets.iter().any(|o| o.kind == dataset.kind) {
                return Err(self.invalid(
                    Some(&span),
                    format!("datasets[{i}].name"),
                    format!("dataset `{}` is given twice", dataset.kind.name()),
                ));
            }
            datasets.push(dataset);
        }
        if datasets.is_empty() {
            return Err(self.invalid(None, "datasets", "the project has no [[datasets]]"));
        }

        // Geocoding.
        let geocoding = match &file.geocoding {
            None => None,
            Some(g) => {
                let span = g.span();
                let g = g.get_ref();
                let layout = g.layout.clone().unwrap_or_else(|| "hk_de".to_owned());
                if !["essen", "hk_de", "custom"].contains(&layout.as_str()) {
                    return Err(self.invalid(
                        Some(&span),
                        "geocoding.layout",
                        format!("unknown layout `{layout}`; expected essen, hk_de or custom"),
                    ));
                }
                if layout == "custom" && g.columns.is_empty() {
                    return Err(self.invalid(
                        Some(&span),
                        "geocoding.columns",
                        "a custom layout needs columns (street, number, x, y, ...)",
                    ));
                }
                if let Some(t) = g.fuzzy_threshold {
                    if !(0.0..=1.0).contains(&t) {
                        return Err(self.invalid(
                            Some(&span),
                            "geocoding.fuzzy_threshold",
                            "expected a number between 0 and 1",
                        ));
                    }
                }
                Some(Geocoding {
                    path: root.join(&g.path),
                    layout,
                    columns: g.columns.clone(),
                    crs: crs_or_project(&g.crs, "geocoding.crs")?,
                    fuzzy_threshold: g.fuzzy_threshold,
                    nearest_number: g.nearest_number,
                    max_number_distance: g.max_number_distance,
                    unmatched_list: g.unmatched_list,
                })
            }
        };
        if let Some((i, d)) = datasets
            .iter()
            .enumerate()
            .find(|(_, d)| d.by_address() && geocoding.is_none())
        {
            return Err(self.invalid(
                Some(&file.datasets[i].span()),
                format!("datasets[{i}].fields"),
                format!(
                    "dataset `{}` is located by address but the project has no [geocoding] table",
                    d.kind.name()
                ),
            ));
        }

        // Disclosure rules.
        let a = &file.anonymize;
        if a.k < 1 {
            return Err(self.invalid(None, "anonymize.k", "k must be at least 1"));
        }
        let publish_zeros = match a.zeros.get_ref().as_str() {
            "publish" => true,
            "suppress" => false,
            _ => {
                return Err(self.invalid(
                    Some(&a.zeros.span()),
                    "anonymize.zeros",
                    "expected \"publish\" or \"suppress\"",
                ));
            }
        };
        if let Some(s) = a.snap_distance_m {
            if !(s.is_finite() && s >= 0.0) {
                return Err(self.invalid(
                    None,
                    "anonymize.snap_distance_m",
                    "expected a distance in metres ≥ 0",
                ));
            }
        }
        for (dataset, groups) in &a.categories {
            let kind = kind_of(dataset).ok_or_else(|| {
                self.invalid(
                    None,
                    format!("anonymize.categories.{dataset}"),
                    "unknown dataset; expected resident, kita or child_support",
                )
            })?;
            let labels = kind.categories();
            for (group, members) in groups {
                if let Some(m) = members.iter().find(|m| labels.position(m).is_none()) {
                    return Err(self.invalid(
                        None,
                        format!("anonymize.categories.{dataset}.{group}"),
                        format!(
                            "`{m}` is not a category of `{dataset}`; its categories are {}",
                            labels.labels().join(", ")
                        ),
                    ));
                }
            }
        }
        if a.min_population > 0 && !datasets.iter().any(|d| d.kind == RecordKind::Resident) {
            return Err(self.invalid(
                None,
                "anonymize.min_population",
                "a minimum population needs the `resident` dataset",
            ));
        }
        let rules = Rules {
            k: a.k,
            publish_zeros,
            protection: a.protection.unwrap_or(a.k),
            min_population: a.min_population,
            snap_distance_m: a.snap_distance_m,
            categories: a.categories.clone(),
        };

        let analysis = self.analysis(&file, &datasets, &hierarchy, &rules)?;
        let mut hierarchy = hierarchy;
        let dates = self.dates(&file, &datasets, &mut hierarchy, &root)?;
        let indicator_offices = analysis
            .indicators
            .iter()
            .map(|spec| {
                let explicit = file
                    .indicators
                    .iter()
                    .find(|s| s.get_ref().name == spec.name)
                    .and_then(|s| s.get_ref().office.clone());
                let office = explicit.or_else(|| {
                    let numerator = terms(&spec.measure).first().map(|t| t.dataset)?;
                    datasets
                        .iter()
                        .find(|d| d.kind == numerator)
                        .map(|d| d.entry.office.clone())
                });
                (spec.name.clone(), office.unwrap_or_default())
            })
            .collect();
        let outputs = Outputs {
            sealed: root.join(&file.outputs.sealed),
            protected: root.join(&file.outputs.protected),
            analysis: root.join(&file.outputs.analysis),
            postgis: match &file.outputs.postgis {
                None => None,
                Some(t) => {
                    crate::io::check_conninfo(&t.connection).map_err(|message| {
                        self.invalid(None, "outputs.postgis.connection", message)
                    })?;
                    if t.schema.is_empty() || t.schema.len() > 63 {
                        return Err(self.invalid(
                            None,
                            "outputs.postgis.schema",
                            "a schema name of 1 to 63 characters",
                        ));
                    }
                    Some(PostgisTarget::new(&t.connection, &t.schema))
                }
            },
        };
        let folders = [
            ("sealed", lexical(&outputs.sealed)),
            ("protected", lexical(&outputs.protected)),
            ("analysis", lexical(&outputs.analysis)),
        ];
        for (a, pa) in &folders {
            for (b, pb) in &folders {
                if a != b && pa.starts_with(pb) {
                    return Err(self.invalid(
                        None,
                        format!("outputs.{a}"),
                        format!(
                            "the {a} folder lies in (or is) the {b} folder; sealed, protected and analysis must be different folders, none inside another (the sealed folder holds personal data)"
                        ),
                    ));
                }
            }
        }
        Ok(Project {
            file: self.path.to_path_buf(),
            name: file.project.name.clone(),
            crs: project_crs,
            language: match file.project.language {
                config::Language::De => Language::German,
                config::Language::En => Language::English,
            },
            datasets,
            hierarchy,
            geocoding,
            rules,
            analysis,
            outputs,
            dates,
            indicator_offices,
        })
    }

    /// The reference dates of the project, oldest first, with the earlier block layers put
    /// into `hierarchy`. One date (the first dataset's) unless a dataset lists earlier files;
    /// then every dataset must have the same current date and a file for every earlier date,
    /// dates are `YYYY-MM-DD`, and every earlier layer names earlier dates only, each once.
    fn dates(
        &self,
        file: &ProjectFile,
        datasets: &[Dataset],
        hierarchy: &mut HierarchySource,
        root: &Path,
    ) -> Result<Vec<String>, ProjectError> {
        let h_span = file.hierarchy.span();
        let layers = &file.hierarchy.get_ref().earlier;
        let current = datasets
            .first()
            .map(|d| d.entry.reference_date.clone())
            .unwrap_or_default();
        if datasets.iter().all(|d| d.earlier.is_empty()) {
            if !layers.is_empty() {
                return Err(self.invalid(
                    Some(&h_span),
                    "hierarchy.earlier",
                    "earlier block layers need earlier reference dates: give the datasets' files for those dates with [[datasets.earlier]]",
                ));
            }
            return Ok(vec![current]);
        }
        let mut all: Vec<String> = Vec::new();
        for (i, d) in datasets.iter().enumerate() {
            let span = file.datasets[i].span();
            let name = d.kind.name();
            if d.entry.reference_date != current {
                return Err(self.invalid(
                    Some(&span),
                    format!("datasets[{i}].reference_date"),
                    format!(
                        "dataset `{name}` has the current reference date {}, dataset `{}` has {current}; in a project over several reference dates every dataset has the same current date",
                        d.entry.reference_date,
                        datasets[0].kind.name()
                    ),
                ));
            }
            for (j, e) in d.earlier.iter().enumerate() {
                let date = &e.reference_date;
                let key = format!("datasets[{i}].earlier[{j}].reference_date");
                if !is_iso_date(date) {
                    return Err(self.invalid(
                        Some(&span),
                        key,
                        format!("reference date `{date}`: write dates as YYYY-MM-DD"),
                    ));
                }
                if date.as_str() >= current.as_str() {
                    return Err(self.invalid(
                        Some(&span),
                        key,
                        format!(
                            "reference date {date} of dataset `{name}` is not earlier than its current date {current}"
                        ),
                    ));
                }
                if d.earlier[..j].iter().any(|o| o.reference_date == *date) {
                    return Err(self.invalid(
                        Some(&span),
                        key,
                        format!("dataset `{name}` lists reference date {date} twice"),
                    ));
                }
                if !all.contains(date) {
                    all.push(date.clone());
                }
            }
        }
        if !is_iso_date(&current) {
            return Err(self.invalid(
                None,
                "datasets[0].reference_date",
                format!("reference date `{current}`: write dates as YYYY-MM-DD"),
            ));
        }
        // Every dataset needs a file for every date.
        for (i, d) in datasets.iter().enumerate() {
            if let Some(date) = all
                .iter()
                .find(|date| !d.earlier.iter().any(|e| e.reference_date == **date))
            {
                let other = datasets
                    .iter()
                    .find(|o| o.earlier.iter().any(|e| e.reference_date == *date))
                    .map_or("", |o| o.kind.name());
                return Err(self.invalid(
                    Some(&file.datasets[i].span()),
                    format!("datasets[{i}].earlier"),
                    format!(
                        "reference date {date}: dataset `{}` has no file for it (dataset `{other}` has one); every dataset needs a file for every reference date",
                        d.kind.name()
                    ),
                ));
            }
        }
        all.sort();
        all.push(current);
        for (i, l) in layers.iter().enumerate() {
            let key = format!("hierarchy.earlier[{i}].reference_dates");
            if l.reference_dates.is_empty() {
                return Err(self.invalid(
                    Some(&h_span),
                    key,
                    format!(
                        "block layer {} is used for no reference date",
                        l.path.display()
                    ),
                ));
            }
            for date in &l.reference_dates {
                let earlier = &all[..all.len() - 1];
                if !earlier.contains(date) {
                    return Err(self.invalid(
                        Some(&h_span),
                        key,
                        format!(
                            "block layer {}: reference date {date} is not an earlier date of the datasets (they have {})",
                            l.path.display(),
                            earlier.join(", ")
                        ),
                    ));
                }
                if hierarchy
                    .earlier
                    .iter()
                    .any(|o| o.reference_dates.contains(date))
                {
                    return Err(self.invalid(
                        Some(&h_span),
                        key,
                        format!("reference date {date} has two earlier block layers"),
                    ));
                }
            }
            let crs = match &l.crs {
                Some(c) => self.crs(c, &format!("hierarchy.earlier[{i}].crs"), false)?,
                None => hierarchy.crs,
            };
            hierarchy.earlier.push(EarlierLayer {
                reference_dates: l.reference_dates.clone(),
                source: layer_source(root.join(&l.path), l.layer.clone()),
                crs,
            });
        }
        Ok(all)
    }

    fn dataset(
        &self,
        i: usize,
        d: &DatasetSection,
        span: &std::ops::Range<usize>,
        root: &Path,
        project_crs: Crs,
        hierarchy: &HierarchySource,
    ) -> Result<Dataset, ProjectError> {
        let key = |k: &str| format!("datasets[{i}].{k}");
        let kind = kind_of(&d.name).ok_or_else(|| {
            self.invalid(
                Some(span),
                key("name"),
                format!(
                    "unknown dataset `{}`; quartier counts resident, kita and child_support",
                    d.name
                ),
            )
        })?;
        let mut fields: Vec<Field> = Vec::new();
        for (j, f) in d.fields.iter().enumerate() {
            let fspan = f.span();
            let f = f.get_ref();
            let fkey = |k: &str| format!("datasets[{i}].fields[{j}].{k}");
            let usage = FieldUse::parse(&f.usage).ok_or_else(|| {
                self.invalid(
                    Some(&fspan),
                    fkey("use"),
                    format!(
                        "unknown use `{}`; expected one of {}",
                        f.usage,
                        FieldUse::ALL.map(FieldUse::name).join(", ")
                    ),
                )
            })?;
            if let Some(role) = &f.role {
                if role != usage.role() {
                    return Err(self.invalid(
                        Some(&fspan),
                        fkey("role"),
                        format!(
                            "use `{}` has role `{}`, not `{role}`",
                            usage.name(),
                            usage.role()
                        ),
                    ));
                }
            }
            let sensitivity = match &f.sensitivity {
                None => None,
                Some(s) => Some(Sensitivity::parse(s).ok_or_else(|| {
                    self.invalid(
                        Some(&fspan),
                        fkey("sensitivity"),
                        "expected identifying, personal or sensitive",
                    )
                })?),
            };
            if usage == FieldUse::FeeBracket && kind != RecordKind::Kita {
                return Err(self.invalid(
                    Some(&fspan),
                    fkey("use"),
                    "only kita records have a fee bracket",
                ));
            }
            if fields.iter().any(|o| o.usage == usage) {
                return Err(self.invalid(
                    Some(&fspan),
                    fkey("use"),
                    format!("two columns for `{}`", usage.name()),
                ));
            }
            fields.push(Field {
                column: f.column.clone(),
                usage,
                sensitivity,
            });
        }
        let has = |u: FieldUse| fields.iter().any(|f| f.usage == u);
        let missing = |what: &str| self.invalid(Some(span), key("fields"), what.to_owned());
        if !has(FieldUse::Age) {
            return Err(missing("no column with use = \"age\""));
        }
        if kind == RecordKind::Kita && !has(FieldUse::FeeBracket) {
            return Err(missing(
                "kita records need a column with use = \"fee_bracket\"",
            ));
        }
        // A PostGIS point column gives the coordinates: the x and y columns are then not
        // needed.
        let point_column = d.postgis.as_ref().is_some_and(|p| p.geometry.is_some());
        let coords = has(FieldUse::X) || has(FieldUse::Y) || point_column;
        let address = has(FieldUse::Street) || has(FieldUse::HouseNumber);
        match (coords, address) {
            (true, true) => {
                return Err(missing(
                    "give either coordinate columns (x, y) or address columns (street, house_number), not both",
                ));
            }
            (false, false) => {
                return Err(missing(
                    "no location: give coordinate columns (x, y) or address columns (street, house_number)",
                ));
            }
            (true, false) if !(point_column || has(FieldUse::X) && has(FieldUse::Y)) => {
                return Err(missing("give both x and y"));
            }
            (false, true) if !(has(FieldUse::Street) && has(FieldUse::HouseNumber)) => {
                return Err(missing("give both street and house_number"));
            }
            _ => {}
        }
        let format = self.format(&d.format, &key("format"), span)?;
        if let Some(level) = &d.finest_level {
            if !hierarchy.levels.contains(level) {
                return Err(self.invalid(
                    Some(span),
                    key("finest_level"),
                    format!(
                        "`{level}` is not a level; expected one of {}",
                        hierarchy.levels.join(", ")
                    ),
                ));
            }
        }
        let mut entry = DatasetEntry::new(kind.name(), &d.title, &d.office, &d.reference_date);
        entry.legal_basis = d.legal_basis.clone();
        entry.description = d.description.clone();
        entry.columns = fields
            .iter()
            .map(|f| {
                let sensitivity = match f.sensitivity {
                    Some(Sensitivity::Identifying) => ", identifying",
                    Some(Sensitivity::Personal) => ", personal",
                    Some(Sensitivity::Sensitive) => ", sensitive",
                    None => "",
                };
                format!(
                    "{} ({}, {}{sensitivity})",
                    f.column,
                    f.usage.name(),
                    f.usage.role()
                )
            })
            .collect();
        let crs = match &d.crs {
            Some(c) => self.crs(c, &key("crs"), false)?,
            None => project_crs,
        };
        let source = self.source(
            root,
            d.path.as_deref(),
            d.postgis.as_ref(),
            None,
            crs,
            &format!("datasets[{i}]"),
            Some(span),
        )?;
        if let Some(db) = &source.postgis {
            if db.geometry.is_some() && address {
                return Err(self.invalid(
                    Some(span),
                    key("postgis.geometry"),
                    "a point geometry locates coordinate datasets; this one is located by address",
                ));
            }
        }
        Ok(Dataset {
            kind,
            entry,
            path: source.path,
            postgis: source.postgis,
            crs,
            format,
            fields,
            finest_level: d.finest_level.clone(),
            earlier: d
                .earlier
                .iter()
                .map(|e| DatedFile {
                    reference_date: e.get_ref().reference_date.clone(),
                    path: root.join(&e.get_ref().path),
                })
                .collect(),
        })
    }

    fn format(
        &self,
        f: &config::FormatSection,
        key: &str,
        span: &std::ops::Range<usize>,
    ) -> Result<CsvFormat, ProjectError> {
        let delimiter = match f.delimiter.as_deref() {
            None | Some("auto") => None,
            Some(";") => Some(b';'),
            Some(",") => Some(b','),
            Some("tab" | "\t") => Some(b'\t'),
            Some(_) => {
                return Err(self.invalid(
                    Some(span),
                    format!("{key}.delimiter"),
                    "expected \"auto\", \";\", \",\" or \"tab\"",
                ));
            }
        };
        let windows_1252 = match f
            .encoding
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("auto") => None,
            Some("utf-8" | "utf8") => Some(false),
            Some("windows-1252" | "cp1252" | "latin-1" | "iso-8859-1") => Some(true),
            Some(_) => {
                return Err(self.invalid(
                    Some(span),
                    format!("{key}.encoding"),
                    "expected \"auto\", \"utf-8\" or \"windows-1252\"",
                ));
            }
        };
        let decimal_comma = match f.decimal.as_deref() {
            None | Some("auto") => None,
            Some(",") => Some(true),
            Some(".") => Some(false),
            Some(_) => {
                return Err(self.invalid(
                    Some(span),
                    format!("{key}.decimal"),
                    "expected \"auto\", \",\" or \".\"",
                ));
            }
        };
        Ok(CsvFormat {
            delimiter,
            windows_1252,
            decimal_comma,
        })
    }

    fn analysis(
        &self,
        file: &ProjectFile,
        datasets: &[Dataset],
        hierarchy: &HierarchySource,
        rules: &Rules,
    ) -> Result<AnalysisSpec, ProjectError> {
        let mut spec = AnalysisSpec::default();
        let (r, r_span) = match &file.ranking {
            Some(r) => (r.get_ref().clone(), Some(r.span())),
            None => (config::RankingSection::default(), None),
        };
        let r_span = r_span.as_ref();
        let upper = &hierarchy.levels[..hierarchy.levels.len() - 1];
        if !upper.contains(&r.level) {
            return Err(self.invalid(
                r_span,
                "ranking.level",
                format!(
                    "`{}` is not a level above the blocks; expected one of {}",
                    r.level,
                    upper.join(", ")
                ),
            ));
        }
        spec.level = r.level.clone();
        let has = |k: RecordKind| datasets.iter().any(|d| d.kind == k);
        if file.indicators.is_empty() {
            // The seed's indicators on the datasets the project has.
            spec.indicators
                .retain(|i| terms(&i.measure).iter().all(|t| has(t.dataset)));
            let names: Vec<&str> = spec.indicators.iter().map(|i| i.name.as_str()).collect();
            spec.criteria
                .retain(|c| names.contains(&c.indicator.as_str()));
        } else {
            spec.indicators.clear();
            spec.criteria.clear();
            for (i, ind) in file.indicators.iter().enumerate() {
                let span = ind.span();
                let (indicator, criterion) =
                    self.indicator(i, ind.get_ref(), &span, datasets, rules)?;
                if spec.indicators.iter().any(|o| o.name == indicator.name) {
                    return Err(self.invalid(
                        Some(&span),
                        format!("indicators[{i}].name"),
                        format!("indicator `{}` is given twice", indicator.name),
                    ));
                }
                spec.indicators.push(indicator);
                spec.criteria.extend(criterion);
            }
        }
        if spec.criteria.is_empty() {
            return Err(self.invalid(
                r_span,
                "indicators",
                "no indicator enters the ranking: give at least one [[indicators]] with a direction",
            ));
        }
        if !(r.min_population.is_finite() && r.min_population >= 0.0) {
            return Err(self.invalid(r_span, "ranking.min_population", "expected a number ≥ 0"));
        }
        spec.ranking.min_population = (r.min_population > 0.0).then_some(r.min_population);
        spec.ranking.selection = match (r.threshold_sd, r.top) {
            (Some(_), Some(_)) => {
                return Err(self.invalid(
                    r_span,
                    "ranking.top",
                    "give either threshold_sd or top, not both",
                ));
            }
            (Some(t), None) => Selection::Threshold(t),
            (None, Some(n)) => Selection::TopN(n),
            (None, None) => spec.ranking.selection,
        };
        if let Some(n) = &r.normalization {
            spec.ranking.normalization = match n.as_str() {
                "zscore" => Normalization::ZScore {
                    weighting: Weighting::Unweighted,
                },
                "minmax" => Normalization::MinMax,
                "rank" => Normalization::Rank,
                _ => {
                    return Err(self.invalid(
                        r_span,
                        "ranking.normalization",
                        "expected zscore, minmax or rank",
                    ));
                }
            };
        }
        spec.uncertainty = match (r.draws, spec.uncertainty.take()) {
            (0, _) => None,
            (draws, Some(mut u)) => {
                u.draws = draws;
                u.seed = r.seed;
                Some(u)
            }
            (draws, None) => {
                let mut u = UncertaintySpec::new(r.seed);
                u.draws = draws;
                Some(u)
            }
        };
        spec.spatial = (r.permutations > 0).then(|| SpatialSpec {
            permutations: r.permutations,
            seed: r.seed,
            ..SpatialSpec::default()
        });
        spec.exclusions = r
            .exclusions
            .iter()
            .map(|e| (e.unit.clone(), e.reason.clone()))
            .collect();
        Ok(spec)
    }

    fn indicator(
        &self,
        i: usize,
        ind: &config::IndicatorSection,
        span: &std::ops::Range<usize>,
        datasets: &[Dataset],
        rules: &Rules,
    ) -> Result<(IndicatorSpec, Option<CriterionSpec>), ProjectError> {
        let key = |k: &str| format!("indicators[{i}].{k}");
        let term = |t: &config::TermSection, k: &str| -> Result<Term, ProjectError> {
            let kind = kind_of(&t.dataset)
                .filter(|kind| datasets.iter().any(|d| d.kind == *kind))
                .ok_or_else(|| {
                    self.invalid(
                        Some(span),
                        key(&format!("{k}.dataset")),
                        format!(
                            "the project has no dataset `{}`; it has {}",
                            t.dataset,
                            datasets
                                .iter()
                                .map(|d| d.kind.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            let labels = kind.categories();
            let mut cats = Vec::new();
            for c in &t.categories {
                if let Some(group) = c.strip_prefix('@') {
                    let members = rules
                        .categories
                        .get(kind.name())
                        .and_then(|g| g.get(group))
                        .ok_or_else(|| {
                            self.invalid(
                                Some(span),
                                key(&format!("{k}.categories")),
                                format!(
                                    "no category group `{group}` for `{}` in [anonymize.categories.{}]",
                                    kind.name(),
                                    kind.name()
                                ),
                            )
                        })?;
                    cats.extend(members.iter().cloned());
                } else if labels.position(c).is_some() {
                    cats.push(c.clone());
                } else {
                    return Err(self.invalid(
                        Some(span),
                        key(&format!("{k}.categories")),
                        format!(
                            "`{c}` is not a category of `{}`; its categories are {}",
                            kind.name(),
                            labels.labels().join(", ")
                        ),
                    ));
                }
            }
            Ok(Term::categories(kind, cats))
        };
        let numerator = term(&ind.numerator, "numerator")?;
        let denominator = match &ind.denominator {
            Some(d) => Some(term(d, "denominator")?),
            None => None,
        };
        let need_denominator = || {
            self.invalid(
                Some(span),
                key("denominator"),
                format!("a {} needs a denominator", ind.measure),
            )
        };
        let measure = match ind.measure.as_str() {
            "share" => Measure::Share {
                numerator,
                denominator: denominator.ok_or_else(need_denominator)?,
            },
            "rate" => Measure::Rate {
                numerator,
                denominator: denominator.ok_or_else(need_denominator)?,
                per: ind.per.unwrap_or(100.0),
            },
            "density" => {
                if denominator.is_some() {
                    return Err(self.invalid(
                        Some(span),
                        key("denominator"),
                        "a density divides by the area; remove the denominator",
                    ));
                }
                Measure::Density {
                    numerator,
                    area: AreaBasis::Unit,
                }
            }
            other => {
                return Err(self.invalid(
                    Some(span),
                    key("measure"),
                    format!("unknown measure `{other}`; expected share, rate or density"),
                ));
            }
        };
        let smoothing = match ind.smoothing.as_deref() {
            None | Some("none") => Smoothing::None,
            Some("empirical_bayes") => Smoothing::EmpiricalBayes,
            Some(_) => {
                return Err(self.invalid(
                    Some(span),
                    key("smoothing"),
                    "expected none or empirical_bayes",
                ));
            }
        };
        if !ind
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || ind.name.is_empty()
        {
            return Err(self.invalid(
                Some(span),
                key("name"),
                "use letters, digits, `_` and `-` only",
            ));
        }
        let spec = IndicatorSpec::new(&ind.name, &ind.label, measure).with_smoothing(smoothing);
        let criterion = match ind.direction.as_deref() {
            None => {
                if ind.weight.is_some() {
                    return Err(self.invalid(
                        Some(span),
                        key("weight"),
                        "a weight needs a direction (higher_is_worse or lower_is_worse)",
                    ));
                }
                None
            }
            Some(d) => {
                let direction = match d {
                    "higher_is_worse" => Direction::HigherIsWorse,
                    "lower_is_worse" => Direction::LowerIsWorse,
                    _ => {
                        return Err(self.invalid(
                            Some(span),
                            key("direction"),
                            "expected higher_is_worse or lower_is_worse",
                        ));
                    }
                };
                let weight = ind.weight.unwrap_or(1.0);
                if !(weight.is_finite() && weight >= 0.0) {
                    return Err(self.invalid(Some(span), key("weight"), "expected a number ≥ 0"));
                }
                Some(CriterionSpec {
                    indicator: ind.name.clone(),
                    direction,
                    weight,
                })
            }
        };
        Ok((spec, criterion))
    }
}

impl Resolver<'_> {
    /// A layer or dataset source: a file (`path`, with a GeoPackage `layer`) or a PostGIS
    /// table or query (`postgis`), exactly one of them. `key` is the table's key
    /// (`hierarchy`, `datasets[0]`).
    #[allow(clippy::too_many_arguments)]
    fn source(
        &self,
        root: &Path,
        path: Option<&Path>,
        postgis: Option<&config::PostgisSection>,
        layer: Option<String>,
        crs: Crs,
        key: &str,
        span: Option<&std::ops::Range<usize>>,
    ) -> Result<LayerSource, ProjectError> {
        match (path, postgis) {
            (Some(p), None) => Ok(layer_source(root.join(p), layer)),
            (None, Some(db)) => {
                let k = |sub: &str| format!("{key}.postgis.{sub}");
                if layer.is_some() {
                    return Err(self.invalid(
                        span,
                        format!("{key}.layer"),
                        "`layer` names a GeoPackage layer; a PostGIS source names a `table`",
                    ));
                }
                crate::io::check_conninfo(&db.connection)
                    .map_err(|message| self.invalid(span, k("connection"), message))?;
                let relation = match (&db.table, &db.query) {
                    (Some(t), None) if !t.trim().is_empty() => Relation::Table(t.clone()),
                    (None, Some(q)) if !q.trim().is_empty() => Relation::Query(q.clone()),
                    _ => {
                        return Err(self.invalid(
                            span,
                            format!("{key}.postgis"),
                            "give either `table` or `query`",
                        ));
                    }
                };
                Ok(LayerSource::postgis(PostgisSource {
                    connection: db.connection.clone(),
                    relation,
                    geometry: db.geometry.clone(),
                    crs,
                }))
            }
            _ => Err(self.invalid(
                span,
                key.to_owned(),
                "give either `path` (a file) or `postgis` (a database table or query)",
            )),
        }
    }
}

fn layer_source(path: PathBuf, layer: Option<String>) -> LayerSource {
    match layer {
        Some(l) => LayerSource::new(path).with_layer(l),
        None => LayerSource::new(path),
    }
}

fn kind_of(name: &str) -> Option<RecordKind> {
    RecordKind::ALL.into_iter().find(|k| k.name() == name)
}

fn terms(m: &Measure) -> Vec<&Term> {
    match m {
        Measure::Share {
            numerator,
            denominator,
        }
        | Measure::Rate {
            numerator,
            denominator,
            ..
        } => vec![numerator, denominator],
        Measure::Density { numerator, .. } => vec![numerator],
    }
}

impl fmt::Display for FieldUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
