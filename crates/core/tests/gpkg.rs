//! GIS outputs: the GeoPackage read back with SQLite (and GDAL when installed), the GeoJSON
//! layer read back with serde_json; bad layers are clear errors that leave old files alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use geo::BoundingRect;
use quartier::{
    AttributeColumn, AttributeLayer, AttributeValues, DemoTown, Hierarchy, IoError, LayerProblem,
    LayerStyle, Srs, StyleClass, write_geopackage, write_layer_geojson,
};
use rusqlite::{Connection, OpenFlags};

fn town() -> DemoTown {
    quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL).unwrap()
}

/// A hand-made layer on the quarters: `id` (TEXT), `anteil` (REAL, `None` on the second
/// unit, NaN on the third), `klasse` (INTEGER, `None` on the first unit) styled in 3 classes.
fn layer(h: &Hierarchy) -> AttributeLayer {
    let level = h.level("quartier").unwrap();
    let units = h.units(level);
    assert!(units.len() >= 4);
    let anteil = (0..units.len())
        .map(|i| match i {
            1 => None,
            2 => Some(f64::NAN),
            _ => Some(0.1 + i as f64 / 3.0),
        })
        .collect();
    let klasse = (0..units.len())
        .map(|i| (i > 0).then_some((i % 3) as i64 + 1))
        .collect();
    AttributeLayer {
        name: "quartier".into(),
        level,
        columns: vec![
            AttributeColumn {
                name: "id".into(),
                values: AttributeValues::Text(
                    units
                        .iter()
                        .map(|u| Some(u.id().as_str().to_owned()))
                        .collect(),
                ),
            },
            AttributeColumn {
                name: "anteil".into(),
                values: AttributeValues::Real(anteil),
            },
            AttributeColumn {
                name: "klasse".into(),
                values: AttributeValues::Integer(klasse),
            },
        ],
        style: Some(LayerStyle {
            name: "Index (Klassen)".into(),
            column: "klasse".into(),
            classes: vec![
                StyleClass {
                    value: 1,
                    label: "unter −1,0".into(),
                    color: "#2c7bb6".into(),
                },
                StyleClass {
                    value: 2,
                    label: "−1,0 bis 1,0".into(),
                    color: "#ffffbf".into(),
                },
                StyleClass {
                    value: 3,
                    label: "über 1,0 & mehr".into(),
                    color: "#d7191c".into(),
                },
            ],
            no_data_label: "keine Daten".into(),
        }),
    }
}

/// A feature row: fid, geometry blob, id, anteil, klasse.
type Row = (i64, Vec<u8>, Option<String>, Option<f64>, Option<i64>);

fn open(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

/// A minimal reader of little-endian WKB `MultiPolygon`s, independent of the writer.
fn read_wkb(b: &[u8]) -> Vec<Vec<Vec<(f64, f64)>>> {
    let mut pos = 0;
    let u32_at = |b: &[u8], pos: &mut usize| {
        let v = u32::from_le_bytes(b[*pos..*pos + 4].try_into().unwrap());
        *pos += 4;
        v
    };
    let f64_at = |b: &[u8], pos: &mut usize| {
        let v = f64::from_le_bytes(b[*pos..*pos + 8].try_into().unwrap());
        *pos += 8;
        v
    };
    assert_eq!(b[pos], 1, "little-endian");
    pos += 1;
    assert_eq!(u32_at(b, &mut pos), 6, "MultiPolygon");
    let n = u32_at(b, &mut pos);
    let mut polygons = Vec::new();
    for _ in 0..n {
        assert_eq!(b[pos], 1);
        pos += 1;
        assert_eq!(u32_at(b, &mut pos), 3, "Polygon");
        let rings = u32_at(b, &mut pos);
        let mut poly = Vec::new();
        for _ in 0..rings {
            let points = u32_at(b, &mut pos);
            let ring = (0..points)
                .map(|_| (f64_at(b, &mut pos), f64_at(b, &mut pos)))
                .collect();
            poly.push(ring);
        }
        polygons.push(poly);
    }
    assert_eq!(pos, b.len(), "no trailing bytes");
    polygons
}

fn rings_of(mp: &geo::MultiPolygon<f64>) -> Vec<Vec<Vec<(f64, f64)>>> {
    mp.0.iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| r.0.iter().map(|c| (c.x, c.y)).collect())
                .collect()
        })
        .collect()
}

