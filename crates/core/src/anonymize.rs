//! The sealed-office phase end to end: records → blocks → count tables → linked-table model
//! → primary and secondary suppression → audit → [`ProtectedTables`] and a protocol.
//!
//! [`anonymize`] is the only way from individual [`Records`] to something writable. Its
//! products are
//!
//! - one [`ProtectedTables`] per dataset: every cell of every level of the hierarchy and of
//!   every other grouping of blocks, with its value *or nothing* (a suppressed cell carries
//!   no value at all, not even inside the program) and its status;
//! - an [`AnonymizeProtocol`]: software version, parameters, inputs, where every record
//!   ended, cells by status per layer and the audit summary — counts only.
//!
//! Neither holds a record, a coordinate or a record id. The writers are in the `io` module
//! ([`write_protected_csv`](crate::write_protected_csv),
//! [`write_anonymized`](crate::write_anonymized)).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Serialize, Serializer};

use crate::assign::AssignOptions;
use crate::catalogue::DatasetEntry;
use crate::disclosure::{
    AuditReport, CellStatus, DisclosureError, FrequencyRule, Grouping, Layer, LinkedTables, Zeros,
    protect_with,
};
use crate::error::Error;
use crate::geocode::GeocodeSummary;
use crate::hierarchy::{Hierarchy, UnitId};
use crate::io::Rejection;
use crate::pipeline::{Counts, DatasetProtocol, Protocol, count_records};
use crate::records::{RecordKind, Records};
use crate::table::{CategorySet, TableError};

/// What [`anonymize`] does: how records are assigned, the frequency rule of primary
/// suppression (its `k` is also the protection level of secondary suppression and audit) and
/// the other groupings of blocks protected together with the hierarchy.
///
/// The default assigns without snapping, suppresses `0 < n < 3` and publishes zeros, and has
/// no other grouping.
///
/// # Examples
///
/// ```
/// use quartier::AnonymizeSpec;
///
/// let spec = AnonymizeSpec::default();
/// assert_eq!(spec.rule.k, 3);
/// assert_eq!(spec.assign.snap_distance, None);
/// assert!(spec.groupings.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnonymizeSpec {
    /// How records are assigned to blocks (snap distance).
    pub assign: AssignOptions,
    /// The primary frequency rule; `rule.k` is also the protection level.
    pub rule: FrequencyRule,
    /// Other area layers built from the blocks (school districts, social areas, ...),
    /// protected in the same model as the hierarchy.
    pub groupings: Vec<Grouping>,
    /// The finest published level per dataset, by level name; a dataset not listed is
    /// published down to the blocks.
    ///
    /// A dataset published above the blocks is counted on the blocks as usual but protected
    /// and published only on the levels down to the named one, and without the groupings
    /// (they are made of blocks, so their tables together with the quarters' would reveal
    /// block-sized differences). This is how offices publish sparse sensitive data: Kita
    /// fee brackets or child-support cases by block are mostly ones and twos, and protecting
    /// them forces so many secondary suppressions up into the quarters that the quarters'
    /// indicators are lost. The protocol lists the layers each dataset was published on.
    pub finest_levels: Vec<(RecordKind, String)>,
    /// The protection level of secondary suppression and audit (the least width of a
    /// suppressed cell's interval); `None` = `rule.k`.
    pub protection: Option<u64>,
    /// Units (of every level and grouping) with fewer residents than this have every cell
    /// of every dataset suppressed (primary), whatever the counts; 0 = no minimum. This is
    /// the minimum population of German small-area statistics: a block with 4 residents is
    /// not published at all.
    pub min_population: u64,
    /// The datasets protected and published; empty = every [`RecordKind`].
    pub datasets: Vec<RecordKind>,
}

/// Whether a layer of [`ProtectedTables`] is a level of the hierarchy or another grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// A level of the hierarchy.
    Level,
    /// Another grouping of blocks.
    Grouping,
}

impl LayerKind {
    /// `level` or `grouping`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Level => "level",
            Self::Grouping => "grouping",
        }
    }
}

/// One table of [`ProtectedTables`]: its name, kind, and its units with their parents.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProtectedLayer {
    name: String,
    kind: LayerKind,
    /// `(unit id, parent id)` per unit, in id order.
    units: Vec<(UnitId, Option<UnitId>)>,
}

/// One cell: layer, unit and category by position, the value or nothing, the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    layer: usize,
    unit: usize,
    /// Category position; `None` = the row total.
    category: Option<usize>,
    value: Option<u64>,
    status: CellStatus,
}

/// The protected count tables of one dataset: the only product of the sealed-office phase
/// that may be written.
///
/// It holds every cell of every table of the dataset's linked-table model: the hierarchy's
/// levels from the top down, then the other groupings in the order of the spec; within a
/// table the units in id order; within a unit the categories in order, then the row total.
/// Per cell it holds the keys (layer name, unit id, parent id, category label or `total`),
/// the value **or nothing** (a suppressed cell has no value) and the status (`published`,
/// `primary`, `secondary`).
///
/// Only [`anonymize`] makes one.
///
/// # Serialization
///
/// `Serialize` writes `dataset`, `category_set`, `categories` and `cells`, each cell with
/// `layer`, `unit_id`, `parent_id`, `category`, `value` (`null` when suppressed) and `status`
/// — `published` or `suppressed` only: which suppressed cells are primary would tell an
/// attacker that they hold `1..k-1` (see the `io` writers). The full status is available in
/// memory through [`ProtectedRow::status`] for the protocol.
///
/// # Examples
///
/// ```
/// use quartier::{AnonymizeSpec, CellStatus, anonymize};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?; // a small Musterstadt
/// let out = anonymize(&town.records, &town.hierarchy, &AnonymizeSpec::default())?;
/// let residents = &out.tables()[0];
/// assert_eq!(residents.dataset().name(), "resident");
/// for row in residents.rows() {
///     assert_eq!(row.value.is_none(), row.status.is_suppressed());
///     if let Some(n) = row.value {
///         assert!(n == 0 || n >= 3);
///     }
/// }
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedTables {
    dataset: RecordKind,
    categories: CategorySet,
    layers: Vec<ProtectedLayer>,
    cells: Vec<Cell>,
}

