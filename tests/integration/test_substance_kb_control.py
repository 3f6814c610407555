"""Issue 72 item 1 and issue 74 item 3: a hospital loads its own substance
knowledge file (moiety maps, lab and drug-level rules, pregnancy) the way it
loads its interaction knowledge base: versioned, audited, checked whole
(a bad row refused naming its line, nothing half loaded), and staged with
its changes when it weakens a rule.  Replayed as a pharmacy meets it: a
pharmacist imports a file in which potassium stops only above 7.0 mmol/L
instead of 5.5; it is staged, not in force (a potassium of 6.4 still stops
an oral potassium), and its changes name the weakened potassium rule; the
pharmacist who imported it cannot approve it, an admin can neither import
nor approve; a second pharmacist approves, and only then does 6.4 pass.
On the code before it the substance file was built into the service and
could not be loaded at all (ImportSubstanceKnowledge was UNIMPLEMENTED)."""

import uuid

import grpc
import pytest

from harness import USERS, protos
from harness.checks import (audit_version_event, dosage_medctl,
                            expect_status, now_ms)
from harness.paths import REPO_ROOT

SERVICES = ("audit", "identity", "records", "dosage")
STARTER = "smartmed-substance-starter-2026.13"
FIRST = USERS["pharmacist"]  # pharm.test, the importer
SECOND = "pharm.second"
KCL_ORAL = "SKC-KCL-ORAL"
POTASSIUM = "lab:potassium:potassium:max"
K_LINE = ("lab,potassium,2823-3,max,5.5,mmol/L,24,stop,")

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               users={SECOND: ("pharmacist", None)})

PROTOS = "dosage"


def starter_text():
    path = REPO_ROOT + "/services/dosage/knowledge/substance_rules.csv"
    with open(path, encoding="utf-8") as f:
        return f.read()


def file_with(version, old=None, new=None):
    """The shipped file under version label version, with line old (a
    prefix) replaced by new."""
    text = starter_text().replace("version," + STARTER, "version," + version)
    if old is not None:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text, prefix):
    return next(i + 1 for i, line in enumerate(text.split("\n"))
                if line.startswith(prefix))


@pytest.fixture(scope="module")
def on_high_potassium(st, pb):
    """A patient with a potassium of 6.4 mmol/L and an oral potassium
    product with no lab rule of its own (it inherits potassium's)."""
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=KCL_ORAL, name="Potassium chloride m/r tablet 8 mmol",
        substance="potassium chloride", unit="mmol", routes=["oral"],
        max_single_dose=24, max_daily_dose=96)), role="pharmacist")
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="SKC-" + uuid.uuid4().hex[:10].upper(), family_name="Potassium",
        given_name="Case", birth_date="1958-05-06",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, allergies_known=True)),
        role="nurse")
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_OBSERVATION, title="lab",
        observation=rpb.Observation(loinc_code="2823-3", display="K",
                                    numeric=6.4, ucum_unit="mmol/L")),
        role="nurse")
    return p


def potassium_check(st, pb, p):
    """The lab check of 16 mmol oral potassium for p, as a nurse sees it."""
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=KCL_ORAL, dose=16,
                                 unit="mmol")), role="nurse")
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_LAB][0]


def import_kb(st, pb, text, version, role="pharmacist", token=None):
    return st.call("dosage", "ImportSubstanceKnowledge",
                   pb.ImportSubstanceKnowledgeRequest(csv=text.encode(),
                                                      version=version),
                   role=None if token else role, token=token)


def approve(st, pb, version, role="pharmacist", token=None):
    return st.call("dosage", "ApproveSubstanceKnowledge",
                   pb.ApproveSubstanceKnowledgeRequest(version=version),
                   role=None if token else role, token=token)


def active(st, pb):
    return st.call("dosage", "GetSubstanceKnowledge",
                   pb.GetSubstanceKnowledgeRequest(), role="nurse")


