"""Issue 72, items 5 and 8, replayed through the running services as a ward
meets them: ordinary orders raise no interruptive warning (a usual dose at
its maximum, a PRN order at its own 24-h maximum, a child's per-kg dose, a
loop diuretic after a sulfonamide-antibiotic rash), while the limits still
stop what exceeds them; and a drug contraindicated in pregnancy stops a
woman of childbearing age whose pregnancy status nobody recorded, until a
status or a pregnancy-prevention programme is."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue, marked_stack

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
MIN = 60 * 1000
PARACETAMOL, AMOXICILLIN, MORPHINE, ONDANSETRON = ("161", "723", "7052",
                                                   "26225")
IBUPROFEN, CEFALEXIN, MTX, FUROSEMIDE = "5640", "2231", "6851", "W72-FURO"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    import_sample_catalogue(st)
    # Furosemide is not in the sample catalogue: the pharmacy adds it
    # (BNF: 20-40 mg, up to 80 mg a dose orally in oedema).
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=FUROSEMIDE, name="Furosemide 40 mg tablets",
        substance="furosemide", unit="mg", max_single_dose=120,
        max_daily_dose=240, min_interval_minutes=360, forms=["tablet"],
        routes=["oral"])), role="pharmacist")


def patient(st, years, sex="F"):
    """A patient registered in identity, born years ago."""
    ipb = protos.module("identity")
    born = time.strftime("%Y-%m-%d",
                         time.gmtime(time.time() - years * 365.25 * 86400))
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="WN-" + uuid.uuid4().hex[:12].upper(), family_name="Warnings",
        given_name="Case", birth_date=born,
        sex=(ipb.ADMINISTRATIVE_SEX_FEMALE if sex == "F"
             else ipb.ADMINISTRATIVE_SEX_MALE)),
        role="registrar").patient_id


def context(st, pb, p, **kw):
    return st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, **kw)), role="nurse")


def ward_patient(st, pb, years=60, sex="M", kg=70, allergies=()):
    p = patient(st, years, sex)
    context(st, pb, p, weight_kg=kg, height_cm=170 if years >= 18 else 100,
            crcl_ml_min=90, allergies=list(allergies), allergies_known=True)
    return p


def order(st, pb, p, drug, dose, freq="q6h", route="oral", unit="mg",
          override=None, start=None, **kw):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit=unit,
                 route=route, frequency=freq,
                 start_ms=start or now_ms() - HOUR, **kw)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=override), role="clinician")


def give(st, pb, o, dose, unit="mg", at=0, high_alert=False):
    late = pb.Override(reason=pb.OVERRIDE_REASON_OTHER,
                       text="charted after the event") if high_alert else None
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit=unit, effective_ms=at,
                       scan_override=late, cosign_override=late,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse")


def check(st, pb, p, drug, dose, unit="mg"):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit=unit)), role="nurse")


def kind(r, k):
    return [c for c in r.checks if c.kind == k][0]


def warnings(pb, r):
    """The interruptive results of a reply: what a ward must acknowledge
    (warn) or cannot pass (hard_stop)."""
    return ["%s: %s" % (pb.CheckKind.Name(c.kind), c.reason)
            for c in r.checks
            if c.status in (pb.CHECK_STATUS_WARN, pb.CHECK_STATUS_HARD_STOP)]


# --- ordinary orders: no interruptive warning --------------------------------


def ordinary_orders(st, pb):
    """(what, patient, order arguments, dose given) of ordinary ward orders,
    each for a patient of its own: usual practice, none of which should
    interrupt its prescriber or nurse."""
    def adult():
        return ward_patient(st, pb)

    def child():
        return ward_patient(st, pb, years=2, kg=12)

    def sulfa():
        return ward_patient(st, pb, allergies=["Sulfa (co-trimoxazole rash)"])

    return [
        ("paracetamol 1 g q6h, adult", adult,
         dict(drug=PARACETAMOL, dose=1000), 1000),
        ("paracetamol 1 g PRN, its own 4 g a day", adult,
         dict(drug=PARACETAMOL, dose=1000, freq="prn",
              prn_min_interval_minutes=240, prn_max_daily_dose=4000), 1000),
        ("amoxicillin 25 mg/kg q8h, 12 kg child", child,
         dict(drug=AMOXICILLIN, dose=300, freq="q8h"), 300),
        ("paracetamol 15 mg/kg q6h, 12 kg child", child,
         dict(drug=PARACETAMOL, dose=180), 180),
        ("furosemide 40 mg daily after a sulfonamide-antibiotic rash", sulfa,
         dict(drug=FUROSEMIDE, dose=40, freq="daily"), 40),
        ("morphine 2.5 mg sc PRN, its own 15 mg a day", adult,
         dict(drug=MORPHINE, dose=2.5, freq="prn", route="sc",
              prn_min_interval_minutes=240, prn_max_daily_dose=15), 2.5),
        ("amoxicillin 500 mg q8h, adult", adult,
         dict(drug=AMOXICILLIN, dose=500, freq="q8h"), 500),
        ("ibuprofen 400 mg q8h, adult", adult,
         dict(drug=IBUPROFEN, dose=400, freq="q8h"), 400),
        ("cefalexin 500 mg q6h, adult", adult,
         dict(drug=CEFALEXIN, dose=500), 500),
        ("ondansetron 4 mg q8h iv, adult", adult,
         dict(drug=ONDANSETRON, dose=4, freq="q8h", route="iv"), 4),
    ]


def test_ordinary_orders_raise_no_interruptive_warning(st, pb, catalogue):
    """The count of interruptive warnings on ordinary orders, at order
    entry, CheckDose and the dose, is zero.  A high-alert drug's warning
    (morphine: a second person checks the dose) is the ward's independent
    double check, enforced by ConfirmHighAlert, so it is not counted."""
    seen = []
    for what, who, args, dose in ordinary_orders(st, pb):
        p = who()
        high = args["drug"] == MORPHINE
        o = order(st, pb, p, **args)
        c = check(st, pb, p, args["drug"], dose)
        a = give(st, pb, o, dose, high_alert=high)
        for step, r in (("order", o), ("CheckDose", c), ("dose", a)):
            seen += ["%s, %s: %s" % (what, step, w)
                     for w in warnings(pb, r)
                     if not w.startswith("CHECK_KIND_HIGH_ALERT:")]
    assert len(seen) == 0, "\n".join(seen)


def test_prn_opioid_at_its_own_maximum_warns_only_as_high_alert(st, pb,
                                                                 catalogue):
    """Morphine PRN 5 mg, at most 20 mg a day: the order's own maximum is
    no warning against itself; the one warning left is the high-alert
    drug's second check, which is the ward's procedure, not noise."""
    p = ward_patient(st, pb)
    o = order(st, pb, p, MORPHINE, 5, freq="prn", route="sc",
              prn_min_interval_minutes=240, prn_max_daily_dose=20)
    assert [pb.CheckKind.Name(c.kind) for c in o.checks
            if c.status in (pb.CHECK_STATUS_WARN,
                            pb.CHECK_STATUS_HARD_STOP)] \
        == ["CHECK_KIND_HIGH_ALERT"], warnings(pb, o)
    daily = kind(o, pb.CHECK_KIND_DAILY_MAX)
    assert daily.status == pb.CHECK_STATUS_OK, daily.reason
    assert "PRN order's maximum" in daily.reason


def test_usual_dose_at_its_maximum_is_a_note(st, pb, catalogue):
    p = ward_patient(st, pb)
    r = check(st, pb, p, PARACETAMOL, 1000)
    single = kind(r, pb.CHECK_KIND_SINGLE_MAX)
    assert single.status == pb.CHECK_STATUS_OK, single.reason
    assert "note: at least 90%" in single.reason
    assert r.overall == pb.CHECK_STATUS_OK
    # Over the maximum is still a hard stop.
    assert kind(check(st, pb, p, PARACETAMOL, 1001),
                pb.CHECK_KIND_SINGLE_MAX).status == pb.CHECK_STATUS_HARD_STOP


def test_prn_orders_own_maximum_is_a_limit(st, pb, catalogue):
    """Paracetamol 1 g PRN, at most 3 g a day (less than the drug's 4 g):
    three doses pass without a warning, a fourth within the day stops."""
    p = ward_patient(st, pb)
    o = order(st, pb, p, PARACETAMOL, 1000, freq="prn",
              prn_min_interval_minutes=240, prn_max_daily_dose=3000,
              start=now_ms() - 16 * HOUR)
    assert warnings(pb, o) == []
    t = now_ms() - 15 * HOUR
    for i in range(3):
        a = give(st, pb, o, 1000, at=t + i * 5 * HOUR)
        assert warnings(pb, a) == [], warnings(pb, a)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o,
                      1000, details_prefix="dose: hard stop")
    assert "PRN order's maximum" in e.details()


def test_child_per_kg_dose_is_not_below_the_adult_minimum(st, pb, catalogue):
    """A 12 kg two-year-old's 15 mg/kg paracetamol (180 mg) warned "below
    minimum 325 mg", the adult's minimum; the per-kg band has none."""
    p = ward_patient(st, pb, years=2, kg=12)
    lo = kind(check(st, pb, p, PARACETAMOL, 180), pb.CHECK_KIND_SINGLE_MIN)
    assert lo.status == pb.CHECK_STATUS_NOT_APPLICABLE, lo.reason
    assert "band doses per kg" in lo.reason
    # An adult's 200 mg is still below the adult minimum.
    a = ward_patient(st, pb)
    assert kind(check(st, pb, a, PARACETAMOL, 200),
                pb.CHECK_KIND_SINGLE_MIN).status == pb.CHECK_STATUS_WARN
    # A pharmacy's band minimum per kg warns on a real underdose (a
    # tenfold slip: 30 mg for 12 kg is 2.5 mg/kg): its own product, the
    # sample's amoxicillin with a minimum in the child's band.
    d = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=AMOXICILLIN),
                role="pharmacist")
    assert d.dose_bands[0].age_group == "paediatric"
    d.code = AMOXICILLIN + "-BANDMIN"
    del d.gtins[:]
    d.dose_bands[0].min_dose_per_kg = 10
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=d),
            role="pharmacist")
    got = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=d.code),
                  role="pharmacist")
    assert got.dose_bands[0].min_dose_per_kg == 10
    low = kind(check(st, pb, p, d.code, 30), pb.CHECK_KIND_SINGLE_MIN)
    assert low.status == pb.CHECK_STATUS_WARN, low.reason
    assert "below minimum 10 mg/kg" in low.reason
    assert kind(check(st, pb, p, d.code, 300),
                pb.CHECK_KIND_SINGLE_MIN).status == pb.CHECK_STATUS_OK


