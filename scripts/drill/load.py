#!/usr/bin/env python3
"""The drill's load: a fixed number of POSTs, spread over a time span, with a time limit.

Request i is sent no earlier than start + i * spread / requests, by whichever of the worker
threads is free; each worker keeps one keep-alive connection and opens a new one after any
failure. Requests not sent by the time limit are counted as not sent. Each request is a POST
to <base>/drill/echo/<i> with a unique X-Drill-Id and a random body (mostly 0..64 KiB, some
up to 256 KiB, a few up to 1 MiB); some ask the sink to wait (delay_ms) so that exchanges are
in flight when faults strike, some ask for a response of another size.

One JSON line per request (in completion order) to --out:
  drill_id, i, started (epoch s), latency_ms, status (null: no response), error,
  request_id (X-Channel-Request-Id), sent_sha256, sent_size, received_sha256,
  received_size, complete (whole response read), rejected_json (the "error" field of a
  JSON body, for 503s), connection_reused
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

KIB = 1024


def pick_body(rng):
    r = rng.random()
    if r < 0.05:
        size = 0
    elif r < 0.90:
        size = rng.randint(1, 64 * KIB)
    elif r < 0.98:
        size = rng.randint(64 * KIB, 256 * KIB)
    else:
        size = rng.randint(256 * KIB, 1024 * KIB)
    return rng.randbytes(size)


def pick_query(rng):
    r = rng.random()
    params = {}
    if r < 0.10:
        params["delay_ms"] = rng.randint(100, 1500)
    elif r < 0.15:
        params["size"] = rng.choice([0, 1, rng.randint(2, 128 * KIB), rng.randint(128 * KIB, 1024 * KIB)])
    return ("?" + urllib.parse.urlencode(params)) if params else ""


class Load:
    def __init__(self, args):
        self.args = args
        url = urllib.parse.urlsplit(args.base_url)
        self.host, self.port = url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/")
        self.next_index = 0
        self.lock = threading.Lock()
        self.out = open(args.out, "w", buffering=1, encoding="utf-8")
        self.out_lock = threading.Lock()
        self.start = None
        self.counts = {"sent": 0, "not_sent": 0, "no_response": 0, "incomplete": 0}
        self.statuses = {}

    def take(self):
        with self.lock:
            if self.next_index >= self.args.requests:
                return None
            i = self.next_index
            self.next_index += 1
            return i

    def record(self, rec):
        with self.out_lock:
            self.out.write(json.dumps(rec, separators=(",", ":")) + "\n")
            if rec["status"] is None:
                self.counts["no_response" if rec["error"] != "not sent" else "not_sent"] += 1
            else:
                self.statuses[rec["status"]] = self.statuses.get(rec["status"], 0) + 1
                if not rec["complete"]:
                    self.counts["incomplete"] += 1
            if rec["error"] != "not sent":
                self.counts["sent"] += 1

    def connect(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=self.args.request_timeout)

    def worker(self):
        conn = None
        uses = 0
        while True:
            i = self.take()
            if i is None:
                break
            drill_id = f"{self.args.run_id}-{i:06d}"
            due = self.start + i * self.args.spread / self.args.requests
            deadline = self.start + self.args.time_limit
            now = time.time()
            if due > now:
                time.sleep(due - now)
            rng = random.Random(f"{self.args.seed}:{i}")
            body = pick_body(rng)
            path = f"{self.prefix}/drill/echo/{i}{pick_query(rng)}"
            rec = {"drill_id": drill_id, "i": i, "path": path, "started": None, "latency_ms": None,
                   "status": None, "error": None, "request_id": None,
                   "sent_sha256": hashlib.sha256(body).hexdigest(), "sent_size": len(body),
                   "received_sha256": None, "received_size": None, "complete": False,
                   "rejected_json": None, "connection_reused": None}
            if time.time() >= deadline:
                rec["error"] = "not sent"
                self.record(rec)
                continue
            if conn is None:
                conn, uses = self.connect(), 0
            rec["connection_reused"] = uses > 0
            uses += 1
            started = time.time()
            rec["started"] = round(started, 6)
            response = None
            try:
                conn.request("POST", path, body=body, headers={
                    "X-Drill-Id": drill_id, "Content-Type": "application/octet-stream"})
                response = conn.getresponse()
                rec["status"] = response.status
                rec["request_id"] = response.getheader("X-Channel-Request-Id")
                received = response.read()
                rec["received_sha256"] = hashlib.sha256(received).hexdigest()
                rec["received_size"] = len(received)
                rec["complete"] = True
                if response.status >= 400 and "json" in (response.getheader("Content-Type") or ""):
                    try:
                        rec["rejected_json"] = json.loads(received).get("error")
                    except (ValueError, AttributeError):
                        pass
                if response.will_close:
                    conn.close()
                    conn = None
            except Exception as e:  # any failure: record it, start over on a new connection
                rec["error"] = f"{type(e).__name__}: {e}"[:300]
                if isinstance(e, http.client.IncompleteRead):
                    rec["received_size"] = len(e.partial)
                conn.close()
                conn = None
            rec["latency_ms"] = round((time.time() - started) * 1000, 1)
            self.record(rec)
        if conn is not None:
            conn.close()

    def run(self):
        self.start = time.time()
        threads = [threading.Thread(target=self.worker, name=f"load-{n}", daemon=True)
                   for n in range(self.args.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.out.close()
        took = time.time() - self.start
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        print(f"load: {self.counts['sent']} of {self.args.requests} sent in {took:.1f} s "
              f"({self.counts['not_sent']} not sent by the time limit); "
              f"responses by status {{{statuses}}}, {self.counts['no_response']} without a response, "
              f"{self.counts['incomplete']} incomplete", file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", required=True, help="the gateway, e.g. http://127.0.0.1:8080")
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--spread", type=float, default=90.0, help="seconds over which requests are started")
    p.add_argument("--time-limit", type=float, default=120.0, help="no request is started after this")
    p.add_argument("--request-timeout", type=float, default=30.0, help="socket timeout per request")
    p.add_argument("--run-id", default=os.urandom(4).hex())
    p.add_argument("--seed", default="drill")
    p.add_argument("--out", required=True)
    Load(p.parse_args()).run()


if __name__ == "__main__":
    main()
