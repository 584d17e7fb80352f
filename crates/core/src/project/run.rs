//! Running a project: `validate`, `anonymize` (sealed phase) and `analyze`, each reading
//! what the project file names and writing into its output folders.
//!
//! The outcomes are counts and file paths only, fit for a `--json` summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Dataset, FieldUse, Project};
use crate::analysis::{Analysis, analyze};
use crate::anonymize::{AnonymizeSpec, Anonymized, InputSource, ProtectedTables, anonymize};
use crate::anonymize::{CrosswalkReport, EstimatedCell};
use crate::assign::AssignOptions;
use crate::crosswalk::{Crosswalk, CrosswalkMethod, reaggregate};
use crate::crs::{Crs, check_plausible, transform_in_place};
use crate::error::Error;
use crate::geocode::{AddressTable, GeoMatch, GeocodeOptions, GeocodeSummary, MatchStage};
use crate::hierarchy::{Hierarchy, HierarchyBuilder, HierarchyError, ValidationReport};
use crate::io::{
    AddressColumns, BlockLayerSpec, CsvColumn, CsvEncoding, CsvOptions, HouseCoordinateColumns,
    IoError, LayerSource, RecordColumns, RecordFile, RecordLocation, UnmatchedRow,
    check_postgis_target, read_block_layer_any, read_house_coordinates, read_protected_csv,
    read_records_csv, read_records_postgis, read_unit_layer_any, write_anonymized,
    write_crosswalk_csv, write_postgis_layers, write_ranking_csv, write_ranking_json, write_report,
    write_trends_csv, write_unmatched_csv,
};
use crate::records::{Position, RecordKind, Records};
use crate::render::{ReleaseView, ReportInput, ReportSpec, SignoffView, render_report};

/// Reports the steps of a run (the CLI shows them as progress bars; `()` shows nothing).
pub trait Progress {
    /// A step starts.
    fn start(&mut self, step: &str);
    /// The step ends.
    fn finish(&mut self);
}

impl Progress for () {
    fn start(&mut self, _: &str) {}
    fn finish(&mut self) {}
}

/// What one dataset's file held and where its records ended: counts only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetOutcome {
    /// The dataset's name.
    pub dataset: &'static str,
    /// Records read (rows that became records).
    pub records: usize,
    /// Rows not read as records, by reason.
    pub rejected: BTreeMap<&'static str, usize>,
    /// Geocoding by stage (address datasets only).
    pub geocoding: Option<GeocodeSummary>,
    /// Records assigned to a block (covered or snapped); filled by `anonymize`.
    pub assigned: Option<usize>,
    /// Records not assigned (no position, invalid, outside); filled by `anonymize`.
    pub unassigned: Option<usize>,
}

/// The result of [`validate_project`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidateOutcome {
    /// Units per level, from the top (`(level, units)`); empty when the layer failed.
    pub levels: Vec<(String, usize)>,
    /// Errors: problems that stop `anonymize` (invalid hierarchy, unreadable files).
    pub errors: Vec<String>,
    /// Warnings: problems worth a look (small gaps, rejected rows, unmatched addresses).
    pub warnings: Vec<String>,
    /// Per dataset, what reading it gave.
    pub datasets: Vec<DatasetOutcome>,
}

impl ValidateOutcome {
    /// Whether there is no error.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The result of [`anonymize_project`].
#[derive(Debug, Clone, Serialize)]
pub struct AnonymizeOutcome {
    /// Per dataset, records and where they ended.
    pub datasets: Vec<DatasetOutcome>,
    /// Whether every dataset's audit passed.
    pub audit_passed: bool,
    /// Suppressed cells over all datasets.
    pub suppressed_cells: usize,
    /// Files written to the protected folder (may leave the sealed office).
    pub protected_files: Vec<PathBuf>,
    /// Files written to the sealed folder (stay inside).
    pub sealed_files: Vec<PathBuf>,
    /// The reference date of `datasets`, `anonymized` and `hierarchy` (the current date,
    /// unless one earlier date was asked for).
    pub reference_date: String,
    /// The run's products (for `run`, which analyzes them right away).
    #[serde(skip)]
    pub anonymized: Anonymized,
    /// The hierarchy the records were counted in (so that `run` reads the layers once).
    #[serde(skip)]
    pub hierarchy: Hierarchy,
    /// The earlier reference dates of a monitoring project that ran too, oldest first.
    pub earlier: Vec<DateOutcome>,
}

/// The sealed phase of one reference date of a monitoring project.
#[derive(Debug, Clone, Serialize)]
pub struct DateOutcome {
    /// The reference date.
    pub date: String,
    /// The block layer the date was counted on; `None` = the current layer.
    pub layer: Option<PathBuf>,
    /// Per dataset, records and where they ended.
    pub datasets: Vec<DatasetOutcome>,
    /// Whether every dataset's audit passed.
    pub audit_passed: bool,
    /// Suppressed cells over all datasets.
    pub suppressed_cells: usize,
    /// Cells of the tables re-aggregated onto the current layer that are estimated.
    pub estimated_cells: usize,
    /// Files written to the date's protected folder.
    pub protected_files: Vec<PathBuf>,
    /// Files written to the sealed folder.
    pub sealed_files: Vec<PathBuf>,
    /// The date's protected tables and protocol.
    #[serde(skip)]
    pub anonymized: Anonymized,
    /// The date's block layer.
    #[serde(skip)]
    pub hierarchy: Hierarchy,
    /// The crosswalk from the date's layer to the current one (earlier layers only).
    #[serde(skip)]
    pub crosswalk: Option<Crosswalk>,
}

/// The result of [`run_project`]: the outcome of each phase that ran.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    /// The sealed phase, if it ran.
    pub anonymize: Option<AnonymizeOutcome>,
    /// The analyze phase, if it ran.
    pub analyze: Option<AnalyzeOutcome>,
}

