#!/usr/bin/env python3
"""Checks the fault drill's invariant from what the client, the sink and the database saw.

  check.py --run-dir DIR     reads DIR/load.jsonl (load.py), DIR/sink.log (sink.py),
                             DIR/requests.csv, DIR/events.csv (psql COPY ... CSV HEADER)
                             and DIR/timeline.log (fault-drill.sh), prints counts, timings
                             and violations; exits 1 on any violation.
      --tamper-test          then also corrupts copies of the data one way at a time and
                             verifies each corruption is reported (exits 3 if one is not).
  check.py --self-test       the same tamper test on a small synthetic run (no files).

Violations (the invariant, by check):
  1  every response except the gateway's own 503 recording_unavailable has exactly one
     channel_requests row, in a final state, and exactly one channel_events row, recorded
     for that drill id; for complete 2xx responses the event says sink_response with the
     same status, the row says success, and the hashes match what was sent and received
     (outcome_lost: the event is a bare error event, as a sweeper writes for a request whose
     outcome was never recorded, so it holds nothing of what was sent and received):
       response_without_request_id, request_id_reused, response_without_row,
       responded_row_not_final, responded_event_count, event_drill_id_mismatch,
       outcome_lost, outcome_mismatch, request_hash_mismatch, response_hash_mismatch
  2  no row is left pending; no row has more than one event; no drill id is recorded twice:
       pending_row, multiple_events, drill_id_in_multiple_events
  3  no request reached the sink without a row: its X-Channel-Request-Id has a
     channel_requests row, and its X-Drill-Id is in the request headers of an event (unless
     its row is pending, counted under 2, or was closed by a bare error event, which stores
     no headers):
       sink_without_row, sink_id_not_in_events
  4  a 503 recording_unavailable never reached the sink:
       rejected_reached_sink
"""
import argparse
import copy
import csv
import json
import os
import statistics
import sys
import uuid
from collections import Counter, defaultdict

FINAL = {"success", "failed", "timeout", "error"}
DRILL_HEADER = "x-drill-id"
KINDS = {
    1: ["response_without_request_id", "request_id_reused", "response_without_row", "responded_row_not_final",
        "responded_event_count", "event_drill_id_mismatch", "outcome_lost", "outcome_mismatch",
        "request_hash_mismatch", "response_hash_mismatch"],
    2: ["pending_row", "multiple_events", "drill_id_in_multiple_events"],
    3: ["sink_without_row", "sink_id_not_in_events"],
    4: ["rejected_reached_sink"],
}

csv.field_size_limit(1 << 30)


# ---------------------------------------------------------------------------------------------
# Input


