"""The checks of make deploy-check catch what they claim to catch.

Run by deploy/k8s/check/deploy-check.sh after its own checks passed (they
need the renderer and node_modules it builds in $BUILD/deploy-check):

    BUILD=build /usr/bin/python3 -m pytest -q tests/deploy

Each test breaks one thing in a copy (a values override, a rendered
manifest, a Dockerfile, a dashboard) and expects the check to name it.
"""

import base64
import json
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
OUT = os.path.join(BUILD, "deploy-check")
RENDER = os.path.join(OUT, "render")
VALIDATE = os.path.join(OUT, "validate.mjs")
CHART = os.path.join(ROOT, "deploy", "k8s", "helm", "smartmed")
POLICY = os.path.join(ROOT, "deploy", "k8s", "check", "policy.py")

pytestmark = pytest.mark.skipif(
    not (os.access(RENDER, os.X_OK) and os.path.exists(VALIDATE)),
    reason="run make deploy-check first (builds the renderer, npm ci)")


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=120, **kw)


def render(tmp_path, values_text=None):
    args = [RENDER, "-chart", CHART]
    if values_text is not None:
        p = tmp_path / "values.yaml"
        p.write_text(values_text)
        args += ["-f", str(p)]
    return run(args)


def validate(tmp_path, text):
    p = tmp_path / "manifest.yaml"
    p.write_text(text)
    return run(["node", VALIDATE, "--src", ROOT, str(p)])


@pytest.fixture(scope="module")
def default_render(tmp_path_factory):
    r = render(tmp_path_factory.mktemp("r"))
    assert r.returncode == 0, r.stdout
    return r.stdout


def test_default_render_validates(tmp_path, default_render):
    r = validate(tmp_path, default_render)
    assert r.returncode == 0, r.stdout
    assert "OK" in r.stdout


def test_latest_tag_refused_by_the_chart(tmp_path):
    r = render(tmp_path, "global:\n  image:\n    tag: latest\n")
    assert r.returncode != 0
    assert "must not be latest" in r.stdout


def test_gpu_only_where_asked(tmp_path):
    r = render(tmp_path, "services:\n  diagnosis:\n    gpu: true\n")
    assert r.returncode == 0, r.stdout
    docs = r.stdout.split("\n---\n")
    gpu = [d for d in docs if "nvidia.com/gpu: 1" in d]
    assert len(gpu) == 1
    assert "name: smartmed-diagnosis\n" in gpu[0]
    assert "smartmed-diagnosis:0.1.0-cuda" in gpu[0]
    assert "nvidia.com/gpu.present" in gpu[0]


def test_env_matches_what_services_read(default_render):
    # Every service's ConfigMap sets its ports and the mounted secrets.
    for port in ("50051", "50155", "9103"):
        assert '"%s"' % port in default_render
    assert "MED_DB_PASSWORD_FILE: /etc/smartmed/db/password" in default_render
    assert 'MED_AUDIT_URL: "tls+tcp://smartmed-audit:50060"' in default_render
    assert "MED_AUDIT_ALLOW_PLAINTEXT" not in default_render


def test_hl7_senders_bound_by_default(default_render):
    """Issue 74: the chart's hl7 binds its senders by default (a
    certificate of the CA that no binding names for a message's sender is
    refused): the PAS's and the laboratory's certificates, each to its
    message type."""
    m = re.findall(r'MED_HL7_SENDERS: "([^"]*)"', default_render)
    assert len(m) == 1, m
    entries = m[0].split(";")
    assert entries == ["pas-engine=PAS@HOSP:ADT",
                       "lab-engine=LAB@HOSP:ORU"], entries


def test_each_service_has_its_own_database_user(tmp_path):
    """Least privilege: every service connects as the user named as its
    database, with its own password key; none as root or a shared user."""
    r = render(tmp_path, open(os.path.join(CHART, "ci",
                                           "test-secrets.yaml")).read())
    assert r.returncode == 0, r.stdout
    users = re.findall(r'MED_DB_USER: "([^"]+)"', r.stdout)
    names = re.findall(r'MED_DB_NAME: "([^"]+)"', r.stdout)
    assert sorted(users) == sorted(names) == sorted(
        "smartmed_" + s for s in ("identity", "records", "dosage",
                                  "diagnosis", "audit", "hl7"))
    for svc in ("identity", "records", "dosage", "diagnosis", "audit",
                "hl7"):
        assert "key: password-%s\n" % svc in r.stdout
        assert "  password-%s: " % svc in r.stdout
    r = render(tmp_path, "secrets:\n  create: true\n  caCrt: x\n"
               "  tls: {identity: {crt: a, key: b}, records: {crt: a, "
               "key: b}, dosage: {crt: a, key: b}, diagnosis: {crt: a, "
               "key: b}, audit: {crt: a, key: b}, hl7: {crt: a, key: b}}\n"
               "  mariadbPasswords: {identity: p}\n")
    assert r.returncode != 0
    assert "secrets.mariadbPasswords.audit is required" in r.stdout


@pytest.mark.parametrize("old,new,expect", [
    ("imagePullPolicy: IfNotPresent",
     "imagePullPolicy: IfNotPresent\n          imagee: typo",
     "imagee: unknown field"),
    ("smartmed-identity:0.1.0", "smartmed-identity:latest", "no :latest"),
    ("MED_DB_POOL:", "MED_DB_POOOL:", "MED_DB_POOOL: no service reads"),
    ("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
     "readOnlyRootFilesystem must be true"),
    ("runAsUser: 10001", "runAsUser: 0", "numeric non-root uid"),
    ("              port: 50151\n", "              port: 50051\n",
     "mutual-TLS gRPC port"),
    ("containerPort: 50152", 'containerPort: "50152"', "must be integer"),
    ("              memory: 256Mi\n", "", "resources.limits.memory missing"),
    ("port: http-metrics\n      path: /metrics",
     "port: metrics\n      path: /metrics", "port metrics is not on"),
    # Helm's float64 for an integer setting: identity exits 2 on it.
    ('MED_DRAIN_MS: "5000"', 'MED_DRAIN_MS: "1.8e+06"',
     'data.MED_DRAIN_MS: "1.8e+06" is not a decimal integer'),
    ('MED_CARE_ENFORCE: "true"', 'MED_CARE_ENFORCE: "ture"',
     "is not true or false"),
    # A key file named in the settings but not mounted (dosage renders
    # first): every dose would need an identity override.
    ("            - name: face-keys\n              mountPath: /etc/smartmed/face\n"
     "              readOnly: true\n", "", "MED_IDENTITY_PUBLIC_KEY_FILE names /etc/smartmed/face/verify.pub, "
     "which no volume of the container provides"),
    ("  jobLabel: smartmed.hospital/job\n", "", "spec.jobLabel: missing"),
    ("    smartmed.hospital/job: smartmed-audit\n",
     "    smartmed.hospital/job: stmarys-audit\n",
     "has no smartmed.hospital/job label of the form smartmed-<service>"),
    ("              - key: signing.key\n                path: signing.key\n"
     "              - key: template.key\n",
     "              - key: template.key\n",
     "MED_IDENTITY_SIGNING_KEY_FILE names /etc/smartmed/face/signing.key"),
])
def test_validate_catches(tmp_path, default_render, old, new, expect):
    assert old in default_render, old
    bad = default_render.replace(old, new, 1)
    r = validate(tmp_path, bad)
    assert r.returncode == 1, r.stdout
    assert expect in r.stdout, r.stdout