def test_the_shipped_file_is_the_first_version(st, pb, on_high_potassium):
    kb = active(st, pb)
    assert (kb.version, kb.origin, kb.state) == (STARTER, "shipped",
                                                 "active")
    assert kb.rules > 0 and kb.groups > 0  # lab/pregnancy, moiety maps
    assert potassium_check(st, pb, on_high_potassium).status == \
        pb.CHECK_STATUS_HARD_STOP


def test_admin_alone_is_refused(st, pb, on_high_potassium):
    weak = file_with("admin-sub-1", K_LINE, K_LINE.replace("5.5", "9.0"))
    expect_status(grpc.StatusCode.PERMISSION_DENIED, import_kb, st, pb,
                  weak, "admin-sub-1", role="admin")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, approve, st, pb,
                  "admin-sub-1", role="admin")
    assert active(st, pb).version == STARTER
    assert potassium_check(st, pb, on_high_potassium).status == \
        pb.CHECK_STATUS_HARD_STOP


def test_a_bad_row_is_refused_naming_its_line(st, pb, on_high_potassium):
    bad = file_with("bad-sub-1", K_LINE, K_LINE.replace("2823-3", "9999-9"))
    n = line_of(bad, "lab,potassium,9999-9")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, import_kb, st, pb, bad,
                  "bad-sub-1",
                  details_prefix="csv: substance knowledge line %d:" % n)
    # The label must be the file's own.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, import_kb, st, pb,
                  file_with("sub-x"), "sub-y",
                  details_prefix="csv: the version record says 'sub-x'")
    # Nothing was stored: the label is free, the starter set runs.
    expect_status(grpc.StatusCode.NOT_FOUND, st.call, "dosage",
                  "GetSubstanceKnowledge",
                  pb.GetSubstanceKnowledgeRequest(version="bad-sub-1"),
                  role="pharmacist")
    assert active(st, pb).version == STARTER


def test_a_weakened_potassium_rule_needs_a_second_pharmacist(
        st, pb, on_high_potassium):
    since = now_ms() - 1000
    p = on_high_potassium
    weak = file_with("sub-weak-1", K_LINE, K_LINE.replace("5.5", "7.0"))
    staged = import_kb(st, pb, weak, "sub-weak-1")
    assert (staged.version, staged.state, staged.replaces) == (
        "sub-weak-1", "pending", STARTER)
    assert staged.imported_by == FIRST and staged.approved_by == ""
    assert [(c.change, c.rule_id, c.before, c.after)
            for c in staged.changes] == [
        ("weakened", POTASSIUM, "stop; potassium max 5.5; 24 h",
         "stop; potassium max 7; 24 h")]
    # Not in force: the starter set runs and 6.4 still stops.
    assert active(st, pb).version == STARTER
    lab = potassium_check(st, pb, p)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP
    assert STARTER in lab.reason

    # What the second pharmacist reads before approving.
    seen = st.call("dosage", "GetSubstanceKnowledge",
                   pb.GetSubstanceKnowledgeRequest(version="sub-weak-1"),
                   token=st.user_tokens[SECOND])
    assert seen.state == "pending"
    assert [(c.change, c.rule_id) for c in seen.changes] == [
        ("weakened", POTASSIUM)]

    # One person's word is not enough, whatever the role.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  "sub-weak-1",
                  details_prefix="version: sub-weak-1 was imported by you")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, approve, st, pb,
                  "sub-weak-1", role="admin")
    assert potassium_check(st, pb, p).status == pb.CHECK_STATUS_HARD_STOP

    kb = approve(st, pb, "sub-weak-1", token=st.user_tokens[SECOND])
    assert (kb.version, kb.state, kb.approved_by, kb.imported_by) == (
        "sub-weak-1", "active", SECOND, FIRST)
    assert active(st, pb).version == "sub-weak-1"
    assert potassium_check(st, pb, p).status == pb.CHECK_STATUS_OK
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  "sub-weak-1", token=st.user_tokens[SECOND],
                  details_prefix="version: sub-weak-1 is not waiting")

    # The audit log names both pharmacists, the texts (by digest) and
    # the hard stop weakened.
    actor, d = audit_version_event(st, since, "ImportSubstanceKnowledge",
                                   "sub-weak-1")
    assert actor == FIRST and d["event"] == "substances_staged"
    assert d["replaces"] == STARTER and d["sha256"] == staged.sha256
    assert d["changes"] == ("added 0, tightened 0, reworded 0, weakened 1, "
                            "changed 0, removed 0")
    assert d["hard_stops_weakened"] == "weakened " + POTASSIUM
    imported = d
    actor, d = audit_version_event(st, since, "ApproveSubstanceKnowledge",
                                   "sub-weak-1")
    assert actor == SECOND and d["event"] == "substances_approved"
    assert d["approved_by"] == SECOND and d["imported_by"] == FIRST
    for k in ("changes", "hard_stops_weakened", "sha256", "replaces",
              "replaces_sha256"):
        assert d[k] == imported[k], k


