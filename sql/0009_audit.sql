-- 0009: the auditors' SQL interface (CONTRACT.md, "SQL for auditors"), and the grants of both roles made tight.
--
-- Every view of schema audit is owned by the schema owner and reads schema ledger with the owner's rights, so a
-- member of ledger_auditor needs no right on any base table. No view has a name, phone, address, birth date or full
-- card number: a card appears as card_ref (ledger.card_ref, a keyed HMAC; see 0007) and, for meals, its last four
-- characters. Free-text notes written about people (delivery notes, acknowledgement notes) are left out too.
-- sql/audit/README.md documents each view for auditors; sql/audit/examples.sql shows them in use.

-- Meals, one row each, with whether a void undid them. `period` is the period the meal was booked into (a late
-- meal keeps its real occurred_at but is booked into the first open period after its own).
CREATE VIEW audit.meals AS
SELECT m.id, m.period, r.code AS restaurant, t.name AS terminal,
       ledger.card_ref(m.card_no) AS card_ref, right(m.card_no, 4) AS card_last4, m.category, m.credential,
       m.occurred_at, m.recorded_at, m.local_date, m.gross_fen, m.rate_bp, m.payable_fen, m.discount_fen, m.late,
       v.id IS NOT NULL AS voided, v.id AS void_id, v.period AS void_period, v.recorded_at AS voided_at,
       v.reason AS void_reason
FROM ledger.entries m
JOIN ledger.restaurants r ON r.id = m.restaurant_id
JOIN ledger.terminals t ON t.id = m.terminal_id
LEFT JOIN ledger.entries v ON v.voided_entry_id = m.id AND v.kind = 'void'
WHERE m.kind = 'meal';

-- Free deliveries as they stand now. `period` is the month of scheduled_for, the local day of the delivery.
CREATE VIEW audit.deliveries AS
SELECT d.id, to_char(d.scheduled_for, 'YYYY-MM') AS period, r.code AS restaurant, ledger.card_ref(d.card_no) AS card_ref,
       d.scheduled_for, d.meal, d.status, d.wellness, d.updated_at, d.created_at,
       d.standing_order_id IS NOT NULL AS from_standing_order, d.meal_entry_id
FROM ledger.deliveries d
JOIN ledger.restaurants r ON r.id = d.restaurant_id;

-- Each move of a delivery, as the terminal posted it (the free-text note is left out).
CREATE VIEW audit.delivery_events AS
SELECT ev.id, ev.delivery_id, r.code AS restaurant, t.name AS terminal, ledger.card_ref(d.card_no) AS card_ref,
       ev.from_status, ev.to_status, ev.at, ev.wellness, ev.recorded_at
FROM ledger.delivery_events ev
JOIN ledger.deliveries d ON d.id = ev.delivery_id
JOIN ledger.restaurants r ON r.id = d.restaurant_id
JOIN ledger.terminals t ON t.id = ev.terminal_id;

-- Periods and their seals. `entries` and `digest` are set when reconciliation closes the period.
CREATE VIEW audit.periods AS
SELECT p.period, p.status, p.closed_at, p.entries, p.digest
FROM ledger.periods p;

-- Figures per period and restaurant. A closed period shows what its reconciliation run recorded
-- (ledger.subsidy_lines), which never changes. Any other period shows live figures from the entries booked into it,
-- net of the voids booked into it, and the delivered deliveries scheduled in its month; its subsidy is not known
-- before reconciliation, so the subsidy columns are NULL.
CREATE VIEW audit.period_summary AS
WITH audit_sealed AS (
    -- Closed periods with a reconciliation run: their figures come from the run, not from the entries.
    SELECT run.period FROM ledger.reconciliation_runs run
    JOIN ledger.periods p ON p.period = run.period AND p.status = 'closed'
)
SELECT run.period, r.code AS restaurant, s.meals, s.voided_meals, s.cardholders, s.gross_fen, s.discount_fen,
       s.payable_fen, s.deliveries_delivered, s.discount_subsidy_fen, s.delivery_subsidy_fen, s.subsidy_fen,
       true AS closed
FROM ledger.subsidy_lines s
JOIN ledger.reconciliation_runs run ON run.id = s.run_id
JOIN ledger.periods p ON p.period = run.period AND p.status = 'closed'
JOIN ledger.restaurants r ON r.id = s.restaurant_id
UNION ALL
SELECT live.period, r.code, live.meals, live.voided_meals, live.cardholders, live.gross_fen, live.discount_fen,
       live.payable_fen, live.deliveries_delivered, NULL::bigint, NULL::bigint, NULL::bigint,
       coalesce(p.status = 'closed', false)
