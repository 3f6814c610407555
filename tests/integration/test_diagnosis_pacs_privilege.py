"""The PACS with least privilege over TLS (issue 49 item 8): Orthanc
serves HTTPS with a certificate of a CA diagnosis is told to trust
(MED_DIAGNOSIS_PACS_CA_FILE), and the chart's filter
(deploy/k8s/helm/smartmed/files/orthanc-least-privilege.lua) lets
diagnosis's user read the studies it analyses and store its overlays back,
nothing else: no deletion, no listing of the PACS's patients or studies,
no change feed, no search, no change to Orthanc (issue 74: the credential
enumerated the archive through /changes and /studies/{id}), and no new
study stored under a real patient's id (issue 74: a planted film).
Another user of the PACS (its administrator) keeps its rights."""

import base64
import json
import os
import sys
import urllib.error

import pytest

from harness import Stack, pki, protos
from harness import orthanc as orthanc_mod
from harness.fixtures import running
from harness.stack_processes import free_port

sys.path.insert(0, os.path.dirname(__file__))
import test_diagnosis_pacs as pacs_case  # noqa: E402
import test_diagnosis_stow as stow_case  # noqa: E402

SVC = "diagnosis"
ADMIN, ADMIN_PASSWORD = "pacs-admin", "admin-secret-4f1c"
DIAG, DIAG_PASSWORD = "smartmed-diagnosis", "diag-secret-9b2e"
# diagnosis's HTTP port, fixed before Orthanc starts: the filter asks it
# whether an overlay is due (services/diagnosis/stow_gate.c).
GATE_PORT = free_port()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    d = tmp_path_factory.mktemp("pacs-tls")
    ca = pki.new_ca("smartmed test PACS CA")
    key, cert = pki.new_server_leaf(ca)
    pem = pki.write(str(d / "orthanc.pem"), key + cert)
    ca_file = pki.write(str(d / "ca.pem"), pki.cert_pem(ca[1]), 0o644)
    return pem, ca_file


@pytest.fixture(scope="module")
def pacs(tls):
    orthanc_mod.skip_if_absent()
    if not os.access(orthanc_mod.STUNNEL, os.X_OK):
        pytest.skip("stunnel4 absent: make deps installs it")
    pytest.importorskip("pydicom")
    with orthanc_mod.Orthanc(users={ADMIN: ADMIN_PASSWORD,
                                    DIAG: DIAG_PASSWORD},
                             diagnosis_user=DIAG, tls=tls,
                             stow_gate=orthanc_mod.stow_gate_url(
                                 GATE_PORT)) as o:
        yield o


@pytest.fixture(scope="module")
def st(pacs, tls, tmp_path_factory):
    pw = tmp_path_factory.mktemp("pacs-pw") / "password"
    pw.write_text(DIAG_PASSWORD + "\n")
    env = {"MED_DIAGNOSIS_PACS_URL": pacs.dicomweb_url,
           "MED_DIAGNOSIS_PACS_USER": DIAG,
           "MED_DIAGNOSIS_PACS_PASSWORD_FILE": str(pw),
           "MED_DIAGNOSIS_PACS_CA_FILE": tls[1],
           "MED_DIAGNOSIS_PACS_WRITEBACK": "on"}
    with running(Stack(services=("audit", "identity", "records", SVC),
                       patient_checks=True, ports={SVC: (None, GATE_PORT)},
                       extra_env=env)) as s:
        yield s


@pytest.fixture(scope="module")
def pb():
    return protos.module(SVC)


def as_user(pacs, user, password, method, path, body=None):
    """The HTTP status Orthanc answers user's request with."""
    auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    headers = {"Authorization": "Basic " + auth}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        return pacs.request_as(method, path, body, headers)[0]
    except urllib.error.HTTPError as e:
        return e.code


def test_study_is_read_and_overlay_stored_over_tls(st, pb, pacs):
    assert pacs.http_url.startswith("https://")
    pid, mrn = pacs_case.make_patient(st)
    study = stow_case.stored_study(pacs, mrn)
    before = stow_case.series_of(pacs, study)
    f = pacs_case.analyze(st, pb, pid, study)
    assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED, f.writeback_error
    after = stow_case.series_of(pacs, study)
    assert set(after) - set(before) == {f.writeback_series_instance_uid}


def test_diagnosis_credential_can_do_nothing_else(st, pb, pacs):
    pid, mrn = pacs_case.make_patient(st)
    study = stow_case.stored_study(pacs, mrn)
    pacs_case.analyze(st, pb, pid, study)
    orthanc_ids = json.loads(pacs.get("/studies"))
    assert orthanc_ids
    one = orthanc_ids[0]
    # What diagnosis reads is allowed...
    assert as_user(pacs, DIAG, DIAG_PASSWORD, "GET",
                   "/dicom-web/studies/%s/metadata" % study) == 200
    # ...and nothing more: no enumeration of the archive (the change
    # feed from any place, Orthanc's study and series records)...
    refused = [
        ("GET", "/changes", None),
        ("GET", "/changes?since=0&limit=1000", None),
        ("GET", "/changes?last", None),
        ("GET", "/studies/%s" % one, None),
        ("GET", "/studies/%s/series" % one, None),
        ("GET", "/patients/%s" % json.loads(pacs.get(
            "/studies/%s" % one))["ParentPatient"], None),
        ("GET", "/dicom-web/studies?PatientID=%s" % mrn, None),
        ("DELETE", "/studies/%s" % one, None),
        ("GET", "/patients", None),
        ("GET", "/studies", None),
        ("GET", "/dicom-web/studies", None),
        ("GET", "/instances", None),
        ("GET", "/system", None),
        ("POST", "/tools/find",
         b'{"Level": "Patient", "Query": {"PatientID": "*"}}'),
        ("POST", "/instances", b"{}"),
        ("PUT", "/studies/%s/metadata/1024" % one, b"x"),
    ]
    for method, path, body in refused:
        assert as_user(pacs, DIAG, DIAG_PASSWORD, method, path,
                       body) == 403, (method, path)
    # The study is still there, and the PACS's administrator keeps every
    # right the filter does not concern.
    assert as_user(pacs, ADMIN, ADMIN_PASSWORD, "GET", "/patients") == 200
    assert as_user(pacs, ADMIN, ADMIN_PASSWORD, "GET",
                   "/studies/%s" % one) == 200


