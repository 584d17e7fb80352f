//! The street layout of Musterstadt: a jittered lattice of street crossings, cells cut to a
//! noisy ellipse, blocks shrunk away from the streets, some split, some with a courtyard,
//! quarters and districts grown as contiguous groups.
//!
//! All block vertices lie on a grid of 1/8 m (as if rounded cadastre coordinates). That keeps
//! every coordinate, difference and midpoint used below exactly representable, so points
//! planted "exactly on a shared edge" really are on it for an exact orientation test.

use rand::Rng;
use rand_pcg::Pcg64;

/// A point `[x, y]` in metres.
pub(super) type Pt = [f64; 2];

/// Size of a lattice cell in metres (east-west, north-south).
const CELL_M: Pt = [95.0, 75.0];
/// Largest displacement of a street crossing, as a share of the cell size per axis. Below
/// 0.25 every lattice cell stays strictly convex (see `shrink`).
const JITTER: f64 = 0.2;
/// Probability that a block is split in two.
const SPLIT_P: f64 = 0.12;
/// Probability that an unsplit block has a courtyard (hole).
const HOLE_P: f64 = 0.06;
/// Probability that a corner of an unsplit block is chamfered.
const CHAMFER_P: f64 = 0.25;
/// Smallest street half-width in metres; planted street points stay closer than this to
/// their block.
pub(super) const MIN_HALF_WIDTH_M: f64 = 4.5;

/// Rounds to the 1/8 m grid.
fn snap(v: f64) -> f64 {
    (v * 8.0).round() / 8.0
}

fn orient(a: Pt, b: Pt, c: Pt) -> f64 {
    robust::orient2d(
        robust::Coord { x: a[0], y: a[1] },
        robust::Coord { x: b[0], y: b[1] },
        robust::Coord { x: c[0], y: c[1] },
    )
}

fn sub(a: Pt, b: Pt) -> Pt {
    [a[0] - b[0], a[1] - b[1]]
}

fn dist(a: Pt, b: Pt) -> f64 {
    let d = sub(a, b);
    d[0].hypot(d[1])
}

/// True when the ring (implicitly closed) turns strictly left at every vertex: a strictly
/// convex, counter-clockwise ring.
fn strictly_convex_ccw(ring: &[Pt]) -> bool {
    let n = ring.len();
    n >= 3 && (0..n).all(|k| orient(ring[k], ring[(k + 1) % n], ring[(k + 2) % n]) > 0.0)
}

/// True when closed segments `ab` and `cd` share a point.
fn segments_touch(a: Pt, b: Pt, c: Pt, d: Pt) -> bool {
    let (o1, o2) = (orient(a, b, c), orient(a, b, d));
    let (o3, o4) = (orient(c, d, a), orient(c, d, b));
    let on = |p: Pt, q: Pt, r: Pt| {
        // r collinear with pq: within the bounding box?
        r[0] >= p[0].min(q[0])
            && r[0] <= p[0].max(q[0])
            && r[1] >= p[1].min(q[1])
            && r[1] <= p[1].max(q[1])
    };
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        return true;
    }
    (o1 == 0.0 && on(a, b, c))
        || (o2 == 0.0 && on(a, b, d))
        || (o3 == 0.0 && on(c, d, a))
        || (o4 == 0.0 && on(c, d, b))
}

/// True when the ring (implicitly closed) is simple, counter-clockwise and has no spike:
/// no two non-adjacent edges touch, no vertex turns back.
pub(super) fn simple_ccw(ring: &[Pt]) -> bool {
    let n = ring.len();
    if n < 3 || signed_area(ring) <= 0.0 {
        return false;
    }
    for i in 0..n {
        let (a, b, c) = (ring[i], ring[(i + 1) % n], ring[(i + 2) % n]);
        if a == b {
            return false;
        }
        let back = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) < 0.0;
        if orient(a, b, c) == 0.0 && back {
            return false;
        }
        for j in i + 2..n {
            if (j + 1) % n == i {
                continue; // adjacent through the closing edge
            }
            if segments_touch(a, b, ring[j], ring[(j + 1) % n]) {
                return false;
            }
        }
    }
    true
}

