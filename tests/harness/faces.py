"""What the face suites share: identity's key files (an Ed25519 signing
pair made by build/bin/vtoken keygen and a random template key, created
0600) and ORL photographs as PNG bytes.  ORL lives in ../shared, which a
fresh machine may lack: orl_png skips the calling test then."""

import os
import secrets
import subprocess
import tempfile

import pytest

from . import paths

ORL = os.path.join(paths.REPO_ROOT, "..", "shared", "data", "faces", "orl")


class FaceKeys:
    """The signing key pair and the template key, on disk in d (a new
    temporary folder when d is None)."""

    NAMES = ("identity.key", "identity.pub", "template.key")

    def __init__(self, d=None, _reuse=False):
        d = d or tempfile.mkdtemp(prefix="smartmed-face-")
        self.dir = d
        self.priv, self.pub, self.template = (
            os.path.join(d, n) for n in self.NAMES)
        self.created = not (_reuse and self._complete())
        if self.created:
            self._make()

    @classmethod
    def load_or_create(cls, d):
        """The keys in folder d (made 0700), made there (private and
        template keys 0600) only when one of them is missing, so that templates enrolled and tokens
        signed with them stay valid across runs (make run).  .created
        says whether they were made now."""
        os.makedirs(d, mode=0o700, exist_ok=True)
        return cls(d, _reuse=True)

    def _complete(self):
        return all(os.path.isfile(p) and os.path.getsize(p) > 0
                   for p in (self.priv, self.pub, self.template))

    def _make(self):
        # A half-made set (interrupted earlier) is replaced as a whole:
        # vtoken keygen and the template key refuse to overwrite.
        for p in (self.priv, self.pub, self.template):
            if os.path.exists(p):
                os.unlink(p)
        subprocess.run([paths.bin_path("vtoken"), "keygen", self.priv,
                        self.pub], check=True, stdout=subprocess.PIPE)
        fd = os.open(self.template, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))

    def env(self, public_key=False):
        """identity's settings for these keys; public_key=True adds the
        public key for the services that check tokens (dosage)."""
        env = {"MED_IDENTITY_SIGNING_KEY_FILE": self.priv,
               "MED_IDENTITY_TEMPLATE_KEY_FILE": self.template}
        if public_key:
            env["MED_IDENTITY_PUBLIC_KEY_FILE"] = self.pub
        return env


def orl_png(subject, n):
    """ORL image n of subject s<subject> as PNG bytes (the PGM converted
    with cv2), or skip when the data set is absent."""
    path = os.path.join(ORL, "s%d" % subject, "%d.pgm" % n)
    if not os.path.exists(path):
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    import cv2
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    ok, buf = cv2.imencode(".png", img)
    assert ok, "cv2 could not encode %s as PNG" % path
    return buf.tobytes()
