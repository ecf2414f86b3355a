-- 0008: what a reconciliation run reports, stored with it so that a closed period's reports are rewritten from the
-- run, byte for byte, never from live data.

-- The run's full findings (LedgerCore.SubsidyReport as JSON with sorted keys): totals per restaurant split by
-- credential and category, deliveries by outcome, breaks, anomalies, the terms used and the months compared.
CREATE TABLE ledger.reconciliation_reports (
    run_id  bigint PRIMARY KEY REFERENCES ledger.reconciliation_runs,
    report  text NOT NULL
);
CREATE TRIGGER reconciliation_reports_final BEFORE UPDATE OR DELETE ON ledger.reconciliation_reports
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();

-- Helps statement matching and the anomaly rules find the voids of a period's meals.
CREATE INDEX entries_void_period ON ledger.entries (period, voided_entry_id) WHERE kind = 'void';
