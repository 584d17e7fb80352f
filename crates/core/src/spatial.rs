//! Spatial statistics: contiguity weights from polygons, global Moran's I and local Moran
//! (LISA).
//!
//! The three steps of an exploratory look at spatial clustering of an indicator:
//!
//! 1. [`contiguity`] turns unit polygons into [`Weights`]: binary neighbour lists, **queen**
//!    (the polygons share at least one vertex) or **rook** (they share at least one edge, i.e.
//!    two consecutive vertices). Vertices match exactly (tolerance 0, the definition of
//!    libpysal's `Queen.from_dataframe` / `Rook.from_dataframe`) or within a tolerance in
//!    metres. [`Weights::from_neighbours`] takes neighbour lists made elsewhere.
//! 2. [`moran`]: global Moran's I with its expectation and variance under normality, the
//!    z-score and two-sided normal p-value, and a seeded permutation test.
//! 3. [`local_moran`]: local Moran's I per unit, its [`Quadrant`] of the Moran scatter plot
//!    (HH, LH, LL, HL) and a seeded conditional-permutation pseudo p-value.
//!
//! Weights are stored binary; both statistics row-standardize them internally (each
//! neighbour of unit i weighs 1 / number of neighbours of i), as esda does with its default
//! `transformation="r"`. An **island** (a unit without neighbours) keeps a zero row: its
//! spatial lag is 0, it adds nothing to Moran's I and its local I is 0, again as in
//! esda/libpysal. [`Weights::islands`] lists them; nothing is logged.
//!
//! The statistics follow esda 2.9 (`esda.Moran`, `esda.Moran_Local`) formula by formula, and
//! the Python tests compare I, E\[I\], V\[I\], z and the local I and quadrants with esda to 1e-9
//! on Berlin's 542 planning areas. Permutation p-values cannot equal esda's (another random
//! generator); they are seeded, and the same seed gives the same p-values on any number of
//! threads.
//!
//! # Examples
//!
//! A 4 × 4 lattice of unit squares with a high west half and a low east half is positively
//! autocorrelated:
//!
//! ```
//! use geo::{MultiPolygon, Rect};
//! use quartier::{Contiguity, contiguity, local_moran, moran, Quadrant};
//!
//! let mut squares = Vec::new();
//! let mut values = Vec::new();
//! for row in 0..4 {
//!     for col in 0..4 {
//!         let (x, y) = (col as f64, row as f64);
//!         squares.push(MultiPolygon::from(Rect::new((x, y), (x + 1.0, y + 1.0)).to_polygon()));
//!         values.push(if col < 2 { 10.0 } else { 1.0 });
//!     }
//! }
//! let w = contiguity(&squares, Contiguity::Queen, 0.0)?;
//! assert_eq!(w.neighbours(0), &[1, 4, 5]);
//!
//! let global = moran(&values, &w, 999, 42)?;
//! assert!(global.i > 0.5 && global.z_normal > 2.0);
//! assert!(global.permutation.unwrap().p_sim < 0.01);
//!
//! let local = local_moran(&values, &w, 999, 42)?;
//! assert_eq!(local.quadrant[0], Quadrant::HH);
//! assert_eq!(local.quadrant[3], Quadrant::LL);
//! # Ok::<(), quartier::SpatialError>(())
//! ```

use geo::MultiPolygon;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Errors of building spatial weights and computing spatial statistics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpatialError {
    /// A polygon has no vertex at all.
    #[error("polygon {polygon} is empty: it has no vertices")]
    EmptyGeometry {
        /// Position of the polygon in the input.
        polygon: usize,
    },
    /// A polygon has a NaN or infinite coordinate.
    #[error("polygon {polygon} has a non-finite coordinate")]
    NonFiniteCoordinate {
        /// Position of the polygon in the input.
        polygon: usize,
    },
    /// The matching tolerance is negative or not finite.
    #[error("the tolerance must be a finite distance >= 0 metres, got {tolerance_m}")]
    InvalidTolerance {
        /// The tolerance given, metres.
        tolerance_m: f64,
    },
    /// The polygons have more vertices than the index can number (`u32`).
    #[error("the polygons have {vertices} vertices, more than the {max} the index can hold")]
    TooManyVertices {
        /// Number of vertices of all polygons.
        vertices: usize,
        /// The largest number supported.
        max: usize,
    },
    /// A neighbour list names a unit that does not exist.
    #[error("unit {unit} names neighbour {neighbour}, but there are only {units} units")]
    NeighbourOutOfRange {
        /// The unit whose list is wrong.
        unit: usize,
        /// The neighbour named.
        neighbour: usize,
        /// Number of units.
        units: usize,
    },
    /// A unit is listed as its own neighbour.
    #[error("unit {unit} is listed as its own neighbour")]
    SelfNeighbour {
        /// The unit.
        unit: usize,
    },
    /// A neighbour is listed twice for the same unit.
    #[error("unit {unit} lists neighbour {neighbour} twice")]
    DuplicateNeighbour {
        /// The unit.
        unit: usize,
        /// The neighbour listed twice.
        neighbour: usize,
    },
    /// Unit `unit` lists `neighbour`, but `neighbour` does not list `unit`.
    #[error(
        "unit {unit} lists neighbour {neighbour}, but unit {neighbour} does not list unit {unit}"
    )]
    AsymmetricNeighbours {
        /// The unit that lists the neighbour.
        unit: usize,
        /// The neighbour that does not list it back.
        neighbour: usize,
    },
    /// The number of values differs from the number of units of the weights.
    #[error("{values} values were given for weights of {units} units")]
    LengthMismatch {
        /// Number of values.
        values: usize,
        /// Number of units of the weights.
        units: usize,
    },
    /// A value is NaN or infinite.
    #[error("value at position {position} is not finite")]
    NonFiniteValue {
        /// Position of the value.
        position: usize,
    },
    /// A statistic needs at least two units.
    #[error("at least 2 units are needed, got {units}")]
    TooFewUnits {
        /// Number of units given.
        units: usize,
    },
    /// All values are equal, so the statistic divides by a zero variance.
    #[error("all {units} values are equal: moran's i is undefined for a constant variable")]
    ZeroVariance {
        /// Number of units.
        units: usize,
    },
    /// No unit has a neighbour (every unit is an island).
    #[error("none of the {units} units has a neighbour")]
    NoNeighbours {
        /// Number of units.
        units: usize,
    },
    /// Moran's I has zero variance under the null hypothesis for these weights (e.g. every
    /// unit neighbours every other one), so it cannot be tested.
    #[error(
        "moran's i cannot vary under the null for these weights of {units} units (e.g. every unit neighbours every other)"
    )]
    DegenerateWeights {
        /// Number of units.
        units: usize,
    },
}

