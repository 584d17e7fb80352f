//! Point-in-polygon assignment of records to units.
//!
//! [`UnitIndex`] answers "which unit covers this point?" exactly and fast; [`Assignment`]
//! holds the answer for a batch of points, with an [`Outcome`] per point and an
//! [`AssignSummary`] whose counts add up to the input count.
//!
//! # Boundary rule
//!
//! A point is in a unit when the unit's closed polygon covers it: the boundary belongs to the
//! unit, holes do not (a point exactly on a hole's ring is on the boundary, so covered). A
//! point covered by several units (a shared edge or vertex, or an overlap) goes to the unit
//! with the smallest id in byte order ([`UnitId`]'s `Ord`). All predicates are exact
//! (`robust::orient2d`, no epsilon).

mod grid;
mod pip;
pub(crate) mod synthetic;

use std::fmt;

use geo::MultiPolygon;
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::hierarchy::{Hierarchy, UnitId};
use grid::{CellAnswer, Grid};
use pip::PartSet;

/// Points per parallel work item of [`UnitIndex::assign`].
const CHUNK: usize = 8192;

/// Largest number of units an index takes (positions are stored in 30 bits).
pub const MAX_UNITS: usize = grid::MAX_VALUE;

/// Errors of building a unit index or assigning points.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssignError {
    /// The x and y coordinate slices differ in length.
    #[error("coordinate arrays differ in length: {x_len} x values, {y_len} y values")]
    LengthMismatch {
        /// Number of x values.
        x_len: usize,
        /// Number of y values.
        y_len: usize,
    },
    /// More units than an index can hold.
    #[error("too many units for one index: {count}, at most {max}")]
    TooManyUnits {
        /// Number of units given.
        count: usize,
        /// The maximum ([`MAX_UNITS`]).
        max: usize,
    },
    /// More polygons than an index can hold.
    #[error("too many polygons for one index: {count}, at most {max}")]
    TooManyPolygons {
        /// Number of polygons given.
        count: usize,
        /// The maximum (same as [`MAX_UNITS`]).
        max: usize,
    },
    /// More edges than an index can hold.
    #[error("too many polygon edges for one index: {count}")]
    TooManyEdges {
        /// Number of edges given.
        count: usize,
    },
    /// Two units share an id, so the smallest-id rule would be ambiguous.
    #[error("unit id {unit} occurs more than once")]
    DuplicateUnitId {
        /// The repeated id.
        unit: UnitId,
    },
    /// A unit's geometry has a vertex with a NaN or infinite coordinate.
    #[error("unit {unit}: polygon {polygon} has a non-finite vertex")]
    InvalidGeometry {
        /// The unit.
        unit: UnitId,
        /// Index of the polygon within the unit's multipolygon.
        polygon: usize,
    },
    /// The snap distance is negative or NaN.
    #[error("snap distance must be a non-negative number of metres, got {value}")]
    InvalidSnapDistance {
        /// The value given.
        value: f64,
    },
    /// The hierarchy has no level with this index.
    #[error("level {level} does not exist, the hierarchy has {levels} levels")]
    LevelOutOfRange {
        /// The level index asked for.
        level: usize,
        /// Number of levels.
        levels: usize,
    },
}

/// Options of [`UnitIndex::assign`].
///
/// # Examples
///
/// ```
/// let options = quartier::AssignOptions { snap_distance: Some(5.0) };
/// assert_eq!(quartier::AssignOptions::default().snap_distance, None);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AssignOptions {
    /// Snap points covered by no unit to the nearest unit within this many metres
    /// (Euclidean distance to the unit's boundary, inclusive); `None` disables snapping.
    /// Must be non-negative and not NaN; `f64::INFINITY` snaps every valid point.
    pub snap_distance: Option<f64>,
}

/// Why a point was not assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnassignedReason {
    /// x or y is NaN or infinite.
    InvalidCoordinate,
    /// No unit covers the point (and none is within the snap distance).
    OutsideEveryUnit,
}

impl UnassignedReason {
    /// A stable lowercase name: `"invalid_coordinate"` or `"outside_every_unit"`.
    pub fn as_str(self) -> &'static str {
        match self {
            UnassignedReason::InvalidCoordinate => "invalid_coordinate",
            UnassignedReason::OutsideEveryUnit => "outside_every_unit",
        }
    }
}

impl fmt::Display for UnassignedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one point; the `u8` codes are stable (the Python module uses them).
///
/// # Examples
///
/// ```
/// use quartier::{Outcome, UnassignedReason};
/// assert_eq!(Outcome::Snapped as u8, 1);
/// assert_eq!(Outcome::from_code(3), Some(Outcome::OutsideEveryUnit));
/// assert_eq!(Outcome::OutsideEveryUnit.reason(), Some(UnassignedReason::OutsideEveryUnit));
/// assert_eq!(Outcome::Assigned.as_str(), "assigned");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Outcome {
    /// A unit covers the point.
    Assigned = 0,
    /// No unit covers the point; it was snapped to the nearest unit within the distance.
    Snapped = 1,
    /// x or y is NaN or infinite; not assigned.
    InvalidCoordinate = 2,
    /// No unit covers the point and none is near enough; not assigned.
    OutsideEveryUnit = 3,
}