/// Shoelace area, positive for counter-clockwise rings.
pub(super) fn signed_area(ring: &[Pt]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|k| {
            let (a, b) = (ring[k], ring[(k + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f64>()
        / 2.0
}

/// Moves every edge of a convex counter-clockwise ring inwards by its own distance `d[k]`
/// (edge `k` runs from vertex `k` to `k + 1`) and rounds the result to the grid.
///
/// Returns `None` when the result is not strictly convex (the edges were too short for the
/// distances).
fn shrink(ring: &[Pt], d: &[f64]) -> Option<Vec<Pt>> {
    let n = ring.len();
    let lines: Vec<(Pt, f64)> = (0..n)
        .map(|k| {
            let (a, b) = (ring[k], ring[(k + 1) % n]);
            let len = dist(a, b);
            let normal = [-(b[1] - a[1]) / len, (b[0] - a[0]) / len];
            (normal, normal[0] * a[0] + normal[1] * a[1] + d[k])
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let (n1, c1) = lines[(k + n - 1) % n];
        let (n2, c2) = lines[k];
        let det = n1[0] * n2[1] - n1[1] * n2[0];
        if det.abs() < 1e-9 {
            return None;
        }
        // Solve relative to the original vertex for precision.
        let v = ring[k];
        let (r1, r2) = (
            c1 - (n1[0] * v[0] + n1[1] * v[1]),
            c2 - (n2[0] * v[0] + n2[1] * v[1]),
        );
        let x = (r1 * n2[1] - n1[1] * r2) / det;
        let y = (n1[0] * r2 - r1 * n2[0]) / det;
        out.push([snap(v[0] + x), snap(v[1] + y)]);
    }
    strictly_convex_ccw(&out).then_some(out)
}

/// A grid point near `p` strictly to the right of (outside) the counter-clockwise edge `ab`.
fn snap_outside(a: Pt, b: Pt, p: Pt) -> Option<Pt> {
    let (fx, fy) = ((p[0] * 8.0).floor() / 8.0, (p[1] * 8.0).floor() / 8.0);
    let mut best: Option<(f64, Pt)> = None;
    for dx in [0.0, 0.125] {
        for dy in [0.0, 0.125] {
            let q = [fx + dx, fy + dy];
            if orient(a, b, q) < 0.0 {
                let dd = dist(p, q);
                if best.is_none_or(|(bd, _)| dd < bd) {
                    best = Some((dd, q));
                }
            }
        }
    }
    best.map(|(_, q)| q)
}

/// One block's geometry.
#[derive(Debug, Clone)]
pub(super) struct Block {
    /// The lattice cell the block lies in (index into `Layout::cells`).
    pub cell: usize,
    /// Counter-clockwise exterior ring, not closed.
    pub exterior: Vec<Pt>,
    /// Clockwise courtyard ring, not closed.
    pub hole: Option<Vec<Pt>>,
    /// Midpoints of the block's street edges with their outward unit normals, usable for
    /// planting points in the street (empty for split blocks).
    pub street_edges: Vec<(Pt, Pt)>,
}

/// The town's layout before ids are given.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    /// Raw quarter of each cell.
    pub cell_quarter: Vec<usize>,
    /// Raw district of each raw quarter.
    pub quarter_district: Vec<usize>,
    /// Centroid of each raw quarter (mean of its cell centres).
    pub quarter_centre: Vec<Pt>,
    /// Neighbouring raw quarters of each raw quarter (sorted).
    pub quarter_adjacency: Vec<Vec<usize>>,
    /// The blocks.
    pub blocks: Vec<Block>,
    /// The shared edges of split blocks as polylines `P, [M,] Q` (every vertex on the grid).
    pub shared_edges: Vec<Vec<Pt>>,
    /// The centre of the town.
    pub centre: Pt,
}

/// Parameters of the layout.
pub(super) struct LayoutParams {
    pub columns: usize,
    pub rows: usize,
    pub quarters: usize,
    pub districts: usize,
    pub centre: Pt,
}

/// Generates the layout.
pub(super) fn generate(rng: &mut Pcg64, p: &LayoutParams) -> Layout {
    let (nx, ny) = (p.columns.max(1), p.rows.max(1));
    let origin = [
        p.centre[0] - CELL_M[0] * nx as f64 / 2.0,
        p.centre[1] - CELL_M[1] * ny as f64 / 2.0,
    ];
    // Street crossings, jittered and rounded to the grid.
    let mut lattice = vec![[0.0; 2]; (nx + 1) * (ny + 1)];
    for j in 0..=ny {
        for i in 0..=nx {
            let jx = rng.random_range(-JITTER..JITTER) * CELL_M[0];
            let jy = rng.random_range(-JITTER..JITTER) * CELL_M[1];
            lattice[j * (nx + 1) + i] = [
                snap(origin[0] + i as f64 * CELL_M[0] + jx),
                snap(origin[1] + j as f64 * CELL_M[1] + jy),
            ];
        }
    }
    let at = |i: usize, j: usize| lattice[j * (nx + 1) + i];
    // Street half-widths per lattice line: a few main roads, the rest residential streets.
    let half_width = |n: usize, rng: &mut Pcg64| -> Vec<f64> {
        (0..=n)
            .map(|k| {
                if k % 7 == 3 {
                    rng.random_range(8.5..10.0)
                } else {
                    rng.random_range(MIN_HALF_WIDTH_M..6.5)
                }
            })
            .collect()
    };
    let col_hw = half_width(nx, rng);
    let row_hw = half_width(ny, rng);

    // Cells inside a noisy ellipse.
    let phase: [f64; 3] = std::array::from_fn(|_| rng.random_range(0.0..std::f64::consts::TAU));
    let semi = [
        CELL_M[0] * nx as f64 / 2.0 * 0.97,
        CELL_M[1] * ny as f64 / 2.0 * 0.97,
    ];
    let mut keep = vec![false; nx * ny];
    for j in 0..ny {
        for i in 0..nx {
            let c = centre_of(&[at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)]);
            let (u, v) = (
                (c[0] - p.centre[0]) / semi[0],
                (c[1] - p.centre[1]) / semi[1],
            );
            let theta = v.atan2(u);
            let r = 1.0
                + 0.12 * (3.0 * theta + phase[0]).sin()
                + 0.07 * (5.0 * theta + phase[1]).sin()
                + 0.04 * (8.0 * theta + phase[2]).sin()
                - 0.06;
            keep[j * nx + i] = u.hypot(v) < r;
        }
    }
    largest_component(&mut keep, nx, ny);
    let mut cell_index = vec![usize::MAX; nx * ny];
    let mut cells_ij = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            if keep[j * nx + i] {
                cell_index[j * nx + i] = cells_ij.len();
                cells_ij.push((i, j));
            }
        }
    }
    let quads: Vec<[Pt; 4]> = cells_ij
        .iter()
        .map(|&(i, j)| [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)])
        .collect();
    let cells: Vec<Pt> = quads.iter().map(|q| centre_of(q)).collect();
    let cell_adjacency: Vec<Vec<usize>> = cells_ij
        .iter()
        .map(|&(i, j)| {
            let mut adj = Vec::with_capacity(4);
            let mut push = |ii: usize, jj: usize| {
                if ii < nx && jj < ny && keep[jj * nx + ii] {
                    adj.push(cell_index[jj * nx + ii]);
                }
            };
            if i > 0 {
                push(i - 1, j);
            }
            push(i + 1, j);
            if j > 0 {
                push(i, j - 1);
            }
            push(i, j + 1);
            adj
        })
        .collect();

    // Quarters: contiguous groups of cells grown from spread-out seeds.
    let n_quarters = p.quarters.clamp(1, cells.len().max(1));
    let noise: Vec<f64> = (0..cells.len())
        .map(|_| rng.random_range(0.0..0.6))
        .collect();
    let first = rng.random_range(0..cells.len().max(1));
    let seeds = farthest_points(&cells, n_quarters, first);
    let cell_quarter = grow(&cell_adjacency, &cells, &seeds, &noise);

    // Districts: contiguous groups of quarters.
    let mut quarter_centre = vec![[0.0; 2]; n_quarters];
    let mut quarter_cells = vec![0usize; n_quarters];
    for (c, &q) in cell_quarter.iter().enumerate() {
        quarter_centre[q][0] += cells[c][0];
        quarter_centre[q][1] += cells[c][1];
        quarter_cells[q] += 1;
    }
    for (centre, &n) in quarter_centre.iter_mut().zip(&quarter_cells) {
        let n = n.max(1) as f64;
        *centre = [centre[0] / n, centre[1] / n];
    }
    let mut quarter_adjacency = vec![Vec::new(); n_quarters];
    for (c, adj) in cell_adjacency.iter().enumerate() {
        for &d in adj {
            let (a, b) = (cell_quarter[c], cell_quarter[d]);
            if a != b {
                quarter_adjacency[a].push(b);
            }
        }
    }
    for adj in &mut quarter_adjacency {
        adj.sort_unstable();
        adj.dedup();
    }
    let n_districts = p.districts.clamp(1, n_quarters);
    let q_noise: Vec<f64> = (0..n_quarters)
        .map(|_| rng.random_range(0.0..0.3))
        .collect();
    let first = rng.random_range(0..n_quarters);
    let d_seeds = farthest_points(&quarter_centre, n_districts, first);
    let quarter_district = grow(&quarter_adjacency, &quarter_centre, &d_seeds, &q_noise);

    // Blocks.
    let mut blocks = Vec::with_capacity(cells.len() * 9 / 8);
    let mut shared_edges = Vec::new();
    for (cell, (quad, &(i, j))) in quads.iter().zip(&cells_ij).enumerate() {
        // Edge k runs from vertex k to k + 1: bottom (row j), right (column i + 1),
        // top (row j + 1), left (column i).
        let d = [row_hw[j], col_hw[i + 1], row_hw[j + 1], col_hw[i]];
        let (ring, shrunk) = match shrink(quad, &d) {
            Some(r) => (r, true),
            None => (quad.to_vec(), false), // not reached for JITTER < 0.25; still valid
        };
        let street_edges: Vec<(Pt, Pt)> = if shrunk {
            (0..4)
                .map(|k| {
                    let (a, b) = (ring[k], ring[(k + 1) % 4]);
                    let len = dist(a, b);
                    let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
                    (mid, [(b[1] - a[1]) / len, -(b[0] - a[0]) / len])
                })
                .collect()
        } else {
            Vec::new()
        };
        if rng.random_bool(SPLIT_P) {
            if let Some((left, right, shared)) = split(rng, &ring) {
                blocks.push(Block {
                    cell,
                    exterior: left,
                    hole: None,
                    street_edges: Vec::new(),
                });
                blocks.push(Block {
                    cell,
                    exterior: right,
                    hole: None,
                    street_edges: Vec::new(),
                });
                shared_edges.push(shared);
                continue;
            }
        }
        let exterior = chamfer(rng, &ring);
        let hole = if rng.random_bool(HOLE_P) {
            courtyard(rng, &exterior)
        } else {
            None
        };
        blocks.push(Block {
            cell,
            exterior,
            hole,
            street_edges,
        });
    }

    Layout {
        cell_quarter,
        quarter_district,
        quarter_centre,
        quarter_adjacency,
        blocks,
        shared_edges,
        centre: p.centre,
    }
}

