//! Hostile and broken input (issue 8, item 3): every case of `docs/hostile-input.md` fed
//! through the public reader a user would hit.
//!
//! Each case asserts the documented outcome: either an error whose message names the file,
//! the feature / line and the field and carries none of the planted canaries (a name, an
//! address, a coordinate) in its `Display` or `Debug`, or a repair that the caller can count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use geo::polygon;

use quartier::{
    AssignOptions, BlockLayerSpec, CsvEncoding, CsvOptions, CsvProblem, Error, Finding,
    GeoJsonProblem, GeometryProblem, HierarchyError, IoError, JsonErrorKind, LayerSource,
    RecordColumns, RecordKind, RecordLocation, RejectReason, count_records, read_block_features,
    read_block_layer_any, read_hierarchy, read_records_csv, read_records_csv_bytes,
    read_units_geojson,
};

// ---------------------------------------------------------------------------------------
// Helpers

/// Values that must never appear in an error: a name, an address, a coordinate's digits.
const CANARIES: [&str; 4] = ["Mustermann", "Canaryweg", "361234", "5702345"];

/// The lower-left corner of the good block: its digits are canaries.
const X0: f64 = 361_234.567;
const Y0: f64 = 5_702_345.678;

fn shared_data() -> PathBuf {
    std::env::var_os("QUARTIER_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

/// Asserts that neither the message nor the `Debug` of `err` carries a canary.
fn assert_no_canary(err: &dyn std::fmt::Debug, msg: &str) {
    let debug = format!("{err:?}");
    for c in CANARIES {
        assert!(!msg.contains(c), "canary `{c}` in the message: {msg}");
        assert!(
            !debug.contains(c),
            "canary `{c}` in the Debug output: {debug}"
        );
    }
}

/// Asserts that `msg` contains every one of `parts`.
fn assert_names(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "expected `{p}` in: {msg}");
    }
}

fn spec() -> BlockLayerSpec {
    BlockLayerSpec {
        levels: vec!["quartier".into(), "baublock".into()],
        id_fields: vec!["q".into(), "b".into()],
        name_field: Some("name".into()),
    }
}

/// A square ring of side 10 m at `(X0 + dx, Y0)` as GeoJSON coordinates.
fn square(dx: f64) -> String {
    let (x, y) = (X0 + dx, Y0);
    format!(
        "[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]",
        x + 10.0,
        x + 10.0,
        y + 10.0,
        y + 10.0
    )
}

/// A block feature with id `id` in quarter `Q1`, a personal canary among its properties and
/// the geometry JSON `geometry`.
fn feature(id: &str, geometry: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"q":"Q1","b":"{id}","name":"Block","owner":"Erika Mustermann, Canaryweg 7"}},"geometry":{geometry}}}"#
    )
}

fn polygon(rings: &str) -> String {
    format!(r#"{{"type":"Polygon","coordinates":[{rings}]}}"#)
}

/// A FeatureCollection: a good block `B0`, then `bad` as feature 1.
fn layer_with(bad: &str) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{},
{}]}}"#,
        feature("B0", &polygon(&square(0.0))),
        bad
    )
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p
}

/// The validation report of a hierarchy that failed validation.
fn invalid_report(
    result: Result<(quartier::Hierarchy, quartier::ValidationReport), Error>,
) -> (quartier::ValidationReport, String, String) {
    match result {
        Err(e @ Error::Hierarchy(HierarchyError::Invalid { .. })) => {
            let msg = e.to_string();
            let debug = format!("{e:?}");
            let Error::Hierarchy(HierarchyError::Invalid { report }) = e else {
                unreachable!()
            };
            (report, msg, debug)
        }
        Err(other) => panic!("expected an invalid hierarchy, got: {other}"),
        Ok(_) => panic!("expected an invalid hierarchy, got a valid one"),
    }
}

