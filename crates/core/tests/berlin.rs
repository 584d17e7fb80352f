//! Real data: the 542 Berlin planning areas (LOR Planungsräume 2021, Shapefile, EPSG:25833)
//! and five layers of facility points (EPSG:25833) with published per-area counts derived by a
//! third party (see `../shared/data/berlin-plr-facilities/SOURCE.md`). Our assignment must
//! reproduce every published count, with no point unassigned.
//!
//! The data lives beside the project in `../shared/data` (or `$QUARTIER_SHARED_DATA`); a
//! missing file is a failure, not a skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use quartier::{AssignOptions, IoError, ShapefileProblem, UnitIndex};

fn data_dir() -> PathBuf {
    std::env::var_os("QUARTIER_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn planning_areas() -> PathBuf {
    data_dir().join("berlin-lor-2021-geometries/lor_planungsraeume_2021.shp")
}

/// All point coordinates of a GeoJSON FeatureCollection of Points / MultiPoints.
fn points(file: &str) -> (Vec<f64>, Vec<f64>) {
    let path = data_dir().join("berlin-plr-facilities").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let fc: geojson::FeatureCollection = text.parse().unwrap();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for f in fc.features {
        match f.geometry.unwrap().value {
            geojson::GeometryValue::Point { coordinates: p } => {
                xs.push(p[0]);
                ys.push(p[1]);
            }
            geojson::GeometryValue::MultiPoint { coordinates: ps } => {
                for p in ps {
                    xs.push(p[0]);
                    ys.push(p[1]);
                }
            }
            other => panic!("unexpected geometry {other:?}"),
        }
    }
    (xs, ys)
}

/// The published count per planning area (an empty cell means 0).
fn published(file: &str, column: &str) -> BTreeMap<String, u64> {
    let path = data_dir().join("berlin-plr-facilities").join(file);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let id = header.iter().position(|h| h == "PLR_ID").unwrap();
    let count = header.iter().position(|h| h == column).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let n = r[count].trim();
            let n = if n.is_empty() {
                0.0
            } else {
                n.parse::<f64>().unwrap()
            };
            (r[id].to_owned(), n as u64)
        })
        .collect()
}

#[test]
fn assignment_reproduces_published_facility_counts_per_planning_area() {
    let units = quartier::read_units(&planning_areas(), "PLR_ID").unwrap();
    assert_eq!(units.len(), 542);
    let index = UnitIndex::new(units).unwrap();
    let layers = [
        (
            "kindertagesstaetten.geojson",
            "kitas_per_plr_simple.csv",
            "kita_count",
            2880,
        ),
        (
            "schulen.geojson",
            "schools_per_plr_simple.csv",
            "school_count",
            902,
        ),
        (
            "apothekenstandorte.geojson",
            "pharmacies_per_plr.csv",
            "pharmacy_count",
            732,
        ),
        (
            "pflegeeinrichtungen.geojson",
            "pflegeeinrichtungen_per_plr_simple.csv",
            "pe_count",
            274,
        ),
        (
            "jugendfreizeiteinrichtungen.geojson",
            "jugendfreizeiteinrichtungen_per_plr.csv",
            "jfe_count",
            407,
        ),
    ];
    for (points_file, counts_file, column, n) in layers {
        let (xs, ys) = points(points_file);
        assert_eq!(xs.len(), n, "{points_file}");
        let a = index.assign(&xs, &ys, &AssignOptions::default()).unwrap();
        assert_eq!(a.summary().assigned, n, "{points_file}: {}", a.summary());
        assert_eq!(
            a,
            index
                .assign_naive(&xs, &ys, &AssignOptions::default())
                .unwrap()
        );
        let mut ours: BTreeMap<String, u64> = index
            .unit_ids()
            .iter()
            .map(|id| (id.to_string(), 0))
            .collect();
        for i in 0..a.len() {
            let unit = &index.unit_ids()[a.unit(i).unwrap()];
            *ours.get_mut(unit.as_str()).unwrap() += 1;
        }
        assert_eq!(ours, published(counts_file, column), "{points_file}");
    }
}

#[test]
fn shapefile_errors_name_file_record_and_field() {
    let err = quartier::read_units(&planning_areas(), "NO_SUCH_FIELD").unwrap_err();
    assert!(
        matches!(
            &err,
            IoError::Shapefile { record: Some(0), field: Some(f), problem: ShapefileProblem::MissingField, .. }
                if f == "NO_SUCH_FIELD"
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("lor_planungsraeume_2021.shp") && msg.contains("record 0"),
        "{msg}"
    );

    // `BEZ` (the district) repeats across areas: a duplicate id.
    let err = quartier::read_units(&planning_areas(), "BEZ").unwrap_err();
    assert!(
        matches!(
            &err,
            IoError::Shapefile {
                problem: ShapefileProblem::DuplicateId { .. },
                ..
            }
        ),
        "{err:?}"
    );
    let err = quartier::read_units(&data_dir().join("nope/missing.shp"), "PLR_ID").unwrap_err();
    assert!(matches!(err, IoError::File { .. }), "{err:?}");
}
