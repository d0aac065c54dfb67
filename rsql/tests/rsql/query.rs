//! Whole queries (`rsql::Query`): the in-memory order of `Query::apply` is
//! the order SQLite and PostgreSQL return for `Query::to_sql`, for random
//! rows (missing values, ties, Unicode), random sorts over every sortable
//! type, random filters, limits and offsets; and a walk over keyset pages
//! (`Query::after`) returns exactly the offset pages, in memory and in SQL.
//!
//! The PostgreSQL test needs PostgreSQL (`DATABASE_URL`, else the machine's
//! on 127.0.0.1:5432); it creates its own database with
//! [`test_pg::TempDb`] and drops it at the end, also on failure.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rsql::{
    Cursor, CursorError, CursorValue, Direction, Field, FieldId, FieldRef, FieldType, FieldValue,
    Query, Record, Schema, SortErrorKind, SortKey, SortRules, SortRulesError, SqlOptions, SqlParam,
};
use rusqlite::Connection;

use test_pg::TempDb;

const ID: FieldId = FieldId::new(0);
const NAME: FieldId = FieldId::new(1);
const KIND: FieldId = FieldId::new(2);
const START: FieldId = FieldId::new(3);
const END: FieldId = FieldId::new(4);
const SCORE: FieldId = FieldId::new(5);
const CNT: FieldId = FieldId::new(6);
const ACTIVE: FieldId = FieldId::new(7);

/// Every sortable field (one per type), plus fields that are not.
fn schema() -> Schema {
    Schema::builder()
        .field(
            Field::new("id", FieldType::String)
                .sortable()
                .sql_column("c.id"),
        )
        .field(
            Field::new("name", FieldType::String)
                .sortable()
                .sql_column("c.name"),
        )
        .field(
            Field::new("kind", FieldType::enumeration(["meeting", "call", "chat"]))
                .sortable()
                .sql_column("c.kind"),
        )
        .field(
            Field::new("start", FieldType::Timestamp)
                .sortable()
                .sql_column("c.start_ms"),
        )
        .field(
            Field::new("end", FieldType::Timestamp)
                .sortable()
                .sql_column("c.end_ms"),
        )
        .field(
            Field::new("score", FieldType::Float)
                .sortable()
                .sql_column("c.score"),
        )
        .field(
            Field::new("cnt", FieldType::Integer)
                .sortable()
                .sql_column("c.cnt"),
        )
        .field(
            Field::new("active", FieldType::Bool)
                .sortable()
                .sql_column("c.active"),
        )
        .field(
            Field::new("members.email", FieldType::String)
                .multi_valued()
                .sql_exists("members m", "m.conversation_id = c.id", "m.email"),
        )
        .field(Field::dynamic("meta", FieldType::String).sql_json("c.metadata"))
        .alias("ident", "id")
        .build()
        .unwrap()
}

fn rules() -> SortRules {
    SortRules::new(&schema(), "id").unwrap()
}

const SORTABLE: [FieldId; 8] = [ID, NAME, KIND, START, END, SCORE, CNT, ACTIVE];

#[derive(Clone, Debug)]
struct Row {
    id: String,
    name: Option<String>,
    kind: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    score: Option<f64>,
    cnt: Option<i64>,
    active: Option<bool>,
}

fn text(s: &Option<String>) -> FieldValue<'_> {
    s.as_deref().map_or(FieldValue::Missing, FieldValue::Str)
}

impl Record for Row {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        match field.id {
            ID => FieldValue::Str(&self.id),
            NAME => text(&self.name),
            KIND => text(&self.kind),
            START => self.start.map_or(FieldValue::Missing, FieldValue::Time),
            END => self.end.map_or(FieldValue::Missing, FieldValue::Time),
            SCORE => self.score.map_or(FieldValue::Missing, FieldValue::Float),
            CNT => self.cnt.map_or(FieldValue::Missing, FieldValue::Int),
            ACTIVE => self.active.map_or(FieldValue::Missing, FieldValue::Bool),
            _ => FieldValue::Missing,
        }
    }
}

