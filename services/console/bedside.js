// bedside.js - the bedside administration (issue 37): identify the patient
// by two identifiers, the wristband scan and the face (the device camera,
// Patient/{id}/$verify-face) or, when the face does not confirm the
// patient, the name and date of birth the patient states
// (Patient/{id}/$confirm-identifiers), scan the product's GS1 code, see every check before confirming,
// and record the dose given or not given as a FHIR MedicationAdministration
// create, which dosage checks in full (identity token, product, dose,
// high-alert co-sign); a second user co-signs a high-alert dose with
// MedicationRequest/{id}/$cosign.  Every refusal is shown in the words the
// API gives.  The verification token and the photo stay in memory and are
// dropped after one use.
import {
  banner, config, conceptText, drugName, errorBox, fmtTime, h, mrnOf, openSlots, patientName, readMar,
  readChart, show, slotCell, weightText,
} from './screen.js';
import { current } from './auth.js';
import { request } from './fhir.js';
import { mark, num, problemBox, t, units } from './messages.js';
import { frequencyText, noteTermText, routeText } from './terms.js';

const UCUM = 'http://unitsofmeasure.org';
const NOT_GIVEN_SYSTEM = 'urn:smartmed:dosage:not-given-reason';
// The words are catalogue keys (t() says them); the record keeps the
// English label as the code's display.
const NOT_GIVEN = [['patient-refused', mark('Patient refused')], ['held-by-clinician', mark('Held by clinician')],
  ['patient-absent', mark('Patient absent')], ['nil-by-mouth', mark('Nil by mouth')],
  ['drug-unavailable', mark('Drug unavailable')], ['other', mark('Other')]];

// Why a dose other than the ordered one is given: the facade's
// dose-deviation codes (dosage's DoseDeviationReason; docs/dose-safety.md,
// "The dose given against the dose ordered").  "other" needs words.
const DEVIATION = [['partial-dose-patient-refused', mark('Part of the dose: the patient refused the rest')],
  ['vomited-repeat', mark('Vomited: the dose is repeated')],
  ['titration-per-protocol', mark('Set by the protocol (sliding scale, titration)')],
  ['prescriber-verbal-order', mark('The prescriber said this dose (verbal order)')],
  ['other', mark('Other (say why in the note)')]];

function ext(name, value) {
  return { url: config.fhirBaseUrl + '/StructureDefinition/' + name, ...value };
}

function overrideExt(name, code, text) {
  return ext(name, { extension: [{ url: 'reason', valueCode: code }, { url: 'text', valueString: text }] });
}

function param(body, name) {
  return ((body && body.parameter) || []).find((p) => p.name === name) || {};
}

function orderDose(r) {
  const di = (r.dosageInstruction || [])[0] || {};
  const dq = ((di.doseAndRate || [])[0] || {}).doseQuantity || {};
  return { value: dq.value, code: dq.code || dq.unit || '', route: routeText(conceptText(di.route)) };
}

function field(id, label, attrs = {}) {
  return h('div', {}, h('label', { for: id }, label), h('input', { id, name: id, autocomplete: 'off', ...attrs }));
}

function alertBox() {
  return h('div', { role: 'alert', class: 'error' });
}

// refusal puts the nurse's words for e (messages.js) in msg.
function refusal(msg, e, lead) {
  msg.replaceChildren(e && e.status !== undefined ? problemBox(e, lead)
    : h('p', {}, (lead ? t('{lead}: ', { lead }) : '') + ((e && e.message) || e)));
}

// The labs a co-signer checks (issue 51, item 3): dosage's Medication
// names the analytes its lab rules read (and creatinine for a drug dosed
// by renal function); each is looked for under the LOINC codes records
// reads for it (docs/dose-safety.md, "Labs the checks read").
const LABS = {
  potassium: { name: mark('Potassium'), codes: ['2823-3', '6298-4'] },
  inr: { name: mark('INR'), codes: ['6301-6', '34714-6', '46418-0'] },
  glucose: { name: mark('Glucose'), codes: ['2345-7', '2339-0', '15074-8', '14749-6', '41653-7', '2341-6'] },
  creatinine: { name: mark('Creatinine'), codes: ['2160-0', '14682-9'] },
};

function medicationOf(c, r) {
  const ref = r.medicationReference ? (r.medicationReference.reference || '').split('/').pop() : '';
  return c.byId.get(ref);
}

