//! Exact point-in-polygon tests over flattened edges, with a y-band edge index for large
//! polygons.
//!
//! Every polygon part (one `geo::Polygon`: exterior ring plus holes) becomes a [`Part`]: its
//! bounding box, the range of its edges in [`PartSet::edges`] and, for parts with more than
//! [`BAND_MIN_EDGES`] edges, a band index: the part's y-range is cut into equal horizontal
//! bands and each band lists the edges whose closed y-range meets it. A query then reads only
//! the edges of the one band its y falls into.
//!
//! # Exactness
//!
//! The test is the crossing-number (even–odd) rule with a horizontal ray to `+x` and the
//! half-open rule on y (an edge counts when `min(ay, by) <= y < max(ay, by)`); the side of
//! the crossing is decided by the sign of `robust::orient2d`, which is exact. A point is on
//! the boundary when it is collinear with an edge (`orient2d == 0` exactly) and inside the
//! edge's bounding box; such a point is covered. There is no epsilon anywhere.
//!
//! Band lookup is `floor((y - y0) * inv_h)` clamped to the band count. This function is
//! monotone in `y`, and every edge is filed under the bands of its own `y_min` and `y_max`
//! computed by the same function (and all bands between), so an edge whose closed y-range
//! contains a query `y` is always in the query's band, whatever the rounding.

use std::ops::Range;

use robust::{Coord, orient2d};

/// Parts with at most this many edges are scanned linearly; larger ones get a band index.
pub(crate) const BAND_MIN_EDGES: usize = 32;

/// The average number of edges per band aimed at when building a band index.
const EDGES_PER_BAND: usize = 4;

/// Upper bound on band entries per edge on average; beyond it the band count is halved.
const MAX_BAND_ENTRIES_PER_EDGE: usize = 4;

/// One directed edge `a -> b` of a ring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    pub(crate) ax: f64,
    pub(crate) ay: f64,
    pub(crate) bx: f64,
    pub(crate) by: f64,
}

/// A closed axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BBox {
    pub(crate) min_x: f64,
    pub(crate) min_y: f64,
    pub(crate) max_x: f64,
    pub(crate) max_y: f64,
}

impl BBox {
    /// The empty box (the identity of [`BBox::union`]).
    pub(crate) const EMPTY: BBox = BBox {
        min_x: f64::INFINITY,
        min_y: f64::INFINITY,
        max_x: f64::NEG_INFINITY,
        max_y: f64::NEG_INFINITY,
    };

    /// Whether the closed box contains the point.
    #[inline]
    pub(crate) fn contains(&self, x: f64, y: f64) -> bool {
        self.min_x <= x && x <= self.max_x && self.min_y <= y && y <= self.max_y
    }

    /// Grows the box to include a point.
    pub(crate) fn add(&mut self, x: f64, y: f64) {
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
    }

    /// The smallest box containing both.
    pub(crate) fn union(&self, other: &BBox) -> BBox {
        BBox {
            min_x: self.min_x.min(other.min_x),
            min_y: self.min_y.min(other.min_y),
            max_x: self.max_x.max(other.max_x),
            max_y: self.max_y.max(other.max_y),
        }
    }

    /// Whether the box contains no point.
    pub(crate) fn is_empty(&self) -> bool {
        !(self.min_x <= self.max_x && self.min_y <= self.max_y)
    }
}

/// The band index of one part.
#[derive(Debug, Clone)]
struct Bands {
    y0: f64,
    inv_h: f64,
    count: usize,
    /// Start of this part's `count + 1` offsets in [`PartSet::band_offsets`].
    offsets_start: usize,
}

impl Bands {
    /// The band of `y`; monotone in `y` (see the module docs).
    #[inline]
    fn band_of(&self, y: f64) -> usize {
        // `as usize` saturates (negative → 0); NaN never reaches here.
        (((y - self.y0) * self.inv_h) as usize).min(self.count - 1)
    }
}

/// One polygon (exterior ring plus holes) of a unit.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) bbox: BBox,
    /// Position of the owning unit.
    pub(crate) unit: u32,
    edges: Range<usize>,
    bands: Option<Bands>,
}

/// All parts of all units, with their edges and band indexes in flat arrays.
#[derive(Debug, Clone, Default)]
pub(crate) struct PartSet {
    pub(crate) parts: Vec<Part>,
    pub(crate) edges: Vec<Edge>,
    band_offsets: Vec<usize>,
    /// Edge indexes relative to the part's first edge.
    band_edges: Vec<u32>,
}

