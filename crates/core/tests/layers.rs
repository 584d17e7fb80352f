//! Units from real layers (GeoJSON, GeoPackage, Shapefile, official upper levels) and
//! protected tables read back for the analyze phase.
//!
//! Berlin data: the LOR 2021 shapefiles in `<shared data>/berlin-lor-2021-geometries`
//! (EPSG:25833, ETRS89 / UTM 33N, except `bezirksgrenzen.shp`: EPSG:4326). A missing file is
//! a failure, not a skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use geo::Area;
use quartier::{
    AnonymizeSpec, AttributeColumn, AttributeLayer, AttributeValues, BlockLayerSpec, Error,
    Finding, Hierarchy, IoError, LayerSource, LayerSourceProblem, ProtectedCsvProblem,
    ShapefileProblem, Srs, UpperLevelSource,
};
use shapefile::dbase::{self, FieldValue};

fn data_dir() -> PathBuf {
    std::env::var_os("QUARTIER_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn lor(file: &str) -> PathBuf {
    let p = data_dir().join("berlin-lor-2021-geometries").join(file);
    assert!(p.exists(), "missing shared data file {}", p.display());
    p
}

fn spec(levels: &[&str], fields: &[&str], name: Option<&str>) -> BlockLayerSpec {
    BlockLayerSpec {
        levels: levels.iter().map(|s| (*s).to_owned()).collect(),
        id_fields: fields.iter().map(|s| (*s).to_owned()).collect(),
        name_field: name.map(str::to_owned),
    }
}

/// Writes a polygon shapefile with text fields (and a `.cpg` saying UTF-8).
fn write_shapefile(path: &Path, fields: &[&str], rows: Vec<(Vec<String>, geo::MultiPolygon<f64>)>) {
    let mut table = dbase::TableWriterBuilder::new();
    for f in fields {
        table = table.add_character_field(dbase::FieldName::try_from(*f).unwrap(), 80);
    }
    let mut w = shapefile::Writer::from_path(path, table).unwrap();
    for (values, geometry) in rows {
        let mut record = dbase::Record::default();
        for (f, v) in fields.iter().zip(values) {
            record.insert((*f).to_owned(), FieldValue::Character(Some(v)));
        }
        w.write_shape_and_record(&shapefile::Polygon::from(geometry), &record)
            .unwrap();
    }
    drop(w);
    std::fs::write(path.with_extension("cpg"), "UTF-8").unwrap();
}

const LEVELS: [&str; 4] = ["bezirk", "prognoseraum", "bezirksregion", "planungsraum"];

/// The PLR layer with the ids of all four levels. The PLR file carries only `BEZ` and
/// `PLR_ID`; the LOR ids nest (SOURCE.md: PLR 8 digits = BZR 6 digits + 2, PGR = the first
/// 4 digits), so PGR and BZR are prefixes of PLR_ID. `BEZ3` is the Bezirk id in the form of
/// `bezirksgrenzen.shp`'s `Gemeinde_s` (3 digits, "0" + BEZ: "012" for "12").
fn berlin_blocks(dir: &Path) -> PathBuf {
    let two = spec(
        &["bezirk", "planungsraum"],
        &["BEZ", "PLR_ID"],
        Some("PLR_NAME"),
    );
    let blocks =
        quartier::read_block_features_shapefile(&lor("lor_planungsraeume_2021.shp"), &two).unwrap();
    assert_eq!(blocks.len(), 542);
    let rows = blocks
        .into_iter()
        .map(|b| {
            let plr = b.ids[1].clone();
            assert_eq!(plr.len(), 8);
            assert_eq!(plr[..2], b.ids[0]);
            let values = vec![
                format!("0{}", b.ids[0]),
                plr[..4].to_owned(),
                plr[..6].to_owned(),
                plr,
                b.name.unwrap(),
            ];
            (values, b.geometry)
        })
        .collect();
    let path = dir.join("plr4.shp");
    write_shapefile(
        &path,
        &["BEZ3", "PGR_ID", "BZR_ID", "PLR_ID", "PLR_NAME"],
        rows,
    );
    path
}

fn berlin_spec() -> BlockLayerSpec {
    spec(
        &LEVELS,
        &["BEZ3", "PGR_ID", "BZR_ID", "PLR_ID"],
        Some("PLR_NAME"),
    )
}

fn level_area(h: &Hierarchy, level: usize) -> f64 {
    h.units(level)
        .iter()
        .map(|u| u.geometry().unsigned_area())
        .sum()
}

// Oracle (geopandas 1.x / pyogrio, run once):
//   p = gpd.read_file("lor_planungsraeume_2021.shp"); p.BEZ.nunique(), p.PLR_ID.str[:4].nunique(),
//   p.PLR_ID.str[:6].nunique(), len(p)  -> 12, 58, 143, 542
//   p.area.sum() -> 890665100.285563
//   p.dissolve("BEZ").area -> the per-Bezirk areas below
const ORACLE_TOTAL_M2: f64 = 890_665_100.285_563;
const ORACLE_BEZIRK_M2: [(&str, f64); 12] = [
    ("001", 39_379_141.9),
    ("002", 20_389_158.0),
    ("003", 103_161_011.7),
    ("004", 64_662_978.0),
    ("005", 91_836_021.4),
    ("006", 102_514_200.2),
    ("007", 53_023_230.2),
    ("008", 44_907_890.5),
    ("009", 167_636_959.3),
    ("010", 61_782_466.1),
    ("011", 52_091_354.2),
    ("012", 89_280_688.9),
];

#[test]
fn berlin_plr_shapefile_dissolved_matches_geopandas() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = LayerSource::new(berlin_blocks(dir.path()));
    let (h, report) = quartier::read_hierarchy_from(&blocks, &berlin_spec(), &[]).unwrap();
    assert!(report.is_valid(), "{report}");
    let counts: Vec<usize> = (0..4).map(|l| h.units(l).len()).collect();
    assert_eq!(counts, [12, 58, 143, 542]);
    for level in 0..4 {
        let a = level_area(&h, level);
        assert!((a - ORACLE_TOTAL_M2).abs() < 1e3, "level {level}: {a}");
    }
    for (id, area) in ORACLE_BEZIRK_M2 {
        let a = h.unit_by_id(0, id).unwrap().geometry().unsigned_area();
        assert!((a - area).abs() / area < 1e-6, "{id}: {a} vs {area}");
    }
    // Names from the UTF-8 .cpg: umlauts intact.
    assert!(
        h.blocks()
            .iter()
            .any(|b| b.name().is_some_and(|n| n.contains('ü')))
    );
}

