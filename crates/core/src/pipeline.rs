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
use crate::table::{CountTable, CountTables, TableError};

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
    /// How the records were assigned (the protocol reports its snap distance).
    pub assign: AssignOptions,
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
/// This is [`RecordCounter`] fed with one chunk; feed it chunk by chunk for input that should
/// not be held in memory at once.
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
    let mut counter = RecordCounter::new(hierarchy, options)?;
    counter.add(records)?;
    counter.into_block_counts().aggregate(hierarchy)
}

/// Counts records chunk by chunk: the streaming form of [`count_records`].
///
/// It holds the block index and one count per block and category of every dataset, nothing
/// of the records, so its memory is bounded by the blocks however many records pass through
/// it. A chunk is counted completely or not at all: an error leaves the counts as they were.
///
/// # Examples
///
/// ```
/// use quartier::{AssignOptions, RecordCounter, RecordKind, Records};
///
/// let town = quartier::musterstadt(7)?;
/// let options = AssignOptions { snap_distance: Some(5.0) };
/// let mut counter = RecordCounter::new(&town.hierarchy, &options)?;
/// // Two chunks of residents, then everything else.
/// let residents = town.records.residents();
/// let (a, b) = residents.split_at(residents.len() / 2);
/// counter.add(&Records::new(a.to_vec(), vec![], vec![]))?;
/// counter.add(&Records::new(b.to_vec(), vec![], vec![]))?;
/// counter.add(&Records::new(
///     vec![],
///     town.records.kita().to_vec(),
///     town.records.child_support().to_vec(),
/// ))?;
/// let streamed = counter.into_block_counts().aggregate(&town.hierarchy)?;
/// let whole = quartier::count_records(&town.hierarchy, &town.records, &options)?;
/// assert_eq!(streamed.protocol(), whole.protocol());
/// assert_eq!(
///     streamed.datasets[0].tables.blocks().counts(),
///     whole.datasets[0].tables.blocks().counts()
/// );
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug)]
pub struct RecordCounter {
    index: UnitIndex,
    options: AssignOptions,
    counts: BlockCounts,
}

impl RecordCounter {
    /// A counter for the blocks of `hierarchy`, assigning with `options`.
    ///
    /// # Errors
    ///
    /// [`Error::Assign`] when the blocks cannot be indexed or the snap distance is invalid.
    pub fn new(hierarchy: &Hierarchy, options: &AssignOptions) -> Result<Self, Error> {
        let index = UnitIndex::from_hierarchy(hierarchy, hierarchy.block_level())?;
        // Validate the options once, before the first chunk.
        index.assign(&[], &[], options)?;
        let counts = BlockCounts::new(index.len(), *options).for_layer(layer_key(hierarchy));
        Ok(Self {
            index,
            options: *options,
            counts,
        })
    }

    /// Assigns and counts one chunk of records (of any kinds).
    ///
    /// # Errors
    ///
    /// [`Error::Table`] when a record's category is outside its category set (nothing of
    /// the chunk is counted then); [`Error::Assign`] for an invalid snap distance.
    pub fn add(&mut self, records: &Records) -> Result<(), Error> {
        let mut chunk = Vec::with_capacity(RecordKind::ALL.len());
        for kind in RecordKind::ALL {
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
            let (xs, ys) = records.coordinates(kind);
            chunk.push(self.index.assign(xs, ys, &self.options)?);
        }
        for (kind, assignment) in RecordKind::ALL.into_iter().zip(chunk) {
            let tally = self.counts.tally_mut(kind);
            let n_cat = kind.categories().len();
            for (i, category) in records.categories(kind).enumerate() {
                if let Some(cell) = assignment
                    .unit(i)
                    .and_then(|b| tally.counts.get_mut(b * n_cat + category))
                {
                    *cell += 1;
                }
            }
            tally.summary.add(assignment.summary());
            tally.no_coordinate += records.without_position(kind);
        }
        Ok(())
    }

    /// The counts so far.
    pub fn block_counts(&self) -> &BlockCounts {
        &self.counts
    }

    /// The counts, ending the stream.
    pub fn into_block_counts(self) -> BlockCounts {
        self.counts
    }
}

