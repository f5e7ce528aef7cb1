#!/usr/bin/env bash
# Browser test of the history page: starts the gateway on its embedded default
# (./mvnw spring-boot:test-run: an embedded PostgreSQL, the demo sink and the demo channel),
# sends requests through the demo channel in four bursts over about 45 seconds (successes,
# failures, one with markup in its body and a header), then drives the page in headless
# Chromium (scripts/browser/history-page.test.mjs):
# filters by state and checks that the table shows only that state, pages to older requests,
# opens one exchange and checks its detail (status, method, path, body previews, size, hash,
# headers), its timeline and its outcome in plain words, goes back and forward, opens shared
# addresses (?channel=...&state=..., ?request=<id>) and checks the charts (several bars) and
# their window selector (in the address, back and forward, ?window=6h), signs in as a reader
# granted another channel only and checks that it sees none of the demo's, checks that
# recorded markup is shown as text, and saves screenshots of the views into docs/screenshots.
# Stops what it started.
#
# Installs what it needs when missing: Debian's chromium (apt-get, as root or with sudo) and
# the npm packages of scripts/browser (npm ci, playwright-core only). Needs a JDK 17+ and
# Node.js 20+ with npm.
#
# Usage: scripts/history-browser-test.sh
# Exits 0 when every check passed, 1 when a check failed, 2 when the test could not run.
#
# Environment (defaults in brackets):
#   GATEWAY_PORT [8080]  MANAGEMENT_PORT [8081]  SINK_PORT [9090]   must be free
#   CHANNEL [demo]       the channel the requests go through
#   HISTORY_USER [demo], HISTORY_PASSWORD [channels-demo]   the history reader of the embedded default
#   READY_TIMEOUT [300]  s to wait for readiness (the first run compiles)
#   BURST_GAP [14]       s between the bursts of requests
#   CHROMIUM [/usr/bin/chromium]
#   RUN_DIR              where the gateway's log goes [a new /tmp/history-browser-test.XXXXXX]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BROWSER_DIR="$ROOT/scripts/browser"

GATEWAY_PORT=${GATEWAY_PORT:-8080}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-8081}
# The embedded default's history reader (TestChannelsApplication prints it at start-up).
HISTORY_USER=${HISTORY_USER:-demo}
HISTORY_PASSWORD=${HISTORY_PASSWORD:-channels-demo}
# A second reader, granted one other channel only. The list of readers is given whole (a list
# set in a property source replaces the one of the demo's settings): the demo's reader as it
# is, then this one, whose password is {noop} because it exists only while this test runs.
OTHER_USER=elsewhere
OTHER_PASSWORD=elsewhere-secret
READERS='-Dchannels.history.readers[0].username=demo -Dchannels.history.readers[0].password=${demo.reader-password} -Dchannels.history.readers[0].channels[0]=*'
READERS="$READERS -Dchannels.history.readers[1].username=$OTHER_USER -Dchannels.history.readers[1].password={noop}$OTHER_PASSWORD -Dchannels.history.readers[1].channels[0]=elsewhere"
SINK_PORT=${SINK_PORT:-9090}
CHANNEL=${CHANNEL:-demo}
READY_TIMEOUT=${READY_TIMEOUT:-300}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
RUN_DIR=${RUN_DIR:-$(mktemp -d /tmp/history-browser-test.XXXXXX)}
mkdir -p "$RUN_DIR"

GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
MANAGEMENT="http://127.0.0.1:$MANAGEMENT_PORT"

