//! SVG drawing of the view models: choropleth maps, locator maps, strip and bar charts.
//!
//! Every function appends one standalone `<svg xmlns="http://www.w3.org/2000/svg">` element
//! to a `String`; the same text works as a file of its own and inline in HTML. The output
//! is deterministic and small:
//!
//! - Coordinates are in CSS pixels with at most one decimal (map) or none (locator),
//!   trailing zeros stripped; floating-point values are never printed with `{}`.
//! - Geometry goes from the metric CRS (y northwards) to pixels (y downwards) with one
//!   uniform scale that fits the bounding box of all units into the frame.
//! - Rings are simplified with Ramer–Douglas–Peucker (`geo::Simplify`, never below four
//!   points per closed ring) at half a pixel (map) or one pixel (locator), rounded, and
//!   points that repeat after rounding are dropped. A ring left with fewer than three
//!   distinct points is dropped (with its holes, if it is an exterior ring); a polygon
//!   with a non-finite coordinate is skipped. Exterior rings are written counter-clockwise
//!   on screen and holes clockwise, so holes show under both fill rules.
//! - All text goes through [`format::escape`](super::format::escape).
//!
//! A map with no drawable geometry (no units, empty or degenerate geometries) is still a
//! valid SVG: title, legend and a "keine Daten" / "no data" note, without scale bar.

use std::fmt::Write as _;

use geo::{Area, Centroid, Coord, LineString, MultiPolygon, Polygon, Simplify};

use super::format::{self, push_escaped};
use super::view::{
    BarsView, Fill, Language, LocatorView, MapView, Pattern, SparklineView, StripView,
};

/// Appends formatted text to a `String` (writing to a `String` cannot fail).
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// The dark accent for highlights (locator unit, strip marker, bars).
pub(crate) const ACCENT: &str = "#2c3e50";

/// The font stack of all text.
const FONT_FAMILY: &str = "Arial, Helvetica, sans-serif";

/// Fill for a unit whose class or no-data entry is not in the legend (a builder bug).
const FALLBACK_FILL: &str = "#cccccc";

/// Average glyph width as a share of the font size, for layout estimates.
const GLYPH_WIDTH: f64 = 0.56;

/// Outer margin of maps, in px.
const MARGIN: f64 = 12.0;

/// Highest map height relative to its width (very tall towns are fitted, not stretched).
const MAX_ASPECT: f64 = 1.4;

// ---------------------------------------------------------------------------------------
// Number and coordinate output
// ---------------------------------------------------------------------------------------

/// Appends `tenths / 10` with at most one decimal and no trailing zero (`12.3`, `12`,
/// `-0.5`).
fn push_tenths(out: &mut String, tenths: i64) {
    if tenths < 0 {
        out.push('-');
    }
    let abs = tenths.unsigned_abs();
    w!(out, "{}", abs / 10);
    let frac = abs % 10;
    if frac != 0 {
        w!(out, ".{frac}");
    }
}

/// Rounds a pixel value to tenths (non-finite → 0, saturating).
fn to_tenths(value: f64) -> i64 {
    if value.is_finite() {
        (value * 10.0).round() as i64
    } else {
        0
    }
}

/// Appends a pixel value with at most one decimal.
fn push_px(out: &mut String, value: f64) {
    push_tenths(out, to_tenths(value));
}

/// Estimated width in px of `text` at `font_px`.
fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().count() as f64 * font_px * GLYPH_WIDTH
}

/// Splits `text` at spaces into lines of at most `max_chars` characters (a longer word
/// gets a line of its own); at most `max_lines` lines, the last one taking the rest.
fn wrap(text: &str, max_chars: usize, max_lines: usize) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if lines.len() + 1 >= max_lines.max(1) || rest.chars().count() <= max_chars {
            lines.push(rest);
            break;
        }
        // The last space at or before max_chars (in chars), else the first space.
        let mut cut = None;
        for (n, (i, c)) in rest.char_indices().enumerate() {
            if c == ' ' {
                if n <= max_chars || cut.is_none() {
                    cut = Some(i);
                }
                if n > max_chars {
                    break;
                }
            }
        }
        match cut {
            Some(i) => {
                lines.push(rest[..i].trim_end());
                rest = rest[i..].trim_start();
            }
            None => {
                lines.push(rest);
                break;
            }
        }
    }
    lines
}

/// Keeps `[A-Za-z0-9_-]` of an id prefix and replaces anything else by `_`, so that ids
/// and `url(#…)` references stay valid.
fn sanitize_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len());
    push_id(&mut out, prefix);
    out
}

/// Appends `id` with every character outside `[A-Za-z0-9_-]` replaced by `_`.
fn push_id(out: &mut String, id: &str) {
    for c in id.chars() {
        out.push(if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        });
    }
}

/// Writes the opening `<svg>` tag with size, `role="img"`, `aria-label` and `<title>`.
fn open_svg(out: &mut String, width: f64, height: f64, label: &str) {
    let (w, h) = (to_tenths(width), to_tenths(height));
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
    push_tenths(out, w);
    out.push_str("\" height=\"");
    push_tenths(out, h);
    out.push_str("\" viewBox=\"0 0 ");
    push_tenths(out, w);
    out.push(' ');
    push_tenths(out, h);
    w!(
        out,
        "\" role=\"img\" font-family=\"{FONT_FAMILY}\" aria-label=\""
    );
    push_escaped(out, label);
    out.push_str("\"><title>");
    push_escaped(out, label);
    out.push_str("</title>");
}

// ---------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------

/// Metric coordinates (y up) → pixels (y down) with one uniform scale.
#[derive(Debug, Clone, Copy)]
struct Transform {
    /// World x at the left edge of the fitted box.
    min_x: f64,
    /// World y at the top edge of the fitted box.
    max_y: f64,
    /// Pixels per metre.
    scale: f64,
    /// Pixel x of `min_x`.
    offset_x: f64,
    /// Pixel y of `max_y`.
    offset_y: f64,
}

impl Transform {
    /// The pixel position of a world coordinate.
    fn apply(&self, c: Coord<f64>) -> (f64, f64) {
        (
            self.offset_x + (c.x - self.min_x) * self.scale,
            self.offset_y + (self.max_y - c.y) * self.scale,
        )
    }
}

/// A bounding box in world coordinates.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    /// Minimum x.
    min_x: f64,
    /// Minimum y.
    min_y: f64,
    /// Maximum x.
    max_x: f64,
    /// Maximum y.
    max_y: f64,
}

impl Bounds {
    /// The bounds of the finite exterior coordinates of polygons without non-finite
    /// coordinates; `None` when there is none or the extent is not finite.
    fn of<'a>(geometries: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Option<Self> {
        let mut b: Option<Bounds> = None;
        for mp in geometries {
            for polygon in mp {
                if !is_finite_polygon(polygon) {
                    continue;
                }
                for c in &polygon.exterior().0 {
                    let bb = b.get_or_insert(Bounds {
                        min_x: c.x,
                        min_y: c.y,
                        max_x: c.x,
                        max_y: c.y,
                    });
                    bb.min_x = bb.min_x.min(c.x);
                    bb.min_y = bb.min_y.min(c.y);
                    bb.max_x = bb.max_x.max(c.x);
                    bb.max_y = bb.max_y.max(c.y);
                }
            }
        }
        b.filter(|b| (b.max_x - b.min_x).is_finite() && (b.max_y - b.min_y).is_finite())
    }

    /// Width in metres.
    fn width(&self) -> f64 {
        self.max_x - self.min_x
    }

    /// Height in metres.
    fn height(&self) -> f64 {
        self.max_y - self.min_y
    }

    /// The scale (px per metre) fitting the box into `width_px` × `max_height_px`, and the
    /// resulting size in px; `None` for a degenerate (point) box.
    fn fit(&self, width_px: f64, max_height_px: f64) -> Option<(f64, f64, f64)> {
        let (bw, bh) = (self.width(), self.height());
        let sx = if bw > 0.0 {
            width_px / bw
        } else {
            f64::INFINITY
        };
        let sy = if bh > 0.0 {
            max_height_px / bh
        } else {
            f64::INFINITY
        };
        let scale = sx.min(sy);
        (scale.is_finite() && scale > 0.0).then_some((scale, bw * scale, bh * scale))
    }
}

/// Whether every coordinate of the polygon is finite.
fn is_finite_polygon(polygon: &Polygon<f64>) -> bool {
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .all(|ring| ring.0.iter().all(|c| c.x.is_finite() && c.y.is_finite()))
}

/// Writes path data of polygons, with a reusable buffer for the rounded ring.
#[derive(Debug)]
struct PathWriter {
    /// World → pixel.
    transform: Transform,
    /// RDP tolerance in world units.
    epsilon: f64,
    /// Grid units per pixel: 10 (tenths) or 1 (integer pixels).
    grid: i64,
    /// The current ring in grid units.
    ring: Vec<(i64, i64)>,
    /// Holes with a smaller doubled area (grid units²) are left out.
    min_hole_area2: i128,
}

impl PathWriter {
    /// A writer with RDP tolerance `epsilon_px`, `grid` units per pixel, leaving out holes
    /// smaller than `min_hole_px2` square pixels.
    fn new(transform: Transform, epsilon_px: f64, grid: i64, min_hole_px2: i64) -> Self {
        Self {
            transform,
            epsilon: epsilon_px / transform.scale,
            grid,
            ring: Vec::with_capacity(64),
            min_hole_area2: 2 * i128::from(min_hole_px2) * i128::from(grid * grid),
        }
    }

    /// Appends `value` grid units as a number.
    fn push_num(&self, out: &mut String, value: i64) {
        if self.grid == 10 {
            push_tenths(out, value);
        } else {
            w!(out, "{value}");
        }
    }

    /// Simplifies a polygon for drawing; `None` when it has non-finite coordinates.
    fn simplify(&self, polygon: &Polygon<f64>) -> Option<Polygon<f64>> {
        is_finite_polygon(polygon).then(|| polygon.simplify(self.epsilon))
    }

    /// Appends the path data of an (already simplified) polygon; returns whether its
    /// exterior ring was drawn.
    fn push_polygon(&mut self, out: &mut String, polygon: &Polygon<f64>) -> bool {
        if !self.push_ring(out, polygon.exterior(), true) {
            return false;
        }
        for hole in polygon.interiors() {
            self.push_ring(out, hole, false);
        }
        true
    }

