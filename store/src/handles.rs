//! Pages held by handle: what a server keeps between the chunks of a large
//! page, each rendered under its own short read lock.
//!
//! A query picks its rows under one lock ([`Store::query_handles`]); each
//! chunk later turns its handles back into rows ([`Store::resolve`]) under
//! another. A row deleted in between is left out, never replaced by the
//! conversation that reused its slot; a row changed in between is seen as
//! it is now.

use std::sync::Arc;

use crate::query::QuerySpec;
use crate::store::Store;

/// One row of a page, held by handle instead of by borrow: what a server
/// keeps between the chunks of a large page, each rendered under its own
/// short read lock (see [`Store::query_handles`](crate::Store::query_handles)). A handle names the slot
/// the row sat in and its id; [`Store::resolve`](crate::Store::resolve) gives the row back only
/// while that slot still holds a conversation with that id, so a row deleted
/// in between is left out, never replaced by another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowHandle {
    slot: u32,
    id: Arc<str>,
}

impl RowHandle {
    /// The conversation id the handle names.
    ///
    /// ```
    /// let s = store::generate::store(1, 3);
    /// let page = s.query_handles(&store::QuerySpec::default())?;
    /// assert_eq!(page.rows[0].id(), s.query_ref(&store::QuerySpec::default())?.items[0].id());
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A page of [`RowHandle`]s: the rows a query selected, in order, and the
/// total; [`Store::resolve`](crate::Store::resolve) turns each back into a
/// [`ConversationRef`](crate::ConversationRef) under a later read lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageHandles {
    /// The rows of the page, in order.
    pub rows: Vec<RowHandle>,
    /// How many conversations matched the window and the filter.
    pub total: usize,
}

impl Store {
    /// Like [`Store::query_ref`](crate::Store::query_ref), but the page holds
    /// handles (a slot number and a shared id: 24 bytes a row, no string
    /// copied), not borrows, so it outlives the read lock it was taken under.
    ///
    /// ```
    /// let mut s = store::generate::store(2, 50);
    /// let spec = store::QuerySpec { limit: 10, ..Default::default() };
    /// let page = s.query_handles(&spec)?;
    /// assert_eq!(page.rows.len(), 10);
    /// let gone = page.rows[3].id().to_owned();
    /// s.delete(&gone)?; // a write between two chunks of the page
    /// let ids: Vec<&str> = page.rows.iter().filter_map(|h| s.resolve(h)).map(|c| c.id()).collect();
    /// assert_eq!(ids.len(), 9);
    /// assert!(!ids.contains(&gone.as_str()));
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn query_handles(&self, spec: &QuerySpec) -> Result<PageHandles, crate::StoreError> {
        self.query_handles_until(spec, None)
    }

    /// [`Store::query_handles`] that gives up at `deadline`, as
    /// [`Store::query_ref_until`](crate::Store::query_ref_until) does.
    ///
    /// ```
    /// let s = store::generate::store(2, 50);
    /// let later = std::time::Instant::now() + std::time::Duration::from_secs(60);
    /// let page = s.query_handles_until(&store::QuerySpec::default(), Some(later))?;
    /// assert_eq!(page.rows.len(), 20);
    /// # Ok::<(), store::StoreError>(())
    /// ```
    pub fn query_handles_until(
        &self,
        spec: &QuerySpec,
        deadline: Option<std::time::Instant>,
    ) -> Result<PageHandles, crate::StoreError> {
        let (slots, total) = self.select(spec, deadline)?;
        let rows = slots
            .iter()
            .filter_map(|&slot| {
                self.row(slot).map(|row| RowHandle {
                    slot,
                    id: Arc::clone(&row.id),
                })
            })
            .collect();
        Ok(PageHandles { rows, total })
    }

    /// The row `handle` names, as it is now: `None` when it was deleted (or
    /// its slot now holds another conversation). Its metadata and members are
    /// the current ones.
    ///
    /// See [`Store::query_handles`](crate::Store::query_handles) for an example.
    pub fn resolve(&self, handle: &RowHandle) -> Option<crate::ConversationRef<'_>> {
        let row = self.row(handle.slot)?;
        (Arc::ptr_eq(&row.id, &handle.id) || row.id == handle.id)
            .then(|| crate::ConversationRef::new(&self.strings, &self.people, row))
    }
}
