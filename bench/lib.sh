# shellcheck shell=bash
# Helpers shared by the benches in bench/. Source this file; do not run it.
#
#   bench_start_db       start (or reuse) the private cluster and export DATABASE_URL and PG* to a fresh
#                        database ledger_bench; stopped again at exit (bench_cleanup)
#   bench_build PRODUCT… release build of each product; sets BIN to the release bin directory
#   bench_psql SQL       run SQL in the bench database, tuples only
#   ensure_wrk           install wrk with apt-get when missing
#   BENCH_TMP            a temporary directory, removed at exit
#   bench_header         one line about the machine and the cluster's durability settings
#   cpu_ticks PID        CPU time (user + system, clock ticks) the process has used so far
#   postgres_cpu_ticks   CPU time the private cluster has used so far: the postmaster, its live children, and the
#                        children it has reaped (whose time the kernel adds to the postmaster's)
#   now_ms, best CMD…, ratio A B
#                        wall clock in ms; the best of 3 runs of CMD in ms; A / B with two decimals
#   bench_generate_registry RESTAURANTS CARDS
#   bench_generate_meals PERIOD FIRST LAST RESTAURANTS CARDS
#                        a registry and a month of meals made set-based through the real tables and triggers
#   bench_group_by_sql PERIOD
#                        the bare SQL GROUP BY over a month that the benches compare the ledger's work with
#   bench_start_ledgerd PORT [VAR=VALUE…], bench_stop_ledgerd
#                        the release ledgerd on 127.0.0.1:PORT, up once /healthz answers 200; stopped at exit
#
# Environment: BENCH_SECONDS (load per configuration, default 15, at most 20 unless BENCH_ALLOW_LONG=1),
# BENCH_SKIP_BUILD=1 (use the release binaries already built), LEDGER_PG_PORT (as for scripts/run).

# shellcheck source=SCRIPTDIR/../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"

