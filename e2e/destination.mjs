// Browser journey of a destination's user in Debian's Chromium: sign in
// with TOTP, open the case referred to the service, acknowledge it and
// report the outcome; axe-core checks WCAG 2.1 A/AA on each page.
// Usage: node destination.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET CASE_ID
import { open } from './browser.mjs';
import { totp } from './totp.mjs';

const [base, email, password, secret, caseID] = process.argv.slice(2);
if (!caseID) {
  console.error('usage: node destination.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET CASE_ID');
  process.exit(2);
}
const { page, problems, audit, finish } = await open();

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
await finish('destination journey: ok');
