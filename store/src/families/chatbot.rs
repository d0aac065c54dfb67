//! Family C (`GET /v1/api/conversation-messages/:id`, `api.md` §2.5): chatbot
//! conversations with integer ids and their messages in (`createdOn`, `id`)
//! order, paged by `page`/`per_page`.
//!
//! ```
//! use store::families::chatbot::ChatbotStore;
//! let bot = ChatbotStore::generate(1, 3);
//! let page = bot.page(1, 1, 2).unwrap();
//! assert!(page.items.len() <= 2 && page.total >= page.items.len());
//! let json = serde_json::to_value(&page.items[0])?;
//! assert!(json["isUser"].is_boolean() && json["createdOn"].as_str().unwrap().ends_with('Z'));
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! File (`--chatbot-data FILE`): a JSON array, or JSONL, of
//! `{"id":1234,"messages":[{"id":20411,"message":"What are your opening hours?",
//! "userId":"5d2e9c1a-…","isUser":true,"type":"freeshot","createdOn":"2024-07-01T09:12:44.508213Z"}]}`.
//! Conversation ids are positive integers; message ids are unique across the store.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::jsonfile::{self, Obj};
use crate::error::{LoadError, RecordError, RecordErrorKind};
use crate::load::{LoadOptions, LoadReport};
use crate::rng::Rng;
use crate::time::{format_us, parse_rfc3339_us};

/// One chatbot message. Serialises as `{id, message, userId, isUser, type, createdOn}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    /// Message id.
    pub id: i64,
    /// Text.
    pub message: String,
    /// Author id.
    pub user_id: String,
    /// Whether the user (not the bot) wrote it.
    pub is_user: bool,
    /// Message kind, e.g. `freeshot`.
    pub kind: String,
    /// Epoch microseconds.
    pub created_on: i64,
}

impl ChatMessage {
    /// Parses one message object (field names as on the wire).
    ///
    /// ```
    /// let v = serde_json::json!({"id": 1, "message": "hi", "userId": "u", "isUser": true,
    ///     "type": "freeshot", "createdOn": "2024-07-01T09:12:44.508213Z"});
    /// assert_eq!(store::families::chatbot::ChatMessage::from_json(&v, "")?.created_on % 1_000_000, 508_213);
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn from_json(v: &serde_json::Value, prefix: &str) -> Result<ChatMessage, RecordError> {
        let o = Obj::new(v, prefix)?;
        let is_user = match o.req("isUser")? {
            serde_json::Value::Bool(b) => *b,
            other => {
                return Err(RecordError::wrong_type(
                    o.path("isUser"),
                    "a boolean",
                    other,
                ));
            }
        };
        Ok(ChatMessage {
            id: o.int("id")?,
            message: o.str("message")?.to_string(),
            user_id: o.str("userId")?.to_string(),
            is_user,
            kind: o.str("type")?.to_string(),
            created_on: o.time("createdOn", parse_rfc3339_us)?,
        })
    }
}

impl Serialize for ChatMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ChatMessage", 6)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("userId", &self.user_id)?;
        st.serialize_field("isUser", &self.is_user)?;
        st.serialize_field("type", &self.kind)?;
        st.serialize_field("createdOn", &format_us(self.created_on))?;
        st.end()
    }
}

/// One page of messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessagePage<'a> {
    /// The messages of the page (empty past the end).
    pub items: &'a [ChatMessage],
    /// Messages in the conversation.
    pub total: usize,
}

/// Chatbot conversations by id.
#[derive(Clone, Debug, Default)]
pub struct ChatbotStore {
    convs: BTreeMap<u64, Vec<ChatMessage>>,
    message_ids: HashSet<i64>,
}

impl ChatbotStore {
    /// An empty store.
    ///
    /// ```
    /// assert_eq!(store::families::chatbot::ChatbotStore::new().len(), 0);
    /// ```
    pub fn new() -> ChatbotStore {
        ChatbotStore::default()
    }

    /// Number of conversations.
    ///
    /// ```
    /// assert_eq!(store::families::chatbot::ChatbotStore::generate(1, 4).len(), 4);
    /// ```
    pub fn len(&self) -> usize {
        self.convs.len()
    }

