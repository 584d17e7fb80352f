//! View models: what a map, a profile and the index show, already decided and labelled.
//!
//! The builders in `render/mod.rs` turn an [`Analysis`](crate::Analysis) into these; the
//! renderers (`svg`, `html`) only draw them. Every string here is final display text in the
//! report's language (numbers already formatted by `format`), so the renderers contain no
//! statistics and no translation.

use geo::MultiPolygon;

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// German (the default): decimal comma, German labels.
    #[default]
    German,
    /// English: decimal point, English labels.
    English,
}

impl Language {
    /// The BCP 47 tag (`de`, `en`) for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::German => "de",
            Self::English => "en",
        }
    }
}

/// How a unit is filled on a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fill {
    /// The colour of legend class `i` (`0` = lowest).
    Class(usize),
    /// The pattern of no-data legend entry `i` (hatched, see [`Pattern`]).
    NoData(usize),
}

/// The pattern of a no-data legend entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Diagonal hatching: the value is suppressed (secret).
    Hatch,
    /// Cross hatching: the unit is not rated (e.g. too few residents, excluded by hand).
    CrossHatch,
    /// Light grey dots: no value (zero denominator, missing data).
    Dots,
}

/// One unit on a map.
#[derive(Debug, Clone)]
pub(crate) struct MapUnit<'a> {
    /// The unit's id (used in element ids after sanitizing, and in `<title>`).
    pub id: &'a str,
    /// Short label drawn inside the polygon (at its pole of inaccessibility); `None` = none.
    pub label: Option<String>,
    /// The geometry, in the hierarchy's metric CRS (y grows northwards).
    pub geometry: &'a MultiPolygon<f64>,
    /// Class colour or no-data pattern.
    pub fill: Fill,
    /// Drawn with a thick outline: a selected (disadvantaged) unit.
    pub outlined: bool,
    /// Tooltip text (`<title>`), e.g. `Q07 Altstadt-Nord: 12,3 %`.
    pub tooltip: String,
    /// Link target (e.g. the unit's profile, `quartier-Q07.html`); `None` = no link.
    pub href: Option<String>,
}

/// One class of a map legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendClass {
    /// Class bounds as displayed, e.g. `12,3 bis 15,0`.
    pub label: String,
    /// Units in the class.
    pub count: usize,
    /// Fill colour, `#rrggbb`.
    pub color: &'static str,
}

/// One no-data entry of a map legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NoDataEntry {
    /// E.g. `geheim gehalten`.
    pub label: String,
    /// Units with this fill.
    pub count: usize,
    /// The pattern.
    pub pattern: Pattern,
}

/// A map legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Legend {
    /// Legend heading, e.g. `Anteil unter 25 Jahre (%)`.
    pub title: String,
    /// Classes from the lowest to the highest.
    pub classes: Vec<LegendClass>,
    /// No-data entries, each drawn with its pattern (only entries with `count > 0` are
    /// listed by the builders).
    pub no_data: Vec<NoDataEntry>,
    /// The label of the outline entry (e.g. `ausgewählt: benachteiligt`); `None` = no
    /// outlined unit.
    pub outline: Option<String>,
}

/// A choropleth map, ready to draw.
#[derive(Debug, Clone)]
pub(crate) struct MapView<'a> {
    /// Prefix for every element id (patterns, clip paths), unique within one HTML page so
    /// that several inline SVGs do not clash, e.g. `m3-`.
    pub id_prefix: String,
    /// Title drawn above the map.
    pub title: String,
    /// Second line (level, classification method, reference), may be empty.
    pub subtitle: String,
    /// The units, in hierarchy order.
    pub units: Vec<MapUnit<'a>>,
    /// Outlines of the parent level drawn on top, thin (e.g. the districts); may be empty.
    pub context: Vec<&'a MultiPolygon<f64>>,
    /// The legend.
    pub legend: Legend,
    /// Width of the map frame in CSS pixels (the height follows the town's aspect ratio).
    pub width_px: f64,
    /// Language (scale bar unit text is the same; used for `aria` labels).
    pub language: Language,
    /// A watermark such as `Entwurf`; `None` = none.
    pub watermark: Option<String>,
}