FROM (
    SELECT coalesce(e.period, d.period) AS period, coalesce(e.restaurant_id, d.restaurant_id) AS restaurant_id,
           coalesce(e.meals, 0) AS meals, coalesce(e.voided_meals, 0) AS voided_meals,
           coalesce(e.cardholders, 0) AS cardholders, coalesce(e.gross_fen, 0) AS gross_fen,
           coalesce(e.discount_fen, 0) AS discount_fen, coalesce(e.payable_fen, 0) AS payable_fen,
           coalesce(d.deliveries_delivered, 0) AS deliveries_delivered
    FROM (
        SELECT x.period, x.restaurant_id,
               count(*) FILTER (WHERE x.kind = 'meal') AS meals,
               count(*) FILTER (WHERE x.kind = 'void') AS voided_meals,
               count(DISTINCT x.card_no) FILTER (WHERE x.kind = 'meal') AS cardholders,
               sum(x.sign * x.gross_fen)::bigint AS gross_fen,
               sum(x.sign * x.discount_fen)::bigint AS discount_fen,
               sum(x.sign * x.payable_fen)::bigint AS payable_fen
        FROM (
            SELECT e.period, e.restaurant_id, e.kind, e.card_no, 1 AS sign, e.gross_fen, e.discount_fen, e.payable_fen
            FROM ledger.entries e WHERE e.kind = 'meal'
            UNION ALL
            SELECT v.period, v.restaurant_id, v.kind, NULL, -1, m.gross_fen, m.discount_fen, m.payable_fen
            FROM ledger.entries v JOIN ledger.entries m ON m.id = v.voided_entry_id
            WHERE v.kind = 'void'
        ) x
        WHERE x.period NOT IN (SELECT sealed.period FROM audit_sealed sealed)
        GROUP BY x.period, x.restaurant_id
    ) e
    FULL JOIN (
        SELECT to_char(dd.scheduled_for, 'YYYY-MM') AS period, dd.restaurant_id,
               count(*) FILTER (WHERE dd.status = 'delivered') AS deliveries_delivered
        FROM ledger.deliveries dd
        WHERE to_char(dd.scheduled_for, 'YYYY-MM') NOT IN (SELECT sealed.period FROM audit_sealed sealed)
        GROUP BY 1, 2
    ) d ON d.period = e.period AND d.restaurant_id = e.restaurant_id
) live
JOIN ledger.restaurants r ON r.id = live.restaurant_id
LEFT JOIN ledger.periods p ON p.period = live.period;

-- What reconciliation found. A full card number a detail might quote is replaced by the card's card_ref.
CREATE VIEW audit.reconciliation_breaks AS
SELECT run.period, r.code AS restaurant, b.kind, b.entry_id,
       CASE WHEN e.card_no IS NULL THEN b.detail ELSE replace(b.detail, e.card_no, ledger.card_ref(e.card_no)) END AS detail
FROM ledger.reconciliation_breaks b
JOIN ledger.reconciliation_runs run ON run.id = b.run_id
JOIN ledger.restaurants r ON r.id = b.restaurant_id
LEFT JOIN ledger.entries e ON e.id = b.entry_id;

CREATE VIEW audit.anomalies AS
SELECT run.period, a.kind, ledger.card_ref(a.card_no) AS card_ref, a.entry_ids,
       replace(a.detail, a.card_no, ledger.card_ref(a.card_no)) AS detail
FROM ledger.anomalies a
JOIN ledger.reconciliation_runs run ON run.id = a.run_id;

-- The reconciliation runs themselves (who ran them is left out).
CREATE VIEW audit.reconciliation_runs AS
SELECT run.period, run.started_at, run.finished_at, run.entries, run.digest
FROM ledger.reconciliation_runs run;

-- Restaurants, their terminals (never a token) and the subsidy terms the bureau set.
CREATE VIEW audit.restaurants AS
SELECT r.code AS restaurant, r.name AS restaurant_name, r.community, r.rate_bp, r.status, r.created_at
FROM ledger.restaurants r;

CREATE VIEW audit.terminals AS
SELECT r.code AS restaurant, t.name AS terminal, t.created_at, t.revoked_at
FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id;

CREATE VIEW audit.subsidy_terms AS
SELECT r.code AS restaurant, s.effective_from, s.discount_share_bp, s.delivery_fee_fen, s.monthly_cap_fen, s.created_at
FROM ledger.subsidy_terms s JOIN ledger.restaurants r ON r.id = s.restaurant_id;

-- Welfare alerts without the acknowledgement's note and author (free text about a person, a staff member's login).
CREATE VIEW audit.welfare_alerts AS
SELECT w.id, ledger.card_ref(w.card_no) AS card_ref, w.reason, w.delivery_ids, w.raised_at,
       w.acknowledged_at IS NOT NULL AS acknowledged, w.acknowledged_at
FROM ledger.welfare_alerts w;

