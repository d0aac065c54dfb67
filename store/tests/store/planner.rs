//! The planner's access paths and the executor's paths that only run at
//! scale, on hand-built fixtures whose postings overlap (issue 18).
//!
//! The fixture has 3 000 conversations (see [`row`]): 24 members, two per
//! conversation, so the postings of several `members.id` values overlap;
//! 30 `agentId` values (a tenth of the rows lack the key); 40 names; start
//! times shared by pairs of rows; running and zero-length conversations.
//! Every query is checked against the naive scan in several orders, pages
//! and windows, on the bulk-built store (every slot in the ordered prefix)
//! and on a churned copy (rows inserted out of order and rows deleted).
//!
//! Paths reached only at this scale, each reached by a named test below:
//! - `plan::union`'s bitmap (more than 8 lists, at least 1 024 slots, dense);
//! - `plan::union`'s pairwise `merge` of overlapping lists (2 to 8 lists of a
//!   multi-valued field);
//! - `plan::union`'s sort of a concatenation (more than 8 lists, sparse);
//! - `Store::run` with many disjoint runs (a wildcard matching 30 names):
//!   merged through a heap of their heads in the default order, and their
//!   union (runs past the ordered prefix, on the churned copy) or
//!   concatenation (any other order) otherwise;
//! - the ordered walk that skips whole `name` / `type` groups (offsets past
//!   a group of hundreds of rows).

use std::sync::OnceLock;

use store::sort::{Direction, Sort, SortField};
use store::{Conversation, Member, Metadata, QuerySpec, Store, Window};

use crate::naive;

/// 2021-01-01T00:00:00Z.
const T0: i64 = 1_609_459_200_000;
/// Rows of the bulk-built fixture.
const N: usize = 3_000;
const TEAMS: [&str; 8] = [
    "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel",
];
const TOPICS: [&str; 5] = ["sync", "review", "planning", "retro", "demo"];

fn member(k: usize) -> Member {
    Member {
        id: format!("m{k:02}"),
        name: format!("Member {k}"),
        email: Some(format!("m{k:02}@example.com")),
    }
}

/// The start time of row `i`: rows `2k` and `2k + 1` start together.
fn start_of(i: usize) -> i64 {
    T0 + (i as i64 / 2) * 60_000
}

/// Row `i` of the fixture.
fn row(i: usize) -> Conversation {
    let start = start_of(i);
    let end_time = if i.is_multiple_of(97) {
        None // running
    } else if i % 50 == 1 {
        Some(start) // zero length
    } else {
        Some(start + (i as i64 % 7 + 1) * 600_000)
    };
    let (a, b) = (i % 24, (i / 24) % 24);
    let mut members = vec![member(a)];
    if b != a {
        members.push(member(b));
    }
    let mut metadata = Metadata::new();
    if i % 10 != 9 {
        metadata.insert("agentId", format!("a{:02}", i % 30));
    }
    metadata.insert("region", ["north", "south"][i % 2]);
    Conversation {
        id: format!("c{i:05}"),
        kind: ["meeting", "call", "chat"][i % 3].to_string(),
        name: format!("{} {}", TEAMS[i % 8], TOPICS[(i / 8) % 5]),
        start_time: start,
        end_time,
        members,
        metadata,
    }
}

/// The bulk-built store (all slots ordered) and its rows.
///
/// The pattern cache is off here and in [`churned`], so that each test
/// reaches the access path it names whatever ran before it on the shared
/// store; [`kept`] is the same rows with the cache on.
fn bulk() -> &'static (Store, Vec<Conversation>) {
    static DATA: OnceLock<(Store, Vec<Conversation>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let all: Vec<Conversation> = (0..N).map(row).collect();
        let mut s = Store::new();
        assert_eq!(s.extend(all.iter().cloned()).unwrap(), N);
        s.set_pattern_cache_bytes(0);
        (s, all)
    })
}

/// [`bulk`] with the pattern cache on (its default size): every check runs
/// here too, so wildcard names answered from kept rows are compared with
/// the scan in every order and page.
fn kept() -> &'static (Store, Vec<Conversation>) {
    static DATA: OnceLock<(Store, Vec<Conversation>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let all: Vec<Conversation> = (0..N).map(row).collect();
        let mut s = Store::new();
        assert_eq!(s.extend(all.iter().cloned()).unwrap(), N);
        (s, all)
    })
}

