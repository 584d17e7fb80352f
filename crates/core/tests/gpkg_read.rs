//! GeoPackage input: block layers written by `write_geopackage`, by GDAL (`ogr2ogr`) and by
//! hand with SQLite read back to the same hierarchy as the GeoJSON reader gives; bad inputs
//! are clear errors naming the layer, the fid and the field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use quartier::{
    AttributeColumn, AttributeLayer, AttributeValues, BlockLayerSpec, Error, Finding,
    GeoPackageProblem, GeometryProblem, Hierarchy, HierarchyError, IoError, Srs, WkbProblem,
};
use rusqlite::{Connection, params};

fn town() -> quartier::DemoTown {
    quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL).unwrap()
}

/// Asserts two hierarchies are the same: levels, and per level the units' ids, names,
/// parents and geometries.
fn assert_same(a: &Hierarchy, b: &Hierarchy) {
    assert_eq!(a.levels(), b.levels());
    for level in 0..a.levels().len() {
        let (ua, ub) = (a.units(level), b.units(level));
        assert_eq!(ua.len(), ub.len(), "level {level}");
        for (x, y) in ua.iter().zip(ub) {
            assert_eq!(x.id(), y.id(), "level {level}");
            assert_eq!(
                x.name(),
                y.name(),
                "level {level}, unit {}",
                x.id().as_str()
            );
            assert_eq!(
                x.parent(),
                y.parent(),
                "level {level}, unit {}",
                x.id().as_str()
            );
            assert_eq!(
                x.geometry(),
                y.geometry(),
                "level {level}, unit {}",
                x.id().as_str()
            );
        }
    }
}

const ID_FIELDS: [&str; 4] = ["gemeinde_id", "ortsteil_id", "quartier_id", "block_id"];

/// The block level of `h` as an attribute layer with one text id column per level.
fn block_layer(h: &Hierarchy, name: &str) -> AttributeLayer {
    let columns = ID_FIELDS
        .iter()
        .enumerate()
        .map(|(level, field)| {
            let up = h.ancestors(h.block_level(), level).unwrap();
            let ids = up
                .iter()
                .map(|&u| Some(h.units(level)[u].id().as_str().to_owned()))
                .collect();
            AttributeColumn {
                name: (*field).into(),
                values: AttributeValues::Text(ids),
            }
        })
        .collect();
    AttributeLayer {
        name: name.into(),
        level: h.block_level(),
        columns,
        style: None,
    }
}

