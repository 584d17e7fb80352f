//! The builders: analysis, hierarchy, tables, catalogue and protocol → view models → files.

use std::collections::BTreeMap;

use geo::{Area, MultiPolygon};

use super::format::{integer, number, range};
use super::layers::{AttributeColumn, AttributeLayer, AttributeValues, LayerStyle, StyleClass};
use super::view::{
    Bar, BarsView, Chrome, Fact, FigureRow, Fill, IndexView, Language, Legend, LegendClass,
    LocatorView, MapUnit, MapView, NoDataEntry, Pattern, ProfileView, RankingRow, SourceRow,
    StripView,
};
use super::{RenderError, Report, ReportFile, ReportInput, ReportSpec, colors, html, svg};
use crate::anonymize::{LayerKind, TOTAL};
use crate::classify::{Breaks, Classification, class_breaks};
use crate::hierarchy::{Hierarchy, Unit};
use crate::indicator::{IndicatorColumn, IndicatorTable, Measure, ValueStatus, compute_indicators};
use crate::rank::{
    Aggregation, Direction, Exclusion, MissingPolicy, Normalization, Selection, Weighting,
};
use crate::spatial::Quadrant;

/// Mark of a suppressed value.
const SUPPRESSED_MARK: &str = "•";
/// Mark of a value that does not exist (zero denominator or area).
const NO_VALUE_MARK: &str = "°";
/// Width of the locator map and of the strip charts in profiles.
const LOCATOR_WIDTH_PX: f64 = 260.0;
const STRIP_WIDTH_PX: f64 = 180.0;
const BARS_WIDTH_PX: f64 = 360.0;

/// Renders the report: maps, one profile per unit of the ranked level, the index page, and
/// the attribute layers of the GIS outputs.
///
/// # What is drawn
///
/// - **Maps** (`maps/<level>-<indicator>.svg`, `maps/<level>-composite.svg`): one choropleth
///   per indicator and one of the composite index on the ranked level, and one per indicator
///   on every finer level where all of the indicator's datasets are published (the blocks,
///   for residents). Indicator classes follow [`ReportSpec::indicator_classification`]
///   (quantiles by default) in the ColorBrewer `YlOrRd` scheme; the composite uses the
///   analysis' classes, in the diverging `RdYlBu` scheme when they are mean ± SD classes.
///   Units without a value are hatched, each reason with its own legend entry: suppressed
///   (secret), not rated (excluded from the ranking), no value (zero denominator, or a
///   non-finite value, which is treated as missing). Selected units are outlined.
/// - **Profiles** (`<level>-<id>.html`, one per unit of the ranked level, excluded units
///   included): key figures with town value, rank of N (1 = the worst value by the
///   indicator's direction in the ranking, else the highest) and class, a strip
///   chart against all units, the age structure of the residents, sources and method.
/// - **Index** (`index.html`): composite map linking to the profiles, the ranking with
///   Monte-Carlo intervals, the protocol summary, sources and method.
///
/// Units of the levels above the blocks are drawn with their shapes closed over the streets
/// (see `STREET_CLOSING_M`, 15 m: streets up to 30 m wide disappear), so a quarter is one
/// area with one outline; areas, indicators and GIS layers keep the true geometries. A unit
/// whose geometry is empty is listed in tables and profiles but has no area on the maps.
/// Outputs are deterministic: the same input gives byte-identical files.
///
/// # Errors
///
/// [`RenderError::UnknownLevel`] / [`RenderError::UnitMismatch`] when the analysis does not
/// belong to the hierarchy, [`RenderError::MapWidth`] for a bad width, and
/// [`RenderError::Indicator`] when a finer level's indicators cannot be computed.
///
/// # Examples
///
/// ```
/// use quartier::{AnalysisSpec, ReportInput, ReportSpec, analyze, anonymize, render_report};
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
/// };
/// let report = render_report(&input, &ReportSpec::new("Musterstadt"))?;
/// assert!(report.file("index.html").is_some());
/// assert!(report.file("maps/quartier-composite.svg").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render_report(input: &ReportInput<'_>, spec: &ReportSpec) -> Result<Report, RenderError> {
    if !(spec.map_width_px.is_finite() && spec.map_width_px > 0.0) {
        return Err(RenderError::MapWidth {
            width: spec.map_width_px,
        });
    }
    let shapes = Shapes::new(input.hierarchy, STREET_CLOSING_M);
    let ctx = Ctx::new(input, spec, &shapes)?;
    let mut files = Vec::new();
    let mut map_links = Vec::new();

    // Ranked level: classes of every indicator, then the maps.
    let ranked = LevelData::new(&ctx, ctx.level, &input.analysis.indicators);
    for (i, column) in ranked.table.columns.iter().enumerate() {
        let view = ctx.indicator_map(&ranked, i, "../", "m-");
        let path = format!("maps/{}-{}.svg", ranked.name, column.spec.name);
        map_links.push((format!("{} ({})", view.title, ranked.label()), path.clone()));
        files.push(svg_file(path, &view));
    }
    let composite_path = format!("maps/{}-composite.svg", ranked.name);
    map_links.insert(
        0,
        (
            format!(
                "{} ({})",
                ctx.t("Gesamtindex", "Composite index"),
                ranked.label()
            ),
            composite_path.clone(),
        ),
    );
    let composite_view = ctx.composite_map("../", "m-");
    files.push(svg_file(composite_path, &composite_view));

    // Other levels: indicators where every dataset is published there; maps on finer ones.
    let mut layers = vec![ctx.ranked_layer(&ranked)];
    for l in 0..input.hierarchy.levels().len() {
        if l == ctx.level {
            continue;
        }
        let Some(table) = ctx.level_indicators(l)? else {
            continue;
        };
        let data = LevelData::new(&ctx, l, &table);
        if l > ctx.level && spec.finer_levels {
            for (i, column) in data.table.columns.iter().enumerate() {
                let view = ctx.indicator_map(&data, i, "../", "m-");
                let path = format!("maps/{}-{}.svg", data.name, column.spec.name);
                map_links.push((format!("{} ({})", view.title, data.label()), path.clone()));
                files.push(svg_file(path, &view));
            }
        }
        layers.push(ctx.level_layer(&data));
    }

    // Profiles.
    let ages = ctx.age_structure();
    for u in 0..ctx.units.len() {
        let view = ctx.profile(&ranked, u, &ages);
        let mut out = String::with_capacity(64 * 1024);
        html::profile(&view, &mut out);
        files.push(ReportFile {
            path: ctx.hrefs[u].clone(),
            contents: out,
        });
    }

    // Index first.
    let index = ctx.index(ctx.composite_map("", "i-"), map_links);
    let mut out = String::with_capacity(256 * 1024);
    html::index(&index, &mut out);
    files.insert(
        0,
        ReportFile {
            path: "index.html".to_owned(),
            contents: out,
        },
    );
    Ok(Report { files, layers })
}

fn svg_file(path: String, view: &MapView<'_>) -> ReportFile {
    let mut out = String::with_capacity(64 * 1024);
    svg::map(view, &mut out);
    out.push('\n');
    ReportFile {
        path,
        contents: out,
    }
}

/// Half the widest street the map shapes of upper levels close over (metres).
const STREET_CLOSING_M: f64 = 15.0;

