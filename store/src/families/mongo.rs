//! Family M (`GET /get-all-conversations`, `api.md` §2.3): JSON documents per
//! organization ("database") and collection, kept in creation order.
//!
//! Documents are stored as [`serde_json::Value`]s already in their output
//! form: every ObjectId (`{"$oid": …}` in Extended JSON, or the `_id` string)
//! becomes its 24-hex string and every BSON date (`{"$date": …}`) an RFC 3339
//! string, so a route can send them as they are. Each collection is a `Vec`
//! sorted by (`created_at`, `_id`); a document without `created_at` sorts by
//! the timestamp inside its ObjectId.
//!
//! ```
//! use store::families::mongo::MongoStore;
//! let mut m = MongoStore::new();
//! m.insert("acme", "conversations", serde_json::json!({
//!     "participants": ["user1", "user7"],
//!     "messages": [{"sender": "user7", "content": "Is the invoice ready?", "timestamp": "2024-04-02T08:15:00Z"}],
//!     "created_at": "2024-04-02T08:15:00Z", "last_updated": "2024-04-02T08:15:00Z"
//! }))?;
//! let docs = m.find("acme", "conversations", Some("user1"));
//! assert_eq!(docs.len(), 1);
//! assert_eq!(docs[0].json()["_id"].as_str().map(str::len), Some(24));
//! assert!(m.find("acme", "conversations", Some("user2")).is_empty());
//! assert!(m.find("nobody", "conversations", None).is_empty());
//! # Ok::<(), store::RecordError>(())
//! ```
//!
//! Files (`--mongo-data DIR`): `DIR/<database>/<collection>.json` holds a JSON
//! array of documents, or `.jsonl` one document per line. Directory and file
//! names must pass [`validate_database_name`] / [`validate_collection_name`].

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};

use super::jsonfile;
use crate::error::{LoadError, RecordError, RecordErrorKind};
use crate::load::{LoadOptions, LoadReport};
use crate::rng::Rng;
use crate::time::{format_ms, parse_rfc3339_ms};

/// A 12-byte MongoDB ObjectId: 4 bytes of seconds since the epoch, then 8
/// bytes that make it unique.
///
/// ```
/// let id: store::families::mongo::ObjectId = "65f1c2a9e4b0a1b2c3d4e5f6".parse()?;
/// assert_eq!(id.to_string(), "65f1c2a9e4b0a1b2c3d4e5f6");
/// assert_eq!(id.timestamp_secs(), 0x65f1c2a9);
/// # Ok::<(), store::RecordError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; 12]);

impl ObjectId {
    /// Builds an id from a creation time (seconds) and 8 distinguishing bytes.
    ///
    /// ```
    /// let id = store::families::mongo::ObjectId::from_parts(1, 2);
    /// assert_eq!(id.to_string(), "000000010000000000000002");
    /// ```
    pub fn from_parts(secs: u32, unique: u64) -> ObjectId {
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&secs.to_be_bytes());
        b[4..].copy_from_slice(&unique.to_be_bytes());
        ObjectId(b)
    }

    /// The creation time encoded in the first four bytes (seconds since the epoch).
    ///
    /// ```
    /// assert_eq!(store::families::mongo::ObjectId::from_parts(77, 0).timestamp_secs(), 77);
    /// ```
    pub fn timestamp_secs(&self) -> u32 {
        u32::from_be_bytes([self.0[0], self.0[1], self.0[2], self.0[3]])
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ObjectId {
    type Err = RecordError;

    /// Parses 24 hexadecimal digits (either case).
    fn from_str(s: &str) -> Result<ObjectId, RecordError> {
        let bad = || RecordError::invalid("_id", "an ObjectId of 24 hexadecimal digits", s);
        // Hex digits only (`from_str_radix` alone takes a leading `+`).
        if s.len() != 24 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut b = [0u8; 12];
        for (i, byte) in b.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(ObjectId(b))
    }
}

/// One stored document.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    id: ObjectId,
    created_ms: i64,
    participants: Vec<String>,
    json: Value,
}

