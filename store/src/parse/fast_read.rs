//! The fast reader: the common shape of a conversation line, read into its
//! fields as found (`found.rs`) without serde.
//!
//! It takes only lines made of the documented keys (`id`, `type`, `name`,
//! `startTime`, `endTime`, `members` with `id`, `name` and `email`,
//! `metadata`), whose values are strings without escapes or `null` (and
//! arrays and objects where the format puts them), with any JSON
//! whitespace between tokens. On anything else (another key, a number, an
//! escape, a control character, a syntax error) it gives up and returns
//! `None`, and the general reader (`serde_read.rs`, serde_json) reads the
//! line from the start and words the error. So it decides nothing: for every
//! line it takes, its fields equal the general reader's (a differential
//! property test checks this), and it never reports an error.
//!
//! Why: serde_json's visitors cost about as much as building a whole
//! `serde_json::Value`. On the bench's 1M-line file this reader does the
//! same work in less time (the store README gives the figures).

use std::borrow::Cow;

use super::found::{ConvSlots, Fields, List, MemberSlots, Pairs, Val, set};

/// The fields of `text` when it has the common shape; `None` hands the line
/// to the general reader.
pub(super) fn conversation(text: &str) -> Option<Fields<ConvSlots<'_>>> {
    let mut r = Reader { text, at: 0 };
    let mut out = Fields::<ConvSlots<'_>>::default();
    r.object(|r, key| {
        let (s, dup) = (&mut out.slots, &mut out.duplicate);
        match key {
            "id" => set(&mut s.id, r.scalar()?, key, dup),
            "type" => set(&mut s.kind, r.scalar()?, key, dup),
            "name" => set(&mut s.name, r.scalar()?, key, dup),
            "startTime" => set(&mut s.start, r.scalar()?, key, dup),
            "endTime" => set(&mut s.end, r.scalar()?, key, dup),
            "members" => set(&mut s.members, r.members()?, key, dup),
            "metadata" => set(&mut s.metadata, r.metadata()?, key, dup),
            _ => return None,
        }
        Some(())
    })?;
    r.ws();
    (r.at == text.len()).then_some(out)
}

