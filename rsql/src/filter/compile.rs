//! `Schema::compile`: AST → typed [`Filter`].
//!
//! The method belongs to [`Schema`] but is written here, on the filter's
//! side: the filter layer reads the schema, the schema knows nothing of
//! filters.
//!
//! Recursion follows the AST, whose depth the parser bounds (`max_depth`), so
//! compiling a parsed filter cannot overflow the stack.

use crate::ast::{Ast, Comparison, Span, Value};
use crate::error::{CompileError, CompileErrorKind, Error, Expected};
use crate::filter::{
    CmpOp, F64Range, Filter, Lit, Needle, Node, Pred, StrSet, Test, normalise_and, normalise_or,
};
use crate::parser::Parser;
use crate::pattern::{Pattern, split_wildcards};
use crate::schema::decimal::Decimal;
use crate::schema::literal::{Millis, is_valid_key, parse_timestamp};
use crate::schema::{Field, FieldRef, FieldType, Missing, Op, Resolved, Schema};
use crate::suggest::nearest;

impl Schema {
    /// Compiles a parsed filter against this schema.
    ///
    /// The error keeps the span of the token it blames but not the input
    /// text (an [`Ast`] does not hold it): call
    /// [`CompileError::with_input`] to get columns and the caret snippet.
    ///
    /// # Errors
    ///
    /// A [`CompileError`] for unknown fields, operators the field does not
    /// allow, a wrong number of values, literals of the wrong type, bad
    /// timestamps, enum values not in the list, misplaced wildcards, and a
    /// value holding U+0000 (NUL), which no SQL database compares as text.
    ///
    /// ```
    /// use rsql::{CompileErrorKind, Field, FieldType, Schema};
    /// let schema = Schema::builder()
    ///     .field(Field::new("conversation.startTime", FieldType::Timestamp))
    ///     .build()?;
    /// let input = "conversation.startTme=ge=2021-03-01";
    /// let err = schema.compile(&rsql::parse(input)?).unwrap_err().with_input(input);
    /// assert!(matches!(err.kind(), CompileErrorKind::UnknownField { .. }));
    /// assert_eq!(
    ///     format!("{err:#}"),
    ///     "invalid filter at column 1: unknown field `conversation.startTme`\n    \
    ///      conversation.startTme=ge=2021-03-01\n    \
    ///      ^^^^^^^^^^^^^^^^^^^^^\n\
    ///      help: did you mean `conversation.startTime`?"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile(&self, ast: &Ast<'_>) -> Result<Filter, CompileError> {
        Ok(Filter::new(self.clone(), node(self, ast)?))
    }

    /// Parses `input` with `parser` and compiles it: the one-call form of
    /// [`Schema::compile`], with the input already attached to a compile
    /// error (columns and the caret snippet work).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] or [`Error::Compile`].
    ///
    /// ```
    /// use rsql::{Field, FieldType, Operators, Parser, Policy, Schema};
    /// let schema = Schema::builder().field(Field::new("name", FieldType::String)).build()?;
    /// let parser = Parser::new().with_policy(Policy::new().with_operators(Operators::extended()));
    /// let filter = schema.compile_str(&parser, "name=ilike=brain")?;
    /// assert_eq!(filter.to_string(), "name=ic=*brain*");
    /// let err = schema.compile_str(&parser, "nme==x").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid filter at column 1: unknown field `nme`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile_str(&self, parser: &Parser, input: &str) -> Result<Filter, Error> {
        let ast = parser.parse(input)?;
        Ok(self.compile(&ast).map_err(|e| e.with_input(input))?)
    }
}

fn node(schema: &Schema, ast: &Ast<'_>) -> Result<Node, CompileError> {
    match ast {
        Ast::And(children) => {
            let nodes = children
                .iter()
                .map(|c| node(schema, c))
                .collect::<Result<_, _>>()?;
            Ok(normalise_and(nodes))
        }
        Ast::Or(children) if children.is_empty() => Err(CompileError::new(
            CompileErrorKind::EmptyGroup,
            Span::default(),
        )),
        Ast::Or(children) => {
            let nodes = children
                .iter()
                .map(|c| node(schema, c))
                .collect::<Result<_, _>>()?;
            Ok(normalise_or(nodes))
        }
        Ast::Cmp(cmp) => comparison(schema, cmp),
    }
}