#[test]
fn a_block_layer_written_by_write_geopackage_reads_back_as_the_geojson_layer_does() {
    let town = town();
    let h = &town.hierarchy;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("blocks.gpkg");
    let geojson = dir.path().join("blocks.geojson");
    let layer = block_layer(h, "blocks");
    quartier::write_geopackage(&gpkg, h, std::slice::from_ref(&layer), &Srs::default()).unwrap();
    quartier::write_layer_geojson(&geojson, h, &layer, &Srs::default()).unwrap();

    let spec = BlockLayerSpec::default_fields();
    let (from_gpkg, report) = quartier::read_hierarchy_gpkg(&gpkg, None, &spec).unwrap();
    let (from_geojson, _) = quartier::read_hierarchy(&geojson, &spec).unwrap();
    assert!(report.is_valid());
    assert_same(&from_gpkg, &from_geojson);
    // The blocks are the town's blocks, and every level has the town's unit ids.
    for level in 0..h.levels().len() {
        let ids = |x: &Hierarchy| -> Vec<String> {
            x.units(level)
                .iter()
                .map(|u| u.id().as_str().to_owned())
                .collect()
        };
        assert_eq!(ids(&from_gpkg), ids(h), "level {level}");
    }
    for (read, orig) in from_gpkg.blocks().iter().zip(h.blocks()) {
        assert_eq!(read.geometry(), orig.geometry());
    }
    // A named layer reads the same; the features are the same as read_block_features'.
    let (named, _) = quartier::read_hierarchy_gpkg(&gpkg, Some("blocks"), &spec).unwrap();
    assert_same(&named, &from_gpkg);
    let features = quartier::read_block_features_gpkg(&gpkg, None, &spec).unwrap();
    let json_features = quartier::read_block_features(&geojson, &spec).unwrap();
    assert_eq!(features, json_features);
}

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .output()
        .expect("ogr2ogr (gdal-bin) is needed for this test; scripts/test installs it");
    assert!(
        out.status.success(),
        "ogr2ogr failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_geopackage_written_by_gdal_from_the_demo_block_layer_reads_as_the_geojson() {
    let town = town();
    let dir = tempfile::tempdir().unwrap();
    // The demo's block layer as `quartier demo` writes it: id, name, parent_id.
    let geojson = dir.path().join("baublock.geojson");
    quartier::write_units(&geojson, &town.hierarchy, town.hierarchy.block_level()).unwrap();
    let spec = BlockLayerSpec {
        levels: vec!["quartier".into(), "baublock".into()],
        id_fields: vec!["parent_id".into(), "id".into()],
        name_field: Some("name".into()),
    };
    let (expected, _) = quartier::read_hierarchy(&geojson, &spec).unwrap();

    let gpkg = dir.path().join("out.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        gpkg.to_str().unwrap(),
        geojson.to_str().unwrap(),
    ]);
    let (read, report) = quartier::read_hierarchy_gpkg(&gpkg, None, &spec).unwrap();
    assert!(report.is_valid());
    assert_same(&read, &expected);
    assert_eq!(read.blocks().len(), town.hierarchy.blocks().len());

    // 2.5D (Z = 0) and the layer renamed: Z is dropped, the layer is found by name.
    let gpkg_z = dir.path().join("z.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-dim",
        "XYZ",
        "-nln",
        "Bloecke",
        gpkg_z.to_str().unwrap(),
        geojson.to_str().unwrap(),
    ]);
    let (read_z, _) = quartier::read_hierarchy_gpkg(&gpkg_z, Some("Bloecke"), &spec).unwrap();
    assert_same(&read_z, &expected);
}

// ---- hand-made GeoPackages ----

fn push_u32(out: &mut Vec<u8>, v: u32, le: bool) {
    out.extend_from_slice(&if le { v.to_le_bytes() } else { v.to_be_bytes() });
}

fn push_f64(out: &mut Vec<u8>, v: f64, le: bool) {
    out.extend_from_slice(&if le { v.to_le_bytes() } else { v.to_be_bytes() });
}

/// The WKB polygon body (ring count, rings) of one ring, with `extra` ordinates per point.
fn rings(out: &mut Vec<u8>, ring: &[(f64, f64)], le: bool, extra: usize) {
    push_u32(out, 1, le);
    push_u32(out, ring.len() as u32, le);
    for &(x, y) in ring {
        push_f64(out, x, le);
        push_f64(out, y, le);
        for _ in 0..extra {
            push_f64(out, 0.0, le);
        }
    }
}

/// A square of side 10 at (x0, y0), closed.
fn square(x0: f64, y0: f64) -> Vec<(f64, f64)> {
    vec![
        (x0, y0),
        (x0 + 10.0, y0),
        (x0 + 10.0, y0 + 10.0),
        (x0, y0 + 10.0),
        (x0, y0),
    ]
}

fn polygon_wkb(ring: &[(f64, f64)], le: bool) -> Vec<u8> {
    let mut out = vec![u8::from(le)];
    push_u32(&mut out, 3, le);
    rings(&mut out, ring, le, 0);
    out
}

/// An ISO `MultiPolygon Z` of one part.
fn multipolygon_z_wkb(ring: &[(f64, f64)]) -> Vec<u8> {
    let mut out = vec![1u8];
    push_u32(&mut out, 1006, true);
    push_u32(&mut out, 1, true);
    out.push(1);
    push_u32(&mut out, 1003, true);
    rings(&mut out, ring, true, 1);
    out
}

/// `GeoPackageBinary`: header (no envelope, or a 2D envelope) then the WKB.
fn gp(wkb: &[u8], le_header: bool, envelope: bool) -> Vec<u8> {
    let flags = u8::from(le_header) | if envelope { 0x02 } else { 0 };
    let mut out = vec![b'G', b'P', 0, flags];
    out.extend_from_slice(&if le_header {
        25832i32.to_le_bytes()
    } else {
        25832i32.to_be_bytes()
    });
    if envelope {
        for v in [0.0, 20.0, 0.0, 20.0] {
            push_f64(&mut out, v, le_header);
        }
    }
    out.extend_from_slice(wkb);
    out
}

