"""The ward console (services/console, issue 37) end to end: the whole
stack with care checks on, the development OpenID Connect provider
(tools/devidp) signing the users' tokens, and Debian's chromium driven by
e2e.mjs through sign-in, the ward list, the MAR, the vital-sign charts,
the bedside administration (the camera fed a video of the patient's face
by chromium's fake capture device), audit review and sign-out, with an
axe-core scan of each screen (no serious or critical violation) and
screenshots in $BUILD/console-screens (docs/console.md describes them)."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
import ssl
import uuid

import pytest

from harness import Stack, paths, protos
from harness.devidp import DevIdp, is_available, user
from harness.faces import ORL, FaceKeys, orl_png
from harness.fixtures import assess_allergies, running

import catalogue

WARD = "ward-c"


def _ward_zone():
    """A ward clock that is not the machine's (a half-hour offset) and is
    hours from its midnight now: the MAR shows the ward's day, so a run
    that straddled the ward's midnight saw a dose given a minute before
    it on yesterday's MAR (a fresh-machine run at 18:30 UTC, midnight in
    Kolkata).  Kolkata from 21:30 to 15:30 UTC, St John's otherwise."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    now = datetime.now(timezone.utc)
    for zone in ("Asia/Kolkata", "America/St_Johns"):
        if 3 <= now.astimezone(ZoneInfo(zone)).hour < 21:
            return zone
    return "Asia/Kolkata"  # not reached: the two cover the day


WARD_ZONE = _ward_zone()
BED = "12"
HOUR_MS = 3600 * 1000
CHROMIUM = "/usr/bin/chromium"
E2E_MODULES = os.path.join(paths.build_dir(), "npm", "console-e2e",
                           "node_modules")
SERIOUS = ("serious", "critical")

pytestmark = pytest.mark.skipif(
    not (is_available() and os.path.exists(CHROMIUM) and
         os.path.isdir(os.path.join(E2E_MODULES, "playwright-core"))),
    reason="make deps installs chromium, tools/devidp and "
    "tools/console-e2e")


@pytest.fixture(scope="module")
def idp():
    users = {"nurse.console": user(roles=["nurse"], units=[WARD],
                                   name="Nora Console"),
             "pharm.console": user(roles=["pharmacist"], name="Phil Pharm"),
             "dr.console": user(roles=["clinician"], units=[WARD],
                                name="Dora Doctor"),
             "auditor.console": user(roles=["auditor"], name="Ada Audit")}
    return DevIdp(users)


@pytest.fixture(scope="module")
def cstack(idp, tmp_path_factory):
    keys = FaceKeys.load_or_create(str(tmp_path_factory.mktemp("face")))
    env = dict(idp.env())
    env.update(keys.env(public_key=True))
    # The ward's clock (dosage's schedules, the console's MAR day and
    # times) is not the machine's.
    env["MED_WARD_TIME_ZONE"] = WARD_ZONE
    st = Stack(services=("audit", "identity", "records", "dosage"),
               fhir=True, extra_env=env, patient_checks=True,
               care_checks=True,
               user_units={"nurse": WARD, "clinician": WARD})
    with running(st):
        idp.start(st)
        try:
            st.face_keys = keys
            yield st
        finally:
            idp.close()


def _vtoken(keys, pid):
    r = subprocess.run(
        [paths.bin_path("vtoken"), "sign", "--key", keys.priv,
         "--patient-id", pid, "--score", "0.93", "--threshold", "0.8",
         "--ttl-s", "120", "--model", "lbp-v1", "--device", "ward-c-12"],
        check=True, stdout=subprocess.PIPE)
    return r.stdout.decode().strip()


# A code the services made: an MRN, a drug code ("MRN-1a2b3c4d",
# "PARA_1a2b3c4d").
CODE = re.compile(r"^[A-Za-z0-9]+[-_][0-9a-f]{8}$")
# The texts this module seeds as data (drug names as the pharmacist wrote
# them, patients' and users' names, what a nurse typed, the bedside
# device's name): a zh-CN screen shows them as they were written.
SEEDED_TEXTS = [
    "Heparin 25,000 units in 50 mL", "Heparin 5000 units (one device)",
    "Heparin 5000 units", "Ibuprofen 200 mg tablet (ward)",
    "Ibuprofen 400 mg tablet", "Paracetamol 1 g tablet pack",
    "Paracetamol 1 g tablet q8h", "Paracetamol 500 mg tablet (deviation)",
    "Paracetamol 500 mg tablet (ward)", "Paracetamol 500 mg tablet",
    "Bisoprolol 5 mg tablets", "5 mg once daily", "GP letter", "felt sick",
    "wristband read, two identifiers", "ward-c-12", "Iris Wardley",
    "Tom Bedsider", "Sam Otherbed", "Ada Lateson", "Lee Devers",
    "Nell Notewell", "Nora Console", "Dora Doctor", "Phil Pharm",
    "Ada Audit", "Penicillin", "Admission", WARD] + [
        "Bea Speed" + chr(ord("A") + i) for i in range(26)]
# The Latin words a zh-CN screen may show besides the seeded data: unit
# symbols Chinese charts keep, scores, tests and standards named by their
# abbreviation in Chinese charts too, the product's name, and the
# language picker's "English" (each language named in its own words).
ZH_ALLOWED = {"mg", "mL", "kg", "L", "g", "mmol", "mmHg", "min", "h",
              "NEWS2", "INR", "SpO2", "ACVPU", "GS1", "smartmed", "English",
              "C"}  # of °C


def _vitals(st, rpb, pid, at_ms, hr, sys_bp, temp, **news2):
    q = rpb.Quantity
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="Obs",
        vital_signs=rpb.VitalSigns(
            heart_rate=q(value=hr, unit="/min"),
            systolic_bp=q(value=sys_bp, unit="mm[Hg]"),
            diastolic_bp=q(value=sys_bp - 45, unit="mm[Hg]"),
            body_temperature=q(value=temp, unit="Cel"),
            respiratory_rate=q(value=16, unit="/min"),
            oxygen_saturation=q(value=97, unit="%"),
            body_weight=q(value=71.5, unit="kg"), effective_ms=at_ms,
            **news2)),
        role="clinician", timeout=30)


def _medicines(st, pid, keys, start_ms):
    dpb = protos.module("dosage")
    drug = st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="PARA_" + uuid.uuid4().hex[:8],
                      name="Paracetamol 500 mg tablet", unit="tablet",
                      max_single_dose=2.0, max_daily_dose=8.0,
                      substance="paracetamol", strength=500.0,
                      strength_unit="mg", forms=["tablet"],
                      routes=["oral"])), role="pharmacist")
    assess_allergies(st, pid, role="clinician")
    order = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, route="oral",
                        dose=1.0, unit="tablet", frequency="q6h",
                        start_ms=start_ms)), role="clinician")
    st.call("dosage", "RecordNotGiven", dpb.RecordNotGivenRequest(
        order_id=order.id, scheduled_ms=start_ms,
        reason=dpb.NOT_GIVEN_REASON_PATIENT_REFUSED, text="felt sick"),
        role="nurse")
    st.call("dosage", "RecordAdministration", dpb.RecordAdministrationRequest(
        order_id=order.id, dose=1.0, unit="tablet",
        verification_token=_vtoken(keys, pid)), role="nurse")
    _infusion(st, dpb, pid, keys)
    return drug


