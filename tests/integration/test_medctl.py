"""medctl, the operator CLI, against a running stack.

    medctl [--addr HOST:PORT] [--token TOKEN] [--timeout-ms N] SERVICE COMMAND
           [--field value ...]
"""

import json
import os
import subprocess
import uuid

import pytest

from harness import Stack, StackError, paths

MEDCTL = paths.bin_path("medctl")
# MED_TLS_* of the module's stack: every call is mutual TLS.
_TLS_ENV = {}


@pytest.fixture(scope="module")
def st():
    if not os.access(MEDCTL, os.X_OK):
        pytest.fail("%s is missing: run `make all` first" % MEDCTL,
                    pytrace=False)
    try:
        s = Stack(services=["identity", "dosage"]).start()
    except StackError as e:
        pytest.fail("could not start the stack: %s" % e, pytrace=False)
    _TLS_ENV.update(s.client_tls_env())
    yield s
    s.close()


def medctl(*args, env=None, timeout=30):
    e = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    e.update(_TLS_ENV)
    e.update(env or {})
    r = subprocess.run([MEDCTL] + [str(a) for a in args], env=e,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return (r.returncode, r.stdout.decode("utf-8", "replace"),
            r.stderr.decode("utf-8", "replace"))


def ok_json(rc_out_err):
    rc, out, err = rc_out_err
    assert rc == 0, "exit %d\nstdout: %s\nstderr: %s" % (rc, out, err)
    try:
        return json.loads(out)
    except ValueError:
        raise AssertionError("stdout is not JSON: %r (stderr %r)" % (out,
                                                                     err))


def conn(st, svc, role):
    return ["--addr", st.addr(svc), "--token", st.token(role)]


def _create(st, mrn, family="Doe"):
    return ok_json(medctl(*conn(st, "identity", "registrar"), "identity",
                          "create-patient", "--mrn", mrn, "--family-name",
                          family, "--given-name", "Jane", "--birth-date",
                          "1980-02-03", "--sex", "ADMINISTRATIVE_SEX_FEMALE"))


def test_create_and_get_round_trip(st):
    mrn = "CLI-" + uuid.uuid4().hex[:12]
    p = _create(st, mrn)
    assert p["patient_id"]
    assert p["mrn"] == mrn
    assert p["sex"] == "ADMINISTRATIVE_SEX_FEMALE"
    # int64 as strings (proto3 JSON mapping)
    assert isinstance(p["created_ms"], str) and int(p["created_ms"]) > 0

    g = ok_json(medctl(*conn(st, "identity", "clinician"), "identity",
                       "get-patient", "--patient-id", p["patient_id"]))
    assert g["mrn"] == mrn and g["patient_id"] == p["patient_id"]
    assert g["family_name"] == "Doe" and g["birth_date"] == "1980-02-03"
    g2 = ok_json(medctl(*conn(st, "identity", "nurse"), "identity",
                        "get-patient", "--mrn", mrn))
    assert g2["patient_id"] == p["patient_id"]


def test_token_from_environment(st):
    mrn = "CLI-" + uuid.uuid4().hex[:12]
    p = _create(st, mrn)
    g = ok_json(medctl("--addr", st.addr("identity"), "identity",
                       "get-patient", "--patient-id", p["patient_id"],
                       env={"MED_TOKEN": st.token("clinician")}))
    assert g["mrn"] == mrn


def test_search_with_nested_page_field(st):
    fam = "Cli" + "".join(c for c in uuid.uuid4().hex if c.isalpha())[:8]
    fam = fam + "x" * (10 - len(fam))
    ids = {_create(st, "CLI-" + uuid.uuid4().hex[:12], fam)["patient_id"]
           for _ in range(2)}
    r = ok_json(medctl(*conn(st, "identity", "clinician"), "identity",
                       "search-patients", "--family-name-prefix", fam,
                       "--page.page-size", "10"))
    assert {p["patient_id"] for p in r["patients"]} == ids


def test_nested_message_and_double_fields(st):
    code = "CLI-" + uuid.uuid4().hex[:8]
    args = conn(st, "dosage", "pharmacist") + [
        "dosage", "upsert-drug", "--drug.code", code, "--drug.name",
        "Ibuprofen 400 mg", "--drug.unit", "mg", "--drug.max-single-dose",
        "800", "--drug.max-daily-dose", "2400"]
    d = ok_json(medctl(*args))
    assert d["code"] == code and d["revision"] == 1
    assert float(d["max_single_dose"]) == 800.0
    d2 = ok_json(medctl(*args))
    assert d2["revision"] == 2


def test_not_found_exit_code_and_stderr(st):
    rc, out, err = medctl(*conn(st, "identity", "clinician"), "identity",
                          "get-patient", "--patient-id", str(uuid.uuid4()))
    assert rc == 5, (rc, out, err)
    assert "NOT_FOUND" in err, err


def test_invalid_argument_names_field(st):
    rc, out, err = medctl(*conn(st, "identity", "registrar"), "identity",
                          "create-patient", "--mrn", "", "--family-name",
                          "Doe", "--birth-date", "1980-02-03", "--sex",
                          "ADMINISTRATIVE_SEX_MALE")
    assert rc == 3, (rc, out, err)
    assert "INVALID_ARGUMENT" in err and "mrn" in err, err


def test_wrong_token_unauthenticated(st):
    rc, out, err = medctl("--addr", st.addr("identity"), "--token", "nope",
                          "identity", "get-patient", "--mrn", "X")
    assert rc == 16, (rc, out, err)
    assert "UNAUTHENTICATED" in err, err


def test_unreachable_server_unavailable(st):
    from harness import free_port
    rc, out, err = medctl("--addr", "127.0.0.1:%d" % free_port(), "--token",
                          st.token("clinician"), "--timeout-ms", "2000",
                          "identity", "get-patient", "--mrn", "X", timeout=20)
    assert rc in (4, 14), (rc, out, err)  # DEADLINE_EXCEEDED or UNAVAILABLE


def test_bad_usage_nonzero(st):
    rc, _out, err = medctl(*conn(st, "identity", "clinician"), "identity",
                           "no-such-command")
    assert rc != 0 and err.strip(), err
    rc, _out, err = medctl(*conn(st, "identity", "registrar"), "identity",
                           "create-patient", "--sex", "NOT_A_SEX")
    assert rc != 0 and err.strip(), err


def test_help_lists_services(st):
    rc, out, err = medctl("--help")
    assert rc == 0, (rc, err)
    text = out + err
    for svc in ("identity", "records", "dosage", "diagnosis", "audit"):
        assert svc in text, text


def test_service_help_lists_commands_and_fields(st):
    rc, out, err = medctl("identity", "--help")
    assert rc == 0, (rc, err)
    text = out + err
    for cmd in ("create-patient", "get-patient", "search-patients"):
        assert cmd in text, text
    for field in ("--mrn", "--family-name", "--birth-date", "--sex"):
        assert field in text, text