// labsFact: the latest value of each lab the order's drug asks for, with
// its time, or "none on record".
function labsFact(c, r) {
  const med = medicationOf(c, r);
  const want = [...new Set(((med && med.extension) || [])
    .filter((x) => /\/StructureDefinition\/relevant-lab$/.test(x.url) && LABS[x.valueCode]).map((x) => x.valueCode))];
  if (!want.length) return t('No lab rules for this drug');
  if (c.hidden.has('Observation')) return t('Labs not shown to your role');
  const when = (o) => o.effectiveDateTime || o.issued || '';
  const list = want.map((k) => {
    const lab = LABS[k];
    const o = c.observations.filter((x) => x.status !== 'entered-in-error' && x.valueQuantity
      && ((x.code && x.code.coding) || []).some((cd) => lab.codes.includes(cd.code)))
      .sort((a, b) => when(b).localeCompare(when(a)))[0];
    return o ? t('{lab} {value} {unit} ({when})', { lab: t(lab.name), value: num(o.valueQuantity.value),
      unit: units(o.valueQuantity.code || o.valueQuantity.unit),
      when: fmtTime(when(o), { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' }) })
      : t('{lab}: none on record', { lab: t(lab.name) });
  });
  return t('Latest labs: {list}', { list: list.join(t('; ')) });
}

// highAlert: the order's drug is high-alert (its Medication says so).
function highAlert(c, r) {
  const med = medicationOf(c, r);
  return !!med && (med.extension || []).some((x) => /\/StructureDefinition\/high-alert$/.test(x.url) && x.valueBoolean);
}

// camera: getUserMedia, a preview, one photo as PNG base64 on demand.
async function openCamera(video) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new Error(t('This browser has no camera access: ask the patient\'s name and date of birth instead.'));
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: false });
    video.srcObject = stream;
    await video.play();
    return stream;
  } catch (e) {
    if (e.name === 'NotAllowedError') throw new Error(t('The camera is not allowed in this browser: allow it, or ask the patient\'s name and date of birth instead.'));
    if (e.name === 'NotFoundError' || e.name === 'OverconstrainedError') throw new Error(t('No camera was found: ask the patient\'s name and date of birth instead.'));
    throw new Error(t('The camera could not start ({why}): ask the patient\'s name and date of birth instead.', { why: e.name }));
  }
}

function takePhoto(video) {
  const c = document.createElement('canvas');
  c.width = video.videoWidth;
  c.height = video.videoHeight;
  c.getContext('2d').drawImage(video, 0, 0);
  return c.toDataURL('image/png').split(',')[1];
}

function stopCamera(stream, video) {
  if (stream) for (const t of stream.getTracks()) t.stop();
  video.srcObject = null;
}

// identitySection: two identifiers, as wards identify a patient (issue
// 73, docs/face.md): the wristband scanned first, then the face; when the
// face does not confirm the patient (no match, a photo that cannot be
// used, no camera) the patient states name and date of birth, read
// against the wristband by identity ($confirm-identifiers).  Either way
// the dose is charted on identity's token, never on an override.
function identitySection(c, state, refresh) {
  const msg = alertBox();
  if (state.idMsg) msg.textContent = state.idMsg;
  const name = patientName(c.patient);
  const found = (token, text) => {
    state.identity = { token, text };
    state.idMsg = '';
    state.stated = '';
    refresh();
  };
  let body;
  if (state.identity) body = h('p', { id: 'identity-ok' }, '✔ ' + state.identity.text);
  else if (!state.band) body = wristbandForm(c, state, msg, refresh);
  else {
    body = [h('p', { id: 'band-ok' }, '✔ ' + t('Wristband {band} is {name}\'s. Second check: the face.', { band: state.band, name })),
      ...faceCheck(c, state, msg, refresh, found)];
    if (state.stated) body.push(statedForm(c, state, msg, found));
  }
  return h('section', { 'aria-labelledby': 'id-h' }, h('h2', { id: 'id-h' }, t('1. Identify the patient')), body, msg);
}

// wristbandForm: the first identifier; another patient's wristband is
// refused on the spot, before anything is sent.
function wristbandForm(c, state, msg, refresh) {
  const band = h('input', { id: 'wristband', autocomplete: 'off' });
  return h('form', { class: 'form-row', onsubmit: (ev) => {
    ev.preventDefault();
    const v = band.value.trim();
    if (v !== mrnOf(c.patient) && v !== c.patient.id) {
      msg.textContent = t('This wristband ({band}) is not {name}\'s (MRN {mrn}). Do not give.',
        { band: v, name: patientName(c.patient), mrn: mrnOf(c.patient) });
      return;
    }
    state.band = v;
    state.idMsg = '';
    refresh();
  } }, h('div', {}, h('label', { for: 'wristband' }, t('Wristband scan')), band),
  h('button', { type: 'submit', class: 'secondary' }, t('Check wristband')));
}

