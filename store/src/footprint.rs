//! [`Footprint`] ([`Store::footprint`]): where a store's memory goes, by
//! component, in heap bytes as the allocator hands them out.
//!
//! The figures are computed from the containers' capacities (`heapsize.rs`
//! says how), not measured, so they leave out what only the allocator
//! knows: free space inside its pages after a load's temporaries are gone,
//! and pages it keeps for reuse. Comparing [`Footprint::total`] with the
//! process's resident memory shows that slack (the `memory` example of
//! this crate prints both: `store/README.md`, "Memory").

use std::fmt;
use std::sync::Arc;

use crate::heapsize::{arc_str, btree, table, vec};
use crate::index::Postings;
use crate::intern::Sym;
use crate::model::Message;
use crate::rows::Row;
use crate::store::Store;

/// Heap bytes of a [`Store`] by component (see [`Store::footprint`]).
///
/// ```
/// let s = store::generate::store(1, 1_000);
/// let f = s.footprint();
/// assert!(f.rows >= 1_000 * std::mem::size_of::<usize>());
/// assert_eq!(f.total(), f.components().iter().map(|c| c.1).sum::<usize>());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// The slot vector: one fixed-size row struct per slot, the free-slot list.
    pub rows: usize,
    /// The conversation ids' text (one shared string per row).
    pub row_ids: usize,
    /// Each row's member numbers and metadata symbols.
    pub row_data: usize,
    /// Id → slot hash table.
    pub id_map: usize,
    /// Ids in order (`BTreeMap`, estimated).
    pub id_order: usize,
    /// `startTime` and `endTime` indexes, and the set of running conversations.
    pub time_indexes: usize,
    /// `type` postings (`BTreeMap` estimated, lists exact).
    pub type_postings: usize,
    /// `name` postings (hash table, lists) and the names in order (`BTreeMap`, estimated).
    pub name_postings: usize,
    /// The trigram index of the distinct names (`Stats::name_trigram_bytes`).
    pub name_trigrams: usize,
    /// Metadata postings, per key and value.
    pub metadata_postings: usize,
    /// Member id and e-mail postings.
    pub member_postings: usize,
    /// Interned strings: their text and the symbol table.
    pub strings: usize,
    /// Distinct members: the person table, their JSON objects, the member cache.
    pub people: usize,
    /// Messages: the map, its vectors and their strings (words not counted).
    pub messages: usize,
    /// The pattern cache's entries, as counted against its limit
    /// ([`Store::set_pattern_cache_bytes`]).
    pub pattern_cache: usize,
}

impl Footprint {
    /// Each component's name and bytes, in the order of the fields.
    ///
    /// ```
    /// let f = store::Store::new().footprint();
    /// assert_eq!(f.components()[0].0, "rows");
    /// ```
    pub fn components(&self) -> [(&'static str, usize); 15] {
        [
            ("rows", self.rows),
            ("row ids", self.row_ids),
            ("row data", self.row_data),
            ("id map", self.id_map),
            ("id order", self.id_order),
            ("time indexes", self.time_indexes),
            ("type postings", self.type_postings),
            ("name postings", self.name_postings),
            ("name trigrams", self.name_trigrams),
            ("metadata postings", self.metadata_postings),
            ("member postings", self.member_postings),
            ("strings", self.strings),
            ("people", self.people),
            ("messages", self.messages),
            ("pattern cache", self.pattern_cache),
        ]
    }

    /// The sum of the components.
    ///
    /// ```
    /// assert_eq!(store::Store::new().footprint().total(), 0);
    /// ```
    pub fn total(&self) -> usize {
        self.components().iter().map(|c| c.1).sum()
    }
}

impl fmt::Display for Footprint {
    /// One `component  MB` line per component, then the total (MB = 10^6 bytes).
    ///
    /// ```
    /// let text = store::generate::store(1, 10).footprint().to_string();
    /// assert!(text.lines().last().unwrap().starts_with("total"));
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, bytes) in self.components() {
            writeln!(f, "{name:<18} {:>9.1}", bytes as f64 / 1e6)?;
        }
        write!(f, "{:<18} {:>9.1}", "total", self.total() as f64 / 1e6)
    }
}

fn postings_of<'a>(lists: impl Iterator<Item = &'a Postings>) -> usize {
    lists.map(Postings::heap_bytes).sum()
}

impl Store {
    /// Where this store's memory goes, by component ([`Footprint`]).
    /// O(rows + index entries): for a report, not a hot path.
    ///
    /// ```
    /// let s = store::generate::store(3, 500);
    /// let f = s.footprint();
    /// assert!(f.row_data > 0 && f.id_map > 0 && f.metadata_postings > 0);
    /// ```
    pub fn footprint(&self) -> Footprint {
        let live = || self.rows.iter().flatten();
        Footprint {
            rows: vec::<Option<Row>>(self.rows.capacity()) + vec::<u32>(self.free.capacity()),
            row_ids: live().map(|r| arc_str(r.id.len())).sum(),
            row_data: live().map(|r| r.data_heap_bytes()).sum(),
            id_map: self.ids.heap_bytes(),
            id_order: btree::<Arc<str>, u32>(self.by_id.len()),
            time_indexes: self.by_start.heap_bytes()
                + self.by_end.heap_bytes()
                + btree::<u32, ()>(self.running.len()),
            type_postings: btree::<Arc<str>, Postings>(self.by_type.len())
                + postings_of(self.by_type.values()),
            name_postings: table::<(Sym, Postings)>(self.by_name.capacity())
                + postings_of(self.by_name.values())
                + btree::<Arc<str>, Sym>(self.name_order.len()),
            name_trigrams: self.name_grams.heap_bytes(),
            metadata_postings: table::<(Sym, crate::intern::FastMap<Sym, Postings>)>(
                self.by_meta.capacity(),
            ) + self
                .by_meta
                .values()
                .map(|m| table::<(Sym, Postings)>(m.capacity()) + postings_of(m.values()))
                .sum::<usize>(),
            member_postings: table::<(Sym, Postings)>(self.by_email.capacity())
                + postings_of(self.by_email.values())
                + table::<(Sym, Postings)>(self.by_member.capacity())
                + postings_of(self.by_member.values()),
            strings: self.strings.heap_bytes(),
            people: self.people.heap_bytes(),
            messages: table::<(Arc<str>, Vec<Message>)>(self.messages.capacity())
                + self
                    .messages
                    .values()
                    .map(|v| {
                        vec::<Message>(v.capacity())
                            + v.iter()
                                .map(|m| {
                                    [&m.id, &m.text, &m.conversation_id, &m.from.id, &m.from.name]
                                        .map(|s| crate::heapsize::block(s.capacity()))
                                        .iter()
                                        .sum::<usize>()
                                })
                                .sum::<usize>()
                    })
                    .sum::<usize>(),
            pattern_cache: self.pattern_cache.bytes(),
        }
    }
}
