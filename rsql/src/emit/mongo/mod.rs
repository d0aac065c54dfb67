//! `Filter::to_mongo`: a MongoDB query document (feature `mongo`), and
//! `Filter::to_bson` (feature `bson`).
//!
//! The output is MongoDB's plain query language only: no `$expr`, `$where`
//! or `$function`, so any evaluator of the documented query semantics runs
//! it, and user text is never read as a field path or an operator. Object
//! keys are schema paths (with validated dynamic keys) and operators; every
//! string from the filter is the operand of `$eq`, `$in`, `$gt`, `$gte`,
//! `$lt` or `$lte`, or sits escaped inside an anchored `$regex`.
//!
//! * AND / OR → `$and` / `$or`; the match-all filter → `{}`.
//! * A predicate is one or more *conditions on one value* (operator
//!   documents such as `{"$eq": "x"}`). Each is placed at the field's
//!   location: `{path: cond}` for a scalar, `{array: {"$elemMatch": {field:
//!   cond}}}` or `{array: {"$elemMatch": cond}}` for a multi-valued field
//!   (any member). Several conditions (see decimals below) → `$or` of the
//!   placed conditions, which for a multi-valued field is still "some member
//!   satisfies one of them".
//! * Negations (`!=`, `=out=`, `=notlike=`, `=nb=`, null tests) → `{path:
//!   {"$not": cond}}` / `{array: {"$not": {"$elemMatch": …}}}` for one
//!   condition, `{"$nor": [placed conditions…]}` for several: both also match
//!   documents that lack the field, as the semantics require (no value, or no
//!   member, passes). A negation that needs a value
//!   ([`Missing::MatchesNothing`](crate::Missing)) → `{"$and": [present,
//!   negation]}`.
//! * Timestamps → extended JSON `{"$date": "…"}` (BSON `DateTime` from
//!   `to_bson`); integers → JSON integers (BSON `Int64`); floats → finite
//!   doubles (the compiler rejects others).
//! * Wildcards → `{"$regex": "\A…\z", "$options": "s"}`: anchored at both
//!   ends (`\z`, since `$` would also match before a final newline), every
//!   ASCII character other than a letter or digit escaped (control
//!   characters as `\x{..}`), ASCII letters of case-insensitive patterns
//!   written as `[aA]`.
//! * Null tests → `{"$exists": true, "$ne": null}` (present) or its `$not`.
//! * Ordering on a [`numeric_strings`](crate::Field::numeric_strings) field
//!   with a decimal literal `c` compares exactly when the stored value is a
//!   decimal too, by bytes otherwise. It becomes two conditions on the value:
//!
//!   ```text
//!   {"$regex": <decimals whose exact value is > c>}
//!   {"$not": {"$regex": <decimal grammar>}, "$gt": "c"}
//!   ```
//!
//!   The first pattern is built from `c`'s normal form (sign, integer
//!   digits, fraction digits): a longer integer part, the same length and a
//!   greater digit at the first difference, or the same integer part and a
//!   greater fraction; leading and trailing zeros, `-0` and negative
//!   values (order reversed) are part of the pattern, which holds digits
//!   and regex syntax only. No float is involved: a 400-digit literal is
//!   compared exactly, never as `null` or infinity. `=bt=` puts both bounds
//!   on the same value: `{"$regex": <≥ lo>, "$not": {"$regex": <> hi>}}` for
//!   decimals and `{"$not": {"$regex": <grammar>}, "$gte": "lo", "$lte":
//!   "hi"}` for other strings (a bound that is not a decimal stays a byte
//!   comparison in both). MongoDB compares strings by bytes, as the
//!   evaluator does. The patterns grow with the literal's digits (15 to 20
//!   bytes a digit, plus the digits repeated at every 64th position to bound
//!   the nesting); MongoDB rejects patterns over 16 KiB, which literals of up
//!   to 600 significant digits stay within (tested). Longer literals give
//!   longer, still exact, patterns that other evaluators accept.

mod decimal_regex;
mod doc;

use serde_json::Value;

use crate::filter::{CmpOp, F64Range, Filter, Lit, Node, Pred, Test};
use crate::pattern::Pattern;
use crate::schema::{Field, FieldType, MongoPath};

use decimal_regex::{GRAMMAR, decimal_regex};
use doc::Doc;

/// The entries of a query document or of an operator document.
type Entries = Vec<(String, Doc)>;