/// Which polygons count as neighbours in [`contiguity`].
///
/// # Examples
///
/// ```
/// use quartier::Contiguity;
/// assert_ne!(Contiguity::Queen, Contiguity::Rook);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contiguity {
    /// Two polygons are neighbours when they share at least one vertex (within the
    /// tolerance); corners touching count.
    Queen,
    /// Two polygons are neighbours when they share at least one edge: two vertices that are
    /// consecutive on a ring of each (within the tolerance). Touching corners do not count.
    Rook,
}

/// Binary contiguity weights: a sorted neighbour list per unit, stored compressed (CSR).
///
/// Units are numbered `0..len()` in the order of the polygons (or lists) they were built
/// from. The neighbour relation is symmetric and irreflexive, and every list is sorted
/// ascending with no repeats; [`Weights::from_neighbours`] checks this for lists made
/// elsewhere, [`contiguity`] guarantees it.
///
/// The statistics ([`moran`], [`local_moran`]) row-standardize the binary weights; a unit
/// without neighbours (an island, see [`Weights::islands`]) keeps a zero row.
///
/// # Examples
///
/// ```
/// use quartier::Weights;
///
/// // A path 0 - 1 - 2 and an island 3.
/// let w = Weights::from_neighbours(vec![vec![1], vec![2, 0], vec![1], vec![]])?;
/// assert_eq!(w.len(), 4);
/// assert_eq!(w.neighbours(1), &[0, 2]);
/// assert_eq!(w.cardinalities(), vec![1, 2, 1, 0]);
/// assert_eq!(w.islands(), vec![3]);
/// # Ok::<(), quartier::SpatialError>(())
/// ```
#[doc(alias = "Nachbarschaftsmatrix")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights {
    /// `offsets[i]..offsets[i + 1]` is unit i's range in `indices`; `len() + 1` entries.
    offsets: Vec<usize>,
    /// The neighbour indices of all units, each unit's run sorted ascending.
    indices: Vec<usize>,
}

impl Weights {
    /// Weights from one neighbour list per unit, after checking them.
    ///
    /// The lists may be in any order; they are sorted. Units are `0..lists.len()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{SpatialError, Weights};
    ///
    /// let w = Weights::from_neighbours(vec![vec![1], vec![0]])?;
    /// assert_eq!(w.neighbours(0), &[1]);
    /// let err = Weights::from_neighbours(vec![vec![1], vec![]]).unwrap_err();
    /// assert_eq!(err, SpatialError::AsymmetricNeighbours { unit: 0, neighbour: 1 });
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpatialError::NeighbourOutOfRange`] for an index ≥ the number of lists,
    /// [`SpatialError::SelfNeighbour`], [`SpatialError::DuplicateNeighbour`], and
    /// [`SpatialError::AsymmetricNeighbours`] when j is in i's list but i is not in j's (the
    /// smallest such i is reported).
    pub fn from_neighbours(lists: Vec<Vec<usize>>) -> Result<Self, SpatialError> {
        let units = lists.len();
        let mut offsets = Vec::with_capacity(units + 1);
        offsets.push(0);
        let mut indices = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        for (unit, mut list) in lists.into_iter().enumerate() {
            list.sort_unstable();
            for (k, &neighbour) in list.iter().enumerate() {
                if neighbour >= units {
                    return Err(SpatialError::NeighbourOutOfRange {
                        unit,
                        neighbour,
                        units,
                    });
                }
                if neighbour == unit {
                    return Err(SpatialError::SelfNeighbour { unit });
                }
                if k > 0 && list[k - 1] == neighbour {
                    return Err(SpatialError::DuplicateNeighbour { unit, neighbour });
                }
            }
            indices.extend_from_slice(&list);
            offsets.push(indices.len());
        }
        let w = Weights { offsets, indices };
        for unit in 0..units {
            for &neighbour in w.neighbours(unit) {
                if w.neighbours(neighbour).binary_search(&unit).is_err() {
                    return Err(SpatialError::AsymmetricNeighbours { unit, neighbour });
                }
            }
        }
        Ok(w)
    }

    /// Weights from symmetric, self-free pairs (both directions present); sorts and dedups.
    fn from_pairs(units: usize, mut pairs: Vec<(u32, u32)>) -> Self {
        pairs.par_sort_unstable();
        pairs.dedup();
        let mut offsets = vec![0usize; units + 1];
        for &(i, _) in &pairs {
            offsets[i as usize + 1] += 1;
        }
        for k in 0..units {
            offsets[k + 1] += offsets[k];
        }
        let indices = pairs.iter().map(|&(_, j)| j as usize).collect();
        Weights { offsets, indices }
    }

    /// Number of units.
    ///
    /// # Examples
    ///
    /// ```
    /// let w = quartier::Weights::from_neighbours(vec![vec![], vec![]])?;
    /// assert_eq!(w.len(), 2);
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no units.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(quartier::Weights::from_neighbours(vec![])?.is_empty());
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The neighbours of unit `i`, sorted ascending; empty for an island.
    ///
    /// # Examples
    ///
    /// ```
    /// let w = quartier::Weights::from_neighbours(vec![vec![2, 1], vec![0], vec![0]])?;
    /// assert_eq!(w.neighbours(0), &[1, 2]);
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`, like slice indexing.
    pub fn neighbours(&self, i: usize) -> &[usize] {
        &self.indices[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The number of neighbours of every unit.
    ///
    /// # Examples
    ///
    /// ```
    /// let w = quartier::Weights::from_neighbours(vec![vec![1, 2], vec![0], vec![0]])?;
    /// assert_eq!(w.cardinalities(), vec![2, 1, 1]);
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    pub fn cardinalities(&self) -> Vec<usize> {
        self.offsets.windows(2).map(|o| o[1] - o[0]).collect()
    }

    /// The units without any neighbour (islands), ascending.
    ///
    /// # Examples
    ///
    /// ```
    /// let w = quartier::Weights::from_neighbours(vec![vec![], vec![2], vec![1]])?;
    /// assert_eq!(w.islands(), vec![0]);
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    pub fn islands(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.offsets[i] == self.offsets[i + 1])
            .collect()
    }

    /// The number of (directed) neighbour links: twice the number of neighbouring pairs.
    ///
    /// # Examples
    ///
    /// ```
    /// let w = quartier::Weights::from_neighbours(vec![vec![1], vec![0, 2], vec![1]])?;
    /// assert_eq!(w.n_links(), 4);
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    pub fn n_links(&self) -> usize {
        self.indices.len()
    }

    /// The compressed lists: `offsets` (`len() + 1` entries) and `indices`, so that unit i's
    /// neighbours are `indices[offsets[i]..offsets[i + 1]]`.
    ///
    /// # Examples
    ///
    /// ```
    /// let w = quartier::Weights::from_neighbours(vec![vec![1], vec![0], vec![]])?;
    /// let (offsets, indices) = w.as_csr();
    /// assert_eq!((offsets, indices), (&[0, 1, 2, 2][..], &[1, 0][..]));
    /// # Ok::<(), quartier::SpatialError>(())
    /// ```
    pub fn as_csr(&self) -> (&[usize], &[usize]) {
        (&self.offsets, &self.indices)
    }
}