fn f64_le(b: &[u8], at: usize) -> f64 {
    f64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

#[test]
fn geopackage_reads_back_with_the_same_values_and_geometries() {
    let town = town();
    let h = &town.hierarchy;
    let layer = layer(h);
    let units = h.units(layer.level);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("musterstadt.gpkg");
    write_geopackage(&path, h, std::slice::from_ref(&layer), &Srs::etrs89_utm32()).unwrap();
    let db = open(&path);

    let app: i64 = db
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0x4750_4B47);
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 10300);
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");

    let mut srs: Vec<(i64, String, i64)> = db
        .prepare("SELECT srs_id, organization, organization_coordsys_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    srs.sort();
    assert_eq!(
        srs,
        [
            (-1, "NONE".to_owned(), -1),
            (0, "NONE".to_owned(), 0),
            (4326, "EPSG".to_owned(), 4326),
            (25832, "EPSG".to_owned(), 25832),
        ]
    );

    // gpkg_contents: the layer (bbox = union of the units' bounding boxes) and layer_styles.
    let (data_type, identifier, last_change, minx, miny, maxx, maxy, srs_id): (
        String,
        String,
        String,
        f64,
        f64,
        f64,
        f64,
        i64,
    ) = db
        .query_row(
            "SELECT data_type, identifier, last_change, min_x, min_y, max_x, max_y, srs_id
             FROM gpkg_contents WHERE table_name = 'quartier'",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        (data_type.as_str(), identifier.as_str()),
        ("features", "quartier")
    );
    assert_eq!(last_change, "1970-01-01T00:00:00.000Z");
    assert_eq!(srs_id, 25832);
    let all = units
        .iter()
        .flat_map(|u| u.geometry().0.iter().flat_map(|p| p.exterior().0.iter()))
        .fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |a, c| {
            [a[0].min(c.x), a[1].min(c.y), a[2].max(c.x), a[3].max(c.y)]
        });
    assert_eq!([minx, miny, maxx, maxy], all);
    let styles_type: String = db
        .query_row(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(styles_type, "attributes");

    let geom_col: (String, String, i64, i64, i64) = db
        .query_row(
            "SELECT column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns WHERE table_name = 'quartier'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        geom_col,
        ("geom".into(), "MULTIPOLYGON".into(), 25832, 0, 0)
    );

    // Column types as declared.
    let types: Vec<(String, String)> = db
        .prepare("SELECT name, type FROM pragma_table_info('quartier') ORDER BY cid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected: Vec<(String, String)> = [
        ("fid", "INTEGER"),
        ("geom", "MULTIPOLYGON"),
        ("id", "TEXT"),
        ("anteil", "REAL"),
        ("klasse", "INTEGER"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(types, expected);

    // Rows: values with NULL for None and NaN, geometry header and WKB.
    let mut stmt = db
        .prepare("SELECT fid, geom, id, anteil, klasse FROM quartier ORDER BY fid")
        .unwrap();
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), units.len());
    let (AttributeValues::Real(anteil), AttributeValues::Integer(klasse)) =
        (&layer.columns[1].values, &layer.columns[2].values)
    else {
        unreachable!()
    };
    for (i, (fid, blob, id, a, k)) in rows.iter().enumerate() {
        let unit = &units[i];
        assert_eq!(*fid, i as i64 + 1);
        assert_eq!(id.as_deref(), Some(unit.id().as_str()));
        assert_eq!(*a, anteil[i].filter(|x| x.is_finite()));
        assert_eq!(*k, klasse[i]);
        assert_eq!(&blob[..3], b"GP\x00");
        assert_eq!(
            blob[3], 0b11,
            "little-endian, envelope [minx, maxx, miny, maxy]"
        );
        assert_eq!(i32::from_le_bytes(blob[4..8].try_into().unwrap()), 25832);
        let bbox = unit.geometry().bounding_rect().unwrap();
        assert_eq!(
            [
                f64_le(blob, 8),
                f64_le(blob, 16),
                f64_le(blob, 24),
                f64_le(blob, 32)
            ],
            [bbox.min().x, bbox.max().x, bbox.min().y, bbox.max().y]
        );
        assert_eq!(read_wkb(&blob[40..]), rings_of(unit.geometry()));
    }
    assert!(rows[1].3.is_none() && rows[2].3.is_none() && rows[0].4.is_none());

    // R-tree extension: registered, one entry per unit containing its bounding box.
    let ext: (String, String) = db
        .query_row(
            "SELECT extension_name, scope FROM gpkg_extensions WHERE table_name = 'quartier' AND column_name = 'geom'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(ext, ("gpkg_rtree_index".into(), "write-only".into()));
    let entries: Vec<(i64, f64, f64, f64, f64)> = db
        .prepare("SELECT id, minx, maxx, miny, maxy FROM rtree_quartier_geom ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(entries.len(), units.len());
    for (id, x0, x1, y0, y1) in entries {
        let bbox = units[id as usize - 1].geometry().bounding_rect().unwrap();
        // rtree stores f32, rounded outwards.
        assert!(
            x0 <= bbox.min().x && x1 >= bbox.max().x && y0 <= bbox.min().y && y1 >= bbox.max().y
        );
        assert!(bbox.min().x - x0 < 1.0 && x1 - bbox.max().x < 1.0);
    }
    let triggers: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_quartier_geom_%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 6);

    // The QGIS style.
    let (table, geom, name, qml, default): (String, String, String, String, bool) = db
        .query_row(
            "SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault FROM layer_styles",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        (table.as_str(), geom.as_str(), name.as_str()),
        ("quartier", "geom", "Index (Klassen)")
    );
    assert!(default);
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(&qml, opts).unwrap();
    let renderer = doc
        .descendants()
        .find(|n| n.has_tag_name("renderer-v2"))
        .unwrap();
    assert_eq!(renderer.attribute("type"), Some("categorizedSymbol"));
    assert_eq!(renderer.attribute("attr"), Some("klasse"));
    let categories: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("category"))
        .map(|n| (n.attribute("value").unwrap(), n.attribute("label").unwrap()))
        .collect();
    assert_eq!(
        categories,
        [
            ("1", "unter −1,0"),
            ("2", "−1,0 bis 1,0"),
            ("3", "über 1,0 & mehr"),
            ("", "keine Daten")
        ]
    );
    let symbols = doc
        .descendants()
        .filter(|n| n.has_tag_name("symbol") && n.attribute("type") == Some("fill"))
        .count();
    assert_eq!(symbols, 4);

    if let Some(out) = ogrinfo(&path) {
        assert!(out.contains("Layer name: quartier"), "{out}");
        assert!(out.contains("Geometry: Multi Polygon"), "{out}");
        assert!(
            out.contains(&format!("Feature Count: {}", units.len())),
            "{out}"
        );
        assert!(out.contains("ETRS89 / UTM zone 32N"), "{out}");
        assert!(out.contains("anteil: Real"), "{out}");
        assert!(out.contains("klasse: Integer"), "{out}");
        assert!(out.contains("id: String"), "{out}");
    }
    validate_with_gdal(&path);
}

