//! The API's `filter` parameter: one parser configuration and one compile
//! path, shared by [`QuerySpec::from_params`](crate::QuerySpec::from_params),
//! the server and tools.
//!
//! The configuration is `api.md`'s (A-8): at most [`MAX_FILTER_LEN`] bytes,
//! groups nested at most [`MAX_FILTER_DEPTH`] deep, at most
//! [`MAX_FILTER_VALUES`] values in one `=in=`/`=out=` list, under
//! [`Policy::symbl`] (no OR, at most two distinct fields, known selectors,
//! extended operators). A server that lets its operator change the length
//! limit builds its parser with [`parser`]; everything else is fixed here.
//!
//! Compiled filters are handed out as `Arc<Filter>`: a
//! [`QuerySpec`](crate::QuerySpec) shares the filter a cache holds instead of
//! copying it. Errors are [`StoreError::Filter`] holding the [`rsql::Error`]
//! with its span and the input, so `{:#}` draws carets under the culprit.

use std::sync::{Arc, OnceLock};

use rsql::{Filter, Limits, Parser, Policy};

use crate::StoreError;
use crate::schema::schema;

/// Longest accepted `filter`, in bytes (`api.md` A-8: 8 KiB).
pub const MAX_FILTER_LEN: usize = 8 * 1024;
/// Deepest accepted nesting of groups (`api.md` A-8).
pub const MAX_FILTER_DEPTH: usize = 32;
/// Most values in one `=in=` / `=out=` list (`api.md` A-8).
pub const MAX_FILTER_VALUES: usize = 500;

/// The API's parser with a `filter` length limit of `max_len` bytes and
/// every other setting as `api.md` A-8 says ([`api_parser`] is this with
/// [`MAX_FILTER_LEN`]).
///
/// ```
/// let p = store::filter::parser(16);
/// assert!(p.parse("conversation.type==a").is_err()); // 20 bytes
/// assert!(p.parse("metadata.x==1").is_ok());
/// ```
pub fn parser(max_len: usize) -> Parser {
    Parser::new()
        .with_limits(
            Limits::new()
                .with_max_len(max_len)
                .with_max_depth(MAX_FILTER_DEPTH)
                .with_max_args(MAX_FILTER_VALUES),
        )
        .with_policy(Policy::symbl())
}

/// The API's parser ([`parser`] with [`MAX_FILTER_LEN`]), built once.
///
/// ```
/// let p = store::filter::api_parser();
/// assert!(p.parse("conversation.type==a,conversation.type==b").is_err()); // no OR
/// let list = |n: usize| format!("metadata.k=in=({})", vec!["v"; n].join(","));
/// assert!(p.parse(&list(store::filter::MAX_FILTER_VALUES)).is_ok());
/// assert!(p.parse(&list(store::filter::MAX_FILTER_VALUES + 1)).is_err());
/// ```
pub fn api_parser() -> &'static Parser {
    static PARSER: OnceLock<Parser> = OnceLock::new();
    PARSER.get_or_init(|| parser(MAX_FILTER_LEN))
}

/// Parses `filter` with [`api_parser`] and compiles it against
/// [`schema()`](crate::schema()). Errors keep the span of the token they
/// blame and the input, so the alternate form draws carets.
///
/// ```
/// let err = store::compile_filter("conversation.startTime=ge=2021-13-45").unwrap_err();
/// assert_eq!(
///     format!("{err:#}"),
///     "invalid filter at column 27: expected an RFC 3339 timestamp or YYYY-MM-DD for \
///      `conversation.startTime`, found `2021-13-45`\n    \
///      conversation.startTime=ge=2021-13-45\n                              ^^^^^^^^^^\n\
///      help: no such date; e.g. `2021-03-01T09:30:00Z`, `2021-03-01T09:30:00.000+02:00` or `2021-03-01`"
/// );
/// ```
pub fn compile_filter(filter: &str) -> Result<Arc<Filter>, StoreError> {
    compile_with(api_parser(), filter)
}

/// Like [`compile_filter`] with any parser (e.g. one that allows OR, for
/// tests and tools that are not bound by the Symbl rules).
///
/// ```
/// let f = store::filter::compile_with(&rsql::Parser::new(), "conversation.type==a,conversation.type==b")?;
/// assert_eq!(f.to_string(), "conversation.type==a,conversation.type==b");
/// # Ok::<(), store::StoreError>(())
/// ```
pub fn compile_with(parser: &Parser, filter: &str) -> Result<Arc<Filter>, StoreError> {
    schema()
        .compile_str(parser, filter)
        .map(Arc::new)
        .map_err(StoreError::Filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each limit of A-8 at its value passes and one past it fails, naming the limit.
    #[test]
    fn api_limits_at_and_past_the_limit() {
        let p = api_parser();
        // An `=in=` list of 20-byte values, the last one padded to `n` bytes.
        let long = |n: usize| {
            let mut f = String::from("metadata.k=in=(");
            while n - f.len() > 2 * 21 {
                f.push_str(&"v".repeat(20));
                f.push(',');
            }
            let last = n - f.len() - 1;
            f.push_str(&"w".repeat(last));
            f.push(')');
            f
        };
        assert!(p.parse(&long(MAX_FILTER_LEN)).is_ok());
        let err = p.parse(&long(MAX_FILTER_LEN + 1)).unwrap_err();
        assert!(err.to_string().contains("8192"), "{err}");

        let nested = |d: usize| format!("{}metadata.k==v{}", "(".repeat(d), ")".repeat(d));
        assert!(p.parse(&nested(MAX_FILTER_DEPTH)).is_ok());
        let err = p.parse(&nested(MAX_FILTER_DEPTH + 1)).unwrap_err();
        assert!(err.to_string().contains("32"), "{err}");

        let list = |n: usize| format!("metadata.k=in=({})", vec!["v"; n].join(","));
        assert!(p.parse(&list(MAX_FILTER_VALUES)).is_ok());
        let err = p.parse(&list(MAX_FILTER_VALUES + 1)).unwrap_err();
        assert!(err.to_string().contains("500"), "{err}");
    }

    #[test]
    fn compile_errors_carry_their_input() {
        let Err(StoreError::Filter(e)) = compile_filter("conversation.type=gt=") else {
            panic!("expected a filter error");
        };
        assert!(format!("{e:#}").contains("\n    conversation.type=gt=\n"));
        let Err(StoreError::Filter(e)) = compile_filter("metadata.x==1;conversation.bogus==2")
        else {
            panic!("expected a filter error");
        };
        assert!(format!("{e:#}").contains("\n    metadata.x==1;conversation.bogus==2\n"));
    }
}
