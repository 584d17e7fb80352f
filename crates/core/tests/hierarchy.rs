//! The hierarchy builder, its validation findings and the GeoJSON reader/writer, through the
//! public API and small hand-made fixtures in `tests/data/hierarchy/`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use geo::{Area, LineString, MultiPolygon, Polygon, polygon};
use quartier::{
    BlockFeature, BlockLayerSpec, Error, Finding, GeoJsonProblem, GeometryProblem,
    HierarchyBuilder, HierarchyError, IoError, JsonErrorKind, Severity, UnitFeature, UnitId,
    read_block_features, read_hierarchy, read_unit_features, read_units, write_units,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hierarchy")
        .join(name)
}

fn spec() -> BlockLayerSpec {
    BlockLayerSpec {
        name_field: Some("name".into()),
        ..BlockLayerSpec::default_fields()
    }
}

/// The findings of validating a block layer file (plus optional given quarters).
fn findings(file: &str, quarters: Option<&str>) -> Vec<Finding> {
    builder(file, quarters).validate().findings().to_vec()
}

fn builder(file: &str, quarters: Option<&str>) -> HierarchyBuilder {
    let spec = spec();
    let mut b = HierarchyBuilder::new(spec.levels.clone());
    for block in read_block_features(&fixture(file), &spec).unwrap() {
        b.add_block(block);
    }
    if let Some(q) = quarters {
        for unit in read_unit_features(&fixture(q), "id", Some("name")).unwrap() {
            b.add_unit(2, unit);
        }
    }
    b
}

fn invalid_report(
    result: Result<(quartier::Hierarchy, quartier::ValidationReport), Error>,
) -> quartier::ValidationReport {
    match result {
        Err(Error::Hierarchy(HierarchyError::Invalid { report })) => report,
        other => panic!("expected an invalid hierarchy, got {other:?}"),
    }
}

fn square(x0: f64, y0: f64, s: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![polygon![
        (x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s)
    ]])
}

// ---------------------------------------------------------------- clean file and dissolve

#[test]
fn clean_file_has_no_finding_and_builds() {
    let (h, report) = read_hierarchy(&fixture("clean.geojson"), &spec()).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.levels(), ["gemeinde", "ortsteil", "quartier", "baublock"]);
    let ids = |level| {
        h.units(level)
            .iter()
            .map(|u| u.id().as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(0), ["5758012"]); // integer id → decimal text
    assert_eq!(ids(1), ["O1", "O2"]);
    assert_eq!(ids(2), ["Q1", "Q2", "Q3"]);
    assert_eq!(ids(3), ["105", "B1", "B2", "B3", "B4"]); // byte order
    // parents
    let parent_id = |level: usize, id: &str| {
        let u = h.unit_by_id(level, id).unwrap();
        h.unit(level - 1, u.parent().unwrap())
            .unwrap()
            .id()
            .as_str()
            .to_owned()
    };
    assert_eq!(parent_id(3, "105"), "Q3");
    assert_eq!(parent_id(3, "B3"), "Q2");
    assert_eq!(parent_id(2, "Q2"), "O1");
    assert_eq!(parent_id(2, "Q3"), "O2");
    assert_eq!(parent_id(1, "O2"), "5758012");
    assert!(h.units(0)[0].parent().is_none());
    assert_eq!(h.unit_by_id(3, "B1").unwrap().name(), Some("Am Markt"));
    assert_eq!(h.unit_by_id(3, "B2").unwrap().name(), None);
    assert_eq!(h.ancestors(3, 1).unwrap(), vec![1, 0, 0, 0, 1]);
}

