#!/usr/bin/env python3
"""The drill's sink: a threaded HTTP/1.1 server that echoes request bodies.

Every request it receives is logged, as soon as its headers have arrived, as one line
"<X-Drill-Id>\t<X-Channel-Request-Id>\n" (empty when absent), flushed per line: a request
in that log reached the sink. Query parameters:

  delay_ms=N   wait N ms after reading the request body, before answering
  size=N       answer N pseudo-random bytes instead of echoing the request body
  status=N     answer with status N (default 200)

Responses always carry Content-Length; connections are kept alive.
"""
import argparse
import http.server
import os
import random
import sys
import threading
import time
import urllib.parse


class Log:
    def __init__(self, path):
        self._file = open(path, "a", buffering=1, encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, drill_id, request_id):
        with self._lock:
            self._file.write(f"{drill_id}\t{request_id}\n")
            self._file.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "drill-sink"
    log = None  # set in main

    def log_message(self, fmt, *args):  # no access log on stderr
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("connection closed inside a chunked body")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise ConnectionError(f"connection closed after {len(body)} of {length} body bytes")
        return body

    def _handle(self):
        Handler.log.write(self.headers.get("X-Drill-Id", ""), self.headers.get("X-Channel-Request-Id", ""))
        try:
            body = self._read_body()
        except (ConnectionError, ValueError):
            self.close_connection = True
            return
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        delay_ms = int(query.get("delay_ms", ["0"])[0])
        if delay_ms > 0:
            time.sleep(delay_ms / 1000)
        status = int(query.get("status", ["200"])[0])
        if "size" in query:
            size = int(query["size"][0])
            body = random.Random(self.path).randbytes(size)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", required=True, help="file the X-Drill-Id of every request is appended to")
    parser.add_argument("--port-file", help="file to write the bound port to once listening")
    args = parser.parse_args()
    Handler.log = Log(args.log)
    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"sink listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
