//! The indexed house-coordinate table and the staged matcher.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use rayon::prelude::*;
use serde::Serialize;

use super::Address;
use super::normalize::{HouseNumber, normalize_street};

/// One official address point (Hauskoordinate): public data.
///
/// `Debug` prints every field: the table is published official data, not a record.
#[doc(alias = "Hauskoordinate")]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HouseCoordinate {
    /// Municipality key (Gemeindeschlüssel, e.g. `05113000`), or empty.
    pub municipality: String,
    /// Postcode (PLZ), or empty.
    pub postcode: String,
    /// Street name as written in the table (`Frankfurter Str.`).
    pub street: String,
    /// House number without suffix (`12`), or empty for a point without number.
    pub number: String,
    /// Addressing suffix (Adressierungszusatz, `a`), or empty.
    pub suffix: String,
    /// Easting in the project CRS (m).
    pub x: f64,
    /// Northing in the project CRS (m).
    pub y: f64,
}

/// Settings of [`AddressTable::geocode`].
#[derive(Debug, Clone, PartialEq)]
pub struct GeocodeOptions {
    /// Least Jaro–Winkler similarity (0–1) of two normalized street names for the fuzzy
    /// stage; `> 1` switches the stage off. Default 0.92: in the tests this accepts one or
    /// two typos in names of 8+ letters and rejects neighbouring names such as
    /// `Bergstr.`/`Burgstr.`.
    pub fuzzy_threshold: f64,
    /// Whether a number missing from a known street may fall back to the nearest number of
    /// the same street (stage [`MatchStage::NearestNumber`]). Default `true`.
    pub nearest_number: bool,
    /// Largest difference between the wanted and a fallback house number. Default 10.
    pub max_number_distance: u32,
}

impl Default for GeocodeOptions {
    fn default() -> Self {
        Self {
            fuzzy_threshold: 0.92,
            nearest_number: true,
            max_number_distance: 10,
        }
    }
}

/// Why an address found no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum UnmatchedReason {
    /// Street and house number are both empty.
    EmptyAddress,
    /// The street is empty (a house number alone cannot be placed).
    MissingStreet,
    /// No street of the table matches, not even fuzzily above the threshold.
    UnknownStreet,
    /// The normalized street name exists in several municipalities and neither the
    /// municipality key nor the postcode of the address decides between them.
    AmbiguousStreet,
    /// The street is known but the address has no usable house number (empty, or not
    /// starting with a digit).
    MissingHouseNumber,
    /// The street is known but neither its number nor (when allowed) one within
    /// [`GeocodeOptions::max_number_distance`] is in the table.
    NoHouseNumber,
}

impl UnmatchedReason {
    /// The reason's snake_case name, as written into protocols and lists.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::UnmatchedReason::UnknownStreet.as_str(), "unknown_street");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmptyAddress => "empty_address",
            Self::MissingStreet => "missing_street",
            Self::UnknownStreet => "unknown_street",
            Self::AmbiguousStreet => "ambiguous_street",
            Self::MissingHouseNumber => "missing_house_number",
            Self::NoHouseNumber => "no_house_number",
        }
    }
}

/// The stage at which an address was matched, or why it was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum MatchStage {
    /// Street and house number (with suffix) equal to a table entry after trimming blanks.
    Exact,
    /// Equal after normalization ([`normalize_street`](crate::normalize_street),
    /// [`HouseNumber::parse`](crate::HouseNumber::parse)).
    Normalized,
    /// Street found (exactly or normalized), the house number not: the nearest number of the
    /// same street was taken (flagged; see [`AddressTable::geocode`]).
    NearestNumber,
    /// Street found only by Jaro–Winkler similarity of normalized names; the number then as
    /// in the other stages (exact or nearest, see [`GeoMatch::number_distance`]).
    FuzzyStreet,
    /// No position.
    Unmatched(UnmatchedReason),
}

impl MatchStage {
    /// The stage's snake_case name for protocols: `exact`, `normalized`, `nearest_number`,
    /// `fuzzy_street`, `unmatched`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::MatchStage::NearestNumber.as_str(), "nearest_number");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Normalized => "normalized",
            Self::NearestNumber => "nearest_number",
            Self::FuzzyStreet => "fuzzy_street",
            Self::Unmatched(_) => "unmatched",
        }
    }

    /// Whether the address got a position.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(quartier::MatchStage::Exact.is_matched());
    /// ```
    pub fn is_matched(self) -> bool {
        !matches!(self, Self::Unmatched(_))
    }
}

