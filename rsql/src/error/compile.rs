//! [`CompileError`] and [`CompileErrorKind`]: a valid filter that does not fit the schema.
//!
//! [`Schema::compile`](crate::Schema::compile) works on an [`Ast`](crate::Ast),
//! which does not hold the text it was parsed from, so the error it returns
//! knows the span of the token it blames but not the input. Attach the input
//! with [`CompileError::with_input`] (one call, usually in the same
//! `map_err` that converts to [`Error`](crate::Error)); from then on
//! [`column`](CompileError::column) counts characters and `{:#}` renders the
//! caret snippet, exactly like a [`ParseError`](crate::ParseError).
//!
//! ```
//! use rsql::{Field, FieldType, Schema};
//! let schema = Schema::builder().field(Field::new("score", FieldType::Float)).build()?;
//! let input = "score=gt=high";
//! let err = schema.compile(&rsql::parse(input)?).unwrap_err();
//! assert_eq!(err.to_string(), "invalid filter at offset 9: `score` compares numerically, `high` is not a number");
//! let err = err.with_input(input);
//! assert_eq!(err.column(), 10);
//! assert_eq!(
//!     format!("{err:#}"),
//!     "invalid filter at column 10: `score` compares numerically, `high` is not a number\n    \
//!      score=gt=high\n             ^^^^"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use super::snippet::{Snippet, column_of, truncate};
use crate::ast::Span;

/// A filter that parsed but does not fit the [`Schema`](crate::Schema).
///
/// `Display` gives one line (`invalid filter at column N: …`); the alternate
/// form `{:#}` adds the caret snippet and a `help:` line when the error was
/// given its input with [`CompileError::with_input`].
///
/// ```
/// # use rsql::{Field, FieldType, Schema};
/// # let schema = Schema::builder().field(Field::new("a", FieldType::Integer)).build()?;
/// let err = schema.compile(&rsql::parse("b==1")?).unwrap_err();
/// assert_eq!(err.code(), "unknown_field");
/// assert_eq!(err.span(), rsql::Span::new(0, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    kind: CompileErrorKind,
    span: Span,
    input: Option<String>,
}

/// What the filter expected a literal to be (see [`CompileErrorKind::TypeMismatch`]).
///
/// ```
/// assert_eq!(rsql::Expected::Integer.to_string(), "an integer");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// An `i64`, for integer fields: `count=gt=1.5`.
    Integer,
    /// A finite number, for float fields: `score=gt=high`.
    Number,
    /// `true` or `false`, for bool fields: `active==yes`.
    Boolean,
    /// `true` or `false`, as the argument of `=isnull=` / `=notnull=`: `a=isnull=maybe`.
    NullFlag,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Integer => "an integer",
            Expected::Number => "a number",
            Expected::Boolean | Expected::NullFlag => "`true` or `false`",
        })
    }
}

