//! Protecting directions: changes of a table that keep every additivity constraint.
//!
//! A direction `d ∈ {−1, 0, +1}ⁿ` with `A d = 0` whose support is suppressed shows that an
//! attacker cannot tell the true tables `x` from `x + t d` for `t ∈ [−t_down, t_up]`
//! ([`Search::steps`]). Secondary suppression builds its pattern from such directions (see
//! `secondary`), and the audit uses them as cheap certificates before it solves LPs.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::CellStatus;
use super::model::{Layer, LinkedTables};

/// Cost of any published cell in a direction.
pub const BASE_COST: u64 = 1_000;
/// Extra cost per level above the blocks (a grouping counts as one level above).
pub const TIER_COST: u64 = 400;
/// Extra cost of a row total.
pub const TOTAL_COST: u64 = 200;
/// Values above this add no further cost.
pub const VALUE_COST_CAP: u64 = 400;
/// Extra cost of a zero.
pub const ZERO_COST: u64 = 3_000;

/// Search nodes per direction search and support limit.
const NODE_BUDGET: usize = 300;
/// Partial directions expanded per best-first search.
const BEST_FIRST_BUDGET: usize = 2_000;
/// Partner blocks tried by a multi-swap.
const MAX_PARTNERS: usize = 64;
/// Steps that become nodes per best-first expansion (the most promising ones).
const BEST_FIRST_BRANCHING: usize = 16;
/// Candidate steps tried per search node.
const BRANCHING: usize = 4;
/// Support limits of a direction, tried in turn (iterative deepening: small structures such as
/// rectangles are found before the budget goes into long walks).
const MAX_SUPPORT: [usize; 4] = [4, 8, 14, 20];
/// Weight of one more unbalanced constraint when candidate steps are ordered (about the cost
/// of the published cell it will probably take to balance it).
const UNBALANCED_WEIGHT: i64 = 600;

/// The additivity constraints of a [`LinkedTables`] model as a bipartite graph of cells and
/// constraints, with the cost of suppressing every cell.
pub(super) struct Graph<'a> {
    pub(super) values: &'a [u64],
    /// Cells of every constraint: the total first (coefficient +1), then the parts (−1).
    pub(super) cells: Vec<Vec<usize>>,
    /// Constraints of every cell with the cell's coefficient (CSR).
    of_cell_start: Vec<usize>,
    of_cell: Vec<(usize, i8)>,
    /// Cost of suppressing every cell (see the module documentation of `secondary`).
    pub(super) cost: Vec<u64>,
    /// Whether every cell is a row total.
    is_total: Vec<bool>,
    /// Whether every cell belongs to a grouping (not to a level of the hierarchy).
    is_group: Vec<bool>,
}

