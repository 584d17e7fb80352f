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
use crate::assign::AssignOptions;
use crate::crs::{Crs, check_plausible, transform_in_place};
use crate::error::Error;
use crate::geocode::{AddressTable, GeoMatch, GeocodeOptions, GeocodeSummary, MatchStage};
use crate::hierarchy::{Hierarchy, HierarchyBuilder, HierarchyError, ValidationReport};
use crate::io::{
    AddressColumns, BlockLayerSpec, CsvColumn, CsvEncoding, CsvOptions, HouseCoordinateColumns,
    IoError, RecordColumns, RecordFile, RecordLocation, UnmatchedRow, read_block_layer_any,
    read_house_coordinates, read_protected_csv, read_records_csv, read_unit_layer_any,
    write_anonymized, write_ranking_csv, write_ranking_json, write_report, write_unmatched_csv,
};
use crate::records::{Position, RecordKind, Records};
use crate::render::{ReportInput, ReportSpec, render_report};

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
    /// The run's products (for `run`, which analyzes them right away).
    #[serde(skip)]
    pub anonymized: Anonymized,
    /// The hierarchy the records were counted in (so that `run` reads the layers once).
    #[serde(skip)]
    pub hierarchy: Hierarchy,
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
    /// Files written to the analysis folder.
    pub files: Vec<PathBuf>,
    /// The report's index page.
    pub index: Option<PathBuf>,
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
    for d in &project.datasets {
        progress.start(&format!("reading {}", d.kind.name()));
        match read_dataset(project, d, table.as_ref()) {
            Ok(read) => {
                let o = read.outcome(d.kind);
                if let Some(n) = o.rejected.values().copied().reduce(|a, b| a + b) {
                    out.warnings.push(format!(
                        "{}: {n} rows not read ({})",
                        d.path.display(),
                        reasons(&o.rejected)
                    ));
                }
                if let Some(g) = &o.geocoding {
                    if g.unmatched > 0 {
                        out.warnings.push(format!(
                            "{}: {} of {} addresses not matched",
                            d.path.display(),
                            g.unmatched,
                            g.total
                        ));
                    }
                }
                out.datasets.push(o);
            }
            Err(e) => out.errors.push(e.to_string()),
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
/// Nothing is written unless every record is accounted for and the audit passed.
///
/// # Errors
///
/// Any error of reading, geocoding, anonymizing or writing; [`Error::Project`] when the
/// protocol does not balance or the audit fails.
pub fn anonymize_project(
    project: &Project,
    progress: &mut dyn Progress,
) -> Result<AnonymizeOutcome, Error> {
    progress.start("reading the block layer");
    let (hierarchy, _) = read_named_hierarchy(project)?;
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
    let mut reads = Vec::new();
    for d in &project.datasets {
        progress.start(&format!("reading {}", d.kind.name()));
        reads.push(read_dataset(project, d, table.as_ref())?);
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
    anonymized.set_catalogue(project.catalogue());
    anonymized.add_input(InputSource::from_file(
        "blocks",
        &project.hierarchy.source.path,
    )?);
    for u in &project.hierarchy.upper {
        anonymized.add_input(InputSource::from_file(
            format!("{} boundaries", u.level),
            &u.source.path,
        )?);
    }
    if let Some(g) = &project.geocoding {
        anonymized.add_input(InputSource::from_file("house_coordinates", &g.path)?);
    }
    for (d, read) in project.datasets.iter().zip(&reads) {
        anonymized.add_input(InputSource::from_file(d.kind.name(), &d.path)?);
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

    progress.start("writing protected tables and protocol");
    let protected_files = write_anonymized(&project.outputs.protected, &hierarchy, &anonymized)?;
    let mut sealed_files = Vec::new();
    if project.geocoding.as_ref().is_some_and(|g| g.unmatched_list) {
        create_dir(&project.outputs.sealed)?;
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
            let path = project
                .outputs
                .sealed
                .join(format!("unmatched_{}.csv", d.kind.name()));
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
    Ok(AnonymizeOutcome {
        datasets,
        audit_passed: protocol.is_passed(),
        suppressed_cells,
        protected_files,
        sealed_files,
        anonymized,
        hierarchy,
    })
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
                    let path = project
                        .outputs
                        .protected
                        .join(format!("protected_{}.csv", d.kind.name()));
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

    progress.start("rendering maps, profiles and GIS layers");
    let catalogue = project.catalogue();
    let input = ReportInput {
        hierarchy,
        tables,
        analysis: &analysis,
        catalogue: &catalogue,
        protocol: anonymized.map(Anonymized::protocol),
    };
    let mut spec = ReportSpec::new(&project.name);
    spec.language = project.language;
    let report = render_report(&input, &spec)?;
    let written = write_report(dir, hierarchy, &report, &project.crs.srs())?;
    let index = written.first().cloned();
    files.extend(written);
    progress.finish();

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
        files,
        index,
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
    let spec = BlockLayerSpec {
        levels: h.levels.clone(),
        id_fields: h.id_fields.clone(),
        name_field: h.name_field.clone(),
    };
    let from = h.crs;
    let to = project.crs;
    let mut builder = HierarchyBuilder::new(h.levels.clone());
    for mut block in read_block_layer_any(&h.source, &spec)? {
        block.geometry = transform_geometry(&block.geometry, from, to, &h.source.path)?;
        builder.add_block(block);
    }
    for u in &h.upper {
        let level = h.levels.iter().position(|l| *l == u.level).unwrap_or(0);
        for mut unit in read_unit_layer_any(&u.source, &u.id_field, u.name_field.as_deref())? {
            if let Some(g) = &unit.geometry {
                unit.geometry = Some(transform_geometry(g, u.crs, to, &u.source.path)?);
            }
            builder.add_unit(level, unit);
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
    let mut file = read_records_csv(&d.path, d.kind, &columns, &options)?;
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
    check_plausible(d.crs, xs, ys).map_err(|e| e.in_dataset(d.path.display().to_string()))?;
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