def _ward_midnight_ms(now_ms):
    """Today's midnight on the ward's clock, Unix ms."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    day = datetime.fromtimestamp(now_ms / 1000, ZoneInfo(WARD_ZONE))
    return int(day.replace(hour=0, minute=0, second=0,
                           microsecond=0).timestamp() * 1000)


def _infusion(st, dpb, pid, keys):
    """A heparin infusion run at 2 then 1 mL/h and stopped, all within
    the ward's today (the MAR's day), whatever the hour."""
    drug = dpb.Drug(code="HEPINF_" + uuid.uuid4().hex[:8],
                    name="Heparin 25,000 units in 50 mL", unit="[iU]",
                    max_single_dose=10000.0, max_daily_dose=40000.0,
                    routes=["iv"], concentration_amount=25000.0,
                    concentration_volume_ml=50.0, infusion_max_rate=2000.0,
                    infusion_rate_ceiling=3000.0)
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=drug),
            role="pharmacist")
    assess_allergies(st, pid, role="clinician")
    o = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, dose=5000.0,
                        unit="[iU]", route="iv", frequency="once",
                        infusion_rate=1000.0, infusion_rate_unit="[iU]/h")),
        role="clinician")
    now = int(time.time() * 1000) - 1000
    start = max(now - 40 * 60 * 1000, _ward_midnight_ms(now) + 1000)
    step = (now - start) // 3
    f = st.call("dosage", "StartInfusion", dpb.StartInfusionRequest(
        order_id=o.id, rate=2.0, rate_unit="mL/h", effective_ms=start,
        verification_token=_vtoken(keys, pid)), role="nurse")
    st.call("dosage", "ChangeInfusionRate", dpb.ChangeInfusionRateRequest(
        infusion_id=f.id, rate=1.0, rate_unit="mL/h",
        effective_ms=start + step, reason="aPTT 90 s, titrated down"),
        role="nurse")
    st.call("dosage", "StopInfusion", dpb.StopInfusionRequest(
        infusion_id=f.id, effective_ms=start + 2 * step, reason="bag done"),
        role="nurse")


@pytest.fixture(scope="module")
def patient(cstack):
    ipb, rpb = protos.module("identity"), protos.module("records")
    p = cstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:8], family_name="Wardley",
        given_name="Iris", birth_date="1948-03-09",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar", timeout=30)
    cstack.call("identity", "Admit", ipb.AdmitRequest(
        patient_id=p.patient_id,
        encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT, ward=WARD, bed=BED,
        attending=cstack.user("clinician")), role="registrar", timeout=30)
    cstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p.patient_id, kind=rpb.ENTRY_KIND_ALLERGY,
        title="Penicillin", allergy=rpb.Allergy(
            substance_display="Penicillin")), role="clinician", timeout=30)
    now = int(time.time() * 1000)
    # NEWS2's other two parameters: alert 6 hours ago (its age shown),
    # on 2 L/min of oxygen at the latest.
    news2 = ({"consciousness": rpb.CONSCIOUSNESS_ALERT}, {}, {
        "inhaled_oxygen_flow": rpb.Quantity(value=2, unit="L/min")})
    for i, (hr, bp, temp) in enumerate(((88, 150, 38.4), (80, 135, 37.6),
                                        (72, 122, 36.9))):
        _vitals(cstack, rpb, p.patient_id, now - (6 - 2 * i) * HOUR_MS,
                hr, bp, temp, **news2[i])
    _medicines(cstack, p.patient_id, cstack.face_keys, now - 7 * HOUR_MS)
    # What she took at home (issue 55), shown under the MAR.
    dpb = protos.module("dosage")
    cstack.call("dosage", "AddHomeMedication", dpb.AddHomeMedicationRequest(
        patient_id=p.patient_id, medicine="Bisoprolol 5 mg tablets",
        substance="bisoprolol", dose_text="5 mg once daily",
        status=dpb.HOME_MEDICATION_STATUS_ACTIVE,
        information_source="GP letter"), role="clinician", timeout=30)
    return p


def gtin14(stem13):
    """A GTIN-14 with its check digit (GS1 mod 10, weights 3 and 1)."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1)
                for i, c in enumerate(stem13))
    return stem13 + str((10 - total % 10) % 10)


def face_video(path, subject, photos, frames_each=12):
    """A Y4M video (chromium's --use-file-for-fake-video-capture) showing
    ORL photographs of subject in turn, 10 frames a second, so that photos
    taken a few seconds apart are different photographs (identity refuses
    a photograph it has seen before)."""
    import cv2
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W92 H112 F10:1 Ip A1:1 C420jpeg\n")
        for n in photos:
            y = cv2.imread(os.path.join(ORL, "s%d" % subject, "%d.pgm" % n),
                           cv2.IMREAD_GRAYSCALE)
            chroma = bytes([128]) * (46 * 56)
            for _ in range(frames_each):
                f.write(b"FRAME\n" + y.tobytes() + chroma + chroma)


def _enrol(st, pid, subject):
    ipb = protos.module("identity")
    st.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(subject, n) for n in (1, 2, 3)]),
        role="registrar", timeout=60)


def _admitted(st, family, given, bed):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:8], family_name=family,
        given_name=given, birth_date="1960-01-02",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar", timeout=30)
    st.call("identity", "Admit", ipb.AdmitRequest(
        patient_id=p.patient_id,
        encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT, ward=WARD, bed=bed,
        attending=st.user("clinician")), role="registrar", timeout=30)
    return p


@pytest.fixture(scope="module")
def bedside(cstack, tmp_path_factory):
    """Two patients for the bedside: one whose face the camera shows
    (ORL subject 7, enrolled with photographs 1-3) with a tablet order,
    a high-alert order and a GTIN for each drug, and one enrolled with
    another face; plus the camera's video."""
    if not os.path.isdir(ORL):
        return None
    dpb = protos.module("dosage")
    me = _admitted(cstack, "Bedsider", "Tom", "14")
    other = _admitted(cstack, "Otherbed", "Sam", "15")
    _enrol(cstack, me.patient_id, 7)
    _enrol(cstack, other.patient_id, 8)
    stem = "0%012d" % (int(uuid.uuid4().int % 10 ** 12))
    gtins = {"para": gtin14(stem[:-1] + "1"), "ibu": gtin14(stem[:-1] + "2")}
    drugs = {
        "para": dpb.Drug(code="PARA_" + uuid.uuid4().hex[:8],
                         name="Paracetamol 1 g tablet pack", unit="tablet",
                         max_single_dose=2.0, max_daily_dose=8.0,
                         routes=["oral"], gtins=[gtins["para"]]),
        "ibu": dpb.Drug(code="IBU_" + uuid.uuid4().hex[:8],
                        name="Ibuprofen 400 mg tablet", unit="tablet",
                        max_single_dose=2.0, max_daily_dose=6.0,
                        routes=["oral"], gtins=[gtins["ibu"]]),
        "hep": dpb.Drug(code="HEP_" + uuid.uuid4().hex[:8],
                        name="Heparin 5000 units", unit="[iU]",
                        max_single_dose=10000.0, max_daily_dose=40000.0,
                        routes=["sc"], high_alert=True)}
    for d in drugs.values():
        cstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=d),
                    role="pharmacist", timeout=30)
    start = int(time.time() * 1000) - 13 * HOUR_MS

    def order(pid, drug, dose, route):
        assess_allergies(cstack, pid, role="clinician")
        return cstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
            order=dpb.Order(patient_id=pid, drug_code=drug.code, dose=dose,
                            unit=drug.unit, route=route, frequency="q12h",
                            start_ms=start)), role="clinician",
            timeout=30).id
    video = str(tmp_path_factory.mktemp("camera") / "face.y4m")
    face_video(video, 7, (6, 7, 8, 9, 10))
    return {"video": video, "gtins": gtins,
            "me": {"id": me.patient_id, "name": "Tom Bedsider",
                   "mrn": me.mrn,
                   "tablet": order(me.patient_id, drugs["para"], 1.0,
                                   "oral"),
                   "heparin": order(me.patient_id, drugs["hep"], 5000.0,
                                    "sc")},
            "other": {"id": other.patient_id, "name": "Sam Otherbed",
                      "mrn": other.mrn,
                      "tablet": order(other.patient_id, drugs["para"], 1.0,
                                      "oral")}}