impl<'a> Graph<'a> {
    pub(super) fn new(tables: &'a LinkedTables) -> Self {
        let n = tables.len();
        let cells: Vec<Vec<usize>> = tables
            .constraints()
            .iter()
            .map(|c| {
                let mut v = Vec::with_capacity(c.parts.len() + 1);
                v.push(c.total);
                v.extend_from_slice(&c.parts);
                v
            })
            .collect();
        let mut counts = vec![0usize; n + 1];
        for c in &cells {
            for &i in c {
                counts[i + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut of_cell = vec![(0usize, 0i8); counts[n]];
        for (ci, c) in cells.iter().enumerate() {
            for (k, &i) in c.iter().enumerate() {
                of_cell[fill[i]] = (ci, if k == 0 { 1 } else { -1 });
                fill[i] += 1;
            }
        }
        let levels = tables.levels();
        let values = tables.values();
        let cost: Vec<u64> = (0..n)
            .map(|i| {
                let v = values[i];
                let (tier, total) = match tables.key(i) {
                    Some(k) => (
                        match k.layer {
                            Layer::Level(l) => levels.saturating_sub(1 + l),
                            Layer::Grouping(_) => 1,
                        },
                        k.category.is_none(),
                    ),
                    None => (levels, true),
                };
                BASE_COST
                    + TIER_COST * tier as u64
                    + if total { TOTAL_COST } else { 0 }
                    + v.min(VALUE_COST_CAP)
                    + if v == 0 { ZERO_COST } else { 0 }
            })
            .collect();
        let is_total = (0..n)
            .map(|i| tables.key(i).is_none_or(|k| k.category.is_none()))
            .collect();
        let is_group = (0..n)
            .map(|i| {
                tables
                    .key(i)
                    .is_some_and(|k| matches!(k.layer, Layer::Grouping(_)))
            })
            .collect();
        Self {
            values,
            cells,
            of_cell_start: counts,
            of_cell,
            cost,
            is_total,
            is_group,
        }
    }

    pub(super) fn constraints_of(&self, cell: usize) -> &[(usize, i8)] {
        &self.of_cell[self.of_cell_start[cell]..self.of_cell_start[cell + 1]]
    }

    /// The cone of a cell: a direction with every entry +1 through the cell, a block cell
    /// below it (descending to the largest part where the cell is a total) and every total
    /// above that block cell. Every constraint whose total is in the cone has exactly one part
    /// in it, so `A d = 0`; `t_up` is unbounded and `t_down` is the value of the block cell.
    /// It always exists, and it is expensive: the last resort of the cover.
    pub(super) fn cone(&self, s: usize) -> Vec<(usize, i8)> {
        let values = self.values;
        // Descend: while the cell is the total of a constraint, go to its largest part.
        let mut base = s;
        while let Some(&(c, _)) = self.constraints_of(base).iter().find(|&&(_, a)| a > 0) {
            let parts = &self.cells[c][1..];
            match parts
                .iter()
                .copied()
                .max_by_key(|&i| (values[i], Reverse(i)))
            {
                Some(p) => base = p,
                None => break,
            }
        }
        // Ascend: every total of a constraint with a part in the cone.
        let mut in_cone = std::collections::BTreeSet::from([base]);
        let mut stack = vec![base];
        while let Some(i) = stack.pop() {
            for &(c, a) in self.constraints_of(i) {
                let total = self.cells[c][0];
                if a < 0 && in_cone.insert(total) {
                    stack.push(total);
                }
            }
        }
        in_cone.into_iter().map(|i| (i, 1)).collect()
    }
}

impl Graph<'_> {
    /// The constraint in which `cell` is a part and whose total is its parent in the
    /// hierarchy (same column, one level up); `None` at the top and for group cells.
    fn parent_constraint(&self, cell: usize) -> Option<usize> {
        self.constraints_of(cell)
            .iter()
            .find(|&&(c, a)| {
                let t = self.cells[c][0];
                a < 0 && !self.is_group[t] && self.is_total[t] == self.is_total[cell]
            })
            .map(|&(c, _)| c)
    }

    /// The row constraint of a category cell (its unit's row total = Σ categories).
    fn row_constraint(&self, cell: usize) -> Option<usize> {
        self.constraints_of(cell)
            .iter()
            .find(|&&(c, a)| a < 0 && self.is_total[self.cells[c][0]])
            .map(|&(c, _)| c)
    }

    /// The block swap of a block category cell `(b, k)`: one unit moved into `b` from the
    /// nearest block `b'` (same quarter first, then the same district, ...) whose cell in
    /// column `k` has at least `room` persons, in column `k` and in the row totals, in both
    /// blocks and in every unit above them below their lowest common ancestor, and in their
    /// groups where they differ. The common ancestor and everything above it keep their
    /// values, so no top-level cell is touched unless the blocks share only the top. `None`
    /// for other cells or when no such block exists.
    pub(super) fn block_swap(&self, s: usize, room: u64) -> Option<Vec<(usize, i8)>> {
        let t = self
            .partners(s)
            .into_iter()
            .find(|&t| self.values[t] >= room)?;
        self.swap_with(s, t)
    }

    /// Several block swaps into the block cell `s` at once: units moved from the nearest
    /// partner blocks (each as many as it and the cells on its side can give) until `s` has
    /// `room` more persons. The result is a shift `δ` (integer entries) with `A δ = 0` and
    /// `x + δ ≥ 0`: a table the attacker cannot rule out, in which `s` is `room` larger. It
    /// replaces the cone where no single partner has `room` persons (sparse columns). `None`
    /// when the partners do not suffice.
    pub(super) fn multi_swap(&self, s: usize, room: u64) -> Option<Vec<(usize, i64)>> {
        let mut delta: std::collections::BTreeMap<usize, i64> = std::collections::BTreeMap::new();
        let mut missing = i64::try_from(room).ok()?;
        for t in self.partners(s).into_iter().take(MAX_PARTNERS) {
            if missing == 0 {
                break;
            }
            let Some(d) = self.swap_with(s, t) else {
                continue;
            };
            // How many units the cells losing them can give, after the earlier swaps.
            let capacity = d
                .iter()
                .filter(|&&(_, a)| a < 0)
                .map(|&(i, _)| {
                    i64::try_from(self.values[i]).unwrap_or(i64::MAX)
                        + delta.get(&i).copied().unwrap_or(0)
                })
                .min()
                .unwrap_or(0);
            let step = capacity.min(missing);
            if step <= 0 {
                continue;
            }
            for (i, a) in d {
                *delta.entry(i).or_insert(0) += step * i64::from(a);
            }
            missing -= step;
        }
        (missing == 0).then(|| delta.into_iter().filter(|&(_, v)| v != 0).collect())
    }

    /// Partner block cells of the block cell `s` for swaps: block cells of the same column
    /// with at least one person, nearest first (same quarter, then same district, ...), the
    /// largest first within a level. Empty for cells that are not block category cells.
    fn partners(&self, s: usize) -> Vec<usize> {
        if self.is_total[s]
            || self.is_group[s]
            || self.constraints_of(s).iter().any(|&(_, a)| a > 0)
        {
            return Vec::new();
        }
        let mut chain = vec![s];
        while let Some(c) = self.parent_constraint(chain[chain.len() - 1]) {
            chain.push(self.cells[c][0]);
        }
        let mut out = Vec::new();
        for w in chain.windows(2) {
            let (child, parent) = (w[0], w[1]);
            let Some(&(c, _)) = self
                .constraints_of(parent)
                .iter()
                .find(|&&(c, a)| a > 0 && self.cells[c][1..].contains(&child))
            else {
                break;
            };
            let mut level: Vec<usize> = Vec::new();
            for &sib in &self.cells[c][1..] {
                if sib != child {
                    self.blocks_below(sib, &mut level);
                }
            }
            level.retain(|&b| self.values[b] > 0);
            level.sort_unstable_by_key(|&b| (Reverse(self.values[b]), b));
            out.extend(level);
            if out.len() >= MAX_PARTNERS {
                break;
            }
        }
        out
    }

    /// Every block cell below `cell` in its column (the cell itself at the block level).
    fn blocks_below(&self, cell: usize, out: &mut Vec<usize>) {
        match self.constraints_of(cell).iter().find(|&&(_, a)| a > 0) {
            Some(&(c, _)) => {
                for &p in &self.cells[c][1..] {
                    self.blocks_below(p, out);
                }
            }
            None => out.push(cell),
        }
    }

    /// The direction moving one unit from the block cell `t` to the block cell `s` (same
    /// column): `+1` on `s`, its row total and their units above below the common ancestor,
    /// `−1` likewise for `t`, and the group cells of both where their groups differ.
    fn swap_with(&self, s: usize, t: usize) -> Option<Vec<(usize, i8)>> {
        let mut chain = vec![s];
        while let Some(c) = self.parent_constraint(chain[chain.len() - 1]) {
            chain.push(self.cells[c][0]);
        }
        let mut other = vec![t];
        while let Some(c) = self.parent_constraint(other[other.len() - 1]) {
            other.push(self.cells[c][0]);
        }
        // Drop the common ancestors.
        while chain.len() > 1 && other.len() > 1 && chain[chain.len() - 1] == other[other.len() - 1]
        {
            chain.pop();
            other.pop();
        }
        let mut d: Vec<(usize, i8)> = Vec::new();
        let add = |cells: &[usize], sign: i8, d: &mut Vec<(usize, i8)>| -> Option<()> {
            for &cell in cells {
                d.push((cell, sign));
                let row = self.row_constraint(cell)?;
                d.push((self.cells[row][0], sign));
            }
            Some(())
        };
        add(&chain, 1, &mut d)?;
        add(&other, -1, &mut d)?;
        // Groups of both block cells (and their row totals) where they differ.
        for (block_cell, sign) in [(s, 1i8), (t, -1i8)] {
            let row_total = self.cells[self.row_constraint(block_cell)?][0];
            for cell in [block_cell, row_total] {
                for &(c, a) in self.constraints_of(cell) {
                    let g = self.cells[c][0];
                    if a < 0 && self.is_group[g] {
                        d.push((g, sign));
                    }
                }
            }
        }
        // Cells in both (a shared group) cancel.
        d.sort_unstable();
        let mut out: Vec<(usize, i8)> = Vec::with_capacity(d.len());
        for (i, a) in d {
            match out.last_mut() {
                Some(last) if last.0 == i => last.1 += a,
                _ => out.push((i, a)),
            }
        }
        out.retain(|&(_, a)| a != 0);
        Some(out)
    }

    /// The category swap of a category cell: one unit moved from another category `k'` to
    /// the cell's category `k` in one block and in every unit above it and every group
    /// holding it: `+1` on the cells of column `k`, `−1` on those of column `k'`, totals
    /// unchanged. The block is reached by descending to the largest part, `k'` is the block's
    /// largest other category. `t_up` is the value of the block's `k'` cell. `None` for a row
    /// total or when the block has no other non-zero category. Cheaper than the
    /// [`cone`](Self::cone) (no row total is touched) and, in sparse tables where no block
    /// cell of the column can take a `−1`, often the only way to give a cell room above.
    pub(super) fn swap(&self, s: usize) -> Option<Vec<(usize, i8)>> {
        if self.is_total[s] {
            return None;
        }
        let values = self.values;
        let mut base = s;
        while let Some(&(c, _)) = self.constraints_of(base).iter().find(|&&(_, a)| a > 0) {
            let parts = &self.cells[c][1..];
            base = parts
                .iter()
                .copied()
                .max_by_key(|&i| (values[i], Reverse(i)))?;
        }
        // The base's row: the constraint whose total is a row total.
        let &(row, _) = self
            .constraints_of(base)
            .iter()
            .find(|&&(c, a)| a < 0 && self.is_total[self.cells[c][0]])?;
        let other = self.cells[row][1..]
            .iter()
            .copied()
            .filter(|&i| i != base)
            .max_by_key(|&i| (values[i], Reverse(i)))?;
        if values[other] == 0 {
            return None;
        }
        // Ascend through the non-row constraints from both cells.
        let ascend = |start: usize| {
            let mut seen = std::collections::BTreeSet::from([start]);
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                for &(c, a) in self.constraints_of(i) {
                    let total = self.cells[c][0];
                    if a < 0 && !self.is_total[total] && seen.insert(total) {
                        stack.push(total);
                    }
                }
            }
            seen
        };
        let mut d: Vec<(usize, i8)> = ascend(base).into_iter().map(|i| (i, 1)).collect();
        d.extend(ascend(other).into_iter().map(|i| (i, -1)));
        d.sort_unstable();
        Some(d)
    }
}

/// Which cells a search may put into a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Allow {
    /// Suppressed cells only (reuse the pattern, add nothing).
    Suppressed,
    /// Suppressed cells and published non-zero cells. A zero made secondary needs room above
    /// it of the full protection level (it has none below), which sparse tables often only
    /// give through their totals, so zeros are avoided as long as possible.
    NonZero,
    /// Any cell.
    Any,
}

