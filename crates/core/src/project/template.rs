//! `quartier init`: a commented template project with small sample data that runs as is.
//!
//! The sample data is a small Musterstadt (the demo town's generator) written the way offices
//! export their registers: residents with coordinates in Windows-1252 with `;` and decimal
//! commas, Kita fee records with addresses only (geocoded against a house-coordinate table in
//! the official HK-DE style), child-support cases as UTF-8 with BOM. Every file carries
//! invented names and record numbers, which no output may contain.

use std::path::{Path, PathBuf};

use crate::demo::{DemoConfig, musterstadt_with};
use crate::error::Error;
use crate::hierarchy::Hierarchy;
use crate::io::{IoError, write_atomic, write_block_layer};
use crate::records::{ChildSupportCase, KitaRecord, Position, Resident};

/// The template `project.toml` that [`init_project`] writes.
pub const TEMPLATE: &str = include_str!("template.toml");

/// The seed of the sample town.
pub(crate) const SEED: u64 = 2024;

/// The sample town: 9,000 residents, 8 quarters in 2 districts.
pub(crate) const SAMPLE: DemoConfig = DemoConfig {
    residents: 9_000,
    columns: 16,
    rows: 12,
    quarters: 8,
    districts: 2,
};

/// Street names of the sample town, one per quarter (invented, typical German names with
/// `ß`, umlauts and hyphens so that the geocoder's normalization has work to do).
const STREETS: [&str; 8] = [
    "Lindenstraße",
    "Am Mühlenbach",
    "Schützenstraße",
    "Karl-Marx-Straße",
    "Grüner Weg",
    "Bahnhofstraße",
    "Große Kirchgasse",
    "Jöllenbecker Straße",
];

/// Postcode of the sample town.
const POSTCODE: &str = "32130";
/// Municipality key of the sample town (the demo's Gemeinde id).
const MUNICIPALITY: &str = "05758999";

/// Writes a template project into `dir` (created if missing): `project.toml` and `data/`
/// with a block layer and sample records. Existing files of the same names are replaced;
/// nothing else in `dir` is touched. Returns the files written.
///
/// # Examples
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let files = quartier::init_project(dir.path())?;
/// assert!(files.iter().any(|f| f.ends_with("project.toml")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] when a file or folder cannot be written.
pub fn init_project(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    init_project_with(dir, SEED, &SAMPLE)
}

/// [`init_project`] with a town of another size and seed (for benchmarks: a district of
/// 250,000 residents in the same office formats). Not part of the stable API.
///
/// # Errors
///
/// [`Error::Io`] when a file or folder cannot be written; [`Error::Hierarchy`] for a town
/// configuration that makes no hierarchy.
#[doc(hidden)]
pub fn init_project_with(
    dir: &Path,
    seed: u64,
    config: &DemoConfig,
) -> Result<Vec<PathBuf>, Error> {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).map_err(|e| IoError::File {
        path: data.clone(),
        source: e,
    })?;
    let town = musterstadt_with(seed, config)?;
    let mut written = Vec::new();

    let project = dir.join("project.toml");
    write_atomic(&project, |w| w.write_all(TEMPLATE.as_bytes()))?;
    written.push(project);

    let blocks = data.join("baubloecke.geojson");
    write_block_layer(&blocks, &town.hierarchy)?;
    written.push(blocks);

    let houses = Houses::of(
        &town.hierarchy,
        town.records.kita().iter().map(|k| k.position),
    );
    for (name, bytes) in [
        (
            "einwohner.csv",
            residents_csv(town.records.residents(), |i| i),
        ),
        (
            "kita_beitraege.csv",
            kita_csv(town.records.kita(), &houses.of_record, &houses, 0),
        ),
        (
            "unterhaltsvorschuss.csv",
            child_support_csv(town.records.child_support(), 0),
        ),
        ("hauskoordinaten.csv", houses.csv()),
    ] {
        let path = data.join(name);
        write_atomic(&path, |w| w.write_all(&bytes))?;
        written.push(path);
    }
    Ok(written)
}

/// A number with a decimal comma and two decimals (German export style).
fn comma(v: f64) -> String {
    format!("{v:.2}").replace('.', ",")
}

/// An invented family name for record `i`: marked so that tests can search outputs for it.
fn name(i: usize) -> String {
    const NAMES: [&str; 6] = ["Müller", "Schäfer", "Weiß", "Öztürk", "Nowak", "Groß"];
    format!("{}-CANARY{i:05}", NAMES[i % NAMES.len()])
}

fn cp1252(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    bytes.into_owned()
}

fn xy(p: Option<Position>) -> (String, String) {
    p.map_or((String::new(), String::new()), |p| {
        if p.x().is_finite() && p.y().is_finite() {
            (comma(p.x()), comma(p.y()))
        } else {
            ("unbekannt".to_owned(), "unbekannt".to_owned())
        }
    })
}

