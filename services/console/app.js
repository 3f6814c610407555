// app.js - the ward console (issue 37): sign-in, the ward list (the
// census of the user's wards), a patient's MAR and vital signs, drawn from
// standard FHIR R4 searches of the facade (docs/console.md); audit.js has
// the audit review.  Patient data lives in
// this page's memory only and is gone with the tab.
import {
  STEP_UP_DONE, current, endProviderSession, finishSignIn, pendingLocale, signIn, signOut,
} from './auth.js';
import { drawChart, outside } from './charts.js';
import { request, search, setBase } from './fhir.js';
import { LOCALES, getLocale, localeFor, mark, num, setLocale, t, units } from './messages.js';
import {
  UNRESOLVED, ageOf, ageText, banner, codeOf, conceptText, config, drugName, errorBox, fmtTime, h, main, mrnOf,
  patientName, qty, readChart, readMar, say, scrollBox, setConfig, show, signInScreen, slotCell, tabs, tz, whenOf,
} from './screen.js';
import { cosignScreen, giveScreen } from './bedside.js';
import { auditScreen } from './audit.js';
import { suggestionsScreen } from './suggest.js';
import { frequencyText, routeText } from './terms.js';

const ward = []; // patient ids added by MRN or id, this tab only
const wardsShown = new Set(); // wards asked for beyond the user's units
// The ward list's latest render: an older one still reading (the list
// after "Add to my list" while "Show ward" was pressed) must not draw over
// a newer one and hide what it said.
let wardRender = 0;

// The titles are catalogue keys (mark): t() turns them into words.
const VITALS = [
  { code: '8310-5', title: mark('Temperature'), unit: 'Cel', range: { low: 36.1, high: 38.0 } },
  { code: '8867-4', title: mark('Heart rate'), unit: '/min', range: { low: 51, high: 90 } },
  { code: '85354-9', title: mark('Blood pressure'), unit: 'mm[Hg]', range: { low: 90, high: 140 },
    parts: [['8480-6', mark('Systolic'), { low: 90, high: 140 }], ['8462-4', mark('Diastolic'), { low: 60, high: 90 }]] },
  { code: '59408-5', alt: ['2708-6'], title: mark('SpO2'), unit: '%', range: { low: 96, high: 100 }, limit: { min: 0, max: 100 } },
  { code: '9279-1', title: mark('Respiratory rate'), unit: '/min', range: { low: 12, high: 20 } },
  { code: '29463-7', title: mark('Weight'), unit: 'kg', range: null },
];

// Words the services send as codes (roles, sex, an order's status), as
// catalogue keys.
mark('nurse', 'pharmacist', 'clinician', 'auditor', 'registrar', 'admin', 'male', 'female', 'other', 'unknown',
  'on-hold', 'stopped', 'completed', 'cancelled', 'draft', 'entered-in-error');

function renderHeader() {
  const s = current();
  document.getElementById('nav').hidden = s === null;
  document.getElementById('signout').hidden = s === null;
  document.getElementById('who').textContent = s === null ? ''
    : s.user + ' (' + s.roles.map((r) => t(r)).join(', ') + (s.units.length ? '; ' + s.units.join(', ') : '') + ')';
  const audit = document.querySelector('#nav a[data-screen="audit"]');
  audit.hidden = s === null || !s.roles.includes('auditor');
  const screen = (window.location.hash.split('/')[1] || 'ward');
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.screen === screen) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// --- ward list ---------------------------------------------------------

// dueCounts: the ward list's figures from dosage's MAR of the last 24
// hours and the next hour (the same view the MAR draws): due now or
// within the hour, overdue (late or missed, never charted), and doses
// given awaiting their second check.
function dueCounts(mar) {
  const now = mar.now;
  let due = 0;
  let overdue = 0;
  let cosign = 0;
  for (const slots of mar.byOrder.values()) {
    for (const s of slots) {
      if (s.state === 'late' || s.state === 'missed') overdue += 1;
      else if (s.state === 'due' || (s.state === 'upcoming' && s.t <= now + 3600e3)) due += 1;
      else if (s.state === 'awaiting-cosign') cosign += 1;
    }
  }
  return { due, overdue, cosign };
}

