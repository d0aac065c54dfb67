//! The filters of the live tests: [`fixed`] cases and the [`random`]
//! strategy, both as RSQL text (parsed with [`super::parser`], so a
//! disagreement prints a filter one can paste into `rsql sql`).

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset, Utc};
use proptest::prelude::*;
use store::Conversation;

use super::data::{self, T_END, T_LAST_MS};

/// What a fixed case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The filter compiles, and every backend selects what `matches` selects.
    Rows,
    /// Parsing or compiling fails with a typed error.
    Rejected,
}

/// One fixed case.
pub(crate) struct Case {
    /// The filter.
    pub(crate) text: String,
    /// What should happen.
    pub(crate) expect: Expect,
    /// Why it is rejected (for [`Expect::Rejected`]).
    pub(crate) why: &'static str,
}

/// `s` as a quoted RSQL value in which every character is literal (`*` too).
pub(crate) fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `s` as a quoted RSQL value whose `*` are wildcards.
pub(crate) fn pat(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `ms` as RFC 3339 with milliseconds and `Z`.
pub(crate) fn iso(ms: i64) -> String {
    let t: DateTime<Utc> =
        DateTime::from_timestamp_millis(ms).expect("an instant in chrono's range");
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `ms` with one more fraction digit (`…59.9991Z`): between `ms` and `ms + 1`.
fn sub_ms(ms: i64, digit: u8) -> String {
    let base = iso(ms);
    format!("{}{digit}Z", &base[..base.len() - 1])
}

/// `ms` written with a fixed UTC offset of `minutes`.
fn with_offset(ms: i64, minutes: i32) -> String {
    let t: DateTime<Utc> =
        DateTime::from_timestamp_millis(ms).expect("an instant in chrono's range");
    let zone = FixedOffset::east_opt(minutes * 60).expect("a valid offset");
    t.with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

struct Fixed {
    cases: Vec<Case>,
}

impl Fixed {
    fn rows(&mut self, text: impl Into<String>) {
        self.push(text.into(), Expect::Rows, "");
    }

    fn rejected(&mut self, text: impl Into<String>, why: &'static str) {
        self.push(text.into(), Expect::Rejected, why);
    }

    /// Adds a case unless the same text is there already (the matrices
    /// overlap with the API's examples).
    fn push(&mut self, text: String, expect: Expect, why: &'static str) {
        if self.cases.iter().all(|c| c.text != text) {
            self.cases.push(Case { text, expect, why });
        }
    }
}

/// A prefix of `s` of about `chars` characters (at a char boundary).
fn head(s: &str, chars: usize) -> &str {
    let end = s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// A suffix of `s` of about `chars` characters.
fn tail(s: &str, chars: usize) -> &str {
    let n = s.chars().count();
    let start = s
        .char_indices()
        .nth(n.saturating_sub(chars))
        .map_or(s.len(), |(i, _)| i);
    &s[start..]
}

/// A middle part of `s`.
fn middle(s: &str) -> &str {
    let n = s.chars().count();
    let from = s.char_indices().nth(n / 4).map_or(s.len(), |(i, _)| i);
    let to = s.char_indices().nth(3 * n / 4).map_or(s.len(), |(i, _)| i);
    &s[from..to.max(from)]
}

/// The fixed cases (built once).
pub(crate) fn fixed() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(build_fixed)
}

fn build_fixed() -> Vec<Case> {
    let rows = data::rows();
    let mut f = Fixed { cases: Vec::new() };
    let r = |i: usize| &rows[i];
    let agent = |i: usize| r(i).metadata.get("agentId").unwrap_or("none").to_owned();
    let customer = |i: usize| r(i).metadata.get("customerId").unwrap_or("none").to_owned();

    // --- api.md §1.3 and §2.2, docs/filter-language.md "Examples" ---------------
    f.rows(format!("conversation.metadata.agentId=={}", agent(1)));
    f.rows("conversation.metadata.agentId==agent-0042");
    f.rows(
        "conversation.startTime=ge=2021-03-01T00:00:00Z;conversation.startTime=lt=2021-03-08T00:00:00Z;conversation.type==meeting",
    );
    f.rows(format!(
        "conversation.metadata.agentId=in=({},{},{})",
        agent(1),
        agent(2),
        agent(3)
    ));
    f.rows(format!(
        "conversation.metadata.agentId=={} and conversation.metadata.customerId=={}",
        agent(4),
        customer(4)
    ));
    f.rows(
        "conversation.startTime=ge=2021-03-01;conversation.endTime=le=2021-04-01;metadata.channel==zoom",
    );
    f.rows("conversation.type==meeting,conversation.type==call");
    f.rows("(conversation.type==meeting)");
    f.rows(format!(
        "conversation.metadata.agentId=={};conversation.type=in=(meeting,call)",
        agent(5)
    ));
    f.rows("conversation.type==meeting");
    f.rows("conversation.type=in=(meeting,call)");
    f.rows(format!(
        "metadata.agentId=={} and metadata.customerId=={}",
        agent(6),
        customer(6)
    ));
    f.rows("conversation.startTime=ge=2021-03-01;conversation.startTime=lt=2021-03-08");
    f.rows("conversation.startTime=bt=(2021-03-01,2021-03-07T23:59:59.999Z)");
    f.rows("conversation.startTime=ge=2021-03-01T00:00:00+02:00");
    f.rows("conversation.name==*Brainstorm*");
    f.rows("conversation.name=='Sales Sync'");
    f.rows(r#"conversation.name=="2\*3""#);
    f.rows("members.email==*@acme.com");
    f.rows("members.email!=ana.ruiz@initech.net");
    f.rows("members.email!=charles.miller1@initech.net");
    f.rows("metadata.score=gt=0.75");
    f.rows("metadata.region=isnull=true;conversation.type==call");
    f.rows("conversation.startTime==2021-01-01T00:00:00.0005Z");
    f.rows("conversation.startTime=ge=2021-01-01T00:00:00.0005Z");
    f.rejected(
        "conversation.name=in=(*,Sales Sync)",
        "a bare * in =in= (wildcards only in ==/!=)",
    );
    f.rows(r#"conversation.name=in=("\*",'Sales Sync')"#);

    // --- every operator on every string field ------------------------------------
    let member = |i: usize, get: fn(&store::Member) -> Option<&str>| {
        rows[i..]
            .iter()
            .flat_map(|c| c.members.iter())
            .find_map(get)
            .unwrap_or("none")
            .to_owned()
    };
    let fields: Vec<(&str, String, String)> = vec![
        ("conversation.id", r(7).id.clone(), r(300).id.clone()),
        ("conversation.name", r(8).name.clone(), r(9).name.clone()),
        ("conversation.type", "meeting".into(), "chat".into()),
        (
            "members.id",
            member(10, |m| Some(&m.id)),
            member(400, |m| Some(&m.id)),
        ),
        (
            "members.name",
            member(11, |m| Some(&m.name)),
            member(500, |m| Some(&m.name)),
        ),
        (
            "members.email",
            member(12, |m| m.email.as_deref()),
            member(600, |m| m.email.as_deref()),
        ),
        (
            "metadata.channel",
            r(13).metadata.get("channel").unwrap_or("zoom").to_owned(),
            "phone".into(),
        ),
        ("conversation.metadata.agentId", agent(14), agent(700)),
        (
            "conversation.members.name",
            "Ana Ruiz".into(),
            "Nobody".into(),
        ),
    ];
    for (field, v, w) in &fields {
        let (lo, hi) = if v <= w { (v, w) } else { (w, v) };
        f.rows(format!("{field}=={}", lit(v)));
        f.rows(format!("{field}!={}", lit(v)));
        f.rows(format!("{field}=lt={}", lit(v)));
        f.rows(format!("{field}=le={}", lit(v)));
        f.rows(format!("{field}=gt={}", lit(v)));
        f.rows(format!("{field}=ge={}", lit(v)));
        f.rows(format!("{field}=in=({},{})", lit(v), lit(w)));
        f.rows(format!("{field}=out=({},{})", lit(v), lit(w)));
        f.rows(format!("{field}=bt=({},{})", lit(lo), lit(hi)));
        f.rows(format!("{field}=nb=({},{})", lit(lo), lit(hi)));
        f.rows(format!("{field}=isnull=true"));
        f.rows(format!("{field}=notnull=true"));
        f.rows(format!("{field}=like={}", lit(middle(v))));
        f.rows(format!("{field}=notlike={}", lit(middle(v))));
        f.rows(format!("{field}=ilike={}", lit(&middle(v).to_uppercase())));
        f.rows(format!("{field}=ic={}", lit(&v.to_uppercase())));
        let stars = [
            format!("{field}=={}", pat(&format!("{}*", head(v, 4)))),
            format!("{field}!={}", pat(&format!("*{}", tail(v, 3)))),
            format!("{field}=={}", pat(&format!("*{}*", middle(v)))),
        ];
        for case in stars {
            if *field == "conversation.id" {
                f.rejected(case, "api.md: conversation.id is exact (no wildcards)");
            } else {
                f.rows(case);
            }
        }
    }
    // An escaped star on the exact field is a literal one.
    f.rows(format!(
        "conversation.id=={}",
        lit(&format!("{}*", head(&r(7).id, 4)))
    ));

    // --- timestamps: every operator ----------------------------------------------
    let start = r(20).start_time;
    let end = r(21).end_time.unwrap_or(T_END);
    for (field, t, u) in [
        ("conversation.startTime", start, r(22).start_time),
        ("conversation.endTime", end, T_END),
    ] {
        let (lo, hi) = (t.min(u), t.max(u));
        for op in ["==", "!=", "=lt=", "=le=", "=gt=", "=ge="] {
            f.rows(format!("{field}{op}{}", iso(t)));
        }
        f.rows(format!("{field}=in=({},{})", iso(t), iso(u)));
        f.rows(format!("{field}=out=({},{})", iso(t), iso(u)));
        f.rows(format!("{field}=bt=({},{})", iso(lo), iso(hi)));
        f.rows(format!("{field}=nb=({},{})", iso(lo), iso(hi)));
        f.rows(format!("{field}=isnull=true"));
        f.rows(format!("{field}=isnull=false"));
        f.rows(format!("{field}=notnull=true"));
        f.rows(format!("{field}=={}", with_offset(t, 120)));
        f.rows(format!("{field}=ge={}", with_offset(t + 1, -330)));
        f.rows(format!("{field}=lt=2021-07-01"));
    }
    f.rows("conversation.startTime=lt=1970-01-01T00:00:00.000Z");
    f.rows("conversation.startTime=le=1970-01-01");
    f.rows("conversation.startTime=ge=2099-12-31");

    // --- bug 1: a running conversation matches no comparison on endTime ---------
    f.rows(format!("conversation.endTime!={}", iso(T_END)));
    f.rows("conversation.endTime!=2021-06-10T09:30:00Z");
    f.rows(format!(
        "conversation.endTime=out=({},{})",
        iso(T_END),
        iso(end)
    ));
    f.rows("conversation.endTime=nb=(2021-06-10,2021-06-11)");
    f.rows("conversation.endTime=nb=(2021-06-10T09:30:00Z,2021-06-10T09:30:00Z)");
    f.rows("conversation.endTime!=2021-06-10T09:30:00Z;conversation.name==Running*");

    // --- bug 2: sub-millisecond literals, every operator, both fields -------------
    for (field, ms) in [
        ("conversation.startTime", T_LAST_MS),
        ("conversation.endTime", T_LAST_MS),
    ] {
        let lit9991 = sub_ms(ms, 1);
        for op in ["==", "!=", "=lt=", "=le=", "=gt=", "=ge="] {
            f.rows(format!("{field}{op}{lit9991}"));
        }
        f.rows(format!("{field}=in=({lit9991},{})", iso(ms + 1)));
        f.rows(format!("{field}=out=({lit9991})"));
        f.rows(format!("{field}=bt=({lit9991},{})", sub_ms(ms + 1, 5)));
        f.rows(format!("{field}=nb=({},{lit9991})", iso(ms)));
    }

    // --- bug 3: user text where MongoDB reads a field path ------------------------
    f.rows("metadata.score=bt=($metadata.durationSec,5)");
    f.rows("metadata.score=bt=($,5)");
    f.rows("metadata.score=nb=($,5)");
    f.rows("metadata.score=bt=($$ROOT,9)");
    f.rows("metadata.score=bt=(-1,$metadata.score)");
    f.rows("metadata.score=gt=$metadata.durationSec");
    f.rows("metadata.durationSec=lt=$");
    f.rows("metadata.channel=in=($zoom,$metadata.durationSec)");
    f.rows("metadata.channel==$zoom");
    f.rows("metadata.channel==*$*");
    f.rows(r#"metadata.region=='{"$gt":1}'"#);

    // --- bug 4: bounds beyond the double range --------------------------------------
    let nines = "9".repeat(400);
    let big = format!("1{}", "0".repeat(400));
    for op in ["=gt=", "=ge=", "=lt=", "=le=", "=="] {
        f.rows(format!("metadata.score{op}{nines}"));
    }
    f.rows(format!("metadata.score=gt=-{nines}"));
    f.rows(format!("metadata.score=lt=-{nines}"));
    f.rows(format!("metadata.score=bt=(0,{nines})"));
    f.rows(format!("metadata.score=nb=(-{nines},0)"));
    f.rows(format!("metadata.score=ge={big}"));
    f.rows(format!("metadata.durationSec=lt={nines}"));
    f.rows(format!("metadata.score=bt=({nines},{big})"));

    // --- decimal ordering of metadata -------------------------------------------------
    for v in [
        "0.75", "-0", "0", "007.10", "7.1", "-1", "10", "9.5", "0.7500", "-0.0",
    ] {
        f.rows(format!("metadata.score=gt={v}"));
        f.rows(format!("metadata.score=le={v}"));
    }
    f.rows("metadata.score=ge=0.75");
    f.rows("metadata.score=lt=0.75");
    f.rows("metadata.score=bt=(0.5,0.75)");
    f.rows("metadata.score=nb=(0.5,0.75)");
    f.rows("metadata.score==-0");
    f.rows("metadata.score=in=(0.75,-0,007.10)");
    f.rows("metadata.score=gt=abc");
    f.rows("metadata.score=lt=''");
    f.rows("metadata.score=ge=1e3");
    f.rows("metadata.score=bt=(-3,abc)");
    f.rows("metadata.durationSec=gt=3600");
    f.rows("metadata.durationSec=bt=(600,1200)");
    f.rows("metadata.durationSec=nb=(600,1200)");
    f.rows("metadata.durationSec=le=-0");

    // --- bug 5: NUL in a value is a typed error -----------------------------------
    let why = "NUL in a value";
    f.rejected("conversation.name==\"*\u{0}*\"", why);
    f.rejected("metadata.channel==\"\u{0}\"", why);
    f.rejected("members.email=in=(a,\"\u{0}\")", why);
    f.rejected("conversation.id!=\"x\u{0}\"", why);
    f.rejected("conversation.name=like=\"\u{0}\"", why);
    f.rejected("metadata.score=gt=\"1\u{0}\"", why);

    // --- missing metadata keys ----------------------------------------------------
    for op in [
        "==x",
        "!=x",
        "=out=(x,y)",
        "=lt=5",
        "=ge=a",
        "=nb=(1,2)",
        "=notlike=x",
    ] {
        f.rows(format!("metadata.nokey{op}"));
    }
    f.rows("metadata.nokey=isnull=true");
    f.rows("metadata.nokey=notnull=true");
    f.rows("metadata.agent-id==x");
    f.rows("metadata.A=ic=UPPER");
    f.rows("metadata.x_y=isnull=false");

    // --- wildcards, escapes, case folding, hostile text ---------------------------
    for text in [
        "conversation.name==*%*",
        "conversation.name==*_*",
        r#"conversation.name=="*\\*""#,
        r#"conversation.name=="\*""#,
        r#"conversation.name=="*\**""#,
        "conversation.name==*",
        "conversation.name==''",
        "conversation.name!=''",
        r#"conversation.name=="*'*""#,
        r#"conversation.name=="*\"*""#,
        "conversation.name=ilike=BRAINSTORM",
        "conversation.name=ic='sales brainstorm'",
        "conversation.name=like=会議",
        "conversation.name==*🎉",
        "conversation.name==line*",
        "conversation.name==*two",
        "conversation.name=='line one*'",
        "conversation.name=like=%",
        "conversation.name=like=_",
        r#"conversation.name=like="\\""#,
        "conversation.name=notlike=Sales",
        "conversation.name==Sales*Brainstorm",
        "conversation.name==S*a*l*e*s*",
        "conversation.name=ic=*BRAIN*",
        "conversation.name=ilike=réunion",
        "conversation.name=ilike=RÉUNION",
        "conversation.type=ic=meeting",
        "conversation.type==ÉVÉNEMENT",
        "conversation.type=ilike=év",
        "conversation.type==''",
        "members.email==*%*",
        "members.email==*@x.io",
        r#"members.email=="\**""#,
        "members.name=ic='ana ruiz'",
        "members.email=ilike=INITECH",
        "members.email=notlike=initech",
        "members.email=isnull=true",
        "members.email=notnull=false",
        "members.id=out=(m-ana,m-bob)",
        "members.name=in=('Ana Ruiz','No Mail')",
        "members.email=gt=z",
        "members.email=bt=(a,b)",
        "members.name==*Mail",
        "members.name!=*Mail",
        "metadata.channel==line*",
        "metadata.channel=='%'",
        "metadata.channel==_",
        r#"metadata.channel=="\\""#,
        "metadata.channel==\"'\"",
        r#"metadata.channel=="\*""#,
        "metadata.channel==*",
        "metadata.channel==''",
    ] {
        f.rows(text);
    }

    // --- combinations -----------------------------------------------------------
    f.rows("conversation.type==meeting;metadata.score=gt=0.5");
    f.rows("conversation.type==chat,metadata.score=lt=0");
    f.rows("(conversation.type==call,conversation.type==chat);conversation.endTime=isnull=true");
    f.rows("members.email==*initech*;members.email!=*acme*");
    f.rows("metadata.channel!=zoom;metadata.region=out=(emea,apac)");
    f.rows(
        "conversation.startTime=ge=2021-06-01;conversation.startTime=lt=2021-07-01,metadata.score=ge=10",
    );
    f.rows("conversation.endTime!=2021-06-10T09:30:00Z,conversation.endTime=isnull=true");
    f.rows(format!(
        "(conversation.name==*Sync*;members.name=={}),metadata.score=nb=(0,1)",
        lit(&member(30, |m| Some(&m.name)))
    ));
    f.cases
}

// --- random filters ---------------------------------------------------------------

/// Texts from the data, per field.
struct Pools {
    ids: Vec<String>,
    names: Vec<String>,
    types: Vec<String>,
    member_ids: Vec<String>,
    member_names: Vec<String>,
    emails: Vec<String>,
    /// Metadata values of every key, and the numeric texts.
    meta: Vec<String>,
    numbers: Vec<String>,
    instants: Vec<i64>,
}

fn distinct<'a>(it: impl Iterator<Item = &'a str>) -> Vec<String> {
    it.map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn pools(rows: &[Conversation]) -> Pools {
    let members = || rows.iter().flat_map(|c| c.members.iter());
    let mut numbers = distinct(
        rows.iter()
            .flat_map(|c| ["score", "durationSec"].map(|k| c.metadata.get(k)))
            .flatten(),
    );
    numbers.extend(NUMERIC.iter().map(|s| (*s).to_owned()));
    numbers.push("9".repeat(400));
    numbers.push(format!("-{}", "9".repeat(400)));
    numbers.push(format!("1{}", "0".repeat(400)));
    Pools {
        ids: rows.iter().map(|c| c.id.clone()).collect(),
        names: distinct(rows.iter().map(|c| c.name.as_str())),
        types: distinct(rows.iter().map(|c| c.kind.as_str())),
        member_ids: distinct(members().map(|m| m.id.as_str())),
        member_names: distinct(members().map(|m| m.name.as_str())),
        emails: distinct(members().filter_map(|m| m.email.as_deref())),
        meta: distinct(rows.iter().flat_map(|c| c.metadata.iter().map(|(_, v)| v))),
        numbers,
        instants: rows
            .iter()
            .flat_map(|c| [Some(c.start_time), c.end_time])
            .flatten()
            .collect(),
    }
}

/// Texts that make emitters work: SQL and pattern metacharacters, quotes,
/// `$` field paths, Unicode, case variants, whitespace.
const HOSTILE: &[&str] = &[
    "",
    "*",
    "%",
    "_",
    "\\",
    "'",
    "\"",
    "$",
    "$x",
    "$metadata.durationSec",
    "$$ROOT",
    ".",
    "a.b",
    "{",
    "[",
    "?",
    "^",
    "(",
    "\n",
    " ",
    "会議",
    "Réunion",
    "É",
    "é",
    "zoom",
    "ZOOM",
    "meeting",
    "Sales",
    "sales",
    "@initech.net",
    "agent-0",
];

/// Numeric (and almost numeric) texts for metadata ordering.
const NUMERIC: &[&str] = &[
    "0.75",
    "-0",
    "0",
    "007.10",
    "7.1",
    "-1",
    "10",
    "9.5",
    "0.7500",
    "-0.0",
    "1e3",
    "+5",
    ".5",
    "5.",
    "abc",
    "",
    "$",
    "-",
    "1.2.3",
    "00",
    "12",
    "-3.5",
    "0.749999999999999999999999999999",
];

const STRING_FIELDS: &[&str] = &[
    "conversation.id",
    "conversation.name",
    "conversation.type",
    "members.id",
    "members.name",
    "members.email",
    "conversation.members.email",
];

const META_KEYS: &[&str] = &[
    "agentId",
    "customerId",
    "channel",
    "region",
    "nokey",
    "agent-id",
    "A",
];

const NUMERIC_KEYS: &[&str] = &["score", "durationSec"];

/// The values a string field's comparisons draw from.
fn pool_for<'p>(p: &'p Pools, field: &str) -> &'p [String] {
    match field {
        "conversation.id" => &p.ids,
        "conversation.name" => &p.names,
        "conversation.type" => &p.types,
        "members.id" => &p.member_ids,
        "members.name" => &p.member_names,
        _ if field.ends_with("email") => &p.emails,
        _ => &p.meta,
    }
}

fn text(pool: Arc<Vec<String>>) -> BoxedStrategy<String> {
    let from_pool = (0..pool.len()).prop_map(move |i| pool[i].clone());
    prop_oneof![
        3 => from_pool,
        1 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
    ]
    .boxed()
}

/// A wildcard pattern made from a text: prefix, suffix, contains, the text
/// itself, a bare `*`, or stars inside.
fn pattern(pool: Arc<Vec<String>>) -> BoxedStrategy<String> {
    (text(pool), 0..6u8, 1..6usize)
        .prop_map(|(t, mode, n)| match mode {
            0 => format!("{}*", head(&t, n)),
            1 => format!("*{}", tail(&t, n)),
            2 => format!("*{}*", middle(&t)),
            3 => t,
            4 => "*".to_owned(),
            _ => format!("{}*{}", head(&t, n), tail(&t, n)),
        })
        .boxed()
}

fn fold(s: String, mode: u8) -> String {
    match mode {
        0 => s.to_uppercase(),
        1 => s.to_lowercase(),
        _ => s,
    }
}

fn string_comparison(field: String, pool: Arc<Vec<String>>) -> BoxedStrategy<String> {
    // `conversation.id` is exact: its "patterns" are written with escaped
    // (literal) stars.
    let pat: fn(&str) -> String = if field == "conversation.id" { lit } else { pat };
    let f = field;
    let one = text(pool.clone());
    let list = prop::collection::vec(one.clone(), 1..4);
    let f1 = f.clone();
    let f2 = f.clone();
    let f3 = f.clone();
    let f4 = f.clone();
    let f5 = f.clone();
    let f6 = f.clone();
    let f7 = f.clone();
    let f8 = f.clone();
    prop_oneof![
        3 => (prop::sample::select(&["==", "!="][..]), any::<bool>(), one.clone(), pattern(pool.clone()))
            .prop_map(move |(op, wild, t, p)| format!("{f1}{op}{}", if wild { pat(&p) } else { lit(&t) })),
        1 => (one.clone(), pattern(pool.clone()), any::<bool>(), 0..3u8)
            .prop_map(move |(t, p, wild, m)| format!("{f2}=ic={}", if wild { pat(&fold(p, m)) } else { lit(&fold(t, m)) })),
        2 => (prop::sample::select(&["=like=", "=notlike=", "=ilike="][..]), pattern(pool.clone()), 0..3u8)
            .prop_map(move |(op, p, m)| format!("{f3}{op}{}", pat(&fold(middle(&p).to_owned(), m)))),
        2 => (prop::sample::select(&["=lt=", "=le=", "=gt=", "=ge="][..]), one.clone())
            .prop_map(move |(op, t)| format!("{f4}{op}{}", lit(&t))),
        2 => (prop::sample::select(&["=in=", "=out="][..]), list)
            .prop_map(move |(op, v)| format!("{f5}{op}({})", v.iter().map(|t| lit(t)).collect::<Vec<_>>().join(","))),
        1 => (prop::sample::select(&["=bt=", "=nb="][..]), one.clone(), one)
            .prop_map(move |(op, a, b)| format!("{f6}{op}({},{})", lit(&a), lit(&b))),
        1 => (prop::sample::select(&["=isnull=", "=notnull="][..]), any::<bool>())
            .prop_map(move |(op, b)| format!("{f7}{op}{b}")),
        1 => Just(format!("{f8}=={}", pat("*"))),
    ]
    .boxed()
}

fn numeric_comparison(field: String, pool: Arc<Vec<String>>) -> BoxedStrategy<String> {
    let one = (0..pool.len()).prop_map(move |i| pool[i].clone()).boxed();
    let f1 = field.clone();
    let f2 = field.clone();
    let f3 = field;
    prop_oneof![
        4 => (prop::sample::select(&["=lt=", "=le=", "=gt=", "=ge=", "==", "!="][..]), one.clone())
            .prop_map(move |(op, t)| format!("{f1}{op}{}", lit(&t))),
        2 => (prop::sample::select(&["=bt=", "=nb="][..]), one.clone(), one.clone())
            .prop_map(move |(op, a, b)| format!("{f2}{op}({},{})", lit(&a), lit(&b))),
        1 => (prop::sample::select(&["=in=", "=out="][..]), prop::collection::vec(one, 1..4))
            .prop_map(move |(op, v)| format!("{f3}{op}({})", v.iter().map(|t| lit(t)).collect::<Vec<_>>().join(","))),
    ]
    .boxed()
}

/// An instant near one from the data, in one of the accepted spellings.
fn instant(instants: Arc<Vec<i64>>) -> BoxedStrategy<String> {
    (0..instants.len(), -1i64..=1, 0..8u8)
        .prop_map(move |(i, delta, form)| {
            let ms = instants[i] + delta;
            match form {
                0 | 1 => iso(ms),
                2 => sub_ms(ms, 1),
                3 => sub_ms(ms, 5),
                4 => with_offset(ms, 120),
                5 => with_offset(ms, -330),
                6 => iso(ms)[..10].to_owned(),
                _ => format!("{}Z", &iso(ms)[..19]),
            }
        })
        .boxed()
}

fn time_comparison(instants: Arc<Vec<i64>>) -> BoxedStrategy<String> {
    let field = prop::sample::select(&["conversation.startTime", "conversation.endTime"][..]);
    let one = instant(instants);
    prop_oneof![
        4 => (field.clone(), prop::sample::select(&["==", "!=", "=lt=", "=le=", "=gt=", "=ge="][..]), one.clone())
            .prop_map(|(f, op, t)| format!("{f}{op}{t}")),
        2 => (field.clone(), prop::sample::select(&["=in=", "=out="][..]), prop::collection::vec(one.clone(), 1..4))
            .prop_map(|(f, op, v)| format!("{f}{op}({})", v.join(","))),
        2 => (field.clone(), prop::sample::select(&["=bt=", "=nb="][..]), one.clone(), one)
            .prop_map(|(f, op, a, b)| format!("{f}{op}({a},{b})")),
        1 => (field, prop::sample::select(&["=isnull=", "=notnull="][..]), any::<bool>())
            .prop_map(|(f, op, b)| format!("{f}{op}{b}")),
    ]
    .boxed()
}

/// One comparison on any field of the conversation schema.
fn comparison(p: &Pools) -> BoxedStrategy<String> {
    let mut string_leaves: Vec<BoxedStrategy<String>> = STRING_FIELDS
        .iter()
        .map(|f| {
            let canonical = f
                .strip_prefix("conversation.")
                .filter(|s| s.starts_with("members"))
                .unwrap_or(f);
            string_comparison((*f).to_owned(), Arc::new(pool_for(p, canonical).to_vec()))
        })
        .collect();
    let meta = Arc::new(p.meta.clone());
    for key in META_KEYS {
        string_leaves.push(string_comparison(format!("metadata.{key}"), meta.clone()));
    }
    let numbers = Arc::new(p.numbers.clone());
    let numeric: Vec<BoxedStrategy<String>> = NUMERIC_KEYS
        .iter()
        .flat_map(|k| {
            [
                numeric_comparison(format!("metadata.{k}"), numbers.clone()),
                numeric_comparison(format!("conversation.metadata.{k}"), numbers.clone()),
            ]
        })
        .collect();
    let strings = prop::strategy::Union::new(string_leaves).boxed();
    let numeric = prop::strategy::Union::new(numeric).boxed();
    prop_oneof![
        5 => strings,
        3 => numeric,
        3 => time_comparison(Arc::new(p.instants.clone())),
    ]
    .boxed()
}

/// Random filters: comparisons on every field with every operator, values
/// from the data and hostile texts, nested AND / OR up to depth 3.
pub(crate) fn random() -> BoxedStrategy<String> {
    let p = pools(data::rows());
    comparison(&p)
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4)
                    .prop_map(|v| format!("({})", v.join(";"))),
                prop::collection::vec(inner, 2..4).prop_map(|v| format!("({})", v.join(","))),
            ]
        })
        .boxed()
}

