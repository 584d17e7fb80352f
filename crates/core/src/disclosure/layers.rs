//! Joint protection of two block layers published for the same reference date.
//!
//! When a date is published on two block layers — the layer of its own time and the re-cut
//! current layer — an attacker can difference the two: old block `A` minus new block `A′`
//! reveals the sliver `A ∖ A′`, and an old quarter minus a new one reveals the blocks that
//! moved between them. Protecting each layer on its own closes neither. [`protect_layers`]
//! protects both in one [`LinkedTables`] model whose atoms are the *fragments*: the
//! (old block, new block) pairs that hold a record or overlap.
//!
//! # The model
//!
//! [`LayerModel::new`] builds a hierarchy of the new layer's levels with one finer level,
//! the fragments (id `<new block id>|<old block id>`, with `|` and `\` escaped by `\` in the
//! ids; parent = the new block), and one [`Grouping`] of fragments per level of the old layer
//! (named `old_<level>`): every old block and every old upper unit is the group of the
//! fragments below it. So every additivity constraint of both layers holds in one model: new
//! unit = Σ its fragments (through the new hierarchy), old unit = Σ its fragments, row total
//! = Σ categories.
//!
//! # Decisions
//!
//! - **Fragments are hidden.** They are never published: publishing them would publish a
//!   third, finer layer, the very intersections the attacker is after. They are suppressed by
//!   construction ([`LayerModel::hidden`]), so the attacker knows them only through the two
//!   published layers, which is what the audit models.
//! - **A hidden fragment needs protection only when it is sensitive itself.** A fragment whose
//!   value the rule would publish (`n ≥ k`, or zero when zeros are published) discloses
//!   nothing when an attacker pins it down, so its own interval is *waived*. Without this, an
//!   unchanged block — where fragment = old block = new block, all three the same persons —
//!   would have to be suppressed only to give its fragment a wide interval, and everything
//!   would be. A sensitive fragment (`0 < n < k`, or zero when zeros are suppressed) is a
//!   sliver disclosure like any other: it must get an interval of at least the protection
//!   level, and it forces suppression exactly when the published cells around it pin it down
//!   — for example old block `A` and new block `A′ ⊂ A` both published, with one or two
//!   persons in `A ∖ A′`; the cover then suppresses the cheapest cells that give it room (see
//!   "Waived cells" in [`secondary_suppression`](super::secondary_suppression)).
//! - **The same cell once.** An old unit whose fragment set equals a new unit's is the same
//!   cell (same persons, same values): it is not added as a group, and both layers report the
//!   one status ([`LayerModel::old_same_as`]). A new unit of the old unit's level name is
//!   preferred, else the finest. An old unit equal to an earlier old unit (a quarter of one
//!   block) shares that unit's cell.
//! - **Which pairs are fragments.** Every pair with a record (needed: the constraints must
//!   hold), and every pair whose geometries overlap by at least 1 m² and 0.1 % of the smaller
//!   block, with no record (zero fragments: the attacker cannot rule out persons there, so
//!   they stay unknowns). Smaller overlaps are digitising noise; leaving them out gives the
//!   modelled attacker *more* knowledge than the real one, which errs on the safe side.
//! - **Both layers must cover the same area**: a block of either layer with no fragment is
//!   [`DisclosureError::LayerUncovered`] rather than a cell the model cannot tie to the other
//!   layer.
//! - **The new layer is the hierarchy.** Either layer would give the same constraints; the
//!   new layer's cells then keep their usual [`CellKey`]s (level, unit, column), and the old
//!   layer becomes groupings.
//! - **Counts over published cells.** Hidden cells are `Primary` in the full status (they are
//!   forced), but [`LayerSummary`] counts only cells of the two published layers, so hidden
//!   fragments never show as suppressions.

use std::collections::{BTreeMap, BTreeSet};

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree, RTreeObject};

use crate::hierarchy::{Hierarchy, Unit, UnitId};
use crate::table::{CategorySet, CountTable};

use super::model::{CellKey, Grouping, Layer, LinkedTables, is_layer_name};
use super::secondary::{Protection, protect_waived};
use super::{CellStatus, DisclosureError, FrequencyRule};

/// Smallest overlap (m²) of an old and a new block that makes them a fragment without a
/// record; smaller overlaps are digitising noise.
const SLIVER_M2: f64 = 1.0;

/// Smallest overlap, as a share of the smaller of the two blocks, that makes them a fragment
/// without a record.
const SLIVER_SHARE: f64 = 0.001;

/// Where an old unit's cells are in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The same cells as a unit of the new layer (level, position).
    New(usize, usize),
    /// A group of the grouping of an old level (old level, old unit position).
    Group(usize, usize),
}

