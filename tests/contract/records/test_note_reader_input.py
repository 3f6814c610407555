"""The note reader's switch and its bad input (issue 55,
docs/note-reader.md "Suggestions" and "Bad input"): with
MED_RECORDS_NOTE_READER=off a note is written unread and ReadNotes reads it
later; a 1 MB note is refused by records' own body rule, never by the
reader; binary in a body is refused by records' own body rule, naming
the field, or written and read with spans that cut nothing; a note amended while ReadNotes reads it gets no suggestion whose span
is not in the version it names."""

import threading
import uuid

import grpc

from harness.checks import expect_status

SVC = "records"
OFF = "records-reader-off"


def _note(stack, pb, body, svc=SVC):
    return stack.call(svc, "CreateEntry", pb.CreateEntryRequest(
        patient_id=str(uuid.uuid4()), kind=pb.ENTRY_KIND_NOTE,
        title="Admission note", body=body), role="clinician")


def _list(stack, pb, patient_id):
    return list(stack.call(SVC, "ListSuggestions", pb.ListSuggestionsRequest(
        patient_id=patient_id), role="clinician").suggestions)


def _versions(stack, pb, entry_id):
    r = stack.call(SVC, "History", pb.HistoryRequest(entry_id=entry_id),
                   role="clinician")
    return dict((v.version, v.body) for v in r.versions)


def test_reader_off_writes_notes_unread(stack, pb):
    stack.start_replica("records", OFF,
                        env={"MED_RECORDS_NOTE_READER": "off"})
    try:
        e = _note(stack, pb, "Allergic to penicillin. Takes warfarin.",
                  svc=OFF)
    finally:
        stack.stop_service(OFF)
        del stack.services[OFF]
    assert _list(stack, pb, e.patient_id) == []
    r = stack.call(SVC, "ReadNotes", pb.ReadNotesRequest(
        patient_id=e.patient_id), role="pharmacist")
    assert r.notes_read == 1 and r.suggestions_added == 2
    assert sorted(s.code for s in _list(stack, pb, e.patient_id)) == [
        "penicillins", "warfarin"]


def test_one_megabyte_note_is_refused_by_the_body_rule(stack, pb):
    body = ("Allergic to penicillin. " * 44000)[:1 << 20]
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _note, stack, pb, body,
                  details_prefix="body")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ReadText", pb.ReadTextRequest(text=body),
                  role="clinician", details_prefix="text")


def test_binary_in_a_body_is_refused_by_the_body_rule_or_read(stack, pb):
    # NULs and control bytes are refused by records' own rule on a body
    # (older than the reader), naming the field, and so are bytes that
    # are not UTF-8; what the rule lets through (U+FFFD, what a decoder
    # makes of invalid UTF-8, private-use and zero-width characters, tabs)
    # is written and read, and the spans are the mentions' bytes.
    for bad in ("Allergic to\x00latex.", "Allergic to\x1b[0mlatex.",
                "Allergic to\x7flatex."):
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, _note, stack, pb,
                      bad, details_prefix="body")
    req = pb.CreateEntryRequest(
        patient_id=str(uuid.uuid4()), kind=pb.ENTRY_KIND_NOTE,
        title="Admission note", body="Allergic to latex. QQQQ")
    raw = req.SerializeToString().replace(b"QQQQ", b"\xff\xfe\xc3\x28")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreateEntry", raw, role="clinician",
                  details_prefix="body")
    body = ("\ufffd\ue000\u200b\ufeff\t Allergic to\u200blatex.\ufffd"
            * 3 + " Takes \ufffdwarfarin\ue000.")
    e = _note(stack, pb, body)
    raw = _versions(stack, pb, e.entry_id)[1].encode("utf-8")
    assert raw == body.encode("utf-8")
    got = dict((s.code, s) for s in _list(stack, pb, e.patient_id))
    assert set(got) == {"latex", "warfarin"}
    for code, s in got.items():
        assert raw[s.span_start:s.span_end].decode("utf-8") == code


def test_note_amended_while_read_spans_name_their_version(stack, pb):
    texts = ["Allergic to codeine. Takes metformin.",
             "\u60a3\u8005 No allergies. Asthma. Takes salbutamol inhaler.",
             "caf\u00e9 \U0001f321 History of hypertension; on ramipril."]
    e = _note(stack, pb, texts[0])
    errors = []
    done = threading.Event()

    def amend():
        try:
            for v in range(1, 13):
                stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
                    entry_id=e.entry_id, expected_version=v,
                    title=e.title, body=texts[v % 3], reason="edited"),
                    role="clinician", timeout=30.0)
        except grpc.RpcError as err:
            errors.append(err)
        finally:
            done.set()

    t = threading.Thread(target=amend)
    t.start()
    reads = 0
    while not done.is_set() or reads == 0:
        stack.call(SVC, "ReadNotes", pb.ReadNotesRequest(
            patient_id=e.patient_id), role="pharmacist", timeout=30.0)
        reads += 1
    t.join()
    assert errors == []
    bodies = _versions(stack, pb, e.entry_id)
    assert len(bodies) == 13
    sugs = _list(stack, pb, e.patient_id)
    for s in sugs:
        raw = bodies[s.version].encode("utf-8")
        assert raw[s.span_start:s.span_end].decode("utf-8") == s.text
    # Only the last version's suggestions are still pending.
    pending = [s for s in sugs if s.status == pb.SUGGESTION_STATUS_PENDING]
    assert pending and all(s.version == 13 for s in pending)