/// Mean of the vertices.
pub(super) fn centre_of(ring: &[Pt]) -> Pt {
    let n = ring.len().max(1) as f64;
    let s = ring
        .iter()
        .fold([0.0, 0.0], |s, p| [s[0] + p[0], s[1] + p[1]]);
    [s[0] / n, s[1] / n]
}

/// Keeps only the largest 4-connected component of kept cells (ties: the first found).
fn largest_component(keep: &mut [bool], nx: usize, ny: usize) {
    let mut label = vec![usize::MAX; keep.len()];
    let mut sizes = Vec::new();
    for start in 0..keep.len() {
        if !keep[start] || label[start] != usize::MAX {
            continue;
        }
        let id = sizes.len();
        let mut stack = vec![start];
        label[start] = id;
        let mut size = 0;
        while let Some(c) = stack.pop() {
            size += 1;
            let (i, j) = (c % nx, c / nx);
            let mut visit = |n: usize| {
                if keep[n] && label[n] == usize::MAX {
                    label[n] = id;
                    stack.push(n);
                }
            };
            if i > 0 {
                visit(c - 1);
            }
            if i + 1 < nx {
                visit(c + 1);
            }
            if j > 0 {
                visit(c - nx);
            }
            if j + 1 < ny {
                visit(c + nx);
            }
        }
        sizes.push(size);
    }
    let best = (0..sizes.len()).max_by_key(|&k| (sizes[k], std::cmp::Reverse(k)));
    for (k, l) in keep.iter_mut().zip(&label) {
        *k = *k && Some(*l) == best;
    }
}

