//! Borrowed results: [`ConversationRef`] and [`PageRef`], what
//! [`Store::query_ref`](crate::Store::query_ref) returns.
//!
//! A reference reads the interned row in place, through the string and
//! people tables it points into, so a page costs no string copies; it
//! serialises to exactly the JSON of an owned
//! [`Conversation`](crate::Conversation), and [`ConversationRef::to_owned`]
//! copies it out. [`Store::query`](crate::Store::query) is `query_ref` plus
//! `to_owned`. `json.rs` beside this file writes a reference's JSON from the
//! interned row and each person's member object ([`ConversationRef::write_json`]).

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::intern::{Interner, NO_SYM};
use crate::model::{Conversation, Member, Metadata};
use crate::people::{People, Person};
use crate::rows::Row;
use crate::time::format_ms;

pub(crate) mod json;

/// A stored conversation, borrowed from the store.
///
/// ```
/// let s = store::generate::store(1, 3);
/// let c = store::generate::conversation(1, 2);
/// let r = s.get_ref(&c.id).unwrap();
/// assert_eq!(r.name(), c.name);
/// assert_eq!(r.to_owned(), c);
/// assert_eq!(serde_json::to_value(r)?, serde_json::to_value(&c)?);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct ConversationRef<'s> {
    strings: &'s Interner,
    people: &'s People,
    row: &'s Row,
}

/// A member, borrowed from the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberRef<'s> {
    /// Member id.
    pub id: &'s str,
    /// Display name.
    pub name: &'s str,
    /// E-mail, when known.
    pub email: Option<&'s str>,
}

impl MemberRef<'_> {
    /// An owned copy.
    ///
    /// ```
    /// let m = store::MemberRef { id: "m1", name: "Ana", email: None };
    /// assert_eq!(m.to_owned().id, "m1");
    /// ```
    pub fn to_owned(&self) -> Member {
        Member {
            id: self.id.to_string(),
            name: self.name.to_string(),
            email: self.email.map(str::to_string),
        }
    }
}

impl<'s> ConversationRef<'s> {
    /// `row`, whose symbols and person numbers name entries of `strings` and
    /// `people`.
    pub(crate) fn new(
        strings: &'s Interner,
        people: &'s People,
        row: &'s Row,
    ) -> ConversationRef<'s> {
        ConversationRef {
            strings,
            people,
            row,
        }
    }

    /// `id`.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert_eq!(s.get_ref("1000000000000042").map(|c| c.id()), Some("1000000000000042"));
    /// ```
    pub fn id(&self) -> &'s str {
        &self.row.id
    }

    /// `type`.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert!(["meeting", "call", "chat"].contains(&s.get_ref("1000000000000042").unwrap().kind()));
    /// ```
    pub fn kind(&self) -> &'s str {
        self.strings.get(self.row.kind)
    }

    /// `name`.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert!(!s.get_ref("1000000000000042").unwrap().name().is_empty());
    /// ```
    pub fn name(&self) -> &'s str {
        self.strings.get(self.row.name)
    }

    /// `startTime`, epoch ms.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert!(s.get_ref("1000000000000042").unwrap().start_time() > 0);
    /// ```
    pub fn start_time(&self) -> i64 {
        self.row.start
    }

    /// `endTime`, epoch ms; `None` while running.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert!(s.get_ref("1000000000000042").unwrap().end_time().is_some());
    /// ```
    pub fn end_time(&self) -> Option<i64> {
        self.row.end()
    }

    /// The members, in order.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// let c = store::generate::conversation(1, 0);
    /// assert_eq!(s.get_ref(&c.id).unwrap().members().count(), c.members.len());
    /// ```
    pub fn members(&self) -> impl ExactSizeIterator<Item = MemberRef<'s>> + 's {
        let this = *self;
        self.row.members().iter().map(move |&p| this.member(p))
    }

    /// Person `p` of the store, borrowed.
    fn member(&self, p: u32) -> MemberRef<'s> {
        let strings = self.strings;
        let p = self.people.get(p).unwrap_or(Person {
            id: NO_SYM,
            name: NO_SYM,
            email: NO_SYM,
        });
        MemberRef {
            id: strings.get(p.id),
            name: strings.get(p.name),
            email: (p.email != NO_SYM).then(|| strings.get(p.email)),
        }
    }

    /// The metadata pairs, in insertion order.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// let r = s.get_ref("1000000000000042").unwrap();
    /// assert!(r.metadata().any(|(k, _)| k == "agentId"));
    /// ```
    pub fn metadata(&self) -> impl ExactSizeIterator<Item = (&'s str, &'s str)> + 's {
        let strings = self.strings;
        self.row
            .metadata()
            .iter()
            .map(move |&[k, v]| (strings.get(k), strings.get(v)))
    }

    /// The value of one metadata key.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert!(s.get_ref("1000000000000042").unwrap().meta("agentId").is_some());
    /// ```
    pub fn meta(&self, key: &str) -> Option<&'s str> {
        self.metadata().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// An owned copy.
    ///
    /// ```
    /// let s = store::generate::store(1, 1);
    /// assert_eq!(s.get_ref("1000000000000042").unwrap().to_owned(), store::generate::conversation(1, 0));
    /// ```
    pub fn to_owned(&self) -> Conversation {
        // Keys are unique in the store: no need for `Metadata::insert`'s search.
        let metadata = Metadata::from_unique(
            self.metadata()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        Conversation {
            id: self.id().to_string(),
            kind: self.kind().to_string(),
            name: self.name().to_string(),
            start_time: self.start_time(),
            end_time: self.end_time(),
            members: self.members().map(|m| m.to_owned()).collect(),
            metadata,
        }
    }
}

