"""Issue 47, items 4 and 5 (and the stale renal stop of item 7): the dose
checks read the labs and the pregnancy the system stores.  Replayed the way
a ward meets them, through the running services: a potassium arriving by
HL7 ORU, an INR and a creatinine charted in records, a pregnancy on the
problem list or a positive hCG, the sample catalogue's lab rules
(tests/data/dosage/sample_catalogue.csv).  Each scenario passed with
overall ok, not_checked or a downgrade before the rules."""

import time
import uuid

import grpc
import pytest

from harness import hl7, protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
DAY = 24 * HOUR
KCL, WARFARIN, MTX, IBUPROFEN, DIGOXIN = ("KCL-CONC-20", "11289", "6851",
                                          "5640", "3407")

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               hl7=True)

# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st):
    return import_sample_catalogue(st)


def patient(st, sex="F", years=60):
    """A patient registered in identity (MRN for HL7), allergies assessed."""
    ipb = protos.module("identity")
    born = time.strftime("%Y-%m-%d",
                         time.gmtime(time.time() - years * 365.25 * 86400))
    mrn = "LB-" + uuid.uuid4().hex[:10].upper()
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn=mrn, family_name="Labs", given_name="Case", birth_date=born,
        sex=(ipb.ADMINISTRATIVE_SEX_FEMALE if sex == "F"
             else ipb.ADMINISTRATIVE_SEX_MALE)),
        role="registrar").patient_id
    pb = protos.module("dosage")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, allergies_known=True)),
        role="nurse")
    return p, mrn


def chart(st, p, loinc, value, unit, at=0):
    """An observation charted in records (numeric, or text for a test)."""
    rpb = protos.module("records")
    obs = dict(loinc_code=loinc, display="lab " + loinc, effective_ms=at)
    if isinstance(value, str):
        obs["text"] = value
    else:
        obs.update(numeric=value, ucum_unit=unit)
    return st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_OBSERVATION, title="lab",
        observation=rpb.Observation(**obs)), role="nurse")


def chart_weight(st, p, kg):
    rpb = protos.module("records")
    return st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="weight",
        vital_signs=rpb.VitalSigns(
            body_weight=rpb.Quantity(value=kg, unit="kg"))), role="nurse")


def facts(st, p):
    rpb = protos.module("records")
    return st.call("records", "GetMedicationFacts",
                   rpb.GetMedicationFactsRequest(patient_id=p),
                   role="pharmacist")


def check(st, pb, p, code, dose, unit="mg"):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=code, dose=dose,
                                 unit=unit)), role="nurse")


def kind(r, k):
    return [c for c in r.checks if c.kind == k][0]


def order(st, pb, p, code, dose, freq="daily", ov=None, **kw):
    o = pb.Order(patient_id=p, drug_code=code, dose=dose, unit="mg",
                 route="oral", frequency=freq, start_ms=now_ms() - HOUR,
                 **kw)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role="clinician")


def kcl_order(st, pb, p):
    """20 mmol in 500 mL at 250 mL/h: the bag a ward writes."""
    o = pb.Order(patient_id=p, drug_code=KCL, dose=20, unit="mmol",
                 route="iv", frequency="once", infusion_rate=250,
                 infusion_rate_unit="mL/h", infusion_bag_amount=20,
                 infusion_bag_volume_ml=500)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def ts(offset_s=0):
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + offset_s))


def oru(mrn, *obx):
    """An ORU^R01 as a lab system sends it."""
    ctl = uuid.uuid4().hex[:20]
    segs = ["MSH|^~\\&|LAB|HOSP|SMARTMED|HOSP|%s||ORU^R01|%s|P|2.5.1"
            % (ts(), ctl),
            "PID|1||%s^^^HOSP^MR||Labs^Case" % mrn,
            "OBR|1|||24331-1^Panel^LN|||" + ts(-600)]
    for i, (code, name, value, unit) in enumerate(obx, 1):
        segs.append("OBX|%d|NM|%s^%s^LN||%s|%s|||||F|||%s"
                    % (i, code, name, value, unit, ts(-300)))
    return "\r".join(segs) + "\r"


