//! [`Parser`]: limits + policy, the entry point, and the single place where
//! the grammar's internal nom error becomes a public [`ParseError`].

mod grammar;
pub(crate) mod lexical;

use crate::ast::{Ast, Span};
use crate::error::{ParseError, ParseErrorKind};
use crate::limits::Limits;
use crate::policy::Policy;

/// A configured RSQL parser: [`Limits`] checked while parsing, then the
/// [`Policy`] checked on the tree. Cheap to clone, `Send + Sync`: build it once
/// and share it.
///
/// ```
/// use rsql::{Limits, Parser, Policy};
/// let parser = Parser::new()
///     .with_limits(Limits::default().with_max_len(8 * 1024))
///     .with_policy(Policy::symbl());
/// let ast = parser.parse("conversation.type==meeting;metadata.agentId=in=(a1,a2)")?;
/// assert_eq!(ast.to_string(), "conversation.type==meeting;metadata.agentId=in=(a1,a2)");
///
/// let err = parser.parse("conversation.type==meeting,conversation.type==call").unwrap_err();
/// assert_eq!(err.message(), "OR is not supported; use =in= for alternatives of one field");
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Parser {
    limits: Limits,
    policy: Policy,
}

impl Parser {
    /// A parser with the default limits and the permissive default policy
    /// (what [`crate::parse`] uses).
    ///
    /// ```
    /// assert!(rsql::Parser::new().parse("a==1").is_ok());
    /// ```
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Replaces the limits.
    ///
    /// ```
    /// use rsql::{Limits, Parser};
    /// let p = Parser::new().with_limits(Limits::new().with_max_depth(1));
    /// assert!(p.parse("((a==1))").is_err());
    /// ```
    pub fn with_limits(mut self, limits: Limits) -> Parser {
        self.limits = limits;
        self
    }

    /// Replaces the policy (operator vocabulary and the service rules).
    ///
    /// ```
    /// use rsql::{Parser, Policy};
    /// let p = Parser::new().with_policy(Policy::default().with_forbid_or(true));
    /// assert!(p.parse("a==1,b==2").is_err());
    /// ```
    pub fn with_policy(mut self, policy: Policy) -> Parser {
        self.policy = policy;
        self
    }

    /// The limits in force.
    ///
    /// ```
    /// assert_eq!(rsql::Parser::new().limits().max_depth(), 32);
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The policy in force.
    ///
    /// ```
    /// assert!(!rsql::Parser::new().policy().forbids_or());
    /// ```
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Parses `input` into a normalised [`Ast`] that borrows from it, then
    /// checks the policy.
    ///
    /// ```
    /// let ast = rsql::Parser::new().parse("a==1 and (b==2 or c==3)")?;
    /// assert_eq!(ast.to_string(), "a==1;(b==2,c==3)");
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn parse<'a>(&self, input: &'a str) -> Result<Ast<'a>, ParseError> {
        let limit = self.limits.max_len();
        if input.len() > limit {
            // O(1) rejection; keep only the allowed prefix for the snippet
            let mut cut = limit;
            while !input.is_char_boundary(cut) {
                cut -= 1;
            }
            return Err(ParseError::new(
                ParseErrorKind::TooLong {
                    len: input.len(),
                    limit,
                },
                Span::new(cut, cut),
                &input[..cut],
            ));
        }
        if lexical::skip_ws(input).is_empty() {
            return Err(ParseError::new(
                ParseErrorKind::Empty,
                Span::new(0, input.len()),
                input,
            ));
        }
        let grammar = grammar::Grammar::new(input, &self.limits, self.policy.operators());
        let ast = match grammar.query(input) {
            Ok((_, ast)) => ast,
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e.into_error(input)),
            // complete-input parsers never ask for more
            Err(nom::Err::Incomplete(_)) => {
                return Err(ParseError::new(
                    ParseErrorKind::ExpectedComparison { after: None },
                    Span::new(input.len(), input.len()),
                    input,
                ));
            }
        };
        self.policy.check(&ast, input)?;
        Ok(ast)
    }
}

/// The grammar's internal error: where it happened (the remaining input),
/// how many bytes to blame, and what went wrong. Offsets are computed once,
/// at the boundary, as `input.len() - rest.len()`.
///
/// Boxed so the `Result`s passed around on the happy path stay small.
#[derive(Debug)]
pub(crate) struct Fail<'a>(Box<FailInner<'a>>);

#[derive(Debug)]
struct FailInner<'a> {
    at: &'a str,
    len: usize,
    kind: ParseErrorKind,
    aux: Option<(&'a str, usize)>,
}

impl<'a> Fail<'a> {
    fn new(at: &'a str, len: usize, kind: ParseErrorKind) -> Fail<'a> {
        Fail(Box::new(FailInner {
            at,
            len,
            kind,
            aux: None,
        }))
    }

    fn with_aux(mut self, at: &'a str, len: usize) -> Fail<'a> {
        self.0.aux = Some((at, len));
        self
    }

    /// The conversion boundary: nothing of nom leaves this module.
    fn into_error(self, input: &str) -> ParseError {
        let FailInner { at, len, kind, aux } = *self.0;
        let span_of = |rest: &str, len: usize| {
            let start = input.len().saturating_sub(rest.len());
            Span::new(start, (start + len).min(input.len()))
        };
        let aux = aux.map(|(rest, len)| span_of(rest, len));
        ParseError::new(kind, span_of(at, len), input).with_aux(aux)
    }
}

impl<'a> nom::error::ParseError<&'a str> for Fail<'a> {
    /// Only reached if a nom primitive fails on its own; the grammar maps every
    /// failure to a specific kind before that can happen.
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        Fail::new(input, 0, ParseErrorKind::ExpectedComparison { after: None })
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

impl<'a> nom::error::ContextError<&'a str> for Fail<'a> {}
