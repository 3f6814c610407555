#!/usr/bin/python3
"""policy.py - house rules for what `make deploy-check` cannot ask a schema.

    /usr/bin/python3 deploy/k8s/check/policy.py [--src REPO] [--promtool PATH]

Checks, each problem printed as "policy: FILE: what":
  - deploy/docker/Dockerfile*: multi-stage, every FROM pinned (a tag other
    than latest, or a digest), the runtime of the CPU image Debian 12 slim
    (FROM it, or FROM scratch with the root file system of a stage FROM
    it), a numeric non-root USER in the final stage, ENTRYPOINT in exec
    form, apt-get with --no-install-recommends and, in the same RUN, apt's
    lists and caches removed (no layer of any stage keeps them), no ADD of
    URLs, COPY --from naming an earlier stage, the layer order models,
    plugins, binary (not in Dockerfile.orthanc, Debian's Orthanc), and the OCI labels source, revision and licenses set,
    with no placeholder value;
  - deploy/k8s/grafana/*.json dashboards and the alert rules: they use only
    metrics the services export (named in common/src and services/), and
    every dashboard expression is valid PromQL (promtool check rules on a
    generated rule file);
  - every alert's runbook_url names a heading of docs/operations.md;
  - the chart's values: values.schema.json holds for values.yaml alone and
    with each ci/*.yaml (helm install checks the same), unique ports, no
    :latest tag.
Exits 1 when there is a problem.  No Docker engine or Grafana is needed.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

PROBLEMS = []


def problem(path, what):
    PROBLEMS.append("policy: %s: %s" % (path, what))


# --- Dockerfiles -----------------------------------------------------------

def instructions(text):
    """(INSTRUCTION, arguments) pairs; continuation lines joined, comments
    dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        word, _, rest = cur.partition(" ")
        out.append((word.upper(), rest.strip()))
        cur = ""
    if cur:
        word, _, rest = cur.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def expand(s, args):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)),
                  s)


def image_pinned(ref):
    """None if ref is pinned, else why not."""
    if "$" in ref:
        return "unresolved build argument in %s" % ref
    if ref == "scratch":
        return None  # no image: an empty root file system
    if "@sha256:" in ref:
        return None
    name = ref.rsplit("/", 1)[-1]
    if ":" not in name:
        return "%s has no tag (means latest)" % ref
    tag = name.split(":", 1)[1]
    if tag == "latest" or tag.startswith("latest"):
        return "%s uses a latest tag" % ref
    return None


SLIM = re.compile(r"^debian:(12|bookworm)[\w.-]*-slim$")


def check_runtime_base(path, stages):
    """The CPU image's runtime is Debian 12 slim: the final stage is FROM
    it, or FROM scratch with its first COPY the whole root file system
    (COPY --from=<stage> / /) of a stage FROM it."""
    final = stages[-1]
    base = final["base"]
    if base == "scratch":
        copies = [rest for word, rest in final["ins"] if word == "COPY"]
        m = re.match(r"^(?:--\S+\s+)*?--from=(\S+)\s+/\s+/$",
                     copies[0]) if copies else None
        src = [st for st in stages if m and st["name"] == m.group(1)]
        if not src:
            problem(path, "the runtime stage is FROM scratch but its first "
                    "COPY is not a root file system (COPY --from=<stage> "
                    "/ /)")
            return
        base = src[0]["base"]
    if not SLIM.match(base):
        problem(path, "the runtime stage must be FROM debian:12-slim "
                "(or a dated bookworm slim tag), or FROM scratch with the "
                "root file system of such a stage, not %s" % base)


def check_apt_cleanup(path, run):
    """apt's lists and caches are gone when the RUN that made them ends,
    so that no layer of any stage holds them (a later rm only hides
    them): removed in the same RUN, or on a cache or tmpfs mount."""
    for what, pattern in (("lists", r"/var/lib/apt(/lists)?\b"),
                          ("caches", r"/var/cache/apt\b")):
        mounted = re.search(r"--mount=\S*type=(cache|tmpfs)\S*target=" +
                            pattern, run)
        removed = re.search(r"rm\s+-(rf|fr)\s+[^&;|]*" + pattern, run)
        if not mounted and not removed:
            problem(path, "apt-get %s not removed in the same RUN "
                    "(rm -rf %s in it, or a cache mount)" % (
                        what, "/var/lib/apt/lists/*" if what == "lists"
                        else "/var/cache/apt/*"))


