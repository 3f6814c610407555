"""Fixture helpers for the pytest suites (kept out of the harness package's
top level so that make run, which also uses the harness, needs no pytest)."""

import contextlib
import os
import secrets
import subprocess
import uuid

import pytest

from . import paths, protos
from .stack import TOKEN_ROLES, USERS, Stack, StackError


@contextlib.contextmanager
def running(stack):
    """Start stack for a fixture and close it afterwards.  A stack that
    cannot start fails the test with the reason (its log tail) instead of
    a traceback through the harness."""
    try:
        stack.start()
    except StackError as e:
        pytest.fail("could not start the stack: %s" % e, pytrace=False)
    try:
        yield stack
    finally:
        stack.close()


@contextlib.contextmanager
def marked_stack(request):
    """The stack a test file asks for with

        pytestmark = pytest.mark.stack(services=..., **options)

    Stack(**options), started for the fixture and closed afterwards.
    Three options are the fixture's, not Stack's: users, {name: (role,
    units or None)}, the suite's own users, whose tokens the stack's
    user_tokens then holds (write_user_tokens); prepare(stack), called
    before the start (keys or settings made afresh for the stack); and
    ready(stack), called once every service serves (replicas)."""
    mark = request.node.get_closest_marker("stack")
    if mark is None:
        pytest.fail("%s uses st but has no pytest.mark.stack(...)"
                    % request.module.__name__, pytrace=False)
    options = dict(mark.kwargs)
    users = options.pop("users", None)
    prepare = options.pop("prepare", None)
    ready = options.pop("ready", None)
    stack = Stack(**options)
    try:
        if users is not None:
            stack.user_tokens = write_user_tokens(stack.tokens_path, users)
        if prepare is not None:
            prepare(stack)
    except BaseException:
        stack.close()
        raise
    with running(stack) as s:
        if ready is not None:
            ready(s)
        yield s


def spawn_like(st, name, timeout=15, **env_changes):
    """Run one more process of service name with its settings changed by
    env_changes (its own spool and log); wait for it to exit.  Returns
    (exit status or None if it kept running, its output)."""
    env = dict(st.services[name].env)
    env["MED_AUDIT_SPOOL_DIR"] = os.path.join(st.workdir, "spool",
                                              name + "-second")
    env.update({k: str(v) for k, v in env_changes.items()})
    log = os.path.join(st.workdir, "logs", name + "-second.log")
    with open(log, "wb") as f:
        p = subprocess.Popen([paths.service_bin(name)], env=env,
                             stdin=subprocess.DEVNULL, stdout=f,
                             stderr=subprocess.STDOUT)
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    with open(log, "rb") as f:
        return rc, f.read().decode("utf-8", "replace")


def new_patient(st, svc="identity", mrn_prefix="T", family="Test",
                given="Case", birth_date="1975-03-02", female=False,
                timeout=20):
    """A new patient through svc (identity or a replica of it), with a
    unique MRN; returns the patient id."""
    ipb = protos.module("identity")
    sex = (ipb.ADMINISTRATIVE_SEX_FEMALE if female
           else ipb.ADMINISTRATIVE_SEX_MALE)
    return st.call(svc, "CreatePatient", ipb.CreatePatientRequest(
        mrn="%s-%s" % (mrn_prefix, uuid.uuid4().hex[:12].upper()),
        family_name=family, given_name=given, birth_date=birth_date,
        sex=sex), role="registrar", timeout=timeout).patient_id


def write_user_tokens(path, users):
    """Write the harness's role tokens and a token for each of users,
    {name: (role, units or None)}, to the token file path (mode 0600; the
    4th field is the units claim, as a JWT's would be); returns
    {name: token}."""
    lines = ["%s %s %s" % (secrets.token_hex(24), USERS[r], r)
             for r in TOKEN_ROLES]
    tokens = {}
    for user, (role, units) in users.items():
        tokens[user] = secrets.token_hex(24)
        lines.append(" ".join(filter(None, (tokens[user], user, role,
                                            units))))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return tokens


# The sample drug catalogue of the dose-safety suites (sample data, not
# clinical advice: see the file's header).
SAMPLE_CATALOGUE = os.path.join(paths.REPO_ROOT, "tests", "data", "dosage",
                                "sample_catalogue.csv")


def import_sample_catalogue(st):
    """SAMPLE_CATALOGUE imported into st's dosage as a pharmacist; the
    reply, every row accepted."""
    pb = protos.module("dosage")
    with open(SAMPLE_CATALOGUE, "rb") as f:
        r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
            csv=f.read()), role="pharmacist")
    assert list(r.errors) == [], list(r.errors)
    return r



def assess_allergies(st, patient_id, role="nurse", token=None, svc="dosage"):
    """Chart in dosage's context that patient_id's allergies were assessed
    (none known): a first dose of a patient whose allergies were never
    assessed is a hard stop (issue 47), so a test about something else
    assesses them first.  Allergies charted in records still count; a
    context whose allergies were assessed is left as it is."""
    import grpc

    pb = protos.module("dosage")
    try:
        c = st.call(svc, "GetPatientContext", pb.GetPatientContextRequest(
            patient_id=patient_id), role=role, token=token)
        if c.allergies_known:
            return c
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            raise
    return st.call(svc, "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=patient_id,
                                  allergies_known=True)),
        role=role, token=token)


def drug_csv(drug):
    """One catalogue entry (a dosage Drug message) as ImportCatalogue's CSV:
    the header and its row, with the fields it sets (scalars, and lists
    joined by ';').  Bands and other structured fields are not written."""
    cols, vals = [], []
    for field, value in drug.ListFields():
        if field.message_type is not None:
            continue
        if field.label == field.LABEL_REPEATED:
            value = ";".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        cols.append(field.name)
        vals.append('"%s"' % str(value).replace('"', '""'))
    return "%s\n%s\n" % (",".join(cols), ",".join(vals))


def change_drug_approved(st, approver_token, drug):
    """The pharmacy's way to loosen an entry (docs/dose-safety.md, "Changing
    a product's limits"): the test pharmacist imports it, staged, and the
    second pharmacist whose token is approver_token approves it.  The entry
    as now in force."""
    pb = protos.module("dosage")
    staged = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=drug_csv(drug).encode()), role="pharmacist")
    assert not staged.errors, staged.errors
    if staged.state == "pending":
        st.call("dosage", "ApproveCatalogueImport",
                pb.ApproveCatalogueImportRequest(import_id=staged.import_id),
                token=approver_token)
    return st.call("dosage", "GetDrug", pb.GetDrugRequest(code=drug.code),
                   role="pharmacist")