impl Outcome {
    /// The outcome with this code, if any.
    pub fn from_code(code: u8) -> Option<Outcome> {
        match code {
            0 => Some(Outcome::Assigned),
            1 => Some(Outcome::Snapped),
            2 => Some(Outcome::InvalidCoordinate),
            3 => Some(Outcome::OutsideEveryUnit),
            _ => None,
        }
    }

    /// The stable code (same as `self as u8`).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// A stable lowercase name: `"assigned"`, `"snapped"`, `"invalid_coordinate"`,
    /// `"outside"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Assigned => "assigned",
            Outcome::Snapped => "snapped",
            Outcome::InvalidCoordinate => "invalid_coordinate",
            Outcome::OutsideEveryUnit => "outside",
        }
    }

    /// Why the point was not assigned; `None` for assigned and snapped points.
    pub fn reason(self) -> Option<UnassignedReason> {
        match self {
            Outcome::Assigned | Outcome::Snapped => None,
            Outcome::InvalidCoordinate => Some(UnassignedReason::InvalidCoordinate),
            Outcome::OutsideEveryUnit => Some(UnassignedReason::OutsideEveryUnit),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts of an [`Assignment`] by outcome; `total` is always the sum of the other four.
///
/// # Examples
///
/// ```
/// let s = quartier::AssignSummary { total: 5, assigned: 2, snapped: 1, invalid_coordinate: 1, outside: 1 };
/// assert_eq!(s.to_string(), "5 points: 2 assigned, 1 snapped, 1 invalid coordinate, 1 outside every unit");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct AssignSummary {
    /// Number of points.
    pub total: usize,
    /// Points covered by a unit.
    pub assigned: usize,
    /// Points snapped to a unit within the snap distance.
    pub snapped: usize,
    /// Points with a NaN or infinite coordinate.
    pub invalid_coordinate: usize,
    /// Points covered by no unit and not snapped.
    pub outside: usize,
}

impl AssignSummary {
    /// Adds the outcomes of another batch of points.
    ///
    /// ```
    /// let mut a = quartier::AssignSummary { total: 3, assigned: 2, outside: 1, ..Default::default() };
    /// a.add(&quartier::AssignSummary { total: 1, snapped: 1, ..Default::default() });
    /// assert_eq!((a.total, a.assigned, a.snapped, a.outside), (4, 2, 1, 1));
    /// ```
    pub fn add(&mut self, other: &AssignSummary) {
        self.total += other.total;
        self.assigned += other.assigned;
        self.snapped += other.snapped;
        self.invalid_coordinate += other.invalid_coordinate;
        self.outside += other.outside;
    }

    fn from_counts(counts: [usize; 4]) -> AssignSummary {
        AssignSummary {
            total: counts.iter().sum(),
            assigned: counts[Outcome::Assigned as usize],
            snapped: counts[Outcome::Snapped as usize],
            invalid_coordinate: counts[Outcome::InvalidCoordinate as usize],
            outside: counts[Outcome::OutsideEveryUnit as usize],
        }
    }
}

impl fmt::Display for AssignSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} points: {} assigned, {} snapped, {} invalid coordinate, {} outside every unit",
            self.total, self.assigned, self.snapped, self.invalid_coordinate, self.outside
        )
    }
}

/// The unit (position in the index) and [`Outcome`] of every point, in input order.
///
/// Stored as two flat arrays so that bindings can hand them out without conversion: `units`
/// (`i32`, `-1` for none) and `outcomes` (`u8` codes of [`Outcome`]).
///
/// # Examples
///
/// ```
/// # use geo::{polygon, MultiPolygon};
/// # use quartier::{AssignOptions, Outcome, UnitId, UnitIndex};
/// let square = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)]]);
/// let index = UnitIndex::new(vec![(UnitId::from("a"), square)])?;
/// let a = index.assign(&[5.0, 20.0, f64::NAN], &[5.0, 5.0, 5.0], &AssignOptions::default())?;
/// assert_eq!(a.units(), &[0, -1, -1]);
/// assert_eq!(a.outcome(1), Outcome::OutsideEveryUnit);
/// assert_eq!(a.summary().invalid_coordinate, 1);
/// # Ok::<(), quartier::AssignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    units: Vec<i32>,
    outcomes: Vec<u8>,
    summary: AssignSummary,
}

impl Assignment {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The unit position of point `i` (assigned or snapped), `None` if unassigned.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn unit(&self, i: usize) -> Option<usize> {
        usize::try_from(self.units[i]).ok()
    }

