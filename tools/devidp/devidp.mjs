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

function loginPage(uid, message) {
  const err = message ? `<p role="alert" class="error">${escapeHtml(message)}</p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - smartmed development identity provider</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:3rem auto;color:#111}
label{display:block;margin-top:1rem}input{font-size:1rem;padding:.4rem;width:100%}
button{margin-top:1.2rem;font-size:1rem;padding:.5rem 1.2rem;background:#0b4f8a;color:#fff;border:0}
.error{color:#a00000}</style></head><body><main>
<h1>Sign in</h1><p>Development identity provider: not for patient care.</p>${err}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>`;
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
  if (action === undefined) return send(res, 200, loginPage(uid));
  const form = await readForm(req);
  const user = form.get('username') || '';
  if (!passwordOk(user, form.get('password') || '')) {
    return send(res, 401, loginPage(uid, 'Unknown user name or wrong password.'));
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
