"""KubeStack: the Helm chart (deploy/k8s/helm/smartmed) rendered with test
values by the project's renderer ($BUILD/deploy-check/render, as make
deploy-check renders it) and the resulting Kubernetes manifests run by
podman's Kubernetes YAML player (`podman kube play`), beside the harness's
MariaDB and development CA.

The values (test_values) are a test install's: secrets.create with real
keys made now (TLS certificates signed by the development CA, the JWKS of
a signing key the test holds, `vtoken keygen` face keys, random audit and
research keys, the MariaDB users' passwords), the harness's MariaDB as an
external database, and these settings, each because of what podman is:

  V1 global.spool.persistent: false - Deployments with the spool on an
     emptyDir: podman 4.3 plays Pods and Deployments, not StatefulSets
     (nor their volumeClaimTemplates).
  V2 replicas 1, no autoscaler - every pod is on the host network (A1):
     two pods of one service would bind the same ports.
  V3 global.networkPolicy.enabled: false - podman enforces no
     NetworkPolicy; with it off what runs is all that is rendered.
  V4 every port (gRPC, health, metrics, audit ingest, HTTPS) a free one
     of this host, and fhir.baseUrl on localhost: the host network is
     shared with whatever else runs here.
  V5 a release name of its own (kt<hex>): pods, names and certificates
     follow the release, and two runs on one host do not collide.
  V6 the chart's PACS in the same play (pacs.enabled, pacs.writeback,
     pacs.watch, secrets.pacsPassword a random one): Orthanc from the image
     `tools/images/build.sh orthanc` tagged, its port a free one (V4).
  V7 only where identity's image lacks MiniFASNet (built without
     ../shared/models/minifasnet): MED_FACE_PAD=warn with
     human-liveness-v1, the image's other PAD model; the chart's default,
     enforce with MiniFASNet, is played whenever the image has it.

The rendered objects are then played with these adaptations, each because
podman 4.3 (Debian 12) lacks what a cluster gives (adapt(); the test
fails on anything else it does not expect):

  A1 hostNetwork: true - no cluster network: pods reach each other and
     MariaDB on 127.0.0.1, as the image tests' containers do.
  A2 Service names through a hosts file: kube play ignores Services.  Each
     rendered Service's ports must equal its pods' container ports
     (checked), so <release>-<service> -> 127.0.0.1 is its address on the
     host network.  The file is bind-mounted on /etc/hosts, as the kubelet
     implements hostAliases (podman 4.3 drops hostAliases for containers
     on the host network).
  A3 container ports dropped: podman 4.3 publishes every containerPort as
     a host port mapping, which the host network refuses; the services
     listen on the same ports anyway.
  A4 probes run by the test: podman 4.3 ignores readiness and startup
     probes and runs liveness as `curl` in the container (the images have
     none; a named port becomes 0), through systemd timers this host has
     not.  wait_ready() runs each container's readiness probe (gRPC health,
     HTTP GET or TCP on the named port) until it passes, then its liveness
     probe once.
  A5 Secret volumes projected as the kubelet projects them: a directory
     per pod volume with the items' paths (or every key), the data
     decoded, mode defaultMode, group fsGroup, owner root, mounted as a
     hostPath.  podman 4.3's secret volumes panic without `optional`,
     write the base64 text instead of the data, and ignore items,
     defaultMode and fsGroup.
  A6 emptyDir volumes named <pod>-<volume>: podman 4.3 makes an
     emptyDir a podman volume named after the pod's volume, so every
     pod's "spool" would be one volume (and the audit spool's lock
     refuses its second user).  Such a volume takes the owner and mode
     of the image's directory (the kubelet makes an emptyDir 0777): the
     images make the spool 10001's and /tmp 1777.
  A7 the open-file and process limits of the image tests
     (containers.ULIMITS) through CONTAINERS_CONF: podman's defaults
     exceed this host's hard limits, which runc then refuses.
  A8 projected volumes (Orthanc's configuration: a ConfigMap's and a
     Secret's items in one folder) written by the test as A5 writes a
     Secret's: podman 4.3 does not play projected volumes.
  A9 PersistentVolumeClaims played as podman makes them, a podman volume
     named after the claim (<release>-orthanc, so two runs do not share
     one), removed with the pods.  The volume takes the owner and mode of
     the image's directory (10001's), as A6's do; in a cluster the kubelet
     gives it the pod's fsGroup.

ConfigMaps (envFrom), PersistentVolumeClaims (A9), Deployments, the pod
and container securityContext (user, group, read-only root, no
capabilities, no privilege escalation, seccomp), resources, emptyDir
volumes and the images as rendered are podman's to play.
HorizontalPodAutoscalers, PodDisruptionBudgets, ServiceMonitors and
PrometheusRules have no controller under podman and are left out."""