def _ward_day(ms):
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(WARD_ZONE)).strftime(
        "%Y-%m-%d")


@pytest.fixture(scope="module")
def late(cstack):
    """A q8h order whose dose due 90 minutes ago is given now, late, and
    whose dose due 9.5 hours ago was never charted (missed) (issue 51)."""
    dpb = protos.module("dosage")
    p = _admitted(cstack, "Lateson", "Ada", "16")
    drug = cstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="PARAQ8_" + uuid.uuid4().hex[:8],
                      name="Paracetamol 1 g tablet q8h", unit="tablet",
                      max_single_dose=2.0, max_daily_dose=8.0,
                      routes=["oral"])), role="pharmacist", timeout=30)
    assess_allergies(cstack, p.patient_id, role="clinician")
    now = int(time.time() * 1000)
    start = now - 9 * HOUR_MS - 30 * 60 * 1000
    order = cstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=p.patient_id, drug_code=drug.code,
                        dose=1.0, unit="tablet", route="oral",
                        frequency="q8h", start_ms=start)),
        role="clinician", timeout=30)
    given = cstack.call("dosage", "RecordAdministration",
                        dpb.RecordAdministrationRequest(
                            order_id=order.id, dose=1.0, unit="tablet",
                            verification_token=_vtoken(cstack.face_keys,
                                                       p.patient_id)),
                        role="nurse", timeout=30)
    # Issue 77, item 6: vital signs without air/oxygen and consciousness
    # whose other five already score 14 (RR 26, SpO2 90, SBP 88, pulse
    # 135: 3 each; 39.5 Cel: 2).
    rpb = protos.module("records")
    q = rpb.Quantity
    cstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p.patient_id, kind=rpb.ENTRY_KIND_VITAL_SIGNS,
        title="Obs", vital_signs=rpb.VitalSigns(
            respiratory_rate=q(value=26, unit="/min"),
            oxygen_saturation=q(value=90, unit="%"),
            systolic_bp=q(value=88, unit="mm[Hg]"),
            diastolic_bp=q(value=50, unit="mm[Hg]"),
            heart_rate=q(value=135, unit="/min"),
            body_temperature=q(value=39.5, unit="Cel"),
            effective_ms=now - 20 * 60 * 1000)),
        role="clinician", timeout=30)
    return {"id": p.patient_id, "name": "Ada Lateson", "mrn": p.mrn,
            "order": order.id, "given": given.id,
            "givenDay": _ward_day(start + 8 * HOUR_MS),
            "missedDay": _ward_day(start), "today": _ward_day(now)}


@pytest.fixture(scope="module")
def deviation(cstack):
    """A q6h order of two paracetamol tablets whose first dose is due half
    an hour ago: the nurse gives one (issue 51, the dose deviation)."""
    dpb = protos.module("dosage")
    p = _admitted(cstack, "Devers", "Lee", "17")
    assess_allergies(cstack, p.patient_id, role="clinician")
    # Issue 77, item 5: the weight charted the walk-through's way
    # (dosage's context, 3 days ago), which the co-signer must see.
    cstack.call("dosage", "SetPatientContext", dpb.SetPatientContextRequest(
        context=dpb.PatientContext(
            patient_id=p.patient_id, allergies_known=True, weight_kg=82.0,
            measured_ms=int(time.time() * 1000) - 3 * 24 * HOUR_MS)),
        role="nurse", timeout=30)
    start = int(time.time() * 1000) - 30 * 60 * 1000

    def order(drug, dose, route, frequency):
        cstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
            drug=drug), role="pharmacist", timeout=30)
        return cstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
            order=dpb.Order(patient_id=p.patient_id, drug_code=drug.code,
                            dose=dose, unit=drug.unit, route=route,
                            frequency=frequency, start_ms=start)),
            role="clinician", timeout=30).id
    tablets = order(dpb.Drug(code="PARADEV_" + uuid.uuid4().hex[:8],
                             name="Paracetamol 500 mg tablet (deviation)",
                             unit="tablet", max_single_dose=2.0,
                             max_daily_dose=8.0, routes=["oral"]),
                    2.0, "oral", "q6h")
    # A high-alert order for the co-sign on one device (item 3).
    # Its lab rules name the labs the co-signer sees: potassium (one on
    # record, 2 hours old) and creatinine (none).
    heparin = order(dpb.Drug(code="HEPDEV_" + uuid.uuid4().hex[:8],
                             name="Heparin 5000 units (one device)",
                             unit="[iU]", max_single_dose=10000.0,
                             max_daily_dose=40000.0, routes=["sc"],
                             high_alert=True,
                             lab_rules="potassium:max=6:warn;"
                             "creatinine:max=300:warn",
                             lab_rules_source="test data: heparin "
                             "hyperkalaemia and renal function"),
                    5000.0, "sc", "q12h")
    rpb = protos.module("records")
    cstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p.patient_id, kind=rpb.ENTRY_KIND_OBSERVATION,
        title="Potassium", observation=rpb.Observation(
            loinc_code="2823-3", display="Potassium", numeric=4.2,
            ucum_unit="mmol/L", effective_ms=int(time.time() * 1000) -
            2 * HOUR_MS)), role="clinician", timeout=30)
    return {"id": p.patient_id, "mrn": p.mrn, "order": tablets,
            "heparin": heparin, "family": "Devers",
            "birth_date": "1960-01-02"}


SPEED_BEDS = 30


@pytest.fixture(scope="module")
def chinese(cstack):
    """A Chinese patient on the ward, registered as family 王, given 芳
    (issue 77: shown 王芳, not 芳 王)."""
    return _admitted(cstack, "王", "芳", "19")


@pytest.fixture(scope="module")
def speed(cstack, patient, bedside, late, deviation, noted, chinese):
    """Issue 51, "Speed": the ward filled to 30 beds, each patient with
    an order, and one patient with 7 days of MAR (a q6h and a q8h order
    started 7 days ago, every dose charted at its time)."""
    dpb = protos.module("dosage")
    drug = dpb.Drug(code="PARASPD_" + uuid.uuid4().hex[:8],
                    name="Paracetamol 500 mg tablet (ward)", unit="tablet",
                    max_single_dose=2.0, max_daily_dose=8.0,
                    routes=["oral"])
    # The q8h order's drug is another one (dosage spaces the doses of
    # one drug whatever the order).
    other = dpb.Drug(code="IBUSPD_" + uuid.uuid4().hex[:8],
                     name="Ibuprofen 200 mg tablet (ward)", unit="tablet",
                     max_single_dose=2.0, max_daily_dose=6.0,
                     routes=["oral"])
    for d in (drug, other):
        cstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=d),
                    role="pharmacist", timeout=30)
    now = int(time.time() * 1000)
    week = now - 7 * 24 * HOUR_MS + 30 * 60 * 1000

    def order(pid, frequency, start, d=drug):
        return cstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
            order=dpb.Order(patient_id=pid, drug_code=d.code, dose=1.0,
                            unit="tablet", route="oral", frequency=frequency,
                            start_ms=start)), role="clinician", timeout=30)
    # The fixtures above admitted 7 patients to the ward, 5 where the
    # bedside pair (which needs ../shared's face models) was not set up.
    admitted = 7 if bedside else 5
    ids = []
    for i in range(SPEED_BEDS - admitted):
        # The last in bed 9: a one-digit bed sorts before the two-digit ones.
        p = _admitted(cstack, "Speed" + chr(ord("a") + i).upper(), "Bea",
                      str(20 + i) if i < SPEED_BEDS - admitted - 1 else "9")
        assess_allergies(cstack, p.patient_id, role="clinician")
        ids.append(p.patient_id)
        if i:
            order(p.patient_id, "q6h", now - 3 * HOUR_MS)
    mar, given = ids[0], []
    idov = dpb.Override(reason=dpb.OVERRIDE_REASON_EMERGENCY,
                        text="wristband read, two identifiers")
    for freq, every, d in (("q6h", 6, drug), ("q8h", 8, other)):
        o = order(mar, freq, week, d)
        for at in range(week, now - 30 * 60 * 1000, every * HOUR_MS):
            cstack.call("dosage", "RecordAdministration",
                        dpb.RecordAdministrationRequest(
                            order_id=o.id, dose=1.0, unit="tablet",
                            effective_ms=at, identity_override=idov),
                        role="nurse", timeout=30)
            given.append(at)
    days = [_ward_day(now - d * 24 * HOUR_MS) for d in range(6, -1, -1)]
    return {"mar": mar, "doses": len(given), "days": days,
            "givenByDay": [sum(1 for at in given if _ward_day(at) == day)
                           for day in days]}


