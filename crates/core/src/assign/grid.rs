//! The uniform grid accelerator in front of the exact test.
//!
//! The extent of all units (the union of their bounding boxes) is cut into square cells. A
//! point maps to a cell by `i = min(floor((x - x0) / cs), nx - 1)` (same for rows). Each cell
//! holds one `u32`:
//!
//! - `OUTSIDE`: no unit covers any point that maps to the cell;
//! - `INTERIOR | u`: every point that maps to the cell is covered by unit `u` and by no unit
//!   with a smaller id — the answer needs no geometry at all;
//! - `MIXED | l`: some boundary may pass through the cell; candidate list `l` (CSR arrays)
//!   holds every polygon whose bounding box meets the cell, ordered by unit id, and the
//!   exact test decides (the first candidate that covers the point wins);
//! - `SINGLE | p`: as `MIXED` with exactly one candidate polygon `p`, stored inline (one
//!   memory access less for the most common kind of boundary cell).
//!
//! # Why an interior cell is exact
//!
//! The cell mapping is monotone in x and in y, so the set of points that map to one cell is
//! a product of two intervals: convex, hence connected. Every edge of every unit marks all
//! cells that any of its points maps to (rows are clipped to the edge's y-range widened by a
//! margin far larger than the rounding error of the interpolation, then mapped through the
//! same function). A cell left unmarked thus holds no boundary point of any unit, so every
//! unit covers either all of its points or none, and one representative point (tested
//! exactly, through the R-tree) decides the whole cell. Runs of unmarked cells in a row are
//! connected too and share one representative. Overlapping units are handled the same way:
//! the representative's answer already applies the smallest-id rule.
//!
//! # Cell size
//!
//! The grid aims at [`CELLS_PER_UNIT`] cells per unit over the extent (for a town of blocks
//! with streets that is roughly a cell of a tenth of a block's side, so that most cells of a
//! block are interior), capped at [`MAX_CELLS`] cells (4 bytes each, 64 MiB).

use super::Core;
use super::pip::BBox;

/// Target number of cells per unit.
pub(crate) const CELLS_PER_UNIT: usize = 128;

/// Hard cap on the number of cells (4 bytes each).
pub(crate) const MAX_CELLS: usize = 1 << 24;

const TAG_MASK: u32 = 0b11 << 30;
const VALUE_MASK: u32 = !TAG_MASK;
const OUTSIDE: u32 = 0;
const INTERIOR: u32 = 0b01 << 30;
const MIXED: u32 = 0b10 << 30;
const SINGLE: u32 = 0b11 << 30;

/// Largest unit count or list count a cell can encode.
pub(crate) const MAX_VALUE: usize = VALUE_MASK as usize;

/// What a cell says about a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellAnswer<'a> {
    /// Covered by no unit.
    Outside,
    /// Covered by this unit (position), which has the smallest id of all covering units.
    Unit(u32),
    /// Exact test needed against these candidate polygons (part indexes, by unit id).
    Candidates(&'a [u32]),
    /// Exact test needed against this one polygon (part index).
    Single(u32),
    /// The grid was abandoned at build time (see [`MAX_LIST_ENTRIES`]); ask the R-tree.
    NoGrid,
}

/// Cap on candidate-list entries; a layout of many large overlapping units that would need
/// more abandons the grid and queries go through the R-tree.
pub(crate) const MAX_LIST_ENTRIES: usize = 2 * MAX_CELLS;

/// A uniform grid over the units' extent.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    extent: BBox,
    inv_cs: f64,
    nx: usize,
    ny: usize,
    cells: Vec<u32>,
    list_offsets: Vec<u32>,
    list_parts: Vec<u32>,
    cell_size: f64,
    interior_cells: usize,
    disabled: bool,
}

impl Grid {
    /// A grid with no cells.
    fn empty(extent: BBox, disabled: bool) -> Grid {
        Grid {
            extent,
            inv_cs: 0.0,
            nx: 0,
            ny: 0,
            cells: Vec::new(),
            list_offsets: vec![0],
            list_parts: Vec::new(),
            cell_size: 0.0,
            interior_cells: 0,
            disabled,
        }
    }

    /// Builds the grid over the parts of `core`.
    pub(crate) fn build(core: &Core) -> Grid {
        let extent = core
            .parts
            .parts
            .iter()
            .fold(BBox::EMPTY, |acc, p| acc.union(&p.bbox));
        if extent.is_empty() {
            return Grid::empty(extent, false);
        }
        let (cell_size, nx, ny) = choose_cells(&extent, core.unit_count());
        let mut grid = Grid {
            extent,
            inv_cs: 1.0 / cell_size,
            nx,
            ny,
            cells: vec![OUTSIDE; nx * ny],
            list_offsets: vec![0],
            list_parts: Vec::new(),
            cell_size,
            interior_cells: 0,
            disabled: false,
        };
        let marked = grid.mark_edges(core);
        if !grid.fill_lists(core, &marked) {
            return Grid::empty(extent, true);
        }
        grid.fill_runs(core, &marked);
        grid
    }

