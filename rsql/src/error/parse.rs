//! [`ParseError`] and [`ParseErrorKind`]: syntax, limit and policy errors.
//!
//! One error value has three views: `Display` (`{}`) is one line for logs and
//! JSON messages, the alternate form (`{:#}`) adds the input with carets under
//! the offending span and a `help:` line, and the accessors ([`kind`],
//! [`span`], [`column`], [`message`], [`snippet`], …) feed structured responses.
//!
//! [`kind`]: ParseError::kind
//! [`span`]: ParseError::span
//! [`column`]: ParseError::column
//! [`message`]: ParseError::message
//! [`snippet`]: ParseError::snippet

use std::fmt;

use super::snippet::{Snippet, column_of, truncate};
use crate::ast::Span;
use crate::operators::{Arity, Operators};

/// A filter that failed to parse, broke a limit, or broke the policy.
///
/// Small (one pointer) so `Result<Ast, ParseError>` stays small; the details
/// live behind a `Box`.
///
/// ```
/// let err = rsql::parse("conversation.type==meeting;").unwrap_err();
/// assert_eq!(err.offset(), 27);
/// assert_eq!(err.column(), 28);
/// assert_eq!(
///     err.to_string(),
///     "invalid filter at column 28: expected a comparison after `;`, found end of input"
/// );
/// assert_eq!(
///     format!("{err:#}"),
///     "invalid filter at column 28: expected a comparison after `;`, found end of input\n    \
///      conversation.type==meeting;\n                               ^"
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    kind: ParseErrorKind,
    span: Span,
    aux: Option<Span>,
    input: String,
}

