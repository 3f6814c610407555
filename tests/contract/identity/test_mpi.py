"""Contract of the master patient index beyond registration: UpdatePatient
(optimistic concurrency, history), CheckDuplicates (demographic score and
its bands), CreatePatient's refuse_duplicates, LinkPatients /
UnlinkPatients (reversible merges) and the search filters that go with
them."""

import random
import string
import uuid

import grpc
import pytest

from harness.checks import expect_status

SVC = "identity"


def _word(first="Q", n=9):
    # Letters that Soundex keeps apart from other tests' "Doe..." names.
    return first + "".join(random.choice(string.ascii_lowercase)
                           for _ in range(n))


def _mrn():
    return "MPI-" + uuid.uuid4().hex[:16].upper()


def _date():
    # Day > 12 so that a swapped day/month is never a real date by chance.
    return "%04d-%02d-%02d" % (random.randint(1930, 1999),
                               random.randint(1, 12), random.randint(13, 28))


def _create(stack, pb, role="registrar", **kw):
    args = dict(mrn=_mrn(), family_name=_word(), given_name="Maria",
                birth_date=_date(), sex=pb.ADMINISTRATIVE_SEX_FEMALE)
    args.update(kw)
    return stack.call(SVC, "CreatePatient", pb.CreatePatientRequest(**args),
                      role=role)


def _check(stack, pb, p, role="registrar", **kw):
    args = dict(family_name=p.family_name, given_name=p.given_name,
                birth_date=p.birth_date, sex=p.sex)
    args.update(kw)
    return stack.call(SVC, "CheckDuplicates",
                      pb.CheckDuplicatesRequest(**args), role=role)


def _cand(res, patient_id):
    return next((c for c in res.candidates
                 if c.patient.patient_id == patient_id), None)


def _reasons(c):
    return {r.field: r for r in c.reasons}


def _get(stack, pb, pid, role="clinician"):
    return stack.call(SVC, "GetPatient", pb.GetPatientRequest(patient_id=pid),
                      role=role)


# --- UpdatePatient and PatientHistory ------------------------------------

def test_create_starts_at_version_1(stack, pb):
    p = _create(stack, pb)
    assert p.version == 1
    assert p.linked_to == ""
    assert _get(stack, pb, p.patient_id) == p


def test_update_changes_only_set_fields_and_keeps_history(stack, pb):
    p = _create(stack, pb, given_name="Maira")
    u = stack.call(SVC, "UpdatePatient", pb.UpdatePatientRequest(
        patient_id=p.patient_id, expected_version=1, given_name="Maria",
        birth_date="1950-01-20", reason="typo at registration"),
        role="registrar")
    assert u.version == 2
    assert u.given_name == "Maria" and u.birth_date == "1950-01-20"
    assert u.family_name == p.family_name and u.mrn == p.mrn
    assert u.sex == p.sex
    assert u.updated_ms >= p.updated_ms
    assert _get(stack, pb, p.patient_id) == u
    h = stack.call(SVC, "PatientHistory", pb.PatientHistoryRequest(
        patient_id=p.patient_id), role="nurse")
    assert [v.version for v in h.versions] == [1, 2]
    v1, v2 = h.versions
    assert v1.given_name == "Maira" and v1.reason == "registered"
    assert list(v1.changed_fields) == []
    assert v1.changed_by == stack.user("registrar")
    assert list(v2.changed_fields) == ["given_name", "birth_date"]
    assert v2.given_name == "Maria" and v2.birth_date == "1950-01-20"
    assert v2.reason == "typo at registration"
    assert v2.changed_by == stack.user("registrar")
    assert v2.changed_ms == u.updated_ms
    assert list(h.links) == []


def test_update_can_set_empty_given_name_and_sex(stack, pb):
    p = _create(stack, pb)
    u = stack.call(SVC, "UpdatePatient", pb.UpdatePatientRequest(
        patient_id=p.patient_id, expected_version=1, given_name="",
        sex=pb.ADMINISTRATIVE_SEX_UNKNOWN, reason="corrected"),
        role="admin")
    assert u.given_name == "" and u.sex == pb.ADMINISTRATIVE_SEX_UNKNOWN
    assert u.version == 2


def test_update_without_difference_keeps_version(stack, pb):
    p = _create(stack, pb)
    u = stack.call(SVC, "UpdatePatient", pb.UpdatePatientRequest(
        patient_id=p.patient_id, expected_version=1,
        family_name=p.family_name, reason="no-op"), role="registrar")
    assert u == p


