-- 0013: the meals a reconciliation judges for anomalies, named once for its several queries.
--
-- The period's meals that no void of the same period undid (a meal voided in a later month was live when this one
-- closed). Written as a plain SQL function so that PostgreSQL inlines it into each query that reads it.
CREATE FUNCTION ledger.live_meals(p_period text) RETURNS SETOF ledger.entries
LANGUAGE sql STABLE AS $$
    SELECT e.* FROM ledger.entries e
    WHERE e.kind = 'meal' AND e.period = p_period
      AND NOT EXISTS (SELECT 1 FROM ledger.entries v WHERE v.kind = 'void' AND v.voided_entry_id = e.id AND v.period = p_period)
$$;
REVOKE ALL ON FUNCTION ledger.live_meals(text) FROM PUBLIC;
