//! [`ParseError`] and [`ParseErrorKind`]: syntax, limit and policy errors.
//!
//! (Skeleton: the parser work fills in the full kind catalogue.)

use std::fmt;

use crate::ast::Span;
use crate::error::{column_of, write_snippet};

/// A filter that failed to parse, broke a limit, or broke the policy.
///
/// ```
/// let err = rsql::parse("a==1;").unwrap_err();
/// assert_eq!(err.offset(), 5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    kind: ParseErrorKind,
    span: Span,
    input: String,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input is empty or only whitespace: ``
    Empty,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, span: Span, input: &str) -> ParseError {
        ParseError {
            inner: Box::new(Inner {
                kind,
                span,
                input: input.to_owned(),
            }),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.inner.kind
    }

    /// The span of the offending input.
    pub fn span(&self) -> Span {
        self.inner.span
    }

    /// Byte offset of the offending input.
    pub fn offset(&self) -> usize {
        self.inner.span.start
    }

    /// Length in bytes of the offending input (0 at end of input).
    pub fn len(&self) -> usize {
        self.inner.span.len()
    }

    /// Whether the span is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.span.is_empty()
    }

    /// 1-based column, in characters.
    pub fn column(&self) -> usize {
        column_of(&self.inner.input, self.inner.span.start)
    }

    /// The input that failed.
    pub fn input(&self) -> &str {
        &self.inner.input
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid filter at column {}: empty filter",
            self.column()
        )?;
        if f.alternate() {
            write_snippet(f, &self.inner.input, self.inner.span, None)?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}
