"""A face-enabled identity stack (identity + audit) with a token signing key
made by build/bin/vtoken keygen and a random template key, and the photo
helpers the face suites share.  The session stack of tests/conftest.py sets
no keys, so there the face RPCs answer FAILED_PRECONDITION."""

import os
import secrets
import subprocess
import tempfile

import pytest

from harness import Stack, StackError, paths

ORL = os.path.join(paths.REPO_ROOT, "..", "shared", "data", "faces", "orl")


class FaceKeys:
    """The signing key pair and the template key, on disk."""

    def __init__(self, d):
        self.priv = os.path.join(d, "identity.key")
        self.pub = os.path.join(d, "identity.pub")
        self.template = os.path.join(d, "template.key")
        subprocess.run([paths.bin_path("vtoken"), "keygen", self.priv,
                        self.pub], check=True, stdout=subprocess.PIPE)
        fd = os.open(self.template, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))

    def env(self):
        return {"MED_IDENTITY_SIGNING_KEY_FILE": self.priv,
                "MED_IDENTITY_TEMPLATE_KEY_FILE": self.template}


@pytest.fixture(scope="session")
def face_keys():
    return FaceKeys(tempfile.mkdtemp(prefix="smartmed-face-"))


@pytest.fixture(scope="session")
def fstack(face_keys):
    """identity (face recognition on) and audit."""
    try:
        st = Stack(services=("identity", "audit"),
                   extra_env=face_keys.env()).start()
    except StackError as e:
        pytest.fail("could not start the face stack: %s" % e, pytrace=False)
    try:
        yield st
    finally:
        st.close()


def orl_png(subject, n):
    """ORL image n of subject s<subject> as PNG bytes (the PGM converted
    with cv2), or skip when the data set is absent."""
    path = os.path.join(ORL, "s%d" % subject, "%d.pgm" % n)
    if not os.path.exists(path):
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    import cv2
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()
