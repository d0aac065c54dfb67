//! The OpenAPI 3.1 document of every route (`GET /openapi.json`), built by
//! hand with `serde_json`. A test checks it lists exactly the paths and
//! methods of [`routes_table::ROUTES`](crate::routes_table::ROUTES).

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

/// The document with parameter examples taken from `data` (a conversation
/// id and one of its members, chatbot conversation `1`, organization `acme`),
/// so generated requests (schemathesis) reach real resources.
///
/// ```
/// let doc = server::openapi::document_for(&server::Data::demo(1, 10));
/// let params = &doc["paths"]["/v1/api/conversation-messages/{id}"]["get"]["parameters"];
/// assert_eq!(params[0]["example"], "1");
/// ```
pub fn document_for(data: &crate::Data) -> Value {
    let mut doc = document();
    // Called before the server runs (nobody else holds the lock).
    let conv = data.symbl.try_read().ok().and_then(|s| s.iter().next());
    let member = conv
        .as_ref()
        .and_then(|c| c.members.first().map(|m| m.id.clone()));
    let chatbot = data.chatbot.messages(1).map(|_| "1");
    let org = data
        .mongo
        .collection("acme", "conversations")
        .map(|_| "acme");
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
                        Some("conversationId") => conv.as_ref().map(|c| c.id.clone()),
                        Some("memberId") => member.clone(),
                        Some("id") => chatbot.map(str::to_owned),
                        Some("organization_id") => org.map(str::to_owned),
                        _ => None,
                    };
                    if let Some(e) = example {
                        p["example"] = Value::String(e);
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

/// The error responses every route can give, in `err`'s envelope.
fn errors(err: &str, codes: &[&str]) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for code in codes {
        let desc = match *code {
            "400" => "invalid parameter or body",
            "401" => "missing, invalid or expired token",
            "404" => "not found",
            "405" => "method not allowed",
            "413" => "request body larger than the limit",
            "415" => "body is not JSON",
            "429" => "rate limit exceeded (limiter on)",
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

fn qp(name: &str, schema: Value, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": desc })
}

fn pp(name: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": schema })
}

fn conv_id() -> Value {
    pp(
        "conversationId",
        json!({ "type": "string", "minLength": 1 }),
    )
}

const S_ERR: &str = "SymblError";
const S_CODES: &[&str] = &["400", "401", "404", "405", "429", "500"];

fn paths() -> Value {
    let symbl_security = json!([{ "bearerAuth": [] }, { "apiKey": [] }]);
    let mut p = json!({
        "/healthz": { "get": op("liveness probe", false,
            resp("ok", json!({ "type": "object", "required": ["status"], "properties": { "status": { "const": "ok" } } })),
            S_ERR, &["405"], json!([])) },
        "/openapi.json": { "get": op("this document", false,
            resp("OpenAPI 3.1 document", json!({ "type": "object" })), S_ERR, &["405"], json!([])) },
        "/oauth2/token:generate": { "post": {
            "summary": "generate an access token for an app id/secret pair (Symbl's caching rule: the same token while valid)",
            "security": [],
            "requestBody": { "required": true, "content": json_content(r("TokenRequest")) },
            "responses": merge(errors(S_ERR, &["400", "401", "405", "413", "415", "429"]),
                "200", resp("the token", r("TokenResponse"))),
        } },
        "/v1/conversations": { "get": op("list conversations (filter, sort, paging, time window)", true,
            json!({ "description": "a page of conversations",
                   "headers": {
                       "X-Total-Count": { "schema": { "type": "integer", "minimum": 0 }, "description": "filtered count" },
                       "Link": { "schema": { "type": "string" }, "description": "RFC 8288 next/prev/first" }
                   },
                   "content": json_content(r("ConversationList")) }),
            S_ERR, S_CODES, json!([
                qp("limit", json!({ "type": "integer", "minimum": 0, "maximum": 65536, "default": 20 }), "page size"),
                qp("offset", json!({ "type": "integer", "minimum": 0, "maximum": 2147483647_i64, "default": 0 }), "rows to skip"),
                qp("order", json!({ "type": "string", "enum": ["asc", "desc"], "default": "asc" }), "direction of sort fields without a prefix"),
                qp("startTime", json!({ "type": "string", "format": "date-time" }), "window start (RFC 3339 with offset; send `+` as `%2B`)"),
                qp("endTime", json!({ "type": "string", "format": "date-time" }), "window end"),
                qp("sort", json!({ "type": "string" }), "comma-separated fields of conversation.{id,name,type,startTime,endTime}, each with optional -/+ prefix, at most 5"),
                qp("filter", json!({ "type": "string", "maxLength": 8192 }), "RSQL without OR, at most 2 distinct fields"),
            ])) },
        "/v1/conversations/{conversationId}": {
            "get": op("one conversation", true, resp("the conversation", r("Conversation")), S_ERR, S_CODES, json!([conv_id()])),
            "put": {
                "summary": "merge metadata (a key with null is removed)",
                "parameters": [conv_id()],
                "requestBody": { "required": true, "content": json_content(r("MetadataUpdate")) },
                "responses": merge(errors(S_ERR, &["400", "401", "404", "405", "413", "415", "429", "500"]),
                    "200", resp("the full metadata after the update", r("MetadataResponse"))),
            },
            "delete": op("delete a conversation with its messages", true, resp("deleted", r("SymblMessage")), S_ERR, S_CODES, json!([conv_id()])),
        },
        "/v1/conversations/{conversationId}/members": {
            "get": op("members", true, resp("the members", r("MembersResponse")), S_ERR, S_CODES, json!([conv_id()])),
        },
        "/v1/conversations/{conversationId}/members/{memberId}": {
            "put": {
                "summary": "update a member's name and e-mail (applied to its messages too)",
                "parameters": [conv_id(), pp("memberId", json!({ "type": "string", "minLength": 1 }))],
                "requestBody": { "required": true, "content": json_content(r("MemberUpdate")) },
                "responses": merge(errors(S_ERR, &["400", "401", "404", "405", "413", "415", "429", "500"]),
                    "200", resp("updated", r("SymblMessage"))),
            },
        },
        "/v1/conversations/{conversationId}/messages": {
            "get": op("messages in startTime order", true, resp("the messages", r("MessagesResponse")), S_ERR, S_CODES, json!([
                conv_id(),
                qp("verbose", json!({ "type": "string", "enum": ["true", "false", "TRUE", "FALSE", "True", "False"] }), "include word timings"),
                qp("sentiment", json!({ "type": "string", "enum": ["true", "false", "TRUE", "FALSE", "True", "False"] }), "include sentiment"),
            ])),
        },
        "/get-all-conversations": { "get": op("all documents of a database/collection (Mongo family)", true,
            json!({ "description": "a bare array of documents in creation order (or the Lambda wrapper with envelope=lambda)",
                    "headers": { "X-Total-Count": { "schema": { "type": "integer" } } },
                    "content": json_content(json!({ "oneOf": [
                        { "type": "array", "items": r("MongoDocument") },
                        r("LambdaEnvelope")
                    ] })) }),
            "MongoError", &["400", "401", "405", "413", "429", "500"], json!([
                qp("organization_id", json!({ "type": "string" }), "database (required here or in a JSON body)"),
                qp("database", json!({ "type": "string" }), "alias of organization_id"),
                qp("collection", json!({ "type": "string", "default": "conversations" }), "collection"),
                qp("user_id", json!({ "type": "string" }), "keep documents whose participants contain it"),
                qp("limit", json!({ "type": "integer", "minimum": 1, "maximum": 10000 }), "optional page size"),
                qp("skip", json!({ "type": "integer", "minimum": 0 }), "optional rows to skip"),
                qp("envelope", json!({ "type": "string", "enum": ["lambda"] }), "wrap in the Lambda proxy shape"),
            ])) },
        "/v1/api/conversation-messages/{id}": { "get": op("chatbot messages of one conversation", true,
            json!({ "description": "a page of messages, createdOn ascending",
                    "headers": {
                        "X-Total-Count": { "schema": { "type": "integer" } },
                        "X-Page": { "schema": { "type": "integer" } },
                        "X-Per-Page": { "schema": { "type": "integer" } },
                        "Link": { "schema": { "type": "string" } }
                    },
                    "content": json_content(json!({ "type": "array", "items": r("ChatbotMessage") })) }),
            "ChatbotError", S_CODES, json!([
                pp("id", json!({ "type": "string", "pattern": "^[0-9]+$" })),
                qp("page", json!({ "type": "integer", "minimum": 1, "default": 1 }), "page number"),
                qp("per_page", json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 20 }), "page size"),
            ])) },
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
                S_ERR, S_CODES, json!([conv_id()]))
        });
    }
    let wa = op(
        "WhatsApp conversations with their last message, most recent first",
        false,
        resp("conversations", r("WhatsAppList")),
        "WhatsAppError",
        &["400", "401", "405", "429", "500"],
        json!([
            qp(
                "status",
                json!({ "type": "string", "enum": ["active", "pending_human", "closed"] }),
                "keep one status"
            ),
            qp(
                "limit",
                json!({ "type": "integer", "minimum": 1, "maximum": 1000 }),
                "rows (default: the configured limit, 100)"
            ),
        ]),
    );
    for path in [
        "/api/conversations",
        "/api/get-conversations",
        "/api/get-conversations.php",
    ] {
        p[path] = json!({ "get": wa.clone() });
    }
    // The Symbl routes accept x-api-key too.
    if let Some(paths) = p.as_object_mut() {
        for (path, item) in paths.iter_mut() {
            if path.starts_with("/v1/conversations")
                && let Some(ops) = item.as_object_mut()
            {
                for o in ops.values_mut() {
                    o["security"] = symbl_security.clone();
                }
            }
        }
    }
    p
}