/// A borrowed view of one cell of [`ProtectedTables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtectedRow<'a> {
    /// The layer: a level name of the hierarchy or a grouping name.
    pub layer: &'a str,
    /// Whether the layer is a level or another grouping.
    pub layer_kind: LayerKind,
    /// The unit's (or group's) id.
    pub unit_id: &'a str,
    /// The parent unit's id; `None` on the top level and in groupings.
    pub parent_id: Option<&'a str>,
    /// The category label, or `total` for the row total.
    pub category: &'a str,
    /// The count; `None` when suppressed.
    pub value: Option<u64>,
    /// Published, or suppressed and why (stays in the sealed office: the published files
    /// say only `suppressed`).
    pub status: CellStatus,
}

/// The label of the row-total column.
pub(crate) const TOTAL: &str = "total";

impl ProtectedTables {
    /// Builds the protected tables of one dataset from its model and final status vector.
    ///
    /// Private to the crate: only [`anonymize`] makes protected tables.
    fn new(
        dataset: RecordKind,
        hierarchy: &Hierarchy,
        groupings: &[Grouping],
        tables: &LinkedTables,
        status: &[CellStatus],
    ) -> Result<Self, Error> {
        let mut layers = Vec::new();
        for layer in tables.layers() {
            let protected = match layer {
                Layer::Level(l) => {
                    let parents = l.checked_sub(1).map(|p| hierarchy.units(p));
                    ProtectedLayer {
                        name: hierarchy.levels()[l].clone(),
                        kind: LayerKind::Level,
                        units: hierarchy
                            .units(l)
                            .iter()
                            .map(|u| {
                                let parent = u
                                    .parent()
                                    .and_then(|p| parents.and_then(|ps| ps.get(p)))
                                    .map(|p| p.id().clone());
                                (u.id().clone(), parent)
                            })
                            .collect(),
                    }
                }
                Layer::Grouping(g) => {
                    let grouping = &groupings[g];
                    ProtectedLayer {
                        name: grouping.name().to_owned(),
                        kind: LayerKind::Grouping,
                        units: grouping.ids().iter().map(|id| (id.clone(), None)).collect(),
                    }
                }
            };
            layers.push(protected);
        }
        if status.len() != tables.len() {
            return Err(DisclosureError::StatusLength {
                statuses: status.len(),
                cells: tables.len(),
            }
            .into());
        }
        let mut cells = Vec::with_capacity(tables.len());
        for (i, (&value, &status)) in tables.values().iter().zip(status).enumerate() {
            // ok: `i < tables.len()`, so every index has a key.
            let Some(key) = tables.key(i) else { continue };
            let layer = match key.layer {
                Layer::Level(l) => l,
                Layer::Grouping(g) => tables.levels() + g,
            };
            cells.push(Cell {
                layer,
                unit: key.unit,
                category: key.category,
                value: (!status.is_suppressed()).then_some(value),
                status,
            });
        }
        Ok(Self {
            dataset,
            categories: tables.categories().clone(),
            layers,
            cells,
        })
    }

    /// The dataset (record kind) the tables count.
    pub fn dataset(&self) -> RecordKind {
        self.dataset
    }

    /// The category set (the columns; each table also has a row total).
    pub fn categories(&self) -> &CategorySet {
        &self.categories
    }

    /// Number of cells over all tables.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether there is no cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The layer names (levels from the top, then groupings), with their kind.
    pub fn layers(&self) -> impl Iterator<Item = (&str, LayerKind)> + '_ {
        self.layers.iter().map(|l| (l.name.as_str(), l.kind))
    }

    /// Every cell, in the deterministic order described at [`ProtectedTables`].
    pub fn rows(&self) -> impl ExactSizeIterator<Item = ProtectedRow<'_>> + '_ {
        self.cells.iter().map(|c| self.row(c))
    }

    fn row(&self, c: &Cell) -> ProtectedRow<'_> {
        let layer = &self.layers[c.layer];
        let (id, parent) = &layer.units[c.unit];
        ProtectedRow {
            layer: &layer.name,
            layer_kind: layer.kind,
            unit_id: id.as_str(),
            parent_id: parent.as_ref().map(UnitId::as_str),
            category: c
                .category
                .map_or(TOTAL, |k| self.categories.labels()[k].as_str()),
            value: c.value,
            status: c.status,
        }
    }

    /// Cells by status per layer, in layer order.
    fn layer_cells(&self) -> Vec<LayerCells> {
        let mut out: Vec<LayerCells> = self
            .layers
            .iter()
            .map(|l| LayerCells {
                layer: l.name.clone(),
                kind: l.kind,
                units: l.units.len(),
                cells: 0,
                published: 0,
                primary: 0,
                secondary: 0,
            })
            .collect();
        for c in &self.cells {
            let e = &mut out[c.layer];
            e.cells += 1;
            match c.status {
                CellStatus::Published => e.published += 1,
                CellStatus::Primary => e.primary += 1,
                CellStatus::Secondary => e.secondary += 1,
            }
        }
        out
    }
}