    /// The outcome of point `i`.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn outcome(&self, i: usize) -> Outcome {
        Outcome::from_code(self.outcomes[i]).unwrap_or(Outcome::OutsideEveryUnit)
    }

    /// Unit position per point, `-1` where unassigned.
    pub fn units(&self) -> &[i32] {
        &self.units
    }

    /// [`Outcome`] code per point.
    pub fn outcomes(&self) -> &[u8] {
        &self.outcomes
    }

    /// The two arrays, `(units, outcomes)`.
    pub fn into_parts(self) -> (Vec<i32>, Vec<u8>) {
        (self.units, self.outcomes)
    }

    /// Counts by outcome.
    pub fn summary(&self) -> &AssignSummary {
        &self.summary
    }
}

type PartBox = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The geometry side of the index: parts, ranks, R-tree. The grid sits on top of it.
#[derive(Debug)]
pub(crate) struct Core {
    ids: Vec<UnitId>,
    /// `rank[position]`: the unit's place in id order.
    pub(crate) rank: Vec<u32>,
    /// `by_rank[rank]`: the unit's position.
    pub(crate) by_rank: Vec<u32>,
    pub(crate) parts: PartSet,
    /// Parts of unit `u` are `parts.parts[unit_parts[u]..unit_parts[u + 1]]`.
    unit_parts: Vec<usize>,
    rtree: RTree<PartBox>,
    /// Largest absolute coordinate or extent size; scales the snapping pruning slack.
    magnitude: f64,
}

impl Core {
    fn build(ids: Vec<UnitId>, geoms: &[&MultiPolygon<f64>]) -> Result<Core, AssignError> {
        let n = ids.len();
        if n > MAX_UNITS {
            return Err(AssignError::TooManyUnits {
                count: n,
                max: MAX_UNITS,
            });
        }
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
        for w in order.windows(2) {
            if ids[w[0] as usize] == ids[w[1] as usize] {
                return Err(AssignError::DuplicateUnitId {
                    unit: ids[w[0] as usize].clone(),
                });
            }
        }
        let mut rank = vec![0u32; n];
        for (r, &pos) in order.iter().enumerate() {
            // ok: r < n <= MAX_UNITS < 2^30.
            rank[pos as usize] = r as u32;
        }
        let mut parts = PartSet::default();
        let mut unit_parts = Vec::with_capacity(n + 1);
        unit_parts.push(0);
        for (u, mp) in geoms.iter().enumerate() {
            for (k, poly) in mp.0.iter().enumerate() {
                let finite = std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .flat_map(|r| r.0.iter())
                    .all(|c| c.x.is_finite() && c.y.is_finite());
                if !finite {
                    return Err(AssignError::InvalidGeometry {
                        unit: ids[u].clone(),
                        polygon: k,
                    });
                }
                // ok: u < n <= MAX_UNITS < 2^30.
                parts.push_polygon(
                    u as u32,
                    std::iter::once(poly.exterior()).chain(poly.interiors()),
                );
            }
            unit_parts.push(parts.parts.len());
            if u32::try_from(parts.edges.len()).is_err() {
                return Err(AssignError::TooManyEdges {
                    count: parts.edges.len(),
                });
            }
        }
        if parts.parts.len() > MAX_UNITS {
            return Err(AssignError::TooManyPolygons {
                count: parts.parts.len(),
                max: MAX_UNITS,
            });
        }
        let boxes: Vec<PartBox> = parts
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                GeomWithData::new(
                    Rectangle::from_corners(
                        [p.bbox.min_x, p.bbox.min_y],
                        [p.bbox.max_x, p.bbox.max_y],
                    ),
                    // ok: parts <= edges < 2^32 (checked above).
                    i as u32,
                )
            })
            .collect();
        let magnitude = parts.parts.iter().fold(0.0f64, |m, p| {
            let b = &p.bbox;
            m.max(b.min_x.abs())
                .max(b.max_x.abs())
                .max(b.min_y.abs())
                .max(b.max_y.abs())
        });
        Ok(Core {
            ids,
            rank,
            by_rank: order,
            parts,
            unit_parts,
            rtree: RTree::bulk_load(boxes),
            magnitude,
        })
    }

    pub(crate) fn unit_count(&self) -> usize {
        self.ids.len()
    }

    fn unit_part_range(&self, u: usize) -> std::ops::Range<usize> {
        self.unit_parts[u]..self.unit_parts[u + 1]
    }

    /// The unit of the first of `candidates` (part indexes ordered by unit id) that covers
    /// the point.
    #[inline]
    fn first_covering(&self, candidates: &[u32], x: f64, y: f64) -> Option<usize> {
        candidates.iter().find_map(|&p| {
            let part = &self.parts.parts[p as usize];
            self.parts
                .part_covers(part, x, y)
                .then_some(part.unit as usize)
        })
    }

    /// The unit of part `p` if the part covers the point.
    #[inline]
    fn single_covering(&self, p: u32, x: f64, y: f64) -> Option<usize> {
        let part = &self.parts.parts[p as usize];
        self.parts
            .part_covers(part, x, y)
            .then_some(part.unit as usize)
    }

    /// The covering unit with the smallest id, via the R-tree (no grid).
    pub(crate) fn locate_rtree(&self, x: f64, y: f64) -> Option<usize> {
        let mut best: Option<(u32, usize)> = None;
        for item in self.rtree.locate_all_at_point(&[x, y]) {
            let part = &self.parts.parts[item.data as usize];
            let u = part.unit as usize;
            let r = self.rank[u];
            if best.is_some_and(|(br, _)| br <= r) {
                continue;
            }
            if self.parts.part_covers(part, x, y) {
                best = Some((r, u));
            }
        }
        best.map(|(_, u)| u)
    }

    /// The covering unit with the smallest id, scanning every edge of every unit.
    fn locate_naive(&self, x: f64, y: f64) -> Option<usize> {
        self.by_rank.iter().map(|&u| u as usize).find(|&u| {
            self.parts.parts[self.unit_part_range(u)]
                .iter()
                .any(|p| self.parts.part_covers_naive(p, x, y))
        })
    }

    /// The nearest unit within `max_distance` of a point covered by none (ties → smallest id).
    fn snap(&self, x: f64, y: f64, max_distance: f64) -> Option<usize> {
        // Pruning compares box distances with computed edge distances; both carry rounding
        // error of a few ulps of the coordinates, so prune only beyond a generous slack. The
        // decision itself uses the same computed distances as `snap_naive`.
        let slack = 64.0 * f64::EPSILON * self.magnitude.max(x.abs()).max(y.abs());
        let mut best: Option<(f64, u32, usize)> = None; // (distance², rank, unit)
        for (item, box_d2) in self.rtree.nearest_neighbor_iter_with_distance_2(&[x, y]) {
            let box_d = box_d2.sqrt();
            if box_d > max_distance + slack {
                break;
            }
            if let Some((bd2, _, _)) = best {
                if box_d > bd2.sqrt() + slack {
                    break;
                }
            }
            let part = &self.parts.parts[item.data as usize];
            let d2 = self.parts.boundary_distance2(part, x, y);
            let u = part.unit as usize;
            let r = self.rank[u];
            if best.is_none_or(|(bd2, br, _)| d2 < bd2 || (d2 == bd2 && r < br)) {
                best = Some((d2, r, u));
            }
        }
        best.filter(|&(d2, _, _)| d2.sqrt() <= max_distance)
            .map(|(_, _, u)| u)
    }

    /// [`Core::snap`] by scanning every part.
    fn snap_naive(&self, x: f64, y: f64, max_distance: f64) -> Option<usize> {
        let mut best: Option<(f64, u32, usize)> = None;
        for part in &self.parts.parts {
            let d2 = self.parts.boundary_distance2(part, x, y);
            let u = part.unit as usize;
            let r = self.rank[u];
            if best.is_none_or(|(bd2, br, _)| d2 < bd2 || (d2 == bd2 && r < br)) {
                best = Some((d2, r, u));
            }
        }
        best.filter(|&(d2, _, _)| d2.sqrt() <= max_distance)
            .map(|(_, _, u)| u)
    }
}

