//! [`Head`]: the cheapest top-level conjunct of a filter, chosen once when
//! the filter is built, so that [`Filter::matches`](crate::Filter::matches)
//! tests it inline, with no dispatch on the tree, before it walks the rest.
//!
//! Most filters are a conjunction whose cheapest part rejects most records:
//! a time window, an equality on a code, an `=in=` list of ids. Checking that
//! part first, with code that only knows three tests, keeps the per-record
//! path as short as a hand-written closure's; the tree is walked (out of
//! line) only for the records the head accepts. When the head is the whole
//! filter, the tree is not walked at all.
//!
//! The filter chooses and keeps the head (this module); the evaluator runs
//! it (`Head::holds` in [`crate::eval`]).

use super::{Needle, Node, Pred, StrSet, Test};
use crate::schema::FieldId;

/// A positive predicate on one field that every matching record satisfies.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    pub(crate) field: FieldId,
    pub(crate) key: Option<Box<str>>,
    pub(crate) multi: bool,
    pub(crate) test: HeadTest,
    /// The head is the whole filter: accepting it accepts the record.
    pub(crate) exact: bool,
}

/// The three tests a head can be: the ones that reject most records for
/// the least work.
#[derive(Clone, Debug)]
pub(crate) enum HeadTest {
    /// An inclusive `i64` range on a timestamp or integer field.
    Range(i64, i64),
    /// String equality.
    Eq(Needle),
    /// String membership (`=in=`).
    In(StrSet),
}

impl Head {
    /// The head of `root`: among its top-level conjuncts that are a
    /// positive range, equality or `=in=` test, the cheapest to check
    /// (single-valued before multi-valued, plain fields before dynamic
    /// keys, ranges before string tests). `None` when there is none.
    pub(crate) fn of(root: &Node) -> Option<Head> {
        let (children, exact) = match root {
            Node::And(c) => (c.as_slice(), false),
            Node::Pred(_) => (std::slice::from_ref(root), true),
            Node::True | Node::Or(_) => return None,
        };
        children
            .iter()
            .filter_map(|n| match n {
                Node::Pred(p) if !p.negated => candidate(p),
                _ => None,
            })
            .min_by_key(|(cost, _, _)| *cost)
            .map(|(_, p, test)| Head {
                field: p.field,
                key: p.key.clone(),
                multi: p.multi,
                exact,
                test,
            })
    }
}

/// `p` as a head test with its relative cost per record, `None` when it is
/// not a head candidate.
fn candidate(p: &Pred) -> Option<(u8, &Pred, HeadTest)> {
    let (cost, test) = match &p.test {
        Test::I64Range(lo, hi) => (0, HeadTest::Range(*lo, *hi)),
        Test::StrEq(n) => (1, HeadTest::Eq(n.clone())),
        Test::StrIn(s) => (2, HeadTest::In(s.clone())),
        _ => return None,
    };
    let cost = cost + 3 * u8::from(p.key.is_some()) + 6 * u8::from(p.multi);
    Some((cost, p, test))
}