impl Document {
    /// The `_id`.
    ///
    /// ```
    /// let mut m = store::families::mongo::MongoStore::new();
    /// let id = m.insert("acme", "c", serde_json::json!({"_id": "65f1c2a9e4b0a1b2c3d4e5f6"}))?;
    /// assert_eq!(m.find("acme", "c", None)[0].id(), id);
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn id(&self) -> ObjectId {
        self.id
    }

    /// The creation time used for ordering (epoch ms): `created_at`, or the ObjectId's timestamp.
    ///
    /// ```
    /// let mut m = store::families::mongo::MongoStore::new();
    /// m.insert("acme", "c", serde_json::json!({"created_at": "1970-01-01T00:00:01Z"}))?;
    /// assert_eq!(m.find("acme", "c", None)[0].created_ms(), 1000);
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn created_ms(&self) -> i64 {
        self.created_ms
    }

    /// The `participants` strings.
    ///
    /// ```
    /// let mut m = store::families::mongo::MongoStore::new();
    /// m.insert("acme", "c", serde_json::json!({"participants": ["user1"]}))?;
    /// assert_eq!(m.find("acme", "c", None)[0].participants(), ["user1"]);
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn participants(&self) -> &[String] {
        &self.participants
    }

    /// The document in output form (ObjectIds and dates as strings).
    ///
    /// ```
    /// let mut m = store::families::mongo::MongoStore::new();
    /// m.insert("acme", "c", serde_json::json!({"when": {"$date": "2024-04-02T08:15:00Z"}}))?;
    /// assert_eq!(m.find("acme", "c", None)[0].json()["when"], "2024-04-02T08:15:00.000Z");
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn json(&self) -> &Value {
        &self.json
    }
}

/// Documents of one collection, in (`created_at`, `_id`) order.
#[derive(Clone, Debug, Default)]
pub struct Collection {
    docs: Vec<Document>,
    ids: HashSet<ObjectId>,
}

impl Collection {
    /// Every document, oldest first.
    ///
    /// ```
    /// let m = store::families::mongo::MongoStore::generate(1, 5);
    /// let docs = m.collection("acme", "conversations").map(|c| c.documents()).unwrap_or_default();
    /// assert!(docs.windows(2).all(|w| w[0].created_ms() <= w[1].created_ms()));
    /// ```
    pub fn documents(&self) -> &[Document] {
        &self.docs
    }

    /// Number of documents.
    ///
    /// ```
    /// assert_eq!(store::families::mongo::MongoStore::generate(1, 5).collection("acme", "conversations").map(|c| c.len()), Some(5));
    /// ```
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether the collection holds no document.
    ///
    /// ```
    /// assert!(store::families::mongo::Collection::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// Every organization's collections.
#[derive(Clone, Debug, Default)]
pub struct MongoStore {
    dbs: BTreeMap<String, BTreeMap<String, Collection>>,
}

/// Why a database or collection name is not acceptable to MongoDB.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is too long.
    TooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// The name holds a character MongoDB forbids there.
    ForbiddenChar {
        /// The character.
        ch: char,
    },
    /// A collection name that does not start with a letter or `_`, or starts with `system.`.
    BadStart,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("expected a non-empty name"),
            NameError::TooLong { max } => write!(f, "expected at most {max} bytes"),
            NameError::ForbiddenChar { ch } => {
                write!(f, "character `{}` is not allowed", ch.escape_debug())
            }
            NameError::BadStart => {
                f.write_str("expected a name starting with a letter or `_`, not with `system.`")
            }
        }
    }
}

impl std::error::Error for NameError {}

