//! Well-known binary (WKB): polygon geometries from GeoPackages, shapely and geopandas.
//!
//! The reader accepts `Polygon` and `MultiPolygon` in the forms found in practice:
//!
//! - either byte order (`0` big endian, `1` little endian), also mixed between a
//!   `MultiPolygon` and its parts;
//! - ISO WKB type codes (`3`, `6`; `1003`/`1006` with Z, `2003`/`2006` with M,
//!   `3003`/`3006` with Z and M);
//! - PostGIS EWKB flags (`0x80000000` Z, `0x40000000` M, `0x20000000` an SRID follows the
//!   type); the SRID is skipped, not checked;
//! - `POLYGON EMPTY` (no ring) and `MULTIPOLYGON EMPTY` (no part).
//!
//! **Z and M are dropped**: they are read and ignored, and only `x` and `y` are kept. Blocks
//! are planar areas in a projected CRS; a height or a measure takes no part in assignment or
//! in areas, and GIS software often writes 2.5D polygons with all heights 0.
//!
//! Every other geometry type is refused with [`WkbProblem::UnsupportedGeometry`] naming it
//! (e.g. `Point`). A problem names what is wrong and the byte offset where it was found,
//! never a coordinate.

use std::fmt;

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::IoError;
use crate::hierarchy::{
    BlockFeature, DEFAULT_LEVELS, GeometryProblem, Hierarchy, HierarchyBuilder, UnitId,
    ValidationReport,
};

/// What is wrong with a WKB geometry.
///
/// # Examples
///
/// ```
/// use quartier::{WkbProblem, multipolygon_from_wkb};
///
/// // POINT (1 2), little endian.
/// let mut point = vec![1u8, 1, 0, 0, 0];
/// point.extend_from_slice(&1f64.to_le_bytes());
/// point.extend_from_slice(&2f64.to_le_bytes());
/// let problem = multipolygon_from_wkb(&point).unwrap_err();
/// assert_eq!(problem, WkbProblem::UnsupportedGeometry { found: "Point" });
/// assert_eq!(
///     problem.to_string(),
///     "geometry type Point is not supported (Polygon or MultiPolygon expected)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WkbProblem {
    /// The bytes end before the geometry does (or a count promises more than the bytes hold).
    Truncated {
        /// Byte offset where more bytes were needed.
        offset: usize,
    },
    /// The byte-order marker is neither `0` nor `1`.
    ByteOrder {
        /// Byte offset of the marker.
        offset: usize,
        /// The marker found.
        found: u8,
    },
    /// The geometry type code is not a WKB type.
    UnknownType {
        /// Byte offset of the type code.
        offset: usize,
        /// The type code found (as read, with any EWKB flags).
        code: u32,
    },
    /// A known geometry type other than `Polygon` and `MultiPolygon` (or, inside a
    /// `MultiPolygon`, other than `Polygon`).
    UnsupportedGeometry {
        /// The geometry type found, e.g. `Point`.
        found: &'static str,
    },
    /// Bytes follow the end of the geometry.
    TrailingBytes {
        /// Number of bytes after the geometry.
        count: usize,
    },
    /// A ring's first and last points differ.
    UnclosedRing,
}

impl fmt::Display for WkbProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WkbProblem::Truncated { offset } => {
                write!(f, "the wkb ends too early (at byte {offset})")
            }
            WkbProblem::ByteOrder { offset, found } => write!(
                f,
                "invalid wkb byte order marker {found} at byte {offset} (0 or 1 expected)"
            ),
            WkbProblem::UnknownType { offset, code } => {
                write!(f, "unknown wkb geometry type {code} at byte {offset}")
            }
            WkbProblem::UnsupportedGeometry { found } => write!(
                f,
                "geometry type {found} is not supported (Polygon or MultiPolygon expected)"
            ),
            WkbProblem::TrailingBytes { count } => {
                write!(f, "{count} byte(s) follow the end of the wkb geometry")
            }
            WkbProblem::UnclosedRing => f.write_str("a ring is not closed"),
        }
    }
}