// ---------------------------------------------------------------------------------------
// Contiguity
// ---------------------------------------------------------------------------------------

/// The vertices of all polygons' rings, flattened, with their ring neighbours.
///
/// Rings are taken without their closing vertex and without consecutive repeats; exterior
/// and interior rings (holes) of every part count alike.
struct Vertices {
    xy: Vec<[f64; 2]>,
    /// The polygon (input position) of each vertex.
    polygon: Vec<u32>,
    /// The previous and next vertex on the same ring (itself on a one-vertex ring).
    prev: Vec<u32>,
    next: Vec<u32>,
}

impl Vertices {
    fn new<'a, I>(polygons: I) -> Result<(usize, Self), SpatialError>
    where
        I: IntoIterator<Item = &'a MultiPolygon<f64>>,
    {
        let mut v = Vertices {
            xy: Vec::new(),
            polygon: Vec::new(),
            prev: Vec::new(),
            next: Vec::new(),
        };
        let mut n_polygons = 0;
        for (p, mp) in polygons.into_iter().enumerate() {
            n_polygons = p + 1;
            let p32 = u32::try_from(p).map_err(|_| SpatialError::TooManyVertices {
                vertices: p,
                max: u32::MAX as usize,
            })?;
            let first_of_polygon = v.xy.len();
            for part in &mp.0 {
                for ring in std::iter::once(part.exterior()).chain(part.interiors()) {
                    let start = v.xy.len();
                    for c in &ring.0 {
                        if !(c.x.is_finite() && c.y.is_finite()) {
                            return Err(SpatialError::NonFiniteCoordinate { polygon: p });
                        }
                        // -0.0 and 0.0 are the same coordinate.
                        let xy = [c.x + 0.0, c.y + 0.0];
                        if v.xy.len() > start && v.xy[v.xy.len() - 1] == xy {
                            continue;
                        }
                        v.xy.push(xy);
                    }
                    if v.xy.len() > start + 1 && v.xy[start] == v.xy[v.xy.len() - 1] {
                        v.xy.pop();
                    }
                    let end = v.xy.len();
                    if end > u32::MAX as usize {
                        return Err(SpatialError::TooManyVertices {
                            vertices: end,
                            max: u32::MAX as usize,
                        });
                    }
                    for k in start..end {
                        v.polygon.push(p32);
                        v.prev.push(if k == start { end - 1 } else { k - 1 } as u32);
                        v.next.push(if k + 1 == end { start } else { k + 1 } as u32);
                    }
                }
            }
            if v.xy.len() == first_of_polygon {
                return Err(SpatialError::EmptyGeometry { polygon: p });
            }
        }
        Ok((n_polygons, v))
    }

    /// The exact key of a vertex: its coordinates' bits (0.0 and -0.0 unified on reading).
    fn key(&self, k: usize) -> (u64, u64) {
        (self.xy[k][0].to_bits(), self.xy[k][1].to_bits())
    }

    /// Whether vertex `k` is the start of a proper edge (its ring has ≥ 2 vertices).
    fn has_edge(&self, k: usize) -> bool {
        self.next[k] as usize != k
    }
}

fn within(a: [f64; 2], b: [f64; 2], tolerance2: f64) -> bool {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    dx * dx + dy * dy <= tolerance2
}

/// All pairs `(a, b)` and `(b, a)` of distinct polygons in `members` (one group of matching
/// vertices or edges).
fn push_group_pairs(members: &mut Vec<u32>, pairs: &mut Vec<(u32, u32)>) {
    members.sort_unstable();
    members.dedup();
    for (x, &a) in members.iter().enumerate() {
        for &b in &members[x + 1..] {
            pairs.push((a, b));
            pairs.push((b, a));
        }
    }
}

fn check_tolerance(tolerance_m: f64) -> Result<(), SpatialError> {
    if tolerance_m.is_finite() && tolerance_m >= 0.0 {
        Ok(())
    } else {
        Err(SpatialError::InvalidTolerance { tolerance_m })
    }
}

/// Queen or rook contiguity weights of polygons.
///
/// Two polygons are **queen** neighbours when a vertex of one and a vertex of the other are
/// within `tolerance_m` metres of each other (Euclidean distance ≤ tolerance), and **rook**
/// neighbours when an edge of one and an edge of the other have matching end points (both
/// ends within the tolerance, in either direction). Vertices of every ring count: exterior
/// rings and holes of every part of a `MultiPolygon`, so an enclave in a hole neighbours the
/// polygon around it. A polygon is never its own neighbour, even if its parts touch.
///
/// With `tolerance_m == 0.0` coordinates must be equal bit for bit (0.0 = -0.0): exactly
/// libpysal's `Queen.from_dataframe` / `Rook.from_dataframe`, which match vertex tuples. Like
/// libpysal (and GeoDa), a vertex of one polygon lying *on an edge* of another, without a
/// vertex there, does not make them neighbours: snap such layers first, or use a tolerance.
/// (libpysal's rook also pairs the last vertex of one ring with the first of the next ring
/// of the same polygon as an "edge"; here only real ring edges count, which differs only
/// when such a spurious edge coincides with another polygon's edge.)
///
/// Exact matching sorts all vertices (queen) or edges (rook) by their coordinates and groups
/// equal ones: O(V log V) for V vertices. With a tolerance, an R-tree (`rstar`) over all
/// vertices answers one within-distance query per vertex. Both run in parallel (rayon); the
/// result does not depend on the number of threads.
///
/// `polygons` is anything that yields `&MultiPolygon<f64>`: a slice, a `Vec`, or the
/// geometries of a hierarchy level, `hierarchy.units(level).iter().map(Unit::geometry)`.
///
/// # Examples
///
/// Two squares sharing an edge, and a third touching the second at a corner only:
///
/// ```
/// use geo::{MultiPolygon, Rect};
/// use quartier::{Contiguity, contiguity};
///
/// let square = |x: f64, y: f64| MultiPolygon::from(Rect::new((x, y), (x + 1.0, y + 1.0)).to_polygon());
/// let polygons = vec![square(0.0, 0.0), square(1.0, 0.0), square(2.0, 1.0)];
/// let queen = contiguity(&polygons, Contiguity::Queen, 0.0)?;
/// assert_eq!(queen.neighbours(1), &[0, 2]);
/// let rook = contiguity(&polygons, Contiguity::Rook, 0.0)?;
/// assert_eq!(rook.neighbours(1), &[0]);
/// assert_eq!(rook.islands(), vec![2]);
///
/// // A gap of 0.5 m: no neighbours exactly, neighbours with a 1 m tolerance.
/// let apart = vec![square(0.0, 0.0), square(1.5, 0.0)];
/// assert_eq!(contiguity(&apart, Contiguity::Rook, 0.0)?.n_links(), 0);
/// assert_eq!(contiguity(&apart, Contiguity::Rook, 1.0)?.neighbours(0), &[1]);
/// # Ok::<(), quartier::SpatialError>(())
/// ```
///
/// # Errors
///
/// [`SpatialError::InvalidTolerance`] for a negative or non-finite tolerance,
/// [`SpatialError::EmptyGeometry`] for a polygon without vertices,
/// [`SpatialError::NonFiniteCoordinate`], and [`SpatialError::TooManyVertices`] beyond
/// `u32::MAX` vertices or polygons. Errors name the polygon's position in the input.
#[doc(alias = "Nachbarschaft")]
pub fn contiguity<'a, I>(
    polygons: I,
    kind: Contiguity,
    tolerance_m: f64,
) -> Result<Weights, SpatialError>
where
    I: IntoIterator<Item = &'a MultiPolygon<f64>>,
{
    check_tolerance(tolerance_m)?;
    let (n, v) = Vertices::new(polygons)?;
    let pairs = match (kind, tolerance_m == 0.0) {
        (Contiguity::Queen, true) => queen_exact(&v),
        (Contiguity::Rook, true) => rook_exact(&v),
        (_, false) => with_tolerance(&v, kind, tolerance_m),
    };
    Ok(Weights::from_pairs(n, pairs))
}

