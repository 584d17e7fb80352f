//! Geocoding against the real official house coordinates of Essen (102,981 address points,
//! `../shared/data/essen-hauskoordinaten-2022/`, see its SOURCE.md), plus small fixtures in
//! the official HK-DE layout and in Windows-1252 written by the tests themselves.
//!
//! The expected coordinate of every case comes from an independent plain parse of the Essen
//! CSV (split on `,`, easting minus the zone prefix 32 000 000), not from the reader under
//! test. The data lives beside the project in `../shared/data` (or `$QUARTIER_SHARED_DATA`);
//! a missing file is a failure, not a skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use quartier::{
    Address, AddressTable, CsvColumn, GeocodeOptions, GeocodeSummary, HeaderRow, HouseCoordinate,
    HouseCoordinateColumns, HouseCoordinateFile, IoError, MatchStage, SkipReason, UnmatchedReason,
    UnmatchedRow, read_house_coordinates, read_house_coordinates_bytes, write_unmatched_csv,
};

fn data_dir() -> PathBuf {
    std::env::var_os("QUARTIER_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn essen_path() -> PathBuf {
    data_dir().join("essen-hauskoordinaten-2022/hauskoordinaten_essen_2022-10-05.csv")
}

fn essen_file() -> &'static HouseCoordinateFile {
    static FILE: OnceLock<HouseCoordinateFile> = OnceLock::new();
    FILE.get_or_init(|| {
        read_house_coordinates(&essen_path(), &HouseCoordinateColumns::essen())
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn essen() -> &'static AddressTable {
    static TABLE: OnceLock<AddressTable> = OnceLock::new();
    TABLE.get_or_init(|| AddressTable::new(essen_file().entries.clone()))
}

/// (street, number, suffix) → (x in EPSG:25832, y).
type Oracle = HashMap<(String, String, String), (f64, f64)>;

/// The oracle: the Essen file by a plain parse.
fn oracle() -> &'static Oracle {
    static ORACLE: OnceLock<Oracle> = OnceLock::new();
    ORACLE.get_or_init(|| {
        let text = std::fs::read_to_string(essen_path()).unwrap();
        let mut map = HashMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 9, "{line}");
            let x: f64 = f[7].parse().unwrap();
            let y: f64 = f[8].parse().unwrap();
            map.insert(
                (f[2].to_owned(), f[3].to_owned(), f[4].to_owned()),
                (x - 32_000_000.0, y),
            );
        }
        map
    })
}

fn address(street: &str, number: &str) -> Address {
    Address {
        street: street.into(),
        house_number: number.into(),
        ..Address::default()
    }
}