/// A layer of protected tables read back from a file: name, kind, `(unit id, parent id)`
/// per unit in file order.
pub(crate) type LayerParts = (String, LayerKind, Vec<(UnitId, Option<UnitId>)>);

/// A cell of protected tables read back from a file: layer, unit and category by position
/// (`None` = the row total), value, status.
pub(crate) type CellParts = (usize, usize, Option<usize>, Option<u64>, CellStatus);

impl ProtectedTables {
    /// Builds protected tables read back from a file (`io::read_protected_csv`): the
    /// caller has checked every key against the hierarchy; this checks the structure.
    ///
    /// The cells must be complete and in the order [`ProtectedTables`] documents (per layer,
    /// per unit, the categories of `dataset` then the total), and a cell must have a value
    /// exactly when it is published. Returns the index of the first cell that breaks this
    /// (`cells.len()` when cells are missing).
    pub(crate) fn from_parts(
        dataset: RecordKind,
        layers: Vec<LayerParts>,
        cells: Vec<CellParts>,
    ) -> Result<Self, usize> {
        let categories = dataset.categories();
        let per_unit = categories.len() + 1;
        let mut expected = 0;
        for (l, (_, _, units)) in layers.iter().enumerate() {
            for u in 0..units.len() {
                for k in 0..per_unit {
                    let category = (k < categories.len()).then_some(k);
                    match cells.get(expected) {
                        Some(&(cl, cu, ck, value, status))
                            if cl == l
                                && cu == u
                                && ck == category
                                && value.is_some() != status.is_suppressed() => {}
                        _ => return Err(expected),
                    }
                    expected += 1;
                }
            }
        }
        if expected != cells.len() {
            return Err(expected);
        }
        Ok(Self {
            dataset,
            categories,
            layers: layers
                .into_iter()
                .map(|(name, kind, units)| ProtectedLayer { name, kind, units })
                .collect(),
            cells: cells
                .into_iter()
                .map(|(layer, unit, category, value, status)| Cell {
                    layer,
                    unit,
                    category,
                    value,
                    status,
                })
                .collect(),
        })
    }
}

/// The status as it is published: `published` or `suppressed`.
pub(crate) fn published_status(status: CellStatus) -> &'static str {
    if status.is_suppressed() {
        "suppressed"
    } else {
        "published"
    }
}

#[derive(Serialize)]
struct RowOut<'a> {
    layer: &'a str,
    unit_id: &'a str,
    parent_id: Option<&'a str>,
    category: &'a str,
    value: Option<u64>,
    status: &'static str,
}

struct RowsOut<'a>(&'a ProtectedTables);

impl Serialize for RowsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.rows().map(|r| RowOut {
            layer: r.layer,
            unit_id: r.unit_id,
            parent_id: r.parent_id,
            category: r.category,
            value: r.value,
            status: published_status(r.status),
        }))
    }
}

impl Serialize for ProtectedTables {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            dataset: &'a str,
            category_set: &'a str,
            categories: &'a [String],
            cells: RowsOut<'a>,
        }
        Out {
            dataset: self.dataset.name(),
            category_set: self.categories.name(),
            categories: self.categories.labels(),
            cells: RowsOut(self),
        }
        .serialize(s)
    }
}

/// Where an input came from: a file (with its SHA-256) or a generator with its seed.
///
/// # Examples
///
/// ```
/// use quartier::InputSource;
///
/// let demo = InputSource::Generated { name: "musterstadt".into(), seed: 2019 };
/// assert_eq!(demo.to_string(), "musterstadt: generated, seed 2019");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputSource {
    /// An input file; see [`InputSource::from_file`].
    File {
        /// What the file holds (e.g. `residents`, `blocks`).
        name: String,
        /// The file's name (the last path component).
        file: String,
        /// SHA-256 of the file's bytes, lowercase hex.
        sha256: String,
    },
    /// A table or query of a PostGIS database (no checksum: a database has no file to
    /// hash; the row count is in the dataset's protocol).
    Database {
        /// What the table holds.
        name: String,
        /// `PostGIS table schema.table` or `PostGIS query` (without the connection, which
        /// may name a person's account).
        source: String,
    },
    /// Generated data (the demo town), reproducible from the seed.
    Generated {
        /// What was generated.
        name: String,
        /// The seed.
        seed: u64,
    },
}

impl std::fmt::Display for InputSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File { name, file, sha256 } => write!(f, "{name}: {file}, sha256 {sha256}"),
            Self::Database { name, source } => write!(f, "{name}: {source}"),
            Self::Generated { name, seed } => write!(f, "{name}: generated, seed {seed}"),
        }
    }
}

/// The software that wrote a protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Software {
    /// `quartier`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Default for Software {
    fn default() -> Self {
        Self {
            name: "quartier",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// A grouping as listed in the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupingInfo {
    /// The grouping's name.
    pub name: String,
    /// Number of groups.
    pub groups: usize,
    /// Number of blocks in some group.
    pub blocks: usize,
}

/// The parameters of an [`anonymize`] run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameters {
    /// Minimum frequency `k` (primary rule `0 < n < k`).
    pub k: u64,
    /// Protection level: the least width of a suppressed cell's interval (usually `k`).
    pub protection: u64,
    /// Units with fewer residents have every cell suppressed; 0 = no minimum.
    pub min_population: u64,
    /// `publish` or `suppress`: whether zero cells are sensitive.
    pub zeros: &'static str,
    /// Snap distance in metres; `None` = no snapping.
    pub snap_distance_m: Option<f64>,
    /// The other groupings of blocks.
    pub groupings: Vec<GroupingInfo>,
}