impl Allow {
    fn permits(self, status: CellStatus, value: u64) -> bool {
        status.is_suppressed()
            || match self {
                Allow::Suppressed => false,
                Allow::NonZero => value > 0,
                Allow::Any => true,
            }
    }
}

/// What a direction through a cell `s` (with `d_s = +1`) must achieve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// `t_up + t_down` at least this: the direction alone protects the cell.
    Width(u64),
    /// `t_up` at least this: room above the cell's value.
    Up(u64),
    /// `t_down` at least this: room below the cell's value.
    Down(u64),
}

impl Need {
    /// What a cell of value `value` needs under `protection` (≥ 1), in the order tried: one
    /// direction wide enough on its own; else room below the value (as much as the value
    /// allows, at most `protection − 1`) and the rest above it.
    pub(super) fn of(value: u64, protection: u64) -> [Need; 3] {
        let down = value.min(protection - 1);
        [
            Need::Width(protection),
            Need::Down(down),
            Need::Up(protection - down),
        ]
    }

    /// Whether a cell with `room` (up, down) still lacks what this need gives.
    pub(super) fn wanted(self, room: (u64, u64)) -> bool {
        match self {
            Need::Width(_) => true,
            Need::Down(l) => room.1 < l,
            Need::Up(u) => room.0 < u,
        }
    }