/// Everything a literal parser needs to build an error that blames the right token.
struct Ctx<'c, 'a> {
    cmp: &'c Comparison<'a>,
    field: &'c Field,
    op: Op,
}

impl Ctx<'_, '_> {
    fn err(&self, kind: CompileErrorKind, span: Span) -> CompileError {
        CompileError::new(kind, span)
    }

    fn selector(&self) -> String {
        self.cmp.selector.as_str().to_owned()
    }

    fn no_wildcard(&self, v: &Value<'_>) -> Result<(), CompileError> {
        if v.is_wildcard() {
            return Err(self.err(
                CompileErrorKind::WildcardNotAllowed {
                    field: self.selector(),
                    op: self.cmp.op.as_str().to_owned(),
                },
                v.span,
            ));
        }
        Ok(())
    }

    fn mismatch(&self, v: &Value<'_>, expected: Expected) -> CompileError {
        self.err(
            CompileErrorKind::TypeMismatch {
                field: self.selector(),
                expected,
                found: v.as_str().to_owned(),
            },
            v.span,
        )
    }

    fn timestamp(&self, v: &Value<'_>) -> Result<Millis, CompileError> {
        self.no_wildcard(v)?;
        parse_timestamp(v.as_str()).map_err(|reason| {
            self.err(
                CompileErrorKind::BadTimestamp {
                    field: self.selector(),
                    found: v.as_str().to_owned(),
                    reason,
                },
                v.span,
            )
        })
    }

    fn integer(&self, v: &Value<'_>) -> Result<i64, CompileError> {
        self.no_wildcard(v)?;
        v.as_str()
            .parse::<i64>()
            .map_err(|_| self.mismatch(v, Expected::Integer))
    }

    fn float(&self, v: &Value<'_>) -> Result<f64, CompileError> {
        self.no_wildcard(v)?;
        match v.as_str().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(self.mismatch(v, Expected::Number)),
        }
    }

    fn boolean(&self, v: &Value<'_>, expected: Expected) -> Result<bool, CompileError> {
        match v.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.mismatch(v, expected)),
        }
    }

    fn enum_value(&self, v: &Value<'_>, allowed: &[String]) -> Result<Box<str>, CompileError> {
        self.no_wildcard(v)?;
        if allowed.iter().any(|a| a == v.as_str()) {
            return Ok(Box::from(v.as_str()));
        }
        Err(self.err(
            CompileErrorKind::BadEnumValue {
                field: self.selector(),
                found: v.as_str().to_owned(),
                allowed: allowed.to_vec(),
                suggestion: nearest(v.as_str(), allowed.iter().map(String::as_str))
                    .map(str::to_owned),
            },
            v.span,
        ))
    }

    fn lit(&self, v: &Value<'_>) -> Result<Lit, CompileError> {
        self.no_wildcard(v)?;
        Ok(Lit {
            text: Box::from(v.as_str()),
            num: if self.field.has_numeric_strings() {
                Decimal::parse(v.as_str())
            } else {
                None
            },
        })
    }

    /// A wildcard pattern from `v`, or `None` when `v` has no wildcard star.
    fn pattern(&self, v: &Value<'_>, fold: bool) -> Result<Option<Pattern>, CompileError> {
        if !v.is_wildcard() {
            return Ok(None);
        }
        if !self.field.has_wildcards() {
            self.no_wildcard(v)?;
        }
        Ok(Some(Pattern::new(
            split_wildcards(v.as_str(), |i| v.is_wildcard_at(i)),
            fold,
        )))
    }

    /// `=like=` / `=ilike=`: contains `v`, whose own stars are wildcards.
    fn contains(&self, v: &Value<'_>, fold: bool) -> Result<Pattern, CompileError> {
        if v.is_wildcard() && !self.field.has_wildcards() {
            self.no_wildcard(v)?;
        }
        let mut segments = vec![String::new()];
        segments.extend(split_wildcards(v.as_str(), |i| v.is_wildcard_at(i)));
        segments.push(String::new());
        Ok(Pattern::new(segments, fold))
    }
}