/// A feature row: fid, geometry blob, quarter id (text), block id (integer).
type Row = (i64, Option<Vec<u8>>, Option<&'static str>, Option<i64>);

/// A minimal GeoPackage made with SQLite alone: the two required metadata tables and one
/// feature table per layer with columns `fid`, `geom`, `q` (TEXT) and `b` (INTEGER).
fn hand_gpkg(path: &Path, layers: &[(&str, Vec<Row>)]) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, \
           identifier TEXT, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, \
           geometry_type_name TEXT, srs_id INTEGER, z TINYINT, m TINYINT);",
    )
    .unwrap();
    for (name, rows) in layers {
        conn.execute(
            "INSERT INTO gpkg_contents VALUES (?1, 'features', ?1, 25832)",
            params![name],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'shape', 'GEOMETRY', 25832, 2, 2)",
            params![name],
        )
        .unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE \"{name}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, shape BLOB, \
             q TEXT, b INTEGER)"
        ))
        .unwrap();
        for (fid, geom, q, b) in rows {
            conn.execute(
                &format!("INSERT INTO \"{name}\" VALUES (?1, ?2, ?3, ?4)"),
                params![fid, geom, q, b],
            )
            .unwrap();
        }
    }
}

/// Four 10 m squares in a 2 × 2 grid: blocks 1, 2 in quarter Q1 and 3, 4 in Q2, each
/// geometry in another encoding. Rows are inserted out of fid order.
fn grid_rows() -> Vec<Row> {
    vec![
        (
            12,
            Some(gp(&polygon_wkb(&square(10.0, 0.0), true), true, true)),
            Some("Q1"),
            Some(2),
        ),
        (
            11,
            Some(gp(&polygon_wkb(&square(0.0, 0.0), false), false, false)),
            Some("Q1"),
            Some(1),
        ),
        (
            13,
            Some(gp(&multipolygon_z_wkb(&square(0.0, 10.0)), true, false)),
            Some("Q2"),
            Some(3),
        ),
        (
            14,
            Some(gp(&polygon_wkb(&square(10.0, 10.0), true), false, true)),
            Some("Q2"),
            Some(4),
        ),
    ]
}

fn grid_spec() -> BlockLayerSpec {
    BlockLayerSpec {
        levels: vec!["quartier".into(), "baublock".into()],
        id_fields: vec!["q".into(), "b".into()],
        name_field: None,
    }
}

/// The same four blocks as a GeoJSON file, in fid order.
fn grid_geojson(path: &Path) {
    let feature = |q: &str, b: i64, ring: Vec<(f64, f64)>| {
        let coords: Vec<[f64; 2]> = ring.iter().map(|&(x, y)| [x, y]).collect();
        serde_json::json!({"type": "Feature", "properties": {"q": q, "b": b},
            "geometry": {"type": "Polygon", "coordinates": [coords]}})
    };
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        feature("Q1", 1, square(0.0, 0.0)),
        feature("Q1", 2, square(10.0, 0.0)),
        feature("Q2", 3, square(0.0, 10.0)),
        feature("Q2", 4, square(10.0, 10.0)),
    ]});
    std::fs::write(path, serde_json::to_vec(&fc).unwrap()).unwrap();
}

#[test]
fn a_hand_made_geopackage_with_mixed_encodings_reads_as_the_same_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("grid.gpkg");
    hand_gpkg(&gpkg, &[("grid", grid_rows())]);
    let geojson = dir.path().join("grid.geojson");
    grid_geojson(&geojson);
    let (read, _) = quartier::read_hierarchy_gpkg(&gpkg, None, &grid_spec()).unwrap();
    let (expected, _) = quartier::read_hierarchy(&geojson, &grid_spec()).unwrap();
    assert_same(&read, &expected);
    let features = quartier::read_block_features_gpkg(&gpkg, None, &grid_spec()).unwrap();
    // fid order: 11, 12, 13, 14 → features 0..4 with block ids 1..4.
    let ids: Vec<_> = features
        .iter()
        .map(|f| (f.feature, f.ids[1].clone()))
        .collect();
    assert_eq!(
        ids,
        [
            (0, "1".into()),
            (1, "2".into()),
            (2, "3".into()),
            (3, "4".into())
        ]
    );
}

