"""Break-glass through the FHIR facade (issue 31, finding 7): an
X-Break-Glass header counts only when it names an active StartBreakGlass
grant of the authenticated user for the request's patient, as identity
lists them.  Garbage, another user's grant, a grant for another patient,
an ended grant or a header on a request without a patient is refused with
a 403 OperationOutcome, and the refused request is audited as an ordinary
access (break_glass false, detail break_glass=refused), never as emergency
access.  A verified grant reaches a ward-5 patient's chart for a ward-3
nurse, audited as break-glass (ETREAT, "break-glass grant=<id>").  Real
identity, records and audit behind the facade, care checks on."""

import json
import ssl
import time
import urllib.error
import urllib.request
import uuid

import pytest

from harness import protos
from harness.checks import poll
from harness.stack import USERS

SERVICES = ("audit", "identity", "records")
# (role, units) of this suite's users; the token file's 4th field is the
# units claim.
CARE_USERS = {"nurse.w3": ("nurse", "ward-3"),
              "dr.w3": ("clinician", "ward-3")}


pytestmark = pytest.mark.stack(
    services=SERVICES, patient_checks=True, care_checks=True, fhir=True,
    users=CARE_USERS, extra_env={"MED_CARE_CACHE_TTL_MS": "200"})


def ward5_patient(st, idpb):
    """A patient on ward 5 with one observation: not the ward-3 nurse's."""
    p = st.call("identity", "CreatePatient", idpb.CreatePatientRequest(
        mrn="BG-" + uuid.uuid4().hex[:12].upper(), family_name="Glass",
        given_name="Test", birth_date="1961-04-05",
        sex=idpb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("identity", "Admit", idpb.AdmitRequest(
        patient_id=p, encounter_class=idpb.ENCOUNTER_CLASS_INPATIENT,
        ward="ward-5", bed="2-" + uuid.uuid4().hex[:6],
        attending=USERS["clinician"],
        reason="break-glass test"), role="registrar")
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=rpb.Observation(loinc_code="8867-4", numeric=71,
                                    ucum_unit="/min")), role="clinician")
    return p


def grpc_as(st, user, method, req):
    path, _req, resp, _ = protos.method("identity", method)
    stub = st.channel("identity").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    return stub(req, timeout=10,
                metadata=st.metadata(token=st.user_tokens[user]))


def start(st, idpb, user, pid):
    return grpc_as(st, user, "StartBreakGlass", idpb.StartBreakGlassRequest(
        patient_id=pid, reason="UNCONSCIOUS", minutes=30))


def get(st, user, path, glass=None):
    """(HTTP status, JSON body) of GET path as user."""
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + st.user_tokens[user])
    req.add_header("X-Request-ID", "bg-" + uuid.uuid4().hex[:16])
    if glass is not None:
        req.add_header("X-Break-Glass", glass)
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read()), req
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), req


def facade_event(st, req):
    """The facade's audit event of the HTTP request req."""
    apb = protos.module("audit")
    rid = req.get_header("X-request-id")

    def find():
        recs = st.call("audit", "Query", apb.QueryRequest(actor="nurse.w3"),
                       role="auditor", timeout=10)
        evs = [r.event for r in recs if r.event.service == "fhir" and
               r.event.request_id == rid]
        return evs[0] if evs else None
    return poll(find, timeout=10, what="the facade's event of " + rid)


def refused_not_glass(st, pid, path, glass, why):
    status, body, req = get(st, "nurse.w3", path, glass)
    assert status == 403, (glass, body)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "forbidden"
    diag = body["issue"][0]["diagnostics"]
    assert diag.startswith("X-Break-Glass: ") and why in diag, diag
    ev = facade_event(st, req)
    assert not ev.break_glass and ev.purpose_of_use != "ETREAT", ev
    assert "break-glass grant" not in ev.detail
    details = {d.key: d.value for d in ev.details}
    assert details["break_glass"] == "refused"
    assert details["http_status"] == "403"


@pytest.mark.parametrize("garbage", [
    "garbage", "", "' OR 1=1 --", "0" * 32, "A" * 32, "f" * 33,
    "bg1.e30.e30"])
def test_garbage_header_is_refused_not_audited_as_emergency(st, idpb,
                                                            garbage):
    pid = ward5_patient(st, idpb)
    why = "no active grant" if garbage == "0" * 32 else "not a grant id"
    refused_not_glass(st, pid, "Patient/" + pid, garbage, why)


def test_grant_for_another_patient_or_user_is_refused(st, idpb):
    pid, other = ward5_patient(st, idpb), ward5_patient(st, idpb)
    g = start(st, idpb, "nurse.w3", other)
    refused_not_glass(st, pid, "Patient/" + pid, g.grant_id,
                      "no active grant")
    theirs = start(st, idpb, "dr.w3", pid)
    refused_not_glass(st, pid, "Observation?patient=" + pid,
                      theirs.grant_id, "no active grant")


def test_ended_grant_is_refused(st, idpb):
    pid = ward5_patient(st, idpb)
    g = start(st, idpb, "nurse.w3", pid)
    grpc_as(st, "nurse.w3", "EndBreakGlass",
            idpb.EndBreakGlassRequest(grant_id=g.grant_id))
    refused_not_glass(st, pid, "Patient/%s/$everything" % pid, g.grant_id,
                      "no active grant")


def test_header_without_a_patient_is_refused(st, idpb):
    pid = ward5_patient(st, idpb)
    g = start(st, idpb, "nurse.w3", pid)
    refused_not_glass(st, pid, "$research-export?project=p1", g.grant_id,
                      "names none")


def test_live_grant_opens_the_chart_audited_as_break_glass(st, idpb):
    pid = ward5_patient(st, idpb)
    status, body, _ = get(st, "nurse.w3", "Observation?patient=" + pid)
    assert status == 403, body  # no care relationship, no grant
    g = start(st, idpb, "nurse.w3", pid)
    time.sleep(0.5)  # past MED_CARE_CACHE_TTL_MS: records forgets the "no"
    status, body, req = get(st, "nurse.w3", "Patient/%s/$everything" % pid,
                            g.grant_id)
    assert status == 200, body
    types = [e["resource"]["resourceType"] for e in body["entry"]]
    assert "Patient" in types and "Observation" in types, types
    ev = facade_event(st, req)
    assert ev.break_glass and ev.purpose_of_use == "ETREAT", ev
    assert ev.detail == "break-glass grant=" + g.grant_id
    assert ev.patient_id == pid and ev.outcome == 0