#[test]
fn berlin_upper_levels_read_from_official_layers() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = LayerSource::new(berlin_blocks(dir.path()));
    let upper = [
        UpperLevelSource {
            level: "prognoseraum".into(),
            source: LayerSource::new(lor("lor_prognoseraeume_2021.shp")),
            id_field: "PGR_ID".into(),
            name_field: Some("PGR_NAME".into()),
        },
        UpperLevelSource {
            level: "bezirksregion".into(),
            source: LayerSource::new(lor("lor_bezirksregionen_2021.shp")),
            id_field: "BZR_ID".into(),
            name_field: Some("BZR_NAME".into()),
        },
    ];
    let (h, report) = quartier::read_hierarchy_from(&blocks, &berlin_spec(), &upper).unwrap();
    assert!(report.is_valid(), "{report}");
    assert!(
        !report
            .findings()
            .iter()
            .any(|f| matches!(f, Finding::Orphan { .. } | Finding::UnusedUnit { .. })),
        "{report}"
    );
    assert_eq!(h.units(1).len(), 58);
    assert_eq!(h.units(2).len(), 143);
    // geopandas: gpd.read_file("lor_prognoseraeume_2021.shp").area.sum() and the same for
    // the Bezirksregionen: both 890665100.3.
    for level in [1, 2] {
        let a = level_area(&h, level);
        assert!((a - 890_665_100.3).abs() < 1e3, "level {level}: {a}");
    }
    assert_eq!(
        h.unit_by_id(1, "0930").unwrap().name(),
        Some("Treptow-Köpenick 3")
    );

    // The Bezirk level from bezirksgrenzen.shp: ids `Gemeinde_s` ("001".."012") match the
    // blocks' BEZ3; the .dbf is Latin-1 without .cpg. Its CRS is EPSG:4326, not the blocks'
    // EPSG:25833: read as is (the CRS module transforms), every district is far off its
    // blocks, which validation reports as gap/excess warnings.
    let bezirk = [UpperLevelSource {
        level: "bezirk".into(),
        source: LayerSource::new(lor("bezirksgrenzen.shp")),
        id_field: "Gemeinde_s".into(),
        name_field: Some("Gemeinde_n".into()),
    }];
    let (h, report) = quartier::read_hierarchy_from(&blocks, &berlin_spec(), &bezirk).unwrap();
    assert_eq!(h.units(0).len(), 12);
    assert_eq!(
        h.unit_by_id(0, "009").unwrap().name(),
        Some("Treptow-Köpenick")
    );
    assert!(
        !report
            .findings()
            .iter()
            .any(|f| matches!(f, Finding::Orphan { .. } | Finding::UnusedUnit { .. })),
        "{report}"
    );
    let excess = report
        .findings()
        .iter()
        .filter(|f| matches!(f, Finding::Excess { level: 0, .. }))
        .count();
    assert_eq!(excess, 12, "{report}");
}

