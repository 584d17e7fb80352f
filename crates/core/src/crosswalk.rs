//! Crosswalks between two block layers, and protected tables re-aggregated across them.
//!
//! Blocks (Baublöcke) get re-cut between reference dates while quarters mostly stay. To show
//! a trend on the *current* quarters, the protected tables of an earlier date (counted on
//! that date's block layer) are carried over to the current layer:
//!
//! 1. [`Crosswalk::build`] links every block of the old layer to the blocks of the new layer
//!    it became, with a weight: the share of the old block's address points that lie in the
//!    new block ([`CrosswalkMethod::Addresses`]), or, for an old block without any address,
//!    the share of its area ([`CrosswalkMethod::Area`], an estimate).
//! 2. [`Crosswalk::level_weights`] lifts the block weights to the units of an upper level
//!    (quarters): `w(U→V) = Σ_{o∈U} s_o · w(o→V)`, `s_o` being block `o`'s share of `U`'s
//!    addresses.
//! 3. [`reaggregate`] moves the cells of one level of old [`ProtectedTables`] onto the new
//!    layer: `x'(V) = Σ_U w(U→V) · x(U)`, unknown when any contributing cell was suppressed,
//!    and sums the levels above from the result ([`Reaggregated`]).
//!
//! Nothing here reads or writes a file, and nothing here sees a record: the weights come
//! from address points (buildings, not people) and the values from published cells only.
//!
//! # Decisions
//!
//! - **Address points, not records, weigh the blocks.** A crosswalk depends on the two layers
//!   and the address points only, so one crosswalk serves every dataset of a date, and it
//!   can be built outside the sealed office. Residents would weigh better but are personal
//!   data; addresses are what official statistics use for re-cut blocks too.
//! - **Addresses count where both layers locate them.** Points are located with
//!   [`UnitIndex`] (the crate's boundary rule: a point on a shared edge belongs to the block
//!   with the smaller id), without snapping. A point outside either layer, or with a
//!   non-finite coordinate, is ignored for the weights; an old block whose addresses all lie
//!   outside the new layer therefore counts as a block without addresses.
//! - **Area is the fallback, normalised.** An old block without addresses is split by the
//!   areas of its overlaps with the new blocks, each divided by the *sum of the kept
//!   overlaps* rather than by the block's area. Where the new layer covers the block both
//!   are the same; where part of the block lies in no new block (a street that became a
//!   gap) its counts go to the parts that are covered, so that nothing is lost:
//!   `Σ_new w(old→new) = 1` for every old block. Overlaps smaller than [`MIN_OVERLAP_M2`] or
//!   than [`MIN_OVERLAP_SHARE`] of the old block are slivers of digitisation and ignored.
//!   A block with no address and no kept overlap maps nowhere: [`CrosswalkError::Unmapped`].
//! - **Same id scheme.** Both layers must have the same level names; the top level (the
//!   Gemeinde keys) must have the same ids; every other upper level must have at least one
//!   id in common. Blocks need not share any id (being re-cut is the point). A layer made of
//!   blocks alone is checked by its level name only.
//! - **Upper levels by addresses, exactly.** For a unit with addresses, `w(U→V)` is computed
//!   from integer address counts (`#U's addresses in V / #U's addresses`), so a quarter that
//!   stays whole gets the weight `1.0` exactly, not `0.999…`. Blocks of `U` without
//!   addresses take no part (their share `s_o` is 0). A unit without any address is split by
//!   the blocks' areas (equal shares if all its blocks have zero area) and its links are
//!   estimated.
//! - **Suppression propagates.** A re-aggregated cell is unknown (`None`) as soon as one
//!   contributing cell (weight > 0) is suppressed, however small its weight; no interval is
//!   derived. A new unit that no old unit maps to is unknown too: its old value was not
//!   counted, which is not the same as zero.
//! - **Upper levels are summed, not carried over.** Levels above the re-aggregated one are
//!   the sums of its cells, so the result is additive; an old upper-level cell that was
//!   published while one of its parts was suppressed is not used. Whether an upper cell is
//!   *estimated* is decided on that level's own lifted weights
//!   ([`Crosswalk::level_weights`]): the town's total is exact even when quarters inside it
//!   were re-cut.
//! - **Re-aggregation discloses nothing new.** Every value is a function of published cells
//!   and public weights. Rounded values may however be small (`0 < n < k`); a file of them
//!   is not a file of [`read_protected_csv`](crate::read_protected_csv) under the same rule.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use geo::{Area, BooleanOps, BoundingRect, Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::anonymize::{CellParts, LayerKind, LayerParts, ProtectedTables, TOTAL};
use crate::assign::{AssignError, AssignOptions, UnitIndex};
use crate::disclosure::CellStatus;
use crate::hierarchy::{Hierarchy, UnitId};
use crate::records::RecordKind;
use crate::table::CategorySet;

/// Overlaps of an address-less old block with a new block smaller than this (m²) are
/// slivers and ignored by [`Crosswalk::build`].
pub const MIN_OVERLAP_M2: f64 = 1.0;

/// Overlaps of an address-less old block with a new block smaller than this share of the
/// old block's area are slivers and ignored by [`Crosswalk::build`].
pub const MIN_OVERLAP_SHARE: f64 = 0.001;

/// Errors of building a [`Crosswalk`] or re-aggregating tables across one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrosswalkError {
    /// The two layers do not use the same levels or id scheme.
    #[error("{}", id_scheme_message(.level, .reason, .old, .new))]
    IdScheme {
        /// The level: its name, or for [`IdSchemeReason::LevelNames`] its index.
        level: String,
        /// What differs.
        reason: IdSchemeReason,
        /// An example from the old layer (a level name or a unit id; `(none)` when missing).
        old: String,
        /// An example from the new layer (a level name or a unit id; `(none)` when missing).
        new: String,
    },
    /// An old block has no address and overlaps no new block (beyond slivers).
    #[error(
        "old block {block} maps nowhere: it has no address point and overlaps no block of the new layer"
    )]
    Unmapped {
        /// The old block's id.
        block: UnitId,
    },
    /// A link given to [`Crosswalk::from_links`] names a block position out of range.
    #[error(
        "a crosswalk link names old block position {old} and new block position {new}, beyond the layers"
    )]
    LinkOutOfRange {
        /// The old block position.
        old: usize,
        /// The new block position.
        new: usize,
    },
    /// The links given to [`Crosswalk::from_links`] for an old block do not make a crosswalk.
    #[error("the crosswalk links of old block {block}: {problem}")]
    InvalidLinks {
        /// The old block's id.
        block: UnitId,
        /// What is wrong.
        problem: LinkProblem,
    },
    /// A block layer cannot be indexed, or the address points cannot be located in it.
    #[error("the {layer} block layer: {source}")]
    Index {
        /// `old` or `new`.
        layer: &'static str,
        /// What went wrong.
        source: AssignError,
    },
    /// A hierarchy given with a crosswalk is not the one it was built from.
    #[error(
        "the {layer} hierarchy is not the one the crosswalk was built from (it differs at block position {position})"
    )]
    LayerMismatch {
        /// `old` or `new`.
        layer: &'static str,
        /// The first block position where the block ids differ (or one layer ends).
        position: usize,
    },
    /// The level index is out of range.
    #[error("level {level} does not exist, the hierarchy has {levels} levels")]
    LevelOutOfRange {
        /// The level index asked for.
        level: usize,
        /// Number of levels.
        levels: usize,
    },
    /// The level name is not a level of the hierarchies.
    #[error("unknown level {level}; the levels are {known}")]
    UnknownLevel {
        /// The name asked for.
        level: String,
        /// The known level names, comma-separated.
        known: String,
    },
    /// The protected tables have no cell on the level.
    #[error("the protected {dataset} tables have no cells on level {level}")]
    NoCells {
        /// The dataset.
        dataset: &'static str,
        /// The level name.
        level: String,
    },
    /// A cell of the protected tables names a unit the old hierarchy does not have.
    #[error(
        "the protected {dataset} tables name unit {unit} on level {level}, which the old hierarchy lacks"
    )]
    UnknownUnit {
        /// The dataset.
        dataset: &'static str,
        /// The level name.
        level: String,
        /// The unit id.
        unit: UnitId,
    },
    /// A unit of the old hierarchy lacks a cell (a category or the total) in the tables.
    #[error("the protected {dataset} tables lack a cell of unit {unit} on level {level}")]
    MissingCell {
        /// The dataset.
        dataset: &'static str,
        /// The level name.
        level: String,
        /// The unit id.
        unit: UnitId,
    },
    /// The re-aggregated cells do not form protected tables (a bug).
    #[error("re-aggregated {dataset} tables are inconsistent at cell {cell}")]
    Inconsistent {
        /// The dataset.
        dataset: &'static str,
        /// Index of the first inconsistent cell.
        cell: usize,
    },
}

