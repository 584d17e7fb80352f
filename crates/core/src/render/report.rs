//! The builders: analysis, hierarchy, tables, catalogue and protocol → view models → files.

use std::collections::BTreeMap;

use geo::{Area, MultiPolygon};

use super::format::{integer, number, range};
use super::view::{
    Fill, Language, Legend, LegendClass, MapLink, MapUnit, MapView, NoDataEntry, Pattern,
};
use super::{
    RenderError, Report, ReportFile, ReportInput, ReportSpec, colors, html, monitoring, svg,
};
use crate::anonymize::LayerKind;
use crate::classify::{Breaks, Classification, class_breaks};
use crate::hierarchy::{Hierarchy, Unit};
use crate::indicator::{IndicatorColumn, IndicatorTable, Measure, ValueStatus, compute_indicators};

/// Mark of a suppressed value.
pub(super) const SUPPRESSED_MARK: &str = "•";
/// Mark of a value that does not exist (zero denominator or area).
pub(super) const NO_VALUE_MARK: &str = "°";
/// Width of the locator map and of the strip charts in profiles.
pub(super) const LOCATOR_WIDTH_PX: f64 = 260.0;
pub(super) const STRIP_WIDTH_PX: f64 = 180.0;
pub(super) const BARS_WIDTH_PX: f64 = 360.0;

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
/// - **Over time** (with [`ReportInput::monitoring`]): in every profile the rank at each
///   reference date, the dynamics class and one sparkline per indicator (estimated values
///   hollow) with the change first → last; on the index the "what changed" table linking
///   to the profiles and the units per status × dynamics class.
/// - **Sign-offs** (with [`ReportInput::release`]): maps of an indicator without a current
///   sign-off carry an "Entwurf" ("Draft") watermark and its profile rows a badge; the
///   composite map, the ranking and the profile headers are drafts when an indicator of
///   the composite is; the index lists the sign-offs with the first 12 hex digits of the
///   signed table's SHA-256 and whether they are current. See [`MonitoringView`] and
///   [`ReleaseView`].
///
/// Units of the levels above the blocks are drawn with their shapes closed over the streets
/// (see `STREET_CLOSING_M`, 15 m: streets up to 30 m wide disappear), so a quarter is one
/// area with one outline; areas, indicators and GIS layers keep the true geometries. A unit
/// whose geometry is empty is listed in tables and profiles but has no area on the maps;
/// a map without any drawable unit still has its legend and says "keine Daten" ("no
/// data"). An empty level cannot reach the renderer: a hierarchy has at least one block, and
/// every upper unit is made from blocks. A non-finite value (NaN, ±∞) is never printed: it
/// is drawn and listed as "kein Wert" and written as `NULL` to the GIS layers.
/// Outputs are deterministic: the same input gives byte-identical files.
///
/// # Errors
///
/// [`RenderError::UnknownLevel`] / [`RenderError::UnitMismatch`] when the analysis does not
/// belong to the hierarchy, [`RenderError::MapWidth`] for a bad width, and
/// [`RenderError::Indicator`] when a finer level's indicators cannot be computed;
/// [`RenderError::MonitoringShape`] / [`RenderError::MonitoringUnit`] when the monitoring
/// input does not fit the ranked level or its dates.
///
/// [`MonitoringView`]: super::MonitoringView
/// [`ReleaseView`]: super::ReleaseView
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
///     monitoring: None,
///     release: None,
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
    if let Some(m) = input.monitoring {
        monitoring::check(m, &input.analysis.indicators.level, ctx.units)?;
    }
    let mut files = Vec::new();
    let mut map_links = Vec::new();

    // Ranked level: classes of every indicator, then the maps.
    let ranked = LevelData::new(&ctx, ctx.level, &input.analysis.indicators);
    for (i, column) in ranked.table.columns.iter().enumerate() {
        let view = ctx.indicator_map(&ranked, i, "../", "m-");
        let path = format!("maps/{}-{}.svg", ranked.name, column.spec.name);
        map_links.push(MapLink {
            label: format!("{} ({})", view.title, ranked.label()),
            href: path.clone(),
            draft: view.watermark.clone(),
        });
        files.push(svg_file(path, &view));
    }
    let composite_path = format!("maps/{}-composite.svg", ranked.name);
    map_links.insert(
        0,
        MapLink {
            label: format!(
                "{} ({})",
                ctx.t("Gesamtindex", "Composite index"),
                ranked.label()
            ),
            href: composite_path.clone(),
            draft: ctx.composite_draft(),
        },
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
                map_links.push(MapLink {
                    label: format!("{} ({})", view.title, data.label()),
                    href: path.clone(),
                    draft: view.watermark.clone(),
                });
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
    let index = ctx.index(ctx.composite_map("", "i-"), map_links, &ranked);
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
pub(super) struct Shapes {
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
    pub(super) fn get<'a>(&'a self, h: &'a Hierarchy, l: usize, u: usize) -> &'a MultiPolygon<f64> {
        match self.levels.get(l).and_then(Option::as_ref) {
            Some(shapes) => &shapes[u],
            None => h.units(l)[u].geometry(),
        }
    }

    /// The map shapes of every unit of level `l`.
    pub(super) fn level<'a>(
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
    let span = (hi - lo).abs();
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
pub(super) struct Classed {
    /// Class per unit (0 = lowest); `None` without a finite value.
    pub(super) classes: Vec<Option<usize>>,
    /// Legend labels and counts.
    pub(super) legend: Vec<(String, usize)>,
    /// Display decimals.
    pub(super) decimals: usize,
    /// The finite values, sorted ascending (so that a profile finds a unit's rank by binary
    /// search: a report of 15,000 quarters has 15,000 profiles).
    pub(super) finite: Vec<f64>,
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
                finite: sorted(finite),
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
            finite: sorted(finite),
        }
    }

    /// The legend classes with their colours.
    fn legend_classes(&self, colors: Vec<&'static str>) -> Vec<LegendClass> {
        self.legend
            .iter()
            .zip(colors)
            .map(|((label, count), color)| LegendClass {
                label: label.clone(),
                count: *count,
                color,
            })
            .collect()
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
            finite: sorted(finite),
        }
    }
}

