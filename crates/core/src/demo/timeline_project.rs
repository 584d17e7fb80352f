//! `quartier init --over-time`: the sample project over three reference dates (monitoring
//! over time), written from [`musterstadt_timeline`].
//!
//! # Decisions
//!
//! - **The template, extended.** `project.toml` is [`TEMPLATE`](crate::TEMPLATE) with the
//!   current files renamed by year, one `[[datasets.earlier]]` table per dataset and earlier
//!   date (right after the dataset's keys) and one `[[hierarchy.earlier]]` table for the
//!   first two dates (right after `[hierarchy]`'s keys). Everything else (indicators,
//!   ranking, outputs) is the template's, so the two sample projects differ only in time.
//! - **Same office formats, same writers** as [`init_project`](crate::init_project): the
//!   residents' file of the first date is byte-identical to the one `init_project` writes for
//!   the same town. Residents keep their register number (and invented name) across the
//!   years; Kita and child-support records are numbered on across the years.
//! - **One house-coordinate table** for all dates: every home of the town (where every
//!   resident of every year lives) plus the planted Kita records that lie in a block. Its
//!   streets follow the first layer's quarters: houses do not move when blocks are re-cut.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::DemoConfig;
use super::timeline::{DemoTimeline, musterstadt_timeline};
use crate::error::Error;
use crate::hierarchy::Hierarchy;
use crate::io::{IoError, write_atomic, write_block_layer};
use crate::project::template::{
    Houses, SAMPLE, SEED, TEMPLATE, child_support_csv, kita_csv, residents_csv,
};
use crate::records::Position;

/// The reference dates of the sample monitoring project, oldest first.
const DATES: [&str; 3] = ["2022-12-31", "2023-12-31", "2024-12-31"];

/// The datasets' file names in the template and their names in the project file.
const DATASETS: [(&str, &str); 3] = [
    ("resident", "einwohner"),
    ("kita", "kita_beitraege"),
    ("child_support", "unterhaltsvorschuss"),
];

/// Writes the sample monitoring project into `dir` (created if missing): the town of
/// [`init_project`](crate::init_project) on the reference dates 2022-12-31, 2023-12-31 and
/// 2024-12-31, with moved residents, a planted trend and one district re-cut in 2024 (see
/// [`musterstadt_timeline`]). `project.toml` lists the earlier files with
/// `[[datasets.earlier]]` and the 2022 block layer with `[[hierarchy.earlier]]`; `data/`
/// holds per year `einwohner_YYYY.csv`, `kita_beitraege_YYYY.csv` and
/// `unterhaltsvorschuss_YYYY.csv`, the block layers `baubloecke_2022.geojson` (2022 and 2023)
/// and `baubloecke_2024.geojson`, and one `hauskoordinaten.csv`. Existing files of the same
/// names are replaced; nothing else in `dir` is touched. Returns the files written.
///
/// # Examples
///
/// ```
/// let dir = tempfile::tempdir()?;
/// quartier::init_monitoring_project(dir.path())?;
/// let project = quartier::Project::load(&dir.path().join("project.toml"))?;
/// assert_eq!(project.dates, ["2022-12-31", "2023-12-31", "2024-12-31"]);
/// assert!(project.earlier_layer("2023-12-31").is_some());
/// assert!(project.earlier_layer("2024-12-31").is_none()); // the current layer
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] when a file or folder cannot be written.
pub fn init_monitoring_project(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    init_project_over_time(dir, SEED, &SAMPLE)
}

/// [`init_monitoring_project`] with a town of another size and seed (for benchmarks and the
/// demo). Not part of the stable API.
///
/// # Errors
///
/// [`Error::Io`] when a file or folder cannot be written; [`Error::Hierarchy`] for a town
/// configuration that makes no hierarchy.
#[doc(hidden)]
pub fn init_project_over_time(
    dir: &Path,
    seed: u64,
    config: &DemoConfig,
) -> Result<Vec<PathBuf>, Error> {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).map_err(|e| IoError::File {
        path: data.clone(),
        source: e,
    })?;
    let timeline = musterstadt_timeline(seed, config, &DATES)?;
    let mut written = Vec::new();

    let project = dir.join("project.toml");
    let text = project_toml(&timeline.recut_district);
    write_atomic(&project, |w| w.write_all(text.as_bytes()))?;
    written.push(project);

    let (Some(first), Some(last)) = (timeline.years.first(), timeline.years.last()) else {
        return Ok(written); // not reached: the timeline has one year per date
    };
    for (year, h) in [
        (&first.date, &first.hierarchy),
        (&last.date, &last.hierarchy),
    ] {
        let path = data.join(format!("baubloecke_{}.geojson", year_of(year)));
        write_block_layer(&path, h)?;
        written.push(path);
    }

    let (houses, row_of) = houses(&timeline, &first.hierarchy);
    let (mut first_kita, mut first_case) = (0, 0);
    for year in &timeline.years {
        let records = &year.records;
        let rows: Vec<Option<usize>> = records
            .kita()
            .iter()
            .map(|k| {
                k.position
                    .and_then(|p| row_of.get(&key(p)).copied().flatten())
            })
            .collect();
        let ids = &year.resident_ids;
        let id = |i: usize| ids.get(i).map_or(i, |&id| usize::try_from(id).unwrap_or(i));
        let files = [
            ("einwohner", residents_csv(records.residents(), id)),
            (
                "kita_beitraege",
                kita_csv(records.kita(), &rows, &houses, first_kita),
            ),
            (
                "unterhaltsvorschuss",
                child_support_csv(records.child_support(), first_case),
            ),
        ];
        for (stem, bytes) in files {
            let path = data.join(format!("{stem}_{}.csv", year_of(&year.date)));
            write_atomic(&path, |w| w.write_all(&bytes))?;
            written.push(path);
        }
        first_kita += records.kita().len();
        first_case += records.child_support().len();
    }
    let path = data.join("hauskoordinaten.csv");
    write_atomic(&path, |w| w.write_all(&houses.csv()))?;
    written.push(path);
    Ok(written)
}

