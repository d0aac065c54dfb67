-- The write generation (store::pg::count_cache): every transaction that
-- changes `conversations` or `members` adds one to a row of
-- `write_generation` (a statement trigger, so writes from any client count,
-- psql's included). The sum of the table, read in a snapshot, tells whether
-- two snapshots see the same writes; the server keeps a list count per
-- query and generation and counts again only after a write.
--
-- 64 rows, picked by transaction id, so concurrent writers rarely wait for
-- one another's row lock (one transaction touches one row).
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