fn comparison(schema: &Schema, cmp: &Comparison<'_>) -> Result<Node, CompileError> {
    let sel = cmp.selector.as_str();
    let fref: FieldRef<'_> = match schema.resolve_full(sel) {
        Resolved::Field(r) => r,
        Resolved::PrefixOnly => {
            return Err(CompileError::new(
                CompileErrorKind::MissingKey {
                    field: sel.to_owned(),
                },
                cmp.selector.span,
            ));
        }
        Resolved::None => {
            return Err(CompileError::new(
                CompileErrorKind::UnknownField {
                    name: sel.to_owned(),
                    suggestion: schema.suggest(sel),
                    known: schema.known_selectors(),
                },
                cmp.selector.span,
            ));
        }
    };
    let Some(field) = schema.field(fref.id) else {
        return Err(CompileError::new(
            CompileErrorKind::UnknownField {
                name: sel.to_owned(),
                suggestion: None,
                known: schema.known_selectors(),
            },
            cmp.selector.span,
        ));
    };
    if let Some(key) = fref.key
        && !is_valid_key(key)
    {
        {
            let field_text = &sel[..sel.len() - key.len() - 1];
            return Err(CompileError::new(
                CompileErrorKind::InvalidKey {
                    field: field_text.to_owned(),
                    key: key.to_owned(),
                },
                cmp.selector.span,
            ));
        }
    }
    let Some(op) = Op::from_operator(&cmp.op) else {
        let symbol = cmp.op.as_str();
        return Err(CompileError::new(
            CompileErrorKind::UnknownOperator {
                op: symbol.to_owned(),
                suggestion: nearest(symbol, Op::ALL.iter().map(|o| o.symbol())).map(str::to_owned),
            },
            cmp.op_span,
        ));
    };
    if !field.allows(op) {
        return Err(CompileError::new(
            CompileErrorKind::OperatorNotAllowed {
                field: sel.to_owned(),
                op: cmp.op.as_str().to_owned(),
                allowed: field
                    .allowed_operators()
                    .map(|o| o.symbol().to_owned())
                    .collect(),
            },
            cmp.op_span,
        ));
    }
    let values = cmp.args.as_slice();
    check_arity(cmp, op, values)?;
    if let Some(v) = values.iter().find(|v| v.as_str().contains('\0')) {
        return Err(CompileError::new(
            CompileErrorKind::NulInValue {
                field: sel.to_owned(),
                found: v.as_str().to_owned(),
            },
            v.span,
        ));
    }
    let ctx = Ctx { cmp, field, op };
    let (test, negated) = test(&ctx, values)?;
    let pred = Pred {
        field: fref.id,
        key: fref.key.map(Box::from),
        multi: field.is_multi_valued(),
        negated,
        strict: negated
            && op != Op::IsNull
            && op != Op::NotNull
            && field.missing() == Missing::MatchesNothing,
        test,
    };
    Ok(match op {
        Op::Ne | Op::Out => simplify(pred),
        _ => Node::Pred(pred),
    })
}

/// A `!=` / `=out=` predicate as a node. With only literals finer than a
/// millisecond (`t!=L`, `t=out=(L)`) its range is empty and the negation
/// holds for every value, so it becomes what it means: a match-all, or "has
/// a value" when the field's missing value matches nothing: no emitter or
/// planner sees an always-true negation, and `Display` prints the filter
/// without the `=nb=` of an empty range.
fn simplify(p: Pred) -> Node {
    match p.test {
        Test::I64Range(lo, hi) if p.negated && lo > hi => {
            if p.strict {
                Node::Pred(Pred {
                    negated: false,
                    strict: false,
                    test: Test::Present,
                    ..p
                })
            } else {
                Node::True
            }
        }
        _ => Node::Pred(p),
    }
}

