"""Patient lookup is scoped (issue 31, finding 6): a clinician or nurse
finds, reads and identifies only the patients they have a care
relationship with (care team, their units, a recent discharge of their
team, their own break-glass grant), and the records merged with them.
Another ward's patient does not exist for them: search leaves it out
(pages count only theirs), GetPatient, PatientHistory and the encounter
reads answer NOT_FOUND exactly as for an id nobody registered, and
IdentifyFace with that patient's face finds nobody.  Registration (the
registrar role) looks up the whole hospital, audited with the detail
lookup_scope=whole-hospital.  The FHIR facade forwards the user's token,
so its Patient read and Encounter search follow the same scope.  Real
identity, audit and FHIR facade, real MariaDB.  The face tests need the
ORL photographs (../shared/data/faces/orl) and skip without them."""

import json
import ssl
import urllib.error
import urllib.request
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, poll
from harness.faces import FaceKeys, orl_png
from harness.stack import USERS

SVC = "identity"
NOT_FOUND = grpc.StatusCode.NOT_FOUND
# user -> (role, units), as the token file's 4th field gives them.
SCOPE_USERS = {
    "nurse.a": ("nurse", "ward-A"),
    "nurse.b": ("nurse", "ward-B"),
    "nurse.empty": ("nurse", "ward-E"),
    "dr.team": ("clinician", None),
}
ORL_A, ORL_B = 21, 22  # the ORL subjects whose faces wards A and B have


pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records"), care_checks=True, fhir=True,
    users=SCOPE_USERS,
    prepare=lambda s: s.extra_env.update(FaceKeys().env()))


def as_user(st, user, method, req, timeout=10):
    return st.call(SVC, method, req, token=st.user_tokens[user],
                   timeout=timeout)


def register(st, pb, family):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="SC-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name="Test", birth_date="1971-05-06",
        sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar")


def admit(st, pb, pid, ward, team=()):
    return st.call(SVC, "Admit", pb.AdmitRequest(
        patient_id=pid, encounter_class=pb.ENCOUNTER_CLASS_INPATIENT,
        ward=ward, bed="7-" + uuid.uuid4().hex[:6], attending="dr.nobody",
        reason="scope test",
        care_team=[pb.CareTeamMember(user=u, role=pb.PARTICIPANT_ROLE_NURSE)
                   for u in team]), role="registrar")


@pytest.fixture(scope="module")
def hospital(st, pb):
    """Patients of one family name: two on ward A, one on ward B (with its
    encounter), one on ward C with dr.team on its care team, one not
    admitted."""
    family = "Scope" + uuid.uuid4().hex[:8]
    p = {k: register(st, pb, family) for k in ("a1", "a2", "b", "c", "out")}
    admit(st, pb, p["a1"].patient_id, "ward-A")
    admit(st, pb, p["a2"].patient_id, "ward-A")
    p["b_enc"] = admit(st, pb, p["b"].patient_id, "ward-B").encounter_id
    admit(st, pb, p["c"].patient_id, "ward-C", team=["dr.team"])
    p["family"] = family
    return p


def found(st, pb, user, page_size=0, **criteria):
    """The ids a search finds, over every page, as user (or a role)."""
    ids, token = [], ""
    while True:
        req = pb.SearchPatientsRequest(**criteria)
        req.page.page_size = page_size
        req.page.page_token = token
        if user in SCOPE_USERS:
            res = as_user(st, user, "SearchPatients", req)
        else:
            res = st.call(SVC, "SearchPatients", req, role=user)
        ids += [x.patient_id for x in res.patients]
        token = res.page.next_page_token
        if not token:
            return ids


def pid(p, k):
    return p[k].patient_id