def test_update_stale_version_aborted(stack, pb):
    p = _create(stack, pb)
    req = pb.UpdatePatientRequest(patient_id=p.patient_id,
                                  expected_version=1, given_name="Ana",
                                  reason="first")
    stack.call(SVC, "UpdatePatient", req, role="registrar")
    req.given_name = "Anne"
    expect_status(grpc.StatusCode.ABORTED, stack.call, SVC, "UpdatePatient",
                  req, role="registrar", details_prefix="expected_version")
    assert _get(stack, pb, p.patient_id).given_name == "Ana"


def test_update_mrn_taken_already_exists(stack, pb):
    a = _create(stack, pb)
    b = _create(stack, pb)
    expect_status(grpc.StatusCode.ALREADY_EXISTS, stack.call, SVC,
                  "UpdatePatient", pb.UpdatePatientRequest(
                      patient_id=b.patient_id, expected_version=1,
                      mrn=a.mrn, reason="x"),
                  role="registrar", details_prefix="mrn")
    h = stack.call(SVC, "PatientHistory", pb.PatientHistoryRequest(
        patient_id=b.patient_id), role="registrar")
    assert len(h.versions) == 1  # nothing half-written


def test_update_unknown_patient_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "UpdatePatient", pb.UpdatePatientRequest(
                      patient_id=str(uuid.uuid4()), expected_version=1,
                      given_name="X", reason="x"),
                  role="registrar", details_prefix="patient_id")


@pytest.mark.parametrize("field,kw", [
    ("patient_id", dict(patient_id="nope")),
    ("expected_version", dict(expected_version=0)),
    ("reason", dict(reason="")),
    ("mrn", dict(given_name=None)),  # nothing to change
    ("mrn", dict(mrn="has space")),
    ("family_name", dict(family_name="")),
    ("birth_date", dict(birth_date="1990-02-30")),
    ("sex", dict(sex=0)),
])
def test_update_invalid_field(stack, pb, field, kw):
    args = dict(patient_id=str(uuid.uuid4()), expected_version=1,
                given_name="G", reason="r")
    args.update(kw)
    args = {k: v for k, v in args.items() if v is not None}
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "UpdatePatient", pb.UpdatePatientRequest(**args),
                  role="registrar", details_prefix=field)


@pytest.mark.parametrize("role", ["clinician", "nurse", "pharmacist",
                                  "auditor", "service"])
def test_update_wrong_role_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "UpdatePatient", pb.UpdatePatientRequest(
                      patient_id=str(uuid.uuid4()), expected_version=1,
                      given_name="X", reason="x"), role=role)


def test_history_unknown_not_found_and_roles(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "PatientHistory", pb.PatientHistoryRequest(
                      patient_id=str(uuid.uuid4())), role="clinician",
                  details_prefix="patient_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "PatientHistory", pb.PatientHistoryRequest(),
                  role="clinician", details_prefix="patient_id")
    for role in ("auditor", "service"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                      "PatientHistory", pb.PatientHistoryRequest(
                          patient_id=str(uuid.uuid4())), role=role)


# --- CheckDuplicates: the bands ------------------------------------------

def test_exact_demographics_are_a_match(stack, pb):
    p = _create(stack, pb)
    r = _check(stack, pb, p, mrn=_mrn())
    assert r.match_threshold == pytest.approx(0.90)
    assert r.possible_threshold == pytest.approx(0.70)
    c = _cand(r, p.patient_id)
    assert c is not None
    assert c.band == pb.DUPLICATE_BAND_MATCH
    assert c.score == pytest.approx(1.0)
    assert c.patient == p
    rs = _reasons(c)
    assert [x.field for x in c.reasons] == [
        "family_name", "given_name", "birth_date", "sex", "mrn"]
    for f in ("family_name", "given_name", "birth_date", "sex"):
        assert rs[f].agreement == pb.FIELD_AGREEMENT_AGREE, f
    assert rs["mrn"].agreement == pb.FIELD_AGREEMENT_DISAGREE
    assert r.candidates[0].score >= c.score  # best first


def test_case_and_diacritics_are_folded(stack, pb):
    fam = _word("Z")
    p = _create(stack, pb, family_name=fam + "\u00fc", given_name="Jos\u00e9")
    r = _check(stack, pb, p, family_name=(fam + "u").upper(),
               given_name="jose")
    c = _cand(r, p.patient_id)
    assert c is not None and c.band == pb.DUPLICATE_BAND_MATCH
    assert _reasons(c)["family_name"].agreement == pb.FIELD_AGREEMENT_AGREE
    assert _reasons(c)["given_name"].agreement == pb.FIELD_AGREEMENT_AGREE