    /// Appends the path data of every polygon of a multipolygon; returns whether anything
    /// was drawn.
    fn push_multipolygon(&mut self, out: &mut String, geometry: &MultiPolygon<f64>) -> bool {
        let mut drawn = false;
        for polygon in geometry {
            if let Some(simple) = self.simplify(polygon) {
                drawn |= self.push_polygon(out, &simple);
            }
        }
        drawn
    }

    /// Appends one ring as `M x y l dx dy … z`; returns `false` (writing nothing) when it
    /// has fewer than three distinct points after rounding.
    fn push_ring(&mut self, out: &mut String, ring: &LineString<f64>, exterior: bool) -> bool {
        let grid = self.grid as f64;
        self.ring.clear();
        for &c in &ring.0 {
            let (x, y) = self.transform.apply(c);
            let p = (round_grid(x * grid), round_grid(y * grid));
            if self.ring.last() != Some(&p) {
                self.ring.push(p);
            }
        }
        while self.ring.len() > 1 && self.ring.first() == self.ring.last() {
            self.ring.pop();
        }
        if self.ring.len() < 3 {
            return false;
        }
        // Signed area on screen (y down): positive = clockwise as seen.
        let mut twice_area: i128 = 0;
        for (i, &(x0, y0)) in self.ring.iter().enumerate() {
            let (x1, y1) = self.ring[(i + 1) % self.ring.len()];
            twice_area += i128::from(x0) * i128::from(y1) - i128::from(x1) * i128::from(y0);
        }
        if twice_area == 0 || (!exterior && twice_area.abs() < self.min_hole_area2) {
            return false; // collinear (nothing to fill), or a hole too small to see
        }
        // Exterior counter-clockwise on screen (negative), holes clockwise (positive).
        let reverse = (twice_area > 0) == exterior;
        let n = self.ring.len();
        let at = |k: usize| {
            if reverse {
                self.ring[(n - k) % n]
            } else {
                self.ring[k]
            }
        };
        let (x0, y0) = at(0);
        out.push('M');
        self.push_num(out, x0);
        out.push(' ');
        self.push_num(out, y0);
        out.push('l');
        let (mut px, mut py) = (x0, y0);
        for k in 1..n {
            let (x, y) = at(k);
            if k > 1 && x - px >= 0 {
                out.push(' ');
            }
            self.push_num(out, x - px);
            if y - py >= 0 {
                out.push(' ');
            }
            self.push_num(out, y - py);
            (px, py) = (x, y);
        }
        out.push('z');
        true
    }
}

/// Rounds to the nearest integer, saturating (non-finite → 0).
fn round_grid(value: f64) -> i64 {
    if value.is_finite() {
        value.round() as i64
    } else {
        0
    }
}

/// The label position of a multipolygon in world coordinates: the pole of inaccessibility
/// of its largest polygon, computed on the simplified polygon that is drawn; `None` when
/// there is no drawable polygon.
///
/// When several parts are about as large (at least half the largest area, e.g. a quarter
/// given as its blocks), the one whose centroid is nearest to the area-weighted centroid
/// of all parts is taken, so that the label sits in the middle of the unit (ties: the
/// first).
fn label_position(
    geometry: &MultiPolygon<f64>,
    writer: &PathWriter,
    tolerance: f64,
) -> Option<Coord<f64>> {
    let parts: Vec<(f64, &Polygon<f64>)> = geometry
        .iter()
        .filter(|p| is_finite_polygon(p))
        .map(|p| (p.unsigned_area(), p))
        .filter(|(area, _)| area.is_finite() && *area > 0.0)
        .collect();
    let max_area = parts.iter().map(|(a, _)| *a).fold(0.0, f64::max);
    let chosen = if parts.iter().filter(|(a, _)| *a >= 0.5 * max_area).count() > 1 {
        let (mut sx, mut sy, mut sa) = (0.0, 0.0, 0.0);
        for (area, polygon) in &parts {
            if let Some(c) = polygon.centroid() {
                sx += c.x() * area;
                sy += c.y() * area;
                sa += area;
            }
        }
        let centre = Coord {
            x: sx / sa,
            y: sy / sa,
        };
        parts
            .iter()
            .filter(|(a, _)| *a >= 0.5 * max_area)
            .filter_map(|(_, p)| {
                let c = p.centroid()?;
                Some(((c.x() - centre.x).hypot(c.y() - centre.y), *p))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, p)| p)
    } else {
        parts
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, p)| *p)
    }?;
    let simple = writer.simplify(chosen)?;
    let point = polylabel::polylabel(&simple, &tolerance).ok()?;
    let c = point.0;
    (c.x.is_finite() && c.y.is_finite()).then_some(c)
}

// ---------------------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------------------

/// The id suffix of a pattern.
fn pattern_name(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::Hatch => "hatch",
        Pattern::CrossHatch => "cross",
        Pattern::Dots => "dots",
    }
}

/// Writes the `<pattern>` element of `pattern` with id `{prefix}{name}`.
fn push_pattern(out: &mut String, prefix: &str, pattern: Pattern) {
    let name = pattern_name(pattern);
    let body = match pattern {
        Pattern::Hatch => {
            " patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f0f0f0\"/>\
             <path d=\"M3 0v6\" stroke=\"#737373\" stroke-width=\"1.5\"/>"
        }
        Pattern::CrossHatch => {
            " patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f0f0f0\"/>\
             <path d=\"M3 0v6M0 3h6\" stroke=\"#737373\" stroke-width=\"1\"/>"
        }
        Pattern::Dots => {
            "><rect width=\"6\" height=\"6\" fill=\"#f7f7f7\"/>\
             <circle cx=\"3\" cy=\"3\" r=\"1.1\" fill=\"#969696\"/>"
        }
    };
    w!(
        out,
        "<pattern id=\"{prefix}{name}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"{body}</pattern>"
    );
}

// ---------------------------------------------------------------------------------------
// Choropleth map
// ---------------------------------------------------------------------------------------

/// Texts of the map chrome in the view's language.
fn no_data_text(language: Language) -> &'static str {
    match language {
        Language::German => "keine Daten",
        Language::English => "no data",
    }
}

/// A round scale-bar length (1, 2 or 5 × 10ⁿ metres) near `target_m`, and its label
/// (`500 m`, `1 km`, `0,5 m`).
fn scale_length(target_m: f64, language: Language) -> Option<(f64, String)> {
    if !(target_m.is_finite() && target_m > 0.0) {
        return None;
    }
    let exponent = target_m.log10().floor();
    let base = 10f64.powf(exponent);
    let best = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * base)
        .min_by(|a, b| {
            let da = (a / target_m).ln().abs();
            let db = (b / target_m).ln().abs();
            da.total_cmp(&db)
        })?;
    let label = if best >= 1000.0 {
        let km = best / 1000.0;
        let mut s = format::number(km, decimals_for(km), language);
        s.push_str(" km");
        s
    } else {
        let mut s = format::number(best, decimals_for(best), language);
        s.push_str(" m");
        s
    };
    Some((best, label))
}

/// Decimals needed to print a 1/2/5 × 10ⁿ value exactly (0 for n ≥ 0).
fn decimals_for(value: f64) -> usize {
    if value >= 1.0 {
        0
    } else {
        (-value.log10().floor()).clamp(0.0, 12.0) as usize
    }
}

/// Layout of a map, in px.
#[derive(Debug, Clone, Copy)]
struct MapLayout {
    /// Left edge of the map frame.
    map_x: f64,
    /// Top edge of the map frame.
    map_y: f64,
    /// Width of the map frame.
    map_w: f64,
    /// Height of the map frame.
    map_h: f64,
    /// Left edge of the legend.
    legend_x: f64,
    /// Width of the legend.
    legend_w: f64,
}

