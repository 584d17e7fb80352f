//! Count tables: units × categories, aggregated up the hierarchy.
//!
//! The anonymize phase counts each kind of record per block and category
//! ([`count_blocks`]), then sums the block counts up every level of the hierarchy
//! ([`aggregate`]). Upper-level counts are always *exact sums of their blocks' counts*, never
//! counted separately, so that tables of different levels agree by construction.
//!
//! # Examples
//!
//! ```
//! use quartier::{CategorySet, age_group, count_blocks};
//!
//! let ages = CategorySet::age_groups();
//! // (block of the record or None when unassigned, category)
//! let records = [(Some(0), age_group(4)), (Some(1), age_group(40)), (None, age_group(9))];
//! let (table, unassigned) = count_blocks(2, &ages, records.into_iter())?;
//! assert_eq!(table.count(0, 1), 1); // block 0, age group 3–5
//! assert_eq!(table.total(), 2);
//! assert_eq!(unassigned, 1);
//! # Ok::<(), quartier::TableError>(())
//! ```

use crate::hierarchy::Hierarchy;

/// A named, ordered set of category labels: the columns of a [`CountTable`].
///
/// # Examples
///
/// ```
/// use quartier::CategorySet;
///
/// let ages = CategorySet::age_groups();
/// assert_eq!(ages.name(), "age_group");
/// assert_eq!(ages.labels()[0], "0-2");
/// assert_eq!(ages.len(), 7);
///
/// let custom = CategorySet::new("sex", ["f", "m", "d"]);
/// assert_eq!(custom.position("m"), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CategorySet {
    name: String,
    labels: Vec<String>,
}

/// Upper bounds (inclusive) of the age groups of [`CategorySet::age_groups`], except the last.
const AGE_GROUP_UPPER: [u8; 6] = [2, 5, 9, 11, 17, 24];

/// Number of income brackets of the demo Kita fee table.
const FEE_BRACKETS: u8 = 6;

impl CategorySet {
    /// A category set from a name and its labels, in column order.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        labels: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            name: name.into(),
            labels: labels.into_iter().map(Into::into).collect(),
        }
    }

    /// Age groups of residents, named `age_group`: `0-2, 3-5, 6-9, 10-11, 12-17, 18-24, 25+`
    /// (crèche, Kita, primary school, end of primary school, youth, young adults, adults).
    ///
    /// Use [`age_group`] to map an age to its index.
    #[doc(alias = "Altersgruppen")]
    pub fn age_groups() -> Self {
        Self::new(
            "age_group",
            ["0-2", "3-5", "6-9", "10-11", "12-17", "18-24", "25+"],
        )
    }

    /// Income brackets of the Kita fee table, named `fee_bracket`: `bracket_1` (lowest family
    /// income, usually no or the lowest fee) … `bracket_6` (highest income).
    ///
    /// Use [`fee_bracket_category`] to map a bracket number to its index.
    #[doc(alias = "Beitragsstufen")]
    pub fn fee_brackets() -> Self {
        Self::new(
            "fee_bracket",
            (1..=FEE_BRACKETS).map(|b| format!("bracket_{b}")),
        )
    }

    /// Age groups of the children in child-support cases (Unterhaltsvorschuss), named
    /// `child_age_group`: `0-5` (before school), `6-11` (primary school age; together with
    /// `0-5` the seed's "children under 12") and `12+` (12–17, eligible since the 2017 reform).
    ///
    /// Use [`child_support_age_group`] to map an age to its index.
    pub fn child_support_age_groups() -> Self {
        Self::new("child_age_group", ["0-5", "6-11", "12+"])
    }

    /// The set's name (used e.g. in file names).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The category labels, in column order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of categories.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the set has no category.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The index of the category with this label.
    pub fn position(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }
}

/// The index of an age in [`CategorySet::age_groups`].
///
/// # Examples
///
/// ```
/// use quartier::age_group;
///
/// assert_eq!(age_group(0), 0);
/// assert_eq!(age_group(5), 1);
/// assert_eq!(age_group(11), 3);
/// assert_eq!(age_group(25), 6);
/// ```
pub fn age_group(age: u8) -> usize {
    AGE_GROUP_UPPER
        .iter()
        .position(|&upper| age <= upper)
        .unwrap_or(AGE_GROUP_UPPER.len())
}