OCI_LABELS = ("org.opencontainers.image.source",
              "org.opencontainers.image.revision",
              "org.opencontainers.image.licenses")
PLACEHOLDER = re.compile(r"example\.(invalid|com|org|net)|\.invalid\b|"
                         r"\b(TODO|TBD|FIXME|CHANGEME|placeholder|unknown)\b",
                         re.I)


def check_labels(path, final_ins):
    """The final stage's OCI labels source, revision and licenses: each
    set, to a build argument (tools/images/build.sh passes the repository,
    the commit and the licences) or a value that is no placeholder."""
    labels = {}
    for word, rest in final_ins:
        if word == "LABEL":
            for k, v in re.findall(r'([\w.-]+)=("[^"]*"|\S+)', rest):
                labels[k] = v.strip('"')
    for k in OCI_LABELS:
        v = labels.get(k)
        if not v:
            problem(path, "the final stage sets no %s label" % k)
        elif PLACEHOLDER.search(v):
            problem(path, "label %s=%s is a placeholder" % (k, v))


def check_dockerfile(path):
    with open(path) as f:
        ins = instructions(f.read())
    args = {}
    stages = []  # dicts: base, name, ins
    for word, rest in ins:
        if word == "ARG" and not stages:
            k, _, v = rest.partition("=")
            args[k.strip()] = v.strip().strip('"')
        elif word == "FROM":
            parts = rest.split()
            base = expand(parts[0], args)
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" \
                else None
            stages.append({"base": base, "name": name, "ins": []})
        elif stages:
            stages[-1]["ins"].append((word, rest))
        else:
            problem(path, "%s before the first FROM" % word)
    if len(stages) < 2:
        problem(path, "not multi-stage (build and runtime stages expected)")
        return
    names = set()
    for st in stages:
        why = image_pinned(st["base"])
        if why and st["base"] not in names:
            problem(path, "FROM " + why)
        if st["name"]:
            names.add(st["name"])
    final = stages[-1]
    if not os.path.basename(path).endswith(".cuda"):
        check_runtime_base(path, stages)
    seen_stages = set()
    for st in stages:
        for word, rest in st["ins"]:
            if word == "ADD" and re.search(r"https?://", rest):
                problem(path, "ADD of a URL: download in the build stage "
                        "with a checksum instead")
            if word == "COPY":
                m = re.search(r"--from=(\S+)", rest)
                if m and m.group(1) not in seen_stages:
                    problem(path, "COPY --from=%s names no earlier stage"
                            % m.group(1))
            if word == "RUN" and "apt-get install" in rest:
                if "--no-install-recommends" not in rest:
                    problem(path, "apt-get install without "
                            "--no-install-recommends")
            if word == "RUN" and re.search(r"apt-get\s+(update|install)",
                                           rest):
                check_apt_cleanup(path, rest)
        if st["name"]:
            seen_stages.add(st["name"])
    users = [rest for word, rest in final["ins"] if word == "USER"]
    if not users:
        problem(path, "the final stage has no USER (it would run as root)")
    else:
        user = users[-1]
        if not re.match(r"^\d+(:\d+)?$", user):
            problem(path, "USER %s is not numeric (uid[:gid]); Kubernetes "
                    "runAsNonRoot can only verify numeric users" % user)
        elif user.split(":")[0] == "0":
            problem(path, "USER 0 is root")
    eps = [rest for word, rest in final["ins"] if word == "ENTRYPOINT"]
    if not eps or not eps[-1].startswith("["):
        problem(path, "ENTRYPOINT missing or not in exec form "
                "(a JSON array, so SIGTERM reaches the service)")
    check_labels(path, final["ins"])
    if os.path.basename(path).endswith(".orthanc"):
        return  # Debian's Orthanc: no smartmed models, plugins or binary
    copies = [rest for word, rest in final["ins"] if word == "COPY"]

    def pos(pattern):
        for i, c in enumerate(copies):
            if re.search(pattern, c):
                return i
        return None

    order = [pos(r"models"), pos(r"plugins"), pos(r"/bin/smartmed-")]
    if None in order:
        problem(path, "the final stage must COPY models, plugins and the "
                "service binary, each in its own layer")
    elif not order[0] < order[1] < order[2]:
        problem(path, "layer order must be models, plugins, binary (least "
                "to most often changed)")


# --- metrics: dashboards and rules -----------------------------------------

PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "rate", "irate",
    "increase", "histogram_quantile", "label_values", "time", "changes",
    "absent", "on", "ignoring", "group_left", "group_right", "and", "or",
    "unless", "bool", "topk", "bottomk", "quantile", "offset", "delta",
    "deriv", "clamp_min", "clamp_max", "abs", "vector", "scalar", "le",
}


def exported_metrics(src):
    """Metric names the services export: string literals in common/src and
    services/ that look like metric names, the histogram series, and up."""
    names = {"up"}
    files = glob.glob(os.path.join(src, "common/src/**/*.c"),
                      recursive=True) + \
        glob.glob(os.path.join(src, "services/**/*.c"), recursive=True)
    for p in files:
        with open(p, errors="replace") as f:
            text = f.read()
        for m in re.finditer(r'"((?:grpc_server|smartmed|process|med)_'
                             r'[a-z0-9_]+)"', text):
            names.add(m.group(1))
    for n in list(names):
        if n.endswith(("_seconds", "_bytes_hist", "_batch_size",
                        "_score_margin")):
            names.update({n + "_bucket", n + "_sum", n + "_count"})
    return names


def metric_names(expr):
    """Names used as series selectors in a PromQL expression."""
    expr = re.sub(r'"[^"]*"', '""', expr)  # label values
    out = set()
    for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|\[)", expr):
        if m.group(1) not in PROMQL_WORDS:
            out.add(m.group(1))
    return out


def dashboard_exprs(path):
    with open(path) as f:
        try:
            dash = json.load(f)
        except ValueError as e:
            problem(path, "not JSON: %s" % e)
            return []
    for key in ("uid", "title", "panels"):
        if key not in dash:
            problem(path, "no %s" % key)
    exprs = []
    ids = set()

    def walk(panels):
        for p in panels:
            if p.get("id") in ids:
                problem(path, "duplicate panel id %s" % p.get("id"))
            ids.add(p.get("id"))
            if p.get("type") != "row" and not p.get("targets"):
                problem(path, "panel %r has no query" % p.get("title"))
            for t in p.get("targets", []):
                exprs.append((p.get("title"), t.get("expr", "")))
            walk(p.get("panels", []))
    walk(dash.get("panels", []))
    return exprs


def grafana_to_promql(expr):
    return (expr.replace("$__rate_interval", "5m")
            .replace("$job", "smartmed-.+")
            .replace("$namespace", ".*")
            .replace("$cluster", ".*")
            .replace("$grpc_service", ".+"))


# A dashboard panel that filters by service must also filter by the
# namespace and cluster variables, or two installs (test and production,
# two hospitals' clusters in one Prometheus) add up on one graph.
SCOPE = ('namespace=~"$namespace"', 'cluster=~"$cluster"')


def check_dashboard_scope(path, title, expr):
    if '$job' not in expr:
        return
    for part in SCOPE:
        if expr.count(part) < expr.count('job=~"$job"'):
            problem(path, "%s: every selector with job=~\"$job\" needs %s"
                    % (title, part))