#[test]
fn quoting_keeps_text_literal() {
    for s in HOSTILE.iter().chain(NUMERIC) {
        let text = format!("conversation.name=={}", lit(s));
        let ast = super::parser().parse(&text).unwrap();
        let value = &ast.comparisons().next().unwrap().args.as_slice()[0];
        assert_eq!(value.as_str(), *s, "{text}");
        assert!(!value.is_wildcard(), "{text}");
    }
    let text = format!("conversation.name=={}", pat("a*\"b"));
    let ast = super::parser().parse(&text).unwrap();
    let value = &ast.comparisons().next().unwrap().args.as_slice()[0];
    assert!(value.is_wildcard());
    assert_eq!(sub_ms(T_LAST_MS, 1), "2021-06-12T23:59:59.9991Z");
    assert_eq!(iso(T_END), "2021-06-10T09:30:00.000Z");
    assert_eq!(with_offset(T_END, 120), "2021-06-10T11:30:00.000+02:00");
}

#[test]
fn there_are_enough_fixed_cases() {
    let cases = fixed();
    assert!(cases.len() >= 146, "{} fixed cases", cases.len());
    let rejected = cases
        .iter()
        .filter(|c| c.expect == Expect::Rejected)
        .count();
    assert!(rejected >= 6, "{rejected} rejected cases");
}
