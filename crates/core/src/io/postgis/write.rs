//! Writing the published layers into a PostGIS schema, replacing the previous run's tables
//! in one transaction.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use super::{PostgisProblem, PostgisTarget, connect, problem_of, quote_ident};
use crate::crs::Crs;
use crate::hierarchy::Hierarchy;
use crate::io::gpkg::{qml, validate_layer};
use crate::io::{IoError, multipolygon_to_wkb};
use crate::render::{AttributeLayer, AttributeValues};

/// Suffix of the tables a run builds before they replace the previous run's.
const NEW: &str = "__quartier_new";

/// The `layer_styles` table as QGIS creates it in PostgreSQL (QGIS looks it up on the search
/// path, normally in `public`).
const LAYER_STYLES: &str = "CREATE TABLE IF NOT EXISTS public.layer_styles (
    id SERIAL PRIMARY KEY,
    f_table_catalog varchar,
    f_table_schema varchar,
    f_table_name varchar,
    f_geometry_column varchar,
    stylename text,
    styleqml xml,
    stylesld xml,
    useasdefault boolean,
    description text,
    owner varchar(63) DEFAULT CURRENT_USER,
    ui xml,
    update_time timestamp DEFAULT CURRENT_TIMESTAMP,
    type varchar
)";

/// Writes the published layers into `target.schema`: one table per layer, named after the
/// layer, with `fid` (primary key, position + 1 in hierarchy order), the layer's columns
/// (`double precision`, `bigint`, `text`; `NULL` for a suppressed or missing value) and
/// `geom geometry(MultiPolygon, <EPSG of crs>)` with a GiST index; a layer with a style
/// gets it as the default QGIS style in `layer_styles`, so that QGIS opens it styled.
///
/// **Atomic**: everything happens in one transaction. The new tables are built as
/// `<layer>__quartier_new`, then the previous run's tables are dropped and the new ones
/// renamed, then the styles are replaced, then the transaction commits. A failure at any
/// point — an error, a lost connection, a killed process — rolls everything back and leaves
/// the previous run's tables and styles as they were. A previous table that a view depends
/// on is not dropped: the run fails and names it (quartier never drops with `CASCADE`).
///
/// Only published values reach the database: the layers hold protected counts, indicators,
/// ranks and classes, never a record or a coordinate.
///
/// # Errors
///
/// [`IoError::AttributeLayer`] for a layer that does not fit the hierarchy (as for
/// [`write_geopackage`](crate::write_geopackage)); [`IoError::Postgis`] naming the schema
/// (and the layer) when the server cannot be reached, refuses the user, has no PostGIS, or
/// a statement fails (e.g. no right to create the schema or `public.layer_styles`).
pub fn write_postgis_layers(
    target: &PostgisTarget,
    hierarchy: &Hierarchy,
    layers: &[AttributeLayer],
    crs: Crs,
) -> Result<(), IoError> {
    let what = target.to_string();
    let err = |layer: Option<&str>, problem: PostgisProblem| IoError::Postgis {
        what: what.clone(),
        row: None,
        column: layer.map(|l| format!("layer {l}")),
        problem: Box::new(problem),
    };
    for layer in layers {
        validate_layer(Path::new(&what), hierarchy, layer, false)?;
        if layer.name.len() + NEW.len() > 63 {
            return Err(err(
                Some(&layer.name),
                PostgisProblem::Layer {
                    message: "the layer name is too long for a PostgreSQL table (at most 49 \
                              characters)"
                        .to_owned(),
                },
            ));
        }
    }
    let mut c = connect(&target.connection).map_err(|p| err(None, p))?;
    let user = c.user.clone();
    let db = |layer: Option<&str>, e: postgres::Error| err(layer, problem_of(&e, &user));
    let postgis: Option<String> = c
        .client
        .query_one("SELECT to_regtype('geometry')::text", &[])
        .and_then(|r| r.try_get(0))
        .map_err(|e| db(None, e))?;
    if postgis.is_none() {
        return Err(err(None, PostgisProblem::NoPostgis));
    }
    let schema = quote_ident(&target.schema);
    let srid = crs.epsg();
    let mut tx = c.client.transaction().map_err(|e| db(None, e))?;
    // `CREATE SCHEMA IF NOT EXISTS` needs the right to create schemas even when it exists:
    // create it only when it is missing.
    let exists: bool = tx
        .query_one("SELECT to_regnamespace($1) IS NOT NULL", &[&schema])
        .and_then(|r| r.try_get(0))
        .map_err(|e| db(None, e))?;
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .map_err(|e| db(None, e))?;
    }

    // 1. the new tables, filled and indexed
    for layer in layers {
        let new = quote_ident(&format!("{}{NEW}", layer.name));
        let mut ddl = format!(
            "DROP TABLE IF EXISTS {schema}.{new}; CREATE TABLE {schema}.{new} (fid integer PRIMARY KEY"
        );
        for column in &layer.columns {
            let ty = match column.values {
                AttributeValues::Real(_) => "double precision",
                AttributeValues::Integer(_) => "bigint",
                AttributeValues::Text(_) => "text",
            };
            let _ = write!(ddl, ", {} {ty}", quote_ident(&column.name));
        }
        let _ = write!(ddl, ", geom geometry(MultiPolygon, {srid}))");
        tx.batch_execute(&ddl)
            .map_err(|e| db(Some(&layer.name), e))?;

        let list: String = layer
            .columns
            .iter()
            .map(|c| format!("{}, ", quote_ident(&c.name)))
            .collect();
        let mut copy = tx
            .copy_in(&format!("COPY {schema}.{new} (fid, {list}geom) FROM STDIN"))
            .map_err(|e| db(Some(&layer.name), e))?;
        let units = hierarchy.units(layer.level);
        let mut line = String::new();
        for (row, unit) in units.iter().enumerate() {
            line.clear();
            let _ = write!(line, "{}", row + 1);
            for column in &layer.columns {
                line.push('\t');
                match &column.values {
                    AttributeValues::Real(v) => {
                        match v.get(row).copied().flatten().filter(|x| x.is_finite()) {
                            Some(x) => {
                                let _ = write!(line, "{x:?}");
                            }
                            None => line.push_str("\\N"),
                        }
                    }
                    AttributeValues::Integer(v) => match v.get(row).copied().flatten() {
                        Some(x) => {
                            let _ = write!(line, "{x}");
                        }
                        None => line.push_str("\\N"),
                    },
                    AttributeValues::Text(v) => match v.get(row).and_then(|s| s.as_deref()) {
                        Some(s) => copy_text(&mut line, s),
                        None => line.push_str("\\N"),
                    },
                }
            }
            line.push('\t');
            hex_ewkb(&mut line, &multipolygon_to_wkb(unit.geometry()), srid);
            line.push('\n');
            copy.write_all(line.as_bytes()).map_err(|e| {
                err(
                    Some(&layer.name),
                    PostgisProblem::Client {
                        message: e.to_string(),
                    },
                )
            })?;
        }
        copy.finish().map_err(|e| db(Some(&layer.name), e))?;
        tx.batch_execute(&format!(
            "CREATE INDEX {} ON {schema}.{new} USING GIST (geom)",
            quote_ident(&format!("{}{NEW}_geom", layer.name))
        ))
        .map_err(|e| db(Some(&layer.name), e))?;
    }

    // 2. the swap: the previous run's tables go, the new ones take their names
    for layer in layers {
        let name = quote_ident(&layer.name);
        let new = quote_ident(&format!("{}{NEW}", layer.name));
        tx.batch_execute(&format!(
            "DROP TABLE IF EXISTS {schema}.{name};
             ALTER TABLE {schema}.{new} RENAME TO {name};
             ALTER INDEX {schema}.{} RENAME TO {};
             ALTER TABLE {schema}.{name} RENAME CONSTRAINT {} TO {};",
            quote_ident(&format!("{}{NEW}_geom", layer.name)),
            quote_ident(&format!("{}_geom_idx", layer.name)),
            quote_ident(&format!("{}{NEW}_pkey", layer.name)),
            quote_ident(&format!("{}_pkey", layer.name)),
        ))
        .map_err(|e| db(Some(&layer.name), e))?;
    }

    // 3. the styles QGIS opens the layers with
    if layers.iter().any(|l| l.style.is_some()) {
        let exists: Option<String> = tx
            .query_one("SELECT to_regclass('layer_styles')::text", &[])
            .and_then(|r| r.try_get(0))
            .map_err(|e| db(None, e))?;
        if exists.is_none() {
            tx.batch_execute(LAYER_STYLES).map_err(|e| db(None, e))?;
        }
        for layer in layers {
            let Some(style) = &layer.style else { continue };
            let description = format!("quartier {}", env!("CARGO_PKG_VERSION"));
            tx.execute(
                "DELETE FROM layer_styles
                  WHERE f_table_catalog = current_database() AND f_table_schema = $1
                    AND f_table_name = $2 AND description LIKE 'quartier %'",
                &[&target.schema, &layer.name],
            )
            .map_err(|e| db(Some(&layer.name), e))?;
            tx.execute(
                "UPDATE layer_styles SET useasdefault = false
                  WHERE f_table_catalog = current_database() AND f_table_schema = $1
                    AND f_table_name = $2",
                &[&target.schema, &layer.name],
            )
            .map_err(|e| db(Some(&layer.name), e))?;
            // `type` stays NULL: QGIS matches a style whose type is NULL for any geometry
            // type, but one with a type only when the layer's URI states the same type.
            tx.execute(
                "INSERT INTO layer_styles
                   (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
                    stylename, styleqml, useasdefault, description)
                 VALUES (current_database(), $1, $2, 'geom', $3,
                         XMLPARSE(DOCUMENT $4::text), true, $5)",
                &[
                    &target.schema,
                    &layer.name,
                    &style.name,
                    &qml(style),
                    &description,
                ],
            )
            .map_err(|e| db(Some(&layer.name), e))?;
        }
    }
    tx.commit().map_err(|e| db(None, e))?;
    Ok(())
}