/// Cells by status in one layer (table) of one dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerCells {
    /// The layer's name.
    pub layer: String,
    /// Level or grouping.
    pub kind: LayerKind,
    /// Units (rows).
    pub units: usize,
    /// Cells (units × (categories + 1)).
    pub cells: usize,
    /// Published cells.
    pub published: usize,
    /// Primary-suppressed cells.
    pub primary: usize,
    /// Secondary-suppressed cells.
    pub secondary: usize,
}

/// The audit of one dataset, summarized (no cell value, no interval bound).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditSummary {
    /// Whether every suppressed cell is protected.
    pub passed: bool,
    /// The protection level (minimum interval width).
    pub protection: u64,
    /// Suppressed cells audited.
    pub suppressed: usize,
    /// Protected cells.
    pub protected: usize,
    /// Exposed cells.
    pub exposed: usize,
    /// The smallest interval width (rounded to 1e-6); `None` when nothing is suppressed,
    /// `unbounded` in JSON when every interval is unbounded.
    #[serde(serialize_with = "width")]
    pub smallest_width: Option<f64>,
    /// Independent components of the suppressed cells.
    pub components: usize,
    /// Linear programs solved.
    pub lps: usize,
}

fn width<S: Serializer>(w: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match w {
        None => s.serialize_none(),
        Some(w) if w.is_finite() => s.serialize_f64(*w),
        Some(_) => s.serialize_str("unbounded"),
    }
}

impl AuditSummary {
    fn of(report: &AuditReport) -> Self {
        Self {
            passed: report.is_passed(),
            protection: report.protection(),
            suppressed: report.suppressed(),
            protected: report.protected_count(),
            exposed: report.exposed_count(),
            smallest_width: report.smallest_width().map(|w| {
                if w.is_finite() {
                    (w * 1e6).round() / 1e6
                } else {
                    w
                }
            }),
            components: report.components(),
            lps: report.lps_solved(),
        }
    }

    fn width_text(&self) -> String {
        match self.smallest_width {
            None => "–".to_owned(),
            Some(w) if w.is_finite() => format!("{w}"),
            Some(_) => "unbounded".to_owned(),
        }
    }
}

/// Records, cells and audit of one dataset in the protocol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetReport {
    /// The dataset's name (`resident`, `kita`, `child_support`).
    pub dataset: &'static str,
    /// The category set's name.
    pub category_set: String,
    /// The category labels.
    pub categories: Vec<String>,
    /// Records read and where each one ended.
    pub records: DatasetProtocol,
    /// Input rows not read as records, by reason (`missing_field`, `unparsable`,
    /// `out_of_range`; see [`Anonymized::add_rejections`]). Empty when every row was read.
    pub rejected_rows: BTreeMap<&'static str, usize>,
    /// Cells by status per layer.
    pub cells: Vec<LayerCells>,
    /// Secondary suppression rounds beyond the first cover pass (singleton and deferred
    /// cells, and audit rounds that needed complements).
    pub suppression_rounds: usize,
    /// The final audit.
    pub audit: AuditSummary,
}

/// The protocol of an [`anonymize`] run: everything an auditor needs to know about the run,
/// and no personal value.
///
/// It serializes to JSON with a fixed key order ([`AnonymizeProtocol::to_json`]) and renders
/// a readable Markdown page ([`AnonymizeProtocol::to_markdown`]).
///
/// # Examples
///
/// ```
/// use quartier::{AnonymizeSpec, InputSource, anonymize};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?; // a small Musterstadt
/// let mut out = anonymize(&town.records, &town.hierarchy, &AnonymizeSpec::default())?;
/// out.add_input(InputSource::Generated { name: "musterstadt".into(), seed: 3 });
/// let p = out.protocol();
/// assert!(p.is_balanced() && p.is_passed());
/// assert!(p.to_json().contains("\"k\": 3"));
/// assert!(p.to_markdown().starts_with("# Anonymization protocol"));
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AnonymizeProtocol {
    /// Name and version of the software.
    pub software: Software,
    /// The inputs (files with their SHA-256, or generated data with its seed).
    pub inputs: Vec<InputSource>,
    /// The parameters.
    pub parameters: Parameters,
    /// One report per dataset, in [`RecordKind::ALL`] order.
    pub datasets: Vec<DatasetReport>,
    /// The dataset catalogue (owner office, reference date, legal basis), when the caller
    /// gave one ([`Anonymized::set_catalogue`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catalogue: Vec<DatasetEntry>,
    /// How the addresses of datasets located by address were geocoded
    /// ([`Anonymized::add_geocoding`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub geocoding: Vec<GeocodingReport>,
    /// For a reference date counted on an earlier block layer: the crosswalk to the current
    /// layer and the re-aggregated cells that are estimated ([`Anonymized::set_crosswalk`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crosswalk: Option<CrosswalkReport>,
}

/// How an earlier block layer was linked to the current one, and which cells of the tables
/// re-aggregated onto the current units are estimated (not exact): block ids and counts of
/// links only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrosswalkReport {
    /// The earlier layer's file name.
    pub from_layer: String,
    /// The current layer's file name.
    pub to_layer: String,
    /// The level the tables were re-aggregated on (the ranking level).
    pub level: String,
    /// Links from old to new blocks.
    pub links: usize,
    /// Links weighted by address points.
    pub by_addresses: usize,
    /// Links weighted by area (old blocks without an address point): estimates.
    pub by_area: usize,
    /// Old blocks that went whole into one new block.
    pub exact_blocks: usize,
    /// Old blocks in all.
    pub old_blocks: usize,
    /// Every estimated re-aggregated cell: dataset, level, unit id, category.
    pub estimated: Vec<EstimatedCell>,
}

