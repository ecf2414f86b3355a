-- 0007: pseudonyms for cards, the auditors' view of entries, and the seal of a period.
--
-- card_ref: a keyed pseudonym, HMAC-SHA-256 of the card number with a secret that only the schema owner can read,
-- stable across views and months, so that auditors can follow one card without learning its number (card numbers
-- are too few to hide behind a plain hash). ledger.card_ref is SECURITY DEFINER and lives in schema ledger, which
-- auditors cannot use: they see its results through the audit views but cannot call it with numbers of their choosing.
--
-- The seal: ledger.period_digest(period) hashes the period's entries as they appear in audit.entries, one line
-- each in id order, chained with SHA-256: state := sha256(state || line), starting from the empty string; a period
-- without entries has the digest sha256(''). sql/audit/README.md gives the recipe to recompute it by hand.

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA ledger;

CREATE TABLE ledger.secrets (
    name   text PRIMARY KEY,
    value  bytea NOT NULL CHECK (length(value) >= 32)
);
REVOKE ALL ON ledger.secrets FROM PUBLIC;
INSERT INTO ledger.secrets (name, value) VALUES ('card_ref', ledger.gen_random_bytes(32));
CREATE TRIGGER secrets_final BEFORE UPDATE OR DELETE ON ledger.secrets
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();

CREATE FUNCTION ledger.card_ref(p_card_no text) RETURNS text
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
    SELECT 'c_' || encode(ledger.hmac(convert_to(p_card_no, 'UTF8'), s.value, 'sha256'), 'hex')
    FROM ledger.secrets s WHERE s.name = 'card_ref'
$$;
REVOKE ALL ON FUNCTION ledger.card_ref(text) FROM PUBLIC;

-- Every entry, meals and voids, without personal data: what the seal covers.
CREATE VIEW audit.entries AS
SELECT e.id, e.kind, e.period, r.code AS restaurant, t.name AS terminal,
       ledger.card_ref(e.card_no) AS card_ref, right(e.card_no, 4) AS card_last4, e.category, e.credential,
       e.occurred_at, e.recorded_at, e.local_date, e.gross_fen, e.rate_bp, e.payable_fen, e.discount_fen,
       e.late, e.voided_entry_id, e.reason
FROM ledger.entries e
JOIN ledger.restaurants r ON r.id = e.restaurant_id
JOIN ledger.terminals t ON t.id = e.terminal_id;
GRANT SELECT ON audit.entries TO ledger_auditor;

-- The line of one entry in the seal: its columns in audit.entries order, '|'-separated, NULL as the empty string,
-- times as UTC with microseconds (YYYY-MM-DDTHH:MI:SS.ffffffZ), booleans as t/f.
CREATE FUNCTION audit.seal_line(e audit.entries) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws('|',
        e.id::text, e.kind, e.period, e.restaurant, e.terminal, coalesce(e.card_ref, ''), coalesce(e.card_last4, ''),
        coalesce(e.category, ''), coalesce(e.credential, ''),
        to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(e.local_date::text, ''), coalesce(e.gross_fen::text, ''), coalesce(e.rate_bp::text, ''),
        coalesce(e.payable_fen::text, ''), coalesce(e.discount_fen::text, ''),
        CASE WHEN e.late THEN 't' ELSE 'f' END, coalesce(e.voided_entry_id::text, ''), coalesce(e.reason, ''))
$$;

CREATE FUNCTION audit.seal_step(state bytea, line text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT sha256(state || convert_to(line, 'UTF8')) $$;

CREATE AGGREGATE audit.seal_chain(text) (SFUNC = audit.seal_step, STYPE = bytea, INITCOND = '');

CREATE FUNCTION ledger.period_digest(p_period text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(CASE WHEN count(*) = 0 THEN sha256('') ELSE audit.seal_chain(audit.seal_line(e) ORDER BY e.id) END, 'hex')
    FROM audit.entries e WHERE e.period = p_period
$$;

GRANT EXECUTE ON FUNCTION audit.seal_line(audit.entries), audit.seal_step(bytea, text) TO ledger_auditor;
GRANT EXECUTE ON FUNCTION audit.seal_chain(text) TO ledger_auditor;
