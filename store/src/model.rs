//! The Symbl data model: [`Conversation`], [`Member`], [`Metadata`] and the
//! messages of a conversation ([`Message`]). Times are epoch milliseconds.
//!
//! These are the owned, public forms used to insert and to return data. The
//! store keeps a compact, interned form internally (see [`Store`](crate::Store)).
//! `Serialize` produces Symbl's JSON shape with timestamps as
//! `2021-07-23T16:31:29.798Z`.

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::time::format_ms;

/// A conversation participant: `{id, name, email?}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    /// Member id (a UUID in Symbl).
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail address, when known.
    pub email: Option<String>,
}

impl Serialize for Member {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Member", 3)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("name", &self.name)?;
        if let Some(email) = &self.email {
            st.serialize_field("email", email)?;
        } else {
            st.skip_field("email")?;
        }
        st.end()
    }
}

/// Metadata: string keys to string values, unique keys, in insertion order.
///
/// ```
/// let mut m = store::Metadata::new();
/// m.insert("agentId", "agent-0042");
/// m.insert("channel", "zoom");
/// m.insert("agentId", "agent-0007");
/// assert_eq!(m.get("agentId"), Some("agent-0007"));
/// assert_eq!(m.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["agentId", "channel"]);
/// assert_eq!(m.remove("channel"), Some("zoom".to_string()));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Metadata(Vec<(String, String)>);

impl Metadata {
    /// Empty metadata.
    ///
    /// ```
    /// assert!(store::Metadata::new().is_empty());
    /// ```
    pub fn new() -> Metadata {
        Metadata(Vec::new())
    }

    /// From pairs whose keys are known to be distinct.
    pub(crate) fn from_unique(pairs: Vec<(String, String)>) -> Metadata {
        Metadata(pairs)
    }

    /// The value of `key`.
    ///
    /// ```
    /// assert_eq!(store::Metadata::new().get("x"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key` (replacing its value in place, or appending).
    ///
    /// ```
    /// let mut m = store::Metadata::new();
    /// m.insert("a", "1");
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Removes `key`, returning its value.
    ///
    /// ```
    /// let mut m = store::Metadata::new();
    /// assert_eq!(m.remove("a"), None);
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    /// `(key, value)` pairs in insertion order.
    ///
    /// ```
    /// let m: store::Metadata = [("a", "1")].into_iter().collect();
    /// assert_eq!(m.iter().next(), Some(("a", "1")));
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of keys.
    ///
    /// ```
    /// assert_eq!(store::Metadata::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no key.
    ///
    /// ```
    /// assert!(store::Metadata::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Metadata {
        let mut m = Metadata::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A Symbl conversation.
///
/// ```
/// let c = store::Conversation::from_json(r#"{"id":"1","type":"meeting","name":"Sales Brainstorm",
///     "startTime":"2021-03-12T15:00:02.500Z","endTime":"2021-03-12T15:47:40.000Z",
///     "members":[{"id":"m1","name":"Ana Ruiz","email":"ana.ruiz@initech.net"}],
///     "metadata":{"agentId":"agent-0042"}}"#)?;
/// assert_eq!(c.metadata.get("agentId"), Some("agent-0042"));
/// let back = serde_json::to_value(&c).unwrap();
/// assert_eq!(back["startTime"], "2021-03-12T15:00:02.500Z");
/// # Ok::<(), store::RecordError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Conversation {
    /// Unique id (any string; decimal digits in Symbl).
    pub id: String,
    /// `type`: `meeting`, `call`, `chat`, … (any string).
    pub kind: String,
    /// Title.
    pub name: String,
    /// Start, epoch milliseconds.
    pub start_time: i64,
    /// End, epoch milliseconds; `None` while the conversation runs.
    pub end_time: Option<i64>,
    /// Participants.
    pub members: Vec<Member>,
    /// String metadata.
    pub metadata: Metadata,
}

impl Conversation {
    /// The end used by the time window: `end_time`, or `start_time` while running.
    ///
    /// ```
    /// let mut c = store::generate::conversation(1, 0);
    /// c.end_time = None;
    /// assert_eq!(c.effective_end(), c.start_time);
    /// ```
    pub fn effective_end(&self) -> i64 {
        self.end_time.unwrap_or(self.start_time)
    }
}

impl Serialize for Conversation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Conversation", 7)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("type", &self.kind)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("startTime", &format_ms(self.start_time))?;
        match self.end_time {
            Some(end) => st.serialize_field("endTime", &format_ms(end))?,
            None => st.skip_field("endTime")?,
        }
        st.serialize_field("members", &self.members)?;
        st.serialize_field("metadata", &self.metadata)?;
        st.end()
    }
}

/// The author of a [`Message`]: `{id, name, userId?}` (Symbl's `from`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MessageFrom {
    /// The member id.
    pub id: String,
    /// The member's name.
    pub name: String,
    /// Symbl's `userId`, usually the member's e-mail.
    pub user_id: Option<String>,
}

/// One word of a message with its timing (`verbose=true`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Word {
    /// The word.
    pub word: String,
    /// Start, epoch ms.
    pub start_time: i64,
    /// End, epoch ms.
    pub end_time: i64,
}

