//! [`QuerySpec`] → [`Page`]: the request model of `GET /v1/conversations`,
//! and [`Params`]: its raw query parameters validated in `api.md`'s order.
//!
//! Semantics (`api.md` §1.4, §1.5, §2.2): the time window is applied first
//! (`startTime ≥ window.start AND endTime ≤ window.end`, a running
//! conversation tested with `startTime ≤ window.end`), then the filter, then
//! the sort (with the `conversation.id` tie-break), then `offset`, then
//! `limit`. `total` counts every conversation that passed the window and the
//! filter, whatever the paging. An offset past the end gives an empty page.

use std::fmt;
use std::sync::Arc;

use crate::model::Conversation;
use crate::sort::{Direction, Sort, SortError};
use crate::time::{TimestampError, parse_rfc3339_exact};

/// Seven days in milliseconds: the default window's length.
pub const DEFAULT_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;
/// Largest accepted `limit` (Symbl's documented range is 0–65 536).
pub const MAX_LIMIT: u64 = 65_536;
/// Largest accepted `offset` (2^31 − 1).
pub const MAX_OFFSET: u64 = i32::MAX as u64;
/// Default `limit` (Symbl's documented default).
pub const DEFAULT_LIMIT: usize = 20;
/// Clock skew tolerated when checking that a bound is not in the future.
pub const CLOCK_SKEW_MS: i64 = 5_000;

/// An inclusive time window on conversations, in epoch milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Conversations must start at or after this instant.
    pub start: i64,
    /// Conversations must end at or before this instant (running ones: start at or before).
    pub end: i64,
}

impl Window {
    /// The window of a request (`api.md` §1.5): with neither bound and no
    /// filter, `[now − 7 d, now]`; with neither bound and a filter, none; with
    /// one or both bounds, the given ones, `end` defaulting to `now` and
    /// `start` to `end − 7 d`.
    ///
    /// ```
    /// use store::Window;
    /// let now = 1_000_000_000_000;
    /// assert_eq!(Window::resolve(None, None, false, now), Some(Window { start: now - store::DEFAULT_WINDOW_MS, end: now }));
    /// assert_eq!(Window::resolve(None, None, true, now), None);
    /// assert_eq!(Window::resolve(Some(5), None, true, now), Some(Window { start: 5, end: now }));
    /// ```
    pub fn resolve(
        start: Option<i64>,
        end: Option<i64>,
        has_filter: bool,
        now: i64,
    ) -> Option<Window> {
        if start.is_none() && end.is_none() && has_filter {
            return None;
        }
        let end = end.unwrap_or(now);
        let start = start.unwrap_or_else(|| end.saturating_sub(DEFAULT_WINDOW_MS));
        Some(Window { start, end })
    }

    /// Whether a conversation with these times lies in the window.
    ///
    /// ```
    /// let w = store::Window { start: 10, end: 20 };
    /// assert!(w.contains(10, Some(20)));
    /// assert!(!w.contains(10, Some(21)));
    /// assert!(w.contains(20, None)); // running: start ≤ end
    /// ```
    pub fn contains(&self, start: i64, end: Option<i64>) -> bool {
        start >= self.start && end.unwrap_or(start) <= self.end
    }
}

/// A query: window, filter, sort and paging.
///
/// ```
/// use store::{QuerySpec, Window};
/// let store = store::generate::store(42, 2_000);
/// let spec = QuerySpec { limit: 5, window: Some(Window { start: 0, end: i64::MAX }), ..QuerySpec::default() };
/// let page = store.query(&spec)?;
/// assert_eq!(page.total, 2_000);
/// assert_eq!(page.items.len(), 5);
/// assert!(page.items.windows(2).all(|w| w[0].start_time <= w[1].start_time));
/// # Ok::<(), store::StoreError>(())
/// ```
#[derive(Clone, Debug)]
pub struct QuerySpec {
    /// The compiled filter (see [`compile_filter`](crate::compile_filter)),
    /// shared with whoever compiled it (a cache); `None` = every conversation.
    pub filter: Option<Arc<rsql::Filter>>,
    /// The time window; `None` = no window. [`Params`] and [`Window::resolve`]
    /// build the API's default.
    pub window: Option<Window>,
    /// The order (the `conversation.id` tie-break is part of every [`Sort`]).
    pub sort: Sort,
    /// At most this many items.
    pub limit: usize,
    /// Items skipped first.
    pub offset: usize,
}

