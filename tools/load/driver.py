#!/usr/bin/python3
"""Open-loop load driver for the ward-day model (issue 54, first step).

    PYTHONPATH=tests /usr/bin/python3 tools/load/driver.py \
        [--model tools/load/ward_day.json] [--beds 20] [--speed 360] \
        [--start 06:00] [--duration 60] [--seed 1] [--json out.json] \
        [--against harness|run|kube [--chart-set KEY.PATH=VALUE ...]]

Starts a private stack with the test harness (MariaDB and audit, identity,
records and dosage on mutual TLS, patient and care checks on as in make
run, the HL7 interface with MLLP over TLS, each sending system presenting
a client certificate bound to its message type, the FHIR facade over
HTTPS), or
drives the stack make run is running (--against run), or plays the Helm
chart's pods with podman kube play (--against kube; docs/sizing.md),
admits --beds patients to one
ward, each with a q6h order, a PRN flush and an enrolled face (ORL), and
then replays the model: the arrivals of each operation are drawn
beforehand as a Poisson process from the model's rate at the simulated
clock (--start, advancing --speed seconds of the day per second), and each
call is sent at its scheduled time whatever the earlier ones did (a pool
of threads, never waiting for replies).  Latency runs from the scheduled
time, not from when a thread got to it, so a system that falls behind
shows it in the figures (no coordinated omission).  Every gRPC call
carries a bearer token of its role over mutual TLS; admissions (ADT^A01),
discharges (ADT^A03) and lab results (ORU^R01) go over MLLP (--no-hl7:
over gRPC), each
sending system (the PAS's ADT, the laboratory's results) on one
connection it keeps open and sends on one message at a time, as an
interface engine does (the listener keeps one connection per sender); a
bedside monitor's readings are POSTed to the FHIR
facade as R4 Observations over a device gateway's pool of FHIR_CONNS
kept-alive HTTPS connections, as a device gateway sends them.  At the end
it prints, per operation, the calls sent, answered OK and failed (by
status), p50/p95/p99/max latency and the throughput, how many calls left
late, the calls the system refused as overloaded (gRPC
RESOURCE_EXHAUSTED with its retry hint, grpc-retry-pushback-ms; the
facade's 429 or 503 with Retry-After: counted apart, neither OK nor
failed, and never to have written anything), and the rows each kind of
write made against the calls answered (lost and doubled writes).

A discharge ends the oldest stay the run opened (one of its admissions,
or a stay opened for it before the timed calls), never a ward bed's, so
that a run longer than the beds' stays does not empty the ward.
Operations that cannot be driven (the three face operations where the
photographs are absent) are listed with their modelled rate.  The exit
status is 1 if any call failed or a write was lost or doubled, 2 if the
model file is refused (docs/sizing.md).
"""

import argparse
import collections
import concurrent.futures
import http.client
import json
import os
import ssl
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests"))

import grpc  # noqa: E402

import model as load_model  # noqa: E402
from harness import Stack, StackError, protos  # noqa: E402
from harness.faces import CALTECH, ORL, FaceKeys  # noqa: E402

WARD = "ward-load"
SERVICES = ("audit", "identity", "records", "dosage")
LATE_S = 0.010
# A bedside visit verifies the patient's face again when the bed's last
# verification token is older than this (identity's tokens live 120 s by
# default, MED_IDENTITY_TOKEN_TTL_S).
TOKEN_REUSE_S = 60.0
# The device gateway's connections to the FHIR facade: fewer than the
# facade allows one client address (MED_FHIR_MAX_CONNS_PER_CLIENT, 32),
# which refuses the next at accept.  One per driver thread, as before
# 2026-11-26, went past it when 64 threads held one each (64,000 beds).
FHIR_CONNS = 16
# ORL subjects: bed i is subject i % 40 + 1; images 1-3 enrol, 5 verifies.
ORL_SUBJECTS = 40


