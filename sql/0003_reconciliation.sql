-- 0003: reconciliation runs, their breaks, anomalies and subsidy lines.

CREATE TABLE ledger.reconciliation_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period       text NOT NULL UNIQUE REFERENCES ledger.periods,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    entries      bigint NOT NULL,
    digest       text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    run_by       text NOT NULL DEFAULT current_user
);

CREATE TABLE ledger.reconciliation_breaks (
    run_id         bigint NOT NULL REFERENCES ledger.reconciliation_runs,
    restaurant_id  bigint NOT NULL REFERENCES ledger.restaurants,
    kind           text NOT NULL CHECK (kind IN ('missing_in_ledger', 'missing_in_statement', 'amount_mismatch',
                                                  'duplicate', 'no_statement')),
    entry_id       uuid,
    detail         text NOT NULL
);
CREATE INDEX reconciliation_breaks_run ON ledger.reconciliation_breaks (run_id);

CREATE TABLE ledger.anomalies (
    run_id     bigint NOT NULL REFERENCES ledger.reconciliation_runs,
    kind       text NOT NULL CHECK (kind IN ('two_restaurants_30min', 'over_daily_limit', 'card_not_valid',
                                             'repeated_amount')),
    card_no    text NOT NULL,
    entry_ids  uuid[] NOT NULL,
    detail     text NOT NULL
);
CREATE INDEX anomalies_run ON ledger.anomalies (run_id);

-- The subsidy owed to each restaurant for a closed period, as computed by its run.
CREATE TABLE ledger.subsidy_lines (
    run_id                bigint NOT NULL REFERENCES ledger.reconciliation_runs,
    restaurant_id         bigint NOT NULL REFERENCES ledger.restaurants,
    meals                 bigint NOT NULL,
    voided_meals          bigint NOT NULL,
    cardholders           bigint NOT NULL,
    gross_fen             bigint NOT NULL,
    discount_fen          bigint NOT NULL,
    payable_fen           bigint NOT NULL,
    deliveries_delivered  bigint NOT NULL,
    discount_subsidy_fen  bigint NOT NULL,
    delivery_subsidy_fen  bigint NOT NULL,
    subsidy_fen           bigint NOT NULL,
    PRIMARY KEY (run_id, restaurant_id)
);

-- What a run recorded is as final as the period it closed.
CREATE TRIGGER reconciliation_runs_final BEFORE UPDATE OR DELETE ON ledger.reconciliation_runs
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();
CREATE TRIGGER reconciliation_breaks_final BEFORE UPDATE OR DELETE ON ledger.reconciliation_breaks
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();
CREATE TRIGGER anomalies_final BEFORE UPDATE OR DELETE ON ledger.anomalies
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();
CREATE TRIGGER subsidy_lines_final BEFORE UPDATE OR DELETE ON ledger.subsidy_lines
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();
