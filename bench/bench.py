#!/usr/bin/env python3
"""Benchmark of the Channels gateway on one machine (run it with bench/run.sh).

Starts, each on loopback: nginx as the sink, a throwaway PostgreSQL cluster (with
pg_stat_statements), the gateway with the observer on ("observed") and the same jar with
--channels.recording.enabled=false ("plain", the Spring Cloud Gateway baseline), and drives
them with wrk and curl, A/B interleaved:

  1. small requests: 1 KiB POST, 1 KiB response, keep-alive, 64 connections (wrk), direct to
     nginx, through plain and through observed; rounds rotate the order. Then a paced run at
     the same offered load on both gateways for the latency the observer adds.
  2. large bodies: upload and download of a 64 MiB and a 1 GiB random file (curl) through
     plain and observed, with -Xmx128m; peak heap and RSS; the recorded hashes and sizes are
     checked against the file's.
  3. database cost: pg_stat_statements calls per recorded request, rows written per second.

Then a leak check on a third, untimed, observed gateway with Netty's paranoid leak detection.
Prints a markdown table and writes it into docs/benchmarks.md between the result markers.
Every process it started is stopped on exit, Ctrl-C included.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict

MIB = 1024 * 1024
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"
CHANNEL = "bench"
# The bench channel requires an API key (client-auth), as a production channel would: every
# client below sends it. Only its SHA-256 is in the gateway's settings.
API_KEY = "bench-client-key"

MODES = {
    #          warm-up, small rounds x seconds, paced rounds x seconds, large size, large rounds
    "full": dict(warmup=15, warmup_max=120, small_rounds=3, small_secs=10, paced_rounds=2, paced_secs=8,
                 large=1024 * MIB, large_rounds=2, small_large=64 * MIB),
    "quick": dict(warmup=4, warmup_max=20, small_rounds=2, small_secs=4, paced_rounds=1, paced_secs=4,
                  large=256 * MIB, large_rounds=1, small_large=64 * MIB),
}
CONNECTIONS = 64
THREADS = 2
PACED_FRACTION = 0.5   # the paced run offers this fraction of the observed gateway's throughput
JAVA_HEAP = "-Xmx128m"
PROFILE_SECS = 60

T0 = time.monotonic()


def log(msg):
    print(f"[bench {time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


class Interrupted(BaseException):
    pass


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


# ---------------------------------------------------------------------------------------------
# Processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_root():
    return os.getuid() == 0


def as_pg(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if is_root() else cmd


def run(cmd, timeout=120, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(map(str, cmd))} failed ({p.returncode}): {p.stderr.strip()[:2000]}")
    return p


class Procs:
    """Every long-running process the benchmark starts, stopped in reverse order on exit."""

    def __init__(self):
        self.items = []  # (name, Popen, stop signal)

    def start(self, name, cmd, logfile, sig=signal.SIGTERM, env=None):
        f = open(logfile, "ab")
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, env=env)
        f.close()
        self.items.append((name, p, sig))
        return p

    def stop(self, p, timeout=20):
        for i, (name, q, sig) in enumerate(self.items):
            if q is p:
                self.items.pop(i)
                self._stop(name, q, sig, timeout)
                return

    @staticmethod
    def _stop(name, p, sig, timeout):
        if p.poll() is not None:
            return
        try:
            p.send_signal(sig)
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{name} (pid {p.pid}) did not stop within {timeout}s: SIGKILL")
            p.kill()
            p.wait(10)
        except ProcessLookupError:
            pass

    def stop_all(self):
        while self.items:
            name, p, sig = self.items.pop()
            try:
                self._stop(name, p, sig, 15)
            except Exception as e:  # keep stopping the others
                log(f"stopping {name}: {e}")


# ---------------------------------------------------------------------------------------------
# PostgreSQL


class Postgres:
    def __init__(self, run_dir, pg_bin):
        self.pg_bin = pg_bin
        self.data = os.path.join(run_dir, "pgdata")
        self.sock = os.path.join(run_dir, "pgsock")
        self.logfile = os.path.join(run_dir, "postgres.log")
        self.port = free_port()
        self.started = False

    def start(self):
        os.makedirs(self.sock, exist_ok=True)
        open(self.logfile, "a").close()
        if is_root():
            shutil.chown(self.sock, "postgres")
            shutil.chown(self.logfile, "postgres")
            os.makedirs(self.data, exist_ok=True)
            shutil.chown(self.data, "postgres")
        run(as_pg([f"{self.pg_bin}/initdb", "-D", self.data, "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"]))
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(f"""
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.sock}'
max_connections = 100
logging_collector = off
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
pg_stat_statements.track_utility = on
# durability settings are left at their defaults: fsync = on, synchronous_commit = on
""")
        run(as_pg([f"{self.pg_bin}/pg_ctl", "-D", self.data, "-l", self.logfile, "-w", "-t", "60", "start"]))
        self.started = True
        self.psql("CREATE ROLE channels LOGIN PASSWORD 'channels'", db="postgres")
        self.psql("CREATE DATABASE channels OWNER channels", db="postgres")
        self.psql("CREATE EXTENSION pg_stat_statements")

    def stop(self):
        if self.started and os.path.exists(os.path.join(self.data, "postmaster.pid")):
            run(as_pg([f"{self.pg_bin}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"]), check=False)
        self.started = False

    def psql(self, sql, db="channels"):
        p = run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", self.sock,
                 "-p", str(self.port), "-U", "postgres", "-d", db, "-c", sql], timeout=60)
        return [line.split("\t") for line in p.stdout.splitlines() if line]

    def setting(self, name):
        return self.psql(f"SHOW {name}")[0][0]

    def postmaster_pid(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            return int(f.readline())

    def states(self):
        return {s: int(n) for s, n in self.psql(
            f"SELECT state, count(*) FROM channel_requests WHERE channel_id = '{CHANNEL}' GROUP BY state")}

    def snapshot(self):
        """pg_stat_statements of the gateway's role, and row writes to the two tables."""
        stmts = {}
        for qid, calls, rows, ms, query in self.psql(
                "SELECT s.queryid, s.calls, s.rows, s.total_exec_time, regexp_replace(s.query, '\\s+', ' ', 'g') "
                "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid "
                "WHERE r.rolname = 'channels' AND s.dbid = (SELECT oid FROM pg_database WHERE datname = 'channels')"):
            stmts[qid] = (int(calls), int(rows), float(ms), query)
        events = int(self.psql("SELECT count(*) FROM channel_events")[0][0])
        return {"stmts": stmts, "events": events, "states": self.states(), "t": time.monotonic()}


# ---------------------------------------------------------------------------------------------
# nginx


