"""Contract of smartmed.identity.v1.Identity (the master patient index)."""

import random
import time
import string
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, field_bytes

SVC = "identity"


def _name():
    return "Doe" + "".join(random.choice(string.ascii_lowercase)
                           for _ in range(10))


def _mrn():
    return "MRN-" + uuid.uuid4().hex[:16].upper()


def _create_req(pb, **kw):
    args = dict(mrn=_mrn(), family_name=_name(), given_name="Jane",
                birth_date="1980-02-03", sex=pb.ADMINISTRATIVE_SEX_FEMALE)
    args.update(kw)
    return pb.CreatePatientRequest(**args)


def _create(stack, pb, role="registrar", **kw):
    req = _create_req(pb, **kw)
    return req, stack.call(SVC, "CreatePatient", req, role=role)


def test_create_then_get_by_id_and_mrn(stack, pb):
    req, p = _create(stack, pb)
    assert p.patient_id
    assert p.mrn == req.mrn
    assert p.family_name == req.family_name
    assert p.given_name == "Jane"
    assert p.birth_date == "1980-02-03"
    assert p.sex == pb.ADMINISTRATIVE_SEX_FEMALE
    assert p.created_ms > 0
    by_id = stack.call(SVC, "GetPatient",
                       pb.GetPatientRequest(patient_id=p.patient_id),
                       role="clinician")
    assert by_id == p
    by_mrn = stack.call(SVC, "GetPatient", pb.GetPatientRequest(mrn=req.mrn),
                        role="nurse")
    assert by_mrn == p


def test_admin_may_create(stack, pb):
    _req, p = _create(stack, pb, role="admin")
    assert p.patient_id


def test_search_by_family_name_prefix(stack, pb):
    fam = _name()
    _, a = _create(stack, pb, family_name=fam, given_name="Anna")
    _, b = _create(stack, pb, family_name=fam, given_name="Bert")
    _create(stack, pb)  # someone else
    r = stack.call(SVC, "SearchPatients",
                   pb.SearchPatientsRequest(family_name_prefix=fam[:9]),
                   role="pharmacist")
    ids = [p.patient_id for p in r.patients]
    assert ids == [a.patient_id, b.patient_id]


def test_search_prefix_is_case_insensitive(stack, pb):
    fam = _name()
    _, a = _create(stack, pb, family_name=fam)
    r = stack.call(SVC, "SearchPatients",
                   pb.SearchPatientsRequest(family_name_prefix=fam.upper()),
                   role="clinician")
    assert [p.patient_id for p in r.patients] == [a.patient_id]


def test_search_pages(stack, pb):
    fam = _name()
    made = sorted(_create(stack, pb, family_name=fam,
                          given_name="G%d" % i)[1].given_name
                  for i in range(3))
    common = protos.common()
    seen, token = [], ""
    for _ in range(5):
        r = stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
            family_name_prefix=fam,
            page=common.PageRequest(page_size=2, page_token=token)),
            role="clinician")
        assert len(r.patients) <= 2
        seen += [p.given_name for p in r.patients]
        token = r.page.next_page_token
        if not token:
            break
    assert seen == made


def test_search_by_name_prefix_finds_family_and_given_names(stack, pb):
    """name_prefix (FHIR's Patient?name=): the family name or any given
    name starts with it, case-insensitive; at least 2 characters."""
    fam, given = _name(), _name()
    _, a = _create(stack, pb, family_name=fam, given_name="Anna " + given)
    _, b = _create(stack, pb, family_name=given + "x", given_name="Bo")
    _create(stack, pb)  # someone else

    def found(prefix):
        r = stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
            name_prefix=prefix), role="registrar")
        return sorted(p.patient_id for p in r.patients)
    assert found(fam[:9].lower()) == [a.patient_id]
    assert found(given.upper()) == sorted([a.patient_id, b.patient_id])
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "SearchPatients", pb.SearchPatientsRequest(
                      name_prefix="A"), role="registrar")


def test_search_without_criteria_refused(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "SearchPatients", pb.SearchPatientsRequest(),
                  role="clinician")


def test_duplicate_mrn_already_exists(stack, pb):
    req, _ = _create(stack, pb)
    again = _create_req(pb, mrn=req.mrn)
    expect_status(grpc.StatusCode.ALREADY_EXISTS, stack.call, SVC,
                  "CreatePatient", again, role="registrar")


def test_get_unknown_id_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "GetPatient",
                  pb.GetPatientRequest(patient_id=str(uuid.uuid4())),
                  role="clinician")


def test_get_unknown_mrn_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "GetPatient",
                  pb.GetPatientRequest(mrn=_mrn()), role="clinician")


def test_get_without_key_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "GetPatient", pb.GetPatientRequest(), role="clinician")


@pytest.mark.parametrize("field,kw", [
    ("mrn", dict(mrn="")),
    ("mrn", dict(mrn="M" * 65)),
    ("family_name", dict(family_name="")),
    ("birth_date", dict(birth_date="2020-13-45")),
    ("birth_date", dict(birth_date="")),
    ("birth_date", dict(birth_date="2999-01-01")),
    ("sex", dict(sex=0)),
])
def test_create_invalid_field(stack, pb, field, kw):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreatePatient", _create_req(pb, **kw), role="registrar",
                  details_prefix=field)


