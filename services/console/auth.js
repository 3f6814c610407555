// auth.js - sign-in by OpenID Connect authorization code with PKCE
// (RFC 7636) against the issuer of config.json.  The access token lives in
// this module's memory only: a reload or a closed tab signs the user out
// of the console (the provider's own session may sign them in again
// without a password).  sessionStorage holds the PKCE verifier and state
// across the provider's redirect, nothing else, and only until the code
// is exchanged.
import { t } from './messages.js';

const PENDING = 'smartmed.console.pkce';
const SCOPE = 'openid profile user/*.cruds';

let session = null; // {token, user, roles, units, exp_s}

function b64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText() {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

function redirectUri() {
  return window.location.origin + '/console/';
}

// smartEndpoints reads the FHIR server's SMART configuration
// (/.well-known/smart-configuration); null when it names no endpoints.
async function smartEndpoints(config) {
  try {
    const r = await fetch(config.fhirBase + '/.well-known/smart-configuration');
    const d = r.ok ? await r.json() : {};
    return d.authorization_endpoint && d.token_endpoint ? d : null;
  } catch (e) {
    return null;
  }
}

// discover finds the authorization and token endpoints: the FHIR
// server's SMART configuration when it names them, else the issuer's
// OpenID Connect discovery document.
async function discover(config) {
  const smart = await smartEndpoints(config);
  if (smart !== null) return smart;
  let r;
  try {
    r = await fetch(config.issuer + '/.well-known/openid-configuration');
  } catch (e) {
    throw new Error(t('The sign-in service ({issuer}) cannot be reached.', { issuer: config.issuer }));
  }
  if (!r.ok) throw new Error(t('The sign-in service answered {status}.', { status: r.status }));
  return r.json();
}

function claimsOf(token) {
  const part = token.split('.')[1] || '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(json);
}

// signIn sends the user to the provider; lang, the console's language,
// comes back with the PKCE state (pendingLocale).  stepUp: a second
// person's sign-in for a co-sign (issue 51, item 3), made in a window of
// its own: the provider asks for a password whatever its session
// (prompt=login, max_age=0), and the answer is handed to the window that
// opened it instead of becoming this tab's session.
export async function signIn(config, lang, stepUp = false) {
  const meta = await discover(config);
  const verifier = randomText();
  const state = randomText();
  const challenge = b64url(await crypto.subtle.digest('SHA-256',
    new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, lang, stepUp }));
  const q = new URLSearchParams({
    response_type: 'code', client_id: config.clientId, redirect_uri: redirectUri(),
    scope: SCOPE, state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  // The provider's sign-in page in the console's language (OpenID
  // Connect's ui_locales; a provider that has not the language ignores it).
  if (lang) q.set('ui_locales', lang);
  if (stepUp) {
    q.set('prompt', 'login');
    q.set('max_age', '0');
  }
  window.location.assign(meta.authorization_endpoint + '?' + q.toString());
}

// STEP_UP_DONE: the state the provider sends back after it ended a
// step-up's session (endProviderSession).
export const STEP_UP_DONE = 'step-up-done';

// endProviderSession ends the provider's own session in this browser
// (OpenID Connect RP-initiated logout; the provider may ask to confirm),
// then comes back to the console with STEP_UP_DONE.  After a second
// person's step-up sign-in that session is theirs: left open, a reload
// of the console on this device would sign them in without a password.
// false: the provider names no end-session endpoint.
export async function endProviderSession(config) {
  let meta = {};
  try {
    const r = await fetch(config.issuer + '/.well-known/openid-configuration');
    meta = r.ok ? await r.json() : {};
  } catch (e) {
    return false;
  }
  if (!meta.end_session_endpoint) return false;
  const q = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: redirectUri(),
    state: STEP_UP_DONE });
  window.location.assign(meta.end_session_endpoint + '?' + q.toString());
  return true;
}

// pendingLocale: the language the user had chosen before the provider's
// sign-in page, while its answer is still to be exchanged; else null.
export function pendingLocale() {
  try {
    const p = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
    return p && typeof p.lang === 'string' ? p.lang : null;
  } catch (e) {
    return null;
  }
}

// finishSignIn exchanges ?code= for tokens when the provider sent the user
// back; returns true when a session was made, { stepUp: session } when
// the sign-in was a second person's (the tab's session untouched), false
// when there was nothing to exchange.
export async function finishSignIn(config) {
  const q = new URLSearchParams(window.location.search);
  if (!q.has('code') && !q.has('error')) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  window.history.replaceState(null, '', '/console/#/ward');
  if (q.has('error')) throw new Error(t('Sign-in refused: {why}', { why: q.get('error_description') || q.get('error') }));
  if (pending === null || pending.state !== q.get('state')) {
    throw new Error(t('Sign-in answer did not match this tab\'s request: sign in again.'));
  }
  const meta = await discover(config);
  const body = new URLSearchParams({
    grant_type: 'authorization_code', code: q.get('code'), redirect_uri: redirectUri(),
    client_id: config.clientId, code_verifier: pending.verifier,
  });
  const r = await fetch(meta.token_endpoint, { method: 'POST', body });
  const tok = await r.json().catch(() => ({}));
  if (!r.ok || !tok.access_token) {
    throw new Error(t('Sign-in failed: {why}', { why: tok.error_description || tok.error || r.status }));
  }
  const c = claimsOf(tok.access_token);
  const units = c.units === undefined ? [] : [].concat(c.units);
  const made = { token: tok.access_token, user: c.preferred_username || c.sub,
    roles: [].concat(c.roles || []), units, exp_s: c.exp };
  if (pending.stepUp) return { stepUp: made };
  session = made;
  return true;
}

export function current() {
  if (session !== null && session.exp_s * 1000 <= Date.now()) session = null;
  return session;
}

export function signOut() {
  session = null;
}
