//! Running a [`Plan`]: candidate rows → window and residual checks → the
//! page. `Select` collects the matches (their number is the total) and picks
//! the first `offset + limit` with `select_nth_unstable_by` (O(n), then a sort
//! of the page only); `Walk` visits an index in sort order, groups of equal
//! keys at a time, and stops as soon as the page is full.

use std::cmp::Ordering;

use rsql::Filter;

use crate::budget::Budget;
use crate::plan::{Access, Order, Plan};
use crate::query::{Page, QuerySpec, Window};
use crate::rows::Row;
use crate::schema::View;
use crate::sort::{Direction, Sort, SortField};
use crate::store::Store;
use crate::view::{ConversationRef, PageRef};

/// Whether `sort` is the default `startTime`, id ascending: the order of the
/// slots in the ordered prefix.
fn is_slot_order(sort: &Sort) -> bool {
    let [first, second] = sort.keys() else {
        return false;
    };
    first.field == SortField::StartTime
        && first.direction == Direction::Asc
        && second.field == SortField::Id
        && second.direction == Direction::Asc
}

/// The matches of a plan.
pub(crate) enum Matches<'s> {
    /// The union of these ascending, pairwise disjoint postings runs.
    Runs(Vec<&'s [u32]>),
    /// The matching slots, in any order.
    Slots(Vec<u32>),
}

/// Slots `offset..offset + limit` of the ascending merge of disjoint
/// ascending `runs`, reading only the first `offset + limit` of them: a
/// k-way merge over a min-heap of the runs' heads, O(k + (offset + limit) ×
/// log k) for k runs, whatever their total length (a wildcard name that
/// matches hundreds of names, each a run, stays cheap for a small page).
fn page_of_runs(runs: &[&[u32]], offset: usize, limit: usize) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    if let [one] = runs {
        let end = offset.saturating_add(limit).min(one.len());
        return one
            .get(offset..end)
            .map(<[u32]>::to_vec)
            .unwrap_or_default();
    }
    let total: usize = runs.iter().map(|r| r.len()).sum();
    let end = offset.saturating_add(limit).min(total);
    let mut page = Vec::with_capacity(end.saturating_sub(offset));
    // (head slot, run, position in the run); runs are disjoint: no ties.
    let mut heads: BinaryHeap<Reverse<(u32, usize, usize)>> = runs
        .iter()
        .enumerate()
        .filter_map(|(k, r)| r.first().map(|&s| Reverse((s, k, 0))))
        .collect();
    for i in 0..end {
        let Some(Reverse((slot, k, at))) = heads.pop() else {
            break;
        };
        if i >= offset {
            page.push(slot);
        }
        if let Some(&next) = runs.get(k).and_then(|r| r.get(at + 1)) {
            heads.push(Reverse((next, k, at + 1)));
        }
    }
    page
}

impl Store {
    /// Whether every stored row lies inside `w` (so it need not be checked).
    pub(crate) fn window_covers_all(&self, w: &Window) -> bool {
        match (self.by_start.first(), self.by_start.last()) {
            (Some(first), Some(last)) => {
                w.start <= first && last.saturating_add(self.max_span) <= w.end
            }
            _ => true,
        }
    }

    /// Rows inside the window (all rows for `None`), in O(log n + rows that
    /// start within `max_span` of the window's end).
    pub(crate) fn window_count(&self, w: Option<&Window>) -> usize {
        let Some(w) = w else { return self.len() };
        if w.start > w.end {
            return 0;
        }
        let starting = self.by_start.rank_after(w.end) - self.by_start.rank(w.start);
        // Rows that start in the window but end after it can only start
        // within `max_span` of its end.
        let tail_lo = w.start.max(w.end.saturating_sub(self.max_span));
        let overrun = self
            .by_start
            .between(tail_lo, w.end)
            .filter(|&(_, slot)| self.row(slot).is_some_and(|r| r.effective_end() > w.end))
            .count();
        starting - overrun
    }

