//! The conversations every backend holds, and their loaders.
//!
//! [`GENERATED`] conversations of `store::generate` (seed [`SEED`]), of which
//! every 4th gets a decimal `score` (`3.07`, `-12`, …), every 6th a
//! `durationSec` (its duration in seconds) and every 97th loses its `endTime`
//! (running), plus the hand-made [`edge_rows`]: running conversations,
//! metadata holding numeric strings (`0.75`, `-0`, `007.10`, 400 digits,
//! values beyond the double range) and non-numeric ones (`1e3`, `+5`, `.5`,
//! `NaN`, Arabic-Indic digits), `*`, `%`, `_`, `\`, quotes, `$`-prefixed
//! values, Unicode, a newline, empty names and metadata, conversations
//! without members, members without e-mail, instants on and around the
//! literals of the fixed cases (`2021-06-12T23:59:59.999Z`, the epoch, 1969,
//! 2100).
//!
//! Storage follows the SQL mappings of `store::schema()`:
//! `conversations c (id, name, type, start_ms, end_ms, metadata)` with epoch
//! milliseconds and metadata as a JSON object (text on SQLite, `jsonb` on
//! PostgreSQL), and `members m (conversation_id, id, name, email)`. MongoDB
//! documents have Symbl's shape with `{"$date": {"$numberLong": ms}}` times and
//! no `endTime` key while running.

use std::sync::OnceLock;

use serde_json::{Value, json};
use store::{Conversation, Member, Metadata};

/// The seed of the generated part.
pub(crate) const SEED: u64 = 14;
/// How many generated conversations.
pub(crate) const GENERATED: u64 = 1000;

/// `2021-06-10T09:30:00Z`: the `endTime` of the bug-1 cases.
pub(crate) const T_END: i64 = 1_623_317_400_000;
/// `2021-06-12T23:59:59.999Z`: the stored instant next to the bug-2 literal
/// `…59.9991Z`.
pub(crate) const T_LAST_MS: i64 = 1_623_542_399_999;

/// Every conversation, generated and hand-made (built once).
pub(crate) fn rows() -> &'static [Conversation] {
    static ROWS: OnceLock<Vec<Conversation>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows: Vec<Conversation> = store::generate::conversations(SEED, GENERATED)
            .enumerate()
            .map(|(i, c)| vary(i as u64, c))
            .collect();
        rows.extend(edge_rows());
        rows
    })
}

/// Numeric metadata and running conversations mixed into the generated rows.
fn vary(i: u64, mut c: Conversation) -> Conversation {
    if i.is_multiple_of(4) {
        let whole = (i * 37) % 23;
        let score = match i % 16 {
            0 => format!("-{whole}"),
            4 => whole.to_string(),
            8 => format!("{whole}.{:02}", i % 100),
            _ => format!("0.{:02}", (i * 7) % 100),
        };
        c.metadata.insert("score", score);
    }
    if i % 6 == 1
        && let Some(end) = c.end_time
    {
        c.metadata
            .insert("durationSec", ((end - c.start_time) / 1000).to_string());
    }
    if i % 97 == 5 {
        c.end_time = None;
    }
    c
}

fn member(id: &str, name: &str, email: Option<&str>) -> Member {
    Member {
        id: id.to_owned(),
        name: name.to_owned(),
        email: email.map(str::to_owned),
    }
}

fn meta(pairs: &[(&str, &str)]) -> Metadata {
    pairs.iter().map(|&(k, v)| (k, v)).collect()
}

struct Edge {
    name: &'static str,
    kind: &'static str,
    start: i64,
    end: Option<i64>,
    members: Vec<Member>,
    metadata: Metadata,
}

const HOUR: i64 = 3_600_000;

