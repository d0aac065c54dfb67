//! `Display` for [`Filter`](super::Filter): canonical RSQL with canonical
//! field names and normalised literals.

use std::fmt::{self, Write};

use super::{CmpOp, Lit, Node, Pred, Test};
use crate::schema::literal::timestamp_literal;
use crate::schema::{FieldType, Schema};

/// Where a node is printed: parentheses depend on the parent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parent {
    Root,
    And,
    Or,
}

pub(crate) fn write_node(
    f: &mut fmt::Formatter<'_>,
    schema: &Schema,
    node: &Node,
    parent: Parent,
) -> fmt::Result {
    match node {
        Node::True => Ok(()),
        Node::And(c) => join(f, schema, c, ";", Parent::And),
        Node::Or(c) if parent == Parent::And => {
            f.write_char('(')?;
            join(f, schema, c, ",", Parent::Or)?;
            f.write_char(')')
        }
        Node::Or(c) => join(f, schema, c, ",", Parent::Or),
        Node::Pred(p) => write_pred(f, schema, p, parent == Parent::Or),
    }
}

fn join(
    f: &mut fmt::Formatter<'_>,
    schema: &Schema,
    c: &[Node],
    sep: &str,
    parent: Parent,
) -> fmt::Result {
    for (i, n) in c.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_node(f, schema, n, parent)?;
    }
    Ok(())
}

fn write_pred(f: &mut fmt::Formatter<'_>, schema: &Schema, p: &Pred, in_or: bool) -> fmt::Result {
    let name = match schema.field(p.field) {
        Some(field) => field.name(),
        None => "?",
    };
    let ty = schema.field(p.field).map(|f| f.field_type());
    let sel = match &p.key {
        Some(k) => format!("{name}.{k}"),
        None => name.to_owned(),
    };
    let time = ty == Some(&FieldType::Timestamp);
    // A value the compiler produced from a whole literal, printed back as one.
    let i64_text = |v: i64| {
        if time {
            timestamp_literal(v).unwrap_or_else(|| v.to_string())
        } else {
            v.to_string()
        }
    };
    // A range bound: `=ge=`/`=le=` of it, or `=gt=`/`=lt=` of its neighbour
    // when only that can be written (a bound one millisecond outside what
    // an RFC 3339 literal reaches, from `<`/`>` of the extreme literal).
    let bound = |v: i64, upper: bool| -> String {
        let (op, strict, next) = if upper {
            (CmpOp::Le, CmpOp::Lt, v.checked_add(1))
        } else {
            (CmpOp::Ge, CmpOp::Gt, v.checked_sub(1))
        };
        if time
            && timestamp_literal(v).is_none()
            && let Some(text) = next.and_then(timestamp_literal)
        {
            return format!("{sel}{}{text}", strict.symbol());
        }
        format!("{sel}{}{}", op.symbol(), i64_text(v))
    };
    let neg = p.negated;
    match &p.test {
        Test::Present => write!(f, "{sel}=isnull={}", if neg { "true" } else { "false" }),
        Test::StrEq(s) => write!(f, "{sel}{}{}", eq(neg), Quoted(s)),
        Test::StrIn(set) => {
            write!(f, "{sel}{}(", if neg { "=out=" } else { "=in=" })?;
            for (i, s) in set.items.iter().enumerate() {
                if i > 0 {
                    f.write_char(',')?;
                }
                write!(f, "{}", Quoted(s))?;
            }
            f.write_char(')')
        }
        Test::Pattern(pat) => {
            let op = match (pat.is_case_insensitive(), neg) {
                (true, false) => "=ic=",
                (true, true) => "=nic=",
                (false, n) => eq(n),
            };
            write!(f, "{sel}{op}")?;
            write_pattern(f, pat.segments())
        }
        Test::StrCmp(op, lit) => write!(f, "{sel}{}{}", op.symbol(), Quoted(&lit.text)),
        Test::StrRange(lo, hi) => write_between(f, &sel, neg, &quoted(lo), &quoted(hi)),
        Test::I64Range(lo, hi) => {
            if neg && lo == hi {
                write!(f, "{sel}!={}", i64_text(*lo))
            } else if neg {
                // Empty only from an `=nb=` of an empty range, printed back
                // as written (the compiler turns `!=` / `=out=` of nothing
                // into what it means: `simplify` in compile.rs).
                write_between(f, &sel, true, &i64_text(*lo), &i64_text(*hi))
            } else if lo == hi {
                write!(f, "{sel}=={}", i64_text(*lo))
            } else {
                // An empty range (`lo > hi`: `t==L` with `L` finer than a
                // millisecond, or disjoint bounds) prints as both bounds,
                // which compile back to the same range with the standard
                // operators.
                let parts: Vec<String> = [
                    (*lo != i64::MIN).then(|| bound(*lo, false)),
                    (*hi != i64::MAX).then(|| bound(*hi, true)),
                ]
                .into_iter()
                .flatten()
                .collect();
                if parts.is_empty() {
                    write!(f, "{sel}=isnull=false")
                } else if parts.len() == 2 && in_or {
                    // Stays a conjunction inside an OR.
                    write!(f, "({})", parts.join(";"))
                } else {
                    f.write_str(&parts.join(";"))
                }
            }
        }
        Test::I64In(v) => {
            let items: Vec<String> = v.iter().map(|x| i64_text(*x)).collect();
            write_list(f, &sel, neg, &items)
        }
        Test::F64Range(r) => {
            if r.lo == r.hi && r.lo_incl && r.hi_incl {
                return write!(f, "{sel}{}{}", eq(neg), r.lo);
            }
            if neg || (r.lo_incl && r.hi_incl && r.lo.is_finite() && r.hi.is_finite()) {
                return write_between(f, &sel, neg, &r.lo.to_string(), &r.hi.to_string());
            }
            let mut parts = Vec::new();
            if r.lo.is_finite() {
                let op = if r.lo_incl { CmpOp::Ge } else { CmpOp::Gt };
                parts.push(format!("{sel}{}{}", op.symbol(), r.lo));
            }
            if r.hi.is_finite() {
                let op = if r.hi_incl { CmpOp::Le } else { CmpOp::Lt };
                parts.push(format!("{sel}{}{}", op.symbol(), r.hi));
            }
            if parts.is_empty() {
                write!(f, "{sel}=isnull=false")
            } else if parts.len() == 2 && in_or {
                write!(f, "({})", parts.join(";"))
            } else {
                f.write_str(&parts.join(";"))
            }
        }
        Test::F64In(v) => {
            let items: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            write_list(f, &sel, neg, &items)
        }
        Test::Bool { t, f: fa } => {
            let items: Vec<String> = [(*t, "true"), (*fa, "false")]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, s)| s.to_owned())
                .collect();
            write_list(f, &sel, neg, &items)
        }
    }
}

