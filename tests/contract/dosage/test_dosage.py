"""Contract of smartmed.dosage.v1.Dosage (the drug catalogue)."""

import uuid

import grpc
import pytest

from harness.checks import expect_status, field_bytes

SVC = "dosage"


def _code():
    return "TST-" + uuid.uuid4().hex[:12]


def _drug(pb, **kw):
    args = dict(code=_code(), name="Paracetamol 500 mg tablet", unit="mg",
                max_single_dose=1000.0, max_daily_dose=4000.0,
                high_alert=False)
    args.update(kw)
    return pb.Drug(**args)


def _upsert(stack, pb, drug, role="pharmacist"):
    return stack.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=drug),
                      role=role)


def test_upsert_get_list(stack, pb):
    d = _drug(pb, name="Zztestamol " + uuid.uuid4().hex[:6])
    r = _upsert(stack, pb, d)
    assert r.code == d.code and r.name == d.name and r.unit == "mg"
    assert r.max_single_dose == 1000.0 and r.max_daily_dose == 4000.0
    assert r.revision == 1
    assert r.updated_ms > 0
    for role in ("clinician", "nurse", "pharmacist", "admin"):
        g = stack.call(SVC, "GetDrug", pb.GetDrugRequest(code=d.code),
                       role=role)
        assert g == r
    lst = stack.call(SVC, "ListDrugs", pb.ListDrugsRequest(
        name_prefix=d.name.lower()), role="nurse")
    assert [x.code for x in lst.drugs] == [d.code]


def test_second_upsert_increments_revision(stack, pb):
    d = _drug(pb)
    r1 = _upsert(stack, pb, d)
    d.max_single_dose = 500.0
    d.high_alert = True
    # A limit is the pharmacy's to change, not an admin's (issue 74).
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _upsert, stack, pb, d,
                  role="admin")
    r2 = _upsert(stack, pb, d)
    assert r2.revision == r1.revision + 1
    assert r2.max_single_dose == 500.0 and r2.high_alert
    g = stack.call(SVC, "GetDrug", pb.GetDrugRequest(code=d.code),
                   role="clinician")
    assert g.revision == r2.revision and g.high_alert


def test_client_revision_ignored(stack, pb):
    d = _drug(pb, revision=41, updated_ms=5)
    r = _upsert(stack, pb, d)
    assert r.revision == 1 and r.updated_ms != 5


def test_list_ordered_by_code(stack, pb):
    stem = "Yytest" + uuid.uuid4().hex[:6]
    codes = ["B-" + uuid.uuid4().hex[:8], "A-" + uuid.uuid4().hex[:8],
             "C-" + uuid.uuid4().hex[:8]]
    for c in codes:
        _upsert(stack, pb, _drug(pb, code=c, name=stem + " " + c))
    lst = stack.call(SVC, "ListDrugs", pb.ListDrugsRequest(name_prefix=stem),
                     role="pharmacist")
    assert [x.code for x in lst.drugs] == sorted(codes)


def test_get_unknown_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "GetDrug",
                  pb.GetDrugRequest(code=_code()), role="pharmacist")


@pytest.mark.parametrize("field,kw", [
    ("max_single_dose", dict(max_single_dose=0.0)),
    ("max_single_dose", dict(max_single_dose=-1.0)),
    ("max_daily_dose", dict(max_single_dose=100.0, max_daily_dose=50.0)),
    ("code", dict(code="")),
    ("code", dict(code="bad code!")),
    ("name", dict(name="")),
    ("unit", dict(unit="furlong")),
])
def test_upsert_invalid_field(stack, pb, field, kw):
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, _upsert, stack, pb,
                      _drug(pb, **kw))
    d = e.details()
    assert d.startswith("drug." + field) or d.startswith(field), d


def test_upsert_without_drug_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "UpsertDrug", pb.UpsertDrugRequest(), role="pharmacist",
                  details_prefix="drug")


def test_invalid_utf8_invalid_argument(stack, pb):
    raw = field_bytes(1, b"AB\xe2\x28\xa1")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "GetDrug", raw, role="pharmacist", details_prefix="code")


def test_no_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, _upsert, stack, pb,
                  _drug(pb), role=None)


def test_wrong_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC,
                  "UpsertDrug", pb.UpsertDrugRequest(drug=_drug(pb)),
                  token="wrong-token")


@pytest.mark.parametrize("role", ["nurse", "clinician", "registrar",
                                  "admin"])
def test_upsert_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _upsert, stack, pb,
                  _drug(pb), role=role)


@pytest.mark.parametrize("role", ["registrar", "auditor"])
def test_read_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "ListDrugs", pb.ListDrugsRequest(), role=role)
