//! The syntax tree: [`Ast`], [`Comparison`], [`Selector`], [`Operator`], [`Args`], [`Value`], [`Span`].
//!
//! The tree is **n-ary and normalised**: an `And` never sits directly inside an
//! `And` (nor `Or` in `Or`), and a logical node always has at least two
//! children. The constructors [`Ast::and`] and [`Ast::or`] enforce this, so
//! printing a tree and parsing it back gives the same tree.
//!
//! Strings borrow from the parsed input where no escape had to be resolved
//! (`Cow::Borrowed`), which keeps parsing allocation-light; call
//! [`Ast::into_owned`] to detach a tree from its input.
//!
//! Equality (`==`) ignores spans: two trees are equal when they mean the same
//! filter, wherever their tokens sat in the source (sqlparser's `Ident` idea).

use std::borrow::Cow;
use std::sync::Arc;

/// A byte range `start..end` in the parsed input.
///
/// Offsets are bytes, not characters: columns depend on the output medium, so
/// only [`ParseError::column`](crate::ParseError::column) converts for display.
///
/// ```
/// let ast = rsql::parse("a==1")?;
/// assert_eq!(ast.span(), rsql::Span::new(0, 4));
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    ///
    /// ```
    /// let s = rsql::Span::new(2, 5);
    /// assert_eq!(s.len(), 3);
    /// ```
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Number of bytes covered.
    ///
    /// ```
    /// assert_eq!(rsql::Span::new(4, 4).len(), 0);
    /// ```
    pub const fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no byte (e.g. "end of input").
    ///
    /// ```
    /// assert!(rsql::Span::new(4, 4).is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both `self` and `other`.
    ///
    /// ```
    /// use rsql::Span;
    /// assert_eq!(Span::new(1, 3).to(Span::new(5, 8)), Span::new(1, 8));
    /// ```
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A filter: a comparison, or an n-ary AND / OR of filters.
///
/// ```
/// use rsql::Ast;
/// let ast = rsql::parse("a==1;b==2,c==3")?;
/// // AND binds tighter than OR: or(and(a, b), c)
/// match &ast {
///     Ast::Or(children) => assert!(matches!(children[0], Ast::And(_))),
///     _ => unreachable!(),
/// }
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum Ast<'a> {
    /// `a==1;b==2` or `a==1 and b==2`: every child holds. At least two children, none an `And`.
    And(Vec<Ast<'a>>),
    /// `a==1,b==2` or `a==1 or b==2`: some child holds. At least two children, none an `Or`.
    Or(Vec<Ast<'a>>),
    /// `selector operator arguments`, e.g. `conversation.type==meeting`.
    Cmp(Comparison<'a>),
}

impl<'a> Ast<'a> {
    /// Builds a normalised AND: nested ANDs are flattened into this one, and a
    /// single child is returned as itself.
    ///
    /// Pass at least one child: an empty `children` gives an empty `And`,
    /// which the parser never produces and which prints as nothing (so it
    /// does not survive a round trip through text).
    ///
    /// ```
    /// let a = rsql::parse("a==1")?;
    /// let bc = rsql::parse("b==2;c==3")?;
    /// let all = rsql::Ast::and(vec![a, bc]);
    /// assert_eq!(all.to_string(), "a==1;b==2;c==3");
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn and(children: Vec<Ast<'a>>) -> Ast<'a> {
        Self::logical(children, true)
    }

    /// Builds a normalised OR (see [`Ast::and`]).
    ///
    /// ```
    /// let ab = rsql::parse("a==1,b==2")?;
    /// let c = rsql::parse("c==3")?;
    /// assert_eq!(rsql::Ast::or(vec![ab, c]).to_string(), "a==1,b==2,c==3");
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn or(children: Vec<Ast<'a>>) -> Ast<'a> {
        Self::logical(children, false)
    }

    fn logical(children: Vec<Ast<'a>>, is_and: bool) -> Ast<'a> {
        let mut flat = Vec::with_capacity(children.len());
        for child in children {
            match child {
                Ast::And(inner) if is_and => flat.extend(inner),
                Ast::Or(inner) if !is_and => flat.extend(inner),
                other => flat.push(other),
            }
        }
        if flat.len() == 1
            && let Some(only) = flat.pop()
        {
            return only;
        }
        if is_and {
            Ast::And(flat)
        } else {
            Ast::Or(flat)
        }
    }

    /// The span from the first to the last token of this node.
    ///
    /// ```
    /// let ast = rsql::parse("  a==1;b==2  ")?;
    /// assert_eq!(ast.span(), rsql::Span::new(2, 11));
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn span(&self) -> Span {
        match self {
            Ast::Cmp(c) => c.span,
            Ast::And(children) | Ast::Or(children) => match (children.first(), children.last()) {
                (Some(first), Some(last)) => first.span().to(last.span()),
                _ => Span::default(),
            },
        }
    }

    /// Every comparison in the tree, in source order.
    ///
    /// ```
    /// let ast = rsql::parse("a==1;(b==2,c==3)")?;
    /// let sels: Vec<&str> = ast.comparisons().map(|c| c.selector.as_str()).collect();
    /// assert_eq!(sels, ["a", "b", "c"]);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn comparisons(&self) -> impl Iterator<Item = &Comparison<'a>> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            while let Some(node) = stack.pop() {
                match node {
                    Ast::Cmp(c) => return Some(c),
                    Ast::And(ch) | Ast::Or(ch) => stack.extend(ch.iter().rev()),
                }
            }
            None
        })
    }

    /// Detaches the tree from the input it was parsed from.
    ///
    /// ```
    /// fn parse_owned(s: &str) -> Result<rsql::Ast<'static>, rsql::ParseError> {
    ///     Ok(rsql::parse(s)?.into_owned())
    /// }
    /// assert_eq!(parse_owned("a==1")?.to_string(), "a==1");
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn into_owned(self) -> Ast<'static> {
        match self {
            Ast::And(ch) => Ast::And(ch.into_iter().map(Ast::into_owned).collect()),
            Ast::Or(ch) => Ast::Or(ch.into_iter().map(Ast::into_owned).collect()),
            Ast::Cmp(c) => Ast::Cmp(c.into_owned()),
        }
    }
}

