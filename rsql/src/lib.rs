//! RSQL / FIQL filters (manual to be written).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ast;
mod compile_error;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod limits;
mod operators;
mod parse_error;
mod parser;
mod policy;
mod print;
#[cfg(feature = "serde")]
mod serde_impl;

pub use ast::{Args, Ast, Comparison, Operator, Quote, Selector, Span, Value};
pub use compile_error::{CompileError, CompileErrorKind};
pub use error::Error;
pub use limits::Limits;
pub use operators::{Arity, Operators};
pub use parse_error::{ParseError, ParseErrorKind};
pub use parser::Parser;
pub use policy::Policy;
pub use print::Sexpr;

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