/// One case: the query, the expected stage and the expected table entry
/// (street, number, suffix as written in the Essen file).
struct Case {
    street: &'static str,
    number: &'static str,
    stage: MatchStage,
    expected: (&'static str, &'static str, &'static str),
}

const fn case(
    street: &'static str,
    number: &'static str,
    stage: MatchStage,
    expected: (&'static str, &'static str, &'static str),
) -> Case {
    Case {
        street,
        number,
        stage,
        expected,
    }
}

use MatchStage::{Exact, FuzzyStreet, NearestNumber, Normalized};

const CASES: &[Case] = &[
    // Exact: equal after trimming, suffix glued to the number as in `12A`.
    case("Aachener Str.", "2", Exact, ("Aachener Str.", "2", "")),
    case("Gaußstr.", "2A", Exact, ("Gaußstr.", "2", "A")),
    case("Auf'm Bögel", "4C", Exact, ("Auf'm Bögel", "4", "C")),
    case("  Hauptstr. ", " 12B ", Exact, ("Hauptstr.", "12", "B")),
    case("Ägidiusstr.", "94", Exact, ("Ägidiusstr.", "94", "")),
    case("St.Annental", "105", Exact, ("St.Annental", "105", "")),
    case(
        "Joseph-Lenné-Str.",
        "7",
        Exact,
        ("Joseph-Lenné-Str.", "7", ""),
    ),
    // Normalized: Straße/Strasse/Str, case, ß, umlauts, hyphens, blanks, suffix spelling.
    case(
        "Aachener Straße",
        "2",
        Normalized,
        ("Aachener Str.", "2", ""),
    ),
    case(
        "aachener strasse",
        "3",
        Normalized,
        ("Aachener Str.", "3", ""),
    ),
    case("AACHENER STR", "4", Normalized, ("Aachener Str.", "4", "")),
    case(
        "Aachenerstraße",
        "5",
        Normalized,
        ("Aachener Str.", "5", ""),
    ),
    case(
        "Aachener  Str.",
        "6",
        Normalized,
        ("Aachener Str.", "6", ""),
    ),
    case("Gaussstrasse", "2 a", Normalized, ("Gaußstr.", "2", "A")),
    case("Gaußstraße", "13a", Normalized, ("Gaußstr.", "13", "A")),
    case("Gaußstr.", "15 A", Normalized, ("Gaußstr.", "15", "A")),
    case(
        "Aegidiusstrasse",
        "94",
        Normalized,
        ("Ägidiusstr.", "94", ""),
    ),
    case(
        "Benno-Strauss-Straße",
        "10",
        Normalized,
        ("Benno-Strauß-Str.", "10", ""),
    ),
    case(
        "Benno Strauß Str.",
        "16",
        Normalized,
        ("Benno-Strauß-Str.", "16", ""),
    ),
    case("Grossstrasse", "4", Normalized, ("Großstr.", "4", "")),
    case(
        "Admiral Scheer Straße",
        "14",
        Normalized,
        ("Admiral-Scheer-Str.", "14", ""),
    ),
    case(
        "Alfried Krupp Strasse",
        "21",
        Normalized,
        ("Alfried-Krupp-Str.", "21", ""),
    ),
    case(
        "Sankt Annental",
        "102",
        Normalized,
        ("St.Annental", "102", ""),
    ),
    case(
        "St. Annental",
        "107",
        Normalized,
        ("St.Annental", "107", ""),
    ),
    case(
        "Sankt-Ingbert-Hoehe",
        "16a",
        Normalized,
        ("St.-Ingbert-Höhe", "16", "A"),
    ),
    case(
        "St.-Ingbert-Höhe",
        "16 A",
        Normalized,
        ("St.-Ingbert-Höhe", "16", "A"),
    ),
    case("Aufm Boegel", "13a", Normalized, ("Auf'm Bögel", "13", "A")),
    case(
        "Joseph-Lenne-Strasse",
        "5",
        Normalized,
        ("Joseph-Lenné-Str.", "5", ""),
    ),
    case(
        "Joseph Lenné Str.",
        "9",
        Normalized,
        ("Joseph-Lenné-Str.", "9", ""),
    ),
    case(
        "Rüttenscheider Straße",
        "34 b",
        Normalized,
        ("Rüttenscheider Str.", "34", "B"),
    ),
    case(
        "Ruettenscheider Str.",
        "20-22",
        Normalized,
        ("Rüttenscheider Str.", "20", ""),
    ),
    case(
        "Rüttenscheider Str.",
        "20 - 22",
        Normalized,
        ("Rüttenscheider Str.", "20", ""),
    ),
    case(
        "Kettwiger Straße",
        "29 A",
        Normalized,
        ("Kettwiger Str.", "29", "A"),
    ),
    case("Burgstraße", "7c", Normalized, ("Burgstr.", "7", "C")),
    case("Bergstrasse", "7", Normalized, ("Bergstr.", "7", "")),
    case("Hauptstrasse", "21 b", Normalized, ("Hauptstr.", "21", "B")),
    case(
        "Karl Meyer Straße",
        "7b",
        Normalized,
        ("Karl-Meyer-Str.", "7", "B"),
    ),
    // Nearest number on the same street: same side (parity) first, then distance, then the
    // lower number, then the smaller suffix; another suffix of the same number is distance 0.
    case("Hauptstr.", "21", NearestNumber, ("Hauptstr.", "21", "A")),
    case(
        "Auf'm Bögel",
        "4-6",
        NearestNumber,
        ("Auf'm Bögel", "4", "A"),
    ),
    case(
        "Frankfurter Straße",
        "14/1",
        NearestNumber,
        ("Frankfurter Str.", "14", ""),
    ),
    case(
        "Aachener Str.",
        "9",
        NearestNumber,
        ("Aachener Str.", "7", ""),
    ),
    case(
        "Aachener Str.",
        "11",
        NearestNumber,
        ("Aachener Str.", "13", ""),
    ),
    case(
        "Frankfurter Straße",
        "9",
        NearestNumber,
        ("Frankfurter Str.", "7", ""),
    ),
    case(
        "Frankfurter Str.",
        "12",
        NearestNumber,
        ("Frankfurter Str.", "10", ""),
    ),
    case(
        "Gemarkenstr.",
        "3",
        NearestNumber,
        ("Gemarkenstr.", "1", ""),
    ),
    case(
        "Huyssenallee",
        "20",
        NearestNumber,
        ("Huyssenallee", "30", ""),
    ),
    case(
        "Huyssenallee",
        "19",
        NearestNumber,
        ("Huyssenallee", "15", ""),
    ),
    case(
        "Admiral-Scheer-Str.",
        "24",
        NearestNumber,
        ("Admiral-Scheer-Str.", "18", ""),
    ),
    case(
        "Admiral-Scheer-Str.",
        "13",
        NearestNumber,
        ("Admiral-Scheer-Str.", "12", ""),
    ),
    // Fuzzy street names (typos), then the number as above.
    case("Aachner Str.", "2", FuzzyStreet, ("Aachener Str.", "2", "")),
    case(
        "Altenesener Straße",
        "5",
        FuzzyStreet,
        ("Altenessener Str.", "5", ""),
    ),
    case(
        "Rütenscheider Str.",
        "20",
        FuzzyStreet,
        ("Rüttenscheider Str.", "20", ""),
    ),
    case(
        "Kettwieger Str.",
        "5",
        FuzzyStreet,
        ("Kettwiger Str.", "5", ""),
    ),
    case(
        "Gemarkenstrase",
        "9",
        FuzzyStreet,
        ("Gemarkenstr.", "9", ""),
    ),
    case(
        "Bochumer Strase",
        "12",
        FuzzyStreet,
        ("Bochumer Str.", "12", ""),
    ),
    case("Aachner Str.", "9", FuzzyStreet, ("Aachener Str.", "7", "")),
];

#[test]
fn tricky_german_addresses_against_the_essen_table() {
    let table = essen();
    let opts = GeocodeOptions::default();
    assert!(CASES.len() >= 40);
    let mut failures = Vec::new();
    for c in CASES {
        let m = table.geocode(&address(c.street, c.number), &opts);
        let (s, n, z) = c.expected;
        let want = oracle()[&(s.to_owned(), n.to_owned(), z.to_owned())];
        if m.stage != c.stage || m.x != want.0 || m.y != want.1 {
            failures.push(format!(
                "{:?} {:?}: got {:?} at ({}, {}), want {:?} at {want:?} ({s} {n}{z})",
                c.street, c.number, m.stage, m.x, m.y, c.stage
            ));
        }
        if matches!(c.stage, Exact | Normalized | NearestNumber) {
            assert_eq!(m.score, 1.0, "{} {}", c.street, c.number);
        } else {
            assert!(m.score >= opts.fuzzy_threshold && m.score < 1.0);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn number_distance_is_reported() {
    let opts = GeocodeOptions::default();
    let m = essen().geocode(&address("Huyssenallee", "20"), &opts);
    assert_eq!((m.stage, m.number_distance), (NearestNumber, 10));
    let m = essen().geocode(&address("Aachner Str.", "9"), &opts);
    assert_eq!((m.stage, m.number_distance), (FuzzyStreet, 2));
    let m = essen().geocode(&address("Hauptstr.", "21"), &opts);
    assert_eq!(m.number_distance, 0);
}

#[test]
fn unmatched_reasons() {
    use UnmatchedReason::*;
    let table = essen();
    let opts = GeocodeOptions::default();
    let cases = [
        ("Nirgendwostraße", "1", UnknownStreet),
        // the placeholder rows of the table are skipped, not matchable
        ("### Straßenname unbekannt", "21", UnknownStreet),
        ("Zyklopenweg", "7", UnknownStreet),
        ("Aachener Str.", "999", NoHouseNumber),
        // a street whose only table points have no house number
        ("Akstr.", "1", NoHouseNumber),
        ("Aachener Str.", "", MissingHouseNumber),
        ("Aachener Str.", "o. Nr.", MissingHouseNumber),
        ("", "", EmptyAddress),
        ("  ", " ", EmptyAddress),
        ("", "5", MissingStreet),
        ("...", "5", UnknownStreet),
    ];
    for (street, number, reason) in cases {
        let m = table.geocode(&address(street, number), &opts);
        assert_eq!(
            m.stage,
            MatchStage::Unmatched(reason),
            "{street:?} {number:?}"
        );
        assert!(m.x.is_nan() && m.y.is_nan() && m.score == 0.0);
        assert!(!m.stage.is_matched());
    }
    // Without the nearest-number fallback, a missing number is unmatched.
    let strict = GeocodeOptions {
        nearest_number: false,
        ..GeocodeOptions::default()
    };
    let m = table.geocode(&address("Aachener Str.", "9"), &strict);
    assert_eq!(m.stage, MatchStage::Unmatched(NoHouseNumber));
    // Huyssenallee 20 → 30 is at distance 10: outside a range of 9.
    let narrow = GeocodeOptions {
        max_number_distance: 9,
        ..GeocodeOptions::default()
    };
    let m = table.geocode(&address("Huyssenallee", "20"), &narrow);
    assert_eq!(m.stage, NearestNumber);
    assert_eq!(
        m.number_distance, 5,
        "falls back to the other side (15 or 25)"
    );
    // Fuzzy stage switched off.
    let no_fuzzy = GeocodeOptions {
        fuzzy_threshold: 1.1,
        ..GeocodeOptions::default()
    };
    let m = table.geocode(&address("Aachner Str.", "2"), &no_fuzzy);
    assert_eq!(m.stage, MatchStage::Unmatched(UnknownStreet));

    let summary = GeocodeSummary::from_matches(&table.geocode_all(
        &cases.map(|(s, n, _)| address(s, n)),
        &GeocodeOptions::default(),
    ));
    assert_eq!(summary.total, cases.len());
    assert_eq!(summary.unmatched, cases.len());
    assert_eq!(summary.unmatched_by_reason["unknown_street"], 4);
    assert_eq!(summary.unmatched_by_reason["no_house_number"], 2);
    assert_eq!(summary.unmatched_by_reason["empty_address"], 2);
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["unmatched_by_reason"]["missing_street"], 1);
}

#[test]
fn the_whole_essen_file_is_accounted_for() {
    let file = essen_file();
    // Independent count of the data rows.
    let text = std::fs::read_to_string(essen_path()).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 102_981);
    assert_eq!(file.entries.len() + file.skipped.len(), 102_981);
    // The 4 placeholder street rows are skipped, with their lines; nothing else is.
    assert_eq!(
        file.skipped_by_reason().into_iter().collect::<Vec<_>>(),
        [(SkipReason::PlaceholderStreet, 4)]
    );
    let lines: Vec<u64> = file.skipped.iter().map(|s| s.line).collect();
    assert_eq!(lines, [2, 3, 4, 5]);
    // The 3,397 rows without house number: one is a skipped placeholder (line 2), the others
    // are entries without number.
    let without_number = rows.iter().filter(|r| r[3].is_empty()).count();
    assert_eq!(without_number, 3_397);
    assert!(rows[0][3].is_empty());
    let entries_without = file.entries.iter().filter(|e| e.number.is_empty()).count();
    assert_eq!(entries_without, 3_396);
    assert_eq!(
        file.entries.iter().filter(|e| !e.suffix.is_empty()).count(),
        9_597
    );
    assert_eq!(file.zones, [32]);
    // EPSG:25832 coordinates inside the city.
    for e in &file.entries {
        assert!((350_000.0..375_000.0).contains(&e.x), "{e:?}");
        assert!((5_685_000.0..5_715_000.0).contains(&e.y), "{e:?}");
    }
    // Against pyproj: the file's own WGS84 lon/lat transformed to EPSG:25832
    // (`Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)`), objectids 6,
    // 50001 and 102981; the largest difference over all rows is 6.6 mm.
    let by_id = |id: usize| &file.entries[id - 1 - 4];
    for (id, x, y) in [
        (6, 359_252.045, 5_701_464.012),
        (50_001, 358_819.196, 5_704_346.414),
        (102_981, 362_083.134, 5_702_375.073),
    ] {
        let e = by_id(id);
        assert!(
            (e.x - x).abs() < 0.01 && (e.y - y).abs() < 0.01,
            "{id}: {e:?}"
        );
    }
    assert_eq!(by_id(6).street, "Aachener Str.");
    assert_eq!(by_id(102_981).street, "Zwölfling");
    assert_eq!(essen().entries().len(), file.entries.len());
}

/// A deterministic query mix over the table: exact, normalized spellings, other numbers,
/// typos, unknown streets.
fn query_mix(entries: &[HouseCoordinate], n: usize) -> Vec<Address> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let e = &entries[(next() % entries.len() as u64) as usize];
            let number = format!("{}{}", e.number, e.suffix);
            match next() % 5 {
                0 => address(&e.street, &number),
                1 => address(
                    &e.street.replace("Str.", "Straße").to_lowercase(),
                    &format!("{} {}", e.number, e.suffix.to_lowercase()),
                ),
                2 => address(&e.street, &format!("{}", next() % 200)),
                3 => {
                    let mut s: Vec<char> = e.street.chars().collect();
                    if s.len() > 4 {
                        s.remove(2 + (next() as usize % (s.len() - 3)));
                    }
                    address(&s.into_iter().collect::<String>(), &number)
                }
                _ => address(&format!("Unbekannte {} Gasse", next() % 1000), "3"),
            }
        })
        .collect()
}