/// The geometry problem of feature 1 found by `read_hierarchy` (a finding) and by
/// `read_units_geojson` (an error naming file and feature).
fn geometry_rejected(bad_geometry: &str, expected: GeometryProblem) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "blocks.geojson",
        layer_with(&feature("B1", bad_geometry)),
    );

    let (report, msg, debug) = invalid_report(read_hierarchy(&path, &spec()));
    let problems: Vec<_> = report
        .errors()
        .map(|f| match f {
            Finding::InvalidGeometry {
                feature, problem, ..
            } => (*feature, *problem),
            other => panic!("unexpected finding {other:?}"),
        })
        .collect();
    assert_eq!(problems, [(1, expected)], "{report}");
    assert_names(&msg, &["feature 1", &expected.to_string()]);
    assert_no_canary(&debug, &msg);
    assert_no_canary(&report, &report.to_string());

    let err = read_units_geojson(&path, "b").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            &err,
            IoError::GeoJson { feature: Some(1), problem: GeoJsonProblem::InvalidGeometry { problem }, .. } if *problem == expected
        ),
        "{err:?}"
    );
    assert_names(
        &msg,
        &["blocks.geojson", "feature 1", &expected.to_string()],
    );
    assert_no_canary(&err, &msg);
}

/// A GeoJSON error of the whole file (or of feature `feature`) from the strict and the
/// validating reader.
fn geojson_error(text: impl AsRef<[u8]>, parts: &[&str]) -> IoError {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "blocks.geojson", text);
    let err = read_block_features(&path, &spec()).unwrap_err();
    let msg = err.to_string();
    assert_names(&msg, &["blocks.geojson"]);
    assert_names(&msg, parts);
    assert_no_canary(&err, &msg);
    // the hierarchy reader and the format-dispatching reader fail the same way
    let Err(Error::Io(same)) = read_hierarchy(&path, &spec()) else {
        panic!("read_hierarchy must fail with the same I/O error");
    };
    assert_eq!(same.to_string(), msg);
    let any = read_block_layer_any(&LayerSource::new(&path), &spec()).unwrap_err();
    assert_eq!(any.to_string(), msg);
    err
}

// ---------------------------------------------------------------------------------------
// Polygons

#[test]
fn bow_tie_polygon_is_rejected_as_self_intersecting() {
    let (x, y) = (X0 + 20.0, Y0);
    let bow_tie = format!(
        "[[{x},{y}],[{},{}],[{},{y}],[{x},{}],[{x},{y}]]",
        x + 10.0,
        y + 10.0,
        x + 10.0,
        y + 10.0
    );
    geometry_rejected(&polygon(&bow_tie), GeometryProblem::SelfIntersection);
}

#[test]
fn ring_crossing_itself_is_rejected_as_self_intersecting() {
    // a figure-of-six: the last edge crosses the first
    let (x, y) = (X0 + 20.0, Y0);
    let ring = format!(
        "[[{x},{y}],[{},{y}],[{},{}],[{},{}],[{},{}],[{x},{y}]]",
        x + 10.0,
        x + 10.0,
        y + 10.0,
        x + 5.0,
        y + 10.0,
        x + 5.0,
        y - 5.0
    );
    geometry_rejected(&polygon(&ring), GeometryProblem::SelfIntersection);
}

#[test]
fn unclosed_ring_is_rejected() {
    let (x, y) = (X0 + 20.0, Y0);
    let open = format!(
        "[[{x},{y}],[{},{y}],[{},{}],[{x},{}]]",
        x + 10.0,
        x + 10.0,
        y + 10.0,
        y + 10.0
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "blocks.geojson",
        layer_with(&feature("B1", &polygon(&open))),
    );
    let err = read_block_features(&path, &spec()).unwrap_err();
    let msg = err.to_string();
    assert_names(
        &msg,
        &["blocks.geojson", "feature 1", "a ring is not closed"],
    );
    assert_no_canary(&err, &msg);
    let any = read_block_layer_any(&LayerSource::new(&path), &spec()).unwrap_err();
    assert_eq!(any.to_string(), msg);
    let err = read_units_geojson(&path, "b").unwrap_err();
    assert_names(
        &err.to_string(),
        &["blocks.geojson", "feature 1", "a ring is not closed"],
    );
    assert!(matches!(
        err,
        IoError::GeoJson {
            feature: Some(1),
            problem: GeoJsonProblem::InvalidGeometry {
                problem: GeometryProblem::UnclosedRing
            },
            ..
        }
    ));
}

#[test]
fn unclosed_ring_is_a_finding_of_the_hierarchy_reader() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = (X0 + 20.0, Y0);
    let open = format!(
        "[[{x},{y}],[{},{y}],[{},{}],[{x},{}]]",
        x + 10.0,
        x + 10.0,
        y + 10.0,
        y + 10.0
    );
    let path = write(
        dir.path(),
        "blocks.geojson",
        layer_with(&feature("B1", &polygon(&open))),
    );
    let (report, msg, debug) = invalid_report(read_hierarchy(&path, &spec()));
    assert!(report.errors().any(|f| matches!(
        f,
        Finding::InvalidGeometry {
            feature: 1,
            problem: GeometryProblem::UnclosedRing,
            ..
        }
    )));
    assert_names(&msg, &["feature 1", "a ring is not closed"]);
    assert_no_canary(&debug, &msg);
}