def test_ward_nurse_searches_only_her_ward(st, pb, hospital):
    fam = hospital["family"]
    got = found(st, pb, "nurse.a", family_name_prefix=fam)
    assert sorted(got) == sorted([pid(hospital, "a1"), pid(hospital, "a2")])
    # Pages count only her patients: one per page, two pages, no third.
    assert sorted(found(st, pb, "nurse.a", page_size=1,
                        family_name_prefix=fam)) == sorted(got)
    assert found(st, pb, "nurse.b", family_name_prefix=fam) == [
        pid(hospital, "b")]
    assert found(st, pb, "nurse.empty", family_name_prefix=fam) == []
    assert found(st, pb, "dr.team", family_name_prefix=fam) == [
        pid(hospital, "c")]
    # By MRN: another ward's patient is not there.
    assert found(st, pb, "nurse.a", mrn=hospital["b"].mrn) == []


def test_registrar_finds_everyone_audited_as_whole_hospital(st, pb,
                                                            hospital):
    fam = hospital["family"]
    everyone = {pid(hospital, k) for k in ("a1", "a2", "b", "c", "out")}
    assert set(found(st, pb, "registrar", family_name_prefix=fam)) == \
        everyone
    # A ward nurse's search of her own (the test does not rely on another
    # test's having searched).
    found(st, pb, "nurse.a", family_name_prefix=fam)
    apb = protos.module("audit")

    def searches(actor, scope):
        def find():
            recs = st.call("audit", "Query", apb.QueryRequest(actor=actor),
                           role="auditor")
            return [r.event for r in recs
                    if r.event.action.endswith("/SearchPatients") and
                    ("lookup_scope", scope) in
                    [(d.key, d.value) for d in r.event.details]]
        return poll(find, timeout=10, what="%s's searches" % actor)
    assert searches(USERS["registrar"], "whole-hospital")
    assert searches("nurse.a", "care")


def test_other_wards_patient_is_not_found(st, pb, hospital):
    b = pid(hospital, "b")
    unknown = str(uuid.uuid4())

    def details(req_b, req_unknown, method):
        e1 = expect_status(NOT_FOUND, as_user, st, "nurse.a", method, req_b)
        e2 = expect_status(NOT_FOUND, as_user, st, "nurse.a", method,
                           req_unknown)
        # Out of scope answers exactly as unknown: nothing to tell apart.
        assert e1.details() == e2.details(), (method, e1.details())
        return e1.details()

    d = details(pb.GetPatientRequest(patient_id=b),
                pb.GetPatientRequest(patient_id=unknown), "GetPatient")
    assert d.startswith("patient_id: no such patient")
    details(pb.GetPatientRequest(mrn=hospital["b"].mrn),
            pb.GetPatientRequest(mrn="SC-NOBODY"), "GetPatient")
    details(pb.PatientHistoryRequest(patient_id=b),
            pb.PatientHistoryRequest(patient_id=unknown), "PatientHistory")
    details(pb.ListEncountersRequest(patient_id=b),
            pb.ListEncountersRequest(patient_id=unknown), "ListEncounters")
    details(pb.GetCurrentEncounterRequest(patient_id=b),
            pb.GetCurrentEncounterRequest(patient_id=unknown),
            "GetCurrentEncounter")
    details(pb.ExportFhirRequest(patient_id=b),
            pb.ExportFhirRequest(patient_id=unknown), "ExportFhir")
    details(pb.GetEncounterHistoryRequest(encounter_id=hospital["b_enc"]),
            pb.GetEncounterHistoryRequest(encounter_id=str(uuid.uuid4())),
            "GetEncounterHistory")
    # Her own patient, and the other ward's nurse, still read them.
    assert as_user(st, "nurse.a", "GetPatient", pb.GetPatientRequest(
        patient_id=pid(hospital, "a1"))).patient_id == pid(hospital, "a1")
    assert as_user(st, "nurse.b", "GetCurrentEncounter",
                   pb.GetCurrentEncounterRequest(patient_id=b)).location.ward == \
        "ward-B"
    assert st.call(SVC, "GetPatient", pb.GetPatientRequest(patient_id=b),
                   role="registrar").patient_id == b
    # The refusal is audited against the patient it was about.
    apb = protos.module("audit")

    def refused():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=b),
                       role="auditor")
        return [r.event for r in recs if r.event.actor == "nurse.a" and
                r.event.action.endswith("/GetPatient") and
                r.event.outcome == NOT_FOUND.value[0] and
                ("care_relationship", "none") in
                [(x.key, x.value) for x in r.event.details]]
    assert poll(refused, timeout=10, what="nurse.a's refused GetPatient")


