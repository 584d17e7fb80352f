//! Coordinate reference systems: EPSG codes, transformation of inputs into the project CRS
//! (with PROJ behind the cargo feature `proj`) and a plausibility check of declared CRSs.

use std::fmt;
use std::str::FromStr;

use crate::io::Srs;

/// A coordinate reference system, identified by its EPSG code.
///
/// Projects work in one metric CRS (default [`Crs::ETRS89_UTM32`], EPSG:25832); datasets
/// given in another CRS are transformed into it with [`transform_in_place`].
///
/// Text form: `EPSG:25832` ([`Display`](fmt::Display)); parsing also accepts `epsg:25832`
/// and a bare `25832`. Serde uses the text form; deserializing also accepts an integer, so a
/// project file may say `crs = "EPSG:25832"` or `crs = 25832`.
///
/// # Examples
///
/// ```
/// use quartier::Crs;
///
/// let crs: Crs = "epsg:31467".parse()?;
/// assert_eq!(crs, Crs::DHDN_GK3);
/// assert_eq!(crs.to_string(), "EPSG:31467");
/// assert_eq!(crs.name(), Some("DHDN / 3-degree Gauss-Kruger zone 3"));
/// assert!(crs.is_metric() && !crs.is_geographic());
/// assert_eq!(Crs::default(), Crs::ETRS89_UTM32);
/// # Ok::<(), quartier::CrsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[doc(alias = "Koordinatenreferenzsystem")]
pub struct Crs(u32);

/// What quartier knows about a CRS it has a name for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Geographic,
    Metric,
}

/// The CRSs quartier knows by name: code, name, kind.
const KNOWN: [(u32, &str, Kind); 10] = [
    (4326, "WGS 84", Kind::Geographic),
    (4258, "ETRS89", Kind::Geographic),
    (31466, "DHDN / 3-degree Gauss-Kruger zone 2", Kind::Metric),
    (31467, "DHDN / 3-degree Gauss-Kruger zone 3", Kind::Metric),
    (31468, "DHDN / 3-degree Gauss-Kruger zone 4", Kind::Metric),
    (25832, "ETRS89 / UTM zone 32N", Kind::Metric),
    (25833, "ETRS89 / UTM zone 33N", Kind::Metric),
    (3035, "ETRS89-extended / LAEA Europe", Kind::Metric),
    (4647, "ETRS89 / UTM zone 32N (zE-N)", Kind::Metric),
    (5650, "ETRS89 / UTM zone 33N (zE-N)", Kind::Metric),
];

/// The offset of the easting of EPSG:4647 against EPSG:25832: the zone number 32 put in
/// front of the easting (32 × 10⁶ m).
const ZONE_32_PREFIX_M: f64 = 32_000_000.0;

impl Crs {
    /// EPSG:4326, WGS 84 longitude/latitude in degrees (GPS, web maps).
    pub const WGS84: Self = Self(4326);
    /// EPSG:4258, ETRS89 longitude/latitude in degrees.
    pub const ETRS89: Self = Self(4258);
    /// EPSG:31466, DHDN / Gauss–Krüger zone 2 (old German cadastre, west).
    pub const DHDN_GK2: Self = Self(31466);
    /// EPSG:31467, DHDN / Gauss–Krüger zone 3 (old German cadastre, most of the west).
    pub const DHDN_GK3: Self = Self(31467);
    /// EPSG:31468, DHDN / Gauss–Krüger zone 4 (old German cadastre, east).
    pub const DHDN_GK4: Self = Self(31468);
    /// EPSG:25832, ETRS89 / UTM zone 32N: the default project CRS.
    pub const ETRS89_UTM32: Self = Self(25832);
    /// EPSG:25833, ETRS89 / UTM zone 33N (Berlin, Brandenburg and the east).
    pub const ETRS89_UTM33: Self = Self(25833);
    /// EPSG:3035, ETRS89-extended / LAEA Europe (EU grids, Eurostat).
    pub const ETRS89_LAEA: Self = Self(3035);
    /// EPSG:4647, ETRS89 / UTM zone 32N with the zone number 32 in front of the easting
    /// (German official data such as house coordinates): x = x(EPSG:25832) + 32,000,000.
    pub const ETRS89_UTM32_ZONE_PREFIX: Self = Self(4647);

