"""Issue 30, item 1: a merge carries the clinical picture.  The ward
pattern: a patient arrives unconscious, the ED charts an allergy and gives
paracetamol on a temporary record; hours later registration merges it into
the patient's real record.  The survivor's dose checks must see the ED's
allergy and doses, the temporary id must take no new orders from the
moment of the merge, FHIR must answer for it, and an unmerge must give
each record back its own picture."""

import json
import ssl
import urllib.error
import urllib.request
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue


SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
MERGED = "record was merged into %s; chart on the surviving record"


pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               fhir=True)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    import_sample_catalogue(st)


def patient(st, family):
    ipb = protos.module("identity")
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MG-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name="Case", birth_date="1970-05-06",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def link(st, survivor, merged):
    ipb = protos.module("identity")
    return st.call("identity", "LinkPatients", ipb.LinkPatientsRequest(
        survivor_id=survivor, merged_id=merged,
        reason="ED temporary record is this patient"), role="registrar")


def unlink(st, link_id):
    ipb = protos.module("identity")
    st.call("identity", "UnlinkPatients", ipb.UnlinkPatientsRequest(
        link_id=link_id, reason="merged in error"), role="registrar")


def chart_allergy(st, p, substance="Penicillin"):
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_ALLERGY, title="allergy",
        allergy=rpb.Allergy(
            substance_display=substance,
            verification_status=rpb.ALLERGY_VERIFICATION_STATUS_CONFIRMED)),
        role="clinician")


def order(st, pb, p, drug="161", dose=1000, freq="prn"):
    kw = {"prn_max_daily_dose": 4 * dose} if freq == "prn" else {}
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route="oral", frequency=freq,
                 start_ms=now_ms() - 2 * 24 * HOUR, **kw)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def give(st, pb, o, dose=1000, at=0):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit="mg", effective_ms=at,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse")


def check(st, pb, p, drug, dose):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")


def kind(r, k):
    return [c for c in r.checks if c.kind == k][0]


def ed_then_ward(st, pb):
    """The ED's temporary record (an allergy, four grams of paracetamol in
    the last 20 h under its own order) and the real record (assessed: no
    allergy in dosage's context, a weight)."""
    real, ed = patient(st, "Real"), patient(st, "Unknown-ED")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=real, weight_kg=70,
                                  allergies_known=True)), role="nurse")
    chart_allergy(st, ed)
    ed_order = order(st, pb, ed)
    t0 = now_ms() - 20 * HOUR
    for i in range(4):
        give(st, pb, ed_order, at=t0 + i * 5 * HOUR)
    return real, ed, ed_order


def test_survivor_sees_the_merged_records_allergy_and_doses(st, pb,
                                                            catalogue):
    real, ed, _ = ed_then_ward(st, pb)
    # Before the merge the real record knows nothing of the ED.
    assert kind(check(st, pb, real, "723", 500),
                pb.CHECK_KIND_ALLERGY).status == pb.CHECK_STATUS_OK
    assert kind(check(st, pb, real, "161", 1000),
                pb.CHECK_KIND_DAILY_MAX).value == pytest.approx(1000)
    link(st, real, ed)
    al = kind(check(st, pb, real, "723", 500), pb.CHECK_KIND_ALLERGY)
    assert al.status == pb.CHECK_STATUS_HARD_STOP
    assert "penicillins" in al.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, real,
                  "723", 500, "q8h", details_prefix="order: hard stop")
    daily = kind(check(st, pb, real, "161", 1000), pb.CHECK_KIND_DAILY_MAX)
    assert daily.status == pb.CHECK_STATUS_HARD_STOP
    assert daily.value == pytest.approx(5000)
    # The ward's own order: the fifth gram in 24 h is refused at the bed.
    ward = order(st, pb, real, freq="q6h")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb,
                      ward, details_prefix="dose: hard stop")
    assert "24-h total 5000 mg" in e.details()