/// What differs between two layers' id schemes ([`CrosswalkError::IdScheme`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdSchemeReason {
    /// The level names (or their number) differ.
    LevelNames,
    /// The top level (Gemeinde keys) has other ids.
    TopLevelIds,
    /// An upper level below the top has no id in common.
    NoCommonId,
}

fn id_scheme_message(level: &str, reason: &IdSchemeReason, old: &str, new: &str) -> String {
    match reason {
        IdSchemeReason::LevelNames => format!(
            "the block layers have different levels: level {level} is `{old}` in the old layer and `{new}` in the new one"
        ),
        IdSchemeReason::TopLevelIds => format!(
            "the block layers use different id schemes: the {level} ids differ (old e.g. `{old}`, new e.g. `{new}`)"
        ),
        IdSchemeReason::NoCommonId => format!(
            "the block layers use different id schemes: no {level} id is in both (old e.g. `{old}`, new e.g. `{new}`)"
        ),
    }
}

/// What is wrong with the links of an old block ([`CrosswalkError::InvalidLinks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkProblem {
    /// A weight is not a number in `(0, 1]`.
    Weight,
    /// Two links go to the same new block.
    Duplicate,
    /// The links mix [`CrosswalkMethod::Addresses`] and [`CrosswalkMethod::Area`].
    MixedMethods,
    /// The weights do not sum to 1.
    WeightSum,
    /// The address counts do not fit the weights: an addresses link needs a positive count
    /// and weight = count / the block's count, an area link the count 0.
    AddressCount,
}

impl fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Weight => "a weight is not a number in (0, 1]",
            Self::Duplicate => "two links go to the same new block",
            Self::MixedMethods => "the links mix the methods addresses and area",
            Self::WeightSum => "the weights do not sum to 1",
            Self::AddressCount => "the address counts do not fit the weights",
        })
    }
}

/// Tolerance of [`Crosswalk::from_links`] for weights (sums to 1, count shares).
const WEIGHT_TOLERANCE: f64 = 1e-9;

/// How the weight of a [`CrosswalkLink`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CrosswalkMethod {
    /// The share of the old block's address points lying in the new block.
    Addresses,
    /// The share of the old block's area lying in the new block (the old block has no
    /// address); an estimate.
    Area,
}

impl CrosswalkMethod {
    /// `addresses` or `area`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Addresses => "addresses",
            Self::Area => "area",
        }
    }
}

impl fmt::Display for CrosswalkMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One link of a [`Crosswalk`]: part of an old block became (part of) a new block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrosswalkLink {
    /// Position of the old block in the old hierarchy's blocks.
    pub old: usize,
    /// Position of the new block in the new hierarchy's blocks.
    pub new: usize,
    /// The share of the old block that went to the new block, in `(0, 1]`; the weights of
    /// one old block sum to 1.
    pub weight: f64,
    /// How the weight was found.
    pub method: CrosswalkMethod,
    /// The old block's address points lying in the new block; 0 for [`CrosswalkMethod::Area`].
    pub addresses: u64,
}

/// A link between units of one level of two layers ([`Crosswalk::level_weights`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelLink {
    /// Position of the old unit in the old hierarchy's level.
    pub old: usize,
    /// Position of the new unit in the new hierarchy's level.
    pub new: usize,
    /// The share of the old unit that went to the new unit, in `(0, 1]`.
    pub weight: f64,
    /// Whether the weight is an estimate: strictly between 0 and 1 (the unit was split), or
    /// an area-weighted block link contributed.
    pub estimated: bool,
}

/// Weighted links from the blocks of an old layer to the blocks of a new layer.
///
/// An old block with address points is split by them: the weight of a link is the share of
/// the old block's addresses (located in both layers) that lie in the new block
/// ([`CrosswalkMethod::Addresses`]). An old block without any address is split by the areas
/// of its overlaps with the new blocks, divided by the sum of those overlaps and ignoring
/// slivers below [`MIN_OVERLAP_M2`] or [`MIN_OVERLAP_SHARE`] ([`CrosswalkMethod::Area`]).
///
/// Links are sorted by old block, then new block; every old block has at least one link and
/// its weights sum to 1.
///
/// # Examples
///
/// ```
/// use geo::{Coord, MultiPolygon, polygon};
/// use quartier::{BlockFeature, Crosswalk, CrosswalkMethod, HierarchyBuilder};
///
/// let rect = |x0: f64, x1: f64| MultiPolygon(vec![polygon![
///     (x: x0, y: 0.0), (x: x1, y: 0.0), (x: x1, y: 100.0), (x: x0, y: 100.0)]]);
/// let layer = |blocks: &[(&str, f64, f64)]| {
///     let mut b = HierarchyBuilder::new(["gemeinde", "baublock"]);
///     for (i, &(id, x0, x1)) in blocks.iter().enumerate() {
///         b.add_block(BlockFeature { feature: i, ids: vec!["G".into(), id.into()],
///             name: None, geometry: rect(x0, x1) });
///     }
///     b.build().map(|(h, _)| h)
/// };
/// // Block B1 (0..100 m) is split at x = 50 into B1a and B1b.
/// let old = layer(&[("B1", 0.0, 100.0)])?;
/// let new = layer(&[("B1a", 0.0, 50.0), ("B1b", 50.0, 100.0)])?;
/// let addresses = [(10.0, 50.0), (20.0, 50.0), (30.0, 50.0), (80.0, 50.0)]
///     .map(|(x, y)| Coord { x, y });
/// let cw = Crosswalk::build(&old, &new, &addresses)?;
/// let weights: Vec<f64> = cw.links().iter().map(|l| l.weight).collect();
/// assert_eq!(weights, [0.75, 0.25]);
/// assert_eq!(cw.links()[0].method, CrosswalkMethod::Addresses);
/// assert!(!cw.exact(0));
/// # Ok::<(), quartier::Error>(())
/// ```
///
#[doc(alias = "Umschlüsselung")]
#[derive(Debug, Clone, PartialEq)]
pub struct Crosswalk {
    links: Vec<CrosswalkLink>,
    /// `links[starts[o]..starts[o + 1]]` are old block `o`'s links.
    starts: Vec<usize>,
    /// Address points per old block that both layers locate.
    addresses: Vec<u64>,
    old_ids: Vec<UnitId>,
    new_ids: Vec<UnitId>,
}

impl Crosswalk {
    /// Builds the crosswalk from the `old` block layer to the `new` one, weighing by the
    /// address points (in the layers' CRS).
    ///
    /// `O((a + b) log b)` for `a` addresses and `b` blocks, plus one polygon intersection per
    /// candidate overlap of an address-less old block.
    ///
    /// # Examples
    ///
    /// See [`Crosswalk`].
    ///
    /// # Errors
    ///
    /// [`CrosswalkError::IdScheme`] when the layers' levels or ids do not match (see the
    /// module's decisions); [`CrosswalkError::Index`] when a layer cannot be indexed;
    /// [`CrosswalkError::Unmapped`] for the first old block (in id order) that has no
    /// address and overlaps no new block.
    pub fn build(
        old: &Hierarchy,
        new: &Hierarchy,
        addresses: &[Coord<f64>],
    ) -> Result<Crosswalk, CrosswalkError> {
        check_id_scheme(old, new)?;
        let old_blocks = locate(old, addresses, "old")?;
        let new_blocks = locate(new, addresses, "new")?;
        let mut pairs: Vec<(usize, usize)> = old_blocks
            .iter()
            .zip(&new_blocks)
            .filter_map(|(o, n)| Some(((*o)?, (*n)?)))
            .collect();
        pairs.sort_unstable();
        // Run lengths: (old, new, count), sorted.
        let mut counted: Vec<(usize, usize, u64)> = Vec::new();
        for (o, n) in pairs {
            match counted.last_mut() {
                Some(last) if last.0 == o && last.1 == n => last.2 += 1,
                _ => counted.push((o, n, 1)),
            }
        }
        let n_old = old.blocks().len();
        let mut per_block = vec![0u64; n_old];
        for &(o, _, c) in &counted {
            per_block[o] += c;
        }
        let addressless: Vec<usize> = (0..n_old).filter(|&o| per_block[o] == 0).collect();
        let areas = area_links(old, new, &addressless);

        let mut links = Vec::with_capacity(counted.len() + addressless.len());
        let mut starts = Vec::with_capacity(n_old + 1);
        let mut counted = counted.into_iter().peekable();
        let mut areas = addressless.iter().zip(areas).peekable();
        for (o, &total) in per_block.iter().enumerate() {
            starts.push(links.len());
            if total > 0 {
                while let Some((_, n, c)) = counted.next_if(|&(co, _, _)| co == o) {
                    links.push(CrosswalkLink {
                        old: o,
                        new: n,
                        weight: c as f64 / total as f64,
                        method: CrosswalkMethod::Addresses,
                        addresses: c,
                    });
                }
            } else if let Some((_, overlaps)) = areas.next_if(|(ao, _)| **ao == o) {
                if overlaps.is_empty() {
                    return Err(CrosswalkError::Unmapped {
                        block: old.blocks()[o].id().clone(),
                    });
                }
                let sum: f64 = overlaps.iter().map(|(_, a)| a).sum();
                links.extend(overlaps.iter().map(|&(n, a)| CrosswalkLink {
                    old: o,
                    new: n,
                    weight: a / sum,
                    method: CrosswalkMethod::Area,
                    addresses: 0,
                }));
            }
        }
        starts.push(links.len());
        Ok(Crosswalk {
            links,
            starts,
            addresses: per_block,
            old_ids: old.blocks().iter().map(|b| b.id().clone()).collect(),
            new_ids: new.blocks().iter().map(|b| b.id().clone()).collect(),
        })
    }

