//! Maps, quarter profiles and the report index (steps d and f of the seed).
//!
//! [`render_report`] turns an [`Analysis`] with its hierarchy, protected tables, dataset
//! catalogue and protocol into the report's files — SVG maps, one HTML profile per unit of
//! the ranked level, `index.html` — and into the [`AttributeLayer`]s of the GIS outputs.
//! Nothing here reads or writes a file: [`write_report`](crate::write_report) writes the
//! result atomically. Like [`analyze`](crate::analyze), rendering sees only protected
//! tables: no record, address or coordinate of a person can reach a page.
//!
//! What is drawn is documented at [`render_report`] (module docs of private modules do not
//! render).

mod attributes;
mod colors;
mod format;
mod html;
mod layers;
mod monitoring;
mod pages;
mod report;
mod svg;
mod view;

use std::collections::BTreeMap;

pub use layers::{AttributeColumn, AttributeLayer, AttributeValues, LayerStyle, StyleClass};
pub use monitoring::{
    ChangeView, DynamicsView, MonitoringView, ReleaseView, SeriesView, SignoffView,
};
pub use report::render_report;
pub use view::Language;

use crate::analysis::Analysis;
use crate::anonymize::{AnonymizeProtocol, ProtectedTables};
use crate::catalogue::DatasetEntry;
use crate::classify::Classification;
use crate::hierarchy::Hierarchy;
use crate::indicator::IndicatorError;

/// How the report is drawn.
///
/// # Examples
///
/// ```
/// use quartier::{Language, ReportSpec};
///
/// let spec = ReportSpec::new("Musterstadt");
/// assert_eq!(spec.language, Language::German);
/// let english = ReportSpec { language: Language::English, ..ReportSpec::new("Musterstadt") };
/// assert_eq!(english.title, "Musterstadt");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSpec {
    /// The town's name, used in titles.
    pub title: String,
    /// German (default) or English.
    pub language: Language,
    /// Classes of the indicator maps (the composite keeps the analysis' classes).
    pub indicator_classification: Classification,
    /// Width of the big maps in CSS pixels.
    pub map_width_px: f64,
    /// Also draw maps on levels finer than the ranked one where the data are published.
    pub finer_levels: bool,
    /// Display labels of indicators by indicator name, overriding
    /// [`IndicatorSpec::label`](crate::IndicatorSpec::label). [`ReportSpec::new`] fills in
    /// German labels of the seed's four indicators when the language is German.
    pub labels: BTreeMap<String, String>,
    /// A profile's locator map draws every unit of the level up to this many units; a
    /// level with more (a state's 15,000 quarters) draws the highlighted unit among the
    /// units of its parent (its Ortsteil), so that a profile stays small and each locator
    /// costs the siblings, not the whole level. Default 500.
    pub locator_max_units: usize,
}