/// Finite values in ascending order.
fn sorted(mut finite: Vec<f64>) -> Vec<f64> {
    finite.sort_unstable_by(f64::total_cmp);
    finite
}

/// The asked breaks, or one class over all values when the values do not support them
/// (e.g. fewer distinct values than classes); `None` without a value.
pub(super) fn breaks_or_one(finite: &[f64], method: &Classification) -> Option<Breaks> {
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
pub(super) fn palette(k: usize, diverging: bool) -> Vec<&'static str> {
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
pub(super) struct LevelData<'a> {
    pub(super) level: usize,
    pub(super) name: &'a str,
    pub(super) table: &'a IndicatorTable,
    pub(super) classed: Vec<Classed>,
}

impl<'a> LevelData<'a> {
    pub(super) fn new(ctx: &Ctx<'a>, level: usize, table: &'a IndicatorTable) -> Self {
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

    pub(super) fn label(&self) -> String {
        level_label(self.name)
    }
}

/// The raw values with non-finite ones as missing.
pub(super) fn finite_values(c: &IndicatorColumn) -> Vec<Option<f64>> {
    c.values
        .iter()
        .map(|v| v.value.filter(|x| x.is_finite()))
        .collect()
}

/// Level names are data (`quartier`); displayed with a capital (`Quartier`).
pub(super) fn level_label(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Shared state of one rendering.
pub(super) struct Ctx<'a> {
    pub(super) input: &'a ReportInput<'a>,
    pub(super) spec: &'a ReportSpec,
    pub(super) lang: Language,
    pub(super) level: usize,
    pub(super) units: &'a [Unit],
    pub(super) hrefs: Vec<String>,
    pub(super) labels: Vec<String>,
    pub(super) shapes: &'a Shapes,
    pub(super) composite: Classed,
    pub(super) weights: BTreeMap<&'a str, f64>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
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
        // Every per-unit vector of the analysis has one entry per unit (the fields are public,
        // so a hand-made analysis could disagree; rendering must not panic on it).
        let mut lengths = vec![
            ("classes", a.classes.len()),
            ("indicators.population", a.indicators.population.len()),
            ("indicators.area_km2", a.indicators.area_km2.len()),
        ];
        for c in &a.indicators.columns {
            lengths.push(("indicators.columns.values", c.values.len()));
        }
        if let Some(iv) = &a.intervals {
            lengths.push(("intervals", iv.len()));
        }
        if let Some(l) = &a.lisa {
            lengths.push(("lisa", l.len()));
        }
        if let Some((field, found)) = lengths.into_iter().find(|&(_, len)| len != n) {
            return Err(RenderError::Inconsistent {
                field,
                expected: n,
                found,
            });
        }
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
    pub(super) fn t(&self, de: &str, en: &str) -> String {
        match self.lang {
            Language::German => de.to_owned(),
            Language::English => en.to_owned(),
        }
    }

    pub(super) fn num(&self, v: f64, decimals: usize) -> String {
        number(v, decimals, self.lang)
    }

    pub(super) fn int(&self, v: u64) -> String {
        integer(v, self.lang)
    }

    pub(super) fn of(&self, a: usize, n: usize) -> String {
        let sep = self.t("von", "of");
        format!("{} {sep} {}", self.int(a as u64), self.int(n as u64))
    }

    pub(super) fn percent(&self, share: f64) -> String {
        format!("{} %", self.num(share * 100.0, 0))
    }

    pub(super) fn selected(&self) -> Vec<bool> {
        self.input
            .analysis
            .ranking
            .units
            .iter()
            .map(|u| u.selected)
            .collect()
    }

    pub(super) fn unit_title(&self, u: &Unit) -> String {
        match u.name() {
            Some(name) if !name.is_empty() && name != u.id().as_str() => {
                format!("{} {name}", u.id())
            }
            _ => u.id().to_string(),
        }
    }

    /// The display unit of an indicator's measure.
    pub(super) fn measure_unit(&self, m: &Measure) -> String {
        match m {
            Measure::Share { .. } => "%".to_owned(),
            Measure::Rate { per, .. } => {
                format!("{} {}", self.t("je", "per"), self.num(*per, 0))
            }
            Measure::Density { .. } => self.t("je km²", "per km²"),
        }
    }

    /// The display label; a label ending in its own unit in parentheses (`… (%)`) loses it,
    /// since the report prints the unit beside every label.
    pub(super) fn indicator_label(&self, c: &IndicatorColumn) -> String {
        let label = self.spec.label(&c.spec.name, &c.spec.label);
        let unit = format!(" ({})", self.measure_unit(&c.spec.measure));
        let english = format!(" ({})", c.spec.measure.unit());
        label
            .strip_suffix(unit.as_str())
            .or_else(|| label.strip_suffix(english.as_str()))
            .unwrap_or(label)
            .to_owned()
    }

    pub(super) fn contexts(&self, level: usize) -> Vec<&'a MultiPolygon<f64>> {
        let h = self.input.hierarchy;
        if level > self.level {
            self.shapes.level(h, self.level).collect()
        } else if level > 0 {
            self.shapes.level(h, level - 1).collect()
        } else {
            Vec::new()
        }
    }