NGINX_CONF = """\
# bench/bench.py: the sink. One worker process; no access log.
{modules}worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    default_type application/octet-stream;
    client_body_temp_path {body_tmp};
    proxy_temp_path {dir}/proxy_tmp;
    fastcgi_temp_path {dir}/fastcgi_tmp;
    uwsgi_temp_path {dir}/uwsgi_tmp;
    scgi_temp_path {dir}/scgi_tmp;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        # 1 KiB POST in, exactly 1024 bytes out; `return` reads and discards the body
        location = /small {{
            client_body_buffer_size 16k;
            return 200 "{small_body}";
        }}
        # reads the whole request body (into a temporary file on tmpfs) before it answers
        location = /upload {{
            client_max_body_size 0;
            client_body_buffer_size 1m;
            echo_read_request_body;
            echo "uploaded";
        }}
        location /files/ {{
            alias {files}/;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, run_dir, files_dir, procs):
        self.dir = os.path.join(run_dir, "nginx")
        self.files = files_dir
        self.procs = procs
        self.port = free_port()
        self.proc = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        body_tmp = os.path.join(self.files, "nginx-body")
        for d in (body_tmp, *(os.path.join(self.dir, x) for x in ("proxy_tmp", "fastcgi_tmp", "uwsgi_tmp", "scgi_tmp"))):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o1777)
        conf = os.path.join(self.dir, "nginx.conf")
        small = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] for i in range(1023)) + "\n"
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, port=self.port, files=self.files, body_tmp=body_tmp,
                                      small_body=small.replace("\n", "\\n"),
                                      user="user nobody nogroup;" if is_root() else "",
                                      modules=echo_module()))
        run(["nginx", "-t", "-c", conf, "-p", self.dir])
        self.proc = self.procs.start("nginx", ["nginx", "-c", conf, "-p", self.dir], os.path.join(self.dir, "stdout.log"),
                                     sig=signal.SIGQUIT)
        wait_http(f"http://127.0.0.1:{self.port}/small", what="nginx", data=b"x" * 1024, proc=self.proc)
        body = http(f"http://127.0.0.1:{self.port}/small", data=b"x" * 1024)[1]
        if len(body) != 1024:
            raise BenchError(f"nginx /small answered {len(body)} bytes, not 1024")

    def pids(self):
        pids = [self.proc.pid]
        pids += children(self.proc.pid)
        return pids


def echo_module():
    """load_module for the echo module (libnginx-mod-http-echo), unless nginx has it built in."""
    for path in ("/usr/lib/nginx/modules/ngx_http_echo_module.so", "/usr/share/nginx/modules/ngx_http_echo_module.so"):
        if os.path.exists(path):
            return f"load_module {path};\n"
    if "echo" in run(["nginx", "-V"], check=False).stderr:
        return ""
    raise BenchError("nginx has no echo module: install libnginx-mod-http-echo")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


# ---------------------------------------------------------------------------------------------
# HTTP helpers, metrics


def http(url, data=None, timeout=5):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",
                                 headers={"X-API-Key": API_KEY})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read(), r.headers


def wait_http(url, what, timeout=120, data=None, proc=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what} exited ({proc.returncode}) before it was ready")
        try:
            status, _, _ = http(url, data=data, timeout=2)
            if status == 200:
                return
        except Exception as e:
            last = e
        time.sleep(0.2)
    raise BenchError(f"{what} not ready within {timeout}s: {last}")


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def prometheus(mgmt_port, timeout=2):
    """{name: [(labels-string, value)]}"""
    _, body, _ = http(f"http://127.0.0.1:{mgmt_port}/actuator/prometheus", timeout=timeout)
    out = defaultdict(list)
    for line in body.decode().splitlines():
        if line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        if m:
            try:
                out[m.group(1)].append((m.group(2) or "", float(m.group(3))))
            except ValueError:
                pass
    return out


def heap_used(metrics):
    return sum(v for labels, v in metrics.get("jvm_memory_used_bytes", []) if 'area="heap"' in labels)


def metric(metrics, name, contains=""):
    vals = [v for labels, v in metrics.get(name, []) if contains in labels]
    return sum(vals) if vals else None


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def machine_busy_seconds():
    """CPU seconds all CPUs spent busy since boot (/proc/stat: everything but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def fsync_latency(directory, n=200):
    """Milliseconds of an 8 KiB write + fdatasync in `directory` (what a commit waits for): median, p99."""
    path = os.path.join(directory, "fsync-probe.bin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        block, lat = os.urandom(8192), []
        for i in range(n):
            t = time.perf_counter()
            os.pwrite(fd, block, (i % 16) * 8192)
            os.fdatasync(fd)
            lat.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    return statistics.median(lat), lat[int(0.99 * (n - 1))]


def cpu_seconds(pids):
    tck = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tck
        except (OSError, IndexError, ValueError):
            pass
    return total


class Sampler(threading.Thread):
    """Scrapes a gateway's prometheus endpoint (heap, backlog) and its RSS every `interval` s."""

    def __init__(self, gw, interval):
        super().__init__(daemon=True)
        self.gw, self.interval = gw, interval
        self.stop_event = threading.Event()
        self.heap, self.rss, self.backlog, self.live, self.old = [], [], [], [], []
        self.pool_pending, self.pool_acquired, self.pool_max = [], [], None

    def sample(self):
        try:
            m = prometheus(self.gw.mgmt_port)
            self.heap.append(heap_used(m))
            b = metric(m, "channels_recording_backlog")
            if b is not None:
                self.backlog.append(b)
            for name, vals in m.items():
                if name.startswith("r2dbc_pool_pending"):
                    self.pool_pending.append(sum(v for _, v in vals))
                elif name.startswith("r2dbc_pool_acquired"):
                    self.pool_acquired.append(sum(v for _, v in vals))
                elif name.startswith("r2dbc_pool_max_allocated"):
                    self.pool_max = sum(v for _, v in vals)
            old = metric(m, "jvm_memory_used_bytes", 'id="G1 Old Gen"')
            if old is not None:
                self.old.append(old)
            live = metric(m, "jvm_gc_live_data_size_bytes")
            if live is not None:
                self.live.append(live)
        except Exception:
            pass
        r = rss(self.gw.proc.pid)
        if r:
            self.rss.append(r)

    def run(self):
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def finish(self):
        self.stop_event.set()
        self.join(10)
        self.sample()
        return self


# ---------------------------------------------------------------------------------------------
# The gateways


class Gateway:
    def __init__(self, name, jar, run_dir, pg, sink_port, procs, observed=True, extra_jvm=(), extra_args=(),
                 api_key=True):
        self.name, self.jar, self.run_dir, self.pg, self.procs = name, jar, run_dir, pg, procs
        self.port, self.mgmt_port = free_port(), free_port()
        while self.mgmt_port == self.port:
            self.mgmt_port = free_port()
        self.observed = observed
        self.logfile = os.path.join(run_dir, f"gateway-{name}.log")
        self.jvm = [JAVA_HEAP, *extra_jvm]
        self.args = [
            f"--spring.r2dbc.url=r2dbc:postgresql://127.0.0.1:{pg.port}/channels",
            "--spring.r2dbc.username=channels",
            "--spring.r2dbc.password=channels",
            f"--server.port={self.port}",
            f"--management.server.port={self.mgmt_port}",
            f"--spring.cloud.gateway.server.webflux.routes[0].id={CHANNEL}",
            f"--spring.cloud.gateway.server.webflux.routes[0].uri=http://127.0.0.1:{sink_port}",
            f"--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/{CHANNEL}/**",
            "--spring.cloud.gateway.server.webflux.routes[0].filters[0]=StripPrefix=1",
            *([
                "--spring.cloud.gateway.server.webflux.routes[0].metadata.client-auth.api-keys[0].id=bench",
                "--spring.cloud.gateway.server.webflux.routes[0].metadata.client-auth.api-keys[0].sha256="
                + hashlib.sha256(API_KEY.encode()).hexdigest(),
            ] if api_key else []),
            *([] if observed else ["--channels.recording.enabled=false"]),
            *extra_args,
        ]
        self.proc = None

    @property
    def command(self):
        return ["java", *self.jvm, "-jar", self.jar, *self.args]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{CHANNEL}{path}"

    def start(self):
        self.proc = self.procs.start(f"gateway {self.name}", self.command, self.logfile)

    def wait_ready(self):
        wait_http(f"http://127.0.0.1:{self.mgmt_port}/actuator/health/readiness", f"gateway {self.name}",
                  timeout=180, proc=self.proc)
        status, _, headers = http(self.url("/small"), data=b"x" * 1024)
        has_id = headers.get("X-Channel-Request-Id") is not None
        if status != 200 or has_id != self.observed:
            raise BenchError(f"gateway {self.name}: status {status}, X-Channel-Request-Id present: {has_id}")
        log(f"gateway {self.name} ready on :{self.port} (management :{self.mgmt_port}, pid {self.proc.pid})")

    def stop(self):
        if self.proc is not None:
            self.procs.stop(self.proc, timeout=30)


# ---------------------------------------------------------------------------------------------
# wrk


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError(text)
    v, unit = float(m.group(1)), m.group(2)
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out):
    r = {"requests": None, "rps": None, "p50": None, "p99": None, "non2xx": 0, "socket_errors": 0, "duration": None}
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if m:
        r["requests"] = int(m.group(1))
        r["duration"] = to_ms(m.group(2) + m.group(3)) / 1000
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            r[f"p{pct}"] = to_ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    if r["requests"] is None or r["rps"] is None or r["p99"] is None:
        raise BenchError(f"could not parse wrk's output:\n{out}")
    # throughput of answered 2xx requests only: a 503 (backlog full) is not a proxied request
    r["ok"] = r["requests"] - r["non2xx"]
    r["ok_rps"] = r["ok"] / r["duration"] if r["duration"] else 0.0
    return r


class Bench:
    def __init__(self, args):
        self.args = args
        self.mode = "quick" if args.quick else "full"
        self.cfg = MODES[self.mode]
        self.root = args.root
        self.jar = os.environ.get("JAR") or args.jar
        self.pg_bin = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
        self.run_dir = os.environ.get("RUN_DIR") or tempfile.mkdtemp(prefix="channels-bench.", dir="/tmp")
        os.makedirs(self.run_dir, exist_ok=True)
        os.chmod(self.run_dir, 0o755)
        # the bodies and nginx's request-body files live on tmpfs: a disk would measure the disk
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else self.run_dir
        self.files_dir = tempfile.mkdtemp(prefix="channels-bench-files.", dir=shm)
        os.chmod(self.files_dir, 0o755)
        self.procs = Procs()
        self.pg = Postgres(self.run_dir, self.pg_bin)
        self.nginx = Nginx(self.run_dir, self.files_dir, self.procs)
        self.lua = os.path.join(self.root, "bench", "post-1k.lua")
        self.results = {}
        self.files = {}
        self.started_at = datetime.datetime.now(datetime.timezone.utc)

    # --- set-up ----------------------------------------------------------------------------

    def make_file(self, name, size):
        path = os.path.join(self.files_dir, name)
        h = hashlib.sha256()
        chunk = 4 * MIB
        with open(path, "wb") as f:
            left = size
            while left:
                b = os.urandom(min(chunk, left))
                h.update(b)
                f.write(b)
                left -= len(b)
        os.chmod(path, 0o644)
        self.files[size] = (name, path, h.hexdigest())
        log(f"{name}: {size // MIB} MiB of random bytes, sha256 {h.hexdigest()}")

    def setup(self, with_plain=True):
        log(f"run directory {self.run_dir} (logs); bodies in {self.files_dir}; jar {self.jar}")
        self.pg.start()
        log(f"PostgreSQL on 127.0.0.1:{self.pg.port} (fsync={self.pg.setting('fsync')}, "
            f"synchronous_commit={self.pg.setting('synchronous_commit')})")
        self.nginx.start()
        log(f"nginx on 127.0.0.1:{self.nginx.port} (worker_processes 1)")
        self.observed = Gateway("observed", self.jar, self.run_dir, self.pg, self.nginx.port, self.procs,
                                observed=True, extra_jvm=self.args.observed_jvm)
        # Flyway migrates the schema on the first start; the plain gateway starts after it
        self.observed.start()
        self.gateways = [self.observed]
        if with_plain:
            self.plain = Gateway("plain", self.jar, self.run_dir, self.pg, self.nginx.port, self.procs, observed=False)
            self.gateways.append(self.plain)
        if with_plain:
            for size in sorted({self.cfg["small_large"], self.cfg["large"]}):
                self.make_file(f"body-{size // MIB}m.bin", size)
        self.observed.wait_ready()
        if with_plain:
            self.plain.start()
            self.plain.wait_ready()

    # --- wrk -------------------------------------------------------------------------------

    def wrk(self, url, secs, delay_ms=0, connections=CONNECTIONS, threads=THREADS, label="wrk"):
        env = dict(os.environ, BENCH_DELAY_MS=str(delay_ms))
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{secs}s", "--timeout", "10s", "--latency",
               "-s", self.lua, url]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 60, env=env, start_new_session=True)
        with open(os.path.join(self.run_dir, "wrk.log"), "a") as f:
            f.write(f"### {label}: {' '.join(cmd)} (BENCH_DELAY_MS={delay_ms})\n{p.stdout}{p.stderr}\n")
        if p.returncode != 0:
            raise BenchError(f"wrk failed ({p.returncode}): {p.stderr}")
        return parse_wrk(p.stdout)

    def component_pids(self):
        pids = {"nginx": self.nginx.pids()}
        pm = self.pg.postmaster_pid()
        pids["postgres"] = [pm] + children(pm)
        for gw in self.gateways:
            pids[f"gateway {gw.name}"] = [gw.proc.pid]
        return pids

    def drain(self, gw, timeout=30):
        """Waits until the observed gateway's backlog is empty and no row is pending."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = prometheus(gw.mgmt_port)
            if (metric(m, "channels_recording_backlog") or 0) == 0 and self.pg.states().get("pending", 0) == 0:
                return True
            time.sleep(0.2)
        return False

    def small_round(self, target, secs, label, delay_ms=0):
        url = f"http://127.0.0.1:{self.nginx.port}/small" if target == "direct" else {
            "plain": self.plain, "observed": self.observed}[target].url("/small")
        gw = {"plain": getattr(self, "plain", None), "observed": self.observed}.get(target)
        pids = self.component_pids()
        before_db = self.pg.snapshot() if target == "observed" else None
        cpu0 = {k: cpu_seconds(v) for k, v in pids.items()}
        busy0, kids0 = machine_busy_seconds(), children_cpu_seconds()
        sampler = Sampler(gw, 1.0) if gw else None
        if sampler:
            sampler.start()
        t0 = time.monotonic()
        res = self.wrk(url, secs, delay_ms=delay_ms, label=label)
        wall = time.monotonic() - t0
        cpu1 = {k: cpu_seconds(v) for k, v in pids.items()}
        busy1, kids1 = machine_busy_seconds(), children_cpu_seconds()
        if sampler:
            sampler.finish()
            res["heap_max"] = max(sampler.heap, default=None)
        res["cpu"] = {k: (cpu1[k] - cpu0[k]) / wall for k in cpu0}
        res["cpu"]["wrk"] = (kids1 - kids0) / wall
        res["cpu"]["machine"] = (busy1 - busy0) / wall
        # CPU used by processes that are not part of the benchmark (another workload on the machine)
        res["cpu"]["foreign"] = max(0.0, res["cpu"]["machine"] - sum(v for k, v in res["cpu"].items() if k != "machine"))
        res["target"] = target
        if target == "observed":
            res["backlog_samples"] = sampler.backlog
            res["backlog_max"] = max(sampler.backlog, default=None)
            res["backlog_end"] = sampler.backlog[-1] if sampler.backlog else None
            res["pool_pending_max"] = max(sampler.pool_pending, default=None)
            res["pool_acquired_max"] = max(sampler.pool_acquired, default=None)
            res["pool_max"] = sampler.pool_max
            res["drained"] = self.drain(gw)
            after_db = self.pg.snapshot()
            res["db"] = db_delta(before_db, after_db)
            res["db"]["seconds"] = secs
            res["states_after"] = after_db["states"]
        log(f"{label}: {target:8s} {res['ok_rps']:9.0f} 2xx/s  p50 {res['p50']:.2f} ms  p99 {res['p99']:.2f} ms"
            + (f"  non-2xx {res['non2xx']}" if res["non2xx"] else "")
            + (f"  socket errors {res['socket_errors']}" if res["socket_errors"] else "")
            + (f"  backlog max {res['backlog_max']:.0f}" if target == "observed" else ""))
        return res

    # --- 1. small requests -----------------------------------------------------------------

    def warm_up(self, gw):
        """The small load in 5 s slices until the JIT has settled: at least `warmup` seconds,
        then until two slices in a row are within 5% of each other, at most `warmup_max`.
        A gateway still compiling spends a third of its CPU in the JIT (async-profiler), so a
        fixed short warm-up measures compilation as much as proxying."""
        c = self.cfg
        slice_secs = min(5, c["warmup"])
        log(f"warm-up {gw.name}: the small load until its throughput settles "
            f"({c['warmup']}-{c['warmup_max']} s)")
        rates = []
        while True:
            rates.append(self.wrk(gw.url("/small"), slice_secs, label=f"warm-up {gw.name}")["rps"])
            elapsed = len(rates) * slice_secs
            settled = len(rates) >= 2 and abs(rates[-1] - rates[-2]) <= 0.05 * max(rates[-1], rates[-2])
            if elapsed >= c["warmup_max"] or (elapsed >= c["warmup"] and settled):
                return {"seconds": elapsed, "settled": settled, "rates": rates}

    def run_small(self):
        c = self.cfg
        self.results["warmup"] = {gw.name: self.warm_up(gw) for gw in (self.plain, self.observed)}
        if not self.drain(self.observed):
            raise BenchError("the observed gateway's backlog did not drain after the warm-up")
        order = ["direct", "plain", "observed"]
        rounds = []
        for i in range(c["small_rounds"]):
            rot = order[i % 3:] + order[:i % 3]
            rounds.append({t: self.small_round(t, c["small_secs"], f"small round {i + 1}") for t in rot})
        self.results["small"] = rounds
        # the same offered load on both gateways: a fraction of the observed gateway's throughput
        obs_rps = statistics.median(r["observed"]["ok_rps"] for r in rounds)
        delay = max(1, round(CONNECTIONS * 1000 / (PACED_FRACTION * obs_rps)))
        paced = []
        for i in range(c["paced_rounds"]):
            rot = ["plain", "observed"] if i % 2 == 0 else ["observed", "plain"]
            paced.append({t: self.small_round(t, c["paced_secs"], f"paced round {i + 1}", delay_ms=delay) for t in rot})
        self.results["paced"] = {"delay_ms": delay, "rounds": paced}

    # --- 2. large bodies -------------------------------------------------------------------

    def transfer(self, target, direction, size, label):
        name, path, sha = self.files[size]
        if target == "direct":
            base, gw = f"http://127.0.0.1:{self.nginx.port}", None
        else:
            gw = {"plain": self.plain, "observed": self.observed}[target]
            base = f"http://127.0.0.1:{gw.port}/{CHANNEL}"
        hdr = os.path.join(self.run_dir, "curl-headers.txt")
        body_out = os.path.join(self.run_dir, "curl-body.txt")
        cmd = ["curl", "-sS", "-D", hdr, "-H", "Expect:", "-H", f"X-API-Key: {API_KEY}", "--max-time", "600",
               "-w", "%{time_total} %{http_code} %{size_download} %{size_upload}"]
        if direction == "upload":
            cmd += ["-T", path, "-o", body_out, f"{base}/upload"]
        else:
            cmd += ["-o", "/dev/null", f"{base}/files/{name}"]
        sampler = Sampler(gw, 0.2) if gw else None
        if sampler:
            sampler.start()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=700, start_new_session=True)
        if sampler:
            sampler.finish()
        if p.returncode != 0:
            raise BenchError(f"{label}: curl failed ({p.returncode}): {p.stderr}")
        t, code, down, up = p.stdout.split()
        t, down, up = float(t), int(down), int(up)
        moved = up if direction == "upload" else down
        res = {"target": target, "direction": direction, "size": size, "seconds": t, "status": int(code),
               "bytes": moved, "mib_s": moved / MIB / t if t else 0.0}
        if moved != size or int(code) != 200:
            raise BenchError(f"{label}: {target} {direction}: status {code}, {moved} bytes of {size}")
        if sampler:
            res["heap_max"] = max(sampler.heap, default=None)
            res["rss_max"] = max(sampler.rss, default=None)
            res["live_max"] = max(sampler.live, default=None)
            res["old_max"] = max(sampler.old, default=None)
        if target == "observed":
            rid = None
            with open(hdr) as f:
                for line in f:
                    if line.lower().startswith("x-channel-request-id:"):
                        rid = line.split(":", 1)[1].strip()
            res["request_id"] = rid
            res["check"] = self.check_recorded(rid, direction, size, sha, body_out)
        log(f"{label}: {target:8s} {direction:8s} {size // MIB:5d} MiB  {res['mib_s']:7.1f} MiB/s"
            + (f"  peak heap {res['heap_max'] / MIB:.0f} MiB  peak RSS {res['rss_max'] / MIB:.0f} MiB" if gw else "")
            + (f"  recorded: {res['check']['verdict']}" if target == "observed" else ""))
        return res

    def check_recorded(self, rid, direction, size, sha, body_out):
        if not rid or not re.fullmatch(r"[0-9a-f-]{36}", rid):
            return {"verdict": "FAIL (no X-Channel-Request-Id)"}
        deadline = time.monotonic() + 30
        row = None
        while time.monotonic() < deadline:
            rows = self.pg.psql(
                "SELECT r.state, e.type, e.request_body_hash, e.request_body_size, e.response_body_hash, "
                f"e.response_body_size, e.response_status FROM channel_requests r "
                f"JOIN channel_events e ON e.channel_request_id = r.id WHERE r.id = '{rid}'")
            if rows:
                row = rows[0]
                break
            time.sleep(0.2)
        if row is None:
            return {"verdict": "FAIL (no event recorded)"}
        state, etype, req_hash, req_size, resp_hash, resp_size, status = row
        if direction == "upload":
            with open(body_out, "rb") as f:
                reply = f.read()
            want = (sha, size, hashlib.sha256(reply).hexdigest(), len(reply))
        else:
            want = (hashlib.sha256(b"").hexdigest(), 0, sha, size)
        got = (req_hash, int(req_size or -1), resp_hash, int(resp_size or -1))
        ok = state == "success" and etype == "sink_response" and got == want
        return {"verdict": "OK" if ok else "FAIL", "state": state, "type": etype, "got": got, "want": want}

    def run_large(self):
        c = self.cfg
        out = []
        for size in sorted({c["small_large"], c["large"]}):
            rounds = c["large_rounds"] if size == c["large"] else 1
            for i in range(rounds):
                rot = ["plain", "observed"] if i % 2 == 0 else ["observed", "plain"]
                for direction in ("upload", "download"):
                    for t in rot:
                        out.append(self.transfer(t, direction, size, f"large {size // MIB} MiB round {i + 1}"))
        for direction in ("upload", "download"):
            out.append(self.transfer("direct", direction, c["large"], "large direct"))
        self.results["large"] = out

    # --- leak check ------------------------------------------------------------------------

    def run_leak_check(self):
        gw = Gateway("leak-check", self.jar, self.run_dir, self.pg, self.nginx.port, self.procs, observed=True,
                     extra_jvm=["-Dio.netty.leakDetection.level=paranoid"])
        log("leak check: a third observed gateway with -Dio.netty.leakDetection.level=paranoid (not timed)")
        gw.start()
        try:
            gw.wait_ready()
            self.gateways.append(gw)
            size = self.cfg["small_large"]
            name, path, sha = self.files[size]
            small = self.wrk(gw.url("/small"), 2, connections=8, threads=1, label="leak check small")
            for args in (["-T", path, "-o", "/dev/null", gw.url("/upload")],
                         ["-o", "/dev/null", gw.url(f"/files/{name}")]):
                run(["curl", "-sS", "-f", "-H", "Expect:", "-H", f"X-API-Key: {API_KEY}", "--max-time", "300", *args],
                    timeout=320)
            # a client that leaves mid-download
            run(["curl", "-sS", "-o", "/dev/null", "-H", f"X-API-Key: {API_KEY}", "--max-filesize", "1",
                 "--limit-rate", "2M", "--max-time", "1",
                 gw.url(f"/files/{name}")], check=False, timeout=30)
            # leaks are reported when the leaked buffer is collected, on a later allocation
            for _ in range(2):
                run(["jcmd", str(gw.proc.pid), "GC.run"], check=False, timeout=60)
                time.sleep(0.5)
                self.wrk(gw.url("/small"), 1, connections=4, threads=1, label="leak check after GC")
            self.drain(gw)
        finally:
            self.gateways = [g for g in self.gateways if g is not gw]
            gw.stop()
        with open(gw.logfile, errors="replace") as f:
            text = f.read()
        leaks = text.count("LEAK:")
        self.results["leak"] = {"leaks": leaks, "small_requests": small["requests"], "body": size,
                                "log": os.path.basename(gw.logfile)}
        log(f"leak check: {leaks} LEAK reports in {gw.logfile} ({small['requests']} small requests, "
            f"{size // MIB} MiB up and down, one client that left mid-download)")

    # --- report ----------------------------------------------------------------------------

    def machine(self):
        def first_line(cmd):
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
                return (p.stdout + p.stderr).strip().splitlines()[0]
            except Exception as e:
                return f"? ({e})"

        cpu = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
        return {
            "nproc": os.cpu_count(),
            "cpu": cpu,
            "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "kernel": f"{platform.system()} {platform.release()}",
            "os": first_line(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
            "java": first_line(["java", "-version"]),
            "postgres": first_line([f"{self.pg_bin}/postgres", "--version"]),
            "nginx": first_line(["nginx", "-v"]).replace("nginx version: ", ""),
            "wrk": first_line(["wrk", "-v"]).split(" [")[0],
            "curl": first_line(["curl", "--version"]).split(" (")[0],
        }

    META = ("mode", "cfg", "command", "machine_info", "pg_settings", "fsync", "gc", "backlog_capacity", "files")

    def save_state(self, elapsed):
        state = {k: getattr(self, k) for k in self.META}
        state.update(results=self.results, elapsed=elapsed, started_at=self.started_at.isoformat())
        with open(os.path.join(self.run_dir, "state.json"), "w") as f:
            json.dump(state, f, indent=1, default=str)

    def load_state(self, run_dir):
        with open(os.path.join(run_dir, "state.json")) as f:
            state = json.load(f)
        for k in self.META:
            setattr(self, k, state[k])
        self.files = {int(k): v for k, v in self.files.items()}
        self.results = state["results"]
        self.started_at = datetime.datetime.fromisoformat(state["started_at"])
        return state["elapsed"]

    def report(self, elapsed):
        return render(self, elapsed)

    def write_docs(self, table):
        path = os.path.join(self.root, "docs", "benchmarks.md")
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
        else:
            text = DOC_INTRO + f"\n{START_MARK}\n{END_MARK}\n"
        if START_MARK not in text or END_MARK not in text:
            text = text.rstrip("\n") + f"\n\n{START_MARK}\n{END_MARK}\n"
        head, rest = text.split(START_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        with open(path, "w") as f:
            f.write(f"{head}{START_MARK}\n{table.strip()}\n{END_MARK}{tail}")
        log(f"results written to {path}")

    # --- profile ---------------------------------------------------------------------------

    def run_profile(self):
        jfr = os.path.join(self.run_dir, "observed.jfr")
        self.args.observed_jvm = ["-XX:FlightRecorderOptions:stackdepth=256"]
        # BENCH_ASYNC_PROFILER=/path/to/libasyncProfiler.so: async-profiler's CPU profile
        # (kernel and native frames included, which JFR does not sample) from the start of
        # the gateway until it stops, as collapsed stacks; JFR is skipped.
        async_profiler = os.environ.get("BENCH_ASYNC_PROFILER")
        if async_profiler:
            collapsed = os.path.join(self.run_dir, "observed.collapsed")
            self.args.observed_jvm = [f"-agentpath:{async_profiler}=start,event=cpu,interval=1ms,"
                                      f"file={collapsed},collapsed,cstack=vm"]
        self.setup(with_plain=False)
        log(f"warm-up observed: {self.cfg['warmup'] * 2} s")
        self.wrk(self.observed.url("/small"), self.cfg["warmup"] * 2, label="profile warm-up")
        self.drain(self.observed)
        # JDK's "profile" settings, with Java methods sampled every millisecond instead of 10.
        java_home = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("java"))))
        with open(os.path.join(java_home, "lib", "jfr", "profile.jfc")) as f:
            settings = re.sub(r'(control="method-sampling-java-interval">)[^<]*', r"\g<1>1 ms", f.read())
        jfc = os.path.join(self.run_dir, "profile-1ms.jfc")
        with open(jfc, "w") as f:
            f.write(settings)
        if not async_profiler:
            run(["jcmd", str(self.observed.proc.pid), "JFR.start", "name=bench", f"settings={jfc}",
                 f"duration={PROFILE_SECS + 2}s", f"filename={jfr}"])
        pm = self.pg.postmaster_pid()
        pg_pids = [pm] + children(pm)
        cmdlines = {}
        for pid in pg_pids:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdlines[pid] = f.read().replace(b"\0", b" ").decode().strip()
            except OSError:
                pass
        others = {"gateway observed": [self.observed.proc.pid], "nginx": self.nginx.pids()}
        cpu0 = {pid: cpu_seconds([pid]) for pid in pg_pids}
        oc0 = {k: cpu_seconds(v) for k, v in others.items()}
        t0 = time.monotonic()
        log(f"profiling the observed gateway for {PROFILE_SECS} s under the small load (JFR, settings=profile)")
        res = self.wrk(self.observed.url("/small"), PROFILE_SECS, label="profile")
        wall = time.monotonic() - t0
        pg_cpu = sorted(((cpu_seconds([pid]) - cpu0[pid]) / wall, pid, cmdlines.get(pid, "?")) for pid in pg_pids)[::-1]
        oc = {k: (cpu_seconds(v) - oc0[k]) / wall for k, v in others.items()}
        deadline = time.monotonic() + 30
        while not async_profiler and time.monotonic() < deadline:
            p = run(["jcmd", str(self.observed.proc.pid), "JFR.check"], check=False)
            if "bench" not in p.stdout or "stopped" in p.stdout:
                break
            time.sleep(1)
        time.sleep(1)
        wrk_cpu = None
        print(f"\nprofile: {res['rps']:.0f} req/s, p50 {res['p50']:.2f} ms, p99 {res['p99']:.2f} ms over {PROFILE_SECS} s; "
              f"JFR file {jfr}\n")
        print("CPU (share of one core) during the profile:")
        for k, v in oc.items():
            print(f"  {k:20s} {v * 100:5.1f} %")
        print(f"  {'postgres (all)':20s} {sum(c for c, _, _ in pg_cpu) * 100:5.1f} %")
        for c, pid, cmd in pg_cpu[:8]:
            print(f"    {c * 100:5.1f} %  pid {pid}  {cmd[:90]}")
        if async_profiler:
            print(f"async-profiler: collapsed stacks in {collapsed} once the gateway has stopped")
        else:
            summarize_jfr(jfr)


def db_delta(a, b):
    stmts = []
    for qid, (calls, rows, ms, query) in b["stmts"].items():
        c0, r0, m0, _ = a["stmts"].get(qid, (0, 0, 0.0, query))
        if calls - c0 > 0:
            stmts.append({"query": query, "calls": calls - c0, "rows": rows - r0, "ms": ms - m0})
    stmts.sort(key=lambda s: -s["calls"])
    requests = sum(b["states"].values()) - sum(a["states"].values())
    closed = sum(n for s, n in b["states"].items() if s != "pending") - sum(
        n for s, n in a["states"].items() if s != "pending")
    # rows written: each new channel_requests row, each channel_events row, each row closed
    # (an UPDATE); counted in the tables, because pg_stat_user_tables lags by up to 10 s
    writes = requests + (b["events"] - a["events"]) + closed
    success = b["states"].get("success", 0) - a["states"].get("success", 0)
    return {"stmts": stmts, "row_writes": writes, "requests": requests, "success": success,
            "db_seconds": b["t"] - a["t"]}


# ---------------------------------------------------------------------------------------------
# JFR summary


def summarize_jfr(jfr, top=25):
    p = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "256", jfr],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print(f"jfr print failed: {p.stderr}")
        return
    samples = []
    cur = None
    for line in p.stdout.splitlines():
        s = line.strip()
        if s.startswith("jdk.ExecutionSample"):
            cur = []
            samples.append(cur)
        elif cur is not None and s.endswith("]") is False and "line:" in s:
            cur.append(s.split("  line:")[0].strip())
        elif cur is not None and re.match(r"^[\w$.<>]+\(.*\)$", s):
            cur.append(s)
    samples = [s for s in samples if s]
    n = len(samples)
    print(f"\nJFR execution samples: {n}")
    if not n:
        return

    def method(frame):
        return frame.split("(")[0]

    def category(frame):
        f = frame
        if f.startswith("dev.channels.gateway.observer"):
            return "channels observer engine"
        if f.startswith("dev.channels.gateway.recording"):
            return "channels recording"
        if f.startswith("dev.channels"):
            return "channels other"
        if f.startswith("io.r2dbc") or f.startswith("org.springframework.r2dbc"):
            return "r2dbc / spring-r2dbc"
        if f.startswith("tools.jackson") or f.startswith("com.fasterxml"):
            return "jackson"
        if f.startswith("sun.security.provider") or f.startswith("java.security"):
            return "jdk sha-256"
        if f.startswith("org.springframework.cloud.gateway"):
            return "spring cloud gateway"
        if f.startswith("io.micrometer"):
            return "micrometer"
        if f.startswith("io.netty"):
            return "netty"
        if f.startswith("reactor."):
            return "reactor / reactor-netty"
        if f.startswith("org.springframework"):
            return "spring (web, core)"
        if f.startswith("java.") or f.startswith("jdk.") or f.startswith("sun."):
            return "jdk"
        return "other"

    self_counts = Counter(method(s[0]) for s in samples)
    print(f"\ntop {top} methods by own samples (top frame):")
    for m, c in self_counts.most_common(top):
        print(f"  {c * 100 / n:5.1f} %  {m}")
    # inclusive: samples with a channels frame anywhere on the stack
    incl = Counter()
    for s in samples:
        seen = set()
        for fr in s:
            if fr.startswith("dev.channels"):
                seen.add(method(fr))
        for m in seen:
            incl[m] += 1
    any_channels = sum(1 for s in samples if any(fr.startswith("dev.channels") for fr in s))
    rec = sum(1 for s in samples if any(fr.startswith("dev.channels.gateway.recording") for fr in s))
    r2 = sum(1 for s in samples if any(fr.startswith("io.r2dbc") for fr in s))
    print(f"\nsamples with a dev.channels frame on the stack: {any_channels * 100 / n:.1f} %; "
          f"with a recording frame: {rec * 100 / n:.1f} %; with an io.r2dbc frame: {r2 * 100 / n:.1f} %")
    print(f"top {top} dev.channels methods, inclusive (on the stack):")
    for m, c in incl.most_common(top):
        print(f"  {c * 100 / n:5.1f} %  {m}")
    # own time by category of the top frame, and by the nearest dev.channels caller
    cats = Counter(category(s[0]) for s in samples)
    print("\nown samples by library of the top frame:")
    for k, c in cats.most_common():
        print(f"  {c * 100 / n:5.1f} %  {k}")
    attributed = Counter()
    for s in samples:
        owner = next((category(fr) for fr in s if category(fr).startswith("channels")), None)
        if owner is None:
            owner = "r2dbc (no channels frame)" if any(fr.startswith("io.r2dbc") for fr in s) else "gateway / netty / jvm"
        attributed[owner] += 1
    print("\nsamples attributed to the nearest channels frame on the stack (else to the gateway):")
    for k, c in attributed.most_common():
        print(f"  {c * 100 / n:5.1f} %  {k}")
    threads = Counter()
    for line in p.stdout.splitlines():
        m = re.match(r'\s*sampledThread = "([^"]+)"', line)
        if m:
            threads[re.sub(r"\d+", "N", m.group(1))] += 1
    if threads:
        print("\nsamples by thread (digits folded):")
        for k, c in threads.most_common(12):
            print(f"  {c * 100 / n:5.1f} %  {k}")


# ---------------------------------------------------------------------------------------------
# Rendering


DOC_INTRO = """# Benchmarks

