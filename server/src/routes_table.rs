//! The table of every route's path pattern and methods. `handle_rejection`
//! uses it to tell 405 (known path) from 404, and `openapi.rs` checks its
//! document against it in tests, so the three can't drift apart.

/// Every route: path pattern (`{name}` = one segment) and its methods
/// (`HEAD` wherever `GET` is: it is answered on every GET route).
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/healthz", &["GET", "HEAD"]),
    ("/readyz", &["GET", "HEAD"]),
    ("/openapi.json", &["GET", "HEAD"]),
    ("/oauth2/token:generate", &["POST"]),
    ("/v1/conversations", &["GET", "HEAD"]),
    (
        "/v1/conversations/{conversationId}",
        &["GET", "HEAD", "PUT", "DELETE"],
    ),
    (
        "/v1/conversations/{conversationId}/members",
        &["GET", "HEAD"],
    ),
    (
        "/v1/conversations/{conversationId}/members/{memberId}",
        &["PUT"],
    ),
    (
        "/v1/conversations/{conversationId}/messages",
        &["GET", "HEAD"],
    ),
    (
        "/v1/conversations/{conversationId}/topics",
        &["GET", "HEAD"],
    ),
    (
        "/v1/conversations/{conversationId}/questions",
        &["GET", "HEAD"],
    ),
    (
        "/v1/conversations/{conversationId}/action-items",
        &["GET", "HEAD"],
    ),
    (
        "/v1/conversations/{conversationId}/follow-ups",
        &["GET", "HEAD"],
    ),
    ("/get-all-conversations", &["GET", "HEAD"]),
    ("/api/conversations", &["GET", "HEAD"]),
    ("/api/get-conversations", &["GET", "HEAD"]),
    ("/api/get-conversations.php", &["GET", "HEAD"]),
    ("/v1/api/conversation-messages/{id}", &["GET", "HEAD"]),
];

/// The methods accepted on `path`, or `None` if no route has this path.
/// A single trailing `/` is ignored, as warp does.
///
/// ```
/// use server::routes_table::allowed_methods;
/// assert_eq!(allowed_methods("/v1/conversations/42"), Some(&["GET", "HEAD", "PUT", "DELETE"][..]));
/// assert_eq!(allowed_methods("/v1/conversations/"), Some(&["GET", "HEAD"][..]));
/// assert_eq!(allowed_methods("/v2/nothing"), None);
/// ```
pub fn allowed_methods(path: &str) -> Option<&'static [&'static str]> {
    let path = path.strip_prefix('/')?;
    let path = path.strip_suffix('/').unwrap_or(path);
    ROUTES.iter().find_map(|(pattern, methods)| {
        let pat = pattern.strip_prefix('/').unwrap_or(pattern);
        let mut have = path.split('/');
        let mut want = pat.split('/');
        loop {
            match (have.next(), want.next()) {
                (None, None) => return Some(*methods),
                (Some(h), Some(w)) => {
                    let var = w.starts_with('{');
                    if (var && h.is_empty()) || (!var && h != w) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    })
}
