"""A dosage-only stack that trusts a verification key made for the tests
(build/bin/vtoken keygen), and helpers to sign tokens with it."""

import os
import subprocess

import pytest

from harness import Stack, paths
from harness.fixtures import running


class Keys:
    """An identity signing key pair on disk and a token maker."""

    def __init__(self, d, name="identity"):
        self.priv = os.path.join(d, name + ".key")
        self.pub = os.path.join(d, name + ".pub")
        subprocess.run([paths.bin_path("vtoken"), "keygen", self.priv,
                        self.pub], check=True, stdout=subprocess.PIPE)

    def token(self, patient_id, score=0.93, threshold=0.8, ttl_s=120,
              issued_ms=None):
        args = [paths.bin_path("vtoken"), "sign", "--key", self.priv,
                "--patient-id", patient_id, "--score", str(score),
                "--threshold", str(threshold), "--ttl-s", str(ttl_s),
                "--model", "lbp-v1", "--device", "ward3-bed7"]
        if issued_ms is not None:
            args += ["--issued-ms", str(issued_ms)]
        r = subprocess.run(args, check=True, stdout=subprocess.PIPE)
        return r.stdout.decode().strip()


@pytest.fixture(scope="session")
def vkeys():
    d = paths.scratch_dir("smartmed-vtoken-")
    return Keys(d), Keys(d, "other")


@pytest.fixture(scope="session")
def vstack(vkeys):
    """Dosage alone, trusting vkeys[0]'s public key."""
    with running(Stack(services=("dosage",), extra_env={
            "MED_IDENTITY_PUBLIC_KEY_FILE": vkeys[0].pub,
            "MED_DOSAGE_OVERDUE_SCAN_MS": "200"})) as st:
        yield st