# --- potassium ---------------------------------------------------------------


def test_potassium_61_by_oru_stops_potassium_chloride(st, pb, catalogue):
    p, mrn = patient(st)
    # No potassium yet: the drug needs one of the last 24 h.
    lab = kind(check(st, pb, p, KCL, 20, unit="mmol"),
               pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP, lab.reason
    assert "no potassium result" in lab.reason
    with hl7.Mllp(st) as m:
        ack = hl7.ack_fields(m.send(oru(
            mrn, ("2823-3", "Potassium", "6.1", "mmol/L"))))
    assert ack["MSA"][1] == "AA", ack
    f = facts(st, p)
    assert f.potassium.present and f.potassium.value == 6.1
    assert f.potassium.unit == "mmol/L" and not f.potassium.unit_unusable
    r = check(st, pb, p, KCL, 20, unit="mmol")
    lab = kind(r, pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP, lab.reason
    assert "potassium 6.1 mmol/L above 5" in lab.reason
    assert r.overall == pb.CHECK_STATUS_HARD_STOP
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, kcl_order, st, pb, p,
                  details_prefix="order: hard stop")
    # A repeat of 4.2 mmol/L (blood, in mEq/L) is the latest: ordered.
    with hl7.Mllp(st) as m:
        ack = hl7.ack_fields(m.send(oru(
            mrn, ("6298-4", "Potassium blood", "4.2", "meq/L"))))
    assert ack["MSA"][1] == "AA", ack
    lab = kind(check(st, pb, p, KCL, 20, unit="mmol"),
               pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_OK, lab.reason
    assert kcl_order(st, pb, p).id


def test_potassium_61_by_oru_stops_a_faster_potassium_infusion(st, pb,
                                                               catalogue):
    p, mrn = patient(st)
    with hl7.Mllp(st) as m:
        m.send(oru(mrn, ("2823-3", "Potassium", "3.1", "mmol/L")))
    o = kcl_order(st, pb, p)
    if o.status == pb.ORDER_STATUS_PENDING_VERIFICATION:
        o = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
            order_id=o.id, note="diluted, rate checked"), role="pharmacist")
    idov = pb.Override(reason=pb.OVERRIDE_REASON_EMERGENCY,
                       text="wristband scanned, two identifiers")
    # Potassium concentrate is high-alert: a second person checks the
    # rate on the pump first (issue 72).
    k = st.call("dosage", "CosignAdministration",
                pb.CosignAdministrationRequest(
                    order_id=o.id, patient_id=p, dose=125, unit="mL/h"),
                role="clinician")
    f = st.call("dosage", "StartInfusion", pb.StartInfusionRequest(
        order_id=o.id, rate=125, rate_unit="mL/h", identity_override=idov,
        cosign_id=k.id), role="nurse")
    lab = [c for c in f.rates[0].checks if c.kind == pb.CHECK_KIND_LAB][0]
    assert lab.status == pb.CHECK_STATUS_OK, lab.reason

    def rate(r):
        return st.call("dosage", "ChangeInfusionRate",
                       pb.ChangeInfusionRateRequest(
                           infusion_id=f.id, rate=r, rate_unit="mL/h",
                           reason="as ordered"), role="nurse")

    with hl7.Mllp(st) as m:
        m.send(oru(mrn, ("2823-3", "Potassium", "6.1", "mmol/L")))
    # Up to the ordered rate: refused while the potassium is 6.1.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, rate, 250,
                  details_prefix="rate: soft limit: potassium 6.1 mmol/L")
    # Slower is the nurse's call.
    assert rate(50).rate_drug_unit_per_hour == pytest.approx(2.0)


