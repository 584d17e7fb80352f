//! Number and text formatting for the report: German (decimal comma, `.` thousands) or
//! English (decimal point, `,` thousands); XML/HTML escaping.
//!
//! Rounding is decimal and half away from zero ("kaufmännisch", as in spreadsheet programs):
//! a value is first reduced to 15 significant digits, which hides the binary representation
//! error of values such as `0.15` or `2.675`, and then rounded to the requested decimals.
//! So `0.15` → `0,2`, `2.675` → `2,68`, `2.5` → `3`, `-2.5` → `-3`. A result that rounds to
//! zero prints without a sign (`-0.04` → `0,0`). Non-finite values print as `–` (en dash).
//! The minus sign is ASCII `-`.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::view::Language;

/// The text for a missing or non-finite number (en dash).
pub(crate) const MISSING: &str = "\u{2013}";

/// The most decimals [`number`] prints; more are clamped (an `f64` has at most 17
/// significant digits anyway).
pub(crate) const MAX_DECIMALS: usize = 20;

/// The decimal and thousands separators of a language.
fn separators(language: Language) -> (char, char) {
    match language {
        Language::German => (',', '.'),
        Language::English => ('.', ','),
    }
}

/// A number with `decimals` decimals in the language's format (`1.234,5` / `1,234.5`);
/// `-0` prints as `0`; non-finite values print as `–`. See the module docs for rounding.
pub(crate) fn number(value: f64, decimals: usize, language: Language) -> String {
    let mut out = String::with_capacity(16);
    push_number(&mut out, value, decimals, language);
    out
}

