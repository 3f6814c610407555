"""Test harness for smartmed: a private MariaDB plus the real services.

    from harness import Stack, protos
    with Stack(services=["identity", "audit"]) as st:
        pb = protos.module("identity")
        p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(...),
                    role="registrar")
"""

from . import paths, protos
from .stack import (DATABASES, NOT_SERVING, ROLES, SERVING, USERS, Stack,
                    StackError, free_port, install_sigterm_handler,
                    port_is_free, tail)

__all__ = ["paths", "protos", "Stack", "StackError", "ROLES", "USERS",
           "DATABASES", "SERVING", "NOT_SERVING", "free_port", "port_is_free",
           "install_sigterm_handler", "tail"]
