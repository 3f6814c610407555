#!/usr/bin/env python3
"""check_symbols.py - libmed's layers point only down, read from the objects.

tools/dev/check_layers.py reads #include lines; a function can still cross
a layer without one (a prototype written by hand, a header that declares
what a higher layer implements).  This check reads what the compiler made:

1. every global symbol an object of layer L uses (nm: undefined) that an
   object of libmed defines must be defined in L or a layer below it;
2. every function a public header of layer L declares that libmed defines
   must be defined in L or below: a header that straddles two layers lets
   a lower file call up without any include looking wrong;
3. every service stacks in the layers of its LAYERS file (check_layers.py):
   no object uses what a layer above its own defines (KNOWN_UP is empty
   and stays so); in dosage and the facade, whose headers are split by
   layer, no header declares a function a layer above its own defines;
   and no circle of files: a file that uses what another defines sits
   above it, and no two files sit above each other, however long the way
   round (no service is exempt);
4. explicit writes: a service in EXPLICIT_WRITES runs its writes in the
   call's transaction by name (med_call_tx, med_call_set_patient), never
   through the hidden thread-local doors of the former db_call.c
   (med_db_tx_audited, med_db_tx_audit_patient, med_db_tx_limit,
   med_db_call_enter, med_db_call_leave: all gone from libmed; a read
   that meets a capacity limit names it in its result, and the function
   holding the call fails the call with it);
5. one helper per job: no object but common/src/base/codec.o (med/codec.h)
   calls libsodium's base64 or hex codecs, and no C source outside it
   writes its own hex digit table, hex digit decoder or "%XX" escape
   (read from the source: a hand-written copy calls nothing).

    tools/dev/check_symbols.py           check build/ (BUILD=dir to change)
                                         exit 1 naming each crossing,
                                         2 when the objects are not built

Run by tools/dev/test.sh (make test, make unit) after the build, and by
tools/dev/check.sh when the objects exist.  The layers and the header
table are check_layers.py's.
"""
import collections
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_layers import HEADERS, INC, LAYERS, stacks  # noqa: E402

OBJ = "obj/common/src"
# nm -P types of a definition that another object can use.
DEFINED = set("TDBRVW")
COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
CALL_RE = re.compile(r"\b(med_\w+)\s*\(")
# A function a service's header declares (only those the service defines
# count).
SERVICE_CALL_RE = re.compile(r"\b([A-Za-z_]\w*)\s*\(")

# Every service stacks in the layers of its LAYERS file (check_layers.py),
# read here from the objects: no object uses what a layer above its own
# defines, no header declares what a layer above its own defines, and no
# files use each other in a circle.  No use that points up is ever listed
# as known: move the function down instead.
KNOWN_UP = set()
# The services whose headers are split by layer, so that no header declares
# what a layer above defines; the others still declare their functions in
# one header of their bottom layer (identity.h, diagnosis.h, audit_svc.h,
# hl7.h, hl7_svc.h), which the objects' uses keep honest.
SPLIT_HEADERS = {"services/dosage", "services/fhir"}

# One helper per job (med/codec.h): the symbols and source shapes of a
# second base64, hex or percent codec.
CODEC_HOME = "common/src/base/codec"
CODEC_SYMBOLS = {"sodium_bin2base64", "sodium_base642bin", "sodium_bin2hex",
                 "sodium_hex2bin"}
CODEC_SOURCE_RE = re.compile(
    r"""(?x)
      "0123456789(?:abcdef|ABCDEF)"          # a hex digit table
    | '[aAfF]'\s*\+\s*10                     # a hex digit decoder
    | %%%?02[xX]                            # a percent or hex escape
    | sodium_base64_(?:ENCODED_LEN|VARIANT)  # sodium's base64 directly
    """)
CODEC_DIRS = ["common", "services", "tools", "plugins"]


def rank(layer):
    return LAYERS.index(layer)


def read_objects(build):
    """{symbol: (layer, object)} defined, and {(layer, object): uses}."""
    defined = {}
    uses = collections.defaultdict(set)
    for layer in LAYERS:
        for obj in sorted(glob.glob(os.path.join(build, OBJ, layer,
                                                 "*.o"))):
            out = subprocess.run(["nm", "-P", obj], capture_output=True,
                                 text=True, check=True).stdout
            for line in out.splitlines():
                f = line.split()
                if len(f) < 2:
                    continue
                if f[1] == "U":
                    uses[(layer, obj)].add(f[0])
                elif f[1] in DEFINED:
                    defined[f[0]] = (layer, obj)
    return defined, uses


