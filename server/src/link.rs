//! RFC 8288 `Link` headers for offset and page paging. Every parameter that
//! shapes the result is written back, percent-encoded with
//! [`query::encode`](crate::query::encode), so following a link reproduces the
//! query with only the position changed.

use crate::query::encode_into;

/// Builds `Link` for an offset-paged list.
///
/// `params` are the request's parameters in the order to write them
/// (`limit` and `offset` are added first). `next` is present while rows
/// remain after this page, `prev` when `offset > 0`, `first` always.
///
/// ```
/// let l = server::link::offset_links("/v1/conversations", &[("filter", "a==1;b==2")], 10, 5, 30);
/// assert_eq!(l,
///   "</v1/conversations?limit=10&offset=15&filter=a%3D%3D1%3Bb%3D%3D2>; rel=\"next\", \
///    </v1/conversations?limit=10&offset=0&filter=a%3D%3D1%3Bb%3D%3D2>; rel=\"prev\", \
///    </v1/conversations?limit=10&offset=0&filter=a%3D%3D1%3Bb%3D%3D2>; rel=\"first\"");
/// ```
pub fn offset_links(
    path: &str,
    params: &[(&str, &str)],
    limit: u64,
    offset: u64,
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
    let mut out = String::with_capacity(3 * (path.len() + tail.len() + 64));
    let mut link = |off: u64, rel: &str| {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push('<');
        out.push_str(path);
        out.push_str("?limit=");
        out.push_str(itoa::Buffer::new().format(limit));
        out.push_str("&offset=");
        out.push_str(itoa::Buffer::new().format(off));
        out.push_str(&tail);
        out.push_str(">; rel=\"");
        out.push_str(rel);
        out.push('"');
    };
    if limit > 0 && offset.saturating_add(limit) < total {
        link(offset + limit, "next");
    }
    if offset > 0 {
        link(offset.saturating_sub(limit), "prev");
    }
    link(0, "first");
    out
}

/// Builds `Link` for a page-numbered list (`page` from 1).
///
/// ```
/// let l = server::link::page_links("/v1/api/conversation-messages/1", 2, 50, 120);
/// assert!(l.contains("page=3&per_page=50>; rel=\"next\""));
/// assert!(l.contains("page=1&per_page=50>; rel=\"prev\""));
/// assert!(l.contains("rel=\"last\""));
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