def test_transposed_birth_day_month_is_possible_match(stack, pb):
    p = _create(stack, pb, birth_date="1971-04-09")
    r = _check(stack, pb, p, birth_date="1971-09-04")
    c = _cand(r, p.patient_id)
    assert c is not None
    assert c.band == pb.DUPLICATE_BAND_POSSIBLE_MATCH
    b = _reasons(c)["birth_date"]
    assert b.agreement == pb.FIELD_AGREEMENT_PARTIAL
    assert "swapped" in b.detail
    assert 0.70 <= c.score < 0.90


def test_birth_year_off_by_one_is_possible_match(stack, pb):
    p = _create(stack, pb)
    y = int(p.birth_date[:4]) + 1
    r = _check(stack, pb, p, birth_date="%d%s" % (y, p.birth_date[4:]))
    c = _cand(r, p.patient_id)
    assert c is not None and c.band == pb.DUPLICATE_BAND_POSSIBLE_MATCH
    assert "year off by one" in _reasons(c)["birth_date"].detail


def test_family_name_typo_is_possible_match(stack, pb):
    fam = _word("K", 6)
    p = _create(stack, pb, family_name=fam + "smith")
    r = _check(stack, pb, p, family_name=fam + "smyth")
    c = _cand(r, p.patient_id)
    assert c is not None
    assert c.band == pb.DUPLICATE_BAND_POSSIBLE_MATCH
    assert _reasons(c)["family_name"].agreement == \
        pb.FIELD_AGREEMENT_PARTIAL


def test_clearly_different_person_is_new(stack, pb):
    p = _create(stack, pb)
    other_date = "%d%s" % (int(p.birth_date[:4]) - 20, p.birth_date[4:])
    r = _check(stack, pb, p, family_name=_word("X"), given_name="Otto",
               birth_date=other_date, sex=pb.ADMINISTRATIVE_SEX_MALE)
    assert _cand(r, p.patient_id) is None
    # Same birth date and sex, another name: still a new person.
    r = _check(stack, pb, p, family_name=_word("X"), given_name="Otto")
    assert _cand(r, p.patient_id) is None


def test_equal_mrn_is_a_reason(stack, pb):
    p = _create(stack, pb)
    r = _check(stack, pb, p, mrn=p.mrn, given_name="Someone")
    c = _cand(r, p.patient_id)
    assert c is not None
    assert _reasons(c)["mrn"].agreement == pb.FIELD_AGREEMENT_AGREE


@pytest.mark.parametrize("field,kw", [
    ("family_name", dict(family_name="")),
    ("birth_date", dict(birth_date="1999-99-99")),
    ("birth_date", dict(birth_date="")),
    ("sex", dict(sex=0)),
    ("mrn", dict(mrn="M" * 65)),
])
def test_check_duplicates_invalid_field(stack, pb, field, kw):
    args = dict(family_name="Q", birth_date="1980-01-01",
                sex=pb.ADMINISTRATIVE_SEX_MALE)
    args.update(kw)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CheckDuplicates", pb.CheckDuplicatesRequest(**args),
                  role="registrar", details_prefix=field)


@pytest.mark.parametrize("role", ["clinician", "nurse", "auditor"])
def test_check_duplicates_wrong_role_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "CheckDuplicates", pb.CheckDuplicatesRequest(
                      family_name="Q", birth_date="1980-01-01",
                      sex=pb.ADMINISTRATIVE_SEX_MALE), role=role)


def test_create_refuse_duplicates(stack, pb):
    p = _create(stack, pb)
    mrn = _mrn()
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, _create, stack,
                      pb, mrn=mrn, family_name=p.family_name,
                      given_name=p.given_name, birth_date=p.birth_date,
                      refuse_duplicates=True,
                      details_prefix="possible duplicate: ")
    assert "match" in e.details()
    assert p.patient_id not in e.details()  # no patient data in errors
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "GetPatient",
                  pb.GetPatientRequest(mrn=mrn), role="clinician")
    # Without the flag the registrar's decision stands: created, not merged.
    q = _create(stack, pb, mrn=mrn, family_name=p.family_name,
                given_name=p.given_name, birth_date=p.birth_date)
    assert q.patient_id != p.patient_id and q.linked_to == ""
    # A new person passes the check.
    n = _create(stack, pb, refuse_duplicates=True)
    assert n.patient_id