const EWKB_Z: u32 = 0x8000_0000;
const EWKB_M: u32 = 0x4000_0000;
const EWKB_SRID: u32 = 0x2000_0000;

/// The name of an OGC geometry type code (the ISO base type, 1 to 17).
fn type_name(base: u32) -> Option<&'static str> {
    Some(match base {
        1 => "Point",
        2 => "LineString",
        3 => "Polygon",
        4 => "MultiPoint",
        5 => "MultiLineString",
        6 => "MultiPolygon",
        7 => "GeometryCollection",
        8 => "CircularString",
        9 => "CompoundCurve",
        10 => "CurvePolygon",
        11 => "MultiCurve",
        12 => "MultiSurface",
        13 => "Curve",
        14 => "Surface",
        15 => "PolyhedralSurface",
        16 => "Tin",
        17 => "Triangle",
        _ => return None,
    })
}

/// A cursor over WKB bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WkbProblem> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(WkbProblem::Truncated {
                offset: self.bytes.len(),
            }),
        }
    }

    fn byte_order(&mut self) -> Result<bool, WkbProblem> {
        let offset = self.pos;
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            found => Err(WkbProblem::ByteOrder { offset, found }),
        }
    }

    fn u32(&mut self, le: bool) -> Result<u32, WkbProblem> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, le: bool) -> Result<f64, WkbProblem> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(if le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count of items of at least `min_size` bytes each; refused when the remaining bytes
    /// cannot hold that many (so a corrupt count never allocates).
    fn count(&mut self, le: bool, min_size: usize) -> Result<usize, WkbProblem> {
        let n = usize::try_from(self.u32(le)?).unwrap_or(usize::MAX);
        let remaining = self.bytes.len() - self.pos;
        if n.saturating_mul(min_size) > remaining {
            return Err(WkbProblem::Truncated {
                offset: self.bytes.len(),
            });
        }
        Ok(n)
    }

    /// A geometry header: byte order, type (base type and number of coordinates per point),
    /// and the EWKB SRID skipped.
    fn header(&mut self) -> Result<(bool, u32, usize), WkbProblem> {
        let le = self.byte_order()?;
        let offset = self.pos;
        let code = self.u32(le)?;
        let unknown = WkbProblem::UnknownType { offset, code };
        let flags = code & (EWKB_Z | EWKB_M | EWKB_SRID);
        let rest = code & !(EWKB_Z | EWKB_M | EWKB_SRID);
        if rest > 3999 {
            return Err(unknown);
        }
        let (iso_dims, base) = (rest / 1000, rest % 1000);
        if type_name(base).is_none() {
            return Err(unknown);
        }
        let z = iso_dims == 1 || iso_dims == 3 || flags & EWKB_Z != 0;
        let m = iso_dims == 2 || iso_dims == 3 || flags & EWKB_M != 0;
        if flags & EWKB_SRID != 0 {
            self.u32(le)?;
        }
        Ok((le, base, 2 + usize::from(z) + usize::from(m)))
    }

    fn ring(
        &mut self,
        le: bool,
        dims: usize,
        unclosed: &mut bool,
    ) -> Result<LineString<f64>, WkbProblem> {
        let n = self.count(le, 8 * dims)?;
        let mut coords = Vec::with_capacity(n);
        for _ in 0..n {
            let x = self.f64(le)?;
            let y = self.f64(le)?;
            self.take(8 * (dims - 2))?;
            coords.push(Coord { x, y });
        }
        if coords.first() != coords.last() {
            *unclosed = true;
        }
        Ok(LineString::new(coords))
    }

    /// The rings of a polygon whose header has been read.
    fn polygon_body(
        &mut self,
        le: bool,
        dims: usize,
        unclosed: &mut bool,
    ) -> Result<Polygon<f64>, WkbProblem> {
        let n = self.count(le, 4)?;
        let mut rings = Vec::with_capacity(n);
        for _ in 0..n {
            rings.push(self.ring(le, dims, unclosed)?);
        }
        let mut it = rings.into_iter();
        let exterior = it.next().unwrap_or_else(|| LineString::new(Vec::new()));
        Ok(Polygon::new(exterior, it.collect()))
    }
}

