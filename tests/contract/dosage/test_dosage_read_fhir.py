"""Contract of dosage's ReadFhir (issue 35): one MedicationRequest,
MedicationAdministration or Medication of the export by id, as ExportFhir
writes it; a running infusion as an in-progress MedicationAdministration
of its current segment (in the export too); a superseded order version
and an unknown id NOT_FOUND; INVALID_ARGUMENT naming the field; the
export's roles."""

import json
import time
import uuid

import grpc

from harness import protos
from harness.fixtures import assess_allergies
from harness.checks import expect_status

SVC = "dosage"
HOUR = 3600 * 1000


def _read(st, pb, type_, id_, version=0, role="clinician"):
    return st.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type=type_, id=id_, version=version), role=role)


def _export(st, pb, pid):
    common = protos.module("common")
    r = st.call(SVC, "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid, page=common.PageRequest(page_size=100)),
        role="clinician")
    return {(e["resource"]["resourceType"], e["resource"]["id"]):
            e["resource"] for e in json.loads(r.bundle_json)["entry"]}


def _chart(st, pb, keys):
    """Tablets (an order modified once, a dose given) and a heparin
    infusion still running after a rate change."""
    pid = str(uuid.uuid4())
    tab = st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="PARA-" + uuid.uuid4().hex[:10], name="Paracetamol 500 mg",
        unit="tablet", routes=["oral"], max_single_dose=2.0,
        max_daily_dose=8.0)), role="pharmacist")
    assess_allergies(st, pid, svc=SVC)
    o1 = st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=pid, drug_code=tab.code, dose=1.0, unit="tablet",
        route="oral", frequency="q6h")), role="clinician")
    o2 = st.call(SVC, "ModifyOrder", pb.ModifyOrderRequest(
        order_id=o1.id, reason="two tablets", order=pb.Order(
            patient_id=pid, drug_code=tab.code, dose=2.0, unit="tablet",
            route="oral", frequency="q6h")), role="clinician")
    dose = st.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=o2.id, dose=2.0, unit="tablet",
        verification_token=keys.token(pid)), role="nurse")
    hep = st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="HEP-" + uuid.uuid4().hex[:10], name="Heparin infusion",
        unit="[iU]", max_single_dose=10000.0, max_daily_dose=40000.0,
        routes=["iv"], concentration_amount=25000.0,
        concentration_volume_ml=50.0, infusion_max_rate=2000.0,
        infusion_rate_ceiling=3000.0)), role="pharmacist")
    o3 = st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=pid, drug_code=hep.code, dose=5000.0, unit="[iU]",
        route="iv", frequency="once")), role="clinician")
    start = int(time.time() * 1000) - 2 * HOUR
    inf = st.call(SVC, "StartInfusion", pb.StartInfusionRequest(
        order_id=o3.id, rate=2.0, rate_unit="mL/h", effective_ms=start,
        verification_token=keys.token(pid)), role="nurse")
    st.call(SVC, "ChangeInfusionRate", pb.ChangeInfusionRateRequest(
        infusion_id=inf.id, rate=1.5, rate_unit="mL/h",
        effective_ms=start + HOUR, reason="titrated"), role="nurse")
    return pid, o1, o2, dose, inf


def test_every_exported_resource_reads_as_exported(vstack, vkeys):
    pb = protos.module(SVC)
    pid, _, o2, dose, inf = _chart(vstack, pb, vkeys[0])
    exported = _export(vstack, pb, pid)
    for (type_, id_), res in exported.items():
        if type_ == "Patient":
            continue
        r = _read(vstack, pb, type_, id_, role="nurse")
        assert json.loads(r.resource_json) == res, (type_, id_)
        assert not r.versions_kept
        assert r.patient_id == ("" if type_ == "Medication" else pid)
    assert _read(vstack, pb, "MedicationRequest", o2.id).version == 2
    assert _read(vstack, pb, "MedicationAdministration",
                 dose.id).version == 1
    running = _read(vstack, pb, "MedicationAdministration", inf.id)
    body = json.loads(running.resource_json)
    assert body["status"] == "in-progress"
    assert body["effectivePeriod"]["start"] and \
        "end" not in body["effectivePeriod"]
    assert body["dosage"]["rateQuantity"]["value"] == 1.5
    assert running.version == 2  # started, changed once
    # How the patient was identified, on the dose and on the infusion.
    kept = [{"url": "identifiers", "valueCode": "wristband+face"},
            {"url": "checkedBy", "valueReference": {"display": "dev"}},
            {"url": "terminal", "valueString": "ward3-bed7"}]
    for r in (body, exported[("MedicationAdministration", dose.id)]):
        got = [x["extension"] for x in r.get("extension", [])
               if x["url"].endswith("/patient-identification")]
        assert got == [kept], r
    # The charted segment before the change is a completed one.
    completed = [r for (t, _), r in exported.items()
                 if t == "MedicationAdministration"
                 and r["status"] == "completed"
                 and r.get("effectivePeriod")]
    assert len(completed) == 1


