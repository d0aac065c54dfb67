//! Keeping the indexes in step with the rows: adding and removing a row's
//! entries in the id, time and value indexes (`index_row`, `unindex_row`,
//! and the metadata and member parts on their own for updates), rebuilding
//! every index from the rows after a bulk load (`rebuild`, which also
//! renumbers slots in (`startTime`, id) order), and checking that the
//! indexes agree with the rows (`check_consistency`, for tests).
//!
//! Only the write path (`writes.rs`) calls these.
//!
//! Slots are `u32`s: a store holds at most [`Limits::conversations`](crate::Limits)
//! rows, at most `u32::MAX` (checked by `writes.rs` before a row is placed),
//! so a row's position in the slot vector converts to its slot with `as u32`
//! exactly, and `u32::MAX` is never a slot. Likewise symbols are below
//! [`Limits::strings`](crate::Limits), so a symbol's group number in
//! `group_by_sym` is below `u32::MAX`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::index::{Postings, TimeIndex};
use crate::intern::{FastMap, Interner, NO_SYM, Sym, shrink_if_sparse};
use crate::ngram::NgramIndex;
use crate::people::Person;
use crate::rows::{NO_END, Row};
use crate::store::Store;

impl Store {
    /// Adds row `slot` to every index.
    pub(crate) fn index_row(&mut self, slot: u32) {
        let Some(row) = self.row(slot) else { return };
        let (start, end, kind, name) = (row.start, row.end, row.kind, row.name);
        let members = row.members().to_vec();
        let meta = row.metadata().to_vec();
        let id = row.id.clone();
        self.by_id.insert(id, slot);
        self.by_start.insert((start, slot));
        if end == NO_END {
            self.running.insert(slot);
        } else {
            self.by_end.insert((end, slot));
        }
        add_posting(self.by_type.entry(self.strings.arc(kind)), slot);
        if !self.by_name.contains_key(&name) {
            // A name new to the store: into the ordered and trigram indexes.
            self.name_order.insert(self.strings.arc(name), name);
            self.name_grams.insert(name, self.strings.get(name));
        }
        add_posting(self.by_name.entry(name), slot);
        self.index_meta(slot, &meta);
        self.index_members(slot, &members);
    }

    /// Removes row `slot` from every index.
    pub(crate) fn unindex_row(&mut self, slot: u32) {
        let Some(row) = self.row(slot) else { return };
        let (start, end) = (row.start, row.end);
        let (kind, name) = (self.strings.get(row.kind).to_string(), row.name);
        let members = row.members().to_vec();
        let meta = row.metadata().to_vec();
        let id = row.id.clone();
        self.by_id.remove(&id);
        self.by_start.remove((start, slot));
        if end == NO_END {
            self.running.remove(&slot);
        } else {
            self.by_end.remove((end, slot));
        }
        remove_posting_btree(&mut self.by_type, &kind, slot);
        if remove_posting_hash(&mut self.by_name, name, slot) {
            // The last row with this name went.
            let text = self.strings.get(name);
            self.name_order.remove(text);
            self.name_grams.remove(name, text);
        }
        self.unindex_meta(slot, &meta);
        self.unindex_members(slot, &members);
    }

    /// Adds `slot` to the postings of its metadata `pairs`.
    pub(crate) fn index_meta(&mut self, slot: u32, pairs: &[[Sym; 2]]) {
        for &[k, v] in pairs {
            add_posting(self.by_meta.entry(k).or_default().entry(v), slot);
        }
    }

    /// Removes `slot` from the postings of its metadata `pairs`.
    pub(crate) fn unindex_meta(&mut self, slot: u32, pairs: &[[Sym; 2]]) {
        for &[k, v] in pairs {
            if let Some(values) = self.by_meta.get_mut(&k) {
                remove_posting_hash(values, v, slot);
                if values.is_empty() {
                    self.by_meta.remove(&k);
                    shrink_if_sparse(&mut self.by_meta);
                }
            }
        }
    }