def read_run(run_dir):
    load = []
    with open(os.path.join(run_dir, "load.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                load.append(json.loads(line))
    sink = []
    with open(os.path.join(run_dir, "sink.log"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                drill_id, _, request_id = line.partition("\t")
                sink.append((drill_id, request_id))
    requests = {}
    with open(os.path.join(run_dir, "requests.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            requests[row["id"]] = row["state"]
    events = []
    with open(os.path.join(run_dir, "events.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            headers = json.loads(row["request_headers"]) if row["request_headers"] else []
            events.append({
                "id": row["id"],
                "channel_request_id": row["channel_request_id"],
                "type": row["type"],
                "request_body_hash": row["request_body_hash"] or None,
                "response_body_hash": row["response_body_hash"] or None,
                "response_status": int(row["response_status"]) if row["response_status"] else None,
                "error_message": row.get("error_message") or None,
                "drill_ids": [v for n, v in headers if n.lower() == DRILL_HEADER],
            })
    timeline = []
    path = os.path.join(run_dir, "timeline.log")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    timeline.append((float(parts[0]), parts[1], parts[2:]))
    return {"load": load, "sink": sink, "requests": requests, "events": events, "timeline": timeline}


# ---------------------------------------------------------------------------------------------
# The invariant


def is_gateway_503(rec):
    return rec["status"] == 503 and rec.get("rejected_json") == "recording_unavailable"


def is_bare(ev):
    """An error event that holds nothing of the exchange: a swept request's."""
    return ev["type"] == "error" and ev["request_body_hash"] is None and not ev["drill_ids"]


def analyse(data):
    load, sink, requests, events = data["load"], data["sink"], data["requests"], data["events"]
    violations = defaultdict(list)

    def violation(kind, detail):
        violations[kind].append(detail)

    events_by_request = defaultdict(list)
    events_by_drill_id = defaultdict(list)
    for ev in events:
        events_by_request[ev["channel_request_id"]].append(ev)
        for d in set(ev["drill_ids"]):
            events_by_drill_id[d].append(ev)

    # 1. every response (but the gateway's 503) has one final row and one matching event
    rejected_ids = set()
    seen_request_ids = {}
    for rec in load:
        if rec["status"] is None:
            continue
        d = rec["drill_id"]
        if is_gateway_503(rec):
            rejected_ids.add(d)
            continue
        rid = rec.get("request_id")
        if not rid:
            violation("response_without_request_id", f"{d}: status {rec['status']}")
            continue
        if rid in seen_request_ids:
            violation("request_id_reused", f"{d} and {seen_request_ids[rid]}: {rid}")
        seen_request_ids[rid] = d
        state = requests.get(rid)
        if state is None:
            violation("response_without_row", f"{d}: status {rec['status']}, request {rid}")
            continue
        if state not in FINAL:
            violation("responded_row_not_final",
                      f"{d}: status {rec['status']}{'' if rec['complete'] else ' (incomplete)'}, "
                      f"request {rid} is {state}")
        evs = events_by_request.get(rid, [])
        if len(evs) != 1:
            if state in FINAL or len(evs) > 1:  # a pending row without an event is counted once, above
                violation("responded_event_count", f"{d}: request {rid} ({state}) has {len(evs)} events")
            if not evs:
                continue
        ev = evs[0]
        if is_bare(ev):
            if rec["complete"] and 200 <= rec["status"] < 300:
                violation("outcome_lost", f"{d}: got {rec['status']}, recorded {state}: {ev['error_message']}")
            continue
        if ev["drill_ids"] != [d]:
            violation("event_drill_id_mismatch", f"{d}: event of request {rid} has X-Drill-Id {ev['drill_ids']}")
        if rec["complete"] and 200 <= rec["status"] < 300:
            if ev["type"] != "sink_response" or ev["response_status"] != rec["status"] or state != "success":
                violation("outcome_mismatch", f"{d}: got {rec['status']}, recorded {state}/{ev['type']}/"
                                              f"{ev['response_status']} ({ev['error_message']})")
            if ev["request_body_hash"] != rec["sent_sha256"]:
                violation("request_hash_mismatch", f"{d}: sent {rec['sent_size']} bytes {rec['sent_sha256']}, "
                                                   f"recorded {ev['request_body_hash']}")
            if ev["response_body_hash"] != rec["received_sha256"]:
                violation("response_hash_mismatch", f"{d}: received {rec['received_size']} bytes "
                                                    f"{rec['received_sha256']}, recorded {ev['response_body_hash']}")

    # 2. nothing left pending, nothing recorded twice
    for rid, state in requests.items():
        if state == "pending":
            violation("pending_row", rid)
    for rid, evs in events_by_request.items():
        if len(evs) > 1:
            violation("multiple_events", f"request {rid} has {len(evs)} events")
    for d, evs in events_by_drill_id.items():
        if len({ev["channel_request_id"] for ev in evs}) > 1:
            violation("drill_id_in_multiple_events", f"{d}: requests {sorted({e['channel_request_id'] for e in evs})}")

    # 3. nothing reached the sink without a row
    not_in_events = Counter()
    for d, rid in sink:
        if not rid or rid not in requests:
            violation("sink_without_row", f"{d}: X-Channel-Request-Id {rid or '(none)'}")
        if d not in events_by_drill_id:
            state = requests.get(rid)
            evs = events_by_request.get(rid, [])
            if state == "pending":
                not_in_events["pending"] += 1
            elif state in FINAL and evs and all(is_bare(e) for e in evs):
                not_in_events["closed by a bare error event"] += 1
            else:
                not_in_events["other"] += 1
                violation("sink_id_not_in_events", f"{d}: request {rid or '(none)'} is {state or 'absent'}")

    # 4. the gateway's 503s never reached the sink
    sink_ids = {d for d, _ in sink}
    for d in sorted(rejected_ids & sink_ids):
        violation("rejected_reached_sink", d)

    counts = {
        "rejected": len(rejected_ids),
        "sink_ids": len(sink_ids),
        "final_rows_without_event": sum(1 for rid, s in requests.items() if s in FINAL and rid not in events_by_request),
        "sink_not_in_events": not_in_events,
        "bare_events": sum(1 for e in events if is_bare(e)),
    }
    return counts, violations


# ---------------------------------------------------------------------------------------------
# Report


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def ms_summary(values):
    if not values:
        return "none"
    return f"{len(values)}, median {statistics.median(values):.0f} ms, p95 {pct(values, 0.95):.0f} ms, max {max(values):.0f} ms"


def print_timings(data):
    timeline, load = data["timeline"], data["load"]
    if not timeline:
        return
    t0 = next((t for t, name, _ in timeline if name == "load_start"), timeline[0][0])
    print("timeline (s after the load started):")
    for t, name, rest in timeline:
        print(f"  {t - t0:7.2f}  {name} {' '.join(rest)}")

    def first(name, after=float("-inf")):
        return next((t for t, n, _ in timeline if n == name and t >= after), None)

    print("timings:")
    db_kill, db_ready = first("db_killed"), first("db_ready")
    rejected = [r for r in load if is_gateway_503(r)]
    if db_kill is not None and db_ready is not None:
        during = [r["latency_ms"] for r in rejected if db_kill <= r["started"] <= db_ready]
        print(f"  database down {db_ready - db_kill:.1f} s (killed to ready again); "
              f"503s for requests started meanwhile: {ms_summary(during)}")
        after = [r for r in rejected if r["started"] > db_ready]
        if after:
            last = max(r["started"] for r in after)
            print(f"  503s for requests started after the database was back: {len(after)}, "
                  f"the last {last - db_ready:.1f} s after")
        first_503 = min((r["started"] for r in rejected if r["started"] >= db_kill), default=None)
        ok_after = [r["started"] for r in load if r["status"] is not None and 200 <= r["status"] < 300
                    and first_503 is not None and r["started"] > first_503]
        if ok_after:
            print(f"  first 503 {first_503 - db_kill:.1f} s after the kill; first 2xx after it: request started "
                  f"{min(ok_after) - db_kill:.1f} s after the kill ({min(ok_after) - db_ready:+.1f} s from ready)")
    print(f"  all 503 recording_unavailable: {ms_summary([r['latency_ms'] for r in rejected])}")
    for t, name, rest in timeline:
        if name == "gateway_started":
            n = rest[0]
            ready = next((t2 for t2, n2, r2 in timeline if n2 == "gateway_ready" and r2[:1] == [n]), None)
            print(f"  gateway #{n}: ready {ready - t:.1f} s after start" if ready else f"  gateway #{n}: never ready")
        if name == "gateway_sigterm":
            n = rest[0]
            gone = next(((t2, r2) for t2, n2, r2 in timeline if n2 == "gateway_exited" and r2[:1] == [n]), None)
            print(f"  gateway #{n}: exited {gone[0] - t:.1f} s after SIGTERM ({' '.join(gone[1][1:])})" if gone
                  else f"  gateway #{n}: did not exit after SIGTERM")
    # client-visible outages: runs of requests without a response
    down = sorted(r["started"] for r in load if r["status"] is None and r["started"] is not None)
    if down:
        spans, start, last = [], down[0], down[0]
        for t in down[1:]:
            if t - last > 2.0:
                spans.append((start, last))
                start = t
            last = t
        spans.append((start, last))
        print("  requests without a response, by span: " + ", ".join(
            f"{a - t0:.1f}..{b - t0:.1f} s ({sum(1 for t in down if a <= t <= b)})" for a, b in spans))


def print_report(data, counts, violations):
    load, requests, events = data["load"], data["requests"], data["events"]
    sent = [r for r in load if r["error"] != "not sent"]
    statuses = Counter(r["status"] for r in load if r["status"] is not None)
    incomplete = Counter(r["status"] for r in load if r["status"] is not None and not r["complete"])
    errors = Counter((r["error"] or "").split(":")[0] for r in load if r["status"] is None and r["error"] != "not sent")
    print("counts:")
    print(f"  requests planned {len(load)}, sent {len(sent)}, not sent (time limit) {len(load) - len(sent)}")
    print(f"  responses {sum(statuses.values())} by status {dict(sorted(statuses.items()))}"
          + (f", incomplete by status {dict(sorted(incomplete.items()))}" if incomplete else ""))
    print(f"  gateway 503 recording_unavailable {counts['rejected']}")
    print(f"  no response {sum(errors.values())}" + (f" {dict(errors.most_common())}" if errors else ""))
    print(f"  channel_requests rows {len(requests)} by state {dict(Counter(requests.values()).most_common())}")
    print(f"  channel_events rows {len(events)} by type {dict(Counter(e['type'] for e in events).most_common())}"
          f"; bare error events (swept) {counts['bare_events']}"
          f"; rows in a final state without an event {counts['final_rows_without_event']}")
    messages = Counter((e["error_message"] or "")[:90] for e in events if e["type"] == "error")
    for m, n in messages.most_common(6):
        print(f"    error event x{n}: {m}")
    pending = [rid for rid, st in requests.items() if st == "pending"]
    if pending:
        by_request = {r["request_id"]: r for r in load if r.get("request_id")}
        drill_of = {rid: d for d, rid in data["sink"]}
        by_drill = {r["drill_id"]: r for r in load}
        faults = [(t, name) for t, name, _ in data["timeline"]
                  if name in ("db_killed", "db_ready", "gateway_sigterm", "gateway_kill9")]
        phases, offsets = Counter(), defaultdict(list)
        for rid in pending:
            rec = by_request.get(rid) or by_drill.get(drill_of.get(rid))
            if rec is None or rec["started"] is None:
                phases["unknown request"] += 1
                continue
            end = rec["started"] + (rec["latency_ms"] or 0) / 1000
            near = min(faults, key=lambda f: abs(f[0] - end), default=None)
            what = "answered" if rec["status"] is not None else "no response"
            key = f"{what}, near {near[1]}" if near else f"{what}, no fault"
            phases[key] += 1
            offsets[key].append(end - near[0] if near else 0)
        print("  pending rows by what the client got and the fault nearest to the request's end: " + ", ".join(
            f"{k}: {n} (ended {min(offsets[k]):+.1f}..{max(offsets[k]):+.1f} s from it)" for k, n in phases.most_common()))
    print(f"  sink saw {len(data['sink'])} requests, {counts['sink_ids']} distinct drill ids; "
          f"drill ids not in any event's request headers {sum(counts['sink_not_in_events'].values())}"
          + (f" {dict(counts['sink_not_in_events'])}" if counts["sink_not_in_events"] else ""))
    print("violations:")
    total = 0
    for check, kinds in KINDS.items():
        for kind in kinds:
            found = violations.get(kind, [])
            total += len(found)
            print(f"  [{check}] {kind}: {len(found)}")
            for example in found[:5]:
                print(f"        e.g. {example}")
            if len(found) > 5:
                print(f"        ... and {len(found) - 5} more")
    return total


# ---------------------------------------------------------------------------------------------
# Tamper test: each corruption must raise the count of the violation it targets


def tamper_cases(data):
    load, requests, events = data["load"], data["requests"], data["events"]
    events_by_request = defaultdict(list)
    for ev in events:
        events_by_request[ev["channel_request_id"]].append(ev)
    good = next((r for r in load if r["status"] is not None and 200 <= r["status"] < 300 and r["complete"]
                 and r.get("request_id") in requests and len(events_by_request.get(r["request_id"], [])) == 1), None)
    other = next((r for r in load if good and r is not good and r["status"] is not None
                  and not is_gateway_503(r) and r.get("request_id")), None)
    rejected = next((r for r in load if is_gateway_503(r)), None)
    cases = []
    if good is None:
        return cases, ["no complete 2xx response with a row and an event to tamper with"]
    rid, d = good["request_id"], good["drill_id"]

    def ev_of(dd, r):
        return next(e for e in dd["events"] if e["channel_request_id"] == r)

    def case(name, kinds, mutate):
        cases.append((name, kinds, mutate))

    case("drop a responded request's row and event", ["response_without_row"],
         lambda dd: (dd["requests"].pop(rid), dd["events"].remove(ev_of(dd, rid))))
    case("set a responded request's row back to pending", ["responded_row_not_final", "pending_row"],
         lambda dd: dd["requests"].__setitem__(rid, "pending"))
    case("drop a responded request's event", ["responded_event_count"],
         lambda dd: dd["events"].remove(ev_of(dd, rid)))
    case("duplicate a responded request's event", ["responded_event_count", "multiple_events"],
         lambda dd: dd["events"].append(dict(ev_of(dd, rid), id=str(uuid.uuid4()))))
    case("change the recorded request hash", ["request_hash_mismatch"],
         lambda dd: ev_of(dd, rid).__setitem__("request_body_hash", "0" * 64))
    case("change the recorded response hash", ["response_hash_mismatch"],
         lambda dd: ev_of(dd, rid).__setitem__("response_body_hash", "f" * 64))
    case("record the response as a 502 error", ["outcome_mismatch"],
         lambda dd: (ev_of(dd, rid).update(type="error", response_status=502), dd["requests"].__setitem__(rid, "error")))
    case("close a responded request as a sweeper would", ["outcome_lost"],
         lambda dd: (ev_of(dd, rid).update(type="error", response_status=None, request_body_hash=None,
                                           response_body_hash=None, drill_ids=[], error_message="tampered: swept"),
                     dd["requests"].__setitem__(rid, "error")))
    case("record another drill id in the event's headers", ["event_drill_id_mismatch"],
         lambda dd: ev_of(dd, rid).__setitem__("drill_ids", ["someone-else"]))
    case("lose the X-Channel-Request-Id of a response", ["response_without_request_id"],
         lambda dd: next(r for r in dd["load"] if r["drill_id"] == d).__setitem__("request_id", None))
    if other is not None:
        case("give two responses the same X-Channel-Request-Id", ["request_id_reused"],
             lambda dd: next(r for r in dd["load"] if r["drill_id"] == other["drill_id"]).__setitem__("request_id", rid))
    case("record one drill id under two requests", ["drill_id_in_multiple_events"],
         lambda dd: (dd["requests"].__setitem__("00000000-0000-7000-8000-000000000001", "success"),
                     dd["events"].append(dict(ev_of(dd, rid), id=str(uuid.uuid4()),
                                              channel_request_id="00000000-0000-7000-8000-000000000001"))))
    case("a request reached the sink with an id that has no row", ["sink_without_row", "sink_id_not_in_events"],
         lambda dd: dd["sink"].append(("tampered-unknown", str(uuid.uuid4()))))
    case("a request reached the sink with no X-Channel-Request-Id", ["sink_without_row"],
         lambda dd: dd["sink"].append((d, "")))
    case("a request reached the sink and its event lost the drill id", ["sink_id_not_in_events"],
         lambda dd: (dd["sink"].append((d, rid)), ev_of(dd, rid).__setitem__("drill_ids", [])))
    skipped = []
    if rejected is not None:
        case("a rejected (503) request reached the sink", ["rejected_reached_sink"],
             lambda dd: dd["sink"].append((rejected["drill_id"], rejected.get("request_id") or "")))
    else:
        skipped.append("rejected_reached_sink: no 503 recording_unavailable in this run")
    return cases, skipped


def tamper_test(data, label):
    _, base = analyse(data)
    cases, skipped = tamper_cases(data)
    failed = 0
    covered = set()
    for name, kinds, mutate in cases:
        dd = copy.deepcopy(data)
        mutate(dd)
        _, v = analyse(dd)
        missed = [k for k in kinds if len(v.get(k, [])) <= len(base.get(k, []))]
        covered.update(kinds)
        if missed:
            failed += 1
            print(f"  NOT CAUGHT: {name}: expected {missed}")
    all_kinds = {k for ks in KINDS.values() for k in ks}
    untested = sorted(all_kinds - covered)
    print(f"tamper test on {label}: {len(cases) - failed} of {len(cases)} corruptions caught; "
          f"violation kinds exercised {len(covered & all_kinds)} of {len(all_kinds)}"
          + (f"; not exercised: {untested}" if untested else "")
          + (f"; skipped: {skipped}" if skipped else ""))
    return failed == 0 and (label != "synthetic data" or not untested)


def synthetic():
    """A small clean run: successes, a 502, a gateway 503, requests without a response."""
    import hashlib
    data = {"load": [], "sink": [], "requests": {}, "events": [], "timeline": []}
    h = lambda b: hashlib.sha256(b).hexdigest()

    def add(i, status, row_state=None, event_type=None, event_status=None, reached_sink=True, rejected=False,
            complete=True):
        d = f"syn-{i:06d}"
        sent = f"body {i}".encode()
        rid = None if rejected else str(uuid.UUID(int=i, version=4))
        data["load"].append({"drill_id": d, "i": i, "started": 1000.0 + i, "latency_ms": 5.0, "status": status,
                             "error": None if status else "ConnectionResetError", "request_id": rid,
                             "sent_sha256": h(sent), "sent_size": len(sent), "received_sha256": h(sent) if status else None,
                             "received_size": len(sent), "complete": complete,
                             "rejected_json": "recording_unavailable" if rejected else None})
        if row_state:
            data["requests"][rid] = row_state
        if event_type:
            data["events"].append({"id": str(uuid.uuid4()), "channel_request_id": rid, "type": event_type,
                                   "request_body_hash": h(sent),
                                   "response_body_hash": h(sent) if event_type == "sink_response" else None,
                                   "response_status": event_status, "error_message": None, "drill_ids": [d]})
        if reached_sink and not rejected and row_state:
            data["sink"].append((d, rid))

    for i in range(5):
        add(i, 200, "success", "sink_response", 200)
    add(5, 502, "error", "error", None, reached_sink=False)
    add(6, 503, rejected=True)
    add(7, None, "error", "error", None)            # gateway died after forwarding
    add(8, None)                                      # never reached the gateway
    add(9, 200, "error", "error", 200, complete=False)  # broke off mid-body
    add(10, None, "error", "error", None)           # killed in flight, then swept: a bare event
    ev = data["events"][-1]
    ev.update(request_body_hash=None, response_body_hash=None, drill_ids=[], error_message="swept")
    return data


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run-dir")
    p.add_argument("--tamper-test", action="store_true")
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args()
    if args.self_test:
        data = synthetic()
        counts, violations = analyse(data)
        clean = sum(len(v) for v in violations.values()) == 0
        if not clean:
            print_report(data, counts, violations)
            print("self-test: the clean synthetic run has violations")
        ok = tamper_test(data, "synthetic data")
        print("self-test: " + ("passed" if clean and ok else "FAILED"))
        return 0 if clean and ok else 3
    if not args.run_dir:
        p.error("--run-dir or --self-test")
    data = read_run(args.run_dir)
    counts, violations = analyse(data)
    print_timings(data)
    total = print_report(data, counts, violations)
    status = 0
    if args.tamper_test and not tamper_test(data, "this run's data"):
        status = 3
    print(f"RESULT: {'FAIL' if total else 'PASS'}: {total} violation(s)")
    return 1 if total else status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # a broken check is not a violation: say so with its own status
        import traceback
        traceback.print_exc()
        print("RESULT: ERROR: the check itself failed")
        sys.exit(2)
