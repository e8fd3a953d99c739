// Browser check of the oversight's pages in Debian's Chromium, on a demo
// store: the qualified person signs in, lands on the weekly batches, opens
// this week's batch, tries to refuse without a reason (the problem shows
// at the request's form), refuses with one, then approves the rest of the
// page in one batch decision. axe-core checks WCAG 2.1 A/AA on each page,
// at desktop and phone widths, in French and English; the batch page
// must hold no image, no media and no link to a reported address. With
// SHOTS set to a folder, it saves screenshots there.
// Usage: node oversight.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET
import { open } from './browser.mjs';
import { totp } from './totp.mjs';

const [base, email, password, secret] = process.argv.slice(2);
if (!secret) {
  console.error('usage: node oversight.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET');
  process.exit(2);
}
const shots = process.env.SHOTS;
const { page, problems, audit, finish } = await open();

async function shoot(name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

// both checks a page at 1280 and 375 px, and that it fits the phone.
async function both(name) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await audit(name);
  await shoot(`${name}-1280`);
  await page.setViewportSize({ width: 375, height: 800 });
  await audit(`${name} (phone)`);
  await shoot(`${name}-375`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 375) problems.push(`${name} is ${wide} px wide on a 375 px screen`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

try {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(base + '/w/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', totp(secret));
  await page.click('button[type=submit]');
  await page.waitForURL('**/w/oversight', { timeout: 15000 });
  await both('batches-fr');
  await page.goto(base + '/w/oversight?lang=en');
  await both('batches-en');
  await page.goto(base + '/w/oversight');
  // The newest week is this week's batch, with requests waiting.
  await page.click('#batches tbody tr:first-child a');
  await page.waitForSelector('#form-batch', { timeout: 15000 });
  const batchURL = page.url();
  await both('batch-fr');
  const media = await page.$$eval('main img, main video, main iframe, main object, main embed, main a[href^="http"]', (els) => els.length);
  if (media) problems.push(`the batch page holds ${media} images, media or links to reported addresses`);
  await page.goto(batchURL + (batchURL.includes('?') ? '&' : '?') + 'lang=en');
  await both('batch-en');
  await page.goto(batchURL);

  // Refuse without a reason: the problem shows at the request's form.
  const first = await page.$('li.request form');
  const formID = await first.getAttribute('id');
  await page.click(`#${formID} button[value=refused]`);
  await page.waitForSelector('.alert', { timeout: 15000 });
  const err = await page.textContent(`#req-${formID.slice(5)} .error`);
  if (!err.includes('motivé')) problems.push(`refusal without a reason says "${err}"`);
  await both('batch-refusal-error');
  await page.fill(`#reason-${formID.slice(5)}`, 'Citation dans un article de presse, pas une apologie.');
  await page.click(`#${formID} button[value=refused]`);
  await page.waitForSelector('.notice', { timeout: 15000 });

  // Approve the rest of the page in one decision.
  const left = await page.$$('li.request form');
  if (left.length) {
    await page.check('#b-all');
    await page.check('#b-approve');
    await page.click('#form-batch button[type=submit]');
    await page.waitForSelector('.notice', { timeout: 15000 });
    const said = await page.textContent('.notice');
    if (!/décidée?s?/.test(said)) problems.push(`after the batch decision the page says "${said}"`);
    await both('batch-decided');
  }
} catch (e) {
  problems.push(`journey broke: ${e.message}`);
}
await finish('oversight: ok');
