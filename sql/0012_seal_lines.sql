-- 0012: each entry's seal line hashed once, when the entry is written, so that a close reads a month of 32-byte
-- hashes in id order instead of formatting and hashing every line again.
--
-- The seal recipe does not change: version 2 (0011) is sha256 over the concatenated sha256 of each entry's line in id
-- order, and ledger.seal_lines holds exactly those per-line hashes, computed from the entry as written, with the same
-- line function. The close takes the digest from them when they cover the period's entries one for one (the same
-- count: every row comes from the entries' insert trigger, one per entry, keyed by the entry's id and period);
-- otherwise, say for an entry written with triggers switched off, it computes the digest from the entries as before.
-- Verification (ledgerctl verify, audit.verify_period) still recomputes every line from the entries as they are now,
-- so an entry changed behind the triggers' back after it was written breaks the seal even if the change came before
-- the close.

-- The keyed pseudonym of a card, given the key: the body of ledger.card_ref, which reads the key itself. Inlined
-- where it is called, so a statement that reads the key once can name many cards cheaply.
CREATE FUNCTION ledger.card_ref_keyed(p_card_no text, p_key bytea) RETURNS text
LANGUAGE sql STABLE STRICT AS $$
    SELECT 'c_' || pg_catalog.encode(ledger.hmac(pg_catalog.convert_to(p_card_no, 'UTF8'), p_key, 'sha256'), 'hex')
$$;

CREATE OR REPLACE FUNCTION ledger.card_ref(p_card_no text) RETURNS text
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
    SELECT ledger.card_ref_keyed(p_card_no, s.value) FROM ledger.secrets s WHERE s.name = 'card_ref'
$$;

