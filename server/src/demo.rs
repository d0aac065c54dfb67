//! The start-up banner: one ready-to-paste `curl` per route family, with a
//! valid token (`api.md` §2.6).

use std::net::SocketAddr;

use crate::config::AppCredential;

/// The banner text for a server listening on `addr`.
///
/// `token` is a valid bearer token (the demo app's, or a static one); `app`
/// is the pair to show in the token-generation example (`secret_shown`
/// false prints `$DEMO_APP_SECRET` instead of the secret itself).
///
/// ```
/// let addr: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
/// let b = server::demo::banner(addr, Some("tok"), None, false);
/// assert!(b.contains("curl -H 'Authorization: Bearer tok' 'http://127.0.0.1:8080/get-all-conversations?organization_id=acme&user_id=user1'"));
/// assert!(b.contains("curl 'http://127.0.0.1:8080/api/conversations?status=pending_human'"));
/// ```
pub fn banner(
    addr: SocketAddr,
    token: Option<&str>,
    app: Option<&AppCredential>,
    secret_shown: bool,
) -> String {
    let host = if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    };
    let base = format!("http://{host}");
    let mut out = String::new();
    let auth = match token {
        Some(t) => format!("-H 'Authorization: Bearer {t}' "),
        None => {
            out.push_str("no token configured: the protected routes will answer 401 (set DEMO_APP_ID/DEMO_APP_SECRET or --static-token)\n");
            String::new()
        }
    };
    if let Some(app) = app {
        let secret = if secret_shown {
            app.app_secret.clone()
        } else {
            "'\"$DEMO_APP_SECRET\"'".to_owned()
        };
        out.push_str(&format!(
            "# a token (same one while valid):\ncurl -X POST '{base}/oauth2/token:generate' -H 'Content-Type: application/json' -d '{{\"type\":\"application\",\"appId\":\"{}\",\"appSecret\":\"{secret}\"}}'\n",
            app.app_id
        ));
    }
    out.push_str(&format!(
        "# Symbl conversations (RSQL filter, sort, paging):\ncurl {auth}'{base}/v1/conversations?limit=2&sort=-conversation.startTime&filter=conversation.type==meeting;metadata.agentId=in=(agent-0007,agent-0042)'\n"
    ));
    out.push_str(&format!(
        "# Mongo-backed documents:\ncurl {auth}'{base}/get-all-conversations?organization_id=acme&user_id=user1'\n"
    ));
    out.push_str(&format!(
        "# WhatsApp conversations (open route):\ncurl '{base}/api/conversations?status=pending_human'\n"
    ));
    out.push_str(&format!(
        "# chatbot messages:\ncurl {auth}'{base}/v1/api/conversation-messages/1?page=1&per_page=5'\n"
    ));
    out
}