/// An index of units for exact, fast point-in-polygon assignment.
///
/// # Semantics
///
/// - A point is in a unit when the unit's closed polygon covers it: points on an edge or a
///   vertex are covered; holes are not part of the polygon, but a point exactly on a hole's
///   ring is on the boundary and so covered. Each polygon of a multipolygon is tested by the
///   even–odd rule over its rings, which for valid polygons is exactly "covers".
/// - A point covered by several units (shared edge or vertex, overlap) goes to the unit with
///   the smallest [`UnitId`] in byte order — whatever the input order.
/// - With [`AssignOptions::snap_distance`], a point covered by no unit but within that many
///   metres (Euclidean distance to the unit's boundary, inclusive) of one goes to the nearest
///   (ties → smallest id) with [`Outcome::Snapped`].
/// - NaN or infinite coordinates give [`Outcome::InvalidCoordinate`]; everything else
///   unassigned is [`Outcome::OutsideEveryUnit`].
///
/// Predicates are exact: orientation by `robust::orient2d` without epsilon.
///
/// # How it is fast
///
/// Three layers, each exact on its own:
///
/// 1. A **uniform grid** over the extent of all units, about 128 cells per unit (capped at
///    4 Mi cells, 16 MiB). A cell that no edge touches is "wholly inside unit u" or "outside
///    every unit", decided once at build time; most points land in such a cell and need no
///    geometry at all. A cell touched by an edge lists its candidate units in id order.
/// 2. For candidates, a **per-polygon edge index**: polygons with more than 32 edges have
///    their edges bucketed into horizontal bands, so the crossing-number test reads only the
///    edges of one band.
/// 3. An **R-tree** (rstar) over polygon bounding boxes builds the grid and serves snapping
///    (nearest boxes first, then exact distances to the rings).
///
/// [`UnitIndex::assign_naive`] is the brute-force twin (every edge of every unit, in id
/// order) used as the oracle in tests and benches.
///
/// # Complexity and memory
///
/// Build: `O(E + C + P log P)` for `E` edges, `C` grid cells and `P` polygons. A query is
/// `O(1)` in an interior cell and `O(k · e)` otherwise (`k` candidates of `e` edges per band).
/// [`UnitIndex::assign`] allocates only its outputs (4 + 1 bytes per point) plus `O(1)` per
/// parallel chunk; it neither copies nor sorts the input. Spatially sorted input is faster
/// (fewer cache misses), but an internal sort does not pay: on 10k blocks × 1M shuffled
/// points a counting sort by tile plus the gather and scatter it needs cost more than it
/// saved (see `benches/README.md`).
///
/// # Examples
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use quartier::{AssignOptions, Outcome, UnitId, UnitIndex};
///
/// let left = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)]]);
/// let right = MultiPolygon(vec![polygon![(x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0)]]);
/// // Inserted in the "wrong" order: the shared edge still goes to the smaller id, "a".
/// let index = UnitIndex::new(vec![(UnitId::from("b"), right), (UnitId::from("a"), left)])?;
/// assert_eq!(index.locate(10.0, 5.0), Some(1));
/// assert_eq!(index.locate(15.0, 5.0), Some(0));
///
/// let options = AssignOptions { snap_distance: Some(2.0) };
/// let a = index.assign(&[5.0, 21.5, 30.0], &[5.0, 5.0, 5.0], &options)?;
/// assert_eq!(a.units(), &[1, 0, -1]);
/// assert_eq!(a.outcome(1), Outcome::Snapped);
/// assert_eq!(a.summary().outside, 1);
/// # Ok::<(), quartier::AssignError>(())
/// ```
#[derive(Debug)]
pub struct UnitIndex {
    core: Core,
    grid: Grid,
}