// faceCheck: the camera, and the way on to the stated check when the
// face cannot confirm the patient.
function faceCheck(c, state, msg, refresh, found) {
  const video = h('video', { id: 'camera', muted: true, playsinline: true, 'aria-label': t('Camera preview'), width: 240 });
  const name = patientName(c.patient);
  let stream = null;
  const toStated = (after, words) => {
    stopCamera(stream, video);
    state.stated = after;
    state.idMsg = words;
    refresh();
  };
  const shoot = h('button', { type: 'button', id: 'take-photo', disabled: true, onclick: async () => {
    msg.textContent = t('Checking the face…');
    shoot.disabled = true;
    try {
      const body = await request('Patient/' + encodeURIComponent(c.patient.id) + '/$verify-face', { method: 'POST',
        body: { resourceType: 'Parameters', parameter: [
          { name: 'photo', valueAttachment: { contentType: 'image/png', data: takePhoto(video) } },
          { name: 'terminal', valueString: 'console' }, { name: 'wristband', valueString: state.band }] } });
      const decision = param(body, 'decision').valueCode;
      const token = param(body, 'verificationToken').valueString;
      if (decision === 'match' && token) {
        stopCamera(stream, video);
        found(token, t('Wristband and face match {name}', { name }));
        return;
      }
      if (decision === 'retake') {
        msg.textContent = t('The photo could not be used: take it again, or ask the patient to say their name and date of birth.');
        state.stated = state.stated || 'retake';
      } else {
        toStated('no-match', t('The face does not match {name}. Do not give yet: ask the patient to say their full name and date of birth.', { name }));
        return;
      }
    } catch (e) {
      refusal(msg, e);
    }
    shoot.disabled = false;
  } }, t('Take photo and check'));
  const start = h('button', { type: 'button', id: 'start-camera', class: 'secondary', onclick: async () => {
    msg.textContent = '';
    try {
      stream = await openCamera(video);
      shoot.disabled = false;
    } catch (e) {
      toStated('not-possible', e.message);
    }
  } }, t('Use the camera'));
  const noFace = h('button', { type: 'button', id: 'no-face', class: 'secondary', onclick: () => toStated(state.stated || 'not-possible', '') },
    t('The face cannot be checked: ask name and date of birth'));
  return [h('div', { class: 'form-row' }, start, shoot, noFace), video];
}

// statedForm: the ward's standard second check, the name and date of
// birth as the patient says them, typed as said.
function statedForm(c, state, msg, found) {
  const name = patientName(c.patient);
  const fam = field('stated-family', t('Family name, as the patient says it'));
  const giv = field('stated-given', t('Given name, as the patient says it'));
  const born = field('stated-born', t('Date of birth, as the patient says it'), { type: 'date' });
  const value = (f) => f.querySelector('input').value.trim();
  return h('form', { class: 'form-row', id: 'stated-check', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const body = await request('Patient/' + encodeURIComponent(c.patient.id) + '/$confirm-identifiers', { method: 'POST',
        body: { resourceType: 'Parameters', parameter: [
          { name: 'wristband', valueString: state.band }, { name: 'familyName', valueString: value(fam) },
          { name: 'givenName', valueString: value(giv) }, { name: 'birthDate', valueDate: value(born) },
          { name: 'terminal', valueString: 'console' }, { name: 'afterFace', valueCode: state.stated }] } });
      const token = param(body, 'verificationToken').valueString;
      if (param(body, 'confirmed').valueBoolean && token) {
        found(token, t('Wristband, name and date of birth match {name}', { name }));
        return;
      }
      msg.textContent = t('The name or date of birth the patient gave does not match the wristband. Do not give: check who is in the bed, and ask registration to check the record.');
    } catch (e) {
      refusal(msg, e);
    }
  } }, fam, giv, born, h('button', { type: 'submit' }, t('Check name and date of birth')));
}