    /// Adds `slot` to the postings of its `members`' ids and e-mails.
    pub(crate) fn index_members(&mut self, slot: u32, members: &[u32]) {
        for &p in members {
            let person = self.people[p as usize];
            add_posting(self.by_member.entry(person.id), slot);
            if person.email != NO_SYM {
                add_posting(self.by_email.entry(person.email), slot);
            }
        }
    }

    /// Removes `slot` from the postings of every member id and e-mail in
    /// `members` (the whole list goes; the new one is indexed afterwards).
    pub(crate) fn unindex_members(&mut self, slot: u32, members: &[u32]) {
        for &p in members {
            let person = self.people[p as usize];
            remove_posting_hash(&mut self.by_member, person.id, slot);
            if person.email != NO_SYM {
                remove_posting_hash(&mut self.by_email, person.email, slot);
            }
        }
    }

    /// Rebuilds every index from the rows, renumbering slots in `startTime`
    /// order and dropping free slots.
    pub(crate) fn rebuild(&mut self) {
        self.pattern_cache.clear();
        let mut old: Vec<Option<Row>> = std::mem::take(&mut self.rows);
        let order = start_order(&old);
        // `u32::MAX` for a free slot: never a row's new number.
        let mut new_of_old = vec![u32::MAX; old.len()];
        for (new, &(_, i)) in order.iter().enumerate() {
            new_of_old[i as usize] = new as u32;
        }
        // Gather the rows in their new order: the reads are independent, so
        // their cache misses overlap (following the permutation's cycles with
        // swaps waits for one miss at a time). The moved-from vector holds
        // `None`s until it goes.
        let mut rows: Vec<Row> = Vec::with_capacity(order.len());
        rows.extend(
            order
                .iter()
                .filter_map(|&(_, i)| old.get_mut(i as usize).and_then(Option::take)),
        );
        drop(old);
        drop(order);
        self.free.clear();
        // Two threads build the indexes, each taking the next one not yet
        // taken (the costliest first), so neither waits long for the other
        // whatever the data's shape; each index's temporaries go with it.
        let syms = self.strings.count();
        let (strings, people, rows_ref) = (&self.strings, self.people.as_slice(), &rows);
        let ids = std::sync::Mutex::new((&mut self.ids, new_of_old));
        let built = Built::default();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            loop {
                match next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
                    0 => set(&built.meta, metadata_index(rows_ref, syms)),
                    1 => {
                        // Only this task takes the lock, once: it cannot be
                        // poisoned, and a panic elsewhere ends the scope anyway.
                        let mut ids = ids
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        let (ids, new_of_old) = &mut *ids;
                        ids.renumber(new_of_old);
                        *new_of_old = Vec::new();
                        set(&built.times, time_and_id_indexes(rows_ref));
                    }
                    2 => set(
                        &built.members,
                        person_index(rows_ref, people, syms, |p| p.id),
                    ),
                    3 => set(
                        &built.emails,
                        person_index(rows_ref, people, syms, |p| p.email),
                    ),
                    4 => set(&built.names, type_and_name_indexes(rows_ref, strings, syms)),
                    5 => set(&built.grams, name_grams(rows_ref, strings, syms)),
                    _ => break,
                }
            }
        };
        std::thread::scope(|scope| {
            scope.spawn(work);
            work();
        });
        #[allow(clippy::expect_used, reason = "the two workers above ran every task")]
        let (
            (by_id, by_start, by_end, running),
            name_grams,
            (by_type, by_name, name_order),
            (by_member, by_email, by_meta),
        ) = (
            built.times.into_inner().expect("built"),
            built.grams.into_inner().expect("built"),
            built.names.into_inner().expect("built"),
            (
                built.members.into_inner().expect("built"),
                built.emails.into_inner().expect("built"),
                built.meta.into_inner().expect("built"),
            ),
        );
        self.by_id = by_id;
        self.by_start = by_start;
        self.by_end = by_end;
        self.running = running;
        self.by_type = by_type;
        self.by_name = by_name;
        self.name_order = name_order;
        self.name_grams = name_grams;
        self.by_member = by_member;
        self.by_email = by_email;
        self.by_meta = by_meta;
        self.rows = rows.into_iter().map(Some).collect();
        #[allow(clippy::expect_used, reason = "a limit enforced on insert")]
        let rows = u32::try_from(self.rows.len())
            .expect("at most `Limits::conversations` rows, a u32: `next_slot` refuses more");
        self.ordered_upto = rows;
    }

    /// Checks that every index agrees with the rows (used by tests).
    #[doc(hidden)]
    pub fn check_consistency(&self) -> Result<(), String> {
        let mut fresh = Store {
            strings: self.strings.clone(),
            people: self.people.clone(),
            rows: self.rows.clone(),
            ..Store::default()
        };
        let live: Vec<u32> = (0..self.rows.len() as u32)
            .filter(|&s| self.row(s).is_some())
            .collect();
        if live.len() != self.ids.len() || live.len() != self.by_id.len() {
            return Err(format!(
                "{} live rows, {} ids, {} sorted ids",
                live.len(),
                self.ids.len(),
                self.by_id.len()
            ));
        }
        for &slot in &live {
            fresh.index_row(slot);
            let row = self.row(slot).ok_or("vanished row")?;
            if self.slot(&row.id) != Some(slot) || self.by_id.get(&row.id) != Some(&slot) {
                return Err(format!("id `{}` not mapped to its slot {slot}", row.id));
            }
        }
        let same = |a: &TimeIndex, b: &TimeIndex| a.range(0, a.len()).eq(b.range(0, b.len()));
        if !same(&fresh.by_start, &self.by_start) || !same(&fresh.by_end, &self.by_end) {
            return Err("time indexes differ".into());
        }
        if fresh.running != self.running {
            return Err("running set differs".into());
        }
        if fresh.by_type != self.by_type || fresh.by_name != self.by_name {
            return Err("type or name postings differ".into());
        }
        if fresh.name_order != self.name_order {
            return Err("the ordered names differ".into());
        }
        if fresh.name_grams != self.name_grams {
            return Err("the name trigrams differ".into());
        }
        if fresh.by_meta != self.by_meta {
            return Err("metadata postings differ".into());
        }
        if fresh.by_email != self.by_email || fresh.by_member != self.by_member {
            return Err("member postings differ".into());
        }
        for (segments, slots) in self.pattern_cache.entries() {
            let want: Vec<u32> = live
                .iter()
                .copied()
                .filter(|&s| {
                    self.row(s)
                        .is_some_and(|r| segments_match(&segments, self.strings.get(r.name)))
                })
                .collect();
            if *slots != *want {
                return Err(format!(
                    "the kept rows of the name pattern {segments:?} differ"
                ));
            }
        }
        self.check_refs()
    }

    /// Checks the string and people tables and their reference counts
    /// against a recount from the rows: each row holds one reference to its
    /// type, name, metadata strings and members, each person one to its
    /// strings; nothing else is held (so nothing unused is kept).
    fn check_refs(&self) -> Result<(), String> {
        self.strings.check()?;
        self.people.check(&self.strings)?;
        let mut people = vec![0u64; self.people.refs().len()];
        let mut strings = vec![0u64; self.strings.count()];
        let count = |counts: &mut [u64], n: u32, what: &str| match counts.get_mut(n as usize) {
            Some(c) => {
                *c += 1;
                Ok(())
            }
            None => Err(format!("{what} {n} out of its table")),
        };
        for row in self.rows.iter().flatten() {
            for &p in row.members() {
                count(&mut people, p, "person")?;
            }
            for &sym in row
                .metadata()
                .iter()
                .flatten()
                .chain([&row.kind, &row.name])
            {
                count(&mut strings, sym, "symbol")?;
            }
        }
        for (n, _) in people.iter().enumerate().filter(|&(_, &c)| c > 0) {
            let p = self.people[n];
            for sym in [p.id, p.name, p.email] {
                if sym != NO_SYM {
                    count(&mut strings, sym, "symbol")?;
                }
            }
        }
        let differs = |counted: &[u64], held: &[u32]| {
            counted
                .iter()
                .zip(held)
                .position(|(&c, &h)| c != u64::from(h) && h != u32::MAX)
        };
        if let Some(n) = differs(&people, self.people.refs()) {
            return Err(format!(
                "person {n}: {} references held, {} counted",
                self.people.refs()[n],
                people[n]
            ));
        }
        if let Some(n) = differs(&strings, self.strings.refs()) {
            return Err(format!(
                "string {n} `{}`: {} references held, {} counted",
                self.strings.get(n as Sym),
                self.strings.refs()[n],
                strings[n]
            ));
        }
        Ok(())
    }
}