fn gpkg_problem(err: &IoError) -> (&GeoPackageProblem, Option<&str>, Option<i64>, Option<&str>) {
    match err {
        IoError::GeoPackage {
            layer,
            fid,
            field,
            problem,
            ..
        } => (problem, layer.as_deref(), *fid, field.as_deref()),
        other => panic!("expected a geopackage error, got {other:?}"),
    }
}

fn io_error(err: Error) -> IoError {
    match err {
        Error::Io(e) => e,
        other => panic!("expected an io error, got {other:?}"),
    }
}

#[test]
fn a_missing_layer_names_the_layers_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("grid.gpkg");
    hand_gpkg(&gpkg, &[("grid", grid_rows()), ("other", grid_rows())]);
    let err =
        io_error(quartier::read_hierarchy_gpkg(&gpkg, Some("nope"), &grid_spec()).unwrap_err());
    let (problem, layer, fid, _) = gpkg_problem(&err);
    assert_eq!(
        problem,
        &GeoPackageProblem::NoSuchLayer {
            layers: vec!["grid".into(), "other".into()]
        }
    );
    assert_eq!((layer, fid), (Some("nope"), None));
    let message = err.to_string();
    assert!(
        message.contains("grid.gpkg: layer `nope`: no feature layer"),
        "{message}"
    );
    assert!(message.contains("`grid`, `other`"), "{message}");

    // Without a name, two layers are ambiguous; a named one is read.
    let err = io_error(quartier::read_hierarchy_gpkg(&gpkg, None, &grid_spec()).unwrap_err());
    assert!(matches!(
        gpkg_problem(&err).0,
        GeoPackageProblem::SeveralLayers { .. }
    ));
    assert!(quartier::read_hierarchy_gpkg(&gpkg, Some("other"), &grid_spec()).is_ok());
}

#[test]
fn a_point_geometry_is_refused_naming_the_fid() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("grid.gpkg");
    let mut rows = grid_rows();
    let mut point = vec![1u8];
    push_u32(&mut point, 1, true);
    push_f64(&mut point, 5.0, true);
    push_f64(&mut point, 5.0, true);
    rows[0].1 = Some(gp(&point, true, false));
    hand_gpkg(&gpkg, &[("grid", rows)]);
    let err = io_error(quartier::read_hierarchy_gpkg(&gpkg, None, &grid_spec()).unwrap_err());
    let (problem, layer, fid, field) = gpkg_problem(&err);
    assert_eq!(
        problem,
        &GeoPackageProblem::Wkb {
            problem: WkbProblem::UnsupportedGeometry { found: "Point" }
        }
    );
    assert_eq!((layer, fid, field), (Some("grid"), Some(12), None));
    let message = err.to_string();
    assert!(
        message.ends_with(
            "grid.gpkg: layer `grid`, fid 12: geometry type Point is not supported (Polygon or MultiPolygon expected)"
        ),
        "{message}"
    );
    assert!(
        !message.contains("5.0") && !message.contains("Q1"),
        "{message}"
    );
}

#[test]
fn a_null_geometry_is_an_empty_geometry_finding_as_in_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("grid.gpkg");
    let mut rows = grid_rows();
    rows[0].1 = None; // fid 12: feature 1 in fid order
    hand_gpkg(&gpkg, &[("grid", rows)]);
    let err = quartier::read_hierarchy_gpkg(&gpkg, None, &grid_spec()).unwrap_err();
    let Error::Hierarchy(HierarchyError::Invalid { report }) = err else {
        panic!("expected an invalid hierarchy, got {err:?}");
    };
    let empty: Vec<_> = report
        .errors()
        .filter_map(|f| match f {
            Finding::InvalidGeometry {
                feature,
                id,
                problem: GeometryProblem::Empty,
                ..
            } => Some((*feature, id.as_str().to_owned())),
            _ => None,
        })
        .collect();
    assert_eq!(empty, [(1, "2".to_owned())]);
    // read_block_features_gpkg gives the feature with an empty geometry, as for GeoJSON.
    let features = quartier::read_block_features_gpkg(&gpkg, None, &grid_spec()).unwrap();
    assert!(features[1].geometry.0.is_empty());
}