/// The year of a `YYYY-MM-DD` date (the whole label if it is shorter).
fn year_of(date: &str) -> &str {
    date.get(..4).unwrap_or(date)
}

/// A position's bit pattern, for exact lookups.
fn key(p: Position) -> [u64; 2] {
    [p.x().to_bits(), p.y().to_bits()]
}

/// The house table of all years (every home, then the other Kita positions in a block), and
/// the row of each position.
fn houses(timeline: &DemoTimeline, h: &Hierarchy) -> (Houses, BTreeMap<[u64; 2], Option<usize>>) {
    let mut positions: Vec<Position> = Vec::new();
    let mut seen: BTreeMap<[u64; 2], usize> = BTreeMap::new();
    let kita = timeline
        .years
        .iter()
        .flat_map(|y| y.records.kita().iter().filter_map(|k| k.position));
    for p in timeline.houses.iter().copied().chain(kita) {
        if let std::collections::btree_map::Entry::Vacant(e) = seen.entry(key(p)) {
            e.insert(positions.len());
            positions.push(p);
        }
    }
    let houses = Houses::of(h, positions.iter().map(|&p| Some(p)));
    let row_of = seen
        .into_iter()
        .map(|(k, i)| (k, houses.of_record.get(i).copied().flatten()))
        .collect();
    (houses, row_of)
}

/// The template, monitoring over [`DATES`]: current files named by year, the earlier files
/// after each dataset's keys, the earlier layer after `[hierarchy]`'s keys.
fn project_toml(recut_district: &str) -> String {
    let (earlier, current) = DATES.split_at(DATES.len() - 1);
    let current_year = current.first().map_or("", |d| year_of(d));
    let mut out = String::with_capacity(TEMPLATE.len() + 2048);
    let mut pending: Option<String> = None;
    let mut table = "";
    for line in TEMPLATE.lines() {
        if line.starts_with('[') || line.starts_with("# ----") {
            if let Some(text) = pending.take() {
                out.push_str(&text);
            }
        }
        if line.starts_with('[') {
            table = line;
        }
        if line.starts_with("# quartier project file") {
            out.push_str(&line.replace("`quartier init`", "`quartier init --over-time`"));
            out.push_str(
                "\n# Monitoring over time: the datasets on three reference dates (the current one and\n\
                 # [[datasets.earlier]] files), blocks re-cut in the last year ([[hierarchy.earlier]]).\n",
            );
            continue;
        }
        let mut line = line.to_owned();
        for (_, stem) in DATASETS {
            let from = format!("path = \"data/{stem}.csv\"");
            if line == from {
                line = format!("path = \"data/{stem}_{current_year}.csv\"");
            }
        }
        if line == "path = \"data/baubloecke.geojson\"" {
            line = format!("path = \"data/baubloecke_{current_year}.geojson\"");
        }
        if table == "[hierarchy]" && line == "[hierarchy]" {
            let dates: Vec<String> = earlier.iter().map(|d| format!("\"{d}\"")).collect();
            let first_year = earlier.first().map_or("", |d| year_of(d));
            pending = Some(format!(
                "# The block layer of the earlier reference dates: in {current_year} some blocks of\n\
                 # district {recut_district} were re-cut (split, merged, moved to a neighbouring\n\
                 # quarter); earlier counts are carried over to the current blocks.\n\
                 [[hierarchy.earlier]]\n\
                 reference_dates = [{}]\n\
                 path = \"data/baubloecke_{first_year}.geojson\"\n\n",
                dates.join(", ")
            ));
        }
        if table == "[[datasets]]" {
            let stem = DATASETS
                .iter()
                .find(|(name, _)| line == format!("name = \"{name}\""))
                .map(|(_, stem)| *stem);
            if let Some(stem) = stem {
                let mut text = String::from(
                    "# The same dataset on earlier reference dates (same columns and format).\n",
                );
                for d in earlier {
                    text.push_str(&format!(
                        "[[datasets.earlier]]\nreference_date = \"{d}\"\npath = \"data/{stem}_{}.csv\"\n\n",
                        year_of(d)
                    ));
                }
                pending = Some(text);
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(text) = pending {
        out.push_str(&text);
    }
    out
}
