//! [`Policy`]: the rules a service layers on top of the grammar (crate docs, *Pipeline*).
//!
//! Kept apart from parsing so one parser serves both a permissive library user
//! and a restrictive API. Every rule is off in [`Policy::default`]; the
//! operator vocabulary defaults to the standard eight. Errors carry the span
//! of the offending node, so the usual caret rendering works.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::ast::{Ast, Span};
use crate::error::{ParseError, ParseErrorKind};
use crate::operators::Operators;
use crate::suggest::nearest;

/// One entry of the selector allow-list.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    /// `conversation.type`
    Exact(String),
    /// `conversation.metadata.*`, stored as `conversation.metadata.`
    Prefix(String),
}

impl Pattern {
    fn matches(&self, selector: &str) -> bool {
        match self {
            Pattern::Exact(name) => name == selector,
            Pattern::Prefix(prefix) => {
                selector.len() > prefix.len() && selector.starts_with(prefix.as_str())
            }
        }
    }
}

/// The service rules checked after parsing, plus the operator vocabulary
/// used while parsing.
///
/// | rule | default | error |
/// |---|---|---|
/// | [`with_forbid_or`](Policy::with_forbid_or) | off | [`OrForbidden`](ParseErrorKind::OrForbidden) |
/// | [`with_max_fields`](Policy::with_max_fields) | none | [`TooManyFields`](ParseErrorKind::TooManyFields) |
/// | [`with_allowed_selectors`](Policy::with_allowed_selectors) | any selector | [`SelectorNotAllowed`](ParseErrorKind::SelectorNotAllowed) |
/// | [`with_operators`](Policy::with_operators) | [`Operators::standard`] | [`UnknownOperator`](ParseErrorKind::UnknownOperator) |
///
/// ```
/// use rsql::{ParseErrorKind, Parser, Policy};
/// let policy = Policy::default()
///     .with_max_fields(1)
///     .with_alias("metadata.", "conversation.metadata.");
/// let parser = Parser::new().with_policy(policy);
/// // two spellings of one field count once
/// assert!(parser.parse("metadata.a==1;conversation.metadata.a==2").is_ok());
/// let err = parser.parse("metadata.a==1;metadata.b==2").unwrap_err();
/// assert!(matches!(err.kind(), ParseErrorKind::TooManyFields { limit: 1, .. }));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Policy {
    operators: Operators,
    forbid_or: bool,
    max_fields: Option<usize>,
    allowed: Option<Vec<Pattern>>,
    allowed_names: Vec<String>,
    aliases: Vec<(String, String)>,
}

impl Policy {
    /// The permissive default: standard operators, no other rule.
    ///
    /// ```
    /// assert!(!rsql::Policy::new().forbids_or());
    /// ```
    pub fn new() -> Policy {
        Policy::default()
    }

    /// The rules of the Symbl-style conversation API (the HTTP API's, `docs/filter-language.md` in the repository):
    ///
    /// * no OR (`,` or ` or ` between terms; lists inside `=in=` are fine);
    /// * at most 2 distinct fields, counting `metadata.x` as
    ///   `conversation.metadata.x` and `conversation.members.x` as `members.x`;
    /// * selectors `conversation.{id,name,type,startTime,endTime}`,
    ///   `conversation.metadata.*`, `members.{id,name,email}` (and the aliases);
    /// * the extended operators ([`Operators::extended`]).
    ///
    /// ```
    /// use rsql::{Parser, Policy};
    /// let p = Parser::new().with_policy(Policy::symbl());
    /// assert!(p.parse("conversation.metadata.agentId==a1 and metadata.agentId!=a2").is_ok());
    /// assert!(p.parse("conversation.startTme=ge=2021-03-01").is_err());
    /// ```
    pub fn symbl() -> Policy {
        Policy::default()
            .with_operators(Operators::extended())
            .with_forbid_or(true)
            .with_max_fields(2)
            .with_alias("metadata.", "conversation.metadata.")
            .with_alias("conversation.members.", "members.")
            .with_allowed_selectors([
                "conversation.id",
                "conversation.name",
                "conversation.type",
                "conversation.startTime",
                "conversation.endTime",
                "conversation.metadata.*",
                "members.id",
                "members.name",
                "members.email",
            ])
    }

    /// Forbids OR between terms (`,` or ` or `). The separator inside an
    /// `=in=`/`=out=` list is not an OR. The error points at the first OR
    /// separator and suggests `=in=`.
    ///
    /// ```
    /// use rsql::{ParseErrorKind, Parser, Policy};
    /// let p = Parser::new().with_policy(Policy::new().with_forbid_or(true));
    /// assert!(p.parse("a=in=(1,2)").is_ok());
    /// let err = p.parse("a==1 or a==2").unwrap_err();
    /// assert_eq!(err.kind(), &ParseErrorKind::OrForbidden);
    /// assert_eq!(err.span(), rsql::Span::new(5, 7));
    /// ```
    pub fn with_forbid_or(mut self, forbid: bool) -> Policy {
        self.forbid_or = forbid;
        self
    }

