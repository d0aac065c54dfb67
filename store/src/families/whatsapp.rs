//! Family W (`GET /api/conversations`, `api.md` §2.4): WhatsApp-bot
//! conversations with their messages, listed by `last_message_at` descending,
//! ties by `id` descending.
//!
//! `last_message_at` is derived, never read from files: the `created_at` of
//! the newest message, or the conversation's own `created_at` when it has no
//! message (the original PHP service updates the column on every message).
//!
//! ```
//! use store::families::whatsapp::{Status, WhatsAppStore};
//! let wa = WhatsAppStore::generate(1, 12);
//! let rows = wa.list(Some(Status::PendingHuman), 100);
//! assert!(rows.iter().all(|r| r.status == Status::PendingHuman));
//! assert!(rows.windows(2).all(|w| (w[0].last_message_at, w[0].id) > (w[1].last_message_at, w[1].id)));
//! let json = serde_json::to_value(&rows[0])?;
//! assert!(json["ai_enabled"].is_u64());
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! File (`--whatsapp-data FILE`): a JSON array, or JSONL, of
//! `{"id":2,"phone_number":"5215512345678","contact_name":"Luis Ortega","status":"pending_human",
//! "ai_enabled":0,"created_at":"2024-01-12 11:30:00","messages":[{"id":7,"sender_type":"customer",
//! "message":"Can a person call me back?","created_at":"2024-01-15 13:15:00"}]}`. Timestamps are
//! `YYYY-MM-DD HH:MM:SS` (UTC) or RFC 3339; `contact_name` and `messages` are optional;
//! `ai_enabled` is `0`/`1` or a boolean.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::Path;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::jsonfile::{self, Obj};
use crate::error::{LoadError, RecordError, RecordErrorKind};
use crate::load::{LoadOptions, LoadReport};
use crate::rng::Rng;
use crate::time::{format_sql, parse_sql_ms};

/// A conversation's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// `active`: the bot is handling it.
    Active,
    /// `pending_human`: waiting for an agent.
    PendingHuman,
    /// `closed`.
    Closed,
}

impl Status {
    /// The wire name.
    ///
    /// ```
    /// assert_eq!(store::families::whatsapp::Status::PendingHuman.as_str(), "pending_human");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::PendingHuman => "pending_human",
            Status::Closed => "closed",
        }
    }
}

/// `status` is not one of `active`, `pending_human`, `closed` (the text is kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStatus(pub String);

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected one of `active`, `pending_human`, `closed`, found `{}`",
            crate::error::echo(&self.0)
        )
    }
}

impl std::error::Error for UnknownStatus {}

impl std::str::FromStr for Status {
    type Err = UnknownStatus;

    /// Exact, lowercase names only.
    fn from_str(s: &str) -> Result<Status, UnknownStatus> {
        match s {
            "active" => Ok(Status::Active),
            "pending_human" => Ok(Status::PendingHuman),
            "closed" => Ok(Status::Closed),
            other => Err(UnknownStatus(other.to_string())),
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SenderType {
    /// `customer`.
    Customer,
    /// `ai`: the bot.
    Ai,
    /// `human`: an agent.
    Human,
}

impl SenderType {
    /// The wire name.
    ///
    /// ```
    /// assert_eq!(store::families::whatsapp::SenderType::Ai.as_str(), "ai");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SenderType::Customer => "customer",
            SenderType::Ai => "ai",
            SenderType::Human => "human",
        }
    }

    fn parse(s: &str) -> Option<SenderType> {
        match s {
            "customer" => Some(SenderType::Customer),
            "ai" => Some(SenderType::Ai),
            "human" => Some(SenderType::Human),
            _ => None,
        }
    }
}

/// One WhatsApp message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaMessage {
    /// Message id (unique within the conversation).
    pub id: i64,
    /// Author kind.
    pub sender_type: SenderType,
    /// Text.
    pub message: String,
    /// Epoch milliseconds.
    pub created_at: i64,
}