#[test]
fn dissolved_areas_equal_the_sum_of_block_areas() {
    let (h, _) = read_hierarchy(&fixture("clean.geojson"), &spec()).unwrap();
    for level in 0..3 {
        let map = h.ancestors(3, level).unwrap();
        for (pos, unit) in h.units(level).iter().enumerate() {
            let sum: f64 = h
                .blocks()
                .iter()
                .zip(&map)
                .filter(|(_, a)| **a == pos)
                .map(|(b, _)| b.geometry().unsigned_area())
                .sum();
            let area = unit.geometry().unsigned_area();
            assert!(sum > 0.0);
            assert!(
                (area - sum).abs() < 1e-6,
                "{} {}: {area} vs {sum}",
                level,
                unit.id()
            );
        }
    }
    assert!((h.units(0)[0].geometry().unsigned_area() - 500.0).abs() < 1e-6);
}

#[test]
fn union_of_adjacent_squares_is_one_polygon() {
    let (h, _) = read_hierarchy(&fixture("clean.geojson"), &spec()).unwrap();
    let q1 = h.unit_by_id(2, "Q1").unwrap().geometry();
    assert_eq!(q1.0.len(), 1);
    assert!(q1.0[0].interiors().is_empty());
    assert!((q1.unsigned_area() - 200.0).abs() < 1e-9);
    // one ring around 0..20 × 0..10: the shared edge at x = 10 is gone (5 positions: a
    // rectangle, or 6 with the collinear vertex at (10, 0) or (10, 10) kept — but never the
    // interior edge)
    let town = h.units(0)[0].geometry();
    assert_eq!(town.0.len(), 1);
    for c in town.0[0].exterior().coords() {
        assert!(
            c.y == 0.0 || c.y == 10.0 || c.x == 0.0 || c.x == 50.0,
            "{c:?}"
        );
    }
}

#[test]
fn multipolygon_blocks_are_read_and_dissolved() {
    let (h, report) = read_hierarchy(&fixture("multipolygon.geojson"), &spec()).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.unit_by_id(3, "105").unwrap().geometry().0.len(), 2);
    let q3 = h.unit_by_id(2, "Q3").unwrap().geometry();
    assert_eq!(q3.0.len(), 1);
    assert!((q3.unsigned_area() - 200.0).abs() < 1e-9);
}

#[test]
fn build_is_deterministic() {
    let a = read_hierarchy(&fixture("clean.geojson"), &spec())
        .unwrap()
        .0;
    let b = read_hierarchy(&fixture("clean.geojson"), &spec())
        .unwrap()
        .0;
    for level in 0..4 {
        let ga: Vec<_> = a
            .units(level)
            .iter()
            .map(|u| u.geometry().clone())
            .collect();
        let gb: Vec<_> = b
            .units(level)
            .iter()
            .map(|u| u.geometry().clone())
            .collect();
        assert_eq!(ga, gb);
    }
}

// ---------------------------------------------------------------- one test per finding

#[test]
fn duplicate_block_id_is_an_error() {
    let f = findings("duplicate_id.geojson", None);
    assert_eq!(
        f,
        [Finding::DuplicateId {
            level: 3,
            feature: 2,
            id: UnitId::new("B2"),
            first_feature: 1
        }]
    );
    assert_eq!(f[0].severity(), Severity::Error);
    let report = invalid_report(read_hierarchy(&fixture("duplicate_id.geojson"), &spec()));
    assert_eq!(report.findings(), f);
    assert!(
        report
            .to_string()
            .contains("baublock B2 (feature 2): duplicate id")
    );
}

#[test]
fn duplicate_given_unit_is_an_error() {
    let mut b = builder("clean.geojson", Some("quartiere.geojson"));
    b.add_unit(
        2,
        UnitFeature {
            feature: 7,
            id: "Q1".into(),
            name: None,
            geometry: None,
        },
    );
    let f = b.validate();
    assert!(f.findings().contains(&Finding::DuplicateId {
        level: 2,
        feature: 7,
        id: UnitId::new("Q1"),
        first_feature: 0
    }));
}