    /// Allows at most `n` **distinct** selectors (after aliases, see
    /// [`Policy::with_alias`]); any number of comparisons may use them. The
    /// error points at the first comparison naming a field beyond the limit
    /// and lists every field of the filter.
    ///
    /// ```
    /// use rsql::{Parser, Policy};
    /// let p = Parser::new().with_policy(Policy::new().with_max_fields(2));
    /// assert!(p.parse("a=ge=1;a=lt=5;b==x").is_ok());
    /// let err = p.parse("a==1;b==2;c==3").unwrap_err();
    /// assert_eq!(err.message(), "the filter names 3 fields, the limit is 2: `a`, `b`, `c`");
    /// ```
    pub fn with_max_fields(mut self, n: usize) -> Policy {
        self.max_fields = Some(n);
        self
    }

    /// Treats selectors starting with `from` as if they started with `to`
    /// when counting fields and matching the allow-list (the AST keeps the
    /// selector as written). Prefixes should end with `.` to match whole path
    /// segments. The first matching alias wins.
    ///
    /// ```
    /// use rsql::Policy;
    /// let p = Policy::new().with_alias("metadata.", "conversation.metadata.");
    /// assert_eq!(p.canonical_selector("metadata.region"), "conversation.metadata.region");
    /// assert_eq!(p.canonical_selector("conversation.type"), "conversation.type");
    /// ```
    pub fn with_alias(mut self, from: impl Into<String>, to: impl Into<String>) -> Policy {
        self.aliases.push((from.into(), to.into()));
        self
    }

