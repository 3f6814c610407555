"""Dosage's ExportFhir against HL7's FHIR R4 JSON schema (issue 19):
MedicationRequest per current order version, MedicationAdministration per
administration (a not-given dose not-done with its reason, an infusion's
segment with its period and rate), Medication per drug with its
catalogue code and strength.  Also what the schema cannot see (fullUrls,
references resolving in every page, a dose referring to its order),
paging to the end, roles as ListOrders has them and a bad patient_id."""

import json
import time
import uuid

import grpc
import pytest

from fhir_checks import (assert_valid, check_invariants, export_page,
                         export_pages, resources)
from harness import Stack, paths
from harness.checks import expect_status
from harness.fixtures import assess_allergies, running
from harness.vtokens import VerificationKeys

SVC = "dosage"
HOUR = 3600 * 1000
REFUSED = "patient-refused"


def now_ms():
    return int(time.time() * 1000)


@pytest.fixture(scope="module")
def keys():
    """A verification key pair and token maker: administrations need the
    patient's positive identification."""
    return VerificationKeys(paths.scratch_dir("smartmed-fhir-vtoken-"))


@pytest.fixture(scope="module")
def dstack(keys):
    """Dosage alone, trusting keys' public key."""
    with running(Stack(services=(SVC,), extra_env={
            "MED_IDENTITY_PUBLIC_KEY_FILE": keys.pub})) as st:
        yield st


def _drug(st, pb, prefix, **kw):
    args = dict(code=prefix + "_" + uuid.uuid4().hex[:12], routes=["oral"])
    args.update(kw)
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")


