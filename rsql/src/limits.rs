//! [`Limits`]: how much input the parser accepts before giving up.
//!
//! Every limit is checked *while* parsing, so hostile input is rejected
//! early: the length before the first byte is read, the nesting depth at the
//! `(` that breaks it. The defaults are safe for a public endpoint.

/// Resource limits checked while parsing. Each exceeded limit gives its own
/// [`ParseErrorKind`](crate::ParseErrorKind) naming the configured value.
///
/// | limit | default | error |
/// |---|---|---|
/// | [`max_len`](Limits::with_max_len) | 64 KiB | [`TooLong`](crate::ParseErrorKind::TooLong) |
/// | [`max_depth`](Limits::with_max_depth) | 32 | [`TooDeep`](crate::ParseErrorKind::TooDeep) |
/// | [`max_comparisons`](Limits::with_max_comparisons) | 1024 | [`TooManyComparisons`](crate::ParseErrorKind::TooManyComparisons) |
/// | [`max_args`](Limits::with_max_args) | 1024 | [`TooManyArgs`](crate::ParseErrorKind::TooManyArgs) |
/// | [`max_value_len`](Limits::with_max_value_len) | 4096 | [`ValueTooLong`](crate::ParseErrorKind::ValueTooLong) |
///
/// ```
/// use rsql::{Limits, ParseErrorKind, Parser};
/// let parser = Parser::new().with_limits(Limits::default().with_max_len(8 * 1024).with_max_args(500));
/// let long = format!("a=in=({})", vec!["x"; 501].join(","));
/// let err = parser.parse(&long).unwrap_err();
/// assert_eq!(err.kind(), &ParseErrorKind::TooManyArgs { limit: 500 });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    max_len: usize,
    max_depth: usize,
    max_comparisons: usize,
    max_args: usize,
    max_value_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_len: 64 * 1024,
            max_depth: 32,
            max_comparisons: 1024,
            max_args: 1024,
            max_value_len: 4096,
        }
    }
}

impl Limits {
    /// The highest nesting depth [`Limits::with_max_depth`] accepts. `Display`,
    /// `Drop` and the evaluators downstream recurse once per nesting level;
    /// this ceiling keeps all of them far from the stack size of a small thread.
    ///
    /// ```
    /// use rsql::Limits;
    /// assert_eq!(Limits::new().with_max_depth(10_000).max_depth(), Limits::MAX_DEPTH_CEILING);
    /// ```
    pub const MAX_DEPTH_CEILING: usize = 256;

    /// The default limits (same as [`Limits::default`]).
    ///
    /// ```
    /// assert_eq!(rsql::Limits::new(), rsql::Limits::default());
    /// ```
    pub fn new() -> Limits {
        Limits::default()
    }

    /// Maximum input length in **bytes** (default 64 KiB).
    ///
    /// Checked before parsing starts, in O(1), so an oversized input costs
    /// nothing. It bounds the total work and the size of the AST; it does not
    /// bound any single value (see [`Limits::with_max_value_len`]).
    ///
    /// ```
    /// use rsql::{Limits, ParseErrorKind, Parser};
    /// let err = Parser::new().with_limits(Limits::new().with_max_len(4)).parse("a==12").unwrap_err();
    /// assert_eq!(err.kind(), &ParseErrorKind::TooLong { len: 5, limit: 4 });
    /// ```
    pub fn with_max_len(mut self, bytes: usize) -> Limits {
        self.max_len = bytes;
        self
    }