/// Map shapes of the units: blocks as they are; units of upper levels, which are unions of
/// blocks with the streets between them left out, *closed* over streets up to
/// 2 × [`STREET_CLOSING_M`] wide (buffered out, then in, with mitred corners), so that a
/// quarter is drawn as one area with one outline, as planners draw it.
///
/// Only the drawing uses these shapes; areas, indicators and the GIS layers use the true
/// geometries. A closing that fails (an empty result) keeps the true geometry.
struct Shapes {
    /// Per level; `None` for the block level (drawn as they are).
    levels: Vec<Option<Vec<MultiPolygon<f64>>>>,
}

impl Shapes {
    fn new(h: &Hierarchy, closing_m: f64) -> Self {
        use geo::Buffer;
        use geo::algorithm::buffer::{BufferStyle, LineJoin};
        use rayon::prelude::*;

        let close = |g: &MultiPolygon<f64>| -> MultiPolygon<f64> {
            let out =
                g.buffer_with_style(BufferStyle::new(closing_m).line_join(LineJoin::Miter(2.0)));
            let back =
                out.buffer_with_style(BufferStyle::new(-closing_m).line_join(LineJoin::Miter(2.0)));
            if back.0.is_empty() || back.unsigned_area() < 0.5 * g.unsigned_area() {
                g.clone()
            } else {
                back
            }
        };
        let levels = (0..h.levels().len())
            .map(|l| {
                (l != h.block_level())
                    .then(|| h.units(l).par_iter().map(|u| close(u.geometry())).collect())
            })
            .collect();
        Self { levels }
    }

    /// The map shape of unit `u` of level `l`.
    fn get<'a>(&'a self, h: &'a Hierarchy, l: usize, u: usize) -> &'a MultiPolygon<f64> {
        match self.levels.get(l).and_then(Option::as_ref) {
            Some(shapes) => &shapes[u],
            None => h.units(l)[u].geometry(),
        }
    }

    /// The map shapes of every unit of level `l`.
    fn level<'a>(
        &'a self,
        h: &'a Hierarchy,
        l: usize,
    ) -> impl Iterator<Item = &'a MultiPolygon<f64>> + 'a {
        (0..h.units(l).len()).map(move |u| self.get(h, l, u))
    }
}

/// A file name for a unit's profile: `<level>-<id>.html` with every character outside
/// `[A-Za-z0-9_-]` replaced by `_`; ids that collide after replacing get `-<position>`.
fn profile_hrefs(level: &str, units: &[Unit]) -> Vec<String> {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let base: Vec<String> = units
        .iter()
        .map(|u| format!("{}-{}", clean(level), clean(u.id().as_str())))
        .collect();
    for b in &base {
        *seen.entry(b.clone()).or_default() += 1;
    }
    base.into_iter()
        .enumerate()
        .map(|(i, b)| {
            if seen.get(&b).copied().unwrap_or(0) > 1 {
                format!("{b}-{i}.html")
            } else {
                format!("{b}.html")
            }
        })
        .collect()
}

/// Map labels: the ids without the prefix all of them share up to a separator (`-`, `_`,
/// `.`, `/`, space), so hierarchical keys such as `05758999-01-02` print as `01-02`.
fn short_labels(units: &[Unit]) -> Vec<String> {
    let ids: Vec<&str> = units.iter().map(|u| u.id().as_str()).collect();
    let Some(first) = ids.first() else {
        return Vec::new();
    };
    let mut common = first.len();
    for id in &ids[1..] {
        common = first
            .bytes()
            .zip(id.bytes())
            .take(common)
            .take_while(|(a, b)| a == b)
            .count();
    }
    while !first.is_char_boundary(common) {
        common -= 1;
    }
    // Cut after the last separator inside the common part.
    let cut = first[..common]
        .char_indices()
        .filter(|(_, c)| matches!(c, '-' | '_' | '.' | '/' | ' '))
        .map(|(i, c)| i + c.len_utf8())
        .next_back()
        .unwrap_or(0);
    if ids.len() < 2 || ids.iter().any(|id| id.len() <= cut) {
        return ids.iter().map(|id| (*id).to_owned()).collect();
    }
    ids.iter().map(|id| id[cut..].to_owned()).collect()
}

/// Decimals for display from the spread of the values: 0 from 100 up, 1 from 1 up, else 2.
fn decimals_for(values: &[f64]) -> usize {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let span = (hi - lo).abs().max(hi.abs().min(lo.abs()) * 0.0);
    if !span.is_finite() {
        1
    } else if span >= 100.0 {
        0
    } else if span >= 1.0 {
        1
    } else {
        2
    }
}

/// Classes of one value column.
#[derive(Debug, Clone)]
struct Classed {
    /// Class per unit (0 = lowest); `None` without a finite value.
    classes: Vec<Option<usize>>,
    /// Legend labels and counts.
    legend: Vec<(String, usize)>,
    /// Display decimals.
    decimals: usize,
    /// The finite values.
    finite: Vec<f64>,
}

impl Classed {
    fn new(values: &[Option<f64>], method: &Classification, language: Language) -> Self {
        let finite: Vec<f64> = values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let decimals = decimals_for(&finite);
        let Some(breaks) = breaks_or_one(&finite, method) else {
            return Self {
                classes: vec![None; values.len()],
                legend: Vec::new(),
                decimals,
                finite,
            };
        };
        let classes = values
            .iter()
            .map(|v| v.filter(|v| v.is_finite()).and_then(|v| breaks.class_of(v)))
            .collect();
        let legend = legend_of(&breaks, &finite, decimals, language);
        Self {
            classes,
            legend,
            decimals,
            finite,
        }
    }

    fn from_breaks(
        breaks: &Breaks,
        classes: Vec<Option<usize>>,
        finite: Vec<f64>,
        language: Language,
    ) -> Self {
        let decimals = 2;
        let legend = legend_of(breaks, &finite, decimals, language);
        Self {
            classes,
            legend,
            decimals,
            finite,
        }
    }
}

/// The asked breaks, or one class over all values when the values do not support them
/// (e.g. fewer distinct values than classes); `None` without a value.
fn breaks_or_one(finite: &[f64], method: &Classification) -> Option<Breaks> {
    if finite.is_empty() {
        return None;
    }
    class_breaks(finite, method).ok().or_else(|| {
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Breaks::try_new(vec![max]).ok()
    })
}

/// Legend labels (`low bis high`) and counts per class.
fn legend_of(
    breaks: &Breaks,
    finite: &[f64],
    decimals: usize,
    language: Language,
) -> Vec<(String, usize)> {
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let counts = breaks.counts(finite);
    breaks
        .bins()
        .iter()
        .enumerate()
        .map(|(i, &high)| {
            let label = if i == 0 {
                if min.is_finite() && min <= high {
                    range(min, high, decimals, language)
                } else {
                    let up_to = match language {
                        Language::German => "bis",
                        Language::English => "up to",
                    };
                    format!("{up_to} {}", number(high, decimals, language))
                }
            } else {
                range(breaks.bins()[i - 1], high, decimals, language)
            };
            (label, counts.get(i).copied().unwrap_or(0))
        })
        .collect()
}

/// Greys for more classes than the ColorBrewer schemes have (light to dark, cycled).
const GREYS: [&str; 12] = [
    "#f7f7f7", "#e8e8e8", "#d9d9d9", "#cacaca", "#bbbbbb", "#a9a9a9", "#969696", "#828282",
    "#6e6e6e", "#5a5a5a", "#464646", "#323232",
];

/// The colours of `k` classes; beyond the schemes' sizes (9 sequential, 11 diverging) a
/// grey ramp.
fn palette(k: usize, diverging: bool) -> Vec<&'static str> {
    let scheme = if diverging {
        colors::diverging(k)
    } else {
        colors::sequential(k)
    };
    scheme.unwrap_or_else(|| {
        (0..k)
            .map(|i| GREYS[i * GREYS.len() / k.max(1) % GREYS.len()])
            .collect()
    })
}

