//! CRS: parsing, the transformations of inputs into the project CRS, plausibility checks.
//!
//! Oracles: pyproj (reference coordinates of three town halls, generated once by
//! `tests/data/crs_reference.py`) and the city of Essen's official house coordinates, which
//! give every address both as WGS 84 lon/lat (7 decimals) and as EPSG:4647.
//! The data lives beside the project in `../shared/data` (or `$QUARTIER_SHARED_DATA`); a
//! missing file is a failure, not a skip.
//!
//! Tests of PROJ transformations need the cargo feature `proj`
//! (`cargo test -p quartier --features proj --test crs`); the others run in every build.
//! They assume PROJ finds no BETA2007 grid (no `PROJ_DATA` pointing at one): the references are
//! pyproj's results without grids and network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use quartier::{Crs, CrsError, check_plausible, transform_in_place};

fn data_dir() -> PathBuf {
    std::env::var_os("QUARTIER_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

/// Essen's address points: (lon, lat, x_epsg4647, y_epsg4647) columns.
struct Essen {
    lon: Vec<f64>,
    lat: Vec<f64>,
    x4647: Vec<f64>,
    y4647: Vec<f64>,
    /// The `x_epsg4647` column as written.
    x4647_text: Vec<String>,
}

fn essen() -> Essen {
    let path = data_dir().join("essen-hauskoordinaten-2022/hauskoordinaten_essen_2022-10-05.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (ilon, ilat, ix, iy) = (col("lon"), col("lat"), col("x_epsg4647"), col("y_epsg4647"));
    let mut e = Essen {
        lon: Vec::new(),
        lat: Vec::new(),
        x4647: Vec::new(),
        y4647: Vec::new(),
        x4647_text: Vec::new(),
    };
    for record in reader.records() {
        let r = record.unwrap();
        let num = |i: usize| r[i].parse::<f64>().unwrap();
        e.lon.push(num(ilon));
        e.lat.push(num(ilat));
        e.x4647.push(num(ix));
        e.y4647.push(num(iy));
        e.x4647_text.push(r[ix].to_owned());
    }
    assert_eq!(e.lon.len(), 102_981, "rows of the Essen house coordinates");
    e
}

#[test]
fn text_form_and_serde() {
    let crs: Crs = "EPSG:3035".parse().unwrap();
    assert_eq!(crs, Crs::ETRS89_LAEA);
    assert_eq!(crs.to_string(), "EPSG:3035");
    assert_eq!(
        "4647".parse::<Crs>().unwrap(),
        Crs::ETRS89_UTM32_ZONE_PREFIX
    );
    assert_eq!(Crs::default().epsg(), 25832);

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Dataset {
        crs: Crs,
    }
    let json = serde_json::to_string(&Dataset { crs: Crs::DHDN_GK3 }).unwrap();
    assert_eq!(json, r#"{"crs":"EPSG:31467"}"#);
    for text in [r#"{"crs":"epsg:31467"}"#, r#"{"crs":31467}"#] {
        let d: Dataset = serde_json::from_str(text).unwrap();
        assert_eq!(d.crs, Crs::DHDN_GK3, "{text}");
    }
    let err = serde_json::from_str::<Dataset>(r#"{"crs":"UTM 32"}"#).unwrap_err();
    assert!(err.to_string().contains("invalid crs `UTM 32`"), "{err}");
    let d: Dataset = toml::from_str("crs = \"EPSG:25833\"").unwrap();
    assert_eq!(d.crs, Crs::ETRS89_UTM33);
}

#[test]
fn names_kinds_and_srs() {
    assert_eq!(Crs::WGS84.name(), Some("WGS 84"));
    assert_eq!(Crs::ETRS89_UTM33.name(), Some("ETRS89 / UTM zone 33N"));
    assert_eq!(
        Crs::DHDN_GK2.name(),
        Some("DHDN / 3-degree Gauss-Kruger zone 2")
    );
    assert!(Crs::ETRS89.is_geographic() && Crs::WGS84.is_geographic());
    for crs in [
        Crs::DHDN_GK2,
        Crs::DHDN_GK3,
        Crs::DHDN_GK4,
        Crs::ETRS89_UTM32,
        Crs::ETRS89_UTM33,
        Crs::ETRS89_LAEA,
        Crs::ETRS89_UTM32_ZONE_PREFIX,
    ] {
        assert!(crs.is_metric() && !crs.is_geographic(), "{crs}");
    }
    assert_eq!(Crs::ETRS89_UTM32.srs(), quartier::Srs::etrs89_utm32());
    assert_eq!(Crs::ETRS89_UTM33.srs(), quartier::Srs::etrs89_utm33());
    assert_eq!(Crs::WGS84.srs().id, 4326);
    assert_eq!(Crs::DHDN_GK3.srs(), quartier::Srs::epsg(31467));
}

#[test]
fn identity_leaves_finite_points_and_blanks_non_finite_ones() {
    let mut xs = vec![362_045.7, f64::NAN, 1.0, f64::NEG_INFINITY];
    let mut ys = vec![5_702_595.0, 2.0, f64::INFINITY, 3.0];
    for crs in [
        Crs::ETRS89_UTM32,
        Crs::DHDN_GK3,
        Crs::from_epsg(2056).unwrap(),
    ] {
        transform_in_place(crs, crs, &mut xs, &mut ys).unwrap();
        assert_eq!((xs[0], ys[0]), (362_045.7, 5_702_595.0));
        for i in 1..4 {
            assert!(xs[i].is_nan() && ys[i].is_nan(), "{i}");
        }
    }
    let err = transform_in_place(Crs::WGS84, Crs::WGS84, &mut [1.0], &mut []).unwrap_err();
    assert_eq!(err, CrsError::LengthMismatch { xs: 1, ys: 0 });
}

/// EPSG:4647 → EPSG:25832 without PROJ, on Essen's official coordinates, and back.
#[test]
fn zone_prefix_shift_on_essen() {
    let e = essen();
    let (mut xs, mut ys) = (e.x4647.clone(), e.y4647.clone());
    transform_in_place(
        Crs::ETRS89_UTM32_ZONE_PREFIX,
        Crs::ETRS89_UTM32,
        &mut xs,
        &mut ys,
    )
    .unwrap();
    for i in 0..xs.len() {
        // The independent form of the definition: drop the leading "32" of the easting.
        // (Some eastings have decimals; the subtraction rounds in the last bits.)
        let text = &e.x4647_text[i];
        assert_eq!(&text[..2], "32", "row {i}");
        let expected = text[2..].parse::<f64>().unwrap();
        assert!((xs[i] - expected).abs() < 1e-6, "row {i}");
        assert_eq!(ys[i], e.y4647[i]);
    }
    check_plausible(Crs::ETRS89_UTM32, &xs, &ys).unwrap();
    transform_in_place(
        Crs::ETRS89_UTM32,
        Crs::ETRS89_UTM32_ZONE_PREFIX,
        &mut xs,
        &mut ys,
    )
    .unwrap();
    assert_eq!(xs, e.x4647);
    assert_eq!(ys, e.y4647);
}

#[test]
fn plausibility_on_essen() {
    let e = essen();
    let n = e.lon.len();
    // The zone-prefixed columns declared as EPSG:25832: names the prefix and EPSG:4647.
    let err = check_plausible(Crs::ETRS89_UTM32, &e.x4647, &e.y4647)
        .unwrap_err()
        .in_dataset("hauskoordinaten.csv");
    assert_eq!(
        err,
        CrsError::LooksZonePrefixed {
            dataset: Some("hauskoordinaten.csv".to_owned()),
            declared: Crs::ETRS89_UTM32,
            zone: 32,
            suggested: Crs::ETRS89_UTM32_ZONE_PREFIX,
            count: n,
            finite: n,
        }
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("dataset `hauskoordinaten.csv`: 102981 of 102981 eastings"),
        "{msg}"
    );
    assert!(
        msg.contains("zone prefix 32") && msg.contains("EPSG:4647"),
        "{msg}"
    );
    assert!(
        msg.contains("`crs` of the dataset in project.toml"),
        "{msg}"
    );
    check_plausible(Crs::ETRS89_UTM32_ZONE_PREFIX, &e.x4647, &e.y4647).unwrap();

    // lon/lat declared as EPSG:25832 (and every other metric CRS): names `crs`.
    for declared in [Crs::ETRS89_UTM32, Crs::DHDN_GK3, Crs::ETRS89_LAEA] {
        let err = check_plausible(declared, &e.lon, &e.lat).unwrap_err();
        assert!(
            matches!(err, CrsError::LooksGeographic { count, finite, .. } if count == n && finite == n),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("look like longitude/latitude (EPSG:4326)"),
            "{msg}"
        );
        assert!(msg.contains(&format!("declared in {declared}")), "{msg}");
        assert!(
            msg.contains("set `crs` of the dataset in project.toml"),
            "{msg}"
        );
    }
    check_plausible(Crs::WGS84, &e.lon, &e.lat).unwrap();
    check_plausible(Crs::ETRS89, &e.lon, &e.lat).unwrap();

    // Projected metres declared as lon/lat.
    let err = check_plausible(Crs::WGS84, &e.x4647, &e.y4647).unwrap_err();
    assert!(
        matches!(
            err,
            CrsError::LooksProjected {
                declared: Crs::WGS84,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("set `crs` of the dataset in project.toml")
    );
}

/// No message or Debug output of a plausibility error contains a coordinate.
#[test]
fn plausibility_errors_name_no_coordinate() {
    let xs = [7.0143, 7.0152, 1e9];
    let ys = [51.4577, 51.4581, 5.0];
    let err = check_plausible(Crs::ETRS89_UTM32, &xs, &ys).unwrap_err();
    assert!(matches!(
        err,
        CrsError::LooksGeographic {
            count: 2,
            finite: 3,
            ..
        }
    ));
    let texts = [err.to_string(), format!("{err:?}")];
    for text in texts {
        for needle in ["7.01", "51.45", "51.46", "1000000000", "1e9"] {
            assert!(!text.contains(needle), "{text}");
        }
    }
}

#[test]
fn plausibility_thresholds() {
    // Half of the finite points is enough; fewer is not; NaN points do not count.
    let xs = [7.0, 362_045.0, f64::NAN, f64::NAN];
    let ys = [51.0, 5_702_595.0, 51.0, f64::NAN];
    assert!(matches!(
        check_plausible(Crs::ETRS89_UTM32, &xs, &ys),
        Err(CrsError::LooksGeographic {
            count: 1,
            finite: 2,
            ..
        })
    ));
    let xs = [7.0, 362_045.0, 362_046.0];
    let ys = [51.0, 5_702_595.0, 5_702_596.0];
    check_plausible(Crs::ETRS89_UTM32, &xs, &ys).unwrap();
    check_plausible(Crs::ETRS89_UTM32, &[], &[]).unwrap();
    check_plausible(Crs::ETRS89_UTM32, &[f64::NAN], &[f64::NAN]).unwrap();
    // Unknown codes are not checked.
    check_plausible(Crs::from_epsg(2056).unwrap(), &[7.0], &[51.0]).unwrap();
    // Zone 33 prefix declared as 25833 suggests EPSG:5650.
    let err = check_plausible(Crs::ETRS89_UTM33, &[33_392_020.0], &[5_819_912.0]).unwrap_err();
    assert!(
        matches!(err, CrsError::LooksZonePrefixed { zone: 33, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("EPSG:5650"));
}

/// Without PROJ, any pair but identity and 4647 ↔ 25832 is a clear error.
#[cfg(not(feature = "proj"))]
#[test]
fn without_proj_other_pairs_are_unsupported() {
    for (from, to) in [
        (Crs::WGS84, Crs::ETRS89_UTM32),
        (Crs::DHDN_GK3, Crs::ETRS89_UTM32),
        (Crs::ETRS89_LAEA, Crs::ETRS89_UTM32),
        (Crs::ETRS89_UTM32_ZONE_PREFIX, Crs::ETRS89_UTM33),
    ] {
        let (mut xs, mut ys) = (vec![7.0143], vec![51.4577]);
        let err = transform_in_place(from, to, &mut xs, &mut ys).unwrap_err();
        assert_eq!(err, CrsError::Unsupported { from, to });
        let msg = err.to_string();
        assert!(msg.contains("lacks PROJ (cargo feature `proj`)"), "{msg}");
        assert!(
            msg.contains(&format!("give the input in the project crs {to}")),
            "{msg}"
        );
        assert!(!msg.contains("7.01") && !msg.contains("51.45"), "{msg}");
        assert_eq!((xs[0], ys[0]), (7.0143, 51.4577), "left untouched");
        let umbrella: quartier::Error = err.into();
        assert!(umbrella.to_string().contains("lacks PROJ"));
    }
}

/// pyproj's results for three town halls, every ordered pair of their CRSs; generated once by
/// `PROJ_NETWORK=OFF .venv/bin/python crates/core/tests/data/crs_reference.py` (the comment
/// above each row is the operation pyproj used).
/// Rows: (point, from, to, x_from, y_from, x_to, y_to).
#[cfg(feature = "proj")]
#[rustfmt::skip]
const REFERENCE: &[(&str, u32, u32, f64, f64, f64, f64)] = &[
    // pyproj 3.7.2, PROJ 9.5.1, PROJ_NETWORK=OFF
    // axis order change (2D) + Inverse of ETRS89 to WGS 84 (1) + UTM zone 32N
    ("essen_rathaus", 4326, 25832, 7.0143, 51.4577, 362045.7146485705, 5702594.951426811),
    // axis order change (2D) + Inverse of DHDN to WGS 84 (2) + 3-degree Gauss-Kruger zone 3 + axis order change (2D)
    ("essen_rathaus", 4326, 31467, 7.0143, 51.4577, 3362063.576549705, 5704435.927282452),
    // axis order change (2D) + Inverse of ETRS89 to WGS 84 (1) + Europe Equal Area 2001 + axis order change (2D)
    ("essen_rathaus", 4326, 3035, 7.0143, 51.4577, 4113546.1372234467, 3153904.017962271),
    // Inverse of UTM zone 32N + ETRS89 to WGS 84 (1) + axis order change (2D)
    ("essen_rathaus", 25832, 4326, 362045.7146485705, 5702594.951426811, 7.0143, 51.457699999999996),
    // Inverse of UTM zone 32N + Inverse of DHDN to ETRS89 (4) + 3-degree Gauss-Kruger zone 3 + axis order change (2D)
    ("essen_rathaus", 25832, 31467, 362045.7146485705, 5702594.951426811, 3362064.69465317, 5704435.544997305),
    // Inverse of UTM zone 32N + Europe Equal Area 2001 + axis order change (2D)
    ("essen_rathaus", 25832, 3035, 362045.7146485705, 5702594.951426811, 4113546.1372234467, 3153904.017962271),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 3 + DHDN to WGS 84 (2) + axis order change (2D)
    ("essen_rathaus", 31467, 4326, 3362063.576549705, 5704435.927282452, 7.014300000062014, 51.457700005386535),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 3 + DHDN to ETRS89 (4) + UTM zone 32N
    ("essen_rathaus", 31467, 25832, 3362063.576549705, 5704435.927282452, 362044.59704445035, 5702595.33420533),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 3 + DHDN to ETRS89 (4) + Europe Equal Area 2001 + axis order change (2D)
    ("essen_rathaus", 31467, 3035, 3362063.576549705, 5704435.927282452, 4113545.024928436, 3153904.416211752),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + ETRS89 to WGS 84 (1) + axis order change (2D)
    ("essen_rathaus", 3035, 4326, 4113546.1372234467, 3153904.017962271, 7.0143, 51.45769999724882),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + UTM zone 32N
    ("essen_rathaus", 3035, 25832, 4113546.1372234467, 3153904.017962271, 362045.71464027447, 5702594.951120885),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + Inverse of DHDN to ETRS89 (4) + 3-degree Gauss-Kruger zone 3 + axis order change (2D)
    ("essen_rathaus", 3035, 31467, 4113546.1372234467, 3153904.017962271, 3362064.694644873, 5704435.54469126),
    // axis order change (2D) + Inverse of ETRS89 to WGS 84 (1) + UTM zone 32N
    ("enger_rathaus", 4326, 25832, 8.5589, 52.1398, 469812.73841577617, 5776679.094266292),
    // axis order change (2D) + Inverse of DHDN to WGS 84 (2) + 3-degree Gauss-Kruger zone 3 + axis order change (2D)
    ("enger_rathaus", 4326, 31467, 8.5589, 52.1398, 3469873.124060369, 5778550.642310055),
    // axis order change (2D) + Inverse of ETRS89 to WGS 84 (1) + Europe Equal Area 2001 + axis order change (2D)
    ("enger_rathaus", 4326, 3035, 8.5589, 52.1398, 4222343.815105705, 3226531.046107305),
    // Inverse of UTM zone 32N + ETRS89 to WGS 84 (1) + axis order change (2D)
    ("enger_rathaus", 25832, 4326, 469812.73841577617, 5776679.094266292, 8.5589, 52.13979999999999),
    // Inverse of UTM zone 32N + Inverse of DHDN to ETRS89 (4) + 3-degree Gauss-Kruger zone 3 + axis order change (2D)
    ("enger_rathaus", 25832, 31467, 469812.73841577617, 5776679.094266292, 3469873.8554983507, 5778549.995598076),
    // Inverse of UTM zone 32N + Europe Equal Area 2001 + axis order change (2D)
    ("enger_rathaus", 25832, 3035, 469812.73841577617, 5776679.094266292, 4222343.815105705, 3226531.046107299),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 3 + DHDN to WGS 84 (2) + axis order change (2D)
    ("enger_rathaus", 31467, 4326, 3469873.124060369, 5778550.642310055, 8.558900001679007, 52.139800005526446),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 3 + DHDN to ETRS89 (4) + UTM zone 32N
    ("enger_rathaus", 31467, 25832, 3469873.124060369, 5778550.642310055, 469812.007419915, 5776679.741376084),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 3 + DHDN to ETRS89 (4) + Europe Equal Area 2001 + axis order change (2D)
    ("enger_rathaus", 31467, 3035, 3469873.124060369, 5778550.642310055, 4222343.092817239, 3226531.7034439365),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + ETRS89 to WGS 84 (1) + axis order change (2D)
    ("enger_rathaus", 3035, 4326, 4222343.815105705, 3226531.046107305, 8.558899999999996, 52.13979999739593),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + UTM zone 32N
    ("enger_rathaus", 3035, 25832, 4222343.815105705, 3226531.046107305, 469812.73841401533, 5776679.093976656),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + Inverse of DHDN to ETRS89 (4) + 3-degree Gauss-Kruger zone 3 + axis order change (2D)
    ("enger_rathaus", 3035, 31467, 4222343.815105705, 3226531.046107305, 3469873.855496592, 5778549.995308326),
    // axis order change (2D) + Inverse of ETRS89 to WGS 84 (1) + UTM zone 33N
    ("berlin_rotes_rathaus", 4326, 25833, 13.40861, 52.51861, 392020.7730240281, 5819912.155163519),
    // axis order change (2D) + Inverse of DHDN to WGS 84 (3) + 3-degree Gauss-Kruger zone 4 + axis order change (2D)
    ("berlin_rotes_rathaus", 4326, 31468, 13.40861, 52.51861, 4595720.262811379, 5821542.857754401),
    // axis order change (2D) + Inverse of ETRS89 to WGS 84 (1) + Europe Equal Area 2001 + axis order change (2D)
    ("berlin_rotes_rathaus", 4326, 3035, 13.40861, 52.51861, 4552288.470653857, 3273125.216224626),
    // axis order change (2D) + Inverse of ETRS89 to WGS 84 (1) + UTM zone 32N
    ("berlin_rotes_rathaus", 4326, 25832, 13.40861, 52.51861, 799067.0129432378, 5827860.374201461),
    // Inverse of UTM zone 33N + ETRS89 to WGS 84 (1) + axis order change (2D)
    ("berlin_rotes_rathaus", 25833, 4326, 392020.7730240281, 5819912.155163519, 13.40861, 52.518609999999995),
    // Inverse of UTM zone 33N + Inverse of DHDN to ETRS89 (2) + 3-degree Gauss-Kruger zone 4 + axis order change (2D)
    ("berlin_rotes_rathaus", 25833, 31468, 392020.7730240281, 5819912.155163519, 4595719.729914049, 5821542.481446112),
    // Inverse of UTM zone 33N + Europe Equal Area 2001 + axis order change (2D)
    ("berlin_rotes_rathaus", 25833, 3035, 392020.7730240281, 5819912.155163519, 4552288.470653857, 3273125.216224626),
    // Inverse of UTM zone 33N + UTM zone 32N
    ("berlin_rotes_rathaus", 25833, 25832, 392020.7730240281, 5819912.155163519, 799067.0129432378, 5827860.37420146),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 4 + DHDN to WGS 84 (3) + axis order change (2D)
    ("berlin_rotes_rathaus", 31468, 4326, 4595720.262811379, 5821542.857754401, 13.408610006658705, 52.51861000385879),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 4 + DHDN to ETRS89 (2) + UTM zone 33N
    ("berlin_rotes_rathaus", 31468, 25833, 4595720.262811379, 5821542.857754401, 392021.32133463304, 5819912.509415515),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 4 + DHDN to ETRS89 (2) + Europe Equal Area 2001 + axis order change (2D)
    ("berlin_rotes_rathaus", 31468, 3035, 4595720.262811379, 5821542.857754401, 4552288.993240193, 3273125.6075330656),
    // axis order change (2D) + Inverse of 3-degree Gauss-Kruger zone 4 + DHDN to ETRS89 (2) + UTM zone 32N
    ("berlin_rotes_rathaus", 31468, 25832, 4595720.262811379, 5821542.857754401, 799067.5304321141, 5827860.773148457),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + ETRS89 to WGS 84 (1) + axis order change (2D)
    ("berlin_rotes_rathaus", 3035, 4326, 4552288.470653857, 3273125.216224626, 13.40861, 52.51860999747328),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + UTM zone 33N
    ("berlin_rotes_rathaus", 3035, 25833, 4552288.470653857, 3273125.216224626, 392020.7730178324, 5819912.154882493),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + Inverse of DHDN to ETRS89 (2) + 3-degree Gauss-Kruger zone 4 + axis order change (2D)
    ("berlin_rotes_rathaus", 3035, 31468, 4552288.470653857, 3273125.216224626, 4595719.729919537, 5821542.481164967),
    // axis order change (2D) + Inverse of Europe Equal Area 2001 + UTM zone 32N
    ("berlin_rotes_rathaus", 3035, 25832, 4552288.470653857, 3273125.216224626, 799067.0129604196, 5827860.373920622),
    // Inverse of UTM zone 32N + ETRS89 to WGS 84 (1) + axis order change (2D)
    ("berlin_rotes_rathaus", 25832, 4326, 799067.0129432378, 5827860.374201461, 13.40861, 52.51861000000001),
    // Inverse of UTM zone 32N + UTM zone 33N
    ("berlin_rotes_rathaus", 25832, 25833, 799067.0129432378, 5827860.374201461, 392020.7730240281, 5819912.15516352),
    // Inverse of UTM zone 32N + Inverse of DHDN to ETRS89 (2) + 3-degree Gauss-Kruger zone 4 + axis order change (2D)
    ("berlin_rotes_rathaus", 25832, 31468, 799067.0129432378, 5827860.374201461, 4595719.729914049, 5821542.481446112),
    // Inverse of UTM zone 32N + Europe Equal Area 2001 + axis order change (2D)
    ("berlin_rotes_rathaus", 25832, 3035, 799067.0129432378, 5827860.374201461, 4552288.470653857, 3273125.216224631),
];

#[cfg(feature = "proj")]
#[test]
fn town_halls_agree_with_pyproj() {
    assert_eq!(REFERENCE.len(), 44);
    let mut worst_m = 0.0_f64;
    for &(point, from, to, x, y, x_ref, y_ref) in REFERENCE {
        let (from_crs, to_crs) = (Crs::from_epsg(from).unwrap(), Crs::from_epsg(to).unwrap());
        let (mut xs, mut ys) = (vec![x], vec![y]);
        transform_in_place(from_crs, to_crs, &mut xs, &mut ys).unwrap();
        let tol = if to_crs.is_geographic() { 1e-7 } else { 0.01 };
        let (dx, dy) = ((xs[0] - x_ref).abs(), (ys[0] - y_ref).abs());
        assert!(
            dx <= tol && dy <= tol,
            "{point} {from_crs} -> {to_crs}: off by ({dx:e}, {dy:e})"
        );
        if !to_crs.is_geographic() {
            worst_m = worst_m.max(dx).max(dy);
        }
    }
    assert!(worst_m <= 0.01, "{worst_m}");
}

/// The DHDN ↔ ETRS89 rows use the Helmert transformation, not WGS 84's: the same Gauss–Krüger
/// point reaches EPSG:25832 and EPSG:4326 through different parameter sets, which differ by
/// about a metre (so a wrong operation would fail `town_halls_agree_with_pyproj`).
#[cfg(feature = "proj")]
#[test]
fn dhdn_operations_differ_by_about_a_metre() {
    let gk = REFERENCE
        .iter()
        .find(|r| r.0 == "essen_rathaus" && r.1 == 31467 && r.2 == 25832)
        .unwrap();
    let (mut xs, mut ys) = (vec![gk.3], vec![gk.4]);
    transform_in_place(Crs::DHDN_GK3, Crs::WGS84, &mut xs, &mut ys).unwrap();
    transform_in_place(Crs::WGS84, Crs::ETRS89_UTM32, &mut xs, &mut ys).unwrap();
    let d = (xs[0] - gk.5).hypot(ys[0] - gk.6);
    assert!((0.5..2.0).contains(&d), "{d}");
}

/// All 102,981 Essen addresses: lon/lat → EPSG:25832 agrees with the official EPSG:4647
/// easting minus the zone prefix, to within 0.01 m (the 7-decimal rounding of lon/lat).
#[cfg(feature = "proj")]
#[test]
fn essen_lon_lat_to_utm32_matches_official_4647() {
    let e = essen();
    let (mut xs, mut ys) = (e.lon.clone(), e.lat.clone());
    transform_in_place(Crs::WGS84, Crs::ETRS89_UTM32, &mut xs, &mut ys).unwrap();
    let mut worst = 0.0_f64;
    for i in 0..xs.len() {
        let dx = (xs[i] - (e.x4647[i] - 32_000_000.0)).abs();
        let dy = (ys[i] - e.y4647[i]).abs();
        worst = worst.max(dx).max(dy);
        assert!(dx <= 0.01 && dy <= 0.01, "row {i}: off by ({dx}, {dy})");
    }
    // The lon/lat columns were derived from the official eastings/northings and written with
    // 7 decimals (half a unit is at most 0.6 cm here), so the agreement is far better than the
    // 1 m the brief allowed: measured worst 0.57 cm. A wrong datum or zone is off by metres.
    assert!(worst < 0.01, "{worst}");
    check_plausible(Crs::ETRS89_UTM32, &xs, &ys).unwrap();
    // And the other way, via EPSG:4647 (the shift) and PROJ.
    let (mut lon, mut lat) = (e.x4647.clone(), e.y4647.clone());
    transform_in_place(
        Crs::ETRS89_UTM32_ZONE_PREFIX,
        Crs::ETRS89_UTM32,
        &mut lon,
        &mut lat,
    )
    .unwrap();
    transform_in_place(Crs::ETRS89_UTM32, Crs::WGS84, &mut lon, &mut lat).unwrap();
    for i in 0..lon.len() {
        // The columns have 7 decimals: half a unit of rounding plus the 4647 side's.
        assert!((lon[i] - e.lon[i]).abs() < 1e-7, "row {i}");
        assert!((lat[i] - e.lat[i]).abs() < 1e-7, "row {i}");
    }
}

#[cfg(feature = "proj")]
#[test]
fn proj_blanks_non_finite_and_untransformable_points() {
    let mut xs = vec![7.0143, f64::NAN, 7.0143, 400.0];
    let mut ys = vec![51.4577, 51.4577, f64::INFINITY, 100.0];
    transform_in_place(Crs::WGS84, Crs::ETRS89_UTM32, &mut xs, &mut ys).unwrap();
    assert!((xs[0] - 362_045.7146485705).abs() < 0.01);
    for i in 1..4 {
        assert!(xs[i].is_nan() && ys[i].is_nan(), "{i}: {} {}", xs[i], ys[i]);
    }
}

#[cfg(feature = "proj")]
#[test]
fn proj_unknown_code_is_an_error() {
    let unknown = Crs::from_epsg(999_999).unwrap();
    let err = transform_in_place(unknown, Crs::ETRS89_UTM32, &mut [1.0], &mut [2.0]).unwrap_err();
    assert!(
        matches!(err, CrsError::Proj { from, to: Crs::ETRS89_UTM32, .. } if from == unknown),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("cannot transform coordinates from EPSG:999999")
    );
}