    /// A crosswalk from links made earlier (read back from a file), checked: the layers
    /// must pass the same id-scheme check as in [`Crosswalk::build`], every old block must
    /// have a link, and the links of an old block must make a crosswalk (see
    /// [`LinkProblem`]; weights and count shares are compared within `1e-9`). Links may come
    /// in any order; they are sorted.
    ///
    /// # Examples
    ///
    /// ```
    /// # use geo::{Coord, MultiPolygon, polygon};
    /// # use quartier::{BlockFeature, Crosswalk, HierarchyBuilder};
    /// # let mut b = HierarchyBuilder::new(["gemeinde", "baublock"]);
    /// # b.add_block(BlockFeature { feature: 0, ids: vec!["G".into(), "B1".into()], name: None,
    /// #     geometry: MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0),
    /// #         (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)]]) });
    /// # let (layer, _) = b.build()?;
    /// let cw = Crosswalk::build(&layer, &layer, &[Coord { x: 5.0, y: 5.0 }])?;
    /// let again = Crosswalk::from_links(&layer, &layer, cw.links().to_vec())?;
    /// assert_eq!(again, cw);
    /// assert!(Crosswalk::from_links(&layer, &layer, Vec::new()).is_err()); // B1 unmapped
    /// # Ok::<(), quartier::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrosswalkError::IdScheme`] as in [`Crosswalk::build`];
    /// [`CrosswalkError::LinkOutOfRange`] for a block position beyond a layer;
    /// [`CrosswalkError::Unmapped`] for the first old block without a link;
    /// [`CrosswalkError::InvalidLinks`] for the first old block whose links are wrong.
    pub fn from_links(
        old: &Hierarchy,
        new: &Hierarchy,
        mut links: Vec<CrosswalkLink>,
    ) -> Result<Crosswalk, CrosswalkError> {
        check_id_scheme(old, new)?;
        let (n_old, n_new) = (old.blocks().len(), new.blocks().len());
        if let Some(l) = links.iter().find(|l| l.old >= n_old || l.new >= n_new) {
            return Err(CrosswalkError::LinkOutOfRange {
                old: l.old,
                new: l.new,
            });
        }
        links.sort_by_key(|l| (l.old, l.new));
        let mut starts = Vec::with_capacity(n_old + 1);
        let mut addresses = vec![0u64; n_old];
        let mut at = 0;
        for (o, count) in addresses.iter_mut().enumerate() {
            starts.push(at);
            let end = at + links[at..].iter().take_while(|l| l.old == o).count();
            let own = &links[at..end];
            at = end;
            let invalid = |problem| CrosswalkError::InvalidLinks {
                block: old.blocks()[o].id().clone(),
                problem,
            };
            let Some(first) = own.first() else {
                return Err(CrosswalkError::Unmapped {
                    block: old.blocks()[o].id().clone(),
                });
            };
            if own.iter().any(|l| !(l.weight > 0.0 && l.weight <= 1.0)) {
                return Err(invalid(LinkProblem::Weight));
            }
            if own.windows(2).any(|w| w[0].new == w[1].new) {
                return Err(invalid(LinkProblem::Duplicate));
            }
            if own.iter().any(|l| l.method != first.method) {
                return Err(invalid(LinkProblem::MixedMethods));
            }
            let sum: f64 = own.iter().map(|l| l.weight).sum();
            if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
                return Err(invalid(LinkProblem::WeightSum));
            }
            *count = match first.method {
                CrosswalkMethod::Addresses => {
                    let total: u64 = own.iter().map(|l| l.addresses).sum();
                    let fits = own.iter().all(|l| {
                        l.addresses > 0
                            && (l.weight - l.addresses as f64 / total as f64).abs()
                                <= WEIGHT_TOLERANCE
                    });
                    if !fits {
                        return Err(invalid(LinkProblem::AddressCount));
                    }
                    total
                }
                CrosswalkMethod::Area => {
                    if own.iter().any(|l| l.addresses != 0) {
                        return Err(invalid(LinkProblem::AddressCount));
                    }
                    0
                }
            };
        }
        starts.push(at);
        Ok(Crosswalk {
            links,
            starts,
            addresses,
            old_ids: old.blocks().iter().map(|b| b.id().clone()).collect(),
            new_ids: new.blocks().iter().map(|b| b.id().clone()).collect(),
        })
    }

    /// Every link, sorted by old block, then new block.
    pub fn links(&self) -> &[CrosswalkLink] {
        &self.links
    }

    /// The links of old block `old` (its position), sorted by new block; empty when out of
    /// range.
    pub fn links_of(&self, old: usize) -> &[CrosswalkLink] {
        match (self.starts.get(old), self.starts.get(old + 1)) {
            (Some(&a), Some(&b)) => &self.links[a..b],
            _ => &[],
        }
    }

    /// The address points of old block `old` that both layers locate (0 when out of range).
    pub fn addresses(&self, old: usize) -> u64 {
        self.addresses.get(old).copied().unwrap_or(0)
    }

    /// Whether old block `old` went whole into one new block, as its addresses show: a
    /// single link of weight 1 by [`CrosswalkMethod::Addresses`]. `false` when out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// # use geo::{Coord, MultiPolygon, polygon};
    /// # use quartier::{BlockFeature, Crosswalk, HierarchyBuilder};
    /// let mut b = HierarchyBuilder::new(["gemeinde", "baublock"]);
    /// b.add_block(BlockFeature { feature: 0, ids: vec!["G".into(), "B1".into()], name: None,
    ///     geometry: MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0),
    ///         (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)]]) });
    /// let (layer, _) = b.build()?;
    /// let cw = Crosswalk::build(&layer, &layer, &[Coord { x: 5.0, y: 5.0 }])?;
    /// assert!(cw.exact(0));
    /// // Without addresses the same block maps by area: not exact.
    /// assert!(!Crosswalk::build(&layer, &layer, &[])?.exact(0));
    /// # Ok::<(), quartier::Error>(())
    /// ```
    pub fn exact(&self, old: usize) -> bool {
        matches!(
            self.links_of(old),
            [l] if l.weight == 1.0 && l.method == CrosswalkMethod::Addresses
        )
    }

    /// The weights lifted to the units of level `level` (an index of both hierarchies):
    /// `w(U→V) = Σ_{o∈U} s_o · w(o→V)` over the old blocks `o` of `U` and their links into
    /// new blocks of `V`, where `s_o` is `o`'s share of `U`'s addresses, or of `U`'s area when
    /// `U` has no address at all. Only links of positive weight, sorted by old unit, then
    /// new unit; the weights of one old unit sum to 1 (up to rounding for area weights).
    ///
    /// `old` and `new` must be the hierarchies the crosswalk was built from.
    ///
    /// # Examples
    ///
    /// ```
    /// # use geo::{Coord, MultiPolygon, polygon};
    /// # use quartier::{BlockFeature, Crosswalk, HierarchyBuilder};
    /// let square = |x: f64| MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 10.0, y: 0.0),
    ///     (x: x + 10.0, y: 10.0), (x: x, y: 10.0)]]);
    /// let layer = |quarter_of_b2: &str| {
    ///     let mut b = HierarchyBuilder::new(["quartier", "baublock"]);
    ///     for (i, (q, id)) in [("Q1", "B1"), (quarter_of_b2, "B2"), ("Q2", "B3")].into_iter().enumerate() {
    ///         b.add_block(BlockFeature { feature: i, ids: vec![q.into(), id.into()], name: None,
    ///             geometry: square(10.0 * i as f64) });
    ///     }
    ///     b.build().map(|(h, _)| h)
    /// };
    /// // B2 moves from Q1 to Q2; B1 and B2 have one address each.
    /// let (old, new) = (layer("Q1")?, layer("Q2")?);
    /// let addresses = [Coord { x: 5.0, y: 5.0 }, Coord { x: 15.0, y: 5.0 }];
    /// let cw = Crosswalk::build(&old, &new, &addresses)?;
    /// let q = cw.level_weights(&old, &new, 0)?;
    /// let w: Vec<(usize, usize, f64, bool)> = q.iter().map(|l| (l.old, l.new, l.weight, l.estimated)).collect();
    /// // Q1 splits in halves; Q2 has no address and maps by area (estimated).
    /// assert_eq!(w, [(0, 0, 0.5, true), (0, 1, 0.5, true), (1, 1, 1.0, true)]);
    /// # Ok::<(), quartier::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrosswalkError::LayerMismatch`] when `old` or `new` is not the hierarchy the
    /// crosswalk was built from; [`CrosswalkError::LevelOutOfRange`] for a level index
    /// beyond the blocks.
    pub fn level_weights(
        &self,
        old: &Hierarchy,
        new: &Hierarchy,
        level: usize,
    ) -> Result<Vec<LevelLink>, CrosswalkError> {
        self.check_layers(old, new)?;
        let out_of_range = || CrosswalkError::LevelOutOfRange {
            level,
            levels: old.levels().len(),
        };
        let old_up = old
            .ancestors(old.block_level(), level)
            .ok_or_else(out_of_range)?;
        let new_up = new
            .ancestors(new.block_level(), level)
            .ok_or_else(out_of_range)?;
        let n_units = old.units(level).len();
        let mut unit_addresses = vec![0u64; n_units];
        let mut unit_area = vec![0.0f64; n_units];
        let mut unit_blocks = vec![0usize; n_units];
        let block_area: Vec<f64> = old
            .blocks()
            .iter()
            .map(|b| b.geometry().unsigned_area())
            .collect();
        for (o, &u) in old_up.iter().enumerate() {
            unit_addresses[u] += self.addresses[o];
            unit_area[u] += block_area[o];
            unit_blocks[u] += 1;
        }
        #[derive(Default)]
        struct Acc {
            count: u64,
            share: f64,
            area: bool,
        }
        let mut acc: BTreeMap<(usize, usize), Acc> = BTreeMap::new();
        for link in &self.links {
            let (u, v) = (old_up[link.old], new_up[link.new]);
            if unit_addresses[u] > 0 {
                // Blocks without addresses (area links) have s_o = 0.
                if link.method == CrosswalkMethod::Addresses {
                    acc.entry((u, v)).or_default().count += link.addresses;
                }
            } else {
                let s = if unit_area[u] > 0.0 {
                    block_area[link.old] / unit_area[u]
                } else {
                    1.0 / unit_blocks[u] as f64
                };
                let w = s * link.weight;
                if w > 0.0 {
                    let a = acc.entry((u, v)).or_default();
                    a.share += w;
                    a.area |= link.method == CrosswalkMethod::Area;
                }
            }
        }
        Ok(acc
            .into_iter()
            .map(|((u, v), a)| {
                let weight = if unit_addresses[u] > 0 {
                    a.count as f64 / unit_addresses[u] as f64
                } else {
                    a.share
                };
                LevelLink {
                    old: u,
                    new: v,
                    weight,
                    estimated: a.area || weight < 1.0,
                }
            })
            .filter(|l| l.weight > 0.0)
            .collect())
    }

    /// Checks that `old` and `new` have the block ids the crosswalk was built from.
    fn check_layers(&self, old: &Hierarchy, new: &Hierarchy) -> Result<(), CrosswalkError> {
        for (layer, ids, h) in [("old", &self.old_ids, old), ("new", &self.new_ids, new)] {
            let blocks = h.blocks();
            let differs = ids
                .iter()
                .zip(blocks)
                .position(|(id, b)| id != b.id())
                .or_else(|| (ids.len() != blocks.len()).then(|| ids.len().min(blocks.len())));
            if let Some(position) = differs {
                return Err(CrosswalkError::LayerMismatch { layer, position });
            }
        }
        Ok(())
    }
}

