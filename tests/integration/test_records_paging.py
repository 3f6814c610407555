"""Records' reads come in pages (AIP-158; issue 17, finding 5): ListEntries,
History and ExportFhir take page_size and page_token and answer
next_page_token; a page also stops before the reply would pass the message
limit, so a History of 17 versions of 256 KiB, which used to fail with
"Sent message larger than max", is read page by page."""

import json
import uuid

import grpc

from harness.checks import expect_status

SVC = "records"
MAX_MESSAGE = 4 * 1024 * 1024  # MED_MAX_MESSAGE_BYTES' default
BIG_BODY_CHARS = 64 * 1024     # the largest body: 4 bytes each in UTF-8
INVALID = grpc.StatusCode.INVALID_ARGUMENT


def _note(stack, pb, pid, title="t", body="b"):
    return stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title=title, body=body),
        role="clinician", timeout=30)


def _big_body(tag):
    # 256 KiB of UTF-8: 4-byte characters, distinct per version.
    return tag + "\U0001F600" * (BIG_BODY_CHARS - len(tag))


def _pages(stack, method, make_request, common, page_size=0, limit=100):
    """Every page of a read, following next_page_token."""
    pages, token = [], ""
    for _ in range(limit):
        r = stack.call(SVC, method, make_request(common.PageRequest(
            page_size=page_size, page_token=token)), role="clinician",
            timeout=30)
        assert r.ByteSize() <= MAX_MESSAGE
        pages.append(r)
        token = r.page.next_page_token
        if not token:
            return pages
    raise AssertionError("more than %d pages" % limit)


def _list_ids(stack, pb, common, pid, page_size, **filters):
    pages = _pages(stack, "ListEntries", lambda p: pb.ListEntriesRequest(
        patient_id=pid, page=p, **filters), common, page_size)
    return [[e.entry_id for e in r.entries] for r in pages]


# --- ListEntries --------------------------------------------------------


def test_list_pages_newest_first_each_once(stack, pb, common):
    pid = str(uuid.uuid4())
    made = [_note(stack, pb, pid, title="n%d" % i).entry_id
            for i in range(7)]
    pages = _list_ids(stack, pb, common, pid, 3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert sum(pages, []) == made[::-1]


def test_list_pages_hold_while_entries_are_written(stack, pb, common):
    """The token is a cursor, not an offset: entries written between two
    pages neither repeat an entry nor skip one."""
    pid = str(uuid.uuid4())
    made = [_note(stack, pb, pid).entry_id for _ in range(4)]
    first = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=pid, page=common.PageRequest(page_size=2)),
        role="clinician")
    newer = [_note(stack, pb, pid).entry_id for _ in range(3)]
    rest = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=pid, page=common.PageRequest(
            page_size=10, page_token=first.page.next_page_token)),
        role="clinician")
    seen = [e.entry_id for e in first.entries] + [
        e.entry_id for e in rest.entries]
    # Newest first by created_ms, ties (the same millisecond) by entry id:
    # each entry exactly once, none of the newer ones.
    assert sorted(seen) == sorted(made) and len(set(seen)) == len(seen)
    assert rest.page.next_page_token == ""
    assert not set(newer) & set(seen)


def test_list_default_and_maximum_page_size(stack, pb, common):
    pid = str(uuid.uuid4())
    for _ in range(51):
        _note(stack, pb, pid)
    r = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=pid), role="clinician")
    assert len(r.entries) == 50 and r.page.next_page_token
    r = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=pid, page=common.PageRequest(page_size=500)),
        role="clinician")
    assert len(r.entries) == 51 and r.page.next_page_token == ""
    expect_status(INVALID, stack.call, SVC, "ListEntries",
                  pb.ListEntriesRequest(patient_id=pid, page=common.PageRequest(
                      page_size=501)), role="clinician",
                  details_prefix="page.page_size")


def test_list_of_large_entries_is_split_by_size(stack, pb, common):
    """17 notes of 256 KiB do not fit one reply even when 50 are asked
    for: the pages stop short of the limit and still cover them all."""
    pid = str(uuid.uuid4())
    made = [_note(stack, pb, pid, body=_big_body("n%d" % i)).entry_id
            for i in range(17)]
    pages = _list_ids(stack, pb, common, pid, 50)
    assert len(pages) >= 2
    assert sum(pages, []) == made[::-1]


def _token_of(stack, pb, common, pid, **filters):
    r = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=pid, page=common.PageRequest(page_size=1), **filters),
        role="clinician")
    assert r.page.next_page_token
    return r.page.next_page_token


def _flip(token, i):
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]


def test_bad_page_tokens_refused(stack, pb, common):
    pid, other = str(uuid.uuid4()), str(uuid.uuid4())
    for p in (pid, other):
        for _ in range(2):
            _note(stack, pb, p)
    token = _token_of(stack, pb, common, pid)
    bad = {
        "garbage": "not a token",
        "offset": "p1:1",  # the offset tokens of other lists
        "edited": _flip(token, len(token) // 2),
        "cut": token[:-3],
        "other patient": _token_of(stack, pb, common, other),
        "other filter": _token_of(stack, pb, common, pid,
                                  kind=pb.ENTRY_KIND_NOTE),
    }
    for why, t in bad.items():
        e = expect_status(INVALID, stack.call, SVC, "ListEntries",
                          pb.ListEntriesRequest(
                              patient_id=pid, page=common.PageRequest(
                                  page_token=t)),
                          role="clinician", details_prefix="page.page_token")
        assert "previous page of this request" in e.details(), why
    # The page size may change between pages (AIP-158).
    r = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=pid, page=common.PageRequest(page_size=7,
                                                page_token=token)),
        role="clinician")
    assert len(r.entries) == 1


