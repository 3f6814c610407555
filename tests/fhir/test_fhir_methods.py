"""Methods the facade does not serve are refused (issue 49, item 7):
PUT, DELETE, PATCH and unknown methods on a resource, and a POST to one,
answer 405 with an Allow header naming what the path serves and an
OperationOutcome, never a read answered 200 that a client takes for a
done update or deletion."""

import http.client
import json
import ssl

import pytest

from harness import Stack
from harness.fixtures import running


@pytest.fixture(scope="module")
def mstack():
    with running(Stack(services=("audit", "identity", "records"),
                       fhir=True)) as st:
        yield st


def call(st, method, path, body=None):
    port = st.services["fhir"].grpc_port
    ctx = ssl.create_default_context(cafile=st.ca_path)
    conn = http.client.HTTPSConnection("localhost", port, context=ctx,
                                       timeout=30)
    headers = {"Authorization": "Bearer " + st.token("clinician")}
    if body is not None:
        headers["Content-Type"] = "application/fhir+json"
    try:
        conn.request(method, "/fhir/" + path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheader("Allow"), r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS",
                                    "BREW"])
def test_no_update_or_delete_of_a_resource(mstack, method):
    body = json.dumps({"resourceType": "Patient"}) \
        if method in ("PUT", "PATCH") else None
    status, allow, text = call(mstack, method, "Patient/nope", body)
    assert status == 405, (status, text[:300])
    assert allow == "GET, HEAD"
    outcome = json.loads(text)
    assert outcome["resourceType"] == "OperationOutcome"
    assert method in outcome["issue"][0]["diagnostics"]


def test_a_post_to_a_resource_is_refused(mstack):
    status, allow, _ = call(mstack, "POST", "Patient/nope",
                            json.dumps({"resourceType": "Patient"}))
    assert status == 405 and allow == "GET, HEAD"


def test_allow_names_the_creates_and_searches(mstack):
    status, allow, _ = call(mstack, "DELETE", "Observation")
    assert status == 405 and allow == "GET, HEAD, POST"
    status, allow, _ = call(mstack, "PUT", "Observation/_search")
    assert status == 405 and allow == "GET, HEAD, POST"
    status, allow, _ = call(mstack, "DELETE", "metadata")
    assert status == 405 and allow == "GET, HEAD"


def test_reads_and_searches_still_answer(mstack):
    assert call(mstack, "GET", "metadata")[0] == 200
    status, _, _ = call(mstack, "GET",
                        "Patient/00000000-0000-4000-8000-000000000000")
    assert status in (403, 404)
    status, _, _ = call(mstack, "GET", "Patient/not-an-id")
    assert status == 400
