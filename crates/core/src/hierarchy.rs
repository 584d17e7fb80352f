//! The spatial hierarchy: Gemeinde → Ortsteil → Quartier → Baublock.
//!
//! Levels are data, not hard-coded types: a [`Hierarchy`] has any number of named levels,
//! ordered from the top (the whole town) to the bottom (the building blocks). Each unit has a
//! string id, an optional name, a parent in the level above and a geometry.
//!
//! # Invariants
//!
//! - Within a level, units are sorted by id in byte order. The position of a unit in
//!   [`Hierarchy::units`] is therefore stable and "smallest id" means "smallest position".
//! - Every unit below the top level has exactly one parent in the level directly above.
//! - Every unit has a geometry; upper levels that were not given are dissolved from their
//!   blocks.
//!
//! A [`HierarchyBuilder`] collects the block layer (each block names its ids on every level)
//! and optional given units of upper levels, validates them into a [`ValidationReport`] of
//! [`Finding`]s, and builds the [`Hierarchy`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use geo::algorithm::orient::Direction;
use geo::{
    Area, BooleanOps, BoundingRect, Coord, LineString, MultiPolygon, Orient, Rect, unary_union,
};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// The default level names, from the top down.
pub const DEFAULT_LEVELS: [&str; 4] = ["gemeinde", "ortsteil", "quartier", "baublock"];

/// The id of a spatial unit (a block, quarter, district or town).
///
/// Ids are compared in byte order of their UTF-8 text; this is the order that decides which
/// unit owns a point on a shared boundary.
#[doc(alias = "Gebietsschlüssel")]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitId(String);

impl UnitId {
    /// Wraps a string as a unit id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for UnitId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for UnitId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// One spatial unit of a level.
#[doc(alias = "Gebietseinheit")]
#[derive(Debug, Clone)]
pub struct Unit {
    pub(crate) id: UnitId,
    pub(crate) name: Option<String>,
    pub(crate) parent: Option<usize>,
    pub(crate) geometry: MultiPolygon<f64>,
}

impl Unit {
    /// The unit's id.
    pub fn id(&self) -> &UnitId {
        &self.id
    }

    /// The unit's display name, if one was given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Position of the parent unit in the level above; `None` on the top level.
    pub fn parent(&self) -> Option<usize> {
        self.parent
    }

    /// The unit's geometry in the project CRS (metres).
    pub fn geometry(&self) -> &MultiPolygon<f64> {
        &self.geometry
    }
}

/// A validated spatial hierarchy of named levels.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub(crate) levels: Vec<String>,
    /// Units per level, each level sorted by id.
    pub(crate) units: Vec<Vec<Unit>>,
}

impl Hierarchy {
    /// The hierarchy down to level `finest` (inclusive), whose units become the leaves.
    ///
    /// Unit order, ids, parents and geometries stay as they are. `finest` beyond the blocks
    /// keeps every level.
    pub(crate) fn truncated(&self, finest: usize) -> Hierarchy {
        let keep = (finest + 1).min(self.levels.len());
        Hierarchy {
            levels: self.levels[..keep].to_vec(),
            units: self.units[..keep].to_vec(),
        }
    }

    /// The level names, from the top (index 0) to the blocks (last).
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// The index of the level with this name.
    pub fn level(&self, name: &str) -> Option<usize> {
        self.levels.iter().position(|l| l == name)
    }

    /// The index of the lowest level (the blocks).
    pub fn block_level(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    /// The units of a level, sorted by id; empty for a level index out of range.
    pub fn units(&self, level: usize) -> &[Unit] {
        self.units.get(level).map_or(&[], Vec::as_slice)
    }

    /// The blocks (units of the lowest level), sorted by id.
    pub fn blocks(&self) -> &[Unit] {
        self.units(self.block_level())
    }

    /// The position of the unit with this id in its level.
    ///
    /// `O(log n)`: levels are sorted by id.
    pub fn position(&self, level: usize, id: &str) -> Option<usize> {
        self.units(level)
            .binary_search_by(|u| u.id.as_str().cmp(id))
            .ok()
    }

    /// The unit at position `pos` of a level; `None` when either is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// # use quartier::{BlockFeature, HierarchyBuilder};
    /// # use geo::{MultiPolygon, polygon};
    /// let mut b = HierarchyBuilder::new(["quartier", "baublock"]);
    /// let square = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
    /// b.add_block(BlockFeature { feature: 0, ids: vec!["Q1".into(), "B1".into()], name: None,
    ///     geometry: MultiPolygon::new(vec![square]) });
    /// let (h, _) = b.build()?;
    /// assert_eq!(h.unit(1, 0).map(|u| u.id().as_str()), Some("B1"));
    /// assert!(h.unit(1, 1).is_none());
    /// # Ok::<(), quartier::HierarchyError>(())
    /// ```
    pub fn unit(&self, level: usize, pos: usize) -> Option<&Unit> {
        self.units(level).get(pos)
    }

    /// The unit of a level with this id; `O(log n)`.
    pub fn unit_by_id(&self, level: usize, id: &str) -> Option<&Unit> {
        self.position(level, id)
            .and_then(|pos| self.unit(level, pos))
    }

    /// The positions of the children (in level `level + 1`) of the unit at `pos`, ascending.
    ///
    /// Empty for the block level or positions out of range. `O(n)` in the size of the level
    /// below; use [`Hierarchy::ancestors`] to map many units at once.
    pub fn children(&self, level: usize, pos: usize) -> Vec<usize> {
        self.units(level + 1)
            .iter()
            .enumerate()
            .filter(|(_, u)| u.parent == Some(pos))
            .map(|(i, _)| i)
            .collect()
    }

    /// For every unit of level `from`, the position of its ancestor at level `to`
    /// (`to <= from`; for `to == from` the identity).
    ///
    /// Returns `None` when `to > from` or a level is out of range.
    pub fn ancestors(&self, from: usize, to: usize) -> Option<Vec<usize>> {
        if to > from || from >= self.levels.len() {
            return None;
        }
        let mut map: Vec<usize> = (0..self.units[from].len()).collect();
        for level in (to + 1..=from).rev() {
            for pos in &mut map {
                *pos = self.units[level][*pos].parent?;
            }
        }
        Some(map)
    }
}

/// Errors of building a [`Hierarchy`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HierarchyError {
    /// Building the hierarchy from a project's layers failed; names the layer files (the
    /// error's own message names level, unit and feature).
    #[error("{layers}: {error}")]
    Layers {
        /// The block layer and any upper-level layers, as the project names them.
        layers: String,
        /// What went wrong.
        error: Box<HierarchyError>,
    },
    /// A hierarchy needs at least one level.
    #[error("a hierarchy needs at least one level")]
    NoLevels,
    /// No block was added to the builder.
    #[error("a hierarchy needs at least one block")]
    NoBlocks,
    /// A block names a different number of ids than there are levels.
    #[error("block feature {feature} has {got} ids, expected {expected} (one per level)")]
    WrongIdCount {
        /// Index of the block in its layer.
        feature: usize,
        /// Number of levels.
        expected: usize,
        /// Number of ids the block names.
        got: usize,
    },
    /// A unit was added for a level that is not an upper level (the block level or beyond).
    #[error(
        "unit feature {feature} is given for level {level}, but the upper levels are 0..{upper_levels}"
    )]
    UnitLevelOutOfRange {
        /// Index of the unit in its layer.
        feature: usize,
        /// The level it was added for.
        level: usize,
        /// Number of upper levels (all levels but the blocks).
        upper_levels: usize,
    },
    /// Validation found errors; the report lists them (and any warnings). The message names
    /// the first error, so that a caller who prints only the error sees what is wrong.
    #[error(
        "the hierarchy is invalid: {} error(s), {} warning(s); the first: {}",
        .report.errors().count(),
        .report.warnings().count(),
        .report.first_error()
    )]
    Invalid {
        /// All findings of the validation.
        report: ValidationReport,
    },
}