/// The index of a child's age in [`CategorySet::child_support_age_groups`].
///
/// # Examples
///
/// ```
/// use quartier::child_support_age_group;
///
/// assert_eq!(child_support_age_group(5), 0);
/// assert_eq!(child_support_age_group(11), 1);
/// assert_eq!(child_support_age_group(12), 2);
/// ```
pub fn child_support_age_group(age: u8) -> usize {
    match age {
        0..=5 => 0,
        6..=11 => 1,
        _ => 2,
    }
}

/// The index of a Kita fee bracket (`1` = lowest income) in [`CategorySet::fee_brackets`];
/// `None` for a bracket outside the table (`0` or above the highest bracket).
///
/// # Examples
///
/// ```
/// use quartier::fee_bracket_category;
///
/// assert_eq!(fee_bracket_category(1), Some(0));
/// assert_eq!(fee_bracket_category(0), None);
/// ```
pub fn fee_bracket_category(bracket: u8) -> Option<usize> {
    (1..=FEE_BRACKETS)
        .contains(&bracket)
        .then(|| usize::from(bracket) - 1)
}

/// Counts of one level of units × the categories of a [`CategorySet`].
///
/// Counts are `u64`, stored row-major (one row per unit, in the unit order of the level,
/// i.e. sorted by id). Built by [`count_blocks`] (blocks) and [`aggregate`] (every level).
///
/// # Examples
///
/// ```
/// use quartier::{CategorySet, CountTable};
///
/// let t = CountTable::new(None, CategorySet::new("x", ["a", "b"]), 2, vec![1, 2, 3, 4])?;
/// assert_eq!(t.count(1, 0), 3);
/// assert_eq!(t.row_total(1), 7);
/// assert_eq!(t.column_total(1), 6);
/// assert_eq!(t.total(), 10);
/// # Ok::<(), quartier::TableError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountTable {
    level: Option<usize>,
    categories: CategorySet,
    units: usize,
    counts: Vec<u64>,
}

impl CountTable {
    /// A table from its row-major counts (`units × categories.len()` values).
    ///
    /// `level` is the hierarchy level the rows are units of, or `None` for a table not (yet)
    /// tied to a hierarchy.
    ///
    /// # Errors
    ///
    /// [`TableError::ShapeMismatch`] when `counts` does not have `units × categories` values.
    pub fn new(
        level: Option<usize>,
        categories: CategorySet,
        units: usize,
        counts: Vec<u64>,
    ) -> Result<Self, TableError> {
        let expected = units.checked_mul(categories.len());
        if expected != Some(counts.len()) {
            return Err(TableError::ShapeMismatch {
                units,
                n_categories: categories.len(),
                values: counts.len(),
            });
        }
        Ok(Self {
            level,
            categories,
            units,
            counts,
        })
    }

    /// The hierarchy level whose units are the rows; `None` for a table made by
    /// [`count_blocks`] (which does not know the hierarchy) — [`aggregate`] returns the same
    /// counts with the block level set.
    pub fn level(&self) -> Option<usize> {
        self.level
    }

    /// Number of units (rows).
    pub fn units(&self) -> usize {
        self.units
    }

    /// The categories (columns).
    pub fn categories(&self) -> &CategorySet {
        &self.categories
    }

    /// The count of a unit (position in its level) and category.
    ///
    /// # Panics
    ///
    /// When `unit` or `category` is out of range, like slice indexing.
    pub fn count(&self, unit: usize, category: usize) -> u64 {
        assert!(category < self.categories.len(), "category out of range");
        self.counts[unit * self.categories.len() + category]
    }

    /// The counts of one unit, one per category.
    ///
    /// # Panics
    ///
    /// When `unit` is out of range, like slice indexing.
    pub fn row(&self, unit: usize) -> &[u64] {
        let n = self.categories.len();
        &self.counts[unit * n..(unit + 1) * n]
    }

    /// All counts, row-major.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The sum over the categories of one unit.
    ///
    /// # Panics
    ///
    /// When `unit` is out of range, like slice indexing.
    pub fn row_total(&self, unit: usize) -> u64 {
        self.row(unit).iter().sum()
    }

