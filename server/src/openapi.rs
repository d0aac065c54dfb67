//! The OpenAPI 3.1 document of every route (`GET /openapi.json`), built by
//! hand with `serde_json`. A test checks it lists exactly the paths and
//! methods of [`routes_table::ROUTES`](crate::routes_table::ROUTES), plus a
//! `HEAD` twin of every `GET`.
//!
//! It describes every answer: the family's error envelope for each status an
//! operation can give (the HTTP layer's own 400/414/431 included),
//! `X-Request-Id` on every response, the paging headers, the limiter's
//! `RateLimit-*` (required on 429, with `Retry-After`), `Allow` on 405 and
//! the `filter` language in the parameter's description. Rules JSON Schema
//! cannot state (a filter's grammar and policy, `startTime` before `endTime`,
//! a member body's `id` equal to the path's, at most 100 metadata keys after
//! the merge, the Mongo database given in the query *or* the body) are in
//! the descriptions; `server/tests/contract.sh` lists them for schemathesis.
//! The prose version is `docs/http-api.md`.

use serde_json::{Value, json};

/// The whole document.
///
/// ```
/// let doc = server::openapi::document();
/// assert_eq!(doc["openapi"], "3.1.0");
/// assert!(doc["paths"]["/v1/conversations"]["get"].is_object());
/// ```
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "rsql demo server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Four conversation APIs (Symbl-compatible, Mongo-backed, WhatsApp bot, chatbot) over one in-memory store. Each family answers errors in its own envelope."
        },
        "servers": [{ "url": "/" }],
        "components": components(),
        "paths": paths(),
    })
}

/// The values the OpenAPI document shows as parameter examples, read from
/// the data being served (a conversation id and one of its members, chatbot
/// conversation `1`, organization `acme`), so generated requests
/// (schemathesis) reach real resources.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Examples {
    /// A conversation's id.
    pub conversation: Option<String>,
    /// One of its members' ids.
    pub member: Option<String>,
    /// `1` when chatbot conversation 1 exists.
    pub chatbot: Option<u64>,
    /// `acme` when it has a `conversations` collection.
    pub org: Option<&'static str>,
}

impl Examples {
    /// Reads the examples from `storage` (four small reads); a read that
    /// fails leaves its example out.
    ///
    /// ```
    /// use futures_util::FutureExt;
    /// let storage = server::Data::demo(1, 10).into_storage();
    /// let ex = server::openapi::Examples::collect(&storage).now_or_never().unwrap();
    /// assert_eq!(ex.chatbot, Some(1));
    /// assert!(ex.member.is_some());
    /// ```
    pub async fn collect(storage: &dyn store::storage::Storage) -> Examples {
        let spec = store::QuerySpec {
            limit: 1,
            window: None,
            ..Default::default()
        };
        let mut ex = Examples::default();
        if let Ok(page) = storage.list(spec).await
            && let Ok(body) = page.body.collect().await
        {
            let first = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["conversations"].get(0).cloned());
            if let Some(c) = first {
                ex.conversation = c["id"].as_str().map(str::to_owned);
                ex.member = c["members"][0]["id"].as_str().map(str::to_owned);
            }
        }
        if let Ok(Some(_)) = storage.chatbot_page(1, 1, 1).await {
            ex.chatbot = Some(1);
        }
        if let Ok(page) = storage
            .mongo_find("acme", "conversations", None, 0, Some(1))
            .await
            && page.total > 0
        {
            ex.org = Some("acme");
        }
        ex
    }
}

/// The document with `examples` filled in.
///
/// ```
/// use futures_util::FutureExt;
/// let storage = server::Data::demo(1, 10).into_storage();
/// let ex = server::openapi::Examples::collect(&storage).now_or_never().unwrap();
/// let doc = server::openapi::document_for(&ex);
/// let params = &doc["paths"]["/v1/api/conversation-messages/{id}"]["get"]["parameters"];
/// assert_eq!(params[0]["example"], 1);
/// ```
pub fn document_for(examples: &Examples) -> Value {
    let mut doc = document();
    let conv = examples.conversation.as_ref();
    let member = examples.member.as_ref();
    let chatbot = examples.chatbot;
    let org = examples.org;
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for op in ops.values_mut() {
                let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                    continue;
                };
                for p in params {
                    let example = match p["name"].as_str() {
                        Some("conversationId") => conv.map(|c| json!(c)),
                        Some("memberId") => member.map(|m| json!(m)),
                        Some("id") => chatbot.map(|id| json!(id)),
                        Some("organization_id") => org.map(|o| json!(o)),
                        _ => None,
                    };
                    if let Some(e) = example {
                        p["example"] = e;
                    }
                }
            }
        }
    }
    doc
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn resp(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": json_content(schema) })
}