impl PartialEq for Ast<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Ast::And(a), Ast::And(b)) | (Ast::Or(a), Ast::Or(b)) => a == b,
            (Ast::Cmp(a), Ast::Cmp(b)) => a == b,
            _ => false,
        }
    }
}
impl Eq for Ast<'_> {}

/// One comparison: `selector operator arguments`.
///
/// ```
/// let ast = rsql::parse("members.email=in=(a@x.io,'b c')")?;
/// let cmp = ast.comparisons().next().unwrap();
/// assert_eq!(cmp.selector.as_str(), "members.email");
/// assert_eq!(cmp.op, rsql::Operator::In);
/// let args: Vec<&str> = cmp.args.iter().map(|v| v.as_str()).collect();
/// assert_eq!(args, ["a@x.io", "b c"]);
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Comparison<'a> {
    /// The field name, e.g. `conversation.startTime`.
    pub selector: Selector<'a>,
    /// The operator, in canonical form (`<` is stored as [`Operator::Lt`]).
    pub op: Operator,
    /// One value or a parenthesised list.
    pub args: Args<'a>,
    /// From the first byte of the selector to the last byte of the arguments.
    pub span: Span,
    /// The span of the operator token as written.
    pub op_span: Span,
}

impl Comparison<'_> {
    /// Detaches the comparison from its input.
    ///
    /// ```
    /// let ast = rsql::parse("a==1")?;
    /// let cmp = ast.comparisons().next().unwrap().clone().into_owned();
    /// assert_eq!(cmp.selector.as_str(), "a");
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn into_owned(self) -> Comparison<'static> {
        Comparison {
            selector: self.selector.into_owned(),
            op: self.op,
            args: self.args.into_owned(),
            span: self.span,
            op_span: self.op_span,
        }
    }
}

