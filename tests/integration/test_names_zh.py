"""Names as their culture writes them (issue 77, item 1; docs/names.md).

A Chinese name is shown family name first without a space (王芳), in
identity's Patient.display_name (so in medctl's output), in FHIR
HumanName.text; a Western one stays "given family".  A ward searches by
a one-character family name (李: the commonest Chinese family names are
one character), inside the care scope that keeps a nurse's list to her
own patients; by the full name in characters (王芳); and by pinyin
("wang fang", "wangfang", "Wang Fang"), the pinyin key stored when the
name is written.  One Latin letter is still refused.  Real identity,
audit, records and FHIR facade, real MariaDB, the medctl binary."""

import json
import os
import ssl
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid

import grpc
import pytest

from harness import paths
from harness.checks import expect_status, poll

SVC = "identity"
MEDCTL = paths.bin_path("medctl")
_TLS_ENV = {}
SCOPE_USERS = {
    "nurse.a": ("nurse", "ward-A"),
    "nurse.b": ("nurse", "ward-B"),
}


def _prepare(st):
    _TLS_ENV.update(st.client_tls_env())


pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records"), care_checks=True, fhir=True,
    users=SCOPE_USERS, prepare=_prepare)


def register(st, pb, family, given):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="ZH-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name=given, birth_date="1968-02-03",
        sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar")


def admit(st, pb, pid, ward):
    st.call(SVC, "Admit", pb.AdmitRequest(
        patient_id=pid, encounter_class=pb.ENCOUNTER_CLASS_INPATIENT,
        ward=ward, bed="3-" + uuid.uuid4().hex[:6], attending="dr.nobody",
        reason="names test"),
        role="registrar")


@pytest.fixture(scope="module")
def ward(st, pb):
    """Ward A: 李娜, 李伟, 王芳, 王丽, 汪芳 (wāng fāng too), Anna Smith;
    ward B: 李强; 李明 not admitted."""
    p = {
        "li_na": register(st, pb, "李", "娜"),
        "li_wei": register(st, pb, "李", "伟"),
        "wang_fang": register(st, pb, "王", "芳"),
        "wang_li": register(st, pb, "王", "丽"),
        "wang2_fang": register(st, pb, "汪", "芳"),
        "smith": register(st, pb, "Smith", "Anna"),
        "li_qiang": register(st, pb, "李", "强"),
        "li_ming": register(st, pb, "李", "明"),
    }
    for k in ("li_na", "li_wei", "wang_fang", "wang_li", "wang2_fang",
              "smith"):
        admit(st, pb, p[k].patient_id, "ward-A")
    admit(st, pb, p["li_qiang"].patient_id, "ward-B")
    return p


def ids(ward, *keys):
    return sorted(ward[k].patient_id for k in keys)


def found(st, pb, user, **criteria):
    """The ids a search finds, over every page, as a user or a role."""
    got, token = [], ""
    while True:
        req = pb.SearchPatientsRequest(**criteria)
        req.page.page_token = token
        if user in SCOPE_USERS:
            res = st.call(SVC, "SearchPatients", req,
                          token=st.user_tokens[user])
        else:
            res = st.call(SVC, "SearchPatients", req, role=user)
        got += [x.patient_id for x in res.patients]
        token = res.page.next_page_token
        if not token:
            return sorted(got)


def fhir_get(st, path, token):
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + token)
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def fhir_ids(st, query, user="nurse.a"):
    status, body = fhir_get(st, "Patient?" + query, st.user_tokens[user])
    assert status == 200, (query, body)
    return sorted(e["resource"]["id"] for e in body.get("entry", []))


def test_display_order_in_identity(st, pb, ward):
    """Patient.display_name: 王芳 family first with no space, Anna Smith
    given first; on create, read and search alike."""
    assert ward["wang_fang"].display_name == "王芳"
    assert ward["smith"].display_name == "Anna Smith"
    got = st.call(SVC, "GetPatient", pb.GetPatientRequest(
        patient_id=ward["li_na"].patient_id), role="registrar")
    assert got.display_name == "李娜"
    r = st.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
        family_name_prefix="Smith"), role="registrar")
    assert [p.display_name for p in r.patients] == ["Anna Smith"]
    # A renamed patient is shown and searched by the new name.
    p = register(st, pb, "Renamed", "Old")
    up = st.call(SVC, "UpdatePatient", pb.UpdatePatientRequest(
        patient_id=p.patient_id, expected_version=1, family_name="欧阳",
        given_name="娜娜", reason="name corrected"), role="registrar")
    assert up.display_name == "欧阳娜娜"
    assert found(st, pb, "registrar", name_prefix="ouyang") == [
        p.patient_id]


