-- 0001: the programme's base tables. Every table lives in schema `ledger`; auditors read schema `audit` only.
-- Money is bigint fen, rates are integer basis points; no floating point anywhere.

CREATE SCHEMA IF NOT EXISTS ledger;

-- A calendar month of the programme's time zone, written 'YYYY-MM'. Open until reconciliation closes it.
CREATE TABLE ledger.periods (
    period      text PRIMARY KEY CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at   timestamptz,
    entries     bigint,
    digest      text,
    CHECK ((status = 'open' AND closed_at IS NULL AND digest IS NULL)
        OR (status = 'closed' AND closed_at IS NOT NULL AND entries IS NOT NULL AND digest IS NOT NULL))
);

CREATE TABLE ledger.restaurants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    community   text NOT NULL CHECK (length(community) BETWEEN 1 AND 200),
    -- Share of the list price the guest pays, in basis points: at least 15% off, so at most 8500.
    rate_bp     integer NOT NULL CHECK (rate_bp BETWEEN 1 AND 8500),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- What the bureau pays a restaurant, effective from a date until the next terms of that restaurant.
CREATE TABLE ledger.subsidy_terms (
    restaurant_id      bigint NOT NULL REFERENCES ledger.restaurants,
    effective_from     date NOT NULL,
    discount_share_bp  integer NOT NULL CHECK (discount_share_bp BETWEEN 0 AND 10000),
    delivery_fee_fen   bigint NOT NULL CHECK (delivery_fee_fen >= 0),
    monthly_cap_fen    bigint CHECK (monthly_cap_fen >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (restaurant_id, effective_from)
);

-- A restaurant's POS or tablet. Only the SHA-256 of its bearer token is stored.
CREATE TABLE ledger.terminals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES ledger.restaurants,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_sha256  bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE UNIQUE INDEX terminals_live_name ON ledger.terminals (restaurant_id, name) WHERE revoked_at IS NULL;

-- The district's card registry (優待證). Personal data: never exposed to auditors.
CREATE TABLE ledger.cards (
    card_no      text PRIMARY KEY CHECK (card_no ~ '^[A-Za-z0-9]{6,32}$'),
    holder_name  text NOT NULL,
    category     text NOT NULL CHECK (category IN ('active_serviceman', 'veteran', 'special_care')),
    birth_date   date,
    phone        text,
    address      text,
    community    text,
    status       text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    valid_from   date,
    valid_until  date,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until)
);

-- The ledger proper: meals and voids, append-only. A void references the meal it undoes; a meal is voided at most once.
-- `id` is the terminal's UUID; `request_sha256` is the hash of the request's content, which tells a replay from a conflict.
CREATE TABLE ledger.entries (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('meal', 'void')),
    restaurant_id   bigint NOT NULL REFERENCES ledger.restaurants,
    terminal_id     bigint NOT NULL REFERENCES ledger.terminals,
    period          text NOT NULL REFERENCES ledger.periods,
    late            boolean NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    request_sha256  bytea NOT NULL CHECK (length(request_sha256) = 32),
    -- meal
    card_no         text CHECK (card_no ~ '^[A-Za-z0-9]{6,32}$'),
    credential      text CHECK (credential IN ('preferential_card', 'military_id')),
    category        text CHECK (category IN ('active_serviceman', 'veteran', 'special_care')),
    local_date      date,
    gross_fen       bigint CHECK (gross_fen BETWEEN 1 AND 1000000),
    rate_bp         integer CHECK (rate_bp BETWEEN 1 AND 8500),
    payable_fen     bigint,
    discount_fen    bigint,
    -- void
    voided_entry_id uuid UNIQUE REFERENCES ledger.entries,
    reason          text CHECK (length(reason) BETWEEN 1 AND 500),
    CHECK (
        (kind = 'meal'
            AND card_no IS NOT NULL AND credential IS NOT NULL AND local_date IS NOT NULL
            AND gross_fen IS NOT NULL AND rate_bp IS NOT NULL
            AND payable_fen = (gross_fen * rate_bp + 5000) / 10000
            AND discount_fen = gross_fen - payable_fen
            AND voided_entry_id IS NULL AND reason IS NULL)
        OR (kind = 'void'
            AND voided_entry_id IS NOT NULL AND reason IS NOT NULL
            AND card_no IS NULL AND credential IS NULL AND category IS NULL AND local_date IS NULL
            AND gross_fen IS NULL AND rate_bp IS NULL AND payable_fen IS NULL AND discount_fen IS NULL)
    )
);
CREATE INDEX entries_card_day ON ledger.entries (card_no, local_date) WHERE kind = 'meal';
CREATE INDEX entries_period_restaurant ON ledger.entries (period, restaurant_id);

-- Entries are never updated or deleted, whoever asks.
CREATE FUNCTION ledger.refuse_entry_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only: % refused; undo a meal with a void entry', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON ledger.entries
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_entry_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON ledger.entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_entry_change();

-- No entry is booked into a closed period, and a void stays with its own restaurant.
CREATE FUNCTION ledger.check_entry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    period_status text;
BEGIN
    SELECT status INTO period_status FROM ledger.periods WHERE period = NEW.period FOR SHARE;
    IF period_status IS DISTINCT FROM 'open' THEN
        -- LD001: the period closed while this entry was being booked; the daemon books it again.
        RAISE EXCEPTION 'period % is closed; entries are booked into the first open period', NEW.period
            USING ERRCODE = 'LD001';
    END IF;
    IF NEW.kind = 'void' AND NOT EXISTS (
        SELECT 1 FROM ledger.entries m
        WHERE m.id = NEW.voided_entry_id AND m.kind = 'meal' AND m.restaurant_id = NEW.restaurant_id) THEN
        RAISE EXCEPTION 'a void must reference a meal of the same restaurant' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER entries_check_insert BEFORE INSERT ON ledger.entries
    FOR EACH ROW EXECUTE FUNCTION ledger.check_entry_insert();

-- A closed period never changes and is never reopened or removed.
CREATE FUNCTION ledger.refuse_closed_period_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'closed' THEN
        RAISE EXCEPTION 'period % is closed and never changes', OLD.period USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'periods are never deleted' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER periods_closed_final BEFORE UPDATE OR DELETE ON ledger.periods
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_closed_period_change();
