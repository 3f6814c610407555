"""A face-enabled identity stack (identity + audit) with a token signing key
made by build/bin/vtoken keygen and a random template key, and the photo
helpers the face suites share.  It runs the default face pipeline of `make
run`: the deep models (tiny CNN detector, 68 landmarks, dlib's ResNet)
when the build made them, else Haar and lbp-v2 (face_model names the
embedder in use).  The session stack of tests/conftest.py sets no keys, so
there the face RPCs answer FAILED_PRECONDITION."""

import pytest

from harness import Stack
from harness.fixtures import running
from harness.faces import FaceKeys
from harness.run import face_models_env


@pytest.fixture(scope="session")
def face_keys():
    return FaceKeys()


@pytest.fixture(scope="session")
def face_model():
    """(name, dimensions) of the embedder the face stack runs."""
    if face_models_env():
        return "dlib-resnet-v1", 128
    return "lbp-v2", 3776


@pytest.fixture(scope="session")
def fstack(face_keys):
    """identity (face recognition on, make run's models) and audit."""
    env = dict(face_keys.env(), **face_models_env())
    with running(Stack(services=("identity", "audit"),
                       extra_env=env)) as st:
        yield st
