//! The five bench queries of `benches/README.md` on the 1 000-line
//! fixture (`tests/data/conversations-1k.jsonl`, the sample file of the
//! project's data brief): results checked against the naive
//! scan and pinned as snapshots, and `explain()` snapshots of their plans.

use std::sync::OnceLock;

use store::load::{LoadOptions, load_jsonl_file};
use store::{Conversation, Params, QuerySpec, Store};

use crate::naive;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/conversations-1k.jsonl"
);

/// "Now" for the API's window rules: fixed so the results never change.
fn now() -> i64 {
    store::time::parse_rfc3339_ms("2024-01-01T00:00:00Z").unwrap()
}

fn fixture() -> &'static (Store, Vec<Conversation>) {
    static DATA: OnceLock<(Store, Vec<Conversation>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut s = Store::new();
        let report = load_jsonl_file(&mut s, FIXTURE, &LoadOptions::fail_fast()).unwrap();
        assert_eq!(report.loaded, 1000);
        // The explain snapshots show the index paths: with the pattern
        // cache on they would depend on which test ran a pattern first.
        s.set_pattern_cache_bytes(0);
        let all = std::fs::read_to_string(FIXTURE)
            .unwrap()
            .lines()
            .map(|l| Conversation::from_json(l).unwrap())
            .collect();
        (s, all)
    })
}

/// The bench queries as API parameters.
const QUERIES: [(&str, Params<'static>); 5] = [
    (
        "q1",
        Params {
            filter: Some(
                "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.startTime=lt=2021-03-08T00:00:00.000Z;conversation.type==meeting",
            ),
            limit: None,
            offset: None,
            order: None,
            start_time: None,
            end_time: None,
            sort: None,
        },
    ),
    (
        "q2",
        Params {
            filter: Some("conversation.name==*Brainstorm*"),
            limit: None,
            offset: None,
            order: None,
            start_time: None,
            end_time: None,
            sort: None,
        },
    ),
    (
        "q3",
        Params {
            filter: Some("metadata.agentId=in=(agent-0007,agent-0042,agent-0311)"),
            limit: None,
            offset: None,
            order: None,
            start_time: None,
            end_time: None,
            sort: None,
        },
    ),
    (
        "q4",
        Params {
            filter: Some("members.email==charles.miller1@initech.net"),
            limit: None,
            offset: None,
            order: None,
            start_time: None,
            end_time: None,
            sort: None,
        },
    ),
    (
        "q5",
        Params {
            sort: Some("-conversation.name"),
            limit: Some("20"),
            offset: Some("100"),
            start_time: Some("2000-01-01T00:00:00Z"),
            filter: None,
            order: None,
            end_time: None,
        },
    ),
];

fn render(total: usize, items: &[Conversation]) -> String {
    let mut out = format!("total: {total}\n");
    for c in items {
        out.push_str(&format!(
            "{} {} | {} | {}\n",
            c.id,
            store::time::format_ms(c.start_time),
            c.kind,
            c.name
        ));
    }
    out
}

#[test]
fn bench_queries_match_the_naive_scan_and_their_snapshots() {
    let (store, all) = fixture();
    for (name, params) in QUERIES {
        let spec = QuerySpec::from_params(&params, now()).unwrap();
        let page = store.query(&spec).unwrap();
        let (want, total) = naive::query(
            all,
            spec.filter.as_deref(),
            spec.window,
            &spec.sort,
            spec.offset,
            spec.limit,
        );
        assert_eq!(page.total, total, "{name}");
        assert_eq!(
            page.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
            want,
            "{name}"
        );
        insta::assert_snapshot!(format!("golden_{name}"), render(page.total, &page.items));
    }
}

#[test]
fn bench_query_totals() {
    // Independent of the snapshots: counts straight from the fixture.
    let (store, all) = fixture();
    let count = |f: &dyn Fn(&Conversation) -> bool| all.iter().filter(|c| f(c)).count();
    let t = |s: &str| store::time::parse_rfc3339_ms(s).unwrap();
    let expected = [
        count(&|c| {
            c.start_time >= t("2021-03-01T00:00:00Z")
                && c.start_time < t("2021-03-08T00:00:00Z")
                && c.kind == "meeting"
        }),
        count(&|c| c.name.contains("Brainstorm")),
        count(&|c| {
            matches!(
                c.metadata.get("agentId"),
                Some("agent-0007" | "agent-0042" | "agent-0311")
            )
        }),
        count(&|c| {
            c.members
                .iter()
                .any(|m| m.email.as_deref() == Some("charles.miller1@initech.net"))
        }),
        1000,
    ];
    for ((name, params), want) in QUERIES.iter().zip(expected) {
        let spec = QuerySpec::from_params(params, now()).unwrap();
        assert_eq!(store.query(&spec).unwrap().total, want, "{name}");
    }
}

#[test]
fn explain_snapshots() {
    let (store, _) = fixture();
    for (name, params) in QUERIES {
        let spec = QuerySpec::from_params(&params, now()).unwrap();
        insta::assert_snapshot!(format!("explain_{name}"), store.explain(&spec));
    }
    let extra = [
        ("explain_default_window", Params::default()),
        (
            "explain_type_and_agent",
            Params {
                filter: Some("conversation.type==chat;metadata.agentId==agent-0132"),
                ..Params::default()
            },
        ),
        (
            "explain_region_range",
            Params {
                filter: Some("metadata.region=gt=eu"),
                ..Params::default()
            },
        ),
        (
            "explain_negation",
            Params {
                filter: Some("metadata.channel!=zoom"),
                limit: Some("5"),
                ..Params::default()
            },
        ),
        (
            "explain_window_and_end",
            Params {
                filter: Some("conversation.endTime=lt=2021-06-01T00:00:00Z"),
                start_time: Some("2021-05-01T00:00:00Z"),
                end_time: Some("2021-05-31T00:00:00Z"),
                ..Params::default()
            },
        ),
        (
            "explain_id_walk",
            Params {
                sort: Some("conversation.id"),
                start_time: Some("2000-01-01T00:00:00Z"),
                ..Params::default()
            },
        ),
        (
            "explain_contradiction",
            Params {
                filter: Some(
                    "conversation.startTime=gt=2021-05-01;conversation.startTime=lt=2021-04-01",
                ),
                ..Params::default()
            },
        ),
    ];
    for (name, params) in extra {
        let spec = QuerySpec::from_params(&params, now()).unwrap();
        insta::assert_snapshot!(name, store.explain(&spec));
    }
}

#[test]
fn offset_past_the_end_is_empty_with_the_total() {
    let (store, _) = fixture();
    let params = Params {
        start_time: Some("2000-01-01T00:00:00Z"),
        offset: Some("5000"),
        ..Params::default()
    };
    let page = store
        .query(&QuerySpec::from_params(&params, now()).unwrap())
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, 1000);
    let params = Params {
        filter: Some("conversation.type==chat"),
        offset: Some("2147483647"),
        limit: Some("65536"),
        ..Params::default()
    };
    let page = store
        .query(&QuerySpec::from_params(&params, now()).unwrap())
        .unwrap();
    assert!(page.items.is_empty());
    assert!(page.total > 0);
}