/// Writes a standalone `<svg>` element (with `xmlns`) of a choropleth map.
///
/// Layout: title and subtitle on top; the map frame on the left (`width_px` is the width
/// of the whole figure, the legend takes about 30 % of it on the right), the scale bar
/// under the map, a north arrow in the map's upper right corner; the legend lists the
/// classes with their unit counts, then each no-data entry with its pattern, then the
/// outline entry. Units are drawn in view order, each in `<a href>` when it has a link and
/// with its tooltip as `<title>`; then the context outlines; then the outlined units with
/// a thick dark stroke; then the labels at the pole of inaccessibility of each unit's
/// largest polygon.
pub(crate) fn map(view: &MapView<'_>, out: &mut String) {
    let prefix = sanitize_prefix(&view.id_prefix);
    let language = view.language;
    let width = if view.width_px.is_finite() {
        view.width_px.clamp(200.0, 4000.0)
    } else {
        640.0
    };

    // Horizontal layout.
    let legend_w = (width * 0.3).clamp(140.0, 260.0);
    let gap = 16.0;
    let map_w = (width - 2.0 * MARGIN - gap - legend_w).max(60.0);
    let total_w = MARGIN + map_w + gap + legend_w + MARGIN;

    // Header.
    let title_font = 16.0;
    let title_lines = wrap(
        &view.title,
        ((total_w - 2.0 * MARGIN) / (title_font * GLYPH_WIDTH)) as usize,
        2,
    );
    let subtitle_lines = wrap(
        &view.subtitle,
        ((total_w - 2.0 * MARGIN) / (12.0 * GLYPH_WIDTH)) as usize,
        2,
    );
    let mut y = MARGIN;
    let header_top = y;
    y += title_lines.len() as f64 * 20.0 + subtitle_lines.len() as f64 * 16.0;
    let map_y = y + 10.0;

    // Map frame from the geometry.
    let bounds = Bounds::of(view.units.iter().map(|u| u.geometry));
    let fitted = bounds.and_then(|b| b.fit(map_w, map_w * MAX_ASPECT).map(|f| (b, f)));
    let (map_h, transform) = match fitted {
        Some((b, (scale, w_px, h_px))) => {
            let offset_x = MARGIN + (map_w - w_px) / 2.0;
            let map_h = h_px.max(40.0);
            let offset_y = map_y + (map_h - h_px) / 2.0;
            (
                map_h,
                Some(Transform {
                    min_x: b.min_x,
                    max_y: b.max_y,
                    scale,
                    offset_x,
                    offset_y,
                }),
            )
        }
        None => ((map_w * 0.6).round(), None),
    };
    let layout = MapLayout {
        map_x: MARGIN,
        map_y,
        map_w,
        map_h,
        legend_x: MARGIN + map_w + gap,
        legend_w,
    };

    // Body first into a separate buffer? No: the height must be known for the root tag,
    // and it depends only on the layout and the legend, computed here.
    let legend_h = legend_height(view, &layout);
    let scale_zone = 30.0;
    let bottom = (map_y + map_h + scale_zone).max(map_y + legend_h) + MARGIN;

    out.reserve(4096 + view.units.len() * 256);
    open_svg(out, total_w, bottom, &view.title);

    // Patterns used by units or the legend, in a fixed order.
    let mut used = [false; 3];
    let mut mark = |p: Pattern| used[pattern_index(p)] = true;
    for entry in &view.legend.no_data {
        mark(entry.pattern);
    }
    for unit in &view.units {
        if let Fill::NoData(i) = unit.fill {
            mark(
                view.legend
                    .no_data
                    .get(i)
                    .map_or(Pattern::Hatch, |e| e.pattern),
            );
        }
    }
    if used.iter().any(|&u| u) {
        out.push_str("<defs>");
        for p in [Pattern::Hatch, Pattern::CrossHatch, Pattern::Dots] {
            if used[pattern_index(p)] {
                push_pattern(out, &prefix, p);
            }
        }
        out.push_str("</defs>");
    }
    w!(out, "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");

    // Header text.
    let mut ty = header_top;
    for (i, line) in title_lines.iter().enumerate() {
        ty += if i == 0 { 16.0 } else { 20.0 };
        out.push_str("<text x=\"");
        push_px(out, MARGIN);
        out.push_str("\" y=\"");
        push_px(out, ty);
        out.push_str("\" font-size=\"16\" font-weight=\"bold\" fill=\"#222\">");
        push_escaped(out, line);
        out.push_str("</text>");
    }
    if !subtitle_lines.is_empty() {
        ty += 4.0;
    }
    for line in &subtitle_lines {
        ty += 16.0;
        out.push_str("<text x=\"");
        push_px(out, MARGIN);
        out.push_str("\" y=\"");
        push_px(out, ty);
        out.push_str("\" font-size=\"12\" fill=\"#555\">");
        push_escaped(out, line);
        out.push_str("</text>");
    }

    let mut drawn_any = false;
    if let Some(tf) = transform {
        drawn_any = map_body(view, out, &prefix, tf);
        if drawn_any {
            scale_bar(out, &layout, tf.scale, language);
            north_arrow(out, &layout);
        }
    }
    if !drawn_any {
        out.push_str("<text x=\"");
        push_px(out, layout.map_x + layout.map_w / 2.0);
        out.push_str("\" y=\"");
        push_px(out, layout.map_y + layout.map_h / 2.0);
        out.push_str("\" font-size=\"14\" fill=\"#777\" text-anchor=\"middle\">");
        out.push_str(no_data_text(language));
        out.push_str("</text>");
    }

    legend(view, out, &prefix, &layout);

    if let Some(mark) = &view.watermark {
        let cx = layout.map_x + layout.map_w / 2.0;
        let cy = layout.map_y + layout.map_h / 2.0;
        let size = (layout.map_w / (mark.chars().count().max(4) as f64 * 0.6)).clamp(16.0, 96.0);
        out.push_str("<text x=\"");
        push_px(out, cx);
        out.push_str("\" y=\"");
        push_px(out, cy);
        out.push_str("\" font-size=\"");
        push_px(out, size);
        out.push_str("\" font-weight=\"bold\" fill=\"#000\" fill-opacity=\"0.09\" text-anchor=\"middle\" dy=\"0.35em\" pointer-events=\"none\" transform=\"rotate(-30 ");
        push_px(out, cx);
        out.push(' ');
        push_px(out, cy);
        out.push_str(")\">");
        push_escaped(out, mark);
        out.push_str("</text>");
    }
    out.push_str("</svg>");
}

/// Index of a pattern in fixed order.
fn pattern_index(pattern: Pattern) -> usize {
    match pattern {
        Pattern::Hatch => 0,
        Pattern::CrossHatch => 1,
        Pattern::Dots => 2,
    }
}

/// Draws units, context outlines, outlined units and labels; returns whether any unit was
/// drawn.
fn map_body(view: &MapView<'_>, out: &mut String, prefix: &str, tf: Transform) -> bool {
    let mut writer = PathWriter::new(tf, 0.5, 10, 0);
    let mut outlined: Vec<(usize, usize)> = Vec::new();
    let mut labels: Vec<(usize, Coord<f64>)> = Vec::new();
    let mut drawn_any = false;

    out.push_str(
        "<g fill-rule=\"evenodd\" stroke=\"#fff\" stroke-width=\"0.6\" stroke-linejoin=\"round\">",
    );
    for (index, unit) in view.units.iter().enumerate() {
        let tag_start = out.len();
        if let Some(href) = &unit.href {
            out.push_str("<a href=\"");
            push_escaped(out, href);
            out.push_str("\">");
        }
        out.push_str("<path id=\"");
        w!(out, "{prefix}u-");
        push_id(out, unit.id);
        out.push_str("\" d=\"");
        let d_start = out.len();
        let drawn = writer.push_multipolygon(out, unit.geometry);
        let d_end = out.len();
        if !drawn {
            out.truncate(tag_start);
            continue;
        }
        drawn_any = true;
        out.push_str("\" fill=\"");
        match unit.fill {
            Fill::Class(i) => {
                let color = view
                    .legend
                    .classes
                    .get(i)
                    .map_or(FALLBACK_FILL, |c| c.color);
                push_escaped(out, color);
            }
            Fill::NoData(i) => match view.legend.no_data.get(i) {
                Some(entry) => {
                    w!(out, "url(#{prefix}{})", pattern_name(entry.pattern));
                }
                None => w!(out, "url(#{prefix}hatch)"),
            },
        }
        out.push_str("\"><title>");
        push_escaped(out, &unit.tooltip);
        out.push_str("</title></path>");
        if unit.href.is_some() {
            out.push_str("</a>");
        }
        if unit.outlined {
            outlined.push((d_start, d_end));
        }
        if unit.label.is_some() {
            if let Some(c) = label_position(unit.geometry, &writer, 1.0 / tf.scale) {
                labels.push((index, c));
            }
        }
    }
    out.push_str("</g>");

    if !view.context.is_empty() {
        let mut context = String::new();
        for geometry in &view.context {
            writer.push_multipolygon(&mut context, geometry);
        }
        if !context.is_empty() {
            out.push_str(
                "<path fill=\"none\" stroke=\"#444\" stroke-width=\"1\" stroke-linejoin=\"round\" pointer-events=\"none\" d=\"",
            );
            out.push_str(&context);
            out.push_str("\"/>");
        }
    }

    if !outlined.is_empty() {
        let mut d = String::new();
        for &(start, end) in &outlined {
            d.push_str(out.get(start..end).unwrap_or_default());
        }
        out.push_str(
            "<path fill=\"none\" stroke=\"#111\" stroke-width=\"2.5\" stroke-linejoin=\"round\" pointer-events=\"none\" d=\"",
        );
        out.push_str(&d);
        out.push_str("\"/>");
    }

    if !labels.is_empty() {
        out.push_str(
            "<g font-size=\"11\" fill=\"#222\" text-anchor=\"middle\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" pointer-events=\"none\">",
        );
        for (index, c) in labels {
            let Some(text) = view.units.get(index).and_then(|u| u.label.as_deref()) else {
                continue;
            };
            let (x, y) = tf.apply(c);
            out.push_str("<text x=\"");
            push_px(out, x);
            out.push_str("\" y=\"");
            push_px(out, y);
            out.push_str("\" dy=\"0.35em\">");
            push_escaped(out, text);
            out.push_str("</text>");
        }
        out.push_str("</g>");
    }
    drawn_any
}

/// Draws the scale bar under the map's lower left corner.
fn scale_bar(out: &mut String, layout: &MapLayout, scale: f64, language: Language) {
    let target_m = layout.map_w * 0.22 / scale;
    let Some((length_m, label)) = scale_length(target_m, language) else {
        return;
    };
    let length_px = length_m * scale;
    if !(length_px.is_finite() && length_px > 1.0) {
        return;
    }
    let x = layout.map_x;
    let y = layout.map_y + layout.map_h + 16.0;
    out.push_str("<g fill=\"#333\" font-size=\"11\"><path fill=\"none\" stroke=\"#333\" stroke-width=\"1.2\" d=\"M");
    push_px(out, x);
    out.push(' ');
    push_px(out, y - 5.0);
    out.push_str("v5h");
    push_px(out, length_px);
    out.push_str("v-5\"/><text x=\"");
    push_px(out, x + length_px + 6.0);
    out.push_str("\" y=\"");
    push_px(out, y);
    out.push_str("\">");
    push_escaped(out, &label);
    out.push_str("</text></g>");
}

/// Draws a small north arrow under the map frame's lower right corner (beside the scale
/// bar, so that it never covers a unit).
fn north_arrow(out: &mut String, layout: &MapLayout) {
    let x = layout.map_x + layout.map_w - 8.0;
    let y = layout.map_y + layout.map_h + 4.0;
    out.push_str("<g fill=\"#333\"><text x=\"");
    push_px(out, x - 10.0);
    out.push_str("\" y=\"");
    push_px(out, y + 16.0);
    out.push_str(
        "\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"end\">N</text><path d=\"M",
    );
    push_px(out, x);
    out.push(' ');
    push_px(out, y + 4.0);
    out.push_str("l5 16-5-4-5 4z\"/></g>");
}

/// Row height of legend entries, px.
const LEGEND_ROW: f64 = 20.0;

/// Legend title font size, px.
const LEGEND_TITLE_FONT: f64 = 12.0;

/// The legend title's lines.
fn legend_title_lines<'a>(view: &'a MapView<'_>, layout: &MapLayout) -> Vec<&'a str> {
    wrap(
        &view.legend.title,
        (layout.legend_w / (LEGEND_TITLE_FONT * GLYPH_WIDTH)) as usize,
        3,
    )
}

