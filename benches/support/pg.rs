//! PostgreSQL plumbing for the `pg` bench: a throw-away database that is
//! dropped when its guard goes out of scope, the bulk load of generated
//! conversations with `COPY`, rsql's [`SqlParam`]s as SQL literals (for
//! `EXECUTE` under `EXPLAIN`), and a one-line summary of an `EXPLAIN` plan.

use std::fmt;
use std::io::Write;

use postgres::{Client, NoTls};
use rsql::SqlParam;

/// What went wrong, and where.
#[derive(Debug)]
pub(crate) enum BenchError {
    /// A PostgreSQL call failed; `what` names the statement or step.
    Pg {
        what: String,
        source: postgres::Error,
    },
    /// Writing `COPY` data failed.
    Copy {
        table: &'static str,
        source: std::io::Error,
    },
    /// Writing the bench's output files failed.
    Output {
        path: String,
        source: std::io::Error,
    },
    /// A bench query could not be emitted by rsql.
    Emit { query: String, message: String },
    /// A parameter kind this bench cannot write as an `EXPLAIN` literal.
    Param { query: String, param: String },
    /// The emitted and the hand-written statement returned different rows.
    Mismatch {
        query: String,
        emitted: Vec<String>,
        hand: Vec<String>,
    },
    /// A bad command-line argument.
    Args(String),
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Pg { what, source } => match source.as_db_error() {
                Some(db) => write!(f, "PostgreSQL, {what}: {}: {}", db.severity(), db.message()),
                None => write!(f, "PostgreSQL, {what}: {source}"),
            },
            BenchError::Copy { table, source } => write!(f, "COPY into {table}: {source}"),
            BenchError::Output { path, source } => write!(f, "writing {path}: {source}"),
            BenchError::Emit { query, message } => {
                write!(f, "{query}: rsql cannot emit it: {message}")
            }
            BenchError::Param { query, param } => {
                write!(
                    f,
                    "{query}: parameter {param} has a kind this bench does not write as a literal"
                )
            }
            BenchError::Mismatch {
                query,
                emitted,
                hand,
            } => write!(
                f,
                "{query}: the emitted and the hand-written SQL return different rows\n  emitted: {emitted:?}\n  hand:    {hand:?}"
            ),
            BenchError::Args(msg) => write!(f, "arguments: {msg}"),
        }
    }
}

impl std::error::Error for BenchError {}

