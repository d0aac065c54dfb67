//! RSQL / FIQL filters (manual to be written).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ast;
mod compile_error;
pub mod emit;
mod error;
pub mod eval;
pub mod filter;
#[doc(hidden)]
pub mod fuzzing;
mod limits;
mod operators;
mod parse_error;
mod parser;
mod pattern;
mod policy;
mod print;
pub mod schema;
#[cfg(feature = "serde")]
mod serde_impl;

pub use ast::{Args, Ast, Comparison, Operator, Quote, Selector, Span, Value};
pub use compile_error::{CompileError, CompileErrorKind, Expected};
pub use emit::sql::{EmitError, SqlDialect, SqlOptions, SqlParam, SqlWhere};
pub use error::Error;
pub use eval::{FieldValue, Record};
pub use filter::Filter;
pub use limits::Limits;
pub use operators::{Arity, OperatorError, Operators};
pub use parse_error::{ParseError, ParseErrorKind};
pub use parser::Parser;
pub use policy::Policy;
pub use print::Sexpr;
pub use schema::{Field, FieldId, FieldRef, FieldType, Op, Schema, SchemaBuilder, SchemaError};

/// Parses `input` with the default [`Limits`] and the permissive default
/// [`Policy`] (standard operators, no service rules).
///
/// The tree borrows from `input` where no escape had to be resolved.
///
/// ```
/// let ast = rsql::parse("conversation.type==meeting;conversation.startTime=ge=2021-03-01")?;
/// assert_eq!(ast.comparisons().count(), 2);
/// assert!(rsql::parse("conversation.type==").is_err());
/// # Ok::<(), rsql::Error>(())
/// ```
pub fn parse(input: &str) -> Result<Ast<'_>, ParseError> {
    Parser::new().parse(input)
}

/// The crate README, compiled as doctests so its examples cannot rot
/// (toml_parser's `ReadmeDoctests` trick); exists only under `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
