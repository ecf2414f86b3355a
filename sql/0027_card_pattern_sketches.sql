-- 0027: the card anomalies of a province's month without a per-card array for every card, in one pass (issue 17,
-- docs/scale.md). At 20M entries (two million cards eating ten times a month, at four restaurants) 0025's
-- ledger.anomalies_card_patterns was 128 of the close's 133 s: every card passed its filter (two meals or more), so
-- it built arrays of days, amounts, times and places for every card (1.4 GB spilled to disk) and ran the three rules
-- on each. Yet almost no card breaks a rule: a card is over the daily limit only if the write path's limit was
-- passed, repeats an amount five times rarely, and eats at two restaurants within 30 minutes rarer still.
--
-- So one hash aggregate over the month's live meals first keeps, per card, a few fixed-size summaries from which
-- each rule can be ruled out, and only the cards left (and for each card only the rules left) go on to the exact
-- checks of 0016 and 0025, unchanged. The summaries may let through a card that breaks no rule (the exact check then
-- finds nothing) but never drop one that breaks a rule:
--
-- * days: a bit per local day, the day's number modulo 64 (exact within a month). A card with n meals on k days has
--   at most n - k + 1 on one day, and k is at least the number of bits set, so n - bits >= limit is needed for a day
--   over the limit.
-- * amounts: a bit per gross amount modulo 64. Likewise n - bits >= threshold - 1 is needed for one amount paid
--   `threshold` times.
-- * hours: a bit per hour since 1970 (or per window, if the window is longer) modulo 768 (32 days: exact within a
--   month). Two meals at most the window apart fall in one hour or in two neighbouring ones (the 768th and the first
--   are neighbours too), so a card needs two meals in one hour (fewer bits than meals) or two neighbouring bits set,
--   and meals at two restaurants.
-- * the first and last local day of the card's meals paid with the preferential card: a card of the registry valid on
--   both is valid on every day between (ledger.card_valid_on is a range), so only the other cards' meals are read
--   again, through the card's index, and checked one by one against the registry.
--
-- The same aggregate serves the card-pattern rules and "card not valid at the time", which 0016 kept in two functions
-- (ledger.anomalies_card_patterns, ledger.anomalies_card_not_valid), each reading the whole month: one function,
-- ledger.anomalies_cards, now returns the anomalies of all four rules from one pass over the month.
--
-- Measured on a month of 2M meals of 200,000 cards eating 10 times (bench/lib.sh's generator, one card in a
-- thousand suspended, 2026-12-01, psql \timing, best of three, the close's settings): a bare GROUP BY 1.3 s; 0025's
-- card patterns 10.0 s and 0016's card not valid 2.4 s; this function 3.1 s.
--
-- The hash aggregate is planned with sorts off: PostgreSQL's estimate of a month's cards from a sample is far too
-- high (1.6 million for 200,000), so it would rather sort the month by card (twice as slow) than hash it.
CREATE FUNCTION ledger.anomalies_cards(
    p_period text, p_daily_limit integer, p_repeat_threshold integer, p_window_seconds integer, p_time_zone text)
RETURNS TABLE (kind text, card_no text, entry_ids uuid[], detail text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET enable_sort = off AS $$
BEGIN
    RETURN QUERY
    WITH summaries AS MATERIALIZED (
        SELECT s.card_no, s.first_card_day, s.last_card_day,
               s.meals - s.day_bits >= p_daily_limit AS may_exceed,
               s.meals - s.amount_bits >= p_repeat_threshold - 1 AS may_repeat,
               s.two_places AND (bit_count(s.hours) < s.meals OR bit_count(s.hours & (s.hours << 1)) > 0
                                 OR (get_bit(s.hours, 0) = 1 AND get_bit(s.hours, 767) = 1)) AS may_pair
        FROM (SELECT l.card_no, count(*) AS meals,
                     bit_count(bit_or(1::bigint << ((l.local_date - DATE '2000-01-01') % 64))::bit(64)) AS day_bits,
                     bit_count(bit_or(1::bigint << (l.gross_fen % 64)::integer)::bit(64)) AS amount_bits,
                     min(l.restaurant_id) <> max(l.restaurant_id) AS two_places,
                     bit_or(set_bit(B'0'::bit(768),
                                    (floor(date_part('epoch', l.occurred_at) / greatest(p_window_seconds, 3600))::bigint % 768)::integer,
                                    1)) AS hours,
                     min(l.local_date) FILTER (WHERE l.credential = 'preferential_card') AS first_card_day,
                     max(l.local_date) FILTER (WHERE l.credential = 'preferential_card') AS last_card_day
              FROM ledger.live_meals(p_period) l
              GROUP BY 1) s
    ),
    -- Rules "over the daily limit", "repeated amount", "two restaurants within the window": the cards that may break
    -- one, with their meals' days, amounts, and (when they may be at two restaurants within the window) times and
    -- places, for 0016's checks of one card's meals.
    per_card AS MATERIALIZED (
        SELECT l.card_no, k.may_exceed, k.may_repeat, array_agg(l.local_date) AS days, array_agg(l.gross_fen) AS amounts,
               CASE WHEN k.may_pair THEN array_agg(l.occurred_at) END AS times,
               CASE WHEN k.may_pair THEN array_agg(l.restaurant_id) END AS places
        FROM ledger.live_meals(p_period) l
        JOIN (SELECT * FROM summaries s WHERE s.may_exceed OR s.may_repeat OR s.may_pair) k ON k.card_no = l.card_no
        GROUP BY l.card_no, k.may_exceed, k.may_repeat, k.may_pair
    ),
    flagged AS (
        SELECT 'over_daily_limit' AS kind, c.card_no, d.day, NULL::bigint AS amount
        FROM per_card c CROSS JOIN LATERAL ledger.days_over_daily_limit(c.days, p_daily_limit) AS d(day)
        WHERE c.may_exceed
        UNION ALL
        SELECT 'repeated_amount', c.card_no, NULL, a.amount
        FROM per_card c CROSS JOIN LATERAL ledger.repeated_amounts(c.amounts, p_repeat_threshold) AS a(amount)
        WHERE c.may_repeat
    ),
    -- The cards with a pair at two restaurants (few); which meals those are is read below for these cards only.
    paired_cards AS (
        SELECT c.card_no FROM per_card c
        WHERE c.times IS NOT NULL
          AND EXISTS (SELECT 1 FROM ledger.restaurant_changes_within(c.times, c.places, NULL, p_window_seconds))
    ),
    -- Rule "card not valid at the time": the cards paid with that are not in the registry, or not valid on the first
    -- or the last day they were used, with the registry's entry now.
    doubtful AS MATERIALIZED (
        SELECT s.card_no, c.card_no IS NOT NULL AS registered, c.status, c.valid_from, c.valid_until
        FROM summaries s LEFT JOIN ledger.cards c ON c.card_no = s.card_no
        WHERE s.first_card_day IS NOT NULL
          AND (c.card_no IS NULL OR NOT ledger.card_valid_on(c.status, c.valid_from, c.valid_until, s.first_card_day)
               OR NOT ledger.card_valid_on(c.status, c.valid_from, c.valid_until, s.last_card_day))
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
    UNION ALL
    SELECT 'card_not_valid', d.card_no, m.ids,
           format('%s meal(s) %s to %s; registry now: %s', m.meals, m.first_day, m.last_day,
                  CASE WHEN d.registered THEN d.status || ', valid ' || coalesce(d.valid_from::text, '-') || ' to '
                                             || coalesce(d.valid_until::text, '-')
                       ELSE 'not in the registry' END)
    FROM doubtful d CROSS JOIN LATERAL (
        SELECT array_agg(l.id ORDER BY l.occurred_at, l.id) AS ids, count(*) AS meals,
               min(l.local_date) AS first_day, max(l.local_date) AS last_day
        FROM ledger.live_meals(p_period) l
        WHERE l.card_no = d.card_no AND l.credential = 'preferential_card'
          AND (NOT d.registered OR NOT ledger.card_valid_on(d.status, d.valid_from, d.valid_until, l.local_date))) m
    WHERE m.meals > 0;
END $$;
REVOKE ALL ON FUNCTION ledger.anomalies_cards(text, integer, integer, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.anomalies_cards(text, integer, integer, integer, text) TO ledger_clerk, ledger_approver;

-- Replaced by ledger.anomalies_cards above; ledger.live_meals_by_card (0016) has had no caller since 0025.
DROP FUNCTION ledger.anomalies_card_patterns(text, integer, integer, integer, text);
DROP FUNCTION ledger.anomalies_card_not_valid(text);
DROP FUNCTION ledger.live_meals_by_card(text);
