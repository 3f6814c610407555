"""The README's sample of make run's summary (issue 50): its lines'
headings are those run.summary() prints, in the same order, so a line
the summary gains (the ward's zone, the HL7 interface, the console's
users, the PACS) shows in the README too.

The summary is made from a stand-in for a running stack (FakeStack: the
names, ports and paths make run's Stack has), so no stack starts."""

import os
import re
import types

from harness import paths, protos, run

ROOT = "/path/to/smartmed/build/run"


class FakeStack:
    """What run.summary() reads of a Stack, with make run's fixed ports."""

    def __init__(self):
        self.workdir = ROOT
        self.db_port = run.DB_PORT
        self.db_dir = ROOT + "/mariadb"
        self.audit_port = run.AUDIT_PORT
        self.log_dir = ROOT + "/logs"
        self.pki_dir = ROOT + "/pki"
        self.ca_path = self.pki_dir + "/ca.pem"
        self.tokens_path = ROOT + "/tokens"
        ports = {s: (run.GRPC_PORTS[s], run.HTTP_PORTS[s],
                     run.HEALTH_PORTS[s]) for s in protos.SERVICES}
        ports["fhir"] = (run.FHIR_PORT, run.FHIR_HTTP_PORT, None)
        ports["hl7"] = run.HL7_PORTS
        self.services = {n: types.SimpleNamespace(
            grpc_port=p[0], http_port=p[1], health_port=p[2],
            env={"MED_HL7_MLLP_PORT": str(run.HL7_MLLP_PORT)})
            for n, p in ports.items()}

    def token(self, role):
        return "%s-token" % role

    def user(self, role):
        return "%s.test" % role

    def addr(self, n):
        return "127.0.0.1:%d" % self.services[n].grpc_port

    def health_addr(self, n):
        return "127.0.0.1:%d" % self.services[n].health_port

    def http_port(self, n):
        return self.services[n].http_port

    def fhir_url(self):
        return "https://127.0.0.1:%d/fhir" % run.FHIR_PORT

    def pki(self, name):
        return ("%s/%s.pem" % (self.pki_dir, name),
                "%s/%s.key" % (self.pki_dir, name))


def fake_summary():
    """make run's summary as a newcomer with every part sees it: face
    keys, the console's sign-in, a PACS, no settings given."""
    faces = types.SimpleNamespace(dir=ROOT + "/face")
    idp = types.SimpleNamespace(issuer="https://127.0.0.1:%d" % run.IDP_PORT,
                                users={"nurse.dev": {"roles": ["nurse"],
                                                     "password": "pw"}})
    pacs = types.SimpleNamespace(
        http_url="http://127.0.0.1:%d" % run.PACS_PORT,
        dicomweb_url="http://127.0.0.1:%d/dicom-web" % run.PACS_PORT)
    origin = {"MED_WARD_TIME_ZONE": "the host's zone"}
    info = run.settings_lines(origin, "ward time zone: UTC (the host's zone)")
    return run.summary(FakeStack(), faces, None, idp, info, pacs)


def headings(text):
    """The heading of each line that is not indented: its words before
    the first ':', '(' or run of spaces (a table row's first cell)."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line[0].isspace() or line.startswith("("):
            continue
        out.append(re.split(r":|\(| {2,}", line, 1)[0].strip())
    return out


def readme_sample():
    with open(os.path.join(paths.REPO_ROOT, "README.md"),
              encoding="utf-8") as f:
        text = f.read()
    blocks, block = [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if block is None:
                block = []
            else:
                blocks.append("\n".join(block))
                block = None
        elif block is not None:
            block.append(line)
    sample = [b for b in blocks if b.startswith("smartmed is running")]
    assert len(sample) == 1, "no sample of make run's summary in README.md"
    return sample[0]


def test_the_readme_sample_has_the_summarys_lines_in_order():
    want = headings(fake_summary())
    got = headings(readme_sample())
    assert got == want, (
        "README.md's sample of make run's summary differs from "
        "run.summary(); its headings:\n  %s\nthe summary's:\n  %s" % (
            got, want))


def test_the_headings_cover_the_summarys_parts():
    """The comparison means something: the fake summary has every part."""
    h = headings(fake_summary())
    for part in ("smartmed is running", "service", "audit", "MariaDB",
                 "ward time zone", "face keys", "PACS", "FHIR R4 facade",
                 "HL7 v2 interface", "ward console", "tokens", "more",
                 "Ctrl-C stops everything."):
        assert part in h, (part, h)
