#!/usr/bin/python3
"""tools/bench/audit_scale.py - the audit log at millions of leaves (issue 54).

Starts a private MariaDB and the audit service (tests/harness), stops the
service, bulk-loads a synthetic log of LEAVES entries written by
bench-audit_scale in the service's own format (every events column, leaf
hashes from the canonical entry, MACs under the service's leaf key, every
complete subtree in tree_nodes), then measures through the real service:

- its first start on the log: it holds no head of its key for it, so it
  checks every row (leaf hash, MAC, stored subtrees) before signing one;
  time to SERVING and to the first signed head of LEAVES entries;
- GetTreeHead, InclusionProof (old, random and newest leaves; by index and
  by event id), ConsistencyProof (old and recent first sizes) and Query by
  patient (limit 50) latencies, median and p99 over SAMPLES calls each;
- durable appends through the NNG ingest (bench-audit_ingest, one emitter,
  batches of 256, no reference, the log's own patients), APPEND_EVENTS
  with random (v4) event ids and as many with time-ordered (v7) ones, as
  the emitters make since design 4, in APPEND_ROUNDS rounds that
  alternate which goes first: events/s, and the server's handler reads and
  writes, buffer pool page requests and pages read from disk, bytes read
  and written per batch (SHOW GLOBAL STATUS around each round); the
  medians and the ratio v7/v4;
- a restart (a signed head exists now): time to SERVING and to the first
  proof, which loads the verified tree from the head's right edge;
- Query by patient twice: until the restart with the gap sweep off
  (MED_AUDIT_GAP_RECOUNT_S=0: every read counts every position it
  covered, the whole log for a short read), after it with the sweep on
  (GAP_RECOUNT_S, default the service's 1800): the time of the sweep's
  first pass over the log, then the same Query;
- a signing-key rotation with the old public key in
  MED_AUDIT_PREVIOUS_PUBKEYS: time to the first head of the new key, which
  starts from the old key's newest head (the first start above is the
  same rotation without it: every row checked); and Query by patient
  right after that restart, which took the sweep's kept counts back
  (gap_counts): the positions it counted live;
- events and tree_nodes on disk (.ibd files) per leaf;
- auditverify log over the whole log with the public key and the leaf key
  (the generator's rows must check, and its time is the auditor's).

Knobs (environment): BUILD, LEAVES (1000000), PATIENTS (100000), SAMPLES
(100), APPEND_EVENTS (25600 of each kind), APPEND_ROUNDS (4),
BUFFER_POOL_MB (1024), GAP_RECOUNT_S (1800),
GAP_CHUNK_ROWS (16384), WORKDIR (a scratch
directory with room for about 1.5 KB per leaf; default the harness's)."""

import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from harness import Stack, metrics, paths, protos  # noqa: E402

EVENT_COLUMNS = ("seq, event_id, stored_ms, time_ms, service, action,"
                 " actor, actor_roles, patient_id, resource, outcome,"
                 " request_id, detail, action_code, purpose_of_use,"
                 " break_glass, @d, @l, @m")
KEYS = ("uk_events_event_id", "idx_events_patient", "idx_events_actor",
        "idx_events_time", "idx_events_action")
ADD_KEYS = ("ADD UNIQUE KEY uk_events_event_id (event_id),"
            " ADD KEY idx_events_patient (patient_id, seq),"
            " ADD KEY idx_events_actor (actor, seq),"
            " ADD KEY idx_events_time (time_ms, seq),"
            " ADD KEY idx_events_action (action_code, seq)")
COUNTERS = ("Handler_read_key", "Handler_read_next", "Handler_write",
            "Handler_update", "Innodb_buffer_pool_read_requests",
            "Innodb_buffer_pool_reads", "Innodb_data_read",
            "Innodb_data_written", "Handler_commit")
M64 = (1 << 64) - 1


def env_int(name, default):
    return int(os.environ.get(name, default))


