// Browser journey of a destination's user in Debian's Chromium: sign in
// with TOTP, open the case referred to the service, acknowledge it and
// report the outcome; axe-core checks WCAG 2.1 A/AA on each page.
// Usage: node destination.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET CASE_ID
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { totp } from './totp.mjs';

const [base, email, password, secret, caseID] = process.argv.slice(2);
if (!caseID) {
  console.error('usage: node destination.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET CASE_ID');
  process.exit(2);
}
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ bypassCSP: true });
const problems = [];
page.on('dialog', async (d) => { problems.push(`a script ran and opened a dialog: ${d.message()}`); await d.dismiss(); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

async function audit(name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  for (const v of result.violations) {
    problems.push(`${name}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  }
  console.log(`${name}: ${result.violations.length} violations, ${result.passes.length} rules passed`);
}

try {
  await page.goto(base + '/w/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', totp(secret));
  await page.click('button[type=submit]');
  await page.waitForURL('**/w/inbox', { timeout: 15000 });
  await audit('inbox');
  await page.click(`a[href="/w/inbox/${caseID}"]`);
  await page.waitForSelector('#referral-status', { timeout: 15000 });
  await audit('referred case');
  await page.click('#acknowledge');
  await page.waitForSelector('#referral-status', { timeout: 15000 });
  const acknowledged = await page.textContent('#referral-status');
  if (!acknowledged.includes('Prise en compte')) problems.push(`after acknowledging: "${acknowledged}"`);
  await page.fill('#outcome-text', 'Enquête ouverte <img src=x onerror=alert(9)>');
  await page.click('#outcome-submit');
  await page.waitForSelector('#referral-status', { timeout: 15000 });
  const done = await page.textContent('#referral-status');
  if (!done.includes('Suite connue')) problems.push(`after the outcome: "${done}"`);
  await audit('case with outcome');
  await page.goto(base + '/w/queue');
  if (!(await page.textContent('#error')).length) problems.push('a destination user reached the queue');
} catch (e) {
  problems.push(`journey broke: ${e.message}`);
}
await browser.close();
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('destination journey: ok');