#[test]
fn default_window_is_only_applied_without_a_filter() {
    let (store, _) = fixture();
    // The fixture is all in 2021: a 7-day window ending 2024 finds nothing ...
    let none = store
        .query(&QuerySpec::from_params(&Params::default(), now()).unwrap())
        .unwrap();
    assert_eq!(none.total, 0);
    // ... while a filter alone reaches every year.
    let with_filter = Params {
        filter: Some("conversation.type=in=(meeting,call,chat)"),
        ..Params::default()
    };
    assert_eq!(
        store
            .query(&QuerySpec::from_params(&with_filter, now()).unwrap())
            .unwrap()
            .total,
        1000
    );
    // A filter plus explicit bounds applies both.
    let both = Params {
        filter: Some("conversation.type==meeting"),
        start_time: Some("2021-06-01T00:00:00Z"),
        end_time: Some("2021-07-01T00:00:00Z"),
        ..Params::default()
    };
    let page = store
        .query(&QuerySpec::from_params(&both, now()).unwrap())
        .unwrap();
    assert!(page.total > 0 && page.total < 100);
}

#[test]
fn params_are_validated_in_the_documented_order() {
    let err = |p: Params<'_>| QuerySpec::from_params(&p, now()).unwrap_err().to_string();
    // limit is reported before everything else that is wrong.
    assert_eq!(
        err(Params {
            limit: Some("x"),
            offset: Some("-1"),
            sort: Some("bogus"),
            ..Params::default()
        }),
        "limit: expected an integer from 0 to 65536, found `x`"
    );
    assert_eq!(
        err(Params {
            offset: Some("-1"),
            sort: Some("bogus"),
            ..Params::default()
        }),
        "offset: expected an integer from 0 to 2147483647, found `-1`"
    );
    assert_eq!(
        err(Params {
            order: Some("DESC"),
            ..Params::default()
        }),
        "order: expected `asc` or `desc`, found `DESC`"
    );
    assert_eq!(
        err(Params {
            start_time: Some("2021-01-01T00:00:00"),
            ..Params::default()
        }),
        "startTime: timestamp without an offset, expected `Z` or `±hh:mm` after the time, found `2021-01-01T00:00:00`"
    );
    assert_eq!(
        err(Params {
            start_time: Some("2021-02-01T00:00:00Z"),
            end_time: Some("2021-01-01T00:00:00Z"),
            ..Params::default()
        }),
        "startTime: `2021-02-01T00:00:00Z` must be before endTime `2021-01-01T00:00:00Z`"
    );
    assert_eq!(
        err(Params {
            end_time: Some("2030-01-01T00:00:00Z"),
            ..Params::default()
        }),
        "endTime: `2030-01-01T00:00:00Z` is later than the current time"
    );
    assert!(
        err(Params {
            sort: Some("conversation.name,,x"),
            filter: Some("a=="),
            ..Params::default()
        })
        .starts_with("sort: item 2 is empty")
    );
    let filter_err = QuerySpec::from_params(
        &Params {
            filter: Some("conversation.type==a,conversation.type==b"),
            ..Params::default()
        },
        now(),
    )
    .unwrap_err();
    assert_eq!(filter_err.param(), Some("filter"));
    assert!(filter_err.span().is_some());
    let unknown = QuerySpec::from_params(
        &Params {
            filter: Some("conversation.bogus==1"),
            ..Params::default()
        },
        now(),
    )
    .unwrap_err();
    assert!(
        unknown.to_string().contains("conversation.bogus"),
        "{unknown}"
    );
}

