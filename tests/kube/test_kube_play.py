"""The Helm chart run, not only rendered: its manifests, rendered with test
values by make deploy-check's renderer, played by `podman kube play`
(kubeplay.py lists every adaptation and why), then the bedside flow
through the deployed pods - a patient created and admitted to the ward,
a face enrolled and verified (a signed token), a drug and an order, a
dose recorded with the token, the dose's audit event proven included
under a signed tree head, the patient read through the FHIR facade.

    tools/images/kube-test.sh     (make kube-test; make image-test and
                                   make test run it after the image tests)
"""

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PublicKey

import kubeplay
from harness import hl7, paths, protos
from harness.fixtures import assess_allergies
from harness.checks import expect_status, poll
from harness.faces import caltech_jpeg, orl_png

sys.path.insert(0, os.path.join(paths.REPO_ROOT, "tests", "contract",
                                "audit"))
import auditlog  # noqa: E402


@pytest.mark.parametrize("svc", kubeplay.SERVICES)
def test_pod_runs_what_the_chart_rendered(kstack, svc):
    """Each Deployment's pod runs its rendered image as the chart's user,
    with a read-only root, no capabilities, no privilege escalation, and
    its ConfigMap as the environment."""
    _, ctr, got = kubeplay.runs_as_rendered(kstack, svc)
    cm = [d for d in kstack.rendered if d["kind"] == "ConfigMap" and
          d["metadata"]["name"] == ctr["envFrom"][0]["configMapRef"]["name"]]
    env = dict(e.split("=", 1) for e in got["Config"]["Env"])
    for k, v in cm[0]["data"].items():
        assert env.get(k) == v, (k, env.get(k), v)


def _fhir_get(st, path, role):
    """(status, JSON body) of GET [base]/path with role's JWT, trusting
    the CA the chart's Secrets carry."""
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + st.token(role))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _order(st, patient):
    dpb = protos.module("dosage")
    code = "KUBE-" + uuid.uuid4().hex[:10]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="Testamol", unit="mg", max_single_dose=1000.0,
        max_daily_dose=4000.0, routes=["oral"], substance="paracetamol",
        drug_class="analgesics")), role="pharmacist", timeout=20)
    assess_allergies(st, patient, role="clinician")
    return st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=patient, drug_code=code, dose=500.0,
                        unit="mg", route="oral", frequency="q6h")),
        role="clinician", timeout=20)


def _photos(st):
    """(enrolment photographs, probe) of one person: make run's colour
    sample patient (Caltech 1, 2; probe 5) where the chart's
    presentation-attack stage is enforced, which refuses grey
    photographs as not judgeable; ORL's otherwise."""
    if st.pad_enforced():
        return [caltech_jpeg(n) for n in (1, 2)], caltech_jpeg(5)
    return [orl_png(30, n) for n in (1, 2)], orl_png(30, 5)


@pytest.fixture(scope="module")
def bedside(kstack):
    """The bedside flow on the ward, through the pods: (patient id, its
    MRN, the recorded administration)."""
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    mrn = "KUBE-" + uuid.uuid4().hex[:10].upper()
    pid = kstack.admitted_patient(mrn)
    other = kstack.admitted_patient("KUBE-" + uuid.uuid4().hex[:10].upper())
    enrol, probe = _photos(kstack)
    r = kstack.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=enrol), role="nurse", timeout=120)
    assert len(r.templates) == 2
    v = kstack.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        patient_id=pid, image=probe, terminal="ward3-bed7", wristband=pid),
        role="nurse", timeout=60)
    assert v.match and v.verification_token, v
    if kstack.pad_enforced():
        assert v.pad_decision == ipb.PAD_DECISION_BONA_FIDE, v
    rec = kstack.call("dosage", "RecordAdministration",
                      dpb.RecordAdministrationRequest(
                          order_id=_order(kstack, pid).id, dose=500,
                          unit="mg",
                          verification_token=v.verification_token),
                      role="nurse", timeout=20)
    # The token another patient's dose cannot use: dosage checks it with
    # the public key of the chart's face keys Secret.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, kstack.call,
                  "dosage", "RecordAdministration",
                  dpb.RecordAdministrationRequest(
                      order_id=_order(kstack, other).id, dose=500,
                      unit="mg", verification_token=v.verification_token),
                  role="nurse", timeout=20,
                  details_prefix="verification_token")
    return pid, mrn, rec, v


def test_dose_recorded_with_the_signed_verification(bedside):
    pid, _mrn, rec, v = bedside
    assert rec.identity == "verified" and rec.patient_id == pid
    assert rec.verification_model == v.model


def test_dose_event_included_under_a_signed_tree_head(kstack, bedside):
    """dosage's event reached audit through the chart's Service name and
    certificate, and the log proves it."""
    pid = bedside[0]
    apb = protos.module("audit")

    def dosage_event():
        recs = kstack.call("audit", "Query", apb.QueryRequest(
            patient_id=pid), role="auditor", timeout=10)
        return [r for r in recs if r.event.service == "dosage"]
    rec = poll(dosage_event, timeout=30, what="dosage's event in audit")[0]

    def head():
        r = kstack.call("audit", "GetTreeHead", apb.GetTreeHeadRequest(),
                        role="auditor")
        return r if r.head.tree_size >= rec.seq else None
    resp = poll(head, timeout=30, what="a tree head covering the event")
    h = resp.head
    Ed25519PublicKey.from_public_bytes(resp.public_key).verify(
        h.signature, auditlog.sth_message(h))
    proof = kstack.call("audit", "InclusionProof", apb.InclusionProofRequest(
        leaf_index=rec.seq - 1, tree_size=h.tree_size), role="auditor")
    assert proof.leaf_hash == auditlog.leaf_hash(auditlog.leaf_entry(rec))
    assert auditlog.verify_inclusion(proof.leaf_index, h.tree_size,
                                     proof.leaf_hash, proof.audit_path,
                                     h.root_hash)