def mix64(x):
    """splitmix64's finaliser, as bench-audit_scale has it."""
    x = (x + 0x9e3779b97f4a7c15) & M64
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
    return x ^ (x >> 31)


def uuid_of(n, salt):
    """The id bench-audit_scale gives number n under salt."""
    a = mix64(n ^ salt)
    b = mix64((a + n) & M64)
    return "%08x-%04x-4%03x-%04x-%012x" % (
        a >> 32, (a >> 16) & 0xffff, a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffff)


def event_id(seq):
    return uuid_of(seq, 0x65766e74)


def patient_id(k):
    return uuid_of(k, 0x70617469)


class Scale:
    def __init__(self, st, leaves):
        self.st = st
        self.leaves = leaves
        self.pb = protos.module("audit")

    def call(self, method, req, timeout=60.0):
        return self.st.call("audit", method, req, role="auditor",
                            timeout=timeout)

    def head(self):
        return self.call("GetTreeHead", self.pb.GetTreeHeadRequest())

    def wait_head(self, size, timeout):
        """Seconds until the signed head covers size entries."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if "INTEGRITY" in self.st.log_tail("audit", 20):
                raise RuntimeError("the service refused the log:\n%s" %
                                   self.st.log_tail("audit"))
            try:
                if self.head().head.tree_size >= size:
                    return time.monotonic() - t0
            except Exception:  # noqa: BLE001 - not ready yet
                pass
            time.sleep(0.5)
        raise RuntimeError("no head of %d entries after %d s:\n%s" % (
            size, timeout, self.st.log_tail("audit")))

    def load(self, tree):
        """The synthetic log into the service's tables, keys rebuilt."""
        t0 = time.monotonic()
        self.st.sql_rows(
            "USE smartmed_audit;"
            " DELETE FROM tree_heads; DELETE FROM tree_nodes;"
            " UPDATE sth_signer SET tree_size = -1, timestamp_ms = 0;"
            " UPDATE tree_state SET size = 0;"
            " TRUNCATE TABLE events;"
            " ALTER TABLE events %s;"
            " SET unique_checks = 0;"
            " LOAD DATA INFILE '%s/events.tsv' INTO TABLE events (%s)"
            " SET details = UNHEX(@d), leaf_hash = UNHEX(@l),"
            " leaf_mac = UNHEX(@m);" % (
                ", ".join("DROP KEY " + k for k in KEYS), tree,
                EVENT_COLUMNS))
        t1 = time.monotonic()
        self.st.sql_rows("USE smartmed_audit; ALTER TABLE events %s;"
                         % ADD_KEYS)
        t2 = time.monotonic()
        self.st.sql_rows(
            "USE smartmed_audit;"
            " LOAD DATA INFILE '%s/nodes.tsv' INTO TABLE tree_nodes"
            " (level, idx, @h) SET hash = UNHEX(@h);"
            " UPDATE tree_state SET size = %d;" % (tree, self.leaves))
        t3 = time.monotonic()
        print("load: events rows %.1f s, their 5 keys %.1f s, tree_nodes"
              " %.1f s" % (t1 - t0, t2 - t1, t3 - t2))

    def start(self, what):
        """Start the service; seconds to SERVING."""
        t0 = time.monotonic()
        self.st.start_service("audit", wait=False)
        self.st.wait_serving("audit", timeout=3600)
        t = time.monotonic() - t0
        print("%s: SERVING after %.2f s" % (what, t))
        return t0

    def lat(self, what, fn, n):
        ms = []
        for i in range(n):
            t0 = time.monotonic()
            fn(i)
            ms.append((time.monotonic() - t0) * 1e3)
        ms.sort()
        print("%-44s median %7.2f ms  p99 %7.2f ms  (%d calls)" % (
            what, statistics.median(ms), ms[min(n - 1, n * 99 // 100)], n))

    def reads(self, size, n):
        pb, rnd = self.pb, random.Random(54)
        old = [rnd.randrange(0, max(1, size // 100)) for _ in range(n)]
        mid = [rnd.randrange(0, size) for _ in range(n)]
        new = [size - 1 - rnd.randrange(0, min(size, 1000)) for _ in range(n)]

        def inc(idx):
            return lambda i: self.call(
                "InclusionProof", pb.InclusionProofRequest(leaf_index=idx[i]))
        self.lat("GetTreeHead", lambda i: self.head(), n)
        self.lat("InclusionProof, oldest 1 %", inc(old), n)
        self.lat("InclusionProof, random leaf", inc(mid), n)
        self.lat("InclusionProof, newest 1,000", inc(new), n)
        self.lat("InclusionProof by event id (random)",
                 lambda i: self.call("InclusionProof", pb.InclusionProofRequest(
                     event_id=event_id(min(mid[i], self.leaves - 1) + 1))),
                 n)
        self.lat("ConsistencyProof, first size random",
                 lambda i: self.call("ConsistencyProof",
                                     pb.ConsistencyProofRequest(
                                         first_size=mid[i] + 1,
                                         second_size=size)), n)
        self.lat("ConsistencyProof, first size size-1000",
                 lambda i: self.call("ConsistencyProof",
                                     pb.ConsistencyProofRequest(
                                         first_size=size - 1000,
                                         second_size=size)), n)
        pats = [rnd.randrange(0, env_int("PATIENTS", 100000))
                for _ in range(n)]
        self.query_by_patient(pats)

    def query_by_patient(self, pats):
        self.lat("Query by patient, limit 50",
                 lambda i: self.call("Query", self.pb.QueryRequest(
                     patient_id=patient_id(pats[i]), limit=50)), len(pats))

    def gap_counted(self):
        samples, _ = metrics.scrape(self.st, "audit")
        return {by: metrics.value(
            samples, "smartmed_audit_gap_rows_counted_total", by=by)
            for by in ("read", "sweep")}

    def swept(self, t0, size):
        """Waits for the gap sweep's first pass over the log."""
        chunk = env_int("GAP_CHUNK_ROWS", 16384)
        # About 0.3 us a position measured; a hundred times that.
        deadline = time.monotonic() + 60 + size * 3e-5
        while self.gap_counted()["sweep"] < (size // chunk) * chunk:
            if time.monotonic() > deadline:
                sys.exit("the gap sweep did not count %d whole chunks" % (
                    size // chunk))
            time.sleep(0.2)
        print("gap sweep: %d whole chunks of %d counted %.1f s after start"
              % (size // chunk, chunk, time.monotonic() - t0))

    def queries_swept(self, t0, size, n):
        """Query by patient once the sweep has counted the log, and the
        positions its reads counted live."""
        self.swept(t0, size)
        rnd = random.Random(5454)
        pats = [rnd.randrange(0, env_int("PATIENTS", 100000))
                for _ in range(n)]
        before = self.gap_counted()["read"]
        self.query_by_patient(pats)
        print("gap sweep on: %.0f positions counted live per Query" % (
            (self.gap_counted()["read"] - before) / n))

    def queries_kept(self, n):
        """Query by patient right after a restart that took the sweep's
        kept counts back (gap_counts), before any pass of its own."""
        print("kept counts: %s" % established(self.st, "taken back from"))
        rnd = random.Random(545454)
        pats = [rnd.randrange(0, env_int("PATIENTS", 100000))
                for _ in range(n)]
        before = self.gap_counted()
        self.query_by_patient(pats)
        after = self.gap_counted()
        print("after the restart with kept counts: %.0f positions counted"
              " live per Query; %d counted by the sweep since the start" % (
                  (after["read"] - before["read"]) / n, after["sweep"]))

    def append_round(self, events, ids, patients_file):
        """One run of bench-audit_ingest: events/s and the server's
        counters per batch of 256."""
        exe = paths.bin_path("bench-audit_ingest")
        env = dict(os.environ)
        env.update(self.st.client_tls_env("identity"))
        env.update(self.st.db_client_env("smartmed_audit"))
        before = self.st.status_counters(COUNTERS)
        r = subprocess.run(
            [exe, "--url", "tls+tcp://127.0.0.1:%d" % self.st.audit_port,
             "--db-port", str(self.st.db_port), "--db-name", "smartmed_audit",
             "--events", str(events), "--emitters", "1", "--batch", "256",
             "--no-reference", "--ids", ids,
             "--patients-file", patients_file], check=True, env=env,
            stdout=subprocess.PIPE, text=True)
        after = self.st.status_counters(COUNTERS)
        rate = float([ln for ln in r.stdout.splitlines()
                      if ln.startswith("appends")][0].split()[-2])
        batches = events / 256.0
        return rate, dict((k, (after[k] - before[k]) / batches)
                          for k in COUNTERS)

    def appends(self, events, rounds, patients_file):
        """Durable appends with random (v4) and time-ordered (v7) event
        ids, events of each in rounds that alternate which goes first,
        on the log's own patients: the median of each and their ratio."""
        got = {"v4": [], "v7": []}
        for r in range(rounds):
            for ids in (("v4", "v7") if r % 2 == 0 else ("v7", "v4")):
                rate, per = self.append_round(events // rounds, ids,
                                              patients_file)
                got[ids].append((rate, per))
                print("appends round %d, %s ids: %.0f events/s; per batch"
                      " of 256: %s" % (r + 1, ids, rate, ", ".join(
                          "%s %.0f" % (k, per[k]) for k in COUNTERS)))
        med = {}
        for ids, runs in got.items():
            med[ids] = (statistics.median(x[0] for x in runs),
                        statistics.median(
                            x[1]["Innodb_buffer_pool_reads"] for x in runs))
            print("appends, %s event ids: median %.0f events/s, %.0f pages"
                  " read from disk per batch" % (ids, med[ids][0],
                                                 med[ids][1]))
        print("ratio v7/v4 (median events/s): %.2f" % (
            med["v7"][0] / med["v4"][0]))

    def rotate(self):
        """A new signing key told of the old one: seconds to the first
        head of the new key.  Returns both public keys."""
        old = self.head().public_key
        self.st.stop_service("audit")
        with open(os.path.join(self.st.spool_dir("audit"),
                               "audit-signing.key"), "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        self.st.services["audit"].env["MED_AUDIT_PREVIOUS_PUBKEYS"] = \
            old.hex()
        t0 = self.start("rotation (old key listed as previous)")
        while self.head().public_key == old:
            time.sleep(0.1)
        print("rotation: first head of the new key %.2f s after start (%s)"
              % (time.monotonic() - t0,
                 established(self.st, "from the newest head of previous")))
        return [old.hex(), self.head().public_key.hex()]

    def disk(self):
        d = os.path.join(self.st.db_dir, "data", "smartmed_audit")
        for t in ("events", "tree_nodes"):
            b = os.path.getsize(os.path.join(d, t + ".ibd"))
            print("%s.ibd: %.2f GiB, %.0f bytes per leaf" % (
                t, b / 2**30, b / self.leaves))
        rows = self.st.sql_rows(
            "SELECT table_name, data_length, index_length FROM"
            " information_schema.TABLES WHERE table_schema ="
            " 'smartmed_audit' AND table_name IN ('events', 'tree_nodes')")
        for name, data, index in rows:
            print("%s: data %.0f B/leaf, indexes %.0f B/leaf (estimates)" % (
                name, int(data) / self.leaves, int(index) / self.leaves))


def established(st, needle="verified tree established"):
    """The service's newest line with needle (its log is written a little
    after the fact: looked for up to 10 s)."""
    for _ in range(100):
        lines = [ln for ln in st.log_tail("audit", 400).splitlines()
                 if needle in ln]
        if lines:
            return lines[-1]
        time.sleep(0.1)
    return "(no line)"


def run_verify(what, cmd):
    """auditverify, timed: its exit status."""
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in (p.stdout + p.stderr).strip().splitlines()
             if not ln.startswith("newest signed head")]
    print("%s: exit %d in %.1f s: %s" % (what, p.returncode,
                                         time.monotonic() - t0, lines[-1:]))
    return p.returncode


def main():
    leaves = env_int("LEAVES", 1000000)
    samples = env_int("SAMPLES", 100)
    workdir = os.environ.get("WORKDIR") or None
    gap_env = {"MED_AUDIT_GAP_RECOUNT_S": os.environ.get("GAP_RECOUNT_S",
                                                        "1800"),
               "MED_AUDIT_GAP_CHUNK_ROWS": str(env_int("GAP_CHUNK_ROWS",
                                                       16384))}
    # The sweep off until the restart: the Query figures before it are
    # those of a read that counts every position it covered.
    with Stack(services=("audit",), log_level="info", workdir=workdir,
               extra_env={"MED_AUDIT_STH_INTERVAL_MS": "1000",
                          "MED_AUDIT_GAP_RECOUNT_S": "0"}) as st:
        sc = Scale(st, leaves)
        st.sql_rows("SET GLOBAL innodb_buffer_pool_size = %d" % (
            env_int("BUFFER_POOL_MB", 1024) << 20))
        st.stop_service("audit")
        tree = os.path.join(st.workdir, "scale")
        os.makedirs(tree, exist_ok=True)
        key = os.path.join(st.spool_dir("audit"), "audit-leaf.key")
        subprocess.run(["nice", paths.bin_path("bench-audit_scale"),
                        "--leaves", str(leaves), "--leaf-key-file", key,
                        "--patients", str(env_int("PATIENTS", 100000)),
                        "--out", tree], check=True)
        sc.load(tree)
        for f in ("events.tsv", "nodes.tsv"):
            os.unlink(os.path.join(tree, f))
        t0 = sc.start("first start (no head of this key: every row checked)")
        sc.wait_head(leaves, max(120, leaves // 5000))
        print("first start: head of %d entries signed %.1f s after start" % (
            leaves, time.monotonic() - t0))
        first = sc.head().head
        sc.disk()
        sc.reads(leaves, samples)
        events = env_int("APPEND_EVENTS", 25600)
        rounds = env_int("APPEND_ROUNDS", 4)
        pfile = os.path.join(tree, "patients.txt")
        with open(pfile, "w") as f:
            for k in range(env_int("PATIENTS", 100000)):
                f.write(patient_id(k) + "\n")
        sc.appends(events, rounds, pfile)
        size = leaves + 2 * (events // rounds) * rounds
        sc.wait_head(size, 600)
        sc.reads(size, max(10, samples // 5))
        st.stop_service("audit")
        st.services["audit"].env.update(gap_env)
        t0 = sc.start("restart (a signed head of this key)")
        sc.head()
        sc.call("InclusionProof", sc.pb.InclusionProofRequest(leaf_index=0))
        print("restart: first InclusionProof answered %.2f s after start"
              " (%s)" % (time.monotonic() - t0, established(st)))
        sc.queries_swept(t0, size, samples)
        keys = sc.rotate()
        sc.queries_kept(samples)
        verify = ["nice", paths.bin_path("auditverify"), "log", "--db-host",
                  "127.0.0.1", "--db-port", str(st.db_port), "--db-user",
                  "smartmed_audit", "--db-password",
                  st.db_users["smartmed_audit"], "--db-name",
                  "smartmed_audit", "--db-tls-ca", st.ca_path,
                  "--pubkey", keys[0], "--pubkey", keys[1],
                  "--leaf-key-file", key]
        rc = run_verify("auditverify log", verify)
        # A periodic auditor's next run: from the head of the first start.
        rc |= run_verify("auditverify log --since-size %d" % first.tree_size,
                         verify + ["--since-size", str(first.tree_size),
                                   "--since-root", first.root_hash.hex()])
        # The generator is faithful only if the auditor's check passes.
        return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