/// A success response whose `headers` are `(component name, required)`.
fn resp_with(desc: &str, schema: Value, headers: &[(&str, bool)]) -> Value {
    let mut out = resp(desc, schema);
    out["headers"] = header_refs(headers);
    out
}

/// `{"X-Total-Count": {"$ref": …, "required": …}, …}` for `headers`.
fn header_refs(headers: &[(&str, bool)]) -> Value {
    let mut m = serde_json::Map::new();
    for (name, required) in headers {
        let mut h = header(name);
        h["required"] = Value::Bool(*required);
        m.insert((*name).to_owned(), h);
    }
    Value::Object(m)
}

/// The header object of component `name`, inlined (a `$ref` cannot carry
/// `required`, and whether a header is required depends on the response).
fn header(name: &str) -> Value {
    let (schema, desc) = match name {
        "X-Request-Id" => (
            json!({ "type": "string", "minLength": 1 }),
            "the request's `X-Request-Id` when it was 1–128 visible ASCII characters, else one the server made",
        ),
        "X-Total-Count" => (
            json!({ "type": "integer", "minimum": 0 }),
            "rows that match the request before paging",
        ),
        "Link" => (
            json!({ "type": "string" }),
            "RFC 8288 links `first`, `prev`, `next`, `last` (those that exist); each URL repeats every parameter, percent-encoded",
        ),
        "X-Page" => (json!({ "type": "integer", "minimum": 1 }), "the page sent"),
        "X-Per-Page" => (
            json!({ "type": "integer", "minimum": 1, "maximum": 100 }),
            "the page size used",
        ),
        "RateLimit-Limit" => (
            json!({ "type": "integer", "minimum": 0 }),
            "requests allowed per period and client address (only with `--rate-limit`)",
        ),
        "RateLimit-Remaining" => (
            json!({ "type": "integer", "minimum": 0 }),
            "requests left now (only with `--rate-limit`)",
        ),
        "RateLimit-Reset" => (
            json!({ "type": "integer", "minimum": 0 }),
            "seconds until the full quota is back (only with `--rate-limit`)",
        ),
        "Retry-After" => (
            json!({ "type": "integer", "minimum": 0 }),
            "seconds to wait before the next request is allowed",
        ),
        "Allow" => (json!({ "type": "string" }), "the methods the path accepts"),
        "WWW-Authenticate" => (json!({ "type": "string" }), "`Bearer`"),
        _ => (json!({ "type": "string" }), ""),
    };
    json!({ "description": desc, "schema": schema })
}

const S_ERR: &str = "SymblError";
const M_ERR: &str = "MongoError";
const W_ERR: &str = "WhatsAppError";
const C_ERR: &str = "ChatbotError";

/// The error answers of an operation without a body and without an id in
/// its path.
const READ: &[&str] = &["400", "401", "414", "429", "431", "500", "503"];
/// The error answers of an operation with an id in its path.
const READ_ID: &[&str] = &["400", "401", "404", "414", "429", "431", "500", "503"];
/// The error answers of an operation with a JSON body and an id in its path.
const WRITE_ID: &[&str] = &[
    "400", "401", "404", "413", "414", "415", "429", "431", "500", "503",
];
/// The error answers of the open service routes.
const SERVICE: &[&str] = &["400", "414", "429", "431"];

/// The error responses of `codes`, in `err`'s envelope.
fn errors(err: &str, codes: &[&str]) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for code in codes {
        let desc = match *code {
            "400" => {
                "invalid parameter or body, or a request the HTTP layer could not read (malformed request line or header)"
            }
            "401" => "missing, malformed, invalid or expired token",
            "404" => "the resource named in the path does not exist",
            "405" => "method not allowed on this path (`Allow` lists the methods)",
            "413" => "request body larger than the limit (1 MiB by default), however it is sent",
            "414" => "request target (path and query) too long for the HTTP layer",
            "415" => {
                "the body has a `Content-Type` other than `application/json` (a body without `Content-Type` is read as JSON)"
            }
            "429" => "rate limit exceeded (only with `--rate-limit`)",
            "431" => "request header fields too large for the HTTP layer",
            "503" => {
                "the storage is not answering (the database is unreachable or its pool had no connection within the wait): nothing was changed, retry after `Retry-After` seconds; or, in memory, a list query ran past `--statement-timeout` (no `Retry-After`: narrow the filter or the time window)"
            }
            _ => "internal error",
        };
        m.insert((*code).to_owned(), resp(desc, r(err)));
    }
    m
}

fn op(summary: &str, security: bool, ok: Value, err: &str, codes: &[&str], params: Value) -> Value {
    let mut responses = errors(err, codes);
    responses.insert("200".to_owned(), ok);
    let mut o = json!({
        "summary": summary,
        "parameters": params,
        "responses": responses,
    });
    if security {
        o["security"] = json!([{ "bearerAuth": [] }]);
    } else {
        o["security"] = json!([]);
    }
    o
}