impl PartialEq for Comparison<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.selector == other.selector
            && self.op == other.op
            && self.args.as_slice() == other.args.as_slice()
    }
}
impl Eq for Comparison<'_> {}

/// The left-hand side of a comparison: a bare word such as `conversation.name`.
///
/// Dots are not interpreted by the parser; [`Selector::segments`] splits them
/// for callers that want a path.
///
/// ```
/// let ast = rsql::parse("conversation.metadata.agentId==a1")?;
/// let sel = &ast.comparisons().next().unwrap().selector;
/// assert_eq!(sel.segments().collect::<Vec<_>>(), ["conversation", "metadata", "agentId"]);
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Selector<'a> {
    /// The selector text as written.
    pub path: Cow<'a, str>,
    /// Where it was written.
    pub span: Span,
}

impl<'a> Selector<'a> {
    /// A selector with an empty span, for building trees by hand.
    ///
    /// ```
    /// assert_eq!(rsql::Selector::new("a.b").as_str(), "a.b");
    /// ```
    pub fn new(path: impl Into<Cow<'a, str>>) -> Selector<'a> {
        Selector {
            path: path.into(),
            span: Span::default(),
        }
    }

    /// The selector text.
    ///
    /// ```
    /// assert_eq!(rsql::Selector::new("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// The dot-separated parts of the selector.
    ///
    /// ```
    /// assert_eq!(rsql::Selector::new("a.b").segments().count(), 2);
    /// ```
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.path.split('.')
    }

    /// Detaches the selector from its input.
    ///
    /// ```
    /// let s: rsql::Selector<'static> = rsql::Selector::new("a").into_owned();
    /// assert_eq!(s.as_str(), "a");
    /// ```
    pub fn into_owned(self) -> Selector<'static> {
        Selector {
            path: Cow::Owned(self.path.into_owned()),
            span: self.span,
        }
    }
}

impl PartialEq for Selector<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}
impl Eq for Selector<'_> {}

/// A comparison operator, stored in canonical form.
///
/// The short spellings map to the FIQL ones (`<` → [`Operator::Lt`]); a
/// registered custom operator is stored under its primary symbol (an alias
/// `=ke=` registered for `=like=` is stored as `=like=`).
///
/// Why not [`Op`](crate::Op): the parser's vocabulary is open. A syntax tree
/// holds whatever operators the [`Operators`](crate::Operators) in use
/// accept, registered ones and (with `Operators::any`) every `=letters=`
/// symbol, which no schema has to know: a gateway parses and re-prints them.
/// `Custom` keeps such a symbol as text (an `Arc` shared with the registry).
/// `Op` is the closed set of sixteen that a [`Schema`](crate::Schema) gives a
/// meaning to; [`Op::from_operator`](crate::Op::from_operator) maps one to the other.
///
/// ```
/// let ast = rsql::parse("a<=5")?;
/// assert_eq!(ast.comparisons().next().unwrap().op.as_str(), "=le=");
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `=lt=` or `<`
    Lt,
    /// `=le=` or `<=`
    Le,
    /// `=gt=` or `>`
    Gt,
    /// `=ge=` or `>=`
    Ge,
    /// `=in=`, multi-valued
    In,
    /// `=out=`, multi-valued
    Out,
    /// A registered operator by its primary symbol, e.g. `=like=`, `=between=`.
    Custom(Arc<str>),
}

