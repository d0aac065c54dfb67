//! End to end: start the built `rsql-server` binary on an ephemeral port,
//! read the bound address it prints, and talk to it over TCP with reqwest.
//! Paging follows the `Link` headers and is compared with the store's answer.

use std::process::Command;

use serde_json::Value;

const APP_ID: &str = "e2e-app";
const APP_SECRET: &str = "e2e-secret";

/// The built binary with the test's app pair (see [`crate::proc::spawn`]).
fn start(args: &[&str]) -> crate::proc::Proc {
    crate::proc::spawn(
        args,
        &[("DEMO_APP_ID", APP_ID), ("DEMO_APP_SECRET", APP_SECRET)],
    )
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn token(base: &str) -> String {
    let r = client()
        .post(format!("{base}/oauth2/token:generate"))
        .json(&serde_json::json!({"type": "application", "appId": APP_ID, "appSecret": APP_SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["accessToken"].as_str().unwrap().to_owned()
}

/// `<url>; rel="next"` out of a Link header.
fn next_link(link: Option<&str>) -> Option<String> {
    link?.split(", ").find_map(|part| {
        let (url, rel) = part.split_once("; ")?;
        (rel == "rel=\"next\"")
            .then(|| url.trim_start_matches('<').trim_end_matches('>').to_owned())
    })
}

#[tokio::test]
async fn demo_server_over_tcp() {
    let srv = start(&["--demo", "--demo-size", "3000"]);
    let base = &srv.base;
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_ne!(base, "http://127.0.0.1:0");

    // The banner's token works.
    let banner_token = srv
        .banner
        .iter()
        .find_map(|l| {
            l.split("Bearer ")
                .nth(1)
                .map(|t| t.split('\'').next().unwrap_or("").to_owned())
        })
        .expect("a token in the banner");
    let t = token(base).await;
    assert_eq!(
        t, banner_token,
        "Symbl caching rule: the same token while valid"
    );

    let r = client()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));

    // 404 and 405 over the wire, in their envelopes.
    let r = client()
        .get(format!("{base}/api/none"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["success"], false);
    let r = client()
        .delete(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);

    // Chatbot: follow Link rel="next" through every page.
    let all: Value = client()
        .get(format!(
            "{base}/v1/api/conversation-messages/1?per_page=100"
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut url = Some(format!("{base}/v1/api/conversation-messages/1?per_page=7"));
    let mut walked = Vec::new();
    while let Some(u) = url {
        let full = if u.starts_with('/') {
            format!("{base}{u}")
        } else {
            u
        };
        let r = client().get(&full).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), 200);
        url = next_link(r.headers().get("link").and_then(|v| v.to_str().ok()));
        walked.extend(r.json::<Value>().await.unwrap().as_array().unwrap().clone());
    }
    assert_eq!(Value::Array(walked), all);

    // Symbl list: follow Link rel="next" with a filter that needs encoding,
    // and compare with the store's own answer on the same generated data.
    let filter = "metadata.agentId=in=(agent-0007,agent-0042,agent-0311,agent-0100,agent-0200);conversation.type!='x y'";
    let (want, total) = {
        let s = store::generate::store(42, 3000);
        let mut spec = store::QuerySpec::from_params(
            &store::Params {
                limit: Some("65536"),
                sort: Some("-conversation.startTime,conversation.name"),
                filter: Some(filter),
                ..Default::default()
            },
            chrono::Utc::now().timestamp_millis(),
        )
        .unwrap();
        spec.window = None;
        let page = s.query(&spec).unwrap();
        (
            page.items.into_iter().map(|c| c.id).collect::<Vec<_>>(),
            page.total,
        )
    };
    assert!(total > 8, "several pages expected, total {total}");
    let mut url = Some(format!(
        "{base}/v1/conversations?limit=4&sort=-conversation.startTime,conversation.name&filter={}",
        server::query::encode(filter)
    ));
    let mut got = Vec::new();
    while let Some(u) = url {
        let full = if u.starts_with('/') {
            format!("{base}{u}")
        } else {
            u
        };
        let r = client().get(&full).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), 200, "{full}");
        assert_eq!(
            r.headers()
                .get("x-total-count")
                .and_then(|v| v.to_str().ok()),
            Some(total.to_string().as_str())
        );
        url = next_link(r.headers().get("link").and_then(|v| v.to_str().ok()));
        let v: Value = r.json().await.unwrap();
        got.extend(
            v["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(got, want);

    // A filter error over the wire carries the caret snippet.
    let r = client()
        .get(format!(
            "{base}/v1/conversations?filter=conversation.type%3D%3D"
        ))
        .header("x-api-key", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["offset"], 19);
    assert!(v["snippet"].as_str().unwrap().contains('^'));

    // Mongo with a JSON body on GET.
    let r = client()
        .get(format!("{base}/get-all-conversations"))
        .bearer_auth(&t)
        .json(&serde_json::json!({"organization_id": "acme", "user_id": "user1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        !r.json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_shuts_down_cleanly() {
    let mut srv = start(&[]);
    let r = client()
        .get(format!("{}/healthz", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pid = srv.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let exit = srv.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

/// A request whose body is still arriving when SIGTERM comes is answered;
/// new connections are refused; the process then exits 0.
#[cfg(unix)]
#[test]
fn sigterm_lets_in_flight_requests_finish() {
    use std::io::{Read, Write};
    let mut srv = start(&[]);
    let addr = srv.base.trim_start_matches("http://").to_owned();
    let body = format!(r#"{{"type":"application","appId":"{APP_ID}","appSecret":"{APP_SECRET}"}}"#);
    let (head, tail) = body.split_at(10);
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "POST /oauth2/token:generate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    conn.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let pid = srv.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // Wait until the listener is closed (bounded), then finish the body.
    let mut refused = false;
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        if std::net::TcpStream::connect(&addr).is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused, "the listener should close on SIGTERM");
    conn.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("accessToken"), "{answer}");
    assert!(srv.child.wait().unwrap().success());
}

#[tokio::test]
async fn symbl_data_file_is_served_and_bad_lines_skipped() {
    let dir = std::env::temp_dir().join(format!("rsql-e2e-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("conv.jsonl");
    let mut data = Vec::new();
    store::generate::write_jsonl(5, 50, &mut data).unwrap();
    data.extend_from_slice(b"{not json}\n");
    std::fs::write(&path, &data).unwrap();
    let srv = start(&[
        "--symbl-data",
        path.to_str().unwrap(),
        "--static-token",
        "tok",
    ]);
    let id = store::generate::conversation(5, 7).id;
    let r = client()
        .get(format!("{}/v1/conversations/{id}", srv.base))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], id.as_str());
    let r = client()
        .get(format!(
            "{}/v1/conversations?limit=0&startTime=2000-01-01T00:00:00Z",
            srv.base
        ))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "50");
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_data_file_fails_start_up_with_the_file_named() {
    let dir = std::env::temp_dir().join(format!("rsql-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.json");
    let out = Command::new(env!("CARGO_BIN_EXE_rsql-server"))
        // In memory: an inherited DATABASE_URL (CI exports one) would load into it.
        .env_remove("DATABASE_URL")
        .args(["--addr", "127.0.0.1:0", "--whatsapp-data"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--whatsapp-data"), "{err}");
    assert!(err.contains("missing.json"), "{err}");
}

/// The keys of every JSON object in `text`, object by object, in the order
/// they are written on the wire (a `serde_json::Value` would sort them).
fn objects_keys(text: &str) -> Vec<Vec<String>> {
    let mut done = Vec::new();
    let mut open: Vec<Vec<String>> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => open.push(Vec::new()),
            '}' => done.push(open.pop().unwrap()),
            '"' => {
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => s.push(chars.next().unwrap()),
                        '"' => break,
                        c => s.push(c),
                    }
                }
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
                if chars.peek() == Some(&':') {
                    open.last_mut().unwrap().push(s);
                }
            }
            _ => {}
        }
    }
    done
}

/// Whether `keys` appear in the order of `order` (each at most once, none other).
fn in_order(keys: &[String], order: &[&str]) -> bool {
    let mut at = 0;
    keys.iter()
        .all(|k| match order[at..].iter().position(|o| o == k) {
            Some(p) => {
                at += p + 1;
                true
            }
            None => false,
        })
}

/// `X-Total-Count` of the Symbl list of every demo conversation.
async fn list_total(base: &str) -> u64 {
    let r = client()
        .get(format!(
            "{base}/v1/conversations?limit=0&filter=conversation.startTime%3Dge%3D2000-01-01"
        ))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    r.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn raw(url: &str) -> (u16, String) {
    let r = client().get(url).bearer_auth("tok").send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The answers' details over TCP: one key order for members and messages,
/// a 404 that shows the path, the per-value filter limit at and past it with
/// a short error, and WhatsApp's `offset` with `Link`.
#[tokio::test]
async fn answers_keep_one_key_order_and_short_clear_errors() {
    let srv = start(&["--demo", "--demo-size", "200", "--static-token", "tok"]);
    let base = &srv.base;

    // Conversations, members and messages: members `id,name,email` everywhere.
    const MEMBER: [&str; 3] = ["id", "name", "email"];
    const MESSAGE: [&str; 9] = [
        "id",
        "text",
        "from",
        "startTime",
        "endTime",
        "conversationId",
        "phrases",
        "sentiment",
        "words",
    ];
    let (status, list) = raw(&format!(
        "{base}/v1/conversations?limit=20&filter=conversation.startTime%3Dge%3D2000-01-01"
    ))
    .await;
    assert_eq!(status, 200, "{list}");
    let list: Value = serde_json::from_str(&list).unwrap();
    let mut members_seen = 0;
    let mut messages_seen = 0;
    for c in list["conversations"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (status, body) = raw(&format!("{base}/v1/conversations/{id}")).await;
        assert_eq!(status, 200);
        let conv_members: Vec<Vec<String>> = objects_keys(&body)
            .into_iter()
            .filter(|k| k.len() >= 2 && k[1] == "name" && k.len() <= 3)
            .collect();
        let (status, body) = raw(&format!("{base}/v1/conversations/{id}/members")).await;
        assert_eq!(status, 200);
        assert!(body.starts_with(r#"{"members":["#), "{body}");
        let objs = objects_keys(&body);
        let members: Vec<Vec<String>> = objs[..objs.len() - 1].to_vec();
        assert_eq!(
            members, conv_members,
            "the same keys as in the conversation"
        );
        for m in &members {
            assert!(in_order(m, &MEMBER) && m.len() >= 2, "{body}");
        }
        members_seen += members.iter().filter(|m| m.len() == 3).count();
        let (status, body) = raw(&format!(
            "{base}/v1/conversations/{id}/messages?verbose=true&sentiment=true"
        ))
        .await;
        assert_eq!(status, 200);
        assert!(body.starts_with(r#"{"messages":["#), "{body}");
        for keys in objects_keys(&body) {
            match keys.first().map(String::as_str) {
                Some("id") if keys.get(1).is_some_and(|k| k == "text") => {
                    assert!(in_order(&keys, &MESSAGE), "{keys:?}");
                    messages_seen += 1;
                }
                Some("id") => assert!(in_order(&keys, &["id", "name", "userId"]), "{keys:?}"),
                Some("word") => assert_eq!(keys, ["word", "startTime", "endTime"]),
                Some("polarity") => assert_eq!(keys, ["polarity", "suggested"]),
                _ => {}
            }
        }
    }
    assert!(
        members_seen > 0 && messages_seen > 0,
        "{members_seen} {messages_seen}"
    );

    // The Symbl list past its end: no row, `prev` and `last` on the last page.
    let total: u64 = list_total(base).await;
    assert!(total > 7, "{total}");
    let r = client()
        .get(format!(
            "{base}/v1/conversations?limit=7&offset={}&filter=conversation.startTime%3Dge%3D2000-01-01",
            total + 30
        ))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let link = r.headers()["link"].to_str().unwrap().to_owned();
    let last = format!(
        "</v1/conversations?limit=7&offset={}&filter=conversation.startTime%3Dge%3D2000-01-01>",
        (total - 1) / 7 * 7
    );
    assert_eq!(
        link,
        format!(
            "{last}; rel=\"prev\", \
             </v1/conversations?limit=7&offset=0&filter=conversation.startTime%3Dge%3D2000-01-01>; rel=\"first\", \
             {last}; rel=\"last\""
        )
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["conversations"], serde_json::json!([]));

    // A 404 shows the method and the whole path, however deep.
    let path = format!("/v1/conversations/1/{}", "deep/".repeat(40));
    let (status, body) = raw(&format!("{base}{path}")).await;
    assert_eq!(status, 404);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["message"], format!("no route for GET `{path}`"));

    // The per-value filter limit: 4096 bytes pass, 4097 get a short 400.
    let at = format!(
        "{base}/v1/conversations?filter=conversation.name%3D%3D{}",
        "x".repeat(4096)
    );
    assert_eq!(raw(&at).await.0, 200);
    let (status, body) = raw(&format!("{at}x")).await;
    assert_eq!(status, 400);
    assert!(body.len() < 1024, "{} bytes: {body}", body.len());
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["reason"], "value_too_long");
    assert_eq!(v["offset"], 19);
    assert_eq!(
        v["message"],
        "filter: a value is 4097 bytes long, the limit is 4096 bytes per value"
    );
    let snippet: Vec<&str> = v["snippet"].as_str().unwrap().lines().collect();
    assert!(snippet[0].starts_with("conversation.name==xxx") && snippet[0].ends_with('…'));
    assert_eq!(snippet[1].find('^'), Some(19), "{snippet:?}");
    assert!(snippet[1].ends_with("^…"));
    assert_eq!(snippet[2], "help: use a shorter value");

    // WhatsApp: `offset` past the first 100 rows, `Link` to the last page.
    let r = client()
        .get(format!("{base}/api/conversations?offset=250"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-total-count"], "300");
    assert_eq!(
        r.headers()["link"],
        "</api/conversations?limit=100&offset=150>; rel=\"prev\", \
         </api/conversations?limit=100&offset=0>; rel=\"first\", \
         </api/conversations?limit=100&offset=200>; rel=\"last\""
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["conversations"].as_array().unwrap().len(), 50);
}
