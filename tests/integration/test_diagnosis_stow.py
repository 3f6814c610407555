"""The overlay written back to the PACS (issue 38 item 5): with
MED_DIAGNOSIS_PACS_WRITEBACK on, AnalyzeStudy stores its finding, then
sends the saliency overlay to the real Orthanc (tests/harness/orthanc.py,
HTTP basic authentication on, as the chart runs it) as a DICOM Secondary
Capture over STOW-RS.  The study then has a new series whose instance
pydicom reads as a Secondary Capture of the same patient and study.

A PACS that cannot be reached for the write-back loses nothing: the
finding is stored, the reply says FAILED and why, the attempt is audited
as its own event and counted.  "Cannot be reached" is made by a TCP relay
between diagnosis and Orthanc that passes reads and hangs up on writes,
so the analysis (which reads) works and only the write-back fails.

The outcome is stored with the finding (wbstate): ListFindings and the
FHIR DiagnosticReport (ReadFhir, ExportFhir) say later whether and where
the overlay went.  A database that refuses to store the outcome leaves the
finding PENDING and the reply as it was, logged, counted and audited.
"""

import io
import os
import socket
import sys
import threading
import time

import json
import uuid

import grpc
import pytest

from harness import Stack, ages, metrics, protos
from harness import orthanc as orthanc_mod
from harness.checks import poll
from harness.fixtures import running

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_diagnosis_pacs as pacs_case  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "fhir"))
import fhir_checks  # noqa: E402  (HL7's R4 schema, tests/fhir)

SVC = "diagnosis"
# The header's patient is identity's (make_patient: a child inside the
# model's population), the study taken today: the age is taken at it.
BIRTH = ages.CHILD.replace("-", "")
STUDY_DATE = time.strftime("%Y%m%d", time.gmtime())
USER, PASSWORD = "smartmed-diagnosis", os.urandom(12).hex()
SC = "1.2.840.10008.5.1.4.1.1.7"
EXT = "https://smartmed.invalid/fhir/StructureDefinition/pacs-writeback"


class Relay:
    """A TCP relay to Orthanc that, while refuse_writes is set, hangs up
    on any request that is not a GET (the STOW-RS POST) before it reaches
    Orthanc: a PACS unreachable for the write-back only."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.refuse_writes = False
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _serve(self, c):
        c.settimeout(30)
        try:
            first = c.recv(65536)
            if not first or (self.refuse_writes and
                             not first.startswith(b"GET ")):
                return
            up = socket.create_connection(self.target, timeout=30)
            up.sendall(first)
            threading.Thread(target=self._pipe, args=(c, up),
                             daemon=True).start()
            self._pipe(up, c)
        except OSError:
            pass
        finally:
            c.close()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self._stop = True
        self.sock.close()


@pytest.fixture(scope="module")
def pacs():
    orthanc_mod.skip_if_absent()
    pytest.importorskip("pydicom")
    with orthanc_mod.Orthanc(users={USER: PASSWORD}) as o:
        yield o


@pytest.fixture(scope="module")
def relay(pacs):
    r = Relay(pacs.port)
    yield r
    r.close()


@pytest.fixture(scope="module")
def st(pacs, relay, tmp_path_factory):
    pw = tmp_path_factory.mktemp("pacs") / "password"
    pw.write_text(PASSWORD + "\n")
    env = {"MED_DIAGNOSIS_PACS_URL":
           "http://127.0.0.1:%d/dicom-web" % relay.port,
           "MED_DIAGNOSIS_PACS_USER": USER,
           "MED_DIAGNOSIS_PACS_PASSWORD_FILE": str(pw),
           "MED_DIAGNOSIS_PACS_WRITEBACK": "on",
           # No retry within a test that reads a PENDING finding back
           # (test_write_back_is_retried_until_stored_once sets its own).
           "MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS": "600000"}
    with running(Stack(services=("audit", "identity", "records", SVC),
                       patient_checks=True, extra_env=env)) as s:
        yield s


@pytest.fixture(scope="module")
def pb():
    return protos.module(SVC)


def stored_study(pacs, mrn):
    """A chest X-ray study of mrn in Orthanc, its header naming the
    patient as identity has them (make_patient)."""
    import pydicom
    rows = pacs_case.rows_of(pacs_case.chest_pixels())
    study, data = pacs_case.dicom(rows, mrn, accession="ACC-SC")
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.PatientName = "Film^Test"
    ds.PatientBirthDate = BIRTH
    ds.PatientSex = "F"
    ds.StudyDate, ds.StudyTime, ds.StudyID = STUDY_DATE, "101500", "S1"
    out = io.BytesIO()
    ds.save_as(out, write_like_original=False)
    pacs.stow(out.getvalue())
    return study


def series_of(pacs, study):
    """{SeriesInstanceUID: [SOPInstanceUID]} of the study, by QIDO-RS."""
    import json
    out = {}
    for s in json.loads(pacs.get("/dicom-web/studies/%s/series" % study)):
        se = s["0020000E"]["Value"][0]
        insts = json.loads(pacs.get(
            "/dicom-web/studies/%s/series/%s/instances" % (study, se)))
        out[se] = [i["00080018"]["Value"][0] for i in insts]
    return out


def instance_file(pacs, sop_uid):
    """The stored file of one instance, through Orthanc's REST API."""
    import json
    ids = json.loads(pacs._request(
        "POST", "/tools/find",
        body=json.dumps({"Level": "Instance",
                         "Query": {"SOPInstanceUID": sop_uid}}).encode(),
        headers={"Content-Type": "application/json"})[1])
    assert len(ids) == 1, ids
    return pacs.get("/instances/%s/file" % ids[0])


