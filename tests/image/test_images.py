"""The service images run as the chart runs them (containers.py): what the
images hold (user, models, plugins, no build tools), then the contract
smoke checks against the containers - health, one real RPC per service,
the diagnosis model's reference outputs, the bedside flow on identity's
deep face models, and an audit inclusion proof under a signed tree head.
`make image-test` runs them after `make images`."""

import hashlib
import os
import subprocess
import sys
import urllib.request
import uuid

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PublicKey

import containers
from harness import ages, paths, protos
from harness.fixtures import assess_allergies
from harness.checks import expect_status, poll
from harness.faces import orl_png

CONTRACT = os.path.join(paths.REPO_ROOT, "tests", "contract")
sys.path.insert(0, os.path.join(CONTRACT, "audit"))
sys.path.insert(0, os.path.join(CONTRACT, "diagnosis"))
import auditlog  # noqa: E402
import dximages  # noqa: E402

FACE_FILES = ("face-api-tiny-detector-v1.onnx", "face-landmarks-68-v1.onnx",
              "dlib-resnet-v1.onnx", "dlib-resnet-v1.card.md")
HAAR = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
PLUGIN = "/usr/lib/smartmed/plugins/cpu.so"
BINARY = "/usr/lib/smartmed/bin/smartmed-service"


class MountedImage:
    """The root file system of service svc's image, mounted read-only on
    the host for the length of a with block."""

    def __init__(self, svc):
        self.name = containers.image_name(svc)

    def __enter__(self):
        self.root = containers.podman("image", "mount", self.name).strip()
        return self

    def __exit__(self, *exc):
        containers.podman("image", "unmount", self.name, check=False)

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def has(self, p):
        return os.path.isfile(self.path(p))


def _patient(st, birth_date="1957-06-05"):
    pb = protos.module("identity")
    return st.call("identity", "CreatePatient", pb.CreatePatientRequest(
        mrn="IMG-" + uuid.uuid4().hex[:12], family_name="Image",
        given_name="Ines", birth_date=birth_date,
        sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


@pytest.mark.parametrize("svc", protos.SERVICES)
def test_image_user_is_the_charts_and_the_process_runs_as_it(cstack, svc):
    uid, gid = containers.chart_user()
    user = containers.podman("image", "inspect", "--format",
                             "{{.Config.User}}",
                             containers.image_name(svc)).strip()
    assert user == "%d:%d" % (uid, gid)
    with open("/proc/%d/status" % cstack.container_pid(svc)) as f:
        ids = {ln.split(":")[0]: ln.split()[1:] for ln in f
               if ln.startswith(("Uid:", "Gid:"))}
    assert ids["Uid"] == [str(uid)] * 4 and ids["Gid"] == [str(gid)] * 4


@pytest.mark.parametrize("svc", protos.SERVICES)
def test_image_holds_binary_and_plugin_not_the_build(cstack, svc):
    with MountedImage(svc) as img:
        assert img.has(BINARY)
        # The inference plugin (and OpenBLAS) only where models run.
        assert img.has(PLUGIN) == (svc in ("identity", "diagnosis"))
        if img.has(PLUGIN):
            st = os.stat(img.path(PLUGIN))
            assert st.st_uid == 0 and st.st_mode & 0o022 == 0, \
                oct(st.st_mode)
        for absent in ("/usr/bin/gcc", "/usr/bin/make", "/src",
                       "/usr/include/grpc"):
            assert not os.path.exists(img.path(absent)), absent
        has_face = all(img.has(containers.FACE_DIR + "/" + f)
                       for f in FACE_FILES)
        assert has_face == (svc == "identity")
        # MiniFASNet, which the chart enforces, and its licence, wherever
        # the build made it (tools/images/build.sh).
        pad = containers.FACE_DIR + "/minifasnet-fused-v1"
        want = svc == "identity" and paths.minifasnet_pad() is not None
        for suffix in (".onnx", ".card.md", ".LICENSE.txt"):
            assert img.has(pad + suffix) == want, (svc, suffix)
        if want:
            with open(img.path(pad + ".onnx"), "rb") as a, \
                    open(paths.minifasnet_pad(), "rb") as b:
                assert a.read() == b.read()
        assert img.has(HAAR) == (svc == "identity")
        model = img.path(containers.MODEL_DIR + "/pneumonia_cxr224_v4.onnx")
        assert os.path.isfile(model) == (svc == "diagnosis")
        if svc == "diagnosis":
            with open(model, "rb") as a, open(dximages.MODEL_PATH, "rb") as b:
                assert a.read() == b.read()
            # Its weights derive from MoveNet's (Apache-2.0): the card
            # naming the licence and the licence's text go with it.
            for suffix in (".card.md", ".LICENSE.txt"):
                assert img.has(containers.MODEL_DIR +
                               "/pneumonia_cxr224_v4" + suffix), suffix


@pytest.mark.parametrize("svc", protos.SERVICES)
def test_health_serving_and_http_ready(cstack, svc):
    h = protos.health()
    with cstack.health_channel(svc) as ch:
        call = ch.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=h.HealthCheckRequest.SerializeToString,
            response_deserializer=h.HealthCheckResponse.FromString)
        assert call(h.HealthCheckRequest(), timeout=5).status == 1
    url = "http://127.0.0.1:%d/readyz" % cstack.http_port(svc)
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200


@pytest.mark.parametrize("svc", protos.SERVICES)
def test_root_read_only_spool_writable(cstack, svc):
    name = cstack.containers[svc]
    r = subprocess.run([containers.PODMAN, "exec", name, "sh", "-c",
                        "touch /usr/lib/smartmed/x"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode != 0 and b"Read-only file system" in r.stdout
    probe = containers.SPOOL + "/.image-test"
    containers.podman("exec", name, "sh", "-c",
                      "touch %s && rm %s" % (probe, probe))


def test_records_entry_round_trip(cstack):
    pb = protos.module("records")
    e = cstack.call("records", "CreateEntry", pb.CreateEntryRequest(
        patient_id=_patient(cstack), kind=pb.ENTRY_KIND_NOTE,
        title="Image test", body="Written through the container."),
        role="clinician")
    got = cstack.call("records", "GetEntry", pb.GetEntryRequest(
        entry_id=e.entry_id), role="nurse")
    assert got == e and e.version == 1
    expect_status(grpc.StatusCode.UNAUTHENTICATED, cstack.call, "records",
                  "GetEntry", pb.GetEntryRequest(entry_id=e.entry_id),
                  token="not-a-token")


def test_diagnosis_model_loads_and_matches_reference(cstack):
    pb = protos.module("diagnosis")
    # A real chest X-ray: the image's guard (chest_guard_v1, set as the
    # chart sets it) refuses synthetic ones.
    rows = dximages.chest_rows(3)
    f = cstack.call("diagnosis", "AnalyzeImage", pb.AnalyzeImageRequest(
        # A child: the model reads children aged 1-5 only.
        patient_id=_patient(cstack, ages.CHILD),
        image=dximages.png_grey(rows)),
        role="clinician", timeout=20)
    with open(dximages.MODEL_PATH, "rb") as fh:
        assert f.model_sha256 == hashlib.sha256(fh.read()).hexdigest()
    assert (f.backend, f.device) == ("cpu", "cpu")
    got = [p.probability for p in f.probabilities]
    want = dximages.opencv_probs(dximages.MODEL_PATH,
                                 dximages.model_input(rows))
    assert len(got) == len(want)
    assert all(abs(g - w) <= 1e-4 for g, w in zip(got, want)), (got, want)
    # The finding carries where the model looked, as a PNG overlay.
    assert f.has_overlay and f.overlay_png.startswith(b"\x89PNG\r\n\x1a\n")


def _order(st, patient):
    dpb = protos.module("dosage")
    code = "IMG-" + uuid.uuid4().hex[:12]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="Testamol", unit="mg", max_single_dose=1000.0,
        max_daily_dose=4000.0, routes=["oral"], substance="paracetamol",
        drug_class="analgesics")), role="pharmacist")
    assess_allergies(st, patient, role="clinician")
    return st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=patient, drug_code=code, dose=500.0,
                        unit="mg", route="oral", frequency="q6h")),
        role="clinician")


