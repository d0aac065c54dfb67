//! The productions of the grammar (crate docs, *Syntax*) as nom parsers,
//! one function each.
//!
//! Every function returns the input *after* trailing whitespace, so the caller
//! can look at the next separator directly. No production is ever tried and
//! abandoned: each one looks at the next byte to decide, then commits (all
//! errors are `nom::Err::Failure`, and sub-parsers after a committing token run
//! under `cut`). Nothing is parsed twice, so the time is linear in the input,
//! whatever its nesting (tantivy's O(2^n) lesson). The precedence levels and
//! groups use an explicit stack (see [`Grammar::query`]), so the parser's own
//! stack use does not grow with the nesting depth.

use std::borrow::Cow;
use std::cell::Cell;

use nom::{IResult, Parser as _, combinator::cut};

use super::Fail;
use super::lexical::{self, OpToken, Sep, is_word_byte, separator, skip_ws, word_len};
use crate::ast::{Args, Ast, Comparison, Operator, Quote, Selector, Span, Value};
use crate::error::ParseErrorKind;
use crate::limits::Limits;
use crate::operators::{Arity, Operators};

pub(super) type PResult<'a, T> = IResult<&'a str, T, Fail<'a>>;

/// One parse: the input, the limits and vocabulary, and the counters the
/// limits are checked against.
pub(super) struct Grammar<'a, 'p> {
    input: &'a str,
    limits: &'p Limits,
    ops: &'p Operators,
    comparisons: Cell<usize>,
}

fn fail<'a, T>(at: &'a str, len: usize, kind: ParseErrorKind) -> PResult<'a, T> {
    Err(nom::Err::Failure(Fail::new(at, len, kind)))
}

/// Fails blaming the token at the start of `at` ("found …").
fn fail_found<'a, T>(at: &'a str, kind: ParseErrorKind) -> PResult<'a, T> {
    let (skip, len) = lexical::token_at(at);
    fail(&at[skip..], len, kind)
}

/// Pushes `child` into an n-ary node of kind `sep`, merging a child of the same kind.
fn push_flat<'a>(children: &mut Vec<Ast<'a>>, child: Ast<'a>, sep: Sep) {
    match (sep, child) {
        (Sep::And, Ast::And(inner)) | (Sep::Or, Ast::Or(inner)) => children.extend(inner),
        (_, child) => children.push(child),
    }
}

/// Builds the node for `children` joined by `sep` (a single child is itself).
fn nary<'a>(mut children: Vec<Ast<'a>>, sep: Sep) -> Ast<'a> {
    if children.len() == 1
        && let Some(only) = children.pop()
    {
        return only;
    }
    match sep {
        Sep::And => Ast::And(children),
        Sep::Or => Ast::Or(children),
    }
}

/// A group being parsed (or the whole query): where it opened, the finished
/// AND-chains (OR operands) and the operands of the current AND-chain.
struct Frame<'a> {
    open: &'a str,
    ors: Vec<Ast<'a>>,
    ands: Vec<Ast<'a>>,
}