#[test]
fn a_missing_id_field_and_a_null_id_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("grid.gpkg");
    let mut rows = grid_rows();
    rows[2].2 = None; // fid 13 has no quarter id
    hand_gpkg(&gpkg, &[("grid", rows)]);

    let mut spec = grid_spec();
    spec.id_fields[1] = "block_id".into();
    let err = io_error(quartier::read_hierarchy_gpkg(&gpkg, None, &spec).unwrap_err());
    let (problem, layer, fid, field) = gpkg_problem(&err);
    assert_eq!(problem, &GeoPackageProblem::MissingColumn);
    assert_eq!((layer, fid, field), (Some("grid"), None, Some("block_id")));
    assert!(
        err.to_string()
            .ends_with("layer `grid`, field `block_id`: no such column in the layer")
    );

    let err = io_error(quartier::read_hierarchy_gpkg(&gpkg, None, &grid_spec()).unwrap_err());
    let (problem, _, fid, field) = gpkg_problem(&err);
    assert_eq!(problem, &GeoPackageProblem::MissingValue);
    assert_eq!((fid, field), (Some(13), Some("q")));

    // A spec whose levels and id fields differ in number.
    spec.id_fields.pop();
    let err = io_error(quartier::read_hierarchy_gpkg(&gpkg, None, &spec).unwrap_err());
    assert!(matches!(
        gpkg_problem(&err).0,
        GeoPackageProblem::SpecMismatch {
            levels: 2,
            id_fields: 1
        }
    ));
}

#[test]
fn missing_files_non_databases_and_non_geopackages_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.gpkg");
    let err = io_error(quartier::read_hierarchy_gpkg(&missing, None, &grid_spec()).unwrap_err());
    assert!(matches!(err, IoError::File { .. }), "{err:?}");
    assert!(!missing.exists(), "reading must not create the file");

    let text = dir.path().join("text.gpkg");
    std::fs::write(&text, "not a database, just some text that is long enough").unwrap();
    let err = io_error(quartier::read_hierarchy_gpkg(&text, None, &grid_spec()).unwrap_err());
    assert!(matches!(err, IoError::Sqlite { .. }), "{err:?}");

    let plain = dir.path().join("plain.sqlite");
    Connection::open(&plain)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER)")
        .unwrap();
    let err = io_error(quartier::read_hierarchy_gpkg(&plain, None, &grid_spec()).unwrap_err());
    assert_eq!(gpkg_problem(&err).0, &GeoPackageProblem::NotGeoPackage);

    let empty = dir.path().join("empty.gpkg");
    hand_gpkg(&empty, &[("grid", vec![])]);
    let err = io_error(quartier::read_hierarchy_gpkg(&empty, None, &grid_spec()).unwrap_err());
    assert_eq!(gpkg_problem(&err).0, &GeoPackageProblem::EmptyLayer);
}

#[test]
fn an_unclosed_ring_is_a_finding_in_the_hierarchy_and_an_error_for_features() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("grid.gpkg");
    let mut rows = grid_rows();
    let mut open = square(0.0, 10.0);
    open.pop();
    rows[2].1 = Some(gp(&polygon_wkb(&open, true), true, false));
    hand_gpkg(&gpkg, &[("grid", rows)]);
    let err = quartier::read_block_features_gpkg(&gpkg, None, &grid_spec()).unwrap_err();
    let (problem, layer, fid, _) = gpkg_problem(&err);
    assert_eq!(
        problem,
        &GeoPackageProblem::Wkb {
            problem: WkbProblem::UnclosedRing
        }
    );
    assert_eq!((layer, fid), (Some("grid"), Some(13)));
    let Err(Error::Hierarchy(HierarchyError::Invalid { report })) =
        quartier::read_hierarchy_gpkg(&gpkg, None, &grid_spec())
    else {
        panic!("expected an invalid hierarchy");
    };
    assert!(report.errors().any(|f| matches!(
        f,
        Finding::InvalidGeometry {
            feature: 2,
            problem: GeometryProblem::UnclosedRing,
            ..
        }
    )));
}
