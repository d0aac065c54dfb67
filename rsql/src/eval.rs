//! Evaluation: [`Record`], [`FieldValue`] and [`Filter::matches`].
//!
//! The evaluator never sees JSON. A store implements [`Record`] for its own
//! row type and hands out borrowed values by [`FieldRef`]; the compiled
//! filter walks its tree and compares those values against literals that
//! were parsed once, at compile time.
//!
//! # Semantics
//!
//! | operator | string | timestamp / integer / float | bool / enum | missing value | multi-valued field |
//! |---|---|---|---|---|---|
//! | `==` | equal; with `*`: wildcard match (prefix, suffix, contains, several) | equal (timestamps: the same instant, exactly; a literal finer than the stored millisecond equals none) | equal | false | **any** value matches |
//! | `!=` | not equal / no wildcard match | not equal | not equal | **true** | **no** value matches |
//! | `=lt=` `=le=` `=gt=` `=ge=` | by bytes (= code points); numerically when the field has [`numeric_strings`](crate::Field::numeric_strings) and both sides are decimal numbers | numeric / chronological | not allowed | false | any value |
//! | `=in=` | equal to one of the values | equal to one | equal to one | false | any value |
//! | `=out=` | equal to none | equal to none | equal to none | **true** | no value |
//! | `=like=` | contains (`*` inside is a wildcard) | not allowed | not allowed | false | any value |
//! | `=notlike=` | does not contain | – | – | **true** | no value |
//! | `=ilike=` | contains, ASCII case-insensitive | – | – | false | any value |
//! | `=ic=` | equal, ASCII case-insensitive (with `*`: wildcard) | – | – | false | any value |
//! | `=bt=(lo,hi)` | `lo ≤ x ≤ hi` | `lo ≤ x ≤ hi` | – | false | one value within both bounds |
//! | `=nb=(lo,hi)` | outside | outside | – | **true** | no value within |
//! | `=isnull=true` / `=notnull=false` | missing | missing | missing | **true** | no (non-missing) value |
//! | `=isnull=false` / `=notnull=true` | present | present | present | false | some value |
//!
//! Every negative operator is exactly the negation of its positive
//! counterpart, including for missing values and multi-valued fields. A record
//! value of another type than the field's (say `Str` for an integer field)
//! never satisfies a positive test. Case-insensitive operators fold ASCII
//! letters only (as SQLite's `LIKE` and `lower()` do), so `=ic=émile` does not
//! match `ÉMILE`: the emitters produce SQL and MongoDB queries with exactly
//! these semantics.
//!
//! # Evaluating many records
//!
//! [`Filter::matches`] checks one record. It first tests the cheapest
//! positive top-level conjunct (a range on a single-valued timestamp or
//! integer field before a string equality, before an `=in=` list; plain
//! fields before dynamic keys and multi-valued fields) with code specialised
//! for that one test, and walks the rest of the tree, out of line, only for
//! the records that pass it. A filter that is a single such test is decided
//! there. So `t=ge=A;t=lt=B;type==meeting` costs one range check for every
//! record outside the window, about what a hand-written closure costs.
//!
//! [`Filter::select`] and
//! [`Filter::retain`] check a slice (or the positions an index left) one
//! comparison at a time, deciding the operator and field once per comparison
//! instead of once per record; use them for scans. A [`Record`] with hot
//! multi-valued fields should also override [`Record::any`] (usually with
//! the body of `each`), so the per-value callback inlines.
//!
//! ```
//! use rsql::{Field, FieldId, FieldRef, FieldType, FieldValue, Record, Schema};
//!
//! struct Conv { name: String, emails: Vec<String>, start_ms: Option<i64> }
//! const NAME: FieldId = FieldId::new(0);
//! const EMAIL: FieldId = FieldId::new(1);
//! const START: FieldId = FieldId::new(2);
//!
//! impl Record for Conv {
//!     fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
//!         match field.id {
//!             NAME => FieldValue::Str(&self.name),
//!             START => self.start_ms.map_or(FieldValue::Missing, FieldValue::Time),
//!             _ => FieldValue::Missing,
//!         }
//!     }
//!     fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
//!         match field.id {
//!             EMAIL => self.emails.iter().any(|e| f(FieldValue::Str(e))),
//!             _ => f(self.get(field)),
//!         }
//!     }
//! }
//!
//! let schema = Schema::builder()
//!     .field(Field::new("name", FieldType::String))
//!     .field(Field::new("members.email", FieldType::String).multi_valued())
//!     .field(Field::new("start", FieldType::Timestamp))
//!     .build()?;
//! let conv = Conv { name: "Sales Brainstorm".into(), emails: vec!["a@x.io".into(), "b@x.io".into()], start_ms: None };
//! let check = |f: &str| -> Result<bool, rsql::Error> { Ok(schema.compile(&rsql::parse(f)?)?.matches(&conv)) };
//! assert!(check("name==*Brainstorm")?);
//! assert!(check("members.email==b@x.io")?);        // any member
//! assert!(!check("members.email!=b@x.io")?);       // no member
//! assert!(!check("start=ge=2021-01-01")?);         // missing: ordering is false
//! assert!(check("start!=2021-01-01")?);            // missing: != is true
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// `$body` with `$v` bound to the value of a single-valued field, or
/// whether it holds for some value of a multi-valued one. Callers dispatch
/// on the test first, so the loop over the values is as tight as a
/// hand-written one.
macro_rules! any_value {
    ($record:expr, $field:expr, $multi:expr, |$v:ident| $body:expr) => {
        if $multi {
            $record.any($field, |$v| $body)
        } else {
            let $v = $record.get($field);
            $body
        }
    };
}

