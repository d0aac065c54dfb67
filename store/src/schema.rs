//! The conversation [`Schema`] of `api.md` §2.2 and `impl rsql::Record` for
//! conversations.
//!
//! | selector (aliases) | type | notes |
//! |---|---|---|
//! | `conversation.id` | string | sortable; exact: a `*` wildcard is refused (`\*` is a literal star) |
//! | `conversation.name` | string | sortable; `*` wildcards |
//! | `conversation.type` | string | sortable |
//! | `conversation.startTime` | timestamp | sortable |
//! | `conversation.endTime` | timestamp | sortable; missing while running |
//! | `conversation.metadata.<key>` (`metadata.<key>`) | string | numeric ordering when both sides are numbers |
//! | `members.id`, `members.name`, `members.email` (`conversation.members.*`) | string, multi-valued | any member / no member |
//!
//! ```
//! use rsql::Record;
//! let c = store::generate::conversation(1, 0);
//! let f = store::compile_filter("conversation.type=in=(meeting,call,chat)")?;
//! assert!(f.matches(&c));
//! let by_email = format!("members.email=={}", c.members[0].email.as_deref().unwrap_or("x"));
//! assert!(store::compile_filter(&by_email)?.matches(&c));
//! # Ok::<(), store::StoreError>(())
//! ```

use std::sync::OnceLock;

use rsql::{Field, FieldId, FieldRef, FieldType, FieldValue, Missing, Record, Schema};

use crate::intern::NO_SYM;
use crate::model::Conversation;
use crate::people::Person;
use crate::rows::Row;
use crate::store::Store;

// The field ids of [`schema()`], in declaration order. This is the one
// definition of the conversation schema: the store, the server, rsql's
// emitter tests, the fuzz target and the eval bench all use it.

/// `conversation.id`.
pub const ID: FieldId = FieldId::new(0);
/// `conversation.name`.
pub const NAME: FieldId = FieldId::new(1);
/// `conversation.type`.
pub const TYPE: FieldId = FieldId::new(2);
/// `conversation.startTime`.
pub const START_TIME: FieldId = FieldId::new(3);
/// `conversation.endTime`.
pub const END_TIME: FieldId = FieldId::new(4);
/// `conversation.metadata.*` (dynamic).
pub const METADATA: FieldId = FieldId::new(5);
/// `members.id` (multi-valued).
pub const MEMBER_ID: FieldId = FieldId::new(6);
/// `members.name` (multi-valued).
pub const MEMBER_NAME: FieldId = FieldId::new(7);
/// `members.email` (multi-valued).
pub const MEMBER_EMAIL: FieldId = FieldId::new(8);

/// The conversation schema (built once). SQL mappings follow the bench's
/// SQLite layout (`conversations c`, `members m`, metadata as JSON text);
/// MongoDB paths follow the Symbl JSON shape.
///
/// ```
/// let s = store::schema();
/// assert_eq!(s.field_id("conversation.startTime"), Some(store::schema::START_TIME));
/// assert_eq!(s.resolve("metadata.agentId"), s.resolve("conversation.metadata.agentId"));
/// assert_eq!(s.field_id("conversation.members.email"), Some(store::schema::MEMBER_EMAIL));
/// ```
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(build_schema)
}

#[allow(
    clippy::expect_used,
    reason = "the declarations are constants: a failure is a programming error, not input"
)]
fn build_schema() -> Schema {
    let member = |name: &str, col: &str| {
        Field::new(format!("members.{name}"), FieldType::String)
            .multi_valued()
            .sql_exists("members m", "m.conversation_id = c.id", format!("m.{col}"))
            .mongo_elem("members", name)
    };
    Schema::builder()
        .field(
            Field::new("conversation.id", FieldType::String)
                .sortable()
                // Exact (`api.md`): a wildcard star is refused, `\*` is a star.
                .wildcards(false)
                .sql_column("c.id")
                .mongo_path("id"),
        )
        .field(
            Field::new("conversation.name", FieldType::String)
                .sortable()
                .sql_column("c.name")
                .mongo_path("name"),
        )
        .field(
            Field::new("conversation.type", FieldType::String)
                .sortable()
                .sql_column("c.type")
                .mongo_path("type"),
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
                // api.md §2.2: a running conversation matches no comparison
                // on its end time, negations included.
                .when_missing(Missing::MatchesNothing)
                .sql_column("c.end_ms")
                .mongo_path("endTime"),
        )
        .field(
            Field::dynamic("conversation.metadata", FieldType::String)
                .numeric_strings()
                .sql_json("c.metadata")
                .mongo_path("metadata"),
        )
        .field(member("id", "id"))
        .field(member("name", "name"))
        .field(member("email", "email"))
        .alias("metadata", "conversation.metadata")
        .alias("conversation.members", "members")
        .build()
        // `schema_builds_with_stable_ids` below builds it on every test run.
        .expect(
            "the conversation schema is built from constant, distinct, well-formed declarations",
        )
}

impl Record for Conversation {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        match field.id {
            ID => FieldValue::Str(&self.id),
            NAME => FieldValue::Str(&self.name),
            TYPE => FieldValue::Str(&self.kind),
            START_TIME => FieldValue::Time(self.start_time),
            END_TIME => self.end_time.map_or(FieldValue::Missing, FieldValue::Time),
            METADATA => field
                .key
                .and_then(|k| self.metadata.get(k))
                .map_or(FieldValue::Missing, FieldValue::Str),
            // Multi-valued fields are read through `each`.
            _ => FieldValue::Missing,
        }
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        match field.id {
            MEMBER_ID => self.members.iter().any(|m| f(FieldValue::Str(&m.id))),
            MEMBER_NAME => self.members.iter().any(|m| f(FieldValue::Str(&m.name))),
            MEMBER_EMAIL => self
                .members
                .iter()
                .filter_map(|m| m.email.as_deref())
                .any(|e| f(FieldValue::Str(e))),
            _ => f(self.get(field)),
        }
    }
}