def test_band_minimum_above_its_maximum_is_refused(st, pb, catalogue):
    d = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=AMOXICILLIN),
                role="pharmacist")
    d.dose_bands[0].min_dose_per_kg = 40  # above its 30 mg/kg
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                      "UpsertDrug", pb.UpsertDrugRequest(drug=d),
                      role="pharmacist")
    assert "dose_bands" in e.details() and \
        "min_dose_per_kg" in e.details(), e.details()
    # The CSV's key reads the same.
    csv = (b"code,name,unit,max_single_dose,max_daily_dose,dose_bands\n"
           b'W72-BAD,Bad band,mg,100,400,"child:per_kg=5,min_per_kg=6"\n')
    r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv), role="pharmacist")
    assert r.imported == 0 and "min_per_kg" in str(list(r.errors)), r


def test_sulfonamide_antibiotic_allergy_notes_loop_diuretic(st, pb,
                                                            catalogue):
    p = ward_patient(st, pb, allergies=["co-trimoxazole"])
    al = kind(check(st, pb, p, FUROSEMIDE, 40), pb.CHECK_KIND_ALLERGY)
    assert al.status == pb.CHECK_STATUS_OK, al.reason
    assert "not cross-reactive" in al.reason
    q = ward_patient(st, pb, allergies=["Sulfa"])
    al = kind(check(st, pb, q, FUROSEMIDE, 40), pb.CHECK_KIND_ALLERGY)
    assert al.status == pb.CHECK_STATUS_OK, al.reason