/// The joint model of two block layers for one date: the new layer's levels, the hidden
/// fragments below its blocks and the old layer's units as groupings of fragments (see the
/// module documentation).
#[derive(Debug, Clone)]
pub struct LayerModel {
    tables: LinkedTables,
    /// (old block, new block) of every fragment, in fragment order (sorted by fragment id).
    fragments: Vec<(usize, usize)>,
    new_levels: usize,
    /// Per old level and unit: the table and row of its cells.
    old_keys: Vec<Vec<(Layer, usize)>>,
    /// Per old level and unit: the new unit (level, position) it coincides with.
    old_same: Vec<Vec<Option<(usize, usize)>>>,
    hidden: Vec<bool>,
}

impl LayerModel {
    /// Builds the joint model of `old` and `new` from records located in both layers:
    /// `(old block position, new block position, category position)` each.
    ///
    /// Fragments are the pairs with a record or with an overlap (see the module
    /// documentation); a fragment's counts are its records per category.
    ///
    /// # Errors
    ///
    /// [`DisclosureError::RecordOutOfRange`] for a position out of range;
    /// [`DisclosureError::LayerUncovered`] for a block of either layer without a fragment;
    /// [`DisclosureError::BrokenHierarchy`] for a hierarchy without valid parents.
    pub fn new(
        old: &Hierarchy,
        new: &Hierarchy,
        categories: &CategorySet,
        records: &[(usize, usize, usize)],
    ) -> Result<Self, DisclosureError> {
        let (n_old, n_new, c) = (old.blocks().len(), new.blocks().len(), categories.len());
        for &(o, n, k) in records {
            for (field, position, len) in [
                ("old block", o, n_old),
                ("new block", n, n_new),
                ("category", k, c),
            ] {
                if position >= len {
                    return Err(DisclosureError::RecordOutOfRange {
                        field,
                        position,
                        len,
                    });
                }
            }
        }
        // Pairs (new, old) with a record or an overlap.
        let mut pairs: BTreeSet<(usize, usize)> = records.iter().map(|&(o, n, _)| (n, o)).collect();
        pairs.extend(overlaps(old, new));
        let mut covered_old = vec![false; n_old];
        let mut covered_new = vec![false; n_new];
        for &(n, o) in &pairs {
            covered_new[n] = true;
            covered_old[o] = true;
        }
        for (layer, h, covered) in [("old", old, &covered_old), ("new", new, &covered_new)] {
            if let Some(b) = covered.iter().position(|c| !c) {
                return Err(DisclosureError::LayerUncovered {
                    layer,
                    block: h.blocks()[b].id().clone(),
                });
            }
        }
        // Fragments sorted by id (the hierarchy's order within a level).
        let mut named: Vec<(String, usize, usize)> = pairs
            .iter()
            .map(|&(n, o)| {
                let id = format!(
                    "{}|{}",
                    escape(new.blocks()[n].id().as_str()),
                    escape(old.blocks()[o].id().as_str())
                );
                (id, o, n)
            })
            .collect();
        named.sort_unstable();
        let fragments: Vec<(usize, usize)> = named.iter().map(|&(_, o, n)| (o, n)).collect();
        let position: BTreeMap<(usize, usize), usize> = fragments
            .iter()
            .enumerate()
            .map(|(f, &pair)| (pair, f))
            .collect();
        let mut counts = vec![0u64; fragments.len() * c];
        for &(o, n, k) in records {
            if let Some(&f) = position.get(&(o, n)) {
                counts[f * c + k] += 1;
            }
        }

        // The joint hierarchy: the new levels (without geometry: the model needs none) and
        // the fragments.
        let new_levels = new.levels().len();
        let fragment_level = free_name("fragment", new.levels());
        let mut levels = new.levels().to_vec();
        levels.push(fragment_level);
        let mut units: Vec<Vec<Unit>> = (0..new_levels)
            .map(|l| {
                new.units(l)
                    .iter()
                    .map(|u| Unit {
                        id: u.id().clone(),
                        name: None,
                        parent: u.parent(),
                        geometry: MultiPolygon::new(Vec::new()),
                    })
                    .collect()
            })
            .collect();
        units.push(
            named
                .iter()
                .map(|(id, _, n)| Unit {
                    id: UnitId::new(id.as_str()),
                    name: None,
                    parent: Some(*n),
                    geometry: MultiPolygon::new(Vec::new()),
                })
                .collect(),
        );
        let joint = Hierarchy { levels, units };

        // Fragment sets of every unit of both layers.
        let sets = |h: &Hierarchy, block_of: &dyn Fn(usize) -> usize| {
            let bl = h.block_level();
            (0..h.levels().len())
                .map(|l| {
                    let anc = h.ancestors(bl, l).ok_or(DisclosureError::BrokenHierarchy)?;
                    let mut s: Vec<Vec<usize>> = vec![Vec::new(); h.units(l).len()];
                    for f in 0..fragments.len() {
                        s[anc[block_of(f)]].push(f);
                    }
                    Ok(s)
                })
                .collect::<Result<Vec<_>, DisclosureError>>()
        };
        let new_sets = sets(new, &|f| fragments[f].1)?;
        let old_sets = sets(old, &|f| fragments[f].0)?;
        let mut new_by_set: BTreeMap<&[usize], Vec<(usize, usize)>> = BTreeMap::new();
        for (l, level) in new_sets.iter().enumerate() {
            for (u, s) in level.iter().enumerate() {
                new_by_set.entry(s.as_slice()).or_default().push((l, u));
            }
        }
        let mut old_by_set: BTreeMap<&[usize], Target> = BTreeMap::new();
        let mut targets: Vec<Vec<Target>> = Vec::with_capacity(old_sets.len());
        let mut members: Vec<Vec<(String, String)>> = vec![Vec::new(); old_sets.len()];
        for (l, level) in old_sets.iter().enumerate() {
            let mut row = Vec::with_capacity(level.len());
            for (u, s) in level.iter().enumerate() {
                let target = if let Some(cands) = new_by_set.get(s.as_slice()) {
                    let same_name = cands
                        .iter()
                        .find(|&&(nl, _)| new.levels()[nl] == old.levels()[l]);
                    match same_name.or(cands.last()) {
                        Some(&(nl, nu)) => Target::New(nl, nu),
                        None => return Err(DisclosureError::BrokenHierarchy),
                    }
                } else if let Some(&t) = old_by_set.get(s.as_slice()) {
                    t
                } else {
                    let t = Target::Group(l, u);
                    old_by_set.insert(s.as_slice(), t);
                    let group = old.units(l)[u].id().as_str();
                    members[l].extend(s.iter().map(|&f| (named[f].0.clone(), group.to_owned())));
                    t
                };
                row.push(target);
            }
            targets.push(row);
        }

        // One grouping per old level that has groups of its own.
        let mut taken: Vec<String> = joint.levels().to_vec();
        let mut grouping_of = vec![None; old_sets.len()];
        let mut groupings = Vec::new();
        for (l, m) in members.into_iter().enumerate() {
            if m.is_empty() {
                continue;
            }
            let name = grouping_name(&old.levels()[l], l, &taken);
            taken.push(name.clone());
            grouping_of[l] = Some(groupings.len());
            groupings.push(Grouping::new(name, &joint, m)?);
        }
        let table =
            CountTable::new(None, categories.clone(), fragments.len(), counts).map_err(|_| {
                DisclosureError::BlockTableShape {
                    rows: fragments.len(),
                    blocks: joint.blocks().len(),
                }
            })?;
        let tables = LinkedTables::new(&joint, &table, &groupings)?;

        let mut old_keys = Vec::with_capacity(targets.len());
        let mut old_same = Vec::with_capacity(targets.len());
        for row in &targets {
            let mut keys = Vec::with_capacity(row.len());
            let mut same = Vec::with_capacity(row.len());
            for &t in row {
                match t {
                    Target::New(nl, nu) => {
                        keys.push((Layer::Level(nl), nu));
                        same.push(Some((nl, nu)));
                    }
                    Target::Group(gl, gu) => {
                        let g = grouping_of[gl].ok_or(DisclosureError::BrokenHierarchy)?;
                        let id = old.units(gl)[gu].id();
                        let pos = groupings[g]
                            .ids()
                            .binary_search(id)
                            .map_err(|_| DisclosureError::BrokenHierarchy)?;
                        keys.push((Layer::Grouping(g), pos));
                        same.push(None);
                    }
                }
            }
            old_keys.push(keys);
            old_same.push(same);
        }
        let hidden = (0..tables.len())
            .map(|i| {
                tables
                    .key(i)
                    .is_some_and(|k| k.layer == Layer::Level(new_levels))
            })
            .collect();
        Ok(Self {
            tables,
            fragments,
            new_levels,
            old_keys,
            old_same,
            hidden,
        })
    }