#[test]
fn same_table_same_result_also_shuffled_and_in_parallel() {
    let opts = GeocodeOptions::default();
    let entries = &essen_file().entries;
    let queries = query_mix(entries, 4_000);
    let first = essen().geocode_all(&queries, &opts);
    let again = essen().geocode_all(&queries, &opts);
    // A table from the entries in another order (a seeded Fisher–Yates shuffle).
    let mut shuffled = entries.clone();
    let mut state = 12_345u64;
    for i in (1..shuffled.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        shuffled.swap(i, (state >> 33) as usize % (i + 1));
    }
    assert_ne!(&shuffled[..10], &entries[..10]);
    let other = AddressTable::new(shuffled).geocode_all(&queries, &opts);
    let sequential: Vec<_> = queries.iter().map(|q| essen().geocode(q, &opts)).collect();
    let key = |m: &quartier::GeoMatch| {
        (
            m.stage,
            m.x.to_bits(),
            m.y.to_bits(),
            m.score.to_bits(),
            m.number_distance,
        )
    };
    for (i, m) in first.iter().enumerate() {
        assert_eq!(key(m), key(&again[i]), "query {i}");
        assert_eq!(key(m), key(&other[i]), "query {i}");
        assert_eq!(key(m), key(&sequential[i]), "query {i}");
    }
    // The mix reaches every stage.
    let s = GeocodeSummary::from_matches(&first);
    assert!(
        s.exact > 0 && s.normalized > 0 && s.nearest_number > 0,
        "{s:?}"
    );
    assert!(s.fuzzy_street > 0 && s.unmatched > 0, "{s:?}");
}