/// A small locator map: the whole town, one unit highlighted.
#[derive(Debug, Clone)]
pub(crate) struct LocatorView<'a> {
    /// Element id prefix.
    pub id_prefix: String,
    /// All units of the level.
    pub units: Vec<&'a MultiPolygon<f64>>,
    /// Position of the highlighted unit in `units`.
    pub highlight: usize,
    /// Width in CSS pixels.
    pub width_px: f64,
    /// Accessible description, e.g. `Lage von Q07 in Musterstadt`.
    pub description: String,
}

/// A strip chart comparing one unit's value with all units' values of an indicator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StripView {
    /// All units' published values (suppressed ones left out), any order.
    pub values: Vec<f64>,
    /// This unit's value; `None` = suppressed or missing (no highlight drawn).
    pub this: Option<f64>,
    /// The town value (vertical reference line); `None` = none.
    pub town: Option<f64>,
    /// Axis minimum label and maximum label (formatted), drawn at the ends.
    pub min_label: String,
    /// See `min_label`.
    pub max_label: String,
    /// Accessible description.
    pub description: String,
    /// Width in CSS pixels (height is fixed, about 28 px).
    pub width_px: f64,
}

/// One bar of a bar chart (the age structure).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bar {
    /// Category label, e.g. `0-2`.
    pub label: String,
    /// The count; `None` = suppressed (drawn as a hatched stub with the mark).
    pub value: Option<u64>,
    /// Displayed value, e.g. `1.234` or `•` for suppressed.
    pub value_label: String,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BarsView {
    /// Element id prefix.
    pub id_prefix: String,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
    /// Accessible description.
    pub description: String,
    /// Width in CSS pixels.
    pub width_px: f64,
}

/// One key-figure row of a profile.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FigureRow {
    /// Indicator label, e.g. `Anteil unter 25 Jahre`.
    pub label: String,
    /// Unit of measure, e.g. `%`, `je km²`, `je 100 unter 12`.
    pub unit: String,
    /// The quarter's value, formatted; `None` = not available (see `footnote`).
    pub value: Option<String>,
    /// Footnote mark and text when the value is not available, e.g.
    /// (`•`, `geheim gehalten (Fallzahl zu klein)`).
    pub footnote: Option<(String, String)>,
    /// The town value, formatted (`–` when none).
    pub town: String,
    /// `rank of N`, formatted (e.g. `3 von 20`), or `–`.
    pub rank: String,
    /// The class label (e.g. `4 von 5: 15,0 bis 18,2`), or `–`.
    pub class: String,
    /// Whether the indicator enters the composite index, with its weight (formatted).
    pub weight: Option<String>,
    /// The draft badge text (`Entwurf`) when the indicator has no current sign-off.
    pub draft: Option<String>,
    /// The comparison chart.
    pub chart: StripView,
}

/// A label–value pair (profile header facts, method, protocol summary).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fact {
    /// The label.
    pub label: String,
    /// The value.
    pub value: String,
}

/// One data source of the catalogue as shown in profiles and the index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceRow {
    /// Dataset title.
    pub title: String,
    /// Owner office (Fachamt).
    pub office: String,
    /// Reference date (Stichtag), formatted.
    pub reference_date: String,
    /// Legal basis or `–`.
    pub legal_basis: String,
}

/// Fixed texts of the page chrome in the report's language.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chrome {
    /// `<html lang>`.
    pub lang: &'static str,
    /// Footer line (software and version, no timestamp: outputs are deterministic).
    pub footer: String,
    /// Heading texts by section key (`figures`, `age`, `sources`, `method`, `ranking`,
    /// `profiles`, `protocol`, `map`, `back`): `(key, text)`.
    pub headings: Vec<(&'static str, String)>,
    /// Column headers of the key-figure table: indicator, value, town, rank, class, comparison.
    pub figure_columns: Vec<String>,
    /// Column headers of the ranking table.
    pub ranking_columns: Vec<String>,
    /// Add the style rules of the monitoring and sign-off parts (draft badges, sparklines);
    /// off when the report has neither, so that such pages stay byte-identical.
    pub extra_css: bool,
}

