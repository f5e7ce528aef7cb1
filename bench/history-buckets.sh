#!/usr/bin/env bash
# The history's chart statement on busy channels: a throwaway PostgreSQL with the project's
# schema (the Flyway migrations) and
# - channel busy: a million requests in one day (one every 86.4 ms: 90% success, 7% failed,
#   2% error, 1% timeout), vacuumed, so that the visibility map says every row is visible;
# - channel unvacuumed: a million requests the next day, each inserted pending and then
#   closed, as the gateway writes them, with autovacuum off for the table: the day autovacuum
#   has not reached yet;
# - a million more in 19 other channels over 30 days; an event for each request.
# Then the statement the history sends for a day in 5-minute buckets (288), run as the history
# runs it (its session settings, a prepared statement, custom plans):
# 1. busy after a restart of the server (nothing of the table in PostgreSQL's buffers, the
#    operating system's cache as it is), six runs on one new connection;
# 2. busy, the first run on a second new connection, and its plan;
# 3. unvacuumed, three runs on a new connection, and its plan's heap fetches.
#
# Usage: bench/history-buckets.sh [rows per channel and day, default 1000000]
# Needs the PostgreSQL server binaries (PG_BIN, default /usr/lib/postgresql/15/bin).
# KEEP=1 keeps the loaded server's data directory (and says where); DATA=that directory
# measures again on it without loading.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROWS=${1:-1000000}
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [[ -n ${DATA:-} ]]; then
    RUN=$(dirname "$DATA")
    as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -m fast -w stop >/dev/null 2>&1 || true
else
    RUN=$(mktemp -d /tmp/channels-buckets.XXXXXX)
    chmod 755 "$RUN"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$RUN"; fi
    as_pg "$PG_BIN/initdb" -D "$RUN/data" -U postgres >/dev/null 2>&1
    # A small production server's buffers; the default 128 MB hold less than the channels'
    # index.
    cat >> "$RUN/data/postgresql.conf" <<CONF
shared_buffers = 256MB
max_wal_size = 4GB
CONF
fi
start() {
    as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -o "-p $PORT -k $RUN -c listen_addresses=127.0.0.1" \
        -l "$RUN/postgres.log" -w start >/dev/null
}
start
if [[ -z ${KEEP:-} && -z ${DATA:-} ]]; then
    trap 'as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$RUN"' EXIT
else
    trap 'as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -m fast stop >/dev/null 2>&1 || true' EXIT
    echo "data kept in $RUN/data" >&2
fi
PSQL=("$PG_BIN/psql" -q -X -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1)

if [[ -z ${DATA:-} ]]; then
    for migration in $(ls "$ROOT"/src/main/resources/db/migration/V*.sql | sort -V); do
        "${PSQL[@]}" -f "$migration" >/dev/null
    done
    echo "loading: busy, the others and their events, then unvacuumed ($ROWS requests each) ..." >&2
    "${PSQL[@]}" <<SQL
INSERT INTO channel_requests (id, channel_id, state, client_identity, started_at, completed_at, latency_ms)
SELECT gen_random_uuid(), c.channel, c.state, '10.0.0.7', c.started_at, c.started_at + c.latency * interval '1 ms',
       CASE WHEN c.state = 'error' AND c.n % 2 = 0 THEN NULL ELSE c.latency END
FROM (
    SELECT n, 'busy' AS channel, timestamptz '2026-11-25 00:00:00+00' + n * (interval '1 day' / $ROWS) AS started_at,
           CASE WHEN n % 100 < 90 THEN 'success' WHEN n % 100 < 97 THEN 'failed'
                WHEN n % 100 < 99 THEN 'error' ELSE 'timeout' END AS state,
           (5 + (random() * random() * 400))::int AS latency
    FROM generate_series(0, $ROWS - 1) AS n
    UNION ALL
    SELECT n, 'quiet-' || (n % 19), timestamptz '2026-11-01 00:00:00+00' + n * (interval '30 days' / $ROWS),
           CASE WHEN n % 10 < 9 THEN 'success' ELSE 'failed' END, (5 + random() * 100)::int
    FROM generate_series(0, $ROWS - 1) AS n) c
