//! The journal's records: one per write, encoded with `postcard` behind a
//! version byte ([`RECORD_VERSION`]). The encoded forms of conversations,
//! members and messages here ([`ConvRec`], [`MemberRec`], [`MsgRec`]) are
//! also the items of a snapshot.

use serde::{Deserialize, Serialize};

use super::error::JournalError;
use crate::{Conversation, Member, Message, MessageFrom, Metadata, Store, StoreError, Word};

/// The version byte in front of every record and snapshot item. A reader
/// refuses a version it does not know (a newer server wrote it).
pub const RECORD_VERSION: u8 = 1;

/// One write, as the journal keeps it. Replaying the records in order on
/// the state they were written against gives the state after them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// `PUT /v1/conversations/{id}` (metadata merge; `None` removes a key).
    Metadata {
        /// The conversation.
        id: String,
        /// The merge, in request order.
        changes: Vec<(String, Option<String>)>,
    },
    /// `PUT /v1/conversations/{id}/members/{member}`: the member as stored
    /// (its e-mail already resolved against the one it had).
    Member {
        /// The conversation.
        id: String,
        /// The member after the update.
        member: MemberRec,
    },
    /// `DELETE /v1/conversations/{id}`.
    Delete {
        /// The conversation.
        id: String,
    },
    /// An insert or replacement of a whole conversation with its messages
    /// ([`MemoryStorage::upsert`](crate::storage::MemoryStorage::upsert)).
    Upsert {
        /// The conversation.
        conversation: ConvRec,
        /// Its messages (replacing any it had).
        messages: Vec<MsgRec>,
    },
}

impl Record {
    /// Encodes the record: the version byte, then postcard.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, JournalError> {
        encode_versioned(self)
    }

    /// Decodes a record written by [`Record::encode`].
    pub(crate) fn decode(bytes: &[u8]) -> Result<Record, String> {
        decode_versioned(bytes)
    }

    /// Applies the record to `store` as the write did when it was made.
    pub fn apply(self, store: &mut Store) -> Result<(), StoreError> {
        match self {
            Record::Metadata { id, changes } => store.update_metadata(&id, &changes).map(drop),
            Record::Member { id, member } => store.update_member(&id, member.into()),
            Record::Delete { id } => store.delete(&id).map(drop),
            Record::Upsert {
                conversation,
                messages,
            } => {
                let c = Conversation::from(conversation);
                let id = c.id.clone();
                store.upsert(c)?;
                store.set_messages(&id, messages.into_iter().map(Message::from).collect())
            }
        }
    }
}

pub(crate) fn encode_versioned<T: Serialize>(value: &T) -> Result<Vec<u8>, JournalError> {
    let mut out = vec![RECORD_VERSION];
    encode_into(value, &mut out)?;
    Ok(out)
}

/// Appends `value`'s postcard encoding (no version byte) to `out`.
pub(crate) fn encode_into<T: Serialize>(value: &T, out: &mut Vec<u8>) -> Result<(), JournalError> {
    let buf = std::mem::take(out);
    *out = postcard::to_extend(value, buf).map_err(|e| JournalError::Encode {
        reason: e.to_string(),
    })?;
    Ok(())
}

pub(crate) fn decode_versioned<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    match bytes.split_first() {
        Some((&RECORD_VERSION, rest)) => {
            postcard::from_bytes(rest).map_err(|e| format!("undecodable record: {e}"))
        }
        Some((v, _)) => Err(format!(
            "record version {v}; this server reads version {RECORD_VERSION} (written by a newer server?)"
        )),
        None => Err("an empty record".to_owned()),
    }
}

/// A member as encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRec {
    /// [`Member::id`].
    pub id: String,
    /// [`Member::name`].
    pub name: String,
    /// [`Member::email`].
    pub email: Option<String>,
}

/// A conversation as encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvRec {
    /// [`Conversation::id`].
    pub id: String,
    /// [`Conversation::kind`].
    pub kind: String,
    /// [`Conversation::name`].
    pub name: String,
    /// [`Conversation::start_time`].
    pub start_time: i64,
    /// [`Conversation::end_time`].
    pub end_time: Option<i64>,
    /// [`Conversation::members`].
    pub members: Vec<MemberRec>,
    /// [`Conversation::metadata`], in order.
    pub metadata: Vec<(String, String)>,
}

