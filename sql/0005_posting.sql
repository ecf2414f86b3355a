-- 0005: what the daemon reads before it books a meal, in one round trip.
--
-- ledger.meal_context takes a transaction-scoped advisory lock on the card, so that two meals of one card are
-- judged one after the other (the daily limit holds under concurrent posts), then reports, with a fresh snapshot
-- taken after the lock: the entry that already carries this id, the card's registry row, the card's meals of the
-- day that are not voided, and the closed periods from the meal's period on. It also makes sure the meal's period
-- exists. The rules themselves are applied by the daemon.
CREATE FUNCTION ledger.meal_context(p_id uuid, p_card_no text, p_local_date date, p_period text, p_request_sha256 bytea)
RETURNS TABLE (
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
    closed_ats              timestamptz[]
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('ledger.card:' || p_card_no, 0));
    INSERT INTO ledger.periods (period) VALUES (p_period) ON CONFLICT DO NOTHING;
    RETURN QUERY
    SELECT e.restaurant_id, e.kind, e.request_sha256 = p_request_sha256,
           c.card_no IS NOT NULL, c.category, c.status, c.birth_date, c.valid_from, c.valid_until,
           (SELECT count(*) FROM ledger.entries m
             WHERE m.kind = 'meal' AND m.card_no = p_card_no AND m.local_date = p_local_date
               AND NOT EXISTS (SELECT 1 FROM ledger.entries v WHERE v.voided_entry_id = m.id)),
           coalesce((SELECT array_agg(p.period ORDER BY p.period) FROM ledger.periods p
                      WHERE p.period >= p_period AND p.status = 'closed'), '{}'),
           coalesce((SELECT array_agg(p.closed_at ORDER BY p.period) FROM ledger.periods p
                      WHERE p.period >= p_period AND p.status = 'closed'), '{}')
    FROM (SELECT 1) AS one
    LEFT JOIN ledger.entries e ON e.id = p_id
    LEFT JOIN ledger.cards c ON c.card_no = p_card_no;
END $$;

GRANT EXECUTE ON FUNCTION ledger.meal_context(uuid, text, date, text, bytea) TO ledger_app;
