//! Individual records: residents, Kita fee records, child-support cases.
//!
//! See [`Records`] for the wall between individual records and everything else.

use std::fmt;

use crate::table::{CategorySet, age_group, child_support_age_group, fee_bracket_category};

/// A point in the project CRS (metres, e.g. EPSG:25832).
///
/// `Debug` prints no coordinates.
///
/// # Examples
///
/// ```
/// use quartier::Position;
///
/// let p = Position::new(460_000.0, 5_780_000.0);
/// assert_eq!(p.x(), 460_000.0);
/// assert!(!format!("{p:?}").contains("460"));
/// ```
#[derive(Clone, Copy)]
pub struct Position {
    x: f64,
    y: f64,
}

/// Positions are equal when their coordinates are bit-identical: a record with a NaN
/// coordinate equals itself (so record lists compare as expected), and `0.0 != -0.0`.
impl PartialEq for Position {
    fn eq(&self, other: &Self) -> bool {
        self.x.to_bits() == other.x.to_bits() && self.y.to_bits() == other.y.to_bits()
    }
}

impl Eq for Position {}

impl Position {
    /// A position from easting `x` and northing `y` in metres.
    ///
    /// Any value is accepted, also non-finite ones: whether a coordinate is usable is decided
    /// (and counted) by the assignment, not here.
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// Easting in metres.
    pub fn x(&self) -> f64 {
        self.x
    }

    /// Northing in metres.
    pub fn y(&self) -> f64 {
        self.y
    }
}

impl fmt::Debug for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Position(<redacted>)")
    }
}

/// A resident of the town (Einwohnermelderegister).
///
/// `Debug` prints no values.
///
/// # Examples
///
/// ```
/// use quartier::{Position, Resident};
///
/// let r = Resident { position: Some(Position::new(1.5, 2.5)), age: 47 };
/// assert_eq!(format!("{r:?}"), "Resident(<redacted>)");
/// ```
#[doc(alias = "Einwohner")]
#[derive(Clone, Copy, PartialEq)]
pub struct Resident {
    /// Where the resident lives; `None` when the address could not be geocoded.
    pub position: Option<Position>,
    /// Age in completed years at the reference date.
    pub age: u8,
}

/// A child attending a Kita, with the income bracket of the family's fee (Elternbeitrag).
///
/// `Debug` prints no values.
#[doc(alias = "Kita-Beitrag")]
#[derive(Clone, Copy, PartialEq)]
pub struct KitaRecord {
    /// Where the family lives; `None` when the address could not be geocoded.
    pub position: Option<Position>,
    /// Age of the child in completed years.
    pub child_age: u8,
    /// Income bracket of the family fee table, `1` = lowest income (see
    /// [`CategorySet::fee_brackets`]).
    pub fee_bracket: u8,
}

/// A child-support advance case (Unterhaltsvorschuss) for a child of a single parent.
///
/// `Debug` prints no values.
#[doc(alias = "Unterhaltsvorschuss")]
#[derive(Clone, Copy, PartialEq)]
pub struct ChildSupportCase {
    /// Where the child lives; `None` when the address could not be geocoded.
    pub position: Option<Position>,
    /// Age of the child in completed years.
    pub child_age: u8,
}

macro_rules! redacted_debug {
    ($($t:ty => $name:literal),* $(,)?) => {
        $(impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!($name, "(<redacted>)"))
            }
        })*
    };
}

redacted_debug!(
    Resident => "Resident",
    KitaRecord => "KitaRecord",
    ChildSupportCase => "ChildSupportCase",
);

/// The kinds of individual records a [`Records`] holds.
///
/// # Examples
///
/// ```
/// use quartier::RecordKind;
///
/// assert_eq!(RecordKind::ALL.len(), 3);
/// assert_eq!(RecordKind::Kita.name(), "kita");
/// assert_eq!(RecordKind::Resident.categories().len(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// [`Resident`]s, counted by [`CategorySet::age_groups`].
    Resident,
    /// [`KitaRecord`]s, counted by [`CategorySet::fee_brackets`].
    Kita,
    /// [`ChildSupportCase`]s, counted by [`CategorySet::child_support_age_groups`].
    ChildSupport,
}

impl RecordKind {
    /// Every kind, in a fixed order.
    pub const ALL: [RecordKind; 3] = [Self::Resident, Self::Kita, Self::ChildSupport];

    /// A short lowercase name (`resident`, `kita`, `child_support`), usable in file names.
    pub fn name(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Kita => "kita",
            Self::ChildSupport => "child_support",
        }
    }

    /// The category set records of this kind are counted by.
    pub fn categories(self) -> CategorySet {
        match self {
            Self::Resident => CategorySet::age_groups(),
            Self::Kita => CategorySet::fee_brackets(),
            Self::ChildSupport => CategorySet::child_support_age_groups(),
        }
    }
}

