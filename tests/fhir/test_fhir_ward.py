"""The ward console's searches through the FHIR facade (issue 37, items 2
and 6): the ward census (Encounter?location=&status=in-progress, with
_include=Encounter:patient), a patient's access report
(AuditEvent?patient=), break-glass grants as Consent, and one AuditEvent's
inclusion proof ($inclusion-proof) checked here with an independent RFC
9162 verifier and the head's Ed25519 signature.  Every answer is validated
against the FHIR R4 schema; a nurse off the ward gets no census of it, a
non-auditor no access report and no proof.  Real identity, records and
audit behind the facade, care checks on."""

import base64
import importlib.util
import json
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PublicKey

from fhir_checks import assert_valid
from harness import protos
from harness.checks import expect_status, poll
from harness.stack import USERS

# The contract suite's independent Merkle verifier (auditlog.py).
_spec = importlib.util.spec_from_file_location(
    "auditlog", os.path.join(os.path.dirname(__file__), "..", "contract",
                             "audit", "auditlog.py"))
auditlog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(auditlog)

WARD = "ward-3"
CARE_USERS = {"nurse.w3": ("nurse", WARD),
              "dr.w3": ("clinician", WARD),
              "nurse.w5": ("nurse", "ward-5")}

pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records"), patient_checks=True,
    care_checks=True, fhir=True, users=CARE_USERS,
    extra_env={"MED_AUDIT_STH_INTERVAL_MS": "200"})


def token(st, user):
    if user not in st.user_tokens:
        st.user_tokens[user] = st.token(user)
    return st.user_tokens[user]


