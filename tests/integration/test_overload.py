"""Overload is answered, not queued without end (issue 54, "Bad input"):
a service whose handler threads are all busy refuses a further call with
RESOURCE_EXHAUSTED and a retry hint (trailer grpc-retry-pushback-ms)
before its handler runs, and the FHIR facade turns that into 503 with
Retry-After.  Nothing refused is written and nothing is written twice.

identity runs one handler thread (MED_THREADS=1) with room for two
waiting calls (MED_GRPC_QUEUE_MAX=2) and a one-second wait limit
(MED_GRPC_QUEUE_WAIT_MAX_MS=1000).  The test holds that thread with a
CreatePatient blocked on a table lock of its own, so which call waits
and for how long is decided by the test, not by the machine's speed:
no timing is asserted, each step polls for its state."""

import ssl
import time
import urllib.error
import urllib.request
import uuid

import grpc
import pytest

from harness import Stack, protos
from harness.checks import TableLock, poll
from harness.fixtures import running
from harness.metrics import scrape

SVC = "identity"
WAIT_MAX_MS = 1000


@pytest.fixture(scope="module")
def ostack():
    st = Stack(services=("audit", "identity", "records"), fhir=True)
    st.service_env = {SVC: {"MED_THREADS": "1", "MED_GRPC_QUEUE_MAX": "2",
                            "MED_GRPC_QUEUE_WAIT_MAX_MS": str(WAIT_MAX_MS)}}
    with running(st) as s:
        yield s


def create(st, pb, mrn):
    """CreatePatient as a future: (future, mrn)."""
    ch = st.channel(SVC, role="registrar")
    path, _req, resp, _s = protos.method(st.services[SVC].name,
                                         "CreatePatient")
    stub = ch.unary_unary(path,
                          request_serializer=lambda m: m.SerializeToString(),
                          response_deserializer=resp.FromString)
    req = pb.CreatePatientRequest(mrn=mrn, family_name="Busy",
                                  birth_date="1961-02-03",
                                  sex=pb.ADMINISTRATIVE_SEX_FEMALE)
    return stub.future(req, metadata=st.metadata("registrar"), timeout=120)


def queue_depth(st):
    samples, _text = scrape(st, SVC)
    return samples.get(("smartmed_grpc_handler_queue_depth", ()))


def shed(st, reason):
    samples, _text = scrape(st, SVC)
    return samples.get(("smartmed_grpc_calls_shed_total",
                        (("reason", reason),)), 0.0)


def patients_with(st, pb, mrn):
    r = st.call(SVC, "SearchPatients", pb.SearchPatientsRequest(mrn=mrn),
                role="registrar", timeout=30)
    return [p for p in r.patients if p.mrn == mrn]


def fhir_get(st, path):
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + st.token("clinician"))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_overload_is_refused_with_a_hint_and_nothing_is_lost(ostack):
    st = ostack
    pb = protos.module(SVC)
    mrns = ["MRN-" + uuid.uuid4().hex[:16].upper() for _ in range(3)]
    lock = TableLock(st, "smartmed_identity", "patients")
    try:
        held = create(st, pb, mrns[0])
        # The handler thread is in the held call, blocked on the lock.
        poll(lambda: queue_depth(st) == 0 and shed(st, "queue_full") == 0,
             what="identity idle before the queue fills")
        waiting = [create(st, pb, m) for m in mrns[1:]]
        poll(lambda: queue_depth(st) == 2, timeout=30,
             what="two CreatePatient calls waiting for the thread")

        # A third waiting call would pass MED_GRPC_QUEUE_MAX: refused at
        # once, with the hint gRPC's retry policy reads.
        with pytest.raises(grpc.RpcError) as ei:
            st.call(SVC, "SearchPatients",
                    pb.SearchPatientsRequest(mrn=mrns[0]), role="registrar",
                    timeout=30)
        err = ei.value
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "MED_GRPC_QUEUE_MAX" in err.details()
        trailers = dict(err.trailing_metadata() or ())
        assert int(trailers["grpc-retry-pushback-ms"]) >= 100

        # Through the facade: 503 with Retry-After, an OperationOutcome.
        status, headers, body = fhir_get(st, "Patient?identifier=" + mrns[0])
        assert status == 503, body
        assert int(headers["Retry-After"]) >= 1
        assert b"OperationOutcome" in body and b"transient" in body

        # Past MED_GRPC_QUEUE_WAIT_MAX_MS the waiting calls are stale.
        time.sleep(WAIT_MAX_MS / 1000.0 * 1.5)
    finally:
        lock.release()

    assert held.result(timeout=120).patient_id
    for fut in waiting:
        with pytest.raises(grpc.RpcError) as ei:
            fut.result(timeout=120)
        assert ei.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "MED_GRPC_QUEUE_WAIT_MAX_MS" in ei.value.details()
        pushback = int(dict(ei.value.trailing_metadata())[
            "grpc-retry-pushback-ms"])
        assert pushback > WAIT_MAX_MS
    poll(lambda: shed(st, "queue_wait") == 2, what="two stale calls counted")
    assert shed(st, "queue_full") >= 2

    # Nothing refused was written; the one carried out, once.  Sent again
    # as they were, the refused ones are carried out.
    assert len(patients_with(st, pb, mrns[0])) == 1
    for m in mrns[1:]:
        assert patients_with(st, pb, m) == []
        assert create(st, pb, m).result(timeout=60).patient_id
        assert len(patients_with(st, pb, m)) == 1