#[test]
fn orphan_when_parent_is_not_among_given_units() {
    // quartiere.geojson gives Q1 and Q2, but blocks B4 and 105 are in Q3
    let f = findings("clean.geojson", Some("quartiere.geojson"));
    assert_eq!(
        f,
        [
            Finding::Orphan {
                level: 3,
                feature: 4,
                id: UnitId::new("105"),
                parent_id: UnitId::new("Q3")
            },
            Finding::Orphan {
                level: 3,
                feature: 3,
                id: UnitId::new("B4"),
                parent_id: UnitId::new("Q3")
            },
        ]
    );
    assert!(f.iter().all(|x| x.severity() == Severity::Error));
}

#[test]
fn given_names_are_used_and_geometry_none_is_dissolved() {
    let mut b = builder("clean.geojson", Some("quartiere.geojson"));
    b.add_unit(
        2,
        UnitFeature {
            feature: 2,
            id: "Q3".into(),
            name: Some("Nord".into()),
            geometry: None,
        },
    );
    let (h, report) = b.build().unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.unit_by_id(2, "Q1").unwrap().name(), Some("Altstadt"));
    assert_eq!(h.unit_by_id(2, "Q3").unwrap().name(), Some("Nord"));
    assert!((h.unit_by_id(2, "Q1").unwrap().geometry().unsigned_area() - 200.0).abs() < 1e-9);
}

#[test]
fn unused_given_unit_is_a_warning_and_left_out() {
    let mut b = builder("clean.geojson", None);
    b.add_unit(
        1,
        UnitFeature {
            feature: 0,
            id: "O1".into(),
            name: None,
            geometry: None,
        },
    );
    b.add_unit(
        1,
        UnitFeature {
            feature: 1,
            id: "O2".into(),
            name: None,
            geometry: None,
        },
    );
    b.add_unit(
        1,
        UnitFeature {
            feature: 2,
            id: "O9".into(),
            name: None,
            geometry: None,
        },
    );
    let (h, report) = b.build().unwrap();
    assert_eq!(
        report.findings(),
        [Finding::UnusedUnit {
            level: 1,
            feature: 2,
            id: UnitId::new("O9")
        }]
    );
    assert_eq!(h.units(1).len(), 2);
}

#[test]
fn parent_conflict_is_an_error() {
    // Q2 is in O1 for block B3 (feature 2) and in O2 for block B6 (feature 5)
    let f = findings("parent_conflict.geojson", None);
    assert_eq!(
        f,
        [Finding::ParentConflict {
            level: 2,
            feature: 5,
            id: UnitId::new("Q2"),
            first_parent: UnitId::new("O1"),
            other_parent: UnitId::new("O2"),
        }]
    );
    invalid_report(read_hierarchy(&fixture("parent_conflict.geojson"), &spec()));
}

