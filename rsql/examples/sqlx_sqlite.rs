//! A filter on a SQLite table (in memory) with sqlx and
//! `SqlWhere::bind_sqlx` (feature `sqlx-sqlite`).
//!
//! ```sh
//! cargo run -p rsql --features sqlx-sqlite --example sqlx_sqlite
//! ```
//!
//! It creates two tables and a few rows, runs `tickets::FILTER`, prints the
//! rows and checks the ids.
#![allow(clippy::print_stdout)] // printing the rows is the point

mod tickets;

use std::error::Error;

use rsql::SqlOptions;
use sqlx::{AssertSqlSafe, SqlitePool};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    // One connection: every connection to `sqlite::memory:` is a database of its own.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    let result = run(&pool).await;
    pool.close().await;
    result
}

async fn run(pool: &SqlitePool) -> Result<(), Box<dyn Error>> {
    sqlx::raw_sql(AssertSqlSafe(tickets::create_sql(tickets::Db::Sqlite, "")))
        .execute(pool)
        .await?;

    let schema = tickets::schema("")?;
    let filter = schema.compile(&rsql::parse(tickets::FILTER)?)?;
    let w = filter.to_sql(&SqlOptions::sqlite())?;
    // The SQL text comes from the schema only; every value is a parameter.
    let sql = tickets::select_sql("", &w.sql);
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