/// A message (transcript sentence) of a conversation, as served by
/// `GET /v1/conversations/{id}/messages`.
///
/// ```
/// let c = store::generate::conversation(1, 0);
/// let msgs = store::generate::messages(1, &c);
/// let json = msgs[0].to_json(false, true);
/// assert!(json["sentiment"]["polarity"]["score"].is_number());
/// assert!(json.get("words").is_none());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Message id.
    pub id: String,
    /// The sentence.
    pub text: String,
    /// Author.
    pub from: MessageFrom,
    /// Start, epoch ms.
    pub start_time: i64,
    /// End, epoch ms.
    pub end_time: i64,
    /// Owning conversation.
    pub conversation_id: String,
    /// Sentiment polarity score in -1..=1, when analysed.
    pub sentiment: Option<f64>,
    /// Word timings (may be empty).
    pub words: Vec<Word>,
}

impl Message {
    /// Symbl's JSON, as a value: the keys of [`view`](Self::view) (a
    /// `serde_json::Value` keeps them sorted, so write [`view`](Self::view)
    /// where the order on the wire matters).
    ///
    /// ```
    /// let c = store::generate::conversation(1, 0);
    /// let m = &store::generate::messages(1, &c)[0];
    /// assert!(m.to_json(true, false)["words"].is_array());
    /// assert_eq!(m.to_json(false, false)["conversationId"], c.id.as_str());
    /// ```
    pub fn to_json(&self, verbose: bool, sentiment: bool) -> serde_json::Value {
        serde_json::to_value(self.view(verbose, sentiment)).unwrap_or(serde_json::Value::Null)
    }

    /// The message as the messages route writes it: `words` only with
    /// `verbose`, `sentiment` only with `sentiment` (`suggested` is `positive`
    /// from 0.3, `negative` up to -0.3, else `neutral`). Keys in Symbl's
    /// order: `id`, `text`, `from` (`id`, `name`, `userId`), `startTime`,
    /// `endTime`, `conversationId`, `phrases`, `sentiment`, `words`.
    ///
    /// ```
    /// let c = store::generate::conversation(1, 0);
    /// let m = &store::generate::messages(1, &c)[0];
    /// let json = serde_json::to_string(&m.view(false, false))?;
    /// assert!(json.starts_with(r#"{"id":"#));
    /// assert!(json.contains(r#","from":{"id":"#));
    /// assert!(json.find("\"startTime\"") < json.find("\"conversationId\""));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn view(&self, verbose: bool, sentiment: bool) -> MessageView<'_> {
        MessageView {
            message: self,
            verbose,
            sentiment,
        }
    }
}

/// [`Message::view`]: a message with the route's `verbose`/`sentiment`
/// choices, serialised in Symbl's key order.
#[derive(Clone, Copy, Debug)]
pub struct MessageView<'a> {
    message: &'a Message,
    verbose: bool,
    sentiment: bool,
}

impl Serialize for MessageView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.message;
        let mut st = s.serialize_struct("Message", 9)?;
        st.serialize_field("id", &m.id)?;
        st.serialize_field("text", &m.text)?;
        st.serialize_field("from", &m.from)?;
        st.serialize_field("startTime", &format_ms(m.start_time))?;
        st.serialize_field("endTime", &format_ms(m.end_time))?;
        st.serialize_field("conversationId", &m.conversation_id)?;
        st.serialize_field("phrases", &[(); 0])?;
        match m.sentiment.filter(|_| self.sentiment) {
            Some(score) => st.serialize_field("sentiment", &Sentiment(score))?,
            None => st.skip_field("sentiment")?,
        }
        if self.verbose {
            st.serialize_field("words", &m.words)?;
        } else {
            st.skip_field("words")?;
        }
        st.end()
    }
}

impl Serialize for MessageFrom {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("MessageFrom", 3)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("name", &self.name)?;
        match &self.user_id {
            Some(u) => st.serialize_field("userId", u)?,
            None => st.skip_field("userId")?,
        }
        st.end()
    }
}

impl Serialize for Word {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Word", 3)?;
        st.serialize_field("word", &self.word)?;
        st.serialize_field("startTime", &format_ms(self.start_time))?;
        st.serialize_field("endTime", &format_ms(self.end_time))?;
        st.end()
    }
}

/// `{"polarity":{"score":…},"suggested":…}`.
struct Sentiment(f64);

impl Serialize for Sentiment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Polarity(f64);
        impl Serialize for Polarity {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Polarity", 1)?;
                st.serialize_field("score", &self.0)?;
                st.end()
            }
        }
        let suggested = if self.0 >= 0.3 {
            "positive"
        } else if self.0 <= -0.3 {
            "negative"
        } else {
            "neutral"
        };
        let mut st = s.serialize_struct("Sentiment", 2)?;
        st.serialize_field("polarity", &Polarity(self.0))?;
        st.serialize_field("suggested", suggested)?;
        st.end()
    }
}

/// A loose e-mail check for member updates: one `@`, a non-empty local part,
/// a domain with a dot, no spaces.
///
/// ```
/// assert!(store::is_valid_email("ana.ruiz@initech.net"));
/// assert!(!store::is_valid_email("ana.ruiz@localhost"));
/// assert!(!store::is_valid_email("ana ruiz@initech.net"));
/// ```
pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty())
        && s.len() <= 254
}
