// Browser journey with a passkey in Debian's Chromium, whose WebAuthn
// authenticator is the DevTools protocol's virtual one (CTAP2, internal,
// resident keys, user verification). A supervisor, whose role must use a
// passkey, signs in with TOTP and is sent to register one; then signs in
// with password and passkey, and TOTP alone is refused. The page runs
// under Vigie's real CSP (no bypass): the ceremony's script must be the
// static file. axe-core checks WCAG 2.1 A/AA on every passkey page.
// Usage: node passkey.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { totp } from './totp.mjs';

const [base, email, password, secret] = process.argv.slice(2);
if (!secret) {
  console.error('usage: node passkey.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET');
  process.exit(2);
}
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
const problems = [];
page.on('dialog', async (d) => { problems.push(`a dialog opened: ${d.message()}`); await d.dismiss(); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
// A refused sign-in answers 401 and Chromium asks for /favicon.ico: those
// are not faults; a script or style that does not load, or the CSP
// refusing anything, is.
page.on('console', (m) => {
  if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console error: ${m.text()}`);
});
page.on('response', (r) => {
  if (r.url().includes('/static/') && r.status() !== 200) problems.push(`${r.url()} answered ${r.status()}`);
});

// axe goes in through the DevTools protocol, which the CSP does not
// govern, so that the page keeps its real policy.
async function audit(name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  for (const v of result.violations) {
    problems.push(`${name}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  }
  console.log(`${name}: ${result.violations.length} violations, ${result.passes.length} rules passed`);
}

async function signIn(code) {
  await page.goto(base + '/w/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', code);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
}

async function signOut() {
  await Promise.all([page.waitForNavigation(), page.click('header form[action="/w/logout"] button')]);
}

try {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });

  // TOTP signs the supervisor in, but only to register a passkey.
  await page.goto(base + '/w/login');
  await audit('login');
  await signIn(totp(secret));
  if (!page.url().includes('/w/passkeys')) problems.push(`after a TOTP sign-in without a passkey: ${page.url()}`);
  if (!(await page.isVisible('#passkey-required'))) problems.push('the passkeys page does not say a passkey is required');
  await audit('passkeys (required)');
  await page.goto(base + '/w/queue');
  if (!page.url().includes('/w/passkeys')) problems.push(`the queue was reached without a passkey: ${page.url()}`);

  // Registration: the name, then the authenticator.
  await page.fill('#passkey-name', 'Clé virtuelle <b>1</b>');
  await Promise.all([page.waitForURL('**/w/passkeys?done=passkey_added', { timeout: 15000 }), page.click('#passkey-add')]);
  const listed = await page.textContent('#passkeys');
  if (!listed.includes('Clé virtuelle <b>1</b>')) problems.push(`the passkeys list shows "${listed}"`);
  await audit('passkeys (one registered)');
  await page.goto(base + '/w/passkeys?lang=en');
  await audit('passkeys (en)');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  if (credentials.length !== 1 || !credentials[0].isResidentCredential) {
    problems.push(`the authenticator holds ${JSON.stringify(credentials)}`);
  }
  await page.goto(base + '/w/queue');
  if (!page.url().includes('/w/queue')) problems.push(`with a passkey, the queue is still closed: ${page.url()}`);
  await signOut();

  // Password, then passkey.
  await page.goto(base + '/w/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  if (!(await page.isVisible('#passkey-use'))) problems.push(`no passkey step after the password: ${page.url()}`);
  await audit('passkey step');
  await Promise.all([page.waitForURL('**/w/queue', { timeout: 15000 }), page.click('#passkey-use')]);
  await audit('queue after a passkey sign-in');
  const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  if (after.credentials[0].signCount < 1) problems.push(`sign count after a sign-in: ${after.credentials[0].signCount}`);
  await signOut();

  // TOTP alone no longer signs this account in.
  await signIn(totp(secret, Date.now() + 30000));
  if (!(await page.isVisible('#error'))) problems.push(`TOTP alone signed in a supervisor with a passkey: ${page.url()}`);
  await audit('login refused');

  // With a passkey, TOTP can go, and the page then offers a new seed.
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', '');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  await Promise.all([page.waitForURL('**/w/queue', { timeout: 15000 }), page.click('#passkey-use')]);
  await page.goto(base + '/w/passkeys');
  await Promise.all([page.waitForURL('**/w/passkeys?done=totp_removed', { timeout: 15000 }), page.click('form[action="/w/totp/remove"] button')]);
  if (!(await page.isVisible('#totp-add'))) problems.push('no TOTP offer once TOTP was removed');
  await audit('passkeys (TOTP off, offered)');
} catch (e) {
  problems.push(`journey broke: ${e.message}`);
}
await browser.close();
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('passkey journey: ok');
