"""The catalogue's dose limits under clinical control, as the knowledge
bases are: one pharmacist raising a maximum dose used to take effect at
once (a catalogue import or UpsertDrug), so a hard stop could disappear on
one person's word.  Now a catalogue import that loosens a limit or replaces
a rule is staged with its changes and not in force (the old maximum still
stops); the pharmacist who imported it cannot approve it; a second
pharmacist can, and only then does the new limit hold; both names are in
the audit log.  An import that only adds entries or tightens limits is in
force at once; a staged import whose entries were written since cannot be
approved; UpsertDrug refuses to loosen and names the field."""

import uuid

import grpc
import pytest

from harness import USERS, protos
from harness.checks import (audit_version_event, dosage_medctl,
                            expect_status, now_ms)

SERVICES = ("audit", "identity", "records", "dosage")
FIRST = USERS["pharmacist"]
SECOND = "pharm.cat.second"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               users={SECOND: ("pharmacist", None)})

PROTOS = "dosage"

HEADER = "code,name,substance,unit,routes,max_single_dose,max_daily_dose\n"


def row(code, single, daily, name="Tramadol 50 mg capsules",
        substance="tramadol"):
    return "%s,%s,%s,mg,oral,%s,%s\n" % (code, name, substance, single, daily)


def import_csv(st, pb, text, token=None):
    return st.call("dosage", "ImportCatalogue",
                   pb.ImportCatalogueRequest(csv=text.encode()),
                   role=None if token else "pharmacist", token=token)


def approve(st, pb, import_id, token=None):
    return st.call("dosage", "ApproveCatalogueImport",
                   pb.ApproveCatalogueImportRequest(import_id=import_id),
                   role=None if token else "pharmacist", token=token)


@pytest.fixture(scope="module")
def patient(st, pb):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="CAT-" + uuid.uuid4().hex[:12].upper(), family_name="Catalogue",
        given_name="Case", birth_date="1961-02-03",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=80, height_cm=178,
                                  crcl_ml_min=95, allergies_known=True)),
        role="nurse")
    return p


def single_dose_check(st, pb, p, code, dose):
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=code, dose=dose,
                                 unit="mg")), role="nurse")
    return r.overall


def test_raising_a_maximum_waits_for_a_second_pharmacist(st, pb, patient):
    code = "CAT-TRAM-" + uuid.uuid4().hex[:6].upper()
    first = import_csv(st, pb, HEADER + row(code, 100, 400))
    assert (first.state, first.imported) == ("active", 1)
    assert [c.change for c in first.changes] == ["added"]
    assert single_dose_check(st, pb, patient, code, 200) == \
        pb.CHECK_STATUS_HARD_STOP

    since = now_ms()
    staged = import_csv(st, pb, HEADER + row(code, 200, 400))
    assert (staged.state, staged.imported) == ("pending", 0)
    change = [c for c in staged.changes if c.rule_id.endswith(
        ".max_single_dose")]
    assert [(c.change, c.before, c.after) for c in change] == [
        ("weakened", "100", "200")], staged.changes
    # Not in force: the old maximum still stops 200 mg.
    assert st.call("dosage", "GetDrug", pb.GetDrugRequest(code=code),
                   role="nurse").max_single_dose == 100
    assert single_dose_check(st, pb, patient, code, 200) == \
        pb.CHECK_STATUS_HARD_STOP

    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  staged.import_id, details_contains="imported by you")
    done = approve(st, pb, staged.import_id, token=st.user_tokens[SECOND])
    assert (done.state, done.imported, done.imported_by, done.approved_by) \
        == ("active", 1, FIRST, SECOND)
    assert single_dose_check(st, pb, patient, code, 200) == \
        pb.CHECK_STATUS_OK
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  staged.import_id, token=st.user_tokens[SECOND],
                  details_contains="not waiting")

    actor, details = audit_version_event(
        st, since, "ApproveCatalogueImport", str(staged.import_id),
        key="import_id")
    assert actor == SECOND
    assert details["imported_by"] == FIRST
    assert "weakened 1" in details["changes"]
    assert code + ".max_single_dose" in details["weakening"]


