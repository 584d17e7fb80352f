//! Colour schemes (ColorBrewer, colour-blind safe).
//!
//! PLACEHOLDER: signatures only, being implemented.

/// A sequential scheme with `k` classes (light = low, dark = high).
pub(crate) fn sequential(k: usize) -> Vec<&'static str> {
    vec!["#cccccc"; k]
}

/// A diverging scheme with `k` classes (for values around a mean, e.g. z-scores).
pub(crate) fn diverging(k: usize) -> Vec<&'static str> {
    vec!["#cccccc"; k]
}