impl Default for QuerySpec {
    /// No filter, no window, `conversation.startTime` ascending, limit 20, offset 0.
    fn default() -> QuerySpec {
        QuerySpec {
            filter: None,
            window: None,
            sort: Sort::default(),
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// The conversations of the page, in order.
    pub items: Vec<Conversation>,
    /// How many conversations matched the window and the filter (`X-Total-Count`).
    pub total: usize,
}

/// Raw query parameters of `GET /v1/conversations`, as strings.
///
/// ```
/// use store::{Params, QuerySpec};
/// let now = store::time::parse_rfc3339_ms("2021-12-31T00:00:00Z").unwrap();
/// let params = Params { limit: Some("2"), sort: Some("-conversation.name"), ..Params::default() };
/// let spec = QuerySpec::from_params(&params, now)?;
/// assert_eq!(spec.limit, 2);
/// assert_eq!(spec.window.map(|w| w.end), Some(now));
/// let bad = Params { limit: Some("-1"), ..Params::default() };
/// assert_eq!(QuerySpec::from_params(&bad, now).unwrap_err().to_string(),
///     "limit: expected an integer from 0 to 65536, found `-1`");
/// # Ok::<(), store::StoreError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params<'a> {
    /// `limit`: 0–65 536, default 20.
    pub limit: Option<&'a str>,
    /// `offset`: 0–2^31−1, default 0.
    pub offset: Option<&'a str>,
    /// `order`: `asc` (default) or `desc`.
    pub order: Option<&'a str>,
    /// `startTime`: RFC 3339 with an offset.
    pub start_time: Option<&'a str>,
    /// `endTime`: RFC 3339 with an offset.
    pub end_time: Option<&'a str>,
    /// `sort`: see [`Sort::parse`].
    pub sort: Option<&'a str>,
    /// `filter`: RSQL under the Symbl policy.
    pub filter: Option<&'a str>,
}

impl<'a> Params<'a> {
    /// The same parameters with every empty value (`filter=`, `sort=`) taken
    /// as absent (`api.md` §2.0). [`QuerySpec::from_params_with`] applies it
    /// itself; a caller that echoes the parameters (the `Link` header) uses
    /// it to echo what was applied.
    ///
    /// ```
    /// let p = store::Params { filter: Some(""), limit: Some("5"), ..Default::default() };
    /// assert_eq!(p.non_empty(), store::Params { limit: Some("5"), ..Default::default() });
    /// ```
    pub fn non_empty(self) -> Params<'a> {
        let keep = |v: Option<&'a str>| v.filter(|s| !s.is_empty());
        Params {
            limit: keep(self.limit),
            offset: keep(self.offset),
            order: keep(self.order),
            start_time: keep(self.start_time),
            end_time: keep(self.end_time),
            sort: keep(self.sort),
            filter: keep(self.filter),
        }
    }
}

/// A bad query parameter (other than `sort` and `filter`, which have their own errors).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    param: &'static str,
    kind: ParamErrorKind,
}

/// The kinds of [`ParamError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamErrorKind {
    /// `limit=abc`, `offset=-1`, `limit=70000`: not an integer in `min..=max`.
    OutOfRange {
        /// The text given.
        value: String,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// `order=DESC`: not `asc` or `desc`.
    Order {
        /// The text given.
        value: String,
    },
    /// `startTime=2021-01-01`: not RFC 3339 with an offset.
    Timestamp {
        /// The text given.
        value: String,
        /// Why.
        reason: TimestampError,
    },
    /// `startTime` not before `endTime`.
    StartNotBeforeEnd {
        /// `startTime` as given.
        start: String,
        /// `endTime` as given (or defaulted).
        end: String,
    },
    /// A bound later than now (plus [`CLOCK_SKEW_MS`]).
    InFuture {
        /// The text given.
        value: String,
    },
}

