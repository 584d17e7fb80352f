//! Connecting as libpq does: a connection string or a service, defaults from the `PG*`
//! environment variables, the password from `PGPASSWORD` or the password file — never from
//! the project file.
//!
//! rust-postgres is a native client (no libpq), so the parts of libpq's connection handling
//! an office relies on are done here: the service file (`PGSERVICEFILE`,
//! `~/.pg_service.conf`, `PGSYSCONFDIR/pg_service.conf`), the password file (`PGPASSFILE`,
//! `~/.pgpass`, ignored when others may read it, as libpq does) and the environment
//! (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGSERVICE`, `PGSSLMODE`,
//! `PGCONNECT_TIMEOUT`). TLS is not offered: `sslmode` `require` and stricter are refused
//! with an error, `prefer`/`allow`/`disable` connect without TLS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::PostgisProblem;

/// The connection keys quartier understands (libpq's names).
const KEYS: [&str; 10] = [
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "service",
    "sslmode",
    "connect_timeout",
    "application_name",
    "options",
];

/// A resolved connection: the client configuration and what to call it in messages.
pub(crate) struct Resolved {
    pub config: postgres::Config,
    /// `host:port/dbname`: neither the password nor the user (an account may name a person).
    pub label: String,
    pub user: String,
}

/// Parses a libpq key/value connection string (`host=... dbname='a b'`) into its pairs.
pub(crate) fn parse_conninfo(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!("`{key}` has no `=` and value"));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => return Err(format!("the value of `{key}` has no closing quote")),
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// Checks a connection string as written in a project file: it parses, names only known
/// keys, and holds no password. The message names the key, never a value.
pub(crate) fn check_conninfo(text: &str) -> Result<(), String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        let config: postgres::Config = text
            .parse()
            .map_err(|_| "the connection URI does not parse".to_owned())?;
        if config.get_password().is_some() {
            return Err(PASSWORD_IN_PROJECT.to_owned());
        }
        return Ok(());
    }
    for (key, _) in parse_conninfo(text)? {
        if key == "password" {
            return Err(PASSWORD_IN_PROJECT.to_owned());
        }
        if !KEYS.contains(&key.as_str()) {
            return Err(format!(
                "unknown connection key `{key}`; quartier understands {}",
                KEYS.join(", ")
            ));
        }
    }
    Ok(())
}

const PASSWORD_IN_PROJECT: &str = "a password does not belong in the project file: give it in \
     the PGPASSWORD environment variable or the password file (~/.pgpass)";

/// Resolves a project's connection string against the service file, the environment and
/// the password file.
pub(crate) fn resolve(text: &str) -> Result<Resolved, PostgisProblem> {
    check_conninfo(text).map_err(|message| PostgisProblem::Connection { message })?;
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        let config: postgres::Config = text.parse().map_err(|_| PostgisProblem::Connection {
            message: "the connection URI does not parse".to_owned(),
        })?;
        if let Some(postgres::config::Host::Tcp(h)) = config.get_hosts().first() {
            keys.insert("host".into(), h.clone());
        }
        #[cfg(unix)]
        if let Some(postgres::config::Host::Unix(p)) = config.get_hosts().first() {
            keys.insert("host".into(), p.display().to_string());
        }
        if let Some(p) = config.get_ports().first() {
            keys.insert("port".into(), p.to_string());
        }
        if let Some(u) = config.get_user() {
            keys.insert("user".into(), u.to_owned());
        }
        if let Some(d) = config.get_dbname() {
            keys.insert("dbname".into(), d.to_owned());
        }
    } else {
        let pairs =
            parse_conninfo(text).map_err(|message| PostgisProblem::Connection { message })?;
        keys.extend(pairs);
    }
    let service = keys.get("service").cloned().or_else(|| env("PGSERVICE"));
    if let Some(service) = service {
        for (k, v) in service_keys(&service)? {
            keys.entry(k).or_insert(v);
        }
    }
    for (key, var) in [
        ("host", "PGHOST"),
        ("hostaddr", "PGHOSTADDR"),
        ("port", "PGPORT"),
        ("dbname", "PGDATABASE"),
        ("user", "PGUSER"),
        ("sslmode", "PGSSLMODE"),
        ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ] {
        if let Some(v) = env(var) {
            keys.entry(key.to_owned()).or_insert(v);
        }
    }
    let host = keys
        .get("hostaddr")
        .or_else(|| keys.get("host"))
        .cloned()
        .unwrap_or_else(default_socket_dir);
    let port: u16 = match keys.get("port") {
        Some(p) => p.parse().map_err(|_| PostgisProblem::Connection {
            message: "the port is not a number".to_owned(),
        })?,
        None => 5432,
    };
    let user = keys
        .get("user")
        .cloned()
        .or_else(|| env("USER"))
        .or_else(|| env("LOGNAME"))
        .unwrap_or_else(|| "postgres".to_owned());
    let dbname = keys.get("dbname").cloned().unwrap_or_else(|| user.clone());
    match keys.get("sslmode").map(String::as_str) {
        None | Some("disable" | "allow" | "prefer") => {}
        Some(mode) => {
            return Err(PostgisProblem::Connection {
                message: format!(
                    "sslmode `{mode}` needs TLS, which quartier's PostgreSQL client does not \
                     offer: connect over a Unix socket, on the local network or through an \
                     SSH tunnel with sslmode=prefer"
                ),
            });
        }
    }
    let timeout = match keys.get("connect_timeout") {
        Some(t) => t.parse::<u64>().map_err(|_| PostgisProblem::Connection {
            message: "connect_timeout is not a whole number of seconds".to_owned(),
        })?,
        None => 10,
    };

    let mut config = postgres::Config::new();
    config
        .host(&host)
        .port(port)
        .user(&user)
        .dbname(&dbname)
        .ssl_mode(postgres::config::SslMode::Disable)
        .application_name(
            keys.get("application_name")
                .map_or("quartier", String::as_str),
        );
    if timeout > 0 {
        config.connect_timeout(Duration::from_secs(timeout));
    }
    if let Some(o) = keys.get("options") {
        config.options(o);
    }
    if let Some(password) = env("PGPASSWORD").or_else(|| pgpass(&host, port, &dbname, &user)) {
        config.password(password);
    }
    let label = format!("{host}:{port}/{dbname}");
    Ok(Resolved {
        config,
        label,
        user,
    })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home() -> Option<PathBuf> {
    env("HOME").map(PathBuf::from)
}

