"""Re-enrolment after a face model change: identity counts the patients
whose face templates are all of another model than the active one
(smartmed_identity_face_patients_without_active_model_template{model}),
logs the count at start (warn when some must re-enrol) and keeps the gauge
current as they re-enrol or are erased.  Patients never enrolled are not
counted.  The new model is the tests' own ONNX embedder
(harness/face_embedder.py); the ORL photographs skip without ../shared."""

import json
import os
import re
import uuid


from harness import Stack, metrics, paths
from harness.checks import poll
from harness.face_embedder import write_embedder
from harness.faces import FaceKeys, orl_png
from harness.fixtures import running

SVC = "identity"
NEW = "faceproj-test"  # the name on the test embedder's card
GAUGE = "smartmed_identity_face_patients_without_active_model_template"


def registrar(st, method, request, timeout=5):
    return st.call(SVC, method, request, role="registrar", timeout=timeout)


def patient(st, pb):
    mrn = "MRN-" + uuid.uuid4().hex[:16].upper()
    return registrar(st, "CreatePatient", pb.CreatePatientRequest(
        mrn=mrn, family_name="Reenrol", birth_date="1968-05-06",
        sex=pb.ADMINISTRATIVE_SEX_MALE)).patient_id


def enroll(st, pb, pid, photo):
    registrar(st, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=[photo]), timeout=30)


def gauge(st, model):
    samples, _ = metrics.scrape(st, SVC)
    return metrics.value(samples, GAUGE, model=model)


def wait_gauge(st, model, want):
    """The gauge follows the poller (MED_FACE_SYNC_INTERVAL_MS, 2 s)."""
    poll(lambda: gauge(st, model) == want, timeout=20,
         what="%s{model=%s} == %d" % (GAUGE, model, want))


def log_lines(st, contains):
    out = []
    with open(st.log_path(SVC)) as f:
        for line in f:
            if contains in line:
                out.append(json.loads(line))
    return out


def documented_query(model):
    """The operator's query from docs/operations.md, for model."""
    with open(os.path.join(paths.REPO_ROOT, "docs", "operations.md")) as f:
        doc = f.read()
    section = doc.split("### Re-enrolment after a face model change")[1]
    sql = re.search(r"```sql\n(.*?)```", section, re.S).group(1)
    return sql.replace("'dlib-resnet-v1'", "'%s'" % model)


def test_patients_enrolled_only_under_the_old_model_must_re_enrol(pb):
    keys = FaceKeys()
    with running(Stack(services=(SVC,), extra_env=keys.env())) as st:
        a, b = patient(st, pb), patient(st, pb)
        patient(st, pb)  # never enrolled: not counted under any model
        enroll(st, pb, a, orl_png(25, 1))
        enroll(st, pb, b, orl_png(26, 1))
        wait_gauge(st, "lbp-v2", 0)
        assert log_lines(st, "every patient with face templates has one "
                             "of model lbp-v2")

        svc = st.services[SVC]
        st.stop_service(SVC)
        svc.env["MED_FACE_EMBEDDER"] = write_embedder(
            paths.scratch_dir("smartmed-embedder-"))
        st.start_service(SVC)
        assert gauge(st, NEW) == 2
        warned = log_lines(st, "patients have face templates only of other "
                               "models than %s" % NEW)
        assert [(w["level"], w["msg"]) for w in warned] == [(
            "warn", "identity: 2 patients have face templates only of "
            "other models than %s; they must re-enrol (docs/operations.md, "
            "re-enrolment after a face model change)" % NEW)], warned
        _, text = metrics.scrape(st, SVC)
        for pid in (a, b):
            assert pid not in text
            assert not [ln for ln in log_lines(st, pid)
                        if ln["level"] != "debug"]

        enroll(st, pb, a, orl_png(25, 2))  # a re-enrols under the new model
        wait_gauge(st, NEW, 1)
        rows = st.sql(documented_query(NEW)).strip().splitlines()[1:]
        assert [(r.split("\t")[0], r.split("\t")[-1]) for r in rows] == [
            (b, "lbp-v2")], rows
        registrar(st, "DeleteFaceTemplates", pb.DeleteFaceTemplatesRequest(
            patient_id=b))  # b's old templates erased
        wait_gauge(st, NEW, 0)
        poll(lambda: log_lines(st, "every patient with face templates has "
                                   "one of model %s" % NEW),
             what="the log line that re-enrolment is complete")


TEMPLATES = "smartmed_identity_face_templates"


def templates(st):
    samples, _ = metrics.scrape(st, SVC)
    return metrics.value(samples, TEMPLATES)


def test_templates_gauge_counts_the_index(pb):
    # The capacity dashboard's memory per template is identity's RSS over
    # this gauge (docs/sizing.md): it must follow enrolments and erasures.
    keys = FaceKeys()
    with running(Stack(services=(SVC,), extra_env=keys.env())) as st:
        a, b = patient(st, pb), patient(st, pb)
        enroll(st, pb, a, orl_png(27, 1))
        enroll(st, pb, a, orl_png(27, 2))
        enroll(st, pb, b, orl_png(28, 1))
        poll(lambda: templates(st) == 3, timeout=20,
             what="%s == 3 after three enrolments" % TEMPLATES)
        registrar(st, "DeleteFaceTemplates", pb.DeleteFaceTemplatesRequest(
            patient_id=b))
        poll(lambda: templates(st) == 2, timeout=20,
             what="%s == 2 after one patient's erasure" % TEMPLATES)
