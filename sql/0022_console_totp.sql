-- 0022: a one-time code (TOTP, RFC 6238: 6 digits, 30-second steps, HMAC-SHA1) as a second factor for approving a
-- close in the staff console, where the bureau turns it on (LEDGER_CONSOLE_APPROVAL_TOTP=required, docs/console.md).
-- * ledger.staff_totp: one secret per staff login, enrolled by the ledger's owner (ledgerctl staff totp enroll);
--   readable by the owner only.
-- * ledger.own_totp_secret(): the secret of the session's own login, and only of it, so that the console (connected as
--   that login) can check a code with hummingbird-auth's OTP; no login can read another's.
-- * ledger.accept_totp_step(step): records a code's time step as used, once: a step not after the last accepted one is
--   refused, so a code cannot be replayed.

CREATE TABLE ledger.staff_totp (
    login        name PRIMARY KEY REFERENCES ledger.staff,
    secret       text NOT NULL CHECK (secret ~ '^[A-Za-z0-9]{32}$'),
    enrolled_at  timestamptz NOT NULL DEFAULT now(),
    enrolled_by  name NOT NULL DEFAULT session_user,
    last_step    bigint
);
REVOKE ALL ON ledger.staff_totp FROM PUBLIC;

CREATE FUNCTION ledger.own_totp_secret() RETURNS TABLE (secret text, last_step bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT t.secret, t.last_step FROM ledger.staff_totp t WHERE t.login = session_user
$$;

-- True when the step is now the session login's last accepted one; false when that login has no secret, when the step
-- is not after the last accepted one (a code used again), or when it lies more than two steps in the future (which
-- would use up the codes to come).
CREATE FUNCTION ledger.accept_totp_step(p_step bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF p_step > floor(extract(epoch FROM clock_timestamp()) / 30) + 2 THEN
        RETURN false;
    END IF;
    UPDATE ledger.staff_totp SET last_step = p_step
    WHERE login = session_user AND (last_step IS NULL OR last_step < p_step);
    RETURN FOUND;
END
$$;

REVOKE ALL ON FUNCTION ledger.own_totp_secret(), ledger.accept_totp_step(bigint) FROM PUBLIC;
-- Only approvers approve a close, so only they check a code.
GRANT EXECUTE ON FUNCTION ledger.own_totp_secret(), ledger.accept_totp_step(bigint) TO ledger_approver;