mod select;

use crate::filter::{Conjunct, Filter, Head, HeadTest, Lit, Node, Pred, Test};
use crate::schema::FieldRef;

/// One value of a field, borrowed from a record.
///
/// ```
/// use rsql::FieldValue;
/// let v = FieldValue::Str("meeting");
/// assert!(!v.is_missing());
/// assert!(FieldValue::Missing.is_missing());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// Absent or null.
    Missing,
    /// A string (string and enum fields, dynamic string maps).
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An instant as epoch milliseconds (timestamp fields).
    Time(i64),
}

impl FieldValue<'_> {
    /// Whether the value is [`FieldValue::Missing`].
    ///
    /// ```
    /// assert!(rsql::FieldValue::Missing.is_missing());
    /// ```
    pub fn is_missing(&self) -> bool {
        matches!(self, FieldValue::Missing)
    }
}

/// Field access for [`Filter::matches`]: a store implements it for its rows.
///
/// `get` returns the value of a single-valued field (or the key of a dynamic
/// field, `field.key`). `each` visits every value of a multi-valued field,
/// stopping as soon as `f` returns `true`, and returns whether it did; the
/// default delegates to `get`, so single-valued records only write `get`.
/// A multi-valued field with no value calls `f` zero times.
///
/// See the [module docs](self) for a complete implementation.
///
/// ```
/// use rsql::{FieldRef, FieldValue, Record};
/// struct One(i64);
/// impl Record for One {
///     fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> {
///         FieldValue::Int(self.0)
///     }
/// }
/// let r = One(7);
/// let f = FieldRef::new(rsql::FieldId::new(0));
/// assert!(r.each(f, &mut |v| v == FieldValue::Int(7)));
/// ```
pub trait Record {
    /// The value of `field` (`FieldValue::Missing` when absent).
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_>;

    /// Calls `f` on each value of `field` until it returns `true`; returns
    /// whether it did.
    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        f(self.get(field))
    }

    /// The same as [`Record::each`] with a statically known callback; the
    /// evaluator calls this one. The default forwards to `each`. Override it
    /// (usually with the same body as `each`) when multi-valued fields are
    /// hot: the callback then inlines into the loop over the values instead
    /// of being called through a vtable for every value.
    #[inline]
    fn any<F: FnMut(FieldValue<'_>) -> bool>(&self, field: FieldRef<'_>, mut f: F) -> bool
    where
        Self: Sized,
    {
        self.each(field, &mut f)
    }
}

