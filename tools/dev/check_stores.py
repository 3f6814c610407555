#!/usr/bin/env python3
"""check_stores.py - the invariant "a store holds no call", read from the
objects.

A store (a service's file named store.c, store_*.c or *_store*.c) is the
SQL vocabulary of its service over a connection and an arena: the use case
above it owns the call and its transaction (docs/internals/
write-and-audit.md, "One write shape").  A store object therefore uses no
med_call_* symbol (nm: undefined): not the call's arena, database,
transaction, patient or failure.  A store that takes the call can open a
transaction, decide the patient or fail the RPC out of the handler's sight.

The stores that still take the call are listed in
tools/dev/store-call-allow.txt, one path a line; that list only shrinks.
An entry whose store no longer uses a call symbol (or is gone) fails too,
so that the list is emptied as the stores are fixed, never left stale.
Each store's opening comment states the invariant ("holds no call"), so a
reader of the file meets it where the check cannot be seen.

    tools/dev/check_stores.py [--root DIR]   check DIR (default: the tree)
                                             against DIR/$BUILD (build)
                                             exit 1 naming each store,
                                             2 when no store is built

Run by tools/dev/check.sh (make check, section stores) when the objects
exist, and by tools/dev/test.sh (make test, make unit) after the build.
"""
import argparse
import os
import re
import subprocess
import sys

STORE_RE = re.compile(r"(^|_)store(_[^/]*)?\.c$")
CALL_RE = re.compile(r"^med_call_\w+$")
ALLOW = os.path.join("tools", "dev", "store-call-allow.txt")


def stores(root):
    """The services' store sources, relative to root."""
    out = subprocess.run(["git", "-C", root, "ls-files", "--cached",
                          "--others", "--exclude-standard", "--",
                          "services"], capture_output=True, text=True,
                         check=True).stdout.split()
    return sorted(p for p in out
                  if STORE_RE.search(os.path.basename(p)) and
                  os.path.isfile(os.path.join(root, p)))


def allowed(root):
    """The allow-list: paths, '#' comments and blank lines skipped."""
    path = os.path.join(root, ALLOW)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        lines = [ln.split("#", 1)[0].strip() for ln in f]
    return [ln for ln in lines if ln]


def header_states_rule(path):
    """Whether the file's opening comment says it holds no call."""
    with open(path, encoding="utf-8") as f:
        text = f.read(4096)
    end = text.find("*/")
    return text.startswith("/*") and end > 0 and \
        "holds no call" in " ".join(text[:end].replace("*", " ").split())


def call_uses(obj):
    """The med_call_* symbols obj uses."""
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True,
                         check=True).stdout
    return sorted({f[0] for f in (ln.split() for ln in out.splitlines())
                   if len(f) >= 2 and f[1] == "U" and CALL_RE.match(f[0])})


def problems(root, build):
    """(the problems, how many stores were read)."""
    allow = allowed(root)
    found, n = [], 0
    for src in stores(root):
        if not header_states_rule(os.path.join(root, src)):
            found.append("%s: its opening comment does not say the store "
                         "holds no call" % src)
        obj = os.path.join(root, build, "obj", src[:-2] + ".o")
        if not os.path.exists(obj):
            continue
        n += 1
        uses = call_uses(obj)
        if uses and src not in allow:
            found.append("%s uses %s: a store holds no call; the use case "
                         "passes it the connection and the arena"
                         % (src, ", ".join(uses)))
        elif not uses and src in allow:
            found.append("%s holds no call now: remove it from %s (the "
                         "list only shrinks)" % (src, ALLOW))
    for src in allow:
        if not os.path.isfile(os.path.join(root, src)):
            found.append("%s is listed in %s but is gone: remove the line"
                         % (src, ALLOW))
    return found, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    args = ap.parse_args()
    build = os.environ.get("BUILD", "build")
    found, n = problems(args.root, build)
    if n == 0:
        print("no store objects under %s/obj/services: build first "
              "(make all)" % build)
        return 2
    print("%d store objects read; %d still hold the call (%s)"
          % (n, len(allowed(args.root)), ALLOW))
    for p in found:
        print(p)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
