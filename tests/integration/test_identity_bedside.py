"""The bedside flow across services, as a ward practises it (issue 73,
docs/face.md "Two identifiers at the bedside"): the nurse scans the
wristband (the MRN as the scanner types it), the face is the second
identifier, and when the face answers no-match the patient's stated name
and date of birth, read against the wristband, are the second identifier
instead; identity signs a token naming what was checked, and dosage,
holding only identity's public key, charts the dose on the combinations
its policy accepts.  Needs the ORL photographs (../shared/data/faces/orl);
skips when they are absent."""

import uuid

import grpc
import pytest

from harness import Stack, metrics, protos
from harness.fixtures import assess_allergies, running, spawn_like
from harness.faces import FaceKeys, orl_png
from harness.checks import expect_status, poll


@pytest.fixture(scope="module")
def bedside():
    orl_png(7, 1)
    keys = FaceKeys()
    # patient_checks: dosage asks identity about the patient of each
    # dose, as it does in make run and the chart, and so learns of a
    # check that did not identify them (the bedside hold).
    with running(Stack(services=("identity", "dosage", "audit"),
                       extra_env=keys.env(public_key=True),
                       patient_checks=True)) as st:
        yield st


def _order(st, dpb, patient):
    code = "TC-" + uuid.uuid4().hex[:12]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="Testamol", unit="mg", max_single_dose=1000.0,
        max_daily_dose=4000.0, routes=["oral"], substance="paracetamol",
        drug_class="analgesics")), role="pharmacist")
    assess_allergies(st, patient)
    return st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=patient, drug_code=code, dose=500.0,
                        unit="mg", route="oral", frequency="q6h")),
        role="clinician")


def _patient(st, ipb, subject=7):
    """A registered patient with the face of ORL subject enrolled: (id,
    MRN)."""
    mrn = "MRN-" + uuid.uuid4().hex[:12]
    pid = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn=mrn, family_name="Bedside", given_name="Mary Ann",
        birth_date="1950-03-04", sex=ipb.ADMINISTRATIVE_SEX_FEMALE),
        role="registrar").patient_id
    st.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(subject, n) for n in (1, 2, 3)]),
        role="nurse", timeout=30)
    return pid, mrn


def _give(st, dpb, patient, token):
    return st.call("dosage", "RecordAdministration",
                   dpb.RecordAdministrationRequest(
                       order_id=_order(st, dpb, patient).id, dose=500,
                       unit="mg", verification_token=token),
                   role="nurse")


def _kept(st, dpb, rec):
    """The administration rec as GetMar and History give it back: what
    identified the patient is part of the chart, not only of the
    reply."""
    mar = st.call("dosage", "GetMar", dpb.GetMarRequest(
        patient_id=rec.patient_id), role="nurse")
    on_mar = [a for o in mar.orders for a in o.administrations
              if a.id == rec.id]
    hist = st.call("dosage", "History", dpb.HistoryRequest(
        patient_id=rec.patient_id), role="nurse")
    in_history = [a for a in hist.administrations if a.id == rec.id]
    assert len(on_mar) == 1 and len(in_history) == 1, (mar, hist)
    return on_mar[0], in_history[0]


def _identification(a):
    return (a.identifiers_checked, a.identifiers_checked_by,
            a.identification_terminal)


def _identified(st, **labels):
    return metrics.series(metrics.scrape(st, "dosage")[0],
                          "smartmed_dosage_identified_total", **labels)


def test_wristband_and_face_token_accepted_by_dosage(bedside):
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    b, _ = _patient(st, ipb, subject=8)
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn_a + "\r\n", image=orl_png(7, 6),
        terminal="ward3-bed7"), role="nurse", timeout=30)
    assert v.match and v.patient_id == a, v
    assert v.identifiers_checked == "wristband+face", v

    rec = _give(st, dpb, a, v.verification_token)
    assert rec.identity == "verified" and rec.patient_id == a
    assert rec.verification_score == pytest.approx(v.score)
    assert rec.verification_model == "lbp-v2"
    # The same nurse took the photograph and charts the dose here.
    want = ("wristband+face", rec.performer, "ward3-bed7")
    assert rec.performer and _identification(rec) == want, rec
    assert [_identification(x) for x in _kept(st, dpb, rec)] == [want] * 2
    assert sum(_identified(st, identifiers="wristband+face").values()) >= 1

    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "RecordAdministration", dpb.RecordAdministrationRequest(
                      order_id=_order(st, dpb, b).id, dose=500, unit="mg",
                      verification_token=v.verification_token),
                  role="nurse", details_prefix="verification_token")


