//! Seeded synthetic block layouts and points for benches and comparisons.
//!
//! The Rust benches and the Python side-by-side comparison call the same generator, so they
//! measure on the same data.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use crate::hierarchy::UnitId;

/// Distance between block origins, metres.
const PITCH: f64 = 100.0;
/// South-west corner of the layout (ETRS89 / UTM 32N, around Enger).
const ORIGIN: (f64, f64) = (466_000.0, 5_772_000.0);
/// All vertices lie on a grid of this many steps per metre, so points on edges can be
/// computed exactly.
const STEPS_PER_M: f64 = 16.0;

fn snap(v: f64) -> f64 {
    (v * STEPS_PER_M).round() / STEPS_PER_M
}

/// A seeded synthetic town of `n_blocks` blocks: a jittered grid of quadrilateral blocks
/// (100 m pitch) separated by streets 8–24 m wide, each side broken by 1–3 extra vertices
/// (about 12 edges per block on average), every tenth block or so with a courtyard hole.
/// Ids are `"B0000000"`, `"B0000001"`, … so id order is input order.
///
/// Vertices lie on a 1/16 m grid; the layout is the same for the same arguments on every
/// platform.
///
/// # Examples
///
/// ```
/// let blocks = quartier::synthetic_blocks(100, 7);
/// assert_eq!(blocks.len(), 100);
/// assert_eq!(blocks[3].0.as_str(), "B0000003");
/// ```
#[doc(hidden)]
pub fn synthetic_blocks(n_blocks: usize, seed: u64) -> Vec<(UnitId, MultiPolygon<f64>)> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let cols = (n_blocks as f64).sqrt().ceil().max(1.0) as usize;
    (0..n_blocks)
        .map(|i| {
            let bx = ORIGIN.0 + (i % cols) as f64 * PITCH;
            let by = ORIGIN.1 + (i / cols) as f64 * PITCH;
            let inset = |rng: &mut Pcg64| rng.random_range(4.0..12.0);
            let corners = [
                (bx + inset(&mut rng), by + inset(&mut rng)),
                (bx + PITCH - inset(&mut rng), by + inset(&mut rng)),
                (bx + PITCH - inset(&mut rng), by + PITCH - inset(&mut rng)),
                (bx + inset(&mut rng), by + PITCH - inset(&mut rng)),
            ];
            let mut ring: Vec<Coord<f64>> = Vec::new();
            for k in 0..4 {
                let (ax, ay) = corners[k];
                let (cx, cy) = corners[(k + 1) % 4];
                ring.push(Coord {
                    x: snap(ax),
                    y: snap(ay),
                });
                let extra = rng.random_range(1..=3usize);
                let mut ts: Vec<f64> = (0..extra).map(|_| rng.random_range(0.15..0.85)).collect();
                ts.sort_by(f64::total_cmp);
                let (dx, dy) = (cx - ax, cy - ay);
                let len = (dx * dx + dy * dy).sqrt();
                let (nx, ny) = (-dy / len, dx / len);
                for t in ts {
                    let off = rng.random_range(-2.0..2.0);
                    ring.push(Coord {
                        x: snap(ax + t * dx + off * nx),
                        y: snap(ay + t * dy + off * ny),
                    });
                }
            }
            let mut holes = Vec::new();
            if rng.random_range(0.0..1.0) < 0.1 {
                let cx = bx + 50.0 + rng.random_range(-5.0..5.0);
                let cy = by + 50.0 + rng.random_range(-5.0..5.0);
                let hw = rng.random_range(10.0..20.0);
                let hh = rng.random_range(10.0..20.0);
                holes.push(LineString::from(vec![
                    (snap(cx - hw), snap(cy - hh)),
                    (snap(cx - hw), snap(cy + hh)),
                    (snap(cx + hw), snap(cy + hh)),
                    (snap(cx + hw), snap(cy - hh)),
                ]));
            }
            (
                UnitId::new(format!("B{i:07}")),
                MultiPolygon(vec![Polygon::new(LineString::new(ring), holes)]),
            )
        })
        .collect()
}

/// `n` seeded points over the blocks' extent (widened by 1 % on each side), in random order.
///
/// A share `boundary_share` (0 to 1) of them lies exactly on a block's boundary: half on
/// vertices, half on edges at multiples of 1/16 of the edge (exact for
/// [`synthetic_blocks`]' 1/16 m vertex grid). The rest are uniform over the extent, so they
/// fall into blocks, streets, courtyards and the margin outside.
///
/// # Examples
///
/// ```
/// let blocks = quartier::synthetic_blocks(10, 1);
/// let (xs, ys) = quartier::synthetic_points(&blocks, 1000, 0.1, 2);
/// assert_eq!((xs.len(), ys.len()), (1000, 1000));
/// ```
#[doc(hidden)]
pub fn synthetic_points(
    blocks: &[(UnitId, MultiPolygon<f64>)],
    n: usize,
    boundary_share: f64,
    seed: u64,
) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Pcg64::seed_from_u64(seed);
    let rings: Vec<&LineString<f64>> = blocks
        .iter()
        .flat_map(|(_, mp)| mp.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .filter(|r| r.0.len() >= 2)
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in rings.iter().flat_map(|r| r.0.iter()) {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    if rings.is_empty() {
        (x0, y0, x1, y1) = (0.0, 0.0, 1.0, 1.0);
    }
    let (mx, my) = ((x1 - x0) * 0.01, (y1 - y0) * 0.01);
    let (x0, y0, x1, y1) = (x0 - mx, y0 - my, x1 + mx, y1 + my);
    let share = if boundary_share.is_nan() {
        0.0
    } else {
        boundary_share.clamp(0.0, 1.0)
    };
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let on_boundary = !rings.is_empty() && rng.random_range(0.0..1.0) < share;
        if on_boundary {
            let ring = rings[rng.random_range(0..rings.len())];
            let k = rng.random_range(0..ring.0.len() - 1);
            let (a, b) = (ring.0[k], ring.0[k + 1]);
            let step = if rng.random_range(0..2) == 0 {
                0.0
            } else {
                f64::from(rng.random_range(1..16u32))
            };
            let t = step / 16.0;
            xs.push(a.x + (b.x - a.x) * t);
            ys.push(a.y + (b.y - a.y) * t);
        } else {
            xs.push(rng.random_range(x0..x1));
            ys.push(rng.random_range(y0..y1));
        }
    }
    (xs, ys)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use geo::CoordinatePosition;
    use geo::coordinate_position::CoordPos;

    #[test]
    fn deterministic_and_boundary_points_are_exact() {
        let a = synthetic_blocks(50, 3);
        let b = synthetic_blocks(50, 3);
        assert_eq!(a, b);
        let (xs, ys) = synthetic_points(&a, 2000, 1.0, 4);
        for (&x, &y) in xs.iter().zip(&ys) {
            let c = Coord { x, y };
            let on = a
                .iter()
                .any(|(_, mp)| mp.coordinate_position(&c) == CoordPos::OnBoundary);
            assert!(on, "a boundary point is not on a boundary");
        }
    }
}
