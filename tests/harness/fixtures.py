"""Fixture helpers for the pytest suites (kept out of the harness package's
top level so that make run, which also uses the harness, needs no pytest)."""

import contextlib

import pytest

from .stack import StackError


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
