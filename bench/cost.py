#!/usr/bin/env python3
"""The price of the record: what recording costs the gateway's own CPU and PostgreSQL's CPU
per request (run it with bench/run.sh --cost).

Three gateways on the same nginx sink and the same throwaway PostgreSQL (fsync and
synchronous_commit on), each measured on its own CPU from /proc:

  plain     the Channels jar with channels.recording.enabled=false (Spring Cloud Gateway);
  floor     bench/floor/InsertFirstGateway.java, run from source on the jar's own libraries:
            Spring Cloud Gateway plus one global filter that inserts one row through Spring
            Boot's R2DBC pool before forwarding. None of Channels' code: the least that "a row
            before forwarding" costs in this stack;
  observed  the Channels jar, recording.

1. Warm-up by request count, not by time: each gateway serves the same number of closed-loop
   requests (5 s slices, alternating), so the slower one is not measured less compiled.
2. Closed loop (64 connections, 1 KiB POSTs): throughput, PostgreSQL CPU per request and
   statements per request.
3. Paced: the same offered load on all three (half the observed gateway's closed-loop
   throughput): the gateway's CPU per request, the JIT compiler threads' share of it (a round
   whose JIT share is 5 % or more does not count), p50/p99, PostgreSQL CPU per request.

Rounds rotate the order of the gateways. Results: a markdown table printed and written into
docs/benchmarks.md between the cost markers.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402

START_MARK = "<!-- bench:cost:start -->"
END_MARK = "<!-- bench:cost:end -->"
MODES = {
    "full": dict(warm=150_000, closed_rounds=3, closed_secs=10, paced_rounds=3, paced_secs=20),
    "quick": dict(warm=20_000, closed_rounds=1, closed_secs=5, paced_rounds=1, paced_secs=8),
}
JIT_LIMIT = 0.05
# Compiler threads that come and go would take their CPU with them when they exit.
JVM = ["-XX:-UseDynamicNumberOfCompilerThreads"]
TCK = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid):
    """CPU seconds of a process's threads, by kind: jit (C1/C2 compiler threads), gc, other."""
    kinds = {"jit": 0.0, "gc": 0.0, "other": 0.0}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / TCK
        kind = "jit" if comm.startswith(("C1 Compiler", "C2 Compiler")) else \
            "gc" if comm.startswith(("GC Thread", "G1 ")) else "other"
        kinds[kind] += seconds
    return kinds


class FloorGateway(B.Gateway):
    """bench/floor/InsertFirstGateway.java with the settings application.yml gives the jar."""

    def __init__(self, lib, source, *args, **kw):
        super().__init__(*args, **kw)
        self.lib, self.source = lib, source

    @property
    def command(self):
        return ["java", *self.jvm, "-cp", os.path.join(self.lib, "*"), self.source, *self.args,
                "--spring.flyway.enabled=false",
                "--spring.cloud.gateway.server.webflux.httpclient.connect-timeout=5000",
                "--spring.cloud.gateway.server.webflux.httpclient.response-timeout=60s",
                "--spring.r2dbc.pool.max-acquire-time=2s", "--spring.r2dbc.pool.max-create-connection-time=2s",
                "--management.endpoints.web.exposure.include=health,info,prometheus",
                "--management.endpoint.health.probes.enabled=true",
                # The jar's libraries hold Spring Security (for Channels' access control); the
                # floor, like Channels' gateway port, runs without Boot's web security.
                "--spring.autoconfigure.exclude="
                "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration,"
                "org.springframework.boot.security.autoconfigure.actuate.web.reactive."
                "ReactiveManagementWebSecurityAutoConfiguration,"
                "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration"]