def orl_png(subject, n):
    """ORL photograph n of subject as PNG bytes (harness.faces.orl_png
    without pytest)."""
    import cv2
    img = cv2.imread(os.path.join(ORL, "s%d" % subject, "%d.pgm" % n),
                     cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise RuntimeError("ORL photograph s%d/%d.pgm missing" % (subject, n))
    return cv2.imencode(".png", img)[1].tobytes()


# Who is who in Caltech's colour photographs (the team's labels).
CALTECH_PEOPLE = os.path.join(REPO, "tools", "facecal",
                              "caltech_faces_easy.people.csv")


class FaceSet:
    """The photographs the beds' faces come from.  "orl": ORL's grey
    photographs, 40 people (the private stack's default: its identity
    runs no presentation-attack check); "caltech": Caltech's colour
    photographs, the 26 people with 5 or more (make run enforces the
    check, which refuses a grey photograph).  subjects: [[photograph
    reader, ...] per person], photographs 1-3 enrolled, 5 on verifying."""

    def __init__(self, kind):
        self.kind = kind
        self.subjects = []
        if kind == "orl" and os.path.isdir(ORL):
            self.subjects = [[(lambda s=s, n=n: orl_png(s, n))
                              for n in range(1, 11)]
                             for s in range(1, ORL_SUBJECTS + 1)]
        elif kind == "caltech" and os.path.isdir(CALTECH):
            self.subjects = [[(lambda f=f: _read(f)) for f in files]
                             for files in caltech_people() if len(files) >= 5]

    @property
    def where(self):
        return ORL if self.kind == "orl" else CALTECH


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def caltech_people():
    """[[path, ...] per person] of Caltech's labelled photographs, people
    and photographs in name order (the labels read as the calibration
    tool reads them, tools/facecal/calibrate.py)."""
    sys.path.insert(0, os.path.join(REPO, "tools", "facecal"))
    import calibrate
    found = calibrate.labelled(CALTECH, CALTECH_PEOPLE)
    return [sorted(found[p]) for p in sorted(found)]


def faces_available(kind="orl"):
    return bool(FaceSet(kind).subjects)


class Ward:
    """The stack, its stubs and the ward's patients the operations use."""

    def __init__(self, st, beds, seed, ward=None, faces="orl"):
        import random
        self.st = st
        # The ward the beds are on: the one the stack's nurse and
        # clinician work on (their tokens' units).
        self.ward = ward or WARD
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.pb = {s: protos.module(s) for s in SERVICES}
        self._stubs = {}
        self.beds = []  # [(patient_id, encounter_id, order_id, prn_id)]
        self.mrns = []  # the beds' MRNs, in the same order
        self.hl7 = bool(st.hl7)
        # MLLP over TLS, each sender with its own certificate, unless the
        # stack's listener is on a trusted network (make run's).
        from harness import hl7
        self.hl7_tls = self.hl7 and hl7.over_tls(st)
        if self.hl7_tls:
            st.make_identities(*HL7_SENDERS.values())
        self.face_set = FaceSet(faces)
        self.faces = bool(self.face_set.subjects)
        self.photo = {}    # bed index -> verification photograph
        self.tokens = {}   # bed index -> (token, monotonic time)
        self.bad_subjects = set()
        # The stays the run may end ((MRN, encounter id or None when it
        # was opened over HL7), oldest first): the run's admissions and
        # those admitted for its discharges (ready_to_discharge), never
        # the ward's beds, so that a short run's ward does not empty.
        self.leaving = collections.deque()
        # The MLLP connection each sending system keeps ({MSH-3: [lock,
        # connection or None]}): opened on first use and again after a
        # failure; its messages go one at a time.
        self._mllp = {s: [threading.Lock(), None] for s in HL7_SENDERS}
        # The device gateway's kept-alive HTTPS connections to the facade
        # (idle ones, newest last) and the slots that bound them.
        self._https_idle = []
        self._https_slots = threading.BoundedSemaphore(FHIR_CONNS)
        self._setup(beds)
        # The rows the writes are counted from (count_writes): what the
        # database held once the ward was set up, so that a database with
        # rows of its own (make run's) counts only this run's.
        self.rows_at_start = write_rows(st)

    def stub(self, svc, method):
        key = (svc, method)
        if key not in self._stubs:
            path, _req, resp, streaming = protos.method(svc, method)
            ch = self.st.channel(svc)
            make = ch.unary_stream if streaming else ch.unary_unary
            self._stubs[key] = (make(
                path, request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=resp.FromString), streaming)
        return self._stubs[key]

    def call(self, svc, method, req, role, timeout=30.0):
        stub, streaming = self.stub(svc, method)
        md = self.st.metadata(role, request_id=str(uuid.uuid4()))
        if streaming:
            return list(stub(req, metadata=md, timeout=timeout))
        return stub(req, metadata=md, timeout=timeout)

    def pick(self):
        with self.rng_lock:
            return self.rng.choice(self.beds)

    def pick_index(self):
        with self.rng_lock:
            return self.rng.randrange(len(self.beds))

    def verify(self, i):
        """VerifyFace of bed i's patient; the token (also kept)."""
        ipb = self.pb["identity"]
        v = self.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
            patient_id=self.beds[i][0], image=self.photo[i],
            terminal="load-bed%d" % (i + 1),
            wristband=self.beds[i][0]), "nurse")
        if not v.match:
            raise RuntimeError("bed %d's face did not match (score %.3f, "
                               "threshold %.3f, copy %s, advice %r)" % (
                                   i + 1, v.score, v.threshold,
                                   v.copy_suspected, v.advice))
        with self.rng_lock:
            self.tokens[i] = (v.verification_token, time.monotonic())
        return v.verification_token

    def fresh_token(self, i):
        with self.rng_lock:
            tok = self.tokens.get(i)
        if tok and time.monotonic() - tok[1] < TOKEN_REUSE_S:
            return tok[0]
        return None

    def ready_to_discharge(self, plan):
        """Admit, over gRPC and before plan's calls are timed, as many
        patients as plan's discharges need beyond the stays already open
        for them.  Their rows are the set-up's: the admissions' count of
        written patients leaves them out (count_writes).  Returns how
        many it opened."""
        need = sum(1 for _t, op in plan if op == "discharge")
        with self.rng_lock:
            short = max(0, need - len(self.leaving))
        for _ in range(short):
            mrn = new_mrn()
            enc = self.admit(self.new_patient(mrn), overflow_bed(mrn))
            self.stay_opened(mrn, enc)
            self.rows_at_start["identity patients"] += 1
        return short

    def stay_opened(self, mrn, encounter_id):
        with self.rng_lock:
            self.leaving.append((mrn, encounter_id))

    def next_leaving(self):
        """(MRN, encounter id or None) of the oldest stay the run may
        end; RuntimeError when none is open (ready_to_discharge was not
        called for the plan)."""
        with self.rng_lock:
            if not self.leaving:
                raise RuntimeError("no stay of this run is open to "
                                   "discharge")
            return self.leaving.popleft()

    def new_patient(self, mrn=None):
        ipb = self.pb["identity"]
        return self.call("identity", "CreatePatient", ipb.CreatePatientRequest(
            mrn=mrn or new_mrn(), family_name="Load",
            given_name="Bed", birth_date="1950-01-01",
            sex=ipb.ADMINISTRATIVE_SEX_FEMALE), "registrar").patient_id

    def mllp(self, sender, msg):
        """Send one HL7 message of sender (an HL7_SENDERS key) on its kept
        MLLP connection, after the sender's earlier message (the wait is
        part of its latency); its ACK must be AA (RuntimeError with the
        ACK otherwise).  A connection the listener closed while it sat
        idle is opened again and the message sent once more: a resend of
        a control id is answered from the store (services/hl7/process.c),
        never applied twice."""
        from harness import hl7
        slot = self._mllp[sender]
        with slot[0]:
            try:
                try:
                    if slot[1] is None:
                        slot[1] = self._mllp_open(sender)
                    ack = slot[1].send(msg)
                except (ConnectionError, OSError):
                    if slot[1] is not None:
                        slot[1].close()
                    slot[1] = self._mllp_open(sender)
                    ack = slot[1].send(msg)
            except BaseException:
                if slot[1] is not None:
                    slot[1].close()
                slot[1] = None
                raise
        msa = hl7.ack_fields(ack).get("MSA", [])
        if len(msa) < 2 or msa[1] != "AA":
            raise RuntimeError("ACK %s" % ack.replace("\r", " | "))

    def _mllp_open(self, sender):
        from harness import hl7
        return hl7.Mllp(self.st, timeout=30.0, tls_identity=(
            HL7_SENDERS[sender] if self.hl7_tls else None))

    def close(self):
        """Close the kept MLLP and HTTPS connections."""
        for lock, conn in self._mllp.values():
            with lock:
                if conn is not None:
                    conn.close()
        while self._https_idle:
            self._https_idle.pop().close()

    def fhir_post(self, type_, resource, role):
        """POST resource to the FHIR facade as role on one of the
        gateway's FHIR_CONNS kept-alive HTTPS connections (waiting for
        one while all are busy, as a gateway's pool does; opened again
        once if the facade closed it); the status and the JSON reply."""
        with self._https_slots:
            conn = self._https_idle.pop() if self._https_idle else None
            try:
                conn, status, got = self._fhir_send(conn, type_, resource,
                                                    role)
            except BaseException:
                conn = None
                raise
            finally:
                if conn is not None:
                    self._https_idle.append(conn)
        return status, got

    def _fhir_send(self, conn, type_, resource, role):
        """(conn, status, JSON reply) of one POST on conn (None: a new
        connection); conn is closed and a new one opened once when the
        facade had closed it.  Any failure closes conn."""
        body = json.dumps(resource).encode()
        headers = {"Authorization": "Bearer " + self.st.token(role),
                   "Content-Type": "application/fhir+json",
                   "Accept": "application/fhir+json"}
        path = self.st.fhir_url().split("/", 3)[3]
        for attempt in (0, 1):
            if conn is None:
                ctx = ssl.create_default_context(cafile=self.st.ca_path)
                conn = http.client.HTTPSConnection(
                    "localhost", self.st.services["fhir"].grpc_port,
                    context=ctx, timeout=30.0)
            try:
                conn.request("POST", "/%s/%s" % (path, type_), body,
                             headers)
                reply = conn.getresponse()
                got = reply.read()
            except (http.client.RemoteDisconnected, ConnectionError,
                    ssl.SSLEOFError, ssl.SSLZeroReturnError):
                # The facade closed the kept-alive connection while it was
                # idle (MED_FHIR_IDLE_TIMEOUT_S); over TLS that shows as an
                # EOF in the protocol (seen at 24,000 beds, 2026-11-26) or
                # as its close_notify.
                conn.close()
                conn = None
                if attempt:
                    raise
                continue
            except BaseException:
                # Any other failure leaves the connection in a state no
                # later request can use (http.client's CannotSendRequest).
                conn.close()
                raise
            if reply.status in (429, 503) and reply.getheader("Retry-After"):
                conn.close()
                raise Refused("%d, Retry-After %s: %s" % (
                    reply.status, reply.getheader("Retry-After"),
                    got[:200].decode("utf-8", "replace")))
            return conn, reply.status, json.loads(got or b"{}")
        raise AssertionError("unreachable")

    def admit(self, pid, bed):
        ipb = self.pb["identity"]
        return self.call("identity", "Admit", ipb.AdmitRequest(
            patient_id=pid, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
            ward=self.ward, bed=bed, attending="dr.load",
            reason="load model"),
            "registrar").encounter_id

    def _setup(self, beds):
        d = self.pb["dosage"]
        code = "LOAD-PARA-" + uuid.uuid4().hex[:6].upper()
        self.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
            code=code, name="Paracetamol 500 mg tablet", unit="mg",
            max_single_dose=1000.0, max_daily_dose=4000.0, routes=["oral"],
            substance="paracetamol", min_interval_minutes=240)),
            "pharmacist")
        # The doses the run gives: a flush, given as often as the model
        # says without meeting a daily limit or a minimum interval (the
        # load is about the path, not the dose rules).
        flush = "LOAD-FLUSH-" + uuid.uuid4().hex[:6].upper()
        self.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
            code=flush, name="Sodium chloride 0.9 % flush", unit="mL",
            max_single_dose=10.0, max_daily_dose=1000000.0,
            routes=["iv"])), "pharmacist")
        start = int(time.time() * 1000) - 3600 * 1000
        for i in range(beds):
            mrn = new_mrn()
            self.mrns.append(mrn)
            pid = self.new_patient(mrn)
            enc = self.admit(pid, ward_bed(mrn, i))
            self.call("dosage", "SetPatientContext",
                      d.SetPatientContextRequest(context=d.PatientContext(
                          patient_id=pid, allergies_known=True)), "nurse")
            order = self.call("dosage", "CreateOrder", d.CreateOrderRequest(
                order=d.Order(patient_id=pid, drug_code=code, dose=1000.0,
                              unit="mg", route="oral", frequency="q6h",
                              start_ms=start)), "clinician")
            prn = self.call("dosage", "CreateOrder", d.CreateOrderRequest(
                order=d.Order(patient_id=pid, drug_code=flush, dose=10.0,
                              unit="mL", route="iv", frequency="prn",
                              start_ms=start)), "clinician")
            self.beds.append((pid, enc, order.id, prn.id))
            if self.faces:
                self._enrol(i, pid)
        if self.faces:
            print("faces: %d beds enrolled and verified once (%s)"
                  % (len(self.photo), self.face_set.kind))

    def _enrol(self, i, pid):
        """Enrol bed i's patient with photographs 1-3 of a person of the
        face set and find a photograph (5 on) that verifies; a person
        whose photographs the detector or matcher refuses is passed
        over."""
        ipb = self.pb["identity"]
        people = self.face_set.subjects
        for k in range(len(people)):
            subject = (i + k) % len(people)
            if subject in self.bad_subjects:
                continue
            photos = people[subject]
            try:
                self.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
                    patient_id=pid, images=[p() for p in photos[:3]]),
                    "nurse", timeout=120)
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
                    raise
                self.bad_subjects.add(subject)
                continue
            for p in photos[4:10]:
                self.photo[i] = p()
                try:
                    self.verify(i)
                    return
                except (RuntimeError, grpc.RpcError):
                    pass
            raise RuntimeError("no photograph of %s person %d verifies "
                               "against its enrolment" % (
                                   self.face_set.kind, subject + 1))
        raise RuntimeError("no %s person could be enrolled"
                           % self.face_set.kind)