    /// The linked tables of both layers and the fragments.
    pub fn tables(&self) -> &LinkedTables {
        &self.tables
    }

    /// `(old block, new block)` positions of every fragment, in fragment order (the units of
    /// level [`fragment_level`](Self::fragment_level)).
    pub fn fragments(&self) -> &[(usize, usize)] {
        &self.fragments
    }

    /// The model level of the fragments (the new layer's levels come first, `0..` this).
    pub fn fragment_level(&self) -> usize {
        self.new_levels
    }

    /// Whether every cell of the model is hidden (a fragment's: never published), by cell
    /// index.
    pub fn hidden(&self) -> &[bool] {
        &self.hidden
    }

    /// The cells whose own protection is waived under `rule`: hidden and not sensitive (see
    /// the module documentation).
    pub fn waived(&self, rule: &FrequencyRule) -> Vec<bool> {
        self.hidden
            .iter()
            .zip(self.tables.values())
            .map(|(&h, &v)| h && !rule.is_sensitive(v))
            .collect()
    }

    /// The model cell of a new-layer cell: level, unit position, category (`None` = row
    /// total); `None` when out of range.
    pub fn new_cell(&self, level: usize, unit: usize, category: Option<usize>) -> Option<usize> {
        if level >= self.new_levels {
            return None;
        }
        self.tables.index(CellKey {
            layer: Layer::Level(level),
            unit,
            category,
        })
    }

