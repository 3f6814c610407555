// devidp.mjs - the development OpenID Connect provider of make run and the
// console tests (oidc-provider, pinned in package-lock.json): users sign in
// with a name and password from a users file, and the ward console gets
// RS256 access tokens (JWT, typ at+jwt) carrying the claims the services
// read (docs/security.md: iss, aud, exp, preferred_username, roles, units),
// by authorization code with PKCE.  Development only: users, passwords and
// the signing key are files of the development stack, sessions live in
// memory, and consent is implied for the one first-party client.
//
//   node devidp.mjs CONFIG.json
//
// CONFIG: {"modules": the node_modules folder make deps filled
//   ($BUILD/npm/devidp/node_modules: ES modules ignore NODE_PATH), "port": 8444, "host": "127.0.0.1", "issuer": "https://localhost:8444",
//   "tls_cert": PEM file, "tls_key": PEM file, "signing_key": PEM file
//   (RSA, kid "devidp-1" unless "kid" says), "audience": MED_JWT_AUDIENCE,
//   "resource": the FHIR base URL, "client_id": "smartmed-console",
//   "redirect_uris": [...], "users": {"nurse.dev": {"password": "...",
//   "roles": ["nurse"], "units": ["ward-3"], "name": "..."}}}
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SCOPE = 'user/*.cruds';
const ACCESS_TOKEN_TTL_S = 15 * 60;

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const users = config.users;
const { default: Provider } = await import(pathToFileURL(
  path.join(config.modules, 'oidc-provider', 'lib', 'index.js')).href);

function signingJwk() {
  const pem = fs.readFileSync(config.signing_key, 'utf8');
  const jwk = crypto.createPrivateKey(pem).export({ format: 'jwk' });
  return { ...jwk, kid: config.kid || 'devidp-1', alg: 'RS256', use: 'sig' };
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The first-party console needs no consent screen: its grant is made at
// sign-in with the OpenID scopes and the FHIR scope.
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId
    || oidc.session.grantIdFor(oidc.client.clientId);
  if (grantId) return oidc.provider.Grant.find(grantId);
  const grant = new oidc.provider.Grant({
    clientId: oidc.client.clientId, accountId: oidc.session.accountId,
  });
  grant.addOIDCScope('openid profile');
  grant.addResourceScope(config.resource, SCOPE);
  await grant.save();
  return grant;
}

const provider = new Provider(config.issuer, {
  clients: [{
    client_id: config.client_id,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: config.redirect_uris,
    // The console ends the provider's session after a second person's
    // step-up sign-in (a co-sign on the nurse's device), so that a
    // reload does not sign the second person in on that device.
    post_logout_redirect_uris: config.redirect_uris,
  }],
  jwks: { keys: [signingJwk()] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  scopes: ['openid', 'profile'],
  pkce: { required: () => true },
  // A shift's session; tokens short, so that a lost tablet's token is
  // soon worthless (the console signs in again through the session).
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL_S, AuthorizationCode: 60, IdToken: ACCESS_TOKEN_TTL_S,
    Interaction: 10 * 60, Grant: 12 * 3600, Session: 12 * 3600,
  },
  clientBasedCORS(ctx, origin, client) {
    return client.redirectUris.some((u) => new URL(u).origin === origin);
  },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(users, id)) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: users[id].name || id };
      },
    };
  },
  loadExistingGrant,
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => config.resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resource) => {
        if (resource !== config.resource) throw new Provider.errors.InvalidTarget();
        return {
          scope: SCOPE,
          audience: config.audience,
          accessTokenTTL: ACCESS_TOKEN_TTL_S,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // The services read the user, roles and units from the access token.
  async extraTokenClaims(ctx, token) {
    const u = users[token.accountId];
    if (token.kind !== 'AccessToken' || u === undefined) return undefined;
    return {
      preferred_username: token.accountId,
      roles: u.roles || [],
      ...(u.units && u.units.length ? { units: u.units } : {}),
    };
  },
});