def new_mrn():
    return "LOAD-" + uuid.uuid4().hex[:12].upper()


# The sending systems (MSH-3) of the driven HL7 feeds, admissions and
# discharges from the patient administration system, results from the
# laboratory's, and the name of the client certificate each presents over
# TLS: {MSH-3: certificate CN}.  The private stack binds each to its
# message type as production should (MED_HL7_SENDERS, docs/hl7.md).
HL7_SENDERS = {"LOADPAS": "pas-engine", "LOADLIS": "lab-engine"}
HL7_BINDINGS = "pas-engine=LOADPAS@HOSP:ADT;lab-engine=LOADLIS@HOSP:ORU"


def hl7_message(sender, kind, body):
    """An HL7 v2.5.1 message from sender (MSH-3), segments joined;
    {now} in a segment is the time to the millisecond: a discharge sent
    within the second of its admission is not before it."""
    t = time.time()
    now = "%s.%03d" % (time.strftime("%Y%m%d%H%M%S", time.gmtime(t)),
                       int(t * 1000) % 1000)
    msh = ("MSH|^~\\&|%s|HOSP|SMARTMED|HOSP|%s||%s|%s|P|2.5.1"
           % (sender, now, kind, uuid.uuid4().hex[:20].upper()))
    return "\r".join([msh] + [seg.replace("{now}", now) for seg in body])