/// Checks a database (organization) name: non-empty, under 64 bytes, none of
/// `/ \ . space " $ * < > : | ?` and no NUL.
///
/// ```
/// use store::families::mongo::{validate_database_name, NameError};
/// assert!(validate_database_name("acme").is_ok());
/// assert_eq!(validate_database_name("a.b"), Err(NameError::ForbiddenChar { ch: '.' }));
/// assert_eq!(validate_database_name(""), Err(NameError::Empty));
/// ```
pub fn validate_database_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() >= 64 {
        return Err(NameError::TooLong { max: 63 });
    }
    match name.chars().find(|c| "/\\. \"$*<>:|?\0".contains(*c)) {
        Some(ch) => Err(NameError::ForbiddenChar { ch }),
        None => Ok(()),
    }
}

/// Checks a collection name: non-empty, at most 120 bytes, starts with a
/// letter or `_`, no `$`, no NUL, not `system.`-prefixed.
///
/// ```
/// use store::families::mongo::{validate_collection_name, NameError};
/// assert!(validate_collection_name("conversations").is_ok());
/// assert_eq!(validate_collection_name("system.users"), Err(NameError::BadStart));
/// assert_eq!(validate_collection_name("a$b"), Err(NameError::ForbiddenChar { ch: '$' }));
/// ```
pub fn validate_collection_name(name: &str) -> Result<(), NameError> {
    let Some(first) = name.chars().next() else {
        return Err(NameError::Empty);
    };
    if name.len() > 120 {
        return Err(NameError::TooLong { max: 120 });
    }
    if let Some(ch) = name.chars().find(|c| *c == '$' || *c == '\0') {
        return Err(NameError::ForbiddenChar { ch });
    }
    if !(first.is_alphabetic() || first == '_') || name.starts_with("system.") {
        return Err(NameError::BadStart);
    }
    Ok(())
}

impl MongoStore {
    /// An empty store.
    ///
    /// ```
    /// assert_eq!(store::families::mongo::MongoStore::new().databases().count(), 0);
    /// ```
    pub fn new() -> MongoStore {
        MongoStore::default()
    }

