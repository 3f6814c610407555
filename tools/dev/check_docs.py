#!/usr/bin/python3
"""The README's and docs' claims about the system that a script can check
(issue 50, item 5); `make check` runs it (tools/dev/check.sh docs).

- The number of services the README names in words is the number of
  service processes (the folders of services/ with C sources), and its
  overview has a bullet for each, the ward console and the PACS.
- The FHIR facade is never called read-only (it takes writes: docs/api/fhir.md,
  "Writes"), in the docs or in what make run prints.
- No "five services" or "five service images/containers/names" in the
  README, docs/operations.md, the chart's README, the Makefile's or
  make run's comments, nor the image's Dockerfile: seven services run
  ("five gRPC services", identity to audit, may still be said).
- docs/hl7.md's example messages carry no `\\S\\` in a name: it is a
  literal ^ (O\\S\\Brien reads O^Brien); test_hl7.py sends them as written.

Prints one line per problem (FILE:LINE: what) and exits 1 when any.
"""

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


# Where a stale count of the services was found (issue 50's audit).
COUNTED = ["README.md", "docs/operations.md", "deploy/k8s/README.md",
           "Makefile", "tools/dev/run.sh", "deploy/docker/Dockerfile"]


def check_five_services(problems):
    """The services are seven; "five services", "five service images"
    and the like are the count from before hl7 and the facade."""
    pat = re.compile(r"\bfive\s+services?\b", re.I)
    for rel in COUNTED:
        text = read(rel)
        for m in pat.finditer(text):
            problems.append("%s:%d: says \"%s\"; %d services run (%s)" % (
                                rel, line_of(text, m.start()),
                                " ".join(m.group(0).split()),
                                len(service_processes()),
                                ", ".join(service_processes())))


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
    check_five_services(problems)
    check_hl7_examples(problems)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("docs: the README's services, the count of services, the FHIR "
          "facade's writes and the HL7 examples agree with the system")
    return 0


if __name__ == "__main__":
    sys.exit(main())