    /// Whether steps `(t_up, t_down)` meet the need; both only shrink as cells are added, so
    /// a partial direction that fails can be pruned.
    fn met(self, up: u64, down: u64) -> bool {
        match self {
            Need::Width(w) => up.saturating_add(down) >= w,
            Need::Up(u) => up >= u,
            Need::Down(l) => down >= l,
        }
    }
}

/// Bounded depth-first branch-and-bound search for a protecting direction (see the module
/// documentation). The work arrays are allocated once and reset after every search.
pub(super) struct Search<'g, 'a> {
    m: &'g Graph<'a>,
    /// The direction being built, per cell.
    d: Vec<i8>,
    /// `(A d)` per constraint.
    residual: Vec<i32>,
    assigned: Vec<usize>,
    /// `(t_up, t_down)` after each assignment (a stack parallel to `assigned`).
    steps: Vec<(u64, u64)>,
    unbalanced: usize,
    nodes: usize,
    max_support: usize,
    /// Cost of the published cells assigned so far.
    cost: u64,
    best: Option<(u64, Vec<(usize, i8)>)>,
}

impl<'g, 'a> Search<'g, 'a> {
    pub(super) fn new(m: &'g Graph<'a>) -> Self {
        Self {
            m,
            d: vec![0; m.cost.len()],
            residual: vec![0; m.cells.len()],
            assigned: Vec::new(),
            steps: Vec::new(),
            unbalanced: 0,
            nodes: 0,
            max_support: 0,
            cost: 0,
            best: None,
        }
    }

    /// The cheapest direction through `s` found within the budget whose width is at least
    /// `protection`, using the cells `allow` permits.
    pub(super) fn direction(
        &mut self,
        s: usize,
        status: &[CellStatus],
        need: Need,
        allow: Allow,
    ) -> Option<Vec<(usize, i8)>> {
        // Every constraint of `s` needs a second cell the search may use; without one there
        // is no direction at all (a quick exit for cells whose neighbours are all published).
        let usable = |c: usize| {
            self.m.cells[c]
                .iter()
                .any(|&i| i != s && allow.permits(status[i], self.m.values[i]))
        };
        if !self.m.constraints_of(s).iter().all(|&(c, _)| usable(c)) {
            return None;
        }
        self.best = None;
        self.assign(s, 1, status);
        for max_support in MAX_SUPPORT {
            self.nodes = 0;
            self.max_support = max_support;
            self.dfs(status, need, allow);
            if self.best.is_some() {
                break;
            }
        }
        while let Some(&i) = self.assigned.last() {
            self.unassign(i, status);
        }
        debug_assert!(self.unbalanced == 0 && self.cost == 0);
        self.best.take().map(|(_, d)| d)
    }

