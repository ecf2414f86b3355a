-- The keyed pseudonyms of a month's cards with the key read once (issue 17, bench/scale).
--
-- ledger.card_ref reads the key itself and is SECURITY DEFINER with its own search_path, so PostgreSQL never inlines
-- it: bench/scale measured about 19 µs a call, and ledger.period_lines calls it once per card of the month (19 of
-- verify's 31 s on a month of 1M entries and ~650,000 cards). ledger.card_refs names many cards in one call; the key
-- is read once and ledger.card_ref_keyed, a plain SQL function, is inlined. Who may call it: whoever may call
-- ledger.card_ref, which already tells a card number's pseudonym one at a time.
CREATE FUNCTION ledger.card_refs(p_card_nos text[]) RETURNS TABLE (card_no text, card_ref text)
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
    SELECT c.card_no, ledger.card_ref_keyed(c.card_no, s.value)
    FROM unnest(p_card_nos) AS c(card_no)
    CROSS JOIN ledger.secrets s
    WHERE s.name = 'card_ref'
$$;
REVOKE ALL ON FUNCTION ledger.card_refs(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.card_refs(text[]) TO ledger_auditor, ledger_clerk, ledger_approver;

-- 0023's ledger.period_lines, the month's distinct cards named to ledger.card_refs in one call.
CREATE OR REPLACE FUNCTION ledger.period_lines(p_period text)
 RETURNS TABLE(entry_id uuid, line_sha256 bytea)
 LANGUAGE sql
 STABLE
AS $function$
    SELECT e.id, sha256(convert_to(ledger.entry_seal_line(ROW(e.*)::ledger.entries, r.code, t.name, c.card_ref), 'UTF8'))
    FROM ledger.entries_with_archive e
    JOIN ledger.restaurants r ON r.id = e.restaurant_id
    JOIN ledger.terminals t ON t.id = e.terminal_id
    LEFT JOIN ledger.card_refs(ARRAY(SELECT DISTINCT x.card_no FROM ledger.entries_with_archive x
                                     WHERE x.period = p_period AND x.card_no IS NOT NULL)) c
        ON c.card_no = e.card_no
    WHERE e.period = p_period
$function$;