/// The block position of every address in `h` (no snapping); `None` outside.
fn locate(
    h: &Hierarchy,
    addresses: &[Coord<f64>],
    layer: &'static str,
) -> Result<Vec<Option<usize>>, CrosswalkError> {
    let index = |source| CrosswalkError::Index { layer, source };
    let ix = UnitIndex::from_hierarchy(h, h.block_level()).map_err(index)?;
    let xs: Vec<f64> = addresses.iter().map(|c| c.x).collect();
    let ys: Vec<f64> = addresses.iter().map(|c| c.y).collect();
    let a = ix
        .assign(&xs, &ys, &AssignOptions::default())
        .map_err(index)?;
    Ok(a.units().iter().map(|&u| usize::try_from(u).ok()).collect())
}

/// Per old block of `blocks`: the new blocks it overlaps beyond slivers, with the overlap
/// area (m²), sorted by new block.
fn area_links(old: &Hierarchy, new: &Hierarchy, blocks: &[usize]) -> Vec<Vec<(usize, f64)>> {
    if blocks.is_empty() {
        return Vec::new();
    }
    let tree = RTree::bulk_load(
        new.blocks()
            .iter()
            .enumerate()
            .filter_map(|(n, b)| {
                let r = b.geometry().bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    n,
                ))
            })
            .collect(),
    );
    blocks
        .par_iter()
        .map(|&o| {
            let geometry: &MultiPolygon<f64> = old.blocks()[o].geometry();
            let Some(r) = geometry.bounding_rect() else {
                return Vec::new();
            };
            let own = geometry.unsigned_area();
            let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            let mut overlaps: Vec<(usize, f64)> = tree
                .locate_in_envelope_intersecting(&envelope)
                .filter_map(|c| {
                    let area = geometry
                        .intersection(new.blocks()[c.data].geometry())
                        .unsigned_area();
                    (area >= MIN_OVERLAP_M2 && area >= MIN_OVERLAP_SHARE * own)
                        .then_some((c.data, area))
                })
                .collect();
            overlaps.sort_by_key(|&(n, _)| n);
            overlaps
        })
        .collect()
}

/// Checks that both layers have the same levels and a common id scheme (module decisions).
fn check_id_scheme(old: &Hierarchy, new: &Hierarchy) -> Result<(), CrosswalkError> {
    let (lo, ln) = (old.levels(), new.levels());
    if lo != ln {
        let i = lo
            .iter()
            .zip(ln)
            .position(|(a, b)| a != b)
            .unwrap_or(lo.len().min(ln.len()));
        let name = |l: &[String]| l.get(i).cloned().unwrap_or_else(|| "(none)".to_owned());
        return Err(CrosswalkError::IdScheme {
            level: i.to_string(),
            reason: IdSchemeReason::LevelNames,
            old: name(lo),
            new: name(ln),
        });
    }
    for (level, name) in lo.iter().enumerate().take(old.block_level()) {
        let ids = |h: &Hierarchy| -> BTreeSet<UnitId> {
            h.units(level).iter().map(|u| u.id().clone()).collect()
        };
        let (a, b) = (ids(old), ids(new));
        let reason = if level == 0 {
            (a != b).then_some(IdSchemeReason::TopLevelIds)
        } else {
            a.is_disjoint(&b).then_some(IdSchemeReason::NoCommonId)
        };
        if let Some(reason) = reason {
            // An id of one side the other lacks, else the side's first id.
            let example = |x: &BTreeSet<UnitId>, y: &BTreeSet<UnitId>| {
                x.difference(y)
                    .next()
                    .or_else(|| x.first())
                    .map_or_else(|| "(none)".to_owned(), ToString::to_string)
            };
            return Err(CrosswalkError::IdScheme {
                level: name.clone(),
                reason,
                old: example(&a, &b),
                new: example(&b, &a),
            });
        }
    }
    Ok(())
}

/// One level of [`Reaggregated`].
#[derive(Debug, Clone, PartialEq)]
struct ReaggregatedLevel {
    name: String,
    /// `(unit id, parent id)` per unit of the new hierarchy's level, in its order.
    units: Vec<(UnitId, Option<UnitId>)>,
    /// Unit-major: per unit, the categories then the total.
    values: Vec<Option<f64>>,
    estimated: Vec<bool>,
}

/// Protected tables of an old layer re-aggregated onto a new layer ([`reaggregate`]).
///
/// # Layout
///
/// The levels of the new hierarchy from the top down to the re-aggregated level; per level
/// its units in the new hierarchy's order (positions are those of
/// [`Hierarchy::units`]); per unit one value per column: the categories of
/// [`Reaggregated::categories`] in order, then the row total. A value is `f64` (weights are
/// fractional) or `None` when unknown (a contributing cell was suppressed, or no old unit
/// maps to the unit); each value has an `estimated` flag.
#[derive(Debug, Clone, PartialEq)]
pub struct Reaggregated {
    dataset: RecordKind,
    categories: CategorySet,
    levels: Vec<ReaggregatedLevel>,
}

impl Reaggregated {
    /// The dataset of the tables.
    pub fn dataset(&self) -> RecordKind {
        self.dataset
    }

    /// The category set; each unit has these columns, then the row total.
    pub fn categories(&self) -> &CategorySet {
        &self.categories
    }

    /// The level names, from the top down to the re-aggregated level.
    pub fn levels(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.levels.iter().map(|l| l.name.as_str())
    }

