//! The first phase as one function: records → blocks → count tables per level, with a
//! protocol in which every record is accounted for.
//!
//! This is the core of what runs inside the sealed statistics office. Disclosure control
//! (suppression and audit) builds on these tables; until then the tables hold raw counts and
//! stay inside the sealed area.

use std::fmt;

use crate::assign::{AssignOptions, AssignSummary, UnitIndex};
use crate::error::Error;
use crate::hierarchy::Hierarchy;
use crate::records::{RecordKind, Records};
use crate::table::{CountTables, TableError, count_blocks};

/// The count tables of one dataset (record kind) and how its records were assigned.
#[derive(Debug, Clone)]
pub struct DatasetCounts {
    /// Which records were counted.
    pub kind: RecordKind,
    /// Assignment outcomes of the records; `summary.total` is the number of records read.
    /// Records without a position are among `summary.invalid_coordinate`.
    pub summary: AssignSummary,
    /// Records that had no position at all (a subset of `summary.invalid_coordinate`).
    pub no_coordinate: usize,
    /// Count tables, one per level, from the top to the blocks.
    pub tables: CountTables,
}

/// Where the records of one dataset ended: every record in exactly one column.
///
/// Serializes the counts only (the dataset is named by whoever holds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DatasetProtocol {
    /// Which records.
    #[serde(skip)]
    pub kind: RecordKind,
    /// Records read.
    pub read: usize,
    /// Covered by a block.
    pub assigned: usize,
    /// Outside every block but within the snap distance of one.
    pub snapped: usize,
    /// Unassigned: the record has no position.
    pub no_coordinate: usize,
    /// Unassigned: a coordinate is NaN or infinite.
    pub invalid_coordinate: usize,
    /// Unassigned: outside every block (and not snapped).
    pub outside: usize,
}

impl DatasetProtocol {
    /// Whether the outcome counts add up to the records read.
    pub fn is_balanced(&self) -> bool {
        self.read
            == self.assigned
                + self.snapped
                + self.no_coordinate
                + self.invalid_coordinate
                + self.outside
    }
}

/// The protocol of a counting run: per dataset, records read and where each one ended.
///
/// It holds counts only, never a record. Its `Display` is the human-readable summary the CLI
/// prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protocol {
    /// One entry per dataset, in [`RecordKind::ALL`] order.
    pub datasets: Vec<DatasetProtocol>,
}

impl Protocol {
    /// Whether every dataset's outcome counts add up to its records read.
    pub fn is_balanced(&self) -> bool {
        self.datasets.iter().all(DatasetProtocol::is_balanced)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<14} {:>8} {:>9} {:>8} {:>14} {:>19} {:>8}",
            "dataset",
            "read",
            "assigned",
            "snapped",
            "no_coordinate",
            "invalid_coordinate",
            "outside"
        )?;
        for d in &self.datasets {
            writeln!(
                f,
                "{:<14} {:>8} {:>9} {:>8} {:>14} {:>19} {:>8}",
                d.kind.name(),
                d.read,
                d.assigned,
                d.snapped,
                d.no_coordinate,
                d.invalid_coordinate,
                d.outside
            )?;
        }
        Ok(())
    }
}

/// All datasets counted: the tables per dataset and the protocol.
#[derive(Debug, Clone)]
pub struct Counts {
    /// Per record kind, in [`RecordKind::ALL`] order.
    pub datasets: Vec<DatasetCounts>,
}

impl Counts {
    /// The protocol: records read and outcome counts per dataset.
    pub fn protocol(&self) -> Protocol {
        let entry = |d: &DatasetCounts| DatasetProtocol {
            kind: d.kind,
            read: d.summary.total,
            assigned: d.summary.assigned,
            snapped: d.summary.snapped,
            no_coordinate: d.no_coordinate,
            invalid_coordinate: d.summary.invalid_coordinate - d.no_coordinate,
            outside: d.summary.outside,
        };
        Protocol {
            datasets: self.datasets.iter().map(entry).collect(),
        }
    }
}

