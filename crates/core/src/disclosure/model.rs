//! The linked-table model: every published cell of one dataset, at every level of the
//! hierarchy and in every other grouping of blocks, with the additivity constraints that
//! link them.
//!
//! Cells are laid out layer by layer (the hierarchy's levels top first, then the groupings in
//! the order given), unit by unit, and within a unit the categories followed by the row total:
//! `index = layer_offset + unit × (categories + 1) + column`.

use std::collections::HashMap;

use crate::hierarchy::{Hierarchy, UnitId};
use crate::table::{CategorySet, CountTable};

use super::DisclosureError;

/// Which table a cell belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// A level of the hierarchy (0 = top).
    Level(usize),
    /// An additional grouping of blocks (index into the groupings given to the model).
    Grouping(usize),
}

/// Where a cell sits: table, unit (row) and category (column; `None` = row total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CellKey {
    /// The table.
    pub layer: Layer,
    /// Position of the unit in its level (or of the group in its grouping).
    pub unit: usize,
    /// Category position, or `None` for the row total.
    pub category: Option<usize>,
}

/// One additivity constraint: `cells[total] = Σ cells[parts]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Additivity {
    /// The aggregate cell.
    pub total: usize,
    /// The cells that sum to it (at least one).
    pub parts: Vec<usize>,
}

/// Another area layer built from the same blocks that need not nest in the hierarchy:
/// school districts (Grundschulbezirke), youth-office social areas, ad-hoc planning areas.
///
/// A block belongs to at most one group; blocks in no group are simply not part of this
/// layer's tables.
#[doc(alias = "Grundschulbezirk")]
#[doc(alias = "Sozialraum")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    name: String,
    ids: Vec<UnitId>,
    of_block: Vec<Option<usize>>,
}

/// Whether `name` can name a layer: it is written into CSV `layer` columns and into file names
/// (`<level>.geojson`, `grouping_<name>.csv`), so only letters (Unicode, so umlauts are fine),
/// digits, `_` and `-` are allowed, 1 to 64 characters, not starting with `-`.
///
/// ```
/// use quartier::is_layer_name;
///
/// assert!(is_layer_name("grundschulbezirk") && is_layer_name("sozialräume_2024"));
/// assert!(!is_layer_name("../etc") && !is_layer_name("a b") && !is_layer_name(""));
/// ```
pub fn is_layer_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n)
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl Grouping {
    /// A grouping from `(block id, group id)` pairs; groups are sorted by id.
    ///
    /// The name becomes a layer name in every protected table and part of a file name
    /// (`grouping_<name>.csv`), so it must be a [layer name](is_layer_name) — letters
    /// (including umlauts), digits, `_` and `-`, 1 to 64 characters — and differ from every
    /// level of the hierarchy.
    ///
    /// # Errors
    ///
    /// [`DisclosureError::GroupingName`] for an unusable name,
    /// [`DisclosureError::UnknownBlock`] for a block id not in the hierarchy,
    /// [`DisclosureError::BlockInTwoGroups`] for a block listed twice with different groups.
    pub fn new<I, B, G>(
        name: impl Into<String>,
        hierarchy: &Hierarchy,
        members: I,
    ) -> Result<Self, DisclosureError>
    where
        I: IntoIterator<Item = (B, G)>,
        B: AsRef<str>,
        G: Into<String>,
    {
        let name = name.into();
        if !is_layer_name(&name) {
            return Err(DisclosureError::GroupingName {
                grouping: name,
                reason: "use letters, digits, `_` and `-` only, 1 to 64 characters",
            });
        }
        if hierarchy.levels().contains(&name) {
            return Err(DisclosureError::GroupingName {
                grouping: name,
                reason: "a level of the hierarchy has this name",
            });
        }
        let block_level = hierarchy.block_level();
        let mut pairs: Vec<(usize, String)> = Vec::new();
        for (block, group) in members {
            let block = block.as_ref();
            let pos = hierarchy.position(block_level, block).ok_or_else(|| {
                DisclosureError::UnknownBlock {
                    grouping: name.clone(),
                    block: UnitId::new(block),
                }
            })?;
            pairs.push((pos, group.into()));
        }
        let mut ids: Vec<String> = pairs.iter().map(|(_, g)| g.clone()).collect();
        ids.sort();
        ids.dedup();
        let index: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i))
            .collect();
        let mut of_block = vec![None; hierarchy.blocks().len()];
        for (pos, group) in &pairs {
            let g = index[group.as_str()];
            match of_block[*pos] {
                Some(other) if other != g => {
                    return Err(DisclosureError::BlockInTwoGroups {
                        grouping: name,
                        block: hierarchy.blocks()[*pos].id().clone(),
                    });
                }
                _ => of_block[*pos] = Some(g),
            }
        }
        Ok(Self {
            name,
            ids: ids.into_iter().map(UnitId::new).collect(),
            of_block,
        })
    }

    /// The grouping's name (e.g. `grundschulbezirk`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The group ids, sorted.
    pub fn ids(&self) -> &[UnitId] {
        &self.ids
    }

    /// The group of every block (by block position), `None` for a block in no group.
    pub fn of_block(&self) -> &[Option<usize>] {
        &self.of_block
    }
}

