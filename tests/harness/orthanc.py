"""Orthanc as the test PACS: Debian's orthanc with its DICOMweb plugin
(orthanc-dicomweb), started as a real process with its own configuration
and storage in a temporary folder, answering HTTP on an ephemeral port.

Orthanc 1.10 has no HTTP bind-address setting: RemoteAccessAllowed false
makes it refuse every client but 127.0.0.1, and its DICOM (port 4242)
server is off, so the stack only ever speaks to it over loopback HTTP.

    with Orthanc(workdir) as pacs:
        pacs.store(dicom_bytes)                 # Orthanc's REST /instances
        env = {"MED_DIAGNOSIS_PACS_URL": pacs.dicomweb_url}

skip_if_absent() skips the calling test cleanly on a machine without the
packages (make deps installs them: tools/dev/install-deps.sh).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from .stack_processes import _pdeathsig, free_port, tail

BINARY = "/usr/sbin/Orthanc"
PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def is_available():
    return os.access(BINARY, os.X_OK) and os.path.exists(PLUGIN)


def skip_if_absent():
    """pytest.skip with the reason when Orthanc or its plugin is missing."""
    import pytest
    if not is_available():
        pytest.skip("Orthanc (%s) or its DICOMweb plugin (%s) absent: "
                    "make deps installs orthanc and orthanc-dicomweb"
                    % (BINARY, PLUGIN))


class OrthancError(RuntimeError):
    pass


class Orthanc:
    """One Orthanc process.  http_url is its REST API, dicomweb_url the
    DICOMweb root diagnosis is given (MED_DIAGNOSIS_PACS_URL)."""

    def __init__(self, workdir=None, port=None, start_timeout=30.0,
                 users=None):
        """users: {name: password} turns Orthanc's HTTP basic
        authentication on (the chart's setting); the harness's own
        requests then go as the first user."""
        self.users = dict(users or {})
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="smartmed-orthanc-")
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.log_path = os.path.join(self.dir, "orthanc.log")
        self.proc = None

    @property
    def http_url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def dicomweb_url(self):
        return self.http_url + "/dicom-web"

    def _config(self):
        storage = os.path.join(self.dir, "storage")
        os.makedirs(storage, exist_ok=True)
        return {
            "Name": "smartmed-test-pacs",
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "HttpServerEnabled": True,
            "HttpPort": self.port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": bool(self.users),
            "RegisteredUsers": self.users,
            "DicomServerEnabled": False,
            "Plugins": [PLUGIN],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/",
                         "EnableWado": False},
        }

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        cfg = os.path.join(self.dir, "orthanc.json")
        with open(cfg, "w", encoding="utf-8") as f:
            json.dump(self._config(), f, indent=1)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "--logdir=" + self.dir, cfg], stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_pdeathsig)
        log.close()
        deadline = time.time() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise OrthancError("Orthanc exited at start:\n%s"
                                   % tail(self.log_path))
            try:
                self.get("/system")
                return self
            except (OSError, urllib.error.URLError):
                if time.time() > deadline:
                    raise OrthancError("Orthanc did not answer in %.0f s:\n%s"
                                       % (self.start_timeout,
                                          tail(self.log_path)))
                time.sleep(0.2)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # --- REST --------------------------------------------------------------

    def _request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.users:
            import base64
            name, pw = next(iter(self.users.items()))
            headers["Authorization"] = "Basic " + base64.b64encode(
                ("%s:%s" % (name, pw)).encode()).decode()
        req = urllib.request.Request(self.http_url + path, data=body,
                                     method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()

    def get(self, path, headers=None):
        return self._request("GET", path, headers=headers)[1]

    def store(self, dicom):
        """Store one DICOM file through Orthanc's REST API; returns
        Orthanc's answer (ID, ParentStudy, ...)."""
        _, body = self._request("POST", "/instances", body=dicom,
                                headers={"Content-Type":
                                         "application/dicom"})
        return json.loads(body)

    def stow(self, dicom):
        """Store one DICOM file over DICOMweb STOW-RS (PS3.18 10.5)."""
        boundary = "smartmed-stow-%s" % os.urandom(8).hex()
        body = (b"--" + boundary.encode() + b"\r\n"
                b"Content-Type: application/dicom\r\n\r\n" + dicom +
                b"\r\n--" + boundary.encode() + b"--\r\n")
        ctype = ('multipart/related; type="application/dicom"; '
                 'boundary=%s' % boundary)
        _, res = self._request("POST", "/dicom-web/studies", body=body,
                               headers={"Content-Type": ctype,
                                        "Accept": "application/dicom+json"})
        return json.loads(res)