def _order(st, pb, pid, drug, **kw):
    args = dict(patient_id=pid, drug_code=drug, route="oral")
    args.update(kw)
    assess_allergies(st, pid, svc=SVC)
    return st.call(SVC, "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(**args)), role="clinician")


def _tablets(st, pb, pid, keys, start):
    """Paracetamol 500 mg tablets q6h: a dose given, the slot before it
    charted as refused."""
    d = _drug(st, pb, "PARA", name="Paracetamol 500 mg tablet",
              unit="tablet", max_single_dose=2.0, max_daily_dose=8.0,
              substance="paracetamol", strength=500.0, strength_unit="mg",
              forms=["tablet"])
    o = _order(st, pb, pid, d.code, dose=1.0, unit="tablet",
               frequency="q6h", start_ms=start)
    refused = st.call(SVC, "RecordNotGiven", pb.RecordNotGivenRequest(
        order_id=o.id, scheduled_ms=start,
        reason=pb.NOT_GIVEN_REASON_PATIENT_REFUSED, text="felt sick"),
        role="nurse")
    given = st.call(SVC, "RecordAdministration",
                    pb.RecordAdministrationRequest(
                        order_id=o.id, dose=1.0, unit="tablet",
                        verification_token=keys.token(pid)), role="nurse")
    return d, o, refused, given


def _heparin(st, pb, pid, keys, start):
    """A heparin infusion at 2 then 1 mL/h, stopped: two charted
    segments."""
    d = _drug(st, pb, "HEP", name="Heparin 25,000 units in 50 mL",
              unit="[iU]", max_single_dose=10000.0, max_daily_dose=40000.0,
              routes=["iv"], concentration_amount=25000.0,
              concentration_volume_ml=50.0, infusion_max_rate=2000.0,
              infusion_rate_ceiling=3000.0)
    o = _order(st, pb, pid, d.code, dose=5000.0, unit="[iU]", route="iv",
               frequency="once", infusion_rate=1000.0,
               infusion_rate_unit="[iU]/h")
    f = st.call(SVC, "StartInfusion", pb.StartInfusionRequest(
        order_id=o.id, rate=2.0, rate_unit="mL/h", effective_ms=start,
        verification_token=keys.token(pid)), role="nurse")
    st.call(SVC, "ChangeInfusionRate", pb.ChangeInfusionRateRequest(
        infusion_id=f.id, rate=1.0, rate_unit="mL/h",
        effective_ms=start + HOUR, reason="aPTT 90 s, titrated down"),
        role="nurse")
    st.call(SVC, "StopInfusion", pb.StopInfusionRequest(
        infusion_id=f.id, effective_ms=start + 2 * HOUR,
        reason="bag done"), role="nurse")
    return d, o


def _chart(st, pb, keys):
    """A patient with tablets (given and refused), a PRN order, a
    discontinued order and a stopped infusion."""
    pid = str(uuid.uuid4())
    start = now_ms() - 7 * HOUR
    tabs = _tablets(st, pb, pid, keys, start)
    prn = _drug(st, pb, "ONDA", name="Ondansetron 4 mg", unit="mg",
                max_single_dose=8.0, max_daily_dose=24.0)
    p = _order(st, pb, pid, prn.code, dose=4.0, unit="mg", frequency="prn",
               prn=True)
    stopped = _order(st, pb, pid, prn.code, dose=8.0, unit="mg",
                     frequency="q8h")
    st.call(SVC, "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=stopped.id, reason="nausea settled"), role="clinician")
    hep = _heparin(st, pb, pid, keys, start)
    return pid, {"tabs": tabs, "prn": p, "stopped": stopped, "hep": hep}


def _export(st, pb, common, pid, page_size=0, token="", role="clinician"):
    return export_page(st, SVC, pid, page_size, token, role)


def _pages(st, pb, common, pid, page_size=0):
    return export_pages(st, SVC, pid, page_size)


@pytest.fixture(scope="module")
def chart(dstack, pb, keys):
    return _chart(dstack, pb, keys)


@pytest.fixture(scope="module")
def everything(dstack, pb, common, chart):
    """The whole chart in one page, by (type, id)."""
    bundles = _pages(dstack, pb, common, chart[0])
    assert len(bundles) == 1
    return {(r["resourceType"], r["id"]): r for r in resources(bundles[0])}


def _of(found, kind):
    return [r for (t, _), r in found.items() if t == kind]


def test_export_is_valid_r4(dstack, pb, common, chart, validator):
    verdict = {}
    for bundle in _pages(dstack, pb, common, chart[0]):
        assert_valid(validator, bundle)
        check_invariants(bundle)
        assert bundle["entry"][0]["resource"] == {
            "resourceType": "Patient", "id": chart[0]}
        for r in resources(bundle):
            assert_valid(validator, r)
            verdict[r["resourceType"]] = "valid"
    print("R4 schema verdict:", verdict)
    assert set(verdict) == {"Patient", "MedicationRequest",
                            "MedicationAdministration", "Medication"}


def test_a_dose_refers_to_its_order(chart, everything):
    _, o, refused, given = chart[1]["tabs"]
    for admin in (refused, given):
        a = everything[("MedicationAdministration", admin.id)]
        assert a["request"] == {"reference": "MedicationRequest/" + o.id}
        assert a["subject"] == {"reference": "Patient/" + chart[0]}
        assert a["medicationReference"] == \
            everything[("MedicationRequest", o.id)]["medicationReference"]
    a = everything[("MedicationAdministration", given.id)]
    assert a["status"] == "completed"
    assert a["dosage"]["dose"] == {"value": 1, "unit": "tablet"}
    assert a["performer"][0]["actor"]["display"] == "nurse.test"


def test_a_dose_not_given_is_not_done_with_its_reason(chart, everything):
    refused = chart[1]["tabs"][2]
    a = everything[("MedicationAdministration", refused.id)]
    assert a["status"] == "not-done"
    reason = a["statusReason"][0]
    assert reason["coding"][0]["code"] == REFUSED
    assert reason["text"] == "felt sick"
    assert "dosage" not in a


def test_orders_as_requests(chart, everything):
    o = everything[("MedicationRequest", chart[1]["tabs"][1].id)]
    assert (o["status"], o["intent"]) == ("active", "order")
    inst = o["dosageInstruction"][0]
    assert inst["timing"]["repeat"]["period"] == 6
    assert inst["timing"]["repeat"]["periodUnit"] == "h"
    assert inst["route"]["text"] == "oral"
    assert "asNeededBoolean" not in inst
    prn = everything[("MedicationRequest", chart[1]["prn"].id)]
    assert prn["dosageInstruction"][0]["asNeededBoolean"] is True
    stopped = everything[("MedicationRequest", chart[1]["stopped"].id)]
    assert stopped["status"] == "stopped"
    assert stopped["statusReason"]["text"] == "nausea settled"
    hep = everything[("MedicationRequest", chart[1]["hep"][1].id)]
    assert hep["dosageInstruction"][0]["doseAndRate"][0]["rateQuantity"] \
        == {"value": 1000, "unit": "[iU]/h", "code": "[iU]/h",
            "system": "http://unitsofmeasure.org"}


def test_an_infusion_segment_has_its_period_and_rate(chart, everything):
    hep_order = chart[1]["hep"][1]
    segs = [a for a in _of(everything, "MedicationAdministration")
            if a["request"].get("reference") ==
            "MedicationRequest/" + hep_order.id]
    assert len(segs) == 2
    segs.sort(key=lambda a: a["effectivePeriod"]["start"])
    rates = [s["dosage"]["rateQuantity"]["value"] for s in segs]
    assert rates == [2, 1]
    assert segs[0]["effectivePeriod"]["end"] == \
        segs[1]["effectivePeriod"]["start"]
    # 2 mL/h of 500 [iU]/mL for one hour
    assert segs[0]["dosage"]["dose"]["value"] == 1000
    assert segs[0]["dosage"]["dose"]["code"] == "[iU]"


def test_medication_has_code_form_and_strength(chart, everything):
    d = chart[1]["tabs"][0]
    meds = [m for m in _of(everything, "Medication")
            if m["code"]["coding"][0]["code"] == d.code]
    assert len(meds) == 1
    m = meds[0]
    assert m["code"]["coding"][0]["system"] == \
        "urn:smartmed:dosage:catalogue"
    assert m["form"]["text"] == "tablet"
    ing = m["ingredient"][0]
    assert ing["itemCodeableConcept"]["text"] == "paracetamol"
    assert ing["strength"]["numerator"]["value"] == 500
    assert ing["strength"]["numerator"]["code"] == "mg"
    assert ing["strength"]["denominator"] == {"value": 1, "unit": "tablet"}
    # one Medication per drug, however many orders name it
    assert len(_of(everything, "Medication")) == 3


def test_paging_to_the_end(dstack, pb, common, chart, validator):
    bundles = _pages(dstack, pb, common, chart[0], page_size=1)
    # 4 orders, then 2 tablet records and 2 infusion segments
    assert len(bundles) == 8
    seen = set()
    for b in bundles:
        assert_valid(validator, b)
        check_invariants(b)
        items = [(r["resourceType"], r["id"]) for r in resources(b)
                 if r["resourceType"].startswith("Medication") and
                 r["resourceType"] != "Medication"]
        assert len(items) == 1
        seen |= set(items)
        for r in resources(b):
            if r["resourceType"] == "MedicationAdministration":
                # its order is on another page: a logical reference
                assert r["request"]["identifier"]["system"] == \
                    "urn:smartmed:dosage:order"
    assert len(seen) == 8
    past = _export(dstack, pb, common, chart[0], page_size=50,
                   token=_export(dstack, pb, common, chart[0],
                                 page_size=7).page.next_page_token)
    assert json.loads(past.bundle_json)["entry"][0]["resource"][
        "resourceType"] == "Patient"
    assert past.n_resources == 3 and not past.page.next_page_token


def test_roles_are_those_of_list_orders(dstack, pb, common, chart):
    for role in ("clinician", "nurse", "pharmacist"):
        assert _export(dstack, pb, common, chart[0], role=role).n_resources
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _export, dstack, pb,
                  common, chart[0], role="auditor")


def test_bad_and_unknown_patient(dstack, pb, common):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _export, dstack, pb,
                  common, "not a uuid", details_prefix="patient_id")
    expect_status(grpc.StatusCode.NOT_FOUND, _export, dstack, pb, common,
                  str(uuid.uuid4()), details_prefix="patient_id")


