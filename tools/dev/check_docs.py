#!/usr/bin/python3
"""The README's and docs' claims about the system that a script can check
(issue 50, item 5); `make check` runs it (tools/dev/check.sh docs).

- The number of services the README names in words is the number of
  service processes (the folders of services/ with C sources), and its
  overview has a bullet for each, the ward console and the PACS.
- The FHIR facade is never called read-only (it takes writes: docs/api/fhir.md,
  "Writes"), in the docs or in what make run prints.
- No "five services" or "six services" (nor "five service images",
  "5 services" and the like) in the README, docs/operations.md,
  docs/architecture.md, the Makefile, the image's Dockerfile, any README
  under deploy/, nor the scripts of tools/dev/ and tools/images/: seven
  services run ("five gRPC services", identity to audit, may still be
  said, and a test stack of five is "the five gRPC services").
- The chart README's port table (deploy/k8s/README.md) names every
  service of values.yaml and the FHIR facade, and every port they listen
  on: services.<name>.grpcPort/healthPort/httpPort/mllpPort,
  fhir.httpsPort/httpPort and global.audit.ingestPort.
- docs/hl7.md's example messages carry no `\\S\\` in a name: it is a
  literal ^ (O\\S\\Brien reads O^Brien); test_hl7.py sends them as written.

Prints one line per problem (FILE:LINE: what) and exits 1 when any.
"""

import glob
import os
import re
import sys

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
NUMBERS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10}
# Files that describe the running system to a reader.
PROSE = ["README.md", "deploy/k8s/README.md", "tests/harness/run.py"]


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def service_processes():
    base = os.path.join(ROOT, "services")
    return sorted(d for d in os.listdir(base)
                  if os.path.isdir(os.path.join(base, d))
                  and any(f.endswith(".c")
                          for f in os.listdir(os.path.join(base, d))))


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def check_readme(problems):
    text = read("README.md")
    procs = service_processes()
    intro = text.split("\n## ", 1)[0]
    for m in re.finditer(r"\b(%s) services\b" % "|".join(NUMBERS), intro):
        if NUMBERS[m.group(1)] != len(procs):
            problems.append("README.md:%d: says \"%s\"; services/ has %d "
                            "processes (%s)" % (
                                line_of(text, m.start()), m.group(0),
                                len(procs), ", ".join(procs)))
    if not re.search(r"\b(%s) services\b" % "|".join(NUMBERS), intro):
        problems.append("README.md: the overview does not say how many "
                        "services run (%d)" % len(procs))
    for p in procs:
        if not re.search(r"^- \*\*%s\*\*" % re.escape(p), intro, re.M):
            problems.append("README.md: the overview has no bullet for "
                            "the %s service" % p)
    for word in ("ward console", "PACS", "HL7"):
        if word not in intro:
            problems.append("README.md: the overview does not mention the "
                            "%s" % word)


def check_fhir_not_read_only(problems):
    docs = [os.path.join(d, f) for d in ("docs", "docs/internals")
            for f in sorted(os.listdir(os.path.join(ROOT, d)))
            if f.endswith(".md")]
    pat = re.compile(r"read-only (FHIR|HTTPS)|FHIR[^.\n]{0,60}\(read-only|"
                     r"FHIR R4 facade[^.\n]{0,20}read-only", re.I)
    for rel in PROSE + docs:
        text = read(rel)
        for m in pat.finditer(text):
            problems.append("%s:%d: calls the FHIR facade read-only; it "
                            "takes writes (docs/api/fhir.md, \"Writes\")" % (
                                rel, line_of(text, m.start())))


# Where a stale count of the services was found (issue 50's audit), and
# the globs of files of the same kind: what a newcomer, a DBA or hospital
# IT reads in the first hour.
COUNTED = ["README.md", "docs/operations.md", "docs/architecture.md",
           "Makefile", "deploy/docker/Dockerfile"]
COUNTED_GLOBS = ["deploy/**/README.md", "tools/dev/*.sh", "tools/images/*.sh"]


def counted_files():
    rels = list(COUNTED)
    for g in COUNTED_GLOBS:
        for path in sorted(glob.glob(os.path.join(ROOT, g), recursive=True)):
            rel = os.path.relpath(path, ROOT)
            if "node_modules" not in rel.split(os.sep) and rel not in rels:
                rels.append(rel)
    return rels


