//! Tokens: reserved characters, whitespace and the ` and ` / ` or ` keywords,
//! bare words, quoted values with backslash escapes, and operator symbols.
//!
//! Everything here scans bytes. Every reserved character and every whitespace
//! character is ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte
//! character, so a scan that stops at one of them always stops on a
//! character boundary.

use std::borrow::Cow;

const WORD: u8 = 1;
const SPACE: u8 = 2;

/// Byte classes: word character, whitespace, or neither (reserved).
static CLASS: [u8; 256] = {
    let mut table = [WORD; 256];
    // reserved characters (crate docs, *Syntax*); the space is both reserved and whitespace
    let reserved = b"\"'();,=!~<>";
    let mut i = 0;
    while i < reserved.len() {
        table[reserved[i] as usize] = 0;
        i += 1;
    }
    // whitespace between tokens: space, TAB, CR, LF (a TAB or newline next to a
    // word is whitespace: our documented deviation from the reference lexer)
    table[b' ' as usize] = SPACE;
    table[b'\t' as usize] = SPACE;
    table[b'\r' as usize] = SPACE;
    table[b'\n' as usize] = SPACE;
    table
};

/// Whether `b` can appear in a bare word (selector or unquoted value).
#[inline]
pub(super) fn is_word_byte(b: u8) -> bool {
    CLASS[b as usize] == WORD
}

/// Whether `s` could be written as a bare word: non-empty, only word characters.
pub(crate) fn is_bare_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_word_byte)
}

/// Length in bytes of the bare word at the start of `i` (0 if none).
// bare-word = word-char { word-char }
#[inline]
pub(super) fn word_len(i: &str) -> usize {
    i.bytes().position(|b| !is_word_byte(b)).unwrap_or(i.len())
}

/// Skips whitespace, stopping before a space that starts a keyword: the
/// keyword tokens ` and ` / ` or ` contain their spaces (longest match wins),
/// so after this call a leading space always means a keyword.
// skipped = " " | TAB | CR | LF
#[inline]
pub(super) fn skip_ws(i: &str) -> &str {
    let b = i.as_bytes();
    let mut n = 0;
    while n < b.len() {
        match b[n] {
            b' ' if keyword(&i[n..]).is_some() => break,
            b' ' | b'\t' | b'\r' | b'\n' => n += 1,
            _ => break,
        }
    }
    &i[n..]
}

/// A logical separator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sep {
    /// `;` or ` and `
    And,
    /// `,` or ` or `
    Or,
}

/// The keyword at the start of `i`, which must start with its leading space.
// AND-SEP = ";" | " and " ;  OR-SEP = "," | " or "
#[inline]
pub(super) fn keyword(i: &str) -> Option<(Sep, usize)> {
    let b = i.as_bytes();
    if b.starts_with(b" and ") {
        Some((Sep::And, 5))
    } else if b.starts_with(b" or ") {
        Some((Sep::Or, 4))
    } else {
        None
    }
}

/// The separator at the start of `i` (already past [`skip_ws`]): its kind,
/// its name for messages, and its length.
#[inline]
pub(super) fn separator(i: &str) -> Option<(Sep, &'static str, usize)> {
    match i.as_bytes().first()? {
        b';' => Some((Sep::And, ";", 1)),
        b',' => Some((Sep::Or, ",", 1)),
        b' ' => match keyword(i)? {
            (Sep::And, n) => Some((Sep::And, "and", n)),
            (Sep::Or, n) => Some((Sep::Or, "or", n)),
        },
        _ => None,
    }
}

/// The `(start, len)` of the token to blame at the start of `i`, relative to
/// `i`, for "found …" messages: a keyword without its spaces, a bare word, or
/// one character; `(0, 0)` at the end of the input.
pub(super) fn token_at(i: &str) -> (usize, usize) {
    if let Some((_, n)) = keyword(i) {
        return (1, n - 2);
    }
    match i.chars().next() {
        None => (0, 0),
        Some(_) if word_len(i) > 0 => (0, word_len(i)),
        Some(c) => (0, c.len_utf8()),
    }
}

/// The result of scanning an operator token.
pub(super) enum OpToken {
    /// A well-formed symbol of this many bytes.
    Symbol(usize),
    /// A malformed symbol; this many bytes to blame.
    Invalid(usize),
}