/// One feature of the block layer: the ids of all levels, top first, the block's own id last.
///
/// `feature` is the index of the feature in its layer (file); findings and errors name it.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockFeature {
    /// Index of the feature in its layer.
    pub feature: usize,
    /// The ids of the block's units on every level, from the top; the block's own id last.
    pub ids: Vec<String>,
    /// The block's display name, if any.
    pub name: Option<String>,
    /// The block's geometry in the project CRS (metres).
    pub geometry: MultiPolygon<f64>,
}

/// A given unit of an upper level: a name and/or an official geometry.
///
/// A unit's place in the hierarchy (its parent) always comes from the blocks; a given unit
/// only adds a name and, optionally, a geometry that replaces the one dissolved from its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFeature {
    /// Index of the feature in its layer.
    pub feature: usize,
    /// The unit's id, as the blocks name it.
    pub id: String,
    /// The unit's display name, if any.
    pub name: Option<String>,
    /// The unit's geometry; `None` dissolves it from the unit's blocks.
    pub geometry: Option<MultiPolygon<f64>>,
}

/// How serious a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The hierarchy cannot be built.
    Error,
    /// The hierarchy can be built, but the data deserves a look (overlaps, gaps).
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// The largest coordinate magnitude, in metres, that validation accepts in a geometry:
/// 10⁹ m, 25 times the Earth's circumference.
///
/// Projected coordinates of a real place stay far below it (UTM eastings with a zone prefix
/// reach 3.3 × 10⁷ m); beyond it a value is garbage (`1e300` in an export), and the
/// products that areas and intersection tests compute would lose all precision or overflow
/// to infinity. A larger coordinate is reported as [`GeometryProblem::CoordinateOutOfRange`].
///
/// # Examples
///
/// ```
/// assert_eq!(quartier::MAX_COORDINATE_M, 1e9);
/// ```
pub const MAX_COORDINATE_M: f64 = 1e9;

/// What is wrong with a geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GeometryProblem {
    /// A ring's first and last positions differ (seen by readers on the raw input; geo-types
    /// closes rings on construction).
    UnclosedRing,
    /// A ring has fewer than 4 positions (3 distinct corners plus the closing one), counted
    /// after dropping repeated consecutive positions.
    TooFewPoints,
    /// A ring crosses or touches itself, two rings of a polygon cross or share a stretch of
    /// boundary, or a ring runs back on itself (a spike).
    SelfIntersection,
    /// A coordinate is NaN or infinite.
    NonFiniteCoordinate,
    /// A coordinate is finite but its magnitude exceeds [`MAX_COORDINATE_M`]: no position in
    /// a projected CRS (a garbage value such as `1e300`, or degrees ×10⁹); areas computed
    /// from it would overflow.
    CoordinateOutOfRange,
    /// The geometry has no polygon (or no position at all).
    Empty,
}

impl fmt::Display for GeometryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GeometryProblem::UnclosedRing => "a ring is not closed",
            GeometryProblem::TooFewPoints => "a ring has fewer than 4 points",
            GeometryProblem::SelfIntersection => "the boundary intersects itself",
            GeometryProblem::NonFiniteCoordinate => "a coordinate is not a finite number",
            GeometryProblem::CoordinateOutOfRange => {
                "a coordinate is beyond ±1e9 m, no position in a projected crs"
            }
            GeometryProblem::Empty => "the geometry is empty",
        })
    }
}

/// One problem found by validating the input of a [`HierarchyBuilder`].
///
/// Every variant names the level (index, 0 = top), the feature index and the unit id it
/// concerns. `feature` is the index in the layer the unit came from: the block layer for blocks
/// and for upper units known only from the blocks (the first block that names them), the unit
/// layer for units given with [`HierarchyBuilder::add_unit`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Finding {
    /// A block has an empty id on some level; the block is ignored.
    EmptyId {
        /// The level whose id is empty.
        level: usize,
        /// Index of the block (or given unit) in its layer.
        feature: usize,
    },
    /// A block names a different number of ids than there are levels; the block is ignored.
    WrongIdCount {
        /// Index of the block in its layer.
        feature: usize,
        /// Number of levels.
        expected: usize,
        /// Number of ids the block names.
        got: usize,
    },
    /// A unit was given for a level that is not an upper level.
    UnitLevelOutOfRange {
        /// The level it was given for.
        level: usize,
        /// Index of the unit in its layer.
        feature: usize,
        /// The unit's id.
        id: UnitId,
    },
    /// There is no block at all.
    NoBlocks,
    /// Two features of a level have the same id; the later one is ignored.
    DuplicateId {
        /// The level.
        level: usize,
        /// Index of the later feature.
        feature: usize,
        /// The id.
        id: UnitId,
        /// Index of the first feature with this id.
        first_feature: usize,
    },
    /// A unit's parent id is not among the units given for the level above (checked only for
    /// levels for which units were given).
    Orphan {
        /// The level of the unit.
        level: usize,
        /// Index of the first block that names the unit.
        feature: usize,
        /// The unit's id.
        id: UnitId,
        /// The parent id that was not given.
        parent_id: UnitId,
    },
    /// Blocks disagree about a unit's parent: e.g. quarter `Q1` is in district `A` for one block
    /// and in district `B` for another.
    ParentConflict {
        /// The level of the unit whose parent is disputed.
        level: usize,
        /// Index of the block that names the other parent.
        feature: usize,
        /// The unit's id.
        id: UnitId,
        /// The parent named by the first block.
        first_parent: UnitId,
        /// The other parent.
        other_parent: UnitId,
    },
    /// A geometry is not valid.
    InvalidGeometry {
        /// The level.
        level: usize,
        /// Index of the feature in its layer.
        feature: usize,
        /// The unit's id.
        id: UnitId,
        /// What is wrong.
        problem: GeometryProblem,
    },
    /// Two units of a level overlap by more than the overlap tolerance. For blocks this means
    /// points in the overlap could belong to either.
    Overlap {
        /// The level.
        level: usize,
        /// Index of the first unit's feature.
        feature: usize,
        /// The first unit's id.
        id: UnitId,
        /// Index of the other unit's feature.
        other_feature: usize,
        /// The other unit's id.
        other_id: UnitId,
        /// The area of the overlap in m².
        area_m2: f64,
    },
    /// A given unit geometry is not covered by the blocks beneath it by more than the gap
    /// tolerance: records there would fall outside every block.
    Gap {
        /// The level of the given unit.
        level: usize,
        /// Index of the unit's feature in its layer.
        feature: usize,
        /// The unit's id.
        id: UnitId,
        /// The uncovered area in m².
        area_m2: f64,
    },
    /// The blocks beneath a given unit cover more than the gap tolerance outside its given
    /// geometry.
    Excess {
        /// The level of the given unit.
        level: usize,
        /// Index of the unit's feature in its layer.
        feature: usize,
        /// The unit's id.
        id: UnitId,
        /// The area of the blocks outside the unit's geometry, in m².
        area_m2: f64,
    },
    /// A unit was given for an upper level, but no block names it; it is left out.
    UnusedUnit {
        /// The level.
        level: usize,
        /// Index of the unit's feature in its layer.
        feature: usize,
        /// The unit's id.
        id: UnitId,
    },
}

