-- 0002: free meal delivery to elderly veterans, standing orders of fixed recipients, and welfare alerts.

-- A fixed recipient's standing order: which weekdays (ISO, 1 = Monday), which meal, from which restaurant.
CREATE TABLE ledger.standing_orders (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_no        text NOT NULL REFERENCES ledger.cards,
    restaurant_id  bigint NOT NULL REFERENCES ledger.restaurants,
    weekdays       smallint[] NOT NULL CHECK (cardinality(weekdays) BETWEEN 1 AND 7 AND weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]),
    meal           text NOT NULL CHECK (meal IN ('breakfast', 'lunch', 'dinner')),
    starts_on      date NOT NULL,
    ends_on        date,
    paused_from    date,
    paused_until   date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on),
    CHECK ((paused_from IS NULL) = (paused_until IS NULL) AND (paused_until IS NULL OR paused_until >= paused_from))
);

-- One delivery of one meal to one person. Its status moves requested → dispatched → delivered | failed,
-- or requested → cancelled; each move is an append-only row of delivery_events.
CREATE TABLE ledger.deliveries (
    id                 uuid PRIMARY KEY,
    restaurant_id      bigint NOT NULL REFERENCES ledger.restaurants,
    terminal_id        bigint REFERENCES ledger.terminals,
    standing_order_id  bigint REFERENCES ledger.standing_orders,
    card_no            text NOT NULL REFERENCES ledger.cards,
    scheduled_for      date NOT NULL,
    meal               text NOT NULL CHECK (meal IN ('breakfast', 'lunch', 'dinner')),
    meal_entry_id      uuid REFERENCES ledger.entries,
    status             text NOT NULL DEFAULT 'requested'
                       CHECK (status IN ('requested', 'dispatched', 'delivered', 'failed', 'cancelled')),
    wellness           text CHECK (wellness IN ('ok', 'concern', 'not_home')),
    note               text,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    request_sha256     bytea CHECK (length(request_sha256) = 32),
    UNIQUE (standing_order_id, scheduled_for),
    CHECK ((status IN ('delivered', 'failed')) = (wellness IS NOT NULL)),
    CHECK ((standing_order_id IS NULL) = (request_sha256 IS NOT NULL))
);
CREATE INDEX deliveries_restaurant_day ON ledger.deliveries (restaurant_id, scheduled_for);
CREATE INDEX deliveries_card ON ledger.deliveries (card_no, updated_at);

CREATE TABLE ledger.delivery_events (
    id              uuid PRIMARY KEY,
    delivery_id     uuid NOT NULL REFERENCES ledger.deliveries,
    terminal_id     bigint NOT NULL REFERENCES ledger.terminals,
    from_status     text NOT NULL,
    to_status       text NOT NULL CHECK (to_status IN ('dispatched', 'delivered', 'failed', 'cancelled')),
    at              timestamptz NOT NULL,
    wellness        text CHECK (wellness IN ('ok', 'concern', 'not_home')),
    note            text,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    request_sha256  bytea NOT NULL CHECK (length(request_sha256) = 32)
);
CREATE INDEX delivery_events_delivery ON ledger.delivery_events (delivery_id);
CREATE TRIGGER delivery_events_append_only BEFORE UPDATE OR DELETE ON ledger.delivery_events
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();

-- Raised by two `not_home` in a row or one `concern`; open until bureau staff acknowledge it.
CREATE TABLE ledger.welfare_alerts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_no          text NOT NULL REFERENCES ledger.cards,
    reason           text NOT NULL CHECK (reason IN ('concern', 'not_home_twice')),
    delivery_ids     uuid[] NOT NULL,
    raised_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    ack_note         text,
    CHECK ((acknowledged_at IS NULL) = (ack_note IS NULL))
);
CREATE INDEX welfare_alerts_open ON ledger.welfare_alerts (card_no) WHERE acknowledged_at IS NULL;
