//! RSQL / FIQL filters (manual to be written).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ast;
mod compile_error;
mod error;
mod parse_error;

pub use ast::{Args, Ast, Comparison, Operator, Quote, Selector, Span, Value};
pub use compile_error::{CompileError, CompileErrorKind};
pub use error::Error;
pub use parse_error::{ParseError, ParseErrorKind};

/// Parses `input` with the default limits and policy.
pub fn parse(input: &str) -> Result<Ast<'_>, ParseError> {
    Err(ParseError::new(
        ParseErrorKind::Empty,
        Span::new(0, input.len()),
        input,
    ))
}
