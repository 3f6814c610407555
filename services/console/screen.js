// screen.js - what the console's screens share, below all of them: the
// settings (config.json), the DOM helpers, the sign-in box an expired
// session shows, a chart as read from the facade and its banner, dosage's
// MAR ($mar) and its cells.  app.js (the ward list, MAR, vitals and
// routing) and the screens of their own files (audit.js, bedside.js,
// suggest.js) import from here; nothing here imports a screen, so the
// modules stack with no circle (tools/dev/check_layers.py).
import { signIn } from './auth.js';
import { FhirError, request, search } from './fhir.js';
import { getLocale, num, problemBox, t, units } from './messages.js';
import { noteTermText } from './terms.js';

// The console's settings (/console/config.json), read once at start.
export let config = null;

export function setConfig(c) {
  config = c;
}

const SPAN_URL = 'urn:smartmed:records:note-span';

// --- small DOM helpers -------------------------------------------------

export function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}

export function main() {
  return document.getElementById('main');
}

// scrollBox: a wide table in a box of its own that scrolls sideways on a
// narrow screen (a phone), so that the page never does; focusable and
// named, so that a keyboard can scroll it.
export function scrollBox(label, table) {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label }, table);
}

export function show(title, ...content) {
  const m = main();
  m.replaceChildren(h('h1', {}, title), ...content.filter((x) => x !== null && x !== undefined));
  document.title = title + ' - ' + t('smartmed ward console');
  m.focus();
}

export function say(text) {
  document.getElementById('status').textContent = text || '';
}

// tz: the ward's time zone (MED_WARD_TIME_ZONE), or the browser's when
// the setting is empty or a name this browser does not know.
export function tz() {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: config.timeZone || undefined }).format(0);
    return config.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  }
}

export function fmtTime(iso, opts = { hour: '2-digit', minute: '2-digit' }) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(getLocale(), { ...opts, timeZone: tz() }).format(new Date(iso));
}

export function errorBox(e) {
  if (e instanceof FhirError && e.status === 401) return signInScreen(e.message);
  if (e instanceof FhirError && e.status === 403) {
    return h('p', { class: 'error', role: 'alert' }, t('Not allowed for your role: {why}', { why: e.message }));
  }
  if (e instanceof FhirError) return h('div', { role: 'alert' }, problemBox(e));
  return h('p', { class: 'error', role: 'alert' }, e.message);
}

// A name written in Han, kana or Hangul (nothing else but spaces and middle
// dots) puts the family name first.
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005]/u;
const CJK_NAME = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005 \-'.\u00b7\u30fb\u2027]*$/u;
const isCjkName = (s) => CJK_CHAR.test(s) && CJK_NAME.test(s);

// displayName is a name as the patient's culture writes it: family name
// first and no space when both names are CJK (王芳), "given family"
// otherwise (Anna Smith).  libmed's med_name_display has the same rule, so
// the console, FHIR HumanName.text and medctl agree (docs/names.md).
export function displayName(family, given) {
  family = family || '';
  given = given || '';
  if (!given) return family;
  if (isCjkName(family) && isCjkName(given)) return family + given;
  return family ? given + ' ' + family : given;
}

// patientName is the one way every screen shows a patient's name.
export function patientName(p) {
  const n = (p.name || []).find((x) => x.use === 'official') || (p.name || [])[0] || {};
  return displayName(n.family, (n.given || []).join(' ')) || n.text || p.id;
}

export function mrnOf(p) {
  const id = (p.identifier || []).find((i) => i.system === config.mrnSystem) || (p.identifier || [])[0];
  return id ? id.value : '';
}

export function ageOf(p) {
  if (!p.birthDate) return '';
  const b = new Date(p.birthDate);
  const now = new Date();
  let age = now.getUTCFullYear() - b.getUTCFullYear();
  if (now.getUTCMonth() < b.getUTCMonth()
      || (now.getUTCMonth() === b.getUTCMonth() && now.getUTCDate() < b.getUTCDate())) age -= 1;
  return t('{n} y', { n: num(age) });
}

export function codeOf(resource) {
  return ((resource.code && resource.code.coding) || []).map((c) => c.code);
}

export function conceptText(c) {
  if (!c) return '';
  return c.text || ((c.coding || []).map((x) => x.display || x.code).find(Boolean)) || '';
}