NOTE = "Allergic to codeine - rash. Takes bisoprolol daily."


@pytest.fixture(scope="module")
def noted(cstack):
    """A patient on the ward whose admission note (made through records,
    as a clinician writes it) mentions an allergy and a home medicine:
    two pending suggestions of the note reader (issue 55)."""
    rpb = protos.module("records")
    p = _admitted(cstack, "Notewell", "Nell", "18")
    cstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p.patient_id, kind=rpb.ENTRY_KIND_NOTE,
        title="Admission", body=NOTE), role="clinician", timeout=30)
    sugs = []
    for _ in range(100):  # the reader runs after the write commits
        sugs = cstack.call("records", "ListSuggestions",
                           rpb.ListSuggestionsRequest(
                               patient_id=p.patient_id),
                           role="clinician").suggestions
        if len(sugs) == 2:
            break
        time.sleep(0.1)
    assert sorted(x.code for x in sugs) == ["bisoprolol", "codeine"], sugs
    # NEWS2 (issue 51): alert 14 hours ago, past the 12 hours the facade
    # scores by default; the rest an hour ago.
    now = int(time.time() * 1000)
    air = {"inhaled_oxygen_flow": rpb.Quantity(value=0, unit="L/min")}
    _vitals(cstack, rpb, p.patient_id, now - 14 * HOUR_MS, 80, 130, 37.0,
            consciousness=rpb.CONSCIOUSNESS_ALERT, **air)
    _vitals(cstack, rpb, p.patient_id, now - HOUR_MS, 78, 128, 36.8, **air)
    return {"id": p.patient_id, "mrn": p.mrn, "allergy": "codeine",
            "medicine": "bisoprolol"}


