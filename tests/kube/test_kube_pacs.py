"""The chart's optional PACS run, not only rendered (issue 38): the same
play as test_kube_play.py has pacs.enabled, pacs.writeback and pacs.watch
(kubeplay.py, V6), so Orthanc's pod (templates/pacs.yaml, the image `tools/images/build.sh
orthanc` tagged) runs beside the services.  Its pod runs as the chart says
and refuses a request without the chart's user; a chest X-ray (a
PneumoniaMNIST test image from ../shared, upscaled 8x, made a DICOM file
with pydicom; skipped without it) stored there over STOW-RS with the
chart's credentials is analysed by diagnosis's pod through AnalyzeStudy
(diagnosis reaches Orthanc at the chart's
http://<release>-orthanc:<port>/dicom-web with the password of the chart's
Secret), which answers a finding with its overlay and writes the overlay
back to the study as a Secondary Capture.  With pacs.watch, a study
requested in advance (RequestStudyAnalysis) and then stored for an
admitted patient is analysed by diagnosis's pod on its own (issue 52;
issue 74: only requested studies): the watcher's finding, as the service,
written back.

    tools/images/kube-test.sh     (make kube-test)
"""

import base64
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

import pytest

import containers
import kubeplay
from harness import ages, paths, protos
from harness.checks import poll

sys.path.insert(0, os.path.join(paths.REPO_ROOT, "tests", "contract",
                                "diagnosis"))
import dximages  # noqa: E402

SC = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
WATCHER = "service:diagnosis"  # who the watcher's findings name


def pacs_request(st, path, body=None, headers=None, auth=True,
                 as_diagnosis=False, method=None):
    """(status, body) of a request to the Orthanc pod, as the PACS's own
    user (pacs.adminUser), or as diagnosis's user, or anonymous when auth
    is false; an HTTP error answers its status too."""
    h = dict(headers or {})
    user, pw = ((kubeplay.PACS_USER, st.pacs_password) if as_diagnosis
                else (kubeplay.PACS_ADMIN, st.pacs_admin_password))
    if auth:
        h["Authorization"] = "Basic " + base64.b64encode(
            ("%s:%s" % (user, pw)).encode()).decode()
    req = urllib.request.Request(st.pacs_url() + path, data=body, headers=h,
                                 method=method or ("POST" if body
                                                   else "GET"))
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def stow(st, dicom):
    """Stores one DICOM file over DICOMweb STOW-RS (PS3.18 10.5)."""
    boundary = "smartmed-kube-%s" % uuid.uuid4().hex
    body = (b"--" + boundary.encode() + b"\r\n"
            b"Content-Type: application/dicom\r\n\r\n" + dicom +
            b"\r\n--" + boundary.encode() + b"--\r\n")
    status, res = pacs_request(st, "/dicom-web/studies", body, {
        "Content-Type": 'multipart/related; type="application/dicom"; '
                        "boundary=" + boundary,
        "Accept": "application/dicom+json"})
    assert status == 200, (status, res[:500])
    return json.loads(res)


def chest_dicom(mrn, accession):
    """(Study Instance UID, DICOM bytes) of PneumoniaMNIST's test image 0,
    224x224 8-bit, a frontal DX."""
    rows = dximages.chest_rows(0, scale=8)  # skips without ../shared
    return dximages.frontal_dx(rows, mrn, accession)


def series_of(st, study):
    """{Series Instance UID: [(SOP Class UID, SOP Instance UID)]} of the
    study in Orthanc, by QIDO-RS."""
    def qido(path):
        status, body = pacs_request(st, "/dicom-web/studies/" + path)
        assert status == 200, (status, body[:300])
        return json.loads(body) if body else []
    out = {}
    for s in qido("%s/series" % study):
        se = s["0020000E"]["Value"][0]
        out[se] = [(i["00080016"]["Value"][0], i["00080018"]["Value"][0])
                   for i in qido("%s/series/%s/instances" % (study, se))]
    return out


def test_orthanc_pod_runs_as_the_chart_says(kstack):
    """Orthanc's pod runs the rendered image as the chart's user, with a
    read-only root, no capabilities, no privilege escalation, its
    configuration and users as the chart projects them."""
    pod, ctr, got = kubeplay.runs_as_rendered(kstack, kubeplay.PACS)
    assert ctr["image"] == containers.image_name(kubeplay.PACS)
    assert pod["securityContext"]["runAsNonRoot"] is True
    mounts = {m["Destination"]: m for m in got["Mounts"]}
    assert mounts["/var/lib/orthanc/db"]["Type"] == "volume"
    assert mounts["/var/lib/orthanc/db"]["Name"] == \
        pod["volumes"][[v["name"] for v in pod["volumes"]].index(
            "studies")]["persistentVolumeClaim"]["claimName"]
    assert mounts["/etc/smartmed/orthanc"]["RW"] is False
    # What the process is: Orthanc as the chart's user, its studies on
    # the claim's volume (the image test checks the image alone).
    ps = containers.podman("top", kstack.services[kubeplay.PACS].container,
                           "user", "comm")
    assert "Orthanc" in ps and "root" not in ps, ps