    /// Restricts selectors to an allow-list of exact names or `prefix.*`
    /// patterns (matching any selector that continues after `prefix.`).
    /// Selectors are matched after aliases. An unknown selector is an error
    /// that suggests the nearest allowed name, or lists the allowed ones.
    ///
    /// ```
    /// use rsql::{Parser, Policy};
    /// let p = Parser::new().with_policy(Policy::new().with_allowed_selectors(["name", "meta.*"]));
    /// assert!(p.parse("name==x;meta.k==y").is_ok());
    /// let err = p.parse("nam==x").unwrap_err();
    /// assert_eq!(err.help().as_deref(), Some("did you mean `name`?"));
    /// ```
    pub fn with_allowed_selectors<I, S>(mut self, selectors: I) -> Policy
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = selectors.into_iter().map(Into::into).collect();
        let patterns = names
            .iter()
            .map(|name| match name.strip_suffix('*') {
                Some(prefix) if prefix.ends_with('.') => Pattern::Prefix(prefix.to_owned()),
                _ => Pattern::Exact(name.clone()),
            })
            .collect();
        self.allowed = Some(patterns);
        self.allowed_names = names;
        self
    }

    /// Sets the operator vocabulary used while parsing.
    ///
    /// ```
    /// use rsql::{Operators, Parser, Policy};
    /// let p = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    /// assert!(p.parse("name=like=*sync*").is_ok());
    /// ```
    pub fn with_operators(mut self, operators: Operators) -> Policy {
        self.operators = operators;
        self
    }

    /// The operator vocabulary.
    ///
    /// ```
    /// assert!(rsql::Policy::symbl().operators().contains("=like="));
    /// ```
    pub fn operators(&self) -> &Operators {
        &self.operators
    }

    /// Whether OR is forbidden.
    ///
    /// ```
    /// assert!(rsql::Policy::symbl().forbids_or());
    /// ```
    pub fn forbids_or(&self) -> bool {
        self.forbid_or
    }

    /// The distinct-field limit, if any.
    ///
    /// ```
    /// assert_eq!(rsql::Policy::symbl().max_fields(), Some(2));
    /// ```
    pub fn max_fields(&self) -> Option<usize> {
        self.max_fields
    }

    /// The selector with the first matching alias applied.
    ///
    /// ```
    /// let p = rsql::Policy::symbl();
    /// assert_eq!(p.canonical_selector("conversation.members.email"), "members.email");
    /// ```
    pub fn canonical_selector<'s>(&self, selector: &'s str) -> Cow<'s, str> {
        for (from, to) in &self.aliases {
            if let Some(rest) = selector.strip_prefix(from.as_str()) {
                return Cow::Owned(format!("{to}{rest}"));
            }
        }
        Cow::Borrowed(selector)
    }

    /// Whether `selector` passes the allow-list (always true without one).
    ///
    /// ```
    /// let p = rsql::Policy::symbl();
    /// assert!(p.allows_selector("metadata.anything"));
    /// assert!(!p.allows_selector("conversation.owner"));
    /// ```
    pub fn allows_selector(&self, selector: &str) -> bool {
        match &self.allowed {
            None => true,
            Some(patterns) => {
                let canonical = self.canonical_selector(selector);
                patterns.iter().any(|p| p.matches(&canonical))
            }
        }
    }

    /// Checks the rules on a parsed tree. `input` is the text the tree was
    /// parsed from: error spans index into it. [`Parser::parse`](crate::Parser::parse)
    /// calls this; call it yourself only for trees built or changed by hand.
    ///
    /// Order: OR first, then the allow-list, then the field count.
    ///
    /// ```
    /// use rsql::Policy;
    /// let input = "a==1;b==2";
    /// let ast = rsql::parse(input)?;
    /// assert!(Policy::new().check(&ast, input).is_ok());
    /// assert!(Policy::new().with_max_fields(1).check(&ast, input).is_err());
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn check(&self, ast: &Ast<'_>, input: &str) -> Result<(), ParseError> {
        if self.forbid_or
            && let Some(span) = first_or(ast, input)
        {
            return Err(ParseError::new(ParseErrorKind::OrForbidden, span, input));
        }
        if self.allowed.is_none() && self.max_fields.is_none() {
            return Ok(());
        }
        // `fields` keeps source order for the message, `seen` makes the
        // distinct count linear in the number of comparisons
        let mut fields: Vec<Cow<'_, str>> = Vec::new();
        let mut seen: HashSet<Cow<'_, str>> = HashSet::new();
        let mut blame: Option<Span> = None;
        for cmp in ast.comparisons() {
            let canonical = self.canonical_selector(cmp.selector.as_str());
            if let Some(patterns) = &self.allowed
                && !patterns.iter().any(|p| p.matches(&canonical))
            {
                return Err(self.not_allowed(
                    cmp.selector.as_str(),
                    &canonical,
                    cmp.selector.span,
                    input,
                ));
            }
            if let Some(max) = self.max_fields
                && seen.insert(canonical.clone())
            {
                fields.push(canonical);
                if fields.len() == max + 1 {
                    blame = Some(cmp.span);
                }
            }
        }
        match (self.max_fields, blame) {
            (Some(limit), Some(span)) => Err(ParseError::new(
                ParseErrorKind::TooManyFields {
                    limit,
                    fields: fields.into_iter().map(Cow::into_owned).collect(),
                },
                span,
                input,
            )),
            _ => Ok(()),
        }
    }

    fn not_allowed(&self, selector: &str, canonical: &str, span: Span, input: &str) -> ParseError {
        let exact = self.allowed.iter().flatten().filter_map(|p| match p {
            Pattern::Exact(name) => Some(name.as_str()),
            Pattern::Prefix(_) => None,
        });
        let suggestion = nearest(canonical, exact).map(str::to_owned);
        ParseError::new(
            ParseErrorKind::SelectorNotAllowed {
                selector: selector.to_owned(),
                suggestion,
                allowed: self.allowed_names.clone(),
            },
            span,
            input,
        )
    }
}

/// The span of the first OR separator in source order, if the tree has an OR.
///
/// An OR node's separators sit in the gaps between its children's spans,
/// among parentheses and whitespace; for a tree built by hand (no real spans)
/// the OR node's own span is returned.
fn first_or(ast: &Ast<'_>, input: &str) -> Option<Span> {
    let mut best: Option<Span> = None;
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Cmp(_) => {}
            Ast::And(children) => stack.extend(children.iter()),
            Ast::Or(children) => {
                let found = match children.as_slice() {
                    [a, b, ..] => separator_between(input, a.span().end, b.span().start),
                    _ => None,
                }
                .unwrap_or_else(|| node.span());
                if best.is_none_or(|b| found.start < b.start) {
                    best = Some(found);
                }
                stack.extend(children.iter());
            }
        }
    }
    best
}

fn separator_between(input: &str, from: usize, to: usize) -> Option<Span> {
    let gap = input.get(from..to)?;
    let comma = gap.find(',');
    let word = gap.find("or");
    match (comma, word) {
        (Some(c), Some(w)) if w < c => Some(Span::new(from + w, from + w + 2)),
        (Some(c), _) => Some(Span::new(from + c, from + c + 1)),
        (None, Some(w)) => Some(Span::new(from + w, from + w + 2)),
        (None, None) => None,
    }
}