#[test]
fn unclosed_ring_is_a_finding_of_read_hierarchy_and_an_error_of_the_strict_reader() {
    let report = invalid_report(read_hierarchy(&fixture("unclosed_ring.geojson"), &spec()));
    assert_eq!(
        report.findings(),
        [Finding::InvalidGeometry {
            level: 3,
            feature: 1,
            id: UnitId::new("B2"),
            problem: GeometryProblem::UnclosedRing,
        }]
    );
    let err = read_block_features(&fixture("unclosed_ring.geojson"), &spec()).unwrap_err();
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
fn too_short_ring_is_an_error() {
    let report = invalid_report(read_hierarchy(&fixture("too_few_points.geojson"), &spec()));
    assert_eq!(
        report.findings(),
        [Finding::InvalidGeometry {
            level: 3,
            feature: 1,
            id: UnitId::new("B2"),
            problem: GeometryProblem::TooFewPoints,
        }]
    );
}

#[test]
fn bow_tie_is_a_self_intersection() {
    let report = invalid_report(read_hierarchy(&fixture("bow_tie.geojson"), &spec()));
    assert_eq!(
        report.findings(),
        [Finding::InvalidGeometry {
            level: 3,
            feature: 1,
            id: UnitId::new("B2"),
            problem: GeometryProblem::SelfIntersection,
        }]
    );
    assert!(
        report
            .to_string()
            .starts_with("error: baublock B2 (feature 1): invalid geometry")
    );
}

#[test]
fn nan_and_infinite_coordinates_are_errors() {
    let mut b = HierarchyBuilder::new(["quartier", "baublock"]);
    b.add_block(BlockFeature {
        feature: 0,
        ids: vec!["Q".into(), "A".into()],
        name: None,
        geometry: square(0.0, 0.0, 10.0),
    });
    let nan = MultiPolygon::new(vec![
        polygon![(x: 10.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 20.0, y: 10.0)],
    ]);
    let inf = MultiPolygon::new(vec![
        polygon![(x: 30.0, y: 0.0), (x: 40.0, y: f64::NEG_INFINITY), (x: 40.0, y: 10.0)],
    ]);
    b.add_block(BlockFeature {
        feature: 1,
        ids: vec!["Q".into(), "N".into()],
        name: None,
        geometry: nan,
    });
    b.add_block(BlockFeature {
        feature: 2,
        ids: vec!["Q".into(), "I".into()],
        name: None,
        geometry: inf,
    });
    let report = b.validate();
    assert_eq!(
        report.findings(),
        [
            Finding::InvalidGeometry {
                level: 1,
                feature: 1,
                id: UnitId::new("N"),
                problem: GeometryProblem::NonFiniteCoordinate
            },
            Finding::InvalidGeometry {
                level: 1,
                feature: 2,
                id: UnitId::new("I"),
                problem: GeometryProblem::NonFiniteCoordinate
            },
        ]
    );
    assert!(matches!(b.build(), Err(HierarchyError::Invalid { .. })));
}

#[test]
fn empty_geometry_is_an_error() {
    let mut b = HierarchyBuilder::new(["quartier", "baublock"]);
    b.add_block(BlockFeature {
        feature: 0,
        ids: vec!["Q".into(), "A".into()],
        name: None,
        geometry: MultiPolygon::new(vec![]),
    });
    b.add_block(BlockFeature {
        feature: 1,
        ids: vec!["Q".into(), "B".into()],
        name: None,
        geometry: MultiPolygon::new(vec![Polygon::new(LineString::new(vec![]), vec![])]),
    });
    assert_eq!(
        b.validate().findings(),
        [
            Finding::InvalidGeometry {
                level: 1,
                feature: 0,
                id: UnitId::new("A"),
                problem: GeometryProblem::Empty
            },
            Finding::InvalidGeometry {
                level: 1,
                feature: 1,
                id: UnitId::new("B"),
                problem: GeometryProblem::Empty
            },
        ]
    );
}

#[test]
fn overlap_is_a_warning_with_its_area() {
    // B2 moved to 5..15: overlaps B1 (0..10) by 50 m² and B3 (20..30) not at all
    let (h, report) = read_hierarchy(&fixture("overlap.geojson"), &spec()).unwrap();
    assert_eq!(report.findings().len(), 1, "{report}");
    let Finding::Overlap {
        level,
        feature,
        id,
        other_feature,
        other_id,
        area_m2,
    } = &report.findings()[0]
    else {
        panic!("{report}");
    };
    assert_eq!(
        (
            *level,
            *feature,
            id.as_str(),
            *other_feature,
            other_id.as_str()
        ),
        (3, 0, "B1", 1, "B2")
    );
    assert!((area_m2 - 50.0).abs() < 1e-9);
    assert_eq!(report.findings()[0].severity(), Severity::Warning);
    assert!(report.is_valid());
    // a dissolved quarter counts the overlap once
    assert!((h.unit_by_id(2, "Q1").unwrap().geometry().unsigned_area() - 150.0).abs() < 1e-9);
    // above the tolerance → not reported
    let b = builder("overlap.geojson", None).with_overlap_tolerance_m2(50.0);
    assert!(b.validate().is_empty());
}

#[test]
fn gap_and_excess_of_given_geometries_are_warnings() {
    // Q1 given as 0..20 × 0..12 (40 m² without blocks); Q2 exact; Q3 given as 30..45 while its
    // blocks reach 50 (50 m² outside)
    let b = builder("clean.geojson", Some("quartiere_gap.geojson"));
    let (h, report) = b.clone().build().unwrap();
    let f = report.findings();
    assert_eq!(f.len(), 2, "{report}");
    assert!(
        matches!(&f[0], Finding::Gap { level: 2, feature: 0, id, area_m2 } if id.as_str() == "Q1" && (area_m2 - 40.0).abs() < 1e-9)
    );
    assert!(
        matches!(&f[1], Finding::Excess { level: 2, feature: 2, id, area_m2 } if id.as_str() == "Q3" && (area_m2 - 50.0).abs() < 1e-9)
    );
    assert!(f.iter().all(|x| x.severity() == Severity::Warning));
    assert_eq!(report.warnings().count(), 2);
    assert_eq!(report.errors().count(), 0);
    // the given geometry is kept, not replaced by the dissolved one
    assert!((h.unit_by_id(2, "Q1").unwrap().geometry().unsigned_area() - 240.0).abs() < 1e-9);
    // tolerance above both areas silences them
    assert!(b.with_gap_tolerance_m2(60.0).validate().is_empty());
}

#[test]
fn overlapping_given_units_are_reported() {
    let mut b = builder("clean.geojson", None);
    b.add_unit(
        2,
        UnitFeature {
            feature: 0,
            id: "Q1".into(),
            name: None,
            geometry: Some(square(0.0, 0.0, 20.0)),
        },
    );
    b.add_unit(
        2,
        UnitFeature {
            feature: 1,
            id: "Q2".into(),
            name: None,
            geometry: Some(square(15.0, 0.0, 15.0)),
        },
    );
    let report = b.validate();
    assert!(report.findings().iter().any(|f| matches!(f,
        Finding::Overlap { level: 2, id, other_id, area_m2, .. }
            if id.as_str() == "Q1" && other_id.as_str() == "Q2" && (area_m2 - 75.0).abs() < 1e-9)));
}

#[test]
fn wrong_id_count_and_empty_id() {
    let mut b = HierarchyBuilder::new(["quartier", "baublock"]);
    b.add_block(BlockFeature {
        feature: 0,
        ids: vec!["Q".into(), "A".into()],
        name: None,
        geometry: square(0.0, 0.0, 10.0),
    });
    b.add_block(BlockFeature {
        feature: 1,
        ids: vec!["B".into()],
        name: None,
        geometry: square(10.0, 0.0, 10.0),
    });
    b.add_block(BlockFeature {
        feature: 2,
        ids: vec!["".into(), "C".into()],
        name: None,
        geometry: square(20.0, 0.0, 10.0),
    });
    assert_eq!(
        b.validate().findings(),
        [
            Finding::WrongIdCount {
                feature: 1,
                expected: 2,
                got: 1
            },
            Finding::EmptyId {
                level: 0,
                feature: 2
            },
        ]
    );
    assert!(matches!(
        b.build(),
        Err(HierarchyError::WrongIdCount {
            feature: 1,
            expected: 2,
            got: 1
        })
    ));
}

#[test]
fn report_display_has_one_line_per_finding() {
    let report = invalid_report(read_hierarchy(&fixture("parent_conflict.geojson"), &spec()));
    let text = report.to_string();
    assert_eq!(text.lines().count(), report.findings().len());
    assert_eq!(
        text.trim_end(),
        "error: quartier Q2 (feature 5): parent O2 conflicts with parent O1 named by an earlier block"
    );
}

// ---------------------------------------------------------------- reader errors

fn geojson_problem(err: &IoError) -> (Option<usize>, Option<&str>, &GeoJsonProblem) {
    match err {
        IoError::GeoJson {
            feature,
            field,
            problem,
            ..
        } => (*feature, field.as_deref(), problem),
        other => panic!("expected a geojson error, got {other:?}"),
    }
}

#[test]
fn malformed_json_names_line_and_column() {
    let err = read_block_features(&fixture("malformed.geojson"), &spec()).unwrap_err();
    let (feature, _, problem) = geojson_problem(&err);
    assert_eq!(feature, None);
    assert!(
        matches!(
            problem,
            GeoJsonProblem::Malformed {
                line: 3,
                kind: JsonErrorKind::Syntax,
                ..
            }
        ),
        "{problem:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("malformed.geojson") && msg.contains("line 3"),
        "{msg}"
    );
}

#[test]
fn not_a_feature_collection() {
    let err = read_block_features(&fixture("feature.geojson"), &spec()).unwrap_err();
    assert_eq!(
        geojson_problem(&err).2,
        &GeoJsonProblem::NotFeatureCollection {
            found: "Feature".into()
        }
    );
}

#[test]
fn empty_feature_collection() {
    let err = read_block_features(&fixture("empty.geojson"), &spec()).unwrap_err();
    assert_eq!(geojson_problem(&err).2, &GeoJsonProblem::EmptyCollection);
    assert!(err.to_string().contains("empty.geojson"));
}

#[test]
fn point_and_geometry_collection_are_rejected() {
    let err = read_block_features(&fixture("point.geojson"), &spec()).unwrap_err();
    assert_eq!(
        geojson_problem(&err),
        (
            Some(0),
            None,
            &GeoJsonProblem::UnsupportedGeometry { found: "Point" }
        )
    );
    let err = read_block_features(&fixture("geometry_collection.geojson"), &spec()).unwrap_err();
    assert_eq!(
        geojson_problem(&err),
        (
            Some(0),
            None,
            &GeoJsonProblem::UnsupportedGeometry {
                found: "GeometryCollection"
            }
        )
    );
    let err = read_units(&fixture("point.geojson"), "block_id").unwrap_err();
    assert!(matches!(
        geojson_problem(&err).2,
        GeoJsonProblem::UnsupportedGeometry { .. }
    ));
}

#[test]
fn missing_id_field_names_feature_and_field() {
    let err = read_block_features(&fixture("missing_field.geojson"), &spec()).unwrap_err();
    assert_eq!(
        geojson_problem(&err),
        (Some(3), Some("quartier_id"), &GeoJsonProblem::MissingField)
    );
    let msg = err.to_string();
    assert!(
        msg.contains("missing_field.geojson: feature 3, field `quartier_id`: missing"),
        "{msg}"
    );
}

#[test]
fn boolean_id_is_rejected() {
    let err = read_block_features(&fixture("bool_id.geojson"), &spec()).unwrap_err();
    assert_eq!(
        geojson_problem(&err),
        (
            Some(2),
            Some("block_id"),
            &GeoJsonProblem::FieldType {
                expected: "a string or an integer",
                found: "a boolean"
            }
        )
    );
}

#[test]
fn missing_file_and_spec_mismatch() {
    let err = read_block_features(&fixture("no_such_file.geojson"), &spec()).unwrap_err();
    assert!(matches!(err, IoError::File { .. }));
    let bad = BlockLayerSpec {
        levels: vec!["a".into()],
        id_fields: vec![],
        name_field: None,
    };
    let err = read_block_features(&fixture("clean.geojson"), &bad).unwrap_err();
    assert_eq!(
        geojson_problem(&err).2,
        &GeoJsonProblem::SpecMismatch {
            levels: 1,
            id_fields: 0
        }
    );
}

#[test]
fn read_units_keeps_file_order_and_rejects_bad_layers() {
    let units = read_units(&fixture("clean.geojson"), "block_id").unwrap();
    let ids: Vec<_> = units.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["B1", "B2", "B3", "B4", "105"]);
    assert!((units[0].1.unsigned_area() - 100.0).abs() < 1e-9);
    let err = read_units(&fixture("duplicate_id.geojson"), "block_id").unwrap_err();
    assert_eq!(
        geojson_problem(&err),
        (
            Some(2),
            Some("block_id"),
            &GeoJsonProblem::DuplicateId { first_feature: 1 }
        )
    );
    let err = read_units(&fixture("bow_tie.geojson"), "block_id").unwrap_err();
    assert_eq!(
        geojson_problem(&err),
        (
            Some(1),
            None,
            &GeoJsonProblem::InvalidGeometry {
                problem: GeometryProblem::SelfIntersection
            }
        )
    );
    let err = read_units(&fixture("unclosed_ring.geojson"), "block_id").unwrap_err();
    assert_eq!(
        geojson_problem(&err).2,
        &GeoJsonProblem::InvalidGeometry {
            problem: GeometryProblem::UnclosedRing
        }
    );
    let err = read_units(&fixture("quartiere.geojson"), "id").unwrap_err();
    assert_eq!(
        geojson_problem(&err),
        (Some(0), None, &GeoJsonProblem::MissingGeometry)
    );
}