fn add_posting<K>(entry: impl EntryLike<K>, slot: u32) {
    entry.add(slot);
}

/// `insert` on either map's entry type.
trait EntryLike<K> {
    fn add(self, slot: u32);
}

impl<K: Ord> EntryLike<K> for std::collections::btree_map::Entry<'_, K, Postings> {
    fn add(self, slot: u32) {
        match self {
            std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().insert(slot),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(Postings::One(slot));
            }
        }
    }
}

impl<K: std::hash::Hash + Eq> EntryLike<K> for std::collections::hash_map::Entry<'_, K, Postings> {
    fn add(self, slot: u32) {
        match self {
            std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().insert(slot),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Postings::One(slot));
            }
        }
    }
}

fn remove_posting_btree(map: &mut BTreeMap<Arc<str>, Postings>, key: &str, slot: u32) {
    if let Some(p) = map.get_mut(key)
        && p.remove(slot)
    {
        map.remove(key);
    }
}

/// Removes `slot` from the postings of `key`; true when that emptied them
/// (and `key` left the map).
fn remove_posting_hash(map: &mut FastMap<Sym, Postings>, key: Sym, slot: u32) -> bool {
    if let Some(p) = map.get_mut(&key)
        && p.remove(slot)
    {
        map.remove(&key);
        shrink_if_sparse(map);
        return true;
    }
    false
}

