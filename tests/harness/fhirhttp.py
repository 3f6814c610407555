"""The FHIR facade over HTTPS as a client calls it: one request with a
role's bearer token, its status and JSON body (a refusal's
OperationOutcome too)."""

import json
import ssl
import urllib.error
import urllib.request


def fhir_request(st, method, path, body=None, role="nurse", timeout=60):
    """(status, JSON body) of method on [base]/path as role."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(st.fhir_url() + "/" + path, data=data,
                                 method=method)
    req.add_header("Authorization", "Bearer " + st.token(role))
    if data is not None:
        req.add_header("Content-Type", "application/fhir+json")
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx,
                                    timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
