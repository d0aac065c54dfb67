//! JSON rendering of Symbl conversations for the list and get routes.
//!
//! The routes render borrowed rows ([`store::ConversationRef`], read in place
//! under the store's read lock) with [`list_bytes_ref`] and
//! [`store::ConversationRef::write_json`], the store's writer for its own
//! rows (strings copied between quotes in one go, escape checks skipped for
//! rows known to need none, timestamps formatted on the stack). The owned
//! variants ([`list_bytes`], [`write_conversation`], [`ConversationJson`])
//! give the same bytes; tests check that they agree with serde.

use serde::ser::{Serialize, SerializeStruct, Serializer};
use store::{Conversation, ConversationRef};

/// A timestamp that serializes as a string (the serde path, off the hot path).
struct Ts(i64);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&store::time::format_ms(self.0))
    }
}

/// A conversation in Symbl's JSON shape.
///
/// ```
/// let c = store::generate::conversation(1, 0);
/// let fast = serde_json::to_string(&server::render::ConversationJson(&c)).unwrap();
/// assert_eq!(fast, serde_json::to_string(&c).unwrap());
/// ```
pub struct ConversationJson<'a>(pub &'a Conversation);

impl Serialize for ConversationJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut st = s.serialize_struct("Conversation", 7)?;
        st.serialize_field("id", &c.id)?;
        st.serialize_field("type", &c.kind)?;
        st.serialize_field("name", &c.name)?;
        st.serialize_field("startTime", &Ts(c.start_time))?;
        match c.end_time {
            Some(end) => st.serialize_field("endTime", &Ts(end))?,
            None => st.skip_field("endTime")?,
        }
        st.serialize_field("members", &c.members)?;
        st.serialize_field("metadata", &c.metadata)?;
        st.end()
    }
}

/// Appends one conversation's JSON (the bytes `ConversationJson` serializes to).
///
/// ```
/// let c = store::generate::conversation(1, 0);
/// let mut out = Vec::new();
/// server::render::write_conversation(&mut out, &c);
/// assert_eq!(out, serde_json::to_vec(&c).unwrap());
/// ```
pub fn write_conversation(out: &mut Vec<u8>, c: &Conversation) {
    store::json::write_owned(out, c);
}

/// Appends one borrowed conversation's JSON: the same bytes as
/// [`write_conversation`] of its owned copy, read straight from the store.
///
/// ```
/// let s = store::generate::store(1, 3);
/// let c = store::generate::conversation(1, 2);
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// server::render::write_conversation_ref(&mut a, s.get_ref(&c.id).unwrap());
/// server::render::write_conversation(&mut b, &c);
/// assert_eq!(a, b);
/// ```
pub fn write_conversation_ref(out: &mut Vec<u8>, c: ConversationRef<'_>) {
    c.write_json(out);
}

/// `{"conversations":[…]}` as bytes, sized up front.
///
/// ```
/// let cs: Vec<_> = (0..3).map(|i| store::generate::conversation(1, i)).collect();
/// let fast = server::render::list_bytes(&cs);
/// assert_eq!(fast, serde_json::to_vec(&server::render::ListJson(&cs)).unwrap());
/// ```
pub fn list_bytes(items: &[Conversation]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + items.len() * 768);
    out.extend_from_slice(b"{\"conversations\":[");
    for (i, c) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_conversation(&mut out, c);
    }
    out.extend_from_slice(b"]}");
    out
}

/// `{"conversations":[…]}` of a borrowed page, as bytes: the same bytes as
/// [`list_bytes`] of the owned page.
///
/// ```
/// let s = store::generate::store(4, 50);
/// let spec = store::QuerySpec { limit: 5, window: None, ..Default::default() };
/// let page = s.query_ref(&spec)?;
/// assert_eq!(server::render::list_bytes_ref(&page.items), server::render::list_bytes(&s.query(&spec)?.items));
/// # Ok::<(), store::StoreError>(())
/// ```
pub fn list_bytes_ref(items: &[ConversationRef<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + items.len() * 768);
    out.extend_from_slice(b"{\"conversations\":[");
    for (i, c) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_conversation_ref(&mut out, *c);
    }
    out.extend_from_slice(b"]}");
    out
}

/// `{"conversations":[…]}`.
pub struct ListJson<'a>(pub &'a [Conversation]);

impl Serialize for ListJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Items<'a>(&'a [Conversation]);
        impl Serialize for Items<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(ConversationJson))
            }
        }
        let mut st = s.serialize_struct("List", 1)?;
        st.serialize_field("conversations", &Items(self.0))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_matches_serde_for_generated_conversations() {
        for i in 0..200 {
            let c = store::generate::conversation(3, i);
            let serde = serde_json::to_vec(&c).unwrap_or_default();
            assert_eq!(
                serde_json::to_vec(&ConversationJson(&c)).unwrap_or_default(),
                serde
            );
            let mut fast = Vec::new();
            write_conversation(&mut fast, &c);
            assert_eq!(fast, serde);
        }
    }

    #[test]
    fn escaping_matches_serde() {
        let mut c = store::generate::conversation(3, 0);
        c.name = "quote \" backslash \\ tab \t nul \u{0} é 😀 </script>".to_owned();
        c.id = "\u{1f}".to_owned();
        c.end_time = None;
        c.metadata.insert("k\"ey", "v\nal");
        if let Some(m) = c.members.first_mut() {
            m.email = None;
        }
        let mut fast = Vec::new();
        write_conversation(&mut fast, &c);
        assert_eq!(fast, serde_json::to_vec(&c).unwrap_or_default());
        let back: serde_json::Value = serde_json::from_slice(&fast).unwrap_or_default();
        assert_eq!(back["name"], c.name.as_str());
        // The same conversation read back from a store, borrowed.
        c.id = "id \" \\ \u{1f}".to_owned();
        let mut s = store::Store::new();
        s.insert(c.clone()).unwrap();
        let mut borrowed = Vec::new();
        write_conversation_ref(&mut borrowed, s.get_ref(&c.id).unwrap());
        assert_eq!(borrowed, serde_json::to_vec(&c).unwrap_or_default());
    }

    #[test]
    fn borrowed_pages_render_like_owned_pages() {
        let s = store::generate::store(5, 300);
        for c in s.iter() {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            write_conversation_ref(&mut a, s.get_ref(&c.id).unwrap());
            write_conversation(&mut b, &c);
            assert_eq!(a, b);
        }
        let spec = store::QuerySpec {
            limit: 50,
            offset: 7,
            window: None,
            ..Default::default()
        };
        let page = s.query_ref(&spec).unwrap();
        assert_eq!(page.items.len(), 50);
        assert_eq!(
            list_bytes_ref(&page.items),
            list_bytes(&s.query(&spec).unwrap().items)
        );
        assert_eq!(list_bytes_ref(&[]), b"{\"conversations\":[]}");
    }
}
