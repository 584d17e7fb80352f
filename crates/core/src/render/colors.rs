//! Colour schemes for choropleth classes (ColorBrewer, colour-blind safe).
//!
//! The hex values are copied unchanged from ColorBrewer 2.0
//! (<https://colorbrewer2.org>), colour specifications and designs by Cynthia Brewer,
//! Mark Harrower and The Pennsylvania State University, licensed under the Apache License,
//! Version 2.0. Both schemes used here are marked colour-blind safe there:
//!
//! - sequential `YlOrRd` (yellow → orange → red), 3 to 9 classes: light = low, dark = high;
//! - diverging `RdYlBu`, 3 to 11 classes, **reversed** so that the lowest class is blue and
//!   the highest red (in the report, high values mean more disadvantage).
//!
//! ColorBrewer has no 1- or 2-class schemes. One class gets the middle colour of the
//! 3-class scheme, two classes get its first and last colour (lightest and darkest for the
//! sequential scheme, blue and red for the diverging one). Any other `k` outside the
//! supported range gives `None`.

/// Sequential `YlOrRd`, indexed by `k - 3` (k = 3..=9).
const YL_OR_RD: [&[&str]; 7] = [
    &["#ffeda0", "#feb24c", "#f03b20"],
    &["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    &["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    &[
        "#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026",
    ],
    &[
        "#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026",
    ],
    &[
        "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026",
    ],
    &[
        "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026",
        "#800026",
    ],
];

/// Diverging `RdYlBu` in ColorBrewer's order (red first), indexed by `k - 3` (k = 3..=11).
const RD_YL_BU: [&[&str]; 9] = [
    &["#fc8d59", "#ffffbf", "#91bfdb"],
    &["#d7191c", "#fdae61", "#abd9e9", "#2c7bb6"],
    &["#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"],
    &[
        "#d73027", "#fc8d59", "#fee090", "#e0f3f8", "#91bfdb", "#4575b4",
    ],
    &[
        "#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4",
    ],
    &[
        "#d73027", "#f46d43", "#fdae61", "#fee090", "#e0f3f8", "#abd9e9", "#74add1", "#4575b4",
    ],
    &[
        "#d73027", "#f46d43", "#fdae61", "#fee090", "#ffffbf", "#e0f3f8", "#abd9e9", "#74add1",
        "#4575b4",
    ],
    &[
        "#a50026", "#d73027", "#f46d43", "#fdae61", "#fee090", "#e0f3f8", "#abd9e9", "#74add1",
        "#4575b4", "#313695",
    ],
    &[
        "#a50026", "#d73027", "#f46d43", "#fdae61", "#fee090", "#ffffbf", "#e0f3f8", "#abd9e9",
        "#74add1", "#4575b4", "#313695",
    ],
];

/// The largest class count of the sequential scheme.
pub(crate) const SEQUENTIAL_MAX: usize = 9;

/// The largest class count of the diverging scheme.
pub(crate) const DIVERGING_MAX: usize = 11;

/// The sequential scheme (`YlOrRd`) with `k` classes, light = low, dark = high; `None` for
/// `k == 0` or `k > 9`.
///
/// `k = 1` gives the middle colour of the 3-class scheme, `k = 2` its first and last.
pub(crate) fn sequential(k: usize) -> Option<Vec<&'static str>> {
    if k > SEQUENTIAL_MAX {
        return None;
    }
    from_table(&YL_OR_RD, k, false)
}

/// The diverging scheme (`RdYlBu` reversed: blue = low, pale yellow = middle, red = high)
/// with `k` classes, for values around a centre (e.g. z-scores); `None` for `k == 0` or
/// `k > 11`.
///
/// `k = 1` gives the middle colour of the 3-class scheme, `k = 2` its blue and its red.
pub(crate) fn diverging(k: usize) -> Option<Vec<&'static str>> {
    if k > DIVERGING_MAX {
        return None;
    }
    from_table(&RD_YL_BU, k, true)
}