impl Operator {
    /// The canonical FIQL symbol, e.g. `=lt=` for `<`.
    ///
    /// ```
    /// assert_eq!(rsql::Operator::Ge.as_str(), "=ge=");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Operator::Eq => "==",
            Operator::Ne => "!=",
            Operator::Lt => "=lt=",
            Operator::Le => "=le=",
            Operator::Gt => "=gt=",
            Operator::Ge => "=ge=",
            Operator::In => "=in=",
            Operator::Out => "=out=",
            Operator::Custom(s) => s,
        }
    }

    /// The standard operator spelled `symbol` (either spelling), if any.
    ///
    /// ```
    /// use rsql::Operator;
    /// assert_eq!(Operator::standard("<"), Some(Operator::Lt));
    /// assert_eq!(Operator::standard("=like="), None);
    /// ```
    pub fn standard(symbol: &str) -> Option<Operator> {
        Some(match symbol {
            "==" => Operator::Eq,
            "!=" => Operator::Ne,
            "=lt=" | "<" => Operator::Lt,
            "=le=" | "<=" => Operator::Le,
            "=gt=" | ">" => Operator::Gt,
            "=ge=" | ">=" => Operator::Ge,
            "=in=" => Operator::In,
            "=out=" => Operator::Out,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The right-hand side of a comparison.
///
/// Equality compares the values only: `a==x` and `a==(x)` are the same
/// comparison, and so are `a=in=x` and `a=in=(x)`.
///
/// ```
/// assert_eq!(rsql::parse("a==(x)")?, rsql::parse("a==x")?);
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum Args<'a> {
    /// A single value without parentheses: `a==x`.
    One(Value<'a>),
    /// A parenthesised list of one or more values: `a=in=(x,y)`.
    List(Vec<Value<'a>>),
}

impl<'a> Args<'a> {
    /// The values as a slice (one element for [`Args::One`]).
    ///
    /// ```
    /// let ast = rsql::parse("a=in=(1,2)")?;
    /// assert_eq!(ast.comparisons().next().unwrap().args.as_slice().len(), 2);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn as_slice(&self) -> &[Value<'a>] {
        match self {
            Args::One(v) => std::slice::from_ref(v),
            Args::List(vs) => vs,
        }
    }

    /// Iterates over the values.
    ///
    /// ```
    /// let ast = rsql::parse("a=in=(1,2)")?;
    /// assert_eq!(ast.comparisons().next().unwrap().args.iter().count(), 2);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Value<'a>> {
        self.as_slice().iter()
    }

    /// Number of values.
    ///
    /// ```
    /// let ast = rsql::parse("a=out=x")?;
    /// assert_eq!(ast.comparisons().next().unwrap().args.len(), 1);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Always false for parsed input (an empty list is a syntax error).
    ///
    /// ```
    /// let ast = rsql::parse("a==''")?;
    /// assert!(!ast.comparisons().next().unwrap().args.is_empty());
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Detaches the arguments from their input.
    ///
    /// ```
    /// let ast = rsql::parse("a==1")?;
    /// let args = ast.comparisons().next().unwrap().args.clone().into_owned();
    /// assert_eq!(args.len(), 1);
    /// # Ok::<(), rsql::Error>(())
    /// ```
    pub fn into_owned(self) -> Args<'static> {
        match self {
            Args::One(v) => Args::One(v.into_owned()),
            Args::List(vs) => Args::List(vs.into_iter().map(Value::into_owned).collect()),
        }
    }
}

/// How a value was quoted in the source.
///
/// ```
/// let ast = rsql::parse("a=='x y'")?;
/// assert_eq!(ast.comparisons().next().unwrap().args.as_slice()[0].quote, Some(rsql::Quote::Single));
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quote {
    /// `'…'`
    Single,
    /// `"…"`
    Double,
}

/// One argument value, with quotes removed and backslash escapes resolved.
///
/// Because `\*` inside quotes is a literal star while a bare `*` is a
/// wildcard, the value remembers which stars were escaped
/// ([`Value::literal_stars`]); everything else about escapes is resolved.
///
/// ```
/// let ast = rsql::parse(r#"a=="say \"hi\"";b==*x*;c=="2\*3""#)?;
/// let vals: Vec<&rsql::Value<'_>> = ast.comparisons().map(|c| &c.args.as_slice()[0]).collect();
/// assert_eq!(vals[0].as_str(), r#"say "hi""#);
/// assert!(vals[1].is_wildcard());
/// assert_eq!(vals[2].as_str(), "2*3");
/// assert!(!vals[2].is_wildcard());
/// # Ok::<(), rsql::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Value<'a> {
    /// The unescaped text.
    pub text: Cow<'a, str>,
    /// The quote kind used in the source, if any.
    pub quote: Option<Quote>,
    /// Byte offsets into `text` of `*` characters that were written `\*`
    /// (literal, not wildcards), in ascending order (lookups binary-search
    /// it). Empty (and not allocated) in the common case.
    pub literal_stars: Vec<usize>,
    /// Where the value (including its quotes) was written.
    pub span: Span,
}