def copy_tree(tmp_path):
    """deploy/, common/src and services/ sources, for policy.py --src."""
    dst = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "deploy"), str(dst / "deploy"))
    shutil.copytree(os.path.join(ROOT, "common", "src"),
                    str(dst / "common" / "src"))
    shutil.copytree(os.path.join(ROOT, "services"), str(dst / "services"))
    (dst / "docs").mkdir()
    shutil.copy(os.path.join(ROOT, "docs", "operations.md"),
                str(dst / "docs" / "operations.md"))
    return dst


def policy(src):
    return run(["/usr/bin/python3", POLICY, "--src", str(src),
                "--promtool", shutil.which("promtool") or "promtool"])


def edit(path, old, new):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("old,new,expect", [
    ("USER 10001:10001", "USER smartmed", "is not numeric"),
    ("USER 10001:10001", "USER 0", "USER 0 is root"),
    ('ENTRYPOINT ["/usr/lib/smartmed/bin/smartmed-service"]',
     "ENTRYPOINT /usr/lib/smartmed/bin/smartmed-service", "exec form"),
    ("FROM debian:${DEBIAN} AS build", "FROM debian AS build", "no tag"),
    ("FROM debian:${DEBIAN}-slim AS rootfs", "FROM debian:latest AS rootfs",
     "latest"),
    ("apt-get install -y --no-install-recommends \\\n      build-essential",
     "apt-get install -y \\\n      build-essential",
     "--no-install-recommends"),
    # apt's lists or caches left in a layer (even the build stage's).
    (" && rm -rf /var/lib/apt/lists/* /var/cache/apt/*\nWORKDIR /src",
     " && rm -rf /var/lib/apt/lists/*\nWORKDIR /src",
     "apt-get caches not removed in the same RUN"),
    (" && rm -rf /var/lib/apt/lists/* /var/cache/apt/*\nWORKDIR /src",
     "\nRUN rm -rf /var/lib/apt/lists/* /var/cache/apt/*\nWORKDIR /src",
     "apt-get lists not removed in the same RUN"),
    ("rm -rf /var/lib/apt /var/cache/apt /var/cache/debconf",
     "rm -rf /var/lib/apt /var/cache/debconf", "apt-get caches not removed"),
    # The runtime: Debian 12 slim, directly or as the copied root.
    ("FROM debian:${DEBIAN}-slim AS rootfs", "FROM debian:${DEBIAN} AS rootfs",
     "must be FROM debian:12-slim"),
    ("COPY --from=rootfs / /", "COPY --from=rootfs /usr /usr",
     "FROM scratch but its first COPY is not a root file system"),
    # OCI labels: set, and never a placeholder.
    ('org.opencontainers.image.source="${SOURCE}"',
     'org.opencontainers.image.source="https://example.invalid/smartmed"',
     "is a placeholder"),
    ('      org.opencontainers.image.revision="${REVISION}" \\\n', "",
     "no org.opencontainers.image.revision label"),
    ('      org.opencontainers.image.licenses="${LICENSES}" \\\n', "",
     "no org.opencontainers.image.licenses label"),
])
def test_policy_catches_dockerfile(tmp_path, old, new, expect):
    src = copy_tree(tmp_path)
    edit(src / "deploy" / "docker" / "Dockerfile", old, new)
    r = policy(src)
    assert r.returncode == 1, r.stdout
    assert expect in r.stdout, r.stdout


def test_policy_catches_single_stage(tmp_path):
    src = copy_tree(tmp_path)
    (src / "deploy" / "docker" / "Dockerfile").write_text(
        "FROM debian:12-slim\nUSER 10001\nENTRYPOINT [\"/x\"]\n")
    r = policy(src)
    assert r.returncode == 1
    assert "not multi-stage" in r.stdout


def test_policy_catches_unknown_metric_and_bad_promql(tmp_path):
    src = copy_tree(tmp_path)
    dash = src / "deploy" / "k8s" / "grafana" / "smartmed-dashboard.json"
    d = json.loads(dash.read_text())
    d["panels"][1]["targets"][0]["expr"] = "sum(smartmed_spool_depth{})"
    d["panels"][2]["targets"][0]["expr"] = "sum by (job (up{})"
    dash.write_text(json.dumps(d))
    r = policy(src)
    assert r.returncode == 1
    assert "smartmed_spool_depth is not exported" in r.stdout
    assert "not valid PromQL" in r.stdout


# The capacity planner's panels (docs/sizing.md, docs/operations.md
# "Monitor"): the Capacity row must hold them, and each reads only
# metrics the services export.
CAPACITY_PANELS = (
    "CPU per call by service",
    "Calls per second by method",
    "p99 of the budgeted calls against their budgets",
    "Database commits per call by service",
    "Audit outbox backlog",
    "Audit leaves per day and disk growth per day",
    "Identity: face templates and memory per template",
)


def _capacity_row():
    """{title: [expr]} of the panels under the dashboard's Capacity row."""
    with open(os.path.join(ROOT, "deploy", "k8s", "grafana",
                           "smartmed-dashboard.json")) as f:
        panels = json.load(f)["panels"]
    out, inside = {}, False
    for p in panels:
        if p["type"] == "row":
            inside = p["title"] == "Capacity"
        elif inside:
            out[p["title"]] = [t["expr"] for t in p["targets"]]
    return out