def check_stale_counts(problems):
    """The services are seven; "five services", "six services", "five
    service images", "5 services" and the like are the counts from before
    hl7 and the facade."""
    pat = re.compile(r"\b(five|six)\s+services?\b|\b[56]\s+services\b",
                     re.I)
    procs = service_processes()
    for rel in counted_files():
        text = read(rel)
        for m in pat.finditer(text):
            problems.append("%s:%d: says \"%s\"; %d services run (%s)" % (
                                rel, line_of(text, m.start()),
                                " ".join(m.group(0).split()),
                                len(procs), ", ".join(procs)))


# The chart's ports, read from values.yaml by indentation (the check needs
# no YAML library): a service's under services.<name>, the facade's under
# fhir, the audit ingest under global.audit.
SERVICE_PORT_KEYS = ("grpcPort", "healthPort", "httpPort", "mllpPort")
FHIR_PORT_KEYS = ("httpsPort", "httpPort")


def chart_ports():
    """{name: {key: port}} of values.yaml's services, fhir and the audit
    ingest (as "audit ingestPort")."""
    ports = {}
    top = sub = None
    for line in read("deploy/k8s/helm/smartmed/values.yaml").splitlines():
        m = re.match(r"^(\w+):", line)
        if m:
            top, sub = m.group(1), None
            continue
        m = re.match(r"^  (\w+):\s*$", line)
        if m:
            sub = m.group(1)
            continue
        m = re.match(r"^(\s+)(\w+): (\d+)\s*$", line)
        if not m:
            continue
        depth, key, port = len(m.group(1)), m.group(2), int(m.group(3))
        if top == "services" and depth == 4 and key in SERVICE_PORT_KEYS:
            ports.setdefault(sub, {})[key] = port
        elif top == "fhir" and depth == 2 and key in FHIR_PORT_KEYS:
            ports.setdefault("fhir", {})[key] = port
        elif (top, sub, depth, key) == ("global", "audit", 4, "ingestPort"):
            ports.setdefault("audit", {})[key] = port
    return ports


def port_table(text):
    """The rows of the table headed "| Port | Service | What |": (line,
    set of ports of the first cell, the rest of the row)."""
    lines = text.splitlines()
    try:
        start = next(i for i, l in enumerate(lines)
                     if re.match(r"^\|\s*Port\s*\|\s*Service\s*\|", l))
    except StopIteration:
        return None
    rows = []
    for i in range(start + 2, len(lines)):
        if not lines[i].startswith("|"):
            break
        cells = lines[i].split("|")
        found = set()
        for a, b in re.findall(r"(\d+)(?:\.\.(\d+))?", cells[1]):
            found.update(range(int(a), int(b or a) + 1))
        rows.append((i + 1, found, "|".join(cells[2:])))
    return rows


def check_chart_ports(problems):
    rel = "deploy/k8s/README.md"
    rows = port_table(read(rel))
    if rows is None:
        problems.append("%s: no port table (| Port | Service | What |)" % rel)
        return
    listed = set().union(*(r[1] for r in rows))
    services = " ".join(r[2] for r in rows)
    for name, keys in sorted(chart_ports().items()):
        if not re.search(r"\b%s\b" % re.escape(name), services):
            problems.append("%s: the port table has no row for %s" % (
                rel, name))
        for key, port in sorted(keys.items()):
            if port not in listed:
                problems.append("%s: the port table lacks %s's %s %d "
                                "(values.yaml)" % (rel, name, key, port))


def check_hl7_examples(problems):
    text = read("docs/hl7.md")
    part = text.split("## Example messages", 1)[-1].split("\n## ", 1)[0]
    start = text.find(part)
    for m in re.finditer(r"^PID\|[^\n]*\\S\\", part, re.M):
        problems.append("docs/hl7.md:%d: a name with \\S\\ (a literal ^) "
                        "in an example" % line_of(text, start + m.start()))


def main():
    problems = []
    check_readme(problems)
    check_fhir_not_read_only(problems)
    check_stale_counts(problems)
    check_chart_ports(problems)
    check_hl7_examples(problems)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("docs: the README's services, the count of services, the chart's "
          "port table, the FHIR facade's writes and the HL7 examples agree "
          "with the system")
    return 0


if __name__ == "__main__":
    sys.exit(main())
