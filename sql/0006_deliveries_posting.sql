-- 0006: what posting deliveries, generating them from standing orders and raising welfare alerts need beyond 0002.
--
-- The rules themselves (eligibility, the life cycle, when to raise an alert) are applied by the daemon; the
-- database keeps the invariants that must hold under concurrent writers.

-- A person has at most one open welfare alert: a second one would only repeat the first until staff acknowledge it.
-- The daemon checks this under a per-person lock; this index makes it a guarantee.
CREATE UNIQUE INDEX welfare_alerts_one_open ON ledger.welfare_alerts (card_no) WHERE acknowledged_at IS NULL;
DROP INDEX ledger.welfare_alerts_open;

-- A person's deliveries by day: the last deliveries shown with an alert, and the observations an alert is judged on.
CREATE INDEX deliveries_card_day ON ledger.deliveries (card_no, scheduled_for);

-- The monthly figures per restaurant (`ledgerctl deliveries summary`, reconciliation) read a range of days.
CREATE INDEX deliveries_day ON ledger.deliveries (scheduled_for);

-- Events of a delivery in the order they were recorded: the note a delivery carried after each event.
DROP INDEX ledger.delivery_events_delivery;
CREATE INDEX delivery_events_delivery ON ledger.delivery_events (delivery_id, recorded_at);

-- ledger_app already has what it needs from 0004: SELECT on standing_orders and cards; INSERT on deliveries,
-- delivery_events and welfare_alerts; UPDATE of a delivery's status, wellness, note and updated_at. Standing
-- orders are changed and alerts acknowledged by bureau staff with ledgerctl, as the owner.