/// Appends [`number`]`(value, decimals, language)` to `out` (no intermediate `String`).
pub(crate) fn push_number(out: &mut String, value: f64, decimals: usize, language: Language) {
    if !value.is_finite() {
        out.push_str(MISSING);
        return;
    }
    let decimals = decimals.min(MAX_DECIMALS);
    let (decimal_sep, thousands_sep) = separators(language);
    // 15 significant digits, exactly rounded by the standard library: `d.dddddddddddddde±x`.
    let mut sci = String::with_capacity(24);
    let _ = write!(sci, "{:.14e}", value.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    // Significant digits d1 d2 ... d15; the value is 0.d1d2...d15 × 10^(exponent + 1).
    let mut digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    let mut int_len = exponent + 1; // digits before the decimal point (may be <= 0)
    // Digits to keep: int_len + decimals.
    let keep = int_len + decimals as i64;
    if keep < 0 {
        digits.clear();
    } else {
        let keep = keep as usize;
        if keep < digits.len() {
            let round_up = digits[keep] >= 5;
            digits.truncate(keep);
            if round_up {
                // Carry from the last kept digit.
                let mut i = keep;
                loop {
                    if i == 0 {
                        digits.insert(0, 1);
                        int_len += 1;
                        break;
                    }
                    i -= 1;
                    if digits[i] == 9 {
                        digits[i] = 0;
                    } else {
                        digits[i] += 1;
                        break;
                    }
                }
            }
        }
    }
    // Now `digits` are the leading digits of the rounded magnitude, whose integer part has
    // `int_len` digits (left-pad with zeros when int_len <= 0, right-pad to the decimals).
    let is_zero = digits.iter().all(|&d| d == 0);
    if value.is_sign_negative() && !is_zero {
        out.push('-');
    }
    let digit_at = |pos: i64| -> char {
        // pos 0 is the first digit of `digits`, at place int_len - 1.
        if pos >= 0 {
            if let Some(&d) = digits.get(pos as usize) {
                return char::from(b'0' + d);
            }
        }
        '0'
    };
    if int_len <= 0 {
        out.push('0');
    } else {
        for i in 0..int_len {
            if i > 0 && (int_len - i) % 3 == 0 {
                out.push(thousands_sep);
            }
            out.push(digit_at(i));
        }
    }
    if decimals > 0 {
        out.push(decimal_sep);
        for j in 0..decimals as i64 {
            out.push(digit_at(int_len + j));
        }
    }
}

/// An integer with thousands separators (`12.345` / `12,345`).
pub(crate) fn integer(value: u64, language: Language) -> String {
    let (_, thousands_sep) = separators(language);
    let mut buf = [0u8; 20];
    let mut n = value;
    let mut len = 0;
    loop {
        buf[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(len + len / 3);
    for i in (0..len).rev() {
        out.push(char::from(buf[i]));
        if i > 0 && i % 3 == 0 {
            out.push(thousands_sep);
        }
    }
    out
}

/// A class range label: `12,3 bis 15,0` / `12.3 to 15.0`.
pub(crate) fn range(low: f64, high: f64, decimals: usize, language: Language) -> String {
    let word = match language {
        Language::German => " bis ",
        Language::English => " to ",
    };
    let mut out = String::with_capacity(24);
    push_number(&mut out, low, decimals, language);
    out.push_str(word);
    push_number(&mut out, high, decimals, language);
    out
}

/// A percentage of a value already in percent: `12,3 %` (German, with a no-break space as
/// DIN 5008 asks) / `12.3%` (English); non-finite → `–`.
#[allow(dead_code)] // for the HTML writer and the builders
pub(crate) fn percent(value_pct: f64, decimals: usize, language: Language) -> String {
    if !value_pct.is_finite() {
        return MISSING.to_owned();
    }
    let mut out = number(value_pct, decimals, language);
    match language {
        Language::German => out.push_str("\u{a0}%"),
        Language::English => out.push('%'),
    }
    out
}

/// A number with an explicit sign for differences and z-scores: `+1,2`, `-0,4`, `0,0`
/// (zero, also after rounding, has no sign); non-finite → `–`.
#[allow(dead_code)] // for the HTML writer and the builders
pub(crate) fn signed(value: f64, decimals: usize, language: Language) -> String {
    let formatted = number(value, decimals, language);
    if value > 0.0 && formatted.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        let mut out = String::with_capacity(formatted.len() + 1);
        out.push('+');
        out.push_str(&formatted);
        out
    } else {
        formatted
    }
}

/// Whether `c` can appear in an XML 1.0 document (even as a character reference).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// The replacement of one character when escaping, `None` = kept as is.
fn escaped(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        c if !is_xml_char(c) => Some("\u{fffd}"),
        _ => None,
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for XML/HTML text and attribute values; characters
/// that XML 1.0 forbids (control characters other than tab, newline and carriage return)
/// become U+FFFD, so the output always parses. Borrows when nothing needs escaping.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    match text.find(|c| escaped(c).is_some()) {
        None => Cow::Borrowed(text),
        Some(first) => {
            let mut out = String::with_capacity(text.len() + 16);
            out.push_str(&text[..first]);
            push_escaped_chars(&mut out, &text[first..]);
            Cow::Owned(out)
        }
    }
}

/// Appends `text` escaped as by [`escape`] to `out`.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    match text.find(|c| escaped(c).is_some()) {
        None => out.push_str(text),
        Some(first) => {
            out.push_str(&text[..first]);
            push_escaped_chars(out, &text[first..]);
        }
    }
}

