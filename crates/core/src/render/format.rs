//! Number and text formatting for the report: German (decimal comma, `.` thousands) or
//! English; XML/HTML escaping.
//!
//! PLACEHOLDER: signatures only, being implemented.

use std::borrow::Cow;

use super::view::Language;

/// A number with `decimals` decimals in the language's format (`1.234,5` / `1,234.5`);
/// `-0` prints as `0`; non-finite values print as `–`.
pub(crate) fn number(value: f64, decimals: usize, language: Language) -> String {
    let _ = language;
    format!("{value:.decimals$}")
}

/// An integer with thousands separators (`12.345` / `12,345`).
pub(crate) fn integer(value: u64, language: Language) -> String {
    let _ = language;
    value.to_string()
}

/// A class range label: `12,3 bis 15,0` / `12.3 to 15.0`.
pub(crate) fn range(low: f64, high: f64, decimals: usize, language: Language) -> String {
    format!(
        "{} – {}",
        number(low, decimals, language),
        number(high, decimals, language)
    )
}

/// Escapes `&`, `<`, `>`, `"` and `'` for XML/HTML text and attribute values.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text)
}