    /// The sum over the units of one category.
    ///
    /// # Panics
    ///
    /// When `category` is out of range.
    pub fn column_total(&self, category: usize) -> u64 {
        assert!(category < self.categories.len(), "category out of range");
        self.counts
            .iter()
            .skip(category)
            .step_by(self.categories.len())
            .sum()
    }

    /// The sum of all counts.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Counts records into a block table.
///
/// `records` yields, per record, the position of its block (`None` when the record was not
/// assigned to any block) and its category index in `categories`. Unassigned records are not
/// counted in the table but returned as the second value, so that the protocol can account
/// for every record.
///
/// `O(records + blocks × categories)`.
///
/// # Errors
///
/// - [`TableError::CategoryOutOfRange`] for a category index `>= categories.len()` (also of
///   an unassigned record): no record is silently dropped.
/// - [`TableError::BlockOutOfRange`] for a block position `>= n_blocks`.
///
/// # Examples
///
/// ```
/// use quartier::{CategorySet, TableError, count_blocks};
///
/// let cats = CategorySet::new("x", ["a", "b"]);
/// let err = count_blocks(1, &cats, [(Some(0), 2)].into_iter()).unwrap_err();
/// assert!(matches!(err, TableError::CategoryOutOfRange { category: 2, .. }));
/// ```
pub fn count_blocks(
    n_blocks: usize,
    categories: &CategorySet,
    records: impl Iterator<Item = (Option<usize>, usize)>,
) -> Result<(CountTable, u64), TableError> {
    let n_cat = categories.len();
    let size = n_blocks
        .checked_mul(n_cat)
        .ok_or(TableError::ShapeMismatch {
            units: n_blocks,
            n_categories: n_cat,
            values: 0,
        })?;
    let mut counts = vec![0u64; size];
    let mut unassigned = 0u64;
    for (block, category) in records {
        if category >= n_cat {
            return Err(TableError::CategoryOutOfRange {
                category,
                n_categories: n_cat,
            });
        }
        match block {
            Some(b) if b < n_blocks => counts[b * n_cat + category] += 1,
            Some(b) => {
                return Err(TableError::BlockOutOfRange { block: b, n_blocks });
            }
            None => unassigned += 1,
        }
    }
    let table = CountTable {
        level: None,
        categories: categories.clone(),
        units: n_blocks,
        counts,
    };
    Ok((table, unassigned))
}

/// Sums a block table up every level of the hierarchy.
///
/// Returns one table per level, from the top (index 0) to the blocks (last, the block counts
/// unchanged with their level set). Every count of an upper-level unit is the exact sum of
/// the counts of the blocks below it, so row totals roll up from children to parents and the
/// grand total is the same at every level.
///
/// `O(levels × (blocks + units × categories))`.
///
/// # Errors
///
/// - [`TableError::UnitCountMismatch`] when `blocks` does not have one row per block of `h`,
///   or is tied to another level than the block level.
/// - [`TableError::CountOverflow`] when a sum exceeds `u64::MAX`.
///
/// # Examples
///
/// ```
/// # let town = quartier::musterstadt(1)?;
/// # let h = &town.hierarchy;
/// use quartier::{CategorySet, count_blocks, aggregate};
///
/// let cats = CategorySet::new("all", ["n"]);
/// // one record in every block
/// let (blocks, _) = count_blocks(h.blocks().len(), &cats, (0..h.blocks().len()).map(|b| (Some(b), 0)))?;
/// let tables = aggregate(h, &blocks)?;
/// assert_eq!(tables.len(), h.levels().len());
/// assert_eq!(tables[0].total(), h.blocks().len() as u64);
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn aggregate(h: &Hierarchy, blocks: &CountTable) -> Result<Vec<CountTable>, TableError> {
    let block_level = h.block_level();
    let n_blocks = h.blocks().len();
    if blocks.units != n_blocks || blocks.level.is_some_and(|l| l != block_level) {
        return Err(TableError::UnitCountMismatch {
            level: block_level,
            expected: n_blocks,
            actual: blocks.units,
        });
    }
    let n_cat = blocks.categories.len();
    let mut tables = Vec::with_capacity(block_level + 1);
    for level in 0..=block_level {
        if level == block_level {
            tables.push(CountTable {
                level: Some(block_level),
                ..blocks.clone()
            });
            break;
        }
        let map = h
            .ancestors(block_level, level)
            .ok_or(TableError::BrokenHierarchy { level })?;
        let n_units = h.units(level).len();
        let mut counts = vec![0u64; n_units * n_cat];
        for (block, &unit) in map.iter().enumerate() {
            let src = &blocks.counts[block * n_cat..(block + 1) * n_cat];
            let dst = counts
                .get_mut(unit * n_cat..(unit + 1) * n_cat)
                .ok_or(TableError::BrokenHierarchy { level })?;
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = d
                    .checked_add(s)
                    .ok_or(TableError::CountOverflow { level })?;
            }
        }
        tables.push(CountTable {
            level: Some(level),
            categories: blocks.categories.clone(),
            units: n_units,
            counts,
        });
    }
    Ok(tables)
}