export function whenOf(r) {
  return r.effectiveDateTime || (r.effectivePeriod && (r.effectivePeriod.end || r.effectivePeriod.start))
    || r.issued || '';
}

// readChartByType is the chart of a role that may not read all of it
// (a pharmacist reads no records or encounters): each type searched on
// its own, a type the role may not read left out, the orders' Medications
// by _include.
async function readChartByType(id) {
  const q = encodeURIComponent(id);
  const hidden = new Set();
  const mine = (path) => search(path, 1000).catch((e) => {
    if (e.status !== 403) throw e;
    hidden.add(path.split('?')[0]);
    return [];
  });
  const parts = await Promise.all([request('Patient/' + q).then((p) => [p]),
    mine('Encounter?patient=' + q), mine('AllergyIntolerance?patient=' + q),
    mine('Observation?patient=' + q),
    mine('MedicationRequest?patient=' + q + '&_include=MedicationRequest:medication'),
    mine('MedicationAdministration?patient=' + q)]);
  return Object.assign(parts.flat(), { hidden });
}

// readChart reads a patient's whole chart with one $everything search
// (the only standard way to the Medication resources the orders name)
// and sorts it by type.
export async function readChart(id) {
  const all = await search('Patient/' + encodeURIComponent(id) + '/$everything?_count=100', 5000)
    .catch((e) => {
      if (e.status !== 403) throw e;
      return readChartByType(id);
    });
  const of = (type) => all.filter((r) => r.resourceType === type);
  // What the user's role may not read is unknown here, never "none".
  const hidden = all.hidden || new Set();
  const patient = of('Patient')[0];
  if (patient === undefined) throw new FhirError(t('No such patient.'), 404);
  const open = of('Encounter').find((e) => e.status === 'in-progress') || null;
  const loc = open && (open.location || []).find((l) => l.status === 'active');
  const observations = of('Observation');
  const suggested = suggestionIds(all);
  const isSuggested = (r) => suggested.has(r.resourceType + '/' + r.id);
  const weight = observations.filter((o) => codeOf(o).includes('29463-7'))
    .sort((a, b) => whenOf(b).localeCompare(whenOf(a)))[0] || null;
  return { patient, encounter: open, bed: loc ? loc.location.display : '',
    // A note reader's suggested allergy (unconfirmed) is not an allergy
    // of the chart: the banner and the bedside name it apart.
    allergies: of('AllergyIntolerance').filter((a) => !isSuggested(a)),
    suggestedAllergies: of('AllergyIntolerance').filter(isSuggested), observations, weight, hidden,
    requests: of('MedicationRequest'), admins: of('MedicationAdministration'),
    // dosage's home-medicine list (a suggested medicine has the reader's
    // Provenance and waits on the suggestions tab instead).
    homeMeds: of('MedicationStatement').filter((m) => !isSuggested(m)),
    byId: new Map(of('Medication').map((m) => [m.id, m])) };
}

// died is the banner's death line (identity's Patient.deceased[x];
// docs/dose-safety.md, "Death"): no dose is charted after it.
function died(p) {
  if (p.deceasedDateTime) {
    return [h('span', { class: 'allergy' }, t('Died {when}', { when: fmtTime(p.deceasedDateTime,
      { day: '2-digit', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }) }))];
  }
  if (p.deceasedBoolean) return [h('span', { class: 'allergy' }, t('Died (time not recorded)'))];
  return [];
}

// ageText: how long ago a reading was taken.
export function ageText(nowMs, iso) {
  const min = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 60000));
  if (min < 120) return t('{n} min ago', { n: num(min) });
  if (min < 48 * 60) return t('{n} h ago', { n: num(Math.floor(min / 60)) });
  return t('{n} d ago', { n: num(Math.floor(min / 1440)) });
}

// weightText: the newest body weight of the chart (records' or dosage's,
// the one the dose checks use) with how old it is, or that there is none.
export function weightText(w) {
  if (!w) return t('Weight not recorded');
  return t('Weight {kg} kg · {age} ({when})', { kg: num(w.valueQuantity.value), age: ageText(Date.now(), whenOf(w)),
    when: fmtTime(whenOf(w), { day: '2-digit', month: 'short', year: 'numeric' }) });
}