async function wardRow(id) {
  try {
    const now = Date.now();
    // A role dosage shows no MAR to: the counts are unknown, never 0.
    const [c, mar] = await Promise.all([readChart(id), readMar(id, now - 864e5, now + 3600e3 + 1)
      .catch((e) => { if (e.status === 403) return null; throw e; })]);
    const counts = mar ? dueCounts(mar) : { due: '?', overdue: 0, cosign: '?', unknown: true };
    const name = patientName(c.patient);
    return h('tr', { 'data-bed': c.hidden.has('Encounter') ? null : c.bed || null },
      h('td', {}, c.hidden.has('Encounter') ? t('not shown to your role') : c.bed || t('not admitted')),
      h('th', { scope: 'row' }, h('a', { href: '#/patient/' + id + '/mar' }, name)),
      h('td', {}, mrnOf(c.patient)),
      h('td', {}, ageOf(c.patient)),
      h('td', {}, c.hidden.has('AllergyIntolerance') ? h('span', { class: 'allergy' }, t('Not shown to your role'))
        : c.allergies.length ? h('span', { class: 'allergy' }, t('Allergies: {n}', { n: num(c.allergies.length) }))
          : t('None known'),
        // A note reader's suggested allergy is flagged apart (issue 55).
        c.suggestedAllergies.length ? h('a', { class: 'allergy suggested', href: '#/patient/' + id + '/notes' },
          ' ' + t('{n} from notes, not confirmed', { n: num(c.suggestedAllergies.length) })) : null),
      h('td', {}, num(counts.due)),
      h('td', {}, counts.unknown ? '?' : counts.overdue ? h('a', { href: '#/patient/' + id + '/mar',
        class: 'overdue-count' }, num(counts.overdue)) : num(0)),
      h('td', {}, num(counts.cosign)));
  } catch (e) {
    return h('tr', {}, h('td', { colspan: 8 }, errorBox(e)));
  }
}

async function findPatient(text) {
  const v = text.trim();
  if (v === '') throw new Error(t('Enter an MRN or a patient id.'));
  try {
    const found = await search('Patient?identifier=' + encodeURIComponent(config.mrnSystem + '|' + v), 2);
    if (found.length) return found[0].id;
  } catch (e) {
    if (e.status === 401) throw e;
  }
  const p = await request('Patient/' + encodeURIComponent(v));
  return p.id;
}

// census reads the open stays of each ward (Encounter?location=&status=
// in-progress): the patient ids in bed order, and a message per ward the
// user may not list.
async function census(wards) {
  const ids = [];
  const refused = [];
  for (const w of wards) {
    try {
      const found = await search('Encounter?location=' + encodeURIComponent(w)
        + '&status=in-progress&_include=Encounter:patient', 1000);
      for (const e of found.filter((r) => r.resourceType === 'Encounter')) {
        const id = ((e.subject && e.subject.reference) || '').split('/').pop();
        if (id && !ids.includes(id)) ids.push(id);
      }
    } catch (e) {
      if (e.status === 401) throw e;
      refused.push(w + ': ' + e.message);
      wardsShown.delete(w); // said once, not asked again
    }
  }
  return { ids, refused };
}

function addForms(msg) {
  const input = h('input', { id: 'add-patient', name: 'patient', autocomplete: 'off' });
  const wardInput = h('input', { id: 'add-ward', name: 'ward', autocomplete: 'off' });
  const add = h('form', { class: 'form-row', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      const id = await findPatient(input.value);
      if (!ward.includes(id)) ward.push(id);
      input.value = '';
      await wardScreen();
    } catch (e) {
      // Not found and not in the user's care answer alike (the API does
      // not tell them apart, on purpose).
      msg.textContent = e.status === 404 || e.status === 400
        ? t('No patient of yours has the MRN or id "{v}" ({why}).', { v: input.value.trim(), why: e.message })
        : e.message;
    }
  } }, h('div', {}, h('label', { for: 'add-patient' }, t('MRN, wristband or patient id')), input),
  h('button', { type: 'submit' }, t('Add to my list')));
  const other = h('form', { class: 'form-row', onsubmit: async (ev) => {
    ev.preventDefault();
    if (wardInput.value.trim()) wardsShown.add(wardInput.value.trim());
    await wardScreen();
  } }, h('div', {}, h('label', { for: 'add-ward' }, t('Another ward')), wardInput),
  h('button', { type: 'submit' }, t('Show ward')));
  return [add, other];
}

// Beds in the order a ward numbers them: digits compared as numbers, so
// bed 4 comes before bed 10 and B2 before B10; rows without a bed shown
// (not admitted, or hidden from the role) keep their order after them.
const BED_ORDER = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function byBed(rows) {
  const bed = (r) => r.getAttribute && r.getAttribute('data-bed');
  const rank = (r) => (bed(r) ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || (rank(a) ? 0 : BED_ORDER.compare(bed(a), bed(b))));
}