/// A stored row seen as an [`rsql::Record`].
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub(crate) store: &'a Store,
    pub(crate) row: &'a Row,
}

impl Record for View<'_> {
    #[inline]
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        let strings = &self.store.strings;
        match field.id {
            ID => FieldValue::Str(&self.row.id),
            NAME => FieldValue::Str(strings.get(self.row.name)),
            TYPE => FieldValue::Str(strings.get(self.row.kind)),
            START_TIME => FieldValue::Time(self.row.start),
            END_TIME => self.row.end().map_or(FieldValue::Missing, FieldValue::Time),
            METADATA => field
                .key
                .and_then(|k| strings.lookup(k))
                .and_then(|k| self.row.meta(k))
                .map_or(FieldValue::Missing, |v| FieldValue::Str(strings.get(v))),
            // Multi-valued fields are read through `each`.
            _ => FieldValue::Missing,
        }
    }

    #[inline]
    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        let strings = &self.store.strings;
        let people = &self.store.people;
        match field.id {
            MEMBER_ID | MEMBER_NAME | MEMBER_EMAIL => self
                .row
                .members()
                .iter()
                .map(|&p| member_sym(&people[p as usize], field.id))
                .filter(|&s| s != NO_SYM)
                .any(|s| f(FieldValue::Str(strings.get(s)))),
            _ => f(self.get(field)),
        }
    }
}

/// The symbol `person` holds for member field `field` (`members.id`,
/// `members.name`, `members.email`); [`NO_SYM`] for none (no e-mail, or
/// another field).
pub(crate) fn member_sym(person: &Person, field: FieldId) -> crate::intern::Sym {
    match field {
        MEMBER_ID => person.id,
        MEMBER_NAME => person.name,
        MEMBER_EMAIL => person.email,
        _ => NO_SYM,
    }
}

/// A record with one field holding one value (or none): used to evaluate a
/// single-field conjunct once per distinct value of a dictionary index.
pub(crate) struct Probe<'v> {
    pub(crate) field: FieldId,
    pub(crate) value: Option<&'v str>,
}

impl Record for Probe<'_> {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        match self.value {
            Some(v) if field.id == self.field => FieldValue::Str(v),
            _ => FieldValue::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_builds_with_stable_ids() {
        let s = schema();
        for (name, id) in [
            ("conversation.id", ID),
            ("conversation.name", NAME),
            ("conversation.type", TYPE),
            ("conversation.startTime", START_TIME),
            ("conversation.endTime", END_TIME),
            ("members.id", MEMBER_ID),
            ("members.name", MEMBER_NAME),
            ("members.email", MEMBER_EMAIL),
        ] {
            assert_eq!(s.field_id(name), Some(id), "{name}");
        }
        assert_eq!(s.resolve("metadata.agentId").map(|r| r.id), Some(METADATA));
    }

    /// A filter compiled against the store's schema built apart (another
    /// `Schema` value, the same declarations) is the store's: same answers.
    /// One whose fields have the same names but another type is not.
    #[test]
    fn a_schema_built_apart_from_the_same_declarations_is_accepted() {
        let store = crate::generate::store(5, 300);
        let apart = build_schema();
        assert!(!Schema::ptr_eq(&apart, schema()));
        let text = "conversation.type==meeting,members.email==*@initech.net";
        let query = |s: &Schema| {
            let filter = s.compile(&rsql::parse(text).unwrap()).unwrap();
            let spec = crate::QuerySpec {
                filter: Some(filter.into()),
                limit: 1000,
                ..Default::default()
            };
            store.query(&spec).map(|page| {
                let ids: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
                (ids, page.total)
            })
        };
        let own = query(schema()).unwrap();
        assert!(own.1 > 0 && own.1 < 300, "{own:?}");
        assert_eq!(query(&apart).unwrap(), own);

        // The same names, every field a plain string (`startTime` too): foreign.
        let mut builder = Schema::builder();
        for (_, f) in schema().fields() {
            let mut g = Field::new(f.name(), FieldType::String);
            if f.is_multi_valued() {
                g = g.multi_valued();
            }
            builder = builder.field(g);
        }
        let renamed_types = builder.build().unwrap();
        let filter = renamed_types
            .compile(&rsql::parse("conversation.type==meeting").unwrap())
            .unwrap();
        let spec = crate::QuerySpec {
            filter: Some(filter.into()),
            ..Default::default()
        };
        assert!(matches!(
            store.query(&spec),
            Err(crate::StoreError::ForeignSchema)
        ));
    }

    #[test]
    fn owned_and_stored_records_agree() {
        let mut st = Store::new();
        let convs: Vec<Conversation> = (0..50)
            .map(|i| crate::generate::conversation(3, i))
            .collect();
        for c in &convs {
            st.insert(c.clone()).unwrap();
        }
        let parser = rsql::Parser::new();
        for f in [
            "conversation.type==meeting",
            "conversation.name==*Brainstorm*",
            "metadata.channel!=zoom",
            "members.email==*@initech.net",
            "members.name=out=(x,y)",
            "conversation.endTime=gt=2021-06-01",
            "metadata.nokey==1",
        ] {
            let filter = crate::filter::compile_with(&parser, f).unwrap();
            for c in &convs {
                let slot = st.slot(&c.id).unwrap();
                let view = View {
                    store: &st,
                    row: st.row(slot).unwrap(),
                };
                assert_eq!(filter.matches(c), filter.matches(&view), "{f} on {}", c.id);
            }
        }
    }
}