/// A table of two municipalities, each with a `Hauptstraße`, and postcodes.
fn two_towns() -> AddressTable {
    let e =
        |municipality: &str, postcode: &str, street: &str, number: &str, x: f64| HouseCoordinate {
            municipality: municipality.into(),
            postcode: postcode.into(),
            street: street.into(),
            number: number.into(),
            suffix: String::new(),
            x,
            y: 5_800_000.0,
        };
    AddressTable::new(vec![
        e("05758012", "32130", "Hauptstraße", "1", 1.0),
        e("05758012", "32130", "Hauptstraße", "3", 3.0),
        e("05758012", "32130", "Bahnhofstraße", "1", 11.0),
        e("05758004", "32049", "Hauptstr.", "1", 101.0),
        e("05758004", "32049", "Hauptstr.", "5", 105.0),
        e("05758004", "32051", "Hauptstr.", "3", 103.0),
        e("05758004", "32049", "Bahnhofstr.", "1", 111.0),
    ])
}

#[test]
fn municipality_and_postcode_decide_between_equal_street_names() {
    let table = two_towns();
    let opts = GeocodeOptions::default();
    let at = |municipality: &str, postcode: &str, street: &str, number: &str| Address {
        municipality: municipality.into(),
        postcode: postcode.into(),
        street: street.into(),
        house_number: number.into(),
    };
    let m = table.geocode(&at("", "", "Hauptstrasse", "1"), &opts);
    assert_eq!(
        m.stage,
        MatchStage::Unmatched(UnmatchedReason::AmbiguousStreet)
    );
    // An exact spelling that exists in one town only does not bypass the ambiguity.
    let m = table.geocode(&at("", "", "Hauptstraße", "1"), &opts);
    assert_eq!(
        m.stage,
        MatchStage::Unmatched(UnmatchedReason::AmbiguousStreet)
    );
    let m = table.geocode(&at("05758004", "", "Hauptstraße", "1"), &opts);
    assert_eq!((m.stage, m.x), (Normalized, 101.0));
    let m = table.geocode(&at("", "32130", "Hauptstr.", "1"), &opts);
    assert_eq!((m.stage, m.x), (Normalized, 1.0));
    let m = table.geocode(&at("05758012", "", "Hauptstraße", "1"), &opts);
    assert_eq!((m.stage, m.x), (Exact, 1.0));
    // A wrong postcode is a preference, not a filter.
    let m = table.geocode(&at("05758004", "99999", "Hauptstr.", "5"), &opts);
    assert_eq!((m.stage, m.x), (Exact, 105.0));
    // Nearest number: 4 → 3 (PLZ 32051) and 5 (PLZ 32049) are both at distance 1 on the
    // other side: the address's postcode decides before the lower number.
    let m = table.geocode(&at("05758004", "32049", "Hauptstr.", "4"), &opts);
    assert_eq!((m.stage, m.x), (NearestNumber, 105.0));
    let m = table.geocode(&at("05758004", "", "Hauptstr.", "4"), &opts);
    assert_eq!((m.stage, m.x), (NearestNumber, 103.0));
    // Fuzzy search stays within the postcode's streets.
    let m = table.geocode(&at("", "32049", "Bahnhofstrase", "1"), &opts);
    assert_eq!((m.stage, m.x), (FuzzyStreet, 111.0));
    let m = table.geocode(&at("", "32130", "Bahnhofstrase", "1"), &opts);
    assert_eq!((m.stage, m.x), (FuzzyStreet, 11.0));
    // A municipality key that is not in the table matches nothing.
    let m = table.geocode(&at("01001000", "", "Hauptstr.", "1"), &opts);
    assert_eq!(
        m.stage,
        MatchStage::Unmatched(UnmatchedReason::UnknownStreet)
    );
}

