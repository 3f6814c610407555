"""Issue 47, item 1: drug-drug interactions, replayed the way a ward meets
them through the running services.  Warfarin then clarithromycin, two
QT-prolonging drugs, methotrexate with trimethoprim, a drug given
yesterday whose order was stopped, a temporary ED record merged into the
patient's: each used to be ordered and given with overall=ok; now each
stops (or, where the knowledge base says moderate, warns), naming the
rule, the other drug, the source and the knowledge base's version.  The
knowledge base is data: the shipped starter set is active out of the box,
and a pharmacy's import is checked as a whole, versioned and audited."""

import os
import uuid

import grpc
import pytest

from harness import paths, protos
from harness.checks import expect_status, now_ms, poll
from harness.fixtures import import_sample_catalogue

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
STARTER = "starter-2026.2"

# A second pharmacist approves an import that removes or weakens rules
# (issue 74).
SECOND = "pharm.second"
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               users={SECOND: ("pharmacist", None)})

PROTOS = "dosage"

DRUGS = [
    ("DDI-WARF", "Warfarin 1 mg tablets", "warfarin", 10, 10),
    ("DDI-CLARI", "Clarithromycin 500 mg tablets", "clarithromycin", 500,
     1000),
    ("DDI-SIMVA", "Simvastatin 40 mg tablets", "simvastatin", 80, 80),
    ("DDI-HALO", "Haloperidol 5 mg tablets", "haloperidol", 10, 20),
    ("DDI-CITAL", "Citalopram 20 mg tablets", "citalopram", 40, 40),
    ("DDI-LEVO", "Levofloxacin 500 mg tablets", "levofloxacin", 500, 1000),
    ("DDI-MTX", "Methotrexate 2.5 mg tablets", "methotrexate", 25, 25),
    ("DDI-TMP", "Trimethoprim 200 mg tablets", "trimethoprim", 200, 400),
    ("DDI-PARA", "Paracetamol 500 mg tablets", "paracetamol", 1000, 4000),
    ("DDI-LISI", "Lisinopril 10 mg tablets", "lisinopril", 40, 80),
    ("DDI-FURO", "Furosemide 40 mg tablets", "furosemide", 120, 240),
    ("DDI-IBU", "Ibuprofen 400 mg tablets", "ibuprofen", 400, 1200),
    ("DDI-CLOP", "Clopidogrel 75 mg tablets", "clopidogrel", 300, 300),
    ("DDI-OMEP", "Omeprazole 20 mg capsules", "omeprazole", 40, 80),
]


@pytest.fixture(scope="module")
def catalogue(st, pb):
    import_sample_catalogue(st)
    for code, name, substance, single, daily in DRUGS:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            code=code, name=name, substance=substance, unit="mg",
            routes=["oral"], max_single_dose=single, max_daily_dose=daily,
            min_interval_minutes=360)), role="pharmacist")


def patient(st, pb, family="Interactions"):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="DI-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name="Case", birth_date="1950-04-03",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    return p


def override(pb, text="benefit outweighs the risk; INR in 3 days"):
    return pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                       text=text)


def order(st, pb, p, drug, dose, ov=None, freq="q12h"):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route="oral", frequency=freq,
                 start_ms=now_ms() - 3 * 24 * HOUR)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role="clinician")


def refused_order(st, pb, p, drug, dose):
    return expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb,
                         p, drug, dose, details_prefix="order: hard stop")


def give(st, pb, o, dose, at=0, role="nurse", ov=None):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit="mg", effective_ms=at,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers"),
                       dose_override=ov), role=role)


def check(st, pb, p, drug, dose):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")


def ddi(checks):
    found = [c for c in checks if c.kind == 150]  # CHECK_KIND_INTERACTION
    assert found, "no interaction check"
    return found[0]


# --- the ward's scenarios ----------------------------------------------------


def test_starter_knowledge_base_active_out_of_the_box(st, pb, catalogue):
    kb = st.call("dosage", "GetInteractions",
                 pb.GetInteractionsRequest(include_rules=True), role="nurse")
    assert kb.version == STARTER and kb.origin == "shipped"
    assert kb.rules >= 40 and len(kb.items) == kb.rules
    assert all(r.source for r in kb.items)
    ids = {r.id for r in kb.items}
    assert {"DDI-001", "DDI-011", "DDI-020", "DDI-025", "DDI-030"} <= ids