/// Few values each, so that ties are common; byte order differs from
/// case-insensitive and from UTF-16 order (`Z` < `a` < `é` < `会` < `😀`).
const STRINGS: &[&str] = &[
    "", " ", "a", "A", "ab", "aB", "b", "Z", "é", "É", "éa", "z", "ß", "会议", "😀", "a b", "%",
    "_", "10", "9",
];
const ID_HEADS: &[&str] = &["a", "B", "é", "Z", "会", "😀", ""];
const KINDS: &[&str] = &["meeting", "call", "chat"];
const INSTANTS: &[i64] = &[-1, 0, 999, 1_614_556_800_000, 1_614_556_800_001];
const FLOATS: &[f64] = &[-1.5, -0.0, 0.0, 0.5, 2.0, 1e300];
const INTS: &[i64] = &[i64::MIN, -5, 0, 1, 42, i64::MAX];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> prop::sample::Select<T> {
    prop::sample::select(items)
}

fn row() -> impl Strategy<Value = Row> {
    (
        pick(ID_HEADS),
        prop::option::of(pick(STRINGS).prop_map(str::to_owned)),
        prop::option::of(pick(KINDS).prop_map(str::to_owned)),
        prop::option::of(pick(INSTANTS)),
        prop::option::of(pick(INSTANTS)),
        prop::option::of(pick(FLOATS)),
        prop::option::of(pick(INTS)),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(head, name, kind, start, end, score, cnt, active)| Row {
            id: head.to_owned(),
            name,
            kind,
            start,
            end,
            score,
            cnt,
            active,
        })
}

/// Rows with unique ids (the tie-break): the head, then the position.
fn rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(row(), 0..30).prop_map(|mut rows| {
        for (i, r) in rows.iter_mut().enumerate() {
            r.id = format!("{}{i:02}", r.id);
        }
        rows
    })
}

const FILTERS: &[&str] = &[
    "name!=a",
    "cnt=gt=0",
    "start=ge=1970-01-01T00:00:00.000Z",
    "kind=in=(call,chat)",
    "end=ge=1970-01-01",
];

#[derive(Clone, Debug)]
struct Case {
    keys: Vec<SortKey>,
    filter: Option<&'static str>,
    limit: Option<usize>,
    offset: usize,
    page: usize,
}

fn case() -> impl Strategy<Value = Case> {
    let key = (
        pick(&SORTABLE),
        prop_oneof![Just(Direction::Asc), Just(Direction::Desc)],
    )
        .prop_map(|(f, d)| SortKey::new(f, d));
    (
        prop::collection::vec(key, 1..5),
        prop::option::of(pick(FILTERS)),
        prop::option::of(0usize..12),
        prop_oneof![3 => Just(0usize), 2 => 0usize..12],
        1usize..6,
    )
        .prop_map(|(keys, filter, limit, offset, page)| Case {
            keys,
            filter,
            limit,
            offset,
            page,
        })
}

impl Case {
    fn query(&self, schema: &Schema, rules: &SortRules) -> Query {
        let sort = rules.sort(self.keys.iter().copied()).unwrap();
        let mut q = Query::new(sort).with_offset(self.offset);
        if let Some(f) = self.filter {
            q = q.with_filter(schema.compile(&rsql::parse(f).unwrap()).unwrap());
        }
        if let Some(l) = self.limit {
            q = q.with_limit(l);
        }
        q
    }
}

fn ids(rows: &[&Row]) -> Vec<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

/// A database that answers a query tail with ids.
trait Db {
    fn load(&mut self, rows: &[Row]);
    fn ids(&mut self, q: &Query) -> Vec<String>;
}

/// The offset pages and the keyset pages of `q` (without its limit and
/// offset) of `page` rows each, in memory and from `db`: all four equal.
fn check_case(db: &mut dyn Db, rows: &[Row], case: &Case) {
    let schema = schema();
    let rules = rules();
    let q = case.query(&schema, &rules);
    let memory = ids(&q.apply(rows));
    assert_eq!(db.ids(&q), memory, "query {case:?}");
    // A plain in-memory model: filter, stable sort by `compare`, skip, take.
    let mut model: Vec<&Row> = rows
        .iter()
        .filter(|r| q.filter().is_none_or(|f| f.matches(*r)))
        .collect();
    model.sort_by(|a, b| q.sort().compare(*a, *b));
    let model: Vec<String> = model
        .iter()
        .skip(case.offset)
        .take(case.limit.unwrap_or(usize::MAX))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(memory, model, "apply vs model {case:?}");

    let all = Query::new(q.sort().clone());
    let all = match q.filter() {
        Some(f) => all.with_filter(f.clone()),
        None => all,
    };
    let mut cursor: Option<Cursor> = None;
    let mut offset = 0;
    loop {
        let by_offset = all.clone().with_offset(offset).with_limit(case.page);
        let by_key = match &cursor {
            Some(c) => all.clone().after(c.clone()).unwrap(),
            None => all.clone(),
        }
        .with_limit(case.page);
        let want = by_offset.apply(rows);
        let got = by_key.apply(rows);
        assert_eq!(
            ids(&got),
            ids(&want),
            "keyset page at {offset} in memory, {case:?}"
        );
        assert_eq!(
            db.ids(&by_key),
            ids(&want),
            "keyset page at {offset} in SQL, {case:?}"
        );
        let Some(last) = got.last() else { break };
        cursor = Some(Cursor::of(all.sort(), *last));
        offset += case.page;
    }
}