/// The result of [`analyze_project`].
#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeOutcome {
    /// The level ranked.
    pub level: String,
    /// Units ranked.
    pub ranked: usize,
    /// Ids of the units selected as disadvantaged, by rank.
    pub selected: Vec<String>,
    /// Moran's I of the composite, if computed.
    pub moran_i: Option<f64>,
    /// The reference dates analysed, oldest first (the last is the ranking's).
    pub dates: Vec<String>,
    /// Indicators without a current sign-off of every dataset they read (drafts, marked
    /// "Entwurf" in the report).
    pub drafts: Vec<String>,
    /// Over several dates: the units a planner should look at (`trends.csv`, the report's
    /// "what changed" table).
    pub changed: Vec<String>,
    /// Files written to the analysis folder.
    pub files: Vec<PathBuf>,
    /// The report's index page.
    pub index: Option<PathBuf>,
    /// The PostGIS schema the published layers were written into, and its tables.
    pub postgis: Option<(String, Vec<String>)>,
}

/// Checks a project: reads the block layer and validates the hierarchy, reads every dataset
/// (columns, rows, rejected rows) and geocodes address datasets. Writes nothing.
///
/// # Errors
///
/// Only for what stops validation itself; problems of the data are in the outcome's
/// `errors` and `warnings`.
pub fn validate_project(
    project: &Project,
    progress: &mut dyn Progress,
) -> Result<ValidateOutcome, Error> {
    let mut out = ValidateOutcome {
        levels: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        datasets: Vec::new(),
    };
    progress.start("reading the block layer and validating the hierarchy");
    let label = hierarchy_label(project);
    let hierarchy = match read_hierarchy(project) {
        Ok((h, report)) => {
            out.warnings
                .extend(report.warnings().map(|f| format!("{label}: {f}")));
            out.levels = h
                .levels()
                .iter()
                .enumerate()
                .map(|(l, name)| (name.clone(), h.units(l).len()))
                .collect();
            Some(h)
        }
        Err(Error::Hierarchy(HierarchyError::Invalid { report })) => {
            out.errors
                .extend(report.errors().map(|f| format!("{label}: {f}")));
            out.warnings
                .extend(report.warnings().map(|f| format!("{label}: {f}")));
            None
        }
        Err(e) => {
            out.errors.push(e.to_string());
            None
        }
    };
    progress.finish();
    let table = match &project.geocoding {
        Some(_) => {
            progress.start("reading the house coordinates");
            let t = address_table(project);
            progress.finish();
            match t {
                Ok(t) => Some(t),
                Err(e) => {
                    out.errors.push(e.to_string());
                    None
                }
            }
        }
        None => None,
    };
    for date in &project.dates {
        let current = date.as_str() == project.current_date();
        // Findings of an earlier date name it; the current date's read as before.
        let prefix = if current {
            String::new()
        } else {
            format!("reference date {date}: ")
        };
        if let Some(layer) = project.earlier_layer(date) {
            progress.start(&format!("reading the block layer of {date}"));
            let label = format!(
                "reference date {date}, block layer {}",
                layer.source.path.display()
            );
            match read_earlier_hierarchy(project, layer) {
                Ok(_) => {}
                Err(Error::Hierarchy(HierarchyError::Invalid { report })) => {
                    out.errors
                        .extend(report.errors().map(|f| format!("{label}: {f}")));
                }
                Err(e) => out.errors.push(format!("{label}: {e}")),
            }
            progress.finish();
        }
        for d in &project.datasets {
            progress.start(&format!("reading {} {date}", d.kind.name()));
            let read = dataset_path(project, d, date).and_then(|path| {
                read_dataset(project, d, &path, table.as_ref()).map(|r| (path, r))
            });
            match read {
                Ok((path, read)) => {
                    let o = read.outcome(d.kind);
                    if let Some(n) = o.rejected.values().copied().reduce(|a, b| a + b) {
                        out.warnings.push(format!(
                            "{prefix}{}: {n} rows not read ({})",
                            path.display(),
                            reasons(&o.rejected)
                        ));
                    }
                    if let Some(g) = &o.geocoding {
                        if g.unmatched > 0 {
                            out.warnings.push(format!(
                                "{prefix}{}: {} of {} addresses not matched",
                                path.display(),
                                g.unmatched,
                                g.total
                            ));
                        }
                    }
                    if current {
                        out.datasets.push(o);
                    }
                }
                Err(e) if project.is_monitoring() && !e.to_string().contains(date.as_str()) => {
                    out.errors.push(format!("{prefix}{e}"));
                }
                Err(e) => out.errors.push(e.to_string()),
            }
            progress.finish();
        }
    }
    if let Some(target) = &project.outputs.postgis {
        progress.start("checking the PostGIS target");
        if let Err(e) = check_postgis_target(target) {
            out.errors.push(e.to_string());
        }
        progress.finish();
    }
    if let Some(h) = &hierarchy {
        for d in &project.datasets {
            if let Some(level) = &d.finest_level {
                if h.level(level).is_none() {
                    out.errors.push(format!(
                        "dataset `{}`: finest_level `{level}` is not a level of the block layer",
                        d.kind.name()
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The sealed phase of a project: reads the block layer and every dataset, geocodes
/// address datasets, anonymizes (assign, count, suppress, audit) and writes the protected
/// tables and the protocol into `outputs.protected`, and the office's list of unmatched
/// addresses (if asked for) into `outputs.sealed`.
///
/// A monitoring project (several reference dates) runs every date, each on its own block
/// layer, into its own folder ([`Project::protected_dir`]); see [`anonymize_project_at`].
///
/// Nothing is written unless every record is accounted for and the audit passed.
///
/// # Errors
///
/// Any error of reading, geocoding, anonymizing or writing; [`Error::Project`] when the
/// protocol does not balance or the audit fails; in a monitoring project every error of a
/// date is an [`Error::ReferenceDate`] naming the date (and the block layer, where it
/// concerns the layer).
pub fn anonymize_project(
    project: &Project,
    progress: &mut dyn Progress,
) -> Result<AnonymizeOutcome, Error> {
    anonymize_project_at(project, None, progress)
}

/// [`anonymize_project`] for one reference date of a monitoring project (`Some(date)`) or
/// every date (`None`), oldest first.
///
/// A date counted on an earlier block layer also gets a *crosswalk* from its layer to the
/// current one (from the official house coordinates where the project has them, else from
/// area overlap), written next to its tables as `crosswalk.csv`; its tables are
/// re-aggregated onto the current units of the ranking level, and the protocol lists every
/// re-aggregated cell that is estimated (see [`crate::reaggregate`]).
///
/// # Errors
///
/// As [`anonymize_project`]; an unknown date is an [`Error::Project`] listing the dates.
pub fn anonymize_project_at(
    project: &Project,
    date: Option<&str>,
    progress: &mut dyn Progress,
) -> Result<AnonymizeOutcome, Error> {
    let dates: Vec<String> = match date {
        None => project.dates.clone(),
        Some(d) if project.dates.iter().any(|x| x == d) => vec![d.to_owned()],
        Some(d) => {
            return Err(Error::Project(super::ProjectError::Invalid {
                path: project.file.clone(),
                line: None,
                key: "datasets.reference_date".to_owned(),
                message: format!(
                    "the project has no reference date {d}; it has {}",
                    project.dates.join(", ")
                ),
            }));
        }
    };
    progress.start("reading the block layer");
    let (current, _) = read_named_hierarchy(project)?;
    progress.finish();
    let table = match &project.geocoding {
        Some(_) => {
            progress.start("reading the house coordinates");
            let t = address_table(project)?;
            progress.finish();
            Some(t)
        }
        None => None,
    };
    let mut runs: Vec<DateOutcome> = Vec::new();
    for date in &dates {
        let at = |layer: Option<&Path>| {
            let date = date.clone();
            let layer = layer.map(Path::to_path_buf);
            let monitoring = project.is_monitoring();
            move |e: Error| {
                if monitoring {
                    Error::ReferenceDate {
                        date,
                        layer,
                        error: Box::new(e),
                    }
                } else {
                    e
                }
            }
        };
        let own = project.earlier_layer(date);
        let hierarchy = match own {
            None => current.clone(),
            Some(layer) => {
                progress.start(&format!("reading the block layer of {date}"));
                let h =
                    read_earlier_hierarchy(project, layer).map_err(at(Some(&layer.source.path)))?;
                progress.finish();
                h
            }
        };
        let run = sealed_date(project, date, hierarchy, &current, table.as_ref(), progress)
            .map_err(at(own.map(|l| l.source.path.as_path())))?;
        runs.push(run);
    }
    // ok: `dates` is never empty (a project has at least one date).
    let last = runs.pop().ok_or_else(|| {
        Error::Project(super::ProjectError::Invalid {
            path: project.file.clone(),
            line: None,
            key: "datasets".to_owned(),
            message: "the project has no reference date".to_owned(),
        })
    })?;
    let mut protected_files: Vec<PathBuf> = runs
        .iter()
        .flat_map(|r| r.protected_files.iter().cloned())
        .collect();
    protected_files.extend(last.protected_files.iter().cloned());
    let mut sealed_files: Vec<PathBuf> = runs
        .iter()
        .flat_map(|r| r.sealed_files.iter().cloned())
        .collect();
    sealed_files.extend(last.sealed_files.iter().cloned());
    Ok(AnonymizeOutcome {
        datasets: last.datasets.clone(),
        audit_passed: last.audit_passed && runs.iter().all(|r| r.audit_passed),
        suppressed_cells: last.suppressed_cells,
        protected_files,
        sealed_files,
        reference_date: last.date.clone(),
        anonymized: last.anonymized.clone(),
        hierarchy: last.hierarchy.clone(),
        earlier: runs,
    })
}

/// The sealed phase of one reference date, on `hierarchy` (that date's block layer).
fn sealed_date(
    project: &Project,
    date: &str,
    hierarchy: Hierarchy,
    current: &Hierarchy,
    table: Option<&AddressTable>,
    progress: &mut dyn Progress,
) -> Result<DateOutcome, Error> {
    let own = project.earlier_layer(date);
    let mut reads = Vec::new();
    let mut paths = Vec::new();
    for d in &project.datasets {
        progress.start(&format!("reading {}", d.kind.name()));
        let path = dataset_path(project, d, date)?;
        reads.push(read_dataset(project, d, &path, table)?);
        paths.push(path);
        progress.finish();
    }

    progress.start("anonymizing: assign, count, suppress, audit");
    let records = merge(&reads);
    let rules = &project.rules;
    let spec = AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: rules.snap_distance_m,
        },
        rule: rules.frequency_rule(),
        groupings: Vec::new(),
        finest_levels: project
            .datasets
            .iter()
            .filter_map(|d| d.finest_level.clone().map(|l| (d.kind, l)))
            .collect(),
        protection: Some(rules.protection),
        min_population: rules.min_population,
        datasets: project.datasets.iter().map(|d| d.kind).collect(),
    };
    let mut anonymized = anonymize(&records, &hierarchy, &spec)?;
    let mut catalogue = project.catalogue();
    for entry in &mut catalogue {
        entry.reference_date = date.to_owned();
    }
    anonymized.set_catalogue(catalogue);
    let blocks = own.map_or(&project.hierarchy.source, |l| &l.source);
    anonymized.add_input(InputSource::from_source("blocks", blocks)?);
    if own.is_none() {
        for u in &project.hierarchy.upper {
            anonymized.add_input(InputSource::from_source(
                format!("{} boundaries", u.level),
                &u.source,
            )?);
        }
    }
    if let Some(g) = &project.geocoding {
        anonymized.add_input(InputSource::from_file("house_coordinates", &g.path)?);
    }
    for ((d, read), path) in project.datasets.iter().zip(&reads).zip(&paths) {
        anonymized.add_input(match d.postgis.as_ref().filter(|_| *path == d.path) {
            Some(db) => InputSource::from_source(d.kind.name(), &LayerSource::postgis(db.clone()))?,
            None => InputSource::from_file(d.kind.name(), path)?,
        });
        anonymized.add_rejections(d.kind, &read.file.rejected);
        if let Some(m) = &read.matches {
            anonymized.add_geocoding(d.kind, GeocodeSummary::from_matches(m));
        }
    }
    progress.finish();
    let protocol = anonymized.protocol();
    if !protocol.is_balanced() {
        return Err(Error::Project(super::ProjectError::Invalid {
            path: project.file.clone(),
            line: None,
            key: "datasets".to_owned(),
            message: "the protocol does not add up: a record was lost; nothing written".to_owned(),
        }));
    }
    if !protocol.is_passed() {
        return Err(Error::Project(super::ProjectError::Invalid {
            path: project.file.clone(),
            line: None,
            key: "anonymize".to_owned(),
            message: "the disclosure audit failed; nothing written".to_owned(),
        }));
    }

    // A date on an earlier layer: the crosswalk to the current layer and the estimated
    // cells of the re-aggregated tables (listed in the protocol).
    let crosswalk = match own {
        None => None,
        Some(_) => {
            progress.start("crosswalk to the current block layer");
            let c = crosswalk_step(
                project,
                &hierarchy,
                current,
                &blocks.path,
                table,
                &mut anonymized,
            )?;
            progress.finish();
            Some(c)
        }
    };

    progress.start("writing protected tables and protocol");
    let dir = project.protected_dir(date);
    let mut protected_files = write_anonymized(&dir, &hierarchy, &anonymized)?;
    if let Some(c) = &crosswalk {
        let path = dir.join("crosswalk.csv");
        write_crosswalk_csv(&path, &hierarchy, current, c)?;
        protected_files.push(path);
    }
    let mut sealed_files = Vec::new();
    if project.geocoding.as_ref().is_some_and(|g| g.unmatched_list) {
        let sealed = if project.is_monitoring() {
            project.outputs.sealed.join(date)
        } else {
            project.outputs.sealed.clone()
        };
        create_dir(&sealed)?;
        for (d, read) in project.datasets.iter().zip(&reads) {
            let Some(matches) = &read.matches else {
                continue;
            };
            let rows: Vec<UnmatchedRow<'_>> = matches
                .iter()
                .zip(&read.file.addresses)
                .zip(read.file.lines.iter())
                .filter_map(|((m, address), &line)| match m.stage {
                    MatchStage::Unmatched(reason) => Some(UnmatchedRow {
                        line,
                        address,
                        reason,
                    }),
                    _ => None,
                })
                .collect();
            let path = sealed.join(format!("unmatched_{}.csv", d.kind.name()));
            write_unmatched_csv(&path, &rows)?;
            sealed_files.push(path);
        }
    }
    progress.finish();

    let protocol = anonymized.protocol();
    let datasets = project
        .datasets
        .iter()
        .zip(&reads)
        .map(|(d, read)| {
            let mut o = read.outcome(d.kind);
            if let Some(p) = protocol
                .datasets
                .iter()
                .find(|p| p.dataset == d.kind.name())
            {
                let r = &p.records;
                o.assigned = Some(r.assigned + r.snapped);
                o.unassigned = Some(r.no_coordinate + r.invalid_coordinate + r.outside);
            }
            o
        })
        .collect();
    let suppressed_cells = protocol.datasets.iter().map(|d| d.audit.suppressed).sum();
    let estimated_cells = protocol.crosswalk.as_ref().map_or(0, |c| c.estimated.len());
    Ok(DateOutcome {
        date: date.to_owned(),
        layer: own.map(|l| l.source.path.clone()),
        datasets,
        audit_passed: protocol.is_passed(),
        suppressed_cells,
        estimated_cells,
        protected_files,
        sealed_files,
        anonymized,
        hierarchy,
        crosswalk,
    })
}

/// The crosswalk from an earlier layer to the current one (by the official house coordinates
/// where the project has them, else by area), and the protocol's report of it with every
/// estimated cell of the tables re-aggregated onto the ranking level.
fn crosswalk_step(
    project: &Project,
    old: &Hierarchy,
    current: &Hierarchy,
    old_layer: &Path,
    table: Option<&AddressTable>,
    anonymized: &mut Anonymized,
) -> Result<Crosswalk, Error> {
    let points: Vec<geo::Coord<f64>> = table.map_or_else(Vec::new, |t| {
        t.entries()
            .iter()
            .map(|e| geo::coord! { x: e.x, y: e.y })
            .collect()
    });
    let crosswalk = Crosswalk::build(old, current, &points)?;
    let level = &project.analysis.level;
    let mut estimated = Vec::new();
    for t in anonymized.tables() {
        let r = reaggregate(t, old, current, &crosswalk, level)?;
        estimated.extend(
            r.estimated_cells()
                .map(|(layer, unit, category)| EstimatedCell {
                    dataset: t.dataset().name().to_owned(),
                    layer: layer.to_owned(),
                    unit_id: unit.to_owned(),
                    category: category.to_owned(),
                }),
        );
    }
    let links = crosswalk.links();
    let file_name = |p: &Path| {
        p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let old_blocks = old.blocks().len();
    anonymized.set_crosswalk(CrosswalkReport {
        from_layer: file_name(old_layer),
        to_layer: file_name(&project.hierarchy.source.path),
        level: level.clone(),
        links: links.len(),
        by_addresses: links
            .iter()
            .filter(|l| l.method == CrosswalkMethod::Addresses)
            .count(),
        by_area: links
            .iter()
            .filter(|l| l.method == CrosswalkMethod::Area)
            .count(),
        exact_blocks: (0..old_blocks).filter(|&b| crosswalk.exact(b)).count(),
        old_blocks,
        estimated,
    });
    Ok(crosswalk)
}

/// A dataset's file at a date (an error naming the date when the dataset has none; a file
/// that cannot be read is the reader's error, which a monitoring run wraps with its date).
fn dataset_path(project: &Project, d: &Dataset, date: &str) -> Result<PathBuf, Error> {
    let path = project.dataset_file(d.kind, date).ok_or_else(|| {
        Error::Project(super::ProjectError::Invalid {
            path: project.file.clone(),
            line: None,
            key: "datasets.earlier".to_owned(),
            message: format!(
                "reference date {date}: dataset `{}` has no file for this date",
                d.kind.name()
            ),
        })
    })?;
    Ok(path.to_path_buf())
}

/// Runs the sealed phase, the analyze phase or both (`quartier anonymize | analyze | run`):
/// with both, the analysis takes the sealed phase's tables, protocol and hierarchy directly.
///
/// # Errors
///
/// As [`anonymize_project`] and [`analyze_project`].
pub fn run_project(
    project: &Project,
    anonymize: bool,
    analyze: bool,
    progress: &mut dyn Progress,
) -> Result<RunOutcome, Error> {
    // A target that cannot be written fails before the long work, not after it.
    if analyze && let Some(target) = &project.outputs.postgis {
        check_postgis_target(target)?;
    }
    let sealed = if anonymize {
        Some(anonymize_project(project, progress)?)
    } else {
        None
    };
    let analysis = if analyze {
        Some(analyze_project(project, sealed.as_ref(), progress)?)
    } else {
        None
    };
    Ok(RunOutcome {
        anonymize: sealed,
        analyze: analysis,
    })
}

/// The analyze phase of a project: reads the block layer and the protected tables from
/// `outputs.protected` (nothing else of the sealed phase), computes indicators, ranking,
/// rank intervals and Moran's I, and writes `ranking.csv`, `ranking.json`, the report and
/// the GIS layers into `outputs.analysis`.
///
/// `sealed` is the sealed phase's outcome when both run in one process (`run`): its tables
/// and hierarchy are used as they are (nothing is read again) and its protocol goes into
/// the report. Without it the report's protocol summary is left out (the protocol stays in
/// `outputs.protected`).
///
/// # Errors
///
/// Any error of reading, analyzing, rendering or writing.
pub fn analyze_project(
    project: &Project,
    sealed: Option<&AnonymizeOutcome>,
    progress: &mut dyn Progress,
) -> Result<AnalyzeOutcome, Error> {
    if sealed.is_none()
        && let Some(target) = &project.outputs.postgis
    {
        check_postgis_target(target)?;
    }
    let read: (Hierarchy, Vec<ProtectedTables>);
    let (hierarchy, tables) = match sealed {
        Some(s) => (&s.hierarchy, s.anonymized.tables()),
        None => {
            progress.start("reading the block layer and the protected tables");
            let (hierarchy, _) = read_named_hierarchy(project)?;
            let rule = project.rules.frequency_rule();
            let tables = project
                .datasets
                .iter()
                .map(|d| {
                    let path = project.protected_table_path(d.kind, project.current_date());
                    read_protected_csv(&path, &hierarchy, &rule)
                })
                .collect::<Result<_, _>>()?;
            progress.finish();
            read = (hierarchy, tables);
            (&read.0, read.1.as_slice())
        }
    };
    let anonymized = sealed.map(|s| &s.anonymized);

    progress.start("analyzing: indicators, ranking, rank intervals, Moran's I");
    let analysis = analyze(tables, hierarchy, &project.analysis)?;
    let dir = &project.outputs.analysis;
    create_dir(dir)?;
    let mut files = Vec::new();
    type WriteFn = fn(&Path, &Analysis) -> Result<(), IoError>;
    for (name, write) in [
        ("ranking.csv", write_ranking_csv as WriteFn),
        ("ranking.json", write_ranking_json),
    ] {
        let path = dir.join(name);
        write(&path, &analysis)?;
        files.push(path);
    }
    progress.finish();

    // Over time: every earlier date on the current units, and the trends.
    let monitoring = if project.is_monitoring() {
        progress.start("monitoring over time: earlier dates, trends, dynamics");
        let m = super::monitoring::monitoring(project, sealed, hierarchy, &analysis)?;
        let path = dir.join("trends.csv");
        write_trends_csv(&path, &m.input, &m.trends)?;
        files.push(path);
        progress.finish();
        Some(m)
    } else {
        None
    };

    // Sign-offs: indicators reading a dataset without a current sign-off are drafts.
    let release = crate::release::release_state(project)?;
    let release_view = ReleaseView {
        drafts: release.drafts.clone(),
        signoffs: release
            .signoffs
            .iter()
            .map(|s| SignoffView {
                dataset: s.signoff.dataset.clone(),
                reference_date: s.signoff.reference_date.clone(),
                office: s.signoff.office.clone(),
                signed_on: s.signoff.signed_on.clone(),
                comment: s.signoff.comment.clone(),
                sha256: s.signoff.sha256.clone(),
                current: s.status.is_current(),
            })
            .collect(),
    };

    progress.start("rendering maps, profiles and GIS layers");
    let catalogue = project.catalogue();
    let input = ReportInput {
        hierarchy,
        tables,
        analysis: &analysis,
        catalogue: &catalogue,
        protocol: anonymized.map(Anonymized::protocol),
        monitoring: monitoring.as_ref().map(|m| &m.view),
        release: Some(&release_view),
    };
    let mut spec = ReportSpec::new(&project.name);
    spec.language = project.language;
    let report = render_report(&input, &spec)?;
    let written = write_report(dir, hierarchy, &report, &project.crs.srs())?;
    let index = written.first().cloned();
    files.extend(written);
    progress.finish();
    let postgis = match &project.outputs.postgis {
        Some(target) => {
            progress.start("writing the published layers into PostGIS");
            write_postgis_layers(target, hierarchy, &report.layers, project.crs)?;
            progress.finish();
            let tables = report.layers.iter().map(|l| l.name.clone()).collect();
            Some((target.schema.clone(), tables))
        }
        None => None,
    };

    Ok(AnalyzeOutcome {
        level: analysis.indicators.level.clone(),
        ranked: analysis.ranking.ranked(),
        selected: analysis
            .ranking
            .by_rank()
            .into_iter()
            .filter(|u| u.selected)
            .map(|u| u.id.as_str().to_owned())
            .collect(),
        moran_i: analysis.moran.as_ref().map(|m| m.i),
        dates: project.dates.clone(),
        drafts: release.drafts.iter().cloned().collect(),
        changed: monitoring
            .as_ref()
            .map(|m| m.trends.what_changed().into_iter().map(|c| c.id).collect())
            .unwrap_or_default(),
        files,
        index,
        postgis,
    })
}

fn create_dir(dir: &Path) -> Result<(), IoError> {
    std::fs::create_dir_all(dir).map_err(|e| IoError::File {
        path: dir.to_path_buf(),
        source: e,
    })
}

fn reasons(by_reason: &BTreeMap<&'static str, usize>) -> String {
    by_reason
        .iter()
        .map(|(r, n)| format!("{n} {}", r.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the block layer (and upper layers) in their CRS, transforms them into the project
/// CRS and builds the hierarchy.
/// How findings of the hierarchy name their files: `hierarchy <block layer>` and, when
/// upper levels come from their own layers, `(<level>: <file>, ...)` (a finding's level and
/// feature index then tell which layer it is in).
fn hierarchy_label(project: &Project) -> String {
    let h = &project.hierarchy;
    let mut label = format!("hierarchy {}", h.source.path.display());
    if !h.upper.is_empty() {
        let upper: Vec<String> = h
            .upper
            .iter()
            .map(|u| format!("{}: {}", u.level, u.source.path.display()))
            .collect();
        label.push_str(&format!(" ({})", upper.join(", ")));
    }
    label
}

/// [`read_hierarchy`] with a hierarchy error naming the project's layer files.
fn read_named_hierarchy(project: &Project) -> Result<(Hierarchy, ValidationReport), Error> {
    read_hierarchy(project).map_err(|e| match e {
        Error::Hierarchy(error) => Error::Hierarchy(HierarchyError::Layers {
            layers: hierarchy_label(project),
            error: Box::new(error),
        }),
        other => other,
    })
}

fn read_hierarchy(project: &Project) -> Result<(Hierarchy, ValidationReport), Error> {
    let h = &project.hierarchy;
    read_layer(project, &h.source, h.crs, true)
}

/// The hierarchy of an earlier block layer: the current layer's levels, id fields and name
/// field; upper levels dissolved from its blocks.
pub(super) fn read_earlier_hierarchy(
    project: &Project,
    layer: &super::EarlierLayer,
) -> Result<Hierarchy, Error> {
    read_layer(project, &layer.source, layer.crs, false).map(|(h, _)| h)
}

fn read_layer(
    project: &Project,
    source: &LayerSource,
    from: Crs,
    with_upper: bool,
) -> Result<(Hierarchy, ValidationReport), Error> {
    let h = &project.hierarchy;
    let spec = BlockLayerSpec {
        levels: h.levels.clone(),
        id_fields: h.id_fields.clone(),
        name_field: h.name_field.clone(),
    };
    let to = project.crs;
    let mut builder = HierarchyBuilder::new(h.levels.clone());
    for mut block in read_block_layer_any(source, &spec)? {
        block.geometry = transform_geometry(&block.geometry, from, to, &source.path)?;
        builder.add_block(block);
    }
    if with_upper {
        for u in &h.upper {
            let level = h.levels.iter().position(|l| *l == u.level).unwrap_or(0);
            for mut unit in read_unit_layer_any(&u.source, &u.id_field, u.name_field.as_deref())? {
                if let Some(g) = &unit.geometry {
                    unit.geometry = Some(transform_geometry(g, u.crs, to, &u.source.path)?);
                }
                builder.add_unit(level, unit);
            }
        }
    }
    Ok(builder.build()?)
}

fn transform_geometry(
    g: &geo::MultiPolygon<f64>,
    from: Crs,
    to: Crs,
    path: &Path,
) -> Result<geo::MultiPolygon<f64>, Error> {
    if from == to {
        check_layer(g, to, path)?;
        return Ok(g.clone());
    }
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for c in g.iter().flat_map(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .flat_map(|r| r.coords())
    }) {
        xs.push(c.x);
        ys.push(c.y);
    }
    check_plausible(from, &xs, &ys).map_err(|e| e.in_dataset(path.display().to_string()))?;
    transform_in_place(from, to, &mut xs, &mut ys)?;
    let mut next = xs.into_iter().zip(ys);
    let mut ring = |r: &geo::LineString<f64>| -> geo::LineString<f64> {
        r.coords()
            .map(|c| {
                let (x, y) = next.next().unwrap_or((c.x, c.y));
                geo::coord! { x: x, y: y }
            })
            .collect()
    };
    Ok(geo::MultiPolygon(
        g.iter()
            .map(|p| {
                let exterior = ring(p.exterior());
                let interiors = p.interiors().iter().map(&mut ring).collect();
                geo::Polygon::new(exterior, interiors)
            })
            .collect(),
    ))
}

fn check_layer(g: &geo::MultiPolygon<f64>, crs: Crs, path: &Path) -> Result<(), Error> {
    // The first ring's first point is enough to catch a layer in the wrong CRS.
    if let Some(c) = g.0.first().and_then(|p| p.exterior().0.first()) {
        check_plausible(crs, &[c.x], &[c.y])
            .map_err(|e| e.in_dataset(path.display().to_string()))?;
    }
    Ok(())
}

/// The official house coordinates, in the project CRS, indexed.
fn address_table(project: &Project) -> Result<AddressTable, Error> {
    let Some(g) = &project.geocoding else {
        return Ok(AddressTable::new(Vec::new()));
    };
    let columns = match g.layout.as_str() {
        "essen" => HouseCoordinateColumns::essen(),
        "hk_de" => HouseCoordinateColumns::hk_de(),
        _ => {
            let col = |k: &str| g.columns.get(k).map(|c| CsvColumn::Name(c.clone()));
            let need = |k: &str| {
                col(k).ok_or_else(|| {
                    Error::Project(super::ProjectError::Invalid {
                        path: project.file.clone(),
                        line: None,
                        key: format!("geocoding.columns.{k}"),
                        message: "missing: a custom layout needs street, number, x and y"
                            .to_owned(),
                    })
                })
            };
            let mut c = HouseCoordinateColumns::new(
                need("street")?,
                need("number")?,
                need("x")?,
                need("y")?,
            );
            if let Some(m) = col("municipality") {
                c = c.with_municipality([m]);
            }
            if let Some(p) = col("postcode") {
                c = c.with_postcode(p);
            }
            if let Some(s) = col("suffix") {
                c = c.with_suffix(s);
            }
            c
        }
    };
    let mut file = read_house_coordinates(&g.path, &columns)?;
    // Zone-prefixed eastings are stripped by the reader: EPSG:4647 becomes 25832.
    let from = if columns.strip_zone_prefix && g.crs == Crs::ETRS89_UTM32_ZONE_PREFIX {
        Crs::ETRS89_UTM32
    } else {
        g.crs
    };
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = file.entries.iter().map(|e| (e.x, e.y)).unzip();
    check_plausible(from, &xs, &ys).map_err(|e| e.in_dataset(g.path.display().to_string()))?;
    if from != project.crs {
        transform_in_place(from, project.crs, &mut xs, &mut ys)?;
        for (e, (x, y)) in file.entries.iter_mut().zip(xs.into_iter().zip(ys)) {
            e.x = x;
            e.y = y;
        }
    }
    Ok(AddressTable::new(file.entries))
}

/// One dataset read: its records (positions in the project CRS) and, for an address
/// dataset, the geocoding matches.
struct DatasetRead {
    file: RecordFile,
    matches: Option<Vec<GeoMatch>>,
}

impl DatasetRead {
    fn outcome(&self, kind: RecordKind) -> DatasetOutcome {
        DatasetOutcome {
            dataset: kind.name(),
            records: self.file.records.len(kind),
            rejected: self.file.rejected_by_reason(),
            geocoding: self.matches.as_deref().map(GeocodeSummary::from_matches),
            assigned: None,
            unassigned: None,
        }
    }
}

fn read_dataset(
    project: &Project,
    d: &Dataset,
    path: &Path,
    table: Option<&AddressTable>,
) -> Result<DatasetRead, Error> {
    let column = |u: FieldUse| d.column(u).map(str::to_owned);
    let location = if d.by_address() {
        RecordLocation::Address(AddressColumns {
            municipality: column(FieldUse::Municipality),
            postcode: column(FieldUse::Postcode),
            street: column(FieldUse::Street).unwrap_or_default(),
            house_number: column(FieldUse::HouseNumber).unwrap_or_default(),
            suffix: column(FieldUse::Suffix),
        })
    } else {
        RecordLocation::Coordinates {
            x: column(FieldUse::X).unwrap_or_default(),
            y: column(FieldUse::Y).unwrap_or_default(),
        }
    };
    let columns = RecordColumns {
        location,
        age: column(FieldUse::Age).unwrap_or_default(),
        fee_bracket: column(FieldUse::FeeBracket),
    };
    let options = CsvOptions {
        delimiter: d.format.delimiter,
        encoding: match d.format.windows_1252 {
            None => CsvEncoding::Auto,
            Some(true) => CsvEncoding::Windows1252,
            Some(false) => CsvEncoding::Utf8,
        },
        decimal_comma: d.format.decimal_comma,
    };
    // The current date may come from PostGIS; earlier dates are files.
    let mut file = match d.postgis.as_ref().filter(|_| path == d.path) {
        Some(db) => read_records_postgis(db, d.kind, &columns)?,
        None => read_records_csv(path, d.kind, &columns, &options)?,
    };
    if d.by_address() {
        let table = table.ok_or_else(|| {
            Error::Project(super::ProjectError::Invalid {
                path: project.file.clone(),
                line: None,
                key: "geocoding".to_owned(),
                message: format!(
                    "dataset `{}` is located by address but there is no [geocoding] table",
                    d.kind.name()
                ),
            })
        })?;
        let options = geocode_options(project);
        let matches = table.geocode_all(&file.addresses, &options);
        let positions: Vec<Option<Position>> = matches
            .iter()
            .map(|m| m.stage.is_matched().then(|| Position::new(m.x, m.y)))
            .collect();
        file.records = with_positions(&file.records, d.kind, &positions);
        return Ok(DatasetRead {
            file,
            matches: Some(matches),
        });
    }
    // Coordinates: check they fit the declared CRS, then transform into the project's.
    let (xs, ys) = file.records.coordinates(d.kind);
    check_plausible(d.crs, xs, ys).map_err(|e| e.in_dataset(path.display().to_string()))?;
    if d.crs != project.crs {
        let (mut xs, mut ys) = (xs.to_vec(), ys.to_vec());
        transform_in_place(d.crs, project.crs, &mut xs, &mut ys)?;
        let positions: Vec<Option<Position>> = positions_of(&file.records, d.kind)
            .into_iter()
            .zip(xs.into_iter().zip(ys))
            .map(|(p, (x, y))| p.map(|_| Position::new(x, y)))
            .collect();
        file.records = with_positions(&file.records, d.kind, &positions);
    }
    Ok(DatasetRead {
        file,
        matches: None,
    })
}

fn geocode_options(project: &Project) -> GeocodeOptions {
    let mut o = GeocodeOptions::default();
    if let Some(g) = &project.geocoding {
        if let Some(t) = g.fuzzy_threshold {
            o.fuzzy_threshold = t;
        }
        if let Some(n) = g.nearest_number {
            o.nearest_number = n;
        }
        if let Some(m) = g.max_number_distance {
            o.max_number_distance = m;
        }
    }
    o
}

fn positions_of(records: &Records, kind: RecordKind) -> Vec<Option<Position>> {
    match kind {
        RecordKind::Resident => records.residents().iter().map(|r| r.position).collect(),
        RecordKind::Kita => records.kita().iter().map(|r| r.position).collect(),
        RecordKind::ChildSupport => records.child_support().iter().map(|r| r.position).collect(),
    }
}

/// The records of `kind` with new positions (same order).
fn with_positions(records: &Records, kind: RecordKind, positions: &[Option<Position>]) -> Records {
    /// A copy of `items` with the positions replaced (a missing entry keeps the old one).
    fn moved<T: Copy>(
        items: &[T],
        positions: &[Option<Position>],
        position: impl Fn(&mut T) -> &mut Option<Position>,
    ) -> Vec<T> {
        let mut items = items.to_vec();
        for (item, p) in items.iter_mut().zip(positions) {
            *position(item) = *p;
        }
        items
    }
    match kind {
        RecordKind::Resident => Records::new(
            moved(records.residents(), positions, |r| &mut r.position),
            Vec::new(),
            Vec::new(),
        ),
        RecordKind::Kita => Records::new(
            Vec::new(),
            moved(records.kita(), positions, |r| &mut r.position),
            Vec::new(),
        ),
        RecordKind::ChildSupport => Records::new(
            Vec::new(),
            Vec::new(),
            moved(records.child_support(), positions, |r| &mut r.position),
        ),
    }
}

/// All datasets' records in one [`Records`].
fn merge(reads: &[DatasetRead]) -> Records {
    let mut residents = Vec::new();
    let mut kita = Vec::new();
    let mut child_support = Vec::new();
    for r in reads {
        residents.extend_from_slice(r.file.records.residents());
        kita.extend_from_slice(r.file.records.kita());
        child_support.extend_from_slice(r.file.records.child_support());
    }
    Records::new(residents, kita, child_support)
}
