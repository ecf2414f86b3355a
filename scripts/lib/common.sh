# shellcheck shell=bash
# Helpers shared by scripts/run, scripts/test and scripts/db. Source this file; do not run it.
#
#   ensure_packages      install PostgreSQL 15, libpq-dev and pkg-config with apt-get when missing
#   ensure_test_tools    install openssl and curl (run by the tests) with apt-get when missing
#   ensure_swift         put /opt/swift on PATH when swift is not found
#   ensure_tool CMD [PKG]  install Debian's package PKG (default CMD) with apt-get when the command CMD is missing
#   apt_install PKG…     install Debian's packages with apt-get, its output on standard error
#   ensure_promtool      export LEDGER_PROMTOOL: promtool on PATH, or extracted from Debian's prometheus package
#   start_private_db     start (or reuse) the private cluster under .local/pg and export DATABASE_URL
#   stop_private_db      stop it again, unless another script still uses it
#
# Environment: LEDGER_PG_PORT (TCP port of the private cluster, default 54329),
# LEDGER_PG_BIN (PostgreSQL binaries, default /usr/lib/postgresql/15/bin), DATABASE_URL,
# LEDGER_PG_OPTIONS (more server settings, "-c name=value …", used when this starts the cluster).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
PG_BIN="${LEDGER_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_BASE="$ROOT/.local/pg"
PG_DATA="$PG_BASE/data"
PG_LOG="$PG_BASE/log/postgres.log"
PG_PORT="${LEDGER_PG_PORT:-54329}"
PG_PACKAGES=(postgresql-15 postgresql-contrib-15 libpq-dev pkg-config)

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as root: directly when we are root, else through sudo.
as_admin() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "need root to run '$*' (not root and sudo is not available)"
    fi
}

# Runs a command as the owner of the cluster: user postgres when we are root, else ourselves.
as_pg() {
    if ! is_root; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && su -s /bin/bash postgres -c "$(printf '%q ' "$@")")
    fi
}

_pg_tools_ok() {
    local tool
    for tool in initdb pg_ctl postgres psql pg_isready; do
        [[ -x $PG_BIN/$tool ]] || return 1
    done
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libpq
}

# Installs Debian packages with apt-get, after refreshing its package lists, as root or through sudo. apt-get's
# output goes to standard error, like this library's messages, so that a script whose standard output is a value
# (scripts/ha up prints the cluster's URI) prints only that value on the first run on a machine too.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "$* missing and apt-get is not available: install them by hand"
    log "installing $* with apt-get"
    as_admin env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    as_admin env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-upgrade \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >&2
}

