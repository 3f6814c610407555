"""Identity serves while its face index loads (issue 54, item 3; docs/
operations.md "Identity start with a large face gallery").

A hospital group's gallery takes minutes to read, so identity loads it in
the background: its health answers (NOT_SERVING, /readyz 503, /healthz
200) and the patient index serves from the start; IdentifyFace and
EnrollFace (whose duplicate search needs the index) answer UNAVAILABLE
with the load's progress and when to ask again; once loaded the service
is SERVING and IdentifyFace searches every template.

The test plants many templates straight into the table (the bulk path of
tools/bench/identify_service.py) and holds the table locked from another
database session while identity restarts, so "still loading" does not
depend on how fast this machine reads them.  Needs the ORL photographs
(../shared/data/faces/orl); skips when they are absent."""

import time
import urllib.error
import urllib.request
import uuid

import grpc
import pytest

from harness import NOT_SERVING, Stack, protos
from harness.checks import TableLock, expect_status
from harness.faces import FaceKeys, orl_png, plant_templates
from harness.fixtures import running

SVC = "identity"
PLANTED = 20000


@pytest.fixture()
def keyed_stack():
    keys = FaceKeys()
    with running(Stack(services=("identity", "audit"),
                       extra_env=keys.env())) as st:
        yield st


def _http_status(st, path):
    url = "http://127.0.0.1:%d%s" % (st.http_port(SVC), path)
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _first_health(st, timeout_s=120):
    """The first answer of identity's gRPC health after its start."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return st.health(SVC, timeout=2.0)
        except grpc.RpcError:
            # Not listening yet; a channel that tried then backs off:
            # start afresh, as wait_serving does.
            st._drop_channel(SVC)
            assert time.monotonic() < deadline, st.log_tail(SVC, 80)
            time.sleep(0.1)


def test_serves_while_the_face_index_loads(keyed_stack):
    st = keyed_stack
    pb = protos.module(SVC)
    orl_png(11, 1)
    pid = st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Loading",
        birth_date="1960-01-02", sex=pb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id
    st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(11, n) for n in (1, 2)]),
        role="registrar", timeout=60)
    plant_templates(st, PLANTED)

    st.stop_service(SVC)
    lock = TableLock(st, "smartmed_identity", "face_templates")
    try:
        st.start_service(SVC, wait=False)
        # Health answers (not serving: the index is not loaded).
        assert _first_health(st) == NOT_SERVING, st.log_tail(SVC)
        assert _http_status(st, "/healthz") == 200
        assert _http_status(st, "/readyz") == 503
        # The patient index serves.
        got = st.call(SVC, "GetPatient", pb.GetPatientRequest(
            patient_id=pid), role="registrar", timeout=30)
        assert got.patient_id == pid
        # The face RPCs that need the index say it is loading.
        expect_status(grpc.StatusCode.UNAVAILABLE, st.call, SVC,
                      "IdentifyFace",
                      pb.IdentifyFaceRequest(image=orl_png(11, 3)),
                      role="registrar", timeout=60,
                      details_prefix="face index loading: ",
                      details_contains="retry in about")
        expect_status(grpc.StatusCode.UNAVAILABLE, st.call, SVC,
                      "EnrollFace", pb.EnrollFaceRequest(
                          patient_id=pid, images=[orl_png(11, 4)]),
                      role="registrar", timeout=60,
                      details_prefix="face index loading: ")
        assert st.health(SVC, timeout=2.0) == NOT_SERVING
    finally:
        lock.release()

    st.wait_serving(SVC, timeout=600)
    assert _http_status(st, "/readyz") == 200
    got = st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
        image=orl_png(11, 3), top_k=3), role="registrar", timeout=60)
    assert got.searched == PLANTED + 2
    assert got.candidates[0].patient_id == pid
    assert "face index loaded: %d templates" % (PLANTED + 2) in \
        st.log_tail(SVC, 400)
