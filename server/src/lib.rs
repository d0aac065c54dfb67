//! warp demo service (work in progress).