/// Picks the `k`-class row of a ColorBrewer table (rows for 3, 4, ... classes), handling
/// `k = 1, 2` from the 3-class row, optionally reversed.
fn from_table(
    table: &[&'static [&'static str]],
    k: usize,
    reversed: bool,
) -> Option<Vec<&'static str>> {
    let three = table.first()?;
    let mut colors: Vec<&'static str> = match k {
        0 => return None,
        1 => vec![*three.get(1)?],
        2 => vec![*three.first()?, *three.last()?],
        _ => table.get(k - 3)?.to_vec(),
    };
    if reversed {
        colors.reverse();
    }
    Some(colors)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// WCAG relative luminance of `#rrggbb` (sRGB linearized), in 0..=1.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn is_hex(color: &str) -> bool {
        color.len() == 7
            && color.starts_with('#')
            && color[1..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    }

    #[test]
    fn lengths_and_supported_range() {
        for k in 1..=SEQUENTIAL_MAX {
            let colors = sequential(k).unwrap();
            assert_eq!(colors.len(), k);
            assert!(colors.iter().all(|c| is_hex(c)), "{colors:?}");
        }
        for k in 1..=DIVERGING_MAX {
            let colors = diverging(k).unwrap();
            assert_eq!(colors.len(), k);
            assert!(colors.iter().all(|c| is_hex(c)), "{colors:?}");
        }
        assert_eq!(sequential(0), None);
        assert_eq!(sequential(10), None);
        assert_eq!(diverging(0), None);
        assert_eq!(diverging(12), None);
    }

    #[test]
    fn sequential_gets_darker_with_each_class() {
        for k in 2..=SEQUENTIAL_MAX {
            let lum: Vec<f64> = sequential(k)
                .unwrap()
                .iter()
                .map(|c| luminance(c))
                .collect();
            for pair in lum.windows(2) {
                assert!(pair[1] < pair[0], "k = {k}: {lum:?}");
            }
        }
    }

    #[test]
    fn diverging_runs_from_blue_through_pale_to_red() {
        for k in 2..=DIVERGING_MAX {
            let colors = diverging(k).unwrap();
            let rgb = |hex: &str| {
                (
                    u8::from_str_radix(&hex[1..3], 16).unwrap(),
                    u8::from_str_radix(&hex[5..7], 16).unwrap(),
                )
            };
            let (r_low, b_low) = rgb(colors[0]);
            let (r_high, b_high) = rgb(colors[k - 1]);
            assert!(b_low > r_low, "k = {k}: lowest class is not blue");
            assert!(r_high > b_high, "k = {k}: highest class is not red");
            // Lightness peaks in the middle and falls towards both ends.
            let lum: Vec<f64> = colors.iter().map(|c| luminance(c)).collect();
            let peak = lum
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0;
            assert!(lum[..=peak].windows(2).all(|p| p[0] < p[1]), "k = {k}");
            assert!(lum[peak..].windows(2).all(|p| p[0] > p[1]), "k = {k}");
        }
    }

    #[test]
    fn exact_colorbrewer_values() {
        // From colorbrewer2.org (YlOrRd 5, YlOrRd 9, RdYlBu 11, RdYlBu 3).
        assert_eq!(
            sequential(5).unwrap(),
            ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
        );
        assert_eq!(sequential(9).unwrap()[8], "#800026");
        assert_eq!(sequential(9).unwrap()[0], "#ffffcc");
        let div = diverging(11).unwrap();
        assert_eq!(div[0], "#313695");
        assert_eq!(div[5], "#ffffbf");
        assert_eq!(div[10], "#a50026");
        assert_eq!(diverging(3).unwrap(), ["#91bfdb", "#ffffbf", "#fc8d59"]);
    }

    #[test]
    fn one_and_two_classes_come_from_the_three_class_scheme() {
        assert_eq!(sequential(1).unwrap(), ["#feb24c"]);
        assert_eq!(sequential(2).unwrap(), ["#ffeda0", "#f03b20"]);
        assert_eq!(diverging(1).unwrap(), ["#ffffbf"]);
        assert_eq!(diverging(2).unwrap(), ["#91bfdb", "#fc8d59"]);
    }
}
