//! GeoJSON output of an [`AttributeLayer`]: the same table as the GeoPackage layer.

use std::io::Write;
use std::path::Path;

use super::geojson::to_geojson;
use super::gpkg::validate_layer;
use super::{IoError, Srs, write_atomic};
use crate::hierarchy::Hierarchy;
use crate::render::{AttributeLayer, AttributeValues};

/// Writes one value of a column as JSON: `null` for `None` and non-finite reals, integers as
/// integers, reals in the shortest form that reads back to the same `f64`, text escaped.
fn write_value(w: &mut dyn Write, values: &AttributeValues, row: usize) -> std::io::Result<()> {
    let result = match values {
        AttributeValues::Real(v) => match v.get(row).copied().flatten() {
            Some(x) if x.is_finite() => serde_json::to_writer(&mut *w, &x),
            _ => return w.write_all(b"null"),
        },
        AttributeValues::Integer(v) => {
            serde_json::to_writer(&mut *w, &v.get(row).copied().flatten())
        }
        AttributeValues::Text(v) => {
            serde_json::to_writer(&mut *w, &v.get(row).and_then(|s| s.as_deref()))
        }
    };
    result.map_err(std::io::Error::other)
}

/// Writes an attribute layer as a GeoJSON `FeatureCollection`: one `MultiPolygon` feature per
/// unit of the layer's level in hierarchy order, with the layer's columns as properties in
/// column order, one feature per line.
///
/// Coordinates are in the project CRS as they are (no reprojection to WGS 84), no feature
/// `id`. For an EPSG CRS the file carries the (pre-RFC 7946) `crs` member
/// `urn:ogc:def:crs:EPSG::<code>`, which GDAL, QGIS and geopandas honour; without it they
/// would read the metric coordinates as longitude/latitude.
/// `None` and non-finite reals are `null`; integers are JSON integers; reals are written in
/// the shortest form that reads back to the same `f64`.
///
/// The output is deterministic (byte-identical for the same input) and written atomically.
///
/// # Examples
///
/// ```
/// use quartier::{AttributeColumn, AttributeLayer, AttributeValues};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let level = town.hierarchy.level("quartier").unwrap();
/// let n = town.hierarchy.units(level).len();
/// let layer = AttributeLayer {
///     name: "quartier".into(),
///     level,
///     columns: vec![AttributeColumn { name: "wert".into(), values: AttributeValues::Real(vec![None; n]) }],
///     style: None,
/// };
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("quartier.geojson");
/// quartier::write_layer_geojson(&path, &town.hierarchy, &layer, &quartier::Srs::etrs89_utm32())?;
/// let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
/// assert_eq!(json["features"][0]["properties"]["wert"], serde_json::Value::Null);
/// assert_eq!(json["crs"]["properties"]["name"], "urn:ogc:def:crs:EPSG::25832");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`IoError::NoSuchLevel`] for a level out of range;
/// - [`IoError::AttributeLayer`] for an invalid layer or column name, a duplicate column, a
///   column without one value per unit, or a style that does not fit the layer (the same
///   checks as [`write_geopackage`](crate::write_geopackage), without its reserved table
///   names);
/// - [`IoError::File`] when writing fails.
pub fn write_layer_geojson(
    path: &Path,
    hierarchy: &Hierarchy,
    layer: &AttributeLayer,
    srs: &Srs,
) -> Result<(), IoError> {
    validate_layer(path, hierarchy, layer, false)?;
    let units = hierarchy.units(layer.level);
    let keys = layer
        .columns
        .iter()
        .map(|c| serde_json::to_string(&c.name))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IoError::file(path, std::io::Error::other(e)))?;
    // RFC 7946 GeoJSON is WGS 84 only; GDAL, QGIS and geopandas honour the 2008 `crs`
    // member for a projected CRS, so the layer lands where it belongs.
    let crs = (srs.organization.eq_ignore_ascii_case("EPSG") && srs.id > 0).then(|| {
        format!(
            "\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::{}\"}}}},",
            srs.id
        )
    });
    write_atomic(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",")?;
        if let Some(crs) = &crs {
            w.write_all(crs.as_bytes())?;
        }
        w.write_all(b"\"features\":[\n")?;
        for (row, unit) in units.iter().enumerate() {
            if row > 0 {
                w.write_all(b",\n")?;
            }
            w.write_all(b"{\"type\":\"Feature\",\"geometry\":")?;
            serde_json::to_writer(&mut *w, &to_geojson(unit.geometry()))
                .map_err(std::io::Error::other)?;
            w.write_all(b",\"properties\":{")?;
            for (i, (column, key)) in layer.columns.iter().zip(&keys).enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(key.as_bytes())?;
                w.write_all(b":")?;
                write_value(w, &column.values, row)?;
            }
            w.write_all(b"}}")?;
        }
        w.write_all(b"\n]}\n")
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_are_null_integer_shortest_real_or_escaped_text() {
        let mut out = Vec::new();
        let reals = AttributeValues::Real(vec![Some(0.1), None, Some(f64::NAN), Some(1e300)]);
        for row in 0..4 {
            write_value(&mut out, &reals, row).unwrap();
            out.push(b' ');
        }
        write_value(&mut out, &AttributeValues::Integer(vec![Some(-7)]), 0).unwrap();
        out.push(b' ');
        write_value(
            &mut out,
            &AttributeValues::Text(vec![Some("a\"ö".into())]),
            0,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0.1 null null 1e+300 -7 \"a\\\"ö\""
        );
    }
}
