"""make run's walk-through to a recorded dose, one list of steps that the
summary prints and that tools/dev/walkthrough.sh runs.

    tools/dev/walkthrough.sh          (make run must be running)

The steps, as a newcomer pastes them: create a patient and admit them to
the development ward, enrol the face from two photographs, chart that the
allergies were assessed (a first dose stops without it:
docs/dose-safety.md, "When a fact is missing"), upsert a sample drug,
order it, verify the face (a verification_token), record the dose with
that token, then fetch the audit inclusion proof of that administration
against the latest signed tree head and check it with auditverify.

A value one step answers and a later one needs is a placeholder in
capitals (PATIENT_ID, ORDER_ID...): each step says which field of its
reply fills which placeholder, and run_steps fills them itself.

The sample photographs are colour ones of one person from the Caltech
faces set in ../shared: two to enrol, three probes (identity refuses a
probe it has already seen, the replay check, so every verification needs
a photograph of its own) and someone else who must not match.  They are
colour because make run enforces the presentation-attack stage with
MiniFASNet when the build made it, and MiniFASNet does not judge grey
photographs such as ORL's: a grey probe is refused (docs/face-pad.md,
"The default"; without MiniFASNet the stage warns with
human-liveness-v1, which takes 42 % of grey photographs for prints).

The bedside starts from the wristband (the MRN as the scanner types it):
the face is the second identifier.  Without ../shared (and so without
photographs) the walk-through still reaches a dose the way a ward does
when the face cannot be checked: the patient states their name and date
of birth, the nurse confirms them against the wristband
(ConfirmStatedIdentifiers, a token naming wristband+stated), and the
dose is recorded with that token, not an override (docs/face.md).  A
newcomer who has photographs of their own adds the face steps by passing
them (tools/dev/walkthrough.sh --photos DIR, with face1.jpg, face2.jpg and
probe1.jpg in DIR).
"""

import base64
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

from . import paths

CALTECH = os.path.join(paths.REPO_ROOT, "..", "shared", "data", "faces",
                       "caltech_faces_easy")
# Caltech faces 1..21 are one man in front of varied backgrounds, 22 on
# is someone else.
SAMPLE_FACES = {"face1.jpg": 1, "face2.jpg": 2, "probe1.jpg": 5,
                "probe2.jpg": 7, "probe3.jpg": 9, "someone-else.jpg": 22}
PROBES = ("probe1.jpg", "probe2.jpg", "probe3.jpg")
DRUG = "PARA500"
DOSE = "500"
WARD = "ward-3"
TERMINAL = "ward3-bed7"
# The patient the walk-through registers, as they state their name and
# date of birth at the bedside.
FAMILY, GIVEN, BORN = "Doe", "Jane", "1980-02-03"


def sample_faces(rundir):
    """Copies of the sample photographs in rundir/faces, so the printed
    commands work as written.  Returns the folder, or None where
    ../shared is absent."""
    out = os.path.join(rundir, "faces")
    for name, n in SAMPLE_FACES.items():
        src = os.path.join(CALTECH, "image_%04d.jpg" % n)
        if not os.path.isfile(src):
            return None
        os.makedirs(out, exist_ok=True)
        shutil.copyfile(src, os.path.join(out, name))
    return out


def own_photos(folder):
    """A folder of the user's own photographs, or None where it lacks
    the ones the face steps name."""
    names = ("face1.jpg", "face2.jpg", PROBES[0])
    if all(os.path.isfile(os.path.join(folder, n)) for n in names):
        return os.path.realpath(folder)
    return None


def _hex(b64):
    return base64.b64decode(b64).hex()


class Step:
    """One medctl (or auditverify) line: argv with placeholders, what it
    does, and which placeholders its reply fills (name -> function of the
    parsed reply)."""

    def __init__(self, what, argv, fills=None, note=None, retry=False):
        self.what = what
        self.argv = argv
        self.fills = fills or {}
        self.note = note
        self.retry = retry


def _admin_event(records, fills):
    """The audit record of the patient's (successful) RecordAdministration:
    the walk-through's patient has one."""
    if isinstance(records, dict):
        records = [records]
    for r in records:
        ev = r.get("event", {})
        if (ev.get("action", "").endswith("/RecordAdministration")
                and ev.get("outcome", "OK") == "OK"):
            return r
    raise LookupError("no RecordAdministration event yet")


def _covering_size(reply, fills):
    """The signed head's tree_size once it covers the event (EVENT_SEQ)."""
    head = reply.get("head", {})
    if int(head.get("tree_size", 0)) < int(fills["EVENT_SEQ"]):
        raise LookupError("the signed head (size %s) does not cover the "
                          "event (seq %s) yet" % (head.get("tree_size"),
                                                  fills["EVENT_SEQ"]))
    return head["tree_size"]