/// The result of geocoding one address.
///
/// The position is the location of a record's address, so `Debug` prints only the stage,
/// the score and the number distance.
#[derive(Clone, Copy, PartialEq)]
pub struct GeoMatch {
    /// How the match was found.
    pub stage: MatchStage,
    /// Easting of the matched table entry; `NaN` when unmatched.
    pub x: f64,
    /// Northing of the matched table entry; `NaN` when unmatched.
    pub y: f64,
    /// Similarity of the street names: 1 for the exact, normalized and nearest-number
    /// stages, the Jaro–Winkler similarity for the fuzzy stage, 0 when unmatched.
    pub score: f64,
    /// Absolute difference between the wanted and the matched house number (0 when the
    /// number itself was found, also when only the suffix differs).
    pub number_distance: u32,
}

impl fmt::Debug for GeoMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoMatch")
            .field("stage", &self.stage)
            .field("score", &self.score)
            .field("number_distance", &self.number_distance)
            .finish_non_exhaustive()
    }
}

impl GeoMatch {
    fn unmatched(reason: UnmatchedReason) -> Self {
        Self {
            stage: MatchStage::Unmatched(reason),
            x: f64::NAN,
            y: f64::NAN,
            score: 0.0,
            number_distance: 0,
        }
    }
}

/// Counts of a geocoding run by stage and unmatched reason, for the protocol.
///
/// # Examples
///
/// ```
/// use quartier::{Address, AddressTable, GeocodeOptions, GeocodeSummary, HouseCoordinate};
///
/// let table = AddressTable::new(vec![HouseCoordinate {
///     street: "Hauptstr.".into(), number: "1".into(), x: 1.0, y: 2.0,
///     ..HouseCoordinate::default()
/// }]);
/// let a = Address { street: "Hauptstraße".into(), house_number: "1".into(), ..Address::default() };
/// let matches = table.geocode_all(&[a], &GeocodeOptions::default());
/// let summary = GeocodeSummary::from_matches(&matches);
/// assert_eq!((summary.total, summary.normalized), (1, 1));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GeocodeSummary {
    /// Number of addresses.
    pub total: usize,
    /// Matched at [`MatchStage::Exact`].
    pub exact: usize,
    /// Matched at [`MatchStage::Normalized`].
    pub normalized: usize,
    /// Matched at [`MatchStage::NearestNumber`].
    pub nearest_number: usize,
    /// Matched at [`MatchStage::FuzzyStreet`].
    pub fuzzy_street: usize,
    /// Not matched.
    pub unmatched: usize,
    /// Unmatched addresses by [`UnmatchedReason::as_str`], in name order.
    pub unmatched_by_reason: BTreeMap<&'static str, usize>,
}

impl GeocodeSummary {
    /// Counts `matches`.
    pub fn from_matches(matches: &[GeoMatch]) -> Self {
        let mut s = Self {
            total: matches.len(),
            ..Self::default()
        };
        for m in matches {
            match m.stage {
                MatchStage::Exact => s.exact += 1,
                MatchStage::Normalized => s.normalized += 1,
                MatchStage::NearestNumber => s.nearest_number += 1,
                MatchStage::FuzzyStreet => s.fuzzy_street += 1,
                MatchStage::Unmatched(r) => {
                    s.unmatched += 1;
                    *s.unmatched_by_reason.entry(r.as_str()).or_default() += 1;
                }
            }
        }
        s
    }
}

/// One house number of a street: parsed number, entry index.
#[derive(Debug, Clone)]
struct NumberEntry {
    number: HouseNumber,
    entry: u32,
}

/// A street of one municipality: all entries whose normalized name is `key`.
#[derive(Debug, Clone)]
struct Street {
    municipality: String,
    key: String,
    /// Sorted by number, then entry index (entries are in content order).
    numbers: Vec<NumberEntry>,
    /// Sorted, distinct postcodes of the street's entries.
    postcodes: Vec<String>,
}

