"""Issue 74, item 3: knowledge changes under clinical control, replayed as
the attack was run.  An admin with no clinical role replaced the
interaction knowledge base with one harmless rule, and simvastatin with
clarithromycin (a contraindicated pair, a hard stop) then passed with no
warning.  Now: an admin is refused; a pharmacist's import that removes or
weakens rules is staged with its changes and is not in force (the pair
still stops); the pharmacist who imported it cannot approve it; a second
pharmacist can, and only then does it take effect; both names and the
changes are in the audit log.  An import that only adds rules takes effect
at once, and a staged import whose base is no longer active cannot be
approved."""

import uuid

import grpc
import pytest

from harness import USERS, protos
from harness.checks import (audit_version_event, dosage_medctl,
                            expect_status, now_ms)

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
STARTER = "starter-2026.2"
FIRST = USERS["pharmacist"]  # pharm.test, the importer
SECOND = "pharm.second"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               users={SECOND: ("pharmacist", None)})

PROTOS = "dosage"

# The attacker's base: one harmless rule.
HARMLESS = ("interaction,H-1,warfarin + paracetamol,moderate,"
            "\"paracetamol over 2 g a day raises the INR\",\"check the INR\","
            "\"Hospital formulary\"\n")
# The hard stop the attack switched off, as the starter set words it.
SIMVA_STOP = ("interaction,DDI-030,simvastatin + clarithromycin,"
              "contraindicated,\"CYP3A4 inhibition\",\"do not combine\","
              "\"Zocor label, section 4\"\n")


@pytest.fixture(scope="module")
def catalogue(st, pb):
    for code, name, substance, single, daily in (
            ("KB-SIMVA", "Simvastatin 40 mg tablets", "simvastatin", 80, 80),
            ("KB-CLARI", "Clarithromycin 500 mg tablets", "clarithromycin",
             500, 1000)):
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            code=code, name=name, substance=substance, unit="mg",
            routes=["oral"], max_single_dose=single, max_daily_dose=daily,
            min_interval_minutes=360)), role="pharmacist")


@pytest.fixture(scope="module")
def on_simvastatin(st, pb, catalogue):
    """A patient on simvastatin: clarithromycin is the hard stop."""
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="KB-" + uuid.uuid4().hex[:12].upper(), family_name="Knowledge",
        given_name="Case", birth_date="1950-04-03",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=p, drug_code="KB-SIMVA", dose=40, unit="mg",
        route="oral", frequency="daily",
        start_ms=now_ms() - 3 * 24 * HOUR)), role="clinician")
    return p


def clarithromycin(st, pb, p):
    """The interaction check of clarithromycin for p, as a nurse sees it."""
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code="KB-CLARI",
                                 dose=500, unit="mg")), role="nurse")
    found = [c for c in r.checks if c.kind == 150]  # CHECK_KIND_INTERACTION
    assert found, "no interaction check"
    return found[0]


def import_kb(st, pb, text, version, role="pharmacist", token=None):
    return st.call("dosage", "ImportInteractions",
                   pb.ImportInteractionsRequest(csv=text.encode(),
                                                version=version),
                   role=None if token else role, token=token)


def approve(st, pb, version, role="pharmacist", token=None):
    return st.call("dosage", "ApproveInteractions",
                   pb.ApproveInteractionsRequest(version=version),
                   role=None if token else role, token=token)


def active(st, pb):
    return st.call("dosage", "GetInteractions", pb.GetInteractionsRequest(),
                   role="nurse")


def test_admin_alone_is_refused(st, pb, on_simvastatin):
    for method, req in (
            ("ImportInteractions", pb.ImportInteractionsRequest(
                csv=HARMLESS.encode(), version="admin-1")),
            ("ApproveInteractions", pb.ApproveInteractionsRequest(
                version="admin-1")),
            ("UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
                code="KB-SIMVA", name="Simvastatin 40 mg tablets",
                substance="simvastatin", unit="mg", routes=["oral"],
                max_single_dose=8000, max_daily_dose=8000))),
            ("ImportCatalogue", pb.ImportCatalogueRequest(
                csv=b"code,name,unit,max_single_dose,max_daily_dose\n"
                    b"KB-X,X,mg,1,2\n")),
            ("ImportAllergyNames", pb.ImportAllergyNamesRequest(
                csv=b"name,substance_or_class,kind,source\n"
                    b"Simvo,simvastatin,brand,x\n"))):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, st.call, "dosage",
                      method, req, role="admin")
    assert active(st, pb).version == STARTER
    assert clarithromycin(st, pb, on_simvastatin).status == \
        pb.CHECK_STATUS_HARD_STOP