    /// Adds a document to `database`/`collection` (created on first use).
    /// A missing `_id` gets a fresh ObjectId from `created_at`. Errors (nothing
    /// stored): not an object, bad `_id`, `_id` already present, `created_at`
    /// not RFC 3339, `participants` not an array of strings, bad names.
    ///
    /// ```
    /// let mut m = store::families::mongo::MongoStore::new();
    /// let err = m.insert("acme", "c", serde_json::json!({"participants": "user1"})).unwrap_err();
    /// assert_eq!(err.to_string(), "field `participants`: expected an array of strings, found a string");
    /// ```
    pub fn insert(
        &mut self,
        database: &str,
        collection: &str,
        doc: Value,
    ) -> Result<ObjectId, RecordError> {
        validate_database_name(database)
            .map_err(|e| RecordError::invalid("database", e.to_string(), database))?;
        validate_collection_name(collection)
            .map_err(|e| RecordError::invalid("collection", e.to_string(), collection))?;
        let Value::Object(map) = doc else {
            return Err(RecordError::whole(RecordErrorKind::WrongType {
                expected: "an object",
                found: crate::error::json_type(&doc),
            }));
        };
        let mut map = normalize_map(map, "")?;
        let created = match map.get("created_at") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_rfc3339_ms(s).map_err(|reason| {
                RecordError::at(
                    "created_at",
                    RecordErrorKind::Timestamp {
                        value: s.clone(),
                        reason,
                    },
                )
            })?),
            Some(other) => {
                return Err(RecordError::wrong_type(
                    "created_at",
                    "a timestamp string",
                    other,
                ));
            }
        };
        let participants = match map.get("participants") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    RecordError::at(
                        "participants",
                        RecordErrorKind::WrongType {
                            expected: "an array of strings",
                            found: "an array with a non-string item",
                        },
                    )
                })?,
            Some(other) => {
                return Err(RecordError::wrong_type(
                    "participants",
                    "an array of strings",
                    other,
                ));
            }
        };
        let coll = self
            .dbs
            .entry(database.to_string())
            .or_default()
            .entry(collection.to_string())
            .or_default();
        let id = match map.get("_id") {
            None | Some(Value::Null) => {
                // An ObjectId holds seconds since 1970 in a u32: a `created_at`
                // outside 1970–2106 gets timestamp 0. The document keeps its own
                // `created_at` for ordering; the generated id need only be unique.
                let secs = u32::try_from(created.unwrap_or(0).div_euclid(1000)).unwrap_or(0);
                let mut unique = (coll.docs.len() as u64) << 16 | 0xACE;
                let mut id = ObjectId::from_parts(secs, unique);
                while coll.ids.contains(&id) {
                    unique += 1 << 16;
                    id = ObjectId::from_parts(secs, unique);
                }
                id
            }
            Some(Value::String(s)) => s.parse()?,
            Some(other) => return Err(RecordError::wrong_type("_id", "an ObjectId string", other)),
        };
        if coll.ids.contains(&id) {
            return Err(RecordError::at(
                "_id",
                RecordErrorKind::DuplicateId { id: id.to_string() },
            ));
        }
        map.insert("_id".to_string(), Value::String(id.to_string()));
        let created_ms = created.unwrap_or(i64::from(id.timestamp_secs()) * 1000);
        let doc = Document {
            id,
            created_ms,
            participants,
            json: Value::Object(map),
        };
        let at = coll
            .docs
            .partition_point(|d| (d.created_ms, d.id) < (created_ms, id));
        coll.docs.insert(at, doc);
        coll.ids.insert(id);
        Ok(id)
    }

    /// Documents of `database`/`collection` in creation order, only those whose
    /// `participants` contain `user_id` when given; unknown names give `[]`.
    ///
    /// ```
    /// let m = store::families::mongo::MongoStore::generate(7, 10);
    /// assert!(!m.find("acme", "conversations", Some("user1")).is_empty());
    /// ```
    pub fn find(&self, database: &str, collection: &str, user_id: Option<&str>) -> Vec<&Document> {
        let Some(coll) = self.collection(database, collection) else {
            return Vec::new();
        };
        coll.docs
            .iter()
            .filter(|d| user_id.is_none_or(|u| d.participants.iter().any(|p| p == u)))
            .collect()
    }

    /// One collection, if it exists.
    ///
    /// ```
    /// assert!(store::families::mongo::MongoStore::new().collection("acme", "conversations").is_none());
    /// ```
    pub fn collection(&self, database: &str, collection: &str) -> Option<&Collection> {
        self.dbs.get(database)?.get(collection)
    }

    /// Database names, sorted.
    ///
    /// ```
    /// let m = store::families::mongo::MongoStore::generate(1, 2);
    /// assert!(m.databases().any(|d| d == "acme"));
    /// ```
    pub fn databases(&self) -> impl Iterator<Item = &str> {
        self.dbs.keys().map(String::as_str)
    }

    /// Collection names of one database, sorted.
    ///
    /// ```
    /// let m = store::families::mongo::MongoStore::generate(1, 2);
    /// assert_eq!(m.collections("acme").collect::<Vec<_>>(), ["conversations"]);
    /// ```
    pub fn collections(&self, database: &str) -> impl Iterator<Item = &str> {
        self.dbs
            .get(database)
            .into_iter()
            .flat_map(|c| c.keys().map(String::as_str))
    }

    /// Loads `dir/<database>/<collection>.json` (array) and `.jsonl` files.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("mongo-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(dir.join("acme"))?;
    /// std::fs::write(dir.join("acme/conversations.json"), r#"[{"participants":["user1"]}]"#)?;
    /// let mut m = store::families::mongo::MongoStore::new();
    /// let report = m.load_dir(&dir, &Default::default())?;
    /// assert_eq!(report.loaded, 1);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_dir(
        &mut self,
        dir: impl AsRef<Path>,
        opts: &LoadOptions,
    ) -> Result<LoadReport, LoadError> {
        let dir = dir.as_ref();
        let mut report = LoadReport::default();
        for (database, db_path) in sorted_entries(dir)? {
            if !db_path.is_dir() {
                continue;
            }
            validate_database_name(&database).map_err(|e| {
                LoadError::record_whole(RecordError::invalid("database", e.to_string(), &database))
                    .in_file(&db_path)
            })?;
            for (file_name, path) in sorted_entries(&db_path)? {
                let Some(collection) = file_name
                    .strip_suffix(".jsonl")
                    .or_else(|| file_name.strip_suffix(".json"))
                else {
                    continue;
                };
                validate_collection_name(collection).map_err(|e| {
                    LoadError::record_whole(RecordError::invalid(
                        "collection",
                        e.to_string(),
                        collection,
                    ))
                    .in_file(&path)
                })?;
                let text = jsonfile::read(&path)?;
                jsonfile::load_items(&text, Some(&path), opts, &mut report, |doc| {
                    self.insert(&database, collection, doc).map(|_| ())
                })?;
            }
        }
        Ok(report)
    }

    /// Deterministic demo data: organizations `acme`, `globex` and `initech`,
    /// each with `docs_per_org` documents in `conversations`; participants are
    /// `user1` … `user20` and every third `acme` document includes `user1`.
    ///
    /// ```
    /// let a = store::families::mongo::MongoStore::generate(3, 4);
    /// let b = store::families::mongo::MongoStore::generate(3, 4);
    /// assert_eq!(a.find("acme", "conversations", None).len(), 4);
    /// assert_eq!(a.find("acme", "conversations", None)[0].json(), b.find("acme", "conversations", None)[0].json());
    /// ```
    pub fn generate(seed: u64, docs_per_org: usize) -> MongoStore {
        const LINES: [&str; 8] = [
            "Is the invoice ready?",
            "Sending it this afternoon.",
            "Can we move the call to Friday?",
            "Friday works for me.",
            "Please review the contract draft.",
            "Looks good, signed.",
            "The shipment is delayed by two days.",
            "Thanks for the heads-up.",
        ];
        let mut m = MongoStore::new();
        for (org_no, org) in ["acme", "globex", "initech"].into_iter().enumerate() {
            for i in 0..docs_per_org {
                let mut r = Rng::for_item(seed, 0x4D4F_4E47 + org_no as u64, i as u64);
                // 2024-01-01T00:00:00Z plus up to ~180 days.
                let created = 1_704_067_200_000 + r.range(0, 180 * 86_400) * 1000;
                let mut participants: Vec<String> = Vec::new();
                if org == "acme" && i % 3 == 0 {
                    participants.push("user1".to_string());
                }
                while participants.len() < 2 + r.below(3) as usize {
                    let u = format!("user{}", 1 + r.below(20));
                    if !participants.contains(&u) {
                        participants.push(u);
                    }
                }
                let n_msgs = 1 + r.below(5);
                let mut t = created;
                let messages: Vec<Value> = (0..n_msgs)
                    .map(|_| {
                        let msg = serde_json::json!({
                            "sender": r.pick(&participants),
                            "content": r.pick(&LINES),
                            "timestamp": format_ms(t),
                        });
                        t += r.range(1, 3600) * 1000;
                        msg
                    })
                    .collect();
                let unique = (seed.rotate_left(17) ^ (org_no as u64) << 48) ^ i as u64;
                let doc = serde_json::json!({
                    "_id": ObjectId::from_parts((created / 1000) as u32, unique).to_string(),
                    "participants": participants,
                    "messages": messages,
                    "created_at": format_ms(created),
                    "last_updated": format_ms(t),
                });
                // Generated documents are valid by construction; a clash of
                // `_id`s would only drop one demo document.
                let _ = m.insert(org, "conversations", doc);
            }
        }
        m
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>, LoadError> {
    let io = |e: std::io::Error| LoadError::io(Some(dir.to_path_buf()), &e);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if let Some(name) = entry.file_name().to_str() {
            out.push((name.to_string(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// `0000-01-01T00:00:00.000Z` in epoch milliseconds, the earliest RFC 3339 time.
const RFC3339_MIN_MS: i64 = -62_167_219_200_000;
/// `9999-12-31T23:59:59.999Z` in epoch milliseconds, the latest RFC 3339 time.
const RFC3339_MAX_MS: i64 = 253_402_300_799_999;

/// Replaces Extended JSON `{"$oid": …}` and `{"$date": …}` by strings, recursively.
fn normalize_map(map: Map<String, Value>, path: &str) -> Result<Map<String, Value>, RecordError> {
    map.into_iter()
        .map(|(k, v)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            Ok((k, normalize(v, &p)?))
        })
        .collect()
}

fn normalize(v: Value, path: &str) -> Result<Value, RecordError> {
    match v {
        Value::Object(map) if map.len() == 1 && map.contains_key("$oid") => match map.get("$oid") {
            Some(Value::String(s)) => Ok(Value::String(
                s.parse::<ObjectId>()
                    .map_err(|_| {
                        RecordError::invalid(path, "an ObjectId of 24 hexadecimal digits", s)
                    })?
                    .to_string(),
            )),
            Some(other) => Err(RecordError::wrong_type(
                format!("{path}.$oid"),
                "a string",
                other,
            )),
            None => Ok(Value::Null),
        },
        Value::Object(map) if map.len() == 1 && map.contains_key("$date") => {
            let ms = match map.get("$date") {
                Some(Value::String(s)) => parse_rfc3339_ms(s).map_err(|reason| {
                    RecordError::at(
                        path,
                        RecordErrorKind::Timestamp {
                            value: s.clone(),
                            reason,
                        },
                    )
                })?,
                Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or(0),
                Some(Value::Object(inner)) => {
                    match inner.get("$numberLong").and_then(Value::as_str) {
                        Some(s) => s.parse().map_err(|_| {
                            RecordError::invalid(path, "a $numberLong of milliseconds", s)
                        })?,
                        None => {
                            return Err(RecordError::invalid(
                                path,
                                "{\"$numberLong\": \"…\"}",
                                "an object",
                            ));
                        }
                    }
                }
                Some(other) => return Err(RecordError::wrong_type(path, "a date", other)),
                None => 0,
            };
            // RFC 3339 has four-digit years: a date outside them has no text to serve.
            if !(RFC3339_MIN_MS..=RFC3339_MAX_MS).contains(&ms) {
                return Err(RecordError::invalid(
                    path,
                    "a date in the years 0000 to 9999 (milliseconds -62167219200000 to 253402300799999)",
                    &ms.to_string(),
                ));
            }
            Ok(Value::String(format_ms(ms)))
        }
        Value::Object(map) => Ok(Value::Object(normalize_map(map, path)?)),
        Value::Array(items) => Ok(Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| normalize(v, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_kept_to_the_years_rfc_3339_can_write() {
        let mut m = MongoStore::new();
        for (ms, text) in [
            (RFC3339_MIN_MS, "0000-01-01T00:00:00.000Z"),
            (RFC3339_MAX_MS, "9999-12-31T23:59:59.999Z"),
        ] {
            let doc = serde_json::json!({"at": {"$date": {"$numberLong": ms.to_string()}}});
            assert_eq!(normalize(doc, "").unwrap()["at"], text);
        }
        for ms in [RFC3339_MIN_MS - 1, RFC3339_MAX_MS + 1, i64::MAX] {
            let err = m
                .insert("acme", "c", serde_json::json!({"at": {"$date": ms}}))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("field `at`") && err.contains("0000 to 9999"),
                "{err}"
            );
            assert!(err.contains(&ms.to_string()), "{err}");
        }
    }

    #[test]
    fn orders_by_created_at_then_id() {
        let mut m = MongoStore::new();
        m.insert("acme", "c", serde_json::json!({"_id": "000000020000000000000001", "created_at": "2024-01-02T00:00:00Z"})).unwrap();
        m.insert("acme", "c", serde_json::json!({"_id": "000000010000000000000002", "created_at": "2024-01-01T00:00:00Z"})).unwrap();
        m.insert("acme", "c", serde_json::json!({"_id": "000000010000000000000001", "created_at": "2024-01-01T00:00:00Z"})).unwrap();
        let ids: Vec<String> = m
            .find("acme", "c", None)
            .iter()
            .map(|d| d.id().to_string())
            .collect();
        assert_eq!(
            ids,
            [
                "000000010000000000000001",
                "000000010000000000000002",
                "000000020000000000000001"
            ]
        );
    }

    #[test]
    fn an_object_id_is_24_hex_digits_and_nothing_else() {
        assert!("5f1c2a9e4b0a1b2c3d4e5f6A".parse::<ObjectId>().is_ok());
        // `from_str_radix` alone takes a sign: "+5" read as 05.
        for bad in [
            "+5+1c2a9e4b0a1b2c3d4e5f6",
            "5f1c2a9e4b0a1b2c3d4e5f6g",
            "5f1c2a9e4b0a1b2c3d4e5f6",
            "-f1c2a9e4b0a1b2c3d4e5f61",
        ] {
            let err = bad.parse::<ObjectId>().unwrap_err().to_string();
            assert!(err.contains("24 hexadecimal digits"), "{bad}: {err}");
        }
    }

    #[test]
    fn rejects_duplicates_and_bad_ids_without_storing() {
        let mut m = MongoStore::new();
        m.insert(
            "acme",
            "c",
            serde_json::json!({"_id": {"$oid": "65f1c2a9e4b0a1b2c3d4e5f6"}}),
        )
        .unwrap();
        let dup = m
            .insert(
                "acme",
                "c",
                serde_json::json!({"_id": "65F1C2A9E4B0A1B2C3D4E5F6"}),
            )
            .unwrap_err();
        assert!(matches!(dup.kind(), RecordErrorKind::DuplicateId { .. }));
        let bad = m
            .insert("acme", "c", serde_json::json!({"_id": "xyz"}))
            .unwrap_err();
        assert_eq!(
            bad.to_string(),
            "field `_id`: expected an ObjectId of 24 hexadecimal digits, found `xyz`"
        );
        let date = m
            .insert("acme", "c", serde_json::json!({"created_at": "2024-01-01"}))
            .unwrap_err();
        assert_eq!(date.field(), Some("created_at"));
        assert_eq!(m.find("acme", "c", None).len(), 1);
    }

    #[test]
    fn nested_extended_json_becomes_strings() {
        let mut m = MongoStore::new();
        m.insert("acme", "c", serde_json::json!({"ref": {"owner": {"$oid": "65f1c2a9e4b0a1b2c3d4e5f6"}}, "at": {"$date": {"$numberLong": "1000"}}})).unwrap();
        let doc = m.find("acme", "c", None)[0].json().clone();
        assert_eq!(doc["ref"]["owner"], "65f1c2a9e4b0a1b2c3d4e5f6");
        assert_eq!(doc["at"], "1970-01-01T00:00:01.000Z");
    }

    #[test]
    fn generated_acme_has_user1() {
        let m = MongoStore::generate(42, 9);
        assert!(m.find("acme", "conversations", Some("user1")).len() >= 3);
        assert_eq!(
            m.databases().collect::<Vec<_>>(),
            ["acme", "globex", "initech"]
        );
    }
}
