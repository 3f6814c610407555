#!/usr/bin/python3
"""What the note reader adds to CreateEntry (tools/bench/note_reader.py).

Issue 55: "reading a 2-page note adds no more than 5 ms to CreateEntry p50
on one core".  One private MariaDB and two records processes on it, built
from the same binary: "on" with the reader (the default) and "off" with
MED_RECORDS_NOTE_READER=off (docs/note-reader.md).  Both, and the
private MariaDB, are pinned to one CPU (the same one: the server side of
a call runs on one core), with MED_THREADS=1; the client is not pinned.  One client (Python grpcio, one call at a time, a new
patient each call) sends the same 2-page note: the notes of
tests/data/notes/dev.notes one after another (all of them, 3.3 KB, then
again from the first), to 6 KB (SIZE).  A repeated mention is no new
finding, so the note makes as many suggestions as the set once (46).  The
rounds alternate on and off (ROUNDS of N calls each, after WARM calls to
each), so both see the same machine.

It prints, per configuration, the p50 and p90 of the client's wall time
per call over all rounds, the median of the rounds' p50s, and the
service's and MariaDB's CPU per call (their threads' schedstat run time,
summed over the round); then the difference of the p50s in ms and their ratio.

Knobs (environment): BUILD (build), ROUNDS (6), N (100 calls a round),
WARM (20), CPU (the CPU both services are pinned to; the last one), SET
(dev: the set of tests/data/notes/ the note is made of; zh-dev for a
Chinese note), SIZE (6144: the note's bytes).
"""

import os
import statistics
import sys
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from harness import Stack  # noqa: E402
from harness import protos  # noqa: E402

NOTES = os.path.join(REPO, "tests", "data", "notes",
                     os.environ.get("SET", "dev") + ".notes")
# bytes: the 6 KB note, about two printed pages
SIZE = int(os.environ.get("SIZE", "6144"))


def two_page_note():
    """The set's notes' texts, in order, until the note is SIZE bytes."""
    texts, cur, inside = [], [], False
    with open(NOTES, encoding="utf-8") as f:
        for line in f:
            if line.startswith("=== "):
                cur, inside = [], True
            elif line.startswith("--- expect"):
                texts.append("".join(cur).strip())
                inside = False
            elif inside:
                cur.append(line)
    body, i = "", 0
    while len(body.encode()) < SIZE:
        body += texts[i % len(texts)] + "\n\n"
        i += 1
    return body.strip()


def cpu_ns(pid):
    """The process's threads' run time so far (schedstat), in ns."""
    total = 0
    task = "/proc/%d/task" % pid
    for tid in os.listdir(task):
        try:
            with open(os.path.join(task, tid, "schedstat")) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # a thread that ended
    return total


def pin(pid, cpu):
    for tid in os.listdir("/proc/%d/task" % pid):
        os.sched_setaffinity(int(tid), {cpu})


def one_round(st, pb, key, body, n, db_pid):
    """n CreateEntry calls to key; their wall times (ms), the service's
    CPU ns and MariaDB's."""
    pid = st.proc(key).pid
    times = []
    c0, d0 = cpu_ns(pid), cpu_ns(db_pid)
    for _ in range(n):
        req = pb.CreateEntryRequest(
            patient_id=str(uuid.uuid4()), kind=pb.ENTRY_KIND_NOTE,
            title="Admission note", body=body)
        t0 = time.perf_counter()
        st.call(key, "CreateEntry", req, role="clinician", timeout=30.0)
        times.append((time.perf_counter() - t0) * 1000.0)
    return times, cpu_ns(pid) - c0, cpu_ns(db_pid) - d0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main():
    build = os.environ.get("BUILD", "build")
    rounds = int(os.environ.get("ROUNDS", "6"))
    n = int(os.environ.get("N", "100"))
    warm = int(os.environ.get("WARM", "20"))
    cpu = int(os.environ.get("CPU", str(max(os.sched_getaffinity(0)))))
    os.environ["BUILD"] = build
    body = two_page_note()
    print("note: %d bytes, %d lines (%s)"
          % (len(body.encode()), body.count("\n") + 1,
             os.path.relpath(NOTES, REPO)))
    with open("/proc/loadavg") as f:
        print("load average before: %s" % " ".join(f.read().split()[:3]))
    env = {"MED_THREADS": "1", "MED_DB_POOL": "1"}
    pb = protos.module("records")
    with Stack(services=("records",), extra_env=env) as st:
        st.start_replica("records", "records-off",
                         env={"MED_RECORDS_NOTE_READER": "off"})
        configs = (("on", "records"), ("off", "records-off"))
        (db_pid,) = st._stray_mariadb_pids()  # this stack's own server
        for pid in [st.proc(key).pid for _, key in configs] + [db_pid]:
            pin(pid, cpu)
        # The reader really is on in one and off in the other.
        for name, key in configs:
            e = st.call(key, "CreateEntry", pb.CreateEntryRequest(
                patient_id=str(uuid.uuid4()), kind=pb.ENTRY_KIND_NOTE,
                title="Admission note", body=body), role="clinician")
            sugs = st.call(key, "ListSuggestions", pb.ListSuggestionsRequest(
                patient_id=e.patient_id), role="clinician").suggestions
            print("%s: one note makes %d suggestions" % (name, len(sugs)))
            one_round(st, pb, key, body, warm, db_pid)
        times = dict((name, []) for name, _ in configs)
        p50s = dict((name, []) for name, _ in configs)
        cpu_total = dict((name, 0) for name, _ in configs)
        db_total = dict((name, 0) for name, _ in configs)
        for i in range(rounds):
            # Alternate which goes first, so neither always follows.
            order = configs if i % 2 == 0 else configs[::-1]
            for name, key in order:
                t, c, d = one_round(st, pb, key, body, n, db_pid)
                times[name] += t
                p50s[name].append(statistics.median(t))
                cpu_total[name] += c
                db_total[name] += d
                print("round %d %-3s p50 %.2f ms  p90 %.2f ms  cpu %.2f ms"
                      "/call, mariadb %.2f" % (
                          i + 1, name, statistics.median(t), pct(t, 0.9),
                          c / n / 1e6, d / n / 1e6))
                sys.stdout.flush()
    with open("/proc/loadavg") as f:
        print("load average after: %s" % " ".join(f.read().split()[:3]))
    print("--- %d alternating rounds of %d calls, services pinned to CPU %d"
          % (rounds, n, cpu))
    fig = {}
    for name, _ in configs:
        fig[name] = (statistics.median(times[name]),
                     statistics.median(p50s[name]),
                     cpu_total[name] / (rounds * n) / 1e6,
                     db_total[name] / (rounds * n) / 1e6)
        print("%-3s p50 %.2f ms (median of round p50s %.2f)  p90 %.2f ms"
              "  cpu %.3f ms/call, mariadb %.3f" % (
                  name, fig[name][0], fig[name][1], pct(times[name], 0.9),
                  fig[name][2], fig[name][3]))
    print("reader adds: p50 %+.2f ms (ratio on/off %.2f), median of round"
          " p50s %+.2f ms, cpu %+.3f ms/call, mariadb %+.3f" % (
              fig["on"][0] - fig["off"][0], fig["on"][0] / fig["off"][0],
              fig["on"][1] - fig["off"][1], fig["on"][2] - fig["off"][2],
              fig["on"][3] - fig["off"][3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
