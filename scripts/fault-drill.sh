#!/usr/bin/env bash
# Fault drill: runs the packaged gateway against a real PostgreSQL and a real sink, drives a
# bounded load through it while it kills and restarts the database, stops the gateway with
# SIGTERM and with kill -9, and then checks the recording invariant (scripts/drill/check.py):
# every response has exactly one final channel_requests row and one channel_events row whose
# hashes match what was sent and received, nothing is left pending, nothing reached the sink
# without a row, no 503 "recording unavailable" reached the sink. Prints counts, timings and
# violations, then corrupts copies of the run's data one way at a time to show that each
# check fires. Exits non-zero on any violation (1), when the drill itself could not run (2),
# or when a corruption went unreported (3).
#
# Usage: scripts/fault-drill.sh [--self-test]
#   --self-test   only verify that check.py reports every kind of violation (no database)
#
# Environment (defaults in brackets):
#   JAR             the gateway jar [target/channels-gateway-*.jar, built when missing]
#   RUN_DIR         where logs and dumps go [a new /tmp/fault-drill.XXXXXX]
#   REQUESTS [3000] WORKERS [8] LOAD_SPREAD [70] s over which requests start
#   LOAD_TIME_LIMIT [120] s after which no request starts
#   DB_KILL_AFTER [6] s after the load starts   DB_DOWN [3] s
#   SIGTERM_AFTER [8] s after the database is back
#   KILL9_AFTER [8] s after the gateway is ready again
#   LEASE [5s] channels.instance.lease-duration   SWEEP_WAIT [20] s to wait for pending rows to go
#   READY_TIMEOUT [90] s   STOP_TIMEOUT [60] s for a SIGTERM'd gateway to exit
#   PG_BIN [/usr/lib/postgresql/15/bin]   JAVA_OPTS [-Xmx256m]
#   GATEWAY_ARGS    extra gateway arguments
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRILL="$ROOT/scripts/drill"