/// A quarter profile (Steckbrief).
#[derive(Debug, Clone)]
pub(crate) struct ProfileView<'a> {
    /// Page chrome.
    pub chrome: Chrome,
    /// `<title>` and `<h1>`, e.g. `Quartier Q07 Altstadt-Nord`.
    pub title: String,
    /// Line under the heading, e.g. `Musterstadt · Ortsteil O2 · Quartiersprofil`.
    pub subtitle: String,
    /// Header facts: residents, area, composite, rank with interval, class, selected.
    pub facts: Vec<Fact>,
    /// A highlighted note (e.g. `ausgewählt: benachteiligtes Quartier`), or `None`.
    pub callout: Option<String>,
    /// The locator map.
    pub locator: LocatorView<'a>,
    /// A draft note under the header: (badge, text), when the composite rests on an
    /// indicator without a current sign-off; `None` = none.
    pub draft_note: Option<(String, String)>,
    /// Key figures, one per indicator.
    pub figures: Vec<FigureRow>,
    /// The unit over time (monitoring); `None` = no monitoring input.
    pub trend: Option<ProfileTrend>,
    /// Age structure of the residents; `None` when the dataset is not published here.
    pub age: Option<BarsView>,
    /// Data sources.
    pub sources: Vec<SourceRow>,
    /// Method facts: normalization, weights, aggregation, suppression rule, classes.
    pub method: Vec<Fact>,
    /// Link back to the index page.
    pub index_href: String,
}

/// One row of the ranking table on the index page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RankingRow {
    /// Rank (formatted) or `–` for excluded units.
    pub rank: String,
    /// Unit id.
    pub id: String,
    /// Unit name or empty.
    pub name: String,
    /// Link to the profile.
    pub href: String,
    /// Composite (formatted) or `–`.
    pub composite: String,
    /// Rank interval `p05–p95` (formatted) or `–`.
    pub interval: String,
    /// Probability of being selected (formatted percent) or `–`.
    pub p_selected: String,
    /// Class label or `–`.
    pub class: String,
    /// Selected as disadvantaged.
    pub selected: bool,
    /// The reason when not ranked, else empty.
    pub note: String,
}

/// The report's index page.
#[derive(Debug, Clone)]
pub(crate) struct IndexView<'a> {
    /// Page chrome.
    pub chrome: Chrome,
    /// `<title>` and `<h1>`.
    pub title: String,
    /// Line under the heading.
    pub subtitle: String,
    /// The composite map (units link to their profiles).
    pub map: MapView<'a>,
    /// Links to the other maps, e.g. `maps/quartier-under25_share.svg`.
    pub map_links: Vec<MapLink>,
    /// The draft badge of the ranking heading (the composite rests on an indicator without
    /// a current sign-off); `None` = not a draft.
    pub ranking_draft: Option<String>,
    /// The ranking, by rank (excluded units last).
    pub ranking: Vec<RankingRow>,
    /// The "what changed" table; `None` = no monitoring input.
    pub changes: Option<ChangesView>,
    /// Counts per status × dynamics class; `None` = no monitoring input or no dynamics.
    pub dynamics: Option<DynamicsSummary>,
    /// The sign-offs of the offices; `None` = no release input.
    pub release: Option<ReleaseSection>,
    /// Protocol summary facts (records per dataset, suppressed cells, audit result).
    pub protocol: Vec<Fact>,
    /// Data sources.
    pub sources: Vec<SourceRow>,
    /// Method facts.
    pub method: Vec<Fact>,
}

/// A link to another map on the index page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapLink {
    /// The link text, e.g. `Anteil unter 25 Jahre (Quartier)`.
    pub label: String,
    /// The target, e.g. `maps/quartier-under25_share.svg`.
    pub href: String,
    /// The draft badge text (`Entwurf`) when the map is a draft; `None` = signed off.
    pub draft: Option<String>,
}