/// The bulk-built rows but every 7th (from the end backwards) inserted one by
/// one after the others, and every 31st deleted: slots out of time order and
/// free slots.
fn churned() -> &'static (Store, Vec<Conversation>) {
    static DATA: OnceLock<(Store, Vec<Conversation>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut s = Store::new();
        s.extend((0..N).filter(|i| i % 7 != 3).map(row)).unwrap();
        for i in (0..N).rev().filter(|i| i % 7 == 3) {
            s.insert(row(i)).unwrap();
        }
        for i in (0..N).filter(|i| i % 31 == 5) {
            s.delete(&format!("c{i:05}")).unwrap();
        }
        let all = (0..N).filter(|i| i % 31 != 5).map(row).collect();
        s.set_pattern_cache_bytes(0);
        (s, all)
    })
}

fn parser() -> &'static rsql::Parser {
    static P: OnceLock<rsql::Parser> = OnceLock::new();
    P.get_or_init(rsql::Parser::new)
}

fn spec(
    filter: Option<&str>,
    window: Option<Window>,
    sort: Sort,
    offset: usize,
    limit: usize,
) -> QuerySpec {
    QuerySpec {
        filter: filter.map(|f| store::filter::compile_with(parser(), f).unwrap()),
        window,
        sort,
        limit,
        offset,
    }
}

/// `store.query(spec)` equals the naive scan of `all`: page and total.
#[track_caller]
fn same_as_naive(store: &Store, all: &[Conversation], spec: &QuerySpec) -> usize {
    let page = store.query(spec).unwrap();
    let (want, total) = naive::query(
        all,
        spec.filter.as_deref(),
        spec.window,
        &spec.sort,
        spec.offset,
        spec.limit,
    );
    let why = || {
        format!(
            "filter {:?}, window {:?}, sort {}, offset {}, limit {}\n{}",
            spec.filter.as_ref().map(|f| f.to_string()),
            spec.window,
            spec.sort,
            spec.offset,
            spec.limit,
            store.explain(spec)
        )
    };
    assert_eq!(page.total, total, "total: {}", why());
    let got: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, want, "page: {}", why());
    total
}

/// Every order the API offers, both directions.
fn sorts() -> Vec<Sort> {
    let mut out = vec![Sort::default()];
    for field in [
        SortField::StartTime,
        SortField::EndTime,
        SortField::Name,
        SortField::Type,
        SortField::Id,
    ] {
        for dir in [Direction::Asc, Direction::Desc] {
            out.push(Sort::by(field, dir));
        }
    }
    out
}

/// The pages every check reads: first, middle, long, past the end.
const PAGES: [(usize, usize); 6] = [
    (0, 20),
    (7, 5),
    (0, 1_000),
    (301, 40),
    (N - 25, 40),
    (5_000, 10),
];

/// Checks `filter` on the three stores in `sorts`, on each of [`PAGES`],
/// against the naive scan (sorted once per order); returns the totals
/// (bulk, churned).
#[track_caller]
fn check_in(filter: Option<&str>, window: Option<Window>, sorts: &[Sort]) -> (usize, usize) {
    let mut totals = [0, 0, 0];
    for (k, (store, all)) in [bulk(), churned(), kept()].into_iter().enumerate() {
        for sort in sorts {
            let full = spec(filter, window, sort.clone(), 0, usize::MAX);
            let (want, total) =
                naive::query(all, full.filter.as_deref(), window, sort, 0, usize::MAX);
            totals[k] = total;
            for (offset, limit) in PAGES {
                let spec = QuerySpec {
                    offset,
                    limit,
                    ..full.clone()
                };
                let page = store.query(&spec).unwrap();
                let why = || {
                    format!(
                        "filter {filter:?}, window {window:?}, sort {sort}, offset {offset}, limit {limit}\n{}",
                        store.explain(&spec)
                    )
                };
                assert_eq!(page.total, total, "total: {}", why());
                let got: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
                let end = offset.saturating_add(limit).min(want.len());
                assert_eq!(
                    got,
                    want.get(offset..end).unwrap_or_default(),
                    "page: {}",
                    why()
                );
            }
        }
    }
    (totals[0], totals[1])
}

/// [`check_in`] every order.
#[track_caller]
fn check(filter: Option<&str>, window: Option<Window>) -> (usize, usize) {
    check_in(filter, window, &sorts())
}

fn explain(filter: Option<&str>, window: Option<Window>) -> String {
    bulk()
        .0
        .explain(&spec(filter, window, Sort::default(), 0, 20))
}

/// The first line of `explain()`: the access path and its candidate count.
fn access(filter: Option<&str>, window: Option<Window>) -> String {
    explain(filter, window).lines().next().unwrap().to_string()
}