/// The id, start and end indexes of rows in slot order.
/// The live rows' `(start, slot)`, ordered by start then id: the slots'
/// new order. Two threads sort a half each, then the halves are merged.
fn start_order(rows: &[Option<Row>]) -> Vec<(i64, u32)> {
    let mut order: Vec<(i64, u32)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().map(|r| (r.start, i as u32)))
        .collect();
    let by_start_then_id = |a: &(i64, u32), b: &(i64, u32)| {
        a.0.cmp(&b.0)
            .then_with(|| match (&rows[a.1 as usize], &rows[b.1 as usize]) {
                (Some(x), Some(y)) => x.id.cmp(&y.id),
                _ => a.1.cmp(&b.1),
            })
    };
    let mid = order.len() / 2;
    let (left, right) = order.split_at_mut(mid);
    std::thread::scope(|scope| {
        scope.spawn(|| left.sort_unstable_by(by_start_then_id));
        right.sort_unstable_by(by_start_then_id);
    });
    let mut merged = Vec::with_capacity(order.len());
    let (mut i, mut j) = (0, mid);
    while let (Some(a), Some(b)) = (order[..mid].get(i), order.get(j)) {
        if by_start_then_id(b, a).is_lt() {
            merged.push(*b);
            j += 1;
        } else {
            merged.push(*a);
            i += 1;
        }
    }
    merged.extend_from_slice(&order[i..mid]);
    merged.extend_from_slice(&order[j..]);
    merged
}

/// The id map's B-tree, the two time indexes and the running rows.
type TimeAndIdIndexes = (BTreeMap<Arc<str>, u32>, TimeIndex, TimeIndex, BTreeSet<u32>);