#[test]
fn duplicate_consecutive_points_are_accepted_unchanged() {
    // OGC Simple Features allows repeated points; validation ignores them, the geometry is
    // kept as read (nothing is repaired, so nothing is counted).
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = (X0 + 20.0, Y0);
    let ring = format!(
        "[[{x},{y}],[{x},{y}],[{},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{}],[{x},{y}]]",
        x + 10.0,
        x + 10.0,
        x + 10.0,
        y + 10.0,
        y + 10.0,
        y + 10.0
    );
    let path = write(
        dir.path(),
        "blocks.geojson",
        layer_with(&feature("B1", &polygon(&ring))),
    );
    let (h, report) = read_hierarchy(&path, &spec()).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.blocks().len(), 2);
    assert_eq!(h.blocks()[1].geometry().0[0].exterior().0.len(), 8);
}

#[test]
fn duplicate_points_leaving_too_few_corners_are_rejected() {
    let (x, y) = (X0 + 20.0, Y0);
    let ring = format!(
        "[[{x},{y}],[{},{y}],[{},{y}],[{},{}],[{x},{y}]]",
        x + 10.0,
        x + 10.0,
        x + 10.0,
        y + 10.0
    );
    // three distinct corners: a triangle is fine
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "blocks.geojson",
        layer_with(&feature("B1", &polygon(&ring))),
    );
    assert!(read_hierarchy(&path, &spec()).is_ok());
    // two distinct corners: not a polygon
    let ring = format!(
        "[[{x},{y}],[{},{y}],[{},{y}],[{x},{y}],[{x},{y}]]",
        x + 10.0,
        x + 10.0
    );
    geometry_rejected(&polygon(&ring), GeometryProblem::TooFewPoints);
}

#[test]
fn zero_area_rings_are_rejected() {
    let (x, y) = (X0 + 20.0, Y0);
    // collinear: the ring runs back on itself
    let flat = format!(
        "[[{x},{y}],[{},{y}],[{},{y}],[{x},{y}]]",
        x + 10.0,
        x + 20.0
    );
    geometry_rejected(&polygon(&flat), GeometryProblem::SelfIntersection);
    // a spike: there and back
    let spike = format!(
        "[[{x},{y}],[{},{}],[{x},{y}],[{},{}],[{x},{y}]]",
        x + 10.0,
        y + 10.0,
        x + 10.0,
        y + 10.0
    );
    geometry_rejected(&polygon(&spike), GeometryProblem::SelfIntersection);
    // there and back in three positions: too few for a ring
    let line = format!("[[{x},{y}],[{},{y}],[{x},{y}]]", x + 10.0);
    geometry_rejected(&polygon(&line), GeometryProblem::TooFewPoints);
}

#[test]
fn zero_area_hole_is_rejected() {
    let (x, y) = (X0 + 20.0, Y0);
    let outer = format!(
        "[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]",
        x + 10.0,
        x + 10.0,
        y + 10.0,
        y + 10.0
    );
    let hole = format!(
        "[[{},{}],[{},{}],[{},{}],[{},{}]]",
        x + 2.0,
        y + 2.0,
        x + 4.0,
        y + 2.0,
        x + 6.0,
        y + 2.0,
        x + 2.0,
        y + 2.0
    );
    geometry_rejected(
        &polygon(&format!("{outer},{hole}")),
        GeometryProblem::SelfIntersection,
    );
}

#[test]
fn nan_and_infinity_are_not_json_and_are_rejected_with_line_and_column() {
    for token in ["NaN", "Infinity", "-Infinity", "nan"] {
        let (x, y) = (X0 + 20.0, Y0);
        let ring = format!(
            "[[{x},{y}],[{token},{y}],[{},{}],[{x},{y}]]",
            x + 10.0,
            y + 10.0
        );
        let text = layer_with(&feature("B1", &polygon(&ring)));
        let err = geojson_error(&text, &["malformed json at line 2, column"]);
        assert!(
            matches!(
                err,
                IoError::GeoJson {
                    feature: None,
                    problem: GeoJsonProblem::Malformed {
                        line: 2,
                        kind: JsonErrorKind::Syntax,
                        ..
                    },
                    ..
                }
            ),
            "{token}: {err:?}"
        );
    }
}

