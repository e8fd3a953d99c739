// Browser journey of the public portal in Debian's Chromium, with an axe-core
// WCAG 2.1 A/AA check of every page on the way. Usage: node portal.mjs BASE_URL
// Exits non-zero on any accessibility violation, any script that attacker
// text manages to run, or a journey that does not reach the receipt.
import { open } from './browser.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node portal.mjs BASE_URL');
  process.exit(2);
}
const { page, problems, audit, finish } = await open();

for (const path of ['/', '/?lang=en', '/report', '/report?category=fraud.scam',
  '/report?category=minors.abuse-material&lang=en', '/follow-up', '/figures', '/figures?period=week&lang=en', '/advice', '/advice/fraud.scam', '/advice/minors.grooming?lang=en', '/no-such-page']) {
  await page.goto(base + path);
  await audit(path);
}

// The journey: a scam victim reports, with attacker-written text in every field.
const payload = `<script>alert("xss")</script><img src=x onerror=alert(1)>`;
await page.goto(base + '/report?category=fraud.scam');
await page.fill('#description', payload);
await page.fill('#urls', 'javascript:alert(1)');
await page.fill('#email', 'not-an-email');
await page.click('#submit');
await page.waitForSelector('#errors', { timeout: 20000 });
await audit('form with errors');
if ((await page.inputValue('#description')) !== payload) {
  problems.push('the form lost the description when it came back');
}
await page.fill('#urls', 'https://faux-shop.example.fr/tel');
await page.fill('#name', 'Camille <b>Durand</b>');
await page.fill('#email', 'camille@example.fr');
await page.fill('#amount', '349,90');
await page.click('#submit');
await page.waitForSelector('#receipt', { timeout: 20000 });
await audit('confirmation');
const receipt = (await page.textContent('#receipt')).trim();
const secret = (await page.textContent('#secret')).trim();

await page.goto(base + '/follow-up');
await page.fill('#receipt', receipt);
await page.fill('#secret', secret);
await page.click('button[type=submit]');
await page.waitForSelector('#status', { timeout: 20000 });
await audit('follow-up status');
console.log(`journey: ${receipt} → ${(await page.textContent('#status')).trim()}`);

await finish('browser journey and accessibility: ok');