def test_tightening_and_new_entries_need_no_second_word(st, pb, patient):
    code = "CAT-TIGHT-" + uuid.uuid4().hex[:6].upper()
    assert import_csv(st, pb, HEADER + row(code, 100, 400)).state == "active"
    r = import_csv(st, pb, HEADER + row(code, 50, 200) +
                   row(code + "-B", 10, 40))
    assert (r.state, r.imported) == ("active", 2)
    assert sorted(c.change for c in r.changes) == [
        "added", "tightened", "tightened"]
    assert single_dose_check(st, pb, patient, code, 100) == \
        pb.CHECK_STATUS_HARD_STOP


def test_a_changed_substance_or_a_safeguard_off_is_staged(st, pb):
    code = "CAT-SUB-" + uuid.uuid4().hex[:6].upper()
    text = ("code,name,substance,unit,routes,max_single_dose,"
            "max_daily_dose,high_alert\n%s,Morphine 10 mg,morphine,mg,oral,"
            "10,60,%s\n")
    assert import_csv(st, pb, text % (code, "true")).state == "active"
    r = import_csv(st, pb, text % (code, "false"))
    assert r.state == "pending"
    assert [(c.change, c.rule_id) for c in r.changes] == [
        ("weakened", code + ".high_alert")]
    r = import_csv(st, pb, HEADER + row(code, 10, 60, name="Morphine 10 mg",
                                       substance="oxycodone"))
    assert r.state == "pending"
    assert ("changed", code + ".substance") in [
        (c.change, c.rule_id) for c in r.changes]
    assert st.call("dosage", "GetDrug", pb.GetDrugRequest(code=code),
                   role="nurse").substance == "morphine"


def test_a_staged_import_goes_stale_when_its_entry_is_written(st, pb):
    code = "CAT-STALE-" + uuid.uuid4().hex[:6].upper()
    assert import_csv(st, pb, HEADER + row(code, 100, 400)).state == "active"
    staged = import_csv(st, pb, HEADER + row(code, 300, 400))
    assert staged.state == "pending"
    # Someone tightens the entry meanwhile: the staged comparison is old.
    assert import_csv(st, pb, HEADER + row(code, 50, 400),
                      token=st.user_tokens[SECOND]).state == "active"
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  staged.import_id, token=st.user_tokens[SECOND],
                  details_contains="import it again")
    assert st.call("dosage", "GetDrug", pb.GetDrugRequest(code=code),
                   role="nurse").max_single_dose == 50


def test_upsert_drug_refuses_to_loosen_naming_the_field(st, pb):
    code = "CAT-UP-" + uuid.uuid4().hex[:6].upper()

    def drug(single):
        return pb.Drug(code=code, name="Tramadol 50 mg capsules",
                       substance="tramadol", unit="mg", routes=["oral"],
                       max_single_dose=single, max_daily_dose=400)

    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=drug(100)),
            role="pharmacist")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "UpsertDrug", pb.UpsertDrugRequest(drug=drug(150)),
                  role="pharmacist",
                  details_prefix="drug.max_single_dose: weakened")
    got = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
        drug=drug(75)), role="pharmacist")
    assert got.max_single_dose == 75


def test_unknown_import_and_no_id(st, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, approve, st, pb, 987654321,
                  token=st.user_tokens[SECOND], details_prefix="import_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, approve, st, pb, 0,
                  token=st.user_tokens[SECOND], details_prefix="import_id")


def test_medctl_stages_and_a_second_pharmacist_approves(st, pb, tmp_path):
    code = "CAT-CLI-" + uuid.uuid4().hex[:6].upper()
    assert import_csv(st, pb, HEADER + row(code, 100, 400)).state == "active"
    f = tmp_path / "cat.csv"
    f.write_text(HEADER + row(code, 100, 600))
    r = dosage_medctl(st, st.token("pharmacist"), "import-catalogue",
                      "--csv", "@%s" % f)
    assert r["state"] == "pending", r
    r = dosage_medctl(st, st.user_tokens[SECOND], "approve-catalogue-import",
                      "--import-id", str(r["importId"] if "importId" in r
                                         else r["import_id"]))
    assert r["state"] == "active" and SECOND in r.values(), r

