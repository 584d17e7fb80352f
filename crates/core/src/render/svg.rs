//! SVG drawing of the view models: choropleth maps, locator maps, strip and bar charts.
//!
//! PLACEHOLDER: signatures only, being implemented.

use super::view::{BarsView, LocatorView, MapView, StripView};

/// Writes a standalone `<svg>` element (with `xmlns`) of a choropleth map.
pub(crate) fn map(view: &MapView<'_>, out: &mut String) {
    let _ = view;
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
}

/// Writes a small locator map.
pub(crate) fn locator(view: &LocatorView<'_>, out: &mut String) {
    let _ = view;
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
}

/// Writes a strip chart.
pub(crate) fn strip(view: &StripView, out: &mut String) {
    let _ = view;
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
}

/// Writes a horizontal bar chart.
pub(crate) fn bars(view: &BarsView, out: &mut String) {
    let _ = view;
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
}