# --- the operations: each makes the calls of one arrival ---------------------

def op_dose_given(w):
    """A dose at the bedside: the patient's face verified (again when the
    bed's token is older than TOKEN_REUSE_S), then RecordAdministration
    with the token; the latency is the two together, as the issue's
    budget counts them."""
    d = w.pb["dosage"]
    i = w.pick_index()
    token = w.fresh_token(i) or w.verify(i)
    w.call("dosage", "RecordAdministration", d.RecordAdministrationRequest(
        order_id=w.beds[i][3], dose=10.0, unit="mL",
        verification_token=token), "nurse")


def op_face_verify(w):
    w.verify(w.pick_index())


def op_face_identify(w):
    """1:N at registration: a bed's photograph against the gallery of
    every enrolled patient (registration looks up the whole hospital)."""
    ipb = w.pb["identity"]
    w.call("identity", "IdentifyFace", ipb.IdentifyFaceRequest(
        image=w.photo[w.pick_index()], top_k=5), "registrar")


def op_dose_check(w):
    d = w.pb["dosage"]
    _pid, _enc, order, _prn = w.pick()
    w.call("dosage", "CheckDose", d.CheckDoseRequest(order_id=order), "nurse")


def op_mar_read(w):
    d = w.pb["dosage"]
    w.call("dosage", "GetMar", d.GetMarRequest(patient_id=w.pick()[0]),
           "nurse")


def op_due_list(w):
    d = w.pb["dosage"]
    w.call("dosage", "ListDue", d.ListDueRequest(patient_id=w.pick()[0]),
           "nurse")


def ward_bed(mrn, i):
    """Bed i of a run's ward: numbered, and labelled with its first
    patient's MRN, so that a second run on a used database (an attached
    stack) finds its beds free (identity keeps one patient per bed)."""
    return "%d-%s" % (i + 1, mrn.split("-", 1)[1][:6])


def overflow_bed(mrn):
    """The overflow bed of mrn's stay: one of its own, since identity keeps
    one patient per bed (as PV1-3 overflow^{mrn's hex} reaches it)."""
    return "overflow-" + mrn.split("-", 1)[1]


def adt_segments(ward, event, mrn):
    """EVN, PID and PV1 of an ADT event of mrn's stay on ward's overflow
    bed."""
    return ["EVN|%s|{now}" % event,
            "PID|1||%s^^^HOSP^MR||Load^Bed||19500101|F" % mrn,
            "PV1|1|I|%s^overflow^%s^HOSP||||dr.load^Load^Dr" % (
                ward, mrn.split("-", 1)[1])]


def op_admission(w):
    """Registration and admission: ADT^A01 over MLLP (a new patient
    registered on the way), or its gRPC calls without --hl7.  The stay
    is one a later discharge may end."""
    mrn = new_mrn()
    if w.hl7:
        w.mllp("LOADPAS", hl7_message("LOADPAS", "ADT^A01^ADT_A01",
                                      adt_segments(w.ward, "A01", mrn)))
        w.stay_opened(mrn, None)
        return
    w.stay_opened(mrn, w.admit(w.new_patient(mrn), overflow_bed(mrn)))


def op_discharge(w):
    """A discharge home: ADT^A03 over MLLP, or identity Discharge
    without --hl7, of the oldest stay the run opened (Ward.leaving)."""
    mrn, enc = w.next_leaving()
    if w.hl7:
        w.mllp("LOADPAS", hl7_message("LOADPAS", "ADT^A03^ADT_A03",
                                      adt_segments(w.ward, "A03", mrn)))
        return
    ipb = w.pb["identity"]
    w.call("identity", "Discharge", ipb.DischargeRequest(
        encounter_id=enc, reason="load model: discharged home"),
        "registrar")


def op_transfer(w):
    ipb = w.pb["identity"]
    _pid, enc, _order, _prn = w.pick()
    # A free bed: identity refuses a move into an occupied one.
    bed = "move-" + uuid.uuid4().hex[:8]
    w.call("identity", "Transfer", ipb.TransferRequest(
        encounter_id=enc, ward=w.ward, bed=bed, reason="bed move"),
        "registrar")