/// Appends `text` char by char, escaping where needed.
fn push_escaped_chars(out: &mut String, text: &str) {
    for c in text.chars() {
        match escaped(c) {
            Some(replacement) => out.push_str(replacement),
            None => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use Language::{English, German};

    #[test]
    fn number_table() {
        // (value, decimals, German, English), written by hand.
        let cases: &[(f64, usize, &str, &str)] = &[
            (0.0, 0, "0", "0"),
            (0.0, 2, "0,00", "0.00"),
            (-0.0, 1, "0,0", "0.0"),
            (1.0, 0, "1", "1"),
            (12.345, 1, "12,3", "12.3"),
            (1234.5, 1, "1.234,5", "1,234.5"),
            (1234.5, 0, "1.235", "1,235"),
            (999.5, 0, "1.000", "1,000"),
            (999.94, 1, "999,9", "999.9"),
            (999.95, 1, "1.000,0", "1,000.0"),
            (-1234.5, 1, "-1.234,5", "-1,234.5"),
            (-0.04, 1, "0,0", "0.0"),
            (-0.05, 1, "-0,1", "-0.1"),
            (0.05, 1, "0,1", "0.1"),
            (0.15, 1, "0,2", "0.2"),
            (0.25, 1, "0,3", "0.3"),
            (0.049, 1, "0,0", "0.0"),
            (2.5, 0, "3", "3"),
            (-2.5, 0, "-3", "-3"),
            (2.675, 2, "2,68", "2.68"),
            (1.005, 2, "1,01", "1.01"),
            (0.125, 2, "0,13", "0.13"),
            (0.001, 2, "0,00", "0.00"),
            (0.005, 2, "0,01", "0.01"),
            (0.000_123, 5, "0,00012", "0.00012"),
            (123_456_789.0, 0, "123.456.789", "123,456,789"),
            (1_234_567.891, 2, "1.234.567,89", "1,234,567.89"),
            (100.0, 0, "100", "100"),
            (1000.0, 0, "1.000", "1,000"),
            (1e15, 0, "1.000.000.000.000.000", "1,000,000,000,000,000"),
            (1e-20, 3, "0,000", "0.000"),
            (0.5, 0, "1", "1"),
            (0.4, 0, "0", "0"),
            (9.999, 2, "10,00", "10.00"),
        ];
        for &(value, decimals, de, en) in cases {
            assert_eq!(number(value, decimals, German), de, "{value} ({decimals})");
            assert_eq!(number(value, decimals, English), en, "{value} ({decimals})");
        }
    }

    #[test]
    fn non_finite_is_a_dash() {
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(number(value, 1, German), "\u{2013}");
            assert_eq!(percent(value, 1, English), "\u{2013}");
        }
    }

    #[test]
    fn huge_values_and_many_decimals_do_not_break() {
        let s = number(f64::MAX, 2, German);
        assert!(s.starts_with("179.769.313.486.232.000"), "{s}");
        assert!(s.ends_with(",00"), "{s}");
        assert_eq!(number(1.5, 100, English).len(), 2 + MAX_DECIMALS);
        assert_eq!(number(f64::MIN_POSITIVE, 3, English), "0.000");
    }

    #[test]
    fn integers_have_thousands_separators() {
        let cases: &[(u64, &str, &str)] = &[
            (0, "0", "0"),
            (7, "7", "7"),
            (999, "999", "999"),
            (1000, "1.000", "1,000"),
            (12_345, "12.345", "12,345"),
            (1_000_000, "1.000.000", "1,000,000"),
            (
                u64::MAX,
                "18.446.744.073.709.551.615",
                "18,446,744,073,709,551,615",
            ),
        ];
        for &(value, de, en) in cases {
            assert_eq!(integer(value, German), de);
            assert_eq!(integer(value, English), en);
        }
    }

    #[test]
    fn ranges_percent_and_signed() {
        assert_eq!(range(12.3, 15.0, 1, German), "12,3 bis 15,0");
        assert_eq!(range(12.3, 15.0, 1, English), "12.3 to 15.0");
        assert_eq!(range(-1.25, 1234.0, 2, German), "-1,25 bis 1.234,00");
        assert_eq!(percent(12.34, 1, German), "12,3\u{a0}%");
        assert_eq!(percent(12.34, 1, English), "12.3%");
        assert_eq!(signed(1.24, 1, German), "+1,2");
        assert_eq!(signed(-0.4, 1, German), "-0,4");
        assert_eq!(signed(0.04, 1, English), "0.0");
        assert_eq!(signed(0.0, 0, English), "0");
    }

    #[test]
    fn escaping() {
        assert!(matches!(escape("Altstadt-Nord"), Cow::Borrowed(_)));
        assert_eq!(
            escape(r#"A & B <c> "d" 'e'"#),
            "A &amp; B &lt;c&gt; &quot;d&quot; &#39;e&#39;"
        );
        assert_eq!(escape("Straße ü €"), "Straße ü €");
        assert_eq!(escape("a\u{1}b\tc"), "a\u{fffd}b\tc");
        let mut out = String::from("x");
        push_escaped(&mut out, "<&>");
        assert_eq!(out, "x&lt;&amp;&gt;");
    }
}