def test_warfarin_then_clarithromycin(st, pb, catalogue):
    """Warfarin for AF; a chest infection a week later: clarithromycin.
    The order stops; the prescriber overrides with a reason, the
    pharmacist releases it, and the bedside shows the interaction as a
    warning for both drugs rather than stopping every dose."""
    p = patient(st, pb)
    warf = order(st, pb, p, "DDI-WARF", 3, freq="daily")
    ok = ddi(warf.checks)
    assert ok.status == pb.CHECK_STATUS_OK
    assert ok.knowledge_base == STARTER
    e = refused_order(st, pb, p, "DDI-CLARI", 500)
    d = e.details()
    assert "interaction DDI-001 (major, KB %s)" % STARTER in d
    assert "clarithromycin with warfarin (DDI-WARF, order %s)" % warf.id in d
    assert "source: Coumadin (warfarin) US label" in d
    # A proposed dose says the same.
    r = check(st, pb, p, "DDI-CLARI", 500)
    assert ddi(r.checks).status == pb.CHECK_STATUS_HARD_STOP
    assert list(ddi(r.checks).rule_ids) == ["DDI-001"]
    # Overridden: it waits for a pharmacist, who releases it.
    clari = order(st, pb, p, "DDI-CLARI", 500, ov=override(pb))
    c = ddi(clari.checks)
    assert c.status == pb.CHECK_STATUS_HARD_STOP and "DDI-001" in c.rule_ids
    assert clari.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    clari = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=clari.id, note="INR booked"), role="pharmacist")
    assert clari.status == pb.ORDER_STATUS_ACTIVE
    # At the bedside the overridden interaction warns, for either drug.
    m = give(st, pb, clari, 500)
    assert ddi(m.checks).status == pb.CHECK_STATUS_WARN
    assert "overridden at order entry" in ddi(m.checks).reason
    m = give(st, pb, warf, 3)
    assert ddi(m.checks).status == pb.CHECK_STATUS_WARN


def test_two_qt_prolonging_drugs(st, pb, catalogue):
    p = patient(st, pb)
    order(st, pb, p, "DDI-HALO", 5)
    d = refused_order(st, pb, p, "DDI-CITAL", 20).details()
    assert "interaction DDI-020 (major, KB %s)" % STARTER in d
    assert "citalopram with haloperidol" in d
    assert "qt_prolonging >= 2" in d and "CredibleMeds" in d
    r = check(st, pb, p, "DDI-LEVO", 500)
    assert ddi(r.checks).status == pb.CHECK_STATUS_HARD_STOP
    assert "DDI-020" in ddi(r.checks).rule_ids


def test_methotrexate_with_trimethoprim(st, pb, catalogue):
    p = patient(st, pb)
    order(st, pb, p, "DDI-MTX", 10, freq="weekly")
    d = refused_order(st, pb, p, "DDI-TMP", 200).details()
    assert "interaction DDI-011 (major" in d
    assert "trimethoprim with methotrexate" in d and "BNF" in d


def test_triple_whammy(st, pb, catalogue):
    """An ACE inhibitor and a loop diuretic for heart failure; ibuprofen
    for a painful knee makes the third."""
    p = patient(st, pb)
    order(st, pb, p, "DDI-LISI", 10, freq="daily")
    # Two of the three are no interaction yet.
    furo = order(st, pb, p, "DDI-FURO", 40, freq="daily")
    assert ddi(furo.checks).status == pb.CHECK_STATUS_OK
    d = refused_order(st, pb, p, "DDI-IBU", 400).details()
    assert "interaction DDI-025 (major" in d
    assert "lisinopril" in d and "furosemide" in d


def test_moderate_interaction_warns(st, pb, catalogue):
    """Clopidogrel with omeprazole: shown, not stopped."""
    p = patient(st, pb)
    order(st, pb, p, "DDI-CLOP", 75, freq="daily")
    o = order(st, pb, p, "DDI-OMEP", 20, freq="daily")
    c = ddi(o.checks)
    assert c.status == pb.CHECK_STATUS_WARN and list(c.rule_ids) == [
        "DDI-037"]
    assert "prefer pantoprazole" in c.reason
    assert o.status == pb.ORDER_STATUS_ACTIVE


