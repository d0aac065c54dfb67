//! An in-memory, time-indexed store of Symbl conversations that answers
//! `GET /v1/conversations` — RSQL filter, time window, multi-field sort,
//! `limit` and `offset` — from indexes, plus the data of the demo's three
//! other route families.
//!
//! # Example
//!
//! ```
//! use store::{Params, QuerySpec, Store};
//!
//! // Load JSONL (the format of `docs/data-formats.md`); bad lines are reported, not loaded.
//! let mut store = Store::new();
//! let mut jsonl = Vec::new();
//! store::generate::write_jsonl(42, 2_000, &mut jsonl)?; // deterministic demo data
//! let report = store::load::load_jsonl(&mut store, jsonl.as_slice(), &Default::default())?;
//! assert_eq!(report.loaded, 2_000);
//!
//! // A request's parameters, validated in the API's order; `now` decides the default window.
//! let now = store::time::parse_rfc3339_ms("2022-01-01T00:00:00Z")?;
//! let params = Params {
//!     filter: Some("conversation.type==meeting;metadata.agentId=in=(agent-0007,agent-0042)"),
//!     sort: Some("-conversation.startTime"),
//!     limit: Some("5"),
//!     ..Params::default()
//! };
//! let spec = QuerySpec::from_params(&params, now)?;
//! let page = store.query(&spec)?; // owned page; `query_ref` borrows instead
//! assert!(page.items.len() <= 5 && page.total >= page.items.len());
//! assert!(page.items.windows(2).all(|w| w[0].start_time >= w[1].start_time));
//!
//! // How it was answered.
//! assert!(store.explain(&spec).starts_with("access: postings conversation.metadata.agentId"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Model
//!
//! A [`Conversation`] is Symbl's `{id, type, name, startTime, endTime?,
//! members[{id, name, email?}], metadata{string: string}}` with times as epoch
//! milliseconds. Inside the store a row is 64 bytes plus two allocations
//! (its id, and its members and metadata): strings are interned (4-byte
//! symbols: types, names, metadata keys and values, and each distinct
//! member as one `(id, name, email)` person), the id is shared between the
//! row and the id indexes. A million generated conversations loaded from
//! their JSONL file take 347 MB of heap, indexes included, and the server
//! holding them 544 MB resident ([`Store::footprint`] by component;
//! `store/README.md`, "Memory"). Messages
//! ([`Message`]) are kept per conversation id. Interned strings and people
//! are reference-counted and freed when their last user goes (a deleted
//! conversation, a replaced or removed metadata value, a renamed member);
//! their numbers are reused, so the tables hold what the rows use now.
//! [`Store::stats`] reports what is held ([`Stats`]).
//!
//! # Query semantics (`api.md` §1.4, §1.5, §2.2)
//!
//! [`QuerySpec`] = `{ filter, window, sort, limit, offset }` → [`Page`] =
//! `{ items, total }`:
//!
//! 1. **Window**: `startTime ≥ window.start AND endTime ≤ window.end`; a
//!    running conversation (no `endTime`) is in when `startTime ≤ window.end`.
//!    [`Window::resolve`] / [`QuerySpec::from_params`] apply the API rule: the
//!    default `[now − 7 d, now]` only without a filter; explicit bounds always.
//! 2. **Filter**: an [`rsql::Filter`] compiled against [`schema()`]
//!    ([`compile_filter`] applies the Symbl policy: no OR, ≤ 2 fields).
//!    `metadata.x` = `conversation.metadata.x`; `members.*` match when any
//!    member does (`!=`/`=out=`: when none does).
//! 3. **Sort**: [`sort::Sort`], up to 5 fields with `-`/`+`, then
//!    `conversation.id` ascending; a missing `endTime` sorts last ascending,
//!    first descending; strings by bytes.
//! 4. **Paging**: skip `offset`, take `limit`; an offset past the end gives
//!    an empty page. `total` counts every match, whatever the paging.
//!
//! # Indexes and planner
//!
//! | index | structure | serves |
//! |---|---|---|
//! | `startTime` | chunked sorted `(start, slot)` list with prefix counts | windows, `time_bounds`, counts in O(log n), sorted walks |
//! | `endTime` | same, plus the set of running conversations | sorted walks |
//! | id | hash of the id → slot; B-tree in id order | `get`, `==`/`=in=`, sorted walks |
//! | `type` | B-tree value → sorted slots | `==`/`=in=`, dictionary scans (wildcards, ranges), sorted walks |
//! | `name` | hash symbol → sorted slots; B-tree name → symbol | `==`/`=in=`, dictionary scans (ranges, negations, short wildcards), sorted walks |
//! | `name` trigrams | hash byte trigram → sorted symbols of the distinct names that hold it | case-sensitive wildcards `*x*`, `x*`, `*x`, `x*y`, several stars: the names holding every trigram of the pattern, each checked against it |
//! | each metadata key | hash value → sorted slots | `==`/`=in=`, dictionary scans |
//! | member id, member e-mail | hash value → sorted slots | `==`/`=in=` (any member) |
//!
//! The planner ([`Store::explain`] prints its choice) estimates each access
//! path from the index sizes — the time range from two binary searches, the
//! postings from their lengths, a dictionary scan from the number of distinct
//! values, the trigrams from their shortest list — takes the cheapest, and evaluates the rest of the filter as a
//! residual on the candidates only. A conjunct answered exactly by the path is
//! dropped from the residual. A bulk load stores rows in (`startTime`, id)
//! order, so a time range is a run of adjacent rows, and a page in the default
//! order is a slice of the matches, with no sort at all. An exact `==` /
//! `=in=` on the type or a metadata key left beside a time range or a full
//! scan is tested by symbol (an integer compare, not a string through
//! [`rsql::Record`]); while every row is in that order, the time range's
//! matches of the first such conjunct are the part of its postings between
//! the range's first and last slot, found by binary search without reading a
//! row: a week of meetings costs O(log n + matches). The postings of
//! several values of one single-valued field (`metadata.agentId=in=(a,b,c)`)
//! are disjoint, so when nothing else is checked they are not merged: the
//! total is the sum of their lengths, and only the first `offset + limit`
//! slots are merged for the page. Otherwise the first
//! `offset + limit` matches are selected in O(n) (`select_nth_unstable`) and
//! only they are sorted. The planner reads the filter through borrowed
//! conjuncts ([`rsql::Conjunct`]) and copies nothing but the residual. Without a filter, a small page over a large window
//! walks the index of the first sort key and stops after `offset + limit`
//! rows; the total then comes from the time index in O(log n).
//!
//! | operation | cost |
//! |---|---|
//! | `get`, `contains` | O(1) |
//! | `insert`, `upsert`, `delete`, metadata/member update | O(log n) searches, plus shifting the tails of the postings lists touched (an append is O(1)) and of one 1 024-entry time-index chunk; a name new to the store (or its last row gone) also updates one trigram list per byte of the name, the same way |
//! | metadata merge ([`Store::update_metadata`]) | O(keys of the row + changes): one hash lookup per key, then the above per changed pair |
//! | bulk load ([`load::load_jsonl`], [`Store::extend`]) | O(n) parse + one O(n log n) rebuild |
//! | query | O(candidates of the chosen path + log n), plus O(k log k) for a page of k |
//!
//! # Loading
//!
//! [`load::load_jsonl`] streams JSONL (a second thread parses while the
//! caller's thread stores); each line is validated completely before it is
//! stored, and a bad line — malformed JSON, a missing or mistyped field, a
//! timestamp without offset, `endTime` before `startTime`, a duplicate id or
//! metadata key — is reported with its line number and field
//! ([`LoadError`], [`RecordError`]). [`load::LoadOptions`] chooses between
//! skip-and-report and fail-fast. [`generate`] makes data sets with the
//! distributions of `docs/data-formats.md`, conversation *i* a pure function
//! of `(seed, i)`.
//!
//! # Writes and concurrency
//!
//! [`Store`] is plain data (`Send + Sync`, no interior mutability): every
//! write method takes `&mut self`, validates first, then updates the row and
//! every index it touches before returning, so no reader can observe a
//! half-applied write. Sharing is the caller's choice; the server wraps it in
//! `Arc<RwLock<Store>>`: reads run in parallel, a write holds the lock for
//! microseconds (one row, its postings, a 1 024-entry chunk of the time
//! index). Copy-on-write snapshots were rejected: copying a 400 MB store per
//! write is far slower, and persistent maps would slow every read. Bulk loads
//! should run before the store is shared (they hold `&mut Store` throughout).
//!
//! Every write goes through the same few functions (`writes.rs`), which is
//! where a write-ahead journal would hook in.
//!
//! # Limits
//!
//! Rows, interned strings and people are numbered with `u32`s. [`Limits`]
//! bounds how many of each are held at once (at most `u32::MAX`, the
//! default; a freed one makes room), and a write that would pass one fails
//! with [`RecordErrorKind::Limit`] before changing anything;
//! [`Store::with_limits`] sets smaller ones.
//!
//! # Results: borrowed or owned
//!
//! [`Store::query_ref`] returns [`PageRef`]: [`ConversationRef`]s that read the
//! interned rows in place and serialise to exactly the JSON of a
//! [`Conversation`]. [`Store::query`] copies the page into owned
//! `Conversation`s (about 25 allocations each), which costs more than finding
//! the page for the selective queries.
//!
//! For services that answer in JSON, [`ConversationRef::write_json`] writes
//! the bytes serde would, straight from the interned row: its scalar fields
//! and metadata from the string table, its members from each distinct
//! person's member object (rendered once). Rows used to keep their own JSON
//! as well, 300 MB of a million conversations' 950 MB; since issue 17 they
//! do not ([`Store::footprint`] and `store/README.md`, "Memory", say where
//! the memory goes).
//!
//! # The other route families
//!
//! [`families`] holds them: [`families::mongo`] (documents per organization
//! and collection, creation order), [`families::whatsapp`] (conversations by
//! `last_message_at`, then id, both descending) and [`families::chatbot`]
//! (messages by `createdOn`, then id) each have their types, a file loader
//! and a deterministic generator.
//!
//! # Errors
//!
//! [`StoreError`] covers bad records, unknown ids, bad query parameters
//! ([`ParamError`]), bad sorts ([`sort::SortError`]) and bad filters (an
//! [`rsql::Error`] with its span into the filter, so `{:#}` renders the
//! filter with carets under the fault).
//!
//! # Layout
//!
//! Imports run one way: the model and parser at the bottom, then the tables
//! and rows, the borrowed view and its JSON, the [`Store`], and the write
//! path, the planner and the loader on top; the other route families stand
//! apart.
//!
//! | module | holds |
//! |---|---|
//! | `model`, `parse` | [`Conversation`], [`Member`], [`Metadata`], [`Message`]; JSON parsing with per-field errors |
//! | `intern`, `people`, `rows` | interned strings and people, reference-counted; [`Store`]'s stored form of a conversation |
//! | `ids`, `index`, `ngram` | the id map; the time index and postings lists; the trigram index of the names |
//! | [`json`] | the JSON writer: escaping, timestamps, owned conversations, member objects |
//! | `view`, `view/json` | [`ConversationRef`], [`PageRef`]: borrowed results; their JSON, written from the interned row |
//! | `store`, `stats`, `footprint`, `heapsize` | the [`Store`] struct and its reads by id; [`Stats`], what it holds; [`Footprint`], its heap bytes by component |
//! | `writes` | every write: validation, then five functions that change the store |
//! | `maintain` | a row's index entries added and removed; the rebuild after a bulk load; the consistency check |
//! | `limits` | [`Limits`] |
//! | [`schema`](mod@schema), [`filter`] | the conversation schema and `impl rsql::Record`; the API's filter parser (`api.md` A-8 limits) and [`compile_filter`] |
//! | `plan`, `exec` | access-path choice, `explain()`, execution |
//! | `query`, [`sort`] | [`QuerySpec`], [`Window`], [`Params`] validation, [`Page`]; the `sort` parameter |
//! | [`load`], [`generate`] | the streaming JSONL loader and the load options; the deterministic generator |
//! | [`families`] | the Mongo, WhatsApp and chatbot route families |
//! | `error`, `store_error`, [`time`], `rng` | record and file errors; [`StoreError`]; timestamps; the generator's random numbers |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod budget;
mod error;
mod escape;
mod exec;
pub mod families;
pub mod filter;
mod footprint;
pub mod generate;
mod handles;
mod heapsize;
mod ids;
mod index;
mod intern;
pub mod journal;
pub mod json;
mod limits;
pub mod load;
mod maintain;
mod model;
mod ngram;
mod parse;
mod pattern_cache;
mod people;
#[cfg(feature = "postgres")]
pub mod pg;
mod plan;
mod query;
pub mod render;
mod rng;
mod rows;
pub mod schema;
pub mod sort;
mod stats;
pub mod storage;
mod store;
mod store_error;
pub mod time;
mod view;
mod writes;

pub use error::{LoadError, LoadErrorKind, Position, RecordError, RecordErrorKind, json_type};
pub use filter::compile_filter;
pub use footprint::Footprint;
pub use handles::{PageHandles, RowHandle};
pub use limits::Limits;
pub use model::{
    Conversation, Member, Message, MessageFrom, MessageView, Metadata, Word, is_valid_email,
};
pub use query::{
    CLOCK_SKEW_MS, DEFAULT_LIMIT, DEFAULT_WINDOW_MS, MAX_LIMIT, MAX_OFFSET, Page, ParamError,
    ParamErrorKind, Params, QuerySpec, Window,
};
pub use schema::schema;
pub use stats::Stats;
pub use store::Store;
pub use store_error::StoreError;
pub use view::{ConversationRef, MemberRef, PageRef};

/// Compiles the README's example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