def test_create_unknown_enum_value_invalid(stack, pb):
    raw = _create_req(pb).SerializeToString() + b"\x28\x63"  # sex = 99
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreatePatient", raw, role="registrar",
                  details_prefix="sex")


def test_invalid_utf8_invalid_argument(stack, pb):
    base = _create_req(pb)
    base.ClearField("family_name")
    raw = base.SerializeToString() + field_bytes(2, b"D\xff\xfeoe")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreatePatient", raw, role="registrar",
                  details_prefix="family_name")


def test_garbage_bytes_invalid_argument(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreatePatient", b"\xff\xff\xff\xff\x0f", role="registrar")


def test_no_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC,
                  "CreatePatient", _create_req(pb))


def test_wrong_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC,
                  "CreatePatient", _create_req(pb), token="wrong-token")


@pytest.mark.parametrize("role", ["nurse", "clinician", "pharmacist",
                                  "auditor", "service"])
def test_create_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "CreatePatient", _create_req(pb), role=role)


# service may call GetPatient: records, dosage and diagnosis check the
# patient of a write with it (docs/security.md).
@pytest.mark.parametrize("role", ["auditor"])
def test_get_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "GetPatient", pb.GetPatientRequest(mrn="X"), role=role)


def test_concurrent_creates_all_succeed(stack, pb):
    from concurrent.futures import ThreadPoolExecutor
    fam = _name()

    def one(i):
        return stack.call(SVC, "CreatePatient", _create_req(
            pb, family_name=fam, given_name="C%03d" % i), role="registrar",
            timeout=20).patient_id
    with ThreadPoolExecutor(16) as ex:
        ids = list(ex.map(one, range(100)))
    assert len(set(ids)) == 100
    r = stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
        family_name_prefix=fam, page=protos.common().PageRequest(
            page_size=500)), role="clinician")
    assert len(r.patients) == 100


def test_concurrent_duplicate_mrn_only_one_wins(stack, pb):
    from concurrent.futures import ThreadPoolExecutor
    mrn = _mrn()

    def one(_i):
        try:
            stack.call(SVC, "CreatePatient", _create_req(pb, mrn=mrn),
                       role="registrar", timeout=20)
            return grpc.StatusCode.OK
        except grpc.RpcError as e:
            return e.code()
    with ThreadPoolExecutor(8) as ex:
        codes = list(ex.map(one, range(8)))
    assert codes.count(grpc.StatusCode.OK) == 1, codes
    assert codes.count(grpc.StatusCode.ALREADY_EXISTS) == 7, codes


def test_no_patient_data_in_logs_or_metrics(stack, pb):
    import urllib.request
    req, p = _create(stack, pb)
    stack.call(SVC, "GetPatient", pb.GetPatientRequest(mrn=req.mrn),
               role="clinician")
    stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
        family_name_prefix=req.family_name), role="clinician")
    url = "http://127.0.0.1:%d/metrics" % stack.http_port(SVC)
    with urllib.request.urlopen(url, timeout=5) as r:
        metrics = r.read().decode("utf-8", "replace")
    with open(stack.log_path(SVC), encoding="utf-8", errors="replace") as f:
        log = f.read()
    for secret in (req.mrn, req.family_name, p.patient_id):
        assert secret not in metrics, "%r in /metrics" % secret
        assert secret not in log, "%r in the info log" % secret


def test_search_by_birth_date(stack, pb):
    _, p = _create(stack, pb, birth_date="1901-07-08")
    r = stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
        birth_date="1901-07-08", page=protos.common().PageRequest(
            page_size=500)), role="clinician")
    assert p.patient_id in [x.patient_id for x in r.patients]
    assert all(x.birth_date == "1901-07-08" for x in r.patients)


def test_search_prefix_too_short_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "SearchPatients",
                  pb.SearchPatientsRequest(family_name_prefix="D"),
                  role="clinician", details_prefix="family_name_prefix")


def test_create_embedded_nul_in_mrn_invalid(stack, pb):
    base = _create_req(pb)
    base.ClearField("mrn")
    raw = base.SerializeToString() + field_bytes(1, b"MRN\x00tail")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreatePatient", raw, role="registrar",
                  details_prefix="mrn")


def test_access_log_line_carries_request_id(stack, pb):
    rid = "rid-" + uuid.uuid4().hex
    with pytest.raises(grpc.RpcError) as e:
        stack.call("identity", "GetPatient",
                   pb.GetPatientRequest(mrn="NO-SUCH-" + _mrn()),
                   role="clinician", request_id=rid)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    want = '"request_id":"%s"' % rid
    line = None
    for _ in range(50):
        with open(stack.log_path("identity")) as f:
            line = next((l for l in f if want in l), None)
        if line is not None:
            break
        time.sleep(0.05)
    assert line is not None, "no log line with %s" % want
    assert '"level":"info"' in line
    assert "GetPatient NOT_FOUND" in line
    assert "user=%s" % stack.user("clinician") in line