#[test]
fn numbers_beyond_f64_are_rejected_with_line_and_column() {
    let (x, y) = (X0 + 20.0, Y0);
    let ring = format!(
        "[[{x},{y}],[1e400,{y}],[{},{}],[{x},{y}]]",
        x + 10.0,
        y + 10.0
    );
    let text = layer_with(&feature("B1", &polygon(&ring)));
    geojson_error(&text, &["at line 2, column"]);
}

#[test]
fn huge_coordinates_are_rejected_as_out_of_range() {
    // 1e300 is a finite f64 but no position in any projected CRS; its areas overflow
    for huge in ["1e300", "-1e300", "1e12"] {
        let (x, y) = (X0 + 20.0, Y0);
        let ring = format!(
            "[[{x},{y}],[{huge},{y}],[{},{}],[{x},{y}]]",
            x + 10.0,
            y + 10.0
        );
        geometry_rejected(&polygon(&ring), GeometryProblem::CoordinateOutOfRange);
    }
}

#[test]
fn non_finite_coordinates_from_binary_formats_are_rejected() {
    // WKB (GeoPackage, Shapefile) can carry NaN; validation names the feature
    let mut b = quartier::HierarchyBuilder::new(["quartier", "baublock"]);
    for (i, x) in [0.0, f64::NAN].into_iter().enumerate() {
        b.add_block(quartier::BlockFeature {
            feature: i,
            ids: vec!["Q1".into(), format!("B{i}")],
            name: None,
            geometry: geo::MultiPolygon(vec![polygon![
                (x: x, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)
            ]]),
        });
    }
    let Err(HierarchyError::Invalid { report }) = b.build() else {
        panic!("NaN must be rejected");
    };
    assert!(report.errors().any(|f| matches!(
        f,
        Finding::InvalidGeometry {
            feature: 1,
            problem: GeometryProblem::NonFiniteCoordinate,
            ..
        }
    )));
}

#[test]
fn mixed_geometry_types_are_rejected_naming_the_feature() {
    let (x, y) = (X0 + 20.0, Y0);
    for (geometry, name) in [
        (
            format!(r#"{{"type":"Point","coordinates":[{x},{y}]}}"#),
            "Point",
        ),
        (
            format!(
                r#"{{"type":"LineString","coordinates":[[{x},{y}],[{},{y}]]}}"#,
                x + 1.0
            ),
            "LineString",
        ),
        (
            format!(
                r#"{{"type":"GeometryCollection","geometries":[{}]}}"#,
                polygon(&square(20.0))
            ),
            "GeometryCollection",
        ),
    ] {
        let err = geojson_error(
            layer_with(&feature("B1", &geometry)),
            &["feature 1", name, "not supported"],
        );
        assert!(matches!(
            err,
            IoError::GeoJson {
                feature: Some(1),
                problem: GeoJsonProblem::UnsupportedGeometry { .. },
                ..
            }
        ));
    }
}

#[test]
fn duplicate_block_ids_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "blocks.geojson",
        layer_with(&feature("B0", &polygon(&square(20.0)))),
    );
    let (report, msg, debug) = invalid_report(read_hierarchy(&path, &spec()));
    assert!(report.errors().any(|f| matches!(
        f,
        Finding::DuplicateId {
            level: 1,
            feature: 1,
            first_feature: 0,
            ..
        }
    )));
    assert_names(
        &msg,
        &[
            "baublock B0 (feature 1)",
            "duplicate id, first used by feature 0",
        ],
    );
    assert_no_canary(&debug, &msg);

    let err = read_units_geojson(&path, "b").unwrap_err();
    assert_names(
        &err.to_string(),
        &["blocks.geojson", "feature 1", "field `b`", "duplicate id"],
    );
    assert_no_canary(&err, &err.to_string());
}

#[test]
fn feature_collection_without_features_is_rejected() {
    let err = geojson_error(
        r#"{"type":"FeatureCollection","features":[]}"#,
        &["has no feature"],
    );
    assert!(matches!(
        err,
        IoError::GeoJson {
            problem: GeoJsonProblem::EmptyCollection,
            ..
        }
    ));
    geojson_error(
        r#"{"type":"FeatureCollection"}"#,
        &["field `features`", "missing"],
    );
}

