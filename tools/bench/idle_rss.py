#!/usr/bin/python3
"""Idle resident memory of each smartmed service (make bench).

Starts the whole stack (a private MariaDB and the five services) with the
test harness, makes one health call to each service, lets them sit idle,
then reads /proc/PID/status and smaps_rollup.  Prints, per service:

  RSS MB     VmRSS, the design's budget of 20 MB per service (design.md);
  anon MB    RssAnon: the service's own memory (heap, thread stacks,
             malloc arenas, libraries' written data);
  file MB    RssFile: pages of the binary and its shared libraries (gRPC,
             OpenSSL, GnuTLS, ICU ...), counted in every process that maps
             them but held once per machine;
  PSS MB     proportional set size: file pages divided among the processes
             that share them (what the service adds to the machine);
  threads.

The verdict holds VmRSS to the budget, and says how much of it is shared
library pages, which no setting of the service caps.
"""

import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from harness import Stack  # noqa: E402

BUDGET_MB = 20.0
IDLE_SECONDS = 3


def memory(pid):
    """VmRSS, RssAnon, RssFile and Pss in MB, and the thread count."""
    m = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                m[key] = int(value.split()[0]) / 1024.0
            elif key == "Threads":
                m[key] = int(value)
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                m["Pss"] = int(line.split()[1]) / 1024.0
    return m


def main():
    with Stack() as st:
        for name in st.names:
            st.health(name)
        time.sleep(IDLE_SECONDS)
        print("idle memory after %d s (budget %.0f MB RSS per service):" %
              (IDLE_SECONDS, BUDGET_MB))
        print("  %-10s %7s %7s %7s %7s %7s  %s" % (
            "service", "RSS MB", "anon MB", "file MB", "PSS MB", "threads",
            "verdict"))
        over = []
        worst = {}
        for name in st.names:
            m = memory(st.proc(name).pid)
            ok = m["VmRSS"] <= BUDGET_MB
            if not ok:
                over.append(name)
            for k in ("VmRSS", "RssAnon", "RssFile", "Pss"):
                worst[k] = max(worst.get(k, 0.0), m[k])
            print("  %-10s %7.1f %7.1f %7.1f %7.1f %7d  %s" % (
                name, m["VmRSS"], m["RssAnon"], m["RssFile"], m["Pss"],
                m["Threads"], "ok" if ok else "OVER"))
        print("  largest: RSS %.1f MB (%.2f of budget), anon %.1f MB, "
              "file %.1f MB, PSS %.1f MB" % (
                  worst["VmRSS"], worst["VmRSS"] / BUDGET_MB,
                  worst["RssAnon"], worst["RssFile"], worst["Pss"]))
        if over:
            print("verdict: idle RSS <= %.0f MB per service: NOT met (%s); "
                  "up to %.1f MB of it is shared library pages (file MB)" % (
                      BUDGET_MB, ", ".join(over), worst["RssFile"]))
        else:
            print("verdict: idle RSS <= %.0f MB per service: met" %
                  BUDGET_MB)


if __name__ == "__main__":
    main()