def test_a_tightening_takes_effect_at_once(st, pb, on_high_potassium):
    base = active(st, pb).version
    tight = file_with("sub-tight-1", K_LINE, K_LINE.replace("5.5", "6.0"))
    kb = import_kb(st, pb, tight, "sub-tight-1")
    assert (kb.state, kb.approved_by, kb.replaces) == ("active", "", base)
    assert [(c.change, c.rule_id) for c in kb.changes] == [
        ("tightened", POTASSIUM)]
    lab = potassium_check(st, pb, on_high_potassium)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP
    assert "sub-tight-1" in lab.reason, lab.reason
    # A removed rule is staged like a weakened one.
    text = file_with("sub-gone-1")
    gone = "\n".join(line for line in text.split("\n")
                     if not line.startswith(K_LINE)) + "\n"
    kb = import_kb(st, pb, gone, "sub-gone-1")
    assert kb.state == "pending"
    assert ("removed", POTASSIUM) in [(c.change, c.rule_id)
                                      for c in kb.changes]
    assert potassium_check(st, pb, on_high_potassium).status == \
        pb.CHECK_STATUS_HARD_STOP


def test_medctl_shows_the_changes_and_approves(st, pb, on_high_potassium,
                                               tmp_path):
    """The operator's round: import from a file, read the changes as the
    second pharmacist, approve."""
    base = active(st, pb).version
    f = tmp_path / "substances.csv"
    f.write_text(file_with("sub-cli-1", K_LINE,
                           K_LINE.replace(",stop,", ",warn,")))
    kb = dosage_medctl(st, st.token("pharmacist"),
                       "import-substance-knowledge", "--csv", "@%s" % f,
                       "--version", "sub-cli-1")
    assert kb["state"] == "pending" and kb["replaces"] == base
    assert [(c["change"], c["rule_id"], c["after"])
            for c in kb["changes"]] == [
        ("weakened", POTASSIUM, "warn; potassium max 5.5; 24 h")]
    seen = dosage_medctl(st, st.user_tokens[SECOND],
                         "get-substance-knowledge", "--version", "sub-cli-1")
    assert seen["state"] == "pending" and seen["changes"] == kb["changes"]
    rc, err = dosage_medctl(st, st.token("pharmacist"),
                            "approve-substance-knowledge",
                            "--version", "sub-cli-1")
    assert rc == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert "imported by you" in err
    kb = dosage_medctl(st, st.user_tokens[SECOND],
                       "approve-substance-knowledge", "--version",
                       "sub-cli-1")
    assert (kb["state"], kb["approved_by"]) == ("active", SECOND)
    assert potassium_check(st, pb, on_high_potassium).status == \
        pb.CHECK_STATUS_WARN


def test_the_approved_file_runs_after_a_restart(st, pb, on_high_potassium):
    """A replica that starts (or restarts) runs the version in force, not
    the file built into it."""
    assert active(st, pb).version == "sub-cli-1"
    st.stop_service("dosage")
    st.start_service("dosage")
    lab = potassium_check(st, pb, on_high_potassium)
    assert lab.status == pb.CHECK_STATUS_WARN, lab.reason
    assert "substance KB sub-cli-1" in lab.reason, lab.reason