/// Why a unit has no colour on a map; the order is the legend order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Missing {
    Suppressed,
    NotRated,
    NoValue,
}

/// Legend no-data entries for the kinds that occur, and each kind's index.
fn no_data_entries(
    kinds: &[Option<Missing>],
    ctx: &Ctx<'_>,
) -> (Vec<NoDataEntry>, BTreeMap<Missing, usize>) {
    let mut counts: BTreeMap<Missing, usize> = BTreeMap::new();
    for k in kinds.iter().flatten() {
        *counts.entry(*k).or_default() += 1;
    }
    let mut entries = Vec::new();
    let mut index = BTreeMap::new();
    for (kind, count) in counts {
        index.insert(kind, entries.len());
        let (label, pattern) = match kind {
            Missing::Suppressed => (
                ctx.t("geheim gehalten", "suppressed (confidential)"),
                Pattern::Hatch,
            ),
            Missing::NotRated => (ctx.t("nicht bewertet", "not rated"), Pattern::CrossHatch),
            Missing::NoValue => (ctx.t("kein Wert", "no value"), Pattern::Dots),
        };
        entries.push(NoDataEntry {
            label,
            count,
            pattern,
        });
    }
    (entries, index)
}

/// One level's indicators with their classes.
struct LevelData<'a> {
    level: usize,
    name: &'a str,
    table: &'a IndicatorTable,
    classed: Vec<Classed>,
}

impl<'a> LevelData<'a> {
    fn new(ctx: &Ctx<'a>, level: usize, table: &'a IndicatorTable) -> Self {
        let classed = table
            .columns
            .iter()
            .map(|c| {
                Classed::new(
                    &finite_values(c),
                    &ctx.spec.indicator_classification,
                    ctx.lang,
                )
            })
            .collect();
        Self {
            level,
            name: &ctx.input.hierarchy.levels()[level],
            table,
            classed,
        }
    }

    fn label(&self) -> String {
        level_label(self.name)
    }
}

/// The raw values with non-finite ones as missing.
fn finite_values(c: &IndicatorColumn) -> Vec<Option<f64>> {
    c.values
        .iter()
        .map(|v| v.value.filter(|x| x.is_finite()))
        .collect()
}

/// Level names are data (`quartier`); displayed with a capital (`Quartier`).
fn level_label(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Shared state of one rendering.
struct Ctx<'a> {
    input: &'a ReportInput<'a>,
    spec: &'a ReportSpec,
    lang: Language,
    level: usize,
    units: &'a [Unit],
    hrefs: Vec<String>,
    labels: Vec<String>,
    shapes: &'a Shapes,
    composite: Classed,
    weights: BTreeMap<&'a str, f64>,
}

impl<'a> Ctx<'a> {
    fn new(
        input: &'a ReportInput<'a>,
        spec: &'a ReportSpec,
        shapes: &'a Shapes,
    ) -> Result<Self, RenderError> {
        let a = input.analysis;
        let name = &a.indicators.level;
        let level = input
            .hierarchy
            .level(name)
            .ok_or_else(|| RenderError::UnknownLevel {
                level: name.clone(),
            })?;
        let units = input.hierarchy.units(level);
        let ids = a.indicators.units.iter().map(|u| u.as_str());
        let n = units
            .len()
            .max(a.indicators.units.len())
            .max(a.ranking.units.len());
        for i in 0..n {
            let h = units.get(i).map(|u| u.id().as_str());
            let x = a.indicators.units.get(i).map(|u| u.as_str());
            let r = a.ranking.units.get(i).map(|u| u.id.as_str());
            if h != x || h != r {
                return Err(RenderError::UnitMismatch {
                    level: name.clone(),
                    position: i,
                    analysis: x.or(r).unwrap_or_default().to_owned(),
                    hierarchy: h.unwrap_or_default().to_owned(),
                });
            }
        }
        let _ = ids;
        let finite: Vec<f64> = a
            .ranking
            .units
            .iter()
            .filter_map(|u| u.composite)
            .filter(|c| c.is_finite())
            .collect();
        let composite = Classed::from_breaks(&a.breaks, a.classes.clone(), finite, spec.language);
        let total: f64 = a.spec.criteria.iter().map(|c| c.weight).sum();
        let weights = a
            .spec
            .criteria
            .iter()
            .map(|c| {
                (
                    c.indicator.as_str(),
                    if total > 0.0 { c.weight / total } else { 0.0 },
                )
            })
            .collect();
        Ok(Self {
            input,
            spec,
            lang: spec.language,
            level,
            units,
            hrefs: profile_hrefs(name, units),
            labels: short_labels(units),
            shapes,
            composite,
            weights,
        })
    }

    /// German or English text.
    fn t(&self, de: &str, en: &str) -> String {
        match self.lang {
            Language::German => de.to_owned(),
            Language::English => en.to_owned(),
        }
    }

    fn num(&self, v: f64, decimals: usize) -> String {
        number(v, decimals, self.lang)
    }

    fn int(&self, v: u64) -> String {
        integer(v, self.lang)
    }

    fn of(&self, a: usize, n: usize) -> String {
        let sep = self.t("von", "of");
        format!("{} {sep} {}", self.int(a as u64), self.int(n as u64))
    }

    fn percent(&self, share: f64) -> String {
        format!("{} %", self.num(share * 100.0, 0))
    }

    fn selected(&self) -> Vec<bool> {
        self.input
            .analysis
            .ranking
            .units
            .iter()
            .map(|u| u.selected)
            .collect()
    }

    fn unit_title(&self, u: &Unit) -> String {
        match u.name() {
            Some(name) if !name.is_empty() && name != u.id().as_str() => {
                format!("{} {name}", u.id())
            }
            _ => u.id().to_string(),
        }
    }

    /// The display unit of an indicator's measure.
    fn measure_unit(&self, m: &Measure) -> String {
        match m {
            Measure::Share { .. } => "%".to_owned(),
            Measure::Rate { per, .. } => {
                format!("{} {}", self.t("je", "per"), self.num(*per, 0))
            }
            Measure::Density { .. } => self.t("je km²", "per km²"),
        }
    }

    fn indicator_label(&self, c: &IndicatorColumn) -> String {
        self.spec.label(&c.spec.name, &c.spec.label).to_owned()
    }

