//! In-memory conversation store (work in progress).
