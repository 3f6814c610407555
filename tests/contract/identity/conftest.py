"""A face-enabled identity stack (identity + audit) with a token signing key
made by build/bin/vtoken keygen and a random template key, and the photo
helpers the face suites share.  The session stack of tests/conftest.py sets
no keys, so there the face RPCs answer FAILED_PRECONDITION."""

import pytest

from harness import Stack
from harness.fixtures import running
from harness.faces import FaceKeys, orl_png  # noqa: F401 (suites import it)


@pytest.fixture(scope="session")
def face_keys():
    return FaceKeys()


@pytest.fixture(scope="session")
def fstack(face_keys):
    """identity (face recognition on) and audit."""
    with running(Stack(services=("identity", "audit"),
                       extra_env=face_keys.env())) as st:
        yield st