    /// The model cell of an old-layer cell: old level, old unit position, category (`None` =
    /// row total); `None` when out of range. A unit that coincides with a new unit
    /// ([`old_same_as`](Self::old_same_as)) has that unit's cells.
    pub fn old_cell(&self, level: usize, unit: usize, category: Option<usize>) -> Option<usize> {
        let &(layer, row) = self.old_keys.get(level)?.get(unit)?;
        self.tables.index(CellKey {
            layer,
            unit: row,
            category,
        })
    }

    /// The new unit `(level, position)` whose cells an old unit shares (same fragments, same
    /// persons); `None` when the old unit is a group of its own or out of range.
    pub fn old_same_as(&self, level: usize, unit: usize) -> Option<(usize, usize)> {
        *self.old_same.get(level)?.get(unit)?
    }

    /// Number of levels of the new layer.
    pub fn new_levels(&self) -> usize {
        self.new_levels
    }

    /// Number of levels of the old layer.
    pub fn old_levels(&self) -> usize {
        self.old_keys.len()
    }

    /// Number of units of an old level (0 out of range).
    pub fn old_units(&self, level: usize) -> usize {
        self.old_keys.get(level).map_or(0, Vec::len)
    }

    /// Number of units of a new level (0 out of range).
    pub fn new_units(&self, level: usize) -> usize {
        if level < self.new_levels {
            self.tables.units(Layer::Level(level))
        } else {
            0
        }
    }

    /// The model cells of the published new layer, every level, unit and column.
    fn new_cells(&self) -> impl Iterator<Item = usize> + '_ {
        let width = self.tables.categories().len() + 1;
        (0..self.new_levels).flat_map(move |l| {
            (0..self.new_units(l)).flat_map(move |u| {
                (0..width).filter_map(move |col| {
                    let cat = (col + 1 < width).then_some(col);
                    self.new_cell(l, u, cat)
                })
            })
        })
    }

    /// The model cells of the published old layer, every level, unit and column (a cell
    /// shared with the new layer is listed too).
    fn old_cells(&self) -> impl Iterator<Item = usize> + '_ {
        let width = self.tables.categories().len() + 1;
        (0..self.old_levels()).flat_map(move |l| {
            (0..self.old_units(l)).flat_map(move |u| {
                (0..width).filter_map(move |col| {
                    let cat = (col + 1 < width).then_some(col);
                    self.old_cell(l, u, cat)
                })
            })
        })
    }
}

/// Suppressed cells of one published layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LayerCounts {
    /// Cells of the layer's tables (every level, unit and column).
    pub cells: usize,
    /// Cells suppressed because they are sensitive.
    pub primary: usize,
    /// Cells suppressed to protect others (sensitive cells, sensitive fragments).
    pub secondary: usize,
}

impl LayerCounts {
    /// Suppressed cells, primary and secondary.
    pub fn suppressed(&self) -> usize {
        self.primary + self.secondary
    }

    fn of(cells: impl Iterator<Item = usize>, status: &[CellStatus]) -> Self {
        let mut counts = Self::default();
        for i in cells {
            counts.cells += 1;
            match status[i] {
                CellStatus::Primary => counts.primary += 1,
                CellStatus::Secondary => counts.secondary += 1,
                CellStatus::Published => {}
            }
        }
        counts
    }
}

/// What [`protect_layers`] suppressed, counted over published cells only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayerSummary {
    /// The new layer's cells.
    pub new: LayerCounts,
    /// The old layer's cells (including those it shares with the new layer).
    pub old: LayerCounts,
    /// Distinct published cells of both layers (a shared cell counts once).
    pub both: LayerCounts,
    /// Fragments (hidden units).
    pub fragments: usize,
    /// Hidden cells that are sensitive themselves and so had to be protected.
    pub sensitive_hidden: usize,
}

/// The result of [`protect_layers`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LayerProtection {
    /// The joint model.
    pub model: LayerModel,
    /// Status of every model cell, what secondary suppression did over the whole model and the
    /// final audit (hidden cells included: they are `Primary` there, and waived ones are
    /// reported protected).
    pub protection: Protection,
    /// Cells whose own protection was waived (hidden and not sensitive), by cell index.
    pub waived: Vec<bool>,
    /// Suppressions per published layer.
    pub summary: LayerSummary,
}

impl LayerProtection {
    /// The status of every model cell, by cell index.
    pub fn status(&self) -> &[CellStatus] {
        &self.protection.status
    }

    /// The status of a new-layer cell (level, unit position, category; `None` = row total);
    /// `None` when out of range.
    pub fn new_status(
        &self,
        level: usize,
        unit: usize,
        category: Option<usize>,
    ) -> Option<CellStatus> {
        self.model
            .new_cell(level, unit, category)
            .map(|i| self.protection.status[i])
    }