log() { printf '%s [drill] %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

if [[ "${1:-}" == "--self-test" ]]; then
    exec python3 "$DRILL/check.py" --self-test
elif [[ $# -gt 0 ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
fi

REQUESTS=${REQUESTS:-3000}
WORKERS=${WORKERS:-8}
LOAD_SPREAD=${LOAD_SPREAD:-70}
LOAD_TIME_LIMIT=${LOAD_TIME_LIMIT:-120}
DB_KILL_AFTER=${DB_KILL_AFTER:-6}
DB_DOWN=${DB_DOWN:-3}
SIGTERM_AFTER=${SIGTERM_AFTER:-8}
KILL9_AFTER=${KILL9_AFTER:-8}
LEASE=${LEASE:-5s}
SWEEP_WAIT=${SWEEP_WAIT:-20}
READY_TIMEOUT=${READY_TIMEOUT:-90}
STOP_TIMEOUT=${STOP_TIMEOUT:-60}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
JAVA_OPTS=${JAVA_OPTS:--Xmx256m}

RUN_DIR=${RUN_DIR:-$(mktemp -d /tmp/fault-drill.XXXXXX)}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
chmod 755 "$RUN_DIR"
TIMELINE="$RUN_DIR/timeline.log"
: >"$TIMELINE"
mark() { printf '%s %s\n' "$(date +%s.%N)" "$*" >>"$TIMELINE"; }

SINK_PID="" LOAD_PID="" GW_PID="" GW_N=0 PG_STARTED=""
PGDATA="$RUN_DIR/pgdata"
PGSOCK="$RUN_DIR/pgsock"

# PostgreSQL refuses to run as root: run its server tools as postgres then.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    for pid in "$LOAD_PID" "$GW_PID" "$SINK_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
    if [[ -n "$PG_STARTED" ]] && [[ -f "$PGDATA/postmaster.pid" ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
    fi
    log "run directory (logs, load log, sink log, dumps): $RUN_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# A sleep that a signal interrupts (a trap runs only after a foreground command ends).
pause() { sleep "$1" & wait $!; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# --- the jar ----------------------------------------------------------------------------------
if [[ -z "${JAR:-}" ]]; then
    JAR=$(ls "$ROOT"/target/channels-gateway-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -n1 || true)
    if [[ -z "$JAR" ]]; then
        log "building the jar (./mvnw -B -q package -DskipTests)"
        (cd "$ROOT" && ./mvnw -B -q package -DskipTests) >"$RUN_DIR/build.log" 2>&1 || die "build failed: $RUN_DIR/build.log"
        JAR=$(ls "$ROOT"/target/channels-gateway-*.jar | grep -v -- '-plain\.jar$' | head -n1)
    fi
fi
[[ -f "$JAR" ]] || die "no jar at $JAR"
log "run directory $RUN_DIR; jar $JAR"

# --- PostgreSQL -------------------------------------------------------------------------------
PGPORT=$(free_port)
mkdir -p "$PGSOCK"
: >"$RUN_DIR/postgres.log"
if [[ $(id -u) -eq 0 ]]; then chown postgres "$PGSOCK" "$RUN_DIR/postgres.log"; install -d -o postgres "$PGDATA"; fi
log "initdb (PostgreSQL in $PGDATA, port $PGPORT)"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --no-locale --no-sync >"$RUN_DIR/initdb.log" 2>&1 || die "initdb failed: $RUN_DIR/initdb.log"
cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGSOCK'
max_connections = 50
logging_collector = off
CONF

pg_start() {
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$RUN_DIR/postgres.log" -w -t 60 start >/dev/null \
        || die "PostgreSQL did not start: $RUN_DIR/postgres.log"
    PG_STARTED=1
}
pg_kill() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null; }
psql_pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PGPORT" -U postgres "$@"; }
psql_ch() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PGPORT" -U postgres -d channels "$@"; }

pg_start
psql_pg -d postgres -c "CREATE ROLE channels LOGIN PASSWORD 'channels'" -c "CREATE DATABASE channels OWNER channels"

# --- the sink ---------------------------------------------------------------------------------
: >"$RUN_DIR/sink.log"
python3 "$DRILL/sink.py" --log "$RUN_DIR/sink.log" --port-file "$RUN_DIR/sink.port" 2>"$RUN_DIR/sink.err" &
SINK_PID=$!
for _ in $(seq 100); do [[ -s "$RUN_DIR/sink.port" ]] && break; sleep 0.1; done
[[ -s "$RUN_DIR/sink.port" ]] || die "the sink did not start: $RUN_DIR/sink.err"
SINK_PORT=$(cat "$RUN_DIR/sink.port")
log "sink on 127.0.0.1:$SINK_PORT (pid $SINK_PID)"

# --- the gateway ------------------------------------------------------------------------------
GW_PORT=$(free_port)
MGMT_PORT=$(free_port)
while [[ "$MGMT_PORT" == "$GW_PORT" ]]; do MGMT_PORT=$(free_port); done
# shellcheck disable=SC2206
GW_ARGS=(
    --spring.r2dbc.url="r2dbc:postgresql://127.0.0.1:$PGPORT/channels"
    --spring.r2dbc.username=channels
    --spring.r2dbc.password=channels
    --server.port="$GW_PORT"
    --management.server.port="$MGMT_PORT"
    --spring.cloud.gateway.server.webflux.routes[0].id=drill
    --spring.cloud.gateway.server.webflux.routes[0].uri="http://127.0.0.1:$SINK_PORT"
    --spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/drill/**
    --channels.instance.lease-duration="$LEASE"
    ${GATEWAY_ARGS:-}
)

gw_start() {
    GW_N=$((GW_N + 1))
    # shellcheck disable=SC2086
    java $JAVA_OPTS -jar "$JAR" "${GW_ARGS[@]}" >"$RUN_DIR/gateway-$GW_N.log" 2>&1 &
    GW_PID=$!
    mark gateway_started "$GW_N" "pid=$GW_PID"
    log "gateway #$GW_N started (pid $GW_PID, log gateway-$GW_N.log)"
}

gw_wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT)) code
    while ((SECONDS < deadline)); do
        kill -0 "$GW_PID" 2>/dev/null || die "gateway #$GW_N exited before it was ready: $RUN_DIR/gateway-$GW_N.log"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$MGMT_PORT/actuator/health/readiness" || true)
        if [[ "$code" == 200 ]]; then
            mark gateway_ready "$GW_N"
            log "gateway #$GW_N ready"
            return 0
        fi
        sleep 0.2
    done
    die "gateway #$GW_N not ready within ${READY_TIMEOUT}s: $RUN_DIR/gateway-$GW_N.log"
}

# SIGTERM the gateway and wait for it to exit (kill -9 after STOP_TIMEOUT).
gw_stop() {
    local n=$GW_N pid=$GW_PID rc=0 deadline
    mark gateway_sigterm "$n"
    log "SIGTERM gateway #$n (pid $pid), waiting for it to exit"
    kill -TERM "$pid"
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "gateway #$n still running ${STOP_TIMEOUT}s after SIGTERM: kill -9"
        mark gateway_stop_timeout "$n"
        kill -KILL "$pid"
    fi
    wait "$pid" || rc=$?
    mark gateway_exited "$n" "rc=$rc"
    log "gateway #$n exited (status $rc)"
    GW_PID=""
}

gw_kill9() {
    local n=$GW_N pid=$GW_PID
    mark gateway_kill9 "$n"
    log "kill -9 gateway #$n (pid $pid)"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    mark gateway_exited "$n" "rc=137"
    GW_PID=""
}

pending_count() { psql_ch -At -c "SELECT count(*) FROM channel_requests WHERE state = 'pending'" 2>/dev/null || echo "?"; }

gw_start
gw_wait_ready

# --- load and faults --------------------------------------------------------------------------
log "load: $REQUESTS requests, $WORKERS workers, spread over ${LOAD_SPREAD}s, time limit ${LOAD_TIME_LIMIT}s"
mark load_start
python3 "$DRILL/load.py" --base-url "http://127.0.0.1:$GW_PORT" --requests "$REQUESTS" --workers "$WORKERS" \
    --spread "$LOAD_SPREAD" --time-limit "$LOAD_TIME_LIMIT" --out "$RUN_DIR/load.jsonl" 2>"$RUN_DIR/load.err" &
LOAD_PID=$!

pause "$DB_KILL_AFTER"
log "killing PostgreSQL (pg_ctl stop -m immediate)"
mark db_killed
pg_kill
pause "$DB_DOWN"
log "restarting PostgreSQL"
mark db_restart
pg_start
mark db_ready
log "PostgreSQL is back"

pause "$SIGTERM_AFTER"
gw_stop
gw_start
gw_wait_ready

pause "$KILL9_AFTER"
gw_kill9
gw_start
gw_wait_ready
mark faults_done

kill -0 "$LOAD_PID" 2>/dev/null || log "WARNING: the load ended before the last fault: raise LOAD_SPREAD or REQUESTS"
log "faults done; waiting for the load to finish"
LOAD_RC=0
wait "$LOAD_PID" || LOAD_RC=$?
LOAD_PID=""
mark load_end
cat "$RUN_DIR/load.err" >&2
((LOAD_RC == 0)) || die "the load client failed (status $LOAD_RC): $RUN_DIR/load.err"

# --- settle -----------------------------------------------------------------------------------
log "waiting up to ${SWEEP_WAIT}s for pending rows to be resolved (lease $LEASE)"
deadline=$((SECONDS + SWEEP_WAIT))
while :; do
    pending=$(pending_count)
    [[ "$pending" == 0 ]] && break
    ((SECONDS < deadline)) || break
    sleep 1
done
mark settled "pending=$pending"
log "pending rows: $pending"
gw_stop

# --- dumps and checks -------------------------------------------------------------------------
log "dumping channel_requests and channel_events"
psql_ch -c "\\copy (SELECT id, state, channel_id, started_at, completed_at FROM channel_requests ORDER BY id) TO '$RUN_DIR/requests.csv' WITH (FORMAT csv, HEADER)"
psql_ch -c "\\copy (SELECT id, channel_request_id, type, request_body_hash, response_body_hash, response_status, request_body_size, response_body_size, request_headers, error_message FROM channel_events ORDER BY channel_request_id) TO '$RUN_DIR/events.csv' WITH (FORMAT csv, HEADER)"

log "checking the invariant"
CHECK_RC=0
python3 "$DRILL/check.py" --run-dir "$RUN_DIR" --tamper-test | tee "$RUN_DIR/report.txt" || CHECK_RC=$?
pg_kill_clean() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true; PG_STARTED=""; }
pg_kill_clean
exit "$CHECK_RC"