    pub(super) fn subtitle(&self, level: &str, method: &Classification) -> String {
        format!(
            "{} · {}: {}",
            level_label(level),
            self.t("Klassen", "classes"),
            self.classification_text(method)
        )
    }

    /// The choropleth of indicator `i` of a level.
    pub(super) fn indicator_map(
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
                classes: classed.legend_classes(colors),
                no_data,
                outline: (ranked && selected.iter().any(|&s| s))
                    .then(|| self.t("ausgewählt: benachteiligt", "selected: disadvantaged")),
            },
            width_px: self.spec.map_width_px,
            language: self.lang,
            watermark: self.draft(&column.spec.name),
        }
    }

    /// The choropleth of the composite index on the ranked level.
    pub(super) fn composite_map(&self, href_prefix: &str, id_prefix: &str) -> MapView<'a> {
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
                classes: self.composite.legend_classes(colors),
                no_data,
                outline: selected
                    .iter()
                    .any(|&s| s)
                    .then(|| self.t("ausgewählt: benachteiligt", "selected: disadvantaged")),
            },
            width_px: self.spec.map_width_px,
            language: self.lang,
            watermark: self.composite_draft(),
        }
    }

    /// Indicators of another level: those whose datasets are all published there; `None`
    /// when there is none.
    pub(super) fn level_indicators(&self, l: usize) -> Result<Option<IndicatorTable>, RenderError> {
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
}
