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

use std::fmt;

use geo::MultiPolygon;

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
    /// A hierarchy needs at least one level.
    #[error("a hierarchy needs at least one level")]
    NoLevels,
}
