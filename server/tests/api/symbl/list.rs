//! `GET /v1/conversations`: auth, paging through `Link`, the time window,
//! sort and order, and the validation catalogue.

use server::{AppState, Data};

use super::*;
use crate::common::*;

// ---- list: auth ----

#[tokio::test]
async fn list_needs_a_token_and_accepts_x_api_key() {
    let s = state();
    let r = get("/v1/conversations").send(&s).await;
    assert_eq!(r.status, 401);
    insta::assert_json_snapshot!("401_symbl_missing", r.json());
    let r = get("/v1/conversations")
        .header("x-api-key", "wrong")
        .send(&s)
        .await;
    assert_eq!(r.status, 401);
    insta::assert_json_snapshot!("401_symbl_invalid", r.json());
    let r = get(&format!("/v1/conversations?{ALL}"))
        .header("x-api-key", TOKEN)
        .send(&s)
        .await;
    assert_eq!(r.status, 200);
}

// ---- list: results, total, paging ----

#[tokio::test]
async fn list_matches_the_store_with_total_count() {
    let s = state();
    let q =
        format!("{ALL}&limit=7&offset=3&sort=-conversation.name&filter=conversation.type==meeting");
    let r = list(&s, &q).await;
    assert_eq!(r.status, 200);
    let (want, total) = store_answer(
        &s,
        store::Params {
            limit: Some("7"),
            offset: Some("3"),
            start_time: Some("2020-01-01T00:00:00Z"),
            sort: Some("-conversation.name"),
            filter: Some("conversation.type==meeting"),
            ..Default::default()
        },
    );
    assert_eq!(ids(&r.json()), want);
    assert_eq!(r.header("x-total-count"), Some(total.to_string().as_str()));
    assert!(total > 7);
}

#[tokio::test]
async fn list_conversation_shape() {
    let s = state();
    let r = list(&s, &format!("{ALL}&limit=1")).await;
    let c = &r.json()["conversations"][0];
    for key in ["id", "type", "name", "startTime", "members", "metadata"] {
        assert!(!c[key].is_null(), "{key}");
    }
    let t = c["startTime"].as_str().unwrap();
    assert_eq!(t.len(), 24, "3 fractional digits and Z: {t}");
    assert!(t.ends_with('Z'));
}

#[tokio::test]
async fn following_link_next_pages_through_everything() {
    let s = state();
    let filter =
        "metadata.agentId=in=(agent-0007,agent-0042,'agent-0311');conversation.name!=\"x y\"";
    let first = format!(
        "/v1/conversations?limit=3&sort=-conversation.startTime&filter={}",
        server::query::encode(filter)
    );
    let (want, total) = store_answer(
        &s,
        store::Params {
            limit: Some("65536"),
            sort: Some("-conversation.startTime"),
            filter: Some(filter),
            ..Default::default()
        },
    );
    assert!(total > 6, "the fixture should need several pages ({total})");
    let mut got = Vec::new();
    let mut next = Some(first);
    let mut pages = 0;
    while let Some(url) = next {
        let r = get(&url).auth().send(&s).await;
        assert_eq!(r.status, 200, "{url}");
        assert_eq!(r.header("x-total-count"), Some(total.to_string().as_str()));
        let link = r.header("link").unwrap().to_owned();
        assert!(link.contains("rel=\"first\""));
        if pages > 0 {
            assert!(link.contains("rel=\"prev\""), "{link}");
        }
        got.extend(ids(&r.json()));
        next = link.split(", ").find_map(|p| {
            p.strip_suffix("; rel=\"next\"")
                .map(|u| u.trim_start_matches('<').trim_end_matches('>').to_owned())
        });
        pages += 1;
    }
    assert_eq!(got, want);
    assert_eq!(pages, total.div_ceil(3));
}

