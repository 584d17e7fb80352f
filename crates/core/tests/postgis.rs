//! PostGIS sources and target against the file pipeline: the demo town loaded into a
//! throw-away database (by GDAL's ogr2ogr and PostgreSQL's COPY, not by quartier) gives
//! exactly the file results, and the layers written back equal the GeoPackage's.
//!
//! Needs a running PostgreSQL/PostGIS cluster: `QUARTIER_TEST_PG` is a superuser connection
//! string (scripts/test starts one with scripts/pg-cluster). Without it the tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use postgres::{Client, NoTls};
use quartier::{Project, run_project};

/// The cluster's superuser connection string.
fn cluster() -> String {
    std::env::var("QUARTIER_TEST_PG").expect(
        "QUARTIER_TEST_PG is not set: start a cluster with `eval \"$(scripts/pg-cluster start)\"` \
         (scripts/test does this)",
    )
}

/// A fresh database with PostGIS; dropped when the guard goes.
struct Db {
    name: String,
    conninfo: String,
}

impl Db {
    fn new(tag: &str) -> Self {
        let name = format!("quartier_{tag}_{}", std::process::id());
        let mut admin = Client::connect(&cluster(), NoTls).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let base = cluster();
        let conninfo = if base.contains("dbname=postgres") {
            base.replace("dbname=postgres", &format!("dbname={name}"))
        } else {
            format!("{base} dbname={name}")
        };
        let mut c = Client::connect(&conninfo, NoTls).unwrap();
        c.batch_execute("CREATE EXTENSION postgis").unwrap();
        Self { name, conninfo }
    }