What the observer (recording every request in PostgreSQL) costs compared with the same
gateway without it. `bench/run.sh` starts everything on one machine, on loopback, and
measures A/B interleaved in one run:

- **sink**: nginx from the OS packages (`worker_processes 1`, no access log): `/small`
  answers a 1 KiB POST with exactly 1024 bytes, `/upload` reads the whole body before it
  answers, `/files/` serves random files generated by the script (`sendfile on`);
- **database**: a throwaway PostgreSQL cluster with `pg_stat_statements`, durability
  settings at their defaults (`fsync`, `synchronous_commit` on);
- **gateways**: the same jar twice, with the same flags (`-Xmx128m`, one route `/bench/**`
  to nginx with `StripPrefix=1`): *observed* (the product) and *plain*
  (`--channels.recording.enabled=false`, plain Spring Cloud Gateway); both warmed up first;
- **load**: `wrk` (2 threads, 64 keep-alive connections, `bench/post-1k.lua`) for small
  requests, direct to nginx, through plain and through observed, the order rotated each
  round, then a paced run giving both gateways the same offered load; `curl` for large
  uploads and downloads, with the heap and RSS sampled during each transfer and the
  recorded hashes checked against the file's;
- **database cost**: `pg_stat_statements` calls of the gateway's role per recorded request
  and row writes per second during the observed small-request rounds;