#[tokio::test]
async fn link_reencodes_the_filter() {
    let s = state();
    let filter = "conversation.name==\"a;b,c=d+e f\"";
    let r = list(
        &s,
        &format!("limit=1&filter={}", server::query::encode(filter)),
    )
    .await;
    assert_eq!(r.status, 200);
    let link = r.header("link").unwrap();
    let url = link
        .split(", ")
        .find(|p| p.ends_with("rel=\"first\""))
        .unwrap();
    let query = url
        .trim_start_matches("</v1/conversations?")
        .split('>')
        .next()
        .unwrap();
    let params = server::query::Params::parse(query);
    assert_eq!(params.get("filter"), Some(filter));
    assert_eq!(params.get("offset"), Some("0"));
}

/// The filter cache is keyed by the filter as sent: spellings that decode
/// to one filter answer alike (body, total, `Link`), a cached hit answers
/// like the first request, and `+` still decodes to a space.
#[tokio::test]
async fn filter_spellings_and_cache_hits_answer_alike() {
    let s = state();
    let spellings = [
        "conversation.type==meeting;conversation.name==*a*".to_string(),
        "conversation.type%3D%3Dmeeting%3Bconversation.name%3D%3D*a*".to_string(),
        server::query::encode("conversation.type==meeting;conversation.name==*a*"),
    ];
    let mut answers = Vec::new();
    for raw in spellings.iter().chain(spellings.iter()) {
        let r = list(&s, &format!("limit=3&offset=2&filter={raw}")).await;
        assert_eq!(r.status, 200, "{raw}: {}", r.text());
        answers.push((
            r.text(),
            r.header("x-total-count").map(str::to_owned),
            r.header("link").map(str::to_owned),
        ));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:#?}");
    assert!(answers[0].1.as_deref().is_some_and(|t| t != "0"));

    // `+` is a space in a query string: `name=='x+y'` is the name `x y`.
    let plus = list(&s, "filter=conversation.name%3D%3D%27*Sales+Brainstorm*%27").await;
    let spaced = list(
        &s,
        "filter=conversation.name%3D%3D%27*Sales%20Brainstorm*%27",
    )
    .await;
    assert_eq!(plus.status, 200, "{}", plus.text());
    assert!(spaced.header("x-total-count").is_some_and(|t| t != "0"));
    assert_eq!(plus.text(), spaced.text());
    assert_eq!(plus.header("link"), spaced.header("link"));
}

#[tokio::test]
async fn limit_zero_offset_past_end_and_defaults() {
    let s = state();
    let r = list(&s, ALL).await;
    assert_eq!(
        r.json()["conversations"].as_array().unwrap().len(),
        20,
        "default limit"
    );
    let r = list(&s, &format!("{ALL}&limit=0")).await;
    assert_eq!(r.json()["conversations"].as_array().unwrap().len(), 0);
    assert_eq!(r.header("x-total-count"), Some(N.to_string().as_str()));
    let r = list(&s, &format!("{ALL}&offset=999999")).await;
    assert_eq!(r.status, 200);
    assert!(r.json()["conversations"].as_array().unwrap().is_empty());
    let r = list(&s, &format!("{ALL}&limit=65536")).await;
    assert_eq!(r.json()["conversations"].as_array().unwrap().len(), N);
    let r = list(&s, &format!("{ALL}&offset=2147483647")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn repeated_params_first_wins_sort_joins_unknown_ignored() {
    let s = state();
    let r = list(&s, &format!("{ALL}&limit=2&limit=5&bogus=1")).await;
    assert_eq!(r.json()["conversations"].as_array().unwrap().len(), 2);
    let joined = list(
        &s,
        &format!("{ALL}&limit=50&sort=conversation.type&sort=-conversation.name"),
    )
    .await;
    let one = list(
        &s,
        &format!("{ALL}&limit=50&sort=conversation.type,-conversation.name"),
    )
    .await;
    assert_eq!(ids(&joined.json()), ids(&one.json()));
}

// ---- list: order and sort ----

#[tokio::test]
async fn order_and_multi_field_sort() {
    let s = state();
    let asc = ids(&list(&s, &format!("{ALL}&limit=65536")).await.json());
    let desc = ids(&list(&s, &format!("{ALL}&limit=65536&order=desc"))
        .await
        .json());
    let mut rev = asc.clone();
    rev.reverse();
    assert_eq!(desc, rev);
    let r = list(
        &s,
        &format!("{ALL}&limit=65536&sort=conversation.type,-conversation.startTime"),
    )
    .await;
    let v = r.json();
    let rows: Vec<(String, String)> = v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_owned(),
                c["startTime"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for w in rows.windows(2) {
        assert!(
            w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1),
            "{w:?}"
        );
    }
    // `+` must arrive as %2B; a literal `+` decodes to a leading space, read as `+`.
    let plus = ids(&list(
        &s,
        &format!("{ALL}&limit=30&order=desc&sort=%2Bconversation.name"),
    )
    .await
    .json());
    let space = ids(&list(
        &s,
        &format!("{ALL}&limit=30&order=desc&sort=+conversation.name"),
    )
    .await
    .json());
    let asc_name = ids(&list(&s, &format!("{ALL}&limit=30&sort=conversation.name"))
        .await
        .json());
    assert_eq!(plus, asc_name);
    assert_eq!(space, asc_name);
}

// ---- list: the time window (§1.5) ----

#[tokio::test]
async fn time_window_table() {
    // A clock inside the generated year, so the default window holds data.
    let now = 1_623_000_000_000; // 2021-06-06T17:20:00Z
    let clock = server::Clock::manual(now);
    let s = AppState::with_clock(config(&[]), Data::demo(SEED, N), clock);
    let count = |r: &Resp| r.header("x-total-count").unwrap().parse::<usize>().unwrap();
    let week = 7 * 24 * 3600 * 1000;
    let in_window = |start: i64, end: i64| {
        s.memory()
            .unwrap()
            .symbl()
            .try_read()
            .unwrap()
            .iter()
            .filter(|c| c.start_time >= start && c.end_time.unwrap_or(c.start_time) <= end)
            .count()
    };
    // filter absent, neither bound: [now − 7 d, now].
    let r = list(&s, "").await;
    assert_eq!(count(&r), in_window(now - week, now));
    assert!(count(&r) > 0);
    // filter absent, startTime only: [startTime, now].
    let r = list(&s, "startTime=2021-05-01T00:00:00Z").await;
    assert_eq!(count(&r), in_window(1_619_827_200_000, now));
    // filter absent, endTime only: [endTime − 7 d, endTime].
    let r = list(&s, "endTime=2021-05-01T00:00:00Z").await;
    assert_eq!(
        count(&r),
        in_window(1_619_827_200_000 - week, 1_619_827_200_000)
    );
    // filter present, no bounds: no window at all.
    let r = list(&s, "filter=conversation.type=in=(meeting,call,chat)").await;
    assert_eq!(count(&r), N);
    // filter present with a bound: the filter AND the window.
    let r = list(
        &s,
        "filter=conversation.type=in=(meeting,call,chat)&startTime=2021-05-01T00:00:00Z",
    )
    .await;
    assert_eq!(count(&r), in_window(1_619_827_200_000, now));
}

#[tokio::test]
async fn timestamps_with_offsets_need_percent_encoded_plus() {
    let s = state();
    let a = list(
        &s,
        "startTime=2021-03-01T02:00:00%2B02:00&endTime=2021-03-08T00:00:00Z&limit=100",
    )
    .await;
    let b = list(
        &s,
        "startTime=2021-03-01T00:00:00Z&endTime=2021-03-08T00:00:00Z&limit=100",
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(ids(&a.json()), ids(&b.json()));
    let v = bad(&s, "startTime=2021-03-01T02:00:00+02:00").await;
    insta::assert_json_snapshot!("400_symbl_time_plus_not_encoded", v);
}

// ---- list: the validation catalogue, one row per case ----

/// One row of `api.md`'s validation catalogue: the snapshot (under
/// `400_symbl_`) and the query string.
struct Bad {
    snapshot: &'static str,
    query: String,
}

fn row(snapshot: &'static str, query: &str) -> Bad {
    Bad {
        snapshot,
        query: query.to_owned(),
    }
}

/// A row whose `filter` is sent percent-encoded.
fn filter_row(snapshot: &'static str, filter: &str) -> Bad {
    row(
        snapshot,
        &format!("filter={}", server::query::encode(filter)),
    )
}

#[tokio::test]
async fn validation_catalogue() {
    let s = state();
    let values: Vec<String> = (0..501).map(|i| format!("a{i}")).collect();
    let table = [
        row("limit_text", "limit=abc"),
        row("limit_negative", "limit=-1"),
        row("limit_too_big", "limit=65537"),
        row("limit_fraction", "limit=1.5"),
        row("offset_negative", "offset=-5"),
        row("offset_too_big", "offset=2147483648"),
        row("offset_text", "offset=x"),
        row("order_uppercase", "order=DESC"),
        row("order_other", "order=up"),
        row("time_date_only", "startTime=2021-08-09"),
        row("time_no_offset", "startTime=2021-08-09T18:30:00"),
        row("time_garbage", "endTime=yesterday"),
        row(
            "window_start_after_end",
            "startTime=2021-08-10T00:00:00Z&endTime=2021-08-09T00:00:00Z",
        ),
        row(
            "window_start_equals_end",
            "startTime=2021-08-10T00:00:00Z&endTime=2021-08-10T00:00:00Z",
        ),
        row("window_start_in_future", "startTime=2030-01-01T00:00:00Z"),
        row("window_end_in_future", "endTime=2030-01-01T00:00:00Z"),
        row("sort_unknown_field", "sort=conversation.bogus"),
        row(
            "sort_empty_item",
            "sort=conversation.name,,conversation.type",
        ),
        row(
            "sort_too_many",
            "sort=conversation.name,conversation.type,conversation.id,conversation.startTime,conversation.endTime,conversation.name",
        ),
        row("sort_metadata", "sort=metadata.agentId"),
        row("filter_syntax", "filter=conversation.type%3D%3Dmeeting%3B"),
        filter_row("filter_unclosed_group", "(conversation.type==meeting"),
        filter_row("filter_bad_operator", "conversation.type=gte=x"),
        row(
            "filter_unknown_selector",
            "filter=conversation.startTme=ge=2021-03-01",
        ),
        filter_row(
            "filter_not_a_timestamp",
            "conversation.startTime=ge=yesterday",
        ),
        filter_row("filter_list_for_scalar", "conversation.type==(a,b)"),
        row(
            "filter_too_long",
            &format!("filter=conversation.name=={}", "x".repeat(8 * 1024)),
        ),
        filter_row(
            "filter_too_deep",
            &format!("{}conversation.type==a{}", "(".repeat(33), ")".repeat(33)),
        ),
        filter_row(
            "filter_too_many_values",
            &format!("metadata.agentId=in=({})", values.join(",")),
        ),
    ];
    for Bad { snapshot, query } in table {
        let v = bad(&s, &query).await;
        insta::assert_json_snapshot!(format!("400_symbl_{snapshot}"), v);
    }
}

/// A `filter` of exactly `--filter-limit` bytes (8 KiB; decoded, as the
/// limit counts them) is read; one byte more is refused.
#[tokio::test]
async fn a_filter_at_the_limit_and_one_byte_past_it() {
    let s = state();
    // Two values of 4 084 bytes (a value may have 4 096).
    let value = "x".repeat(4084);
    let at = format!("conversation.name=in=({value},{value})");
    assert_eq!(at.len(), 8 * 1024);
    let r = list(&s, &format!("filter={at}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids(&r.json()), Vec::<String>::new());
    // Percent-encoded, the same filter takes more bytes on the wire and
    // is still within the limit.
    let encoded = at.replace('=', "%3D").replace('(', "%28");
    assert_eq!(list(&s, &format!("filter={encoded}")).await.status, 200);
    let past = format!("conversation.name=in=({value},{value}x)");
    let v = bad(&s, &format!("filter={past}")).await;
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("8193") && message.contains("8192"),
        "{message}"
    );
}

/// A list query stops at `--statement-timeout` and is answered 503 with
/// the limit; the same query within it is answered. (At the smallest
/// timeout, 1 ms, a negated wildcard of ten stars tested on every member
/// of 20 000 rows, the clock read every 1 024 rows: tens of milliseconds
/// of work even in a release build.)
#[tokio::test]
async fn a_query_past_the_statement_timeout_is_stopped_and_answered_503() {
    let slow = "filter=members.name!%3D*a*e*i*o*u*a*e*i*o*u*&startTime=2021-01-01T00:00:00Z";
    let (roomy, _) = state_with(&[], Data::demo(SEED, 20_000));
    let r = list(&roomy, slow).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("x-total-count").unwrap().parse::<usize>().unwrap() > 1_024);
    let (tight, _) = state_with(&["--statement-timeout", "1ms"], Data::demo(SEED, 20_000));
    let r = list(&tight, slow).await;
    assert_eq!(r.status, 503, "{}", r.text());
    let v = r.json();
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("statement timeout of 0.001 s") && message.contains("--statement-timeout"),
        "{message}"
    );
    // A query answered from an index alone visits no row and is answered.
    let r = list(
        &tight,
        "filter=conversation.type%3D%3Dcall&startTime=2021-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn the_filter_limit_flag_is_at_most_the_request_line() {
    use clap::Parser;
    let parse = |v: &str| {
        server::Config::try_parse_from(["rsql-server", "--filter-limit", v]).map(|c| c.filter_limit)
    };
    assert_eq!(parse("32768").unwrap(), 32 * 1024);
    for v in ["0", "32769"] {
        let err = parse(v).unwrap_err().to_string();
        assert!(err.contains("--filter-limit") && err.contains(v), "{err}");
    }
}

/// The structured fields of a filter error, beyond its snapshot.
#[tokio::test]
async fn filter_syntax_error_has_offset_column_and_snippet() {
    let s = state();
    let v = bad(&s, "filter=conversation.type%3D%3Dmeeting%3B").await;
    assert_eq!(v["code"], "invalid_filter");
    assert_eq!(v["kind"], "syntax");
    assert_eq!(v["param"], "filter");
    assert_eq!(v["offset"], 27);
    assert_eq!(v["column"], 28);
    assert!(v["snippet"].as_str().unwrap().contains('^'));
    assert!(v["message"].as_str().unwrap().contains("byte offset 27"));
}

#[tokio::test]
async fn catalogue_filter_or() {
    let s = state();
    for (name, f) in [
        (
            "comma",
            "conversation.type==meeting,conversation.type==call",
        ),
        (
            "word",
            "conversation.type==meeting or conversation.type==call",
        ),
    ] {
        let v = bad(&s, &format!("filter={}", server::query::encode(f))).await;
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("OR is not supported; use =in= for alternatives of one field"),
            "{v}"
        );
        insta::assert_json_snapshot!(format!("400_symbl_filter_or_{name}"), v);
    }
}

#[tokio::test]
async fn catalogue_filter_three_fields() {
    let s = state();
    let f = "conversation.startTime=ge=2021-03-01T00:00:00Z;conversation.endTime=le=2021-03-08T00:00:00Z;conversation.metadata.channel==zoom";
    let v = bad(&s, &format!("filter={}", server::query::encode(f))).await;
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("conversation.startTime") && msg.contains("conversation.metadata.channel"),
        "{msg}"
    );
    insta::assert_json_snapshot!("400_symbl_filter_three_fields", v);
    // Two spellings of one field count once; several comparisons on two fields are fine.
    let ok = "metadata.agentId==a;conversation.metadata.agentId!=b;conversation.type==meeting;conversation.type!=call";
    assert_eq!(
        list(&s, &format!("filter={}", server::query::encode(ok)))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn validation_order_first_error_wins() {
    let s = state();
    let all_bad = "limit=x&offset=x&order=x&startTime=x&endTime=x&sort=x&filter=(";
    let mut q = all_bad.to_owned();
    for param in [
        "limit",
        "offset",
        "order",
        "startTime",
        "endTime",
        "sort",
        "filter",
    ] {
        let v = bad(&s, &q).await;
        let msg = v["message"].as_str().unwrap();
        assert!(msg.starts_with(param), "{param} should win: {msg}");
        // Drop this parameter's error and look at the next one.
        q = q
            .split('&')
            .filter(|p| !p.starts_with(&format!("{param}=")))
            .collect::<Vec<_>>()
            .join("&");
    }
    // A too-long filter is reported after the other parameters, too.
    let long = format!("limit=x&filter={}", "a".repeat(9000));
    assert!(
        bad(&s, &long).await["message"]
            .as_str()
            .unwrap()
            .starts_with("limit")
    );
}

#[tokio::test]
async fn bench_corpus_27_accepted_14_rejected() {
    let s = state();
    let corpus = include_str!("../../../../benches/data/filters.txt");
    let (mut ok, mut rejected) = (0, 0);
    for line in corpus.lines().filter(|l| !l.is_empty()) {
        let r = list(
            &s,
            &format!("limit=1&filter={}", server::query::encode(line)),
        )
        .await;
        match r.status.as_u16() {
            200 => ok += 1,
            400 => rejected += 1,
            other => panic!("{other} for {line}: {}", r.text()),
        }
    }
    assert_eq!((ok, rejected), (27, 14));
}

// ---- list: empty values, the `%2B` hint, streamed pages ----

/// api.md §2.0: an empty value (`filter=`, `sort=`, …) is an absent
/// parameter, and `Link` does not echo it.
#[tokio::test]
async fn empty_values_are_absent_parameters() {
    let s = state();
    let plain = list(&s, &format!("{ALL}&limit=5")).await;
    let empty = list(
        &s,
        &format!("{ALL}&limit=5&filter=&sort=&order=&offset=&endTime="),
    )
    .await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    assert_eq!(empty.body, plain.body);
    assert_eq!(empty.header("x-total-count"), plain.header("x-total-count"));
    assert_eq!(empty.header("link"), plain.header("link"));
    let link = empty.header("link").unwrap();
    assert!(
        !link.contains("filter=") && !link.contains("sort="),
        "{link}"
    );
    // `filter=` alone is the default window, as without it.
    let a = list(&s, "filter=").await;
    let b = list(&s, "").await;
    assert_eq!((a.status, &a.body), (b.status, &b.body));
    let c = list(&s, "limit=").await;
    assert_eq!(c.json()["conversations"].as_array().unwrap().len(), 0);
}

/// Item 8: a `+` offset in a filter timestamp, decoded to a space, gets the
/// same `%2B` hint as the `startTime` parameter; other spaces do not.
#[tokio::test]
async fn plus_in_a_filter_timestamp_gets_the_percent_2b_hint() {
    let s = state();
    for filter in [
        "conversation.startTime=ge=2021-03-01T02:00:00+02:00",
        "conversation.startTime=ge='2021-03-01T02:00:00.500+02:00'",
        "conversation.type==call;conversation.endTime=lt=2021-03-01T02:00:00+05:30",
    ] {
        let v = bad(&s, &format!("filter={filter}")).await;
        let m = v["message"].as_str().unwrap();
        assert!(m.starts_with("filter: "), "{m}");
        assert!(
            m.ends_with("(a `+` in an offset must be sent as `%2B`)"),
            "{m}"
        );
        assert_eq!(v["code"], "invalid_filter", "the usual fields stay: {v}");
        let snippet = v["snippet"].as_str().unwrap();
        assert!(
            snippet.ends_with("help: a `+` in an offset must be sent as `%2B`"),
            "{snippet}"
        );
    }
    let v = bad(
        &s,
        "filter=conversation.startTime=ge=2021-03-01T02:00:00+02:00",
    )
    .await;
    insta::assert_json_snapshot!("400_symbl_filter_time_plus_not_encoded", v);
    // Sent as %2B it works.
    let r = list(
        &s,
        "filter=conversation.startTime=ge=2021-03-01T02:00:00%2B02:00",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // A space that is not an offset's `+` keeps the plain syntax error.
    for filter in [
        "conversation.name==a+b",
        "conversation.startTime=ge=2021-03-01+12:00:00Z",
    ] {
        let v = bad(&s, &format!("filter={filter}")).await;
        assert!(!v["message"].as_str().unwrap().contains("%2B"), "{v}");
        assert_eq!(v["code"], "invalid_filter", "{v}");
    }
}

/// A page over the one-buffer size is streamed in chunks; its bytes are the
/// bytes of the same page rendered at once, and its headers the same.
#[tokio::test]
async fn streamed_page_is_byte_identical_to_the_one_buffer_page() {
    let s = state();
    for (query, params) in [
        (
            format!("{ALL}&limit=65536"),
            store::Params {
                start_time: Some("2020-01-01T00:00:00Z"),
                limit: Some("65536"),
                ..Default::default()
            },
        ),
        (
            format!(
                "{ALL}&limit=1000&offset=333&sort=-conversation.name&filter=conversation.type=in=(call,chat)"
            ),
            store::Params {
                start_time: Some("2020-01-01T00:00:00Z"),
                limit: Some("1000"),
                offset: Some("333"),
                sort: Some("-conversation.name"),
                filter: Some("conversation.type=in=(call,chat)"),
                ..Default::default()
            },
        ),
    ] {
        let r = list(&s, &query).await;
        assert_eq!(r.status, 200);
        let spec = store::QuerySpec::from_params(&params, NOW_MS).unwrap();
        let store = s.memory().unwrap().symbl().try_read().unwrap();
        let page = store.query_ref(&spec).unwrap();
        assert!(page.items.len() > 256, "streamed: {}", page.items.len());
        assert_eq!(
            r.body,
            store::render::list_bytes_ref(&page.items),
            "{query}"
        );
        assert_eq!(
            r.header("x-total-count"),
            Some(page.total.to_string().as_str())
        );
    }
    // At the one-buffer size (over TCP the two differ in framing: see
    // `concurrency.rs`).
    let r = list(&s, &format!("{ALL}&limit=256")).await;
    assert_eq!(r.json()["conversations"].as_array().unwrap().len(), 256);
}

/// `conversation.id` is exact: a wildcard star is refused, naming the
/// field; an escaped star is a literal one.
#[tokio::test]
async fn conversation_id_takes_no_wildcard() {
    let s = state();
    let v = bad(&s, "filter=conversation.id%3D%3D10*").await;
    assert_eq!(v["code"], "invalid_filter");
    let message = v["message"].as_str().unwrap();
    assert!(message.contains("conversation.id"), "{message}");
    let r = list(&s, "filter=conversation.id%3D%3D10%5C*").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids(&r.json()), Vec::<String>::new());
    // Other string fields keep their wildcards.
    let r = list(
        &s,
        "filter=conversation.type%3D%3Dc*&startTime=2021-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!ids(&r.json()).is_empty());
}
