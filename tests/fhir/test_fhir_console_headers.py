"""The ward console's and the API's security headers are the server's
(issue 49, item 6): another origin cannot frame the console (a meta tag
cannot say frame-ancestors), no type is sniffed, HTTPS is sticky, no
referrer leaves, and the console's scripts may call the facade and the
identity provider it signs in with, and no other host."""

import ssl
import urllib.request

import pytest

from harness import Stack, devidp
from harness.fixtures import running

ISSUER = "https://idp.hospital.example:8444/realms/ward"
TOKEN_ENDPOINT = "https://sso.hospital.example/oauth2/token"


@pytest.fixture(scope="module")
def cstack():
    env = {"MED_CONSOLE_DIR": devidp.console_dir(),
           "MED_CONSOLE_ISSUER": ISSUER,
           "MED_CONSOLE_CLIENT_ID": "smartmed-console",
           "MED_SMART_TOKEN_ENDPOINT": TOKEN_ENDPOINT,
           "MED_SMART_AUTHORIZATION_ENDPOINT":
               "https://sso.hospital.example/oauth2/authorize"}
    with running(Stack(services=("audit", "identity", "records"), fhir=True,
                       extra_env=env)) as st:
        yield st


def head(st, path):
    """The headers of GET path on the facade's origin (any status)."""
    base = st.fhir_url()[:-len("/fhir")]
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(base + path, context=ctx,
                                    timeout=30) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


def directives(csp):
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("path", ["/console/", "/console/app.js",
                                  "/console/config.json", "/fhir/metadata",
                                  "/fhir/Patient/nope", "/console/nope.js"])
def test_every_answer_refuses_framing_and_sniffing(cstack, path):
    status, h = head(cstack, path)
    assert status in (200, 401, 404), status
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Strict-Transport-Security"].startswith("max-age=")
    assert int(h["Strict-Transport-Security"].split("=")[1]) >= 15552000
    assert h["Referrer-Policy"] == "no-referrer"
    assert directives(h["Content-Security-Policy"])["frame-ancestors"] == \
        ["'none'"]


def test_the_console_may_call_only_the_facade_and_its_idp(cstack):
    status, h = head(cstack, "/console/")
    assert status == 200
    d = directives(h["Content-Security-Policy"])
    assert d["connect-src"] == ["'self'", "https://idp.hospital.example:8444",
                                "https://sso.hospital.example"]
    assert "https:" not in sum(d.values(), [])
    assert d["script-src"] == ["'self'"]
    assert d["object-src"] == ["'none'"]
    assert d["base-uri"] == ["'none'"]
    assert d["form-action"] == ["'self'"]


def test_the_api_allows_no_content_at_all(cstack):
    status, h = head(cstack, "/fhir/metadata")
    assert status == 200
    d = directives(h["Content-Security-Policy"])
    assert d["default-src"] == ["'none'"]
