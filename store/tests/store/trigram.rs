//! The trigram index on `conversation.name`: every wildcard shape answered
//! through it (or, for fragments under 3 bytes, through the dictionary scan)
//! returns exactly what a scan returns, and it follows every write.
//! A differential proptest draws names and patterns from a small alphabet
//! with multi-byte characters (so trigrams repeat and overlap) and
//! interleaves queries with inserts, renames, deletes and bulk loads.

use proptest::prelude::*;
use store::{Conversation, Metadata, QuerySpec, Store};

use crate::naive;

const T0: i64 = 1_614_556_800_000; // 2021-03-01T00:00:00Z

fn conv(i: u32, name: &str) -> Conversation {
    Conversation {
        id: format!("c{i:04}"),
        kind: "meeting".into(),
        name: name.into(),
        start_time: T0 + i64::from(i % 97) * 60_000,
        end_time: Some(T0 + i64::from(i % 97) * 60_000 + 30_000),
        members: Vec::new(),
        metadata: Metadata::new(),
    }
}

/// An RSQL value from wildcard segments: each segment quoted with `*`, `"`
/// and `\` escaped, joined by bare (wildcard) stars.
fn pattern(segments: &[&str]) -> String {
    let mut out = String::from("\"");
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            out.push('*');
        }
        for c in s.chars() {
            if matches!(c, '"' | '\\' | '*') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn spec(filter: &str) -> QuerySpec {
    QuerySpec {
        filter: Some(store::compile_filter(filter).unwrap()),
        limit: 1_000,
        ..Default::default()
    }
}

/// The store's page ids and total against the scan's; the `explain()` text.
fn check(store: &Store, all: &[Conversation], filter: &str) -> String {
    let spec = spec(filter);
    let page = store.query(&spec).unwrap();
    let got: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
    let want = naive::query(
        all,
        spec.filter.as_deref(),
        None,
        &spec.sort,
        spec.offset,
        spec.limit,
    );
    assert_eq!((got, page.total), want, "{filter}");
    store.explain(&spec)
}

const FIXED: [&str; 12] = [
    "Sales Brainstorm",
    "Brainstorm - Acme",
    "brainstorm",
    "Legal Roadmap 03/12",
    "Émile sync",
    "日本語の会議",
    "aaaaaa",
    "a*b",
    "",
    "Brain storm",
    "Sales",
    "x",
];

/// A store holding `all`, and `all`.
fn stored(all: Vec<Conversation>) -> (Store, Vec<Conversation>) {
    let mut store = Store::new();
    store.extend(all.iter().cloned()).unwrap();
    (store, all)
}

fn fixed_store() -> (Store, Vec<Conversation>) {
    stored(
        (0..240u32)
            .map(|i| conv(i, FIXED[i as usize % FIXED.len()]))
            .collect(),
    )
}

#[test]
fn each_pattern_shape_is_answered_by_the_trigrams_exactly() {
    let (store, all) = fixed_store();
    for (segments, hits) in [
        // *x*
        (&["", "Brainstorm", ""][..], 40),
        // x*
        (&["Sales", ""][..], 40),
        // *x
        (&["", "storm"][..], 60),
        // x*y
        (&["Sales", "storm"][..], 20),
        // several stars
        (&["", "Bra", "in", "rm", ""][..], 60),
        (&["B", "a", "s", "m"][..], 20),
        // one-byte anchors
        (&["x", ""][..], 20),
        (&["", "c"][..], 20),
        // multi-byte characters, split anywhere a character ends
        (&["", "Ém", ""][..], 20),
        (&["日本", ""][..], 20),
        (&["", "会議"][..], 20),
        (&["", "本語の", ""][..], 20),
        // repeated trigrams
        (&["", "aaaa", ""][..], 20),
        (&["aaa", "aaa"][..], 20),
        (&["aaaa", "aaa"][..], 0),
        // a literal star in a value
        (&["a*", ""][..], 20),
        // case-sensitive: `brainstorm` only
        (&["brain", ""][..], 20),
        // a trigram no name holds
        (&["", "zzz", ""][..], 0),
    ] {
        let filter = format!("conversation.name=={}", pattern(segments));
        let explain = check(&store, &all, &filter);
        assert!(
            explain.starts_with("access: trigrams conversation.name"),
            "{filter}: {explain}"
        );
        assert!(explain.contains("residual: none"), "{explain}");
        let total = store.query(&spec(&filter)).unwrap().total;
        assert_eq!(total, hits, "{filter}");
    }
}

#[test]
fn fragments_under_three_bytes_fall_back_to_the_dictionary_scan() {
    let (store, all) = fixed_store();
    for segments in [
        &["", "ai", ""][..],
        &["", "a", "b", ""][..],
        &["", "é", ""][..],
    ] {
        let filter = format!("conversation.name=={}", pattern(segments));
        let explain = check(&store, &all, &filter);
        assert!(
            explain.starts_with("access: dictionary conversation.name"),
            "{filter}: {explain}"
        );
    }
    // `*` matches every row: a full scan.
    assert!(check(&store, &all, "conversation.name==*").starts_with("access: every row"));
    // A middle fragment too short for a trigram beside one long enough:
    // the long one narrows, the row check does the rest.
    let explain = check(&store, &all, "conversation.name==*ai*storm");
    assert!(explain.starts_with("access: trigrams"), "{explain}");
}

#[test]
fn other_tests_on_the_name_are_not_served_by_the_trigrams() {
    let (store, all) = fixed_store();
    for filter in [
        "conversation.name!=*storm*",
        "conversation.name=ilike=*BRAIN*",
        "conversation.name=in=(Sales,x)",
        "conversation.name=ge=Sales",
    ] {
        let explain = check(&store, &all, filter);
        assert!(!explain.contains("trigrams"), "{filter}: {explain}");
    }
}

#[test]
fn a_narrow_time_range_beats_a_common_trigram() {
    let (store, all) = fixed_store();
    let filter = "conversation.startTime=ge=2021-03-01T00:00:00Z;conversation.startTime=lt=2021-03-01T00:01:00Z;conversation.name==*Brainstorm*";
    let explain = check(&store, &all, filter);
    assert!(explain.starts_with("access: time range"), "{explain}");
}

#[test]
fn writes_keep_the_trigrams_in_step() {
    let (mut store, mut all) = fixed_store();
    let brain = "conversation.name==*Brainstorm*";
    // A new name, a rename, a delete, a bulk load.
    store.insert(conv(1000, "Zebra Brainstorm")).unwrap();
    all.push(conv(1000, "Zebra Brainstorm"));
    check(&store, &all, brain);
    check(&store, &all, "conversation.name==Zeb*");
    store.upsert(conv(1000, "Zebra crossing")).unwrap();
    all.pop();
    all.push(conv(1000, "Zebra crossing"));
    check(&store, &all, brain);
    assert!(check(&store, &all, "conversation.name==*cross*").contains("1 matching"));
    store.delete("c1000").unwrap();
    all.pop();
    assert_eq!(
        store
            .query(&spec("conversation.name==*cross*"))
            .unwrap()
            .total,
        0
    );
    // Every row of a name goes: the name leaves the index.
    for c in all.clone().iter().filter(|c| c.name == "x") {
        store.delete(&c.id).unwrap();
    }
    all.retain(|c| c.name != "x");
    check(&store, &all, "conversation.name==x*");
    let more: Vec<Conversation> = (2000..2100u32)
        .map(|i| conv(i, &format!("Bulk {i} Brainstorm")))
        .collect();
    store.extend(more.iter().cloned()).unwrap();
    all.extend(more);
    check(&store, &all, brain);
    check(&store, &all, r#"conversation.name=="Bulk 20*0 *""#);
    assert_eq!(store.check_consistency(), Ok(()));
}

/// 40 distinct names holding "Brainstorm" (and 40 others), two rows each.
fn many_names_store() -> (Store, Vec<Conversation>) {
    stored(
        (0..160u32)
            .map(|i| {
                let name = if i % 2 == 0 {
                    format!("Team {} Brainstorm", i / 4)
                } else {
                    format!("Team {} Review", i / 4)
                };
                conv(i, &name)
            })
            .collect(),
    )
}

#[test]
fn a_pattern_spanning_many_names_is_kept_until_a_row_changes() {
    let (mut store, mut all) = many_names_store();
    let brain = "conversation.name==*Brainstorm*";
    // The first query merges the 40 names' rows and keeps them.
    let first = store.explain(&spec(brain));
    assert!(
        first.starts_with("access: trigrams conversation.name")
            && first.contains("40 matching) (80 rows), now kept in the pattern cache"),
        "{first}"
    );
    let kept = "access: kept rows of conversation.name (pattern cache, 80 rows)";
    assert!(check(&store, &all, brain).starts_with(kept));
    // Its memory is a footprint component: 80 slots of 4 bytes, the
    // pattern's 3 segments ("", "Brainstorm", "") and 96 bytes of overhead.
    assert_eq!(store.footprint().pattern_cache, 96 + 80 * 4 + 10 + 3 * 16);
    // The kept rows serve the pattern as one conjunct among others, in any
    // order and page.
    for (filter, sort) in [
        (
            format!("{brain};conversation.type==meeting"),
            "+conversation.startTime",
        ),
        (brain.to_string(), "-conversation.name,+conversation.id"),
    ] {
        let spec = QuerySpec {
            sort: store::sort::Sort::parse(sort, store::sort::Direction::Asc).unwrap(),
            offset: 3,
            limit: 7,
            ..spec(&filter)
        };
        let page = store.query(&spec).unwrap();
        let got: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
        let want = naive::query(&all, spec.filter.as_deref(), None, &spec.sort, 3, 7);
        assert_eq!((got, page.total), want, "{filter} {sort}");
        assert!(store.explain(&spec).contains("pattern cache, 80 rows"));
    }
    // Metadata and member updates move no row and change no name: kept.
    store
        .update_metadata("c0000", &[("k".to_string(), Some("v".to_string()))])
        .unwrap();
    assert!(check(&store, &all, brain).starts_with(kept));
    assert_eq!(store.check_consistency(), Ok(()));
    // An insert, an upsert, a delete, a bulk load: each empties the cache,
    // and the next query keeps the new answer.
    type Write = Box<dyn Fn(&mut Store, &mut Vec<Conversation>)>;
    let writes: Vec<Write> = vec![
        Box::new(|s, all| {
            s.insert(conv(500, "Late Brainstorm")).unwrap();
            all.push(conv(500, "Late Brainstorm"));
        }),
        Box::new(|s, all| {
            s.upsert(conv(0, "No longer a storm")).unwrap();
            all[0] = conv(0, "No longer a storm");
        }),
        Box::new(|s, all| {
            s.delete("c0002").unwrap();
            all.retain(|c| c.id != "c0002");
        }),
        Box::new(|s, all| {
            let more: Vec<Conversation> = (600..620u32)
                .map(|i| conv(i, &format!("Bulk {i} Brainstorm")))
                .collect();
            s.extend(more.iter().cloned()).unwrap();
            all.extend(more);
        }),
    ];
    for write in &writes {
        write(&mut store, &mut all);
        let explain = store.explain(&spec(brain));
        assert!(
            explain.contains("now kept in the pattern cache"),
            "{explain}"
        );
        assert!(check(&store, &all, brain).starts_with("access: kept rows"));
        assert_eq!(store.check_consistency(), Ok(()));
    }
    // Off: answered from the trigrams every time, with the same rows.
    store.set_pattern_cache_bytes(0);
    assert_eq!(store.footprint().pattern_cache, 0);
    for _ in 0..2 {
        let explain = check(&store, &all, brain);
        assert!(
            explain.starts_with("access: trigrams") && !explain.contains("pattern cache"),
            "{explain}"
        );
    }
}

#[test]
fn a_pattern_spanning_few_names_is_not_kept() {
    // 15 names: under the 16 that make merging worth keeping.
    let (store, all) = stored(
        (0..60u32)
            .map(|i| match i % 2 {
                0 => conv(i, &format!("Team {} Brainstorm", i % 15)),
                _ => conv(i, "Review"),
            })
            .collect(),
    );
    for _ in 0..2 {
        let explain = check(&store, &all, "conversation.name==*Brainstorm*");
        assert!(
            explain.contains("15 matching") && !explain.contains("pattern cache"),
            "{explain}"
        );
    }
}

// ---- the differential proptest ---------------------------------------------

/// Pieces names and patterns are made of: ASCII, two- and three-byte
/// characters, a space and a literal star.
const PIECES: [&str; 9] = ["a", "b", "ab", "é", "日本", "A", " ", "*", "aé"];

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(0..PIECES.len(), 0..max)
        .prop_map(|v| v.into_iter().map(|i| PIECES[i]).collect())
}

#[derive(Clone, Debug)]
enum Op {
    Insert(String),
    Rename(prop::sample::Index, String),
    Delete(prop::sample::Index),
    Bulk(Vec<String>),
    /// Segments; a segment of `Some(k)` is taken from a stored name.
    Query(Vec<Segment>),
}

#[derive(Clone, Debug)]
enum Segment {
    Free(String),
    /// Part of the name of a stored conversation: `(row, from, len)` in characters.
    Of(prop::sample::Index, usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let segment = prop_oneof![
        text(4).prop_map(Segment::Free),
        (any::<prop::sample::Index>(), 0..6usize, 0..6usize)
            .prop_map(|(i, a, n)| Segment::Of(i, a, n)),
    ];
    prop_oneof![
        3 => text(8).prop_map(Op::Insert),
        2 => (any::<prop::sample::Index>(), text(8)).prop_map(|(i, n)| Op::Rename(i, n)),
        2 => any::<prop::sample::Index>().prop_map(Op::Delete),
        1 => prop::collection::vec(text(8), 0..12).prop_map(Op::Bulk),
        6 => prop::collection::vec(segment, 2..5).prop_map(Op::Query),
    ]
}

fn resolve(segments: &[Segment], all: &[Conversation]) -> Vec<String> {
    segments
        .iter()
        .map(|s| match s {
            Segment::Free(t) => t.clone(),
            Segment::Of(_, _, _) if all.is_empty() => String::new(),
            Segment::Of(i, from, len) => all[i.index(all.len())]
                .name
                .chars()
                .skip(*from)
                .take(*len)
                .collect(),
        })
        .collect()
}

proptest! {
    #[test]
    fn trigram_answers_equal_the_scan_under_writes(
        start in prop::collection::vec(text(8), 0..30),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let mut next = 0u32;
        let mut fresh = |name: &str| {
            next += 1;
            conv(next, name)
        };
        let mut all: Vec<Conversation> = start.iter().map(|n| fresh(n)).collect();
        let mut store = Store::new();
        store.extend(all.iter().cloned()).unwrap();
        for op in ops {
            match op {
                Op::Insert(name) => {
                    let c = fresh(&name);
                    store.insert(c.clone()).unwrap();
                    all.push(c);
                }
                Op::Rename(_, _) | Op::Delete(_) if all.is_empty() => {}
                Op::Rename(i, name) => {
                    let at = i.index(all.len());
                    all[at].name = name;
                    store.upsert(all[at].clone()).unwrap();
                }
                Op::Delete(i) => {
                    let c = all.remove(i.index(all.len()));
                    store.delete(&c.id).unwrap();
                }
                Op::Bulk(names) => {
                    let more: Vec<Conversation> = names.iter().map(|n| fresh(n)).collect();
                    store.extend(more.iter().cloned()).unwrap();
                    all.extend(more);
                }
                Op::Query(segments) => {
                    let segments = resolve(&segments, &all);
                    let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
                    let filter = format!("conversation.name=={}", pattern(&refs));
                    let spec = spec(&filter);
                    let page = store.query(&spec).unwrap();
                    let got: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
                    let want = naive::query(&all, spec.filter.as_deref(), None, &spec.sort, 0, spec.limit);
                    prop_assert_eq!((got, page.total), want.clone(), "{}", filter);
                    // Again: a pattern over many names now comes from the
                    // pattern cache, with the same answer.
                    let again = store.query(&spec).unwrap();
                    let got: Vec<String> = again.items.iter().map(|c| c.id.clone()).collect();
                    prop_assert_eq!((got, again.total), want, "{} (again)", filter);
                }
            }
        }
        prop_assert_eq!(store.check_consistency(), Ok(()));
    }
}