def test_another_patients_wristband_is_refused_before_the_face(bedside):
    """The wrong wristband is named on the spot: the photograph (here not
    even an image) is never looked at."""
    st = bedside
    ipb = protos.module("identity")
    a, _ = _patient(st, ipb)
    _, mrn_b = _patient(st, ipb, subject=8)
    err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call,
                        "identity", "VerifyFace", ipb.VerifyFaceRequest(
                            patient_id=a, wristband=mrn_b,
                            image=b"not a photograph"),
                        role="nurse", details_prefix="wristband")
    assert "another patient's wristband" in err.details(), err.details()
    err = expect_status(grpc.StatusCode.NOT_FOUND, st.call, "identity",
                        "VerifyFace", ipb.VerifyFaceRequest(
                            patient_id=a, wristband="MRN-NOBODY-HAS",
                            image=b"not a photograph"),
                        role="nurse", details_prefix="wristband")
    assert "no patient has the wristband" in err.details(), err.details()
    # The patient's own id scanned is their wristband too.
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        patient_id=a, wristband=a, image=orl_png(7, 7)), role="nurse",
        timeout=30)
    assert v.match and v.identifiers_checked == "wristband+face", v


def test_face_alone_is_not_enough_for_a_dose(bedside):
    """A token from a face check without a wristband scan names "face":
    dosage's default policy refuses it and says what to do."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, _ = _patient(st, ipb)
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        patient_id=a, image=orl_png(7, 8)), role="nurse", timeout=30)
    assert v.match and v.identifiers_checked == "face", v
    err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, _give, st,
                        dpb, a, v.verification_token,
                        details_prefix="verification_token")
    assert "no wristband was scanned" in err.details(), err.details()
    assert "wristband+face or wristband+stated" in err.details()


def test_face_no_match_goes_to_the_stated_check_not_an_override(bedside):
    """The face answers no-match; the nurse asks the patient's name and
    date of birth and reads them against the wristband: a token naming
    wristband+stated, on which the dose is charted without any
    override.  Stated identifiers that disagree give no token."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn_a, image=orl_png(20, 1)), role="nurse", timeout=30)
    assert not v.match and not v.verification_token, v
    assert v.decision in (ipb.FACE_DECISION_NO_MATCH,
                          ipb.FACE_DECISION_RETAKE), v

    wrong = st.call("identity", "ConfirmStatedIdentifiers",
                    ipb.ConfirmStatedIdentifiersRequest(
                        wristband=mrn_a, family_name="Bedside",
                        birth_date="1950-04-03", after_face="no-match"),
                    role="nurse")
    assert not wrong.confirmed and not wrong.verification_token, wrong
    assert list(wrong.mismatched) == ["birth_date"], wrong

    before = sum(_identified(st, identifiers="wristband+stated").values())
    ok = st.call("identity", "ConfirmStatedIdentifiers",
                 ipb.ConfirmStatedIdentifiersRequest(
                     wristband=mrn_a, patient_id=a,
                     family_name="  bedside ", given_name="mary",
                     birth_date="1950-03-04", terminal="ward3-bed7",
                     after_face="no-match"),
                 role="nurse")
    assert ok.confirmed and ok.patient_id == a, ok
    assert ok.identifiers_checked == "wristband+stated", ok
    assert ok.verification_token and ok.expires_ms > 0, ok

    rec = _give(st, dpb, a, ok.verification_token)
    assert rec.identity == "verified" and rec.patient_id == a, rec
    assert rec.verification_model == "stated-identifiers", rec
    assert not rec.HasField("identity_override"), rec
    want = ("wristband+stated", rec.performer, "ward3-bed7")
    assert rec.performer and _identification(rec) == want, rec
    assert [_identification(x) for x in _kept(st, dpb, rec)] == [want] * 2
    after = sum(_identified(st, identifiers="wristband+stated").values())
    assert after == before + 1, (before, after)

    # Audited as a check of its own, with who did it and why; the face
    # check's event keeps every face detail and says the wristband was
    # scanned.
    apb = protos.module("audit")

    def events():
        got = {}
        for r in st.call("audit", "Query", apb.QueryRequest(patient_id=a),
                         role="auditor", timeout=10):
            got.setdefault(r.event.action.rsplit("/", 1)[-1], []).append(
                {d.key: d.value for d in r.event.details})
        want = ("VerifyFace", "ConfirmStatedIdentifiers",
                "RecordAdministration")
        return got if all(w in got for w in want) and \
            len(got["ConfirmStatedIdentifiers"]) >= 2 else None

    got = poll(events, timeout=20, what="the bedside's audit events")
    face = [d for d in got["VerifyFace"] if d.get("event") ==
            "face not matched" or d.get("event") == "face retake asked"]
    assert face and face[0]["wristband"] == "scanned", got["VerifyFace"]
    assert "liveness" in face[0] and "pad" in face[0], face[0]
    stated = {d["event"]: d for d in got["ConfirmStatedIdentifiers"]}
    ok = stated["stated identifiers confirmed"]
    assert ok["after_face"] == "no-match" and ok["terminal"] == "ward3-bed7"
    assert stated["stated identifiers did not match"]["mismatched"] == \
        "birth_date", stated
    assert [d["identifiers"] for d in got["RecordAdministration"]] == \
        ["wristband+stated"], got["RecordAdministration"]
    assert got["RecordAdministration"][0]["identifiers_checked_by"] == \
        rec.performer, got["RecordAdministration"]