def test_break_glass_and_merged_records(st, pb, hospital):
    """A grant opens its one patient to its holder (audited as
    break-glass) until it ends; a record merged into a patient of hers is
    hers too."""
    b = pid(hospital, "b")
    g = as_user(st, "nurse.a", "StartBreakGlass", pb.StartBreakGlassRequest(
        patient_id=b, reason="LIFE_THREAT", minutes=15,
        justification="collapsed in the corridor of ward A"))
    assert as_user(st, "nurse.a", "GetPatient",
                   pb.GetPatientRequest(patient_id=b)).patient_id == b
    assert b in found(st, pb, "nurse.a",
                      family_name_prefix=hospital["family"])
    as_user(st, "nurse.a", "EndBreakGlass",
            pb.EndBreakGlassRequest(grant_id=g.grant_id))
    expect_status(NOT_FOUND, as_user, st, "nurse.a", "GetPatient",
                  pb.GetPatientRequest(patient_id=b))
    assert b not in found(st, pb, "nurse.a",
                          family_name_prefix=hospital["family"])

    dup = register(st, pb, hospital["family"] + "dup")
    assert found(st, pb, "nurse.a", family_name_prefix=hospital["family"] +
                 "dup", include_merged=True) == []
    st.call(SVC, "LinkPatients", pb.LinkPatientsRequest(
        survivor_id=pid(hospital, "a1"), merged_id=dup.patient_id,
        reason="same person"), role="registrar")
    assert found(st, pb, "nurse.a", family_name_prefix=hospital["family"] +
                 "dup", include_merged=True) == [dup.patient_id]
    assert as_user(st, "nurse.a", "GetPatient", pb.GetPatientRequest(
        patient_id=dup.patient_id)).linked_to == pid(hospital, "a1")


# --- face identification ------------------------------------------------------

@pytest.fixture(scope="module")
def faces(st, pb, hospital):
    """Ward A's first patient has ORL subject 21's face, ward B's patient
    subject 22's (enrolled by registration)."""
    orl_png(ORL_A, 1)
    for k, subject in (("a1", ORL_A), ("b", ORL_B)):
        st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
            patient_id=pid(hospital, k),
            images=[orl_png(subject, n) for n in (1, 2, 3)]),
            role="registrar", timeout=30)
    return hospital


def identify(st, pb, user, subject):
    req = pb.IdentifyFaceRequest(image=orl_png(subject, 6), top_k=10)
    if user in SCOPE_USERS:
        return as_user(st, user, "IdentifyFace", req, timeout=30)
    return st.call(SVC, "IdentifyFace", req, role=user, timeout=30)


def test_identify_face_finds_only_own_patients(st, pb, faces):
    b = pid(faces, "b")
    # The attack: a nurse of a ward with no patients, another ward's face.
    got = identify(st, pb, "nurse.empty", ORL_B)
    assert list(got.candidates) == [] and got.searched == 0
    got = identify(st, pb, "nurse.a", ORL_B)
    assert b not in [c.patient_id for c in got.candidates]
    assert got.searched == 3  # her patient's three templates, no more
    got = identify(st, pb, "nurse.a", ORL_A)
    assert got.candidates[0].patient_id == pid(faces, "a1")
    got = identify(st, pb, "nurse.b", ORL_B)
    assert got.candidates[0].patient_id == b
    assert got.candidates[0].above_threshold
    got = identify(st, pb, "registrar", ORL_B)
    assert got.candidates[0].patient_id == b
    assert got.searched >= 6
    apb = protos.module("audit")

    def whole():
        recs = st.call("audit", "Query", apb.QueryRequest(
            actor=USERS["registrar"]), role="auditor")
        return [r for r in recs
                if r.event.action.endswith("/IdentifyFace") and
                ("lookup_scope", "whole-hospital") in
                [(d.key, d.value) for d in r.event.details]]
    assert poll(whole, timeout=10, what="a whole-hospital identification")