/// One point of a sparkline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparkPoint {
    /// The value.
    pub value: f64,
    /// Estimated (drawn hollow), e.g. through the block key from older boundaries.
    pub estimated: bool,
    /// Tooltip, e.g. `31.12.2021: 12,3 (geschätzt)`.
    pub tooltip: String,
}

/// A sparkline: one indicator of one unit over the reference dates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparklineView {
    /// One entry per date, oldest first; `None` = no value at that date (left out).
    pub points: Vec<Option<SparkPoint>>,
    /// The first present value, formatted (drawn left of the line); empty = none.
    pub first_label: String,
    /// The last present value, formatted (drawn right of the line); empty = none.
    pub last_label: String,
    /// Accessible description.
    pub description: String,
    /// Width in CSS pixels (height is fixed, about 30 px).
    pub width_px: f64,
}

/// One indicator row of a profile's development table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrendRow {
    /// Indicator label.
    pub label: String,
    /// Unit of the values, e.g. `%`; may be empty.
    pub unit: String,
    /// The draft badge text when the indicator has no current sign-off.
    pub draft: Option<String>,
    /// The sparkline.
    pub chart: SparklineView,
    /// The change first → last with its unit, e.g. `+2,3 Prozentpunkte`, or `–`.
    pub change: String,
}

/// A profile's development over time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProfileTrend {
    /// Facts: rank over time, dynamics, status × dynamics class.
    pub facts: Vec<Fact>,
    /// Column headers: indicator, development (with the dates), change.
    pub columns: Vec<String>,
    /// One row per indicator series.
    pub rows: Vec<TrendRow>,
    /// The note on estimated values, when this unit has one; `None` = none.
    pub note: Option<String>,
}

/// One row of the "what changed" table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChangeRow {
    /// Unit id and name.
    pub unit: String,
    /// Link to the unit's profile.
    pub href: String,
    /// Why the unit is listed (already worded).
    pub reason: String,
    /// Rank before → now, e.g. `12 → 7`.
    pub rank: String,
    /// Dynamics class or `–`.
    pub dynamics: String,
    /// The indicator's label or `–`.
    pub indicator: String,
    /// The draft badge of the indicator.
    pub draft: Option<String>,
    /// The change with its unit, or `–`.
    pub change: String,
}

/// The "what changed" table of the index page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChangesView {
    /// Line above the table (the dates compared).
    pub intro: String,
    /// Column headers: unit, reason, rank, dynamics, indicator, change.
    pub columns: Vec<String>,
    /// The rows in the input's order.
    pub rows: Vec<ChangeRow>,
    /// Text shown instead of the table when there are no rows.
    pub empty: String,
    /// The note on estimated values; `None` = no estimated value.
    pub note: Option<String>,
}

/// Units per status × dynamics class on the index page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DynamicsSummary {
    /// Column headers: class, dynamics, units.
    pub columns: Vec<String>,
    /// (combined class, dynamics classes, count formatted), sorted by the combined class.
    pub rows: Vec<(String, String, String)>,
}

/// One sign-off row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SignoffRow {
    /// Dataset title.
    pub dataset: String,
    /// Reference date, formatted.
    pub reference_date: String,
    /// The office.
    pub office: String,
    /// Sign-off date, formatted.
    pub signed_on: String,
    /// Comment or `–`.
    pub comment: String,
    /// First 12 hex digits of the table's SHA-256.
    pub sha256: String,
    /// `aktuell` or `veraltet – Tabelle geändert`.
    pub status: String,
    /// Whether the sign-off covers the current table.
    pub current: bool,
}

/// The sign-offs section of the index page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReleaseSection {
    /// Column headers.
    pub columns: Vec<String>,
    /// The sign-offs in the input's order.
    pub rows: Vec<SignoffRow>,
    /// Text shown instead of the table when there is no sign-off.
    pub empty: String,
    /// (badge, text) naming the draft indicators; `None` = none.
    pub drafts: Option<(String, String)>,
}
