"""The development OpenID Connect provider (tools/devidp, oidc-provider)
beside a Stack, for make run and the console tests (tests/console).

    idp = DevIdp(users)            # picks its port and makes its RS256 key
    st = Stack(..., fhir=True, extra_env=idp.env())
    st.start(); idp.start(st)      # after the stack: its TLS certificate
    ...
    idp.close()

env() gives every service the provider's JWKS, issuer and audience
(MED_JWT_*, docs/security.md) and the facade the console's settings
(MED_CONSOLE_*), so a token the provider signs is accepted everywhere as a
hospital identity provider's would be.  The key is made for each start:
only the running stack trusts it."""

import atexit
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import ssl
import urllib.request

from cryptography.hazmat.primitives import serialization

from . import paths, pki
from .stack_processes import StackError, free_port, tail

AUDIENCE = "smartmed-api"
CLIENT_ID = "smartmed-console"
KID = "devidp-1"


def console_dir():
    """The ward console's static files (services/console)."""
    return os.path.join(paths.REPO_ROOT, "services", "console")


def modules_dir():
    """node_modules of tools/devidp as make deps installed them."""
    return os.path.join(paths.build_dir(), "npm", "devidp", "node_modules")


def is_available():
    """True when make deps installed oidc-provider and node is there."""
    return os.path.isdir(os.path.join(modules_dir(), "oidc-provider")) and \
        os.path.exists("/usr/bin/node")


def user(password=None, roles=(), units=(), name=None):
    """One user of the provider's users file."""
    return {"password": password or secrets.token_urlsafe(12),
            "roles": list(roles), "units": list(units), "name": name}


class DevIdp:
    """The provider process: its port, key, users and log."""

    def __init__(self, users, workdir=None, port=None):
        self.users = dict(users)
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="smartmed-idp-")
        os.makedirs(self.workdir, exist_ok=True)
        self.port = port or free_port()
        # 127.0.0.1, where it listens, as the facade's URL
        # (Stack.fhir_url_at says why not "localhost").
        self.issuer = "https://127.0.0.1:%d" % self.port
        self.key = pki.JwtKey("RS256", KID)
        self.jwks_path = os.path.join(self.workdir, "idp-jwks.json")
        self.key_path = os.path.join(self.workdir, "idp-signing.key")
        self.log_path = os.path.join(self.workdir, "devidp.log")
        self.proc = None
        pki.write_jwks(self.jwks_path, [self.key])
        fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.key.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))

    def env(self):
        """Settings for every service (JWT) and the facade (console)."""
        return {"MED_JWT_JWKS": self.jwks_path, "MED_JWT_ISSUER": self.issuer,
                "MED_JWT_AUDIENCE": AUDIENCE,
                "MED_CONSOLE_DIR": console_dir(),
                "MED_CONSOLE_ISSUER": self.issuer,
                "MED_CONSOLE_CLIENT_ID": CLIENT_ID}

    def start(self, st, timeout=20.0):
        """Start the provider for st's FHIR facade (its redirect URI and
        TLS certificate); waits for its discovery document."""
        fhir = st.fhir_url()
        origin = fhir[:fhir.index("/", len("https://"))]
        cert, key = st.pki("fhir")
        cfg = {"modules": modules_dir(), "port": self.port,
               "issuer": self.issuer, "tls_cert": cert, "tls_key": key,
               "signing_key": self.key_path, "kid": KID,
               "audience": AUDIENCE, "resource": fhir,
               "client_id": CLIENT_ID,
               "redirect_uris": [origin + "/console/"],
               "users": self.users}
        cfg_path = os.path.join(self.workdir, "devidp.json")
        fd = os.open(cfg_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(cfg, f)
        script = os.path.join(paths.REPO_ROOT, "tools", "devidp",
                              "devidp.mjs")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["/usr/bin/node", script, cfg_path],
                                     stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        atexit.register(self.close)
        self._wait(st.ca_path, timeout)

    def _wait(self, ca_path, timeout):
        ctx = ssl.create_default_context(cafile=ca_path)
        url = self.issuer + "/.well-known/openid-configuration"
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise StackError("devidp exited with %s:\n%s" % (
                    self.proc.returncode, tail(self.log_path)))
            try:
                with urllib.request.urlopen(url, context=ctx, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StackError("devidp not serving after %.0f s:\n%s" % (
                    timeout, tail(self.log_path)))
            time.sleep(0.2)

    def close(self):
        """Stop the provider; remove a temporary workdir (its key)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
