// Browser check of waves in Debian's Chromium: an analyst signs in, finds
// a wave in the queue (one item with its count), opens its page (growth
// chart, members, decision) and decides the whole wave; axe-core checks
// WCAG 2.1 A/AA on the queue and the wave page, at desktop and phone
// widths. With SHOTS set to a folder, it saves screenshots there.
// Usage: node waves.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET [decide]
import { open } from './browser.mjs';
import { totp } from './totp.mjs';

const [base, email, password, secret, decide] = process.argv.slice(2);
if (!secret) {
  console.error('usage: node waves.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET [decide]');
  process.exit(2);
}
const shots = process.env.SHOTS;
const { page, problems, audit, finish } = await open();

async function shoot(name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png` });
}

try {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(base + '/w/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', totp(secret));
  await page.click('button[type=submit]');
  await page.waitForURL('**/w/queue', { timeout: 15000 });
  // The server places reports in waves just after linking them.
  let tag = null;
  for (let i = 0; i < 20 && !tag; i++) {
    await page.goto(base + '/w/queue');
    tag = await page.$('a.wave-tag');
    if (!tag) await page.waitForTimeout(500);
  }
  if (!tag) throw new Error('no wave in the queue');
  await audit('queue with a wave');
  await tag.scrollIntoViewIfNeeded();
  await shoot('queue-1280');
  await page.setViewportSize({ width: 375, height: 800 });
  await tag.scrollIntoViewIfNeeded();
  await shoot('queue-375');
  await page.setViewportSize({ width: 1280, height: 900 });
  const label = await page.textContent('a.wave-tag');
  if (!/^Vague de \d[\d\u202f ]* signalements$/.test(label)) problems.push(`the wave's item says "${label}"`);
  await page.click('a.wave-tag');
  await page.waitForSelector('svg.chart', { timeout: 15000 });
  await audit('wave page');
  if (!(await page.$('svg.chart > title')) || !(await page.$('svg.chart > desc'))) problems.push('the chart has no title or description');
  await shoot('wave-1280');
  await page.setViewportSize({ width: 375, height: 800 });
  await audit('wave page (phone)');
  await shoot('wave-375');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 375) problems.push(`the wave page is ${wide} px wide on a 375 px screen`);
  await page.setViewportSize({ width: 1280, height: 900 });
  if (decide) {
    await page.selectOption('#w-decision', 'not_competent');
    await page.fill('#w-reason', 'relève d\'une plainte');
    await page.click('#form-wave-decide button[type=submit]');
    await page.waitForSelector('#wave-size', { timeout: 15000 });
    const size = await page.textContent('#wave-size');
    if (!size.includes('aucun à traiter')) problems.push(`after the decision the wave says "${size}"`);
    await audit('decided wave');
  }
} catch (e) {
  problems.push(`journey broke: ${e.message}`);
}
await finish('waves: ok');