async function wardScreen() {
  const render = ++wardRender;
  const msg = h('p', { role: 'alert', class: 'error' });
  const s = current();
  const wards = [...new Set([...s.units, ...wardsShown])];
  let listed;
  try {
    listed = await census(wards);
  } catch (e) {
    if (render === wardRender) show(t('Ward list'), errorBox(e));
    return;
  }
  const ids = [...listed.ids, ...ward.filter((id) => !listed.ids.includes(id))];
  const table = h('table', { id: 'ward-table' },
    h('caption', {}, t(ward.length ? 'Patients on {wards}, and those added by MRN' : 'Patients on {wards}',
      { wards: wards.length ? wards.join(', ') : t('my list') })),
    h('thead', {}, h('tr', {}, mark('Bed', 'Patient', 'MRN', 'Age', 'Allergies', 'Doses due', 'Overdue', 'Awaiting co-sign')
      .map((x) => h('th', { scope: 'col' }, t(x))))),
    h('tbody', {}, byBed(await Promise.all(ids.map(wardRow)))));
  const refused = listed.refused.map((x) => h('p', { class: 'error', role: 'alert' }, t('Ward not listed: {why}', { why: x })));
  if (render !== wardRender) return; // a newer render draws the list
  show(t('Ward list'), ...addForms(msg), msg, ...refused, ids.length ? scrollBox(t('Ward list'), table)
    : h('p', {}, t('No patients on {wards}: add one by MRN or wristband scan, or show another ward.',
      { wards: wards.length ? wards.join(', ') : t('your list') })));
}

// --- patient banner, MAR, vitals --------------------------------------

// zoneOffsetMs: how far the ward's wall clock is ahead of UTC at t.
function zoneOffsetMs(t) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-GB', { timeZone: tz(), hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .formatToParts(new Date(t))) p[x.type] = Number(x.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

// midnightOf: the midnight (Unix ms) on the ward's clock that begins the
// ward's day holding wall, a time whose UTC fields are the ward's wall
// clock.
function midnightOf(wall) {
  const d = new Date(wall);
  const guess = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return guess - zoneOffsetMs(guess - zoneOffsetMs(guess));
}

// startOfDay: the midnight on the ward's clock of the day holding t (now
// when left out), as Unix ms.
export function startOfDay(t = Date.now()) {
  return midnightOf(t + zoneOffsetMs(t));
}

// dayOf: "2026-11-24", the ward's date of t.
function dayOf(t) {
  return new Date(t + zoneOffsetMs(t)).toISOString().slice(0, 10);
}

// --- dosage's MAR ($mar) ------------------------------------------------

function requestIdOf(a) {
  const ref = a.request || {};
  if (ref.reference) return ref.reference.split('/').pop();
  return ref.identifier ? ref.identifier.value : '';
}

// adminStart: when a charted dose began (an infusion's segment has a
// period; a dose, a time).
function adminStart(a) {
  return (a.effectivePeriod && a.effectivePeriod.start) || whenOf(a);
}

function adminCell(a) {
  const st = { completed: ['given', mark('Given')], 'not-done': ['notgiven', mark('Not given')],
    'in-progress': ['running', mark('Running')], 'entered-in-error': ['notgiven', mark('Error')],
    'on-hold': ['due', mark('Awaiting co-sign')] }[a.status]
    || ['notgiven', a.status];
  const dose = a.dosage ? qty(a.dosage.dose) : '';
  const rate = a.dosage && a.dosage.rateQuantity ? qty(a.dosage.rateQuantity) : '';
  const why = a.statusReason ? ' (' + a.statusReason.map(conceptText).join(', ') + ')' : '';
  // An infusion's segment says the rate it ran at and from when to when:
  // the grid shows each rate, so the rate history reads along the row.
  const when = a.effectivePeriod ? fmtTime(a.effectivePeriod.start) + '–' + (a.effectivePeriod.end
    ? fmtTime(a.effectivePeriod.end) : t('now')) : fmtTime(whenOf(a));
  const label = rate ? t(a.status === 'in-progress' ? 'Running {rate} {when}' : 'Ran {rate} {when}', { rate, when })
    : t(st[1]) + ' ' + when;
  return h('span', { class: 'st st-' + (rate ? 'running' : st[0]), title: t(st[1]) + ' ' + when + ' ' + dose + why },
    label);
}

function drugLabel(r, byId, pid) {
  const name = drugName(r, byId);
  const di = (r.dosageInstruction || [])[0] || {};
  const dr = (di.doseAndRate || [])[0] || {};
  const dose = dr.doseQuantity ? qty(dr.doseQuantity) : '';
  const how = [routeText(conceptText(di.route)), frequencyText(conceptText(di.timing && di.timing.code)),
    di.asNeededBoolean ? t('PRN') : ''].filter(Boolean).join(', ');
  return h('th', { scope: 'row', class: 'drug' }, h('div', {}, name), h('div', {}, dose + ' ' + how),
    r.status !== 'active' ? h('div', {}, t('Order {status}', { status: t(r.status) }))
      : h('div', {}, h('a', { href: '#/patient/' + pid + '/give/' + r.id }, t('Give or chart')), ' · ',
        h('a', { href: '#/patient/' + pid + '/cosign/' + r.id }, t('Co-sign'))));
}

