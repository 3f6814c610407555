// messages.js - what a refusal means to a nurse (issue 51, item 2): each
// refusal the services give is keyed by its problem (the service's field
// and the rule it broke, never the English text), and the catalogue says
// what happened and what to do; the service's own words stay behind a
// "details" toggle for IT.  units() writes UCUM units as people write
// them.
//
// The facade hands over a refusal as OperationOutcome diagnostics:
// "<FHIR element>: <check>: dosage refused it: <field>: <words>" (a
// write), or "<service>: <field>: <words>" (a read).  problemOf finds the
// field after the service's name and the rule among the words.

// RULES: the problem keys, most specific first: the service's field, and
// for a field that carries several rules (dose: the hard stops) a test
// of the rule's words.
const RULES = [
  ['patient-died', (f, w) => /\bpatient (has )?died\b/.test(w)],
  ['allergies-not-assessed', (f, w) => /allergies not assessed/.test(w)],
  ['allergy', (f, w) => f === 'dose' && /\ballerg/.test(w)],
  ['interaction', (f, w) => f === 'dose' && /\binteraction\b/.test(w)],
  ['dose-not-ordered', (f, w) => (f === 'dose' && /not the ordered dose/.test(w)) || f === 'dose_deviation'],
  ['weight-missing', (f, w) => f === 'weight_kg' || /no weight is recorded/.test(w)],
  ['cosign-needed', (f) => f === 'cosign_id' || f === 'cosign_override'],
  ['identity-not-verified', (f) => f === 'verification_token' || f === 'identity_override'],
  ['wrong-product', (f) => f === 'product_scan' || f === 'scan_override'],
  ['dose-check', (f) => f === 'dose' || f === 'dose_override'],
];

// CATALOGUE: per problem, what happened and what to do.
export const CATALOGUE = {
  'patient-died': ['The patient has died.', 'No dose is given or charted after a death. Check the patient banner and speak to the nurse in charge.'],
  'allergies-not-assessed': ['This patient\'s allergies have not been assessed, so a first dose cannot be given.',
    'Ask the prescriber or pharmacist to record the allergies (or "no known allergies"), then try again.'],
  allergy: ['The patient is allergic to this drug or its class.', 'Do not give it. Tell the prescriber: they may change the order or, if they decide to, override the stop.'],
  interaction: ['This drug interacts seriously with another drug the patient is on.', 'Do not give it. Ask the prescriber or pharmacist what to do.'],
  'dose-not-ordered': ['The dose you entered is not the ordered dose.', 'Give the ordered dose, or choose a reason for giving a different one.'],
  'weight-missing': ['No weight is recorded, and this dose depends on the weight.', 'Weigh the patient and record the weight, then try again.'],
  'cosign-needed': ['This is a high-alert drug: a second person must check the dose first.', 'Ask a second nurse or a pharmacist to co-sign, then record the dose.'],
  'identity-not-verified': ['The patient\'s identity was not confirmed for this dose.', 'Check the patient again by face or wristband, then record the dose.'],
  'wrong-product': ['The scanned product is not the drug that was ordered.', 'Do not give it. Take the ordered product and scan it.'],
  'dose-check': ['The dose checks stopped this dose.', 'Do not give it. Open the details and ask the prescriber or pharmacist.'],
  offline: ['The hospital system cannot be reached. Nothing was recorded.', 'Check the network and try again.'],
  session: ['Your session has ended.', 'Sign in again.'],
  forbidden: ['Your role may not do this.', 'Ask a colleague whose role allows it.'],
  'not-found': ['The record was not found, or is not one of your patients.', 'Check the MRN or the wristband.'],
  unknown: ['The system refused this.', 'Show the details to IT.'],
};

// problemOf: the problem key of an error (a FhirError's message and
// status), and the service's field it was read from.
export function problemOf(e) {
  const status = e && e.status;
  const text = String((e && e.message) || '');
  if (status === 0) return { key: 'offline', field: '' };
  if (status === 401) return { key: 'session', field: '' };
  const m = /(?:refused it|dosage|identity|records): ([a-z_]+)[:.] ?(.*)$/s.exec(text);
  const field = m ? m[1] : '';
  const words = m ? m[2] : text;
  for (const [key, test] of RULES) if (test(field, words)) return { key, field };
  if (status === 403) return { key: 'forbidden', field };
  if (status === 404) return { key: 'not-found', field };
  return { key: 'unknown', field };
}

// problemBox: the nurse's words for an error, headed by lead ("Not
// recorded"), with the raw detail and the problem's code behind
// "details".  An unknown problem says so, with its code for IT.
export function problemBox(e, lead) {
  const p = problemOf(e);
  const [what, todo] = CATALOGUE[p.key] || CATALOGUE.unknown;
  const box = document.createElement('div');
  box.setAttribute('role', 'alert');
  box.className = 'error problem';
  box.dataset.problem = p.key;
  const head = document.createElement('p');
  head.append(document.createTextNode((lead ? lead + ': ' : '') + what));
  const next = document.createElement('p');
  next.append(document.createTextNode(todo));
  const more = document.createElement('details');
  const sum = document.createElement('summary');
  sum.textContent = 'Details';
  const raw = document.createElement('p');
  raw.textContent = 'Problem ' + p.key + (p.field ? ' (' + p.field + ')' : '')
    + (e && e.status !== undefined ? ', HTTP ' + e.status : '') + ': ' + String((e && e.message) || '');
  more.append(sum, raw);
  box.append(head, next, more);
  return box;
}

// UNITS: UCUM codes as a chart writes them.
const UNITS = { '[iU]': 'units', '[IU]': 'units', Cel: '°C', 'mm[Hg]': 'mmHg', '/min': '/min', '%': '%',
  '[iU]/h': 'units/h', '[iU]/mL': 'units/mL', '[iU]/kg': 'units/kg', '{tbl}': 'tablet', 'kg': 'kg' };

// units: a UCUM unit as people write it ("[iU]" -> "units"); an unknown
// one as it is, its brackets dropped.
export function units(u) {
  if (!u) return '';
  if (UNITS[u] !== undefined) return UNITS[u];
  return String(u).replace(/\[iU\]/g, 'units').replace(/\[([^\]]*)\]/g, '$1');
}
