"""A ward round driven through the API and medctl (issue 18):
a patient registered in identity, a scheduled and an as-needed order, the
MAR read at each step, a dose given after a face verification, a dose
charted as not given, the pack scanned (its GTIN and batch stored), a
PRN dose charted by mistake marked entered in error with medctl, the order
held and resumed, then modified into a new version; every step's audit event is in the audit log with the action
code an auditor filters on (RecordAdministration and RecordNotGiven
create, order changes update, GetMar reads).

The face verification uses the ORL photographs when ../shared holds them;
without them the nurse identifies the patient another way (an audited
identity override), and the rest of the round is the same."""

import json
import os
import subprocess
import time
import uuid

import grpc
import pytest

from harness import Stack, paths, protos, run
from harness.checks import expect_status, now_ms, poll
from harness.faces import ORL, orl_png
from harness.fixtures import running

MIN = 60 * 1000
# The GS1 General Specifications' example GTIN, as the paracetamol pack.
PARA_GTIN = "09506000134352"
HOUR = 60 * MIN
MEDCTL = paths.bin_path("medctl")
_TLS_ENV = {}


@pytest.fixture(scope="module")
def st(tmp_path_factory):
    _, env = run.face_keys(str(tmp_path_factory.mktemp("run")))
    with running(Stack(services=("audit", "identity", "dosage"),
                       patient_checks=True, extra_env=env)) as s:
        _TLS_ENV.update(s.client_tls_env())
        yield s


@pytest.fixture(scope="module")
def pb():
    return protos.module("dosage")



def medctl(st, role, *args):
    """medctl dosage COMMAND ... as role; the reply as JSON."""
    env = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    env.update(_TLS_ENV)
    r = subprocess.run([MEDCTL, "--addr", st.addr("dosage"), "--token",
                        st.token(role), "dosage"] + [str(a) for a in args],
                       env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def register(st):
    ipb = protos.module("identity")
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MAR-" + uuid.uuid4().hex[:12].upper(), family_name="Round",
        given_name="Ward", birth_date="1961-05-06",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id


def identify(st, pb, patient):
    """The fields of RecordAdministration that identify the patient: a
    face-verification token, or (no photographs here) an override."""
    if not os.path.isdir(ORL):
        return dict(identity_override=pb.Override(
            reason=pb.OVERRIDE_REASON_IDENTIFIED_OTHERWISE,
            text="wristband scanned, two identifiers"))
    ipb = protos.module("identity")
    st.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=patient, images=[orl_png(9, n) for n in (1, 2, 3)]),
        role="nurse", timeout=60)
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        patient_id=patient, image=orl_png(9, 5), terminal="ward3-bed2"),
        role="nurse", timeout=60)
    assert v.match, v
    return dict(verification_token=v.verification_token)


def drugs(st, pb):
    tag = uuid.uuid4().hex[:8]
    para = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="MAR-PARA-" + tag, name="Paracetamol 500 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0, routes=["oral"],
        substance="paracetamol", min_interval_minutes=240,
        gtins=[PARA_GTIN])),
        role="pharmacist")
    ondan = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(code="MAR-ONDA-" + tag, name="Ondansetron 4 mg",
                     unit="mg", max_single_dose=8.0, max_daily_dose=24.0,
                     routes=["oral", "iv"], substance="ondansetron")),
        role="pharmacist")
    return para, ondan


def line(m, order_id):
    return [x for x in m["orders"] if x["order"]["id"] == order_id][0]


def states(m, order_id):
    return [s["state"].replace("MAR_SLOT_STATE_", "")
            for s in line(m, order_id).get("slots", [])]


