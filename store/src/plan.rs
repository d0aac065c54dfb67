//! The planner: picks the cheapest access path for a query and leaves the
//! rest of the filter as a residual [`Filter`].
//!
//! Access paths, each with an exact or cheaply known candidate count:
//!
//! | path | used for | cost |
//! |---|---|---|
//! | time range | `startTime` bounds from the window and from [`Filter::time_bounds`] | two binary searches, then the rows in range |
//! | postings | `==` / `=in=` on `id`, `type`, `name`, a metadata key, `members.id`, `members.email` ([`Filter::eq_values`]) | the postings lengths |
//! | trigrams | a case-sensitive wildcard `==` on `name` with a literal run of 3 bytes or an anchored end (`ngram.rs`): the names holding every trigram of the pattern, each tested once | the shortest trigram list, then the matches |
//! | dictionary | any single-field test on `name`, `type` or a metadata key (wildcards, ranges), or a positive case-sensitive wildcard on `members.id` / `members.email`: the test runs once per distinct value | distinct values + matches |
//! | kept rows | a wildcard `==` on `name` whose rows the pattern cache holds (`pattern_cache.rs`); a trigram or dictionary answer spanning at least 16 names is merged once and kept there | the matches |
//! | full scan | anything else | every row |
//!
//! A path that visits rows (time range, full scan) tests `==` / `=in=` on
//! `type` or a metadata key by symbol ([`SymTest`]), and a positive wildcard
//! or `==` / `=in=` on a member field once per person ([`PersonTest`]),
//! before the residual.
//!
//! A conjunct that the chosen path answers exactly is dropped from the
//! residual (checked on the borrowed conjunct itself, [`rsql::Conjunct::as_range`] and
//! [`rsql::Conjunct::as_values`]; the planner copies no part of the filter but
//! the residual it keeps).
//! Without a filter, when the first sort key has an index and the page is
//! small compared with the window, the plan walks that index in order and
//! stops after `offset + limit` rows: no sort at all.

use std::fmt::Write as _;
use std::sync::Arc;

use rsql::{Conjunct, FieldId, FieldRef, Filter};

use crate::budget::Budget;
use crate::index::Postings;
use crate::intern::{FastMap, NO_SYM, Sym};
use crate::ngram::NgramIndex;
use crate::pattern_cache::MIN_LISTS;
use crate::query::{QuerySpec, Window};
use crate::rows::Row;
use crate::schema::{
    self, ID, MEMBER_EMAIL, MEMBER_ID, MEMBER_NAME, METADATA, NAME, Probe, START_TIME, TYPE,
};
use crate::sort::SortField;
use crate::store::Store;
use crate::time::format_ms;

/// Where candidate rows come from.
#[derive(Clone, Debug)]
pub(crate) enum Access<'s> {
    /// No row can match.
    Empty(&'static str),
    /// Every row.
    Full,
    /// Rows with `startTime` in `lo..=hi`.
    Time { lo: i64, hi: i64 },
    /// The union of these postings lists (each ascending, none empty), from
    /// the values of one field. They are not merged here: when `disjoint`
    /// (a single-valued field, so no slot is in two lists) and nothing else
    /// is checked, the total is the sum of their lengths and only the page's
    /// slots are merged (see `Store::run`).
    Postings {
        how: How,
        lists: Vec<&'s [u32]>,
        disjoint: bool,
    },
    /// The ascending slots of the rows that match the wildcard name
    /// pattern of conjunct `conjunct`, from the pattern cache
    /// (`pattern_cache.rs`); `merged` is how they were found when this
    /// query merged and kept them (`None`: they were kept already).
    Kept {
        conjunct: usize,
        slots: Arc<[u32]>,
        merged: Option<How>,
    },
}

/// Which index produced an [`Access::Postings`], kept as numbers so that the
/// `explain()` text is only built when asked for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum How {
    /// The postings of `values` values of the field of conjunct `conjunct`.
    Postings { conjunct: usize, values: usize },
    /// A scan of the `distinct` values of the field of conjunct `conjunct`.
    Dictionary { conjunct: usize, distinct: usize },
    /// The trigram index of the field of conjunct `conjunct` (a wildcard
    /// pattern): `grams` distinct grams, whose lists' intersection held
    /// `candidates` values, `matched` of which the pattern matches.
    Ngram {
        conjunct: usize,
        grams: usize,
        candidates: usize,
        matched: usize,
    },
}