def test_one_character_family_name_within_the_scope(st, pb, ward):
    """李 alone searches; a nurse finds only her ward's 李; the registrar
    the whole hospital's."""
    assert found(st, pb, "nurse.a", family_name_prefix="李") == ids(
        ward, "li_na", "li_wei")
    assert found(st, pb, "nurse.b", family_name_prefix="李") == ids(
        ward, "li_qiang")
    assert found(st, pb, "registrar", family_name_prefix="李") == ids(
        ward, "li_na", "li_wei", "li_qiang", "li_ming")
    assert found(st, pb, "nurse.a", name_prefix="王") == ids(
        ward, "wang_fang", "wang_li")


def test_one_latin_letter_refused(st, pb, ward):
    for field in ("family_name_prefix", "name_prefix"):
        e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, SVC,
                          "SearchPatients",
                          pb.SearchPatientsRequest(**{field: "L"}),
                          role="registrar")
        assert field in e.details() and "at least 2 characters" in \
            e.details(), e.details()


def test_full_name_in_characters(st, pb, ward):
    """王芳 is family 王 and given 芳; not 汪芳 (its homophone) nor 王丽."""
    assert found(st, pb, "nurse.a", name_prefix="王芳") == ids(
        ward, "wang_fang")
    assert found(st, pb, "nurse.b", name_prefix="王芳") == []


@pytest.mark.parametrize("query", ["wang fang", "wangfang", "Wang Fang",
                                   "WANGF"])
def test_pinyin(st, pb, ward, query):
    """Pinyin finds the characters' readings: 王芳 and 汪芳 both read
    wang fang; 王丽 does not."""
    assert found(st, pb, "nurse.a", name_prefix=query) == ids(
        ward, "wang_fang", "wang2_fang")


def test_fhir_search_and_human_name_text(st, ward):
    """FHIR: family=李 (one character) within the nurse's scope, name=王芳,
    name=wang fang; HumanName.text in the culture's order."""
    assert fhir_ids(st, "family=" + urllib.parse.quote("李")) == ids(
        ward, "li_na", "li_wei")
    assert fhir_ids(st, "family=" + urllib.parse.quote("李"),
                    user="nurse.b") == ids(ward, "li_qiang")
    assert fhir_ids(st, "name=" + urllib.parse.quote("王芳")) == ids(
        ward, "wang_fang")
    assert fhir_ids(st, "name=" + urllib.parse.quote("wang fang")) == ids(
        ward, "wang_fang", "wang2_fang")
    status, body = fhir_get(st, "Patient/" + ward["wang_fang"].patient_id,
                            st.user_tokens["nurse.a"])
    assert status == 200, body
    name = body["name"][0]
    assert name["text"] == "王芳" and name["family"] == "王" and \
        name["given"] == ["芳"], name
    status, body = fhir_get(st, "Patient/" + ward["smith"].patient_id,
                            st.user_tokens["nurse.a"])
    assert body["name"][0]["text"] == "Anna Smith", body["name"]
    status, body = fhir_get(st, "Patient?family=L",
                            st.user_tokens["nurse.a"])
    assert status == 400 and "one Chinese, Japanese or Korean character" \
        in json.dumps(body, ensure_ascii=False), body


def test_medctl_shows_the_culture_order(st, ward):
    env = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    env.update(_TLS_ENV)
    r = subprocess.run([MEDCTL, "--addr", st.addr(SVC), "--token",
                        st.token("registrar"), "identity", "get-patient",
                        "--patient-id", ward["wang_fang"].patient_id],
                       env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    out = json.loads(r.stdout)
    shown = out.get("display_name", out.get("displayName"))
    assert shown == "王芳", out


def test_names_written_before_the_key_are_keyed_at_start(st, pb, ward):
    """Patients registered before migration 35 have no pinyin key: identity
    writes it once migrated, so pinyin finds them after a restart."""
    p = register(st, pb, "张", "伟")
    st.sql("UPDATE smartmed_identity.patients SET name_pinyin = NULL"
           " WHERE patient_id = '%s'" % p.patient_id)
    assert found(st, pb, "registrar", name_prefix="zhang wei") == []
    st.stop_service(SVC)
    st.start_service(SVC)
    poll(lambda: found(st, pb, "registrar", name_prefix="zhang wei") == [
        p.patient_id], timeout=60, what="the old patient keyed")
