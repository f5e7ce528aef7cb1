#!/usr/bin/env bash
# The history's chart statement on busy channels: a throwaway PostgreSQL with the project's
# schema (the Flyway migrations), written as the gateway writes it (each request inserted
# pending, then closed by a statement that also writes its channel_outcomes row), with an
# event for each request:
# - channel busy: a million requests in one day (one every 86.4 ms: 90% success, 7% failed,
#   2% error, 1% timeout), and a million more in 19 other channels over 30 days, then a
#   VACUUM of everything: a day that every vacuum has visited;
# - channel today: a million requests the next day, written in chunks of 1% with a VACUUM of
#   channel_outcomes after each, as autovacuum does after every 10,000 new rows there (V8),
#   and none of channel_requests, as autovacuum does not visit a table of more than 5
#   million rows within a day of a million updates (by default, after a fifth of it
#   changed): the day as it is while it is today.
# Then the statement the history sends for a day in 5-minute buckets (288), run as the history
# runs it (its session settings, a prepared statement, custom plans):
# 1. busy after a restart of the server (nothing of the tables in PostgreSQL's buffers, the
#    operating system's cache as it is), six runs on one new connection;
# 2. busy, the first run on a second new connection, and its plan;
# 3. today, three runs on a new connection, and its plan;
# 4. for comparison, the statement before V8, which read channel_requests' index (V7), on
#    both days, three runs each.
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
    # Requests written as the gateway writes them: $1 the channel (a SQL expression of n, the
    # request's number), $2 the first start, $3 the time between two starts, $4 the state (a
    # SQL expression of k, from 0 to 99), $5 and $6 the first and last request's numbers.
    write() {
        cat <<SQL
INSERT INTO channel_requests (id, channel_id, client_identity, started_at)
SELECT gen_random_uuid(), $1, '10.0.0.7', timestamptz '$2' + n * interval '$3'
FROM generate_series($5, $6) AS n;
ANALYZE channel_requests;
WITH input AS (
    SELECT r.id, r.started_at, s.state,
           CASE WHEN s.state = 'error' AND random() < 0.5 THEN NULL
                ELSE (5 + (random() * random() * 400))::int END AS latency_ms
    FROM channel_requests r
    CROSS JOIN LATERAL (SELECT abs(hashtext(r.id::text)) % 100 AS k) h
    CROSS JOIN LATERAL (SELECT $4 AS state) s
    WHERE r.state = 'pending'),
closed AS (
    UPDATE channel_requests r SET state = i.state, completed_at = i.started_at + interval '20 ms',
        latency_ms = i.latency_ms
    FROM input i WHERE r.id = i.id AND r.state = 'pending'
    RETURNING r.id, r.channel_id, r.started_at, r.state, r.latency_ms),
outcomes AS (
    INSERT INTO channel_outcomes (channel_id, started_at, state, latency_ms, request_id)
    SELECT channel_id, started_at, state, latency_ms, id FROM closed)
INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, sink_url, request_headers,
    request_body_preview, request_body_hash, request_body_size, response_status, response_headers,
    response_body_preview, response_body_hash, response_body_size, latency_ms, ttfb_ms)
SELECT gen_random_uuid(), c.id, 'sink_response', 'POST', '/orders', 'http://sink:9000/orders',
       '[["Content-Type","application/json"],["Content-Length","512"]]',
       decode(repeat('61', 512), 'hex'), repeat('a', 64), 512, 200, '[["Content-Type","application/json"]]',
       decode(repeat('62', 256), 'hex'), repeat('b', 64), 256, coalesce(c.latency_ms, 1), 1
FROM closed c;
SQL
    }
    STATES="CASE WHEN k < 90 THEN 'success' WHEN k < 97 THEN 'failed' WHEN k < 99 THEN 'error' ELSE 'timeout' END"
    echo "writing busy and the others, then today ($ROWS requests each) ..." >&2
    DAY="$((86400000000 / ROWS)) microseconds"
    {
        write "'busy'" "2026-11-25 00:00:00+00" "$DAY" "$STATES" 0 $((ROWS - 1))
        write "'quiet-' || (n % 19)" "2026-11-01 00:00:00+00" "$((30 * 86400000000 / ROWS)) microseconds" \
            "CASE WHEN k < 90 THEN 'success' ELSE 'failed' END" 0 $((ROWS - 1))
        echo "VACUUM ANALYZE;"
        echo "ALTER TABLE channel_requests SET (autovacuum_enabled = off);"
        echo "ALTER TABLE channel_outcomes SET (autovacuum_enabled = off);"
        for chunk in $(seq 0 99); do
            write "'today'" "2026-11-26 00:00:00+00" "$DAY" "$STATES" $((chunk * ROWS / 100)) $(((chunk + 1) * ROWS / 100 - 1))
            echo "VACUUM channel_outcomes;"
        done
        echo "ANALYZE; CHECKPOINT;"
    } | "${PSQL[@]}"
