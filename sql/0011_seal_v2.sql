-- 0011: seal version 2, the same lines hashed faster, and the version recorded with each seal.
--
-- Version 1 (0007) chains the lines one by one through the aggregate audit.seal_chain, a SQL function call per
-- entry, and reads audit.entries, which calls ledger.card_ref once per entry: over a month of a million entries it
-- took longer than the rest of the reconciliation together. Version 2 hashes each line on its own and then the list
-- of those hashes, with built-in functions only:
--
--     digest = sha256(sha256(line_1) || sha256(line_2) || … || sha256(line_n)), lines in id order
--
-- with the 32-byte binary hashes concatenated, and sha256('') for a period without entries. The lines are those of
-- version 1 (audit.seal_line). Each period and run records the version it was sealed with; seals made before this
-- migration are version 1 and are still checked with the version 1 recipe.

ALTER TABLE ledger.periods ADD COLUMN seal_version smallint NOT NULL DEFAULT 1 CHECK (seal_version IN (1, 2));
ALTER TABLE ledger.reconciliation_runs ADD COLUMN seal_version smallint NOT NULL DEFAULT 1 CHECK (seal_version IN (1, 2));

-- seal_line calls to_char and concat_ws, which are STABLE; declared IMMUTABLE it could not be inlined, and a call
-- per entry cost several times the line itself.
ALTER FUNCTION audit.seal_line(audit.entries) STABLE;

-- The version 2 digest. The rows are those of audit.entries for the period, with card_ref computed once per card
-- of the period rather than once per entry.
CREATE FUNCTION ledger.period_digest_v2(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(coalesce(string_agg(sha256(convert_to(audit.seal_line(ROW(
               e.id, e.kind, e.period, r.code, t.name, c.card_ref, right(e.card_no, 4), e.category, e.credential,
               e.occurred_at, e.recorded_at, e.local_date, e.gross_fen, e.rate_bp, e.payable_fen, e.discount_fen, e.late,
               e.voided_entry_id, e.reason)::audit.entries), 'UTF8')), ''::bytea ORDER BY e.id), '')), 'hex')
    FROM ledger.entries e
    JOIN ledger.restaurants r ON r.id = e.restaurant_id
    JOIN ledger.terminals t ON t.id = e.terminal_id
    -- Grouped first, so that ledger.card_ref runs once per card of the period.
    LEFT JOIN (SELECT card_no, ledger.card_ref(card_no) AS card_ref FROM ledger.entries WHERE period = p_period GROUP BY card_no) c
        ON c.card_no = e.card_no
    WHERE e.period = p_period
$$;

-- The digest of a period by the recipe of the given seal version.
CREATE FUNCTION ledger.seal_digest(p_period text, p_version smallint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE p_version WHEN 1 THEN ledger.period_digest(p_period) WHEN 2 THEN ledger.period_digest_v2(p_period) END
$$;

-- Each period checked against the recipe it was sealed with.
CREATE OR REPLACE FUNCTION audit.verify_period(p_period text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT p.status = 'closed' AND p.digest IS NOT NULL AND p.digest = ledger.seal_digest(p.period, p.seal_version)
                     FROM ledger.periods p WHERE p.period = p_period), false)
$$;

CREATE OR REPLACE VIEW audit.periods AS
SELECT p.period, p.status, p.closed_at, p.entries, p.digest, p.seal_version
FROM ledger.periods p;

CREATE OR REPLACE VIEW audit.reconciliation_runs AS
SELECT run.period, run.started_at, run.finished_at, run.entries, run.digest, run.seal_version
FROM ledger.reconciliation_runs run;

REVOKE ALL ON FUNCTION ledger.period_digest_v2(text), ledger.seal_digest(text, smallint) FROM PUBLIC;