/// A decoded polygon geometry and whether any raw ring was not closed (geo-types closes it).
pub(crate) struct Decoded {
    pub(crate) geometry: MultiPolygon<f64>,
    pub(crate) unclosed: bool,
}

/// Decodes a `Polygon` or `MultiPolygon`; unclosed rings are flagged, not refused.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, WkbProblem> {
    let mut r = Reader { bytes, pos: 0 };
    let mut unclosed = false;
    let (le, base, dims) = r.header()?;
    let polygons = match base {
        3 => vec![r.polygon_body(le, dims, &mut unclosed)?],
        6 => {
            // A part is at least 9 bytes (header and ring count).
            let n = r.count(le, 9)?;
            let mut parts = Vec::with_capacity(n);
            for _ in 0..n {
                let (le, base, dims) = r.header()?;
                if base != 3 {
                    return Err(WkbProblem::UnsupportedGeometry {
                        found: type_name(base).unwrap_or("unknown"),
                    });
                }
                parts.push(r.polygon_body(le, dims, &mut unclosed)?);
            }
            parts
        }
        other => {
            return Err(WkbProblem::UnsupportedGeometry {
                found: type_name(other).unwrap_or("unknown"),
            });
        }
    };
    if r.pos != bytes.len() {
        return Err(WkbProblem::TrailingBytes {
            count: bytes.len() - r.pos,
        });
    }
    Ok(Decoded {
        geometry: MultiPolygon::new(polygons),
        unclosed,
    })
}

/// Decodes a WKB `Polygon` or `MultiPolygon` into a `MultiPolygon` (a `Polygon` becomes a
/// `MultiPolygon` of one part).
///
/// Accepted: either byte order (also mixed between a `MultiPolygon` and its parts); ISO type
/// codes (`3`/`6`, `1003`/`1006` Z, `2003`/`2006` M, `3003`/`3006` ZM) and PostGIS EWKB flags
/// (Z, M, and an SRID, which is skipped unchecked). **Z and M values are dropped**: blocks are
/// planar areas in a projected CRS, and GIS software often writes 2.5D polygons with all
/// heights 0. A `POLYGON EMPTY` becomes one polygon with an empty exterior, as
/// the GeoJSON reader makes it. No other validation is done: use
/// [`HierarchyBuilder`] for that.
///
/// # Examples
///
/// ```
/// use quartier::multipolygon_from_wkb;
///
/// // POLYGON ((0 0, 1 0, 0 1, 0 0)), big endian.
/// let mut wkb = vec![0u8, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4];
/// for (x, y) in [(0.0f64, 0.0f64), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
///     wkb.extend_from_slice(&x.to_be_bytes());
///     wkb.extend_from_slice(&y.to_be_bytes());
/// }
/// let mp = multipolygon_from_wkb(&wkb)?;
/// assert_eq!(mp.0.len(), 1);
/// assert_eq!(mp.0[0].exterior().0.len(), 4);
/// # Ok::<(), quartier::WkbProblem>(())
/// ```
///
/// # Errors
///
/// A [`WkbProblem`]: truncated or trailing bytes, a bad byte-order marker, an unknown type
/// code, a geometry type other than `Polygon`/`MultiPolygon`, or a ring whose first and last
/// points differ.
pub fn multipolygon_from_wkb(bytes: &[u8]) -> Result<MultiPolygon<f64>, WkbProblem> {
    let decoded = decode(bytes)?;
    if decoded.unclosed {
        return Err(WkbProblem::UnclosedRing);
    }
    Ok(decoded.geometry)
}

/// What is wrong with the columns of a [`WkbBlockColumns`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WkbColumnsProblem {
    /// A geometry cannot be decoded.
    Geometry {
        /// What is wrong with it.
        problem: WkbProblem,
    },
    /// An id is missing (`None`).
    MissingId,
    /// A column does not have one value per geometry.
    ColumnLength {
        /// Number of geometries.
        expected: usize,
        /// Number of values of the column.
        found: usize,
    },
    /// The number of id columns differs from the number of levels.
    LevelCount {
        /// Number of levels.
        levels: usize,
        /// Number of id columns.
        id_columns: usize,
    },
}