/// HK-DE as delivered: `;`, decimal comma, zone-prefixed eastings, a header row with the
/// official field names, Windows-1252 (Latin-1) text; one row without coordinate, one short
/// row, one without street, one with the zone missing.
#[test]
fn hk_de_layout_in_windows_1252_with_header() {
    let text = "NBA;OI;QUA;LAN;RBZ;KRS;GMD;OTT;SSS;HNR;ADZ;EEEEEEEE_EEE;NNNNNNN_NNN;STN;PLZ;ONM;ZON;POT;PSN;AND\r\n\
        N;DENW000000000001;A;05;1;13;000;0001;00001;12;a;32362105,500;5710920,250;Frankfurter Straße;45127;Essen;;Südviertel;;2022-01-01\r\n\
        N;DENW000000000002;B;05;1;13;000;0001;00002;3;;32362200,000;5710900,000;Müllerstraße;45128;Essen;;;;2022-01-01\r\n\
        N;DENW000000000003;A;05;1;13;000;0001;00002;5;;;5710900,000;Müllerstraße;45128;Essen;;;;2022-01-01\r\n\
        N;DENW000000000004;A;05;1;13\r\n\
        N;DENW000000000005;A;05;1;13;000;0001;00003;7;;32362300,000;5710900,000;;45128;Essen;;;;2022-01-01\r\n\
        N;DENW000000000006;A;05;1;13;000;0001;00003;9;;362300,000;5710900,000;Weg;45128;Essen;;;;2022-01-01\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must not be UTF-8"
    );
    let file = read_house_coordinates_bytes(
        Path::new("hk.txt"),
        &bytes,
        &HouseCoordinateColumns::hk_de(),
    )
    .unwrap();
    assert_eq!(file.entries.len(), 2);
    let e = &file.entries[0];
    assert_eq!(e.municipality, "05113000");
    assert_eq!(e.postcode, "45127");
    assert_eq!(e.street, "Frankfurter Straße");
    assert_eq!((e.number.as_str(), e.suffix.as_str()), ("12", "a"));
    assert_eq!((e.x, e.y), (362_105.5, 5_710_920.25));
    assert_eq!(file.entries[1].street, "Müllerstraße");
    let skipped: Vec<_> = file.skipped.iter().map(|s| (s.line, s.reason)).collect();
    assert_eq!(
        skipped,
        [
            (4, SkipReason::NoCoordinate),
            (5, SkipReason::MissingField),
            (6, SkipReason::NoStreet),
            (7, SkipReason::ZonePrefix),
        ]
    );
    assert_eq!(file.zones, [32]);

    let table = AddressTable::new(file.entries);
    let a = Address {
        municipality: "05113000".into(),
        postcode: "45128".into(),
        street: "Muellerstr.".into(),
        house_number: "3".into(),
    };
    let m = table.geocode(&a, &GeocodeOptions::default());
    assert_eq!((m.stage, m.x, m.y), (Normalized, 362_200.0, 5_710_900.0));
}