    /// The CRS with this EPSG code.
    ///
    /// Any code in `1..=2_147_483_647` is accepted (a GeoPackage `srs_id` is an `i32`);
    /// whether PROJ knows it is found out when transforming.
    ///
    /// # Errors
    ///
    /// [`CrsError::InvalidCode`] for 0 and codes above `i32::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Crs::from_epsg(25833)?, quartier::Crs::ETRS89_UTM33);
    /// assert!(quartier::Crs::from_epsg(0).is_err());
    /// # Ok::<(), quartier::CrsError>(())
    /// ```
    pub fn from_epsg(code: u32) -> Result<Self, CrsError> {
        if code == 0 || i32::try_from(code).is_err() {
            return Err(CrsError::InvalidCode { code });
        }
        Ok(Self(code))
    }

    /// The EPSG code.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Crs::WGS84.epsg(), 4326);
    /// ```
    pub const fn epsg(self) -> u32 {
        self.0
    }

    fn known(self) -> Option<(&'static str, Kind)> {
        KNOWN
            .iter()
            .find(|(code, _, _)| *code == self.0)
            .map(|&(_, name, kind)| (name, kind))
    }

    /// The EPSG name, for the CRSs quartier knows (4326, 4258, 31466–31468, 25832, 25833,
    /// 3035, 4647, 5650); `None` for any other code.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::Crs;
    ///
    /// assert_eq!(Crs::ETRS89_UTM32.name(), Some("ETRS89 / UTM zone 32N"));
    /// assert_eq!(Crs::from_epsg(2056)?.name(), None);
    /// # Ok::<(), quartier::CrsError>(())
    /// ```
    pub fn name(self) -> Option<&'static str> {
        self.known().map(|(name, _)| name)
    }

    /// Whether the CRS is a known geographic one (longitude/latitude in degrees: 4326, 4258).
    ///
    /// Unknown codes are neither geographic nor metric.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(quartier::Crs::WGS84.is_geographic());
    /// assert!(!quartier::Crs::ETRS89_UTM32.is_geographic());
    /// ```
    pub fn is_geographic(self) -> bool {
        matches!(self.known(), Some((_, Kind::Geographic)))
    }

    /// Whether the CRS is a known projected CRS in metres (Gauss–Krüger, UTM, LAEA).
    ///
    /// Unknown codes are neither geographic nor metric.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(quartier::Crs::ETRS89_LAEA.is_metric());
    /// assert!(!quartier::Crs::ETRS89.is_metric());
    /// ```
    pub fn is_metric(self) -> bool {
        matches!(self.known(), Some((_, Kind::Metric)))
    }

    /// The GeoPackage spatial reference system of this CRS (for [`write_geopackage`](crate::write_geopackage)).
    ///
    /// EPSG:25832, 25833 and 4326 get their full WKT definitions, every other code the
    /// definition `undefined` (see [`Srs::epsg`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Crs, Srs};
    ///
    /// assert_eq!(Crs::ETRS89_UTM32.srs(), Srs::etrs89_utm32());
    /// assert_eq!(Crs::DHDN_GK3.srs().definition, "undefined");
    /// ```
    pub fn srs(self) -> Srs {
        // `from_epsg` and parsing keep the code within i32; the fallback is unreachable.
        Srs::epsg(i32::try_from(self.0).unwrap_or(i32::MAX))
    }
}

impl Default for Crs {
    /// [`Crs::ETRS89_UTM32`] (EPSG:25832).
    fn default() -> Self {
        Self::ETRS89_UTM32
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.0)
    }
}

impl FromStr for Crs {
    type Err = CrsError;

    /// Parses `EPSG:25832`, `epsg:25832` or `25832` (surrounding whitespace is ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = match t.get(..5) {
            Some(prefix) if prefix.eq_ignore_ascii_case("epsg:") => &t[5..],
            _ => t,
        };
        let invalid = || CrsError::Invalid {
            text: s.chars().take(40).collect(),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let code: u32 = digits.parse().map_err(|_| invalid())?;
        Self::from_epsg(code)
    }
}