def bed_of(mrn):
    """The walk-through patient's bed, of its own: identity keeps one
    patient per bed, and a second walk-through (another MRN) on the same
    stack admits its patient beside the first."""
    return "7-" + mrn[-4:]


def steps(st, photos, mrn, pubkey_hint=None):
    """The walk-through for stack st (anything with addr, token, user)
    with the photographs in photos."""
    medctl = paths.bin_path("medctl")
    auditverify = paths.bin_path("auditverify")

    def mc(svc, role, *args):
        return [medctl, "--addr", st.addr(svc), "--token", st.token(role),
                svc] + list(args)

    def pic(name):
        return "@" + os.path.join(photos, name)

    out = [
        Step("create the patient",
             mc("identity", "registrar", "create-patient", "--mrn", mrn,
                "--family-name", FAMILY, "--given-name", GIVEN,
                "--birth-date", BORN, "--sex",
                "ADMINISTRATIVE_SEX_FEMALE"),
             {"PATIENT_ID": lambda r, f: r["patient_id"]},
             note="the reply's patient_id"),
        Step("admit them to the development ward",
             mc("identity", "registrar", "admit", "--patient-id",
                "PATIENT_ID", "--encounter-class",
                "ENCOUNTER_CLASS_INPATIENT", "--ward", WARD, "--bed",
                bed_of(mrn),
                "--attending", st.user("clinician"))),
    ] + _enrol_steps(mc, pic, photos) + [
        Step("chart the allergy assessment (none known): a first dose "
             "stops until allergies are assessed",
             mc("dosage", "nurse", "set-patient-context",
                "--context.patient-id", "PATIENT_ID",
                "--context.allergies-known", "true",
                "--context.weight-kg", "70")),
        Step("the sample drug (pharmacist)",
             mc("dosage", "pharmacist", "upsert-drug", "--drug.code", DRUG,
                "--drug.name", "Paracetamol 500 mg", "--drug.unit", "mg",
                "--drug.max-single-dose", "1000", "--drug.max-daily-dose",
                "4000", "--drug.routes", "oral", "--drug.substance",
                "paracetamol", "--drug.drug-class", "analgesics")),
        Step("order it (clinician of the ward)",
             mc("dosage", "clinician", "create-order", "--order.patient-id",
                "PATIENT_ID", "--order.drug-code", DRUG, "--order.dose",
                DOSE, "--order.unit", "mg", "--order.route", "oral",
                "--order.frequency", "q6h"),
             {"ORDER_ID": lambda r, f: r["id"]}, note="the reply's id"),
    ] + _dose_steps(mc, pic, photos, mrn) + [
        Step("find the administration's audit event (repeat until it is "
             "there: events reach the log within seconds)",
             mc("audit", "auditor", "query", "--patient-id", "PATIENT_ID",
                "--limit", "100"),
             {"EVENT_ID": lambda r, f: _admin_event(r, f)["event"][
                 "event_id"],
              "EVENT_SEQ": lambda r, f: _admin_event(r, f)["seq"]},
             note="EVENT_ID and EVENT_SEQ: event_id and seq of the record "
             "whose action ends in /RecordAdministration",
             retry=True),
        Step("the latest signed tree head (repeat until its tree_size "
             "covers the event: a head is signed every second)",
             mc("audit", "auditor", "get-tree-head"),
             {"TREE_SIZE": _covering_size,
              "TIMESTAMP": lambda r, f: r["head"]["timestamp_ms"],
              "ROOT_HASH": lambda r, f: _hex(r["head"]["root_hash"]),
              "SIGNATURE": lambda r, f: _hex(r["head"]["signature"]),
              "PUBKEY": lambda r, f: _hex(r["public_key"])},
             note="head.tree_size, head.timestamp_ms; ROOT_HASH, SIGNATURE "
             "and PUBKEY: head.root_hash, head.signature and public_key as "
             "hex (echo B64 | base64 -d | od -An -tx1 | tr -d ' \\n')",
             retry=True),
        Step("check the head's signature (an outside auditor compares "
             "PUBKEY with a copy kept apart from the service; prints OK)",
             [auditverify, "sth", "--pubkey", "PUBKEY", "--size",
              "TREE_SIZE", "--timestamp", "TIMESTAMP", "--root",
              "ROOT_HASH", "--sig", "SIGNATURE"]),
        Step("the inclusion proof of the event in that head",
             mc("audit", "auditor", "inclusion-proof", "--event-id",
                "EVENT_ID", "--tree-size", "TREE_SIZE"),
             {"LEAF_INDEX": lambda r, f: r.get("leaf_index", "0"),
              "LEAF_HASH": lambda r, f: _hex(r["leaf_hash"]),
              "AUDIT_PATH": lambda r, f: ",".join(
                  _hex(p) for p in r.get("audit_path", []))},
             note="leaf_index; LEAF_HASH and AUDIT_PATH: leaf_hash and "
             "audit_path as hex, the path's hashes joined with commas",
             retry=True),
        Step("check the proof against the signed root (prints OK)",
             [auditverify, "inclusion", "--index", "LEAF_INDEX", "--size",
              "TREE_SIZE", "--leaf", "LEAF_HASH", "--root", "ROOT_HASH",
              "--path", "AUDIT_PATH"]),
    ]
    if photos and os.path.isfile(os.path.join(photos, "someone-else.jpg")):
        out.append(Step("someone else's face must not match",
                        mc("identity", "nurse", "verify-face",
                           "--patient-id", "PATIENT_ID", "--image",
                           pic("someone-else.jpg"), "--terminal",
                           TERMINAL)))
    return out