impl Finding {
    /// Overlaps, gaps, excess area and unused units are warnings; everything else is an error.
    pub fn severity(&self) -> Severity {
        match self {
            Finding::Overlap { .. }
            | Finding::Gap { .. }
            | Finding::Excess { .. }
            | Finding::UnusedUnit { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The level the finding concerns, if any.
    pub fn level(&self) -> Option<usize> {
        match self {
            Finding::EmptyId { level, .. }
            | Finding::UnitLevelOutOfRange { level, .. }
            | Finding::DuplicateId { level, .. }
            | Finding::Orphan { level, .. }
            | Finding::ParentConflict { level, .. }
            | Finding::InvalidGeometry { level, .. }
            | Finding::Overlap { level, .. }
            | Finding::Gap { level, .. }
            | Finding::Excess { level, .. }
            | Finding::UnusedUnit { level, .. } => Some(*level),
            Finding::WrongIdCount { .. } | Finding::NoBlocks => None,
        }
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>, levels: &[String]) -> fmt::Result {
        let name = |level: &usize| -> String {
            levels
                .get(*level)
                .cloned()
                .unwrap_or_else(|| format!("level {level}"))
        };
        match self {
            Finding::EmptyId { level, feature } => {
                write!(f, "feature {feature}: empty {} id", name(level))
            }
            Finding::WrongIdCount {
                feature,
                expected,
                got,
            } => write!(
                f,
                "feature {feature}: {got} ids, expected {expected} (one per level)"
            ),
            Finding::UnitLevelOutOfRange { level, feature, id } => write!(
                f,
                "feature {feature}: unit {id} given for level {level}, which is not an upper level"
            ),
            Finding::NoBlocks => f.write_str("there is no block"),
            Finding::DuplicateId {
                level,
                feature,
                id,
                first_feature,
            } => write!(
                f,
                "{} {id} (feature {feature}): duplicate id, first used by feature {first_feature}",
                name(level)
            ),
            Finding::Orphan {
                level,
                feature,
                id,
                parent_id,
            } => write!(
                f,
                "{} {id} (feature {feature}): parent {} {parent_id} is not among the given units",
                name(level),
                level.checked_sub(1).map_or_else(String::new, |l| name(&l))
            ),
            Finding::ParentConflict {
                level,
                feature,
                id,
                first_parent,
                other_parent,
            } => write!(
                f,
                "{} {id} (feature {feature}): parent {other_parent} conflicts with parent \
                 {first_parent} named by an earlier block",
                name(level)
            ),
            Finding::InvalidGeometry {
                level,
                feature,
                id,
                problem,
            } => write!(
                f,
                "{} {id} (feature {feature}): invalid geometry: {problem}",
                name(level)
            ),
            Finding::Overlap {
                level,
                feature,
                id,
                other_feature,
                other_id,
                area_m2,
            } => write!(
                f,
                "{} {id} (feature {feature}) overlaps {other_id} (feature {other_feature}) by \
                 {area_m2:.2} m²",
                name(level)
            ),
            Finding::Gap {
                level,
                feature,
                id,
                area_m2,
            } => write!(
                f,
                "{} {id} (feature {feature}): {area_m2:.2} m² not covered by its blocks",
                name(level)
            ),
            Finding::Excess {
                level,
                feature,
                id,
                area_m2,
            } => write!(
                f,
                "{} {id} (feature {feature}): its blocks cover {area_m2:.2} m² outside its geometry",
                name(level)
            ),
            Finding::UnusedUnit { level, feature, id } => write!(
                f,
                "{} {id} (feature {feature}): no block names this unit; it is left out",
                name(level)
            ),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity())?;
        self.describe(f, &[])
    }
}

/// The findings of validating a hierarchy's input, in a deterministic order.
///
/// Its `Display` prints one line per finding, e.g.
/// `error: baublock B7 (feature 6): duplicate id, first used by feature 2`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidationReport {
    levels: Vec<String>,
    findings: Vec<Finding>,
}

impl ValidationReport {
    /// All findings.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// `true` when no finding is an error (warnings may remain).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// `true` when there is no finding at all.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The findings of severity [`Severity::Error`].
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity() == Severity::Error)
    }

    /// The findings of severity [`Severity::Warning`].
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity() == Severity::Warning)
    }

    /// The level names the findings refer to.
    pub fn levels(&self) -> &[String] {
        &self.levels
    }
}