/// HK-DE without header row, UTF-8 with BOM, zone 33 (Berlin).
#[test]
fn hk_de_layout_without_header_utf8_bom() {
    let text = "\u{feff};DEBE000000000001;A;11;0;00;000;0402;00001;1;;33385802,013;5816000,099;Aachener Straße;10713;Berlin;;;\n\
        ;DEBE000000000002;A;11;0;00;000;0402;00002;2;b;33385900,000;5816100,000;Weißenseer Weg;13055;Berlin;;;\n";
    let file = read_house_coordinates_bytes(
        Path::new("hk.txt"),
        text.as_bytes(),
        &HouseCoordinateColumns::hk_de(),
    )
    .unwrap();
    assert!(file.skipped.is_empty());
    assert_eq!(file.entries.len(), 2);
    assert_eq!(file.entries[0].municipality, "11000000");
    assert!((file.entries[0].x - 385_802.013).abs() < 1e-6);
    assert_eq!(file.entries[1].street, "Weißenseer Weg");
    assert_eq!(file.zones, [33]);
}

/// A municipal export in Windows-1252 with `;`, decimal comma and own column names.
#[test]
fn custom_columns_windows_1252_decimal_comma() {
    let text = "Straße;Hausnr;Zusatz;Rechtswert;Hochwert\n\
        Kölner Straße;4;b;362105,5;5710920,25\n\
        \"Am Bügel; Süd\";7;;362000;5710000\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let columns = HouseCoordinateColumns::new("Straße", "Hausnr", "Rechtswert", "Hochwert")
        .with_suffix("Zusatz");
    let file = read_house_coordinates_bytes(Path::new("k.csv"), &bytes, &columns).unwrap();
    assert_eq!(file.entries.len(), 2);
    assert_eq!(file.entries[0].street, "Kölner Straße");
    assert_eq!(
        (file.entries[0].x, file.entries[0].y),
        (362_105.5, 5_710_920.25)
    );
    assert_eq!(file.entries[1].street, "Am Bügel; Süd");
    assert!(file.zones.is_empty());

    // Positions without header, tab-separated.
    let columns = HouseCoordinateColumns {
        header: HeaderRow::Absent,
        ..HouseCoordinateColumns::new(0, 1, 2, 3)
    };
    let file =
        read_house_coordinates_bytes(Path::new("t.tsv"), b"Ringstr.\t1\t1.5\t2.5\n", &columns)
            .unwrap();
    assert_eq!((file.entries[0].x, file.entries[0].y), (1.5, 2.5));

    // A missing named column is an error naming the column.
    let columns = HouseCoordinateColumns::new("strasse", "Hausnr", "Rechtswert", "Hochwert");
    let err = read_house_coordinates_bytes(Path::new("k.csv"), &bytes, &columns).unwrap_err();
    assert!(err.to_string().contains("`strasse`"), "{err}");
    // A name with `HeaderRow::Absent` cannot be resolved.
    let columns = HouseCoordinateColumns {
        header: HeaderRow::Absent,
        street: CsvColumn::Name("Straße".into()),
        ..HouseCoordinateColumns::new(0, 1, 2, 3)
    };
    assert!(read_house_coordinates_bytes(Path::new("t.tsv"), b"a\t1\t1\t2\n", &columns).is_err());
}