    /// Best-first search for a direction through `s`: slower per node than the depth-first
    /// [`direction`](Self::direction), but it does not commit to its first steps, so it finds
    /// the larger structures of sparse tables (a rectangle one level up, tied down to blocks
    /// on both sides) that the depth-first search misses within its budget. Partial
    /// directions are expanded in the order of their cost plus [`UNBALANCED_WEIGHT`] per
    /// unbalanced constraint; the first complete one wins.
    pub(super) fn best_first(
        &self,
        s: usize,
        status: &[CellStatus],
        need: Need,
        allow: Allow,
    ) -> Option<Vec<(usize, i8)>> {
        let g = self.m;
        let values = g.values;
        let mut heap: BinaryHeap<Reverse<(i64, usize, u64)>> = BinaryHeap::new();
        // Nodes: (cells of the partial direction, its cost).
        let mut nodes: Vec<(Vec<(usize, i8)>, u64)> = vec![(vec![(s, 1)], 0)];
        heap.push(Reverse((0, 0, 0)));
        // Partial directions already queued, by a hash of their sorted cells (a collision only
        // skips a node of a heuristic search).
        let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
        let mut expanded = 0;
        let mut children: Vec<(i64, usize, i8, u64)> = Vec::new();
        while let Some(Reverse((_, id, _))) = heap.pop() {
            expanded += 1;
            if expanded > BEST_FIRST_BUDGET {
                return None;
            }
            let (cells, cost) = std::mem::take(&mut nodes[id]);
            // Residual of every constraint the partial direction touches.
            let mut res: Vec<(usize, i32)> = cells
                .iter()
                .flat_map(|&(i, a)| {
                    g.constraints_of(i)
                        .iter()
                        .map(move |&(c, b)| (c, i32::from(a * b)))
                })
                .collect();
            res.sort_unstable_by_key(|&(c, _)| c);
            let mut merged: Vec<(usize, i32)> = Vec::new();
            for (c, v) in res {
                match merged.last_mut() {
                    Some(last) if last.0 == c => last.1 += v,
                    _ => merged.push((c, v)),
                }
            }
            merged.retain(|&(_, v)| v != 0);
            let Some(&(row, r)) = merged.iter().min_by_key(|&&(c, _)| (g.cells[c].len(), c)) else {
                return Some(cells);
            };
            if cells.len() >= MAX_SUPPORT[MAX_SUPPORT.len() - 1] {
                continue;
            }
            let up = Self::steps(&cells, values);
            let toward = -r.signum();
            children.clear();
            for (k, &v) in g.cells[row].iter().enumerate() {
                if cells.iter().any(|&(i, _)| i == v) || !allow.permits(status[v], values[v]) {
                    continue;
                }
                let sign = (toward * if k == 0 { 1 } else { -1 }) as i8;
                let (u, w) = if sign < 0 {
                    (up.0.min(values[v]), up.1)
                } else {
                    (up.0, up.1.min(values[v]))
                };
                if !need.met(u, w) {
                    continue;
                }
                let add = if status[v].is_suppressed() {
                    0
                } else {
                    g.cost[v]
                };
                // Unbalanced constraints after the step.
                let mut unbalanced = merged.len() as i64;
                for &(q, b) in g.constraints_of(v) {
                    let before = merged
                        .binary_search_by_key(&q, |&(c, _)| c)
                        .map_or(0, |j| merged[j].1);
                    let after = before + i32::from(b * sign);
                    unbalanced += i64::from(after != 0) - i64::from(before != 0);
                }
                let key = (cost + add) as i64 + UNBALANCED_WEIGHT * unbalanced;
                children.push((key, v, sign, add));
            }
            // Only the most promising steps become nodes.
            children.sort_unstable();
            for &(key, v, sign, add) in children.iter().take(BEST_FIRST_BRANCHING) {
                let mut next = cells.clone();
                next.push((v, sign));
                next.sort_unstable();
                if !seen.insert(fingerprint(&next)) {
                    continue;
                }
                nodes.push((next, cost + add));
                heap.push(Reverse((key, nodes.len() - 1, cost + add)));
            }
        }
        None
    }

    /// `(t_up, t_down)` of a direction: how far the tables can move along it and against it
    /// (`u64::MAX` for no limit).
    pub(super) fn steps(d: &[(usize, i8)], values: &[u64]) -> (u64, u64) {
        let step = |sign: i8| {
            d.iter()
                .filter(|&&(_, w)| w == sign)
                .map(|&(i, _)| values[i])
                .min()
                .unwrap_or(u64::MAX)
        };
        (step(-1), step(1))
    }

    fn width(&self) -> (u64, u64) {
        self.steps.last().copied().unwrap_or((u64::MAX, u64::MAX))
    }

    fn assign(&mut self, i: usize, sign: i8, status: &[CellStatus]) {
        let v = self.m.values[i];
        let (up, down) = self.width();
        self.steps.push(if sign < 0 {
            (up.min(v), down)
        } else {
            (up, down.min(v))
        });
        self.d[i] = sign;
        self.assigned.push(i);
        if !status[i].is_suppressed() {
            self.cost += self.m.cost[i];
        }
        for &(r, a) in self.m.constraints_of(i) {
            let before = self.residual[r];
            let after = before + i32::from(a * sign);
            self.residual[r] = after;
            self.unbalanced = self.unbalanced + usize::from(after != 0) - usize::from(before != 0);
        }
    }

