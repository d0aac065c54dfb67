//! The demo's four route families through the PostgreSQL backend, as the
//! in-memory end-to-end test drives them: every `curl` the banner prints
//! works as printed and returns data, and the banner names the database
//! without its password.

use serde_json::Value;

use crate::http::Req;
use crate::pg_env::TempDb;
use crate::server_proc::Server;

/// Splits a banner `curl` line into its arguments (single quotes only).
fn curl_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for ch in line.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    args.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        args.push(cur);
    }
    args
}

fn with_password(url: &str, password: &str) -> String {
    url.replacen("postgres@", &format!("postgres:{password}@"), 1)
}

#[test]
fn every_banner_curl_works_on_postgres() {
    let test = "families::every_banner_curl_works_on_postgres";
    let Some(db) = TempDb::create(test, "families") else {
        return;
    };
    // Trust auth ignores the password; it must show nowhere.
    let url = with_password(db.url(), "hunter2-secret");
    let srv = Server::start(&[
        "--demo".to_owned(),
        "--demo-size".to_owned(),
        "3000".to_owned(),
        "--database-url".to_owned(),
        url,
    ]);
    let text = srv.wait_for_output("/v1/api/conversation-messages/");
    assert!(
        !text.contains("hunter2-secret"),
        "the password is printed:\n{text}"
    );
    assert!(text.contains("data: PostgreSQL at 127.0.0.1:"), "{text}");
    assert!(
        text.contains("chatbot conversation ids: 1 to 100"),
        "{text}"
    );
    let curls: Vec<&str> = text.lines().filter(|l| l.starts_with("curl ")).collect();
    assert_eq!(curls.len(), 6, "{text}");
    for line in curls {
        let args = curl_args(line);
        let mut req = Req::get("").no_auth();
        let mut token = None;
        let mut it = args.iter().skip(1);
        while let Some(a) = it.next() {
            match a.as_str() {
                "-X" => {
                    req.method = match it.next().unwrap().as_str() {
                        "POST" => "POST",
                        "PUT" => "PUT",
                        other => panic!("method {other} in {line}"),
                    }
                }
                "-H" => {
                    let h = it.next().unwrap();
                    if let Some(t) = h.strip_prefix("Authorization: Bearer ") {
                        token = Some(t.to_owned());
                    }
                }
                "-d" => req.body = Some(it.next().unwrap().clone()),
                u => req.path = u.trim_start_matches(&srv.base).to_owned(),
            }
        }
        req.auth = token.is_some();
        let r = req
            .send_with_token(
                &srv.base,
                token.as_deref().unwrap_or(""),
                std::time::Duration::from_secs(60),
            )
            .unwrap();
        assert_eq!(r.status, 200, "{line}: {}", r.text());
        let v = r.json();
        let rows = match &v {
            Value::Array(a) => a.len(),
            Value::Object(o) => o
                .get("conversations")
                .and_then(Value::as_array)
                .map_or(o.len(), Vec::len),
            _ => 0,
        };
        assert!(rows > 0, "{line}: {v}");
    }
}
