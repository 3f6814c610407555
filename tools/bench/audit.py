#!/usr/bin/python3
"""tools/bench/audit.py - the audit log benchmark (make bench-audit).

Starts a private MariaDB and the audit service (tests/harness), then runs
bench-audit_ingest: sustained durable appends/s through the real NNG ingest
beside a plain-insert reference in the same run, the time until an event's
proof is available, and proof generation over a synthetic tree of
PROOF_LEAVES entries (default 10,000,000; 0 skips it) bulk-loaded with
LOAD DATA.

The appends run ROUNDS times (3 by default), each on a fresh stack; with
BASELINE (the build directory of another checkout) every round runs that
build and then this one, alternating, and the summary gives each build's
medians: on a shared machine only the ratio of one run, and medians of
alternating rounds, are worth comparing.  The proofs over the synthetic
tree run once, on this build.

Knobs (environment): BUILD, BASELINE (none), ROUNDS (3), EVENTS (200000),
EMITTERS (4), BATCH (256), STH_INTERVAL_MS (1000), PROOF_LEAVES
(10000000)."""

import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import rounds as rounds_of  # noqa: E402
from harness import Stack, paths  # noqa: E402


def env_int(name, default):
    return int(os.environ.get(name, default))


def appends_once(build, events, emitters, batch, sth):
    """One appends run on build's binaries: its figures."""
    # The harness finds binaries through BUILD.
    os.environ["BUILD"] = build
    exe = paths.bin_path("bench-audit_ingest")
    with Stack(services=("audit",), log_level="warn", extra_env={
            "MED_AUDIT_STH_INTERVAL_MS": str(sth)}) as st:
        env = dict(os.environ)
        # Its events say service "identity": the ingest takes them only
        # with identity's certificate (the token names the auditor).
        env.update(st.client_tls_env("identity"))
        env.update(st.db_client_env("smartmed_audit"))
        r = subprocess.run(base_cmd(exe, st) + [
            "--grpc", st.addr("audit"), "--token", st.token("auditor"),
            "--events", str(events), "--emitters", str(emitters),
            "--batch", str(batch)], check=True, env=env,
            stdout=subprocess.PIPE, text=True)
        sys.stdout.write(r.stdout)
        sys.stdout.flush()
    fig = {}
    for key, pat in (("log", r"^appends .*?(\d+) events/s"),
                     ("ref", r"^reference .*?(\d+) rows/s")):
        fig[key] = float(re.search(pat, r.stdout, re.M).group(1))
    fig["ratio"] = fig["log"] / fig["ref"]
    return fig


def base_cmd(exe, st):
    return [exe, "--url", "tls+tcp://127.0.0.1:%d" % st.audit_port,
            "--db-port", str(st.db_port), "--db-name", "smartmed_audit"]


def summary(name, runs):
    med = dict((k, statistics.median(r[k] for r in runs))
               for k in ("log", "ref", "ratio"))
    print("%-10s appends/s %s  reference %s  ratio %s  median %.0f/s,"
          " ratio %.2f" % (
              name, ", ".join("%.0f" % r["log"] for r in runs),
              ", ".join("%.0f" % r["ref"] for r in runs),
              ", ".join("%.2f" % r["ratio"] for r in runs),
              med["log"], med["ratio"]))


def proofs(build, leaves, sth):
    """Proof generation over a synthetic tree of leaves entries."""
    os.environ["BUILD"] = build
    exe = paths.bin_path("bench-audit_ingest")
    with Stack(services=("audit",), log_level="warn", extra_env={
            "MED_AUDIT_STH_INTERVAL_MS": str(sth)}) as st:
        base = base_cmd(exe, st)
        env = dict(os.environ)
        env.update(st.client_tls_env("identity"))
        env.update(st.db_client_env("smartmed_audit"))
        tree = os.path.join(st.workdir, "tree")
        os.makedirs(tree)
        subprocess.run(base + ["--events", "0", "--proof-leaves",
                               str(leaves), "--gen-tree", tree],
                       check=True, env=env)
        t0 = time.monotonic()
        st.sql(
            "CREATE DATABASE smartmed_auditbench;"
            " USE smartmed_auditbench;"
            " CREATE TABLE events (seq BIGINT UNSIGNED PRIMARY KEY,"
            " leaf_hash BINARY(32)) ENGINE=InnoDB;"
            " CREATE TABLE tree_nodes (level TINYINT UNSIGNED NOT NULL,"
            " idx BIGINT UNSIGNED NOT NULL, hash BINARY(32) NOT NULL,"
            " PRIMARY KEY (level, idx)) ENGINE=InnoDB;"
            " LOAD DATA INFILE '%s/leaves.tsv' INTO TABLE events"
            " (seq, @h) SET leaf_hash = UNHEX(@h);"
            " LOAD DATA INFILE '%s/nodes.tsv' INTO TABLE tree_nodes"
            " (level, idx, @h) SET hash = UNHEX(@h);"
            " GRANT SELECT ON smartmed_auditbench.*"
            " TO 'smartmed_audit'@'127.0.0.1';" % (tree, tree))
        print("bulk load of the synthetic tree: %.1f s" % (
            time.monotonic() - t0))
        subprocess.run(base + ["--events", "0", "--proof-leaves",
                               str(leaves)], check=True, env=env)


def main():
    build = os.environ.get("BUILD", "build")
    rounds = env_int("ROUNDS", 3)
    events = env_int("EVENTS", 200000)
    emitters = env_int("EMITTERS", 4)
    batch = env_int("BATCH", 256)
    leaves = env_int("PROOF_LEAVES", 10000000)
    sth = env_int("STH_INTERVAL_MS", 1000)
    runs, names = rounds_of.alternate(
        rounds, lambda b: appends_once(b, events, emitters, batch, sth))
    print("--- medians of %d alternating rounds, %d events, %d emitters,"
          " batches of %d" % (rounds, events, emitters, batch))
    for name in names:
        summary(name, runs[name])
    if leaves > 0:
        proofs(build, leaves, sth)


if __name__ == "__main__":
    main()
