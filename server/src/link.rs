//! RFC 8288 `Link` headers for offset and page paging (`api.md` §2.0). Every
//! parameter that shapes the result is written back, percent-encoded with
//! [`query::encode`](crate::query::encode), so following a link reproduces the
//! query with only the position changed.
//!
//! Both builders follow one rule set, in this order of relations:
//!
//! * `next`: while rows remain after this page;
//! * `prev`: when this page is not the first; a page past the end (an
//!   `offset ≥ total`, a `page > last`) points `prev` at the last page;
//! * `first`: always;
//! * `last`: always; the page that holds the last row, pages counted from
//!   the start (`offset` a multiple of `limit`, like `page` from 1), or the
//!   first page when there is no row.
//!
//! With `limit=0` an offset list has no page to move by: only `first` and
//! `last` (both at offset 0) are written.

use crate::query::encode_into;

/// The offset of the page that holds the last of `total` rows, pages of
/// `limit` rows counted from offset 0; 0 when there is no row or `limit` is 0.
///
/// ```
/// use server::link::last_offset;
/// assert_eq!(last_offset(10, 30), 20);
/// assert_eq!(last_offset(10, 31), 30);
/// assert_eq!(last_offset(10, 0), 0);
/// assert_eq!(last_offset(0, 30), 0);
/// ```
pub fn last_offset(limit: u64, total: u64) -> u64 {
    if limit == 0 || total == 0 {
        0
    } else {
        (total - 1) / limit * limit
    }
}

/// Builds `Link` for an offset-paged list.
///
/// `params` are the request's parameters in the order to write them
/// (`limit` and `offset` are added first). The relations are those of the
/// [module rules](self): `next`, `prev`, `first`, `last`.
///
/// ```
/// use server::link::offset_links;
/// let l = offset_links("/v1/conversations", &[("filter", "a==1;b==2")], 10, 5, 30);
/// assert_eq!(l,
///   "</v1/conversations?limit=10&offset=15&filter=a%3D%3D1%3Bb%3D%3D2>; rel=\"next\", \
///    </v1/conversations?limit=10&offset=0&filter=a%3D%3D1%3Bb%3D%3D2>; rel=\"prev\", \
///    </v1/conversations?limit=10&offset=0&filter=a%3D%3D1%3Bb%3D%3D2>; rel=\"first\", \
///    </v1/conversations?limit=10&offset=20&filter=a%3D%3D1%3Bb%3D%3D2>; rel=\"last\"");
///
/// // The first page has no `prev`; the last has no `next`.
/// let l = offset_links("/api/conversations", &[], 100, 0, 300);
/// assert_eq!(l,
///   "</api/conversations?limit=100&offset=100>; rel=\"next\", \
///    </api/conversations?limit=100&offset=0>; rel=\"first\", \
///    </api/conversations?limit=100&offset=200>; rel=\"last\"");
///
/// // Past the end, `prev` is the last page (not `offset - limit`).
/// let l = offset_links("/api/conversations", &[], 100, 1000, 300);
/// assert_eq!(l,
///   "</api/conversations?limit=100&offset=200>; rel=\"prev\", \
///    </api/conversations?limit=100&offset=0>; rel=\"first\", \
///    </api/conversations?limit=100&offset=200>; rel=\"last\"");
/// ```
pub fn offset_links(
    path: &str,
    params: &[(&str, &str)],
    limit: u64,
    offset: u64,
    total: u64,
) -> String {
    offset_links_named(path, params, limit, ("offset", offset), total)
}

/// [`offset_links`] for a list whose offset parameter has another name
/// (the Mongo route's `skip`).
///
/// ```
/// use server::link::offset_links_named;
/// let l = offset_links_named("/m", &[("organization_id", "acme")], 10, ("skip", 10), 25);
/// assert_eq!(l,
///   "</m?limit=10&skip=20&organization_id=acme>; rel=\"next\", \
///    </m?limit=10&skip=0&organization_id=acme>; rel=\"prev\", \
///    </m?limit=10&skip=0&organization_id=acme>; rel=\"first\", \
///    </m?limit=10&skip=20&organization_id=acme>; rel=\"last\"");
/// ```
pub fn offset_links_named(
    path: &str,
    params: &[(&str, &str)],
    limit: u64,
    (offset_name, offset): (&str, u64),
    total: u64,
) -> String {
    // The parameters are encoded once; each link repeats them.
    let mut tail =
        String::with_capacity(params.iter().map(|(k, v)| k.len() + 3 * v.len() + 2).sum());
    for (k, v) in params {
        tail.push('&');
        tail.push_str(k);
        tail.push('=');
        encode_into(&mut tail, v);
    }
    let mut out = String::with_capacity(4 * (path.len() + tail.len() + 48));
    let mut link = |off: u64, rel: &str| {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push('<');
        out.push_str(path);
        out.push_str("?limit=");
        out.push_str(itoa::Buffer::new().format(limit));
        out.push('&');
        out.push_str(offset_name);
        out.push('=');
        out.push_str(itoa::Buffer::new().format(off));
        out.push_str(&tail);
        out.push_str(">; rel=\"");
        out.push_str(rel);
        out.push('"');
    };
    let last = last_offset(limit, total);
    if limit > 0 {
        if offset.saturating_add(limit) < total {
            link(offset + limit, "next");
        }
        if offset >= total && offset > 0 {
            link(last, "prev");
        } else if offset > 0 {
            link(offset.saturating_sub(limit), "prev");
        }
    }
    link(0, "first");
    link(last, "last");
    out
}