/// What went wrong. Each variant shows a filter that triggers it (against a
/// schema with the fields the example names).
///
/// ```
/// use rsql::CompileErrorKind;
/// let kind = CompileErrorKind::UnknownField {
///     name: "conversation.startTme".into(),
///     suggestion: Some("conversation.startTime".into()),
///     known: vec![],
/// };
/// assert_eq!(kind.code(), "unknown_field");
/// assert_eq!(kind.to_string(), "unknown field `conversation.startTme`");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CompileErrorKind {
    /// The selector names no field: `conversation.startTme==2021-03-01`.
    UnknownField {
        /// The selector as written.
        name: String,
        /// The nearest known selector, if one is close.
        suggestion: Option<String>,
        /// Every selector the schema knows (`prefix.<key>` for dynamic fields).
        known: Vec<String>,
    },
    /// The selector names a dynamic field without a key: `conversation.metadata==x`.
    MissingKey {
        /// The selector as written.
        field: String,
    },
    /// The key of a dynamic field has characters other than letters, digits,
    /// `_` and `-`: `metadata.a.b==x`.
    InvalidKey {
        /// The dynamic field, as written.
        field: String,
        /// The offending key.
        key: String,
    },
    /// The operator is not one the schema knows (only possible with a parser
    /// that accepts any `=word=`): `conversation.name=near=x`.
    UnknownOperator {
        /// The operator as parsed.
        op: String,
        /// The nearest known operator, if one is close.
        suggestion: Option<String>,
    },
    /// The field does not take this operator: `conversation.startTime=like=2021`.
    OperatorNotAllowed {
        /// The selector as written.
        field: String,
        /// The operator.
        op: String,
        /// The operators the field does take.
        allowed: Vec<String>,
    },
    /// Wrong number of values: `conversation.type==(meeting,call)`, `n=bt=(1)`.
    WrongArity {
        /// The operator.
        op: String,
        /// How many values it takes (1 or 2; for `=in=` and `=out=`, 1 means
        /// at least one).
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// A literal is not of the field's type: `score=gt=high` on a float field.
    TypeMismatch {
        /// The selector as written.
        field: String,
        /// What was expected.
        expected: Expected,
        /// The literal.
        found: String,
    },
    /// A timestamp literal is neither RFC 3339 nor `YYYY-MM-DD`, or names no
    /// real instant: `conversation.startTime=ge=2021-02-30`.
    BadTimestamp {
        /// The selector as written.
        field: String,
        /// The literal.
        found: String,
        /// Why a date-shaped literal was rejected (`no such date`, `an
        /// offset such as Z or +02:00 is required`, …); `None` when the
        /// literal does not look like a date at all.
        reason: Option<String>,
    },
    /// A literal is not one of an enum field's values: `kind==metting`.
    BadEnumValue {
        /// The selector as written.
        field: String,
        /// The literal.
        found: String,
        /// The declared values.
        allowed: Vec<String>,
        /// The nearest declared value, if one is close.
        suggestion: Option<String>,
    },
    /// A wildcard `*` where none is allowed: in `=in=`, ordering or `=bt=`
    /// values (`conversation.name=in=(a*,b)`), or on a field that is not a
    /// string field with wildcards enabled (`conversation.startTime==2021*`).
    WildcardNotAllowed {
        /// The selector as written.
        field: String,
        /// The operator.
        op: String,
    },
    /// A value holds U+0000 (NUL), which SQLite's `GLOB` stops at and
    /// PostgreSQL refuses in text, so no backend could compare it as
    /// written: `conversation.name=="a\0b"` (with a real NUL byte).
    NulInValue {
        /// The selector as written.
        field: String,
        /// The value.
        found: String,
    },
    /// An empty OR group: only possible in a hand-built `Ast::Or(vec![])`,
    /// which would match nothing by accident.
    EmptyGroup,
}

