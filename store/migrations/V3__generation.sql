-- The write generation (store/src/pg/list_cache.rs): every statement that
-- changes `conversations`, `members` or `conversation_count` adds one to a
-- row of `write_generation` (statement triggers, so writes from any client
-- count, psql's included, unless triggers are skipped:
-- session_replication_role = replica, DISABLE TRIGGER). The sum of the
-- table, read in a snapshot, tells whether two snapshots see the same
-- writes; the server keeps list totals and pages per query and generation
-- and reads them again only after a write.
--
-- 64 rows, picked by transaction id, so concurrent writers rarely wait for
-- one another's row lock (one transaction touches one row, once per
-- statement).
CREATE TABLE write_generation (
    shard smallint PRIMARY KEY,
    n     bigint NOT NULL
);
INSERT INTO write_generation (shard, n) SELECT s, 0 FROM generate_series(0, 63) AS s;

CREATE FUNCTION bump_write_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE write_generation SET n = n + 1 WHERE shard = txid_current() % 64;
    RETURN NULL;
END
$$;

CREATE TRIGGER conversations_write_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON conversations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_write_generation();
CREATE TRIGGER members_write_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION bump_write_generation();
CREATE TRIGGER conversation_count_write_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON conversation_count
    FOR EACH STATEMENT EXECUTE FUNCTION bump_write_generation();