class Cost:
    def __init__(self, args):
        self.mode = "quick" if args.quick else "full"
        self.cfg = MODES[self.mode]
        self.args = args
        args.observed_jvm = JVM + args.observed_jvm
        self.b = B.Bench(args)
        self.results = {"mode": self.mode, "cfg": self.cfg, "api_key": True}

    def setup(self):
        b = self.b
        b.setup(with_plain=False)
        b.plain = B.Gateway("plain", b.jar, b.run_dir, b.pg, b.nginx.port, b.procs, observed=False, extra_jvm=JVM)
        b.plain.start()
        b.plain.wait_ready()
        b.pg.psql("CREATE TABLE floor_requests (id uuid PRIMARY KEY, channel_id text NOT NULL, "
                  "started_at timestamptz NOT NULL)")
        b.pg.psql("GRANT ALL ON floor_requests TO channels")
        lib = os.path.join(b.run_dir, "lib")
        os.makedirs(lib, exist_ok=True)
        with zipfile.ZipFile(b.jar) as jar:
            for name in jar.namelist():
                if name.startswith("BOOT-INF/lib/") and name.endswith(".jar"):
                    with open(os.path.join(lib, os.path.basename(name)), "wb") as f:
                        f.write(jar.read(name))
        source = os.path.join(b.root, "bench", "floor", "InsertFirstGateway.java")
        self.floor = FloorGateway(lib, source, "floor", b.jar, b.run_dir, b.pg, b.nginx.port, b.procs,
                                  observed=False, extra_jvm=JVM)
        self.floor.start()
        self.floor.wait_ready()
        # Plain without client-auth: what checking the API key costs, in the same run.
        self.open = B.Gateway("open", b.jar, b.run_dir, b.pg, b.nginx.port, b.procs, observed=False,
                              extra_jvm=JVM, api_key=False)
        self.open.start()
        self.open.wait_ready()
        self.gateways = [b.plain, self.floor, b.observed, self.open]
        # BEFORE_JAR: an earlier build of Channels, recording too, in the same run: before and
        # after a change, on the same database, sink and load (it runs against the schema the
        # current jar migrated; Flyway ignores migrations newer than its own).
        if os.environ.get("BEFORE_JAR"):
            self.before = B.Gateway("before", os.environ["BEFORE_JAR"], b.run_dir, b.pg, b.nginx.port, b.procs,
                                    extra_jvm=JVM)
            self.before.start()
            self.before.wait_ready()
            self.gateways.append(self.before)
            self.results["before"] = os.environ.get("BEFORE_LABEL", os.path.basename(os.environ["BEFORE_JAR"]))
        b.gateways = list(self.gateways)

    def warm(self):
        counts = {gw.name: 0 for gw in self.gateways}
        while min(counts.values()) < self.cfg["warm"]:
            for gw in self.gateways:
                if counts[gw.name] < self.cfg["warm"]:
                    counts[gw.name] += self.b.wrk(gw.url("/small"), 5, label=f"warm-up {gw.name}")["requests"]
        B.log(f"warm-up by count done: {counts}")
        self.b.drain(self.b.observed)
        self.results["warmup"] = counts

    def measure(self, gw, secs, delay_ms, label):
        b = self.b
        pm = b.pg.postmaster_pid()
        pg = [pm] + B.children(pm)
        pid = gw.proc.pid
        s0, t0, pg0, c0 = b.pg.snapshot(), thread_cpu(pid), B.cpu_seconds(pg), B.cpu_seconds([pid])
        r = b.wrk(gw.url("/small"), secs, delay_ms=delay_ms, label=label)
        s1, t1, pg1, c1 = b.pg.snapshot(), thread_cpu(pid), B.cpu_seconds(pg), B.cpu_seconds([pid])
        n = max(1, r["ok"])
        calls = sum(v[0] for v in s1["stmts"].values()) - sum(v[0] for v in s0["stmts"].values())
        cpu = c1 - c0
        row = dict(gw=gw.name, rps=r["ok_rps"], p50=r["p50"], p99=r["p99"], non2xx=r["non2xx"],
                   cpu_us=cpu * 1e6 / n, jit_us=(t1["jit"] - t0["jit"]) * 1e6 / n,
                   gc_us=(t1["gc"] - t0["gc"]) * 1e6 / n, pg_us=(pg1 - pg0) * 1e6 / n,
                   statements=calls / n)
        row["jit_share"] = row["jit_us"] / row["cpu_us"] if row["cpu_us"] else 0.0
        B.log(f"{label}: {gw.name:8s} {row['rps']:7.0f}/s  cpu {row['cpu_us']:6.0f} us/req "
              f"(jit {100 * row['jit_share']:4.1f} %)  pg {row['pg_us']:5.0f} us/req  "
              f"stmts {row['statements']:.2f}/req  p99 {row['p99']:.2f} ms")
        b.drain(b.observed)
        return row

    def rounds(self, name, count, secs, delay_ms):
        out = []
        for i in range(count):
            k = i % len(self.gateways)
            order = self.gateways[k:] + self.gateways[:k]
            out.append({gw.name: self.measure(gw, secs, delay_ms, f"{name} round {i + 1}") for gw in order})
        return out

    def run(self):
        self.setup()
        self.warm()
        closed = self.rounds("closed", self.cfg["closed_rounds"], self.cfg["closed_secs"], 0)
        observed_rps = statistics.median(r["observed"]["rps"] for r in closed)
        delay = max(1, round(B.CONNECTIONS * 1000 / (0.5 * observed_rps)))
        paced = self.rounds("paced", self.cfg["paced_rounds"], self.cfg["paced_secs"], delay)
        self.results.update(closed=closed, paced=paced, delay_ms=delay, machine=self.b.machine(),
                            date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                            pg={k: self.b.pg.setting(k) for k in ("fsync", "synchronous_commit")})
        with open(os.path.join(self.b.run_dir, "cost.json"), "w") as f:
            json.dump(self.results, f, indent=1)

    def stop(self):
        self.b.procs.stop_all()
        self.b.pg.stop()


