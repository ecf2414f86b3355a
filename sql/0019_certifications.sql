-- 0019: survival certification (生存認證, PRODUCT.md §4.10, docs/rules.md rule 10). A cardholder proves they are alive
-- in person, by proxy, online, or by a home visit (a courier's `delivered` event); each certification sets the card's
-- next due date. Certifications are append-only. The rules that Swift's LedgerCore (CertificationPolicy) holds too
-- are named functions here, fed the same cases by Tests/LedgerStoreTests/CertificationRuleAgreementTests.swift.

-- The cycle of a category, when the bureau sets one; otherwise LEDGER_CERT_CYCLE_MONTHS (default 12) applies.
CREATE TABLE ledger.certification_cycles (
    category  text PRIMARY KEY CHECK (category IN ('active_serviceman', 'veteran', 'special_care')),
    months    integer NOT NULL CHECK (months BETWEEN 1 AND 120),
    set_at    timestamptz NOT NULL DEFAULT now(),
    set_by    name NOT NULL DEFAULT session_user
);

-- Every certification, as recorded. next_due is fixed when it is recorded, under the cycle in force then.
-- A home visit names its restaurant and the delivery event that carried it (the certification's id is the event's
-- id); recorded_by is the terminal ('restaurant/terminal') for a home visit, the session's login otherwise.
-- method 'registry' is the last certification given by the card registry (cards import, column certified_on).
CREATE TABLE ledger.certifications (
    id                 uuid PRIMARY KEY,
    card_no            text NOT NULL REFERENCES ledger.cards,
    method             text NOT NULL CHECK (method IN ('in_person', 'proxy', 'online', 'home_visit', 'registry')),
    certified_on       date NOT NULL,
    next_due           date NOT NULL CHECK (next_due > certified_on),
    recorded_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    recorded_by        text NOT NULL DEFAULT session_user CHECK (recorded_by <> '' AND length(recorded_by) <= 200),
    restaurant_id      bigint REFERENCES ledger.restaurants,
    delivery_event_id  uuid REFERENCES ledger.delivery_events,
    proxy_name         text CHECK (length(proxy_name) BETWEEN 1 AND 200),
    proxy_relation     text CHECK (length(proxy_relation) BETWEEN 1 AND 100),
    reference          text CHECK (length(reference) BETWEEN 1 AND 200),
    note               text CHECK (length(note) BETWEEN 1 AND 1000),
    -- A proxy is named with their relation, unless the provincial system's reference stands for them (an import).
    CHECK (method <> 'proxy' OR (proxy_name IS NOT NULL AND proxy_relation IS NOT NULL) OR reference IS NOT NULL),
    CHECK (method = 'proxy' OR (proxy_name IS NULL AND proxy_relation IS NULL)),
    CHECK (method <> 'online' OR reference IS NOT NULL),
    CHECK (method = 'home_visit' OR (restaurant_id IS NULL AND delivery_event_id IS NULL))
);
CREATE INDEX certifications_latest ON ledger.certifications (card_no, certified_on DESC, recorded_at DESC);
CREATE INDEX certifications_by_day ON ledger.certifications (certified_on);

-- What the refusal of a change to each append-only table tells the person to do instead. The trigger function of 0015
-- reads it from here from now on, so that a new append-only table adds a row instead of redefining the function.
CREATE TABLE ledger.append_only_advice (
    table_name  name PRIMARY KEY,
    advice      text NOT NULL CHECK (advice <> '')
);
INSERT INTO ledger.append_only_advice (table_name, advice) VALUES
    ('entries', 'undo a meal with a void entry'),
    ('delivery_events', 'record a new event of the delivery instead'),
    ('seal_lines', 'seal lines follow their entries, which never change either'),
    ('secrets', 'the seal key is made once; a new key would break every seal'),
    ('certifications', 'record a new certification instead (ledgerctl certifications record)');
REVOKE ALL ON ledger.append_only_advice FROM PUBLIC;

-- Append-only, for everyone: the message names the table and says what to do instead (a closed period's records
-- have no row: they never change). SECURITY DEFINER to read the advice whoever's change it refuses.
CREATE OR REPLACE FUNCTION ledger.refuse_change_of_final_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % refused; %', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP,
        coalesce((SELECT a.advice FROM ledger.append_only_advice a WHERE a.table_name = TG_TABLE_NAME),
                 'the records of a closed period never change')
        USING ERRCODE = 'restrict_violation';
END $$;
REVOKE ALL ON FUNCTION ledger.refuse_change_of_final_rows() FROM PUBLIC;
CREATE TRIGGER certifications_final BEFORE UPDATE OR DELETE ON ledger.certifications
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows();
CREATE TRIGGER certifications_no_truncate BEFORE TRUNCATE ON ledger.certifications
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows();

-- The daemon records home visits only: a certification by another method comes from bureau staff (a clerk's login,
-- or the owner's, whose ledgerctl the operators run).
CREATE FUNCTION ledger.guard_certification_method() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF NEW.method <> 'home_visit' AND NOT ledger.session_may('ledger_clerk') THEN
        RAISE EXCEPTION 'the daemon records home visits only; a % certification is recorded by bureau staff (ledgerctl certifications record)', NEW.method
            USING ERRCODE = 'LD003';
    END IF;
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION ledger.guard_certification_method() FROM PUBLIC;
CREATE TRIGGER certifications_method_by_role BEFORE INSERT ON ledger.certifications
    FOR EACH ROW EXECUTE FUNCTION ledger.guard_certification_method();

-- Each card's latest certification (by the day it was made) and the due date it set.
CREATE VIEW ledger.certification_status AS
SELECT DISTINCT ON (c.card_no) c.card_no, c.id AS last_id, c.method AS last_method, c.certified_on AS last_certified_on,
       c.next_due
FROM ledger.certifications c
ORDER BY c.card_no, c.certified_on DESC, c.recorded_at DESC;

-- Overdue notices for staff: one open per person, at most one per person and due date, acknowledged with a note.
CREATE TABLE ledger.certification_notices (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_no          text NOT NULL REFERENCES ledger.cards,
    due_on           date NOT NULL,
    raised_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    ack_note         text,
    CHECK ((acknowledged_at IS NULL) = (ack_note IS NULL)),
    UNIQUE (card_no, due_on)
);
CREATE UNIQUE INDEX certification_notices_open ON ledger.certification_notices (card_no) WHERE acknowledged_at IS NULL;

-- Rule 10's day arithmetic, the one SQL copy of CertificationPolicy's.
-- The next due date: p_months calendar months later; a day the target month lacks becomes its last day.
CREATE FUNCTION ledger.certification_next_due(p_certified_on date, p_months integer) RETURNS date
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog AS $$
    SELECT (p_certified_on + make_interval(months => p_months))::date
$$;

-- The first day a person due on p_due is asked to certify, judged on p_day: p_early_days before the due date when
-- they are p_early_age or older that day (completed years; born on 29 February, one older on 1 March of a common
-- year), p_window_days before otherwise or with no birth date.
CREATE FUNCTION ledger.certification_asked_from(
    p_due date, p_birth date, p_day date, p_window_days integer, p_early_days integer, p_early_age integer
) RETURNS date
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT p_due - CASE
        WHEN p_birth IS NOT NULL
             AND extract(year FROM p_day)::integer - extract(year FROM p_birth)::integer
                 - CASE WHEN to_char(p_day, 'MMDD') >= to_char(p_birth, 'MMDD') THEN 0 ELSE 1 END >= p_early_age
        THEN p_early_days ELSE p_window_days END
$$;

-- Overdue on p_day: after the due date plus the grace days.
CREATE FUNCTION ledger.certification_overdue(p_due date, p_day date, p_grace_days integer) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog AS $$
    SELECT p_day > p_due + p_grace_days
$$;

-- Whether a certification is drawn for a check by phone: the first 32 bits of SHA-256 of its id (lower-case text),
-- modulo 10000, below the share in basis points. The same id is always drawn the same way.
CREATE FUNCTION ledger.certification_sampled(p_id uuid, p_basis_points integer) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog AS $$
    SELECT ('x' || left(encode(sha256(convert_to(p_id::text, 'UTF8')), 'hex'), 8))::bit(32)::bigint % 10000 < p_basis_points
$$;

-- The cycle in months of a card's category, or p_default when the bureau set none.
CREATE FUNCTION ledger.certification_cycle_months(p_card_no text, p_default integer) RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT coalesce((SELECT y.months FROM ledger.cards c JOIN ledger.certification_cycles y ON y.category = c.category
                     WHERE c.card_no = p_card_no), p_default)
$$;

-- For auditors: no name, phone, proxy or note; the card as card_ref.
CREATE VIEW audit.certifications AS
SELECT c.id, ledger.card_ref(c.card_no) AS card_ref, c.method, c.certified_on, c.recorded_at, r.code AS restaurant,
       c.recorded_by, c.next_due
FROM ledger.certifications c LEFT JOIN ledger.restaurants r ON r.id = c.restaurant_id;

REVOKE ALL ON ledger.certification_cycles, ledger.certifications, ledger.certification_status,
    ledger.certification_notices, audit.certifications FROM PUBLIC;
REVOKE ALL ON FUNCTION ledger.certification_next_due(date, integer),
    ledger.certification_asked_from(date, date, date, integer, integer, integer),
    ledger.certification_overdue(date, date, integer), ledger.certification_sampled(uuid, integer),
    ledger.certification_cycle_months(text, integer) FROM PUBLIC;

GRANT SELECT ON audit.certifications TO ledger_auditor;

-- The daemon: records home visits, shows due dates, raises overdue notices and counts the overdue.
GRANT SELECT, INSERT ON ledger.certifications TO ledger_app;
GRANT SELECT ON ledger.certification_cycles, ledger.certification_status TO ledger_app;
GRANT SELECT, INSERT ON ledger.certification_notices TO ledger_app;
-- Clerks: record and import certifications, list who is due, acknowledge notices.
GRANT SELECT, INSERT ON ledger.certifications TO ledger_clerk;
GRANT SELECT ON ledger.certification_cycles, ledger.certification_status TO ledger_clerk;
GRANT SELECT ON ledger.certification_notices TO ledger_clerk;
GRANT UPDATE (acknowledged_at, acknowledged_by, ack_note) ON ledger.certification_notices TO ledger_clerk;
GRANT EXECUTE ON FUNCTION ledger.certification_next_due(date, integer),
    ledger.certification_asked_from(date, date, date, integer, integer, integer),
    ledger.certification_overdue(date, date, integer), ledger.certification_sampled(uuid, integer),
    ledger.certification_cycle_months(text, integer) TO ledger_app, ledger_clerk;
-- Approvers: the month's report counts home visits and the overdue, and the approval computes it again.
GRANT SELECT ON ledger.certifications TO ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.certification_overdue(date, date, integer) TO ledger_approver;