/// An official house-coordinate table indexed for geocoding.
///
/// Built once from the entries read by
/// [`read_house_coordinates`](crate::read_house_coordinates) (or made in memory), it matches
/// addresses in four stages, each match carrying its stage:
///
/// 1. **exact** — the trimmed street equals an entry's street and the trimmed house number
///    equals the entry's number followed directly by its suffix (`12A` = `12` + `A`). The
///    street is first resolved by its normalized name (see *Municipality and postcode*), so
///    an exact spelling never bypasses the municipality and postcode rules;
/// 2. **normalized** — the [normalized street names](crate::normalize_street) and the
///    [parsed house numbers](crate::HouseNumber::parse) (number and lowercase suffix) are equal
///    (`Karl Marx Strasse 12 a` = `Karl-Marx-Str.` `12` `A`);
/// 3. **nearest number** — the street is known (stage 1 or 2) but the number is not: among the
///    street's entries with a number within [`GeocodeOptions::max_number_distance`] the one
///    on the **same side** (same parity) is preferred, then the smallest difference, then the
///    lower number, then the smaller suffix (empty first). Same number, other suffix counts as
///    difference 0. The German rule of odd and even numbers on opposite sides makes a
///    same-side neighbour the better guess even when an other-side number is closer;
/// 4. **fuzzy street** — the normalized street name is unknown: the street with the highest
///    Jaro–Winkler similarity (at least [`GeocodeOptions::fuzzy_threshold`]) among the streets
///    of the address's postcode is taken (the municipality's streets when the table has no
///    entry with that postcode, all streets when the address has neither), ties broken by the
///    smaller normalized name; the number is then looked up as in stages 2 and 3. Only the
///    best street is tried.
///
/// **Municipality and postcode.** An entry with an empty municipality key matches every
/// address, and an address with an empty key matches every entry; otherwise the keys must be
/// equal. The postcode is a preference, not a filter, in stages 1–3: among equally good
/// candidates the entries with the address's postcode win (a wrong postcode in an export does
/// not lose the address), and a normalized name found in several municipalities is decided by
/// the postcode or reported as [`UnmatchedReason::AmbiguousStreet`].
///
/// **Entries without house number** (3.3 % of the Essen table) make their street known (so an
/// address there is [`UnmatchedReason::NoHouseNumber`] or matched to a numbered neighbour
/// rather than [`UnmatchedReason::UnknownStreet`]) and take part in the fuzzy name search,
/// but are never returned as a match.
///
/// **Determinism.** [`AddressTable::new`] sorts the entries by content (municipality,
/// postcode, street, number, suffix, x, y), and every tie above is broken by content, so the
/// result does not depend on the order of the input entries or on the number of threads.
///
/// Cost: building is O(n log n); stages 1–3 are one normalization, one hash look-up and a
/// binary search in the street's numbers; the fuzzy stage compares with every street in scope (a character-count
/// bound skips most of them before Jaro–Winkler is computed).
///
/// # Examples
///
/// ```
/// use quartier::{Address, AddressTable, GeocodeOptions, HouseCoordinate, MatchStage};
///
/// let entry = |street: &str, number: &str, suffix: &str, x: f64| HouseCoordinate {
///     street: street.into(), number: number.into(), suffix: suffix.into(),
///     x, y: 5_700_000.0, ..HouseCoordinate::default()
/// };
/// let table = AddressTable::new(vec![
///     entry("Frankfurter Str.", "12", "A", 1.0),
///     entry("Frankfurter Str.", "14", "", 2.0),
/// ]);
/// let opts = GeocodeOptions::default();
/// let at = |street: &str, number: &str| Address {
///     street: street.into(), house_number: number.into(), ..Address::default()
/// };
/// assert_eq!(table.geocode(&at("Frankfurter Str.", "12A"), &opts).stage, MatchStage::Exact);
/// let m = table.geocode(&at("Frankfurter Straße", "12 a"), &opts);
/// assert_eq!((m.stage, m.x), (MatchStage::Normalized, 1.0));
/// let m = table.geocode(&at("Frankfurter Straße", "16"), &opts);
/// assert_eq!((m.stage, m.x), (MatchStage::NearestNumber, 2.0));
/// let m = table.geocode(&at("Frankfurter Strase", "14"), &opts);
/// assert_eq!((m.stage, m.x), (MatchStage::FuzzyStreet, 2.0));
/// ```
#[doc(alias = "Hauskoordinaten")]
pub struct AddressTable {
    entries: Vec<HouseCoordinate>,
    streets: Vec<Street>,
    /// Normalized street name → streets (one per municipality).
    by_key: HashMap<String, Vec<u32>>,
    /// Postcode → streets with an entry of that postcode.
    by_postcode: HashMap<String, Vec<u32>>,
    /// Municipality key → its streets.
    by_municipality: HashMap<String, Vec<u32>>,
    /// Per street (same index), the sketch of its key for the fuzzy prefilter.
    sketches: Vec<Sketch>,
}