function productSection(state, refresh) {
  const scan = h('input', { id: 'product-scan', autocomplete: 'off', value: state.product ? state.product.scan || '' : '' });
  const none = h('input', { id: 'no-barcode', type: 'checkbox', checked: state.product && state.product.none });
  const why = h('input', { id: 'no-barcode-why', autocomplete: 'off' });
  const form = h('form', { class: 'form-row', onsubmit: (ev) => {
    ev.preventDefault();
    if (none.checked) state.product = { none: true, text: why.value.trim() || mark('pack has no barcode') };
    else if (scan.value.trim()) state.product = { scan: scan.value.trim() };
    else state.product = null;
    refresh();
  } }, h('div', {}, h('label', { for: 'product-scan' }, t('Product barcode (GS1)')), scan),
  h('div', {}, h('label', { for: 'no-barcode' }, t('The pack has no barcode')), none),
  h('div', {}, h('label', { for: 'no-barcode-why' }, t('Why not scanned')), why),
  h('button', { type: 'submit', class: 'secondary' }, t('Use this product')));
  return h('section', { 'aria-labelledby': 'prod-h' }, h('h2', { id: 'prod-h' }, t('2. Scan the product')), form,
    state.product ? h('p', { id: 'product-ok' }, '✔ ' + (state.product.none ? t('Not scanned: {why}', { why: t(state.product.text) })
      : t('Scanned {code}', { code: state.product.scan }))) : null);
}

// checksList: what is known before the dose.  A missing requirement is a
// blocker (✖), never a tick; a fact to weigh is a warning (⚠).
function checksList(c, r, state) {
  const d = orderDose(r);
  const item = (kind, text) => h('li', { class: 'check-' + kind },
    h('span', { 'aria-hidden': 'true' }, { ok: '✔ ', blocker: '✖ ', warn: '⚠ ' }[kind]),
    h('span', { class: 'visually-hidden' }, t({ ok: 'Done: ', blocker: 'Blocker: ', warn: 'Check: ' }[kind])), text);
  mark('Done: ', 'Blocker: ', 'Check: ');
  const asOrdered = Number(state.dose) === d.value;
  const high = highAlert(c, r);
  const p = c.patient;
  const dose = { dose: num(state.dose), unit: units(d.code), ordered: num(d.value), why: deviationWords(state) };
  return h('ul', { id: 'checks' },
    p.deceasedDateTime || p.deceasedBoolean ? item('blocker', t('The patient has died: no dose is given')) : null,
    item(state.identity ? 'ok' : 'blocker', state.identity ? state.identity.text : t('Patient not identified yet')),
    item(state.product ? 'ok' : 'blocker', state.product ? (state.product.none
      ? t('Product not scanned: {why}', { why: t(state.product.text) })
      : t('Product {code} (dosage checks it is the ordered drug and not expired)', { code: state.product.scan }))
      : t('Product not scanned yet')),
    doseItem(item, asOrdered, state, dose,
      t(' (dosage checks the single and daily maximum, the timing and the patient\'s facts)')),
    high ? item(state.cosign ? 'ok' : 'blocker', state.cosign ? (state.cosignedBy
      ? t('Co-signed by {who} ({id})', { who: state.cosignedBy, id: state.cosign }) : t('Co-signed: {id}', { id: state.cosign }))
      : t('No co-sign: a high-alert drug needs a second person\'s check before the dose'))
      : item('ok', state.cosign ? t('Co-signed: {id}', { id: state.cosign }) : t('Not a high-alert drug: no co-sign needed')),
    c.hidden.has('Observation') ? null : c.weight ? null : item('warn', t('No weight recorded: a dose by weight is refused')),
    c.hidden.has('AllergyIntolerance') ? item('warn', t('Allergies not shown to your role'))
      : c.allergies.length ? item('warn', t('Allergies: {list}', { list: c.allergies.map((a) => conceptText(a.code)).join(', ') }))
        : null,
    (c.suggestedAllergies || []).length ? item('warn', t('A note mentions an allergy to {list}: confirm or reject it before giving',
      { list: c.suggestedAllergies.map((a) => noteTermText(a.code)).join(', ') })) : null);
}

// deviationWords: the reason chosen for a dose other than the ordered
// one, in words, with the nurse's note ('' when none is chosen).
function deviationWords(state) {
  const dv = state.deviation;
  const row = dv && DEVIATION.find(([code]) => code === dv.code);
  if (!row) return '';
  return t(row[1]) + (dv.text ? ' (' + dv.text + ')' : '');
}

// deviationReady: a reason is chosen, with words when it is "other"
// (dosage wants 3 characters or more).
function deviationReady(state) {
  const dv = state.deviation;
  return !!dv && !!dv.code && (dv.code !== 'other' || dv.text.length >= 3);
}