-- The seal line of an entry (audit.seal_line), from the entry's row and what audit.entries joins to it.
CREATE FUNCTION ledger.entry_seal_line(e ledger.entries, p_restaurant text, p_terminal text, p_card_ref text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT audit.seal_line(ROW(
        e.id, e.kind, e.period, p_restaurant, p_terminal, p_card_ref, right(e.card_no, 4), e.category, e.credential,
        e.occurred_at, e.recorded_at, e.local_date, e.gross_fen, e.rate_bp, e.payable_fen, e.discount_fen, e.late,
        e.voided_entry_id, e.reason)::audit.entries)
$$;

-- One row per entry: sha256 of its seal line, in UTF-8. The primary key's index holds the hashes in (period, id)
-- order, so a period's digest is one index-only scan.
CREATE TABLE ledger.seal_lines (
    period       text NOT NULL,
    entry_id     uuid NOT NULL,
    line_sha256  bytea NOT NULL CHECK (length(line_sha256) = 32),
    PRIMARY KEY (period, entry_id) INCLUDE (line_sha256)
);
REVOKE ALL ON ledger.seal_lines FROM PUBLIC;
CREATE TRIGGER seal_lines_append_only BEFORE UPDATE OR DELETE ON ledger.seal_lines
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();
CREATE TRIGGER seal_lines_no_truncate BEFORE TRUNCATE ON ledger.seal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_entry_change();

-- The seal lines of the entries in `new_entries` (a transition table): one statement per INSERT into
-- ledger.entries, with the key read once.
CREATE FUNCTION ledger.store_seal_lines() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO ledger.seal_lines (period, entry_id, line_sha256)
    SELECT n.period, n.id,
           sha256(convert_to(ledger.entry_seal_line(n, r.code, t.name, ledger.card_ref_keyed(n.card_no, s.value)), 'UTF8'))
    FROM new_entries n
    JOIN ledger.restaurants r ON r.id = n.restaurant_id
    JOIN ledger.terminals t ON t.id = n.terminal_id
    CROSS JOIN ledger.secrets s
    WHERE s.name = 'card_ref';
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ledger.store_seal_lines() FROM PUBLIC;
CREATE TRIGGER entries_seal_lines AFTER INSERT ON ledger.entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.store_seal_lines();

-- The hash of each entry's line of a period as the entry is now, with ledger.card_ref run once per card.
CREATE FUNCTION ledger.period_lines(p_period text) RETURNS TABLE (entry_id uuid, line_sha256 bytea)
LANGUAGE sql STABLE AS $$
    SELECT e.id, sha256(convert_to(ledger.entry_seal_line(e, r.code, t.name, c.card_ref), 'UTF8'))
    FROM ledger.entries e
    JOIN ledger.restaurants r ON r.id = e.restaurant_id
    JOIN ledger.terminals t ON t.id = e.terminal_id
    LEFT JOIN (SELECT card_no, ledger.card_ref(card_no) AS card_ref FROM ledger.entries WHERE period = p_period GROUP BY card_no) c
        ON c.card_no = e.card_no
    WHERE e.period = p_period
$$;

-- The entries written before this migration, period by period.
INSERT INTO ledger.seal_lines (period, entry_id, line_sha256)
SELECT p.period, l.entry_id, l.line_sha256 FROM ledger.periods p CROSS JOIN LATERAL ledger.period_lines(p.period) l;

-- Version 2 recomputed from the entries as they are now (the same lines as 0011's).
CREATE OR REPLACE FUNCTION ledger.period_digest_v2(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(coalesce(string_agg(l.line_sha256, ''::bytea ORDER BY l.entry_id), '')), 'hex')
    FROM ledger.period_lines(p_period) l
$$;

-- The entries of a period whose line differs from the one stored when they were written: 'changed' (the entry is
-- not as it was written), 'unsealed' (no line was stored: written with triggers off) or 'removed' (a line is stored
-- for an entry that is gone). For `ledgerctl verify` to name them when a seal is broken. Entries written before this
-- migration have the lines they had when it ran.
CREATE FUNCTION ledger.seal_line_differences(p_period text) RETURNS TABLE (entry_id uuid, difference text)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(n.entry_id, s.entry_id),
           CASE WHEN s.entry_id IS NULL THEN 'unsealed' WHEN n.entry_id IS NULL THEN 'removed' ELSE 'changed' END
    FROM ledger.period_lines(p_period) n
    FULL JOIN (SELECT x.entry_id, x.line_sha256 FROM ledger.seal_lines x WHERE x.period = p_period) s ON s.entry_id = n.entry_id
    WHERE n.entry_id IS NULL OR s.entry_id IS NULL OR n.line_sha256 <> s.line_sha256
    ORDER BY 1
$$;

-- Version 2 from the stored line hashes, or NULL when they are not one per entry of the period. The hashes are read
-- in id order from the primary key's index and concatenated in that order.
CREATE FUNCTION ledger.period_digest_v2_stored(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN l.lines = (SELECT count(*) FROM ledger.entries e WHERE e.period = p_period)
                THEN encode(sha256(l.hashes), 'hex') END
    FROM (SELECT count(*) AS lines, coalesce(string_agg(o.line_sha256, ''::bytea), '') AS hashes
          FROM (SELECT s.line_sha256 FROM ledger.seal_lines s WHERE s.period = p_period ORDER BY s.entry_id) o) l
$$;

-- Auditors: the stored hash of each entry's line, to find which entry of a broken seal changed (sql/audit/README.md).
CREATE VIEW audit.seal_lines AS
SELECT s.period, s.entry_id, s.line_sha256 FROM ledger.seal_lines s;

REVOKE ALL ON FUNCTION ledger.card_ref_keyed(text, bytea), ledger.entry_seal_line(ledger.entries, text, text, text),
    ledger.period_lines(text), ledger.period_digest_v2_stored(text), ledger.seal_line_differences(text) FROM PUBLIC;
REVOKE ALL ON audit.seal_lines FROM PUBLIC;
GRANT SELECT ON audit.seal_lines TO ledger_auditor;
