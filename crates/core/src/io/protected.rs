//! Writing the products of the sealed-office phase: protected tables, groupings, protocol.
//!
//! These are the only files [`anonymize`](crate::anonymize) output is written to, and what
//! leaves the sealed statistics office. Every file is written atomically
//! ([`write_atomic`]) and depends only on its inputs (byte-identical on reruns).
//!
//! # The protected table format
//!
//! [`write_protected_csv`] writes one row per cell (long format), comma-separated, UTF-8,
//! `\n` line ends, no byte-order mark:
//!
//! ```text
//! layer,unit_id,parent_id,category,value,status
//! gemeinde,05758999,,0-2,412,published
//! ...
//! baublock,05758999-01-01-001,05758999-01-01,0-2,,suppressed
//! ```
//!
//! - `layer`: a level name of the hierarchy or the name of another grouping of blocks;
//! - `unit_id`, `parent_id`: the unit and its parent in the level above (empty on the top
//!   level and in groupings, which do not nest);
//! - `category`: a category label, or `total` for the row total;
//! - `value`: the count, empty when suppressed;
//! - `status`: `published` or `suppressed`.
//!
//! Rows are sorted by layer (the hierarchy's levels from the top, then the groupings in the
//! order of the spec), unit id, and category order with `total` last.
//!
//! **The published status does not say why a cell is suppressed.** Marking which suppressed
//! cells are *primary* would tell an attacker that each of them holds `1..k-1` (or 0 when
//! zeros are sensitive) — information the suppression pattern is meant to withhold, and which
//! narrows the attacker's intervals below the protection level the audit proved. The
//! numbers of primary and secondary cells per layer go into the protocol instead, which
//! names no cell.

use std::collections::HashSet;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::anonymize::{
    AnonymizeProtocol, Anonymized, CellParts, InputSource, LayerKind, LayerParts, ProtectedTables,
    TOTAL, published_status,
};
use crate::disclosure::{CellStatus, FrequencyRule, Grouping};
use crate::hierarchy::{Hierarchy, UnitId};
use crate::io::{IoError, write_atomic};
use crate::records::RecordKind;

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

/// Writes protected tables as CSV in long format, atomically (see the module docs for the
/// format).
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir().map_err(|e| quartier::IoError::File { path: ".".into(), source: e })?;
/// use quartier::{AnonymizeSpec, anonymize, write_protected_csv};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?; // a small Musterstadt
/// let out = anonymize(&town.records, &town.hierarchy, &AnonymizeSpec::default())?;
/// let path = dir.path().join("protected_resident.csv");
/// write_protected_csv(&path, &out.tables()[0])?;
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert!(text.starts_with("layer,unit_id,parent_id,category,value,status\ngemeinde,05758999,,0-2,"));
/// assert!(text.lines().skip(1).all(|l| l.ends_with(",published") || l.ends_with(",,suppressed")));
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn write_protected_csv(path: &Path, tables: &ProtectedTables) -> Result<(), IoError> {
    write_atomic(path, |w| write_protected_csv_to(w, tables))
}

