"""Capacity limits answer RESOURCE_EXHAUSTED, never DATA_LOSS (issue 31,
finding 8).  The dose checks read every administration of a substance in
the 48 h around a dose into a fixed array of 512: a day with more turned
every later CheckDose, RecordAdministration and MAR of that patient into
DATA_LOSS, as if the rows were corrupt.  Now the window grows as needed
and is summed in one pass; past DOSAGE_GIVEN_MAX_ROWS (20,000: one dose
every 8.6 s for two days) the call is refused with RESOURCE_EXHAUSTED
naming the limit.

One dose is charted through RecordAdministration; its row is then copied
in SQL hundreds or twenty thousand times (charting that many through the
API would take minutes and test nothing more).  Real services, real
MariaDB, gRPC over loopback."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
PARACETAMOL = "161"  # 1 g a dose, 4 g a day in the sample catalogue
GIVEN_MAX_ROWS = 20000


pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module", autouse=True)
def catalogue(st):
    """The sample catalogue, imported before the file's first test."""
    import_sample_catalogue(st)


def adult(st, pb):
    ipb = protos.module("identity")
    pid = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="CAP-" + uuid.uuid4().hex[:12].upper(), family_name="Capacity",
        given_name="Case", birth_date="1970-05-06",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=pid, weight_kg=70,
                                  height_cm=170, crcl_ml_min=90,
                                  allergies_known=True)), role="nurse")
    return pid


def ordered(st, pb, pid, at):
    """A 1 g q6h order of paracetamol from an hour before at; its id."""
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=pid, drug_code=PARACETAMOL, dose=1000,
                       unit="mg", route="oral", frequency="q6h",
                       start_ms=at - HOUR)), role="clinician").id


def recorded(st, pb, order_id, at):
    """One 1 g dose of order_id charted at at; its administration id."""
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=order_id, dose=1000, unit="mg",
                       effective_ms=at,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse", timeout=20).id


def charted(st, pb, pid, at):
    """One 1 g dose charted through the API at at; its administration id."""
    return recorded(st, pb, ordered(st, pb, pid, at), at)


def copies(st, admin_id, n, step_ms, mg):
    """n copies of administration admin_id, step_ms apart going back from
    it, mg each."""
    st.sql("USE smartmed_dosage;"
           "CREATE TEMPORARY TABLE c AS SELECT a.*, s.seq AS k"
           " FROM administrations a JOIN seq_1_to_%d s"
           " WHERE a.id = '%s';"
           "UPDATE c SET id = UUID(), effective_ms = effective_ms - k * %d,"
           " dose = %g, dose_drug_unit = %g;"
           "ALTER TABLE c DROP COLUMN k;"
           "INSERT INTO administrations SELECT * FROM c;"
           % (n, admin_id, step_ms, mg, mg))


def check(st, pb, pid, at):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=pid, drug_code=PARACETAMOL,
                                 dose=1000, unit="mg"), at_ms=at),
                   role="nurse", timeout=20)


def daily(pb, r):
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_DAILY_MAX][0]


def test_more_than_512_doses_a_day_are_all_counted(st, pb):
    pid = adult(st, pb)
    at = now_ms() - HOUR
    first = charted(st, pb, pid, at)
    # 700 more, a minute apart: 1 g + 700 x 1 mg, then 700 x 5 mg.
    copies(st, first, 700, 60 * 1000, 1)
    r = check(st, pb, pid, at + 1000)  # before: DATA_LOSS
    # 1 g given + 0.7 g + 1 g proposed: within 4 g a day.
    assert daily(pb, r).status == pb.CHECK_STATUS_OK, daily(pb, r)
    st.sql("UPDATE smartmed_dosage.administrations SET dose = 5,"
           " dose_drug_unit = 5 WHERE patient_id = '%s' AND id <> '%s'"
           % (pid, first))
    # 1 g + 3.5 g + 1 g: every one of the 701 counted, a hard stop.
    r = check(st, pb, pid, at + 1000)
    assert daily(pb, r).status == pb.CHECK_STATUS_HARD_STOP, daily(pb, r)
    # The MAR reads the same window for its PRN forecast.
    mar = st.call("dosage", "GetMar", pb.GetMarRequest(patient_id=pid),
                  role="nurse", timeout=20)
    assert mar.patient_id == pid


def test_past_the_limit_resource_exhausted_names_it(st, pb):
    pid = adult(st, pb)
    at = now_ms() - HOUR
    order_id = ordered(st, pb, pid, at)
    first = recorded(st, pb, order_id, at)
    started = time.time()
    copies(st, first, GIVEN_MAX_ROWS, 4000, 1)
    assert time.time() - started < 60
    e = expect_status(grpc.StatusCode.RESOURCE_EXHAUSTED, check, st, pb,
                      pid, at + 1000)
    assert "DOSAGE_GIVEN_MAX_ROWS" in e.details()
    assert "more than %d" % GIVEN_MAX_ROWS in e.details()
    # The write and order entry name it too: RecordAdministration's
    # transaction loads what was given with the subject, and CreateOrder
    # reads it once; each hands the limit to the call by name.
    for write in (lambda: recorded(st, pb, order_id, at + 2000),
                  lambda: ordered(st, pb, pid, at + 2000)):
        e = expect_status(grpc.StatusCode.RESOURCE_EXHAUSTED, write)
        assert "more than %d of one substance" % GIVEN_MAX_ROWS \
            in e.details(), e.details()
