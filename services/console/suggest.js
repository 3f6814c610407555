// suggest.js - the note reader's pending suggestions (issue 55): an
// allergy, a problem or a home medicine a clinical note mentions, served by
// the facade as an AllergyIntolerance or Condition with verificationStatus
// unconfirmed or as a MedicationStatement, each with a Provenance naming
// the note version and the span it was read from (docs/note-reader.md,
// "FHIR").  The screen lists each one with the words quoted from the note,
// which note and when; a clinician or pharmacist (records' role matrix:
// ConfirmSuggestion, RejectSuggestion) confirms or rejects it with
// {Type}/{id}/$confirm or $reject (a reason is required to reject).  Other
// roles see them without the buttons: the services decide, not the screen.
import { banner, conceptText, errorBox, fmtTime, h, readChart, say, show, spanOf, tabs } from './screen.js';
import { current } from './auth.js';
import { request, search } from './fhir.js';
import { mark, t } from './messages.js';
import { noteTermText, reactionText } from './terms.js';

// The roles records lets decide (docs/security.md, the role matrix).
export const DECIDERS = ['clinician', 'pharmacist'];
const KINDS = { AllergyIntolerance: mark('Allergy'), Condition: mark('Problem'),
  MedicationStatement: mark('Home medicine') };

export function mayDecide(s = current()) {
  return s !== null && s.roles.some((r) => DECIDERS.includes(r));
}

// unconfirmed: an allergy or problem the chart does not hold as a fact; a
// MedicationStatement may be one (dosage's home-medicine list serves the
// confirmed ones as MedicationStatement too, without the note reader's
// Provenance, so readSuggestions leaves those out).
export function unconfirmed(r) {
  if (r.resourceType === 'MedicationStatement') return true;
  const v = r.verificationStatus;
  return Boolean(v && (v.coding || []).some((c) => c.code === 'unconfirmed'));
}

// noteOf: the note version a Provenance names, with its title and date
// when the user's role may read the note (a pharmacist reads no records).
async function noteOf(ref, notes) {
  const m = /^DocumentReference\/([^/]+)\/_history\/(\d+)$/.exec(ref);
  if (!m) return { version: '?' };
  if (!notes.has(m[1])) {
    notes.set(m[1], request('DocumentReference/' + encodeURIComponent(m[1])).catch(() => null));
  }
  const doc = await notes.get(m[1]);
  return { version: m[2], title: doc ? (doc.description || conceptText(doc.type)) : '', date: doc ? doc.date : '' };
}

// readSuggestions: the patient's pending suggestions, oldest first, each
// {resource, quote, note: {version, title, date}, recorded}; hidden: the
// types the user's role may not search (records answers a pharmacist's
// allergy search with the allergies alone, so they see what they decide).
export async function readSuggestions(id) {
  const q = encodeURIComponent(id);
  const hidden = [];
  const found = await Promise.all(Object.keys(KINDS).map((type) =>
    search(type + '?patient=' + q, 500).catch((e) => {
      if (e.status !== 403) throw e;
      hidden.push(type);
      return [];
    })));
  const notes = new Map();
  const out = await Promise.all(found.flat().filter(unconfirmed).map(async (r) => {
    const prov = await request('Provenance/' + encodeURIComponent(r.id)).catch(() => null);
    const span = prov && spanOf(prov);
    if (!span) return null;
    return { resource: r, quote: span.what.display || '', recorded: span.recorded,
      note: await noteOf(span.what.reference, notes) };
  }));
  const list = out.filter(Boolean).sort((a, b) => String(a.recorded).localeCompare(String(b.recorded)));
  return Object.assign(list, { hidden });
}

function whatOf(r) {
  const c = r.code || r.medicationCodeableConcept;
  const what = noteTermText(c);
  const reaction = r.reaction && r.reaction[0] && r.reaction[0].manifestation
    && r.reaction[0].manifestation[0] && r.reaction[0].manifestation[0].text;
  return reaction ? t('{what} (reaction: {reaction})', { what, reaction: reactionText(reaction) }) : what;
}

const WHEN = { day: '2-digit', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' };

function fromLine(s) {
  const n = s.note;
  if (n.title) {
    return t('From the note "{title}" (version {version}) of {when}', { title: n.title, version: n.version,
      when: fmtTime(n.date || s.recorded, WHEN) });
  }
  return t('From a note (version {version}) read {when}', { version: n.version, when: fmtTime(s.recorded, WHEN) });
}

async function decide(pid, s, op, reason, status) {
  const r = s.resource;
  const body = { resourceType: 'Parameters' };
  if (reason) body.parameter = [{ name: 'reason', valueString: reason }];
  try {
    await request(r.resourceType + '/' + encodeURIComponent(r.id) + '/$' + op, { method: 'POST', body });
  } catch (e) {
    status.replaceChildren(errorBox(e));
    return;
  }
  say(t(op === 'confirm' ? 'Confirmed: {what}' : 'Rejected: {what}', { what: whatOf(r) }));
  await suggestionsScreen(pid, true);
}

function card(pid, s, decider) {
  const r = s.resource;
  const title = t('{kind}: {what}', { kind: t(KINDS[r.resourceType]), what: whatOf(r) });
  const kids = [h('h3', {}, title), h('blockquote', { class: 'quote' }, s.quote), h('p', { class: 'from' }, fromLine(s))];
  if (decider) {
    const status = h('div', { role: 'alert' });
    const reasonId = 'reason-' + r.id;
    const reason = h('input', { id: reasonId, type: 'text', autocomplete: 'off' });
    const confirm = h('button', { type: 'button' }, t('Confirm'));
    const reject = h('button', { type: 'button' }, t('Reject'));
    confirm.addEventListener('click', () => decide(pid, s, 'confirm', reason.value.trim(), status));
    reject.addEventListener('click', () => {
      if (reason.value.trim() === '') {
        status.replaceChildren(h('p', { class: 'error' }, t('Say why it is rejected: a reason is needed to reject.')));
        reason.focus();
        return;
      }
      decide(pid, s, 'reject', reason.value.trim(), status);
    });
    kids.push(h('div', { class: 'decide' },
      h('label', { for: reasonId }, t('Reason (needed to reject)')), reason, confirm, reject), status);
  }
  return h('article', { class: 'suggestion', 'data-id': r.id, 'aria-label': title }, ...kids);
}

export async function suggestionsScreen(id, keepStatus) {
  const title = t('Suggestions from notes');
  if (!keepStatus) say('');
  show(title, h('p', {}, t('Loading…')));
  try {
    const [c, list] = await Promise.all([readChart(id), readSuggestions(id)]);
    const decider = mayDecide();
    show(title, banner(c), tabs(id, 'notes'),
      h('p', { class: 'note' }, decider
        ? t('What the note reader found in this patient\'s notes. None of it is in the chart until you confirm it.')
        : t('What the note reader found in this patient\'s notes. None of it is in the chart until a clinician or pharmacist confirms it.')),
      list.length ? h('div', { class: 'suggestions' }, list.map((s) => card(id, s, decider)))
        : h('p', { id: 'no-suggestions' }, t('No suggestions from notes are waiting.')),
      list.hidden.length ? h('p', { class: 'note', id: 'suggestions-hidden' }, t('Not shown to your role: {kinds}',
        { kinds: list.hidden.map((k) => t(KINDS[k])).join(', ') })) : null);
  } catch (e) {
    show(title, errorBox(e));
  }
}