def audit_event(st, pid):
    ap = protos.module("audit")

    def find():
        for r in st.call("audit", "Query", ap.QueryRequest(
                patient_id=pid, limit=100), role="auditor", timeout=10):
            if r.event.action == "diagnosis/pacs-write-back":
                return r.event
        return None
    return poll(find, timeout=20, what="the write-back's audit event")


def details(ev):
    return {d.key: d.value for d in ev.details}


def listed(st, pb, pid):
    """The patient's findings as ListFindings reads them back."""
    return st.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings


def assert_stored_as(stored, f):
    """The finding as read back carries the reply's write-back."""
    assert stored.pacs_writeback == f.pacs_writeback
    assert (stored.writeback_series_instance_uid ==
            f.writeback_series_instance_uid != "")
    assert (stored.writeback_sop_instance_uid ==
            f.writeback_sop_instance_uid != "")
    assert stored.writeback_error == f.writeback_error
    assert stored.writeback_ms > 0


def report(st, pb, finding_id):
    """The finding's DiagnosticReport, read as the FHIR facade reads it."""
    r = st.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type="DiagnosticReport", id=finding_id), role="clinician")
    return json.loads(r.resource_json)


def writeback_ext(res):
    """{sub-extension url: value} of the report's write-back extension."""
    ext = [e for e in res.get("extension", []) if e["url"] == EXT]
    assert len(ext) == 1, res.get("extension")
    out = {}
    for e in ext[0]["extension"]:
        (k, v), = [(k, v) for k, v in e.items() if k.startswith("value")]
        out[e["url"]] = v["value"] if k == "valueIdentifier" else v
    return out


def writebacks(st, outcome):
    samples, _ = metrics.scrape(st, SVC)
    got = metrics.series(samples, "smartmed_diagnosis_pacs_writeback_total",
                         outcome=outcome)
    return sum(got.values())


def record_errors(st):
    samples, _ = metrics.scrape(st, SVC)
    got = metrics.series(
        samples, "smartmed_diagnosis_pacs_writeback_record_errors_total")
    return sum(got.values())