impl<'a> Value<'a> {
    /// A bare value with an empty span, for building trees by hand. Every `*`
    /// in `text` counts as a wildcard.
    ///
    /// ```
    /// assert!(rsql::Value::new("ab*").is_wildcard());
    /// ```
    pub fn new(text: impl Into<Cow<'a, str>>) -> Value<'a> {
        Value {
            text: text.into(),
            quote: None,
            literal_stars: Vec::new(),
            span: Span::default(),
        }
    }

    /// A value in which every `*` is literal (not a wildcard).
    ///
    /// ```
    /// let v = rsql::Value::literal("2*3");
    /// assert!(!v.is_wildcard());
    /// assert_eq!(v.to_string(), r#""2\*3""#);
    /// ```
    pub fn literal(text: impl Into<Cow<'a, str>>) -> Value<'a> {
        let text = text.into();
        let literal_stars = text.match_indices('*').map(|(i, _)| i).collect();
        Value {
            text,
            quote: None,
            literal_stars,
            span: Span::default(),
        }
    }

    /// The unescaped text.
    ///
    /// ```
    /// assert_eq!(rsql::Value::new("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the text has a `*` that is a wildcard (not written `\*`).
    ///
    /// ```
    /// assert!(rsql::Value::new("*Brainstorm*").is_wildcard());
    /// assert!(!rsql::Value::new("Brainstorm").is_wildcard());
    /// ```
    pub fn is_wildcard(&self) -> bool {
        self.text
            .match_indices('*')
            .any(|(i, _)| !self.is_literal_star(i))
    }

    /// Whether the `*` at byte `index` of the text is a wildcard.
    ///
    /// ```
    /// let v = rsql::Value::new("a*");
    /// assert!(v.is_wildcard_at(1));
    /// assert!(!v.is_wildcard_at(0));
    /// ```
    pub fn is_wildcard_at(&self, index: usize) -> bool {
        self.text.as_bytes().get(index) == Some(&b'*') && !self.is_literal_star(index)
    }

    /// Whether byte `index` is listed in `literal_stars` (a binary search, so
    /// scanning a value with thousands of `\*` stays O(n log n)).
    pub(crate) fn is_literal_star(&self, index: usize) -> bool {
        !self.literal_stars.is_empty() && self.literal_stars.binary_search(&index).is_ok()
    }

    /// Detaches the value from its input.
    ///
    /// ```
    /// let v: rsql::Value<'static> = rsql::Value::new("x").into_owned();
    /// assert_eq!(v.as_str(), "x");
    /// ```
    pub fn into_owned(self) -> Value<'static> {
        Value {
            text: Cow::Owned(self.text.into_owned()),
            quote: self.quote,
            literal_stars: self.literal_stars,
            span: self.span,
        }
    }
}

/// Values are equal when their text and wildcard stars agree; the quote kind
/// and span do not matter (`'x'` equals `x`).
impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.literal_stars == other.literal_stars
    }
}
impl Eq for Value<'_> {}
