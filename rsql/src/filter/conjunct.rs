//! [`Conjunct`]: one top-level AND child of a [`Filter`], borrowed.

use std::fmt;

use super::{Filter, Node, Test, node_as_range, node_as_values, node_eq_values, node_fields};
use crate::schema::{FieldId, FieldRef};

/// One top-level AND child of a [`Filter`], borrowed from it: what a query
/// planner inspects, once per query, without copying the filter.
///
/// [`Filter::conjunct_refs`] lists them. Each question answers as the
/// same method of [`Filter`] would on the standalone filter
/// [`Conjunct::to_filter`] builds, and [`Filter::residual_by`] keeps the ones
/// an index did not answer.
///
/// ```
/// let schema = rsql::Schema::builder()
///     .field(rsql::Field::new("t", rsql::FieldType::Integer))
///     .field(rsql::Field::new("s", rsql::FieldType::String))
///     .build()?;
/// let (t, s) = (schema.field_id("t").unwrap(), schema.resolve("s").unwrap());
/// let f = schema.compile(&rsql::parse("t=ge=5;s=in=(x,y);(s==z,t==1)")?)?;
/// let parts = f.conjunct_refs();
/// assert_eq!(parts.len(), 3);
/// assert_eq!(parts[0].as_range(t), Some((5, i64::MAX)));
/// assert_eq!(parts[1].as_values(s), Some(vec!["x", "y"]));
/// assert_eq!(parts[2].to_string(), "s==z,t==1");
/// // Keep what an index on `t` does not answer.
/// let rest = f.residual_by(|c| c.as_range(t).is_some());
/// assert_eq!(rest.to_string(), "s=in=(x,y);(s==z,t==1)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct Conjunct<'f> {
    filter: &'f Filter,
    node: &'f Node,
    index: usize,
}

impl<'f> Conjunct<'f> {
    pub(super) fn new(filter: &'f Filter, node: &'f Node, index: usize) -> Conjunct<'f> {
        Conjunct {
            filter,
            node,
            index,
        }
    }

    /// The part of the filter tree it borrows (for the evaluator's
    /// `Conjunct::matches`).
    pub(crate) fn node(&self) -> &'f Node {
        self.node
    }

    /// Its position among the filter's conjuncts (0-based).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("a", rsql::FieldType::String)).build()?;
    /// let f = schema.compile(&rsql::parse("a==x;a!=y")?)?;
    /// let at: Vec<usize> = f.conjunct_refs().iter().map(|c| c.index()).collect();
    /// assert_eq!(at, [0, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// [`Filter::as_range`] of this conjunct alone.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("t", rsql::FieldType::Integer)).build()?;
    /// let t = schema.field_id("t").unwrap();
    /// let f = schema.compile(&rsql::parse("t=lt=10;t!=3")?)?;
    /// let ranges: Vec<_> = f.conjunct_refs().iter().map(|c| c.as_range(t)).collect();
    /// assert_eq!(ranges, [Some((i64::MIN, 9)), None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_range(&self, field: FieldId) -> Option<(i64, i64)> {
        node_as_range(self.node, field)
    }

    /// [`Filter::as_values`] of this conjunct alone.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("s", rsql::FieldType::String)).build()?;
    /// let s = schema.resolve("s").unwrap();
    /// let f = schema.compile(&rsql::parse("s==a*;s=in=(b,c)")?)?;
    /// let values: Vec<_> = f.conjunct_refs().iter().map(|c| c.as_values(s)).collect();
    /// assert_eq!(values, [None, Some(vec!["b", "c"])]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_values(&self, field: FieldRef<'_>) -> Option<Vec<&'f str>> {
        node_as_values(self.node, field)
    }

    /// [`Filter::eq_values`] of this conjunct alone.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("s", rsql::FieldType::String)).build()?;
    /// let s = schema.resolve("s").unwrap();
    /// let f = schema.compile(&rsql::parse("(s==a,s==b);s!=c")?)?;
    /// let values: Vec<_> = f.conjunct_refs().iter().map(|c| c.eq_values(s)).collect();
    /// assert_eq!(values, [Some(vec!["a", "b"]), None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn eq_values(&self, field: FieldRef<'_>) -> Option<Vec<&'f str>> {
        node_eq_values(self.node, field)
    }

    /// The literal segments of a case-sensitive wildcard test on `field`
    /// (`field==a*b*c`, `field=like=x`), split at the wildcards: `*x*` gives
    /// `["", "x", ""]`, `x*` gives `["x", ""]`. `None` for any other
    /// conjunct: a negation, a case-insensitive pattern, another test or
    /// field. An index answers the conjunct exactly with the values that
    /// start with the first segment, end with the last and hold the middle
    /// ones in order, without overlaps.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("s", rsql::FieldType::String)).build()?;
    /// let s = schema.resolve("s").unwrap();
    /// let f = schema.compile(&rsql::parse("s==*Brain*storm;s==x*;s!=a*;s==b")?)?;
    /// let got: Vec<_> = f.conjunct_refs().iter().map(|c| c.as_pattern(s)).collect();
    /// assert_eq!(got, [Some(vec!["", "Brain", "storm"]), Some(vec!["x", ""]), None, None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_pattern(&self, field: FieldRef<'_>) -> Option<Vec<&'f str>> {
        match self.node {
            Node::Pred(p) if p.field_ref() == field && !p.negated => match &p.test {
                Test::Pattern(pat) if !pat.is_case_insensitive() => {
                    Some(pat.segments().iter().map(|s| &**s).collect())
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// [`Filter::fields`] of this conjunct alone.
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("a", rsql::FieldType::String))
    /// #     .field(rsql::Field::new("b", rsql::FieldType::String)).build()?;
    /// let f = schema.compile(&rsql::parse("a==x;(b==y,a==z)")?)?;
    /// let counts: Vec<usize> = f.conjunct_refs().iter().map(|c| c.fields().len()).collect();
    /// assert_eq!(counts, [1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fields(&self) -> Vec<FieldRef<'f>> {
        node_fields(self.node)
    }

    /// This conjunct as a standalone filter (a copy).
    ///
    /// ```
    /// # let schema = rsql::Schema::builder().field(rsql::Field::new("a", rsql::FieldType::String)).build()?;
    /// let f = schema.compile(&rsql::parse("a==x;a!=y")?)?;
    /// let second = f.conjunct_refs()[1].to_filter();
    /// assert_eq!(second.to_string(), "a!=y");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_filter(&self) -> Filter {
        Filter::new(self.filter.schema.clone(), self.node.clone())
    }
}

impl fmt::Display for Conjunct<'_> {
    /// The conjunct's canonical RSQL, as [`Conjunct::to_filter`] prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::display::write_node(
            f,
            &self.filter.schema,
            self.node,
            super::display::Parent::Root,
        )
    }
}

impl fmt::Debug for Conjunct<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conjunct")
            .field("index", &self.index)
            .field("rsql", &self.to_string())
            .finish()
    }
}