/// `ogrinfo -ro -al -so`, if GDAL is installed; asserts success without error or warning.
fn ogrinfo(path: &Path) -> Option<String> {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(path)
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ogrinfo failed: {stderr}");
    assert!(stderr.trim().is_empty(), "ogrinfo complained: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !stdout.contains("ERROR") && !stdout.contains("Warning"),
        "{stdout}"
    );
    Some(stdout)
}

/// GDAL's GeoPackage validator (`validate_gpkg.py`, Debian `python3-gdal`), if installed.
fn validate_with_gdal(path: &Path) {
    let script = Path::new("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py");
    if !script.exists() {
        return;
    }
    let Ok(out) = Command::new("python3").arg(script).arg(path).output() else {
        return;
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "validate_gpkg.py: {text}");
    assert!(text.trim().is_empty(), "validate_gpkg.py: {text}");
}

#[test]
fn srs_definitions_match_gdal() {
    for srs in [Srs::etrs89_utm32(), Srs::etrs89_utm33(), Srs::epsg(4326)] {
        let Ok(out) = Command::new("gdalsrsinfo")
            .args(["-o", "wkt1", &format!("EPSG:{}", srs.id)])
            .output()
        else {
            return;
        };
        let wkt: String = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .collect();
        assert_eq!(srs.definition, wkt, "EPSG:{}", srs.id);
    }
}