/// All cells of one dataset's tables and the constraints linking them; the unit that
/// disclosure control protects as a whole.
#[derive(Debug, Clone)]
pub struct LinkedTables {
    categories: CategorySet,
    /// Units per layer (levels top first, then groupings).
    layer_units: Vec<usize>,
    /// First cell index of each layer.
    layer_offsets: Vec<usize>,
    levels: usize,
    values: Vec<u64>,
    constraints: Vec<Additivity>,
}

impl LinkedTables {
    /// Builds the model from a block table: sums it up every level of `hierarchy` and into
    /// every grouping, adds row totals, and records every additivity constraint: row total =
    /// Σ categories (every table), parent = Σ children (every column, every level), group =
    /// Σ its blocks (every column, every grouping).
    ///
    /// # Errors
    ///
    /// [`DisclosureError::BlockTableShape`] when `blocks` does not have one row per block of
    /// `hierarchy`; [`DisclosureError::GroupingShape`] when a grouping was made for another
    /// hierarchy.
    pub fn new(
        hierarchy: &Hierarchy,
        blocks: &CountTable,
        groupings: &[Grouping],
    ) -> Result<Self, DisclosureError> {
        let n_blocks = hierarchy.blocks().len();
        if blocks.units() != n_blocks {
            return Err(DisclosureError::BlockTableShape {
                rows: blocks.units(),
                blocks: n_blocks,
            });
        }
        for g in groupings {
            if g.of_block.len() != n_blocks {
                return Err(DisclosureError::GroupingShape {
                    grouping: g.name.clone(),
                });
            }
        }
        let levels = hierarchy.levels().len();
        let block_level = hierarchy.block_level();
        let c = blocks.categories().len();
        let width = c + 1;
        let mut layer_units: Vec<usize> = (0..levels).map(|l| hierarchy.units(l).len()).collect();
        layer_units.extend(groupings.iter().map(|g| g.ids.len()));
        let mut layer_offsets = Vec::with_capacity(layer_units.len());
        let mut total_cells = 0usize;
        for &n in &layer_units {
            layer_offsets.push(total_cells);
            total_cells += n * width;
        }
        let mut values = vec![0u64; total_cells];
        let mut constraints = Vec::new();

        // Block rows, then every upper level summed from the level below.
        let block_off = layer_offsets[block_level];
        for b in 0..n_blocks {
            let row = blocks.row(b);
            let cell = block_off + b * width;
            values[cell..cell + c].copy_from_slice(row);
            values[cell + c] = row.iter().sum();
        }
        for level in (0..block_level).rev() {
            let (off, child_off) = (layer_offsets[level], layer_offsets[level + 1]);
            let mut parts: Vec<Vec<usize>> = vec![Vec::new(); layer_units[level]];
            for (v, unit) in hierarchy.units(level + 1).iter().enumerate() {
                let parent = unit.parent().ok_or(DisclosureError::BrokenHierarchy)?;
                parts
                    .get_mut(parent)
                    .ok_or(DisclosureError::BrokenHierarchy)?
                    .push(v);
            }
            for (u, children) in parts.iter().enumerate() {
                for col in 0..width {
                    let total = off + u * width + col;
                    let cells: Vec<usize> = children
                        .iter()
                        .map(|&v| child_off + v * width + col)
                        .collect();
                    values[total] = cells.iter().map(|&i| values[i]).sum();
                    constraints.push(Additivity {
                        total,
                        parts: cells,
                    });
                }
            }
        }
        for (gi, g) in groupings.iter().enumerate() {
            let off = layer_offsets[levels + gi];
            let mut members: Vec<Vec<usize>> = vec![Vec::new(); g.ids.len()];
            for (b, group) in g.of_block.iter().enumerate() {
                if let Some(group) = group {
                    members[*group].push(b);
                }
            }
            for (j, blocks_of) in members.iter().enumerate() {
                for col in 0..width {
                    let total = off + j * width + col;
                    let cells: Vec<usize> = blocks_of
                        .iter()
                        .map(|&b| block_off + b * width + col)
                        .collect();
                    values[total] = cells.iter().map(|&i| values[i]).sum();
                    constraints.push(Additivity {
                        total,
                        parts: cells,
                    });
                }
            }
        }
        // Row margins of every table.
        for (layer, &n) in layer_units.iter().enumerate() {
            for u in 0..n {
                let row = layer_offsets[layer] + u * width;
                constraints.push(Additivity {
                    total: row + c,
                    parts: (row..row + c).collect(),
                });
            }
        }
        Ok(Self {
            categories: blocks.categories().clone(),
            layer_units,
            layer_offsets,
            levels,
            values,
            constraints,
        })
    }