def test_capacity_row_reads_only_exported_metrics():
    import importlib.util
    spec = importlib.util.spec_from_file_location("policy", POLICY)
    pol = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pol)
    row = _capacity_row()
    assert set(CAPACITY_PANELS) <= set(row), sorted(row)
    known = pol.exported_metrics(ROOT)
    for title, exprs in row.items():
        for e in exprs:
            names = pol.metric_names(e)
            assert names, (title, e)
            assert names <= known, (title, sorted(names - known))
    # The two series the row added to the code are among them.
    used = set().union(*(pol.metric_names(e) for es in row.values()
                         for e in es))
    assert {"smartmed_db_commits_total",
            "smartmed_identity_face_templates"} <= used, sorted(used)


def test_policy_catches_capacity_metric_gone_from_the_code(tmp_path):
    src = copy_tree(tmp_path)
    edit(src / "common" / "src" / "db" / "db.c",
         '"smartmed_db_commits_total"', '"smartmed_db_committed_total"')
    r = policy(src)
    assert r.returncode == 1, r.stdout
    assert "Database commits per call by service: metric " \
        "smartmed_db_commits_total is not exported" in r.stdout, r.stdout


def test_policy_catches_panel_without_namespace_scope(tmp_path):
    src = copy_tree(tmp_path)
    dash = src / "deploy" / "k8s" / "grafana" / "smartmed-dashboard.json"
    d = json.loads(dash.read_text())
    d["panels"][1]["targets"][0]["expr"] = 'sum(up{job=~"$job"})'
    dash.write_text(json.dumps(d))
    r = policy(src)
    assert r.returncode == 1
    assert 'needs namespace=~"$namespace"' in r.stdout, r.stdout
    assert 'needs cluster=~"$cluster"' in r.stdout, r.stdout


def test_policy_catches_alert_without_runbook(tmp_path):
    src = copy_tree(tmp_path)
    ops = src / "docs" / "operations.md"
    edit(ops, "### SmartmedFhirErrors\n", "### FHIR errors\n")
    rules = src / "deploy" / "k8s" / "grafana" / "smartmed-rules.yaml"
    edit(rules, '          runbook_url: "docs/operations.md#smartmedauditlag"\n',
         "")
    r = policy(src)
    assert r.returncode == 1
    assert "SmartmedFhirErrors: docs/operations.md has no heading for " \
        "#smartmedfhirerrors" in r.stdout, r.stdout
    assert "SmartmedAuditLag: runbook_url must be" in r.stdout, r.stdout


def test_policy_passes_on_the_tree():
    r = policy(ROOT)
    assert r.returncode == 0, r.stdout
    assert re.search(r"\d+ Dockerfile", r.stdout)


@pytest.mark.parametrize("values,expect", [
    ("global:\n  mariadb:\n    hots: db\n", "'hots' was unexpected"),
    ("services:\n  records:\n    replica: 3\n", "'replica' was unexpected"),
    ("services:\n  records:\n    env:\n      DB_HOST: x\n", "DB_HOST"),
    ("global:\n  image:\n    tag: latest-1\n", "global.image.tag"),
    ("fhir:\n  edge:\n    threads: 0\n", "fhir.edge.threads"),
    ("fhir:\n  edge:\n    headerTimeoutMs: 50\n", "fhir.edge.headerTimeoutMs"),
    ("fhir:\n  smart:\n    tokenEndpoint: http://sso/token\n",
     "fhir.smart.tokenEndpoint"),
    ("fhir:\n  console:\n    wardTimeZone: Europe London\n",
     "fhir.console.wardTimeZone"),
    ("fhir:\n  console:\n    issuer: sso.hospital\n", "fhir.console.issuer"),
    ("services:\n  diagnosis:\n    operatingPermille: 1000\n",
     "operatingPermille"),
    ("pacs:\n  writebackRetryMs: 50\n", "pacs.writebackRetryMs"),
    ("global:\n  jwt:\n    jwksUrl: sso.hospital.internal/certs\n",
     "global.jwt.jwksUrl"),
    # neither the keys' URL nor their Secret
    ("global:\n  jwt:\n    jwksSecret: \"\"\n",
     "is not valid under any of the given schemas"),
    ("global:\n  networkPolicy:\n    jwksPeers:\n"
     "      - cidr: 10.30.0.10/32\n", "global.networkPolicy.jwksPeers.0"),
    ("services:\n  identity:\n    sharedBedWards: [\"Maternity,NICU\"]\n",
     "services.identity.sharedBedWards.0"),
])
def test_policy_catches_values_against_the_schema(tmp_path, values, expect):
    src = copy_tree(tmp_path)
    (src / "deploy" / "k8s" / "helm" / "smartmed" / "ci" / "typo.yaml") \
        .write_text(values)
    r = policy(src)
    assert r.returncode == 1, r.stdout
    assert "values.schema.json" in r.stdout and expect in r.stdout, r.stdout


def test_large_numbers_render_as_integers(tmp_path):
    """Helm reads values as float64 (YAML through JSON): 1800000 prints as
    1.8e+06 unless the chart prints whole numbers as integers.  The
    renderer types values as Helm does, so the chart's handling shows."""
    r = render(tmp_path, "defaults:\n  maxConnectionAgeMs: 1800000\n"
               "services:\n  identity:\n    env:\n"
               "      MED_FACE_COPY_WINDOW_S: 1209600\n"
               "      MED_FACE_THRESHOLD: 0.95\n")
    assert r.returncode == 0, r.stdout
    assert "e+06" not in r.stdout
    assert 'MED_GRPC_MAX_CONNECTION_AGE_MS: "1800000"' in r.stdout
    assert 'MED_FACE_COPY_WINDOW_S: "1209600"' in r.stdout
    assert 'MED_FACE_THRESHOLD: "0.95"' in r.stdout
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout


@pytest.mark.parametrize("values, who", [
    # the default drain (5000 ms) needs 10 s; 9 is refused
    ("defaults:\n  terminationGracePeriodSeconds: 9\n", r"\w+"),
    # one service's longer drain against the default 30 s
    ("services:\n  dosage:\n    drainMs: 26000\n", "dosage"),
    # the FHIR facade merges the same defaults
    ("defaults:\n  drainMs: 40000\n  terminationGracePeriodSeconds: 60\n"
     "fhir:\n  terminationGracePeriodSeconds: 44\n", "fhir"),
])
def test_grace_shorter_than_drain_is_refused(tmp_path, values, who):
    """The kubelet kills a pod when its grace period ends: a grace period
    under the drain (plus the margin for closing the emitter and the pool)
    cuts calls in flight short, so the chart refuses it by name."""
    r = render(tmp_path, values)
    assert r.returncode != 0, r.stdout
    assert "terminationGracePeriodSeconds" in r.stdout
    assert re.search(r"\b%s: terminationGracePeriodSeconds" % who, r.stdout)