log() { printf '%s [history-browser-test] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# --- what it needs

command -v java >/dev/null || die "needs a JDK 17 or newer (java)"
command -v curl >/dev/null || die "needs curl"
command -v node >/dev/null && command -v npm >/dev/null || die "needs Node.js 20 or newer, with npm"
(( $(node -p 'process.versions.node.split(".")[0]') >= 20 )) || die "needs Node.js 20 or newer (playwright-core), found $(node --version)"

if [[ ! -x "$CHROMIUM" ]]; then
    log "installing Debian's chromium (apt-get)"
    as_root apt-get update -qq >"$RUN_DIR/apt.log" 2>&1 || die "apt-get update failed: see $RUN_DIR/apt.log"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
        >>"$RUN_DIR/apt.log" 2>&1 || die "could not install chromium: see $RUN_DIR/apt.log"
    [[ -x "$CHROMIUM" ]] || die "chromium installed, but $CHROMIUM is not there (set CHROMIUM)"
fi
log "browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

if [[ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]]; then
    log "installing playwright-core (npm ci in scripts/browser)"
    (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$RUN_DIR/npm.log" 2>&1 \
        || die "npm ci failed: see $RUN_DIR/npm.log"
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$GATEWAY_PORT" "$MANAGEMENT_PORT" "$SINK_PORT"; do
    ! port_in_use "$port" || die "port $port is in use: stop what listens there, or set GATEWAY_PORT, MANAGEMENT_PORT, SINK_PORT"
done

# --- the gateway, on its embedded default

GW_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [[ -n "$GW_PID" ]] && kill -0 "$GW_PID" 2>/dev/null; then
        log "stopping the gateway (process group $GW_PID)"
        # Maven first: it stops the application it forked, which shuts down gracefully and
        # stops its embedded PostgreSQL last. Then whatever is left of the group (the session
        # setsid started), if anything is.
        kill -TERM "$GW_PID" 2>/dev/null
        for _ in $(seq 60); do
            kill -0 -- "-$GW_PID" 2>/dev/null || break
            sleep 1
        done
        kill -TERM -- "-$GW_PID" 2>/dev/null && sleep 5
        kill -KILL -- "-$GW_PID" 2>/dev/null
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

log "starting the gateway: ./mvnw spring-boot:test-run (log: $RUN_DIR/gateway.log)"
cd "$ROOT"
# A session of its own, so that the whole of it (Maven and the forked application) is
# stopped through its process group id, which is the pid started here: without job control
# the background process is no group leader, so setsid makes the session without forking.
set +m
setsid ./mvnw -B -q spring-boot:test-run \
    -Dspring-boot.run.arguments="--server.port=$GATEWAY_PORT --management.server.port=$MANAGEMENT_PORT" \
    -Dspring-boot.run.jvmArguments="-Ddemo.sink-port=$SINK_PORT $READERS" \
    >"$RUN_DIR/gateway.log" 2>&1 </dev/null &
GW_PID=$!
sleep 0.2
[[ "$(ps -o pgid= -p "$GW_PID" 2>/dev/null | tr -d ' ')" == "$GW_PID" ]] \
    || die "could not start the gateway in a process group of its own"

deadline=$((SECONDS + READY_TIMEOUT))
until curl -sf -o /dev/null "$MANAGEMENT/actuator/health/readiness"; do
    kill -0 "$GW_PID" 2>/dev/null || { tail -n 30 "$RUN_DIR/gateway.log" >&2; die "the gateway exited before it was ready"; }
    ((SECONDS < deadline)) || { tail -n 30 "$RUN_DIR/gateway.log" >&2; die "not ready within ${READY_TIMEOUT}s"; }
    sleep 1
done
log "ready: gateway $GATEWAY, management $MANAGEMENT"

# --- requests through the channel

# Sends a request; prints its X-Channel-Request-Id. Fails unless the status is the expected one.
send() {
    local expected=$1
    shift
    local head status id
    head=$(curl -s -o /dev/null -D - "$@") || die "request failed: $*"
    # Read from here-strings, not through `printf | head`: head leaves after the first line,
    # and printf writing the next one then dies of SIGPIPE, which pipefail and set -e turn
    # into the script's exit (141).
    status=$(awk 'NR == 1 {print $2}' <<<"$head")
    id=$(tr -d '\r' <<<"$head" | awk -F': ' 'tolower($1) == "x-channel-request-id" {print $2}')
    [[ "$status" == "$expected" ]] || die "expected $expected, got $status for: $*"
    [[ -n "$id" ]] || die "no X-Channel-Request-Id for: $*"
    printf '%s\n' "$id"
}

# The state a request was recorded in, once its outcome is written (it is written after the
# exchange).
recorded_state() {
    local state=pending
    for _ in $(seq 150); do
        state=$(curl -sf -u "$HISTORY_USER:$HISTORY_PASSWORD" "$MANAGEMENT/history/api/requests/$1" | grep -o '"state":"[a-z]*"' | head -n 1 \
            | cut -d '"' -f 4) || true
        [[ -n "$state" && "$state" != pending ]] && break
        sleep 0.1
    done
    printf '%s\n' "$state"
}

# Sends a request until it is recorded in the expected state; prints its id. A client that
# closes the connection as the last byte of a response without a Content-Length arrives can
# be recorded as error (the gateway cannot tell that it got it all): curl may do that, so
# such a request is sent again, up to five times.
send_recorded() {
    local state=$1
    shift
    local id recorded
    for _ in 1 2 3 4 5; do
        id=$(send "$@")
        recorded=$(recorded_state "$id")
        if [[ "$recorded" == "$state" ]]; then
            printf '%s\n' "$id"
            return
        fi
        log "$id was recorded as ${recorded:-nothing}, not $state; sending it again"
    done
    die "no request recorded as $state: $*"
}

# In four bursts BURST_GAP seconds apart, as a person trying the demo would send them, so that
# the charts (10-second bars by default) show several bars, with failures among them.
BURST_GAP=${BURST_GAP:-14}
burst() {
    local count=$1 failing=$2
    for _ in $(seq "$count"); do
        send 200 "$GATEWAY/channels/$CHANNEL/status/200" >/dev/null
    done
    send "$failing" "$GATEWAY/channels/$CHANNEL/status/$failing" >/dev/null
}

ECHO_BODY="hello history ✓ $RANDOM$RANDOM"
MARKUP_BODY='<b id="injected">not bold</b><script>alert("body")</script>'
SUCCESS_ID=$(send_recorded success 200 -X POST -H 'Content-Type: text/plain; charset=utf-8' \
    --data-binary "$ECHO_BODY" "$GATEWAY/channels/$CHANNEL/echo")
FAILED_ID=$(send_recorded failed 503 "$GATEWAY/channels/$CHANNEL/status/503")
burst 6 404
log "burst 1 of 4 sent; the next in ${BURST_GAP}s"
sleep "$BURST_GAP"
burst 8 503
log "burst 2 of 4 sent"
sleep "$BURST_GAP"
burst 4 500
log "burst 3 of 4 sent"
sleep "$BURST_GAP"
burst 6 404
MARKUP_ID=$(send_recorded success 200 -X POST -H 'Content-Type: text/html' \
    -H 'X-Markup: <img id="injected" src=x onerror=alert(1)>' --data-binary "$MARKUP_BODY" \
    "$GATEWAY/channels/$CHANNEL/echo")
log "sent 31 requests over $((3 * BURST_GAP))s and more: success $SUCCESS_ID, failed $FAILED_ID, markup $MARKUP_ID"

# --- the page, in Chromium

set +e
HISTORY_URL="$MANAGEMENT/history" HISTORY_USER="$HISTORY_USER" HISTORY_PASSWORD="$HISTORY_PASSWORD" CHANNEL="$CHANNEL" \
    OTHER_USER="$OTHER_USER" OTHER_PASSWORD="$OTHER_PASSWORD" SUCCESS_ID="$SUCCESS_ID" FAILED_ID="$FAILED_ID" \
    ECHO_BODY="$ECHO_BODY" MARKUP_ID="$MARKUP_ID" MARKUP_BODY="$MARKUP_BODY" CHROMIUM="$CHROMIUM" \
    node "$BROWSER_DIR/history-page.test.mjs"
result=$?
set -e
if [[ $result -ne 0 ]]; then
    # What the API says, for comparison with what the page showed.
    curl -s -u "$HISTORY_USER:$HISTORY_PASSWORD" "$MANAGEMENT/history/api/requests?channel=$CHANNEL&limit=500" >"$RUN_DIR/requests.json"
    log "FAILED (gateway log: $RUN_DIR/gateway.log, the API's list: $RUN_DIR/requests.json)"
    exit 1
fi
log "passed"
