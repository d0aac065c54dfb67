//! The conversation schema, a plain conversation record, and the
//! `compile_emit` fuzz property.

use crate::eval::{FieldValue, Record};
use crate::filter::Filter;
use crate::limits::Limits;
use crate::operators::Operators;
use crate::parser::Parser;
use crate::policy::Policy;
use crate::schema::{Field, FieldRef, FieldType, Schema, SchemaError};
use crate::{SqlOptions, SqlWhere};

/// Field ids of [`conversation_schema`], in declaration order.
pub mod ids {
    use crate::schema::FieldId;

    /// `conversation.id`
    pub const ID: FieldId = FieldId::new(0);
    /// `conversation.type`
    pub const TYPE: FieldId = FieldId::new(1);
    /// `conversation.name`
    pub const NAME: FieldId = FieldId::new(2);
    /// `conversation.startTime`
    pub const START: FieldId = FieldId::new(3);
    /// `conversation.endTime`
    pub const END: FieldId = FieldId::new(4);
    /// `members.id`
    pub const MEMBER_ID: FieldId = FieldId::new(5);
    /// `members.name`
    pub const MEMBER_NAME: FieldId = FieldId::new(6);
    /// `members.email`
    pub const MEMBER_EMAIL: FieldId = FieldId::new(7);
    /// `conversation.metadata.<key>`
    pub const METADATA: FieldId = FieldId::new(8);
}

/// The conversation schema of `api.md` §2.2, with SQL mappings for the
/// tables `conversations c (id, type, name, start_ms, end_ms, metadata JSON)`
/// and `members m (conversation_id, id, name, email)`, and MongoDB paths for
/// Symbl-shaped documents.
///
/// ```
/// let schema = rsql::fuzzing::conversation_schema()?;
/// assert_eq!(schema.field_id("conversation.startTime"), Some(rsql::fuzzing::ids::START));
/// assert!(schema.resolve("metadata.agentId").is_some());
/// # Ok::<(), rsql::SchemaError>(())
/// ```
pub fn conversation_schema() -> Result<Schema, SchemaError> {
    let member = |name: &str, column: &str| {
        Field::new(format!("members.{name}"), FieldType::String)
            .multi_valued()
            .sql_exists(
                "members m",
                "m.conversation_id = c.id",
                format!("m.{column}"),
            )
            .mongo_elem("members", name)
    };
    Schema::builder()
        .field(
            Field::new("conversation.id", FieldType::String)
                .sortable()
                .sql_column("c.id")
                .mongo_path("id"),
        )
        .field(
            Field::new("conversation.type", FieldType::String)
                .sql_column("c.type")
                .mongo_path("type"),
        )
        .field(
            Field::new("conversation.name", FieldType::String)
                .sortable()
                .sql_column("c.name")
                .mongo_path("name"),
        )
        .field(
            Field::new("conversation.startTime", FieldType::Timestamp)
                .sortable()
                .sql_column("c.start_ms")
                .mongo_path("startTime"),
        )
        .field(
            Field::new("conversation.endTime", FieldType::Timestamp)
                .sortable()
                .sql_column("c.end_ms")
                .mongo_path("endTime"),
        )
        .field(member("id", "id"))
        .field(member("name", "name"))
        .field(member("email", "email"))
        .field(
            Field::dynamic("conversation.metadata", FieldType::String)
                .numeric_strings()
                .sql_json("c.metadata")
                .mongo_path("metadata"),
        )
        .alias("metadata", "conversation.metadata")
        .alias("conversation.members", "members")
        .build()
}

/// One member of a [`Conversation`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Member {
    /// `members.id`
    pub id: Option<String>,
    /// `members.name`
    pub name: Option<String>,
    /// `members.email`
    pub email: Option<String>,
}