fn ids(n: impl IntoIterator<Item = usize>, prefix: &str, width: usize) -> String {
    n.into_iter()
        .map(|k| format!("{prefix}{k:0width$}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn fmt_ms(ms: i64) -> String {
    store::time::format_ms(ms)
}

// See: issue 18 (1). Two members' postings overlap: a conversation holding
// both is one match, counted once.
#[test]
fn issue_18_members_in_counts_a_shared_conversation_once() {
    let (store, all) = bulk();
    let holds = |c: &Conversation, m: &str| c.members.iter().any(|x| x.id == m);
    let both = all
        .iter()
        .filter(|c| holds(c, "m00") && holds(c, "m01"))
        .count();
    assert!(both > 0);
    let filter = "members.id=in=(m00,m01)";
    let only = |m: &str| {
        store
            .query(&spec(
                Some(&format!("members.id=={m}")),
                None,
                Sort::default(),
                0,
                0,
            ))
            .unwrap()
            .total
    };
    let total = store
        .query(&spec(Some(filter), None, Sort::default(), 0, 0))
        .unwrap()
        .total;
    assert_eq!(total, only("m00") + only("m01") - both);
    assert_eq!(
        access(Some(filter), None),
        format!("access: postings members.id in 2 value(s) ({total} rows)")
    );
    // The page lists each shared conversation once.
    let page = store
        .query(&spec(Some(filter), None, Sort::default(), 0, 1_000))
        .unwrap();
    let mut got: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    got.dedup();
    assert_eq!(got.len(), page.items.len());
    check(Some(filter), None);
    check(
        Some("members.email=in=(m00@example.com,m01@example.com)"),
        None,
    );
}

// See: issue 18 (2). A `startTime` bound of a single instant is a
// one-instant range, not an empty one.
#[test]
fn issue_18_start_time_equal_to_a_row_start_finds_it() {
    let t = start_of(10);
    let f = format!("conversation.startTime=={}", fmt_ms(t));
    assert_eq!(check(Some(&f), None), (2, 2));
    assert_eq!(
        access(Some(&f), None),
        format!(
            "access: time range conversation.startTime in [{0}, {0}] (2 rows)",
            fmt_ms(t)
        )
    );
    let f = format!(
        "conversation.startTime=ge={0};conversation.startTime=le={0}",
        fmt_ms(t)
    );
    assert_eq!(check(Some(&f), None), (2, 2));
    // A window of one instant holds the zero-length conversations there.
    let t = start_of(51); // row 51 has length zero; row 50 starts with it
    let w = Some(Window { start: t, end: t });
    assert_eq!(check(None, w), (1, 1));
    assert_eq!(check(Some("conversation.type!=x"), w), (1, 1));
    let w = Some(Window {
        start: t,
        end: t - 1,
    });
    assert_eq!(check(None, w), (0, 0));
    assert_eq!(
        access(Some("conversation.type!=x"), w),
        "access: none (the window is empty)"
    );
}

// See: issue 18 (5). More than 8 overlapping postings lists of at least
// 1 024 slots in all: the union runs through the bitmap.
#[test]
fn issue_18_many_overlapping_member_lists_union_through_the_bitmap() {
    let list = ids(0..10, "m", 2);
    let f = format!("members.id=in=({list})");
    let (store, all) = bulk();
    let slots: usize = (0..10)
        .map(|k| {
            all.iter()
                .filter(|c| c.members.iter().any(|m| m.id == format!("m{k:02}")))
                .count()
        })
        .sum();
    assert!(slots >= 1_024, "{slots} slots");
    let (total, _) = check(Some(&f), None);
    assert!(total < slots, "the lists overlap");
    assert_eq!(
        access(Some(&f), None),
        format!("access: postings members.id in 10 value(s) ({total} rows)")
    );
    // With a residual the union is filtered row by row.
    check(Some(&format!("{f};conversation.type==call")), None);
    check(Some(&format!("{f};conversation.name==*e*")), None);
    // Nine lists, the fewest that leave the pairwise merges.
    check(
        Some(&format!("members.id=in=({})", ids(3..12, "m", 2))),
        None,
    );
    // Eight lists: pairwise merges of overlapping lists.
    check(
        Some(&format!("members.id=in=({})", ids(3..11, "m", 2))),
        None,
    );
    let _ = store;
}

// See: issue 18 (5). More than 8 lists but few slots: the union sorts the
// concatenation.
#[test]
fn issue_18_many_short_lists_union_by_sorting() {
    let f = format!(
        "conversation.id=in=({})",
        ids((0..40).map(|k| k * 73 + 1), "c", 5)
    );
    assert_eq!(check(Some(&f), None).0, 40);
    assert_eq!(
        access(Some(&f), None),
        "access: postings conversation.id in 40 value(s) (40 rows)"
    );
    let f = format!("{f};conversation.type!=call");
    check(Some(&f), None);
}

// See: issue 18 (5). More disjoint runs than `Store::run` merges head by
// head (16): their union (default order) or concatenation (other orders).
#[test]
fn issue_18_more_than_sixteen_disjoint_runs() {
    let f = format!("metadata.agentId=in=({})", ids(0..20, "a", 2));
    let (total, _) = check(Some(&f), None);
    assert_eq!(total, (0..N).filter(|i| i % 10 != 9 && i % 30 < 20).count());
    assert_eq!(
        access(Some(&f), None),
        format!("access: postings conversation.metadata.agentId in 20 value(s) ({total} rows)")
    );
    // 30 of the 40 names hold an `e`: a dictionary scan with 30 runs.
    let f = "conversation.name==*e*";
    let (total, _) = check(Some(f), None);
    assert_eq!(
        access(Some(f), None),
        format!("access: dictionary conversation.name (40 distinct values) ({total} rows)")
    );
    assert_eq!(total, N * 30 / 40);
    // Sixteen runs and fewer: the same heap merge.
    check(
        Some(&format!("metadata.agentId=in=({})", ids(0..16, "a", 2))),
        None,
    );
    check(
        Some(&format!("metadata.agentId=in=({})", ids(0..5, "a", 2))),
        None,
    );
    check(Some("conversation.name==Alpha*"), None);
}

/// Windows: all rows, a slice, the slice's exact ends, none.
fn windows() -> [Option<Window>; 4] {
    [
        None,
        Some(Window {
            start: T0 - 1,
            end: T0 + 10_000 * 60_000,
        }),
        Some(Window {
            start: start_of(400),
            end: start_of(1_200) + 600_000,
        }),
        Some(Window {
            start: start_of(2_990),
            end: T0 + 100_000 * 60_000,
        }),
    ]
}

// A value listed twice is one value: its postings are read once.
#[test]
fn repeated_values_are_counted_once() {
    for f in [
        "conversation.type=in=(chat,chat)",
        "conversation.id=in=(c00001,c00001,c00002)",
        "conversation.name=in=(\"Echo sync\",\"Echo sync\")",
        "metadata.agentId=in=(a01,a01,a02)",
        "members.id=in=(m01,m01)",
        "members.email=in=(m01@example.com,m01@example.com,m02@example.com)",
    ] {
        check(Some(f), None);
    }
    let (store, _) = bulk();
    let total = |f: &str| {
        store
            .query(&spec(Some(f), None, Sort::default(), 0, 0))
            .unwrap()
            .total
    };
    assert_eq!(total("conversation.type=in=(chat,chat)"), 1_000);
    assert_eq!(total("members.id=in=(m01,m01)"), total("members.id==m01"));
}

/// Every access path, with and without windows, against the naive scan.
#[test]
fn every_access_path_agrees_with_the_naive_scan() {
    let t = |i: usize| fmt_ms(start_of(i));
    let filters = [
        None,
        Some("conversation.id==c00042".to_string()),
        Some("conversation.id=in=(c00042,c00043,c99999)".to_string()),
        Some("conversation.type==chat".to_string()),
        Some("conversation.type=in=(chat,call)".to_string()),
        Some("conversation.type=out=(chat)".to_string()),
        Some("conversation.name==\"Delta retro\"".to_string()),
        Some("conversation.name=in=(\"Delta retro\",\"Echo sync\")".to_string()),
        Some("conversation.name=gt=E".to_string()),
        Some("metadata.agentId==a07".to_string()),
        Some("metadata.agentId=gt=a2".to_string()),
        Some("metadata.agentId!=a07".to_string()),
        Some("metadata.region==south;metadata.agentId=in=(a01,a02,a03)".to_string()),
        Some("members.id==m05".to_string()),
        Some("members.id==m05;members.id==m06".to_string()),
        Some("members.email==m05@example.com;conversation.type==meeting".to_string()),
        Some(format!("conversation.startTime=ge={}", t(2_900))),
        Some(format!("conversation.startTime=lt={}", t(100))),
        Some(format!(
            "conversation.startTime=gt={};conversation.startTime=lt={}",
            t(1_000),
            t(1_100)
        )),
        Some(format!(
            "conversation.startTime=ge={};conversation.startTime=le={};conversation.type==call",
            t(1_000),
            t(1_100)
        )),
        Some(format!(
            "conversation.startTime=ge={};conversation.startTime=le={};conversation.type==call;metadata.region==north",
            t(1_000),
            t(1_400)
        )),
        Some(format!(
            "conversation.startTime=ge={};conversation.startTime=le={};metadata.agentId=in=(a01,a02)",
            t(1_000),
            t(2_000)
        )),
        Some(format!(
            "conversation.startTime=gt={};conversation.startTime=lt={}",
            t(1_000),
            t(1_000)
        )),
        Some("conversation.endTime=gt=2021-01-02T00:00:00Z".to_string()),
        Some("conversation.type==chat,members.id==m03".to_string()),
    ];
    // Three orders: the default (slot order), one walked by another index
    // and one with missing values.
    let sorts = [
        Sort::default(),
        Sort::by(SortField::Name, Direction::Desc),
        Sort::by(SortField::EndTime, Direction::Asc),
    ];
    for f in &filters {
        for w in windows() {
            check_in(f.as_deref(), w, &sorts);
        }
    }
}

/// On a tie in cost the path found first stays: the time range (600 rows)
/// before the trigram path of `*retro*` (8 names, 600 rows) and before the
/// dictionary scan of `metadata.region==*rth` (north: 1 500 rows). The
/// rows are the same either way; the plan is not (mutation testing: `<` as
/// `<=` there went unnoticed).
#[test]
fn a_tie_in_cost_keeps_the_path_found_first() {
    let t = |i: usize| fmt_ms(start_of(i));
    let range = format!(
        "conversation.startTime=ge={};conversation.startTime=lt={}",
        t(1_000),
        t(1_600)
    );
    let f = format!("{range};conversation.name==*retro*");
    assert_eq!(
        access(Some(&f), None),
        format!(
            "access: time range conversation.startTime in [{}, {}] (600 rows)",
            t(1_000),
            fmt_ms(start_of(1_600) - 1)
        )
    );
    assert_eq!(
        access(Some("conversation.name==*retro*"), None),
        "access: trigrams conversation.name (3 trigram(s), 8 candidate value(s), 8 matching) (600 rows)"
    );
    check(Some(&f), None);

    let f = format!(
        "conversation.startTime=ge={};conversation.startTime=lt={};metadata.region==*rth",
        t(0),
        t(1_500)
    );
    assert!(
        access(Some(&f), None).starts_with("access: time range conversation.startTime in ["),
        "{}",
        explain(Some(&f), None)
    );
    assert!(
        access(Some("metadata.region==*rth"), None).starts_with("access: dictionary"),
        "{}",
        explain(Some("metadata.region==*rth"), None)
    );
    check(Some(&f), None);
}

/// A dictionary is scanned only when it has fewer distinct values than the
/// best path so far has candidates (testing a value costs about as much as
/// testing a row). 60 rows, 30 names (two rows each): beside a 30-row time
/// range the dictionary of names is not scanned, beside a 31-row range it
/// is, and `*0*` (a single-character segment: no trigram) takes 12 names,
/// 24 rows (mutation testing: `<` as `<=` there went unnoticed).
#[test]
fn a_dictionary_as_large_as_the_best_path_is_not_scanned() {
    let all: Vec<Conversation> = (0..60)
        .map(|i| Conversation {
            id: format!("d{i:02}"),
            name: format!("n{:02}", i % 30),
            start_time: T0 + i as i64 * 60_000,
            ..row(2 * i)
        })
        .collect();
    let mut store = Store::new();
    store.extend(all.iter().cloned()).unwrap();
    let plan = |rows: usize| {
        let f = format!(
            "conversation.startTime=lt={};conversation.name==*0*",
            fmt_ms(T0 + rows as i64 * 60_000)
        );
        let s = spec(Some(&f), None, Sort::default(), 0, 100);
        let page = store.query(&s).unwrap();
        let want: Vec<&str> = all[..rows]
            .iter()
            .filter(|c| c.name.contains('0'))
            .map(|c| c.id.as_str())
            .collect();
        let got: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(got, want, "{f}");
        store.explain(&s).lines().next().unwrap().to_owned()
    };
    assert!(plan(30).starts_with("access: time range"), "{}", plan(30));
    assert_eq!(
        plan(31),
        "access: dictionary conversation.name (30 distinct values) (24 rows)"
    );
}

/// A conjunct whose `==` values only bound it is not tested by symbol: in
/// `(type==meeting;type==*xyz*),type==call` the values are meeting and call
/// but only calls match. A time range scans rows and tests the exact
/// conjuncts on `type` and metadata by symbol; this one must stay in the
/// residual (mutation testing: `exact && sym_able` as `||` went unnoticed).
#[test]
fn a_conjunct_its_values_only_bound_is_not_tested_by_symbol() {
    let t = |i: usize| fmt_ms(start_of(i));
    for group in [
        "(conversation.type==meeting;conversation.type==*xyz*),conversation.type==call",
        "(metadata.region==north;metadata.region==*xyz*),metadata.region==south",
    ] {
        let f = format!(
            "conversation.startTime=ge={};conversation.startTime=le={};({group})",
            t(1_000),
            t(1_100)
        );
        let plan = explain(Some(&f), None);
        assert!(
            plan.starts_with("access: time range") && plan.contains("xyz"),
            "{f}:\n{plan}"
        );
        let (bulk, churned) = check(Some(&f), None);
        assert!(bulk > 10 && churned > 10, "{f}: {bulk}, {churned}");
    }
}

/// The plan of each access path, so that a change of plan is a reviewed
/// change: `(filter, the explain() text)` on the bulk-built store, default
/// order, first page of 20.
#[test]
fn explain_names_the_access_path() {
    let t = |i: usize| fmt_ms(start_of(i));
    let order =
        "order: select rows 0..20 of the matches by +conversation.startTime,+conversation.id";
    let cases: Vec<(String, String)> = vec![
        (
            "conversation.id=in=(c00042,c00043,c99999)".into(),
            "access: postings conversation.id in 3 value(s) (2 rows)\nresidual: none".into(),
        ),
        (
            "conversation.name==\"Delta retro\"".into(),
            "access: postings conversation.name in 1 value(s) (75 rows)\nresidual: none".into(),
        ),
        (
            // A wildcard with a trigram: the trigram index lists the
            // candidate names (`ngram.rs`), each checked against the pattern.
            "conversation.name==Alpha*".into(),
            "access: trigrams conversation.name (5 trigram(s), 5 candidate value(s), 5 matching) (375 rows)\nresidual: none".into(),
        ),
        (
            // A wildcard without a trigram (a middle segment under 3
            // bytes): the test runs once per
            // distinct name (the dictionary scan).
            "conversation.name==*lp*".into(),
            "access: dictionary conversation.name (40 distinct values) (375 rows)\nresidual: none".into(),
        ),
        (
            "conversation.type==chat".into(),
            "access: postings conversation.type in 1 value(s) (1000 rows)\nresidual: none".into(),
        ),
        (
            // Two of three types: 2 000 candidates beat the 3 000 rows.
            "conversation.type=out=(chat)".into(),
            "access: dictionary conversation.type (3 distinct values) (2000 rows)\nresidual: none".into(),
        ),
        (
            // A range on a metadata key: once per distinct value (a09, a19
            // and a29 are never set: the rows of i % 10 == 9 lack the key).
            "metadata.agentId=gt=a2".into(),
            "access: dictionary conversation.metadata.agentId (27 distinct values) (900 rows)\nresidual: none".into(),
        ),
        (
            "metadata.agentId==a07".into(),
            "access: postings conversation.metadata.agentId in 1 value(s) (100 rows)\nresidual: none".into(),
        ),
        (
            // The rows without the key match `!=` too: no dictionary.
            "metadata.agentId!=a07".into(),
            "access: every row (3000 rows)\nresidual: conversation.metadata.agentId!=a07".into(),
        ),
        (
            "members.id==m05".into(),
            "access: postings members.id in 1 value(s) (240 rows)\nresidual: none".into(),
        ),
        (
            // Two tests of a multi-valued field: the postings of one, the
            // other per row (a member may hold either value).
            "members.id==m05;members.id==m06".into(),
            "access: postings members.id in 1 value(s) (240 rows)\nresidual: members.id==m06".into(),
        ),
        (
            "members.email==m05@example.com;conversation.type==meeting".into(),
            "access: postings members.email in 1 value(s) (240 rows)\nresidual: conversation.type==meeting".into(),
        ),
        (
            // One-sided lower bound.
            format!("conversation.startTime=ge={}", t(2_900)),
            format!("access: time range conversation.startTime in [{}, +inf] (100 rows)\nresidual: none", t(2_900)),
        ),
        (
            // One-sided upper bound, exclusive: one millisecond before.
            format!("conversation.startTime=lt={}", t(100)),
            format!("access: time range conversation.startTime in [-inf, {}] (100 rows)\nresidual: none", fmt_ms(start_of(100) - 1)),
        ),
        (
            // Two-sided, exclusive.
            format!("conversation.startTime=gt={};conversation.startTime=lt={}", t(1_000), t(1_100)),
            format!("access: time range conversation.startTime in [{}, {}] (98 rows)\nresidual: none", fmt_ms(start_of(1_000) + 1), fmt_ms(start_of(1_100) - 1)),
        ),
        (
            format!("conversation.startTime=ge={};conversation.startTime=le={};conversation.type==call", t(1_000), t(1_100)),
            format!("access: time range conversation.startTime in [{}, {}] (102 rows)\nresidual: conversation.type==call", t(1_000), t(1_100)),
        ),
        (
            // Tied costs: a time range that holds every row costs as much as
            // the full scan and is kept (`<=`).
            format!("conversation.startTime=ge={}", fmt_ms(T0)),
            format!("access: time range conversation.startTime in [{}, +inf] (3000 rows)\nresidual: none", fmt_ms(T0)),
        ),
        (
            // Tied costs: postings as long as the time range do not replace
            // it (`<`): 2 rows either way.
            format!("conversation.startTime=={};conversation.id=in=(c00010,c00011)", t(10)),
            format!("access: time range conversation.startTime in [{0}, {0}] (2 rows)\nresidual: conversation.id=in=(c00010,c00011)", t(10)),
        ),
        (
            // Postings shorter than the time range (4 rows) win.
            format!("conversation.startTime=ge={};conversation.startTime=le={};conversation.id=in=(c00010,c00011)", t(10), t(12)),
            format!("access: postings conversation.id in 2 value(s) (2 rows)\nresidual: conversation.startTime=ge={};conversation.startTime=le={}", t(10), t(12)),
        ),
        (
            format!("conversation.startTime=gt={0};conversation.startTime=lt={0}", t(1_000)),
            "access: none (the startTime bounds are empty)\nresidual: none".into(),
        ),
    ];
    let mut wrong = Vec::new();
    for (filter, want) in cases {
        let got = explain(Some(&filter), None);
        if got != format!("{want}\nwindow: none\n{order}") {
            wrong.push(format!("{filter}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Without a filter a small page walks the sort key's index.
    assert_eq!(
        bulk().0.explain(&spec(
            None,
            None,
            Sort::by(SortField::Name, Direction::Desc),
            10,
            5
        )),
        "access: every row (3000 rows)\nresidual: none\nwindow: none\n\
         order: walk the conversation.name index by -conversation.name,+conversation.id, skip 10, take 5"
    );
    // The walk visits about `(offset + limit) × rows / rows in the window`
    // rows; it is taken only when that is fewer than the access path's
    // candidates (a tie selects).
    let plan_order = |w: Option<Window>, limit: usize| {
        let text = bulk().0.explain(&spec(None, w, Sort::default(), 0, limit));
        text.lines()
            .last()
            .unwrap()
            .split(' ')
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(plan_order(None, 2_999), "order: walk");
    assert_eq!(plan_order(None, 3_000), "order: select");
    // 802 rows start in windows()[2] (801 end in it): 20 × 3 000 / 801 =
    // 74 visits beat 802 candidates, 400 × 3 000 / 801 = 1 498 do not.
    let w = windows()[2];
    assert_eq!(plan_order(w, 20), "order: walk");
    assert_eq!(plan_order(w, 400), "order: select");
    // A window that holds every row is not checked per row.
    let w = windows()[1];
    assert_eq!(
        explain(None, w),
        format!(
            "access: every row (3000 rows)\nresidual: none\nwindow: covers every row, not checked\n\
         order: walk the conversation.startTime index by +conversation.startTime,+conversation.id, skip 0, take 20"
        )
    );
}

/// Walks that skip whole groups of equal names or types, and walks that
/// stop in the middle of a group, in both directions.
#[test]
fn ordered_walks_skip_whole_groups() {
    for (store, all) in [bulk(), churned()] {
        for field in [
            SortField::Name,
            SortField::Type,
            SortField::EndTime,
            SortField::StartTime,
            SortField::Id,
        ] {
            for dir in [Direction::Asc, Direction::Desc] {
                for (offset, limit) in [
                    (0, 1),
                    (74, 2),
                    (75, 3),
                    (1_000, 5),
                    (1_999, 2),
                    (2_990, 20),
                    (3_000, 1),
                ] {
                    for w in windows() {
                        same_as_naive(
                            store,
                            all,
                            &spec(None, w, Sort::by(field, dir), offset, limit),
                        );
                    }
                }
            }
        }
    }
}

/// Start time ascending with ids descending among equal starts (rows `2k`
/// and `2k + 1` start together): not the slots' order, so no slot-order
/// shortcut may answer it.
#[test]
fn start_time_ascending_with_ids_descending_is_its_own_order() {
    let sort = Sort::from_keys(vec![
        store::sort::SortKey {
            field: SortField::StartTime,
            direction: Direction::Asc,
        },
        store::sort::SortKey {
            field: SortField::Id,
            direction: Direction::Desc,
        },
    ]);
    check_in(None, None, std::slice::from_ref(&sort));
    check_in(
        Some("conversation.type==call"),
        None,
        std::slice::from_ref(&sort),
    );
    check_in(
        Some("metadata.agentId=in=(a01,a02,a03)"),
        None,
        std::slice::from_ref(&sort),
    );
}

/// A postings run whose last slot is the first one past the ordered prefix
/// (a row inserted after the bulk load, starting before the others): the
/// run is not in time order, so the page is sorted, not sliced.
#[test]
fn a_run_ending_just_past_the_ordered_prefix_is_sorted() {
    let conv = |id: &str, kind: &str, start: i64| Conversation {
        id: id.to_owned(),
        kind: kind.to_owned(),
        name: "n".to_owned(),
        start_time: start,
        end_time: Some(start + 10),
        members: vec![member(1)],
        metadata: Metadata::new(),
    };
    let mut s = Store::new();
    s.extend([conv("a", "call", T0 + 100), conv("b", "rare", T0 + 200)])
        .unwrap();
    s.insert(conv("c", "rare", T0 + 50)).unwrap();
    let spec = spec(
        Some("conversation.type==rare"),
        None,
        Sort::default(),
        0,
        10,
    );
    let page = s.query(&spec).unwrap();
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c", "b"], "{}", s.explain(&spec));
    assert_eq!(page.total, 2);
}

/// Sorted by end time ascending, running conversations come after every
/// ended one; a walked page that runs out of ended rows goes on into the
/// running ones (a store of mostly running conversations, where the walk
/// is the cheaper plan).
#[test]
fn an_end_time_walk_goes_on_into_the_running_conversations() {
    let conv = |i: usize, end: Option<i64>| Conversation {
        id: format!("r{i:02}"),
        kind: "call".to_owned(),
        name: "n".to_owned(),
        start_time: T0 + i as i64 * 1_000,
        end_time: end,
        members: vec![member(1)],
        metadata: Metadata::new(),
    };
    let all: Vec<Conversation> = (0..10)
        .map(|i| conv(i, (i < 2).then(|| T0 + i as i64 * 1_000 + 500)))
        .collect();
    let mut s = Store::new();
    s.extend(all.iter().cloned()).unwrap();
    let sort = Sort::by(SortField::EndTime, Direction::Asc);
    for (offset, limit) in [(0, 5), (1, 3), (0, 10), (3, 4)] {
        let spec = spec(None, None, sort.clone(), offset, limit);
        let (want, total) = naive::query(&all, None, None, &sort, offset, limit);
        let page = s.query(&spec).unwrap();
        let got: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
        let want: Vec<&str> = want.iter().map(String::as_str).collect();
        assert_eq!(
            got,
            want,
            "offset {offset} limit {limit}\n{}",
            s.explain(&spec)
        );
        assert_eq!(page.total, total);
    }
    assert!(
        s.explain(&spec(None, None, sort, 0, 5)).contains("walk"),
        "{}",
        s.explain(&spec(
            None,
            None,
            Sort::by(SortField::EndTime, Direction::Asc),
            0,
            5
        ))
    );
}

/// A positive wildcard on a member field is tested once per distinct value
/// (24 people here) instead of on every member of every row. The matching
/// values' postings overlap (a conversation holds two members): merged,
/// each conversation once, in every order and page (`check`). A negation
/// asks about every member of a row and still scans.
#[test]
fn member_wildcards_are_tested_once_per_distinct_value() {
    for (f, field) in [
        ("members.email==*1*@example.com", "members.email"),
        ("members.id==m2*", "members.id"),
        ("conversation.members.email==*3@*", "members.email"),
    ] {
        let (total, _) = check(Some(f), None);
        assert!(total > 0, "{f}");
        assert_eq!(
            access(Some(f), None),
            format!("access: dictionary {field} (24 distinct values) ({total} rows)"),
            "{f}"
        );
    }
    let f = "members.id!=m2*";
    check(Some(f), None);
    let path = access(Some(f), None);
    assert!(!path.contains("dictionary"), "{path}");
    // `members.name` has no postings: a scan, but the pattern is tested
    // once per person and the rows by member number.
    for (f, matching) in [
        ("members.name==*1*", 12),
        ("members.name=='Member 2*'", 5),
        ("members.name==*x*", 0),
        ("members.name=in=('Member 3','Member 30',x)", 1),
    ] {
        let (total, _) = check(Some(f), None);
        let text = explain(Some(f), None);
        assert!(
            text.contains(&format!(
                "tested per person: members.name ({matching} of 24 people match)"
            )),
            "{f}: {text}"
        );
        assert_eq!(total > 0, matching > 0, "{f}");
    }
    // A negation asks about every member: the row's own test.
    let text = explain(Some("members.name!=*1*"), None);
    assert!(!text.contains("tested per person"), "{text}");
    // A time range of fewer rows than people: each row tests its members.
    let narrow = Some(Window {
        start: T0,
        end: T0 + 4 * 60_000,
    });
    let (total, _) = check(Some("members.name==*1*"), narrow);
    assert!(total > 0);
    let text = explain(Some("members.name==*1*"), narrow);
    assert!(!text.contains("tested per person"), "{text}");
}
