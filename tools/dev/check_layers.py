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

services/fhir, the FHIR facade, stacks the same way (FHIR_LAYERS): its
folders are its layers, and main.c and facade.c, next to them, the top.

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
    "cgroup.h": "base",
    "names.h": "base",
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
    "reconcile.h": "contracts",
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

# services/fhir, bottom to top (issue 53, item 3).  base: the facade's
# types, errors and OperationOutcomes, sources and types, R4 dates (and
# the pure deid.c, news2.c); call: a request's call and the request
# counter, the services' gRPC methods, X-Break-Glass, SMART scopes;
# search: parameters, filters, pages, _include, Patient, read by id,
# $research-export; write: the writes, write_util.c at their bottom; ward:
# the ward console's searches and files; dispatch: routing and one
# function per interaction (handle.c), the CapabilityStatement; edge: the
# HTTPS server and its limits; top: the process (main.c, facade.c, next to
# the folders).
FHIR = "services/fhir"
FHIR_LAYERS = ["base", "call", "search", "write", "ward", "dispatch", "edge",
               "top"]

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


class Stack:
    """A service whose folders are its layers: root, the layers bottom
    to top, and the layer of a file next to the folders (top when its
    stem is in top_stems, else root_layer)."""

    def __init__(self, root, layers, top_stems, root_layer):
        self.root, self.layers = root, layers
        self.top_stems, self.root_layer = top_stems, root_layer

    def layer(self, path):
        """The layer of a file: its first folder below root."""
        rel = os.path.relpath(path, self.root).split(os.sep)
        if len(rel) > 1:
            return rel[0]
        stem = os.path.splitext(rel[0])[0]
        return "top" if stem in self.top_stems else self.root_layer

    def rank(self, layer):
        return self.layers.index(layer)

    def files(self):
        out = []
        for root, _, names in os.walk(self.root):
            out += [os.path.join(root, n) for n in names
                    if n.endswith((".c", ".h"))]
        return sorted(out)

    def includes(self):
        """Problems: a file of an unknown folder, a header name used
        twice, an include of a layer above."""
        problems, owner = [], {}
        paths = self.files()
        for p in paths:
            layer = self.layer(p)
            if layer not in self.layers:
                problems.append("%s: folder %s is not a layer of %s "
                                "(tools/dev/check_layers.py)"
                                % (p, layer, self.root))
            if p.endswith(".h"):
                name = os.path.basename(p)
                if name in owner:
                    problems.append("%s: %s is also %s; a header's name "
                                    "must be unique in %s"
                                    % (p, name, owner[name], self.root))
                owner[name] = p
        for p in paths:
            layer = self.layer(p)
            if layer not in self.layers:
                continue
            with open(p, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if m is None or m.group(1) != '"':
                        continue
                    target = owner.get(os.path.basename(m.group(2)))
                    if target is None:
                        continue  # generated protobuf headers
                    up = self.layer(target)
                    if up in self.layers and \
                            self.rank(up) > self.rank(layer):
                        problems.append("%s:%d: %s includes %s of %s, a "
                                        "folder above it in %s"
                                        % (p, lineno, layer, target, up,
                                           self.root))
        return problems, len(paths)


DOSAGE_STACK = Stack(DOSAGE, DOSAGE_LAYERS, DOSAGE_TOP, "base")
FHIR_STACK = Stack(FHIR, FHIR_LAYERS, {"main", "facade"}, "top")
STACKS = [DOSAGE_STACK, FHIR_STACK]


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", ".."))
    problems = []
    n = 0
    for path, layer in files():
        n += 1
        problems += check_file(path, layer)
    print("%d files; layers bottom to top: %s" % (n, " < ".join(LAYERS)))
    for stack in STACKS:
        found, n = stack.includes()
        problems += found
        print("%s: %d files; folders bottom to top: %s"
              % (stack.root, n, " < ".join(stack.layers)))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