impl fmt::Debug for AddressTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddressTable")
            .field("entries", &self.entries.len())
            .field("streets", &self.streets.len())
            .finish_non_exhaustive()
    }
}

impl AddressTable {
    /// Builds the indexes over `entries` (see the type's documentation for their use).
    ///
    /// Entries with a non-finite coordinate or an empty street are kept in
    /// [`entries`](Self::entries) but never matched; the reader already skips them.
    pub fn new(mut entries: Vec<HouseCoordinate>) -> Self {
        entries.sort_by(|a, b| {
            (
                &a.municipality,
                &a.postcode,
                &a.street,
                &a.number,
                &a.suffix,
            )
                .cmp(&(
                    &b.municipality,
                    &b.postcode,
                    &b.street,
                    &b.number,
                    &b.suffix,
                ))
                .then(a.x.total_cmp(&b.x))
                .then(a.y.total_cmp(&b.y))
        });
        let mut streets: Vec<Street> = Vec::new();
        let mut street_of: HashMap<(String, String), u32> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let raw = e.street.trim();
            if raw.is_empty() || !e.x.is_finite() || !e.y.is_finite() {
                continue;
            }
            let key = normalize_street(raw);
            if key.is_empty() {
                continue;
            }
            let municipality = e.municipality.trim().to_owned();
            let id = *street_of
                .entry((municipality.clone(), key.clone()))
                .or_insert_with(|| {
                    streets.push(Street {
                        municipality,
                        key,
                        numbers: Vec::new(),
                        postcodes: Vec::new(),
                    });
                    (streets.len() - 1) as u32
                });
            let street = &mut streets[id as usize];
            let postcode = e.postcode.trim();
            if !postcode.is_empty() {
                street.postcodes.push(postcode.to_owned());
            }
            let text = format!("{} {}", e.number.trim(), e.suffix.trim());
            if let Some(number) = HouseNumber::parse(&text) {
                street.numbers.push(NumberEntry {
                    number,
                    entry: i as u32,
                });
            }
        }
        let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_postcode: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_municipality: HashMap<String, Vec<u32>> = HashMap::new();
        for (id, s) in streets.iter_mut().enumerate() {
            let id = id as u32;
            s.numbers
                .sort_by(|a, b| a.number.cmp(&b.number).then(a.entry.cmp(&b.entry)));
            s.postcodes.sort_unstable();
            s.postcodes.dedup();
            by_key.entry(s.key.clone()).or_default().push(id);
            by_municipality
                .entry(s.municipality.clone())
                .or_default()
                .push(id);
            for p in &s.postcodes {
                by_postcode.entry(p.clone()).or_default().push(id);
            }
        }
        let sketches = streets.iter().map(|s| Sketch::new(&s.key)).collect();
        Self {
            entries,
            streets,
            sketches,
            by_key,
            by_postcode,
            by_municipality,
        }
    }

    /// The entries, sorted by content (municipality, postcode, street, number, suffix, x, y).
    pub fn entries(&self) -> &[HouseCoordinate] {
        &self.entries
    }

    /// Number of distinct streets (normalized name per municipality).
    pub fn street_count(&self) -> usize {
        self.streets.len()
    }

    /// Geocodes one address (see the type's documentation for the stages).
    pub fn geocode(&self, address: &Address, options: &GeocodeOptions) -> GeoMatch {
        let street = address.street.trim();
        let house_number = address.house_number.trim();
        if street.is_empty() {
            return GeoMatch::unmatched(if house_number.is_empty() {
                UnmatchedReason::EmptyAddress
            } else {
                UnmatchedReason::MissingStreet
            });
        }
        let query = Query {
            municipality: address.municipality.trim(),
            postcode: address.postcode.trim(),
            number: HouseNumber::parse(house_number),
        };

        // Stages 1 to 3: the street by its normalized name, then the number.
        let key = normalize_street(street);
        if key.is_empty() {
            return GeoMatch::unmatched(UnmatchedReason::UnknownStreet);
        }
        if let Some(ids) = self.by_key.get(&key) {
            match self.pick_streets(ids, &query)[..] {
                [] => {}
                [id] => {
                    if let Some(number) = &query.number {
                        let exact = |n: &NumberEntry| {
                            let e = &self.entries[n.entry as usize];
                            e.street.trim() == street
                                && house_number
                                    .strip_prefix(e.number.trim())
                                    .is_some_and(|rest| rest == e.suffix.trim())
                        };
                        let s = &self.streets[id as usize];
                        if let Some(n) = self.best_exact(s, number, &query, exact) {
                            return self.matched(MatchStage::Exact, n.entry, 1.0, 0);
                        }
                    }
                    return self.match_number(id, &query, options, None);
                }
                _ => return GeoMatch::unmatched(UnmatchedReason::AmbiguousStreet),
            }
        }

        // Stage 4: fuzzy street.
        match self.fuzzy_street(&key, &query, options.fuzzy_threshold) {
            Some((id, score)) => self.match_number(id, &query, options, Some(score)),
            None => GeoMatch::unmatched(UnmatchedReason::UnknownStreet),
        }
    }

    /// Geocodes `addresses` in parallel (rayon); the result is in input order and equal to
    /// mapping [`geocode`](Self::geocode) over them.
    pub fn geocode_all(&self, addresses: &[Address], options: &GeocodeOptions) -> Vec<GeoMatch> {
        addresses
            .par_iter()
            .with_min_len(256)
            .map(|a| self.geocode(a, options))
            .collect()
    }

    /// The streets of `ids` compatible with the query's municipality, narrowed to those with
    /// the query's postcode when more than one remains and that decides.
    fn pick_streets(&self, ids: &[u32], query: &Query<'_>) -> Vec<u32> {
        let mut found: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&id| query.municipality_fits(&self.streets[id as usize].municipality))
            .collect();
        if found.len() > 1 && !query.postcode.is_empty() {
            let with_postcode: Vec<u32> = found
                .iter()
                .copied()
                .filter(|&id| {
                    self.streets[id as usize]
                        .postcodes
                        .binary_search_by(|p| p.as_str().cmp(query.postcode))
                        .is_ok()
                })
                .collect();
            if !with_postcode.is_empty() {
                found = with_postcode;
            }
        }
        found
    }

    /// Among the street's entries with exactly `number` that satisfy `accept`, the first with
    /// the query's postcode, else the first.
    fn best_exact<'s>(
        &self,
        street: &'s Street,
        number: &HouseNumber,
        query: &Query<'_>,
        accept: impl Fn(&NumberEntry) -> bool,
    ) -> Option<&'s NumberEntry> {
        let start = street.numbers.partition_point(|n| n.number < *number);
        let same = street.numbers[start..]
            .iter()
            .take_while(|n| n.number == *number)
            .filter(|n| accept(n));
        let mut first = None;
        for n in same {
            if self.postcode_fits(n, query) {
                return Some(n);
            }
            first.get_or_insert(n);
        }
        first
    }

    fn postcode_fits(&self, n: &NumberEntry, query: &Query<'_>) -> bool {
        query.postcode.is_empty()
            || self.entries[n.entry as usize].postcode.trim() == query.postcode
    }

    /// Looks the query's number up in a known street: equal number (stage 2, or 4 when the
    /// street was found fuzzily with `fuzzy` = its score), else the nearest (stage 3).
    fn match_number(
        &self,
        id: u32,
        query: &Query<'_>,
        options: &GeocodeOptions,
        fuzzy: Option<f64>,
    ) -> GeoMatch {
        let street = &self.streets[id as usize];
        let Some(number) = &query.number else {
            return GeoMatch::unmatched(UnmatchedReason::MissingHouseNumber);
        };
        let (stage, score) = match fuzzy {
            Some(score) => (MatchStage::FuzzyStreet, score),
            None => (MatchStage::Normalized, 1.0),
        };
        if let Some(n) = self.best_exact(street, number, query, |_| true) {
            return self.matched(stage, n.entry, score, 0);
        }
        if !options.nearest_number {
            return GeoMatch::unmatched(UnmatchedReason::NoHouseNumber);
        }
        let q = number.number;
        let max = options.max_number_distance;
        let start = street
            .numbers
            .partition_point(|n| n.number.number < q.saturating_sub(max));
        let best = street.numbers[start..]
            .iter()
            .take_while(|n| n.number.number <= q.saturating_add(max))
            .min_by(|a, b| {
                let key = |n: &NumberEntry| {
                    let d = n.number.number.abs_diff(q);
                    (
                        n.number.number % 2 != q % 2,
                        d,
                        !self.postcode_fits(n, query),
                    )
                };
                // Numbers ascending and entries in content order: `min_by` keeps the first of
                // equal keys, i.e. the lower number, then the smaller suffix.
                key(a).cmp(&key(b))
            });
        match best {
            Some(n) => {
                let d = n.number.number.abs_diff(q);
                let stage = if fuzzy.is_some() {
                    MatchStage::FuzzyStreet
                } else {
                    MatchStage::NearestNumber
                };
                self.matched(stage, n.entry, score, d)
            }
            None => GeoMatch::unmatched(UnmatchedReason::NoHouseNumber),
        }
    }

    fn matched(&self, stage: MatchStage, entry: u32, score: f64, number_distance: u32) -> GeoMatch {
        let e = &self.entries[entry as usize];
        GeoMatch {
            stage,
            x: e.x,
            y: e.y,
            score,
            number_distance,
        }
    }

    /// The most similar street in the query's scope with a similarity of at least
    /// `threshold`, ties broken by the smaller name, then the smaller street index.
    fn fuzzy_street(&self, key: &str, query: &Query<'_>, threshold: f64) -> Option<(u32, f64)> {
        if threshold > 1.0 {
            return None;
        }
        let scope: Option<&Vec<u32>> = (!query.postcode.is_empty())
            .then(|| self.by_postcode.get(query.postcode))
            .flatten()
            .or_else(|| {
                (!query.municipality.is_empty())
                    .then(|| self.by_municipality.get(query.municipality))
                    .flatten()
            });
        let query_sketch = Sketch::new(key);
        let mut best: Option<(u32, f64)> = None;
        let mut consider = |id: u32| {
            let s = &self.streets[id as usize];
            if !query.municipality_fits(&s.municipality) {
                return;
            }
            let floor = best.map_or(threshold, |(_, b)| b.max(threshold));
            if query_sketch.jaro_winkler_bound(&self.sketches[id as usize]) < floor {
                return;
            }
            let score = jaro_winkler(key, &s.key);
            if score < threshold {
                return;
            }
            let better = match best {
                None => true,
                Some((b, bs)) => {
                    score > bs || (score == bs && s.key < self.streets[b as usize].key)
                }
            };
            if better {
                best = Some((id, score));
            }
        };
        match scope {
            Some(ids) => ids.iter().copied().for_each(&mut consider),
            None => (0..self.streets.len() as u32).for_each(&mut consider),
        }
        best
    }
}

