"""What starts a study's analysis besides AnalyzeStudy (issue 38): a FHIR
ImagingStudy POSTed to the facade, and a study requested in advance
(RequestStudyAnalysis) that diagnosis's PACS watcher analyses when it
arrives (MED_DIAGNOSIS_PACS_WATCH=on).

A real Orthanc (tests/harness/orthanc.py, with StableAge 1 s so that a
study is stable soon after its last instance) holds DICOM files made here
with pydicom from PneumoniaMNIST test images (../shared; skipped without
it), upscaled 8x.  The facade's ImagingStudy is analysed as the caller and
answered with the DiagnosticReport made.  Orthanc runs with the chart's
least-privilege filter on diagnosis's credential, which lists nothing: the
watcher analyses a requested study as the service once it is stored, never
a study nobody requested (issue 74: a film planted under a real patient's
MRN became a finding), refuses (audited) a requested study whose header
names another patient, analyses a study stored while it was down once and
none twice, and survives the PACS going away.
"""

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from harness import Stack, ages, paths, protos
from harness import metrics as metrics_mod
from harness import orthanc as orthanc_mod
from harness.checks import poll
from harness.fixtures import running
from harness.stack_processes import free_port

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402

SVC = "diagnosis"
DATA = os.path.join(os.path.dirname(paths.REPO_ROOT), "shared", "data",
                    "medmnist", "pneumoniamnist.npz")
POLL_MS = 300
SEEN = "smartmed_diagnosis_pacs_watch_studies_total"


class QuickOrthanc(orthanc_mod.Orthanc):
    """Orthanc whose studies are stable 1 s after their last instance
    (the default, 60 s, is for modalities sending a study slowly)."""

    def _config(self):
        cfg = super()._config()
        cfg["StableAge"] = 1
        return cfg


# The PACS's administrator (the harness's and the modality's stores) and
# diagnosis's restricted credential.
ADMIN, ADMIN_PASSWORD = "pacs-admin", "admin-secret-71aa"
DIAG, DIAG_PASSWORD = "smartmed-diagnosis", "diag-secret-c03d"
# diagnosis's HTTP port, fixed before Orthanc starts: the filter asks it
# whether an overlay is due (services/diagnosis/stow_gate.c).
GATE_PORT = free_port()


@pytest.fixture(scope="module")
def pacs():
    orthanc_mod.skip_if_absent()
    pytest.importorskip("pydicom")
    pytest.importorskip("numpy")
    if not os.path.exists(DATA):
        pytest.skip("%s absent (../shared/data not available)" % DATA)
    with QuickOrthanc(users={ADMIN: ADMIN_PASSWORD, DIAG: DIAG_PASSWORD},
                      diagnosis_user=DIAG,
                      stow_gate=orthanc_mod.stow_gate_url(GATE_PORT)) as o:
        yield o


@pytest.fixture(scope="module")
def st(pacs, tmp_path_factory):
    pw = tmp_path_factory.mktemp("pacs-pw") / "password"
    pw.write_text(DIAG_PASSWORD + "\n")
    env = {"MED_DIAGNOSIS_PACS_URL": pacs.dicomweb_url,
           "MED_DIAGNOSIS_PACS_USER": DIAG,
           "MED_DIAGNOSIS_PACS_PASSWORD_FILE": str(pw),
           "MED_DIAGNOSIS_PACS_WATCH": "on",
           "MED_DIAGNOSIS_PACS_WATCH_POLL_MS": str(POLL_MS)}
    with running(Stack(services=("audit", "identity", "records", SVC),
                       patient_checks=True, fhir=True,
                       ports={SVC: (None, GATE_PORT)},
                       extra_env=env)) as s:
        yield s


@pytest.fixture(scope="module")
def pb():
    return protos.module(SVC)


def chest_rows(i=0):
    """224x224 grey rows of PneumoniaMNIST test image i, upscaled 8x."""
    import numpy as np
    with np.load(DATA) as d:
        px = [int(v) for v in d["test_images"][i].reshape(-1)]
    return dximages.case_rows({"pixels": px}, scale=8)