fn eq(neg: bool) -> &'static str {
    if neg { "!=" } else { "==" }
}

fn quoted(lit: &Lit) -> String {
    Quoted(&lit.text).to_string()
}

fn write_between(
    f: &mut fmt::Formatter<'_>,
    sel: &str,
    neg: bool,
    lo: &str,
    hi: &str,
) -> fmt::Result {
    write!(f, "{sel}{}({lo},{hi})", if neg { "=nb=" } else { "=bt=" })
}

fn write_list(f: &mut fmt::Formatter<'_>, sel: &str, neg: bool, items: &[String]) -> fmt::Result {
    if items.len() == 1 {
        write!(f, "{sel}{}{}", eq(neg), items[0])
    } else {
        write!(
            f,
            "{sel}{}({})",
            if neg { "=out=" } else { "=in=" },
            items.join(",")
        )
    }
}

fn write_pattern(f: &mut fmt::Formatter<'_>, segments: &[Box<str>]) -> fmt::Result {
    // A bare `\` before a wildcard star would read back as `\*`, a literal star.
    let backslash_star = segments
        .split_last()
        .is_some_and(|(_, init)| init.iter().any(|s| s.ends_with('\\')));
    let needs_quotes = segments
        .iter()
        .any(|s| (!s.is_empty() && needs_quotes(s)) || s.contains('*'))
        || (segments.len() == 1 && segments[0].is_empty())
        || backslash_star;
    if needs_quotes {
        f.write_char('"')?;
    }
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            f.write_char('*')?;
        }
        write_escaped(f, s, needs_quotes, true)?;
    }
    if needs_quotes {
        f.write_char('"')?;
    }
    Ok(())
}

/// A value printed as RSQL: bare when possible, else double-quoted with
/// `"`, `\` (and `*` when `star_escape`) escaped.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        // A literal `*` must be quoted and escaped, or it would read back as a wildcard.
        if needs_quotes(s) || s.contains('*') {
            f.write_char('"')?;
            write_escaped(f, s, true, true)?;
            f.write_char('"')
        } else {
            f.write_str(s)
        }
    }
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.chars().any(|c| {
            matches!(
                c,
                '"' | '\'' | '(' | ')' | ';' | ',' | '=' | '!' | '~' | '<' | '>' | ' '
            ) || c.is_control()
        })
}

fn write_escaped(f: &mut fmt::Formatter<'_>, s: &str, quoted: bool, stars: bool) -> fmt::Result {
    for c in s.chars() {
        if quoted && (c == '"' || c == '\\' || (stars && c == '*')) {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}