// doseItem: the checklist's dose line.  A dose other than the ordered
// one is a blocker until a reason is chosen, then a fact to weigh (⚠);
// dosage still checks the dose given against every limit.
function doseItem(item, asOrdered, state, words, checks) {
  if (asOrdered) return item('ok', t('Dose {dose} {unit}, as ordered', words) + checks);
  if (deviationReady(state)) {
    return item('warn', t('Dose {dose} {unit}, not the ordered {ordered} {unit}: {why}', words) + checks);
  }
  const key = mark('Dose {dose} {unit}, not the ordered {ordered} {unit}: give the ordered dose, or choose why the dose differs');
  return item('blocker', t(key, words) + checks);
}

function administration(c, r, state) {
  const d = orderDose(r);
  const e = [];
  e.push(ext('verification-token', { valueString: state.identity.token }));
  if (state.product.none) e.push(overrideExt('scan-override', 'other', state.product.text));
  else e.push(ext('product-scan', { valueString: state.product.scan }));
  if (state.cosign) e.push(ext('cosign', { valueString: state.cosign }));
  if (state.deviation && state.deviation.code && Number(state.dose) !== d.value) {
    const sub = [{ url: 'reason', valueCode: state.deviation.code }];
    if (state.deviation.text) sub.push({ url: 'text', valueString: state.deviation.text });
    e.push(ext('dose-deviation', { extension: sub }));
  }
  return { resourceType: 'MedicationAdministration', status: 'completed', extension: e,
    subject: { reference: 'Patient/' + c.patient.id }, request: { reference: 'MedicationRequest/' + r.id },
    effectiveDateTime: new Date().toISOString(),
    dosage: { dose: { value: Number(state.dose), unit: d.code, system: UCUM, code: d.code } } };
}

async function post(resource, msg, button, done) {
  button.disabled = true;
  msg.textContent = t('Recording…');
  try {
    const body = await request('MedicationAdministration', { method: 'POST', body: resource });
    done(body);
  } catch (e) {
    refusal(msg, e, t('Not recorded'));
    button.disabled = false;
  }
}

// deviationBox: the reason for a dose other than the ordered one (the
// facade's dose-deviation codes and a note), shown while the dose input
// holds another dose; read() is the reason, null for the ordered dose.
// The nurse's give form and the co-signer's check ask the same way.
function deviationBox(id, dose, d, dv, legend) {
  const why = h('select', { id: id + '-reason' }, h('option', { value: '' }, t('Choose a reason')),
    DEVIATION.map(([code, text]) => h('option', { value: code, selected: code === dv.code }, t(text))));
  const note = h('input', { id: id + '-text', autocomplete: 'off', maxlength: 500, value: dv.text });
  const box = h('fieldset', { id, class: 'form-row', hidden: dose.value.trim() === '' || Number(dose.value.trim()) === d.value },
    h('legend', {}, t(legend, { ordered: num(d.value), unit: units(d.code) })),
    h('div', {}, h('label', { for: id + '-reason' }, t('Reason for the dose given')), why),
    h('div', {}, h('label', { for: id + '-text' }, t('Note on the dose')), note));
  dose.addEventListener('input', () => {
    box.hidden = dose.value.trim() === '' || Number(dose.value.trim()) === d.value;
  });
  const read = () => (Number(dose.value.trim()) === d.value ? null : { code: why.value, text: note.value.trim() });
  return { box, read };
}

// cosignBody: $cosign's Parameters: the patient, the dose checked and,
// for a dose other than the ordered one, its reason.
function cosignBody(c, d, dose, dv) {
  return { resourceType: 'Parameters', parameter: [
    { name: 'patient', valueReference: { reference: 'Patient/' + c.patient.id } },
    { name: 'dose', valueQuantity: { value: Number(dose.value), system: UCUM, code: d.code } }, ...deviationParam(dv)] };
}

// deviationParam: $cosign's dose-deviation parameter for a reason.
function deviationParam(dv) {
  if (!dv || !dv.code) return [];
  const part = [{ name: 'reason', valueCode: dv.code }];
  if (dv.text) part.push({ name: 'text', valueString: dv.text });
  return [{ name: 'dose-deviation', part }];
}

