//! JSON rendering of Symbl conversations for the list and get routes.
//!
//! The list and get routes render borrowed rows ([`crate::ConversationRef`], read in place
//! under the store's read lock) with [`list_bytes_ref`] and
//! [`write_conversation_ref`]: the store's writer for its own rows (a row's
//! fields are written on demand; each person's member object is rendered
//! once, when the person is stored), which gives the bytes serde gives for
//! the owned [`crate::Conversation`].

use crate::ConversationRef;

/// Appends one borrowed conversation's JSON: the bytes `serde_json` gives for
/// its owned copy, read straight from the store.
///
/// ```
/// let s = store::generate::store(1, 3);
/// let c = store::generate::conversation(1, 2);
/// let mut out = Vec::new();
/// store::render::write_conversation_ref(&mut out, s.get_ref(&c.id).unwrap());
/// assert_eq!(out, serde_json::to_vec(&c)?);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn write_conversation_ref(out: &mut Vec<u8>, c: ConversationRef<'_>) {
    c.write_json(out);
}

/// `{"conversations":[…]}` of a borrowed page, as bytes.
///
/// ```
/// let s = store::generate::store(4, 50);
/// let spec = store::QuerySpec { limit: 2, window: None, ..Default::default() };
/// let page = s.query_ref(&spec)?;
/// let owned = s.query(&spec)?.items;
/// let expected = format!(
///     r#"{{"conversations":[{},{}]}}"#,
///     serde_json::to_string(&owned[0]).unwrap(),
///     serde_json::to_string(&owned[1]).unwrap(),
/// );
/// assert_eq!(store::render::list_bytes_ref(&page.items), expected.as_bytes());
/// # Ok::<(), store::StoreError>(())
/// ```
pub fn list_bytes_ref(items: &[ConversationRef<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + items.len() * 768);
    out.extend_from_slice(LIST_OPEN);
    write_list_rows(&mut out, items.iter().copied(), 0);
    out.extend_from_slice(LIST_CLOSE);
    out
}

/// The bytes a list body starts with.
pub const LIST_OPEN: &[u8] = b"{\"conversations\":[";
/// The bytes a list body ends with.
pub const LIST_CLOSE: &[u8] = b"]}";

/// Appends `rows` to a list body that already holds `written` rows (a comma
/// before every row but the body's first) and returns the new count: a
/// streamed page is [`LIST_OPEN`], the chunks written by this, and
/// [`LIST_CLOSE`], byte for byte what [`list_bytes_ref`] gives for the same
/// rows.
///
/// ```
/// use store::render::{list_bytes_ref, write_list_rows, LIST_CLOSE, LIST_OPEN};
/// let s = store::generate::store(4, 50);
/// let spec = store::QuerySpec { limit: 5, window: None, ..Default::default() };
/// let rows = s.query_ref(&spec)?.items;
/// let mut chunked = LIST_OPEN.to_vec();
/// let n = write_list_rows(&mut chunked, rows[..2].iter().copied(), 0);
/// let n = write_list_rows(&mut chunked, rows[2..].iter().copied(), n);
/// chunked.extend_from_slice(LIST_CLOSE);
/// assert_eq!(n, 5);
/// assert_eq!(chunked, list_bytes_ref(&rows));
/// # Ok::<(), store::StoreError>(())
/// ```
pub fn write_list_rows<'s>(
    out: &mut Vec<u8>,
    rows: impl IntoIterator<Item = ConversationRef<'s>>,
    written: usize,
) -> usize {
    let mut n = written;
    for c in rows {
        if n > 0 {
            out.push(b',');
        }
        write_conversation_ref(out, c);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Conversation;

    /// serde's bytes for a stored conversation, borrowed from `s`.
    fn rendered(s: &crate::Store, id: &str) -> Vec<u8> {
        let mut out = Vec::new();
        write_conversation_ref(&mut out, s.get_ref(id).unwrap());
        out
    }

    /// `{"conversations":[…]}` through serde.
    #[derive(serde::Serialize)]
    struct ListJson<'a> {
        conversations: &'a [Conversation],
    }

    #[test]
    fn rendering_matches_serde_for_generated_conversations() {
        let s = crate::generate::store(3, 200);
        for i in 0..200 {
            let c = crate::generate::conversation(3, i);
            assert_eq!(rendered(&s, &c.id), serde_json::to_vec(&c).unwrap());
        }
    }

    #[test]
    fn escaping_matches_serde() {
        let mut c = crate::generate::conversation(3, 0);
        c.name = "quote \" backslash \\ tab \t soh \u{1} é 😀 </script>".to_owned();
        c.id = "\u{1f}".to_owned();
        c.end_time = None;
        c.metadata.insert("k\"ey", "v\nal");
        if let Some(m) = c.members.first_mut() {
            m.email = None;
        }
        let mut s = crate::Store::new();
        s.insert(c.clone()).unwrap();
        let fast = rendered(&s, &c.id);
        assert_eq!(fast, serde_json::to_vec(&c).unwrap_or_default());
        let back: serde_json::Value = serde_json::from_slice(&fast).unwrap_or_default();
        assert_eq!(back["name"], c.name.as_str());
        // Another id with characters to escape.
        c.id = "id \" \\ \u{1f}".to_owned();
        s.insert(c.clone()).unwrap();
        assert_eq!(
            rendered(&s, &c.id),
            serde_json::to_vec(&c).unwrap_or_default()
        );
    }

    #[test]
    fn borrowed_pages_render_like_owned_pages() {
        let s = crate::generate::store(5, 300);
        for c in s.iter() {
            assert_eq!(rendered(&s, &c.id), serde_json::to_vec(&c).unwrap());
        }
        let spec = crate::QuerySpec {
            limit: 50,
            offset: 7,
            window: None,
            ..Default::default()
        };
        let page = s.query_ref(&spec).unwrap();
        assert_eq!(page.items.len(), 50);
        let owned = s.query(&spec).unwrap().items;
        assert_eq!(
            list_bytes_ref(&page.items),
            serde_json::to_vec(&ListJson {
                conversations: &owned
            })
            .unwrap()
        );
        assert_eq!(list_bytes_ref(&[]), b"{\"conversations\":[]}");
    }
}