def op_lab_result(w):
    """A potassium result: ORU^R01 over MLLP, or CreateEntry without
    --hl7."""
    r = w.pb["records"]
    with w.rng_lock:
        k = round(w.rng.uniform(3.4, 5.2), 1)
    if w.hl7:
        i = w.pick_index()
        w.mllp("LOADLIS", hl7_message("LOADLIS", "ORU^R01^ORU_R01", [
            "PID|1||%s^^^HOSP^MR" % w.mrns[i],
            "OBR|1|||2823-3^Potassium^LN|||{now}",
            "OBX|1|NM|2823-3^Potassium^LN||%.1f|mmol/L|3.5-5.1||||F|||{now}"
            % k]))
        return
    w.call("records", "CreateEntry", r.CreateEntryRequest(
        patient_id=w.pick()[0], kind=r.ENTRY_KIND_OBSERVATION,
        title="Potassium", observation=r.Observation(
            loinc_code="2823-3", display="Potassium", numeric=k,
            ucum_unit="mmol/L")), "nurse")


def op_vital_signs(w):
    r = w.pb["records"]
    with w.rng_lock:
        hr = float(w.rng.randint(55, 110))
    w.call("records", "CreateEntry", r.CreateEntryRequest(
        patient_id=w.pick()[0], kind=r.ENTRY_KIND_VITAL_SIGNS,
        title="Observations", vital_signs=r.VitalSigns(
            heart_rate=r.Quantity(value=hr, unit="/min"),
            systolic_bp=r.Quantity(value=124.0, unit="mm[Hg]"),
            diastolic_bp=r.Quantity(value=78.0, unit="mm[Hg]"),
            body_temperature=r.Quantity(value=36.9, unit="Cel"),
            respiratory_rate=r.Quantity(value=16.0, unit="/min"),
            oxygen_saturation=r.Quantity(value=97.0, unit="%"))), "nurse")


def op_device_reading(w):
    """A bedside monitor's heart rate, as a device gateway sends it: an R4
    Observation POSTed to the FHIR facade (to records), 201 expected.
    Its identifier is new each time, so each reading is one entry."""
    with w.rng_lock:
        hr = w.rng.randint(55, 110)
    obs = {
        "resourceType": "Observation", "status": "final",
        "identifier": [{"system": "urn:smartmed:load:monitor",
                        "value": uuid.uuid4().hex}],
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/"
                      "observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org",
                             "code": "8867-4", "display": "Heart rate"}]},
        "subject": {"reference": "Patient/" + w.pick()[0]},
        "effectiveDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                           time.gmtime()),
        "valueQuantity": {"value": hr, "unit": "/min",
                          "system": "http://unitsofmeasure.org",
                          "code": "/min"},
        "device": {"reference": "Device/load-monitor"},
    }
    status, body = w.fhir_post("Observation", obs, "nurse")
    if status != 201:
        raise RuntimeError("POST Observation answered %d: %s" % (
            status, json.dumps(body)[:300]))


def op_note(w):
    r = w.pb["records"]
    w.call("records", "CreateEntry", r.CreateEntryRequest(
        patient_id=w.pick()[0], kind=r.ENTRY_KIND_NOTE, title="Shift note",
        body="Comfortable, observations stable, eating and drinking."),
        "nurse")


def op_chart_read(w):
    r = w.pb["records"]
    w.call("records", "ListEntries", r.ListEntriesRequest(
        patient_id=w.pick()[0]), "clinician")


def op_patient_read(w):
    ipb = w.pb["identity"]
    w.call("identity", "GetPatient", ipb.GetPatientRequest(
        patient_id=w.pick()[0]), "clinician")


def op_audit_query(w):
    a = w.pb["audit"]
    w.call("audit", "Query", a.QueryRequest(patient_id=w.pick()[0],
                                            limit=100), "auditor")


# {operation: (what it calls, function)}: every operation of the model.
DRIVEN = {
    "dose_given": ("[VerifyFace+]RecordAdministration", op_dose_given),
    "face_verify": ("identity VerifyFace", op_face_verify),
    "face_identify": ("identity IdentifyFace", op_face_identify),
    "dose_check": ("dosage CheckDose", op_dose_check),
    "mar_read": ("dosage GetMar", op_mar_read),
    "due_list": ("dosage ListDue", op_due_list),
    "admission": ("ADT^A01 over MLLP", op_admission),
    "discharge": ("ADT^A03 over MLLP", op_discharge),
    "transfer": ("identity Transfer", op_transfer),
    "lab_result": ("ORU^R01 over MLLP", op_lab_result),
    "vital_signs": ("records CreateEntry VITAL_SIGNS", op_vital_signs),
    "device_reading": ("FHIR POST Observation (monitor)", op_device_reading),
    "note": ("records CreateEntry NOTE", op_note),
    "chart_read": ("records ListEntries", op_chart_read),
    "patient_read": ("identity GetPatient", op_patient_read),
    "audit_query": ("audit Query", op_audit_query),
}
# Driven only where the ORL photographs are (../shared/data/faces/orl).
FACE_OPS = ("dose_given", "face_verify", "face_identify")


# --- the writes, counted ----------------------------------------------------

# (what, the rows' count, the operations whose OK calls each write one).
WRITES = (
    ("records entries", "SELECT COUNT(*) FROM smartmed_records.entries "
     "WHERE version = 1", ("note", "vital_signs", "lab_result",
                            "device_reading")),
    ("dosage administrations", "SELECT COUNT(*) FROM "
     "smartmed_dosage.administrations", ("dose_given",)),
    ("identity patients", "SELECT COUNT(*) FROM smartmed_identity.patients",
     ("admission",)),
    ("identity discharges", "SELECT COUNT(*) FROM "
     "smartmed_identity.encounters WHERE end_ms > 0", ("discharge",)),
)


def write_rows(st):
    """{what: rows} of each counted write (WRITES), now."""
    return {what: int(st.sql(sql).split()[-1]) for what, sql, _ops in WRITES}


