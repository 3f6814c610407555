"""Shared pytest setup: the harness on sys.path, the session stack, and
service logs attached to failing tests."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Stack, install_sigterm_handler  # noqa: E402
from harness.fixtures import running  # noqa: E402
from harness.stack import live_stacks  # noqa: E402


def pytest_configure(config):
    install_sigterm_handler()


@pytest.fixture(scope="session")
def stack():
    """One stack (MariaDB + all five services) for the contract suites."""
    with running(Stack()) as st:
        yield st


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    funcargs = getattr(item, "funcargs", {}) or {}
    own = [v for v in funcargs.values() if isinstance(v, Stack)]
    # Stacks made inside a test (fault tests) are still alive here; the
    # session stack is too, and says little about this test: a short tail
    # first, the test's own stacks last, where a truncated report (CI
    # keeps the end) still shows them.
    others = [s for s in live_stacks() if s not in own]
    for st in others:
        rep.sections.append(("service logs (%s)" % st.workdir,
                             st.logs_report(lines=5 if own else 30)))
    for st in own:
        rep.sections.append(("service logs (%s)" % st.workdir,
                             st.logs_report()))
    # The failure itself once more, last: a report cut to its tail (as
    # CI's is) otherwise ends in logs and never says what failed.
    crash = getattr(rep.longrepr, "reprcrash", None)
    if crash is not None:
        rep.sections.append(("failure, repeated", "%s:%d: %s" % (
            crash.path, crash.lineno, crash.message[:2000])))