// ---------------------------------------------------------------- writer

#[test]
fn write_units_round_trips_and_is_deterministic() {
    let (h, _) = read_hierarchy(&fixture("clean.geojson"), &spec()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.geojson");
    let b = dir.path().join("b.geojson");
    write_units(&a, &h, 2).unwrap();
    write_units(&b, &h, 2).unwrap();
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text, std::fs::read_to_string(&b).unwrap());
    assert_eq!(text.lines().count(), 2 + 3);
    assert!(
        text.contains(r#""parent_id":"O1""#) && text.contains(r#""id":"Q3""#),
        "{text}"
    );
    let back = read_units(&a, "id").unwrap();
    assert_eq!(back.len(), 3);
    for ((id, g), u) in back.iter().zip(h.units(2)) {
        assert_eq!(id, u.id());
        assert_eq!(g, u.geometry());
    }
    // top level: parent_id null; blocks keep their names
    write_units(&a, &h, 0).unwrap();
    assert!(
        std::fs::read_to_string(&a)
            .unwrap()
            .contains(r#""parent_id":null"#)
    );
    write_units(&a, &h, 3).unwrap();
    assert!(
        std::fs::read_to_string(&a)
            .unwrap()
            .contains(r#""name":"Am Markt""#)
    );
    let err = write_units(&a, &h, 4).unwrap_err();
    assert!(matches!(
        err,
        IoError::NoSuchLevel {
            level: 4,
            levels: 4,
            ..
        }
    ));
}

// ---------------------------------------------------------------- scale

/// A grid of `n × n` blocks of 10 m, 10 × 10 blocks per quarter, written as GeoJSON.
fn grid_file(n: usize, dir: &std::path::Path) -> PathBuf {
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (i as f64 * 10.0, j as f64 * 10.0);
            if i + j > 0 {
                s.push_str(",\n");
            }
            s.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"gemeinde_id\":1,\"ortsteil_id\":\"O{}\",\"quartier_id\":\"Q{}-{}\",\"block_id\":\"B{:03}-{:03}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}",
                i / 50, i / 10, j / 10, i, j, x + 10.0, x + 10.0, y + 10.0, y + 10.0
            ));
        }
    }
    s.push_str("\n]}\n");
    let path = dir.join("grid.geojson");
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn grid_of_blocks_builds_without_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = grid_file(20, dir.path());
    let (h, report) = read_hierarchy(&path, &spec()).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.blocks().len(), 400);
    assert_eq!(h.units(2).len(), 4);
    for q in h.units(2) {
        assert_eq!(q.geometry().0.len(), 1);
        assert!((q.geometry().unsigned_area() - 10_000.0).abs() < 1e-6);
    }
}