impl ReportSpec {
    /// German report with quintile indicator maps, 860 px maps, finer levels drawn, and
    /// German labels for the seed's indicators.
    pub fn new(title: impl Into<String>) -> Self {
        let labels = [
            ("under25_share", "Anteil unter 25-Jähriger"),
            ("under25_density", "Unter 25-Jährige je km²"),
            (
                "kita_low_income_share",
                "Kita-Kinder in den Beitragsstufen 1–2",
            ),
            (
                "child_support_rate",
                "Unterhaltsvorschuss je 100 Kinder unter 12",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Self {
            title: title.into(),
            language: Language::German,
            indicator_classification: Classification::Quantiles { k: 5 },
            map_width_px: 860.0,
            finer_levels: true,
            locator_max_units: 500,
            labels,
        }
    }

    /// The display label of an indicator: the override for German reports, else the spec's.
    fn label<'a>(&'a self, name: &str, fallback: &'a str) -> &'a str {
        match self.language {
            Language::German => self.labels.get(name).map_or(fallback, String::as_str),
            Language::English => fallback,
        }
    }
}

/// What the report is drawn from.
///
/// # Examples
///
/// ```
/// use quartier::{AnalysisSpec, ReportInput, analyze, anonymize};
///
/// let town = quartier::musterstadt(2019)?;
/// let protected = anonymize(&town.records, &town.hierarchy, &town.anonymize_spec())?;
/// let mut spec = AnalysisSpec::default();
/// spec.uncertainty = None;
/// let analysis = analyze(protected.tables(), &town.hierarchy, &spec)?;
/// let catalogue = town.catalogue();
/// let protocol = protected.protocol();
/// let input = ReportInput {
///     hierarchy: &town.hierarchy,
///     tables: protected.tables(),
///     analysis: &analysis,
///     catalogue: &catalogue,
///     protocol: Some(protocol),
///     monitoring: None,
///     release: None,
/// };
/// assert_eq!(input.catalogue.len(), 3);
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The hierarchy the tables and the analysis refer to.
    pub hierarchy: &'a Hierarchy,
    /// The protected tables (for the age structure and finer-level maps).
    pub tables: &'a [ProtectedTables],
    /// The analysis of the ranked level.
    pub analysis: &'a Analysis,
    /// The dataset catalogue (sources with owner office and reference date).
    pub catalogue: &'a [DatasetEntry],
    /// The anonymize protocol (suppression rule and summary); `None` = not shown.
    pub protocol: Option<&'a AnonymizeProtocol>,
    /// The ranked level over several reference dates (sparklines and rank over time in the
    /// profiles, "what changed" on the index); `None` = a report of one date.
    pub monitoring: Option<&'a MonitoringView>,
    /// Sign-offs of the offices (draft marks on maps and profiles of indicators without a
    /// current sign-off, the sign-offs on the index); `None` = not shown, nothing marked.
    pub release: Option<&'a ReleaseView>,
}

/// One file of the report: a path relative to the report folder (`/`-separated) and its
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// Relative path, e.g. `index.html`, `maps/quartier-composite.svg`.
    pub path: String,
    /// The file's contents (UTF-8).
    pub contents: String,
}

/// The rendered report: its files and the attribute layers for the GIS outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The report's files; `index.html` first.
    pub files: Vec<ReportFile>,
    /// One attribute layer per published level, the ranked level first (ids, population,
    /// indicator values with status and class; on the ranked level every `ranking.csv`
    /// column as well).
    pub layers: Vec<AttributeLayer>,
}

impl Report {
    /// The file at a relative path.
    pub fn file(&self, path: &str) -> Option<&ReportFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// Why a report cannot be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The analysis' level is not a level of the hierarchy.
    #[error("the analysis is of level `{level}`, which the hierarchy does not have")]
    UnknownLevel {
        /// The analysis' level.
        level: String,
    },
    /// The analysis and the hierarchy disagree on the units of the level.
    #[error(
        "the analysis of level `{level}` does not match the hierarchy: unit {position} is `{analysis}` there, `{hierarchy}` in the hierarchy"
    )]
    UnitMismatch {
        /// The level.
        level: String,
        /// Position of the first differing unit.
        position: usize,
        /// The analysis' unit id there (empty when the analysis has fewer units).
        analysis: String,
        /// The hierarchy's unit id there (empty when the hierarchy has fewer units).
        hierarchy: String,
    },
    /// A per-unit field of the analysis does not have one entry per unit (a hand-made or
    /// edited analysis).
    #[error("the analysis' `{field}` has {found} entries for {expected} units")]
    Inconsistent {
        /// The field.
        field: &'static str,
        /// Units of the level.
        expected: usize,
        /// Entries found.
        found: usize,
    },
    /// The map width is not a positive finite number.
    #[error("the map width must be a positive number of pixels, got {width}")]
    MapWidth {
        /// The given width.
        width: f64,
    },
    /// A per-unit or per-date vector of the monitoring input has the wrong length.
    #[error("the monitoring input's `{field}` has {found} entries, expected {expected}")]
    MonitoringShape {
        /// The field, with the indicator and the unit id where it applies
        /// (`series[under25_share].values[Q07]`).
        field: String,
        /// Entries expected (units of the level, or dates).
        expected: usize,
        /// Entries found.
        found: usize,
    },
    /// A "what changed" entry of the monitoring input names no unit of the ranked level.
    #[error(
        "what-changed entry {entry} refers to unit position {unit}, but level `{level}` has {units} units"
    )]
    MonitoringUnit {
        /// Position of the entry in `changes`.
        entry: usize,
        /// The unit position it names.
        unit: usize,
        /// The ranked level.
        level: String,
        /// Units of the level.
        units: usize,
    },
    /// Computing a finer level's indicators failed.
    #[error(transparent)]
    Indicator(#[from] IndicatorError),
}
