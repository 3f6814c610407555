"""What every FHIR conformance test in tests/fhir shares: HL7's R4 JSON
schema (vendor additions stripped), a validator, and the invariants the
schema cannot see (fullUrls present, unique and naming their resource;
literal references resolving inside the bundle).

The schema comes from the npm package pinned in tools/fhirschema (make deps
installs it); without it the schema checks skip with the reason."""

import json
import os

import pytest

from harness import protos

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
SCHEMA_PATH = os.path.join(
    os.environ.get("BUILD", os.path.join(ROOT, "build")), "npm", "fhirschema",
    "node_modules", "@asymmetrik", "fhir-json-schema-validator",
    "fhir.schema.json")
HL7_ID = "http://hl7.org/fhir/json-schema/4.0"
# HL7's file has exactly these top-level keys; anything else a packager
# added is dropped, and a file that is not HL7's R4 schema is refused.
HL7_KEYS = ("$schema", "id", "description", "discriminator", "oneOf",
            "definitions")


def hl7_schema():
    """HL7's R4 schema with vendor additions stripped, or a skip reason."""
    if not os.path.exists(SCHEMA_PATH):
        return None, "fhir.schema.json absent (run make deps): " + SCHEMA_PATH
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        raw = json.load(f)
    if raw.get("id") != HL7_ID or "draft-06" not in raw.get("$schema", ""):
        return None, "not HL7's draft-06 R4 schema: " + SCHEMA_PATH
    schema = {k: raw[k] for k in HL7_KEYS if k in raw}
    # "discriminator" is OpenAPI, not JSON Schema: validators ignore it.
    schema.pop("discriminator", None)
    return schema, None


def r4_validator():
    """A Draft-6 validator of HL7's schema; skips the test without one."""
    jsonschema = pytest.importorskip("jsonschema")
    schema, why = hl7_schema()
    if schema is None:
        pytest.skip(why)
    return jsonschema.Draft6Validator(schema)


def assert_valid(validator, bundle):
    errors = sorted(validator.iter_errors(bundle), key=str)
    assert not errors, [e.message for e in errors[:5]]


def resources(bundle):
    return [e["resource"] for e in bundle.get("entry", [])]


def references(node):
    """Every literal reference ("Type/id") anywhere under node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "reference":
                yield v
            else:
                yield from references(v)
    elif isinstance(node, list):
        for v in node:
            yield from references(v)


def check_invariants(bundle):
    """fullUrls present, unique and ending in Type/id; every literal
    reference names a resource of this bundle."""
    urls = [e.get("fullUrl") for e in bundle["entry"]]
    assert all(urls), "an entry without fullUrl"
    assert len(set(urls)) == len(urls), "fullUrls not unique"
    present = {"%s/%s" % (r["resourceType"], r["id"])
               for r in resources(bundle)}
    for e in bundle["entry"]:
        assert e["fullUrl"].endswith("/%s/%s" % (
            e["resource"]["resourceType"], e["resource"]["id"]))
        for ref in references(e["resource"]):
            assert ref in present, "unresolved reference " + ref


def export_page(st, svc, pid, page_size=0, token="", role="clinician"):
    """One page of service svc's ExportFhir for patient pid."""
    pb, common = protos.module(svc), protos.module("common")
    return st.call(svc, "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid, page=common.PageRequest(
            page_size=page_size, page_token=token)), role=role, timeout=60)


def export_pages(st, svc, pid, page_size=0, limit=100):
    """Every page of svc's ExportFhir for pid as parsed Bundles; each
    reply's n_resources must count its entries."""
    bundles, token = [], ""
    for _ in range(limit):
        r = export_page(st, svc, pid, page_size, token)
        bundle = json.loads(r.bundle_json)
        assert r.n_resources == len(bundle.get("entry", []))
        bundles.append(bundle)
        token = r.page.next_page_token
        if not token:
            return bundles
    raise AssertionError("more than %d pages" % limit)