# --- LinkPatients / UnlinkPatients ---------------------------------------

def _link(stack, pb, survivor, merged, role="registrar", reason="same"):
    return stack.call(SVC, "LinkPatients", pb.LinkPatientsRequest(
        survivor_id=survivor, merged_id=merged, reason=reason), role=role)


def test_link_then_unlink_round_trip(stack, pb):
    fam = _word("W")
    s = _create(stack, pb, family_name=fam)
    m = _create(stack, pb, family_name=fam, given_name="Mria",
                birth_date=s.birth_date)
    ln = _link(stack, pb, s.patient_id, m.patient_id,
               reason="same person, registered twice")
    assert ln.active and ln.link_id
    assert ln.survivor_id == s.patient_id and ln.merged_id == m.patient_id
    assert ln.linked_by == stack.user("registrar") and ln.linked_ms > 0
    got = _get(stack, pb, m.patient_id)
    assert got.linked_to == s.patient_id
    assert got.family_name == m.family_name  # the record itself, kept
    assert _get(stack, pb, s.patient_id).linked_to == ""

    def search(**kw):
        r = stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
            family_name_prefix=fam, **kw), role="clinician")
        return [p.patient_id for p in r.patients]
    assert search() == [s.patient_id]
    assert sorted(search(include_merged=True)) == sorted(
        [s.patient_id, m.patient_id])
    # Merged records are not offered as duplicates.
    r = _check(stack, pb, m)
    assert _cand(r, m.patient_id) is None
    assert _cand(r, s.patient_id) is not None
    # A merged record is read-only until unlinked.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "UpdatePatient", pb.UpdatePatientRequest(
                      patient_id=m.patient_id, expected_version=1,
                      given_name="X", reason="x"), role="registrar",
                  details_prefix="patient_id")

    un = stack.call(SVC, "UnlinkPatients", pb.UnlinkPatientsRequest(
        link_id=ln.link_id, reason="different twins"), role="admin")
    assert not un.active
    assert un.unlinked_by == stack.user("admin")
    assert un.unlinked_ms >= ln.linked_ms
    assert un.unlink_reason == "different twins"
    assert un.reason == ln.reason
    assert _get(stack, pb, m.patient_id).linked_to == ""
    assert sorted(search()) == sorted([s.patient_id, m.patient_id])
    for pid in (s.patient_id, m.patient_id):
        h = stack.call(SVC, "PatientHistory", pb.PatientHistoryRequest(
            patient_id=pid), role="clinician")
        assert [x.link_id for x in h.links] == [ln.link_id]
        assert h.links[0] == un
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "UnlinkPatients", pb.UnlinkPatientsRequest(
                      link_id=ln.link_id, reason="again"), role="admin",
                  details_prefix="link_id")
    # Relinking after an undo is allowed; history keeps both.
    ln2 = _link(stack, pb, s.patient_id, m.patient_id)
    h = stack.call(SVC, "PatientHistory", pb.PatientHistoryRequest(
        patient_id=m.patient_id), role="clinician")
    by_id = {x.link_id: x.active for x in h.links}
    assert by_id == {ln.link_id: False, ln2.link_id: True}


def test_search_by_mrn_hides_merged_unless_asked(stack, pb):
    s = _create(stack, pb)
    m = _create(stack, pb)
    _link(stack, pb, s.patient_id, m.patient_id)
    r = stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
        mrn=m.mrn), role="clinician")
    assert list(r.patients) == []
    r = stack.call(SVC, "SearchPatients", pb.SearchPatientsRequest(
        mrn=m.mrn, include_merged=True), role="clinician")
    assert [p.patient_id for p in r.patients] == [m.patient_id]
    assert r.patients[0].linked_to == s.patient_id


def test_link_keeps_one_level(stack, pb):
    a, b, c = (_create(stack, pb) for _ in range(3))
    _link(stack, pb, a.patient_id, b.patient_id)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, _link, stack, pb,
                  c.patient_id, b.patient_id, details_prefix="merged_id")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, _link, stack, pb,
                  b.patient_id, c.patient_id, details_prefix="survivor_id")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, _link, stack, pb,
                  c.patient_id, a.patient_id, details_prefix="merged_id")


