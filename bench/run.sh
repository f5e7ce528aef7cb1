#!/usr/bin/env bash
# Benchmark of the Channels gateway on one machine: nginx as the sink, a throwaway
# PostgreSQL, the gateway with the observer on and off, wrk and curl as clients.
#
# Usage: bench/run.sh [--cost] [--quick] [--profile] [--no-docs]
#   --cost      instead of the benchmark: the price of the record (bench/cost.py): the gateway's
#               own CPU and PostgreSQL's CPU per request, against plain and against the floor
#               (bench/floor/InsertFirstGateway.java), warmed by request count
#   --quick     a 1-2 minute smoke run (shorter rounds, 256 MiB large bodies)
#   --profile   instead of the benchmark: a 60 s JFR profile of the observed gateway under
#               the small-request load, summarised (hot methods, observer vs gateway, database CPU)
#   --no-docs   do not write docs/benchmarks.md
#
# Environment: JAR (default target/channels-gateway-*.jar, built when missing),
#   PG_BIN [/usr/lib/postgresql/15/bin], RUN_DIR [a new /tmp/channels-bench.XXXXXX],
#   BENCH_OBSERVED_JVM (extra JVM arguments for the observed gateway, e.g.
#   "-Dchannels.persistence.concurrency=2", to compare settings against plain),
#   BEFORE_JAR, BEFORE_LABEL (with --cost: an earlier build of Channels that runs too, recording,
#   for before-and-after numbers in one run, and how to name it),
#   BENCH_ASYNC_PROFILER (with --profile: the path of async-profiler's libasyncProfiler.so, for
#   a CPU profile with native and kernel frames instead of JFR).
# Needs: python3, java 17+, nginx (nginx-light + libnginx-mod-http-echo), wrk, curl, psql and
# the PostgreSQL server binaries (with pg_stat_statements).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light libnginx-mod-http-echo)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "[bench] installing ${missing[*]}" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
    else
        echo "[bench] missing: ${missing[*]}; install them (e.g. sudo apt-get install -y ${missing[*]}) and run again" >&2
        exit 2
    fi
fi
for tool in python3 java curl psql; do
    command -v "$tool" >/dev/null 2>&1 || { echo "[bench] missing: $tool" >&2; exit 2; }
done

if [[ -z "${JAR:-}" ]]; then
    JAR=$(ls "$ROOT"/target/channels-gateway-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -n1 || true)
    if [[ -z "$JAR" ]]; then
        echo "[bench] building the jar (./mvnw -B -q package -DskipTests)" >&2
        (cd "$ROOT" && ./mvnw -B -q package -DskipTests) >&2
        JAR=$(ls "$ROOT"/target/channels-gateway-*.jar | grep -v -- '-plain\.jar$' | head -n1)
    fi
fi
export JAR
if [[ "${1:-}" == "--cost" ]]; then
    shift
    exec python3 "$ROOT/bench/cost.py" --root "$ROOT" "$@"
fi
exec python3 "$ROOT/bench/bench.py" --root "$ROOT" "$@"
