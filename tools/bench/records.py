#!/usr/bin/python3
"""Records benchmark (make bench, or tools/bench/records.py directly).

Starts a private MariaDB and the records service (mutual TLS, as deployed)
with the test harness, then runs build/bin/bench-records_create against
them: CreateEntry throughput over gRPC versus raw durable INSERTs of the
same row through libmed's db module in the same run (the ratio), and
GetEntry p50/p99.

Knobs (environment): BUILD (build), N (2000 entries per phase), THREADS
(4), GETS (2000).
"""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from harness import Stack  # noqa: E402


def main():
    build = os.environ.get("BUILD", "build")
    exe = os.path.join(REPO, build, "bin", "bench-records_create")
    if not os.access(exe, os.X_OK):
        sys.exit("%s is missing: run `make all` first" % exe)
    n = os.environ.get("N", "2000")
    threads = os.environ.get("THREADS", "4")
    gets = os.environ.get("GETS", "2000")
    # One completion-queue thread per client thread, and a pool to match.
    env = {"MED_THREADS": threads, "MED_DB_POOL": threads}
    with Stack(services=("records",), extra_env=env) as st:
        durable = st.sql("SELECT @@innodb_flush_log_at_trx_commit,"
                         " @@innodb_doublewrite").split()[-2:]
        print("mariadb innodb_flush_log_at_trx_commit=%s doublewrite=%s"
              % tuple(durable))
        cmd = [exe, st.addr("records"), st.token("clinician"), "127.0.0.1",
               str(st.db_port), "smartmed_records", n, threads, gets]
        env = dict(os.environ)
        env.update(st.client_tls_env())
        env.update(st.db_client_env("smartmed_records"))
        r = subprocess.run(cmd, env=env)
        return r.returncode


if __name__ == "__main__":
    sys.exit(main())