/// Writes protected tables as CSV to any writer, in the format of [`write_protected_csv`].
///
/// # Errors
///
/// The writer's errors.
pub fn write_protected_csv_to(w: &mut dyn Write, tables: &ProtectedTables) -> std::io::Result<()> {
    let mut csv = csv_writer(w);
    csv.write_record([
        "layer",
        "unit_id",
        "parent_id",
        "category",
        "value",
        "status",
    ])?;
    let mut value = String::new();
    for row in tables.rows() {
        value.clear();
        if let Some(v) = row.value {
            value.push_str(&v.to_string());
        }
        csv.write_record([
            row.layer,
            row.unit_id,
            row.parent_id.unwrap_or(""),
            row.category,
            &value,
            published_status(row.status),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

/// Writes the block → group map of a grouping as CSV, atomically: `block_id,group_id`, one
/// row per block that belongs to a group, in block id order (blocks in no group are left
/// out).
///
/// The map is not personal; with it, an outside auditor can rebuild the additivity of the
/// grouping's tables (group = Σ its blocks) and audit the published pattern.
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written, or (with kind
/// [`std::io::ErrorKind::InvalidInput`]) when the grouping was made for another hierarchy.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir().map_err(|e| quartier::IoError::File { path: ".".into(), source: e })?;
/// let town = quartier::musterstadt(3)?;
/// let path = dir.path().join("grouping_grundschulbezirk.csv");
/// quartier::write_grouping_csv(&path, &town.hierarchy, &town.groupings[0])?;
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert!(text.starts_with("block_id,group_id\n05758999-01-01-001,GS-"));
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn write_grouping_csv(
    path: &Path,
    hierarchy: &Hierarchy,
    grouping: &Grouping,
) -> Result<(), IoError> {
    write_atomic(path, |w| {
        let blocks = hierarchy.blocks();
        if grouping.of_block().len() != blocks.len() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "grouping `{}` was made for another hierarchy",
                    grouping.name()
                ),
            ));
        }
        let mut csv = csv_writer(w);
        csv.write_record(["block_id", "group_id"])?;
        for (block, group) in blocks.iter().zip(grouping.of_block()) {
            if let Some(g) = group.and_then(|g| grouping.ids().get(g)) {
                csv.write_record([block.id().as_str(), g.as_str()])?;
            }
        }
        csv.flush()?;
        Ok(())
    })
}

/// Writes the protocol as pretty-printed JSON ([`AnonymizeProtocol::to_json`]), atomically.
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
pub fn write_protocol_json(path: &Path, protocol: &AnonymizeProtocol) -> Result<(), IoError> {
    write_atomic(path, |w| w.write_all(protocol.to_json().as_bytes()))
}

/// Writes the protocol as a Markdown page ([`AnonymizeProtocol::to_markdown`]), atomically.
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
pub fn write_protocol_markdown(path: &Path, protocol: &AnonymizeProtocol) -> Result<(), IoError> {
    write_atomic(path, |w| w.write_all(protocol.to_markdown().as_bytes()))
}

/// The SHA-256 of a file's bytes, as lowercase hex (64 characters).
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir().map_err(|e| quartier::IoError::File { path: ".".into(), source: e })?;
/// let path = dir.path().join("empty.csv");
/// std::fs::write(&path, b"").unwrap();
/// assert_eq!(
///     quartier::sha256_file(&path)?,
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// # Ok::<(), quartier::IoError>(())
/// ```
pub fn sha256_file(path: &Path) -> Result<String, IoError> {
    let mut file = std::fs::File::open(path).map_err(|e| IoError::file(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| IoError::file(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

impl InputSource {
    /// An input file for the protocol: its name (the last path component) and its SHA-256
    /// (see [`sha256_file`]).
    ///
    /// # Errors
    ///
    /// [`IoError::File`] when the file cannot be read.
    pub fn from_file(name: impl Into<String>, path: &Path) -> Result<Self, IoError> {
        Self::from_source(name, &crate::io::LayerSource::new(path))
    }

    /// The input a layer or dataset source stands for: a file with its SHA-256, or a
    /// PostGIS table or query (named without its connection).
    ///
    /// # Errors
    ///
    /// [`IoError::File`] when a file cannot be read.
    pub fn from_source(
        name: impl Into<String>,
        source: &crate::io::LayerSource,
    ) -> Result<Self, IoError> {
        if let Some(db) = &source.postgis {
            return Ok(Self::Database {
                name: name.into(),
                source: db.to_string(),
            });
        }
        let path = source.path.as_path();
        Ok(Self::File {
            name: name.into(),
            file: path.file_name().map_or_else(
                || path.display().to_string(),
                |f| f.to_string_lossy().into(),
            ),
            sha256: sha256_file(path)?,
        })
    }
}

/// Writes everything that leaves the sealed office into `dir` (created if missing), each file
/// atomically, and returns the paths written in order:
///
/// - `<level>.geojson` per level of the hierarchy (the unit layers, see
///   [`write_units`](crate::write_units));
/// - `protected_<dataset>.csv` per dataset ([`write_protected_csv`]);
/// - `grouping_<name>.csv` per grouping ([`write_grouping_csv`]);
/// - `protocol.json` and `protocol.md`.
///
/// Nothing else: no raw count, no record.
///
/// # Errors
///
/// [`IoError::LayerName`] when a level or grouping name cannot be part of a file name (see
/// [`is_layer_name`](crate::is_layer_name)), before anything is written; [`IoError::File`]
/// when the folder cannot be created or a file cannot be written.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir().map_err(|e| quartier::IoError::File { path: ".".into(), source: e })?;
/// use quartier::{AnonymizeSpec, anonymize, write_anonymized};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?; // a small Musterstadt
/// let out = anonymize(&town.records, &town.hierarchy, &AnonymizeSpec::default())?;
/// let written = write_anonymized(dir.path(), &town.hierarchy, &out)?;
/// assert_eq!(written.len(), 4 + 3 + 2); // levels, datasets, protocol (no grouping here)
/// assert!(dir.path().join("protected_child_support.csv").exists());
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn write_anonymized(
    dir: &Path,
    hierarchy: &Hierarchy,
    anonymized: &Anonymized,
) -> Result<Vec<PathBuf>, IoError> {
    // Layer names become file names: refuse any that could leave the folder.
    let names = hierarchy
        .levels()
        .iter()
        .map(String::as_str)
        .chain(anonymized.groupings().iter().map(|g| g.name()));
    for name in names {
        if !crate::is_layer_name(name) {
            return Err(IoError::LayerName {
                name: name.to_owned(),
            });
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| IoError::file(dir, e))?;
    let mut written = Vec::new();
    for (level, name) in hierarchy.levels().iter().enumerate() {
        let path = dir.join(format!("{name}.geojson"));
        crate::io::write_units(&path, hierarchy, level)?;
        written.push(path);
    }
    for tables in anonymized.tables() {
        let path = dir.join(format!("protected_{}.csv", tables.dataset().name()));
        write_protected_csv(&path, tables)?;
        written.push(path);
    }
    for grouping in anonymized.groupings() {
        let path = dir.join(format!("grouping_{}.csv", grouping.name()));
        write_grouping_csv(&path, hierarchy, grouping)?;
        written.push(path);
    }
    let path = dir.join("protocol.json");
    write_protocol_json(&path, anonymized.protocol())?;
    written.push(path);
    let path = dir.join("protocol.md");
    write_protocol_markdown(&path, anonymized.protocol())?;
    written.push(path);
    Ok(written)
}

/// What is wrong with a protected table file read back by [`read_protected_csv`].
///
/// # Examples
///
/// ```
/// use quartier::ProtectedCsvProblem;
///
/// assert_eq!(
///     ProtectedCsvProblem::BelowThreshold { k: 3 }.to_string(),
///     "a published value below the threshold k = 3"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtectedCsvProblem {
    /// The header is not `layer,unit_id,parent_id,category,value,status`.
    Header,
    /// The CSV syntax is broken or a row does not have six fields.
    Malformed,
    /// The file has no data row.
    Empty,
    /// The categories of the first unit are not those of any dataset.
    UnknownDataset,
    /// A level of the hierarchy comes out of order (levels from the top, then groupings).
    LayerOrder {
        /// The level expected here, if any.
        expected: Option<String>,
    },
    /// A unit of a level is not in the hierarchy.
    UnknownUnit,
    /// A unit appears twice in a layer.
    DuplicateUnit,
    /// A level layer lacks units of the hierarchy.
    MissingUnits {
        /// The layer.
        layer: String,
        /// How many units are missing.
        missing: usize,
    },
    /// The parent id is not the unit's parent in the hierarchy (or not empty in a grouping).
    WrongParent,
    /// A row of a unit is missing or the category is not the next one.
    UnexpectedCategory {
        /// The category label expected.
        expected: String,
    },
    /// The status is neither `published` nor `suppressed`.
    BadStatus,
    /// The value is not a non-negative integer.
    BadValue,
    /// A suppressed cell has a value.
    ValueOnSuppressed,
    /// A published cell has no value.
    MissingValue,
    /// A published value is sensitive under the frequency rule (`0 < n < k`, or 0 when zeros
    /// are suppressed): the file was changed or made with another rule.
    BelowThreshold {
        /// The rule's `k`.
        k: u64,
    },
}

impl fmt::Display for ProtectedCsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header => {
                f.write_str("expected the header layer,unit_id,parent_id,category,value,status")
            }
            Self::Malformed => f.write_str("malformed csv or not six fields"),
            Self::Empty => f.write_str("no data row"),
            Self::UnknownDataset => f.write_str("the categories are not those of any dataset"),
            Self::LayerOrder { expected: Some(l) } => {
                write!(f, "layer out of order, expected level `{l}`")
            }
            Self::LayerOrder { expected: None } => f.write_str("layer out of order"),
            Self::UnknownUnit => f.write_str("unit not in the hierarchy"),
            Self::DuplicateUnit => f.write_str("unit appears twice in the layer"),
            Self::MissingUnits { layer, missing } => {
                write!(f, "layer `{layer}` lacks {missing} units of the hierarchy")
            }
            Self::WrongParent => f.write_str("not the unit's parent in the hierarchy"),
            Self::UnexpectedCategory { expected } => {
                write!(f, "expected a row of this unit with category `{expected}`")
            }
            Self::BadStatus => f.write_str("expected `published` or `suppressed`"),
            Self::BadValue => f.write_str("expected a non-negative integer"),
            Self::ValueOnSuppressed => f.write_str("a suppressed cell has a value"),
            Self::MissingValue => f.write_str("a published cell has no value"),
            Self::BelowThreshold { k } => {
                write!(f, "a published value below the threshold k = {k}")
            }
        }
    }
}

struct CsvRow {
    line: u64,
    fields: [String; 6],
}

const LAYER: usize = 0;
const UNIT: usize = 1;
const PARENT: usize = 2;
const CATEGORY: usize = 3;
const VALUE: usize = 4;
const STATUS: usize = 5;
const COLUMNS: [&str; 6] = [
    "layer",
    "unit_id",
    "parent_id",
    "category",
    "value",
    "status",
];

fn csv_error(
    path: &Path,
    line: u64,
    column: Option<usize>,
    problem: ProtectedCsvProblem,
) -> IoError {
    IoError::ProtectedCsv {
        path: path.to_path_buf(),
        line,
        column: column.map(|c| COLUMNS[c]),
        problem,
    }
}

/// Reads protected tables back from a file written by [`write_protected_csv`] — the input
/// of the analyze phase, which runs on another machine than the sealed phase.
///
/// The dataset is recognised by its categories (those of the first unit, which must be the
/// labels of one [`RecordKind`](crate::RecordKind)'s category set, then `total`); the file
/// name does not matter. The file must hold what the writer writes and nothing else:
///
/// - the levels of `hierarchy` from the top (possibly only down to some level), then
///   other groupings (any other layer name);
/// - in a level, every unit of the hierarchy with its parent's id, no other; in a grouping,
///   each group once with an empty parent;
/// - per unit, one row per category in order, then `total`;
/// - `value` present exactly when `status` is `published`, a non-negative integer that is
///   not sensitive under `rule` (a published `0 < n < k` means the file was changed or made
///   with another rule).
///
/// The file says only `published` or `suppressed`: every suppressed cell is read as
/// [`CellStatus::Secondary`](crate::CellStatus::Secondary), since whether it was primary is
/// withheld on purpose. Read tables therefore equal the written ones in every key, value
/// and published status, but not in the primary/secondary split; written again they give
/// the same bytes. Additivity (totals = sums) is not checked.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir().map_err(|e| quartier::IoError::File { path: ".".into(), source: e })?;
/// use quartier::{AnonymizeSpec, anonymize, read_protected_csv, write_protected_csv};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let spec = AnonymizeSpec::default();
/// let out = anonymize(&town.records, &town.hierarchy, &spec)?;
/// let path = dir.path().join("protected_resident.csv");
/// write_protected_csv(&path, &out.tables()[0])?;
/// let read = read_protected_csv(&path, &town.hierarchy, &spec.rule)?;
/// assert_eq!(read.dataset(), out.tables()[0].dataset());
/// assert_eq!(read.len(), out.tables()[0].len());
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::ProtectedCsv`] naming the
/// file, the line and the column for every problem of [`ProtectedCsvProblem`].
pub fn read_protected_csv(
    path: &Path,
    hierarchy: &Hierarchy,
    rule: &FrequencyRule,
) -> Result<ProtectedTables, IoError> {
    let bytes = std::fs::read(path).map_err(|e| IoError::file(path, e))?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut header = true;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            csv_error(path, line, None, ProtectedCsvProblem::Malformed)
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if header {
            header = false;
            if record.iter().ne(COLUMNS) {
                return Err(csv_error(path, line, None, ProtectedCsvProblem::Header));
            }
            continue;
        }
        if record.len() != 6 {
            return Err(csv_error(path, line, None, ProtectedCsvProblem::Malformed));
        }
        let f = |i: usize| record.get(i).unwrap_or_default().to_owned();
        rows.push(CsvRow {
            line,
            fields: [f(0), f(1), f(2), f(3), f(4), f(5)],
        });
    }
    if header {
        return Err(csv_error(path, 1, None, ProtectedCsvProblem::Header));
    }
    let Some(first) = rows.first() else {
        return Err(csv_error(path, 2, None, ProtectedCsvProblem::Empty));
    };

    // The dataset, from the first unit's categories.
    let first_unit: Vec<&str> = rows
        .iter()
        .take_while(|r| {
            r.fields[LAYER] == first.fields[LAYER] && r.fields[UNIT] == first.fields[UNIT]
        })
        .map(|r| r.fields[CATEGORY].as_str())
        .collect();
    let kind = RecordKind::ALL
        .into_iter()
        .find(|k| {
            let cats = k.categories();
            first_unit.len() == cats.len() + 1
                && cats
                    .labels()
                    .iter()
                    .map(String::as_str)
                    .chain([TOTAL])
                    .eq(first_unit.iter().copied())
        })
        .ok_or_else(|| {
            csv_error(
                path,
                first.line,
                Some(CATEGORY),
                ProtectedCsvProblem::UnknownDataset,
            )
        })?;
    let categories = kind.categories();
    let labels: Vec<&str> = categories
        .labels()
        .iter()
        .map(String::as_str)
        .chain([TOTAL])
        .collect();

    let levels = hierarchy.levels();
    let mut layers: Vec<LayerParts> = Vec::new();
    let mut cells: Vec<CellParts> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut level_layers = 0usize;
    let mut groupings = false;
    let mut pos = 0;
    // Checks that a finished level layer holds every unit of its level.
    let check_complete = |layers: &[LayerParts], line: u64| -> Result<(), IoError> {
        if let Some((name, LayerKind::Level, units)) = layers.last() {
            let l = hierarchy.level(name).unwrap_or(0);
            let missing = hierarchy.units(l).len().saturating_sub(units.len());
            if missing > 0 {
                let problem = ProtectedCsvProblem::MissingUnits {
                    layer: name.clone(),
                    missing,
                };
                return Err(csv_error(path, line, Some(UNIT), problem));
            }
        }
        Ok(())
    };
    while let Some(row) = rows.get(pos) {
        let err = |column, problem| csv_error(path, row.line, Some(column), problem);
        let name = &row.fields[LAYER];
        if layers.last().is_none_or(|(n, _, _)| n != name) {
            check_complete(&layers, row.line)?;
            let kind = match hierarchy.level(name) {
                Some(l) if l == level_layers && !groupings => {
                    level_layers += 1;
                    LayerKind::Level
                }
                Some(_) => {
                    let expected = (!groupings)
                        .then(|| levels.get(level_layers).cloned())
                        .flatten();
                    return Err(err(LAYER, ProtectedCsvProblem::LayerOrder { expected }));
                }
                None if layers.iter().any(|(n, _, _)| n == name) => {
                    return Err(err(
                        LAYER,
                        ProtectedCsvProblem::LayerOrder { expected: None },
                    ));
                }
                None => {
                    groupings = true;
                    LayerKind::Grouping
                }
            };
            layers.push((name.clone(), kind, Vec::new()));
            seen.clear();
        }
        let layer_index = layers.len() - 1;
        let (_, layer_kind, units) = &mut layers[layer_index];
        let unit_id = &row.fields[UNIT];
        if !seen.insert(unit_id.clone()) {
            return Err(err(UNIT, ProtectedCsvProblem::DuplicateUnit));
        }
        let parent = match layer_kind {
            LayerKind::Level => {
                let l = level_layers - 1;
                let Some(u) = hierarchy.unit_by_id(l, unit_id) else {
                    return Err(err(UNIT, ProtectedCsvProblem::UnknownUnit));
                };
                l.checked_sub(1)
                    .and_then(|p| u.parent().and_then(|i| hierarchy.units(p).get(i)))
                    .map(|p| p.id().clone())
            }
            LayerKind::Grouping => None,
        };
        let unit_index = units.len();
        units.push((UnitId::new(unit_id.as_str()), parent.clone()));
        let parent_text = parent.as_ref().map_or("", UnitId::as_str);
        for (k, label) in labels.iter().enumerate() {
            let row = rows
                .get(pos)
                .filter(|r| r.fields[LAYER] == *name && r.fields[UNIT] == *unit_id);
            let Some(row) = row else {
                let line = rows
                    .get(pos)
                    .map_or_else(|| rows.last().map_or(2, |r| r.line + 1), |r| r.line);
                let problem = ProtectedCsvProblem::UnexpectedCategory {
                    expected: (*label).to_owned(),
                };
                return Err(csv_error(path, line, Some(CATEGORY), problem));
            };
            let err = |column, problem| csv_error(path, row.line, Some(column), problem);
            if row.fields[CATEGORY] != *label {
                let problem = ProtectedCsvProblem::UnexpectedCategory {
                    expected: (*label).to_owned(),
                };
                return Err(err(CATEGORY, problem));
            }
            if row.fields[PARENT] != parent_text {
                return Err(err(PARENT, ProtectedCsvProblem::WrongParent));
            }
            let published = match row.fields[STATUS].as_str() {
                "published" => true,
                "suppressed" => false,
                _ => return Err(err(STATUS, ProtectedCsvProblem::BadStatus)),
            };
            let text = row.fields[VALUE].as_str();
            let value = match (published, text.is_empty()) {
                (false, true) => None,
                (false, false) => return Err(err(VALUE, ProtectedCsvProblem::ValueOnSuppressed)),
                (true, true) => return Err(err(VALUE, ProtectedCsvProblem::MissingValue)),
                (true, false) => {
                    let v: u64 = text
                        .parse()
                        .ok()
                        .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| err(VALUE, ProtectedCsvProblem::BadValue))?;
                    if rule.is_sensitive(v) {
                        return Err(err(
                            VALUE,
                            ProtectedCsvProblem::BelowThreshold { k: rule.k },
                        ));
                    }
                    Some(v)
                }
            };
            let status = if published {
                CellStatus::Published
            } else {
                CellStatus::Secondary
            };
            let category = (k + 1 < labels.len()).then_some(k);
            cells.push((layer_index, unit_index, category, value, status));
            pos += 1;
        }
    }
    check_complete(&layers, rows.last().map_or(2, |r| r.line + 1))?;
    let n = cells.len();
    ProtectedTables::from_parts(kind, layers, cells).map_err(|i| {
        // Unreachable after the checks above; name the row of the cell.
        let line = rows.get(i).map_or(0, |r| r.line);
        debug_assert!(i >= n, "cell {i} passed the reader's checks");
        csv_error(path, line, None, ProtectedCsvProblem::Malformed)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc.txt");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let input = InputSource::from_file("residents", &path).unwrap();
        assert!(matches!(input, InputSource::File { ref file, .. } if file == "abc.txt"));
        assert!(sha256_file(&dir.path().join("missing")).is_err());
    }
}
