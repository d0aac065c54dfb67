//! A filter on a PostgreSQL table with sqlx and `SqlWhere::bind_sqlx`
//! (feature `sqlx-postgres`).
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo run -p rsql --features sqlx-postgres --example sqlx_postgres
//! ```
//!
//! It creates a schema of its own, two tables and a few rows, runs
//! `tickets::FILTER`, prints the rows, checks the ids, and drops the schema.
#![allow(clippy::print_stdout)] // printing the rows is the point

mod tickets;

use std::error::Error;

use rsql::SqlOptions;
use sqlx::{AssertSqlSafe, PgPool};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let pool = PgPool::connect(&tickets::database_url()?).await?;
    let name = tickets::unique_schema_name();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(&pool)
        .await?;
    let result = run(&pool, &format!("{name}.")).await;
    // Drop what was created whether or not the run passed.
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {name} CASCADE")))
        .execute(&pool)
        .await?;
    pool.close().await;
    result
}

async fn run(pool: &PgPool, prefix: &str) -> Result<(), Box<dyn Error>> {
    sqlx::raw_sql(AssertSqlSafe(tickets::create_sql(
        tickets::Db::Postgres,
        prefix,
    )))
    .execute(pool)
    .await?;

    let schema = tickets::schema(prefix)?;
    let filter = schema.compile(&rsql::parse(tickets::FILTER)?)?;
    let w = filter.to_sql(&SqlOptions::postgres())?;
    // The SQL text comes from the schema only; every value is a parameter.
    let sql = tickets::select_sql(prefix, &w.sql);
    println!("{sql}\n  params: {:?}", w.params);

    // One call: every parameter bound, in order.
    let rows: Vec<(i64, String)> = w
        .bind_sqlx(sqlx::query_as(AssertSqlSafe(sql)))
        .fetch_all(pool)
        .await?;
    let mut ids = Vec::new();
    for (id, title) in rows {
        println!("{id}\t{title}");
        ids.push(id);
    }
    tickets::check(&ids)?;
    Ok(())
}