#[test]
fn empty_and_truncated_geojson_are_rejected_with_line_and_column() {
    let err = geojson_error("", &["unexpected end of file at line 1"]);
    assert!(matches!(
        err,
        IoError::GeoJson {
            problem: GeoJsonProblem::Malformed {
                kind: JsonErrorKind::Eof,
                ..
            },
            ..
        }
    ));
    geojson_error("   \n\n", &["unexpected end of file at line 3"]);
    // cut in the middle of the second feature's coordinates (line 2)
    let full = layer_with(&feature("B1", &polygon(&square(20.0))));
    let cut = &full[..full.len() - 40];
    let err = geojson_error(cut, &["unexpected end of file at line 2, column"]);
    assert!(matches!(
        err,
        IoError::GeoJson {
            problem: GeoJsonProblem::Malformed {
                kind: JsonErrorKind::Eof,
                line: 2,
                ..
            },
            ..
        }
    ));
}

#[test]
fn deeply_nested_json_is_rejected_without_overflowing_the_stack() {
    const DEPTH: usize = 100_000;
    let nested = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    // in the coordinates, in a property, in an unknown member and as the whole file
    let in_coordinates = layer_with(&format!(
        r#"{{"type":"Feature","properties":{{"q":"Q1","b":"B1"}},"geometry":{{"type":"Polygon","coordinates":{nested}}}}}"#
    ));
    let in_property = layer_with(&format!(
        r#"{{"type":"Feature","properties":{{"q":"Q1","b":"B1","deep":{nested}}},"geometry":{}}}"#,
        polygon(&square(20.0))
    ));
    for text in [in_coordinates, in_property, nested.clone()] {
        // each must be an error naming the file and the position; none may crash the process
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "blocks.geojson", &text);
        let err = read_block_features(&path, &spec()).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                IoError::GeoJson {
                    problem: GeoJsonProblem::Malformed { .. },
                    ..
                }
            ),
            "{msg}"
        );
        assert_names(&msg, &["blocks.geojson", "at line", "column"]);
    }
    // an unknown member is skipped, however deep (serde_json skips it without recursing)
    let in_member = format!(
        r#"{{"type":"FeatureCollection","deep":{nested},"features":[{}]}}"#,
        feature("B0", &polygon(&square(0.0)))
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "blocks.geojson", &in_member);
    assert_eq!(read_block_features(&path, &spec()).unwrap().len(), 1);
}

#[test]
fn truncated_geopackage_is_rejected_naming_the_file() {
    let town = quartier::musterstadt_with(1, &quartier::DemoConfig::SMALL).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.gpkg");
    quartier::write_geopackage(&full, &town.hierarchy, &[], &quartier::Srs::etrs89_utm32())
        .unwrap();
    let bytes = fs::read(&full).unwrap();
    let levels = town.hierarchy.levels().to_vec();
    let spec = BlockLayerSpec {
        id_fields: levels.iter().map(|l| format!("{l}_id")).collect(),
        levels,
        name_field: None,
    };
    for keep in [0, 50, 1024, bytes.len() / 2, bytes.len() - 1000] {
        let path = write(dir.path(), "cut.gpkg", &bytes[..keep]);
        let result = read_block_layer_any(&LayerSource::new(&path), &spec);
        let err = result.expect_err(&format!(
            "a GeoPackage cut at {keep} of {} bytes must be rejected",
            bytes.len()
        ));
        assert_names(&err.to_string(), &["cut.gpkg"]);
    }
}

#[test]
fn truncated_shapefile_is_rejected_naming_the_file_and_record() {
    let src = shared_data().join("berlin-lor-2021-geometries");
    let shp = src.join("bezirksgrenzen.shp");
    assert!(shp.exists(), "missing shared data file {}", shp.display());
    let dir = tempfile::tempdir().unwrap();
    for ext in ["dbf", "shx", "prj"] {
        fs::copy(
            src.join(format!("bezirksgrenzen.{ext}")),
            dir.path().join(format!("b.{ext}")),
        )
        .unwrap();
    }
    let bytes = fs::read(&shp).unwrap();
    let spec = BlockLayerSpec {
        levels: vec!["bezirk".into()],
        id_fields: vec!["Gemeinde_s".into()],
        name_field: None,
    };
    let path = dir.path().join("b.shp");
    fs::write(&path, &bytes).unwrap();
    let full = read_block_layer_any(&LayerSource::new(&path), &spec).unwrap();
    assert_eq!(full.len(), 12, "Berlin has 12 Bezirke");
    for keep in [0, 60, 100, bytes.len() / 2, bytes.len() - 8] {
        fs::write(&path, &bytes[..keep]).unwrap();
        let err = read_block_layer_any(&LayerSource::new(&path), &spec).expect_err(&format!(
            "a Shapefile cut at {keep} of {} bytes must be rejected",
            bytes.len()
        ));
        let msg = err.to_string();
        assert_names(&msg, &["b.shp"]);
        if keep > 100 {
            assert_names(&msg, &["record"]);
        }
    }
}

