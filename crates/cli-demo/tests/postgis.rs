//! The `quartier` binary on PostGIS sources and targets (issue 10): an unreachable server,
//! wrong or missing credentials, missing tables and columns, wrong SRIDs and geometry types,
//! canaries in the records, a write killed half-way and a target schema the user may not
//! create. Every message must name the table (or schema) and the problem, and never a
//! password or a value of a record.
//!
//! Each test works in its own database of the cluster named by `QUARTIER_TEST_PG` (start one
//! with `eval "$(scripts/pg-cluster start)"`; `scripts/test` does) and fails, never skips,
//! without it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls};

/// A wrong password that must never be shown.
const CANARY_PASSWORD: &str = "CANARY_pw_91x";

/// The schema the published layers are written into.
const SCHEMA: &str = "sozialmonitoring";

/// The PostgreSQL environment a child must not inherit from the developer's shell.
const PG_ENV: [&str; 12] = [
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGSYSCONFDIR",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGSSLMODE",
    "PGCONNECT_TIMEOUT",
];

// ---------------------------------------------------------------------------------------
// The cluster and one database per test

/// The cluster's superuser connection string, from `QUARTIER_TEST_PG`.
fn admin_conninfo() -> String {
    match std::env::var("QUARTIER_TEST_PG") {
        Ok(s) if !s.trim().is_empty() => s,
        _ => panic!(
            "QUARTIER_TEST_PG is not set: the PostGIS tests need a PostgreSQL/PostGIS cluster; \
             start one with `eval \"$(scripts/pg-cluster start)\"` (scripts/test does)"
        ),
    }
}