function giveSection(c, r, state, refresh, recorded) {
  const d = orderDose(r);
  const dose = h('input', { id: 'dose', inputmode: 'decimal', value: String(state.dose) });
  const cos = h('input', { id: 'cosign-id', autocomplete: 'off', value: state.cosign || '' });
  const { box, read } = deviationBox('deviation', dose, d, state.deviation || { code: '', text: '' },
    mark('The dose given is not the ordered {ordered} {unit}: why?'));
  const sync = () => {
    state.dose = dose.value.trim();
    state.cosign = cos.value.trim();
    state.deviation = read();
  };
  const msg = alertBox();
  const ready = state.identity && state.product;
  const give = h('button', { type: 'button', id: 'record-given', disabled: !ready, onclick: () => {
    sync(); // what the form says now, "Update checks" pressed or not
    post(administration(c, r, state), msg, give, (body) => {
      state.identity = null; // a token is good for one dose
      recorded(recordedWords(body, d, state));
    });
  } }, t('Record dose given'));
  const keep = h('form', { class: 'form-row', onsubmit: (ev) => {
    ev.preventDefault();
    sync();
    refresh();
  } }, h('div', {}, h('label', { for: 'dose' }, t('Dose ({unit})', { unit: units(d.code) })), dose), box,
  h('div', {}, h('label', { for: 'cosign-id' }, t('Co-sign id (high-alert)')), cos),
  h('button', { type: 'submit', class: 'secondary' }, t('Update checks')));
  return h('section', { 'aria-labelledby': 'give-h' }, h('h2', { id: 'give-h' }, t('3. Check and confirm')), keep,
    highAlert(c, r) && !state.cosign ? cosignHere(c, r, state, refresh) : null,
    h('p', {}, t('Before you confirm:')), checksList(c, r, state), give, msg);
}

// cosignHere: the second person's check on this device (issue 51, item
// 3).  They sign in with their own account in a window of its own (a
// step-up sign-in: the nurse giving the dose stays signed in here), see
// what they must check, enter the dose they checked themselves and
// co-sign with their own token; the co-sign id goes into the form by
// itself and their token is dropped.
function cosignHere(c, r, state, refresh) {
  const msg = alertBox();
  const second = state.cosigner;
  if (!second) {
    const open = h('button', { type: 'button', id: 'step-up', class: 'secondary', onclick: () => {
      msg.textContent = '';
      const win = window.open('/console/#/step-up', 'smartmed-step-up', 'popup,width=520,height=680');
      if (!win) {
        msg.textContent = t('The sign-in window was blocked: allow pop-ups for the console, or co-sign on another device.');
        return;
      }
      const got = (ev) => {
        if (ev.origin !== window.location.origin || ev.source !== win || !ev.data || ev.data.kind !== 'smartmed-step-up') return;
        window.removeEventListener('message', got);
        state.cosigner = ev.data.session;
        refresh();
      };
      window.addEventListener('message', got);
    } }, t('Second person: sign in here to co-sign'));
    return h('section', { id: 'cosign-here', 'aria-labelledby': 'cosign-here-h' },
      h('h3', { id: 'cosign-here-h' }, t('Co-sign on this device')),
      h('p', {}, t('A high-alert drug: a second nurse or a pharmacist checks the dose. They sign in with their own account in a window of its own; you stay signed in.')),
      open, msg);
  }
  const d = orderDose(r);
  const di = (r.dosageInstruction || [])[0] || {};
  const dose = h('input', { id: 'cosigner-dose', inputmode: 'decimal', autocomplete: 'off' });
  // The co-signer confirms a dose other than the ordered one with its
  // coded reason, as the nurse does (the nurse's reason offered).
  const dev = deviationBox('cosigner-deviation', dose, d, state.deviation || { code: '', text: '' },
    mark('The dose you checked is not the ordered {ordered} {unit}: why?'));
  const facts = h('ul', { id: 'cosign-facts' },
    h('li', {}, t('Order: {drug}, {dose} {unit}, {route}, {timing}', { drug: drugName(r, c.byId), dose: num(d.value),
      unit: units(d.code), route: d.route, timing: frequencyText(conceptText(di.timing && di.timing.code)) })),
    h('li', {}, t('Dose drawn up by {who}: {dose} {unit}', { who: current() ? current().user : '', dose: num(state.dose),
      unit: units(d.code) })),
    h('li', {}, c.hidden.has('AllergyIntolerance') ? t('Allergies not shown to your role')
      : c.allergies.length ? t('Allergies: {list}', { list: c.allergies.map((a) => conceptText(a.code)).join(', ') })
        : t('No known allergies')),
    h('li', {}, c.hidden.has('Observation') ? t('Weight not shown to your role') : weightText(c.weight)),
    h('li', { id: 'cosign-labs' }, labsFact(c, r)));
  const form = h('form', { class: 'form-row', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      const body = await request('MedicationRequest/' + encodeURIComponent(r.id) + '/$cosign', { method: 'POST', as: second,
        body: cosignBody(c, d, dose, dev.read()) });
      state.cosign = param(body, 'cosign').valueString;
      state.cosignedBy = param(body, 'cosignedBy').valueString;
      state.cosigner = null; // their token is used once, then dropped
      refresh();
    } catch (e) {
      refusal(msg, e, t('Not co-signed'));
    }
  } }, h('div', {}, h('label', { for: 'cosigner-dose' }, t('Dose you checked ({unit})', { unit: units(d.code) })), dose),
  dev.box,
  h('button', { type: 'submit', id: 'cosign-as' }, t('Co-sign as {who}', { who: second.user })),
  h('button', { type: 'button', class: 'secondary', onclick: () => { state.cosigner = null; refresh(); } }, t('Cancel the co-sign')));
  return h('section', { id: 'cosign-here', 'aria-labelledby': 'cosign-here-h' },
    h('h3', { id: 'cosign-here-h' }, t('Co-sign on this device')),
    h('p', { id: 'cosigner' }, t('Second person: {who} ({roles}). Check the order against the dose drawn up, the allergies, the weight and the latest labs; enter the dose you checked yourself.',
      { who: second.user, roles: second.roles.map((x) => t(x)).join(', ') })),
    facts, form, msg);
}

