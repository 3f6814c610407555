"""Test harness for smartmed: a private MariaDB plus the real services.

    from harness import Stack, protos
    with Stack(services=["identity", "audit"]) as st:
        pb = protos.module("identity")
        p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(...),
                    role="registrar")
"""

import os

# The harness forks service processes while grpc's threads run; grpc's
# fork handlers then join its executor threads and once hung a spawn for
# good.  The harness never uses grpc in a child, so they are not needed.
# Set here, before anything imports grpc (tests/conftest.py imports the
# harness first; so do the benchmarks).
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

from . import paths, protos  # noqa: E402
from .stack import (DATABASES, NOT_SERVING, ROLES, SERVING, USERS, Stack,
                    StackError, free_port, install_sigterm_handler,
                    port_is_free, tail)

__all__ = ["paths", "protos", "Stack", "StackError", "ROLES", "USERS",
           "DATABASES", "SERVING", "NOT_SERVING", "free_port", "port_is_free",
           "install_sigterm_handler", "tail"]
