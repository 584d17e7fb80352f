//! Official house-coordinate tables (Hauskoordinaten) from CSV, and the office's list of
//! unmatched addresses.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::IoError;
use super::points::{CsvInput, CsvOptions, CsvProblem, csv_error, csv_line, parse_number};
use crate::geocode::{Address, HouseCoordinate, UnmatchedReason};

/// A column of a CSV file: by header name or by 0-based position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CsvColumn {
    /// The column with this header name (compared after trimming); needs a header row.
    Name(String),
    /// The column at this 0-based position, for files with a fixed layout.
    Index(usize),
}

impl From<&str> for CsvColumn {
    fn from(name: &str) -> Self {
        Self::Name(name.to_owned())
    }
}

impl From<String> for CsvColumn {
    fn from(name: String) -> Self {
        Self::Name(name)
    }
}

impl From<usize> for CsvColumn {
    fn from(index: usize) -> Self {
        Self::Index(index)
    }
}

/// Whether the first row of a file is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HeaderRow {
    /// The first row names the columns (required for [`CsvColumn::Name`]).
    #[default]
    Present,
    /// Every row is data; columns must be [`CsvColumn::Index`].
    Absent,
    /// The first row is a header when its x cell is not a number, else data (for layouts
    /// delivered with or without header, such as HK-DE).
    Detect,
}

/// Which columns of a house-coordinate CSV hold what, and how to read them.
///
/// Two presets cover the real layouts: [`essen`](Self::essen) (the open-data table of the
/// city of Essen) and [`hk_de`](Self::hk_de) (the official nationwide format of the
/// Zentrale Stelle Hauskoordinaten und Hausumringe). [`new`](Self::new) and the `with_*`
/// methods map any other table.
///
/// # Examples
///
/// ```
/// use quartier::HouseCoordinateColumns;
///
/// let columns = HouseCoordinateColumns::new("strasse", "hnr", "rechtswert", "hochwert")
///     .with_suffix("zusatz")
///     .with_postcode("plz")
///     .with_municipality(["ags"]);
/// assert!(!columns.strip_zone_prefix);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HouseCoordinateColumns {
    /// Columns whose trimmed cells, concatenated, give the municipality key (HK-DE:
    /// LAN + RBZ + KRS + GMD = the 8-digit Amtlicher Gemeindeschlüssel); empty for none.
    pub municipality: Vec<CsvColumn>,
    /// Postcode column, if any.
    pub postcode: Option<CsvColumn>,
    /// Street name column.
    pub street: CsvColumn,
    /// House number column (the number may also carry its suffix, `12a`).
    pub number: CsvColumn,
    /// Addressing suffix column, if any.
    pub suffix: Option<CsvColumn>,
    /// Easting column.
    pub x: CsvColumn,
    /// Northing column.
    pub y: CsvColumn,
    /// Whether eastings carry the UTM zone number in front (`32362105.5` = zone 32,
    /// easting 362105.5, as in EPSG:4647 and HK-DE): the zone is removed, so the result is
    /// the easting of ETRS89 / UTM zone *n* (EPSG:25832 for zone 32, 25833 for 33). A row
    /// whose easting has no zone 1–60 in front is skipped ([`SkipReason::ZonePrefix`]); the
    /// zones seen are listed in [`HouseCoordinateFile::zones`], so the caller can check that
    /// they fit the project CRS.
    pub strip_zone_prefix: bool,
    /// Whether the first row is a header.
    pub header: HeaderRow,
    /// The CSV dialect (delimiter, encoding, decimal separator); detected by default.
    pub csv: CsvOptions,
}

impl HouseCoordinateColumns {
    /// Columns by header name, no municipality, postcode or suffix, eastings without zone.
    pub fn new(
        street: impl Into<CsvColumn>,
        number: impl Into<CsvColumn>,
        x: impl Into<CsvColumn>,
        y: impl Into<CsvColumn>,
    ) -> Self {
        Self {
            municipality: Vec::new(),
            postcode: None,
            street: street.into(),
            number: number.into(),
            suffix: None,
            x: x.into(),
            y: y.into(),
            strip_zone_prefix: false,
            header: HeaderRow::Present,
            csv: CsvOptions::default(),
        }
    }