import base64
import copy
import datetime
import ipaddress
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request

import grpc
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import containers
from harness import hl7, paths, pki, protos, stack

CHART = os.path.join(paths.REPO_ROOT, "deploy", "k8s", "helm", "smartmed")
ISSUER = "https://sso.kube-test.invalid/realms/hospital"
AUDIENCE = "smartmed"
WARD_TIME_ZONE = "Asia/Kolkata"
# The ward of the nurse and clinician tokens (their units claim).
WARD = "ward-3"
SERVICES = protos.SERVICES + ("fhir", "hl7")
# Who may send to the play's HL7 interface (the chart's
# services.hl7.env.MED_HL7_SENDERS, bound as docs/hl7.md asks of
# production): a patient administration system and a laboratory, each by
# its client certificate's CN (StackPki.make_identities), named as the
# load driver's sending systems are (tools/load/driver.py, HL7_SENDERS).
HL7_SENDERS = "pas-engine=LOADPAS@HOSP:ADT;lab-engine=LOADLIS@HOSP:ORU"
# The chart's optional PACS (templates/pacs.yaml), played too (V6).
PACS = "orthanc"
PACS_USER = "smartmed-diagnosis"
# The PACS's own user (pacs.adminUser): stores and queries studies, which
# the diagnosis user, with least privilege, may not.
PACS_ADMIN = "pacs-admin"
# Kinds the test leaves out (no controller under podman) or handles itself.
INERT_KINDS = ("HorizontalPodAutoscaler", "PodDisruptionBudget",
               "ServiceMonitor", "PrometheusRule")


def cannot_play_pods():
    """Why podman cannot run the chart's pods here, or None."""
    why = containers.cannot_run_containers()
    if why:
        return why
    # A pod's infra container runs catatonit (Debian's podman only
    # recommends it).
    if not (shutil.which("catatonit") or any(
            os.path.exists(os.path.join(d, "catatonit"))
            for d in ("/usr/libexec/podman", "/usr/lib/podman"))):
        return ("catatonit is not installed: podman's pods need it "
                "(tools/dev/install-deps.sh)")
    return None


def missing_images():
    """What is missing of the images the play runs, and how to make it
    ("" when none is)."""
    why = []
    missing = [containers.image_name(s) for s in SERVICES
               if not containers.image_exists(s)]
    if missing:
        why.append("images not built (make images): %s" % missing)
    if not containers.image_exists(PACS):
        why.append("%s not built (tools/images/build.sh orthanc)"
                   % containers.image_name(PACS))
    return "; ".join(why)


def renderer():
    """The chart renderer make deploy-check builds."""
    return os.path.join(paths.build_dir(), "deploy-check", "render")


def set_value(values, assignment):
    """Apply one helm --set style assignment, "a.b.c=VALUE" (VALUE read
    as a YAML scalar: 2, "500m", true), to the nested dict values;
    raises ValueError naming what is wrong."""
    path, eq, text = assignment.partition("=")
    keys = path.split(".")
    if not eq or not all(keys):
        raise ValueError("%r: KEY.PATH=VALUE" % assignment)
    value = yaml.safe_load(text) if text else ""
    if isinstance(value, (dict, list)):
        raise ValueError("%r: VALUE must be a scalar" % assignment)
    d = values
    for k in keys[:-1]:
        d = d.setdefault(k, {})
        if not isinstance(d, dict):
            raise ValueError("%r: %s is not a map" % (assignment, k))
    d[keys[-1]] = value
    return values


def merge(dst, src):
    """helm's merge of -f files: maps key by key, and a null deletes the
    key (as the chart renderer does)."""
    for k, v in src.items():
        if v is None:
            dst.pop(k, None)
        elif isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v
    return dst


def check_schema(values):
    """values.yaml merged with values against values.schema.json, as helm
    install checks them; raises StackError naming each violation."""
    import jsonschema
    with open(os.path.join(CHART, "values.schema.json")) as f:
        schema = json.load(f)
    with open(os.path.join(CHART, "values.yaml")) as f:
        merged = merge(yaml.safe_load(f), copy.deepcopy(values))
    errs = ["%s: %s" % (".".join(str(p) for p in e.path), e.message)
            for e in jsonschema.Draft7Validator(schema).iter_errors(merged)]
    if errs:
        raise stack.StackError("test values break values.schema.json:\n" +
                               "\n".join(errs))


