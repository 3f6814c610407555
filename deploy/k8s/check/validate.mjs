// validate.mjs - schema and house-policy checks of rendered manifests, for
// `make deploy-check` (deploy/k8s/check/deploy-check.sh runs it).
//
//   node validate.mjs --src REPO_ROOT FILE.yaml...
//
// Needs the npm packages of package.json, installed with `npm ci` next to
// the copy that runs (build/deploy-check/node_modules): `kubernetes-models`
// (JSON-schema validators of the Kubernetes API, one class per kind),
// `@kubernetes-models/prometheus-operator` (ServiceMonitor) and `yaml`.
//
// 1. Every object must validate against its kind's schema (types, enums,
//    required fields).
// 2. Those validators ignore unknown fields (a typo like `imagee` passes), so
//    every field is also looked up in the TypeScript declarations that ship
//    with the models: a field the API does not have is an error.
// 3. House policy: probes, resources, a restricted securityContext, pinned
//    images, consistent selectors and port names, MED_* settings that the
//    services actually read (from the C spec tables).
// Prints one line per problem, "FILE: Kind/name: where: what", and exits 1
// when there is any.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const args = process.argv.slice(2);
let src = ".";
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--src") src = args[++i];
  else files.push(args[i]);
}
// Run from a copy next to node_modules (deploy-check.sh copies it there):
// ES modules do not search NODE_PATH.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = (name) => path.join(HERE, "node_modules", name);
const K8S = pkgDir("kubernetes-models");
const PROM = pkgDir("@kubernetes-models/prometheus-operator");
const NM = path.dirname(path.dirname(PROM));

// apiVersion/kind -> module path (relative to its package) and package.
const MODELS = {
  "v1/ConfigMap": [K8S, "v1/ConfigMap"],
  "v1/Secret": [K8S, "v1/Secret"],
  "v1/Service": [K8S, "v1/Service"],
  // The optional PACS's studies (templates/pacs.yaml).
  "v1/PersistentVolumeClaim": [K8S, "v1/PersistentVolumeClaim"],
  "apps/v1/Deployment": [K8S, "apps/v1/Deployment"],
  "apps/v1/StatefulSet": [K8S, "apps/v1/StatefulSet"],
  "autoscaling/v2/HorizontalPodAutoscaler":
    [K8S, "autoscaling/v2/HorizontalPodAutoscaler"],
  "policy/v1/PodDisruptionBudget": [K8S, "policy/v1/PodDisruptionBudget"],
  "networking.k8s.io/v1/NetworkPolicy":
    [K8S, "networking.k8s.io/v1/NetworkPolicy"],
  "monitoring.coreos.com/v1/ServiceMonitor":
    [PROM, "monitoring.coreos.com/v1/ServiceMonitor"],
  "monitoring.coreos.com/v1/PrometheusRule":
    [PROM, "monitoring.coreos.com/v1/PrometheusRule"],
};

const problems = [];
let current = "";
const fail = (where, what) => problems.push(`${current}: ${where}: ${what}`);

// --- 2. unknown fields, from the .d.ts declarations ----------------------

const ifaceCache = new Map();

// iface parses the first interface of a .d.ts file: field -> type file or
// null (a leaf: string, number, map, IntOrString...).
function iface(dts) {
  if (ifaceCache.has(dts)) return ifaceCache.get(dts);
  const text = fs.readFileSync(dts, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
    let p = m[2].replace(/\.js$/, "");
    p = p.startsWith(".") ? path.resolve(path.dirname(dts), p)
      : path.join(NM, p);
    imports.set(m[1], p + ".d.ts");
  }
  const body = text.slice(text.indexOf("export interface"));
  const end = body.indexOf("\n}");
  const fields = new Map();
  // Single-line fields name their type; a multi-line one (a map, an
  // inline object) is taken as a leaf.
  for (const m of body.slice(0, end).matchAll(/^ {4}"([^"]+)"\??: (.+)$/gm)) {
    const t = m[2].replace(/;$/, "").replace(/^Array<(.+)>$/, "$1");
    fields.set(m[1], imports.get(t) || null);
  }
  ifaceCache.set(dts, fields);
  return fields;
}