/// Coordinate columns of one kind of record: `xs[i], ys[i]` is the position of record `i`,
/// `NaN` in both for a record without a position.
#[derive(Clone, Default)]
struct Columns {
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// Records without a position.
    missing: usize,
}

impl Columns {
    fn of<'a>(positions: impl Iterator<Item = &'a Option<Position>>) -> Self {
        let mut missing = 0;
        let (xs, ys) = positions
            .map(|p| {
                missing += usize::from(p.is_none());
                p.map_or((f64::NAN, f64::NAN), |p| (p.x, p.y))
            })
            .unzip();
        Self { xs, ys, missing }
    }
}

/// All individual records of one run: residents, Kita fee records and child-support cases.
///
/// Besides the records themselves it keeps their coordinates as columns (`xs`, `ys`) so that
/// the assignment can take slices without copying. A record without a position has `NaN`
/// in both columns.
///
/// # The wall
///
/// quartier runs in two phases (see `DESIGN.md`, "Two phases, one hard wall"). The
/// *anonymize* phase runs inside the sealed statistics office (Abgeschottete Statistikstelle)
/// and is the only phase that ever sees individual records; it turns them into count tables.
/// The *analyze* phase runs anywhere and sees only protected tables.
///
/// The record types ([`Position`], [`Resident`], [`KitaRecord`], [`ChildSupportCase`] and
/// `Records`) carry that wall in the type system:
///
/// - none of them implements `serde::Serialize`, so no generic writer of the crate can put
///   an individual record into a file;
/// - their `Debug` output names the type only and prints `<redacted>` instead of any value,
///   so a record that ends up in a log, a panic message or an error report leaks neither a
///   coordinate nor an attribute;
/// - they are not `Display`.
///
/// What leaves these types are coordinate columns ([`Records::coordinates`]) for the
/// assignment to blocks and category indices ([`Records::categories`]) for counting; both are
/// meant to be consumed inside the sealed area and turned into counts at once.
///
/// `Records` itself prints only the number of records of each kind.
///
/// # Examples
///
/// ```
/// use quartier::{Position, RecordKind, Records, Resident};
///
/// let records = Records::new(
///    vec![
///        Resident { position: Some(Position::new(10.0, 20.0)), age: 4 },
///        Resident { position: None, age: 70 },
///    ],
///    vec![],
///    vec![],
/// );
/// let (xs, ys) = records.coordinates(RecordKind::Resident);
/// assert_eq!(xs[0], 10.0);
/// assert!(ys[1].is_nan());
/// let cats: Vec<usize> = records.categories(RecordKind::Resident).collect();
/// assert_eq!(cats, vec![1, 6]); // age groups 3–5 and 25+
/// ```
#[derive(Clone, Default)]
pub struct Records {
    residents: Vec<Resident>,
    kita: Vec<KitaRecord>,
    child_support: Vec<ChildSupportCase>,
    columns: [Columns; 3],
}

impl Records {
    /// Collects records and builds their coordinate columns (`O(n)`).
    pub fn new(
        residents: Vec<Resident>,
        kita: Vec<KitaRecord>,
        child_support: Vec<ChildSupportCase>,
    ) -> Self {
        let columns = [
            Columns::of(residents.iter().map(|r| &r.position)),
            Columns::of(kita.iter().map(|r| &r.position)),
            Columns::of(child_support.iter().map(|r| &r.position)),
        ];
        Self {
            residents,
            kita,
            child_support,
            columns,
        }
    }

    /// The residents.
    pub fn residents(&self) -> &[Resident] {
        &self.residents
    }

    /// The Kita fee records.
    pub fn kita(&self) -> &[KitaRecord] {
        &self.kita
    }

    /// The child-support cases.
    pub fn child_support(&self) -> &[ChildSupportCase] {
        &self.child_support
    }

    /// Number of records of a kind.
    pub fn len(&self, kind: RecordKind) -> usize {
        self.columns[Self::slot(kind)].xs.len()
    }

    /// True when there is no record of any kind.
    pub fn is_empty(&self) -> bool {
        RecordKind::ALL.iter().all(|&k| self.len(k) == 0)
    }

    /// Number of records of a kind that have no position at all (as opposed to a position
    /// with a non-finite coordinate); both show as `NaN` in [`Records::coordinates`].
    pub fn without_position(&self, kind: RecordKind) -> usize {
        self.columns[Self::slot(kind)].missing
    }

    /// The coordinate columns `(xs, ys)` of a kind of record, in record order; `NaN` in both
    /// for a record without a position.
    pub fn coordinates(&self, kind: RecordKind) -> (&[f64], &[f64]) {
        let c = &self.columns[Self::slot(kind)];
        (&c.xs, &c.ys)
    }