export function banner(c) {
  const p = c.patient;
  const w = c.weight;
  const born = p.birthDate ? fmtTime(p.birthDate + 'T12:00:00Z', { day: '2-digit', month: 'short', year: 'numeric' }) : '?';
  return h('section', { class: 'banner', 'aria-label': t('Patient banner') },
    h('span', { class: 'name' }, patientName(p)),
    h('span', {}, t('MRN') + ' ', h('strong', {}, mrnOf(p))),
    h('span', {}, t('Born {date} ({age})', { date: born, age: ageOf(p) })),
    h('span', {}, t('Sex {sex}', { sex: t(p.gender || 'unknown') })),
    ...died(p),
    c.hidden.has('Encounter') ? h('span', {}, t('Bed not shown to your role'))
      : h('span', {}, t('Bed {bed}', { bed: c.bed || t('not admitted') })),
    c.hidden.has('Observation') ? h('span', {}, t('Weight not shown to your role'))
      : h('span', {}, weightText(w)),
    c.hidden.has('AllergyIntolerance') ? h('span', { class: 'allergy' }, t('Allergies not shown to your role: ask the ward'))
      : c.allergies.length
        ? h('span', { class: 'allergy' }, t('Allergies: {list}', { list: c.allergies.map((a) => conceptText(a.code)).join(', ') }))
        : h('span', {}, t('No known allergies')),
    c.suggestedAllergies.length ? h('span', { class: 'allergy suggested' }, h('a', { href: '#/patient/' + p.id + '/notes' },
      t('A note mentions an allergy to {list}: not confirmed', { list: c.suggestedAllergies.map((a) => noteTermText(a.code)).join(', ') })))
      : null);
}

export function tabs(id, which) {
  const link = (name, label) => h('a', { href: '#/patient/' + id + '/' + name,
    'aria-current': which === name ? 'page' : undefined }, label);
  return h('nav', { class: 'tabs', 'aria-label': t('Patient screens') },
    link('mar', t('Medication administration record')), link('vitals', t('Vital signs')),
    link('notes', t('Suggestions from notes')));
}

// readMar reads dosage's own MAR of [from, to) (ms) through the facade's
// Patient/{id}/$mar: per order (MedicationRequest id), its scheduled
// doses with dosage's state and the administration that answers each.
// The console never works out on its own which dose was for which time
// (issue 51): dosage does (docs/dose-safety.md, "The MAR").
export async function readMar(id, from, to) {
  const q = 'Patient/' + encodeURIComponent(id) + '/$mar?start=' + encodeURIComponent(new Date(from).toISOString())
    + '&end=' + encodeURIComponent(new Date(to).toISOString());
  const body = await request(q);
  const byOrder = new Map();
  const part = (p, name) => (p.part || []).find((x) => x.name === name);
  for (const o of (body.parameter || []).filter((x) => x.name === 'order')) {
    const ref = part(o, 'request');
    const rid = ref ? ref.valueReference.reference.split('/').pop() : '';
    const slots = (o.part || []).filter((x) => x.name === 'slot').map((sl) => {
      const v = (name, key) => { const x = part(sl, name); return x ? x[key] : undefined; };
      const adm = v('administration', 'valueReference');
      return { t: Date.parse(v('scheduled', 'valueInstant')), state: v('state', 'valueCode'),
        admin: adm ? adm.reference.split('/').pop() : '', charted: v('charted', 'valueInstant') || '',
        amount: v('amount', 'valueQuantity'), deviation: v('deviation', 'valueString') || '',
        reason: v('reason', 'valueString') || '', cosignLate: v('confirmationOverdue', 'valueBoolean') === true,
        timeCritical: v('timeCritical', 'valueString') || '' };
    });
    // A later version of an order carries on its slots (same id).
    byOrder.set(rid, [...(byOrder.get(rid) || []), ...slots].sort((a, b) => a.t - b.t));
  }
  const now = (body.parameter || []).find((x) => x.name === 'now');
  return { byOrder, now: now ? Date.parse(now.valueInstant) : Date.now() };
}

// UNRESOLVED: the states a nurse still has to act on.
export const UNRESOLVED = new Set(['due', 'late', 'missed', 'awaiting-cosign']);

// openSlots: an order's scheduled doses nobody charted that may still be
// charted (due, late or missed), from dosage's MAR.
export function openSlots(mar, orderId) {
  return (mar.byOrder.get(orderId) || []).filter((s) => ['due', 'late', 'missed'].includes(s.state)).map((s) => s.t);
}