/// Queen pairs by sorting the vertices by exact coordinates.
fn queen_exact(v: &Vertices) -> Vec<(u32, u32)> {
    let mut keys: Vec<((u64, u64), u32)> =
        (0..v.xy.len()).map(|k| (v.key(k), v.polygon[k])).collect();
    keys.par_sort_unstable();
    keys.dedup();
    let mut pairs = Vec::new();
    let mut members = Vec::new();
    for group in keys.chunk_by(|a, b| a.0 == b.0) {
        if group.len() > 1 {
            members.clear();
            members.extend(group.iter().map(|g| g.1));
            push_group_pairs(&mut members, &mut pairs);
        }
    }
    pairs
}

/// Rook pairs by sorting the edges by their exact (unordered) end points.
fn rook_exact(v: &Vertices) -> Vec<(u32, u32)> {
    type EdgeKey = ((u64, u64), (u64, u64));
    let mut keys: Vec<(EdgeKey, u32)> = (0..v.xy.len())
        .filter(|&k| v.has_edge(k))
        .map(|k| {
            let (a, b) = (v.key(k), v.key(v.next[k] as usize));
            ((a.min(b), a.max(b)), v.polygon[k])
        })
        .collect();
    keys.par_sort_unstable();
    keys.dedup();
    let mut pairs = Vec::new();
    let mut members = Vec::new();
    for group in keys.chunk_by(|a, b| a.0 == b.0) {
        if group.len() > 1 {
            members.clear();
            members.extend(group.iter().map(|g| g.1));
            push_group_pairs(&mut members, &mut pairs);
        }
    }
    pairs
}

/// Queen or rook pairs with an R-tree of all vertices and one query per vertex.
fn with_tolerance(v: &Vertices, kind: Contiguity, tolerance_m: f64) -> Vec<(u32, u32)> {
    let tolerance2 = tolerance_m * tolerance_m;
    let items: Vec<GeomWithData<[f64; 2], u32>> =
        v.xy.iter()
            .enumerate()
            .map(|(k, &xy)| GeomWithData::new(xy, k as u32))
            .collect();
    let tree = RTree::bulk_load(items);
    (0..v.xy.len())
        .into_par_iter()
        .flat_map_iter(|a| {
            let pa = v.polygon[a];
            let b = v.next[a] as usize;
            let mut found: Vec<(u32, u32)> = Vec::new();
            if kind == Contiguity::Rook && !v.has_edge(a) {
                return found;
            }
            for item in tree.locate_within_distance(v.xy[a], tolerance2) {
                let c = item.data as usize;
                let pc = v.polygon[c];
                if pc == pa {
                    continue;
                }
                let hit = match kind {
                    Contiguity::Queen => true,
                    Contiguity::Rook => {
                        v.has_edge(c)
                            && (within(v.xy[b], v.xy[v.next[c] as usize], tolerance2)
                                || within(v.xy[b], v.xy[v.prev[c] as usize], tolerance2))
                    }
                };
                if hit {
                    found.push((pa, pc));
                    found.push((pc, pa));
                }
            }
            found
        })
        .collect()
}

/// The brute-force twin of [`contiguity`]: every vertex (edge) of every polygon against every
/// vertex (edge) of every other polygon, sequentially. Same results; for tests and benches.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, Rect};
/// use quartier::{Contiguity, contiguity, contiguity_naive};
///
/// let square = |x: f64| MultiPolygon::from(Rect::new((x, 0.0), (x + 1.0, 1.0)).to_polygon());
/// let polygons = vec![square(0.0), square(1.0), square(2.0)];
/// assert_eq!(
///     contiguity_naive(&polygons, Contiguity::Rook, 0.0)?,
///     contiguity(&polygons, Contiguity::Rook, 0.0)?,
/// );
/// # Ok::<(), quartier::SpatialError>(())
/// ```
///
/// # Errors
///
/// As [`contiguity`].
#[doc(hidden)]
pub fn contiguity_naive<'a, I>(
    polygons: I,
    kind: Contiguity,
    tolerance_m: f64,
) -> Result<Weights, SpatialError>
where
    I: IntoIterator<Item = &'a MultiPolygon<f64>>,
{
    check_tolerance(tolerance_m)?;
    let (n, v) = Vertices::new(polygons)?;
    let tolerance2 = tolerance_m * tolerance_m;
    let mut by_polygon: Vec<Vec<usize>> = vec![Vec::new(); n];
    for k in 0..v.xy.len() {
        by_polygon[v.polygon[k] as usize].push(k);
    }
    let near = |a: usize, b: usize| within(v.xy[a], v.xy[b], tolerance2);
    let mut lists = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            let touch = by_polygon[i].iter().any(|&a| {
                by_polygon[j].iter().any(|&c| match kind {
                    Contiguity::Queen => near(a, c),
                    Contiguity::Rook => {
                        let (b, d) = (v.next[a] as usize, v.next[c] as usize);
                        v.has_edge(a)
                            && v.has_edge(c)
                            && ((near(a, c) && near(b, d)) || (near(a, d) && near(b, c)))
                    }
                })
            });
            if touch {
                lists[i].push(j);
                lists[j].push(i);
            }
        }
    }
    Weights::from_neighbours(lists)
}

// ---------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------

