//! PostgreSQL (the machine's server): `Filter::to_sql(&SqlOptions::postgres())`
//! over [`data::rows`] in a database of its own per test, created with an ICU
//! `en-US` default collation (so a comparison that forgets `COLLATE "C"`
//! shows) and dropped at the end, also when the test fails.
//!
//! The server and the database's life are [`test_pg`]'s
//! (`DATABASE_URL`, else the machine's PostgreSQL); when it cannot be reached
//! the tests print a SKIP notice and pass, except under `CI=true`, where
//! they fail and say how to start it.

use chrono::DateTime;
use postgres::Client;
use postgres::types::{ToSql, Type};
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use rsql::{Filter, SqlOptions, SqlParam};

use super::{Run, check_fixed, compile, data, disagreement, expected_ids, filters};
use test_pg::{Collation, TempDb};

/// A database of its own (ICU `en-US` collation) holding [`data::rows`];
/// dropped with the value.
pub(crate) struct Database {
    // Declared first so it closes before the database is dropped.
    client: Client,
    _db: TempDb,
}

impl Database {
    /// Creates the database (tag `live_<tag>`) and loads the data; `None`
    /// (after a SKIP notice) without a PostgreSQL outside CI.
    pub(crate) fn create(tag: &str) -> Option<Database> {
        let db = TempDb::try_create_with(
            &format!("live::pg::{tag}"),
            &format!("live_{tag}"),
            Collation::IcuEnUs,
        )?;
        let mut client = db.client();
        load(&mut client);
        Some(Database { client, _db: db })
    }

    fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

fn load(client: &mut Client) {
    let rows = data::rows();
    client.batch_execute(data::CREATE_TABLES).unwrap();
    client
        .batch_execute(
            "ALTER TABLE conversations ALTER COLUMN metadata TYPE jsonb USING metadata::jsonb",
        )
        .unwrap();
    let ids: Vec<&str> = rows.iter().map(|c| c.id.as_str()).collect();
    let names: Vec<&str> = rows.iter().map(|c| c.name.as_str()).collect();
    let kinds: Vec<&str> = rows.iter().map(|c| c.kind.as_str()).collect();
    let starts: Vec<i64> = rows.iter().map(|c| c.start_time).collect();
    let ends: Vec<Option<i64>> = rows.iter().map(|c| c.end_time).collect();
    let metas: Vec<String> = rows.iter().map(data::metadata_json).collect();
    client
        .execute(
            "INSERT INTO conversations (id, name, type, start_ms, end_ms, metadata)
             SELECT i, n, t, s, e, m::jsonb
             FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::text[])
                  AS u(i, n, t, s, e, m)",
            &[&ids, &names, &kinds, &starts, &ends, &metas],
        )
        .unwrap();
    let members: Vec<(&str, &store::Member)> = rows
        .iter()
        .flat_map(|c| c.members.iter().map(move |m| (c.id.as_str(), m)))
        .collect();
    let conv: Vec<&str> = members.iter().map(|(c, _)| *c).collect();
    let mid: Vec<&str> = members.iter().map(|(_, m)| m.id.as_str()).collect();
    let mname: Vec<&str> = members.iter().map(|(_, m)| m.name.as_str()).collect();
    let email: Vec<Option<&str>> = members.iter().map(|(_, m)| m.email.as_deref()).collect();
    client
        .execute(
            "INSERT INTO members (conversation_id, id, name, email)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])",
            &[&conv, &mid, &mname, &email],
        )
        .unwrap();
    client.batch_execute("ANALYZE").unwrap();
}