#[test]
fn layer_in_degrees_declared_metric_is_rejected_by_the_project() {
    let dir = tempfile::tempdir().unwrap();
    quartier::init_project(dir.path()).unwrap();
    // the block layer rewritten in longitude/latitude (Essen), the project says EPSG:25832
    let blocks = dir.path().join("data/baubloecke.geojson");
    let square_deg = "[[7.01,51.45],[7.02,51.45],[7.02,51.46],[7.01,51.46],[7.01,51.45]]";
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"gemeinde_id":"G","ortsteil_id":"O","quartier_id":"Q","baublock_id":"B1","name":"x"}},"geometry":{}}}]}}"#,
        polygon(square_deg)
    );
    fs::write(&blocks, text).unwrap();
    let project = quartier::Project::load(&dir.path().join("project.toml")).unwrap();
    let err = quartier::anonymize_project(&project, &mut NoProgress).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::Crs(quartier::CrsError::LooksGeographic { .. })),
        "{msg}"
    );
    assert_names(&msg, &["baubloecke.geojson", "EPSG:25832"]);
    assert!(!msg.contains("7.01") && !msg.contains("51.45"), "{msg}");
}

struct NoProgress;

impl quartier::Progress for NoProgress {
    fn start(&mut self, _: &str) {}
    fn finish(&mut self) {}
}

// ---------------------------------------------------------------------------------------
// Record CSV

fn columns() -> RecordColumns {
    RecordColumns {
        location: RecordLocation::Coordinates {
            x: "x".into(),
            y: "y".into(),
        },
        age: "alter".into(),
        fee_bracket: None,
    }
}

fn read_bytes(
    name: &str,
    bytes: &[u8],
    options: &CsvOptions,
) -> Result<quartier::RecordFile, IoError> {
    read_records_csv_bytes(
        Path::new(name),
        bytes,
        RecordKind::Resident,
        &columns(),
        options,
    )
}

fn read_path(path: &Path) -> Result<quartier::RecordFile, IoError> {
    read_records_csv(
        path,
        RecordKind::Resident,
        &columns(),
        &CsvOptions::default(),
    )
}

#[test]
fn empty_record_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ewo.csv", b"");
    let err = read_path(&path).unwrap_err();
    assert!(
        matches!(
            err,
            IoError::Csv {
                problem: CsvProblem::NoHeader,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names(&err.to_string(), &["ewo.csv", "no header"]);
    // blank lines only: no header either
    let err = read_bytes("ewo.csv", b"\n\r\n \n", &CsvOptions::default()).unwrap_err();
    assert_names(&err.to_string(), &["ewo.csv", "no header"]);
}

#[test]
fn header_only_record_file_has_no_records_and_no_rejections() {
    let file = read_bytes("ewo.csv", b"name;x;y;alter\r\n", &CsvOptions::default()).unwrap();
    assert_eq!(file.records.len(RecordKind::Resident), 0);
    assert!(file.rejected.is_empty());
}

#[test]
fn record_cut_in_a_quoted_field_is_rejected_not_read_short() {
    // the export ends inside a quoted age cell: `"3` must not be read as age 3
    let csv = "name;x;y;alter\n\"Erika Mustermann\";361234,5;5702345;41\n\"Max Mustermann\";361234,5;5702345;\"3";
    let file = read_bytes("ewo.csv", csv.as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!(file.records.len(RecordKind::Resident), 1);
    let r: Vec<_> = file
        .rejected
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.reason))
        .collect();
    assert_eq!(r, [(3, "alter", RejectReason::UnbalancedQuote)]);
    assert_no_canary(&file, &file.rejected[0].to_string());
}

#[test]
fn unclosed_quote_in_an_unread_column_does_not_swallow_the_rows_after_it() {
    // a stray quote in the (unread) name column would run to the end of the file and
    // silently take the following rows with it
    let csv = "x;y;alter;name\n\
               361234;5702345;41;\"Erika Mustermann\n\
               361234;5702345;42;Max\n\
               361234;5702345;43;Moritz\n";
    let file = read_bytes("ewo.csv", csv.as_bytes(), &CsvOptions::default()).unwrap();
    let r: Vec<_> = file
        .rejected
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.reason))
        .collect();
    assert_eq!(r, [(2, "name", RejectReason::UnbalancedQuote)]);
    let ages: Vec<u8> = file.records.residents().iter().map(|r| r.age).collect();
    assert_eq!(ages, [42, 43], "the rows after the broken one are read");
    assert_no_canary(&file, &file.rejected[0].to_string());
}

