"""Issue 77 item 7: one patient per bed unless the ward shares beds.
identity refuses an admission or a transfer into a bed that holds an open
stay FAILED_PRECONDITION, naming the bed and the occupant's encounter (never
the occupant's name); a ward listed in MED_IDENTITY_SHARED_BED_WARDS takes
two; an HL7 A01 or A02 into a taken bed gets an AE naming PV1-3 and the
encounter; the FHIR census (Encounter.location) shows the one occupant.
Real identity, records, audit, hl7 and the FHIR facade; care checks on."""

import json
import ssl
import threading
import time
import urllib.parse
import urllib.request
import uuid

import grpc
import pytest

from harness import hl7
from harness.checks import expect_status
from harness.stack import USERS

SVC = "identity"
WARD = "ward-7"
SHARED = "Maternity"
CARE_USERS = {"nurse.b7": ("nurse", WARD)}

pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records"), patient_checks=True,
    care_checks=True, fhir=True, hl7=True, users=CARE_USERS,
    extra_env={"MED_IDENTITY_SHARED_BED_WARDS": "Day Unit, " + SHARED})

def patient(st, pb, family="Bedtest"):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="BED-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name="Lena", birth_date="1958-09-30",
        sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def admit(st, pb, pid, ward=WARD, bed="1"):
    return st.call(SVC, "Admit", pb.AdmitRequest(
        patient_id=pid, encounter_class=pb.ENCOUNTER_CLASS_INPATIENT,
        ward=ward, bed=bed, attending=USERS["clinician"],
        reason="bed test"), role="registrar")


def transfer(st, pb, enc, ward=WARD, bed="1"):
    return st.call(SVC, "Transfer", pb.TransferRequest(
        encounter_id=enc, ward=ward, bed=bed), role="registrar")


def bed():
    return "B-" + uuid.uuid4().hex[:6]


def refused_as_taken(err, bed_, ward, occupant, family):
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION, err
    d = err.details()
    assert d.startswith("bed: bed %s on ward %s is taken by encounter %s"
                        % (bed_, ward, occupant)), d
    assert family not in d, d  # the occupant's name stays private


def test_admission_into_a_taken_bed_is_refused(st, pb):
    b = bed()
    first = admit(st, pb, patient(st, pb, "Occupantname"), bed=b)
    second = patient(st, pb)
    err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, admit, st, pb,
                        second, bed=b, details_prefix="bed")
    refused_as_taken(err, b, WARD, first.encounter_id, "Occupantname")
    # nothing was written: the second patient has no encounter
    assert not st.call(SVC, "ListEncounters", pb.ListEncountersRequest(
        patient_id=second), role="registrar").encounters
    # another bed, and the same bed name on another ward, are free
    assert admit(st, pb, second, bed=bed()).location.ward == WARD
    other = admit(st, pb, patient(st, pb), ward="ward-8", bed=b)
    assert (other.location.ward, other.location.bed) == ("ward-8", b)


def test_discharge_or_transfer_frees_the_bed(st, pb):
    b = bed()
    first = admit(st, pb, patient(st, pb), bed=b)
    st.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=first.encounter_id), role="registrar")
    second = admit(st, pb, patient(st, pb), bed=b)
    transfer(st, pb, second.encounter_id, bed=bed())
    third = admit(st, pb, patient(st, pb), bed=b)
    assert third.location.bed == b


def test_transfer_into_a_taken_bed_is_refused(st, pb):
    b = bed()
    occupant = admit(st, pb, patient(st, pb, "Sleeperfamily"), bed=b)
    mover = admit(st, pb, patient(st, pb), bed=bed())
    err = expect_status(grpc.StatusCode.FAILED_PRECONDITION, transfer, st,
                        pb, mover.encounter_id, bed=b, details_prefix="bed")
    refused_as_taken(err, b, WARD, occupant.encounter_id, "Sleeperfamily")
    h = st.call(SVC, "GetEncounterHistory", pb.GetEncounterHistoryRequest(
        encounter_id=mover.encounter_id), role="clinician")
    assert [v.event for v in h.versions] == ["admit"]
    # staying in one's own bed (a new attending) is no move into it
    same = st.call(SVC, "Transfer", pb.TransferRequest(
        encounter_id=occupant.encounter_id, ward=WARD, bed=b,
        attending="dr.next"), role="registrar")
    assert (same.location.bed, same.attending) == (b, "dr.next")