def test_given_yesterday_order_stopped_still_interacts(st, pb, catalogue):
    """Clarithromycin was given yesterday and its order stopped this
    morning; warfarin written now still meets it (48 h window)."""
    p = patient(st, pb)
    clari = order(st, pb, p, "DDI-CLARI", 500)
    give(st, pb, clari, 500, at=now_ms() - 20 * HOUR)
    st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=clari.id, reason="course changed"), role="clinician")
    d = refused_order(st, pb, p, "DDI-WARF", 3).details()
    assert "DDI-001" in d and "given 20.0 h ago" in d
    # A patient whose last dose was 60 h ago: the rule's window is past.
    q = patient(st, pb)
    old = order(st, pb, q, "DDI-CLARI", 500)
    give(st, pb, old, 500, at=now_ms() - 60 * HOUR)
    st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=old.id, reason="course finished"), role="clinician")
    warf = order(st, pb, q, "DDI-WARF", 3, freq="daily")
    assert ddi(warf.checks).status == pb.CHECK_STATUS_OK


def test_merged_record_interacts_at_the_bedside(st, pb, catalogue):
    """The ED's temporary record got clarithromycin; the patient's real
    record has warfarin.  Once identity merges them, the next warfarin
    dose stops."""
    real, ed = patient(st, pb, "Real"), patient(st, pb, "Unknown-ED")
    warf = order(st, pb, real, "DDI-WARF", 3, freq="daily")
    clari = order(st, pb, ed, "DDI-CLARI", 500)
    give(st, pb, clari, 500, at=now_ms() - 5 * HOUR)
    # Before the merge nothing links them.
    assert ddi(check(st, pb, real, "DDI-WARF", 3).checks).status == \
        pb.CHECK_STATUS_OK
    ipb = protos.module("identity")
    st.call("identity", "LinkPatients", ipb.LinkPatientsRequest(
        survivor_id=real, merged_id=ed,
        reason="ED temporary record is this patient"), role="registrar")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb,
                      warf, 3, details_prefix="dose: hard stop")
    assert "DDI-001" in e.details() and clari.id in e.details()


def test_contraindicated_needs_the_pharmacist(st, pb, catalogue):
    """Simvastatin with clarithromycin is contraindicated by the label:
    the prescriber's override sends the order to the pharmacist, who must
    override too."""
    p = patient(st, pb)
    order(st, pb, p, "DDI-SIMVA", 40, freq="daily")
    clari = order(st, pb, p, "DDI-CLARI", 500, ov=override(pb))
    assert "DDI-030" in ddi(clari.checks).rule_ids
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call,
                      "dosage", "VerifyOrder", pb.VerifyOrderRequest(
                          order_id=clari.id, note="ok"), role="pharmacist",
                      details_prefix="order_id: hard stop at verification")
    assert "DDI-030 (contraindicated" in e.details()
    v = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=clari.id, note="simvastatin withheld for the course",
        dose_override=override(pb, "simvastatin held")), role="pharmacist")
    assert v.status == pb.ORDER_STATUS_ACTIVE


# --- the knowledge base as data ----------------------------------------------


def starter_records():
    import csv
    with open(os.path.join(paths.REPO_ROOT, "services", "dosage",
                           "knowledge", "interactions.csv")) as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    return list(csv.reader(lines))


def test_starter_rules_documented():
    """docs/dose-safety.md lists every rule and group of the shipped file
    with its source."""
    with open(os.path.join(paths.REPO_ROOT, "docs", "dose-safety.md")) as f:
        doc = f.read()
    missing = []
    for r in starter_records():
        if r[0] in ("interaction", "cumulative"):
            row = "| %s | %s | %s |" % (r[1], r[2], r[3])
            if row not in doc or r[6] not in doc:
                missing.append(r[1])
        elif r[0] == "group" and ("| %s |" % r[1] not in doc or
                                  r[3] not in doc):
            missing.append(r[1])
    assert not missing, "not in docs/dose-safety.md: %s" % missing


def import_kb(st, pb, text, version, role="pharmacist"):
    return st.call("dosage", "ImportInteractions",
                   pb.ImportInteractionsRequest(csv=text.encode(),
                                                version=version), role=role)


def approved(st, pb, version):
    """version, staged by the pharmacist, approved by a second one."""
    return st.call("dosage", "ApproveInteractions",
                   pb.ApproveInteractionsRequest(version=version),
                   token=st.user_tokens[SECOND])


