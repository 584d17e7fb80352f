//! Maps, quarter profiles and the report index (steps d and f of the seed).
//!
//! The builders here turn an [`Analysis`] with its hierarchy, protected tables, dataset
//! catalogue and protocol into view models (`view`), which `svg` and `html` draw. Nothing
//! here reads or writes files: [`render_report`] returns the files' contents and
//! [`write_report`](crate::write_report) writes them atomically.

mod colors;
mod format;
mod html;
mod layers;
mod svg;
mod view;

pub use layers::{AttributeColumn, AttributeLayer, AttributeValues, LayerStyle, StyleClass};
pub use view::Language;