export function qty(q) {
  return q ? num(q.value) + ' ' + units(q.code || q.unit || '') : '';
}

// drugName is the order's drug and strength (its Medication's code text).
export function drugName(r, byId) {
  const ref = r.medicationReference ? r.medicationReference.reference || '' : '';
  const med = byId.get(ref.split('/').pop());
  return med ? conceptText(med.code) : conceptText(r.medicationCodeableConcept) || ref;
}

// slotCell is one scheduled dose as dosage's MAR says it stands, with a
// time-critical medicine's flag after it when dosage sets one.
export function slotCell(s) {
  const cell = slotState(s);
  if (!s.timeCritical) return cell;
  return h('span', {}, cell, ' ', h('span', { class: 'st tc-flag', 'data-flag': s.timeCritical,
    title: t('Time-critical medicine: the prescriber must know') },
    t(s.timeCritical === 'late, time-critical' ? 'Late, time-critical' : 'Not given, time-critical')));
}

// slotState is a dose in its scheduled hour, a given dose with the time
// it was given (and, when late, the time it was due), so that a late
// dose never reads as another dose still to give.
function slotState(s) {
  const due = fmtTime(new Date(s.t).toISOString());
  const amount = s.amount ? ' ' + qty(s.amount) : '';
  const span = (cls, text, title) => h('span', { class: 'st st-' + cls, 'data-state': s.state,
    'data-scheduled': new Date(s.t).toISOString(), title: title || text }, text);
  const lateBy = s.charted ? Date.parse(s.charted) - s.t : 0;
  switch (s.state) {
    case 'given':
      return span('given', t('Given {when}', { when: fmtTime(s.charted) })
        + (lateBy > 3600e3 ? t(' (due {due})', { due }) : '') + (s.deviation ? t(', not the ordered dose') : ''),
        t('Given {when}{amount}, for the dose due {due}', { when: fmtTime(s.charted), amount, due })
        + (s.deviation ? '; ' + s.deviation : ''));
    case 'awaiting-cosign':
      return span('due', t('Given {when}, awaiting co-sign', { when: fmtTime(s.charted) })
        + (s.cosignLate ? t(' (overdue)') : ''),
        t(s.cosignLate ? 'Given {when}{amount} for the dose due {due}; the second check is more than 30 minutes late'
          : 'Given {when}{amount} for the dose due {due}; the second check is still to come',
        { when: fmtTime(s.charted), amount, due }));
    case 'not-given':
      return span('notgiven', t('Not given {due}', { due }) + (s.reason ? ' (' + s.reason + ')' : ''));
    case 'on-hold':
      return span('notgiven', t('Held {due}', { due }), t('Order on hold at {due}: not to be given', { due }));
    case 'missed':
      return span('missed', t('Missed {due}', { due }),
        t('Missed {due}: never charted; chart it as not given or ask the prescriber', { due }));
    case 'late':
      return span('overdue', t('Overdue {due}', { due }), t('Overdue {due}: not charted yet, may still be given', { due }));
    default: // due, upcoming
      return span('due', t('Due {due}', { due }));
  }
}

export function signInScreen(message) {
  const box = h('section', { 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h' }, t('Your hospital account')),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('p', {}, t('Sign in with your hospital account ({issuer}).', { issuer: config.issuer })),
    h('button', { type: 'button', id: 'signin', onclick: () => signIn(config, getLocale()).catch((e) => say(e.message)) },
      t('Sign in')));
  return box;
}

// suggestionIds: the resources a note reader's Provenance (one with the
// note span) points at, as "Type/id", among a chart's resources: they are
// suggestions, not the chart's facts (an allergy entered unverified is
// unconfirmed too, and is one of the chart's).
export function suggestionIds(resources) {
  const out = new Set();
  for (const p of resources) {
    if (p.resourceType !== 'Provenance' || spanOf(p) === null) continue;
    for (const x of p.target || []) if (x.reference) out.add(x.reference);
  }
  return out;
}

export function spanOf(prov) {
  for (const e of prov.entity || []) {
    const x = (e.extension || []).find((y) => y.url === SPAN_URL);
    if (x && e.what && e.what.reference) return { what: e.what, recorded: prov.recorded };
  }
  return null;
}