/// The single-valued field a [`SymTest`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SymField {
    /// `conversation.type`.
    Type,
    /// `conversation.metadata.<key>`; `None` when no row has the key.
    Meta(Option<Sym>),
}

/// An `==` / `=in=` conjunct on a single-valued interned field, tested on a
/// row by comparing symbols instead of strings through [`rsql::Record`].
#[derive(Clone, Debug)]
pub(crate) struct SymTest {
    pub(crate) field: SymField,
    /// The symbols of the values that are interned (a value that is not
    /// interned is held by no row).
    pub(crate) syms: Vec<Sym>,
}

impl SymTest {
    /// Whether `row` holds one of the values.
    #[inline]
    pub(crate) fn matches(&self, row: &Row) -> bool {
        let v = match self.field {
            SymField::Type => Some(row.kind),
            SymField::Meta(Some(key)) => row.meta(key),
            SymField::Meta(None) => None,
        };
        v.is_some_and(|v| self.syms.contains(&v))
    }

    /// The postings of the values, each ascending and none empty; disjoint,
    /// as the field is single-valued.
    pub(crate) fn postings<'s>(&self, store: &'s Store) -> Vec<&'s [u32]> {
        let list = |sym: Sym| -> Option<&'s [u32]> {
            let p = match self.field {
                SymField::Type => store.by_type.get(store.strings.get(sym)),
                SymField::Meta(Some(key)) => store.by_meta.get(&key).and_then(|m| m.get(&sym)),
                SymField::Meta(None) => None,
            };
            p.map(|p| p.as_slice())
        };
        distinct_lists(self.syms.iter().filter_map(|&s| list(s)).collect())
    }
}

/// A positive, case-sensitive wildcard or an exact `==` / `=in=` on a member
/// field (`members.name==*Smith*`, `members.name=in=(Ana,Bo)`), tested once
/// per person instead of on every member of every row a scan visits: the
/// people whose value matches, by number. A row matches when
/// one of its members is among them, which is what the conjunct means on a
/// multi-valued field.
#[derive(Clone, Debug)]
pub(crate) struct PersonTest {
    /// The conjunct it answers (for `explain()`).
    conjunct: usize,
    /// Whether each person number's value matches (`false` for a free number).
    matching: Vec<bool>,
    /// People held (numbers in use), for `explain()`.
    held: usize,
}

impl PersonTest {
    /// Whether one of `row`'s members matches.
    #[inline]
    pub(crate) fn matches(&self, row: &Row) -> bool {
        row.members()
            .iter()
            .any(|&p| self.matching.get(p as usize).copied().unwrap_or(false))
    }
}

/// Whether the single-field conjunct `c` holds for a record whose `field`
/// holds `value` (or nothing): a dictionary's or a person's value tested once.
fn holds_for(c: Conjunct<'_>, field: FieldId, value: Option<&str>) -> bool {
    c.matches(&Probe { field, value })
}

/// The [`PersonTest`] of conjunct `c` on member field `field`: `None` unless
/// `c` is a positive case-sensitive pattern or an exact `==` / `=in=` (a
/// conversation matches when one of its members does; a negation asks about
/// every member), and a member without the value does not match it.
fn person_test(
    store: &Store,
    field: FieldRef<'_>,
    c: Conjunct<'_>,
    budget: &Budget,
) -> Option<PersonTest> {
    if !matches!(field.id, MEMBER_ID | MEMBER_NAME | MEMBER_EMAIL) {
        return None;
    }
    if c.as_pattern(field).is_none() && c.as_values(field).is_none() {
        return None;
    }
    if holds_for(c, field.id, None) {
        return None;
    }
    let people = store.people.as_slice();
    let refs = store.people.refs();
    let matching = people
        .iter()
        .zip(refs)
        .map(|(person, &held)| {
            let sym = schema::member_sym(person, field.id);
            held > 0
                && sym != NO_SYM
                && budget.visit()
                && holds_for(c, field.id, Some(store.strings.get(sym)))
        })
        .collect();
    Some(PersonTest {
        conjunct: c.index(),
        matching,
        held: store.people.held(),
    })
}

