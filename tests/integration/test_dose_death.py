"""A death sent by the PAS stops the charting (issue 47, item 6), replayed
the way a ward meets it: a patient on the ward has orders and doses; the
PAS sends an ADT^A08 with PID-29 (the time of death) and PID-30 Y; a nurse
then tries to chart the next dose, a prescriber to write a new order, a
second nurse to co-sign a high-alert dose.  Before this change the death
was acknowledged and ignored and every one of these was accepted.

Real services (audit, identity, records, dosage, the HL7 interface and the
FHIR facade), real MariaDB, gRPC and MLLP over loopback."""

import json
import ssl
import time
import urllib.error
import urllib.request
import uuid

import grpc
import pytest

from harness.fixtures import assess_allergies
from harness import hl7, protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
MIN = 60 * 1000
PRE = grpc.StatusCode.FAILED_PRECONDITION
BAD = grpc.StatusCode.INVALID_ARGUMENT

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               hl7=True, fhir=True)

PROTOS = SERVICES


@pytest.fixture(scope="module")
def drugs(st, pb):
    d = pb["dosage"]
    para = "DD-PARA-" + uuid.uuid4().hex[:8].upper()
    ins = "DD-INS-" + uuid.uuid4().hex[:8].upper()
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=para, name="Paracetamol 500 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0)), role="pharmacist")
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=ins, name="Insulin soluble 100 units/mL", unit="[iU]",
        max_single_dose=40.0, max_daily_dose=150.0, high_alert=True,
        routes=["sc"])), role="pharmacist")
    hep = "DD-HEP-" + uuid.uuid4().hex[:8].upper()
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=hep, name="Heparin 25,000 units in 50 mL infusion",
        unit="[iU]", max_single_dose=10000.0, max_daily_dose=40000.0,
        routes=["iv"], concentration_amount=25000.0,
        concentration_volume_ml=50.0, infusion_max_rate=2000.0,
        infusion_rate_ceiling=3000.0)), role="pharmacist")
    return {"para": para, "ins": ins, "hep": hep}


def hl7_time(ms):
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(ms / 1000.0))


def adt(trigger, mrn, died_ms=None, indicator=""):
    """An ADT message whose PID carries PID-29/30."""
    pid = ["PID", "1", "", "%s^^^HOSP^MR" % mrn, "", "Last^Ward", "",
           "19480211", "M"] + [""] * 20
    pid += [hl7_time(died_ms) if died_ms else "", indicator]
    head = "MSH|^~\\&|PAS|HOSP|SMARTMED|HOSP|%s||ADT^%s|%s|P|2.5.1" % (
        hl7_time(now_ms()), trigger, uuid.uuid4().hex[:20])
    return "\r".join((head, "EVN|%s|%s" % (trigger, hl7_time(now_ms())),
                      "|".join(pid), "PV1|1|I|W9^1^A")) + "\r"


def send(st, msg):
    with hl7.Mllp(st) as conn:
        return hl7.ack_fields(conn.send(msg))


def patient(st, pb, birth="1948-02-11"):
    p = pb["identity"]
    pt = st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="DD-" + uuid.uuid4().hex[:12].upper(), family_name="Last",
        given_name="Ward", birth_date=birth,
        sex=p.ADMINISTRATIVE_SEX_MALE), role="registrar")
    # A first dose waits for an allergy assessment (issue 47).
    assess_allergies(st, pt.patient_id)
    return pt


def get_patient(st, pb, pid):
    return st.call("identity", "GetPatient",
                   pb["identity"].GetPatientRequest(patient_id=pid),
                   role="registrar")


def record_death(st, pb, pid, died_ms=None, deceased=None):
    p = pb["identity"]
    cur = get_patient(st, pb, pid)
    req = p.UpdatePatientRequest(patient_id=pid,
                                 expected_version=cur.version,
                                 reason="death certified on the ward")
    if died_ms is not None:
        req.deceased_ms = died_ms
    if deceased is not None:
        req.deceased = deceased
    return st.call("identity", "UpdatePatient", req, role="registrar")


