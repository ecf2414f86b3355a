-- 0026: seal version 3, the seal of a month hashed in 256 parts, so that no value holds the whole month.
--
-- Version 2 (0011) hashes one value, the concatenation of every entry's 32-byte line hash: 640 MB at 20 million
-- entries a month, most of the close's and verify's memory, and past PostgreSQL's 1 GB limit for one value at about
-- 33.5 million entries, when a month cannot be sealed at all (docs/scale.md). Version 3 hashes the same line hashes in
-- parts, with built-in functions only:
--
--     h      = sha256(utf8(line))                        each entry's line, as in version 2 (audit.seal_line)
--     part   = get_byte(h, 0)                            0 to 255, the first byte of the entry's line hash
--     p_b    = sha256(h_i || h_j || …)                   the line hashes of part b, in entry id order (uuid order)
--     digest = sha256(p_b1 || p_b2 || …)                 the non-empty parts' digests in ascending part number
--
-- in lower-case hex, and sha256('') for a period without entries, as in versions 1 and 2. The parts go by the line
-- hash, not by the id: ids are chosen by the terminals, and time-based UUIDs (versions 1 and 7) share their first
-- bytes for a whole month, whereas line hashes spread evenly. The largest value is now one part, about 2.5 MB at 20
-- million entries, and the 1 GB limit is reached at about 8.6 billion entries a month. Periods closed before this
-- migration keep their version (1 or 2) and are still checked by its recipe.

ALTER TABLE ledger.periods DROP CONSTRAINT periods_seal_version_check,
    ADD CONSTRAINT periods_seal_version_check CHECK (seal_version IN (1, 2, 3));
ALTER TABLE ledger.reconciliation_runs DROP CONSTRAINT reconciliation_runs_seal_version_check,
    ADD CONSTRAINT reconciliation_runs_seal_version_check CHECK (seal_version IN (1, 2, 3));

-- Version 3 from the line hashes stored as the entries were written (0012, read from every month as 0023 does), or
-- NULL when they are not one per entry of the period: what the close seals. The hashes reach each part's string_agg
-- in (part, entry id) order from the sorted subquery, as in 0023's period_digest_v2_stored, and the parts are joined
-- in part order. Version 2 read the hashes in the primary key's order and needed no sort; here the month's hashes
-- are sorted once, by parallel workers, each within work_mem (spilling to disk past it), and no value holds more than
-- a part. Workers run under RETURN QUERY only (0025), so the digest is the one row of period_digest_v3_stored_rows,
-- and period_digest_v3_stored the function the close calls. The planner prices a parallel plan's rows at
-- parallel_tuple_cost each and would sort a month on one core rather than pass its rows on; 0.001 lets it use the
-- workers.
CREATE FUNCTION ledger.period_digest_v3_stored_rows(p_period text) RETURNS TABLE (digest text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off SET parallel_tuple_cost = 0.001 AS $$
BEGIN
    RETURN QUERY
    SELECT CASE WHEN coalesce(sum(q.lines), 0) = (SELECT count(*) FROM ledger.entries_with_archive e WHERE e.period = p_period)
                THEN encode(sha256(coalesce(string_agg(q.digest, ''::bytea ORDER BY q.part), '')), 'hex') END
    FROM (SELECT o.part, count(*) AS lines, sha256(string_agg(o.line_sha256, ''::bytea)) AS digest
          FROM (SELECT get_byte(s.line_sha256, 0) AS part, s.line_sha256
                FROM ledger.seal_lines_with_archive s WHERE s.period = p_period
                ORDER BY 1, s.entry_id) o
          GROUP BY o.part) q;
END $$;

CREATE FUNCTION ledger.period_digest_v3_stored(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT d.digest FROM ledger.period_digest_v3_stored_rows(p_period) d
$$;

-- Version 3 recomputed from the entries as they are (ledgerctl verify, audit.verify_period, and the close when the
-- stored hashes do not cover the period), as 0025's period_digest_v2_rows computes version 2: the lines through
-- ledger.period_lines_keyed, computed by parallel workers under RETURN QUERY, and the digest the one row of this
-- function. The aggregation is period_digest_v3_stored_rows', over lines computed instead of stored: the two must
-- agree for a seal to verify. The subquery with OFFSET 0 keeps each line hashed once: inlined, the line's expression
-- would be computed twice, for the part and for the hash. PostgreSQL 15 passes no parallel rows through such a
-- subquery, so the lines are hashed by the workers and sorted by the leader, within work_mem (without the subquery
-- the workers sorted too but hashed every line twice, slower on two cores); and as above, parallel_tuple_cost is
-- lowered, or the planner, which prices a line at a few operators, would hash them all on one core.
CREATE FUNCTION ledger.period_digest_v3_rows(p_period text) RETURNS TABLE (digest text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off SET parallel_tuple_cost = 0.001
AS $$
DECLARE
    card_key bytea := (SELECT s.value FROM ledger.secrets s WHERE s.name = 'card_ref');
BEGIN
    RETURN QUERY
    SELECT encode(sha256(coalesce(string_agg(q.digest, ''::bytea ORDER BY q.part), '')), 'hex')
    FROM (SELECT o.part, sha256(string_agg(o.line_sha256, ''::bytea)) AS digest
          FROM (SELECT get_byte(k.line_sha256, 0) AS part, k.line_sha256
                FROM (SELECT l.entry_id, l.line_sha256 FROM ledger.period_lines_keyed(p_period, card_key) l OFFSET 0) k
                ORDER BY 1, k.entry_id) o
          GROUP BY o.part) q;
END $$;

CREATE FUNCTION ledger.period_digest_v3(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT d.digest FROM ledger.period_digest_v3_rows(p_period) d
$$;

-- None of these is marked PARALLEL SAFE: each is the whole work of the statement that calls it and runs its own
-- parallel plan, which it could not do inside a parallel worker of its caller's (0025 marks the helpers they call).

-- The digest of a period by the recipe of the given seal version (0011), now with version 3; audit.verify_period
-- checks each closed period through it by the version it was sealed with.
CREATE OR REPLACE FUNCTION ledger.seal_digest(p_period text, p_version smallint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE p_version WHEN 1 THEN ledger.period_digest(p_period) WHEN 2 THEN ledger.period_digest_v2(p_period)
                          WHEN 3 THEN ledger.period_digest_v3(p_period) END
$$;

-- Clerks and approvers run the close (the stored digest, or the recomputed one when the stored hashes fall short),
-- as for version 2 (0017, 0025); seal_digest stays the owner's, and auditors reach it through audit.verify_period.
REVOKE ALL ON FUNCTION ledger.period_digest_v3_stored_rows(text), ledger.period_digest_v3_stored(text),
    ledger.period_digest_v3_rows(text), ledger.period_digest_v3(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.period_digest_v3_stored_rows(text), ledger.period_digest_v3_stored(text),
    ledger.period_digest_v3_rows(text), ledger.period_digest_v3(text) TO ledger_clerk, ledger_approver;