def test_overlay_is_written_back_as_a_secondary_capture(st, pb, pacs):
    import pydicom
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    before = series_of(pacs, study)
    f = pacs_case.analyze(st, pb, pid, study)
    assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED, f.writeback_error
    assert f.writeback_error == ""
    after = series_of(pacs, study)
    new = set(after) - set(before)
    assert new == {f.writeback_series_instance_uid}, (before, after)
    assert after[f.writeback_series_instance_uid] == [
        f.writeback_sop_instance_uid]
    ds = pydicom.dcmread(io.BytesIO(instance_file(
        pacs, f.writeback_sop_instance_uid)))
    assert ds.SOPClassUID == SC
    assert ds.file_meta.MediaStorageSOPClassUID == SC
    assert ds.StudyInstanceUID == study
    assert ds.SeriesInstanceUID not in before
    assert ds.SOPInstanceUID == f.writeback_sop_instance_uid
    assert str(ds.PatientName) == "Film^Test"
    assert ds.PatientID == mrn
    assert ds.PatientBirthDate == BIRTH
    assert ds.AccessionNumber == "ACC-SC"
    assert ds.StudyDate == STUDY_DATE and ds.StudyID == "S1"
    assert list(ds.ImageType)[:2] == ["DERIVED", "SECONDARY"]
    assert f.model_id in ds.SeriesDescription
    assert f.model_version in ds.SeriesDescription
    assert ds.BurnedInAnnotation == "YES"
    assert "not for diagnosis" in ds.DerivationDescription
    assert "not a lesion's outline" in ds.DerivationDescription
    assert ds.PhotometricInterpretation == "RGB"
    px = ds.pixel_array
    # The overlay (224 x 224) under a banner of white text on black.
    assert px.shape[1:] == (224, 3) and px.shape[0] > 224
    banner = px[:px.shape[0] - 224]
    white = (banner == 255).all(axis=2).mean()
    assert 0.02 < white < 0.5, white
    ev = audit_event(st, pid)
    assert ev.outcome == 0
    assert details(ev)["finding_updated"] == "true"
    assert writebacks(st, "stored") >= 1
    # The finding was stored first and stays as it is, with the outcome.
    got = listed(st, pb, pid)
    assert [x.finding_id for x in got] == [f.finding_id]
    assert_stored_as(got[0], f)
    assert got[0].writeback_error == ""


def test_unreachable_pacs_for_write_back_keeps_the_finding(st, pb, pacs,
                                                            relay):
    """A PACS that cannot be reached for the write-back is a passing
    failure: the finding is stored PENDING with why and when the next
    attempt is due (retried: test_write_back_is_retried_until_stored_once),
    the attempt audited and counted as a retry."""
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    before = series_of(pacs, study)
    retry_before = writebacks(st, "retry")
    relay.refuse_writes = True
    try:
        f = pacs_case.analyze(st, pb, pid, study)
    finally:
        relay.refuse_writes = False
    assert f.pacs_writeback == pb.PACS_WRITEBACK_PENDING
    assert "cannot be reached" in f.writeback_error, f.writeback_error
    assert f.writeback_attempts == 1 and f.writeback_ms == 0
    assert f.writeback_next_ms > f.created_ms
    assert f.finding_id and f.study_instance_uid == study
    got = listed(st, pb, pid)
    assert [x.finding_id for x in got] == [f.finding_id]
    assert got[0].pacs_writeback == pb.PACS_WRITEBACK_PENDING
    assert got[0].writeback_error == f.writeback_error
    assert got[0].writeback_attempts == 1
    assert got[0].writeback_next_ms == f.writeback_next_ms
    assert series_of(pacs, study) == before
    ev = audit_event(st, pid)
    assert ev.outcome == grpc.StatusCode.UNAVAILABLE.value[0]
    assert "cannot be reached" in ev.detail
    assert details(ev)["finding_updated"] == "true"
    assert details(ev)["outcome"] == "pending"
    assert writebacks(st, "retry") == retry_before + 1
    ext = writeback_ext(report(st, pb, f.finding_id))
    assert ext["status"] == "pending"
    assert ext["instance"] == "urn:oid:" + f.writeback_sop_instance_uid
    assert "media" not in report(st, pb, f.finding_id)


def retry_events(st, pid):
    """The write-back's audit events of the service's retrier."""
    ap = protos.module("audit")
    out = []
    for r in st.call("audit", "Query", ap.QueryRequest(
            patient_id=pid, limit=200), role="auditor", timeout=10):
        if (r.event.action == "diagnosis/pacs-write-back" and
                details(r.event).get("trigger") == "retry"):
            out.append(r.event)
    return out


