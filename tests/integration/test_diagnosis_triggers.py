"""What starts a study's analysis besides AnalyzeStudy (issue 38): a FHIR
ImagingStudy POSTed to the facade, and Orthanc's change feed watched by
diagnosis (MED_DIAGNOSIS_PACS_WATCH=on).

A real Orthanc (tests/harness/orthanc.py, with StableAge 1 s so that a
study is stable soon after its last instance) holds DICOM files made here
with pydicom from PneumoniaMNIST test images (../shared; skipped without
it), upscaled 8x.  The facade's ImagingStudy is analysed as the caller and
answered with the DiagnosticReport made; the watcher analyses a new chest
X-ray of a known MRN as the service, refuses (audited) a hand X-ray and an
unknown MRN, keeps its place in the feed across a restart (a study stored
while it was down is analysed once, none twice) and survives the PACS
going away.
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


@pytest.fixture(scope="module")
def pacs():
    orthanc_mod.skip_if_absent()
    pytest.importorskip("pydicom")
    pytest.importorskip("numpy")
    if not os.path.exists(DATA):
        pytest.skip("%s absent (../shared/data not available)" % DATA)
    with QuickOrthanc() as o:
        yield o


@pytest.fixture(scope="module")
def st(pacs):
    env = {"MED_DIAGNOSIS_PACS_URL": pacs.dicomweb_url,
           "MED_DIAGNOSIS_PACS_WATCH": "on",
           "MED_DIAGNOSIS_PACS_WATCH_POLL_MS": str(POLL_MS),
           "MED_DIAGNOSIS_PACS_WATCH_FROM": "start"}
    with running(Stack(services=("audit", "identity", "records", SVC),
                       patient_checks=True, fhir=True,
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


def wait_stable(pacs, study):
    """Until Orthanc has told its feed that study is stable (StableAge
    after its last instance; later on a busy machine)."""
    ids = pacs.study_ids(study)

    def stable():
        feed = json.loads(pacs.get("/changes?since=0&limit=10000"))
        return any(c["ChangeType"] == "StableStudy" and c["ID"] in ids
                   for c in feed["Changes"])
    poll(stable, timeout=60, what="study %s stable in the feed" % study)


def wait_watcher_at_end(st, pacs):
    """Until diagnosis's watcher has taken its place at the feed's last
    change (the gauge of its place)."""
    def at_end():
        last = int(json.loads(pacs.get("/changes?last"))["Last"])
        return metrics_mod.read(
            st, SVC, "smartmed_diagnosis_pacs_watch_seq") == last
    poll(at_end, timeout=60, what="the watcher's place at the feed's end")


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


# --- (b) the change feed ---------------------------------------------------

def wait_finding(st, pb, pid, study, timeout=60):
    return poll(lambda: findings_of(st, pb, pid, study), timeout=timeout,
                what="the watcher's finding on study %s" % study)


def test_watch_analyses_a_new_chest_xray_as_the_service(st, pb, pacs):
    pid, mrn = make_patient(st)
    study, data = dicom(chest_rows(1), mrn)
    pacs.stow(data)
    f = wait_finding(st, pb, pid, study)
    assert len(f) == 1
    assert f[0].requested_by == "service:diagnosis"
    assert f[0].has_overlay
    assert f[0].pacs_writeback == pb.PACS_WRITEBACK_OFF

    def analysed():
        return [e for e in audit_events(st, patient_id=pid)
                if e.action.endswith("/AnalyzeStudy") and e.outcome == 0
                and e.actor == "service:diagnosis"]
    poll(analysed, timeout=20, what="AnalyzeStudy by the service, audited")
    assert counter(st, "analysed") >= 1


def refusals(st, study):
    return [e for e in audit_events(st, actor="service:diagnosis")
            if e.action == "diagnosis/pacs-watch" and
            e.resource == "study/" + study]


def test_watch_refuses_what_is_not_for_it_and_audits(st, pb, pacs):
    pid, mrn = make_patient(st)
    before = counter(st, "refused")
    hand, data = dicom(chest_rows(), mrn, modality="CR", body_part="HAND")
    pacs.stow(data)
    stranger, data = dicom(chest_rows(), "NOBODY-" + uuid.uuid4().hex[:8])
    pacs.stow(data)
    ev = poll(lambda: refusals(st, hand), timeout=60,
              what="the hand X-ray's refusal in audit")
    assert "not a chest X-ray" in ev[0].detail
    ev = poll(lambda: refusals(st, stranger), timeout=60,
              what="the unknown MRN's refusal in audit")
    assert "MRN" in ev[0].detail and "NOBODY" not in ev[0].detail
    assert findings_of(st, pb, pid) == []
    assert counter(st, "refused") >= before + 2
    # The feed moved on: a chest X-ray stored after them is analysed.
    study, data = dicom(chest_rows(2), mrn)
    pacs.stow(data)
    assert len(wait_finding(st, pb, pid, study)) == 1


def test_restart_neither_misses_nor_repeats(st, pb, pacs):
    pid, mrn = make_patient(st)
    first, data = dicom(chest_rows(3), mrn)
    pacs.stow(data)
    wait_finding(st, pb, pid, first)
    st.stop_service(SVC)
    try:
        second, data = dicom(chest_rows(4), mrn)
        pacs.stow(data)  # while diagnosis is down
        wait_stable(pacs, second)  # stable before the restart
    finally:
        st.start_service(SVC)
    wait_finding(st, pb, pid, second)
    # once its place is the feed's last change it has read every change,
    # and neither study was analysed twice
    wait_watcher_at_end(st, pacs)
    time.sleep(4 * POLL_MS / 1000.0)  # room for a repeat, were there one
    assert len(findings_of(st, pb, pid, first)) == 1
    assert len(findings_of(st, pb, pid, second)) == 1


def series_uids(pacs, study):
    return {s["0020000E"]["Value"][0] for s in json.loads(
        pacs.get("/dicom-web/studies/%s/series" % study))}


def test_watch_with_write_back_writes_back_once(st, pb, pacs):
    """MED_DIAGNOSIS_PACS_WRITEBACK on with the watcher: the watcher's
    finding stores its write-back's outcome.  The Secondary Capture changes
    the study (a new series, then StableStudy again): the watcher's second
    AnalyzeStudy carries the same request id and is answered from the
    first reply, so one finding, one Secondary Capture, stored once."""
    pid, mrn = make_patient(st)
    _restart(st, MED_DIAGNOSIS_PACS_WRITEBACK="on")
    try:
        study, data = dicom(chest_rows(1), mrn)
        pacs.stow(data)
        f = poll(lambda: [x for x in findings_of(st, pb, pid, study)
                          if x.pacs_writeback != pb.PACS_WRITEBACK_PENDING],
                 timeout=60, what="the watcher's finding, written back")

        def repeats():
            return [e for e in audit_events(st, patient_id=pid)
                    if e.action.endswith("/AnalyzeStudy") and
                    "repeat of request" in e.detail]
        poll(repeats, timeout=30,
             what="the study's second StableStudy answered as a repeat")
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


def test_pacs_down_is_audited_and_the_feed_resumes(st, pb, pacs):
    pid, mrn = make_patient(st)
    pacs.stop()
    try:
        def down():
            return [e for e in audit_events(st, actor="service:diagnosis")
                    if e.action == "diagnosis/pacs-watch" and
                    e.resource == "changes"]
        poll(down, timeout=30, what="the feed's outage in audit")
    finally:
        pacs.start()
    study, data = dicom(chest_rows(1), mrn)
    pacs.stow(data)
    assert len(wait_finding(st, pb, pid, study)) == 1


def _restart(st, **env):
    st.stop_service(SVC)
    st.services[SVC].env.update(env)
    st.start_service(SVC)


def test_a_new_feed_is_taken_from_its_end_by_default(st, pb, pacs):
    """A PACS the watcher has not seen (no pacs_watch row for it) is taken
    from the end of its feed (MED_DIAGNOSIS_PACS_WATCH_FROM=end): what it
    held before is left alone, what comes after is analysed."""
    pid, mrn = make_patient(st)
    with QuickOrthanc() as other:
        old, data = dicom(chest_rows(6), mrn)
        other.stow(data)
        wait_stable(other, old)  # stable before the watcher first looks
        try:
            _restart(st, MED_DIAGNOSIS_PACS_URL=other.dicomweb_url,
                     MED_DIAGNOSIS_PACS_WATCH_FROM="end")
            new, data = dicom(chest_rows(7), mrn)
            wait_watcher_at_end(st, other)  # the place is taken first
            other.stow(data)
            assert len(wait_finding(st, pb, pid, new)) == 1
            assert findings_of(st, pb, pid, old) == []
        finally:
            _restart(st, MED_DIAGNOSIS_PACS_URL=pacs.dicomweb_url,
                     MED_DIAGNOSIS_PACS_WATCH_FROM="start")
