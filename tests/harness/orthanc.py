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
STUNNEL = "/usr/bin/stunnel4"
# The chart's filter of what the diagnosis user may ask of Orthanc.
LEAST_PRIVILEGE_LUA = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "k8s",
    "helm", "smartmed", "files", "orthanc-least-privilege.lua")
PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def is_available():
    return os.access(BINARY, os.X_OK) and os.path.exists(PLUGIN)


def stow_gate_url(http_port):
    """The gate of a diagnosis whose HTTP port is http_port
    (services/diagnosis/stow_gate.c)."""
    return "http://127.0.0.1:%d/pacs/stow-due/" % http_port


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
                 users=None, diagnosis_user=None, tls=None,
                 stow_gate=None):
        """users: {name: password} turns Orthanc's HTTP basic
        authentication on (the chart's setting); the harness's own
        requests then go as the first user.  diagnosis_user: the user
        whose requests the chart's least-privilege filter restricts
        (LEAST_PRIVILEGE_LUA).  stow_gate: the URL the filter asks
        whether diagnosis has an overlay due for a study (its HTTP port's
        /pacs/stow-due/, stow_gate_url); without it the diagnosis user
        stores nothing.  tls: (pem, ca) serves HTTPS with the certificate
        and key in pem (one file), requests trusting ca."""
        self.users = dict(users or {})
        self.diagnosis_user = diagnosis_user
        self.stow_gate = stow_gate
        self.tls = tls
        # With tls, Orthanc answers plain HTTP on inner_port (loopback
        # only) and stunnel serves HTTPS on port in front of it.
        self.inner_port = free_port() if tls else None
        self.tunnel = None
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="smartmed-orthanc-")
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.log_path = os.path.join(self.dir, "orthanc.log")
        self.proc = None

    @property
    def http_url(self):
        scheme = "https" if self.tls else "http"
        return "%s://127.0.0.1:%d" % (scheme, self.port)

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
            "HttpPort": self.inner_port if self.tls else self.port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": bool(self.users),
            "RegisteredUsers": self.users,
            "DicomServerEnabled": False,
            "Plugins": [PLUGIN],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/",
                         "EnableWado": False},
            "LuaScripts": self._lua_scripts(),
        }

    def _lua_scripts(self):
        """The chart's filter of the diagnosis user, preceded by the lines
        that name that user and diagnosis's gate (as the chart's ConfigMap
        does)."""
        if not self.diagnosis_user:
            return []
        who = os.path.join(self.dir, "diagnosis-user.lua")
        with open(who, "w", encoding="utf-8") as f:
            f.write("SMARTMED_DIAGNOSIS_USER = %s\n"
                    % json.dumps(self.diagnosis_user))
            if self.stow_gate:
                f.write("SMARTMED_DIAGNOSIS_STOW_GATE = %s\n"
                        % json.dumps(self.stow_gate))
        return [who, LEAST_PRIVILEGE_LUA]

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
        if self.tls:
            self._start_tunnel()
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

    def _start_tunnel(self):
        """stunnel4 in front of Orthanc: Debian 12's Orthanc 1.10.1
        crashes on its own HTTPS, so TLS ends in a process beside it (the
        chart's sidecar does the same)."""
        conf = os.path.join(self.dir, "stunnel.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write("foreground = yes\npid =\n[orthanc]\n"
                    "accept = 127.0.0.1:%d\nconnect = 127.0.0.1:%d\n"
                    "cert = %s\n" % (self.port, self.inner_port,
                                      self.tls[0]))
        log = open(os.path.join(self.dir, "stunnel.log"), "ab")
        self.tunnel = subprocess.Popen(
            [STUNNEL, conf], stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, preexec_fn=_pdeathsig)
        log.close()

    def stop(self):
        if self.tunnel is not None and self.tunnel.poll() is None:
            self.tunnel.terminate()
            self.tunnel.wait(timeout=15)
        self.tunnel = None
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
        return self.request_as(method, path, body, headers)

    def request_as(self, method, path, body=None, headers=None):
        """One request with exactly these headers (an Authorization of
        the caller's choosing): (status, body); an HTTP error raises
        urllib.error.HTTPError."""
        req = urllib.request.Request(self.http_url + path, data=body,
                                     method=method, headers=headers or {})
        ctx = None
        if self.tls:
            import ssl
            ctx = ssl.create_default_context(cafile=self.tls[1])
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            return r.status, r.read()

    def get(self, path, headers=None):
        return self._request("GET", path, headers=headers)[1]

    def study_ids(self, study_uid):
        """Orthanc's own ids of the study with this Study Instance UID
        (the ids its /changes feed names)."""
        _, found = self._request("POST", "/tools/lookup",
                                 body=study_uid.encode())
        return {f["ID"] for f in json.loads(found) if f["Type"] == "Study"}

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