def test_grace_at_drain_plus_margin_renders(tmp_path):
    r = render(tmp_path, "defaults:\n  drainMs: 20001\n"
               "  terminationGracePeriodSeconds: 26\n")
    assert r.returncode == 0, r.stdout
    assert "terminationGracePeriodSeconds: 26\n" in r.stdout


def test_renderer_types_values_as_helm_does(tmp_path):
    """A template that prints a number as it is shows Helm's float64."""
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: t\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("n: 1800000\n")
    (chart / "templates" / "cm.yaml").write_text("n: {{ .Values.n }}\n")
    r = run([RENDER, "-chart", str(chart)])
    assert r.returncode == 0, r.stdout
    assert "n: 1.8e+06" in r.stdout


def test_face_keys_reach_identity_and_dosage_only(tmp_path, default_render):
    """identity gets the signing and template keys, dosage the public key
    alone, nobody else any; without a Secret name nothing names them."""
    docs = default_render.split("\n---\n")
    cms = {re.search(r"name: smartmed-(\w+)\n", d).group(1): d
           for d in docs if "kind: ConfigMap" in d}
    assert "MED_IDENTITY_SIGNING_KEY_FILE: /etc/smartmed/face/signing.key" \
        in cms["identity"]
    assert "MED_IDENTITY_TEMPLATE_KEY_FILE" in cms["identity"]
    assert "MED_IDENTITY_PUBLIC_KEY_FILE: /etc/smartmed/face/verify.pub" \
        in cms["dosage"]
    assert "SIGNING_KEY_FILE" not in cms["dosage"]
    for other in ("records", "diagnosis", "audit"):
        assert "/etc/smartmed/face" not in cms[other], other
    r = render(tmp_path, "global:\n  face:\n    keysSecret: \"\"\n")
    assert r.returncode == 0, r.stdout
    assert "/etc/smartmed/face" not in r.stdout
    assert "face-keys" not in r.stdout


def test_external_database_peers_replace_the_namespace(tmp_path):
    """A DBA-run database outside the cluster: the egress to MariaDB's
    port goes to the given peers, not to a namespace of the cluster."""
    r = render(tmp_path, "global:\n  networkPolicy:\n    mariadbPeers:\n"
               "      - ipBlock:\n          cidr: 192.0.2.0/28\n")
    assert r.returncode == 0, r.stdout
    policies = [d for d in r.stdout.split("\n---\n")
                if "kind: NetworkPolicy" in d and "port: 3306" in d]
    assert len(policies) == 6
    for d in policies:
        assert "cidr: 192.0.2.0/28" in d
        assert "kubernetes.io/metadata.name: db" not in d
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout


def test_release_name_is_free(tmp_path):
    """Another release name: Services, addresses and certificates' names
    follow it; the Prometheus job (from the jobLabel) stays
    smartmed-<service>, so the rules and the dashboard still match."""
    r = run([RENDER, "-chart", CHART, "-name", "stmarys"])
    assert r.returncode == 0, r.stdout
    assert 'MED_IDENTITY_URL: "stmarys-identity:50051"' in r.stdout
    assert 'MED_AUDIT_SERVER_NAME: "stmarys-audit"' in r.stdout
    for svc in ("identity", "records", "dosage", "diagnosis", "audit",
                "fhir"):
        assert "smartmed.hospital/job: smartmed-%s\n" % svc in r.stdout
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout


def _fhir_configmap(text):
    docs = [d for d in text.split("\n---\n")
            if "kind: ConfigMap" in d and "name: smartmed-fhir\n" in d]
    assert len(docs) == 1
    return docs[0]


def test_fhir_console_edge_and_smart_defaults(default_render):
    """The facade's ConfigMap serves the console from the image's folder,
    signs in at the JWT issuer, and carries the edge's limits; the optional
    settings (TLS priority, client CA, SMART endpoints) are left to the
    facade's defaults."""
    cm = _fhir_configmap(default_render)
    assert "MED_CONSOLE_DIR: /usr/share/smartmed/console" in cm
    assert 'MED_CONSOLE_ISSUER: "https://sso.hospital.internal/realms/' \
        'hospital"' in cm
    assert 'MED_CONSOLE_CLIENT_ID: "smartmed-console"' in cm
    assert 'MED_WARD_TIME_ZONE: "UTC"' in cm
    for k, v in (("THREADS", "8"), ("MAX_CONNS", "1024"),
                 ("MAX_CONNS_PER_CLIENT", "32"),
                 ("HEADER_TIMEOUT_MS", "10000"),
                 ("ANSWER_TIMEOUT_MS", "600000"), ("IDLE_TIMEOUT_S", "30"),
                 ("LIVENESS_PROBE_MS", "5000")):
        assert 'MED_FHIR_%s: "%s"' % (k, v) in cm, k
    assert 'MED_SMART_REQUIRE_SCOPES: "false"' in cm
    for absent in ("MED_FHIR_TLS_PRIORITY", "MED_FHIR_CLIENT_CA",
                   "MED_SMART_ISSUER", "MED_SMART_TOKEN_ENDPOINT",
                   "fhir-client-ca"):
        assert absent not in default_render, absent


