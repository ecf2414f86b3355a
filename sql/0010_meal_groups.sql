-- 0010: group commit: what the daemon reads before it books a group of meals, in one round trip, and the entry
-- checks once per statement.
--
-- ledgerd commits the meals that arrive together in one transaction (group commit). ledger.meal_contexts replaces
-- 0005's ledger.meal_context, which read the same for one meal. It takes a transaction-scoped advisory lock on every
-- card of the group, in the order of the lock keys, so that the meals of one card are judged one after the other
-- (the daily limit holds under concurrent posts) and two groups that share cards cannot deadlock; it makes sure the
-- meals' periods exist; then, with a fresh snapshot taken after the locks, it reports for each meal in input order
-- (column `ordinal`, from 1): the entry that already carries its id (and whether it was stored from a request with the same
-- fingerprint, hashed as every request's is), its card's registry row, the card's meals of
-- that local day that are not voided, the closed periods from the group's earliest period on, and the rate of the
-- restaurant of the meal's terminal while the terminal is live (null once it is revoked: ledgerd remembers which
-- terminal a token belongs to, and this is where a revocation takes effect for meals). The rules themselves are
-- applied by the daemon, which also counts the group's own meals of one card and day.
--
-- The lookups are written so that every plan probes the indexes once per meal (LATERAL … LIMIT 1 on unique keys, a
-- scalar subquery for "not voided"): plpgsql keeps one generic plan per session, made with the statistics of the
-- moment, and a hash or merge join chosen while ledger.entries was small would scan the whole table for every group.
CREATE FUNCTION ledger.meal_contexts(
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
    PERFORM pg_advisory_xact_lock(k.key)
    FROM (SELECT DISTINCT hashtextextended('ledger.card:' || c.card_no, 0) AS key FROM unnest(p_card_nos) AS c(card_no)) k
    ORDER BY k.key;
    INSERT INTO ledger.periods (period)
    SELECT DISTINCT p.period FROM unnest(p_periods) AS p(period) ORDER BY p.period
    ON CONFLICT DO NOTHING;
    RETURN QUERY
    SELECT m.ordinal, e.restaurant_id, e.kind, e.request_sha256 = sha256(convert_to(m.fingerprint, 'UTF8')),
           c.card_no IS NOT NULL, c.category, c.status, c.birth_date, c.valid_from, c.valid_until,
           (SELECT count(*) FROM ledger.entries d
             WHERE d.kind = 'meal' AND d.card_no = m.card_no AND d.local_date = m.local_date
               AND (SELECT v.id FROM ledger.entries v WHERE v.voided_entry_id = d.id) IS NULL),
           closed.periods, closed.ats, live.rate_bp
    FROM unnest(p_ids, p_card_nos, p_local_dates, p_periods, p_fingerprints, p_terminal_ids) WITH ORDINALITY
         AS m(id, card_no, local_date, period, fingerprint, terminal_id, ordinal)
    CROSS JOIN (SELECT coalesce(array_agg(p.period ORDER BY p.period), '{}'),
                       coalesce(array_agg(p.closed_at ORDER BY p.period), '{}')
                FROM ledger.periods p
                WHERE p.status = 'closed' AND p.period >= (SELECT min(x.period) FROM unnest(p_periods) AS x(period))
               ) AS closed(periods, ats)
    LEFT JOIN LATERAL (SELECT * FROM ledger.entries x WHERE x.id = m.id LIMIT 1) e ON true
    LEFT JOIN LATERAL (SELECT * FROM ledger.cards x WHERE x.card_no = m.card_no LIMIT 1) c ON true
    LEFT JOIN LATERAL (SELECT r.rate_bp FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id
                       WHERE t.id = m.terminal_id AND t.revoked_at IS NULL LIMIT 1) live ON true
    ORDER BY m.ordinal;
END $$;

REVOKE ALL ON FUNCTION ledger.meal_contexts(uuid[], text[], date[], text[], text[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.meal_contexts(uuid[], text[], date[], text[], text[], bigint[]) TO ledger_app;

DROP FUNCTION ledger.meal_context(uuid, text, date, text, bytea);

-- The checks of 0001's ledger.check_entry_insert, made once per statement instead of once per row: a group of meals
-- is one INSERT. The statement's periods are share-locked, in order, until the transaction ends (a reconciliation
-- locks its period FOR UPDATE, so it waits for entries already written, and entries written after its close find
-- the period closed: LD001, which the daemon books again); a void must undo a meal of its own restaurant.
-- Rows that ON CONFLICT DO NOTHING skipped are not in new_entries and need no check.
CREATE FUNCTION ledger.check_inserted_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    closed_period text;
BEGIN
    PERFORM 1 FROM ledger.periods p WHERE p.period IN (SELECT n.period FROM new_entries n) ORDER BY p.period FOR SHARE;
    SELECT min(p.period) INTO closed_period
    FROM ledger.periods p
    WHERE p.period IN (SELECT n.period FROM new_entries n) AND p.status <> 'open';
    IF closed_period IS NOT NULL THEN
        RAISE EXCEPTION 'period % is closed; entries are booked into the first open period', closed_period
            USING ERRCODE = 'LD001';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_entries n
        WHERE n.kind = 'void' AND NOT EXISTS (
            SELECT 1 FROM ledger.entries m
            WHERE m.id = n.voided_entry_id AND m.kind = 'meal' AND m.restaurant_id = n.restaurant_id)) THEN
        RAISE EXCEPTION 'a void must reference a meal of the same restaurant' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ledger.check_inserted_entries() FROM PUBLIC;
CREATE TRIGGER entries_check_inserted AFTER INSERT ON ledger.entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.check_inserted_entries();
DROP TRIGGER entries_check_insert ON ledger.entries;
DROP FUNCTION ledger.check_entry_insert();
