//! Prints the MongoDB filter document (`bson::Document`) for an RSQL filter:
//! `cargo run -p rsql --features bson --example mongo_bson -- 'metadata.score=gt=0.75'`
//! (no argument: a filter over every kind of field). No server is needed;
//! pass the document to the driver's `find`.

use rsql::{Field, FieldType, Operators, Parser, Policy, Schema};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = Schema::builder()
        .field(Field::new("conversation.name", FieldType::String).mongo_path("name"))
        .field(Field::new("conversation.startTime", FieldType::Timestamp).mongo_path("startTime"))
        .field(Field::new("conversation.size", FieldType::Integer).mongo_path("size"))
        .field(
            Field::new("members.email", FieldType::String)
                .multi_valued()
                .mongo_elem("members", "email"),
        )
        .field(
            Field::dynamic("conversation.metadata", FieldType::String)
                .numeric_strings()
                .mongo_path("metadata"),
        )
        .alias("metadata", "conversation.metadata")
        .build()?;
    let text = std::env::args().nth(1).unwrap_or_else(|| {
        "conversation.startTime=ge=2021-03-01;conversation.size=gt=2;\
         members.email!=bob@x.io;metadata.score=gt=0.75"
            .to_owned()
    });
    // The extended operators (`=bt=`, `=like=`, …) as well as the standard ones.
    let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    let filter = schema
        .compile_str(&parser, &text)
        .map_err(|e| format!("{e:#}"))?;
    let doc = filter.to_bson();
    #[allow(clippy::print_stdout)] // printing the document is what the example is for
    {
        println!("{text}");
        println!("{doc}");
    }
    Ok(())
}
