"""Generated message modules and method tables, without grpc stubs.

build/gen/python holds a directory named grpc/ (grpc/health/v1/health_pb2.py);
it has no __init__.py, so the real grpcio package (a regular package) still
wins the import of `grpc`.  We append the directory to sys.path (never
prepend) and load health_pb2 by file path under a private module name.
"""

import importlib
import importlib.util
import os
import sys

from google.protobuf import symbol_database

from . import paths

SERVICES = ("identity", "records", "dosage", "diagnosis", "audit")

# Full gRPC service names, e.g. "smartmed.identity.v1.Identity".
FULL_NAME = {s: "smartmed.%s.v1.%s" % (s, s.capitalize()) for s in SERVICES}
HEALTH = "grpc.health.v1.Health"

_health = None


def _ensure_path():
    gen = paths.gen_python_dir()
    if not os.path.isdir(gen):
        raise RuntimeError("%s is missing: run `make all` first" % gen)
    if gen not in sys.path:
        sys.path.append(gen)


def module(svc):
    """The *_pb2 module of a service, e.g. module("identity")."""
    _ensure_path()
    return importlib.import_module("smartmed.%s.v1.%s_pb2" % (svc, svc))


def common():
    """smartmed.common.v1.common_pb2."""
    _ensure_path()
    return importlib.import_module("smartmed.common.v1.common_pb2")


def audit_event():
    """smartmed.common.v1.audit_event_pb2."""
    _ensure_path()
    return importlib.import_module("smartmed.common.v1.audit_event_pb2")


def health():
    """grpc.health.v1 health_pb2, loaded by path so grpcio is not shadowed."""
    global _health
    if _health is not None:
        return _health
    name = "smartmed_test_health_pb2"
    if name in sys.modules:
        _health = sys.modules[name]
        return _health
    path = os.path.join(paths.gen_python_dir(), "grpc", "health", "v1",
                        "health_pb2.py")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    _health = mod
    return mod


def method(svc, name):
    """(path, request class, response class, server_streaming) of a method."""
    mod = module(svc)
    full = FULL_NAME[svc]
    sdesc = mod.DESCRIPTOR.services_by_name[full.rsplit(".", 1)[1]]
    mdesc = sdesc.methods_by_name[name]
    db = symbol_database.Default()
    req = db.GetSymbol(mdesc.input_type.full_name)
    resp = db.GetSymbol(mdesc.output_type.full_name)
    return ("/%s/%s" % (full, name), req, resp, mdesc.server_streaming)