ORDER BY c.started_at;
INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, sink_url, request_headers,
    request_body_preview, request_body_hash, request_body_size, response_status, response_headers,
    response_body_preview, response_body_hash, response_body_size, latency_ms, ttfb_ms)
SELECT gen_random_uuid(), r.id, 'sink_response', 'POST', '/orders', 'http://sink:9000/orders',
       '[["Content-Type","application/json"],["Content-Length","512"]]',
       decode(repeat('61', 512), 'hex'), repeat('a', 64), 512, 200, '[["Content-Type","application/json"]]',
       decode(repeat('62', 256), 'hex'), repeat('b', 64), 256, coalesce(r.latency_ms, 1), 1
FROM channel_requests r;
VACUUM ANALYZE;
ALTER TABLE channel_requests SET (autovacuum_enabled = off);
INSERT INTO channel_requests (id, channel_id, client_identity, started_at)
SELECT gen_random_uuid(), 'unvacuumed', '10.0.0.7', timestamptz '2026-11-26 00:00:00+00' + n * (interval '1 day' / $ROWS)
FROM generate_series(0, $ROWS - 1) AS n;
UPDATE channel_requests
SET state = CASE WHEN random() < 0.9 THEN 'success' ELSE 'failed' END,
    completed_at = started_at + interval '20 ms', latency_ms = (5 + random() * random() * 400)::int
WHERE channel_id = 'unvacuumed';
CHECKPOINT;
SQL
fi
"${PSQL[@]}" -t -A -c "SELECT 'database ' || pg_size_pretty(pg_database_size('postgres')) || ', channel index '
                         || pg_size_pretty(pg_relation_size('channel_requests_channel_started_idx'))" >&2

# The history's statement, as HistoryQueries sends it (read from the source, so that this
# measures what the gateway runs), and the history pool's session settings.
STATEMENT=$(python3 - "$ROOT/src/main/java/dev/channels/gateway/history/HistoryQueries.java" <<'PY'
import re, sys
source = open(sys.argv[1]).read()
constant = lambda name: re.search(r'String %s = """\n(.*?)"""' % name, source, re.S).group(1)
print(constant("BUCKETS").replace("%s", constant("COUNTS_AND_LATENCIES")))
PY
)
SETTINGS=$(grep -o '"SET [^"]*"\|"; SET [^"]*"' "$ROOT/src/main/java/dev/channels/gateway/history/HistoryDatabase.java" \
    | tr -d '"' | sed 's/^; //' | sed 's/statement_timeout = .*/statement_timeout = 5000/' | paste -sd';')
session() { # $1 channel, $2 its day, $3 runs on one new connection: each run's time, then the plan
    "${PSQL[@]}" -t -A <<SQL | grep -E '^(Time|Sort  |[ ->]*(Nested|Aggregate|Index|Function)|.*Heap Fetches|.*Buffers|Execution)' || true
$SETTINGS;
PREPARE buckets (text, timestamptz, timestamptz, double precision) AS $STATEMENT;
\timing on
$(for _ in $(seq "$3"); do echo "EXECUTE buckets ('$1', '$2 00:00:00+00', timestamptz '$2 00:00:00+00' + interval '1 day', 300) \\g /dev/null"; done)
\timing off
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE buckets ('$1', '$2 00:00:00+00', timestamptz '$2 00:00:00+00' + interval '1 day', 300);
SQL
}
as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -m fast -w stop >/dev/null
start
echo "1. busy, after a restart, a new connection: six runs" >&2
session busy 2026-11-25 6 | grep '^Time'
echo "2. busy, a second new connection: the first run, then the plan" >&2
session busy 2026-11-25 1
echo "3. unvacuumed, a new connection: three runs, then the plan" >&2
session unvacuumed 2026-11-26 3
