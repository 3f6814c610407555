#!/usr/bin/python3
"""Idle resident memory of each smartmed service (make bench).

Starts the whole stack (a private MariaDB and the five services) with the
test harness, makes one health call to each service, lets them sit idle,
then reads VmRSS from /proc/PID/status.  Prints a table against the design budget of 20 MB.
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


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    with Stack() as st:
        for name in st.names:
            st.health(name)
        time.sleep(IDLE_SECONDS)
        print("idle RSS after %d s (budget %.0f MB):" %
              (IDLE_SECONDS, BUDGET_MB))
        print("  %-10s %8s  %s" % ("service", "RSS MB", "verdict"))
        worst = 0.0
        for name in st.names:
            mb = rss_mb(st.proc(name).pid)
            worst = max(worst, mb)
            print("  %-10s %8.1f  %s" %
                  (name, mb, "ok" if mb <= BUDGET_MB else "OVER"))
        print("  largest: %.1f MB (%.2f of budget)" %
              (worst, worst / BUDGET_MB))


if __name__ == "__main__":
    main()
