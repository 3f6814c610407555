"""A real scrape: Debian's Prometheus scrapes the running services.

Prometheus (the `prometheus` package, which make deps installs for
make deploy-check) is started on a loopback port with a generated
configuration: one job per service, named smartmed-<service> as the chart's
ServiceMonitors name them, scraping its HTTP port every second, and the
alert rules of deploy/k8s/grafana/smartmed-rules.yaml loaded.  The test
then asks Prometheus's HTTP API whether the targets are up and the gRPC
metrics were ingested, and whether the rules evaluate.  Skipped when the
prometheus binary is absent.
"""

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import grpc
import pytest

from harness import paths, protos
from harness.stack import free_port

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "deploy", "k8s", "grafana", "smartmed-rules.yaml")

pytestmark = pytest.mark.skipif(
    not os.access(PROMETHEUS, os.X_OK),
    reason="prometheus is not installed (Debian package prometheus)")


def _config(stack):
    jobs = []
    for n in protos.SERVICES:
        jobs.append(
            "  - job_name: smartmed-%s\n"
            "    scrape_interval: 1s\n"
            "    scrape_timeout: 900ms\n"
            "    static_configs:\n"
            "      - targets: ['127.0.0.1:%d']\n" % (n, stack.http_port(n)))
    return ("global:\n"
            "  evaluation_interval: 1s\n"
            "rule_files:\n"
            "  - %s\n"
            "scrape_configs:\n%s" % (RULES, "".join(jobs)))


def _query(base, expr):
    url = "%s/api/v1/query?%s" % (base, urllib.parse.urlencode(
        {"query": expr}))
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]["result"]


def _get(base, path):
    with urllib.request.urlopen(base + path, timeout=5) as r:
        return json.load(r)


@pytest.fixture
def prometheus(stack):
    work = paths.scratch_dir("smartmed-prom-")
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(_config(stack))
    port = free_port()
    log = open(os.path.join(work, "prometheus.log"), "wb")
    proc = subprocess.Popen(
        [PROMETHEUS, "--config.file=" + cfg,
         "--storage.tsdb.path=" + os.path.join(work, "data"),
         "--web.listen-address=127.0.0.1:%d" % port,
         "--storage.tsdb.retention.time=1h"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        cwd=work)
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.flush()
                with open(os.path.join(work, "prometheus.log")) as lf:
                    pytest.fail("prometheus exited %s:\n%s" % (
                        proc.returncode, lf.read()[-3000:]))
            try:
                with urllib.request.urlopen(base + "/-/ready", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("prometheus not ready after 30 s")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def _wait_for(base, expr, ok, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        res = _query(base, expr)
        if ok(res):
            return res
        if time.monotonic() > deadline:
            pytest.fail("%s: still %r after %.0f s" % (expr, res, timeout))
        time.sleep(0.5)


def test_prometheus_ingests_the_services_metrics(stack, prometheus):
    # A call makes the gRPC series exist (a series appears with its first
    # call); NOT_FOUND is counted like any other outcome.
    _path, req, _resp, _s = protos.method("identity", "GetPatient")
    with pytest.raises(grpc.RpcError) as e:
        stack.call("identity", "GetPatient", req(mrn="PROM-SCRAPE-NONE"),
                   role="clinician")
    assert e.value.code() == grpc.StatusCode.NOT_FOUND

    up = _wait_for(prometheus, 'up{job=~"smartmed-.+"} == 1',
                   lambda r: len(r) == len(protos.SERVICES))
    assert sorted(s["metric"]["job"] for s in up) == sorted(
        "smartmed-" + n for n in protos.SERVICES)

    ready = _wait_for(prometheus, "smartmed_ready == 1",
                      lambda r: len(r) == len(protos.SERVICES))
    assert len(ready) == len(protos.SERVICES)

    started = _wait_for(
        prometheus,
        'grpc_server_started_total{job="smartmed-identity",'
        'grpc_method="GetPatient"}',
        lambda r: len(r) == 1 and float(r[0]["value"][1]) >= 1)
    assert started[0]["metric"]["grpc_service"] == \
        "smartmed.identity.v1.Identity"
    handled = _wait_for(
        prometheus,
        'grpc_server_handled_total{job="smartmed-identity",'
        'grpc_method="GetPatient",grpc_code="NOT_FOUND"}',
        lambda r: len(r) == 1 and float(r[0]["value"][1]) >= 1)
    assert handled
    # The dashboard's latency query has data to work on.
    _wait_for(prometheus,
              'histogram_quantile(0.99, sum by (le, grpc_method) ('
              'rate(grpc_server_handling_seconds_bucket{job="smartmed-identity"}'
              '[1m])))',
              lambda r: len(r) >= 1)


def test_alert_rules_load_and_stay_quiet(stack, prometheus):
    _wait_for(prometheus, 'up{job=~"smartmed-.+"} == 1',
              lambda r: len(r) == len(protos.SERVICES))
    deadline = time.monotonic() + 30
    while True:
        groups = _get(prometheus, "/api/v1/rules")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        if rules and all(r.get("health") == "ok" for r in rules):
            break
        if time.monotonic() > deadline:
            pytest.fail("rules not all evaluated ok: %r" % [
                (r["name"], r.get("health"), r.get("lastError"))
                for r in rules])
        time.sleep(0.5)
    assert len(rules) >= 5
    # The rules' job selector matches the jobs, so they watch something.
    assert len(_query(prometheus, 'smartmed_ready{job=~"smartmed-.+"}')) == \
        len(protos.SERVICES)
    # An evaluation made before the first scrape may leave an alert pending
    # (absent(up) is true then); once every target is scraped, none of the
    # availability alerts may be pending or firing.
    watched = ("SmartmedServiceDown", "SmartmedNotReady",
               "SmartmedTargetsMissing")
    deadline = time.monotonic() + 20
    while True:
        active = [(a["labels"]["alertname"], a["state"]) for a in
                  _get(prometheus, "/api/v1/alerts")["data"]["alerts"]
                  if a["labels"]["alertname"] in watched]
        if not active:
            break
        if time.monotonic() > deadline:
            pytest.fail("alerts still active on a healthy stack: %r" % active)
        time.sleep(0.5)


@pytest.mark.skipif(not os.access(PROMTOOL, os.X_OK),
                    reason="promtool is not installed")
def test_metrics_pass_promtool_exposition_check(stack):
    """Each service's /metrics parses as the Prometheus text format and
    passes promtool's lint (metric names, HELP, units)."""
    for n in protos.SERVICES:
        url = "http://127.0.0.1:%d/metrics" % stack.http_port(n)
        with urllib.request.urlopen(url, timeout=5) as r:
            body = r.read()
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=body,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        out = p.stdout.decode("utf-8", "replace")
        # Exit 1 is a parse error or lint advice (naming, HELP, units).
        assert p.returncode == 0, (n, out)
