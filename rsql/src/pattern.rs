//! [`Pattern`]: a `*` wildcard pattern compiled once, matched many times.
//!
//! A pattern is a list of literal segments separated by wildcards; `*`
//! matches any run of characters, including none. Literal stars (written `\*`
//! in a quoted value) are ordinary text inside a segment. Matching works on
//! bytes: segments are whole UTF-8 strings, so a segment can only start on a
//! character boundary and a wildcard always covers whole characters.
//!
//! The common shapes get their own fast path (prefix, suffix, contains via a
//! precomputed [`memchr::memmem::Finder`], prefix + suffix); anything else is
//! matched greedily left to right, which is exact for `*`-only patterns.
//!
//! Case-insensitive patterns (`=ilike=`, `=ic=` with a wildcard) fold ASCII
//! letters only, like SQLite's `LIKE` and `lower()`: `É` and `é` stay
//! different. Folding ASCII never changes a byte length, so the byte-level
//! matching stays exact.

use memchr::memmem::Finder;

/// A compiled wildcard pattern.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    /// The literal segments; `segments.len() == stars + 1`. Lowercased (ASCII)
    /// when `fold` is set.
    segments: Box<[Box<str>]>,
    fold: bool,
    shape: Shape,
}

#[derive(Clone, Debug)]
enum Shape {
    /// No wildcard at all: plain equality.
    Exact,
    /// `*`: any string.
    Any,
    /// `abc*`
    Prefix,
    /// `*abc`
    Suffix,
    /// `*abc*`, with a precomputed substring finder (case-sensitive only).
    Contains(Option<Box<Finder<'static>>>),
    /// `ab*cd`
    PrefixSuffix,
    /// Anything else: first segment anchored, last segment anchored, the
    /// middle ones searched greedily in order.
    General,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.segments == other.segments && self.fold == other.fold
    }
}

impl Pattern {
    /// Builds a pattern from literal segments separated by wildcards.
    /// `segments` must hold at least one element (`["", ""]` is `*`).
    pub(crate) fn new(segments: Vec<String>, fold: bool) -> Pattern {
        let mut segments: Vec<Box<str>> = segments
            .into_iter()
            .map(|s| {
                if fold {
                    s.to_ascii_lowercase().into_boxed_str()
                } else {
                    s.into_boxed_str()
                }
            })
            .collect();
        if segments.is_empty() {
            segments.push(Box::from(""));
        }
        // `a**b` is `a*b`: drop empty middle segments.
        if segments.len() > 2 {
            let last = segments.len() - 1;
            let mut i = 0;
            segments.retain(|s| {
                let keep = i == 0 || i == last || !s.is_empty();
                i += 1;
                keep
            });
        }
        let n = segments.len();
        let first_empty = segments[0].is_empty();
        let last_empty = segments[n - 1].is_empty();
        let shape = match n {
            1 => Shape::Exact,
            2 if first_empty && last_empty => Shape::Any,
            2 if last_empty => Shape::Prefix,
            2 if first_empty => Shape::Suffix,
            2 => Shape::PrefixSuffix,
            3 if first_empty && last_empty => {
                let finder =
                    (!fold).then(|| Box::new(Finder::new(segments[1].as_bytes()).into_owned()));
                Shape::Contains(finder)
            }
            _ => Shape::General,
        };
        Pattern {
            segments: segments.into_boxed_slice(),
            fold,
            shape,
        }
    }

    /// The literal segments between wildcards (lowercased when case-insensitive).
    pub(crate) fn segments(&self) -> &[Box<str>] {
        &self.segments
    }

    /// Whether the pattern folds ASCII case.
    pub(crate) fn is_case_insensitive(&self) -> bool {
        self.fold
    }

    /// Whether the pattern has no wildcard (it is a plain equality).
    pub(crate) fn is_exact(&self) -> bool {
        matches!(self.shape, Shape::Exact)
    }

    /// Whether `text` matches the whole pattern.
    #[inline]
    pub(crate) fn matches(&self, text: &str) -> bool {
        let t = text.as_bytes();
        let seg = |i: usize| self.segments[i].as_bytes();
        match &self.shape {
            Shape::Exact => self.eq_at(t, 0, seg(0)) && t.len() == seg(0).len(),
            Shape::Any => true,
            Shape::Prefix => self.eq_at(t, 0, seg(0)),
            Shape::Suffix => {
                let s = seg(1);
                t.len() >= s.len() && self.eq_at(t, t.len() - s.len(), s)
            }
            Shape::PrefixSuffix => {
                let (a, b) = (seg(0), seg(1));
                t.len() >= a.len() + b.len()
                    && self.eq_at(t, 0, a)
                    && self.eq_at(t, t.len() - b.len(), b)
            }
            Shape::Contains(Some(finder)) => finder.find(t).is_some(),
            Shape::Contains(None) => self.find(t, 0, seg(1)).is_some(),
            Shape::General => self.general(t),
        }
    }