    /// Runs a query; see [`QuerySpec`] for the semantics.
    ///
    /// ```
    /// let store = store::generate::store(42, 1_000);
    /// let spec = store::QuerySpec {
    ///     filter: Some(store::compile_filter("conversation.type==chat")?),
    ///     limit: 3,
    ///     ..Default::default()
    /// };
    /// let page = store.query(&spec)?;
    /// assert!(page.total > 0 && page.items.len() == 3);
    /// assert!(page.items.iter().all(|c| c.kind == "chat"));
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn query(&self, spec: &QuerySpec) -> Result<Page, crate::StoreError> {
        Ok(self.query_ref(spec)?.to_owned())
    }

    /// Like [`Store::query`], but the page borrows the store: no string is
    /// copied, and the items serialise to the same JSON.
    ///
    /// ```
    /// let store = store::generate::store(42, 1_000);
    /// let spec = store::QuerySpec { filter: Some(store::compile_filter("conversation.type==call")?), ..Default::default() };
    /// let page = store.query_ref(&spec)?;
    /// assert!(page.items.iter().all(|c| c.kind() == "call"));
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn query_ref(&self, spec: &QuerySpec) -> Result<PageRef<'_>, crate::StoreError> {
        self.query_ref_until(spec, None)
    }

    /// [`Store::query_ref`] that gives up at `deadline`: the rows and values
    /// it visits (a scan's rows, a dictionary's values, a sort key's index)
    /// are counted, and the clock is read at the first visit and every
    /// 1 024 after it. Past the deadline the query stops and answers
    /// [`StoreError::TimedOut`](crate::StoreError::TimedOut). A query that
    /// visits nothing (answered from an index alone) never reads the clock;
    /// sorting the matches, done once they are all found, is not counted.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let store = store::generate::store(42, 5_000);
    /// // `members.name` is tested once per person, then every row of the
    /// // window by its members.
    /// let spec = store::QuerySpec {
    ///     filter: Some(store::compile_filter("members.name==*a*e*")?),
    ///     ..Default::default()
    /// };
    /// let soon = Instant::now() + Duration::from_secs(60);
    /// assert!(store.query_ref_until(&spec, Some(soon))?.total > 0);
    /// let past = Instant::now();
    /// assert!(matches!(
    ///     store.query_ref_until(&spec, Some(past)),
    ///     Err(store::StoreError::TimedOut)
    /// ));
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn query_ref_until(
        &self,
        spec: &QuerySpec,
        deadline: Option<std::time::Instant>,
    ) -> Result<PageRef<'_>, crate::StoreError> {
        let (slots, total) = self.select(spec, deadline)?;
        let items = slots
            .iter()
            .filter_map(|&s| {
                self.row(s)
                    .map(|row| ConversationRef::new(&self.strings, &self.people, row))
            })
            .collect();
        Ok(PageRef { items, total })
    }

    /// The plan [`Store::query`] would run, as text: the access path and its
    /// candidate count, the residual filter, the window check and the order.
    ///
    /// ```
    /// let store = store::generate::store(42, 1_000);
    /// let spec = store::QuerySpec {
    ///     filter: Some(store::compile_filter("members.email==charles.miller1@initech.net")?),
    ///     ..Default::default()
    /// };
    /// let text = store.explain(&spec);
    /// assert!(text.starts_with("access: postings members.email in 1 value(s)"));
    /// assert!(text.contains("residual: none"));
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn explain(&self, spec: &QuerySpec) -> String {
        let plan = crate::plan::plan(self, spec, &Budget::unlimited());
        crate::plan::explain(&plan, spec)
    }

    /// The slots of the page and the total, within `deadline`.
    pub(crate) fn select(
        &self,
        spec: &QuerySpec,
        deadline: Option<std::time::Instant>,
    ) -> Result<(Vec<u32>, usize), crate::StoreError> {
        if let Some(f) = &spec.filter
            && !same_schema(f.schema(), crate::schema::schema())
        {
            return Err(crate::StoreError::ForeignSchema);
        }
        let budget = Budget::until(deadline);
        let plan = crate::plan::plan(self, spec, &budget);
        let found = self.run(&plan, spec, &budget);
        if budget.is_spent() {
            return Err(crate::StoreError::TimedOut);
        }
        Ok(found)
    }

    /// The slots of the page and the total.
    fn run(&self, plan: &Plan<'_>, spec: &QuerySpec, budget: &Budget) -> (Vec<u32>, usize) {
        let slots = match plan.order {
            Order::Walk(field) => {
                let total = self.window_count(plan.window.as_ref());
                let items = self.walk(
                    field,
                    plan.window.as_ref(),
                    &spec.sort,
                    (spec.offset, spec.limit),
                    budget,
                );
                return (items, total);
            }
            Order::Select => match self.matches(plan, budget) {
                Matches::Runs(runs) if self.runs_in_sort_order(&runs, &spec.sort) => {
                    // Disjoint runs in the requested order: the total is
                    // their length, and only the page's slots are merged.
                    let total = runs.iter().map(|r| r.len()).sum();
                    return (page_of_runs(&runs, spec.offset, spec.limit), total);
                }
                // Runs past the ordered prefix: in the default order their
                // sorted union may still be a slice of the page.
                Matches::Runs(runs) if is_slot_order(&spec.sort) => crate::plan::union(runs),
                // Disjoint: any order will do for `select_page`.
                Matches::Runs(runs) => runs.concat(),
                Matches::Slots(slots) => slots,
            },
        };
        let total = slots.len();
        let page = if self.slot_order_is_sort_order(&slots, &spec.sort) {
            // Rows are stored in the requested order: the page is a slice.
            let end = spec.offset.saturating_add(spec.limit).min(slots.len());
            slots
                .get(spec.offset..end)
                .map(<[u32]>::to_vec)
                .unwrap_or_default()
        } else {
            select_page(self, slots, &spec.sort, spec.offset, spec.limit)
        };
        (page, total)
    }

    /// Whether `slots` (the matches) are already in `sort` order: the default
    /// `startTime`, id ascending, ascending slots, all in the ordered prefix.
    fn slot_order_is_sort_order(&self, slots: &[u32], sort: &Sort) -> bool {
        is_slot_order(sort)
            && slots.last().is_none_or(|&last| last < self.ordered_upto)
            && slots.is_sorted()
    }

    /// Whether disjoint ascending `runs` merge into `sort` order (see
    /// [`Store::slot_order_is_sort_order`]).
    fn runs_in_sort_order(&self, runs: &[&[u32]], sort: &Sort) -> bool {
        is_slot_order(sort)
            && runs
                .iter()
                .all(|r| r.last().is_none_or(|&last| last < self.ordered_upto))
    }

    /// Every candidate that passes the window and the residual.
    fn matches<'s>(&'s self, plan: &'s Plan<'s>, budget: &Budget) -> Matches<'s> {
        let window = plan.window;
        let residual = plan.residual.as_ref();
        let sym_tests = plan.sym_tests.as_slice();
        let person_tests = plan.person_tests.as_slice();
        let keep = |_slot: u32, row: &Row| -> bool {
            budget.visit()
                && window.is_none_or(|w| row.start >= w.start && row.effective_end() <= w.end)
                && sym_tests.iter().all(|t| t.matches(row))
                && person_tests.iter().all(|t| t.matches(row))
                && residual.is_none_or(|f: &Filter| f.matches(&View { store: self, row }))
        };
        let passes = |slot: u32| self.row(slot).is_some_and(|row| keep(slot, row));
        if window.is_none() && residual.is_none() && sym_tests.is_empty() && person_tests.is_empty()
        {
            // Every candidate matches; postings and the time index hold live slots only.
            match &plan.access {
                Access::Postings {
                    lists,
                    disjoint: true,
                    ..
                } => return Matches::Runs(lists.clone()),
                Access::Postings { lists, .. } => {
                    return Matches::Slots(crate::plan::union(lists.clone()));
                }
                Access::Kept { slots, .. } => return Matches::Runs(vec![&slots[..]]),
                Access::Time { lo, hi } => {
                    return Matches::Slots(
                        self.by_start.between(*lo, *hi).map(|(_, s)| s).collect(),
                    );
                }
                _ => {}
            }
        }
        if let (Access::Time { lo, hi }, [first, rest @ ..]) = (&plan.access, sym_tests)
            && let Some((s0, s1)) = self.contiguous_slots(*lo, *hi)
        {
            // The range is the run of slots `s0..=s1`: the first symbol
            // test's postings inside it are its matches, found by binary
            // search without reading a row.
            let within = |p: &'s [u32]| -> &'s [u32] {
                let a = p.partition_point(|&s| s < s0);
                let b = p.partition_point(|&s| s <= s1);
                p.get(a..b).unwrap_or_default()
            };
            let runs: Vec<&[u32]> = first
                .postings(self)
                .into_iter()
                .map(within)
                .filter(|r| !r.is_empty())
                .collect();
            if window.is_none() && residual.is_none() && rest.is_empty() && person_tests.is_empty()
            {
                return Matches::Runs(runs);
            }
            return Matches::Slots(
                crate::plan::union(runs)
                    .into_iter()
                    .filter(|&slot| passes(slot))
                    .collect(),
            );
        }
        let out = match &plan.access {
            Access::Empty(_) => Vec::new(),
            Access::Full => self
                .rows
                .iter()
                .enumerate()
                .filter(|(i, row)| row.as_ref().is_some_and(|row| keep(*i as u32, row)))
                .map(|(i, _)| i as u32)
                .collect(),
            Access::Time { lo, hi } => self
                .by_start
                .between(*lo, *hi)
                .map(|(_, slot)| slot)
                .filter(|&slot| passes(slot))
                .collect(),
            Access::Kept { slots, .. } => {
                slots.iter().copied().filter(|&slot| passes(slot)).collect()
            }
            Access::Postings { lists, .. } => crate::plan::union(lists.clone())
                .into_iter()
                .filter(|&slot| passes(slot))
                .collect(),
        };
        Matches::Slots(out)
    }

    /// `(s0, s1)` when the rows with `startTime` in `lo..=hi` are exactly the
    /// live slots in `s0..=s1`: every row is in the ordered prefix, where
    /// slot order is the time index's (`startTime`, id) order. Else `None`.
    fn contiguous_slots(&self, lo: i64, hi: i64) -> Option<(u32, u32)> {
        if (self.ordered_upto as usize) < self.rows.len() {
            return None;
        }
        let mut range = self
            .by_start
            .range(self.by_start.rank(lo), self.by_start.rank_after(hi));
        let (_, s0) = range.next()?;
        let (_, s1) = range.next_back().unwrap_or((0, s0));
        // Every live slot between the first and the last entry starts inside
        // the range; deleted slots are in no postings.
        (s0 <= s1).then_some((s0, s1))
    }

    /// Walks the index of `field` in sort order, keeping rows in the window,
    /// and returns the slots of the page.
    fn walk(
        &self,
        field: SortField,
        window: Option<&Window>,
        sort: &Sort,
        (offset, limit): (usize, usize),
        budget: &Budget,
    ) -> Vec<u32> {
        let mut page = PageBuilder {
            store: self,
            sort,
            skip: offset,
            limit,
            out: Vec::with_capacity(limit),
        };
        if limit == 0 {
            return page.out;
        }
        let dir = sort.keys().first().map_or(Direction::Asc, |k| k.direction);
        let in_window = |slot: u32| {
            budget.visit()
                && self.row(slot).is_some_and(|r| {
                    window.is_none_or(|w| r.start >= w.start && r.effective_end() <= w.end)
                })
        };
        let (lo, hi) = window.map_or((i64::MIN, i64::MAX), |w| (w.start, w.end));
        match field {
            SortField::StartTime => {
                let range = self.by_start.between(lo, hi);
                let groups: Box<dyn Iterator<Item = (i64, u32)>> = if dir == Direction::Asc {
                    Box::new(range)
                } else {
                    Box::new(range.rev())
                };
                page.feed_runs(groups, in_window);
            }
            SortField::EndTime => {
                let ends = self.by_end.range(0, self.by_end.rank_after(hi));
                let running = || {
                    let mut g: Vec<u32> = self
                        .running
                        .iter()
                        .copied()
                        .filter(|&s| in_window(s))
                        .collect();
                    g.sort_unstable();
                    g
                };
                if dir == Direction::Asc {
                    if !page.feed_runs(Box::new(ends), in_window) {
                        page.take_group(running());
                    }
                } else if !page.take_group(running()) {
                    page.feed_runs(Box::new(ends.rev()), in_window);
                }
            }
            SortField::Name | SortField::Type => {
                let groups: Box<dyn Iterator<Item = &crate::index::Postings>> = match (field, dir) {
                    (SortField::Name, Direction::Asc) => Box::new(
                        self.name_order
                            .values()
                            .filter_map(|sym| self.by_name.get(sym)),
                    ),
                    (SortField::Name, Direction::Desc) => Box::new(
                        self.name_order
                            .values()
                            .rev()
                            .filter_map(|sym| self.by_name.get(sym)),
                    ),
                    (_, Direction::Asc) => Box::new(self.by_type.values()),
                    (_, Direction::Desc) => Box::new(self.by_type.values().rev()),
                };
                for postings in groups {
                    let slots = postings.as_slice();
                    // Without a window every posting is a row of the page
                    // stream: whole groups are skipped without touching rows.
                    if window.is_none() && page.skip >= slots.len() {
                        page.skip -= slots.len();
                        continue;
                    }
                    let g: Vec<u32> = slots.iter().copied().filter(|&s| in_window(s)).collect();
                    if page.take_group(g) {
                        break;
                    }
                }
            }
            SortField::Id => {
                let ids: Box<dyn Iterator<Item = &u32>> = if dir == Direction::Asc {
                    Box::new(self.by_id.values())
                } else {
                    Box::new(self.by_id.values().rev())
                };
                for &slot in ids {
                    if in_window(slot) && page.take_group(vec![slot]) {
                        break;
                    }
                }
            }
        }
        page.out
    }
}

