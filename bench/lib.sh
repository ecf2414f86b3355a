# shellcheck shell=bash
# Helpers shared by bench/pool and bench/meals. Source this file; do not run it.
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