def test_potassium_in_a_unit_that_does_not_convert(st, pb, catalogue):
    p, _ = patient(st, sex="M")
    chart(st, p, "2823-3", 23.4, "mg/dL")
    f = facts(st, p)
    assert f.potassium.present and f.potassium.unit_unusable
    assert f.potassium.charted_unit == "mg/dL" and f.potassium.value == 23.4
    # Digoxin warns below 3.5: the value cannot be judged.
    lab = kind(check(st, pb, p, DIGOXIN, 125, unit="ug"), pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_NOT_CHECKED, lab.reason
    assert lab.reason.startswith("not checked: unit"), lab.reason
    # Potassium chloride needs a usable value: still a stop.
    lab = kind(check(st, pb, p, KCL, 20, unit="mmol"),
               pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP
    assert lab.reason.startswith("not checked: unit")
    # Low potassium with digoxin warns.
    chart(st, p, "2823-3", 3.1, "mmol/L")
    lab = kind(check(st, pb, p, DIGOXIN, 125, unit="ug"), pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_WARN, lab.reason


# --- INR ---------------------------------------------------------------------


def test_inr_62_stops_warfarin(st, pb, catalogue):
    p, _ = patient(st, sex="M")
    chart(st, p, "6301-6", 6.2, "{INR}")
    r = check(st, pb, p, WARFARIN, 5)
    lab = kind(r, pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP, lab.reason
    assert "inr 6.2" in lab.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  WARFARIN, 5, details_prefix="order: hard stop")
    # In range: ordered.
    chart(st, p, "6301-6", 2.4, "{INR}")
    assert kind(check(st, pb, p, WARFARIN, 5), pb.CHECK_KIND_LAB).status \
        == pb.CHECK_STATUS_OK
    o = order(st, pb, p, WARFARIN, 5)
    if o.status == pb.ORDER_STATUS_PENDING_VERIFICATION:
        o = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
            order_id=o.id, note="INR in range"), role="pharmacist")
    # This morning's INR is 6.2: the evening dose is refused at the
    # bedside.
    chart(st, p, "6301-6", 6.2, "{INR}")
    late = pb.Override(reason=pb.OVERRIDE_REASON_OTHER,
                       text="charted after the event")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "RecordAdministration", pb.RecordAdministrationRequest(
                      order_id=o.id, dose=5, unit="mg",
                      identity_override=pb.Override(
                          reason=pb.OVERRIDE_REASON_EMERGENCY,
                          text="wristband scanned, two identifiers"),
                      cosign_override=late, scan_override=late),
                  role="nurse", details_prefix="dose: hard stop")
    # An INR four days old is no INR for warfarin (72 h, needed).
    q, _ = patient(st, sex="M")
    chart(st, q, "6301-6", 2.4, "{INR}", at=now_ms() - 4 * DAY)
    assert kind(check(st, pb, q, WARFARIN, 5), pb.CHECK_KIND_LAB).status \
        == pb.CHECK_STATUS_HARD_STOP