def test_a_face_no_match_is_never_charted_as_identified_otherwise(bedside):
    """The face turns the patient away and the nurse reaches for the old
    shortcut, an override "identified otherwise": dosage refuses it and
    says what to do instead (the stated check), and nothing is charted
    or counted as an override."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn_a, image=orl_png(20, 2)), role="nurse", timeout=30)
    assert not v.match and not v.verification_token, v
    o = _order(st, dpb, a)
    overrides = sum(metrics.series(
        metrics.scrape(st, "dosage")[0],
        "smartmed_dosage_identity_overrides_total").values())
    err = expect_status(
        grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
        "RecordAdministration", dpb.RecordAdministrationRequest(
            order_id=o.id, dose=500, unit="mg",
            identity_override=dpb.Override(
                reason=dpb.OVERRIDE_REASON_IDENTIFIED_OTHERWISE,
                text="face did not match, I know the patient")),
        role="nurse", details_prefix="identity_override.reason")
    assert "ConfirmStatedIdentifiers" in err.details(), err.details()
    hist = st.call("dosage", "History", dpb.HistoryRequest(patient_id=a),
                   role="nurse")
    assert not hist.administrations, hist
    assert sum(metrics.series(
        metrics.scrape(st, "dosage")[0],
        "smartmed_dosage_identity_overrides_total").values()) == overrides


def test_stated_check_refuses_bad_input_and_another_wristband(bedside):
    st = bedside
    ipb = protos.module("identity")
    a, mrn_a = _patient(st, ipb)
    _, mrn_b = _patient(st, ipb, subject=8)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "identity",
                  "ConfirmStatedIdentifiers",
                  ipb.ConfirmStatedIdentifiersRequest(
                      wristband=mrn_a, family_name="Bedside",
                      birth_date="04/03/1950"),
                  role="nurse", details_prefix="birth_date")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "identity",
                  "ConfirmStatedIdentifiers",
                  ipb.ConfirmStatedIdentifiersRequest(
                      wristband=mrn_a, birth_date="1950-03-04"),
                  role="nurse", details_prefix="family_name")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "identity",
                  "ConfirmStatedIdentifiers",
                  ipb.ConfirmStatedIdentifiersRequest(
                      wristband=mrn_b, patient_id=a, family_name="Bedside",
                      birth_date="1950-03-04"),
                  role="nurse", details_prefix="wristband")


def test_an_identity_override_is_counted_by_reason(bedside):
    """Where neither check can be done (an emergency), the dose is charted
    under an audited override, and the override is counted."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, _ = _patient(st, ipb)

    def count():
        return sum(metrics.series(
            metrics.scrape(st, "dosage")[0],
            "smartmed_dosage_identity_overrides_total",
            reason="emergency").values())

    before = count()
    rec = st.call("dosage", "RecordAdministration",
                  dpb.RecordAdministrationRequest(
                      order_id=_order(st, dpb, a).id, dose=500, unit="mg",
                      identity_override=dpb.Override(
                          reason=dpb.OVERRIDE_REASON_EMERGENCY,
                          text="unconscious on arrival, no wristband yet")),
                  role="nurse")
    assert rec.identity == "overridden", rec
    assert _identification(rec) == ("", "", ""), rec
    assert [_identification(x) for x in _kept(st, dpb, rec)] == \
        [("", "", "")] * 2
    assert count() == before + 1