/// Height of the legend, px.
fn legend_height(view: &MapView<'_>, layout: &MapLayout) -> f64 {
    let lines = legend_title_lines(view, layout).len() as f64;
    let rows = view.legend.classes.len()
        + view.legend.no_data.len()
        + usize::from(view.legend.outline.is_some());
    let separator = if view.legend.no_data.is_empty() && view.legend.outline.is_none() {
        0.0
    } else {
        6.0
    };
    lines * 16.0 + 6.0 + rows as f64 * LEGEND_ROW + separator
}

/// Draws the legend: title, class swatches with counts, no-data entries, outline entry.
fn legend(view: &MapView<'_>, out: &mut String, prefix: &str, layout: &MapLayout) {
    let language = view.language;
    let x = layout.legend_x;
    let mut y = layout.map_y;
    out.push_str("<g font-size=\"11\" fill=\"#222\">");
    for line in legend_title_lines(view, layout) {
        y += 14.0;
        out.push_str("<text x=\"");
        push_px(out, x);
        out.push_str("\" y=\"");
        push_px(out, y);
        out.push_str("\" font-size=\"12\" font-weight=\"bold\">");
        push_escaped(out, line);
        out.push_str("</text>");
        y += 2.0;
    }
    y += 6.0;

    let row = |out: &mut String,
               y: f64,
               fill: &dyn Fn(&mut String),
               label: &str,
               count: Option<usize>| {
        out.push_str("<rect x=\"");
        push_px(out, x);
        out.push_str("\" y=\"");
        push_px(out, y + 2.0);
        out.push_str("\" width=\"18\" height=\"13\"");
        fill(out);
        out.push_str("/><text x=\"");
        push_px(out, x + 26.0);
        out.push_str("\" y=\"");
        push_px(out, y + 13.0);
        out.push_str("\">");
        push_escaped(out, label);
        if let Some(n) = count {
            out.push_str(" <tspan fill=\"#666\">(");
            out.push_str(&format::integer(n as u64, language));
            out.push_str(")</tspan>");
        }
        out.push_str("</text>");
    };

    for class in &view.legend.classes {
        let color = class.color;
        row(
            out,
            y,
            &|out: &mut String| {
                out.push_str(" fill=\"");
                push_escaped(out, color);
                out.push_str("\" stroke=\"#999\" stroke-width=\"0.5\"");
            },
            &class.label,
            Some(class.count),
        );
        y += LEGEND_ROW;
    }
    if !view.legend.no_data.is_empty() || view.legend.outline.is_some() {
        y += 6.0;
    }
    for entry in &view.legend.no_data {
        let name = pattern_name(entry.pattern);
        row(
            out,
            y,
            &|out: &mut String| {
                w!(
                    out,
                    " fill=\"url(#{prefix}{name})\" stroke=\"#999\" stroke-width=\"0.5\""
                );
            },
            &entry.label,
            Some(entry.count),
        );
        y += LEGEND_ROW;
    }
    if let Some(label) = &view.legend.outline {
        row(
            out,
            y,
            &|out: &mut String| {
                out.push_str(" fill=\"#fff\" stroke=\"#111\" stroke-width=\"2.5\"");
            },
            label,
            None,
        );
    }
    out.push_str("</g>");
}

// ---------------------------------------------------------------------------------------
// Locator
// ---------------------------------------------------------------------------------------

/// Writes a small locator map: all units light grey with white borders, the highlighted
/// one in the dark accent (with a ring around it when it is smaller than a few pixels).
///
/// Integer pixel coordinates, simplified at one pixel, holes under 4 px² left out, all
/// other units in one `<path>` (non-zero fill rule; rings are oriented): about 100–200
/// bytes per simple unit.
pub(crate) fn locator(view: &LocatorView<'_>, out: &mut String) {
    let width = if view.width_px.is_finite() {
        view.width_px.clamp(40.0, 2000.0)
    } else {
        200.0
    };
    let pad = 2.0;
    let inner = width - 2.0 * pad;
    let bounds = Bounds::of(view.units.iter().copied());
    let fitted = bounds.and_then(|b| b.fit(inner, inner * MAX_ASPECT).map(|f| (b, f)));
    let Some((b, (scale, w_px, h_px))) = fitted else {
        let height = (width * 0.6).round();
        open_svg(out, width, height, &view.description);
        out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#f5f5f5\"/></svg>");
        return;
    };
    let height = (h_px + 2.0 * pad).ceil();
    let tf = Transform {
        min_x: b.min_x,
        max_y: b.max_y,
        scale,
        offset_x: pad + (inner - w_px) / 2.0,
        offset_y: pad,
    };
    out.reserve(256 + view.units.len() * 160);
    open_svg(out, width, height, &view.description);
    let mut writer = PathWriter::new(tf, 1.0, 1, 4);
    out.push_str("<path fill=\"#d9d9d9\" stroke=\"#fff\" stroke-width=\"0.7\" stroke-linejoin=\"round\" d=\"");
    for (i, geometry) in view.units.iter().enumerate() {
        if i != view.highlight {
            writer.push_multipolygon(out, geometry);
        }
    }
    out.push_str("\"/>");
    if let Some(geometry) = view.units.get(view.highlight) {
        let start = out.len();
        out.push_str("<path id=\"");
        push_id(out, &view.id_prefix);
        out.push_str("highlight\" fill=\"");
        out.push_str(ACCENT);
        out.push_str("\" stroke=\"#fff\" stroke-width=\"0.7\" stroke-linejoin=\"round\" d=\"");
        if writer.push_multipolygon(out, geometry) {
            out.push_str("\"/>");
        } else {
            out.truncate(start);
        }
        // A ring around a unit too small to see.
        if let Some(hb) = Bounds::of(std::iter::once(*geometry)) {
            let size = hb.width().max(hb.height()) * scale;
            if size < 6.0 {
                let (cx, cy) = tf.apply(Coord {
                    x: (hb.min_x + hb.max_x) / 2.0,
                    y: (hb.min_y + hb.max_y) / 2.0,
                });
                w!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"none\" stroke=\"{ACCENT}\" stroke-width=\"1.5\"/>",
                    round_grid(cx),
                    round_grid(cy)
                );
            }
        }
    }
    out.push_str("</svg>");
}

// ---------------------------------------------------------------------------------------
// Strip chart
// ---------------------------------------------------------------------------------------

/// Height of a strip chart, px.
const STRIP_HEIGHT: f64 = 30.0;

/// Writes a strip chart: a thin axis from the smallest to the largest value (this unit's
/// and the town value included), one short grey tick per unit value, the town value as a
/// dashed line, this unit's value as a dark diamond (none when `this` is `None`), and the
/// min/max labels under the axis ends. Equal values sit in the middle; non-finite values
/// are left out.
pub(crate) fn strip(view: &StripView, out: &mut String) {
    let width = if view.width_px.is_finite() {
        view.width_px.clamp(60.0, 2000.0)
    } else {
        160.0
    };
    let pad = 6.0;
    let (x0, x1) = (pad, width - pad);
    let axis_y = 9.0;
    let this = view.this.filter(|v| v.is_finite());
    let town = view.town.filter(|v| v.is_finite());
    let finite = view
        .values
        .iter()
        .copied()
        .chain(this)
        .chain(town)
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let span = hi - lo;
    let pos = |v: f64| -> f64 {
        if span.is_finite() && span > 0.0 {
            x0 + (v - lo) / span * (x1 - x0)
        } else {
            (x0 + x1) / 2.0
        }
    };

    open_svg(out, width, STRIP_HEIGHT, &view.description);
    out.push_str("<path stroke=\"#bbb\" stroke-width=\"1\" d=\"M");
    push_px(out, x0);
    out.push(' ');
    push_px(out, axis_y);
    out.push('H');
    push_px(out, x1);
    out.push_str("\"/>");

    let mut ticks: Vec<i64> = view
        .values
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| to_tenths(pos(v)))
        .collect();
    ticks.sort_unstable();
    ticks.dedup();
    if !ticks.is_empty() {
        out.push_str("<path stroke=\"#8c8c8c\" stroke-width=\"1\" d=\"");
        for x in ticks {
            out.push('M');
            push_tenths(out, x);
            out.push_str(" 4v10");
        }
        out.push_str("\"/>");
    }
    if let Some(t) = town {
        out.push_str("<path stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"2 2\" d=\"M");
        push_px(out, pos(t));
        out.push_str(" 0v18\"/>");
    }
    if let Some(v) = this {
        out.push_str("<path fill=\"");
        out.push_str(ACCENT);
        out.push_str("\" stroke=\"#fff\" stroke-width=\"1\" d=\"M");
        push_px(out, pos(v));
        out.push(' ');
        push_px(out, axis_y - 6.0);
        out.push_str("l6 6-6 6-6-6z\"/>");
    }
    out.push_str("<g font-size=\"9\" fill=\"#555\"><text x=\"");
    push_px(out, x0);
    out.push_str("\" y=\"27\">");
    push_escaped(out, &view.min_label);
    out.push_str("</text><text x=\"");
    push_px(out, x1);
    out.push_str("\" y=\"27\" text-anchor=\"end\">");
    push_escaped(out, &view.max_label);
    out.push_str("</text></g></svg>");
}

// ---------------------------------------------------------------------------------------
// Sparkline
// ---------------------------------------------------------------------------------------

/// Height of a sparkline, px.
const SPARK_HEIGHT: f64 = 30.0;

/// Radius of a sparkline marker, px.
const SPARK_RADIUS: f64 = 2.5;

