-- 0014: the daemon's role writes the ledger only through functions that apply the rules, and its lock keys reveal
-- nothing.
--
-- Until now ledger_app could INSERT into ledger.entries and ledger.periods directly: a period row already closed with a
-- made-up digest, a meal with an unknown card, a revoked terminal or a rate of 1 bp were all accepted from that role.
-- From here on:
--
-- * Meals and voids are written by ledger.post_meals and ledger.post_void (SECURITY DEFINER). They check, whoever
--   calls them, that the terminal is live, that the rate is the one in force at the terminal's restaurant, that a
--   preferential card is in the registry with the category given (a military ID is recorded as an active
--   serviceman's), and that the period agrees with the meal's local date (its own period, or a later one for a late
--   entry whose own period is closed). They create the open period an entry is booked into, and no other: a refused
--   request leaves no period row behind. ledger_app has no INSERT on entries or periods any more; opening and closing
--   periods otherwise belongs to the reconciliation, which runs as the schema owner.
-- * A delivery's status moves only along its life cycle (ledger.is_delivery_transition), for every role: a new
--   delivery is requested, and requested → dispatched → delivered | failed, or requested → cancelled. Events record
--   only such moves.
-- * The advisory lock that keeps a card's meals in order is keyed with a secret (ledger.card_lock_key, an HMAC):
--   pg_locks is readable by every login, and the old key, an unkeyed hash of the card number, could be mapped back
--   to the number by hashing candidates.

INSERT INTO ledger.secrets (name, value) VALUES ('card_lock', ledger.gen_random_bytes(32));

-- The advisory lock key of a card: the first 64 bits of HMAC-SHA-256 of its number under the secret card_lock.
CREATE FUNCTION ledger.card_lock_key(p_card_no text) RETURNS bigint
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
    SELECT ('x' || encode(substr(ledger.hmac(convert_to(p_card_no, 'UTF8'), s.value, 'sha256'), 1, 8), 'hex'))::bit(64)::bigint
    FROM ledger.secrets s WHERE s.name = 'card_lock'
$$;
REVOKE ALL ON FUNCTION ledger.card_lock_key(text) FROM PUBLIC;

-- Takes the transaction-scoped advisory lock of every card given, in key order, so that two groups that share cards
-- cannot deadlock. The secret is read once.
CREATE FUNCTION ledger.lock_cards(p_card_nos text[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    lock_secret bytea := (SELECT s.value FROM ledger.secrets s WHERE s.name = 'card_lock');
BEGIN
    PERFORM pg_advisory_xact_lock(k.key)
    FROM (SELECT DISTINCT ('x' || encode(substr(ledger.hmac(convert_to(c.card_no, 'UTF8'), lock_secret, 'sha256'), 1, 8),
                                         'hex'))::bit(64)::bigint AS key
          FROM unnest(p_card_nos) AS c(card_no)) k
    ORDER BY k.key;
END $$;
REVOKE ALL ON FUNCTION ledger.lock_cards(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.lock_cards(text[]) TO ledger_app;

-- 0010's ledger.meal_contexts, with the keyed locks, and without creating the meals' periods: a period is created by
-- the write that books an entry into it (ledger.post_meals, ledger.post_void). A period that does not exist is open.
CREATE OR REPLACE FUNCTION ledger.meal_contexts(
    p_ids uuid[], p_card_nos text[], p_local_dates date[], p_periods text[], p_fingerprints text[], p_terminal_ids bigint[])
RETURNS TABLE (
    ordinal                 bigint,
    existing_restaurant_id  bigint,
    existing_kind           text,
    existing_matches        boolean,
    card_found              boolean,
    card_category           text,
    card_status             text,
    card_birth_date         date,
    card_valid_from         date,
    card_valid_until        date,
    meals_today             bigint,
    closed_periods          text[],
    closed_ats              timestamptz[],
    terminal_rate_bp        integer
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM ledger.lock_cards(p_card_nos);
    RETURN QUERY
    SELECT m.ordinal, e.restaurant_id, e.kind, e.request_sha256 = sha256(convert_to(m.fingerprint, 'UTF8')),
           c.card_no IS NOT NULL, c.category, c.status, c.birth_date, c.valid_from, c.valid_until,
           (SELECT count(*) FROM ledger.entries d
             WHERE d.kind = 'meal' AND d.card_no = m.card_no AND d.local_date = m.local_date
               AND (SELECT v.id FROM ledger.entries v WHERE v.voided_entry_id = d.id) IS NULL),
           closed.periods, closed.ats, live.rate_bp
    FROM unnest(p_ids, p_card_nos, p_local_dates, p_periods, p_fingerprints, p_terminal_ids) WITH ORDINALITY
         AS m(id, card_no, local_date, period, fingerprint, terminal_id, ordinal)
    CROSS JOIN (SELECT coalesce(array_agg(p.period ORDER BY p.period), '{}'),
                       coalesce(array_agg(p.closed_at ORDER BY p.period), '{}')
                FROM ledger.periods p
                WHERE p.status = 'closed' AND p.period >= (SELECT min(x.period) FROM unnest(p_periods) AS x(period))
               ) AS closed(periods, ats)
    LEFT JOIN LATERAL (SELECT * FROM ledger.entries x WHERE x.id = m.id LIMIT 1) e ON true
    LEFT JOIN LATERAL (SELECT * FROM ledger.cards x WHERE x.card_no = m.card_no LIMIT 1) c ON true
    LEFT JOIN LATERAL (SELECT r.rate_bp FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id
                       WHERE t.id = m.terminal_id AND t.revoked_at IS NULL LIMIT 1) live ON true
    ORDER BY m.ordinal;
END $$;

-- Creates the open periods that entries are about to be booked into (never a closed one: a period that exists keeps
-- its state). For the posting functions only.
CREATE FUNCTION ledger.open_periods_for(p_periods text[]) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, ledger AS $$
    INSERT INTO ledger.periods (period)
    SELECT DISTINCT p.period FROM unnest(p_periods) AS p(period) ORDER BY p.period
    ON CONFLICT DO NOTHING
$$;
REVOKE ALL ON FUNCTION ledger.open_periods_for(text[]) FROM PUBLIC;

-- Whether an entry may be booked into `period` when its own period (the meal's local month) is `own_period`, closed
-- or not: into its own period, or, as a late entry, into a later period once its own is closed. Which later period,
-- and how late, is the daemon's to judge (business rule 5); this only refuses what no judgement could give. A plain
-- expression, so that the planner inlines it.
CREATE FUNCTION ledger.booking_fits(p_period text, p_late boolean, p_own_period text, p_own_closed boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_late THEN p_period > p_own_period AND coalesce(p_own_closed, false)
                ELSE p_period = p_own_period END
$$;

-- Writes meals the daemon has judged (see ledger.meal_contexts), after checking what the database can know of each;
-- returns the ids actually inserted (an id already stored is skipped: the daemon judges it again). A meal that fails
-- a check stops the statement with SQLSTATE LD002 and a message naming the meal and the rule.
CREATE FUNCTION ledger.post_meals(
    p_ids uuid[], p_terminal_ids bigint[], p_periods text[], p_lates boolean[], p_occurred_ats timestamptz[],
    p_fingerprints text[], p_card_nos text[], p_credentials text[], p_categories text[], p_local_dates date[],
    p_gross_fens bigint[], p_rate_bps integer[])
RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    refused record;
BEGIN
    SELECT checked.id, checked.problem INTO refused
    FROM (SELECT m.id, CASE
                     WHEN t.id IS NULL THEN 'its terminal is unknown or revoked'
                     WHEN m.rate_bp IS DISTINCT FROM r.rate_bp THEN 'its rate is not the one in force at the terminal''s restaurant'
                     WHEN m.credential = 'military_id' AND m.category IS DISTINCT FROM 'active_serviceman'
                         THEN 'a military ID is an active serviceman''s'
                     WHEN m.credential IS DISTINCT FROM 'military_id' AND c.card_no IS NULL THEN 'its card is not in the registry'
                     WHEN m.credential IS DISTINCT FROM 'military_id' AND m.category IS DISTINCT FROM c.category
                         THEN 'its category is not the card''s'
                     WHEN NOT ledger.booking_fits(m.period, m.late, to_char(m.local_date, 'YYYY-MM'), own.status = 'closed')
                         THEN 'its period does not fit its local date'
                 END AS problem
          FROM unnest(p_ids, p_terminal_ids, p_periods, p_lates, p_credentials, p_categories, p_card_nos, p_local_dates,
                      p_rate_bps) AS m(id, terminal_id, period, late, credential, category, card_no, local_date, rate_bp)
          LEFT JOIN ledger.terminals t ON t.id = m.terminal_id AND t.revoked_at IS NULL
          LEFT JOIN ledger.restaurants r ON r.id = t.restaurant_id
          LEFT JOIN ledger.cards c ON c.card_no = m.card_no
          LEFT JOIN ledger.periods own ON own.period = to_char(m.local_date, 'YYYY-MM')) AS checked
    WHERE checked.problem IS NOT NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'meal % refused: %', refused.id, refused.problem USING ERRCODE = 'LD002';
    END IF;

    PERFORM ledger.open_periods_for(p_periods);
    RETURN QUERY
    WITH inserted AS (
        INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                                    card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
        SELECT m.id, 'meal', t.restaurant_id, t.id, m.period, m.late, m.occurred_at,
               sha256(convert_to(m.fingerprint, 'UTF8')), m.card_no, m.credential, m.category, m.local_date,
               m.gross_fen, m.rate_bp, (m.gross_fen * m.rate_bp + 5000) / 10000,
               m.gross_fen - (m.gross_fen * m.rate_bp + 5000) / 10000
        FROM unnest(p_ids, p_terminal_ids, p_periods, p_lates, p_occurred_ats, p_fingerprints, p_card_nos, p_credentials,
                    p_categories, p_local_dates, p_gross_fens, p_rate_bps) WITH ORDINALITY
             AS m(id, terminal_id, period, late, occurred_at, fingerprint, card_no, credential, category, local_date,
                  gross_fen, rate_bp, ordinal)
        JOIN ledger.terminals t ON t.id = m.terminal_id
        ORDER BY m.ordinal
        ON CONFLICT (id) DO NOTHING
        RETURNING id
    )
    SELECT inserted.id FROM inserted;
END $$;
REVOKE ALL ON FUNCTION ledger.post_meals(uuid[], bigint[], text[], boolean[], timestamptz[], text[], text[], text[], text[],
                                         date[], bigint[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.post_meals(uuid[], bigint[], text[], boolean[], timestamptz[], text[], text[], text[], text[],
                                            date[], bigint[], integer[]) TO ledger_app;

-- Writes a void the daemon has judged; returns whether it was inserted (false: the id is already stored). The
-- terminal must be live, the meal its restaurant's (0010's entry checks), and the period the meal's own or, late,
-- a later one once the meal's is closed.
CREATE FUNCTION ledger.post_void(
    p_id uuid, p_terminal_id bigint, p_meal_id uuid, p_period text, p_late boolean, p_occurred_at timestamptz,
    p_fingerprint text, p_reason text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    restaurant bigint := (SELECT t.restaurant_id FROM ledger.terminals t WHERE t.id = p_terminal_id AND t.revoked_at IS NULL);
    meal_period text := (SELECT m.period FROM ledger.entries m WHERE m.id = p_meal_id AND m.kind = 'meal');
    meal_period_closed boolean := (SELECT p.status = 'closed' FROM ledger.periods p WHERE p.period = meal_period);
    inserted integer;
BEGIN
    IF restaurant IS NULL THEN
        RAISE EXCEPTION 'void % refused: its terminal is unknown or revoked', p_id USING ERRCODE = 'LD002';
    END IF;
    IF NOT ledger.booking_fits(p_period, p_late, meal_period, meal_period_closed) THEN
        RAISE EXCEPTION 'void % refused: its period does not fit its meal''s', p_id USING ERRCODE = 'LD002';
    END IF;
    PERFORM ledger.open_periods_for(ARRAY[p_period]);
    INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
                                voided_entry_id, reason)
    VALUES (p_id, 'void', restaurant, p_terminal_id, p_period, p_late, p_occurred_at,
            sha256(convert_to(p_fingerprint, 'UTF8')), p_meal_id, p_reason)
    ON CONFLICT (id) DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted = 1;
END $$;
REVOKE ALL ON FUNCTION ledger.post_void(uuid, bigint, uuid, text, boolean, timestamptz, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.post_void(uuid, bigint, uuid, text, boolean, timestamptz, text, text) TO ledger_app;

REVOKE INSERT ON ledger.entries, ledger.periods FROM ledger_app;

-- The life cycle of a delivery (business rule 6), which LedgerCore's DeliveryTransition also applies; a test feeds
-- every pair of statuses to both.
CREATE FUNCTION ledger.is_delivery_transition(p_from text, p_to text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog AS $$
    SELECT (p_from, p_to) IN (('requested', 'dispatched'), ('requested', 'cancelled'),
                              ('dispatched', 'delivered'), ('dispatched', 'failed'))
$$;

CREATE FUNCTION ledger.check_delivery_status() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, ledger AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.status <> 'requested' THEN
        RAISE EXCEPTION 'a delivery starts as requested, not %', NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.status <> OLD.status AND NOT ledger.is_delivery_transition(OLD.status, NEW.status) THEN
        RAISE EXCEPTION 'delivery % is % and cannot become %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER deliveries_life_cycle BEFORE INSERT OR UPDATE OF status ON ledger.deliveries
    FOR EACH ROW EXECUTE FUNCTION ledger.check_delivery_status();

ALTER TABLE ledger.delivery_events
    ADD CONSTRAINT delivery_events_transition CHECK (ledger.is_delivery_transition(from_status, to_status));

REVOKE ALL ON FUNCTION ledger.booking_fits(text, boolean, text, boolean), ledger.is_delivery_transition(text, text),
    ledger.check_delivery_status() FROM PUBLIC;
-- The life cycle is checked as whoever writes a delivery or an event.
GRANT EXECUTE ON FUNCTION ledger.is_delivery_transition(text, text) TO ledger_app;