def test_bedside_flow_on_the_deep_face_models(cstack):
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    a, b = _patient(cstack), _patient(cstack)
    r = cstack.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=a, images=[orl_png(30, n) for n in (1, 2)]),
        role="nurse", timeout=120)
    assert len(r.templates) == 2
    v = cstack.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        patient_id=a, image=orl_png(30, 5), terminal="ward3-bed7",
        wristband=a),
        role="nurse", timeout=60)
    assert v.match and v.model == "dlib-resnet-v1", v
    rec = cstack.call("dosage", "RecordAdministration",
                      dpb.RecordAdministrationRequest(
                          order_id=_order(cstack, a).id, dose=500, unit="mg",
                          verification_token=v.verification_token),
                      role="nurse")
    assert rec.identity == "verified" and rec.patient_id == a
    assert rec.verification_model == "dlib-resnet-v1"
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, cstack.call, "dosage",
                  "RecordAdministration", dpb.RecordAdministrationRequest(
                      order_id=_order(cstack, b).id, dose=500, unit="mg",
                      verification_token=v.verification_token),
                  role="nurse", details_prefix="verification_token")


def test_audit_inclusion_proof_under_signed_head(cstack):
    pb = protos.module("audit")
    pid = _patient(cstack)

    def record():
        recs = cstack.call("audit", "Query", pb.QueryRequest(
            patient_id=pid), role="auditor", timeout=10)
        return [r for r in recs if r.event.service == "identity"]
    rec = poll(record, timeout=20, what="identity's event in audit")[0]

    def head():
        r = cstack.call("audit", "GetTreeHead", pb.GetTreeHeadRequest(),
                        role="auditor")
        return r if r.head.tree_size >= rec.seq else None
    resp = poll(head, timeout=20, what="a tree head covering the event")
    h = resp.head
    Ed25519PublicKey.from_public_bytes(resp.public_key).verify(
        h.signature, auditlog.sth_message(h))
    proof = cstack.call("audit", "InclusionProof", pb.InclusionProofRequest(
        leaf_index=rec.seq - 1, tree_size=h.tree_size), role="auditor")
    assert proof.leaf_hash == auditlog.leaf_hash(auditlog.leaf_entry(rec))
    assert auditlog.verify_inclusion(proof.leaf_index, h.tree_size,
                                     proof.leaf_hash, proof.audit_path,
                                     h.root_hash)