/// How the page is cut out of the candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Collect the matches, count them, select the first `offset + limit`.
    Select,
    /// Walk the index of the first sort key; the total comes from the window count.
    Walk(SortField),
}

/// A query plan.
#[derive(Clone, Debug)]
pub(crate) struct Plan<'s> {
    pub(crate) access: Access<'s>,
    /// What remains to evaluate per candidate besides `sym_tests` (`None` = nothing).
    pub(crate) residual: Option<Filter>,
    /// Conjuncts of the residual tested by symbol, run before `residual`.
    pub(crate) sym_tests: Vec<SymTest>,
    /// Conjuncts of the residual tested by member number, run before `residual`.
    pub(crate) person_tests: Vec<PersonTest>,
    /// The conjuncts (by position) the access path answers exactly: the
    /// residual `explain()` shows is the filter without them (the
    /// conjuncts of `sym_tests` included).
    pub(crate) answered: Vec<usize>,
    /// The window, when rows must still be checked against it.
    pub(crate) window: Option<Window>,
    pub(crate) order: Order,
    /// Estimated or exact candidate count of the chosen access path.
    pub(crate) candidates: usize,
}

/// A candidate access path during planning.
struct Candidate<'s> {
    access: Access<'s>,
    cost: usize,
    /// Positions of the conjuncts the path answers exactly.
    answered: Vec<usize>,
}

impl<'s> Candidate<'s> {
    /// The postings of the values of a single-valued field that passed
    /// conjunct `i`'s test (found by `how`: the trigram index or the whole
    /// dictionary). Distinct values of a single-valued field hold disjoint
    /// rows (`disjoint`; a conversation's members do not), and the path
    /// answers the conjunct exactly.
    fn values_checked(i: usize, how: How, lists: Vec<&'s [u32]>, disjoint: bool) -> Candidate<'s> {
        Candidate {
            cost: lists.iter().map(|l| l.len()).sum(),
            access: Access::Postings {
                how,
                lists,
                disjoint,
            },
            answered: vec![i],
        }
    }

    /// `other` when it costs less, else this one.
    fn or_cheaper(self, other: Candidate<'s>) -> Candidate<'s> {
        if other.cost < self.cost { other } else { self }
    }
}

/// Builds the plan for `spec`.
pub(crate) fn plan<'s>(store: &'s Store, spec: &QuerySpec, budget: &Budget) -> Plan<'s> {
    let filter = spec.filter.as_deref().filter(|f| !f.is_match_all());
    let mut window = spec.window;
    if let Some(w) = window {
        if w.start > w.end {
            return empty_plan("the window is empty");
        }
        if store.window_covers_all(&w) {
            window = None;
        }
    }
    let n = store.len();
    let mut best = Candidate {
        access: Access::Full,
        cost: n,
        answered: Vec::new(),
    };

    // Time range: window and filter bounds on startTime.
    let (mut lo, mut hi) = (i64::MIN, i64::MAX);
    if let Some(w) = window {
        (lo, hi) = (w.start, w.end);
    }
    let mut time_answered = Vec::new();
    if let Some(f) = filter
        && let Some((a, b)) = f.time_bounds(START_TIME)
    {
        lo = lo.max(bound_lo(a));
        hi = hi.min(bound_hi(b));
        for c in f.conjunct_refs() {
            if c.as_range(START_TIME).is_some() {
                time_answered.push(c.index());
            }
        }
    }
    if lo > hi {
        return empty_plan("the startTime bounds are empty");
    }
    if lo != i64::MIN || hi != i64::MAX {
        let cost = store.by_start.rank_after(hi) - store.by_start.rank(lo);
        if cost <= best.cost {
            best = Candidate {
                access: Access::Time { lo, hi },
                cost,
                answered: time_answered,
            };
        }
    }

