//! Integration tests of the store (one binary: see design.md §1.8).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod churn;
mod concurrency;
mod differential;
mod load;
mod queries;
mod semantics;
mod trigram;
mod writes;

/// A naive reference: window, filter, full sort by the API's rules, paging.
pub(crate) mod naive {
    use std::cmp::Ordering;

    use rsql::Filter;
    use store::sort::{Direction, Sort, SortField};
    use store::{Conversation, Window};

    fn key_cmp(field: SortField, dir: Direction, a: &Conversation, b: &Conversation) -> Ordering {
        let ord = match field {
            SortField::Id => a.id.as_bytes().cmp(b.id.as_bytes()),
            SortField::Name => a.name.as_bytes().cmp(b.name.as_bytes()),
            SortField::Type => a.kind.as_bytes().cmp(b.kind.as_bytes()),
            SortField::StartTime => a.start_time.cmp(&b.start_time),
            SortField::EndTime => match (a.end_time, b.end_time) {
                (Some(x), Some(y)) => x.cmp(&y),
                (None, None) => Ordering::Equal,
                // Missing sorts as larger than any value: last asc, first desc.
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
            },
        };
        if dir == Direction::Desc {
            ord.reverse()
        } else {
            ord
        }
    }

    /// The ids of the page and the total, computed the slow way.
    pub(crate) fn query(
        all: &[Conversation],
        filter: Option<&Filter>,
        window: Option<Window>,
        sort: &Sort,
        offset: usize,
        limit: usize,
    ) -> (Vec<String>, usize) {
        let mut hits: Vec<&Conversation> = all
            .iter()
            .filter(|c| window.is_none_or(|w| w.contains(c.start_time, c.end_time)))
            .filter(|c| filter.is_none_or(|f| f.matches(*c)))
            .collect();
        hits.sort_by(|a, b| {
            for k in sort.keys() {
                let o = key_cmp(k.field, k.direction, a, b);
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.id.as_bytes().cmp(b.id.as_bytes())
        });
        let total = hits.len();
        let page = hits
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|c| c.id.clone())
            .collect();
        (page, total)
    }
}