    /// Maximum nesting depth of parenthesised groups (default 32): `(a==1)`
    /// has depth 1. Values capped at [`Limits::MAX_DEPTH_CEILING`].
    ///
    /// Checked at every `(` that opens a group, so `((((…` of any length is
    /// rejected after `max_depth + 1` characters. The parser itself keeps open
    /// groups on a heap stack, so this limit protects what comes after it:
    /// every recursive walk over the AST (`Display`, `Drop`, compile,
    /// evaluation). It does not count the parentheses of a value list
    /// (`=in=(…)`), which cannot nest.
    ///
    /// ```
    /// use rsql::{Limits, ParseErrorKind, Parser};
    /// let parser = Parser::new().with_limits(Limits::new().with_max_depth(2));
    /// assert!(parser.parse("((a==1))").is_ok());
    /// let err = parser.parse("(((a==1)))").unwrap_err();
    /// assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 2 });
    /// ```
    pub fn with_max_depth(mut self, depth: usize) -> Limits {
        self.max_depth = depth.min(Self::MAX_DEPTH_CEILING);
        self
    }

    /// Maximum number of comparisons in one filter (default 1024).
    ///
    /// It bounds the number of AST nodes (and so the cost of compiling and
    /// evaluating the filter); it does not bound the values inside one
    /// comparison's list (see [`Limits::with_max_args`]).
    ///
    /// ```
    /// use rsql::{Limits, ParseErrorKind, Parser};
    /// let parser = Parser::new().with_limits(Limits::new().with_max_comparisons(2));
    /// let err = parser.parse("a==1;b==2;c==3").unwrap_err();
    /// assert_eq!(err.kind(), &ParseErrorKind::TooManyComparisons { limit: 2 });
    /// ```
    pub fn with_max_comparisons(mut self, n: usize) -> Limits {
        self.max_comparisons = n;
        self
    }

    /// Maximum number of values in one argument list such as `=in=(…)`
    /// (default 1024).
    ///
    /// It bounds each list separately, not the total over the filter (which
    /// [`Limits::with_max_len`] bounds), nor the length of a value.
    ///
    /// ```
    /// use rsql::{Limits, ParseErrorKind, Parser};
    /// let parser = Parser::new().with_limits(Limits::new().with_max_args(2));
    /// assert!(parser.parse("a=in=(1,2);b=in=(1,2)").is_ok());
    /// assert_eq!(parser.parse("a=in=(1,2,3)").unwrap_err().kind(), &ParseErrorKind::TooManyArgs { limit: 2 });
    /// ```
    pub fn with_max_args(mut self, n: usize) -> Limits {
        self.max_args = n;
        self
    }

    /// Maximum length in bytes of one value after unescaping (default 4096).
    ///
    /// It bounds what a single value can make downstream code do (a `LIKE`
    /// pattern, a regex); it does not bound selectors, which only the total
    /// [`Limits::with_max_len`] bounds.
    ///
    /// ```
    /// use rsql::{Limits, ParseErrorKind, Parser};
    /// let parser = Parser::new().with_limits(Limits::new().with_max_value_len(3));
    /// assert!(parser.parse("a=='abc'").is_ok());
    /// let err = parser.parse("a==abcd").unwrap_err();
    /// assert_eq!(err.kind(), &ParseErrorKind::ValueTooLong { len: 4, limit: 3 });
    /// ```
    pub fn with_max_value_len(mut self, bytes: usize) -> Limits {
        self.max_value_len = bytes;
        self
    }

    /// The input length limit in bytes.
    ///
    /// ```
    /// assert_eq!(rsql::Limits::default().max_len(), 65536);
    /// ```
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The nesting depth limit.
    ///
    /// ```
    /// assert_eq!(rsql::Limits::default().max_depth(), 32);
    /// ```
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// The comparison count limit.
    ///
    /// ```
    /// assert_eq!(rsql::Limits::default().max_comparisons(), 1024);
    /// ```
    pub fn max_comparisons(&self) -> usize {
        self.max_comparisons
    }

    /// The per-list value count limit.
    ///
    /// ```
    /// assert_eq!(rsql::Limits::default().max_args(), 1024);
    /// ```
    pub fn max_args(&self) -> usize {
        self.max_args
    }

    /// The value length limit in bytes.
    ///
    /// ```
    /// assert_eq!(rsql::Limits::default().max_value_len(), 4096);
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.max_value_len
    }
}