# --- History -----------------------------------------------------------


def test_oversized_history_read_page_by_page(stack, pb, common):
    """Issue 17 finding 5: 17 versions of 256 KiB (4.25 MiB)."""
    pid = str(uuid.uuid4())
    e = _note(stack, pb, pid, body=_big_body("v1"))
    for v in range(2, 18):
        e = stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
            entry_id=e.entry_id, expected_version=v - 1, title="t",
            body=_big_body("v%d" % v), reason="more"), role="clinician",
            timeout=30)
    pages = _pages(stack, "History", lambda p: pb.HistoryRequest(
        entry_id=e.entry_id, page=p), common)
    assert len(pages) >= 2
    versions = [v for r in pages for v in r.versions]
    assert [v.version for v in versions] == list(range(1, 18))
    assert [v.body[:3].rstrip("\U0001F600") for v in versions] == [
        "v%d" % i for i in range(1, 18)]
    assert versions[-1] == e
    # A page size smaller than what fits is kept.
    pages = _pages(stack, "History", lambda p: pb.HistoryRequest(
        entry_id=e.entry_id, page=p), common, page_size=5)
    assert [len(r.versions) for r in pages] == [5, 5, 5, 2]


def test_history_pages_carry_earlier_addenda(stack, pb, common):
    pid = str(uuid.uuid4())
    e = _note(stack, pb, pid)
    stack.call(SVC, "SignEntry", pb.SignEntryRequest(
        entry_id=e.entry_id, version=1), role="clinician")
    for i in range(3):
        stack.call(SVC, "AddAddendum", pb.AddAddendumRequest(
            entry_id=e.entry_id, text="addendum %d" % i), role="clinician")
    whole = stack.call(SVC, "History", pb.HistoryRequest(
        entry_id=e.entry_id), role="clinician")
    assert len(whole.versions) == 5 and whole.page.next_page_token == ""
    pages = _pages(stack, "History", lambda p: pb.HistoryRequest(
        entry_id=e.entry_id, page=p), common, page_size=2)
    assert [v for r in pages for v in r.versions] == list(whole.versions)
    assert [a.text for a in pages[-1].versions[-1].addenda] == [
        "addendum 0", "addendum 1", "addendum 2"]


def test_history_token_bound_to_its_entry(stack, pb, common):
    pid = str(uuid.uuid4())
    a, b = _note(stack, pb, pid), _note(stack, pb, pid)
    for x in (a, b):
        stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
            entry_id=x.entry_id, expected_version=1, title="t", body="c",
            reason="r"), role="clinician")
    r = stack.call(SVC, "History", pb.HistoryRequest(
        entry_id=a.entry_id, page=common.PageRequest(page_size=1)),
        role="clinician")
    token = r.page.next_page_token
    assert token and [v.version for v in r.versions] == [1]
    expect_status(INVALID, stack.call, SVC, "History", pb.HistoryRequest(
        entry_id=b.entry_id, page=common.PageRequest(page_token=token)),
        role="clinician", details_prefix="page.page_token")
    list_token = _token_of(stack, pb, common, pid)
    expect_status(INVALID, stack.call, SVC, "History", pb.HistoryRequest(
        entry_id=a.entry_id, page=common.PageRequest(page_token=list_token)),
        role="clinician", details_prefix="page.page_token")
    expect_status(INVALID, stack.call, SVC, "History", pb.HistoryRequest(
        entry_id=a.entry_id, page=common.PageRequest(page_size=501)),
        role="clinician", details_prefix="page.page_size")


# --- ExportFhir --------------------------------------------------------


def test_large_chart_exported_page_by_page(stack, pb, common):
    """A chart whose Bundle is larger than one reply (it answered
    RESOURCE_EXHAUSTED): each page is a whole Bundle."""
    pid = str(uuid.uuid4())
    made = [_note(stack, pb, pid, body=_big_body("n%d" % i)).entry_id
            for i in range(12)]
    pages = _pages(stack, "ExportFhir", lambda p: pb.ExportFhirRequest(
        patient_id=pid, page=p), common)
    assert len(pages) >= 2
    ids = []
    for r in pages:
        b = json.loads(r.bundle_json)
        assert b["resourceType"] == "Bundle" and b["type"] == "collection"
        assert r.n_resources == len(b["entry"])
        # Each page starts with the Patient its resources refer to.
        assert b["entry"][0]["resource"]["resourceType"] == "Patient"
        ids += [x["resource"]["id"] for x in b["entry"][1:]]
    assert ids == made[::-1]
    pages = _pages(stack, "ExportFhir", lambda p: pb.ExportFhirRequest(
        patient_id=pid, page=p), common, page_size=5)
    assert [r.n_resources for r in pages] == [6, 6, 3]  # + the Patient
    expect_status(INVALID, stack.call, SVC, "ExportFhir",
                  pb.ExportFhirRequest(patient_id=str(uuid.uuid4()),
                                       page=common.PageRequest(
                                           page_token=pages[0].page.
                                           next_page_token)),
                  role="clinician", details_prefix="page.page_token")