/// `n × n` quadrilateral blocks whose shared corners are jittered by up to ±3 m, so that the
/// envelopes of neighbours overlap and every neighbour pair needs an exact intersection test.
fn jittered_blocks(n: usize) -> Vec<BlockFeature> {
    let jitter = |i: usize, j: usize, k: u64| {
        let mut h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ k;
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 32;
        (h % 6001) as f64 / 1000.0 - 3.0
    };
    let corner = |i: usize, j: usize| {
        let edge = i == 0 || j == 0 || i == n || j == n;
        let (dx, dy) = if edge {
            (0.0, 0.0)
        } else {
            (jitter(i, j, 1), jitter(i, j, 2))
        };
        (i as f64 * 10.0 + dx, j as f64 * 10.0 + dy)
    };
    let mut out = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let ring = vec![
                corner(i, j),
                corner(i + 1, j),
                corner(i + 1, j + 1),
                corner(i, j + 1),
            ];
            out.push(BlockFeature {
                feature: out.len(),
                ids: vec![
                    "1".into(),
                    format!("O{}", i / 50),
                    format!("Q{}-{}", i / 10, j / 10),
                    format!("B{i:03}-{j:03}"),
                ],
                name: None,
                geometry: MultiPolygon::new(vec![Polygon::new(LineString::from(ring), vec![])]),
            });
        }
    }
    out
}

