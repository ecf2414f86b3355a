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

-- Every trigger of the old function, moved to the new one as it was defined (tables, events, row or statement).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tg.tgname, tg.tgrelid::regclass::text AS tbl, pg_get_triggerdef(tg.oid) AS definition
             FROM pg_trigger tg WHERE tg.tgfoid = 'ledger.refuse_entry_change()'::regprocedure LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
        EXECUTE replace(t.definition, 'ledger.refuse_entry_change()', 'ledger.refuse_change_of_final_rows()');
    END LOOP;
END $$;

DROP FUNCTION ledger.refuse_entry_change();
