"""The gap sweep (issue 54, item 5): a read names every hole in the
positions it covered without counting the whole log each time.

The audit service counts its log in chunks (MED_AUDIT_GAP_CHUNK_ROWS, 8
here) on a thread of its own and keeps, in memory, when it last found each
whole; a read counts live only the positions outside chunks found whole
within MED_AUDIT_GAP_RECOUNT_S, and in gap_counts under a MAC of the leaf
key, so that a restart takes its counts back.  These tests watch what is
counted through smartmed_audit_gap_rows_counted_total{by="read"|"sweep"},
delete rows behind the service, and check that every hole is still named:
at once where the read counts, by the sweep's next count where it does
not, and that a kept count the service did not write is refused."""

import os
import sys
import uuid

import pytest

from harness import metrics
from harness.checks import poll
from harness.fixtures import marked_stack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_audit_tamper import (DB, _integrity, _log_has,  # noqa: E402
                               _patient_records, _seed_patient)

CHUNK = 8


def _env(recount_s):
    return {"MED_AUDIT_STH_INTERVAL_MS": "100",
            "MED_AUDIT_GAP_CHUNK_ROWS": str(CHUNK),
            "MED_AUDIT_GAP_RECOUNT_S": str(recount_s)}


# Each test deletes rows or needs its own counts: a stack each.  A minute
# keeps counted chunks trusted for the whole of a test, however busy the
# machine; the sweep recounts one after 30 s.
pytestmark = pytest.mark.stack(services=("audit",), extra_env=_env(60))

PROTOS = "audit"


@pytest.fixture
def st(request):
    with marked_stack(request) as s:
        yield s


def _counted(st, by):
    samples, _ = metrics.scrape(st, "audit")
    return metrics.value(samples, "smartmed_audit_gap_rows_counted_total",
                         by=by)


def _audit_metric(st, name):
    return metrics.read(st, "audit", name)


def _size(st):
    out = st.sql("SELECT size FROM %s.tree_state" % DB).split()
    return int(out[-1])


def _seed(st, pb, ae, n):
    """n accesses to a new patient; returns the patient and its records."""
    patient = str(uuid.uuid4())
    actors = ["dr.%d" % i for i in range(n)]
    return patient, _seed_patient(st, pb, ae, patient, actors)


def _swept(st, whole_chunks):
    """Waits until the sweep has found at least whole_chunks chunks whole
    and none stale."""
    def done():
        return (_counted(st, "sweep") >= whole_chunks * CHUNK
                and _audit_metric(st, "smartmed_audit_gap_chunks_stale") == 0)
    poll(done, timeout=60, what="the gap sweep's count of %d chunks"
         % whole_chunks)


def test_a_read_counts_only_what_the_sweep_has_not(st, pb, ae):
    patient, recs = _seed(st, pb, ae, 40)
    whole = _size(st) // CHUNK
    assert whole >= 5
    _swept(st, whole)

    before = _counted(st, "read")
    got = _patient_records(st, pb, patient)
    read = _counted(st, "read") - before
    # The Query covered the whole log (it returned fewer than its limit):
    # the chunks counted whole were not counted again, only the tail.
    assert [r.seq for r in got] == [r.seq for r in recs]
    assert all(r.integrity == _integrity(pb, "VERIFIED") for r in got)
    assert read < 2 * CHUNK, (read, _size(st))
    assert _audit_metric(st, "smartmed_audit_integrity_ok") == 1