/// What went wrong. Each variant's doc shows a filter that triggers it.
///
/// [`category`](ParseErrorKind::category) groups the kinds into `syntax`,
/// `limit` and `policy`; [`code`](ParseErrorKind::code) is a stable
/// snake_case name for machines.
///
/// ```
/// use rsql::ParseErrorKind;
/// let err = rsql::parse("a=gte=1").unwrap_err();
/// assert!(matches!(err.kind(), ParseErrorKind::UnknownOperator { suggestion: Some(s), .. } if s == "=ge="));
/// assert_eq!(err.kind().code(), "unknown_operator");
/// assert_eq!(err.kind().category(), "syntax");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input is empty or only whitespace: `` or `   `.
    Empty,
    /// A comparison or group was expected: `a==1;` (after `;`), `()`, `a==1;)`.
    ExpectedComparison {
        /// The token after which it was expected (`;`, `,`, `and`, `or`, `(`),
        /// `None` at the start of the input.
        after: Option<&'static str>,
    },
    /// A comparison starts with an operator, the selector is missing: `==1`.
    ExpectedSelector,
    /// A selector is quoted (selectors are bare words): `'a b'==1`.
    QuotedSelector,
    /// No operator after the selector: `a`, `a b==1`, `a;b==1`.
    ExpectedOperator,
    /// A malformed operator token: `a=1`, `a=foo 1`, `a=l1ke=1`, `a=>1`, `a!1`.
    InvalidOperator {
        /// The malformed token as written.
        op: String,
    },
    /// A well-formed operator that the vocabulary does not know: `a=gte=1`,
    /// `a=like=x` (without [`Operators::extended`](crate::Operators::extended)).
    UnknownOperator {
        /// The symbol as written.
        op: String,
        /// A known symbol it was probably meant to be.
        suggestion: Option<String>,
    },
    /// An operator or list separator without a value after it: `a==`,
    /// `a== and b==1`, `a=in=(1,)`.
    ExpectedValue {
        /// The token after which the value was expected (`==`, `(`, `,`, …).
        after: String,
    },
    /// A reserved character where a value or operator should be: `a==b=c`,
    /// `a~=1`, `a==<1`.
    ReservedChar {
        /// The character.
        ch: char,
    },
    /// A quoted value is not closed: `a=='abc`.
    UnclosedQuote {
        /// The quote character that opened it.
        quote: char,
    },
    /// A value list without values: `a=in=()`.
    EmptyList,
    /// A value list is not closed before the end: `a=in=(1,2`.
    UnclosedList,
    /// Something other than `,` or `)` after a list value: `a=in=(1 2)`, `a=in=(1;2)`.
    ExpectedListSeparator,
    /// A group is not closed before the end: `(a==1;b==2`.
    UnclosedGroup,
    /// A `)` without a matching `(`: `a==1)`.
    UnmatchedParen,
    /// Something other than a separator after a comparison: `a==x y`,
    /// `a==1 AND b==2`, `(a==1 b==2)`.
    ExpectedSeparator {
        /// Whether the comparison was inside a group (so `)` was also possible).
        in_group: bool,
    },
    /// The operator does not take that many values: `a==(1,2)`,
    /// `a=bt=(1,2,3)` (with the extended operators).
    Arity {
        /// The operator's primary symbol.
        op: String,
        /// How many values it takes.
        expected: Arity,
        /// How many were given.
        found: usize,
    },
    /// The input is longer than [`Limits::with_max_len`](crate::Limits::with_max_len).
    TooLong {
        /// Input length in bytes.
        len: usize,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// Groups nest deeper than [`Limits::with_max_depth`](crate::Limits::with_max_depth):
    /// 33 × `(` with the default limit.
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// More comparisons than [`Limits::with_max_comparisons`](crate::Limits::with_max_comparisons).
    TooManyComparisons {
        /// The configured limit.
        limit: usize,
    },
    /// A value list longer than [`Limits::with_max_args`](crate::Limits::with_max_args).
    TooManyArgs {
        /// The configured limit.
        limit: usize,
    },
    /// A value longer than [`Limits::with_max_value_len`](crate::Limits::with_max_value_len).
    ValueTooLong {
        /// The value's length in bytes (after unescaping).
        len: usize,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// OR is used while [`Policy::with_forbid_or`](crate::Policy::with_forbid_or)
    /// is on: `a==1,a==2`, `a==1 or b==2`.
    OrForbidden,
    /// More distinct fields than [`Policy::with_max_fields`](crate::Policy::with_max_fields):
    /// `a==1;b==2;c==3` with a limit of 2.
    TooManyFields {
        /// The configured limit.
        limit: usize,
        /// Every distinct field of the filter (after aliases), in source order.
        fields: Vec<String>,
    },
    /// A selector outside [`Policy::with_allowed_selectors`](crate::Policy::with_allowed_selectors):
    /// `conversation.startTme==x` with [`Policy::symbl`](crate::Policy::symbl).
    SelectorNotAllowed {
        /// The selector as written.
        selector: String,
        /// The nearest allowed selector, if one is close.
        suggestion: Option<String>,
        /// The allowed names and patterns.
        allowed: Vec<String>,
    },
}

impl ParseErrorKind {
    /// `"syntax"`, `"limit"` or `"policy"`.
    ///
    /// ```
    /// assert_eq!(rsql::ParseErrorKind::TooDeep { limit: 3 }.category(), "limit");
    /// assert_eq!(rsql::ParseErrorKind::OrForbidden.category(), "policy");
    /// assert_eq!(rsql::ParseErrorKind::Empty.category(), "syntax");
    /// ```
    pub fn category(&self) -> &'static str {
        use ParseErrorKind::*;
        match self {
            TooLong { .. }
            | TooDeep { .. }
            | TooManyComparisons { .. }
            | TooManyArgs { .. }
            | ValueTooLong { .. } => "limit",
            OrForbidden | TooManyFields { .. } | SelectorNotAllowed { .. } => "policy",
            _ => "syntax",
        }
    }

    /// The variant name in snake_case, e.g. `"unclosed_group"`: stable, for
    /// machine-readable output.
    ///
    /// ```
    /// let err = rsql::parse("(a==1").unwrap_err();
    /// assert_eq!(err.kind().code(), "unclosed_group");
    /// ```
    pub fn code(&self) -> &'static str {
        use ParseErrorKind::*;
        match self {
            Empty => "empty",
            ExpectedComparison { .. } => "expected_comparison",
            ExpectedSelector => "expected_selector",
            QuotedSelector => "quoted_selector",
            ExpectedOperator => "expected_operator",
            InvalidOperator { .. } => "invalid_operator",
            UnknownOperator { .. } => "unknown_operator",
            ExpectedValue { .. } => "expected_value",
            ReservedChar { .. } => "reserved_char",
            UnclosedQuote { .. } => "unclosed_quote",
            EmptyList => "empty_list",
            UnclosedList => "unclosed_list",
            ExpectedListSeparator => "expected_list_separator",
            UnclosedGroup => "unclosed_group",
            UnmatchedParen => "unmatched_paren",
            ExpectedSeparator { .. } => "expected_separator",
            Arity { .. } => "arity",
            TooLong { .. } => "too_long",
            TooDeep { .. } => "too_deep",
            TooManyComparisons { .. } => "too_many_comparisons",
            TooManyArgs { .. } => "too_many_args",
            ValueTooLong { .. } => "value_too_long",
            OrForbidden => "or_forbidden",
            TooManyFields { .. } => "too_many_fields",
            SelectorNotAllowed { .. } => "selector_not_allowed",
        }
    }
}