/// The count tables of one category set at every level of a hierarchy, from the top to the
/// blocks.
///
/// # Examples
///
/// ```
/// # let town = quartier::musterstadt(1)?;
/// # let h = &town.hierarchy;
/// use quartier::{CategorySet, CountTables, count_blocks};
///
/// let cats = CategorySet::new("all", ["n"]);
/// let (blocks, _) = count_blocks(h.blocks().len(), &cats, [(Some(0), 0)].into_iter())?;
/// let tables = CountTables::aggregate(h, &blocks)?;
/// assert_eq!(tables.level(0).map(|t| t.total()), Some(1));
/// assert_eq!(tables.blocks().total(), 1);
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountTables {
    tables: Vec<CountTable>,
}

impl CountTables {
    /// Sums a block table up every level of `h` (see [`aggregate`]).
    ///
    /// # Errors
    ///
    /// As [`aggregate`].
    pub fn aggregate(h: &Hierarchy, blocks: &CountTable) -> Result<Self, TableError> {
        Ok(Self {
            tables: aggregate(h, blocks)?,
        })
    }

    /// The category set of all the tables.
    pub fn categories(&self) -> &CategorySet {
        // ok: `aggregate` always returns at least the block table.
        &self.blocks().categories
    }

    /// The table of a level (0 = top); `None` out of range.
    pub fn level(&self, level: usize) -> Option<&CountTable> {
        self.tables.get(level)
    }

    /// The block table (lowest level).
    pub fn blocks(&self) -> &CountTable {
        // ok: `aggregate` always returns at least the block table, so `last` is `Some`.
        #[allow(clippy::unwrap_used)]
        self.tables.last().unwrap()
    }

    /// The tables of every level, top first.
    pub fn tables(&self) -> &[CountTable] {
        &self.tables
    }

    /// Consumes the group and returns the tables of every level, top first.
    pub fn into_tables(self) -> Vec<CountTable> {
        self.tables
    }
}

