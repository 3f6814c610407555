"""Audit survives SIGKILL at random points (issue 49, item 11): of its first
start (a fresh database and no keys: key files, each migration, the first
head) and of a burst of audited calls, round after round beside a CPU hog.
After every round each event of the burst is in the log exactly once, seq
is dense, and auditverify checks every signed head, the nodes and the leaf
MACs.  The second round also kills identity, the emitter, mid-burst: what
it answered is in its spool and must arrive once.  Rounds stop after a time
budget, so the test stays well under 2 minutes on a loaded machine.

The kill points come from a seeded generator: the seed is printed and is in
every failure message; SMARTMED_KILL_SEED=<seed> replays a run.

Before the fix, a kill during the migrations left the migration lock's
11-minute lease in schema_lock: the restarted audit waited on it, never
migrated, stored nothing and never answered SERVING.  A second start would
also have failed on migration 2, whose ALTER was not idempotent."""

import os
import random
import signal
import time
import uuid
from collections import Counter

import pytest

from harness.audit_log import all_records, burst, verify_log
from harness.checks import poll
from harness.kill import hog, kill_seed  # noqa: F401 (hog is a fixture)
from harness.fixtures import marked_stack

# The service of the pb fixture (tests/conftest.py).
PROTOS = "audit"

BURST_THREADS = 3
BURST_PER_THREAD = 40
# Rounds alternate a kill during the first start and one during a burst;
# no new round starts after the budget, so a slow machine runs fewer.
ROUNDS = 6
BUDGET_S = 70
DB = "smartmed_audit"

pytestmark = pytest.mark.stack(services=("audit", "identity"),
                               extra_env={"MED_AUDIT_STH_INTERVAL_MS": "100"})


@pytest.fixture
def st(request):
    with marked_stack(request) as s:
        yield s


def _verify_log(st, pubkey):
    return verify_log(st, "--pubkey", pubkey, "--leaf-key-file",
                      os.path.join(st.spool_dir("audit"), "audit-leaf.key"))


def _burst(st, idpb, tag, started):
    """The burst; a call refused while identity is down is not counted."""
    return burst(st, idpb, tag, started, BURST_THREADS, BURST_PER_THREAD,
                 lenient=True)


def _wait_log_line(st, offset, needle, timeout=30):
    """Wait until the audit log, from byte offset on, has needle."""
    def seen():
        with open(st.log_path("audit"), "rb") as f:
            f.seek(offset)
            return needle.encode() in f.read()
    poll(seen, timeout=timeout, interval=0.02, what=needle)


def _fresh_audit(st):
    """Audit as on its first start: no database, no keys, no published
    head (with one left, the empty log is a rollback behind it)."""
    st.stop_service("audit")
    st.sql("DROP DATABASE %s; CREATE DATABASE %s;" % (DB, DB))
    for name in ("audit-signing.key", "audit-leaf.key", "audit-head"):
        try:
            os.unlink(os.path.join(st.spool_dir("audit"), name))
        except FileNotFoundError:
            pass


# Points of the first start a kill aims at: after one of these log lines,
# then a random delay.  None: a random time after the process starts.  The
# first round aims inside the migrations, where the lock is held.
MIGRATION_POINTS = ("applied migration 1 ", "applied migration 2 ",
                    "applied migration 3 ", "applied migration 5 ")
START_POINTS = MIGRATION_POINTS + (None, "generated a new leaf MAC key",
                                   "database schema is up to date")


def _kill_in_start(st, rng, what, begin_burst, points):
    """Start audit afresh, begin the burst, and kill audit at a random
    point of its start; returns the burst's threads."""
    _fresh_audit(st)
    offset = os.path.getsize(st.log_path("audit"))
    point = rng.choice(points)
    delay = rng.uniform(0.0, 0.05 if point else 1.5)
    st.start_service("audit", wait=False)
    threads = begin_burst()
    if point is not None:
        _wait_log_line(st, offset, point)
    time.sleep(delay)
    what.append("first start: killed after %r + %.3f s" % (point, delay))
    st.stop_service("audit", sig=signal.SIGKILL)
    return threads


def _kill_identity(st, rng, what):
    """Kill the emitter mid-burst: what it answered is in its spool."""
    delay = rng.uniform(0.0, 0.3)
    time.sleep(delay)
    st.stop_service("identity", sig=signal.SIGKILL)
    st.start_service("identity")
    what.append("identity killed at +%.3f s" % delay)


def _check_round(st, pb, tag, started, where):
    want = set(started)

    def all_in():
        got = [r.event.request_id for r in all_records(st, pb)
               if r.event.request_id.startswith(tag + "-")]
        return got if set(got) >= want else None
    got = poll(all_in, timeout=45, what="every event of %s" % where)
    twice = [k for k, n in Counter(got).items() if n > 1]
    assert not twice, "stored twice (%s): %s" % (where, twice[:5])
    everything = all_records(st, pb)
    assert [r.seq for r in everything] == list(
        range(1, len(everything) + 1)), where
    assert len({r.event.event_id for r in everything}) == len(everything)

    def settled():
        r = st.call("audit", "GetTreeHead", pb.GetTreeHeadRequest(),
                    role="auditor")
        return r if r.head.tree_size >= len(everything) else None
    head = poll(settled, timeout=15, what="a head over the log (%s)" % where)
    rc, out = _verify_log(st, head.public_key.hex())
    assert rc == 0 and out.startswith("OK"), "%s: %s" % (where, out)


def test_audit_killed_at_random_points(st, pb, idpb, hog):
    seed = kill_seed()
    print("SMARTMED_KILL_SEED=%d" % seed)
    rng = random.Random(seed)
    t0 = time.monotonic()
    for rnd in range(ROUNDS):
        if rnd > 0 and time.monotonic() - t0 > BUDGET_S:
            break
        tag = "kill%d-%s" % (rnd, uuid.uuid4().hex[:8])
        what = []
        started = []
        if rnd % 2 == 0:
            threads = _kill_in_start(
                st, rng, what, lambda: _burst(st, idpb, tag, started),
                MIGRATION_POINTS if rnd == 0 else START_POINTS)
            time.sleep(rng.uniform(0.0, 0.5))
            st.start_service("audit", wait=False)
        else:
            threads = _burst(st, idpb, tag, started)
            if rnd == 1:
                _kill_identity(st, rng, what)
            delay = rng.uniform(0.0, 0.6)
            time.sleep(delay)
            st.stop_service("audit", sig=signal.SIGKILL)
            time.sleep(rng.uniform(0.0, 0.5))
            st.start_service("audit", wait=False)
            what.append("burst: audit killed %.3f s later" % delay)
        where = "seed %d round %d (%s)" % (seed, rnd, "; ".join(what))
        try:
            st.wait_serving("audit", timeout=30)
        except Exception as e:  # noqa: BLE001 - reported with the seed
            pytest.fail("%s: audit did not serve again: %s" % (where, e))
        for th in threads:
            th.join(timeout=120)
        _check_round(st, pb, tag, started, where)
        print("round %d ok: %s (%d events)" % (rnd, "; ".join(what),
                                                len(started)))
