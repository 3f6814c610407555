"""Contract of the audit service's research projects: an auditor approves a
de-identified export for one researcher and a cohort (ApproveResearchProject),
the FHIR facade reads it as a service before an export, the researcher sees
only their own, and an auditor revokes it.  Every refusal names its field,
and the approval's audit event carries its parameters."""

import time
import uuid

import grpc
import pytest

from harness.checks import expect_status, poll

SVC = "audit"
DAY_MS = 86400000
RECENT_MS = 5 * 60 * 1000
APPROVE = "/smartmed.audit.v1.Audit/ApproveResearchProject"
REVOKE = "/smartmed.audit.v1.Audit/RevokeResearchProject"


def _pid():
    return str(uuid.uuid4())


def _project_id():
    return "study-" + uuid.uuid4().hex[:12]


def _project(stack, pb, **kw):
    fields = dict(project_id=_project_id(), title="Sepsis outcomes 2026",
                  researcher=stack.user("researcher"),
                  patient_ids=[_pid() for _ in range(6)])
    fields.update(kw)
    return pb.ResearchProject(**fields)


def _approve(stack, pb, project, role="auditor", request_id=None):
    return stack.call(SVC, "ApproveResearchProject",
                      pb.ApproveResearchProjectRequest(project=project),
                      role=role, request_id=request_id, timeout=10)


def _get(stack, pb, project_id, role="auditor"):
    return stack.call(SVC, "GetResearchProject",
                      pb.GetResearchProjectRequest(project_id=project_id),
                      role=role)


def _list(stack, pb, role="auditor", include_inactive=False):
    return stack.call(SVC, "ListResearchProjects",
                      pb.ListResearchProjectsRequest(
                          include_inactive=include_inactive),
                      role=role).projects


def _revoke(stack, pb, project_id, reason="consent withdrawn",
            role="auditor", request_id=None):
    return stack.call(SVC, "RevokeResearchProject",
                      pb.RevokeResearchProjectRequest(project_id=project_id,
                                                      reason=reason),
                      role=role, request_id=request_id)


def _events(stack, pb, request_id, what):
    # The session's auditor has made thousands of calls by the time this
    # runs: ask for the newest first, within the last minutes, so that the
    # event looked for is on the first page however busy the log is.
    since = int(time.time() * 1000) - RECENT_MS

    def found():
        recs = stack.call(SVC, "Query",
                          pb.QueryRequest(actor=stack.user("auditor"),
                                          since_ms=since, limit=1000,
                                          newest_first=True),
                          role="auditor", timeout=10)
        return [r for r in recs if r.event.request_id == request_id]
    return poll(found, what=what)


# --- approve and get ---------------------------------------------------


def test_approve_fills_defaults_and_output_fields(stack, pb):
    want = _project(stack, pb, include_narrative=True,
                    approved_by="someone.else", approved_ms=1)
    got = _approve(stack, pb, want)
    assert got.project_id == want.project_id
    assert got.min_group_size == 5
    assert got.approved_by == stack.user("auditor")
    assert got.approved_ms > 1
    assert got.expires_ms == got.approved_ms + 30 * DAY_MS
    assert got.revoked_ms == 0 and got.revoked_by == ""
    assert got.include_narrative
    assert sorted(got.patient_ids) == sorted(want.patient_ids)


def test_get_returns_cohort_to_auditor_service_and_own_researcher(stack, pb):
    want = _project(stack, pb, min_group_size=2, valid_days=7)
    approved = _approve(stack, pb, want)
    for role in ("auditor", "service", "researcher"):
        got = _get(stack, pb, want.project_id, role=role)
        assert sorted(got.patient_ids) == sorted(want.patient_ids), role
        assert got.title == want.title
        assert got.researcher == stack.user("researcher")
        assert got.min_group_size == 2
        assert got.expires_ms == approved.approved_ms + 7 * DAY_MS
        assert got.approved_by == stack.user("auditor")


def test_researcher_cannot_get_another_researchers_project(stack, pb):
    other = _project(stack, pb, researcher="other.researcher")
    _approve(stack, pb, other)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _get, stack, pb,
                  other.project_id, role="researcher",
                  details_prefix="project_id")
    assert _get(stack, pb, other.project_id, role="service").researcher == \
        "other.researcher"


def test_get_unknown_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, _get, stack, pb, _project_id(),
                  details_prefix="project_id")