def count_writes(st, ward, res):
    """[{what, rows, ok, failed, lost, doubled}]: the rows each write
    made since the ward was set up, against the calls answered OK (each
    must have its row: lost otherwise) and those that failed (which may
    or may not have written; more rows than both is a doubled write).  A
    call refused as overloaded must have written nothing, so refusals
    count in neither."""
    out = []
    now = write_rows(st)
    for what, _sql, ops in WRITES:
        rows = now[what] - ward.rows_at_start[what]
        ok = sum(len(res.lat.get(op, [])) for op in ops)
        failed = sum(sum(res.errors.get(op, {}).values()) for op in ops)
        refused = sum(res.refused.get(op, 0) for op in ops)
        out.append(dict(what=what, rows=rows, ok=ok, failed=failed,
                        refused=refused,
                        lost=max(0, ok - rows),
                        doubled=max(0, rows - ok - failed)))
    return out


# --- the run -----------------------------------------------------------------

def not_driven(op, faces="orl"):
    """Why op is not driven in this run (its photographs the face set
    faces), or None."""
    if op in FACE_OPS and not faces_available(faces):
        return "needs the %s photographs at %s" % (faces,
                                                   FaceSet(faces).where)
    return None if op in DRIVEN else "this driver has no call for it"


class Refused(Exception):
    """The system said it was overloaded and when to try again (a 429 or
    503 with Retry-After from the facade)."""


def refusal(exc):
    """True when exc is an overload refusal with a retry hint: gRPC
    RESOURCE_EXHAUSTED with grpc-retry-pushback-ms, or Refused."""
    if isinstance(exc, Refused):
        return True
    if not isinstance(exc, grpc.RpcError):
        return False
    if exc.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
        return False
    return any(k == "grpc-retry-pushback-ms"
               for k, _v in (exc.trailing_metadata() or ()))


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat = {}      # op -> [seconds]
        self.refused = {}  # op -> overload refusals with a retry hint
        self.errors = {}   # op -> {status: count}
        self.details = {}  # (op, status) -> the first error's details
        self.sent = {}
        self.late = 0

    def record_refused(self, op, detail):
        with self.lock:
            self.refused[op] = self.refused.get(op, 0) + 1
            self.details.setdefault((op, "refused"), detail)

    def record(self, op, latency, status, detail=None):
        with self.lock:
            if status is not None:
                self.details.setdefault((op, status), detail)
            if status is None:
                self.lat.setdefault(op, []).append(latency)
            else:
                e = self.errors.setdefault(op, {})
                e[status] = e.get(status, 0) + 1


def percentile(sorted_values, p):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1,
                   int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def run(ward, plan, threads, duration):
    """Send plan [(second, op)] open-loop over duration seconds, each
    operation from its own pool of threads; returns (Results, seconds
    from the start to the last reply, at least duration).

    One pool per operation, as the clients of a hospital are independent
    of one another (the nurses' bedside scanners, the PAS, the monitors,
    the chart readers): calls of one operation that queue in a slow
    service hold only that operation's threads.  With one shared pool, a
    dosage queue at 64,000 beds held 54 of the 64 threads, and the chart
    reads behind them in the driver went over their budget while records
    answered them in 18 ms (2026-11-26, docs/sizing.md, "Against the kube
    play")."""
    res = Results()
    pools = {}
    if ward is not None:
        ward.ready_to_discharge(plan)

    def one(op, due):
        try:
            DRIVEN[op][1](ward)
            status = None
            detail = None
        except (grpc.RpcError, Refused) as e:
            if refusal(e):
                res.record_refused(op, e.details() if isinstance(
                    e, grpc.RpcError) else str(e))
                return
            status, detail = e.code().name, e.details()
        except Exception as e:  # noqa: BLE001 - counted, not fatal
            status, detail = type(e).__name__, str(e)
        res.record(op, time.monotonic() - due, status, detail)

    t0 = time.monotonic() + 0.5
    futures = []
    for t, op in plan:
        due = t0 + t
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        elif -wait > LATE_S:
            res.late += 1
        res.sent[op] = res.sent.get(op, 0) + 1
        if op not in pools:
            pools[op] = concurrent.futures.ThreadPoolExecutor(
                max_workers=threads, thread_name_prefix="load-" + op)
        futures.append(pools[op].submit(one, op, due))
    concurrent.futures.wait(futures)
    for pool in pools.values():
        pool.shutdown()
    return res, max(duration, time.monotonic() - t0)


# What admissions, discharges and lab results call when the stack has no
# HL7 listener (--no-hl7).
GRPC_CALLS = {"admission": "identity CreatePatient+Admit",
              "discharge": "identity Discharge",
              "lab_result": "records CreateEntry (potassium)"}


def calls_of(op, hl7):
    """What op calls, as the report names it (hl7: the HL7 interface is
    driven), or None when op is not driven."""
    if op not in DRIVEN:
        return None
    return DRIVEN[op][0] if hl7 else GRPC_CALLS.get(op, DRIVEN[op][0])