impl<'a> Frame<'a> {
    fn new(open: &'a str) -> Frame<'a> {
        Frame {
            open,
            ors: Vec::new(),
            ands: Vec::new(),
        }
    }

    /// Closes the group with its last operand: normalised, flattened.
    fn finish(mut self, last: Ast<'a>) -> Ast<'a> {
        if self.ands.is_empty() && self.ors.is_empty() {
            return last;
        }
        push_flat(&mut self.ands, last, Sep::And);
        if self.ors.is_empty() {
            return nary(self.ands, Sep::And);
        }
        push_flat(&mut self.ors, nary(self.ands, Sep::And), Sep::Or);
        nary(self.ors, Sep::Or)
    }
}

impl<'a, 'p> Grammar<'a, 'p> {
    pub(super) fn new(input: &'a str, limits: &'p Limits, ops: &'p Operators) -> Self {
        Grammar {
            input,
            limits,
            ops,
            comparisons: Cell::new(0),
        }
    }

    /// Byte offset of `rest` in the input.
    fn pos(&self, rest: &str) -> usize {
        self.input.len() - rest.len()
    }

    /// Fails blaming an absolute span.
    fn fail_span<T>(&self, span: Span, kind: ParseErrorKind) -> PResult<'a, T> {
        fail(&self.input[span.start..], span.len(), kind)
    }

    // query       = disjunction END
    // disjunction = conjunction { OR-SEP conjunction }
    // conjunction = term { AND-SEP term }
    // term        = "(" disjunction ")" | comparison
    //
    // The three levels run as one loop over an explicit stack of open groups
    // instead of recursing: the depth guard still stops at `max_depth`, but no
    // input and no configured limit can make the parser itself overflow the
    // stack (a recursive descent costs kilobytes per level in debug builds).
    // Each byte is looked at once; nothing is parsed twice.
    pub(super) fn query(&self, input: &'a str) -> PResult<'a, Ast<'a>> {
        let mut open_groups: Vec<Frame<'a>> = Vec::new();
        let mut frame = Frame::new(input);
        let mut i = input;
        let mut after: Option<&'static str> = None;
        'term: loop {
            i = skip_ws(i);
            if i.starts_with('(') {
                // the depth guard, checked at every `(` before descending
                if open_groups.len() >= self.limits.max_depth() {
                    return fail(
                        i,
                        1,
                        ParseErrorKind::TooDeep {
                            limit: self.limits.max_depth(),
                        },
                    );
                }
                open_groups.push(std::mem::replace(&mut frame, Frame::new(i)));
                i = &i[1..];
                after = Some("(");
                continue 'term;
            }
            // a term commits: a comparison must follow
            let (rest, mut operand) = cut(|x| self.comparison_term(x, after)).parse(i)?;
            i = rest;
            loop {
                match separator(i) {
                    Some((Sep::And, tok, n)) => {
                        push_flat(&mut frame.ands, operand, Sep::And);
                        i = &i[n..];
                        after = Some(tok);
                        continue 'term;
                    }
                    Some((Sep::Or, tok, n)) => {
                        push_flat(&mut frame.ands, operand, Sep::And);
                        let chain = nary(std::mem::take(&mut frame.ands), Sep::And);
                        push_flat(&mut frame.ors, chain, Sep::Or);
                        i = &i[n..];
                        after = Some(tok);
                        continue 'term;
                    }
                    None => {}
                }
                match (i.as_bytes().first(), open_groups.pop()) {
                    // `)` closes the innermost group; its node becomes an operand
                    (Some(b')'), Some(outer)) => {
                        operand = std::mem::replace(&mut frame, outer).finish(operand);
                        i = skip_ws(&i[1..]);
                    }
                    (None, None) => return Ok((i, frame.finish(operand))),
                    (None, Some(_)) => {
                        return Err(nom::Err::Failure(
                            Fail::new(frame.open, 1, ParseErrorKind::UnclosedGroup).with_aux(i, 0),
                        ));
                    }
                    (Some(b')'), None) => return fail(i, 1, ParseErrorKind::UnmatchedParen),
                    (Some(_), outer) => {
                        let in_group = outer.is_some();
                        return fail_found(i, ParseErrorKind::ExpectedSeparator { in_group });
                    }
                }
            }
        }
    }

    /// A term that is not a group: a comparison, or the error that explains
    /// why none starts here.
    fn comparison_term(&self, i: &'a str, after: Option<&'static str>) -> PResult<'a, Ast<'a>> {
        match i.as_bytes().first() {
            Some(&b) if is_word_byte(b) => self.comparison(i),
            Some(b'\'' | b'"') => {
                let len = lexical::quoted(i).map_or(1, |q| q.len);
                fail(i, len, ParseErrorKind::QuotedSelector)
            }
            Some(b'=' | b'!' | b'<' | b'>') => {
                let len = match lexical::operator(i) {
                    OpToken::Symbol(n) | OpToken::Invalid(n) => n.max(1),
                };
                fail(i, len, ParseErrorKind::ExpectedSelector)
            }
            Some(b'~') => fail(i, 1, ParseErrorKind::ReservedChar { ch: '~' }),
            _ => fail_found(i, ParseErrorKind::ExpectedComparison { after }),
        }
    }

    // comparison = selector operator arguments
    fn comparison(&self, i: &'a str) -> PResult<'a, Ast<'a>> {
        // selector = bare-word
        let sel_len = word_len(i);
        let count = self.comparisons.get() + 1;
        if count > self.limits.max_comparisons() {
            return fail(
                i,
                sel_len,
                ParseErrorKind::TooManyComparisons {
                    limit: self.limits.max_comparisons(),
                },
            );
        }
        self.comparisons.set(count);
        let start = self.pos(i);
        let selector = Selector {
            path: Cow::Borrowed(&i[..sel_len]),
            span: Span::new(start, start + sel_len),
        };
        let (rest, (op, arity, op_span, symbol)) = self.operator(skip_ws(&i[sel_len..]))?;
        let (rest, (args, args_span)) = cut(|x| self.arguments(x, symbol)).parse(rest)?;
        if !arity.accepts(args.len()) {
            return self.fail_span(
                args_span,
                ParseErrorKind::Arity {
                    op: op.as_str().to_owned(),
                    expected: arity,
                    found: args.len(),
                },
            );
        }
        // a reserved character glued to a value: `a==b=c`, `a==b'c'`
        if let Some(&b @ (b'=' | b'!' | b'~' | b'<' | b'>' | b'\'' | b'"' | b'(')) =
            rest.as_bytes().first()
        {
            return fail(rest, 1, ParseErrorKind::ReservedChar { ch: char::from(b) });
        }
        let cmp = Comparison {
            selector,
            op,
            args,
            span: Span::new(start, args_span.end),
            op_span,
        };
        Ok((skip_ws(rest), Ast::Cmp(cmp)))
    }

