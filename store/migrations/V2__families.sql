-- The Mongo, WhatsApp and chatbot families (api.md §2.3–§2.5), read-only:
-- each row keeps the JSON the route sends, rendered once by the loader
-- (`store::pg::families`), beside the columns the route filters and orders on.
-- JSON is `text`, not `jsonb`: jsonb would reorder keys and drop whitespace,
-- and the bodies must be byte-identical to the in-memory backend's.
--
-- Loading replaces a family: the loader locks the five tables below against
-- other writers, always in the order they are created here (readers go on
-- seeing the old rows until the load commits), deletes the family's rows
-- and COPYs the new ones, in the caller's transaction.

-- Family M: one row per document of `database`.`collection`, ordered by
-- (`created_ms`, `object_id`): `created_at` (or the ObjectId's seconds) in
-- epoch milliseconds, then the `_id` as 24 lowercase hex digits, which in
-- the "C" collation sort as the ObjectId's bytes.
CREATE TABLE mongo_documents (
    database   text COLLATE "C" NOT NULL,
    collection text COLLATE "C" NOT NULL,
    created_ms bigint NOT NULL,
    object_id  text COLLATE "C" NOT NULL CHECK (object_id ~ '^[0-9a-f]{24}$'),
    json       text NOT NULL,
    PRIMARY KEY (database, collection, object_id)
);

-- The find's whole-collection order: `WHERE database = $1 AND collection = $2
-- ORDER BY created_ms, object_id LIMIT … OFFSET …` reads this index in order.
CREATE INDEX mongo_documents_order
    ON mongo_documents (database, collection, created_ms, object_id);

-- The `user_id` filter: one row per distinct participant of a document.
-- `user_id` is `bytea` (the participant's UTF-8 bytes): a participant may
-- hold any string, NUL included, which `text` cannot. The primary key serves
-- `WHERE database = $1 AND collection = $2 AND user_id = $3 ORDER BY
-- created_ms, object_id`, and the count, from the index alone.
CREATE TABLE mongo_participants (
    database   text COLLATE "C" NOT NULL,
    collection text COLLATE "C" NOT NULL,
    user_id    bytea NOT NULL,
    created_ms bigint NOT NULL,
    object_id  text COLLATE "C" NOT NULL,
    PRIMARY KEY (database, collection, user_id, created_ms, object_id),
    FOREIGN KEY (database, collection, object_id)
        REFERENCES mongo_documents (database, collection, object_id) ON DELETE CASCADE
);

-- Family W: one row per conversation, its list row (`row_json`) rendered
-- with `last_message_at` derived from its messages (the messages themselves
-- are served by no route and are not kept). List order: `last_message_at`
-- (epoch ms) descending, then `id` descending.
CREATE TABLE whatsapp_conversations (
    id              bigint PRIMARY KEY,
    status          text NOT NULL CHECK (status IN ('active', 'pending_human', 'closed')),
    last_message_at bigint NOT NULL,
    row_json        text NOT NULL
);

-- `ORDER BY last_message_at DESC, id DESC` (all statuses) …
CREATE INDEX whatsapp_conversations_order
    ON whatsapp_conversations (last_message_at DESC, id DESC);
-- … and `WHERE status = $1 ORDER BY last_message_at DESC, id DESC`, and
-- its count.
CREATE INDEX whatsapp_conversations_status_order
    ON whatsapp_conversations (status, last_message_at DESC, id DESC);

-- Family C: conversations (a conversation may have no message: it exists,
-- and its pages are empty rather than 404) …
CREATE TABLE chatbot_conversations (
    id bigint PRIMARY KEY CHECK (id > 0)
);

-- … and their messages, ordered by `createdOn` (epoch µs), then `id`;
-- message ids are unique across the family, as in memory. The primary key
-- serves `WHERE conversation_id = $1 ORDER BY created_us, id LIMIT …
-- OFFSET …` and the count.
CREATE TABLE chatbot_messages (
    conversation_id bigint NOT NULL REFERENCES chatbot_conversations (id) ON DELETE CASCADE,
    created_us      bigint NOT NULL,
    id              bigint NOT NULL UNIQUE,
    json            text NOT NULL,
    PRIMARY KEY (conversation_id, created_us, id)
);