    /// Sets the municipality key columns (concatenated in this order).
    pub fn with_municipality<C: Into<CsvColumn>>(
        mut self,
        columns: impl IntoIterator<Item = C>,
    ) -> Self {
        self.municipality = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the postcode column.
    pub fn with_postcode(mut self, column: impl Into<CsvColumn>) -> Self {
        self.postcode = Some(column.into());
        self
    }

    /// Sets the suffix column.
    pub fn with_suffix(mut self, column: impl Into<CsvColumn>) -> Self {
        self.suffix = Some(column.into());
        self
    }

    /// Sets [`strip_zone_prefix`](Self::strip_zone_prefix).
    pub fn with_zone_prefix_stripped(mut self, strip: bool) -> Self {
        self.strip_zone_prefix = strip;
        self
    }

    /// The open-data table of the city of Essen (`hauskoordinaten_essen_*.csv`):
    /// `objectid,strschl,strname,hsnr,hsnrzu,lon,lat,x_epsg4647,y_epsg4647`.
    ///
    /// Street `strname`, number `hsnr`, suffix `hsnrzu`, x `x_epsg4647` and y `y_epsg4647`.
    /// The x values are EPSG:4647 eastings with the zone prefix `32` (`32362105`); it is
    /// stripped, so the coordinates are EPSG:25832 (ETRS89 / UTM 32N). The WGS84 `lon`/`lat`
    /// columns are not used. The table has no postcode and no municipality key.
    pub fn essen() -> Self {
        Self::new("strname", "hsnr", "x_epsg4647", "y_epsg4647")
            .with_suffix("hsnrzu")
            .with_zone_prefix_stripped(true)
    }

    /// The official format „Hauskoordinaten Deutschland“ (HK-DE), as delivered by the
    /// Zentrale Stelle Hauskoordinaten und Hausumringe (ZSHH).
    ///
    /// Layout (AdV, *Datenformatbeschreibung Hauskoordinaten Deutschland (HK-DE)*, version
    /// 4.2 of 2019-07-01; the same field list is published by the Länder, e.g. LGB
    /// Brandenburg, *Formatvorgabe „Hauskoordinaten Deutschland“ der ZSHH*): a text file,
    /// fields separated by `;`, UTF-8 since version 4 (ISO 8859-1 in version 3.1 of 2013;
    /// deliveries in Windows Latin-1 are seen, hence the detected encoding), one address per
    /// line, fields by position:
    ///
    /// | # | field | content |
    /// |---|---|---|
    /// | 0 | `NBA` | record kind: `N` new, `L` to delete, `A` changed (often empty) |
    /// | 1 | `OI` | unique record number, 16 characters (`DEBB…`, `DENW…`) |
    /// | 2 | `QUA` | quality: `A` official number, point in the building outline; `B` official number, point on the parcel; `C` cadastre-internal number |
    /// | 3 | `LAN` | Land key, 2 digits |
    /// | 4 | `RBZ` | Regierungsbezirk key, 1 digit |
    /// | 5 | `KRS` | Kreis key, 2 digits |
    /// | 6 | `GMD` | Gemeinde key, 3 digits |
    /// | 7 | `OTT` | Ortsteil / Gemeindeteil key, 4 digits |
    /// | 8 | `SSS` | street key, 5 characters |
    /// | 9 | `HNR` | house number, digits |
    /// | 10 | `ADZ` | addressing suffix (`a`, `b`, …) |
    /// | 11 | `EEEEEEEE,EEE` | ETRS89/UTM easting with the 2-digit zone in front, decimal comma, 3 decimals |
    /// | 12 | `NNNNNNN,NNN` | ETRS89/UTM northing, decimal comma, 3 decimals |
    /// | 13 | `STN` | street name (unencoded) |
    /// | 14 | `PLZ` | postcode |
    /// | 15 | `ONM` | postal place name |
    /// | 16 | `ZON` | addition to the postal place name |
    /// | 17 | `POT` | postal district (Ortsteil) |
    ///
    /// Newer deliveries append fields (e.g. `PSN` and a date `AND`); they are ignored. The
    /// preset reads by position: municipality = `LAN`+`RBZ`+`KRS`+`GMD` (the 8-digit
    /// Amtlicher Gemeindeschlüssel, e.g. `05113000` for Essen), postcode `PLZ`, street
    /// `STN`, number `HNR`, suffix `ADZ`, x/y the easting (zone stripped, see
    /// [`strip_zone_prefix`](Self::strip_zone_prefix)) and northing. A header row (files
    /// seen start with `NBA;OI;QUA;…;EEEEEEEE_EEE;NNNNNNN_NNN;…`) is detected
    /// ([`HeaderRow::Detect`]). The reader neither filters by `QUA` nor applies `NBA = L`
    /// (change deliveries): read a complete delivery.
    pub fn hk_de() -> Self {
        Self {
            municipality: vec![
                CsvColumn::Index(3),
                CsvColumn::Index(4),
                CsvColumn::Index(5),
                CsvColumn::Index(6),
            ],
            postcode: Some(CsvColumn::Index(14)),
            street: CsvColumn::Index(13),
            number: CsvColumn::Index(9),
            suffix: Some(CsvColumn::Index(10)),
            x: CsvColumn::Index(11),
            y: CsvColumn::Index(12),
            strip_zone_prefix: true,
            header: HeaderRow::Detect,
            csv: CsvOptions {
                delimiter: Some(b';'),
                ..CsvOptions::default()
            },
        }
    }
}

/// Why a row of a house-coordinate table was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// The row has fewer fields than a column it needs.
    MissingField,
    /// The x or y cell is empty, does not parse as a number or is not finite.
    NoCoordinate,
    /// The easting has no UTM zone 1–60 in front although
    /// [`HouseCoordinateColumns::strip_zone_prefix`] is set.
    ZonePrefix,
    /// The street name is empty.
    NoStreet,
    /// The street name is a placeholder starting with `#` (`### Straßenname unbekannt`).
    PlaceholderStreet,
}

