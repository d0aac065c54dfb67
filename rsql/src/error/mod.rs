//! Everything that can be wrong with a filter: [`ParseError`] (syntax, limit
//! and policy), [`CompileError`] (schema), and the umbrella [`Error`] that
//! holds either, so `?` works across the pipeline.
//!
//! One error value has three views: `Display` (`{}`) is one
//! line for logs; the alternate form (`{:#}`) adds the input with carets
//! under the offending span and a `help:` line; and the accessors
//! ([`Error::code`], [`Error::category`], [`Error::message`],
//! [`Error::span`], [`Error::column`], [`Error::snippet`], …) give an HTTP
//! layer every field of a structured error body without ever taking the
//! rendered text apart. Both error types render their snippet with one
//! shared renderer (`snippet.rs`).
//!
//! This module sits at the bottom of the crate: it imports the syntax tree's
//! [`Span`] and the operator vocabulary (for `help:` texts), nothing that
//! parses, compiles or evaluates.

mod compile;
mod parse;
mod snippet;

pub(crate) use snippet::truncate;

use std::fmt;

pub use compile::{CompileError, CompileErrorKind, Expected};
pub use parse::{ParseError, ParseErrorKind};

use crate::ast::Span;

/// Anything wrong with a filter: a parse (syntax, limit or policy) error or a
/// schema compile error. Both keep the span of the token they blame, so an
/// HTTP layer can answer 400 with a caret snippet for either.
///
/// Mistakes in the code that sets things up are separate types, not
/// variants of this one: [`SchemaError`](crate::SchemaError) (from
/// [`SchemaBuilder::build`](crate::SchemaBuilder::build)),
/// [`OperatorError`](crate::OperatorError) (from
/// [`Operators::register`](crate::Operators::register)) and
/// [`EmitError`](crate::EmitError) (a field without a SQL mapping).
///
/// ```
/// fn check(s: &str) -> Result<(), rsql::Error> {
///     rsql::parse(s)?;
///     Ok(())
/// }
/// let err = check("a==1;").unwrap_err();
/// assert!(matches!(err, rsql::Error::Parse(_)));
/// assert_eq!(err.span().start, 5);
/// ```
///
/// A structured error body, from the accessors alone:
///
/// ```
/// let input = "conversation.type==meeting;";
/// let err: rsql::Error = rsql::parse(input).unwrap_err().into();
/// assert_eq!(err.code(), "expected_comparison");
/// assert_eq!(err.category(), "syntax");
/// assert_eq!(err.message(), "expected a comparison after `;`, found end of input");
/// assert_eq!((err.offset(), err.column(), err.len()), (27, 28, 0));
/// assert_eq!(err.input(), Some(input));
/// assert_eq!(err.snippet(), "conversation.type==meeting;\n                           ^");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The filter text is not valid RSQL, breaks a limit or the policy.
    Parse(ParseError),
    /// The filter is valid RSQL but does not fit the schema.
    Compile(CompileError),
}

