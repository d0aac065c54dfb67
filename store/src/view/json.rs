//! The JSON of stored conversations, from bytes kept for the purpose.
//!
//! Each row keeps its own JSON without its members ([`render_row`], run when
//! the row is stored and again when its metadata changes), and each distinct
//! person its member object (`People::json`, rendered once). Writing a
//! [`ConversationRef`] is then a few copies: the row's bytes up to
//! `"members":[`, its members' objects, and the rest
//! ([`ConversationRef::write_json`]). The bytes are those of the owned
//! [`Conversation`](crate::Conversation)'s `Serialize`.
//!
//! ```
//! let s = store::generate::store(1, 3);
//! let c = store::generate::conversation(1, 2);
//! let mut out = Vec::new();
//! s.get_ref(&c.id).unwrap().write_json(&mut out);
//! assert_eq!(out, serde_json::to_vec(&c)?);
//! # Ok::<(), serde_json::Error>(())
//! ```

use super::ConversationRef;
use crate::intern::Interner;
use crate::json::{Parts, write_conversation, write_member};
use crate::rows::Row;

impl ConversationRef<'_> {
    /// Appends this conversation's JSON: the same bytes as `serde_json` gives
    /// for its owned copy, without building one.
    ///
    /// ```
    /// let s = store::generate::store(1, 3);
    /// let c = store::generate::conversation(1, 0);
    /// let mut out = Vec::new();
    /// s.get_ref(&c.id).unwrap().write_json(&mut out);
    /// assert_eq!(out, serde_json::to_vec(&c)?);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let at = (self.row.members_at as usize).min(self.row.json.len());
        let (head, tail) = self.row.json.split_at(at);
        out.extend_from_slice(head);
        for (i, &p) in self.row.members().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match self.people.json.get(p) {
                Some(json) => out.extend_from_slice(json),
                None => {
                    let m = self.member(p);
                    write_member(out, m.id, m.name, m.email);
                }
            }
        }
        out.extend_from_slice(tail);
    }
}

/// A row's JSON without its members, and where they go: the bytes before
/// `members_at` end with `"members":[`, the rest starts with `]`. The caller
/// checks `members_at` against [`Limits::head_bytes`](crate::Limits) before
/// storing it in [`Row::members_at`].
pub(crate) fn render_row(strings: &Interner, row: &Row) -> (Box<[u8]>, usize) {
    let mut out = Vec::with_capacity(256);
    let mut members_at = 0;
    write_conversation(
        &mut out,
        Parts {
            id: &row.id,
            kind: strings.get(row.kind),
            name: strings.get(row.name),
            start: row.start,
            end: row.end(),
        },
        |out| members_at = out.len(),
        row.metadata()
            .iter()
            .map(|&[k, v]| (strings.get(k), strings.get(v))),
    );
    (out.into_boxed_slice(), members_at)
}

#[cfg(test)]
mod tests {
    use crate::json::write_owned;

    #[test]
    fn rows_and_members_with_characters_to_escape_match_serde() {
        let mut s = crate::Store::new();
        let mut plain = crate::generate::conversation(7, 0);
        let mut odd = crate::generate::conversation(7, 1);
        odd.members[0].name = "Ana \"Q\" \\ \u{1}".to_owned();
        odd.metadata.insert("k\"ey", "v\nal");
        // Same person as `odd`'s first member: the rendered object is shared.
        plain.members[0] = odd.members[0].clone();
        for c in [&plain, &odd] {
            s.insert(c.clone()).unwrap();
        }
        for c in [&plain, &odd] {
            let mut out = Vec::new();
            s.get_ref(&c.id).unwrap().write_json(&mut out);
            assert_eq!(out, serde_json::to_vec(c).unwrap());
            let mut owned = Vec::new();
            write_owned(&mut owned, c);
            assert_eq!(owned, out);
        }
    }
}