def _enrol_steps(mc, pic, photos):
    if not photos:
        return []
    return [Step("enrol the face from two photographs",
                 mc("identity", "registrar", "enroll-face", "--patient-id",
                    "PATIENT_ID", "--images", pic("face1.jpg"), "--images",
                    pic("face2.jpg")))]


def _dose_steps(mc, pic, photos, mrn):
    """The bedside: the wristband (MRN) scanned, the face verified, and the
    dose recorded with its token; without photographs the ward's stated
    check (name and date of birth against the wristband) gives the
    token instead."""
    record = Step("record the dose with that token",
                  mc("dosage", "nurse", "record-administration",
                     "--order-id", "ORDER_ID", "--dose", DOSE, "--unit",
                     "mg", "--verification-token", "VERIFICATION_TOKEN"),
                  {"ADMIN_ID": lambda r, f: r["id"]},
                  note="the reply's id (identity verified)")
    if not photos:
        return [Step("no photographs (the face steps need ../shared or "
                     "--photos): the patient states name and date of "
                     "birth, confirmed against the wristband scanned",
                     mc("identity", "nurse", "confirm-stated-identifiers",
                        "--wristband", mrn, "--family-name", FAMILY,
                        "--given-name", GIVEN, "--birth-date", BORN,
                        "--terminal", TERMINAL, "--after-face",
                        "not-possible"),
                     {"VERIFICATION_TOKEN":
                      lambda r, f: r["verification_token"]},
                     note="the reply's verification_token (confirmed "
                     "true, identifiers_checked wristband+stated)"),
                record]
    return [
        Step("scan the wristband and verify the face at the bedside "
             "(nurse): a token",
             mc("identity", "nurse", "verify-face", "--patient-id",
                "PATIENT_ID", "--image", pic(PROBES[0]), "--terminal",
                TERMINAL, "--wristband", mrn),
             {"VERIFICATION_TOKEN": lambda r, f: r["verification_token"]},
             note="the reply's verification_token (match true, "
             "identifiers_checked wristband+face, pad_decision "
             "PAD_DECISION_BONA_FIDE); on NO_MATCH or RETAKE the nurse "
             "goes on to confirm-stated-identifiers, as without "
             "photographs; each later verification needs a photograph of "
             "its own: probe2.jpg, probe3.jpg"),
        record]


def _line(argv):
    return " ".join(shlex.quote(a) if a else "''" for a in argv)


def printed_lines(st, photos, mrn):
    """The summary's walk-through lines."""
    lines = []
    for n, s in enumerate(steps(st, photos, mrn), 1):
        lines.append("  # %d. %s" % (n, s.what))
        lines.append("  " + _line(s.argv))
        if s.fills:
            lines.append("  #    -> %s: %s" % (", ".join(s.fills), s.note))
    return lines


def _parse(out):
    out = out.strip()
    if not out:
        return {}
    if not out.startswith(("{", "[")):
        return {"text": out}  # auditverify's verdict
    # A stream prints one object after another.
    dec, objs, i = json.JSONDecoder(), [], 0
    while i < len(out):
        obj, i = dec.raw_decode(out, i)
        objs.append(obj)
        while i < len(out) and out[i].isspace():
            i += 1
    return objs[0] if len(objs) == 1 and not out.startswith("[") and \
        isinstance(objs[0], dict) and "seq" not in objs[0] else objs


class StepError(Exception):
    pass