fi
"${PSQL[@]}" -t -A -c "SELECT 'database ' || pg_size_pretty(pg_database_size('postgres'))
    || ', index of the outcomes by channel ' || pg_size_pretty(pg_relation_size('channel_outcomes_channel_started_idx'))
    || ', of the requests by channel ' || pg_size_pretty(pg_relation_size('channel_requests_channel_started_idx'))" >&2

# The history's statement, as HistoryQueries sends it (read from the source, so that this
# measures what the gateway runs), and the history pool's session settings.
STATEMENT=$(python3 - "$ROOT/src/main/java/dev/channels/gateway/history/HistoryQueries.java" <<'PY'
import re, sys
source = open(sys.argv[1]).read()
constant = lambda name: re.search(r'String %s = """\n(.*?)"""' % name, source, re.S).group(1)
print(constant("BUCKETS").replace("%s", constant("PENDING"), 1).replace("%s", constant("COUNTS_AND_LATENCIES"), 1))
PY
)
SETTINGS=$(grep -o '"SET [^"]*"\|"; SET [^"]*"' "$ROOT/src/main/java/dev/channels/gateway/history/HistoryDatabase.java" \
    | tr -d '"' | sed 's/^; //' | sed 's/statement_timeout = .*/statement_timeout = 5000/' | paste -sd';')
# The statement before V8: the same aggregates over channel_requests' index (V7).
BEFORE_V8="SELECT b.start, s.*
FROM generate_series(\$2, \$3 - make_interval(secs => 0.000001), make_interval(secs => \$4)) AS b (start)
CROSS JOIN LATERAL (
    SELECT count(*) AS total,
        count(*) FILTER (WHERE r.state = 'pending') AS pending,
        count(*) FILTER (WHERE r.state = 'failed') AS failed,
        count(*) FILTER (WHERE r.state = 'timeout') AS timeout,
        count(*) FILTER (WHERE r.state = 'error') AS error,
        count(r.latency_ms) AS latencies,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY r.latency_ms) AS p50,
        percentile_disc(0.95) WITHIN GROUP (ORDER BY r.latency_ms) AS p95
    FROM channel_requests r
    WHERE r.channel_id = \$1 AND r.started_at >= b.start
        AND r.started_at < least(b.start + make_interval(secs => \$4), \$3)) s
ORDER BY b.start"
session() { # $1 statement, $2 channel, $3 its day, $4 runs on one new connection: each run's time, then the plan
    "${PSQL[@]}" -t -A <<SQL | grep -E '^(Time|Sort  |[ ->]*(Nested|Aggregate|Index|Function)|.*Heap Fetches|.*Buffers|Execution)' || true
$SETTINGS;
PREPARE buckets (text, timestamptz, timestamptz, double precision) AS $1;
\timing on
$(for _ in $(seq "$4"); do echo "EXECUTE buckets ('$2', '$3 00:00:00+00', timestamptz '$3 00:00:00+00' + interval '1 day', 300) \\g /dev/null"; done)
\timing off
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE buckets ('$2', '$3 00:00:00+00', timestamptz '$3 00:00:00+00' + interval '1 day', 300);
SQL
}
as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -m fast -w stop >/dev/null
start
echo "1. busy, after a restart, a new connection: six runs" >&2
session "$STATEMENT" busy 2026-11-25 6 | grep '^Time'
echo "2. busy, a second new connection: the first run, then the plan" >&2
session "$STATEMENT" busy 2026-11-25 1
echo "3. today, a new connection: three runs, then the plan" >&2
session "$STATEMENT" today 2026-11-26 3
echo "4. the statement before V8 (channel_requests' index): busy, then today, three runs each" >&2
session "$BEFORE_V8" busy 2026-11-25 3 | grep -E '^Time|Heap Fetches'
session "$BEFORE_V8" today 2026-11-26 3 | grep -E '^Time|Heap Fetches'