impl UnitIndex {
    /// Builds an index over units; a unit's position is its place in `units`.
    ///
    /// A unit with an empty geometry covers nothing.
    ///
    /// # Errors
    ///
    /// [`AssignError::DuplicateUnitId`], [`AssignError::InvalidGeometry`] (a non-finite
    /// vertex), [`AssignError::TooManyUnits`], [`AssignError::TooManyEdges`].
    pub fn new(units: Vec<(UnitId, MultiPolygon<f64>)>) -> Result<Self, AssignError> {
        let (ids, geoms): (Vec<UnitId>, Vec<MultiPolygon<f64>>) = units.into_iter().unzip();
        let refs: Vec<&MultiPolygon<f64>> = geoms.iter().collect();
        Self::build(ids, &refs)
    }

    /// Builds an index over the units of one level of a hierarchy; positions are those of
    /// [`Hierarchy::units`].
    ///
    /// # Errors
    ///
    /// [`AssignError::LevelOutOfRange`], and those of [`UnitIndex::new`].
    pub fn from_hierarchy(h: &Hierarchy, level: usize) -> Result<Self, AssignError> {
        if level >= h.levels().len() {
            return Err(AssignError::LevelOutOfRange {
                level,
                levels: h.levels().len(),
            });
        }
        let units = h.units(level);
        let ids = units.iter().map(|u| u.id().clone()).collect();
        let refs: Vec<&MultiPolygon<f64>> = units.iter().map(|u| u.geometry()).collect();
        Self::build(ids, &refs)
    }

    fn build(ids: Vec<UnitId>, geoms: &[&MultiPolygon<f64>]) -> Result<Self, AssignError> {
        let core = Core::build(ids, geoms)?;
        let grid = Grid::build(&core);
        Ok(UnitIndex { core, grid })
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.core.ids.len()
    }

    /// Whether the index has no units.
    pub fn is_empty(&self) -> bool {
        self.core.ids.is_empty()
    }

    /// The unit ids by position.
    pub fn unit_ids(&self) -> &[UnitId] {
        &self.core.ids
    }