/// The hand-made rows, ids `edge-00`, `edge-01`, ….
pub(crate) fn edge_rows() -> Vec<Conversation> {
    let nines = "9".repeat(400);
    let big = format!("1{}", "0".repeat(400));
    let minus_nines = format!("-{nines}");
    let usual = || {
        vec![
            member("m-ana", "Ana Ruiz", Some("ana.ruiz@initech.net")),
            member("m-bob", "Bob Stone", Some("bob@acme.com")),
        ]
    };
    let edges = vec![
        Edge {
            name: "Running Sales Sync",
            kind: "meeting",
            start: T_END - HOUR,
            end: None,
            members: usual(),
            metadata: meta(&[("score", "0.75"), ("channel", "zoom")]),
        },
        Edge {
            name: "Sales Brainstorm",
            kind: "call",
            start: T_LAST_MS,
            end: Some(T_LAST_MS + 1),
            members: usual(),
            metadata: meta(&[("score", "-0"), ("durationSec", "0")]),
        },
        Edge {
            name: "Midnight Standup",
            kind: "chat",
            start: T_LAST_MS + 1,
            end: Some(T_LAST_MS + HOUR),
            members: usual(),
            metadata: meta(&[("score", "007.10"), ("durationSec", "10")]),
        },
        Edge {
            name: "Ends at half past nine",
            kind: "meeting",
            start: T_END - HOUR / 2,
            end: Some(T_END),
            members: usual(),
            metadata: meta(&[("score", "0.7500"), ("durationSec", "9")]),
        },
        Edge {
            name: "Ends at the last millisecond",
            kind: "call",
            start: T_LAST_MS - HOUR,
            end: Some(T_LAST_MS),
            members: usual(),
            metadata: meta(&[("score", &nines)]),
        },
        Edge {
            name: "50% off_sale",
            kind: "chat",
            start: T_END + HOUR,
            end: Some(T_END + 2 * HOUR),
            members: vec![member("m-pct", "Per Cent", Some("50%_off@x.io"))],
            metadata: meta(&[("score", &big), ("channel", "%")]),
        },
        Edge {
            name: "Star * Wars",
            kind: "meeting",
            start: T_END + 3 * HOUR,
            end: Some(T_END + 4 * HOUR),
            members: usual(),
            metadata: meta(&[("score", &minus_nines), ("channel", "*")]),
        },
        Edge {
            name: r"back\slash",
            kind: "call",
            start: T_END + 5 * HOUR,
            end: Some(T_END + 6 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "1e3"), ("channel", r"\")]),
        },
        Edge {
            name: r#"it's "quoted""#,
            kind: "chat",
            start: T_END + 7 * HOUR,
            end: Some(T_END + 8 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "+5"), ("channel", "'")]),
        },
        Edge {
            name: "Réunion 会議 🎉",
            kind: "meeting",
            start: T_END + 9 * HOUR,
            end: Some(T_END + 10 * HOUR),
            members: vec![member("m-uni", "Ünïcödé Ñame", Some("ünï@exämple.org"))],
            metadata: meta(&[("score", ".5"), ("channel", "会議")]),
        },
        Edge {
            name: "",
            kind: "call",
            start: T_END + 11 * HOUR,
            end: Some(T_END + 12 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "5."), ("channel", "")]),
        },
        Edge {
            name: "line one\nline two",
            kind: "chat",
            start: T_END + 13 * HOUR,
            end: Some(T_END + 14 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "abc"), ("channel", "line\nbreak")]),
        },
        Edge {
            name: r"_%*\",
            kind: "meeting",
            start: T_END + 15 * HOUR,
            end: Some(T_END + 16 * HOUR),
            members: usual(),
            metadata: meta(&[("score", ""), ("channel", "_")]),
        },
        Edge {
            name: "*",
            kind: "call",
            start: T_END + 17 * HOUR,
            end: None,
            members: usual(),
            metadata: meta(&[("score", " 1"), ("channel", "$zoom")]),
        },
        Edge {
            name: "%",
            kind: "chat",
            start: T_END + 19 * HOUR,
            end: Some(T_END + 20 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "١٢"), ("channel", "$metadata.durationSec")]),
        },
        Edge {
            name: "_",
            kind: "meeting",
            start: T_END + 21 * HOUR,
            end: Some(T_END + 22 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "0x10"), ("region", r#"{"$gt":1}"#)]),
        },
        Edge {
            name: r"\",
            kind: "call",
            start: T_END + 23 * HOUR,
            end: Some(T_END + 24 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "1.2.3")]),
        },
        Edge {
            name: "'",
            kind: "chat",
            start: T_END + 25 * HOUR,
            end: Some(T_END + 26 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "-")]),
        },
        Edge {
            name: "\"",
            kind: "meeting",
            start: T_END + 27 * HOUR,
            end: Some(T_END + 28 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "NaN")]),
        },
        Edge {
            name: "No members",
            kind: "call",
            start: T_END + 29 * HOUR,
            end: Some(T_END + 30 * HOUR),
            members: vec![],
            metadata: meta(&[("score", "Infinity")]),
        },
        Edge {
            name: "No metadata",
            kind: "chat",
            start: T_END + 31 * HOUR,
            end: Some(T_END + 32 * HOUR),
            members: vec![],
            metadata: Metadata::new(),
        },
        Edge {
            name: "Members without e-mail",
            kind: "meeting",
            start: T_END + 33 * HOUR,
            end: Some(T_END + 34 * HOUR),
            members: vec![
                member("m-nomail", "No Mail", None),
                member("m-mail", "Has Mail", Some("has@mail.io")),
            ],
            metadata: meta(&[("score", "10"), ("durationSec", "9.5")]),
        },
        Edge {
            name: "Only a member without e-mail",
            kind: "call",
            start: T_END + 35 * HOUR,
            end: None,
            members: vec![member("m-nomail-2", "Nobody", None)],
            metadata: meta(&[("score", "9.5"), ("durationSec", "-0.0")]),
        },
        Edge {
            name: "UPPER case",
            kind: "chat",
            start: T_END + 37 * HOUR,
            end: Some(T_END + 38 * HOUR),
            members: vec![
                member("M-UP", "ANA RUIZ", Some("ANA.RUIZ@INITECH.NET")),
                member("m-dup", "Ana Ruiz", Some("ana.ruiz@initech.net")),
            ],
            metadata: meta(&[("score", "-3"), ("durationSec", "-3.5")]),
        },
        Edge {
            name: "The epoch",
            kind: "meeting",
            start: 0,
            end: Some(999),
            members: usual(),
            metadata: meta(&[("score", "0"), ("durationSec", "00")]),
        },
        Edge {
            name: "Before the epoch",
            kind: "call",
            start: -1,
            end: Some(1000),
            members: usual(),
            metadata: meta(&[("score", "-0.0"), ("durationSec", "1")]),
        },
        Edge {
            name: "Far future",
            kind: "chat",
            start: 4_102_444_800_000, // 2100-01-01
            end: Some(4_102_444_800_000 + HOUR),
            members: usual(),
            metadata: meta(&[("score", "0.75000000000000000000000000001")]),
        },
        Edge {
            name: "Odd keys",
            kind: "Meeting",
            start: T_END + 39 * HOUR,
            end: Some(T_END + 40 * HOUR),
            members: usual(),
            metadata: meta(&[
                ("agent-id", "x"),
                ("x_y", "y"),
                ("A", "upper"),
                ("score", "12"),
            ]),
        },
        Edge {
            name: "SALES brainstorm",
            kind: "ÉVÉNEMENT",
            start: T_END + 41 * HOUR,
            end: Some(T_END + 42 * HOUR),
            members: usual(),
            metadata: meta(&[("score", "0.749999999999999999999999999999")]),
        },
        Edge {
            name: "sales brainstorm",
            kind: "",
            start: T_END + 43 * HOUR,
            end: Some(T_END + 44 * HOUR),
            members: vec![member("m-star", "Star*Name", Some("*@x.io"))],
            metadata: meta(&[("score", "5"), ("channel", "zoom")]),
        },
    ];
    edges
        .into_iter()
        .enumerate()
        .map(|(i, e)| Conversation {
            id: format!("edge-{i:02}"),
            kind: e.kind.to_owned(),
            name: e.name.to_owned(),
            start_time: e.start,
            end_time: e.end,
            members: e.members,
            metadata: e.metadata,
        })
        .collect()
}