def test_an_unknown_identifier_combination_stops_dosage(bedside):
    """A misspelt policy would refuse every dose, or accept one it should
    not: the service refuses to start, naming the setting."""
    rc, out = spawn_like(bedside, "dosage",
                         MED_DOSAGE_IDENTIFIERS="wristband+face,palm")
    assert rc not in (None, 0), out[-2000:]
    assert "MED_DOSAGE_IDENTIFIERS: a comma-separated list" in out, \
        out[-2000:]


def test_a_ward_that_accepts_only_the_face_refuses_the_stated_check():
    """MED_DOSAGE_IDENTIFIERS=wristband+face: a token of the stated check
    is refused, naming what the ward accepts."""
    orl_png(7, 1)
    keys = FaceKeys()
    env = dict(keys.env(public_key=True),
               MED_DOSAGE_IDENTIFIERS="wristband+face")
    with running(Stack(services=("identity", "dosage", "audit"),
                       extra_env=env)) as st:
        ipb, dpb = protos.module("identity"), protos.module("dosage")
        a, mrn_a = _patient(st, ipb)
        ok = st.call("identity", "ConfirmStatedIdentifiers",
                     ipb.ConfirmStatedIdentifiersRequest(
                         wristband=mrn_a, family_name="Bedside",
                         birth_date="1950-03-04", after_face="retake"),
                     role="nurse")
        assert ok.confirmed and ok.verification_token, ok
        err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, _give, st,
                            dpb, a, ok.verification_token,
                            details_prefix="verification_token")
        assert "(\"wristband+stated\") are not accepted; this ward charts " \
            "a dose on wristband+face (MED_DOSAGE_IDENTIFIERS)" in \
            err.details(), err.details()
        # Another patient's dose (one order of the drug each) on the
        # face.
        b, mrn_b = _patient(st, ipb)
        v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
            wristband=mrn_b, image=orl_png(7, 6)), role="nurse", timeout=30)
        assert v.match, v
        assert _give(st, dpb, b, v.verification_token).identity == \
            "verified"


def _watch(st, name, **labels):
    return sum(metrics.series(metrics.scrape(st, "identity")[0], name,
                              **labels).values())


FNM = "smartmed_face_likely_false_nonmatch_total"
FM = "smartmed_face_possible_false_match_total"


def _stated(st, ipb, mrn, terminal, birth_date="1950-03-04"):
    return st.call("identity", "ConfirmStatedIdentifiers",
                   ipb.ConfirmStatedIdentifiersRequest(
                       wristband=mrn, family_name="Bedside",
                       birth_date=birth_date, terminal=terminal,
                       after_face="no-match"), role="nurse")