/// Scans the operator at the start of `i`, which starts with `=`, `!`, `<` or `>`.
// operator = ( "=" { letter } | "!" ) "=" | ( "<" | ">" ) [ "=" ]
pub(super) fn operator(i: &str) -> OpToken {
    let b = i.as_bytes();
    let next = b.get(1).copied();
    match b.first() {
        Some(b'<' | b'>') => OpToken::Symbol(if next == Some(b'=') { 2 } else { 1 }),
        Some(b'!') if next == Some(b'=') => OpToken::Symbol(2),
        Some(b'!') => OpToken::Invalid(1),
        Some(b'=') => {
            let letters = b[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            let end = 1 + letters;
            if b.get(end) == Some(&b'=') {
                return OpToken::Symbol(end + 1);
            }
            if letters == 0 {
                // `=>`, `=<`, `=!` are likely swapped symbols: blame both characters
                return OpToken::Invalid(if matches!(next, Some(b'>' | b'<' | b'!')) {
                    2
                } else {
                    1
                });
            }
            // `=l1ke=`, `=foo`: blame the whole would-be symbol
            let word = end + word_len(&i[end..]);
            OpToken::Invalid(if b.get(word) == Some(&b'=') {
                word + 1
            } else {
                word
            })
        }
        _ => OpToken::Invalid(0),
    }
}

/// A bare value: its text, with each `\*` read as a literal star (the
/// backslash dropped, the star's offset recorded; api.md §2.2: `\*` is a
/// literal star anywhere). Any other backslash is an ordinary character
/// (`C:\dir`). Without `\*` the text is borrowed.
pub(super) fn bare_value(word: &str) -> (Cow<'_, str>, Vec<usize>) {
    let b = word.as_bytes();
    // The first `\*`, found with one `memchr` for the (rare) backslash.
    let escaped_star = |from: usize| {
        let mut at = from;
        while let Some(k) = memchr::memchr(b'\\', &b[at..]) {
            if b.get(at + k + 1) == Some(&b'*') {
                return Some(at + k);
            }
            at += k + 1;
        }
        None
    };
    let Some(first) = escaped_star(0) else {
        return (Cow::Borrowed(word), Vec::new());
    };
    let mut out = String::with_capacity(word.len());
    let mut stars = Vec::new();
    let mut j = 0;
    let mut next = Some(first);
    while let Some(k) = next {
        // `\*` is two ASCII bytes, so slicing around it stays on char boundaries.
        out.push_str(&word[j..k]);
        stars.push(out.len());
        out.push('*');
        j = k + 2;
        next = escaped_star(j);
    }
    out.push_str(&word[j..]);
    (Cow::Owned(out), stars)
}

/// A quoted value after unescaping.
pub(super) struct Quoted<'a> {
    pub(super) text: Cow<'a, str>,
    pub(super) literal_stars: Vec<usize>,
    /// Bytes consumed, both quotes included.
    pub(super) len: usize,
}

/// Scans the quoted value at the start of `i` (which starts with `'` or `"`).
/// Returns `None` if the closing quote is missing.
///
/// Inside quotes a backslash makes the next character literal and is dropped;
/// `\*` additionally records a literal (non-wildcard) star. Without escapes the
/// text is borrowed from the input.
// quoted = "'" { escape | any - ( "'" | "\" ) } "'"  (and the same with '"')
pub(super) fn quoted(i: &str) -> Option<Quoted<'_>> {
    let b = i.as_bytes();
    let q = *b.first()?;
    let mut j = 1;
    while j < b.len() && b[j] != q && b[j] != b'\\' {
        j += 1;
    }
    if j == b.len() {
        return None;
    }
    if b[j] == q {
        return Some(Quoted {
            text: Cow::Borrowed(&i[1..j]),
            literal_stars: Vec::new(),
            len: j + 1,
        });
    }
    // slow path: at least one escape
    let mut out = String::with_capacity(j + 16);
    let mut stars = Vec::new();
    out.push_str(&i[1..j]);
    loop {
        // here b[j] is a backslash or the closing quote
        if b[j] == q {
            return Some(Quoted {
                text: Cow::Owned(out),
                literal_stars: stars,
                len: j + 1,
            });
        }
        let c = i[j + 1..].chars().next()?;
        if c == '*' {
            stars.push(out.len());
        }
        out.push(c);
        j += 1 + c.len_utf8();
        let run = j;
        while j < b.len() && b[j] != q && b[j] != b'\\' {
            j += 1;
        }
        if j == b.len() {
            return None;
        }
        out.push_str(&i[run..j]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_stops_at_keywords() {
        assert_eq!(skip_ws("  \t x"), "x");
        assert_eq!(skip_ws("  and x"), " and x");
        assert_eq!(skip_ws(" and=x"), "and=x");
        assert_eq!(skip_ws(" or "), " or ");
    }

    #[test]
    fn operators() {
        let len = |s| match operator(s) {
            OpToken::Symbol(n) => Ok(n),
            OpToken::Invalid(n) => Err(n),
        };
        assert_eq!(len("==1"), Ok(2));
        assert_eq!(len("=in=(1)"), Ok(4));
        assert_eq!(len("<=1"), Ok(2));
        assert_eq!(len("<1"), Ok(1));
        assert_eq!(len("!=1"), Ok(2));
        assert_eq!(len("=>1"), Err(2));
        assert_eq!(len("=1"), Err(1));
        assert_eq!(len("=l1ke=x"), Err(6));
        assert_eq!(len("=foo bar"), Err(4));
        assert_eq!(len("!x"), Err(1));
    }

    #[test]
    fn bare_values() {
        let (text, stars) = bare_value(r"C:\dir");
        assert!(matches!(text, Cow::Borrowed(r"C:\dir")) && stars.is_empty());
        let (text, stars) = bare_value(r"a\*b*\*");
        assert_eq!((&*text, stars), ("a*b**", vec![1, 4]));
        let (text, stars) = bare_value(r"\\*");
        assert_eq!((&*text, stars), (r"\*", vec![1]));
    }

    #[test]
    fn quoted_values() {
        let q = quoted("'abc'def").unwrap();
        assert!(matches!(q.text, Cow::Borrowed("abc")));
        assert_eq!(q.len, 5);
        let q = quoted(r#""a\"b\*c\\""#).unwrap();
        assert_eq!(q.text, r#"a"b*c\"#);
        assert_eq!(q.literal_stars, vec![3]);
        let q = quoted("'x\\é'").unwrap();
        assert_eq!(q.text, "xé");
        assert!(quoted("'abc").is_none());
        assert!(quoted("'abc\\").is_none());
        assert!(quoted("'abc\\'").is_none());
    }
}
