"""Contract of the note reader's suggestions (issue 55, docs/note-reader.md):
a note's allergy, problem and medicine become pending suggestions with the
note, version and span they came from; negated, hypothetical and family
mentions do not; an amended note withdraws its pending suggestions; a
clinician or pharmacist confirms or rejects one, and a confirmed allergy
becomes an allergy of the record that GetMedicationFacts (the dose checks)
reads."""

import uuid

import grpc

from harness.checks import expect_status

SVC = "records"

ADMISSION = ("Allergic to penicillin \u2014 rash as a child. "
             "No known allergy to latex. Denies chest pain. "
             "Mother had asthma. If she develops fever, give paracetamol. "
             "On warfarin at home, stopped 3 days ago. History of "
             "hypertension.")


def _note(stack, pb, body, patient_id=None, role="clinician"):
    return stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=patient_id or str(uuid.uuid4()),
        kind=pb.ENTRY_KIND_NOTE, title="Admission note", body=body),
        role=role)


def _list(stack, pb, patient_id, status=0, role="clinician"):
    return list(stack.call(SVC, "ListSuggestions", pb.ListSuggestionsRequest(
        patient_id=patient_id, status=status), role=role).suggestions)


def _by_code(sugs):
    return {(s.kind, s.code): s for s in sugs}


def test_note_becomes_suggestions_with_span(stack, pb):
    e = _note(stack, pb, ADMISSION)
    got = _by_code(_list(stack, pb, e.patient_id))
    allergy = got[(pb.SUGGESTION_KIND_ALLERGY, "penicillins")]
    assert allergy.entry_id == e.entry_id and allergy.version == 1
    body = ADMISSION.encode("utf-8")
    assert body[allergy.span_start:allergy.span_end] == b"penicillin"
    assert allergy.text == "penicillin" and allergy.reaction == "rash"
    assert allergy.status == pb.SUGGESTION_STATUS_PENDING
    assert list(allergy.context) == []
    warfarin = got[(pb.SUGGESTION_KIND_MEDICINE, "warfarin")]
    assert list(warfarin.context) == ["historical"]
    # a chronic condition a history lists is still the patient's
    # (tests/data/notes/README.md), so suggested with no context
    htn = got[(pb.SUGGESTION_KIND_PROBLEM, "I10")]
    assert htn.code_system == "ICD-10" and list(htn.context) == []
    # negated, family and hypothetical mentions suggest nothing
    for kind, code in [(pb.SUGGESTION_KIND_ALLERGY, "latex"),
                       (pb.SUGGESTION_KIND_PROBLEM, "R07.4"),
                       (pb.SUGGESTION_KIND_PROBLEM, "J45.9"),
                       (pb.SUGGESTION_KIND_PROBLEM, "R50.9"),
                       (pb.SUGGESTION_KIND_MEDICINE, "paracetamol")]:
        assert (kind, code) not in got, code
    assert len(got) == 3


def test_negated_and_family_allergies_suggest_nothing(stack, pb):
    e = _note(stack, pb, "No known drug allergies. Her mother is allergic "
              "to penicillin. Not allergic to amoxicillin.")
    assert _list(stack, pb, e.patient_id) == []


def test_amend_withdraws_pending_suggestions(stack, pb):
    e = _note(stack, pb, "Allergic to codeine.")
    first = _list(stack, pb, e.patient_id)
    assert [s.code for s in first] == ["codeine"]
    e2 = stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
        entry_id=e.entry_id, expected_version=1, title=e.title,
        body="No allergy to codeine after all. Takes morphine.",
        reason="corrected"), role="clinician")
    sugs = _by_code(_list(stack, pb, e.patient_id))
    old = sugs[(pb.SUGGESTION_KIND_ALLERGY, "codeine")]
    assert old.status == pb.SUGGESTION_STATUS_WITHDRAWN
    assert old.reason == "amended in version 2"
    new = sugs[(pb.SUGGESTION_KIND_MEDICINE, "morphine")]
    assert new.version == e2.version == 2
    assert new.status == pb.SUGGESTION_STATUS_PENDING
    pending = _list(stack, pb, e.patient_id, pb.SUGGESTION_STATUS_PENDING)
    assert [s.code for s in pending] == ["morphine"]


