-- Rows that are final, whoever asks: one trigger function for every append-only table, whose message names the
-- table and says what to do instead (sql/0001's refuse_entry_change spoke of meals on all nine tables).
-- SQLSTATE stays 23001 (restrict_violation), as before.

CREATE FUNCTION ledger.refuse_change_of_final_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    instead text := CASE TG_TABLE_NAME
        WHEN 'entries' THEN 'undo a meal with a void entry'
        WHEN 'delivery_events' THEN 'record a new event of the delivery instead'
        WHEN 'seal_lines' THEN 'seal lines follow their entries, which never change either'
        WHEN 'secrets' THEN 'the seal key is made once; a new key would break every seal'
        ELSE 'the records of a closed period never change'
    END;
BEGIN
    RAISE EXCEPTION '%.% is append-only: % refused; %', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, instead
        USING ERRCODE = 'restrict_violation';
END $$;
REVOKE ALL ON FUNCTION ledger.refuse_change_of_final_rows() FROM PUBLIC;

DROP TRIGGER entries_append_only ON ledger.entries;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON ledger.entries
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER entries_no_truncate ON ledger.entries;
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON ledger.entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER delivery_events_append_only ON ledger.delivery_events;
CREATE TRIGGER delivery_events_append_only BEFORE UPDATE OR DELETE ON ledger.delivery_events
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER reconciliation_runs_final ON ledger.reconciliation_runs;
CREATE TRIGGER reconciliation_runs_final BEFORE UPDATE OR DELETE ON ledger.reconciliation_runs
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER reconciliation_breaks_final ON ledger.reconciliation_breaks;
CREATE TRIGGER reconciliation_breaks_final BEFORE UPDATE OR DELETE ON ledger.reconciliation_breaks
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER anomalies_final ON ledger.anomalies;
CREATE TRIGGER anomalies_final BEFORE UPDATE OR DELETE ON ledger.anomalies
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER subsidy_lines_final ON ledger.subsidy_lines;
CREATE TRIGGER subsidy_lines_final BEFORE UPDATE OR DELETE ON ledger.subsidy_lines
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER secrets_final ON ledger.secrets;
CREATE TRIGGER secrets_final BEFORE UPDATE OR DELETE ON ledger.secrets
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER reconciliation_reports_final ON ledger.reconciliation_reports;
CREATE TRIGGER reconciliation_reports_final BEFORE UPDATE OR DELETE ON ledger.reconciliation_reports
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER seal_lines_append_only ON ledger.seal_lines;
CREATE TRIGGER seal_lines_append_only BEFORE UPDATE OR DELETE ON ledger.seal_lines
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
DROP TRIGGER seal_lines_no_truncate ON ledger.seal_lines;
CREATE TRIGGER seal_lines_no_truncate BEFORE TRUNCATE ON ledger.seal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();

DROP FUNCTION ledger.refuse_entry_change();