/// Errors of counting records into tables.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// A dataset's finest published level is not a level of the hierarchy.
    #[error(
        "dataset `{dataset}`: the finest published level `{level}` is not a level of the hierarchy (levels: {known})"
    )]
    UnknownLevel {
        /// The dataset's name.
        dataset: &'static str,
        /// The level asked for.
        level: String,
        /// The hierarchy's levels, comma-separated.
        known: String,
    },
    /// A category index is outside the table's categories.
    #[error("category {category} is out of range: the table has {n_categories} categories")]
    CategoryOutOfRange {
        /// The offending category index.
        category: usize,
        /// Number of categories of the table.
        n_categories: usize,
    },
    /// A block position is outside the table's blocks.
    #[error("block {block} is out of range: the table has {n_blocks} blocks")]
    BlockOutOfRange {
        /// The offending block position.
        block: usize,
        /// Number of blocks of the table.
        n_blocks: usize,
    },
    /// The category column has another length than the coordinates.
    #[error("{categories} category values for {points} points: one per point is needed")]
    CategoryLength {
        /// Number of points (coordinates).
        points: usize,
        /// Number of category values.
        categories: usize,
    },
    /// The number of counts does not fit the table's shape.
    #[error("a table of {units} units × {n_categories} categories cannot hold {values} counts")]
    ShapeMismatch {
        /// Number of units (rows).
        units: usize,
        /// Number of categories (columns).
        n_categories: usize,
        /// Number of counts given.
        values: usize,
    },
    /// A table's rows do not match the units of a hierarchy level.
    #[error("the table has {actual} rows but level {level} has {expected} units")]
    UnitCountMismatch {
        /// The level index.
        level: usize,
        /// Number of units of the level.
        expected: usize,
        /// Number of rows of the table.
        actual: usize,
    },
    /// The hierarchy has a unit without a parent below the top level.
    #[error("level {level} cannot be reached from the blocks: a parent link is missing")]
    BrokenHierarchy {
        /// The level that could not be reached.
        level: usize,
    },
    /// Block counts of two parts of an input were counted on different numbers of blocks
    /// and cannot be merged.
    #[error("cannot merge counts of {found} blocks into counts of {expected} blocks")]
    BlockCountMismatch {
        /// Blocks of the counts merged into.
        expected: usize,
        /// Blocks of the counts merged.
        found: usize,
    },
    /// Block counts were made on another block layer (other block ids) than the counts they
    /// are merged with or the hierarchy they are aggregated on.
    #[error("the counts were made on another block layer (the block ids differ)")]
    LayerMismatch,
    /// Block counts of two parts of an input were assigned with different snap distances.
    #[error("cannot merge counts assigned with different snap distances")]
    AssignMismatch,
    /// Block counts given in parts contradict each other: the cells do not sum to the
    /// assigned and snapped records, or the outcomes do not sum to the records read.
    #[error("the {dataset} counts are inconsistent: cells and record outcomes do not add up")]
    InconsistentCounts {
        /// The dataset.
        dataset: &'static str,
    },
    /// A sum of counts exceeds `u64::MAX`.
    #[error("a count of level {level} exceeds the largest representable count")]
    CountOverflow {
        /// The level being summed.
        level: usize,
    },
    /// Records of a dataset have a value in a field that falls in no category of the spec's
    /// category set (names the field and how many records, never a value).
    #[error(
        "{records} {dataset} records have a `{field}` outside every category of `{category_set}`"
    )]
    OutsideCategories {
        /// The dataset (`kita`, ...).
        dataset: &'static str,
        /// The record field (`fee_bracket`, ...).
        field: &'static str,
        /// The category set's name.
        category_set: String,
        /// How many records.
        records: usize,
    },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hierarchy::Unit;
    use geo::MultiPolygon;
    use proptest::prelude::*;

    /// A hierarchy with dummy geometries from parent links per level (level 0 has no parent).
    fn hierarchy(parents: &[Vec<usize>]) -> Hierarchy {
        let units = parents
            .iter()
            .enumerate()
            .map(|(level, ps)| {
                ps.iter()
                    .enumerate()
                    .map(|(i, &p)| Unit {
                        id: format!("{level}-{i:04}").into(),
                        name: None,
                        parent: (level > 0).then_some(p),
                        geometry: MultiPolygon::new(vec![]),
                    })
                    .collect()
            })
            .collect();
        Hierarchy {
            levels: (0..parents.len()).map(|l| format!("l{l}")).collect(),
            units,
        }
    }

    /// Random parent links: level sizes grow downwards, every unit has a child.
    fn arb_parents() -> impl Strategy<Value = Vec<Vec<usize>>> {
        (1usize..4, 1usize..5).prop_flat_map(|(top, depth)| {
            let mut strategy: BoxedStrategy<Vec<Vec<usize>>> = Just(vec![vec![0; top]]).boxed();
            for _ in 0..depth {
                strategy = strategy
                    .prop_flat_map(|levels| {
                        let n_above = levels.last().map_or(1, Vec::len);
                        (Just(levels), prop::collection::vec(0..n_above, 0..12))
                    })
                    .prop_map(|(mut levels, extra)| {
                        let n_above = levels.last().map_or(1, Vec::len);
                        // every unit above gets one child, then some extra children
                        let mut links: Vec<usize> = (0..n_above).chain(extra).collect();
                        links.sort_unstable();
                        levels.push(links);
                        levels
                    })
                    .boxed();
            }
            strategy
        })
    }

    fn arb_case() -> impl Strategy<Value = (Vec<Vec<usize>>, usize, Vec<u64>)> {
        (arb_parents(), 1usize..5).prop_flat_map(|(parents, n_cat)| {
            let n_blocks = parents.last().map_or(0, Vec::len);
            (
                Just(parents),
                Just(n_cat),
                prop::collection::vec(0u64..1000, n_blocks * n_cat),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn totals_roll_up_from_children_to_parents((parents, n_cat, counts) in arb_case()) {
            let h = hierarchy(&parents);
            let cats = CategorySet::new("c", (0..n_cat).map(|c| c.to_string()));
            let blocks = CountTable::new(None, cats, h.blocks().len(), counts).unwrap();
            let tables = aggregate(&h, &blocks).unwrap();
            prop_assert_eq!(tables.len(), parents.len());
            for (level, t) in tables.iter().enumerate() {
                prop_assert_eq!(t.level(), Some(level));
                prop_assert_eq!(t.units(), h.units(level).len());
                prop_assert_eq!(t.total(), blocks.total());
                for c in 0..n_cat {
                    prop_assert_eq!(t.column_total(c), blocks.column_total(c));
                }
            }
            for level in 1..tables.len() {
                let (parent, child) = (&tables[level - 1], &tables[level]);
                let mut sums = vec![0u64; parent.units() * n_cat];
                for (u, unit) in h.units(level).iter().enumerate() {
                    let p = unit.parent().unwrap();
                    for c in 0..n_cat {
                        sums[p * n_cat + c] += child.count(u, c);
                    }
                }
                prop_assert_eq!(&sums[..], parent.counts());
            }
            prop_assert_eq!(tables.last().unwrap().counts(), blocks.counts());
        }

        #[test]
        fn count_blocks_accounts_for_every_record(
            n_blocks in 0usize..20,
            recs in prop::collection::vec((prop::option::of(0usize..20), 0usize..7), 0..200),
        ) {
            let cats = CategorySet::age_groups();
            let valid = recs.iter().all(|(b, _)| b.is_none_or(|b| b < n_blocks));
            match count_blocks(n_blocks, &cats, recs.iter().copied()) {
                Ok((t, unassigned)) => {
                    prop_assert!(valid);
                    prop_assert_eq!(t.total() + unassigned, recs.len() as u64);
                    prop_assert_eq!(unassigned, recs.iter().filter(|r| r.0.is_none()).count() as u64);
                    let row_sum: u64 = (0..n_blocks).map(|b| t.row_total(b)).sum();
                    prop_assert_eq!(row_sum, t.total());
                }
                Err(TableError::BlockOutOfRange { .. }) => prop_assert!(!valid),
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
    }

    #[test]
    fn category_out_of_range_is_an_error_even_when_unassigned() {
        let cats = CategorySet::new("x", ["a"]);
        let err = count_blocks(3, &cats, [(Some(0), 0), (None, 1)].into_iter()).unwrap_err();
        assert!(matches!(
            err,
            TableError::CategoryOutOfRange {
                category: 1,
                n_categories: 1
            }
        ));
    }

    #[test]
    fn aggregate_rejects_a_table_of_the_wrong_size() {
        let h = hierarchy(&[vec![0], vec![0, 0]]);
        let t = CountTable::new(None, CategorySet::new("x", ["a"]), 3, vec![0; 3]).unwrap();
        assert!(matches!(
            aggregate(&h, &t),
            Err(TableError::UnitCountMismatch {
                expected: 2,
                actual: 3,
                ..
            })
        ));
    }

    #[test]
    fn aggregate_detects_overflow() {
        let h = hierarchy(&[vec![0], vec![0, 0]]);
        let t = CountTable::new(None, CategorySet::new("x", ["a"]), 2, vec![u64::MAX, 1]).unwrap();
        assert!(matches!(
            aggregate(&h, &t),
            Err(TableError::CountOverflow { level: 0 })
        ));
    }

    #[test]
    fn category_sets() {
        assert_eq!(CategorySet::age_groups().len(), AGE_GROUP_UPPER.len() + 1);
        assert_eq!(CategorySet::fee_brackets().labels()[5], "bracket_6");
        assert_eq!(fee_bracket_category(6), Some(5));
        assert_eq!(fee_bracket_category(7), None);
        let bounds: Vec<usize> = [0u8, 2, 3, 5, 6, 9, 10, 11, 12, 17, 18, 24, 25, 255]
            .iter()
            .map(|&a| age_group(a))
            .collect();
        assert_eq!(bounds, vec![0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
        assert_eq!(child_support_age_group(255), 2);
        assert!(CountTable::new(None, CategorySet::age_groups(), 2, vec![0; 13]).is_err());
    }
}
