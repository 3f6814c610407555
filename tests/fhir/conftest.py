"""Fixtures the FHIR suites share."""

import pytest

from fhir_checks import r4_validator


@pytest.fixture(scope="module")
def validator():
    """The FHIR R4 JSON schema validator (fhir_checks.r4_validator)."""
    return r4_validator()