def test_confirmed_allergy_reaches_medication_facts(stack, pb):
    pid = str(uuid.uuid4())
    _note(stack, pb, "Allergies: Augmentin (anaphylaxis).", patient_id=pid)
    facts = stack.call(SVC, "GetMedicationFacts",
                       pb.GetMedicationFactsRequest(patient_id=pid),
                       role="pharmacist")
    assert list(facts.allergies) == []
    (s,) = _list(stack, pb, pid)
    assert s.code == "co-amoxiclav"
    done = stack.call(SVC, "ConfirmSuggestion", pb.ConfirmSuggestionRequest(
        suggestion_id=s.suggestion_id), role="pharmacist")
    assert done.status == pb.SUGGESTION_STATUS_CONFIRMED
    assert done.decided_by == stack.user("pharmacist")
    assert done.allergy_entry_id
    facts = stack.call(SVC, "GetMedicationFacts",
                       pb.GetMedicationFactsRequest(patient_id=pid),
                       role="pharmacist")
    assert [a.substance_display for a in facts.allergies] == ["co-amoxiclav"]
    assert facts.allergies[0].entry_id == done.allergy_entry_id
    # decided once: a second decision is refused
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "RejectSuggestion", pb.RejectSuggestionRequest(
                      suggestion_id=s.suggestion_id, reason="no"),
                  role="clinician", details_prefix="suggestion_id")


def test_reject_needs_reason_and_role(stack, pb):
    e = _note(stack, pb, "Takes metformin 500 mg twice daily.")
    (s,) = _list(stack, pb, e.patient_id, role="nurse")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "RejectSuggestion", pb.RejectSuggestionRequest(
                      suggestion_id=s.suggestion_id),
                  role="clinician", details_prefix="reason")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "RejectSuggestion", pb.RejectSuggestionRequest(
                      suggestion_id=s.suggestion_id, reason="stopped"),
                  role="nurse")
    done = stack.call(SVC, "RejectSuggestion", pb.RejectSuggestionRequest(
        suggestion_id=s.suggestion_id, reason="stopped in March"),
        role="clinician")
    assert done.status == pb.SUGGESTION_STATUS_REJECTED
    assert done.reason == "stopped in March"
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "ConfirmSuggestion", pb.ConfirmSuggestionRequest(
                      suggestion_id=str(uuid.uuid4())),
                  role="clinician", details_prefix="suggestion_id")


def test_read_notes_on_demand_adds_nothing_twice(stack, pb):
    e = _note(stack, pb, "Asthma. Takes salbutamol.")
    before = _list(stack, pb, e.patient_id)
    assert len(before) == 2
    r = stack.call(SVC, "ReadNotes", pb.ReadNotesRequest(
        patient_id=e.patient_id), role="pharmacist")
    assert r.notes_read == 1 and r.suggestions_added == 0
    assert list(r.stopped) == []
    assert len(_list(stack, pb, e.patient_id)) == 2
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ReadNotes", pb.ReadNotesRequest(patient_id="x"),
                  role="clinician", details_prefix="patient_id")


def test_entered_in_error_withdraws(stack, pb):
    e = _note(stack, pb, "Allergic to latex.")
    stack.call(SVC, "MarkEnteredInError", pb.MarkEnteredInErrorRequest(
        entry_id=e.entry_id, expected_version=1, reason="wrong patient"),
        role="clinician")
    (s,) = _list(stack, pb, e.patient_id)
    assert s.status == pb.SUGGESTION_STATUS_WITHDRAWN
    assert s.reason == "entered in error in version 2"


def test_long_mixed_script_note_spans_point_at_the_bytes(stack, pb):
    # 65536 characters, records' own cap on a body: Chinese, emoji and
    # accents around an allergy at the very end; the span is in UTF-8
    # bytes of that version's body and never cuts a character.
    tail = " Allergic to co-trimoxazole (urticaria)."
    filler = "\u60a3\u8005\u6709\u9ad8\u8840\u538b \U0001f321 caf\u00e9 "
    body = (filler * 6000)[:65536 - len(tail)] + tail
    assert len(body) == 65536
    e = _note(stack, pb, body)
    sugs = _by_code(_list(stack, pb, e.patient_id))
    # the Chinese filler is read too (issue 75): "患者有高血压", the
    # patient has hypertension
    assert set(sugs) == {(pb.SUGGESTION_KIND_ALLERGY, "co-trimoxazole"),
                         (pb.SUGGESTION_KIND_PROBLEM, "I10")}
    s = sugs[(pb.SUGGESTION_KIND_ALLERGY, "co-trimoxazole")]
    raw = body.encode("utf-8")
    assert raw[s.span_start:s.span_end].decode("utf-8") == "co-trimoxazole"
    assert (s.code, s.reaction) == ("co-trimoxazole", "urticaria")


