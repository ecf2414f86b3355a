-- 0016: one definition for each rule the write path, the card check and the reconciliation share, and the anomaly
-- rules of PRODUCT.md §4.8 as named functions.
--
-- "Not voided" has two meanings, both needed, each named once:
-- * ledger.is_voided(meal): a void undoes the meal, whichever period the void was booked into. This is a meal's
--   state now: what the daily limit counts (ledger.card_meals_on_day) and what audit.meals shows as `voided`.
-- * ledger.live_meals(period) (0013): the period's meals that no void of the same period undid. This is the period
--   as it closed: a meal voided late, into a later period because its own was closed, stayed live in its own period
--   (its figures were sealed) and is subtracted in the later one. The reconciliation's figures, statement matching
--   and anomalies read this.
-- The two agree on every period that is still open: a void is booked late only once its meal's period is closed.

-- Whether a void undoes the meal `p_meal_id` (whichever period the void was booked into).
CREATE FUNCTION ledger.is_voided(p_meal_id uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    -- A scalar subquery: an index probe on voided_entry_id whatever the plan of the query that calls it.
    SELECT (SELECT v.id FROM ledger.entries v WHERE v.voided_entry_id = p_meal_id AND v.kind = 'void') IS NOT NULL
$$;

-- A card's count of meals on a local day that no void undid: what the daily limit (business rule 2) is checked
-- against.
CREATE FUNCTION ledger.card_meals_on_day(p_card_no text, p_day date) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM ledger.entries d
    WHERE d.kind = 'meal' AND d.card_no = p_card_no AND d.local_date = p_day AND NOT ledger.is_voided(d.id)
$$;

-- The closed periods from `p_from` on, in order, with when each closed: what books an entry late (business rule 5).
CREATE FUNCTION ledger.closed_periods_from(p_from text) RETURNS TABLE (period text, closed_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT p.period, p.closed_at FROM ledger.periods p WHERE p.status = 'closed' AND p.period >= p_from ORDER BY p.period
$$;

-- Whether a card of the registry may be used for a meal on local day `p_day` (business rule 2): it is active and the
-- day lies within its validity, both ends inclusive, an end that is not set being no limit. LedgerCore's
-- Eligibility.meal applies the same rule; a test feeds the same cases to both.
CREATE FUNCTION ledger.card_valid_on(p_status text, p_valid_from date, p_valid_until date, p_day date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_status = 'active' AND p_day >= coalesce(p_valid_from, p_day) AND p_day <= coalesce(p_valid_until, p_day)
$$;

-- What the guest pays for `p_gross_fen` at `p_rate_bp` basis points: gross × rate / 10000, rounded half up (business
-- rule 1; 0001's entry check says the same). LedgerCore's Pricing.price applies the same rule; a test compares them.
CREATE FUNCTION ledger.payable_fen(p_gross_fen bigint, p_rate_bp integer) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_gross_fen * p_rate_bp + 5000) / 10000
$$;

-- The anomaly rules (PRODUCT.md §4.8, business rule 8 step 4) judge a period's live meals card by card. One hash
-- aggregate gives a row per card with its meals' days, amounts, and, for a card seen at two restaurants or more, the
-- times and restaurants; the rules below then look at one card's few meals at a time. A row per card is far cheaper
-- to aggregate than one per card and day (or amount), or than sorting the month by card.
CREATE FUNCTION ledger.live_meals_by_card(p_period text)
RETURNS TABLE (card_no text, days date[], amounts bigint[], times timestamptz[], places bigint[])
LANGUAGE sql STABLE AS $$
    SELECT l.card_no, array_agg(l.local_date), array_agg(l.gross_fen),
           CASE WHEN min(l.restaurant_id) <> max(l.restaurant_id) THEN array_agg(l.occurred_at) END,
           CASE WHEN min(l.restaurant_id) <> max(l.restaurant_id) THEN array_agg(l.restaurant_id) END
    FROM ledger.live_meals(p_period) l GROUP BY l.card_no
$$;

-- Rule "over the daily limit": the local days on which one card has more than `p_limit` live meals.
CREATE FUNCTION ledger.days_over_daily_limit(p_days date[], p_limit integer) RETURNS SETOF date
LANGUAGE sql IMMUTABLE AS $$
    SELECT d.day FROM unnest(p_days) AS d(day) GROUP BY d.day HAVING count(*) > p_limit
$$;

-- Rule "repeated amount": the gross amounts that one card paid `p_threshold` times or more.
CREATE FUNCTION ledger.repeated_amounts(p_amounts bigint[], p_threshold integer) RETURNS SETOF bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT a.amount FROM unnest(p_amounts) AS a(amount) GROUP BY a.amount HAVING count(*) >= p_threshold
$$;

-- Rule "same card at two restaurants within 30 minutes": two meals of one card in a row, in time (ties broken by id),
-- at different restaurants and at most `p_window_seconds` apart. One row per such pair, the earlier meal first.
-- Whether a card has such a pair does not depend on how ties are broken: `p_ids` may be null to ask only that.
CREATE FUNCTION ledger.restaurant_changes_within(p_times timestamptz[], p_places bigint[], p_ids uuid[], p_window_seconds integer)
RETURNS TABLE (prev_id uuid, prev_place bigint, prev_at timestamptz, id uuid, place bigint, at timestamptz)
LANGUAGE sql IMMUTABLE AS $$
    SELECT x.prev_id, x.prev_place, x.prev_at, x.id, x.place, x.at
    FROM (SELECT m.id, m.place, m.at,
                 lag(m.id) OVER w AS prev_id, lag(m.place) OVER w AS prev_place, lag(m.at) OVER w AS prev_at
          FROM unnest(p_times, p_places, p_ids) AS m(at, place, id)
          WINDOW w AS (ORDER BY m.at, m.id)) x
    WHERE x.prev_place <> x.place AND x.at - x.prev_at <= make_interval(secs => p_window_seconds)
$$;

-- The period's anomalies of the three card-pattern rules above, in one pass over its live meals: kind, full card
-- number, the entries concerned (in time order) and a sentence for the report. `p_daily_limit` is the settings' limit,
-- `p_repeat_threshold` and `p_window_seconds` LedgerCore's AnomalyKind constants, `p_time_zone` the local zone.
CREATE FUNCTION ledger.anomalies_card_patterns(
    p_period text, p_daily_limit integer, p_repeat_threshold integer, p_window_seconds integer, p_time_zone text)
RETURNS TABLE (kind text, card_no text, entry_ids uuid[], detail text)
LANGUAGE sql STABLE AS $$
    WITH per_card AS MATERIALIZED (SELECT * FROM ledger.live_meals_by_card(p_period)),
    flagged AS (
        SELECT 'over_daily_limit' AS kind, c.card_no, d.day, NULL::bigint AS amount
        FROM per_card c CROSS JOIN LATERAL ledger.days_over_daily_limit(c.days, p_daily_limit) AS d(day)
        UNION ALL
        SELECT 'repeated_amount', c.card_no, NULL, a.amount
        FROM per_card c CROSS JOIN LATERAL ledger.repeated_amounts(c.amounts, p_repeat_threshold) AS a(amount)
    ),
    -- The cards with a pair at two restaurants (few); which meals those are is read below for these cards only.
    paired_cards AS (
        SELECT c.card_no FROM per_card c
        WHERE c.times IS NOT NULL
          AND EXISTS (SELECT 1 FROM ledger.restaurant_changes_within(c.times, c.places, NULL, p_window_seconds))
    )
    -- The meals of each flagged day or amount, and of each paired card, read through the card's index.
    SELECT f.kind, f.card_no, m.ids,
           CASE f.kind WHEN 'over_daily_limit' THEN format('%s meals on %s, limit %s', m.meals, f.day, p_daily_limit)
                       ELSE format('%s meals of %s fen', m.meals, f.amount) END
    FROM flagged f CROSS JOIN LATERAL (
        SELECT array_agg(l.id ORDER BY l.occurred_at, l.id) AS ids, count(*) AS meals
        FROM ledger.live_meals(p_period) l WHERE l.card_no = f.card_no AND (l.local_date = f.day OR l.gross_fen = f.amount)) m
    UNION ALL
    SELECT 'two_restaurants_30min', p.card_no, ARRAY[x.prev_id, x.id],
           format('%s at %s, then %s at %s (%s min apart)', (SELECT r.code FROM ledger.restaurants r WHERE r.id = x.prev_place),
                  to_char(x.prev_at AT TIME ZONE p_time_zone, 'YYYY-MM-DD HH24:MI'),
                  (SELECT r.code FROM ledger.restaurants r WHERE r.id = x.place),
                  to_char(x.at AT TIME ZONE p_time_zone, 'YYYY-MM-DD HH24:MI'), (extract(epoch FROM x.at - x.prev_at)::bigint / 60))
    FROM paired_cards p
    CROSS JOIN LATERAL (SELECT array_agg(l.occurred_at) AS times, array_agg(l.restaurant_id) AS places, array_agg(l.id) AS ids
                        FROM ledger.live_meals(p_period) l WHERE l.card_no = p.card_no) c
    CROSS JOIN LATERAL ledger.restaurant_changes_within(c.times, c.places, c.ids, p_window_seconds) x
$$;

-- Rule "card not valid at the time": the live meals of the period paid with a preferential card that was not in the
-- registry, or not valid on the meal's local day (ledger.card_valid_on), one row per card.
CREATE FUNCTION ledger.anomalies_card_not_valid(p_period text)
RETURNS TABLE (kind text, card_no text, entry_ids uuid[], detail text)
LANGUAGE sql STABLE AS $$
    SELECT 'card_not_valid', l.card_no, array_agg(l.id ORDER BY l.occurred_at, l.id),
           format('%s meal(s) %s to %s; registry now: %s', count(*), min(l.local_date), max(l.local_date),
                  coalesce(min(c.status || ', valid ' || coalesce(c.valid_from::text, '-') || ' to ' || coalesce(c.valid_until::text, '-')),
                           'not in the registry'))
    FROM ledger.live_meals(p_period) l LEFT JOIN ledger.cards c ON c.card_no = l.card_no
    WHERE l.credential = 'preferential_card'
      AND (c.card_no IS NULL OR NOT ledger.card_valid_on(c.status, c.valid_from, c.valid_until, l.local_date))
    GROUP BY l.card_no
$$;

-- 0014's ledger.meal_contexts, reading a card's meals of the day and the closed periods through the functions above.
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
           ledger.card_meals_on_day(m.card_no, m.local_date), closed.periods, closed.ats, live.rate_bp
    FROM unnest(p_ids, p_card_nos, p_local_dates, p_periods, p_fingerprints, p_terminal_ids) WITH ORDINALITY
         AS m(id, card_no, local_date, period, fingerprint, terminal_id, ordinal)
    CROSS JOIN (SELECT coalesce(array_agg(p.period ORDER BY p.period), '{}'),
                       coalesce(array_agg(p.closed_at ORDER BY p.period), '{}')
                FROM ledger.closed_periods_from((SELECT min(x.period) FROM unnest(p_periods) AS x(period))) p
               ) AS closed(periods, ats)
    LEFT JOIN LATERAL (SELECT * FROM ledger.entries x WHERE x.id = m.id LIMIT 1) e ON true
    LEFT JOIN LATERAL (SELECT * FROM ledger.cards x WHERE x.card_no = m.card_no LIMIT 1) c ON true
    LEFT JOIN LATERAL (SELECT r.rate_bp FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id
                       WHERE t.id = m.terminal_id AND t.revoked_at IS NULL LIMIT 1) live ON true
    ORDER BY m.ordinal;
END $$;

-- 0014's ledger.post_meals, computing the payable with ledger.payable_fen.
CREATE OR REPLACE FUNCTION ledger.post_meals(
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
               m.gross_fen, m.rate_bp, ledger.payable_fen(m.gross_fen, m.rate_bp),
               m.gross_fen - ledger.payable_fen(m.gross_fen, m.rate_bp)
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

REVOKE ALL ON FUNCTION ledger.is_voided(uuid), ledger.card_meals_on_day(text, date), ledger.closed_periods_from(text),
    ledger.card_valid_on(text, date, date, date), ledger.payable_fen(bigint, integer), ledger.live_meals_by_card(text),
    ledger.days_over_daily_limit(date[], integer), ledger.repeated_amounts(bigint[], integer),
    ledger.restaurant_changes_within(timestamptz[], bigint[], uuid[], integer),
    ledger.anomalies_card_patterns(text, integer, integer, integer, text), ledger.anomalies_card_not_valid(text) FROM PUBLIC;
-- The daemon's role reads a card's meals of the day and the closed periods directly (the card check, a void) and
-- through ledger.meal_contexts, which runs with its rights; ledger.card_meals_on_day calls ledger.is_voided with them.
GRANT EXECUTE ON FUNCTION ledger.is_voided(uuid), ledger.card_meals_on_day(text, date), ledger.closed_periods_from(text)
    TO ledger_app;
