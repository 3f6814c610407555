#!/usr/bin/python3
"""Records benchmark (tools/bench/records.py).

Starts a private MariaDB and the records service (mutual TLS, as deployed)
with the test harness, then runs build/bin/bench-records_create against
them: CreateEntry throughput over gRPC versus raw durable INSERTs of the
same row through libmed's db module in the same run (the ratio), and
GetEntry p50/p99.

ROUNDS runs (3 by default) each start a fresh stack; with BASELINE (the
build directory of another checkout, e.g. a worktree of the previous
commit) every round runs that build and then this one, alternating, so
both see the same machine.  The summary gives each build's medians: on a
shared machine only the ratios of one run, and medians of alternating
rounds, are worth comparing.

Knobs (environment): BUILD (build), BASELINE (none), ROUNDS (3),
N (2000 entries per phase), THREADS (4), GETS (2000).

STATEMENTS=1 profiles instead of measuring: MariaDB's general log is on
for the run, and the statements the service sent (not the benchmark's own
connections) are counted per CreateEntry, by statement text; GetEntry's
reads are among them, under their own texts.  The log slows every
statement, so such a run's rates are not figures.
"""

import collections
import os
import re
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

import rounds as rounds_of  # noqa: E402
from harness import Stack  # noqa: E402


def build_path(build):
    return build if os.path.isabs(build) else os.path.join(REPO, build)


def statements_per_call(log, n):
    """Prints the service's statements in general log log, per call."""
    by_conn = collections.defaultdict(list)
    with open(log, errors="replace") as f:
        for line in f:
            m = re.match(r"^(?:\d{6}\s+[\d:]+)?\s+(\d+) (\w+(?: \w+)?)"
                         r"\t(.*)$", line.rstrip("\n"))
            if m:
                by_conn[m.group(1)].append((m.group(2), m.group(3)))
    count = collections.Counter()
    for lines in by_conn.values():
        # The benchmark's own connections write its raw rows.
        if any("bench_raw" in text for _, text in lines):
            continue
        for cmd, text in lines:
            if cmd in ("Query", "Execute"):
                # One line per statement text: values and blobs out.
                text = re.sub(r"'(?:[^'\\]|\\.)*'|\b\d+\b", "?", text)
                count[text[:100]] += 1
    print("statements per CreateEntry (service connections, n=%d):" % n)
    for text, k in count.most_common():
        if k * 50 >= n:
            print("  %5.2f  %s" % (k / n, text))
    print("  %5.2f  in all (%d texts under 0.02 left out)" % (
        sum(count.values()) / n,
        sum(1 for k in count.values() if k * 50 < n)))


def run_once(build, n, threads, gets):
    """One run of the bench on build's binaries; its figures, or None."""
    exe = os.path.join(build_path(build), "bin", "bench-records_create")
    if not os.access(exe, os.X_OK):
        sys.exit("%s is missing: run `make all` first" % exe)
    # The harness finds the service's binary through BUILD.
    os.environ["BUILD"] = build
    # One completion-queue thread per client thread, and a pool to match.
    env = {"MED_THREADS": threads, "MED_DB_POOL": threads}
    with Stack(services=("records",), extra_env=env) as st:
        durable = st.sql("SELECT @@innodb_flush_log_at_trx_commit,"
                         " @@innodb_doublewrite").split()[-2:]
        print("mariadb innodb_flush_log_at_trx_commit=%s doublewrite=%s"
              % tuple(durable))
        log = os.path.join(st.db_dir, "general.log")
        if os.environ.get("STATEMENTS"):
            st.sql("SET GLOBAL general_log_file = '%s';"
                   " SET GLOBAL log_output = 'FILE';"
                   " SET GLOBAL general_log = 1" % log)
        # The raw rows' table, made here: the benchmark logs in as
        # records' own user, which may not DROP (so not TRUNCATE) a table
        # it did not get that right on (tests/harness/stack_db.py).
        st.sql("CREATE TABLE IF NOT EXISTS smartmed_records.bench_raw"
               " LIKE smartmed_records.entries;"
               " GRANT DROP ON smartmed_records.bench_raw"
               " TO 'smartmed_records'@'127.0.0.1'")
        cmd = [exe, st.addr("records"), st.token("clinician"), "127.0.0.1",
               str(st.db_port), "smartmed_records", n, threads, gets]
        env = dict(os.environ)
        env.update(st.client_tls_env())
        env.update(st.db_client_env("smartmed_records"))
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
        sys.stdout.write(r.stdout)
        sys.stdout.flush()
        if r.returncode != 0:
            return None
        if os.environ.get("STATEMENTS"):
            st.sql("SET GLOBAL general_log = 0")
            statements_per_call(log, int(n))
        fig = dict((k, float(v)) for k, v in re.findall(
            r"^(raw|rpc)\s+entries_per_s=(\d+)", r.stdout, re.M))
        fig["ratio"] = fig["rpc"] / fig["raw"]
        return fig


def summary(name, runs):
    med = dict((k, statistics.median(r[k] for r in runs))
               for k in ("raw", "rpc", "ratio"))
    print("%-10s rpc entries/s %s  raw %s  ratio %s  median ratio %.2f"
          " (rpc %.0f/s)" % (
              name, ", ".join("%.0f" % r["rpc"] for r in runs),
              ", ".join("%.0f" % r["raw"] for r in runs),
              ", ".join("%.2f" % r["ratio"] for r in runs),
              med["ratio"], med["rpc"]))


def main():
    rounds = int(os.environ.get("ROUNDS", "3"))
    n = os.environ.get("N", "2000")
    threads = os.environ.get("THREADS", "4")
    gets = os.environ.get("GETS", "2000")
    done = rounds_of.alternate(
        rounds, lambda b: run_once(b, n, threads, gets))
    if done is None:
        return 1
    runs, names = done
    print("--- medians of %d alternating rounds, N=%s THREADS=%s"
          % (rounds, n, threads))
    for name in names:
        summary(name, runs[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