#[test]
fn jittered_grid_has_no_overlaps_and_keeps_its_area() {
    let mut b = HierarchyBuilder::new(spec().levels);
    for block in jittered_blocks(20) {
        b.add_block(block);
    }
    let (h, report) = b.with_overlap_tolerance_m2(0.0).build().unwrap();
    assert!(report.is_empty(), "{report}");
    let total: f64 = h
        .units(2)
        .iter()
        .map(|q| q.geometry().unsigned_area())
        .sum();
    assert!((total - 40_000.0).abs() < 1e-3, "{total}");
    assert!((h.units(0)[0].geometry().unsigned_area() - 40_000.0).abs() < 1e-3);
    assert_eq!(h.units(0)[0].geometry().0.len(), 1);
}

/// The 10k-block sizes of the bench (`benches/benches/hierarchy.rs` times them): a grid of
/// touching squares read from GeoJSON, and the jittered grid with zero overlap tolerance.
#[test]
fn ten_thousand_blocks_build_without_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = grid_file(100, dir.path());
    let (h, report) = read_hierarchy(&path, &spec()).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.blocks().len(), 10_000);
    assert_eq!(h.units(2).len(), 100);

    let mut b = HierarchyBuilder::new(spec().levels);
    for block in jittered_blocks(100) {
        b.add_block(block);
    }
    let (h, report) = b.with_overlap_tolerance_m2(0.0).build().unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(h.blocks().len(), 10_000);
}

