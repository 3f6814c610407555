"""Shared pytest setup: the harness on sys.path, the session stack of the
contract suites (stack), each file's own stack (st, from the file's
pytest.mark.stack) and protos (pb, from its PROTOS or SVC), the protos many
files share, and service logs attached to failing tests."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Stack, install_sigterm_handler, protos  # noqa: E402
from harness.fixtures import marked_stack, running  # noqa: E402
from harness import stack as harness_stack  # noqa: E402
from harness.stack import live_stacks  # noqa: E402
from harness.stack_processes import PORTS_OWNER_VAR  # noqa: E402


def pytest_configure(config):
    install_sigterm_handler()
    # Under pytest-xdist this process takes ports from its worker's block;
    # the processes it starts do not (harness.stack_processes.free_port).
    os.environ[PORTS_OWNER_VAR] = str(os.getpid())
    # A care decision or an outbound call inside a transaction fails the
    # stack that logged it (harness.stack.IN_TX_SAYS).
    harness_stack.STRICT_TX = True


@pytest.fixture(scope="session")
def stack():
    """One stack (MariaDB + the five gRPC services, identity to audit; hl7
    and the FHIR facade start in their own suites) for the contract
    suites."""
    with running(Stack()) as st:
        yield st


@pytest.fixture(scope="module")
def st(request):
    """The test file's own stack, as its pytest.mark.stack(...) asks
    (harness.fixtures.marked_stack), started once for the file.  A file
    that needs a fresh stack for each test overrides st with a
    function-scoped fixture that calls marked_stack too."""
    with marked_stack(request) as s:
        yield s


@pytest.fixture(scope="module")
def pb(request):
    """The generated protobuf module of the test file's service: the
    file's PROTOS if it sets one, else its SVC.  A tuple of service names
    gives {name: module}."""
    names = getattr(request.module, "PROTOS", None) or getattr(
        request.module, "SVC", None)
    if names is None:
        pytest.fail("%s uses pb but sets neither PROTOS nor SVC"
                    % request.module.__name__, pytrace=False)
    if isinstance(names, str):
        return protos.module(names)
    return {n: protos.module(n) for n in names}


# The protobuf modules many files read beside their own service's.
@pytest.fixture(scope="module")
def idpb():
    """identity's protos."""
    return protos.module("identity")


@pytest.fixture(scope="module")
def rpb():
    """records' protos."""
    return protos.module("records")


@pytest.fixture(scope="module")
def common():
    """smartmed.common.v1's protos (paging, shared types)."""
    return protos.common()


@pytest.fixture(scope="module")
def ae():
    """The audit event's protos (AuditEvent, AuditBatch, AuditAck), as
    emitters send them to the audit ingest."""
    return protos.audit_event()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    funcargs = getattr(item, "funcargs", {}) or {}
    own = [v for v in funcargs.values() if isinstance(v, Stack)]
    crash = getattr(rep.longrepr, "reprcrash", None)
    said = None if crash is None else "%s:%d: %s" % (
        crash.path, crash.lineno, crash.message[:2000])
    # CI shows only a window of a long report: say what failed before the
    # logs as well as after them, and keep the logs short.  The session
    # stack says little about a test that made its own: it gets no lines
    # then (fault tests' stacks are still alive here, and listed).
    if said is not None:
        rep.sections.append(("failure", said))
    if not own:
        for st in live_stacks():
            rep.sections.append(("service logs (%s)" % st.workdir,
                                 st.logs_report(lines=30)))
    for st in own:
        rep.sections.append(("service logs (%s)" % st.workdir,
                             st.logs_report()))
    if said is not None:
        rep.sections.append(("failure, repeated", said))
