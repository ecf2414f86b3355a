-- Queries an auditor starts with. Each runs as a login granted ledger_auditor, e.g.
--   psql "postgresql://audit_office@db.example/ledger" -v period=2031-04 -f sql/audit/examples.sql
-- The queries about one month take it from the psql variable `period` (YYYY-MM): give it with -v period=…, or
-- leave it out for the latest closed period (the current month while none is closed). In psql, `\set period
-- 2031-05` then `\i sql/audit/examples.sql` looks at another month. Money is integer fen (100 fen = 1 yuan).
-- Each query ends with a semicolon at the end of a line; the test suite runs every one of them as an auditor.

\if :{?period}
\else
SELECT coalesce(max(period) FILTER (WHERE status = 'closed'), to_char(now(), 'YYYY-MM')) AS period FROM audit.periods \gset
\endif
\echo 'period:' :'period'

-- 1. Monthly subsidy per restaurant: closed months from their reconciliation, open months live (subsidy NULL).
SELECT period, restaurant, meals, voided_meals, gross_fen, discount_fen, payable_fen, deliveries_delivered,
       subsidy_fen, closed
FROM audit.period_summary
ORDER BY period, restaurant;

-- 2. The subsidy of one period in yuan, with a total line.
SELECT coalesce(restaurant, 'TOTAL') AS restaurant, sum(subsidy_fen) AS subsidy_fen,
       to_char(sum(subsidy_fen) / 100.0, 'FM999999999990.00') AS subsidy_yuan
FROM audit.period_summary
WHERE period = :'period'
GROUP BY ROLLUP (restaurant)
ORDER BY restaurant NULLS LAST;

-- 3. Voids by terminal: how many meals each terminal recorded, how many were voided, and the voided share.
SELECT period, restaurant, terminal, count(*) AS meals, count(*) FILTER (WHERE voided) AS voided,
       round(100.0 * count(*) FILTER (WHERE voided) / count(*), 1) AS voided_percent,
       sum(discount_fen) FILTER (WHERE voided) AS voided_discount_fen
FROM audit.meals
GROUP BY period, restaurant, terminal
ORDER BY voided_percent DESC, period, restaurant, terminal;

-- 4. Late entries: meals booked into a later period than the month they happened in, and how late they came.
SELECT id, period AS booked_into, to_char(local_date, 'YYYY-MM') AS happened_in, restaurant, terminal, card_ref,
       occurred_at, recorded_at, recorded_at - occurred_at AS delay, gross_fen, discount_fen, voided
FROM audit.meals
WHERE late
ORDER BY recorded_at - occurred_at DESC;

-- 5. Reconciliation breaks of a period: differences between the restaurants' own statements and the ledger.
SELECT restaurant, kind, entry_id, detail
FROM audit.reconciliation_breaks
WHERE period = :'period'
ORDER BY restaurant, kind, entry_id;

-- 6. Anomalies of a period, with the meals they point at.
SELECT a.kind, a.card_ref, a.detail, m.id, m.restaurant, m.occurred_at, m.gross_fen, m.voided
FROM audit.anomalies a
LEFT JOIN audit.meals m ON m.id = ANY (a.entry_ids)
WHERE a.period = :'period'
ORDER BY a.kind, a.card_ref, m.occurred_at;

-- 7. Cards used at several restaurants in one period (meals not voided).
SELECT period, card_ref, count(DISTINCT restaurant) AS restaurants, array_agg(DISTINCT restaurant) AS which,
       count(*) AS meals, sum(discount_fen) AS discount_fen
FROM audit.meals
WHERE NOT voided
GROUP BY period, card_ref
HAVING count(DISTINCT restaurant) > 1
ORDER BY restaurants DESC, meals DESC;

-- 8. Deliveries per recipient pseudonym and month, by outcome.
SELECT period, card_ref, count(*) AS deliveries,
       count(*) FILTER (WHERE status = 'delivered') AS delivered,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE wellness = 'concern') AS concern,
       count(*) FILTER (WHERE wellness = 'not_home') AS not_home
FROM audit.deliveries
GROUP BY period, card_ref
ORDER BY period, deliveries DESC;

-- 9. Welfare outcomes per recipient pseudonym: every delivery ever, observations and alerts.
SELECT card_ref, deliveries, delivered, failed, cancelled, wellness_ok, wellness_concern, wellness_not_home,
       alerts, open_alerts, first_scheduled, last_scheduled
FROM audit.welfare_outcomes
ORDER BY open_alerts DESC, alerts DESC, card_ref;

-- 10. Welfare alerts still open, oldest first.
SELECT card_ref, reason, raised_at, now() - raised_at AS open_for, delivery_ids
FROM audit.welfare_alerts
WHERE NOT acknowledged
ORDER BY raised_at;

-- 11. Is every closed period still as sealed? false means its entries changed after the close.
SELECT period, closed_at, entries, digest, audit.verify_period(period) AS intact
FROM audit.periods
WHERE status = 'closed'
ORDER BY period;

-- 12. The seal of a period recomputed by hand, without trusting verify_period (see README.md, "The seal"): the
--     recipe of its seal_version: 3 for seals made since migration 0026, 2 from migration 0011 until then, 1 before.
SELECT encode(CASE p.seal_version
           WHEN 3 THEN (SELECT sha256(coalesce(string_agg(x.digest, ''::bytea ORDER BY x.part), ''))
                        FROM (SELECT l.part, sha256(string_agg(l.h, ''::bytea ORDER BY l.id)) AS digest
                              FROM (SELECT (row_number() OVER (ORDER BY e.id) - 1) / 4096 AS part, e.id,
                                           sha256(convert_to(audit.seal_line(e), 'UTF8')) AS h
                                    FROM audit.entries e WHERE e.period = p.period) l
                              GROUP BY l.part) x)
           WHEN 2 THEN (SELECT sha256(coalesce(string_agg(sha256(convert_to(audit.seal_line(e), 'UTF8')), ''::bytea ORDER BY e.id), ''))
                        FROM audit.entries e WHERE e.period = p.period)
           ELSE (SELECT CASE WHEN count(*) = 0 THEN sha256('') ELSE audit.seal_chain(audit.seal_line(e) ORDER BY e.id) END
                 FROM audit.entries e WHERE e.period = p.period)
       END, 'hex') AS recomputed,
       p.digest AS sealed
FROM audit.periods p
WHERE p.period = :'period';

-- 13. Each period's entries against the lines stored when they were written (audit.seal_lines, since migration
--     0012): how many entries, how many stored lines, and how many entries differ from theirs. For a period whose
--     seal is broken, README.md, "Each entry's line hash", lists the entries themselves.
SELECT e.period, count(*) AS entries, count(s.entry_id) AS stored_lines,
       count(*) FILTER (WHERE s.line_sha256 IS DISTINCT FROM sha256(convert_to(audit.seal_line(e), 'UTF8'))) AS differing
FROM audit.entries e
LEFT JOIN audit.seal_lines s ON s.entry_id = e.id AND s.period = e.period
GROUP BY e.period
ORDER BY e.period;