fn demo_spec(h: &Hierarchy) -> BlockLayerSpec {
    let levels = h.levels().to_vec();
    BlockLayerSpec {
        id_fields: levels.iter().map(|l| format!("{l}_id")).collect(),
        levels,
        name_field: Some("name".into()),
    }
}

/// The ids of every level per block, from the top.
fn block_ids(h: &Hierarchy) -> Vec<Vec<String>> {
    let bl = h.block_level();
    let up: Vec<Vec<usize>> = (0..=bl).map(|l| h.ancestors(bl, l).unwrap()).collect();
    (0..h.blocks().len())
        .map(|b| {
            (0..=bl)
                .map(|l| h.units(l)[up[l][b]].id().as_str().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn demo_blocks_round_trip_through_three_formats() {
    let town = quartier::musterstadt(2019).unwrap();
    let h = &town.hierarchy;
    let spec = demo_spec(h);
    let dir = tempfile::tempdir().unwrap();
    let ids = block_ids(h);

    let gj = dir.path().join("blocks.geojson");
    quartier::write_block_layer(&gj, h).unwrap();

    let gpkg = dir.path().join("blocks.gpkg");
    let columns = spec
        .id_fields
        .iter()
        .enumerate()
        .map(|(l, f)| AttributeColumn {
            name: f.clone(),
            values: AttributeValues::Text(ids.iter().map(|r| Some(r[l].clone())).collect()),
        })
        .chain([AttributeColumn {
            name: "name".into(),
            values: AttributeValues::Text(
                h.blocks()
                    .iter()
                    .map(|b| b.name().map(str::to_owned))
                    .collect(),
            ),
        }])
        .collect();
    let layer = AttributeLayer {
        name: "blocks".into(),
        level: h.block_level(),
        columns,
        style: None,
    };
    quartier::write_geopackage(&gpkg, h, &[layer], &Srs::etrs89_utm32()).unwrap();

    let shp = dir.path().join("blocks.shp");
    let mut fields: Vec<&str> = spec.id_fields.iter().map(String::as_str).collect();
    fields.push("name");
    let rows = h
        .blocks()
        .iter()
        .zip(&ids)
        .map(|(b, r)| {
            let mut v = r.clone();
            v.push(b.name().unwrap_or_default().to_owned());
            (v, b.geometry().clone())
        })
        .collect();
    write_shapefile(&shp, &fields, rows);

    let sources = [
        LayerSource::new(&gj),
        LayerSource::new(&gpkg).with_layer("blocks"),
        LayerSource::new(&shp),
    ];
    let read: Vec<Hierarchy> = sources
        .iter()
        .map(|s| quartier::read_hierarchy_from(s, &spec, &[]).unwrap().0)
        .collect();
    for (s, r) in sources.iter().zip(&read) {
        assert_eq!(block_ids(r), ids, "{}", s.path.display());
        for level in 0..h.levels().len() {
            assert_eq!(r.units(level).len(), h.units(level).len());
        }
        // Block geometries are written as they are: identical after the round trip.
        for (a, b) in r.blocks().iter().zip(h.blocks()) {
            assert_eq!(a.geometry(), b.geometry(), "{}", s.path.display());
            assert_eq!(a.name(), b.name());
        }
    }
    // Every unit of every level: id, name, parent and geometry.
    let units = |h: &Hierarchy| {
        (0..h.levels().len())
            .flat_map(|l| {
                h.units(l).iter().map(move |u| {
                    (
                        l,
                        u.id().clone(),
                        u.name().map(str::to_owned),
                        u.parent(),
                        u.geometry().clone(),
                    )
                })
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(units(&read[0]), units(&read[1]));
    assert_eq!(units(&read[0]), units(&read[2]));

    // Upper levels read from written unit layers, in each format, give the same hierarchy.
    let quarters = dir.path().join("quartier.geojson");
    quartier::write_units(&quarters, h, 2).unwrap();
    let upper = [UpperLevelSource {
        level: h.levels()[2].clone(),
        source: LayerSource::new(&quarters),
        id_field: "id".into(),
        name_field: Some("name".into()),
    }];
    let (with_upper, report) = quartier::read_hierarchy_from(&sources[2], &spec, &upper).unwrap();
    assert!(report.is_valid(), "{report}");
    assert_eq!(with_upper.units(2).len(), h.units(2).len());
}

#[test]
fn layer_errors_name_file_field_and_layer() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("blocks.csv");
    std::fs::write(&csv, "x").unwrap();
    let spec2 = spec(&["bezirk", "planungsraum"], &["BEZ", "PLR_ID"], None);
    let err = quartier::read_block_layer_any(&LayerSource::new(&csv), &spec2).unwrap_err();
    assert!(
        matches!(
            err,
            IoError::LayerSource {
                problem: LayerSourceProblem::UnsupportedFormat,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("blocks.csv") && msg.contains(".gpkg") && msg.contains(".shp"),
        "{msg}"
    );

    let bad = spec(&["bezirk", "planungsraum"], &["BEZ", "NO_SUCH"], None);
    let plr = LayerSource::new(lor("lor_planungsraeume_2021.shp"));
    let err = quartier::read_block_layer_any(&plr, &bad).unwrap_err();
    assert!(
        matches!(&err, IoError::Shapefile { field: Some(f), problem: ShapefileProblem::MissingField, .. } if f == "NO_SUCH"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("lor_planungsraeume_2021.shp"),
        "{err}"
    );

    // A missing GeoPackage layer.
    let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL).unwrap();
    let gpkg = dir.path().join("t.gpkg");
    let ids = AttributeValues::Text(
        town.hierarchy
            .blocks()
            .iter()
            .map(|b| Some(b.id().as_str().to_owned()))
            .collect(),
    );
    let layer = AttributeLayer {
        name: "baublock".into(),
        level: town.hierarchy.block_level(),
        columns: vec![AttributeColumn {
            name: "block_id".into(),
            values: ids,
        }],
        style: None,
    };
    quartier::write_geopackage(&gpkg, &town.hierarchy, &[layer], &Srs::etrs89_utm32()).unwrap();
    let one = spec(&["baublock"], &["block_id"], None);
    let err = quartier::read_block_layer_any(&LayerSource::new(&gpkg).with_layer("nope"), &one)
        .unwrap_err();
    assert!(
        matches!(
            err,
            IoError::GeoPackage {
                problem: quartier::GeoPackageProblem::NoSuchLayer { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        quartier::read_block_layer_any(&LayerSource::new(&gpkg).with_layer("baublock"), &one)
            .is_ok()
    );

    // A layer name for a shapefile, an upper level that is not one.
    let err = quartier::read_block_layer_any(&plr.clone().with_layer("x"), &spec2).unwrap_err();
    assert!(matches!(
        err,
        IoError::LayerSource {
            problem: LayerSourceProblem::LayerNotSupported { .. },
            ..
        }
    ));
    let upper = [UpperLevelSource {
        level: "planungsraum".into(),
        source: plr.clone(),
        id_field: "PLR_ID".into(),
        name_field: None,
    }];
    let err = quartier::read_hierarchy_from(&plr, &spec2, &upper).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io(IoError::LayerSource {
                problem: LayerSourceProblem::NotUpperLevel { .. },
                ..
            })
        ),
        "{err:?}"
    );
}

// ---- protected tables read back ----

fn protected_setup() -> (quartier::DemoTown, AnonymizeSpec, quartier::Anonymized) {
    let town = quartier::musterstadt(2019).unwrap();
    let spec = town.anonymize_spec();
    let out = quartier::anonymize(&town.records, &town.hierarchy, &spec).unwrap();
    (town, spec, out)
}

/// The published view of a row: keys, value and `published`/`suppressed`.
type View = (
    String,
    quartier::LayerKind,
    String,
    Option<String>,
    String,
    Option<u64>,
    bool,
);

fn view(t: &quartier::ProtectedTables) -> Vec<View> {
    t.rows()
        .map(|r| {
            (
                r.layer.to_owned(),
                r.layer_kind,
                r.unit_id.to_owned(),
                r.parent_id.map(str::to_owned),
                r.category.to_owned(),
                r.value,
                r.status.is_suppressed(),
            )
        })
        .collect()
}

#[test]
fn protected_tables_round_trip_and_analyze_the_same() {
    let (town, spec, out) = protected_setup();
    let dir = tempfile::tempdir().unwrap();
    let written = quartier::write_anonymized(dir.path(), &town.hierarchy, &out).unwrap();
    let mut read = Vec::new();
    for t in out.tables() {
        let path = dir
            .path()
            .join(format!("protected_{}.csv", t.dataset().name()));
        assert!(written.contains(&path));
        let back = quartier::read_protected_csv(&path, &town.hierarchy, &spec.rule).unwrap();
        assert_eq!(back.dataset(), t.dataset());
        assert_eq!(back.categories(), t.categories());
        assert!(back.layers().eq(t.layers()));
        assert_eq!(view(&back), view(t));
        // Written again: the same bytes.
        let mut again = Vec::new();
        quartier::write_protected_csv_to(&mut again, &back).unwrap();
        assert_eq!(again, std::fs::read(&path).unwrap());
        read.push(back);
    }
    assert!(
        out.groupings().is_empty()
            || read
                .iter()
                .any(|t| t.layers().any(|(_, k)| k == quartier::LayerKind::Grouping))
    );
    let mut aspec = quartier::AnalysisSpec::default();
    if let Some(u) = aspec.uncertainty.as_mut() {
        u.draws = 200;
    }
    let a = quartier::analyze(out.tables(), &town.hierarchy, &aspec).unwrap();
    let b = quartier::analyze(&read, &town.hierarchy, &aspec).unwrap();
    assert!(a.ranking.units.iter().any(|u| u.rank.is_some()));
    assert_eq!(a.ranking, b.ranking);
}

#[test]
fn corrupted_protected_files_name_line_and_column() {
    let (town, spec, out) = protected_setup();
    let dir = tempfile::tempdir().unwrap();
    let t = &out.tables()[0];
    let mut text = Vec::new();
    quartier::write_protected_csv_to(&mut text, t).unwrap();
    let text = String::from_utf8(text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let suppressed = lines
        .iter()
        .position(|l| l.ends_with(",,suppressed"))
        .unwrap();
    let published = lines
        .iter()
        .position(|l| l.ends_with(",published") && !l.contains(",0,"))
        .unwrap();

    let check = |edit: &dyn Fn(&mut Vec<String>) -> usize,
                 column: &str,
                 problem: &dyn Fn(&ProtectedCsvProblem) -> bool| {
        let mut ls: Vec<String> = lines.iter().map(|s| (*s).to_owned()).collect();
        let at = edit(&mut ls);
        let path = dir.path().join("protected_resident.csv");
        std::fs::write(&path, ls.join("\n") + "\n").unwrap();
        let err = quartier::read_protected_csv(&path, &town.hierarchy, &spec.rule).unwrap_err();
        match &err {
            IoError::ProtectedCsv {
                line,
                column: Some(c),
                problem: p,
                ..
            } => {
                assert_eq!(*line, at as u64 + 1, "{err}");
                assert_eq!(*c, column, "{err}");
                assert!(problem(p), "{err}");
            }
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("line {}", at + 1)) && msg.contains(column),
            "{msg}"
        );
    };
    // A value on a suppressed row.
    check(
        &|ls| {
            ls[suppressed] = ls[suppressed].replace(",,suppressed", ",5,suppressed");
            suppressed
        },
        "value",
        &|p| matches!(p, ProtectedCsvProblem::ValueOnSuppressed),
    );
    // A published value 0 < n < k.
    check(
        &|ls| {
            let mut f: Vec<String> = ls[published].split(',').map(str::to_owned).collect();
            f[4] = "1".into();
            ls[published] = f.join(",");
            published
        },
        "value",
        &|p| matches!(p, ProtectedCsvProblem::BelowThreshold { k: 3 }),
    );
    // A bad status.
    check(
        &|ls| {
            ls[published] = ls[published].replace(",published", ",primary");
            published
        },
        "status",
        &|p| matches!(p, ProtectedCsvProblem::BadStatus),
    );
    // An unknown unit (first row of the second unit of the top level ... the first block row).
    let block = lines
        .iter()
        .position(|l| l.starts_with("baublock,"))
        .unwrap();
    check(
        &|ls| {
            let mut f: Vec<String> = ls[block].split(',').map(str::to_owned).collect();
            f[1] = "NO-SUCH-BLOCK".into();
            ls[block] = f.join(",");
            block
        },
        "unit_id",
        &|p| {
            matches!(
                p,
                ProtectedCsvProblem::UnknownUnit | ProtectedCsvProblem::LayerOrder { .. }
            )
        },
    );
    // A wrong parent.
    check(
        &|ls| {
            let mut f: Vec<String> = ls[block].split(',').map(str::to_owned).collect();
            f[2] = "elsewhere".into();
            ls[block] = f.join(",");
            block
        },
        "parent_id",
        &|p| matches!(p, ProtectedCsvProblem::WrongParent),
    );
}
