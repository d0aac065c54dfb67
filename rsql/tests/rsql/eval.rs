//! Table tests for `Filter::matches`: every operator × field type, with
//! present, missing and multi-valued values, and Unicode text.

use rsql::{
    Field, FieldRef, FieldType, FieldValue, Filter, Operators, Parser, Policy, Record, Schema,
};

fn schema() -> Schema {
    Schema::builder()
        .field(Field::new("s", FieldType::String))
        .field(Field::dynamic("m", FieldType::String).numeric_strings())
        .field(Field::new("t", FieldType::Timestamp))
        .field(Field::new("i", FieldType::Integer))
        .field(Field::new("f", FieldType::Float))
        .field(Field::new("b", FieldType::Bool))
        .field(Field::new(
            "e",
            FieldType::enumeration(["meeting", "call", "chat"]),
        ))
        .field(Field::new("tags", FieldType::String).multi_valued())
        .field(Field::dynamic("plain", FieldType::String))
        .alias("meta", "m")
        .build()
        .unwrap()
}

/// A record as a list of `(selector, value)`; repeated selectors are the
/// values of a multi-valued field.
struct Row<'s> {
    schema: &'s Schema,
    values: Vec<(&'static str, FieldValue<'static>)>,
}

impl Row<'_> {
    fn selector(&self, field: FieldRef<'_>) -> String {
        let name = self.schema.field(field.id).unwrap().name();
        match field.key {
            Some(k) => format!("{name}.{k}"),
            None => name.to_owned(),
        }
    }
}

impl Record for Row<'_> {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        let sel = self.selector(field);
        self.values
            .iter()
            .find(|(s, _)| *s == sel)
            .map_or(FieldValue::Missing, |(_, v)| *v)
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        let sel = self.selector(field);
        self.values
            .iter()
            .filter(|(s, _)| *s == sel)
            .any(|(_, v)| f(*v))
    }
}

fn parser() -> Parser {
    Parser::new().with_policy(Policy::new().with_operators(Operators::extended()))
}

fn compile(schema: &Schema, filter: &str) -> Filter {
    match schema.compile_str(&parser(), filter) {
        Ok(f) => f,
        Err(e) => panic!("{filter}: {e:#}"),
    }
}

