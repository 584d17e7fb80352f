//! HTML pages: quarter profiles and the report index (self-contained, no JavaScript).
//!
//! PLACEHOLDER: signatures only, being implemented.

use super::view::{IndexView, ProfileView};

/// Writes one quarter profile page.
pub(crate) fn profile(view: &ProfileView<'_>, out: &mut String) {
    let _ = view;
    out.push_str("<!DOCTYPE html>\n<html></html>\n");
}

/// Writes the index page.
pub(crate) fn index(view: &IndexView<'_>, out: &mut String) {
    let _ = view;
    out.push_str("<!DOCTYPE html>\n<html></html>\n");
}