    /// Column of x (monotone; x must be finite).
    #[inline]
    fn col(&self, x: f64) -> usize {
        (((x - self.extent.min_x) * self.inv_cs) as usize).min(self.nx - 1)
    }

    /// Row of y (monotone; y must be finite).
    #[inline]
    fn row(&self, y: f64) -> usize {
        (((y - self.extent.min_y) * self.inv_cs) as usize).min(self.ny - 1)
    }

    /// Looks up a finite point.
    #[inline]
    pub(crate) fn lookup(&self, x: f64, y: f64) -> CellAnswer<'_> {
        if self.nx == 0 || !self.extent.contains(x, y) {
            if self.disabled {
                return CellAnswer::NoGrid;
            }
            return CellAnswer::Outside;
        }
        let cell = self.cells[self.row(y) * self.nx + self.col(x)];
        match cell & TAG_MASK {
            INTERIOR => CellAnswer::Unit(cell & VALUE_MASK),
            SINGLE => CellAnswer::Single(cell & VALUE_MASK),
            MIXED => {
                let l = (cell & VALUE_MASK) as usize;
                let lo = self.list_offsets[l] as usize;
                let hi = self.list_offsets[l + 1] as usize;
                CellAnswer::Candidates(&self.list_parts[lo..hi])
            }
            _ => CellAnswer::Outside,
        }
    }

    /// Marks every cell that a point of some edge maps to.
    fn mark_edges(&self, core: &Core) -> Vec<bool> {
        let mut marked = vec![false; self.nx * self.ny];
        let e = &self.extent;
        let magnitude = e
            .min_x
            .abs()
            .max(e.max_x.abs())
            .max(e.min_y.abs())
            .max(e.max_y.abs())
            .max(e.max_x - e.min_x)
            .max(e.max_y - e.min_y);
        // Far above the rounding error of the mapping and of the interpolation below
        // (a few ulps of `magnitude`), far below a cell.
        let margin = self.cell_size * 1e-6 + magnitude * 1e-12;
        for part in &core.parts.parts {
            for edge in core.parts.part_edges(part) {
                let (y_min, y_max) = (edge.ay.min(edge.by), edge.ay.max(edge.by));
                let (x_min, x_max) = (edge.ax.min(edge.bx), edge.ax.max(edge.bx));
                let (r0, r1) = (self.row(y_min), self.row(y_max));
                for r in r0..=r1 {
                    let lo = if r == 0 {
                        y_min
                    } else {
                        y_min.max(e.min_y + r as f64 * self.cell_size - margin)
                    };
                    let hi = if r + 1 == self.ny {
                        y_max
                    } else {
                        y_max.min(e.min_y + (r + 1) as f64 * self.cell_size + margin)
                    };
                    let (xa, xb) = if y_max > y_min {
                        let dy = edge.by - edge.ay;
                        let dx = edge.bx - edge.ax;
                        let t_lo = ((lo - edge.ay) / dy).clamp(0.0, 1.0);
                        let t_hi = ((hi - edge.ay) / dy).clamp(0.0, 1.0);
                        let x_lo = edge.ax + t_lo * dx;
                        let x_hi = edge.ax + t_hi * dx;
                        (
                            (x_lo.min(x_hi) - margin).max(x_min),
                            (x_lo.max(x_hi) + margin).min(x_max),
                        )
                    } else {
                        (x_min, x_max)
                    };
                    let (c0, c1) = (self.col(xa), self.col(xb));
                    let row = &mut marked[r * self.nx..(r + 1) * self.nx];
                    for m in &mut row[c0..=c1] {
                        *m = true;
                    }
                }
            }
        }
        marked
    }

    /// Gives every marked cell its candidate list: the parts whose boxes meet it.
    ///
    /// Returns `false` when the lists would exceed [`MAX_LIST_ENTRIES`].
    fn fill_lists(&mut self, core: &Core, marked: &[bool]) -> bool {
        // (cell, rank, part) for marked cells inside each part's box, mapped through the
        // same monotone functions as the queries, so every covering part is included.
        let mut pairs: Vec<(u32, u32, u32)> = Vec::new();
        for (index, part) in core.parts.parts.iter().enumerate() {
            let rank = core.rank[part.unit as usize];
            // ok: parts <= MAX_VALUE (checked at index build).
            let index = index as u32;
            let (c0, c1) = (self.col(part.bbox.min_x), self.col(part.bbox.max_x));
            let (r0, r1) = (self.row(part.bbox.min_y), self.row(part.bbox.max_y));
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let cell = r * self.nx + c;
                    if marked[cell] {
                        if pairs.len() >= MAX_LIST_ENTRIES {
                            return false;
                        }
                        // ok: cell < MAX_CELLS < 2^32.
                        pairs.push((cell as u32, rank, index));
                    }
                }
            }
        }
        pairs.sort_unstable();
        let mut list: Vec<u32> = Vec::new();
        let mut last: Option<(usize, u32)> = None; // (list id, first index in list_parts)
        let mut i = 0;
        while i < pairs.len() {
            let cell = pairs[i].0;
            list.clear();
            while i < pairs.len() && pairs[i].0 == cell {
                list.push(pairs[i].2);
                i += 1;
            }
            if let [single] = list[..] {
                self.cells[cell as usize] = SINGLE | single;
                continue;
            }
            let id = match last {
                Some((id, start)) if self.list_parts[start as usize..] == list[..] => id,
                _ => {
                    let id = self.list_offsets.len() - 1;
                    // ok: at most one list per cell (< 2^24) and at most MAX_LIST_ENTRIES
                    // (< 2^26) entries, so both fit in u32.
                    let start = self.list_parts.len() as u32;
                    self.list_parts.extend_from_slice(&list);
                    self.list_offsets.push(self.list_parts.len() as u32);
                    last = Some((id, start));
                    id
                }
            };
            self.cells[cell as usize] = MIXED | id as u32;
        }
        // Marked cells met by no part box stay OUTSIDE: no unit covers any of their points.
        true
    }

    /// Fills runs of unmarked cells from one exactly tested representative each.
    fn fill_runs(&mut self, core: &Core, marked: &[bool]) {
        let e = self.extent;
        for r in 0..self.ny {
            let mut c = 0;
            while c < self.nx {
                if marked[r * self.nx + c] {
                    c += 1;
                    continue;
                }
                let start = c;
                while c < self.nx && !marked[r * self.nx + c] {
                    c += 1;
                }
                // A representative point that maps into the run.
                let y = (e.min_y + (r as f64 + 0.5) * self.cell_size).clamp(e.min_y, e.max_y);
                let rep = (start..c).find_map(|k| {
                    let x = (e.min_x + (k as f64 + 0.5) * self.cell_size).clamp(e.min_x, e.max_x);
                    (self.col(x) == k && self.row(y) == r).then_some(x)
                });
                let value = match rep {
                    Some(x) => match core.locate_rtree(x, y) {
                        Some(u) => INTERIOR | u as u32,
                        None => OUTSIDE,
                    },
                    None => {
                        // Never seen in practice (cells are far larger than an ulp); stay
                        // exact by sending the run's points to the exact test.
                        let all = self.all_parts_list(core);
                        MIXED | all
                    }
                };
                for k in start..c {
                    self.cells[r * self.nx + k] = value;
                    if value & TAG_MASK == INTERIOR {
                        self.interior_cells += 1;
                    }
                }
            }
        }
    }

    /// The id of a new list of all parts ordered by unit id.
    fn all_parts_list(&mut self, core: &Core) -> u32 {
        let id = self.list_offsets.len() - 1;
        let mut all: Vec<(u32, u32)> = (0..core.parts.parts.len())
            // ok: parts <= MAX_VALUE (checked at index build).
            .map(|p| (core.rank[core.parts.parts[p].unit as usize], p as u32))
            .collect();
        all.sort_unstable();
        self.list_parts.extend(all.into_iter().map(|(_, p)| p));
        // ok: fallback only, never seen in practice; sizes as above.
        self.list_offsets.push(self.list_parts.len() as u32);
        id as u32
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.cells.capacity() + self.list_offsets.capacity() + self.list_parts.capacity()) * 4
    }

    /// Grid statistics: (columns, rows, cell size in metres, interior cells, mixed lists).
    pub(crate) fn stats(&self) -> (usize, usize, f64, usize, usize) {
        (
            self.nx,
            self.ny,
            self.cell_size,
            self.interior_cells,
            self.list_offsets.len() - 1,
        )
    }
}