/// Wraps a PostgreSQL error with the step it happened in.
pub(crate) fn pg(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> BenchError {
    let what = what.into();
    move |source| BenchError::Pg { what, source }
}

/// A database created for one run; dropped (connections forced out) when
/// the guard is dropped, unless it is kept.
pub(crate) struct TempDb {
    server: String,
    name: String,
    keep: bool,
}

impl TempDb {
    /// Creates `name` on the server that `server` (a connection string
    /// without `dbname`) reaches, through its `postgres` database.
    pub(crate) fn create(server: &str, name: &str, keep: bool) -> Result<TempDb, BenchError> {
        let mut admin = admin(server)?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(pg(format!("CREATE DATABASE {name}")))?;
        Ok(TempDb {
            server: server.to_owned(),
            name: name.to_owned(),
            keep,
        })
    }

    /// An existing database (`--reuse`), never dropped.
    pub(crate) fn existing(server: &str, name: &str) -> TempDb {
        TempDb {
            server: server.to_owned(),
            name: name.to_owned(),
            keep: true,
        }
    }

    /// The database's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A new connection to the database.
    pub(crate) fn connect(&self) -> Result<Client, BenchError> {
        let url = format!("{} dbname={}", self.server, self.name);
        Client::connect(&url, NoTls).map_err(pg(format!("connecting to `{url}`")))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if self.keep {
            eprintln!(
                "pg: kept database {} (drop it with DROP DATABASE {0})",
                self.name
            );
            return;
        }
        let dropped = admin(&self.server).and_then(|mut admin| {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            admin.batch_execute(&sql).map_err(pg(sql))
        });
        if let Err(e) = dropped {
            eprintln!("pg: could not drop database {}: {e}", self.name);
        }
    }
}

/// A connection to the server's `postgres` database.
fn admin(server: &str) -> Result<Client, BenchError> {
    let url = format!("{server} dbname=postgres");
    Client::connect(&url, NoTls).map_err(pg(format!(
        "connecting to `{url}` (is PostgreSQL up? `pg_ctlcluster --skip-systemctl-redirect 15 main start`)"
    )))
}

/// The tables as the store schema's SQL mappings expect them: columns
/// `c.id`, `c.type`, `c.name`, `c.start_ms`, `c.end_ms`, `c.metadata`
/// (jsonb) and the side table `m(conversation_id, id, name, email)`.
const TABLES: &str = "
CREATE TABLE conversations (
    id text PRIMARY KEY,
    type text NOT NULL,
    name text NOT NULL,
    start_ms bigint NOT NULL,
    end_ms bigint,
    metadata jsonb NOT NULL
);
CREATE TABLE members (
    conversation_id text NOT NULL,
    id text NOT NULL,
    name text NOT NULL,
    email text
);";

/// Appends `s` in `COPY … FROM STDIN` text format.
fn copy_text(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}

/// Creates the tables and loads conversations `0..n` of `seed` (the store
/// bench's data set) with two `COPY`s in one transaction. Returns the number
/// of member rows.
pub(crate) fn load(client: &mut Client, seed: u64, n: u64) -> Result<u64, BenchError> {
    let mut tx = client.transaction().map_err(pg("BEGIN"))?;
    tx.batch_execute(TABLES).map_err(pg("CREATE TABLE"))?;
    let mut members = Vec::new();
    let mut member_rows = 0u64;
    {
        let mut conv_in = tx
            .copy_in("COPY conversations (id, type, name, start_ms, end_ms, metadata) FROM STDIN")
            .map_err(pg("COPY conversations"))?;
        let copy_err = |source| BenchError::Copy {
            table: "conversations",
            source,
        };
        let mut line = Vec::with_capacity(512);
        for c in store::generate::conversations(seed, n) {
            line.clear();
            copy_text(&mut line, &c.id);
            line.push(b'\t');
            copy_text(&mut line, &c.kind);
            line.push(b'\t');
            copy_text(&mut line, &c.name);
            line.extend_from_slice(format!("\t{}\t", c.start_time).as_bytes());
            match c.end_time {
                Some(e) => line.extend_from_slice(e.to_string().as_bytes()),
                None => line.extend_from_slice(b"\\N"),
            }
            line.push(b'\t');
            let meta: serde_json::Map<String, serde_json::Value> = c
                .metadata
                .iter()
                .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
                .collect();
            copy_text(&mut line, &serde_json::Value::Object(meta).to_string());
            line.push(b'\n');
            conv_in.write_all(&line).map_err(copy_err)?;
            for m in &c.members {
                copy_text(&mut members, &c.id);
                members.push(b'\t');
                copy_text(&mut members, &m.id);
                members.push(b'\t');
                copy_text(&mut members, &m.name);
                members.push(b'\t');
                match &m.email {
                    Some(e) => copy_text(&mut members, e),
                    None => members.extend_from_slice(b"\\N"),
                }
                members.push(b'\n');
                member_rows += 1;
            }
        }
        conv_in
            .finish()
            .map_err(pg("COPY conversations (finish)"))?;
    }
    let mut mem_in = tx
        .copy_in("COPY members (conversation_id, id, name, email) FROM STDIN")
        .map_err(pg("COPY members"))?;
    mem_in
        .write_all(&members)
        .map_err(|source| BenchError::Copy {
            table: "members",
            source,
        })?;
    mem_in.finish().map_err(pg("COPY members (finish)"))?;
    tx.commit().map_err(pg("COMMIT"))?;
    Ok(member_rows)
}

/// A parameter as a SQL literal, for `EXECUTE name(…)` under `EXPLAIN` (the
/// bench's own constants only; text is quoted with `'` doubled, which is
/// exact under `standard_conforming_strings = on`, checked at start).
pub(crate) fn literal(query: &str, p: &SqlParam) -> Result<String, BenchError> {
    Ok(match p {
        SqlParam::Text(s) | SqlParam::Numeric(s) => format!("'{}'", s.replace('\'', "''")),
        SqlParam::Int(i) | SqlParam::Time(i) => i.to_string(),
        SqlParam::Float(x) => format!("'{x:?}'::float8"),
        SqlParam::Bool(b) => b.to_string(),
        other => {
            return Err(BenchError::Param {
                query: query.to_owned(),
                param: other.to_string(),
            });
        }
    })
}

/// The plan's nodes in tree order, joined with ` > `, each with the index
/// or table it reads (`Limit > Index Scan using c_start on conversations c`),
/// from `EXPLAIN` text output.
pub(crate) fn plan_shape(explain: &[String]) -> String {
    explain
        .iter()
        .filter_map(|line| {
            let t = line.trim_start();
            let t = t.strip_prefix("->").unwrap_or(t).trim_start();
            let node = t.split("  (").next()?.trim();
            let is_node = line.contains("(cost=") || line.contains("(actual time=");
            (is_node && !node.is_empty()).then(|| node.to_owned())
        })
        .collect::<Vec<_>>()
        .join(" > ")
}

/// The indexes (and sequentially scanned tables) a plan reads, sorted.
pub(crate) fn plan_access(explain: &[String]) -> Vec<String> {
    let mut out: Vec<String> = explain
        .iter()
        .filter_map(|line| {
            for (marker, label) in [
                ("Index Only Scan using ", "index-only "),
                ("Index Scan Backward using ", "index "),
                ("Index Scan using ", "index "),
                ("Bitmap Index Scan on ", "bitmap "),
                ("Seq Scan on ", "seq "),
            ] {
                if let Some(at) = line.find(marker) {
                    let rest = &line[at + marker.len()..];
                    let name = rest.split_whitespace().next().unwrap_or("");
                    return Some(format!("{label}{name}"));
                }
            }
            None
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
