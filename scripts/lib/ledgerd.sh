# shellcheck shell=bash
# Helpers for scripts that start ledgerd and talk to it (scripts/run, scripts/demo, scripts/smoke). Source this
# file after lib/common.sh; do not run it.
#
#   wait_until_serving PID LOG [SECONDS]
#                            wait until the ledgerd of PID logs that it serves (in LOG); fail, saying so, when it
#                            stops first or does not serve within SECONDS (default 60)
#   serving_port LOG         the API port that ledgerd logged
#   free_port PORT           the first port from PORT up that nothing listens on at 127.0.0.1

wait_until_serving() { # PID LOG [SECONDS]
    local pid="$1" logfile="$2" seconds="${3:-60}" i
    for ((i = 0; i < seconds * 10; i++)); do
        grep -q 'ledgerd is serving' "$logfile" 2>/dev/null && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            warn "ledgerd stopped before it served"
            return 1
        fi
        sleep 0.1
    done
    warn "ledgerd did not say it serves within $seconds s (it says so at level notice: is LEDGER_LOG_LEVEL above it?); see $logfile"
    return 1
}

serving_port() { # LOG
    grep 'ledgerd is serving' "$1" | sed -n 's/.*http\.port"\{0,1\}[=:]"\{0,1\}\([0-9][0-9]*\).*/\1/p' | tail -n 1
}

free_port() { # PORT
    local port="$1"
    while _port_in_use "$port"; do port=$((port + 1)); done
    printf '%s\n' "$port"
}
