//! The JSON of stored conversations, written when a page asks for it.
//!
//! A row keeps no rendered copy of itself: [`ConversationRef::write_json`]
//! writes its scalar fields and metadata from the interned strings, and its
//! members from each distinct person's member object (`People::json`,
//! rendered once, when the person is first stored). The bytes are those of
//! the owned [`Conversation`](crate::Conversation)'s `Serialize`.
//!
//! Rows kept their own JSON until issue 17: about 300 MB of the 950 MB a
//! million conversations took (`store/README.md`, "Memory").
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
use crate::json::{Parts, write_conversation, write_member};

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
        let (row, strings) = (self.row, self.strings);
        write_conversation(
            out,
            Parts {
                id: &row.id,
                kind: strings.get(row.kind),
                name: strings.get(row.name),
                start: row.start,
                end: row.end(),
            },
            |out| {
                for (i, &p) in row.members().iter().enumerate() {
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
            },
            row.metadata()
                .iter()
                .map(|&[k, v]| (strings.get(k), strings.get(v))),
        );
    }
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