def test_low_glucose_stops_insulin(st, pb, catalogue):
    p, _ = patient(st)
    # 3.0 mmol/L charted in mg/dL (54.048 mg/dL).
    chart(st, p, "2345-7", 54.048, "mg/dL")
    lab = kind(check(st, pb, p, "253182", 6, unit="[iU]"),
               pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP, lab.reason
    assert "glucose 3 mmol/L below 4" in lab.reason


# --- creatinine and the renal band -------------------------------------------


def test_creatinine_becomes_a_clearance_that_drives_the_band(st, pb,
                                                             catalogue):
    # Ibuprofen is contraindicated below 30 mL/min (sample catalogue).
    p, _ = patient(st, sex="M", years=60)
    chart_weight(st, p, 70)
    chart(st, p, "2164-2", 80, "mL/min", at=now_ms() - 2 * DAY)
    rn = kind(check(st, pb, p, IBUPROFEN, 400), pb.CHECK_KIND_RENAL)
    assert rn.status == pb.CHECK_STATUS_OK, rn.reason
    # Today's creatinine, 3 mg/dL: (140-60) x 70 / (72 x 3) = 25.9 mL/min.
    chart(st, p, "2160-0", 3.0, "mg/dL")
    rn = kind(check(st, pb, p, IBUPROFEN, 400), pb.CHECK_KIND_RENAL)
    assert rn.status == pb.CHECK_STATUS_HARD_STOP, rn.reason
    assert "Cockcroft-Gault" in rn.reason
    assert abs(rn.value - 25.93) < 0.01
    f = facts(st, p)
    assert abs(f.creatinine.value - 265.26) < 1e-6
    assert f.creatinine.unit == "umol/L"
    # A woman of the same age and weight: x 0.85.
    q, _ = patient(st, sex="F", years=60)
    chart_weight(st, q, 70)
    chart(st, q, "14682-9", 265.26, "umol/L")
    rn = kind(check(st, pb, q, IBUPROFEN, 400), pb.CHECK_KIND_RENAL)
    assert abs(rn.value - 25.93 * 0.85) < 0.01, rn.reason
    # A measured clearance newer than the creatinine wins again.
    chart(st, p, "2164-2", 75, "mL/min")
    rn = kind(check(st, pb, p, IBUPROFEN, 400), pb.CHECK_KIND_RENAL)
    assert rn.status == pb.CHECK_STATUS_OK, rn.reason
    assert "creatinine clearance" in rn.reason


def test_eight_day_old_contraindicating_clearance_stays_a_stop(st, pb,
                                                               catalogue):
    p, _ = patient(st, sex="M")
    chart(st, p, "2164-2", 20, "mL/min", at=now_ms() - 8 * DAY)
    rn = kind(check(st, pb, p, IBUPROFEN, 400), pb.CHECK_KIND_RENAL)
    assert rn.status == pb.CHECK_STATUS_HARD_STOP, rn.reason
    assert "8 days old" in rn.reason and "chart a new value" in rn.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  IBUPROFEN, 400, freq="q8h",
                  details_prefix="order: hard stop")
    # A new value ends it.
    chart(st, p, "2164-2", 60, "mL/min")
    assert kind(check(st, pb, p, IBUPROFEN, 400),
                pb.CHECK_KIND_RENAL).status == pb.CHECK_STATUS_OK


# --- pregnancy ---------------------------------------------------------------


def condition(st, p, system, code, display):
    dpb = protos.module("diagnosis")
    return st.call("diagnosis", "AddCondition", dpb.AddConditionRequest(
        patient_id=p, code_system=system, code=code, display=display,
        clinical_status=dpb.CLINICAL_STATUS_ACTIVE,
        verification_status=dpb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician")


def test_pregnancy_on_the_problem_list_stops_methotrexate_and_warfarin(
        st, pb, catalogue):
    p, _ = patient(st)
    chart(st, p, "6301-6", 2.5, "{INR}")
    assert kind(check(st, pb, p, MTX, 10), pb.CHECK_KIND_PREGNANCY).status \
        == pb.CHECK_STATUS_OK
    condition(st, p, "ICD-10", "Z33.1", "Pregnant state, incidental")
    dpb = protos.module("diagnosis")
    f = st.call("diagnosis", "GetHepaticFacts", dpb.GetHepaticFactsRequest(
        patient_id=p), role="pharmacist")
    assert f.pregnant and f.pregnancy_summary == "Z33.1"
    for code, dose in ((MTX, 10), (WARFARIN, 5)):
        pg = kind(check(st, pb, p, code, dose), pb.CHECK_KIND_PREGNANCY)
        assert pg.status == pb.CHECK_STATUS_HARD_STOP, pg.reason
        assert "Z33.1" in pg.reason and "contraindicated" in pg.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p, MTX,
                  10, freq="weekly", details_prefix="order: hard stop")
    # The prescriber overrides with a reason: accepted, and the order
    # keeps the stop it overrode.
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="ectopic pregnancy: methotrexate is the treatment")
    o = order(st, pb, p, MTX, 10, freq="weekly", ov=ov)
    assert o.dose_override.text.startswith("ectopic")
    assert kind(o, pb.CHECK_KIND_PREGNANCY).status == \
        pb.CHECK_STATUS_HARD_STOP
    # A registered man: the rule does not stop.
    m, _ = patient(st, sex="M")
    assert kind(check(st, pb, m, MTX, 10), pb.CHECK_KIND_PREGNANCY).status \
        == pb.CHECK_STATUS_OK