def test_a_disguised_drug_name_is_read_as_the_plain_one(stack, pb):
    """Issue 74: a drug allergy written with a soft hyphen, a zero-width
    space, Cyrillic look-alikes or full-width letters (a paste from
    another system, or a name written to slip past the checks) becomes
    the same pending allergy as the plain text, its span the word as
    written."""
    plain = "Allergic to penicillin \u2014 rash as a child."
    words = {
        "soft hyphen": "peni\u00adcillin",
        "zero-width space": "penicil\u200blin",
        "Cyrillic": "\u0440\u0435ni\u0441illin",
        "full-width": "\uff50\uff45\uff4e\uff49\uff43\uff49\uff4c"
                      "\uff4c\uff49\uff4e",
        "all four": "\uff50\u0435ni\u00adci\u200bllin",
    }
    want = _list(stack, pb, _note(stack, pb, plain).patient_id)
    assert [(s.kind, s.code, s.reaction) for s in want] == [
        (pb.SUGGESTION_KIND_ALLERGY, "penicillins", "rash")], want
    for how, word in words.items():
        body = plain.replace("penicillin", word)
        got = _list(stack, pb, _note(stack, pb, body).patient_id)
        assert [(s.kind, s.code, s.reaction) for s in got] == [
            (s.kind, s.code, s.reaction) for s in want], (how, got)
        raw = body.encode("utf-8")
        assert raw[got[0].span_start:got[0].span_end] == \
            word.encode("utf-8"), how
        assert got[0].text == word, how


def test_every_finding_of_a_long_note_written_in_one_go(stack, pb):
    """The suggestions of a note are written in one statement (rows of
    bound values, docs/note-reader.md): every suggested finding of a
    2-page note arrives, each span and text the body's own bytes, with
    quotes, backslashes, tabs and characters outside the BMP around the
    mentions (what an amendment's JSON array must carry through too)."""
    parts = ['Allergic to "penicillin" \\ hives \U0001F600.',
             "\tOn warfarin and metformin daily.",
             "History of hypertension; known epilepsy; has gout.",
             "Takes bisoprolol \u201cat night\u201d. \u6CE8 Has asthma.",
             "Intolerant of codeine - vomiting."]
    body = " ".join(parts * 40)[:20000]
    e = _note(stack, pb, body)
    sugs = _list(stack, pb, e.patient_id)
    want = {(pb.SUGGESTION_KIND_ALLERGY, "penicillins"),
            (pb.SUGGESTION_KIND_ALLERGY, "codeine"),
            (pb.SUGGESTION_KIND_MEDICINE, "warfarin"),
            (pb.SUGGESTION_KIND_MEDICINE, "metformin"),
            (pb.SUGGESTION_KIND_MEDICINE, "bisoprolol"),
            (pb.SUGGESTION_KIND_PROBLEM, "I10"),
            (pb.SUGGESTION_KIND_PROBLEM, "G40.9"),
            (pb.SUGGESTION_KIND_PROBLEM, "M10.9")}
    assert want <= set(_by_code(sugs)), _by_code(sugs).keys()
    raw = body.encode("utf-8")
    for s in sugs:
        assert raw[s.span_start:s.span_end].decode("utf-8") == s.text, s
        assert s.entry_id == e.entry_id and s.version == 1
        assert s.status == pb.SUGGESTION_STATUS_PENDING
    assert len({s.suggestion_id for s in sugs}) == len(sugs)


def test_amendment_does_not_ask_again_what_was_decided(stack, pb):
    """The one statement that writes an amended note's suggestions leaves
    out the findings of that note already confirmed or rejected."""
    e = _note(stack, pb, "Allergic to codeine. Takes morphine.")
    got = _by_code(_list(stack, pb, e.patient_id))
    stack.call(SVC, "ConfirmSuggestion", pb.ConfirmSuggestionRequest(
        suggestion_id=got[(pb.SUGGESTION_KIND_ALLERGY, "codeine")]
        .suggestion_id), role="clinician")
    stack.call(SVC, "RejectSuggestion", pb.RejectSuggestionRequest(
        suggestion_id=got[(pb.SUGGESTION_KIND_MEDICINE, "morphine")]
        .suggestion_id, reason="stopped"), role="clinician")
    stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
        entry_id=e.entry_id, expected_version=1, title=e.title,
        body="Allergic to codeine. Takes morphine. Has gout.",
        reason="added gout"), role="clinician")
    pending = _list(stack, pb, e.patient_id, pb.SUGGESTION_STATUS_PENDING)
    assert [(s.code, s.version) for s in pending] == [("M10.9", 2)]


