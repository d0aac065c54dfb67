//! The start-up banner (`api.md` §2.6): where the data lives, the span of
//! the Symbl data, the chatbot ids, and one ready-to-paste `curl` per route
//! family with a valid token and `Content-Type` wherever a body is sent.

use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::config::AppCredential;

/// How the banner shows the secret of the app pair in its token example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretShown {
    /// The secret itself (a pair the server generated).
    Verbatim,
    /// A shell reference to the environment variable that holds it.
    EnvVar(&'static str),
    /// A placeholder (a pair given with `--app`; the secret is not echoed).
    Placeholder,
}

/// What the banner describes.
#[derive(Clone, Debug)]
pub struct Banner<'a> {
    /// The bound address (an unspecified IP is shown as `127.0.0.1`).
    pub addr: SocketAddr,
    /// A valid bearer token for the protected routes.
    pub token: Option<&'a str>,
    /// The pair shown in the token example.
    pub app: Option<&'a AppCredential>,
    /// How its secret is shown.
    pub secret: SecretShown,
    /// Whether `app` was generated at start-up (no pair was configured).
    pub generated: bool,
    /// Where the data lives, e.g. `memory only (lost on exit)`.
    pub storage: &'a str,
    /// The span `[from, until)` of the generated Symbl start times, epoch ms.
    pub symbl_span: Option<(i64, i64)>,
    /// The generated chatbot conversation ids `1..=n`.
    pub chatbot_ids: Option<u64>,
    /// The time the banner is printed, epoch ms (decides whether the plain
    /// `GET /v1/conversations`, whose default window is the last 7 days,
    /// returns data).
    pub now_ms: i64,
}

const WEEK_MS: i64 = 7 * 86_400_000;

impl Banner<'_> {
    /// The banner text.
    ///
    /// ```
    /// use server::demo::{Banner, SecretShown};
    /// use server::config::AppCredential;
    /// let app = AppCredential { app_id: "demo-1".into(), app_secret: "s3cret".into() };
    /// let b = Banner {
    ///     addr: "0.0.0.0:8080".parse().unwrap(),
    ///     token: Some("tok"),
    ///     app: Some(&app),
    ///     secret: SecretShown::Verbatim,
    ///     generated: true,
    ///     storage: "memory only (lost on exit)",
    ///     symbl_span: Some((1_609_459_200_000, 1_640_995_200_000)),
    ///     chatbot_ids: Some(100),
    ///     now_ms: 1_640_995_200_000,
    /// }
    /// .render();
    /// assert!(b.contains("-H 'Content-Type: application/json' -d '{\"type\":\"application\",\"appId\":\"demo-1\",\"appSecret\":\"s3cret\"}'"));
    /// assert!(b.contains("curl -H 'Authorization: Bearer tok' 'http://127.0.0.1:8080/get-all-conversations?organization_id=acme&user_id=user1'"));
    /// assert!(b.contains("curl 'http://127.0.0.1:8080/api/conversations?status=pending_human'"));
    /// assert!(b.contains("between 2021-01-01T00:00:00Z and 2022-01-01T00:00:00Z"));
    /// assert!(b.contains("chatbot conversation ids: 1 to 100"));
    /// ```
    pub fn render(&self) -> String {
        let host = if self.addr.ip().is_unspecified() {
            format!("127.0.0.1:{}", self.addr.port())
        } else {
            self.addr.to_string()
        };
        let base = format!("http://{host}");
        let mut out = String::new();
        let _ = writeln!(out, "data: {}", self.storage);
        if let Some((from, until)) = self.symbl_span {
            let _ = writeln!(
                out,
                "Symbl conversations start between {} and {} (--demo-until pins the end)",
                rfc3339(from),
                rfc3339(until)
            );
        }
        if let Some(n) = self.chatbot_ids {
            let _ = writeln!(out, "chatbot conversation ids: 1 to {n}");
        }
        let auth = match self.token {
            Some(t) => format!("-H 'Authorization: Bearer {t}' "),
            None => {
                out.push_str("no token: the protected routes will answer 401 (give --app ID:SECRET, DEMO_APP_ID/DEMO_APP_SECRET or --static-token)\n");
                String::new()
            }
        };
        if let Some(app) = self.app {
            let secret = match self.secret {
                SecretShown::Verbatim => app.app_secret.clone(),
                SecretShown::EnvVar(var) => format!("'\"${var}\"'"),
                SecretShown::Placeholder => "<the secret given with --app>".to_owned(),
            };
            let what = if self.generated {
                "app pair generated for this run (no --app or DEMO_APP_ID/DEMO_APP_SECRET given)"
            } else {
                "app pair"
            };
            let _ = writeln!(out, "{what}: appId {}", app.app_id);
            let _ = writeln!(
                out,
                "# a token (the same one while it is valid):\ncurl -X POST '{base}/oauth2/token:generate' -H 'Content-Type: application/json' -d '{{\"type\":\"application\",\"appId\":\"{}\",\"appSecret\":\"{secret}\"}}'",
                app.app_id
            );
        }
        let recent = self
            .symbl_span
            .is_some_and(|(_, until)| until >= self.now_ms - WEEK_MS);
        if recent {
            let _ = writeln!(
                out,
                "# Symbl conversations of the last 7 days (the default window):\ncurl {auth}'{base}/v1/conversations'"
            );
        }
        let _ = writeln!(
            out,
            "# Symbl conversations (RSQL filter, sort, paging):\ncurl {auth}'{base}/v1/conversations?limit=2&sort=-conversation.startTime&filter=conversation.type==meeting;metadata.agentId=in=(agent-0007,agent-0042)'"
        );
        let _ = writeln!(
            out,
            "# Mongo-backed documents (parameters may also come as a JSON body):\ncurl {auth}'{base}/get-all-conversations?organization_id=acme&user_id=user1'"
        );
        let _ = writeln!(
            out,
            "# WhatsApp conversations (open route):\ncurl '{base}/api/conversations?status=pending_human'"
        );
        let _ = writeln!(
            out,
            "# chatbot messages:\ncurl {auth}'{base}/v1/api/conversation-messages/1?page=1&per_page=5'"
        );
        out
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}