impl serde::Serialize for Crs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Crs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Crs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CRS such as \"EPSG:25832\" or 25832")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Crs, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Crs, E> {
                let code = u32::try_from(v).unwrap_or(u32::MAX);
                Crs::from_epsg(code).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Crs, E> {
                let code = u32::try_from(v).unwrap_or(0);
                Crs::from_epsg(code).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The context in front of a plausibility message: ``dataset `name`: `` or nothing.
struct In<'a>(&'a Option<String>);

impl fmt::Display for In<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, "dataset `{name}`: "),
            None => Ok(()),
        }
    }
}

/// What went wrong with a CRS: parsing, transforming, or a declared CRS that does not fit the
/// coordinates.
///
/// Messages name CRS codes and counts, never a coordinate.
///
/// # Examples
///
/// ```
/// use quartier::{Crs, CrsError};
///
/// let err = "UTM32".parse::<Crs>().unwrap_err();
/// assert!(matches!(err, CrsError::Invalid { .. }));
/// assert_eq!(err.to_string(), "invalid crs `UTM32`: expected an EPSG code such as EPSG:25832");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CrsError {
    /// The text is not `EPSG:<code>`, `epsg:<code>` or `<code>`.
    #[error("invalid crs `{text}`: expected an EPSG code such as EPSG:25832")]
    Invalid {
        /// The text (its first 40 characters; a setting, not a personal value).
        text: String,
    },
    /// The EPSG code is 0 or does not fit a GeoPackage `srs_id` (`i32`).
    #[error("invalid epsg code {code}: expected 1 to 2147483647")]
    InvalidCode {
        /// The code.
        code: u32,
    },
    /// This build cannot transform between the two CRSs: it lacks PROJ (cargo feature `proj`).
    #[error(
        "cannot transform coordinates from {from} to {to}: this build of quartier lacks PROJ \
         (cargo feature `proj`); give the input in the project crs {to} or use a build with \
         the `proj` feature"
    )]
    Unsupported {
        /// The CRS of the input.
        from: Crs,
        /// The target (project) CRS.
        to: Crs,
    },
    /// PROJ could not set up a transformation between the two CRSs (e.g. an unknown code).
    #[error("cannot transform coordinates from {from} to {to}: proj: {reason}")]
    Proj {
        /// The CRS of the input.
        from: Crs,
        /// The target CRS.
        to: Crs,
        /// PROJ's message (it names CRSs, no coordinates).
        reason: String,
    },
    /// The x and y slices differ in length.
    #[error("coordinate columns differ in length: {xs} x values, {ys} y values")]
    LengthMismatch {
        /// Number of x values.
        xs: usize,
        /// Number of y values.
        ys: usize,
    },
    /// Most points of a dataset declared in a metric CRS look like longitude/latitude.
    #[error(
        "{}{count} of {finite} coordinates look like longitude/latitude (EPSG:4326) while the \
         dataset is declared in {declared}; set `crs` of the dataset in project.toml \
         (e.g. crs = \"EPSG:4326\")",
        In(dataset)
    )]
    LooksGeographic {
        /// The dataset (or file) name, when the caller gave one ([`CrsError::in_dataset`]).
        dataset: Option<String>,
        /// The declared CRS.
        declared: Crs,
        /// Points that look like longitude/latitude.
        count: usize,
        /// Points with finite coordinates.
        finite: usize,
    },
    /// Most points of a dataset declared in a geographic CRS lie far outside ±180°/±90°.
    #[error(
        "{}{count} of {finite} coordinates lie outside longitude -180..180 / latitude -90..90 \
         although the dataset is declared in {declared} (degrees); they look like projected \
         metres: set `crs` of the dataset in project.toml (e.g. crs = \"EPSG:25832\")",
        In(dataset)
    )]
    LooksProjected {
        /// The dataset (or file) name, when the caller gave one ([`CrsError::in_dataset`]).
        dataset: Option<String>,
        /// The declared CRS.
        declared: Crs,
        /// Points outside the range of degrees.
        count: usize,
        /// Points with finite coordinates.
        finite: usize,
    },
    /// Most eastings of a dataset declared in plain UTM carry a zone prefix (≥ 10,000,000 m).
    #[error(
        "{}{count} of {finite} eastings carry the utm zone prefix {zone} (≥ 10,000,000 m) \
         although the dataset is declared in {declared}; they look like {suggested}: \
         set `crs` of the dataset in project.toml (crs = \"{suggested}\")",
        In(dataset)
    )]
    LooksZonePrefixed {
        /// The dataset (or file) name, when the caller gave one ([`CrsError::in_dataset`]).
        dataset: Option<String>,
        /// The declared CRS.
        declared: Crs,
        /// The zone number in front of most eastings (e.g. 32).
        zone: u32,
        /// The CRS these coordinates look like (EPSG:4647 for zone 32, EPSG:5650 for 33).
        suggested: Crs,
        /// Points with a prefixed easting.
        count: usize,
        /// Points with finite coordinates.
        finite: usize,
    },
}