/// The metadata of `c` as a JSON object.
pub(crate) fn metadata_json(c: &Conversation) -> String {
    serde_json::to_string(&c.metadata).expect("metadata serialises")
}

/// The SQL tables (standard SQL types both engines take; PostgreSQL turns
/// `metadata` into `jsonb` afterwards).
pub(crate) const CREATE_TABLES: &str = "
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL,
        start_ms BIGINT NOT NULL, end_ms BIGINT, metadata TEXT NOT NULL);
    CREATE TABLE members (
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        id TEXT NOT NULL, name TEXT NOT NULL, email TEXT);
    CREATE INDEX members_conversation ON members (conversation_id);";

/// `c` as a MongoDB document (canonical extended JSON for the times).
pub(crate) fn mongo_document(c: &Conversation) -> Value {
    let date = |ms: i64| json!({ "$date": { "$numberLong": ms.to_string() } });
    let members: Vec<Value> = c
        .members
        .iter()
        .map(|m| match &m.email {
            Some(e) => json!({ "id": m.id, "name": m.name, "email": e }),
            None => json!({ "id": m.id, "name": m.name }),
        })
        .collect();
    let mut doc = json!({
        "id": c.id,
        "type": c.kind,
        "name": c.name,
        "startTime": date(c.start_time),
        "members": members,
        "metadata": serde_json::to_value(&c.metadata).expect("metadata serialises"),
    });
    if let Some(end) = c.end_time {
        doc["endTime"] = date(end);
    }
    doc
}

#[test]
fn the_data_has_every_edge() {
    let rows = rows();
    assert_eq!(rows.len(), GENERATED as usize + edge_rows().len());
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "ids are unique");
    let running = rows.iter().filter(|c| c.end_time.is_none()).count();
    assert!(running >= 10, "{running} running conversations");
    let scores = rows
        .iter()
        .filter(|c| c.metadata.get("score").is_some())
        .count();
    assert!(scores >= 250, "{scores} scores");
    assert!(rows.iter().any(|c| c.members.is_empty()));
    assert!(
        rows.iter()
            .any(|c| c.members.iter().any(|m| m.email.is_none()))
    );
    assert!(
        rows.iter()
            .any(|c| c.metadata.get("score").is_some_and(|s| s.len() == 400))
    );
    let doc = mongo_document(&rows[GENERATED as usize]);
    assert!(doc.get("endTime").is_none(), "running: no endTime key");
    assert_eq!(doc["metadata"]["score"], "0.75");
}