fn merge(mut m: serde_json::Map<String, Value>, k: &str, v: Value) -> Value {
    m.insert(k.to_owned(), v);
    Value::Object(m)
}

fn components() -> Value {
    let member = json!({ "type": "object", "properties": {
        "id": { "type": "string" }, "name": { "type": "string" }, "email": { "type": "string" } } });
    json!({
        "securitySchemes": {
            "bearerAuth": { "type": "http", "scheme": "bearer" },
            "apiKey": { "type": "apiKey", "in": "header", "name": "x-api-key" }
        },
        "schemas": {
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
                "metadata": { "type": "object", "additionalProperties": {
                    "anyOf": [{ "type": "string", "maxLength": 128 }, { "type": "null" }] } } } },
            "MetadataResponse": { "type": "object", "required": ["id", "metadata"], "properties": {
                "id": { "type": "string" },
                "metadata": { "type": "object", "additionalProperties": { "type": "string" } } } },
            "MemberUpdate": { "type": "object", "required": ["id", "name"], "properties": {
                "id": { "type": "string" }, "name": { "type": "string", "minLength": 1 },
                "email": { "type": "string", "format": "email" } } },
            "MembersResponse": { "type": "object", "required": ["members"], "properties": {
                "members": { "type": "array", "items": r("Member") } } },
            "MessagesResponse": { "type": "object", "required": ["messages"], "properties": {
                "messages": { "type": "array", "items": { "type": "object", "required": ["id", "text", "from", "startTime"],
                    "properties": { "id": { "type": "string" }, "text": { "type": "string" },
                        "from": { "type": "object" }, "startTime": { "type": "string" }, "endTime": { "type": "string" },
                        "conversationId": { "type": "string" } } } } } },
            "MongoDocument": { "type": "object", "properties": { "_id": { "type": "string" } } },
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
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes_table::ROUTES;

    #[test]
    fn document_lists_exactly_the_routes() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), ROUTES.len());
        for (path, methods) in ROUTES {
            let item = paths.get(*path).unwrap_or_else(|| panic!("{path} missing"));
            let mut have: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
            let mut want: Vec<String> = methods.iter().map(|m| m.to_lowercase()).collect();
            have.sort();
            want.sort();
            assert_eq!(have, want, "{path}");
        }
    }
}
