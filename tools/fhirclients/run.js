// run.js - drives the FHIR facade with two client libraries written
// elsewhere: fhir-kit-client and SMART's fhirclient (pinned in
// package-lock.json, installed by make deps into $BUILD/npm/fhirclients).
// tests/fhir/test_fhir_clients.py runs it:
//
//   NODE_PATH=$BUILD/npm/fhirclients/node_modules NODE_EXTRA_CA_CERTS=ca.pem \
//     node tools/fhirclients/run.js < plan.json
//
// The plan is {"base": URL, "token": bearer, "patient": id,
// "medicationRequest": id or null, "imagingStudy": a resource or null,
// "calls": [name, ...]}; every call named
// runs through the library's own API and prints one JSON line
// {"call": name, "ok": true, "value": summary} or {"call", "ok": false,
// "status", "error"}.  Nothing here builds a URL or parses a Bundle by
// hand where the library offers the call: the point is what a client
// application gets.
"use strict";

const path = require("path");
const { pathToFileURL } = require("url");
const smart = require("fhirclient");

// fhir-kit-client 2 is an ES module only, and an ES import does not look
// in NODE_PATH: it is imported from there by its file (main).
let Client;
async function loadKit() {
  const dir = (process.env.NODE_PATH || "").split(path.delimiter)[0];
  const file = path.join(dir, "fhir-kit-client", "dist", "index.js");
  const mod = await import(pathToFileURL(file).href);
  Client = mod.Client || mod.default;
}

// summary keeps what the test checks of a resource or Bundle.
function summary(r) {
  if (!r || typeof r !== "object") return r;
  const s = { resourceType: r.resourceType, id: r.id };
  if (r.resourceType === "Bundle") {
    s.type = r.type;
    s.total = r.total;
    s.entries = (r.entry || []).map((e) => e.resource.resourceType + "/" + e.resource.id);
    s.next = (r.link || []).some((l) => l.relation === "next");
    s.previous = (r.link || []).some((l) => l.relation === "previous");
  }
  return s;
}

// ids lists a Bundle's entries as Type/id.
function ids(b) {
  return (b.entry || []).map((e) => e.resource.resourceType + "/" + e.resource.id);
}

// kitThereAndBack follows next links to the end with fhir-kit-client's
// nextPage, then previous links back to the first page with prevPage:
// the pages' entries both ways, and the first page's total.
async function kitThereAndBack(c, first) {
  const forward = [];
  const back = [];
  let b = first;
  for (;;) {
    forward.push(ids(b));
    const next = await c.nextPage({ bundle: b });
    if (!next) break;
    b = next;
    if (forward.length > 50) throw new Error("more than 50 pages");
  }
  for (;;) {
    back.push(ids(b));
    const prev = await c.prevPage({ bundle: b });
    if (!prev) break;
    b = prev;
    if (back.length > 50) throw new Error("more than 50 pages back");
  }
  return { forward, back, total: first.total, lastTotal: b.total };
}

// kit makes a fhir-kit-client for the plan's base and token.
function kit(plan) {
  return new Client({ baseUrl: plan.base, bearerToken: plan.token });
}

// smartClient makes a SMART fhirclient as an app launched with a token
// whose context names the plan's patient (a server-side Node app: a
// request and response of its own, the session in the request).
function smartApi(url) {
  const req = {
    url,
    headers: { host: "app.smartmed.test" },
    socket: { encrypted: true },
    session: {},
  };
  const res = { writeHead() {}, end() {}, setHeader() {} };
  return smart(req, res);
}

function smartClient(plan) {
  return smartApi("/launch").client({
    serverUrl: plan.base,
    tokenResponse: { access_token: plan.token, patient: plan.patient },
  });
}

// kitPages follows a Bundle's next links with fhir-kit-client's nextPage.
async function kitPages(c, bundle) {
  const ids = [];
  let pages = 0;
  for (let b = bundle; b; pages++) {
    (b.entry || []).forEach((e) => ids.push(e.resource.resourceType + "/" + e.resource.id));
    b = await c.nextPage({ bundle: b });
    if (pages > 200) throw new Error("more than 200 pages");
  }
  return { pages, ids, total: bundle.total };
}

