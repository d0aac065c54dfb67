//! `Filter::to_mongo`: a MongoDB query document (feature `mongo`).
//!
//! * AND / OR → `$and` / `$or`; the match-all filter → `{}`.
//! * Positive tests → `{path: cond}` with `$eq`, `$in`, `$gte`/`$lte`…,
//!   timestamps as extended JSON `{"$date": "…"}`; negations →
//!   `{path: {"$not": cond}}`, which also matches documents that lack the
//!   field, as `!=` must.
//! * Wildcards → `{"$regex": "\A…\z", "$options": "s"}`: anchored at both
//!   ends (`\z`, since `$` would also match before a final newline), every
//!   ASCII character other than a letter or digit escaped, ASCII letters of
//!   case-insensitive patterns written as `[aA]`.
//! * Null tests → `{"$exists": true, "$ne": null}` (present) or its `$not`.
//! * Multi-valued fields → `{array: {"$elemMatch": {field: cond}}}`, and
//!   `{"$not": {"$elemMatch": …}}` for no-member semantics.
//! * `numeric_strings` ordering with a numeric literal needs a per-value
//!   type test, so it becomes an `$expr` (`$regexMatch` on the decimal
//!   grammar, then `$toDouble`, else a string comparison); on multi-valued
//!   fields it maps over the array with `$anyElementTrue`.

use serde_json::{Map, Value, json};

use crate::filter::{CmpOp, F64Range, Filter, Lit, Node, Pred, Test};
use crate::pattern::Pattern;
use crate::schema::literal::format_timestamp;
use crate::schema::{Field, FieldType, MongoPath};

impl Filter {
    /// The filter as a MongoDB query document (see the module docs of
    /// [`emit`](crate::emit) for an example).
    ///
    /// ```
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("members.email", rsql::FieldType::String).multi_valued())
    ///     .build()?;
    /// let f = schema.compile(&rsql::parse("members.email!=a@x.io")?)?;
    /// assert_eq!(
    ///     f.to_mongo(),
    ///     serde_json::json!({"members": {"$not": {"$elemMatch": {"email": {"$eq": "a@x.io"}}}}})
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_mongo(&self) -> Value {
        node(self, &self.root)
    }
}

fn node(f: &Filter, n: &Node) -> Value {
    match n {
        Node::True => json!({}),
        Node::And(c) => json!({ "$and": c.iter().map(|n| node(f, n)).collect::<Vec<_>>() }),
        Node::Or(c) => json!({ "$or": c.iter().map(|n| node(f, n)).collect::<Vec<_>>() }),
        Node::Pred(p) => pred(f, p),
    }
}

/// Where the values of a predicate live.
enum Loc {
    /// A scalar at a dotted path.
    Path(String),
    /// Array `array`, each element's `field` (or the element itself when `None`).
    Elem(String, Option<String>),
}

fn location(field: &Field, p: &Pred) -> Loc {
    let base = match &field.mongo {
        Some(MongoPath::Path(path)) => path.clone(),
        Some(MongoPath::Elem { array, field }) => {
            return Loc::Elem(array.clone(), Some(field.clone()));
        }
        None => field.name().to_owned(),
    };
    if p.multi {
        if let (None, Some((array, elem))) = (&field.mongo, base.rsplit_once('.')) {
            return Loc::Elem(array.to_owned(), Some(elem.to_owned()));
        }
        return Loc::Elem(base, None);
    }
    match &p.key {
        // Keys hold letters, digits, `_` and `-` only (checked at compile
        // time): never a `.` or a leading `$`.
        Some(k) => Loc::Path(format!("{base}.{k}")),
        None => Loc::Path(base),
    }
}

fn pred(f: &Filter, p: &Pred) -> Value {
    let Some(field) = f.schema.field(p.field) else {
        return json!({});
    };
    let time = field.field_type() == &FieldType::Timestamp;
    let loc = location(field, p);
    if p.strict {
        // `Missing::MatchesNothing`: the value must be there as well.
        let negation = pred(
            f,
            &Pred {
                strict: false,
                ..p.clone()
            },
        );
        let present = match &loc {
            Loc::Path(path) => obj(path.clone(), present()),
            Loc::Elem(array, Some(elem)) => obj(
                array.clone(),
                json!({ "$elemMatch": obj(elem.clone(), present()) }),
            ),
            Loc::Elem(array, None) => obj(array.clone(), json!({ "$elemMatch": { "$ne": null } })),
        };
        return json!({ "$and": [present, negation] });
    }
    match cond(&p.test, time) {
        Some(c) => match loc {
            Loc::Path(path) => obj(path, if p.negated { json!({ "$not": c }) } else { c }),
            Loc::Elem(array, elem) => {
                let inner = match elem {
                    Some(e) => obj(e, c),
                    None => c,
                };
                let m = json!({ "$elemMatch": inner });
                obj(array, if p.negated { json!({ "$not": m }) } else { m })
            }
        },
        None => {
            let e = match loc {
                Loc::Path(path) => expr_test(&p.test, &format!("${path}")),
                Loc::Elem(array, elem) => {
                    let var = match elem {
                        Some(e) => format!("$$m.{e}"),
                        None => "$$m".to_owned(),
                    };
                    json!({ "$anyElementTrue": [{ "$map": {
                        "input": { "$cond": [{ "$isArray": format!("${array}") }, format!("${array}"), []] },
                        "as": "m",
                        "in": expr_test(&p.test, &var),
                    }}]})
                }
            };
            let e = if p.negated { json!({ "$not": [e] }) } else { e };
            json!({ "$expr": e })
        }
    }
}