/// Assigns every record to a block of `hierarchy` and counts the records per level.
///
/// Each record ends in exactly one place: assigned, snapped (with
/// `options.snap_distance`), or unassigned with a reason (no coordinate, invalid coordinate,
/// outside every block); unassigned records are in the
/// protocol but in no table. The block table's total equals `assigned + snapped`, and every
/// upper level sums its blocks exactly.
///
/// # Examples
///
/// ```
/// let town = quartier::musterstadt(7)?;
/// let options = quartier::AssignOptions { snap_distance: Some(5.0) };
/// let counts = quartier::count_records(&town.hierarchy, &town.records, &options)?;
/// let protocol = counts.protocol();
/// assert!(protocol.is_balanced());
/// let residents = &counts.datasets[0];
/// assert_eq!(
///     residents.tables.blocks().total() as usize,
///     residents.summary.assigned + residents.summary.snapped
/// );
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Assign`] when the blocks cannot be indexed or the snap distance is invalid;
/// [`Error::Table`] when a record's category is outside its category set.
pub fn count_records(
    hierarchy: &Hierarchy,
    records: &Records,
    options: &AssignOptions,
) -> Result<Counts, Error> {
    let index = UnitIndex::from_hierarchy(hierarchy, hierarchy.block_level())?;
    let mut datasets = Vec::with_capacity(RecordKind::ALL.len());
    for kind in RecordKind::ALL {
        let (xs, ys) = records.coordinates(kind);
        let assignment = index.assign(xs, ys, options)?;
        let categories = kind.categories();
        // A value outside every category is an error naming the field, not a silent drop.
        let outside = records
            .categories(kind)
            .filter(|&c| c >= categories.len())
            .count();
        if outside > 0 {
            return Err(TableError::OutsideCategories {
                dataset: kind.name(),
                field: match kind {
                    RecordKind::Kita => "fee_bracket",
                    RecordKind::Resident => "age",
                    RecordKind::ChildSupport => "child_age",
                },
                category_set: categories.name().to_owned(),
                records: outside,
            }
            .into());
        }
        let cells = (0..assignment.len())
            .map(|i| assignment.unit(i))
            .zip(records.categories(kind));
        let (blocks, _unassigned) = count_blocks(index.len(), &categories, cells)?;
        let tables = CountTables::aggregate(hierarchy, &blocks)?;
        datasets.push(DatasetCounts {
            kind,
            summary: *assignment.summary(),
            no_coordinate: records.without_position(kind),
            tables,
        });
    }
    Ok(Counts { datasets })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_is_accounted_for_and_tables_match_the_protocol() {
        let town = crate::demo::musterstadt(11).unwrap();
        let options = AssignOptions {
            snap_distance: Some(crate::demo::DemoTown::SNAP_DISTANCE_M),
        };
        let counts = count_records(&town.hierarchy, &town.records, &options).unwrap();
        let protocol = counts.protocol();
        assert!(protocol.is_balanced());
        for d in &counts.datasets {
            assert_eq!(d.summary.total, town.records.len(d.kind));
            let in_tables = d.summary.assigned + d.summary.snapped;
            for t in d.tables.tables() {
                assert_eq!(t.total() as usize, in_tables, "{}", d.kind.name());
            }
        }
        // The demo plants every outcome among the residents.
        let r = &counts.datasets[0].summary;
        assert!(
            r.snapped > 0 && r.invalid_coordinate > 0 && r.outside > 0,
            "{r}"
        );
        // Without snapping, the snapped records become `outside`.
        let plain =
            count_records(&town.hierarchy, &town.records, &AssignOptions::default()).unwrap();
        let p = &plain.datasets[0].summary;
        assert_eq!(p.snapped, 0);
        assert_eq!(p.outside, r.outside + r.snapped);
    }

    #[test]
    fn protocol_display_lists_every_dataset() {
        let town = crate::demo::musterstadt(1).unwrap();
        let counts =
            count_records(&town.hierarchy, &town.records, &AssignOptions::default()).unwrap();
        let text = counts.protocol().to_string();
        for kind in RecordKind::ALL {
            assert!(text.contains(kind.name()), "{text}");
        }
    }
}