/// Builds `Link` for a page-numbered list (`page` from 1), with the same
/// relations and rules as [`offset_links`].
///
/// ```
/// use server::link::page_links;
/// let l = page_links("/v1/api/conversation-messages/1", 2, 50, 120);
/// assert_eq!(l,
///   "</v1/api/conversation-messages/1?page=3&per_page=50>; rel=\"next\", \
///    </v1/api/conversation-messages/1?page=1&per_page=50>; rel=\"prev\", \
///    </v1/api/conversation-messages/1?page=1&per_page=50>; rel=\"first\", \
///    </v1/api/conversation-messages/1?page=3&per_page=50>; rel=\"last\"");
///
/// // Past the end, `prev` is the last page.
/// let l = page_links("/m", 9, 50, 120);
/// assert!(l.starts_with("</m?page=3&per_page=50>; rel=\"prev\""));
/// // No row: one page, no `prev`/`next`.
/// assert_eq!(page_links("/m", 1, 20, 0),
///   "</m?page=1&per_page=20>; rel=\"first\", </m?page=1&per_page=20>; rel=\"last\"");
/// ```
pub fn page_links(path: &str, page: u64, per_page: u64, total: u64) -> String {
    let url = |p: u64| format!("{path}?page={p}&per_page={per_page}");
    let last = total.div_ceil(per_page.max(1)).max(1);
    let mut parts = Vec::with_capacity(4);
    if page < last {
        parts.push(format!("<{}>; rel=\"next\"", url(page + 1)));
    }
    if page > 1 {
        parts.push(format!("<{}>; rel=\"prev\"", url((page - 1).min(last))));
    }
    parts.push(format!("<{}>; rel=\"first\"", url(1)));
    parts.push(format!("<{}>; rel=\"last\"", url(last)));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(rel, number)` pairs of a header: the `offset` or `page` of each link.
    fn rels(header: &str, key: &str) -> Vec<(String, u64)> {
        header
            .split(", ")
            .map(|part| {
                let (url, rel) = part.split_once(">; rel=").unwrap();
                let n = url
                    .split(['?', '&'])
                    .find_map(|kv| kv.strip_prefix(key))
                    .unwrap()
                    .parse()
                    .unwrap();
                (rel.trim_matches('"').to_owned(), n)
            })
            .collect()
    }

    #[test]
    fn offset_links_agree_with_page_links_on_aligned_pages() {
        for limit in 1..=4u64 {
            for total in 0..=13u64 {
                for page in 1..=6u64 {
                    let offset = (page - 1) * limit;
                    let by_offset: Vec<(String, u64)> =
                        rels(&offset_links("/x", &[], limit, offset, total), "offset=")
                            .into_iter()
                            .map(|(rel, off)| (rel, off / limit + 1))
                            .collect();
                    let by_page = rels(&page_links("/x", page, limit, total), "page=");
                    assert_eq!(
                        by_offset, by_page,
                        "limit {limit}, total {total}, page {page}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_link_points_inside_the_rows_or_at_offset_zero() {
        for limit in 1..=4u64 {
            for total in 0..=13u64 {
                for offset in 0..=20u64 {
                    let l = offset_links("/x", &[], limit, offset, total);
                    for (rel, off) in rels(&l, "offset=") {
                        assert!(off == 0 || off < total, "{rel} of {l}");
                        if rel == "prev" {
                            assert!(offset > 0 && off < offset, "{l}");
                        }
                        if rel == "next" {
                            assert!(off > offset, "{l}");
                        }
                    }
                    let has_prev = l.contains("rel=\"prev\"");
                    assert_eq!(has_prev, offset > 0, "{l}");
                }
            }
        }
    }

    #[test]
    fn limit_zero_has_only_first_and_last() {
        assert_eq!(
            offset_links("/x", &[("order", "asc")], 0, 5, 30),
            "</x?limit=0&offset=0&order=asc>; rel=\"first\", \
             </x?limit=0&offset=0&order=asc>; rel=\"last\""
        );
    }
}
