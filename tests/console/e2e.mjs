// e2e.mjs - drives the ward console in Debian's chromium (headless,
// playwright-core: no browser download) through the screens a nurse and
// an auditor use, scans each with axe-core, and saves a screenshot of
// each.  test_console.py starts the stack and the identity provider,
// charts the patient, runs this script and checks what it prints.
//
//   node e2e.mjs SETTINGS.json     (prints one JSON object; exit 1 on a
//                                   failed step, with the step's name)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const require = createRequire(path.join(cfg.modules, 'noop.js'));
const { chromium } = require('playwright-core');
const AXE = path.join(cfg.modules, 'axe-core', 'axe.min.js');
const STEP_MS = 30000;
const out = { steps: [], axe: {}, storage: null, screenshots: [] };

async function axeScan(page, name) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  out.axe[name] = r;
}

async function shot(page, name) {
  const file = path.join(cfg.screenshots, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  out.screenshots.push(file);
}

async function step(name, fn) {
  try {
    await fn();
    out.steps.push(name);
  } catch (e) {
    out.failed = { step: name, error: String(e && e.message ? e.message : e).slice(0, 2000) };
    throw e;
  }
}

async function newContext(browser) {
  // The development CA signs the facade's and the provider's certificates;
  // axe is injected as a script, which the console's CSP would refuse.
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true,
    viewport: { width: 820, height: 1180 } });
  ctx.setDefaultTimeout(STEP_MS);
  return ctx;
}

async function signIn(page, user, password) {
  await page.goto(cfg.console);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function run(browser) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await step('sign-in screen', async () => {
    await page.goto(cfg.console);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await axeScan(page, 'signin');
    await shot(page, 'console-signin');
  });
  await step('wrong password refused', async () => {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('User name').fill(cfg.nurse.user);
    await page.getByLabel('Password').fill('not-' + cfg.nurse.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Unknown user name or wrong password.').waitFor();
  });
  await step('nurse signs in', async () => {
    await page.getByLabel('User name').fill(cfg.nurse.user);
    await page.getByLabel('Password').fill(cfg.nurse.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Ward list' }).waitFor();
    const who = await page.locator('#who').textContent();
    if (!who.includes(cfg.nurse.user) || !who.includes('nurse')) throw new Error('header says ' + who);
  });
  await step('ward list', async () => {
    await page.getByLabel('MRN, wristband or patient id').fill(cfg.patient.id);
    await page.getByRole('button', { name: 'Add to my list' }).click();
    const row = page.locator('#ward-table tbody tr').first();
    await row.getByRole('link', { name: cfg.patient.name }).waitFor();
    out.wardRow = (await row.locator('td, th').allTextContents()).map((s) => s.trim());
    await axeScan(page, 'ward');
    await shot(page, 'console-ward');
  });
  await step('unknown patient refused', async () => {
    await page.getByLabel('MRN, wristband or patient id').fill('no-such-patient');
    await page.getByRole('button', { name: 'Add to my list' }).click();
    out.unknownPatient = (await page.locator('main p[role="alert"]').first().textContent({ timeout: STEP_MS })).trim();
    if (out.unknownPatient === '') {
      await page.waitForFunction(() => document.querySelector('main p[role="alert"]').textContent !== '');
      out.unknownPatient = (await page.locator('main p[role="alert"]').first().textContent()).trim();
    }
  });
  await step('MAR', async () => {
    await page.getByRole('link', { name: cfg.patient.name }).click();
    await page.locator('#mar-table').waitFor();
    out.banner = (await page.getByLabel('Patient banner').textContent()).trim();
    out.mar = (await page.locator('#mar-table tbody tr').allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
    await axeScan(page, 'mar');
    await shot(page, 'console-mar');
  });
  await step('vital signs', async () => {
    await page.getByRole('link', { name: 'Vital signs' }).click();
    await page.locator('figure.chart svg').first().waitFor();
    out.charts = await page.locator('figure.chart').evaluateAll((figs) => figs.map((f) => ({
      code: f.dataset.code, caption: f.querySelector('figcaption').textContent,
      points: f.querySelectorAll('svg circle').length,
      band: f.querySelector('svg rect.band') ? f.querySelector('svg rect.band').dataset.range : null })));
    await axeScan(page, 'vitals');
    await shot(page, 'console-vitals');
  });
  await step('nothing in browser storage', async () => {
    out.storage = await page.evaluate(async () => ({
      local: localStorage.length, session: sessionStorage.length,
      idb: indexedDB.databases ? (await indexedDB.databases()).length : 0,
      cookies: document.cookie }));
  });
  await step('keyboard reaches the screens', async () => {
    // A reload drops the tokens (memory only); the provider's own
    // session signs the nurse in again without a password.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      out.focusAfterTabs = await page.evaluate(() => document.activeElement.textContent.trim());
      if (out.focusAfterTabs === 'Sign in') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Ward list' }).waitFor();
  });
  await step('sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
  await ctx.close();

  const actx = await newContext(browser);
  const apage = await actx.newPage();
  await step('auditor signs in', async () => {
    await signIn(apage, cfg.auditor.user, cfg.auditor.password);
    await apage.getByRole('heading', { name: 'Ward list' }).waitFor();
  });
  await step('audit review', async () => {
    await apage.getByRole('link', { name: 'Audit review' }).click();
    await apage.getByRole('heading', { name: 'Audit review' }).waitFor();
    await apage.locator('#audit-unavailable, #audit-patient').first().waitFor();
    out.audit = (await apage.locator('main').textContent()).replace(/\s+/g, ' ').trim();
    await axeScan(apage, 'audit');
    await shot(apage, 'console-audit');
  });
  await step('auditor reads no chart', async () => {
    await apage.evaluate((id) => { window.location.hash = '#/patient/' + id + '/mar'; }, cfg.patient.id);
    out.auditorChart = (await apage.locator('main [role="alert"]').first().textContent()).trim();
  });
  await actx.close();
}

const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
let rc = 0;
try {
  await run(browser);
} catch (e) {
  rc = 1;
} finally {
  await browser.close();
}
fs.writeFileSync(path.join(cfg.screenshots, 'report.json'), JSON.stringify(out, null, 1));
console.log(JSON.stringify(out));
process.exit(rc);
