//! A filter on a PostgreSQL table with the synchronous `postgres` driver and
//! `SqlWhere::postgres_params` (feature `postgres`).
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo run -p rsql --features postgres --example postgres
//! ```
//!
//! It creates a schema of its own, two tables and a few rows, runs
//! `tickets::FILTER`, prints the rows, checks the ids, and drops the schema.
#![allow(clippy::print_stdout)] // printing the rows is the point

mod tickets;

use std::error::Error;

use postgres::{Client, NoTls};
use rsql::SqlOptions;

fn main() -> Result<(), Box<dyn Error>> {
    let mut client = Client::connect(&tickets::database_url()?, NoTls)?;
    let name = tickets::unique_schema_name();
    client.batch_execute(&format!("CREATE SCHEMA {name}"))?;
    let result = run(&mut client, &format!("{name}."));
    // Drop what was created whether or not the run passed.
    client.batch_execute(&format!("DROP SCHEMA {name} CASCADE"))?;
    result
}

fn run(client: &mut Client, prefix: &str) -> Result<(), Box<dyn Error>> {
    client.batch_execute(&tickets::create_sql(tickets::Db::Postgres, prefix))?;

    let schema = tickets::schema(prefix)?;
    let filter = schema.compile(&rsql::parse(tickets::FILTER)?)?;
    let w = filter.to_sql(&SqlOptions::postgres())?;
    let sql = tickets::select_sql(prefix, &w.sql);
    println!("{sql}\n  params: {:?}", w.params);

    // One call: every parameter, typed for its placeholder.
    let rows = client.query(&sql, &w.postgres_params())?;
    let mut ids = Vec::new();
    for row in rows {
        let (id, title): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
        println!("{id}\t{title}");
        ids.push(id);
    }
    tickets::check(&ids)?;
    Ok(())
}