impl ValidationReport {
    /// The first error, described as in the report (empty when there is none).
    fn first_error(&self) -> String {
        self.errors()
            .next()
            .map(|finding| {
                struct Describe<'a>(&'a Finding, &'a [String]);
                impl fmt::Display for Describe<'_> {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        self.0.describe(f, self.1)
                    }
                }
                Describe(finding, &self.levels).to_string()
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            write!(f, "{}: ", finding.severity())?;
            finding.describe(f, &self.levels)?;
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The default overlap tolerance: 1 m², far below any real block, above digitizing noise.
pub const DEFAULT_OVERLAP_TOLERANCE_M2: f64 = 1.0;
/// The default gap tolerance: 1 m².
pub const DEFAULT_GAP_TOLERANCE_M2: f64 = 1.0;

/// Builds and validates a [`Hierarchy`] from a block layer and optional upper-level units.
///
/// Each block names its ids on all levels (top first, its own last); the upper units and their
/// parent links are derived from these ids. Upper units may be given with
/// [`add_unit`](Self::add_unit) to add names and official geometries; units without a given
/// geometry are dissolved from their blocks (union of the block polygons).
///
/// Validation reports, as [`Finding`]s:
/// - errors: duplicate ids, empty ids, wrong id counts, orphans (a parent id missing among the
///   given units of the level above, when units were given for it), parent conflicts, invalid
///   geometries (empty, non-finite coordinates, rings with too few points, self-intersections);
/// - warnings: overlaps between units of a level above the overlap tolerance, gaps (area of a
///   given unit not covered by its blocks) and excess (area of its blocks outside it) above the
///   gap tolerance, given units no block names.
///
/// Overlaps are found with an R-tree over the envelopes; a pair is measured exactly (boolean
/// intersection) only when its envelopes overlap by more than the tolerance, so blocks that
/// merely touch cost next to nothing. Geometries are stored with exterior rings
/// counter-clockwise and holes clockwise.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use quartier::{BlockFeature, HierarchyBuilder};
///
/// let square = |x0: f64| MultiPolygon::new(vec![polygon![
///     (x: x0, y: 0.0), (x: x0 + 10.0, y: 0.0), (x: x0 + 10.0, y: 10.0), (x: x0, y: 10.0)]]);
/// let mut b = HierarchyBuilder::new(["quartier", "baublock"]);
/// for (i, (q, id)) in [("Q1", "B1"), ("Q1", "B2"), ("Q2", "B3")].into_iter().enumerate() {
///     b.add_block(BlockFeature { feature: i, ids: vec![q.into(), id.into()], name: None,
///         geometry: square(10.0 * i as f64) });
/// }
/// let (h, report) = b.build()?;
/// assert!(report.is_empty());
/// assert_eq!(h.units(0).len(), 2);
/// assert_eq!(h.blocks()[2].parent(), Some(1)); // B3 is in Q2
/// // Q1 is dissolved from B1 and B2 into one 20 m × 10 m polygon
/// assert_eq!(h.units(0)[0].geometry().0.len(), 1);
/// # Ok::<(), quartier::HierarchyError>(())
/// ```
#[doc(alias = "Gebietshierarchie")]
#[derive(Debug, Clone)]
pub struct HierarchyBuilder {
    levels: Vec<String>,
    blocks: Vec<BlockFeature>,
    units: Vec<(usize, UnitFeature)>,
    problems: Vec<(usize, usize, UnitId, GeometryProblem)>,
    overlap_tolerance_m2: f64,
    gap_tolerance_m2: f64,
}

impl HierarchyBuilder {
    /// A builder for the given level names, from the top to the blocks.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(levels: I) -> Self {
        Self {
            levels: levels.into_iter().map(Into::into).collect(),
            blocks: Vec::new(),
            units: Vec::new(),
            problems: Vec::new(),
            overlap_tolerance_m2: DEFAULT_OVERLAP_TOLERANCE_M2,
            gap_tolerance_m2: DEFAULT_GAP_TOLERANCE_M2,
        }
    }

    /// Overlaps up to this area (m²) are not reported; default
    /// [`DEFAULT_OVERLAP_TOLERANCE_M2`]. Negative or NaN values count as 0.
    pub fn with_overlap_tolerance_m2(mut self, tol: f64) -> Self {
        self.overlap_tolerance_m2 = sanitize_tolerance(tol);
        self
    }

    /// Gaps and excess areas up to this area (m²) are not reported; default
    /// [`DEFAULT_GAP_TOLERANCE_M2`]. Negative or NaN values count as 0.
    pub fn with_gap_tolerance_m2(mut self, tol: f64) -> Self {
        self.gap_tolerance_m2 = sanitize_tolerance(tol);
        self
    }

    /// Adds a block.
    pub fn add_block(&mut self, block: BlockFeature) {
        self.blocks.push(block);
    }

    /// Adds a given unit of an upper level (`level < levels - 1`): its name and, optionally,
    /// its geometry.
    pub fn add_unit(&mut self, level: usize, unit: UnitFeature) {
        self.units.push((level, unit));
    }

    /// Records a geometry problem that a reader saw in the raw input but that the geometry
    /// types cannot carry (an unclosed ring: geo-types closes rings on construction). It is
    /// reported as [`Finding::InvalidGeometry`].
    pub fn add_geometry_problem(
        &mut self,
        level: usize,
        feature: usize,
        id: impl Into<UnitId>,
        problem: GeometryProblem,
    ) {
        self.problems.push((level, feature, id.into(), problem));
    }

    /// Validates the input without building the hierarchy.
    ///
    /// The report holds every finding that [`build`](Self::build) would report, including the
    /// structural ones that make `build` fail early (no blocks, wrong id counts).
    pub fn validate(&self) -> ValidationReport {
        self.analyze(false).0
    }

    /// Validates the input and builds the hierarchy.
    ///
    /// # Errors
    ///
    /// - [`HierarchyError::NoLevels`], [`HierarchyError::NoBlocks`],
    ///   [`HierarchyError::WrongIdCount`] (the first such block),
    ///   [`HierarchyError::UnitLevelOutOfRange`] (the first such unit);
    /// - [`HierarchyError::Invalid`] when validation finds any error; the report lists all
    ///   findings.
    ///
    /// On success the report holds the warnings (overlaps, gaps, ...).
    pub fn build(self) -> Result<(Hierarchy, ValidationReport), HierarchyError> {
        if self.levels.is_empty() {
            return Err(HierarchyError::NoLevels);
        }
        if self.blocks.is_empty() {
            return Err(HierarchyError::NoBlocks);
        }
        let n = self.levels.len();
        if let Some(b) = self.blocks.iter().find(|b| b.ids.len() != n) {
            return Err(HierarchyError::WrongIdCount {
                feature: b.feature,
                expected: n,
                got: b.ids.len(),
            });
        }
        if let Some((level, u)) = self.units.iter().find(|(l, _)| *l + 1 >= n) {
            return Err(HierarchyError::UnitLevelOutOfRange {
                feature: u.feature,
                level: *level,
                upper_levels: n - 1,
            });
        }
        let (report, hierarchy) = self.analyze(true);
        match hierarchy {
            Some(h) if report.is_valid() => Ok((h, report)),
            _ => Err(HierarchyError::Invalid { report }),
        }
    }

    /// Runs all checks; builds the hierarchy too when `build` and no error was found.
    fn analyze(&self, build: bool) -> (ValidationReport, Option<Hierarchy>) {
        let n = self.levels.len();
        let bl = n.saturating_sub(1);
        let mut findings = Vec::new();
        if self.blocks.is_empty() {
            findings.push(Finding::NoBlocks);
        }

        // Given units per upper level: id -> index into self.units.
        let mut given: Vec<BTreeMap<&str, usize>> = vec![BTreeMap::new(); bl];
        for (k, (level, u)) in self.units.iter().enumerate() {
            if *level >= bl {
                findings.push(Finding::UnitLevelOutOfRange {
                    level: *level,
                    feature: u.feature,
                    id: UnitId::new(u.id.as_str()),
                });
                continue;
            }
            if u.id.is_empty() {
                findings.push(Finding::EmptyId {
                    level: *level,
                    feature: u.feature,
                });
                continue;
            }
            match given[*level].get(u.id.as_str()) {
                Some(&first) => findings.push(Finding::DuplicateId {
                    level: *level,
                    feature: u.feature,
                    id: UnitId::new(u.id.as_str()),
                    first_feature: self.units[first].1.feature,
                }),
                None => {
                    given[*level].insert(u.id.as_str(), k);
                }
            }
        }

        // Units per level as named by the blocks: id -> (first feature, parent id).
        let mut named: Vec<BTreeMap<&str, Named<'_>>> = vec![BTreeMap::new(); n];
        // Blocks that take part (correct id count, no empty id, first of their id).
        let mut accepted: Vec<usize> = Vec::new();
        let mut conflicts: HashSet<(usize, &str, &str)> = HashSet::new();
        for (k, b) in self.blocks.iter().enumerate() {
            if b.ids.len() != n {
                findings.push(Finding::WrongIdCount {
                    feature: b.feature,
                    expected: n,
                    got: b.ids.len(),
                });
                continue;
            }
            if let Some(level) = b.ids.iter().position(String::is_empty) {
                findings.push(Finding::EmptyId {
                    level,
                    feature: b.feature,
                });
                continue;
            }
            let id = b.ids[bl].as_str();
            if let Some(first) = named[bl].get(id) {
                findings.push(Finding::DuplicateId {
                    level: bl,
                    feature: b.feature,
                    id: UnitId::new(id),
                    first_feature: first.feature,
                });
                continue;
            }
            accepted.push(k);
            for (level, units_of_level) in named.iter_mut().enumerate() {
                let uid = b.ids[level].as_str();
                let parent = level.checked_sub(1).map(|p| b.ids[p].as_str());
                match units_of_level.get(uid) {
                    None => {
                        units_of_level.insert(
                            uid,
                            Named {
                                feature: b.feature,
                                block: k,
                                parent,
                            },
                        );
                    }
                    Some(first) => {
                        let Some((fp, op)) = first.parent.zip(parent) else {
                            continue;
                        };
                        if fp != op && conflicts.insert((level, uid, op)) {
                            findings.push(Finding::ParentConflict {
                                level,
                                feature: b.feature,
                                id: UnitId::new(uid),
                                first_parent: UnitId::new(fp),
                                other_parent: UnitId::new(op),
                            });
                        }
                    }
                }
            }
        }

        // Orphans: parents missing among the given units of the level above.
        for level in 1..n {
            let above = &given[level - 1];
            if above.is_empty() {
                continue;
            }
            for (id, nm) in &named[level] {
                let Some(p) = nm.parent else { continue };
                if !above.contains_key(p) {
                    findings.push(Finding::Orphan {
                        level,
                        feature: nm.feature,
                        id: UnitId::new(*id),
                        parent_id: UnitId::new(p),
                    });
                }
            }
        }

        // Given units that no block names.
        for (level, g) in given.iter().enumerate() {
            for (id, &k) in g {
                if !named[level].contains_key(id) {
                    findings.push(Finding::UnusedUnit {
                        level,
                        feature: self.units[k].1.feature,
                        id: UnitId::new(*id),
                    });
                }
            }
        }

        // Geometry validity: reported raw problems, blocks, given units.
        for (level, feature, id, problem) in &self.problems {
            findings.push(Finding::InvalidGeometry {
                level: *level,
                feature: *feature,
                id: id.clone(),
                problem: *problem,
            });
        }
        let block_problems: Vec<Option<GeometryProblem>> = self
            .blocks
            .par_iter()
            .map(|b| geometry_problem(&b.geometry))
            .collect();
        for (b, p) in self.blocks.iter().zip(&block_problems) {
            if let Some(problem) = p {
                findings.push(Finding::InvalidGeometry {
                    level: bl,
                    feature: b.feature,
                    id: UnitId::new(b.ids.last().map_or("", String::as_str)),
                    problem: *problem,
                });
            }
        }
        let mut given_ok: Vec<bool> = vec![false; self.units.len()];
        for g in &given {
            for &k in g.values() {
                let (level, u) = &self.units[k];
                match u.geometry.as_ref().map(geometry_problem) {
                    Some(Some(problem)) => findings.push(Finding::InvalidGeometry {
                        level: *level,
                        feature: u.feature,
                        id: UnitId::new(u.id.as_str()),
                        problem,
                    }),
                    Some(None) => given_ok[k] = true,
                    None => {}
                }
            }
        }
        let raw_bad: HashSet<(usize, usize)> = self
            .problems
            .iter()
            .map(|(level, feature, _, _)| (*level, *feature))
            .collect();

        // Oriented geometries of the blocks that are valid and accepted.
        let blocks: Vec<(usize, MultiPolygon<f64>)> = accepted
            .par_iter()
            .filter(|&&k| {
                block_problems[k].is_none() && !raw_bad.contains(&(bl, self.blocks[k].feature))
            })
            .map(|&k| (k, self.blocks[k].geometry.orient(Direction::Default)))
            .collect();

        // Overlaps among blocks and among given units of each level.
        let items: Vec<OverlapItem<'_>> = blocks
            .iter()
            .map(|(k, g)| OverlapItem {
                feature: self.blocks[*k].feature,
                id: self.blocks[*k].ids[bl].as_str(),
                geometry: g,
            })
            .collect();
        for (a, b, area_m2) in find_overlaps(&items, self.overlap_tolerance_m2) {
            findings.push(Finding::Overlap {
                level: bl,
                feature: items[a].feature,
                id: UnitId::new(items[a].id),
                other_feature: items[b].feature,
                other_id: UnitId::new(items[b].id),
                area_m2,
            });
        }
        let mut given_geoms: HashMap<usize, MultiPolygon<f64>> = HashMap::new();
        for (level, g) in given.iter().enumerate() {
            let mut keys: Vec<usize> = g
                .values()
                .copied()
                .filter(|&k| given_ok[k] && !raw_bad.contains(&(level, self.units[k].1.feature)))
                .collect();
            keys.sort_unstable();
            for &k in &keys {
                if let Some(geom) = &self.units[k].1.geometry {
                    given_geoms.insert(k, geom.orient(Direction::Default));
                }
            }
            let items: Vec<OverlapItem<'_>> = keys
                .iter()
                .filter_map(|k| {
                    given_geoms.get(k).map(|geometry| OverlapItem {
                        feature: self.units[*k].1.feature,
                        id: self.units[*k].1.id.as_str(),
                        geometry,
                    })
                })
                .collect();
            for (a, b, area_m2) in find_overlaps(&items, self.overlap_tolerance_m2) {
                findings.push(Finding::Overlap {
                    level,
                    feature: items[a].feature,
                    id: UnitId::new(items[a].id),
                    other_feature: items[b].feature,
                    other_id: UnitId::new(items[b].id),
                    area_m2,
                });
            }
        }

        // Gaps and excess of given geometries against the union of their blocks; dissolve.
        let structurally_ok = !findings.iter().any(|f| f.severity() == Severity::Error);
        let build = build && structurally_ok;
        // Per upper level: for every named unit (sorted by id), the block union if needed.
        let mut unions: Vec<Vec<Option<MultiPolygon<f64>>>> = Vec::with_capacity(bl);
        for level in 0..bl {
            let ids: Vec<&str> = named[level].keys().copied().collect();
            let mut members: Vec<Vec<&MultiPolygon<f64>>> = vec![Vec::new(); ids.len()];
            for (k, g) in &blocks {
                let uid = self.blocks[*k].ids[level].as_str();
                if let Ok(pos) = ids.binary_search(&uid) {
                    members[pos].push(g);
                }
            }
            let needed: Vec<bool> = ids
                .iter()
                .map(|id| {
                    let given_geom = given[level]
                        .get(id)
                        .is_some_and(|k| given_geoms.contains_key(k));
                    given_geom || build
                })
                .collect();
            let level_unions: Vec<Option<MultiPolygon<f64>>> = members
                .par_iter()
                .zip(needed.par_iter())
                .map(|(m, &need)| need.then(|| unary_union(m.iter().copied())))
                .collect();
            for (pos, id) in ids.iter().enumerate() {
                let Some(&k) = given[level].get(id) else {
                    continue;
                };
                let (Some(geom), Some(union)) = (given_geoms.get(&k), &level_unions[pos]) else {
                    continue;
                };
                let gap = geom.difference(union).unsigned_area();
                let excess = union.difference(geom).unsigned_area();
                let feature = self.units[k].1.feature;
                if gap > self.gap_tolerance_m2 {
                    findings.push(Finding::Gap {
                        level,
                        feature,
                        id: UnitId::new(*id),
                        area_m2: gap,
                    });
                }
                if excess > self.gap_tolerance_m2 {
                    findings.push(Finding::Excess {
                        level,
                        feature,
                        id: UnitId::new(*id),
                        area_m2: excess,
                    });
                }
            }
            unions.push(level_unions);
        }

        let report = ValidationReport {
            levels: self.levels.clone(),
            findings,
        };
        if !build || !report.is_valid() {
            return (report, None);
        }

        // Assemble: every level sorted by id; parents by binary search in the level above.
        let mut units: Vec<Vec<Unit>> = Vec::with_capacity(n);
        let mut block_geoms: HashMap<usize, MultiPolygon<f64>> = blocks.into_iter().collect();
        for level in 0..n {
            let above: Vec<&str> = if level == 0 {
                Vec::new()
            } else {
                named[level - 1].keys().copied().collect()
            };
            let mut level_units = Vec::with_capacity(named[level].len());
            for (pos, (id, nm)) in named[level].iter().enumerate() {
                let parent = nm.parent.and_then(|p| above.binary_search(&p).ok());
                debug_assert_eq!(parent.is_some(), level > 0);
                let (name, geometry) = if level == bl {
                    let name = self.blocks[nm.block].name.clone();
                    let geometry = block_geoms
                        .remove(&nm.block)
                        .unwrap_or_else(|| MultiPolygon::new(Vec::new()));
                    (name, geometry)
                } else {
                    let given_unit = given[level].get(id).copied();
                    let name = given_unit.and_then(|k| self.units[k].1.name.clone());
                    let geometry = given_unit
                        .and_then(|k| given_geoms.remove(&k))
                        .or_else(|| unions[level].get_mut(pos).and_then(Option::take))
                        .unwrap_or_else(|| MultiPolygon::new(Vec::new()));
                    (name, geometry)
                };
                level_units.push(Unit {
                    id: UnitId::new(*id),
                    name,
                    parent,
                    geometry,
                });
            }
            units.push(level_units);
        }
        let hierarchy = Hierarchy {
            levels: self.levels.clone(),
            units,
        };
        (report, Some(hierarchy))
    }
}

#[derive(Debug, Clone, Copy)]
struct Named<'a> {
    /// Index in its layer of the first block naming the unit.
    feature: usize,
    /// Index into the builder's blocks of that block.
    block: usize,
    parent: Option<&'a str>,
}

