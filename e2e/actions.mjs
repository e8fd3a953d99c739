// Counts the human actions (clicks, submits, keys) of two journeys in
// Debian's Chromium (issue 12's figure):
//  - an analyst takes a campaign of reports from the queue to a case
//    referred to the service the rules propose;
//  - that service's user acknowledges it from the inbox.
// Signing in is not counted. Usage:
//   node actions.mjs BASE ANALYST SECRET DEST_USER DEST_SECRET PASSWORD CAMPAIGN_SIZE MAX_ACTIONS
import { open } from './browser.mjs';
import { totp } from './totp.mjs';

const [base, analyst, analystSecret, dest, destSecret, password, size, maxActions] = process.argv.slice(2);
if (!maxActions) {
  console.error('usage: node actions.mjs BASE ANALYST SECRET DEST_USER DEST_SECRET PASSWORD CAMPAIGN_SIZE MAX_ACTIONS');
  process.exit(2);
}
const { page, problems, audit, finish } = await open();
let actions = 0;
const act = async (selector) => {
  actions++;
  await Promise.all([page.waitForLoadState('load'), page.click(selector)]);
  await page.waitForLoadState('load');
};
const signIn = async (email, secret, landing) => {
  await page.goto(base + '/w/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', totp(secret));
  await page.click('button[type=submit]');
  await page.waitForURL(landing, { timeout: 15000 });
};

try {
  await signIn(analyst, analystSecret, '**/w/queue');
  // From the first view of the queue: open a report of the campaign.
  await act('table.queue tbody tr a[href^="/w/reports/"]');
  await page.waitForSelector('#cluster-create', { timeout: 15000 });
  const proposed = await page.$$eval('input[name=report][id^="cl-"]:checked', (els) => els.length);
  if (proposed !== Number(size)) problems.push(`the proposed case holds ${proposed} reports, want ${size}`);
  await act('#cluster-create');
  await page.waitForSelector('#case-status', { timeout: 15000 });
  await audit('new case from the campaign');
  await act('#qualify-submit');
  await page.waitForSelector('#refer-submit', { timeout: 15000 });
  await act('#refer-submit');
  await page.waitForSelector('#case-status', { timeout: 15000 });
  const status = await page.textContent('#case-status');
  if (!status.includes('Transmise')) problems.push(`after referring, the case shows "${status}"`);
  const analystActions = actions;
  console.log(`analyst: campaign of ${size} reports to a referred case in ${analystActions} actions`);
  if (analystActions > Number(maxActions)) problems.push(`the analyst needed ${analystActions} actions, more than ${maxActions}`);

  await page.click('header form button[type=submit]');
  await page.waitForURL('**/w/login**', { timeout: 15000 });
  actions = 0;
  await signIn(dest, destSecret, '**/w/inbox');
  await act('form[action$="/acknowledge"] button[type=submit]');
  const row = await page.textContent('main');
  if (!/Prise en compte|Suite/.test(row)) problems.push('the inbox does not show the referral acknowledged');
  console.log(`destination: acknowledged in ${actions} action(s)`);
  if (actions !== 1) problems.push(`the destination needed ${actions} actions to acknowledge, want 1`);
} catch (e) {
  problems.push(`journey broke: ${e.message}`);
}
await finish('action counts: ok');