fn obj(key: String, v: Value) -> Value {
    let mut m = Map::new();
    m.insert(key, v);
    Value::Object(m)
}

fn date(ms: i64) -> Value {
    // Relaxed extended JSON dates are ISO-8601 for years 1970..=9999 only.
    if (0..253_402_300_800_000).contains(&ms) {
        json!({ "$date": format_timestamp(ms) })
    } else {
        json!({ "$date": { "$numberLong": ms.to_string() } })
    }
}

fn present() -> Value {
    json!({ "$exists": true, "$ne": null })
}

fn nothing() -> Value {
    json!({ "$in": [] })
}

/// The query-language condition for a positive test; `None` when the test
/// needs an aggregation expression (numeric-aware string ordering).
fn cond(t: &Test, time: bool) -> Option<Value> {
    let i = |x: i64| if time { date(x) } else { json!(x) };
    Some(match t {
        Test::Present => present(),
        Test::StrEq(s) => json!({ "$eq": &**s }),
        Test::StrIn(set) => json!({ "$in": set.items.iter().map(|s| &**s).collect::<Vec<_>>() }),
        Test::Pattern(p) => json!({ "$regex": regex(p), "$options": "s" }),
        Test::StrCmp(_, Lit { num: Some(_), .. })
        | Test::StrRange(Lit { num: Some(_), .. }, _)
        | Test::StrRange(_, Lit { num: Some(_), .. }) => return None,
        Test::StrCmp(op, lit) => obj(query_op(*op).to_owned(), json!(&*lit.text)),
        Test::StrRange(lo, hi) => json!({ "$gte": &*lo.text, "$lte": &*hi.text }),
        Test::I64Range(lo, hi) => {
            if lo > hi {
                nothing()
            } else if lo == hi {
                json!({ "$eq": i(*lo) })
            } else {
                let mut m = Map::new();
                if *lo != i64::MIN {
                    m.insert("$gte".into(), i(*lo));
                }
                if *hi != i64::MAX {
                    m.insert("$lte".into(), i(*hi));
                }
                if m.is_empty() {
                    present()
                } else {
                    Value::Object(m)
                }
            }
        }
        Test::I64In(v) => json!({ "$in": v.iter().map(|x| i(*x)).collect::<Vec<_>>() }),
        Test::F64Range(r) => f64_range(r),
        Test::F64In(v) => json!({ "$in": v.to_vec() }),
        Test::Bool { t, f } => match (t, f) {
            (true, true) => present(),
            (false, false) => nothing(),
            _ => json!({ "$eq": *t }),
        },
    })
}

fn f64_range(r: &F64Range) -> Value {
    if r.lo > r.hi || (r.lo == r.hi && !(r.lo_incl && r.hi_incl)) {
        return nothing();
    }
    if r.lo == r.hi {
        return json!({ "$eq": r.lo });
    }
    let mut m = Map::new();
    if r.lo.is_finite() {
        m.insert((if r.lo_incl { "$gte" } else { "$gt" }).into(), json!(r.lo));
    }
    if r.hi.is_finite() {
        m.insert((if r.hi_incl { "$lte" } else { "$lt" }).into(), json!(r.hi));
    }
    if m.is_empty() {
        present()
    } else {
        Value::Object(m)
    }
}

fn query_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "$lt",
        CmpOp::Le => "$lte",
        CmpOp::Gt => "$gt",
        CmpOp::Ge => "$gte",
    }
}

/// An aggregation expression for a numeric-aware string test on `var`
/// (`$path` or `$$m.field`): false unless the value is a string.
fn expr_test(t: &Test, var: &str) -> Value {
    let cmp = |op: CmpOp, lit: &Lit| -> Value {
        let o = query_op(op);
        // Interim: the exact-decimal regular expressions replace `$toDouble`.
        match lit.num.as_ref().and_then(|_| lit.text.parse::<f64>().ok()) {
            Some(n) => json!({ "$cond": [
                { "$regexMatch": { "input": var, "regex": r"\A-?[0-9]+(\.[0-9]+)?\z" } },
                { o: [{ "$toDouble": var }, n] },
                { o: [var, &*lit.text] },
            ]}),
            None => json!({ o: [var, &*lit.text] }),
        }
    };
    let test = match t {
        Test::StrCmp(op, lit) => cmp(*op, lit),
        Test::StrRange(lo, hi) => json!({ "$and": [cmp(CmpOp::Ge, lo), cmp(CmpOp::Le, hi)] }),
        _ => json!(false),
    };
    json!({ "$and": [{ "$eq": [{ "$type": var }, "string"] }, test] })
}

/// `\A…\z` with `.*` for wildcards, everything else escaped.
fn regex(p: &Pattern) -> String {
    let fold = p.is_case_insensitive();
    let mut out = String::from(r"\A");
    for (i, seg) in p.segments().iter().enumerate() {
        if i > 0 {
            out.push_str(".*");
        }
        for c in seg.chars() {
            if c.is_ascii_alphabetic() && fold {
                out.push('[');
                out.push(c.to_ascii_lowercase());
                out.push(c.to_ascii_uppercase());
                out.push(']');
            } else if c.is_ascii_alphanumeric() || !c.is_ascii() {
                out.push(c);
            } else if c.is_ascii_control() {
                out.push_str(&format!(r"\x{{{:02x}}}", c as u32));
            } else {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out.push_str(r"\z");
    out
}