def test_fhir_console_off_client_ca_and_smart_set(tmp_path):
    """Console off renders an empty MED_CONSOLE_DIR (the image's own value
    is overridden); a client CA Secret is mounted where MED_FHIR_CLIENT_CA
    names it; the console's clock follows dosage's."""
    r = render(tmp_path, """fhir:
  console:
    enabled: false
  edge:
    threads: 16
    tlsPriority: "NONE:+VERS-TLS1.3:+AES-256-GCM:+AEAD:+ECDHE-ECDSA"
    clientCaSecret: hospital-system-ca
    clientCaKey: bundle.pem
  smart:
    issuer: https://sso.hospital.internal/realms/smart
    authorizationEndpoint: https://sso.hospital.internal/auth
    tokenEndpoint: https://sso.hospital.internal/token
    requireScopes: true
""")
    assert r.returncode == 0, r.stdout
    cm = _fhir_configmap(r.stdout)
    assert 'MED_CONSOLE_DIR: ""' in cm
    assert "MED_CONSOLE_ISSUER" not in cm
    assert 'MED_FHIR_THREADS: "16"' in cm
    assert "MED_FHIR_TLS_PRIORITY: \"NONE:+VERS-TLS1.3" in cm
    assert "MED_FHIR_CLIENT_CA: /etc/smartmed/fhir-client-ca/ca.crt" in cm
    assert 'MED_SMART_TOKEN_ENDPOINT: "https://sso.hospital.internal/' \
        'token"' in cm
    assert 'MED_SMART_REQUIRE_SCOPES: "true"' in cm
    assert "secretName: hospital-system-ca" in r.stdout
    assert "- key: bundle.pem\n                path: ca.crt" in r.stdout
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout
    r = render(tmp_path, "services:\n  dosage:\n    env:\n"
               "      MED_WARD_TIME_ZONE: Asia/Kolkata\n")
    assert r.returncode == 0, r.stdout
    assert 'MED_WARD_TIME_ZONE: "Asia/Kolkata"' in _fhir_configmap(r.stdout)


def test_fhir_env_cannot_shadow_the_charts_settings(tmp_path):
    """A setting the chart renders from fhir.console/edge/smart given again
    in fhir.env would be a duplicate key: refused, naming the value."""
    r = render(tmp_path, "fhir:\n  env:\n    MED_FHIR_THREADS: 4\n")
    assert r.returncode != 0
    assert "fhir.env.MED_FHIR_THREADS" in r.stdout


def test_openblas_one_thread_where_it_is_loaded(default_render):
    """OPENBLAS_NUM_THREADS=1 for the two services whose image carries
    OpenBLAS, and nowhere else."""
    docs = default_render.split("\n---\n")
    cms = {re.search(r"name: smartmed-(\w+)\n", d).group(1): d
           for d in docs if "kind: ConfigMap" in d}
    for svc, cm in cms.items():
        assert ('OPENBLAS_NUM_THREADS: "1"' in cm) == \
            (svc in ("identity", "diagnosis")), svc


# --- the optional PACS (pacs.*, templates/pacs.yaml) ----------------------

def _docs(text):
    return text.split("\n---\n")


def _named(text, kind, name):
    got = [d for d in _docs(text)
           if "kind: %s\n" % kind in d and "name: %s\n" % name in d]
    assert len(got) == 1, (kind, name, len(got))
    return got[0]


def test_pacs_off_by_default(default_render):
    """No Orthanc, no PACS credentials, an empty URL: AnalyzeStudy answers
    UNAVAILABLE until one is configured."""
    assert "smartmed-orthanc" not in default_render
    cm = _named(default_render, "ConfigMap", "smartmed-diagnosis")
    assert 'MED_DIAGNOSIS_PACS_URL: ""' in cm
    assert "MED_DIAGNOSIS_PACS_USER" not in cm
    assert 'MED_DIAGNOSIS_PACS_WRITEBACK: "false"' in cm


def test_diagnosis_retry_and_operating_point_reach_the_pod(tmp_path):
    """The write-back's retry waits and the model's operating point are
    chart values (issue 52), with the defaults the service itself has."""
    r = render(tmp_path, "pacs:\n  writebackRetryMs: 1500\n"
               "  writebackRetryMaxMs: 60000\n"
               "services:\n  diagnosis:\n    operatingPermille: 700\n")
    assert r.returncode == 0, r.stdout
    cm = _named(r.stdout, "ConfigMap", "smartmed-diagnosis")
    assert 'MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS: "1500"' in cm
    assert 'MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS: "60000"' in cm
    assert 'MED_DIAGNOSIS_OPERATING_PERMILLE: "700"' in cm
    for other in ("identity", "records", "dosage", "audit"):
        assert "OPERATING_PERMILLE" not in _named(
            r.stdout, "ConfigMap", "smartmed-" + other), other


def test_operating_point_default_is_the_cards(default_render):
    cm = _named(default_render, "ConfigMap", "smartmed-diagnosis")
    assert 'MED_DIAGNOSIS_OPERATING_PERMILLE: "0"' in cm
    assert 'MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS: "5000"' in cm
    assert 'MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS: "300000"' in cm


def test_operating_point_on_another_service_is_refused(tmp_path):
    r = render(tmp_path, "services:\n  records:\n    operatingPermille: 700\n")
    assert r.returncode != 0
    assert "services.records.operatingPermille" in r.stdout


def test_pacs_enabled_runs_orthanc_wired_to_diagnosis(tmp_path):
    """pacs.enabled: Orthanc's Deployment, Service, PVC and policy; diagnosis
    reads it by its Service name as the registered user, with the password
    file mounted, and may reach its port; Orthanc takes only diagnosis."""
    r = render(tmp_path, "pacs:\n  enabled: true\n  writeback: true\n")
    assert r.returncode == 0, r.stdout
    cm = _named(r.stdout, "ConfigMap", "smartmed-diagnosis")
    assert ('MED_DIAGNOSIS_PACS_URL: "http://smartmed-orthanc:8042/'
            'dicom-web"') in cm
    assert 'MED_DIAGNOSIS_PACS_USER: "smartmed-diagnosis"' in cm
    assert "MED_DIAGNOSIS_PACS_PASSWORD_FILE: /etc/smartmed/pacs/password" \
        in cm
    assert 'MED_DIAGNOSIS_PACS_WRITEBACK: "true"' in cm
    for kind in ("Deployment", "Service", "PersistentVolumeClaim",
                 "ConfigMap", "NetworkPolicy"):
        _named(r.stdout, kind, "smartmed-orthanc")
    orthanc_cm = _named(r.stdout, "ConfigMap", "smartmed-orthanc")
    assert '"AuthenticationEnabled": true' in orthanc_cm
    assert "libOrthancDicomWeb.so" in orthanc_cm
    dep = _named(r.stdout, "Deployment", "smartmed-orthanc")
    assert "image: registry.hospital.internal/smartmed/smartmed-orthanc:" \
        in dep
    assert "orthanc-users.json" in dep
    np_diag = _named(r.stdout, "NetworkPolicy", "smartmed-diagnosis")
    assert "app.kubernetes.io/component: orthanc" in np_diag
    np_orthanc = _named(r.stdout, "NetworkPolicy", "smartmed-orthanc")
    assert "app.kubernetes.io/component: diagnosis" in np_orthanc
    for other in ("identity", "records", "dosage", "audit"):
        assert "component: orthanc" not in _named(
            r.stdout, "NetworkPolicy", "smartmed-" + other), other
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout


def test_external_pacs_url_and_peers(tmp_path):
    r = render(tmp_path, "pacs:\n  url: https://pacs.example.test/dicom-web\n"
               "  port: 8443\n  peers:\n    - ipBlock:\n"
               "        cidr: 192.0.2.64/28\n")
    assert r.returncode == 0, r.stdout
    assert "kind: Deployment\nmetadata:\n  name: smartmed-orthanc" \
        not in r.stdout
    cm = _named(r.stdout, "ConfigMap", "smartmed-diagnosis")
    assert 'MED_DIAGNOSIS_PACS_URL: "https://pacs.example.test/dicom-web"' \
        in cm
    np_diag = _named(r.stdout, "NetworkPolicy", "smartmed-diagnosis")
    assert "cidr: 192.0.2.64/28" in np_diag and "port: 8443" in np_diag
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout


def test_pacs_without_user_is_refused(tmp_path):
    r = render(tmp_path, "pacs:\n  enabled: true\n  user: \"\"\n")
    assert r.returncode != 0
    assert "pacs.user" in r.stdout


def test_validate_catches_orthanc_without_tcp_readiness(tmp_path):
    r = render(tmp_path, "pacs:\n  enabled: true\n")
    assert r.returncode == 0, r.stdout
    broken = r.stdout.replace(
        "readinessProbe:\n            tcpSocket:\n              port: http",
        "readinessProbe:\n            httpGet:\n              path: /\n"
        "              port: http", 1)
    assert broken != r.stdout
    v = validate(tmp_path, broken)
    assert v.returncode != 0
    assert "tcpSocket probe of Orthanc" in v.stdout


def test_pacs_tls_puts_stunnel_in_front_of_a_loopback_orthanc(tmp_path):
    """pacs.tls (issue 49, item 8): a stunnel4 sidecar from the Orthanc
    image ends TLS on the TLS port with the Secret's certificate, Orthanc
    takes loopback clients only, the Service and both network policies
    offer the TLS port alone, and diagnosis speaks https to it, checking
    the certificate against the Secret's CA."""
    r = render(tmp_path, "pacs:\n  enabled: true\n  tls:\n"
               "    enabled: true\n")
    assert r.returncode == 0, r.stdout
    cm = _named(r.stdout, "ConfigMap", "smartmed-diagnosis")
    assert ('MED_DIAGNOSIS_PACS_URL: "https://smartmed-orthanc:8443/'
            'dicom-web"') in cm
    assert "MED_DIAGNOSIS_PACS_CA_FILE: /etc/smartmed/pacs-ca/ca.crt" in cm
    orthanc_cm = _named(r.stdout, "ConfigMap", "smartmed-orthanc")
    assert '"RemoteAccessAllowed": false' in orthanc_cm
    assert "accept = 8443" in orthanc_cm
    assert "connect = 127.0.0.1:8042" in orthanc_cm
    dep = _named(r.stdout, "Deployment", "smartmed-orthanc")
    assert '- name: pacs-tls\n          image: registry.hospital.internal/' \
        'smartmed/smartmed-orthanc:' in dep
    assert '"/usr/bin/stunnel4"' in dep
    assert "name: smartmed-pacs-tls" in dep
    svc = _named(r.stdout, "Service", "smartmed-orthanc")
    assert "port: 8443" in svc and "port: 8042" not in svc
    for np in ("smartmed-orthanc", "smartmed-diagnosis"):
        text = _named(r.stdout, "NetworkPolicy", np)
        assert "port: 8443" in text and "port: 8042" not in text, np
    diag = [d for d in _docs(r.stdout) if "\nkind: StatefulSet\n" in d
            and "name: smartmed-diagnosis\n" in d]
    assert len(diag) == 1
    diag = diag[0]
    assert "mountPath: /etc/smartmed/pacs-ca" in diag
    assert "secretName: smartmed-pacs-tls" in diag
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout
    # Without pacs.tls Orthanc still answers the pod's port itself.
    plain = render(tmp_path, "pacs:\n  enabled: true\n")
    assert '"RemoteAccessAllowed": true' in _named(
        plain.stdout, "ConfigMap", "smartmed-orthanc")
    assert "pacs-tls" not in _named(plain.stdout, "Deployment",
                                    "smartmed-orthanc")


def test_validate_catches_a_pacs_tls_sidecar_without_tcp_readiness(tmp_path):
    r = render(tmp_path, "pacs:\n  enabled: true\n  tls:\n"
               "    enabled: true\n")
    assert r.returncode == 0, r.stdout
    broken = r.stdout.replace(
        "readinessProbe:\n            tcpSocket:\n              port: https",
        "readinessProbe:\n            tcpSocket:\n              port: http",
        1)
    assert broken != r.stdout
    v = validate(tmp_path, broken)
    assert v.returncode != 0
    assert "sidecar's https port" in v.stdout


SECRET_DOCS = os.path.join(ROOT, "deploy", "k8s", "check", "secret_docs.py")


def _doc_tree(tmp_path, edit):
    """A copy of the two docs secret_docs.py reads, with edit(path, text)."""
    for rel in ("deploy/k8s/README.md", "docs/operations.md"):
        dst = tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        with open(os.path.join(ROOT, rel)) as f:
            dst.write_text(edit(rel, f.read()))
    return str(tmp_path)


def _secret_docs(src, rendered):
    return run(["/usr/bin/python3", SECRET_DOCS, "--src", src] + rendered)


@pytest.fixture(scope="module")
def rendered_ci(tmp_path_factory):
    """The chart rendered with every ci/ values file, as deploy-check does."""
    d = tmp_path_factory.mktemp("ci")
    out = []
    for name in sorted(os.listdir(os.path.join(CHART, "ci"))):
        r = run([RENDER, "-chart", CHART, "-f",
                 os.path.join(CHART, "ci", name)])
        assert r.returncode == 0, r.stdout
        p = d / name
        p.write_text(r.stdout)
        out.append(str(p))
    return out