def test_write_back_is_retried_until_stored_once(st, pb, pacs, relay):
    """PACS down at analysis and after: the finding stays PENDING and is
    tried again with backoff while Orthanc is stopped, through a restart
    of diagnosis, and stored when Orthanc is back: one Secondary Capture
    in the study, STORED on the finding, no attempt after it."""
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    before = series_of(pacs, study)
    fast = {"MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS": "200",
            "MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS": "800"}
    pacs_case._restart(st, **fast)
    try:
        relay.refuse_writes = True
        try:
            f = pacs_case.analyze(st, pb, pid, study)
        finally:
            pacs.stop()
            relay.refuse_writes = False
        assert f.pacs_writeback == pb.PACS_WRITEBACK_PENDING
        assert f.writeback_attempts == 1

        def tried(n):
            got = listed(st, pb, pid)[0]
            return got if got.writeback_attempts >= n else None
        got = poll(lambda: tried(3), timeout=60,
                   what="three attempts while Orthanc is down")
        assert got.pacs_writeback == pb.PACS_WRITEBACK_PENDING
        assert got.writeback_error != ""
        # Stopped with the write-back PENDING; nothing is held in memory.
        pacs_case._restart(st)
        n_down = listed(st, pb, pid)[0].writeback_attempts
        poll(lambda: tried(n_down + 1), timeout=60,
             what="an attempt after diagnosis restarted")
        pacs.start()

        def stored():
            g = listed(st, pb, pid)[0]
            return g if g.pacs_writeback == pb.PACS_WRITEBACK_STORED \
                else None
        done = poll(stored, timeout=60, what="the write-back stored")
    finally:
        if pacs.proc is None:
            pacs.start()
        pacs_case._restart(st, MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS="600000",
                           MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS=None)
    assert done.writeback_error == "" and done.writeback_ms > 0
    assert done.writeback_attempts > n_down
    assert done.writeback_sop_instance_uid == f.writeback_sop_instance_uid
    after = series_of(pacs, study)
    assert set(after) - set(before) == {f.writeback_series_instance_uid}
    assert after[f.writeback_series_instance_uid] == [
        f.writeback_sop_instance_uid]
    evs = retry_events(st, pid)
    ok = [e for e in evs if details(e)["outcome"] == "stored"]
    assert len(ok) == 1 and ok[0].actor == "diagnosis"
    assert details(ok[0])["attempt"] == str(done.writeback_attempts)
    # Nothing more is sent once it is stored.
    time.sleep(2)
    assert listed(st, pb, pid)[0].writeback_attempts == \
        done.writeback_attempts
    assert series_of(pacs, study) == after


def test_report_names_the_secondary_capture(st, pb, pacs):
    """The DiagnosticReport of a written-back finding names the Secondary
    Capture a PACS viewer opens (study, series, SOP instance) in its
    extension and as its media, and the page stays valid R4."""
    validator = fhir_checks.r4_validator()
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    f = pacs_case.analyze(st, pb, pid, study)
    assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED, f.writeback_error
    res = report(st, pb, f.finding_id)
    ext = writeback_ext(res)
    assert ext["status"] == "stored" and "error" not in ext
    assert ext["study"] == "urn:oid:" + study
    assert ext["series"] == "urn:oid:" + f.writeback_series_instance_uid
    assert ext["instance"] == "urn:oid:" + f.writeback_sop_instance_uid
    assert ext["sopClass"] == "urn:oid:" + SC
    assert ext["recorded"].endswith("Z")
    link = res["media"][0]["link"]
    assert link["identifier"] == {
        "system": "urn:dicom:uid",
        "value": "urn:oid:" + f.writeback_sop_instance_uid}
    for bundle in fhir_checks.export_pages(st, SVC, pid):
        fhir_checks.assert_valid(validator, bundle)
        fhir_checks.check_invariants(bundle)


def test_a_repeated_request_writes_back_once(st, pb, pacs):
    """The same request id again is answered with the first reply: one
    finding, one Secondary Capture, the outcome stored once."""
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    before = series_of(pacs, study)
    rid = "wb-" + uuid.uuid4().hex
    req = pb.AnalyzeStudyRequest(patient_id=pid, study_instance_uid=study)
    a = st.call(SVC, "AnalyzeStudy", req, role="clinician", timeout=30,
                request_id=rid)
    b = st.call(SVC, "AnalyzeStudy", req, role="clinician", timeout=30,
                request_id=rid)
    assert a == b and a.pacs_writeback == pb.PACS_WRITEBACK_STORED
    assert len(set(series_of(pacs, study)) - set(before)) == 1
    got = listed(st, pb, pid)
    assert [x.finding_id for x in got] == [a.finding_id]
    assert_stored_as(got[0], a)


