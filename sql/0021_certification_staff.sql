-- 0021: survival certification's loose ends (issue 15) and the console's Certifications page (issue 16).
-- * ledger.certification_first_dues and ledger.set_first_certification_due: staff give a card with no certification a
--   first due date, recorded with who and when; append-only (setting it again records a new row, the latest wins).
--   ledger.certification_status shows it as the card's due date until the first certification.
-- * ledger.set_certification_cycle: a category's cycle set by an approver or the owner, every change kept in
--   ledger.certification_cycle_changes.
-- * A certification that moves the card's due date past the missed one and past today closes the open notice, as
--   closed by that certification (closed_by_certification), not acknowledged by a person.
-- * Staff record certifications and acknowledge notices as themselves: the rows name the session's login whatever
--   the INSERT or UPDATE says; approvers do what clerks do here.
-- * ledger.standing_order_changes: who added, paused, resumed or ended a standing order, and when; append-only.
-- * ledger.staff_activity gains these acts.

-- A first due date for a card with no certification yet.
CREATE TABLE ledger.certification_first_dues (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_no  text NOT NULL REFERENCES ledger.cards,
    due_on   date NOT NULL,
    note     text CHECK (length(note) BETWEEN 1 AND 1000),
    set_by   name NOT NULL DEFAULT session_user,
    set_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX certification_first_dues_card ON ledger.certification_first_dues (card_no, set_at DESC, id DESC);

-- Every change of a category's cycle.
CREATE TABLE ledger.certification_cycle_changes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category  text NOT NULL,
    months    integer NOT NULL,
    set_by    name NOT NULL DEFAULT session_user,
    set_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Who changed a standing order, and how.
CREATE TABLE ledger.standing_order_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     bigint NOT NULL REFERENCES ledger.standing_orders,
    action       text NOT NULL CHECK (action IN ('added', 'paused', 'resumed', 'ended', 'changed')),
    detail       text NOT NULL,
    changed_by   name NOT NULL DEFAULT session_user,
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX standing_order_changes_order ON ledger.standing_order_changes (order_id, changed_at);

INSERT INTO ledger.append_only_advice (table_name, advice) VALUES
    ('certification_first_dues', 'set the first due date again instead (ledgerctl certifications set-due)'),
    ('certification_cycle_changes', 'set the cycle again instead (ledgerctl certifications cycle)'),
    ('standing_order_changes', 'a standing order''s changes are its history; change the order again instead');
CREATE TRIGGER certification_first_dues_append_only BEFORE UPDATE OR DELETE ON ledger.certification_first_dues
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER certification_first_dues_no_truncate BEFORE TRUNCATE ON ledger.certification_first_dues
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER certification_cycle_changes_append_only BEFORE UPDATE OR DELETE ON ledger.certification_cycle_changes
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER certification_cycle_changes_no_truncate BEFORE TRUNCATE ON ledger.certification_cycle_changes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER standing_order_changes_append_only BEFORE UPDATE OR DELETE ON ledger.standing_order_changes
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER standing_order_changes_no_truncate BEFORE TRUNCATE ON ledger.standing_order_changes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();

-- Each card's due date: that of its latest certification (as in 0019), or else the latest first due date staff set.
-- A card with only a first due date has no last certification (last_id, last_method, last_certified_on null).
CREATE OR REPLACE VIEW ledger.certification_status AS
SELECT * FROM (
    SELECT DISTINCT ON (c.card_no) c.card_no, c.id AS last_id, c.method AS last_method,
           c.certified_on AS last_certified_on, c.next_due
    FROM ledger.certifications c
    ORDER BY c.card_no, c.certified_on DESC, c.recorded_at DESC
) AS certified
UNION ALL
SELECT * FROM (
    SELECT DISTINCT ON (f.card_no) f.card_no, NULL::uuid, NULL::text, NULL::date, f.due_on
    FROM ledger.certification_first_dues f
    WHERE NOT EXISTS (SELECT 1 FROM ledger.certifications c WHERE c.card_no = f.card_no)
    ORDER BY f.card_no, f.set_at DESC, f.id DESC
) AS first_due;

-- Sets the first due date of a card that has no certification, as the session's login. Only staff (or the owner);
-- refused for a card not registered, revoked, or that has a certification (its due date follows from that one).
-- Returns the row's id.
CREATE FUNCTION ledger.set_first_certification_due(p_card_no text, p_due date, p_note text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    card_status text;
    made bigint;
BEGIN
    IF NOT (ledger.session_may('ledger_clerk') OR ledger.session_may('ledger_approver')) THEN
        RAISE EXCEPTION 'only bureau staff (ledger_clerk, ledger_approver) may set a first certification due date'
            USING ERRCODE = 'LD003';
    END IF;
    SELECT status INTO card_status FROM ledger.cards WHERE card_no = p_card_no FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'card % is not registered', p_card_no USING ERRCODE = 'LD003';
    END IF;
    IF card_status = 'revoked' THEN
        RAISE EXCEPTION 'card % is revoked: a revoked card is not asked to certify', p_card_no USING ERRCODE = 'LD003';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger.certifications WHERE card_no = p_card_no) THEN
        RAISE EXCEPTION 'card % already has a certification: its due date follows from it', p_card_no
            USING ERRCODE = 'LD003';
    END IF;
    INSERT INTO ledger.certification_first_dues (card_no, due_on, note, set_by)
    VALUES (p_card_no, p_due, nullif(btrim(p_note), ''), session_user)
    RETURNING id INTO made;
    RETURN made;
END $$;

-- Sets a category's cycle, as the session's login: an approver or the owner, since it moves everyone's next due date.
CREATE FUNCTION ledger.set_certification_cycle(p_category text, p_months integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF NOT ledger.session_may('ledger_approver') THEN
        RAISE EXCEPTION 'only an approver (ledger_approver) or the owner may set a certification cycle'
            USING ERRCODE = 'LD003';
    END IF;
    IF p_category IS NULL OR p_category NOT IN ('active_serviceman', 'veteran', 'special_care') THEN
        RAISE EXCEPTION 'category must be active_serviceman, veteran or special_care, not %', coalesce(p_category, 'none')
            USING ERRCODE = 'LD003';
    END IF;
    IF p_months IS NULL OR p_months NOT BETWEEN 1 AND 120 THEN
        RAISE EXCEPTION 'a cycle is 1 to 120 months, not %', coalesce(p_months::text, 'none') USING ERRCODE = 'LD003';
    END IF;
    INSERT INTO ledger.certification_cycles (category, months, set_at, set_by)
    VALUES (p_category, p_months, now(), session_user)
    ON CONFLICT (category) DO UPDATE SET months = EXCLUDED.months, set_at = EXCLUDED.set_at, set_by = EXCLUDED.set_by;
    INSERT INTO ledger.certification_cycle_changes (category, months, set_by) VALUES (p_category, p_months, session_user);
END $$;

-- Certifications by bureau staff (clerks and approvers) or the owner; the daemon records home visits only. A staff
-- login's certification records that login, whatever the INSERT says (the owner, and a superuser, who is a member of
-- every role, keep what they give).
CREATE OR REPLACE FUNCTION ledger.guard_certification_method() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF NEW.method <> 'home_visit'
       AND NOT (ledger.session_may('ledger_clerk') OR ledger.session_may('ledger_approver')) THEN
        RAISE EXCEPTION 'the daemon records home visits only; a % certification is recorded by bureau staff (ledgerctl certifications record)', NEW.method
            USING ERRCODE = 'LD003';
    END IF;
    IF (pg_has_role(session_user, 'ledger_clerk', 'MEMBER') OR pg_has_role(session_user, 'ledger_approver', 'MEMBER'))
       AND NOT pg_has_role(session_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'ledger'), 'MEMBER') THEN
        NEW.recorded_by := session_user;
    END IF;
    RETURN NEW;