def test_secret_docs_pass_on_the_tree(rendered_ci):
    r = _secret_docs(ROOT, rendered_ci)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("rel, old, new, expect", [
    # the table's key for the database passwords (it said `password`)
    ("deploy/k8s/README.md", "| `password-<service>` (", "| `password` (",
     "Secret smartmed-mariadb: the table says keys ['ca.crt', 'password']"),
    # a Secret the chart reads without a row
    ("deploy/k8s/README.md", "| `smartmed-pacs` (", "| smartmed-pacs (",
     "no row for smartmed-pacs"),
    # an install step that leaves out one service's password
    ("docs/operations.md",
     "       --from-file=password-hl7=db-password-hl7 \\\n", "",
     "makes Secret smartmed-mariadb with keys"),
    # the face keys not made by a numbered install step
    ("docs/operations.md", "   kubectl -n smartmed create secret generic "
     "smartmed-face-keys \\\n", "   true \\\n",
     "no numbered step makes Secret smartmed-face-keys"),
])
def test_secret_docs_catch(tmp_path, rendered_ci, rel, old, new, expect):
    def edit(path, text):
        if path != rel:
            return text
        assert old in text
        return text.replace(old, new, 1)
    r = _secret_docs(_doc_tree(tmp_path, edit), rendered_ci)
    assert r.returncode == 1, r.stdout
    assert expect in r.stdout


def _install_step(title):
    """The sh block of the numbered install step whose bold title is title."""
    with open(os.path.join(ROOT, "docs", "operations.md")) as f:
        text = f.read()
    step = text.split("**%s**" % title, 1)[1]
    block = step.split("```sh\n", 1)[1].split("```", 1)[0]
    return "\n".join(l[3:] if l.startswith("   ") else l
                     for l in block.splitlines())


def test_face_keys_step_makes_keys_without_a_build(tmp_path):
    """Step 3's commands, run as printed with openssl alone (kubectl left
    out), make keys identity and dosage read: a token signed with
    signing.key verifies with verify.pub, and template.key is 32 bytes."""
    vtoken = os.path.join(BUILD, "bin", "vtoken")
    if not os.access(vtoken, os.X_OK):
        pytest.skip("needs build/bin/vtoken (make all)")
    script = _install_step("Face keys")
    assert "vtoken" not in script.split("kubectl")[0]
    r = run(["sh", "-ec", "kubectl() { :; }\n" + script], cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout
    for k in ("signing.key", "template.key", "verify.pub"):
        raw = base64.b64decode((tmp_path / k).read_text().strip(),
                               validate=True)
        assert len(raw) == 32, k
    tok = run([vtoken, "sign", "--key", str(tmp_path / "signing.key"),
               "--patient-id", "p1", "--score", "0.9", "--threshold", "0.5"])
    assert tok.returncode == 0, tok.stdout
    v = run([vtoken, "verify", "--pub", str(tmp_path / "verify.pub"),
             tok.stdout.strip()])
    assert v.returncode == 0, v.stdout
    assert "patient_id=p1" in v.stdout
    # template.key in the format identity's key reader takes (the one
    # vtoken uses): any 32 bytes are a key, so signing with it must work
    t = run([vtoken, "sign", "--key", str(tmp_path / "template.key"),
             "--patient-id", "p1", "--score", "0.9", "--threshold", "0.5"])
    assert t.returncode == 0, t.stdout


def test_secret_docs_catch_a_made_secret_without_a_key(tmp_path, rendered_ci):
    """With secrets.create the chart's own Secrets hold the keys its pods
    read: one without password-hl7 is named."""
    src = next(p for p in rendered_ci if p.endswith("test-secrets.yaml"))
    with open(src) as f:
        text = f.read()
    broken, n = re.subn(r"(?m)^  password-hl7: .*\n", "", text)
    assert n == 1
    p = tmp_path / "test-secrets.yaml"
    p.write_text(broken)
    r = _secret_docs(ROOT, [x for x in rendered_ci if x != src] + [str(p)])
    assert r.returncode == 1, r.stdout
    assert "chart makes Secret smartmed-mariadb with keys" in r.stdout

# --- the identity provider's keys by URL, shared beds (issue 77) ---------

JWKS_URL = ("https://sso.hospital.internal/realms/hospital/protocol/"
            "openid-connect/certs")


def _ci(name):
    with open(os.path.join(CHART, "ci", name)) as f:
        return f.read()


def _objects(text, kind):
    import yaml
    return [d for d in yaml.safe_load_all(text)
            if d and d.get("kind") == kind]


def _pod_specs(text):
    return {w["metadata"]["name"]: w["spec"]["template"]["spec"]
            for kind in ("StatefulSet", "Deployment")
            for w in _objects(text, kind)}


def test_jwks_url_replaces_the_secret_in_every_pod(tmp_path, default_render):
    """global.jwt.jwksUrl: every service and the FHIR facade fetch the
    provider's keys (MED_JWT_JWKS_URL, never MED_JWT_JWKS as well: a
    service refuses both at start); no pod mounts the JWKS Secret, and each
    finds the provider's CA where libcurl reads its default bundle."""
    r = render(tmp_path, _ci("test-jwks-url.yaml"))
    assert r.returncode == 0, r.stdout
    cms = _objects(r.stdout, "ConfigMap")
    jwt = [c for c in cms if "MED_JWT_ISSUER" in c["data"]]
    assert len(jwt) == 7, [c["metadata"]["name"] for c in jwt]
    for c in jwt:
        assert c["data"]["MED_JWT_JWKS_URL"] == JWKS_URL, c["metadata"]
        assert "MED_JWT_JWKS" not in c["data"], c["metadata"]
    assert "/etc/smartmed/jwks" not in r.stdout
    specs = _pod_specs(r.stdout)
    assert len(specs) == 7, sorted(specs)
    for name, spec in specs.items():
        vols = {v["name"]: v for v in spec["volumes"]}
        assert "jwks" not in vols, name
        assert vols["jwks-ca"]["secret"]["secretName"] == "smartmed-jwks-ca"
        assert vols["jwks-ca"]["secret"]["items"] == [
            {"key": "ca.crt", "path": "ca-certificates.crt"}], name
        mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["jwks-ca"]["mountPath"] == "/etc/ssl/certs", name
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout
    # Without the URL (the default, air-gapped sites) the file as before.
    assert "MED_JWT_JWKS_URL" not in default_render
    assert default_render.count(
        "MED_JWT_JWKS: /etc/smartmed/jwks/jwks.json") == 7
    assert "jwks-ca" not in default_render


def _jwks_egress(policy):
    return [e for e in policy["spec"]["egress"]
            if any("ipBlock" in t for t in e.get("to", []))]


def test_jwks_url_opens_egress_to_the_providers_host_only(tmp_path,
                                                          default_render):
    """Every pod's NetworkPolicy lets it reach the JWKS host
    (global.networkPolicy.jwksPeers on jwksPort), and only with jwksUrl:
    a peers list alone opens nothing, and none is open by default."""
    r = render(tmp_path, _ci("test-jwks-url.yaml"))
    assert r.returncode == 0, r.stdout
    policies = _objects(r.stdout, "NetworkPolicy")
    assert len(policies) == 7, len(policies)
    for p in policies:
        eg = _jwks_egress(p)
        assert eg == [{"to": [{"ipBlock": {"cidr": "10.30.0.10/32"}}],
                       "ports": [{"port": 9443, "protocol": "TCP"}]}], \
            p["metadata"]["name"]
    for p in _objects(default_render, "NetworkPolicy"):
        assert _jwks_egress(p) == [], p["metadata"]["name"]
    peers_only = ("global:\n  networkPolicy:\n    jwksPeers:\n"
                  "      - ipBlock:\n          cidr: 10.30.0.10/32\n")
    r = render(tmp_path, peers_only)
    assert r.returncode == 0, r.stdout
    assert "10.30.0.10" not in r.stdout
    # In-cluster provider on the default port.
    r = render(tmp_path, "global:\n  jwt:\n    jwksUrl: http://keycloak."
               "sso/realms/h/protocol/openid-connect/certs\n"
               "  networkPolicy:\n    jwksPeers:\n"
               "      - namespaceSelector:\n          matchLabels:\n"
               "            kubernetes.io/metadata.name: sso\n")
    assert r.returncode == 0, r.stdout
    for p in _objects(r.stdout, "NetworkPolicy"):
        assert {"to": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "sso"}}}],
            "ports": [{"port": 443, "protocol": "TCP"}]} \
            in p["spec"]["egress"], p["metadata"]["name"]
    v = validate(tmp_path, r.stdout)
    assert v.returncode == 0, v.stdout