/// Checks that [`write_postgis_layers`] can write into `target`: the server is reachable and
/// accepts the user, PostGIS is installed, the user may create the schema (or tables in it)
/// and write QGIS' `layer_styles` (or create it in `public`). Writes nothing.
///
/// # Errors
///
/// [`IoError::Postgis`] naming the schema and what is missing.
pub fn check_postgis_target(target: &PostgisTarget) -> Result<(), IoError> {
    let what = target.to_string();
    let err = |problem: PostgisProblem| IoError::Postgis {
        what: what.clone(),
        row: None,
        column: None,
        problem: Box::new(problem),
    };
    let mut c = connect(&target.connection).map_err(err)?;
    let user = c.user.clone();
    let row = c
        .client
        .query_one(
            "SELECT to_regtype('geometry') IS NOT NULL,
                    to_regnamespace($1) IS NOT NULL,
                    CASE WHEN to_regnamespace($1) IS NULL
                         THEN has_database_privilege(current_database(), 'CREATE')
                         ELSE has_schema_privilege(to_regnamespace($1)::oid, 'CREATE') END,
                    CASE WHEN to_regclass('layer_styles') IS NULL
                         THEN has_schema_privilege('public', 'CREATE')
                         ELSE has_table_privilege('layer_styles', 'INSERT, UPDATE, DELETE') END",
            &[&quote_ident(&target.schema)],
        )
        .map_err(|e| err(problem_of(&e, &user)))?;
    let (postgis, exists, create, styles): (bool, bool, bool, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let missing = |message: String| err(PostgisProblem::Layer { message });
    if !postgis {
        return Err(err(PostgisProblem::NoPostgis));
    }
    if !create {
        return Err(missing(if exists {
            format!(
                "user `{user}` may not create tables in schema `{}` (GRANT CREATE ON SCHEMA)",
                target.schema
            )
        } else {
            format!(
                "schema `{}` does not exist and user `{user}` may not create it (GRANT CREATE ON DATABASE)",
                target.schema
            )
        }));
    }
    if !styles {
        return Err(missing(format!(
            "user `{user}` may not write QGIS' layer_styles table (or create it in schema public)"
        )));
    }
    Ok(())
}

/// Appends `s` escaped for `COPY ... FROM STDIN` text format.
fn copy_text(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Appends the hex EWKB of little-endian ISO WKB `wkb` with `srid` set on the outer geometry.
fn hex_ewkb(out: &mut String, wkb: &[u8], srid: u32) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut push = |b: u8| {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    };
    let (Some(&order), Some(ty)) = (wkb.first(), wkb.get(1..5)) else {
        return;
    };
    let ty = [ty[0], ty[1], ty[2], ty[3]];
    let (ty, srid_bytes) = if order == 1 {
        (
            (u32::from_le_bytes(ty) | 0x2000_0000).to_le_bytes(),
            srid.to_le_bytes(),
        )
    } else {
        (
            (u32::from_be_bytes(ty) | 0x2000_0000).to_be_bytes(),
            srid.to_be_bytes(),
        )
    };
    push(order);
    ty.into_iter().chain(srid_bytes).for_each(&mut push);
    wkb.iter().skip(5).copied().for_each(push);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_the_format_characters() {
        let mut out = String::new();
        copy_text(&mut out, "a\tb\\c\nd");
        assert_eq!(out, "a\\tb\\\\c\\nd");
    }

    #[test]
    fn ewkb_carries_the_srid_after_the_type() {
        // POINT-like header of a little-endian MultiPolygon with no parts
        let wkb = [1u8, 6, 0, 0, 0, 0, 0, 0, 0];
        let mut out = String::new();
        hex_ewkb(&mut out, &wkb, 25832);
        // type 6 | 0x20000000, SRID 25832 = 0x64E8
        assert_eq!(out, "0106000020E864000000000000");
    }
}
