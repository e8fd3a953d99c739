// Browser journey of an analyst in Debian's Chromium: sign in with a TOTP
// code, take the urgent report from the queue, read it, make a case,
// qualify it and close it; axe-core checks WCAG 2.1 A/AA on each page.
// Usage: node workspace.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET
// Exits non-zero on any violation, any script that attacker text runs, or
// a journey that does not end with the case closed.
import { open } from './browser.mjs';
import { totp } from './totp.mjs';

const [base, email, password, secret, supEmail, supSecret] = process.argv.slice(2);
if (!secret) {
  console.error('usage: node workspace.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET');
  process.exit(2);
}

const { page, problems, audit, finish } = await open();

try {
  await page.goto(base + '/w/queue');
  if (!page.url().includes('/w/login')) problems.push(`an anonymous visit reached ${page.url()}`);
  await audit('login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', totp(secret));
  await page.click('button[type=submit]');
  await page.waitForURL('**/w/queue', { timeout: 15000 });
  await audit('queue');
  await page.goto(base + '/w/queue?lang=en');
  await audit('queue (en)');
  await page.goto(base + '/w/me');
  if (!(await page.textContent('main')).includes('ce navigateur')) problems.push('my account does not mark this browser\'s session');
  await audit('my account');
  await page.goto(base + '/w/queue');

  // Keyboard shortcuts: j moves to a row, x selects it, d reaches the
  // decision, ? opens the help, o opens a row; they can be turned off.
  await page.keyboard.press('j');
  const onRow = await page.evaluate(() => {
    const tr = document.querySelector('main table tbody tr.kb-current');
    return !!tr && tr.contains(document.activeElement);
  });
  if (!onRow) problems.push('j did not move to the first row');
  await page.keyboard.press('x');
  if (!(await page.isChecked('main table tbody tr.kb-current input[type=checkbox]'))) problems.push('x did not select the row');
  await page.keyboard.press('x');
  await page.keyboard.press('d');
  if ((await page.evaluate(() => document.activeElement.id)) !== 'decision') problems.push('d did not reach the decision field');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('?');
  await page.waitForURL('**/w/help', { timeout: 15000 });
  await audit('help');
  await page.check('#shortcuts-off');
  await page.goto(base + '/w/queue');
  await page.keyboard.press('j');
  if (await page.$('tr.kb-current')) problems.push('j still worked after shortcuts were turned off');
  await page.goto(base + '/w/help?lang=en');
  await audit('help (en)');
  await page.uncheck('#shortcuts-off');
  await page.goto(base + '/w/queue');
  await page.keyboard.press('j');
  await page.keyboard.press('o');
  await page.waitForURL('**/w/reports/**', { timeout: 15000 });
  await page.goto(base + '/w/queue');

  await page.click('#take-next');
  await page.waitForSelector('#description', { timeout: 15000 });
  await audit('report');
  const description = await page.textContent('#description');
  for (const p of ['<script>alert("xss")</script>', '<img src=x onerror=alert(1)>', 'javascript:alert(2)']) {
    if (!description.includes(p)) problems.push(`the report page does not show ${p} as text`);
  }
  if (await page.$('#description script, #description img, #urls a, a[href^="javascript:"]')) {
    problems.push('attacker text became markup on the report page');
  }

  await page.fill('#new-case-title', 'Faux conseiller <b>bancaire</b>');
  await page.click('#create-case');
  await page.waitForSelector('#case-status', { timeout: 15000 });
  await audit('case');
  await page.check('#legal-0');
  await page.fill('#q-summary', 'Escroquerie au faux conseiller <img src=x onerror=alert(3)>');
  await page.selectOption('#q-priority', 'high');
  await page.click('#qualify-submit');
  await page.waitForSelector('#case-status', { timeout: 15000 });
  const qualified = await page.textContent('#case-status');
  if (!qualified.includes('Qualifiée')) problems.push(`after qualifying, the case shows "${qualified}"`);
  if (!(await page.isChecked('#dest-0'))) problems.push('the routing proposal is not pre-selected');
  const fired = await page.textContent('#routing-fired');
  if (!fired.includes('scams')) problems.push(`the routing rules shown: "${fired}"`);
  await audit('qualified case with routing proposal');
  await page.click('#refer-submit');
  await page.waitForSelector('#case-status', { timeout: 15000 });
  const referred = await page.textContent('#case-status');
  if (!referred.includes('Transmise')) problems.push(`after referring, the case shows "${referred}"`);
  await page.selectOption('#outcome', 'action-taken');
  await page.fill('#close-reason', 'transmis et traité');
  await page.click('#close-submit');
  await page.waitForSelector('#case-status', { timeout: 15000 });
  const closed = await page.textContent('#case-status');
  if (!closed.includes('Close')) problems.push(`after closing, the case shows "${closed}"`);
  await audit('closed case');

  await page.goto(base + '/w/search?q=conseiller');
  await audit('search');
  await page.goto(base + '/w/cases');
  await audit('cases');

  // A supervisor's steering page, at desk and phone widths, in both languages.
  if (supSecret) {
    await page.click('header form button[type=submit]');
    await page.waitForURL('**/w/login**', { timeout: 15000 });
    await page.fill('#email', supEmail);
    await page.fill('#password', password);
    await page.fill('#code', totp(supSecret));
    await page.click('button[type=submit]');
    await page.waitForURL('**/w/queue', { timeout: 15000 });
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      for (const lang of ['', '?lang=en']) {
        await page.goto(base + '/w/dashboard' + lang);
        await audit(`steering${lang} at ${width} px`);
        await page.goto(base + '/w/alerts' + lang);
        await audit(`alerts${lang} at ${width} px`);
        await page.goto(base + '/w/help' + lang);
        await audit(`help${lang} at ${width} px`);
      }
    }
    await page.goto(base + '/w/dashboard?lang=en');
    const summary = await page.textContent('#dash-summary');
    if (!/^1 waiting/.test(summary.trim())) problems.push(`the steering page says "${summary}", want the one report left waiting`);
  }
} catch (e) {
  problems.push(`journey broke: ${e.message}`);
}
await finish('analyst journey: ok');