    /// The position of the unit covering the point (smallest id on ties), without snapping;
    /// `None` for a point covered by no unit or a non-finite coordinate.
    ///
    /// # Examples
    ///
    /// ```
    /// # use geo::{polygon, MultiPolygon};
    /// # use quartier::{UnitId, UnitIndex};
    /// let square = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)]]);
    /// let index = UnitIndex::new(vec![(UnitId::from("a"), square)])?;
    /// assert_eq!(index.locate(10.0, 10.0), Some(0)); // a vertex is covered
    /// assert_eq!(index.locate(10.5, 10.0), None);
    /// # Ok::<(), quartier::AssignError>(())
    /// ```
    #[inline]
    pub fn locate(&self, x: f64, y: f64) -> Option<usize> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        match self.grid.lookup(x, y) {
            CellAnswer::Outside => None,
            CellAnswer::Unit(u) => Some(u as usize),
            CellAnswer::Single(p) => self.core.single_covering(p, x, y),
            CellAnswer::Candidates(c) => self.core.first_covering(c, x, y),
            CellAnswer::NoGrid => self.core.locate_rtree(x, y),
        }
    }

    /// [`UnitIndex::locate`] through the R-tree only (no grid); for tests and benches.
    #[doc(hidden)]
    pub fn locate_rtree(&self, x: f64, y: f64) -> Option<usize> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        self.core.locate_rtree(x, y)
    }

    /// Assigns every point `(xs[i], ys[i])` to a unit, in parallel; results in input order.
    ///
    /// Deterministic: the result does not depend on the number of threads.
    ///
    /// # Errors
    ///
    /// [`AssignError::LengthMismatch`] when `xs` and `ys` differ in length;
    /// [`AssignError::InvalidSnapDistance`] for a negative or NaN snap distance.
    pub fn assign(
        &self,
        xs: &[f64],
        ys: &[f64],
        options: &AssignOptions,
    ) -> Result<Assignment, AssignError> {
        self.assign_with(xs, ys, options, |x, y| self.locate(x, y))
    }

    /// Like [`UnitIndex::assign`] but with the R-tree path only; for tests and benches.
    #[doc(hidden)]
    pub fn assign_rtree(
        &self,
        xs: &[f64],
        ys: &[f64],
        options: &AssignOptions,
    ) -> Result<Assignment, AssignError> {
        self.assign_with(xs, ys, options, |x, y| self.locate_rtree(x, y))
    }

    fn assign_with(
        &self,
        xs: &[f64],
        ys: &[f64],
        options: &AssignOptions,
        locate: impl Fn(f64, f64) -> Option<usize> + Sync,
    ) -> Result<Assignment, AssignError> {
        let snap = check_inputs(xs, ys, options)?;
        let n = xs.len();
        let mut units = vec![-1i32; n];
        let mut outcomes = vec![0u8; n];
        let counts = units
            .par_chunks_mut(CHUNK)
            .zip(outcomes.par_chunks_mut(CHUNK))
            .zip(xs.par_chunks(CHUNK).zip(ys.par_chunks(CHUNK)))
            .map(|((us, os), (xc, yc))| {
                let mut counts = [0usize; 4];
                for (((u, o), &x), &y) in us.iter_mut().zip(os.iter_mut()).zip(xc).zip(yc) {
                    let (unit, outcome) = self.one(x, y, snap, &locate);
                    *u = unit;
                    *o = outcome as u8;
                    counts[outcome as usize] += 1;
                }
                counts
            })
            .reduce(|| [0usize; 4], add_counts);
        Ok(Assignment {
            units,
            outcomes,
            summary: AssignSummary::from_counts(counts),
        })
    }

    /// Assigns one point.
    #[inline(always)]
    fn one(
        &self,
        x: f64,
        y: f64,
        snap: Option<f64>,
        locate: &impl Fn(f64, f64) -> Option<usize>,
    ) -> (i32, Outcome) {
        if !(x.is_finite() && y.is_finite()) {
            return (-1, Outcome::InvalidCoordinate);
        }
        if let Some(u) = locate(x, y) {
            // ok: positions < MAX_UNITS < 2^30.
            return (u as i32, Outcome::Assigned);
        }
        match snap.and_then(|d| self.core.snap(x, y, d)) {
            Some(u) => (u as i32, Outcome::Snapped),
            None => (-1, Outcome::OutsideEveryUnit),
        }
    }

    /// The brute-force twin of [`UnitIndex::assign`]: sequential, every edge of every unit in
    /// id order, snapping over every polygon. Same results; for tests and benches.
    ///
    /// # Errors
    ///
    /// As [`UnitIndex::assign`].
    pub fn assign_naive(
        &self,
        xs: &[f64],
        ys: &[f64],
        options: &AssignOptions,
    ) -> Result<Assignment, AssignError> {
        let snap = check_inputs(xs, ys, options)?;
        let mut units = Vec::with_capacity(xs.len());
        let mut outcomes = Vec::with_capacity(xs.len());
        let mut counts = [0usize; 4];
        for (&x, &y) in xs.iter().zip(ys) {
            let (unit, outcome) = if !(x.is_finite() && y.is_finite()) {
                (-1, Outcome::InvalidCoordinate)
            } else if let Some(u) = self.core.locate_naive(x, y) {
                (u as i32, Outcome::Assigned)
            } else {
                match snap.and_then(|d| self.core.snap_naive(x, y, d)) {
                    Some(u) => (u as i32, Outcome::Snapped),
                    None => (-1, Outcome::OutsideEveryUnit),
                }
            };
            units.push(unit);
            outcomes.push(outcome as u8);
            counts[outcome as usize] += 1;
        }
        Ok(Assignment {
            units,
            outcomes,
            summary: AssignSummary::from_counts(counts),
        })
    }

    /// Index statistics for benches and diagnostics (not a stable format).
    #[doc(hidden)]
    pub fn stats(&self) -> String {
        let (nx, ny, cs, interior, lists) = self.grid.stats();
        format!(
            "units {}, polygons {}, edges {}, grid {nx}x{ny} cells of {cs:.2} m, \
             interior cells {interior}, candidate lists {lists}, heap {:.1} MiB",
            self.len(),
            self.core.parts.parts.len(),
            self.core.parts.edges.len(),
            (self.core.parts.heap_bytes() + self.grid.heap_bytes()) as f64 / (1024.0 * 1024.0)
        )
    }
}