    fn client(&self) -> Client {
        Client::connect(&self.conninfo, NoTls).unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&cluster(), NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Loads a CSV file into a new table of text columns named `columns`, by COPY.
fn load_csv(c: &mut Client, table: &str, columns: &[&str], file: &Path, options: &str) {
    let list = columns
        .iter()
        .map(|c| format!("{c} text"))
        .collect::<Vec<_>>()
        .join(", ");
    c.batch_execute(&format!("CREATE TABLE {table} ({list})"))
        .unwrap();
    let mut bytes = std::fs::read(file).unwrap();
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let mut w = c
        .copy_in(&format!(
            "COPY {table} FROM STDIN WITH (FORMAT csv, HEADER, {options})"
        ))
        .unwrap();
    std::io::Write::write_all(&mut w, &bytes).unwrap();
    w.finish().unwrap();
}

/// The sample project of `quartier init` in `dir`, and the same project with its block
/// layer and datasets in `db` (loaded by ogr2ogr and COPY) and a PostGIS target.
fn demo_town(db: &Db, dir: &Path, points: bool) -> (PathBuf, PathBuf) {
    let files = dir.join("files");
    quartier::init_project(&files).unwrap();
    let data = files.join("data");
    let mut c = db.client();
    c.batch_execute("CREATE SCHEMA alkis; CREATE SCHEMA melde; CREATE SCHEMA jugend")
        .unwrap();
    let status = Command::new("ogr2ogr")
        .args(["-f", "PostgreSQL"])
        .arg(format!("PG:{}", db.conninfo))
        .arg(data.join("baubloecke.geojson"))
        .args([
            "-nln",
            "alkis.baubloecke",
            "-lco",
            "GEOMETRY_NAME=geom",
            "-nlt",
            "PROMOTE_TO_MULTI",
            "-a_srs",
            "EPSG:25832",
        ])
        .env("PG_USE_COPY", "YES")
        .status()
        .expect("ogr2ogr (Debian gdal-bin) is needed; scripts/test installs it");
    assert!(status.success(), "ogr2ogr failed");
    load_csv(
        &mut c,
        "melde.einwohner",
        &[
            "ordnungsmerkmal",
            "familienname",
            "rechtswert",
            "hochwert",
            "alter",
        ],
        &data.join("einwohner.csv"),
        "DELIMITER ';', ENCODING 'WIN1252'",
    );
    load_csv(
        &mut c,
        "jugend.kita",
        &[
            "kind_nr",
            "name",
            "strasse",
            "hausnummer",
            "plz",
            "alter",
            "stufe",
        ],
        &data.join("kita_beitraege.csv"),
        "DELIMITER ';', ENCODING 'WIN1252'",
    );
    load_csv(
        &mut c,
        "jugend.uv",
        &["aktenzeichen", "name", "x", "y", "alter_kind"],
        &data.join("unterhaltsvorschuss.csv"),
        "DELIMITER ',', ENCODING 'UTF8'",
    );
    if points {
        // Child-support cases as points: a parseable coordinate pair becomes a point, the
        // rest NULL (a record without a position, unassigned as in the file).
        c.batch_execute(
            "ALTER TABLE jugend.uv ADD COLUMN geom geometry(Point, 25832);
             UPDATE jugend.uv SET geom = ST_SetSRID(ST_MakePoint(
                 replace(x, ',', '.')::float8, replace(y, ',', '.')::float8), 25832)
              WHERE x ~ '^[0-9]+(,[0-9]+)?$' AND y ~ '^[0-9]+(,[0-9]+)?$';
             ALTER TABLE jugend.uv DROP COLUMN x, DROP COLUMN y;",
        )
        .unwrap();
    }

    let text = std::fs::read_to_string(files.join("project.toml")).unwrap();
    let conn = db.conninfo.replace('"', "\\\"");
    let pg = |what: &str| format!("postgis = {{ connection = \"{conn}\", {what} }}");
    let mut t = text
        .replace(
            "path = \"data/baubloecke.geojson\"",
            &pg("table = \"alkis.baubloecke\""),
        )
        .replace(
            "path = \"data/einwohner.csv\"",
            &pg("table = \"melde.einwohner\""),
        )
        .replace("column = \"Rechtswert\"", "column = \"rechtswert\"")
        .replace("column = \"Hochwert\"", "column = \"hochwert\"")
        .replace(
            "path = \"data/kita_beitraege.csv\"",
            &pg(
                "query = \"SELECT strasse AS \\\"Straße\\\", hausnummer AS \\\"Hausnummer\\\", \
                 plz AS \\\"PLZ\\\", alter AS \\\"Alter\\\", stufe AS \\\"Beitragsstufe\\\" \
                 FROM jugend.kita ORDER BY kind_nr\"",
            ),
        )
        .replace("column = \"Alter des Kindes\"", "column = \"alter_kind\"")
        .replace("data/hauskoordinaten.csv", "../files/data/hauskoordinaten.csv")
        .replace(
            "analysis = \"out/analysis\"      # ranking, report, GIS layers",
            &format!(
                "analysis = \"out/analysis\"\npostgis = {{ connection = \"{conn}\", schema = \"sozialmonitoring\" }}"
            ),
        );
    if points {
        t = t
            .replace(
                "path = \"data/unterhaltsvorschuss.csv\"",
                &pg("table = \"jugend.uv\", geometry = \"geom\""),
            )
            .replace(
                "    { column = \"X\", use = \"x\", role = \"coordinate\", sensitivity = \"identifying\" },\n    { column = \"Y\", use = \"y\", role = \"coordinate\", sensitivity = \"identifying\" },\n",
                "",
            );
    } else {
        t = t
            .replace(
                "path = \"data/unterhaltsvorschuss.csv\"",
                &pg("table = \"jugend.uv\""),
            )
            .replace("column = \"X\"", "column = \"x\"")
            .replace("column = \"Y\"", "column = \"y\"");
    }
    // the resident age column is `alter` in the table (the kita query renames its own)
    let at = t.find("table = \"melde.einwohner\"").unwrap();
    let age = at + t[at..].find("column = \"Alter\"").unwrap();
    t.replace_range(age..age + "column = \"Alter\"".len(), "column = \"alter\"");
    let sources = t.lines().filter(|l| l.starts_with("postgis = ")).count();
    assert_eq!(sources, 5, "{t}");
    let db_dir = dir.join("db");
    std::fs::create_dir_all(&db_dir).unwrap();
    std::fs::write(db_dir.join("project.toml"), t).unwrap();
    (files.join("project.toml"), db_dir.join("project.toml"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every published table from the file run and the database run is byte-identical, and so
/// are the ranking and its JSON.
fn assert_same_results(files: &Project, db: &Project) {
    for d in &files.datasets {
        let name = format!("protected_{}.csv", d.kind.name());
        assert_eq!(
            read(&files.outputs.protected.join(&name)),
            read(&db.outputs.protected.join(&name)),
            "{name} differs"
        );
    }
    for name in ["ranking.csv", "ranking.json"] {
        assert_eq!(
            read(&files.outputs.analysis.join(name)),
            read(&db.outputs.analysis.join(name)),
            "{name} differs"
        );
    }
}

/// A GeoPackage layer's rows by fid: column name → value as text (SQLite's own rendering of
/// reals is avoided: reals are compared as f64 bits).
type Rows = Vec<Vec<(String, Value)>>;

#[derive(Debug, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Real(u64),
    Text(String),
}

fn gpkg_rows(path: &Path, table: &str) -> Rows {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut s = c
        .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY fid"))
        .unwrap();
    let names: Vec<String> = s.column_names().iter().map(|n| (*n).to_owned()).collect();
    let mut rows = s.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        let mut row = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if n == "geom" {
                continue;
            }
            let v = match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(x) => Value::Int(x),
                rusqlite::types::ValueRef::Real(x) => Value::Real(x.to_bits()),
                rusqlite::types::ValueRef::Text(t) => {
                    Value::Text(String::from_utf8(t.to_vec()).unwrap())
                }
                rusqlite::types::ValueRef::Blob(_) => panic!("blob column {n}"),
            };
            row.push((n.clone(), v));
        }
        out.push(row);
    }
    out
}

fn pg_rows(c: &mut Client, schema: &str, table: &str) -> Rows {
    let rows = c
        .query(
            &format!("SELECT * FROM \"{schema}\".\"{table}\" ORDER BY fid"),
            &[],
        )
        .unwrap();
    rows.iter()
        .map(|r| {
            r.columns()
                .iter()
                .enumerate()
                .filter(|(_, col)| col.name() != "geom")
                .map(|(i, col)| {
                    let v = match col.type_().name() {
                        "int4" => r
                            .get::<_, Option<i32>>(i)
                            .map_or(Value::Null, |x| Value::Int(i64::from(x))),
                        "int8" => r.get::<_, Option<i64>>(i).map_or(Value::Null, Value::Int),
                        "float8" => r
                            .get::<_, Option<f64>>(i)
                            .map_or(Value::Null, |x| Value::Real(x.to_bits())),
                        "text" => r
                            .get::<_, Option<String>>(i)
                            .map_or(Value::Null, Value::Text),
                        other => panic!("unexpected column type {other}"),
                    };
                    (col.name().to_owned(), v)
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_demo_town_from_postgis_gives_the_file_results_and_writes_them_back() {
    let db = Db::new("demo");
    let dir = tempfile::tempdir().unwrap();
    let (files_toml, db_toml) = demo_town(&db, dir.path(), false);
    let files = Project::load(&files_toml).unwrap();
    let project = Project::load(&db_toml).unwrap();
    run_project(&files, true, true, &mut ()).unwrap();
    let outcome = run_project(&project, true, true, &mut ()).unwrap();
    assert_same_results(&files, &project);

    // The protocol names the tables, not the connection.
    let protocol = String::from_utf8(read(&project.outputs.protected.join("protocol.md"))).unwrap();
    assert!(
        protocol.contains("PostGIS table melde.einwohner"),
        "{protocol}"
    );
    assert!(!protocol.contains("dbname="), "{protocol}");

    // Every published level is a table equal to the GeoPackage layer of the file run.
    let gpkg = files.outputs.analysis.join("gis/quartier.gpkg");
    let mut c = db.client();
    let written: Vec<String> = c
        .query(
            "SELECT table_name::text FROM information_schema.tables
              WHERE table_schema = 'sozialmonitoring' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let levels = ["baublock", "gemeinde", "ortsteil", "quartier"];
    assert_eq!(written, levels);
    for level in levels {
        let from_file = gpkg_rows(&gpkg, level);
        let from_db = pg_rows(&mut c, "sozialmonitoring", level);
        assert!(!from_file.is_empty());
        assert_eq!(from_db, from_file, "level {level}");
    }
    // Geometries: the block geometries written back equal the ones loaded (ogr2ogr).
    let differing: i64 = c
        .query_one(
            "SELECT count(*) FROM sozialmonitoring.baublock w
               JOIN alkis.baubloecke b ON b.baublock_id = w.unit_id
              WHERE NOT ST_Equals(w.geom, b.geom) OR ST_SRID(w.geom) <> 25832",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(differing, 0);
    let matched: i64 = c
        .query_one(
            "SELECT count(*) FROM sozialmonitoring.baublock w
               JOIN alkis.baubloecke b ON b.baublock_id = w.unit_id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(matched as usize, gpkg_rows(&gpkg, "baublock").len());
    // Each table has its GiST index.
    let indexed: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'sozialmonitoring'
                AND indexdef LIKE '%USING gist (geom)%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(indexed, 4);
    // The ranked level's QGIS style is the GeoPackage's, default, in layer_styles.
    let styles: Vec<(String, String, bool)> = c
        .query(
            "SELECT f_table_name::text, styleqml::text, useasdefault FROM layer_styles
              WHERE f_table_schema = 'sozialmonitoring'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let g = rusqlite::Connection::open(&gpkg).unwrap();
    let (table, qml): (String, String) = g
        .query_row("SELECT f_table_name, styleQML FROM layer_styles", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(styles, [(table, qml, true)]);
    assert_eq!(
        outcome.analyze.map(|a| a.level),
        Some("quartier".to_owned())
    );

    // A second run replaces the tables and the style (no duplicates, no leftovers).
    run_project(&project, false, true, &mut ()).unwrap();
    let counts: (i64, i64) = {
        let r = c
            .query_one(
                "SELECT (SELECT count(*) FROM layer_styles WHERE f_table_schema = 'sozialmonitoring'),
                        (SELECT count(*) FROM pg_class WHERE relname LIKE '%quartier_new%')",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(counts, (1, 0));
    assert_eq!(
        pg_rows(&mut c, "sozialmonitoring", "quartier"),
        gpkg_rows(&gpkg, "quartier")
    );
}

#[test]
fn point_geometries_and_queries_read_like_coordinate_columns() {
    let db = Db::new("points");
    let dir = tempfile::tempdir().unwrap();
    let (files_toml, db_toml) = demo_town(&db, dir.path(), true);
    let files = Project::load(&files_toml).unwrap();
    let project = Project::load(&db_toml).unwrap();
    assert!(
        project.datasets[2]
            .postgis
            .as_ref()
            .is_some_and(|p| p.geometry.as_deref() == Some("geom"))
    );
    run_project(&files, true, true, &mut ()).unwrap();
    run_project(&project, true, true, &mut ()).unwrap();
    // Junk coordinates are NULL points here and invalid coordinates in the file: both are
    // unassigned, so the published counts are the same.
    assert_same_results(&files, &project);
}

#[test]
fn upper_levels_come_from_a_postgis_query() {
    let db = Db::new("upper");
    let dir = tempfile::tempdir().unwrap();
    let (_, db_toml) = demo_town(&db, dir.path(), false);
    // Official quarter boundaries: the union of their blocks (so validation finds nothing),
    // with names only the database has.
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE alkis.quartiere AS
           SELECT quartier_id AS qid, 'Q ' || quartier_id AS qname,
                  ST_Multi(ST_Union(geom))::geometry(MultiPolygon, 25832) AS geom
             FROM alkis.baubloecke GROUP BY quartier_id",
    )
    .unwrap();
    let text = std::fs::read_to_string(&db_toml).unwrap();
    let conn = db.conninfo.clone();
    let text = text.replacen(
        "# [[hierarchy.upper]]",
        &format!(
            "[[hierarchy.upper]]\nlevel = \"quartier\"\nid_field = \"qid\"\nname_field = \"qname\"\n\
             postgis = {{ connection = \"{conn}\", query = \"SELECT qid, qname, geom FROM alkis.quartiere\" }}\n#"
        ),
        1,
    );
    std::fs::write(&db_toml, text).unwrap();
    let project = Project::load(&db_toml).unwrap();
    assert!(project.hierarchy.upper[0].source.postgis.is_some());
    let outcome = quartier::validate_project(&project, &mut ()).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let (h, _) = {
        let spec = quartier::BlockLayerSpec {
            levels: project.hierarchy.levels.clone(),
            id_fields: project.hierarchy.id_fields.clone(),
            name_field: project.hierarchy.name_field.clone(),
        };
        let upper = [quartier::UpperLevelSource {
            level: "quartier".into(),
            source: project.hierarchy.upper[0].source.clone(),
            id_field: "qid".into(),
            name_field: Some("qname".into()),
        }];
        quartier::read_hierarchy_from(&project.hierarchy.source, &spec, &upper).unwrap()
    };
    let level = h.level("quartier").unwrap();
    let names: Vec<String> = h
        .units(level)
        .iter()
        .map(|u| u.name().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = h
        .units(level)
        .iter()
        .map(|u| format!("Q {}", u.id().as_str()))
        .collect();
    assert_eq!(names, expected);
}

/// QGIS (Debian python3-qgis, offscreen) opens a layer and reports every feature's colour
/// under its default style: `argv[1]` a GeoPackage, `argv[2]` a PostGIS connection string.
const QGIS_SCRIPT: &str = r#"
import json, os, sys
from qgis.core import QgsApplication, QgsDataSourceUri, QgsRenderContext, QgsVectorLayer
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
def colours(layer):
    renderer = layer.renderer()
    context = QgsRenderContext()
    renderer.startRender(context, layer.fields())
    out = {}
    for f in layer.getFeatures():
        symbol = renderer.symbolForFeature(f, context)
        out[f["unit_id"]] = symbol.color().name() if symbol else None
    renderer.stopRender(context)
    return {"valid": layer.isValid(), "renderer": renderer.type(), "colours": out}
gpkg = QgsVectorLayer(sys.argv[1] + "|layername=quartier", "file", "ogr")
uri = QgsDataSourceUri(sys.argv[2])
uri.setDataSource("sozialmonitoring", "quartier", "geom", "", "fid")
db = QgsVectorLayer(uri.uri(False), "db", "postgres")
print(json.dumps({"file": colours(gpkg), "db": colours(db)}), flush=True)
os._exit(0)
"#;

#[test]
fn qgis_opens_the_postgis_layer_styled_like_the_geopackage() {
    let db = Db::new("qgis");
    let dir = tempfile::tempdir().unwrap();
    let (files_toml, db_toml) = demo_town(&db, dir.path(), false);
    let files = Project::load(&files_toml).unwrap();
    let project = Project::load(&db_toml).unwrap();
    run_project(&files, true, true, &mut ()).unwrap();
    run_project(&project, true, true, &mut ()).unwrap();
    let script = dir.path().join("qgis_check.py");
    std::fs::write(&script, QGIS_SCRIPT).unwrap();
    let done = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(files.outputs.analysis.join("gis/quartier.gpkg"))
        .arg(&db.conninfo)
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("XDG_RUNTIME_DIR", dir.path())
        .output()
        .expect("QGIS' Python (Debian python3-qgis) is needed; scripts/test installs it");
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    let (file, db_layer) = (&result["file"], &result["db"]);
    assert_eq!(db_layer["valid"], true, "{result}");
    assert_eq!(db_layer["renderer"], "categorizedSymbol", "{result}");
    assert_eq!(file["renderer"], "categorizedSymbol", "{result}");
    let colours = db_layer["colours"].as_object().unwrap();
    assert_eq!(colours.len(), 8, "{result}");
    assert_eq!(db_layer["colours"], file["colours"], "{result}");
}