impl std::fmt::Debug for ConversationRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConversationRef")
            .field("id", &self.id())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

struct Members<'s>(ConversationRef<'s>);

impl Serialize for Members<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.members())
    }
}

struct MetaMap<'s>(ConversationRef<'s>);

impl Serialize for MetaMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.row.metadata().len()))?;
        for (k, v) in self.0.metadata() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for MemberRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Member", 3)?;
        st.serialize_field("id", self.id)?;
        st.serialize_field("name", self.name)?;
        match self.email {
            Some(e) => st.serialize_field("email", e)?,
            None => st.skip_field("email")?,
        }
        st.end()
    }
}

impl Serialize for ConversationRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Conversation", 7)?;
        st.serialize_field("id", self.id())?;
        st.serialize_field("type", self.kind())?;
        st.serialize_field("name", self.name())?;
        st.serialize_field("startTime", &format_ms(self.start_time()))?;
        match self.end_time() {
            Some(end) => st.serialize_field("endTime", &format_ms(end))?,
            None => st.skip_field("endTime")?,
        }
        st.serialize_field("members", &Members(*self))?;
        st.serialize_field("metadata", &MetaMap(*self))?;
        st.end()
    }
}

/// One page of borrowed results.
///
/// ```
/// let s = store::generate::store(4, 500);
/// let spec = store::QuerySpec { window: Some(store::Window { start: 0, end: i64::MAX }), limit: 3, ..Default::default() };
/// let page = s.query_ref(&spec)?;
/// assert_eq!(page.total, 500);
/// assert_eq!(page.to_owned(), s.query(&spec)?);
/// # Ok::<(), store::StoreError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PageRef<'s> {
    /// The conversations of the page, in order.
    pub items: Vec<ConversationRef<'s>>,
    /// How many conversations matched the window and the filter.
    pub total: usize,
}

impl PageRef<'_> {
    /// An owned copy.
    ///
    /// ```
    /// let s = store::generate::store(4, 5);
    /// let page = s.query_ref(&store::QuerySpec::default())?.to_owned();
    /// assert_eq!(page.items.len(), 5);
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn to_owned(&self) -> crate::Page {
        crate::Page {
            items: self.items.iter().map(ConversationRef::to_owned).collect(),
            total: self.total,
        }
    }
}