/// A message as encoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MsgRec {
    /// [`Message::id`].
    pub id: String,
    /// [`Message::text`].
    pub text: String,
    /// [`MessageFrom::id`].
    pub from_id: String,
    /// [`MessageFrom::name`].
    pub from_name: String,
    /// [`MessageFrom::user_id`].
    pub from_user_id: Option<String>,
    /// [`Message::start_time`].
    pub start_time: i64,
    /// [`Message::end_time`].
    pub end_time: i64,
    /// [`Message::conversation_id`].
    pub conversation_id: String,
    /// [`Message::sentiment`].
    pub sentiment: Option<f64>,
    /// [`Message::words`]: word, start, end.
    pub words: Vec<(String, i64, i64)>,
}

impl From<Member> for MemberRec {
    fn from(m: Member) -> MemberRec {
        MemberRec {
            id: m.id,
            name: m.name,
            email: m.email,
        }
    }
}

impl From<MemberRec> for Member {
    fn from(m: MemberRec) -> Member {
        Member {
            id: m.id,
            name: m.name,
            email: m.email,
        }
    }
}

impl From<Conversation> for ConvRec {
    fn from(c: Conversation) -> ConvRec {
        ConvRec {
            id: c.id,
            kind: c.kind,
            name: c.name,
            start_time: c.start_time,
            end_time: c.end_time,
            members: c.members.into_iter().map(MemberRec::from).collect(),
            metadata: c
                .metadata
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }
}

impl From<ConvRec> for Conversation {
    fn from(c: ConvRec) -> Conversation {
        Conversation {
            id: c.id,
            kind: c.kind,
            name: c.name,
            start_time: c.start_time,
            end_time: c.end_time,
            members: c.members.into_iter().map(Member::from).collect(),
            metadata: c.metadata.into_iter().collect::<Metadata>(),
        }
    }
}

impl From<&Message> for MsgRec {
    fn from(m: &Message) -> MsgRec {
        MsgRec {
            id: m.id.clone(),
            text: m.text.clone(),
            from_id: m.from.id.clone(),
            from_name: m.from.name.clone(),
            from_user_id: m.from.user_id.clone(),
            start_time: m.start_time,
            end_time: m.end_time,
            conversation_id: m.conversation_id.clone(),
            sentiment: m.sentiment,
            words: m
                .words
                .iter()
                .map(|w| (w.word.clone(), w.start_time, w.end_time))
                .collect(),
        }
    }
}

impl From<MsgRec> for Message {
    fn from(m: MsgRec) -> Message {
        Message {
            id: m.id,
            text: m.text,
            from: MessageFrom {
                id: m.from_id,
                name: m.from_name,
                user_id: m.from_user_id,
            },
            start_time: m.start_time,
            end_time: m.end_time,
            conversation_id: m.conversation_id,
            sentiment: m.sentiment,
            words: m
                .words
                .into_iter()
                .map(|(word, start_time, end_time)| Word {
                    word,
                    start_time,
                    end_time,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_unknown_versions_are_refused() {
        let c = crate::generate::conversation(3, 1);
        let msgs = crate::generate::messages(3, &c);
        let records = [
            Record::Metadata {
                id: "1".into(),
                changes: vec![("a".into(), Some("b".into())), ("c".into(), None)],
            },
            Record::Member {
                id: "1".into(),
                member: c.members[0].clone().into(),
            },
            Record::Delete { id: "1".into() },
            Record::Upsert {
                conversation: c.clone().into(),
                messages: msgs.iter().map(MsgRec::from).collect(),
            },
        ];
        for r in records {
            let bytes = r.encode().unwrap();
            assert_eq!(bytes[0], RECORD_VERSION);
            assert_eq!(Record::decode(&bytes), Ok(r));
            let mut newer = bytes.clone();
            newer[0] = 2;
            assert!(Record::decode(&newer).unwrap_err().contains("version 2"));
        }
        let back: Conversation = ConvRec::from(c.clone()).into();
        assert_eq!(back, c);
        let m: Vec<Message> = msgs.iter().map(|m| MsgRec::from(m).into()).collect();
        assert_eq!(m, msgs);
    }
}