impl fmt::Display for WkbColumnsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WkbColumnsProblem::Geometry { problem } => problem.fmt(f),
            WkbColumnsProblem::MissingId => f.write_str("missing id"),
            WkbColumnsProblem::ColumnLength { expected, found } => {
                write!(f, "{found} values, expected {expected} (one per geometry)")
            }
            WkbColumnsProblem::LevelCount { levels, id_columns } => {
                write!(f, "{levels} levels but {id_columns} id columns")
            }
        }
    }
}

/// A block layer held in memory as columns: one WKB geometry per block and one id column per
/// level, e.g. from a geopandas `GeoDataFrame` (`gdf.geometry.to_wkb()`).
///
/// Row `i` of every column belongs to block `i`, which is feature `i` in findings and errors.
///
/// # Examples
///
/// ```
/// use quartier::{WkbBlockColumns, read_hierarchy_wkb};
///
/// // POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0)), little endian.
/// let mut wkb = vec![1u8, 3, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0];
/// for (x, y) in [(0.0f64, 0.0f64), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)] {
///     wkb.extend_from_slice(&x.to_le_bytes());
///     wkb.extend_from_slice(&y.to_le_bytes());
/// }
/// let columns = WkbBlockColumns {
///     levels: vec!["quartier".into(), "baublock".into()],
///     geometries: vec![Some(&wkb[..])],
///     ids: vec![vec![Some("Q1".into())], vec![Some("B1".into())]],
///     names: None,
/// };
/// let (hierarchy, _report) = read_hierarchy_wkb(&columns)?;
/// assert_eq!(hierarchy.units(0)[0].id().as_str(), "Q1");
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WkbBlockColumns<'a> {
    /// The level names, from the top to the blocks.
    pub levels: Vec<String>,
    /// The blocks' geometries as WKB; `None` for a missing geometry (an empty geometry, which
    /// validation reports).
    pub geometries: Vec<Option<&'a [u8]>>,
    /// One id column per level, in the order of `levels`; each with one id per geometry.
    pub ids: Vec<Vec<Option<String>>>,
    /// The blocks' names, if any; one per geometry.
    pub names: Option<Vec<Option<String>>>,
}

impl WkbBlockColumns<'_> {
    /// The default levels [`DEFAULT_LEVELS`] as owned strings.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::WkbBlockColumns::default_levels().len(), 4);
    /// ```
    pub fn default_levels() -> Vec<String> {
        DEFAULT_LEVELS.iter().map(|s| (*s).to_owned()).collect()
    }
}

fn columns_error(
    feature: Option<usize>,
    column: Option<&str>,
    problem: WkbColumnsProblem,
) -> IoError {
    IoError::WkbColumns {
        feature,
        column: column.map(str::to_owned),
        problem,
    }
}