/// A query parameter. Every route reads an empty value as an absent
/// parameter (`filter=`, `status=`), so the schema also admits `""`.
fn qp(name: &str, schema: Value, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": or_empty(schema), "description": desc })
}

fn pp(name: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": schema })
}

fn conv_id() -> Value {
    let mut p = pp(
        "conversationId",
        json!({ "type": "string", "minLength": 1 }),
    );
    p["description"] = json!("a Symbl conversation id");
    p
}

/// `true`/`false` in any letter case (`verbose`, `sentiment`).
fn boolean_text() -> Value {
    json!({ "type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$" })
}

/// The sortable fields, each with an optional `-` (descending), `+` or
/// spaces (a `+` decoded from a query string) prefix, at most 5; empty =
/// absent.
const SORT_PATTERN: &str = r"^$|^([-+]| +)?conversation\.(id|name|type|startTime|endTime)(,([-+]| +)?conversation\.(id|name|type|startTime|endTime)){0,4}$";

/// Characters that Rust's `char::is_whitespace` accepts (the server's e-mail
/// check refuses any of them), as a regex class body.
const WHITESPACE: &str = r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// The `filter` parameter's description: the language in short.
const FILTER_DOC: &str = "RSQL filter (the whole language: docs/filter-language.md in the repository).

**Comparisons** `selector operator value`, joined with `;` or ` and ` (AND); parentheses group. **OR (`,` or ` or ` between comparisons) is not allowed**: use `=in=` for alternatives of one field. At most **2 distinct fields** per filter (a field may appear in any number of comparisons; `metadata.k` and `conversation.metadata.k` are one field; `startTime`/`endTime` parameters do not count).

**Selectors**: `conversation.id`, `conversation.name`, `conversation.type` (strings); `conversation.startTime`, `conversation.endTime` (timestamps: RFC 3339 with an offset, or `YYYY-MM-DD` = midnight UTC); `conversation.metadata.<key>` or `metadata.<key>` (strings, compared as numbers by `<`/`>` when both sides are decimal numbers); `members.id`, `members.name`, `members.email` (alias `conversation.members.*`; true when any member matches, negations when none does).

**Operators**: `==`, `!=`, `=lt=` `<`, `=le=` `<=`, `=gt=` `>`, `=ge=` `>=`, `=in=(a,b)`, `=out=(a,b)`, and the extended `=like=` (`=ke=`), `=notlike=` (`=nk=`), `=ilike=` (`=ik=`), `=ic=` (`=icase=`), `=bt=(lo,hi)` (`=between=`), `=nb=(lo,hi)` (`=notbetween=`), `=isnull=true|false` (`=na=`, `=null=`), `=notnull=true|false` (`=nn=`).

**Values**: unquoted unless they contain a space or one of `\" ' ( ) ; , = ! ~ < >`; otherwise in single or double quotes, with `\\` escaping the next character inside quotes. `*` in `==`/`!=` (and the like family) on strings is a wildcard (`Sales*`, `*sync*`), except on `conversation.id`, which is exact (a star there is refused); a literal star is `\\*`. In a query string send `+` as `%2B` (a `+` decodes to a space).

**Limits**: at most 8 192 bytes, groups nested at most 32 deep, at most 500 values in one `=in=`/`=out=` list, at most 4 096 bytes per value, at most 1 024 comparisons. An empty `filter=` is the same as no filter. A filter replaces the default 7-day window unless `startTime`/`endTime` are given too.

**Errors** are 400 with `message` plus `code`, `kind`, `reason`, `param`, `offset` (bytes), `column`, `length` and `snippet` (the filter with carets under the culprit).";

fn filter_param() -> Value {
    let mut p = qp(
        "filter",
        json!({ "type": "string", "maxLength": 8192 }),
        FILTER_DOC,
    );
    p["examples"] = json!({
        "type": { "summary": "one field", "value": "conversation.type==meeting" },
        "agents": { "summary": "a list of values", "value": "conversation.metadata.agentId=in=(agent-0007,agent-0042)" },
        "twoFields": { "summary": "two fields, three comparisons", "value": "conversation.startTime=ge=2021-03-01;conversation.startTime=lt=2021-03-08T00:00:00Z;conversation.type==call" },
        "wildcard": { "summary": "a wildcard in a name", "value": "conversation.name==*Brainstorm*" },
        "member": { "summary": "any member's e-mail", "value": "members.email==*@acme.com and metadata.channel!=zoom" },
        "quoted": { "summary": "a quoted value with a space", "value": "conversation.name=='Legal Roadmap'" }
    });
    p
}

