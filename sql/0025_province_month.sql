-- 0025: a province's month (issue 17, bench/scale). What a month of a million entries and two million cards showed,
-- on a quiet machine (bench/scale --sizes 1, docs/scale.md): the close at 8.3 × a bare GROUP BY, most of it the card
-- patterns' per-card arrays for cards that ate once; verify at 14 ×, serial, naming each card through a function
-- call; and every meal of a new month probing every month's partition for its id.

-- Functions that only read, marked so: the planner may then run the month-wide statements that call them (the
-- close's helpers, verify, the reports) with parallel workers, as it already does for a bare GROUP BY. A function's
-- body is inlined only after the planner has decided whether the whole statement may go parallel, so an unmarked
-- one keeps every statement that names it on one core.
ALTER FUNCTION audit.seal_line(audit.entries) PARALLEL SAFE;
ALTER FUNCTION ledger.entry_seal_line(ledger.entries, text, text, text) PARALLEL SAFE;
ALTER FUNCTION ledger.card_ref_keyed(text, bytea) PARALLEL SAFE;
ALTER FUNCTION ledger.live_meals(text) PARALLEL SAFE;
ALTER FUNCTION ledger.card_valid_on(text, date, date, date) PARALLEL SAFE;
ALTER FUNCTION ledger.payable_fen(bigint, integer) PARALLEL SAFE;
ALTER FUNCTION ledger.anomalies_card_not_valid(text) PARALLEL SAFE;

-- The seal lines of a period's entries (attached or archived) with the card pseudonyms' key given: the one recipe
-- that ledger.seal_line_differences and ledger.period_digest_v2_rows (below) share. Plain SQL, so it is inlined into
-- its caller's statement; the owner's only, since it takes the key as an argument.
CREATE FUNCTION ledger.period_lines_keyed(p_period text, p_key bytea)
RETURNS TABLE (entry_id uuid, line_sha256 bytea)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT e.id, sha256(convert_to(ledger.entry_seal_line(ROW(e.*)::ledger.entries, r.code, t.name,
                                                          ledger.card_ref_keyed(e.card_no, p_key)), 'UTF8'))
    FROM ledger.entries_with_archive e
    JOIN ledger.restaurants r ON r.id = e.restaurant_id
    JOIN ledger.terminals t ON t.id = e.terminal_id
    WHERE e.period = p_period
$$;
REVOKE ALL ON FUNCTION ledger.period_lines_keyed(text, bytea) FROM PUBLIC;

-- 0024's ledger.period_lines and ledger.card_refs: the recipe above replaces the first, and nothing calls the second
-- (it served only 0024's period_lines). Clerks and approvers, who run the close, reach the recomputed seal through
-- ledger.period_digest_v2 (below) and need neither.
DROP FUNCTION ledger.period_lines(text);
DROP FUNCTION ledger.card_refs(text[]);

-- 0012's ledger.period_digest_v2, the seal recomputed from the entries as they are (ledgerctl verify,
-- audit.verify_period): the lines computed and sorted by parallel workers. PostgreSQL runs a statement with parallel
-- workers only when it is run to the end: not for plpgsql's SELECT INTO nor a scalar SQL function, which stop after
-- a row; plpgsql's RETURN QUERY does. So the digest is the one row of ledger.period_digest_v2_rows, and
-- period_digest_v2 keeps its signature for seal_digest and those granted it. The lines reach string_agg in entry id
-- order from the sorted subquery, as in 0023's period_digest_v2_stored; the two must agree for a seal to verify.
CREATE FUNCTION ledger.period_digest_v2_rows(p_period text) RETURNS TABLE (digest text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    card_key bytea := (SELECT s.value FROM ledger.secrets s WHERE s.name = 'card_ref');
BEGIN
    RETURN QUERY
    SELECT encode(sha256(coalesce(string_agg(o.line_sha256, ''::bytea), '')), 'hex')
    FROM (SELECT k.line_sha256 FROM ledger.period_lines_keyed(p_period, card_key) k ORDER BY k.entry_id) o;
END $$;
REVOKE ALL ON FUNCTION ledger.period_digest_v2_rows(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.period_digest_v2_rows(text) TO ledger_clerk, ledger_approver;

CREATE OR REPLACE FUNCTION ledger.period_digest_v2(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT d.digest FROM ledger.period_digest_v2_rows(p_period) d
$$;

-- 0023's verify: the period's entries as they are, against the seal lines stored when each was written. The
-- entries' lines are computed in a LEFT JOIN against the stored lines, which the planner may run with parallel
-- workers (the key is a parameter of the statement, not a join; PostgreSQL 15 runs no FULL JOIN in parallel), and
-- the stored lines without an entry are an anti-join that computes no line. work_mem holds the month's stored lines
-- (about 100 bytes each) in one hash table. The planner misjudges the join of the two UNION ALL views (2,000 times
-- the rows) and would probe the stored lines' index once per entry: 5.8 s at a million entries against 4.6 s hashed
-- (bench/scale's month), so nested loops are off here; JIT took longer to compile than it saved, as in the close.
CREATE OR REPLACE FUNCTION ledger.seal_line_differences(p_period text)
RETURNS TABLE (entry_id uuid, difference text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET work_mem = '256MB' SET enable_nestloop = off SET jit = off
AS $$
DECLARE
    card_key bytea := (SELECT s.value FROM ledger.secrets s WHERE s.name = 'card_ref');
BEGIN
    RETURN QUERY
    SELECT d.entry_id, d.difference FROM (
        SELECT n.entry_id, CASE WHEN s.entry_id IS NULL THEN 'unsealed' ELSE 'changed' END AS difference
        FROM ledger.period_lines_keyed(p_period, card_key) n
        LEFT JOIN ledger.seal_lines_with_archive s ON s.period = p_period AND s.entry_id = n.entry_id
        WHERE s.entry_id IS NULL OR n.line_sha256 <> s.line_sha256
        UNION ALL
        SELECT s.entry_id, 'removed'
        FROM ledger.seal_lines_with_archive s
        WHERE s.period = p_period
          AND NOT EXISTS (SELECT 1 FROM ledger.entries_with_archive e WHERE e.period = p_period AND e.id = s.entry_id)
    ) d
    ORDER BY 1;
END $$;

-- 0016's card-pattern anomalies, the same rules and the same rows, with the cards that cannot break any of them left
-- out first. Every rule needs two live meals of one card or more (over the daily limit: limit + 1 on one day;
-- repeated amount: the threshold; two restaurants: two meals), so one count per card, a hash aggregate without
-- arrays, drops the cards that ate once before any per-card array is built. At district scale (50,000 cards eating
-- 20 times a month) that drops nothing and costs one more pass; at province scale (two million cards, most eating
-- once or twice a month) it drops most of the month.
CREATE OR REPLACE FUNCTION ledger.anomalies_card_patterns(
    p_period text, p_daily_limit integer, p_repeat_threshold integer, p_window_seconds integer, p_time_zone text)
RETURNS TABLE (kind text, card_no text, entry_ids uuid[], detail text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH candidates AS (
        SELECT l.card_no FROM ledger.live_meals(p_period) l
        GROUP BY l.card_no HAVING count(*) >= least(p_daily_limit + 1, p_repeat_threshold, 2)
    ),
    per_card AS MATERIALIZED (
        SELECT l.card_no, array_agg(l.local_date) AS days, array_agg(l.gross_fen) AS amounts,
               CASE WHEN min(l.restaurant_id) <> max(l.restaurant_id) THEN array_agg(l.occurred_at) END AS times,
               CASE WHEN min(l.restaurant_id) <> max(l.restaurant_id) THEN array_agg(l.restaurant_id) END AS places
        FROM ledger.live_meals(p_period) l JOIN candidates k ON k.card_no = l.card_no
        GROUP BY l.card_no
    ),
    flagged AS (
        SELECT 'over_daily_limit' AS kind, c.card_no, d.day, NULL::bigint AS amount
        FROM per_card c CROSS JOIN LATERAL ledger.days_over_daily_limit(c.days, p_daily_limit) AS d(day)
        UNION ALL
        SELECT 'repeated_amount', c.card_no, NULL, a.amount
        FROM per_card c CROSS JOIN LATERAL ledger.repeated_amounts(c.amounts, p_repeat_threshold) AS a(amount)
    ),
    -- The cards with a pair at two restaurants (few); which meals those are is read below for these cards only.
    paired_cards AS (
        SELECT c.card_no FROM per_card c
        WHERE c.times IS NOT NULL
          AND EXISTS (SELECT 1 FROM ledger.restaurant_changes_within(c.times, c.places, NULL, p_window_seconds))
    )
    -- The meals of each flagged day or amount, and of each paired card, read through the card's index.
    SELECT f.kind, f.card_no, m.ids,
           CASE f.kind WHEN 'over_daily_limit' THEN format('%s meals on %s, limit %s', m.meals, f.day, p_daily_limit)
                       ELSE format('%s meals of %s fen', m.meals, f.amount) END
    FROM flagged f CROSS JOIN LATERAL (
        SELECT array_agg(l.id ORDER BY l.occurred_at, l.id) AS ids, count(*) AS meals
        FROM ledger.live_meals(p_period) l WHERE l.card_no = f.card_no AND (l.local_date = f.day OR l.gross_fen = f.amount)) m
    UNION ALL
    SELECT 'two_restaurants_30min', p.card_no, ARRAY[x.prev_id, x.id],
           format('%s at %s, then %s at %s (%s min apart)', (SELECT r.code FROM ledger.restaurants r WHERE r.id = x.prev_place),
                  to_char(x.prev_at AT TIME ZONE p_time_zone, 'YYYY-MM-DD HH24:MI'),
                  (SELECT r.code FROM ledger.restaurants r WHERE r.id = x.place),
                  to_char(x.at AT TIME ZONE p_time_zone, 'YYYY-MM-DD HH24:MI'), (extract(epoch FROM x.at - x.prev_at)::bigint / 60))
    FROM paired_cards p
    CROSS JOIN LATERAL (SELECT array_agg(l.occurred_at) AS times, array_agg(l.restaurant_id) AS places, array_agg(l.id) AS ids
                        FROM ledger.live_meals(p_period) l WHERE l.card_no = p.card_no) c
    CROSS JOIN LATERAL ledger.restaurant_changes_within(c.times, c.places, c.ids, p_window_seconds) x
$$;

-- 0016's count of a card's meals on a local day, told which months can hold them: a meal of local day D is booked
-- into D's month, or later when late (ledger.post_meals), never earlier. So the months before D's are pruned when
-- the statement starts, instead of probing every month's index: a province's ledger holds years of months.
CREATE OR REPLACE FUNCTION ledger.card_meals_on_day(p_card_no text, p_day date) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT count(*) FROM ledger.entries d
    WHERE d.kind = 'meal' AND d.card_no = p_card_no AND d.local_date = p_day AND d.period >= to_char(p_day, 'YYYY-MM')
      AND NOT ledger.is_voided(d.id)
$$;

-- 0016's ledger.is_voided through ledger.entry_ids, whose voided_entry_id is UNIQUE and set for voids only: one
-- index probe instead of one per month's partition, and a void of an archived month counts too ("whichever period
-- the void was booked into").
CREATE OR REPLACE FUNCTION ledger.is_voided(p_meal_id uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM ledger.entry_ids i WHERE i.voided_entry_id = p_meal_id)
$$;

-- 0016's ledger.meal_contexts, finding an id already stored (a replay, or an id used for another meal) through
-- ledger.entry_ids, which knows the entry's month: one index probe, then the one partition, instead of one probe per
-- month. The daemon's role reads entry_ids for this and for ledger.is_voided (ids, months, voided ids: nothing else).
GRANT SELECT ON ledger.entry_ids TO ledger_app;
CREATE OR REPLACE FUNCTION ledger.meal_contexts(
    p_ids uuid[], p_card_nos text[], p_local_dates date[], p_periods text[], p_fingerprints text[], p_terminal_ids bigint[])
RETURNS TABLE (
    ordinal                 bigint,
    existing_restaurant_id  bigint,
    existing_kind           text,
    existing_matches        boolean,
    card_found              boolean,
    card_category           text,
    card_status             text,
    card_birth_date         date,
    card_valid_from         date,
    card_valid_until        date,
    meals_today             bigint,
    closed_periods          text[],
    closed_ats              timestamptz[],
    terminal_rate_bp        integer
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM ledger.lock_cards(p_card_nos);
    RETURN QUERY
    SELECT m.ordinal, e.restaurant_id, e.kind, e.request_sha256 = sha256(convert_to(m.fingerprint, 'UTF8')),
           c.card_no IS NOT NULL, c.category, c.status, c.birth_date, c.valid_from, c.valid_until,
           ledger.card_meals_on_day(m.card_no, m.local_date), closed.periods, closed.ats, live.rate_bp
    FROM unnest(p_ids, p_card_nos, p_local_dates, p_periods, p_fingerprints, p_terminal_ids) WITH ORDINALITY
         AS m(id, card_no, local_date, period, fingerprint, terminal_id, ordinal)
    CROSS JOIN (SELECT coalesce(array_agg(p.period ORDER BY p.period), '{}'),
                       coalesce(array_agg(p.closed_at ORDER BY p.period), '{}')
                FROM ledger.closed_periods_from((SELECT min(x.period) FROM unnest(p_periods) AS x(period))) p
               ) AS closed(periods, ats)
    LEFT JOIN ledger.entry_ids stored ON stored.id = m.id
    LEFT JOIN LATERAL (SELECT * FROM ledger.entries x WHERE x.id = stored.id AND x.period = stored.period LIMIT 1) e ON true
    LEFT JOIN LATERAL (SELECT * FROM ledger.cards x WHERE x.card_no = m.card_no LIMIT 1) c ON true
    LEFT JOIN LATERAL (SELECT r.rate_bp FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id
                       WHERE t.id = m.terminal_id AND t.revoked_at IS NULL LIMIT 1) live ON true
    ORDER BY m.ordinal;
END $$;

-- 0023's partitions made ahead or on demand, without holding every writer of ledger.entries back: CREATE TABLE …
-- PARTITION OF takes an ACCESS EXCLUSIVE lock on the parent until commit, so a meal that opened a month (or a
-- migration) queued every other meal behind it. The partition is now made on its own (LIKE the parent, with the
-- CHECK that proves its rows' month) and then attached, which takes SHARE UPDATE EXCLUSIVE on the parent: writers
-- and readers of other months go on; only another attach or detach waits. Otherwise as 0023: the same names,
-- triggers and checks, serialised by the same advisory lock.
CREATE OR REPLACE FUNCTION ledger.make_month_partitions(p_period text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    made integer := 0;
    parent text;
    part text;
BEGIN
    IF p_period IS NULL OR p_period !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION 'no partition for period %: a period is written YYYY-MM', coalesce(p_period, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH parent IN ARRAY ARRAY['entries', 'seal_lines'] LOOP
        part := ledger.partition_name(parent, p_period);
        CONTINUE WHEN to_regclass('ledger.' || part) IS NOT NULL OR to_regclass('archive.' || part) IS NOT NULL;
        PERFORM pg_advisory_xact_lock(hashtext('ledger.make_month_partitions'));
        CONTINUE WHEN to_regclass('ledger.' || part) IS NOT NULL OR to_regclass('archive.' || part) IS NOT NULL;
        EXECUTE format('CREATE TABLE ledger.%I (LIKE ledger.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)',
                       part, parent);
        EXECUTE format('ALTER TABLE ledger.%I ADD CONSTRAINT %I CHECK (period = %L)', part, part || '_period', p_period);
        EXECUTE format('ALTER TABLE ledger.%I ATTACH PARTITION ledger.%I FOR VALUES IN (%L)', parent, part, p_period);
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON ledger.%I FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_insert_into_partition()',
                       part || '_through_parent', part);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON ledger.%I FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows()',
                       part || '_no_truncate', part);
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;

-- 0014's ledger.open_periods_for, inserting only a period that is missing. Its INSERT took a ROW EXCLUSIVE lock on
-- ledger.periods for every meal, held to commit even when it inserted nothing, and attaching a partition (whose
-- key on period names ledger.periods) waits for that lock: the first meal of a new month would wait for every meal
-- of the month before to commit. A meal whose period exists now takes only the key-share lock of its foreign key.
CREATE OR REPLACE FUNCTION ledger.open_periods_for(p_periods text[]) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, ledger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(p_periods) AS p(period)
               WHERE NOT EXISTS (SELECT 1 FROM ledger.periods x WHERE x.period = p.period)) THEN
        INSERT INTO ledger.periods (period)
        SELECT DISTINCT p.period FROM unnest(p_periods) AS p(period) ORDER BY p.period
        ON CONFLICT DO NOTHING;
    END IF;
END $$;