/// One parameter as the PostgreSQL driver takes it, in the type the server
/// inferred for its placeholder (`length(…) > $1` is an `int4`, a `bigint`
/// column makes `int8`); integers are range-checked, never truncated.
fn bind(p: &SqlParam, ty: &Type) -> Result<Box<dyn ToSql + Sync>, String> {
    let instant = |ms: i64| {
        DateTime::from_timestamp_millis(ms)
            .ok_or_else(|| format!("{ms} ms is outside chrono's range"))
    };
    let narrow =
        |e: std::num::TryFromIntError| format!("{p:?} does not fit a {ty} placeholder: {e}");
    Ok(match (p, ty) {
        (SqlParam::Text(s) | SqlParam::Numeric(s), _)
            if [
                Type::TEXT,
                Type::VARCHAR,
                Type::BPCHAR,
                Type::NAME,
                Type::UNKNOWN,
            ]
            .contains(ty) =>
        {
            Box::new(s.clone())
        }
        (SqlParam::Int(i) | SqlParam::Time(i), &Type::INT8) => Box::new(*i),
        (SqlParam::Int(i) | SqlParam::Time(i), &Type::INT4) => {
            Box::new(i32::try_from(*i).map_err(narrow)?)
        }
        (SqlParam::Int(i) | SqlParam::Time(i), &Type::INT2) => {
            Box::new(i16::try_from(*i).map_err(narrow)?)
        }
        (SqlParam::Float(x), &Type::FLOAT8) => Box::new(*x),
        (SqlParam::Bool(b), &Type::BOOL) => Box::new(*b),
        (SqlParam::TimestampTz(ms), &Type::TIMESTAMPTZ) => Box::new(instant(*ms)?),
        (SqlParam::Timestamp(ms), &Type::TIMESTAMP) => Box::new(instant(*ms)?.naive_utc()),
        (other, ty) => return Err(format!("no binding of {other:?} to a {ty} placeholder")),
    })
}

/// The server's message and SQLSTATE, or the driver's error.
fn pg_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Runs `filter` on `client`.
fn run(client: &mut Client, filter: &Filter) -> Run {
    let w = match filter.to_sql(&SqlOptions::postgres()) {
        Ok(w) => w,
        Err(e) => {
            return Run {
                query: "(no SQL)".into(),
                ids: Err(format!("to_sql: {e}")),
            };
        }
    };
    let sql = format!("SELECT c.id FROM conversations c WHERE {}", w.sql);
    let shown: Vec<String> = w.params.iter().map(ToString::to_string).collect();
    let query = format!("{sql}\n    params:   [{}]", shown.join(", "));
    let ids = (|| {
        let stmt = client.prepare(&sql).map_err(|e| pg_error(&e))?;
        let values = w
            .params
            .iter()
            .zip(stmt.params())
            .map(|(p, ty)| bind(p, ty))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        let rows = client.query(&stmt, &refs).map_err(|e| pg_error(&e))?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    })();
    Run { query, ids }
}

#[test]
fn fixed_cases() {
    let Some(mut db) = Database::create("fixed") else {
        return;
    };
    check_fixed("PostgreSQL", |filters| {
        filters.iter().map(|f| run(db.client(), f)).collect()
    });
}

/// Cases of [`random_filters`]; with SQLite's, 2 000 random
/// filters a run.
const RANDOM_CASES: u32 = 1000;

#[test]
fn random_filters() {
    let Some(mut db) = Database::create("random") else {
        return;
    };
    let mut runner = TestRunner::new(ProptestConfig {
        cases: RANDOM_CASES,
        failure_persistence: None,
        // A shrink step is a database query: keep a failing run short.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    });
    let client = std::cell::RefCell::new(db.client());
    let result = runner.run(&filters::random(), |text| {
        let filter = compile(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e:#}")))?;
        let expected = expected_ids(&filter);
        let got = run(&mut client.borrow_mut(), &filter);
        match disagreement("PostgreSQL", &filter, &expected, got) {
            Some(d) => Err(TestCaseError::fail(d)),
            None => Ok(()),
        }
    });
    drop(db);
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn a_failing_query_is_reported_not_hidden() {
    let Some(mut db) = Database::create("probe") else {
        return;
    };
    let filter = compile("conversation.type==meeting").unwrap();
    let expected = expected_ids(&filter);
    assert!(!expected.is_empty());
    assert!(disagreement("PostgreSQL", &filter, &expected, run(db.client(), &filter)).is_none());
    let broken = Run {
        query: "SELECT".into(),
        ids: db
            .client()
            .query("SELECT CAST('1e400' AS double precision)", &[])
            .map(|_| Vec::new())
            .map_err(|e| pg_error(&e)),
    };
    let d = disagreement("PostgreSQL", &filter, &expected, broken).unwrap();
    assert!(d.contains("FAILED") && d.contains("out of range"), "{d}");
}