    fn level(&self, level: &str) -> Option<&ReaggregatedLevel> {
        self.levels.iter().find(|l| l.name == level)
    }

    fn columns(&self) -> usize {
        self.categories.len() + 1
    }

    /// The values of unit `unit` (its position in the new hierarchy's level): categories
    /// then total. `None` for an unknown level or position.
    pub fn values(&self, level: &str, unit: usize) -> Option<&[Option<f64>]> {
        let cols = self.columns();
        self.level(level)?
            .values
            .get(unit * cols..(unit + 1) * cols)
    }

    /// Which values of [`Reaggregated::values`] are estimated.
    pub fn estimated(&self, level: &str, unit: usize) -> Option<&[bool]> {
        let cols = self.columns();
        self.level(level)?
            .estimated
            .get(unit * cols..(unit + 1) * cols)
    }

    /// Every estimated cell as `(level, unit id, category label or "total")`, in layout
    /// order.
    pub fn estimated_cells(&self) -> impl Iterator<Item = (&str, &str, &str)> + '_ {
        let cols = self.columns();
        self.levels.iter().flat_map(move |l| {
            l.estimated
                .iter()
                .enumerate()
                .filter(|(_, e)| **e)
                .map(move |(i, _)| {
                    let category = self
                        .categories
                        .labels()
                        .get(i % cols)
                        .map_or(TOTAL, String::as_str);
                    (l.name.as_str(), l.units[i / cols].0.as_str(), category)
                })
        })
    }

    /// The re-aggregated tables as [`ProtectedTables`] on the new hierarchy down to the
    /// re-aggregated level: every value rounded to the nearest integer and
    /// [`CellStatus::Published`], every unknown value [`CellStatus::Secondary`].
    ///
    /// Rounding is per cell, so rounded parts may not add up to their rounded total exactly;
    /// the `f64` values do. Estimated flags are not carried (keep this value for them).
    ///
    /// # Errors
    ///
    /// [`CrosswalkError::Inconsistent`] if the cells do not form tables (a bug).
    pub fn to_protected(&self) -> Result<ProtectedTables, CrosswalkError> {
        let cols = self.columns();
        let layers: Vec<LayerParts> = self
            .levels
            .iter()
            .map(|l| (l.name.clone(), LayerKind::Level, l.units.clone()))
            .collect();
        let mut cells: Vec<CellParts> = Vec::new();
        for (li, l) in self.levels.iter().enumerate() {
            for (i, value) in l.values.iter().enumerate() {
                let category = (i % cols < self.categories.len()).then_some(i % cols);
                // ok: values are finite and non-negative; `as` saturates.
                let value = value.map(|v| v.round().max(0.0) as u64);
                let status = if value.is_some() {
                    CellStatus::Published
                } else {
                    CellStatus::Secondary
                };
                cells.push((li, i / cols, category, value, status));
            }
        }
        ProtectedTables::from_parts(self.dataset, layers, cells).map_err(|cell| {
            CrosswalkError::Inconsistent {
                dataset: self.dataset.name(),
                cell,
            }
        })
    }
}

