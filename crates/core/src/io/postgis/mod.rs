//! PostgreSQL/PostGIS as a source of block layers, upper-level boundaries and records, and
//! as a target of the published layers.
//!
//! - **Connection**: a libpq connection string (`host=... dbname=...`, or a
//!   `postgresql://` URI) or a service (`service=gis`); the password comes from
//!   `PGPASSWORD` or the password file (`~/.pgpass`), never from the project file (see
//!   `connect.rs`). The client is rust-postgres (native, no libpq); TLS is not offered.
//! - **Sources** ([`PostgisSource`]): a table or view (`schema.table`) or a SQL query. The
//!   geometry column is the only `geometry` column unless one is named; for a table its
//!   type and SRID come from PostGIS' `geometry_columns`, and every row's EWKB carries its
//!   SRID, which must be the layer's CRS. Rows are streamed through a portal in batches
//!   inside a read-only transaction, never loaded whole. Geometries are decoded by
//!   quartier's WKB reader (the one GeoPackages use, tested against shapely), so the two
//!   sources accept and refuse the same geometries. Columns are read as text
//!   (`column::text`) and parsed like CSV cells, so a record reads the same from a table
//!   as from a CSV export.
//! - **Target** ([`PostgisTarget`]): see [`write_postgis_layers`].
//!
//! Errors name the table or query and the row, never a password or a value of a record:
//! a server message is shown without its `DETAIL` (which can quote a row).

mod connect;
mod read;
mod write;

use std::fmt;

pub(crate) use connect::check_conninfo;
pub use read::{read_block_features_postgis, read_records_postgis, read_unit_features_postgis};
pub use write::{check_postgis_target, write_postgis_layers};

use super::WkbProblem;
use crate::crs::Crs;

/// What a PostGIS source reads: a table (or view) or a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relation {
    /// A table or view, `schema.table` or `table` (found on the search path).
    Table(String),
    /// A `SELECT` query; its result columns are the fields.
    Query(String),
}

/// A table or query in a PostgreSQL/PostGIS database.
///
/// # Examples
///
/// ```
/// use quartier::{PostgisSource, Relation};
///
/// let blocks = PostgisSource::table("service=gis", "alkis.baubloecke");
/// // The connection is left out: it may name a person's account.
/// assert_eq!(blocks.to_string(), "PostGIS table alkis.baubloecke");
/// assert_eq!(blocks.relation, Relation::Table("alkis.baubloecke".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgisSource {
    /// The connection string or service, without a password.
    pub connection: String,
    /// The table or the query.
    pub relation: Relation,
    /// The geometry column; `None` takes the only `geometry` column.
    pub geometry: Option<String>,
    /// The CRS the geometries are in: their SRID must be its EPSG code.
    pub crs: Crs,
}

impl PostgisSource {
    /// A table source.
    pub fn table(connection: impl Into<String>, table: impl Into<String>) -> Self {
        Self {
            connection: connection.into(),
            relation: Relation::Table(table.into()),
            geometry: None,
            crs: Crs::default(),
        }
    }

    /// A query source.
    pub fn query(connection: impl Into<String>, query: impl Into<String>) -> Self {
        Self {
            connection: connection.into(),
            relation: Relation::Query(query.into()),
            geometry: None,
            crs: Crs::default(),
        }
    }

    /// The same source with the geometry column named.
    pub fn with_geometry(mut self, column: impl Into<String>) -> Self {
        self.geometry = Some(column.into());
        self
    }

    /// The same source in another CRS (default [`Crs::default`], EPSG:25832).
    pub fn with_crs(mut self, crs: Crs) -> Self {
        self.crs = crs;
        self
    }
}

impl fmt::Display for PostgisSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.relation {
            Relation::Table(t) => write!(f, "PostGIS table {t}"),
            Relation::Query(_) => f.write_str("PostGIS query"),
        }
    }
}

/// Where the published layers are written: a schema of a PostGIS database.
///
/// # Examples
///
/// ```
/// let target = quartier::PostgisTarget::new("service=gis", "sozialmonitoring");
/// assert_eq!(target.to_string(), "PostGIS schema sozialmonitoring");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgisTarget {
    /// The connection string or service, without a password.
    pub connection: String,
    /// The schema the layers go into (created when missing).
    pub schema: String,
}

impl PostgisTarget {
    /// A target schema.
    pub fn new(connection: impl Into<String>, schema: impl Into<String>) -> Self {
        Self {
            connection: connection.into(),
            schema: schema.into(),
        }
    }
}

impl fmt::Display for PostgisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostGIS schema {}", self.schema)
    }
}

