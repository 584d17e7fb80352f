//! Geocoding throughput on the real Essen house-coordinate table (102,977 usable points of
//! `../shared/data/essen-hauskoordinaten-2022/`) with 200,000 query addresses.
//!
//! The queries are a seeded deterministic mix drawn from the table's numbered entries:
//! 40 % exact, 25 % normalized spellings (`Straße` for `Str.`, lowercase, `12 a`), 10 % a
//! number not in the table (nearest number or none), 15 % a street with one letter dropped
//! or doubled (fuzzy), 10 % an unknown street (a full fuzzy scan, then unmatched). The mix
//! printed on stderr is the stage count of one run. Table building is timed apart.
//! Run with `cargo bench -p quartier-benches --bench geocode`.
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quartier::{
    Address, AddressTable, GeocodeOptions, GeocodeSummary, HouseCoordinate, HouseCoordinateColumns,
    read_house_coordinates,
};

/// Number of query addresses.
const N: usize = 200_000;

fn essen() -> Vec<HouseCoordinate> {
    let dir = std::env::var_os("QUARTIER_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
        PathBuf::from,
    );
    let path = dir.join("essen-hauskoordinaten-2022/hauskoordinaten_essen_2022-10-05.csv");
    read_house_coordinates(&path, &HouseCoordinateColumns::essen())
        .unwrap_or_else(|e| panic!("{e}"))
        .entries
}

/// splitmix64.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn queries(entries: &[HouseCoordinate], n: usize, seed: u64) -> Vec<Address> {
    let numbered: Vec<&HouseCoordinate> = entries.iter().filter(|e| !e.number.is_empty()).collect();
    let mut s = seed;
    let at = |street: String, house_number: String| Address {
        street,
        house_number,
        ..Address::default()
    };
    (0..n)
        .map(|_| {
            let e = numbered[(next(&mut s) % numbered.len() as u64) as usize];
            let number = format!("{}{}", e.number, e.suffix);
            match next(&mut s) % 100 {
                0..40 => at(e.street.clone(), number),
                40..65 => at(
                    e.street
                        .replace("Str.", "Straße")
                        .replace("str.", "straße")
                        .to_lowercase(),
                    format!("{} {}", e.number, e.suffix.to_lowercase()),
                ),
                65..75 => at(e.street.clone(), format!("{}", 1 + next(&mut s) % 150)),
                75..90 => {
                    let mut chars: Vec<char> = e.street.chars().collect();
                    if chars.len() > 5 {
                        let i = 2 + (next(&mut s) as usize) % (chars.len() - 4);
                        if next(&mut s) % 2 == 0 {
                            chars.remove(i);
                        } else {
                            chars.insert(i, chars[i]);
                        }
                    }
                    at(chars.into_iter().collect(), number)
                }
                _ => at(
                    format!("Unbekannte {} Gasse", next(&mut s) % 10_000),
                    "3".into(),
                ),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let entries = essen();
    let table = AddressTable::new(entries.clone());
    let addresses = queries(table.entries(), N, 42);
    let opts = GeocodeOptions::default();
    let summary = GeocodeSummary::from_matches(&table.geocode_all(&addresses, &opts));
    eprintln!(
        "table: {} entries, {} streets; mix: {summary:?}",
        table.entries().len(),
        table.street_count(),
    );

    let mut group = c.benchmark_group("geocode_essen");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("build_table", |b| {
        b.iter(|| AddressTable::new(black_box(entries.clone())))
    });
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("geocode_all_200k", |b| {
        b.iter(|| table.geocode_all(black_box(&addresses), &opts))
    });
    group.bench_function("geocode_sequential_200k", |b| {
        b.iter(|| {
            addresses
                .iter()
                .map(|a| table.geocode(black_box(a), &opts))
                .filter(|m| m.stage.is_matched())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