function marRow(r, admins, slots, byId, day0, day1, pid) {
  const answered = new Set(slots.map((s) => s.admin).filter(Boolean));
  const cells = [];
  const hours = Math.round((day1 - day0) / 3600e3);
  for (let hr = 0; hr < hours; hr += 1) {
    const t0 = day0 + hr * 3600e3;
    const here = admins.filter((a) => requestIdOf(a) === r.id && !answered.has(a.id)
      && Date.parse(adminStart(a)) >= t0 && Date.parse(adminStart(a)) < t0 + 3600e3);
    const mine = slots.filter((s) => s.t >= t0 && s.t < t0 + 3600e3);
    cells.push(h('td', { 'data-hour': hr }, here.map(adminCell), mine.map(slotCell)));
  }
  return h('tr', {}, drugLabel(r, byId, pid), cells);
}

// OVERDUE: the states of a dose never charted whose time has passed.
const OVERDUE = new Set(['late', 'missed']);

// scrollMar opens the grid where the nurse acts.  Today: at the current
// hour (the doses about to be given and those just given), from the
// first dose still to act on when both fit in the box; an overdue dose
// earlier today that does not fit is said with a control that scrolls
// to it, so that it is never out of sight unsaid.  Another day: at its
// first dose still to act on, else three hours before now's hour.
function scrollMar(day0, slots, today) {
  const wrap = main().querySelector('.mar-wrap');
  const drug = wrap && wrap.querySelector('th.drug');
  if (!drug) return;
  const colOf = (at) => wrap.querySelector('td[data-hour="' + Math.max(0, Math.floor((at - day0) / 3600e3)) + '"]');
  const left = (at) => (colOf(at) ? colOf(at).offsetLeft - drug.offsetWidth : 0);
  const open = slots.filter((s) => UNRESOLVED.has(s.state) && s.t >= day0).sort((a, b) => a.t - b.t);
  const now = Date.now();
  const nowCell = today ? colOf(now) : null;
  if (!nowCell) {
    wrap.scrollLeft = left(open.length ? open[0].t - 3600e3 : now - 3 * 3600e3);
    return;
  }
  const view = wrap.clientWidth - drug.offsetWidth;
  const nowRight = nowCell.offsetLeft + nowCell.offsetWidth - drug.offsetWidth;
  const from = open.length && open[0].t < now ? left(open[0].t - 3600e3) : null;
  // The current hour a third of the way in: the next doses show after it.
  wrap.scrollLeft = from !== null && nowRight - from <= view ? from
    : Math.max(0, nowCell.offsetLeft - drug.offsetWidth - Math.max(0, (view - nowCell.offsetWidth) / 3));
  const hidden = open.filter((s) => OVERDUE.has(s.state) && s.t < now && colOf(s.t).offsetLeft < wrap.scrollLeft + drug.offsetWidth);
  if (hidden.length) wrap.before(overdueEarlier(wrap, hidden.length, left(hidden[0].t)));
}

// overdueEarlier: "2 overdue earlier today — show", which scrolls the
// grid to the first of them.
function overdueEarlier(wrap, n, at) {
  return h('p', { id: 'mar-overdue-earlier', role: 'status' }, h('button', { type: 'button', class: 'secondary',
    onclick: () => { wrap.scrollLeft = at; } }, t('{n} overdue earlier today — show', { n: num(n) })));
}

function dayLinks(id, day0) {
  const link = (at, label) => h('a', { href: '#/patient/' + id + '/mar/' + dayOf(at) }, label);
  return h('nav', { class: 'days', 'aria-label': t('MAR day') }, link(day0 - 12 * 3600e3, t('← Previous day')), ' · ',
    link(Date.now(), t('Today')), ' · ', link(day0 + 36 * 3600e3, t('Next day →')));
}

// hourOf: the ward's hour of t as two digits ("08"), the same in every
// locale (zh-CN's "08时" would not fit the grid's narrow columns).
function hourOf(at) {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: tz() })
    .formatToParts(new Date(at));
  return (parts.find((p) => p.type === 'hour') || { value: '' }).value;
}

const HOME_STATUS = { active: mark('Taking'), stopped: mark('Stopped'), unknown: mark('Not known') };

