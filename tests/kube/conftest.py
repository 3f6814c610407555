"""The kube-play tests' stack: the Helm chart rendered with test values and
its manifests run by `podman kube play` (kubeplay.KubeStack), once per
session; skipped with the reason where podman cannot run containers or
pods here.  The images are the image tests' (tools/images/build.sh)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "image"))

from harness.fixtures import running  # noqa: E402

import kubeplay  # noqa: E402


@pytest.fixture(scope="session")
def kstack():
    why = kubeplay.cannot_play_pods()
    if why:
        pytest.skip(why)
    missing = kubeplay.missing_images()
    assert not missing, missing
    with running(kubeplay.KubeStack()) as st:
        yield st