/// The fingerprint of a hierarchy's block layer: FNV-1a (64 bit) over the block ids in
/// order, each followed by a 0 byte; never 0.
fn layer_key(hierarchy: &Hierarchy) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for block in hierarchy.blocks() {
        for &byte in block.id().as_str().as_bytes().iter().chain(&[0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash.max(1)
}

/// Records counted on the blocks, per dataset, with where every record ended: what
/// [`RecordCounter`] accumulates.
///
/// Counts add, so block counts of disjoint parts of the input (files, partitions of a
/// cluster, chunks) [`merge`](Self::merge) into the counts of the whole; only the merged
/// counts are then aggregated and protected, once
/// ([`aggregate`](Self::aggregate), [`anonymize_counts`](crate::anonymize_counts)).
/// They are still raw counts and stay inside the sealed office.
///
/// # Examples
///
/// ```
/// use quartier::{AssignOptions, RecordCounter, Records};
///
/// let town = quartier::musterstadt(7)?;
/// let options = AssignOptions::default();
/// let residents = town.records.residents();
/// let (a, b) = residents.split_at(1000);
/// // Two partitions counted apart, e.g. on two machines.
/// let mut left = RecordCounter::new(&town.hierarchy, &options)?;
/// left.add(&Records::new(a.to_vec(), vec![], vec![]))?;
/// let mut right = RecordCounter::new(&town.hierarchy, &options)?;
/// right.add(&Records::new(b.to_vec(), vec![], vec![]))?;
/// let mut merged = left.into_block_counts();
/// merged.merge(right.block_counts())?;
/// assert_eq!(
///     merged.summary(quartier::RecordKind::Resident).total,
///     residents.len()
/// );
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BlockCounts {
    blocks: usize,
    /// A fingerprint of the block ids in order ([`layer_key`]); 0 = not tied to a layer.
    layer: u64,
    /// How the records were assigned; only counts assigned alike merge.
    assign: AssignOptions,
    /// In [`RecordKind::ALL`] order.
    datasets: Vec<BlockTally>,
}

/// One dataset of [`BlockCounts`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct BlockTally {
    /// Block-major: `counts[block * categories + category]`.
    counts: Vec<u64>,
    summary: AssignSummary,
    no_coordinate: usize,
}

impl BlockCounts {
    /// No record yet, for `blocks` blocks and records assigned with `assign`.
    pub fn new(blocks: usize, assign: AssignOptions) -> Self {
        let datasets = RecordKind::ALL
            .iter()
            .map(|kind| BlockTally {
                counts: vec![0; blocks.saturating_mul(kind.categories().len())],
                summary: AssignSummary::default(),
                no_coordinate: 0,
            })
            .collect();
        Self {
            blocks,
            layer: 0,
            assign,
            datasets,
        }
    }

    /// Ties the counts to a block layer by the fingerprint of its block ids
    /// ([`layer_key`](Self::layer_key) of the counts it came from); counts of different
    /// layers do not merge, and counts aggregate only on their own hierarchy.
    pub fn for_layer(mut self, key: u64) -> Self {
        self.layer = key;
        self
    }

    /// The fingerprint of the block layer the counts were made on (FNV-1a of the block ids
    /// in order; stable across platforms and versions), 0 when not tied to a layer.
    pub fn layer_key(&self) -> u64 {
        self.layer
    }

    /// Rebuilds the counts of one dataset from their parts (as [`counts`](Self::counts),
    /// [`summary`](Self::summary) and [`no_coordinate`](Self::no_coordinate) gave them), for
    /// counts that travelled between processes.
    ///
    /// # Errors
    ///
    /// [`TableError::ShapeMismatch`] when `counts` is not one value per block and category;
    /// [`TableError::InconsistentCounts`] when the parts contradict each other (the cells do
    /// not sum to `assigned + snapped`, the outcomes do not sum to `total`, or more records
    /// lack a position than have an invalid coordinate).
    pub fn set(
        &mut self,
        kind: RecordKind,
        counts: Vec<u64>,
        summary: AssignSummary,
        no_coordinate: usize,
    ) -> Result<(), TableError> {
        let n_cat = kind.categories().len();
        if Some(counts.len()) != self.blocks.checked_mul(n_cat) {
            return Err(TableError::ShapeMismatch {
                units: self.blocks,
                n_categories: n_cat,
                values: counts.len(),
            });
        }
        let cells: u64 = counts.iter().sum();
        let consistent = summary.total
            == summary.assigned + summary.snapped + summary.invalid_coordinate + summary.outside
            && cells == (summary.assigned + summary.snapped) as u64
            && no_coordinate <= summary.invalid_coordinate;
        if !consistent {
            return Err(TableError::InconsistentCounts {
                dataset: kind.name(),
            });
        }
        *self.tally_mut(kind) = BlockTally {
            counts,
            summary,
            no_coordinate,
        };
        Ok(())
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.blocks
    }

    /// How the records were assigned.
    pub fn assign(&self) -> AssignOptions {
        self.assign
    }

    /// The counts of a dataset, block-major: `counts[block * n + category]` with `n` the
    /// size of [`RecordKind::categories`].
    pub fn counts(&self, kind: RecordKind) -> &[u64] {
        &self.tally(kind).counts
    }

    /// Where the records of a dataset ended; `total` is the number of records counted.
    pub fn summary(&self, kind: RecordKind) -> AssignSummary {
        self.tally(kind).summary
    }

    /// Records of a dataset without any position (a part of `summary.invalid_coordinate`).
    pub fn no_coordinate(&self, kind: RecordKind) -> usize {
        self.tally(kind).no_coordinate
    }

    /// Adds the counts of another part of the input.
    ///
    /// # Errors
    ///
    /// [`TableError::BlockCountMismatch`] when `other` was counted on another number of
    /// blocks; [`TableError::LayerMismatch`] when it was counted on another block layer;
    /// [`TableError::AssignMismatch`] when its records were assigned with another snap
    /// distance.
    pub fn merge(&mut self, other: &BlockCounts) -> Result<(), TableError> {
        if other.blocks != self.blocks {
            return Err(TableError::BlockCountMismatch {
                expected: self.blocks,
                found: other.blocks,
            });
        }
        if other.layer != self.layer {
            return Err(TableError::LayerMismatch);
        }
        if other.assign != self.assign {
            return Err(TableError::AssignMismatch);
        }
        for (mine, theirs) in self.datasets.iter_mut().zip(&other.datasets) {
            for (a, b) in mine.counts.iter_mut().zip(&theirs.counts) {
                *a += b;
            }
            mine.summary.add(&theirs.summary);
            mine.no_coordinate += theirs.no_coordinate;
        }
        Ok(())
    }

    /// Sums the block counts up every level of `hierarchy` (the hierarchy they were counted
    /// on).
    ///
    /// # Errors
    ///
    /// [`Error::Table`] when the hierarchy has another number of blocks, or other block ids
    /// than the layer the counts were tied to.
    pub fn aggregate(&self, hierarchy: &Hierarchy) -> Result<Counts, Error> {
        if self.layer != 0 && self.layer != layer_key(hierarchy) {
            return Err(TableError::LayerMismatch.into());
        }
        let mut datasets = Vec::with_capacity(RecordKind::ALL.len());
        for (kind, tally) in RecordKind::ALL.into_iter().zip(&self.datasets) {
            let blocks =
                CountTable::new(None, kind.categories(), self.blocks, tally.counts.clone())?;
            datasets.push(DatasetCounts {
                kind,
                summary: tally.summary,
                no_coordinate: tally.no_coordinate,
                tables: CountTables::aggregate(hierarchy, &blocks)?,
            });
        }
        Ok(Counts {
            datasets,
            assign: self.assign,
        })
    }

    fn slot(kind: RecordKind) -> usize {
        RecordKind::ALL
            .iter()
            .position(|&k| k == kind)
            .unwrap_or_default()
    }

    fn tally(&self, kind: RecordKind) -> &BlockTally {
        &self.datasets[Self::slot(kind)]
    }

    fn tally_mut(&mut self, kind: RecordKind) -> &mut BlockTally {
        &mut self.datasets[Self::slot(kind)]
    }
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

    /// The records of `town` in chunks of `size` records per kind.
    fn chunks(records: &Records, size: usize) -> Vec<Records> {
        let (r, k, c) = (records.residents(), records.kita(), records.child_support());
        let n = r.len().max(k.len()).max(c.len());
        (0..n.div_ceil(size))
            .map(|i| {
                let part = |len: usize| (i * size).min(len)..((i + 1) * size).min(len);
                Records::new(
                    r[part(r.len())].to_vec(),
                    k[part(k.len())].to_vec(),
                    c[part(c.len())].to_vec(),
                )
            })
            .collect()
    }

    #[test]
    fn streaming_and_merged_partitions_equal_one_count() {
        let town = crate::demo::musterstadt_with(5, &crate::demo::DemoConfig::SMALL).unwrap();
        let options = AssignOptions {
            snap_distance: Some(crate::demo::DemoTown::SNAP_DISTANCE_M),
        };
        let whole = count_records(&town.hierarchy, &town.records, &options).unwrap();
        for size in [1, 7, 500, 1_000_000] {
            // Streaming: one counter, many chunks.
            let mut counter = RecordCounter::new(&town.hierarchy, &options).unwrap();
            // Partitions: a counter per chunk, merged afterwards (in reverse order).
            let mut merged = BlockCounts::new(counter.block_counts().blocks(), options)
                .for_layer(counter.block_counts().layer_key());
            let parts = chunks(&town.records, size);
            for chunk in &parts {
                counter.add(chunk).unwrap();
            }
            for chunk in parts.iter().rev() {
                let mut c = RecordCounter::new(&town.hierarchy, &options).unwrap();
                c.add(chunk).unwrap();
                merged.merge(c.block_counts()).unwrap();
            }
            let streamed = counter.into_block_counts();
            assert_eq!(streamed, merged, "chunk size {size}");
            let counts = streamed.aggregate(&town.hierarchy).unwrap();
            assert_eq!(counts.protocol(), whole.protocol(), "chunk size {size}");
            for (a, b) in counts.datasets.iter().zip(&whole.datasets) {
                for (ta, tb) in a.tables.tables().iter().zip(b.tables.tables()) {
                    assert_eq!(ta.counts(), tb.counts(), "chunk size {size}");
                }
            }
        }
    }

    #[test]
    fn a_bad_chunk_counts_nothing_and_counts_rebuild_from_parts() {
        let town = crate::demo::musterstadt_with(5, &crate::demo::DemoConfig::SMALL).unwrap();
        let options = AssignOptions::default();
        let mut counter = RecordCounter::new(&town.hierarchy, &options).unwrap();
        counter.add(&town.records).unwrap();
        let before = counter.block_counts().clone();
        let mut bad = town.records.kita()[..3].to_vec();
        bad[1].fee_bracket = 200;
        let err = counter
            .add(&Records::new(
                town.records.residents().to_vec(),
                bad,
                vec![],
            ))
            .unwrap_err();
        assert!(err.to_string().contains("fee_bracket"), "{err}");
        assert_eq!(counter.block_counts(), &before);

        // Rebuilt from its parts (as after travelling between processes).
        let mut rebuilt = BlockCounts::new(before.blocks(), options).for_layer(before.layer_key());
        for kind in RecordKind::ALL {
            rebuilt
                .set(
                    kind,
                    before.counts(kind).to_vec(),
                    before.summary(kind),
                    before.no_coordinate(kind),
                )
                .unwrap();
        }
        assert_eq!(rebuilt, before);
        // Parts that contradict each other are refused.
        let kind = RecordKind::Resident;
        let mut counts = before.counts(kind).to_vec();
        counts[0] += 1;
        assert!(matches!(
            rebuilt.set(kind, counts, before.summary(kind), 0),
            Err(TableError::InconsistentCounts { .. })
        ));
        assert!(matches!(
            rebuilt.set(kind, vec![0; 3], AssignSummary::default(), 0),
            Err(TableError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            rebuilt.merge(&BlockCounts::new(before.blocks() + 1, options)),
            Err(TableError::BlockCountMismatch { .. })
        ));
        // Counts of another layer with as many blocks.
        assert_ne!(before.layer_key(), 0);
        let foreign = BlockCounts::new(before.blocks(), options).for_layer(before.layer_key() ^ 1);
        assert!(matches!(
            rebuilt.merge(&foreign),
            Err(TableError::LayerMismatch)
        ));
        assert!(foreign.aggregate(&town.hierarchy).is_err());
        let snapped = AssignOptions {
            snap_distance: Some(5.0),
        };
        assert!(matches!(
            rebuilt
                .merge(&BlockCounts::new(before.blocks(), snapped).for_layer(before.layer_key())),
            Err(TableError::AssignMismatch)
        ));
        assert!(
            BlockCounts::new(before.blocks() + 1, options)
                .aggregate(&town.hierarchy)
                .is_err()
        );
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