#[test]
fn unmatched_list_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unmatched.csv");
    let a = Address {
        municipality: "05113000".into(),
        postcode: "45127".into(),
        street: "Weg, mit Komma".into(),
        house_number: "1".into(),
    };
    let rows = [UnmatchedRow {
        line: 17,
        address: &a,
        reason: UnmatchedReason::UnknownStreet,
    }];
    write_unmatched_csv(&path, &rows).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "line,municipality,postcode,street,house_number,reason\n\
         17,05113000,45127,\"Weg, mit Komma\",1,unknown_street\n"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let err = write_unmatched_csv(&dir.path().join("missing/u.csv"), &rows).unwrap_err();
    assert!(matches!(err, IoError::File { .. }));
}

/// Canary: no `Debug` or error output of the geocoding API prints an address or a matched
/// position.
#[test]
fn no_debug_or_error_leaks_an_address() {
    const STREET: &str = "Kanarienvogelgasse";
    const NUMBER: &str = "4711";
    const POSTCODE: &str = "98765";
    let table = AddressTable::new(vec![HouseCoordinate {
        street: STREET.into(),
        number: NUMBER.into(),
        x: 123_456.789,
        y: 5_432_109.876,
        ..HouseCoordinate::default()
    }]);
    let a = Address {
        municipality: "01234567".into(),
        postcode: POSTCODE.into(),
        street: STREET.into(),
        house_number: NUMBER.into(),
    };
    let opts = GeocodeOptions::default();
    let m = table.geocode(&a, &opts);
    assert!(m.stage.is_matched());
    let unmatched = Address {
        street: "Kanarienweg".into(),
        ..a.clone()
    };
    let u = table.geocode(&unmatched, &opts);
    let row = UnmatchedRow {
        line: 3,
        address: &unmatched,
        reason: UnmatchedReason::UnknownStreet,
    };
    let mut outputs = vec![
        format!("{a:?}"),
        format!("{m:?}"),
        format!("{u:?}"),
        format!("{:?}", [m, u]),
        format!("{row:?}"),
        format!("{table:?}"),
        format!("{:?}", GeocodeSummary::from_matches(&[m, u])),
    ];
    // The reader's report on a broken row holding the canary values.
    let broken = format!("strname,hsnr,x,y\n\"{STREET},{NUMBER},1,2\n");
    let columns = HouseCoordinateColumns::new("strname", "hsnr", "x", "y");
    let file =
        read_house_coordinates_bytes(Path::new("b.csv"), broken.as_bytes(), &columns).unwrap();
    assert_eq!(file.skipped.len(), 1);
    outputs.push(format!("{file:?}"));
    let dir = tempfile::tempdir().unwrap();
    let err = write_unmatched_csv(&dir.path().join("no/such/dir.csv"), &[row]).unwrap_err();
    outputs.push(err.to_string());
    outputs.push(format!("{err:?}"));
    for out in outputs {
        for secret in [
            STREET,
            "Kanarienweg",
            NUMBER,
            POSTCODE,
            "01234567",
            "123456",
            "5432109",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
    }
}