impl Filter {
    /// The filter as a MongoDB query document in relaxed extended JSON (see
    /// the [module docs](crate::emit) for an example).
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
        Doc::Obj(node(self, &self.root)).to_json()
    }

    /// The filter as a [`bson::Document`] (feature `bson`): the same query
    /// as [`Filter::to_mongo`], with timestamps as BSON `DateTime` and
    /// integers as `Int64`, ready for the MongoDB driver's `find`.
    ///
    /// ```
    /// use bson::{Bson, doc};
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("startTime", rsql::FieldType::Timestamp))
    ///     .field(rsql::Field::new("size", rsql::FieldType::Integer))
    ///     .build()?;
    /// let f = schema.compile(&rsql::parse("startTime=ge=2021-03-01;size==3")?)?;
    /// let start = bson::DateTime::from_millis(1_614_556_800_000);
    /// assert_eq!(
    ///     f.to_bson(),
    ///     doc! {"$and": [{"startTime": {"$gte": start}}, {"size": {"$eq": 3_i64}}]}
    /// );
    /// let size = f.to_bson().get_array("$and")?[1].clone();
    /// assert_eq!(size, Bson::Document(doc! {"size": {"$eq": Bson::Int64(3)}}));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "bson")]
    pub fn to_bson(&self) -> bson::Document {
        node(self, &self.root)
            .into_iter()
            .map(|(k, v)| (k, v.to_bson()))
            .collect()
    }
}