    /// The category set (columns; each table also has a row total).
    pub fn categories(&self) -> &CategorySet {
        &self.categories
    }

    /// Number of cells over all tables.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the model has no cell.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The true value of every cell, by cell index.
    pub fn values(&self) -> &[u64] {
        &self.values
    }

    /// The additivity constraints.
    pub fn constraints(&self) -> &[Additivity] {
        &self.constraints
    }

    /// Number of hierarchy levels (the first layers); groupings follow.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// The layers: the hierarchy's levels, then the groupings.
    pub fn layers(&self) -> impl Iterator<Item = Layer> + '_ {
        (0..self.layer_units.len()).map(|i| {
            if i < self.levels {
                Layer::Level(i)
            } else {
                Layer::Grouping(i - self.levels)
            }
        })
    }

    fn layer_slot(&self, layer: Layer) -> Option<usize> {
        let slot = match layer {
            Layer::Level(l) if l < self.levels => l,
            Layer::Grouping(g) => self.levels + g,
            Layer::Level(_) => return None,
        };
        (slot < self.layer_units.len()).then_some(slot)
    }

    /// Number of units (rows) of a layer; 0 for a layer out of range.
    pub fn units(&self, layer: Layer) -> usize {
        self.layer_slot(layer).map_or(0, |s| self.layer_units[s])
    }

    /// The index of a cell; `None` when out of range.
    pub fn index(&self, key: CellKey) -> Option<usize> {
        let slot = self.layer_slot(key.layer)?;
        let c = self.categories.len();
        let col = match key.category {
            Some(cat) if cat < c => cat,
            Some(_) => return None,
            None => c,
        };
        (key.unit < self.layer_units[slot])
            .then(|| self.layer_offsets[slot] + key.unit * (c + 1) + col)
    }

    /// The key of a cell index; `None` when out of range.
    pub fn key(&self, index: usize) -> Option<CellKey> {
        if index >= self.values.len() {
            return None;
        }
        let slot = self.layer_offsets.partition_point(|&o| o <= index) - 1;
        let width = self.categories.len() + 1;
        let within = index - self.layer_offsets[slot];
        let col = within % width;
        let layer = if slot < self.levels {
            Layer::Level(slot)
        } else {
            Layer::Grouping(slot - self.levels)
        };
        Some(CellKey {
            layer,
            unit: within / width,
            category: (col < self.categories.len()).then_some(col),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hierarchy::{BlockFeature, HierarchyBuilder};
    use geo::{MultiPolygon, polygon};

    /// Town T with districts A (blocks a1, a2) and B (blocks b1, b2, b3), unit squares in a row.
    fn town() -> Hierarchy {
        let mut b = HierarchyBuilder::new(["gemeinde", "ortsteil", "baublock"]);
        for (i, (d, id)) in [
            ("A", "a1"),
            ("A", "a2"),
            ("B", "b1"),
            ("B", "b2"),
            ("B", "b3"),
        ]
        .into_iter()
        .enumerate()
        {
            let x = i as f64;
            b.add_block(BlockFeature {
                feature: i,
                ids: vec!["T".into(), d.into(), id.into()],
                name: None,
                geometry: MultiPolygon(vec![polygon![
                    (x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0)
                ]]),
            });
        }
        b.build().unwrap().0
    }

    fn table() -> CountTable {
        let cats = CategorySet::new("c", ["x", "y"]);
        CountTable::new(None, cats, 5, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).unwrap()
    }

    #[test]
    fn values_sum_up_and_every_constraint_holds() {
        let h = town();
        let school =
            Grouping::new("school", &h, [("a2", "S1"), ("b1", "S1"), ("b3", "S2")]).unwrap();
        let t = LinkedTables::new(&h, &table(), &[school]).unwrap();
        // 1 town + 2 districts + 5 blocks + 2 groups, 3 columns each.
        assert_eq!(t.len(), (1 + 2 + 5 + 2) * 3);
        let v = |layer, unit, category| {
            t.values()[t
                .index(CellKey {
                    layer,
                    unit,
                    category,
                })
                .unwrap()]
        };
        assert_eq!(v(Layer::Level(0), 0, None), 55);
        assert_eq!(v(Layer::Level(1), 0, Some(0)), 1 + 3);
        assert_eq!(v(Layer::Level(1), 1, Some(1)), 6 + 8 + 10);
        assert_eq!(v(Layer::Grouping(0), 0, None), 3 + 4 + 5 + 6);
        assert_eq!(v(Layer::Grouping(0), 1, Some(0)), 9);
        for c in t.constraints() {
            let sum: u64 = c.parts.iter().map(|&i| t.values()[i]).sum();
            assert_eq!(t.values()[c.total], sum, "{c:?}");
        }
        // margins: 10 rows; hierarchy: 3 parents × 3 columns; groupings: 2 × 3.
        assert_eq!(t.constraints().len(), 10 + 9 + 6);
        for i in 0..t.len() {
            assert_eq!(t.index(t.key(i).unwrap()), Some(i));
        }
        assert_eq!(t.key(t.len()), None);
        assert_eq!(t.layers().count(), 4);
    }

    #[test]
    fn bad_shapes_and_groupings_are_errors() {
        let h = town();
        let cats = CategorySet::new("c", ["x"]);
        let short = CountTable::new(None, cats, 4, vec![1, 2, 3, 4]).unwrap();
        assert!(matches!(
            LinkedTables::new(&h, &short, &[]),
            Err(DisclosureError::BlockTableShape { rows: 4, blocks: 5 })
        ));
        assert!(matches!(
            Grouping::new("g", &h, [("zz", "S1")]),
            Err(DisclosureError::UnknownBlock { .. })
        ));
        assert!(matches!(
            Grouping::new("g", &h, [("a1", "S1"), ("a1", "S2")]),
            Err(DisclosureError::BlockInTwoGroups { .. })
        ));
    }
}