// homeMedsSection: what the patient took before admission (dosage's
// home-medicine list), which admission reconciliation decides beside the
// orders; nothing when the list is empty.
function homeMedsSection(c) {
  if (!c.homeMeds.length) return null;
  const rows = c.homeMeds.map((m) => h('tr', {},
    h('th', { scope: 'row' }, conceptText(m.medicationCodeableConcept)),
    h('td', {}, (m.dosage && m.dosage[0] && m.dosage[0].text) || ''),
    h('td', {}, HOME_STATUS[m.status] ? t(HOME_STATUS[m.status]) : m.status),
    h('td', {}, (m.informationSource && m.informationSource.display) || '')));
  return h('section', { 'aria-labelledby': 'home-meds-h' },
    h('h3', { id: 'home-meds-h' }, t('Home medicines (before admission)')),
    h('table', { id: 'home-meds' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('Medicine')), h('th', { scope: 'col' }, t('Dose')),
        h('th', { scope: 'col' }, t('Status')), h('th', { scope: 'col' }, t('Source')))),
      h('tbody', {}, rows)),
    h('p', { class: 'note' }, t('Admission reconciliation decides each: continue as an order, hold or stop.')));
}

async function marScreen(id, day) {
  const title = t('Medication administration record');
  show(title, h('p', {}, t('Loading…')));
  try {
    const ref = /^\d{4}-\d{2}-\d{2}$/.test(day || '') ? Date.parse(day + 'T12:00:00Z') : Date.now();
    const day0 = day ? midnightOf(ref) : startOfDay();
    const day1 = startOfDay(day0 + 36 * 3600e3);
    const [c, mar] = await Promise.all([readChart(id), readMar(id, day0 - 864e5, day1).catch((e) => {
      if (e.status !== 403) throw e;
      return { byOrder: new Map(), now: Date.now(), hidden: true };
    })]);
    const slotsOf = (r) => (mar.byOrder.get(r.id) || []).filter((s) => s.t >= day0 && s.t < day1);
    const now0 = Date.now();
    const hours = [...Array(Math.round((day1 - day0) / 3600e3)).keys()]
      .map((i) => h('th', { scope: 'col', class: now0 >= day0 + i * 3600e3 && now0 < day0 + (i + 1) * 3600e3
        ? 'now' : null }, hourOf(day0 + i * 3600e3)));
    const rows = c.requests.map((r) => marRow(r, c.admins, slotsOf(r), c.byId, day0, day1, id));
    const today = day0 === startOfDay();
    const date = fmtTime(new Date(day0).toISOString(), { dateStyle: 'full' });
    const table = h('table', { class: 'mar', id: 'mar-table', 'data-day': dayOf(day0 + 12 * 3600e3) },
      h('caption', {}, t(today ? 'Today, {date}, hours in {zone}' : '{date}, hours in {zone}', { date, zone: tz() })),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'drug' }, t('Medication')), hours)),
      h('tbody', {}, rows));
    const legend = h('p', { class: 'legend' }, t('Key:'), h('span', { class: 'st st-given' }, t('Given')),
      h('span', { class: 'st st-due' }, t('Due')), h('span', { class: 'st st-overdue' }, t('Overdue')),
      h('span', { class: 'st st-missed' }, t('Missed')),
      h('span', { class: 'st st-notgiven' }, t('Not given')), h('span', { class: 'st st-running' }, t('Running infusion')));
    // Doses of the day before still to act on: said, with the way there.
    const before = [...mar.byOrder.values()].flat().filter((s) => s.t < day0 && UNRESOLVED.has(s.state));
    const earlier = before.length ? h('p', { class: 'error', id: 'mar-earlier', role: 'status' },
      t(before.length === 1 ? '{n} dose of the day before still to act on (from {when}): '
        : '{n} doses of the day before still to act on (from {when}): ', { n: num(before.length),
        when: fmtTime(new Date(before[0].t).toISOString(), { weekday: 'short', hour: '2-digit', minute: '2-digit' }) }),
      h('a', { href: '#/patient/' + id + '/mar/' + dayOf(day0 - 12 * 3600e3) }, t('show the day before'))) : null;
    const hidden = mar.hidden ? h('p', { class: 'error' },
      t('Scheduled doses not shown to your role: the grid shows the doses charted only.')) : null;
    show(title, banner(c), tabs(id, 'mar'), dayLinks(id, day0), earlier, hidden, legend,
      c.requests.length ? h('div', { class: 'mar-wrap', tabindex: 0, role: 'region', 'aria-label': t('MAR grid, scrolls sideways') }, table)
        : h('p', {}, t('No medication orders.')), homeMedsSection(c));
    scrollMar(day0, c.requests.flatMap(slotsOf), today);
  } catch (e) {
    show(title, errorBox(e));
  }
}