def test_a_ward_that_shares_beds_takes_two(st, pb):
    b = bed()
    mother = admit(st, pb, patient(st, pb), ward=SHARED, bed=b)
    baby = admit(st, pb, patient(st, pb), ward=SHARED, bed=b)
    assert mother.location.bed == baby.location.bed == b
    mover = admit(st, pb, patient(st, pb), ward="Day Unit", bed="3")
    moved = transfer(st, pb, mover.encounter_id, ward=SHARED, bed=b)
    assert moved.location.ward == SHARED
    # the list names wards exactly: "maternity" is another, unshared ward
    admit(st, pb, patient(st, pb), ward="maternity", bed=b)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, admit, st, pb,
                  patient(st, pb), ward="maternity", bed=b,
                  details_prefix="bed")


def test_no_bed_is_no_bed(st, pb):
    a = admit(st, pb, patient(st, pb), bed="")
    b = admit(st, pb, patient(st, pb), bed="")
    assert a.location.bed == b.location.bed == ""


def test_two_admissions_at_once_into_one_bed_one_wins(st, pb):
    b = bed()
    pids = [patient(st, pb) for _ in range(4)]
    codes = []
    start = threading.Barrier(len(pids))

    def run(pid):
        start.wait()
        try:
            admit(st, pb, pid, bed=b)
            codes.append("ok")
        except grpc.RpcError as e:
            codes.append(e.code())
    threads = [threading.Thread(target=run, args=(p,)) for p in pids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes, key=str) == sorted(
        ["ok"] + [grpc.StatusCode.FAILED_PRECONDITION] * 3, key=str), codes


# --- HL7 ---------------------------------------------------------------------


def ts(offset_s=0):
    return time.strftime("%Y%m%d%H%M%S",
                         time.gmtime(time.time() + offset_s))


def adt(trigger, mrn, family, ward, bed_, offset_s):
    head = "MSH|^~\\&|EDGE|HOSP|SMARTMED|HOSP|%s||ADT^%s|%s|P|2.5.1" % (
        ts(), trigger, uuid.uuid4().hex[:20])
    return "\r".join([
        head, "EVN|%s|%s" % (trigger, ts(offset_s)),
        "PID|1||%s^^^HOSP^MR||%s^Hanna||19700304|F" % (mrn, family),
        "PV1|1|I|%s^^%s^HOSP||||dr.who^Who^John" % (ward, bed_)]) + "\r"


def encounter_of(st, pb, mrn):
    p = st.call(SVC, "GetPatient", pb.GetPatientRequest(mrn=mrn),
                role="registrar")
    return st.call(SVC, "ListEncounters", pb.ListEncountersRequest(
        patient_id=p.patient_id), role="registrar").encounters


def test_hl7_a01_and_a02_into_a_taken_bed_get_an_ae(st, pb):
    b = bed()
    first, second = ("HB-" + uuid.uuid4().hex[:10].upper() for _ in "ab")
    with hl7.Mllp(st) as conn:
        ok = hl7.ack_fields(conn.send(
            adt("A01", first, "Firstfamily", WARD, b, -60)))
        assert ok["MSA"][1] == "AA", ok
        occupant = encounter_of(st, pb, first)[0].encounter_id
        ack = hl7.ack_fields(conn.send(
            adt("A01", second, "Secondfamily", WARD, b, -50)))
        assert ack["MSA"][1] == "AE", ack
        err = "|".join(ack["ERR"])
        assert "PV1^1^3" in err, err
        assert "bed %s on ward %s is taken by encounter %s" % (
            b, WARD, occupant) in err, err
        assert "Firstfamily" not in err
        # the same patient admitted to another bed, then moved into it
        assert hl7.ack_fields(conn.send(adt(
            "A01", second, "Secondfamily", WARD, bed(), -40)))[
                "MSA"][1] == "AA"
        ack = hl7.ack_fields(conn.send(
            adt("A02", second, "Secondfamily", WARD, b, -30)))
        assert ack["MSA"][1] == "AE", ack
        assert "taken by encounter %s" % occupant in "|".join(ack["ERR"])
    assert [e.location.bed for e in encounter_of(st, pb, second)] != [b]


# --- FHIR --------------------------------------------------------------------


def census(st, ward):
    url = "%s/Encounter?location=%s&status=in-progress&_count=500" % (
        st.fhir_url(), urllib.parse.quote(ward))
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Bearer " + st.user_tokens["nurse.b7"])
    ctx = ssl.create_default_context(cafile=st.ca_path)
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        return json.loads(r.read())


def test_fhir_census_shows_one_patient_in_the_bed(st, pb):
    b = bed()
    first = admit(st, pb, patient(st, pb), bed=b)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, admit, st, pb,
                  patient(st, pb), bed=b, details_prefix="bed")
    in_bed = []
    for e in census(st, WARD).get("entry", []):
        r = e["resource"]
        if r["resourceType"] != "Encounter":
            continue
        active = [loc["location"]["display"] for loc in r["location"]
                  if loc["status"] == "active"]
        if active == ["%s / %s" % (WARD, b)]:
            in_bed.append(r["id"])
    assert in_bed == [first.encounter_id]
