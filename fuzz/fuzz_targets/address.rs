//! The address normalizer and matcher on arbitrary strings, against a small real-looking
//! table: never a panic, a match is one of the table's points.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use quartier::{Address, AddressTable, GeocodeOptions, HouseCoordinate};

fn table() -> &'static AddressTable {
    static TABLE: OnceLock<AddressTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let streets = [
            "Hauptstraße",
            "Frankfurter Str.",
            "Karl-Marx-Straße",
            "Am Mühlenbach",
            "St.Annental",
            "Große Kirchgasse",
        ];
        let mut entries = Vec::new();
        for (s, street) in streets.iter().enumerate() {
            for n in 1..=20u32 {
                entries.push(HouseCoordinate {
                    municipality: "05113000".into(),
                    postcode: format!("4510{}", s % 3),
                    street: (*street).into(),
                    number: n.to_string(),
                    suffix: if n % 5 == 0 {
                        "a".into()
                    } else {
                        String::new()
                    },
                    x: 360_000.0 + f64::from(n),
                    y: 5_700_000.0 + s as f64,
                });
            }
        }
        AddressTable::new(entries)
    })
}

fuzz_target!(|input: (&str, &str, &str, &str)| {
    let (municipality, postcode, street, house_number) = input;
    let _ = quartier::normalize_street(street);
    let _ = quartier::HouseNumber::parse(house_number);
    let address = Address {
        municipality: municipality.into(),
        postcode: postcode.into(),
        street: street.into(),
        house_number: house_number.into(),
    };
    let m = table().geocode(&address, &GeocodeOptions::default());
    if m.stage.is_matched() {
        assert!(
            table().entries().iter().any(|e| e.x == m.x && e.y == m.y),
            "a match is a point of the table"
        );
    } else {
        assert!(m.x.is_nan() && m.y.is_nan());
    }
});
