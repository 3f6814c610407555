"""The chart's optional PACS image (deploy/docker/Dockerfile.orthanc, built
by `tools/images/build.sh orthanc`; not among the default images): run as
the chart runs it, read-only with the chart's own orthanc.json (from the
rendered deploy/k8s/manifests/smartmed-pacs.yaml) and a user file as the
Secret gives it, it refuses a request without the user, takes a study over
STOW-RS and finds it over QIDO-RS.  Skipped when the image is not built or
podman cannot run containers here."""

import base64
import io
import json
import os
import shutil
import time
import urllib.error
import urllib.request

import pytest
import yaml

from harness import paths
from harness.stack_processes import free_port

import containers

PACS_MANIFEST = os.path.join(paths.REPO_ROOT, "deploy", "k8s", "manifests",
                             "smartmed-pacs.yaml")
USER, PASSWORD = "smartmed-diagnosis", os.urandom(9).hex()
# The PACS's own user (pacs.adminUser): stores and queries; the diagnosis
# user has least privilege (files/orthanc-least-privilege.lua).
ADMIN, ADMIN_PASSWORD = "pacs-admin", os.urandom(9).hex()


def chart_config(port):
    """The files of the chart's ConfigMap ({name: text}), orthanc.json on
    port (host network)."""
    with open(PACS_MANIFEST) as f:
        for d in yaml.safe_load_all(f):
            if d and d["kind"] == "ConfigMap" and \
                    d["metadata"]["name"] == "smartmed-orthanc":
                files = dict(d["data"])
                c = json.loads(files["orthanc.json"])
                c["HttpPort"] = port
                files["orthanc.json"] = json.dumps(c)
                return files
    raise AssertionError("no smartmed-orthanc ConfigMap in " + PACS_MANIFEST)


@pytest.fixture(scope="module")
def orthanc():
    why = containers.cannot_run_containers()
    if why:
        pytest.skip(why)
    if not containers.image_exists("orthanc"):
        pytest.skip("%s not built: tools/images/build.sh orthanc"
                    % containers.image_name("orthanc"))
    uid, gid = containers.chart_user()
    port = free_port()
    d = paths.scratch_dir("smartmed-orthanc-image-")
    conf, db = os.path.join(d, "conf"), os.path.join(d, "db")
    os.makedirs(conf)
    os.makedirs(db)
    os.chown(db, uid, gid)
    for name, text in chart_config(port).items():
        with open(os.path.join(conf, name), "w") as f:
            f.write(text)
    with open(os.path.join(conf, "orthanc-users.json"), "w") as f:
        json.dump({"RegisteredUsers": {USER: PASSWORD,
                                       ADMIN: ADMIN_PASSWORD}}, f)
    os.chmod(d, 0o755)
    name = "smartmed-orthanc-test-%d" % port
    containers.podman(
        "run", "-d", "--rm", "--name", name, "--network", "host",
        *containers.ULIMITS, "--read-only", "--tmpfs", "/tmp",
        "--user", "%d:%d" % (uid, gid),
        "-v", "%s:/var/lib/orthanc/db" % db,
        "-v", "%s:/etc/smartmed/orthanc:ro" % conf,
        containers.image_name("orthanc"))
    url = "http://127.0.0.1:%d" % port
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/system", timeout=2)
            except urllib.error.HTTPError:
                break  # it answers (401: the user is required)
            except OSError:
                if time.time() > deadline:
                    raise AssertionError(containers.podman(
                        "logs", name, check=False))
                time.sleep(0.5)
        yield url
    finally:
        containers.podman("stop", "-t", "5", name, check=False)
        shutil.rmtree(d, ignore_errors=True)


def request(url, path, body=None, headers=None, auth=True, user=ADMIN):
    h = dict(headers or {})
    pw = ADMIN_PASSWORD if user == ADMIN else PASSWORD
    if auth:
        h["Authorization"] = "Basic " + base64.b64encode(
            ("%s:%s" % (user, pw)).encode()).decode()
    req = urllib.request.Request(url + path, data=body, headers=h,
                                 method="POST" if body else "GET")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


def test_user_required(orthanc):
    with pytest.raises(urllib.error.HTTPError) as e:
        request(orthanc, "/dicom-web/studies", auth=False)
    assert e.value.code == 401
    assert request(orthanc, "/dicom-web/studies")[0] == 200
    # The chart's filter runs in the image: diagnosis's user may not list.
    for path in ("/dicom-web/studies", "/patients", "/system"):
        with pytest.raises(urllib.error.HTTPError) as e:
            request(orthanc, path, user=USER)
        assert e.value.code == 403, path


def test_stow_then_qido_as_the_pacs_user(orthanc):
    pytest.importorskip("pydicom")
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientID, ds.Modality = "IMG-1", "OT"
    ds.Rows = ds.Columns = 2
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelRepresentation = 0
    ds.PixelData = bytes([0, 64, 128, 255])
    buf = io.BytesIO()
    ds.save_as(buf, write_like_original=False)
    b = "smartmed-image-test"
    body = (b"--" + b.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n"
            + buf.getvalue() + b"\r\n--" + b.encode() + b"--\r\n")
    status, _ = request(orthanc, "/dicom-web/studies", body, {
        "Content-Type": 'multipart/related; type="application/dicom"; '
                        "boundary=" + b,
        "Accept": "application/dicom+json"})
    assert status == 200
    _, found = request(orthanc, "/dicom-web/studies?StudyInstanceUID=%s"
                       % ds.StudyInstanceUID)
    assert len(json.loads(found)) == 1


def test_runs_as_the_charts_user_read_only():
    """The image's USER is the chart's runAsUser (the pod would refuse
    another with runAsNonRoot and a fixed uid)."""
    if containers.cannot_run_containers() or \
            not containers.image_exists("orthanc"):
        pytest.skip("no orthanc image or no podman")
    user = containers.podman("image", "inspect", "--format",
                             "{{.Config.User}}",
                             containers.image_name("orthanc")).strip()
    uid, gid = containers.chart_user()
    assert user == "%d:%d" % (uid, gid)