def upward_uses(defined, uses):
    problems = []
    for (layer, obj), names in sorted(uses.items()):
        for name in sorted(names):
            where = defined.get(name)
            if where and rank(where[0]) > rank(layer):
                problems.append("%s (%s) uses %s, defined by %s of %s, a "
                                "layer above" % (obj, layer, name, where[1],
                                                 where[0]))
    return problems


def straddling_headers(defined):
    problems = []
    for header, layer in sorted(HEADERS.items()):
        path = os.path.join(INC, header)
        with open(path, encoding="utf-8") as f:
            text = COMMENT_RE.sub("", f.read())
        for name in sorted(set(CALL_RE.findall(text))):
            where = defined.get(name)
            if where and rank(where[0]) > rank(layer):
                problems.append("%s (%s) declares %s, which %s of %s "
                                "defines: move it to a header of that "
                                "layer" % (path, layer, name, where[1],
                                           where[0]))
    return problems


def live(build, objs):
    """The objects whose source still exists: a file moved or deleted
    leaves its old object in the build folder, which must not count."""
    top = os.path.join(build, "obj") + os.sep
    return [o for o in objs
            if not o.startswith(top) or
            os.path.exists(o[len(top):-2] + ".c")]


def obj_layer(build, stack, obj):
    """The layer of an object of stack: its source's."""
    rel = os.path.relpath(obj, os.path.join(build, "obj"))
    return stack.layer(rel[:-2] + ".c")


def stack_up(build, stack, known_up, call_re):
    """Uses inside stack of a symbol a layer above defines, and its
    headers declaring what a layer above defines; and how many uses
    known_up lists."""
    defined, uses = {}, collections.defaultdict(set)
    objs = live(build, sorted(glob.glob(
        os.path.join(build, "obj", stack.root, "**", "*.o"),
        recursive=True)))
    if not objs:
        return [], 0
    out = subprocess.run(["nm", "-P", "-A"] + objs, capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) < 3:
            continue
        obj = f[0].rstrip(":")
        if f[2] == "U":
            uses[obj].add(f[1])
        elif f[2] in DEFINED:
            defined[f[1]] = obj
    problems, known, seen = [], 0, set()
    for obj, names in sorted(uses.items()):
        layer = obj_layer(build, stack, obj)
        if layer not in stack.layers:
            problems.append("%s: folder %s is not a layer of %s"
                            % (obj, layer, stack.root))
            continue
        for name in sorted(names):
            where = defined.get(name)
            if where is None:
                continue
            up = obj_layer(build, stack, where)
            if up not in stack.layers or \
                    stack.rank(up) <= stack.rank(layer):
                continue
            use = "%s:%s" % (os.path.basename(obj), name)
            if use in known_up:
                known += 1
                seen.add(use)
                continue
            problems.append("%s (%s) uses %s, defined by %s of %s, a "
                            "layer above in %s"
                            % (obj, layer, name, where, up, stack.root))
    if stack.root in SPLIT_HEADERS:
        problems += straddles(build, stack, defined, call_re)
    for gone in sorted(known_up - seen):
        problems.append("%s no longer points up: remove it from the "
                        "known uses of %s" % (gone, stack.root))
    return problems, known


def straddles(build, stack, defined, call_re):
    """Headers of stack declaring what a folder above their own defines."""
    problems = []
    for header in stack.files():
        if not header.endswith(".h"):
            continue
        layer = stack.layer(header)
        with open(header, encoding="utf-8") as f:
            text = COMMENT_RE.sub("", f.read())
        for name in sorted(set(call_re.findall(text))):
            where = defined.get(name)
            if where is None:
                continue
            up = obj_layer(build, stack, where)
            if up in stack.layers and layer in stack.layers and \
                    stack.rank(up) > stack.rank(layer):
                problems.append("%s (%s) declares %s, which %s of %s "
                                "defines: move it to a header of that "
                                "folder" % (header, layer, name, where, up))
    return problems


# Services whose writes name their call (issue 53 item 1), and the
# thread-local doors of the former db_call.c each refuses.  Every write of
# every service names its call, and a capacity limit travels in the read's
# result to the function that holds the call (dosage_fail_limit): no
# thread-local hook is left between a handler and its store.
HIDDEN_DOORS = {"med_db_tx_audited", "med_db_tx_audit_patient",
                "med_db_tx_limit", "med_db_call_enter", "med_db_call_leave"}
EXPLICIT_WRITES = {
    "services/records": HIDDEN_DOORS,
    "services/identity": HIDDEN_DOORS,
    "services/dosage": HIDDEN_DOORS,
}