impl CrsError {
    /// The same error naming the dataset (or file) it was found in, for the plausibility
    /// errors; other errors are returned unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Crs, check_plausible};
    ///
    /// let err = check_plausible(Crs::ETRS89_UTM32, &[7.01], &[51.46])
    ///     .unwrap_err()
    ///     .in_dataset("kita.csv");
    /// assert!(err.to_string().starts_with("dataset `kita.csv`: 1 of 1 coordinates look like"));
    /// ```
    #[must_use]
    pub fn in_dataset(mut self, name: impl Into<String>) -> Self {
        match &mut self {
            Self::LooksGeographic { dataset, .. }
            | Self::LooksProjected { dataset, .. }
            | Self::LooksZonePrefixed { dataset, .. } => *dataset = Some(name.into()),
            _ => {}
        }
        self
    }
}

/// Checks that coordinates fit their declared CRS, catching the common mix-ups of exports.
///
/// Only finite points count (non-finite ones are the caller's invalid coordinates). A rule
/// fires when **at least half** of the finite points (and at least one) fit it, so a few
/// stray points do not, and a dataset that is mostly in the wrong CRS does:
///
/// - declared EPSG:25832 or 25833, easting ≥ 10,000,000 m: a UTM zone prefix
///   ([`CrsError::LooksZonePrefixed`]; the prefix is `easting / 1,000,000`, e.g. 32 →
///   EPSG:4647, 33 → EPSG:5650); checked first;
/// - declared a metric CRS ([`Crs::is_metric`]), |x| ≤ 180 and |y| ≤ 90: longitude/latitude
///   ([`CrsError::LooksGeographic`]);
/// - declared a geographic CRS ([`Crs::is_geographic`]), |x| > 180 or |y| > 90: projected
///   metres ([`CrsError::LooksProjected`]).
///
/// CRSs quartier does not know by name are not checked. The errors carry counts and CRS
/// codes, never a coordinate; [`CrsError::in_dataset`] adds the dataset name. O(n).
///
/// # Errors
///
/// The three variants above, and [`CrsError::LengthMismatch`].
///
/// # Examples
///
/// ```
/// use quartier::{Crs, CrsError, check_plausible};
///
/// // Essen in EPSG:25832: fine.
/// check_plausible(Crs::ETRS89_UTM32, &[362045.7], &[5702595.0])?;
/// // The same point as lon/lat, declared EPSG:25832: names the setting to change.
/// let err = check_plausible(Crs::ETRS89_UTM32, &[7.0143], &[51.4577]).unwrap_err();
/// assert!(matches!(err, CrsError::LooksGeographic { count: 1, finite: 1, .. }));
/// assert!(err.to_string().contains("set `crs` of the dataset in project.toml"));
/// // EPSG:4647 eastings declared as EPSG:25832.
/// let err = check_plausible(Crs::ETRS89_UTM32, &[32362046.0], &[5702595.0]).unwrap_err();
/// assert!(matches!(err, CrsError::LooksZonePrefixed { zone: 32, .. }));
/// # Ok::<(), CrsError>(())
/// ```
pub fn check_plausible(crs: Crs, xs: &[f64], ys: &[f64]) -> Result<(), CrsError> {
    if xs.len() != ys.len() {
        return Err(CrsError::LengthMismatch {
            xs: xs.len(),
            ys: ys.len(),
        });
    }
    let finite_points = || {
        xs.iter()
            .zip(ys)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    };
    let finite = finite_points().count();
    let most = |count: usize| count > 0 && 2 * count >= finite;
    let looks_degrees = |x: f64, y: f64| x.abs() <= 180.0 && y.abs() <= 90.0;

    if crs == Crs::ETRS89_UTM32 || crs == Crs::ETRS89_UTM33 {
        // Count the prefixes 10..=99 (eastings 10,000,000 to 99,999,999 m) and take the most
        // frequent one.
        let mut zones = [0usize; 100];
        for (x, _) in finite_points() {
            if (10_000_000.0..100_000_000.0).contains(x) {
                // In range 10..=99 by the test above.
                let zone = (*x / 1_000_000.0) as usize;
                if let Some(n) = zones.get_mut(zone) {
                    *n += 1;
                }
            }
        }
        let count: usize = zones.iter().sum();
        if most(count) {
            let (zone, _) = zones
                .iter()
                .enumerate()
                .rev()
                .max_by_key(|&(_, n)| *n)
                .unwrap_or((0, &0));
            let zone = u32::try_from(zone).unwrap_or(0);
            let suggested = match zone {
                32 => Crs::ETRS89_UTM32_ZONE_PREFIX,
                33 => Crs(5650),
                _ => crs,
            };
            return Err(CrsError::LooksZonePrefixed {
                dataset: None,
                declared: crs,
                zone,
                suggested,
                count,
                finite,
            });
        }
    }
    if crs.is_metric() {
        let count = finite_points()
            .filter(|&(&x, &y)| looks_degrees(x, y))
            .count();
        if most(count) {
            return Err(CrsError::LooksGeographic {
                dataset: None,
                declared: crs,
                count,
                finite,
            });
        }
    } else if crs.is_geographic() {
        let count = finite_points()
            .filter(|&(&x, &y)| !looks_degrees(x, y))
            .count();
        if most(count) {
            return Err(CrsError::LooksProjected {
                dataset: None,
                declared: crs,
                count,
                finite,
            });
        }
    }
    Ok(())
}