/// `schema`, or the empty string (the same as an absent parameter).
fn or_empty(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "string", "maxLength": 0 }] })
}

fn list_params() -> Value {
    json!([
        qp(
            "limit",
            json!({ "type": "integer", "minimum": 0, "maximum": 65536, "default": 20 }),
            "page size (0 gives only `X-Total-Count`). An empty value of any parameter is the same as leaving it out"
        ),
        qp(
            "offset",
            json!({ "type": "integer", "minimum": 0, "maximum": 2147483647_i64, "default": 0 }),
            "rows to skip"
        ),
        qp(
            "order",
            json!({ "type": "string", "enum": ["asc", "desc"], "default": "asc" }),
            "direction of the sort fields without a prefix"
        ),
        qp(
            "startTime",
            json!({ "type": "string", "format": "date-time" }),
            "window start: RFC 3339 with an offset (send `+` as `%2B`); conversations with `startTime` at or after it. Must be before `endTime` and not later than now (+5 s)"
        ),
        qp(
            "endTime",
            json!({ "type": "string", "format": "date-time" }),
            "window end: conversations with `endTime` at or before it (running ones: `startTime` at or before it); default now"
        ),
        qp(
            "sort",
            json!({ "type": "string", "pattern": SORT_PATTERN }),
            "comma-separated fields of `conversation.{id,name,type,startTime,endTime}`, each with an optional `-` (descending) or `+` (ascending, send as `%2B`) prefix, at most 5; ties are broken by `conversation.id`; default `conversation.startTime`. Repeated `sort` parameters are joined"
        ),
        filter_param(),
    ])
}

fn mongo_params() -> Value {
    let db = json!({ "type": "string", "minLength": 1, "maxLength": 63, "pattern": r#"^[^/\\. "$*<>:|?\x00]+$"# });
    let coll =
        json!({ "type": "string", "minLength": 1, "maxLength": 120, "pattern": r"^[^$\x00]+$" });
    json!([
        qp(
            "organization_id",
            db.clone(),
            "the database (tenant). Required here or in the JSON body (alias `database`); non-empty, under 64 bytes, none of `/ \\ . space \" $ * < > : | ?` or NUL"
        ),
        qp(
            "database",
            db,
            "alias of `organization_id` (`organization_id` wins when both are sent)"
        ),
        qp(
            "collection",
            coll,
            "collection, default `conversations`; at most 120 bytes, starts with a letter or `_`, no `$` or NUL, not `system.`-prefixed"
        ),
        qp(
            "user_id",
            json!({ "type": "string" }),
            "keep only documents whose `participants` array contains this string"
        ),
        qp(
            "limit",
            json!({ "type": "integer", "minimum": 1, "maximum": 10000 }),
            "at most this many documents (default: all)"
        ),
        qp(
            "skip",
            json!({ "type": "integer", "minimum": 0, "maximum": 4294967295_u64 }),
            "documents to skip first"
        ),
        qp(
            "envelope",
            json!({ "type": "string", "enum": ["lambda"] }),
            "`lambda` wraps the array as `{statusCode, headers, body}` (the AWS Lambda proxy shape of the original example)"
        ),
    ])
}

fn mongo_body() -> Value {
    json!({
        "required": false,
        "description": "Optional. The same parameters as a JSON object (`organization_id` or `database`, `collection`, `user_id`, each a string); a parameter in the query string wins over the body, whose value is then not read. Read only as `application/json` (or without `Content-Type`), at most 1 MiB; another type is 415, invalid JSON or a non-object is 400.",
        "content": json_content(r("MongoQuery")),
    })
}

fn whatsapp_params() -> Value {
    json!([
        qp(
            "status",
            json!({ "type": "string", "enum": ["active", "pending_human", "closed"] }),
            "keep one status (default: all)"
        ),
        qp(
            "limit",
            json!({ "type": "integer", "minimum": 1, "maximum": 1000 }),
            "rows (default: the configured `--whatsapp-limit`, 100)"
        ),
        qp(
            "offset",
            json!({ "type": "integer", "minimum": 0, "maximum": 2147483647_i64 }),
            "rows to skip (default 0); `Link` pages through the rest"
        ),
    ])
}

fn chatbot_params() -> Value {
    let mut id = pp("id", json!({ "type": "integer", "minimum": 1 }));
    id["description"] = json!(
        "the conversation, a positive integer (of any length: one that large names no conversation, 404)"
    );
    json!([
        id,
        qp(
            "page",
            json!({ "type": "integer", "minimum": 1, "default": 1 }),
            "page number, of any size; a page past the end is `[]`"
        ),
        qp(
            "per_page",
            json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 20 }),
            "page size (not clamped: outside 1–100 is 400)"
        ),
    ])
}