def test_outcome_not_stored_leaves_the_finding_pending(st, pb, pacs):
    """A database that refuses the outcome's update: the reply is as
    before (STORED), the finding stays PENDING with its UIDs, and the
    failure is counted and in the write-back's audit event."""
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    errors_before = record_errors(st)
    st.sql("CREATE TRIGGER smartmed_diagnosis.wb_refuse BEFORE UPDATE ON"
           " smartmed_diagnosis.findings FOR EACH ROW SIGNAL SQLSTATE"
           " '45000' SET MESSAGE_TEXT = 'refused by the test'")
    try:
        f = pacs_case.analyze(st, pb, pid, study)
    finally:
        st.sql("DROP TRIGGER smartmed_diagnosis.wb_refuse")
    assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED, f.writeback_error
    got = listed(st, pb, pid)
    assert [x.finding_id for x in got] == [f.finding_id]
    assert got[0].pacs_writeback == pb.PACS_WRITEBACK_PENDING
    assert (got[0].writeback_sop_instance_uid ==
            f.writeback_sop_instance_uid)
    assert got[0].writeback_ms == 0
    assert record_errors(st) == errors_before + 1
    ev = audit_event(st, pid)
    assert ev.outcome == 0
    assert details(ev)["finding_updated"] == "false"
    assert writeback_ext(report(st, pb, f.finding_id))["status"] == \
        "pending"


def test_write_back_off_sends_nothing(st, pb, pacs):
    """MED_DIAGNOSIS_PACS_WRITEBACK=off (the default): the reply says OFF
    and the study keeps its one series."""
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    before = series_of(pacs, study)
    try:
        pacs_case._restart(st, MED_DIAGNOSIS_PACS_WRITEBACK="off")
        f = pacs_case.analyze(st, pb, pid, study)
    finally:
        pacs_case._restart(st, MED_DIAGNOSIS_PACS_WRITEBACK="on")
    assert f.pacs_writeback == pb.PACS_WRITEBACK_OFF
    assert f.writeback_series_instance_uid == ""
    assert series_of(pacs, study) == before
    got = listed(st, pb, pid)
    assert got[0].pacs_writeback == pb.PACS_WRITEBACK_OFF
    assert got[0].writeback_sop_instance_uid == ""
    assert writeback_ext(report(st, pb, f.finding_id)) == {"status": "off"}


def test_a_write_back_left_pending_after_storing_is_stored_once(st, pb,
                                                                 pacs):
    """The PACS stored the Secondary Capture but the outcome did not reach
    the finding (the database refused it: a lost reply looks the same):
    once the analysing call's lease lapses the retrier sends the same
    instance again, the PACS answers it stored, and the finding says
    STORED with one Secondary Capture in the study."""
    fast = {"MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS": "200",
            "MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS": "800",
            "MED_DIAGNOSIS_PACS_TIMEOUT_MS": "1000"}  # a lease of 4 s
    pid, mrn = pacs_case.make_patient(st)
    study = stored_study(pacs, mrn)
    before = series_of(pacs, study)
    pacs_case._restart(st, **fast)
    try:
        st.sql("CREATE TRIGGER smartmed_diagnosis.wb_refuse BEFORE UPDATE"
               " ON smartmed_diagnosis.findings FOR EACH ROW SIGNAL SQLSTATE"
               " '45000' SET MESSAGE_TEXT = 'refused by the test'")
        try:
            f = pacs_case.analyze(st, pb, pid, study)
        finally:
            st.sql("DROP TRIGGER smartmed_diagnosis.wb_refuse")
        assert f.pacs_writeback == pb.PACS_WRITEBACK_STORED
        assert listed(st, pb, pid)[0].pacs_writeback == \
            pb.PACS_WRITEBACK_PENDING

        def stored():
            g = listed(st, pb, pid)[0]
            return g if g.pacs_writeback == pb.PACS_WRITEBACK_STORED \
                else None
        done = poll(stored, timeout=60, what="the retrier's STORED")
    finally:
        pacs_case._restart(st, MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS="600000",
                           MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS=None,
                           MED_DIAGNOSIS_PACS_TIMEOUT_MS=None)
    assert done.writeback_sop_instance_uid == f.writeback_sop_instance_uid
    after = series_of(pacs, study)
    assert set(after) - set(before) == {f.writeback_series_instance_uid}
    assert after[f.writeback_series_instance_uid] == [
        f.writeback_sop_instance_uid]
    ok = [e for e in retry_events(st, pid)
          if details(e)["outcome"] == "stored"]
    assert len(ok) == 1, ok
