#!/usr/bin/python3
"""Write docs/security.md's role x method matrix from the services' own
method tables, so the two cannot drift (issue 49, item 10).

    tools/dev/gen-role-matrix.py [--check] [--build DIR] [--doc PAGE]

Each service binary prints its method table with `--roles` (libmed's
med_service_main: a line per method, its name, a tab, the roles from
med_method.roles; "service:hl7" where med_method.only_service admits one
service).  The table goes between the <!-- roles:begin --> and
<!-- roles:end --> markers of docs/security.md, in the services' order
below and each service's table order.  --check writes nothing: it prints
what differs and exits 1 when the page is not what the code says (make
check and tests/integration/test_role_matrix_doc.py run it); run without
--check to rewrite the page.  Needs the built services (make all).

Standard library only.
"""

import argparse
import difflib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs", "security.md")
BEGIN = "<!-- roles:begin -->"
END = "<!-- roles:end -->"
# The gRPC services with a method table, in the page's order.
SERVICES = ["identity", "records", "dosage", "diagnosis", "audit", "hl7"]
HEADER = ["| Service | Method | Roles |", "|---|---|---|"]


class MatrixError(Exception):
    pass


def service_rows(build, svc):
    """[(Method, [role, ...])] of svc's method table."""
    binary = os.path.join(build, "bin", "smartmed-" + svc)
    if not os.access(binary, os.X_OK):
        raise MatrixError("%s is missing: build the services first "
                          "(make all)" % binary)
    r = subprocess.run([binary, "--roles"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60, check=False)
    if r.returncode != 0:
        raise MatrixError("%s --roles failed (exit %d): %s" % (
            binary, r.returncode, r.stderr.decode("utf-8", "replace")))
    rows = []
    for line in r.stdout.decode("utf-8").splitlines():
        name, sep, roles = line.partition("\t")
        if not sep or not name:
            raise MatrixError("%s --roles printed %r, not METHOD<TAB>ROLES"
                              % (binary, line))
        rows.append((name, [x for x in roles.split(",") if x]))
    if not rows:
        raise MatrixError("%s --roles printed no methods" % binary)
    return rows


def matrix_lines(build):
    """The lines between the markers: the header and a row per method."""
    lines = list(HEADER)
    for svc in SERVICES:
        for name, roles in service_rows(build, svc):
            lines.append("| %s | %s | %s |" % (svc, name,
                                               ", ".join(roles) or "none"))
    return lines


def replace_block(text, lines):
    """text with the marked block replaced by lines."""
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < b:
        raise MatrixError("the page lacks the %s ... %s markers" % (BEGIN,
                                                                   END))
    head = text[:b + len(BEGIN)]
    return head + "\n" + "\n".join(lines) + "\n" + text[e:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare only; exit 1 when the page differs")
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"),
                    help="build directory (default $BUILD or build)")
    ap.add_argument("--doc", default=DOC,
                    help="the page (default docs/security.md)")
    args = ap.parse_args()
    build = args.build if os.path.isabs(args.build) else os.path.join(
        ROOT, args.build)
    try:
        with open(args.doc, encoding="utf-8") as f:
            old = f.read()
        new = replace_block(old, matrix_lines(build))
    except (MatrixError, OSError, subprocess.SubprocessError) as e:
        print("gen-role-matrix: %s" % e, file=sys.stderr)
        return 2
    if old == new:
        return 0
    if args.check:
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(True), new.splitlines(True),
            "docs/security.md", "from the method tables"))
        print("gen-role-matrix: docs/security.md's role matrix differs from "
              "the services' method tables; run tools/dev/gen-role-matrix.py"
              , file=sys.stderr)
        return 1
    with open(args.doc, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