/// A conversation held as plain data, implementing [`Record`] for
/// [`conversation_schema`].
///
/// ```
/// use rsql::fuzzing::{Conversation, conversation_schema};
/// let conv = Conversation { id: "1".into(), kind: Some("call".into()), ..Conversation::default() };
/// let f = conversation_schema()?.compile(&rsql::parse("conversation.type==call")?)?;
/// assert!(f.matches(&conv));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conversation {
    /// `conversation.id`
    pub id: String,
    /// `conversation.type`
    pub kind: Option<String>,
    /// `conversation.name`
    pub name: Option<String>,
    /// `conversation.startTime`, epoch ms
    pub start_ms: Option<i64>,
    /// `conversation.endTime`, epoch ms
    pub end_ms: Option<i64>,
    /// `members`
    pub members: Vec<Member>,
    /// `metadata`, in insertion order
    pub metadata: Vec<(String, String)>,
}

fn opt_str(s: &Option<String>) -> FieldValue<'_> {
    s.as_deref().map_or(FieldValue::Missing, FieldValue::Str)
}

impl Record for Conversation {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        match field.id {
            ids::ID => FieldValue::Str(&self.id),
            ids::TYPE => opt_str(&self.kind),
            ids::NAME => opt_str(&self.name),
            ids::START => self.start_ms.map_or(FieldValue::Missing, FieldValue::Time),
            ids::END => self.end_ms.map_or(FieldValue::Missing, FieldValue::Time),
            ids::METADATA => field
                .key
                .and_then(|k| self.metadata.iter().find(|(mk, _)| mk == k))
                .map_or(FieldValue::Missing, |(_, v)| FieldValue::Str(v)),
            _ => FieldValue::Missing,
        }
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        let pick: fn(&Member) -> &Option<String> = match field.id {
            ids::MEMBER_ID => |m| &m.id,
            ids::MEMBER_NAME => |m| &m.name,
            ids::MEMBER_EMAIL => |m| &m.email,
            _ => return f(self.get(field)),
        };
        self.members
            .iter()
            .filter_map(|m| pick(m).as_deref())
            .any(|v| f(FieldValue::Str(v)))
    }
}

/// Parses `data` (extended and unknown operators accepted), compiles it
/// against [`conversation_schema`] and checks the emitters and the
/// evaluator: compile errors stay inside the input and render a caret; the
/// SQL placeholders match `params` in both dialects; the Mongo document
/// serialises; `matches` runs on fixed records; printing the filter and
/// compiling it again gives the same filter. Returns `false` for non-UTF-8.
///
/// ```
/// assert!(rsql::fuzzing::check_compile_emit(b"metadata.score=gt=0.75;members.email==*@x.io"));
/// assert!(rsql::fuzzing::check_compile_emit(b"conversation.startTme==x"));
/// assert!(!rsql::fuzzing::check_compile_emit(&[0xff]));
/// ```
pub fn check_compile_emit(data: &[u8]) -> bool {
    let Ok(input) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(schema) = conversation_schema() else {
        panic!("the conversation schema does not build");
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
    for record in fixed_records() {
        let _ = filter.matches(&record);
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
        panic!("every conversation field has a SQL mapping: {input:?}");
    };
    assert_eq!(sql.matches('?').count(), params.len(), "{input:?} → {sql}");
    let Ok(SqlWhere { sql, params }) = filter.to_sql(&SqlOptions::postgres()) else {
        panic!("every conversation field has a SQL mapping: {input:?}");
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

fn fixed_records() -> [Conversation; 2] {
    let full = Conversation {
        id: "1000000000000042".into(),
        kind: Some("meeting".into()),
        name: Some("Legal Brainstorm - Initech".into()),
        start_ms: Some(1_611_583_398_520),
        end_ms: Some(1_611_584_163_715),
        members: vec![
            Member {
                id: Some("e630f27b".into()),
                name: Some("Olga Williams".into()),
                email: Some("olga.williams1@acme.com".into()),
            },
            Member::default(),
        ],
        metadata: vec![
            ("agentId".into(), "agent-0311".into()),
            ("score".into(), "0.8".into()),
        ],
    };
    [full, Conversation::default()]
}