def test_a_weakening_import_needs_a_second_pharmacist(st, pb,
                                                      on_simvastatin):
    since = now_ms() - 1000
    p = on_simvastatin
    staged = import_kb(st, pb, HARMLESS, "harmless-1")
    assert (staged.version, staged.state, staged.replaces) == (
        "harmless-1", "pending", STARTER)
    assert staged.imported_by == FIRST and staged.approved_by == ""
    changes = {(c.change, c.rule_id) for c in staged.changes}
    assert ("removed", "DDI-030") in changes and ("added", "H-1") in changes
    gone = [c for c in staged.changes if c.rule_id == "DDI-030"][0]
    assert gone.before.startswith("contraindicated; simvastatin + ")
    assert gone.after == ""
    # Not in force: the starter set runs and the pair still stops.
    assert active(st, pb).version == STARTER
    c = clarithromycin(st, pb, p)
    assert c.status == pb.CHECK_STATUS_HARD_STOP
    assert "DDI-030" in list(c.rule_ids)

    # What the second pharmacist reads before approving.
    seen = st.call("dosage", "GetInteractions", pb.GetInteractionsRequest(
        version="harmless-1"), token=st.user_tokens[SECOND])
    assert seen.state == "pending"
    assert {(c.change, c.rule_id) for c in seen.changes} == changes

    # One person's word is not enough, whatever the role.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  "harmless-1",
                  details_prefix="version: harmless-1 was imported by you")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, approve, st, pb,
                  "harmless-1", role="admin")
    assert clarithromycin(st, pb, p).status == pb.CHECK_STATUS_HARD_STOP

    kb = approve(st, pb, "harmless-1", token=st.user_tokens[SECOND])
    assert (kb.version, kb.state, kb.approved_by, kb.imported_by) == (
        "harmless-1", "active", SECOND, FIRST)
    assert {(c.change, c.rule_id) for c in kb.changes} == changes
    assert active(st, pb).version == "harmless-1"
    assert clarithromycin(st, pb, p).status == pb.CHECK_STATUS_OK
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  "harmless-1", token=st.user_tokens[SECOND],
                  details_prefix="version: harmless-1 is not waiting")

    # The audit log names both pharmacists, both texts (by digest) and
    # the hard stops removed.
    actor, d = audit_version_event(st, since, "ImportInteractions",
                                   "harmless-1")
    assert actor == FIRST and d["event"] == "interactions_staged"
    assert d["replaces"] == STARTER and d["sha256"] == staged.sha256
    n_removed = sum(c.change == "removed" for c in staged.changes)
    assert d["changes"] == ("added 1, tightened 0, reworded 0, weakened 0, "
                            "changed 0, removed %d" % n_removed)
    # The hard stops (contraindicated, then major) first.
    assert "removed DDI-030" in d["hard_stops_weakened"].split("; ")
    worst = [c.rule_id for c in staged.changes
             if c.before.startswith("contraindicated;")]
    assert d["weakening"].startswith("removed %s; removed %s; " % (
        worst[0], worst[1]))
    assert d["weakening"].endswith(" more")
    imported = d
    actor, d = audit_version_event(st, since, "ApproveInteractions",
                                   "harmless-1")
    assert actor == SECOND and d["approved_by"] == SECOND
    assert d["imported_by"] == FIRST and d["replaces"] == STARTER
    for k in ("changes", "hard_stops_weakened", "weakening", "sha256",
              "replaces_sha256"):
        assert d[k] == imported[k], k


def test_an_addition_takes_effect_at_once(st, pb, on_simvastatin):
    assert active(st, pb).version == "harmless-1"
    kb = import_kb(st, pb, HARMLESS + SIMVA_STOP, "harmless-2")
    assert (kb.state, kb.approved_by, kb.replaces) == ("active", "",
                                                       "harmless-1")
    assert [(c.change, c.rule_id) for c in kb.changes] == [
        ("added", "DDI-030")]
    c = clarithromycin(st, pb, on_simvastatin)
    assert c.status == pb.CHECK_STATUS_HARD_STOP
    assert c.knowledge_base == "harmless-2"


def test_a_hard_stop_made_a_warning_is_staged(st, pb, on_simvastatin):
    weaker = SIMVA_STOP.replace("contraindicated", "moderate")
    kb = import_kb(st, pb, HARMLESS + weaker, "harmless-3")
    assert kb.state == "pending"
    assert [(c.change, c.rule_id) for c in kb.changes] == [
        ("weakened", "DDI-030")]
    assert clarithromycin(st, pb, on_simvastatin).status == \
        pb.CHECK_STATUS_HARD_STOP
    # Meanwhile another version takes effect: the staged changes were
    # against one no longer active, so they no longer hold.
    import_kb(st, pb, HARMLESS + SIMVA_STOP +
              "interaction,H-2,warfarin + clarithromycin,major,m,a,s\n",
              "harmless-4")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve, st, pb,
                  "harmless-3", token=st.user_tokens[SECOND],
                  details_prefix="version: the active knowledge base "
                  "changed since harmless-3")
    assert active(st, pb).version == "harmless-4"
    assert clarithromycin(st, pb, on_simvastatin).status == \
        pb.CHECK_STATUS_HARD_STOP
    assert st.call("dosage", "GetInteractions", pb.GetInteractionsRequest(
        version="harmless-3"), role="pharmacist").state == "pending"
    expect_status(grpc.StatusCode.NOT_FOUND, approve, st, pb, "nonesuch",
                  token=st.user_tokens[SECOND], details_prefix="version:")


def test_medctl_shows_the_changes_and_approves(st, pb, on_simvastatin,
                                               tmp_path):
    """The operator's round: import from a file, read the changes as the
    second pharmacist, approve."""
    base = active(st, pb).version
    f = tmp_path / "kb.csv"
    f.write_text(HARMLESS)
    kb = dosage_medctl(st, st.token("pharmacist"), "import-interactions",
                "--csv", "@%s" % f, "--version", "cli-1")
    assert kb["state"] == "pending" and kb["replaces"] == base
    assert any(c.get("change") == "removed" and c.get("rule_id") ==
               "DDI-030" for c in kb["changes"]), kb["changes"]
    seen = dosage_medctl(st, st.user_tokens[SECOND], "get-interactions",
                  "--version", "cli-1")
    assert seen["state"] == "pending" and seen["changes"] == kb["changes"]
    rc, err = dosage_medctl(st, st.token("pharmacist"), "approve-interactions",
                     "--version", "cli-1")
    assert rc == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert "imported by you" in err
    kb = dosage_medctl(st, st.user_tokens[SECOND], "approve-interactions",
                "--version", "cli-1")
    assert (kb["state"], kb["approved_by"]) == ("active", SECOND)
    assert clarithromycin(st, pb, on_simvastatin).status == \
        pb.CHECK_STATUS_OK