impl Error {
    /// A stable snake_case name for what went wrong: the
    /// [`ParseErrorKind::code`] or [`CompileErrorKind::code`] (the two sets
    /// share `unknown_operator`; [`Error::category`] tells them apart).
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("(a==1").unwrap_err().into();
    /// assert_eq!(err.code(), "unclosed_group");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::Parse(e) => e.kind().code(),
            Error::Compile(e) => e.code(),
        }
    }

    /// `"syntax"`, `"limit"` or `"policy"` for a parse error (its
    /// [`ParseErrorKind::category`]), `"schema"` for every compile error.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// let err = schema.compile_str(&rsql::Parser::new(), "a==1").unwrap_err();
    /// assert_eq!(err.category(), "schema");
    /// let err: rsql::Error = rsql::parse(&"(".repeat(40)).unwrap_err().into();
    /// assert_eq!(err.category(), "limit");
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn category(&self) -> &'static str {
        match self {
            Error::Parse(e) => e.kind().category(),
            Error::Compile(_) => "schema",
        }
    }

    /// The one-line message without the `invalid filter at …: ` prefix
    /// ([`ParseError::message`], [`CompileError::message`]).
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a=gte=1").unwrap_err().into();
    /// assert_eq!(err.message(), "unknown operator `=gte=`");
    /// assert_eq!(err.to_string(), "invalid filter at column 2: unknown operator `=gte=`");
    /// ```
    pub fn message(&self) -> String {
        match self {
            Error::Parse(e) => e.message(),
            Error::Compile(e) => e.message(),
        }
    }

    /// The span of the offending input.
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a=~1").unwrap_err().into();
    /// assert_eq!(err.span().start, 1);
    /// ```
    pub fn span(&self) -> Span {
        match self {
            Error::Parse(e) => e.span(),
            Error::Compile(e) => e.span(),
        }
    }

    /// Byte offset of the offending input (`span().start`).
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a=gte=1").unwrap_err().into();
    /// assert_eq!(err.offset(), 1);
    /// ```
    pub fn offset(&self) -> usize {
        self.span().start
    }

    /// Length in bytes of the offending input (0 at end of input).
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a=gte=1").unwrap_err().into();
    /// assert_eq!(err.len(), 5);
    /// ```
    pub fn len(&self) -> usize {
        self.span().len()
    }

    /// Whether the span is empty (the error is at the end of the input).
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a==1;").unwrap_err().into();
    /// assert!(err.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.span().is_empty()
    }

    /// The 1-based column (in characters) where the offending input starts.
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a==1;").unwrap_err().into();
    /// assert_eq!(err.column(), 6);
    /// ```
    pub fn column(&self) -> usize {
        match self {
            Error::Parse(e) => e.column(),
            Error::Compile(e) => e.column(),
        }
    }

    /// The filter text the error is about: always there for a parse error,
    /// there for a compile error once attached with
    /// [`CompileError::with_input`] (which [`Schema::compile_str`](crate::Schema::compile_str)
    /// does).
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a==").unwrap_err().into();
    /// assert_eq!(err.input(), Some("a=="));
    /// ```
    pub fn input(&self) -> Option<&str> {
        match self {
            Error::Parse(e) => Some(e.input()),
            Error::Compile(e) => e.input(),
        }
    }

    /// A hint on how to fix the filter (the text after `help:` in `{:#}`).
    ///
    /// ```
    /// let err: rsql::Error = rsql::parse("a=gte=1").unwrap_err().into();
    /// assert_eq!(err.help().as_deref(), Some("did you mean `=ge=`?"));
    /// ```
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Parse(e) => e.help(),
            Error::Compile(e) => e.help(),
        }
    }

    /// What `{:#}` shows under the one-line message, without its 4-space
    /// indent: the input with carets under the span, then the `help:` line;
    /// lines joined with `\n`, empty when there is nothing to show (a compile
    /// error without its input and without help).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder()
    /// #     .field(rsql::Field::new("conversation.startTime", rsql::FieldType::Timestamp))
    /// #     .build()?;
    /// let parser = rsql::Parser::new();
    /// let err = schema.compile_str(&parser, "conversation.startTme=ge=2021-03-01").unwrap_err();
    /// assert_eq!(
    ///     err.snippet(),
    ///     "conversation.startTme=ge=2021-03-01\n\
    ///      ^^^^^^^^^^^^^^^^^^^^^\n\
    ///      help: did you mean `conversation.startTime`?"
    /// );
    /// // input with newlines gets a line-number gutter instead of the indent
    /// let err: rsql::Error = rsql::parse("a==1;\nb=~2").unwrap_err().into();
    /// assert_eq!(err.snippet().lines().next(), Some("  --> line 2, column 2"));
    /// # Ok::<(), rsql::SchemaError>(())
    /// ```
    pub fn snippet(&self) -> String {
        match self {
            Error::Parse(e) => e.snippet(),
            Error::Compile(e) => e.snippet(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse(e) => fmt::Display::fmt(e, f),
            Error::Compile(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Parse(e) => Some(e),
            Error::Compile(e) => Some(e),
        }
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Error {
        Error::Parse(e)
    }
}

impl From<CompileError> for Error {
    fn from(e: CompileError) -> Error {
        Error::Compile(e)
    }
}

#[cfg(test)]
mod tests;