def dicom(rows, mrn, body_part="CHEST", modality="DX", accession="ACC1"):
    """(Study Instance UID, DICOM bytes) of one 8-bit frontal image."""
    return dximages.frontal_dx(rows, mrn, accession, body_part, modality)


def make_patient(st):
    idp = protos.module("identity")
    mrn = "TRIG-" + uuid.uuid4().hex[:10].upper()
    pid = st.call("identity", "CreatePatient", idp.CreatePatientRequest(
        mrn=mrn, family_name="Feed", given_name="Test",
        birth_date=ages.CHILD, sex=idp.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id
    return pid, mrn


def findings_of(st, pb, pid, study=None):
    fs = st.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings
    return [f for f in fs if study is None or f.study_instance_uid == study]


def audit_events(st, **q):
    ap = protos.module("audit")
    return [r.event for r in st.call("audit", "Query", ap.QueryRequest(
        limit=1000, **q), role="auditor", timeout=10)]


def counter(st, outcome):
    samples, _ = metrics_mod.scrape(st, SVC)
    got = metrics_mod.series(samples, SEEN, outcome=outcome)
    return sum(got.values())


def writeback_status(report):
    """The status code of a DiagnosticReport's pacs-writeback extension."""
    ext = [e for e in report.get("extension", [])
           if e["url"].endswith("/StructureDefinition/pacs-writeback")]
    assert len(ext) == 1, report.get("extension")
    return [x["valueCode"] for x in ext[0]["extension"]
            if x["url"] == "status"][0]


# --- (a) FHIR ImagingStudy -------------------------------------------------

def fhir(st, method, path, body=None, role="clinician"):
    """(status, headers, JSON body) of a facade request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(st.fhir_url() + "/" + path, data=data,
                                 method=method)
    req.add_header("Authorization", "Bearer " + st.token(role))
    if data is not None:
        req.add_header("Content-Type", "application/fhir+json")
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=120) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def imaging_study(pid, study, accession=None):
    ids = [{"system": "urn:dicom:uid", "value": "urn:oid:" + study}]
    if accession is not None:
        ids.append({"type": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
            "code": "ACSN"}]}, "value": accession})
    return {"resourceType": "ImagingStudy", "status": "available",
            "identifier": ids, "subject": {"reference": "Patient/" + pid}}


def test_imaging_study_post_is_analysed(st, pb, pacs):
    pid, mrn = make_patient(st)
    # An ankle: the watcher leaves it alone, so the facade's call is the
    # only analysis (the model's guard still takes the chest pixels).
    study, data = dicom(chest_rows(), mrn, body_part="ANKLE")
    pacs.stow(data)
    code, headers, res = fhir(st, "POST", "ImagingStudy",
                              imaging_study(pid, study, "ACC1"))
    assert code == 201, res
    assert res["resourceType"] == "ImagingStudy"
    assert res["identifier"][0]["value"] == "urn:oid:" + study
    ref = [e["valueReference"]["reference"] for e in res["extension"]
           if e["url"].endswith("/diagnostic-report")]
    assert len(ref) == 1 and ref[0].startswith("DiagnosticReport/"), res
    assert headers["Location"].endswith(ref[0])
    mine = findings_of(st, pb, pid, study)
    assert [f.finding_id for f in mine] == [ref[0].split("/")[1]]
    code, _, bundle = fhir(st, "GET", "DiagnosticReport?patient=" + pid)
    assert code == 200
    reports = {e["resource"]["id"]: e["resource"]
               for e in bundle.get("entry", [])}
    assert ref[0].split("/")[1] in reports
    # The write-back is off here, and the report says so (wbstate).
    assert writeback_status(reports[ref[0].split("/")[1]]) == "off"
    assert mine[0].pacs_writeback == pb.PACS_WRITEBACK_OFF


def test_imaging_study_created_by_a_client_library(st, pb, pacs):
    """fhir-kit-client (npm, pinned in tools/fhirclients) creates the
    ImagingStudy through its own create call and gets the report back."""
    npm = os.path.join(paths.build_dir(), "npm", "fhirclients",
                       "node_modules")
    if not os.path.isdir(os.path.join(npm, "fhir-kit-client")):
        pytest.skip("fhir-kit-client not installed (make deps)")
    pid, mrn = make_patient(st)
    study, data = dicom(chest_rows(), mrn, body_part="ANKLE")
    pacs.stow(data)
    plan = {"base": st.fhir_url(), "token": st.token("clinician"),
            "patient": pid, "medicationRequest": None,
            "imagingStudy": imaging_study(pid, study),
            "calls": ["kit.imagingstudy.create"]}
    p = subprocess.run(
        ["node", os.path.join(paths.REPO_ROOT, "tools", "fhirclients",
                              "run.js")],
        input=json.dumps(plan).encode(), capture_output=True, timeout=300,
        env=dict(os.environ, NODE_PATH=npm,
                 NODE_EXTRA_CA_CERTS=st.ca_path))
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    r = json.loads(p.stdout.decode().splitlines()[0])
    assert r["ok"], r
    assert r["value"]["resourceType"] == "ImagingStudy"
    reports = r["value"]["reports"]
    assert len(reports) == 1 and reports[0].startswith("DiagnosticReport/")
    assert [f.finding_id for f in findings_of(st, pb, pid, study)] == \
        [reports[0].split("/")[1]]


def test_imaging_study_refusals_name_the_cause(st, pb, pacs):
    pid, _ = make_patient(st)
    _, other_mrn = make_patient(st)
    study, data = dicom(chest_rows(), other_mrn, body_part="ANKLE")
    pacs.stow(data)
    code, _, res = fhir(st, "POST", "ImagingStudy", imaging_study(pid, study))
    assert code == 422, res
    assert res["resourceType"] == "OperationOutcome"
    assert "PatientID" in res["issue"][0]["diagnostics"], res
    assert other_mrn not in json.dumps(res)
    unknown = "1.2.826.0.1.3680043.99." + str(uuid.uuid4().int)[:20]
    code, _, res = fhir(st, "POST", "ImagingStudy",
                        imaging_study(pid, unknown))
    assert code == 404, res
    assert "no such study" in res["issue"][0]["diagnostics"]
    body = imaging_study(pid, study)
    del body["identifier"]
    code, _, res = fhir(st, "POST", "ImagingStudy", body)
    assert code == 400 and "urn:dicom:uid" in res["issue"][0]["diagnostics"]
    assert res["issue"][0]["expression"] == ["ImagingStudy.identifier"]
    assert findings_of(st, pb, pid) == []


def test_another_service_may_not_analyse_a_study(st, pb, pacs):
    """Services may call AnalyzeStudy only so that diagnosis' own watcher
    can; another service (the harness's service caller) is refused before
    the PACS is asked, and nothing is stored."""
    import grpc
    pid, mrn = make_patient(st)
    study, data = dicom(chest_rows(), mrn, body_part="ANKLE")
    pacs.stow(data)
    req = pb.AnalyzeStudyRequest(patient_id=pid, study_instance_uid=study)
    with pytest.raises(grpc.RpcError) as e:
        st.call(SVC, "AnalyzeStudy", req, role="service", timeout=30)
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # libmed refuses it by the method's table (MED_UNARY_ONLY), naming
    # the one service that may call it; the handler's own check stays as
    # a second line.
    assert "only service:diagnosis may call it" in e.value.details()
    assert findings_of(st, pb, pid) == []


def test_capability_statement_lists_imaging_study_create(st):
    code, _, cap = fhir(st, "GET", "metadata")
    assert code == 200
    types = {r["type"]: r for r in cap["rest"][0]["resource"]}
    assert [i["code"] for i in types["ImagingStudy"]["interaction"]] == [
        "create"]


# --- (b) requested studies, analysed by the watcher ------------------------

def request(st, pb, pid, study, accession="ACC1", role="clinician"):
    return st.call(SVC, "RequestStudyAnalysis", pb.RequestStudyAnalysisRequest(
        patient_id=pid, study_instance_uid=study,
        accession_number=accession), role=role)


def wait_finding(st, pb, pid, study, timeout=60):
    return poll(lambda: findings_of(st, pb, pid, study), timeout=timeout,
                what="the watcher's finding on study %s" % study)


def test_requested_study_is_analysed_when_it_arrives(st, pb, pacs):
    pid, mrn = make_patient(st)
    study, data = dicom(chest_rows(1), mrn)
    r = request(st, pb, pid, study)
    assert r.state == "pending" and r.requested_by
    time.sleep(3 * POLL_MS / 1000.0)  # tried while not in the PACS yet
    pacs.stow(data)
    f = wait_finding(st, pb, pid, study)
    assert len(f) == 1
    assert f[0].requested_by == "service:diagnosis"
    assert f[0].accession_number == "ACC1"
    assert f[0].has_overlay
    assert f[0].pacs_writeback == pb.PACS_WRITEBACK_OFF

    def analysed():
        return [e for e in audit_events(st, patient_id=pid)
                if e.action.endswith("/AnalyzeStudy") and e.outcome == 0
                and e.actor == "service:diagnosis"]
    poll(analysed, timeout=20, what="AnalyzeStudy by the service, audited")
    assert counter(st, "analysed") >= 1


def test_a_planted_study_never_becomes_a_finding(st, pb, pacs):
    """Issue 74: another person's pneumonia film stored in the PACS under
    a real patient's MRN.  Nobody requested it: the watcher never reads
    it, and no finding is made, while a requested study stored after it
    is analysed (the watcher is alive)."""
    pid, mrn = make_patient(st)
    planted, data = dicom(chest_rows(5), mrn, accession="PLANTED")
    pacs.stow(data)
    ordered, data = dicom(chest_rows(2), mrn, accession="ACC-ORD")
    request(st, pb, pid, ordered, accession="ACC-ORD")
    pacs.stow(data)
    wait_finding(st, pb, pid, ordered)
    time.sleep(6 * POLL_MS / 1000.0)
    assert findings_of(st, pb, pid, planted) == []
    assert [f.study_instance_uid for f in findings_of(st, pb, pid)] == \
        [ordered]


def refusals(st, pid):
    return [e for e in audit_events(st, patient_id=pid)
            if e.action.endswith("/AnalyzeStudy") and e.outcome != 0 and
            e.actor == "service:diagnosis"]


def test_request_refusals_name_the_cause(st, pb, pacs):
    import grpc
    pid, mrn = make_patient(st)
    study, _ = dicom(chest_rows(), mrn)
    cases = [(dict(study_instance_uid="1.2.x"), "INVALID_ARGUMENT",
              "study_instance_uid"),
             (dict(patient_id="nope"), "INVALID_ARGUMENT", "patient_id"),
             (dict(accession_number="A" * 65), "INVALID_ARGUMENT",
              "accession_number")]
    for bad, code, field in cases:
        req = dict(patient_id=pid, study_instance_uid=study,
                   accession_number="ACC1")
        req.update(bad)
        with pytest.raises(grpc.RpcError) as e:
            st.call(SVC, "RequestStudyAnalysis",
                    pb.RequestStudyAnalysisRequest(**req), role="clinician")
        assert e.value.code().name == code, bad
        assert e.value.details().startswith(field), e.value.details()
    request(st, pb, pid, study)
    other, _ = make_patient(st)
    with pytest.raises(grpc.RpcError) as e:
        request(st, pb, other, study)
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "requested already" in e.value.details()


def test_requested_study_of_another_patient_is_refused(st, pb, pacs):
    """A request for patient A whose study, when it arrives, is B's (its
    PatientID is B's MRN): AnalyzeStudy refuses it, audited, the request
    is closed, and neither patient gets a finding."""
    pid, mrn = make_patient(st)
    other, other_mrn = make_patient(st)
    before = counter(st, "refused")
    study, data = dicom(chest_rows(), other_mrn)
    request(st, pb, pid, study)
    pacs.stow(data)
    ev = poll(lambda: refusals(st, pid), timeout=60,
              what="the watcher's AnalyzeStudy refused, in audit")
    assert ev[0].outcome == 9  # FAILED_PRECONDITION: another patient's
    poll(lambda: counter(st, "refused") >= before + 1, timeout=20,
         what="the refusal counted")
    # The request is closed: it is not tried again.
    time.sleep(6 * POLL_MS / 1000.0)
    assert len(refusals(st, pid)) == 1
    assert findings_of(st, pb, pid) == []
    assert findings_of(st, pb, other) == []


def test_restart_neither_misses_nor_repeats(st, pb, pacs):
    pid, mrn = make_patient(st)
    first, data = dicom(chest_rows(3), mrn)
    request(st, pb, pid, first)
    pacs.stow(data)
    wait_finding(st, pb, pid, first)
    second, data = dicom(chest_rows(4), mrn)
    request(st, pb, pid, second)
    st.stop_service(SVC)
    try:
        pacs.stow(data)  # while diagnosis is down
    finally:
        st.start_service(SVC)
    wait_finding(st, pb, pid, second)
    time.sleep(6 * POLL_MS / 1000.0)  # room for a repeat, were there one
    assert len(findings_of(st, pb, pid, first)) == 1
    assert len(findings_of(st, pb, pid, second)) == 1


def series_uids(pacs, study):
    return {s["0020000E"]["Value"][0] for s in json.loads(
        pacs.get("/dicom-web/studies/%s/series" % study))}


def test_watch_with_write_back_writes_back_once(st, pb, pacs):
    """MED_DIAGNOSIS_PACS_WRITEBACK on with the watcher: the watcher's
    finding stores its write-back's outcome, through the restricted
    credential (a series added to the requested study), and the request
    is closed: one finding, one Secondary Capture, stored once."""
    pid, mrn = make_patient(st)
    _restart(st, MED_DIAGNOSIS_PACS_WRITEBACK="on")
    try:
        study, data = dicom(chest_rows(1), mrn)
        request(st, pb, pid, study)
        pacs.stow(data)
        f = poll(lambda: [x for x in findings_of(st, pb, pid, study)
                          if x.pacs_writeback != pb.PACS_WRITEBACK_PENDING],
                 timeout=60, what="the watcher's finding, written back")
        time.sleep(6 * POLL_MS / 1000.0)  # room for a repeat
    finally:
        _restart(st, MED_DIAGNOSIS_PACS_WRITEBACK="off")
    assert len(f) == 1, f
    assert f[0].pacs_writeback == pb.PACS_WRITEBACK_STORED, \
        f[0].writeback_error
    assert f[0].writeback_ms > 0
    assert f[0].writeback_series_instance_uid in series_uids(pacs, study)
    assert len(series_uids(pacs, study)) == 2
    assert [x.finding_id for x in findings_of(st, pb, pid, study)] == \
        [f[0].finding_id]


def test_pacs_down_keeps_the_request_pending(st, pb, pacs):
    pid, mrn = make_patient(st)
    study, data = dicom(chest_rows(1), mrn)
    pacs.stop()
    try:
        request(st, pb, pid, study)
        time.sleep(6 * POLL_MS / 1000.0)  # tried against a PACS away
    finally:
        pacs.start()
    pacs.stow(data)
    assert len(wait_finding(st, pb, pid, study)) == 1


def _restart(st, **env):
    st.stop_service(SVC)
    st.services[SVC].env.update(env)
    st.start_service(SVC)


def test_request_with_the_watcher_off_is_refused(st, pb, pacs):
    import grpc
    pid, mrn = make_patient(st)
    study, _ = dicom(chest_rows(), mrn)
    _restart(st, MED_DIAGNOSIS_PACS_WATCH="off")
    try:
        with pytest.raises(grpc.RpcError) as e:
            request(st, pb, pid, study)
    finally:
        _restart(st, MED_DIAGNOSIS_PACS_WATCH="on")
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "MED_DIAGNOSIS_PACS_WATCH" in e.value.details()