WARD_ROUND = (
    "Ward round, day 2.\n"
    "ALLERGIES\n"
    "- Trimethoprim (itch)\n"
    "- Chlorhexidine\n"
    "\n"
    "Current meds: salbutamol nebulisers for wheeze, ibuprofen for the "
    "knee swelling.\n"
    "Switched from ramipril to losartan in May. Previously on "
    "sertraline.\n"
    "Daughter confirms he is allergic to codeine. His mother has a "
    "penicillin allergy.\n"
    "Amoxicillin allergy label removed after oral challenge.\n"
    "Nil vomiting. Declined enoxaparin. Chest pain - NO\n"
    "Plan: IV clarithromycin (doxycycline allergic). Will start "
    "apixaban.\n")


def test_a_ward_round_note_reads_structure_and_context(stack, pb):
    """Issue 75 as a ward writes it: an allergy list under its heading,
    a reason given with "for" that is no allergy, a plan's drug ordered
    now (taken, medctx75) while the allergy inside it stays known, a drug
    the plan will start planned, a switch, a relative who
    reports the patient's own allergy, a de-labelled allergy, "nil",
    "declined" and "- NO"."""
    e = _note(stack, pb, WARD_ROUND)
    got = _by_code(_list(stack, pb, e.patient_id))
    A, M, P = (pb.SUGGESTION_KIND_ALLERGY, pb.SUGGESTION_KIND_MEDICINE,
               pb.SUGGESTION_KIND_PROBLEM)
    for code in ("trimethoprim", "chlorhexidine", "codeine", "doxycycline"):
        assert list(got[(A, code)].context) == [], code
    for code in ("salbutamol", "ibuprofen", "losartan", "clarithromycin"):
        assert list(got[(M, code)].context) == [], code
    for code in ("ramipril", "sertraline"):
        assert list(got[(M, code)].context) == ["historical"], code
    # nothing invented, nothing negated, family or planned suggested
    for key in [(A, "salbutamol"), (A, "ibuprofen"), (A, "clarithromycin"),
                (A, "penicillins"), (A, "amoxicillin"), (P, "R11"),
                (P, "R07.4"), (M, "enoxaparin"), (M, "apixaban"),
                (M, "trimethoprim")]:
        assert key not in got, key


def test_a_note_past_the_old_64_findings_is_kept_whole(stack, pb):
    """Every finding of a long note is suggested: the reader's hard cap
    (1024) is far past what a note holds, so a medicine on the last line
    of a note naming 70 others still arrives, and ReadNotes says nothing
    was cut off."""
    drugs = ["warfarin", "metformin", "ramipril", "bisoprolol",
             "amlodipine", "simvastatin", "atorvastatin", "omeprazole",
             "lansoprazole", "furosemide", "digoxin", "apixaban",
             "rivaroxaban", "sertraline", "citalopram", "levothyroxine",
             "prednisolone", "salbutamol", "gabapentin", "pregabalin",
             "tramadol", "codeine", "morphine", "paracetamol", "ibuprofen",
             "naproxen", "aspirin", "clopidogrel", "allopurinol",
             "colchicine", "lisinopril", "losartan", "candesartan",
             "diltiazem", "verapamil", "spironolactone", "indapamide",
             "tamsulosin", "quetiapine", "haloperidol", "lorazepam",
             "diazepam", "zopiclone", "mirtazapine", "amitriptyline",
             "fluoxetine", "venlafaxine", "duloxetine", "lithium",
             "valproate", "phenytoin", "carbamazepine", "lamotrigine",
             "levetiracetam", "theophylline", "doxycycline",
             "clarithromycin", "ciprofloxacin", "trimethoprim",
             "nitrofurantoin", "metronidazole", "fluconazole", "enoxaparin",
             "heparin", "insulin", "gliclazide", "sildenafil"]
    body = " ".join("Takes %s." % d for d in drugs) + \
        "\nAllergic to latex."
    e = _note(stack, pb, body)
    got = _by_code(_list(stack, pb, e.patient_id))
    assert (pb.SUGGESTION_KIND_ALLERGY, "latex") in got
    assert len(got) >= 60
    r = stack.call(SVC, "ReadNotes", pb.ReadNotesRequest(
        patient_id=e.patient_id), role="clinician")
    assert list(r.stopped) == []
    found = stack.call(SVC, "ReadText", pb.ReadTextRequest(text=body),
                       role="clinician")
    assert found.stopped == "" and len(found.findings) >= 60
    assert not found.incomplete and not r.incomplete