def _typed(st, pb, common, pid, types):
    """(type, id) of every resource of the export narrowed to types, two
    items a page."""
    seen, token = [], ""
    for _ in range(50):
        r = st.call(SVC, "ExportFhir", pb.ExportFhirRequest(
            patient_id=pid, types=types, page=common.PageRequest(
                page_size=2, page_token=token)), role="clinician")
        seen += [(x["resourceType"], x["id"])
                 for x in resources(json.loads(r.bundle_json))]
        token = r.page.next_page_token
        if not token:
            return set(seen)
    raise AssertionError("the pages do not end")


def test_types_narrow_what_is_read(dstack, pb, common, chart, everything):
    """Issue 49: the facade sends a search's type, and dosage reads only
    the orders for MedicationRequest, so that search does not page
    through every dose behind them; a MedicationAdministration search
    still gets the orders (its doses refer to them)."""
    pid = chart[0]

    def of(found, kind):
        return {(t, i) for t, i in found if t == kind}

    requests = _typed(dstack, pb, common, pid, ["MedicationRequest"])
    assert of(requests, "MedicationRequest") == of(
        everything, "MedicationRequest") != set()
    assert not of(requests, "MedicationAdministration")
    for types in (["MedicationAdministration"], ["Medication"]):
        assert _typed(dstack, pb, common, pid, types) == set(everything)
    # A patient with nothing of a type is an empty page, not NOT_FOUND.
    assert {t for t, _ in _typed(dstack, pb, common, str(uuid.uuid4()),
                                 ["MedicationRequest"])} <= {"Patient"}
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, dstack.call, SVC,
                  "ExportFhir", pb.ExportFhirRequest(
                      patient_id=pid, types=["Condition"]),
                  role="clinician", details_prefix="types")


def test_statuses_narrow_the_doses(dstack, pb, common, chart, everything):
    """Issue 49: MedicationAdministration?status= is sent as statuses, and
    dosage reads only the doses of those statuses (on its index
    (patient_id, status, effective_ms)); the orders still come."""
    pid = chart[0]
    refused = chart[1]["tabs"][2].id

    def doses(statuses):
        seen, token = [], ""
        for _ in range(50):
            r = dstack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
                patient_id=pid, types=["MedicationAdministration"],
                statuses=statuses, page=common.PageRequest(
                    page_size=2, page_token=token)), role="clinician")
            seen += [(x["id"], x["status"])
                     for x in resources(json.loads(r.bundle_json))
                     if x["resourceType"] == "MedicationAdministration"]
            token = r.page.next_page_token
            if not token:
                return seen
        raise AssertionError("the pages do not end")

    every = {(r["id"], r["status"]) for r in _of(everything,
                                                 "MedicationAdministration")}
    assert doses(["not-done"]) == [(refused, "not-done")]
    assert set(doses(["completed", "not-done"])) == every
    assert doses(["in-progress"]) == []  # the infusion was stopped
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, dstack.call, SVC,
                  "ExportFhir", pb.ExportFhirRequest(
                      patient_id=pid, statuses=[""]),
                  role="clinician", details_prefix="statuses")