function checkFields(value, dts, where) {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkFields(v, dts, `${where}[${i}]`));
    return;
  }
  const fields = iface(dts);
  if (fields.size === 0) return; // a map type: any keys
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) {
      fail(`${where}.${k}`, "unknown field (not in the Kubernetes API)");
      continue;
    }
    const sub = fields.get(k);
    if (sub) checkFields(v, sub, `${where}.${k}`);
  }
}

// --- 3. house policy -----------------------------------------------------

// The MED_* settings the services read: every "MED_..." string literal in
// the C sources under common/src and services/ (the med_config_spec tables
// name them directly or through a #define), folders included.
function sourceFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith(".c") || e.name.endsWith(".h")) out.push(p);
  }
  return out;
}

function knownSettings() {
  const keys = new Set();
  const files = [
    ...sourceFiles(path.join(src, "common/src")),
    ...sourceFiles(path.join(src, "services")),
  ];
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    for (const m of text.matchAll(/"(MED_[A-Z0-9_]+)"/g)) keys.add(m[1]);
  }
  return keys;
}
const SETTINGS = knownSettings();

// The type of each setting as its med_config_spec row declares it
// ({"MED_X", MED_CONFIG_INT, ...}): a rendered value the service would
// refuse at start is caught here, e.g. Helm's float64 "1.8e+06" for an
// integer (issue 32).
function settingTypes() {
  const types = new Map();
  const texts = [
    ...sourceFiles(path.join(src, "common")),
    ...sourceFiles(path.join(src, "services")),
  ].map((f) => fs.readFileSync(f, "utf8"));
  // A row may name its key through a #define (IDENTITY_SCOPE_KEY).
  const names = new Map();
  for (const text of texts) {
    for (const m of text.matchAll(/#define\s+(\w+)\s+"(MED_[A-Z0-9_]+)"/g))
      names.set(m[1], m[2]);
  }
  const row = /\{\s*(?:"(MED_[A-Z0-9_]+)"|(\w+))\s*,\s*MED_CONFIG_([A-Z]+)/g;
  for (const text of texts) {
    for (const m of text.matchAll(row)) {
      const key = m[1] || names.get(m[2]);
      if (key) types.set(key, m[3]);
    }
  }
  return types;
}
const SETTING_TYPES = settingTypes();
const VALUE_RULES = {
  INT: [/^-?[0-9]+$/, "is not a decimal integer"],
  PORT: [/^[0-9]+$/, "is not a port number"],
  BOOL: [/^(true|false|1|0|yes|no|on|off)$/i, "is not true or false"],
};

function checkSettingValue(key, value) {
  const rule = VALUE_RULES[SETTING_TYPES.get(key)];
  if (!rule || rule[0].test(String(value))) return;
  fail(`data.${key}`, `"${value}" ${rule[1]}: the service refuses it at ` +
    "start (a number of a million or more from values renders as a " +
    "float unless the chart prints it as an integer)");
}

const subset = (a, b) =>
  Object.entries(a || {}).every(([k, v]) => b && b[k] === v);

// matches is a label selector (matchLabels and matchExpressions) on labels.
function matches(sel, labels) {
  if (!sel || !subset(sel.matchLabels, labels)) return false;
  return (sel.matchExpressions || []).every((e) => {
    const has = labels && Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case "Exists": return has;
      case "DoesNotExist": return !has;
      case "In": return has && e.values.includes(labels[e.key]);
      case "NotIn": return !has || !e.values.includes(labels[e.key]);
      default: return false;
    }
  });
}

function checkPod(obj, byKind) {
  const spec = obj.spec.template.spec;
  const labels = obj.spec.template.metadata?.labels || {};
  if (!subset(obj.spec.selector?.matchLabels, labels))
    fail("spec.selector", "matchLabels are not all on the pod template");
  const psc = spec.securityContext || {};
  if (psc.runAsNonRoot !== true) fail("securityContext", "runAsNonRoot must be true");
  if (!Number.isInteger(psc.runAsUser) || psc.runAsUser === 0)
    fail("securityContext", "runAsUser must be a numeric non-root uid");
  if (psc.seccompProfile?.type !== "RuntimeDefault")
    fail("securityContext", "seccompProfile must be RuntimeDefault");
  if (spec.automountServiceAccountToken !== false)
    fail("spec", "automountServiceAccountToken must be false");
  const volumes = new Set((spec.volumes || []).map((v) => v.name));
  for (const t of obj.spec.volumeClaimTemplates || []) volumes.add(t.metadata.name);
  for (const c of spec.containers) {
    const w = `container ${c.name}`;
    const image = c.image || "";
    const tag = image.includes("@") ? "digest" : image.split("/").pop().split(":")[1];
    if (!tag) fail(w, `image ${image} has no tag`);
    else if (tag === "latest" || tag.startsWith("latest-"))
      fail(w, `image ${image}: no :latest tags`);
    const ports = new Map((c.ports || []).map((p) => [p.name, p.containerPort]));
    for (const kind of ["livenessProbe", "readinessProbe"]) {
      const p = c[kind];
      if (!p) { fail(w, `${kind} missing`); continue; }
      const h = p.grpc || p.httpGet || p.tcpSocket;
      if (!h) fail(w, `${kind} has no grpc/httpGet/tcpSocket handler`);
      else if (typeof h.port === "string" && !ports.has(h.port))
        fail(w, `${kind} names port ${h.port}, which the container lacks`);
    }
    // A gRPC service is ready when its plaintext health port says so; a
    // container without gRPC (the FHIR facade) answers /readyz over HTTP.
    const rp = c.readinessProbe?.grpc;
    if (ports.has("grpc")) {
      if (!rp) fail(w, "readinessProbe must be a grpc probe (the plaintext health port)");
      else if (ports.get("grpc-health") !== rp.port)
        fail(w, `readinessProbe port ${rp.port} is not the grpc-health port`);
      if (ports.get("grpc") === rp?.port)
        fail(w, "a probe on the mutual-TLS gRPC port always fails (kubelet has no client certificate)");
    } else if (c.name === "orthanc") {
      // The optional PACS (templates/pacs.yaml) authenticates every HTTP
      // path: it is ready when its port accepts.
      if (c.readinessProbe?.tcpSocket?.port !== "http")
        fail(w, "readinessProbe must be a tcpSocket probe of Orthanc's http port");
    } else if (c.name === "pacs-tls") {
      // Orthanc's stunnel4 sidecar (pacs.tls): ready when its TLS port
      // accepts (a TLS handshake would need no more of it).
      if (c.readinessProbe?.tcpSocket?.port !== "https")
        fail(w, "readinessProbe must be a tcpSocket probe of the sidecar's https port");
    } else if (c.readinessProbe?.httpGet?.port !== "http-metrics") {
      fail(w, "readinessProbe must ask /readyz on the plaintext http-metrics port");
    }
    for (const k of ["requests", "limits"]) {
      for (const r of ["cpu", "memory"]) {
        if (!c.resources?.[k]?.[r]) fail(w, `resources.${k}.${r} missing`);
      }
    }
    for (const k of Object.keys(c.resources?.requests || {})) {
      if (k.includes("gpu")) fail(w, `${k} belongs under limits, not requests`);
    }
    const gpu = Object.keys(c.resources?.limits || {}).some((k) => k.includes("gpu"));
    if (gpu && !spec.tolerations?.some((t) => (t.key || "").includes("gpu")))
      fail(w, "a GPU limit without a GPU toleration");
    if (gpu && !Object.keys(spec.nodeSelector || {}).some((k) => k.includes("gpu")))
      fail(w, "a GPU limit without a GPU nodeSelector");
    const sc = c.securityContext || {};
    if (sc.allowPrivilegeEscalation !== false)
      fail(w, "allowPrivilegeEscalation must be false");
    if (sc.readOnlyRootFilesystem !== true)
      fail(w, "readOnlyRootFilesystem must be true");
    if (!(sc.capabilities?.drop || []).includes("ALL"))
      fail(w, "capabilities must drop ALL");
    if (sc.privileged) fail(w, "privileged is forbidden");
    for (const m of c.volumeMounts || []) {
      if (!volumes.has(m.name)) fail(w, `volumeMount ${m.name} has no volume`);
    }
    for (const e of c.env || []) {
      if (e.name.startsWith("MED_") && !SETTINGS.has(e.name))
        fail(w, `env ${e.name} is read by no service`);
    }
    for (const ef of c.envFrom || []) {
      const name = ef.configMapRef?.name;
      const cm = byKind("ConfigMap").find((o) => o.metadata.name === name);
      if (name && !cm)
        fail(w, `envFrom ConfigMap ${name} is not in the manifests`);
      else if (cm) checkMountedFiles(w, cm, c, spec);
    }
  }
}

// A setting that names a file under /etc/smartmed must find it there: a
// volume mounted at a parent folder, holding that file (a Secret or
// ConfigMap volume that lists items holds only those).  Face keys named
// but never mounted left every face call "not configured" (issue 32).
function providesFile(mount, volume, file) {
  const dir = mount.mountPath.replace(/\/+$/, "") + "/";
  if (!file.startsWith(dir)) return false;
  const rest = file.slice(dir.length);
  const src = volume.secret || volume.configMap;
  if (!src?.items) return true;
  return src.items.some((i) => i.path === rest);
}

function checkMountedFiles(w, cm, c, spec) {
  const volumes = new Map((spec.volumes || []).map((v) => [v.name, v]));
  for (const [k, v] of Object.entries(cm.data || {})) {
    if (!k.startsWith("MED_") || !String(v).startsWith("/etc/smartmed/"))
      continue;
    const ok = (c.volumeMounts || []).some((m) => volumes.has(m.name) &&
      providesFile(m, volumes.get(m.name), v));
    if (!ok) fail(w, `${k} names ${v}, which no volume of the container provides`);
  }
}

function checkObject(obj, all) {
  const byKind = (k) => all.filter((o) => o.kind === k);
  const podLabels = (o) => o.spec?.template?.metadata?.labels;
  const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
  switch (obj.kind) {
    case "Deployment":
    case "StatefulSet":
      checkPod(obj, byKind);
      if (obj.kind === "StatefulSet" &&
        !byKind("Service").some((s) => s.metadata.name === obj.spec.serviceName))
        fail("spec.serviceName", `Service ${obj.spec.serviceName} is not in the manifests`);
      break;
    case "Service": {
      const pods = workloads.filter((w) => subset(obj.spec.selector, podLabels(w)));
      if (pods.length === 0) fail("spec.selector", "selects no workload");
      for (const p of obj.spec.ports) {
        if (typeof p.targetPort !== "string") continue;
        const ok = pods.every((w) => w.spec.template.spec.containers.some(
          (c) => (c.ports || []).some((cp) => cp.name === p.targetPort)));
        if (!ok) fail(`port ${p.name}`, `targetPort ${p.targetPort} is no container port name`);
      }
      break;
    }
    case "HorizontalPodAutoscaler": {
      const t = obj.spec.scaleTargetRef;
      if (!workloads.some((w) => w.kind === t.kind && w.metadata.name === t.name))
        fail("spec.scaleTargetRef", `${t.kind}/${t.name} is not in the manifests`);
      if (obj.spec.minReplicas > obj.spec.maxReplicas)
        fail("spec", "minReplicas > maxReplicas");
      const w = workloads.find((x) => x.metadata.name === t.name);
      if (w && w.spec.replicas !== undefined)
        fail("spec.scaleTargetRef", "the target sets replicas: every upgrade would reset the autoscaler");
      break;
    }
    case "PodDisruptionBudget":
    case "NetworkPolicy": {
      const sel = obj.kind === "NetworkPolicy" ? obj.spec.podSelector : obj.spec.selector;
      if (!workloads.some((w) => subset(sel?.matchLabels, podLabels(w))))
        fail("selector", "selects no workload");
      break;
    }
    case "ServiceMonitor": {
      const svcs = byKind("Service").filter(
        (s) => matches(obj.spec.selector, s.metadata.labels));
      if (svcs.length === 0) fail("spec.selector", "selects no Service");
      // The rules and the dashboard match job="smartmed-<service>": the
      // job must come from a label, not from the release-named Service.
      const jl = obj.spec.jobLabel;
      if (!jl) fail("spec.jobLabel", "missing: the job would be the Service's name, which carries the release name");
      for (const s of svcs) {
        const job = s.metadata.labels?.[jl];
        if (jl && !/^smartmed-[a-z][a-z0-9]*$/.test(job || ""))
          fail("spec.jobLabel", `Service ${s.metadata.name} has no ${jl} label of the form smartmed-<service>`);
      }
      for (const e of obj.spec.endpoints || []) {
        if (!svcs.every((s) => s.spec.ports.some((p) => p.name === e.port)))
          fail("spec.endpoints", `port ${e.port} is not on the selected Service`);
      }
      break;
    }
    case "ConfigMap":
      for (const k of Object.keys(obj.data || {})) {
        if (k.startsWith("MED_") && !SETTINGS.has(k))
          fail(`data.${k}`, "no service reads this setting (typo?)");
        else if (k.startsWith("MED_")) checkSettingValue(k, obj.data[k]);
      }
      break;
    default:
      break;
  }
}

async function main() {
  if (files.length === 0) {
    console.error("usage: node validate.mjs --src REPO FILE.yaml...");
    process.exit(2);
  }
  const loaded = new Map();
  let total = 0;
  for (const f of files) {
    const docs = parseAllDocuments(fs.readFileSync(f, "utf8"));
    const objs = [];
    for (const d of docs) {
      if (d.errors.length) {
        problems.push(`${f}: YAML: ${d.errors[0].message}`);
        continue;
      }
      const o = d.toJS();
      if (o) objs.push(o);
    }
    for (const obj of objs) {
      current = `${path.basename(f)}: ${obj.kind}/${obj.metadata?.name}`;
      total++;
      const key = `${obj.apiVersion}/${obj.kind}`;
      const m = MODELS[key];
      if (!m) { fail("apiVersion/kind", `${key} is not a kind this chart may render`); continue; }
      const modPath = path.join(m[0], m[1] + ".js");
      if (!loaded.has(modPath)) loaded.set(modPath, await import(modPath));
      const Model = loaded.get(modPath)[obj.kind];
      try {
        new Model(obj).validate();
      } catch (e) {
        fail("schema", e.message);
      }
      checkFields(obj, path.join(m[0], m[1] + ".d.ts"), obj.kind);
      checkObject(obj, objs);
      const names = objs.filter((o) => o.kind === obj.kind && o.metadata?.name === obj.metadata?.name);
      if (names.length > 1) fail("metadata.name", "duplicate name");
    }
  }
  for (const p of [...new Set(problems)]) console.log(p);
  if (problems.length) {
    console.log(`validate: ${problems.length} problem(s) in ${total} objects`);
    process.exit(1);
  }
  console.log(`validate: ${total} objects in ${files.length} file(s) OK ` +
    `(Kubernetes schemas, unknown fields, policy; ${SETTINGS.size} MED_* settings known)`);
}

main().catch((e) => { console.error(e); process.exit(2); });