/// Whether two schemas declare the same fields in the same order with the
/// same types and evaluation rules (a filter refers to fields by position and
/// holds values of its schema's types): the store's own schema, or one built
/// apart from the same declarations.
pub(crate) fn same_schema(a: &rsql::Schema, b: &rsql::Schema) -> bool {
    fn shape(f: &rsql::Field) -> (&str, &rsql::FieldType, bool, bool, bool, rsql::Missing) {
        (
            f.name(),
            f.field_type(),
            f.is_multi_valued(),
            f.is_dynamic(),
            f.has_numeric_strings(),
            f.missing(),
        )
    }
    rsql::Schema::ptr_eq(a, b)
        || a.fields()
            .map(|(_, f)| shape(f))
            .eq(b.fields().map(|(_, f)| shape(f)))
}

/// Collects a page from groups of rows that tie on the first sort key.
struct PageBuilder<'a> {
    store: &'a Store,
    sort: &'a Sort,
    skip: usize,
    limit: usize,
    out: Vec<u32>,
}

impl PageBuilder<'_> {
    /// Adds one group (rows equal on the first key); true when the page is full.
    fn take_group(&mut self, mut group: Vec<u32>) -> bool {
        if self.out.len() >= self.limit {
            return true;
        }
        if self.skip >= group.len() {
            self.skip -= group.len();
            return false;
        }
        let need = self.skip + (self.limit - self.out.len());
        let top = select_page(
            self.store,
            std::mem::take(&mut group),
            self.sort,
            self.skip,
            need - self.skip,
        );
        self.skip = 0;
        self.out.extend(top);
        self.out.len() >= self.limit
    }

    /// Feeds `(time, slot)` entries already in key order, grouping equal times;
    /// true when the page is full.
    fn feed_runs(
        &mut self,
        entries: Box<dyn Iterator<Item = (i64, u32)> + '_>,
        keep: impl Fn(u32) -> bool,
    ) -> bool {
        let mut group: Vec<u32> = Vec::new();
        let mut key = None;
        for (t, slot) in entries {
            if key != Some(t) {
                if !group.is_empty() && self.take_group(std::mem::take(&mut group)) {
                    return true;
                }
                key = Some(t);
            }
            if keep(slot) {
                group.push(slot);
            }
        }
        !group.is_empty() && self.take_group(group)
    }
}