def test_pregnancy_on_a_merged_record_stops_methotrexate(st, pb, catalogue):
    """Issue 74: the ED codes a pregnancy on a temporary record that is
    then merged into the patient's real one.  Before, the survivor's check
    read only its own problem list and methotrexate passed; now the
    merged record's pregnancy is the survivor's, until the unmerge."""
    real, _ = patient(st)
    ed, _ = patient(st)
    condition(st, ed, "ICD-10", "Z33.1", "Pregnant state, incidental")
    assert kind(check(st, pb, real, MTX, 10),
                pb.CHECK_KIND_PREGNANCY).status == pb.CHECK_STATUS_OK
    ipb = protos.module("identity")
    lk = st.call("identity", "LinkPatients", ipb.LinkPatientsRequest(
        survivor_id=real, merged_id=ed, reason="ED record is this patient"),
        role="registrar")
    pg = kind(check(st, pb, real, MTX, 10), pb.CHECK_KIND_PREGNANCY)
    assert pg.status == pb.CHECK_STATUS_HARD_STOP, pg.reason
    assert "Z33.1" in pg.reason
    st.call("identity", "UnlinkPatients", ipb.UnlinkPatientsRequest(
        link_id=lk.link_id, reason="merged in error"), role="registrar")
    assert kind(check(st, pb, real, MTX, 10),
                pb.CHECK_KIND_PREGNANCY).status == pb.CHECK_STATUS_OK


def test_positive_hcg_stops_methotrexate(st, pb, catalogue):
    p, _ = patient(st)
    chart(st, p, "2106-3", "Positive", "")
    assert facts(st, p).pregnancy_test.positive
    pg = kind(check(st, pb, p, MTX, 10), pb.CHECK_KIND_PREGNANCY)
    assert pg.status == pb.CHECK_STATUS_HARD_STOP, pg.reason
    assert "2106-3" in pg.reason
    # A later negative test is the latest.
    chart(st, p, "2106-3", "Negative", "")
    assert kind(check(st, pb, p, MTX, 10), pb.CHECK_KIND_PREGNANCY).status \
        == pb.CHECK_STATUS_OK


# --- the catalogue ------------------------------------------------------------


def drug(st, pb, code, **kw):
    args = dict(code=code, name="Labs " + code, unit="mg",
                max_single_dose=100, max_daily_dose=400, substance="",
                routes=["oral"])
    args.update(kw)
    return st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")


@pytest.mark.parametrize("kw,field", [
    (dict(lab_rules="sodium:max=150:stop", lab_rules_source="x"),
     "drug.lab_rules"),
    (dict(lab_rules="potassium:max=5:halt", lab_rules_source="x"),
     "drug.lab_rules"),
    (dict(lab_rules="potassium:max=5:stop"), "drug.lab_rules_source"),
    (dict(pregnancy="harmful", pregnancy_source="x"), "drug.pregnancy"),
    (dict(pregnancy="avoid"), "drug.pregnancy_source"),
])
def test_bad_rules_refused_naming_the_field(st, pb, kw, field):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, drug, st, pb,
                  "LB-BAD", details_prefix=field, **kw)


def test_catalogue_reads_and_writes_the_rules(st, pb, catalogue):
    got = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=KCL),
                  role="pharmacist")
    assert got.lab_rules == "potassium:max=5.0:stop:age_h=24:need"
    assert "Hyperkalaemia" in got.lab_rules_source
    got = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=WARFARIN),
                  role="pharmacist")
    assert got.pregnancy == "contraindicated" and got.pregnancy_source
    head = "code,name,unit,max_single_dose,max_daily_dose,lab_rules," \
           "lab_rules_source\n"
    r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=(head + "LB-CSV,Labs CSV,mg,10,40,inr:max=x:stop,BNF\n").encode()),
        role="pharmacist")
    assert [e.field for e in r.errors] == ["lab_rules"], r.errors