/// The `key=value` pairs of the cluster's connection string (it quotes no value).
fn conninfo_pairs(conninfo: &str) -> Vec<(String, String)> {
    conninfo
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .unwrap_or_else(|| panic!("QUARTIER_TEST_PG: `{kv}` is not key=value"));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// The cluster's port.
fn cluster_port() -> String {
    conninfo_pairs(&admin_conninfo())
        .into_iter()
        .find(|(k, _)| k == "port")
        .map_or_else(|| "5432".to_owned(), |(_, v)| v)
}

fn connect(conninfo: &str) -> Client {
    Client::connect(conninfo, NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test cluster (QUARTIER_TEST_PG): {e}"))
}

/// A fresh database with PostGIS (and the login roles a test creates), dropped at the end.
struct TestDb {
    name: String,
    roles: Vec<String>,
}

impl TestDb {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("quartier_t_{tag}_{}_{nanos}", std::process::id());
        connect(&admin_conninfo())
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let db = Self {
            name,
            roles: Vec::new(),
        };
        db.client()
            .batch_execute("CREATE EXTENSION postgis")
            .unwrap();
        db
    }

    /// The superuser's connection string to this database (as QUARTIER_TEST_PG connects).
    fn conninfo(&self) -> String {
        let mut keys: Vec<String> = conninfo_pairs(&admin_conninfo())
            .into_iter()
            .filter(|(k, _)| k != "dbname")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        keys.push(format!("dbname={}", self.name));
        keys.join(" ")
    }

    fn client(&self) -> Client {
        connect(&self.conninfo())
    }

    /// A new login role with `password` (dropped with the database).
    fn role(&mut self, password: &str) -> String {
        let role = format!("{}_r{}", self.name, self.roles.len());
        connect(&admin_conninfo())
            .batch_execute(&format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
            .unwrap();
        self.roles.push(role.clone());
        role
    }

    /// `user`'s connection over TCP, where every login needs a password.
    fn tcp(&self, user: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user={user} dbname={}",
            cluster_port(),
            self.name
        )
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // best effort: a failed test leaves at most a database behind
        if let Ok(mut admin) = Client::connect(&admin_conninfo(), NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
            for role in &self.roles {
                let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The project: `quartier init`'s template with some sources in PostGIS

/// A project folder made by `quartier init`.
struct Project {
    dir: tempfile::TempDir,
    file: PathBuf,
    /// The template project.toml as `init` wrote it.
    template: String,
}

impl Project {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_quartier"))
            .args(["init", "--quiet"])
            .arg(dir.path())
            .output()
            .expect("the binary runs");
        assert_eq!(o.status.code(), Some(0), "init: {}", text(&o.stderr));
        let file = dir.path().join("project.toml");
        let template = fs::read_to_string(&file).unwrap();
        Self {
            dir,
            file,
            template,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, toml: &str) {
        fs::write(&self.file, toml).unwrap();
    }

    /// `quartier <cmd> project.toml --quiet` without the shell's PG* variables, with
    /// HOME in the project folder (no ~/.pgpass) and `env` set.
    fn command(&self, cmd: &str, env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_quartier"));
        c.arg(cmd).arg(&self.file);
        for v in PG_ENV {
            c.env_remove(v);
        }
        c.env("HOME", self.path());
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, cmd: &str, env: &[(&str, &str)]) -> Output {
        self.command(cmd, env).output().expect("the binary runs")
    }

    /// Runs `cmd` and asserts it succeeds.
    fn ok(&self, cmd: &str, env: &[(&str, &str)]) -> Output {
        let o = self.run(cmd, env);
        assert_eq!(o.status.code(), Some(0), "{cmd}: {}", text(&o.stderr));
        o
    }

    /// Runs `cmd` and asserts it exits with `code`; its stderr.
    fn fails(&self, cmd: &str, env: &[(&str, &str)], code: i32) -> String {
        let o = self.run(cmd, env);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{cmd}: {err}");
        assert!(
            err.contains("quartier: error:"),
            "{cmd}: an error message: {err}"
        );
        assert_no_canary(cmd, &o);
        err
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `s` as a TOML basic string.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `{ connection = "...", <key> = "..." }`.
fn inline(connection: &str, key: &str, value: &str) -> String {
    format!(
        "{{ connection = {}, {key} = {} }}",
        toml_str(connection),
        toml_str(value)
    )
}

fn replaced(toml: &str, from: &str, to: &str) -> String {
    assert!(
        toml.contains(from),
        "the template project has no `{from}` (did `quartier init` change?)"
    );
    toml.replacen(from, to, 1)
}

/// The project with its block layer read from PostGIS `table`.
fn blocks_from(toml: &str, connection: &str, table: &str) -> String {
    replaced(
        toml,
        "path = \"data/baubloecke.geojson\"",
        &format!("postgis = {}", inline(connection, "table", table)),
    )
}

/// The project with its residents read from PostGIS `table` (columns as [`load_demo_town`]
/// names them).
fn residents_from(toml: &str, connection: &str, table: &str) -> String {
    let toml = replaced(
        toml,
        "path = \"data/einwohner.csv\"\nformat = { delimiter = \";\", encoding = \"windows-1252\", decimal = \",\" }",
        &format!("postgis = {}", inline(connection, "table", table)),
    );
    let toml = replaced(&toml, "column = \"Rechtswert\"", "column = \"rechtswert\"");
    let toml = replaced(&toml, "column = \"Hochwert\"", "column = \"hochwert\"");
    // the residents' age comes first (kita has an `Alter` column too)
    replaced(
        &toml,
        "{ column = \"Alter\", use = \"age\"",
        "{ column = \"alter\", use = \"age\"",
    )
}

/// The project with the published layers also written into PostGIS `schema`.
fn target_into(toml: &str, connection: &str, schema: &str) -> String {
    replaced(
        toml,
        "\n[outputs]\n",
        &format!(
            "\n[outputs]\npostgis = {}\n",
            inline(connection, "schema", schema)
        ),
    )
}

/// Loads the template's sample town as an office would: the blocks into `alkis.baubloecke`
/// (MultiPolygon, EPSG:25832) and the resident register export into `melde.einwohner`
/// (text columns, read from the Windows-1252 CSV by the server's COPY).
fn load_demo_town(db: &TestDb, dir: &Path) {
    let mut c = db.client();
    c.batch_execute(
        "CREATE SCHEMA alkis;
         CREATE SCHEMA melde;
         CREATE TABLE alkis.baubloecke (
             fid serial PRIMARY KEY, gemeinde_id text, ortsteil_id text, quartier_id text,
             baublock_id text, name text, geom geometry(MultiPolygon, 25832));
         CREATE TABLE melde.einwohner (
             id text, familienname text, rechtswert text, hochwert text, alter text);",
    )
    .unwrap();
    let geojson = fs::read_to_string(dir.join("data/baubloecke.geojson")).unwrap();
    let blocks = c
        .execute(
            "INSERT INTO alkis.baubloecke
                 (gemeinde_id, ortsteil_id, quartier_id, baublock_id, name, geom)
             SELECT f->'properties'->>'gemeinde_id', f->'properties'->>'ortsteil_id',
                    f->'properties'->>'quartier_id', f->'properties'->>'baublock_id',
                    f->'properties'->>'name',
                    ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON((f->'geometry')::text), 25832))
               FROM json_array_elements($1::text::json -> 'features') AS f",
            &[&geojson],
        )
        .unwrap();
    assert!(blocks > 100, "{blocks} blocks loaded");
    let mut copy = c
        .copy_in(
            "COPY melde.einwohner FROM STDIN
               WITH (FORMAT csv, HEADER true, DELIMITER ';', ENCODING 'WIN1252')",
        )
        .unwrap();
    copy.write_all(&fs::read(dir.join("data/einwohner.csv")).unwrap())
        .unwrap();
    let residents = copy.finish().unwrap();
    assert!(residents > 1000, "{residents} residents loaded");
}

/// A one-block table `table` (the template's id columns, a name and `geom` of SQL type
/// `geom_type`) whose row has the geometry `geom_sql`.
fn tiny_blocks(db: &TestDb, table: &str, geom_type: &str, geom_sql: &str) {
    db.client()
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS alkis;
             CREATE TABLE {table} (gemeinde_id text, ortsteil_id text, quartier_id text,
                                   baublock_id text, name text, geom {geom_type});
             INSERT INTO {table} VALUES ('05758999', '05758999-01', '05758999-01-01',
                                         '05758999-01-01-001', 'Block', {geom_sql});"
        ))
        .unwrap();
}

/// A block of the sample town, as WKT in EPSG:25832 coordinates.
const BLOCK_WKT: &str = "MULTIPOLYGON(((462083.5 5778372.75, 462169.5 5778373.125, \
     462167.25 5778432.25, 462083.75 5778434, 462083.5 5778372.75)))";

fn assert_no_canary(what: &str, o: &Output) {
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        assert!(
            !text(bytes).contains("CANARY"),
            "{what}: {stream} shows a canary: {}",
            text(bytes)
        );
    }
}

fn assert_has(what: &str, err: &str, needles: &[&str]) {
    for n in needles {
        assert!(err.contains(n), "{what}: the message lacks `{n}`: {err}");
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else {
                out.push((e.path(), fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------
// 1. The server cannot be reached

#[test]
fn an_unreachable_server_is_named_with_the_table() {
    let p = Project::new();
    // port 1 on the loopback: nothing listens there
    p.write(&blocks_from(
        &p.template,
        "host=127.0.0.1 port=1 user=x dbname=y",
        "alkis.baubloecke",
    ));
    for cmd in ["validate", "run"] {
        let err = p.fails(cmd, &[], 1);
        assert_has(
            cmd,
            &err,
            &[
                "PostGIS table alkis.baubloecke",
                "cannot reach the database server",
            ],
        );
        // the client's reason (PostgisProblem::Unreachable: "e.g. `Connection refused`")
        assert!(
            err.to_lowercase().contains("refused"),
            "{cmd}: the message does not say why the server cannot be reached: {err}"
        );
    }
    assert!(
        !p.path().join("out/protected").exists(),
        "nothing is written when the blocks cannot be read"
    );
}

// ---------------------------------------------------------------------------------------
// 2. Credentials

#[test]
fn credentials_come_from_the_environment_and_are_never_shown() {
    let mut db = TestDb::new("cred");
    let p = Project::new();
    load_demo_town(&db, p.path());
    let password = "right_pw_53q";
    let role = db.role(password);
    db.client()
        .batch_execute(&format!(
            "GRANT USAGE ON SCHEMA alkis TO {role}; GRANT SELECT ON alkis.baubloecke TO {role}"
        ))
        .unwrap();
    let conn = db.tcp(&role);
    p.write(&blocks_from(&p.template, &conn, "alkis.baubloecke"));
    let table = "PostGIS table alkis.baubloecke";
    let user = format!("`{role}`");

    // a wrong password: the table, the user, "wrong password", never the password
    for cmd in ["validate", "run"] {
        let err = p.fails(cmd, &[("PGPASSWORD", CANARY_PASSWORD)], 1);
        assert_has(cmd, &err, &[table, &user, "wrong password"]);
    }

    // no password in the environment, no password file (or an empty one)
    let missing = p.path().join("no-such-pgpass");
    let empty = p.path().join("empty-pgpass");
    fs::write(&empty, "").unwrap();
    set_mode(&empty, 0o600);
    for file in [&missing, &empty] {
        let file = file.to_str().unwrap();
        let err = p.fails("validate", &[("PGPASSFILE", file)], 1);
        assert_has(file, &err, &[table, &user, "asks for a password"]);
    }

    // the right password from a password file readable by its owner only
    let pgpass = p.path().join("pgpass");
    fs::write(
        &pgpass,
        format!(
            "# host:port:database:user:password\n127.0.0.1:{}:{}:{role}:{password}\n",
            cluster_port(),
            db.name
        ),
    )
    .unwrap();
    set_mode(&pgpass, 0o600);
    let env = [("PGPASSFILE", pgpass.to_str().unwrap())];
    let o = p.ok("validate", &env);
    assert!(text(&o.stderr).contains("0 errors"), "{}", text(&o.stderr));
    // ... and the same file readable by others is ignored, as libpq ignores it
    set_mode(&pgpass, 0o644);
    let err = p.fails("validate", &env, 1);
    assert_has("pgpass 0644", &err, &[table, "asks for a password"]);

    // a password in the project file is a project error (exit 2) that shows no value
    for connection in [
        format!("{conn} password=CANARY_pw_in_project"),
        format!(
            "postgresql://{role}:CANARY_pw_in_uri@127.0.0.1:{}/{}",
            cluster_port(),
            db.name
        ),
    ] {
        p.write(&blocks_from(&p.template, &connection, "alkis.baubloecke"));
        for cmd in ["validate", "run"] {
            let err = p.fails(cmd, &[], 2);
            assert_has(cmd, &err, &["hierarchy.postgis.connection", "PGPASSWORD"]);
        }
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

// ---------------------------------------------------------------------------------------
// 3.–6. Bad source tables

#[test]
fn a_missing_table_is_named() {
    let db = TestDb::new("notable");
    let p = Project::new();
    for table in ["alkis.baubloecke", "public.baubloecke"] {
        p.write(&blocks_from(&p.template, &db.conninfo(), table));
        for cmd in ["validate", "run"] {
            let err = p.fails(cmd, &[], 1);
            assert_has(
                cmd,
                &err,
                &[&format!("PostGIS table {table}"), "no such table"],
            );
        }
    }
}

#[test]
fn a_wrong_srid_names_the_srid_and_the_crs() {
    let db = TestDb::new("srid");
    let p = Project::new();
    // the column's SRID (PostGIS' catalog) ...
    tiny_blocks(
        &db,
        "alkis.bloecke_typed",
        "geometry(MultiPolygon, 4326)",
        &format!("ST_GeomFromText('{BLOCK_WKT}', 4326)"),
    );
    // ... and, in a column without a type modifier, the row's
    tiny_blocks(
        &db,
        "alkis.bloecke_untyped",
        "geometry",
        &format!("ST_GeomFromText('{BLOCK_WKT}', 4326)"),
    );
    for table in ["alkis.bloecke_typed", "alkis.bloecke_untyped"] {
        p.write(&blocks_from(&p.template, &db.conninfo(), table));
        for cmd in ["validate", "run"] {
            let err = p.fails(cmd, &[], 1);
            assert_has(
                table,
                &err,
                &[&format!("PostGIS table {table}"), "SRID 4326", "EPSG:25832"],
            );
        }
    }
}

#[test]
fn a_geometry_that_is_not_a_polygon_names_the_type() {
    let db = TestDb::new("gtype");
    let p = Project::new();
    tiny_blocks(
        &db,
        "alkis.linien",
        "geometry(LineString, 25832)",
        "ST_GeomFromText('LINESTRING(462083.5 5778372.75, 462169.5 5778373.125)', 25832)",
    );
    tiny_blocks(
        &db,
        "alkis.punkte",
        "geometry",
        "ST_GeomFromText('POINT(462100 5778400)', 25832)",
    );
    for (table, found) in [("alkis.linien", "linestring"), ("alkis.punkte", "point")] {
        p.write(&blocks_from(&p.template, &db.conninfo(), table));
        let err = p.fails("validate", &[], 1);
        assert_has(table, &err, &[&format!("PostGIS table {table}")]);
        let lower = err.to_lowercase();
        assert!(
            lower.contains(found) && lower.contains("polygon"),
            "{table}: the message names neither the type found ({found}) nor the one \
             expected: {err}"
        );
    }
}

#[test]
fn a_missing_column_is_named_with_the_columns_there_are() {
    let db = TestDb::new("nocol");
    let p = Project::new();
    // an id field of the project (`baublock_id`) that the block table lacks
    db.client()
        .batch_execute(&format!(
            "CREATE SCHEMA alkis;
             CREATE TABLE alkis.bloecke (gemeinde_id text, ortsteil_id text, quartier_id text,
                                         block_nr text, name text,
                                         geom geometry(MultiPolygon, 25832));
             INSERT INTO alkis.bloecke VALUES ('05758999', '05758999-01', '05758999-01-01',
                 '05758999-01-01-001', 'Block', ST_GeomFromText('{BLOCK_WKT}', 25832));"
        ))
        .unwrap();
    p.write(&blocks_from(&p.template, &db.conninfo(), "alkis.bloecke"));
    let err = p.fails("validate", &[], 1);
    assert_has(
        "blocks",
        &err,
        &[
            "PostGIS table alkis.bloecke",
            "`baublock_id`",
            "`gemeinde_id`, `ortsteil_id`, `quartier_id`, `block_nr`, `name`, `geom`",
        ],
    );

    // a dataset's column: the residents' age column under another name
    db.client()
        .batch_execute(
            "CREATE SCHEMA melde;
             CREATE TABLE melde.einwohner (id text, rechtswert text, hochwert text, jahre text);
             INSERT INTO melde.einwohner VALUES ('EW-1', '462100,5', '5778400,5', '7');",
        )
        .unwrap();
    p.write(&residents_from(
        &p.template,
        &db.conninfo(),
        "melde.einwohner",
    ));
    let err = p.fails("validate", &[], 1);
    assert_has(
        "residents",
        &err,
        &[
            "PostGIS table melde.einwohner",
            "`alter`",
            "`id`, `rechtswert`, `hochwert`, `jahre`",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// 7. Canaries in the records

/// The human summary of the resident dataset on stderr
/// (`resident: N records, A assigned, U unassigned, R rows not read`).
fn resident_summary(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("resident: ") && l.ends_with(" rows not read"))
        .unwrap_or_else(|| panic!("no summary of the residents: {stderr}"))
        .to_owned()
}

/// The `R` of `... R rows not read`.
fn rows_not_read(summary: &str) -> u64 {
    summary
        .trim_end_matches(" rows not read")
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Sets field `field` of the `;`-separated rows of `csv` whose first field is in `ids`.
fn plant(csv: &Path, ids: &[&str], field: usize, value: &str) {
    let bytes = fs::read(csv).unwrap();
    let mut planted = 0;
    let lines: Vec<Vec<u8>> = bytes
        .split(|&b| b == b'\n')
        .map(|line| {
            // the export ends its lines with CRLF
            let (line, cr) = match line.strip_suffix(b"\r") {
                Some(l) => (l, &b"\r"[..]),
                None => (line, &b""[..]),
            };
            let mut fields: Vec<&[u8]> = line.split(|&b| b == b';').collect();
            if ids.iter().any(|id| fields[0] == id.as_bytes()) {
                planted += 1;
                fields[field] = value.as_bytes();
            }
            [fields.join(&b';'), cr.to_vec()].concat()
        })
        .collect();
    assert_eq!(planted, ids.len(), "rows {ids:?} of {}", csv.display());
    fs::write(csv, lines.join(&b'\n')).unwrap();
}

#[test]
fn canaries_in_the_records_reach_no_output_and_no_published_table() {
    let db = TestDb::new("canary");
    let p = Project::new();
    // Canaries in the register export: in columns that are read (the age of three
    // residents, a coordinate of one) and in one that is not (every family name of the
    // sample carries one).
    let csv = p.path().join("data/einwohner.csv");
    plant(
        &csv,
        &["EW-000010", "EW-000011", "EW-000012"],
        4,
        "CANARY_AGE_7",
    );
    plant(&csv, &["EW-000020"], 2, "CANARY_X_5");
    load_demo_town(&db, p.path());
    let mut c = db.client();
    let (ages, xs, named): (i64, i64, i64) = {
        let r = c
            .query_one(
                "SELECT count(*) FILTER (WHERE alter = 'CANARY_AGE_7'),
                        count(*) FILTER (WHERE rechtswert = 'CANARY_X_5'),
                        count(*) FILTER (WHERE familienname LIKE '%CANARY%')
                   FROM melde.einwohner",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!((ages, xs), (3, 1), "the canaries are in the table");
    assert!(named > 1000, "{named} family names with a canary");

    // The oracle: the file-based pipeline on the same export.
    let o = p.ok("anonymize", &[]);
    let by_file = resident_summary(&text(&o.stderr));
    assert!(
        rows_not_read(&by_file) >= 3,
        "the ages are refused: {by_file}"
    );
    let protected_by_file =
        fs::read(p.path().join("out/protected/protected_resident.csv")).unwrap();
    fs::remove_dir_all(p.path().join("out")).unwrap();

    let conn = db.conninfo();
    let toml = blocks_from(&p.template, &conn, "alkis.baubloecke");
    let toml = residents_from(&toml, &conn, "melde.einwohner");
    p.write(&target_into(&toml, &conn, SCHEMA));

    let validate = p.ok("validate", &[]);
    assert_no_canary("validate", &validate);
    let run = p.ok("run", &[]);
    assert_no_canary("run", &run);
    assert_eq!(
        resident_summary(&text(&run.stderr)),
        by_file,
        "the table reads as the CSV export does"
    );
    assert!(
        fs::read(p.path().join("out/protected/protected_resident.csv")).unwrap()
            == protected_by_file,
        "protected_resident.csv differs from the file-based run's"
    );

    let files = files_under(&p.path().join("out"));
    assert!(files.len() >= 20, "{} files written", files.len());
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, b"CANARY"),
            "{} contains a canary",
            path.display()
        );
    }

    // The database: everything but the office's source schemas (the published layers and
    // public.layer_styles).
    let dump = |args: &[&str]| -> Vec<u8> {
        let o = Command::new("pg_dump")
            .args(["--data-only", "--no-owner"])
            .args(args)
            .arg("--dbname")
            .arg(db.conninfo())
            .output()
            .expect("pg_dump runs (install postgresql-client)");
        assert!(o.status.success(), "pg_dump: {}", text(&o.stderr));
        o.stdout
    };
    let published = dump(&["--exclude-schema=alkis", "--exclude-schema=melde"]);
    for table in ["gemeinde", "ortsteil", "quartier", "baublock"] {
        assert!(
            contains(&published, format!("COPY {SCHEMA}.{table} ").as_bytes()),
            "the dump lacks the published table {table}"
        );
    }
    assert!(contains(&published, b"COPY public.layer_styles "));
    assert!(
        !contains(&published, b"CANARY"),
        "a published table holds a canary"
    );
    // (the search finds canaries where they are)
    assert!(contains(&dump(&["--schema=melde"]), b"CANARY_AGE_7"));
}

// ---------------------------------------------------------------------------------------
// 8. A write killed half-way

/// The content of every table in `schema` and of `public.layer_styles`, by name.
fn checksums(c: &mut Client, schema: &str) -> BTreeMap<String, String> {
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY 1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut sums = BTreeMap::new();
    for t in tables {
        let sum: Option<String> = c
            .query_one(
                &format!(
                    "SELECT md5(string_agg(t::text, '|' ORDER BY fid)) FROM \"{schema}\".\"{t}\" t"
                ),
                &[],
            )
            .unwrap()
            .get(0);
        sums.insert(t, sum.unwrap_or_default());
    }
    let styles: Option<String> = c
        .query_one(
            "SELECT md5(string_agg(l::text, '|' ORDER BY id)) FROM public.layer_styles l",
            &[],
        )
        .unwrap()
        .get(0);
    sums.insert("public.layer_styles".to_owned(), styles.unwrap_or_default());
    sums
}

/// Tables and indexes a run builds before its swap.
fn leftovers(c: &mut Client) -> Vec<String> {
    c.query(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname LIKE '%\\_\\_quartier\\_new%'",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// Waits until a backend of quartier in database `db` waits for a lock; its pid.
fn locked_backend(c: &mut Client, db: &str, child: &mut Child) -> i32 {
    let start = Instant::now();
    loop {
        let rows = c
            .query(
                "SELECT pid FROM pg_stat_activity
                  WHERE datname = $1 AND application_name = 'quartier'
                    AND wait_event_type = 'Lock'",
                &[&db],
            )
            .unwrap();
        if let Some(row) = rows.first() {
            return row.get(0);
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("quartier analyze ended ({status}) before it waited for layer_styles: {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no quartier backend waited for the lock on public.layer_styles within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until backend `pid` is gone (its transaction rolled back).
fn backend_gone(c: &mut Client, pid: i32) {
    let start = Instant::now();
    loop {
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )
            .unwrap()
            .get(0);
        if n == 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "backend {pid} still there after 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `child` to end (at most 60 s): its exit code and stderr.
fn finish(child: &mut Child) -> (Option<i32>, String) {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("quartier analyze did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut err).unwrap();
    }
    (status.code(), err)
}

#[test]
fn a_write_killed_half_way_leaves_the_previous_tables() {
    let db = TestDb::new("kill");
    let p = Project::new();
    load_demo_town(&db, p.path());
    let conn = db.conninfo();
    let toml = blocks_from(&p.template, &conn, "alkis.baubloecke");
    let toml = residents_from(&toml, &conn, "melde.einwohner");
    p.write(&target_into(&toml, &conn, SCHEMA));
    p.ok("run", &[]);

    let mut c = db.client();
    let before = checksums(&mut c, SCHEMA);
    let tables: Vec<&str> = before.keys().map(String::as_str).collect();
    // one table per level of the template's hierarchy, and the QGIS styles
    assert_eq!(
        tables,
        [
            "baublock",
            "gemeinde",
            "ortsteil",
            "public.layer_styles",
            "quartier"
        ]
    );
    assert!(before.values().all(|s| !s.is_empty()), "{before:?}");

    // New data, so that the next analyze writes other tables: a tenth of the residents move.
    let moved = c
        .execute("DELETE FROM melde.einwohner WHERE id LIKE '%0'", &[])
        .unwrap();
    assert!(moved > 500, "{moved} residents moved");
    p.ok("anonymize", &[]);

    for terminate in [false, true] {
        let variant = if terminate {
            "backend terminated"
        } else {
            "process killed"
        };
        // QGIS' style table locked: analyze builds and swaps the new tables in its
        // transaction, then waits to replace the styles
        let mut locker = db.client();
        let mut lock = locker.transaction().unwrap();
        lock.batch_execute("LOCK TABLE public.layer_styles IN ACCESS EXCLUSIVE MODE")
            .unwrap();
        let mut child = p
            .command("analyze", &[])
            .arg("--quiet")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = locked_backend(&mut c, &db.name, &mut child);
        assert_eq!(
            leftovers(&mut c),
            Vec::<String>::new(),
            "{variant}: the new tables are not visible outside the transaction"
        );
        if terminate {
            let done: bool = c
                .query_one("SELECT pg_terminate_backend($1)", &[&pid])
                .unwrap()
                .get(0);
            assert!(done);
            let (code, err) = finish(&mut child);
            assert_eq!(code, Some(1), "{variant}: {err}");
            assert_has(variant, &err, &[&format!("PostGIS schema {SCHEMA}")]);
            lock.rollback().unwrap();
        } else {
            child.kill().unwrap(); // SIGKILL: nothing of quartier runs any more
            let status = child.wait().unwrap();
            assert!(!status.success());
            lock.rollback().unwrap();
        }
        backend_gone(&mut c, pid);

        assert_eq!(
            checksums(&mut c, SCHEMA),
            before,
            "{variant}: the previous run's tables and styles changed"
        );
        assert_eq!(
            leftovers(&mut c),
            Vec::<String>::new(),
            "{variant}: the new tables were left behind"
        );
    }

    // An analyze that is not interrupted replaces every table (so the checks above could
    // see a partial write).
    p.ok("analyze", &[]);
    let after = checksums(&mut c, SCHEMA);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for table in ["gemeinde", "ortsteil", "quartier", "baublock"] {
        assert_ne!(after[table], before[table], "{table} did not change");
    }
    assert_eq!(leftovers(&mut c), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------
// 9. A target schema the user may not create

#[test]
fn validate_reports_a_target_schema_the_user_may_not_create() {
    let mut db = TestDb::new("nocreate");
    let p = Project::new();
    let password = "right_pw_77k";
    let role = db.role(password);
    p.write(&target_into(&p.template, &db.tcp(&role), SCHEMA));
    let env = [("PGPASSWORD", password)];
    let mut admin = db.client();
    let may: bool = admin
        .query_one(
            "SELECT has_database_privilege($1, current_database(), 'CREATE')",
            &[&role],
        )
        .unwrap()
        .get(0);
    assert!(!may, "a new role may not create schemas");

    let err = p.fails("validate", &env, 1);
    assert_has(
        "no schema",
        &err,
        &[
            &format!("PostGIS schema {SCHEMA}"),
            &format!("`{role}`"),
            "may not create",
        ],
    );
    assert!(
        !p.path().join("out").exists(),
        "validate writes nothing: {:?}",
        files_under(p.path())
    );

    // the schema exists, but the user may not create tables in it
    admin
        .batch_execute(&format!(
            "CREATE SCHEMA {SCHEMA}; GRANT USAGE ON SCHEMA {SCHEMA} TO {role}"
        ))
        .unwrap();
    let err = p.fails("validate", &env, 1);
    assert_has(
        "schema without CREATE",
        &err,
        &[
            &format!("PostGIS schema {SCHEMA}"),
            &format!("`{role}`"),
            "may not create tables",
        ],
    );

    // with CREATE on the schema and QGIS' style table writable, it validates and runs
    admin
        .batch_execute(&format!(
            "GRANT CREATE ON SCHEMA {SCHEMA} TO {role};
             CREATE TABLE public.layer_styles (
                 id serial PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar,
                 f_table_name varchar, f_geometry_column varchar, stylename text,
                 styleqml xml, stylesld xml, useasdefault boolean, description text,
                 owner varchar(63) DEFAULT CURRENT_USER, ui xml,
                 update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar);
             GRANT SELECT, INSERT, UPDATE, DELETE ON public.layer_styles TO {role};
             GRANT USAGE ON SEQUENCE public.layer_styles_id_seq TO {role};"
        ))
        .unwrap();
    p.ok("validate", &env);
    p.ok("run", &env);
    let tables: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tableowner = $2",
            &[&SCHEMA, &role],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 4, "one table per level, owned by the user");
}
