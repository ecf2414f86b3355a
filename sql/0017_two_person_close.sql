-- 0017: two people close a month (PRODUCT.md §4.9). A clerk prepares the close: a dry run stored as the period's
-- proposal. An approver, another login, approves it: the close then runs as the approver, and only if the ledger has
-- not changed since the proposal. The database holds every part of it, whoever connects and however:
-- * one pending proposal per period (a unique index);
-- * no approval by the preparer's login (a check on the row, which binds even the owner);
-- * clerks prepare, approvers approve or reject (ledger.prepare_close, ledger.approve_close, ledger.reject_close
--   check the session's login, SECURITY DEFINER);
-- * a period is set closed, and a run's results are stored, only by the owner or in the transaction that approved the
--   period's proposal, by the login that approved it (triggers ledger.guard_period_close, ledger.guard_close_results).
-- Refusals carry SQLSTATE LD003 and a message for the operator: what went wrong and what to do.

-- The staff's group roles. Staff members are logins granted one of them (ledgerctl staff add).
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['ledger_clerk', 'ledger_approver'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END $$;

-- Whether the current role may do anything to the ledger: the owner of schema ledger, a member of it, or a
-- superuser. Inside a SECURITY DEFINER function of the owner this is true.
CREATE FUNCTION ledger.acting_as_owner() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT pg_has_role(current_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'ledger'), 'MEMBER')
$$;

-- Whether the session's login is a staff member of the role, or the owner (whose scheduled reconcile prepares).
CREATE FUNCTION ledger.session_may(p_role text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT pg_has_role(session_user, p_role, 'MEMBER')
        OR pg_has_role(session_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'ledger'), 'MEMBER')
$$;

-- The close policy: 'two-person' (prepare, then another login approves) or 'single' (reconcile closes at once, as
-- before this migration). A new database starts with 'two-person'; one that has closed a period already keeps
-- closing as it did until its operator says otherwise (ledgerctl close policy two-person).
CREATE TABLE ledger.close_policy (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    policy      text NOT NULL CHECK (policy IN ('two-person', 'single')),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  name NOT NULL DEFAULT session_user
);
INSERT INTO ledger.close_policy (policy)
SELECT CASE WHEN EXISTS (SELECT 1 FROM ledger.periods WHERE status = 'closed') THEN 'single' ELSE 'two-person' END;

-- Staff members: the logins granted ledger_clerk or ledger_approver by ledgerctl staff add, with their names. The
-- login itself, its password (SCRAM) and its roles live in PostgreSQL; a disabled member's login cannot log in.
CREATE TABLE ledger.staff (
    login        name PRIMARY KEY,
    full_name    text NOT NULL CHECK (full_name <> '' AND length(full_name) <= 200),
    added_at     timestamptz NOT NULL DEFAULT now(),
    added_by     name NOT NULL DEFAULT session_user,
    disabled_at  timestamptz,
    disabled_by  name,
    CHECK ((disabled_at IS NULL) = (disabled_by IS NULL))
);

-- ledgerctl staff add: creates the login when it does not exist, sets its password from a SCRAM verifier computed by
-- the client (the password itself never reaches the server), grants the staff role and records the name; adding a
-- disabled member again enables them. Run by the owner, which needs CREATEROLE. A staff login may not be a superuser
-- or the owner: those may do anything, two-person rule included.
CREATE FUNCTION ledger.add_staff(p_login text, p_full_name text, p_role text, p_verifier text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, ledger AS $$
DECLARE
    group_role text := CASE p_role WHEN 'clerk' THEN 'ledger_clerk' WHEN 'approver' THEN 'ledger_approver' END;
    existing pg_roles;
BEGIN
    IF group_role IS NULL THEN
        RAISE EXCEPTION 'a staff role is clerk or approver, not %', p_role USING ERRCODE = 'LD003';
    END IF;
    IF p_login !~ '^[a-z][a-z0-9_.-]{0,62}$' OR p_login ~ '^(ledger_|pg_)' THEN
        RAISE EXCEPTION 'login % refused: use lowercase letters, digits, _ . and -, starting with a letter, and not ledger_ or pg_', p_login
            USING ERRCODE = 'LD003';
    END IF;
    IF coalesce(btrim(p_full_name), '') = '' THEN
        RAISE EXCEPTION 'a staff member needs a name (--name)' USING ERRCODE = 'LD003';
    END IF;
    SELECT * INTO existing FROM pg_roles WHERE rolname = p_login;
    IF NOT FOUND THEN
        EXECUTE format('CREATE ROLE %I LOGIN', p_login);
    ELSIF existing.rolsuper OR pg_has_role(p_login, (SELECT nspowner FROM pg_namespace WHERE nspname = 'ledger'), 'MEMBER') THEN
        RAISE EXCEPTION 'login % is a superuser or owns the ledger: a staff member needs a login of their own', p_login
            USING ERRCODE = 'LD003';
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN', p_login);
    END IF;
    IF p_verifier IS NOT NULL THEN
        IF p_verifier !~ '^SCRAM-SHA-256\$' THEN
            RAISE EXCEPTION 'a staff password is stored as a SCRAM-SHA-256 verifier only' USING ERRCODE = 'LD003';
        END IF;
        EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
    END IF;
    EXECUTE format('GRANT %I TO %I', group_role, p_login);
    INSERT INTO ledger.staff (login, full_name) VALUES (p_login, p_full_name)
    ON CONFLICT (login) DO UPDATE SET full_name = EXCLUDED.full_name, disabled_at = NULL, disabled_by = NULL;
END $$;

-- ledgerctl staff disable: the login can no longer log in, loses both staff roles, and its open sessions end. Its
-- records (who prepared, approved, acknowledged) stay.
CREATE FUNCTION ledger.disable_staff(p_login text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, ledger AS $$
BEGIN
    UPDATE ledger.staff SET disabled_at = now(), disabled_by = session_user WHERE login = p_login AND disabled_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active staff member has the login %: see ledgerctl staff list', p_login USING ERRCODE = 'LD003';
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
    EXECUTE format('REVOKE ledger_clerk, ledger_approver FROM %I', p_login);
    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = p_login AND pid <> pg_backend_pid();
END $$;

-- Proposals: each close prepared, with its dry run's report (JSON) and digest, the statements it matched, and the
-- ledger's fingerprint when it was prepared; then approved or rejected, once.
CREATE TABLE ledger.close_proposals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period       text NOT NULL REFERENCES ledger.periods,
    digest       text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    report       text NOT NULL,
    statements   jsonb,
    fingerprint  jsonb NOT NULL,
    prepared_by  name NOT NULL DEFAULT session_user,
    prepared_at  timestamptz NOT NULL DEFAULT now(),
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by   name,
    decided_at   timestamptz,
    decided_in   xid8,
    reason       text,
    CHECK ((state = 'pending') = (decided_by IS NULL AND decided_at IS NULL)),
    CHECK (state <> 'approved' OR (decided_by <> prepared_by AND decided_in IS NOT NULL)),
    CHECK (state <> 'rejected' OR coalesce(btrim(reason), '') <> '')
);
CREATE UNIQUE INDEX close_proposals_one_pending ON ledger.close_proposals (period) WHERE state = 'pending';
CREATE UNIQUE INDEX close_proposals_one_approved ON ledger.close_proposals (period) WHERE state = 'approved';

-- A proposal is decided once, and nothing else of it ever changes; none is deleted.
CREATE FUNCTION ledger.guard_proposal_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'close proposals are never removed: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.state <> 'pending' OR NEW.state = 'pending'
       OR (NEW.id, NEW.period, NEW.digest, NEW.report, NEW.statements, NEW.fingerprint, NEW.prepared_by, NEW.prepared_at)
          IS DISTINCT FROM (OLD.id, OLD.period, OLD.digest, OLD.report, OLD.statements, OLD.fingerprint, OLD.prepared_by, OLD.prepared_at)
    THEN
        RAISE EXCEPTION 'close proposals are final once decided: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER close_proposals_decided_once BEFORE UPDATE OR DELETE ON ledger.close_proposals
    FOR EACH ROW EXECUTE FUNCTION ledger.guard_proposal_change();
CREATE TRIGGER close_proposals_no_truncate BEFORE TRUNCATE ON ledger.close_proposals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.guard_proposal_change();

-- What changes a period's figures, counted: the entries booked into it (never deleted, so counts see every new one)
-- and the deliveries of its month by status, with the latest change of any. Stored with a proposal and compared again
-- on approval. The card registry and the subsidy terms are compared by the approval's own dry run (its digest).
CREATE FUNCTION ledger.close_fingerprint(p_period text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, ledger AS $$
    SELECT jsonb_build_object(
        'meals', (SELECT count(*) FROM ledger.entries WHERE period = p_period AND kind = 'meal' AND NOT late),
        'late_meals', (SELECT count(*) FROM ledger.entries WHERE period = p_period AND kind = 'meal' AND late),
        'voids', (SELECT count(*) FROM ledger.entries WHERE period = p_period AND kind = 'void'),
        'deliveries', (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
            SELECT status, count(*) AS n FROM ledger.deliveries
            WHERE scheduled_for >= to_date(p_period, 'YYYY-MM') AND scheduled_for < to_date(p_period, 'YYYY-MM') + interval '1 month'
            GROUP BY status) d),
        'deliveries_changed_at', (SELECT max(updated_at) FROM ledger.deliveries
            WHERE scheduled_for >= to_date(p_period, 'YYYY-MM') AND scheduled_for < to_date(p_period, 'YYYY-MM') + interval '1 month'))
$$;

-- What changed between two fingerprints, in words: "2 meals, 1 void booked into 2031-05; deliveries changed".
CREATE FUNCTION ledger.fingerprint_changes(p_period text, p_then jsonb, p_now jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT nullif(concat_ws('; ',
        nullif(concat_ws(', ',
            CASE WHEN (p_now->>'meals')::bigint <> (p_then->>'meals')::bigint
                 THEN ((p_now->>'meals')::bigint - (p_then->>'meals')::bigint) || ' meals' END,
            CASE WHEN (p_now->>'late_meals')::bigint <> (p_then->>'late_meals')::bigint
                 THEN ((p_now->>'late_meals')::bigint - (p_then->>'late_meals')::bigint) || ' late meals' END,
            CASE WHEN (p_now->>'voids')::bigint <> (p_then->>'voids')::bigint
                 THEN ((p_now->>'voids')::bigint - (p_then->>'voids')::bigint) || ' voids' END), '')
            || ' booked into ' || p_period,
        CASE WHEN p_now->'deliveries' IS DISTINCT FROM p_then->'deliveries'
                  OR p_now->'deliveries_changed_at' IS DISTINCT FROM p_then->'deliveries_changed_at'
             THEN 'deliveries of ' || p_period || ' changed' END), '')
$$;

-- A clerk (or the owner's scheduled reconcile) stores a dry run as the period's proposal; returns its digest, the
-- sha256 of the report's JSON.
CREATE FUNCTION ledger.prepare_close(p_period text, p_report text, p_statements jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    period_status text;
    pending ledger.close_proposals;
    new_digest text := encode(sha256(convert_to(p_report, 'UTF8')), 'hex');
BEGIN
    IF NOT ledger.session_may('ledger_clerk') THEN
        RAISE EXCEPTION 'only a clerk prepares a close: % is not a member of ledger_clerk', session_user USING ERRCODE = 'LD003';
    END IF;
    INSERT INTO ledger.periods (period) VALUES (p_period) ON CONFLICT DO NOTHING;
    SELECT status INTO period_status FROM ledger.periods WHERE period = p_period FOR UPDATE;
    IF period_status = 'closed' THEN
        RAISE EXCEPTION 'period % is closed already: nothing to prepare', p_period USING ERRCODE = 'LD003';
    END IF;
    SELECT * INTO pending FROM ledger.close_proposals WHERE period = p_period AND state = 'pending';
    IF FOUND THEN
        RAISE EXCEPTION 'a proposal for % is pending already (%, prepared by % at %): approve or reject it first',
            p_period, pending.digest, pending.prepared_by, pending.prepared_at USING ERRCODE = 'LD003';
    END IF;
    INSERT INTO ledger.close_proposals (period, digest, report, statements, fingerprint)
    VALUES (p_period, new_digest, p_report, p_statements, ledger.close_fingerprint(p_period));
    RETURN new_digest;
END $$;

-- An approver approves the pending proposal in the transaction that then closes the period: it locks the period,
-- checks who approves and that the ledger is as it was, and records the approval with this transaction's id, which
-- the guards below require. Returns the proposal (its statements and digest, for the close's own dry run).
CREATE FUNCTION ledger.approve_close(p_period text, p_digest text) RETURNS ledger.close_proposals
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    proposal ledger.close_proposals;
    changes text;
BEGIN
    IF NOT pg_has_role(session_user, 'ledger_approver', 'MEMBER') THEN
        RAISE EXCEPTION 'only an approver approves a close: % is not a member of ledger_approver', session_user
            USING ERRCODE = 'LD003';
    END IF;
    PERFORM 1 FROM ledger.periods WHERE period = p_period FOR UPDATE;
    SELECT * INTO proposal FROM ledger.close_proposals WHERE period = p_period AND state = 'pending' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no proposal is pending for %: a clerk prepares one first (ledgerctl close prepare --period %)',
            p_period, p_period USING ERRCODE = 'LD003';
    END IF;
    IF p_digest IS NOT NULL AND p_digest <> proposal.digest THEN
        RAISE EXCEPTION 'the pending proposal for % is %, not %: check which one you reviewed', p_period, proposal.digest, p_digest
            USING ERRCODE = 'LD003';
    END IF;
    IF proposal.prepared_by = session_user THEN
        RAISE EXCEPTION 'you (%) prepared this proposal: another approver must approve it', session_user USING ERRCODE = 'LD003';
    END IF;
    changes := ledger.fingerprint_changes(p_period, proposal.fingerprint, ledger.close_fingerprint(p_period));
    IF changes IS NOT NULL THEN
        RAISE EXCEPTION 'the ledger changed since the proposal was prepared: %; reject it and prepare again', changes
            USING ERRCODE = 'LD003';
    END IF;
    UPDATE ledger.close_proposals
    SET state = 'approved', decided_by = session_user, decided_at = now(), decided_in = pg_current_xact_id()
    WHERE id = proposal.id
    RETURNING * INTO proposal;
    RETURN proposal;
END $$;

-- A clerk or an approver rejects the pending proposal (the period is open again), with a reason.
CREATE FUNCTION ledger.reject_close(p_period text, p_reason text) RETURNS ledger.close_proposals
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    proposal ledger.close_proposals;
BEGIN
    IF NOT (ledger.session_may('ledger_approver') OR ledger.session_may('ledger_clerk')) THEN
        RAISE EXCEPTION 'only staff reject a proposal: % is neither a clerk nor an approver', session_user USING ERRCODE = 'LD003';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a rejection needs a reason, for the clerk who prepares again' USING ERRCODE = 'LD003';
    END IF;
    UPDATE ledger.close_proposals
    SET state = 'rejected', decided_by = session_user, decided_at = now(), reason = p_reason
    WHERE period = p_period AND state = 'pending'
    RETURNING * INTO proposal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no proposal is pending for %: nothing to reject', p_period USING ERRCODE = 'LD003';
    END IF;
    RETURN proposal;
END $$;

-- Whether this transaction approved the period's proposal, by the session's login.
CREATE FUNCTION ledger.approved_in_this_transaction(p_period text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
    SELECT EXISTS (SELECT 1 FROM ledger.close_proposals
                   WHERE period = p_period AND state = 'approved' AND decided_in = pg_current_xact_id()
                     AND decided_by = session_user)
$$;

-- Only the owner, or the approval's own transaction, sets a period closed.
CREATE FUNCTION ledger.guard_period_close() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'closed' AND (TG_OP = 'INSERT' OR OLD.status <> 'closed')
       AND NOT ledger.acting_as_owner() AND NOT ledger.approved_in_this_transaction(NEW.period) THEN
        RAISE EXCEPTION 'period % is closed only by an approved close: prepare it (ledgerctl close prepare) and have another login approve it',
            NEW.period USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER periods_closed_by_approval BEFORE INSERT OR UPDATE ON ledger.periods
    FOR EACH ROW EXECUTE FUNCTION ledger.guard_period_close();

-- Only the owner, or the approval's own transaction, stores a run's results: once per statement, over the periods of
-- the rows it adds (reconciliation_runs by their period, the other tables by their run's).
CREATE FUNCTION ledger.guard_close_results() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unapproved text;
BEGIN
    IF ledger.acting_as_owner() THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'reconciliation_runs' THEN
        SELECT string_agg(DISTINCT n.period, ', ') INTO unapproved FROM added_rows n
        WHERE NOT ledger.approved_in_this_transaction(n.period);
    ELSE
        SELECT string_agg(DISTINCT coalesce(r.period, '(no run)'), ', ') INTO unapproved
        FROM (SELECT (to_jsonb(a) ->> 'run_id')::bigint AS run_id FROM added_rows a) n
        LEFT JOIN ledger.reconciliation_runs r ON r.id = n.run_id
        WHERE r.period IS NULL OR NOT ledger.approved_in_this_transaction(r.period);
    END IF;
    IF unapproved IS NOT NULL THEN
        RAISE EXCEPTION 'the results of a close are stored only by an approved close (%): prepare and approve it', unapproved
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;
DO $$
DECLARE
    result_table text;
BEGIN
    FOREACH result_table IN ARRAY ARRAY['reconciliation_runs', 'reconciliation_breaks', 'anomalies', 'subsidy_lines',
                                        'reconciliation_reports'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON ledger.%I REFERENCING NEW TABLE AS added_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION ledger.guard_close_results()',
                       result_table || '_by_approval', result_table);
    END LOOP;
END $$;

-- Auditors: every act on a close, and who prepared and approved each closed period.
CREATE VIEW audit.close_actions AS
SELECT p.period, 'prepared'::text AS action, p.prepared_by::text AS actor, p.prepared_at AS at, p.digest AS proposal_digest,
       NULL::text AS reason
FROM ledger.close_proposals p
UNION ALL
SELECT p.period, p.state, p.decided_by::text, p.decided_at, p.digest, p.reason
FROM ledger.close_proposals p
WHERE p.state <> 'pending';

CREATE OR REPLACE VIEW audit.periods AS
SELECT p.period, p.status, p.closed_at, p.entries, p.digest, p.seal_version,
       a.prepared_by::text AS prepared_by, a.decided_by::text AS approved_by
FROM ledger.periods p
LEFT JOIN ledger.close_proposals a ON a.period = p.period AND a.state = 'approved';

REVOKE ALL ON ledger.close_policy, ledger.staff, ledger.close_proposals, audit.close_actions FROM PUBLIC;
REVOKE ALL ON FUNCTION ledger.acting_as_owner(), ledger.session_may(text), ledger.guard_proposal_change(),
    ledger.add_staff(text, text, text, text), ledger.disable_staff(text),
    ledger.close_fingerprint(text), ledger.fingerprint_changes(text, jsonb, jsonb), ledger.prepare_close(text, text, jsonb),
    ledger.approve_close(text, text), ledger.reject_close(text, text), ledger.approved_in_this_transaction(text),
    ledger.guard_period_close(), ledger.guard_close_results() FROM PUBLIC;

GRANT SELECT ON audit.close_actions TO ledger_auditor;

-- Staff read what a dry run of the close reads, and the state of closes; they write only through the functions above,
-- and approvers store a close's results under the guards above.
GRANT USAGE ON SCHEMA ledger TO ledger_clerk, ledger_approver;
GRANT SELECT ON ledger.close_policy, ledger.staff, ledger.close_proposals TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.prepare_close(text, text, jsonb), ledger.reject_close(text, text)
    TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.approve_close(text, text) TO ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.acting_as_owner(), ledger.approved_in_this_transaction(text)
    TO ledger_clerk, ledger_approver;
-- What the reconciliation reads.
GRANT SELECT ON ledger.entries, ledger.periods, ledger.restaurants, ledger.terminals, ledger.cards, ledger.subsidy_terms,
    ledger.deliveries, ledger.seal_lines, ledger.reconciliation_runs, ledger.reconciliation_reports, ledger.subsidy_lines
    TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.anomalies_card_patterns(text, integer, integer, integer, text),
    ledger.anomalies_card_not_valid(text), ledger.live_meals_by_card(text), ledger.days_over_daily_limit(date[], integer),
    ledger.repeated_amounts(bigint[], integer), ledger.restaurant_changes_within(timestamptz[], bigint[], uuid[], integer),
    ledger.card_valid_on(text, date, date, date) TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION ledger.live_meals(text), ledger.period_digest_v2_stored(text),
    ledger.period_digest_v2(text), ledger.period_lines(text), ledger.card_ref(text),
    ledger.entry_seal_line(ledger.entries, text, text, text) TO ledger_clerk, ledger_approver;
-- An entry's line of the seal is the auditors' own recipe (audit.seal_line), so that both compute the same.
GRANT USAGE ON SCHEMA audit TO ledger_clerk, ledger_approver;
GRANT EXECUTE ON FUNCTION audit.seal_line(audit.entries) TO ledger_clerk, ledger_approver;
-- What the close writes, under the guards: the period's row (locked FOR UPDATE first) and the run's results.
GRANT UPDATE (status, closed_at, entries, digest, seal_version) ON ledger.periods TO ledger_approver;
GRANT INSERT ON ledger.reconciliation_runs, ledger.reconciliation_breaks, ledger.anomalies, ledger.subsidy_lines,
    ledger.reconciliation_reports TO ledger_approver;