def test_ward_round(st, pb):
    p = register(st)
    para, ondan = drugs(st, pb)
    start = now_ms() - 12 * HOUR - 30 * MIN
    sched = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=para.code, dose=1000.0,
                       unit="mg", route="oral", frequency="q6h",
                       start_ms=start)), role="clinician")
    prn = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=ondan.code, dose=4.0,
                       unit="mg", route="oral", frequency="prn",
                       prn_min_interval_minutes=480, prn_max_daily_dose=12.0,
                       start_ms=start)), role="clinician")

    # The round starts (the MAR's default window: 12 h either side): a
    # dose nobody charted, one due, two to come; the PRN may be given now.
    m = medctl(st, "nurse", "get-mar", "--patient-id", p)
    assert states(m, sched.id) == ["MISSED", "DUE", "UPCOMING", "UPCOMING"]
    q = line(m, prn.id)["prn"]
    assert abs(int(q["next_ms"]) - int(m["now_ms"])) < 1000

    # The missed dose at +6 h is charted: the patient was in imaging.
    ng = medctl(st, "nurse", "record-not-given", "--order-id", sched.id,
                "--scheduled-ms", start + 6 * HOUR, "--reason",
                "NOT_GIVEN_REASON_PATIENT_ABSENT", "--text", "in CT")
    assert ng["status"] == "not-done"

    # The due dose is given after the patient is identified; the PRN too.
    who = identify(st, pb, p)
    # The pack is scanned: the ordered product, in date.
    scan = "]d201%s17%02d123110P-0042" % (PARA_GTIN,
                                          time.gmtime().tm_year % 100 + 1)
    given = st.call("dosage", "RecordAdministration",
                    pb.RecordAdministrationRequest(
                        order_id=sched.id, dose=1000.0, unit="mg",
                        product_scan=scan, **who),
                    role="nurse")
    assert given.status == "completed"
    assert (given.product_gtin, given.product_batch) == (PARA_GTIN,
                                                         "P-0042")
    prn_dose = st.call("dosage", "RecordAdministration",
                       pb.RecordAdministrationRequest(
                           order_id=prn.id, dose=4.0, unit="mg", **who),
                       role="nurse")

    m = medctl(st, "nurse", "get-mar", "--patient-id", p)
    assert states(m, sched.id) == ["NOT_GIVEN", "GIVEN", "UPCOMING",
                                   "UPCOMING"]
    slot = line(m, sched.id)["slots"][0]
    assert slot["not_given_reason"] == "NOT_GIVEN_REASON_PATIENT_ABSENT"
    assert slot["not_given_text"] == "in CT"
    q = line(m, prn.id)["prn"]
    assert int(q["next_ms"]) >= int(m["now_ms"]) + 8 * HOUR - 60 * 1000
    assert "interval" in q["reason"]

    # The PRN dose was charted by mistake (it was given to the patient in
    # the next bed): the nurse marks it entered in error, which for her
    # own dose is a request until a pharmacist confirms (issue 30); the
    # record stays, and the PRN may be given now.
    eie = medctl(st, "nurse", "mark-administration-entered-in-error",
                 "--administration-id", prn_dose.id,
                 "--reason", "charted on the wrong patient")
    assert eie["status"] == "completed"
    assert eie["entered_in_error_requested_by"] == st.user("nurse")
    eie = medctl(st, "pharmacist", "mark-administration-entered-in-error",
                 "--administration-id", prn_dose.id,
                 "--reason", "charted on the wrong patient")
    assert eie["status"] == "entered-in-error"
    assert eie["entered_in_error_by"] == st.user("pharmacist")
    m = medctl(st, "nurse", "get-mar", "--patient-id", p)
    q = line(m, prn.id)["prn"]
    assert abs(int(q["next_ms"]) - int(m["now_ms"])) < 1000
    assert [a["status"] for a in line(m, prn.id)["administrations"]] == [
        "entered-in-error"]

    # The clinician holds the order: its next dose shows held and cannot
    # be given; resumed, it can.
    held = medctl(st, "clinician", "hold-order", "--order-id", sched.id,
                  "--reason", "vomiting, review at 18:00")
    assert held["status"] == "ORDER_STATUS_ON_HOLD"
    m = medctl(st, "nurse", "get-mar", "--patient-id", p,
               "--now-ms", now_ms() + 6 * HOUR)
    assert states(m, sched.id)[-1] == "ON_HOLD"
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "RecordAdministration", pb.RecordAdministrationRequest(
                      order_id=sched.id, dose=1000.0, unit="mg", **who),
                  role="nurse", details_contains="on hold")
    medctl(st, "clinician", "resume-order", "--order-id", sched.id,
           "--reason", "tolerating fluids")

    # The dose is lowered: a new version; the MAR shows both, the old one
    # stopped where the new one starts.
    v2 = medctl(st, "clinician", "modify-order", "--order-id", sched.id,
                "--order.dose", "500", "--order.unit", "mg",
                "--order.route", "oral", "--order.frequency", "q6h",
                "--reason", "weight 48 kg")
    assert v2["version"] == 2 and v2["replaces_order_id"] == sched.id
    orders = medctl(st, "pharmacist", "list-orders", "--patient-id", p,
                    "--statuses", "ORDER_STATUS_ACTIVE")["orders"]
    assert sorted(o["id"] for o in orders) == sorted([v2["id"], prn.id])
    m = medctl(st, "nurse", "get-mar", "--patient-id", p,
               "--to-ms", now_ms() + 12 * HOUR)
    old = line(m, sched.id)
    assert old["order"]["status"] == "ORDER_STATUS_SUPERSEDED"
    assert states(m, v2["id"])[0] in ("DUE", "UPCOMING")

    # Every step is in the audit log, each with its action code.
    apb = protos.module("audit")

    def events():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=p),
                       role="auditor", timeout=10)
        got = {}
        for r in recs:
            name = r.event.action.rsplit("/", 1)[-1]
            got.setdefault(name, []).append(r.event)
        want = ("RecordAdministration", "RecordNotGiven", "HoldOrder",
                "ResumeOrder", "ModifyOrder", "GetMar", "ListOrders",
                "MarkAdministrationEnteredInError")
        # The nurse's request and the pharmacist's confirmation.
        both = len(got.get("MarkAdministrationEnteredInError", ())) >= 2
        return got if both and all(w in got for w in want) else None

    got = poll(events, timeout=20, what="the ward round's audit events")
    codes = {name: {e.action_code for e in evs} for name, evs in got.items()}
    assert codes["RecordAdministration"] == {"C"}
    assert codes["RecordNotGiven"] == {"C"}
    assert codes["HoldOrder"] == codes["ResumeOrder"] == {"U"}
    assert codes["ModifyOrder"] == {"U"}
    assert codes["GetMar"] == codes["ListOrders"] == {"R"}
    assert codes["MarkAdministrationEnteredInError"] == {"U"}
    details = [{d.key: d.value for d in e.details}
               for e in got["MarkAdministrationEnteredInError"]]
    details = [d for d in details if d["event"] == "entered in error"][0]
    assert details["administration_id"] == prn_dose.id
    assert details["previous_status"] == "completed"
    assert details["reason"] == "charted on the wrong patient"
    details = {d.key: d.value for d in got["RecordNotGiven"][0].details}
    assert details["status_reason"] == "NOT_GIVEN_REASON_PATIENT_ABSENT"
    assert details["order_id"] == sched.id
    details = {d.key: d.value for d in got["ModifyOrder"][0].details}
    assert details["replaces_order_id"] == sched.id
    assert details["reason"] == "weight 48 kg"
    hold_details = {d.key: d.value for d in got["HoldOrder"][0].details}
    assert hold_details["reason"] == "vomiting, review at 18:00"