/// The blocks of the columns with the unclosed-ring flag of each.
fn wkb_block_layer(columns: &WkbBlockColumns<'_>) -> Result<Vec<(BlockFeature, bool)>, IoError> {
    if columns.levels.len() != columns.ids.len() {
        return Err(columns_error(
            None,
            None,
            WkbColumnsProblem::LevelCount {
                levels: columns.levels.len(),
                id_columns: columns.ids.len(),
            },
        ));
    }
    let n = columns.geometries.len();
    let lengths = columns
        .levels
        .iter()
        .map(String::as_str)
        .zip(columns.ids.iter().map(Vec::len))
        .chain(columns.names.as_ref().map(|v| ("name", v.len())));
    for (column, found) in lengths {
        if found != n {
            return Err(columns_error(
                None,
                Some(column),
                WkbColumnsProblem::ColumnLength { expected: n, found },
            ));
        }
    }
    let mut out = Vec::with_capacity(n);
    for (feature, wkb) in columns.geometries.iter().enumerate() {
        let ids = columns
            .levels
            .iter()
            .zip(&columns.ids)
            .map(|(level, column)| {
                column[feature].clone().ok_or_else(|| {
                    columns_error(Some(feature), Some(level), WkbColumnsProblem::MissingId)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let name = columns.names.as_ref().and_then(|v| v[feature].clone());
        let (geometry, unclosed) = match wkb {
            Some(bytes) => {
                let d = decode(bytes).map_err(|problem| {
                    columns_error(Some(feature), None, WkbColumnsProblem::Geometry { problem })
                })?;
                (d.geometry, d.unclosed)
            }
            None => (MultiPolygon::new(Vec::new()), false),
        };
        out.push((
            BlockFeature {
                feature,
                ids,
                name,
                geometry,
            },
            unclosed,
        ));
    }
    Ok(out)
}

/// Builds blocks with their unclosed-ring flags into a hierarchy, reporting unclosed rings as
/// [`GeometryProblem::UnclosedRing`] findings: the one builder of every block-layer reader
/// (GeoJSON, GeoPackage, WKB columns).
pub(super) fn build_hierarchy(
    levels: &[String],
    layer: Vec<(BlockFeature, bool)>,
) -> Result<(Hierarchy, ValidationReport), crate::Error> {
    let mut builder = HierarchyBuilder::new(levels.iter().cloned());
    let block_level = levels.len().saturating_sub(1);
    for (block, unclosed) in layer {
        if unclosed {
            let id = block.ids.last().cloned().unwrap_or_default();
            builder.add_geometry_problem(
                block_level,
                block.feature,
                UnitId::new(id),
                GeometryProblem::UnclosedRing,
            );
        }
        builder.add_block(block);
    }
    Ok(builder.build()?)
}

/// Builds the hierarchy from a block layer held in memory as WKB geometries and id columns
/// (upper levels dissolved from the blocks, default tolerances), exactly as
/// [`read_hierarchy`](crate::read_hierarchy) does from a GeoJSON file.
///
/// A missing geometry (`None`) becomes an empty geometry and unclosed rings become findings,
/// both reported by validation.
///
/// # Examples
///
/// ```
/// use quartier::{Error, IoError, WkbBlockColumns, WkbColumnsProblem, WkbProblem};
///
/// let point = [1u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
/// let columns = WkbBlockColumns {
///     levels: vec!["baublock".into()],
///     geometries: vec![Some(&point[..])],
///     ids: vec![vec![Some("B1".into())]],
///     names: None,
/// };
/// let err = quartier::read_hierarchy_wkb(&columns).unwrap_err();
/// assert!(matches!(
///     err,
///     Error::Io(IoError::WkbColumns {
///         feature: Some(0),
///         problem: WkbColumnsProblem::Geometry { problem: WkbProblem::UnsupportedGeometry { found: "Point" } },
///         ..
///     })
/// ));
/// assert_eq!(
///     err.to_string(),
///     "wkb block columns: feature 0: geometry type Point is not supported (Polygon or MultiPolygon expected)"
/// );
/// ```
///
/// # Errors
///
/// [`crate::Error::Io`] with [`IoError::WkbColumns`] for a different number of levels and id
/// columns, a column of the wrong length, a missing id, or a geometry that cannot be decoded
/// (naming the feature and the [`WkbProblem`]); [`crate::Error::Hierarchy`] with
/// [`crate::HierarchyError::Invalid`] when validation finds errors.
pub fn read_hierarchy_wkb(
    columns: &WkbBlockColumns<'_>,
) -> Result<(Hierarchy, ValidationReport), crate::Error> {
    let layer = wkb_block_layer(columns)?;
    build_hierarchy(&columns.levels, layer)
}

/// Length in bytes of the WKB of a geometry.
pub(super) fn wkb_len(geometry: &MultiPolygon<f64>) -> usize {
    let ring = |r: &LineString<f64>| 4 + 16 * r.0.len();
    9 + geometry
        .0
        .iter()
        .map(|p| {
            let rings = if p.exterior().0.is_empty() && p.interiors().is_empty() {
                0
            } else {
                ring(p.exterior()) + p.interiors().iter().map(ring).sum::<usize>()
            };
            9 + rings
        })
        .sum::<usize>()
}

/// Appends the little-endian ISO WKB of a `MultiPolygon` (type 6; polygons type 3): byte order
/// `1`, the type as `u32`, counts as `u32`, coordinates as `f64` pairs. A polygon with an
/// empty exterior and no hole is written as an empty polygon (no ring).
pub(super) fn write_wkb(out: &mut Vec<u8>, geometry: &MultiPolygon<f64>) {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
    out.push(1);
    out.extend_from_slice(&6u32.to_le_bytes());
    out.extend_from_slice(&count(geometry.0.len()));
    for polygon in &geometry.0 {
        out.push(1);
        out.extend_from_slice(&3u32.to_le_bytes());
        let empty = polygon.exterior().0.is_empty() && polygon.interiors().is_empty();
        if empty {
            out.extend_from_slice(&0u32.to_le_bytes());
            continue;
        }
        out.extend_from_slice(&count(1 + polygon.interiors().len()));
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            out.extend_from_slice(&count(ring.0.len()));
            for c in &ring.0 {
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    }
}

/// The little-endian ISO WKB of a `MultiPolygon` (what GeoPackages, PostGIS and shapely
/// read), e.g. to hand a hierarchy's units to geopandas.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, polygon};
///
/// let square = MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)]]);
/// let wkb = quartier::multipolygon_to_wkb(&square);
/// assert_eq!(quartier::multipolygon_from_wkb(&wkb)?, square);
/// # Ok::<(), quartier::WkbProblem>(())
/// ```
pub fn multipolygon_to_wkb(geometry: &MultiPolygon<f64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(wkb_len(geometry));
    write_wkb(&mut out, geometry);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A ring of points as (x, y[, extra...]) in the given byte order.
    fn push_f64(out: &mut Vec<u8>, v: f64, le: bool) {
        out.extend_from_slice(&if le { v.to_le_bytes() } else { v.to_be_bytes() });
    }

    fn push_u32(out: &mut Vec<u8>, v: u32, le: bool) {
        out.extend_from_slice(&if le { v.to_le_bytes() } else { v.to_be_bytes() });
    }

    const SQUARE: [(f64, f64); 5] = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];

    fn polygon(code: u32, le: bool, extra: usize, srid: bool) -> Vec<u8> {
        let mut out = vec![u8::from(le)];
        push_u32(&mut out, code, le);
        if srid {
            push_u32(&mut out, 25832, le);
        }
        push_u32(&mut out, 1, le);
        push_u32(&mut out, 5, le);
        for (x, y) in SQUARE {
            push_f64(&mut out, x, le);
            push_f64(&mut out, y, le);
            for _ in 0..extra {
                push_f64(&mut out, 99.0, le);
            }
        }
        out
    }

    fn expected() -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(
            LineString::from(SQUARE.to_vec()),
            vec![],
        )])
    }

    #[test]
    fn both_byte_orders_iso_and_ewkb_dimensions_read_the_same_square() {
        let cases = [
            (3, 0, false),
            (1003, 1, false),
            (2003, 1, false),
            (3003, 2, false),
            (3 | EWKB_Z, 1, false),
            (3 | EWKB_M, 1, false),
            (3 | EWKB_Z | EWKB_M, 2, false),
            (3 | EWKB_SRID, 0, true),
            (3 | EWKB_SRID | EWKB_Z, 1, true),
        ];
        for (code, extra, srid) in cases {
            for le in [true, false] {
                let wkb = polygon(code, le, extra, srid);
                assert_eq!(
                    multipolygon_from_wkb(&wkb).unwrap(),
                    expected(),
                    "code {code:#x}, le {le}"
                );
            }
        }
    }

    #[test]
    fn multipolygon_with_parts_of_the_other_byte_order() {
        let mut wkb = vec![0u8];
        push_u32(&mut wkb, 6, false);
        push_u32(&mut wkb, 2, false);
        wkb.extend(polygon(3, true, 0, false));
        wkb.extend(polygon(1003, false, 1, false));
        let mp = multipolygon_from_wkb(&wkb).unwrap();
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[1], expected().0[0]);
    }

    #[test]
    fn empty_polygon_and_multipolygon() {
        let empty_polygon = [1u8, 3, 0, 0, 0, 0, 0, 0, 0];
        let mp = multipolygon_from_wkb(&empty_polygon).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert!(mp.0[0].exterior().0.is_empty());
        let empty_multi = [1u8, 6, 0, 0, 0, 0, 0, 0, 0];
        assert!(multipolygon_from_wkb(&empty_multi).unwrap().0.is_empty());
    }

    #[test]
    fn problems_are_named() {
        let wkb = polygon(3, true, 0, false);
        assert_eq!(
            multipolygon_from_wkb(&wkb[..wkb.len() - 3]),
            Err(WkbProblem::Truncated {
                offset: wkb.len() - 3
            })
        );
        assert_eq!(
            multipolygon_from_wkb(&[]),
            Err(WkbProblem::Truncated { offset: 0 })
        );
        let mut long = wkb.clone();
        long.push(0);
        assert_eq!(
            multipolygon_from_wkb(&long),
            Err(WkbProblem::TrailingBytes { count: 1 })
        );
        let mut bad_order = wkb.clone();
        bad_order[0] = 7;
        assert_eq!(
            multipolygon_from_wkb(&bad_order),
            Err(WkbProblem::ByteOrder {
                offset: 0,
                found: 7
            })
        );
        let mut unknown = wkb.clone();
        unknown[1] = 99;
        assert_eq!(
            multipolygon_from_wkb(&unknown),
            Err(WkbProblem::UnknownType {
                offset: 1,
                code: 99
            })
        );
        let line = [1u8, 2, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            multipolygon_from_wkb(&line),
            Err(WkbProblem::UnsupportedGeometry {
                found: "LineString"
            })
        );
        let mut multi_of_points = vec![1u8, 6, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0];
        multi_of_points.extend_from_slice(&[0; 16]);
        assert_eq!(
            multipolygon_from_wkb(&multi_of_points),
            Err(WkbProblem::UnsupportedGeometry { found: "Point" })
        );
    }

    #[test]
    fn a_huge_count_is_refused_without_allocating() {
        let wkb = [1u8, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            multipolygon_from_wkb(&wkb),
            Err(WkbProblem::Truncated { offset: 9 })
        );
    }

    #[test]
    fn unclosed_ring_is_flagged() {
        let mut wkb = vec![1u8, 3, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0];
        for (x, y) in [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)] {
            push_f64(&mut wkb, x, true);
            push_f64(&mut wkb, y, true);
        }
        assert_eq!(multipolygon_from_wkb(&wkb), Err(WkbProblem::UnclosedRing));
        assert!(decode(&wkb).unwrap().unclosed);
    }

    #[test]
    fn columns_problems_name_feature_and_column() {
        let wkb = polygon(3, true, 0, false);
        let point = [1u8, 1, 0, 0, 0];
        let mut columns = WkbBlockColumns {
            levels: vec!["q".into(), "b".into()],
            geometries: vec![Some(&wkb[..]), Some(&point[..])],
            ids: vec![
                vec![Some("Q".into()), Some("Q".into())],
                vec![Some("1".into()), None],
            ],
            names: None,
        };
        let err = wkb_block_layer(&columns).unwrap_err();
        assert_eq!(
            err.to_string(),
            "wkb block columns: feature 1, column `b`: missing id"
        );
        columns.ids[1][1] = Some("2".into());
        let err = wkb_block_layer(&columns).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("wkb block columns: feature 1: ")
        );
        columns.ids[0].pop();
        let err = wkb_block_layer(&columns).unwrap_err();
        assert_eq!(
            err.to_string(),
            "wkb block columns, column `q`: 1 values, expected 2 (one per geometry)"
        );
        columns.ids.pop();
        assert!(matches!(
            wkb_block_layer(&columns).unwrap_err(),
            IoError::WkbColumns {
                problem: WkbColumnsProblem::LevelCount {
                    levels: 2,
                    id_columns: 1
                },
                ..
            }
        ));
    }
}