    fn unassign(&mut self, i: usize, status: &[CellStatus]) {
        let sign = self.d[i];
        for &(r, a) in self.m.constraints_of(i) {
            let before = self.residual[r];
            let after = before - i32::from(a * sign);
            self.residual[r] = after;
            self.unbalanced = self.unbalanced + usize::from(after != 0) - usize::from(before != 0);
        }
        if !status[i].is_suppressed() {
            self.cost -= self.m.cost[i];
        }
        self.d[i] = 0;
        self.assigned.pop();
        self.steps.pop();
    }

    /// Explores from the current partial direction; returns `true` to stop the whole search
    /// (budget spent or a direction of cost 0 found).
    fn dfs(&mut self, status: &[CellStatus], need: Need, allow: Allow) -> bool {
        if self.best.as_ref().is_some_and(|(c, _)| self.cost >= *c) {
            return false;
        }
        if self.unbalanced == 0 {
            let mut d: Vec<(usize, i8)> = self.assigned.iter().map(|&i| (i, self.d[i])).collect();
            d.sort_unstable();
            let done = self.cost == 0;
            self.best = Some((self.cost, d));
            return done;
        }
        self.nodes += 1;
        if self.nodes > NODE_BUDGET {
            return true;
        }
        if self.assigned.len() >= self.max_support {
            return false;
        }
        // The shortest unbalanced constraint of the most recently assigned cell that has one
        // (keeps the walk local).
        let mut row: Option<usize> = None;
        for &i in self.assigned.iter().rev() {
            for &(r, _) in self.m.constraints_of(i) {
                if self.residual[r] != 0
                    && row.is_none_or(|b| self.m.cells[r].len() < self.m.cells[b].len())
                {
                    row = Some(r);
                }
            }
            if row.is_some() {
                break;
            }
        }
        let Some(r) = row else {
            return false;
        };
        let toward = -self.residual[r].signum();
        let (up, down) = self.width();
        let values = self.m.values;
        let mut cands: Vec<(i64, usize, i8)> = Vec::new();
        for (k, &v) in self.m.cells[r].iter().enumerate() {
            if self.d[v] != 0 || !allow.permits(status[v], values[v]) {
                continue;
            }
            let sign = (toward * if k == 0 { 1 } else { -1 }) as i8;
            let (u, w) = if sign < 0 {
                (up.min(values[v]), down)
            } else {
                (up, down.min(values[v]))
            };
            if !need.met(u, w) {
                continue;
            }
            let mut delta = 0i64;
            for &(q, b) in self.m.constraints_of(v) {
                let before = self.residual[q];
                let after = before + i32::from(b * sign);
                delta += i64::from(after != 0) - i64::from(before != 0);
            }
            let cost = if status[v].is_suppressed() {
                0
            } else {
                self.m.cost[v] as i64
            };
            cands.push((cost + UNBALANCED_WEIGHT * delta, v, sign));
        }
        cands.sort_unstable();
        for &(_, v, sign) in cands.iter().take(BRANCHING) {
            self.assign(v, sign, status);
            let stop = self.dfs(status, need, allow);
            self.unassign(v, status);
            if stop {
                return true;
            }
        }
        false
    }
}

/// A certificate handed from secondary suppression to the audit, verified there before it
/// counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Witness {
    /// A ±1 direction: both end points `x + t_up d` and `x − t_down d` are feasible.
    Direction(Vec<(usize, i8)>),
    /// An integer shift `δ` with `x + δ` feasible.
    Shift(Vec<(usize, i64)>),
}

impl Witness {
    /// Verifies the witness against `status` and, when valid, records the room it proves.
    pub(super) fn record_if_valid(
        &self,
        graph: &Graph,
        status: &[CellStatus],
        room: &mut [(u64, u64)],
    ) {
        match self {
            Witness::Direction(d) => {
                if verify(graph, status, d) {
                    record(room, d, graph.values);
                }
            }
            Witness::Shift(delta) => {
                if verify_shift(graph, status, delta) {
                    record_shift(room, delta);
                }
            }
        }
    }
}

/// Whether `delta` is a feasible shift for `status`: distinct cells of the model, all
/// suppressed, non-zero entries, every constraint kept, and `x + δ ≥ 0`.
pub(super) fn verify_shift(graph: &Graph, status: &[CellStatus], delta: &[(usize, i64)]) -> bool {
    let mut cells: Vec<usize> = delta.iter().map(|&(i, _)| i).collect();
    cells.sort_unstable();
    cells.dedup();
    if cells.len() != delta.len()
        || delta.iter().any(|&(i, v)| {
            i >= status.len()
                || !status[i].is_suppressed()
                || v == 0
                || i128::from(graph.values[i]) + i128::from(v) < 0
        })
    {
        return false;
    }
    let mut sums: Vec<(usize, i128)> = delta
        .iter()
        .flat_map(|&(i, v)| {
            graph
                .constraints_of(i)
                .iter()
                .map(move |&(c, b)| (c, i128::from(v) * i128::from(b)))
        })
        .collect();
    sums.sort_unstable_by_key(|&(c, _)| c);
    sums.chunk_by(|x, y| x.0 == y.0)
        .all(|chunk| chunk.iter().map(|&(_, v)| v).sum::<i128>() == 0)
}