    // operator = fiql-op | short-op, looked up in the vocabulary
    #[allow(clippy::type_complexity)]
    fn operator(&self, i: &'a str) -> PResult<'a, (Operator, Arity, Span, &'a str)> {
        match i.as_bytes().first() {
            Some(b'=' | b'!' | b'<' | b'>') => match lexical::operator(i) {
                OpToken::Symbol(n) => {
                    let symbol = &i[..n];
                    match self.ops.resolve(symbol) {
                        Some((op, arity)) => {
                            let start = self.pos(i);
                            Ok((&i[n..], (op, arity, Span::new(start, start + n), symbol)))
                        }
                        None => fail(
                            i,
                            n,
                            ParseErrorKind::UnknownOperator {
                                op: symbol.to_owned(),
                                suggestion: self.ops.suggest(symbol),
                            },
                        ),
                    }
                }
                OpToken::Invalid(n) => fail(
                    i,
                    n,
                    ParseErrorKind::InvalidOperator {
                        op: i[..n].to_owned(),
                    },
                ),
            },
            Some(b'~') => fail(i, 1, ParseErrorKind::ReservedChar { ch: '~' }),
            _ => fail_found(i, ParseErrorKind::ExpectedOperator),
        }
    }

    // arguments = "(" value { OR-SEP value } ")" | value
    fn arguments(&self, i: &'a str, op: &'a str) -> PResult<'a, (Args<'a>, Span)> {
        let i = skip_ws(i);
        if i.starts_with('(') {
            return self.list(i);
        }
        let (rest, value) = self.value(i, op)?;
        let span = value.span;
        Ok((rest, (Args::One(value), span)))
    }

    /// The parenthesised value list; the separators are those of OR.
    fn list(&self, open: &'a str) -> PResult<'a, (Args<'a>, Span)> {
        let mut i = skip_ws(&open[1..]);
        match i.as_bytes().first() {
            Some(b')') => {
                let len = self.pos(i) + 1 - self.pos(open);
                return fail(open, len, ParseErrorKind::EmptyList);
            }
            None => {
                return Err(nom::Err::Failure(
                    Fail::new(open, 1, ParseErrorKind::UnclosedList).with_aux(i, 0),
                ));
            }
            _ => {}
        }
        let mut values = Vec::new();
        let mut after: &'a str = "(";
        loop {
            let (rest, value) = self.value(i, after)?;
            if values.len() == self.limits.max_args() {
                return self.fail_span(
                    value.span,
                    ParseErrorKind::TooManyArgs {
                        limit: self.limits.max_args(),
                    },
                );
            }
            values.push(value);
            let rest = skip_ws(rest);
            match rest.as_bytes().first() {
                Some(b')') => {
                    let span = Span::new(self.pos(open), self.pos(rest) + 1);
                    return Ok((&rest[1..], (Args::List(values), span)));
                }
                None => {
                    return Err(nom::Err::Failure(
                        Fail::new(open, 1, ParseErrorKind::UnclosedList).with_aux(rest, 0),
                    ));
                }
                _ => match separator(rest) {
                    Some((Sep::Or, tok, n)) => {
                        after = tok;
                        i = skip_ws(&rest[n..]);
                    }
                    _ => return fail_found(rest, ParseErrorKind::ExpectedListSeparator),
                },
            }
        }
    }

    // value = bare-word | quoted
    fn value(&self, i: &'a str, after: &str) -> PResult<'a, Value<'a>> {
        let (len, text, literal_stars, quote) = match i.as_bytes().first() {
            Some(&q @ (b'\'' | b'"')) => match lexical::quoted(i) {
                Some(v) => {
                    let quote = if q == b'"' {
                        Quote::Double
                    } else {
                        Quote::Single
                    };
                    (v.len, v.text, v.literal_stars, Some(quote))
                }
                None => {
                    let end = &i[i.len()..];
                    return Err(nom::Err::Failure(
                        Fail::new(
                            i,
                            1,
                            ParseErrorKind::UnclosedQuote {
                                quote: char::from(q),
                            },
                        )
                        .with_aux(end, 0),
                    ));
                }
            },
            Some(&b) if is_word_byte(b) => {
                let n = word_len(i);
                let (text, literal_stars) = lexical::bare_value(&i[..n]);
                (n, text, literal_stars, None)
            }
            Some(&b @ (b'=' | b'!' | b'~' | b'<' | b'>')) => {
                return fail(i, 1, ParseErrorKind::ReservedChar { ch: char::from(b) });
            }
            _ => {
                return fail_found(
                    i,
                    ParseErrorKind::ExpectedValue {
                        after: after.to_owned(),
                    },
                );
            }
        };
        if text.len() > self.limits.max_value_len() {
            return fail(
                i,
                len,
                ParseErrorKind::ValueTooLong {
                    len: text.len(),
                    limit: self.limits.max_value_len(),
                },
            );
        }
        let start = self.pos(i);
        let value = Value {
            text,
            quote,
            literal_stars,
            span: Span::new(start, start + len),
        };
        Ok((&i[len..], value))
    }
}