/// One estimated cell of a re-aggregated table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EstimatedCell {
    /// The dataset.
    pub dataset: String,
    /// The level (layer) of the current hierarchy.
    pub layer: String,
    /// The unit's id in the current layer.
    pub unit_id: String,
    /// The category label or `total`.
    pub category: String,
}

/// How the addresses of one dataset were geocoded: counts by stage, never an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeocodingReport {
    /// The dataset's name.
    pub dataset: &'static str,
    /// Counts by stage and unmatched reason.
    pub summary: GeocodeSummary,
}

impl AnonymizeProtocol {
    /// Whether every dataset's record outcomes add up to its records read.
    pub fn is_balanced(&self) -> bool {
        self.datasets.iter().all(|d| d.records.is_balanced())
    }

    /// Whether every dataset's audit passed.
    pub fn is_passed(&self) -> bool {
        self.datasets.iter().all(|d| d.audit.passed)
    }

    /// The records part: records read and outcomes per dataset.
    pub fn records(&self) -> Protocol {
        Protocol {
            datasets: self.datasets.iter().map(|d| d.records).collect(),
        }
    }

    /// Pretty-printed JSON, keys in declaration order, `\n` line ends and a final newline.
    pub fn to_json(&self) -> String {
        // ok: every field serializes (strings, integers, finite floats or strings for
        // infinite widths); serde_json fails only on non-string map keys, of which there are
        // none.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A readable Markdown page: inputs, parameters, records, cells by status per layer, and
    /// the audit.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_markdown(&mut s);
        s
    }