/// Transforms coordinates from one CRS to another, in place.
///
/// Axis order is always x = easting or longitude, y = northing or latitude (also for
/// EPSG:4326, whose official order is latitude first); angles are in degrees.
///
/// - `from == to`: nothing to transform.
/// - EPSG:4647 ↔ EPSG:25832: exact, without PROJ: the easting loses (or gains) the zone
///   prefix 32 × 10⁶ m; the northing is the same.
/// - Any other pair needs the cargo feature `proj` (PROJ, built from source and statically
///   linked). PROJ picks the operation as `proj_create_crs_to_crs` does, with axis order
///   normalized for visualization. No network is used. **DHDN (Gauss–Krüger, EPSG:31466–31468)
///   ↔ ETRS89**: without the BETA2007 grid PROJ uses a regional 7-parameter Helmert
///   transformation (in NRW "DHDN to ETRS89 (4)"), which differs from the official BETA2007
///   grid by a few decimetres, up to about 1 m; if `BETA2007.gsb` is found on PROJ's search
///   path (`PROJ_DATA`), PROJ uses it instead.
///
/// In every case a point with a non-finite coordinate, or one PROJ cannot transform (e.g.
/// outside the projection's domain), becomes (NaN, NaN): the caller counts it as an invalid
/// coordinate. That is never an error, and no coordinate appears in an error.
///
/// PROJ is set up once per call (a few milliseconds), so pass whole columns. O(n).
///
/// # Errors
///
/// - [`CrsError::LengthMismatch`] if `xs` and `ys` differ in length;
/// - [`CrsError::Unsupported`] without the feature `proj` for any pair but the ones above;
///   the message says the build lacks PROJ and that the input must be in the project CRS;
/// - [`CrsError::Proj`] with the feature, if PROJ cannot set up the transformation.
///
/// # Examples
///
/// ```
/// use quartier::{Crs, transform_in_place};
///
/// // Official house coordinates (EPSG:4647) into the project CRS (EPSG:25832).
/// let (mut xs, mut ys) = (vec![32362105.0, f64::INFINITY], vec![5710920.0, 5710918.0]);
/// transform_in_place(Crs::ETRS89_UTM32_ZONE_PREFIX, Crs::ETRS89_UTM32, &mut xs, &mut ys)?;
/// assert_eq!(xs[0], 362105.0);
/// assert_eq!(ys[0], 5710920.0);
/// assert!(xs[1].is_nan() && ys[1].is_nan());
/// # Ok::<(), quartier::CrsError>(())
/// ```
pub fn transform_in_place(
    from: Crs,
    to: Crs,
    xs: &mut [f64],
    ys: &mut [f64],
) -> Result<(), CrsError> {
    if xs.len() != ys.len() {
        return Err(CrsError::LengthMismatch {
            xs: xs.len(),
            ys: ys.len(),
        });
    }
    let shift = match (from, to) {
        _ if from == to => Some(0.0),
        (Crs::ETRS89_UTM32_ZONE_PREFIX, Crs::ETRS89_UTM32) => Some(-ZONE_32_PREFIX_M),
        (Crs::ETRS89_UTM32, Crs::ETRS89_UTM32_ZONE_PREFIX) => Some(ZONE_32_PREFIX_M),
        _ => None,
    };
    if let Some(dx) = shift {
        for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
            if x.is_finite() && y.is_finite() {
                *x += dx;
            } else {
                (*x, *y) = (f64::NAN, f64::NAN);
            }
        }
        return Ok(());
    }
    transform_other(from, to, xs, ys)
}