/// Regression (issue 2): without serde_json's `float_roundtrip`, some 17-digit coordinates
/// were parsed one ulp off, so a point exactly on a vertex fell outside its own unit.
#[test]
fn geojson_coordinates_round_trip_exactly() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_pcg::Pcg64::seed_from_u64(17);
    let coords: Vec<(f64, f64)> = (0..2000)
        .map(|_| {
            (
                460_000.0 + rng.random::<f64>() * 1000.0,
                5_780_000.0 + rng.random::<f64>() * 1000.0,
            )
        })
        .collect();
    let mut features = Vec::new();
    for (i, (x, y)) in coords.iter().enumerate() {
        features.push(format!(
            r#"{{"type":"Feature","properties":{{"id":"u{i}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x:?},{y:?}],[{},{y:?}],[{x:?},{}],[{x:?},{y:?}]]]}}}}"#,
            x + 1.0,
            y + 1.0
        ));
    }
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u.geojson");
    std::fs::write(&path, text).unwrap();
    let units = quartier::read_units(&path, "id").unwrap();
    for ((_, mp), (x, y)) in units.iter().zip(&coords) {
        let first = mp.0[0].exterior().0[0];
        assert_eq!(
            (first.x.to_bits(), first.y.to_bits()),
            (x.to_bits(), y.to_bits())
        );
    }
}