impl SkipReason {
    /// The reason's snake_case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::SkipReason::NoCoordinate.as_str(), "no_coordinate");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingField => "missing_field",
            Self::NoCoordinate => "no_coordinate",
            Self::ZonePrefix => "zone_prefix",
            Self::NoStreet => "no_street",
            Self::PlaceholderStreet => "placeholder_street",
        }
    }
}

/// A row of a house-coordinate table that was not used, with its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedRow {
    /// 1-based line number in the file where the row starts.
    pub line: u64,
    /// Why it was not used.
    pub reason: SkipReason,
}

/// A house-coordinate table read from a file: its entries and the rows not used.
///
/// Entries without a house number are kept (they make their street known, see
/// [`AddressTable`](crate::AddressTable)); every other row is either an entry or in
/// [`skipped`](Self::skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseCoordinateFile {
    /// The usable entries, in file order.
    pub entries: Vec<HouseCoordinate>,
    /// The rows not used, in file order.
    pub skipped: Vec<SkippedRow>,
    /// The UTM zones stripped from the eastings, sorted and distinct (empty without
    /// [`HouseCoordinateColumns::strip_zone_prefix`]).
    pub zones: Vec<u8>,
}

impl HouseCoordinateFile {
    /// Number of skipped rows by reason.
    pub fn skipped_by_reason(&self) -> BTreeMap<SkipReason, usize> {
        let mut counts = BTreeMap::new();
        for s in &self.skipped {
            *counts.entry(s.reason).or_default() += 1;
        }
        counts
    }
}

/// Reads an official house-coordinate table from CSV.
///
/// The dialect comes from [`HouseCoordinateColumns::csv`] (by default detected: delimiter
/// `;`, `,` or tab from the first line; UTF-8 with or without BOM when the bytes are valid
/// UTF-8, else Windows-1252; coordinates with a decimal point or a decimal comma). Cells are
/// trimmed. A row is skipped, with its line and a [`SkipReason`], when a needed field is
/// missing, a coordinate does not parse, the zone prefix is wrong, or the street is empty
/// or a `#` placeholder; nothing is dropped silently.
///
/// # Examples
///
/// ```no_run
/// use quartier::{AddressTable, HouseCoordinateColumns, read_house_coordinates};
///
/// let file = read_house_coordinates(
///     "hauskoordinaten_essen_2022-10-05.csv".as_ref(),
///     &HouseCoordinateColumns::essen(),
/// )?;
/// let table = AddressTable::new(file.entries);
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be read; [`IoError::Csv`] when the header is
/// missing (with a named column), a named column is not in it, or the CSV syntax is broken
/// (with the line); also for a UTF-16 file and a line longer than
/// [`MAX_CSV_LINE_BYTES`](crate::MAX_CSV_LINE_BYTES) (with the line; reading stops there).
pub fn read_house_coordinates(
    path: &Path,
    columns: &HouseCoordinateColumns,
) -> Result<HouseCoordinateFile, IoError> {
    let bytes = super::points::read_csv_file(path)?;
    read_house_coordinates_bytes(path, &bytes, columns)
}

