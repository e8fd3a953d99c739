// Browser journey of issue 16 in Debian's Chromium: the guided diagnosis
// clicked through for every scenario of diagnosis/testdata/scenarios.json
// (the share that reaches its door is printed), axe-core's WCAG 2.1 A/AA
// check of every new or changed public page in French and English at 1280
// and 375 px, the report form starting on a phone's first screen, and the
// embeddable entry point framed by an allowed origin while the form is not.
// Usage: node doors.mjs BASE_URL SCENARIOS.json [SCREENSHOT_DIR]
// BASE_URL must be http://127.0.0.1:PORT, served with frame_ancestors
// allowing http://localhost:* (the framing page's origin).
import { readFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { open } from './browser.mjs';

const [base, scenariosPath, shots] = process.argv.slice(2);
if (!base || !scenariosPath) {
  console.error('usage: node doors.mjs BASE_URL SCENARIOS.json [SCREENSHOT_DIR]');
  process.exit(2);
}
if (shots) mkdirSync(shots, { recursive: true });
const scenarios = JSON.parse(readFileSync(scenariosPath, 'utf8'));
const { browser, page, problems, audit, finish } = await open();

// 1. The diagnosis, one scenario after another, by clicking.
let right = 0;
for (const sc of scenarios) {
  await page.setViewportSize({ width: 375, height: 667 });
  await page.goto(base + '/');
  await page.click('a[href="/diagnosis"]');
  let door = null;
  for (let step = 0; step < 10 && !door; step++) {
    if (await page.$('#door')) {
      door = await page.getAttribute('#door', 'data-door');
      const category = await page.getAttribute('#door', 'data-category');
      const report = await page.getAttribute('#report-link', 'href');
      if (door === sc.door && category === sc.category && report === `/report?category=${sc.category}`) {
        right++;
      } else {
        problems.push(`${sc.name}: reached ${door} (${category}, ${report}), want ${sc.door} (${sc.category})`);
      }
      break;
    }
    const q = await page.getAttribute('#question', 'data-question');
    const answer = sc.answers[q];
    if (!answer) {
      problems.push(`${sc.name}: asked ${q}, which the scenario does not answer`);
      break;
    }
    await page.check(`#${q}-${answer}`);
    await Promise.all([page.waitForNavigation(), page.click('#question button[type=submit]')]);
  }
  if (!door) problems.push(`${sc.name}: no door reached`);
}
console.log(`diagnosis in Chromium: ${right} of ${scenarios.length} scenarios reach the right door (${Math.round(100 * right / scenarios.length)} %)`);

// 2. Every new or changed page, both languages, both widths.
const pages = {
  home: '/',
  choose: '/report',
  form: '/report?category=fraud.scam',
  'form-minors': '/report?category=minors.abuse-material',
  'diagnosis-first': '/diagnosis',
  'diagnosis-question': '/diagnosis?danger=no&topic=money',
  'diagnosis-missing': '/diagnosis?danger=no&asked=topic',
  'door-call': '/diagnosis?danger=yes&danger_who=self-harm',
  'door-service': '/diagnosis?danger=no&topic=money&card_used=no&consumer=no&lost_money=yes',
  'door-report': '/diagnosis?danger=no&topic=phishing',
  legal: '/mentions-legales',
  privacy: '/confidentialite',
  accessibility: '/accessibilite',
  contact: '/contact',
  embed: '/embed?category=fraud.scam',
  followup: '/follow-up',
};
for (const [width, height] of [[1280, 800], [375, 667]]) {
  await page.setViewportSize({ width, height });
  for (const [name, path] of Object.entries(pages)) {
    for (const lang of ['fr', 'en']) {
      const url = base + path + (lang === 'en' ? (path.includes('?') ? '&' : '?') + 'lang=en' : '');
      await page.goto(url);
      await audit(`${name} ${lang} ${width}px`);
      if (shots) await page.screenshot({ path: `${shots}/${name}-${lang}-${width}.png`, fullPage: true });
    }
  }
  // The form with its error summary.
  for (const lang of ['fr', 'en']) {
    await page.goto(base + '/report?category=fraud.scam' + (lang === 'en' ? '&lang=en' : ''));
    await page.click('#submit');
    await page.waitForSelector('#errors', { timeout: 20000 });
    const summary = await page.textContent('#errors');
    const want = lang === 'en' ? 'Describe what happened:' : 'Décrivez les faits :';
    if (!summary.includes(want)) problems.push(`error summary (${lang}) does not name the description: ${summary}`);
    await audit(`form with errors ${lang} ${width}px`);
    if (shots) await page.screenshot({ path: `${shots}/form-errors-${lang}-${width}.png`, fullPage: true });
  }
}

// 3. On a phone, the form starts on the first screen and the advice is
// collapsed behind its title.
await page.setViewportSize({ width: 375, height: 667 });
await page.goto(base + '/report?category=fraud.scam');
const top = await page.evaluate(() => document.getElementById('description').getBoundingClientRect().top);
const open_ = await page.evaluate(() => document.querySelector('details.advice-article').open);
console.log(`form on a 375×667 screen: the first field starts at ${Math.round(top)} px; advice ${open_ ? 'open' : 'collapsed'}`);
if (top > 667 || open_) problems.push(`on a phone the form starts at ${top} px (screen 667), advice open: ${open_}`);
await page.click('details.advice-article summary');
if (!(await page.evaluate(() => document.querySelector('details.advice-article').open))) problems.push('the advice does not open');

// 4. The entry point in a frame of another site: a page served here, on
// http://localhost:PORT (an allowed origin), frames /embed and the form,
// with the CSP enforced: /embed shows, the form itself is refused.
const framing = createServer((req, res) => {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!DOCTYPE html><html lang="en"><title>A partner site</title>
<iframe id="embed" title="embed" width="360" height="260" style="border:0" src="${base}/embed?category=fraud.scam"></iframe>
<iframe id="form" title="form" src="${base}/report?category=fraud.scam"></iframe>`);
});
await new Promise((resolve) => framing.listen(0, '127.0.0.1', resolve));
const ctx = await browser.newContext();
const framer = await ctx.newPage();
const other = `http://localhost:${framing.address().port}`;
await framer.goto(other + '/', { waitUntil: 'load' });
const frameOf = async (id) => (await framer.$(`#${id}`)).contentFrame();
const embedFrame = await frameOf('embed');
const formFrame = await frameOf('form');
const embedLink = embedFrame ? await embedFrame.$('#embed-link').catch(() => null) : null;
const formField = formFrame ? await formFrame.$('#description').catch(() => null) : null;
console.log(`framed by ${other}: /embed ${embedLink ? 'shown' : 'refused'}, /report ${formField ? 'shown' : 'refused'}`);
if (!embedLink) problems.push('the entry point is not shown in a frame of an allowed origin');
if (formField) problems.push('the report form can be framed by another site');
if (shots) await framer.screenshot({ path: `${shots}/embed-framed.png` });
await ctx.close();
framing.close();

await finish('diagnosis, new pages and embedding: ok');
