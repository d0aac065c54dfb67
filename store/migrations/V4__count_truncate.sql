-- A TRUNCATE of `conversations` empties it whoever runs it (the server's
-- replacing load, or psql): `conversation_count` follows, so that a list
-- without a filter or a window (counted from it, not by a scan) answers 0
-- instead of the count from before. The server's loads set the count after
-- their COPY, and its deletes decrement it, in the same transaction; rows
-- inserted or deleted by other clients in plain SQL are not counted (a
-- statement trigger with a transition table would count them, but would
-- copy every row of a million-row load into it).
CREATE FUNCTION conversation_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversation_count SET n = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER conversations_truncate_count
    AFTER TRUNCATE ON conversations
    FOR EACH STATEMENT EXECUTE FUNCTION conversation_count_reset();