/// Records the room a feasible shift gives every cell of its support.
pub(super) fn record_shift(room: &mut [(u64, u64)], delta: &[(usize, i64)]) {
    for &(i, v) in delta {
        let r = &mut room[i];
        if v > 0 {
            r.0 = r.0.max(v.unsigned_abs());
        } else {
            r.1 = r.1.max(v.unsigned_abs());
        }
    }
}

/// A 64-bit fingerprint of a sorted direction (FNV-1a over its entries).
fn fingerprint(d: &[(usize, i8)]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &(i, a) in d {
        for byte in (i as u64).to_le_bytes().into_iter().chain([a as u8]) {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Adds to `room` the room every suppressed cell has, up and down, proven by directions
/// through suppressed cells only (found by [`Search`], or the cell's cone when all of it is
/// suppressed); cells already certified in `room` are skipped. Sound: every direction returned keeps every
/// constraint, and its support is suppressed, so both of its end points are tables the
/// attacker cannot rule out.
pub(super) fn certify(
    graph: &Graph,
    status: &[CellStatus],
    protection: u64,
    room: &mut [(u64, u64)],
) {
    let protection = protection.max(1);
    let values = graph.values;
    let mut search = Search::new(graph);
    // In cost order, as the cover visits them: the same directions are found first.
    let mut order: Vec<usize> = (0..status.len())
        .filter(|&i| status[i].is_suppressed())
        .collect();
    order.sort_unstable_by_key(|&i| (graph.cost[i], i));
    for s in order {
        if certified(room[s], protection) {
            continue;
        }
        for need in Need::of(values[s], protection) {
            if certified(room[s], protection) {
                break;
            }
            if let Some(d) = search.direction(s, status, need, Allow::Suppressed) {
                record(room, &d, values);
            }
        }
        if !certified(room[s], protection) {
            let cone = graph.cone(s);
            if cone.iter().all(|&(i, _)| status[i].is_suppressed()) {
                record(room, &cone, values);
            }
        }
    }
}

/// Whether `d` is a valid direction for `status`: entries ±1 on distinct cells, every cell of
/// its support suppressed, and every constraint kept (`A d = 0`).
pub(super) fn verify(graph: &Graph, status: &[CellStatus], d: &[(usize, i8)]) -> bool {
    d.iter()
        .all(|&(i, _)| i < status.len() && status[i].is_suppressed())
        && verify_shape(graph, d)
}

/// Whether `d` is a direction at all: entries ±1 on distinct cells of the model, and every
/// constraint kept (`A d = 0`); suppression is not checked.
pub(super) fn verify_shape(graph: &Graph, d: &[(usize, i8)]) -> bool {
    let mut cells: Vec<usize> = d.iter().map(|&(i, _)| i).collect();
    cells.sort_unstable();
    cells.dedup();
    if cells.len() != d.len()
        || d.iter()
            .any(|&(i, a)| i >= graph.values.len() || !(a == 1 || a == -1))
    {
        return false;
    }
    let mut sums: Vec<(usize, i32)> = d
        .iter()
        .flat_map(|&(i, a)| {
            graph
                .constraints_of(i)
                .iter()
                .map(move |&(c, b)| (c, i32::from(a * b)))
        })
        .collect();
    sums.sort_unstable_by_key(|&(c, _)| c);
    sums.chunk_by(|x, y| x.0 == y.0)
        .all(|chunk| chunk.iter().map(|&(_, v)| v).sum::<i32>() == 0)
}

/// Whether `room` (up, down) spans `protection`.
pub(super) fn certified(room: (u64, u64), protection: u64) -> bool {
    room.0.saturating_add(room.1) >= protection
}

/// Records the room a direction gives every cell of its support.
pub(super) fn record(room: &mut [(u64, u64)], d: &[(usize, i8)], values: &[u64]) {
    let (t_up, t_down) = Search::steps(d, values);
    for &(i, sign) in d {
        let r = &mut room[i];
        let (up, dn) = if sign > 0 {
            (t_up, t_down)
        } else {
            (t_down, t_up)
        };
        *r = (r.0.max(up), r.1.max(dn));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockFeature, CategorySet, CountTable, HierarchyBuilder};
    use geo::{MultiPolygon, polygon};

    #[allow(clippy::unwrap_used)]
    fn two_by_two(values: Vec<u64>) -> LinkedTables {
        blocks(values)
    }

    /// A town of `values.len() / 2` blocks × categories x, y.
    #[allow(clippy::unwrap_used)]
    fn blocks(values: Vec<u64>) -> LinkedTables {
        let n = values.len() / 2;
        let mut b = HierarchyBuilder::new(["town", "block"]);
        for i in 0..n {
            let id = format!("b{}", i + 1);
            let x = i as f64;
            let geometry = MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0),
                (x: x + 1.0, y: 1.0), (x: x, y: 1.0)]]);
            b.add_block(BlockFeature {
                feature: i,
                ids: vec!["T".into(), id.as_str().into()],
                name: None,
                geometry,
            });
        }
        let (h, _) = b.build().unwrap();
        let cats = CategorySet::new("c", ["x", "y"]);
        let counts = CountTable::new(None, cats, n, values).unwrap();
        LinkedTables::new(&h, &counts, &[]).unwrap()
    }

    #[test]
    fn a_multi_swap_gathers_units_from_several_partners_and_is_verified() {
        // b1 = [0, 5], b2 = [1, 5], b3 = [2, 5]; cells: town 0..=2, b1 3..=5, b2 6..=8, b3 9..=11
        let tables = blocks(vec![0, 5, 1, 5, 2, 5]);
        let graph = Graph::new(&tables);
        // no single partner has 3 in column x; b3 gives 2, b2 gives 1
        assert_eq!(graph.block_swap(3, 3), None);
        let delta = graph.multi_swap(3, 3).unwrap();
        assert_eq!(
            delta,
            vec![(3, 3), (5, 3), (6, -1), (8, -1), (9, -2), (11, -2)]
        );
        let all = vec![CellStatus::Secondary; tables.len()];
        assert!(verify_shift(&graph, &all, &delta));
        let mut room = vec![(0, 0); tables.len()];
        record_shift(&mut room, &delta);
        assert_eq!((room[3], room[9]), ((3, 0), (0, 2)));
        // a published cell, a broken constraint or a negative cell make it invalid
        let mut some = all.clone();
        some[6] = CellStatus::Published;
        assert!(!verify_shift(&graph, &some, &delta));
        let mut broken = delta.clone();
        broken[0].1 = 2;
        assert!(!verify_shift(&graph, &all, &broken));
        let negative = vec![(3, 3), (5, 3), (6, -3), (8, -3)];
        assert!(!verify_shift(&graph, &all, &negative));
        // more than all partners hold together
        assert_eq!(graph.multi_swap(3, 4), None);
    }

    #[test]
    fn the_direction_of_a_two_by_two_table_is_its_rectangle_and_respects_the_width() {
        let tables = two_by_two(vec![1, 5, 7, 9]);
        let graph = Graph::new(&tables);
        let mut search = Search::new(&graph);
        let status = vec![CellStatus::Published; tables.len()];
        // block cells are 3..5 (b1: x, y, total) and 6..8 (b2); the town row is 0..2
        let d = search
            .direction(3, &status, Need::Width(3), Allow::Any)
            .unwrap();
        assert_eq!(d, vec![(3, 1), (4, -1), (6, -1), (7, 1)]);
        assert_eq!(Search::steps(&d, tables.values()), (5, 1));
        // width: t_up = min(5, 7) = 5, t_down = min(1, 9) = 1; a protection of 7 is too much
        // for the rectangle: the search goes through row totals instead
        assert_eq!(
            search.direction(3, &status, Need::Width(5), Allow::Any),
            Some(d.clone())
        );
        let wide = search
            .direction(3, &status, Need::Width(7), Allow::Any)
            .unwrap();
        let (up, down) = Search::steps(&wide, tables.values());
        assert!(up.saturating_add(down) >= 7);
        assert!(wide != d && wide.iter().any(|&(i, _)| i == 5 || i == 8 || i < 3));
        let all = vec![CellStatus::Primary; tables.len()];
        assert!(verify(&graph, &all, &wide));
        // suppressed cells only: none are suppressed, so nothing is found
        assert!(
            search
                .direction(3, &status, Need::Width(3), Allow::Suppressed)
                .is_none()
        );
        // a valid direction is only a certificate when its support is suppressed
        assert!(!verify(&graph, &status, &d));
        let mut suppressed = status.clone();
        for &(i, _) in &d {
            suppressed[i] = CellStatus::Secondary;
        }
        assert!(verify(&graph, &suppressed, &d));
        let broken: Vec<(usize, i8)> = d
            .iter()
            .map(|&(i, a)| (i, if i == 7 { -a } else { a }))
            .collect();
        assert!(!verify(&graph, &suppressed, &broken));
    }

    #[test]
    fn the_cone_goes_down_to_the_largest_part_and_up_to_every_total() {
        let tables = two_by_two(vec![1, 5, 7, 9]);
        let graph = Graph::new(&tables);
        // b1's x cell: its row total, the town's x cell and the town total
        assert_eq!(graph.cone(3), vec![(0, 1), (2, 1), (3, 1), (5, 1)]);
        // the town's x cell descends to its largest part (b2: 7) first
        assert_eq!(graph.cone(0), vec![(0, 1), (2, 1), (6, 1), (8, 1)]);
        let all = vec![CellStatus::Primary; tables.len()];
        assert!(verify(&graph, &all, &graph.cone(0)));
        let (up, down) = Search::steps(&graph.cone(0), tables.values());
        assert_eq!((up, down), (u64::MAX, 7));
    }
}