/// What went wrong with a PostGIS source or target.
///
/// # Examples
///
/// ```
/// use quartier::PostgisProblem;
///
/// let p = PostgisProblem::WrongSrid { found: 4326, expected: 25832 };
/// assert_eq!(
///     p.to_string(),
///     "the geometries have SRID 4326, but the layer's CRS is EPSG:25832 (set the layer's \
///      `crs`, or transform with ST_Transform in a query)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostgisProblem {
    /// The connection string or service is unusable.
    Connection {
        /// What is wrong (names the key, never a password).
        message: String,
    },
    /// The server cannot be reached.
    Unreachable {
        /// The client's message (e.g. `Connection refused`).
        message: String,
    },
    /// The server refused the user: wrong password or no access.
    Authentication {
        /// The user name.
        user: String,
    },
    /// The server asks for a password and there is none in the environment or the
    /// password file.
    NoPassword {
        /// The user name.
        user: String,
    },
    /// PostGIS is not installed in the database.
    NoPostgis,
    /// The table or view does not exist.
    MissingTable,
    /// A column named in the project is not in the table or query.
    MissingColumn {
        /// The column.
        column: String,
        /// The columns there are.
        available: Vec<String>,
    },
    /// No geometry column, or several and none named.
    GeometryColumn {
        /// The `geometry` columns there are.
        found: Vec<String>,
    },
    /// The geometries' SRID is not the layer's CRS.
    WrongSrid {
        /// The SRID found (0 = none set).
        found: i32,
        /// The layer's EPSG code.
        expected: u32,
    },
    /// The geometry column holds another geometry type.
    GeometryType {
        /// The type found (`POINT`, `LINESTRING`, ...).
        found: String,
        /// What is expected (`Polygon or MultiPolygon`, `Point`).
        expected: &'static str,
    },
    /// A geometry does not decode.
    Geometry(WkbProblem),
    /// A value that must be there is `NULL` (an id, a block's geometry).
    Null,
    /// The server reported an error (its message without the `DETAIL`, which may quote a
    /// row).
    Server {
        /// The SQLSTATE code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The connection broke or another client-side failure.
    Client {
        /// The client's message.
        message: String,
    },
    /// A layer to be written is unusable (a name, a column).
    Layer {
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for PostgisProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connection { message } => write!(f, "connection: {message}"),
            Self::Unreachable { message } => {
                write!(f, "cannot reach the database server: {message}")
            }
            Self::Authentication { user } => write!(
                f,
                "the server refused user `{user}`: wrong password or no access (the password \
                 comes from PGPASSWORD or ~/.pgpass)"
            ),
            Self::NoPassword { user } => write!(
                f,
                "the server asks for a password for user `{user}`, and there is none in \
                 PGPASSWORD or the password file (~/.pgpass, or PGPASSFILE; readable by its \
                 owner only)"
            ),
            Self::NoPostgis => {
                f.write_str("PostGIS is not installed in this database (CREATE EXTENSION postgis)")
            }
            Self::MissingTable => f.write_str("no such table or view"),
            Self::MissingColumn { column, available } => write!(
                f,
                "no column `{column}`; the columns are {}",
                available
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::GeometryColumn { found } if found.is_empty() => f.write_str("no geometry column"),
            Self::GeometryColumn { found } => write!(
                f,
                "several geometry columns ({}): name one with `geometry`",
                found.join(", ")
            ),
            Self::WrongSrid { found, expected } => write!(
                f,
                "the geometries have SRID {found}, but the layer's CRS is EPSG:{expected} (set \
                 the layer's `crs`, or transform with ST_Transform in a query)"
            ),
            Self::GeometryType { found, expected } => {
                write!(f, "the geometry column holds {found}, {expected} expected")
            }
            Self::Geometry(p) => write!(f, "geometry: {p}"),
            Self::Null => f.write_str("the value is NULL"),
            Self::Server { code, message } => {
                write!(f, "the server said: {message} (SQLSTATE {code})")
            }
            Self::Client { message } => write!(f, "{message}"),
            Self::Layer { message } => write!(f, "{message}"),
        }
    }
}

/// Classifies a client error; a server error keeps its message but never its `DETAIL`.
pub(crate) fn problem_of(e: &postgres::Error, user: &str) -> PostgisProblem {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return match code {
            // invalid_password, invalid_authorization_specification
            "28P01" | "28000" => PostgisProblem::Authentication {
                user: user.to_owned(),
            },
            // undefined_table
            "42P01" => PostgisProblem::MissingTable,
            _ => PostgisProblem::Server {
                code: code.to_owned(),
                message: db.message().to_owned(),
            },
        };
    }
    // The client's Display names the kind only ("error connecting to server"); the cause
    // ("Connection refused", "password missing") is the source.
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        message = format!("{message}: {c}");
        cause = c.source();
    }
    if message.contains("password missing") {
        PostgisProblem::NoPassword {
            user: user.to_owned(),
        }
    } else if message.starts_with("error connecting") || message.contains("timed out") {
        PostgisProblem::Unreachable {
            message: message
                .trim_start_matches("error connecting to server: ")
                .trim_start_matches("timeout waiting for server: ")
                .to_owned(),
        }
    } else {
        PostgisProblem::Client { message }
    }
}

/// A connection and its label.
pub(crate) struct Connection {
    pub client: postgres::Client,
    pub user: String,
}

/// Connects; errors name `what` (the source or target) and the server, never a password.
pub(crate) fn connect(connection: &str) -> Result<Connection, PostgisProblem> {
    let resolved = connect::resolve(connection)?;
    let client = resolved.config.connect(postgres::NoTls).map_err(|e| {
        match problem_of(&e, &resolved.user) {
            PostgisProblem::Unreachable { message } => PostgisProblem::Unreachable {
                message: format!("{} ({message})", resolved.label),
            },
            other => other,
        }
    })?;
    Ok(Connection {
        client,
        user: resolved.user,
    })
}

/// `"name"`, with inner quotes doubled.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A `schema.table` or `table` name, quoted for SQL (split at the first `.`).
pub(crate) fn quote_table(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, table)) => format!("{}.{}", quote_ident(schema), quote_ident(table)),
        None => quote_ident(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_table("alkis.Blöcke"), "\"alkis\".\"Blöcke\"");
        assert_eq!(quote_table("bloecke"), "\"bloecke\"");
    }
}