/// Residents: Windows-1252, `;`, decimal comma, with register number and name; `id(i)` is
/// the register number of the `i`-th resident.
pub(crate) fn residents_csv(residents: &[Resident], id: impl Fn(usize) -> usize) -> Vec<u8> {
    let mut s = String::from("Ordnungsmerkmal;Familienname;Rechtswert;Hochwert;Alter\r\n");
    for (i, r) in residents.iter().enumerate() {
        let i = id(i);
        let (x, y) = xy(r.position);
        s.push_str(&format!("EW-{i:06};{};{x};{y};{}\r\n", name(i), r.age));
    }
    cp1252(&s)
}

/// Child-support cases: UTF-8 with BOM, `,`, quoted decimal commas; file numbers from
/// `first_id` on.
pub(crate) fn child_support_csv(cases: &[ChildSupportCase], first_id: usize) -> Vec<u8> {
    let mut s = String::from("\u{feff}Aktenzeichen,Name des Kindes,X,Y,Alter des Kindes\n");
    for (i, c) in cases.iter().enumerate() {
        let i = first_id + i;
        let (x, y) = xy(c.position);
        s.push_str(&format!(
            "UV-{i:05},\"{}, Kind\",\"{x}\",\"{y}\",{}\n",
            name(50_000 + i),
            c.child_age
        ));
    }
    s.into_bytes()
}

/// The house-coordinate table of the sample town: one address per given position (each Kita
/// family position), numbered along the street of its quarter.
pub(crate) struct Houses {
    /// (street, number, suffix, x, y), in table order.
    rows: Vec<(usize, u32, &'static str, f64, f64)>,
    /// For each given position, its row (None = no position, or in no block of `h`).
    pub(crate) of_record: Vec<Option<usize>>,
}

impl Houses {
    /// The table of the positions, located in the blocks of `h` (the street is the quarter's).
    pub(crate) fn of(h: &Hierarchy, positions: impl IntoIterator<Item = Option<Position>>) -> Self {
        let quarter_level = h.level("quartier").unwrap_or(0);
        let index = crate::assign::UnitIndex::from_hierarchy(h, h.block_level()).ok();
        let quarter_of = h
            .ancestors(h.block_level(), quarter_level)
            .unwrap_or_default();
        let mut next = vec![1u32; STREETS.len()];
        let mut rows = Vec::new();
        let mut of_record = Vec::new();
        for (i, p) in positions.into_iter().enumerate() {
            let p = p.filter(|p| p.x().is_finite() && p.y().is_finite());
            let quarter = p
                .and_then(|p| index.as_ref().and_then(|ix| ix.locate(p.x(), p.y())))
                .and_then(|b| quarter_of.get(b).copied());
            match (p, quarter) {
                (Some(p), Some(q)) => {
                    let street = q % STREETS.len();
                    let number = next[street];
                    next[street] += 1;
                    // Every seventh house has a suffix `a`.
                    let suffix = if i % 7 == 3 { "a" } else { "" };
                    of_record.push(Some(rows.len()));
                    rows.push((street, number, suffix, p.x(), p.y()));
                }
                _ => of_record.push(None),
            }
        }
        Self { rows, of_record }
    }

    /// HK-DE style: `;`, Windows-1252, metres with decimal comma.
    pub(crate) fn csv(&self) -> Vec<u8> {
        let mut s = String::from("GMD;PLZ;STN;HNR;ADZ;EAST;NORTH\r\n");
        for &(street, number, suffix, x, y) in &self.rows {
            s.push_str(&format!(
                "{MUNICIPALITY};{POSTCODE};{};{number};{suffix};{};{}\r\n",
                STREETS[street],
                comma(x),
                comma(y)
            ));
        }
        cp1252(&s)
    }
}

/// Kita fee records: addresses only (Windows-1252, `;`), written the many ways registers
/// spell them: `Str.`, lower case, `strasse`, `12 a`, plus a few the table does not know.
/// `rows[i]` is the house row of record `i`; record numbers from `first_id` on.
pub(crate) fn kita_csv(
    kita: &[KitaRecord],
    rows: &[Option<usize>],
    houses: &Houses,
    first_id: usize,
) -> Vec<u8> {
    let mut s = String::from("Kind-Nr;Name;Straße;Hausnummer;PLZ;Alter;Beitragsstufe\r\n");
    for (i, (k, row)) in kita.iter().zip(rows).enumerate() {
        let i = first_id + i;
        let (street, number) = match row.and_then(|r| houses.rows.get(r).copied()) {
            Some((street, number, suffix, _, _)) => {
                let name = STREETS[street];
                let street = match i % 10 {
                    1 => name.replace("straße", "str."),
                    2 => name.to_lowercase().replace('ß', "ss"),
                    3 => name.replace("ü", "ue").replace("ö", "oe"),
                    _ => name.to_owned(),
                };
                let number = match (i % 4, suffix) {
                    (0, "a") => format!("{number} a"),
                    (_, "a") => format!("{number}A"),
                    _ => number.to_string(),
                };
                (street, number)
            }
            // No position in the demo: an address the table does not know.
            None => ("Unbekannter Weg".to_owned(), (i % 40 + 1).to_string()),
        };
        s.push_str(&format!(
            "K-{i:05};{};{street};{number};{POSTCODE};{};{}\r\n",
            name(100_000 + i),
            k.child_age,
            k.fee_bracket
        ));
    }
    cp1252(&s)
}