    // Exact `==` / `=in=` conjuncts on type or a metadata key, which a time
    // range or full scan can test by symbol.
    // (conjunct, field, values): symbol tests are built only if the chosen
    // path scans rows.
    let mut sym_candidates: Vec<(usize, FieldRef<'_>, Vec<&str>)> = Vec::new();
    if let Some(f) = filter {
        for c in f.conjunct_refs() {
            let i = c.index();
            let fields = c.fields();
            let [field] = fields.as_slice() else { continue };
            // A member field with postings: values hold overlapping rows.
            let multi = member_postings(store, field.id).is_some();
            if let Some(values) = c.eq_values(*field) {
                let exact = c.as_values(*field).is_some();
                // For a multi-valued field `eq_values` intersects the sets of
                // ANDed tests, which is not sound when different members
                // satisfy them; only a plain `==` / `=in=` is used.
                if multi && !exact {
                    continue;
                }
                let sym_able = matches!(field.id, TYPE | METADATA);
                let postings = postings_for(store, *field, &values);
                if let Some((cost, lists)) = postings
                    && cost < best.cost
                {
                    let how = How::Postings {
                        conjunct: i,
                        values: values.len(),
                    };
                    // Values of a single-valued field hold disjoint sets
                    // of rows; so does one value of any field.
                    let disjoint = !multi || lists.len() <= 1;
                    best = Candidate {
                        access: Access::Postings {
                            how,
                            lists,
                            disjoint,
                        },
                        cost,
                        answered: if exact { vec![i] } else { Vec::new() },
                    };
                }
                if exact && sym_able {
                    sym_candidates.push((i, *field, values));
                }
                continue;
            }
            let segments = c.as_pattern(*field);
            if let Some(segments) = &segments
                && field.id == NAME
                && let Some(slots) = store.pattern_cache.get(segments)
            {
                // Kept since the last write: one list, the exact answer.
                if slots.len() < best.cost {
                    best = Candidate {
                        cost: slots.len(),
                        access: Access::Kept {
                            conjunct: i,
                            slots,
                            merged: None,
                        },
                        answered: vec![i],
                    };
                }
                continue;
            }
            if let Some(segments) = &segments
                && let Some(grams) = ngram_grams(*field, segments)
            {
                // The trigram index narrows the values to check: cheaper
                // than the dictionary scan below, which it replaces.
                if let Some((how, lists)) = ngram_scan(store, c, *field, &grams, best.cost, budget)
                {
                    best = best.or_cheaper(Candidate::values_checked(i, how, lists, true));
                }
                continue;
            }
            if let Some(distinct) = dictionary_size(store, *field)
                && distinct < best.cost
                && let Some(lists) = dictionary_scan(store, *field, c, budget)
            {
                let how = How::Dictionary {
                    conjunct: i,
                    distinct,
                };
                best = best.or_cheaper(Candidate::values_checked(i, how, lists, !multi));
            }
        }
    }

    // A partial answer (past the deadline) is never kept.
    if let Some(f) = filter
        && !budget.is_spent()
    {
        keep_pattern(store, f, &mut best);
    }

    // A time range or a full scan visits every row of its range: the
    // symbol tests replace the generic evaluation of their conjuncts.
    let scans_rows = matches!(best.access, Access::Time { .. } | Access::Full);
    sym_candidates.retain(|(i, _, _)| scans_rows && !best.answered.contains(i));
    let sym_tests: Vec<(usize, SymTest)> = sym_candidates
        .iter()
        .filter_map(|(i, field, values)| sym_test(store, *field, values).map(|t| (*i, t)))
        .collect();
    // Wildcards on member fields the scan would test on every member of
    // every row: tested once per person instead, when there are no more
    // people than rows to scan (a narrow time range meets few of them).
    let person_tests: Vec<PersonTest> = match filter {
        Some(f) if scans_rows && store.people.held() <= best.cost => f
            .conjunct_refs()
            .into_iter()
            .filter(|c| !best.answered.contains(&c.index()))
            .filter_map(|c| match c.fields().as_slice() {
                [field] => person_test(store, *field, c, budget),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let residual = filter
        .map(|f| {
            f.residual_by(|c| {
                best.answered.contains(&c.index())
                    || sym_tests.iter().any(|(i, _)| *i == c.index())
                    || person_tests.iter().any(|t| t.conjunct == c.index())
            })
        })
        .filter(|r| !r.is_match_all());
    let sym_tests = sym_tests.into_iter().map(|(_, t)| t).collect();
    // With no filter the total is the window count, so walking the index of
    // the first sort key can stop after offset + limit rows.
    let order = match (filter, spec.sort.keys().first()) {
        (None, Some(key)) => {
            let in_window = store.window_count(window.as_ref());
            let wanted = spec.offset.saturating_add(spec.limit);
            let walk_visits = (wanted as u128) * (n as u128) / (in_window.max(1) as u128);
            if walk_visits < best.cost as u128 {
                Order::Walk(key.field)
            } else {
                Order::Select
            }
        }
        _ => Order::Select,
    };
    Plan {
        access: best.access,
        residual,
        sym_tests,
        person_tests,
        answered: best.answered,
        window,
        order,
        candidates: best.cost,
    }
}

fn empty_plan(why: &'static str) -> Plan<'static> {
    Plan {
        access: Access::Empty(why),
        residual: None,
        sym_tests: Vec::new(),
        person_tests: Vec::new(),
        answered: Vec::new(),
        window: None,
        order: Order::Select,
        candidates: 0,
    }
}

fn bound_lo(b: std::ops::Bound<i64>) -> i64 {
    match b {
        std::ops::Bound::Included(v) => v,
        std::ops::Bound::Excluded(v) => v.saturating_add(1),
        std::ops::Bound::Unbounded => i64::MIN,
    }
}

fn bound_hi(b: std::ops::Bound<i64>) -> i64 {
    match b {
        std::ops::Bound::Included(v) => v,
        std::ops::Bound::Excluded(v) => v.saturating_sub(1),
        std::ops::Bound::Unbounded => i64::MAX,
    }
}

/// The selector text of a field reference.
pub(crate) fn selector(f: FieldRef<'_>) -> String {
    match (f.id, f.key) {
        (METADATA, Some(k)) => format!("conversation.metadata.{k}"),
        (id, _) => schema::schema()
            .field(id)
            .map_or_else(|| "?".to_string(), |fd| fd.name().to_string()),
    }
}

/// The symbol test of `field == values` when `field` is the type or a
/// metadata key.
fn sym_test(store: &Store, field: FieldRef<'_>, values: &[&str]) -> Option<SymTest> {
    let field = match (field.id, field.key) {
        (TYPE, _) => SymField::Type,
        (METADATA, Some(key)) => SymField::Meta(store.strings.lookup(key)),
        _ => return None,
    };
    let syms = values
        .iter()
        .filter_map(|v| store.strings.lookup(v))
        .collect();
    Some(SymTest { field, syms })
}

/// The postings lists for `values` of an indexed field, with their total length.
fn postings_for<'s>(
    store: &'s Store,
    field: FieldRef<'_>,
    values: &[&str],
) -> Option<(usize, Vec<&'s [u32]>)> {
    let mut lists: Vec<&[u32]> = Vec::with_capacity(values.len());
    // A metadata key's values, looked up once for all the values.
    let meta = match (field.id, field.key) {
        (METADATA, Some(key)) => store
            .strings
            .lookup(key)
            .and_then(|k| store.by_meta.get(&k)),
        // A bare dynamic prefix names no key: no postings.
        (METADATA, None) => return None,
        _ => None,
    };
    for v in values {
        let list: &[u32] = match field.id {
            ID => store
                .by_id
                .get_key_value(*v)
                .map(|(_, slot)| std::slice::from_ref(slot))
                .unwrap_or(&[]),
            TYPE => store.by_type.get(*v).map(|p| p.as_slice()).unwrap_or(&[]),
            NAME => store
                .strings
                .lookup(v)
                .and_then(|s| store.by_name.get(&s))
                .map(|p| p.as_slice())
                .unwrap_or(&[]),
            METADATA => meta
                .zip(store.strings.lookup(v))
                .and_then(|(m, val)| m.get(&val))
                .map(|p| p.as_slice())
                .unwrap_or(&[]),
            MEMBER_ID | MEMBER_EMAIL => store
                .strings
                .lookup(v)
                .zip(member_postings(store, field.id))
                .and_then(|(s, values)| values.get(&s))
                .map(|p| p.as_slice())
                .unwrap_or(&[]),
            _ => return None,
        };
        lists.push(list);
    }
    Some((lists.iter().map(|l| l.len()).sum(), distinct_lists(lists)))
}

/// `lists` without empty lists and without repeats (a value listed twice,
/// as in `=in=(a,a)`, gives the same list twice), in no particular order.
pub(crate) fn distinct_lists(mut lists: Vec<&[u32]>) -> Vec<&[u32]> {
    lists.retain(|l| !l.is_empty());
    if lists.len() > 1 {
        lists.sort_unstable_by_key(|l| l.as_ptr());
        lists.dedup_by_key(|l| l.as_ptr());
    }
    lists
}

/// Sorted, deduplicated union of sorted lists: pairwise merges for a few
/// lists, one sort for many.
pub(crate) fn union(lists: Vec<&[u32]>) -> Vec<u32> {
    match lists.as_slice() {
        [] => Vec::new(),
        [one] => one.to_vec(),
        _ if lists.len() <= 8 => {
            let mut acc: Vec<u32> = Vec::new();
            for list in lists {
                acc = merge(&acc, list);
            }
            acc
        }
        _ => {
            let total: usize = lists.iter().map(|l| l.len()).sum();
            let max = lists
                .iter()
                .filter_map(|l| l.last())
                .max()
                .copied()
                .unwrap_or(0) as usize;
            if total >= 1024 && max / 16 < total * 4 {
                // Many slots: mark them in a bitmap and read it back in order.
                let mut bits = vec![0u64; max / 64 + 1];
                for &slot in lists.iter().flat_map(|l| l.iter()) {
                    bits[slot as usize / 64] |= 1 << (slot % 64);
                }
                let mut out = Vec::with_capacity(total);
                for (w, &word) in bits.iter().enumerate() {
                    let mut word = word;
                    while word != 0 {
                        out.push((w * 64) as u32 + word.trailing_zeros());
                        word &= word - 1;
                    }
                }
                out
            } else {
                let mut all: Vec<u32> = lists.concat();
                all.sort_unstable();
                all.dedup();
                all
            }
        }
    }
}

/// Merge of two sorted, deduplicated lists.
fn merge(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The postings of a member field's values (`members.id`, `members.email`);
/// `None` for any other field (`members.name` has none).
fn member_postings(store: &Store, field: FieldId) -> Option<&FastMap<Sym, Postings>> {
    match field {
        MEMBER_ID => Some(&store.by_member),
        MEMBER_EMAIL => Some(&store.by_email),
        _ => None,
    }
}

/// Number of distinct values of a dictionary-indexed field.
fn dictionary_size(store: &Store, field: FieldRef<'_>) -> Option<usize> {
    match field.id {
        NAME => Some(store.by_name.len()),
        TYPE => Some(store.by_type.len()),
        MEMBER_ID | MEMBER_EMAIL => member_postings(store, field.id).map(FastMap::len),
        METADATA => {
            let key = store.strings.lookup(field.key?);
            Some(
                key.and_then(|k| store.by_meta.get(&k))
                    .map_or(0, |m| m.len()),
            )
        }
        _ => None,
    }
}

/// The distinct trigrams of a wildcard pattern's `segments` on `field`,
/// when the field has a trigram index and the pattern has a trigram (see
/// `ngram.rs`); `None` sends the conjunct to the dictionary scan.
fn ngram_grams(field: FieldRef<'_>, segments: &[&str]) -> Option<Vec<u32>> {
    match field.id {
        NAME => NgramIndex::grams_of(segments),
        _ => None,
    }
}

/// The values of `field` that hold every one of `grams` (the trigram
/// index's candidates), checked against the conjunct `c` itself, and their
/// postings (disjoint: a single-valued field). `None` when even the
/// shortest gram list holds `most` values or more (another path is
/// cheaper than checking them).
fn ngram_scan<'s>(
    store: &'s Store,
    c: Conjunct<'_>,
    field: FieldRef<'_>,
    grams: &[u32],
    most: usize,
    budget: &Budget,
) -> Option<(How, Vec<&'s [u32]>)> {
    let how = |candidates, matched| How::Ngram {
        conjunct: c.index(),
        grams: grams.len(),
        candidates,
        matched,
    };
    let Some(lists) = store.name_grams.lists(grams) else {
        // A gram no name holds: nothing matches.
        return Some((how(0, 0), Vec::new()));
    };
    if lists.first().is_some_and(|l| l.len() >= most) {
        return None;
    }
    let candidates = NgramIndex::intersect(&lists);
    let mut out: Vec<&[u32]> = Vec::with_capacity(candidates.len());
    for &sym in &candidates {
        if budget.visit()
            && holds_for(c, field.id, Some(store.strings.get(sym)))
            && let Some(postings) = store.by_name.get(&sym)
        {
            out.push(postings.as_slice());
        }
    }
    Some((how(candidates.len(), out.len()), out))
}

/// Evaluates the single-field conjunct `c` once per distinct value and
/// returns the matching values' postings (disjoint for a single-valued
/// field). `None` when the conjunct also matches rows that lack the field (a
/// metadata key), which the dictionary cannot list, or is on a member field
/// and is not a positive wildcard pattern.
fn dictionary_scan<'s>(
    store: &'s Store,
    field: FieldRef<'_>,
    c: Conjunct<'_>,
    budget: &Budget,
) -> Option<Vec<&'s [u32]>> {
    let probe = |v: Option<&str>| budget.visit() && holds_for(c, field.id, v);
    let mut lists: Vec<&[u32]> = Vec::new();
    match field.id {
        NAME => {
            for (value, sym) in &store.name_order {
                if probe(Some(value))
                    && let Some(postings) = store.by_name.get(sym)
                {
                    lists.push(postings.as_slice());
                }
            }
        }
        TYPE => {
            for (value, postings) in &store.by_type {
                if probe(Some(value)) {
                    lists.push(postings.as_slice());
                }
            }
        }
        METADATA => {
            if probe(None) {
                return None;
            }
            let key = store.strings.lookup(field.key?);
            if let Some(values) = key.and_then(|k| store.by_meta.get(&k)) {
                for (&value, postings) in values {
                    if probe(Some(store.strings.get(value))) {
                        lists.push(postings.as_slice());
                    }
                }
            }
        }
        MEMBER_ID | MEMBER_EMAIL => {
            // A conversation matches when one of its members does. That is
            // the union of the matching values' postings only for a
            // positive pattern (a negation asks about every member) that a
            // conversation without the value does not match.
            c.as_pattern(field)?;
            if probe(None) {
                return None;
            }
            for (&value, postings) in member_postings(store, field.id)? {
                if probe(Some(store.strings.get(value))) {
                    lists.push(postings.as_slice());
                }
            }
        }
        _ => return None,
    }
    lists.retain(|l| !l.is_empty());
    Some(lists)
}

/// When the chosen path is a wildcard name pattern answered from many
/// names' postings, merges them once, keeps the result in the pattern cache
/// and reads it from there instead (see `pattern_cache.rs`).
fn keep_pattern(store: &Store, filter: &Filter, best: &mut Candidate<'_>) {
    let Access::Postings {
        how: how @ (How::Ngram { conjunct, .. } | How::Dictionary { conjunct, .. }),
        lists,
        ..
    } = &best.access
    else {
        return;
    };
    if lists.len() < MIN_LISTS || store.pattern_cache.limit() == 0 {
        return;
    }
    let (conjunct, how) = (*conjunct, *how);
    let Some(c) = filter.conjunct_refs().into_iter().nth(conjunct) else {
        return;
    };
    let fields = c.fields();
    let Some(segments) = fields
        .first()
        .filter(|f| f.id == NAME)
        .and_then(|&f| c.as_pattern(f))
    else {
        return;
    };
    let slots = store.pattern_cache.put(&segments, union(lists.clone()));
    best.access = Access::Kept {
        conjunct,
        slots,
        merged: Some(how),
    };
}

/// `explain()` text: one line per plan part.
pub(crate) fn explain(plan: &Plan<'_>, spec: &QuerySpec) -> String {
    let mut out = String::new();
    let _ = match &plan.access {
        Access::Empty(why) => writeln!(out, "access: none ({why})"),
        Access::Full => writeln!(out, "access: every row ({} rows)", plan.candidates),
        Access::Time { lo, hi } => writeln!(
            out,
            "access: time range conversation.startTime in [{}, {}] ({} rows)",
            fmt_bound(*lo),
            fmt_bound(*hi),
            plan.candidates
        ),
        Access::Postings { how, lists, .. } => {
            write_how(&mut out, *how, spec);
            writeln!(out, " ({} rows)", union(lists.clone()).len())
        }
        Access::Kept {
            merged: Some(how),
            slots,
            ..
        } => {
            write_how(&mut out, *how, spec);
            writeln!(
                out,
                " ({} rows), now kept in the pattern cache",
                slots.len()
            )
        }
        Access::Kept {
            conjunct,
            slots,
            merged: None,
        } => writeln!(
            out,
            "access: kept rows of {} (pattern cache, {} rows)",
            conjunct_selector(spec, *conjunct),
            slots.len()
        ),
    };
    // The filter without the conjuncts the access path answers (an empty
    // plan reads nothing, so nothing remains).
    let residual = match plan.access {
        Access::Empty(_) => None,
        _ => spec
            .filter
            .as_ref()
            .map(|f| f.residual_by(|c| plan.answered.contains(&c.index())))
            .filter(|r| !r.is_match_all()),
    };
    let _ = match residual {
        Some(r) => writeln!(out, "residual: {r}"),
        None => writeln!(out, "residual: none"),
    };
    for t in &plan.person_tests {
        let _ = writeln!(
            out,
            "tested per person: {} ({} of {} people match)",
            conjunct_selector(spec, t.conjunct),
            t.matching.iter().filter(|&&m| m).count(),
            t.held
        );
    }
    let _ = match (&plan.window, &spec.window) {
        (Some(w), _) => writeln!(
            out,
            "window: checked per row [{}, {}]",
            format_ms(w.start),
            format_ms(w.end)
        ),
        (None, Some(_)) => writeln!(out, "window: covers every row, not checked"),
        (None, None) => writeln!(out, "window: none"),
    };
    let _ = match plan.order {
        Order::Select => write!(
            out,
            "order: select rows {}..{} of the matches by {}",
            spec.offset,
            spec.offset.saturating_add(spec.limit),
            spec.sort
        ),
        Order::Walk(field) => write!(
            out,
            "order: walk the {} index by {}, skip {}, take {}",
            field.as_str(),
            spec.sort,
            spec.offset,
            spec.limit
        ),
    };
    out
}

/// The `access:` line of an index path, up to its row count.
fn write_how(out: &mut String, how: How, spec: &QuerySpec) {
    let _ = match how {
        How::Postings { conjunct, values } => write!(
            out,
            "access: postings {} in {values} value(s)",
            conjunct_selector(spec, conjunct)
        ),
        How::Dictionary { conjunct, distinct } => write!(
            out,
            "access: dictionary {} ({distinct} distinct values)",
            conjunct_selector(spec, conjunct)
        ),
        How::Ngram {
            conjunct,
            grams,
            candidates,
            matched,
        } => write!(
            out,
            "access: trigrams {} ({grams} trigram(s), {candidates} candidate value(s), {matched} matching)",
            conjunct_selector(spec, conjunct)
        ),
    };
}

/// The selector of the single field of conjunct `i` of the query's filter.
fn conjunct_selector(spec: &QuerySpec, i: usize) -> String {
    spec.filter
        .as_ref()
        .and_then(|f| {
            f.conjunct_refs()
                .get(i)
                .and_then(|c| c.fields().first().map(|&field| selector(field)))
        })
        .unwrap_or_else(|| "?".to_string())
}

fn fmt_bound(v: i64) -> String {
    match v {
        i64::MIN => "-inf".to_string(),
        i64::MAX => "+inf".to_string(),
        v => format_ms(v),
    }
}