def report(m, args, res, elapsed, hl7=True):
    """The per-operation table (printed) and the same as a dict; hl7:
    admissions and lab results went over MLLP."""
    rows = []
    for op in m.ops:
        rows.append(dict(
            op=op, per_bed_per_day=round(m.per_day(op), 4),
            calls=calls_of(op, hl7),
            sent=res.sent.get(op, 0), ok=len(res.lat.get(op, [])),
            refused=res.refused.get(op, 0),
            errors=res.errors.get(op, {}),
            not_driven=not_driven(op, args.faces)))
        lat = sorted(res.lat.get(op, []))
        for p in (50, 95, 99, 100):
            rows[-1]["p%d_ms" % p] = (round(percentile(lat, p) * 1000, 1)
                                      if lat else None)
        rows[-1]["ok_per_s"] = round(len(lat) / elapsed, 2)
        budget = m.budgets.get(op)
        rows[-1]["budget_p99_ms"] = budget
        rows[-1]["within_budget"] = (
            None if budget is None or not lat
            else rows[-1]["p99_ms"] <= budget)
    print("model %s: %d beds, clock %s + %.0f s x %g (%.1f h simulated), "
          "seed %d, %d threads" % (
              m.name, args.beds, args.start, args.duration, args.speed,
              args.duration * args.speed / 3600, args.seed, args.threads))
    print("%-13s %-32s %6s %6s %7s %6s %8s %8s %8s %8s %7s" % (
        "operation", "calls", "sent", "ok", "refused", "errors", "p50 ms",
        "p95 ms", "p99 ms", "max ms", "ok/s"))

    def ms(v):
        return "-" if v is None else "%.1f" % v
    for r in rows:
        if r["not_driven"]:
            print("%-13s not driven (%s); modelled %.3g per bed per day"
                  % (r["op"], r["not_driven"], r["per_bed_per_day"]))
            continue
        nerr = sum(r["errors"].values())
        print("%-13s %-32s %6d %6d %7d %6d %8s %8s %8s %8s %7.2f" % (
            r["op"], r["calls"], r["sent"], r["ok"], r["refused"], nerr,
            ms(r["p50_ms"]),
            ms(r["p95_ms"]), ms(r["p99_ms"]), ms(r["p100_ms"]),
            r["ok_per_s"]))
        if r["budget_p99_ms"] is not None and r["ok"]:
            print("%-13s   p99 budget %.0f ms: %s" % (
                "", r["budget_p99_ms"],
                "within" if r["within_budget"] else "OVER"))
        if r["refused"]:
            print("%-13s   %d refused as overloaded: %s" % (
                "", r["refused"], res.details.get((r["op"], "refused"))))
        for status, n in sorted(r["errors"].items()):
            print("%-13s   %d x %s: %s" % ("", n, status,
                                           res.details.get((r["op"], status))))
    sent = sum(res.sent.values())
    ok = sum(len(v) for v in res.lat.values())
    refused = sum(res.refused.values())
    print("all: %d sent, %d ok, %d refused as overloaded, %d failed in "
          "%.1f s (%.1f calls/s); %d left more than %.0f ms after their "
          "time" % (sent, ok, refused, sent - ok - refused, elapsed,
                    sent / elapsed, res.late, LATE_S * 1000))
    return dict(model=m.path, beds=args.beds, start=args.start,
                speed=args.speed, duration=args.duration, seed=args.seed,
                threads=args.threads, elapsed_s=round(elapsed, 2),
                sent=sent, ok=ok, refused=refused, late=res.late,
                operations=rows)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=os.path.join(HERE, "ward_day.json"))
    p.add_argument("--beds", type=int, default=20)
    p.add_argument("--speed", type=float, default=360.0,
                   help="seconds of the day played per second")
    p.add_argument("--start", default="06:00", help="clock at the start")
    p.add_argument("--duration", type=float, default=60.0,
                   help="seconds of load")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=64,
                   help="the driver's threads per operation: the calls of "
                   "one operation it has in flight at most")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--no-hl7", dest="hl7", action="store_false",
                   help="admissions and lab results over gRPC "
                   "(CreatePatient+Admit, CreateEntry) instead of MLLP")
    p.add_argument("--deep-faces", action="store_true",
                   help="identity on the deep face models, as make run "
                   "(default: the Haar detector and lbp-v2)")
    add_against(p)
    a = p.parse_args(argv)
    check_against(p, a, "--deep-faces" if a.deep_faces else "")
    if a.beds < 1 or a.speed <= 0 or a.duration <= 0 or a.threads < 1:
        p.error("--beds, --speed, --duration and --threads must be "
                "positive")
    return a


def add_against(p):
    """The --against option of the driver and the ramp."""
    p.add_argument("--against", choices=("harness", "run", "kube"),
                   default="harness",
                   help="harness: start a private stack for the run "
                   "(default); run: drive the stack `make run` is running "
                   "now, with its settings (started with "
                   "MED_FACE_COPY_CHECK=off), its beds on its development "
                   "ward; kube: play the Helm chart's manifests with "
                   "podman kube play as make kube-test does (the images "
                   "of make images; the chart's settings, the copy check "
                   "off; its HL7 pod over MLLP and TLS, the driver's "
                   "sending systems bound)")
    p.add_argument("--chart-set", action="append", default=[],
                   metavar="KEY.PATH=VALUE",
                   help="with --against kube: a chart value over the "
                   "play's, as helm --set takes it, e.g. "
                   "services.identity.resources.limits.cpu=2 "
                   "(repeatable)")
    p.add_argument("--faces", choices=("orl", "caltech"),
                   help="the photographs of the beds' faces: orl (grey; "
                   "the default on a private stack) or caltech (colour; "
                   "the default with --against run or kube, whose "
                   "enforced presentation-attack check refuses grey "
                   "photographs)")


def check_against(p, a, settings_given):
    """Refuses options that set the private stack's settings
    (settings_given names them, or is empty) with --against run, whose
    settings are make run's; settles --faces."""
    a.faces = a.faces or ("orl" if a.against == "harness" else "caltech")
    if a.against == "run" and settings_given:
        p.error("%s set the private stack's settings; with --against run "
                "the settings are make run's (start it with the settings "
                "wanted)" % settings_given)
    if not a.hl7 and a.against != "harness":
        p.error("--no-hl7 leaves the HL7 interface out of the private "
                "stack; make run and the chart's play run theirs, and the "
                "driver sends admissions, discharges and lab results to it")
    if a.chart_set and a.against != "kube":
        p.error("--chart-set sets the chart's values: only with --against "
                "kube")
    try:
        a.chart_values = chart_values(a.chart_set)
    except ValueError as e:
        p.error("--chart-set %s" % e)


def driven_stack(args):
    """(the stack to drive, not started; the ward its beds are on) for
    --against: a private stack, make run's attached, or the chart's pods
    played."""
    if args.against == "run":
        return attached_run_stack()
    if args.against == "kube":
        return kube_stack(args.chart_values)
    return make_stack(args.hl7, args.deep_faces), WARD


