//! Benchmarks live in benches/*.rs; this library holds what several of them share.

use std::fmt::Write as _;
use std::path::Path;

use quartier::{BlockFeature, BlockLayerSpec, DemoConfig};

/// The district of DESIGN.md's targets: 250,000 residents on ~10,000 blocks (a 130 × 106
/// lattice), 300 quarters in 8 districts.
pub fn district() -> DemoConfig {
    DemoConfig {
        residents: 250_000,
        columns: 130,
        rows: 106,
        quarters: 300,
        districts: 8,
    }
}

/// Writes `blocks` as a GeoJSON `FeatureCollection`, one `MultiPolygon` feature per block and
/// line, with the block's ids under the id fields of `spec` (top level first) as properties.
///
/// Coordinates are written with Rust's shortest round-trip formatting, so reading the file
/// back gives the identical geometry.
///
/// # Errors
///
/// When the file cannot be written.
pub fn write_block_layer(
    path: &Path,
    blocks: &[BlockFeature],
    spec: &BlockLayerSpec,
) -> std::io::Result<()> {
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (k, block) in blocks.iter().enumerate() {
        if k > 0 {
            s.push_str(",\n");
        }
        s.push_str("{\"type\":\"Feature\",\"properties\":{");
        for (i, (field, id)) in spec.id_fields.iter().zip(&block.ids).enumerate() {
            if i > 0 {
                s.push(',');
            }
            push_json_string(&mut s, field);
            s.push(':');
            push_json_string(&mut s, id);
        }
        s.push_str("},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (pi, polygon) in block.geometry.0.iter().enumerate() {
            if pi > 0 {
                s.push(',');
            }
            s.push('[');
            for (ri, ring) in std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .enumerate()
            {
                if ri > 0 {
                    s.push(',');
                }
                s.push('[');
                for (ci, c) in ring.coords().enumerate() {
                    if ci > 0 {
                        s.push(',');
                    }
                    // ok: writing to a String cannot fail
                    let _ = write!(s, "[{:?},{:?}]", c.x, c.y);
                }
                s.push(']');
            }
            s.push(']');
        }
        s.push_str("]}}");
    }
    s.push_str("\n]}\n");
    std::fs::write(path, s)
}

/// Appends `text` as a JSON string literal.
fn push_json_string(s: &mut String, text: &str) {
    s.push('"');
    for ch in text.chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                // ok: writing to a String cannot fail
                let _ = write!(s, "\\u{:04x}", u32::from(c));
            }
            c => s.push(c),
        }
    }
    s.push('"');
}