END $$;

-- Closed by a certification: the certification that closed it (acknowledged_by stays empty: no person did).
ALTER TABLE ledger.certification_notices
    ADD COLUMN closed_by_certification uuid REFERENCES ledger.certifications,
    ADD CHECK (closed_by_certification IS NULL OR (acknowledged_at IS NOT NULL AND acknowledged_by IS NULL));

-- After certifications are recorded: each open notice of their cards closes when the card's due date is now later
-- than the missed one and than today (the database's date), as closed by the card's latest certification.
CREATE FUNCTION ledger.close_notices_by_certification() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    UPDATE ledger.certification_notices n
    SET acknowledged_at = now(), acknowledged_by = NULL, ack_note = 'closed by certification',
        closed_by_certification = s.last_id
    FROM ledger.certification_status s
    WHERE n.acknowledged_at IS NULL AND s.card_no = n.card_no AND s.last_id IS NOT NULL
      AND n.card_no IN (SELECT a.card_no FROM added a)
      AND s.next_due > n.due_on AND s.next_due > current_date;
    RETURN NULL;
END $$;
CREATE TRIGGER certifications_close_notices AFTER INSERT ON ledger.certifications
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ledger.close_notices_by_certification();

-- Staff acknowledge a notice as themselves, once: the row records the session's login and the time whatever the
-- UPDATE says, and a closed notice stays as it was. The owner (and the closing by certification) is not held by this.
CREATE FUNCTION ledger.guard_notice_acknowledgement() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF ledger.acting_as_owner() THEN
        RETURN NEW;
    END IF;
    IF OLD.acknowledged_at IS NOT NULL THEN
        RAISE EXCEPTION 'certification notice % is already closed: its acknowledgement is final', OLD.id
            USING ERRCODE = 'LD003';
    END IF;
    NEW.acknowledged_by := session_user;
    NEW.acknowledged_at := now();
    NEW.closed_by_certification := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER certification_notices_acknowledged_as_self BEFORE UPDATE ON ledger.certification_notices
    FOR EACH ROW EXECUTE FUNCTION ledger.guard_notice_acknowledgement();

-- Every new or changed standing order, with the login that did it.
CREATE FUNCTION ledger.record_standing_order_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    act text;
    what text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        act := 'added';
        what := NEW.meal || ' ' || array_to_string(NEW.weekdays, ',') || ' from ' || NEW.starts_on
            || coalesce(' until ' || NEW.ends_on, '');
    ELSIF NEW.paused_from IS DISTINCT FROM OLD.paused_from OR NEW.paused_until IS DISTINCT FROM OLD.paused_until THEN
        IF NEW.paused_from IS NULL THEN
            act := 'resumed';
            what := 'was paused ' || OLD.paused_from || ' – ' || OLD.paused_until;
        ELSE
            act := 'paused';
            what := NEW.paused_from || ' – ' || NEW.paused_until;
        END IF;
    ELSIF NEW.ends_on IS DISTINCT FROM OLD.ends_on THEN
        act := 'ended';
        what := 'last day ' || coalesce(NEW.ends_on::text, 'none');
    ELSE
        act := 'changed';
        what := '';
    END IF;
    INSERT INTO ledger.standing_order_changes (order_id, action, detail, changed_by)
    VALUES (NEW.id, act, what, session_user);
    RETURN NULL;
END $$;
CREATE TRIGGER standing_orders_record_change AFTER INSERT OR UPDATE ON ledger.standing_orders
    FOR EACH ROW EXECUTE FUNCTION ledger.record_standing_order_change();

-- Who did what, when: 0020's acts, then standing-order changes, certifications recorded by a person (not a
-- terminal's home visit, not the registry), first due dates, cycles, and notices acknowledged by a person.
CREATE OR REPLACE VIEW ledger.staff_activity AS
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
FROM ledger.staff s WHERE s.disabled_at IS NOT NULL
UNION ALL
SELECT o.changed_at, o.changed_by::text, 'standing_order_' || o.action, 'standing order ' || o.order_id, o.detail
FROM ledger.standing_order_changes o
UNION ALL
SELECT x.recorded_at, x.recorded_by, 'certification_recorded', 'card ' || x.card_no, x.method || ' ' || x.certified_on
FROM ledger.certifications x WHERE x.delivery_event_id IS NULL AND x.method <> 'registry'
UNION ALL
SELECT d.set_at, d.set_by::text, 'certification_first_due', 'card ' || d.card_no, 'due ' || d.due_on
FROM ledger.certification_first_dues d
UNION ALL
SELECT y.set_at, y.set_by::text, 'certification_cycle', 'category ' || y.category, y.months || ' months'
FROM ledger.certification_cycle_changes y
UNION ALL
SELECT n.acknowledged_at, n.acknowledged_by, 'certification_notice_acknowledged', 'notice ' || n.id, 'card ' || n.card_no
FROM ledger.certification_notices n WHERE n.acknowledged_by IS NOT NULL;

REVOKE ALL ON ledger.certification_first_dues, ledger.certification_cycle_changes, ledger.standing_order_changes
    FROM PUBLIC;
REVOKE ALL ON FUNCTION ledger.set_first_certification_due(text, date, text), ledger.set_certification_cycle(text, integer),
    ledger.close_notices_by_certification(), ledger.guard_notice_acknowledgement(), ledger.record_standing_order_change()
    FROM PUBLIC;

-- Staff see the history of standing orders, first due dates and cycles; they set first due dates, approvers cycles.
GRANT SELECT ON ledger.certification_first_dues, ledger.certification_cycle_changes, ledger.standing_order_changes
    TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.set_first_certification_due(text, date, text) TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.set_certification_cycle(text, integer) TO ledger_approver;
-- Approvers do on the Certifications page what clerks do (sql/0019): record, list who is due, acknowledge notices.
GRANT INSERT ON ledger.certifications TO ledger_approver;
GRANT SELECT ON ledger.certification_cycles, ledger.certification_status, ledger.certification_notices TO ledger_approver;
GRANT UPDATE (acknowledged_at, acknowledged_by, ack_note) ON ledger.certification_notices TO ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.certification_next_due(date, integer),
    ledger.certification_asked_from(date, date, date, integer, integer, integer), ledger.certification_sampled(uuid, integer),
    ledger.certification_cycle_months(text, integer) TO ledger_approver;
