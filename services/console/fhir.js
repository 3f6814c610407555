// fhir.js - the console's one way to the FHIR API (standard R4 REST with
// the user's bearer token): each refusal becomes an Error whose message
// is the OperationOutcome's words, and a lost session or an unreachable
// API says so plainly.
import { current } from './auth.js';
import { t } from './messages.js';

// FhirError: the refusal's words, its HTTP status, and its code when the
// facade names one (issue.details, system urn:smartmed:refusal).
export class FhirError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code || '';
  }
}

let base = '/fhir';

export function setBase(path) {
  base = path;
}

// outcomeCode: the refusal's code in an OperationOutcome, '' for none.
export function outcomeCode(body) {
  for (const i of (body && body.issue) || []) {
    const c = ((i.details && i.details.coding) || []).find((x) => x.system === 'urn:smartmed:refusal');
    if (c && c.code) return c.code;
  }
  return '';
}

// outcomeText: an OperationOutcome's words, its issues joined.
export function outcomeText(body) {
  const issues = (body && body.issue) || [];
  const words = issues.map((i) => i.diagnostics || (i.details && i.details.text) || i.code);
  return words.filter(Boolean).join('; ');
}

// request: options.method, options.body; options.as, another signed-in
// person's session (a co-signer's step-up sign-in) to send instead of
// the tab's.
export async function request(path, options = {}) {
  const s = options.as || current();
  if (s === null) throw new FhirError(t('Your session has ended: sign in again.'), 401);
  const headers = { Accept: 'application/fhir+json', Authorization: 'Bearer ' + s.token };
  if (options.body !== undefined) headers['Content-Type'] = 'application/fhir+json';
  let r;
  try {
    r = await fetch(base + '/' + path, { method: options.method || 'GET', headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body), cache: 'no-store' });
  } catch (e) {
    throw new FhirError(t('The FHIR API cannot be reached: nothing was changed. Try again.'), 0);
  }
  const body = await r.json().catch(() => null);
  if (r.status === 401) throw new FhirError(t('Your session has ended: sign in again.'), 401);
  if (!r.ok) {
    throw new FhirError(outcomeText(body) || t('The FHIR API answered {status}', { status: r.status }), r.status,
      outcomeCode(body));
  }
  return body;
}

// search reads every page of a search (following the Bundle's next links,
// which stay on the facade's base) up to max resources.
export async function search(path, max = 500) {
  const out = [];
  let next = path;
  while (next !== null && out.length < max) {
    const b = await request(next);
    for (const e of b.entry || []) if (e.resource) out.push(e.resource);
    const link = (b.link || []).find((l) => l.relation === 'next');
    next = link ? link.url.slice(link.url.indexOf(base + '/') + base.length + 1) : null;
  }
  return out;
}
