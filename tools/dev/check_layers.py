#!/usr/bin/env python3
"""check_layers.py - libmed's layers point only down.

libmed (common/) is built in layers, bottom to top; a file may include the
public headers (<med/X.h>) of its own layer and of the layers below it,
never one of a layer above.  A layer is a folder of common/src/, and a
public header belongs to the layer whose folder implements it.  Headers
next to a source file ("rpc_internal.h") are private to their folder, and
generated protobuf headers ("smartmed/...pb-c.h") sit below everything.

services/dosage stacks the same way: each folder is a layer (DOSAGE_LAYERS,
bottom to top), and a file may include the headers of its own folder and
of the folders below it ("dosage.h", next to main.c, is the bottom one),
never one of a folder above.  Its headers are included by bare name (every
folder is on the include path), so a name is owned by the folder holding
it and must be unique in services/dosage.  tools/dev/check_symbols.py
reads the same order from the objects.

    tools/dev/check_layers.py        check; exit 1 naming each upward include

Run by tools/dev/check.sh (make check).  A new folder or public header
must be added to the tables below: an unknown one is an error, so the
order is decided when the code is written, not found out later.
"""
import os
import re
import sys

# Bottom to top.  What each layer is for:
#   base      errors, arenas, logging, config, JSON, the metrics registry
#   fhir      FHIR JSON helpers (base only)
#   infer     the model plugin host (base only)
#   tls       PEM material of mutual TLS and its checks (OpenSSL)
#   db        the MariaDB pool and transactions
#   auth      principals, tokens (JWT), break-glass grants
#   audit     audit events: emitter, outbox, ingest, their transport
#   rpc       the gRPC server, the call pipeline, channels to other services
#   contracts what services ask each other (patients, care, stays, facts,
#             witness)
#   ops       the process: med_service_main, its HTTP, the wiring of hooks
LAYERS = [
    "base",
    "fhir",
    "infer",
    "tls",
    "db",
    "auth",
    "audit",
    "rpc",
    "contracts",
    "ops",
]

# Public header -> the layer (folder) that implements it.
HEADERS = {
    "err.h": "base",
    "arena.h": "base",
    "bytes.h": "base",
    "util.h": "base",
    "codec.h": "base",
    "log.h": "base",
    "json.h": "base",
    "config.h": "base",
    "metrics.h": "base",
    "fhir.h": "fhir",
    "infer.h": "infer",
    "image.h": "infer",
    "plugin.h": "infer",
    "tls.h": "tls",
    "db.h": "db",
    "auth.h": "auth",
    "audit.h": "audit",
    "audit_tls.h": "audit",
    "rpc.h": "rpc",
    "check.h": "rpc",
    "care.h": "contracts",
    "fhir_read.h": "contracts",
    "patients.h": "contracts",
    "stays.h": "contracts",
    "facts.h": "contracts",
    "vtoken.h": "contracts",
    "merkle.h": "contracts",
    "audit_log.h": "contracts",
    "witness.h": "contracts",
    "service.h": "ops",
    "http.h": "ops",
}

# services/dosage, bottom to top.  "base" is what dosage.h declares for
# every part (zone.c, verify.c); "top" the process (main.c, methods.c,
# start.c).  subject/ loads what a dose is checked against for orders/,
# infusions/ and mar/.  The types several folders share live in the
# lowest folder that uses them (catalogue/dose_types.h), the functions
# where they are defined.
DOSAGE = "services/dosage"
DOSAGE_LAYERS = ["base", "knowledge", "catalogue", "patient", "checks",
                 "subject", "orders", "infusions", "mar", "fhir", "top"]
DOSAGE_TOP = {"main", "methods", "start"}

SRC = "common/src"
INC = "common/include/med"
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def rank(layer):
    return LAYERS.index(layer)


def files():
    """(path, layer or None) of every libmed .c and .h, sorted."""
    out = []
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith((".c", ".h")):
                p = os.path.join(root, n)
                rel = os.path.relpath(p, SRC).split(os.sep)
                out.append((p, rel[0] if len(rel) > 1 else None))
    for n in os.listdir(INC):
        if n.endswith(".h"):
            out.append((os.path.join(INC, n), HEADERS.get(n)))
    return sorted(out)


def check_file(path, layer):
    """Problems of one file: its upward or unknown includes."""
    if layer is None or layer not in LAYERS:
        return ["%s: not in a known layer (add its folder or header to "
                "tools/dev/check_layers.py)" % path]
    problems = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE_RE.match(line)
            if m is None or m.group(1) != "<":
                continue  # private headers and generated protobuf ones
            name = m.group(2)
            if not name.startswith("med/"):
                continue  # system and third-party headers
            target = HEADERS.get(name[4:])
            if target is None:
                problems.append("%s:%d: <%s> is in no layer (add it to "
                                "tools/dev/check_layers.py)"
                                % (path, lineno, name))
            elif rank(target) > rank(layer):
                problems.append("%s:%d: %s includes <%s> of %s, a layer "
                                "above it" % (path, lineno, layer, name,
                                              target))
    return problems


def dosage_layer(path):
    """The layer of a file of services/dosage: its first folder, or base
    or top for a file next to main.c."""
    rel = os.path.relpath(path, DOSAGE).split(os.sep)
    if len(rel) > 1:
        return rel[0]
    stem = os.path.splitext(rel[0])[0]
    return "top" if stem in DOSAGE_TOP else "base"


def dosage_files():
    out = []
    for root, _, names in os.walk(DOSAGE):
        out += [os.path.join(root, n) for n in names
                if n.endswith((".c", ".h"))]
    return sorted(out)


def dosage_includes():
    """Problems of services/dosage: an include of a folder above."""
    problems, owner = [], {}
    paths = dosage_files()
    for p in paths:
        layer = dosage_layer(p)
        if layer not in DOSAGE_LAYERS:
            problems.append("%s: folder %s is not in DOSAGE_LAYERS "
                            "(tools/dev/check_layers.py)" % (p, layer))
        if p.endswith(".h"):
            name = os.path.basename(p)
            if name in owner:
                problems.append("%s: %s is also %s; a dosage header's name "
                                "must be unique" % (p, name, owner[name]))
            owner[name] = p
    for p in paths:
        layer = dosage_layer(p)
        if layer not in DOSAGE_LAYERS:
            continue
        with open(p, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if m is None or m.group(1) != '"':
                    continue
                target = owner.get(os.path.basename(m.group(2)))
                if target is None:
                    continue  # generated protobuf headers
                up = dosage_layer(target)
                if up in DOSAGE_LAYERS and \
                        DOSAGE_LAYERS.index(up) > DOSAGE_LAYERS.index(layer):
                    problems.append("%s:%d: %s includes %s of %s, a folder "
                                    "above it in services/dosage"
                                    % (p, lineno, layer, target, up))
    return problems, len(paths)


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", ".."))
    problems = []
    n = 0
    for path, layer in files():
        n += 1
        problems += check_file(path, layer)
    print("%d files; layers bottom to top: %s" % (n, " < ".join(LAYERS)))
    dosage, n = dosage_includes()
    problems += dosage
    print("services/dosage: %d files; folders bottom to top: %s"
          % (n, " < ".join(DOSAGE_LAYERS)))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
