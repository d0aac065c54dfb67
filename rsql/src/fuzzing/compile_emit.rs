//! The `compile_emit` fuzz property: compile against a caller's schema, then
//! check the emitters, the evaluator and printing.

use crate::{Filter, Limits, Operators, Parser, Policy, Record, Schema, SqlOptions, SqlWhere};

/// Parses `data` (extended and unknown operators accepted), compiles it
/// against `schema` and checks the emitters and the evaluator: compile
/// errors stay inside the input and render a caret; the SQL placeholders
/// match `params` in both dialects; the Mongo document serialises; `matches`
/// runs on every record of `records`; printing the filter and compiling it
/// again gives the same filter. Returns `false` for non-UTF-8.
///
/// Every field of `schema` must have a SQL mapping (a filter that cannot be
/// emitted is reported as a failure). The fuzz target passes the store's
/// conversation schema and records; rsql itself knows no particular schema.
///
/// ```
/// use rsql::{Field, FieldRef, FieldType, FieldValue, Record, Schema};
///
/// struct Named(&'static str);
/// impl Record for Named {
///     fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> {
///         FieldValue::Str(self.0)
///     }
/// }
///
/// let schema = Schema::builder()
///     .field(Field::new("name", FieldType::String).sql_column("t.name"))
///     .build()?;
/// let records = [Named("Legal Brainstorm")];
/// assert!(rsql::fuzzing::check_compile_emit(b"name==*Brain*,name=in=(a,b)", &schema, &records));
/// assert!(rsql::fuzzing::check_compile_emit(b"nmae==x", &schema, &records));
/// assert!(!rsql::fuzzing::check_compile_emit(&[0xff], &schema, &records));
/// # Ok::<(), rsql::SchemaError>(())
/// ```
pub fn check_compile_emit<R: Record>(data: &[u8], schema: &Schema, records: &[R]) -> bool {
    let Ok(input) = std::str::from_utf8(data) else {
        return false;
    };
    let ops = Operators::any().with_extended();
    let parser = Parser::new().with_policy(Policy::new().with_operators(ops.clone()));
    let Ok(ast) = parser.parse(input) else {
        return true;
    };
    let filter = match schema.compile(&ast) {
        Ok(filter) => filter,
        Err(err) => {
            let span = err.span();
            assert!(
                span.start <= span.end && span.end <= input.len(),
                "span {span:?} outside {input:?}"
            );
            let err = err.with_input(input);
            assert!(format!("{err:#}").contains('^'));
            assert!(err.column() >= 1 && !err.message().is_empty());
            return true;
        }
    };
    check_sql(&filter, input);
    #[cfg(feature = "mongo")]
    {
        let doc = filter.to_mongo();
        assert!(serde_json::to_string(&doc).is_ok());
    }
    for record in records {
        let _ = filter.matches(record);
    }
    // Printing gives a filter that compiles back to the same tree.
    let printed = filter.to_string();
    let relaxed = Parser::new()
        .with_limits(
            Limits::new()
                .with_max_len(usize::MAX)
                .with_max_args(usize::MAX),
        )
        .with_policy(Policy::new().with_operators(ops));
    if !filter.is_match_all() {
        let again = relaxed
            .parse(&printed)
            .map_err(|e| e.to_string())
            .and_then(|ast| schema.compile(&ast).map_err(|e| e.to_string()));
        match again {
            Ok(again) => assert_eq!(again, filter, "{input:?} printed as {printed:?}"),
            Err(e) => panic!("{input:?} printed as {printed:?}, which fails: {e}"),
        }
    }
    true
}

fn check_sql(filter: &Filter, input: &str) {
    let Ok(SqlWhere { sql, params }) = filter.to_sql(&SqlOptions::sqlite()) else {
        panic!("every field of the schema has a SQL mapping: {input:?}");
    };
    assert_eq!(sql.matches('?').count(), params.len(), "{input:?} → {sql}");
    let Ok(SqlWhere { sql, params }) = filter.to_sql(&SqlOptions::postgres()) else {
        panic!("every field of the schema has a SQL mapping: {input:?}");
    };
    let mut seen = vec![false; params.len()];
    let bytes = sql.as_bytes();
    for (i, _) in sql.match_indices('$') {
        let digits: String = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|&b| char::from(b))
            .collect();
        if let Ok(n) = digits.parse::<usize>() {
            assert!(
                n >= 1 && n <= params.len(),
                "placeholder ${n} of {} in {sql}",
                params.len()
            );
            seen[n - 1] = true;
        }
    }
    assert!(seen.iter().all(|s| *s), "unused parameter in {sql}");
}