/// Global Moran's I of one variable and its tests (see [`moran`]).
///
/// # Examples
///
/// ```
/// let w = quartier::Weights::from_neighbours(vec![vec![1], vec![0, 2], vec![1, 3], vec![2]])?;
/// let m = quartier::moran(&[1.0, 2.0, 3.0, 4.0], &w, 0, 0)?;
/// assert!((m.expected - (-1.0 / 3.0)).abs() < 1e-15);
/// assert!(m.permutation.is_none());
/// # Ok::<(), quartier::SpatialError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Moran {
    /// Moran's I (esda `I`).
    pub i: f64,
    /// Its expectation under the null hypothesis, −1 / (n − 1) (esda `EI`).
    pub expected: f64,
    /// Its variance under the normality assumption (esda `VI_norm`).
    pub variance_normal: f64,
    /// The z-score under normality, (I − E\[I\]) / √V\[I\] (esda `z_norm`).
    pub z_normal: f64,
    /// The two-sided p-value of `z_normal`, 2 · P(Z > |z|) (esda's default `p_norm` with
    /// `two_tailed=True`).
    pub p_normal: f64,
    /// The permutation test, if `permutations > 0`.
    pub permutation: Option<PermutationTest>,
}

/// The permutation test of global Moran's I (see [`moran`]).
///
/// # Examples
///
/// ```
/// let w = quartier::Weights::from_neighbours(vec![vec![1], vec![0, 2], vec![1, 3], vec![2]])?;
/// let test = quartier::moran(&[1.0, 2.0, 3.0, 4.0], &w, 99, 7)?.permutation.unwrap();
/// assert_eq!(test.permutations, 99);
/// assert!(test.p_sim > 0.0 && test.p_sim <= 1.0);
/// # Ok::<(), quartier::SpatialError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PermutationTest {
    /// Number of permutations drawn.
    pub permutations: usize,
    /// The folded pseudo p-value (esda `p_sim`): with `larger` the number of permuted I ≥ the
    /// observed I, replaced by `permutations − larger` if that is smaller,
    /// `(larger + 1) / (permutations + 1)`.
    pub p_sim: f64,
    /// The mean of the permuted I (esda `EI_sim`).
    pub mean: f64,
    /// The standard deviation of the permuted I, population form (esda `seI_sim`).
    pub sd: f64,
    /// `(I − mean) / sd` (esda `z_sim`); `None` when `sd` is 0.
    pub z: Option<f64>,
}

/// The quadrant of a unit in the Moran scatter plot (its value against its spatial lag).
///
/// "High" means above the mean (value) or a positive lag of the deviations (lag); a value
/// exactly at the mean, or a lag of exactly 0 (islands), counts as low, as in esda. The codes
/// are esda's `Moran_Local.q` (`geoda_quads=False`).
///
/// # Examples
///
/// ```
/// use quartier::Quadrant;
/// assert_eq!(Quadrant::HH.code(), 1);
/// assert_eq!(Quadrant::from_code(4), Some(Quadrant::HL));
/// assert_eq!(Quadrant::LH.as_str(), "LH");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quadrant {
    /// High value, high neighbours (hot spot); code 1.
    HH,
    /// Low value, high neighbours (outlier); code 2.
    LH,
    /// Low value, low neighbours (cold spot); code 3.
    LL,
    /// High value, low neighbours (outlier); code 4.
    HL,
}

impl Quadrant {
    /// All quadrants in code order.
    pub const ALL: [Quadrant; 4] = [Quadrant::HH, Quadrant::LH, Quadrant::LL, Quadrant::HL];

    /// esda's code: 1 = HH, 2 = LH, 3 = LL, 4 = HL.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Quadrant::LL.code(), 3);
    /// ```
    pub fn code(self) -> u8 {
        match self {
            Quadrant::HH => 1,
            Quadrant::LH => 2,
            Quadrant::LL => 3,
            Quadrant::HL => 4,
        }
    }

    /// The quadrant of an esda code, `None` outside 1..=4.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Quadrant::from_code(2), Some(quartier::Quadrant::LH));
    /// assert_eq!(quartier::Quadrant::from_code(0), None);
    /// ```
    pub fn from_code(code: u8) -> Option<Quadrant> {
        Quadrant::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }

    /// The two-letter name, `"HH"`, `"LH"`, `"LL"` or `"HL"`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Quadrant::HL.as_str(), "HL");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Quadrant::HH => "HH",
            Quadrant::LH => "LH",
            Quadrant::LL => "LL",
            Quadrant::HL => "HL",
        }
    }

    fn of(deviation: f64, lag: f64) -> Quadrant {
        match (deviation > 0.0, lag > 0.0) {
            (true, true) => Quadrant::HH,
            (false, true) => Quadrant::LH,
            (false, false) => Quadrant::LL,
            (true, false) => Quadrant::HL,
        }
    }
}

/// Local Moran's I (LISA) of every unit (see [`local_moran`]).
///
/// # Examples
///
/// ```
/// let w = quartier::Weights::from_neighbours(vec![vec![1], vec![0, 2], vec![1]])?;
/// let local = quartier::local_moran(&[1.0, 2.0, 6.0], &w, 0, 0)?;
/// assert_eq!(local.i.len(), 3);
/// assert!(local.p_sim.is_none());
/// # Ok::<(), quartier::SpatialError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LocalMoran {
    /// The local I of every unit (esda `Is`); 0 for islands.
    pub i: Vec<f64>,
    /// The scatter-plot quadrant of every unit (esda `q`).
    pub quadrant: Vec<Quadrant>,
    /// The folded conditional-permutation pseudo p-value of every unit (esda `p_sim`), if
    /// `permutations > 0`.
    pub p_sim: Option<Vec<f64>>,
    /// Number of permutations drawn per unit.
    pub permutations: usize,
}

