"""Records: what a reader is shown comes from the hash chain (issue 17,
finding 3).  The index of each entry's latest version (entry_heads) and a
version's status are edited directly in MariaDB; readers answer DATA_LOSS
naming the entry instead of showing the edited state, writes refuse to
build on it, and VerifyChain reports it."""

import uuid

import grpc

from harness.checks import expect_status

SVC = "records"
DB = "smartmed_records"
DATA_LOSS = grpc.StatusCode.DATA_LOSS


def _verify(stack, pb, pid):
    return stack.call(SVC, "VerifyChain", pb.VerifyChainRequest(
        patient_id=pid), role="auditor")


def _retracted_note(stack, pb):
    """A patient with a note that was entered in error (version 2) and a
    second, untouched note."""
    pid = str(uuid.uuid4())
    a = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="Biopsy result",
        body="Malignant."), role="clinician")
    gone = stack.call(SVC, "MarkEnteredInError", pb.MarkEnteredInErrorRequest(
        entry_id=a.entry_id, expected_version=1, reason="wrong patient"),
        role="clinician")
    assert gone.status == pb.ENTRY_STATUS_ENTERED_IN_ERROR
    other = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="Other", body="x"),
        role="clinician")
    return pid, a, gone, other


def _readers(pb, pid, eid):
    """Every read that shows the entry, as (method, request)."""
    return [
        ("GetEntry", pb.GetEntryRequest(entry_id=eid)),
        ("History", pb.HistoryRequest(entry_id=eid)),
        ("ListEntries", pb.ListEntriesRequest(patient_id=pid)),
        ("ExportFhir", pb.ExportFhirRequest(patient_id=pid)),
    ]


def _all_refused(stack, pb, pid, eid, check):
    for method, req in _readers(pb, pid, eid):
        e = expect_status(DATA_LOSS, stack.call, SVC, method, req,
                          role="clinician", details_contains=eid)
        assert check in e.details(), (method, e.details())


def test_latest_version_set_back_is_not_believed(stack, pb):
    pid, a, gone, other = _retracted_note(stack, pb)
    assert _verify(stack, pb, pid).ok
    # The finding: with the index set back, the list showed the
    # retracted note as FINAL and VerifyChain said ok.
    stack.sql("UPDATE %s.entry_heads SET latest_version = 1"
              " WHERE entry_id = '%s'" % (DB, a.entry_id))
    _all_refused(stack, pb, pid, a.entry_id, "entry_head.latest_version")
    # Any version of that entry: its record is in doubt as a whole.  The
    # patient's other entry reads as before.
    expect_status(DATA_LOSS, stack.call, SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=a.entry_id, version=1), role="clinician")
    assert stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=other.entry_id), role="clinician") == other
    r = _verify(stack, pb, pid)
    assert not r.ok and r.n_versions == 3
    assert r.broken.entry_id == a.entry_id
    assert r.broken.check == "entry_head.latest_version"
    assert (r.broken.expected, r.broken.stored) == ("2", "1")
    assert r.broken.version == 2 and r.broken.position == 0
    # A change must not build on it either (and writes nothing).
    expect_status(DATA_LOSS, stack.call, SVC, "AmendEntry",
                  pb.AmendEntryRequest(entry_id=a.entry_id,
                                       expected_version=1, title="t",
                                       body="Benign.", reason="r"),
                  role="clinician", details_prefix="entry_id")
    rows = stack.sql("SELECT COUNT(*) FROM %s.entries WHERE entry_id = '%s'"
                     % (DB, a.entry_id))
    assert rows.split()[-1] == "2"
    # Repaired, everything reads again: a check, not a lasting damage.
    stack.sql("UPDATE %s.entry_heads SET latest_version = 2"
              " WHERE entry_id = '%s'" % (DB, a.entry_id))
    latest = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=a.entry_id), role="clinician")
    assert latest.status == pb.ENTRY_STATUS_ENTERED_IN_ERROR
    assert _verify(stack, pb, pid).ok