#[test]
fn a_line_over_the_limit_is_rejected_without_reading_it_whole() {
    // a sparse file: a header, two rows, then a 2 GiB line of NUL bytes that takes no disk
    // space; the reader must stop after the limit, not allocate 2 GiB
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ewo.csv");
    let mut f = fs::File::create(&path).unwrap();
    f.write_all(b"x;y;alter\n361234;5702345;41\n361234;5702345;42\n")
        .unwrap();
    f.set_len(2 * 1024 * 1024 * 1024 + 100).unwrap();
    drop(f);
    let started = std::time::Instant::now();
    let err = read_path(&path).unwrap_err();
    assert!(
        started.elapsed().as_secs() < 20,
        "the reader must stop early"
    );
    assert!(
        matches!(
            err,
            IoError::Csv {
                problem: CsvProblem::LineTooLong {
                    line: 4,
                    limit_bytes: quartier::MAX_CSV_LINE_BYTES
                },
                ..
            }
        ),
        "{err:?}"
    );
    assert_names(
        &err.to_string(),
        &["ewo.csv", "line 4", "longer than 1048576 bytes"],
    );
}

#[test]
fn a_line_just_within_the_limit_is_read() {
    // the limit counts the bytes of a line without its terminator
    let dir = tempfile::tempdir().unwrap();
    let head = b"x;y;alter;name\n361234;5702345;41;";
    let mut bytes = head.to_vec();
    let line_start = b"x;y;alter;name\n".len();
    bytes.resize(line_start + quartier::MAX_CSV_LINE_BYTES, b'a');
    bytes.extend_from_slice(b"\r\n361234;5702345;42;b\n");
    let path = write(dir.path(), "ewo.csv", &bytes);
    let file = read_path(&path).unwrap();
    assert_eq!(file.records.len(RecordKind::Resident), 2);
    // one byte more: rejected, naming line 2
    bytes.insert(line_start, b'a');
    let path = write(dir.path(), "ewo.csv", &bytes);
    let err = read_path(&path).unwrap_err();
    assert_names(&err.to_string(), &["ewo.csv", "line 2"]);
    // a file with bare carriage returns (old Mac line ends) is many short lines
    // (over 1 MiB in all, no `\n` at all)
    let mut big = b"x;y;alter\r361234;5702345;41\r".to_vec();
    for _ in 0..(quartier::MAX_CSV_LINE_BYTES / 16) {
        big.extend_from_slice(b"361234;5702345;41\r");
    }
    assert!(big.len() > quartier::MAX_CSV_LINE_BYTES);
    let path = write(dir.path(), "mac.csv", &big);
    let file = read_path(&path).unwrap();
    assert_eq!(
        file.records.len(RecordKind::Resident),
        1 + quartier::MAX_CSV_LINE_BYTES / 16
    );
}

#[test]
fn non_finite_and_huge_coordinates_are_counted_as_invalid_coordinates() {
    let csv = "x;y;alter\n\
               NaN;5702345;40\n\
               inf;5702345;41\n\
               361234;-Infinity;42\n\
               1e300;5702345;43\n\
               361234;1e400;44\n\
               361234;5702345;45\n";
    let file = read_bytes("ewo.csv", csv.as_bytes(), &CsvOptions::default()).unwrap();
    let k = RecordKind::Resident;
    assert_eq!(file.records.len(k), 6, "every row is a record");
    assert!(file.rejected.is_empty());
    let (xs, ys) = file.records.coordinates(k);
    let invalid = xs
        .iter()
        .zip(ys.iter())
        .filter(|(x, y)| !x.is_finite() || !y.is_finite())
        .count();
    assert_eq!(invalid, 5);
    // the pipeline counts them, and the last row is assigned
    let h = quartier::musterstadt_with(1, &quartier::DemoConfig::SMALL)
        .unwrap()
        .hierarchy;
    let counts = count_records(&h, &file.records, &AssignOptions::default()).unwrap();
    let p = counts.protocol();
    let d = p.datasets.iter().find(|d| d.kind == k).unwrap();
    assert_eq!((d.read, d.invalid_coordinate), (6, 5));
    assert!(d.is_balanced());
}

