// Browser journey of the public portal in Debian's Chromium, with an axe-core
// WCAG 2.1 A/AA check of every page on the way. Usage: node portal.mjs BASE_URL
// Exits non-zero on any accessibility violation, any script that attacker
// text manages to run, or a journey that does not reach the receipt.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node portal.mjs BASE_URL');
  process.exit(2);
}
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
// axe is injected as an inline script, which the portal's CSP rightly forbids.
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

await browser.close();
if (problems.length) {
  for (const p of problems) console.error('FAIL', p);
  process.exit(1);
}
console.log('browser journey and accessibility: ok');