-- Per recipient pseudonym: deliveries by outcome, wellness observations and welfare alerts.
CREATE VIEW audit.welfare_outcomes AS
SELECT d.card_ref, d.deliveries, d.delivered, d.failed, d.cancelled, d.pending, d.wellness_ok, d.wellness_concern,
       d.wellness_not_home, d.first_scheduled, d.last_scheduled,
       coalesce(w.alerts, 0) AS alerts, coalesce(w.open_alerts, 0) AS open_alerts
FROM (
    SELECT dd.card_no, ledger.card_ref(dd.card_no) AS card_ref, count(*) AS deliveries,
           count(*) FILTER (WHERE dd.status = 'delivered') AS delivered,
           count(*) FILTER (WHERE dd.status = 'failed') AS failed,
           count(*) FILTER (WHERE dd.status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE dd.status IN ('requested', 'dispatched')) AS pending,
           count(*) FILTER (WHERE dd.wellness = 'ok') AS wellness_ok,
           count(*) FILTER (WHERE dd.wellness = 'concern') AS wellness_concern,
           count(*) FILTER (WHERE dd.wellness = 'not_home') AS wellness_not_home,
           min(dd.scheduled_for) AS first_scheduled, max(dd.scheduled_for) AS last_scheduled
    FROM ledger.deliveries dd
    GROUP BY dd.card_no
) d
LEFT JOIN (
    SELECT wa.card_no, count(*) AS alerts, count(*) FILTER (WHERE wa.acknowledged_at IS NULL) AS open_alerts
    FROM ledger.welfare_alerts wa GROUP BY wa.card_no
) w ON w.card_no = d.card_no;

-- True when the period is closed and its entries, as they are now, still hash to the digest sealed at its close;
-- false otherwise (open, unknown, or altered). Runs with the owner's rights, so the auditor needs none on schema
-- ledger; the search_path is fixed so that nothing an auditor creates can stand in for a built-in.
CREATE FUNCTION audit.verify_period(p_period text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT p.status = 'closed' AND p.digest IS NOT NULL AND p.digest = ledger.period_digest(p.period)
                     FROM ledger.periods p WHERE p.period = p_period), false)
$$;

-- The entry trigger reads the period FOR SHARE, which needs UPDATE rights on ledger.periods when it runs as the
-- inserting role; ledger_app must not have those (it would let it close periods). The trigger runs as its owner.
ALTER FUNCTION ledger.check_entry_insert() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Grants. Functions are EXECUTE to PUBLIC by default: take that away in both schemas, then grant by name.
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ledger FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ledger FROM PUBLIC;
REVOKE ALL ON SCHEMA ledger FROM PUBLIC;
REVOKE ALL ON SCHEMA audit FROM PUBLIC;
-- Nothing of this programme lives in schema public; no role should be able to create objects there either.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
        REVOKE ALL ON SCHEMA public FROM PUBLIC;
    END IF;
END $$;

-- The auditor: schema audit, its views, the seal functions and verify_period; nothing in schema ledger.
REVOKE ALL ON SCHEMA ledger FROM ledger_auditor;
REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM ledger_auditor;
GRANT USAGE ON SCHEMA audit TO ledger_auditor;
GRANT SELECT ON audit.entries, audit.meals, audit.deliveries, audit.delivery_events, audit.periods,
    audit.period_summary, audit.reconciliation_breaks, audit.anomalies, audit.reconciliation_runs, audit.restaurants,
    audit.terminals, audit.subsidy_terms, audit.welfare_alerts, audit.welfare_outcomes TO ledger_auditor;
GRANT EXECUTE ON FUNCTION audit.seal_line(audit.entries), audit.seal_step(bytea, text), audit.seal_chain(text),
    audit.verify_period(text) TO ledger_auditor;
-- A function a view calls is checked against the user of the view, not its owner, so the views need EXECUTE on
-- ledger.card_ref for their readers. The auditor still cannot call it with a number of their choosing: it lives in
-- schema ledger, on which ledger_auditor has no USAGE, and every way to name a function (a query, a function body,
-- an operator, a trigger) looks it up through its schema. The secret it reads stays unreadable.
GRANT EXECUTE ON FUNCTION ledger.card_ref(text) TO ledger_auditor;

-- The daemon: what 0004-0006 granted, less anything that could change or remove history or read the secret.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ledger.entries, ledger.periods, ledger.delivery_events,
    ledger.welfare_alerts FROM ledger_app;
REVOKE ALL ON ledger.secrets, ledger.reconciliation_runs, ledger.reconciliation_breaks, ledger.anomalies,
    ledger.subsidy_lines FROM ledger_app;
REVOKE ALL ON FUNCTION ledger.card_ref(text), ledger.period_digest(text) FROM ledger_app;
REVOKE ALL ON SCHEMA audit FROM ledger_app;
GRANT EXECUTE ON FUNCTION ledger.meal_context(uuid, text, date, text, bytea) TO ledger_app;
-- ledgerd checks at start that the schema is migrated.
GRANT SELECT ON ledger.schema_migrations TO ledger_app;