@pytest.fixture(scope="module")
def run(cstack, idp, patient, bedside, late, deviation, noted, speed,
        chinese, tmp_path_factory):
    """One pass of e2e.mjs through every screen; its JSON report."""
    shots = os.path.join(paths.build_dir(), "console-screens")
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    base = cstack.fhir_url()
    settings = {
        "modules": E2E_MODULES, "chromium": CHROMIUM,
        "console": base[:-len("/fhir")] + "/console/",
        "screenshots": shots,
        "nurse": {"user": "nurse.console",
                  "password": idp.users["nurse.console"]["password"]},
        "auditor": {"user": "auditor.console",
                    "password": idp.users["auditor.console"]["password"]},
        "cosigner": {"user": "pharm.console",
                     "password": idp.users["pharm.console"]["password"]},
        "clinician": {"user": "dr.console",
                      "password": idp.users["dr.console"]["password"]},
        "bedside": bedside,
        "late": late,
        "deviation": deviation,
        "noted": noted,
        "speed": speed,
        "patient": {"id": patient.patient_id, "name": "Iris Wardley",
                    "mrn": patient.mrn},
        "unknownPatient": str(uuid.uuid4()),
        # What this module wrote as data, shown as written whatever the
        # screen's language (latinWords leaves it out of the check).
        "dataTexts": SEEDED_TEXTS + [WARD_ZONE] + list(idp.users),
        # The en-GB catalogue (its keys) the zh-CN screens must not show.
        "catalogue": sorted(catalogue.keys())}
    # A break-glass grant on the patient's chart for the audit review.
    ipb = protos.module("identity")
    cstack.call("identity", "StartBreakGlass", ipb.StartBreakGlassRequest(
        patient_id=patient.patient_id, reason="UNCONSCIOUS",
        justification="console review", minutes=30), role="nurse",
        timeout=30)
    path = str(tmp_path_factory.mktemp("e2e") / "settings.json")
    with open(path, "w") as f:
        json.dump(settings, f)
    r = subprocess.run(["/usr/bin/node", os.path.join(
        os.path.dirname(__file__), "e2e.mjs"), path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=400)
    lines = r.stdout.decode().strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    report["rc"] = r.returncode
    report["unknownId"] = settings["unknownPatient"]
    report["patientId"] = patient.patient_id
    report["stderr"] = r.stderr.decode()[-3000:]
    return report


def _failure_words(failed):
    """A failed step as lines pytest prints whole: the step, its error and
    what each open page said then (e2e.mjs, screensNow)."""
    if failed is None:
        return "no step failed"
    lines = ["step %r failed: %s" % (failed["step"], failed["error"])]
    for s in failed.get("screens", []):
        lines.append("  page %s says: %s" % (s["url"], s["main"]))
    return "\n".join(lines)


def _passed(run, name):
    failed = run.get("failed")
    assert failed is None or failed["step"] != name, _failure_words(failed)
    assert name in run["steps"], "%s\n%s" % (_failure_words(failed),
                                             run["stderr"])


def test_sign_in_by_code_and_pkce(run):
    """The console signs in at the provider (a wrong password refused
    there) and shows the user and role from the access token."""
    for name in ("sign-in screen", "wrong password refused",
                 "nurse signs in"):
        _passed(run, name)
    # The access token the provider issued, as the services read it
    # (docs/security.md): RS256, an RFC 9068 access token, the audience,
    # the user, roles, units and the SMART scope.
    head, claims = run["token"]["header"], run["token"]["claims"]
    assert head["alg"] == "RS256" and head["typ"] == "at+jwt", head
    assert claims["aud"] == "smartmed-api", claims
    assert claims["preferred_username"] == "nurse.console", claims
    assert claims["roles"] == ["nurse"] and claims["units"] == [WARD], claims
    assert claims["scope"] == "user/*.cruds", claims
    assert claims["client_id"] == "smartmed-console", claims


def test_ward_list(run, bedside):
    """The ward list is the census of the nurse's ward (bed, banner
    facts, allergy flag, dose counts), read without typing; adding a
    listed patient by MRN lists them once; another ward is refused."""
    _passed(run, "ward list")
    row = run["wardRow"]
    assert row[0] == "%s / %s" % (WARD, BED), row
    assert row[1] == "Iris Wardley" and row[2].startswith("MRN-"), row
    assert row[4] == "Allergies: 1", row
    assert run["wardPatient"] == run["patientId"], run
    # Issue 77, item 7: beds in the order the ward numbers them, bed 9
    # first, never as text (9 after 43).
    beds = [b for b in run["wardBeds"] if b.startswith(WARD + " / ")]
    numbers = [int(b.split(" / ")[1]) for b in beds]
    assert numbers[0] == 9 and numbers == sorted(numbers), beds
    assert run["wardCaption"].startswith("Patients on " + WARD), run
    if bedside is not None:
        assert {"Tom Bedsider", "Sam Otherbed"} <= set(run["wardNames"])
    assert run["wardRowsOfPatient"] == 1, run
    assert "ward-elsewhere" in run["otherWard"] and \
        "not one of your units" in run["otherWard"], run["otherWard"]
    assert run["wardPatient"] == run["patientId"], run  # found by MRN
    assert row[4] == "Allergies: 1", row
    # Doses due within the hour, overdue, given awaiting a co-sign.
    assert row[5:] == ["0", "0", "0"], row
    _passed(run, "unknown patient refused")
    assert run["unknownPatient"].startswith(
        'No patient of yours has the MRN or id "%s"' % run["unknownId"]), run


def test_names_as_their_culture_writes_them(run, chinese):
    """Issue 77: the ward list shows a Chinese name family name first
    without a space (王芳) and a Western one given name first (Iris
    Wardley), by the console's one patientName."""
    _passed(run, "ward list")
    assert "王芳" in run["wardNames"], run["wardNames"]
    assert "芳 王" not in run["wardNames"], run["wardNames"]
    assert "Iris Wardley" in run["wardNames"], run["wardNames"]


def test_mar_grid(run):
    """Today's 24 hours for the order: the dose given and the refused one
    in words, with the banner's facts."""
    _passed(run, "MAR")
    assert "Iris Wardley" in run["banner"] and "Penicillin" in \
        run["banner"] and "Weight 71.5 kg · " in run["banner"] and \
        " ago (" in run["banner"], run["banner"]
    assert run["marCaption"].endswith("hours in %s" % WARD_ZONE), run
    assert len(run["mar"]) == 2, run["mar"]
    tablets = [r for r in run["mar"] if "Paracetamol 500 mg tablet" in r]
    infusion = [r for r in run["mar"] if "Heparin 25,000 units" in r]
    assert len(tablets) == 1 and len(infusion) == 1, run["mar"]
    # The infusion's rate history along its row.
    assert "Ran 2 mL/h" in infusion[0] and "Ran 1 mL/h" in infusion[0], \
        infusion
    # The refused 07-hours-ago dose and the one given now account for
    # both slots so far: nothing overdue.  (Whether the next one is due
    # today depends on the hour the test runs at.)
    row = tablets[0]
    assert "Not given" in row and "Given" in row, row
    assert "Overdue" not in row, row
    # Under the grid, what she took before admission (dosage's
    # home-medicine list, as MedicationStatement), for reconciliation.
    assert run["homeMeds"] == [["Bisoprolol 5 mg tablets", "5 mg once daily",
                                "Taking", "GP letter"]], run["homeMeds"]


def test_mar_is_dosages_view_late_dose(run, late):
    """Issue 51: a q8h dose given 90 minutes late fills the slot it was
    given for (dosage's MAR says which): that slot reads "Given" with the
    time it was due and no "Overdue" beside it; the dose of 9.5 hours ago
    that nobody charted stays on the chart as missed, the ward list counts
    it (and only it) as overdue, and the MAR opens at the current hour and
    points to where the missed dose is."""
    _passed(run, "late dose on the MAR")
    given = run["lateGiven"]
    assert "Given" in given["text"] and "(due " in given["text"], given
    assert "Overdue" not in given["text"], given
    assert "given" in given["states"], given
    assert "late" not in given["states"], given
    missed = run["lateMissed"]
    assert "Missed" in missed["text"], missed
    assert "missed" in missed["states"], missed
    # Once: the given dose answers its own slot, not the missed one.
    both = given["states"] + (missed["states"] if late["missedDay"] !=
                              late["givenDay"] else [])
    assert both.count("given") == 1 and both.count("missed") == 1, both
    # The ward list: one overdue (the missed dose), none due.
    assert run["lateWardRow"][5:] == ["0", "1", "0"], run["lateWardRow"]
    # The MAR opens at the current hour (tablet width, 820 px); a missed
    # dose of today it cannot show beside it is said by a control that
    # scrolls to it (issue 77, item 7).
    opened = run["lateOpen"]
    assert opened["nowInView"] is True, opened
    if late["missedDay"] == late["today"] and not opened["missedInView"]:
        assert "overdue earlier today" in (opened["control"] or ""), opened
    # The MAR points where the missed dose is, and it comes into view
    # (on the day before through its link, today through the control).
    if late["missedDay"] != late["today"]:
        assert "of the day before still to act on" in run["lateEarlier"], \
            run["lateEarlier"]
    assert run["lateMissedInView"] is True, run
    # Reported, not asserted: the ward list and the MAR drawn in chromium.
    print("console timings:", run.get("timings"), "MAR opened:",
          run.get("lateOpen"))


def test_dose_deviation(run):
    """Issue 51: the nurse gives one tablet of the two ordered.  The form
    asks why only once the dose differs; without a reason the checklist
    shows a blocker and dosage refuses it ("not the ordered dose", in a
    nurse's words); with a coded reason and a note the line is a warning,
    the dose is recorded (the facade's dose-deviation extension) and said
    with its reason; the MAR's slot reads "not the ordered dose" with
    dosage's summary; the form lists dosage's own state of the order's
    doses (due before, given after; not given with its reason)."""
    _passed(run, "dose deviation refused without a reason")
    assert run["deviationHiddenAtFirst"] is True, run
    assert "Due" in run["deviationSlotsBefore"] or \
        "Overdue" in run["deviationSlotsBefore"], run["deviationSlotsBefore"]
    blocker = run["deviationCheckBlocker"]
    assert blocker["cls"] == "check-blocker" and \
        "choose why the dose differs" in blocker["text"], blocker
    assert run["deviationRefusedKey"] == "dose-not-ordered", run
    assert run["deviationRefused"].startswith(
        "Not recorded: The dose you entered is not the ordered dose."), run
    _passed(run, "dose deviation recorded with its reason")
    warn = run["deviationCheckWarn"]
    assert warn["cls"] == "check-warn" and "Part of the dose: the patient " \
        "refused the rest (took one tablet, refused the second)" in \
        warn["text"], warn
    rec = run["deviationRecorded"]
    assert rec.startswith("✔ Dose recorded as given at"), rec
    assert "Recorded 1 tablet, not the ordered 2 tablet: Part of the dose" \
        in rec, rec
    _passed(run, "dose deviation on the MAR")
    mar = run["deviationMar"]
    assert mar["text"].endswith(", not the ordered dose"), mar
    assert "charted 1 tablet" in mar["title"] and "ordered 2" in \
        mar["title"], mar
    assert run["deviationSlotsAfter"].startswith("Given "), \
        run["deviationSlotsAfter"]
    assert "not the ordered dose" in run["deviationSlotsAfter"], run
    bad = [v for v in run["axe"].get("deviation", [])
           if v["impact"] in SERIOUS]
    assert "deviation" in run["axe"] and not bad, bad


def test_cosign_on_one_device(run):
    """Issue 51, item 3: the second person co-signs on the nurse's own
    device.  A pharmacist signs in with their own password in a window
    of its own (the provider asks for it although the nurse's session is
    open there: prompt=login); the nurse's screen then shows who co-signs
    and what they check (the order, the dose drawn up, allergies,
    weight); the pharmacist's dose and token make the co-sign, its id
    goes into the form by itself (no retyping), the dose is recorded, and
    the nurse is still the one signed in."""
    _passed(run, "co-sign on one device")
    one = run["oneDevice"]
    assert one["cosigner"].startswith("Second person: pharm.console "
                                      "(pharmacist)"), one
    facts = " ".join(one["facts"])
    assert "Order: Heparin 5000 units (one device), 5,000 units, sc" in \
        facts and "Dose drawn up by nurse.console: 2,500 units" in facts \
        and "No known allergies" in facts, facts
    # The weight the dose checks use (dosage's, charted 3 days ago), with
    # its age (issue 77, item 5), never "Weight not recorded".
    assert "Weight 82 kg · 3 d ago (" in facts, facts
    # The latest labs the drug's lab rules name, with their time, and
    # the one not on record said so (the other device's screen too).
    assert re.search(r"Latest labs: Potassium 4\.2 mmol/L \(\d\d [A-Z][a-z]+"
                     r",? \d\d:\d\d\); Creatinine: none on record$",
                     one["labs"]), one["labs"]
    assert one["labs"] in one["facts"], one
    # The co-signer confirms the dose other than the ordered one with the
    # coded reason (the nurse's offered), and $cosign carries it: dosage
    # takes a co-sign of another dose only with its reason.
    assert one["cosignerReasonHidden"] is True, one
    assert one["cosignerReason"] == "titration-per-protocol", one
    assert one["cosignerNote"] == "sliding scale", one
    assert one["check"]["cls"] == "check-ok" and one["check"]["text"] \
        .endswith("Co-signed by pharm.console (%s)" % one["cosignId"]), one
    assert len(one["cosignId"]) >= 32, one
    assert one["recorded"].startswith("✔ Dose recorded as given at"), one
    assert "Recorded 2,500 units, not the ordered 5,000 units: Set by " \
        "the protocol (sliding scale, titration) (sliding scale)." in \
        one["recorded"], one
    assert one["who"].startswith("nurse.console (nurse"), one
    assert one["popupClosed"] is True, one
    # The pharmacist's provider session was ended in the pop-up: a reload
    # of the nurse's console asks for a password, and signs the nurse in.
    _passed(run, "keyboard reaches the screens")
    assert run["reloadAskedPassword"] is True, run
    assert run["whoAfterReload"].startswith("nurse.console"), run


def test_speed_reported(run, speed):
    """Issue 51, "Speed": the ward list of a 30-bed ward and a MAR with 7
    days of doses, each timed in Chromium from the route's start to the
    screen drawn (three times each, the first cold; then each of the 7
    days of the MAR).  Reported, not asserted: a busy test machine must
    not fail it; docs/console.md keeps the figures."""
    _passed(run, "speed")
    sp = run["speed"]
    assert sp["wardRows"] >= SPEED_BEDS, sp
    assert len(sp["ward"]) == 3 and len(sp["mar"]) == 3, sp
    assert len(sp["marDays"]) == 7, sp
    # Each day's doses on that day's MAR, on the ward's clock: today has
    # none while the ward is less than five and a half hours past its
    # midnight (the last q6h dose was given then), the full days 7 each.
    assert sp["givenByDay"] == speed["givenByDay"], (sp, speed)
    print("\nspeed: ward list of %d beds drawn in %s ms; MAR (%d doses "
          "over 7 days) opened in %s ms; each day of the 7 in %s ms; "
          "load average %s" % (sp["wardRows"], sp["ward"], speed["doses"],
                               sp["mar"], sp["marDays"],
                               " ".join("%.2f" % x for x in os.getloadavg())))


def test_vital_sign_charts(run):
    """A chart per vital sign charted, three readings each, the
    reference range drawn as a band."""
    _passed(run, "vital signs")
    charts = {c["code"]: c for c in run["charts"]}
    for code in ("8310-5", "8867-4", "59408-5", "9279-1", "29463-7"):
        assert charts[code]["points"] == 3, charts
    assert charts["85354-9"]["points"] == 6, charts  # systolic, diastolic
    assert charts["8867-4"]["band"] == "51-90", charts
    # Issue 51, item 4: the latest value as a number with its time, the
    # readings outside their range marked (38.4 °C; 150/105 mmHg, both
    # pressures banded), SpO2's axis never above 100.
    assert charts["8310-5"]["latest"].startswith("Latest 36.9 °C, "), charts
    assert charts["8310-5"]["out"] == 1 and \
        charts["8310-5"]["latestOut"] == "false", charts
    bp = charts["85354-9"]
    assert bp["latest"].startswith("Latest 122/77 mmHg, "), bp
    assert bp["bands"] == ["90-140", "60-90"] and bp["out"] == 2, bp
    assert charts["8867-4"]["out"] == 0, charts
    assert charts["59408-5"]["axisTop"] <= 100, charts["59408-5"]


def test_news2_on_the_vital_signs(run):
    """Issue 51, item 4: NEWS2 from each parameter's latest reading, as
    the facade's $news2 scores it: RR 16, SpO2 97, on oxygen (2), SBP 122,
    pulse 72, alert (6 hours ago), 36.9 °C: 2, low risk; each parameter
    with its value, its age and its points."""
    _passed(run, "vital signs")
    n = run["news2"]
    assert n["score"] == "NEWS2 score 2: Low clinical risk", n
    assert n["risk"] == "low", n
    assert n["response"].startswith("Ward-based response"), n
    rows = n["rows"]
    assert rows["air-or-oxygen"] == ["Air or oxygen", "Oxygen 2 L/min",
                                     rows["air-or-oxygen"][2], "2"], rows
    assert rows["consciousness"][1:] == ["Alert", "6 h ago", "0"], rows
    assert rows["spo2"][0] == "SpO2 (Scale 1)", rows
    assert rows["respiration-rate"][1:] == ["16 /min", "2 h ago", "0"], rows
    assert rows["temperature"][1] == "36.9 °C", rows


def test_bedside_administration(run, bedside):
    """The camera's photo of another face is refused for the patient in
    plain words; the right face gets the token, a product of another drug
    is refused by the product scan check, the ordered product is
    recorded; a high-alert dose is refused without a co-sign and recorded
    with a pharmacist's, made in the pharmacist's own session (who reads
    the chart by type: no records or encounters for that role)."""
    if bedside is None:
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    _passed(run, "wrong-patient face refused")
    assert "does not match Sam Otherbed" in run["wrongFace"], run
    assert "ask the patient to say their full name and date of birth" in \
        run["wrongFace"], run
    assert run["statedOffered"] is True, run
    _passed(run, "dose not given")
    assert run["notGiven"].endswith("recorded as not given (Patient "
                                    "refused)."), run["notGiven"]
    _passed(run, "face confirmed")
    assert run["faceConfirmed"] == ("✔ Wristband and face match Tom "
                                    "Bedsider"), run["faceConfirmed"]
    _passed(run, "product of another drug refused")
    assert "product scan check" in run["wrongProduct"], run["wrongProduct"]
    assert run["wrongProductKey"] == "wrong-product", run
    _passed(run, "dose recorded")
    assert run["offline"].startswith(
        "Not recorded: The hospital system cannot be reached. Nothing was "
        "recorded.Check the network and try again."), run["offline"]
    assert run["recorded"].startswith("✔ Dose recorded as given"), run
    _passed(run, "high-alert dose needs a co-sign")
    # Issue 51: the refusal in a nurse's words, keyed by dosage's field
    # (cosign_id), the service's words behind a closed "Details".
    assert run["noCosignKey"] == "cosign-needed", run
    assert run["noCosignShown"].startswith(
        "Not recorded: This is a high-alert drug: a second person must "
        "check the dose first."), run["noCosignShown"]
    assert "dosage" not in run["noCosignShown"] and "extension" not in \
        run["noCosignShown"], run["noCosignShown"]
    assert run["noCosignDetailsOpen"] is False, run
    assert "high-alert co-sign check" in run["noCosignDetail"] and \
        "cosign_id" in run["noCosignDetail"], run["noCosignDetail"]
    # The checklist: the missing co-sign is a blocker, not a tick.
    assert run["cosignCheck"]["cls"] == "check-blocker", run["cosignCheck"]
    assert "✔" not in run["cosignCheck"]["text"], run["cosignCheck"]
    # Units as people write them: heparin in units, never [iU].
    assert any("5000 units" in d for d in run["marAfterDrugs"]), \
        run["marAfterDrugs"]
    assert not any("[iU]" in d for d in run["marAfterDrugs"]), \
        run["marAfterDrugs"]
    _passed(run, "second user co-signs")
    assert run["cosignedBy"] == "Co-signed by pharm.console. Co-sign id " \
        "for the nurse:", run["cosignedBy"]
    # What a pharmacist may not read is said to be unknown, never "none".
    for what in ("Bed not shown", "Weight not shown"):
        assert what in run["cosignBanner"], run["cosignBanner"]
    # The allergy list they may read (they confirm the allergies a note
    # suggests, issue 55): this patient's is charted as none known.
    assert "Allergies not shown" not in run["cosignBanner"], \
        run["cosignBanner"]
    assert "No known allergies" in run["cosignBanner"], run["cosignBanner"]
    _passed(run, "high-alert dose recorded")
    _passed(run, "MAR shows the doses")
    # One tablet (the offline try recorded nothing) and the heparin.
    assert [r.count("Given") for r in run["marAfter"]] == [1, 1], \
        run["marAfter"]


def test_bedside_without_a_camera(run, bedside):
    """Another patient's wristband is refused before anything is sent; a
    browser with no camera says so after the right wristband and offers
    the ward's second check instead: name and date of birth as the
    patient states them.  Ones that differ from the wristband's record
    are refused; the right ones give identity's token and the dose is
    recorded on it (issue 73), not on an override."""
    if bedside is None:
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    _passed(run, "wrong wristband refused")
    assert run["wrongBand"].startswith("This wristband (%s) is not Sam "
                                       "Otherbed's" % bedside["me"]["mrn"])
    _passed(run, "no camera said in words")
    assert "name and date of birth instead" in run["noCamera"], \
        run["noCamera"]
    _passed(run, "stated name and date of birth that differ refused")
    assert "Do not give" in run["statedWrong"], run["statedWrong"]
    assert "Not given" in run["otherSlots"] and \
        "declined at the round" in run["otherSlots"], run["otherSlots"]
    _passed(run, "dose given after the stated check")
    assert run["statedConfirmed"] == ("✔ Wristband, name and date of birth "
                                      "match Sam Otherbed"), run
    assert run["bandRecorded"].startswith("✔ Dose recorded as given"), \
        run["bandRecorded"]


def test_audit_review_and_roles(run):
    """The auditor's access report of the patient (the nurse's reads
    among them), the break-glass grant to review, the proof of the oldest
    event verified in the browser and a tampered one not."""
    _passed(run, "auditor signs in")
    _passed(run, "audit review")
    assert run["auditEvents"] > 0, run
    assert "nurse.console" in run["auditWho"], run["auditWho"]
    # Issue 51, item 5: found by MRN, newest first, outcomes in words.
    rec = run["auditRecorded"]
    assert rec == sorted(rec, reverse=True), rec
    assert all(o and "gRPC" not in o and "status" not in o
               for o in run["auditOutcomes"]), run["auditOutcomes"]
    assert "Allowed" in run["auditOutcomes"], run["auditOutcomes"]
    # People's accesses apart from the services' calls on their behalf.
    assert not any(w.startswith("service:") for w in run["auditWho"]), \
        run["auditWho"]
    assert "service-to-service calls not shown" in run["auditCaption"], \
        run["auditCaption"]
    assert any(w.startswith("service:") for w in run["auditWhoAll"]), \
        run["auditWhoAll"]
    assert any("UNCONSCIOUS" in g and "console review" in g and "Active" in g
               for g in run["grants"]), run["grants"]
    assert run["proof"].startswith("Verified: entry "), run["proof"]
    assert "(signature checked)" in run["proof"], run["proof"]
    _passed(run, "tampered proof not verified")
    assert run["tamperedProof"] == ("Not verified: the audit path does not "
                                    "lead to the signed root"), run
    _passed(run, "audit review by name")
    assert run["auditByName"].startswith("Access report of Iris Wardley "
                                         "(MRN MRN-"), run["auditByName"]
    _passed(run, "auditor reads no chart")
    assert run["auditorChart"].startswith("Not allowed for your role: "), \
        run["auditorChart"]


def test_screens_in_simplified_chinese(run, bedside):
    """Issue 51, item 6: a browser whose language is zh-CN gets the sign-in,
    ward list, MAR, vital signs and bedside screens with no en-GB catalogue
    string left in their chrome (headings, labels, buttons, captions,
    column heads, banner, header), <html lang> zh-CN, the role and the
    MAR's date and dose states in Chinese (Intl for the locale); the
    header's picker turns the console to English."""
    _passed(run, "zh-CN screens")
    zh = run["zh"]
    want = {"signin", "ward", "mar", "vitals", "notes"} | (
        {"give"} if bedside is not None else set())
    assert set(zh["screens"]) == want, zh["screens"].keys()
    for name, screen in zh["screens"].items():
        assert screen["left"] == [], (name, screen)
    assert zh["screens"]["signin"]["lang"] == "zh-CN", zh
    assert "病区患者" in zh["screens"]["ward"]["text"], zh
    assert "护士" in zh["who"], zh["who"]
    # issue 55's suggestions and issue 51's stale NEWS2 in Chinese
    assert "来自记录的建议" in zh["screens"]["notes"]["text"], zh
    # the note reader's findings by their Chinese names (issue 77, item
    # 3): the substance, the medicine and the reaction
    assert "过敏：可待因（反应：皮疹）" in zh["screens"]["notes"]["text"], zh
    assert "比索洛尔" in zh["screens"]["notes"]["text"], zh
    assert zh["news2Stale"].startswith("NEWS2 不完整（已过时："), zh
    # The co-sign screen's latest labs (issue 51, item 3).
    assert zh["cosignLabs"].startswith("最新化验：血钾 4.2 mmol/L（") and \
        zh["cosignLabs"].endswith("）；肌酐：无记录"), zh["cosignLabs"]
    # The day as zh-CN writes it (Intl): 2026年11月25日星期三.
    assert "年" in zh["marCaption"] and "日" in zh["marCaption"] and \
        WARD_ZONE in zh["marCaption"], zh["marCaption"]
    assert any(c.startswith(("已给药", "未给药")) for c in zh["marCells"]), \
        zh["marCells"]
    assert not any(c.startswith(("Given", "Not given", "Due"))
                   for c in zh["marCells"]), zh["marCells"]
    # Issue 77, item 3: no English word on a zh-CN screen, the provider's
    # sign-in page included; what is left is data (drug and patient names,
    # codes) or a symbol Chinese charts write too.
    allowed = ZH_ALLOWED
    left = {k: sorted(w for w in set(v) - allowed if not CODE.match(w))
            for k, v in zh["latin"].items()}
    assert not any(left.values()), json.dumps(left, ensure_ascii=False)
    assert set(zh["latin"]) >= {"idp", "ward", "mar", "vitals", "cosign"}, \
        zh["latin"].keys()
    # An order's route and frequency as Chinese charts write them.
    assert any("口服" in d and "每6小时一次" in d for d in zh["marDrugs"]), \
        zh["marDrugs"]
    bad = {k: [v for v in run["axe"].get(k, []) if v["impact"] in SERIOUS]
           for k in ("ward-zh", "mar-zh", "notes-zh")}
    assert not any(bad.values()), bad
    _passed(run, "language picked by the user")
    pick = zh["afterPick"]
    assert pick["lang"] == "en-GB", pick
    # the screen left in Chinese, now in English: the bedside give screen,
    # or the co-sign screen where ../shared has no face models
    assert pick["h1"] == "Vital signs" or \
        pick["h1"].startswith(("Give: ", "Co-sign: ")), pick
    assert "Ward list" in pick["nav"], pick


def test_keyboard_and_no_patient_data_kept(run):
    """Tokens and patient data live in memory: nothing in browser storage
    after the screens, and a reload needs a new sign-in (which the
    keyboard reaches)."""
    _passed(run, "nothing in browser storage")
    assert run["storage"] == {"local": 0, "session": 0, "idb": 0,
                              "cookies": ""}, run["storage"]
    _passed(run, "keyboard reaches the screens")
    _passed(run, "sign out")


def test_an_expired_session(run):
    """Fifteen minutes on, the token has expired: the console says so and
    sends nothing with it."""
    _passed(run, "expired session asks for a new sign-in")
    assert run["expired"] == "Your session has ended: sign in again.", run


def test_accessibility(run, bedside):
    """axe-core (WCAG 2.1 A and AA rules) finds no serious or critical
    violation on any screen."""
    want = {"signin", "ward", "mar", "vitals", "audit", "notes",
            "notes-nurse"}
    if bedside is not None:
        want |= {"bedside", "cosign"}
    assert set(run["axe"]) >= want, run.get("failed")
    bad = {k: [v for v in vs if v["impact"] in SERIOUS]
           for k, vs in run["axe"].items()}
    assert not any(bad.values()), bad


def test_note_suggestions(run, cstack, noted):
    """Issue 55: the note reader's pending suggestions on their own screen,
    each with what, the words quoted from the note, which note and when; a
    nurse sees them (and the suggested allergy in the banner, apart from
    the chart's allergies) without the buttons; a clinician's reject
    needs a reason, and a rejected and a confirmed suggestion are gone,
    the confirmed allergy in the banner and records' list."""
    for name in ("note suggestions seen by a nurse",
                 "note suggestions seen by a pharmacist",
                 "note suggestion rejected by a clinician",
                 "note suggestion confirmed by a clinician"):
        _passed(run, name)
    cards = run["notesNurse"]
    allergy = [c for c in cards if c.startswith("Allergy: codeine")]
    med = [c for c in cards if c.startswith("Home medicine: bisoprolol")]
    assert len(cards) == 2 and allergy and med, cards
    assert "(reaction: rash)" in allergy[0], allergy
    assert 'From the note "Admission" (version 1) of ' in allergy[0], allergy
    assert "None of it is in the chart" not in allergy[0]
    assert run["notesNurseButtons"] == 0
    # a pharmacist sees the suggested allergy too, nothing "not shown"
    assert [c for c in run["notesPharmacist"]
            if c.startswith("Allergy: codeine")], run["notesPharmacist"]
    assert run["notesPharmacistHidden"] == 0, run["notesPharmacist"]
    assert "No known allergies" in run["notesBanner"], run["notesBanner"]
    assert "A note mentions an allergy to codeine: not confirmed" in \
        run["notesBanner"], run["notesBanner"]
    assert run["notesWardRow"][4] == "None known 1 from notes, not confirmed", \
        run["notesWardRow"]
    assert run["notesNoReason"].startswith("Say why it is rejected"), run
    assert run["notesRejected"].startswith("Rejected: bisoprolol"), run
    assert run["notesConfirmed"].startswith("Confirmed: codeine"), run
    assert run["notesAfter"] == 0
    after = run["notesBannerAfter"]
    assert "allergies: codeine" in after.lower() and \
        "not confirmed" not in after, \
        after
    rpb = protos.module("records")
    sugs = {x.code: x for x in cstack.call(
        "records", "ListSuggestions", rpb.ListSuggestionsRequest(
            patient_id=noted["id"]), role="clinician").suggestions}
    assert sugs["codeine"].status == rpb.SUGGESTION_STATUS_CONFIRMED
    assert sugs["bisoprolol"].status == rpb.SUGGESTION_STATUS_REJECTED
    assert sugs["bisoprolol"].reason == "stopped last month"
    assert sugs["codeine"].decided_by.startswith("dr.console"), \
        sugs["codeine"]


def test_news2_incomplete_but_in_danger(run):
    """Issue 77, item 6: an incomplete NEWS2 whose present parameters
    already add up to 14 leads with that floor and its band (high, with
    chart 2's emergency response), naming what was not scored, instead
    of only "incomplete"."""
    _passed(run, "incomplete NEWS2 in danger")
    n = run["news2Partial"]
    assert n["score"] == ("NEWS2 at least 14: High clinical risk; Air or"
                          " oxygen, Consciousness (ACVPU) not scored"), n
    assert n["risk"] == "high", n
    assert n["response"] == ("Emergency response: assessment by a"
                             " critical-care team."), n


def test_news2_stale_on_the_vital_signs(run):
    """Issue 51: a parameter older than $news2's limit (12 hours) is not
    scored from its old reading: the score reads incomplete, naming it
    stale, and its row says so beside its age."""
    _passed(run, "note suggestions seen by a nurse")
    n = run["news2Stale"]
    assert n["score"] == ("NEWS2 incomplete (stale: Consciousness (ACVPU)):"
                          " measure again"), n
    assert n["stale"] == {"consciousness": ["Alert", "14 h ago (stale)",
                                            "–"]}, n
    assert "older than 12 h is stale" in n["note"], n


def test_static_files_served_safely(cstack):
    """/console serves its files with their types; no path leaves the
    folder, and only GET is taken."""
    base = cstack.fhir_url()[:-len("/fhir")]
    ctx = ssl.create_default_context(cafile=cstack.ca_path)

    def get(path, method="GET"):
        req = urllib.request.Request(base + path, method=method)
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                return r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()

    status, ctype, body = get("/console/")
    assert status == 200 and ctype.startswith("text/html"), (status, ctype)
    assert b"<script type=\"module\" src=\"/console/app.js\">" in body
    assert get("/console")[0] == 200
    assert get("/console/app.js")[1].startswith("text/javascript")
    assert get("/console/style.css")[1].startswith("text/css")
    status, ctype, body = get("/console/config.json")
    cfg = json.loads(body)
    assert cfg["fhirBase"] == "/fhir" and cfg["clientId"] == \
        "smartmed-console" and cfg["issuer"].startswith("https://"), cfg
    for bad in ("/console/../README.md", "/console/%2e%2e/Makefile",
                "/console/..%2fMakefile", "/console/.hidden.js",
                "/console/sub/app.js", "/console/app.js.bak",
                "/console/nothing.js"):
        assert get(bad)[0] in (400, 404), bad
    # Not the console's: the FHIR API's own answer (a token wanted).
    assert get("/consolex/app.js")[0] == 401
    assert get("/console/app.js", method="POST")[0] == 405


def test_layout_at_phone_tablet_and_desktop_widths(run):
    """Issue 51, item 7, and below 768 px: at 360x740 and 414x896 (a phone
    held upright: the header may take two lines there, no other
    allowance), 768x1024 and 820x1180 (a tablet held upright)
    and 1280x800 (a desktop, a tablet on its side on a drug trolley) the
    ward list, MAR, vital signs, give, co-sign and audit screens (and the
    zh-CN ward list and MAR at 820 px) never scroll the page sideways, the
    header's controls stand on one line (at 820 px the Sign out button
    used to wrap onto a second), beds, MRNs, ages, the audit report's
    times and users and the buttons' words are not wrapped, nothing hidden
    is shown, every button, field and menu is a touch target at least 44
    px high, every control is within the page's width (or in a box that
    scrolls to it), and the MAR scrolls inside its own box, sideways and
    down, with its drug column and hour row sticky."""
    _passed(run, "layout at tablet and desktop widths")
    _passed(run, "audit review layout")
    lay = dict(run["layout"])
    assert len(lay) == 30, sorted(lay)
    for name, m in run["zh"]["layout"].items():
        lay["zh-CN " + name] = m
    assert len(lay) == 32, sorted(lay)
    for name, m in lay.items():
        assert m["overflow"] <= 0, (name, m)
        assert m["unreachable"] == [], (name, m)
        phone = name[0].isdigit() and int(name.split("x")[0]) < 768
        assert phone or m["headerOneLine"], (name, m)
        assert m["small"] == [], (name, m)
        assert m["wrapped"] == [], (name, m)
        assert m["hiddenShown"] == [], (name, m)
        assert m["brokenButtons"] == [], (name, m)
    for size in ("360x740", "414x896", "768x1024", "820x1180", "1280x800"):
        mar = lay[size + " mar"]["mar"]
        assert mar["scrollsInside"] and mar["stickyColumn"] and \
            mar["stickyHeader"] and mar["opaqueColumn"] and mar["onTop"], \
            (size, mar)
        assert mar["scrollsDown"] and mar["stickyHeaderHeld"], (size, mar)