def hidden_doors(build):
    problems = []
    for folder, doors in sorted(EXPLICIT_WRITES.items()):
        objs = live(build, sorted(glob.glob(
            os.path.join(build, "obj", folder, "**", "*.o"), recursive=True)))
        if not objs:
            continue
        out = subprocess.run(["nm", "-P", "-A"] + objs,
                             capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 3 and f[2] == "U" and f[1] in doors:
                problems.append("%s uses %s: %s writes in its call's "
                                "transaction by name (med_call_tx)"
                                % (f[0].rstrip(":"), f[1], folder))
    return problems


def file_circles(build, folder):
    """Circles of objects in folder, each object using the next's symbols."""
    top = os.path.join(build, "obj", folder)
    objs = live(build, sorted(glob.glob(os.path.join(top, "**", "*.o"),
                                        recursive=True)))
    if not objs:
        return []
    out = subprocess.run(["nm", "-P", "-A"] + objs, capture_output=True,
                         text=True, check=True).stdout
    defined, uses = {}, collections.defaultdict(set)
    for line in out.splitlines():
        f = line.split()
        if len(f) < 3:
            continue
        obj = os.path.relpath(f[0].rstrip(":"), top)
        if f[2] == "U":
            uses[obj].add(f[1])
        elif f[2] in DEFINED:
            defined[f[1]] = obj
    edges = collections.defaultdict(set)
    for obj, names in uses.items():
        edges[obj] |= {defined[n] for n in names
                       if n in defined and defined[n] != obj}
    # Tarjan's strongly connected components, iteratively.
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = n[0]
        n[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n[0]
                    n[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return ["%s: a circle of files, each using the next: %s"
            % (folder, ", ".join(c)) for c in comps]


def codec_copies(build):
    """Objects calling sodium's codecs, sources writing their own."""
    problems = []
    objs = sorted(glob.glob(os.path.join(build, "obj", "**", "*.o"),
                            recursive=True))
    objs = [o for o in live(build, objs)
            if not o.startswith(os.path.join(build, "obj", "tests")) and
            not o.startswith(os.path.join(build, "obj", "gen"))]
    for i in range(0, len(objs), 200):
        out = subprocess.run(["nm", "-P", "-A"] + objs[i:i + 200],
                             capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) < 3 or f[2] != "U" or f[1] not in CODEC_SYMBOLS:
                continue
            obj = f[0].rstrip(":")
            if obj.endswith(CODEC_HOME + ".o"):
                continue
            problems.append("%s calls %s: encode and decode through "
                            "med/codec.h (one helper per job)"
                            % (obj, f[1]))
    files = subprocess.run(["git", "ls-files", "--cached", "--others",
                            "--exclude-standard", "--"] + CODEC_DIRS,
                           capture_output=True, text=True,
                           check=True).stdout.split()
    for path in sorted(files):
        if not path.endswith((".c", ".h")) or \
                path.startswith(CODEC_HOME) or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            # Comments out, their lines kept, so line numbers stay true.
            text = COMMENT_RE.sub(lambda c: "\n" * c.group(0).count("\n"),
                                  f.read())
        for m in CODEC_SOURCE_RE.finditer(text):
            problems.append("%s:%d: %s: a codec of its own; use med/codec.h "
                            "(one helper per job)"
                            % (path, text.count("\n", 0, m.start()) + 1,
                               m.group(0)))
    return problems


def service_stacks(build):
    """Problems of every service's stack, and a line for each."""
    found, problems = stacks()
    lines = []
    for stack in found:
        if not any(p.endswith(".c") for p in stack.files()):
            continue  # the console's scripts: no objects
        up, _ = stack_up(build, stack, KNOWN_UP, SERVICE_CALL_RE)
        circles = file_circles(build, stack.root)
        problems += up + circles
        lines.append("%s: no use of a layer above, no circle of files; "
                     "bottom to top: %s"
                     % (stack.root, " < ".join(stack.layers)))
    return problems, lines


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", ".."))
    build = os.environ.get("BUILD", "build")
    defined, uses = read_objects(build)
    if not defined:
        print("no libmed objects under %s/%s: build first (make all)"
              % (build, OBJ))
        return 2
    services, lines = service_stacks(build)
    problems = (upward_uses(defined, uses) + straddling_headers(defined) +
                services + hidden_doors(build) + codec_copies(build))
    print("%d objects, %d libmed symbols; layers bottom to top: %s"
          % (len(uses), len(defined), " < ".join(LAYERS)))
    for line in lines:
        print(line)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