def test_get_malformed_id_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _get, stack, pb,
                  "no spaces allowed", details_prefix="project_id")


def test_large_cohort_round_trips(stack, pb):
    ids = [_pid() for _ in range(10000)]
    want = _project(stack, pb, patient_ids=ids)
    _approve(stack, pb, want)
    got = _get(stack, pb, want.project_id, role="service")
    assert sorted(got.patient_ids) == sorted(ids)


# --- refusals -----------------------------------------------------------


def _bad(stack, pb, field, **kw):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _approve, stack, pb,
                  _project(stack, pb, **kw),
                  details_prefix="project." + field)


@pytest.mark.parametrize("project_id", [
    "", "x" * 65, "has space", "slash/no", "ümlaut"])
def test_bad_project_id(stack, pb, project_id):
    _bad(stack, pb, "project_id", project_id=project_id)


def test_project_id_edges_accepted(stack, pb):
    pid = "A._-9" + uuid.uuid4().hex[:8] + "z" * 51
    assert len(pid) == 64
    _approve(stack, pb, _project(stack, pb, project_id=pid))


@pytest.mark.parametrize("title", ["", "t" * 201, "tab\there"])
def test_bad_title(stack, pb, title):
    _bad(stack, pb, "title", title=title)


@pytest.mark.parametrize("researcher", [
    "", "two words", "service:fhir", "r" * 128])
def test_bad_researcher(stack, pb, researcher):
    _bad(stack, pb, "researcher", researcher=researcher)


def test_empty_cohort(stack, pb):
    _bad(stack, pb, "patient_ids", patient_ids=[])


def test_cohort_too_large(stack, pb):
    _bad(stack, pb, "patient_ids",
         patient_ids=[_pid() for _ in range(10001)])


def test_cohort_bad_id_named_by_index(stack, pb):
    ids = [_pid(), _pid(), "not-a-patient-id"]
    _bad(stack, pb, "patient_ids[2]", patient_ids=ids)


def test_cohort_duplicate(stack, pb):
    p = _pid()
    _bad(stack, pb, "patient_ids", patient_ids=[p, _pid(), p])


@pytest.mark.parametrize("k", [1, 1001])
def test_bad_min_group_size(stack, pb, k):
    _bad(stack, pb, "min_group_size", min_group_size=k)


@pytest.mark.parametrize("days", [366, 100000])
def test_bad_valid_days(stack, pb, days):
    _bad(stack, pb, "valid_days", valid_days=days)


def test_missing_project(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ApproveResearchProject",
                  pb.ApproveResearchProjectRequest(), role="auditor",
                  details_prefix="project")


def test_reused_id_already_exists_even_when_revoked(stack, pb):
    first = _project(stack, pb)
    _approve(stack, pb, first)
    again = _project(stack, pb, project_id=first.project_id)
    expect_status(grpc.StatusCode.ALREADY_EXISTS, _approve, stack, pb,
                  again, details_prefix="project.project_id")
    _revoke(stack, pb, first.project_id)
    expect_status(grpc.StatusCode.ALREADY_EXISTS, _approve, stack, pb,
                  again, details_prefix="project.project_id")
    # The refused approvals left the first cohort as it was.
    got = _get(stack, pb, first.project_id)
    assert sorted(got.patient_ids) == sorted(first.patient_ids)


def test_refused_approval_stores_nothing(stack, pb):
    bad = _project(stack, pb, min_group_size=1)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _approve, stack, pb, bad)
    expect_status(grpc.StatusCode.NOT_FOUND, _get, stack, pb, bad.project_id)


@pytest.mark.parametrize("role", ["admin", "researcher", "service"])
def test_only_auditor_approves(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _approve, stack, pb,
                  _project(stack, pb), role=role)


# --- list ---------------------------------------------------------------


def test_list_researcher_sees_own_only_without_cohorts(stack, pb):
    mine = _project(stack, pb)
    theirs = _project(stack, pb, researcher="other.researcher")
    _approve(stack, pb, mine)
    _approve(stack, pb, theirs)
    seen = {p.project_id: p for p in _list(stack, pb, role="researcher")}
    assert mine.project_id in seen and theirs.project_id not in seen
    assert all(p.researcher == stack.user("researcher")
               for p in seen.values())
    assert all(len(p.patient_ids) == 0 for p in seen.values())
    for role in ("auditor", "admin"):
        ids = {p.project_id for p in _list(stack, pb, role=role)}
        assert {mine.project_id, theirs.project_id} <= ids, role