    /// The status of an old-layer cell (old level, old unit position, category; `None` = row
    /// total); `None` when out of range.
    pub fn old_status(
        &self,
        level: usize,
        unit: usize,
        category: Option<usize>,
    ) -> Option<CellStatus> {
        self.model
            .old_cell(level, unit, category)
            .map(|i| self.protection.status[i])
    }
}

/// Protects the tables of one date on two block layers together: primary suppression under
/// `rule`, secondary suppression with intervals of at least `protection` over the joint model
/// of both layers and their fragments, and a final audit (see the module documentation).
///
/// `records` are `(old block position, new block position, category position)`, one per
/// record located in both layers.
///
/// # Examples
///
/// Old blocks `A`, `B`; the new layer moves a sliver of `A` into `B` (`A′`, `B′`). The sliver
/// holds one person: published side by side, `A − A′` would reveal them.
///
/// ```
/// use quartier::{BlockFeature, CategorySet, CellStatus, FrequencyRule, HierarchyBuilder,
///     protect_layers};
/// # use geo::{MultiPolygon, polygon};
/// let rect = |x0: f64, x1: f64| MultiPolygon::new(vec![polygon![
///     (x: x0, y: 0.0), (x: x1, y: 0.0), (x: x1, y: 10.0), (x: x0, y: 10.0)]]);
/// let layer = |blocks: [(&str, f64, f64); 2]| {
///     let mut b = HierarchyBuilder::new(["gemeinde", "baublock"]);
///     for (i, (id, x0, x1)) in blocks.into_iter().enumerate() {
///         b.add_block(BlockFeature { feature: i, ids: vec!["T".into(), id.into()],
///             name: None, geometry: rect(x0, x1) });
///     }
///     b.build().map(|(h, _)| h)
/// };
/// let old = layer([("A", 0.0, 10.0), ("B", 10.0, 20.0)])?;
/// let new = layer([("A", 0.0, 9.0), ("B", 9.0, 20.0)])?;
/// // 5 persons in A ∩ A′, 1 in the sliver A ∩ B′, 5 in B ∩ B′ (one category).
/// let mut records = vec![(0, 0, 0); 5];
/// records.push((0, 1, 0));
/// records.extend([(1, 1, 0); 5]);
/// let cats = CategorySet::new("c", ["all"]);
/// let p = protect_layers(&old, &new, &cats, &records, &FrequencyRule::default(), 3)?;
/// // A (6) and A′ (5) are not sensitive, but cannot both be published.
/// assert!(p.old_status(1, 0, None) != Some(CellStatus::Published)
///     || p.new_status(1, 0, None) != Some(CellStatus::Published));
/// assert!(p.protection.audit.is_passed());
/// assert_eq!(p.summary.fragments, 3);
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// Those of [`LayerModel::new`] and of secondary suppression and its audit.
pub fn protect_layers(
    old: &Hierarchy,
    new: &Hierarchy,
    categories: &CategorySet,
    records: &[(usize, usize, usize)],
    rule: &FrequencyRule,
    protection: u64,
) -> Result<LayerProtection, DisclosureError> {
    let model = LayerModel::new(old, new, categories, records)?;
    let waived = model.waived(rule);
    let protection = protect_waived(model.tables(), rule, protection, model.hidden(), &waived)?;
    let status = &protection.status;
    let mut both: Vec<usize> = model.new_cells().chain(model.old_cells()).collect();
    both.sort_unstable();
    both.dedup();
    let sensitive_hidden = model
        .hidden()
        .iter()
        .zip(&waived)
        .filter(|&(&h, &w)| h && !w)
        .count();
    let summary = LayerSummary {
        new: LayerCounts::of(model.new_cells(), status),
        old: LayerCounts::of(model.old_cells(), status),
        both: LayerCounts::of(both.into_iter(), status),
        fragments: model.fragments().len(),
        sensitive_hidden,
    };
    Ok(LayerProtection {
        model,
        protection,
        waived,
        summary,
    })
}

/// `\` and `|` escaped by `\`, so that `<new>|<old>` names one pair only.
fn escape(id: &str) -> String {
    let mut s = String::with_capacity(id.len());
    for ch in id.chars() {
        if ch == '\\' || ch == '|' {
            s.push('\\');
        }
        s.push(ch);
    }
    s
}

/// `base`, or `base_1`, `base_2`, … — the first not in `taken`.
fn free_name(base: &str, taken: &[String]) -> String {
    let mut name = base.to_owned();
    let mut k = 0usize;
    while taken.contains(&name) {
        k += 1;
        name = format!("{base}_{k}");
    }
    name
}

/// `old_<level>` when that is a usable layer name, else `old_level<i>`; made unique.
fn grouping_name(level: &str, i: usize, taken: &[String]) -> String {
    let preferred = format!("old_{level}");
    let base = if is_layer_name(&preferred) && preferred.chars().count() <= 60 {
        preferred
    } else {
        format!("old_level{i}")
    };
    free_name(&base, taken)
}