#[test]
fn latin1_declared_utf8_rejects_rows_by_encoding() {
    // `Müller` in Latin-1 in a read column (age cell `4\xFC`), declared UTF-8
    let csv = b"x;y;alter;name\n361234;5702345;4\xFC;M\xFCller\n361234;5702345;41;M\xFCller\n";
    let options = CsvOptions {
        encoding: CsvEncoding::Utf8,
        ..CsvOptions::default()
    };
    let file = read_bytes("ewo.csv", csv, &options).unwrap();
    let r: Vec<_> = file
        .rejected
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.reason))
        .collect();
    assert_eq!(r, [(2, "alter", RejectReason::Encoding)]);
    assert_eq!(
        file.records.len(RecordKind::Resident),
        1,
        "an unread column is not decoded"
    );
    // a Latin-1 header name declared UTF-8: an error of the file naming the column position
    let err = read_bytes("ewo.csv", b"x;y;\xC4lter\n1;2;3\n", &options).unwrap_err();
    assert!(matches!(
        err,
        IoError::Csv {
            problem: CsvProblem::HeaderEncoding { column: 3 },
            ..
        }
    ));
    assert_names(
        &err.to_string(),
        &["ewo.csv", "header name 3", "windows-1252"],
    );
}

#[test]
fn utf16_file_is_rejected_with_a_hint() {
    for (bom, le) in [(&b"\xFF\xFE"[..], true), (&b"\xFE\xFF"[..], false)] {
        let mut bytes = bom.to_vec();
        for unit in "x;y;alter\r\n361234;5702345;41\r\n".encode_utf16() {
            bytes.extend_from_slice(&if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        for encoding in [
            CsvEncoding::Auto,
            CsvEncoding::Utf8,
            CsvEncoding::Windows1252,
        ] {
            let options = CsvOptions {
                encoding,
                ..CsvOptions::default()
            };
            let err = read_bytes("ewo.csv", &bytes, &options).unwrap_err();
            assert!(
                matches!(
                    err,
                    IoError::Csv {
                        problem: CsvProblem::Utf16,
                        ..
                    }
                ),
                "{err:?}"
            );
            assert_names(&err.to_string(), &["ewo.csv", "UTF-16", "UTF-8"]);
        }
    }
}

#[test]
fn latin1_record_file_declared_utf8_in_the_project_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    quartier::init_project(dir.path()).unwrap();
    let toml = dir.path().join("project.toml");
    let text = fs::read_to_string(&toml).unwrap();
    // the residents' export is Windows-1252; declare it UTF-8
    let from = "format = { delimiter = \";\", encoding = \"windows-1252\", decimal = \",\" }";
    assert_eq!(text.matches(from).count(), 1);
    let text = text.replacen(
        from,
        "format = { delimiter = \";\", encoding = \"utf-8\", decimal = \",\" }",
        1,
    );
    fs::write(&toml, text).unwrap();
    // plant a Latin-1 byte into the age cell of data line 1
    let csv = dir.path().join("data/einwohner.csv");
    let mut bytes = fs::read(&csv).unwrap();
    let header = fs::read(&csv)
        .unwrap()
        .split(|&b| b == b'\n')
        .next()
        .unwrap()
        .to_vec();
    let header = String::from_utf8_lossy(&header).to_string();
    let age_col = header
        .trim_end()
        .split(';')
        .position(|c| c == "Alter")
        .expect("Alter column");
    let line_start = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let line_end = line_start
        + bytes[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap();
    let mut cells: Vec<Vec<u8>> = bytes[line_start..line_end]
        .split(|&b| b == b';')
        .map(<[u8]>::to_vec)
        .collect();
    cells[age_col] = b"4\xFC".to_vec();
    let line = cells.join(&b';');
    bytes.splice(line_start..line_end, line);
    fs::write(&csv, bytes).unwrap();
    let project = quartier::Project::load(&toml).unwrap();
    let out = quartier::anonymize_project(&project, &mut NoProgress).unwrap();
    let residents = out
        .datasets
        .iter()
        .find(|d| d.dataset == "resident")
        .unwrap();
    assert_eq!(
        residents.rejected.get("encoding"),
        Some(&1),
        "{:?}",
        residents.rejected
    );
}