# --- pregnancy status unknown -----------------------------------------------


def chart(st, p, loinc, text):
    rpb = protos.module("records")
    return st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_OBSERVATION, title="test",
        observation=rpb.Observation(loinc_code=loinc, display="test",
                                    text=text)), role="nurse")


def woman(st, pb, years=30):
    p = patient(st, years)
    context(st, pb, p, weight_kg=65, height_cm=165, crcl_ml_min=90,
            allergies_known=True)
    return p


def test_unknown_pregnancy_status_stops_a_teratogen(st, pb, catalogue):
    p = woman(st, pb)
    pg = kind(check(st, pb, p, MTX, 10), pb.CHECK_KIND_PREGNANCY)
    assert pg.status == pb.CHECK_STATUS_HARD_STOP, pg.reason
    assert "no pregnancy status recorded" in pg.reason
    assert "negative test" in pg.reason
    assert "pregnancy-prevention programme" in pg.reason
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      MTX, 10, freq="weekly",
                      details_prefix="order: hard stop")
    assert "pregnancy" in e.details()
    # A status of "Unknown" records nothing.
    chart(st, p, "82810-3", "Unknown")
    assert kind(check(st, pb, p, MTX, 10), pb.CHECK_KIND_PREGNANCY).status \
        == pb.CHECK_STATUS_HARD_STOP
    # A negative test records a status: no stop.
    chart(st, p, "2106-3", "Negative")
    assert kind(check(st, pb, p, MTX, 10), pb.CHECK_KIND_PREGNANCY).status \
        == pb.CHECK_STATUS_OK
    # Women outside the ages (60) and men are not stopped.
    for q in (woman(st, pb, years=60), ward_patient(st, pb, years=30)):
        assert kind(check(st, pb, q, MTX, 10),
                    pb.CHECK_KIND_PREGNANCY).status == pb.CHECK_STATUS_OK


