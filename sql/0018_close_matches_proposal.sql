-- 0018: the close that an approver performs is the close that was proposed, held by the database, and a clerk learns
-- before the month is computed whether a proposal may be prepared at all.
--
-- sql/0017 lets only the transaction that approved a period's proposal, by the approving login, close the period and
-- store its results; it checks who and when, not what. Here a deferred check at commit compares what that transaction
-- stored with what was proposed: the stored report (less the seal's own fields) must be the proposal's report, and the
-- subsidy lines, breaks and anomalies stored with the run must be those of that report. An approver who wrote the
-- results by hand, differing from the proposal in one fen, is refused at commit.

-- Whether the session may prepare a close of the period now: a clerk (or the owner), the period not closed, no
-- proposal pending. Raises the refusal (LD003, for the operator) otherwise. ledger.prepare_close asks it again under
-- the period's lock.
CREATE FUNCTION ledger.check_may_prepare_close(p_period text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    pending ledger.close_proposals;
BEGIN
    IF NOT ledger.session_may('ledger_clerk') THEN
        RAISE EXCEPTION 'only a clerk prepares a close: % is not a member of ledger_clerk', session_user USING ERRCODE = 'LD003';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger.periods WHERE period = p_period AND status = 'closed') THEN
        RAISE EXCEPTION 'period % is closed already: nothing to prepare', p_period USING ERRCODE = 'LD003';
    END IF;
    SELECT * INTO pending FROM ledger.close_proposals WHERE period = p_period AND state = 'pending';
    IF FOUND THEN
        RAISE EXCEPTION 'a proposal for % is pending already (%, prepared by % at %): approve or reject it first',
            p_period, pending.digest, pending.prepared_by, pending.prepared_at USING ERRCODE = 'LD003';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION ledger.prepare_close(p_period text, p_report text, p_statements jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    new_digest text := encode(sha256(convert_to(p_report, 'UTF8')), 'hex');
BEGIN
    PERFORM ledger.check_may_prepare_close(p_period);
    INSERT INTO ledger.periods (period) VALUES (p_period) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM ledger.periods WHERE period = p_period FOR UPDATE;
    PERFORM ledger.check_may_prepare_close(p_period);
    INSERT INTO ledger.close_proposals (period, digest, report, statements, fingerprint)
    VALUES (p_period, new_digest, p_report, p_statements, ledger.close_fingerprint(p_period));
    RETURN new_digest;
END $$;

-- A report without the fields that only the seal sets (closed, closedAt, digest): what a proposal and its close share.
CREATE FUNCTION ledger.report_without_seal(p_report text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT p_report::jsonb - ARRAY['closed', 'closedAt', 'digest']
$$;

-- At the commit of a transaction that closed a period by approving its proposal: what was stored must be what was
-- proposed. Periods closed by the owner under the single policy have no proposal to compare with.
CREATE FUNCTION ledger.check_close_matches_proposal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    proposal ledger.close_proposals;
    closing_run bigint;
    stored jsonb;
    differences text;
    lines_differ boolean;
BEGIN
    SELECT * INTO proposal FROM ledger.close_proposals
    WHERE period = NEW.period AND state = 'approved' AND decided_in = pg_current_xact_id();
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT r.id, ledger.report_without_seal(rr.report) INTO closing_run, stored
    FROM ledger.reconciliation_runs r LEFT JOIN ledger.reconciliation_reports rr ON rr.run_id = r.id
    WHERE r.period = NEW.period;
    WITH kept AS (
        SELECT rs.code, l.meals, l.voided_meals, l.cardholders, l.gross_fen, l.discount_fen, l.payable_fen,
               l.deliveries_delivered, l.discount_subsidy_fen, l.delivery_subsidy_fen, l.subsidy_fen
        FROM ledger.subsidy_lines l JOIN ledger.restaurants rs ON rs.id = l.restaurant_id WHERE l.run_id = closing_run
    ), reported AS (
        SELECT x->>'code', (x->>'meals')::bigint, (x->>'voidedMeals')::bigint, (x->>'cardholders')::bigint,
               (x->>'grossFen')::bigint, (x->>'discountFen')::bigint, (x->>'payableFen')::bigint,
               (x->>'deliveriesDelivered')::bigint, (x->>'discountSubsidyFen')::bigint,
               (x->>'deliverySubsidyFen')::bigint, (x->>'subsidyFen')::bigint
        FROM jsonb_array_elements(stored->'restaurants') x
    )
    SELECT EXISTS ((TABLE kept EXCEPT ALL TABLE reported) UNION ALL (TABLE reported EXCEPT ALL TABLE kept)) INTO lines_differ;
    IF stored IS DISTINCT FROM ledger.report_without_seal(proposal.report) THEN
        differences := 'its report';
    ELSIF lines_differ THEN
        differences := 'its subsidy lines';
    ELSIF (SELECT count(*) FROM ledger.reconciliation_breaks b WHERE b.run_id = closing_run)
          <> jsonb_array_length(coalesce(stored->'breaks', '[]'))
       OR (SELECT count(*) FROM ledger.anomalies a WHERE a.run_id = closing_run)
          <> jsonb_array_length(coalesce(stored->'anomalies', '[]'))
    THEN
        differences := 'its breaks or anomalies';
    END IF;
    IF differences IS NOT NULL THEN
        RAISE EXCEPTION 'the close of % stored % differently from the approved proposal %: nothing was closed',
            NEW.period, differences, proposal.digest USING ERRCODE = 'LD003';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER periods_close_matches_proposal AFTER UPDATE ON ledger.periods
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.status = 'closed' AND OLD.status IS DISTINCT FROM 'closed')
    EXECUTE FUNCTION ledger.check_close_matches_proposal();

REVOKE ALL ON FUNCTION ledger.check_may_prepare_close(text), ledger.report_without_seal(text),
    ledger.check_close_matches_proposal() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.check_may_prepare_close(text) TO ledger_clerk;
-- A clerk who tries to approve hears why not from the function itself ("only an approver approves a close"), which
-- checks the login's role, rather than a bare "permission denied".
GRANT EXECUTE ON FUNCTION ledger.approve_close(text, text) TO ledger_clerk;