    /// The category index of every record of a kind, in record order, in the category set
    /// [`RecordKind::categories`].
    ///
    /// Residents and child-support cases map by age ([`age_group`],
    /// [`child_support_age_group`]), which is total. Kita records map by fee bracket
    /// ([`fee_bracket_category`]); a bracket outside the fee table yields an index past the
    /// end of the category set, so that counting reports it as an error instead of dropping
    /// the record.
    pub fn categories(&self, kind: RecordKind) -> impl Iterator<Item = usize> + '_ {
        let n_brackets = CategorySet::fee_brackets().len();
        let (a, b, c) = match kind {
            RecordKind::Resident => (self.residents.as_slice(), &[][..], &[][..]),
            RecordKind::Kita => (&[][..], self.kita.as_slice(), &[][..]),
            RecordKind::ChildSupport => (&[][..], &[][..], self.child_support.as_slice()),
        };
        a.iter()
            .map(|r| age_group(r.age))
            .chain(
                b.iter()
                    .map(move |r| fee_bracket_category(r.fee_bracket).unwrap_or(n_brackets)),
            )
            .chain(c.iter().map(|r| child_support_age_group(r.child_age)))
    }

    fn slot(kind: RecordKind) -> usize {
        match kind {
            RecordKind::Resident => 0,
            RecordKind::Kita => 1,
            RecordKind::ChildSupport => 2,
        }
    }
}

/// Records are equal when their residents, Kita records and child-support cases are equal
/// (the coordinate columns are derived from them).
impl PartialEq for Records {
    fn eq(&self, other: &Self) -> bool {
        self.residents == other.residents
            && self.kita == other.kita
            && self.child_support == other.child_support
    }
}

impl fmt::Debug for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Records")
            .field("residents", &self.residents.len())
            .field("kita", &self.kita.len())
            .field("child_support", &self.child_support.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_values() {
        let p = Position::new(461_234.5, 5_781_987.25);
        let r = Resident {
            position: Some(p),
            age: 93,
        };
        let k = KitaRecord {
            position: Some(p),
            child_age: 4,
            fee_bracket: 5,
        };
        let c = ChildSupportCase {
            position: Some(p),
            child_age: 7,
        };
        for s in [
            format!("{p:?}"),
            format!("{r:?}"),
            format!("{k:?}"),
            format!("{c:?}"),
            format!("{:?}", Records::new(vec![r], vec![k], vec![c])),
            format!("{:#?}", Some(r)),
        ] {
            for needle in ["461", "5781", "1234", "93", "4,", "5", "7"] {
                assert!(!s.contains(needle), "{s} contains {needle}");
            }
        }
    }

    /// Does not compile if a record type implements `Serialize` (the trait method would be
    /// ambiguous).
    #[test]
    fn record_types_are_not_serialize() {
        trait AmbiguousIfSerialize<A> {
            fn check() {}
        }
        impl<T: ?Sized> AmbiguousIfSerialize<()> for T {}
        #[allow(dead_code)]
        struct Invalid;
        impl<T: ?Sized + serde::Serialize> AmbiguousIfSerialize<Invalid> for T {}
        <Position as AmbiguousIfSerialize<_>>::check();
        <Resident as AmbiguousIfSerialize<_>>::check();
        <KitaRecord as AmbiguousIfSerialize<_>>::check();
        <ChildSupportCase as AmbiguousIfSerialize<_>>::check();
        <Records as AmbiguousIfSerialize<_>>::check();
    }

    #[test]
    fn columns_and_categories() {
        let records = Records::new(
            vec![
                Resident {
                    position: None,
                    age: 0,
                },
                Resident {
                    position: Some(Position::new(1.0, 2.0)),
                    age: 30,
                },
            ],
            vec![
                KitaRecord {
                    position: None,
                    child_age: 3,
                    fee_bracket: 1,
                },
                KitaRecord {
                    position: None,
                    child_age: 3,
                    fee_bracket: 0,
                },
                KitaRecord {
                    position: None,
                    child_age: 3,
                    fee_bracket: 200,
                },
            ],
            vec![ChildSupportCase {
                position: Some(Position::new(3.0, 4.0)),
                child_age: 11,
            }],
        );
        let (xs, ys) = records.coordinates(RecordKind::Resident);
        assert!(xs[0].is_nan() && ys[0].is_nan());
        assert_eq!((xs[1], ys[1]), (1.0, 2.0));
        assert_eq!(records.len(RecordKind::Kita), 3);
        assert_eq!(
            records.coordinates(RecordKind::ChildSupport),
            (&[3.0][..], &[4.0][..])
        );
        let n = CategorySet::fee_brackets().len();
        assert_eq!(
            records.categories(RecordKind::Kita).collect::<Vec<_>>(),
            vec![0, n, n]
        );
        assert_eq!(
            records.categories(RecordKind::Resident).collect::<Vec<_>>(),
            vec![0, 6]
        );
        assert_eq!(
            records
                .categories(RecordKind::ChildSupport)
                .collect::<Vec<_>>(),
            vec![1]
        );
        assert!(!records.is_empty());
        assert!(Records::default().is_empty());
    }
}