impl CompileErrorKind {
    /// A stable snake_case name for the kind, for logs and JSON bodies.
    ///
    /// ```
    /// assert_eq!(rsql::CompileErrorKind::EmptyGroup.code(), "empty_group");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            CompileErrorKind::UnknownField { .. } => "unknown_field",
            CompileErrorKind::MissingKey { .. } => "missing_key",
            CompileErrorKind::InvalidKey { .. } => "invalid_key",
            CompileErrorKind::UnknownOperator { .. } => "unknown_operator",
            CompileErrorKind::OperatorNotAllowed { .. } => "operator_not_allowed",
            CompileErrorKind::WrongArity { .. } => "wrong_arity",
            CompileErrorKind::TypeMismatch { .. } => "type_mismatch",
            CompileErrorKind::BadTimestamp { .. } => "bad_timestamp",
            CompileErrorKind::BadEnumValue { .. } => "bad_enum_value",
            CompileErrorKind::WildcardNotAllowed { .. } => "wildcard_not_allowed",
            CompileErrorKind::NulInValue { .. } => "nul_in_value",
            CompileErrorKind::EmptyGroup => "empty_group",
        }
    }

    /// A hint for the user (the text after `help:` in `{:#}`), if any.
    ///
    /// ```
    /// let kind = rsql::CompileErrorKind::WrongArity { op: "==".into(), expected: 1, found: 2 };
    /// assert_eq!(kind.help().as_deref(), Some("use `=in=` to match any of several values"));
    /// ```
    pub fn help(&self) -> Option<String> {
        match self {
            CompileErrorKind::UnknownField {
                suggestion: Some(s),
                ..
            }
            | CompileErrorKind::UnknownOperator {
                suggestion: Some(s),
                ..
            }
            | CompileErrorKind::BadEnumValue {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            CompileErrorKind::UnknownField { known, .. } if !known.is_empty() => {
                Some(format!("known fields: {}", list(known, 12)))
            }
            CompileErrorKind::MissingKey { field } => {
                Some(format!("name a key, e.g. `{field}.<key>`"))
            }
            CompileErrorKind::OperatorNotAllowed { allowed, .. } if !allowed.is_empty() => {
                Some(format!("use one of {}", list(allowed, 16)))
            }
            CompileErrorKind::WrongArity {
                op,
                expected: 1,
                found,
            } if *found > 1 && (op == "==" || op == "!=") => Some(format!(
                "use `{}` to match any of several values",
                if op == "==" { "=in=" } else { "=out=" }
            )),
            CompileErrorKind::BadTimestamp { reason, .. } => {
                let examples =
                    "e.g. `2021-03-01T09:30:00Z`, `2021-03-01T09:30:00.000+02:00` or `2021-03-01`";
                Some(match reason {
                    Some(reason) => format!("{reason}; {examples}"),
                    None => examples.to_owned(),
                })
            }
            CompileErrorKind::BadEnumValue { allowed, .. } => {
                Some(format!("use one of {}", list(allowed, 16)))
            }
            CompileErrorKind::WildcardNotAllowed { .. } => {
                Some(r#"write a literal star as `\*`, e.g. `a\*b` or `"a\*b"`"#.to_owned())
            }
            CompileErrorKind::NulInValue { .. } => Some(
                "remove the U+0000 character: SQL databases cannot compare text that holds it"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// `` `a`, `b`, `c` `` with at most `max` items, then `…`.
fn list(items: &[String], max: usize) -> String {
    let mut out: Vec<String> = items.iter().take(max).map(|s| format!("`{s}`")).collect();
    if items.len() > max {
        out.push("…".to_owned());
    }
    out.join(", ")
}

impl fmt::Display for CompileErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileErrorKind::UnknownField { name, .. } => {
                write!(f, "unknown field `{}`", truncate(name))
            }
            CompileErrorKind::MissingKey { field } => {
                write!(f, "`{}` is a map, expected a key after it", truncate(field))
            }
            CompileErrorKind::InvalidKey { field, key } => write!(
                f,
                "invalid key `{}` in `{}`: keys may only hold letters, digits, `_` and `-`",
                truncate(key),
                truncate(field)
            ),
            CompileErrorKind::UnknownOperator { op, .. } => {
                write!(f, "unknown operator `{}`", truncate(op))
            }
            CompileErrorKind::OperatorNotAllowed { field, op, .. } => {
                write!(f, "`{}` does not support `{op}`", truncate(field))
            }
            CompileErrorKind::WrongArity {
                op,
                expected,
                found,
            } => {
                let what = match expected {
                    1 if op == "=in=" || op == "=out=" => "at least one value",
                    1 => "one value",
                    2 => "exactly two values",
                    _ => "values",
                };
                write!(f, "`{op}` takes {what}, found {found}")
            }
            CompileErrorKind::TypeMismatch {
                field,
                expected,
                found,
            } => {
                let (field, found) = (truncate(field), truncate(found));
                match expected {
                    Expected::Integer => {
                        write!(
                            f,
                            "`{field}` compares as integers, `{found}` is not an integer"
                        )
                    }
                    Expected::Number => {
                        write!(
                            f,
                            "`{field}` compares numerically, `{found}` is not a number"
                        )
                    }
                    Expected::Boolean => write!(
                        f,
                        "`{field}` is a boolean, expected `true` or `false`, found `{found}`"
                    ),
                    Expected::NullFlag => {
                        write!(f, "expected `true` or `false`, found `{found}`")
                    }
                }
            }
            CompileErrorKind::BadTimestamp { field, found, .. } => write!(
                f,
                "expected an RFC 3339 timestamp or YYYY-MM-DD for `{}`, found `{}`",
                truncate(field),
                truncate(found)
            ),
            CompileErrorKind::BadEnumValue { field, found, .. } => write!(
                f,
                "`{}` is not a value of `{}`",
                truncate(found),
                truncate(field)
            ),
            CompileErrorKind::WildcardNotAllowed { field, op } => {
                write!(
                    f,
                    "wildcard `*` not allowed in `{op}` on `{}`",
                    truncate(field)
                )?;
                if op == "=in=" || op == "=out=" {
                    // api.md §2.2: a list holds values, never patterns.
                    f.write_str(" (wildcards only in `==`/`!=`)")?;
                }
                Ok(())
            }
            CompileErrorKind::NulInValue { field, found } => write!(
                f,
                "U+0000 (NUL) cannot appear in a value: `{}` for `{}`",
                truncate(&found.replace('\0', "\\0")),
                truncate(field)
            ),
            CompileErrorKind::EmptyGroup => f.write_str("empty OR group"),
        }
    }
}

impl CompileError {
    pub(crate) fn new(kind: CompileErrorKind, span: Span) -> CompileError {
        CompileError {
            inner: Box::new(Inner {
                kind,
                span,
                input: None,
            }),
        }
    }

    /// Attaches the filter text the [`Ast`](crate::Ast) was parsed from, so
    /// that [`column`](CompileError::column) counts characters and `{:#}`
    /// shows the snippet.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// let input = "né==1";
    /// let err = schema.compile(&rsql::parse(input)?).unwrap_err().with_input(input);
    /// assert_eq!(err.input(), Some("né==1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_input(mut self, input: &str) -> CompileError {
        self.inner.input = Some(input.to_owned());
        self
    }

    /// What went wrong.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// let err = schema.compile(&rsql::parse("a==1")?).unwrap_err();
    /// assert!(matches!(err.kind(), rsql::CompileErrorKind::UnknownField { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> &CompileErrorKind {
        &self.inner.kind
    }

    /// The kind's stable name ([`CompileErrorKind::code`]).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// assert_eq!(schema.compile(&rsql::parse("a==1")?).unwrap_err().code(), "unknown_field");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn code(&self) -> &'static str {
        self.inner.kind.code()
    }

    /// The span (byte offsets) of the offending token.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// assert_eq!(schema.compile(&rsql::parse(" ab==1")?).unwrap_err().span(), rsql::Span::new(1, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn span(&self) -> Span {
        self.inner.span
    }

    /// Byte offset of the offending token.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// assert_eq!(schema.compile(&rsql::parse(" ab==1")?).unwrap_err().offset(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offset(&self) -> usize {
        self.inner.span.start
    }

    /// 1-based column of the offending token, in characters once the input
    /// is attached ([`CompileError::with_input`]); before that, the byte
    /// offset plus one (the same for ASCII input).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("a", rsql::FieldType::String)).build()?;
    /// let input = "a=='é';x==2";
    /// let err = schema.compile(&rsql::parse(input)?).unwrap_err();
    /// assert_eq!(err.offset(), 8);
    /// assert_eq!(err.column(), 9);
    /// assert_eq!(err.with_input(input).column(), 8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn column(&self) -> usize {
        match &self.inner.input {
            Some(input) => column_of(input, self.inner.span.start),
            None => self.inner.span.start + 1,
        }
    }

    /// The filter text, when attached with [`CompileError::with_input`].
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// assert_eq!(schema.compile(&rsql::parse("a==1")?).unwrap_err().input(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn input(&self) -> Option<&str> {
        self.inner.input.as_deref()
    }

    /// The message without the `invalid filter at …:` prefix (for JSON bodies).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().build()?;
    /// assert_eq!(schema.compile(&rsql::parse("a==1")?).unwrap_err().message(), "unknown field `a`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn message(&self) -> String {
        self.inner.kind.to_string()
    }

    /// The `help:` hint, if any ([`CompileErrorKind::help`]).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("name", rsql::FieldType::String)).build()?;
    /// let err = schema.compile(&rsql::parse("nam==x")?).unwrap_err();
    /// assert_eq!(err.help().as_deref(), Some("did you mean `name`?"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn help(&self) -> Option<String> {
        self.inner.kind.help()
    }

    /// What `{:#}` shows under the one-line message, without its 4-space
    /// indent: the input with carets under the span (once attached with
    /// [`CompileError::with_input`]), then the `help:` line, joined with `\n`;
    /// empty when there is neither.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("name", rsql::FieldType::String)).build()?;
    /// let err = schema.compile(&rsql::parse("nam==x")?).unwrap_err();
    /// assert_eq!(err.snippet(), "help: did you mean `name`?");
    /// assert_eq!(err.with_input("nam==x").snippet(), "nam==x\n^^^\nhelp: did you mean `name`?");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn snippet(&self) -> String {
        self.render_snippet().into_text()
    }

    fn render_snippet(&self) -> Snippet {
        let help = self.inner.kind.help();
        Snippet::render(
            self.inner.input.as_deref(),
            self.inner.span,
            help.as_deref(),
        )
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.input {
            Some(_) => write!(f, "invalid filter at column {}: ", self.column())?,
            None => write!(f, "invalid filter at offset {}: ", self.inner.span.start)?,
        }
        write!(f, "{}", self.inner.kind)?;
        if f.alternate() {
            self.render_snippet().write_under(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}