/// `n` spread-out points: starting at `first`, each next one farthest from those chosen
/// (ties: smallest index).
fn farthest_points(points: &[Pt], n: usize, first: usize) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(n);
    if points.is_empty() {
        return chosen;
    }
    let mut min_d = vec![f64::INFINITY; points.len()];
    let mut next = first.min(points.len() - 1);
    while chosen.len() < n.min(points.len()) {
        chosen.push(next);
        for (d, p) in min_d.iter_mut().zip(points) {
            *d = d.min(dist(*p, points[next]));
        }
        let mut best = (f64::NEG_INFINITY, 0);
        for (k, &d) in min_d.iter().enumerate() {
            if d > best.0 {
                best = (d, k);
            }
        }
        next = best.1;
    }
    chosen
}

/// Grows contiguous regions from seeds in round-robin: in each round every region takes the
/// unlabelled neighbour closest to its seed (distance scaled by `1 + noise`). Nodes that no
/// region can reach join region 0 (not reached for a connected graph).
fn grow(adjacency: &[Vec<usize>], pos: &[Pt], seeds: &[usize], noise: &[f64]) -> Vec<usize> {
    let mut label = vec![usize::MAX; adjacency.len()];
    let mut members: Vec<Vec<usize>> = seeds.iter().map(|&s| vec![s]).collect();
    for (r, &s) in seeds.iter().enumerate() {
        label[s] = r;
    }
    loop {
        let mut progressed = false;
        for r in 0..seeds.len() {
            let seed = pos[seeds[r]];
            let mut best: Option<(f64, usize)> = None;
            for &m in &members[r] {
                for &n in &adjacency[m] {
                    if label[n] == usize::MAX {
                        let key = dist(pos[n], seed) * (1.0 + noise[n]);
                        if best.is_none_or(|(bk, bn)| key < bk || (key == bk && n < bn)) {
                            best = Some((key, n));
                        }
                    }
                }
            }
            if let Some((_, n)) = best {
                label[n] = r;
                members[r].push(n);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    for l in &mut label {
        if *l == usize::MAX {
            *l = 0;
        }
    }
    label
}

/// Splits a strictly convex counter-clockwise quadrilateral in two along a line from one
/// edge to the opposite one, straight or with one kink. Returns the two rings and the shared
/// polyline; `None` when the halves would not be valid.
fn split(rng: &mut Pcg64, ring: &[Pt]) -> Option<(Vec<Pt>, Vec<Pt>, Vec<Pt>)> {
    if ring.len() != 4 {
        return None;
    }
    // Cut across the longer pair of opposite edges so that the halves stay compact.
    let long = dist(ring[0], ring[1]) + dist(ring[2], ring[3])
        >= dist(ring[1], ring[2]) + dist(ring[3], ring[0]);
    let k = if long { 0 } else { 1 };
    let w: Vec<Pt> = (0..4).map(|i| ring[(i + k) % 4]).collect();
    let lerp = |a: Pt, b: Pt, t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    let p = snap_outside(w[0], w[1], lerp(w[0], w[1], rng.random_range(0.35..0.65)))?;
    let q = snap_outside(w[2], w[3], lerp(w[3], w[2], rng.random_range(0.35..0.65)))?;
    let mut shared = vec![p];
    if rng.random_bool(0.5) {
        let mid = lerp(p, q, rng.random_range(0.4..0.6));
        let len = dist(p, q);
        let off = rng.random_range(0.08..0.2) * len * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let normal = [-(q[1] - p[1]) / len, (q[0] - p[0]) / len];
        shared.push([
            snap(mid[0] + off * normal[0]),
            snap(mid[1] + off * normal[1]),
        ]);
    }
    shared.push(q);
    let mut left = vec![w[0]];
    left.extend(shared.iter().copied());
    left.push(w[3]);
    let mut right = vec![p, w[1], w[2]];
    right.extend(shared.iter().rev().take(shared.len() - 1).copied());
    (simple_ccw(&left) && simple_ccw(&right)).then_some((left, right, shared))
}

/// Chamfers some corners of a strictly convex ring (as at street crossings); keeps the ring
/// strictly convex, else returns it unchanged.
fn chamfer(rng: &mut Pcg64, ring: &[Pt]) -> Vec<Pt> {
    let n = ring.len();
    let mut out = Vec::with_capacity(n + 4);
    for k in 0..n {
        let (prev, v, next) = (ring[(k + n - 1) % n], ring[k], ring[(k + 1) % n]);
        let c = rng.random_range(3.0..7.0);
        if rng.random_bool(CHAMFER_P) && dist(prev, v) > 3.0 * c && dist(v, next) > 3.0 * c {
            let towards = |to: Pt| {
                let l = dist(v, to);
                [
                    snap(v[0] + c * (to[0] - v[0]) / l),
                    snap(v[1] + c * (to[1] - v[1]) / l),
                ]
            };
            out.push(towards(prev));
            out.push(towards(next));
        } else {
            out.push(v);
        }
    }
    if strictly_convex_ccw(&out) {
        out
    } else {
        ring.to_vec()
    }
}

/// A courtyard: the block scaled around its centre, clockwise; `None` when it would not lie
/// strictly inside.
fn courtyard(rng: &mut Pcg64, exterior: &[Pt]) -> Option<Vec<Pt>> {
    let c = centre_of(exterior);
    let s = rng.random_range(0.3..0.45);
    let mut hole: Vec<Pt> = exterior
        .iter()
        .map(|v| {
            [
                snap(c[0] + s * (v[0] - c[0])),
                snap(c[1] + s * (v[1] - c[1])),
            ]
        })
        .collect();
    hole.dedup();
    if !strictly_convex_ccw(&hole) {
        return None;
    }
    let n = exterior.len();
    let inside = hole
        .iter()
        .all(|&h| (0..n).all(|k| orient(exterior[k], exterior[(k + 1) % n], h) > 0.0));
    hole.reverse();
    inside.then_some(hole)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn layout(seed: u64) -> Layout {
        let mut rng = Pcg64::seed_from_u64(seed);
        generate(
            &mut rng,
            &LayoutParams {
                columns: 30,
                rows: 24,
                quarters: 20,
                districts: 4,
                centre: [462_000.0, 5_778_000.0],
            },
        )
    }

    #[test]
    fn rings_are_valid_and_on_the_grid() {
        for seed in 0..5 {
            let l = layout(seed);
            for b in &l.blocks {
                assert!(simple_ccw(&b.exterior));
                if let Some(h) = &b.hole {
                    let rev: Vec<Pt> = h.iter().rev().copied().collect();
                    assert!(simple_ccw(&rev));
                }
                for p in b.exterior.iter().chain(b.hole.iter().flatten()) {
                    assert_eq!(snap(p[0]), p[0]);
                    assert_eq!(snap(p[1]), p[1]);
                }
            }
            assert!(!l.shared_edges.is_empty());
            assert!(l.blocks.iter().any(|b| b.hole.is_some()));
        }
    }

    #[test]
    fn every_quarter_and_district_is_used() {
        let l = layout(3);
        for q in 0..l.quarter_district.len() {
            assert!(l.cell_quarter.contains(&q));
        }
        for d in 0..4 {
            assert!(l.quarter_district.contains(&d));
        }
    }

    /// Regions grown on a grid graph with holes are each connected.
    #[test]
    fn grown_regions_are_contiguous() {
        let mut rng = Pcg64::seed_from_u64(9);
        let (nx, ny) = (20, 15);
        let mut keep: Vec<bool> = (0..nx * ny).map(|_| rng.random_bool(0.85)).collect();
        largest_component(&mut keep, nx, ny);
        let nodes: Vec<usize> = (0..nx * ny).filter(|&c| keep[c]).collect();
        let index = |c: usize| nodes.binary_search(&c).ok();
        let adjacency: Vec<Vec<usize>> = nodes
            .iter()
            .map(|&c| {
                let (i, j) = (c % nx, c / nx);
                let mut adj = Vec::new();
                if i > 0 {
                    adj.extend(index(c - 1));
                }
                if i + 1 < nx {
                    adj.extend(index(c + 1));
                }
                if j > 0 {
                    adj.extend(index(c - nx));
                }
                if j + 1 < ny {
                    adj.extend(index(c + nx));
                }
                adj
            })
            .collect();
        let pos: Vec<Pt> = nodes
            .iter()
            .map(|&c| [(c % nx) as f64, (c / nx) as f64])
            .collect();
        let noise: Vec<f64> = (0..nodes.len())
            .map(|_| rng.random_range(0.0..0.6))
            .collect();
        let seeds = farthest_points(&pos, 7, 0);
        let label = grow(&adjacency, &pos, &seeds, &noise);
        for (r, &seed) in seeds.iter().enumerate() {
            let mut seen = vec![false; nodes.len()];
            let mut stack = vec![seed];
            seen[seed] = true;
            while let Some(n) = stack.pop() {
                for &m in &adjacency[n] {
                    if label[m] == r && !seen[m] {
                        seen[m] = true;
                        stack.push(m);
                    }
                }
            }
            let members = label.iter().filter(|&&l| l == r).count();
            assert_eq!(seen.iter().filter(|&&s| s).count(), members);
        }
    }

    #[test]
    fn simple_ccw_rejects_bad_rings() {
        let sq = vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert!(simple_ccw(&sq));
        let cw: Vec<Pt> = sq.iter().rev().copied().collect();
        assert!(!simple_ccw(&cw));
        let bowtie = vec![[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]];
        assert!(!simple_ccw(&bowtie));
        let spike = vec![[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 1.0]];
        assert!(!simple_ccw(&spike));
    }
}