impl ParamError {
    /// The parameter at fault (`limit`, `offset`, `order`, `startTime`, `endTime`).
    ///
    /// ```
    /// let e = store::QuerySpec::from_params(&store::Params { order: Some("up"), ..Default::default() }, 0).unwrap_err();
    /// assert_eq!(e.param(), Some("order"));
    /// ```
    pub fn param(&self) -> &'static str {
        self.param
    }

    /// What went wrong.
    ///
    /// ```
    /// use store::{ParamErrorKind, Params, QuerySpec, StoreError};
    /// let e = QuerySpec::from_params(&Params { order: Some("up"), ..Default::default() }, 0).unwrap_err();
    /// assert!(matches!(e, StoreError::Param(p) if matches!(p.kind(), ParamErrorKind::Order { .. })));
    /// ```
    pub fn kind(&self) -> &ParamErrorKind {
        &self.kind
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::error::echo;
        write!(f, "{}: ", self.param)?;
        match &self.kind {
            ParamErrorKind::OutOfRange { value, min, max } => {
                write!(
                    f,
                    "expected an integer from {min} to {max}, found `{}`",
                    echo(value)
                )
            }
            ParamErrorKind::Order { value } => {
                write!(f, "expected `asc` or `desc`, found `{}`", echo(value))
            }
            ParamErrorKind::Timestamp { value, reason } => {
                write!(f, "{reason}, found `{}`", echo(value))
            }
            ParamErrorKind::StartNotBeforeEnd { start, end } => {
                write!(
                    f,
                    "`{}` must be before endTime `{}`",
                    echo(start),
                    echo(end)
                )
            }
            ParamErrorKind::InFuture { value } => {
                write!(f, "`{}` is later than the current time", echo(value))
            }
        }
    }
}

impl std::error::Error for ParamError {}

