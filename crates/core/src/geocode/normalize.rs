//! Normalization of German street names and house numbers for matching.

/// Normalizes a German street name into a matching key.
///
/// The key is built so that the spellings an office export and an official table use for the
/// same street compare equal:
///
/// - case is folded (`HAUPTSTR.` = `Hauptstr.`);
/// - `ß` becomes `ss`, and umlauts are folded to their two-letter form: `ä` → `ae`,
///   `ö` → `oe`, `ü` → `ue` (so `Müllerstr.` = `Muellerstr.`); other accents are dropped
///   (`Lenné` = `Lenne`);
/// - everything that is not a letter or a digit separates words (blanks, hyphens, dots,
///   apostrophes, slashes), and the words are then joined without separator, so
///   `Karl-Marx-Str.` = `Karl Marx Straße` = `Karlmarxstraße`;
/// - a word `str`, `strasse` (from `Str.`, `Straße`, `Strasse`) and a word ending in
///   `strasse` or `str` (`Hauptstraße`, `Hauptstr.`) end in `str`;
/// - a word `st` (from `St.`) becomes `sankt` (`St.-Ingbert-Höhe` = `Sankt Ingbert Höhe`).
///
/// Street names in other scripts keep their lowercase letters. The result is empty when the
/// name has no letter or digit.
///
/// # Examples
///
/// ```
/// use quartier::normalize_street;
///
/// assert_eq!(normalize_street("Frankfurter Str."), normalize_street("Frankfurter Straße"));
/// assert_eq!(normalize_street("Karl-Marx-Str."), normalize_street("Karl Marx Strasse"));
/// assert_eq!(normalize_street("Müllerstraße"), "muellerstr");
/// ```
pub fn normalize_street(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut word_start = 0;
    for c in name.chars() {
        if push_folded(&mut out, c) {
            continue;
        }
        // A separator: finish the current word.
        finish_word(&mut out, word_start);
        word_start = out.len();
    }
    finish_word(&mut out, word_start);
    out
}

/// Appends the folded form of `c` to `out`; `false` when `c` separates words.
fn push_folded(out: &mut String, c: char) -> bool {
    if c.is_ascii_alphanumeric() {
        out.push(c.to_ascii_lowercase());
        return true;
    }
    if c.is_ascii() {
        return false;
    }
    let folded: &str = match c {
        'ä' | 'Ä' | 'æ' | 'Æ' => "ae",
        'ö' | 'Ö' | 'ø' | 'Ø' | 'œ' | 'Œ' => "oe",
        'ü' | 'Ü' => "ue",
        'ß' | 'ẞ' => "ss",
        'à' | 'á' | 'â' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => "a",
        'ç' | 'Ç' | 'č' | 'Č' | 'ć' | 'Ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' | 'ń' | 'Ń' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Õ' => "o",
        'ù' | 'ú' | 'û' | 'Ù' | 'Ú' | 'Û' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'š' | 'Š' | 'ś' | 'Ś' => "s",
        'ž' | 'Ž' | 'ź' | 'Ź' | 'ż' | 'Ż' => "z",
        'ł' | 'Ł' => "l",
        _ => {
            if c.is_alphanumeric() {
                out.extend(c.to_lowercase());
                return true;
            }
            return false;
        }
    };
    out.push_str(folded);
    true
}

/// Rewrites the word `out[start..]` in place: `strasse` endings to `str`, `st` to `sankt`.
fn finish_word(out: &mut String, start: usize) {
    let word = &out[start..];
    if word == "st" {
        out.truncate(start);
        out.push_str("sankt");
    } else if word.ends_with("strasse") {
        out.truncate(out.len() - "se".len() - "as".len());
        debug_assert!(out.ends_with("str"));
    }
}

/// A house number with its addressing suffix (Adressierungszusatz), normalized for matching.
///
/// Ordered by number, then suffix (the empty suffix first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HouseNumber {
    /// The numeric part (`12` of `12a`).
    pub number: u32,
    /// The suffix in lowercase letters and digits only (`a` of `12 A`, `1` of `12/1`), or empty.
    pub suffix: String,
}

impl HouseNumber {
    /// Parses a house number as written in an export or an official table.
    ///
    /// Leading and inner blanks are ignored and the suffix is lowercased: `12a`, `12 a`,
    /// `12A` all give 12 + `a`. A range `12-14` (or `12–14`, `12 - 14`) gives its first
    /// number, 12, with the suffix of its first part (`12a-14` → 12 + `a`). A slash number
    /// `12/1` gives 12 + `1`. Anything after the suffix is ignored. `None` when the text does
    /// not start with a digit (after blanks) or the number exceeds `u32`.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::HouseNumber;
    ///
    /// let n = HouseNumber::parse("12 A").unwrap();
    /// assert_eq!((n.number, n.suffix.as_str()), (12, "a"));
    /// assert_eq!(HouseNumber::parse("12-14").unwrap().number, 12);
    /// assert_eq!(HouseNumber::parse("12/1").unwrap().suffix, "1");
    /// assert!(HouseNumber::parse("o. Nr.").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        if digits_end == 0 {
            return None;
        }
        let number: u32 = text[..digits_end].parse().ok()?;
        let mut rest = text[digits_end..].trim_start();
        // A slash or dot introduces a numeric or letter suffix: `12/1`, `12.a`.
        if let Some(r) = rest.strip_prefix(['/', '.']) {
            rest = r.trim_start();
        }
        let mut suffix = String::new();
        for c in rest.chars() {
            if c.is_alphanumeric() {
                suffix.extend(c.to_lowercase());
            } else if c == ' ' && suffix.is_empty() {
                continue;
            } else {
                // `-`, `–`, `,`, `+`, a blank after the suffix: a range or a list follows.
                break;
            }
        }
        Some(Self { number, suffix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_forms() {
        let hn = normalize_street;
        assert_eq!(hn("Hauptstr."), "hauptstr");
        assert_eq!(hn("Hauptstraße"), "hauptstr");
        assert_eq!(hn("Haupt-Strasse"), "hauptstr");
        assert_eq!(hn("  Frankfurter   Str. "), "frankfurterstr");
        assert_eq!(hn("St.Annental"), "sanktannental");
        assert_eq!(hn("Auf'm Bögel"), "aufmboegel");
        assert_eq!(hn("Benno-Strauß-Str."), "bennostraussstr");
        assert_eq!(hn("Straßburger Str."), "strassburgerstr");
        assert_eq!(hn("---"), "");
    }

    #[test]
    fn numbers() {
        let p = |s| HouseNumber::parse(s).map(|n| (n.number, n.suffix));
        assert_eq!(p("12"), Some((12, String::new())));
        assert_eq!(p(" 12 a "), Some((12, "a".into())));
        assert_eq!(p("12a-14"), Some((12, "a".into())));
        assert_eq!(p("12 - 14"), Some((12, String::new())));
        assert_eq!(p("12–14"), Some((12, String::new())));
        assert_eq!(p("12/1"), Some((12, "1".into())));
        assert_eq!(p("12 / 1"), Some((12, "1".into())));
        assert_eq!(p(""), None);
        assert_eq!(p("a12"), None);
        assert_eq!(p("99999999999"), None);
    }
}