def check_metrics(src, promtool):
    known = exported_metrics(src)
    all_exprs = []
    for path in sorted(glob.glob(os.path.join(src, "deploy/k8s/grafana/*.json"))):
        for title, e in dashboard_exprs(path):
            all_exprs.append((path, title, e))
            check_dashboard_scope(path, title, e)
    rules_path = os.path.join(src, "deploy/k8s/grafana/smartmed-rules.yaml")
    with open(rules_path) as f:
        rules = yaml.safe_load(f)
    for g in rules.get("groups", []):
        for r in g.get("rules", []):
            all_exprs.append((rules_path, r.get("alert") or r.get("record"),
                              r["expr"]))
    for path, title, e in all_exprs:
        if not e.strip():
            problem(path, "%s: empty expression" % title)
        for name in sorted(metric_names(e) - known):
            problem(path, "%s: metric %s is not exported by any service"
                    % (title, name))
    if promtool is None:
        return len(all_exprs)
    # promtool parses PromQL in rule files: one recording rule per query.
    doc = {"groups": [{"name": "dashboard", "rules": [
        {"record": "dashboard:query_%d" % i, "expr": grafana_to_promql(e)}
        for i, (_p, _t, e) in enumerate(all_exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as t:
        yaml.safe_dump(doc, t)
    try:
        r = subprocess.run([promtool, "check", "rules", t.name],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        if r.returncode != 0:
            problem("deploy/k8s/grafana", "a query is not valid PromQL:\n"
                    + r.stdout)
    finally:
        os.unlink(t.name)
    return len(all_exprs)


def doc_anchors(path):
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"^#+\s+(.*?)\s*$", line)
            if m:
                slug = re.sub(r"[^\w\- ]", "", m.group(1).lower())
                anchors.add(slug.replace(" ", "-"))
    return anchors


def check_runbooks(src):
    """Every alert links its runbook entry: runbook_url is
    docs/operations.md#<anchor> and the anchor is a heading there."""
    rules_path = os.path.join(src, "deploy/k8s/grafana/smartmed-rules.yaml")
    docs = os.path.join(src, "docs/operations.md")
    anchors = doc_anchors(docs) if os.path.exists(docs) else set()
    with open(rules_path) as f:
        rules = yaml.safe_load(f)
    for g in rules.get("groups", []):
        for r in g.get("rules", []):
            if "alert" not in r:
                continue
            url = (r.get("annotations") or {}).get("runbook_url", "")
            page, _, anchor = url.partition("#")
            if page != "docs/operations.md" or not anchor:
                problem(rules_path, "%s: runbook_url must be "
                        "docs/operations.md#<anchor>, not %r"
                        % (r["alert"], url))
            elif anchor not in anchors:
                problem(rules_path, "%s: docs/operations.md has no heading "
                        "for #%s (add its runbook entry under Alerts)"
                        % (r["alert"], anchor))


# --- chart values ----------------------------------------------------------

def merge(dst, src):
    """helm's merge of -f files: maps key by key, null deletes."""
    for k, v in src.items():
        if v is None:
            dst.pop(k, None)
        elif isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v
    return dst


def check_schema(src):
    """values.yaml, alone and with each ci/*.yaml, against
    values.schema.json (what helm install checks)."""
    chart = os.path.join(src, "deploy/k8s/helm/smartmed")
    try:
        import jsonschema
    except ImportError:
        problem(chart, "python3-jsonschema is not installed")
        return
    with open(os.path.join(chart, "values.schema.json")) as f:
        schema = json.load(f)
    with open(os.path.join(chart, "values.yaml")) as f:
        base = yaml.safe_load(f)
    sets = [("values.yaml", base)]
    for ci in sorted(glob.glob(os.path.join(chart, "ci", "*.yaml"))):
        with open(ci) as f:
            over = yaml.safe_load(f) or {}
        sets.append(("values.yaml + ci/" + os.path.basename(ci),
                     merge(json.loads(json.dumps(base)), over)))
    v = jsonschema.Draft7Validator(schema)
    for name, values in sets:
        for e in sorted(v.iter_errors(values), key=lambda e: list(e.path)):
            where = ".".join(str(x) for x in e.path) or "(top)"
            problem(os.path.join(chart, name), "values.schema.json: %s: %s"
                    % (where, e.message))


def check_values(src):
    check_schema(src)
    path = os.path.join(src, "deploy/k8s/helm/smartmed/values.yaml")
    with open(path) as f:
        v = yaml.safe_load(f)
    tag = str(v["global"]["image"]["tag"])
    if not tag or tag.startswith("latest"):
        problem(path, "global.image.tag must be a pinned version")
    ports = {}
    for name, s in v["services"].items():
        for key in ("grpcPort", "healthPort", "httpPort"):
            p = s.get(key)
            if p is None:
                problem(path, "services.%s.%s missing" % (name, key))
                continue
            if p in ports:
                problem(path, "port %s of %s.%s also used by %s"
                        % (p, name, key, ports[p]))
            ports[p] = "%s.%s" % (name, key)
        if s.get("healthPort") != s.get("grpcPort", 0) + 100:
            problem(path, "services.%s.healthPort should be grpcPort + 100 "
                    "(the services' default)" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=".")
    ap.add_argument("--promtool", default=None)
    a = ap.parse_args()
    dockerfiles = sorted(glob.glob(os.path.join(a.src,
                                                "deploy/docker/Dockerfile*")))
    dockerfiles = [d for d in dockerfiles if not d.endswith(".dockerignore")]
    if not dockerfiles:
        problem("deploy/docker", "no Dockerfile")
    for d in dockerfiles:
        check_dockerfile(d)
    n = check_metrics(a.src, a.promtool)
    check_runbooks(a.src)
    check_values(a.src)
    for p in PROBLEMS:
        print(p)
    if PROBLEMS:
        print("policy: %d problem(s)" % len(PROBLEMS))
        return 1
    print("policy: %d Dockerfile(s), %d queries and rules, values OK"
          % (len(dockerfiles), n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