def get(st, path, user="nurse.w3"):
    """(HTTP status, JSON body) of GET path (or a full URL) as user."""
    url = path if path.startswith("https://") else st.fhir_url() + "/" + path
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Bearer " + token(st, user))
    req.add_header("X-Request-ID", "ward-" + uuid.uuid4().hex[:16])
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def admitted(st, idpb, ward, bed, family="Census"):
    """A new patient admitted to ward, bed; (patient id, encounter id)."""
    p = st.call("identity", "CreatePatient", idpb.CreatePatientRequest(
        mrn="WD-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name="Test", birth_date="1950-02-03",
        sex=idpb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    e = st.call("identity", "Admit", idpb.AdmitRequest(
        patient_id=p, encounter_class=idpb.ENCOUNTER_CLASS_INPATIENT,
        ward=ward, bed=bed, attending=USERS["clinician"],
        reason="ward census test"), role="registrar")
    return p, e.encounter_id


def census(ward, extra=""):
    return ("Encounter?location=%s&status=in-progress%s"
            % (urllib.parse.quote(ward), extra))


def refused(status, body, code, words):
    assert status == code, body
    assert body["resourceType"] == "OperationOutcome"
    assert words in body["issue"][0]["diagnostics"], body


@pytest.fixture(scope="module")
def ward(st, idpb):
    """Two stays on ward 3 (beds 1 and 2), one discharged from it, one on
    ward 5."""
    a = admitted(st, idpb, WARD, "W-01", "Alpha")
    b = admitted(st, idpb, WARD, "W-02", "Bravo")
    gone = admitted(st, idpb, WARD, "W-03", "Gone")
    st.call("identity", "Discharge", idpb.DischargeRequest(
        encounter_id=gone[1]), role="registrar")
    other = admitted(st, idpb, "ward-5", "1", "Other")
    return {"a": a, "b": b, "gone": gone, "other": other}


def test_census_lists_the_wards_open_stays(st, validator, ward):
    status, body = get(st, census(WARD, "&_include=Encounter:patient"))
    assert status == 200, body
    assert_valid(validator, body)
    assert body["type"] == "searchset"
    matches = [e for e in body["entry"] if e["search"]["mode"] == "match"]
    included = [e for e in body["entry"] if e["search"]["mode"] == "include"]
    enc_ids = {e["resource"]["id"] for e in matches}
    assert {ward["a"][1], ward["b"][1]} <= enc_ids
    assert ward["gone"][1] not in enc_ids and ward["other"][1] not in enc_ids
    for e in matches:
        r = e["resource"]
        assert r["resourceType"] == "Encounter"
        assert r["status"] == "in-progress"
        active = [loc for loc in r["location"] if loc["status"] == "active"]
        assert active[0]["location"]["display"].startswith(WARD + " / ")
    # Every subject is included once, as identity's full Patient.
    subjects = {e["resource"]["subject"]["reference"] for e in matches}
    pats = {"Patient/" + e["resource"]["id"]: e["resource"]
            for e in included}
    assert set(pats) == subjects and len(included) == len(subjects)
    assert pats["Patient/" + ward["a"][0]]["name"][0]["family"] == "Alpha"
    # In bed order: W-01 before W-02.
    order = [e["resource"]["id"] for e in matches]
    assert order.index(ward["a"][1]) < order.index(ward["b"][1])


def test_census_pages(st, validator, ward):
    status, body = get(st, census(WARD, "&_count=1"))
    assert status == 200, body
    seen = []
    while True:
        assert_valid(validator, body)
        assert len(body.get("entry", [])) <= 1
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        nxt = [link["url"] for link in body["link"]
               if link["relation"] == "next"]
        if not nxt:
            break
        status, body = get(st, nxt[0])
        assert status == 200, body
    assert {ward["a"][1], ward["b"][1]} <= set(seen)
    assert len(seen) == len(set(seen))


def test_census_pages_each_stay_once_while_patients_are_admitted(st, idpb,
                                                                ward):
    """Issue 49: the census pages by a keyset (bed, start, id), not by
    offset.  Between every two pages a patient is admitted to a bed that
    sorts before every other; by offset that shifted the list, and the
    previous page's last stay came again on the next page."""
    mine = [admitted(st, idpb, WARD, "K-%02d" % i, "Keyset")[1]
            for i in range(5)]
    status, body = get(st, census(WARD, "&_count=2"))
    seen, pages = [], 0
    while True:
        assert status == 200, body
        seen += [e["resource"]["id"] for e in body.get("entry", [])
                 if e["search"]["mode"] == "match"]
        admitted(st, idpb, WARD, "A-%02d" % pages, "Early")
        pages += 1
        nxt = [link["url"] for link in body["link"]
               if link["relation"] == "next"]
        if not nxt:
            break
        assert pages < 50, "the census does not end"
        status, body = get(st, nxt[0])
    assert pages >= 3, seen
    assert len(seen) == len(set(seen)), seen  # each stay once...
    # ...and every stay open throughout the paging listed.
    assert set(mine) | {ward["a"][1], ward["b"][1]} <= set(seen), seen
    # A token the census did not write is refused, naming it.
    status, body = get(st, census(WARD, "&_count=2&_cursor=c41.5.x"))
    assert status == 400 and "page_token" in \
        body["issue"][0]["diagnostics"], body


def test_census_of_another_ward_is_refused(st, ward):
    """A nurse or clinician lists only the wards they work on."""
    for user in ("nurse.w3", "dr.w3"):
        status, body = get(st, census("ward-5"), user=user)
        refused(status, body, 403, "ward: ward-5 is not one of your units")
    status, body = get(st, census(WARD), user="nurse.w5")
    refused(status, body, 403, "not one of your units")
    status, body = get(st, census("ward-5"), user="nurse.w5")
    assert status == 200, body
    ids = {e["resource"]["id"] for e in body["entry"]}
    assert ward["other"][1] in ids and ward["a"][1] not in ids


def test_census_is_audited_with_its_ward(st, ward):
    apb = protos.module("audit")
    get(st, census("ward-5"), user="nurse.w3")

    def find():
        recs = st.call("audit", "Query", apb.QueryRequest(actor="nurse.w3"),
                       role="auditor", timeout=10)
        evs = [r.event for r in recs if r.event.service == "identity"
               and r.event.resource == "Encounter?ward"]
        return [e for e in evs if e.outcome == 7] or None
    ev = poll(find, timeout=10, what="identity's refused census")[-1]
    assert {d.key: d.value for d in ev.details}["ward"] == "ward-5"


@pytest.mark.parametrize("query,words", [
    ("Encounter?location=ward-3", "status: required"),
    ("Encounter?location=ward-3&status=finished", "status: only in-progress"),
    ("Encounter?location=&status=in-progress", "location: the ward"),
    ("Encounter?location=ward-3&status=in-progress&_include=Encounter:x",
     "_include: only Encounter:patient"),
    ("Encounter?location=ward-3&status=in-progress&bed=1",
     "bed: not a parameter of the ward census"),
    ("AuditEvent", "patient: required"),
    ("AuditEvent?patient=x&date=yesterday", "date: not an R4 date"),
    ("Consent?status=inactive", "status: only active"),
])
def test_bad_parameters(st, query, words):
    status, body = get(st, query, user="auditor")
    refused(status, body, 400, words)


def events_of(st, pid):
    status, body = get(st, "AuditEvent?patient=" + pid, user="auditor")
    assert status == 200, body
    return body


def test_access_report_as_audit_events(st, validator, ward):
    pid = ward["a"][0]
    get(st, "Patient/" + pid, user="nurse.w3")
    body = poll(lambda: (lambda b: b if b.get("entry") else None)(
        events_of(st, pid)), timeout=15, what="the patient's AuditEvents")
    assert_valid(validator, body)
    assert body["type"] == "searchset"
    for e in body["entry"]:
        r = e["resource"]
        assert r["resourceType"] == "AuditEvent"
        assert e["fullUrl"].endswith("/AuditEvent/" + r["id"])
        refs = [x.get("what", {}).get("reference") for x in r["entity"]]
        assert "Patient/" + pid in refs, r["entity"]
    # date filters the recorded instant.
    status, future = get(st, "AuditEvent?patient=%s&date=ge2999-01-01" % pid,
                         user="auditor")
    assert status == 200 and not future.get("entry"), future
    status, past = get(st, "AuditEvent?patient=%s&date=le2999-01-01" % pid,
                       user="auditor")
    assert status == 200 and len(past["entry"]) >= len(body["entry"])


def test_access_report_is_the_auditors(st, ward):
    for user in ("nurse.w3", "dr.w3"):
        status, body = get(st, "AuditEvent?patient=" + ward["a"][0],
                           user=user)
        assert status == 403, body


def test_break_glass_grants_as_consent(st, validator, idpb, ward):
    pid = ward["other"][0]
    path, _req, resp, _ = protos.method("identity", "StartBreakGlass")
    stub = st.channel("identity").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    g = stub(idpb.StartBreakGlassRequest(
        patient_id=pid, reason="UNCONSCIOUS", justification="found down",
        minutes=30), timeout=10,
        metadata=st.metadata(token=token(st, "nurse.w3")))
    status, body = get(st, "Consent?patient=" + pid, user="auditor")
    assert status == 200, body
    assert_valid(validator, body)
    c = [e["resource"] for e in body["entry"]
         if e["resource"]["id"] == g.grant_id][0]
    assert c["status"] == "active"
    assert c["patient"]["reference"] == "Patient/" + pid
    assert c["provision"]["purpose"][0]["code"] == "BTG"
    assert c["provision"]["actor"][0]["reference"]["display"] == "nurse.w3"
    exts = {x["url"].rsplit("/", 1)[1]: x["valueString"]
            for x in c["extension"]}
    assert exts["break-glass-reason"] == "UNCONSCIOUS"
    assert exts["break-glass-justification"] == "found down"
    # Ended: inactive, and no longer among status=active.
    path, _req, resp, _ = protos.method("identity", "EndBreakGlass")
    st.channel("identity").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)(
        idpb.EndBreakGlassRequest(grant_id=g.grant_id), timeout=10,
        metadata=st.metadata(token=token(st, "nurse.w3")))
    status, body = get(st, "Consent?patient=" + pid, user="auditor")
    c = [e["resource"] for e in body["entry"]
         if e["resource"]["id"] == g.grant_id][0]
    assert c["status"] == "inactive", c
    status, body = get(st, "Consent?status=active&patient=" + pid,
                       user="auditor")
    assert status == 200, body
    assert g.grant_id not in {e["resource"]["id"]
                              for e in body.get("entry", [])}


def params(body):
    out = {}
    for p in body["parameter"]:
        out.setdefault(p["name"], []).append(p)
    return out


def proof_of(st, event_id):
    def ask():
        status, body = get(st, "AuditEvent/%s/$inclusion-proof" % event_id,
                           user="auditor")
        return (status, body) if status == 200 else None
    return poll(ask, timeout=15, what="a head that holds the event")[1]


def b64(p):
    return base64.b64decode(p["valueBase64Binary"])


def verify(body):
    """The check the console makes: path to root, root = signed root,
    head signed by its key."""
    p = params(body)
    head = {x["name"]: x for x in p["signedTreeHead"][0]["part"]}
    root = b64(head["rootHash"])
    ok = auditlog.verify_inclusion(
        p["leafIndex"][0]["valueInteger"], p["treeSize"][0]["valueInteger"],
        b64(p["leafHash"][0]), [b64(x) for x in p.get("path", [])], root)
    msg = auditlog.STH_TAG + (
        head["treeSize"]["valueInteger"].to_bytes(8, "big") +
        int(head["timestampMs"]["valueString"]).to_bytes(8, "big", signed=True)
        + root)
    Ed25519PublicKey.from_public_bytes(b64(head["publicKey"])).verify(
        b64(head["signature"]), msg)
    return ok


def test_inclusion_proof(st, validator, ward):
    body = poll(lambda: (lambda b: b if b.get("entry") else None)(
        events_of(st, ward["a"][0])), timeout=15, what="AuditEvents")
    event_id = body["entry"][0]["resource"]["id"]
    proof = proof_of(st, event_id)
    assert_valid(validator, proof)
    assert proof["resourceType"] == "Parameters"
    p = params(proof)
    assert p["event"][0]["valueReference"]["reference"] == \
        "AuditEvent/" + event_id
    assert verify(proof)
    # A path with one bit changed no longer leads to the signed root.
    if "path" in p:
        raw = bytearray(b64(p["path"][0]))
        raw[0] ^= 1
        p["path"][0]["valueBase64Binary"] = base64.b64encode(raw).decode()
    else:
        raw = bytearray(b64(p["leafHash"][0]))
        raw[0] ^= 1
        p["leafHash"][0]["valueBase64Binary"] = \
            base64.b64encode(raw).decode()
    assert not verify(proof)


def test_inclusion_proof_is_the_auditors(st, ward):
    body = events_of(st, ward["a"][0])
    event_id = body["entry"][0]["resource"]["id"]
    status, body = get(st, "AuditEvent/%s/$inclusion-proof" % event_id,
                       user="nurse.w3")
    assert status == 403, body
    status, body = get(st, "AuditEvent/%s/$inclusion-proof"
                       % uuid.uuid4(), user="auditor")
    assert status in (404, 400), body
    status, body = get(st, "AuditEvent/bad!id/$inclusion-proof",
                       user="auditor")
    assert status == 400, body


def test_identity_census_rpc(st, idpb, ward):
    """identity's ExportFhir by ward, as the facade calls it: a ward or a
    patient, not both; a ward of 1..64 characters; the registrar (whole
    hospital) lists any ward, every subject its own patient."""
    both = idpb.ExportFhirRequest(ward=WARD, patient_id=ward["a"][0])
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "identity",
                  "ExportFhir", both, role="registrar",
                  details_prefix="ward: give a ward or a patient_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "identity",
                  "ExportFhir", idpb.ExportFhirRequest(ward="w" * 65),
                  role="registrar", details_prefix="ward")
    r = st.call("identity", "ExportFhir", idpb.ExportFhirRequest(
        ward="ward-5"), role="registrar")
    entries = [e["resource"] for e in json.loads(r.bundle_json)["entry"]]
    assert all(e["resourceType"] == "Encounter" for e in entries)
    assert r.n_resources == len(entries)
    mine = [e for e in entries if e["id"] == ward["other"][1]]
    assert mine[0]["subject"]["reference"] == "Patient/" + ward["other"][0]
    empty = st.call("identity", "ExportFhir", idpb.ExportFhirRequest(
        ward="ward-nobody-" + uuid.uuid4().hex[:6]), role="registrar")
    assert r.n_resources > 0 and empty.n_resources == 0
    assert "entry" not in json.loads(empty.bundle_json)