def test_pregnancy_prevention_programme_lets_the_order_through(st, pb,
                                                                catalogue):
    p = woman(st, pb)
    c = context(st, pb, p, pregnancy_prevention_confirmed=True)
    assert c.WhichOneof("pregnancy_prevention") and \
        c.pregnancy_prevention_confirmed and c.pregnancy_prevention_ms > 0
    # Setting a weight later keeps the confirmation.
    c = context(st, pb, p, weight_kg=66)
    assert c.pregnancy_prevention_confirmed
    pg = kind(check(st, pb, p, MTX, 10), pb.CHECK_KIND_PREGNANCY)
    assert pg.status == pb.CHECK_STATUS_OK, pg.reason
    assert "pregnancy-prevention programme is confirmed" in pg.reason
    o = order(st, pb, p, MTX, 10, freq="weekly")
    assert kind(o, pb.CHECK_KIND_PREGNANCY).status == pb.CHECK_STATUS_OK
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(order_id=o.id),
            role="pharmacist")
    # Withdrawn before the dose: the bedside check stops it again.
    context(st, pb, p, pregnancy_prevention_confirmed=False)
    got = st.call("dosage", "GetPatientContext",
                  pb.GetPatientContextRequest(patient_id=p), role="nurse")
    assert got.WhichOneof("pregnancy_prevention") and \
        not got.pregnancy_prevention_confirmed
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o,
                      10, details_prefix="dose: hard stop", high_alert=True)
    assert "no pregnancy status recorded" in e.details()


@pytest.fixture
def own_st(request):
    """A stack of the test's own (its pytest.mark.stack settings)."""
    with marked_stack(request) as s:
        yield s


@pytest.mark.stack(services=SERVICES, patient_checks=True,
                   extra_env={"MED_DOSAGE_CHILDBEARING_AGE_MIN": "16",
                              "MED_DOSAGE_CHILDBEARING_AGE_MAX": "45"})
def test_childbearing_ages_are_the_hospitals(own_st, pb):
    """A hospital that counts 16 to 45: a woman of 50 (stopped by the
    default 12-55) and a girl of 14 are not stopped, a woman of 30 is."""
    st = own_st
    import_sample_catalogue(st)
    for years, want in ((50, pb.CHECK_STATUS_OK), (14, pb.CHECK_STATUS_OK),
                        (30, pb.CHECK_STATUS_HARD_STOP)):
        pg = kind(check(st, pb, woman(st, pb, years=years), MTX, 10),
                  pb.CHECK_KIND_PREGNANCY)
        assert pg.status == want, (years, pg.reason)