def _kubeplay():
    """tests/kube/kubeplay.py, the kube play make kube-test runs."""
    for d in ("kube", "image"):
        path = os.path.join(REPO, "tests", d)
        if path not in sys.path:
            sys.path.insert(0, path)
    import kubeplay
    return kubeplay


def chart_values(assignments):
    """The chart values of --chart-set's assignments ({} for none);
    raises ValueError naming a malformed one."""
    out = {}
    for a in assignments:
        _kubeplay().set_value(out, a)
    return out


def kube_stack(values_over=None):
    """The Helm chart's pods as make kube-test plays them (not started:
    tests/kube/kubeplay.py), values_over set over the play's values, and
    the ward of its nurse and clinician, with identity's copy check off
    (the driver shows each bed the same photographs again) and the HL7
    pod's senders the driver's (HL7_BINDINGS); raises
    StackError where podman cannot play pods or the images are
    missing."""
    kubeplay = _kubeplay()
    why = kubeplay.cannot_play_pods() or kubeplay.missing_images()
    if why:
        raise StackError("cannot play the chart: %s" % why)
    st = kubeplay.KubeStack()
    st.service_env["identity"] = {"MED_FACE_COPY_CHECK": "off"}
    st.service_env["hl7"] = {"MED_HL7_SENDERS": HL7_BINDINGS}
    st.values_over = values_over or {}
    return st, kubeplay.WARD


def identity_env(st):
    """The environment of the running identity process ({} where /proc
    does not show it)."""
    from harness.stack_processes import RunningProcess
    pid = st.services["identity"].pid()
    return RunningProcess(pid).environ() if pid else {}


def face_models(st):
    """deep or classic: the face models the running identity uses."""
    return "deep" if "MED_FACE_EMBEDDER" in identity_env(st) else "classic"


def make_stack(hl7, deep_faces=False, db_nodes=None):
    """The driven stack (not started): MariaDB, audit, identity, records
    and dosage on mutual TLS with patient and care checks on, the HL7
    interface when hl7 (MLLP over TLS, each sending system with a client
    certificate of its own bound to its message type), the FHIR facade,
    identity's face
    keys; with deep_faces identity runs the deep face models as make run
    does (when the build made them), else the Haar detector and lbp-v2.
    db_nodes: a Galera cluster of that many nodes instead of one
    server."""
    st = Stack(services=SERVICES, patient_checks=True, care_checks=True,
               user_units={"nurse": WARD, "clinician": WARD},
               hl7=hl7 and {"MED_HL7_TRUSTED_NETWORK": "false",
                            "MED_HL7_SENDERS": HL7_BINDINGS},
               db_nodes=db_nodes, fhir=True)
    # identity's face keys, in the stack's folder (removed with it).  The
    # driver shows each bed's camera the same photograph again, which the
    # copy check (MED_FACE_COPY_CHECK) takes for a replay, and neither
    # enforce nor warn lets a copy match: the check is off here, so
    # VerifyFace's figures leave out its read and insert.
    keys = FaceKeys.load_or_create(os.path.join(st.workdir, "face"))
    st.extra_env.update(keys.env(public_key=True))
    st.extra_env["MED_FACE_COPY_CHECK"] = "off"
    if deep_faces:
        from harness.run import face_models_env
        st.extra_env.update(face_models_env())
    return st


def attached_run_stack():
    """make run's running stack, attached (harness.run.attach_run), and
    the ward its nurse and clinician work on; raises StackError when
    make run is not running or its settings cannot carry the model (the
    copy check on: the driver shows each bed's camera the same
    photographs again, which the check refuses as replays)."""
    from harness import run as make_run
    st = make_run.attach_run()
    env = identity_env(st)
    if env and env.get("MED_FACE_COPY_CHECK", "enforce") != "off":
        raise StackError(
            "make run's identity has the copy check on "
            "(MED_FACE_COPY_CHECK=%s): the driver shows each bed the "
            "same photographs again, which it refuses as replays; start "
            "it with MED_FACE_COPY_CHECK=off make run" % env.get(
                "MED_FACE_COPY_CHECK", "enforce (the default)"))
    return st, make_run.DEV_WARD


def model_and_driven(path, clock, flag, faces="orl"):
    """The model file at path, the time of day clock (flag names it in a
    refusal) in seconds, and the model's operations this driver drives
    (the face ones only where the ORL photographs are); raises OSError or
    load_model.ModelError."""
    m = load_model.load(path)
    at_s = load_model._clock(clock, flag)
    driven = [op for op in m.ops if op in DRIVEN
              and (faces_available(faces) or op not in FACE_OPS)]
    return m, at_s, driven


def main(argv=None):
    args = parse_args(argv)
    try:
        m, start_s, driven = model_and_driven(args.model, args.start,
                                              "--start", args.faces)
    except (OSError, load_model.ModelError) as e:
        print("load: %s" % e, file=sys.stderr)
        return 2
    plan = load_model.schedule(m, driven, args.beds, start_s, args.speed,
                               args.duration, args.seed)
    print("%d calls scheduled over %.0f s" % (len(plan), args.duration))
    try:
        st, ward_name = driven_stack(args)
    except StackError as e:
        print("load: %s" % e, file=sys.stderr)
        return 2
    with st:
        ward = Ward(st, args.beds, args.seed, ward_name, args.faces)
        res, elapsed = run(ward, plan, args.threads, args.duration)
        ward.close()
        writes = count_writes(st, ward, res)
    out = report(m, args, res, elapsed, ward.hl7)
    bad = 0
    for w in writes:
        print("writes: %s: %d rows for %d OK calls and %d failed; %d lost, "
              "%d doubled" % (w["what"], w["rows"], w["ok"], w["failed"],
                              w["lost"], w["doubled"]))
        bad += w["lost"] + w["doubled"]
    out["writes"] = writes
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
    # A refusal with a retry hint is the system shedding load as designed:
    # neither OK nor failed (the docstring), so only a failure fails.
    failed = out["sent"] - out["ok"] - out["refused"]
    return 0 if failed == 0 and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
