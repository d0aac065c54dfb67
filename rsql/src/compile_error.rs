//! [`CompileError`] and [`CompileErrorKind`]: a valid filter that does not fit the schema.
//!
//! (Skeleton: the schema work fills in the full kind catalogue.)

use std::fmt;

use crate::ast::Span;
use crate::error::{column_of, write_snippet};

/// A filter that parsed but does not fit the [`Schema`](crate::Schema).
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    kind: CompileErrorKind,
    span: Span,
    input: String,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CompileErrorKind {
    /// The selector names no field: `conversation.startTme==x`.
    UnknownField {
        /// The selector as written.
        name: String,
    },
}

impl CompileError {
    /// What went wrong.
    pub fn kind(&self) -> &CompileErrorKind {
        &self.inner.kind
    }

    /// The span of the offending token.
    pub fn span(&self) -> Span {
        self.inner.span
    }

    /// 1-based column, in characters.
    pub fn column(&self) -> usize {
        column_of(&self.inner.input, self.inner.span.start)
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid filter at column {}: {:?}",
            self.column(),
            self.inner.kind
        )?;
        if f.alternate() {
            write_snippet(f, &self.inner.input, self.inner.span, None)?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}
