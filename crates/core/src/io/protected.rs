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

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::anonymize::{
    AnonymizeProtocol, Anonymized, InputSource, ProtectedTables, published_status,
};
use crate::disclosure::Grouping;
use crate::hierarchy::Hierarchy;
use crate::io::{IoError, write_atomic};

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