def test_a_face_no_match_then_confirmed_is_counted_per_terminal(bedside):
    """docs/face.md "Watching it in use": the face turns the patient away
    at ward5-bed2, the stated check there confirms the wristband's
    patient: one likely false non-match for that terminal, counted once;
    a stated check at another terminal follows up nothing."""
    st = bedside
    ipb = protos.module("identity")
    _, mrn = _patient(st, ipb)
    term = "ward5-bed2-" + uuid.uuid4().hex[:6]
    margins = _watch(st, "smartmed_face_verify_score_margin_count")
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn, image=orl_png(20, 1), terminal=term), role="nurse",
        timeout=30)
    assert not v.match, v
    decision = "retake" if v.decision == ipb.FACE_DECISION_RETAKE \
        else "no_match"
    assert _watch(st, "smartmed_face_verify_decisions_total", terminal=term,
                  decision=decision) == 1
    assert _watch(st, "smartmed_face_verify_score_margin_count") == \
        margins + 1
    assert _watch(st, FNM, terminal=term) == 0

    assert _stated(st, ipb, mrn, "elsewhere-" + term).confirmed
    assert _watch(st, FNM, terminal="elsewhere-" + term) == 0
    assert _stated(st, ipb, mrn, term).confirmed
    assert _watch(st, FNM, terminal=term) == 1
    assert _stated(st, ipb, mrn, term).confirmed
    assert _watch(st, FNM, terminal=term) == 1
    assert _watch(st, FM, terminal=term) == 0


def test_a_face_match_then_not_confirmed_is_a_possible_false_match(bedside):
    """The face matched the wristband's patient at a terminal, and the
    person there then states a birth date that is not that patient's: a
    possible false match for that terminal."""
    st = bedside
    ipb = protos.module("identity")
    _, mrn = _patient(st, ipb)
    term = "ward5-bed3-" + uuid.uuid4().hex[:6]
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn, image=orl_png(7, 6), terminal=term), role="nurse",
        timeout=30)
    assert v.match, v
    assert _watch(st, "smartmed_face_verify_decisions_total", terminal=term,
                  decision="match") == 1
    got = metrics.series(metrics.scrape(st, "identity")[0],
                         "smartmed_face_verify_score_margin_bucket",
                         decision="match")
    below = sum(n for k, n in got.items() if dict(k)["le"] != "+Inf" and float(dict(k)["le"]) == 0)
    assert below < sum(n for k, n in got.items()
                       if dict(k)["le"] == "+Inf"), got
    assert not _stated(st, ipb, mrn, term, birth_date="1951-03-04").confirmed
    assert _watch(st, FM, terminal=term) == 1
    assert _watch(st, FNM, terminal=term) == 0


# --- A non-match never becomes an override (docs/face.md) -----------------

REFUSED = "smartmed_dosage_identity_overrides_refused_total"


def _dosage_count(st, name, **labels):
    return sum(metrics.series(metrics.scrape(st, "dosage")[0], name,
                              **labels).values())


def _override(st, dpb, order, reason, text):
    return st.call("dosage", "RecordAdministration",
                   dpb.RecordAdministrationRequest(
                       order_id=order.id, dose=500,
                       unit="mg", identity_override=dpb.Override(
                           reason=reason, text=text)),
                   role="nurse")


def _hold(st, ipb, patient):
    p = st.call("identity", "GetPatient", ipb.GetPatientRequest(
        patient_id=patient), role="nurse")
    return p.bedside_unconfirmed.outcome if \
        p.HasField("bedside_unconfirmed") else None


def _no_match(st, ipb, mrn, image, terminal):
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn, image=image, terminal=terminal), role="nurse",
        timeout=30)
    assert not v.match and not v.verification_token, v
    return "retake" if v.decision == ipb.FACE_DECISION_RETAKE \
        else "no-match"