    fn contexts(&self, level: usize) -> Vec<&'a MultiPolygon<f64>> {
        let h = self.input.hierarchy;
        if level > self.level {
            self.shapes.level(h, self.level).collect()
        } else if level > 0 {
            self.shapes.level(h, level - 1).collect()
        } else {
            Vec::new()
        }
    }

    fn subtitle(&self, level: &str, method: &Classification) -> String {
        format!(
            "{} · {}: {}",
            level_label(level),
            self.t("Klassen", "classes"),
            self.classification_text(method)
        )
    }

    /// The choropleth of indicator `i` of a level.
    fn indicator_map(
        &self,
        data: &LevelData<'a>,
        i: usize,
        href_prefix: &str,
        id_prefix: &str,
    ) -> MapView<'a> {
        let column = &data.table.columns[i];
        let classed = &data.classed[i];
        let ranked = data.level == self.level;
        let selected = if ranked { self.selected() } else { Vec::new() };
        let units = self.input.hierarchy.units(data.level);
        let unit_of_measure = self.measure_unit(&column.spec.measure);
        let kinds: Vec<Option<Missing>> = column
            .values
            .iter()
            .zip(&classed.classes)
            .map(|(v, c)| match (v.status, c) {
                (ValueStatus::Suppressed, _) => Some(Missing::Suppressed),
                (_, Some(_)) => None,
                _ => Some(Missing::NoValue),
            })
            .collect();
        let (no_data, index) = no_data_entries(&kinds, self);
        let colors = palette(classed.legend.len(), false);
        let map_units = units
            .iter()
            .enumerate()
            .map(|(u, unit)| {
                let fill = match (kinds[u], classed.classes[u]) {
                    (None, Some(c)) => Fill::Class(c),
                    (Some(k), _) => Fill::NoData(index.get(&k).copied().unwrap_or(0)),
                    (None, None) => Fill::NoData(0),
                };
                let value = match (kinds[u], column.values[u].value) {
                    (None, Some(v)) => {
                        format!("{} {unit_of_measure}", self.num(v, classed.decimals))
                    }
                    (Some(Missing::Suppressed), _) => self.t("geheim gehalten", "suppressed"),
                    _ => self.t("kein Wert", "no value"),
                };
                MapUnit {
                    id: unit.id().as_str(),
                    label: ranked.then(|| self.labels[u].clone()),
                    geometry: self.shapes.get(self.input.hierarchy, data.level, u),
                    fill,
                    outlined: selected.get(u).copied().unwrap_or(false),
                    tooltip: format!("{}: {value}", self.unit_title(unit)),
                    href: ranked.then(|| format!("{href_prefix}{}", self.hrefs[u])),
                }
            })
            .collect();
        let label = self.indicator_label(column);
        MapView {
            id_prefix: id_prefix.to_owned(),
            title: label.clone(),
            subtitle: self.subtitle(data.name, &self.spec.indicator_classification),
            units: map_units,
            context: self.contexts(data.level),
            legend: Legend {
                title: format!("{label} ({unit_of_measure})"),
                classes: classed
                    .legend
                    .iter()
                    .zip(colors)
                    .map(|((label, count), color)| LegendClass {
                        label: label.clone(),
                        count: *count,
                        color,
                    })
                    .collect(),
                no_data,
                outline: (ranked && selected.iter().any(|&s| s))
                    .then(|| self.t("ausgewählt: benachteiligt", "selected: disadvantaged")),
            },
            width_px: self.spec.map_width_px,
            language: self.lang,
            watermark: None,
        }
    }

    /// The choropleth of the composite index on the ranked level.
    fn composite_map(&self, href_prefix: &str, id_prefix: &str) -> MapView<'a> {
        let a = self.input.analysis;
        let selected = self.selected();
        let kinds: Vec<Option<Missing>> = a
            .ranking
            .units
            .iter()
            .zip(&a.classes)
            .map(|(u, c)| match (&u.exclusion, u.composite, c) {
                (Some(_), _, _) => Some(Missing::NotRated),
                (None, Some(v), Some(_)) if v.is_finite() => None,
                _ => Some(Missing::NoValue),
            })
            .collect();
        let (no_data, index) = no_data_entries(&kinds, self);
        let diverging = matches!(a.spec.classification, Classification::StdMean { .. });
        let colors = palette(self.composite.legend.len(), diverging);
        let units = self
            .units
            .iter()
            .enumerate()
            .map(|(u, unit)| {
                let ranked = &a.ranking.units[u];
                let fill = match (kinds[u], a.classes[u]) {
                    (None, Some(c)) => Fill::Class(c),
                    (Some(k), _) => Fill::NoData(index.get(&k).copied().unwrap_or(0)),
                    (None, None) => Fill::NoData(0),
                };
                let value = match (&ranked.exclusion, ranked.composite, ranked.rank) {
                    (None, Some(c), Some(r)) => format!(
                        "{} {}, {} {}",
                        self.t("Index", "index"),
                        self.num(c, 2),
                        self.t("Rang", "rank"),
                        self.of(r, a.ranking.ranked())
                    ),
                    (Some(e), _, _) => format!(
                        "{}: {}",
                        self.t("nicht bewertet", "not rated"),
                        self.exclusion_text(e)
                    ),
                    _ => self.t("kein Wert", "no value"),
                };
                MapUnit {
                    id: unit.id().as_str(),
                    label: Some(self.labels[u].clone()),
                    geometry: self.shapes.get(self.input.hierarchy, self.level, u),
                    fill,
                    outlined: selected[u],
                    tooltip: format!("{}: {value}", self.unit_title(unit)),
                    href: Some(format!("{href_prefix}{}", self.hrefs[u])),
                }
            })
            .collect();
        let level = &self.input.analysis.indicators.level;
        MapView {
            id_prefix: id_prefix.to_owned(),
            title: format!(
                "{} {}",
                self.t(
                    "Gesamtindex der Benachteiligung:",
                    "Composite deprivation index:"
                ),
                self.spec.title
            ),
            subtitle: self.subtitle(level, &a.spec.classification),
            units,
            context: self.contexts(self.level),
            legend: Legend {
                title: self.t(
                    "Gesamtindex (höher = stärker benachteiligt)",
                    "Composite index (higher = more disadvantaged)",
                ),
                classes: self
                    .composite
                    .legend
                    .iter()
                    .zip(colors)
                    .map(|((label, count), color)| LegendClass {
                        label: label.clone(),
                        count: *count,
                        color,
                    })
                    .collect(),
                no_data,
                outline: selected
                    .iter()
                    .any(|&s| s)
                    .then(|| self.t("ausgewählt: benachteiligt", "selected: disadvantaged")),
            },
            width_px: self.spec.map_width_px,
            language: self.lang,
            watermark: None,
        }
    }

    /// Indicators of another level: those whose datasets are all published there; `None`
    /// when there is none.
    fn level_indicators(&self, l: usize) -> Result<Option<IndicatorTable>, RenderError> {
        let name = &self.input.hierarchy.levels()[l];
        let published: Vec<&str> = self
            .input
            .tables
            .iter()
            .filter(|t| {
                t.layers()
                    .any(|(layer, kind)| kind == LayerKind::Level && layer == name)
            })
            .map(|t| t.dataset().name())
            .collect();
        if published.is_empty() {
            return Ok(None);
        }
        let specs: Vec<_> = self
            .input
            .analysis
            .spec
            .indicators
            .iter()
            .filter(|s| {
                let (num, den) = s.measure.parts();
                std::iter::once(num)
                    .chain(den)
                    .all(|t| published.contains(&t.dataset.name()))
            })
            .cloned()
            .collect();
        // Only the tables published on this level (the others have no layer here).
        let tables: Vec<_> = self
            .input
            .tables
            .iter()
            .filter(|t| published.contains(&t.dataset().name()))
            .cloned()
            .collect();
        Ok(Some(compute_indicators(
            &tables,
            self.input.hierarchy,
            name,
            &specs,
            None,
        )?))
    }

    /// Common columns of every layer: ids, population, area, and indicator value, status
    /// and class.
    fn base_columns(&self, data: &LevelData<'_>) -> Vec<AttributeColumn> {
        let h = self.input.hierarchy;
        let units = h.units(data.level);
        let parents = data.level.checked_sub(1).map(|p| h.units(p));
        let mut columns = vec![
            text(
                "unit_id",
                units.iter().map(|u| Some(u.id().to_string())).collect(),
            ),
            text(
                "name",
                units.iter().map(|u| u.name().map(str::to_owned)).collect(),
            ),
            text(
                "parent_id",
                units
                    .iter()
                    .map(|u| {
                        u.parent()
                            .and_then(|p| parents.and_then(|ps| ps.get(p)))
                            .map(|p| p.id().to_string())
                    })
                    .collect(),
            ),
            AttributeColumn {
                name: "population".to_owned(),
                values: AttributeValues::Integer(
                    data.table
                        .population
                        .iter()
                        .map(|p| p.and_then(|p| i64::try_from(p).ok()))
                        .collect(),
                ),
            },
            AttributeColumn {
                name: "area_km2".to_owned(),
                values: AttributeValues::Real(
                    data.table.area_km2.iter().map(|&a| Some(a)).collect(),
                ),
            },
        ];
        for (c, classed) in data.table.columns.iter().zip(&data.classed) {
            columns.push(AttributeColumn {
                name: c.spec.name.clone(),
                values: AttributeValues::Real(finite_values(c)),
            });
            columns.push(text(
                &format!("{}_status", c.spec.name),
                c.values
                    .iter()
                    .map(|v| Some(v.status.as_str().to_owned()))
                    .collect(),
            ));
            columns.push(class_column(
                &format!("{}_class", c.spec.name),
                &classed.classes,
            ));
        }
        columns
    }

    fn level_layer(&self, data: &LevelData<'_>) -> AttributeLayer {
        AttributeLayer {
            name: data.name.to_owned(),
            level: data.level,
            columns: self.base_columns(data),
            style: None,
        }
    }

    /// The ranked level's layer: the base columns and every `ranking.csv` column.
    fn ranked_layer(&self, data: &LevelData<'_>) -> AttributeLayer {
        let a = self.input.analysis;
        let r = &a.ranking.units;
        let mut columns = self.base_columns(data);
        columns.push(text(
            "excluded",
            r.iter()
                .map(|u| u.exclusion.as_ref().map(|e| self.exclusion_text(e)))
                .collect(),
        ));
        for (i, name) in a.ranking.criteria.iter().enumerate() {
            columns.push(real(
                &format!("{name}_norm"),
                r.iter()
                    .map(|u| u.normalized.get(i).copied().flatten())
                    .collect(),
            ));
        }
        columns.push(real("composite", r.iter().map(|u| u.composite).collect()));
        columns.push(AttributeColumn {
            name: "rank".to_owned(),
            values: AttributeValues::Integer(
                r.iter()
                    .map(|u| u.rank.and_then(|k| i64::try_from(k).ok()))
                    .collect(),
            ),
        });
        let interval = |f: fn(&crate::rank::RankInterval) -> f64| -> Vec<Option<f64>> {
            match &a.intervals {
                Some(iv) => iv.iter().map(|i| i.as_ref().map(f)).collect(),
                None => vec![None; r.len()],
            }
        };
        columns.push(real("rank_median", interval(|i| i.median)));
        columns.push(real("rank_p05", interval(|i| i.p05)));
        columns.push(real("rank_p95", interval(|i| i.p95)));
        columns.push(real("p_selected", interval(|i| i.p_selected)));
        columns.push(class_column("class", &a.classes));
        columns.push(AttributeColumn {
            name: "selected".to_owned(),
            values: AttributeValues::Integer(
                r.iter().map(|u| Some(i64::from(u.selected))).collect(),
            ),
        });
        columns.push(text(
            "drivers",
            r.iter()
                .map(|u| {
                    // As in `ranking.csv`: no driver = empty (NULL), not an empty string.
                    (!u.drivers.is_empty()).then(|| {
                        u.drivers
                            .iter()
                            .map(|d| d.criterion.as_str())
                            .collect::<Vec<_>>()
                            .join(";")
                    })
                })
                .collect(),
        ));
        let lisa =
            |f: &dyn Fn(&crate::analysis::UnitLisa) -> Option<String>| -> Vec<Option<String>> {
                match &a.lisa {
                    Some(l) => l.iter().map(|x| x.as_ref().and_then(f)).collect(),
                    None => vec![None; r.len()],
                }
            };
        columns.push(text(
            "lisa_quadrant",
            lisa(&|x| Some(quadrant_code(x.quadrant).to_owned())),
        ));
        columns.push(real(
            "lisa_p",
            match &a.lisa {
                Some(l) => l.iter().map(|x| x.as_ref().and_then(|x| x.p_sim)).collect(),
                None => vec![None; r.len()],
            },
        ));
        let diverging = matches!(a.spec.classification, Classification::StdMean { .. });
        let colors = palette(self.composite.legend.len(), diverging);
        let style = LayerStyle {
            name: self.t("Gesamtindex (Klassen)", "Composite index (classes)"),
            column: "class".to_owned(),
            classes: self
                .composite
                .legend
                .iter()
                .zip(colors)
                .enumerate()
                .map(|(i, ((label, _), color))| StyleClass {
                    value: i as i64 + 1,
                    label: label.clone(),
                    color: color.to_owned(),
                })
                .collect(),
            no_data_label: self.t("nicht bewertet oder kein Wert", "not rated or no value"),
        };
        AttributeLayer {
            name: data.name.to_owned(),
            level: data.level,
            columns,
            style: Some(style),
        }
    }

    fn exclusion_text(&self, e: &Exclusion) -> String {
        match e {
            Exclusion::BelowMinimumPopulation { minimum, .. } => format!(
                "{} {}",
                self.t("weniger Einwohner als", "fewer residents than"),
                self.num(*minimum, 0)
            ),
            Exclusion::PopulationUnknown => {
                self.t("Einwohnerzahl geheim gehalten", "population suppressed")
            }
            Exclusion::Manual { reason } => reason.clone(),
            Exclusion::Missing { criteria } => format!(
                "{}: {}",
                self.t("fehlende Werte", "missing values"),
                criteria.join(", ")
            ),
            _ => self.t("kein Indikatorwert", "no indicator value"),
        }
    }

    fn classification_text(&self, c: &Classification) -> String {
        match c {
            Classification::Quantiles { k } => {
                format!("{} ({k})", self.t("Quantile", "quantiles"))
            }
            Classification::EqualInterval { k } => {
                format!("{} ({k})", self.t("gleiche Intervalle", "equal intervals"))
            }
            Classification::FisherJenks { k } => format!("Fisher-Jenks ({k})"),
            Classification::StdMean { multiples } => format!(
                "{} ({})",
                self.t(
                    "Mittelwert ± Standardabweichung",
                    "mean ± standard deviation"
                ),
                multiples
                    .iter()
                    .map(|m| self.num(*m, 1))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Classification::Manual { .. } => self.t("manuelle Grenzen", "manual breaks"),
        }
    }

    fn normalization_text(&self, n: &Normalization) -> String {
        match n {
            Normalization::ZScore { weighting } => match weighting {
                Weighting::Population => self.t(
                    "z-Werte (bevölkerungsgewichtet)",
                    "z-scores (population-weighted)",
                ),
                _ => self.t("z-Werte", "z-scores"),
            },
            Normalization::MinMax => self.t("Min-Max-Skalierung", "min-max scaling"),
            Normalization::Rank => self.t("Ränge", "ranks"),
            Normalization::Percentile => self.t("Perzentilränge", "percentile ranks"),
            _ => self.t(
                "exponentielle Rangtransformation (wie IMD)",
                "exponential rank transformation (as the IMD)",
            ),
        }
    }

    /// Method facts shared by profiles and the index.
    fn method(&self) -> Vec<Fact> {
        let a = self.input.analysis;
        let r = &a.spec.ranking;
        let mut facts = Vec::new();
        let mut fact = |label: String, value: String| facts.push(Fact { label, value });
        fact(
            self.t("Normalisierung", "Normalization"),
            self.normalization_text(&r.normalization),
        );
        let weights = a
            .spec
            .criteria
            .iter()
            .map(|c| {
                let label = a
                    .indicators
                    .column(&c.indicator)
                    .map_or_else(|| c.indicator.clone(), |col| self.indicator_label(col));
                let w = self
                    .weights
                    .get(c.indicator.as_str())
                    .copied()
                    .unwrap_or(0.0);
                let dir = match c.direction {
                    Direction::HigherIsWorse => "",
                    Direction::LowerIsWorse => " (↓)",
                };
                format!("{label}{dir} {}", self.percent(w))
            })
            .collect::<Vec<_>>()
            .join("; ");
        fact(self.t("Gewichte", "Weights"), weights);
        let mut aggregation = match r.aggregation {
            Aggregation::Geometric => self.t(
                "gewichtetes geometrisches Mittel",
                "weighted geometric mean",
            ),
            _ => self.t(
                "gewichtetes arithmetisches Mittel",
                "weighted arithmetic mean",
            ),
        };
        if r.restandardize {
            aggregation.push_str(&self.t(", erneut standardisiert", ", re-standardized"));
        }
        fact(self.t("Gesamtindex", "Composite"), aggregation);
        let missing = match r.missing {
            MissingPolicy::ExcludeUnit => self.t(
                "Einheiten mit fehlendem Wert werden nicht bewertet",
                "units with a missing value are not rated",
            ),
            _ => self.t(
                "fehlende Werte: Gewichte der übrigen Indikatoren hochgerechnet",
                "missing values: the other indicators' weights scaled up",
            ),
        };
        fact(self.t("Fehlende Werte", "Missing values"), missing);
        if let Some(min) = r.min_population {
            fact(
                self.t("Mindestgröße", "Minimum size"),
                format!("{} {}", self.num(min, 0), self.t("Einwohner", "residents")),
            );
        }
        let selection = match r.selection {
            Selection::TopN(n) => format!(
                "{} {}",
                self.t("die", "the"),
                self.t(
                    &format!("{n} am stärksten benachteiligten"),
                    &format!("{n} most disadvantaged")
                )
            ),
            Selection::Threshold(t) => format!(
                "{} > {}",
                self.t("Gesamtindex", "composite"),
                self.num(t, 2)
            ),
            _ => self.t("keine", "none"),
        };
        fact(self.t("Auswahl", "Selection"), selection);
        if r.smoothing {
            fact(
                self.t("Glättung", "Smoothing"),
                self.t(
                    "Empirical-Bayes-Glättung der Anteile und Raten",
                    "empirical Bayes smoothing of shares and rates",
                ),
            );
        }
        if let Some(u) = &self.input.analysis.spec.uncertainty {
            fact(
                self.t("Unsicherheit", "Uncertainty"),
                format!(
                    "{} {} (±{} {}); {}",
                    self.int(u.draws as u64),
                    self.t("Monte-Carlo-Ziehungen", "Monte-Carlo draws"),
                    self.percent(u.weight_spread),
                    self.t(
                        "Gewichte, Normalisierungen, Glättung",
                        "weights, normalizations, smoothing"
                    ),
                    self.t("Rangintervall 5–95 %", "rank interval 5–95 %"),
                ),
            );
        }
        fact(
            self.t("Klassen des Gesamtindex", "Classes of the composite"),
            self.classification_text(&a.spec.classification),
        );
        fact(
            self.t("Klassen der Indikatoren", "Classes of the indicators"),
            self.classification_text(&self.spec.indicator_classification),
        );
        if let Some(p) = self.input.protocol {
            let k = p.parameters.k;
            let zeros = if p.parameters.zeros == "suppress" {
                self.t("Nullen gesperrt", "zeros suppressed")
            } else {
                self.t("Nullen veröffentlicht", "zeros published")
            };
            fact(
                self.t("Geheimhaltung", "Disclosure control"),
                format!(
                    "{} 1 {} {} {} (k = {k}); {zeros}; {}",
                    self.t("Fallzahlen von", "counts from"),
                    self.t("bis", "to"),
                    k.saturating_sub(1),
                    self.t("gesperrt", "suppressed"),
                    self.t(
                        "Sekundärsperrung über alle Ebenen und Gebietsgliederungen, mit Prüfung (lineare Optimierung)",
                        "secondary suppression across all levels and groupings, audited (linear programming)"
                    ),
                ),
            );
        }
        facts
    }

    fn sources(&self) -> Vec<SourceRow> {
        self.input
            .catalogue
            .iter()
            .map(|e| SourceRow {
                title: e.title.clone(),
                office: e.office.clone(),
                reference_date: self.date(&e.reference_date),
                legal_basis: e.legal_basis.clone().unwrap_or_else(|| "–".to_owned()),
            })
            .collect()
    }

    /// An ISO date `YYYY-MM-DD` as `DD.MM.YYYY` in German; other text unchanged.
    fn date(&self, iso: &str) -> String {
        let parts: Vec<&str> = iso.split('-').collect();
        match (self.lang, parts.as_slice()) {
            (Language::German, [y, m, d]) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                format!("{d}.{m}.{y}")
            }
            _ => iso.to_owned(),
        }
    }

    fn chrome(&self) -> Chrome {
        let de = self.lang == Language::German;
        let h = |k: &'static str, g: &str, e: &str| (k, if de { g } else { e }.to_owned());
        Chrome {
            lang: self.lang.tag(),
            footer: format!(
                "{} {} {} · {}",
                self.t("Erstellt mit", "Made with"),
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
                self.t(
                    "nur geheim gehaltene Tabellen, keine Einzeldaten",
                    "protected tables only, no individual records"
                )
            ),
            headings: vec![
                h("figures", "Kennzahlen", "Key figures"),
                h(
                    "age",
                    "Altersstruktur der Einwohner",
                    "Age structure of the residents",
                ),
                h("sources", "Datenquellen", "Data sources"),
                h("method", "Methode", "Method"),
                h("ranking", "Rangfolge", "Ranking"),
                h("profiles", "Steckbriefe", "Profiles"),
                h(
                    "protocol",
                    "Protokoll der Geheimhaltung",
                    "Disclosure protocol",
                ),
                h("map", "Karten", "Maps"),
                h("back", "Zur Übersicht", "Back to the overview"),
                h("maps", "Weitere Karten", "Other maps"),
                h("source_title", "Datensatz", "Dataset"),
                h("source_office", "Fachamt", "Office"),
                h("source_date", "Stichtag", "Reference date"),
                h("source_legal", "Rechtsgrundlage", "Legal basis"),
                h("weight", "Gewicht im Index", "Weight in the index"),
                h("selected", "ausgewählt", "selected"),
            ],
            figure_columns: vec![
                self.t("Indikator", "Indicator"),
                self.t("Wert", "Value"),
                self.spec.title.clone(),
                self.t("Rang", "Rank"),
                self.t("Klasse", "Class"),
                self.t("Vergleich mit allen", "Compared with all"),
            ],
            ranking_columns: vec![
                self.t("Rang", "Rank"),
                level_label(&self.input.analysis.indicators.level),
                self.t("Gesamtindex", "Composite"),
                self.t("Rangintervall (5–95 %)", "Rank interval (5–95 %)"),
                self.t("P(ausgewählt)", "P(selected)"),
                self.t("Klasse", "Class"),
                self.t("Hinweis", "Note"),
            ],
        }
    }

    /// Category counts of the residents per unit of the ranked level.
    fn age_structure(&self) -> BTreeMap<&'a str, Vec<(&'a str, Option<u64>)>> {
        let mut out: BTreeMap<&'a str, Vec<(&'a str, Option<u64>)>> = BTreeMap::new();
        let level = &self.input.analysis.indicators.level;
        let Some(residents) = self
            .input
            .tables
            .iter()
            .find(|t| t.dataset() == crate::records::RecordKind::Resident)
        else {
            return out;
        };
        for row in residents.rows() {
            if row.layer_kind == LayerKind::Level && row.layer == level && row.category != TOTAL {
                out.entry(row.unit_id)
                    .or_default()
                    .push((row.category, row.value));
            }
        }
        out
    }

    /// Rank (1 = worst by the indicator's direction, else highest) of each unit's value.
    fn ranks(&self, column: &IndicatorColumn) -> Vec<Option<usize>> {
        let direction = self
            .input
            .analysis
            .spec
            .criteria
            .iter()
            .find(|c| c.indicator == column.spec.name)
            .map_or(Direction::HigherIsWorse, |c| c.direction);
        let values = finite_values(column);
        values
            .iter()
            .map(|v| {
                v.map(|x| {
                    1 + values
                        .iter()
                        .flatten()
                        .filter(|&&y| match direction {
                            Direction::HigherIsWorse => y > x,
                            Direction::LowerIsWorse => y < x,
                        })
                        .count()
                })
            })
            .collect()
    }

    fn profile(
        &self,
        data: &LevelData<'a>,
        u: usize,
        ages: &BTreeMap<&'a str, Vec<(&'a str, Option<u64>)>>,
    ) -> ProfileView<'a> {
        let a = self.input.analysis;
        let unit = &self.units[u];
        let ranked = &a.ranking.units[u];
        let h = self.input.hierarchy;
        let level_name = &a.indicators.level;
        let mut subtitle = vec![self.spec.title.clone()];
        if let Some(p) = unit
            .parent()
            .and_then(|p| h.unit(self.level.wrapping_sub(1), p))
        {
            subtitle.push(format!(
                "{} {}",
                level_label(&h.levels()[self.level - 1]),
                self.unit_title(p)
            ));
        }
        subtitle.push(self.t("Steckbrief", "Profile"));

        let mut facts = Vec::new();
        let population = match a.indicators.population[u] {
            Some(p) => self.int(p),
            None => format!(
                "{} {SUPPRESSED_MARK}",
                self.t("geheim gehalten", "suppressed")
            ),
        };
        facts.push(Fact {
            label: self.t("Einwohner", "Residents"),
            value: population,
        });
        facts.push(Fact {
            label: self.t("Fläche", "Area"),
            value: format!("{} km²", self.num(a.indicators.area_km2[u], 2)),
        });
        if let (Some(c), Some(r)) = (ranked.composite, ranked.rank) {
            facts.push(Fact {
                label: self.t("Gesamtindex", "Composite index"),
                value: self.num(c, 2),
            });
            let mut rank = self.of(r, a.ranking.ranked());
            if let Some(Some(i)) = a.intervals.as_ref().and_then(|iv| iv.get(u)) {
                rank.push_str(&format!(
                    " ({} {}–{})",
                    self.t("Intervall", "interval"),
                    self.num(i.p05, 0),
                    self.num(i.p95, 0)
                ));
                facts.push(Fact {
                    label: self.t("Rang", "Rank"),
                    value: rank,
                });
                facts.push(Fact {
                    label: self.t("Wahrscheinlichkeit ausgewählt", "Probability selected"),
                    value: self.percent(i.p_selected),
                });
            } else {
                facts.push(Fact {
                    label: self.t("Rang", "Rank"),
                    value: rank,
                });
            }
            if let Some(c) = a.classes[u] {
                facts.push(Fact {
                    label: self.t("Klasse", "Class"),
                    value: self.class_text(&self.composite, c),
                });
            }
            if !ranked.drivers.is_empty() {
                let drivers = ranked
                    .drivers
                    .iter()
                    .map(|d| {
                        a.indicators
                            .column(&d.criterion)
                            .map_or_else(|| d.criterion.clone(), |c| self.indicator_label(c))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                facts.push(Fact {
                    label: self.t("Treiber", "Drivers"),
                    value: drivers,
                });
            }
        }
        if let Some(Some(l)) = a.lisa.as_ref().and_then(|l| l.get(u)) {
            let significant = l.p_sim.is_some_and(|p| p <= 0.05);
            let value = if significant {
                format!(
                    "{} (p = {})",
                    self.quadrant_text(l.quadrant),
                    self.num(l.p_sim.unwrap_or(1.0), 3)
                )
            } else {
                self.t("kein signifikantes Muster", "no significant pattern")
            };
            facts.push(Fact {
                label: self.t("Räumliches Muster (LISA)", "Spatial pattern (LISA)"),
                value,
            });
        }
        let callout = match (&ranked.exclusion, ranked.selected) {
            (Some(e), _) => Some(format!(
                "{}: {}",
                self.t("Nicht bewertet", "Not rated"),
                self.exclusion_text(e)
            )),
            (None, true) => Some(self.t(
                "Ausgewählt: benachteiligtes Quartier nach dem Gesamtindex",
                "Selected: a disadvantaged quarter by the composite index",
            )),
            _ => None,
        };

        let figures = data
            .table
            .columns
            .iter()
            .zip(&data.classed)
            .map(|(column, classed)| self.figure(column, classed, u))
            .collect();

        let age = ages.get(unit.id().as_str()).map(|rows| BarsView {
            id_prefix: "a-".to_owned(),
            bars: rows
                .iter()
                .map(|(cat, v)| Bar {
                    label: (*cat).to_owned(),
                    value: *v,
                    value_label: v.map_or_else(|| SUPPRESSED_MARK.to_owned(), |v| self.int(v)),
                })
                .collect(),
            description: format!(
                "{} {}",
                self.t(
                    "Einwohner nach Altersgruppe in",
                    "Residents by age group in"
                ),
                unit.id()
            ),
            width_px: BARS_WIDTH_PX,
        });

        ProfileView {
            chrome: self.chrome(),
            title: format!("{} {}", level_label(level_name), self.unit_title(unit)),
            subtitle: subtitle.join(" · "),
            facts,
            callout,
            locator: LocatorView {
                id_prefix: "l-".to_owned(),
                units: self
                    .shapes
                    .level(self.input.hierarchy, self.level)
                    .collect(),
                highlight: u,
                width_px: LOCATOR_WIDTH_PX,
                description: format!(
                    "{} {} {} {}",
                    self.t("Lage von", "Location of"),
                    unit.id(),
                    self.t("in", "in"),
                    self.spec.title
                ),
            },
            figures,
            age,
            sources: self.sources(),
            method: self.method(),
            index_href: "index.html".to_owned(),
        }
    }

    fn class_text(&self, classed: &Classed, c: usize) -> String {
        let label = classed.legend.get(c).map(|(l, _)| l.as_str()).unwrap_or("");
        format!("{}: {label}", self.of(c + 1, classed.legend.len()))
    }

    fn figure(&self, column: &IndicatorColumn, classed: &Classed, u: usize) -> FigureRow {
        let v = &column.values[u];
        let value = v.value.filter(|x| x.is_finite());
        let footnote = match (v.status, value) {
            (ValueStatus::Suppressed, _) => Some((
                SUPPRESSED_MARK.to_owned(),
                self.t(
                    "geheim gehalten: zu kleine Fallzahl oder zum Schutz einer anderen Zelle gesperrt",
                    "suppressed: too few cases, or suppressed to protect another cell",
                ),
            )),
            (_, None) => Some((
                NO_VALUE_MARK.to_owned(),
                self.t(
                    "kein Wert: Bezugsgröße ist null",
                    "no value: the denominator is zero",
                ),
            )),
            _ => None,
        };
        let ranks = self.ranks(column);
        let n = classed.finite.len();
        let unit_of_measure = self.measure_unit(&column.spec.measure);
        let town = column.overall.filter(|x| x.is_finite());
        let fmt = |x: f64| self.num(x, classed.decimals);
        let (lo, hi) = classed
            .finite
            .iter()
            .chain(&town)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        let label = self.indicator_label(column);
        FigureRow {
            label: label.clone(),
            unit: unit_of_measure,
            value: footnote.is_none().then(|| value.map(fmt)).flatten(),
            footnote,
            town: town.map_or_else(|| "–".to_owned(), fmt),
            rank: ranks[u].map_or_else(|| "–".to_owned(), |r| self.of(r, n)),
            class: classed.classes[u]
                .map_or_else(|| "–".to_owned(), |c| self.class_text(classed, c)),
            weight: self
                .weights
                .get(column.spec.name.as_str())
                .filter(|w| **w > 0.0)
                .map(|w| self.percent(*w)),
            chart: StripView {
                values: classed.finite.clone(),
                this: value,
                town,
                min_label: if lo.is_finite() {
                    fmt(lo)
                } else {
                    String::new()
                },
                max_label: if hi.is_finite() {
                    fmt(hi)
                } else {
                    String::new()
                },
                description: format!(
                    "{label}: {} {}",
                    self.units[u].id(),
                    self.t("im Vergleich mit allen", "compared with all")
                ),
                width_px: STRIP_WIDTH_PX,
            },
        }
    }

    fn quadrant_text(&self, q: Quadrant) -> String {
        match q {
            Quadrant::HH => self.t(
                "Brennpunkt: hoher Wert, benachbart zu hohen",
                "hot spot: high, next to high values",
            ),
            Quadrant::LL => self.t(
                "niedriger Wert, benachbart zu niedrigen",
                "cold spot: low, next to low values",
            ),
            Quadrant::HL => self.t(
                "Ausreißer: hoher Wert zwischen niedrigen",
                "outlier: high among low values",
            ),
            Quadrant::LH => self.t(
                "Ausreißer: niedriger Wert zwischen hohen",
                "outlier: low among high values",
            ),
        }
    }

    fn protocol_facts(&self) -> Vec<Fact> {
        let Some(p) = self.input.protocol else {
            return Vec::new();
        };
        let mut facts = Vec::new();
        for d in &p.datasets {
            let title = self
                .input
                .catalogue
                .iter()
                .find(|e| e.dataset == d.dataset)
                .map_or_else(|| d.dataset.to_owned(), |e| e.title.clone());
            let r = &d.records;
            let assigned = r.assigned + r.snapped;
            let (cells, suppressed) = d.cells.iter().fold((0, 0), |(c, s), l| {
                (c + l.cells, s + l.primary + l.secondary)
            });
            let audit = if d.audit.passed {
                self.t("Prüfung bestanden", "audit passed")
            } else {
                self.t("Prüfung NICHT bestanden", "audit FAILED")
            };
            facts.push(Fact {
                label: title,
                value: format!(
                    "{} {}, {} {}, {} {}; {} {} {} {}; {audit}",
                    self.int(r.read as u64),
                    self.t("Datensätze", "records"),
                    self.int(assigned as u64),
                    self.t("zugeordnet", "assigned"),
                    self.int(r.read.saturating_sub(assigned) as u64),
                    self.t("nicht zugeordnet", "not assigned"),
                    self.int(suppressed as u64),
                    self.t("von", "of"),
                    self.int(cells as u64),
                    self.t("Tabellenzellen gesperrt", "table cells suppressed"),
                ),
            });
        }
        if let Some(m) = &self.input.analysis.moran {
            facts.push(Fact {
                label: self.t("Moran's I des Gesamtindex", "Moran's I of the composite"),
                value: format!("{} (z = {})", self.num(m.i, 3), self.num(m.z_normal, 2)),
            });
        }
        facts
    }

    fn index(&self, map: MapView<'a>, map_links: Vec<(String, String)>) -> IndexView<'a> {
        let a = self.input.analysis;
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        order.sort_by_key(|&u| (a.ranking.units[u].rank.unwrap_or(usize::MAX), u));
        let ranking = order
            .into_iter()
            .map(|u| {
                let r = &a.ranking.units[u];
                let interval = a
                    .intervals
                    .as_ref()
                    .and_then(|iv| iv.get(u))
                    .and_then(Option::as_ref);
                RankingRow {
                    rank: r
                        .rank
                        .map_or_else(|| "–".to_owned(), |k| self.int(k as u64)),
                    id: self.units[u].id().to_string(),
                    name: self.units[u].name().unwrap_or_default().to_owned(),
                    href: self.hrefs[u].clone(),
                    composite: r
                        .composite
                        .map_or_else(|| "–".to_owned(), |c| self.num(c, 2)),
                    interval: interval.map_or_else(
                        || "–".to_owned(),
                        |i| format!("{}–{}", self.num(i.p05, 0), self.num(i.p95, 0)),
                    ),
                    p_selected: interval
                        .map_or_else(|| "–".to_owned(), |i| self.percent(i.p_selected)),
                    class: a.classes[u].map_or_else(
                        || "–".to_owned(),
                        |c| self.of(c + 1, self.composite.legend.len()),
                    ),
                    selected: r.selected,
                    note: match (&r.exclusion, r.selected) {
                        (Some(e), _) => self.exclusion_text(e),
                        (None, true) => self.t("ausgewählt", "selected"),
                        _ => String::new(),
                    },
                }
            })
            .collect();
        let selected = a.ranking.selected().count();
        IndexView {
            chrome: self.chrome(),
            title: format!(
                "{}: {}",
                self.t("Sozialraumanalyse", "Small-area analysis"),
                self.spec.title
            ),
            subtitle: format!(
                "{} {} · {} {} · {} {}",
                self.int(self.units.len() as u64),
                level_label(&a.indicators.level),
                self.int(a.ranking.ranked() as u64),
                self.t("bewertet", "rated"),
                self.int(selected as u64),
                self.t("als benachteiligt ausgewählt", "selected as disadvantaged"),
            ),
            map,
            map_links,
            ranking,
            protocol: self.protocol_facts(),
            sources: self.sources(),
            method: self.method(),
        }
    }
}

fn text(name: &str, values: Vec<Option<String>>) -> AttributeColumn {
    AttributeColumn {
        name: name.to_owned(),
        values: AttributeValues::Text(values),
    }
}

fn real(name: &str, values: Vec<Option<f64>>) -> AttributeColumn {
    AttributeColumn {
        name: name.to_owned(),
        values: AttributeValues::Real(
            values
                .into_iter()
                .map(|v| v.filter(|x| x.is_finite()))
                .collect(),
        ),
    }
}

/// Classes as 1-based integers (as `ranking.csv`), `NULL` without a class.
fn class_column(name: &str, classes: &[Option<usize>]) -> AttributeColumn {
    AttributeColumn {
        name: name.to_owned(),
        values: AttributeValues::Integer(
            classes
                .iter()
                .map(|c| c.and_then(|c| i64::try_from(c + 1).ok()))
                .collect(),
        ),
    }
}

fn quadrant_code(q: Quadrant) -> &'static str {
    match q {
        Quadrant::HH => "HH",
        Quadrant::LH => "LH",
        Quadrant::LL => "LL",
        Quadrant::HL => "HL",
    }
}
