//! SQLite (bundled, in memory): `Filter::to_sql(&SqlOptions::sqlite())` in
//! its default `GLOB` mode on a default connection, and in `LIKE` mode on a
//! connection with `PRAGMA case_sensitive_like = ON`.

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rsql::{Filter, SqlOptions, SqlParam};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;

use super::{Run, check_fixed, compile, data, disagreement, expected_ids, filters};

/// An in-memory database holding [`data::rows`].
pub(crate) fn database() -> Connection {
    let mut db = Connection::open_in_memory().unwrap();
    db.execute_batch(data::CREATE_TABLES).unwrap();
    let tx = db.transaction().unwrap();
    {
        let mut conv = tx
            .prepare("INSERT INTO conversations VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .unwrap();
        let mut member = tx
            .prepare("INSERT INTO members VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        for c in data::rows() {
            conv.execute(rusqlite::params![
                c.id,
                c.name,
                c.kind,
                c.start_time,
                c.end_time,
                data::metadata_json(c)
            ])
            .unwrap();
            for m in &c.members {
                member
                    .execute(rusqlite::params![c.id, m.id, m.name, m.email])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    db
}

/// One parameter as SQLite takes it, for the conversation schema's columns.
fn bind(p: &SqlParam) -> Result<Sql, String> {
    Ok(match p {
        SqlParam::Text(s) | SqlParam::Numeric(s) => Sql::Text(s.clone()),
        SqlParam::Int(i) | SqlParam::Time(i) => Sql::Integer(*i),
        SqlParam::Float(x) => Sql::Real(*x),
        SqlParam::Bool(b) => Sql::Integer(i64::from(*b)),
        other => {
            return Err(format!(
                "no SQLite binding for {other:?} on epoch-ms columns"
            ));
        }
    })
}

/// Runs `filter` on `db` with `options`.
pub(crate) fn run(db: &Connection, filter: &Filter, options: &SqlOptions) -> Run {
    let w = match filter.to_sql(options) {
        Ok(w) => w,
        Err(e) => {
            return Run {
                query: "(no SQL)".into(),
                ids: Err(format!("to_sql: {e}")),
            };
        }
    };
    let sql = format!("SELECT c.id FROM conversations c WHERE {}", w.sql);
    let params: Vec<String> = w.params.iter().map(ToString::to_string).collect();
    let query = format!("{sql}\n    params:   [{}]", params.join(", "));
    let ids = (|| {
        let values = w.params.iter().map(bind).collect::<Result<Vec<_>, _>>()?;
        let mut stmt = db.prepare(&sql).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                r.get::<_, String>(0)
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    })();
    Run { query, ids }
}

/// The two SQLite modes: a default connection with `GLOB`, and one with
/// `case_sensitive_like` and `LIKE`.
struct Modes {
    glob: Connection,
    like: Connection,
}

impl Modes {
    fn new() -> Modes {
        let like = database();
        like.execute_batch("PRAGMA case_sensitive_like = ON")
            .unwrap();
        Modes {
            glob: database(),
            like,
        }
    }

    fn check(&self, text: &str) -> Result<(), TestCaseError> {
        let filter = compile(text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e:#}")))?;
        let expected = expected_ids(&filter);
        let glob = run(&self.glob, &filter, &SqlOptions::sqlite());
        if let Some(d) = disagreement("SQLite (GLOB)", &filter, &expected, glob) {
            return Err(TestCaseError::fail(d));
        }
        let like = run(
            &self.like,
            &filter,
            &SqlOptions::sqlite().with_sqlite_like(true),
        );
        if let Some(d) = disagreement("SQLite (LIKE)", &filter, &expected, like) {
            return Err(TestCaseError::fail(d));
        }
        Ok(())
    }
}

#[test]
fn fixed_cases_glob() {
    let db = database();
    check_fixed("SQLite (GLOB)", |filters| {
        filters
            .iter()
            .map(|f| run(&db, f, &SqlOptions::sqlite()))
            .collect()
    });
}

#[test]
fn fixed_cases_like() {
    let db = database();
    db.execute_batch("PRAGMA case_sensitive_like = ON").unwrap();
    check_fixed("SQLite (LIKE)", |filters| {
        filters
            .iter()
            .map(|f| run(&db, f, &SqlOptions::sqlite().with_sqlite_like(true)))
            .collect()
    });
}

/// Cases of [`random_filters`] (each in both modes); with the PostgreSQL
/// test's, 2 000 random filters a run.
const RANDOM_CASES: u32 = 1000;

#[test]
fn random_filters() {
    let modes = Modes::new();
    let mut runner = TestRunner::new(Config {
        cases: RANDOM_CASES,
        failure_persistence: None,
        // A shrink step is a database query: keep a failing run short.
        max_shrink_iters: 256,
        ..Config::default()
    });
    if let Err(e) = runner.run(&filters::random(), |text| modes.check(&text)) {
        panic!("{e}");
    }
}
