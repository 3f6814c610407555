"""Records tamper evidence: rows changed, removed or re-hashed directly in
MariaDB are caught by VerifyChain; first-release rows join the chain."""

import hashlib
import struct
import time
import uuid


SVC = "records"
DB = "smartmed_records"


def _patient_with_history(stack, pb):
    pid = str(uuid.uuid4())
    a = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="Note",
        body="Original text."), role="clinician")
    b = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=pb.Observation(loinc_code="8867-4", numeric=70,
                                   ucum_unit="/min")), role="nurse")
    a2 = stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
        entry_id=a.entry_id, expected_version=1, title="Note",
        body="Corrected text.", reason="typo"), role="clinician")
    return pid, [a, b, a2]


def _verify(stack, pb, pid):
    return stack.call(SVC, "VerifyChain", pb.VerifyChainRequest(
        patient_id=pid), role="auditor")


def test_changed_row_is_caught(stack, pb):
    pid, (a, b, a2) = _patient_with_history(stack, pb)
    assert _verify(stack, pb, pid).ok
    stack.sql("UPDATE %s.entries SET body = 'Rewritten text.'"
              " WHERE entry_id = '%s' AND version = 1" % (DB, a.entry_id))
    r = _verify(stack, pb, pid)
    assert not r.ok
    assert (r.broken.entry_id, r.broken.version, r.broken.position) == (
        a.entry_id, 1, 1)
    assert r.broken.check == "content_sha256"
    assert r.broken.stored == a.content_sha256
    assert r.broken.expected != a.content_sha256


def test_changed_typed_content_is_caught(stack, pb):
    pid, (a, b, a2) = _patient_with_history(stack, pb)
    stack.sql("UPDATE %s.entries SET content = CONCAT(content, 'x')"
              " WHERE entry_id = '%s'" % (DB, b.entry_id))
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.entry_id == b.entry_id
    assert r.broken.position == 2 and r.broken.check == "content_sha256"


def test_rehashed_row_breaks_the_link(stack, pb):
    pid, (a, b, a2) = _patient_with_history(stack, pb)
    # A forger who recomputes the content hash still breaks the chain.
    stack.sql("UPDATE %s.entries SET content_sha256 = '%s'"
              " WHERE entry_id = '%s' AND version = 2"
              % (DB, "0" * 64, a.entry_id))
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.position == 3
    assert r.broken.check == "content_sha256"
    stack.sql("UPDATE %s.entries SET content_sha256 = '%s',"
              " chain_hash = '%s' WHERE entry_id = '%s' AND version = 2"
              % (DB, a2.content_sha256, "f" * 64, a.entry_id))
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.check == "chain_hash"
    assert r.broken.expected == a2.chain_hash


def test_deleted_rows_are_caught(stack, pb):
    pid, (a, b, a2) = _patient_with_history(stack, pb)
    stack.sql("DELETE FROM %s.entries WHERE entry_id = '%s'"
              % (DB, b.entry_id))
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.position == 2
    assert r.broken.check == "sequence"
    # Cutting the tail is seen through the chain head.
    pid, (a, b, a2) = _patient_with_history(stack, pb)
    stack.sql("DELETE FROM %s.entries WHERE entry_id = '%s' AND version = 2"
              % (DB, a.entry_id))
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.check == "head"
    assert r.broken.stored == a2.chain_hash


def _hash_v1(fields):
    h = hashlib.sha256()
    for f in fields:
        data = str(f).encode()
        h.update(struct.pack(">Q", len(data)) + data)
    return h.hexdigest()


def test_first_release_rows_join_the_chain(stack, pb):
    """Rows written before migration 2 (no chain fields, hash formula 1)
    are chained the first time their patient's chain is touched."""
    pid, eid = str(uuid.uuid4()), str(uuid.uuid4())
    now = int(time.time() * 1000) - 60000
    row = dict(entry_id=eid, version=1, patient_id=pid, kind=1,
               title="Old note", body="From the first release.",
               author="dr.old", created_ms=now)
    digest = _hash_v1(["smartmed.records.v1.Entry", eid, 1, pid, 1,
                       row["title"], row["body"], row["author"], now])
    stack.sql(
        "INSERT INTO {db}.entries (entry_id, version, patient_id, kind,"
        " title, body, author, created_ms, content_sha256) VALUES"
        " ('{entry_id}', 1, '{patient_id}', 1, '{title}', '{body}',"
        " '{author}', {created_ms}, '{d}');"
        "INSERT INTO {db}.entry_heads (entry_id, patient_id, kind, author,"
        " created_ms, latest_version) VALUES ('{entry_id}', '{patient_id}',"
        " 1, '{author}', {created_ms}, 1)".format(db=DB, d=digest, **row))
    old = stack.call(SVC, "GetEntry", pb.GetEntryRequest(entry_id=eid),
                     role="clinician")
    assert old.content_sha256 == digest and old.chain_seq == 0
    new = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="New", body="x"),
        role="clinician")
    assert new.chain_seq == 2
    r = _verify(stack, pb, pid)
    assert r.ok and r.n_versions == 2
    # And the old row is now protected like the rest.
    stack.sql("UPDATE %s.entries SET body = 'changed' WHERE entry_id = '%s'"
              % (DB, eid))
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.entry_id == eid
    assert r.broken.check == "content_sha256"
