"""A dosage-only stack that trusts a verification key made for the tests
(build/bin/vtoken keygen), and helpers to sign tokens with it."""


import pytest

from harness import Stack, paths
from harness.fixtures import running
from harness.vtokens import VerificationKeys


# The signing keys the dosage contract tests chart with.
Keys = VerificationKeys


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
