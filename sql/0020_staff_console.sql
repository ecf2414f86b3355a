-- 0020: the staff console (issue 16). Staff act as their own logins (ledger_clerk, ledger_approver), so the database
-- records who did what:
-- * ledger.welfare_followups: the steps of following up a welfare alert (called, emergency contact reached, home
--   visit, resolved), each with a note, who recorded it and when; append-only.
-- * ledger.card_status_changes and ledger.set_card_status: a card suspended or reactivated, by whom and why.
-- * ledger.staff_activity: who did what, when, over the acts that record their login.
-- * grants: staff read what the console shows and write only these acts, as themselves.

CREATE TABLE ledger.welfare_followups (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id     bigint NOT NULL REFERENCES ledger.welfare_alerts,
    step         text NOT NULL CHECK (step IN ('called', 'emergency_contact_reached', 'home_visit', 'resolved')),
    note         text NOT NULL CHECK (note <> '' AND length(note) <= 1000),
    recorded_by  name NOT NULL DEFAULT session_user,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX welfare_followups_alert ON ledger.welfare_followups (alert_id, recorded_at);

-- A card's suspensions and reactivations by staff, with the reason; append-only.
CREATE TABLE ledger.card_status_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_no      text NOT NULL REFERENCES ledger.cards,
    old_status   text NOT NULL,
    new_status   text NOT NULL CHECK (new_status IN ('active', 'suspended')),
    reason       text NOT NULL CHECK (reason <> '' AND length(reason) <= 1000),
    changed_by   name NOT NULL DEFAULT session_user,
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX card_status_changes_card ON ledger.card_status_changes (card_no, changed_at);

-- Append-only, as every final table (sql/0015), with what to do instead (sql/0019's advice).
INSERT INTO ledger.append_only_advice (table_name, advice) VALUES
    ('welfare_followups', 'record a new follow-up step instead'),
    ('card_status_changes', 'suspend or reactivate the card again instead');
CREATE TRIGGER welfare_followups_append_only BEFORE UPDATE OR DELETE ON ledger.welfare_followups
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER welfare_followups_no_truncate BEFORE TRUNCATE ON ledger.welfare_followups
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER card_status_changes_append_only BEFORE UPDATE OR DELETE ON ledger.card_status_changes
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER card_status_changes_no_truncate BEFORE TRUNCATE ON ledger.card_status_changes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();

-- Suspends ('suspended') or reactivates ('active') a card, recording who and why. Only staff (or the owner) may; a
-- revoked card stays revoked; a card already in that state is refused. Returns the status it had.
CREATE FUNCTION ledger.set_card_status(p_card_no text, p_status text, p_reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    old text;
BEGIN
    IF NOT (ledger.session_may('ledger_clerk') OR ledger.session_may('ledger_approver')) THEN
        RAISE EXCEPTION 'only bureau staff (ledger_clerk, ledger_approver) may suspend or reactivate a card'
            USING ERRCODE = 'LD003';
    END IF;
    IF p_status NOT IN ('active', 'suspended') THEN
        RAISE EXCEPTION 'a card can be set to active or suspended here, not %', p_status USING ERRCODE = 'LD003';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'say why the card is %', p_status USING ERRCODE = 'LD003';
    END IF;
    SELECT status INTO old FROM ledger.cards WHERE card_no = p_card_no FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'card % is not registered', p_card_no USING ERRCODE = 'LD003';
    END IF;
    IF old = 'revoked' THEN
        RAISE EXCEPTION 'card % is revoked: a revoked card is not reactivated here, register a new card', p_card_no
            USING ERRCODE = 'LD003';
    END IF;
    IF old = p_status THEN
        RAISE EXCEPTION 'card % is already %', p_card_no, p_status USING ERRCODE = 'LD003';
    END IF;
    UPDATE ledger.cards SET status = p_status, updated_at = now() WHERE card_no = p_card_no;
    INSERT INTO ledger.card_status_changes (card_no, old_status, new_status, reason, changed_by)
    VALUES (p_card_no, old, p_status, btrim(p_reason), session_user);
    RETURN old;
END $$;

-- Staff acknowledge an alert as themselves, once: the row records the session's login and the time whatever the
-- UPDATE says, and an acknowledged alert stays as it was. The owner (ledgerctl) is not held by this.
CREATE FUNCTION ledger.guard_alert_acknowledgement() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF ledger.acting_as_owner() THEN
        RETURN NEW;
    END IF;
    IF OLD.acknowledged_at IS NOT NULL THEN
        RAISE EXCEPTION 'alert % is already acknowledged: its acknowledgement is final', OLD.id USING ERRCODE = 'LD003';
    END IF;
    NEW.acknowledged_by := session_user;
    NEW.acknowledged_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER welfare_alerts_acknowledged_as_self BEFORE UPDATE ON ledger.welfare_alerts
    FOR EACH ROW EXECUTE FUNCTION ledger.guard_alert_acknowledgement();

-- Who did what, when: every act that records the login that did it.
CREATE VIEW ledger.staff_activity AS
SELECT f.recorded_at AS at, f.recorded_by::text AS actor, 'welfare_followup'::text AS action,
       'alert ' || f.alert_id AS subject, f.step AS detail
FROM ledger.welfare_followups f
UNION ALL
SELECT a.acknowledged_at, a.acknowledged_by, 'welfare_acknowledged', 'alert ' || a.id, NULL
FROM ledger.welfare_alerts a WHERE a.acknowledged_at IS NOT NULL
UNION ALL
SELECT c.changed_at, c.changed_by::text, 'card_' || c.new_status, 'card ' || c.card_no, c.old_status || ' -> ' || c.new_status
FROM ledger.card_status_changes c
UNION ALL
SELECT a.at, a.actor, 'close_' || a.action, 'period ' || a.period, NULL
FROM audit.close_actions a
UNION ALL
SELECT s.added_at, s.added_by::text, 'staff_added', 'staff ' || s.login, NULL
FROM ledger.staff s
UNION ALL
SELECT s.disabled_at, s.disabled_by::text, 'staff_disabled', 'staff ' || s.login, NULL
FROM ledger.staff s WHERE s.disabled_at IS NOT NULL;

REVOKE ALL ON ledger.welfare_followups, ledger.card_status_changes, ledger.staff_activity FROM PUBLIC;
REVOKE ALL ON FUNCTION ledger.set_card_status(text, text, text), ledger.guard_alert_acknowledgement() FROM PUBLIC;

-- Staff read what the console shows, and write only these acts, each row recording their own login.
GRANT SELECT ON ledger.welfare_alerts, ledger.delivery_events, ledger.standing_orders, ledger.welfare_followups,
    ledger.card_status_changes, ledger.staff_activity TO ledger_clerk, ledger_approver;
GRANT INSERT (alert_id, step, note) ON ledger.welfare_followups TO ledger_clerk, ledger_approver;
GRANT UPDATE (acknowledged_at, acknowledged_by, ack_note) ON ledger.welfare_alerts TO ledger_clerk, ledger_approver;
GRANT INSERT (card_no, restaurant_id, weekdays, meal, starts_on, ends_on),
    UPDATE (paused_from, paused_until, ends_on) ON ledger.standing_orders TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.set_card_status(text, text, text) TO ledger_clerk, ledger_approver;
