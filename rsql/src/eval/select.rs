//! Slice evaluation: [`Filter::select`] and [`Filter::retain`].
//!
//! [`Filter::matches`] interprets the filter once per record: for every
//! record it dispatches on the node kind, the field and the operator. Over a
//! slice, those choices are the same for every record, so these functions
//! make them once per comparison and then run a loop specialised for that
//! comparison over the positions that are still candidates (a *selection
//! vector*): an AND narrows the positions child after child, and only an OR
//! (or a deeper group) falls back to `matches`-style evaluation per record.
//! The result is the same as calling `matches` on every record.

use super::{Record, eval_node, test_other};
use crate::eval::FieldValue;
use crate::filter::{Filter, Node, Pred, Test};

impl Filter {
    /// The positions (ascending) of the records in `records` that match:
    /// the same as keeping every `i` with `self.matches(&records[i])`, but
    /// evaluated one comparison at a time over the surviving positions,
    /// which is faster for scans.
    ///
    /// ```
    /// use rsql::{FieldRef, FieldValue, Record};
    /// struct Row(i64);
    /// impl Record for Row {
    ///     fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Int(self.0) }
    /// }
    /// let schema = rsql::Schema::builder()
    ///     .field(rsql::Field::new("n", rsql::FieldType::Integer))
    ///     .build()?;
    /// let f = schema.compile(&rsql::parse("n=ge=2;n!=3")?)?;
    /// let rows: Vec<Row> = (0..6).map(Row).collect();
    /// assert_eq!(f.select(&rows), [2, 4, 5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn select<R: Record>(&self, records: &[R]) -> Vec<usize> {
        let mut out = Vec::new();
        match &self.root {
            Node::And(children) => {
                let mut it = children.iter();
                if let Some(first) = it.next() {
                    scan(first, records, &mut out);
                }
                for n in it {
                    if out.is_empty() {
                        break;
                    }
                    retain_node(n, records, &mut out);
                }
            }
            other => scan(other, records, &mut out),
        }
        out
    }

    /// Keeps in `positions` only those `i` for which `records[i]` exists and
    /// matches, in their order. For a store that already narrowed the
    /// candidates with an index (a time range, an equality posting list).
    ///
    /// ```
    /// # use rsql::{FieldRef, FieldValue, Record};
    /// # struct Row(i64);
    /// # impl Record for Row {
    /// #     fn get(&self, _field: FieldRef<'_>) -> FieldValue<'_> { FieldValue::Int(self.0) }
    /// # }
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("n", rsql::FieldType::Integer)).build()?;
    /// let f = schema.compile(&rsql::parse("n=ge=2")?)?;
    /// let rows: Vec<Row> = (0..6).map(Row).collect();
    /// let mut positions = vec![5, 1, 3, 99];
    /// f.retain(&rows, &mut positions);
    /// assert_eq!(positions, [5, 3]);
    /// let mut positions = vec![5, 99, 1];
    /// rsql::Filter::match_all(&schema).retain(&rows, &mut positions);
    /// assert_eq!(positions, [5, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retain<R: Record>(&self, records: &[R], positions: &mut Vec<usize>) {
        retain_node(&self.root, records, positions);
    }
}

/// A loop over records, run with a per-record test specialised for one
/// comparison.
trait Kernel<R> {
    fn run<F: Fn(&R) -> bool>(self, test: F);
}

/// Pushes the position of every record that passes.
struct Scan<'a, R> {
    records: &'a [R],
    out: &'a mut Vec<usize>,
}

impl<R> Kernel<R> for Scan<'_, R> {
    // Out of line: each specialised loop gets its own registers.
    #[inline(never)]
    fn run<F: Fn(&R) -> bool>(self, test: F) {
        for (i, r) in self.records.iter().enumerate() {
            if test(r) {
                self.out.push(i);
            }
        }
    }
}

/// Keeps the positions whose record passes.
struct Retain<'a, R> {
    records: &'a [R],
    positions: &'a mut Vec<usize>,
}

impl<R> Kernel<R> for Retain<'_, R> {
    // Out of line: each specialised loop gets its own registers.
    #[inline(never)]
    fn run<F: Fn(&R) -> bool>(self, test: F) {
        let records = self.records;
        self.positions
            .retain(|&i| records.get(i).is_some_and(&test));
    }
}

fn scan<R: Record>(node: &Node, records: &[R], out: &mut Vec<usize>) {
    let k = Scan { records, out };
    match node {
        Node::Pred(p) => dispatch(p, k),
        other => k.run(|r| eval_node(other, r)),
    }
}

fn retain_node<R: Record>(node: &Node, records: &[R], positions: &mut Vec<usize>) {
    match node {
        // Every record matches; positions past the slice still go.
        Node::True => positions.retain(|&i| i < records.len()),
        Node::Pred(p) => dispatch(p, Retain { records, positions }),
        Node::And(children) => {
            for n in children {
                if positions.is_empty() {
                    break;
                }
                retain_node(n, records, positions);
            }
        }
        Node::Or(_) => Retain { records, positions }.run(|r| eval_node(node, r)),
    }
}

/// Runs `k` with a test closure specialised for `p`'s operator.
fn dispatch<R: Record, K: Kernel<R>>(p: &Pred, k: K) {
    let field = p.field_ref();
    if p.strict {
        // Rare (negations on `Missing::MatchesNothing` fields): the generic path.
        return k.run(|r: &R| crate::eval::eval_pred(p, r));
    }
    let (multi, negated) = (p.multi, p.negated);
    // One loop per operator and per field kind, so that neither is
    // decided again for every record.
    macro_rules! run {
        (|$v:ident| $body:expr) => {
            if multi {
                k.run(move |r: &R| r.any(field, |$v| $body) != negated)
            } else {
                k.run(move |r: &R| {
                    let $v = r.get(field);
                    ($body) != negated
                })
            }
        };
    }
    match &p.test {
        Test::StrEq(lit) => run!(|v| matches!(v, FieldValue::Str(s) if lit.matches(s))),
        Test::StrIn(set) => run!(|v| matches!(v, FieldValue::Str(s) if set.contains(s))),
        Test::Pattern(pat) => run!(|v| matches!(v, FieldValue::Str(s) if pat.matches(s))),
        Test::I64Range(lo, hi) if lo <= hi => {
            let (lo, span) = (*lo, hi.wrapping_sub(*lo) as u64);
            run!(|v| match v {
                FieldValue::Time(x) | FieldValue::Int(x) => x.wrapping_sub(lo) as u64 <= span,
                _ => false,
            })
        }
        t => run!(|v| test_other(t, v)),
    }
}