function seriesOf(v, observations) {
  const mine = observations.filter((o) => codeOf(o).some((c) => c === v.code || (v.alt || []).includes(c)));
  if (v.parts) {
    return v.parts.map(([code, name, range]) => ({ name, range, points: mine.flatMap((o) => (o.component || [])
      .filter((k) => codeOf(k).includes(code) && k.valueQuantity)
      .map((k) => ({ t: Date.parse(whenOf(o)), v: k.valueQuantity.value }))) }));
  }
  return [{ name: v.title, points: mine.filter((o) => o.valueQuantity)
    .map((o) => ({ t: Date.parse(whenOf(o)), v: o.valueQuantity.value })) }];
}

function rangeOf(v, observations) {
  const o = observations.find((x) => codeOf(x).includes(v.code) && x.referenceRange && x.referenceRange[0]);
  const r = o && o.referenceRange[0];
  if (r && r.low && r.high) return { low: r.low.value, high: r.high.value };
  return v.range;
}

// latestLine: the latest reading as a number with its time (a blood
// pressure as systolic/diastolic), a value outside its range said so.
function latestLine(v, series) {
  const at = Math.max(...series.flatMap((s) => s.points.map((p) => p.t)));
  const vals = series.map((s) => ({ s, p: s.points.find((p) => p.t === at) })).filter((x) => x.p);
  const out = vals.some(({ s, p }) => outside(s, p.v));
  return h('p', { class: 'latest', 'data-out': out ? 'true' : 'false' },
    t('Latest {value} {unit}, {when}', { value: vals.map(({ p }) => num(p.v)).join('/'), unit: units(v.unit),
      when: fmtTime(new Date(at).toISOString(), { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' }) }),
    out ? h('span', { class: 'out' }, t(' (out of range)')) : null);
}

function vitalFigure(v, observations) {
  const range = rangeOf(v, observations);
  const series = seriesOf(v, observations).filter((s) => s.points.length)
    .map((s) => ({ ...s, range: s.range || range, label: t(s.name) }));
  if (!series.length) return null;
  const rows = series.flatMap((s) => s.points.map((p) => h('tr', {}, h('td', {}, fmtTime(new Date(p.t).toISOString(),
    { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' })), h('td', {}, t(s.name)), h('td', {}, num(p.v)))));
  const title = t(v.title);
  return h('figure', { class: 'chart', 'data-code': v.code },
    h('figcaption', {}, title + ' (' + units(v.unit) + ')'
      + (series.length > 1 ? series.map((s) => t(', {name} reference {low}–{high}', { name: s.label,
        low: num(s.range.low), high: num(s.range.high) })).join('')
        : range ? t(', reference {low}–{high}', { low: num(range.low), high: num(range.high) }) : '')
      + (series.length > 1 ? t('; solid line {a}, dashed {b}', { a: t(series[0].name), b: t(series[1].name) }) : '')),
    latestLine(v, series),
    drawChart(title, units(v.unit), series, v.limit, tz(), getLocale()),
    h('details', {}, h('summary', {}, t('Readings as a table')),
      h('table', {}, h('thead', {}, h('tr', {}, mark('Time', 'Series', 'Value').map((x) => h('th', { scope: 'col' }, t(x))))),
        h('tbody', {}, rows))));
}

// --- NEWS2 (issue 51, item 4) ---------------------------------------------
//
// The facade scores NEWS2 (Patient/{id}/$news2, RCP 2017) from each
// parameter's latest reading; the console only says it: the aggregate
// and its clinical risk, or "incomplete" naming what is not recorded, and
// each parameter with its value, its age and its points.  An incomplete
// score whose scored parameters already reach an urgent band (the
// facade's partialScore and partialRisk) leads with that band, so a
// missing reading never hides a patient already in danger.

const NEWS2_PARAMS = {
  'respiration-rate': mark('Respiration rate'),
  spo2: mark('SpO2 (Scale {n})'),
  'air-or-oxygen': mark('Air or oxygen'),
  'systolic-bp': mark('Systolic BP'),
  pulse: mark('Pulse'),
  consciousness: mark('Consciousness (ACVPU)'),
  temperature: mark('Temperature'),
};
const NEWS2_RISK = {
  low: [mark('Low clinical risk'), mark('Ward-based response: assessment by a registered nurse.')],
  'low-medium': [mark('Low–medium clinical risk (a 3 in one parameter)'),
    mark('Urgent ward-based response: a registered nurse informs the medical team.')],
  medium: [mark('Medium clinical risk'), mark('Urgent response: review by a clinician competent in acute illness.')],
  high: [mark('High clinical risk'), mark('Emergency response: assessment by a critical-care team.')],
};
const ACVPU = { A: mark('Alert'), C: mark('New confusion'), V: mark('Responds to voice'),
  P: mark('Responds to pain'), U: mark('Unresponsive') };

function partsOf(p) {
  return Object.fromEntries((p.part || []).map((x) => [x.name, x]));
}

function news2Value(code, parts) {
  const v = parts.value;
  if (!v) return t('not recorded');
  if (code === 'consciousness') return t(ACVPU[v.valueCode] || v.valueCode);
  const q = v.valueQuantity;
  if (code === 'air-or-oxygen') return q.value === 0 ? t('Air') : t('Oxygen {flow} L/min', { flow: num(q.value) });
  return num(q.value) + ' ' + units(q.unit);
}

export function news2Panel(body) {
  const top = Object.fromEntries(body.parameter.filter((p) => p.name !== 'parameter').map((p) => [p.name, p]));
  const nowMs = Date.parse(top.now.valueInstant);
  const scale = top.scale ? top.scale.valueInteger : 1;
  const params = body.parameter.filter((p) => p.name === 'parameter').map(partsOf);
  const complete = top.complete && top.complete.valueBoolean === true;
  const named = (p) => t(NEWS2_PARAMS[p.code.valueCode], { n: num(scale) });
  const missing = params.filter((p) => !p.value).map(named);
  // A reading older than the facade's limit is stale: not scored.
  const isStale = (p) => Boolean(p.stale && p.stale.valueBoolean);
  const stale = params.filter(isStale).map(named);
  const risk = complete ? top.risk.valueCode : null;
  let why = '';
  if (stale.length && missing.length) {
    why = t('NEWS2 incomplete (stale: {stale}); {missing} not recorded', { stale: stale.join(', '), missing: missing.join(', ') });
  } else if (stale.length) {
    why = t('NEWS2 incomplete (stale: {stale}): measure again', { stale: stale.join(', ') });
  } else {
    why = t('NEWS2 incomplete: {missing} not recorded', { missing: missing.join(', ') });
  }
  const floor = complete || !top.partialRisk ? null : top.partialRisk.valueCode;
  const unscored = params.filter((p) => !p.points).map(named);
  let head = h('p', { class: 'news2-score', 'data-risk': 'incomplete' }, why);
  if (complete) {
    head = h('p', { class: 'news2-score', 'data-risk': risk },
      t('NEWS2 score {score}: {risk}', { score: num(top.score.valueInteger), risk: t(NEWS2_RISK[risk][0]) }));
  } else if (floor) {
    head = h('p', { class: 'news2-score', 'data-risk': floor, 'data-partial': 'true' },
      t('NEWS2 at least {score}: {risk}; {missing} not scored', {
        score: num(top.partialScore.valueInteger), risk: t(NEWS2_RISK[floor][0]), missing: unscored.join(', ') }));
  }
  const shown = risk || floor;
  const maxAge = top.maxAge ? top.maxAge.valueQuantity.value : null;
  const rows = params.map((p) => {
    const code = p.code.valueCode;
    return h('tr', { 'data-param': code, 'data-stale': isStale(p) ? 'true' : null },
      h('th', { scope: 'row' }, t(NEWS2_PARAMS[code], { n: num(scale) })),
      h('td', {}, news2Value(code, p)),
      h('td', { class: isStale(p) ? 'news2-stale' : null }, p.effective ? (isStale(p)
        ? t('{age} (stale)', { age: ageText(nowMs, p.effective.valueInstant) })
        : ageText(nowMs, p.effective.valueInstant)) : '–'),
      h('td', { class: p.points && p.points.valueInteger === 3 ? 'news2-red' : null },
        p.points ? num(p.points.valueInteger) : '–'));
  });
  return h('section', { class: 'news2', id: 'news2', 'aria-label': t('NEWS2 early warning score') },
    h('h2', {}, t('NEWS2 early warning score')), head,
    shown ? h('p', { class: 'news2-response' }, t(NEWS2_RISK[shown][1])) : null,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, mark('Parameter', 'Value', 'Taken', 'Points').map((x) => h('th', { scope: 'col' }, t(x))))),
      h('tbody', {}, rows))),
    h('p', { class: 'news2-note' },
      t('Each parameter from its latest reading; bands of the Royal College of Physicians NEWS2 chart (2017).'),
      maxAge === null ? null : ' ' + t('A reading older than {hours} h is stale and not scored.',
        { hours: num(maxAge / 60, { maximumFractionDigits: 1 }) })));
}

async function news2Section(id) {
  try {
    return news2Panel(await request('Patient/' + encodeURIComponent(id) + '/$news2'));
  } catch (e) {
    if (e.status === 403) return null; // a role that reads no vital signs
    return h('p', { class: 'error', id: 'news2' }, t('NEWS2 could not be read: {why}', { why: e.message }));
  }
}

async function vitalsScreen(id) {
  const title = t('Vital signs');
  show(title, h('p', {}, t('Loading…')));
  try {
    const [c, news] = await Promise.all([readChart(id), news2Section(id)]);
    const figs = VITALS.map((v) => vitalFigure(v, c.observations)).filter(Boolean);
    show(title, banner(c), tabs(id, 'vitals'), news,
      figs.length ? h('div', { class: 'charts' }, figs) : h('p', {}, t('No vital signs recorded.')));
  } catch (e) {
    show(title, errorBox(e));
  }
}

// --- routing -----------------------------------------------------------

async function route() {
  // A ward list still loading from before is not drawn over this screen.
  wardRender += 1;
  say('');
  renderHeader();
  if (current() === null) {
    show(t('Sign in'), signInScreen(null));
    return;
  }
  const parts = window.location.hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'patient' && parts[1]) {
    if (parts[2] === 'vitals') await vitalsScreen(parts[1]);
    else if (parts[2] === 'notes') await suggestionsScreen(parts[1]);
    else if (parts[2] === 'give' && parts[3]) await giveScreen(parts[1], parts[3]);
    else if (parts[2] === 'cosign' && parts[3]) await cosignScreen(parts[1], parts[3]);
    else await marScreen(parts[1], parts[2] === 'mar' ? parts[3] : undefined);
  } else if (parts[0] === 'audit') {
    await auditScreen();
  } else {
    await wardScreen();
  }
}

// localise sets the page's language: the chrome of index.html (each
// element's data-t is its catalogue key), <html lang> and the picker.
function localise(l) {
  setLocale(l);
  document.documentElement.lang = getLocale();
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll('[data-t-label]')) e.setAttribute('aria-label', t(e.dataset.tLabel));
  const pick = document.getElementById('lang');
  if (pick.options.length === 0) {
    for (const [code, name] of Object.entries(LOCALES)) pick.append(h('option', { value: code, lang: code }, name));
  }
  pick.value = getLocale();
}

// handBack gives a second person's step-up sign-in to the console
// window that opened this one (same origin only) and closes; the token
// never becomes this window's session.
async function handBack(second) {
  if (!window.opener) {
    show(t('Sign in'), h('p', { class: 'error', role: 'alert' }, t('This sign-in was for a co-sign, but its window was closed.')));
  } else {
    window.opener.postMessage({ kind: 'smartmed-step-up', session: second }, window.location.origin);
    show(t('Sign in'), h('p', { role: 'status' }, t('Signed in for the co-sign: this window closes.')));
  }
  // The provider's session is the second person's now: end it before
  // the window closes (it comes back with STEP_UP_DONE).
  if (!(await endProviderSession(config)) && window.opener) window.close();
}

async function start() {
  // The browser's language, unless the user picked another before the
  // provider's sign-in page (carried through it with the PKCE state).
  localise(pendingLocale() || localeFor(navigator.languages || [navigator.language]));
  document.getElementById('lang').addEventListener('change', (ev) => {
    localise(ev.target.value);
    route();
  });
  try {
    const r = await fetch('/console/config.json', { cache: 'no-store' });
    setConfig(await r.json());
    setBase(config.fhirBase);
  } catch (e) {
    show(t('smartmed ward console'), h('p', { class: 'error', role: 'alert' }, t('The console cannot load its settings.')));
    return;
  }
  document.getElementById('signout').addEventListener('click', () => {
    signOut();
    ward.length = 0;
    wardsShown.clear();
    window.location.hash = '#/ward';
    route();
  });
  window.addEventListener('hashchange', () => route());
  let done;
  try {
    done = await finishSignIn(config);
  } catch (e) {
    renderHeader();
    show(t('Sign in'), signInScreen(e.message));
    return;
  }
  if (done && done.stepUp) {
    await handBack(done.stepUp);
    return;
  }
  if (!done && new URLSearchParams(window.location.search).get('state') === STEP_UP_DONE && window.opener) {
    window.close();
    return;
  }
  if (!done && window.location.hash === '#/step-up' && window.opener) {
    show(t('Sign in'), h('p', {}, t('Loading…')));
    await signIn(config, getLocale(), true).catch((e) => show(t('Sign in'), h('p', { class: 'error', role: 'alert' }, e.message)));
    return;
  }
  await route();
}

start();