fn node(f: &Filter, n: &Node) -> Entries {
    let all = |c: &[Node]| Doc::Arr(c.iter().map(|n| Doc::Obj(node(f, n))).collect());
    match n {
        Node::True => Vec::new(),
        Node::And(c) => vec![("$and".into(), all(c))],
        Node::Or(c) => vec![("$or".into(), all(c))],
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

impl Loc {
    /// `cond` applied to the value (any member for arrays).
    fn place(&self, cond: Entries) -> Entries {
        match self {
            Loc::Path(path) => vec![(path.clone(), Doc::Obj(cond))],
            Loc::Elem(array, elem) => {
                vec![(array.clone(), Doc::one("$elemMatch", member(elem, cond)))]
            }
        }
    }

    /// No value (no member) satisfies `cond`; missing values included.
    fn place_not(&self, cond: Entries) -> Entries {
        match self {
            Loc::Path(path) => vec![(path.clone(), Doc::one("$not", Doc::Obj(cond)))],
            Loc::Elem(array, elem) => vec![(
                array.clone(),
                Doc::one("$not", Doc::one("$elemMatch", member(elem, cond))),
            )],
        }
    }
}

/// The `$elemMatch` operand: `{field: cond}` or the condition itself.
fn member(elem: &Option<String>, cond: Entries) -> Doc {
    match elem {
        Some(e) => Doc::one(e.clone(), Doc::Obj(cond)),
        None => Doc::Obj(cond),
    }
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

fn pred(f: &Filter, p: &Pred) -> Entries {
    let Some(field) = f.schema.field(p.field) else {
        // A compiled filter only names fields of its own schema.
        return Vec::new();
    };
    let time = field.field_type() == &FieldType::Timestamp;
    let loc = location(field, p);
    let mut conds = conditions(&p.test, time);
    let test = if !p.negated {
        if conds.len() == 1 {
            loc.place(conds.remove(0))
        } else {
            let placed = conds.into_iter().map(|c| Doc::Obj(loc.place(c))).collect();
            vec![("$or".into(), Doc::Arr(placed))]
        }
    } else if conds.len() == 1 {
        loc.place_not(conds.remove(0))
    } else {
        let placed = conds.into_iter().map(|c| Doc::Obj(loc.place(c))).collect();
        vec![("$nor".into(), Doc::Arr(placed))]
    };
    if !p.strict {
        return test;
    }
    // `Missing::MatchesNothing`: the value must be there as well.
    let present = match &loc {
        Loc::Path(_) | Loc::Elem(_, Some(_)) => loc.place(present()),
        Loc::Elem(array, None) => vec![(
            array.clone(),
            Doc::one("$elemMatch", Doc::one("$ne", Doc::Null)),
        )],
    };
    vec![(
        "$and".into(),
        Doc::Arr(vec![Doc::Obj(present), Doc::Obj(test)]),
    )]
}

fn present() -> Entries {
    vec![
        ("$exists".into(), Doc::Bool(true)),
        ("$ne".into(), Doc::Null),
    ]
}

fn nothing() -> Entries {
    vec![("$in".into(), Doc::Arr(Vec::new()))]
}

fn op1(op: &str, v: Doc) -> Entries {
    vec![(op.to_owned(), v)]
}

/// The conditions on one value whose union is the positive test (one,
/// except for decimal ordering).
fn conditions(t: &Test, time: bool) -> Vec<Entries> {
    let i = |x: i64| if time { Doc::Date(x) } else { Doc::Int(x) };
    let str = |s: &str| Doc::Str(s.to_owned());
    vec![match t {
        Test::Present => present(),
        Test::StrEq(s) => op1("$eq", str(s)),
        Test::StrIn(set) => op1("$in", Doc::Arr(set.items.iter().map(|s| str(s)).collect())),
        Test::Pattern(p) => vec![
            ("$regex".into(), Doc::Str(regex(p))),
            ("$options".into(), str("s")),
        ],
        Test::StrCmp(op, lit) => return ordering(&[(*op, lit)]),
        Test::StrRange(lo, hi) => return ordering(&[(CmpOp::Ge, lo), (CmpOp::Le, hi)]),
        Test::I64Range(lo, hi) => {
            if lo > hi {
                nothing()
            } else if lo == hi {
                op1("$eq", i(*lo))
            } else {
                let mut m = Vec::new();
                if *lo != i64::MIN {
                    m.push(("$gte".into(), i(*lo)));
                }
                if *hi != i64::MAX {
                    m.push(("$lte".into(), i(*hi)));
                }
                if m.is_empty() { present() } else { m }
            }
        }
        Test::I64In(v) => op1("$in", Doc::Arr(v.iter().map(|x| i(*x)).collect())),
        Test::F64Range(r) => f64_range(r),
        Test::F64In(v) => op1("$in", Doc::Arr(v.iter().map(|x| Doc::Float(*x)).collect())),
        Test::Bool { t, f } => match (t, f) {
            (true, true) => present(),
            (false, false) => nothing(),
            _ => op1("$eq", Doc::Bool(*t)),
        },
    }]
}

fn f64_range(r: &F64Range) -> Entries {
    if r.lo > r.hi || (r.lo == r.hi && !(r.lo_incl && r.hi_incl)) {
        return nothing();
    }
    if r.lo == r.hi {
        return op1("$eq", Doc::Float(r.lo));
    }
    let mut m = Vec::new();
    if r.lo.is_finite() {
        m.push((
            (if r.lo_incl { "$gte" } else { "$gt" }).into(),
            Doc::Float(r.lo),
        ));
    }
    if r.hi.is_finite() {
        m.push((
            (if r.hi_incl { "$lte" } else { "$lt" }).into(),
            Doc::Float(r.hi),
        ));
    }
    if m.is_empty() { present() } else { m }
}

fn query_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "$lt",
        CmpOp::Le => "$lte",
        CmpOp::Gt => "$gt",
        CmpOp::Ge => "$gte",
    }
}

/// The opposite ordering: for a decimal `x`, exactly one of `x op c` and
/// `x complement(op) c` holds.
fn complement(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

/// String ordering against one or two bounds (all must hold for the same
/// value). Bounds without a decimal value are byte comparisons; when some
/// bound is a decimal, values are split into decimals (exact comparison by
/// `$regex`, other bounds by bytes) and other strings (bytes for all).
fn ordering(bounds: &[(CmpOp, &Lit)]) -> Vec<Entries> {
    let bytes =
        |(op, lit): &(CmpOp, &Lit)| (query_op(*op).to_owned(), Doc::Str(lit.text.to_string()));
    if bounds.iter().all(|(_, lit)| lit.num.is_none()) {
        return vec![bounds.iter().map(bytes).collect()];
    }
    let mut out = Vec::new();
    // Decimal values: the first decimal bound as `$regex`, a second as
    // `$not` of its complement's pattern (one `$regex` key per document).
    let mut decimal = Vec::new();
    let mut have_pattern = false;
    let mut possible = true;
    for b in bounds {
        match &b.1.num {
            None => decimal.push(bytes(b)),
            Some(c) if !have_pattern => {
                have_pattern = true;
                match decimal_regex(b.0, c.as_ref()) {
                    Some(re) => decimal.push(("$regex".into(), Doc::Str(re))),
                    None => possible = false,
                }
            }
            Some(c) => {
                if let Some(re) = decimal_regex(complement(b.0), c.as_ref()) {
                    decimal.push(("$not".into(), Doc::one("$regex", Doc::Str(re))));
                }
            }
        }
    }
    if possible {
        out.push(decimal);
    }
    // Other strings: every bound by bytes.
    let mut other: Entries = vec![(
        "$not".into(),
        Doc::one("$regex", Doc::Str(GRAMMAR.to_owned())),
    )];
    other.extend(bounds.iter().map(bytes));
    out.push(other);
    out
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