#[test]
fn geopackage_is_deterministic() {
    let town = town();
    let layer = layer(&town.hierarchy);
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.gpkg");
    let b = dir.path().join("b.gpkg");
    let layers = [
        layer.clone(),
        AttributeLayer {
            name: "quartier_2".into(),
            style: None,
            ..layer
        },
    ];
    write_geopackage(&a, &town.hierarchy, &layers, &Srs::etrs89_utm32()).unwrap();
    write_geopackage(&b, &town.hierarchy, &layers, &Srs::etrs89_utm32()).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Rewriting over an existing file gives the same bytes and leaves no temporary file.
    write_geopackage(&a, &town.hierarchy, &layers, &Srs::etrs89_utm32()).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn an_empty_layer_list_gives_a_valid_empty_geopackage() {
    let town = town();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.gpkg");
    write_geopackage(&path, &town.hierarchy, &[], &Srs::etrs89_utm33()).unwrap();
    let db = open(&path);
    let app: i64 = db
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0x4750_4B47);
    for table in ["gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions"] {
        let n: i64 = db
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let n: i64 = db
        .query_row("SELECT count(*) FROM gpkg_spatial_ref_sys", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 4);
    let styles: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'layer_styles'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(styles, 0);
    validate_with_gdal(&path);
}

fn expect_layer_error(
    result: Result<(), IoError>,
    layer: &str,
    column: Option<&str>,
    problem: LayerProblem,
) {
    match result {
        Err(e @ IoError::AttributeLayer { .. }) => {
            let message = e.to_string();
            let IoError::AttributeLayer {
                layer: l,
                column: c,
                problem: p,
                ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!((l.as_str(), c.as_deref(), p), (layer, column, problem));
            assert!(message.contains(&format!("layer `{layer}`")), "{message}");
            if let Some(column) = column {
                assert!(message.contains(&format!("column `{column}`")), "{message}");
            }
        }
        other => panic!("expected a layer error, got {other:?}"),
    }
}

#[test]
fn bad_layers_are_clear_errors_in_both_writers() {
    let town = town();
    let h = &town.hierarchy;
    let good = layer(h);
    let n = h.units(good.level).len();
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("x.gpkg");
    let json = dir.path().join("x.geojson");
    let srs = Srs::default();

    let mut short = good.clone();
    short.columns[1].values = AttributeValues::Real(vec![Some(1.0); n - 1]);
    let mut bad_name = good.clone();
    bad_name.columns[1].name = "Anteil".into();
    let mut digit = good.clone();
    digit.columns[1].name = "1anteil".into();
    let mut duplicate = good.clone();
    duplicate.columns[2].name = "anteil".into();
    let mut reserved = good.clone();
    reserved.columns[0].name = "geom".into();
    let mut style_on_text = good.clone();
    style_on_text.style.as_mut().unwrap().column = "id".into();
    let mut bad_color = good.clone();
    bad_color.style.as_mut().unwrap().classes[1].color = "red".into();
    let cases = [
        (
            &short,
            Some("anteil"),
            LayerProblem::ColumnLength {
                expected: n,
                found: n - 1,
            },
        ),
        (&bad_name, Some("Anteil"), LayerProblem::InvalidName),
        (&digit, Some("1anteil"), LayerProblem::InvalidName),
        (&duplicate, Some("anteil"), LayerProblem::DuplicateColumn),
        (&reserved, Some("geom"), LayerProblem::ReservedName),
        (&style_on_text, Some("id"), LayerProblem::StyleColumn),
        (
            &bad_color,
            Some("klasse"),
            LayerProblem::StyleColor { class: 2 },
        ),
    ];
    for (layer, column, problem) in cases {
        let r = write_geopackage(&gpkg, h, std::slice::from_ref(layer), &srs);
        expect_layer_error(r, "quartier", column, problem.clone());
        let r = write_layer_geojson(&json, h, layer, &Srs::etrs89_utm32());
        expect_layer_error(r, "quartier", column, problem);
    }

    let mut table_name = good.clone();
    table_name.name = "gpkg_quartier".into();
    expect_layer_error(
        write_geopackage(&gpkg, h, &[table_name], &srs),
        "gpkg_quartier",
        None,
        LayerProblem::ReservedName,
    );
    expect_layer_error(
        write_geopackage(&gpkg, h, &[good.clone(), good.clone()], &srs),
        "quartier",
        None,
        LayerProblem::DuplicateLayer,
    );
    let mut out_of_range = good.clone();
    out_of_range.level = 9;
    assert!(matches!(
        write_geopackage(&gpkg, h, &[out_of_range.clone()], &srs),
        Err(IoError::NoSuchLevel { level: 9, .. })
    ));
    assert!(matches!(
        write_layer_geojson(&json, h, &out_of_range, &Srs::etrs89_utm32()),
        Err(IoError::NoSuchLevel { level: 9, .. })
    ));
    // Nothing was written by any failed call.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_failed_write_keeps_the_existing_file() {
    let town = town();
    let h = &town.hierarchy;
    let good = layer(h);
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("keep.gpkg");
    let json = dir.path().join("keep.geojson");
    write_geopackage(&gpkg, h, std::slice::from_ref(&good), &Srs::default()).unwrap();
    write_layer_geojson(&json, h, &good, &Srs::etrs89_utm32()).unwrap();
    let before = (std::fs::read(&gpkg).unwrap(), std::fs::read(&json).unwrap());

    let mut bad = good.clone();
    bad.columns[0].values = AttributeValues::Text(vec![]);
    assert!(write_geopackage(&gpkg, h, &[good.clone(), bad.clone()], &Srs::default()).is_err());
    assert!(write_layer_geojson(&json, h, &bad, &Srs::etrs89_utm32()).is_err());
    assert_eq!(
        (std::fs::read(&gpkg).unwrap(), std::fs::read(&json).unwrap()),
        before
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn geojson_layer_reads_back_with_the_same_values_in_column_order() {
    let town = town();
    let h = &town.hierarchy;
    let layer = layer(h);
    let units = h.units(layer.level);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quartier.geojson");
    write_layer_geojson(&path, h, &layer, &Srs::etrs89_utm32()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();

    // Column order in every feature's properties.
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("\"Feature\"")).collect();
    assert_eq!(lines.len(), units.len());
    for line in &lines {
        let props = &line[line.find("\"properties\"").unwrap()..];
        let pos: Vec<usize> = ["\"id\":", "\"anteil\":", "\"klasse\":"]
            .iter()
            .map(|k| props.find(k).unwrap())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{props}");
    }

    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["type"], "FeatureCollection");
    let features = json["features"].as_array().unwrap();
    let (AttributeValues::Real(anteil), AttributeValues::Integer(klasse)) =
        (&layer.columns[1].values, &layer.columns[2].values)
    else {
        unreachable!()
    };
    for (i, f) in features.iter().enumerate() {
        let p = &f["properties"];
        assert_eq!(p["id"].as_str(), Some(units[i].id().as_str()));
        match anteil[i].filter(|x| x.is_finite()) {
            Some(x) => assert_eq!(p["anteil"].as_f64(), Some(x), "round trip"),
            None => assert!(p["anteil"].is_null()),
        }
        match klasse[i] {
            Some(k) => {
                assert!(p["klasse"].is_i64());
                assert_eq!(p["klasse"].as_i64(), Some(k));
            }
            None => assert!(p["klasse"].is_null()),
        }
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
        let coords: Vec<Vec<Vec<(f64, f64)>>> = f["geometry"]["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|poly| {
                poly.as_array()
                    .unwrap()
                    .iter()
                    .map(|ring| {
                        ring.as_array()
                            .unwrap()
                            .iter()
                            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        assert_eq!(coords, rings_of(units[i].geometry()));
    }

    // Deterministic.
    let again = dir.path().join("again.geojson");
    write_layer_geojson(&again, h, &layer, &Srs::etrs89_utm32()).unwrap();
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());

    // GDAL reads it as the same layer, if installed.
    if let Some(out) = ogrinfo(&path) {
        assert!(
            out.contains(&format!("Feature Count: {}", units.len())),
            "{out}"
        );
        assert!(out.contains("anteil: Real"), "{out}");
        assert!(out.contains("klasse: Integer"), "{out}");
    }
}
