//! The crosswalk between two block layers as CSV (`crosswalk.csv` next to an earlier date's
//! protected tables): one row per link, `old_block,new_block,weight,method,addresses`.
//!
//! The sealed phase writes it (it has the house coordinates that weigh the links); the
//! analyze phase reads it back to re-aggregate the earlier tables onto the current layer.
//! It holds block ids, weights and counts of address points, nothing about a person.

use std::path::Path;

use crate::crosswalk::{Crosswalk, CrosswalkLink, CrosswalkMethod};
use crate::hierarchy::Hierarchy;

use super::{IoError, write_atomic};

/// Writes a crosswalk (links in the crosswalk's order; weights with 12 significant digits).
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
pub fn write_crosswalk_csv(
    path: &Path,
    old: &Hierarchy,
    new: &Hierarchy,
    crosswalk: &Crosswalk,
) -> Result<(), IoError> {
    write_atomic(path, |w| {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(["old_block", "new_block", "weight", "method", "addresses"])
            .map_err(std::io::Error::other)?;
        for l in crosswalk.links() {
            let id = |h: &Hierarchy, b: usize| {
                h.blocks()
                    .get(b)
                    .map_or_else(String::new, |u| u.id().as_str().to_owned())
            };
            out.write_record([
                id(old, l.old),
                id(new, l.new),
                format!("{}", l.weight),
                l.method.as_str().to_owned(),
                l.addresses.to_string(),
            ])
            .map_err(std::io::Error::other)?;
        }
        out.flush()?;
        Ok(())
    })
}

/// Reads a crosswalk written by [`write_crosswalk_csv`] for the layers `old` and `new`.
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::CrosswalkCsv`] naming the
/// line for a broken row, a block id that is not in its layer, a bad weight or method, and
/// for links that do not make a crosswalk (an old block without links, weights that do not
/// sum to 1).
pub fn read_crosswalk_csv(
    path: &Path,
    old: &Hierarchy,
    new: &Hierarchy,
) -> Result<Crosswalk, IoError> {
    let bad = |line: u64, message: String| IoError::CrosswalkCsv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(source) => IoError::file(path, source),
        other => bad(1, format!("{other:?}")),
    })?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    if header != ["old_block", "new_block", "weight", "method", "addresses"] {
        return Err(bad(
            1,
            "expected the header old_block,new_block,weight,method,addresses".to_owned(),
        ));
    }
    let block_level = old.block_level();
    let mut links = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| bad(line, e.to_string()))?;
        let field = |k: usize| row.get(k).unwrap_or("");
        let old_pos = old.position(block_level, field(0)).ok_or_else(|| {
            bad(
                line,
                format!("old block `{}` is not in the earlier layer", field(0)),
            )
        })?;
        let new_pos = new.position(new.block_level(), field(1)).ok_or_else(|| {
            bad(
                line,
                format!("new block `{}` is not in the current layer", field(1)),
            )
        })?;
        let weight: f64 = field(2)
            .parse()
            .ok()
            .filter(|w: &f64| w.is_finite() && *w > 0.0 && *w <= 1.0)
            .ok_or_else(|| {
                bad(
                    line,
                    "column `weight`: expected a number in (0, 1]".to_owned(),
                )
            })?;
        let method = match field(3) {
            "addresses" => CrosswalkMethod::Addresses,
            "area" => CrosswalkMethod::Area,
            _ => {
                return Err(bad(
                    line,
                    "column `method`: expected addresses or area".to_owned(),
                ));
            }
        };
        let addresses: u64 = field(4)
            .parse()
            .map_err(|_| bad(line, "column `addresses`: expected a count".to_owned()))?;
        links.push(CrosswalkLink {
            old: old_pos,
            new: new_pos,
            weight,
            method,
            addresses,
        });
    }
    Crosswalk::from_links(old, new, links).map_err(|e| bad(0, e.to_string()))
}
