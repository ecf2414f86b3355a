-- 0026: seal version 3, the seal of a month hashed in parts of 4,096 entries, so that no value holds the whole month.
--
-- Version 2 (0011) hashes one value, the concatenation of every entry's 32-byte line hash: 640 MB at 20 million
-- entries a month, most of the close's and verify's memory, and past PostgreSQL's 1 GB limit for one value at about
-- 33.5 million entries, when a month cannot be sealed at all (docs/scale.md). Version 3 hashes the same line hashes in
-- parts, with built-in functions only:
--
--     h      = sha256(utf8(line))                        each entry's line, as in version 2 (audit.seal_line)
--     part k = entries 4096·k+1 … 4096·(k+1)             the entries in id order (uuid order) cut into consecutive
--                                                        parts of 4,096 (the last may be shorter)
--     p_k    = sha256(h_i || h_i+1 || …)                 the line hashes of part k, in id order
--     digest = sha256(p_0 || p_1 || …)                   the parts' digests in part order
--
-- in lower-case hex, and sha256('') for a period without entries, as in versions 1 and 2. The parts are cut in id
-- order because that is the order of the stored hashes' primary key: the close reads them as version 2 did, in the
-- index's order with no sort, and holds one part (128 KB of hashes) at a time. A part's boundaries depend on every
-- entry of the period, which is fine: a seal is over the whole period. The largest value is now one part, whatever
-- the month's size. Periods closed before this migration keep their version (1 or 2) and are still checked by its
-- recipe.

ALTER TABLE ledger.periods DROP CONSTRAINT periods_seal_version_check,
    ADD CONSTRAINT periods_seal_version_check CHECK (seal_version IN (1, 2, 3));
ALTER TABLE ledger.reconciliation_runs DROP CONSTRAINT reconciliation_runs_seal_version_check,
    ADD CONSTRAINT reconciliation_runs_seal_version_check CHECK (seal_version IN (1, 2, 3));

-- Version 3 from the line hashes stored as the entries were written (0012, read from every month as 0023 does), or
-- NULL when they are not one per entry of the period: what the close seals. A part at a time, in the primary key's
-- order from where the last part ended, so no sort and no more than a part in memory. Two queries because an id may
-- be the nil uuid, the lowest, so no lower bound can stand for "from the start". STABLE, so every query of the loop
-- sees the snapshot of the statement that calls it: the parts and the count agree even while entries are written.
CREATE FUNCTION ledger.period_digest_v3_stored(p_period text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    part_size constant integer := 4096;
    after uuid;
    part bytea;
    lines bigint;
    last_id uuid;
    total bigint := 0;
    parts bytea := ''::bytea;
BEGIN
    LOOP
        IF after IS NULL THEN
            SELECT sha256(string_agg(o.line_sha256, ''::bytea)), count(*), (array_agg(o.entry_id))[count(*)]
            INTO part, lines, last_id
            FROM (SELECT s.entry_id, s.line_sha256 FROM ledger.seal_lines_with_archive s
                  WHERE s.period = p_period ORDER BY s.entry_id LIMIT part_size) o;
        ELSE
            SELECT sha256(string_agg(o.line_sha256, ''::bytea)), count(*), (array_agg(o.entry_id))[count(*)]
            INTO part, lines, last_id
            FROM (SELECT s.entry_id, s.line_sha256 FROM ledger.seal_lines_with_archive s
                  WHERE s.period = p_period AND s.entry_id > after ORDER BY s.entry_id LIMIT part_size) o;
        END IF;
        EXIT WHEN lines = 0;
        parts := parts || part;
        total := total + lines;
        after := last_id;
        EXIT WHEN lines < part_size;
    END LOOP;
    IF total <> (SELECT count(*) FROM ledger.entries_with_archive e WHERE e.period = p_period) THEN
        RETURN NULL;
    END IF;
    RETURN encode(sha256(parts), 'hex');
END $$;

-- Version 3 recomputed from the entries as they are (ledgerctl verify, audit.verify_period, and the close when the
-- stored hashes do not cover the period), as 0025's period_digest_v2_rows computes version 2. First the parts'
-- boundaries, every 4,096th id from the ids alone (an index-only scan); then each line, computed by parallel workers
-- under RETURN QUERY (0025), gets its part from its id by width_bucket, and the workers sort the lines by (part, id).
-- Numbering the lines after the sort instead would sort them all on the leader. The planner prices a parallel plan's
-- rows at parallel_tuple_cost each and, pricing a line at a few operators, would compute them all on one core; 0.001
-- lets it use the workers. The aggregation must agree with period_digest_v3_stored's for a seal to verify.
CREATE FUNCTION ledger.period_digest_v3_rows(p_period text) RETURNS TABLE (digest text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off SET parallel_tuple_cost = 0.001
AS $$
DECLARE
    part_size constant integer := 4096;
    card_key bytea := (SELECT s.value FROM ledger.secrets s WHERE s.name = 'card_ref');
    -- The first id of every part but the first, ascending: width_bucket gives 0 below the first of them.
    bounds uuid[] := (SELECT coalesce(array_agg(b.id), '{}')
                      FROM (SELECT e.id, row_number() OVER (ORDER BY e.id) AS n
                            FROM ledger.entries_with_archive e WHERE e.period = p_period) b
                      WHERE b.n % part_size = 1 AND b.n > 1);
BEGIN
    RETURN QUERY
    SELECT encode(sha256(coalesce(string_agg(q.digest, ''::bytea ORDER BY q.part), '')), 'hex')
    FROM (SELECT o.part, sha256(string_agg(o.line_sha256, ''::bytea)) AS digest
          FROM (SELECT width_bucket(k.entry_id, bounds) AS part, k.line_sha256
                FROM ledger.period_lines_keyed(p_period, card_key) k
                ORDER BY 1, k.entry_id) o
          GROUP BY o.part) q;
END $$;

CREATE FUNCTION ledger.period_digest_v3(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT d.digest FROM ledger.period_digest_v3_rows(p_period) d
$$;

-- None of these is marked PARALLEL SAFE: each is the whole work of the statement that calls it and runs its own
-- plan, which it could not do inside a parallel worker of its caller's (0025 marks the helpers they call).

-- The digest of a period by the recipe of the given seal version (0011), now with version 3; audit.verify_period
-- checks each closed period through it by the version it was sealed with.
CREATE OR REPLACE FUNCTION ledger.seal_digest(p_period text, p_version smallint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE p_version WHEN 1 THEN ledger.period_digest(p_period) WHEN 2 THEN ledger.period_digest_v2(p_period)
                          WHEN 3 THEN ledger.period_digest_v3(p_period) END
$$;

-- Clerks and approvers run the close (the stored digest, or the recomputed one when the stored hashes fall short),
-- as for version 2 (0017, 0025); seal_digest stays the owner's, and auditors reach it through audit.verify_period.
REVOKE ALL ON FUNCTION ledger.period_digest_v3_stored(text), ledger.period_digest_v3_rows(text), ledger.period_digest_v3(text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.period_digest_v3_stored(text), ledger.period_digest_v3_rows(text), ledger.period_digest_v3(text)
    TO ledger_clerk, ledger_approver;
