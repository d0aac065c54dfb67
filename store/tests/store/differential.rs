//! proptest: for random data, random filters (through rsql), random windows,
//! sorts and paging, the planned query returns exactly what a naive full
//! scan and full sort return, whichever access path the planner picks; and
//! after random writes every index still agrees with the rows.

use proptest::prelude::*;
use store::sort::{Direction, Sort, SortField, SortKey};
use store::{Conversation, Member, Metadata, QuerySpec, Store, Window};

use crate::naive;

const T0: i64 = 1_614_556_800_000; // 2021-03-01T00:00:00Z
const MIN: i64 = 60_000;

fn ts(minutes: i64) -> String {
    store::time::format_ms(T0 + minutes * MIN)
}

const NAMES: [&str; 8] = [
    "Sales Brainstorm",
    "Brainstorm - Acme",
    "brainstorm",
    "Legal Roadmap",
    "Émile sync",
    "Sales",
    "",
    "a*b",
];
const TYPES: [&str; 4] = ["meeting", "call", "chat", "x y"];
const META_KEYS: [&str; 4] = ["agentId", "region", "score", "channel"];
const META_VALUES: [&str; 7] = ["a1", "a2", "eu", "us", "0.5", "10", "9"];

fn people() -> Vec<Member> {
    let p = |id: &str, name: &str, email: Option<&str>| Member {
        id: id.into(),
        name: name.into(),
        email: email.map(Into::into),
    };
    vec![
        p("m1", "Ana Ruiz", Some("ana@initech.net")),
        p("m2", "Bo Li", Some("bo@acme.com")),
        p("m3", "Cy Young", None),
        p("m4", "Di Ng", Some("di@initech.net")),
        p("m1", "Ana R.", Some("ana@initech.net")),
        p("m5", "Ed", Some("ed@x.io")),
    ]
}

prop_compose! {
    fn conversation(id: String)(
        kind in 0..TYPES.len(),
        name in 0..NAMES.len(),
        start in 0i64..400,
        dur in prop::option::weighted(0.8, 0i64..120),
        members in prop::collection::vec(0..6usize, 0..4),
        meta in prop::collection::vec((0..META_KEYS.len(), 0..META_VALUES.len()), 0..4),
    ) -> Conversation {
        let pool = people();
        let metadata: Metadata = meta.into_iter().map(|(k, v)| (META_KEYS[k], META_VALUES[v])).collect();
        Conversation {
            id: id.clone(),
            kind: TYPES[kind].into(),
            name: NAMES[name].into(),
            start_time: T0 + start * MIN,
            end_time: dur.map(|d| T0 + (start + d) * MIN),
            members: members.into_iter().map(|i| pool[i].clone()).collect(),
            metadata,
        }
    }
}

fn data() -> impl Strategy<Value = Vec<Conversation>> {
    prop::collection::btree_set(0u32..500, 0..60).prop_flat_map(|ids| {
        ids.into_iter()
            .map(|i| conversation(format!("c{i:03}")))
            .collect::<Vec<_>>()
    })
}