fn add_counts(a: [usize; 4], b: [usize; 4]) -> [usize; 4] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
}

/// Checks lengths and the snap distance; returns the snap distance.
fn check_inputs(
    xs: &[f64],
    ys: &[f64],
    options: &AssignOptions,
) -> Result<Option<f64>, AssignError> {
    if xs.len() != ys.len() {
        return Err(AssignError::LengthMismatch {
            x_len: xs.len(),
            y_len: ys.len(),
        });
    }
    match options.snap_distance {
        Some(d) if d.is_nan() || d < 0.0 => Err(AssignError::InvalidSnapDistance { value: d }),
        other => Ok(other),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]),
            vec![],
        )])
    }

    fn both(index: &UnitIndex, xs: &[f64], ys: &[f64], options: &AssignOptions) -> Assignment {
        let fast = index.assign(xs, ys, options).unwrap();
        let naive = index.assign_naive(xs, ys, options).unwrap();
        let rtree = index.assign_rtree(xs, ys, options).unwrap();
        assert_eq!(fast, naive);
        assert_eq!(fast, rtree);
        fast
    }

    #[test]
    fn shared_edge_goes_to_smaller_id_whatever_the_order() {
        let index = UnitIndex::new(vec![
            (UnitId::from("z"), rect(10.0, 0.0, 20.0, 10.0)),
            (UnitId::from("m"), rect(0.0, 0.0, 10.0, 10.0)),
            (UnitId::from("a"), rect(0.0, 10.0, 10.0, 20.0)),
        ])
        .unwrap();
        let xs = [10.0, 10.0, 10.0, 5.0, 0.0, 15.0];
        let ys = [5.0, 10.0, 0.0, 10.0, 10.0, 5.0];
        let a = both(&index, &xs, &ys, &AssignOptions::default());
        assert_eq!(a.units(), &[1, 2, 1, 2, 2, 0]);
    }

    #[test]
    fn overlap_goes_to_smaller_id() {
        let index = UnitIndex::new(vec![
            (UnitId::from("b"), rect(0.0, 0.0, 100.0, 100.0)),
            (UnitId::from("a"), rect(40.0, 40.0, 60.0, 60.0)),
        ])
        .unwrap();
        let xs: Vec<f64> = (0..=100).map(f64::from).collect();
        let ys = vec![50.0; xs.len()];
        let a = both(&index, &xs, &ys, &AssignOptions::default());
        for (i, &x) in xs.iter().enumerate() {
            let want = if (40.0..=60.0).contains(&x) { 1 } else { 0 };
            assert_eq!(a.units()[i], want, "x = {x}");
        }
    }

    #[test]
    fn snapping_is_inclusive_and_ties_go_to_smaller_id() {
        let index = UnitIndex::new(vec![
            (UnitId::from("b"), rect(0.0, 0.0, 10.0, 10.0)),
            (UnitId::from("a"), rect(14.0, 0.0, 24.0, 10.0)),
        ])
        .unwrap();
        let options = AssignOptions {
            snap_distance: Some(2.0),
        };
        // x = 12: 2 m from both (tie → "a", position 1); x = 11: 1 m from "b";
        // x = 26: exactly 2 m from "a"; x = 26.5: too far.
        let a = both(&index, &[12.0, 11.0, 26.0, 26.5, -2.0], &[5.0; 5], &options);
        assert_eq!(a.units(), &[1, 0, 1, -1, 0]);
        assert_eq!(a.summary().snapped, 4);
        assert_eq!(a.summary().outside, 1);
        assert_eq!(a.outcome(0), Outcome::Snapped);
        assert_eq!(a.outcome(3), Outcome::OutsideEveryUnit);
        // Without snapping they are outside.
        let plain = both(&index, &[12.0], &[5.0], &AssignOptions::default());
        assert_eq!(plain.outcome(0), Outcome::OutsideEveryUnit);
    }

    #[test]
    fn summary_adds_up() {
        let index = UnitIndex::new(vec![(UnitId::from("a"), rect(0.0, 0.0, 10.0, 10.0))]).unwrap();
        let xs = [1.0, f64::NAN, 11.0, 50.0, f64::INFINITY, 3.0];
        let ys = [1.0, 1.0, 5.0, 50.0, 1.0, f64::NEG_INFINITY];
        let options = AssignOptions {
            snap_distance: Some(1.0),
        };
        let a = both(&index, &xs, &ys, &options);
        let s = a.summary();
        assert_eq!(s.total, xs.len());
        assert_eq!(
            s.total,
            s.assigned + s.snapped + s.invalid_coordinate + s.outside
        );
        assert_eq!(
            (s.assigned, s.snapped, s.invalid_coordinate, s.outside),
            (1, 1, 3, 1)
        );
        for i in 0..a.len() {
            assert_eq!(a.outcome(i).reason().is_none(), a.unit(i).is_some());
        }
    }

    #[test]
    fn empty_index_and_empty_input() {
        let index = UnitIndex::new(vec![]).unwrap();
        assert!(index.is_empty());
        assert_eq!(index.locate(0.0, 0.0), None);
        let a = both(
            &index,
            &[0.0, f64::NAN],
            &[0.0, 0.0],
            &AssignOptions {
                snap_distance: Some(f64::INFINITY),
            },
        );
        assert_eq!(a.outcomes(), &[3, 2]);
        let full = UnitIndex::new(vec![(UnitId::from("a"), rect(0.0, 0.0, 1.0, 1.0))]).unwrap();
        let e = both(&full, &[], &[], &AssignOptions::default());
        assert!(e.is_empty());
        assert_eq!(e.summary().total, 0);
    }

    #[test]
    fn errors() {
        let index = UnitIndex::new(vec![(UnitId::from("a"), rect(0.0, 0.0, 1.0, 1.0))]).unwrap();
        assert!(matches!(
            index.assign(&[1.0], &[], &AssignOptions::default()),
            Err(AssignError::LengthMismatch { x_len: 1, y_len: 0 })
        ));
        for bad in [-1.0, f64::NAN] {
            let options = AssignOptions {
                snap_distance: Some(bad),
            };
            assert!(matches!(
                index.assign(&[1.0], &[1.0], &options),
                Err(AssignError::InvalidSnapDistance { .. })
            ));
            assert!(index.assign_naive(&[1.0], &[1.0], &options).is_err());
        }
        let dup = UnitIndex::new(vec![
            (UnitId::from("a"), rect(0.0, 0.0, 1.0, 1.0)),
            (UnitId::from("a"), rect(2.0, 0.0, 3.0, 1.0)),
        ]);
        assert!(matches!(dup, Err(AssignError::DuplicateUnitId { .. })));
        let nan = UnitIndex::new(vec![(UnitId::from("a"), rect(0.0, 0.0, f64::NAN, 1.0))]);
        let err = nan.unwrap_err();
        assert_eq!(err.to_string(), "unit a: polygon 0 has a non-finite vertex");
    }

    #[test]
    fn large_polygon_with_many_edges() {
        // A comb: 200 teeth, ~800 edges, plus a neighbour sharing the base edge.
        let mut ring = vec![(0.0, 0.0), (400.0, 0.0)];
        for t in (0..200).rev() {
            let x = f64::from(t) * 2.0;
            ring.push((x + 2.0, 100.0));
            ring.push((x + 1.0, 100.0));
            ring.push((x + 1.0, 10.0));
            ring.push((x, 10.0));
        }
        let comb = MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]);
        let index = UnitIndex::new(vec![
            (UnitId::from("comb"), comb),
            (UnitId::from("base"), rect(0.0, -10.0, 400.0, 0.0)),
        ])
        .unwrap();
        assert!(pip::PartSet::has_bands(&index.core.parts.parts[0]));
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in -4..=1604 {
            for j in -4..=210 {
                xs.push(f64::from(i) * 0.25);
                ys.push(f64::from(j) * 0.5);
            }
        }
        let a = both(&index, &xs, &ys, &AssignOptions::default());
        // Spot checks: tooth interior, gap between teeth, shared base edge.
        assert_eq!(index.locate(1.5, 50.0), Some(0));
        assert_eq!(index.locate(0.5, 50.0), None);
        assert_eq!(index.locate(1.0, 50.0), Some(0));
        assert_eq!(index.locate(100.0, 0.0), Some(1));
        assert!(a.summary().assigned > 0);
    }

    #[test]
    fn from_hierarchy_positions_and_level_check() {
        let h = Hierarchy {
            levels: vec!["block".to_owned()],
            units: vec![vec![
                crate::hierarchy::Unit {
                    id: UnitId::from("1"),
                    name: None,
                    parent: None,
                    geometry: rect(0.0, 0.0, 1.0, 1.0),
                },
                crate::hierarchy::Unit {
                    id: UnitId::from("2"),
                    name: None,
                    parent: None,
                    geometry: rect(1.0, 0.0, 2.0, 1.0),
                },
            ]],
        };
        let index = UnitIndex::from_hierarchy(&h, 0).unwrap();
        assert_eq!(index.len(), 2);
        assert_eq!(index.locate(1.5, 0.5), Some(1));
        assert_eq!(index.locate(1.0, 0.5), Some(0));
        assert!(matches!(
            UnitIndex::from_hierarchy(&h, 1),
            Err(AssignError::LevelOutOfRange {
                level: 1,
                levels: 1
            })
        ));
    }

    #[test]
    fn index_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<UnitIndex>();
        check::<Assignment>();
    }
}