fn paths() -> Value {
    let symbl_security = json!([{ "bearerAuth": [] }, { "apiKey": [] }]);
    let paged = &[("X-Total-Count", true), ("Link", false)];
    let mut p = json!({
        "/healthz": { "get": op("liveness probe", false,
            resp("ok", json!({ "type": "object", "required": ["status"], "properties": { "status": { "const": "ok" } } })),
            S_ERR, SERVICE, json!([])) },
        "/readyz": { "get": op("readiness probe: 200 while the storage answers, 503 while it does not (the database is unreachable)", false,
            resp("ready", json!({ "type": "object", "required": ["status"], "properties": { "status": { "const": "ready" } } })),
            S_ERR, &["400", "414", "429", "431", "503"], json!([])) },
        "/openapi.json": { "get": op("this document", false,
            resp("OpenAPI 3.1 document", json!({ "type": "object" })), S_ERR, SERVICE, json!([])) },
        "/oauth2/token:generate": { "post": {
            "summary": "generate an access token for an app id/secret pair (Symbl's caching rule: the same token while valid)",
            "security": [],
            "parameters": [],
            "requestBody": { "required": true, "content": json_content(r("TokenRequest")) },
            "responses": merge(errors(S_ERR, &["400", "401", "413", "414", "415", "429", "431", "500", "503"]),
                "200", resp("the token; the same one with the remaining seconds while it is valid", r("TokenResponse"))),
        } },
        "/v1/conversations": { "get": op("list conversations (filter, sort, paging, time window)", true,
            resp_with("a page of conversations", r("ConversationList"), paged),
            S_ERR, READ, list_params()) },
        "/v1/conversations/{conversationId}": {
            "get": op("one conversation", true, resp("the conversation", r("Conversation")), S_ERR, READ_ID, json!([conv_id()])),
            "put": {
                "summary": "merge metadata: keys in the body are added or replaced, a key with `null` is removed, other keys stay",
                "description": "Limits: keys 1–128 bytes, values at most 128 characters, at most 200 keys in the body (keys set to null included) of which at most 100 with a value, at most 100 keys on the conversation after the merge, no duplicated key in the body; otherwise 400 and nothing changes.",
                "parameters": [conv_id()],
                "requestBody": { "required": true, "content": json_content(r("MetadataUpdate")) },
                "responses": merge(errors(S_ERR, WRITE_ID),
                    "200", resp("the full metadata after the update", r("MetadataResponse"))),
            },
            "delete": op("delete a conversation with its messages", true, resp("deleted", r("SymblMessage")), S_ERR, READ_ID, json!([conv_id()])),
        },
        "/v1/conversations/{conversationId}/members": {
            "get": op("members", true, resp("the members", r("MembersResponse")), S_ERR, READ_ID, json!([conv_id()])),
        },
        "/v1/conversations/{conversationId}/members/{memberId}": {
            "put": {
                "summary": "update a member's name and e-mail (applied to its messages too)",
                "description": "The body's `id` must equal `memberId`; `email` absent or `null` keeps the current e-mail.",
                "parameters": [conv_id(), pp("memberId", json!({ "type": "string", "minLength": 1 }))],
                "requestBody": { "required": true, "content": json_content(r("MemberUpdate")) },
                "responses": merge(errors(S_ERR, WRITE_ID),
                    "200", resp("updated", r("SymblMessage"))),
            },
        },
        "/v1/conversations/{conversationId}/messages": {
            "get": op("messages in startTime order", true, resp("the messages", r("MessagesResponse")), S_ERR, READ_ID, json!([
                conv_id(),
                qp("verbose", boolean_text(), "`true` adds word timings (`true`/`false`, any letter case)"),
                qp("sentiment", boolean_text(), "`true` adds sentiment (`true`/`false`, any letter case)"),
            ])),
        },
        "/get-all-conversations": { "get": {
            "summary": "all documents of a database/collection (Mongo family), in creation order",
            "parameters": mongo_params(),
            "requestBody": mongo_body(),
            "security": [{ "bearerAuth": [] }],
            "responses": merge(errors(M_ERR, &["400", "401", "413", "414", "415", "429", "431", "500", "503"]), "200",
                resp_with("a bare array of documents in creation order (or the Lambda wrapper with envelope=lambda); an unknown database or collection gives `[]`",
                    json!({ "oneOf": [
                        { "type": "array", "items": r("MongoDocument") },
                        r("LambdaEnvelope")
                    ] }), &[("X-Total-Count", true), ("Link", false)])),
        } },
        "/v1/api/conversation-messages/{id}": { "get": op("chatbot messages of one conversation", true,
            resp_with("a page of messages, createdOn ascending", json!({ "type": "array", "items": r("ChatbotMessage") }),
                &[("X-Total-Count", true), ("X-Page", true), ("X-Per-Page", true), ("Link", false)]),
            C_ERR, READ_ID, chatbot_params()) },
    });
    for (path, kind) in [
        ("topics", "topics"),
        ("questions", "questions"),
        ("action-items", "actionItems"),
        ("follow-ups", "followUps"),
    ] {
        p[format!("/v1/conversations/{{conversationId}}/{path}")] = json!({
            "get": op(&format!("{path} (always empty in the demo)"), true,
                resp("an empty list", json!({ "type": "object", "required": [kind],
                    "properties": { kind: { "type": "array" } } })),
                S_ERR, READ_ID, json!([conv_id()]))
        });
    }
    let wa = op(
        "WhatsApp conversations with their last message, most recent first (open unless --auth-everywhere)",
        false,
        resp_with("conversations", r("WhatsAppList"), paged),
        W_ERR,
        READ,
        whatsapp_params(),
    );
    for path in [
        "/api/conversations",
        "/api/get-conversations",
        "/api/get-conversations.php",
    ] {
        p[path] = json!({ "get": wa.clone() });
    }
    if let Some(paths) = p.as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for o in ops.values_mut() {
                // The Symbl routes accept x-api-key too.
                if path.starts_with("/v1/conversations") {
                    o["security"] = symbl_security.clone();
                }
                decorate(o);
            }
            if let Some(get) = ops.get("get").cloned() {
                ops.insert("head".to_owned(), head_of(get));
            }
        }
    }
    p
}