def test_stopped_infusion_is_no_longer_in_progress(vstack, vkeys):
    pb = protos.module(SVC)
    pid, _, _, _, inf = _chart(vstack, pb, vkeys[0])
    vstack.call(SVC, "StopInfusion", pb.StopInfusionRequest(
        infusion_id=inf.id, reason="bag finished"), role="nurse")
    expect_status(grpc.StatusCode.NOT_FOUND, _read, vstack, pb,
                  "MedicationAdministration", inf.id)
    assert not [r for (t, _), r in _export(vstack, pb, pid).items()
                if t == "MedicationAdministration"
                and r["status"] == "in-progress"]


def test_not_found_and_invalid(vstack, vkeys):
    pb = protos.module(SVC)
    _, o1, o2, dose, _ = _chart(vstack, pb, vkeys[0])
    for type_, id_, version in (
            # A superseded version is not a resource of the export.
            ("MedicationRequest", o1.id, 0),
            ("MedicationRequest", o2.id, 1),
            ("MedicationRequest", str(uuid.uuid4()), 0),
            ("MedicationRequest", dose.id, 0),
            ("MedicationAdministration", o2.id, 0),
            ("Medication", "drug-" + "0" * 32, 0)):
        err = expect_status(grpc.StatusCode.NOT_FOUND, _read, vstack, pb,
                            type_, id_, version)
        assert err.details().startswith("id: no ")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, vstack, pb,
                  "Observation", o2.id, details_prefix="type:")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, vstack, pb,
                  "Medication", "x/y", details_prefix="id:")


def test_roles_as_the_export(vstack, vkeys):
    pb = protos.module(SVC)
    _, _, o2, _, _ = _chart(vstack, pb, vkeys[0])
    _read(vstack, pb, "MedicationRequest", o2.id, role="pharmacist")
    for role in ("registrar", "auditor"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, _read, vstack, pb,
                      "MedicationRequest", o2.id, role=role)


def test_export_pages_one_item_at_a_time_by_key(vstack, vkeys):
    """ExportFhir's page token is a key (issue 49): the offset among the
    current orders, then the last administration's or running infusion's
    (time, id), so a page costs the same after any number of doses.  Paged
    one item at a time, the export holds each resource of the whole page
    once; a made-up or old offset token is INVALID_ARGUMENT naming it."""
    pb = protos.module(SVC)
    common = protos.module("common")
    pid = _chart(vstack, pb, vkeys[0])[0]
    whole = {k for k in _export(vstack, pb, pid)
             if k[0] in ("MedicationRequest", "MedicationAdministration")}
    seen, token, kinds = [], "", set()
    for _ in range(20):
        r = vstack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
            patient_id=pid, page=common.PageRequest(
                page_size=1, page_token=token)), role="clinician")
        seen += [(e["resource"]["resourceType"], e["resource"]["id"])
                 for e in json.loads(r.bundle_json)["entry"]
                 if e["resource"]["resourceType"] in (
                     "MedicationRequest", "MedicationAdministration")]
        token = r.page.next_page_token
        kinds.add(token[:2])
        if not token:
            break
    assert len(seen) == len(set(seen)) and set(seen) == whole, (seen, whole)
    assert {"dO", "dA"} <= kinds, kinds  # the running infusion is last
    for bad in ("o1.1", "dA.1", "dX.1." + pid, "dO.-1", "dR.1.x"):
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                      "ExportFhir", pb.ExportFhirRequest(
                          patient_id=pid,
                          page=common.PageRequest(page_token=bad)),
                      role="clinician", details_prefix="page.page_token")