// The sign-in page's words (issue 77, item 3): English, or Simplified
// Chinese for a nurse whose console or browser asks for it.
const WORDS = {
  'en-GB': {
    title: 'Sign in - smartmed development identity provider', h1: 'Sign in',
    warn: 'Development identity provider: not for patient care.', user: 'User name',
    password: 'Password', submit: 'Sign in', wrong: 'Unknown user name or wrong password.',
    langs: 'Language',
  },
  'zh-CN': {
    title: '登录 - smartmed 开发用身份提供方', h1: '登录',
    warn: '开发用身份提供方：不得用于患者诊疗。', user: '用户名',
    password: '密码', submit: '登录', wrong: '用户名不存在或密码错误。',
    langs: '语言',
  },
};
const LANG_NAMES = { 'en-GB': 'English', 'zh-CN': '简体中文' };

// localeOf: the page's language for one BCP 47 tag, as the console reads
// a browser's (zh, zh-CN, zh-Hans, zh-SG: Simplified Chinese), or null.
function localeOf(tag) {
  const low = String(tag || '').trim().toLowerCase();
  if (low === 'zh' || low.startsWith('zh-cn') || low.startsWith('zh-hans') || low.startsWith('zh-sg')) return 'zh-CN';
  return low.startsWith('en') ? 'en-GB' : null;
}

// pageLang: the user's switch (?lang=, or the form's lang), then the
// client's ui_locales (the console's language), then the browser's
// Accept-Language in its q order; English when none is known.
function pageLang(req, details, form) {
  const asked = new URL(req.url, config.issuer).searchParams.get('lang') || (form && form.get('lang'));
  const accept = String(req.headers['accept-language'] || '').split(',')
    .map((p, i) => { const [tag, q] = p.split(';q='); return { tag, q: q === undefined ? 1 : Number(q), i }; })
    .sort((a, b) => b.q - a.q || a.i - b.i).map((x) => x.tag);
  const tags = [asked, ...String(details.params.ui_locales || '').split(/\s+/), ...accept];
  for (const tag of tags) if (localeOf(tag)) return localeOf(tag);
  return 'en-GB';
}

function langSwitch(uid, lang) {
  const links = Object.keys(WORDS).map((l) => (l === lang ? `<span lang="${l}">${LANG_NAMES[l]}</span>`
    : `<a lang="${l}" hreflang="${l}" href="/interaction/${escapeHtml(uid)}?lang=${l}">${LANG_NAMES[l]}</a>`));
  return `<nav aria-label="${WORDS[lang].langs}">${links.join(' · ')}</nav>`;
}

function loginPage(uid, lang, message) {
  const w = WORDS[lang];
  const err = message ? `<p role="alert" class="error">${escapeHtml(message)}</p>` : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${w.title}</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:3rem auto;color:#111}
label{display:block;margin-top:1rem}input{font-size:1rem;padding:.4rem;width:100%}
button{margin-top:1.2rem;font-size:1rem;padding:.5rem 1.2rem;background:#0b4f8a;color:#fff;border:0}
.error{color:#a00000}nav{text-align:right}a{color:#0b4f8a}</style></head><body>${langSwitch(uid, lang)}<main>
<h1>${w.h1}</h1><p>${w.warn}</p>${err}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<input type="hidden" name="lang" value="${lang}">
<label for="username">${w.user}</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">${w.password}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">${w.submit}</button></form></main></body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 8192) reject(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

function passwordOk(user, password) {
  if (!Object.hasOwn(users, user)) return false;
  const want = Buffer.from(String(users[user].password));
  const got = Buffer.from(String(password));
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch');
  if (action === undefined) return send(res, 200, loginPage(uid, pageLang(req, details)));
  const form = await readForm(req);
  const user = form.get('username') || '';
  if (!passwordOk(user, form.get('password') || '')) {
    const lang = pageLang(req, details, form);
    return send(res, 401, loginPage(uid, lang, WORDS[lang].wrong));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user } },
    { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = https.createServer({
  cert: fs.readFileSync(config.tls_cert), key: fs.readFileSync(config.tls_key),
}, (req, res) => {
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?$/.exec(req.url.split('?')[0]);
  if (m === null) return callback(req, res);
  return interaction(req, res, m[1], m[2]).catch((e) => {
    console.error(`devidp: interaction: ${e.message}`);
    if (!res.headersSent) send(res, 400, `Sign-in failed: ${escapeHtml(e.message)}`);
  });
});
server.listen(config.port, config.host || '127.0.0.1', () => {
  console.log(`devidp: issuer ${config.issuer} listening`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