/// Adds what every operation shares: the optional `X-Request-Id` request
/// header, `X-Request-Id` on every response, the limiter's headers, `Allow`
/// on 405 and `WWW-Authenticate` on 401.
fn decorate(o: &mut Value) {
    if let Some(params) = o["parameters"].as_array_mut() {
        params.push(json!({ "$ref": "#/components/parameters/XRequestId" }));
    }
    let Some(responses) = o["responses"].as_object_mut() else {
        return;
    };
    for (code, resp) in responses.iter_mut() {
        let mut headers = resp["headers"].as_object().cloned().unwrap_or_default();
        let mut add = |name: &str, required: bool| {
            let mut h = header(name);
            h["required"] = Value::Bool(required);
            headers.insert(name.to_owned(), h);
        };
        add("X-Request-Id", true);
        let limited = code == "429";
        for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
            add(name, limited);
        }
        match code.as_str() {
            "429" => add("Retry-After", true),
            "405" => add("Allow", true),
            "401" => add("WWW-Authenticate", true),
            _ => {}
        }
        resp["headers"] = Value::Object(headers);
    }
}

/// The `HEAD` twin of a `GET` operation: the same parameters, statuses and
/// headers, no body.
fn head_of(mut get: Value) -> Value {
    if let Some(summary) = get["summary"].as_str() {
        get["summary"] = json!(format!("headers only: {summary}"));
    }
    if let Some(o) = get.as_object_mut() {
        o.remove("requestBody");
    }
    if let Some(responses) = get["responses"].as_object_mut() {
        for resp in responses.values_mut() {
            if let Some(r) = resp.as_object_mut() {
                r.remove("content");
            }
        }
    }
    get
}

fn merge(mut m: serde_json::Map<String, Value>, k: &str, v: Value) -> Value {
    m.insert(k.to_owned(), v);
    Value::Object(m)
}

fn components() -> Value {
    let member = json!({ "type": "object", "required": ["id", "name"], "properties": {
        "id": { "type": "string" }, "name": { "type": "string" }, "email": { "type": "string" } } });
    json!({
        "securitySchemes": {
            "bearerAuth": { "type": "http", "scheme": "bearer", "description": "a token from POST /oauth2/token:generate (or a --static-token)" },
            "apiKey": { "type": "apiKey", "in": "header", "name": "x-api-key", "description": "the same token, Symbl routes only (deprecated by Symbl, still honoured)" }
        },
        "parameters": {
            "XRequestId": { "name": "X-Request-Id", "in": "header", "required": false,
                "description": "echoed in the response when it is 1–128 visible ASCII characters; otherwise the server makes one",
                "schema": { "type": "string" } }
        },
        "schemas": schemas(member),
    })
}