ensure_packages() {
    if ! _pg_tools_ok; then
        # Only what is not installed yet, and no upgrades of what is: a running server stays as it is.
        local pkg missing=()
        for pkg in "${PG_PACKAGES[@]}"; do
            if [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true) != installed ]]; then
                missing+=("$pkg")
            fi
        done
        [[ ${#missing[@]} -gt 0 ]] || missing=("${PG_PACKAGES[@]}")
        apt_install "${missing[@]}"
        _pg_tools_ok || die "still missing PostgreSQL 15 tools in $PG_BIN or libpq (pkg-config) after apt-get"
    fi
    if is_root && ! id -u postgres >/dev/null 2>&1; then
        log "creating system user postgres"
        useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
}

ensure_tool() { # COMMAND [PACKAGE]
    local tool="$1" package="${2:-$1}"
    command -v "$tool" >/dev/null 2>&1 && return 0
    apt_install "$package"
    command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after apt-get install $package"
}

# The commands the tests run beside PostgreSQL (TLS certificates and HTTPS probes, the printed report's text by
# page), installed when missing. The printed report's test installs Chromium through scripts/report-pdf.
ensure_test_tools() {
    ensure_tool openssl
    ensure_tool curl
    ensure_tool pdftotext poppler-utils
}

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || die "swift not found: install a Swift 6 toolchain (e.g. under /opt/swift)"
}

# promtool alone, for the test that lints /metrics: taken out of Debian's prometheus package under .local/bin
# rather than installing the package, which would also install and start a Prometheus server.
ensure_promtool() {
    local bin="$ROOT/.local/bin/promtool" scratch
    if command -v promtool >/dev/null 2>&1; then
        LEDGER_PROMTOOL="$(command -v promtool)"
    elif [[ -x $bin ]]; then
        LEDGER_PROMTOOL="$bin"
    else
        command -v apt-get >/dev/null 2>&1 || die "promtool is missing and apt-get is not available; install Debian's prometheus package"
        log "extracting promtool from Debian's prometheus package into .local/bin"
        scratch="$(mktemp -d)"
        chmod 755 "$scratch" # apt-get download writes as user _apt when it can
        if ! (cd "$scratch" && apt-get download -q prometheus >/dev/null 2>&1); then
            as_admin env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
            (cd "$scratch" && apt-get download -q prometheus >&2) || { rm -rf "$scratch"; die "cannot download Debian's prometheus package"; }
        fi
        dpkg-deb -x "$scratch"/prometheus_*.deb "$scratch/root"
        mkdir -p "$ROOT/.local/bin"
        install -m 755 "$scratch/root/usr/bin/promtool" "$bin"
        rm -rf "$scratch"
        LEDGER_PROMTOOL="$bin"
    fi
    export LEDGER_PROMTOOL
}

# --- private cluster ---------------------------------------------------------------------------

# Start time of a process (field 22 of /proc/PID/stat), so that a reused pid is not taken for the
# process that registered.
_proc_start() {
    local stat rest
    local -a fields
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    rest="${stat##*) }"
    read -r -a fields <<<"$rest"
    printf '%s\n' "${fields[19]}"
}

_pid_alive() { # PID [START]
    kill -0 "$1" 2>/dev/null || return 1
    [[ -z ${2:-} || ! -d /proc/$1 ]] && return 0
    [[ $(_proc_start "$1" || true) == "$2" ]]
}

# Prints the pid of the postmaster running on our data directory; fails when there is none. A pid
# file whose process is gone, or is some other process that got the same pid, does not count.
_pg_server_pid() {
    local pid
    [[ -r $PG_DATA/postmaster.pid ]] || return 1
    read -r pid <"$PG_DATA/postmaster.pid" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -d /proc/$pid ]]; then
        # The postmaster's working directory is its data directory.
        [[ /proc/$pid/cwd -ef $PG_DATA ]] || return 1
    fi
    printf '%s\n' "$pid"
}