/// One step of the crossing test: updates `inside` and returns whether the point is on
/// the edge.
#[inline(always)]
fn edge_step(e: &Edge, x: f64, y: f64, inside: &mut bool) -> bool {
    let (y_min, y_max) = if e.ay <= e.by {
        (e.ay, e.by)
    } else {
        (e.by, e.ay)
    };
    if y < y_min || y > y_max {
        return false;
    }
    let (x_min, x_max) = if e.ax <= e.bx {
        (e.ax, e.bx)
    } else {
        (e.bx, e.ax)
    };
    if x > x_max {
        // Wholly left of the point: neither a crossing to the right nor the boundary.
        return false;
    }
    let straddles = (e.ay <= y) != (e.by <= y);
    if x < x_min {
        // Wholly right of the point: the crossing, if any, is to the right.
        if straddles {
            *inside = !*inside;
        }
        return false;
    }
    let o = orient2d(
        Coord { x: e.ax, y: e.ay },
        Coord { x: e.bx, y: e.by },
        Coord { x, y },
    );
    if o == 0.0 {
        // Collinear and inside the edge's box: on the segment.
        return true;
    }
    // Upward edge: the crossing is right of the point when the point is left of the edge.
    if straddles && ((e.by > e.ay) == (o > 0.0)) {
        *inside = !*inside;
    }
    false
}

/// Squared Euclidean distance from a point to a segment.
#[inline]
fn segment_distance2(e: &Edge, x: f64, y: f64) -> f64 {
    let dx = e.bx - e.ax;
    let dy = e.by - e.ay;
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        ((x - e.ax) * dx + (y - e.ay) * dy) / len2
    } else {
        0.0
    };
    let (cx, cy) = if t <= 0.0 {
        (e.ax, e.ay)
    } else if t >= 1.0 {
        (e.bx, e.by)
    } else {
        (e.ax + t * dx, e.ay + t * dy)
    };
    let (ex, ey) = (x - cx, y - cy);
    ex * ex + ey * ey
}

