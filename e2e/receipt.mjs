// The receipt to keep, in Debian's Chromium: a scam victim reports (asking
// for news by e-mail), the confirmation sums up what was sent, the PDF
// receipt is downloaded from it and from the follow-up page and read back
// with pdftotext (receipt, category, date and URLs there; the secret only
// when asked), and axe-core checks WCAG 2.1 A/AA on every page, in French
// and English, 1280 and 375 px wide. Screenshots go to SHOTS_DIR if given.
// Usage: node receipt.mjs BASE_URL [SHOTS_DIR]
// Prints "receipt: VG-…" for the report to follow up by e-mail.
import { open } from './browser.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, shots] = process.argv.slice(2);
if (!base) {
  console.error('usage: node receipt.mjs BASE_URL [SHOTS_DIR]');
  process.exit(2);
}
const { page, problems, audit, finish } = await open();
const tmp = mkdtempSync(join(tmpdir(), 'vigie-receipt-'));
const urls = ['https://boutique-fausse.example/produit', 'https://paiement.fausse.example/carte'];

async function shot(name) {
  if (shots) {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }
}

// download clicks the PDF button and returns the PDF's text.
async function download(name, withSecret) {
  const box = page.locator('#include_secret');
  if ((await box.isChecked()) !== withSecret) {
    await box.click();
  }
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-pdf')]);
  const file = join(tmp, `${name}.pdf`);
  await dl.saveAs(file);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

function expect(what, text, wanted, unwanted) {
  for (const w of wanted) {
    if (!text.includes(w)) problems.push(`${what}: lacks ${JSON.stringify(w)}`);
  }
  for (const u of unwanted) {
    if (text.includes(u)) problems.push(`${what}: holds ${JSON.stringify(u)}`);
  }
}

let lastReceipt = '';
let lastSecret = '';
for (const lang of ['fr', 'en']) {
  for (const width of [1280, 375]) {
    const tag = `${lang}-${width}`;
    const q = lang === 'en' ? '&lang=en' : '';
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${base}/report?category=fraud.scam${q}`);
    await audit(`form with the consent box ${tag}`);
    if (await page.isChecked('#notify')) problems.push(`form ${tag}: the consent box comes ticked`);
    await page.fill('#description', 'Faux site de vente, virement sur FR7630006000011234567890189');
    await page.fill('#urls', urls.join('\n'));
    await page.fill('#name', 'Camille Durand');
    await page.fill('#email', 'camille@example.fr');
    await page.check('#notify');
    await page.click('#submit');
    await page.waitForSelector('#receipt', { timeout: 30000 });
    await audit(`confirmation ${tag}`);
    await shot(`confirmation-${tag}`);
    const receipt = (await page.textContent('#receipt')).trim();
    const secret = (await page.textContent('#secret')).trim();
    const category = (await page.textContent('#sum-category')).trim();
    const sent = (await page.textContent('#sum-sent')).trim();
    expect(`confirmation ${tag}`, await page.textContent('main'), [...urls, 'FR7630006000011234567890189', category], []);
    if (!(await page.isVisible('#news-on'))) problems.push(`confirmation ${tag}: news not acknowledged`);
    if (width === 1280) {
      await page.emulateMedia({ media: 'print' });
      await shot(`confirmation-print-${tag}`);
      if (await page.isVisible('#download-pdf')) problems.push(`print ${tag}: the PDF form is printed`);
      await page.emulateMedia({ media: 'screen' });
    }

    const plain = await download(`plain-${tag}`, false);
    expect(`PDF ${tag}`, plain, [receipt, category, sent, ...urls], [secret]);
    const kept = await download(`secret-${tag}`, true);
    expect(`PDF with secret ${tag}`, kept, [receipt, secret], []);

    await page.goto(`${base}/follow-up${lang === 'en' ? '?lang=en' : ''}`);
    await audit(`follow-up ${tag}`);
    await page.fill('#receipt', receipt);
    await page.fill('#secret', secret);
    await page.click('form[action="/follow-up"] button[type=submit]');
    await page.waitForSelector('#status', { timeout: 20000 });
    await audit(`follow-up status ${tag}`);
    await shot(`follow-up-${tag}`);
    const fromFollowUp = await download(`follow-${tag}`, false);
    expect(`follow-up PDF ${tag}`, fromFollowUp, [receipt, category, sent, ...urls], [secret]);

    // Nothing kept in the browser: no cookie, no storage.
    const cookies = await page.context().cookies();
    const stored = await page.evaluate(() => localStorage.length + sessionStorage.length);
    if (cookies.length || stored) problems.push(`${tag}: ${cookies.length} cookies, ${stored} storage items`);
    lastReceipt = receipt;
    lastSecret = secret;
  }
}
await page.setViewportSize({ width: 1280, height: 900 });
await page.goto(`${base}/news/stop?receipt=VG-0000-0000&token=forged`);
await audit('unsubscribe, bad link');
rmSync(tmp, { recursive: true, force: true });
console.log(`receipt: ${lastReceipt}`);
console.log(`secret: ${lastSecret}`);
await finish('receipt journey and accessibility: ok');