const calls = {
  // --- fhir-kit-client ---------------------------------------------------
  "kit.metadata": async (p) => summary(await kit(p).capabilityStatement()),
  "kit.smart": async (p) => await kit(p).smartAuthMetadata(),
  "kit.patient.read": async (p) =>
    summary(await kit(p).read({ resourceType: "Patient", id: p.patient })),
  "kit.observation.search": async (p) =>
    summary(await kit(p).search({ resourceType: "Observation", searchParams: { patient: p.patient } })),
  "kit.observation.pages": async (p) => {
    const c = kit(p);
    const first = await c.search({
      resourceType: "Observation",
      searchParams: { patient: p.patient, _count: 2 },
    });
    return kitPages(c, first);
  },
  "kit.everything.get": async (p) => {
    const c = kit(p);
    const b = await c.operation({ name: "$everything", resourceType: "Patient", id: p.patient, method: "get" });
    return kitPages(c, b);
  },
  // prevPage after nextPage, on a search, $everything and a compartment
  // search (a page of 2: several pages).
  "kit.observation.prevpage": async (p) => {
    const c = kit(p);
    return kitThereAndBack(c, await c.search({
      resourceType: "Observation",
      searchParams: { patient: p.patient, _count: 2 },
    }));
  },
  "kit.everything.prevpage": async (p) => {
    const c = kit(p);
    return kitThereAndBack(c, await c.operation({
      name: "$everything", resourceType: "Patient", id: p.patient,
      method: "get", input: { _count: 2 },
    }));
  },
  "kit.compartment.observation": async (p) => {
    const c = kit(p);
    return kitThereAndBack(c, await c.compartmentSearch({
      resourceType: "Observation",
      compartment: { resourceType: "Patient", id: p.patient },
      searchParams: { _count: 2 },
    }));
  },
  "kit.compartment.medicationrequest": async (p) =>
    summary(await kit(p).compartmentSearch({
      resourceType: "MedicationRequest",
      compartment: { resourceType: "Patient", id: p.patient },
    })),
  "kit.compartment.postsearch": async (p) =>
    summary(await kit(p).compartmentSearch({
      resourceType: "Observation",
      compartment: { resourceType: "Patient", id: p.patient },
      searchParams: { _count: 2 },
      options: { postSearch: true },
    })),
  "kit.everything.post": async (p) =>
    summary(await kit(p).operation({ name: "$everything", resourceType: "Patient", id: p.patient })),
  "kit.observation.postsearch": async (p) =>
    summary(await kit(p).search({
      resourceType: "Observation",
      searchParams: { patient: p.patient },
      options: { postSearch: true },
    })),
  "kit.observation.reference": async (p) =>
    summary(await kit(p).search({
      resourceType: "Observation",
      searchParams: { patient: "Patient/" + p.patient },
    })),
  "kit.medicationrequest.read": async (p) =>
    summary(await kit(p).read({ resourceType: "MedicationRequest", id: p.medicationRequest })),
  "kit.medicationrequest.include": async (p) =>
    summary(await kit(p).search({
      resourceType: "MedicationRequest",
      searchParams: { patient: p.patient, _include: "MedicationRequest:medication" },
    })),
  // The plan's "imagingStudy" POSTed with the library's create: the
  // facade answers the ImagingStudy with the DiagnosticReport it made
  // (tests/integration/test_diagnosis_triggers.py).
  "kit.imagingstudy.create": async (p) => {
    const r = await kit(p).create({ resourceType: "ImagingStudy", body: p.imagingStudy });
    const s = summary(r);
    s.reports = (r.extension || [])
      .filter((e) => e.url.endsWith("/diagnostic-report"))
      .map((e) => e.valueReference.reference);
    return s;
  },
  // --- SMART fhirclient --------------------------------------------------
  "smart.authorize": async (p) =>
    // Discovery: the library reads .well-known/smart-configuration and
    // answers with the authorization URL it would redirect to.
    await smartApi("/launch").authorize({
      iss: p.base,
      clientId: "ward-app",
      scope: "launch/patient patient/*.rs openid fhirUser",
      redirectUri: "https://app.smartmed.test/callback",
      noRedirect: true,
    }),
  "smart.metadata": async (p) => summary(await smartClient(p).request("metadata")),
  "smart.patient.read": async (p) => summary(await smartClient(p).patient.read()),
  "smart.observation.pages": async (p) => {
    // pageLimit 0: follow every next link; flat: the resources.
    const all = await smartClient(p).request(
      "Observation?patient=" + encodeURIComponent(p.patient) + "&_count=2",
      { pageLimit: 0, flat: true },
    );
    return all.map((r) => r.resourceType + "/" + r.id);
  },
  "smart.everything": async (p) => {
    const all = await smartClient(p).request(
      "Patient/" + encodeURIComponent(p.patient) + "/$everything",
      { pageLimit: 0, flat: true },
    );
    return all.map((r) => r.resourceType + "/" + r.id);
  },
  "smart.compartment.observation": async (p) => {
    const all = await smartClient(p).request(
      "Patient/" + encodeURIComponent(p.patient) + "/Observation?_count=2",
      { pageLimit: 0, flat: true },
    );
    return all.map((r) => r.resourceType + "/" + r.id);
  },
  "smart.patient.compartment": async (p) =>
    summary(await smartClient(p).patient.request("Observation")),
  "smart.medication.references": async (p) => {
    // The library resolves medicationReference by reading Medication/ids.
    const all = await smartClient(p).request(
      "MedicationRequest?patient=" + encodeURIComponent(p.patient),
      { pageLimit: 0, flat: true, resolveReferences: ["medicationReference"] },
    );
    return all.map((r) => (r.medicationReference || {}).resourceType || null);
  },
};

function failure(name, e) {
  const status = e.status || (e.response && e.response.status) ||
    (e.errors && e.errors[0] && e.errors[0].status) || null;
  // The server's OperationOutcome says why; keep its words for the test.
  const data = e.response && e.response.data;
  const said = data && data.issue && data.issue[0] ? data.issue[0].diagnostics : "";
  const text = String(e.message || e) + (said ? ": " + said : "");
  return { call: name, ok: false, status, error: text.slice(0, 400) };
}

async function main() {
  await loadKit();
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const plan = JSON.parse(Buffer.concat(chunks).toString());
  for (const name of plan.calls) {
    let out;
    try {
      if (!calls[name]) throw new Error("no such call");
      out = { call: name, ok: true, value: await calls[name](plan) };
    } catch (e) {
      out = failure(name, e);
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  }
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e) + "\n");
  process.exit(1);
});