/// A position in a line.
struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The next token, after whitespace, if it is `b`.
    fn eat(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.peek()? == b).then(|| self.at += 1)
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.text.as_bytes().get(start..)?;
        // Its closing quote, or what only the general reader handles (an
        // escape, a control character).
        let len = crate::escape::first_to_escape(rest)?;
        if rest[len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are next to an ASCII quote, so on character boundaries.
        self.text.get(start..start + len)
    }

    /// `null`.
    fn null(&mut self) -> Option<()> {
        let rest = self.text.as_bytes().get(self.at..)?;
        rest.starts_with(b"null").then(|| self.at += 4)
    }

    /// A string or `null`.
    fn scalar(&mut self) -> Option<Val<'a>> {
        self.ws();
        match self.peek()? {
            b'"' => Some(Val::Str(Cow::Borrowed(self.string()?))),
            b'n' => self.null().map(|()| Val::Null),
            _ => None,
        }
    }

    /// An object: `field` reads the value of each key in turn.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            field(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `members`: an array of member objects, or `null`.
    fn members(&mut self) -> Option<List<'a>> {
        self.ws();
        match self.peek()? {
            b'n' => self.null().map(|()| List::Null),
            b'[' => {
                self.at += 1;
                let mut items = Vec::with_capacity(6);
                self.ws();
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(List::Items(items));
                }
                loop {
                    items.push(self.member()?);
                    self.ws();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(List::Items(items));
                        }
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }

    /// One member object.
    fn member(&mut self) -> Option<Fields<MemberSlots<'a>>> {
        let mut out = Fields::<MemberSlots<'a>>::default();
        self.object(|r, key| {
            let (s, dup) = (&mut out.slots, &mut out.duplicate);
            match key {
                "id" => set(&mut s.id, r.scalar()?, key, dup),
                "name" => set(&mut s.name, r.scalar()?, key, dup),
                "email" => set(&mut s.email, r.scalar()?, key, dup),
                _ => return None,
            }
            Some(())
        })?;
        Some(out)
    }

    /// `metadata`: an object of strings (or `null`s, which validation
    /// refuses), or `null`.
    fn metadata(&mut self) -> Option<Pairs<'a>> {
        self.ws();
        match self.peek()? {
            b'n' => self.null().map(|()| Pairs::Null),
            b'{' => {
                let mut items = Vec::with_capacity(4);
                self.object(|r, key| {
                    items.push((Cow::Borrowed(key), r.scalar()?));
                    Some(())
                })?;
                Some(Pairs::Items(items))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::serde_read;
    use super::*;

    /// The fast reader takes `text`, and reads what the general one does.
    fn taken(text: &str) -> Fields<ConvSlots<'_>> {
        let fast = conversation(text).unwrap_or_else(|| panic!("not taken: {text}"));
        assert_eq!(
            Some(&fast),
            serde_read::conversation(text).ok().as_ref(),
            "{text}"
        );
        fast
    }

    #[test]
    fn takes_the_common_shape_with_any_whitespace() {
        let f = taken(
            " {\"id\" : \"1\",\t\"type\":\"call\",\n\"name\":\"Q3 review – ünïcode\",\r\"startTime\":\"2021-01-01T00:00:00Z\",\
             \"endTime\":null,\"members\":[ {\"id\":\"a\",\"name\":\"A\",\"email\":null} , {} ],\
             \"metadata\":{ \"k\" : \"v\" , \"n\":null } } ",
        );
        assert_eq!(
            f.slots.name,
            Some(Val::Str(Cow::Borrowed("Q3 review – ünïcode")))
        );
        assert_eq!(f.slots.end, Some(Val::Null));
        let Some(List::Items(members)) = &f.slots.members else {
            panic!("members: {:?}", f.slots.members)
        };
        assert_eq!(members.len(), 2);
        taken("{}");
        taken(r#"{"members":[],"metadata":{}}"#);
        taken(r#"{"members":null,"metadata":null}"#);
        let dup = taken(r#"{"id":"1","name":"a","id":"2"}"#);
        assert_eq!(dup.duplicate.as_deref(), Some("id"));
        assert_eq!(dup.slots.id, Some(Val::Str(Cow::Borrowed("2"))));
        let dup = taken(r#"{"members":[{"id":"1","email":"a","email":"b"}]}"#);
        let Some(List::Items(members)) = &dup.slots.members else {
            panic!("members: {:?}", dup.slots.members)
        };
        assert_eq!(members[0].duplicate.as_deref(), Some("email"));
    }

    #[test]
    fn leaves_everything_else_to_the_general_reader() {
        for text in [
            r#"{"id":"a\"b"}"#,          // an escape
            "{\"id\":\"a\u{1}b\"}",      // a control character
            r#"{"id":1}"#,               // a number
            r#"{"id":true}"#,            // a boolean
            r#"{"id":"1","extra":"x"}"#, // another key
            r#"{"members":[{"id":"1","x":"y"}]}"#,
            r#"{"members":["a"]}"#, // a member that is no object
            r#"{"members":{}}"#,    // members that are no array
            r#"{"metadata":[]}"#,   // metadata that is no object
            r#"{"metadata":{"k":1}}"#,
            r#"{"id":"1",}"#, // syntax errors
            r#"{"id":"1""#,
            r#"{"id" "1"}"#,
            r#"{"id":nul}"#,
            r#"{"id":nullx}"#,
            r#"{"id":"1"} x"#,
            r#"{"members":[{},]}"#,
            "[1]",
            "null",
            "",
        ] {
            assert!(conversation(text).is_none(), "taken: {text}");
        }
    }

    /// Lines of the generator, then edited at random: an edit inserts a
    /// token (whitespace, punctuation, a literal, an escape, a key) or deletes
    /// a byte, so most edited lines are malformed or leave the common shape.
    fn edited_line() -> impl Strategy<Value = String> {
        const TOKENS: &[&str] = &[
            " ",
            "\t",
            "\n",
            "\"",
            "\\",
            ",",
            ":",
            "{",
            "}",
            "[",
            "]",
            "null",
            "0",
            "true",
            "\u{1}",
            "é",
            "\"x\":\"y\",",
            "\"id\":\"2\",",
            "\"email\":null,",
            "\\n",
        ];
        let edit = (
            any::<prop::sample::Index>(),
            prop::option::of(0..TOKENS.len()),
        );
        (0u64..50, prop::collection::vec(edit, 0..4)).prop_map(|(i, edits)| {
            let mut bytes = Vec::new();
            crate::generate::write_jsonl(i, 1, &mut bytes).unwrap_or_default();
            let mut text = String::from_utf8(bytes)
                .unwrap_or_default()
                .trim_end()
                .to_string();
            for (at, token) in edits {
                let mut at = at.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match token {
                    Some(t) => text.insert_str(at, TOKENS[t]),
                    None if at < text.len() => {
                        text.remove(at);
                    }
                    None => {}
                }
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the fast reader takes, the general reader reads the
        /// same; and it takes every line of the generator unedited.
        #[test]
        fn agrees_with_the_general_reader(text in edited_line()) {
            if let Some(fast) = conversation(&text) {
                let general = serde_read::conversation(&text);
                prop_assert_eq!(Some(fast), general.ok(), "{}", text);
            }
        }

        #[test]
        fn takes_every_generated_line(i in 0u64..10_000) {
            let mut bytes = Vec::new();
            crate::generate::write_jsonl(i, 1, &mut bytes).unwrap_or_default();
            let text = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(conversation(text.trim_end()).is_some(), "{}", text);
        }
    }
}