def test_merged_id_refused_at_once(st, pb, catalogue):
    real, ed, ed_order = ed_then_ward(st, pb)
    # The ED id was confirmed by identity a moment ago (its order and
    # doses); the merge must still be seen by the very next write.
    link(st, real, ed)
    want = "order.patient_id: " + MERGED % real
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, ed,
                  details_prefix=want)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb,
                  ed_order, details_prefix="order_id: " + MERGED % real)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "SetPatientContext", pb.SetPatientContextRequest(
                      context=pb.PatientContext(patient_id=ed,
                                                weight_kg=71)),
                  role="nurse",
                  details_prefix="context.patient_id: " + MERGED % real)
    rpb = protos.module("records")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "records",
                  "CreateEntry", rpb.CreateEntryRequest(
                      patient_id=ed, kind=rpb.ENTRY_KIND_NOTE, title="n",
                      body="late note"), role="clinician",
                  details_prefix="patient_id: " + MERGED % real)


def test_unmerge_gives_each_record_its_own_picture(st, pb, catalogue):
    real, ed, ed_order = ed_then_ward(st, pb)
    lk = link(st, real, ed)
    assert kind(check(st, pb, real, "723", 500),
                pb.CHECK_KIND_ALLERGY).status == pb.CHECK_STATUS_HARD_STOP
    unlink(st, lk.link_id)
    assert kind(check(st, pb, real, "723", 500),
                pb.CHECK_KIND_ALLERGY).status == pb.CHECK_STATUS_OK
    assert kind(check(st, pb, real, "161", 1000),
                pb.CHECK_KIND_DAILY_MAX).value == pytest.approx(1000)
    # The ED record is its own patient again, with its own allergy and
    # its own four grams.
    assert kind(check(st, pb, ed, "723", 500),
                pb.CHECK_KIND_ALLERGY).status == pb.CHECK_STATUS_HARD_STOP
    assert kind(check(st, pb, ed, "161", 1000),
                pb.CHECK_KIND_DAILY_MAX).value == pytest.approx(5000)
    order(st, pb, ed, freq="q6h", dose=500)


# --- FHIR ---------------------------------------------------------------------


def fhir_get(st, url, role="clinician"):
    req = urllib.request.Request(st.fhir_url() + "/" + url)
    req.add_header("Authorization", "Bearer " + st.token(role))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def of_type(bundle, t):
    return [e["resource"] for e in bundle.get("entry", [])
            if e["resource"]["resourceType"] == t]


@pytest.mark.parametrize("typ", ["AllergyIntolerance", "MedicationRequest",
                                 "MedicationAdministration"])
def test_fhir_search_by_merged_id(st, pb, catalogue, typ):
    real, ed, _ = ed_then_ward(st, pb)
    link(st, real, ed)
    status, body = fhir_get(st, "%s?patient=%s" % (typ, ed))
    assert status == 200, body
    assert body["resourceType"] == "Bundle"
    found = of_type(body, typ)
    # The merged record's own resources, still its own.
    assert found, body
    # The survivor's search holds the merged record's resources too.
    status, body = fhir_get(st, "%s?patient=%s" % (typ, real))
    assert status == 200, body
    ids = {r["id"] for r in of_type(body, typ)}
    assert {r["id"] for r in found} <= ids


def test_fhir_survivor_pages_through_merged_records(st, pb, catalogue):
    """A page of one: the next links carry on from the survivor's own
    allergy into the merged record's; after the unmerge only its own."""
    real, ed, _ = ed_then_ward(st, pb)
    chart_allergy(st, real, "Latex")
    lk = link(st, real, ed)
    seen, url = [], "AllergyIntolerance?patient=%s&_count=1" % real
    for _ in range(5):
        status, body = fhir_get(st, url)
        assert status == 200, body
        seen += [r["id"] for r in of_type(body, "AllergyIntolerance")]
        nxt = [ln["url"] for ln in body["link"] if ln["relation"] == "next"]
        if not nxt:
            break
        url = nxt[0].split("/fhir/", 1)[1]
    assert len(seen) == 2 and len(set(seen)) == 2, seen
    unlink(st, lk.link_id)
    status, body = fhir_get(st, "AllergyIntolerance?patient=%s" % real)
    assert status == 200 and len(of_type(body, "AllergyIntolerance")) == 1