fn sanitize_tolerance(tol: f64) -> f64 {
    if tol.is_nan() { 0.0 } else { tol.max(0.0) }
}

struct OverlapItem<'a> {
    feature: usize,
    id: &'a str,
    geometry: &'a MultiPolygon<f64>,
}

/// Pairs `(a, b, area_m2)` with `a < b` whose intersection area exceeds `tol`, sorted.
///
/// An R-tree over the envelopes yields candidate pairs; a pair whose envelopes overlap by no
/// more than `tol` cannot overlap by more either and is skipped without an exact test.
fn find_overlaps(items: &[OverlapItem<'_>], tol: f64) -> Vec<(usize, usize, f64)> {
    let rects: Vec<Option<Rect<f64>>> = items.iter().map(|i| i.geometry.bounding_rect()).collect();
    let tree = RTree::bulk_load(
        rects
            .iter()
            .enumerate()
            .filter_map(|(k, r)| {
                r.map(|r| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        k,
                    )
                })
            })
            .collect(),
    );
    let mut pairs: Vec<(usize, usize, f64)> = rects
        .par_iter()
        .enumerate()
        .flat_map_iter(|(a, ra)| {
            let mut out = Vec::new();
            if let Some(ra) = ra {
                let env = AABB::from_corners([ra.min().x, ra.min().y], [ra.max().x, ra.max().y]);
                for cand in tree.locate_in_envelope_intersecting(&env) {
                    let b = cand.data;
                    if b <= a {
                        continue;
                    }
                    let Some(rb) = rects[b] else { continue };
                    let w = ra.max().x.min(rb.max().x) - ra.min().x.max(rb.min().x);
                    let h = ra.max().y.min(rb.max().y) - ra.min().y.max(rb.min().y);
                    if w <= 0.0 || h <= 0.0 || w * h <= tol {
                        continue;
                    }
                    let area = items[a]
                        .geometry
                        .intersection(items[b].geometry)
                        .unsigned_area();
                    if area > tol {
                        out.push((a, b, area));
                    }
                }
            }
            out
        })
        .collect();
    pairs.sort_by_key(|&(a, b, _)| (a, b));
    pairs
}