/// The parts of an address used for the look-ups, trimmed.
struct Query<'a> {
    municipality: &'a str,
    postcode: &'a str,
    number: Option<HouseNumber>,
}

impl Query<'_> {
    fn municipality_fits(&self, municipality: &str) -> bool {
        self.municipality.is_empty() || municipality.is_empty() || municipality == self.municipality
    }
}

/// `strsim::jaro_winkler`, computed on bytes without allocation for ASCII names of at most
/// 64 bytes (bit-identical to strsim there: same matching order, same formula), else strsim.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii() && x.len() <= 64 && y.len() <= 64) {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let range = (x.len().max(y.len()) / 2).saturating_sub(1);
    let (mut x_flags, mut y_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in x.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = y.len().min(i + range + 1);
        for (j, &d) in y.iter().enumerate().take(hi).skip(lo) {
            if d == c && y_flags & (1 << j) == 0 {
                x_flags |= 1 << i;
                y_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &c) in x.iter().enumerate() {
        if x_flags & (1 << i) == 0 {
            continue;
        }
        while y_flags & (1 << j) == 0 {
            j += 1;
        }
        if y[j] != c {
            transpositions += 1;
        }
        j += 1;
    }
    transpositions /= 2;
    let m = matches as f64;
    let sim =
        ((m / x.len() as f64) + (m / y.len() as f64) + ((matches - transpositions) as f64 / m))
            / 3.0;
    if sim > 0.7 {
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// What the fuzzy prefilter knows of a normalized name: its byte counts in 32 bins
/// (letters, digits, the rest), its length and its first 4 bytes. `len == 0` marks a name
/// that is empty, not ASCII or longer than 255 bytes: no bound is computed for it.
#[derive(Debug, Clone, Copy)]
struct Sketch {
    histogram: [u8; 32],
    len: u8,
    prefix: [u8; 4],
}

impl Sketch {
    fn new(key: &str) -> Self {
        let mut sketch = Self {
            histogram: [0; 32],
            len: 0,
            prefix: [0; 4],
        };
        let Ok(len) = u8::try_from(key.len()) else {
            return sketch;
        };
        if !key.is_ascii() {
            return sketch;
        }
        sketch.len = len;
        for (i, b) in key.bytes().enumerate() {
            let bin = match b {
                b'a'..=b'z' => (b - b'a') as usize,
                b'0'..=b'9' => 26,
                _ => 27 + (b % 5) as usize,
            };
            // at most 255 bytes: no overflow
            sketch.histogram[bin] += 1;
            if i < 4 {
                sketch.prefix[i] = b;
            }
        }
        sketch
    }

    /// An upper bound of `strsim::jaro_winkler` of the two names: the matching characters
    /// `m` are at most the common characters `c` (sum of the bin-wise minima), so Jaro ≤
    /// `(c/|a| + c/|b| + 1) / 3`, and the Winkler boost adds at most `0.1·l·(1 − Jaro)` for
    /// the common prefix length `l ≤ 4`. 1 when either name has no sketch.
    fn jaro_winkler_bound(&self, other: &Self) -> f64 {
        if self.len == 0 || other.len == 0 {
            return 1.0;
        }
        // Each minimum is at most the shorter length (≤ 255), and so is their sum.
        let common = self
            .histogram
            .iter()
            .zip(&other.histogram)
            .fold(0u8, |sum, (a, b)| sum.wrapping_add(*a.min(b)));
        if common == 0 {
            return 0.0;
        }
        let c = f64::from(common);
        let jaro = ((c / f64::from(self.len) + c / f64::from(other.len) + 1.0) / 3.0).min(1.0);
        let max_prefix = usize::from(self.len.min(other.len)).min(4);
        let prefix = self.prefix[..max_prefix]
            .iter()
            .zip(&other.prefix)
            .take_while(|(a, b)| a == b)
            .count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaro_winkler_equals_strsim() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "hauptstr",
            "hauptsrt",
            "haupstr",
            "bergstr",
            "burgstr",
            "bornstr",
            "aachenerstr",
            "aachnerstr",
            "martha",
            "marhta",
            "dixon",
            "dicksonx",
            "kettwigerstr",
            "kettwiegerstr",
            "sanktannental",
            "muellerstr",
            "müllerstr",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abababababababababababababababababababababababababababababababab",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    jaro_winkler(a, b).to_bits(),
                    strsim::jaro_winkler(a, b).to_bits(),
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn bound_is_an_upper_bound() {
        let words = [
            "hauptstr",
            "hauptsrt",
            "haupstr",
            "bergstr",
            "burgstr",
            "aufmboegel",
            "a",
            "ab",
            "ba",
            "frankfurterstr",
            "frankfurtstr",
            "xyz",
            "sanktannental",
            "annental",
        ];
        for a in words {
            for b in words {
                let exact = strsim::jaro_winkler(a, b);
                let bound = Sketch::new(a).jaro_winkler_bound(&Sketch::new(b));
                assert!(bound >= exact - 1e-12, "{a} {b}");
            }
        }
    }
}