/// A literal for an RSQL value: double-quoted, `\` escaping `"`, `\` and `*`.
fn lit(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Selectors with the values that make sense for them (plus wildcard patterns).
fn selector_values() -> Vec<(&'static str, Vec<String>, Vec<&'static str>)> {
    let people = people();
    let uniq = |v: Vec<String>| {
        let mut v = v;
        v.sort();
        v.dedup();
        v
    };
    vec![
        (
            "conversation.id",
            (0..500)
                .step_by(7)
                .map(|i| lit(&format!("c{i:03}")))
                .collect(),
            vec![r"c0\*"],
        ),
        (
            "conversation.name",
            NAMES.iter().map(|n| lit(n)).collect(),
            vec!["*Brainstorm*", "Sales*", "*e", "*a*b*"],
        ),
        (
            "conversation.type",
            TYPES.iter().map(|n| lit(n)).collect(),
            vec!["*a*"],
        ),
        (
            "metadata.agentId",
            META_VALUES.iter().map(|n| lit(n)).collect(),
            vec!["a*"],
        ),
        (
            "conversation.metadata.region",
            META_VALUES.iter().map(|n| lit(n)).collect(),
            vec!["*u*"],
        ),
        (
            "metadata.score",
            META_VALUES.iter().map(|n| lit(n)).collect(),
            vec!["1*"],
        ),
        (
            "metadata.channel",
            META_VALUES.iter().map(|n| lit(n)).collect(),
            vec!["*"],
        ),
        (
            "members.id",
            uniq(people.iter().map(|p| lit(&p.id)).collect()),
            vec!["m*", "*1", "*", "*m*3*"],
        ),
        (
            "members.name",
            uniq(people.iter().map(|p| lit(&p.name)).collect()),
            vec!["Ana*", "*i*", "*", "*R*", "Cy Young"],
        ),
        (
            "conversation.members.email",
            uniq(
                people
                    .iter()
                    .filter_map(|p| p.email.as_deref())
                    .map(lit)
                    .collect(),
            ),
            vec!["*@initech.net", "*.io", "*", "*a*e*", "ana*"],
        ),
    ]
}

/// One comparison on selector `f` of [`selector_values`].
fn comparison_on(f: usize) -> impl Strategy<Value = String> {
    let table = selector_values();
    (
        0u8..6,
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        any::<bool>(),
    )
        .prop_map(move |(op, pick, picks, wild)| {
            let (sel, values, patterns) = &table[f];
            let one = if wild {
                patterns[pick.index(patterns.len())].to_string()
            } else {
                values[pick.index(values.len())].clone()
            };
            let list = picks
                .iter()
                .map(|p| values[p.index(values.len())].clone())
                .collect::<Vec<_>>()
                .join(",");
            match op {
                0 => format!("{sel}=={one}"),
                1 => format!("{sel}!={one}"),
                2 => format!("{sel}=in=({list})"),
                3 => format!("{sel}=out=({list})"),
                4 => format!("{sel}=lt={}", values[pick.index(values.len())]),
                _ => format!("{sel}=ge={}", values[pick.index(values.len())]),
            }
        })
}

fn string_comparison() -> impl Strategy<Value = String> {
    (0..selector_values().len()).prop_flat_map(comparison_on)
}

/// `(a;b),c` with a, b and c on one field: the planner may use the field's
/// postings for candidates, but must keep such a conjunct as a residual.
fn same_field_compound() -> impl Strategy<Value = String> {
    (0..selector_values().len())
        .prop_flat_map(|f| (comparison_on(f), comparison_on(f), comparison_on(f)))
        .prop_map(|(a, b, c)| format!("({a};{b}),{c}"))
}

/// `(s==a;s==b),s==c` on a multi-valued field: different members may satisfy
/// `a` and `b`, so the planner must not intersect their value sets.
fn multi_compound() -> impl Strategy<Value = String> {
    let sel = prop_oneof![Just("members.id"), Just("members.email")];
    let v = prop_oneof![
        Just("m1"),
        Just("m2"),
        Just("m4"),
        Just("ana@initech.net"),
        Just("bo@acme.com"),
        Just("di@initech.net")
    ];
    (sel, v.clone(), v.clone(), v).prop_map(|(s, a, b, c)| format!("({s}=={a};{s}=={b}),{s}=={c}"))
}

fn comparison() -> impl Strategy<Value = String> {
    let time_sel = prop_oneof![Just("conversation.startTime"), Just("conversation.endTime")];
    let ord_op = prop_oneof![Just("=lt="), Just("=le="), Just("=gt="), Just("=ge=")];
    let eq_op = prop_oneof![Just("=="), Just("!=")];
    let list_op = prop_oneof![Just("=in="), Just("=out=")];
    prop_oneof![
        4 => string_comparison(),
        // The same string field three times in one conjunct.
        1 => same_field_compound(),
        1 => multi_compound(),
        2 => (time_sel.clone(), ord_op, -20i64..540).prop_map(|(s, o, m)| format!("{s}{o}{}", ts(m))),
        1 => (time_sel.clone(), eq_op, 0i64..400).prop_map(|(s, o, m)| format!("{s}{o}{}", ts(m))),
        1 => (time_sel, list_op, prop::collection::vec(0i64..400, 1..3))
            .prop_map(|(s, o, ms)| format!("{s}{o}({})", ms.iter().map(|m| ts(*m)).collect::<Vec<_>>().join(","))),
    ]
}

fn filter_text() -> impl Strategy<Value = String> {
    let leaf = comparison();
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(";")),
            prop::collection::vec(inner.clone(), 2..3).prop_map(|v| format!("({})", v.join(","))),
            inner,
        ]
    })
}

fn sort() -> impl Strategy<Value = Sort> {
    let field = prop_oneof![
        Just(SortField::Id),
        Just(SortField::Name),
        Just(SortField::Type),
        Just(SortField::StartTime),
        Just(SortField::EndTime),
    ];
    let dir = prop_oneof![Just(Direction::Asc), Just(Direction::Desc)];
    let keys = prop::collection::vec((field, dir), 1..4).prop_map(|keys| {
        Sort::from_keys(
            keys.into_iter()
                .map(|(field, direction)| SortKey { field, direction })
                .collect(),
        )
    });
    // The default order (startTime, id ascending) is the slots' own order,
    // which the store answers without sorting: drawn a third of the time.
    prop_oneof![2 => keys, 1 => Just(Sort::default())]
}

fn window() -> impl Strategy<Value = Option<Window>> {
    prop_oneof![
        Just(None),
        Just(Some(Window {
            start: 0,
            end: i64::MAX / 2
        })),
        (-30i64..450, 0i64..500).prop_map(|(s, len)| Some(Window {
            start: T0 + s * MIN,
            end: T0 + (s + len) * MIN
        })),
    ]
}