// recordedWords: what was recorded, as dosage answered it: the time, a
// dose still awaiting its second check (status on-hold), a dose other
// than the ordered one with its reason.
function recordedWords(body, d, state) {
  const when = fmtTime(body.effectiveDateTime);
  const given = body.dosage && body.dosage.dose ? body.dosage.dose.value : Number(state.dose);
  let s = t(body.status === 'on-hold' ? 'Dose recorded as given at {when}; it awaits its co-sign.'
    : 'Dose recorded as given at {when}.', { when });
  if (state.deviation && Number(given) !== d.value) {
    s += ' ' + t('Recorded {dose} {unit}, not the ordered {ordered} {unit}: {why}.',
      { dose: num(given), unit: units(d.code), ordered: num(d.value), why: deviationWords(state) });
  }
  return s;
}

// slotsSection: dosage's own state of this order's doses of the last 24
// hours and the next two (its MAR): given, refused or not given and why,
// awaiting a co-sign, due, overdue, missed.
function slotsSection(c, r) {
  const now = Date.now();
  const slots = (c.mar.byOrder.get(r.id) || []).filter((s) => s.t >= now - 864e5 && s.t <= now + 2 * 3600e3);
  return h('section', { 'aria-labelledby': 'slots-h' }, h('h2', { id: 'slots-h' }, t('This order\'s doses (dosage\'s record)')),
    slots.length ? h('ul', { id: 'order-slots', class: 'slots' }, slots.map((s) => h('li', {}, slotCell(s))))
      : h('p', { id: 'order-slots' }, t('No scheduled dose in the last 24 hours.')));
}

// notGivenSection charts a scheduled dose of the last 24 hours (or due
// within two) as not given, with a coded reason.
// The open doses are dosage's (its MAR), never worked out here.
function notGivenSection(c, r, recorded) {
  const now = Date.now();
  const slots = openSlots(c.mar, r.id).filter((t) => t >= now - 864e5 && t <= now + 2 * 3600e3);
  const reason = h('select', { id: 'not-given-reason' }, NOT_GIVEN.map(([code, text]) => h('option', { value: code }, t(text))));
  const when = h('select', { id: 'not-given-slot' }, slots.map((t) => h('option', { value: String(t) }, fmtTime(new Date(t).toISOString(), { weekday: 'short', hour: '2-digit', minute: '2-digit' }))));
  const text = h('input', { id: 'not-given-text', autocomplete: 'off' });
  // A time-critical medicine's omission needs who was told (dosage
  // refuses it without; ignored for other medicines).
  const told = h('input', { id: 'not-given-escalation', autocomplete: 'off' });
  const msg = alertBox();
  const btn = h('button', { type: 'submit', class: 'secondary', disabled: !slots.length }, t('Record not given'));
  const form = h('form', { class: 'form-row', onsubmit: (ev) => {
    ev.preventDefault();
    const label = NOT_GIVEN.find(([code]) => code === reason.value)[1];
    post({ resourceType: 'MedicationAdministration', status: 'not-done',
      statusReason: [{ coding: [{ system: NOT_GIVEN_SYSTEM, code: reason.value, display: label }],
        text: text.value.trim() || label }],
      subject: { reference: 'Patient/' + c.patient.id }, request: { reference: 'MedicationRequest/' + r.id },
      ...(told.value.trim() ? { extension: [ext('escalation-reason', { valueString: told.value.trim() })] } : {}),
      effectiveDateTime: new Date(Number(when.value)).toISOString() }, msg, btn,
    () => recorded(t('Dose of {when} recorded as not given ({why}).',
      { when: fmtTime(new Date(Number(when.value)).toISOString()), why: t(label) })));
  } }, h('div', {}, h('label', { for: 'not-given-slot' }, t('Scheduled dose')), when),
  h('div', {}, h('label', { for: 'not-given-reason' }, t('Reason')), reason),
  h('div', {}, h('label', { for: 'not-given-text' }, t('Note')), text),
  h('div', {}, h('label', { for: 'not-given-escalation' }, t('Time-critical medicine: who was told, what was decided')), told), btn);
  return h('section', { 'aria-labelledby': 'ng-h' }, h('h2', { id: 'ng-h' }, t('Or: not given')),
    slots.length ? form : h('p', {}, t('No scheduled dose is open today.')), msg);
}