def test_latest_version_raised_is_not_believed(stack, pb):
    pid, a, gone, other = _retracted_note(stack, pb)
    stack.sql("UPDATE %s.entry_heads SET latest_version = 3"
              " WHERE entry_id = '%s'" % (DB, a.entry_id))
    _all_refused(stack, pb, pid, a.entry_id, "entry_head.latest_version")
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.check == "entry_head.latest_version"
    assert (r.broken.expected, r.broken.stored) == ("2", "3")


def test_status_set_back_is_not_believed(stack, pb):
    """The status lives in the version row, under its content hash."""
    pid, a, gone, other = _retracted_note(stack, pb)
    stack.sql("UPDATE %s.entries SET status = %d WHERE entry_id = '%s'"
              " AND version = 2" % (DB, pb.ENTRY_STATUS_FINAL, a.entry_id))
    _all_refused(stack, pb, pid, a.entry_id, "content_sha256")
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.entry_id == a.entry_id
    assert r.broken.version == 2 and r.broken.check == "content_sha256"
    # Nor can a row claim the first release's formula, which has no status.
    stack.sql("UPDATE %s.entries SET hash_alg = 1 WHERE entry_id = '%s'"
              " AND version = 2" % (DB, a.entry_id))
    _all_refused(stack, pb, pid, a.entry_id, "hash_alg")
    assert _verify(stack, pb, pid).broken.check == "hash_alg"


def test_hidden_allergy_is_not_believed(stack, pb):
    """The dose checks read allergies from the record: an allergy set to
    entered-in-error in SQL must not silently vanish from them."""
    pid = str(uuid.uuid4())
    alg = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_ALLERGY, title="Penicillin",
        allergy=pb.Allergy(substance_display="Penicillin")),
        role="clinician")
    facts = stack.call(SVC, "GetMedicationFacts", pb.GetMedicationFactsRequest(
        patient_id=pid), role="pharmacist")
    assert [x.entry_id for x in facts.allergies] == [alg.entry_id]
    stack.sql("UPDATE %s.entries SET status = %d WHERE entry_id = '%s'"
              % (DB, pb.ENTRY_STATUS_ENTERED_IN_ERROR, alg.entry_id))
    expect_status(DATA_LOSS, stack.call, SVC, "GetMedicationFacts",
                  pb.GetMedicationFactsRequest(patient_id=pid),
                  role="pharmacist", details_prefix="patient_id",
                  details_contains=alg.entry_id)


def test_cut_tail_of_an_entry_is_not_believed(stack, pb):
    """Deleting the retraction itself leaves version 1 as the highest; the
    index still says 2."""
    pid, a, gone, other = _retracted_note(stack, pb)
    stack.sql("DELETE FROM %s.entries WHERE entry_id = '%s' AND version = 2"
              % (DB, a.entry_id))
    _all_refused(stack, pb, pid, a.entry_id, "entry_head.latest_version")
    assert not _verify(stack, pb, pid).ok


def test_index_moved_to_another_patient(stack, pb):
    pid, a, gone, other = _retracted_note(stack, pb)
    elsewhere = str(uuid.uuid4())
    stack.sql("UPDATE %s.entry_heads SET patient_id = '%s'"
              " WHERE entry_id = '%s'" % (DB, elsewhere, a.entry_id))
    # The entry stays on its patient's list, which now refuses to hide it.
    _all_refused(stack, pb, pid, a.entry_id, "entry_head.patient_id")
    lst = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=elsewhere), role="clinician")
    assert list(lst.entries) == []
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.check == "entry_head.patient_id"
    assert (r.broken.expected, r.broken.stored) == (pid, elsewhere)


def test_index_row_deleted(stack, pb):
    pid, a, gone, other = _retracted_note(stack, pb)
    stack.sql("DELETE FROM %s.entry_heads WHERE entry_id = '%s'"
              % (DB, a.entry_id))
    _all_refused(stack, pb, pid, a.entry_id, "entry_head.row")
    r = _verify(stack, pb, pid)
    assert not r.ok and r.broken.check == "entry_head.row"
    assert r.broken.entry_id == a.entry_id