BENCH_DB=ledger_bench
BENCH_LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_SECONDS="${BENCH_SECONDS:-15}"
[[ $BENCH_SECONDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a whole number of seconds"
if ((BENCH_SECONDS > 20)) && [[ ${BENCH_ALLOW_LONG:-0} != 1 ]]; then
    die "BENCH_SECONDS=$BENCH_SECONDS: runs are kept to 20 s per configuration (set BENCH_ALLOW_LONG=1 to override)"
fi

# Cleanup steps, run in reverse order at exit.
_BENCH_CLEANUP=()
bench_on_exit() { _BENCH_CLEANUP+=("$1"); }
bench_cleanup() {
    local i
    for ((i = ${#_BENCH_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${_BENCH_CLEANUP[i]}" || true
    done
}
BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/ledger-bench.XXXXXX")"
# shellcheck disable=SC2016 # expanded at exit
bench_on_exit 'rm -rf "$BENCH_TMP"'
trap 'bench_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_wrk() { ensure_tool wrk; }

# Always the private cluster (a DATABASE_URL from the environment is ignored: the bench drops and
# recreates its database), in a database of its own so that ledger and ledger_test are left alone.
bench_start_db() {
    unset DATABASE_URL
    # One bench at a time in this tree: each recreates ledger_bench.
    if command -v flock >/dev/null 2>&1; then
        mkdir -p "$PG_BASE"
        exec 7>>"$PG_BASE/bench.lock"
        if ! flock -n 7; then
            log "waiting for another bench in this tree to finish"
            flock 7
        fi
    fi
    bench_on_exit 'stop_private_db'
    # shellcheck disable=SC2119
    start_private_db  # not --test: the cluster keeps fsync on when this starts it
    local base="${DATABASE_URL%/*}"
    BENCH_ADMIN_URL="$base/postgres"
    log "recreating database $BENCH_DB"
    PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$BENCH_ADMIN_URL" \
        -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null
    export DATABASE_URL="$base/$BENCH_DB"
    # For pgbench and psql: the same database through the PG* variables.
    local hostport="${base#*@}"
    export PGHOST="${hostport%:*}" PGPORT="${hostport##*:}" PGUSER=postgres PGDATABASE="$BENCH_DB"
    export PGOPTIONS='-c client_min_messages=warning'
    log "DATABASE_URL=$DATABASE_URL"
}

bench_psql() {
    "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -c "$1"
}

bench_build() {
    local product
    BIN="$(swift build -c release --show-bin-path)"
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
        for product in "$@"; do
            [[ -x $BIN/$product ]] || die "BENCH_SKIP_BUILD=1 but $BIN/$product is missing"
            warn "BENCH_SKIP_BUILD=1: using $BIN/$product as it is ($(date -r "$BIN/$product" '+%F %T'))"
        done
        return 0
    fi
    for product in "$@"; do
        log "building $product (release; the first build takes minutes)"
        if ! swift build -c release --product "$product" >"$BENCH_TMP/build.log" 2>&1; then
            grep -v -e 'unhandled; explicitly declare' -e 'CMakeLists.txt' "$BENCH_TMP/build.log" >&2 || true
            die "release build of $product failed"
        fi
    done
}

bench_header() {
    local settings
    settings="$(bench_psql "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' ||
        current_setting('synchronous_commit') || ' shared_buffers=' || current_setting('shared_buffers')")"
    printf '# %s, %s cores, %s; PostgreSQL %s (%s)\n# load average when this script started: %s (other work on the machine skews the figures)\n' \
        "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(uname -m)" "$(bench_psql 'SHOW server_version')" "$settings" \
        "$BENCH_LOAD_START"
}

cpu_ticks() {
    local stat rest
    local -a fields
    stat="$(cat "/proc/$1/stat")"
    rest="${stat##*) }"
    read -r -a fields <<<"$rest"
    echo $((fields[11] + fields[12]))
}

postgres_cpu_ticks() {
    local postmaster stat rest child total
    local -a fields
    postmaster="$(_pg_server_pid)" || die "the private cluster is not running"
    stat="$(cat "/proc/$postmaster/stat")"
    rest="${stat##*) }"
    read -r -a fields <<<"$rest"
    total=$((fields[11] + fields[12] + fields[13] + fields[14]))
    for child in $(pgrep -P "$postmaster"); do
        total=$((total + $(cpu_ticks "$child" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The best of 3 runs of a command, in ms, to measure warm caches on both sides.
best() {
    local best_ms=-1 i start end
    for i in 1 2 3; do
        start="$(now_ms)"
        "$@" >/dev/null
        end="$(now_ms)"
        if ((best_ms < 0 || end - start < best_ms)); then best_ms=$((end - start)); fi
    done
    echo "$best_ms"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }'; }

# RESTAURANTS restaurants R0001… (each with one terminal whose bearer token is bench-token-<restaurant id>, and
# subsidy terms from 2020) and CARDS veteran cards BENCH0000000… (one in 1,000 suspended).
bench_generate_registry() {
    local restaurants="$1" cards="$2"
    bench_psql "
INSERT INTO ledger.restaurants (code, name, community, rate_bp)
    SELECT 'R' || lpad(g::text, 4, '0'), 'Restaurant ' || g, 'Community ' || (g % 5), 8000 + (g % 6) * 100
    FROM generate_series(1, $restaurants) g;
INSERT INTO ledger.terminals (restaurant_id, name, token_sha256)
    SELECT id, 'till', sha256(convert_to('bench-token-' || id, 'UTF8')) FROM ledger.restaurants;
INSERT INTO ledger.subsidy_terms (restaurant_id, effective_from, discount_share_bp, delivery_fee_fen, monthly_cap_fen)
    SELECT id, DATE '2020-01-01', 8000, 500, CASE WHEN id % 5 = 0 THEN 5000000 END FROM ledger.restaurants;
INSERT INTO ledger.cards (card_no, holder_name, category, status)
    SELECT 'BENCH' || lpad(g::text, 7, '0'), 'Holder ' || g, 'veteran', CASE WHEN g % 1000 = 0 THEN 'suspended' ELSE 'active' END
    FROM generate_series(0, $cards - 1) g;"
}

# Meals number FIRST to LAST of PERIOD (YYYY-MM, Asia/Shanghai), in time order over the whole month, with INSERT …
# SELECT generate_series in chunks of BENCH_CHUNK (default 1,000,000) meals, through the real tables and their
# triggers; then, in the same statement's transaction, a void for each meal whose gross ends in 07 fen (1 %). Meal i
# is card (i × 7919) mod CARDS; each card eats at 4 restaurants, 5 meals at each (card c at restaurants c, c+1,
# c+2, c+3 modulo their number). Ids are made from PERIOD and i, so that the voids can name their meals. The period row is added when
# missing. Another range of the same period spreads its meals over the month again.
bench_generate_meals() {
    local period="$1" first="$2" last="$3" restaurants="$4" cards="$5"
    local chunk="${BENCH_CHUNK:-1000000}" from to meals
    bench_psql "INSERT INTO ledger.periods (period) VALUES ('$period') ON CONFLICT DO NOTHING"
    for ((from = first; from <= last; from += chunk)); do
        to=$((from + chunk - 1 < last ? from + chunk - 1 : last))
        meals="
WITH r AS (SELECT r.id, r.rate_bp, t.id AS terminal_id, row_number() OVER (ORDER BY r.id) - 1 AS n
           FROM ledger.restaurants r JOIN ledger.terminals t ON t.restaurant_id = r.id),
month AS (SELECT TIMESTAMPTZ '$period-01 00:00:00+08' AS start,
                 (extract(epoch FROM (TIMESTAMP '$period-01' + interval '1 month') - TIMESTAMP '$period-01'))::bigint - 1 AS span),
g AS (SELECT i, month.start + ((i - $first + 1) * month.span / ($last - $first + 1)) * interval '1 second' AS at,
             500 + (i * 2654435761) % 3001 AS gross, (i * 7919) % $cards AS card
      FROM month, generate_series($from::bigint, $to::bigint) i),
m AS (SELECT g.*, r.id AS restaurant_id, r.terminal_id, r.rate_bp
      FROM g JOIN r ON r.n = (g.card + (g.i / $cards) / 5) % $restaurants)"
        bench_psql "$meals
INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
    card_no, credential, category, local_date, gross_fen, rate_bp, payable_fen, discount_fen)
SELECT md5('$period meal ' || m.i)::uuid, 'meal', m.restaurant_id, m.terminal_id, '$period', false, m.at,
       sha256(convert_to('$period meal ' || m.i, 'UTF8')), 'BENCH' || lpad(m.card::text, 7, '0'),
       'preferential_card', 'veteran',
       (m.at AT TIME ZONE 'Asia/Shanghai')::date, m.gross, m.rate_bp, (m.gross * m.rate_bp + 5000) / 10000,
       m.gross - (m.gross * m.rate_bp + 5000) / 10000
FROM m;
$meals
INSERT INTO ledger.entries (id, kind, restaurant_id, terminal_id, period, late, occurred_at, request_sha256,
    voided_entry_id, reason)
SELECT md5('$period void ' || m.i)::uuid, 'void', m.restaurant_id, m.terminal_id, '$period', false,
       m.at + interval '1 minute', sha256(convert_to('$period void ' || m.i, 'UTF8')),
       md5('$period meal ' || m.i)::uuid, 'bench void'
FROM m WHERE m.gross % 100 = 7;"
    done
}

# The bare SQL baseline of a month: per restaurant, the count, the distinct cards and three sums of its meals.
bench_group_by_sql() {
    echo "SELECT restaurant_id, count(*), count(DISTINCT card_no), sum(gross_fen), sum(discount_fen), sum(payable_fen)
FROM ledger.entries WHERE period = '$1' AND kind = 'meal' GROUP BY restaurant_id"
}

# Starts the release ledgerd ($BIN) on 127.0.0.1:PORT with the bench database and the given VAR=VALUE settings
# (log level warning; no staff console, whose port another ledgerd on the machine may hold), and waits (20 s at
# most) until /healthz answers 200. Sets LEDGERD_PID and LEDGERD_LOG.
bench_start_ledgerd() {
    local port="$1" i
    shift
    LEDGERD_LOG="$BENCH_TMP/ledgerd-$port.log"
    env DATABASE_URL="$DATABASE_URL" LEDGER_LISTEN="127.0.0.1:$port" LEDGER_LOG_LEVEL=warning LEDGER_CONSOLE_LISTEN=off "$@" \
        "$BIN/ledgerd" >"$LEDGERD_LOG" 2>&1 &
    LEDGERD_PID=$!
    if [[ -z ${_BENCH_LEDGERD_STOP:-} ]]; then
        bench_on_exit 'bench_stop_ledgerd'
        _BENCH_LEDGERD_STOP=1
    fi
    for ((i = 0; ; i++)); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true) == 200 ]] && break
        kill -0 "$LEDGERD_PID" 2>/dev/null || die "ledgerd exited: $(cat "$LEDGERD_LOG")"
        ((i < 100)) || die "ledgerd did not answer /healthz with 200 within 20 s"
        sleep 0.2
    done
}

# Stops the ledgerd of bench_start_ledgerd (SIGTERM), warns unless it exits 0, and shows the end of its log.
bench_stop_ledgerd() {
    [[ -n ${LEDGERD_PID:-} ]] || return 0
    kill -TERM "$LEDGERD_PID" 2>/dev/null || true
    local status=0
    wait "$LEDGERD_PID" || status=$?
    [[ $status == 0 ]] || warn "ledgerd exited with status $status"
    LEDGERD_PID=
    if [[ -s $LEDGERD_LOG ]]; then
        log "ledgerd's output (warnings and errors):"
        sed 's/^/    /' "$LEDGERD_LOG" | tail -n 20 >&2
    fi
}