impl<R: Record + ?Sized> Record for &R {
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        (**self).get(field)
    }

    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        (**self).each(field, f)
    }
}

impl Filter {
    /// Whether `record` satisfies the filter (semantics in the [module docs](self)).
    ///
    /// ```
    /// use rsql::{FieldRef, FieldValue, Record};
    /// struct Row<'a> { kind: &'a str }
    /// impl Record for Row<'_> {
    ///     fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Str(self.kind) }
    /// }
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("type", rsql::FieldType::String))
    ///     .build()?;
    /// let f = schema.compile(&rsql::parse("type=in=(meeting,call)")?)?;
    /// assert!(f.matches(&Row { kind: "call" }));
    /// assert!(!f.matches(&Row { kind: "chat" }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline(always)]
    pub fn matches<R: Record>(&self, record: &R) -> bool {
        if let Some(head) = &self.head {
            if !head.holds(record) {
                return false;
            }
            if head.exact {
                return true;
            }
        }
        eval_root(&self.root, record)
    }
}

impl Head {
    /// Whether `record` passes the head (the filter chose it, see
    /// [`Head::of`]; this is the evaluator's half).
    #[inline(always)]
    pub(crate) fn holds<R: Record>(&self, record: &R) -> bool {
        let field = FieldRef {
            id: self.field,
            key: self.key.as_deref(),
        };
        let multi = self.multi;
        match &self.test {
            HeadTest::Range(lo, hi) => any_value!(record, field, multi, |v| range_hit(v, *lo, *hi)),
            HeadTest::Eq(n) => {
                any_value!(
                    record,
                    field,
                    multi,
                    |v| matches!(v, FieldValue::Str(s) if n.matches(s))
                )
            }
            HeadTest::In(set) => {
                any_value!(
                    record,
                    field,
                    multi,
                    |v| matches!(v, FieldValue::Str(s) if set.contains(s))
                )
            }
        }
    }
}

impl Conjunct<'_> {
    /// Whether `record` satisfies this conjunct alone.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer)).build()?;
    /// use rsql::{FieldRef, FieldValue, Record};
    /// struct N(i64);
    /// impl Record for N {
    ///     fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Int(self.0) }
    /// }
    /// let f = schema.compile(&rsql::parse("n>1;n!=7")?)?;
    /// let parts = f.conjunct_refs();
    /// assert!(parts[0].matches(&N(7)) && !parts[1].matches(&N(7)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches<R: Record>(&self, record: &R) -> bool {
        eval_root(self.node(), record)
    }
}

/// The tree, for the records the head accepted (or every record when
/// there is no head); out of line so the head's inline path stays short.
#[inline(never)]
fn eval_root<R: Record>(root: &Node, record: &R) -> bool {
    match root {
        Node::Pred(p) => eval_pred(p, record),
        Node::And(c) => group(c, true, record),
        Node::Or(c) => group(c, false, record),
        Node::True => true,
    }
}

/// An AND (`all`) or OR group: the first child whose value differs from
/// `all` decides.
#[inline(always)]
fn group<R: Record>(children: &[Node], all: bool, r: &R) -> bool {
    for n in children {
        // `black_box` keeps the compiler from hoisting the loads of every
        // field the inlined accessor might read out of this loop (it would
        // otherwise load them all, for every record, before the first test).
        let r = std::hint::black_box(r);
        let v = match n {
            Node::Pred(p) => eval_pred(p, r),
            other => eval_node(other, r),
        };
        if v != all {
            return v;
        }
    }
    all
}

#[inline(never)]
fn eval_node<R: Record>(node: &Node, r: &R) -> bool {
    match node {
        Node::Pred(p) => eval_pred(p, r),
        Node::And(c) => c.iter().all(|n| eval_node(n, r)),
        Node::Or(c) => c.iter().any(|n| eval_node(n, r)),
        Node::True => true,
    }
}