/// Writes a sparkline: the dates evenly spaced from left to right, the values scaled to
/// the height between their minimum and maximum (equal values in the middle); a grey line
/// joins neighbouring dates that both have a value (a missing value leaves a gap and no
/// marker); one `<circle>` per value with the value as its tooltip, filled for a measured
/// value and hollow (white fill, dark ring) for an estimated one; the first label left of
/// the line, the last label right of it. Non-finite values are left out.
pub(crate) fn sparkline(view: &SparklineView, out: &mut String) {
    let width = if view.width_px.is_finite() {
        view.width_px.clamp(60.0, 2000.0)
    } else {
        180.0
    };
    let font = 10.0;
    let side = |label: &str| {
        if label.is_empty() {
            SPARK_RADIUS + 2.0
        } else {
            text_width(label, font) + 8.0
        }
    };
    let x0 = side(&view.first_label).min(width / 3.0);
    let x1 = (width - side(&view.last_label)).max(x0 + 10.0).min(width);
    let (top, bottom) = (SPARK_RADIUS + 3.0, SPARK_HEIGHT - SPARK_RADIUS - 3.0);
    let (lo, hi) = view
        .points
        .iter()
        .flatten()
        .map(|p| p.value)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let span = hi - lo;
    let n = view.points.len();
    let x = |i: usize| -> f64 {
        if n > 1 {
            x0 + i as f64 / (n - 1) as f64 * (x1 - x0)
        } else {
            (x0 + x1) / 2.0
        }
    };
    let y = |v: f64| -> f64 {
        if span.is_finite() && span > 0.0 {
            bottom - (v - lo) / span * (bottom - top)
        } else {
            (top + bottom) / 2.0
        }
    };

    open_svg(out, width, SPARK_HEIGHT, &view.description);
    // The line: runs of neighbouring present points.
    let mut line = String::new();
    let mut segments = 0;
    let mut previous = false;
    for (i, point) in view.points.iter().enumerate() {
        match point.as_ref().filter(|p| p.value.is_finite()) {
            Some(p) => {
                line.push(if previous { 'L' } else { 'M' });
                segments += usize::from(previous);
                push_px(&mut line, x(i));
                line.push(' ');
                push_px(&mut line, y(p.value));
                previous = true;
            }
            None => previous = false,
        }
    }
    if segments > 0 {
        out.push_str(
            "<path fill=\"none\" stroke=\"#8c8c8c\" stroke-width=\"1.2\" stroke-linejoin=\"round\" d=\"",
        );
        out.push_str(&line);
        out.push_str("\"/>");
    }
    for (i, point) in view.points.iter().enumerate() {
        let Some(p) = point.as_ref().filter(|p| p.value.is_finite()) else {
            continue;
        };
        out.push_str("<circle cx=\"");
        push_px(out, x(i));
        out.push_str("\" cy=\"");
        push_px(out, y(p.value));
        out.push_str("\" r=\"");
        push_px(out, SPARK_RADIUS);
        if p.estimated {
            w!(
                out,
                "\" fill=\"#fff\" stroke=\"{ACCENT}\" stroke-width=\"1.2\"><title>"
            );
        } else {
            w!(out, "\" fill=\"{ACCENT}\"><title>");
        }
        push_escaped(out, &p.tooltip);
        out.push_str("</title></circle>");
    }
    let text_y = SPARK_HEIGHT / 2.0 + 3.5;
    out.push_str("<g font-size=\"10\" fill=\"#333\">");
    if !view.first_label.is_empty() {
        out.push_str("<text x=\"");
        push_px(out, x0 - SPARK_RADIUS - 3.0);
        out.push_str("\" y=\"");
        push_px(out, text_y);
        out.push_str("\" text-anchor=\"end\">");
        push_escaped(out, &view.first_label);
        out.push_str("</text>");
    }
    if !view.last_label.is_empty() {
        out.push_str("<text x=\"");
        push_px(out, x1 + SPARK_RADIUS + 3.0);
        out.push_str("\" y=\"");
        push_px(out, text_y);
        out.push_str("\">");
        push_escaped(out, &view.last_label);
        out.push_str("</text>");
    }
    out.push_str("</g></svg>");
}

// ---------------------------------------------------------------------------------------
// Bar chart
// ---------------------------------------------------------------------------------------

/// Row height of bar charts, px.
const BAR_ROW: f64 = 18.0;