fn check_arity(cmp: &Comparison<'_>, op: Op, values: &[Value<'_>]) -> Result<(), CompileError> {
    let expected = match op {
        // At least one (the parser never makes an empty list; a tree built
        // by hand can).
        Op::In | Op::Out if !values.is_empty() => return Ok(()),
        Op::In | Op::Out => 1,
        Op::Between | Op::NotBetween => 2,
        _ => 1,
    };
    if values.len() == expected {
        return Ok(());
    }
    let span = match (values.get(expected), values.last(), values.first()) {
        (Some(extra), Some(last), _) => extra.span.to(last.span),
        (None, _, Some(first)) => first.span,
        _ => cmp.span,
    };
    Err(CompileError::new(
        CompileErrorKind::WrongArity {
            op: cmp.op.as_str().to_owned(),
            expected,
            found: values.len(),
        },
        span,
    ))
}

/// The positive test and whether the comparison negates it.
fn test(ctx: &Ctx<'_, '_>, values: &[Value<'_>]) -> Result<(Test, bool), CompileError> {
    let op = ctx.op;
    // Arity is checked: `first` exists, and `values[1]` exists for `=bt=`/`=nb=`.
    let first = &values[0];
    match op {
        Op::IsNull | Op::NotNull => {
            let flag = ctx.boolean(first, Expected::NullFlag)?;
            // Present is the positive test: `=isnull=true` is its negation.
            return Ok((Test::Present, (op == Op::IsNull) == flag));
        }
        _ => {}
    }
    let negated = matches!(op, Op::Ne | Op::Out | Op::NotLike | Op::NotBetween);
    let test = match ctx.field.field_type() {
        FieldType::String => string_test(ctx, values)?,
        FieldType::Enum(allowed) => match op {
            Op::Eq | Op::Ne => Test::StrEq(Needle::new(ctx.enum_value(first, allowed)?)),
            _ => str_set(
                values
                    .iter()
                    .map(|v| ctx.enum_value(v, allowed))
                    .collect::<Result<_, _>>()?,
            ),
        },
        FieldType::Timestamp => i64_test(ctx, values, |v| ctx.timestamp(v))?,
        FieldType::Integer => i64_test(ctx, values, |v| ctx.integer(v).map(Millis::whole))?,
        FieldType::Float => float_test(ctx, values)?,
        FieldType::Bool => {
            let (mut t, mut f) = (false, false);
            for v in values {
                ctx.no_wildcard(v)?;
                if ctx.boolean(v, Expected::Boolean)? {
                    t = true;
                } else {
                    f = true;
                }
            }
            Test::Bool { t, f }
        }
    };
    Ok((test, negated))
}

fn string_test(ctx: &Ctx<'_, '_>, values: &[Value<'_>]) -> Result<Test, CompileError> {
    let first = &values[0];
    Ok(match ctx.op {
        Op::Eq | Op::Ne => match ctx.pattern(first, false)? {
            Some(p) => Test::Pattern(p),
            None => Test::StrEq(Needle::new(Box::from(first.as_str()))),
        },
        Op::ICase => match ctx.pattern(first, true)? {
            Some(p) => Test::Pattern(p),
            None => Test::Pattern(Pattern::new(vec![first.as_str().to_owned()], true)),
        },
        Op::Like | Op::NotLike => Test::Pattern(ctx.contains(first, false)?),
        Op::ILike => Test::Pattern(ctx.contains(first, true)?),
        Op::In | Op::Out => {
            let mut items = Vec::with_capacity(values.len());
            for v in values {
                ctx.no_wildcard(v)?;
                items.push(Box::from(v.as_str()));
            }
            str_set(items)
        }
        Op::Between | Op::NotBetween => Test::StrRange(ctx.lit(first)?, ctx.lit(&values[1])?),
        op => match CmpOp::of(op) {
            Some(c) => Test::StrCmp(c, ctx.lit(first)?),
            None => Test::Present,
        },
    })
}

/// The test of an integer or timestamp comparison. Timestamp literals may be
/// finer than the stored milliseconds: each bound is rounded towards the
/// inside of what the literal means, so the test stays in whole
/// milliseconds and is exact. `>= L` is `>= ceil(L)`, `> L` is
/// `>= floor(L) + 1`, `<= L` is `<= floor(L)`, `< L` is `<= ceil(L) - 1`,
/// `== L` is the range `ceil(L)..=floor(L)` (empty unless `L` is a whole
/// millisecond), `=bt=(a,b)` is `ceil(a)..=floor(b)`, and `=in=` keeps the
/// values that are whole milliseconds. Negations negate these.
fn i64_test(
    ctx: &Ctx<'_, '_>,
    values: &[Value<'_>],
    parse: impl Fn(&Value<'_>) -> Result<Millis, CompileError>,
) -> Result<Test, CompileError> {
    let x = parse(&values[0])?;
    Ok(match ctx.op {
        Op::Eq | Op::Ne => Test::I64Range(x.ceil, x.floor),
        Op::Lt => match x.ceil.checked_sub(1) {
            Some(hi) => Test::I64Range(i64::MIN, hi),
            None => Test::I64Range(1, 0),
        },
        Op::Le => Test::I64Range(i64::MIN, x.floor),
        Op::Gt => match x.floor.checked_add(1) {
            Some(lo) => Test::I64Range(lo, i64::MAX),
            None => Test::I64Range(1, 0),
        },
        Op::Ge => Test::I64Range(x.ceil, i64::MAX),
        Op::Between | Op::NotBetween => Test::I64Range(x.ceil, parse(&values[1])?.floor),
        _ => {
            let parsed = values.iter().map(&parse).collect::<Result<Vec<_>, _>>()?;
            // A value finer than a millisecond equals no stored instant.
            let mut set: Vec<i64> = parsed.iter().filter_map(|m| m.exact()).collect();
            set.sort_unstable();
            set.dedup();
            match set[..] {
                // None left: the first value's empty range, as `==` gives it.
                [] => Test::I64Range(x.ceil, x.floor),
                [one] => Test::I64Range(one, one),
                _ => Test::I64In(set.into_boxed_slice()),
            }
        }
    })
}

fn float_test(ctx: &Ctx<'_, '_>, values: &[Value<'_>]) -> Result<Test, CompileError> {
    let x = ctx.float(&values[0])?;
    let range = |lo: f64, lo_incl: bool, hi: f64, hi_incl: bool| {
        Test::F64Range(F64Range {
            lo,
            lo_incl,
            hi,
            hi_incl,
        })
    };
    let all = F64Range::ALL;
    Ok(match ctx.op {
        Op::Eq | Op::Ne => range(x, true, x, true),
        Op::Lt => range(all.lo, true, x, false),
        Op::Le => range(all.lo, true, x, true),
        Op::Gt => range(x, false, all.hi, true),
        Op::Ge => range(x, true, all.hi, true),
        Op::Between | Op::NotBetween => range(x, true, ctx.float(&values[1])?, true),
        _ => {
            let mut set = values
                .iter()
                .map(|v| ctx.float(v))
                .collect::<Result<Vec<f64>, _>>()?;
            set.sort_by(f64::total_cmp);
            set.dedup();
            match set[..] {
                [x] => Test::F64Range(F64Range {
                    lo: x,
                    lo_incl: true,
                    hi: x,
                    hi_incl: true,
                }),
                _ => Test::F64In(set.into_boxed_slice()),
            }
        }
    })
}

/// `=in=` over strings; a one-value set is an equality (one canonical form
/// per meaning, so printing and compiling again gives the same filter).
fn str_set(items: Vec<Box<str>>) -> Test {
    let set = StrSet::new(items);
    match &*set.items {
        [one] => Test::StrEq(one.clone()),
        _ => Test::StrIn(set),
    }
}
