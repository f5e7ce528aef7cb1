#!/usr/bin/env bash
# The database's own cost of recording one request, at its best: a throwaway PostgreSQL with
# the project's schema (the Flyway migrations), driven by pgbench with the two statements the
# gateway sends, the pending rows of a group inserted in one statement and their outcomes
# (rows closed, events inserted) in another, each its own commit, with the benchmark's
# payload (1 KiB previews, a dozen headers). No gateway, no network between them beyond
# loopback, no client-side encoding: what is left is the database's floor, in CPU time per
# recorded request, for a group size of 1 (one request at a time) and of 32 (the batch size).
#
# Usage: bench/db-floor.sh [seconds per group size, default 20]
# Needs the PostgreSQL server binaries and pgbench (PG_BIN, default /usr/lib/postgresql/15/bin).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SECONDS_PER_SIZE=${1:-20}
RUN=$(mktemp -d /tmp/channels-db-floor.XXXXXX)
chmod 755 "$RUN"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ $(id -u) -eq 0 ]]; then chown postgres "$RUN"; fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/initdb" -D "$RUN/data" -U postgres >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -o "-p $PORT -k $RUN -c listen_addresses=127.0.0.1" -l "$RUN/postgres.log" -w start >/dev/null
trap 'as_pg "$PG_BIN/pg_ctl" -D "$RUN/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$RUN/data"' EXIT
PSQL=("$PG_BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1)
for migration in $(ls "$ROOT"/src/main/resources/db/migration/V*.sql | sort -V); do
    "${PSQL[@]}" -f "$migration" >/dev/null
done
"${PSQL[@]}" -c "INSERT INTO channel_snapshots (id, channel_id, config_hash, definition)
                 VALUES ('00000000-0000-0000-0000-000000000001', 'bench', repeat('0', 64), '{}')"

HEADERS='[["Host","127.0.0.1:8080"],["User-Agent","wrk"],["Content-Type","application/octet-stream"],["Content-Length","1024"],["Accept","*/*"],["Authorization","[REDACTED]"],["X-Request-Id","a4f1c2"],["Traceparent","00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],["Connection","keep-alive"],["X-Channel-Request-Id","01a2b3c4-d5e6-7f80-9a0b-1c2d3e4f5a6b"],["Accept-Encoding","gzip"],["Cache-Control","no-cache"]]'
for size in 1 32; do
    cat > "$RUN/record-$size.sql" <<SQL
\set group random(1, 2000000000)
INSERT INTO channel_requests (id, channel_id, client_identity, started_at, owner, channel_snapshot_id)
SELECT gen_random_uuid(), 'bench', '127.0.0.1', now(), 'floor-' || :client_id || '-' || :group,
       '00000000-0000-0000-0000-000000000001'
FROM generate_series(1, $size);
WITH closed AS (
    UPDATE channel_requests SET state = 'success', completed_at = now(), latency_ms = 2
    WHERE owner = 'floor-' || :client_id || '-' || :group AND state = 'pending'
    RETURNING id, channel_id, started_at, state, latency_ms),
outcomes AS (
    INSERT INTO channel_outcomes (channel_id, started_at, state, latency_ms, request_id)
    SELECT channel_id, started_at, state, latency_ms, id FROM closed)
INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, request_query, sink_url,
    request_headers, request_body_preview, request_body_hash, request_body_size, response_status,
    response_headers, response_body_preview, response_body_hash, response_body_size, latency_ms, ttfb_ms)
SELECT gen_random_uuid(), id, 'sink_response', 'POST', '/bench/small', NULL, 'http://127.0.0.1:9000/small',
    '$HEADERS'::jsonb, decode(repeat('61', 1024), 'hex'), repeat('a', 64), 1024, 200,
    '$HEADERS'::jsonb, decode(repeat('62', 1024), 'hex'), repeat('b', 64), 1024, 2, 1
FROM closed;
SQL
done

cpu() { # user + system ticks of the whole cluster: the postmaster with its exited children
    # (backends, counted in its cutime and cstime once reaped) and its live ones
    local pm; pm=$(head -1 "$RUN/data/postmaster.pid")
    local total; total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
    for pid in $(pgrep -P "$pm"); do
        if [[ -r /proc/$pid/stat ]]; then
            total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
        fi
    done
    echo "$total"
}
TICKS=$(getconf CLK_TCK)
echo "| group size | recorded requests/s | PostgreSQL CPU per recorded request | PostgreSQL CPU, % of one core |"
echo "| --- | --- | --- | --- |"
for size in 1 32; do
    "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -n -f "$RUN/record-$size.sql" -c 4 -j 2 -T 3 postgres >/dev/null
    sleep 1; before=$(cpu); start=$(date +%s.%N)
    out=$("$PG_BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -n -f "$RUN/record-$size.sql" -c 4 -j 2 \
        -T "$SECONDS_PER_SIZE" postgres)
    end=$(date +%s.%N); sleep 1; after=$(cpu)
    groups=$(awk '/number of transactions actually processed/ {print $6}' <<<"$out")
    python3 - "$size" "$groups" "$before" "$after" "$start" "$end" "$TICKS" <<'PY'
import sys
size, groups, before, after, start, end, ticks = (float(x) for x in sys.argv[1:])
requests = groups * size
cpu = (after - before) / ticks
wall = end - start
print(f"| {int(size)} | {requests / wall:,.0f} | {cpu / requests * 1e6:.0f} µs | {cpu / wall * 100:.0f} % |")
PY
done