/// The first problem of a geometry, checked in this order: empty, non-finite coordinates, too
/// few points, self-intersection. `None` for a valid geometry.
///
/// Self-intersection is decided with exact orientation predicates (no epsilon): within a ring
/// any contact of non-adjacent edges and any back-tracking of adjacent edges; between rings of
/// one polygon a proper crossing or a shared stretch of boundary (touching at single points is
/// allowed, as in OGC simple features). Polygons of a multipolygon are not checked against
/// each other; overlaps between units are reported separately.
///
/// `O(n log n + k)` per polygon for `n` edges and `k` pairs of edges with overlapping
/// x-ranges and y-ranges (a sweep over edges sorted by their minimum x).
pub(crate) fn geometry_problem(mp: &MultiPolygon<f64>) -> Option<GeometryProblem> {
    if mp.0.iter().all(|p| p.exterior().0.is_empty()) {
        return Some(GeometryProblem::Empty);
    }
    let rings = || {
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    };
    if rings().any(|r| r.0.iter().any(|c| !c.x.is_finite() || !c.y.is_finite())) {
        return Some(GeometryProblem::NonFiniteCoordinate);
    }
    if rings().any(|r| {
        r.0.iter()
            .any(|c| c.x.abs() > MAX_COORDINATE_M || c.y.abs() > MAX_COORDINATE_M)
    }) {
        return Some(GeometryProblem::CoordinateOutOfRange);
    }
    let mut polygons: Vec<Vec<Vec<Coord<f64>>>> = Vec::with_capacity(mp.0.len());
    for p in &mp.0 {
        let mut rs = Vec::with_capacity(1 + p.interiors().len());
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            let v = ring_vertices(r);
            if r.0.len() < 4 || v.len() < 3 {
                return Some(GeometryProblem::TooFewPoints);
            }
            rs.push(v);
        }
        polygons.push(rs);
    }
    if polygons.iter().any(|rs| polygon_self_intersects(rs)) {
        return Some(GeometryProblem::SelfIntersection);
    }
    None
}

/// The distinct vertices of a ring in order: repeated consecutive positions and the closing
/// position dropped.
fn ring_vertices(ring: &LineString<f64>) -> Vec<Coord<f64>> {
    let mut v: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for &c in &ring.0 {
        if v.last() != Some(&c) {
            v.push(c);
        }
    }
    while v.len() > 1 && v.first() == v.last() {
        v.pop();
    }
    v
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    a: Coord<f64>,
    b: Coord<f64>,
    ring: usize,
    index: usize,
    ring_len: usize,
    min_x: f64,
    max_x: f64,
    min_y: f64,
    max_y: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contact {
    None,
    /// The segments share exactly one point.
    Touch,
    /// The segments cross at a point interior to both.
    Proper,
    /// The segments are collinear and share a stretch of positive length.
    Collinear,
}

fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    robust::orient2d(
        robust::Coord { x: a.x, y: a.y },
        robust::Coord { x: b.x, y: b.y },
        robust::Coord { x: c.x, y: c.y },
    )
}

