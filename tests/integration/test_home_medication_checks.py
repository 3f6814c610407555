"""Issue 72, item 3: home medicines in every check, replayed the way a
ward meets them through the running services (audit, identity, records,
dosage) and a private MariaDB (docs/dose-safety.md, "Home medicines in
the checks").  Warfarin taken at home last night, then clarithromycin
ordered; weekly methotrexate taken at home yesterday, then methotrexate
ordered; an undecided home warfarin, then enoxaparin ordered: each used
to pass with the home list unread; now each stops naming the home
medicine, a dose taken at home sets the interval to the first ward dose,
and an undecided anticoagulant is the prescriber's task on every new
order until decided."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "dosage")
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)
PROTOS = "dosage"

HOUR = 3600 * 1000
DAY = 24 * HOUR
INTERACTION, DUPLICATE, TASK = 150, 140, 170

DRUGS = [
    dict(code="HM-WARF", name="Warfarin 1 mg tablets", substance="warfarin",
         routes=["oral"], max_single_dose=10, max_daily_dose=10),
    dict(code="HM-CLARI", name="Clarithromycin 500 mg tablets",
         substance="clarithromycin", routes=["oral"], max_single_dose=500,
         max_daily_dose=1000),
    dict(code="HM-ENOX", name="Enoxaparin 40 mg injection",
         substance="enoxaparin", routes=["sc"], max_single_dose=150,
         max_daily_dose=300),
    dict(code="HM-MTX", name="Methotrexate 2.5 mg tablets",
         substance="methotrexate", routes=["oral"], max_single_dose=25,
         max_daily_dose=25, weekly_only=True),
    dict(code="HM-PARA", name="Paracetamol 500 mg tablets",
         substance="paracetamol", routes=["oral"], max_single_dose=1000,
         max_daily_dose=4000),
]


@pytest.fixture(scope="module")
def catalogue(st, pb):
    for d in DRUGS:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            unit="mg", min_interval_minutes=360, **d)), role="pharmacist")


def patient(st, pb, admit=False):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="HMC-" + uuid.uuid4().hex[:12].upper(), family_name="Home",
        given_name="Checks", birth_date="1948-06-07",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    if admit:
        st.call("identity", "Admit", ipb.AdmitRequest(
            patient_id=p, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
            ward="ward-7", bed="3-" + uuid.uuid4().hex[:6],
            attending="dr.home",
            reason="fall at home"), role="registrar")
    return p


def home(st, pb, p, medicine, substance, last_dose_ms=0, status=None):
    return st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
        patient_id=p, medicine=medicine, substance=substance,
        dose_text="as before admission", information_source="patient",
        status=status or pb.HOME_MEDICATION_STATUS_ACTIVE,
        last_dose_ms=last_dose_ms), role="nurse")


def decide(st, pb, mid, decision, order_id=""):
    return st.call("dosage", "DecideHomeMedication",
                   pb.DecideHomeMedicationRequest(
                       id=mid, decision=decision, order_id=order_id,
                       reason="admission medicines reconciliation"),
                   role="clinician")


def order(st, pb, p, drug, dose, freq="q12h", route="oral", ov=None,
          start=None):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route=route, frequency=freq,
                 start_ms=start if start is not None else now_ms())
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role="clinician")


def refused_order(st, pb, p, drug, dose, **kw):
    return expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb,
                         p, drug, dose, details_prefix="order: hard stop",
                         **kw)


def override(pb):
    return pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                       text="INR checked daily; warfarin dose reduced")


def give(st, pb, o, dose, at=0):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit="mg", effective_ms=at,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse")


def kind(checks, k):
    found = [c for c in checks if c.kind == k]
    return found[0] if found else None


def test_interacting_home_medicine_stops_a_new_order(st, pb, catalogue):
    """Warfarin taken at home last night, recorded on admission; a chest
    infection: clarithromycin.  The order stops naming the home warfarin
    and its last dose; the proposed dose and the bedside say the same."""
    p = patient(st, pb)
    last = now_ms() - 14 * HOUR
    home(st, pb, p, "Warfarin 3 mg", "warfarin", last_dose_ms=last)
    e = refused_order(st, pb, p, "HM-CLARI", 500)
    d = e.details()
    assert "interaction DDI-001 (major" in d
    assert 'clarithromycin with warfarin (home medicine "Warfarin 3 mg"' in d
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code="HM-CLARI",
                                 dose=500, unit="mg")), role="nurse")
    c = kind(r.checks, INTERACTION)
    assert c.status == pb.CHECK_STATUS_HARD_STOP
    assert "taken at home, undecided at admission, last dose 14.0 h ago" \
        in c.reason
    # Overridden at entry, the dose at the bedside warns, still naming it.
    o = order(st, pb, p, "HM-CLARI", 500, ov=override(pb))
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="reviewed"), role="pharmacist")
    a = give(st, pb, o, 500)
    c = kind(a.checks, INTERACTION)
    assert c.status == pb.CHECK_STATUS_WARN
    assert 'home medicine "Warfarin 3 mg"' in c.reason


def test_stopped_home_medicine_counts_within_the_rule_window(st, pb,
                                                             catalogue):
    """Clarithromycin the GP stopped, last taken 10 h ago, still meets a
    new warfarin order; one last taken 5 days ago no longer does."""
    p = patient(st, pb)
    home(st, pb, p, "Clarithromycin 500 mg", "clarithromycin",
         last_dose_ms=now_ms() - 10 * HOUR,
         status=pb.HOME_MEDICATION_STATUS_STOPPED)
    e = refused_order(st, pb, p, "HM-WARF", 3, freq="daily")
    assert 'home medicine "Clarithromycin 500 mg", taken at home, ' \
        'stopped, last dose 10.0 h ago' in e.details()
    q = patient(st, pb)
    home(st, pb, q, "Clarithromycin 500 mg", "clarithromycin",
         last_dose_ms=now_ms() - 5 * DAY,
         status=pb.HOME_MEDICATION_STATUS_STOPPED)
    w = order(st, pb, q, "HM-WARF", 3, freq="daily")
    assert kind(w.checks, INTERACTION).status == pb.CHECK_STATUS_OK


def test_weekly_methotrexate_taken_at_home_yesterday(st, pb, catalogue):
    """Methotrexate 15 mg every Monday, taken at home yesterday; the
    admitting doctor writes it up weekly from today: refused, naming the
    home dose.  Started a week after it, the order stands."""
    p = patient(st, pb)
    last = now_ms() - DAY
    home(st, pb, p, "Methotrexate 15 mg weekly", "methotrexate",
         last_dose_ms=last)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      "HM-MTX", 15, freq="weekly",
                      details_prefix="order.start_ms")
    assert 'took it at home (home medicine "Methotrexate 15 mg weekly", ' \
        'last dose 1.0 days' in e.details()
    o = order(st, pb, p, "HM-MTX", 15, freq="weekly",
              start=last + 7 * DAY + HOUR)
    assert o.id


def test_undecided_home_warfarin_and_new_enoxaparin(st, pb, catalogue):
    """Admitted with warfarin on the home list, not yet reconciled;
    enoxaparin prophylaxis is written: a duplicate anticoagulant stop
    (warfarin beside a heparin only warns as a bridge a prescriber
    planned).  Every new order carries the prescriber's task until the
    warfarin is decided; written anyway, each enoxaparin dose stops at the
    bedside until then, and warns as the bridge once the warfarin is
    continued."""
    p = patient(st, pb, admit=True)
    w = home(st, pb, p, "Warfarin 5 mg", "warfarin",
             last_dose_ms=now_ms() - 20 * HOUR)
    listed = st.call("dosage", "ListHomeMedications",
                     pb.ListHomeMedicationsRequest(patient_id=p),
                     role="nurse")
    assert [m.admission_task for m in listed.items] == ["anticoagulant"]
    e = refused_order(st, pb, p, "HM-ENOX", 40, freq="daily", route="sc")
    d = e.details()
    assert "duplicate anticoagulants: enoxaparin with warfarin " \
        '(home medicine "Warfarin 5 mg", taken at home, undecided' in d
    para = order(st, pb, p, "HM-PARA", 1000, freq="q6h")
    task = kind(para.checks, TASK)
    assert task.status == pb.CHECK_STATUS_WARN and task.value == 1
    assert "warfarin (Warfarin 5 mg, anticoagulant)" in task.reason
    # Written anyway with a reason: each dose at the bedside stops while
    # the home warfarin is undecided.
    enox = order(st, pb, p, "HM-ENOX", 40, freq="daily", route="sc",
                 ov=override(pb))
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=enox.id, note="reviewed"), role="pharmacist")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb,
                      enox, 40, details_prefix="dose: hard stop")
    assert 'duplicate anticoagulants: enoxaparin with warfarin ' \
        '(home medicine "Warfarin 5 mg"' in e.details()
    # Decided (continued, bridged): the dose is given with a warning.
    decide(st, pb, w.id, pb.HOME_MEDICATION_DECISION_CONTINUE)
    a = give(st, pb, enox, 40)
    dup = kind(a.checks, DUPLICATE)
    assert dup.status == pb.CHECK_STATUS_WARN
    assert "taken at home, continued" in dup.reason
    listed = st.call("dosage", "ListHomeMedications",
                     pb.ListHomeMedicationsRequest(patient_id=p),
                     role="nurse")
    assert [m.admission_task for m in listed.items] == [""]


def test_home_medicine_continued_as_an_order_is_not_counted_twice(
        st, pb, catalogue):
    """The home warfarin is continued as a named order: that order stands
    for it, and a dose of it meets no home duplicate."""
    p = patient(st, pb, admit=True)
    w = home(st, pb, p, "Warfarin 5 mg", "warfarin",
             last_dose_ms=now_ms() - 20 * HOUR)
    o = order(st, pb, p, "HM-WARF", 5, freq="daily")
    assert kind(o.checks, DUPLICATE).status in (
        pb.CHECK_STATUS_OK, pb.CHECK_STATUS_NOT_APPLICABLE)
    decide(st, pb, w.id, pb.HOME_MEDICATION_DECISION_CONTINUE,
           order_id=o.id)
    e = refused_order(st, pb, p, "HM-CLARI", 500)
    assert "order %s" % o.id in e.details()
    assert "home medicine" not in e.details()


def test_dose_taken_at_home_sets_the_interval(st, pb, catalogue):
    """Paracetamol 1 g taken at home 2 h before admission; the ward's
    regular paracetamol is due at once: the first ward dose is refused
    (the 6-hour interval counts from the home dose), a proposed dose says
    the same, and 6 h after the home dose it is given.  The same holds
    once the home paracetamol is continued as that very order."""
    p = patient(st, pb, admit=True)
    last = now_ms() - 7 * HOUR
    m = home(st, pb, p, "Paracetamol 1 g", "paracetamol", last_dose_ms=last)
    o = order(st, pb, p, "HM-PARA", 1000, freq="q6h",
              start=now_ms() - 8 * HOUR)
    decide(st, pb, m.id, pb.HOME_MEDICATION_DECISION_CONTINUE,
           order_id=o.id)
    # Charted as given 2 h after the home dose: refused.
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o,
                      1000, at=last + 2 * HOUR,
                      details_prefix="dose: hard stop")
    assert '2 h from a dose taken at home (home medicine "Paracetamol 1 g")' \
        in e.details()
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        order_id=o.id, at_ms=last + 3 * HOUR), role="nurse")
    c = kind(r.checks, 6)  # CHECK_KIND_INTERVAL
    assert c.status == pb.CHECK_STATUS_HARD_STOP
    assert "taken at home" in c.reason
    # Now, 7 h after it: given.
    a = give(st, pb, o, 1000)
    assert kind(a.checks, 6).status == pb.CHECK_STATUS_OK


def test_reconciled_order_reads_the_new_stays_decisions(st, pb, catalogue):
    """Readmitted: the home warfarin is decided again on the new stay,
    then the last stay's paracetamol is continued (ReconcileOrder).  The
    continued order is checked against the new stay's decisions: no task
    is left for the prescriber."""
    ipb = protos.module("identity")
    p = patient(st, pb, admit=True)
    w = home(st, pb, p, "Warfarin 5 mg", "warfarin",
             last_dose_ms=now_ms() - 20 * HOUR)
    decide(st, pb, w.id, pb.HOME_MEDICATION_DECISION_CONTINUE)
    para = order(st, pb, p, "HM-PARA", 500, freq="q6h")
    assert kind(para.checks, TASK) is None
    assert para.encounter_id
    st.call("identity", "Discharge", ipb.DischargeRequest(
        encounter_id=para.encounter_id, reason="home"), role="registrar")
    st.call("identity", "Admit", ipb.AdmitRequest(
        patient_id=p, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
        ward="ward-7", bed="4", attending="dr.home", reason="fall again"),
        role="registrar")
    listed = st.call("dosage", "ListHomeMedications",
                     pb.ListHomeMedicationsRequest(patient_id=p),
                     role="nurse")
    assert [m.admission_task for m in listed.items] == ["anticoagulant"]
    decide(st, pb, w.id, pb.HOME_MEDICATION_DECISION_CONTINUE)
    cont = st.call("dosage", "ReconcileOrder", pb.ReconcileOrderRequest(
        order_id=para.id, decision=pb.RECONCILE_DECISION_CONTINUE,
        reason="medication reconciliation on readmission"),
        role="clinician")
    assert cont.encounter_id != para.encounter_id
    assert kind(cont.checks, TASK) is None


def test_last_dose_is_checked(st, pb, catalogue):
    p = patient(st, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, home, st, pb, p,
                  "Warfarin 5 mg", "warfarin",
                  last_dose_ms=now_ms() + 2 * HOUR,
                  details_prefix="last_dose_ms")
    m = home(st, pb, p, "Warfarin 5 mg", "warfarin",
             last_dose_ms=now_ms() - HOUR)
    assert m.last_dose_ms > 0
    listed = st.call("dosage", "ListHomeMedications",
                     pb.ListHomeMedicationsRequest(patient_id=p),
                     role="nurse")
    assert listed.items[0].last_dose_ms == m.last_dose_ms