def test_fhir_reads_the_patient_and_the_admission(kstack, bedside):
    """The facade's pod answers HTTPS on the chart's certificate and reads
    identity through its Service name, as the ward's nurse."""
    pid, mrn = bedside[0], bedside[1]
    status, p = _fhir_get(kstack, "Patient/" + pid, "nurse")
    assert status == 200, p
    assert p["resourceType"] == "Patient" and p["id"] == pid
    assert [i["value"] for i in p["identifier"]] == [mrn]
    status, b = _fhir_get(kstack, "Encounter?patient=" + pid, "nurse")
    assert status == 200, b
    enc = [e["resource"] for e in b.get("entry", ())]
    assert len(enc) == 1 and enc[0]["class"]["code"] == "IMP", enc
    assert kubeplay.WARD in json.dumps(enc[0]["location"])


def _admit_over_hl7(kstack, mrn, identity):
    """The ADT^A01 of a stay of mrn on the ward, sent with simple-hl7 (an
    HL7 client nobody here wrote) over MLLP and TLS with the client
    certificate identity, as the PAS (MSH-3 LOADPAS); send.js's summary
    of the ACK."""
    now = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    msh = ["LOADPAS", "HOSP", "SMARTMED", "HOSP", now, "",
           "ADT^A01^ADT_A01", uuid.uuid4().hex[:20], "P", "2.5.1"]
    acks = hl7.node_send(kstack, [{"msh": msh, "segments": [
        "EVN|A01|" + now, "PID|1||%s^^^HOSP^MR||Kube^Hana||19700304|F" % mrn,
        "PV1|1|I|%s^2^7^HOSP||||dr.kube^Kube^Dr" % kubeplay.WARD]}],
        tls_identity=identity)
    return acks[0]


def test_hl7_pod_admits_what_the_bound_pas_sends_over_tls(kstack):
    """The chart's HL7 interface in its pod: the PAS's ADT^A01 over MLLP
    and TLS, on the certificate the chart's MED_HL7_SENDERS binds to it,
    registers and admits the patient in identity's pod; the same message
    on another certificate of the hospital CA is refused AR naming the
    binding and admits nothing; plain TCP gets no answer."""
    ipb = protos.module("identity")
    kstack.make_identities("pas-engine", "lab-engine")
    assert hl7.over_tls(kstack)
    mrn = "KUBE-" + uuid.uuid4().hex[:10].upper()
    ack = _admit_over_hl7(kstack, mrn, "pas-engine")
    assert ack["msa"][0] == "AA", ack
    p = kstack.call("identity", "GetPatient", ipb.GetPatientRequest(
        mrn=mrn), role="registrar", timeout=20)
    assert (p.family_name, p.given_name) == ("Kube", "Hana"), p
    enc = kstack.call("identity", "ListEncounters", ipb.ListEncountersRequest(
        patient_id=p.patient_id), role="registrar", timeout=20).encounters
    assert [(e.location.ward, e.end_ms) for e in enc] == [
        (kubeplay.WARD, 0)], enc

    other = "KUBE-" + uuid.uuid4().hex[:10].upper()
    ack = _admit_over_hl7(kstack, other, "lab-engine")
    assert ack["msa"][0] == "AR", ack
    assert "not bound to the sender LOADPAS@HOSP" in ack["raw"], ack
    expect_status(grpc.StatusCode.NOT_FOUND, kstack.call, "identity",
                  "GetPatient", ipb.GetPatientRequest(mrn=other),
                  role="registrar", timeout=20)
    with pytest.raises((ConnectionError, OSError)):
        with hl7.Mllp(kstack) as plain:
            plain.send("MSH|^~\\&|LOADPAS|HOSP|SMARTMED|HOSP|||"
                       "ADT^A01^ADT_A01|%s|P|2.5.1\r" % uuid.uuid4().hex[:20])


def test_fhir_serves_the_console_and_smart_as_the_values_say(kstack):
    """The facade's pod serves the ward console from its image's files
    (the chart's MED_CONSOLE_DIR), its config.json from fhir.console (the
    issuer is global.jwt's), and the SMART endpoints of fhir.smart, with
    the client CA of fhir.edge mounted (the port asks for certificates;
    this client presents none and is served)."""
    fhir = kstack.fhir_url()
    origin = fhir[:fhir.index("/", len("https://"))]
    ctx = ssl.create_default_context(cafile=kstack.ca_path)
    with urllib.request.urlopen(origin + "/console/", context=ctx,
                                timeout=30) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/html")
        assert b"<html" in r.read().lower()
    with urllib.request.urlopen(origin + "/console/config.json",
                                context=ctx, timeout=30) as r:
        cfg = json.loads(r.read())
    assert cfg["issuer"] == kubeplay.ISSUER, cfg
    assert cfg["clientId"] == "smartmed-console", cfg
    assert cfg["timeZone"] == kubeplay.WARD_TIME_ZONE, cfg
    assert cfg["fhirBaseUrl"] == fhir, cfg
    with urllib.request.urlopen(fhir + "/.well-known/smart-configuration",
                                context=ctx, timeout=30) as r:
        smart = json.loads(r.read())
    assert smart["token_endpoint"] == kubeplay.ISSUER + "/token", smart
    assert smart["authorization_endpoint"] == kubeplay.ISSUER + "/auth"