fn bind_sqlite(p: &SqlParam) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match p {
        SqlParam::Text(s) => V::Text(s.clone()),
        SqlParam::Int(i) | SqlParam::Time(i) => V::Integer(*i),
        SqlParam::Float(x) => V::Real(*x),
        SqlParam::Bool(b) => V::Integer(i64::from(*b)),
        other => panic!("no SQLite binding in this test for {other:?}"),
    }
}

struct Sqlite(Connection);

impl Sqlite {
    fn new() -> Sqlite {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE rows (id TEXT PRIMARY KEY, name TEXT, kind TEXT, start_ms INTEGER, \
             end_ms INTEGER, score REAL, cnt INTEGER, active INTEGER, metadata TEXT);",
        )
        .unwrap();
        Sqlite(conn)
    }
}

impl Db for Sqlite {
    fn load(&mut self, rows: &[Row]) {
        self.0.execute("DELETE FROM rows", []).unwrap();
        let mut ins = self
            .0
            .prepare("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)")
            .unwrap();
        for r in rows {
            ins.execute(rusqlite::params![
                r.id, r.name, r.kind, r.start, r.end, r.score, r.cnt, r.active
            ])
            .unwrap();
        }
    }

    fn ids(&mut self, q: &Query) -> Vec<String> {
        let tail = q.to_sql(&SqlOptions::sqlite()).unwrap();
        let sql = format!("SELECT c.id FROM rows c {}", tail.sql);
        let params: Vec<rusqlite::types::Value> = tail.params.iter().map(bind_sqlite).collect();
        let mut stmt = self.0.prepare(&sql).unwrap();
        stmt.query_map(rusqlite::params_from_iter(params), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

#[test]
fn sqlite_order_and_keyset_pages_equal_memory() {
    let db = std::cell::RefCell::new(Sqlite::new());
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(rows(), case()), |(rows, case)| {
            let mut db = db.borrow_mut();
            db.load(&rows);
            check_case(&mut *db, &rows, &case);
            Ok(())
        })
        .unwrap();
}

/// A database of its own on the machine's PostgreSQL, dropped on drop.
struct PgDatabase {
    // Declared first so it closes before the database is dropped.
    client: postgres::Client,
    _db: TempDb,
}

impl PgDatabase {
    /// `None` (after a SKIP notice) without a PostgreSQL outside CI.
    fn create() -> Option<PgDatabase> {
        let db = TempDb::try_create(
            "query::postgres_order_and_keyset_pages_equal_memory",
            "query",
        )?;
        Some(PgDatabase {
            client: db.client(),
            _db: db,
        })
    }

    fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

type PgParam = Box<dyn postgres::types::ToSql + Sync>;

fn bind_pg(p: &SqlParam) -> PgParam {
    match p {
        SqlParam::Text(s) => Box::new(s.clone()),
        SqlParam::Int(i) | SqlParam::Time(i) => Box::new(*i),
        SqlParam::Float(x) => Box::new(*x),
        SqlParam::Bool(b) => Box::new(*b),
        other => panic!("no PostgreSQL binding in this test for {other:?}"),
    }
}

impl Db for PgDatabase {
    fn load(&mut self, rows: &[Row]) {
        let c = self.client();
        c.batch_execute("TRUNCATE rows").unwrap();
        let ins = c
            .prepare("INSERT INTO rows VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)")
            .unwrap();
        for r in rows {
            c.execute(
                &ins,
                &[
                    &r.id, &r.name, &r.kind, &r.start, &r.end, &r.score, &r.cnt, &r.active,
                ],
            )
            .unwrap();
        }
    }

    fn ids(&mut self, q: &Query) -> Vec<String> {
        let tail = q.to_sql(&SqlOptions::postgres()).unwrap();
        let sql = format!("SELECT c.id FROM rows c {}", tail.sql);
        let params: Vec<PgParam> = tail.params.iter().map(bind_pg).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.as_ref()).collect();
        self.client()
            .query(&sql, &refs)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

#[test]
fn postgres_order_and_keyset_pages_equal_memory() {
    let Some(mut pg) = PgDatabase::create() else {
        return;
    };
    pg.client()
        .batch_execute(
            "CREATE TABLE rows (id text PRIMARY KEY, name text, kind text, start_ms bigint, \
             end_ms bigint, score double precision, cnt bigint, active boolean, metadata jsonb)",
        )
        .unwrap();
    let db = std::cell::RefCell::new(pg);
    let mut runner = TestRunner::new(Config {
        cases: 150,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(rows(), case()), |(rows, case)| {
            let mut db = db.borrow_mut();
            db.load(&rows);
            check_case(&mut *db, &rows, &case);
            Ok(())
        })
        .unwrap();
}

fn row_of(id: &str, name: Option<&str>, end: Option<i64>) -> Row {
    Row {
        id: id.to_owned(),
        name: name.map(str::to_owned),
        kind: None,
        start: None,
        end,
        score: None,
        cnt: None,
        active: None,
    }
}

#[test]
fn missing_values_last_ascending_first_descending_on_sqlite_too() {
    let rows = [
        row_of("a", Some("b"), Some(2)),
        row_of("b", None, None),
        row_of("c", Some("a"), Some(1)),
        row_of("d", Some("B"), None),
    ];
    let mut db = Sqlite::new();
    db.load(&rows);
    let rules = rules();
    for (text, want) in [
        ("end", ["c", "a", "b", "d"]),
        ("-end", ["b", "d", "a", "c"]),
        ("name", ["d", "c", "a", "b"]),
        ("-name", ["b", "a", "c", "d"]),
    ] {
        let q = Query::new(rules.parse(text, Direction::Asc).unwrap());
        assert_eq!(ids(&q.apply(&rows)), want, "{text}");
        assert_eq!(db.ids(&q), want, "{text} on SQLite");
    }
}

#[test]
fn sql_text() {
    let rules = rules();
    let sort = rules.parse("-name,ident", Direction::Asc).unwrap();
    assert_eq!(sort.to_string(), "-name,+id");
    assert_eq!(
        sort.to_sql(&SqlOptions::postgres()).unwrap(),
        r#"c.name COLLATE "C" DESC NULLS FIRST, c.id COLLATE "C" ASC NULLS LAST"#
    );
    // no limit, an offset: SQLite needs a LIMIT
    let q = Query::new(sort.clone()).with_offset(3);
    assert_eq!(
        q.to_sql(&SqlOptions::sqlite()).unwrap().sql,
        "ORDER BY c.name DESC NULLS FIRST, c.id ASC NULLS LAST LIMIT -1 OFFSET 3"
    );
    assert_eq!(
        q.to_sql(&SqlOptions::postgres().with_first_placeholder(4))
            .unwrap()
            .sql,
        r#"ORDER BY c.name COLLATE "C" DESC NULLS FIRST, c.id COLLATE "C" ASC NULLS LAST OFFSET 3"#
    );
    // a missing cursor value: descending, every present value comes after it
    let q = Query::new(sort.clone())
        .after(Cursor::new(vec![
            CursorValue::Missing,
            CursorValue::Str("k".into()),
        ]))
        .unwrap();
    let tail = q.to_sql(&SqlOptions::sqlite()).unwrap();
    assert_eq!(
        tail.sql,
        "WHERE c.name IS NOT NULL OR (c.name IS NULL AND (c.id > ? OR c.id IS NULL)) \
         ORDER BY c.name DESC NULLS FIRST, c.id ASC NULLS LAST"
    );
    assert_eq!(tail.params, [SqlParam::Text("k".into())]);
    // ascending after a missing value: only ties on it can follow
    let sort = rules.parse("end", Direction::Asc).unwrap();
    let q = Query::new(sort.clone())
        .after(Cursor::new(vec![
            CursorValue::Missing,
            CursorValue::Str("k".into()),
        ]))
        .unwrap();
    assert_eq!(
        q.to_sql(&SqlOptions::sqlite()).unwrap().sql,
        "WHERE c.end_ms IS NULL AND (c.id > ? OR c.id IS NULL) ORDER BY c.end_ms ASC NULLS LAST, c.id ASC NULLS LAST"
    );
    // the cursor is the tie-break's last value: nothing after it
    let q = Query::new(rules.parse("id", Direction::Asc).unwrap())
        .after(Cursor::new(vec![CursorValue::Missing]))
        .unwrap();
    assert_eq!(
        q.to_sql(&SqlOptions::sqlite()).unwrap().sql,
        "WHERE 1 = 0 ORDER BY c.id ASC NULLS LAST"
    );
}

#[test]
fn sort_errors_name_the_item_and_the_sortable_fields() {
    let rules = rules().with_max_keys(3);
    let list = "expected one of `id`, `name`, `kind`, `start`, `end`, `score`, `cnt`, `active`";
    let err = |s: &str| rules.parse(s, Direction::Asc).unwrap_err();
    assert_eq!(
        err("name,,id").to_string(),
        format!("sort: item 2 is empty; {list}")
    );
    assert_eq!(err("-").kind(), &SortErrorKind::Empty);
    let e = err("name,strat");
    assert_eq!(
        (e.item(), e.to_string()),
        (1, format!("sort: unknown field `strat`; {list}"))
    );
    assert_eq!(
        err("meta.region").kind(),
        &SortErrorKind::NotSortable {
            name: "meta.region".into()
        }
    );
    assert_eq!(
        err("meta").kind(),
        &SortErrorKind::NotSortable {
            name: "meta".into()
        }
    );
    assert_eq!(
        err("members").kind(),
        &SortErrorKind::NotSortable {
            name: "members".into()
        }
    );
    assert_eq!(
        err("members.email").kind(),
        &SortErrorKind::NotSortable {
            name: "members.email".into()
        }
    );
    assert_eq!(
        err("id.x").kind(),
        &SortErrorKind::UnknownField {
            name: "id.x".into()
        }
    );
    let e = err("a,b,c,d");
    assert_eq!(e.kind(), &SortErrorKind::TooMany { count: 4, limit: 3 });
    assert_eq!(e.to_string(), "sort: at most 3 fields are allowed, found 4");
    assert_eq!(e.sortable().len(), 8);
    // a key on the tie-break ends the sort
    assert_eq!(
        rules
            .parse("+id,name", Direction::Desc)
            .unwrap()
            .to_string(),
        "+id"
    );
    assert_eq!(
        rules.parse("name", Direction::Desc).unwrap().to_string(),
        "-name,+id"
    );
    // developer errors
    let schema = schema();
    assert_eq!(
        SortRules::new(&schema, "meta").unwrap_err(),
        SortRulesError::UnknownField("meta".into())
    );
    assert_eq!(
        SortRules::new(&schema, "members.email").unwrap_err(),
        SortRulesError::NotSortable("members.email".into())
    );
    assert!(
        rules
            .sort([SortKey::new(FieldId::new(8), Direction::Asc)])
            .is_err()
    );
}

#[test]
fn cursor_errors() {
    let sort = rules().parse("start", Direction::Asc).unwrap();
    let q = Query::new(sort);
    assert_eq!(
        q.clone()
            .after(Cursor::new(vec![CursorValue::Time(1)]))
            .unwrap_err(),
        CursorError::Length {
            expected: 2,
            found: 1
        }
    );
    let e = q
        .clone()
        .after(Cursor::new(vec![
            CursorValue::Int(1),
            CursorValue::Str("a".into()),
        ]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cursor: value 1 (`start`) must be timestamp, found an integer"
    );
    assert!(
        q.after(Cursor::new(vec![
            CursorValue::Missing,
            CursorValue::Str("a".into())
        ]))
        .is_ok()
    );
}

#[test]
fn emit_error_for_a_key_without_a_column() {
    let schema = Schema::builder()
        .field(Field::new("id", FieldType::String).sortable())
        .build()
        .unwrap();
    let sort = SortRules::new(&schema, "id")
        .unwrap()
        .parse("id", Direction::Asc)
        .unwrap();
    assert_eq!(
        Query::new(sort)
            .to_sql(&SqlOptions::sqlite())
            .unwrap_err()
            .to_string(),
        "field `id` has no SQL mapping"
    );
}
