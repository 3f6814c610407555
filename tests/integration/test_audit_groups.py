"""Grouped appends (issue 34, item 4): batches that reach the audit ingest
together are appended as one group in one transaction, and each batch is
still acknowledged with its own counts.

Several emitters send at once, their batches overlapping in event ids, for
a few rounds: every id is stored exactly once (the acknowledgements' stored
counts add up to the distinct ids, the rest are duplicates), seq stays
dense, the signed tree head covers the whole log, and the metrics show
groups that carried more than one batch."""

import os
import sys
import threading
import time
import uuid

import pytest

from harness import metrics
from harness.checks import poll

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_audit_tamper import _ingest_request  # noqa: E402

pytestmark = pytest.mark.stack(services=("audit",),
                               extra_env={"MED_AUDIT_STH_INTERVAL_MS": "100"})

# The service of the pb fixture (tests/conftest.py).
PROTOS = "audit"

EMITTERS = 6
ROUNDS = 8
PER_BATCH = 30
OVERLAP = 10  # ids a batch shares with the next emitter's batch


def _event(ae, event_id, actor):
    return ae.AuditEvent(
        event_id=event_id, time_ms=int(time.time() * 1000),
        service="records", action="/smartmed.records.v1.Records/GetEntry",
        actor=actor, actor_roles="clinician", resource="record/" + event_id,
        request_id=event_id, action_code="R", purpose_of_use="TREAT")


def _round_ids():
    """Each emitter's ids: its own, then OVERLAP of the next emitter's."""
    own = [[str(uuid.uuid4()) for _ in range(PER_BATCH - OVERLAP)]
           for _ in range(EMITTERS)]
    return [own[k] + own[(k + 1) % EMITTERS][:OVERLAP]
            for k in range(EMITTERS)], sum(len(o) for o in own)


def _send_together(st, ae, batches):
    """Sends every batch from its own connection at the same moment;
    the acknowledgements in batch order."""
    acks = [None] * len(batches)
    start = threading.Barrier(len(batches))

    def send(k):
        payload = batches[k].SerializeToString()
        start.wait()
        acks[k] = ae.AuditAck.FromString(_ingest_request(st, payload))

    threads = [threading.Thread(target=send, args=(k,))
               for k in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acks


def test_concurrent_batches_are_stored_once_with_their_own_counts(
        st, pb, ae):
    actor = "group-" + uuid.uuid4().hex[:8]
    distinct_total = 0
    for _ in range(ROUNDS):
        ids, distinct = _round_ids()
        batches = [ae.AuditBatch(events=[_event(ae, i, actor) for i in b])
                   for b in ids]
        acks = _send_together(st, ae, batches)
        for ack in acks:
            assert ack.stored + ack.duplicates == PER_BATCH, acks
        assert sum(a.stored for a in acks) == distinct, acks
        distinct_total += distinct

    recs = st.call("audit", "Query",
                   pb.QueryRequest(actor=actor, limit=10000), role="auditor")
    stored = [r.event.event_id for r in recs]
    assert len(stored) == len(set(stored)) == distinct_total
    # One statement, one snapshot: the service's own events (of the Query
    # above) may be appended meanwhile.
    count, top, size = st.sql(
        "SELECT COUNT(*), MAX(seq), (SELECT size FROM"
        " smartmed_audit.tree_state) FROM smartmed_audit.events").split()[-3:]
    assert count == top == size, (count, top, size)
    # The signer covers the whole log: the nodes and leaves the groups
    # wrote agree with what the service verified.
    poll(lambda: st.call("audit", "GetTreeHead", pb.GetTreeHeadRequest(),
                         role="auditor").head.tree_size >= int(size),
         timeout=20, what="a signed head over the whole log")

    samples, _ = metrics.scrape(st, "audit")
    groups = metrics.value(samples, "smartmed_audit_append_groups_total")
    batches = metrics.value(samples, "smartmed_audit_append_batches_total")
    assert batches >= EMITTERS * ROUNDS
    # Some transaction carried more than one batch.
    assert batches > groups, (batches, groups)