fn int_param(
    param: &'static str,
    value: Option<&str>,
    default: usize,
    max: u64,
) -> Result<usize, ParamError> {
    let Some(text) = value else {
        return Ok(default);
    };
    let bad = || ParamError {
        param,
        kind: ParamErrorKind::OutOfRange {
            value: text.to_string(),
            min: 0,
            max,
        },
    };
    // Digits only: no sign, no spaces, no exponent.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u64>() {
        Ok(v) if v <= max => usize::try_from(v).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// A time parameter as the instant it names: its millisecond (floor) and
/// the nanoseconds past it, so that a bound finer than the stored
/// millisecond is applied exactly (`startTime=…00.0005Z` keeps no
/// conversation that starts at `…00.000`).
fn time_param(
    param: &'static str,
    value: Option<&str>,
    now: i64,
) -> Result<Option<(i64, u32)>, ParamError> {
    let Some(text) = value else {
        return Ok(None);
    };
    let (ms, sub) = parse_rfc3339_exact(text).map_err(|reason| ParamError {
        param,
        kind: ParamErrorKind::Timestamp {
            value: text.to_string(),
            reason,
        },
    })?;
    if ms > now.saturating_add(CLOCK_SKEW_MS) {
        return Err(ParamError {
            param,
            kind: ParamErrorKind::InFuture {
                value: text.to_string(),
            },
        });
    }
    Ok(Some((ms, sub)))
}

impl QuerySpec {
    /// Validates the raw parameters in `api.md`'s order (limit, offset, order,
    /// startTime, endTime, sort, filter; the first error wins; an empty value
    /// is an absent one, see [`Params::non_empty`]), builds the window (§1.5)
    /// and compiles the filter with
    /// [`compile_filter`](crate::compile_filter).
    ///
    /// ```
    /// use store::{Params, QuerySpec};
    /// let e = QuerySpec::from_params(&Params { sort: Some("conversation.bogus"), ..Params::default() }, 0).unwrap_err();
    /// assert!(e.to_string().starts_with("sort: unknown field `conversation.bogus`"));
    /// ```
    pub fn from_params(p: &Params<'_>, now: i64) -> Result<QuerySpec, crate::StoreError> {
        QuerySpec::from_params_with(p, now, crate::compile_filter)
    }

    /// [`from_params`](QuerySpec::from_params) with the caller's way to
    /// compile the filter text (a server's cache of compiled filters). It is
    /// called only when `p.filter` is present, after every other parameter
    /// passed, so errors come in `api.md`'s order; the window rule (a filter
    /// without bounds means no default window) is applied here, the one
    /// place that knows it.
    ///
    /// ```
    /// use store::{Params, QuerySpec};
    /// let cached = store::compile_filter("conversation.type==call")?;
    /// let p = Params { filter: Some("conversation.type==call"), ..Params::default() };
    /// let spec = QuerySpec::from_params_with(&p, 0, |_| Ok(cached.clone()))?;
    /// assert!(std::sync::Arc::ptr_eq(spec.filter.as_ref().unwrap(), &cached));
    /// assert_eq!(spec.window, None);
    /// // A bad limit is reported before the filter is even looked at.
    /// let p = Params { limit: Some("x"), filter: Some("a=="), ..Params::default() };
    /// let e = QuerySpec::from_params_with(&p, 0, |_| unreachable!()).unwrap_err();
    /// assert_eq!(e.to_string(), "limit: expected an integer from 0 to 65536, found `x`");
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn from_params_with(
        p: &Params<'_>,
        now: i64,
        compile: impl FnOnce(&str) -> Result<Arc<rsql::Filter>, crate::StoreError>,
    ) -> Result<QuerySpec, crate::StoreError> {
        let p = &p.non_empty();
        let limit = int_param("limit", p.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let offset = int_param("offset", p.offset, 0, MAX_OFFSET)?;
        let order = match p.order {
            None => Direction::Asc,
            Some(text) => Direction::parse(text).ok_or_else(|| ParamError {
                param: "order",
                kind: ParamErrorKind::Order {
                    value: text.to_string(),
                },
            })?,
        };
        let start = time_param("startTime", p.start_time, now)?;
        let end = time_param("endTime", p.end_time, now)?;
        // conv.startTime ≥ startTime: the first millisecond at or after it;
        // conv.endTime ≤ endTime: the last millisecond at or before it.
        let window = Window::resolve(
            start.map(|(ms, sub)| ms.saturating_add(i64::from(sub > 0))),
            end.map(|(ms, _)| ms),
            p.filter.is_some(),
            now,
        );
        // The order of the instants themselves (`…00.0005Z` is before
        // `…00.0009Z`, though no millisecond lies between them).
        if let (Some(_), Some(text), Some(start)) = (window, p.start_time, start)
            && start >= end.unwrap_or((now, 0))
        {
            let end_text = p
                .end_time
                .map_or_else(|| crate::time::format_ms(now), str::to_string);
            return Err(ParamError {
                param: "startTime",
                kind: ParamErrorKind::StartNotBeforeEnd {
                    start: text.to_string(),
                    end: end_text,
                },
            }
            .into());
        }
        let sort = match p.sort {
            None => Sort::by(crate::sort::SortField::StartTime, order),
            Some(text) => {
                Sort::parse(text, order).map_err(|e: SortError| crate::StoreError::Sort(e))?
            }
        };
        let filter = match p.filter {
            None => None,
            Some(text) => Some(compile(text)?),
        };
        Ok(QuerySpec {
            filter,
            window,
            sort,
            limit,
            offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_bounds() {
        let p = |l: &str| int_param("limit", Some(l), 20, MAX_LIMIT);
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p("65536"), Ok(65_536));
        assert!(p("65537").is_err());
        assert!(p("-1").is_err());
        assert!(p("+1").is_err());
        assert!(p("1e3").is_err());
        assert!(p("").is_err());
        assert!(p("99999999999999999999999").is_err());
        assert_eq!(
            int_param("offset", Some("2147483647"), 0, MAX_OFFSET),
            Ok(2_147_483_647)
        );
        assert!(int_param("offset", Some("2147483648"), 0, MAX_OFFSET).is_err());
    }

    #[test]
    fn empty_values_are_absent() {
        let now = crate::time::parse_rfc3339_ms("2021-12-31T00:00:00Z").unwrap();
        let empty = Params {
            limit: Some(""),
            offset: Some(""),
            order: Some(""),
            start_time: Some(""),
            end_time: Some(""),
            sort: Some(""),
            filter: Some(""),
        };
        let spec = QuerySpec::from_params(&empty, now).unwrap();
        let plain = QuerySpec::from_params(&Params::default(), now).unwrap();
        assert_eq!(spec.limit, DEFAULT_LIMIT);
        assert_eq!(spec.window, plain.window, "no filter: the default window");
        assert!(spec.filter.is_none());
        assert_eq!(empty.non_empty(), Params::default());
        // A blank filter is not empty: it is a filter, and an error.
        let blank = Params {
            filter: Some(" "),
            ..Params::default()
        };
        assert!(QuerySpec::from_params(&blank, now).is_err());
    }

    #[test]
    fn start_not_before_end_names_each_parameter_once() {
        let p = Params {
            start_time: Some("2021-02-01T00:00:00Z"),
            end_time: Some("2021-01-01T00:00:00Z"),
            ..Params::default()
        };
        let e = QuerySpec::from_params(&p, i64::MAX / 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "startTime: `2021-02-01T00:00:00Z` must be before endTime `2021-01-01T00:00:00Z`"
        );
    }

    #[test]
    fn a_bound_finer_than_a_millisecond_is_applied_exactly() {
        let t = |s: &str| crate::time::parse_rfc3339_ms(s).unwrap();
        let window = |start: &str, end: &str| {
            let p = Params {
                start_time: Some(start),
                end_time: Some(end),
                ..Params::default()
            };
            QuerySpec::from_params(&p, i64::MAX / 2).map(|s| s.window)
        };
        let at = t("2021-03-01T00:00:00Z");
        // startTime: the first millisecond at or after it; endTime: the last
        // at or before it.
        let w = window("2021-03-01T00:00:00.0005Z", "2021-03-02T00:00:00.0009Z")
            .unwrap()
            .unwrap();
        assert_eq!((w.start, w.end), (at + 1, t("2021-03-02T00:00:00Z")));
        assert!(!w.contains(at, Some(at + 5)), "starts before the bound");
        assert!(w.contains(at + 1, Some(at + 5)));
        // Two bounds within one millisecond, in order: no error, and no
        // millisecond in between, so an empty window.
        let w = window("2021-03-01T00:00:00.0005Z", "2021-03-01T00:00:00.0009Z")
            .unwrap()
            .unwrap();
        assert!(w.start > w.end);
        // Out of order within the millisecond: the error, as for any order.
        assert!(window("2021-03-01T00:00:00.0009Z", "2021-03-01T00:00:00.0005Z").is_err());
        assert!(window("2021-03-01T00:00:00.0005Z", "2021-03-01T00:00:00.0005Z").is_err());
    }

    #[test]
    fn handles_resolve_to_the_same_page_and_skip_deleted_or_reused_slots() {
        let mut s = crate::generate::store(9, 300);
        let spec = QuerySpec {
            limit: 40,
            offset: 5,
            window: None,
            sort: Sort::parse("-conversation.name", Direction::Asc).unwrap(),
            ..QuerySpec::default()
        };
        let page = s.query_handles(&spec).unwrap();
        let by_ref = s.query_ref(&spec).unwrap();
        assert_eq!(page.total, by_ref.total);
        let resolved: Vec<&str> = page
            .rows
            .iter()
            .filter_map(|h| s.resolve(h))
            .map(|c| c.id())
            .collect();
        let want: Vec<&str> = by_ref.items.iter().map(|c| c.id()).collect();
        assert_eq!(resolved, want);
        drop(by_ref);
        // Delete a row of the page, and let a new conversation take its slot.
        let gone = page.rows[7].id().to_owned();
        s.delete(&gone).unwrap();
        let mut newcomer = crate::generate::conversation(9, 10_000);
        newcomer.id = "newcomer".to_owned();
        s.insert(newcomer).unwrap();
        assert!(s.get_ref("newcomer").is_some());
        let ids: Vec<&str> = page
            .rows
            .iter()
            .filter_map(|h| s.resolve(h))
            .map(|c| c.id())
            .collect();
        assert_eq!(ids.len(), 39);
        assert!(!ids.contains(&gone.as_str()) && !ids.contains(&"newcomer"));
    }

    #[test]
    fn window_rules() {
        let now = 10 * DEFAULT_WINDOW_MS;
        assert_eq!(
            Window::resolve(None, Some(now - 5), false, now),
            Some(Window {
                start: now - 5 - DEFAULT_WINDOW_MS,
                end: now - 5
            })
        );
        assert_eq!(
            Window::resolve(Some(3), Some(9), true, now),
            Some(Window { start: 3, end: 9 })
        );
    }
}