/// Debian's libpq default socket folder, else libpq's compiled-in `/tmp`.
fn default_socket_dir() -> String {
    if Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql".to_owned()
    } else {
        "/tmp".to_owned()
    }
}

/// The keys of `[service]` in the first service file that has it.
fn service_keys(service: &str) -> Result<Vec<(String, String)>, PostgisProblem> {
    let mut files = Vec::new();
    if let Some(f) = env("PGSERVICEFILE") {
        files.push(PathBuf::from(f));
    } else if let Some(h) = home() {
        files.push(h.join(".pg_service.conf"));
    }
    let sysconf = env("PGSYSCONFDIR").unwrap_or_else(|| "/etc/postgresql-common".to_owned());
    files.push(Path::new(&sysconf).join("pg_service.conf"));
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if let Some(keys) = section(&text, service) {
            for (k, _) in &keys {
                if k == "password" {
                    // libpq allows it; quartier keeps to one rule for passwords.
                    return Err(PostgisProblem::Connection {
                        message: format!(
                            "service `{service}` in {} holds a password: put it in the \
                             password file (~/.pgpass) instead",
                            file.display()
                        ),
                    });
                }
                if !KEYS.contains(&k.as_str()) {
                    return Err(PostgisProblem::Connection {
                        message: format!(
                            "service `{service}` in {} has the unknown key `{k}`",
                            file.display()
                        ),
                    });
                }
            }
            return Ok(keys);
        }
    }
    Err(PostgisProblem::Connection {
        message: format!(
            "service `{service}` is not defined in {}",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    })
}

/// The `key=value` lines of an INI section.
fn section(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let mut inside = false;
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if inside {
                break;
            }
            inside = header.trim() == name;
            if inside {
                found = Some(Vec::new());
            }
            continue;
        }
        if inside && let Some((k, v)) = line.split_once('=') {
            found
                .get_or_insert_with(Vec::new)
                .push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    found
}

/// The password for a connection from the password file, as libpq finds it: the first line
/// whose host, port, database and user match (`*` matches anything; a socket folder also
/// matches `localhost`). A file that others may read is ignored, as libpq ignores it.
fn pgpass(host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    let file = env("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".pgpass")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            return None;
        }
    }
    let text = std::fs::read_to_string(&file).ok()?;
    let port = port.to_string();
    let socket = host.starts_with('/');
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = pgpass_fields(line);
            let [h, p, d, u, password] = <[String; 5]>::try_from(fields).ok()?;
            let host_ok = h == "*" || h == host || (socket && h == "localhost");
            let ok = host_ok
                && (p == "*" || p == port)
                && (d == "*" || d == dbname)
                && (u == "*" || u == user);
            ok.then_some(password)
        })
}

/// Splits a password-file line at unescaped `:` (`\:` and `\\` are escapes).
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn conninfo_quotes_escapes_and_spaces() {
        let pairs = parse_conninfo(" host = /tmp  dbname='a b\\'c' user=x\\ y ").unwrap();
        assert_eq!(
            pairs,
            [
                ("host".to_owned(), "/tmp".to_owned()),
                ("dbname".to_owned(), "a b'c".to_owned()),
                ("user".to_owned(), "x y".to_owned()),
            ]
        );
        assert!(parse_conninfo("host").is_err());
        assert!(parse_conninfo("dbname='open").is_err());
    }

    #[test]
    fn a_password_in_the_project_is_refused_without_echoing_it() {
        for text in [
            "host=db password=geheim123",
            "postgresql://u:geheim123@db/amt",
        ] {
            let err = check_conninfo(text).unwrap_err();
            assert!(err.contains("PGPASSWORD"), "{err}");
            assert!(!err.contains("geheim123"), "{err}");
        }
        let err = check_conninfo("host=db sslcert=x").unwrap_err();
        assert!(err.contains("sslcert"), "{err}");
        check_conninfo("service=gis dbname=amt").unwrap();
        check_conninfo("postgresql://u@db/amt").unwrap();
    }

    #[test]
    fn pgpass_fields_honour_escapes() {
        assert_eq!(
            pgpass_fields("h:5432:d\\:b:u:pa\\:ss:word"),
            ["h", "5432", "d:b", "u", "pa:ss:word"]
        );
    }

    #[test]
    fn service_sections_are_found_by_name() {
        let text = "# c\n[a]\nhost=x\n[gis]\nhost = db.local\ndbname=geo\n[b]\nhost=y\n";
        assert_eq!(
            section(text, "gis").unwrap(),
            [
                ("host".to_owned(), "db.local".to_owned()),
                ("dbname".to_owned(), "geo".to_owned())
            ]
        );
        assert!(section(text, "none").is_none());
    }
}