def test_an_override_after_a_face_no_match_waits_for_the_stated_check(
        bedside):
    """The face turns the patient away and the nurse reaches for an
    emergency override instead of asking the patient's name and date of
    birth: dosage refuses it, names the stated check, counts the refusal
    and charts nothing.  Once the stated check confirms the wristband's
    patient, the hold is gone (an override is again the ward's to
    decide)."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    term = "ward6-bed1-" + uuid.uuid4().hex[:6]
    outcome = _no_match(st, ipb, mrn_a, orl_png(20, 3), term)
    assert _hold(st, ipb, a) == outcome

    refused = _dosage_count(st, REFUSED, after=outcome)
    overrides = _dosage_count(st, "smartmed_dosage_identity_overrides_total")
    o = _order(st, dpb, a)
    err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, _override, st,
                        dpb, o, dpb.OVERRIDE_REASON_EMERGENCY,
                        "no time, I know her", details_prefix=
                        "identity_override")
    assert "a non-match is never an override" in err.details(), \
        err.details()
    assert "ConfirmStatedIdentifiers" in err.details(), err.details()
    assert "OVERRIDE_REASON_EMERGENCY_NO_STATED_CHECK" in err.details()
    assert _dosage_count(st, REFUSED, after=outcome) == refused + 1
    assert _dosage_count(
        st, "smartmed_dosage_identity_overrides_total") == overrides
    hist = st.call("dosage", "History", dpb.HistoryRequest(patient_id=a),
                   role="nurse")
    assert not hist.administrations, hist

    ok = _stated(st, ipb, mrn_a, term)
    assert ok.confirmed, ok
    assert _hold(st, ipb, a) is None
    rec = _override(st, dpb, o, dpb.OVERRIDE_REASON_EMERGENCY,
                    "crash call, charted after the stated check")
    assert rec.identity == "overridden", rec


def test_an_emergency_where_the_patient_cannot_state_them_is_charted(
        bedside):
    """After a face no-match the patient collapses and cannot say who
    they are: the override that says so is accepted, counted by its own
    reason, and its audit event names the check it followed."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    outcome = _no_match(st, ipb, mrn_a, orl_png(20, 4), "ward6-bed2")
    label = "emergency_no_stated_check"
    before = _dosage_count(st, "smartmed_dosage_identity_overrides_total",
                           reason=label)
    rec = _override(st, dpb, _order(st, dpb, a),
                    dpb.OVERRIDE_REASON_EMERGENCY_NO_STATED_CHECK,
                    "collapsed, unresponsive, cannot state her name")
    assert rec.identity == "overridden", rec
    assert rec.identity_override.reason == \
        dpb.OVERRIDE_REASON_EMERGENCY_NO_STATED_CHECK, rec
    assert _dosage_count(st, "smartmed_dosage_identity_overrides_total",
                         reason=label) == before + 1
    apb = protos.module("audit")

    def charted():
        for r in st.call("audit", "Query", apb.QueryRequest(patient_id=a),
                         role="auditor", timeout=10):
            if r.event.action.endswith("/RecordAdministration"):
                return {d.key: d.value for d in r.event.details}
        return None

    got = poll(charted, timeout=20, what="the override's audit event")
    assert got.get("identity_override_after") == outcome, got