impl PartSet {
    /// Adds one polygon of unit `unit` given as rings of closed coordinate sequences.
    ///
    /// The caller has checked that all coordinates are finite. A polygon without edges is
    /// skipped. Returns whether a part was added.
    pub(crate) fn push_polygon<'a>(
        &mut self,
        unit: u32,
        rings: impl Iterator<Item = &'a geo::LineString<f64>>,
    ) -> bool {
        let start = self.edges.len();
        let mut bbox = BBox::EMPTY;
        for ring in rings {
            for line in ring.lines() {
                bbox.add(line.start.x, line.start.y);
                bbox.add(line.end.x, line.end.y);
                self.edges.push(Edge {
                    ax: line.start.x,
                    ay: line.start.y,
                    bx: line.end.x,
                    by: line.end.y,
                });
            }
        }
        let end = self.edges.len();
        if end == start {
            return false;
        }
        let bands = self.build_bands(start..end, &bbox);
        self.parts.push(Part {
            bbox,
            unit,
            edges: start..end,
            bands,
        });
        true
    }

    /// Builds the band index of a part's edges, or `None` when a scan is as good.
    fn build_bands(&mut self, edges: Range<usize>, bbox: &BBox) -> Option<Bands> {
        let n = edges.len();
        if n <= BAND_MIN_EDGES || u32::try_from(n).is_err() {
            return None;
        }
        let height = bbox.max_y - bbox.min_y;
        if height.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let mut count = (n / EDGES_PER_BAND).max(2);
        loop {
            let inv_h = count as f64 / height;
            if !inv_h.is_finite() {
                return None;
            }
            let bands = Bands {
                y0: bbox.min_y,
                inv_h,
                count,
                offsets_start: self.band_offsets.len(),
            };
            let span = |e: &Edge| {
                let lo = bands.band_of(e.ay.min(e.by));
                let hi = bands.band_of(e.ay.max(e.by));
                lo..=hi
            };
            let entries: usize = self.edges[edges.clone()]
                .iter()
                .map(|e| span(e).count())
                .sum();
            if entries > MAX_BAND_ENTRIES_PER_EDGE * n && count > 2 {
                count /= 2;
                continue;
            }
            // Counting sort of edges into bands (CSR).
            let mut counts = vec![0usize; count + 1];
            for e in &self.edges[edges.clone()] {
                for b in span(e) {
                    counts[b + 1] += 1;
                }
            }
            for b in 0..count {
                counts[b + 1] += counts[b];
            }
            let base = self.band_edges.len();
            self.band_edges.resize(base + entries, 0);
            let mut fill = counts.clone();
            for (local, e) in self.edges[edges.clone()].iter().enumerate() {
                for b in span(e) {
                    // ok: local < n and n fits in u32 (checked above).
                    self.band_edges[base + fill[b]] = local as u32;
                    fill[b] += 1;
                }
            }
            self.band_offsets.extend(counts.iter().map(|&c| base + c));
            return Some(bands);
        }
    }

    /// Whether the closed part covers the point (boundary included), using the band index.
    #[inline]
    pub(crate) fn part_covers(&self, part: &Part, x: f64, y: f64) -> bool {
        if !part.bbox.contains(x, y) {
            return false;
        }
        let mut inside = false;
        match &part.bands {
            None => {
                for e in &self.edges[part.edges.clone()] {
                    if edge_step(e, x, y, &mut inside) {
                        return true;
                    }
                }
            }
            Some(bands) => {
                let b = bands.band_of(y);
                let lo = self.band_offsets[bands.offsets_start + b];
                let hi = self.band_offsets[bands.offsets_start + b + 1];
                let edges = &self.edges[part.edges.clone()];
                for &local in &self.band_edges[lo..hi] {
                    if edge_step(&edges[local as usize], x, y, &mut inside) {
                        return true;
                    }
                }
            }
        }
        inside
    }

    /// Whether the closed part covers the point, scanning every edge (no box, no bands).
    pub(crate) fn part_covers_naive(&self, part: &Part, x: f64, y: f64) -> bool {
        let mut inside = false;
        for e in &self.edges[part.edges.clone()] {
            if edge_step(e, x, y, &mut inside) {
                return true;
            }
        }
        inside
    }

    /// Squared distance from the point to the part's boundary (all rings).
    pub(crate) fn boundary_distance2(&self, part: &Part, x: f64, y: f64) -> f64 {
        self.edges[part.edges.clone()]
            .iter()
            .map(|e| segment_distance2(e, x, y))
            .fold(f64::INFINITY, f64::min)
    }

    /// The edges of a part.
    pub(crate) fn part_edges(&self, part: &Part) -> &[Edge] {
        &self.edges[part.edges.clone()]
    }

    /// Whether the part has a band index.
    #[cfg(test)]
    pub(crate) fn has_bands(part: &Part) -> bool {
        part.bands.is_some()
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.parts.capacity() * std::mem::size_of::<Part>()
            + self.edges.capacity() * std::mem::size_of::<Edge>()
            + self.band_offsets.capacity() * std::mem::size_of::<usize>()
            + self.band_edges.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn set_of(poly: &Polygon<f64>) -> PartSet {
        let mut set = PartSet::default();
        set.push_polygon(0, std::iter::once(poly.exterior()).chain(poly.interiors()));
        set
    }

    fn square_with_hole() -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]),
            vec![LineString::from(vec![
                (4.0, 4.0),
                (6.0, 4.0),
                (6.0, 6.0),
                (4.0, 6.0),
            ])],
        )
    }

    #[test]
    fn boundary_vertices_holes() {
        let set = set_of(&square_with_hole());
        let p = &set.parts[0];
        for (x, y, want) in [
            (1.0, 1.0, true),
            (0.0, 0.0, true),
            (10.0, 5.0, true),
            (5.0, 10.0, true),
            (5.0, 5.0, false),
            (4.0, 5.0, true),
            (5.0, 6.0, true),
            (6.0, 6.0, true),
            (-1.0, 5.0, false),
            (10.5, 5.0, false),
            (5.0, -0.0, true),
        ] {
            assert_eq!(set.part_covers(p, x, y), want, "({x}, {y})");
            assert_eq!(set.part_covers_naive(p, x, y), want, "naive ({x}, {y})");
        }
    }

    #[test]
    fn large_polygon_uses_bands() {
        // A 400-gon approximating a circle, vertices on a coarse grid.
        let n = 400;
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                ((a.cos() * 1000.0).round(), (a.sin() * 1000.0).round())
            })
            .collect();
        let poly = Polygon::new(LineString::from(pts.clone()), vec![]);
        let set = set_of(&poly);
        let p = &set.parts[0];
        assert!(PartSet::has_bands(p));
        for &(x, y) in &pts {
            assert!(set.part_covers(p, x, y));
        }
        for i in -110..=110 {
            for j in -110..=110 {
                let (x, y) = (f64::from(i) * 10.0 + 0.5, f64::from(j) * 10.0);
                assert_eq!(set.part_covers(p, x, y), set.part_covers_naive(p, x, y));
            }
        }
    }

    #[test]
    fn distance_to_rings() {
        let set = set_of(&square_with_hole());
        let p = &set.parts[0];
        assert_eq!(set.boundary_distance2(p, 13.0, 14.0), 25.0);
        assert_eq!(set.boundary_distance2(p, 5.0, 5.0), 1.0);
    }
}