def run_steps(st, photos, mrn, env=None, echo=None, wait_s=60.0):
    """Runs the steps in order with their placeholders filled; returns
    ({placeholder: value}, [parsed replies]).  echo(text) sees each line
    as run.  Raises StepError naming the step that failed."""
    fills, replies = {}, []
    e = dict(os.environ)
    e.pop("MED_TOKEN", None)
    e.update(env or {})
    for n, s in enumerate(steps(st, photos, mrn), 1):
        argv = [fills.get(a, a) for a in s.argv]
        if echo:
            echo("# %d. %s\n%s" % (n, s.what, _line(argv)))
        deadline = time.monotonic() + wait_s
        while True:
            r = subprocess.run(argv, env=e, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120)
            text = r.stdout.decode("utf-8", "replace")
            err = r.stderr.decode("utf-8", "replace")
            try:
                if r.returncode != 0:
                    raise StepError("exit %d: %s%s" % (r.returncode, text,
                                                       err))
                reply = _parse(text)
                got = {k: str(f(reply, fills)) for k, f in s.fills.items()}
                break
            except (StepError, LookupError, KeyError, ValueError) as x:
                if not s.retry or time.monotonic() > deadline:
                    raise StepError("step %d (%s) failed: %s\n%s" % (
                        n, s.what, x, _line(argv)))
                time.sleep(0.5)
        fills.update(got)
        replies.append(reply)
        if echo:
            echo(text.strip() or "(done)")
    return fills, replies


class _RunStack:
    """make run's stack as the printed lines see it: the fixed ports and
    build/run's tokens."""

    def __init__(self, rundir, addrs):
        from . import run
        self.rundir = rundir
        self.addrs = {s: "127.0.0.1:%d" % p for s, p in run.GRPC_PORTS.items()}
        self.addrs.update(addrs)
        self.tokens, self.users = {}, {}
        with open(os.path.join(rundir, "tokens")) as f:
            for line in f:
                parts = line.split()
                if line.startswith("#") or len(parts) < 3:
                    continue
                self.tokens.setdefault(parts[2], parts[0])
                self.users.setdefault(parts[2], parts[1])

    def addr(self, svc):
        return self.addrs[svc]

    def token(self, role):
        return self.tokens[role]

    def user(self, role):
        return self.users[role]


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(
        prog="walkthrough.sh", description="make run's walk-through, end "
        "to end, against a running stack")
    ap.add_argument("--rundir", default=os.path.join(paths.build_dir(),
                                                     "run"),
                    help="the stack's state folder (tokens, pki/; "
                    "default build/run)")
    ap.add_argument("--addr", action="append", default=[],
                    metavar="SERVICE=HOST:PORT",
                    help="a service's gRPC address other than make run's")
    ap.add_argument("--photos", metavar="DIR",
                    help="photographs of one person of your own: "
                    "face1.jpg and face2.jpg to enrol, probe1.jpg to "
                    "verify (default: the Caltech samples in ../shared, "
                    "or no face steps where it is absent)")
    args = ap.parse_args(argv)
    rundir = os.path.realpath(args.rundir)
    if not os.path.exists(os.path.join(rundir, "tokens")):
        print("walkthrough: no %s/tokens: start `make run` first" % rundir,
              file=sys.stderr)
        return 2
    photos = own_photos(args.photos) if args.photos else \
        sample_faces(rundir)
    if args.photos and photos is None:
        print("walkthrough: --photos %s needs face1.jpg, face2.jpg and "
              "probe1.jpg" % args.photos, file=sys.stderr)
        return 2
    if photos is None:
        print("walkthrough: no sample photographs (../shared is absent at "
              "%s): the face steps are left out and the dose is recorded "
              "with the patient identified by wristband" % CALTECH,
              flush=True)
    st = _RunStack(rundir, dict(a.split("=", 1) for a in args.addr))
    pki = os.path.join(rundir, "pki")
    env = {"MED_TLS_CA": os.path.join(pki, "ca.pem"),
           "MED_TLS_CERT": os.path.join(pki, "operator.pem"),
           "MED_TLS_KEY": os.path.join(pki, "operator.key")}
    mrn = "MRN-%d" % (int(time.time()) % 1000000)
    try:
        fills, _ = run_steps(st, photos, mrn, env=env,
                             echo=lambda t: print(t, flush=True))
    except StepError as x:
        print("walkthrough: %s" % x, file=sys.stderr)
        return 1
    print("walkthrough: dose %s recorded for patient %s, its audit event "
          "%s proven in the signed tree of size %s" % (
              fills["ADMIN_ID"], fills["PATIENT_ID"], fills["EVENT_ID"],
              fills["TREE_SIZE"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