@pytest.mark.parametrize("text,want", [
    ("# a hospital's base\n"
     "interaction,H-1,warfarin + paracetamol,moderate,m,a,s\n"
     "interaction,H-2,warfarin + warfarine,major,m,a,s\n",
     "csv: line 3: rule H-2: unknown substance, class or group "
     "\"warfarine\""),
    ("interaction,H-1,warfarin + paracetamol,moderate,m,a,\n",
     "csv: line 1: rule H-1: no source"),
    ("interaction,H-1,warfarin + paracetamol,,m,a,s\n",
     "csv: line 1: rule H-1: no severity"),
    ("interaction,H-1,warfarin + paracetamol,moderate,m,a,s\n"
     "interaction,H-2,paracetamol + warfarin,major,m,a,s\n",
     "csv: line 2: rule H-2 duplicates rule H-1 (line 1)"),
    ("group,g,aspirin;nonesuch,s\n"
     "interaction,H-1,g + warfarin,major,m,a,s\n",
     "csv: line 1: group g: unknown substance or ATC class \"nonesuch\""),
    # Issue 74: a quote left open on line 2 and closed on line 3 made the
    # hard stop H-2 part of H-1's mechanism; the file imported with one
    # rule fewer and no word.
    ("interaction,H-1,warfarin + paracetamol,moderate,m,a,s\n"
     "interaction,H-3,warfarin + aspirin,major,\"bleeding\n"
     "interaction,H-2,warfarin + ibuprofen,contraindicated,m,a,s\",a,s\n",
     "csv: line 2: not valid CSV: a quoted field runs past the end of its "
     "line"),
])
def test_import_refused_naming_the_line(st, pb, catalogue, text, want):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, import_kb, st, pb,
                  text, "hospital-bad", details_prefix=want)
    # Nothing half loaded: the starter set still runs.
    kb = st.call("dosage", "GetInteractions", pb.GetInteractionsRequest(),
                 role="pharmacist")
    assert kb.version == STARTER


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_import_is_for_the_pharmacy(st, pb, catalogue, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, import_kb, st, pb,
                  "interaction,H-1,warfarin + paracetamol,moderate,m,a,s\n",
                  "hospital-x", role=role)


def test_import_versioned_and_audited(st, pb, catalogue):
    """Last in the file: a hospital's licensed base replaces the starter
    set, then the starter text comes back under a new label."""
    since = now_ms() - 1000
    text = ("version,hospital-2026.2\n"
            "interaction,H-1,warfarin + paracetamol,moderate,"
            "\"paracetamol over 2 g a day raises the INR\","
            "\"check the INR\",\"Hospital formulary, licensed KB\"\n")
    kb = import_kb(st, pb, text, "hospital-2026.2")
    assert (kb.version, kb.origin, kb.rules) == ("hospital-2026.2",
                                                 "import", 1)
    assert len(kb.sha256) == 64
    # It drops the starter set's rules: in force once a second
    # pharmacist approves (test_kb_control.py replays that in full).
    assert kb.state == "pending"
    assert approved(st, pb, "hospital-2026.2").state == "active"
    p = patient(st, pb)
    order(st, pb, p, "DDI-WARF", 3, freq="daily")
    c = ddi(check(st, pb, p, "DDI-PARA", 1000).checks)
    assert c.status == pb.CHECK_STATUS_WARN
    assert c.knowledge_base == "hospital-2026.2" and list(c.rule_ids) == [
        "H-1"]
    assert "interaction H-1 (moderate, KB hospital-2026.2)" in c.reason
    # Clarithromycin is no longer a rule of the active base.
    assert ddi(check(st, pb, p, "DDI-CLARI", 500).checks).status == \
        pb.CHECK_STATUS_OK
    expect_status(grpc.StatusCode.ALREADY_EXISTS, import_kb, st, pb, text,
                  "hospital-2026.2", details_prefix="version:")
    apb = protos.module("audit")

    def event():
        for r in st.call("audit", "Query", apb.QueryRequest(
                since_ms=since, limit=10000), role="auditor", timeout=10):
            ev = r.event
            if not ev.action.endswith("/ImportInteractions") or \
                    ev.outcome != 0:
                continue
            d = {x.key: x.value for x in ev.details}
            if d.get("version") == "hospital-2026.2":
                return d
        return None

    d = poll(event, timeout=20, what="the import's audit event")
    assert d["rules"] == "1" and len(d["sha256"]) == 64
    assert d["event"] == "interactions_staged"
    # The starter text again, under a label of its own.
    with open(os.path.join(paths.REPO_ROOT, "services", "dosage",
                           "knowledge", "interactions.csv")) as f:
        starter = "".join(l for l in f if not l.startswith("version,"))
    kb = import_kb(st, pb, starter, "starter-2026.1-restored")
    assert kb.rules >= 40
    # H-1 goes: a second pharmacist's word again.
    assert [(c.change, c.rule_id) for c in kb.changes
            if c.change == "removed"] == [("removed", "H-1")]
    assert approved(st, pb, "starter-2026.1-restored").state == "active"