/// One WhatsApp conversation with its messages (oldest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaConversation {
    /// Conversation id.
    pub id: i64,
    /// The customer's number, digits only.
    pub phone_number: String,
    /// The customer's name, if known.
    pub contact_name: Option<String>,
    /// State.
    pub status: Status,
    /// Whether the bot answers.
    pub ai_enabled: bool,
    /// Epoch milliseconds.
    pub created_at: i64,
    /// Messages in (`created_at`, `id`) order.
    pub messages: Vec<WaMessage>,
}

impl WaConversation {
    /// The newest message, if any.
    ///
    /// ```
    /// let wa = store::families::whatsapp::WhatsAppStore::generate(1, 3);
    /// let c = wa.get(1).unwrap();
    /// assert_eq!(c.last_message().map(|m| m.id), c.messages.last().map(|m| m.id));
    /// ```
    pub fn last_message(&self) -> Option<&WaMessage> {
        self.messages.last()
    }

    /// `created_at` of the newest message, else of the conversation.
    ///
    /// ```
    /// let wa = store::families::whatsapp::WhatsAppStore::generate(1, 3);
    /// let c = wa.get(1).unwrap();
    /// assert!(c.last_message_at() >= c.created_at);
    /// ```
    pub fn last_message_at(&self) -> i64 {
        self.last_message()
            .map_or(self.created_at, |m| m.created_at.max(self.created_at))
    }

    /// Parses one conversation object of the data file.
    ///
    /// ```
    /// let v = serde_json::json!({"id": 1, "phone_number": "52155", "status": "closed",
    ///     "ai_enabled": 1, "created_at": "2024-01-12 11:30:00"});
    /// let c = store::families::whatsapp::WaConversation::from_json(&v)?;
    /// assert!(c.ai_enabled && c.messages.is_empty());
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn from_json(v: &serde_json::Value) -> Result<WaConversation, RecordError> {
        let o = Obj::new(v, "")?;
        let status_text = o.str("status")?;
        let status = status_text.parse().map_err(|_| {
            RecordError::invalid(
                "status",
                "one of `active`, `pending_human`, `closed`",
                status_text,
            )
        })?;
        let ai_enabled = match o.req("ai_enabled")? {
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::Number(n) if n.as_u64() == Some(0) => false,
            serde_json::Value::Number(n) if n.as_u64() == Some(1) => true,
            other => {
                return Err(RecordError::wrong_type(
                    "ai_enabled",
                    "0, 1 or a boolean",
                    other,
                ));
            }
        };
        let mut messages = Vec::new();
        let mut ids = HashSet::new();
        for (i, m) in o.array("messages")?.iter().enumerate() {
            let mo = Obj::new(m, &format!("messages[{i}]"))?;
            let sender = mo.str("sender_type")?;
            let sender_type = SenderType::parse(sender).ok_or_else(|| {
                RecordError::invalid(
                    mo.path("sender_type"),
                    "one of `customer`, `ai`, `human`",
                    sender,
                )
            })?;
            let id = mo.int("id")?;
            if !ids.insert(id) {
                return Err(RecordError::at(
                    mo.path("id"),
                    RecordErrorKind::DuplicateId { id: id.to_string() },
                ));
            }
            messages.push(WaMessage {
                id,
                sender_type,
                message: mo.str("message")?.to_string(),
                created_at: mo.time("created_at", parse_sql_ms)?,
            });
        }
        messages.sort_by_key(|m| (m.created_at, m.id));
        Ok(WaConversation {
            id: o.int("id")?,
            phone_number: o.str("phone_number")?.to_string(),
            contact_name: o.opt_str("contact_name")?.map(str::to_string),
            status,
            ai_enabled,
            created_at: o.time("created_at", parse_sql_ms)?,
            messages,
        })
    }
}