/// Resolved column positions.
struct Positions {
    municipality: Vec<usize>,
    postcode: Option<usize>,
    street: usize,
    number: usize,
    suffix: Option<usize>,
    x: usize,
    y: usize,
}

/// [`read_house_coordinates`] on bytes already in memory; `path` is used in error messages
/// only.
///
/// # Examples
///
/// ```
/// use quartier::{HouseCoordinateColumns, SkipReason, read_house_coordinates_bytes};
/// # use std::path::Path;
///
/// let csv = "N;DENW000000000001;A;05;1;13;000;0001;01234;12;a;32362105,5;5710920,25;\
///            Frankfurter Straße;45127;Essen;;\n";
/// let file = read_house_coordinates_bytes(Path::new("hk.txt"), csv.as_bytes(),
///     &HouseCoordinateColumns::hk_de())?;
/// let e = &file.entries[0];
/// assert_eq!((e.municipality.as_str(), e.number.as_str(), e.suffix.as_str()), ("05113000", "12", "a"));
/// assert_eq!((e.x, e.y), (362105.5, 5710920.25));
/// assert_eq!(file.zones, [32]);
/// # Ok::<(), quartier::IoError>(())
/// ```
///
/// # Errors
///
/// As [`read_house_coordinates`].
pub fn read_house_coordinates_bytes(
    path: &Path,
    bytes: &[u8],
    columns: &HouseCoordinateColumns,
) -> Result<HouseCoordinateFile, IoError> {
    let (input, mut reader) = CsvInput::open(path, bytes, &columns.csv)?;
    let resolve = |c: &CsvColumn| match c {
        CsvColumn::Index(i) => Ok(*i),
        CsvColumn::Name(name) => {
            if columns.header == HeaderRow::Present {
                input.column(path, name)
            } else {
                Err(csv_error(
                    path,
                    CsvProblem::MissingColumn {
                        column: name.clone(),
                    },
                ))
            }
        }
    };
    let pos = Positions {
        municipality: columns
            .municipality
            .iter()
            .map(resolve)
            .collect::<Result<_, _>>()?,
        postcode: columns.postcode.as_ref().map(resolve).transpose()?,
        street: resolve(&columns.street)?,
        number: resolve(&columns.number)?,
        suffix: columns.suffix.as_ref().map(resolve).transpose()?,
        x: resolve(&columns.x)?,
        y: resolve(&columns.y)?,
    };
    let mut out = HouseCoordinateFile {
        entries: Vec::new(),
        skipped: Vec::new(),
        zones: Vec::new(),
    };
    let first_is_data = match columns.header {
        HeaderRow::Present => false,
        HeaderRow::Absent => true,
        HeaderRow::Detect => input
            .header
            .get(pos.x)
            .is_some_and(|c| parse_number(c, columns.csv.decimal_comma).is_some()),
    };
    let mut zones = [false; 61];
    if first_is_data {
        let cells: Vec<&str> = input.header.iter().map(String::as_str).collect();
        row(&pos, columns, &cells, 1, &mut out, &mut zones);
    }
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<String> = Vec::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(csv_error(
                    path,
                    CsvProblem::Malformed { line: csv_line(&e) },
                ));
            }
        }
        // The csv crate counts the record's line from 0 here (the header being line 0):
        // the Essen file's first data row is reported as 1, it is line 2 of the file.
        let line = record.position().map_or(0, |p| p.line() + 1);
        cells.clear();
        cells.extend(record.iter().map(|c| {
            input.decode(c).map_or_else(
                || String::from_utf8_lossy(c).into_owned(),
                |s| s.trim().to_owned(),
            )
        }));
        let refs: Vec<&str> = cells.iter().map(|s| s.trim()).collect();
        row(&pos, columns, &refs, line, &mut out, &mut zones);
    }
    out.zones = (0u8..=60).filter(|&z| zones[z as usize]).collect();
    Ok(out)
}