def test_stated_identifiers_that_disagree_hold_until_the_face_matches(
        bedside):
    """The name or birth date the patient states is not the wristband's:
    no override is accepted for that wristband's patient until a check
    identifies them (here the face, matching)."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    wrong = _stated(st, ipb, mrn_a, "ward6-bed3", birth_date="1951-03-04")
    assert not wrong.confirmed, wrong
    assert _hold(st, ipb, a) == "stated-mismatch"
    before = _dosage_count(st, REFUSED, after="stated-mismatch")
    err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, _override, st,
                        dpb, _order(st, dpb, a),
                        dpb.OVERRIDE_REASON_VERIFICATION_UNAVAILABLE,
                        "scanner broken", details_prefix="identity_override")
    assert "did not match the wristband" in err.details(), err.details()
    assert _dosage_count(st, REFUSED, after="stated-mismatch") == before + 1
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn_a, image=orl_png(7, 6), terminal="ward6-bed3"),
        role="nurse", timeout=30)
    assert v.match, v
    assert _hold(st, ipb, a) is None


def test_the_face_watch_names_the_camera_as_well_as_the_terminal(bedside):
    """Two cameras serve one bed space: the face's decisions and the
    likely false non-match they lead to are counted under the camera that
    took the photograph (the request's camera), beside the terminal, so
    that a bad camera shows among good ones.  A camera name longer than a
    label allows is refused."""
    st = bedside
    ipb = protos.module("identity")
    _, mrn = _patient(st, ipb)
    term = "ward7-bed1-" + uuid.uuid4().hex[:6]
    cam = "ceiling-" + uuid.uuid4().hex[:6]
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        wristband=mrn, image=orl_png(20, 5), terminal=term, camera=cam),
        role="nurse", timeout=30)
    assert not v.match, v
    decision = "retake" if v.decision == ipb.FACE_DECISION_RETAKE \
        else "no_match"
    assert _watch(st, "smartmed_face_verify_decisions_total", terminal=term,
                  camera=cam, decision=decision) == 1
    assert _watch(st, FNM, terminal=term, camera=cam) == 0
    assert _stated(st, ipb, mrn, term).confirmed
    assert _watch(st, FNM, terminal=term, camera=cam) == 1
    assert _watch(st, FNM, terminal=term, camera="unspecified") == 0
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "identity",
                  "VerifyFace", ipb.VerifyFaceRequest(
                      wristband=mrn, image=orl_png(7, 6), terminal=term,
                      camera="c" * 65),
                  role="nurse", details_prefix="camera")


def test_medctl_meets_the_same_hold(bedside, tmp_path):
    """The operator's medctl follows the same flow: after a face no-match
    through medctl, get-patient shows the hold, an emergency override is
    refused naming the stated check, and only the override saying the
    patient cannot state who they are is charted."""
    import subprocess
    from harness import paths
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    env = dict(st.client_tls_env())

    def medctl(svc, role, *args):
        r = subprocess.run(
            [paths.bin_path("medctl"), "--addr", st.addr(svc), "--token",
             st.token(role), svc] + [str(x) for x in args],
            env=dict(env, PATH="/usr/bin:/bin"), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    photo = tmp_path / "probe.png"
    photo.write_bytes(orl_png(20, 6))
    rc, out, err = medctl("identity", "nurse", "verify-face", "--wristband",
                          mrn_a, "--image", "@%s" % photo, "--terminal",
                          "cli-bed")
    assert rc == 0 and '"match": true' not in out, (rc, out, err)
    rc, out, err = medctl("identity", "nurse", "get-patient",
                          "--patient-id", a)
    assert rc == 0 and "bedside_unconfirmed" in out, (rc, out, err)
    o = _order(st, dpb, a)
    base = ("record-administration", "--order-id", o.id, "--dose", "500",
            "--unit", "mg", "--identity-override.text",
            "collapsed, cannot state her name", "--identity-override.reason")
    rc, out, err = medctl("dosage", "nurse", *base,
                          "OVERRIDE_REASON_EMERGENCY")
    assert rc != 0 and "a non-match is never an override" in err, \
        (rc, out, err)
    rc, out, err = medctl("dosage", "nurse", *base,
                          "OVERRIDE_REASON_EMERGENCY_NO_STATED_CHECK")
    assert rc == 0 and '"overridden"' in out, (rc, out, err)


def test_an_infusion_after_a_face_no_match_meets_the_same_hold(bedside):
    """A pump started under an identity override after the face turned
    the patient away is refused as a dose is; the override saying the
    patient cannot state who they are starts it."""
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, mrn_a = _patient(st, ipb)
    _no_match(st, ipb, mrn_a, orl_png(20, 7), "ward6-bed4")
    code = "HEP-" + uuid.uuid4().hex[:10]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="Heparin 25,000 units in 50 mL infusion",
        unit="[iU]", max_single_dose=10000.0, max_daily_dose=40000.0,
        routes=["iv"], concentration_amount=25000.0,
        concentration_volume_ml=50.0, infusion_max_rate=2000.0,
        infusion_rate_ceiling=3000.0)), role="pharmacist")
    assess_allergies(st, a)
    o = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=a, drug_code=code, dose=5000.0,
                        unit="[iU]", route="iv", frequency="once")),
        role="clinician")

    def start(reason):
        return st.call("dosage", "StartInfusion", dpb.StartInfusionRequest(
            order_id=o.id, rate=2.0, rate_unit="mL/h",
            identity_override=dpb.Override(
                reason=reason, text="collapsed, cannot state her name")),
            role="nurse")

    err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, start,
                        dpb.OVERRIDE_REASON_EMERGENCY,
                        details_prefix="identity_override")
    assert "a non-match is never an override" in err.details()
    f = start(dpb.OVERRIDE_REASON_EMERGENCY_NO_STATED_CHECK)
    assert f.id, f