def test_a_note_past_the_hard_cap_says_it_is_incomplete(stack, pb):
    """Only absurd input reaches the reader's hard cap (1024 distinct
    findings): every substance it knows in five contexts, none of them
    taken (a drug taken absorbs its doubted and relatives' mentions).
    Then the reply says the reading is incomplete and why, so a clinician
    reads it."""
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..",
                        "services", "records", "notes", "knowledge",
                        "medicines.csv")
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.strip().split(",")
            if len(cols) >= 3 and cols[1] == "substance" and \
                    cols[2] not in {n[1] for n in names}:
                names.append((cols[0], cols[2]))
    body = " ".join(
        "No %s. Stopped %s. If %s. Mother %s. Possible %s."
        % ((n,) * 5) for n, _ in names)[:65000]
    found = stack.call(SVC, "ReadText", pb.ReadTextRequest(text=body),
                       role="clinician")
    assert found.incomplete
    assert found.stopped == "more than 1024 findings: the rest not read"
    # the rules kept 1024; the context model may move a context so that
    # two findings become one (a repeat is kept once)
    assert 0 < len(found.findings) <= 1024


def _names():
    """The reader's substances: (a name, its code), one name a code."""
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..",
                        "services", "records", "notes", "knowledge",
                        "medicines.csv")
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.strip().split(",")
            if len(cols) >= 3 and cols[1] == "substance" and \
                    cols[2] not in {n[1] for n in names}:
                names.append((cols[0], cols[2]))
    return names


def _past_the_cap_body():
    """A note of every substance the reader knows in six contexts: more
    than its 1024 distinct findings, within a note's 65536 characters."""
    return " ".join(
        "Takes %s. No %s. History of %s. If %s. Mother %s. Possible %s."
        % ((n,) * 6) for n, _ in _names())[:65000]


def test_a_note_past_the_cap_is_stored_as_incomplete(stack, pb):
    """Issue 75, nothing cut off in silence: a note the reader does not
    read whole is written, and the entry itself says so (CreateEntry,
    GetEntry, ListEntries, the FHIR DocumentReference), so a clinician
    who sees its suggestions knows to read the note; an amendment read
    whole clears it, and a short note is never marked."""
    why = "more than 1024 findings: the rest not read"
    e = _note(stack, pb, _past_the_cap_body())
    assert e.incomplete and e.incomplete_reason == why
    got = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e.entry_id), role="clinician")
    assert got.incomplete and got.incomplete_reason == why
    short = _note(stack, pb, "Allergic to codeine.", patient_id=e.patient_id)
    assert not short.incomplete and short.incomplete_reason == ""
    listed = {x.entry_id: x for x in stack.call(
        SVC, "ListEntries", pb.ListEntriesRequest(patient_id=e.patient_id),
        role="clinician").entries}
    assert listed[e.entry_id].incomplete
    assert listed[e.entry_id].incomplete_reason == why
    assert not listed[short.entry_id].incomplete
    # the suggestions made are those of the findings read
    assert len(_list(stack, pb, e.patient_id)) > 100

    import json
    r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
        patient_id=e.patient_id), role="clinician")
    docs = {x["resource"]["id"]: x["resource"]
            for x in json.loads(r.bundle_json)["entry"]}
    assert docs[e.entry_id]["extension"] == [{
        "url": "urn:smartmed:records:note-reader-incomplete",
        "valueString": why}]
    assert "extension" not in docs[short.entry_id]

    amended = stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
        entry_id=e.entry_id, expected_version=1, title=e.title,
        body="Allergic to penicillin.", reason="shortened"),
        role="clinician")
    assert not amended.incomplete
    first = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e.entry_id, version=1), role="clinician")
    assert first.incomplete


def test_a_note_of_hundreds_of_suggestions_stores_every_one(stack, pb):
    """A new note's suggestions are one INSERT of a row of bound values
    per suggestion (docs/note-reader.md), sized for the most a reading
    holds: a note naming every substance the reader knows as taken and
    as an allergy stores every suggested finding, none cut off, each with
    its own id."""
    body = "\n".join("Takes %s. Allergic to %s." % (n, n)
                     for n, _ in _names())
    found = stack.call(SVC, "ReadText", pb.ReadTextRequest(text=body),
                       role="clinician")
    want = {(f.kind, f.code) for f in found.findings if f.suggested}
    assert len(want) > 400
    e = _note(stack, pb, body)
    rows = stack.sql_rows(
        "SELECT kind, code, suggestion_id FROM smartmed_records"
        ".note_suggestions WHERE entry_id = '%s'" % e.entry_id)
    assert {(int(k), c) for k, c, _ in rows} == want
    assert len({i for _, _, i in rows}) == len(rows) == len(want)
