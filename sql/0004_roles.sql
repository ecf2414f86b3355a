-- 0004: the roles. `ledger_app` is what the daemon needs and no more; `ledger_auditor` reads schema `audit` only.
-- Roles are cluster-wide, so they are created only when missing. Logins are granted these roles by the operator
-- (see README.md, "Database roles").

-- Two databases of one cluster may migrate at once (their advisory locks are per database): a role created by
-- the other meanwhile is fine.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['ledger_app', 'ledger_auditor'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END $$;

REVOKE ALL ON SCHEMA ledger FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM PUBLIC;

-- The daemon: reads the registry, writes entries and deliveries. It may not update or delete entries
-- (no grant, and the trigger refuses anyway), close periods, or touch reconciliation results.
GRANT USAGE ON SCHEMA ledger TO ledger_app;
GRANT SELECT ON ledger.restaurants, ledger.subsidy_terms, ledger.terminals, ledger.cards,
    ledger.standing_orders, ledger.periods TO ledger_app;
GRANT INSERT ON ledger.periods TO ledger_app;
GRANT SELECT, INSERT ON ledger.entries, ledger.delivery_events, ledger.welfare_alerts TO ledger_app;
GRANT SELECT, INSERT, UPDATE (status, wellness, note, updated_at, meal_entry_id) ON ledger.deliveries TO ledger_app;

-- The auditors' schema holds views only (see sql/audit/README.md); they see nothing else.
CREATE SCHEMA IF NOT EXISTS audit;
REVOKE ALL ON SCHEMA audit FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO ledger_auditor;
