"""Idempotent writes (issue 17, finding 4): a write sent with the client's
own x-request-id is remembered with the write, in its transaction, and a
repeat of the id by the same caller gets the first reply and writes
nothing again.  Before, a client whose reply was lost (timeout, dropped
connection) could only send the write again and make a second row: for
RecordAdministration, a dose charted twice."""

import threading
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import poll

SVC = "records"


pytestmark = pytest.mark.stack(services=("audit", SVC))


def _rows_of(st, pid):
    out = st.sql("SELECT COUNT(*) FROM smartmed_records.entries "
                 "WHERE patient_id = '%s'" % pid)
    return int(out.split()[-1])


def _note(pb, pid, title="Idempotent"):
    return pb.CreateEntryRequest(patient_id=pid, kind=pb.ENTRY_KIND_NOTE,
                                 title=title, body="written once")


def _create(st, pb, req, rid, role="clinician"):
    return st.call(SVC, "CreateEntry", req, role=role, request_id=rid)


def test_repeat_gets_first_reply_and_writes_nothing(st, pb):
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    first = _create(st, pb, _note(pb, pid), rid)
    again = _create(st, pb, _note(pb, pid), rid)
    assert again.SerializeToString() == first.SerializeToString()
    assert _rows_of(st, pid) == 1


def test_without_client_id_each_call_writes(st, pb):
    pid = str(uuid.uuid4())
    st.call(SVC, "CreateEntry", _note(pb, pid), role="clinician")
    st.call(SVC, "CreateEntry", _note(pb, pid), role="clinician")
    assert _rows_of(st, pid) == 2


def test_same_id_other_request_refused_naming_the_id(st, pb):
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    _create(st, pb, _note(pb, pid), rid)
    with pytest.raises(grpc.RpcError) as e:
        _create(st, pb, _note(pb, pid, title="Something else"), rid)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-request-id" in e.value.details()
    assert "different request" in e.value.details()
    assert _rows_of(st, pid) == 1


def test_ids_belong_to_their_caller(st, pb):
    """Two users who happen to pick one id do not share a result."""
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    a = _create(st, pb, _note(pb, pid), rid, role="clinician")
    b = _create(st, pb, _note(pb, pid), rid, role="nurse")
    assert a.SerializeToString() != b.SerializeToString()
    assert _rows_of(st, pid) == 2


def test_failed_write_is_not_remembered(st, pb):
    """A refused write leaves no row: the corrected request may reuse
    its id and is carried out."""
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    bad = pb.CreateEntryRequest(patient_id=pid, kind=pb.ENTRY_KIND_NOTE,
                                title="", body="no title")
    with pytest.raises(grpc.RpcError) as e:
        _create(st, pb, bad, rid)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    _create(st, pb, _note(pb, pid), rid)
    assert _rows_of(st, pid) == 1


def test_concurrent_twins_write_once(st, pb):
    """The same request sent twice at once (a client retrying while its
    first try is still running): one row; every OK twin has the first
    reply; a twin that found the first still finishing is told to repeat,
    and its repeat gets the first reply."""
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    replies, codes = [], []
    lock = threading.Lock()

    def twin():
        try:
            r = _create(st, pb, _note(pb, pid), rid)
            with lock:
                replies.append(r.SerializeToString())
        except grpc.RpcError as e:
            with lock:
                codes.append(e.code())

    threads = [threading.Thread(target=twin) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(codes) <= {grpc.StatusCode.ABORTED}, codes
    final = _create(st, pb, _note(pb, pid), rid).SerializeToString()
    assert all(r == final for r in replies)
    assert _rows_of(st, pid) == 1


def test_repeat_is_audited_as_a_repeat(st, pb):
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    _create(st, pb, _note(pb, pid), rid)
    _create(st, pb, _note(pb, pid), rid)
    apb = protos.module("audit")

    def events():
        evs = [r.event for r in st.call(
            "audit", "Query", apb.QueryRequest(patient_id=pid, limit=20),
            role="auditor", timeout=10) if r.event.request_id == rid]
        return evs if len(evs) >= 2 else None

    evs = poll(events, timeout=30)
    assert evs, "the two calls' events did not reach the audit log"
    assert len(evs) == 2
    assert [e.outcome for e in evs] == [0, 0]
    repeats = [e for e in evs if "repeat of request" in e.detail]
    assert len(repeats) == 1, [e.detail for e in evs]


def _kept(st, rid):
    """(reply_state, hex of the reply) of rid's request log row."""
    out = st.sql("SELECT reply_state, HEX(reply) FROM smartmed_records."
                 "med_request_log WHERE request_id = '%s'" % rid)
    return tuple(out.strip().splitlines()[-1].split("\t"))


def test_reply_is_kept_in_the_request_log(st, pb):
    """The request log keeps the very bytes the client got."""
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    first = _create(st, pb, _note(pb, pid), rid)
    assert _kept(st, rid) == ("1", first.SerializeToString().hex().upper())


def test_repeats_at_once_get_the_first_reply(st, pb):
    """Each of many concurrent writers repeats its request the moment it
    has the reply: every repeat gets the first reply, none is told to
    wait, none writes."""
    pid = str(uuid.uuid4())
    bad = []

    def writer(w):
        for k in range(10):
            rid = "rid-%d-%d-%s" % (w, k, uuid.uuid4().hex)
            req = _note(pb, pid, title="w%d k%d" % (w, k))
            try:
                first = _create(st, pb, req, rid).SerializeToString()
                again = _create(st, pb, req, rid).SerializeToString()
                if again != first:
                    bad.append((rid, "another reply"))
            except grpc.RpcError as e:
                bad.append((rid, e.code(), e.details()))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []
    assert _rows_of(st, pid) == 40


def test_reply_lost_reply_kept_gone_says_committed(st, pb):
    """A first call that committed but whose reply was not kept (the
    process died between commit and reply): the repeat is told that the
    request was carried out, and writes nothing."""
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    _create(st, pb, _note(pb, pid), rid)
    assert _kept(st, rid)[0] == "1"
    st.sql("UPDATE smartmed_records.med_request_log SET reply_state = 0,"
           " reply = NULL, created_ms = created_ms - 3600000"
           " WHERE request_id = '%s'" % rid)
    with pytest.raises(grpc.RpcError) as e:
        _create(st, pb, _note(pb, pid), rid)
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "already carried out and committed" in e.value.details()
    assert _rows_of(st, pid) == 1