/// `c`, known to be collinear with `a`–`b`, lies on the closed segment.
fn within_box(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> bool {
    c.x >= a.x.min(b.x) && c.x <= a.x.max(b.x) && c.y >= a.y.min(b.y) && c.y <= a.y.max(b.y)
}

fn contact(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> Contact {
    let o1 = orient(p1, p2, q1);
    let o2 = orient(p1, p2, q2);
    if o1 == 0.0 && o2 == 0.0 {
        // All four collinear: compare the intervals along the segments' main axis.
        let use_x = p1.x != p2.x || q1.x != q2.x;
        let (pa, pb, qa, qb) = if use_x {
            (p1.x, p2.x, q1.x, q2.x)
        } else {
            (p1.y, p2.y, q1.y, q2.y)
        };
        let lo = pa.min(pb).max(qa.min(qb));
        let hi = pa.max(pb).min(qa.max(qb));
        return if lo < hi {
            Contact::Collinear
        } else if lo == hi {
            Contact::Touch
        } else {
            Contact::None
        };
    }
    let o3 = orient(q1, q2, p1);
    let o4 = orient(q1, q2, p2);
    let opposite = |x: f64, y: f64| (x > 0.0 && y < 0.0) || (x < 0.0 && y > 0.0);
    if opposite(o1, o2) && opposite(o3, o4) {
        return Contact::Proper;
    }
    if (o1 == 0.0 && within_box(p1, p2, q1))
        || (o2 == 0.0 && within_box(p1, p2, q2))
        || (o3 == 0.0 && within_box(q1, q2, p1))
        || (o4 == 0.0 && within_box(q1, q2, p2))
    {
        return Contact::Touch;
    }
    Contact::None
}

/// Two collinear vectors from a common vertex point the same way (their edges overlap).
fn same_direction(s: Coord<f64>, p: Coord<f64>, q: Coord<f64>) -> bool {
    let sign = |v: f64| (v > 0.0) as i8 - (v < 0.0) as i8;
    sign(p.x - s.x) == sign(q.x - s.x) && sign(p.y - s.y) == sign(q.y - s.y)
}

/// Checks one pair of edges of a polygon; `true` when they make the polygon invalid.
fn edges_conflict(s: &Segment, t: &Segment) -> bool {
    if s.ring == t.ring {
        let m = s.ring_len;
        let (first, second) = if (s.index + 1) % m == t.index {
            (Some(s), t)
        } else if (t.index + 1) % m == s.index {
            (Some(t), s)
        } else {
            (None, t)
        };
        if let Some(first) = first {
            // Adjacent edges share first.b == second.a; invalid only if they run back.
            let shared = first.b;
            let p = first.a;
            let q = second.b;
            if m > 2 && orient(p, shared, q) == 0.0 && same_direction(shared, p, q) {
                return true;
            }
            return false;
        }
        contact(s.a, s.b, t.a, t.b) != Contact::None
    } else {
        matches!(
            contact(s.a, s.b, t.a, t.b),
            Contact::Proper | Contact::Collinear
        )
    }
}

fn polygon_self_intersects(rings: &[Vec<Coord<f64>>]) -> bool {
    let mut segs = segments(rings);
    segs.sort_by(|s, t| s.min_x.total_cmp(&t.min_x));
    for (i, s) in segs.iter().enumerate() {
        for t in &segs[i + 1..] {
            if t.min_x > s.max_x {
                break;
            }
            if t.min_y > s.max_y || t.max_y < s.min_y {
                continue;
            }
            if edges_conflict(s, t) {
                return true;
            }
        }
    }
    false
}

/// The edges of all rings of a polygon.
fn segments(rings: &[Vec<Coord<f64>>]) -> Vec<Segment> {
    let mut segs: Vec<Segment> = Vec::new();
    for (ring, v) in rings.iter().enumerate() {
        let m = v.len();
        for index in 0..m {
            let a = v[index];
            let b = v[(index + 1) % m];
            segs.push(Segment {
                a,
                b,
                ring,
                index,
                ring_len: m,
                min_x: a.x.min(b.x),
                max_x: a.x.max(b.x),
                min_y: a.y.min(b.y),
                max_y: a.y.max(b.y),
            });
        }
    }
    segs
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use geo::{Polygon, polygon};
    use proptest::prelude::*;

    /// The naive twin of [`polygon_self_intersects`]: every pair of edges.
    fn polygon_self_intersects_naive(rings: &[Vec<Coord<f64>>]) -> bool {
        let segs = segments(rings);
        segs.iter()
            .enumerate()
            .any(|(i, s)| segs[i + 1..].iter().any(|t| edges_conflict(s, t)))
    }

    /// The naive twin of [`find_overlaps`]: every pair, exact intersection area.
    fn find_overlaps_naive(items: &[OverlapItem<'_>], tol: f64) -> Vec<(usize, usize, f64)> {
        let mut out = Vec::new();
        for a in 0..items.len() {
            for b in a + 1..items.len() {
                let area = items[a]
                    .geometry
                    .intersection(items[b].geometry)
                    .unsigned_area();
                if area > tol {
                    out.push((a, b, area));
                }
            }
        }
        out
    }

    fn ring_strategy() -> impl Strategy<Value = Vec<Coord<f64>>> {
        // Small integer grid: many collinear edges, shared vertices and touches.
        prop::collection::vec((0i32..6, 0i32..6), 3..9).prop_map(|v| {
            v.into_iter()
                .map(|(x, y)| Coord {
                    x: f64::from(x),
                    y: f64::from(y),
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, rng_seed: prop::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

        #[test]
        fn sweep_equals_naive_self_intersection(
            shell in ring_strategy(),
            hole in prop::option::of(ring_strategy()),
        ) {
            let mut rings = vec![ring_vertices(&LineString::new(shell))];
            if let Some(h) = hole {
                rings.push(ring_vertices(&LineString::new(h)));
            }
            prop_assume!(rings.iter().all(|r| r.len() >= 3));
            prop_assert_eq!(polygon_self_intersects(&rings), polygon_self_intersects_naive(&rings));
        }

        #[test]
        fn indexed_overlaps_equal_naive(
            squares in prop::collection::vec((0i32..40, 0i32..40, 1i32..12), 1..25),
            tol in 0.0f64..20.0,
        ) {
            let geoms: Vec<MultiPolygon<f64>> = squares
                .iter()
                .map(|&(x, y, s)| square(f64::from(x), f64::from(y), f64::from(s)))
                .collect();
            let items: Vec<OverlapItem<'_>> = geoms
                .iter()
                .enumerate()
                .map(|(k, g)| OverlapItem { feature: k, id: "", geometry: g })
                .collect();
            let fast = find_overlaps(&items, tol);
            let naive = find_overlaps_naive(&items, tol);
            prop_assert_eq!(fast.len(), naive.len());
            for (f, n) in fast.iter().zip(&naive) {
                prop_assert_eq!((f.0, f.1), (n.0, n.1));
                prop_assert!((f.2 - n.2).abs() < 1e-9);
            }
        }
    }

    fn mp(p: Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![p])
    }

    fn square(x0: f64, y0: f64, s: f64) -> MultiPolygon<f64> {
        mp(polygon![(x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s)])
    }

    fn block(feature: usize, ids: &[&str], geometry: MultiPolygon<f64>) -> BlockFeature {
        BlockFeature {
            feature,
            ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            name: None,
            geometry,
        }
    }

    #[test]
    fn valid_square_and_square_with_hole() {
        assert_eq!(geometry_problem(&square(0.0, 0.0, 1.0)), None);
        let with_hole = mp(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]),
            vec![LineString::from(vec![
                (2.0, 2.0),
                (2.0, 4.0),
                (4.0, 4.0),
                (4.0, 2.0),
            ])],
        ));
        assert_eq!(geometry_problem(&with_hole), None);
    }

    #[test]
    fn bow_tie_is_a_self_intersection() {
        let bow =
            mp(polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 2.0), (x: 2.0, y: 0.0), (x: 0.0, y: 2.0)]);
        assert_eq!(
            geometry_problem(&bow),
            Some(GeometryProblem::SelfIntersection)
        );
    }

    #[test]
    fn ring_touching_itself_at_a_vertex_is_a_self_intersection() {
        // A figure eight through (1, 1): two triangles sharing one vertex in one ring.
        let eight = mp(polygon![
            (x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 1.0, y: 1.0),
            (x: 2.0, y: 2.0), (x: 0.0, y: 2.0), (x: 1.0, y: 1.0)
        ]);
        assert_eq!(
            geometry_problem(&eight),
            Some(GeometryProblem::SelfIntersection)
        );
    }

    #[test]
    fn spike_and_collinear_ring_are_self_intersections() {
        let spike = mp(polygon![
            (x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 4.0, y: 6.0),
            (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)
        ]);
        assert_eq!(
            geometry_problem(&spike),
            Some(GeometryProblem::SelfIntersection)
        );
        let flat = mp(polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0)]);
        assert_eq!(
            geometry_problem(&flat),
            Some(GeometryProblem::SelfIntersection)
        );
    }

    #[test]
    fn collinear_consecutive_edges_are_fine() {
        let p = mp(polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)
        ]);
        assert_eq!(geometry_problem(&p), None);
    }

    #[test]
    fn hole_crossing_the_shell_is_a_self_intersection_but_touching_is_not() {
        let crossing = mp(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]),
            vec![LineString::from(vec![
                (8.0, 2.0),
                (12.0, 2.0),
                (12.0, 4.0),
                (8.0, 4.0),
            ])],
        ));
        assert_eq!(
            geometry_problem(&crossing),
            Some(GeometryProblem::SelfIntersection)
        );
        let touching = mp(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]),
            vec![LineString::from(vec![(10.0, 5.0), (8.0, 4.0), (8.0, 6.0)])],
        ));
        assert_eq!(geometry_problem(&touching), None);
    }

    #[test]
    fn too_few_points_nonfinite_and_empty() {
        let two = mp(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 1.0)]),
            vec![],
        ));
        assert_eq!(geometry_problem(&two), Some(GeometryProblem::TooFewPoints));
        let repeated = mp(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 1.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        ));
        assert_eq!(
            geometry_problem(&repeated),
            Some(GeometryProblem::TooFewPoints)
        );
        let nan = mp(polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)]);
        assert_eq!(
            geometry_problem(&nan),
            Some(GeometryProblem::NonFiniteCoordinate)
        );
        let inf = mp(polygon![(x: 0.0, y: 0.0), (x: 1.0, y: f64::INFINITY), (x: 1.0, y: 1.0)]);
        assert_eq!(
            geometry_problem(&inf),
            Some(GeometryProblem::NonFiniteCoordinate)
        );
        assert_eq!(
            geometry_problem(&MultiPolygon::new(vec![])),
            Some(GeometryProblem::Empty)
        );
    }

    #[test]
    fn nan_block_is_reported_through_the_builder() {
        let mut b = HierarchyBuilder::new(["q", "b"]);
        b.add_block(block(0, &["Q", "B1"], square(0.0, 0.0, 1.0)));
        let nan = mp(polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)]);
        b.add_block(block(1, &["Q", "B2"], nan));
        let report = b.validate();
        assert_eq!(
            report.findings(),
            &[Finding::InvalidGeometry {
                level: 1,
                feature: 1,
                id: UnitId::new("B2"),
                problem: GeometryProblem::NonFiniteCoordinate
            }]
        );
        assert!(matches!(b.build(), Err(HierarchyError::Invalid { .. })));
    }

    #[test]
    fn overlap_prefilter_skips_touching_squares() {
        let a = square(0.0, 0.0, 10.0);
        let b = square(10.0, 0.0, 10.0);
        let c = square(5.0, 5.0, 10.0);
        let items = [
            OverlapItem {
                feature: 0,
                id: "a",
                geometry: &a,
            },
            OverlapItem {
                feature: 1,
                id: "b",
                geometry: &b,
            },
            OverlapItem {
                feature: 2,
                id: "c",
                geometry: &c,
            },
        ];
        let pairs = find_overlaps(&items, 1.0);
        assert_eq!(pairs.len(), 2);
        assert_eq!((pairs[0].0, pairs[0].1), (0, 2));
        assert!((pairs[0].2 - 25.0).abs() < 1e-9);
        assert_eq!((pairs[1].0, pairs[1].1), (1, 2));
        assert!(find_overlaps(&items, 30.0).is_empty());
    }

    #[test]
    fn builder_errors_come_before_validation() {
        assert!(matches!(
            HierarchyBuilder::new(Vec::<String>::new()).build(),
            Err(HierarchyError::NoLevels)
        ));
        assert!(matches!(
            HierarchyBuilder::new(["q", "b"]).build(),
            Err(HierarchyError::NoBlocks)
        ));
        let mut b = HierarchyBuilder::new(["q", "b"]);
        b.add_block(block(3, &["B1"], square(0.0, 0.0, 1.0)));
        assert!(matches!(
            b.build(),
            Err(HierarchyError::WrongIdCount {
                feature: 3,
                expected: 2,
                got: 1
            })
        ));
        let mut b = HierarchyBuilder::new(["q", "b"]);
        b.add_block(block(0, &["Q", "B1"], square(0.0, 0.0, 1.0)));
        b.add_unit(
            1,
            UnitFeature {
                feature: 4,
                id: "B1".into(),
                name: None,
                geometry: None,
            },
        );
        assert!(matches!(
            b.validate().findings(),
            [Finding::UnitLevelOutOfRange {
                level: 1,
                feature: 4,
                ..
            }]
        ));
        assert!(matches!(
            b.build(),
            Err(HierarchyError::UnitLevelOutOfRange {
                feature: 4,
                level: 1,
                upper_levels: 1
            })
        ));
    }

    #[test]
    fn hierarchy_accessors() {
        let mut b = HierarchyBuilder::new(["q", "b"]);
        b.add_block(block(0, &["Q2", "B3"], square(0.0, 0.0, 1.0)));
        b.add_block(block(1, &["Q1", "B2"], square(1.0, 0.0, 1.0)));
        b.add_block(block(2, &["Q1", "B1"], square(2.0, 0.0, 1.0)));
        let (h, _) = b.build().unwrap();
        assert_eq!(h.children(0, 0), vec![0, 1]);
        assert_eq!(h.children(0, 1), vec![2]);
        assert!(h.children(1, 0).is_empty());
        assert_eq!(h.unit_by_id(1, "B3").and_then(Unit::parent), Some(1));
        assert!(h.unit_by_id(1, "B9").is_none());
    }
}