# Socket directory: .local/pg, unless the socket path would be too long for a Unix socket.
_pg_socket_dir() {
    local dir="$PG_BASE"
    if ((${#dir} + 20 > 100)); then
        dir="${TMPDIR:-/tmp}/ledger-pg-$(id -u)-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
    fi
    printf '%s\n' "$dir"
}

_mkdir_for_pg() { # DIR: a directory the cluster owner may write to, closed to others
    mkdir -p "$1"
    chmod 0700 "$1"
    if is_root; then chown postgres:postgres "$1"; fi
}

# As root the cluster runs as user postgres, which must be able to reach the repository (which may be
# under /root). Grant search permission (x only: no listing, no reading) where it is missing.
_grant_traverse() {
    local target="$1" path="" part
    as_pg test -x "$target" && return 0
    IFS='/' read -r -a parts <<<"${target#/}"
    for part in "${parts[@]}"; do
        path="$path/$part"
        if ! as_pg test -x "$path"; then
            log "granting search permission (chmod o+x) on $path so that user postgres can reach the cluster"
            chmod o+x "$path"
        fi
    done
    as_pg test -x "$target" || die "user postgres cannot reach $target"
}

_pg_prepare_dirs() {
    mkdir -p "$PG_BASE"
    _mkdir_for_pg "$PG_BASE"
    _mkdir_for_pg "$PG_BASE/log"
    _mkdir_for_pg "$PG_SOCKET_DIR"
    mkdir -p "$PG_BASE/users"
    if is_root; then
        _grant_traverse "$PG_BASE"
        [[ $PG_SOCKET_DIR == "$PG_BASE" ]] || _grant_traverse "$PG_SOCKET_DIR"
        if [[ -d $PG_DATA && $(stat -c %U "$PG_DATA") != postgres ]]; then
            log "handing $PG_DATA over to user postgres"
            chown -R postgres:postgres "$PG_DATA"
        fi
    elif [[ -d $PG_DATA && ! -O $PG_DATA ]]; then
        die "$PG_DATA belongs to $(stat -c %U "$PG_DATA"), not to you; remove $PG_BASE or run as that user"
    fi
}

_pg_lock() {
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$PG_BASE/lock"
        flock -w 300 9 || die "timed out waiting for the lock on $PG_BASE"
    fi
}

_pg_unlock() {
    if command -v flock >/dev/null 2>&1; then
        flock -u 9 || true
        exec 9>&-
    fi
}

# Serializes test runs in this tree: they all recreate the same database ledger_test. Held until the
# calling script exits.
lock_tests() {
    command -v flock >/dev/null 2>&1 || return 0
    mkdir -p "$PG_BASE"
    exec 8>>"$PG_BASE/tests.lock"
    if ! flock -n 8; then
        log "waiting for another scripts/test in this tree to finish"
        flock 8
    fi
}

# Registers this shell as a user of the cluster; the last user to leave stops it.
_pg_register() {
    _LEDGER_PG_ME="$BASHPID"
    _proc_start "$BASHPID" >"$PG_BASE/users/$BASHPID" 2>/dev/null || : >"$PG_BASE/users/$BASHPID"
}

# Prints the registered users that are still alive (and forgets the dead ones).
_pg_live_users() {
    local f pid start
    for f in "$PG_BASE"/users/*; do
        [[ -e $f ]] || continue
        pid="${f##*/}"
        if [[ $pid == keep ]]; then
            printf 'keep\n'
            continue
        fi
        start="$(cat "$f" 2>/dev/null || true)"
        if [[ $pid =~ ^[0-9]+$ ]] && _pid_alive "$pid" "$start"; then
            printf '%s\n' "$pid"
        else
            rm -f "$f"
        fi
    done
}

_pg_wait_ready() { # PORT
    local i
    for ((i = 0; i < 120; i++)); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
        sleep 0.5
    done
    die "PostgreSQL on port $1 did not become ready; see $PG_LOG"
}

_port_in_use() { # PORT
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_pg_sql() { # PORT SQL
    "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -d "host=127.0.0.1 port=$1 user=postgres dbname=postgres sslmode=disable options='-c client_min_messages=warning'" -c "$2"
}

_pg_initdb() {
    local locale=C
    if [[ -d $PG_DATA && ! -f $PG_DATA/PG_VERSION ]]; then
        log "removing incomplete data directory $PG_DATA"
        rm -rf "$PG_DATA"
    fi
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
    log "initdb: creating the private cluster in $PG_DATA"
    if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale="$locale" \
        >"$PG_BASE/log/initdb.log" 2>&1; then
        tail -n 20 "$PG_BASE/log/initdb.log" >&2 || true
        die "initdb failed; see $PG_BASE/log/initdb.log"
    fi
}

# The private cluster's client authentication: its owner (postgres, who runs migrations and the tests' setup) may
# connect without a password over the socket and loopback; every other login must give its password
# (scram-sha-256), as in production, so that the staff console's sign-in proves something and refuses `trust`.
_pg_write_hba() {
    as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<'HBA'
# Written by scripts/lib/common.sh (_pg_write_hba): the owner trusted, every other login by password.
local   all  postgres                 trust
host    all  postgres  127.0.0.1/32   trust
host    all  postgres  ::1/128        trust
local   all  all                      scram-sha-256
host    all  all       127.0.0.1/32   scram-sha-256
host    all  all       ::1/128        scram-sha-256
HBA
}

# start_private_db [--test]
#   Without --test: does nothing when DATABASE_URL is set; otherwise starts (or reuses) the private
#   cluster, creates the database ledger when missing and exports DATABASE_URL to it.
#   With --test: ignores DATABASE_URL, starts the cluster with fsync off when it has to start it,
#   drops and recreates the database ledger_test and exports DATABASE_URL to it.
start_private_db() {
    local mode=run pid port opts version
    [[ ${1:-} == --test ]] && mode="test"
    if [[ $mode == run && -n ${DATABASE_URL:-} ]]; then
        log "DATABASE_URL is set: not starting a private PostgreSQL"
        return 0
    fi
    PG_SOCKET_DIR="$(_pg_socket_dir)"
    _pg_prepare_dirs
    _pg_lock
    _pg_register

    if pid="$(_pg_server_pid)"; then
        port="$(sed -n 4p "$PG_DATA/postmaster.pid")"
        log "reusing the private PostgreSQL already running on port $port (pid $pid)"
        [[ -z ${LEDGER_PG_OPTIONS:-} ]] || warn "it keeps the settings it was started with, not LEDGER_PG_OPTIONS ($LEDGER_PG_OPTIONS)"
        [[ $port == "$PG_PORT" ]] || warn "it listens on port $port, not on LEDGER_PG_PORT=$PG_PORT"
        _pg_wait_ready "$port"
        _pg_write_hba
        _pg_sql "$port" "SELECT pg_reload_conf()" >/dev/null
    else
        port="$PG_PORT"
        if [[ -e $PG_DATA/postmaster.pid ]]; then
            log "removing stale $PG_DATA/postmaster.pid"
            rm -f "$PG_DATA/postmaster.pid"
        fi
        rm -f "$PG_SOCKET_DIR"/.s.PGSQL.*
        if [[ -f $PG_DATA/PG_VERSION ]]; then
            version="$(cat "$PG_DATA/PG_VERSION")"
            [[ $version == 15 ]] || die "$PG_DATA holds a PostgreSQL $version cluster, not 15; remove $PG_BASE"
        else
            _pg_initdb
        fi
        _pg_write_hba
        if _port_in_use "$port" && [[ -z ${LEDGER_PG_PORT:-} ]]; then
            # Another program holds the default port (another checkout's cluster, say): take the next free one.
            local candidate
            for candidate in $(seq $((port + 1)) $((port + 50))); do
                if ! _port_in_use "$candidate"; then
                    warn "port $port on 127.0.0.1 is taken by another program; using $candidate"
                    port="$candidate"
                    break
                fi
            done
        fi
        if _port_in_use "$port"; then
            die "port $port on 127.0.0.1 is taken by another program; set LEDGER_PG_PORT to a free port"
        fi
        opts="-p $port -k '$PG_SOCKET_DIR' -c listen_addresses=127.0.0.1 -c max_connections=200"
        if [[ $mode == test ]]; then
            opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        fi
        # Server settings of the caller's, e.g. bench/scale's for a province-size month.
        [[ -n ${LEDGER_PG_OPTIONS:-} ]] && opts+=" $LEDGER_PG_OPTIONS"
        log "starting the private PostgreSQL on 127.0.0.1:$port (log: $PG_LOG)"
        if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 120 -o "$opts" start >/dev/null 8>&- 9>&-; then
            tail -n 20 "$PG_LOG" >&2 || true
            die "PostgreSQL did not start; see $PG_LOG"
        fi
    fi

    if [[ -z $(_pg_sql "$port" "SELECT 1 FROM pg_database WHERE datname = 'ledger'") ]]; then
        log "creating database ledger"
        _pg_sql "$port" "CREATE DATABASE ledger" >/dev/null
    fi
    local db=ledger
    if [[ $mode == test ]]; then
        db=ledger_test
        log "recreating database ledger_test"
        _pg_sql "$port" "DROP DATABASE IF EXISTS ledger_test WITH (FORCE)" >/dev/null
        _pg_sql "$port" "CREATE DATABASE ledger_test" >/dev/null
    fi
    _pg_unlock
    export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/$db"
    log "DATABASE_URL=$DATABASE_URL"
}

# Keeps the cluster running after this script ends, until `scripts/db stop`.
keep_private_db() {
    : >"$PG_BASE/users/keep"
}

# stop_private_db [--force]
#   Stops the cluster that start_private_db started or reused in this shell, unless another live
#   script still uses it (or it was kept). --force stops it regardless.
stop_private_db() {
    local force=0 pid others
    [[ ${1:-} == --force ]] && force=1
    if [[ $force == 0 && -z ${_LEDGER_PG_ME:-} ]]; then
        return 0
    fi
    [[ -d $PG_BASE ]] || return 0
    _pg_lock
    if [[ -n ${_LEDGER_PG_ME:-} ]]; then
        rm -f "$PG_BASE/users/$_LEDGER_PG_ME"
        unset _LEDGER_PG_ME
    fi
    if [[ $force == 1 ]]; then
        rm -f "$PG_BASE"/users/*
    else
        others="$(_pg_live_users | tr '\n' ' ')"
        if [[ -n $others ]]; then
            log "leaving the private PostgreSQL running: still in use (${others% })"
            _pg_unlock
            return 0
        fi
    fi
    if pid="$(_pg_server_pid)"; then
        log "stopping the private PostgreSQL (pid $pid)"
        if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 9>&-; then
            warn "fast shutdown failed; trying immediate shutdown"
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 9>&- || true
        fi
    fi
    _pg_unlock
}