def test_https_jwks_url_without_the_providers_ca_is_refused(tmp_path):
    """The images carry no CA store: an https URL without
    global.jwt.jwksCaSecret would leave every pod unable to fetch its keys
    (and so unable to start); the chart says what to set instead."""
    r = render(tmp_path, "global:\n  jwt:\n    jwksUrl: %s\n" % JWKS_URL)
    assert r.returncode != 0, r.stdout
    assert "global.jwt.jwksUrl is https: set global.jwt.jwksCaSecret" \
        in r.stdout
    # http (a trusted network) needs no CA and mounts none.
    r = render(tmp_path, "global:\n  jwt:\n    jwksUrl: http://keycloak."
               "sso/certs\n")
    assert r.returncode == 0, r.stdout
    assert 'MED_JWT_JWKS_URL: "http://keycloak.sso/certs"' in r.stdout
    assert "jwks-ca" not in r.stdout and "/etc/ssl/certs" not in r.stdout


def test_neither_jwks_url_nor_secret_is_refused(tmp_path):
    r = render(tmp_path, "global:\n  jwt:\n    jwksSecret: \"\"\n")
    assert r.returncode != 0, r.stdout
    assert "global.jwt: set jwksUrl" in r.stdout


def test_test_clusters_make_no_jwks_secret_with_a_url(tmp_path):
    """secrets.create makes the JWKS Secret only for the file: with a URL
    no pod reads it, and secrets.jwks is not asked for."""
    values = _ci("test-secrets.yaml").replace(
        "  jwks: '{\"keys\": []}'\n", "")
    r = render(tmp_path, values)
    assert r.returncode != 0 and "secrets.jwks" in r.stdout, r.stdout
    values = values.replace(
        "global:\n", "global:\n  jwt:\n    jwksUrl: http://keycloak.sso/"
        "certs\n", 1)
    r = render(tmp_path, values)
    assert r.returncode == 0, r.stdout
    names = [s["metadata"]["name"] for s in _objects(r.stdout, "Secret")]
    assert "smartmed-jwks" not in names and names, names


def test_shared_bed_wards_reach_identity_only(tmp_path, default_render):
    """services.identity.sharedBedWards becomes identity's
    MED_IDENTITY_SHARED_BED_WARDS, joined with commas; by default no ward
    shares beds (the setting is absent: identity's default, none)."""
    r = render(tmp_path, _ci("test-jwks-url.yaml"))
    assert r.returncode == 0, r.stdout
    cm = _named(r.stdout, "ConfigMap", "smartmed-identity")
    assert 'MED_IDENTITY_SHARED_BED_WARDS: "Maternity,Neonatal ICU"\n' in cm
    assert r.stdout.count("MED_IDENTITY_SHARED_BED_WARDS") == 1
    assert "MED_IDENTITY_SHARED_BED_WARDS" not in default_render
    r = render(tmp_path, "services:\n  identity:\n"
               "    sharedBedWards: [\"*\"]\n")
    assert r.returncode == 0, r.stdout
    assert 'MED_IDENTITY_SHARED_BED_WARDS: "*"\n' in _named(
        r.stdout, "ConfigMap", "smartmed-identity")


@pytest.mark.parametrize("values, expect", [
    ("services:\n  records:\n    sharedBedWards: [Maternity]\n",
     "services.records.sharedBedWards: only identity"),
    ("services:\n  identity:\n    env:\n"
     "      MED_IDENTITY_SHARED_BED_WARDS: Maternity\n",
     "services.identity.env.MED_IDENTITY_SHARED_BED_WARDS: set it with"),
    ("services:\n  dosage:\n    env:\n"
     "      MED_JWT_JWKS_URL: http://keycloak.sso/certs\n",
     "services.dosage.env.MED_JWT_JWKS_URL: set it with global.jwt"),
    ("fhir:\n  env:\n    MED_JWT_JWKS: /etc/jwks.json\n",
     "fhir.env.MED_JWT_JWKS: set it with global.jwt"),
])
def test_shared_beds_and_jwks_have_one_place(tmp_path, values, expect):
    """A second place for the same setting would render a duplicate key
    (or both JWKS settings, which a service refuses): refused by name."""
    r = render(tmp_path, values)
    assert r.returncode != 0, r.stdout
    assert expect in r.stdout, r.stdout