@pytest.mark.stack(services=("audit",), extra_env=_env(6))
def test_a_row_deleted_from_a_swept_chunk_is_found_by_the_sweep(st, pb, ae):
    patient, recs = _seed(st, pb, ae, 40)
    _swept(st, _size(st) // CHUNK)
    gone = recs[5].seq
    assert gone <= (_size(st) // CHUNK) * CHUNK
    st.sql("DELETE FROM %s.events WHERE seq = %d" % (DB, gone))

    # A read within the window trusts the chunk's count (the price of not
    # counting the whole log); the sweep's next count of the chunk, at
    # most MED_AUDIT_GAP_RECOUNT_S / 2 later, names the hole.
    where = "seq %d..%d are missing (found by the gap sweep)" % (gone, gone)
    poll(lambda: _log_has(st, "INTEGRITY", where), timeout=60,
         what="the sweep's integrity failure")
    # the count logs the hole at once, the pass sets its gauges at its end
    poll(lambda: _audit_metric(st, "smartmed_audit_integrity_ok") == 0
         and _audit_metric(st, "smartmed_audit_gap_chunks_stale") >= 1,
         timeout=30, what="integrity_ok 0 and a stale chunk")
    # From then on every read counts that chunk live and names the hole,
    # and the chunk's kept count is gone, so a restart does not trust it.
    assert _kept(st, (gone - 1) // CHUNK) is None
    assert _kept(st, (gone - 1) // CHUNK + 1) is not None
    for restart in (False, True):
        if restart:
            st.stop_service("audit")
            st.start_service("audit")
        got = _patient_records(st, pb, patient)
        missing = [(r.seq, r.missing_through) for r in got
                   if r.integrity == _integrity(pb, "MISSING")]
        assert missing == [(gone, gone)], restart


def _kept(st, chunk):
    """The kept count of chunk (counted_ms), None without one."""
    out = st.sql("SELECT counted_ms FROM %s.gap_counts WHERE chunk_rows = %d"
                 " AND chunk = %d" % (DB, CHUNK, chunk)).split()
    return int(out[-1]) if len(out) > 1 else None


@pytest.mark.stack(services=("audit",), extra_env=_env(600))
def test_a_restart_takes_the_kept_counts_back(st, pb, ae):
    patient, recs = _seed(st, pb, ae, 40)
    whole = _size(st) // CHUNK
    _swept(st, whole)
    assert all(_kept(st, k) is not None for k in range(whole))
    # A count the service did not write (its MAC no longer checks).
    st.sql("UPDATE %s.gap_counts SET counted_ms = counted_ms + 1 WHERE"
           " chunk_rows = %d AND chunk = 1" % (DB, CHUNK))
    st.stop_service("audit")
    st.start_service("audit")
    poll(lambda: _log_has(st, "whole chunk count(s) of the last 600 s"
                          " taken back from gap_counts"),
         timeout=30, what="the kept counts taken back")
    assert _log_has(st, "1 kept count(s) refused", "chunk 1 the first")

    # Only the refused chunk and chunks completed since are counted again
    # (the window is ten minutes: none of the others is due).
    poll(lambda: _audit_metric(st, "smartmed_audit_gap_chunks_stale") == 0,
         timeout=60, what="no stale chunk")
    again = _counted(st, "sweep")
    assert CHUNK <= again <= CHUNK * (1 + _size(st) // CHUNK - whole), (
        again, whole, _size(st))
    before = _counted(st, "read")
    got = _patient_records(st, pb, patient)
    assert [r.seq for r in got] == [r.seq for r in recs]
    assert _counted(st, "read") - before < 2 * CHUNK
    assert _audit_metric(st, "smartmed_audit_integrity_ok") == 1


@pytest.mark.stack(services=("audit",), extra_env=_env(0))
def test_recount_zero_counts_every_position_a_read_covers(st, pb, ae):
    patient, recs = _seed(st, pb, ae, 3 * CHUNK)
    gone = recs[2].seq
    st.sql("DELETE FROM %s.events WHERE seq = %d" % (DB, gone))

    before = _counted(st, "read")
    size = _size(st)
    got = _patient_records(st, pb, patient)
    assert _counted(st, "read") - before >= size
    assert _counted(st, "sweep") == 0
    missing = [(r.seq, r.missing_through) for r in got
               if r.integrity == _integrity(pb, "MISSING")]
    assert missing == [(gone, gone)]