def order(st, pb, pid, drug, **kw):
    d = pb["dosage"]
    args = dict(patient_id=pid, drug_code=drug, dose=500.0, unit="mg",
                route="oral", frequency="q6h", start_ms=now_ms() - 7 * HOUR)
    args.update(kw)
    return st.call("dosage", "CreateOrder",
                   d.CreateOrderRequest(order=d.Order(**args)),
                   role="clinician")


def give(st, pb, o, at=0, dose=500.0, unit="mg"):
    d = pb["dosage"]
    return st.call("dosage", "RecordAdministration",
                   d.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit=unit, effective_ms=at,
                       identity_override=d.Override(
                           reason=d.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse")


def mar(st, pb, pid):
    return st.call("dosage", "GetMar",
                   pb["dosage"].GetMarRequest(patient_id=pid), role="nurse")


def fhir_get(st, url, role="clinician"):
    req = urllib.request.Request(st.fhir_url() + "/" + url)
    req.add_header("Authorization", "Bearer " + st.token(role))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def fhir_time_ms(text):
    """Unix ms of a FHIR instant "2026-11-24T13:05:00.000Z"."""
    import datetime
    return int(datetime.datetime.fromisoformat(
        text.replace("Z", "+00:00")).timestamp() * 1000)


# --- identity holds the death ------------------------------------------------


def test_a08_death_reaches_identity_and_fhir(st, pb):
    pt = patient(st, pb)
    died = (now_ms() - HOUR) // 1000 * 1000
    ack = send(st, adt("A08", pt.mrn, died_ms=died, indicator="Y"))
    assert ack["MSA"][1] == "AA", ack
    got = get_patient(st, pb, pt.patient_id)
    assert got.deceased and got.deceased_ms == died
    assert got.version == pt.version + 1
    status, body = fhir_get(st, "Patient/" + pt.patient_id)
    assert status == 200, body
    assert fhir_time_ms(body["deceasedDateTime"]) == died
    assert "deceasedBoolean" not in body
    # Resent: nothing changes, no new version.
    ack = send(st, adt("A08", pt.mrn, died_ms=died, indicator="Y"))
    assert ack["MSA"][1] == "AA", ack
    assert get_patient(st, pb, pt.patient_id).version == pt.version + 1
    hist = st.call("identity", "PatientHistory",
                   pb["identity"].PatientHistoryRequest(
                       patient_id=pt.patient_id), role="registrar")
    last = hist.versions[-1]
    assert last.deceased and last.deceased_ms == died
    assert "deceased_ms" in last.changed_fields


def test_a03_indicator_without_time(st, pb):
    """PID-30 Y with no PID-29 on the discharge: a death whose time is not
    known, shown as deceasedBoolean; no dose is charted at all."""
    pt = patient(st, pb)
    p = pb["identity"]
    st.call("identity", "Admit", p.AdmitRequest(
        patient_id=pt.patient_id, encounter_class=p.ENCOUNTER_CLASS_INPATIENT,
        ward="W9", bed="1", attending="dr.who", reason="sepsis"),
        role="registrar")
    time.sleep(1.1)  # EVN-2 is to the second: after the admission
    ack = send(st, adt("A03", pt.mrn, indicator="Y"))
    assert ack["MSA"][1] == "AA", ack
    got = get_patient(st, pb, pt.patient_id)
    assert got.deceased and got.deceased_ms == 0
    status, body = fhir_get(st, "Patient/" + pt.patient_id)
    assert body.get("deceasedBoolean") is True, body
    assert "deceasedDateTime" not in body


def test_bad_death_fields_refused(st, pb):
    pt = patient(st, pb)
    ack = send(st, adt("A08", pt.mrn, indicator="X"))
    assert ack["MSA"][1] == "AE" and "PID-30" in ack["MSA"][3], ack
    ack = send(st, adt("A08", pt.mrn, died_ms=now_ms() - HOUR,
                       indicator="N"))
    assert ack["MSA"][1] == "AE" and "PID-29" in ack["MSA"][3], ack
    expect_status(BAD, record_death, st, pb, pt.patient_id,
                  died_ms=now_ms() + 2 * HOUR,
                  details_prefix="deceased_ms: the time of death is in "
                  "the future")
    child = patient(st, pb, birth="2020-05-01")
    expect_status(BAD, record_death, st, pb, child.patient_id,
                  died_ms=1556668800000,  # 2019-05-01
                  details_prefix="deceased_ms: the time of death is "
                  "before the birth date")
    expect_status(BAD, record_death, st, pb, pt.patient_id,
                  died_ms=now_ms() - HOUR, deceased=False,
                  details_prefix="deceased_ms:")
    assert not get_patient(st, pb, pt.patient_id).deceased


def test_death_withdrawn(st, pb):
    """A death recorded in error is withdrawn (deceased false): its time
    goes with it and doses are charted again."""
    pt = patient(st, pb)
    record_death(st, pb, pt.patient_id, died_ms=now_ms() - HOUR)
    back = record_death(st, pb, pt.patient_id, deceased=False)
    assert not back.deceased and back.deceased_ms == 0


# --- dosage stops at the death ------------------------------------------------


def test_no_dose_after_death(st, pb, drugs):
    d = pb["dosage"]
    pt = patient(st, pb)
    o = order(st, pb, pt.patient_id, drugs["para"])
    given = give(st, pb, o, at=now_ms() - 7 * HOUR + MIN)
    died = now_ms() - HOUR
    ack = send(st, adt("A08", pt.mrn, died_ms=died, indicator="Y"))
    assert ack["MSA"][1] == "AA", ack
    # The next dose, charted now: refused, naming the death.
    e = expect_status(PRE, give, st, pb, o,
                      details_prefix="effective_ms: the patient died at ")
    assert "no dose is given after death" in e.details()
    # A dose given before the death and charted late is still a dose.
    late = give(st, pb, o, at=died - 10 * MIN)
    assert late.status == "completed"
    # No new order for the dead.
    expect_status(PRE, order, st, pb, pt.patient_id, drugs["para"],
                  details_prefix="order.patient_id: the patient died at ")
    # The order reads as ended at the death.
    got = st.call("dosage", "GetOrder", d.GetOrderRequest(order_id=o.id),
                  role="nurse")
    assert got.status == d.ORDER_STATUS_STOPPED
    assert got.ended_at_death and got.fhir_status == "stopped"
    assert got.patient_deceased_ms == died // 1000 * 1000
    assert got.end_ms == got.patient_deceased_ms
    listed = st.call("dosage", "ListOrders", d.ListOrdersRequest(
        patient_id=pt.patient_id), role="nurse").orders
    assert [x.ended_at_death for x in listed] == [True]
    assert not st.call("dosage", "ListDue", d.ListDueRequest(
        patient_id=pt.patient_id), role="nurse").items
    assert given.id
    # The FHIR facade's MedicationRequest says so too.
    status, bundle = fhir_get(st, "MedicationRequest?patient=" +
                              pt.patient_id)
    assert status == 200, bundle
    reqs = [e["resource"] for e in bundle.get("entry", [])
            if e["resource"]["resourceType"] == "MedicationRequest"]
    assert [r["status"] for r in reqs] == ["stopped"], reqs


def test_mar_shows_death(st, pb, drugs):
    d = pb["dosage"]
    pt = patient(st, pb)
    o = order(st, pb, pt.patient_id, drugs["para"])
    died = (now_ms() - 2 * HOUR) // 1000 * 1000
    record_death(st, pb, pt.patient_id, died_ms=died)
    m = mar(st, pb, pt.patient_id)
    assert m.patient.deceased and m.patient.deceased_ms == died
    assert m.patient.deceased_text.startswith("Died 20"), m.patient
    assert m.patient.deceased_time
    line = [x for x in m.orders if x.order.id == o.id][0]
    assert line.order.ended_at_death
    # Nothing scheduled after the death, nothing invites a dose.
    assert all(s.scheduled_ms < died for s in line.slots)
    assert not [s for s in line.slots if s.state in (
        d.MAR_SLOT_STATE_UPCOMING, d.MAR_SLOT_STATE_DUE,
        d.MAR_SLOT_STATE_LATE)]


def test_infusion_after_death(st, pb, drugs):
    """A pump running at the death may be stopped; its rate is not
    changed and no infusion is started."""
    d = pb["dosage"]
    pt = patient(st, pb)
    ovr = d.Override(reason=d.OVERRIDE_REASON_EMERGENCY,
                     text="wristband scanned, two identifiers")
    hep = [order(st, pb, pt.patient_id, drugs["hep"], dose=5000.0,
                 unit="[iU]", route="iv", frequency="once", start_ms=0)
           for _ in range(2)]
    f = st.call("dosage", "StartInfusion", d.StartInfusionRequest(
        order_id=hep[0].id, rate=2.0, rate_unit="mL/h",
        identity_override=ovr), role="nurse")
    record_death(st, pb, pt.patient_id, died_ms=now_ms())
    expect_status(PRE, st.call, "dosage", "ChangeInfusionRate",
                  d.ChangeInfusionRateRequest(
                      infusion_id=f.id, rate=3.0, rate_unit="mL/h",
                      reason="aPTT low, titrated"), role="nurse",
                  details_prefix="effective_ms: the patient died at ")
    expect_status(PRE, st.call, "dosage", "StartInfusion",
                  d.StartInfusionRequest(order_id=hep[1].id, rate=2.0,
                                         rate_unit="mL/h",
                                         identity_override=ovr),
                  role="nurse",
                  details_prefix="effective_ms: the patient died at ")
    stopped = st.call("dosage", "StopInfusion", d.StopInfusionRequest(
        infusion_id=f.id, reason="patient died"), role="nurse")
    assert stopped.rate_drug_unit_per_hour == 0


def test_cosign_after_death(st, pb, drugs):
    d = pb["dosage"]
    pt = patient(st, pb)
    o = order(st, pb, pt.patient_id, drugs["ins"], dose=6.0, unit="[iU]",
              route="sc", frequency="once", start_ms=now_ms() - HOUR)
    record_death(st, pb, pt.patient_id, died_ms=now_ms() - 10 * MIN)
    expect_status(PRE, st.call, "dosage", "CosignAdministration",
                  d.CosignAdministrationRequest(
                      order_id=o.id, patient_id=pt.patient_id, dose=6.0,
                      unit="[iU]"), role="nurse",
                  details_prefix="patient_id: the patient died at ")


# --- CheckDose answers as the charting does (issue 74) -------------------------


def check(st, pb, o=None, pid=None, drug=None, at=0):
    d = pb["dosage"]
    if o is not None:
        req = d.CheckDoseRequest(order_id=o.id, at_ms=at)
    else:
        req = d.CheckDoseRequest(proposed=d.ProposedDose(
            patient_id=pid, drug_code=drug, dose=500.0, unit="mg"), at_ms=at)
    return st.call("dosage", "CheckDose", req, role="nurse")


def test_check_dose_refuses_as_the_charting_does(st, pb, drugs):
    """Before: CheckDose answered ok for a dead patient while
    RecordAdministration refused the same dose.  Now both refuse it with
    the same status and reason, field aside."""
    pt = patient(st, pb)
    o = order(st, pb, pt.patient_id, drugs["para"])
    assert check(st, pb, o).checks  # alive: checked
    died = (now_ms() - HOUR) // 1000 * 1000
    record_death(st, pb, pt.patient_id, died_ms=died)
    charted = expect_status(PRE, give, st, pb, o,
                            details_prefix="effective_ms: the patient died ")
    reason = charted.details().split(": ", 1)[1]
    for by in (dict(o=o), dict(pid=pt.patient_id, drug=drugs["para"])):
        e = expect_status(PRE, check, st, pb, **by,
                          details_prefix="at_ms: the patient died at ")
        assert e.details() == "at_ms: " + reason, (e.details(), reason)
    # A dose before the death is still checked (a late entry's check).
    assert check(st, pb, o, at=died - 10 * MIN).checks
    # A death whose time is not known: nothing is checked, as nothing
    # is charted.
    other = patient(st, pb)
    o2 = order(st, pb, other.patient_id, drugs["para"])
    record_death(st, pb, other.patient_id, deceased=True)
    expect_status(PRE, check, st, pb, o2,
                  details_prefix="at_ms: the patient has died (identity "
                  "has no time of death)")


# --- a death survives a merge (issue 74) ---------------------------------------


def link(st, pb, survivor, merged):
    return st.call("identity", "LinkPatients",
                   pb["identity"].LinkPatientsRequest(
                       survivor_id=survivor, merged_id=merged,
                       reason="duplicate registration"), role="registrar")


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(ms / 1000)) + \
        "%03dZ" % (ms % 1000)


def test_merged_death_is_the_survivors(st, pb, drugs):
    """A duplicate registered when the patient died in the ED is merged
    into the ward's living record: before, the death was dropped and the
    next dose on the ward was charted.  Now the survivor is dead from the
    merge on, the registrar is told, and an unmerge gives it back."""
    d = pb["dosage"]
    ward, dup = patient(st, pb), patient(st, pb)
    o = order(st, pb, ward.patient_id, drugs["para"])
    died = (now_ms() - HOUR) // 1000 * 1000
    record_death(st, pb, dup.patient_id, died_ms=died)
    lk = link(st, pb, ward.patient_id, dup.patient_id)
    assert lk.death_note == (
        "the merged record's death (%s) is the survivor's: no dose is "
        "charted after it" % iso(died)), lk.death_note
    got = get_patient(st, pb, ward.patient_id)
    assert got.deceased and got.deceased_ms == died
    assert got.deceased_record_id == dup.patient_id
    assert got.version == ward.version  # nothing copied: read through
    e = expect_status(PRE, give, st, pb, o,
                      details_prefix="effective_ms: the patient died at ")
    assert iso(died)[:19] in e.details()
    expect_status(PRE, check, st, pb, o,
                  details_prefix="at_ms: the patient died at ")
    expect_status(PRE, order, st, pb, ward.patient_id, drugs["para"],
                  details_prefix="order.patient_id: the patient died at ")
    got = st.call("dosage", "GetOrder", d.GetOrderRequest(order_id=o.id),
                  role="nurse")
    assert got.ended_at_death and got.patient_deceased_ms == died
    status, body = fhir_get(st, "Patient/" + ward.patient_id)
    assert status == 200 and fhir_time_ms(body["deceasedDateTime"]) == died
    # A search finds the survivor dead too (gRPC, and the FHIR search).
    found = st.call("identity", "SearchPatients",
                    pb["identity"].SearchPatientsRequest(mrn=ward.mrn),
                    role="registrar").patients
    assert [(p.deceased, p.deceased_ms, p.deceased_record_id)
            for p in found] == [(True, died, dup.patient_id)], found
    status, body = fhir_get(st, "Patient?identifier=" + ward.mrn)
    assert status == 200, body
    pts = [e["resource"] for e in body.get("entry", [])]
    assert [fhir_time_ms(p["deceasedDateTime"]) for p in pts] == [died]
    # The merge undone: each record has its own death again.
    st.call("identity", "UnlinkPatients", pb["identity"].UnlinkPatientsRequest(
        link_id=lk.link_id, reason="merged in error"), role="registrar")
    back = get_patient(st, pb, ward.patient_id)
    assert not back.deceased and not back.deceased_record_id
    found = st.call("identity", "SearchPatients",
                    pb["identity"].SearchPatientsRequest(mrn=ward.mrn),
                    role="registrar").patients
    assert [p.deceased for p in found] == [False]
    assert give(st, pb, o).status == "completed"


def test_inherited_death_withdrawn_only_by_the_unlink(st, pb, drugs):
    """A registrar (or the PAS, PID-30 N) saying the survivor is alive
    while its merged record holds a death is refused, naming the record:
    before, the update answered ok and the death stayed."""
    ward, dup = patient(st, pb), patient(st, pb)
    record_death(st, pb, dup.patient_id, died_ms=now_ms() - HOUR)
    link(st, pb, ward.patient_id, dup.patient_id)
    want = ("deceased: the death is recorded on record %s, merged into "
            "this one; undo that link (UnlinkPatients) to withdraw it" %
            dup.patient_id)
    expect_status(PRE, record_death, st, pb, ward.patient_id,
                  deceased=False, details_prefix=want)
    ack = send(st, adt("A08", ward.mrn, indicator="N"))
    assert ack["MSA"][1] == "AE" and dup.patient_id in ack["MSA"][3], ack
    assert get_patient(st, pb, ward.patient_id).deceased


def test_both_dead_keeps_the_earlier_death(st, pb, drugs):
    ward, dup = patient(st, pb), patient(st, pb)
    early = (now_ms() - 3 * HOUR) // 1000 * 1000
    late = early + 2 * HOUR
    record_death(st, pb, ward.patient_id, died_ms=late)
    record_death(st, pb, dup.patient_id, died_ms=early)
    lk = link(st, pb, ward.patient_id, dup.patient_id)
    assert lk.death_note == (
        "both records record a death: the survivor keeps the earlier, %s "
        "(recorded on the merged record; the surviving record's: %s)" % (
            iso(early), iso(late))), lk.death_note
    got = get_patient(st, pb, ward.patient_id)
    assert got.deceased_ms == early
    assert got.deceased_record_id == dup.patient_id
    # The survivor's own earlier death stands and is its own.
    first, second = patient(st, pb), patient(st, pb)
    record_death(st, pb, first.patient_id, died_ms=early)
    record_death(st, pb, second.patient_id, died_ms=late)
    lk = link(st, pb, first.patient_id, second.patient_id)
    assert "keeps the earlier, %s (recorded on the surviving record" % (
        iso(early)) in lk.death_note, lk.death_note
    got = get_patient(st, pb, first.patient_id)
    assert got.deceased_ms == early and not got.deceased_record_id
    # A living duplicate merged into a dead record changes nothing.
    alive = patient(st, pb)
    assert not link(st, pb, first.patient_id, alive.patient_id).death_note


def a40(survivor_mrn, merged_mrn):
    head = "MSH|^~\\&|PAS|HOSP|SMARTMED|HOSP|%s||ADT^A40|%s|P|2.5.1" % (
        hl7_time(now_ms()), uuid.uuid4().hex[:20])
    pid = "PID|1||%s^^^HOSP^MR||Last^Ward||19480211|M" % survivor_mrn
    return "\r".join((head, "EVN|A40|%s" % hl7_time(now_ms()), pid,
                      "MRG|%s^^^HOSP^MR" % merged_mrn)) + "\r"


def test_a40_merge_of_a_dead_duplicate(st, pb, drugs):
    """The PAS merges the duplicate on which it recorded the death (A08
    PID-29/30) into the living record (A40): the survivor's next dose is
    refused."""
    ward, dup = patient(st, pb), patient(st, pb)
    o = order(st, pb, ward.patient_id, drugs["para"])
    died = (now_ms() - HOUR) // 1000 * 1000
    ack = send(st, adt("A08", dup.mrn, died_ms=died, indicator="Y"))
    assert ack["MSA"][1] == "AA", ack
    ack = send(st, a40(ward.mrn, dup.mrn))
    assert ack["MSA"][1] == "AA", ack
    got = get_patient(st, pb, ward.patient_id)
    assert got.deceased and got.deceased_ms == died
    expect_status(PRE, give, st, pb, o,
                  details_prefix="effective_ms: the patient died at ")


def test_search_page_of_many_survivors(st, pb, drugs):
    """A page of more survivors than one statement asks about (48): the
    dead merged records of the first and of the last are both found."""
    p = pb["identity"]
    family = "Page" + uuid.uuid4().hex[:8]
    ids = [st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="DP-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name="N%02d" % i, birth_date="1950-01-01",
        sex=p.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
        for i in range(52)]
    died = (now_ms() - HOUR) // 1000 * 1000
    # The first and the last of the page survive a dead duplicate each.
    for survivor, dup in ((ids[0], ids[1]), (ids[50], ids[51])):
        record_death(st, pb, dup, died_ms=died)
        link(st, pb, survivor, dup)
    found = st.call("identity", "SearchPatients", p.SearchPatientsRequest(
        family_name_prefix=family,
        page=protos.common().PageRequest(page_size=100)),
        role="registrar").patients
    dead = sorted(x.patient_id for x in found if x.deceased)
    assert len(found) == 50, len(found)
    assert dead == sorted([ids[0], ids[50]]), dead