/// The `(new block, old block)` pairs whose geometries overlap by at least `SLIVER_M2` and
/// `SLIVER_SHARE` of the smaller block, sorted.
fn overlaps(old: &Hierarchy, new: &Hierarchy) -> Vec<(usize, usize)> {
    let area = |h: &Hierarchy| -> Vec<f64> {
        h.blocks()
            .par_iter()
            .map(|b| b.geometry().unsigned_area())
            .collect()
    };
    let (old_area, new_area) = (area(old), area(new));
    let tree = RTree::bulk_load(
        new.blocks()
            .iter()
            .enumerate()
            .filter_map(|(k, b)| {
                b.geometry().bounding_rect().map(|r| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        k,
                    )
                })
            })
            .collect(),
    );
    let mut pairs: Vec<(usize, usize)> = old
        .blocks()
        .par_iter()
        .enumerate()
        .flat_map_iter(|(o, ob)| {
            let mut out = Vec::new();
            if let Some(ro) = ob.geometry().bounding_rect() {
                let env = AABB::from_corners([ro.min().x, ro.min().y], [ro.max().x, ro.max().y]);
                for cand in tree.locate_in_envelope_intersecting(&env) {
                    let n = cand.data;
                    let need = SLIVER_M2.max(SLIVER_SHARE * old_area[o].min(new_area[n]));
                    let env_n = cand.geom().envelope();
                    let w = ro.max().x.min(env_n.upper()[0]) - ro.min().x.max(env_n.lower()[0]);
                    let h = ro.max().y.min(env_n.upper()[1]) - ro.min().y.max(env_n.lower()[1]);
                    if w <= 0.0 || h <= 0.0 || w * h < need {
                        continue;
                    }
                    let nb = new.blocks()[n].geometry();
                    let shared = if ob.geometry() == nb {
                        old_area[o]
                    } else {
                        ob.geometry().intersection(nb).unsigned_area()
                    };
                    if shared >= need {
                        out.push((n, o));
                    }
                }
            }
            out
        })
        .collect();
    pairs.sort_unstable();
    pairs
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::disclosure::{Zeros, audit_naive, protect};
    use crate::hierarchy::{BlockFeature, HierarchyBuilder};
    use geo::polygon;

    /// A layer of rectangular blocks `[x0, x1] × [0, 10]` with ids from the top level down.
    fn layer(levels: &[&str], blocks: &[(&[&str], f64, f64)]) -> Hierarchy {
        let mut b = HierarchyBuilder::new(levels.iter().copied());
        for (i, (ids, x0, x1)) in blocks.iter().enumerate() {
            let (x0, x1) = (*x0, *x1);
            b.add_block(BlockFeature {
                feature: i,
                ids: ids.iter().map(|s| (*s).to_owned()).collect(),
                name: None,
                geometry: MultiPolygon::new(vec![polygon![
                    (x: x0, y: 0.0), (x: x1, y: 0.0), (x: x1, y: 10.0), (x: x0, y: 10.0)
                ]]),
            });
        }
        b.build().unwrap().0
    }

    fn cats(n: usize) -> CategorySet {
        CategorySet::new("c", (0..n).map(|k| format!("c{k}")))
    }

    /// `n` records of (old, new, category).
    fn many(n: usize, o: usize, b: usize, k: usize) -> Vec<(usize, usize, usize)> {
        vec![(o, b, k); n]
    }

    /// Old: quarter Q with A [0, 10], B [10, 20]. New: A [0, 9], B [9, 20]; plus C [20, 30]
    /// unchanged in both, in quarter R.
    fn sliver_layers() -> (Hierarchy, Hierarchy) {
        let levels = ["gemeinde", "quartier", "baublock"];
        let old = layer(
            &levels,
            &[
                (&["T", "Q", "A"], 0.0, 10.0),
                (&["T", "Q", "B"], 10.0, 20.0),
                (&["T", "R", "C"], 20.0, 30.0),
            ],
        );
        let new = layer(
            &levels,
            &[
                (&["T", "Q", "A"], 0.0, 9.0),
                (&["T", "Q", "B"], 9.0, 20.0),
                (&["T", "R", "C"], 20.0, 30.0),
            ],
        );
        (old, new)
    }

    #[test]
    fn the_model_has_one_fragment_per_pair_and_shares_equal_units() {
        let (old, new) = sliver_layers();
        // A∩A′: 4 of c0, 3 of c1; sliver A∩B′: 1 of c0; B∩B′: 5 and 4; C: 6 and 0.
        let mut records = many(4, 0, 0, 0);
        records.extend(many(3, 0, 0, 1));
        records.push((0, 1, 0));
        records.extend(many(5, 1, 1, 0));
        records.extend(many(4, 1, 1, 1));
        records.extend(many(6, 2, 2, 0));
        let m = LayerModel::new(&old, &new, &cats(2), &records).unwrap();
        // Fragments sorted by id: "A|A", "B|A", "B|B", "C|C".
        assert_eq!(m.fragments(), &[(0, 0), (0, 1), (1, 1), (2, 2)]);
        let t = m.tables();
        let frag = |f: usize, k: Option<usize>| {
            t.values()[t
                .index(CellKey {
                    layer: Layer::Level(3),
                    unit: f,
                    category: k,
                })
                .unwrap()]
        };
        assert_eq!(
            (frag(0, Some(0)), frag(0, Some(1)), frag(0, None)),
            (4, 3, 7)
        );
        assert_eq!((frag(1, Some(0)), frag(1, None)), (1, 1));
        assert_eq!((frag(3, Some(0)), frag(3, Some(1))), (6, 0));
        // Old A = 8, old B = 9 (groups); new A′ = 7, new B′ = 10.
        let v = |i: Option<usize>| t.values()[i.unwrap()];
        assert_eq!(v(m.old_cell(2, 0, None)), 8);
        assert_eq!(v(m.old_cell(2, 1, None)), 9);
        assert_eq!(v(m.new_cell(2, 0, None)), 7);
        assert_eq!(v(m.new_cell(2, 1, None)), 10);
        // C, R, Q and T are the same cells in both layers; A and B are groups.
        assert_eq!(m.old_same_as(2, 2), Some((2, 2)));
        assert_eq!(m.old_same_as(1, 0), Some((1, 0)));
        assert_eq!(m.old_same_as(1, 1), Some((1, 1)));
        assert_eq!(m.old_same_as(0, 0), Some((0, 0)));
        assert_eq!(m.old_same_as(2, 0), None);
        assert_eq!(m.old_cell(2, 2, Some(1)), m.new_cell(2, 2, Some(1)));
        // Layers: 3 new levels, the fragments, one grouping (old blocks A and B).
        assert_eq!(t.layers().count(), 5);
        assert_eq!(t.units(Layer::Grouping(0)), 2);
        assert_eq!(m.hidden().iter().filter(|&&h| h).count(), 4 * 3);
        assert_eq!(m.new_cell(3, 0, None), None);
        assert_eq!(m.old_cell(3, 0, None), None);
    }

    #[test]
    fn a_sensitive_sliver_forces_suppression_and_nothing_else_does() {
        let (old, new) = sliver_layers();
        let mut records = many(5, 0, 0, 0);
        records.push((0, 1, 0));
        records.extend(many(5, 1, 1, 0));
        records.extend(many(6, 2, 2, 0));
        let rule = FrequencyRule::default();
        let p = protect_layers(&old, &new, &cats(1), &records, &rule, 3).unwrap();
        assert!(p.protection.audit.is_passed());
        let t = p.model.tables();
        // The oracle: the sliver (fragment 1) is sensitive and gets width ≥ 3; every other
        // suppressed published cell too.
        let naive = audit_naive(t, p.status(), 3).unwrap();
        let sliver = t
            .index(CellKey {
                layer: Layer::Level(3),
                unit: 1,
                category: None,
            })
            .unwrap();
        assert!(!p.waived[sliver]);
        assert!(naive.cell(sliver).unwrap().width() >= 3.0);
        for c in naive.cells() {
            assert!(p.waived[c.cell] || c.protected, "{c:?}");
        }
        assert_eq!(p.summary.sensitive_hidden, 2, "the sliver's c0 and total");
        assert!(p.summary.both.secondary > 0);
        assert_eq!(p.summary.both.primary, 0);
        // Without the sliver person, nothing is sensitive and nothing is suppressed, although
        // every fragment is pinned down (A ∩ A′ = A′, C ∩ C = C).
        records.retain(|r| *r != (0, 1, 0));
        let p = protect_layers(&old, &new, &cats(1), &records, &rule, 3).unwrap();
        assert_eq!(p.summary.both.suppressed(), 0);
        assert_eq!(p.summary.sensitive_hidden, 0);
        assert_eq!(
            p.summary.fragments, 4,
            "the sliver overlaps: a zero fragment"
        );
        let naive = audit_naive(p.model.tables(), p.status(), 3).unwrap();
        assert!(!naive.is_passed(), "the hidden fragments are pinned down");
        assert!(naive.exposed().all(|c| p.waived[c.cell]));
    }

    #[test]
    fn zeros_suppressed_make_an_empty_sliver_sensitive() {
        let (old, new) = sliver_layers();
        let mut records = many(5, 0, 0, 0);
        records.extend(many(5, 1, 1, 0));
        records.extend(many(6, 2, 2, 0));
        let rule = FrequencyRule {
            k: 3,
            zeros: Zeros::Suppress,
        };
        let p = protect_layers(&old, &new, &cats(1), &records, &rule, 3).unwrap();
        assert_eq!(p.summary.sensitive_hidden, 2);
        assert!(p.summary.both.suppressed() > 0);
        let naive = audit_naive(p.model.tables(), p.status(), 3).unwrap();
        assert!(
            naive
                .cells()
                .iter()
                .all(|c| p.waived[c.cell] || c.protected)
        );
    }

    #[test]
    fn identical_layers_protect_like_one_layer() {
        let levels = ["gemeinde", "quartier", "baublock"];
        let blocks: [(&[&str], f64, f64); 4] = [
            (&["T", "Q", "A"], 0.0, 10.0),
            (&["T", "Q", "B"], 10.0, 20.0),
            (&["T", "R", "C"], 20.0, 30.0),
            (&["T", "R", "D"], 30.0, 40.0),
        ];
        let h = layer(&levels, &blocks);
        // A: 1 and 6; B: 4, 4; C: 5, 2; D: 7, 7.
        let mut records = Vec::new();
        for (b, counts) in [[1, 6], [4, 4], [5, 2], [7, 7]].iter().enumerate() {
            for (k, &n) in counts.iter().enumerate() {
                records.extend(many(n, b, b, k));
            }
        }
        let rule = FrequencyRule::default();
        let p = protect_layers(&h, &h, &cats(2), &records, &rule, 3).unwrap();
        let m = &p.model;
        assert_eq!(
            m.tables().layers().count(),
            4,
            "no grouping: every old unit is shared"
        );
        for l in 0..3 {
            for u in 0..h.units(l).len() {
                assert_eq!(m.old_same_as(l, u), Some((l, u)));
            }
        }
        assert_eq!(p.summary.old, p.summary.new);
        assert_eq!(p.summary.both, p.summary.new);
        // The new layer's pattern protects the one-layer model on its own.
        let block_table = CountTable::new(None, cats(2), 4, vec![1, 6, 4, 4, 5, 2, 7, 7]).unwrap();
        let single = LinkedTables::new(&h, &block_table, &[]).unwrap();
        let status: Vec<CellStatus> = (0..single.len())
            .map(|i| {
                let k = single.key(i).unwrap();
                let Layer::Level(l) = k.layer else {
                    unreachable!()
                };
                p.new_status(l, k.unit, k.category).unwrap()
            })
            .collect();
        assert!(audit_naive(&single, &status, 3).unwrap().is_passed());
        // A's c0 (1) and C's c1 (2).
        assert_eq!(
            status.iter().filter(|s| **s == CellStatus::Primary).count(),
            2
        );
        // As many suppressions as protecting the one layer alone.
        let alone = protect(&single, &rule).unwrap();
        let count = |s: &[CellStatus]| s.iter().filter(|s| s.is_suppressed()).count();
        assert_eq!(count(&status), count(&alone.status));
    }

    #[test]
    fn bad_records_and_uncovered_blocks_are_errors() {
        let (old, new) = sliver_layers();
        assert!(matches!(
            LayerModel::new(&old, &new, &cats(1), &[(0, 3, 0)]),
            Err(DisclosureError::RecordOutOfRange {
                field: "new block",
                position: 3,
                len: 3
            })
        ));
        assert!(matches!(
            LayerModel::new(&old, &new, &cats(1), &[(0, 0, 1)]),
            Err(DisclosureError::RecordOutOfRange {
                field: "category",
                ..
            })
        ));
        // A new layer that lacks C's area: old C overlaps nothing and holds no record.
        let levels = ["gemeinde", "quartier", "baublock"];
        let short = layer(
            &levels,
            &[(&["T", "Q", "A"], 0.0, 9.0), (&["T", "Q", "B"], 9.0, 20.0)],
        );
        let err = LayerModel::new(&old, &short, &cats(1), &[]).unwrap_err();
        assert!(
            matches!(&err, DisclosureError::LayerUncovered { layer: "old", block } if block.as_str() == "C")
        );
        assert!(err.to_string().contains("block C of the old layer"));
        // A record of C located in new B makes the pair a fragment: no error.
        assert!(LayerModel::new(&old, &short, &cats(1), &[(2, 1, 0)]).is_ok());
    }

    #[test]
    fn ids_with_separators_give_distinct_fragments() {
        assert_eq!(escape(r"a|b\c"), r"a\|b\\c");
        let levels = ["gemeinde", "baublock"];
        // new "a|b" × old "c" and new "a" × old "b|c" would both be "a|b|c" unescaped.
        let old = layer(
            &levels,
            &[(&["T", "b|c"], 0.0, 10.0), (&["T", "c"], 10.0, 20.0)],
        );
        let new = layer(
            &levels,
            &[(&["T", "a"], 0.0, 10.0), (&["T", "a|b"], 10.0, 20.0)],
        );
        let m = LayerModel::new(&old, &new, &cats(1), &[]).unwrap();
        assert_eq!(m.fragments().len(), 2);
        assert_eq!(m.old_same_as(1, 0), Some((1, 0)));
    }
}