def median(rounds, gw, key, counted=None):
    values = [r[gw][key] for r in rounds if counted is None or counted(r)]
    return statistics.median(values) if values else float("nan")


def report(res, command):
    closed, paced = res["closed"], res["paced"]

    def jit_ok(r):
        return all(r[g]["jit_share"] < JIT_LIMIT for g in ("plain", "observed"))

    counted = [r for r in paced if jit_ok(r)]
    rounds = counted or paced
    names = [g for g in ("plain", "floor", "observed", "open", "before") if g in closed[0]]
    cpu = {g: median(rounds, g, "cpu_us") for g in names}
    p99 = {g: median(rounds, g, "p99") for g in names}
    rps = {g: median(closed, g, "rps") for g in names}
    pg_closed = median(closed, "observed", "pg_us")
    ratio = cpu["observed"] / cpu["plain"]
    floor_ratio = cpu["floor"] / cpu["plain"]
    m = res["machine"]
    machine = (f"{m['nproc']} CPUs ({m['cpu']}), {m['memory']}, {m['kernel']}, {m['os']}; {m['java']}; "
               f"{m['postgres']}; {m['nginx']}; {m['wrk']}")
    pg_paced = {g: median(rounds, g, "pg_us") for g in ("floor", "observed")}
    lines = [
        f"Command: `{command}` ({res['mode']}), {res.get('date', '')}. Machine: {machine}; everything on it "
        f"shares its CPUs. PostgreSQL fsync={res['pg']['fsync']}, "
        f"synchronous_commit={res['pg']['synchronous_commit']}. "
        + ("The channel requires an API key (`client-auth`), which every request sends (plain and observed "
           "check it; the floor has no client check). " if res.get("api_key") else "")
        + "Warm-up by count: "
        + ", ".join(f"{g} {n}" for g, n in res["warmup"].items()) + " requests. "
        f"Paced: {len(paced)} rounds at one offered load ({B.CONNECTIONS} connections, mean pause "
        f"{res['delay_ms']} ms), of which {len(counted)} had the JIT below {int(JIT_LIMIT * 100)} % of both "
        f"gateways' CPU{'' if counted else ' (none did: the medians below are of all rounds and do not count)'}.",
        "",
        "| target | plain | floor | observed | result |",
        "| --- | --- | --- | --- | --- |",
        f"| 1. gateway CPU per request at the paced load (≤ 1.25 × off) | {cpu['plain']:.0f} µs | "
        f"{cpu['floor']:.0f} µs ({floor_ratio:.2f} ×) | {cpu['observed']:.0f} µs | {ratio:.2f} × "
        f"{'PASS' if ratio <= 1.25 and counted else 'MISS'} |",
        f"| 2. PostgreSQL CPU per recorded request, closed loop (≤ 250 µs) | | "
        f"{median(closed, 'floor', 'pg_us'):.0f} µs | {pg_closed:.0f} µs | "
        f"{'PASS' if pg_closed <= 250 else 'MISS'} |",
        f"| statements per request, closed loop / paced | | | {median(closed, 'observed', 'statements'):.2f} / "
        f"{median(rounds, 'observed', 'statements'):.2f} | |",
        f"| 3. p99 at the paced load (added ≤ 2 ms) | {p99['plain']:.2f} ms | {p99['floor']:.2f} ms | "
        f"{p99['observed']:.2f} ms | +{p99['observed'] - p99['plain']:.2f} ms "
        f"{'PASS' if p99['observed'] - p99['plain'] <= 2 else 'MISS'} |",
        f"| 4. closed-loop throughput (≥ 0.5 × off) | {rps['plain']:.0f}/s | {rps['floor']:.0f}/s | "
        f"{rps['observed']:.0f}/s | {rps['observed'] / rps['plain']:.2f} × "
        f"{'PASS' if rps['observed'] / rps['plain'] >= 0.5 else 'MISS'} |",
        "",
        f"Between the floor and Channels at the paced load: {cpu['observed'] - cpu['floor']:.0f} µs of the "
        f"gateway's CPU per request ({cpu['observed'] / cpu['floor']:.2f} × the floor), and "
        f"{pg_paced['observed'] - pg_paced['floor']:.0f} µs of PostgreSQL's ({pg_paced['floor']:.0f} µs for the "
        f"floor's one insert, {pg_paced['observed']:.0f} µs for Channels' insert and outcome).",
        "",
        *([f"What the API key costs (`client-auth`, checked on every request): plain without it "
           f"{cpu['open']:.0f} µs, plain with it {cpu['plain']:.0f} µs of the gateway's CPU per request at the "
           f"paced load ({cpu['plain'] - cpu['open']:+.0f} µs); closed loop {rps['open']:.0f}/s without it, "
           f"{rps['plain']:.0f}/s with it.", ""] if "open" in cpu else []),
        *([f"Before and after, in this run: the jar of {res['before']} (before) and this one (after), both "
           f"recording. Gateway CPU per request at the paced load {cpu['before']:.0f} µs before, "
           f"{cpu['observed']:.0f} µs after ({cpu['before'] / cpu['plain']:.2f} × and "
           f"{cpu['observed'] / cpu['plain']:.2f} × plain); PostgreSQL per request at the paced load "
           f"{median(rounds, 'before', 'pg_us'):.0f} µs before, {median(rounds, 'observed', 'pg_us'):.0f} µs after; "
           f"closed loop {rps['before']:.0f}/s before, {rps['observed']:.0f}/s after; p99 at the paced load "
           f"{p99['before']:.2f} ms before, {p99['observed']:.2f} ms after.", ""] if "before" in cpu else []),
        "Paced rounds (CPU µs per request, JIT share, p99):",
        "",
        "| round | plain | floor | observed |",
        "| --- | --- | --- | --- |",
    ]
    for i, r in enumerate(paced, 1):
        cells = [f"{r[g]['cpu_us']:.0f} µs, JIT {100 * r[g]['jit_share']:.1f} %, p99 {r[g]['p99']:.2f} ms"
                 for g in ("plain", "floor", "observed")]
        lines.append(f"| {i}{'' if jit_ok(r) else ' (JIT ≥ 5 %: not counted)'} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_docs(root, table):
    path = os.path.join(root, "docs", "benchmarks.md")
    with open(path) as f:
        text = f.read()
    block = f"{START_MARK}\n{table}{END_MARK}"
    if START_MARK in text:
        text = re.sub(re.escape(START_MARK) + ".*?" + re.escape(END_MARK), lambda m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--render", metavar="COST_JSON", help="only render an earlier run's cost.json again")
    args = ap.parse_args()
    if args.render:
        with open(args.render) as f:
            res = json.load(f)
        table = report(res, "bench/run.sh --cost" + (" --quick" if res["mode"] == "quick" else ""))
        print(table)
        if not args.no_docs:
            write_docs(args.root, table)
        return 0
    args.jar = os.environ["JAR"]
    args.observed_jvm = []
    args.profile = False
    cost = Cost(args)
    try:
        cost.run()
    finally:
        cost.stop()
    command = "bench/run.sh --cost" + (" --quick" if args.quick else "")
    table = report(cost.results, command)
    print(table)
    if not args.no_docs:
        write_docs(args.root, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