    fn write_markdown(&self, s: &mut String) -> std::fmt::Result {
        let p = &self.parameters;
        writeln!(s, "# Anonymization protocol\n")?;
        writeln!(
            s,
            "Written by {} {}. Only protected count tables leave the sealed office; this \
             protocol holds counts only.\n",
            self.software.name, self.software.version
        )?;
        writeln!(s, "## Inputs\n")?;
        if self.inputs.is_empty() {
            writeln!(s, "(not recorded)")?;
        }
        for input in &self.inputs {
            match input {
                InputSource::File { name, file, sha256 } => {
                    writeln!(s, "- {}: `{}`, SHA-256 `{sha256}`", md(name), md(file))?
                }
                InputSource::Database { name, source } => {
                    writeln!(s, "- {}: {}", md(name), md(source))?;
                }
                InputSource::Generated { name, seed } => {
                    writeln!(s, "- {}: generated, seed {seed}", md(name))?;
                }
            }
        }
        if !self.catalogue.is_empty() {
            writeln!(s, "\n## Datasets\n")?;
            writeln!(
                s,
                "| dataset | title | office | reference date | legal basis | description | columns read |"
            )?;
            writeln!(s, "|---|---|---|---|---|---|---|")?;
            for e in &self.catalogue {
                writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    md(&e.dataset),
                    md(&e.title),
                    md(&e.office),
                    md(&e.reference_date),
                    md(e.legal_basis.as_deref().unwrap_or("")),
                    md(e.description.as_deref().unwrap_or("")),
                    md(&e.columns.join("; "))
                )?;
            }
        }
        writeln!(s, "\n## Parameters\n")?;
        writeln!(
            s,
            "- Primary rule: a cell with 0 < n < {} is suppressed; zeros are {}.",
            p.k,
            if p.zeros == "suppress" {
                "suppressed"
            } else {
                "published"
            }
        )?;
        writeln!(
            s,
            "- Protection level: every suppressed cell's interval is at least {} wide.",
            p.protection
        )?;
        if p.min_population > 0 {
            writeln!(
                s,
                "- Minimum population: every cell of a unit with fewer than {} residents is suppressed.",
                p.min_population
            )?;
        }
        match p.snap_distance_m {
            Some(d) => writeln!(s, "- Snap distance: {d} m")?,
            None => writeln!(s, "- Snap distance: none (no snapping)")?,
        }
        if p.groupings.is_empty() {
            writeln!(s, "- Other groupings of blocks: none")?;
        }
        for g in &p.groupings {
            writeln!(
                s,
                "- Grouping `{}`: {} groups of {} blocks, protected together with the hierarchy",
                md(&g.name),
                g.groups,
                g.blocks
            )?;
        }
        writeln!(s, "\n## Records\n")?;
        writeln!(
            s,
            "| dataset | read | assigned | snapped | no coordinate | invalid coordinate | \
             outside | balanced |"
        )?;
        writeln!(s, "|---|--:|--:|--:|--:|--:|--:|---|")?;
        for d in &self.datasets {
            let r = &d.records;
            writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                d.dataset,
                r.read,
                r.assigned,
                r.snapped,
                r.no_coordinate,
                r.invalid_coordinate,
                r.outside,
                if r.is_balanced() { "yes" } else { "NO" }
            )?;
        }
        let rejected: Vec<String> = self
            .datasets
            .iter()
            .filter(|d| !d.rejected_rows.is_empty())
            .map(|d| {
                let reasons: Vec<String> = d
                    .rejected_rows
                    .iter()
                    .map(|(reason, n)| format!("{n} {}", reason.replace('_', " ")))
                    .collect();
                format!("- {}: {}", d.dataset, reasons.join(", "))
            })
            .collect();
        if !rejected.is_empty() {
            writeln!(
                s,
                "\nInput rows not read as records (not counted in any table):\n"
            )?;
            for line in rejected {
                writeln!(s, "{line}")?;
            }
        }
        if !self.geocoding.is_empty() {
            writeln!(s, "\n## Geocoding\n")?;
            writeln!(
                s,
                "Addresses matched against the official house coordinates, by stage. Unmatched \
                 records have no position and are counted as `no coordinate` above.\n"
            )?;
            writeln!(
                s,
                "| dataset | addresses | exact | normalized | nearest number | fuzzy street | unmatched |"
            )?;
            writeln!(s, "|---|--:|--:|--:|--:|--:|--:|")?;
            for g in &self.geocoding {
                let m = &g.summary;
                writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    g.dataset,
                    m.total,
                    m.exact,
                    m.normalized,
                    m.nearest_number,
                    m.fuzzy_street,
                    m.unmatched
                )?;
            }
            for g in &self.geocoding {
                if !g.summary.unmatched_by_reason.is_empty() {
                    let reasons: Vec<String> = g
                        .summary
                        .unmatched_by_reason
                        .iter()
                        .map(|(r, n)| format!("{n} {}", r.replace('_', " ")))
                        .collect();
                    writeln!(s, "\n- {} unmatched: {}", g.dataset, reasons.join(", "))?;
                }
            }
        }
        writeln!(s, "\n## Cells by status\n")?;
        for d in &self.datasets {
            writeln!(
                s,
                "### {} ({}: {})\n",
                d.dataset,
                md(&d.category_set),
                d.categories
                    .iter()
                    .map(|c| md(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
            writeln!(
                s,
                "| layer | kind | units | cells | published | primary | secondary |"
            )?;
            writeln!(s, "|---|---|--:|--:|--:|--:|--:|")?;
            for l in &d.cells {
                writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    md(&l.layer),
                    l.kind.as_str(),
                    l.units,
                    l.cells,
                    l.published,
                    l.primary,
                    l.secondary
                )?;
            }
            writeln!(s)?;
        }
        writeln!(s, "## Audit\n")?;
        writeln!(
            s,
            "For every suppressed cell, the interval an attacker can derive from all published \
             cells of the dataset's linked tables by linear programming.\n"
        )?;
        writeln!(
            s,
            "| dataset | result | suppressed | protected | exposed | smallest width | \
             components | LPs | suppression rounds |"
        )?;
        writeln!(s, "|---|---|--:|--:|--:|--:|--:|--:|--:|")?;
        for d in &self.datasets {
            let a = &d.audit;
            writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                d.dataset,
                if a.passed { "passed" } else { "FAILED" },
                a.suppressed,
                a.protected,
                a.exposed,
                a.width_text(),
                a.components,
                a.lps,
                d.suppression_rounds
            )?;
        }
        if let Some(c) = &self.crosswalk {
            writeln!(s, "\n## Crosswalk to the current block layer\n")?;
            writeln!(
                s,
                "These tables are counted on the block layer `{}`. For the monitoring over time \
                 they are re-aggregated onto the units of `{}` of the current layer `{}` through \
                 a crosswalk: {} links from {} old blocks ({} went whole into one new block); \
                 {} links weighted by address points, {} by area (blocks without an address; \
                 estimates).\n",
                md(&c.from_layer),
                md(&c.level),
                md(&c.to_layer),
                c.links,
                c.old_blocks,
                c.exact_blocks,
                c.by_addresses,
                c.by_area
            )?;
            if c.estimated.is_empty() {
                writeln!(s, "Every re-aggregated cell is exact.")?;
            } else {
                writeln!(
                    s,
                    "{} re-aggregated cells are estimated (an old unit split between new units, \
                     or an area weight):\n",
                    c.estimated.len()
                )?;
                writeln!(s, "| dataset | layer | unit | category |")?;
                writeln!(s, "|---|---|---|---|")?;
                for e in &c.estimated {
                    writeln!(
                        s,
                        "| {} | {} | {} | {} |",
                        md(&e.dataset),
                        md(&e.layer),
                        md(&e.unit_id),
                        md(&e.category)
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// Escapes text for a Markdown table cell or inline code.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The result of [`anonymize`]: the protected tables of every dataset, the groupings they
/// were protected with, and the protocol.
#[derive(Debug, Clone)]
pub struct Anonymized {
    tables: Vec<ProtectedTables>,
    groupings: Vec<Grouping>,
    protocol: AnonymizeProtocol,
}

impl Anonymized {
    /// The protected tables, one per dataset in [`RecordKind::ALL`] order.
    pub fn tables(&self) -> &[ProtectedTables] {
        &self.tables
    }

    /// The groupings the tables include (their block → group maps are not personal).
    pub fn groupings(&self) -> &[Grouping] {
        &self.groupings
    }

    /// The protocol.
    pub fn protocol(&self) -> &AnonymizeProtocol {
        &self.protocol
    }

    /// Records an input (file with its SHA-256, or generated data) in the protocol.
    pub fn add_input(&mut self, input: InputSource) {
        self.protocol.inputs.push(input);
    }

    /// Sets the dataset catalogue printed in the protocol.
    pub fn set_catalogue(&mut self, catalogue: Vec<DatasetEntry>) {
        self.protocol.catalogue = catalogue;
    }

    /// Records the crosswalk of an earlier block layer to the current one in the protocol.
    pub fn set_crosswalk(&mut self, report: CrosswalkReport) {
        self.protocol.crosswalk = Some(report);
    }

    /// Records how the addresses of `kind`'s dataset were geocoded. Unmatched records are
    /// also among the dataset's `no_coordinate` records (they have no position).
    pub fn add_geocoding(&mut self, kind: RecordKind, summary: GeocodeSummary) {
        self.protocol.geocoding.push(GeocodingReport {
            dataset: kind.name(),
            summary,
        });
    }

    /// Counts the rows of a record file that were not read as records (see
    /// [`read_records_csv`](crate::read_records_csv)) in the protocol of `kind`'s dataset, by
    /// reason, so that every input row is accounted for: rows = records read + rejected rows.
    pub fn add_rejections(&mut self, kind: RecordKind, rejected: &[Rejection]) {
        if let Some(d) = self
            .protocol
            .datasets
            .iter_mut()
            .find(|d| d.dataset == kind.name())
        {
            for r in rejected {
                *d.rejected_rows.entry(r.reason.as_str()).or_insert(0) += 1;
            }
        }
    }
}

/// Anonymizes individual records: assign to blocks → count per level → linked tables with
/// the spec's groupings → primary suppression, secondary suppression and audit → one
/// [`ProtectedTables`] per dataset and the [`AnonymizeProtocol`].
///
/// This is the only way from [`Records`] to anything writable. Each dataset (record kind)
/// is protected as one linked-table model over every level of the hierarchy, every grouping
/// and the category margins, so that no suppressed cell can be recovered by differencing
/// tables of different layers. The protocol's `inputs` are empty; the caller adds them with
/// [`Anonymized::add_input`] (it knows the files).
///
/// Deterministic: the same records, hierarchy and spec give identical tables and protocol.
///
/// # Examples
///
/// ```
/// use quartier::{AnonymizeSpec, AssignOptions, anonymize};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?; // a small Musterstadt
/// let spec = AnonymizeSpec {
///     assign: AssignOptions { snap_distance: Some(5.0) },
///     groupings: Vec::new(), // e.g. `town.groupings.clone()`: school districts
///     ..AnonymizeSpec::default()
/// };
/// let out = anonymize(&town.records, &town.hierarchy, &spec)?;
/// assert_eq!(out.tables().len(), 3);
/// let layers: Vec<&str> = out.tables()[0].layers().map(|(name, _)| name).collect();
/// assert_eq!(layers, ["gemeinde", "ortsteil", "quartier", "baublock"]);
/// assert!(out.protocol().is_passed());
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Assign`] for an invalid snap distance or blocks that cannot be indexed;
/// [`Error::Table`] for a record whose category is outside its category set;
/// [`Error::Disclosure`] when a grouping was made for another hierarchy or protection fails.
pub fn anonymize(
    records: &Records,
    hierarchy: &Hierarchy,
    spec: &AnonymizeSpec,
) -> Result<Anonymized, Error> {
    let counts = count_records(hierarchy, records, &spec.assign)?;
    anonymize_counts(&counts, hierarchy, spec)
}

/// [`anonymize`] on records already counted: protects the count tables of `counts` (from
/// [`count_records`], or from a [`RecordCounter`](crate::RecordCounter) fed chunk by chunk,
/// or from [`BlockCounts`](crate::BlockCounts) of several partitions merged and
/// [aggregated](crate::BlockCounts::aggregate)).
///
/// This is how input larger than memory, or counted on several machines, is anonymized:
/// counting is additive and runs per chunk or partition; protection is not (a cell's
/// secondary suppressions depend on every other cell of the model), so it runs once on the
/// merged tables. `spec.assign` is not used here: the counts were assigned when counted,
/// and the protocol reports the snap distance they were assigned with.
///
/// # Examples
///
/// ```
/// use quartier::{AnonymizeSpec, AssignOptions, RecordCounter, anonymize, anonymize_counts};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let spec = AnonymizeSpec::default();
/// let mut counter = RecordCounter::new(&town.hierarchy, &spec.assign)?;
/// counter.add(&town.records)?; // or chunk by chunk
/// let counts = counter.into_block_counts().aggregate(&town.hierarchy)?;
/// let streamed = anonymize_counts(&counts, &town.hierarchy, &spec)?;
/// let whole = anonymize(&town.records, &town.hierarchy, &spec)?;
/// assert_eq!(streamed.protocol().to_json(), whole.protocol().to_json());
/// # Ok::<(), quartier::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Table`] when the counts were made for another hierarchy or a finest level is
/// unknown; [`Error::Disclosure`] when a grouping was made for another hierarchy or
/// protection fails.
pub fn anonymize_counts(
    counts: &Counts,
    hierarchy: &Hierarchy,
    spec: &AnonymizeSpec,
) -> Result<Anonymized, Error> {
    let protocol_records = counts.protocol();
    let residents = counts
        .datasets
        .iter()
        .find(|d| d.kind == RecordKind::Resident)
        .map(|d| &d.tables);
    let mut tables = Vec::with_capacity(counts.datasets.len());
    let mut datasets = Vec::with_capacity(counts.datasets.len());
    for (d, records) in counts.datasets.iter().zip(protocol_records.datasets) {
        if !spec.datasets.is_empty() && !spec.datasets.contains(&d.kind) {
            continue;
        }
        let finest = spec.finest_levels.iter().rev().find(|(k, _)| *k == d.kind);
        let truncated;
        let (h, leaves, groupings) = match finest {
            None => (hierarchy, d.tables.blocks(), spec.groupings.as_slice()),
            Some((kind, level)) => {
                let l = hierarchy
                    .level(level)
                    .ok_or_else(|| TableError::UnknownLevel {
                        dataset: kind.name(),
                        level: level.clone(),
                        known: hierarchy.levels().join(", "),
                    })?;
                let table = d.tables.level(l).ok_or_else(|| TableError::UnknownLevel {
                    dataset: kind.name(),
                    level: level.clone(),
                    known: hierarchy.levels().join(", "),
                })?;
                if l == hierarchy.block_level() {
                    (hierarchy, d.tables.blocks(), spec.groupings.as_slice())
                } else {
                    truncated = hierarchy.truncated(l);
                    (&truncated, table, &[][..])
                }
            }
        };
        let linked = LinkedTables::new(h, leaves, groupings)?;
        let forced = match residents {
            Some(residents) if spec.min_population > 0 => {
                small_units(&linked, residents, groupings, spec.min_population)
            }
            _ => Vec::new(),
        };
        let protection = protect_with(
            &linked,
            &spec.rule,
            spec.protection.unwrap_or(spec.rule.k),
            &forced,
        )?;
        let protected = ProtectedTables::new(d.kind, h, groupings, &linked, &protection.status)?;
        datasets.push(DatasetReport {
            dataset: d.kind.name(),
            category_set: linked.categories().name().to_owned(),
            categories: linked.categories().labels().to_vec(),
            records,
            rejected_rows: BTreeMap::new(),
            cells: protected.layer_cells(),
            suppression_rounds: protection.summary.rounds,
            audit: AuditSummary::of(&protection.audit),
        });
        tables.push(protected);
    }
    let parameters = Parameters {
        k: spec.rule.k,
        protection: spec.protection.unwrap_or(spec.rule.k),
        min_population: spec.min_population,
        zeros: match spec.rule.zeros {
            Zeros::Publish => "publish",
            Zeros::Suppress => "suppress",
        },
        snap_distance_m: counts.assign.snap_distance,
        groupings: spec
            .groupings
            .iter()
            .map(|g| GroupingInfo {
                name: g.name().to_owned(),
                groups: g.ids().len(),
                blocks: g.of_block().iter().filter(|b| b.is_some()).count(),
            })
            .collect(),
    };
    Ok(Anonymized {
        tables,
        groupings: spec.groupings.clone(),
        protocol: AnonymizeProtocol {
            software: Software::default(),
            inputs: Vec::new(),
            parameters,
            datasets,
            catalogue: Vec::new(),
            geocoding: Vec::new(),
            crosswalk: None,
        },
    })
}

/// For every cell of `linked`, whether its unit has fewer than `min` residents (the
/// residents' count tables give the totals of hierarchy levels; a group's total is the sum
/// of its blocks').
fn small_units(
    linked: &LinkedTables,
    residents: &crate::table::CountTables,
    groupings: &[Grouping],
    min: u64,
) -> Vec<bool> {
    let blocks = residents.blocks();
    let group_totals: Vec<Vec<u64>> = groupings
        .iter()
        .map(|g| {
            let mut totals = vec![0u64; g.ids().len()];
            for (b, group) in g.of_block().iter().enumerate() {
                if let (Some(group), true) = (group, b < blocks.units()) {
                    if let Some(t) = totals.get_mut(*group) {
                        *t += blocks.row_total(b);
                    }
                }
            }
            totals
        })
        .collect();
    (0..linked.len())
        .map(|i| {
            let total = linked.key(i).and_then(|key| match key.layer {
                Layer::Level(l) => residents
                    .level(l)
                    .filter(|t| key.unit < t.units())
                    .map(|t| t.row_total(key.unit)),
                Layer::Grouping(g) => group_totals.get(g).and_then(|t| t.get(key.unit)).copied(),
            });
            total.is_some_and(|t| t < min)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::demo::{DemoConfig, DemoTown, musterstadt_with};

    fn small(seed: u64) -> DemoTown {
        musterstadt_with(seed, &DemoConfig::SMALL).unwrap()
    }

    fn spec() -> AnonymizeSpec {
        // Without groupings: the protocol's grouping list is empty (tests/anonymize.rs has them).
        AnonymizeSpec {
            assign: AssignOptions {
                snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
            },
            groupings: Vec::new(),
            ..AnonymizeSpec::default()
        }
    }

    #[test]
    fn cells_follow_the_model_and_the_protocol_counts_them() {
        let town = small(8);
        let out = anonymize(&town.records, &town.hierarchy, &spec()).unwrap();
        let p = out.protocol();
        assert!(p.is_balanced() && p.is_passed());
        assert!(p.parameters.groupings.is_empty());
        for (t, d) in out.tables().iter().zip(&p.datasets) {
            assert_eq!(t.dataset().name(), d.dataset);
            let n: usize = d.cells.iter().map(|l| l.cells).sum();
            assert_eq!(n, t.len());
            let suppressed = t.rows().filter(|r| r.status.is_suppressed()).count();
            assert_eq!(suppressed, d.audit.suppressed);
            for l in &d.cells {
                assert_eq!(l.published + l.primary + l.secondary, l.cells);
            }
            // The top level's total row has no parent, a block row has one.
            let first = t.rows().next().unwrap();
            assert_eq!((first.layer, first.parent_id), ("gemeinde", None));
            assert!(
                t.rows()
                    .filter(|r| r.layer == "baublock")
                    .all(|r| r.parent_id.is_some())
            );
        }
    }

    #[test]
    fn serialization_hides_which_cells_are_primary() {
        let town = small(8);
        let out = anonymize(&town.records, &town.hierarchy, &spec()).unwrap();
        let json = serde_json::to_string(&out.tables()[2]).unwrap();
        assert!(json.contains("\"status\":\"suppressed\",") || json.contains("suppressed"));
        assert!(!json.contains("primary") && !json.contains("secondary"));
        assert!(json.contains("\"value\":null"));
    }

    #[test]
    fn markdown_escapes_pipes() {
        assert_eq!(md("a|b\nc"), "a\\|b c");
    }
}