/// Rows `offset..offset + limit` of `slots` in `sort` order.
fn select_page(
    store: &Store,
    mut slots: Vec<u32>,
    sort: &Sort,
    offset: usize,
    limit: usize,
) -> Vec<u32> {
    let end = offset.saturating_add(limit).min(slots.len());
    if offset >= end {
        return Vec::new();
    }
    let cmp = |a: &u32, b: &u32| -> Ordering {
        match (store.row(*a), store.row(*b)) {
            (Some(ra), Some(rb)) => compare_rows(store, sort, ra, rb),
            _ => a.cmp(b),
        }
    };
    if end < slots.len() {
        slots.select_nth_unstable_by(end - 1, cmp);
        slots.truncate(end);
    }
    slots.sort_unstable_by(cmp);
    slots.drain(..offset);
    slots
}

/// Full comparison with a fast path for the default `startTime` order.
#[inline]
fn compare_rows(store: &Store, sort: &Sort, a: &Row, b: &Row) -> Ordering {
    if let Some(first) = sort.keys().first()
        && first.field == SortField::StartTime
    {
        let ord = a.start.cmp(&b.start);
        let ord = if first.direction == Direction::Desc {
            ord.reverse()
        } else {
            ord
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    sort.compare(store, a, b)
}

#[cfg(test)]
mod tests {
    use crate::generate::conversation;
    use crate::{Conversation, Store, Window};

    fn at(id: &str, start: i64, end: Option<i64>) -> Conversation {
        Conversation {
            id: id.to_owned(),
            start_time: start,
            end_time: end,
            ..conversation(1, 0)
        }
    }

    /// `window_count` (the total of a walked page) against the rows'
    /// own test: inside when it starts at or after the window's start and
    /// ends (or starts, when running) at or before its end.
    #[test]
    fn window_count_counts_the_rows_inside_the_window() {
        let mut s = Store::new();
        let rows = [
            at("a", 1_000, Some(1_000)), // zero length
            at("b", 1_000, Some(2_000)), // ends exactly at 2 000
            at("c", 1_500, Some(2_001)), // ends just after
            at("d", 2_000, None),        // running, starts at 2 000
            at("e", 3_000, Some(4_000)),
        ];
        s.extend(rows.iter().cloned()).unwrap();
        let count = |start, end| s.window_count(Some(&Window { start, end }));
        let naive = |start: i64, end: i64| {
            rows.iter()
                .filter(|r| r.start_time >= start && r.end_time.unwrap_or(r.start_time) <= end)
                .count()
        };
        for (start, end) in [
            (1_000, 1_000),
            (1_000, 2_000),
            (1_000, 2_001),
            (0, 5_000),
            (1_001, 2_000),
            (2_000, 2_000),
            (2_001, 1_000),
            (1_000, 999),
        ] {
            assert_eq!(count(start, end), naive(start, end), "[{start}, {end}]");
        }
        assert_eq!(s.window_count(None), rows.len());
    }

    /// A query past its deadline answers `TimedOut` on every path that
    /// visits rows or values, and leaves nothing behind: the pattern cache
    /// keeps no partial list, and the same query without a deadline gets
    /// the whole answer.
    #[test]
    fn a_query_past_its_deadline_times_out_and_keeps_nothing() {
        let reference = crate::generate::store(3, 6_000);
        let spec = |filter: Option<&str>, sort: &str| crate::QuerySpec {
            filter: filter.map(|f| crate::compile_filter(f).unwrap()),
            sort: if sort.is_empty() {
                crate::sort::Sort::default()
            } else {
                crate::sort::Sort::parse(sort, crate::sort::Direction::Asc).unwrap()
            },
            ..Default::default()
        };
        let past = Some(std::time::Instant::now());
        for q in [
            // A scan of every row (a member field has no dictionary).
            spec(Some("members.name==*a*e*"), ""),
            // The name dictionary, and the pattern cache it would fill.
            spec(Some("conversation.name==*o*"), ""),
            // The trigram index's candidates.
            spec(Some("conversation.name==*Brainstorm*"), ""),
            // A walk of the id index.
            spec(None, "conversation.id"),
        ] {
            let label = format!("{:?}", q.filter.as_ref().map(|f| f.to_string()));
            let s = crate::generate::store(3, 6_000);
            assert!(
                matches!(
                    s.query_ref_until(&q, past),
                    Err(crate::StoreError::TimedOut)
                ),
                "{label}"
            );
            assert!(
                matches!(
                    s.query_handles_until(&q, past),
                    Err(crate::StoreError::TimedOut)
                ),
                "{label}"
            );
            let full = reference.query(&q).unwrap();
            assert!(full.total > 0, "{label}");
            assert_eq!(s.query(&q).unwrap(), full, "{label}");
        }
    }
}
