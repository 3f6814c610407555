"""The kube-play tests' stack: the Helm chart rendered with test values and
its manifests run by `podman kube play` (kubeplay.KubeStack), once per
session; skipped with the reason where podman cannot run containers or
pods here.  The images are the image tests' (tools/images/build.sh)."""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "image"))

import containers  # noqa: E402
from harness import protos  # noqa: E402
from harness.fixtures import running  # noqa: E402

import kubeplay  # noqa: E402


def cannot_play_pods():
    """Why podman cannot run the chart's pods here, or None."""
    why = containers.cannot_run_containers()
    if why:
        return why
    # A pod's infra container runs catatonit (Debian's podman only
    # recommends it).
    if not (shutil.which("catatonit") or any(
            os.path.exists(os.path.join(d, "catatonit"))
            for d in ("/usr/libexec/podman", "/usr/lib/podman"))):
        return ("catatonit is not installed: podman's pods need it "
                "(tools/dev/install-deps.sh)")
    return None


@pytest.fixture(scope="session")
def kstack():
    why = cannot_play_pods()
    if why:
        pytest.skip(why)
    missing = [containers.image_name(s) for s in protos.SERVICES + ("fhir",)
               if not containers.image_exists(s)]
    assert not missing, "images not built (make images): %s" % missing
    assert containers.image_exists(kubeplay.PACS), (
        "%s not built (tools/images/build.sh orthanc)"
        % containers.image_name(kubeplay.PACS))
    with running(kubeplay.KubeStack()) as st:
        yield st