fn time_and_id_indexes(rows: &[Row]) -> TimeAndIdIndexes {
    // Ids sorted by their first 16 bytes (integer compares), ties by the
    // whole string; the B-tree is then built from sorted input.
    let mut ids: Vec<(u128, u32)> = rows
        .iter()
        .enumerate()
        .map(|(slot, r)| (id_prefix(&r.id), slot as u32))
        .collect();
    ids.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| rows[a.1 as usize].id.cmp(&rows[b.1 as usize].id))
    });
    let by_id = ids
        .into_iter()
        .map(|(_, slot)| (rows[slot as usize].id.clone(), slot))
        .collect();
    let by_start = TimeIndex::build(
        rows.iter()
            .enumerate()
            .map(|(slot, r)| (r.start, slot as u32))
            .collect(),
    );
    let by_end = TimeIndex::build(
        rows.iter()
            .enumerate()
            .filter(|(_, r)| r.end != NO_END)
            .map(|(slot, r)| (r.end, slot as u32))
            .collect(),
    );
    let running = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.end == NO_END)
        .map(|(slot, _)| slot as u32)
        .collect();
    (by_id, by_start, by_end, running)
}

/// Postings of every value index.
type TypeAndNameIndexes = (
    BTreeMap<Arc<str>, Postings>,
    FastMap<Sym, Postings>,
    BTreeMap<Arc<str>, Sym>,
);

/// The indexes a rebuild builds, each filled once by whichever thread took it.
#[derive(Default)]
struct Built {
    times: std::sync::OnceLock<TimeAndIdIndexes>,
    grams: std::sync::OnceLock<NgramIndex>,
    names: std::sync::OnceLock<TypeAndNameIndexes>,
    members: std::sync::OnceLock<FastMap<Sym, Postings>>,
    emails: std::sync::OnceLock<FastMap<Sym, Postings>>,
    meta: std::sync::OnceLock<FastMap<Sym, FastMap<Sym, Postings>>>,
}

/// Fills a slot of [`Built`] (each is filled once).
fn set<T>(slot: &std::sync::OnceLock<T>, value: T) {
    let _ = slot.set(value);
}

/// The type and name postings of rows in slot order, and the names in order.
fn type_and_name_indexes(rows: &[Row], strings: &Interner, syms: usize) -> TypeAndNameIndexes {
    let pairs: Vec<(Sym, u32)> = rows
        .iter()
        .enumerate()
        .map(|(slot, r)| (r.kind, slot as u32))
        .collect();
    let by_type = group_by_sym(&pairs, syms)
        .into_iter()
        .map(|(k, p)| (strings.arc(k), p))
        .collect();
    let pairs: Vec<(Sym, u32)> = rows
        .iter()
        .enumerate()
        .map(|(slot, r)| (r.name, slot as u32))
        .collect();
    let by_name: FastMap<Sym, Postings> = group_by_sym(&pairs, syms).into_iter().collect();
    let name_order = by_name.keys().map(|&k| (strings.arc(k), k)).collect();
    (by_type, by_name, name_order)
}

/// The postings of one of the members' symbols (`of`: the id or the e-mail;
/// [`NO_SYM`] for none) of rows in slot order.
fn person_index(
    rows: &[Row],
    people: &[Person],
    syms: usize,
    of: impl Fn(&Person) -> Sym,
) -> FastMap<Sym, Postings> {
    let pairs: Vec<(Sym, u32)> = rows
        .iter()
        .enumerate()
        .flat_map(|(slot, r)| {
            r.members()
                .iter()
                .map(move |&p| (people[p as usize], slot as u32))
        })
        .map(|(p, slot)| (of(&p), slot))
        .filter(|&(sym, _)| sym != NO_SYM)
        .collect();
    group_by_sym(&pairs, syms).into_iter().collect()
}

/// The metadata postings of rows in slot order: the (key, value, slot)
/// triples grouped by key, then each key's (value, slot) pairs by value.
fn metadata_index(rows: &[Row], syms: usize) -> FastMap<Sym, FastMap<Sym, Postings>> {
    let meta: Vec<(Sym, Sym, u32)> = rows
        .iter()
        .enumerate()
        .flat_map(|(slot, r)| r.metadata().iter().map(move |&[k, v]| (k, v, slot as u32)))
        .collect();
    let keyed: Vec<(Sym, u32)> = meta
        .iter()
        .enumerate()
        .map(|(i, &(k, _, _))| (k, i as u32))
        .collect();
    let mut by_meta: FastMap<Sym, FastMap<Sym, Postings>> = FastMap::default();
    for (key, entries) in group_by_sym(&keyed, syms) {
        let pairs: Vec<(Sym, u32)> = entries
            .as_slice()
            .iter()
            .map(|&e| (meta[e as usize].1, meta[e as usize].2))
            .collect();
        by_meta.insert(key, group_by_sym(&pairs, syms).into_iter().collect());
    }
    by_meta
}