def test_list_newest_first_and_inactive_on_request(stack, pb):
    older = _project(stack, pb)
    newer = _project(stack, pb)
    _approve(stack, pb, older)
    _approve(stack, pb, newer)
    _revoke(stack, pb, older.project_id)
    active = [p.project_id for p in _list(stack, pb)]
    assert newer.project_id in active and older.project_id not in active
    every = _list(stack, pb, include_inactive=True)
    ids = [p.project_id for p in every]
    times = [p.approved_ms for p in every]
    assert times == sorted(times, reverse=True)
    # approved in one millisecond, the two tie and go by project_id
    ours = (newer.project_id, older.project_id)
    order = [(-p.approved_ms, p.project_id) for p in every
             if p.project_id in ours]
    assert len(order) == 2 and order == sorted(order)
    revoked = every[ids.index(older.project_id)]
    assert revoked.revoked_ms > 0
    assert revoked.revoked_by == stack.user("auditor")


# --- revoke -------------------------------------------------------------


def test_revoke_then_still_readable_with_revocation(stack, pb):
    p = _project(stack, pb)
    _approve(stack, pb, p)
    out = _revoke(stack, pb, p.project_id)
    assert out.revoked_ms > 0 and out.revoked_by == stack.user("auditor")
    got = _get(stack, pb, p.project_id, role="service")
    assert got.revoked_ms == out.revoked_ms
    assert sorted(got.patient_ids) == sorted(p.patient_ids)


def test_revoke_twice_failed_precondition(stack, pb):
    p = _project(stack, pb)
    _approve(stack, pb, p)
    _revoke(stack, pb, p.project_id)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, _revoke, stack, pb,
                  p.project_id, details_prefix="project_id")


def test_revoke_needs_reason(stack, pb):
    p = _project(stack, pb)
    _approve(stack, pb, p)
    for reason in ("", "r" * 201):
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, _revoke, stack, pb,
                      p.project_id, reason=reason, details_prefix="reason")
    assert _get(stack, pb, p.project_id).revoked_ms == 0


def test_revoke_unknown_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, _revoke, stack, pb,
                  _project_id(), details_prefix="project_id")


@pytest.mark.parametrize("role", ["admin", "researcher", "service"])
def test_only_auditor_revokes(stack, pb, role):
    p = _project(stack, pb)
    _approve(stack, pb, p)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _revoke, stack, pb,
                  p.project_id, role=role)


# --- audit ----------------------------------------------------------------


def test_approval_audited_with_its_parameters(stack, pb):
    rid = "test-" + uuid.uuid4().hex
    p = _project(stack, pb, min_group_size=11, valid_days=90,
                 include_narrative=False)
    got = _approve(stack, pb, p, request_id=rid)
    ev = _events(stack, pb, rid, "the approval's audit event")[0].event
    assert ev.action == APPROVE
    assert ev.action_code == "C"
    assert ev.outcome == 0
    d = {x.key: x.value for x in ev.details}
    assert d == {"project": p.project_id,
                 "researcher": stack.user("researcher"),
                 "min_group_size": "11", "cohort_size": "6",
                 "include_narrative": "false", "valid_days": "90",
                 "expires_ms": str(got.expires_ms)}
    # The event names no patient of the cohort.
    assert ev.patient_id == ""


def test_revocation_audited_with_reason(stack, pb):
    p = _project(stack, pb)
    _approve(stack, pb, p)
    rid = "test-" + uuid.uuid4().hex
    _revoke(stack, pb, p.project_id, reason="ethics board withdrew",
            request_id=rid)
    ev = _events(stack, pb, rid, "the revocation's audit event")[0].event
    assert ev.action == REVOKE and ev.action_code == "U"
    d = {x.key: x.value for x in ev.details}
    assert d == {"project": p.project_id, "reason": "ethics board withdrew"}


def test_refused_approval_audited(stack, pb):
    rid = "test-" + uuid.uuid4().hex
    first = _project(stack, pb)
    _approve(stack, pb, first)
    expect_status(grpc.StatusCode.ALREADY_EXISTS, _approve, stack, pb,
                  first, request_id=rid)
    ev = _events(stack, pb, rid, "the refused approval's event")[0].event
    assert ev.outcome == grpc.StatusCode.ALREADY_EXISTS.value[0]