fn schemas(member: Value) -> Value {
    let email = format!("^[^@{WHITESPACE}]+@[^@.{WHITESPACE}]+(\\.[^@.{WHITESPACE}]+)+$");
    json!({
        "SymblError": { "type": "object", "required": ["message"], "properties": {
            "message": { "type": "string" }, "code": { "type": "string" }, "kind": { "type": "string" },
            "reason": { "type": "string" }, "param": { "type": "string" },
            "offset": { "type": "integer" }, "column": { "type": "integer" },
            "length": { "type": "integer" }, "snippet": { "type": "string" } } },
        "SymblMessage": { "type": "object", "required": ["message"], "properties": { "message": { "type": "string" } } },
        "TokenRequest": { "type": "object", "required": ["type", "appId", "appSecret"], "properties": {
            "type": { "const": "application" }, "appId": { "type": "string" }, "appSecret": { "type": "string" } } },
        "TokenResponse": { "type": "object", "required": ["accessToken", "expiresIn"], "properties": {
            "accessToken": { "type": "string" }, "expiresIn": { "type": "integer", "minimum": 0 } } },
        "Member": member,
        "Conversation": { "type": "object", "required": ["id", "type", "name", "startTime", "members", "metadata"], "properties": {
            "id": { "type": "string" }, "type": { "type": "string" }, "name": { "type": "string" },
            "startTime": { "type": "string", "format": "date-time" },
            "endTime": { "type": ["string", "null"], "format": "date-time" },
            "members": { "type": "array", "items": r("Member") },
            "metadata": { "type": "object", "additionalProperties": { "type": "string" } } } },
        "ConversationList": { "type": "object", "required": ["conversations"], "properties": {
            "conversations": { "type": "array", "items": r("Conversation") } } },
        "MetadataUpdate": { "type": "object", "required": ["metadata"], "additionalProperties": false, "properties": {
            "metadata": { "type": "object", "maxProperties": 200,
                "propertyNames": { "minLength": 1, "maxLength": 128 },
                "additionalProperties": {
                    "anyOf": [{ "type": "string", "maxLength": 128 }, { "type": "null" }] } } } },
        "MetadataResponse": { "type": "object", "required": ["id", "metadata"], "properties": {
            "id": { "type": "string" },
            "metadata": { "type": "object", "additionalProperties": { "type": "string" } } } },
        "MemberUpdate": { "type": "object", "required": ["id", "name"], "properties": {
            "id": { "type": "string", "description": "must equal the `memberId` of the path" },
            "name": { "type": "string", "minLength": 1, "maxLength": 256 },
            "email": { "anyOf": [
                { "type": "string", "maxLength": 254, "pattern": email,
                  "description": "one `@`, a non-empty local part, a domain with a dot and no empty label, no whitespace, at most 254 bytes" },
                { "type": "null" }] } } },
        "MembersResponse": { "type": "object", "required": ["members"], "properties": {
            "members": { "type": "array", "items": r("Member") } } },
        "MessagesResponse": { "type": "object", "required": ["messages"], "properties": {
            "messages": { "type": "array", "items": { "type": "object", "required": ["id", "text", "from", "startTime"],
                "properties": { "id": { "type": "string" }, "text": { "type": "string" },
                    "from": { "type": "object" }, "startTime": { "type": "string" }, "endTime": { "type": "string" },
                    "conversationId": { "type": "string" } } } } } },
        "MongoQuery": { "type": "object", "description": "each property a string; ignored when the query string carries the same parameter",
            "properties": { "organization_id": {}, "database": {}, "collection": {}, "user_id": {} } },
        "MongoDocument": { "type": "object", "properties": { "_id": { "type": "string", "pattern": "^[0-9a-f]{24}$" } } },
        "LambdaEnvelope": { "type": "object", "required": ["statusCode", "headers", "body"], "properties": {
            "statusCode": { "const": 200 }, "headers": { "type": "object" },
            "body": { "type": "array", "items": r("MongoDocument") } } },
        "MongoError": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
        "WhatsAppConversation": { "type": "object", "required": ["id", "phone_number", "contact_name", "status", "ai_enabled",
            "last_message_at", "created_at", "last_message", "last_sender_type", "last_message_created_at"], "properties": {
            "id": { "type": "integer" }, "phone_number": { "type": "string" },
            "contact_name": { "type": ["string", "null"] },
            "status": { "type": "string", "enum": ["active", "pending_human", "closed"] },
            "ai_enabled": { "type": "integer", "enum": [0, 1] },
            "last_message_at": { "type": ["string", "null"] }, "created_at": { "type": "string" },
            "last_message": { "type": ["string", "null"] },
            "last_sender_type": { "type": ["string", "null"], "enum": ["customer", "ai", "human", null] },
            "last_message_created_at": { "type": ["string", "null"] } } },
        "WhatsAppList": { "type": "object", "required": ["success", "conversations"], "properties": {
            "success": { "const": true }, "conversations": { "type": "array", "items": r("WhatsAppConversation") } } },
        "WhatsAppError": { "type": "object", "required": ["success", "error"], "properties": {
            "success": { "const": false }, "error": { "type": "string" } } },
        "ChatbotMessage": { "type": "object", "required": ["id", "message", "userId", "isUser", "type", "createdOn"], "properties": {
            "id": { "type": "integer" }, "message": { "type": "string" }, "userId": { "type": "string" },
            "isUser": { "type": "boolean" }, "type": { "type": "string" },
            "createdOn": { "type": "string", "format": "date-time" } } },
        "ChatbotError": { "type": "object", "required": ["error"], "properties": {
            "error": { "type": "object", "required": ["code", "message"], "properties": {
                "code": { "type": "string" }, "message": { "type": "string" }, "field": { "type": "string" } } } } },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes_table::ROUTES;

    #[test]
    fn document_lists_exactly_the_routes_with_head_for_get() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), ROUTES.len());
        for (path, methods) in ROUTES {
            let item = paths.get(*path).unwrap_or_else(|| panic!("{path} missing"));
            let mut have: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
            let mut want: Vec<String> = methods.iter().map(|m| m.to_lowercase()).collect();
            if want.iter().any(|m| m == "get") && !want.iter().any(|m| m == "head") {
                want.push("head".to_owned());
            }
            have.sort();
            want.sort();
            assert_eq!(have, want, "{path}");
        }
    }

    #[test]
    fn every_response_has_a_request_id_and_429_the_limiter_headers() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let params = op["parameters"].as_array().unwrap();
                assert!(
                    params
                        .iter()
                        .any(|p| p["$ref"] == "#/components/parameters/XRequestId"),
                    "{method} {path}"
                );
                for (code, resp) in op["responses"].as_object().unwrap() {
                    let h = &resp["headers"];
                    assert_eq!(
                        h["X-Request-Id"]["required"], true,
                        "{method} {path} {code}"
                    );
                    if code == "429" {
                        for name in [
                            "RateLimit-Limit",
                            "RateLimit-Remaining",
                            "RateLimit-Reset",
                            "Retry-After",
                        ] {
                            assert_eq!(h[name]["required"], true, "{method} {path} {name}");
                        }
                    }
                    for code in ["414", "431"] {
                        assert!(op["responses"][code].is_object(), "{method} {path} {code}");
                    }
                    if method == "head" {
                        assert!(resp.get("content").is_none(), "{path} {code}");
                    }
                }
            }
        }
    }

    #[test]
    fn errors_use_the_family_envelope() {
        let doc = document();
        let schema = |path: &str, code: &str| {
            doc["paths"][path]["get"]["responses"][code]["content"]["application/json"]["schema"]
                ["$ref"]
                .clone()
        };
        assert_eq!(
            schema("/v1/conversations", "400"),
            "#/components/schemas/SymblError"
        );
        assert_eq!(
            schema("/get-all-conversations", "415"),
            "#/components/schemas/MongoError"
        );
        assert_eq!(
            schema("/api/conversations", "414"),
            "#/components/schemas/WhatsAppError"
        );
        assert_eq!(
            schema("/v1/api/conversation-messages/{id}", "431"),
            "#/components/schemas/ChatbotError"
        );
    }

    /// The filter's description and `rsql-server --help` send readers to
    /// `docs/`; those files must exist in the repository.
    #[test]
    fn the_docs_they_name_exist() {
        use clap::CommandFactory;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let help = crate::Config::command().render_long_help().to_string();
        for page in [
            "docs/http-api.md",
            "docs/filter-language.md",
            "docs/data-formats.md",
        ] {
            assert!(help.contains(page), "--help does not name {page}");
            assert!(root.join(page).is_file(), "{page} missing");
        }
        assert!(FILTER_DOC.contains("docs/filter-language.md"));
    }

    #[test]
    fn patterns_match_what_the_server_accepts() {
        let doc = document();
        let re = |v: &Value| regex::Regex::new(v.as_str().unwrap()).unwrap();
        let sort = re(&json!(SORT_PATTERN));
        for ok in [
            "",
            "conversation.id",
            "-conversation.name, conversation.startTime,+conversation.endTime",
        ] {
            assert!(sort.is_match(ok), "{ok}");
        }
        for bad in [
            "conversation.id,",
            "name",
            "conversation.metadata.x",
            "a,b,c,d,e,f",
        ] {
            assert!(!sort.is_match(bad), "{bad}");
        }
        let email = re(
            &doc["components"]["schemas"]["MemberUpdate"]["properties"]["email"]["anyOf"][0]["pattern"],
        );
        for e in ["ana.ruiz@initech.net", "a@b.c", "x+y@sub.example.org"] {
            assert!(email.is_match(e) && store::is_valid_email(e), "{e}");
        }
        for e in [
            "ana.ruiz@localhost",
            "ana ruiz@initech.net",
            "a@@b.c",
            "@b.c",
            "a@b..c",
            "a@b.c\u{a0}",
        ] {
            assert!(!email.is_match(e) && !store::is_valid_email(e), "{e}");
        }
    }
}
