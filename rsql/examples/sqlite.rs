//! A filter on a SQLite table (in memory) with `rusqlite` and
//! `SqlWhere::rusqlite_params` (feature `rusqlite`).
//!
//! ```sh
//! cargo run -p rsql --features rusqlite --example sqlite
//! ```
//!
//! It creates two tables and a few rows, runs `tickets::FILTER`, prints the
//! rows and checks the ids.
#![allow(clippy::print_stdout)] // printing the rows is the point

mod tickets;

use std::error::Error;

use rsql::SqlOptions;
use rusqlite::Connection;

fn main() -> Result<(), Box<dyn Error>> {
    let db = Connection::open_in_memory()?;
    db.execute_batch(&tickets::create_sql(tickets::Db::Sqlite, ""))?;

    let schema = tickets::schema("")?;
    let filter = schema.compile(&rsql::parse(tickets::FILTER)?)?;
    let w = filter.to_sql(&SqlOptions::sqlite())?;
    let sql = tickets::select_sql("", &w.sql);
    println!("{sql}\n  params: {:?}", w.params);

    // One call: every parameter, in order.
    let mut stmt = db.prepare(&sql)?;
    let rows = stmt.query_map(w.rusqlite_params(), |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut ids = Vec::new();
    for row in rows {
        let (id, title) = row?;
        println!("{id}\t{title}");
        ids.push(id);
    }
    tickets::check(&ids)?;
    Ok(())
}