/// Writes a horizontal bar chart: category label left, bar, value label right of the bar;
/// a suppressed bar (`value` `None`) is a small hatched stub with its value label (the
/// mark).
pub(crate) fn bars(view: &BarsView, out: &mut String) {
    let prefix = sanitize_prefix(&view.id_prefix);
    let width = if view.width_px.is_finite() {
        view.width_px.clamp(120.0, 2000.0)
    } else {
        320.0
    };
    let font = 11.0;
    let label_w = view
        .bars
        .iter()
        .map(|b| text_width(&b.label, font))
        .fold(0.0, f64::max)
        .clamp(16.0, width * 0.4)
        + 8.0;
    let value_w = view
        .bars
        .iter()
        .map(|b| text_width(&b.value_label, font))
        .fold(0.0, f64::max)
        + 8.0;
    let bar_x = label_w;
    let bar_max = (width - label_w - value_w - 4.0).max(10.0);
    let max_value = view.bars.iter().filter_map(|b| b.value).max().unwrap_or(0);
    let height = (view.bars.len().max(1) as f64 * BAR_ROW + 4.0).ceil();

    open_svg(out, width, height, &view.description);
    if view.bars.iter().any(|b| b.value.is_none()) {
        out.push_str("<defs>");
        push_pattern(out, &prefix, Pattern::Hatch);
        out.push_str("</defs>");
    }
    out.push_str("<g font-size=\"11\" fill=\"#222\">");
    for (i, bar) in view.bars.iter().enumerate() {
        let top = 2.0 + i as f64 * BAR_ROW;
        let text_y = top + 12.5;
        out.push_str("<text x=\"");
        push_px(out, label_w - 6.0);
        out.push_str("\" y=\"");
        push_px(out, text_y);
        out.push_str("\" text-anchor=\"end\">");
        push_escaped(out, &bar.label);
        out.push_str("</text>");
        let length = match bar.value {
            Some(v) if max_value > 0 => v as f64 / max_value as f64 * bar_max,
            Some(_) => 0.0,
            None => 10.0,
        };
        if length > 0.0 {
            out.push_str("<rect x=\"");
            push_px(out, bar_x);
            out.push_str("\" y=\"");
            push_px(out, top + 2.0);
            out.push_str("\" width=\"");
            push_px(out, length.max(0.5));
            out.push_str("\" height=\"12\"");
            if bar.value.is_some() {
                out.push_str(" fill=\"#5b7a99\"/>");
            } else {
                w!(
                    out,
                    " fill=\"url(#{prefix}hatch)\" stroke=\"#888\" stroke-width=\"0.5\"/>"
                );
            }
        }
        out.push_str("<text x=\"");
        push_px(out, bar_x + length + 4.0);
        out.push_str("\" y=\"");
        push_px(out, text_y);
        out.push_str("\">");
        push_escaped(out, &bar.value_label);
        out.push_str("</text>");
    }
    out.push_str("</g></svg>");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use geo::{Contains, Point, coord, polygon};

    use super::super::view::{Bar, Legend, LegendClass, MapUnit, NoDataEntry};
    use super::*;

    // --- fixtures -----------------------------------------------------------------------

    fn square(x0: f64, y0: f64, size: f64) -> Polygon<f64> {
        polygon![
            (x: x0, y: y0),
            (x: x0 + size, y: y0),
            (x: x0 + size, y: y0 + size),
            (x: x0, y: y0 + size),
        ]
    }

    /// A town 3 km × 2 km: four 1 km squares (B with a hole) and an L-shaped unit U on the
    /// right whose centroid lies outside it.
    struct Town {
        a: MultiPolygon<f64>,
        b: MultiPolygon<f64>,
        c: MultiPolygon<f64>,
        d: MultiPolygon<f64>,
        u: MultiPolygon<f64>,
        frame: MultiPolygon<f64>,
    }

    fn town() -> Town {
        let hole = LineString::from(vec![
            (1300.0, 300.0),
            (1700.0, 300.0),
            (1700.0, 700.0),
            (1300.0, 700.0),
            (1300.0, 300.0),
        ]);
        let b = Polygon::new(square(1000.0, 0.0, 1000.0).exterior().clone(), vec![hole]);
        let u = polygon![
            (x: 2000.0, y: 0.0),
            (x: 3000.0, y: 0.0),
            (x: 3000.0, y: 2000.0),
            (x: 2800.0, y: 2000.0),
            (x: 2800.0, y: 200.0),
            (x: 2000.0, y: 200.0),
        ];
        Town {
            a: MultiPolygon(vec![square(0.0, 0.0, 1000.0)]),
            b: MultiPolygon(vec![b]),
            c: MultiPolygon(vec![square(0.0, 1000.0, 1000.0)]),
            d: MultiPolygon(vec![square(1000.0, 1000.0, 1000.0)]),
            u: MultiPolygon(vec![u]),
            frame: MultiPolygon(vec![polygon![
                (x: 0.0, y: 0.0),
                (x: 3000.0, y: 0.0),
                (x: 3000.0, y: 2000.0),
                (x: 0.0, y: 2000.0),
            ]]),
        }
    }

    fn unit<'a>(id: &'a str, geometry: &'a MultiPolygon<f64>, fill: Fill) -> MapUnit<'a> {
        MapUnit {
            id,
            label: Some(id.to_owned()),
            geometry,
            fill,
            outlined: false,
            tooltip: format!("{id} Quartier"),
            href: Some(format!("quartier-{id}.html")),
        }
    }

    fn legend() -> Legend {
        Legend {
            title: "Anteil unter 25 Jahre (%)".to_owned(),
            classes: vec![
                LegendClass {
                    label: "10,0 bis 12,5".to_owned(),
                    count: 1,
                    color: "#ffeda0",
                },
                LegendClass {
                    label: "12,5 bis 15,0".to_owned(),
                    count: 2,
                    color: "#feb24c",
                },
                LegendClass {
                    label: "15,0 bis 20,0".to_owned(),
                    count: 1,
                    color: "#f03b20",
                },
            ],
            no_data: vec![NoDataEntry {
                label: "geheim gehalten".to_owned(),
                count: 1,
                pattern: Pattern::Hatch,
            }],
            outline: Some("ausgewählt: benachteiligt".to_owned()),
        }
    }

    fn map_view(t: &Town) -> MapView<'_> {
        let mut d = unit("D", &t.d, Fill::Class(2));
        d.outlined = true;
        MapView {
            id_prefix: "m1-".to_owned(),
            title: "Anteil unter 25 Jahre".to_owned(),
            subtitle: "Quartiere · Quantile".to_owned(),
            units: vec![
                unit("A", &t.a, Fill::Class(0)),
                unit("B", &t.b, Fill::Class(1)),
                unit("C", &t.c, Fill::NoData(0)),
                d,
                unit("U", &t.u, Fill::Class(1)),
            ],
            context: vec![&t.frame],
            legend: legend(),
            width_px: 640.0,
            language: Language::German,
            watermark: None,
        }
    }

    fn render_map(view: &MapView<'_>) -> String {
        let mut out = String::new();
        map(view, &mut out);
        out
    }

    // --- helpers --------------------------------------------------------------------------

    fn assert_clean(svg: &str) {
        assert!(!svg.contains("NaN"), "NaN in output");
        assert!(!svg.contains("inf"), "inf in output");
        let doc = roxmltree::Document::parse(svg).expect("output is well-formed XML");
        let root = doc.root_element();
        assert!(root.has_tag_name("svg"));
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("role"), Some("img"));
        assert!(root.attribute("aria-label").is_some());
        for attr in ["width", "height"] {
            let v: f64 = root.attribute(attr).unwrap().parse().unwrap();
            assert!(v.is_finite() && v > 0.0, "{attr} = {v}");
        }
        assert!(root.attribute("viewBox").is_some());
        assert!(
            root.children().any(|n| n.has_tag_name("title")),
            "no <title>"
        );
    }

    fn full_text(node: roxmltree::Node<'_, '_>) -> String {
        node.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect()
    }

    /// Parses the path data written by `PathWriter` (`M x y l dx dy … z`, repeated) into
    /// absolute pixel rings.
    fn parse_rings(d: &str) -> Vec<Vec<(f64, f64)>> {
        let bytes = d.as_bytes();
        let mut rings: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut numbers: Vec<f64> = Vec::new();
        let mut command = b' ';
        let mut i = 0;
        let flush = |command: u8, numbers: &mut Vec<f64>, rings: &mut Vec<Vec<(f64, f64)>>| {
            match command {
                b'M' => {
                    assert_eq!(numbers.len(), 2, "M takes one point: {numbers:?}");
                    rings.push(vec![(numbers[0], numbers[1])]);
                }
                b'l' => {
                    assert_eq!(numbers.len() % 2, 0);
                    let ring = rings.last_mut().unwrap();
                    for pair in numbers.chunks(2) {
                        let &(x, y) = ring.last().unwrap();
                        ring.push((x + pair[0], y + pair[1]));
                    }
                }
                b'z' | b' ' => assert!(numbers.is_empty()),
                other => panic!("unexpected command {}", other as char),
            }
            numbers.clear();
        };
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_alphabetic() {
                flush(command, &mut numbers, &mut rings);
                command = c;
                i += 1;
            } else if c == b' ' {
                i += 1;
            } else {
                let start = i;
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                let token = &d[start..i];
                if let Some((_, frac)) = token.split_once('.') {
                    assert_eq!(frac.len(), 1, "more than one decimal: {token}");
                    assert_ne!(frac, "0", "trailing zero: {token}");
                }
                numbers.push(token.parse().unwrap());
            }
        }
        flush(command, &mut numbers, &mut rings);
        rings
    }

    /// The `d` of the unit path whose `<title>` is `tooltip`.
    fn unit_path<'a>(doc: &'a roxmltree::Document<'a>, tooltip: &str) -> &'a str {
        doc.descendants()
            .find(|n| {
                n.has_tag_name("path")
                    && n.children()
                        .any(|c| c.has_tag_name("title") && c.text() == Some(tooltip))
            })
            .and_then(|n| n.attribute("d"))
            .unwrap_or_else(|| panic!("no path for {tooltip}"))
    }

    /// The `(x, y)` of the label `<text>` with content `label` (inside the label group).
    fn label_at(doc: &roxmltree::Document<'_>, label: &str) -> (f64, f64) {
        let node = doc
            .descendants()
            .find(|n| {
                n.has_tag_name("text")
                    && n.attribute("dy") == Some("0.35em")
                    && n.text() == Some(label)
            })
            .unwrap_or_else(|| panic!("no label {label}"));
        (
            node.attribute("x").unwrap().parse().unwrap(),
            node.attribute("y").unwrap().parse().unwrap(),
        )
    }

    fn pixel_polygon(rings: &[Vec<(f64, f64)>]) -> Polygon<f64> {
        let to_ls = |r: &Vec<(f64, f64)>| LineString::from(r.clone());
        Polygon::new(to_ls(&rings[0]), rings[1..].iter().map(to_ls).collect())
    }

    // --- map ------------------------------------------------------------------------------

    #[test]
    fn map_is_valid_svg_with_title_and_size() {
        let t = town();
        let svg = render_map(&map_view(&t));
        assert_clean(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let title = doc
            .root_element()
            .children()
            .find(|n| n.has_tag_name("title"))
            .unwrap();
        assert_eq!(title.text(), Some("Anteil unter 25 Jahre"));
        // Every unit path parses, with at most one decimal per number.
        for id in ["A", "B", "C", "D", "U"] {
            let rings = parse_rings(unit_path(&doc, &format!("{id} Quartier")));
            assert!(!rings.is_empty());
        }
    }

    #[test]
    fn labels_lie_inside_their_drawn_polygons() {
        let t = town();
        // The fixture is meaningful: U's centroid is outside U, B's centroid is in its hole.
        let u_world = &t.u.0[0];
        assert!(!u_world.contains(&u_world.centroid().unwrap()));
        assert!(!t.b.0[0].contains(&t.b.0[0].centroid().unwrap()));

        let svg = render_map(&map_view(&t));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        for id in ["A", "B", "C", "D", "U"] {
            let rings = parse_rings(unit_path(&doc, &format!("{id} Quartier")));
            let drawn = pixel_polygon(&rings);
            let (x, y) = label_at(&doc, id);
            assert!(
                drawn.contains(&Point::new(x, y)),
                "label {id} at ({x}, {y}) is outside its polygon {rings:?}"
            );
        }
    }

    #[test]
    fn label_of_a_unit_made_of_equal_parts_sits_in_the_middle_part() {
        let t = town();
        let parts = MultiPolygon(vec![
            square(0.0, 0.0, 900.0),
            square(1000.0, 0.0, 900.0),
            square(2000.0, 0.0, 900.0),
            square(3000.0, 0.0, 400.0),
        ]);
        let mut view = map_view(&t);
        view.units = vec![unit("P", &parts, Fill::Class(0))];
        let svg = render_map(&view);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let rings = parse_rings(unit_path(&doc, "P Quartier"));
        assert_eq!(rings.len(), 4);
        let (x, y) = label_at(&doc, "P");
        assert!(
            pixel_polygon(&rings[1..2]).contains(&Point::new(x, y)),
            "{x} {y}"
        );
    }

    #[test]
    fn north_is_up_and_holes_are_subpaths() {
        let t = town();
        let svg = render_map(&map_view(&t));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let min_y = |id: &str| {
            parse_rings(unit_path(&doc, &format!("{id} Quartier")))[0]
                .iter()
                .map(|p| p.1)
                .fold(f64::INFINITY, f64::min)
        };
        // C lies north of A in the world, so above it on screen.
        assert!(min_y("C") < min_y("A"));
        // B has its hole as a second ring; the 0.4 km hole in a 1 km square keeps its
        // proportions (uniform scale).
        let rings = parse_rings(unit_path(&doc, "B Quartier"));
        assert_eq!(rings.len(), 2);
        let extent = |r: &Vec<(f64, f64)>| {
            let xs = r.iter().map(|p| p.0);
            xs.clone().fold(f64::NEG_INFINITY, f64::max) - xs.fold(f64::INFINITY, f64::min)
        };
        let ratio = extent(&rings[1]) / extent(&rings[0]);
        assert!((ratio - 0.4).abs() < 0.01, "{ratio}");
        // A and U: the width of U (1 km) equals the width of A (1 km).
        let wa = extent(&parse_rings(unit_path(&doc, "A Quartier"))[0]);
        let wu = extent(&parse_rings(unit_path(&doc, "U Quartier"))[0]);
        assert!((wa - wu).abs() < 0.2, "{wa} vs {wu}");
    }

    #[test]
    fn legend_lists_classes_no_data_and_outline_with_counts() {
        let t = town();
        let svg = render_map(&map_view(&t));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(full_text)
            .collect();
        for expected in [
            "10,0 bis 12,5 (1)",
            "12,5 bis 15,0 (2)",
            "15,0 bis 20,0 (1)",
            "geheim gehalten (1)",
            "ausgewählt: benachteiligt",
            "Anteil unter 25 Jahre (%)",
        ] {
            assert!(
                texts.iter().any(|t| t == expected),
                "{expected} in {texts:?}"
            );
        }
        // Each class colour is used as a swatch and by its units.
        for color in ["#ffeda0", "#feb24c", "#f03b20"] {
            let used = doc
                .descendants()
                .filter(|n| n.attribute("fill") == Some(color))
                .count();
            assert!(used >= 2, "{color} used {used} times");
        }
        // The outlined unit is drawn again with a thick stroke.
        let outline = doc
            .descendants()
            .find(|n| n.has_tag_name("path") && n.attribute("stroke-width") == Some("2.5"))
            .unwrap();
        assert_eq!(outline.attribute("d"), Some(unit_path(&doc, "D Quartier")));
        // The scale bar: 3 km over ~450 px, a fifth is ~ 600 m → 500 m.
        assert!(texts.iter().any(|t| t == "500 m"), "{texts:?}");
    }

    #[test]
    fn ids_are_prefixed_and_references_resolve() {
        let t = town();
        let svg = render_map(&map_view(&t));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let ids: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.attribute("id"))
            .collect();
        assert!(ids.contains(&"m1-hatch"), "{ids:?}");
        assert!(ids.iter().all(|id| id.starts_with("m1-")), "{ids:?}");
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate ids");
        let mut refs = 0;
        for node in doc.descendants() {
            if let Some(fill) = node.attribute("fill") {
                if let Some(rest) = fill.strip_prefix("url(#") {
                    let id = rest.strip_suffix(')').unwrap();
                    assert!(ids.contains(&id), "dangling reference {id}");
                    refs += 1;
                }
            }
        }
        assert_eq!(refs, 2, "no-data unit and its legend swatch");
        // Unused patterns are not defined.
        assert!(!ids.contains(&"m1-dots"));
    }

    #[test]
    fn links_and_tooltips_are_escaped() {
        let t = town();
        let mut view = map_view(&t);
        view.units[0].tooltip = "A <&> \"x\" 'y'".to_owned();
        view.units[0].href = Some("a.html?x=1&y=2".to_owned());
        view.title = "Tom & Jerry <3".to_owned();
        let svg = render_map(&view);
        assert_clean(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let a = doc.descendants().find(|n| n.has_tag_name("a")).unwrap();
        assert_eq!(a.attribute("href"), Some("a.html?x=1&y=2"));
        unit_path(&doc, "A <&> \"x\" 'y'");
        assert_eq!(
            doc.root_element().attribute("aria-label"),
            Some("Tom & Jerry <3")
        );
    }

    #[test]
    fn empty_and_degenerate_maps_render_a_no_data_note() {
        let empty = MultiPolygon::<f64>(vec![]);
        let line = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 5.0, y: 0.0), (x: 0.0, y: 0.0)],
        ]);
        let nan = MultiPolygon(vec![polygon![
            (x: f64::NAN, y: 0.0),
            (x: 5.0, y: f64::INFINITY),
            (x: 0.0, y: 1.0),
        ]]);
        let t = town();
        for units in [
            vec![],
            vec![unit("E", &empty, Fill::Class(0))],
            vec![
                unit("L", &line, Fill::Class(0)),
                unit("N", &nan, Fill::NoData(0)),
            ],
        ] {
            for language in [Language::German, Language::English] {
                let mut view = map_view(&t);
                view.units = units.clone();
                view.context = vec![];
                view.language = language;
                let svg = render_map(&view);
                assert_clean(&svg);
                let note = match language {
                    Language::German => "keine Daten",
                    Language::English => "no data",
                };
                assert!(svg.contains(note), "{svg}");
                assert!(svg.contains("10,0 bis 12,5"), "legend still drawn");
                assert!(!svg.contains("<path id="), "nothing to draw: {svg}");
            }
        }
    }

    #[test]
    fn degenerate_parts_are_dropped_and_the_rest_drawn() {
        let t = town();
        // A tiny sliver collapses after rounding, a NaN polygon is skipped, a unit with an
        // empty geometry disappears; the valid polygon of the same unit is still drawn.
        let mixed = MultiPolygon(vec![
            square(0.0, 0.0, 1000.0),
            square(2000.0, 0.0, 0.001),
            polygon![(x: f64::NAN, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)],
        ]);
        let empty = MultiPolygon::<f64>(vec![]);
        let mut view = map_view(&t);
        view.units = vec![
            unit("M", &mixed, Fill::Class(7)), // class out of range: fallback grey
            unit("E", &empty, Fill::NoData(9)),
            unit("U", &t.u, Fill::Class(0)),
        ];
        let svg = render_map(&view);
        assert_clean(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(parse_rings(unit_path(&doc, "M Quartier")).len(), 1);
        assert!(!svg.contains("E Quartier"));
        assert!(svg.contains(FALLBACK_FILL));
        assert!(!svg.contains("keine Daten"));
    }

    #[test]
    fn watermark_and_determinism() {
        let t = town();
        let mut view = map_view(&t);
        view.watermark = Some("Entwurf".to_owned());
        let first = render_map(&view);
        let second = render_map(&view);
        assert_eq!(first, second);
        assert_clean(&first);
        let doc = roxmltree::Document::parse(&first).unwrap();
        let mark = doc
            .descendants()
            .find(|n| n.has_tag_name("text") && n.text() == Some("Entwurf"))
            .unwrap();
        assert!(
            mark.attribute("transform")
                .unwrap()
                .starts_with("rotate(-30")
        );
        assert!(mark.attribute("fill-opacity").is_some());
    }

    #[test]
    fn scale_lengths_are_round() {
        let de = Language::German;
        let cases: &[(f64, f64, &str)] = &[
            (420.0, 500.0, "500 m"),
            (660.0, 500.0, "500 m"),
            (1234.0, 1000.0, "1 km"),
            (2600.0, 2000.0, "2 km"),
            (4000.0, 5000.0, "5 km"),
            (8000.0, 10_000.0, "10 km"),
            (0.37, 0.5, "0,5 m"),
            (0.09, 0.1, "0,1 m"),
        ];
        for &(target, length, label) in cases {
            let (l, s) = scale_length(target, de).unwrap();
            assert!((l - length).abs() < 1e-9, "{target}: {l}");
            assert_eq!(s, label);
        }
        assert_eq!(
            scale_length(12_000.0, Language::English).unwrap().1,
            "10 km"
        );
        assert!(scale_length(0.0, de).is_none());
        assert!(scale_length(f64::NAN, de).is_none());
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("", 10, 3), Vec::<&str>::new());
        assert_eq!(wrap("kurz", 10, 3), ["kurz"]);
        assert_eq!(
            wrap("Anteil unter 25 Jahre (%)", 12, 3),
            ["Anteil unter", "25 Jahre (%)"]
        );
        assert_eq!(wrap("a b c d e f", 3, 2), ["a b", "c d e f"]);
        assert_eq!(wrap("Überlangeswort x", 4, 3), ["Überlangeswort", "x"]);
    }

    #[test]
    fn snapshot_small_map() {
        let t = town();
        let mut view = map_view(&t);
        view.width_px = 480.0;
        insta::assert_snapshot!("map_small", render_map(&view));
    }

    // --- locator --------------------------------------------------------------------------

    /// A grid of `nx × ny` quarters of 500 m with wiggly edges (`points` per edge); shared
    /// edges are identical, like real quarters.
    fn wiggly_town(nx: usize, ny: usize, points: usize) -> Vec<MultiPolygon<f64>> {
        let size = 500.0;
        let edge = |a: Coord<f64>, b: Coord<f64>| -> Vec<Coord<f64>> {
            (0..points)
                .map(|k| {
                    let t = k as f64 / points as f64;
                    // Deterministic wiggle depending only on the position (shared edges
                    // agree).
                    let x = a.x + (b.x - a.x) * t;
                    let y = a.y + (b.y - a.y) * t;
                    let w = 8.0 * ((x * 0.37 + y * 0.91).sin());
                    if a.x == b.x {
                        coord! { x: x + w, y: y }
                    } else {
                        coord! { x: x, y: y + w }
                    }
                })
                .collect()
        };
        let mut out = Vec::new();
        for j in 0..ny {
            for i in 0..nx {
                let x0 = i as f64 * size;
                let y0 = j as f64 * size;
                let c = [
                    coord! { x: x0, y: y0 },
                    coord! { x: x0 + size, y: y0 },
                    coord! { x: x0 + size, y: y0 + size },
                    coord! { x: x0, y: y0 + size },
                ];
                let mut ring = Vec::new();
                for k in 0..4 {
                    ring.extend(edge(c[k], c[(k + 1) % 4]));
                }
                ring.push(c[0]);
                out.push(MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]));
            }
        }
        out
    }

    #[test]
    fn locator_of_200_quarters_stays_small() {
        let units = wiggly_town(20, 10, 60);
        let view = LocatorView {
            id_prefix: "loc-".to_owned(),
            units: units.iter().collect(),
            highlight: 57,
            width_px: 320.0,
            description: "Lage von Q57 in Musterstadt".to_owned(),
        };
        let mut svg = String::new();
        locator(&view, &mut svg);
        assert_clean(&svg);
        assert!(svg.len() < 40_000, "locator is {} bytes", svg.len());
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let highlight = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("loc-highlight"))
            .unwrap();
        assert_eq!(highlight.attribute("fill"), Some(ACCENT));
        // Integer coordinates only.
        for path in doc.descendants().filter(|n| n.has_tag_name("path")) {
            assert!(!path.attribute("d").unwrap().contains('.'));
        }
        // The highlighted quarter (column 17, row 2 from the bottom) is drawn where it
        // lies: right part of the map, lower half.
        let rings = parse_rings(highlight.attribute("d").unwrap());
        let width: f64 = doc
            .root_element()
            .attribute("width")
            .unwrap()
            .parse()
            .unwrap();
        let height: f64 = doc
            .root_element()
            .attribute("height")
            .unwrap()
            .parse()
            .unwrap();
        let (x, y) = rings[0][0];
        assert!(
            x > width * 0.8 && y > height * 0.6,
            "({x}, {y}) in {width}×{height}"
        );
    }

    #[test]
    fn locator_edge_cases() {
        let empty = MultiPolygon::<f64>(vec![]);
        let t = town();
        let tiny = MultiPolygon(vec![square(100.0, 100.0, 0.5)]);
        for (units, highlight) in [
            (vec![], 0),
            (vec![&empty], 0),
            (vec![&t.a, &t.b], 5),
            (vec![&t.frame, &tiny], 1),
        ] {
            let view = LocatorView {
                id_prefix: "p".to_owned(),
                units,
                highlight,
                width_px: 200.0,
                description: "Lage".to_owned(),
            };
            let mut svg = String::new();
            locator(&view, &mut svg);
            assert_clean(&svg);
        }
    }

    #[test]
    fn locator_leaves_out_tiny_holes() {
        // 1 km square over 156 px: a 10 m hole is ~2 px², a 300 m hole ~2000 px².
        let outer = square(0.0, 0.0, 1000.0).exterior().clone();
        let hole = |x: f64, size: f64| square(x, 500.0, size).exterior().clone();
        let with_holes = MultiPolygon(vec![Polygon::new(
            outer,
            vec![hole(100.0, 10.0), hole(400.0, 300.0)],
        )]);
        let view = LocatorView {
            id_prefix: "p".to_owned(),
            units: vec![&with_holes],
            highlight: 0,
            width_px: 160.0,
            description: "Lage".to_owned(),
        };
        let mut svg = String::new();
        locator(&view, &mut svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let d = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("phighlight"))
            .and_then(|n| n.attribute("d"))
            .unwrap();
        assert_eq!(parse_rings(d).len(), 2, "{d}");
    }

    /// Rough timing of a report's drawing (6 maps, 200 locators, 800 strips of a town of
    /// 200 quarters): run with `--ignored`.
    #[test]
    #[ignore = "timing only"]
    fn timing_200_quarters() {
        let units = wiggly_town(20, 10, 60);
        let start = std::time::Instant::now();
        let mut bytes = 0;
        let mut out = String::new();
        let t = town();
        let mut view = map_view(&t);
        view.units = units
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut u = unit("Q", g, Fill::Class(i % 3));
                u.outlined = i % 17 == 0;
                u
            })
            .collect();
        for _ in 0..6 {
            out.clear();
            map(&view, &mut out);
            bytes += out.len();
        }
        let maps = start.elapsed();
        for h in 0..200 {
            let view = LocatorView {
                id_prefix: "l".to_owned(),
                units: units.iter().collect(),
                highlight: h,
                width_px: 260.0,
                description: "Lage".to_owned(),
            };
            out.clear();
            locator(&view, &mut out);
            bytes += out.len();
            for _ in 0..4 {
                out.clear();
                strip(
                    &strip_view((0..200).map(f64::from).collect(), Some(3.0), Some(2.0)),
                    &mut out,
                );
            }
        }
        let all = start.elapsed();
        // Measured at opt-level 1 on the 2-core machine: ~0.1 s for the maps, ~0.4 s in
        // all, ~1.6 MB. A generous bound that still catches an accidental quadratic.
        assert!(maps < all && all.as_secs_f64() < 10.0, "{maps:?} {all:?}");
        assert!(bytes < 4_000_000, "{bytes} bytes");
    }

    #[test]
    fn snapshot_locator() {
        let t = town();
        let view = LocatorView {
            id_prefix: "l1-".to_owned(),
            units: vec![&t.a, &t.b, &t.c, &t.d, &t.u],
            highlight: 4,
            width_px: 160.0,
            description: "Lage von U in Musterstadt".to_owned(),
        };
        let mut svg = String::new();
        locator(&view, &mut svg);
        insta::assert_snapshot!("locator", svg);
    }

    // --- strip ----------------------------------------------------------------------------

    fn strip_view(values: Vec<f64>, this: Option<f64>, town: Option<f64>) -> StripView {
        StripView {
            values,
            this,
            town,
            min_label: "0,0".to_owned(),
            max_label: "10,0".to_owned(),
            description: "Q07 im Vergleich".to_owned(),
            width_px: 160.0,
        }
    }

    fn render_strip(view: &StripView) -> String {
        let mut svg = String::new();
        strip(view, &mut svg);
        svg
    }

    /// The x of this unit's marker, if drawn.
    fn marker_x(svg: &str) -> Option<f64> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let marker = doc
            .descendants()
            .find(|n| n.has_tag_name("path") && n.attribute("fill") == Some(ACCENT))?;
        let d = marker.attribute("d").unwrap();
        let rest = d.strip_prefix('M').unwrap();
        Some(rest.split(' ').next().unwrap().parse().unwrap())
    }

    #[test]
    fn strip_places_values_on_the_axis() {
        let svg = render_strip(&strip_view(vec![0.0, 2.0, 10.0], Some(5.0), Some(2.5)));
        assert_clean(&svg);
        // Axis from 6 to 154 px: 5 of 0..10 is the middle.
        assert_eq!(marker_x(&svg), Some(80.0));
        assert!(svg.contains("stroke-dasharray"));
        // Three ticks at 6, 35.6 and 154.
        assert!(svg.contains("M6 4v10M35.6 4v10M154 4v10"), "{svg}");
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(texts, ["0,0", "10,0"]);
    }

    #[test]
    fn strip_edge_cases() {
        // No marker without a value.
        let svg = render_strip(&strip_view(vec![1.0, 2.0], None, None));
        assert_clean(&svg);
        assert_eq!(marker_x(&svg), None);
        assert!(!svg.contains("stroke-dasharray"));
        // All equal: everything in the middle, no division by zero.
        let svg = render_strip(&strip_view(vec![3.0; 5], Some(3.0), Some(3.0)));
        assert_clean(&svg);
        assert_eq!(marker_x(&svg), Some(80.0));
        // Empty values, with and without this; non-finite values are ignored.
        for view in [
            strip_view(vec![], None, None),
            strip_view(vec![], Some(1.0), None),
            strip_view(
                vec![f64::NAN, f64::INFINITY],
                Some(f64::NAN),
                Some(f64::NEG_INFINITY),
            ),
        ] {
            assert_clean(&render_strip(&view));
        }
        // The marker beyond the other values extends the axis.
        let svg = render_strip(&strip_view(vec![0.0, 1.0], Some(2.0), None));
        assert_eq!(marker_x(&svg), Some(154.0));
    }

    #[test]
    fn snapshot_strip() {
        let view = strip_view(vec![1.0, 2.5, 3.0, 4.25, 7.0, 9.5], Some(4.25), Some(3.8));
        insta::assert_snapshot!("strip", render_strip(&view));
    }

    // --- bars -----------------------------------------------------------------------------

    fn bars_view() -> BarsView {
        let bar = |label: &str, value: Option<u64>, value_label: &str| Bar {
            label: label.to_owned(),
            value,
            value_label: value_label.to_owned(),
        };
        BarsView {
            id_prefix: "b7-".to_owned(),
            bars: vec![
                bar("0-2", Some(120), "120"),
                bar("3-5", None, "•"),
                bar("6-9", Some(1234), "1.234"),
                bar("10-17", Some(0), "0"),
            ],
            description: "Altersstruktur".to_owned(),
            width_px: 300.0,
        }
    }

    #[test]
    fn bars_scale_and_hatch_suppressed_values() {
        let mut svg = String::new();
        bars(&bars_view(), &mut svg);
        assert_clean(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let rects: Vec<roxmltree::Node<'_, '_>> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .collect();
        let width =
            |n: &roxmltree::Node<'_, '_>| -> f64 { n.attribute("width").unwrap().parse().unwrap() };
        // Pattern background rect, then bars 120, stub, 1234 (zero has no bar).
        let drawn: Vec<_> = rects
            .iter()
            .filter(|n| n.parent().is_some_and(|p| !p.has_tag_name("pattern")))
            .collect();
        assert_eq!(drawn.len(), 3);
        let ratio = width(drawn[0]) / width(drawn[2]);
        assert!((ratio - 120.0 / 1234.0).abs() < 0.002, "{ratio}");
        assert_eq!(drawn[1].attribute("fill"), Some("url(#b7-hatch)"));
        assert!(
            doc.descendants()
                .any(|n| n.attribute("id") == Some("b7-hatch"))
        );
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(
            texts,
            ["0-2", "120", "3-5", "•", "6-9", "1.234", "10-17", "0"]
        );
        // All zero or all suppressed: no division by zero.
        let mut view = bars_view();
        for b in &mut view.bars {
            b.value = b.value.map(|_| 0);
        }
        let mut svg = String::new();
        bars(&view, &mut svg);
        assert_clean(&svg);
        let mut svg = String::new();
        bars(
            &BarsView {
                bars: vec![],
                ..bars_view()
            },
            &mut svg,
        );
        assert_clean(&svg);
    }

    #[test]
    fn snapshot_bars() {
        let mut svg = String::new();
        bars(&bars_view(), &mut svg);
        insta::assert_snapshot!("bars", svg);
    }

    // --- sparkline ------------------------------------------------------------------------

    fn spark(values: &[Option<(f64, bool)>], first: &str, last: &str) -> String {
        let view = SparklineView {
            points: values
                .iter()
                .map(|p| {
                    p.map(|(value, estimated)| super::super::view::SparkPoint {
                        value,
                        estimated,
                        tooltip: format!("<{value}>"),
                    })
                })
                .collect(),
            first_label: first.to_owned(),
            last_label: last.to_owned(),
            description: "Verlauf".to_owned(),
            width_px: 100.0,
        };
        let mut svg = String::new();
        sparkline(&view, &mut svg);
        assert_clean(&svg);
        svg
    }

    /// (cx, cy, hollow) of every marker.
    fn markers(svg: &str) -> Vec<(String, String, bool)> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("circle"))
            .map(|c| {
                (
                    c.attribute("cx").unwrap().to_owned(),
                    c.attribute("cy").unwrap().to_owned(),
                    c.attribute("fill") == Some("#fff"),
                )
            })
            .collect()
    }

    #[test]
    fn sparkline_positions_by_hand() {
        // Without labels the dates span x = 4.5 … 95.5 (radius 2.5 + 2 px on each side);
        // values span y = 24.5 (lowest) … 5.5 (highest) of the 30 px (radius + 3 px margins).
        let svg = spark(
            &[Some((1.0, false)), Some((2.0, true)), Some((3.0, false))],
            "",
            "",
        );
        assert_eq!(
            markers(&svg),
            [
                ("4.5".into(), "24.5".into(), false),
                ("50".into(), "15".into(), true),
                ("95.5".into(), "5.5".into(), false),
            ]
        );
        assert!(svg.contains(" d=\"M4.5 24.5L50 15L95.5 5.5\""));
        assert!(svg.contains("<title>&lt;2&gt;</title>"));
        assert!(!svg.contains("<text"));
    }

    #[test]
    fn sparkline_leaves_gaps_and_non_finite_values_out() {
        // A gap in the middle: two markers, no line.
        let svg = spark(&[Some((1.0, true)), None, Some((3.0, false))], "1", "3");
        let m = markers(&svg);
        assert_eq!(m.len(), 2);
        assert!(m[0].2 && !m[1].2);
        assert!(!svg.contains("<path"));
        // Labels: "1" is 5.6 px wide at 10 px, so the line starts at 13.6 px; "3" likewise
        // ends it at 86.4 px; the labels sit 5.5 px outside.
        assert_eq!((m[0].0.as_str(), m[1].0.as_str()), ("13.6", "86.4"));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<(&str, &str)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|t| (t.attribute("x").unwrap(), t.text().unwrap()))
            .collect();
        assert_eq!(texts, [("8.1", "1"), ("91.9", "3")]);
        // NaN and infinity are missing values; one value sits in the middle.
        let svg = spark(
            &[
                Some((f64::NAN, false)),
                Some((2.0, false)),
                Some((f64::INFINITY, true)),
            ],
            "",
            "",
        );
        assert_eq!(markers(&svg), [("50".into(), "15".into(), false)]);
        // No value at all: a valid, empty chart.
        let svg = spark(&[None, None], "", "");
        assert!(markers(&svg).is_empty());
    }
}
