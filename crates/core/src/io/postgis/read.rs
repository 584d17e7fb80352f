//! Reading block layers, unit layers and records from PostGIS tables and queries.

use std::path::PathBuf;

use postgres::types::{FromSql, Type};

use super::{
    PostgisProblem, PostgisSource, Relation, connect, problem_of, quote_ident, quote_table,
};
use crate::crs::Crs;
use crate::hierarchy::{BlockFeature, UnitFeature};
use crate::io::geojson::BlockLayerSpec;
use crate::io::records::{
    RecordColumns, RecordFile, RecordLocation, RecordSink, Rejection, RowParser,
};
use crate::io::{IoError, WkbProblem, multipolygon_from_wkb};
use crate::records::RecordKind;

/// Pseudo-column names of a point geometry's coordinates (no SQL name holds a NUL).
const POINT_X: &str = "\0x";
const POINT_Y: &str = "\0y";

/// Rows fetched per round trip from the server's portal.
const BATCH: i32 = 10_000;

/// A geometry as PostGIS sends it in binary: EWKB.
struct Ewkb<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Ewkb<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self(raw))
    }

    fn accepts(ty: &Type) -> bool {
        ty.name() == "geometry"
    }
}

/// The SRID in an EWKB header (0 when none is given), or `None` for bytes too short.
fn ewkb_srid(bytes: &[u8]) -> Option<i32> {
    let (&order, rest) = bytes.split_first()?;
    let word = |b: &[u8]| -> Option<u32> {
        let b: [u8; 4] = b.get(..4)?.try_into().ok()?;
        Some(if order == 0 {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ty = word(rest)?;
    if ty & 0x2000_0000 == 0 {
        return Some(0);
    }
    word(rest.get(4..)?).map(|s| s as i32)
}

/// The coordinates of an EWKB point (Z and M dropped), or the type's name when it is not a
/// point.
fn ewkb_point(bytes: &[u8]) -> Result<(f64, f64), String> {
    let too_short = || "a truncated geometry".to_owned();
    let (&order, rest) = bytes.split_first().ok_or_else(too_short)?;
    let num = |b: &[u8], at: usize, n: usize| -> Option<u64> {
        let s = b.get(at..at + n)?;
        let mut v = 0u64;
        for i in 0..n {
            let byte = if order == 0 { s[i] } else { s[n - 1 - i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    };
    let ty = num(rest, 0, 4).ok_or_else(too_short)? as u32;
    let base = (ty & 0x0FFF_FFFF) % 1000;
    if base != 1 {
        return Err(match base {
            2 => "LINESTRING",
            3 => "POLYGON",
            4 => "MULTIPOINT",
            5 => "MULTILINESTRING",
            6 => "MULTIPOLYGON",
            7 => "GEOMETRYCOLLECTION",
            _ => "an unknown geometry type",
        }
        .to_owned());
    }
    let at = if ty & 0x2000_0000 != 0 { 8 } else { 4 };
    let x = num(rest, at, 8).ok_or_else(too_short)?;
    let y = num(rest, at + 8, 8).ok_or_else(too_short)?;
    Ok((f64::from_bits(x), f64::from_bits(y)))
}

/// The columns of a source and its geometry column.
struct Shape {
    /// Column names in order.
    columns: Vec<String>,
    /// `FROM` clause: the quoted table, or the query as a subquery.
    from: String,
    /// `ORDER BY` clause (the primary key of a table), or empty.
    order: String,
    geometry: Option<Geometry>,
}

struct Geometry {
    column: String,
    /// The catalog's SRID (0 when not constrained, and for queries).
    srid: i32,
    /// The catalog's type (`GEOMETRY` when not constrained, and for queries).
    kind: String,
}

/// The source's name and user, for messages.
struct Ctx {
    user: String,
    what: String,
}

impl Ctx {
    fn error(&self, row: Option<u64>, column: Option<&str>, problem: PostgisProblem) -> IoError {
        IoError::Postgis {
            what: self.what.clone(),
            row,
            column: column.map(str::to_owned),
            problem: Box::new(problem),
        }
    }

    fn db(&self, e: &postgres::Error) -> IoError {
        self.error(None, None, problem_of(e, &self.user))
    }

    /// Checks that the columns exist; their `::text` select list.
    fn text_columns(&self, shape: &Shape, wanted: &[&str]) -> Result<Vec<String>, IoError> {
        wanted
            .iter()
            .map(|c| {
                if shape.columns.iter().any(|s| s == c) {
                    Ok(format!("{}::text", quote_ident(c)))
                } else {
                    Err(self.error(
                        None,
                        None,
                        PostgisProblem::MissingColumn {
                            column: (*c).to_owned(),
                            available: shape.columns.clone(),
                        },
                    ))
                }
            })
            .collect()
    }

    /// Checks the catalog's geometry type against `allowed` names.
    fn check_kind(
        &self,
        g: &Geometry,
        allowed: &[&str],
        expected: &'static str,
    ) -> Result<(), IoError> {
        let kind = g.kind.to_ascii_uppercase();
        let base = kind.trim_end_matches('M').trim_end_matches('Z');
        if base == "GEOMETRY" || allowed.contains(&base) {
            Ok(())
        } else {
            Err(self.error(
                None,
                Some(&g.column),
                PostgisProblem::GeometryType {
                    found: g.kind.clone(),
                    expected,
                },
            ))
        }
    }

    /// Checks the catalog's SRID (when constrained) against the layer's CRS.
    fn check_catalog_srid(&self, g: &Geometry, crs: Crs) -> Result<(), IoError> {
        if g.srid != 0 && i64::from(g.srid) != i64::from(crs.epsg()) {
            return Err(self.error(
                None,
                Some(&g.column),
                PostgisProblem::WrongSrid {
                    found: g.srid,
                    expected: crs.epsg(),
                },
            ));
        }
        Ok(())
    }

    /// A row's polygon geometry, decoded and checked: `None` for `NULL`.
    fn polygon(
        &self,
        row: &postgres::Row,
        i: usize,
        n: u64,
        column: &str,
        crs: Crs,
    ) -> Result<Option<geo::MultiPolygon<f64>>, IoError> {
        let Some(Ewkb(bytes)) = row
            .try_get::<_, Option<Ewkb<'_>>>(i)
            .map_err(|e| self.error(Some(n), Some(column), problem_of(&e, &self.user)))?
        else {
            return Ok(None);
        };
        self.check_srid(bytes, n, column, crs)?;
        multipolygon_from_wkb(bytes)
            .map(Some)
            .map_err(|p| match p {
                WkbProblem::UnsupportedGeometry { found } => PostgisProblem::GeometryType {
                    found: found.to_owned(),
                    expected: "Polygon or MultiPolygon",
                },
                other => PostgisProblem::Geometry(other),
            })
            .map_err(|p| self.error(Some(n), Some(column), p))
    }

    fn check_srid(&self, bytes: &[u8], n: u64, column: &str, crs: Crs) -> Result<(), IoError> {
        let srid = ewkb_srid(bytes).unwrap_or(0);
        if i64::from(srid) != i64::from(crs.epsg()) {
            return Err(self.error(
                Some(n),
                Some(column),
                PostgisProblem::WrongSrid {
                    found: srid,
                    expected: crs.epsg(),
                },
            ));
        }
        Ok(())
    }

    /// A row's text cell (`NULL` is `None`).
    fn text<'r>(
        &self,
        row: &'r postgres::Row,
        i: usize,
        n: u64,
        column: &str,
    ) -> Result<Option<&'r str>, IoError> {
        row.try_get::<_, Option<&str>>(i)
            .map_err(|e| self.error(Some(n), Some(column), problem_of(&e, &self.user)))
    }
}

/// A connection to a source.
struct Reader {
    client: postgres::Client,
    ctx: Ctx,
}

impl Reader {
    fn open(source: &PostgisSource) -> Result<Self, IoError> {
        let what = source.to_string();
        let c = connect(&source.connection).map_err(|problem| IoError::Postgis {
            what: what.clone(),
            row: None,
            column: None,
            problem: Box::new(problem),
        })?;
        Ok(Self {
            client: c.client,
            ctx: Ctx { user: c.user, what },
        })
    }

    fn error(&self, row: Option<u64>, column: Option<&str>, problem: PostgisProblem) -> IoError {
        self.ctx.error(row, column, problem)
    }

    fn db(&self, e: &postgres::Error) -> IoError {
        self.ctx.db(e)
    }

    /// The source's columns, geometry column and row order, checked against PostGIS' catalog.
    fn shape(&mut self, source: &PostgisSource, geometry: bool) -> Result<Shape, IoError> {
        let postgis: Option<String> = self
            .client
            .query_one("SELECT to_regtype('geometry')::text", &[])
            .and_then(|r| r.try_get(0))
            .map_err(|e| self.db(&e))?;
        if postgis.is_none() {
            return Err(self.error(None, None, PostgisProblem::NoPostgis));
        }
        let (columns, geometries, from, order) = match &source.relation {
            Relation::Table(table) => {
                let quoted = quote_table(table);
                let row = self
                    .client
                    .query_one(
                        "SELECT c.oid, n.nspname::text, c.relname::text
                           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE c.oid = to_regclass($1)",
                        &[&quoted],
                    )
                    .map_err(|e| {
                        // no row: to_regclass gave NULL
                        if e.as_db_error().is_none() && !e.is_closed() {
                            self.error(None, None, PostgisProblem::MissingTable)
                        } else {
                            self.db(&e)
                        }
                    })?;
                let oid: u32 = row.get(0);
                let (schema, name): (String, String) = (row.get(1), row.get(2));
                let columns: Vec<(String, String)> = self
                    .client
                    .query(
                        "SELECT a.attname::text, t.typname::text
                           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                          WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
                          ORDER BY a.attnum",
                        &[&oid],
                    )
                    .map_err(|e| self.db(&e))?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                let catalog: Vec<(String, i32, String)> = self
                    .client
                    .query(
                        "SELECT f_geometry_column::text, srid, type::text FROM geometry_columns
                          WHERE f_table_schema = $1 AND f_table_name = $2",
                        &[&schema, &name],
                    )
                    .map_err(|e| self.db(&e))?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
                let geometries = columns
                    .iter()
                    .filter(|(_, t)| t == "geometry")
                    .map(|(c, _)| {
                        let (srid, kind) = catalog
                            .iter()
                            .find(|(g, _, _)| g == c)
                            .map_or((0, "GEOMETRY".to_owned()), |(_, s, k)| (*s, k.clone()));
                        Geometry {
                            column: c.clone(),
                            srid,
                            kind,
                        }
                    })
                    .collect::<Vec<_>>();
                let key: Vec<String> = self
                    .client
                    .query(
                        "SELECT a.attname::text
                           FROM pg_index i
                           JOIN pg_attribute a ON a.attrelid = i.indrelid
                                              AND a.attnum = ANY(i.indkey::int2[])
                          WHERE i.indrelid = $1 AND i.indisprimary
                          ORDER BY array_position(i.indkey::int2[], a.attnum)",
                        &[&oid],
                    )
                    .map_err(|e| self.db(&e))?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                let order = if key.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ORDER BY {}",
                        key.iter()
                            .map(|k| quote_ident(k))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                (
                    columns.into_iter().map(|(c, _)| c).collect::<Vec<_>>(),
                    geometries,
                    format!("{}.{}", quote_ident(&schema), quote_ident(&name)),
                    order,
                )
            }
            Relation::Query(query) => {
                let query = query.trim().trim_end_matches(';');
                let from = format!("({query}) AS quartier_source");
                let statement = self
                    .client
                    .prepare(&format!("SELECT * FROM {from}"))
                    .map_err(|e| self.db(&e))?;
                let columns: Vec<String> = statement
                    .columns()
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect();
                let geometries = statement
                    .columns()
                    .iter()
                    .filter(|c| c.type_().name() == "geometry")
                    .map(|c| Geometry {
                        column: c.name().to_owned(),
                        srid: 0,
                        kind: "GEOMETRY".to_owned(),
                    })
                    .collect();
                (columns, geometries, from, String::new())
            }
        };
        let geometry = if !geometry {
            None
        } else if let Some(named) = &source.geometry {
            let found = geometries.into_iter().find(|g| &g.column == named);
            match found {
                Some(g) => Some(g),
                None if columns.contains(named) => {
                    return Err(self.error(
                        None,
                        Some(named),
                        PostgisProblem::GeometryType {
                            found: "no geometry (another column type)".to_owned(),
                            expected: "a PostGIS geometry column",
                        },
                    ));
                }
                None => {
                    return Err(self.error(
                        None,
                        None,
                        PostgisProblem::MissingColumn {
                            column: named.clone(),
                            available: columns,
                        },
                    ));
                }
            }
        } else if geometries.len() == 1 {
            geometries.into_iter().next()
        } else {
            return Err(self.error(
                None,
                None,
                PostgisProblem::GeometryColumn {
                    found: geometries.into_iter().map(|g| g.column).collect(),
                },
            ));
        };
        Ok(Shape {
            columns,
            from,
            order,
            geometry,
        })
    }
}

/// Streams the rows of `SELECT list FROM shape` to `each` (1-based row number) in one
/// read-only transaction, [`BATCH`] rows per round trip.
fn stream(
    client: &mut postgres::Client,
    ctx: &Ctx,
    list: &[String],
    shape: &Shape,
    mut each: impl FnMut(&postgres::Row, u64) -> Result<(), IoError>,
) -> Result<u64, IoError> {
    let sql = format!(
        "SELECT {} FROM {}{}",
        list.join(", "),
        shape.from,
        shape.order
    );
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| ctx.db(&e))?;
    let portal = tx.bind(sql.as_str(), &[]).map_err(|e| ctx.db(&e))?;
    let mut n = 0u64;
    loop {
        let rows = tx.query_portal(&portal, BATCH).map_err(|e| ctx.db(&e))?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            n += 1;
            each(row, n)?;
        }
    }
    tx.commit().map_err(|e| ctx.db(&e))?;
    Ok(n)
}

/// Opens a polygon source: its shape with a checked polygon geometry column (always
/// `Some`), and the select list of the `wanted` text columns and the geometry last.
fn open_polygons(
    source: &PostgisSource,
    wanted: &[&str],
) -> Result<(Reader, Shape, Vec<String>), IoError> {
    let mut reader = Reader::open(source)?;
    let shape = reader.shape(source, true)?;
    let ctx = &reader.ctx;
    let Some(g) = &shape.geometry else {
        return Err(ctx.error(None, None, PostgisProblem::GeometryColumn { found: vec![] }));
    };
    ctx.check_kind(g, &["POLYGON", "MULTIPOLYGON"], "Polygon or MultiPolygon")?;
    ctx.check_catalog_srid(g, source.crs)?;
    let mut list = ctx.text_columns(&shape, wanted)?;
    list.push(quote_ident(&g.column));
    Ok((reader, shape, list))
}

/// Reads a block layer from a PostGIS table or query: the id fields of `spec` (read as
/// text), the name field and the polygon geometry column, whose SRID must be the EPSG code
/// of the source's CRS.
///
/// A block's feature index is its 0-based row number; rows come in primary-key order for a
/// table that has one, else in the query's or the server's order.
///
/// # Errors
///
/// [`IoError::Postgis`] naming the table (and the row and column where it applies): the
/// server cannot be reached or refuses the user, PostGIS is missing, the table or a column
/// is missing, the geometry column is not one of polygons or has another SRID, a geometry
/// does not decode, an id or a geometry is `NULL`.
pub fn read_block_features_postgis(
    source: &PostgisSource,
    spec: &BlockLayerSpec,
) -> Result<Vec<BlockFeature>, IoError> {
    let crs = source.crs;
    let mut wanted: Vec<&str> = spec.id_fields.iter().map(String::as_str).collect();
    wanted.extend(spec.name_field.as_deref());
    let (mut reader, shape, list) = open_polygons(source, &wanted)?;
    let ctx = &reader.ctx;
    let Some(g) = &shape.geometry else {
        return Ok(Vec::new());
    };
    let ids = spec.id_fields.len();
    let mut blocks = Vec::new();
    stream(&mut reader.client, ctx, &list, &shape, |row, n| {
        let mut block_ids = Vec::with_capacity(ids);
        for (i, field) in spec.id_fields.iter().enumerate() {
            match ctx.text(row, i, n, field)? {
                Some(id) => block_ids.push(id.trim().to_owned()),
                None => return Err(ctx.error(Some(n), Some(field), PostgisProblem::Null)),
            }
        }
        let name = match &spec.name_field {
            Some(f) => ctx.text(row, ids, n, f)?.map(str::to_owned),
            None => None,
        };
        let geometry = ctx
            .polygon(row, list.len() - 1, n, &g.column, crs)?
            .ok_or_else(|| ctx.error(Some(n), Some(&g.column), PostgisProblem::Null))?;
        blocks.push(BlockFeature {
            feature: usize::try_from(n - 1).unwrap_or(usize::MAX),
            ids: block_ids,
            name,
            geometry,
        });
        Ok(())
    })?;
    Ok(blocks)
}

/// Reads a flat layer of upper-level units from a PostGIS table or query (id and name read
/// as text); a `NULL` geometry dissolves the unit from its blocks.
///
/// # Errors
///
/// As [`read_block_features_postgis`].
pub fn read_unit_features_postgis(
    source: &PostgisSource,
    id_field: &str,
    name_field: Option<&str>,
) -> Result<Vec<UnitFeature>, IoError> {
    let crs = source.crs;
    let mut wanted = vec![id_field];
    wanted.extend(name_field);
    let (mut reader, shape, list) = open_polygons(source, &wanted)?;
    let ctx = &reader.ctx;
    let Some(g) = &shape.geometry else {
        return Ok(Vec::new());
    };
    let mut units = Vec::new();
    stream(&mut reader.client, ctx, &list, &shape, |row, n| {
        let id = ctx
            .text(row, 0, n, id_field)?
            .ok_or_else(|| ctx.error(Some(n), Some(id_field), PostgisProblem::Null))?
            .trim()
            .to_owned();
        let name = match name_field {
            Some(f) => ctx.text(row, 1, n, f)?.map(str::to_owned),
            None => None,
        };
        let geometry = ctx
            .polygon(row, list.len() - 1, n, &g.column, crs)?
            .filter(|g| !g.0.is_empty());
        units.push(UnitFeature {
            feature: usize::try_from(n - 1).unwrap_or(usize::MAX),
            id,
            name,
            geometry,
        });
        Ok(())
    })?;
    Ok(units)
}

/// Reads the records of one kind from a PostGIS table or query, exactly as
/// [`read_records_csv`](crate::read_records_csv) reads a CSV file's rows: every row is a
/// record or a [`Rejection`] (its `line` is the 1-based row number, its path the source's
/// name). Columns are read as text.
///
/// Where `source.geometry` names a point column and `columns` locate by coordinates, the
/// position comes from that column (its SRID must be the source's CRS; the x and y column names are
/// then not read). A `NULL` point gives a record without a position.
///
/// # Errors
///
/// [`IoError::Postgis`] as for [`read_block_features_postgis`], and for a geometry that is
/// not a point; never with a value of a record.
pub fn read_records_postgis(
    source: &PostgisSource,
    kind: RecordKind,
    columns: &RecordColumns,
) -> Result<RecordFile, IoError> {
    let crs = source.crs;
    let mut reader = Reader::open(source)?;
    let points =
        source.geometry.is_some() && matches!(columns.location, RecordLocation::Coordinates { .. });
    let shape = reader.shape(source, points)?;
    let ctx = &reader.ctx;
    // the columns read, each once, in the order the parser asks for them
    let mut names: Vec<String> = Vec::new();
    let find = |names: &mut Vec<String>, name: &str| -> usize {
        names.iter().position(|n| n == name).unwrap_or_else(|| {
            names.push(name.to_owned());
            names.len() - 1
        })
    };
    let mut columns = columns.clone();
    if points {
        // the point's coordinates come after the text columns
        columns.location = RecordLocation::Coordinates {
            x: POINT_X.to_owned(),
            y: POINT_Y.to_owned(),
        };
    }
    let collected = std::cell::RefCell::new(&mut names);
    let parser = RowParser::new(
        kind,
        &columns,
        // a numeric column reads as `361000.5`; a text column loaded from a German export
        // may hold `361000,5`: either is read, as with `decimal = "auto"`
        None,
        |name| Ok(find(&mut collected.borrow_mut(), name)),
        || {
            ctx.error(
                None,
                None,
                PostgisProblem::MissingColumn {
                    column: "fee_bracket (no column named for it)".to_owned(),
                    available: shape.columns.clone(),
                },
            )
        },
    )?;
    let names = collected.into_inner();
    let point_at = points.then(|| {
        let x = names
            .iter()
            .position(|n| n == POINT_X)
            .unwrap_or(usize::MAX);
        let y = names
            .iter()
            .position(|n| n == POINT_Y)
            .unwrap_or(usize::MAX);
        (x, y)
    });
    let texts: Vec<&str> = names
        .iter()
        .filter(|n| *n != POINT_X && *n != POINT_Y)
        .map(String::as_str)
        .collect();
    let mut list = ctx.text_columns(&shape, &texts)?;
    let geometry = match (&shape.geometry, points) {
        (Some(g), true) => {
            ctx.check_kind(g, &["POINT"], "Point")?;
            ctx.check_catalog_srid(g, crs)?;
            list.push(quote_ident(&g.column));
            Some(g.column.clone())
        }
        _ => None,
    };
    // text columns keep their place in `names` (the pseudo-columns of the point sort last)
    let index_of: Vec<Option<usize>> = names
        .iter()
        .map(|n| texts.iter().position(|t| t == n))
        .collect();
    let label = PathBuf::from(&ctx.what);
    let mut out = RecordSink::default();
    let mut rejected = Vec::new();
    let mut cells: Vec<String> = vec![String::new(); names.len()];
    stream(&mut reader.client, ctx, &list, &shape, |row, n| {
        for (k, at) in index_of.iter().enumerate() {
            if let Some(i) = at {
                let value = ctx.text(row, *i, n, &names[k])?.unwrap_or_default();
                cells[k].clear();
                cells[k].push_str(value.trim());
            }
        }
        if let (Some(column), Some((xi, yi))) = (&geometry, point_at) {
            let (x, y) = match row
                .try_get::<_, Option<Ewkb<'_>>>(list.len() - 1)
                .map_err(|e| ctx.error(Some(n), Some(column), problem_of(&e, &ctx.user)))?
            {
                None => (String::new(), String::new()),
                Some(Ewkb(bytes)) => {
                    ctx.check_srid(bytes, n, column, crs)?;
                    let (x, y) = ewkb_point(bytes).map_err(|found| {
                        ctx.error(
                            Some(n),
                            Some(column),
                            PostgisProblem::GeometryType {
                                found,
                                expected: "Point",
                            },
                        )
                    })?;
                    (x.to_string(), y.to_string())
                }
            };
            if let Some(c) = cells.get_mut(xi) {
                *c = x;
            }
            if let Some(c) = cells.get_mut(yi) {
                *c = y;
            }
        }
        let text = |i: usize| cells.get(i).cloned().unwrap_or_default();
        if let Err((column, reason)) = parser.parse(&text, n, &mut out) {
            rejected.push(Rejection {
                path: label.clone(),
                line: n,
                column: names.get(column).map_or_else(String::new, |c| {
                    if c == POINT_X || c == POINT_Y {
                        geometry.clone().unwrap_or_default()
                    } else {
                        c.clone()
                    }
                }),
                reason,
            });
        }
        Ok(())
    })?;
    Ok(out.finish(rejected))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// EWKB of a point, as PostGIS' `ST_AsEWKB('SRID=25832;POINT(361000.5 5701000)')`.
    fn point(le: bool, srid: Option<u32>, z: bool) -> Vec<u8> {
        let mut ty = 1u32;
        if srid.is_some() {
            ty |= 0x2000_0000;
        }
        if z {
            ty |= 0x8000_0000;
        }
        let mut out = vec![u8::from(le)];
        let u32b = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let f64b = |v: f64| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        out.extend(u32b(ty));
        if let Some(s) = srid {
            out.extend(u32b(s));
        }
        out.extend(f64b(361_000.5));
        out.extend(f64b(5_701_000.0));
        if z {
            out.extend(f64b(42.0));
        }
        out
    }

    #[test]
    fn ewkb_points_in_either_byte_order_with_or_without_srid() {
        for le in [true, false] {
            for srid in [None, Some(25832)] {
                for z in [false, true] {
                    let bytes = point(le, srid, z);
                    assert_eq!(ewkb_point(&bytes).unwrap(), (361_000.5, 5_701_000.0));
                    assert_eq!(ewkb_srid(&bytes), Some(srid.map_or(0, |s| s as i32)));
                }
            }
        }
        // PostGIS' own bytes for SRID=25832;POINT(1 2)
        let hex = "0101000020E8640000000000000000F03F0000000000000040";
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(ewkb_point(&bytes).unwrap(), (1.0, 2.0));
        assert_eq!(ewkb_srid(&bytes), Some(25832));
    }

    #[test]
    fn other_geometries_are_named_not_read() {
        let mut line = point(true, Some(25832), false);
        line[1] = 2;
        assert_eq!(ewkb_point(&line).unwrap_err(), "LINESTRING");
        assert!(ewkb_point(&line[..6]).is_err());
        assert_eq!(ewkb_srid(&[1]), None);
    }
}
