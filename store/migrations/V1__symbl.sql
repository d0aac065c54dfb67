-- The Symbl family, tokens and the load record (store::pg; store/README.md
-- "PostgreSQL backend" describes every table and index).
--
-- Text columns are COLLATE "C": the API compares and sorts strings by their
-- bytes, and plain indexes on "C" columns serve those orders.

CREATE TABLE conversations (
    id       text COLLATE "C" PRIMARY KEY,
    type     text COLLATE "C" NOT NULL,
    name     text COLLATE "C" NOT NULL,
    start_ms bigint NOT NULL,
    end_ms   bigint,
    -- The metadata for filters (jsonb keeps no key order; `doc` does).
    metadata jsonb NOT NULL,
    -- The row's JSON exactly as the API sends it (store::render's bytes),
    -- re-rendered by the server on every write.
    doc      text NOT NULL
);

-- Members, for filters on members.*; `position` is the stored order.
CREATE TABLE members (
    conversation_id text COLLATE "C" NOT NULL,
    position        integer NOT NULL,
    id              text COLLATE "C" NOT NULL,
    name            text COLLATE "C" NOT NULL,
    email           text COLLATE "C",
    PRIMARY KEY (conversation_id, position)
);

-- Messages of a conversation in stored order (startTime, then id).
CREATE TABLE messages (
    conversation_id text COLLATE "C" NOT NULL,
    position        integer NOT NULL,
    id              text NOT NULL,
    text            text NOT NULL,
    from_id         text COLLATE "C" NOT NULL,
    from_name       text NOT NULL,
    from_user_id    text,
    start_ms        bigint NOT NULL,
    end_ms          bigint NOT NULL,
    sentiment       double precision,
    -- [[word, startMs, endMs], …]
    words           text NOT NULL,
    PRIMARY KEY (conversation_id, position)
);

-- How many conversations there are, kept by the server in the transactions
-- that change it (a load sets it, a delete decrements it): a window that
-- covers every row is counted from here instead of by a scan.
CREATE TABLE conversation_count (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    n   bigint NOT NULL
);
INSERT INTO conversation_count (n) VALUES (0);

-- Issued access tokens by SHA-256 hex digest (never the token).
CREATE TABLE tokens (
    digest     text COLLATE "C" PRIMARY KEY,
    expires_ms bigint NOT NULL
);
CREATE INDEX tokens_expiry ON tokens (expires_ms);

-- One row per data family loaded by a data flag (seed once).
CREATE TABLE loads (
    family      text PRIMARY KEY,
    fingerprint text NOT NULL,
    rows        bigint NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

-- Every time window and the default order; with end_ms included, a
-- window's count is an index-only scan (no visit to the rows' JSON).
CREATE INDEX conversations_start ON conversations (start_ms) INCLUDE (end_ms);
-- q1 (type + time range).
CREATE INDEX conversations_type_start ON conversations (type, start_ms);
-- The latest end (a running conversation's start): whether a window covers
-- every row.
CREATE INDEX conversations_effective_end ON conversations ((coalesce(end_ms, start_ms)));
-- Sorts on endTime.
CREATE INDEX conversations_end ON conversations (end_ms);
-- q5: -conversation.name (and its id tie-break), walked backwards for ascending.
CREATE INDEX conversations_name_id ON conversations (name DESC, id);
-- q3: metadata.agentId==/=in=.
CREATE INDEX conversations_agent ON conversations ((metadata->>'agentId'));
-- q4: members.email==; members.id==.
CREATE INDEX members_email ON members (email);
CREATE INDEX members_id ON members (id);

-- q2: wildcard name search (`conversation.name==*Brainstorm*` is a LIKE).
-- pg_trgm is a trusted extension (PostgreSQL 13+); where it cannot be
-- created (a managed or distributed engine without it) the migration goes
-- on without the index and wildcard searches scan the table.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%): wildcard name searches will scan', SQLERRM;
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX conversations_name_trgm ON conversations USING gin (name gin_trgm_ops)';
    END IF;
END
$$;