/// Deviations from the mean and their sum of squares, after checking the input.
fn deviations(values: &[f64], w: &Weights) -> Result<(Vec<f64>, f64), SpatialError> {
    let n = values.len();
    if n != w.len() {
        return Err(SpatialError::LengthMismatch {
            values: n,
            units: w.len(),
        });
    }
    if n < 2 {
        return Err(SpatialError::TooFewUnits { units: n });
    }
    if let Some(position) = values.iter().position(|v| !v.is_finite()) {
        return Err(SpatialError::NonFiniteValue { position });
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let z: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let z2ss: f64 = z.iter().map(|d| d * d).sum();
    // (z2ss is finite: the values are; equal values can leave rounding noise in z2ss.)
    if z2ss <= 0.0 || values.iter().all(|&v| v == values[0]) {
        return Err(SpatialError::ZeroVariance { units: n });
    }
    Ok((z, z2ss))
}

/// 1 / number of neighbours per unit (0 for islands): the row-standardized weight.
fn row_weights(w: &Weights) -> Vec<f64> {
    w.offsets
        .windows(2)
        .map(|o| match o[1] - o[0] {
            0 => 0.0,
            c => 1.0 / c as f64,
        })
        .collect()
}

/// Σᵢ zᵢ · lagᵢ with the row-standardized lag.
fn cross_product(z: &[f64], w: &Weights, row: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..z.len() {
        let s: f64 = w.neighbours(i).iter().map(|&j| z[j]).sum();
        total += z[i] * (s * row[i]);
    }
    total
}

/// A random stream of its own for (`seed`, `domain`, `index`): permutations and units draw
/// from separate streams, so the results do not depend on how rayon splits the work.
fn stream(seed: u64, domain: u64, index: u64) -> Pcg64 {
    fn splitmix64(x: u64) -> u64 {
        let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    Pcg64::seed_from_u64(splitmix64(splitmix64(seed ^ domain).wrapping_add(index)))
}

const GLOBAL_DOMAIN: u64 = 0x6d6f_7261_6e5f_6931; // "moran_i1"
/// Neighbour draws of at most this many units use rejection instead of a shuffled pool.
const SMALL_DRAW: usize = 16;
const LOCAL_DOMAIN: u64 = 0x6c69_7361_5f69_5f31; // "lisa_i_1"

/// The folded pseudo p-value of esda: `larger` = #(simulated ≥ observed).
fn folded_p(larger: usize, permutations: usize) -> f64 {
    let larger = larger.min(permutations - larger);
    (larger as f64 + 1.0) / (permutations as f64 + 1.0)
}

/// Two-sided normal p-value 2 · P(Z > |z|).
fn two_sided_normal_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Global Moran's I with its normal-approximation and permutation tests.
///
/// With z the deviations from the mean, W the binary weights row-standardized (wᵢⱼ = 1/|N(i)|
/// for j ∈ N(i); an island's row is 0), S₀ = Σᵢⱼ wᵢⱼ (the number of non-island units):
///
/// - I = n / S₀ · Σᵢ zᵢ Σⱼ wᵢⱼ zⱼ / Σᵢ zᵢ²,
/// - E\[I\] = −1 / (n − 1),
/// - V\[I\] under normality = (n² S₁ − n S₂ + 3 S₀²) / ((n − 1)(n + 1) S₀²) − E\[I\]², with
///   S₁ = ½ Σᵢⱼ (wᵢⱼ + wⱼᵢ)², S₂ = Σᵢ (Σⱼ wᵢⱼ + Σⱼ wⱼᵢ)²,
/// - z = (I − E\[I\]) / √V\[I\], p = 2 · P(Z > |z|).
///
/// These are esda's `Moran(y, w)` (`transformation="r"`, `two_tailed=True`) `I`, `EI`,
/// `VI_norm`, `z_norm` and `p_norm`.
///
/// With `permutations > 0`, the values are randomly permuted over the units that many times
/// and I recomputed each time ([`PermutationTest`]: esda's `p_sim`, `EI_sim`, `seI_sim`,
/// `z_sim`). Permutation k is drawn from its own `Pcg64` stream derived from (`seed`, k), and
/// the permutations run in parallel (rayon): the same seed gives the same result on any
/// number of threads. Cost O(permutations · (n + links)).
///
/// # Examples
///
/// ```
/// use quartier::{Weights, moran};
///
/// // A path of 6 units with a trend: strong positive autocorrelation.
/// let lists = (0..6usize)
///     .map(|i| [i.checked_sub(1), (i < 5).then_some(i + 1)].into_iter().flatten().collect())
///     .collect();
/// let w = Weights::from_neighbours(lists)?;
/// let m = moran(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &w, 999, 1)?;
/// assert!(m.i > 0.5 && m.i > m.expected);
/// assert!(m.p_normal < 0.05);
/// assert_eq!(m, moran(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &w, 999, 1)?); // seeded
/// # Ok::<(), quartier::SpatialError>(())
/// ```
///
/// # Errors
///
/// [`SpatialError::LengthMismatch`] when `values.len() != w.len()`,
/// [`SpatialError::TooFewUnits`] below 2 units, [`SpatialError::NonFiniteValue`] (naming the
/// position), [`SpatialError::ZeroVariance`] when all values are equal,
/// [`SpatialError::NoNeighbours`] when every unit is an island, and
/// [`SpatialError::DegenerateWeights`] when I cannot vary under the null (V\[I\] = 0, e.g. every
/// unit neighbours every other one).
#[doc(alias = "Autokorrelation")]
pub fn moran(
    values: &[f64],
    w: &Weights,
    permutations: usize,
    seed: u64,
) -> Result<Moran, SpatialError> {
    let (z, z2ss) = deviations(values, w)?;
    let n = z.len();
    let nf = n as f64;
    let row = row_weights(w);
    let s0 = row.iter().filter(|&&r| r > 0.0).count() as f64;
    if s0 == 0.0 {
        return Err(SpatialError::NoNeighbours { units: n });
    }
    let mut s1 = 0.0;
    let mut s2 = 0.0;
    for i in 0..n {
        let mut column = 0.0;
        for &j in w.neighbours(i) {
            let pair = row[i] + row[j];
            s1 += pair * pair;
            column += row[j];
        }
        let total = if row[i] > 0.0 { 1.0 } else { 0.0 } + column;
        s2 += total * total;
    }
    s1 /= 2.0;
    let statistic = |z: &[f64]| nf / s0 * cross_product(z, w, &row) / z2ss;
    let i = statistic(&z);
    let expected = -1.0 / (nf - 1.0);
    let variance_normal = (nf * nf * s1 - nf * s2 + 3.0 * s0 * s0)
        / ((nf - 1.0) * (nf + 1.0) * s0 * s0)
        - expected * expected;
    if variance_normal.is_nan() || variance_normal <= 1e-12 * expected * expected {
        return Err(SpatialError::DegenerateWeights { units: n });
    }
    let z_normal = (i - expected) / variance_normal.sqrt();
    let p_normal = two_sided_normal_p(z_normal);
    let permutation = (permutations > 0).then(|| {
        let simulated: Vec<f64> = (0..permutations)
            .into_par_iter()
            .map_init(
                || vec![0.0; n],
                |buffer, k| {
                    buffer.copy_from_slice(&z);
                    let mut rng = stream(seed, GLOBAL_DOMAIN, k as u64);
                    for a in (1..n).rev() {
                        buffer.swap(a, rng.random_range(0..=a));
                    }
                    statistic(buffer)
                },
            )
            .collect();
        let larger = simulated.iter().filter(|&&s| s >= i).count();
        let p = permutations as f64;
        let mean = simulated.iter().sum::<f64>() / p;
        let sd = (simulated
            .iter()
            .map(|s| (s - mean) * (s - mean))
            .sum::<f64>()
            / p)
            .sqrt();
        PermutationTest {
            permutations,
            p_sim: folded_p(larger, permutations),
            mean,
            sd,
            z: (sd > 0.0).then(|| (i - mean) / sd),
        }
    });
    Ok(Moran {
        i,
        expected,
        variance_normal,
        z_normal,
        p_normal,
        permutation,
    })
}

/// Local Moran's I (LISA) of every unit, its quadrant and a conditional-permutation test.
///
/// With z the deviations from the mean and lagᵢ the mean of z over i's neighbours (0 for an
/// island): Iᵢ = (n − 1) · zᵢ · lagᵢ / Σⱼ zⱼ², esda's `Moran_Local(y, w).Is`
/// (`transformation="r"`); the quadrant is esda's `q` (see [`Quadrant`]).
///
/// With `permutations > 0`, each unit i is tested by conditional randomization: its own value
/// is held fixed and its |N(i)| neighbours are replaced by a random draw (without
/// replacement) of |N(i)| of the other n − 1 values, `permutations` times. The p-value is
/// esda's folded `p_sim`: with `larger` = #(simulated Iᵢ ≥ observed Iᵢ), replaced by
/// `permutations − larger` if that is smaller, `(larger + 1) / (permutations + 1)`. Where every
/// simulated value necessarily equals the observed one (islands, and values exactly at the
/// mean, whose Iᵢ is always 0), the p-value is 1: esda counts these ties as "larger" and
/// reports the smallest possible p-value, 1 / (permutations + 1), a deliberate difference.
///
/// Unit i draws from its own `Pcg64` stream derived from (`seed`, i), units run in parallel
/// (rayon): the same seed gives the same p-values on any number of threads (they cannot equal
/// esda's, which uses NumPy's generator). Cost O(permutations · links).
///
/// # Examples
///
/// ```
/// use quartier::{Quadrant, Weights, local_moran};
///
/// // A path of 5 units, one high value in the middle: a high outlier among low neighbours.
/// let lists = (0..5usize)
///     .map(|i| [i.checked_sub(1), (i < 4).then_some(i + 1)].into_iter().flatten().collect())
///     .collect();
/// let w = Weights::from_neighbours(lists)?;
/// let local = local_moran(&[1.0, 1.0, 9.0, 1.0, 1.0], &w, 99, 3)?;
/// use Quadrant::{HL, LH, LL};
/// assert_eq!(local.quadrant, vec![LL, LH, HL, LH, LL]);
/// assert!(local.i[2] < 0.0 && local.i[0] > 0.0);
/// assert!(local.p_sim.unwrap().iter().all(|&p| p > 0.0 && p <= 1.0));
/// # Ok::<(), quartier::SpatialError>(())
/// ```
///
/// # Errors
///
/// As [`moran`], except that weights where every unit is an island, or every unit neighbours
/// every other one, are allowed (every Iᵢ is then 0, or the test has little power).
#[doc(alias = "LISA")]
pub fn local_moran(
    values: &[f64],
    w: &Weights,
    permutations: usize,
    seed: u64,
) -> Result<LocalMoran, SpatialError> {
    let (z, z2ss) = deviations(values, w)?;
    let n = z.len();
    let scaling = (n as f64 - 1.0) / z2ss;
    let local = |zi: f64, sum: f64, card: usize| scaling * zi * (sum / card as f64);
    let mut i_values = Vec::with_capacity(n);
    let mut quadrant = Vec::with_capacity(n);
    for (i, &zi) in z.iter().enumerate() {
        let nb = w.neighbours(i);
        let lag = if nb.is_empty() {
            0.0
        } else {
            nb.iter().map(|&j| z[j]).sum::<f64>() / nb.len() as f64
        };
        i_values.push(if nb.is_empty() {
            0.0
        } else {
            local(zi, nb.iter().map(|&j| z[j]).sum(), nb.len())
        });
        quadrant.push(Quadrant::of(zi, lag));
    }
    let p_sim = (permutations > 0).then(|| {
        (0..n)
            .into_par_iter()
            .map_init(
                // A pool of all units, restored after every draw, and the swaps of a draw.
                || ((0..n).collect::<Vec<usize>>(), Vec::new()),
                |(pool, swaps), i| {
                    let card = w.neighbours(i).len();
                    if card == 0 || z[i] == 0.0 {
                        return 1.0;
                    }
                    let observed = i_values[i];
                    let mut rng = stream(seed, LOCAL_DOMAIN, i as u64);
                    let mut larger = 0usize;
                    if card <= SMALL_DRAW && card * 8 <= n {
                        // Few neighbours among many units: draw among the n - 1 others
                        // (positions ≥ i shifted by one) and redraw repeats.
                        let mut drawn = [0usize; SMALL_DRAW];
                        for _ in 0..permutations {
                            let mut sum = 0.0;
                            let mut k = 0;
                            while k < card {
                                let mut j = rng.random_range(0..n - 1);
                                j += usize::from(j >= i);
                                if drawn[..k].contains(&j) {
                                    continue;
                                }
                                drawn[k] = j;
                                k += 1;
                                sum += z[j];
                            }
                            if local(z[i], sum, card) >= observed {
                                larger += 1;
                            }
                        }
                    } else {
                        // Put unit i last, so pool[..n - 1] are the other units.
                        pool.swap(i, n - 1);
                        for _ in 0..permutations {
                            // Partial Fisher–Yates: pool[..card] is a uniform draw of `card`
                            // distinct other units; the swaps are undone afterwards.
                            swaps.clear();
                            let mut sum = 0.0;
                            for k in 0..card {
                                let j = rng.random_range(k..n - 1);
                                pool.swap(k, j);
                                swaps.push(j);
                                sum += z[pool[k]];
                            }
                            for (k, &j) in swaps.iter().enumerate().rev() {
                                pool.swap(k, j);
                            }
                            if local(z[i], sum, card) >= observed {
                                larger += 1;
                            }
                        }
                        pool.swap(i, n - 1);
                    }
                    folded_p(larger, permutations)
                },
            )
            .collect()
    });
    Ok(LocalMoran {
        i: i_values,
        quadrant,
        p_sim,
        permutations,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use geo::{LineString, Polygon, Rect};

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon::from(Rect::new((x, y), (x + 1.0, y + 1.0)).to_polygon())
    }

    fn lattice(rows: usize, cols: usize) -> Vec<MultiPolygon<f64>> {
        (0..rows * cols)
            .map(|k| square((k % cols) as f64, (k / cols) as f64))
            .collect()
    }

    #[test]
    fn three_by_three_lattice_counts() {
        let polygons = lattice(3, 3);
        let queen = contiguity(&polygons, Contiguity::Queen, 0.0).unwrap();
        let rook = contiguity(&polygons, Contiguity::Rook, 0.0).unwrap();
        // Corners, edge middles and the centre, by construction.
        assert_eq!(queen.cardinalities(), vec![3, 5, 3, 5, 8, 5, 3, 5, 3]);
        assert_eq!(rook.cardinalities(), vec![2, 3, 2, 3, 4, 3, 2, 3, 2]);
        assert_eq!(queen.neighbours(4), &[0, 1, 2, 3, 5, 6, 7, 8]);
        assert_eq!(rook.neighbours(4), &[1, 3, 5, 7]);
        for tolerance in [1e-9, 0.1] {
            assert_eq!(
                contiguity(&polygons, Contiguity::Queen, tolerance).unwrap(),
                queen
            );
            assert_eq!(
                contiguity(&polygons, Contiguity::Rook, tolerance).unwrap(),
                rook
            );
        }
    }

    #[test]
    fn ring_direction_and_start_do_not_matter() {
        // The same square, once counter-clockwise from (1,0), once clockwise from (1,1).
        let a = square(0.0, 0.0);
        let b = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 0.0)]),
            vec![],
        )]);
        let b_cw = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (1.0, 1.0),
                (2.0, 1.0),
                (2.0, 0.0),
                (1.0, 0.0),
                (1.0, 1.0),
            ]),
            vec![],
        )]);
        for b in [b, b_cw] {
            let rook = contiguity([&a, &b], Contiguity::Rook, 0.0).unwrap();
            assert_eq!(rook.neighbours(0), &[1]);
        }
    }

    #[test]
    fn enclave_in_a_hole_is_a_neighbour() {
        let outer = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (0.0, 3.0)]),
            vec![LineString::from(vec![
                (1.0, 1.0),
                (1.0, 2.0),
                (2.0, 2.0),
                (2.0, 1.0),
            ])],
        )]);
        let inner = square(1.0, 1.0);
        for kind in [Contiguity::Queen, Contiguity::Rook] {
            let w = contiguity([&outer, &inner], kind, 0.0).unwrap();
            assert_eq!(w.neighbours(0), &[1], "{kind:?}");
        }
    }

    #[test]
    fn touching_parts_of_one_polygon_are_not_self_neighbours() {
        let two_parts = MultiPolygon(vec![
            Rect::new((0.0, 0.0), (1.0, 1.0)).to_polygon(),
            Rect::new((1.0, 0.0), (2.0, 1.0)).to_polygon(),
        ]);
        let w = contiguity([&two_parts, &square(2.0, 0.0)], Contiguity::Rook, 0.0).unwrap();
        assert_eq!(w.neighbours(0), &[1]);
        assert_eq!(w.neighbours(1), &[0]);
    }

    #[test]
    fn negative_zero_equals_zero() {
        let a = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(-1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (-1.0, 1.0)]),
            vec![],
        )]);
        let b = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(-0.0, -0.0), (1.0, 0.0), (1.0, 1.0), (-0.0, 1.0)]),
            vec![],
        )]);
        let w = contiguity([&a, &b], Contiguity::Rook, 0.0).unwrap();
        assert_eq!(w.neighbours(0), &[1]);
    }

    #[test]
    fn invalid_geometries_are_errors_with_their_index() {
        let empty = MultiPolygon::<f64>(vec![]);
        let polygons = vec![square(0.0, 0.0), empty];
        assert_eq!(
            contiguity(&polygons, Contiguity::Queen, 0.0),
            Err(SpatialError::EmptyGeometry { polygon: 1 })
        );
        let nan = square(f64::NAN, 0.0);
        assert_eq!(
            contiguity([&square(0.0, 0.0), &nan], Contiguity::Rook, 0.0),
            Err(SpatialError::NonFiniteCoordinate { polygon: 1 })
        );
        for tolerance_m in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                contiguity(&polygons[..1], Contiguity::Queen, tolerance_m),
                Err(SpatialError::InvalidTolerance { .. })
            ));
        }
        assert_eq!(
            contiguity(&[] as &[MultiPolygon<f64>], Contiguity::Queen, 0.0)
                .unwrap()
                .len(),
            0
        );
    }

    #[test]
    fn from_neighbours_rejects_bad_lists() {
        assert_eq!(
            Weights::from_neighbours(vec![vec![2], vec![]]),
            Err(SpatialError::NeighbourOutOfRange {
                unit: 0,
                neighbour: 2,
                units: 2
            })
        );
        assert_eq!(
            Weights::from_neighbours(vec![vec![0]]),
            Err(SpatialError::SelfNeighbour { unit: 0 })
        );
        assert_eq!(
            Weights::from_neighbours(vec![vec![1, 1], vec![0]]),
            Err(SpatialError::DuplicateNeighbour {
                unit: 0,
                neighbour: 1
            })
        );
    }

    #[test]
    fn value_errors() {
        let w = Weights::from_neighbours(vec![vec![1], vec![0, 2], vec![1]]).unwrap();
        assert_eq!(
            moran(&[1.0, 2.0], &w, 0, 0),
            Err(SpatialError::LengthMismatch {
                values: 2,
                units: 3
            })
        );
        assert_eq!(
            moran(&[1.0, f64::NAN, 2.0], &w, 0, 0),
            Err(SpatialError::NonFiniteValue { position: 1 })
        );
        assert_eq!(
            local_moran(&[2.0, 2.0, 2.0], &w, 9, 0),
            Err(SpatialError::ZeroVariance { units: 3 })
        );
        let one = Weights::from_neighbours(vec![vec![]]).unwrap();
        assert_eq!(
            moran(&[1.0], &one, 0, 0),
            Err(SpatialError::TooFewUnits { units: 1 })
        );
        let islands = Weights::from_neighbours(vec![vec![], vec![]]).unwrap();
        assert_eq!(
            moran(&[1.0, 2.0], &islands, 0, 0),
            Err(SpatialError::NoNeighbours { units: 2 })
        );
        let complete = Weights::from_neighbours(vec![vec![1, 2], vec![0, 2], vec![0, 1]]).unwrap();
        assert_eq!(
            moran(&[1.0, 2.0, 4.0], &complete, 0, 0),
            Err(SpatialError::DegenerateWeights { units: 3 })
        );
    }

    #[test]
    fn quadrant_codes_round_trip() {
        for q in Quadrant::ALL {
            assert_eq!(Quadrant::from_code(q.code()), Some(q));
        }
        assert_eq!(Quadrant::from_code(5), None);
    }

    #[test]
    fn folded_p_value_matches_esda_definition() {
        // 999 permutations, 10 at or above the observed value: p = 11/1000.
        assert_eq!(folded_p(10, 999), 11.0 / 1000.0);
        // 990 at or above: folded to 9, p = 10/1000.
        assert_eq!(folded_p(990, 999), 10.0 / 1000.0);
        assert_eq!(folded_p(0, 9), 0.1);
    }

    #[test]
    fn normal_p_value_known_points() {
        assert!((two_sided_normal_p(1.959_963_984_540_054) - 0.05).abs() < 1e-15);
        assert!((two_sided_normal_p(-1.0) - 0.317_310_507_862_914_1).abs() < 1e-15);
        assert_eq!(two_sided_normal_p(0.0), 1.0);
    }

    #[test]
    fn islands_have_zero_local_i_and_p_one() {
        let w = Weights::from_neighbours(vec![vec![1], vec![0, 2], vec![1], vec![]]).unwrap();
        let local = local_moran(&[1.0, 5.0, 2.0, 9.0], &w, 99, 1).unwrap();
        assert_eq!(local.i[3], 0.0);
        assert_eq!(local.quadrant[3], Quadrant::HL);
        assert_eq!(local.p_sim.unwrap()[3], 1.0);
    }
}