/// One row of the list route, in its exact shape (serialises to the JSON of `api.md` §2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationRow<'a> {
    /// `id`.
    pub id: i64,
    /// `phone_number`.
    pub phone_number: &'a str,
    /// `contact_name` (nullable).
    pub contact_name: Option<&'a str>,
    /// `status`.
    pub status: Status,
    /// `ai_enabled` (serialised as 0/1).
    pub ai_enabled: bool,
    /// `last_message_at` (epoch ms).
    pub last_message_at: i64,
    /// `created_at` (epoch ms).
    pub created_at: i64,
    /// `last_message` (null without messages).
    pub last_message: Option<&'a str>,
    /// `last_sender_type` (null without messages).
    pub last_sender_type: Option<SenderType>,
    /// `last_message_created_at` (null without messages).
    pub last_message_created_at: Option<i64>,
}

impl Serialize for ConversationRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ConversationRow", 10)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("phone_number", self.phone_number)?;
        st.serialize_field("contact_name", &self.contact_name)?;
        st.serialize_field("status", self.status.as_str())?;
        st.serialize_field("ai_enabled", &u8::from(self.ai_enabled))?;
        st.serialize_field("last_message_at", &format_sql(self.last_message_at))?;
        st.serialize_field("created_at", &format_sql(self.created_at))?;
        st.serialize_field("last_message", &self.last_message)?;
        st.serialize_field(
            "last_sender_type",
            &self.last_sender_type.map(SenderType::as_str),
        )?;
        st.serialize_field(
            "last_message_created_at",
            &self.last_message_created_at.map(format_sql),
        )?;
        st.end()
    }
}

/// One page of [`WhatsAppStore::page`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaPage<'a> {
    /// The rows of the page, in list order.
    pub rows: Vec<ConversationRow<'a>>,
    /// How many rows the list has in all (with the status filter applied).
    pub total: usize,
}

/// The list row of a conversation.
fn row(c: &WaConversation) -> ConversationRow<'_> {
    let last = c.last_message();
    ConversationRow {
        id: c.id,
        phone_number: &c.phone_number,
        contact_name: c.contact_name.as_deref(),
        status: c.status,
        ai_enabled: c.ai_enabled,
        last_message_at: c.last_message_at(),
        created_at: c.created_at,
        last_message: last.map(|m| m.message.as_str()),
        last_sender_type: last.map(|m| m.sender_type),
        last_message_created_at: last.map(|m| m.created_at),
    }
}

/// WhatsApp conversations, with an index on (`last_message_at`, `id`).
#[derive(Clone, Debug, Default)]
pub struct WhatsAppStore {
    convs: BTreeMap<i64, WaConversation>,
    order: BTreeSet<(i64, i64)>,
}

impl WhatsAppStore {
    /// An empty store.
    ///
    /// ```
    /// assert!(store::families::whatsapp::WhatsAppStore::new().is_empty());
    /// ```
    pub fn new() -> WhatsAppStore {
        WhatsAppStore::default()
    }

    /// Number of conversations.
    ///
    /// ```
    /// assert_eq!(store::families::whatsapp::WhatsAppStore::generate(1, 7).len(), 7);
    /// ```
    pub fn len(&self) -> usize {
        self.convs.len()
    }

