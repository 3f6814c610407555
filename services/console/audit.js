// audit.js - the audit review screen (issue 37, item 6; auditors): a
// patient's access report (AuditEvent?patient=), the break-glass grants
// to review (Consent, one per grant), and the proof that an event is in
// the signed log (AuditEvent/{id}/$inclusion-proof), checked here in the
// browser with Web Crypto: the RFC 9162 audit path must lead from the
// event's leaf hash to the root of the signed tree head, and the head's
// Ed25519 signature must hold under the key it names (docs/console.md).
import { config, h, show, fmtTime, conceptText, errorBox, mrnOf, patientName, scrollBox } from './screen.js';
import { request, search } from './fhir.js';
import { mark, num, t } from './messages.js';

const STH_TAG = 'smartmed-audit-sth-v1\0';

function b64(s) {
  return Uint8Array.from(atob(s || ''), (c) => c.charCodeAt(0));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function nodeHash(left, right) {
  const d = await crypto.subtle.digest('SHA-256', concat(Uint8Array.of(1), left, right));
  return new Uint8Array(d);
}

// rootFromPath is RFC 9162 section 2.1.3.2: the root an inclusion proof
// leads to, or null when the path does not fit the index and size.
export async function rootFromPath(index, size, leaf, path) {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

// sthMessage: the bytes the head's signature covers (libmed's
// med_audit_sth_message): the tag, tree size and time (big-endian u64).
function sthMessage(size, timestampMs, root) {
  const nums = new DataView(new ArrayBuffer(16));
  nums.setBigUint64(0, BigInt(size));
  nums.setBigInt64(8, BigInt(timestampMs));
  return concat(new TextEncoder().encode(STH_TAG), new Uint8Array(nums.buffer), root);
}

async function signatureHolds(head, root) {
  try {
    const key = await crypto.subtle.importKey('raw', b64(head.publicKey.valueBase64Binary),
      { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, b64(head.signature.valueBase64Binary),
      sthMessage(head.treeSize.valueInteger, head.timestampMs.valueString, root));
  } catch (e) {
    return null; // this browser has no Ed25519
  }
}

// verifyProof checks a $inclusion-proof answer: { ok, words }.
export async function verifyProof(params) {
  const all = params.parameter || [];
  const one = (n) => all.find((p) => p.name === n) || {};
  const head = Object.fromEntries((one('signedTreeHead').part || []).map((p) => [p.name, p]));
  if (!head.rootHash || !one('leafHash').valueBase64Binary) return { ok: false, words: t('the answer holds no proof') };
  const root = b64(head.rootHash.valueBase64Binary);
  const index = one('leafIndex').valueInteger;
  const size = one('treeSize').valueInteger;
  if (size !== head.treeSize.valueInteger) return { ok: false, words: t('the proof is for another tree than the signed head') };
  const got = await rootFromPath(index, size, b64(one('leafHash').valueBase64Binary),
    all.filter((p) => p.name === 'path').map((p) => b64(p.valueBase64Binary)));
  if (got === null || !equal(got, root)) return { ok: false, words: t('the audit path does not lead to the signed root') };
  const signed = await signatureHolds(head, root);
  if (signed === false) return { ok: false, words: t('the tree head\'s signature does not hold') };
  return { ok: true,
    words: t('entry {n} of the {size} in the head signed {when} by key {key}', { n: num(index + 1), size: num(size),
      when: fmtTime(head.timestamp.valueInstant, { dateStyle: 'short', timeStyle: 'medium' }), key: head.keyId.valueString })
      + t(signed ? ' (signature checked)' : ' (this browser cannot check Ed25519 signatures)') };
}

// checkProof asks for the event's proof and says, in out, whether it
// holds; the button stays, so a proof can be checked again.
async function checkProof(id, out) {
  out.className = 'st';
  out.textContent = t('Checking…');
  let r;
  try {
    r = await verifyProof(await request('AuditEvent/' + encodeURIComponent(id) + '/$inclusion-proof'));
  } catch (e) {
    r = { ok: false, words: e.message };
  }
  out.className = r.ok ? 'st st-given' : 'st st-overdue';
  out.textContent = t(r.ok ? 'Verified: {why}' : 'Not verified: {why}', { why: r.words });
}

function who(e) {
  const a = (e.agent || []).find((x) => x.requestor) || (e.agent || [])[0] || {};
  return a.who ? (a.who.display || (a.who.identifier && a.who.identifier.value) || a.who.reference || '') : '';
}

// what: the method or FHIR interaction (subtype) and its C/R/U/D/E.
function what(e) {
  const sub = ((e.subtype || [])[0] || {}).code || conceptText(e.type);
  return sub + (e.action ? ' (' + e.action + ')' : '');
}

// GRPC_WORDS: what a refusal's status means, in words (issue 51, item 5).
const GRPC_WORDS = { 1: mark('cancelled'), 3: mark('the request was not valid'), 4: mark('took too long'),
  5: mark('not found'), 6: mark('already exists'), 7: mark('not allowed for the user'), 8: mark('too many requests'),
  9: mark('refused by a safety rule'), 10: mark('a conflicting change'), 12: mark('not supported'),
  13: mark('a fault in the system'), 14: mark('a service was unavailable'), 16: mark('not signed in') };

// outcomeWords: the event's outcome as words ("Refused: not found"),
// never a status number (its code stays in the cell's title).
function outcomeWords(e) {
  const base = t({ 0: 'Allowed', 4: 'Refused', 8: 'Failed', 12: 'Failed' }[e.outcome] || 'Unknown outcome');
  mark('Allowed', 'Refused', 'Failed', 'Unknown outcome');
  if (e.outcome === '0') return base;
  const m = /status (\d+)/.exec(e.outcomeDesc || '');
  return base + (m && GRPC_WORDS[m[1]] ? t(': {why}', { why: t(GRPC_WORDS[m[1]]) }) : '');
}

function eventRow(e) {
  const verdict = h('span', { role: 'status' });
  const purpose = (e.purposeOfEvent || []).map(conceptText).join(', ');
  const cell = h('td', {}, h('button', { type: 'button', class: 'proof', 'aria-label': t('Check proof of event {id}', { id: e.id }),
    onclick: () => checkProof(e.id, verdict) }, t('Check proof')), ' ', verdict);
  return h('tr', { 'data-id': e.id, 'data-recorded': e.recorded || '' },
    h('td', {}, fmtTime(e.recorded, { dateStyle: 'short', timeStyle: 'short' })),
    h('td', {}, who(e)), h('td', {}, what(e)),
    h('td', { title: e.outcomeDesc || '' }, outcomeWords(e)),
    h('td', {}, purpose), cell);
}

// isService: an event made by one of the services on a person's behalf
// (its agent "service:…"), not a person's access.
function isService(e) {
  return who(e).startsWith('service:');
}

function reportTable(all, withServices) {
  const events = withServices ? all : all.filter((e) => !isService(e));
  const hidden = all.length - events.length;
  return scrollBox(t('Access report'), h('table', { id: 'audit-table' }, h('caption', {}, t(withServices ? 'Access report: {n} events, newest first'
    : 'Access report: {n} accesses by people, newest first', { n: num(events.length) })
    + (hidden ? t(' ({n} service-to-service calls not shown)', { n: num(hidden) }) : '')),
    h('thead', {}, h('tr', {}, mark('When', 'Who', 'What', 'Outcome', 'Purpose', 'In the signed log')
      .map((x) => h('th', { scope: 'col' }, t(x))))),
    h('tbody', {}, events.map(eventRow))));
}

function ext(c, name) {
  const x = (c.extension || []).find((e) => e.url.endsWith('/' + name));
  return x ? x.valueString : '';
}

function grantsTable(grants) {
  return scrollBox(t('Break-glass grants'), h('table', { id: 'grants-table' },
    h('caption', {}, t('Break-glass grants: {n}', { n: num(grants.length) })),
    h('thead', {}, h('tr', {}, mark('Started', 'Holder', 'Patient', 'Reason', 'Justification', 'Status', 'Until')
      .map((x) => h('th', { scope: 'col' }, t(x))))),
    h('tbody', {}, grants.map((c) => h('tr', { 'data-id': c.id },
      h('td', {}, fmtTime(c.dateTime, { dateStyle: 'short', timeStyle: 'short' })),
      h('td', {}, ((c.provision.actor || [])[0] || { reference: {} }).reference.display || ''),
      h('td', {}, (c.patient.reference || '').replace('Patient/', '')),
      h('td', {}, ext(c, 'break-glass-reason')), h('td', {}, ext(c, 'break-glass-justification')),
      h('td', {}, c.status === 'active' ? t('Active') : ext(c, 'break-glass-ended-by')
        ? t('Ended by {who}', { who: ext(c, 'break-glass-ended-by') }) : t('Ended')),
      h('td', {}, fmtTime(c.provision.period.end, { dateStyle: 'short', timeStyle: 'short' })))))));
}

export async function auditScreen() {
  const input = h('input', { id: 'audit-patient', autocomplete: 'off' });
  const report = h('div', { id: 'audit-report' });
  const grants = h('div', { id: 'audit-grants' });
  const services = h('input', { id: 'audit-services', type: 'checkbox' });
  let last = [];
  const draw = () => report.replaceChildren(reportTable(last, services.checked));
  services.addEventListener('change', () => { if (last.length) draw(); });
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  let resolved = '';
  const whom = h('p', { id: 'audit-who', role: 'status' });
  const label = (p) => t('{name} (MRN {mrn}, born {born})', { name: patientName(p), mrn: mrnOf(p), born: p.birthDate || '?' });
  // patient: the id the input names, through the facade's Patient
  // search: an MRN (Patient?identifier=SYSTEM|MRN), else a name
  // (Patient?name=); an id as it is.  Several patients of that name are
  // offered to choose from (null: the choice is on screen).
  const patient = async () => {
    const v = input.value.trim();
    whom.textContent = '';
    if (v === '' || UUID.test(v)) return v;
    const found = await search('Patient?identifier=' + encodeURIComponent(config.mrnSystem + '|' + v), 2);
    const named = found.length ? found : await search('Patient?name=' + encodeURIComponent(v), 20);
    if (!named.length) throw new Error(t('No patient has the MRN or name "{v}".', { v }));
    if (named.length === 1) {
      whom.textContent = t('Access report of {who}', { who: label(named[0]) });
      return named[0].id;
    }
    report.replaceChildren(h('p', {}, t('{n} patients match "{v}": choose one.', { n: num(named.length), v })),
      h('ul', { id: 'audit-choices' }, named.map((p) => h('li', {}, h('button', { type: 'button', class: 'secondary',
        onclick: () => { input.value = p.id; whom.textContent = t('Access report of {who}', { who: label(p) }); resolved = p.id;
          showReport(); showGrants(); } }, label(p))))));
    grants.replaceChildren();
    return null;
  };
  const showReport = async () => {
    report.replaceChildren(h('p', {}, t('Loading…')));
    try {
      const events = await search('AuditEvent?patient=' + encodeURIComponent(resolved), 500);
      last = events.filter((e) => e.resourceType === 'AuditEvent')
        .sort((a, b) => (b.recorded || '').localeCompare(a.recorded || ''));
      draw();
    } catch (e) {
      report.replaceChildren(errorBox(e));
    }
  };
  const showGrants = async () => {
    grants.replaceChildren(h('p', {}, t('Loading…')));
    try {
      const q = resolved ? '?patient=' + encodeURIComponent(resolved) : '';
      grants.replaceChildren(grantsTable(await search('Consent' + q, 500)));
    } catch (e) {
      grants.replaceChildren(errorBox(e));
    }
  };
  const form = h('form', { class: 'form-row', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const id = await patient();
      if (id === null) return;
      resolved = id;
    } catch (e) {
      report.replaceChildren(errorBox(e));
      grants.replaceChildren();
      return;
    }
    showReport();
    showGrants();
  } }, h('div', {}, h('label', { for: 'audit-patient' }, t('MRN, name or patient id')), input),
  h('div', {}, h('label', { for: 'audit-services' }, t('Include service-to-service calls')), services),
  h('button', { type: 'submit' }, t('Show access report')),
  h('button', { type: 'button', id: 'all-grants', onclick: () => {
    input.value = '';
    resolved = '';
    report.replaceChildren();
    showGrants();
  } }, t('All break-glass grants')));
  show(t('Audit review'), form, whom,
    h('section', { 'aria-label': t('Access report') }, h('h2', {}, t('Access report')), report),
    h('section', { 'aria-label': t('Break-glass grants') }, h('h2', {}, t('Break-glass grants to review')), grants));
}
