//! The demo's four route families through the PostgreSQL backend, as the
//! in-memory end-to-end test drives them: every `curl` the banner prints
//! works as printed and returns data, and the banner names the database
//! without its password.

use crate::banner::{Curl, rows_in};
use crate::http::Req;
use crate::server_proc::Server;
use test_pg::TempDb;

fn with_password(url: &str, password: &str) -> String {
    url.replacen("postgres@", &format!("postgres:{password}@"), 1)
}

#[test]
fn every_banner_curl_works_on_postgres() {
    let test = "families::every_banner_curl_works_on_postgres";
    let Some(db) = TempDb::try_create(test, "families") else {
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
        let curl = Curl::parse(line);
        let mut req = Req::get(curl.url.trim_start_matches(&srv.base)).no_auth();
        req.method = match curl.method.as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            other => panic!("method {other} in {line}"),
        };
        req.body = curl.body.clone();
        let token = curl.bearer().map(str::to_owned);
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
        assert!(rows_in(&v) > 0, "{line}: {v}");
    }
}
