"""Two identity replicas on one database keep their in-memory face indexes
in step through the face change log: an enrolment or an erasure on one is
seen by the other's next IdentifyFace at once (it catches up before
searching, no waiting), an idle replica's poller keeps it warm, a replica
that cannot catch up from the log (rows pruned past it) reloads, a
restarted one is consistent, and with the database away a replica serves
the index it has.  Needs the ORL photographs (../shared/data/faces/orl);
skips when they are absent."""

import threading
import time
import uuid

import pytest

from harness import Stack
from harness import metrics as metrics_mod
from harness.checks import poll
from harness.fixtures import running
from harness.faces import FaceKeys, orl_png

A, B = "identity", "identity-b"


@pytest.fixture(scope="module")
def two():
    """Replica A polls every 100 ms; replica B has no poller, so what B
    finds it found by catching up before the search."""
    orl_png(1, 1)
    keys = FaceKeys()
    env = dict(keys.env(), MED_FACE_SYNC_INTERVAL_MS="100")
    with running(Stack(services=("identity", "audit"), extra_env=env)) as st:
        st.start_replica("identity", B,
                         env={"MED_FACE_SYNC_INTERVAL_MS": "0"})
        yield st


# The service of the pb fixture (tests/conftest.py).
PROTOS = "identity"


def patient(st, pb, on=A):
    return st.call(on, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Replica",
        given_name=uuid.uuid4().hex[:8], birth_date="1971-02-03",
        sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def enroll(st, pb, on, pid, subject, shots=(1, 2, 3)):
    st.call(on, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(subject, n) for n in shots]),
        role="registrar", timeout=30)


def identify(st, pb, on, subject, shot=5):
    return st.call(on, "IdentifyFace", pb.IdentifyFaceRequest(
        image=orl_png(subject, shot), top_k=3), role="nurse", timeout=30)


def top(got):
    return got.candidates[0].patient_id if got.candidates else None


def ids(got):
    return {c.patient_id for c in got.candidates}


def test_enrolment_on_one_replica_is_found_on_the_other_at_once(two, pb):
    st = two
    p = patient(st, pb)
    before = identify(st, pb, B, 21).searched
    enroll(st, pb, A, p, 21)
    got = identify(st, pb, B, 21)
    assert got.searched == before + 3
    assert top(got) == p
    # The face part of CheckDuplicates searches the same index.
    dup = st.call(B, "CheckDuplicates", pb.CheckDuplicatesRequest(
        family_name="Nobody", given_name="Else", birth_date="1999-09-09",
        sex=pb.ADMINISTRATIVE_SEX_MALE, photo=orl_png(21, 1)),
        role="registrar", timeout=30)
    assert p in {c.patient_id for c in dup.face_candidates}


def test_erasure_on_one_replica_reaches_the_other_and_reenrolment_too(
        two, pb):
    st = two
    p = patient(st, pb)
    enroll(st, pb, A, p, 22)
    assert top(identify(st, pb, A, 22)) == p
    n = st.call(B, "DeleteFaceTemplates", pb.DeleteFaceTemplatesRequest(
        patient_id=p), role="admin").deleted
    assert n == 3
    # A's poller may or may not have run yet: either way A is right.
    assert p not in ids(identify(st, pb, A, 22))
    assert p not in ids(identify(st, pb, B, 22))
    enroll(st, pb, B, p, 22, shots=(4, 6))
    assert top(identify(st, pb, A, 22)) == p
    assert top(identify(st, pb, B, 22)) == p


def _sql_row(st, statement):
    """The first row of a query's output (after the header), as ints."""
    lines = st.sql(statement).strip().splitlines()
    return [int(v) for v in lines[-1].split("\t")]


def test_concurrent_changes_on_both_replicas_leave_a_dense_log(two, pb):
    """Enrolments and erasures racing on both replicas: the log's seqs
    are dense (no number lost to a transaction that committed out of
    order) and both replicas end with exactly the stored templates."""
    st = two
    pids = [patient(st, pb) for _ in range(8)]
    errors = []

    def work(i):
        on = (A, B)[i % 2]
        try:
            enroll(st, pb, on, pids[i], 30 + i, shots=(1,))
            if i % 3 == 0:
                st.call((B, A)[i % 2], "DeleteFaceTemplates",
                        pb.DeleteFaceTemplatesRequest(patient_id=pids[i]),
                        role="admin")
        except Exception as e:  # reported below, with the others
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    n, lo, hi = _sql_row(st, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM "
                         "smartmed_identity.face_template_changes")
    clock, = _sql_row(st, "SELECT seq FROM "
                      "smartmed_identity.face_index_clock WHERE id = 1")
    assert (lo, hi, n) == (1, clock, clock)
    stored, = _sql_row(st, "SELECT COUNT(*) FROM "
                       "smartmed_identity.face_templates")
    assert identify(st, pb, A, 31).searched == stored
    assert identify(st, pb, B, 31).searched == stored
    assert top(identify(st, pb, B, 31, shot=1)) == pids[1]


def _wipe_change_log(st):
    st.sql("DELETE FROM smartmed_identity.face_template_changes;")


def test_replica_behind_a_pruned_log_reloads(two, pb):
    st = two
    p = patient(st, pb)
    enroll(st, pb, A, p, 23)
    # B (no poller) has not read these changes; pruning them leaves a
    # hole between what B applied and the counter: B must reload.
    _wipe_change_log(st)
    got = identify(st, pb, B, 23)
    assert top(got) == p
    assert "reloading" in st.log_tail(B, 200)


def _templates(st, on):
    """The templates in replica on's in-memory index (its gauge)."""
    return metrics_mod.read(st, on, "smartmed_identity_face_templates")


def test_idle_replica_is_kept_warm_by_its_poller(two, pb):
    st = two
    p = patient(st, pb)
    before = st.log_tail(A, 400).count("reloading")
    held = _templates(st, A)
    enroll(st, pb, B, p, 24)
    # A polls every 100 ms: once its index holds the new patient's
    # templates it has applied the change from the log, so wiping the
    # log afterwards costs it no reload.
    poll(lambda: _templates(st, A) > held, timeout=30,
         what="A's poller applying B's enrolment")
    _wipe_change_log(st)
    assert top(identify(st, pb, A, 24)) == p
    assert st.log_tail(A, 400).count("reloading") == before


def test_restarted_replica_is_consistent(two, pb):
    st = two
    p, q = patient(st, pb), patient(st, pb)
    st.stop_service(B)
    enroll(st, pb, A, p, 25)
    st.start_service(B)
    assert top(identify(st, pb, B, 25)) == p
    enroll(st, pb, B, q, 26)
    assert top(identify(st, pb, A, 26)) == q
    assert identify(st, pb, A, 26).searched == \
        identify(st, pb, B, 26).searched


def test_database_away_the_index_serves_and_catch_up_resumes(two, pb):
    st = two
    p = patient(st, pb)
    enroll(st, pb, A, p, 27)
    assert top(identify(st, pb, B, 27)) == p
    st.stop_db()
    try:
        got = identify(st, pb, B, 27)
        assert top(got) == p
    finally:
        st.start_db()
    q = None
    deadline = time.monotonic() + 20
    while q is None:
        try:
            q = patient(st, pb)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    enroll(st, pb, A, q, 28)
    assert top(identify(st, pb, B, 28)) == q
    assert "caught up again" in st.log_tail(B, 400)
