//! Geocoding: record addresses → positions, by matching against an official house-coordinate
//! table (Hauskoordinaten).
//!
//! `Address` is the contract with the record reader; `normalize` holds the German street and
//! house-number normalization, `table` the indexed table and the staged matcher. Reading the
//! official table is in `io::house_coordinates`.

use std::fmt;

mod normalize;
mod table;

pub use normalize::{HouseNumber, normalize_street};
pub use table::{
    AddressTable, GeoMatch, GeocodeOptions, GeocodeSummary, HouseCoordinate, MatchStage,
    UnmatchedReason,
};

/// A record's address as read from an office's export: personal data.
///
/// `Debug` prints nothing of it; it is not `Serialize`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Municipality key (Gemeindeschlüssel, e.g. `05113000`) or empty when the export has none.
    pub municipality: String,
    /// Postcode (PLZ), or empty when the export has none.
    pub postcode: String,
    /// Street name as written in the export (`Hauptstr.`, `Frankfurter Straße`, ...).
    pub street: String,
    /// House number with any suffix as written (`12`, `12a`, `12 a`, `12-14`, `12/1`).
    pub house_number: String,
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Address(<redacted>)")
    }
}