def server_cert(ca, name, fullname):
    """(cert PEM, key PEM) of service name's certificate from the
    development CA: CN the service's principal, DNS SANs its Service name
    (the chart's server names), its own name and localhost, IP SAN
    127.0.0.1 (the test's clients dial that); server and client use."""
    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    san = x509.SubjectAlternativeName([
        x509.DNSName(fullname), x509.DNSName(name),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smartmed"),
                x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH,
                 ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(san, critical=False)
            .sign(ca_key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


def read_text(path):
    with open(path) as f:
        return f.read()


def free_host_port():
    """A port free on every address of this host (the services listen on
    0.0.0.0, MED_LISTEN_HOST of the chart)."""
    for _ in range(50):
        port = stack.free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
        return port
    raise stack.StackError("no free port on 0.0.0.0")


def named_port(container, port):
    """A probe's port (a number or a container port's name) as a number."""
    if isinstance(port, int):
        return port
    for p in container.get("ports", ()):
        if p.get("name") == port:
            return p["containerPort"]
    raise stack.StackError("container %s has no port named %r"
                           % (container["name"], port))


def object_data(kind, obj):
    """{key: bytes} of a rendered Secret ("secret": data base64,
    stringData text) or ConfigMap ("configMap": data text, binaryData
    base64)."""
    text, coded = ("stringData", "data") if kind == "secret" else \
        ("data", "binaryData")
    data = {k: base64.b64decode(v) for k, v in
            (obj.get(coded) or {}).items()}
    data.update({k: v.encode() for k, v in (obj.get(text) or {}).items()})
    return data


def probe_once(container, probe, timeout=2.0):
    """Run one kubelet probe (gRPC health, HTTP GET or TCP) on 127.0.0.1;
    returns None when it passes, else why not."""
    if "grpc" in probe:
        port = named_port(container, probe["grpc"]["port"])
        h = protos.health()
        with grpc.insecure_channel("127.0.0.1:%d" % port) as ch:
            call = ch.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=h.HealthCheckRequest.SerializeToString,
                response_deserializer=h.HealthCheckResponse.FromString)
            try:
                st = call(h.HealthCheckRequest(
                    service=probe["grpc"].get("service", "")),
                    timeout=timeout).status
            except grpc.RpcError as e:
                return "gRPC health on %d: %s" % (port, e.code())
            return None if st == stack.SERVING else \
                "gRPC health on %d: status %d" % (port, st)
    if "tcpSocket" in probe:
        port = named_port(container, probe["tcpSocket"]["port"])
        try:
            socket.create_connection(("127.0.0.1", port), timeout).close()
        except OSError as e:
            return "TCP %d: %s" % (port, e)
        return None
    if "httpGet" in probe:
        g = probe["httpGet"]
        port = named_port(container, g["port"])
        url = "http://127.0.0.1:%d%s" % (port, g.get("path", "/"))
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return None if 200 <= r.status < 400 else \
                    "GET %s: %d" % (url, r.status)
        except (OSError, ValueError) as e:
            return "GET %s: %s" % (url, e)
    raise stack.StackError("probe of %s not run by the test: %r"
                           % (container["name"], probe))


def runs_as_rendered(kstack, name):
    """(pod spec, container spec, podman's inspection) of workload name's
    running container, after checking that it runs the rendered image as
    the chart's user with a read-only root, no capabilities and no
    privilege escalation, never restarted."""
    pod = kstack.workload(name)["spec"]["template"]["spec"]
    ctr = pod["containers"][0]
    got = json.loads(containers.podman(
        "inspect", kstack.services[name].container))[0]
    assert got["State"]["Running"] and got["RestartCount"] == 0
    assert got["ImageName"] == ctr["image"]
    sc = pod["securityContext"]
    assert got["Config"]["User"] == "%d:%d" % (sc["runAsUser"],
                                                sc["runAsGroup"])
    assert ctr["securityContext"]["readOnlyRootFilesystem"] is True
    assert got["HostConfig"]["ReadonlyRootfs"] is True
    assert "no-new-privileges" in " ".join(
        got["HostConfig"].get("SecurityOpt") or [])
    assert not got["EffectiveCaps"], got["EffectiveCaps"]
    return pod, ctr, got


class PodService(stack.Service):
    """A service whose process is the one container of a played pod."""

    def __init__(self, name, container, log_path, env, **ports):
        super().__init__(name, ports.get("grpc_port"), ports.get("http_port"),
                         env, log_path, None, ports.get("health_port"))
        self.container = container

    def state(self):
        out = containers.podman("inspect", "--format",
                                "{{.State.Status}} {{.RestartCount}}",
                                self.container, check=False).split()
        return (out[0], int(out[1])) if len(out) == 2 else ("gone", 0)

    def is_running(self):
        status, restarts = self.state()
        return status == "running" and restarts == 0

    def pid(self):
        """The pid on this host of the container's process (the service:
        the images run it as the container's first process), or None when
        the container is not running."""
        out = containers.podman("inspect", "--format", "{{.State.Pid}}",
                                self.container, check=False).strip()
        return int(out) if out.isdigit() and int(out) > 0 else None


class KubeStack(stack.Stack):
    """The harness's MariaDB and PKI (no services of its own) and the
    chart's pods on them; see the module doc."""

    def __init__(self, **kw):
        kw.setdefault("health_timeout", 180.0)
        super().__init__(services=(), **kw)
        self.release = "kt" + secrets.token_hex(3)
        self.kube_dir = os.path.join(self.workdir, "kube")
        self.rendered = []       # every object the chart rendered
        self.played = []         # what podman kube play ran
        self.left_out = []       # (kind, name, why)
        self.pods = []
        self.volumes = []        # podman volumes of the emptyDirs (A6)
        self.jwt_key = pki.JwtKey("ES256", "kube-test-1")
        self.ports = {}
        self.face_keys_dir = None
        self._pad_enforced = None
        self.pacs_password = secrets.token_hex(12)
        self.pacs_admin_password = secrets.token_hex(12)
        # Values a caller sets over the test install's (the load ramp's
        # --chart-set), merged as helm merges a later -f file.
        self.values_over = {}

    # --- values -------------------------------------------------------------

    def fullname(self, svc):
        return "%s-%s" % (self.release, svc)

    def _pick_ports(self):
        for svc in protos.SERVICES:
            self.ports[svc] = {k: free_host_port()
                               for k in ("grpc", "health", "http")}
        self.ports["audit"]["ingest"] = free_host_port()
        self.ports["hl7"] = {k: free_host_port()
                             for k in ("grpc", "health", "http", "mllp")}
        self.ports["fhir"] = {"https": free_host_port(),
                              "http": free_host_port()}
        self.ports[PACS] = {"http": free_host_port()}

    def pad_enforced(self):
        """True when identity's image carries MiniFASNet, so the chart's
        default (MED_FACE_PAD=enforce with it) is what plays (V7)."""
        if self._pad_enforced is None:
            self._pad_enforced = containers.image_has(
                "identity", containers.FACE_DIR + "/minifasnet-fused-v1.onnx")
        return self._pad_enforced

    def _face_keys(self):
        """identity's signing pair from `vtoken keygen` and a random
        template key, as base64 text (what the chart's Secret holds)."""
        d = os.path.join(self.kube_dir, "face")
        os.makedirs(d, mode=0o700)
        priv, pub = os.path.join(d, "signing.key"), os.path.join(d, "pub")
        subprocess.run([paths.bin_path("vtoken"), "keygen", priv, pub],
                       check=True, stdout=subprocess.PIPE)
        return (read_text(priv).strip(), read_text(pub).strip(),
                base64.b64encode(secrets.token_bytes(32)).decode())

    def test_values(self):
        """The values of this test install (module doc, V1-V5)."""
        ca_pem = read_text(self.ca_path)
        ca = pki.load_ca(self.ca_path, os.path.join(self.pki_dir, "ca.key"))
        tls = {}
        for svc in SERVICES:
            crt, key = server_cert(ca, svc, self.fullname(svc))
            tls[svc] = {"crt": crt, "key": key}
        signing, public, template = self._face_keys()
        one = {"replicas": 1, "autoscaling": {"enabled": False}}
        services = {svc: {"grpcPort": p["grpc"], "healthPort": p["health"],
                          "httpPort": p["http"], "replicas": 1}
                    for svc, p in self.ports.items()
                    if svc in protos.SERVICES + ("hl7",)}
        # The HL7 interface: MLLP over TLS on a free port, its senders
        # bound.
        services["hl7"].update(mllpPort=self.ports["hl7"]["mllp"],
                               env={"MED_HL7_SENDERS": HL7_SENDERS})
        if not self.pad_enforced():                           # V7
            services["identity"]["env"] = {
                "MED_FACE_PAD": "warn",
                "MED_FACE_PAD_MODEL": containers.FACE_DIR +
                "/human-liveness-v1.onnx"}
        # Settings a caller gave one service (Stack.service_env, e.g. the
        # load driver's): its env values, over the chart's own.
        for svc, env in self.service_env.items():
            services[svc].setdefault("env", {}).update(env)
        image = containers.image_name("audit")
        registry, rest = image.split("/", 1)
        repository = rest.rsplit("-", 1)[0]
        tag = image.rsplit(":", 1)[1]
        return {
            "global": {
                # The images tools/images/build.sh tagged.
                "image": {"registry": registry, "repository": repository,
                          "tag": tag},
                "mariadb": {"host": "127.0.0.1", "port": self.db_port},
                "jwt": {"issuer": ISSUER, "audience": AUDIENCE},
                "audit": {"ingestPort": self.ports["audit"]["ingest"]},
                "spool": {"persistent": False},              # V1
                "networkPolicy": {"enabled": False},         # V3
            },
            "defaults": one,                                 # V2
            "services": services,                            # V4
            # The console from the image, on the ward's clock; system
            # clients' CA from a Secret; SMART's endpoints (the provider is
            # not run: the facade only names them).
            "fhir": dict(one, httpsPort=self.ports["fhir"]["https"],
                         httpPort=self.ports["fhir"]["http"],
                         baseUrl=self.fhir_url(),
                         console={"enabled": True,
                                  "wardTimeZone": WARD_TIME_ZONE},
                         edge={"clientCaSecret": "smartmed-fhir-client-ca"},
                         smart={"authorizationEndpoint": ISSUER + "/auth",
                                "tokenEndpoint": ISSUER + "/token"}),
            # V6: the chart's Orthanc, diagnosis writing its overlays back
            # and analysing the requested chest X-rays as they arrive.
            "pacs": {"enabled": True, "writeback": True, "watch": True,
                     "user": PACS_USER,
                     "adminUser": PACS_ADMIN,
                     "orthanc": {"httpPort": self.ports[PACS]["http"]}},
            "secrets": {
                "create": True,
                "caCrt": ca_pem,
                "tls": tls,
                "mariadbPasswords": {
                    svc: self.db_users["smartmed_" + svc]
                    for svc in protos.SERVICES + ("hl7",)},
                "mariadbCa": ca_pem,
                "jwks": json.dumps({"keys": [self.jwt_key.jwk()]}),
                "breakGlassPublic": read_text(
                    os.path.join(self.pki_dir, "break-glass.pub")),
                "breakGlassPrivate": read_text(
                    os.path.join(self.pki_dir, "break-glass.key")),
                "auditSigningKey": secrets.token_hex(32),
                "auditLeafKey": secrets.token_hex(32),
                "researchKey": secrets.token_hex(32),
                "fhirClientCa": ca_pem,
                "faceSigningKey": signing,
                "facePublicKey": public,
                "faceTemplateKey": template,
                "pacsPassword": self.pacs_password,
                "pacsAdminPassword": self.pacs_admin_password,
            },
        }

    def render(self, values):
        """The chart rendered with values by the project's renderer."""
        check_schema(values)
        path = os.path.join(self.kube_dir, "values.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(values, f)
        os.chmod(path, 0o600)
        exe = renderer()
        if not os.access(exe, os.X_OK):
            raise stack.StackError("%s is missing: run make deploy-check"
                                   % exe)
        r = subprocess.run([exe, "-chart", CHART, "-f", path, "-name",
                            self.release, "-namespace", "smartmed"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        if r.returncode != 0:
            raise stack.StackError("render failed: %s"
                                   % r.stderr.decode("utf-8", "replace"))
        return [d for d in yaml.safe_load_all(r.stdout) if d]

    # --- adaptation ---------------------------------------------------------

    def _hosts_file(self, services):
        """/etc/hosts of every pod (A2): the rendered Services' names on
        127.0.0.1."""
        names = " ".join(s["metadata"]["name"] for s in services)
        path = os.path.join(self.kube_dir, "hosts")
        with open(path, "w") as f:
            f.write("127.0.0.1\tlocalhost %s\n::1\tlocalhost\n" % names)
        os.chmod(path, 0o644)
        return path

    def _project(self, pod, volume, objects, fs_group):
        """A5, A8: the files of a Secret or projected volume as the kubelet
        writes them; objects maps ("secret" or "configMap", name) to the
        rendered object."""
        if "secret" in volume:
            src = volume["secret"]
            sources = [{"secret": dict(src, name=src["secretName"])}]
        else:
            src = volume["projected"]
            sources = src["sources"]
        d = os.path.join(self.kube_dir, "volumes", pod, volume["name"])
        os.makedirs(d)
        mode = src.get("defaultMode", 0o644)
        for source in sources:
            (kind, ref), = source.items()
            obj = objects.get((kind, ref["name"]))
            if obj is None:
                raise stack.StackError("%s mounts %s %s, which the chart did "
                                       "not render" % (pod, kind, ref["name"]))
            data = object_data(kind, obj)
            items = ref.get("items") or [{"key": k, "path": k}
                                         for k in sorted(data)]
            for it in items:
                if it["key"] not in data:
                    raise stack.StackError("pod %s: %s %s has no key %s" % (
                        pod, kind, ref["name"], it["key"]))
                path = os.path.join(d, it["path"])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data[it["key"]])
                os.chown(path, 0, fs_group)
                os.chmod(path, it.get("mode", mode))
        os.chown(d, 0, fs_group)
        os.chmod(d, 0o750)
        return {"name": volume["name"],
                "hostPath": {"path": d, "type": "Directory"}}

    def _check_service(self, svc_obj, workloads):
        """A2: a Service's ports are its pods' ports, so its address on
        the host network is 127.0.0.1 with the same port."""
        sel = svc_obj["spec"]["selector"]
        pods = [w for w in workloads
                if all(w["spec"]["template"]["metadata"]["labels"].get(k) == v
                       for k, v in sel.items())]
        if len(pods) != 1:
            raise stack.StackError("Service %s selects %d workloads" % (
                svc_obj["metadata"]["name"], len(pods)))
        ctr = pods[0]["spec"]["template"]["spec"]["containers"][0]
        for p in svc_obj["spec"]["ports"]:
            target = named_port(ctr, p.get("targetPort", p["port"]))
            if target != p["port"]:
                raise stack.StackError(
                    "Service %s maps port %d to %d: not reachable on the "
                    "host network" % (svc_obj["metadata"]["name"], p["port"],
                                      target))

    def adapt(self, docs):
        """The objects to play, adapted (A1-A6); the rest recorded in
        left_out with the reason."""
        by_kind = {}
        for d in docs:
            by_kind.setdefault(d["kind"], []).append(d)
        unknown = set(by_kind) - set(INERT_KINDS) - {
            "ConfigMap", "Deployment", "PersistentVolumeClaim", "Secret",
            "Service"}
        if unknown:
            raise stack.StackError("rendered kinds the test does not play: "
                                   "%s" % sorted(unknown))
        workloads = by_kind.get("Deployment", [])
        secrets_ = {s["metadata"]["name"]: s for s in by_kind["Secret"]}
        objects = {("secret", n): s for n, s in secrets_.items()}
        objects.update({("configMap", c["metadata"]["name"]): c
                        for c in by_kind["ConfigMap"]})
        for s in by_kind.get("Service", []):
            self._check_service(s, workloads)
            self.left_out.append(("Service", s["metadata"]["name"],
                                  "A2: 127.0.0.1 in the pods' hosts file"))
        for s in secrets_:
            self.left_out.append(("Secret", s, "A5: projected into the "
                                  "pods that mount it"))
        for kind in INERT_KINDS:
            for d in by_kind.get(kind, []):
                self.left_out.append((kind, d["metadata"]["name"],
                                      "no controller under podman"))
        hosts = self._hosts_file(by_kind.get("Service", []))
        played = list(by_kind["ConfigMap"])
        for c in by_kind.get("PersistentVolumeClaim", []):          # A9
            played.append(c)
            self.volumes.append(c["metadata"]["name"])
        for w in workloads:
            w = copy.deepcopy(w)
            name = w["metadata"]["name"]
            if w["spec"].get("replicas") != 1:
                raise stack.StackError("%s: replicas %r, not 1 (V2)"
                                       % (name, w["spec"].get("replicas")))
            spec = w["spec"]["template"]["spec"]
            spec["hostNetwork"] = True                              # A1
            fs_group = spec.get("securityContext", {}).get("fsGroup", 0)
            vols = []
            renamed = {}
            for v in spec.get("volumes", []):
                if "emptyDir" in v:                                 # A6
                    renamed[v["name"]] = "%s-%s" % (name, v["name"])
                    v = dict(v, name=renamed[v["name"]])
                    self.volumes.append(v["name"])
                if "secret" in v or "projected" in v:               # A5, A8
                    v = self._project(name, v, objects, fs_group)
                vols.append(v)
            vols.append({"name": "kube-test-hosts",
                         "hostPath": {"path": hosts, "type": "File"}})
            spec["volumes"] = vols
            for c in spec["containers"]:
                for m in c.get("volumeMounts", ()):
                    m["name"] = renamed.get(m["name"], m["name"])
                c.pop("ports", None)                                # A3
                for p in ("startupProbe", "readinessProbe", "livenessProbe"):
                    c.pop(p, None)                                  # A4
                c.setdefault("volumeMounts", []).append(
                    {"name": "kube-test-hosts", "mountPath": "/etc/hosts",
                     "readOnly": True})                             # A2
            played.append(w)
        return played

    # --- lifecycle ------------------------------------------------------------

    def _containers_conf(self):
        """A7: podman's settings file with the image tests' limits."""
        limits = [containers.ULIMITS[i + 1]
                  for i in range(0, len(containers.ULIMITS), 2)]
        path = os.path.join(self.kube_dir, "containers.conf")
        with open(path, "w") as f:
            f.write("[containers]\ndefault_ulimits = [%s]\n"
                    % ", ".join('"%s"' % x for x in limits))
        return path

    def kube(self, *args, timeout=300, check=True):
        env = dict(os.environ, CONTAINERS_CONF=self._containers_conf())
        r = subprocess.run([containers.PODMAN] + list(args), env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        out = r.stdout.decode("utf-8", "replace")
        if check and r.returncode != 0:
            raise stack.StackError("podman %s failed (%d):\n%s"
                                   % (" ".join(args[:2]), r.returncode,
                                      out[-3000:]))
        return out

    def start(self):
        super().start()   # MariaDB, databases, users, PKI: no services
        try:
            self._play()
        except BaseException:
            self.close()
            raise
        return self

    def _play(self):
        os.makedirs(self.kube_dir, mode=0o700)
        self._pick_ports()
        hl7.create_database(self)
        self.rendered = self.render(merge(self.test_values(),
                                          copy.deepcopy(self.values_over)))
        self.played = self.adapt(self.rendered)
        path = os.path.join(self.kube_dir, "played.yaml")
        with open(path, "w") as f:
            yaml.safe_dump_all(self.played, f)
        os.chmod(path, 0o600)
        self.kube("kube", "play", "--quiet", path)
        self.pods = self.release_pods()
        for w in self.played:
            if w["kind"] != "Deployment":
                continue
            c = w["spec"]["template"]["spec"]["containers"][0]
            svc = c["name"]
            p = self.ports[svc]
            # podman names a Deployment's pod <name>-pod[-<n>] and its
            # containers <pod>-<container>.
            pod = [x for x in self.pods
                   if x.startswith(w["metadata"]["name"] + "-pod")]
            if len(pod) != 1:
                raise stack.StackError("%d pods for %s: %s" % (
                    len(pod), w["metadata"]["name"], self.pods))
            self.services[svc] = PodService(
                svc, "%s-%s" % (pod[0], svc),
                os.path.join(self.log_dir, svc + ".log"),
                self.pod_env(c), grpc_port=p.get("grpc", p.get("https")),
                http_port=p["http"], health_port=p.get("health"))
        # The harness's HL7 clients (harness.hl7: Mllp, node_send) and the
        # load driver find the listener's port and mode in its pod's env.
        self.hl7 = "hl7" in self.services
        self.tokens = {r: self.jwt(r) for r in stack.TOKEN_ROLES}
        self.wait_ready()

    def pod_env(self, container):
        """The environment the chart gives a played container: its
        ConfigMaps' data (envFrom) under its own env values."""
        env = {}
        for ref in container.get("envFrom") or []:
            name = (ref.get("configMapRef") or {}).get("name")
            for d in self.rendered:
                if d["kind"] == "ConfigMap" and \
                        d["metadata"]["name"] == name:
                    env.update(d.get("data") or {})
        env.update({e["name"]: e["value"] for e in
                    container.get("env") or [] if "value" in e})
        return env

    def workload(self, svc):
        """The rendered (not adapted) Deployment of service svc."""
        for d in self.rendered:
            if d["kind"] == "Deployment" and d["metadata"]["name"] == \
                    self.fullname(svc):
                return d
        raise KeyError(svc)

    def wait_ready(self):
        """A4: each container's readiness probe until it passes (its pod
        must keep running, never restarted), then its liveness probe."""
        deadline = time.monotonic() + self.health_timeout
        waiting = {svc: "not probed" for svc in self.services}
        while waiting:
            for svc in list(waiting):
                s = self.services[svc]
                status, restarts = s.state()
                if status != "running" or restarts:
                    raise stack.StackError(
                        "%s's pod is %s (%d restarts):\n%s" % (
                            svc, status, restarts, self.pod_log(svc)))
                c = self.workload(svc)["spec"]["template"]["spec"][
                    "containers"][0]
                why = probe_once(c, c["readinessProbe"])
                if why is None:
                    why = probe_once(c, c["livenessProbe"])
                    if why is not None:
                        raise stack.StackError("%s ready but not live: %s"
                                               % (svc, why))
                    del waiting[svc]
                else:
                    waiting[svc] = why
            if waiting and time.monotonic() > deadline:
                raise stack.StackError("not ready after %.0f s: %s\n%s" % (
                    self.health_timeout, waiting,
                    "\n".join(self.pod_log(s) for s in waiting)))
            time.sleep(0.5)

    def pod_log(self, svc, lines=40):
        """The last lines of service svc's container log (also saved to
        its log file for the failure report)."""
        s = self.services[svc]
        r = subprocess.run([containers.PODMAN, "logs", s.container],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        out = r.stdout.decode("utf-8", "replace")
        with open(s.log_path, "w") as f:
            f.write(out)
        return "=== %s\n%s" % (svc, "\n".join(out.splitlines()[-lines:]))

    def logs_report(self, lines=30):
        for svc in self.services:
            self.pod_log(svc)
        return super().logs_report(lines=lines)

    def release_pods(self):
        """The names of the pods of this test's release."""
        return containers.podman(
            "pod", "ps", "--filter", "name=^%s-" % self.release,
            "--format", "{{.Name}}", check=False).split()

    def _stop_all_services(self):
        for ch in self._channels.values():
            ch.close()
        self._channels.clear()
        self.pods = self.release_pods()
        if self.pods:   # SIGTERM, the services drain (stop, then rm: a
            # forced rm takes seconds more a pod here)
            containers.podman("pod", "stop", "--ignore", "--time", "30",
                              *self.pods, check=False, timeout=120)
            containers.podman("pod", "rm", "--force", "--ignore",
                              *self.pods, check=False, timeout=120)
        for v in self.volumes:
            containers.podman("volume", "rm", "--force", v, check=False)
        shutil.rmtree(os.path.join(self.kube_dir, "volumes"),
                      ignore_errors=True)

    # --- clients -------------------------------------------------------------

    def jwt(self, role, ttl_s=3600):
        """A bearer JWT of the test's identity provider for role's user;
        the nurse and the clinician work on WARD."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE,
                  "sub": "uid-" + stack.USERS[role],
                  "preferred_username": stack.USERS[role], "iat": now,
                  "nbf": now - 1, "exp": now + ttl_s, "roles": [role]}
        if role in ("nurse", "clinician"):
            claims["units"] = [WARD]
        return pki.jwt(self.jwt_key, claims)

    def admitted_patient(self, mrn, birth_date="1961-04-09"):
        """A new patient with MRN mrn (an adult unless birth_date says
        otherwise), admitted to WARD as an inpatient of the clinician;
        returns the patient id."""
        ipb = protos.module("identity")
        pid = self.call("identity", "CreatePatient", ipb.CreatePatientRequest(
            mrn=mrn, family_name="Kube", given_name="Karin",
            birth_date=birth_date, sex=ipb.ADMINISTRATIVE_SEX_FEMALE),
            role="registrar", timeout=20).patient_id
        self.call("identity", "Admit", ipb.AdmitRequest(
            patient_id=pid, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
            ward=WARD, bed="7-" + mrn[-6:],
            attending=self.user("clinician")),
            role="registrar", timeout=20)
        return pid

    def pacs_url(self):
        """Orthanc's HTTP base URL on the host network (V6)."""
        return "http://127.0.0.1:%d" % self.ports[PACS]["http"]

    def fhir_url(self):
        return "https://localhost:%d/fhir" % self.ports["fhir"]["https"]