    /// Whether there is no conversation.
    ///
    /// ```
    /// assert!(!store::families::whatsapp::WhatsAppStore::generate(1, 1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.convs.is_empty()
    }

    /// Adds a conversation; its id must be new.
    ///
    /// ```
    /// let mut wa = store::families::whatsapp::WhatsAppStore::generate(1, 2);
    /// let c = wa.get(1).unwrap().clone();
    /// assert!(wa.insert(c).is_err());
    /// ```
    pub fn insert(&mut self, mut conv: WaConversation) -> Result<(), RecordError> {
        if self.convs.contains_key(&conv.id) {
            return Err(RecordError::at(
                "id",
                RecordErrorKind::DuplicateId {
                    id: conv.id.to_string(),
                },
            ));
        }
        conv.messages.sort_by_key(|m| (m.created_at, m.id));
        self.order.insert((conv.last_message_at(), conv.id));
        self.convs.insert(conv.id, conv);
        Ok(())
    }

    /// Appends a message to a conversation (kept in order; moves it up the list).
    ///
    /// ```
    /// use store::families::whatsapp::{SenderType, WaMessage, WhatsAppStore};
    /// let mut wa = WhatsAppStore::generate(1, 3);
    /// let msg = WaMessage { id: 999, sender_type: SenderType::Human, message: "hi".into(), created_at: i64::MAX / 2 };
    /// wa.add_message(2, msg)?;
    /// assert_eq!(wa.list(None, 1)[0].id, 2);
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn add_message(&mut self, conversation_id: i64, msg: WaMessage) -> Result<(), RecordError> {
        let conv = self.convs.get_mut(&conversation_id).ok_or_else(|| {
            RecordError::whole(RecordErrorKind::NotFound {
                id: conversation_id.to_string(),
            })
        })?;
        if conv.messages.iter().any(|m| m.id == msg.id) {
            return Err(RecordError::at(
                "id",
                RecordErrorKind::DuplicateId {
                    id: msg.id.to_string(),
                },
            ));
        }
        self.order.remove(&(conv.last_message_at(), conv.id));
        let at = conv
            .messages
            .partition_point(|m| (m.created_at, m.id) < (msg.created_at, msg.id));
        conv.messages.insert(at, msg);
        self.order.insert((conv.last_message_at(), conv.id));
        Ok(())
    }

    /// One conversation.
    ///
    /// ```
    /// assert!(store::families::whatsapp::WhatsAppStore::generate(1, 2).get(3).is_none());
    /// ```
    pub fn get(&self, id: i64) -> Option<&WaConversation> {
        self.convs.get(&id)
    }

    /// Up to `limit` rows, newest `last_message_at` first (ties: higher `id`
    /// first), only those with `status` when given.
    ///
    /// ```
    /// let wa = store::families::whatsapp::WhatsAppStore::generate(5, 30);
    /// assert_eq!(wa.list(None, 10).len(), 10);
    /// ```
    pub fn list(&self, status: Option<Status>, limit: usize) -> Vec<ConversationRow<'_>> {
        self.ordered(status).take(limit).map(row).collect()
    }

    /// One page of the list: the rows [`list`](Self::list) would give after
    /// skipping `offset` of them, at most `limit`, and `total`, the number of
    /// rows with `status` (all pages together). An `offset` past the end gives
    /// no row and the same `total`.
    ///
    /// ```
    /// use store::families::whatsapp::{Status, WhatsAppStore};
    /// let wa = WhatsAppStore::generate(5, 30);
    /// let all = wa.list(None, usize::MAX);
    /// let p = wa.page(None, 25, 10);
    /// assert_eq!((p.rows.as_slice(), p.total), (&all[25..], 30));
    /// assert!(wa.page(None, 30, 10).rows.is_empty());
    /// let closed = wa.page(Some(Status::Closed), 0, 1);
    /// assert_eq!(closed.total, 10);
    /// ```
    pub fn page(&self, status: Option<Status>, offset: usize, limit: usize) -> WaPage<'_> {
        let total = match status {
            None => self.convs.len(),
            Some(_) => self.ordered(status).count(),
        };
        let rows = self
            .ordered(status)
            .skip(offset)
            .take(limit)
            .map(row)
            .collect();
        WaPage { rows, total }
    }

    /// The conversations in list order, only those with `status` when given.
    fn ordered(&self, status: Option<Status>) -> impl Iterator<Item = &WaConversation> + '_ {
        self.order
            .iter()
            .rev()
            .filter_map(|(_, id)| self.convs.get(id))
            .filter(move |c| status.is_none_or(|s| c.status == s))
    }

    /// Loads a JSON array or JSONL file of conversations.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("wa-doc-{}.json", std::process::id()));
    /// std::fs::write(&path, r#"[{"id":1,"phone_number":"1","status":"active","ai_enabled":1,"created_at":"2024-01-01 00:00:00"}]"#)?;
    /// let mut wa = store::families::whatsapp::WhatsAppStore::new();
    /// assert_eq!(wa.load_file(&path, &Default::default())?.loaded, 1);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_file(
        &mut self,
        path: impl AsRef<Path>,
        opts: &LoadOptions,
    ) -> Result<LoadReport, LoadError> {
        jsonfile::load_file(path.as_ref(), opts, |v| {
            self.insert(WaConversation::from_json(&v)?)
        })
    }

    /// Deterministic demo data: ids `1..=n`, statuses cycling through all three,
    /// every fifth conversation without messages.
    ///
    /// ```
    /// use store::families::whatsapp::{Status, WhatsAppStore};
    /// let wa = WhatsAppStore::generate(9, 10);
    /// for s in [Status::Active, Status::PendingHuman, Status::Closed] {
    ///     assert!(!wa.list(Some(s), 100).is_empty());
    /// }
    /// assert!(wa.list(None, 100).iter().any(|r| r.last_message.is_none()));
    /// ```
    pub fn generate(seed: u64, n: usize) -> WhatsAppStore {
        const NAMES: [&str; 8] = [
            "Luis Ortega",
            "Ana Ruiz",
            "Marta Gómez",
            "João Silva",
            "Priya Nair",
            "Tom Becker",
            "Chen Wei",
            "Sara Cohen",
        ];
        const CUSTOMER: [&str; 5] = [
            "Hi, is my order shipped?",
            "What are your opening hours?",
            "Can a person call me back?",
            "I need to change my address.",
            "Thanks!",
        ];
        const AI: [&str; 4] = [
            "Hello! Let me check that for you.",
            "We are open 9:00–18:00, Monday to Saturday.",
            "Your order left our warehouse yesterday.",
            "I have passed this to a colleague.",
        ];
        const HUMAN: [&str; 3] = [
            "Hi, this is Carla from support.",
            "I will call you in 5 minutes.",
            "Done, anything else?",
        ];
        let mut wa = WhatsAppStore::new();
        let mut next_msg = 1i64;
        for i in 0..n {
            let mut r = Rng::for_item(seed, 0x5741, i as u64);
            let id = i as i64 + 1;
            let status = [Status::Active, Status::PendingHuman, Status::Closed][i % 3];
            // 2024-01-01 plus up to 60 days, whole seconds.
            let created_at = 1_704_067_200_000 + r.range(0, 60 * 86_400) * 1000;
            let n_msgs = if i % 5 == 4 { 0 } else { 1 + r.below(6) };
            let mut t = created_at;
            let messages = (0..n_msgs)
                .map(|k| {
                    t += r.range(5, 7200) * 1000;
                    let sender_type = match (k, status) {
                        (0, _) => SenderType::Customer,
                        (_, Status::PendingHuman) if k + 1 == n_msgs => SenderType::Customer,
                        _ => *r.pick(&[SenderType::Customer, SenderType::Ai, SenderType::Human]),
                    };
                    let text = match sender_type {
                        SenderType::Customer => r.pick(&CUSTOMER),
                        SenderType::Ai => r.pick(&AI),
                        SenderType::Human => r.pick(&HUMAN),
                    };
                    next_msg += 1;
                    WaMessage {
                        id: next_msg - 1,
                        sender_type,
                        message: (*text).to_string(),
                        created_at: t,
                    }
                })
                .collect();
            let conv = WaConversation {
                id,
                phone_number: format!("52155{:08}", r.below(100_000_000)),
                contact_name: (!r.chance(20)).then(|| (*r.pick(&NAMES)).to_string()),
                status,
                ai_enabled: status == Status::Active || r.chance(30),
                created_at,
                messages,
            };
            // Ids are 1..=n, so no duplicate can occur.
            let _ = wa.insert(conv);
        }
        wa
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_json_has_the_documented_shape() {
        let v = serde_json::json!({"id": 2, "phone_number": "5215512345678", "contact_name": "Luis Ortega",
            "status": "pending_human", "ai_enabled": 0, "created_at": "2024-01-12 11:30:00",
            "messages": [{"id": 7, "sender_type": "customer", "message": "Can a person call me back?", "created_at": "2024-01-15 13:15:00"}]});
        let mut wa = WhatsAppStore::new();
        wa.insert(WaConversation::from_json(&v).unwrap()).unwrap();
        let json = serde_json::to_value(wa.list(None, 100)).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"id":2,"phone_number":"5215512345678","contact_name":"Luis Ortega",
            "status":"pending_human","ai_enabled":0,"last_message_at":"2024-01-15 13:15:00",
            "created_at":"2024-01-12 11:30:00","last_message":"Can a person call me back?",
            "last_sender_type":"customer","last_message_created_at":"2024-01-15 13:15:00"}])
        );
    }

    #[test]
    fn ties_break_by_id_descending_and_nulls_without_messages() {
        let mut wa = WhatsAppStore::new();
        for id in [1, 3, 2] {
            let v = serde_json::json!({"id": id, "phone_number": "1", "status": "closed", "ai_enabled": false, "created_at": "2024-01-01 00:00:00"});
            wa.insert(WaConversation::from_json(&v).unwrap()).unwrap();
        }
        let rows = wa.list(None, 100);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 2, 1]);
        let json = serde_json::to_value(&rows[0]).unwrap();
        assert!(
            json["last_message"].is_null()
                && json["last_sender_type"].is_null()
                && json["last_message_created_at"].is_null()
        );
    }

    #[test]
    fn pages_cover_the_list_once_in_order() {
        let mut wa = WhatsAppStore::generate(3, 47);
        // Equal `last_message_at` for some: the id tie-break must hold across pages.
        for id in [100, 101, 102] {
            let v = serde_json::json!({"id": id, "phone_number": "1", "status": "closed",
                "ai_enabled": 0, "created_at": "2024-01-20 00:00:00"});
            wa.insert(WaConversation::from_json(&v).unwrap()).unwrap();
        }
        for status in [None, Some(Status::Active), Some(Status::Closed)] {
            let all: Vec<i64> = wa.list(status, usize::MAX).iter().map(|r| r.id).collect();
            for size in [1, 7, 50] {
                let mut seen = Vec::new();
                let mut offset = 0;
                loop {
                    let p = wa.page(status, offset, size);
                    assert_eq!(p.total, all.len());
                    if p.rows.is_empty() {
                        break;
                    }
                    assert!(p.rows.len() <= size);
                    seen.extend(p.rows.iter().map(|r| r.id));
                    offset += size;
                }
                assert_eq!(seen, all, "status {status:?}, size {size}");
            }
        }
    }

    #[test]
    fn page_past_the_end_is_empty_with_the_total() {
        let wa = WhatsAppStore::generate(1, 5);
        for offset in [5, 6, usize::MAX] {
            let p = wa.page(None, offset, 100);
            assert!(p.rows.is_empty());
            assert_eq!(p.total, 5);
        }
        assert_eq!(wa.page(None, 4, usize::MAX).rows.len(), 1);
        assert_eq!(wa.page(None, 0, 0).rows.len(), 0);
    }

    #[test]
    fn bad_fields_are_named() {
        let v = serde_json::json!({"id": 1, "phone_number": "1", "status": "open", "ai_enabled": 1, "created_at": "2024-01-01 00:00:00"});
        let e = WaConversation::from_json(&v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `status`: expected one of `active`, `pending_human`, `closed`, found `open`"
        );
        let v = serde_json::json!({"id": 1, "phone_number": "1", "status": "open", "ai_enabled": 2, "created_at": "x"});
        assert!(WaConversation::from_json(&v).is_err());
        let v = serde_json::json!({"id": 1, "phone_number": "1", "status": "closed", "ai_enabled": 1, "created_at": "2024-01-01 00:00:00",
            "messages": [{"id": 1, "sender_type": "bot", "message": "x", "created_at": "2024-01-01 00:00:00"}]});
        assert_eq!(
            WaConversation::from_json(&v).unwrap_err().field(),
            Some("messages[0].sender_type")
        );
    }
}