/// Re-aggregates the cells of level `level` of `tables` (protected on the `old` layer) onto
/// the `new` layer: for every unit `V` of `level` in `new` and every column, `Σ_U w(U→V) ·
/// x(U)` over the old units `U` with a link of positive weight into `V`
/// ([`Crosswalk::level_weights`]). A value is `None` when any contributing cell is
/// suppressed or no old unit maps to `V`, and estimated when any contributing link is.
/// Levels above `level` are summed from the re-aggregated cells (`None` if any part is,
/// estimated if any part is); levels below are not produced. Other groupings in `tables`
/// are ignored.
///
/// # Examples
///
/// ```
/// use geo::{Coord, MultiPolygon, polygon};
/// use quartier::{AnonymizeSpec, BlockFeature, Crosswalk, FrequencyRule, HierarchyBuilder,
///     Position, Records, Resident, Zeros, anonymize, reaggregate};
///
/// let square = |x: f64| MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 10.0, y: 0.0),
///     (x: x + 10.0, y: 10.0), (x: x, y: 10.0)]]);
/// let layer = |quarter_of_b2: &str| {
///     let mut b = HierarchyBuilder::new(["gemeinde", "quartier", "baublock"]);
///     for (i, (q, id)) in [("Q1", "B1"), (quarter_of_b2, "B2"), ("Q2", "B3")].into_iter().enumerate() {
///         b.add_block(BlockFeature { feature: i, ids: vec!["G".into(), q.into(), id.into()],
///             name: None, geometry: square(10.0 * i as f64) });
///     }
///     b.build().map(|(h, _)| h)
/// };
/// let (old, new) = (layer("Q1")?, layer("Q2")?);
/// // Four residents in Q1 (B1), four in Q2 (B3); no suppression with k = 1.
/// let at = |x: f64| Resident { position: Some(Position::new(x, 5.0)), age: 30 };
/// let records = Records::new(vec![at(5.0), at(5.0), at(5.0), at(5.0), at(25.0), at(25.0),
///     at(25.0), at(25.0)], vec![], vec![]);
/// let spec = AnonymizeSpec { rule: FrequencyRule { k: 1, zeros: Zeros::Publish },
///     ..AnonymizeSpec::default() };
/// let out = anonymize(&records, &old, &spec)?;
/// let tables = &out.tables()[0];
/// // One address in B1, one in B2: half of Q1 moves to Q2.
/// let addresses = [Coord { x: 5.0, y: 5.0 }, Coord { x: 15.0, y: 5.0 }];
/// let cw = Crosswalk::build(&old, &new, &addresses)?;
/// let r = reaggregate(tables, &old, &new, &cw, "quartier")?;
/// assert_eq!(r.values("quartier", 0).and_then(|v| *v.last()?), Some(2.0));
/// assert_eq!(r.values("quartier", 1).and_then(|v| *v.last()?), Some(6.0));
/// assert_eq!(r.values("gemeinde", 0).and_then(|v| *v.last()?), Some(8.0));
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`CrosswalkError::UnknownLevel`] when `level` is no level of the hierarchies;
/// [`CrosswalkError::NoCells`] when `tables` has no cell on it;
/// [`CrosswalkError::UnknownUnit`] / [`CrosswalkError::MissingCell`] when its cells do not
/// match the old hierarchy's units; those of [`Crosswalk::level_weights`].
pub fn reaggregate(
    tables: &ProtectedTables,
    old: &Hierarchy,
    new: &Hierarchy,
    crosswalk: &Crosswalk,
    level: &str,
) -> Result<Reaggregated, CrosswalkError> {
    let dataset = tables.dataset().name();
    let (Some(l), Some(nl)) = (old.level(level), new.level(level)) else {
        return Err(CrosswalkError::UnknownLevel {
            level: level.to_owned(),
            known: old.levels().join(", "),
        });
    };
    let links = crosswalk.level_weights(old, new, l)?;
    let categories = tables.categories().clone();
    let cols = categories.len() + 1;

    // Old cells: outer None = missing, inner None = suppressed.
    let mut x: Vec<Option<Option<u64>>> = vec![None; old.units(l).len() * cols];
    let mut any = false;
    for row in tables.rows() {
        if row.layer_kind != LayerKind::Level || row.layer != level {
            continue;
        }
        any = true;
        let unknown = || CrosswalkError::UnknownUnit {
            dataset,
            level: level.to_owned(),
            unit: UnitId::new(row.unit_id),
        };
        let u = old.position(l, row.unit_id).ok_or_else(unknown)?;
        let c = categories
            .labels()
            .iter()
            .position(|c| c == row.category)
            .or_else(|| (row.category == TOTAL).then_some(categories.len()))
            .ok_or_else(unknown)?;
        x[u * cols + c] = Some(row.value);
    }
    if !any {
        return Err(CrosswalkError::NoCells {
            dataset,
            level: level.to_owned(),
        });
    }
    if let Some(i) = x.iter().position(Option::is_none) {
        return Err(CrosswalkError::MissingCell {
            dataset,
            level: level.to_owned(),
            unit: old.units(l)[i / cols].id().clone(),
        });
    }

    let n_new = new.units(nl).len();
    let mut values: Vec<Option<f64>> = vec![Some(0.0); n_new * cols];
    let mut estimated = vec![false; n_new * cols];
    let mut reached = vec![false; n_new];
    for link in &links {
        reached[link.new] = true;
        for c in 0..cols {
            let target = &mut values[link.new * cols + c];
            match (x[link.old * cols + c], target.as_mut()) {
                (Some(Some(n)), Some(sum)) => *sum += link.weight * n as f64,
                _ => *target = None,
            }
            estimated[link.new * cols + c] |= link.estimated;
        }
    }
    for (v, _) in reached.iter().enumerate().filter(|(_, r)| !**r) {
        values[v * cols..(v + 1) * cols].fill(None);
    }

    let units = |a: usize| -> Vec<(UnitId, Option<UnitId>)> {
        let parents = a.checked_sub(1).map(|p| new.units(p));
        new.units(a)
            .iter()
            .map(|u| {
                let parent = u
                    .parent()
                    .and_then(|p| parents.and_then(|ps| ps.get(p)))
                    .map(|p| p.id().clone());
                (u.id().clone(), parent)
            })
            .collect()
    };
    let mut levels = Vec::with_capacity(nl + 1);
    for a in 0..nl {
        // ok: a < nl, both levels exist.
        let up = new.ancestors(nl, a).unwrap_or_default();
        let mut sums: Vec<Option<f64>> = vec![Some(0.0); new.units(a).len() * cols];
        for (v, &p) in up.iter().enumerate() {
            for c in 0..cols {
                let target = &mut sums[p * cols + c];
                match (values[v * cols + c], target.as_mut()) {
                    (Some(x), Some(sum)) => *sum += x,
                    _ => *target = None,
                }
            }
        }
        // Estimated on this level's own crosswalk: a town whose quarters were re-cut among
        // themselves is still counted exactly (its weight is 1).
        let mut est = vec![false; sums.len()];
        for link in crosswalk.level_weights(old, new, a)? {
            if link.estimated {
                est[link.new * cols..(link.new + 1) * cols].fill(true);
            }
        }
        levels.push(ReaggregatedLevel {
            name: new.levels()[a].clone(),
            units: units(a),
            values: sums,
            estimated: est,
        });
    }
    levels.push(ReaggregatedLevel {
        name: new.levels()[nl].clone(),
        units: units(nl),
        values,
        estimated,
    });
    Ok(Reaggregated {
        dataset: tables.dataset(),
        categories,
        levels,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hierarchy::{BlockFeature, HierarchyBuilder};
    use geo::polygon;

    const LEVELS: [&str; 3] = ["gemeinde", "quartier", "baublock"];

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
        ])
    }

    /// A layer of blocks `(gemeinde, quartier, block, geometry)`.
    fn layer(blocks: &[(&str, &str, &str, MultiPolygon<f64>)]) -> Hierarchy {
        layer_with(&LEVELS, blocks)
    }

    fn layer_with(levels: &[&str], blocks: &[(&str, &str, &str, MultiPolygon<f64>)]) -> Hierarchy {
        let mut b = HierarchyBuilder::new(levels.iter().copied());
        for (i, (g, q, id, geometry)) in blocks.iter().enumerate() {
            b.add_block(BlockFeature {
                feature: i,
                ids: vec![(*g).into(), (*q).into(), (*id).into()],
                name: None,
                geometry: geometry.clone(),
            });
        }
        b.build().unwrap().0
    }

    /// The 2×2 town: Q1 = B1 (south-west), B3 (north-west); Q2 = B2 (south-east), B4
    /// (north-east); 100 m squares.
    fn two_by_two() -> Hierarchy {
        layer(&[
            ("G", "Q1", "B1", rect(0.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q1", "B3", rect(0.0, 100.0, 100.0, 200.0)),
            ("G", "Q2", "B4", rect(100.0, 100.0, 200.0, 200.0)),
        ])
    }

    /// `n` address points around `(x, y)`, 1 m apart.
    fn points(n: usize, x: f64, y: f64) -> Vec<Coord<f64>> {
        (0..n).map(|i| Coord { x: x + i as f64, y }).collect()
    }

    /// Child-support tables (3 categories + total) on `h` down to level `finest`; `value`
    /// gives (level, unit position, column) → value, `None` = suppressed.
    fn tables(
        h: &Hierarchy,
        finest: usize,
        value: impl Fn(usize, usize, usize) -> Option<u64>,
    ) -> ProtectedTables {
        let kind = RecordKind::ChildSupport;
        let cols = kind.categories().len() + 1;
        let mut layers = Vec::new();
        let mut cells = Vec::new();
        for l in 0..=finest {
            let units: Vec<(UnitId, Option<UnitId>)> = h
                .units(l)
                .iter()
                .map(|u| {
                    let parent = u.parent().map(|p| h.units(l - 1)[p].id().clone());
                    (u.id().clone(), parent)
                })
                .collect();
            for u in 0..units.len() {
                for c in 0..cols {
                    let v = value(l, u, c);
                    let status = if v.is_some() {
                        CellStatus::Published
                    } else {
                        CellStatus::Primary
                    };
                    cells.push((l, u, (c + 1 < cols).then_some(c), v, status));
                }
            }
            layers.push((h.levels()[l].clone(), LayerKind::Level, units));
        }
        ProtectedTables::from_parts(kind, layers, cells).unwrap()
    }

    /// Quarter values: Q1 = [1, 2, 4 | 7], Q2 = [10, 20, 40 | 70]; the Gemeinde their sum.
    fn quarter_value(l: usize, u: usize, c: usize) -> Option<u64> {
        let q = [[1, 2, 4, 7], [10, 20, 40, 70]];
        Some(match l {
            0 => q[0][c] + q[1][c],
            1 => q[u][c],
            _ => 0,
        })
    }

    fn weights(links: &[LevelLink]) -> Vec<(usize, usize, f64, bool)> {
        links
            .iter()
            .map(|l| (l.old, l.new, l.weight, l.estimated))
            .collect()
    }

    fn block_links(cw: &Crosswalk) -> Vec<(usize, usize, f64, CrosswalkMethod)> {
        cw.links()
            .iter()
            .map(|l| (l.old, l.new, l.weight, l.method))
            .collect()
    }

    fn addresses_everywhere() -> Vec<Coord<f64>> {
        let mut a = points(2, 50.0, 50.0);
        a.extend(points(1, 150.0, 50.0));
        a.extend(points(2, 50.0, 150.0));
        a.extend(points(1, 150.0, 150.0));
        a
    }

    #[test]
    fn an_unchanged_layer_is_exact_and_reaggregates_to_itself() {
        let h = two_by_two();
        let cw = Crosswalk::build(&h, &h, &addresses_everywhere()).unwrap();
        assert_eq!(
            block_links(&cw),
            (0..4)
                .map(|b| (b, b, 1.0, CrosswalkMethod::Addresses))
                .collect::<Vec<_>>()
        );
        assert!((0..4).all(|b| cw.exact(b)));
        assert_eq!(
            weights(&cw.level_weights(&h, &h, 1).unwrap()),
            [(0, 0, 1.0, false), (1, 1, 1.0, false)]
        );
        let r = reaggregate(&tables(&h, 1, quarter_value), &h, &h, &cw, "quartier").unwrap();
        assert_eq!(r.levels().collect::<Vec<_>>(), ["gemeinde", "quartier"]);
        for (level, l) in [("gemeinde", 0), ("quartier", 1)] {
            for u in 0..h.units(l).len() {
                let expected: Vec<Option<f64>> = (0..4)
                    .map(|c| quarter_value(l, u, c).map(|v| v as f64))
                    .collect();
                assert_eq!(r.values(level, u).unwrap(), expected.as_slice());
            }
        }
        assert_eq!(r.estimated_cells().count(), 0);
        assert!(r.values("quartier", 2).is_none() && r.values("baublock", 0).is_none());
    }

    #[test]
    fn a_split_block_is_weighed_by_its_addresses() {
        let old = two_by_two();
        let new = layer(&[
            ("G", "Q1", "B1a", rect(0.0, 0.0, 50.0, 100.0)),
            ("G", "Q1", "B1b", rect(50.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q1", "B3", rect(0.0, 100.0, 100.0, 200.0)),
            ("G", "Q2", "B4", rect(100.0, 100.0, 200.0, 200.0)),
        ]);
        // B1: 3 addresses west of x = 50, 1 east of it.
        let mut a = points(3, 10.0, 50.0);
        a.extend(points(1, 80.0, 50.0));
        a.extend(points(1, 150.0, 50.0));
        a.extend(points(1, 50.0, 150.0));
        a.extend(points(1, 150.0, 150.0));
        let cw = Crosswalk::build(&old, &new, &a).unwrap();
        let m = CrosswalkMethod::Addresses;
        assert_eq!(
            block_links(&cw),
            [
                (0, 0, 0.75, m),
                (0, 1, 0.25, m),
                (1, 2, 1.0, m),
                (2, 3, 1.0, m),
                (3, 4, 1.0, m)
            ]
        );
        assert_eq!((cw.addresses(0), cw.links()[0].addresses), (4, 3));
        assert!(!cw.exact(0) && cw.exact(1) && !cw.exact(9));
        // The quarters stay whole: exact.
        assert_eq!(
            weights(&cw.level_weights(&old, &new, 1).unwrap()),
            [(0, 0, 1.0, false), (1, 1, 1.0, false)]
        );
        // On the blocks, B1's 8 cases split 6 / 2, both estimated.
        let t = tables(&old, 2, |l, u, c| {
            Some(if l == 2 && u == 0 { 8 } else { 1 } * (c as u64 + 1))
        });
        let r = reaggregate(&t, &old, &new, &cw, "baublock").unwrap();
        assert_eq!(r.values("baublock", 0).unwrap()[3], Some(0.75 * 32.0));
        assert_eq!(r.values("baublock", 1).unwrap()[0], Some(2.0));
        assert_eq!(r.estimated("baublock", 1).unwrap(), [true; 4]);
        assert_eq!(r.estimated("baublock", 2).unwrap(), [false; 4]);
        // Q1 = B1a + B1b + B3 = 8 + 1 (× column number).
        assert_eq!(r.values("quartier", 0).unwrap()[1], Some(18.0));
        let cells: Vec<_> = r.estimated_cells().collect();
        // Q1 and G are exact: the quarter stays whole, its lifted weight is 1.
        assert_eq!(cells.len(), 2 * 4, "B1a and B1b");
        assert_eq!(cells[0], ("baublock", "B1a", "0-5"));
        assert!(cells.contains(&("baublock", "B1b", "total")));
    }

    /// B3 (north-west) moves from Q1 to Q2.
    fn moved() -> (Hierarchy, Hierarchy, Crosswalk) {
        let old = two_by_two();
        let new = layer(&[
            ("G", "Q1", "B1", rect(0.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q2", "B3", rect(0.0, 100.0, 100.0, 200.0)),
            ("G", "Q2", "B4", rect(100.0, 100.0, 200.0, 200.0)),
        ]);
        let cw = Crosswalk::build(&old, &new, &addresses_everywhere()).unwrap();
        (old, new, cw)
    }

    #[test]
    fn a_block_moved_to_another_quarter_splits_the_quarter() {
        let (old, new, cw) = moved();
        assert!((0..4).all(|b| cw.exact(b)));
        // Q1 had 2 + 2 addresses, B3's two moved: half of Q1 goes to Q2.
        assert_eq!(
            weights(&cw.level_weights(&old, &new, 1).unwrap()),
            [(0, 0, 0.5, true), (0, 1, 0.5, true), (1, 1, 1.0, false)]
        );
        assert_eq!(
            weights(&cw.level_weights(&old, &new, 0).unwrap()),
            [(0, 0, 1.0, false)]
        );
        let r = reaggregate(&tables(&old, 1, quarter_value), &old, &new, &cw, "quartier").unwrap();
        assert_eq!(
            r.values("quartier", 0).unwrap(),
            [Some(0.5), Some(1.0), Some(2.0), Some(3.5)]
        );
        assert_eq!(
            r.values("quartier", 1).unwrap(),
            [Some(10.5), Some(21.0), Some(42.0), Some(73.5)]
        );
        assert_eq!(
            r.values("gemeinde", 0).unwrap(),
            [Some(11.0), Some(22.0), Some(44.0), Some(77.0)]
        );
        assert_eq!(r.estimated("quartier", 1).unwrap(), [true; 4]);
        // The town is the town: exact, however its quarters were re-cut.
        assert_eq!(r.estimated("gemeinde", 0).unwrap(), [false; 4]);
    }

    #[test]
    fn a_suppressed_cell_makes_every_cell_it_contributes_to_unknown() {
        let (old, new, cw) = moved();
        // Q1's first category is suppressed.
        let t = tables(&old, 1, |l, u, c| {
            if l == 1 && u == 0 && c == 0 {
                None
            } else {
                quarter_value(l, u, c)
            }
        });
        let r = reaggregate(&t, &old, &new, &cw, "quartier").unwrap();
        assert_eq!(r.values("quartier", 0).unwrap()[..2], [None, Some(1.0)]);
        assert_eq!(r.values("quartier", 1).unwrap()[..2], [None, Some(21.0)]);
        assert_eq!(r.values("gemeinde", 0).unwrap()[..2], [None, Some(22.0)]);
        // Where Q1 stays whole, Q2 is untouched by it.
        let r = reaggregate(
            &t,
            &old,
            &old,
            &Crosswalk::build(&old, &old, &addresses_everywhere()).unwrap(),
            "quartier",
        )
        .unwrap();
        assert_eq!(r.values("quartier", 1).unwrap()[0], Some(10.0));
        assert_eq!(r.values("quartier", 0).unwrap()[0], None);
    }

    #[test]
    fn to_protected_rounds_each_cell_and_marks_unknown_ones_secondary() {
        let (old, new, cw) = moved();
        let t = tables(&old, 1, |l, u, c| {
            if l == 1 && u == 1 && c == 2 {
                None
            } else {
                quarter_value(l, u, c)
            }
        });
        let p = reaggregate(&t, &old, &new, &cw, "quartier")
            .unwrap()
            .to_protected()
            .unwrap();
        type Row<'a> = (
            &'a str,
            &'a str,
            Option<&'a str>,
            &'a str,
            Option<u64>,
            CellStatus,
        );
        let rows: Vec<Row<'_>> = p
            .rows()
            .map(|r| {
                (
                    r.layer,
                    r.unit_id,
                    r.parent_id,
                    r.category,
                    r.value,
                    r.status,
                )
            })
            .collect();
        let (pb, sc) = (CellStatus::Published, CellStatus::Secondary);
        assert_eq!(
            rows,
            [
                ("gemeinde", "G", None, "0-5", Some(11), pb),
                ("gemeinde", "G", None, "6-11", Some(22), pb),
                ("gemeinde", "G", None, "12+", None, sc),
                ("gemeinde", "G", None, "total", Some(77), pb),
                // 0.5 → 1 and 3.5 → 4: halves round away from zero
                ("quartier", "Q1", Some("G"), "0-5", Some(1), pb),
                ("quartier", "Q1", Some("G"), "6-11", Some(1), pb),
                ("quartier", "Q1", Some("G"), "12+", Some(2), pb),
                ("quartier", "Q1", Some("G"), "total", Some(4), pb),
                // 10.5 → 11, 73.5 → 74: the rounded parts (11 + 21) do not add up
                ("quartier", "Q2", Some("G"), "0-5", Some(11), pb),
                ("quartier", "Q2", Some("G"), "6-11", Some(21), pb),
                ("quartier", "Q2", Some("G"), "12+", None, sc),
                ("quartier", "Q2", Some("G"), "total", Some(74), pb),
            ]
        );
    }

    #[test]
    fn an_address_less_block_is_weighed_by_area() {
        let old = two_by_two();
        // B3 grows 20 m east into the old B4.
        let new = layer(&[
            ("G", "Q1", "B1", rect(0.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q1", "B3", rect(0.0, 100.0, 120.0, 200.0)),
            ("G", "Q2", "B4", rect(120.0, 100.0, 200.0, 200.0)),
        ]);
        // Addresses in Q1 only.
        let mut a = points(2, 50.0, 50.0);
        a.extend(points(2, 50.0, 150.0));
        let cw = Crosswalk::build(&old, &new, &a).unwrap();
        let (ad, ar) = (CrosswalkMethod::Addresses, CrosswalkMethod::Area);
        let links = block_links(&cw);
        assert_eq!(
            links[..3],
            [(0, 0, 1.0, ad), (1, 1, 1.0, ar), (2, 2, 1.0, ad)]
        );
        // Old B4 overlaps the new B3 in 20 m × 100 m, the new B4 in 80 m × 100 m.
        assert_eq!(links[3..].len(), 2);
        for (got, want) in links[3..].iter().zip([(3, 2, 0.2), (3, 3, 0.8)]) {
            assert_eq!((got.0, got.1, got.3), (want.0, want.1, ar));
            assert!((got.2 - want.2).abs() < 1e-12, "{got:?}");
        }
        assert!(!cw.exact(1) && !cw.exact(3));
        // Q2 has no address: its blocks weigh by area, half each; 0.5 · 0.2 of it goes to Q1.
        let q = cw.level_weights(&old, &new, 1).unwrap();
        assert_eq!(
            q.iter()
                .map(|l| (l.old, l.new, l.estimated))
                .collect::<Vec<_>>(),
            [(0, 0, false), (1, 0, true), (1, 1, true)]
        );
        assert!((q[1].weight - 0.1).abs() < 1e-12 && (q[2].weight - 0.9).abs() < 1e-12);
    }

    #[test]
    fn slivers_are_ignored() {
        let old = two_by_two();
        // New B3 reaches 5 cm into the old B4: 5 m², under 0.1 % of its 10,000 m².
        let new = layer(&[
            ("G", "Q1", "B1", rect(0.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q1", "B3", rect(0.0, 100.0, 100.05, 200.0)),
            ("G", "Q2", "B4", rect(100.05, 100.0, 200.0, 200.0)),
        ]);
        let cw = Crosswalk::build(&old, &new, &points(1, 50.0, 50.0)).unwrap();
        assert_eq!(cw.links_of(3).len(), 1);
        assert_eq!((cw.links_of(3)[0].new, cw.links_of(3)[0].weight), (3, 1.0));
        // A 0.5 m² overlap of a 400 m² block (0.125 %) is under 1 m²: the new B1 reaches
        // 5 mm into the old B2.
        let small = |x: f64| {
            layer(&[
                ("G", "Q1", "B1", rect(0.0, 0.0, x, 100.0)),
                ("G", "Q1", "B2", rect(x, 0.0, 104.0, 100.0)),
                ("G", "Q2", "B3", rect(104.0, 0.0, 200.0, 100.0)),
            ])
        };
        let old = small(100.0);
        let cw = Crosswalk::build(&old, &small(100.005), &points(1, 50.0, 50.0)).unwrap();
        assert_eq!(cw.links_of(1).len(), 1);
        // A 1.5 m² overlap is kept.
        let cw = Crosswalk::build(&old, &small(100.015), &points(1, 50.0, 50.0)).unwrap();
        let kept: Vec<usize> = cw.links_of(1).iter().map(|l| l.new).collect();
        assert_eq!(kept, [0, 1]);
        // (geo's intersection works on a snapped integer grid: about 1e-6 m² off here)
        assert!(
            (cw.links_of(1)[0].weight - 1.5 / 400.0).abs() < 1e-8,
            "{:?}",
            cw.links_of(1)
        );
    }

    #[test]
    fn a_block_that_maps_nowhere_is_named() {
        let mut blocks = vec![
            ("G", "Q1", "B1", rect(0.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
        ];
        let new = layer(&blocks);
        blocks.push(("G", "Q2", "B9", rect(1000.0, 0.0, 1100.0, 100.0)));
        let old = layer(&blocks);
        // B9's only address lies outside the new layer.
        let mut a = points(1, 50.0, 50.0);
        a.extend(points(1, 1050.0, 50.0));
        let err = Crosswalk::build(&old, &new, &a).unwrap_err();
        assert!(matches!(&err, CrosswalkError::Unmapped { block } if block.as_str() == "B9"));
        assert!(
            err.to_string().contains("old block B9 maps nowhere"),
            "{err}"
        );
    }

    #[test]
    fn a_new_unit_that_nothing_maps_to_is_unknown() {
        let old = two_by_two();
        let mut blocks = vec![
            ("G", "Q1", "B1", rect(0.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q1", "B3", rect(0.0, 100.0, 100.0, 200.0)),
            ("G", "Q2", "B4", rect(100.0, 100.0, 200.0, 200.0)),
        ];
        blocks.push(("G", "Q3", "B5", rect(1000.0, 0.0, 1100.0, 100.0)));
        let new = layer(&blocks);
        let cw = Crosswalk::build(&old, &new, &addresses_everywhere()).unwrap();
        let r = reaggregate(&tables(&old, 1, quarter_value), &old, &new, &cw, "quartier").unwrap();
        assert_eq!(r.values("quartier", 2).unwrap(), [None; 4]);
        assert_eq!(r.values("quartier", 1).unwrap()[3], Some(70.0));
        assert_eq!(r.values("gemeinde", 0).unwrap()[3], None);
    }

    #[test]
    fn different_id_schemes_are_refused() {
        let old = two_by_two();
        let blocks = |g: &'static str, q: [&'static str; 2]| {
            vec![
                (g, q[0], "B1", rect(0.0, 0.0, 100.0, 100.0)),
                (g, q[1], "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ]
        };
        let names = layer_with(
            &["gemeinde", "quarter", "baublock"],
            &blocks("G", ["Q1", "Q2"]),
        );
        let top = layer(&blocks("H", ["Q1", "Q2"]));
        let quarters = layer(&blocks("G", ["R1", "R2"]));
        let cases = [
            (
                names,
                IdSchemeReason::LevelNames,
                "level 1 is `quartier` in the old layer and `quarter` in the new one",
            ),
            (
                top,
                IdSchemeReason::TopLevelIds,
                "the gemeinde ids differ (old e.g. `G`, new e.g. `H`)",
            ),
            (
                quarters,
                IdSchemeReason::NoCommonId,
                "no quartier id is in both (old e.g. `Q1`, new e.g. `R1`)",
            ),
        ];
        for (new, want, message) in cases {
            let err = Crosswalk::build(&old, &new, &[]).unwrap_err();
            assert!(
                matches!(err, CrosswalkError::IdScheme { reason, .. } if reason == want),
                "{err}"
            );
            assert!(err.to_string().contains(message), "{err}");
        }
        // A layer without the block level.
        let mut fewer = HierarchyBuilder::new(["gemeinde", "quartier"]);
        fewer.add_block(BlockFeature {
            feature: 0,
            ids: vec!["G".into(), "Q1".into()],
            name: None,
            geometry: rect(0.0, 0.0, 1.0, 1.0),
        });
        let fewer = fewer.build().unwrap().0;
        let err = Crosswalk::build(&old, &fewer, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the block layers have different levels: level 2 is `baublock` in the old layer and `(none)` in the new one"
        );
    }

    #[test]
    fn other_layers_and_levels_are_refused() {
        let (old, new, cw) = moved();
        let err = cw.level_weights(&old, &two_by_two_plus(), 1).unwrap_err();
        assert!(
            matches!(
                err,
                CrosswalkError::LayerMismatch {
                    layer: "new",
                    position: 4
                }
            ),
            "{err}"
        );
        assert!(matches!(
            cw.level_weights(&old, &new, 3).unwrap_err(),
            CrosswalkError::LevelOutOfRange {
                level: 3,
                levels: 3
            }
        ));
        let t = tables(&old, 1, quarter_value);
        let err = reaggregate(&t, &old, &new, &cw, "baublock").unwrap_err();
        assert!(matches!(err, CrosswalkError::NoCells { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the protected child_support tables have no cells on level baublock"
        );
        let err = reaggregate(&t, &old, &new, &cw, "block").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown level block; the levels are gemeinde, quartier, baublock"
        );
        // Tables of another layer name a unit the old hierarchy lacks.
        let other = layer(&[("G", "Q9", "B1", rect(0.0, 0.0, 1.0, 1.0))]);
        let err = reaggregate(
            &tables(&other, 1, |_, _, _| Some(0)),
            &old,
            &new,
            &cw,
            "quartier",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the protected child_support tables name unit Q9 on level quartier, which the old hierarchy lacks"
        );
    }

    #[test]
    fn links_read_back_make_the_same_crosswalk_or_are_refused() {
        let old = two_by_two();
        let new = layer(&[
            ("G", "Q1", "B1a", rect(0.0, 0.0, 50.0, 100.0)),
            ("G", "Q1", "B1b", rect(50.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q1", "B3", rect(0.0, 100.0, 100.0, 200.0)),
            ("G", "Q2", "B4", rect(100.0, 100.0, 200.0, 200.0)),
        ]);
        // B1: 3 + 1 addresses; B3 one; B2 and B4 none (area).
        let mut a = points(3, 10.0, 50.0);
        a.extend(points(1, 80.0, 50.0));
        a.extend(points(1, 50.0, 150.0));
        let cw = Crosswalk::build(&old, &new, &a).unwrap();
        let mut links = cw.links().to_vec();
        links.reverse();
        assert_eq!(
            Crosswalk::from_links(&old, &new, links.clone()).unwrap(),
            cw
        );
        let refused = |edit: &dyn Fn(&mut Vec<CrosswalkLink>)| {
            let mut l = cw.links().to_vec();
            edit(&mut l);
            Crosswalk::from_links(&old, &new, l)
                .unwrap_err()
                .to_string()
        };
        let b1 = "the crosswalk links of old block B1: ";
        assert_eq!(
            refused(&|l| l[0].weight = 0.7),
            format!("{b1}the weights do not sum to 1")
        );
        assert_eq!(
            refused(&|l| l[0].weight = f64::NAN),
            format!("{b1}a weight is not a number in (0, 1]")
        );
        assert_eq!(
            refused(&|l| l[1].new = 0),
            format!("{b1}two links go to the same new block")
        );
        assert_eq!(
            refused(&|l| l[1].method = CrosswalkMethod::Area),
            format!("{b1}the links mix the methods addresses and area")
        );
        assert_eq!(
            refused(&|l| l[1].addresses = 2),
            format!("{b1}the address counts do not fit the weights")
        );
        assert_eq!(
            refused(&|l| {
                l.remove(2);
            }),
            "old block B2 maps nowhere: it has no address point and overlaps no block of the new layer"
        );
        assert!(refused(&|l| l[0].new = 5).contains("new block position 5, beyond the layers"));
    }

    fn two_by_two_plus() -> Hierarchy {
        layer(&[
            ("G", "Q1", "B1", rect(0.0, 0.0, 100.0, 100.0)),
            ("G", "Q2", "B2", rect(100.0, 0.0, 200.0, 100.0)),
            ("G", "Q1", "B3", rect(0.0, 100.0, 100.0, 200.0)),
            ("G", "Q2", "B4", rect(100.0, 100.0, 200.0, 200.0)),
            ("G", "Q2", "B5", rect(200.0, 100.0, 300.0, 200.0)),
        ])
    }
}