def stow_as(pacs, user, password, path, dicom):
    """The HTTP status of a STOW-RS of one DICOM file to path as user."""
    boundary = "smartmed-stow-%s" % os.urandom(8).hex()
    body = (b"--" + boundary.encode() + b"\r\n"
            b"Content-Type: application/dicom\r\n\r\n" + dicom +
            b"\r\n--" + boundary.encode() + b"--\r\n")
    auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    headers = {"Authorization": "Basic " + auth,
               "Accept": "application/dicom+json",
               "Content-Type": 'multipart/related; type="application/dicom";'
                               ' boundary=%s' % boundary}
    try:
        return pacs.request_as("POST", path, body, headers)[0]
    except urllib.error.HTTPError as e:
        return e.code


def test_diagnosis_credential_cannot_plant_a_study(st, pb, pacs):
    """Another person's film, its header naming a real patient's MRN,
    sent with diagnosis's credential: as a study of its own (to the
    STOW root or to its own study's URL) it is refused; sent to the URL
    of the patient's real study it is not stored (the DICOMweb plugin
    keeps only instances of the URL's study).  The PACS holds no new
    study of the patient."""
    pid, mrn = pacs_case.make_patient(st)
    real = stow_case.stored_study(pacs, mrn)
    rows = pacs_case.rows_of(pacs_case.chest_pixels())
    planted, data = pacs_case.dicom(rows, mrn, accession="ACC-PLANT")
    assert stow_as(pacs, DIAG, DIAG_PASSWORD, "/dicom-web/studies",
                   data) == 403
    assert stow_as(pacs, DIAG, DIAG_PASSWORD,
                   "/dicom-web/studies/%s" % planted, data) == 403
    stow_as(pacs, DIAG, DIAG_PASSWORD, "/dicom-web/studies/%s" % real, data)
    assert as_user(pacs, DIAG, DIAG_PASSWORD, "POST", "/instances",
                   data) == 403
    assert pacs.study_ids(planted) == set()
    assert pacs.study_ids(real)
    # The overlay into the real study, the one write diagnosis has, holds.
    f = pacs_case.analyze(st, pb, pid, real)
    assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED, f.writeback_error


def _gate(study):
    """What diagnosis's gate answers the PACS for study."""
    import urllib.request
    try:
        with urllib.request.urlopen(orthanc_mod.stow_gate_url(GATE_PORT) +
                                    study, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_diagnosis_credential_stores_only_an_overlay_due(st, pb, pacs):
    """A derived series (a Secondary Capture of the study's own UID)
    sent with diagnosis's credential into a study the PACS holds but
    nobody asked diagnosis to analyse is refused and not stored (before,
    any study the PACS held took it); the overlay of a study diagnosis
    was asked to analyse is stored through the same filter; once it is
    stored the study takes no further series from the credential."""
    pid, mrn = pacs_case.make_patient(st)
    unasked = stow_case.stored_study(pacs, mrn)
    rows = pacs_case.rows_of(pacs_case.chest_pixels())
    _, data = pacs_case.dicom(rows, mrn, accession="ACC-SC",
                              study_uid=unasked)
    before = stow_case.series_of(pacs, unasked)
    assert _gate(unasked) == (404, b"no\n")
    assert stow_as(pacs, DIAG, DIAG_PASSWORD,
                   "/dicom-web/studies/%s" % unasked, data) == 403
    assert stow_case.series_of(pacs, unasked) == before
    # Asked: the analysis's overlay passes the filter.
    asked = stow_case.stored_study(pacs, mrn)
    f = pacs_case.analyze(st, pb, pid, asked)
    assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED, f.writeback_error
    assert f.writeback_series_instance_uid in stow_case.series_of(pacs,
                                                                  asked)
    # Stored: nothing more is due, and the study takes nothing more.
    _, more = pacs_case.dicom(rows, mrn, accession="ACC-SC", study_uid=asked)
    assert _gate(asked) == (404, b"no\n")
    n = len(stow_case.series_of(pacs, asked))
    assert stow_as(pacs, DIAG, DIAG_PASSWORD,
                   "/dicom-web/studies/%s" % asked, more) == 403
    assert len(stow_case.series_of(pacs, asked)) == n
    # The gate names nothing but a UID.
    assert _gate("1.2.x")[0] in (400, 404)


def test_plain_http_to_a_tls_pacs_is_not_spoken(pacs):
    """The TLS port answers no clear-text request (nothing falls back)."""
    import socket
    with socket.create_connection(("127.0.0.1", pacs.port), 5) as s:
        s.sendall(b"GET /system HTTP/1.0\r\n\r\n")
        s.settimeout(5)
        try:
            got = s.recv(64)
        except (socket.timeout, ConnectionResetError):
            got = b""
    assert not got.startswith(b"HTTP/1.")