#[cfg(feature = "proj")]
fn transform_other(from: Crs, to: Crs, xs: &mut [f64], ys: &mut [f64]) -> Result<(), CrsError> {
    let proj =
        proj::Proj::new_known_crs(&from.to_string(), &to.to_string(), None).map_err(|e| {
            CrsError::Proj {
                from,
                to,
                reason: e.to_string(),
            }
        })?;
    for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
        let out = if x.is_finite() && y.is_finite() {
            proj.convert((*x, *y)).ok()
        } else {
            None
        };
        (*x, *y) = match out {
            Some((a, b)) if a.is_finite() && b.is_finite() => (a, b),
            _ => (f64::NAN, f64::NAN),
        };
    }
    Ok(())
}

#[cfg(not(feature = "proj"))]
fn transform_other(from: Crs, to: Crs, _xs: &mut [f64], _ys: &mut [f64]) -> Result<(), CrsError> {
    Err(CrsError::Unsupported { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms_and_rejects() {
        for s in ["EPSG:25832", "epsg:25832", "25832", " Epsg:25832 "] {
            assert_eq!(s.parse::<Crs>(), Ok(Crs::ETRS89_UTM32), "{s}");
        }
        for s in [
            "",
            "EPSG:",
            "EPSG:-1",
            "EPSG:25832.0",
            "ESRI:102100",
            "UTM32",
            "EPSG: 1",
        ] {
            assert!(
                matches!(s.parse::<Crs>(), Err(CrsError::Invalid { .. })),
                "{s}"
            );
        }
        assert_eq!("0".parse::<Crs>(), Err(CrsError::InvalidCode { code: 0 }));
        assert!(matches!(
            "99999999999".parse::<Crs>(),
            Err(CrsError::Invalid { .. })
        ));
        assert_eq!(
            "3000000000".parse::<Crs>(),
            Err(CrsError::InvalidCode {
                code: 3_000_000_000
            })
        );
    }

    #[test]
    fn kinds_of_known_codes() {
        for (code, _, kind) in KNOWN {
            let crs = Crs(code);
            assert_eq!(crs.is_geographic(), kind == Kind::Geographic);
            assert_eq!(crs.is_metric(), kind == Kind::Metric);
        }
        assert!(!Crs(2056).is_metric() && !Crs(2056).is_geographic());
    }

    #[test]
    fn zone_prefix_needs_half_of_the_finite_points() {
        let xs = [32_362_105.0, 362_105.0, f64::NAN];
        let ys = [5_710_920.0; 3];
        assert!(matches!(
            check_plausible(Crs::ETRS89_UTM32, &xs, &ys),
            Err(CrsError::LooksZonePrefixed {
                count: 1,
                finite: 2,
                zone: 32,
                ..
            })
        ));
        assert!(check_plausible(Crs::ETRS89_UTM32, &xs[1..], &ys[1..]).is_ok());
    }
}