def test_link_not_found(stack, pb):
    a = _create(stack, pb)
    expect_status(grpc.StatusCode.NOT_FOUND, _link, stack, pb,
                  a.patient_id, str(uuid.uuid4()), details_prefix="merged_id")
    expect_status(grpc.StatusCode.NOT_FOUND, _link, stack, pb,
                  str(uuid.uuid4()), a.patient_id,
                  details_prefix="survivor_id")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "UnlinkPatients", pb.UnlinkPatientsRequest(
                      link_id=str(uuid.uuid4()), reason="x"),
                  role="registrar", details_prefix="link_id")


@pytest.mark.parametrize("field,kw", [
    ("survivor_id", dict(survivor_id="x")),
    ("merged_id", dict(merged_id="")),
    ("reason", dict(reason="")),
    ("merged_id", dict(merged_id="SAME")),
])
def test_link_invalid_field(stack, pb, field, kw):
    args = dict(survivor_id=str(uuid.uuid4()), merged_id=str(uuid.uuid4()),
                reason="r")
    args.update(kw)
    if args["merged_id"] == "SAME":
        args["merged_id"] = args["survivor_id"]
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "LinkPatients", pb.LinkPatientsRequest(**args),
                  role="registrar", details_prefix=field)


def test_unlink_invalid_field(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "UnlinkPatients", pb.UnlinkPatientsRequest(
                      link_id="x", reason="r"), role="registrar",
                  details_prefix="link_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "UnlinkPatients", pb.UnlinkPatientsRequest(
                      link_id=str(uuid.uuid4()), reason=""),
                  role="registrar", details_prefix="reason")


@pytest.mark.parametrize("role", ["clinician", "nurse", "pharmacist",
                                  "auditor", "service"])
def test_link_unlink_wrong_role_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "LinkPatients", pb.LinkPatientsRequest(
                      survivor_id=str(uuid.uuid4()),
                      merged_id=str(uuid.uuid4()), reason="r"), role=role)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "UnlinkPatients", pb.UnlinkPatientsRequest(
                      link_id=str(uuid.uuid4()), reason="r"), role=role)


def test_concurrent_links_of_one_record_only_one_wins(stack, pb):
    from concurrent.futures import ThreadPoolExecutor
    m = _create(stack, pb)
    survivors = [_create(stack, pb) for _ in range(4)]

    def one(s):
        try:
            _link(stack, pb, s.patient_id, m.patient_id)
            return grpc.StatusCode.OK
        except grpc.RpcError as e:
            return e.code()
    with ThreadPoolExecutor(4) as ex:
        codes = list(ex.map(one, survivors))
    assert codes.count(grpc.StatusCode.OK) == 1, codes
    assert codes.count(grpc.StatusCode.FAILED_PRECONDITION) == 3, codes


# --- CheckDuplicates with a photograph (face 1:N) ------------------------

def test_check_duplicates_photo_without_face_config(stack, pb):
    from harness.faces import orl_png
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "CheckDuplicates", pb.CheckDuplicatesRequest(
                      family_name="Q", birth_date="1980-01-01",
                      sex=pb.ADMINISTRATIVE_SEX_MALE,
                      photo=orl_png(10, 4)), role="registrar")


def test_check_duplicates_photo_finds_enrolled_face(fstack, pb):
    from harness.faces import orl_png
    p = _create(fstack, pb)
    fstack.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=p.patient_id, images=[orl_png(10, n) for n in (1, 2, 3)]),
        role="registrar", timeout=30)
    # Other demographics entirely: only the face links them.
    r = fstack.call(SVC, "CheckDuplicates", pb.CheckDuplicatesRequest(
        family_name=_word("X"), given_name="Otto", birth_date="1931-01-30",
        sex=pb.ADMINISTRATIVE_SEX_MALE, photo=orl_png(10, 4)),
        role="registrar", timeout=30)
    assert _cand(r, p.patient_id) is None
    assert r.face_threshold > 0
    got = [c for c in r.face_candidates if c.patient_id == p.patient_id]
    assert got and got[0].above_threshold
    assert got[0].score >= r.face_threshold
    assert all(c.score >= r.face_threshold for c in r.face_candidates)
    scores = [c.score for c in r.face_candidates]
    assert scores == sorted(scores, reverse=True)
    # Without a photo no face search runs.
    r = _check(fstack, pb, p)
    assert list(r.face_candidates) == [] and r.face_threshold == 0
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, fstack.call, SVC,
                  "CheckDuplicates", pb.CheckDuplicatesRequest(
                      family_name="Q", birth_date="1980-01-01",
                      sex=pb.ADMINISTRATIVE_SEX_MALE, photo=b"not an image"),
                  role="registrar", details_prefix="photo")