def test_orthanc_refuses_a_request_without_the_user(kstack):
    """Authentication is on (the chart always sets it): anonymous and
    wrong-password requests are refused, the chart's user is let in."""
    for path in ("/system", "/dicom-web/studies", "/instances"):
        status, _ = pacs_request(kstack, path, auth=False)
        assert status == 401, (path, status)
    url = kstack.pacs_url() + "/system"
    req = urllib.request.Request(url, headers={
        "Authorization": "Basic " + base64.b64encode(
            ("%s:wrong" % kubeplay.PACS_USER).encode()).decode()})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 401
    status, body = pacs_request(kstack, "/system")
    assert status == 200, status
    assert json.loads(body)["Name"] == "smartmed-pacs"


def test_diagnosis_user_has_least_privilege(kstack):
    """The chart's filter (files/orthanc-least-privilege.lua) runs in the
    pod: diagnosis's user cannot list, search or delete."""
    for method, path in (("GET", "/patients"), ("GET", "/studies"),
                         ("GET", "/system"), ("DELETE", "/studies/x")):
        status, _ = pacs_request(kstack, path, as_diagnosis=True,
                                 method=method)
        assert status == 403, (method, path, status)


def test_study_in_the_pacs_is_analysed_and_written_back(kstack):
    """A chest X-ray stored in the chart's Orthanc is analysed through
    diagnosis's pod: a finding with its overlay, and the overlay stored
    back in the study as a Secondary Capture (pacs.writeback)."""
    pb = protos.module("diagnosis")
    mrn = "KPACS-" + uuid.uuid4().hex[:10].upper()
    study, data = chest_dicom(mrn, "KACC-1")
    stored = stow(kstack, data)
    assert "00081199" in stored, stored  # ReferencedSOPSequence: stored
    before = series_of(kstack, study)
    assert len(before) == 1, before
    # A child: the model reads only its card's population (children
    # aged 1-5), and an adult's film is refused.
    pid = kstack.admitted_patient(mrn, birth_date=ages.CHILD)
    f = kstack.call("diagnosis", "AnalyzeStudy", pb.AnalyzeStudyRequest(
        patient_id=pid, study_instance_uid=study, accession_number="KACC-1"),
        role="clinician", timeout=60)
    assert f.status == pb.FINDING_STATUS_PRELIMINARY
    assert f.study_instance_uid == study and f.accession_number == "KACC-1"
    assert (f.image_width, f.image_height) == (224, 224)
    assert f.top_label and 0.0 <= f.top_probability <= 1.0
    assert f.has_overlay and f.overlay_png[:8] == b"\x89PNG\r\n\x1a\n"
    # The overlay in the PACS: a new series, one Secondary Capture.  (The
    # watcher may analyse the same study once it is stable, Orthanc's
    # StableAge later, and add a finding and a series of its own.)
    assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED, f.writeback_error
    after = series_of(kstack, study)
    new = set(after) - set(before)
    assert f.writeback_series_instance_uid in new, (before, after)
    assert after[f.writeback_series_instance_uid] == [
        (SC, f.writeback_sop_instance_uid)]
    # The finding is the patient's, read back as the clinician.
    found = kstack.call("diagnosis", "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician", timeout=20).findings
    assert f.finding_id in [x.finding_id for x in found]
    assert all(x.requested_by == WATCHER for x in found
               if x.finding_id != f.finding_id), found


def test_new_study_is_analysed_by_the_watcher(kstack):
    """pacs.watch: a chest X-ray requested in advance and then stored in
    the chart's Orthanc for an admitted patient is analysed by
    diagnosis's pod with no further call (the watcher finds it by its
    UID), as the service, and its overlay written back: one finding, one
    Secondary Capture."""
    pb = protos.module("diagnosis")
    mrn = "KWATCH-" + uuid.uuid4().hex[:10].upper()
    # before the study: its MRN resolves; a child, inside the model's
    # population
    pid = kstack.admitted_patient(mrn, birth_date=ages.CHILD)
    study, data = chest_dicom(mrn, "KACC-W")
    kstack.call("diagnosis", "RequestStudyAnalysis",
                pb.RequestStudyAnalysisRequest(
                    patient_id=pid, study_instance_uid=study,
                    accession_number="KACC-W"), role="clinician", timeout=20)
    assert "00081199" in stow(kstack, data)

    def watched():
        fs = kstack.call("diagnosis", "ListFindings", pb.ListFindingsRequest(
            patient_id=pid), role="clinician", timeout=20).findings
        return [x for x in fs if x.study_instance_uid == study and
                x.pacs_writeback == pb.PACS_WRITEBACK_STORED] or None
    found = poll(watched, timeout=300, interval=2,
                 what="the watcher's finding on study %s, written back"
                 % study)
    assert len(found) == 1, found
    f = found[0]
    assert f.requested_by == WATCHER
    assert f.status == pb.FINDING_STATUS_PRELIMINARY
    assert f.accession_number == "KACC-W" and f.has_overlay
    series = series_of(kstack, study)
    assert series[f.writeback_series_instance_uid] == [
        (SC, f.writeback_sop_instance_uid)]
    assert len(series) == 2, series