export async function giveScreen(pid, orderId) {
  show(t('Give a dose'), h('p', {}, t('Loading…')));
  let c;
  try {
    const now = Date.now();
    let mar;
    [c, mar] = await Promise.all([readChart(pid), readMar(pid, now - 864e5, now + 2 * 3600e3 + 1)]);
    c.mar = mar;
  } catch (e) {
    show(t('Give a dose'), errorBox(e));
    return;
  }
  const r = c.requests.find((x) => x.id === orderId);
  if (!r) {
    show(t('Give a dose'), h('p', { class: 'error', role: 'alert' }, t('No such order for this patient.')));
    return;
  }
  const d = orderDose(r);
  const state = { band: '', stated: '', idMsg: '', identity: null, product: null, dose: d.value, cosign: '', deviation: null };
  const back = h('a', { href: '#/patient/' + pid + '/mar' }, t('Back to the MAR'));
  const recorded = (text) => show(t('Give a dose'), banner(c), h('p', { role: 'status', id: 'recorded' }, '✔ ' + text), back);
  const refresh = () => {
    show(t('Give: {drug}', { drug: drugName(r, c.byId) }), banner(c),
      h('p', {}, num(d.value) + ' ' + units(d.code) + ' ' + d.route + '. ', back),
      slotsSection(c, r), identitySection(c, state, refresh), productSection(state, refresh),
      giveSection(c, r, state, refresh, recorded), notGivenSection(c, r, recorded));
  };
  refresh();
}

export async function cosignScreen(pid, orderId) {
  show(t('Co-sign a dose'), h('p', {}, t('Loading…')));
  let c;
  try {
    c = await readChart(pid);
  } catch (e) {
    show(t('Co-sign a dose'), errorBox(e));
    return;
  }
  const r = c.requests.find((x) => x.id === orderId);
  if (!r) {
    show(t('Co-sign a dose'), h('p', { class: 'error', role: 'alert' }, t('No such order for this patient.')));
    return;
  }
  const d = orderDose(r);
  const dose = h('input', { id: 'cosign-dose', inputmode: 'decimal', value: String(d.value) });
  const dev = deviationBox('cosign-deviation', dose, d, { code: '', text: '' },
    mark('The dose you checked is not the ordered {ordered} {unit}: why?'));
  const out = h('div', { role: 'status' });
  const msg = alertBox();
  const form = h('form', { class: 'form-row', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      const body = await request('MedicationRequest/' + encodeURIComponent(r.id) + '/$cosign', { method: 'POST',
        body: cosignBody(c, d, dose, dev.read()) });
      out.replaceChildren(h('p', {}, t('Co-signed by {who}. Co-sign id for the nurse:', { who: param(body, 'cosignedBy').valueString })),
        h('p', { id: 'cosign-result', class: 'name' }, h('strong', {}, param(body, 'cosign').valueString)));
    } catch (e) {
      refusal(msg, e, t('Not co-signed'));
    }
  } }, h('div', {}, h('label', { for: 'cosign-dose' }, t('Dose you checked ({unit})', { unit: units(d.code) })), dose),
  dev.box, h('button', { type: 'submit' }, t('Co-sign')));
  show(t('Co-sign: {drug}', { drug: drugName(r, c.byId) }), banner(c),
    h('p', {}, t('As the second person, check the drug, the dose and the patient, then co-sign with your own account.')),
    h('p', { id: 'cosign-labs' }, labsFact(c, r)), form, msg, out);
}