#[track_caller]
fn run(row: &Row<'_>, cases: &[(&str, bool)]) {
    let mut failures = Vec::new();
    for (filter, expected) in cases {
        let f = compile(row.schema, filter);
        if f.matches(row) != *expected {
            failures.push(format!("{filter} should be {expected}"));
        }
        let selected = !f.select(std::slice::from_ref(row)).is_empty();
        if selected != *expected {
            failures.push(format!("{filter} should be {expected} with select"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const T: i64 = 1_614_592_800_000; // 2021-03-01T10:00:00Z

fn full(schema: &Schema) -> Row<'_> {
    Row {
        schema,
        values: vec![
            ("s", FieldValue::Str("Sales Brainstorm")),
            ("m.score", FieldValue::Str("0.8")),
            ("m.code", FieldValue::Str("abc")),
            ("m.n", FieldValue::Str("10")),
            ("plain.n", FieldValue::Str("10")),
            ("t", FieldValue::Time(T)),
            ("i", FieldValue::Int(42)),
            ("f", FieldValue::Float(0.5)),
            ("b", FieldValue::Bool(true)),
            ("e", FieldValue::Str("call")),
            ("tags", FieldValue::Str("alpha")),
            ("tags", FieldValue::Str("Beta")),
            ("tags", FieldValue::Str("émile")),
        ],
    }
}

fn empty(schema: &Schema) -> Row<'_> {
    Row {
        schema,
        values: vec![],
    }
}

#[test]
fn string_operators() {
    let schema = schema();
    run(
        &full(&schema),
        &[
            ("s=='Sales Brainstorm'", true),
            ("s==sales", false),
            ("s!='Sales Brainstorm'", false),
            ("s!=x", true),
            ("s==Sales*", true),
            ("s==*storm", true),
            ("s==*Brain*", true),
            ("s==*brain*", false),
            ("s==S*s*m", true),
            ("s==S*x*m", false),
            ("s==*", true),
            ("s!=*Brain*", false),
            ("s!=*Zzz*", true),
            (r#"s=="Sales\*""#, false),
            ("s=lt=T", true),
            ("s=gt=T", false),
            ("s=le='Sales Brainstorm'", true),
            ("s=ge='Sales Brainstorm'", true),
            ("s=gt='Sales Brainstorm'", false),
            ("s=in=(a,'Sales Brainstorm')", true),
            ("s=in=(a,b)", false),
            ("s=out=(a,b)", true),
            ("s=out=(a,'Sales Brainstorm')", false),
            ("s=like=Brain", true),
            ("s=like=brain", false),
            ("s=like=B*n", true),
            ("s=notlike=Brain", false),
            ("s=notlike=xyz", true),
            ("s=ilike=BRAIN", true),
            ("s=ilike=brian", false),
            ("s=ic='sales brainstorm'", true),
            ("s=ic='sales'", false),
            ("s=ic=SALES*", true),
            ("s=bt=(S,T)", true),
            ("s=bt=(T,U)", false),
            ("s=nb=(S,T)", false),
            ("s=nb=(T,U)", true),
            ("s=isnull=false", true),
            ("s=isnull=true", false),
            ("s=notnull=true", true),
            ("s=notnull=false", false),
        ],
    );
}

#[test]
fn missing_values() {
    let schema = schema();
    let row = empty(&schema);
    run(
        &row,
        &[
            ("s==x", false),
            ("s==*", false),
            ("s!=x", true),
            ("s!=*", true),
            ("s=lt=x", false),
            ("s=ge=x", false),
            ("s=in=(x,y)", false),
            ("s=out=(x,y)", true),
            ("s=like=x", false),
            ("s=notlike=x", true),
            ("s=ilike=x", false),
            ("s=ic=x", false),
            ("s=bt=(a,z)", false),
            ("s=nb=(a,z)", true),
            ("s=isnull=true", true),
            ("s=isnull=false", false),
            ("s=notnull=true", false),
            ("s=notnull=false", true),
            ("m.x==1", false),
            ("m.x!=1", true),
            ("m.x=gt=1", false),
            ("t==2021-03-01", false),
            ("t!=2021-03-01", true),
            ("t=ge=2021-03-01", false),
            ("t=lt=2021-03-01", false),
            ("t=out=(2021-03-01)", true),
            ("t=nb=(2021-01-01,2021-12-31)", true),
            ("i==1", false),
            ("i!=1", true),
            ("i=gt=1", false),
            ("f=lt=1", false),
            ("f!=1", true),
            ("b==true", false),
            ("b!=true", true),
            ("b=in=(true,false)", false),
            ("b=out=(true,false)", true),
            ("e==call", false),
            ("e!=call", true),
            ("e=out=(call)", true),
            ("tags==alpha", false),
            ("tags!=alpha", true),
            ("tags=in=(alpha)", false),
            ("tags=out=(alpha)", true),
            ("tags=isnull=true", true),
            ("tags=notnull=true", false),
        ],
    );
}

#[test]
fn numeric_strings() {
    let schema = schema();
    run(
        &full(&schema),
        &[
            // m.score = "0.8", m.n = "10", m.code = "abc"
            ("m.score=gt=0.75", true),
            ("m.score=gt=0.8", false),
            ("m.score=ge=0.80", true),
            ("meta.score=lt=1", true),
            ("m.n=gt=9", true),      // numeric: 10 > 9 (as strings "10" < "9")
            ("plain.n=gt=9", false), // no numeric_strings: "10" < "9"
            ("m.n=lt=9", false),
            ("m.n=bt=(9,11)", true),
            ("m.n=bt=(-1,9.99)", false),
            ("m.n=nb=(9,11)", false),
            ("m.code=gt=9", true), // "abc" is not a number: string order
            ("m.code=gt=b", false),
            ("m.n=gt=1e1", false), // `1e1` is not a decimal: string order, "10" < "1e1"
            ("m.n==10.0", false),  // equality stays textual
            ("m.n==10", true),
        ],
    );
}

#[test]
fn timestamps() {
    let schema = schema();
    run(
        &full(&schema),
        &[
            ("t==2021-03-01T10:00:00Z", true),
            ("t==2021-03-01T10:00:00.000Z", true),
            ("t==2021-03-01T11:00:00+01:00", true),
            ("t==2021-03-01T10:00:00.0004Z", false), // compared exactly: no stored instant
            ("t==2021-03-01", false),
            ("t!=2021-03-01", true),
            ("t=gt=2021-03-01", true),
            ("t=ge=2021-03-01T10:00:00Z", true),
            ("t=gt=2021-03-01T10:00:00Z", false),
            ("t=lt=2021-03-02", true),
            ("t=le=2021-03-01T09:59:59.999Z", false),
            ("t=ge=2021-03-01;t=lt=2021-03-08", true),
            ("t=ge=2021-03-02;t=lt=2021-03-08", false),
            ("t=in=(2021-03-01T10:00:00Z,2021-01-01)", true),
            ("t=out=(2021-03-01T10:00:00Z,2021-01-01)", false),
            ("t=bt=(2021-03-01,2021-03-02)", true),
            ("t=nb=(2021-03-01,2021-03-02)", false),
            ("t=isnull=false", true),
        ],
    );
}

#[test]
fn integers_floats_bools_enums() {
    let schema = schema();
    run(
        &full(&schema),
        &[
            ("i==42", true),
            ("i==+42", true),
            ("i!=42", false),
            ("i=gt=41", true),
            ("i=gt=42", false),
            ("i=ge=42", true),
            ("i=lt=43;i=gt=41", true),
            ("i=lt=42;i=gt=41", false),
            ("i=in=(1,42)", true),
            ("i=out=(1,42)", false),
            ("i=bt=(40,50)", true),
            ("i=nb=(40,50)", false),
            ("i=gt=9223372036854775807", false),
            ("i=lt=-9223372036854775808", false),
            ("f==0.5", true),
            ("f==5e-1", true),
            ("f=gt=0.5", false),
            ("f=ge=0.5", true),
            ("f=lt=1", true),
            ("f=in=(0.25,0.5)", true),
            ("f=out=(0.25,0.5)", false),
            ("f=bt=(0,1)", true),
            ("f=nb=(0,1)", false),
            ("b==true", true),
            ("b==false", false),
            ("b!=false", true),
            ("b=in=(false)", false),
            ("b=in=(true,false)", true),
            ("b=out=(false)", true),
            ("e==call", true),
            ("e!=call", false),
            ("e=in=(meeting,call)", true),
            ("e=out=(meeting,chat)", true),
            ("e=isnull=false", true),
        ],
    );
}

#[test]
fn multi_valued_any_and_no_member() {
    let schema = schema();
    run(
        &full(&schema),
        &[
            // tags = alpha, Beta, émile
            ("tags==alpha", true),
            ("tags==Beta", true),
            ("tags==gamma", false),
            ("tags!=alpha", false), // some member is alpha
            ("tags!=gamma", true),  // no member is gamma
            ("tags==*ta", true),
            ("tags!=*ta", false),
            ("tags=in=(gamma,Beta)", true),
            ("tags=out=(gamma,Beta)", false),
            ("tags=out=(gamma,delta)", true),
            ("tags=gt=b", true), // émile > b
            ("tags=lt=A", false),
            ("tags=like=lph", true),
            ("tags=notlike=lph", false),
            ("tags=ilike=BETA", true),
            ("tags=ic=ALPHA", true),
            ("tags=bt=(a,b)", true),  // alpha
            ("tags=bt=(c,d)", false), // one member must satisfy both bounds
            ("tags=nb=(a,b)", false),
            ("tags=isnull=false", true),
            ("tags=isnull=true", false),
            ("tags==alpha;tags==Beta", true), // different members may satisfy each comparison
        ],
    );
}

#[test]
fn unicode_and_ascii_only_folding() {
    let schema = schema();
    let row = Row {
        schema: &schema,
        values: vec![
            ("s", FieldValue::Str("会议 - 东京 ÉMILE")),
            ("tags", FieldValue::Str("ÉMILE")),
        ],
    };
    run(
        &row,
        &[
            ("s=='会议 - 东京 ÉMILE'", true),
            ("s==会议*", true),
            ("s==*东京*", true),
            ("s==*京", false),
            ("s=like=东", true),
            ("s=ilike=émile", false), // É and é differ: ASCII-only folding
            ("s=ilike=Émile", true),  // M, I, L, E fold
            ("s=ic='会议 - 东京 Émile'", true),
            ("s=gt=z", true), // code point order: 会 > z
            ("tags=ic=Émile", true),
            ("tags=ic=émile", false),
            ("s==*?*", false),
            ("s==*%*", false),
        ],
    );
}

#[test]
fn wildcard_patterns_treat_sql_metacharacters_as_text() {
    let schema = schema();
    let row = Row {
        schema: &schema,
        values: vec![("s", FieldValue::Str(r"50%_off [x]? a\b *star*"))],
    };
    run(
        &row,
        &[
            ("s==50%*", true),
            ("s==5_%*", false),
            ("s==*_off*", true),
            ("s==*[x]?*", true),
            (r#"s=="*a\\b*""#, true),
            (r#"s=="*\*star\**""#, true),
            (r#"s=="*\*sta\*""#, false),
            ("s=like=%_o", true),
            ("s=like='[x'", true),
        ],
    );
}

#[test]
fn logic_and_or() {
    let schema = schema();
    run(
        &full(&schema),
        &[
            ("i==42;b==true", true),
            ("i==42;b==false", false),
            ("i==1,b==true", true),
            ("i==1,b==false", false),
            ("(i==1,i==42);(e==chat,e==call)", true),
            ("i==1;b==true,e==call", true),
            ("i==1;(b==true,e==call)", false),
        ],
    );
}

#[test]
fn values_of_the_wrong_type_never_satisfy_a_positive_test() {
    let schema = schema();
    let row = Row {
        schema: &schema,
        values: vec![
            ("i", FieldValue::Str("42")),
            ("s", FieldValue::Int(1)),
            ("f", FieldValue::Int(2)),
        ],
    };
    run(
        &row,
        &[
            ("i==42", false),
            ("i!=42", true),
            ("s==1", false),
            ("s!=1", true),
            ("s=isnull=false", true),
            ("f==2", true), // an integer is a fine float
            ("f=gt=1.5", true),
        ],
    );
}

#[test]
fn trait_objects_are_records_too() {
    let schema = schema();
    let row = full(&schema);
    let as_dyn: &dyn Record = &row;
    for (filter, expected) in [("tags==Beta", true), ("tags!=Beta", false), ("i==42", true)] {
        let f = compile(&schema, filter);
        assert_eq!(f.matches(&as_dyn), expected, "{filter}");
        assert_eq!(f.select(&[as_dyn]).len(), usize::from(expected), "{filter}");
    }
}

/// `matches` tests the cheapest positive conjunct first (a range before
/// string tests, plain fields before keys and lists) and walks the rest only
/// when it holds; the answers must not depend on which conjunct that is.
#[test]
fn conjunctions_whatever_conjunct_is_tested_first() {
    let schema = schema();
    let row = full(&schema);
    run(
        &row,
        &[
            // The range is last but is tested first.
            ("s==*Brain*;m.code==abc;i=ge=40", true),
            ("s==*Brain*;m.code==abc;i=ge=43", false),
            ("s==*Storm*;m.code==abc;i=ge=40", false),
            // No range: the plain string equality goes first.
            ("tags==Beta;m.code==abc;e==call", true),
            ("tags==Beta;m.code==abc;e==chat", false),
            ("tags==Gamma;m.code==abc;e==call", false),
            // Only a keyed `=in=` and a list equality.
            ("tags==alpha;m.code=in=(abc,abd)", true),
            ("tags==alpha;m.code=in=(abd,abe)", false),
            ("tags==omega;m.code=in=(abc,abd)", false),
            // Negated conjuncts are never the head.
            ("s!=x;i!=41", true),
            ("s!=x;i!=42", false),
            // `=in=` lists of one length (4 to 16 bytes), of mixed lengths,
            // long enough to be hashed, and with a value longer than 16 bytes.
            ("s=in=('Sales Brainstorx','Sales Brainstorm')", true),
            ("s=in=('Sales Brainstorx','Sales Brainstorn')", false),
            ("e=in=(chat,call)", true),
            ("e=in=(chat,meeting)", false),
            ("m.code=in=(x,abc,meeting)", true),
            ("m.code=in=(ab,abcd,abc)", true),
            ("m.code=in=(ab,abcd,abcde)", false),
            ("s=in=(a,b,c,d,e,f,g,h,i,j,k,l,m,'Sales Brainstorm')", true),
            ("s=in=(a,b,c,d,e,f,g,h,i,j,k,l,m,'Sales Brainstor')", false),
            ("s=in=('Sales Brainstorm!','Sales Brainstorm')", true),
            ("s=in=('Sales Brainstorm!','Sales  Brainstorm')", false),
            // A one-conjunct filter is decided by its head alone.
            ("t=ge=2021-03-01", true),
            ("t=lt=2021-03-01", false),
        ],
    );
    let none = empty(&schema);
    run(
        &none,
        &[
            ("s==*Brain*;i=ge=40", false),
            ("s!=x;i=out=(1)", true),
            ("m.code=in=(abc,abd)", false),
            ("tags==alpha", false),
        ],
    );
}

/// A record that writes only `get`, evaluated directly and through a
/// reference (`impl Record for &R`): the same answers, matches and misses
/// alike, on a single-valued field (read with `get`) and on a multi-valued
/// one (read with `each`, whose default asks `get` for the one value).
#[test]
fn a_get_only_record_and_a_reference_to_it_evaluate_alike() {
    struct Kind<'a>(&'a str);
    impl Record for Kind<'_> {
        fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> {
            FieldValue::Str(self.0)
        }
    }
    let multi = Schema::builder()
        .field(Field::new("type", FieldType::String).multi_valued())
        .build()
        .unwrap();
    let schema = Schema::builder()
        .field(Field::new("type", FieldType::String))
        .build()
        .unwrap();
    for (filter, row, expected) in [
        ("type==call", "call", true),
        ("type==call", "chat", false),
        ("type!=call", "chat", true),
    ] {
        let f = multi.compile(&rsql::parse(filter).unwrap()).unwrap();
        let row = Kind(row);
        assert_eq!(
            f.matches(&row),
            expected,
            "multi-valued {filter} on {}",
            row.0
        );
        assert_eq!(
            f.matches(&&row),
            expected,
            "multi-valued {filter} on &{}",
            row.0
        );
    }
    let compile = |text: &str| schema.compile(&rsql::parse(text).unwrap()).unwrap();
    for (filter, row, expected) in [
        ("type==call", "call", true),
        ("type==call", "chat", false),
        ("type=in=(meeting,call)", "meeting", true),
        ("type!=call", "call", false),
        ("type!=call", "chat", true),
    ] {
        let f = compile(filter);
        let row = Kind(row);
        assert_eq!(f.matches(&row), expected, "{filter} on {}", row.0);
        assert_eq!(f.matches(&&row), expected, "{filter} on &{}", row.0);
    }
}

/// Each conjunct of a filter (`Filter::conjunct_refs`, what a store's
/// planner hands its residual tests) matches a record exactly when the
/// filter of that conjunct alone does; `FieldValue::is_missing` tells a
/// missing value from every present one.
#[test]
fn conjuncts_match_as_their_own_filters_do() {
    struct Kind<'a>(Option<&'a str>);
    impl Record for Kind<'_> {
        fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> {
            self.0.map_or(FieldValue::Missing, FieldValue::Str)
        }
    }
    let schema = Schema::builder()
        .field(Field::new("type", FieldType::String))
        .build()
        .unwrap();
    let compile = |text: &str| schema.compile(&rsql::parse(text).unwrap()).unwrap();
    let whole = compile("(type==call,type==chat);type!=meeting;type=out=(x,y)");
    let parts = ["type==call,type==chat", "type!=meeting", "type=out=(x,y)"];
    assert_eq!(whole.conjunct_refs().len(), parts.len());
    for row in [
        Some("call"),
        Some("chat"),
        Some("meeting"),
        Some("note"),
        None,
    ] {
        let record = Kind(row);
        assert_eq!(
            record
                .get(FieldRef::new(rsql::FieldId::new(0)))
                .is_missing(),
            row.is_none()
        );
        for (conjunct, text) in whole.conjunct_refs().iter().zip(parts) {
            assert_eq!(
                conjunct.matches(&record),
                compile(text).matches(&record),
                "{text} on {row:?}"
            );
        }
    }
    // Both answers occur, so a conjunct that always or never matches fails.
    let first = &whole.conjunct_refs()[0];
    assert!(first.matches(&Kind(Some("call"))) && !first.matches(&Kind(Some("note"))));
}

/// A float field whose record gives whole numbers as `FieldValue::Int` (a
/// JSON `3` for a float column): ranges and `=in=` lists compare them as
/// floats.
#[test]
fn whole_numbers_in_a_float_field_compare_as_floats() {
    struct Num(i64);
    impl Record for Num {
        fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> {
            FieldValue::Int(self.0)
        }
    }
    let schema = Schema::builder()
        .field(Field::new("x", FieldType::Float))
        .build()
        .unwrap();
    let compile = |text: &str| schema.compile(&rsql::parse(text).unwrap()).unwrap();
    for (filter, value, expected) in [
        ("x=in=(2.5,3)", 3, true),
        ("x=in=(2.5,3)", 2, false),
        ("x=out=(2.5,3)", 3, false),
        ("x=gt=2.5", 3, true),
        ("x=gt=2.5", 2, false),
        ("x=ge=3.0;x=le=3.0", 3, true),
        ("x=gt=3;x=lt=3", 3, false),
    ] {
        assert_eq!(
            compile(filter).matches(&Num(value)),
            expected,
            "{filter} on {value}"
        );
    }
}