def test_identify_face_follows_a_merge(st, pb, faces):
    """A face enrolled on a record nobody admitted is nobody's; once that
    record is merged into a ward-A patient, ward A identifies it."""
    x = register(st, pb, faces["family"] + "merged")
    st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=x.patient_id, images=[orl_png(23, n) for n in (1, 2)]),
        role="registrar", timeout=30)
    assert x.patient_id not in [
        c.patient_id for c in identify(st, pb, "nurse.a", 23).candidates]
    st.call(SVC, "LinkPatients", pb.LinkPatientsRequest(
        survivor_id=pid(faces, "a2"), merged_id=x.patient_id,
        reason="same person"), role="registrar")
    got = identify(st, pb, "nurse.a", 23)
    assert got.candidates[0].patient_id == x.patient_id


def test_enrolment_does_not_name_other_wards_patients(st, pb, faces):
    """Enrolling ward B's face on her own patient does not tell ward A's
    nurse who on ward B has it; registration enrolling it is told."""
    mine = register(st, pb, faces["family"] + "face")
    admit(st, pb, mine.patient_id, "ward-A")
    res = as_user(st, "nurse.a", "EnrollFace", pb.EnrollFaceRequest(
        patient_id=mine.patient_id, images=[orl_png(ORL_B, 4)]), timeout=30)
    assert pid(faces, "b") not in [c.patient_id
                                   for c in res.possible_duplicates]
    res = st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=mine.patient_id, images=[orl_png(ORL_B, 5)]),
        role="registrar", timeout=30)
    assert pid(faces, "b") in [c.patient_id for c in res.possible_duplicates]


# --- the FHIR facade ----------------------------------------------------------

def fhir_get(st, path, token):
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + token)
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_fhir_patient_read_and_encounters_follow_the_scope(st, hospital):
    tok = st.user_tokens["nurse.a"]
    a1, b = pid(hospital, "a1"), pid(hospital, "b")
    status, body = fhir_get(st, "Patient/" + a1, tok)
    assert status == 200 and body["id"] == a1, body
    status, body = fhir_get(st, "Patient/" + b, tok)
    assert status == 404 and body["resourceType"] == "OperationOutcome", body
    # A search finds nothing of a patient outside the scope: an empty
    # searchset, as for an unknown id (R4; before issue 35 a 404).
    status, body = fhir_get(st, "Encounter?patient=" + b, tok)
    assert status == 200 and body["total"] == 0 and "entry" not in body, \
        body
    status, body = fhir_get(st, "Patient/%s/$everything" % b, tok)
    assert status == 404, body
    status, body = fhir_get(st, "Encounter?patient=" + b,
                            st.user_tokens["nurse.b"])
    assert status == 200 and body["total"] == 1, body


def test_fhir_patient_search_follows_the_scope(st, pb, hospital):
    """Patient?family= through the facade is identity's SearchPatients as
    the caller (issue 35): each user finds what identity finds for them
    (a ward nurse her ward's patients, the registrar everyone; earlier
    tests' merges and grants widen a scope, so identity is the oracle)."""
    fam, mrn_b = hospital["family"], hospital["b"].mrn

    def ids(user, query):
        tok = st.user_tokens.get(user) or st.token(user)
        status, body = fhir_get(st, "Patient?" + query, tok)
        assert status == 200 and body["type"] == "searchset", body
        return sorted(e["resource"]["id"] for e in body.get("entry", []))
    for user in ("nurse.a", "nurse.b", "nurse.empty", "registrar"):
        assert ids(user, "family=%s&_count=100" % fam) == sorted(
            found(st, pb, user, family_name_prefix=fam)), user
        assert ids(user, "identifier=" + mrn_b) == sorted(
            found(st, pb, user, mrn=mrn_b)), user
    assert ids("nurse.empty", "family=" + fam) == []
    assert pid(hospital, "b") in ids("registrar", "identifier=" + mrn_b)