    /// Whether there is no conversation.
    ///
    /// ```
    /// assert!(store::families::chatbot::ChatbotStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.convs.is_empty()
    }

    /// Creates an empty conversation (no-op if it exists). Id 0 is rejected.
    ///
    /// ```
    /// let mut bot = store::families::chatbot::ChatbotStore::new();
    /// bot.create_conversation(5)?;
    /// assert_eq!(bot.messages(5).map(<[_]>::len), Some(0));
    /// assert!(bot.create_conversation(0).is_err());
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn create_conversation(&mut self, id: u64) -> Result<(), RecordError> {
        if id == 0 {
            return Err(RecordError::invalid("id", "a positive integer", "0"));
        }
        self.convs.entry(id).or_default();
        Ok(())
    }

    /// Adds a message to a conversation (created if needed), keeping
    /// (`createdOn`, `id`) order; message ids must be new.
    ///
    /// ```
    /// use store::families::chatbot::{ChatMessage, ChatbotStore};
    /// let mut bot = ChatbotStore::new();
    /// let m = ChatMessage { id: 1, message: "hi".into(), user_id: "u".into(), is_user: true, kind: "freeshot".into(), created_on: 5 };
    /// bot.add_message(1, m.clone())?;
    /// assert!(bot.add_message(1, m).is_err());
    /// # Ok::<(), store::RecordError>(())
    /// ```
    pub fn add_message(
        &mut self,
        conversation_id: u64,
        msg: ChatMessage,
    ) -> Result<(), RecordError> {
        self.create_conversation(conversation_id)?;
        if self.message_ids.contains(&msg.id) {
            return Err(RecordError::at(
                "id",
                RecordErrorKind::DuplicateId {
                    id: msg.id.to_string(),
                },
            ));
        }
        let msgs = self.convs.entry(conversation_id).or_default();
        let at = msgs.partition_point(|m| (m.created_on, m.id) < (msg.created_on, msg.id));
        self.message_ids.insert(msg.id);
        msgs.insert(at, msg);
        Ok(())
    }

    /// All messages of a conversation, oldest first; `None` if unknown.
    ///
    /// ```
    /// assert!(store::families::chatbot::ChatbotStore::generate(1, 2).messages(3).is_none());
    /// ```
    pub fn messages(&self, conversation_id: u64) -> Option<&[ChatMessage]> {
        self.convs.get(&conversation_id).map(Vec::as_slice)
    }

    /// Every conversation with its messages (oldest first), by id.
    ///
    /// ```
    /// let bot = store::families::chatbot::ChatbotStore::generate(1, 3);
    /// let ids: Vec<u64> = bot.conversations().map(|(id, _)| id).collect();
    /// assert_eq!(ids, [1, 2, 3]);
    /// ```
    pub fn conversations(&self) -> impl Iterator<Item = (u64, &[ChatMessage])> + '_ {
        self.convs.iter().map(|(id, msgs)| (*id, msgs.as_slice()))
    }

    /// Page `page` (1-based) of `per_page` messages; `None` for an unknown
    /// conversation, an empty page past the end. Page 0 is treated as 1 and
    /// `per_page` 0 as an empty page (the route validates both before).
    ///
    /// ```
    /// let bot = store::families::chatbot::ChatbotStore::generate(1, 1);
    /// let all = bot.messages(1).unwrap().len();
    /// assert!(bot.page(1, all + 1, 1).unwrap().items.is_empty());
    /// assert_eq!(bot.page(1, 1, 100).unwrap().items.len(), all);
    /// ```
    pub fn page(
        &self,
        conversation_id: u64,
        page: usize,
        per_page: usize,
    ) -> Option<MessagePage<'_>> {
        let msgs = self.messages(conversation_id)?;
        let start = page
            .saturating_sub(1)
            .saturating_mul(per_page)
            .min(msgs.len());
        let end = start.saturating_add(per_page).min(msgs.len());
        Some(MessagePage {
            items: &msgs[start..end],
            total: msgs.len(),
        })
    }

    /// Loads a JSON array or JSONL file of `{id, messages}` objects.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("bot-doc-{}.jsonl", std::process::id()));
    /// std::fs::write(&path, "{\"id\":1,\"messages\":[]}\n{\"id\":0}\n")?;
    /// let mut bot = store::families::chatbot::ChatbotStore::new();
    /// let report = bot.load_file(&path, &Default::default())?;
    /// assert_eq!((report.loaded, report.skipped.len()), (1, 1));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_file(
        &mut self,
        path: impl AsRef<Path>,
        opts: &LoadOptions,
    ) -> Result<LoadReport, LoadError> {
        jsonfile::load_file(path.as_ref(), opts, |v| self.add_conversation_json(&v))
    }

    /// Adds one `{id, messages}` object, all or nothing.
    fn add_conversation_json(&mut self, v: &serde_json::Value) -> Result<(), RecordError> {
        let o = Obj::new(v, "")?;
        let id = o.int("id")?;
        let id = u64::try_from(id)
            .ok()
            .filter(|&i| i > 0)
            .ok_or_else(|| RecordError::invalid("id", "a positive integer", &id.to_string()))?;
        if self.convs.contains_key(&id) {
            return Err(RecordError::at(
                "id",
                RecordErrorKind::DuplicateId { id: id.to_string() },
            ));
        }
        let mut msgs = Vec::new();
        let mut seen = HashSet::new();
        for (i, m) in o.array("messages")?.iter().enumerate() {
            let msg = ChatMessage::from_json(m, &format!("messages[{i}]"))?;
            if self.message_ids.contains(&msg.id) || !seen.insert(msg.id) {
                return Err(RecordError::at(
                    format!("messages[{i}].id"),
                    RecordErrorKind::DuplicateId {
                        id: msg.id.to_string(),
                    },
                ));
            }
            msgs.push(msg);
        }
        self.create_conversation(id)?;
        for m in msgs {
            self.add_message(id, m)?;
        }
        Ok(())
    }

    /// Deterministic demo data: conversations `1..=n`, each with 3–40 messages
    /// alternating user and bot, all of type `freeshot`.
    ///
    /// ```
    /// let bot = store::families::chatbot::ChatbotStore::generate(2, 5);
    /// assert!((1..=5).all(|id| bot.messages(id).is_some_and(|m| m.len() >= 3)));
    /// ```
    pub fn generate(seed: u64, n: usize) -> ChatbotStore {
        const ASK: [&str; 5] = [
            "What are your opening hours?",
            "How do I reset my password?",
            "Do you ship to Canada?",
            "Can I change my plan?",
            "Where is my invoice?",
        ];
        const ANSWER: [&str; 4] = [
            "We are open from 9:00 to 18:00.",
            "Use the “Forgot password” link on the sign-in page.",
            "Yes, shipping to Canada takes 5–7 days.",
            "Sure, open Settings → Billing.",
        ];
        let mut bot = ChatbotStore::new();
        let mut next = 1i64;
        for i in 0..n {
            let mut r = Rng::for_item(seed, 0x4348, i as u64);
            let id = i as u64 + 1;
            let user = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                r.next_u64() as u32,
                r.below(0x10000),
                r.below(0x1000),
                r.below(0x1000),
                r.below(1 << 48)
            );
            // 2024-07-01 plus up to 30 days, microseconds.
            let mut t = 1_719_792_000_000_000 + r.range(0, 30 * 86_400_000_000);
            for k in 0..3 + r.below(38) {
                let is_user = k % 2 == 0;
                let text = if is_user {
                    r.pick(&ASK)
                } else {
                    r.pick(&ANSWER)
                };
                let msg = ChatMessage {
                    id: next,
                    message: (*text).to_string(),
                    user_id: if is_user {
                        user.clone()
                    } else {
                        "bot".to_string()
                    },
                    is_user,
                    kind: "freeshot".to_string(),
                    created_on: t,
                };
                next += 1;
                t += r.range(1_000_000, 120_000_000);
                // Ids are fresh and the conversation id positive: cannot fail.
                let _ = bot.add_message(id, msg);
            }
        }
        bot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_ordered_by_created_on_then_id() {
        let mut bot = ChatbotStore::new();
        let m = |id, t| ChatMessage {
            id,
            message: String::new(),
            user_id: "u".into(),
            is_user: true,
            kind: "freeshot".into(),
            created_on: t,
        };
        bot.add_message(1, m(3, 10)).unwrap();
        bot.add_message(1, m(2, 10)).unwrap();
        bot.add_message(1, m(1, 20)).unwrap();
        assert_eq!(
            bot.messages(1)
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect::<Vec<_>>(),
            [2, 3, 1]
        );
    }

    #[test]
    fn json_shape_matches_the_route() {
        let v = serde_json::json!({"id":20411,"message":"What are your opening hours?","userId":"5d2e9c1a-0b7f-4a63-8e21-9f4c7b3a6d10",
            "isUser":true,"type":"freeshot","createdOn":"2024-07-01T09:12:44.508213Z"});
        let m = ChatMessage::from_json(&v, "").unwrap();
        assert_eq!(serde_json::to_value(&m).unwrap(), v);
    }

    #[test]
    fn a_bad_message_loads_nothing_of_its_conversation() {
        let mut bot = ChatbotStore::new();
        let v = serde_json::json!({"id": 4, "messages": [
            {"id":1,"message":"a","userId":"u","isUser":true,"type":"freeshot","createdOn":"2024-07-01T09:12:44Z"},
            {"id":2,"message":"b","userId":"u","isUser":"yes","type":"freeshot","createdOn":"2024-07-01T09:12:44Z"}]});
        let e = bot.add_conversation_json(&v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `messages[1].isUser`: expected a boolean, found a string"
        );
        assert!(bot.messages(4).is_none());
    }
}