    fn general(&self, t: &[u8]) -> bool {
        let n = self.segments.len();
        let first = self.segments[0].as_bytes();
        let last = self.segments[n - 1].as_bytes();
        if t.len() < first.len() + last.len() || !self.eq_at(t, 0, first) {
            return false;
        }
        let end = t.len() - last.len();
        if !self.eq_at(t, end, last) {
            return false;
        }
        // Greedy leftmost placement of each middle segment is optimal for
        // `*`-only patterns: placing a segment earlier never hurts the rest.
        let mut pos = first.len();
        for s in &self.segments[1..n - 1] {
            match self.find(&t[..end], pos, s.as_bytes()) {
                Some(at) => pos = at + s.len(),
                None => return false,
            }
        }
        true
    }

    /// Whether `t[at..]` starts with `s` (ASCII-folded when `fold`).
    #[inline]
    fn eq_at(&self, t: &[u8], at: usize, s: &[u8]) -> bool {
        match t.get(at..at + s.len()) {
            Some(w) if self.fold => w.eq_ignore_ascii_case(s),
            Some(w) => w == s,
            None => false,
        }
    }

    /// First offset ≥ `from` where `s` occurs in `t`.
    fn find(&self, t: &[u8], from: usize, s: &[u8]) -> Option<usize> {
        let hay = t.get(from..)?;
        if !self.fold {
            return memchr::memmem::find(hay, s).map(|i| from + i);
        }
        if s.is_empty() {
            return Some(from);
        }
        hay.windows(s.len())
            .position(|w| w.eq_ignore_ascii_case(s))
            .map(|i| from + i)
    }
}

/// Splits an RSQL value into wildcard segments: every `*` for which
/// `is_wild(byte_offset)` holds separates two segments.
pub(crate) fn split_wildcards(text: &str, is_wild: impl Fn(usize) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices('*') {
        if is_wild(i) {
            out.push(text[start..i].to_owned());
            start = i + 1;
        }
    }
    out.push(text[start..].to_owned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(p: &str) -> Pattern {
        Pattern::new(split_wildcards(p, |_| true), false)
    }

    #[track_caller]
    fn check(p: &str, yes: &[&str], no: &[&str]) {
        let pattern = pat(p);
        for t in yes {
            assert!(pattern.matches(t), "{p:?} should match {t:?}");
        }
        for t in no {
            assert!(!pattern.matches(t), "{p:?} should not match {t:?}");
        }
    }

    #[test]
    fn shapes() {
        check("abc", &["abc"], &["ab", "abcd", "", "ABC"]);
        check("*", &["", "x", "é"], &[]);
        check("**", &["", "x"], &[]);
        check("ab*", &["ab", "abc"], &["a", "xab"]);
        check("*ab", &["ab", "xab"], &["abx", "a"]);
        check("*ab*", &["ab", "xaby"], &["a", "ba"]);
        check("a*b", &["ab", "axxb"], &["a", "b", "ba", "abx"]);
        check("a*a", &["aa", "aba"], &["a"]);
        check("*a*b*", &["ab", "xaxbx"], &["ba", "b"]);
        check("a*b*c", &["abc", "a-b-c", "abbc"], &["ac", "acb", "abcx"]);
        check("*é*ß", &["éß", "xéyß"], &["ßé"]);
        check("a**b", &["ab", "axb"], &["a"]);
    }

    #[test]
    fn folded() {
        let p = Pattern::new(split_wildcards("*BRAIN*", |_| true), true);
        assert!(p.matches("a brainstorm"));
        assert!(p.matches("BrainX"));
        assert!(!p.matches("bra in"));
        let e = Pattern::new(vec!["Émile".into()], true);
        assert!(!e.matches("éMILE"));
        assert!(e.matches("Émile"));
        assert!(e.matches("ÉMILE"));
    }

    #[test]
    fn literal_stars_stay_text() {
        let segs = split_wildcards("a*b*", |i| i == 3);
        assert_eq!(segs, ["a*b", ""]);
        let p = Pattern::new(segs, false);
        assert!(p.matches("a*bzz"));
        assert!(!p.matches("axbzz"));
    }
}
