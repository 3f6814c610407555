"""The stack the hl7 suites share: identity, records, dosage and audit with
patient checks on, and the HL7 interface in front of them (plain TCP MLLP:
the trusted-network setting; test_tls restarts it with TLS)."""

import pytest

from harness import Stack
from harness.fixtures import running

SERVICES = ("audit", "identity", "records", "dosage")


@pytest.fixture(scope="package")
def hst():
    with running(Stack(services=SERVICES, patient_checks=True,
                       hl7=True)) as st:
        yield st