/// The message for [`ParseErrorKind::OrForbidden`], fixed by the API contract.
const OR_MESSAGE: &str = "OR is not supported; use =in= for alternatives of one field";

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, span: Span, input: &str) -> ParseError {
        ParseError {
            inner: Box::new(Inner {
                kind,
                span,
                aux: None,
                input: input.to_owned(),
            }),
        }
    }

    pub(crate) fn with_aux(mut self, aux: Option<Span>) -> ParseError {
        self.inner.aux = aux;
        self
    }

    /// What went wrong.
    ///
    /// ```
    /// let err = rsql::parse("a==1)").unwrap_err();
    /// assert_eq!(err.kind(), &rsql::ParseErrorKind::UnmatchedParen);
    /// ```
    pub fn kind(&self) -> &ParseErrorKind {
        &self.inner.kind
    }

    /// The byte span of the offending input (empty at end of input).
    ///
    /// ```
    /// let err = rsql::parse("a=gte=1").unwrap_err();
    /// assert_eq!(err.span(), rsql::Span::new(1, 6));
    /// ```
    pub fn span(&self) -> Span {
        self.inner.span
    }

    /// A second location, for errors that involve two: where the end of an
    /// unclosed group, list or quote was expected.
    ///
    /// ```
    /// let err = rsql::parse("(a==1").unwrap_err();
    /// assert_eq!(err.span(), rsql::Span::new(0, 1));
    /// assert_eq!(err.auxiliary_span(), Some(rsql::Span::new(5, 5)));
    /// ```
    pub fn auxiliary_span(&self) -> Option<Span> {
        self.inner.aux
    }

    /// Byte offset of the offending input.
    ///
    /// ```
    /// assert_eq!(rsql::parse("a==1;").unwrap_err().offset(), 5);
    /// ```
    pub fn offset(&self) -> usize {
        self.inner.span.start
    }

    /// Length in bytes of the offending input (0 at end of input).
    ///
    /// ```
    /// assert_eq!(rsql::parse("a=gte=1").unwrap_err().len(), 5);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.span.len()
    }

    /// Whether the span is empty (the error is at the end of the input).
    ///
    /// ```
    /// assert!(rsql::parse("a==1;").unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.span.is_empty()
    }

    /// 1-based column of the offending input, counted in characters on its line.
    ///
    /// ```
    /// assert_eq!(rsql::parse("né==1;").unwrap_err().column(), 7);
    /// ```
    pub fn column(&self) -> usize {
        column_of(&self.inner.input, self.inner.span.start)
    }

    /// The input that failed. For [`ParseErrorKind::TooLong`] only the first
    /// `limit` bytes are kept.
    ///
    /// ```
    /// assert_eq!(rsql::parse("a==").unwrap_err().input(), "a==");
    /// ```
    pub fn input(&self) -> &str {
        &self.inner.input
    }

    /// The one-line message without the `invalid filter at column N: ` prefix
    /// (what an HTTP error body puts in `message`).
    ///
    /// ```
    /// let err = rsql::parse("a=gte=1").unwrap_err();
    /// assert_eq!(err.message(), "unknown operator `=gte=`");
    /// ```
    pub fn message(&self) -> String {
        use ParseErrorKind::*;
        let found = self.found();
        match &self.inner.kind {
            Empty => "expected a comparison, found an empty filter".to_owned(),
            ExpectedComparison { after: Some(after) } => {
                format!("expected a comparison after `{after}`, found {found}")
            }
            ExpectedComparison { after: None } => {
                format!("expected a comparison, found {found}")
            }
            ExpectedSelector => format!("expected a selector, found {found}"),
            QuotedSelector => format!("expected a selector, found the quoted string {found}"),
            ExpectedOperator => format!("expected an operator, found {found}"),
            InvalidOperator { op } => format!("invalid operator `{}`", truncate(op)),
            UnknownOperator { op, .. } => format!("unknown operator `{}`", truncate(op)),
            ExpectedValue { after } => {
                format!(
                    "expected a value after `{}`, found {found}",
                    truncate(after)
                )
            }
            ReservedChar { ch } => format!("unexpected reserved character `{ch}`"),
            UnclosedQuote { quote } => {
                format!("unclosed quoted value: expected a closing `{quote}`, found end of input")
            }
            EmptyList => "expected a value, found an empty list `()`".to_owned(),
            UnclosedList => {
                "unclosed value list: expected `,` or `)`, found end of input".to_owned()
            }
            ExpectedListSeparator => {
                format!("expected `,` or `)` in the value list, found {found}")
            }
            UnclosedGroup => "unclosed group".to_owned(),
            UnmatchedParen => "unmatched `)`".to_owned(),
            ExpectedSeparator { in_group: false } => {
                format!("expected `;`, `,` or end of input, found {found}")
            }
            ExpectedSeparator { in_group: true } => {
                format!("expected `;`, `,` or `)`, found {found}")
            }
            Arity {
                op,
                expected,
                found,
            } => format!("operator `{op}` takes {expected}, found {found}"),
            TooLong { len, limit } => {
                format!("the filter is {len} bytes long, the limit is {limit}")
            }
            TooDeep { limit } => format!(
                "groups are nested {} deep, the limit is {limit}",
                limit.saturating_add(1)
            ),
            TooManyComparisons { limit } => {
                format!("too many comparisons, the limit is {limit}")
            }
            TooManyArgs { limit } => format!("too many values in one list, the limit is {limit}"),
            ValueTooLong { len, limit } => {
                format!("a value is {len} bytes long, the limit is {limit} bytes per value")
            }
            OrForbidden => OR_MESSAGE.to_owned(),
            TooManyFields { limit, fields } => format!(
                "the filter names {} fields, the limit is {limit}: {}",
                fields.len(),
                quoted_list(fields)
            ),
            SelectorNotAllowed { selector, .. } => {
                format!("unknown selector `{}`", truncate(selector))
            }
        }
    }

    /// A hint on how to fix the filter, shown as `help:` by `{:#}`.
    ///
    /// ```
    /// let err = rsql::parse("a==1 AND b==2").unwrap_err();
    /// assert_eq!(err.help().as_deref(), Some("logical keywords are lowercase: ` and `"));
    /// ```
    pub fn help(&self) -> Option<String> {
        use ParseErrorKind::*;
        let text = self.span_text();
        // `get`: a span from another input may not fall on a character
        // boundary of this one (`Policy::check` takes both from its caller).
        let after_space = self
            .inner
            .input
            .get(..self.inner.span.start)
            .is_some_and(|before| before.ends_with([' ', '\t', '\r', '\n']));
        Some(match &self.inner.kind {
            Empty => "write a comparison such as `name==value`".to_owned(),
            ExpectedComparison { .. } => return None,
            ExpectedSelector => "a comparison starts with a field name: `name==value`".to_owned(),
            QuotedSelector => "selectors are bare words: remove the quotes".to_owned(),
            ExpectedOperator if after_space => {
                "selectors cannot contain spaces; an operator such as `==` must follow the selector"
                    .to_owned()
            }
            ExpectedOperator => STANDARD_HELP.to_owned(),
            InvalidOperator { op } => invalid_operator_help(op),
            UnknownOperator {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            UnknownOperator { op, .. } if Operators::extended().contains(op) => {
                format!("`{op}` is an extended operator, which this parser does not enable")
            }
            UnknownOperator { .. } => STANDARD_HELP.to_owned(),
            ExpectedValue { .. } if text == "and" || text == "or" => {
                "the value is missing before the keyword; write `''` for an empty value".to_owned()
            }
            ExpectedValue { .. } => "write `''` for an empty value".to_owned(),
            ReservedChar { .. } => RESERVED_HELP.to_owned(),
            UnclosedQuote { quote } => {
                format!("close the value with `{quote}`; inside it, write `\\{quote}` for a quote")
            }
            EmptyList => {
                "a list needs at least one value; write `''` for an empty string".to_owned()
            }
            UnclosedList => "close the list with `)`".to_owned(),
            ExpectedListSeparator if text == ";" => {
                "list values are separated by `,` (or ` or `), not `;`".to_owned()
            }
            ExpectedListSeparator if after_space => {
                "put values that contain spaces in quotes, e.g. `'a b'`".to_owned()
            }
            ExpectedListSeparator => return None,
            UnclosedGroup => "close the group with `)` before the end of the filter".to_owned(),
            UnmatchedParen => "remove it, or add a matching `(` before it".to_owned(),
            ExpectedSeparator { .. } => {
                let word = text.to_ascii_lowercase();
                if (word == "and" || word == "or") && text != word {
                    format!("logical keywords are lowercase: ` {word} `")
                } else if word == "and" || word == "or" {
                    format!("the keyword ` {word} ` needs a single space on both sides")
                } else if self.starts_comparison() {
                    "join comparisons with `;` (and) or `,` (or)".to_owned()
                } else if after_space {
                    "put values that contain spaces in quotes, e.g. `'a b'`".to_owned()
                } else {
                    return None;
                }
            }
            Arity {
                expected, found, ..
            } if expected.max() == Some(1) && *found > 1 => {
                "use `=in=` to match any of several values".to_owned()
            }
            Arity { .. } => return None,
            TooLong { .. } | TooDeep { .. } | TooManyComparisons { .. } => {
                "simplify the filter".to_owned()
            }
            TooManyArgs { .. } => "split the list or narrow the filter".to_owned(),
            ValueTooLong { .. } => "use a shorter value".to_owned(),
            OrForbidden => "write `a=in=(x,y)` instead of `a==x,a==y`".to_owned(),
            TooManyFields { .. } => "filter on fewer distinct fields".to_owned(),
            SelectorNotAllowed {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            SelectorNotAllowed { allowed, .. } => {
                format!("allowed selectors: {}", quoted_list(allowed))
            }
        })
    }

    /// What `{:#}` shows under the one-line message, without its 4-space
    /// indent: the input with carets under the span, then the `help:` line,
    /// joined with `\n` (what an HTTP error body puts in `snippet`).
    ///
    /// ```
    /// let err = rsql::parse("a==1 AND b==2").unwrap_err();
    /// assert_eq!(
    ///     err.snippet(),
    ///     "a==1 AND b==2\n     ^^^\nhelp: logical keywords are lowercase: ` and `"
    /// );
    /// ```
    pub fn snippet(&self) -> String {
        self.render_snippet().into_text()
    }

    fn render_snippet(&self) -> Snippet {
        let help = self.help();
        Snippet::render(Some(&self.inner.input), self.inner.span, help.as_deref())
    }

    /// Whether the span holds a word followed by an operator, i.e. the start
    /// of another comparison (`a==1 b==2`).
    fn starts_comparison(&self) -> bool {
        let rest = self.inner.input.get(self.inner.span.end..).unwrap_or("");
        let rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        !self.span_text().is_empty() && rest.starts_with(['=', '!', '<', '>'])
    }

    /// The input text under the span.
    fn span_text(&self) -> &str {
        let input = &self.inner.input;
        let Span { start, end } = self.inner.span;
        input.get(start..end.min(input.len())).unwrap_or("")
    }

    /// "end of input" or the offending token in backticks.
    fn found(&self) -> String {
        let text = self.span_text();
        if text.is_empty() {
            "end of input".to_owned()
        } else {
            format!("`{}`", truncate(text))
        }
    }
}

const STANDARD_HELP: &str = "the operators are `==`, `!=`, `<` (`=lt=`), `<=` (`=le=`), `>` (`=gt=`), `>=` (`=ge=`), `=in=` and `=out=`";

const RESERVED_HELP: &str = "the characters `\"` `'` `(` `)` `;` `,` `=` `!` `~` `<` `>` and space are reserved: put values that contain them in quotes";

fn invalid_operator_help(op: &str) -> String {
    let meant = match op {
        "=" => Some("=="),
        "=>" => Some(">="),
        "=<" => Some("<="),
        "=!" | "!" => Some("!="),
        _ => None,
    };
    if let Some(meant) = meant {
        return format!("did you mean `{meant}`?");
    }
    let letters = &op[1..];
    if !op.ends_with('=') && letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        let closed = format!("{op}=");
        if Operators::extended().contains(&closed) {
            return format!("did you mean `{closed}`?");
        }
        return "for equality write `==`; other operators are `=` letters `=`, such as `=in=`"
            .to_owned();
    }
    "an operator is `=` followed by ASCII letters and `=`, such as `=in=`".to_owned()
}

fn quoted_list(items: &[String]) -> String {
    const MAX: usize = 12;
    let mut out = items
        .iter()
        .take(MAX)
        .map(|s| format!("`{}`", truncate(s)))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX {
        out.push_str(", …");
    }
    out
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inner.kind.category() == "limit" {
            write!(f, "invalid filter: {}", self.message())?;
        } else {
            write!(
                f,
                "invalid filter at column {}: {}",
                self.column(),
                self.message()
            )?;
        }
        if f.alternate() {
            self.render_snippet().write_under(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}