/// The trigram index of the distinct names of `rows`.
fn name_grams(rows: &[Row], strings: &Interner, syms: usize) -> NgramIndex {
    // Which symbols are names, then the names in symbol order.
    let mut is_name = vec![false; syms];
    for r in rows {
        if let Some(b) = is_name.get_mut(r.name as usize) {
            *b = true;
        }
    }
    NgramIndex::build(
        is_name
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b)
            .map(|(sym, _)| (sym as Sym, strings.get(sym as Sym))),
    )
}

/// The first 16 bytes of an id as a big-endian integer (zero-padded): orders
/// like the string except between ids that share those bytes.
fn id_prefix(id: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = id.len().min(16);
    b[..n].copy_from_slice(&id.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

/// Groups `(sym, slot)` pairs by symbol with a counting sort (O(n + syms));
/// slots keep their input order, so ascending input gives ascending postings.
/// Only symbols that occur are returned, in symbol order.
fn group_by_sym(pairs: &[(Sym, u32)], syms: usize) -> Vec<(Sym, Postings)> {
    if pairs.len() * 8 < syms {
        // Few pairs: sorting beats a table the size of the symbol space.
        let mut sorted = pairs.to_vec();
        sorted.sort_unstable();
        let mut out: Vec<(Sym, Postings)> = Vec::new();
        for (sym, slot) in sorted {
            match out.last_mut() {
                Some((s, p)) if *s == sym => p.push_sorted(slot),
                _ => out.push((sym, Postings::One(slot))),
            }
        }
        return out;
    }
    let mut counts = vec![0u32; syms];
    for &(sym, _) in pairs {
        if let Some(c) = counts.get_mut(sym as usize) {
            *c += 1;
        }
    }
    // `u32::MAX`: no group (group numbers are below `syms`, see the module docs).
    let mut group_of = vec![u32::MAX; syms];
    let mut out: Vec<(Sym, Postings)> = Vec::new();
    for (sym, &c) in counts.iter().enumerate() {
        if c > 0 {
            group_of[sym] = out.len() as u32;
            let p = if c == 1 {
                // A placeholder: the symbol's one pair below replaces it.
                Postings::One(u32::MAX)
            } else {
                Postings::Many(Vec::with_capacity(c as usize))
            };
            out.push((sym as Sym, p));
        }
    }
    for &(sym, slot) in pairs {
        if let Some(&g) = group_of.get(sym as usize)
            && let Some((_, p)) = out.get_mut(g as usize)
        {
            match p {
                Postings::One(s) => *s = slot,
                // A row may list the same value twice (two members, one e-mail).
                Postings::Many(v) if v.last() == Some(&slot) => {}
                Postings::Many(v) => v.push(slot),
            }
        }
    }
    for (_, p) in &mut out {
        if let Postings::Many(v) = p
            && v.len() == 1
        {
            *p = Postings::One(v[0]);
        }
    }
    out
}

/// Whether `value` matches a wildcard pattern given as its literal segments
/// (`Conjunct::as_pattern`: the first anchored at the start, the last at
/// the end, the middle ones in order without overlaps); a second,
/// independent reading of the pattern for [`Store::check_consistency`].
fn segments_match(segments: &[String], value: &str) -> bool {
    let [first, middle @ .., last] = segments else {
        return segments.first().is_some_and(|only| only == value);
    };
    let Some(mut rest) = value.strip_prefix(first.as_str()) else {
        return false;
    };
    for m in middle {
        match rest.find(m.as_str()) {
            Some(at) => rest = &rest[at + m.len()..],
            None => return false,
        }
    }
    rest.ends_with(last.as_str())
}
