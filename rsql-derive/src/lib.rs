//! `#[derive(rsql::Record)]`: the [`rsql::Record`] impl and the
//! [`rsql::Schema`] of a struct, without hand-numbered field ids.
//!
//! Use it through `rsql` with the `derive` feature (`rsql::Record` is both
//! the trait and this derive); the attribute reference is on [`Record`].
//!
//! [`rsql::Record`]: https://docs.rs/rsql/latest/rsql/trait.Record.html
//! [`rsql::Schema`]: https://docs.rs/rsql/latest/rsql/struct.Schema.html
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod attrs;
mod expand;
mod types;

use proc_macro::TokenStream;

/// Derives `rsql::Record` and `rsql::RecordSchema` for a struct with named
/// fields: each field becomes a schema field (ids in declaration order,
/// assigned here), and `<T as RecordSchema>::schema()` builds the
/// [`Schema`](https://docs.rs/rsql/latest/rsql/struct.Schema.html) once and
/// caches it.
///
/// # Field types
///
/// | Rust type | schema field | record value |
/// |---|---|---|
/// | `String`, `&str`, `Box<str>`, `Arc<str>`, `Rc<str>`, `Cow<str>` | `String` (`Enum` with `values(…)`) | `Str` |
/// | `i8` … `i64`, `u8` … `u32` | `Integer` (`Timestamp` with `timestamp`: epoch ms) | `Int` / `Time` |
/// | `f32`, `f64` | `Float` | `Float` |
/// | `bool` | `Bool` | `Bool` |
/// | `chrono::DateTime<Tz>` | `Timestamp` | `Time` (epoch ms) |
/// | `Option<T>` of the above | the same; `None` is missing | |
/// | `Vec<T>`, `&[T]`, `Box<[T]>` of the above | multi-valued (any-member semantics) | each value |
/// | `HashMap<K, V>`, `BTreeMap<K, V>` (text `K`) | dynamic: `name.<key>` | the key's value |
/// | `T`, `Option<T>` with `#[rsql(nested)]` (`T` derives `Record`) | `T`'s fields under `name.` | |
/// | `Vec<T>` with `#[rsql(multi)]` (`T` derives `Record`) | `T`'s fields under `name.`, each multi-valued | every element's value |
///
/// `u64`, `usize`, `i128`, `u128` and `isize` are refused (they do not fit the
/// evaluator's `i64` without loss), as is any other type unless an attribute
/// says what it holds (`#[rsql(string)]` … for a type alias).
///
/// # Attributes
///
/// On a field, `#[rsql(...)]` takes any of (repeatable, comma-separated):
///
/// * `name = "conversation.startTime"`: the selector (default: the field's name);
///   for a nested record, the prefix of its fields.
/// * `alias = "start"`: another selector for the same field (repeatable); on
///   a map or a nested record, a prefix alias.
/// * `skip`: not part of the schema.
/// * `sortable`: [`Field::sortable`](https://docs.rs/rsql/latest/rsql/struct.Field.html#method.sortable).
/// * `timestamp`: an integer of epoch milliseconds is a `Timestamp` field
///   (`chrono::DateTime` is one already). `string`, `integer`, `float`,
///   `bool` name the type of a type alias.
/// * `values("meeting", "call")`: a text field is an `Enum`.
/// * `multi`: a `Vec` of records (a `Vec` of scalars is multi-valued anyway).
/// * `map`: documents that a `HashMap`/`BTreeMap` is a dynamic field (inferred).
/// * `nested`: a record (or `Option` of one) whose fields appear under this name.
/// * `numeric_strings`, `no_wildcards`: `Field::numeric_strings()`, `Field::wildcards(false)`.
/// * `missing = "nothing"` (`Missing::MatchesNothing`) or `"negations"` (the default).
/// * `sql = "c.start_ms"`: the column; on a map, the JSON column (`sql_json`);
///   on a list, the column in its child table, given with
///   `sql_from = "members m", sql_join = "m.conversation_id = c.id"`. On a
///   `multi` record, `sql_from`/`sql_join` name the child table and each of the
///   record's fields gives its `sql` column.
/// * `sql_template = "(SELECT … {key})"`: a map's SQL template.
/// * `mongo = "startTime"`: the MongoDB path; on a `multi` record, the array.
///
/// On the struct, `#[rsql(crate = "path::to::rsql")]` says where `rsql` is
/// when it was renamed.
///
/// Every misuse is a compile error on the attribute or the field's type:
///
/// ```compile_fail
/// #[derive(rsql::Record)]
/// struct Row {
///     #[rsql(sortabel)] // unknown attribute
///     name: String,
/// }
/// ```
///
/// ```compile_fail
/// #[derive(rsql::Record)]
/// struct Row {
///     #[rsql(timestamp)] // a timestamp is an integer or a DateTime
///     start: String,
/// }
/// ```
///
/// ```compile_fail
/// #[derive(rsql::Record)]
/// struct Row {
///     count: u64, // does not fit an i64
/// }
/// ```
///
/// # Example
///
/// ```
/// use std::collections::BTreeMap;
/// use rsql::{Record, RecordSchema};
///
/// #[derive(Record)]
/// struct Member {
///     id: String,
///     #[rsql(sql = "m.email")]
///     email: Option<String>,
/// }
///
/// #[derive(Record)]
/// struct Conversation {
///     #[rsql(name = "conversation.id", sortable, sql = "c.id", mongo = "id")]
///     id: String,
///     #[rsql(name = "conversation.startTime", timestamp, sortable, sql = "c.start_ms", mongo = "startTime")]
///     start_ms: i64,
///     #[rsql(name = "conversation.endTime", timestamp, missing = "nothing")]
///     end_ms: Option<i64>,
///     #[rsql(name = "conversation.metadata", alias = "metadata", numeric_strings, sql = "c.metadata")]
///     metadata: BTreeMap<String, String>,
///     #[rsql(multi, sql_from = "members m", sql_join = "m.conversation_id = c.id")]
///     members: Vec<Member>,
///     #[rsql(skip)]
///     cached_summary: Option<String>,
/// }
///
/// let schema = Conversation::schema();
/// assert_eq!(
///     schema.fields().map(|(_, f)| f.name()).collect::<Vec<_>>(),
///     ["conversation.id", "conversation.startTime", "conversation.endTime",
///      "conversation.metadata", "members.id", "members.email"]
/// );
/// let c = Conversation {
///     id: "1".into(),
///     start_ms: 1_615_000_000_000,
///     end_ms: None,
///     metadata: BTreeMap::from([("score".into(), "10".into())]),
///     members: vec![Member { id: "m1".into(), email: Some("a@x.io".into()) }],
///     cached_summary: None,
/// };
/// let holds = |f: &str| -> Result<bool, rsql::Error> {
///     Ok(schema.compile(&rsql::parse(f)?)?.matches(&c))
/// };
/// assert!(holds("conversation.startTime=ge=2021-03-01;metadata.score=gt=9")?);
/// assert!(holds("members.email==*@x.io")?);
/// assert!(!holds("conversation.endTime!=2021-03-01")?); // missing = "nothing"
/// let sql = schema.compile(&rsql::parse("members.email==a@x.io")?)?.to_sql(&rsql::SqlOptions::sqlite())?;
/// assert_eq!(sql.sql, "EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = c.id AND m.email = ?)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[proc_macro_derive(Record, attributes(rsql))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