- **leaks**: an untimed third gateway with `-Dio.netty.leakDetection.level=paranoid`.

Run it (about 5 minutes; `--quick` for a 1-2 minute smoke run with shorter rounds and a
256 MiB large body):

```sh
./mvnw -B -q package -DskipTests   # or let the script build the jar
bench/run.sh                         # needs nginx-light, libnginx-mod-http-echo, wrk, curl,
                                     # psql and the PostgreSQL server binaries
```

The run directory (`/tmp/channels-bench.*`) keeps every log: the gateways', nginx's,
PostgreSQL's and wrk's raw output. `bench/run.sh --profile` records a 60 s JFR profile of the
observed gateway under the small-request load and summarises it instead.

The section below is rewritten by each run.
"""


def fmt_ms(v):
    return "?" if v is None else f"{v:.2f}"


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def verdict(ok):
    return "PASS" if ok else "MISS"


def render(b, elapsed):
    r = b.results
    m = b.machine_info
    c = b.cfg
    L = []
    L.append(f"## Results ({b.mode} run)")
    L.append("")
    L.append(f"- command: `{b.command}`")
    L.append(f"- date: {b.started_at.strftime('%Y-%m-%d %H:%M UTC')}, run took {elapsed:.0f} s")
    L.append(f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} memory, {m['kernel']}, {m['os']}")
    L.append(f"- software: {m['java']}; {m['postgres']}; nginx {m['nginx']}; {m['wrk']}; {m['curl']}")
    L.append(f"- everything on this one machine and on loopback: nginx, PostgreSQL, both gateways and wrk "
             f"share the {m['nproc']} CPUs")
    L.append(f"- PostgreSQL: fsync={b.pg_settings['fsync']}, synchronous_commit={b.pg_settings['synchronous_commit']}, "
             f"shared_buffers={b.pg_settings['shared_buffers']}, data directory on {b.pg_settings['fs']}; "
             f"pg_stat_statements loaded; an 8 KiB write + fdatasync on that disk (what each commit waits for) "
             f"takes {b.fsync[0]:.2f} ms median, {b.fsync[1]:.2f} ms p99")
    L.append(f"- nginx: worker_processes 1, access_log off, sendfile on; bodies and request-body files on tmpfs")
    L.append(f"- gateways: `java {JAVA_HEAP} -jar ...` ({b.gc}), route `/bench/**` -> nginx, `StripPrefix=1`; "
             f"plain adds `--channels.recording.enabled=false`")
    warm = r.get("warmup") or {}
    warm_text = "; ".join(f"{name} {w['seconds']} s ({'settled' if w['settled'] else 'not settled'}, last slices "
                          f"{', '.join(f'{x:.0f}' for x in w['rates'][-2:])} req/s)" for name, w in warm.items())
    L.append(f"- warm-up: the small load in slices until two in a row are within 5% (at least {c['warmup']} s, at "
             f"most {c['warmup_max']} s): {warm_text or 'not recorded'}")
    L.append(f"- durations: small requests {c['small_rounds']} rounds x "
             f"{c['small_secs']} s per target; paced {c['paced_rounds']} rounds x {c['paced_secs']} s; "
             f"large bodies {c['small_large'] // MIB} MiB x 1 round and {c['large'] // MIB} MiB x "
             f"{c['large_rounds']} rounds each way per gateway")
    L.append("")

    # targets
    small = r["small"]
    med_rps = {t: med([x[t]["ok_rps"] for x in small]) for t in ("direct", "plain", "observed")}
    med_p50 = {t: med([x[t]["p50"] for x in small]) for t in ("direct", "plain", "observed")}
    med_p99 = {t: med([x[t]["p99"] for x in small]) for t in ("direct", "plain", "observed")}
    ratio_small = med_rps["observed"] / med_rps["plain"]
    paced = r["paced"]
    p_rps = {t: med([x[t]["ok_rps"] for x in paced["rounds"]]) for t in ("plain", "observed")}
    p_p50 = {t: med([x[t]["p50"] for x in paced["rounds"]]) for t in ("plain", "observed")}
    p_p99 = {t: med([x[t]["p99"] for x in paced["rounds"]]) for t in ("plain", "observed")}
    added_p99 = p_p99["observed"] - p_p99["plain"]
    errors = sum(x[t]["non2xx"] + x[t]["socket_errors"] for x in small for t in x) + sum(
        x[t]["non2xx"] + x[t]["socket_errors"] for x in paced["rounds"] for t in x)
    obs_rounds = [x["observed"] for x in small] + [x["observed"] for x in paced["rounds"]]
    recorded_ok = all(o["db"]["requests"] >= o["ok"] and o["db"]["success"] >= o["ok"]
                      and o["drained"] and o["states_after"].get("pending", 0) == 0 for o in obs_rounds)
    backlog_max = max((o["backlog_max"] or 0) for o in obs_rounds)
    backlog_cap = b.backlog_capacity
    trend_ok = True
    for o in obs_rounds:
        s = o["backlog_samples"]
        if len(s) >= 4:
            h = len(s) // 2
            if statistics.mean(s[h:]) > statistics.mean(s[:h]) * 1.5 + 8:
                trend_ok = False
    backlog_ok = backlog_max < backlog_cap / 2 and trend_ok and errors == 0

    large = r["large"]
    big = c["large"]

    def lmed(target, direction, size):
        return med([x["mib_s"] for x in large if x["target"] == target and x["direction"] == direction and x["size"] == size])

    def lpeak(key, target, size):
        vals = [x.get(key) for x in large if x["target"] == target and x["size"] == size and x.get(key)]
        return max(vals) if vals else None

    ratio_up = lmed("observed", "upload", big) / lmed("plain", "upload", big)
    ratio_down = lmed("observed", "download", big) / lmed("plain", "download", big)
    heap_small, heap_big = lpeak("heap_max", "observed", c["small_large"]), lpeak("heap_max", "observed", big)
    # Flat means no growth with the body: what survives young collections (the old
    # generation), not the garbage that happens to be uncollected when a sample is taken
    # (which -Xmx bounds anyway).
    live_small, live_big = lpeak("old_max", "observed", c["small_large"]), lpeak("old_max", "observed", big)
    heap_ratio = live_big / live_small if live_small else None
    checks = [x["check"]["verdict"] for x in large if x["target"] == "observed"]
    hashes_ok = all(v == "OK" for v in checks)
    leaks = r["leak"]["leaks"] if "leak" in r else None

    L.append("### Targets")
    L.append("")
    L.append("| target | measured | verdict |")
    L.append("| --- | --- | --- |")
    L.append(f"| small requests: observed throughput >= 0.85 of plain (aim 0.9) | "
             f"{ratio_small:.3f} ({med_rps['observed']:.0f} / {med_rps['plain']:.0f} req/s, medians) | "
             f"{verdict(ratio_small >= 0.85)}{' (aim 0.9 met)' if ratio_small >= 0.9 else ' (aim 0.9 not met)'} |")
    L.append(f"| every request recorded before it is forwarded: each response wrk counted has a row, "
             f"all rows final after each round | {'yes' if recorded_ok else 'no'} "
             f"({sum(o['ok'] for o in obs_rounds)} 2xx responses, "
             f"{sum(o['db']['requests'] for o in obs_rounds)} rows, "
             f"{sum(o['db']['success'] for o in obs_rounds)} success) | {verdict(recorded_ok)} |")
    L.append(f"| p99 latency added by the observer <= 2 ms at the same load (paced, "
             f"{p_rps['plain']:.0f} vs {p_rps['observed']:.0f} req/s) | "
             f"{added_p99:+.2f} ms (p99 {fmt_ms(p_p99['plain'])} -> {fmt_ms(p_p99['observed'])} ms) | "
             f"{verdict(added_p99 <= 2.0)} |")
    L.append(f"| large bodies: observed throughput >= 0.9 of plain ({big // MIB} MiB) | "
             f"upload {ratio_up:.3f}, download {ratio_down:.3f} | {verdict(min(ratio_up, ratio_down) >= 0.9)} |")
    L.append(f"| heap flat: old generation (what survives young GCs) with a {big // MIB} MiB body / with a "
             f"{c['small_large'] // MIB} MiB body (observed, <= 1.25) | "
             f"{(heap_ratio or 0):.2f} ({(live_big or 0) / MIB:.0f} / {(live_small or 0) / MIB:.0f} MiB old gen; "
             f"peak used {heap_big / MIB:.0f} / {heap_small / MIB:.0f} MiB of the 128 MiB cap) | "
             f"{verdict(heap_ratio is not None and heap_ratio <= 1.25)} |")
    L.append(f"| recorded hashes and sizes of the large bodies match the file's | "
             f"{sum(v == 'OK' for v in checks)} of {len(checks)} | {verdict(hashes_ok)} |")
    L.append(f"| zero leaked buffers (paranoid leak detection) | "
             f"{'not run' if leaks is None else str(leaks) + ' LEAK reports'} | {verdict(leaks == 0)} |")
    L.append(f"| completion backlog bounded at the small-request load (max < capacity/2, no upward trend, "
             f"no refusals) | max {backlog_max:.0f} of capacity {backlog_cap:.0f}; "
             f"{'no' if trend_ok else 'an'} upward trend within a round; {errors} non-2xx/socket errors | "
             f"{verdict(backlog_ok)} |")
    L.append("")

    # 1. small requests
    L.append("### 1. Small requests (1 KiB POST, 1 KiB response, keep-alive, wrk -t2 -c64)")
    L.append("")
    L.append("Closed loop (each connection sends its next request when the last is answered): the throughput "
             "each target reaches on this machine.")
    L.append("")
    L.append("| target | 2xx/s (median) | p50 ms | p99 ms | rounds: 2xx/s | rounds: non-2xx | rounds: p99 ms | CPU, % of one core (median): gateway / postgres / nginx / wrk / not the benchmark |")
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for t in ("direct", "plain", "observed"):
        gwk = f"gateway {t}"
        cpu = lambda k: med([x[t]["cpu"].get(k, 0) * 100 for x in small])
        L.append(f"| {t} | {med_rps[t]:.0f} | {fmt_ms(med_p50[t])} | {fmt_ms(med_p99[t])} | "
                 f"{', '.join('%.0f' % x[t]['ok_rps'] for x in small)} | {', '.join(str(x[t]['non2xx']) for x in small)} | "
                 f"{', '.join(fmt_ms(x[t]['p99']) for x in small)} | "
                 f"{('%.0f' % cpu(gwk)) if t != 'direct' else '-'} / {cpu('postgres'):.0f} / {cpu('nginx'):.0f} / "
                 f"{cpu('wrk'):.0f} / {cpu('foreign'):.0f} |")
    L.append("")
    foreign = max(x[t]["cpu"]["foreign"] for x in small for t in x) * 100
    L.append(f"CPU is the share of one core each took during the round, from /proc; *not the benchmark* is the machine's "
             f"busy time minus the benchmark's processes (another workload on a shared machine: at most "
             f"{foreign:.0f} % of one core in any round).")
    L.append("")
    L.append(f"Ratios (medians): observed/plain throughput **{ratio_small:.3f}**, plain/direct "
             f"{med_rps['plain'] / med_rps['direct']:.3f}; p99 observed - plain at saturation "
             f"{med_p99['observed'] - med_p99['plain']:+.2f} ms, p50 {med_p50['observed'] - med_p50['plain']:+.2f} ms. "
             f"Round order rotated: " + "; ".join(" > ".join(x.keys()) for x in small) + ".")
    L.append("")
    L.append(f"Paced, the same offered load on both (each connection pauses a random 0-{2 * paced['delay_ms']} ms "
             f"before each request, mean {paced['delay_ms']} ms: about {PACED_FRACTION:.0%} of the observed "
             f"gateway's closed-loop throughput):")
    L.append("")
    L.append("| target | 2xx/s (median) | p50 ms | p99 ms | rounds: p50 / p99 ms |")
    L.append("| --- | --- | --- | --- | --- |")
    for t in ("plain", "observed"):
        L.append(f"| {t} | {p_rps[t]:.0f} | {fmt_ms(p_p50[t])} | {fmt_ms(p_p99[t])} | "
                 f"{', '.join(fmt_ms(x[t]['p50']) + ' / ' + fmt_ms(x[t]['p99']) for x in paced['rounds'])} |")
    L.append("")
    L.append(f"Latency added by the observer at that load: p50 {p_p50['observed'] - p_p50['plain']:+.2f} ms, "
             f"p99 **{added_p99:+.2f} ms**. Non-2xx responses and socket errors over all rounds: {errors}.")
    L.append("")
    L.append("Recording during the observed rounds (rows counted in `channel_requests` before and after each "
             "round; the backlog is `channels_recording_backlog` scraped every second):")
    L.append("")
    L.append("| round | 2xx responses (wrk) | 503 (refused, no row) | rows added | success | pending after | backlog max | backlog at the end | r2dbc pool: acquired max / size, pending acquires max |")
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, o in enumerate(obs_rounds):
        name = f"small {i + 1}" if i < len(small) else f"paced {i - len(small) + 1}"
        L.append(f"| {name} | {o['ok']} | {o['non2xx']} | {o['db']['requests']} | {o['db']['success']} | "
                 f"{o['states_after'].get('pending', 0)} | {o['backlog_max'] or 0:.0f} | {o['backlog_end'] or 0:.0f} | "
                 f"{o['pool_acquired_max'] or 0:.0f} / {o['pool_max'] or 0:.0f}, {o['pool_pending_max'] or 0:.0f} |")
    L.append("")
    L.append("Rows beyond the 2xx responses wrk counted are the requests in flight when wrk stopped "
             "(recorded as `error`: the client left). A 503 is the gateway refusing a request while the outcome "
             "backlog is full (`when-full: reject`, `recording_backlog_full`): not forwarded, no row.")
    L.append("")

    # 2. large bodies
    L.append(f"### 2. Large bodies (curl, one transfer at a time, {JAVA_HEAP})")
    L.append("")
    L.append("| body | direction | target | MiB/s (median) | rounds MiB/s | peak heap MiB | peak RSS MiB | recorded hashes and sizes |")
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in sorted({c["small_large"], big}):
        for direction in ("upload", "download"):
            for t in ("direct", "plain", "observed"):
                xs = [x for x in large if x["target"] == t and x["direction"] == direction and x["size"] == size]
                if not xs:
                    continue
                heap = max((x.get("heap_max") or 0 for x in xs), default=0)
                rs = max((x.get("rss_max") or 0 for x in xs), default=0)
                chk = ", ".join(x["check"]["verdict"] for x in xs) if t == "observed" else "-"
                L.append(f"| {size // MIB} MiB | {direction} | {t} | {med([x['mib_s'] for x in xs]):.0f} | "
                         f"{', '.join('%.0f' % x['mib_s'] for x in xs)} | "
                         f"{('%.0f' % (heap / MIB)) if heap else '-'} | {('%.0f' % (rs / MIB)) if rs else '-'} | {chk} |")
    L.append("")
    L.append(f"Ratios observed/plain ({big // MIB} MiB, medians): upload **{ratio_up:.3f}**, download "
             f"**{ratio_down:.3f}**. Peak heap is the highest sum of `jvm_memory_used_bytes{{area=\"heap\"}}` "
             f"scraped every 200 ms during the transfer (it includes garbage not yet collected); peak RSS from "
             f"`/proc/<pid>/status`. Observed peak heap {big // MIB} MiB vs {c['small_large'] // MIB} MiB: "
             f"{heap_big / MIB:.0f} vs {heap_small / MIB:.0f} MiB (ratio {heap_ratio:.2f}); peak RSS "
             f"{lpeak('rss_max', 'observed', big) / MIB:.0f} vs {lpeak('rss_max', 'observed', c['small_large']) / MIB:.0f} MiB; "
             f"live data after GC (`jvm_gc_live_data_size_bytes`) at most "
             f"{(lpeak('live_max', 'observed', big) or 0) / MIB:.0f} vs "
             f"{(lpeak('live_max', 'observed', c['small_large']) or 0) / MIB:.0f} MiB.")
    L.append("")
    sha = b.files[big][2]
    L.append(f"Hash check: each observed transfer's `channel_events` row, found by its `X-Channel-Request-Id`, "
             f"must be `success`/`sink_response` with `request_body_hash` and `request_body_size` (upload) or "
             f"`response_body_hash` and `response_body_size` (download) equal to the file's sha256 and size "
             f"(the {big // MIB} MiB file's sha256 was `{sha}`), and the other body's equal to what curl sent or "
             f"received: {sum(v == 'OK' for v in checks)} of {len(checks)} OK.")
    L.append("")

    # 3. database cost
    L.append("### 3. Database cost (observed small-request rounds, closed loop)")
    L.append("")
    closed = [x["observed"] for x in small]
    reqs = sum(o["db"]["requests"] for o in closed)
    stmt_calls = defaultdict(int)
    stmt_ms = defaultdict(float)
    for o in closed:
        for s in o["db"]["stmts"]:
            stmt_calls[s["query"]] += s["calls"]
            stmt_ms[s["query"]] += s["ms"]
    total_calls = sum(stmt_calls.values())
    table_calls = sum(v for q, v in stmt_calls.items() if "channel_requests" in q or "channel_events" in q)
    L.append("| statement (pg_stat_statements, gateway's role) | calls per recorded request | mean ms in PostgreSQL |")
    L.append("| --- | --- | --- |")
    for q, v in sorted(stmt_calls.items(), key=lambda kv: -kv[1]):
        short = q if len(q) <= 110 else q[:107] + "..."
        L.append(f"| `{short.replace('|', '/')}` | {v / reqs:.4f} | {stmt_ms[q] / v:.3f} |")
    L.append("")
    rows_per_s = [o["db"]["row_writes"] / o["db"]["seconds"] for o in closed]
    writes_per_req = sum(o["db"]["row_writes"] for o in closed) / reqs
    L.append(f"- statements touching `channel_requests`/`channel_events` per recorded request: "
             f"**{table_calls / reqs:.3f}**; all statements of the gateway's role: {total_calls / reqs:.3f} "
             f"(over {reqs} recorded requests in {len(closed)} rounds)")
    L.append(f"- round trips per request: **{total_calls / reqs:.3f}**, counted as one per statement execution: "
             f"r2dbc-postgresql sends each execution as one pipelined extended-protocol flush (Bind/Execute/Sync, "
             f"plus Parse/Describe the first time) and waits once for ReadyForQuery; no BEGIN/COMMIT appears "
             f"(autocommit), and `track_utility` would count them if they did")
    L.append(f"- rows written (new `channel_requests` rows + new `channel_events` rows + rows closed by an "
             f"UPDATE, counted in the tables before and after each round): {writes_per_req:.2f} per request, "
             f"**{med(rows_per_s):.0f} rows/s** (median; rounds {', '.join(f'{x:.0f}' for x in rows_per_s)}), "
             f"for {med([o['db']['requests'] / o['db']['seconds'] for o in closed]):.0f} recorded requests/s")
    L.append(f"- PostgreSQL CPU (all its processes) during the observed rounds: "
             f"{med([o['cpu']['postgres'] * 100 for o in closed]):.0f} % of one core (median)")
    L.append("")

    # leak
    if "leak" in r:
        lk = r["leak"]
        L.append("### Leak check")
        L.append("")
        L.append(f"A third observed gateway with `-Dio.netty.leakDetection.level=paranoid` (untimed): "
                 f"{lk['small_requests']} small requests, a {lk['body'] // MIB} MiB upload and download, one client "
                 f"that left mid-download, two `jcmd GC.run` each followed by more requests; `LEAK:` reports in its "
                 f"log: **{lk['leaks']}**.")
        L.append("")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--jar", default=None)
    ap.add_argument("--quick", action="store_true", help="a 1-2 minute smoke run")
    ap.add_argument("--profile", action="store_true", help="a JFR profile of the observed gateway instead")
    ap.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    ap.add_argument("--render", metavar="RUN_DIR", help="only render the results of an earlier run again")
    args = ap.parse_args()
    # BENCH_OBSERVED_JVM="-Dchannels.persistence.concurrency=2 ...": extra JVM arguments for
    # the observed gateway only, to compare settings (each run still measures it against plain).
    args.observed_jvm = shlex.split(os.environ.get("BENCH_OBSERVED_JVM", ""))
    if not args.jar and not os.environ.get("JAR"):
        import glob
        jars = [j for j in glob.glob(os.path.join(args.root, "target", "channels-gateway-*.jar")) if not j.endswith("-plain.jar")]
        if not jars:
            sys.exit("no jar: build it with ./mvnw -B -q package -DskipTests or run bench/run.sh")
        args.jar = jars[0]
    if args.render:
        b = object.__new__(Bench)
        b.root = args.root
        elapsed = b.load_state(args.render)
        table = render(b, elapsed)
        print(table)
        if not args.no_docs:
            b.write_docs(table)
        return 0
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    b = Bench(args)
    b.command = "bench/run.sh" + (" --quick" if args.quick else "")
    rc = 0
    try:
        if args.profile:
            b.run_profile()
            return 0
        b.setup()
        b.pg_settings = {k: b.pg.setting(k) for k in ("fsync", "synchronous_commit", "shared_buffers")}
        b.pg_settings["fs"] = run(["df", "--output=fstype", b.pg.data]).stdout.split()[-1]
        b.fsync = fsync_latency(b.run_dir)
        m = prometheus(b.observed.mgmt_port)
        b.backlog_capacity = metric(m, "channels_recording_backlog_capacity") or 1000
        pools = " ".join(l for l, _ in m.get("jvm_memory_used_bytes", []))
        b.gc = next((name for key, name in (("G1 ", "G1 GC"), ("PS ", "Parallel GC"), ("Tenured", "Serial GC"),
                                            ("ZHeap", "ZGC"), ("ZGC", "ZGC"), ("Shenandoah", "Shenandoah GC"))
                     if key in pools), "the JVM's default GC")
        b.machine_info = b.machine()
        b.run_small()
        b.run_large()
        b.run_leak_check()
        elapsed = time.monotonic() - T0
        b.save_state(elapsed)
        table = b.report(elapsed)
        with open(os.path.join(b.run_dir, "results.json"), "w") as f:
            json.dump(b.results, f, indent=1, default=str)
        with open(os.path.join(b.run_dir, "results.md"), "w") as f:
            f.write(table)
        print(table)
        if not args.no_docs:
            b.write_docs(table)
    except Interrupted as e:
        log(f"interrupted ({e}); stopping everything")
        rc = 130
    except BenchError as e:
        log(f"ERROR: {e}")
        rc = 1
    finally:
        # ignore further signals while cleaning up
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        b.procs.stop_all()
        b.pg.stop()
        shutil.rmtree(b.files_dir, ignore_errors=True)
        shutil.rmtree(b.pg.data, ignore_errors=True)  # the throwaway cluster; postgres.log stays
        log(f"stopped everything; logs in {b.run_dir}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