/// Picks the cell size and the grid dimensions for an extent and a unit count.
fn choose_cells(extent: &BBox, units: usize) -> (f64, usize, usize) {
    let w = extent.max_x - extent.min_x;
    let h = extent.max_y - extent.min_y;
    let target = units.saturating_mul(CELLS_PER_UNIT).clamp(1, MAX_CELLS) as f64;
    let mut cs = (w * h / target).sqrt();
    if !(cs.is_finite() && cs > 0.0) {
        // A degenerate (zero-width or zero-height) extent: cut the long side.
        cs = w.max(h) / target;
    }
    if !(cs.is_finite() && cs > 0.0) {
        cs = 1.0;
    }
    loop {
        let nx = ((w / cs).ceil() as usize).max(1);
        let ny = ((h / cs).ceil() as usize).max(1);
        if nx.saturating_mul(ny) <= MAX_CELLS {
            return (cs, nx, ny);
        }
        cs *= 1.25;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cell_choice_respects_cap() {
        let e = BBox {
            min_x: 0.0,
            min_y: 0.0,
            max_x: 1e6,
            max_y: 1.0,
        };
        let (cs, nx, ny) = choose_cells(&e, 1_000_000);
        assert!(nx * ny <= MAX_CELLS);
        assert!(cs > 0.0);
        let point = BBox {
            min_x: 5.0,
            min_y: 5.0,
            max_x: 5.0,
            max_y: 5.0,
        };
        assert_eq!(choose_cells(&point, 3), (1.0, 1, 1));
        let line = BBox {
            min_x: 0.0,
            min_y: 5.0,
            max_x: 100.0,
            max_y: 5.0,
        };
        let (_, nx, ny) = choose_cells(&line, 1);
        assert_eq!((nx, ny), (128, 1));
    }
}