#[inline(always)]
pub(crate) fn eval_pred<R: Record>(p: &Pred, r: &R) -> bool {
    let field = p.field_ref();
    let hit = match &p.test {
        Test::StrEq(lit) => {
            any_value!(
                r,
                field,
                p.multi,
                |v| matches!(v, FieldValue::Str(s) if lit.matches(s))
            )
        }
        Test::StrIn(set) => {
            any_value!(
                r,
                field,
                p.multi,
                |v| matches!(v, FieldValue::Str(s) if set.contains(s))
            )
        }
        Test::Pattern(pat) => {
            any_value!(
                r,
                field,
                p.multi,
                |v| matches!(v, FieldValue::Str(s) if pat.matches(s))
            )
        }
        Test::I64Range(lo, hi) => any_value!(r, field, p.multi, |v| range_hit(v, *lo, *hi)),
        t => any_value!(r, field, p.multi, |v| test_other(t, v)),
    };
    if p.strict && !hit {
        // A negation that needs a value: some value, none of them passing.
        return any_value!(r, field, p.multi, |v| !matches!(v, FieldValue::Missing));
    }
    hit != p.negated
}

/// Whether `v` is a timestamp or integer in `lo..=hi`.
#[inline(always)]
pub(crate) fn range_hit(v: FieldValue<'_>, lo: i64, hi: i64) -> bool {
    match v {
        FieldValue::Time(x) | FieldValue::Int(x) => in_range(x, lo, hi),
        _ => false,
    }
}

/// `lo <= x && x <= hi` with one unsigned compare instead of two branches:
/// when the first comparison is unpredictable (a time window over data in
/// random order), the branch misses cost more than the test itself.
#[inline(always)]
pub(crate) fn in_range(x: i64, lo: i64, hi: i64) -> bool {
    lo <= hi && x.wrapping_sub(lo) as u64 <= hi.wrapping_sub(lo) as u64
}

/// The less common tests, kept out of line so the common ones inline small.
/// (`Test::I64Range` is answered by the callers; the one that reaches here,
/// an empty range, holds for no value: the last arm.)
fn test_other(t: &Test, v: FieldValue<'_>) -> bool {
    match (t, v) {
        (_, FieldValue::Missing) => false,
        (Test::Present, _) => true,
        (Test::StrCmp(op, lit), FieldValue::Str(s)) => op.holds(compare(s, lit)),
        (Test::StrRange(lo, hi), FieldValue::Str(s)) => {
            compare(s, lo).is_ge() && compare(s, hi).is_le()
        }
        (Test::I64In(set), FieldValue::Time(x) | FieldValue::Int(x)) => {
            if set.len() <= 8 {
                set.contains(&x)
            } else {
                set.binary_search(&x).is_ok()
            }
        }
        (Test::F64Range(r), FieldValue::Float(x)) => r.contains(x),
        (Test::F64Range(r), FieldValue::Int(x)) => r.contains(x as f64),
        (Test::F64In(set), FieldValue::Float(x)) => set.contains(&x),
        (Test::F64In(set), FieldValue::Int(x)) => set.contains(&(x as f64)),
        (Test::Bool { t, f }, FieldValue::Bool(b)) => {
            if b {
                *t
            } else {
                *f
            }
        }
        _ => false,
    }
}

/// `s` compared with a literal: numerically when the literal is a decimal
/// number (only set for `numeric_strings` fields) and `s` is one too, else
/// by bytes.
#[inline]
fn compare(s: &str, lit: &Lit) -> std::cmp::Ordering {
    if let Some(ord) = lit.num.as_ref().and_then(|n| n.cmp_text(s)) {
        // Exact decimal order (`schema::decimal`): no rounding, no range.
        return ord;
    }
    s.as_bytes().cmp(lit.text.as_bytes())
}