#[test]
fn time_range_with_symbol_tested_conjuncts_matches_the_naive_scan() {
    // A time range with `==` / `=in=` conjuncts on the type or a metadata
    // key: those are tested on each row by symbol, or found by binary search
    // in the postings when the range is a run of slots.
    let (store, all) = fixture();
    assert!(check_symbol_tests(store, all) >= 12);

    let t = |s: &str| store::time::parse_rfc3339_ms(s).unwrap();
    let in_range = |c: &&Conversation| {
        c.start_time >= t("2021-03-03T00:00:00Z") && c.start_time < t("2021-03-12T00:00:00Z")
    };
    let meeting = |id: &str, start: &str| {
        let mut c = all.iter().find(in_range).unwrap().clone();
        c.id = id.to_string();
        c.kind = "meeting".to_string();
        c.start_time = t(start);
        c.end_time = Some(c.start_time + 3_600_000);
        c
    };

    // An in-range conversation appended after the ordered prefix: the
    // range's slots are no longer one run.
    let (mut s1, mut a1) = (store.clone(), all.clone());
    let late = meeting("added-1", "2021-03-05T10:00:00Z");
    s1.insert(late.clone()).unwrap();
    a1.push(late);
    assert!(check_symbol_tests(&s1, &a1) >= 12);

    // A deleted slot inside the range (a gap in the run), then that slot
    // reused by an out-of-range conversation (the ordered prefix is cut).
    let victim = all.iter().find(in_range).unwrap().clone();
    let (mut s2, mut a2) = (store.clone(), all.clone());
    s2.delete(&victim.id).unwrap();
    a2.retain(|c| c.id != victim.id);
    assert!(check_symbol_tests(&s2, &a2) >= 12);
    let outside = meeting("added-2", "2021-06-01T10:00:00Z");
    s2.insert(outside.clone()).unwrap();
    a2.push(outside);
    assert!(check_symbol_tests(&s2, &a2) >= 12);
}

/// Runs filters with a time range and symbol-tested conjuncts against the
/// naive scan; returns how many of them were planned as a time range.
fn check_symbol_tests(store: &Store, all: &[Conversation]) -> usize {
    let week = "conversation.startTime=ge=2021-03-01T00:00:00.000Z;conversation.startTime=lt=2021-03-15T00:00:00.000Z";
    let cases = [
        format!("{week};conversation.type==meeting"),
        format!("{week};conversation.type=in=(meeting,call)"),
        format!("{week};conversation.type==nosuchtype"),
        format!("{week};conversation.type=in=(nosuchtype,call)"),
        format!("{week};metadata.channel==phone"),
        format!("{week};metadata.region=in=(eu-west,us-east);conversation.type==meeting"),
        format!("{week};metadata.nosuchkey==meeting"),
        format!("{week};metadata.channel==phone;conversation.name==*a*"),
        format!("{week};conversation.type!=meeting;metadata.channel=in=(phone,teams)"),
        format!("({week};conversation.type==meeting),metadata.channel==phone"),
    ];
    // More fields than the API's policy allows: compiled without it.
    let parser = rsql::Parser::new();
    let t = |s: &str| store::time::parse_rfc3339_ms(s).unwrap();
    let windows = [
        None,
        Some(store::Window {
            start: t("2021-03-02T00:00:00Z"),
            end: t("2021-03-10T00:00:00Z"),
        }),
    ];
    let mut time_ranges = 0;
    for filter in &cases {
        for window in windows {
            let spec = QuerySpec {
                filter: Some(store::filter::compile_with(&parser, filter).unwrap()),
                window,
                limit: 5,
                ..QuerySpec::default()
            };
            let page = store.query(&spec).unwrap();
            let (want, total) = naive::query(
                all,
                spec.filter.as_deref(),
                spec.window,
                &spec.sort,
                spec.offset,
                spec.limit,
            );
            let explain = store.explain(&spec);
            assert_eq!(page.total, total, "{filter}\n{explain}");
            assert_eq!(
                page.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
                want,
                "{filter}\n{explain}"
            );
            if explain.starts_with("access: time range") {
                time_ranges += 1;
            }
        }
    }
    time_ranges
}