/// Turns one row into an entry or a skipped row.
fn row(
    pos: &Positions,
    columns: &HouseCoordinateColumns,
    cells: &[&str],
    line: u64,
    out: &mut HouseCoordinateFile,
    zones: &mut [bool; 61],
) {
    let mut skip = |reason| out.skipped.push(SkippedRow { line, reason });
    let needed = [pos.street, pos.number, pos.x, pos.y]
        .into_iter()
        .chain(pos.municipality.iter().copied())
        .chain(pos.postcode)
        .chain(pos.suffix);
    if needed.into_iter().any(|i| i >= cells.len()) {
        return skip(SkipReason::MissingField);
    }
    let number = |i: usize| parse_number(cells[i], columns.csv.decimal_comma);
    let (Some(mut x), Some(y)) = (number(pos.x), number(pos.y)) else {
        return skip(SkipReason::NoCoordinate);
    };
    if columns.strip_zone_prefix {
        let zone = (x / 1e6).floor();
        if !(1.0..=60.0).contains(&zone) {
            return skip(SkipReason::ZonePrefix);
        }
        x -= zone * 1e6;
        zones[zone as usize] = true;
    }
    let street = cells[pos.street];
    if street.is_empty() {
        return skip(SkipReason::NoStreet);
    }
    if street.starts_with('#') {
        return skip(SkipReason::PlaceholderStreet);
    }
    let cell = |i: Option<usize>| i.map_or_else(String::new, |i| cells[i].to_owned());
    out.entries.push(HouseCoordinate {
        municipality: pos.municipality.iter().map(|&i| cells[i]).collect(),
        postcode: cell(pos.postcode),
        street: street.to_owned(),
        number: cells[pos.number].to_owned(),
        suffix: cell(pos.suffix),
        x,
        y,
    });
}

/// One line of the office's list of unmatched addresses.
///
/// `Debug` prints the line and the reason only.
#[derive(Clone, Copy)]
pub struct UnmatchedRow<'a> {
    /// 1-based line of the record in the record file.
    pub line: u64,
    /// The record's address.
    pub address: &'a Address,
    /// Why it was not matched.
    pub reason: UnmatchedReason,
}

impl fmt::Debug for UnmatchedRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnmatchedRow")
            .field("line", &self.line)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// Writes the office's list of unmatched addresses, atomically:
/// `line,municipality,postcode,street,house_number,reason` (UTF-8, `,`, quoted where
/// needed), one row per entry of `rows` in the given order; `reason` is
/// [`UnmatchedReason::as_str`].
///
/// **The list holds personal addresses.** The caller must write it only inside the sealed
/// output folder of the anonymization phase, never next to the protected tables that leave
/// the office.
///
/// # Examples
///
/// ```
/// use quartier::{Address, UnmatchedReason, UnmatchedRow, write_unmatched_csv};
///
/// let dir = tempfile::tempdir()?;
/// let address = Address { street: "Nirgendwo".into(), house_number: "1".into(), ..Address::default() };
/// let rows = [UnmatchedRow { line: 2, address: &address, reason: UnmatchedReason::UnknownStreet }];
/// write_unmatched_csv(&dir.path().join("unmatched.csv"), &rows)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
pub fn write_unmatched_csv(path: &Path, rows: &[UnmatchedRow<'_>]) -> Result<(), IoError> {
    super::write_atomic(path, |w| {
        let mut w = csv::Writer::from_writer(w);
        w.write_record([
            "line",
            "municipality",
            "postcode",
            "street",
            "house_number",
            "reason",
        ])?;
        for r in rows {
            let a = r.address;
            w.write_record([
                r.line.to_string().as_str(),
                a.municipality.as_str(),
                a.postcode.as_str(),
                a.street.as_str(),
                a.house_number.as_str(),
                r.reason.as_str(),
            ])?;
        }
        w.flush()?;
        Ok(())
    })
}