fn build(convs: &[Conversation], bulk: bool) -> Store {
    let mut s = Store::new();
    if bulk {
        s.extend(convs.iter().cloned()).unwrap();
    } else {
        for c in convs {
            s.insert(c.clone()).unwrap();
        }
    }
    s
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=n runs more.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn planned_query_equals_naive_scan(
        convs in data(),
        filters in prop::collection::vec(prop::option::of(filter_text()), 1..4),
        sort in sort(),
        window in window(),
        offset in 0usize..40,
        limit in 0usize..40,
        bulk in any::<bool>(),
    ) {
        let store = build(&convs, bulk);
        prop_assert_eq!(store.check_consistency(), Ok(()));
        let parser = rsql::Parser::new();
        for text in filters {
            let filter = match &text {
                Some(t) => match store::filter::compile_with(&parser, t) {
                    Ok(f) => Some(f),
                    Err(_) => continue,
                },
                None => None,
            };
            let spec = QuerySpec { filter: filter.clone(), window, sort: sort.clone(), limit, offset };
            let page = store.query(&spec).unwrap();
            let borrowed = store.query_ref(&spec).unwrap();
            prop_assert_eq!(serde_json::to_value(&borrowed.items).unwrap(), serde_json::to_value(&page.items).unwrap());
            let got: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
            let (want, total) = naive::query(&convs, filter.as_deref(), window, &sort, offset, limit);
            prop_assert_eq!(page.total, total, "filter {:?}\n{}", text, store.explain(&spec));
            prop_assert_eq!(got, want, "filter {:?}\n{}", text, store.explain(&spec));
            for c in &page.items {
                let original = convs.iter().find(|o| o.id == c.id).unwrap();
                prop_assert_eq!(c, original);
            }
        }
    }

    #[test]
    fn writes_keep_every_index_consistent(
        convs in data(),
        ops in prop::collection::vec((0u8..5, 0usize..64, prop::collection::vec((0..META_KEYS.len(), prop::option::of(0..META_VALUES.len())), 1..5), 0..6usize), 1..30),
        extra in data(),
        filter in filter_text(),
        sort in sort(),
    ) {
        let mut store = build(&convs, true);
        let mut model: Vec<Conversation> = convs.clone();
        let pool = people();
        for (op, pick, changes, person) in ops {
            if model.is_empty() && op != 3 {
                continue;
            }
            let i = pick % model.len().max(1);
            match op {
                0 => {
                    let id = model[i].id.clone();
                    let deleted = store.delete(&id).unwrap();
                    prop_assert_eq!(&deleted, &model[i]);
                    model.remove(i);
                }
                1 => {
                    // Several changes at once, a key possibly named twice:
                    // the merge applies them in order.
                    let change: Vec<(String, Option<String>)> = changes
                        .iter()
                        .map(|&(k, v)| (META_KEYS[k].to_string(), v.map(|v| META_VALUES[v].to_string())))
                        .collect();
                    let after = store.update_metadata(&model[i].id, &change).unwrap();
                    for (k, v) in change {
                        match v {
                            Some(v) => model[i].metadata.insert(k, v),
                            None => { model[i].metadata.remove(&k); }
                        }
                    }
                    prop_assert_eq!(&after, &model[i].metadata);
                }
                2 => {
                    let Some(pos) = model[i].members.iter().position(|m| m.id == pool[person].id) else {
                        prop_assert!(store.update_member(&model[i].id, pool[person].clone()).is_err());
                        continue;
                    };
                    store.update_member(&model[i].id, pool[person].clone()).unwrap();
                    model[i].members[pos] = pool[person].clone();
                }
                3 => {
                    if let Some(c) = extra.get(pick % extra.len().max(1)) {
                        let mut c = c.clone();
                        c.id = format!("x{pick}");
                        let replaced = store.upsert(c.clone()).unwrap();
                        match model.iter().position(|m| m.id == c.id) {
                            Some(at) => {
                                prop_assert_eq!(replaced.as_ref(), Some(&model[at]));
                                model[at] = c;
                            }
                            None => {
                                prop_assert!(replaced.is_none());
                                model.push(c);
                            }
                        }
                    }
                }
                _ => {
                    let dup = model[i].clone();
                    prop_assert!(store.insert(dup).is_err(), "duplicate id accepted");
                }
            }
            prop_assert_eq!(store.check_consistency(), Ok(()));
        }
        prop_assert_eq!(store.len(), model.len());
        // The store holds exactly the strings and people of its rows: what a
        // store built from the model's rows alone holds.
        let (got, want) = (store.stats(), build(&model, true).stats());
        prop_assert_eq!(
            (got.conversations, got.strings, got.string_bytes, got.people),
            (want.conversations, want.strings, want.string_bytes, want.people)
        );
        // Each row's kept JSON is still serde's after the writes.
        for c in &model {
            let mut out = Vec::new();
            store.get_ref(&c.id).unwrap().write_json(&mut out);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(c).unwrap());
        }
        if let Ok(f) = store::filter::compile_with(&rsql::Parser::new(), &filter) {
            let spec = QuerySpec { filter: Some(f.clone()), window: None, sort: sort.clone(), limit: 100, offset: 0 };
            let page = store.query(&spec).unwrap();
            let (want, total) = naive::query(&model, Some(&f), None, &sort, 0, 100);
            prop_assert_eq!(page.total, total);
            prop_assert_eq!(page.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), want);
        }
    }
}
