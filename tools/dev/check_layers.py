#!/usr/bin/env python3
"""check_layers.py - libmed's layers point only down.

libmed (common/) is built in layers, bottom to top; a file may include the
public headers (<med/X.h>) of its own layer and of the layers below it,
never one of a layer above.  A layer is a folder of common/src/, and a
public header belongs to the layer whose folder implements it.  Headers
next to a source file ("rpc_internal.h") are private to their folder, and
generated protobuf headers ("smartmed/...pb-c.h") sit below everything.

Every service stacks the same way, in the layers its LAYERS file declares
(services/<name>/LAYERS, bottom to top: one line per layer, "name:
member ...", a member a folder ("face/") or a file).  A file may include
(C, by bare name: every folder is on the include path, so a header's name
must be unique in its service) or import (the console's scripts, by
relative path) only what its own layer and the layers below it hold, and
no files include or import each other in a circle.  A file no layer names
is an error, so the order is decided when the code is written, not found
out later.  tools/dev/check_symbols.py reads the same layers from the
objects (uses, and circles of files using each other).

    tools/dev/check_layers.py        check; exit 1 naming each upward include,
                                     unknown file or circle
    tools/dev/check_layers.py DIR    check only the services under DIR

Run by tools/dev/check.sh (make check).  A new libmed folder or public
header must be added to the tables below, a service's file to its LAYERS.
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


SERVICES = "services"
LAYERS_FILE = "LAYERS"
SOURCE_EXT = (".c", ".h", ".js")
CIRCLE = "a circle of files"
IMPORT_RE = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]"""
                       r"""(\.{1,2}/[^'"]+)['"]|"""
                       r"""^\s*import\s*['"](\.{1,2}/[^'"]+)['"]|"""
                       r"""\brequire\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)""",
                       re.M)


def read_layers(path):
    """[(layer, [member, ...])] bottom to top from a LAYERS file: one line
    per layer, "name: member ...", a member a folder ("face/") or a file
    name relative to the service's folder; '#' starts a comment."""
    out = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, members = line.partition(":")
            if not sep or not name.strip() or not members.split():
                raise ValueError("%s:%d: a layer is \"name: member ...\""
                                 % (path, lineno))
            out.append((name.strip(), members.split()))
    return out


class Stack:
    """A service's files in layers, bottom to top, as its LAYERS file
    declares them: a file may include or import what its own layer and
    the layers below it hold, never what a layer above holds, and no
    files of the service include or import each other in a circle."""

    def __init__(self, root, declared):
        self.root, self.declared = root, declared
        self.layers = [name for name, _ in declared]

    def layer(self, path):
        """The layer of a file (path under root), or None when no layer
        names it."""
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        for name, members in self.declared:
            for m in members:
                if rel == m or (m.endswith("/") and rel.startswith(m)):
                    return name
        return None

    def rank(self, layer):
        return self.layers.index(layer)

    def files(self):
        out = []
        for root, _, names in os.walk(self.root):
            out += [os.path.join(root, n) for n in names
                    if n.endswith(SOURCE_EXT)]
        return sorted(out)

    def node(self, path):
        """A file of the graph: each file is one (a circle of C files is
        of headers; one of sources shows in the objects, check_symbols)."""
        return path

    def targets(self, path, owner):
        """(line number, file) of each file of this service that path
        includes (C, by bare name) or imports (JS, by relative path)."""
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        out = []
        if path.endswith(".js"):
            for m in IMPORT_RE.finditer(text):
                rel = next(g for g in m.groups() if g)
                t = os.path.normpath(os.path.join(os.path.dirname(path),
                                                  rel))
                out.append((text.count("\n", 0, m.start()) + 1, t))
            return out
        for lineno, line in enumerate(text.splitlines(), 1):
            m = INCLUDE_RE.match(line)
            if m is None or m.group(1) != '"':
                continue
            t = owner.get(os.path.basename(m.group(2)))
            if t is not None:  # else a generated protobuf header
                out.append((lineno, t))
        return out

    def includes(self):
        """Problems: a file in no layer, a header name used twice, an
        include or import of a layer above, a circle of files."""
        problems, owner = [], {}
        paths = self.files()
        for p in paths:
            if self.layer(p) is None:
                problems.append("%s: in no layer of %s (add it to %s)"
                                % (p, self.root, os.path.join(
                                    self.root, LAYERS_FILE)))
            if p.endswith(".h"):
                name = os.path.basename(p)
                if name in owner:
                    problems.append("%s: %s is also %s; a header's name "
                                    "must be unique in %s"
                                    % (p, name, owner[name], self.root))
                owner[name] = p
        edges = {}
        for p in paths:
            layer = self.layer(p)
            for lineno, t in self.targets(p, owner):
                up = self.layer(t)
                if self.node(t) != self.node(p):
                    edges.setdefault(self.node(p), set()).add(self.node(t))
                if layer is None or up is None:
                    continue
                if self.rank(up) > self.rank(layer):
                    problems.append("%s:%d: %s includes %s of %s, a "
                                    "layer above it in %s"
                                    % (p, lineno, layer, t, up, self.root))
        for c in circles(edges):
            problems.append("%s: %s, each including or importing the "
                            "next: %s" % (self.root, CIRCLE, ", ".join(c)))
        return problems, len(paths)


def circles(edges):
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def stacks(top=SERVICES):
    """(stacks, problems): a Stack for each service folder under top
    with a LAYERS file; a folder of source without one is a problem."""
    out, problems = [], []
    for name in sorted(os.listdir(top)):
        root = os.path.join(top, name)
        if not os.path.isdir(root):
            continue
        path = os.path.join(root, LAYERS_FILE)
        if not os.path.exists(path):
            problems.append("%s: no %s file (its layers, bottom to top)"
                            % (root, LAYERS_FILE))
            continue
        try:
            out.append(Stack(root, read_layers(path)))
        except ValueError as e:
            problems.append(str(e))
    return out, problems


def check_stacks(top=SERVICES):
    """Problems of every service's stack under top, and a line for each."""
    found, problems = stacks(top)
    lines = []
    for stack in found:
        p, n = stack.includes()
        problems += p
        lines.append("%s: %d files; layers bottom to top: %s"
                     % (stack.root, n, " < ".join(stack.layers)))
    return problems, lines


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", ".."))
    top = sys.argv[1] if len(sys.argv) > 1 else SERVICES
    if os.path.abspath(top) == os.path.abspath(SERVICES):
        top = SERVICES
    problems = []
    n = 0
    if top == SERVICES:
        for path, layer in files():
            n += 1
            problems += check_file(path, layer)
        print("%d files; layers bottom to top: %s" % (n, " < ".join(LAYERS)))
    found, lines = check_stacks(top)
    problems += found
    for line in lines:
        print(line)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
