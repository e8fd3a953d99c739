// Browser journey of a supervisor through the hash lists of known content
// in Debian's Chromium: the lists page, a report whose image matched a
// classified entry (the label shown, never the image), and the form that
// classifies an image; axe-core checks WCAG 2.1 A/AA on each page, at
// 1280 and 375 px wide, and each is saved as a PNG for review.
// Usage: node banks.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET MATCHED_ID PLAIN_ID SHOTS_DIR
import { open } from './browser.mjs';
import { totp } from './totp.mjs';

const [base, email, password, secret, matched, plain, shots] = process.argv.slice(2);
if (!shots) {
  console.error('usage: node banks.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET MATCHED_ID PLAIN_ID SHOTS_DIR');
  process.exit(2);
}

const { page, problems, audit, finish } = await open();

async function both(name) {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await audit(`${name} at ${width}px`);
    await page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) {
      const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest('.scroll'))
        .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '')).slice(0, 5));
      problems.push(`${name} at ${width}px scrolls sideways by ${overflow}px: ${wide.join(', ')}`);
    }
  }
}

try {
  await page.goto(base + '/w/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', totp(secret));
  await page.click('button[type=submit]');
  await page.waitForURL('**/w/queue', { timeout: 15000 });

  await page.goto(base + '/w/banks');
  const banks = await page.textContent('#banks');
  if (!banks.includes('arnaques') || !banks.includes('Hotline <b>X</b>')) problems.push(`the banks table shows: ${banks}`);
  await both('banks');
  await page.goto(base + '/w/banks?lang=en');
  await both('banks-en');

  await page.goto(base + `/w/reports/${matched}`);
  const known = await page.textContent('main');
  if (!known.includes('faux avis de colis')) problems.push('the matched report does not show the label');
  if (await page.$('.known img, img[src*="inline=1"]')) problems.push('the known image is shown');
  await both('report-known');

  await page.goto(base + `/w/reports/${plain}`);
  await page.click('details.classify summary');
  await both('report-classify');
} catch (e) {
  problems.push(`journey failed: ${e.message}`);
}
await finish('banks journey ok');
