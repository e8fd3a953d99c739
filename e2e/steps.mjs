// Counts, in Debian's Chromium, what a scam victim goes through from the
// home page to a confirmed report: the pages they see (each page load is
// a step) and the fields they fill in (each input typed, ticked or
// chosen). Usage: node steps.mjs BASE_URL
// Run it against an older build and this one to compare (BENCHMARKS.md).
// Two journeys: "direct" follows the home page's scam link; "guided" (when
// the installation has /diagnosis) answers the questions of a victim who
// paid for a phone never sent, then reports here from the door reached.
// The person is identified (name and e-mail), the minimum the form asks
// of someone who does not stay anonymous.
import { open } from './browser.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node steps.mjs BASE_URL');
  process.exit(2);
}
const { page, problems, finish } = await open();
await page.setViewportSize({ width: 375, height: 667 });

async function journey(name, toForm) {
  let steps = 0;
  let fields = 0;
  page.removeAllListeners('load');
  page.on('load', () => { steps++; });
  await page.goto(base + '/');
  const before = await toForm(() => { fields++; });
  await page.fill('#description', 'Téléphone payé 349,90 € par virement, jamais livré.'); fields++;
  await page.fill('#name', 'Camille Durand'); fields++;
  await page.fill('#email', 'camille@example.fr'); fields++;
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
  await page.waitForSelector('#receipt', { timeout: 20000 });
  await page.waitForLoadState('load');
  console.log(`${name}: ${steps} pages, ${fields} fields filled${before}`);
}

await journey('direct', async () => {
  // Where the scam link sits among the home page's category links.
  const links = await page.$$eval('a[href*="/report?category="]', (as) => as.map((a) => a.getAttribute('href')));
  const at = links.findIndex((h) => h.endsWith('category=fraud.scam'));
  await Promise.all([page.waitForNavigation(), page.click('a[href$="category=fraud.scam"]')]);
  return ` (the scam link is category link no. ${at + 1} of ${links.length} on the home page)`;
});

const hasDiagnosis = (await page.goto(base + '/diagnosis')).status() === 200;
if (hasDiagnosis) {
  const answers = { danger: 'no', topic: 'money', card_used: 'no', consumer: 'no', lost_money: 'yes' };
  await journey('guided', async (filled) => {
    await Promise.all([page.waitForNavigation(), page.click('a[href="/diagnosis"]')]);
    while (!(await page.$('#door'))) {
      const q = await page.getAttribute('#question', 'data-question');
      await page.check(`#${q}-${answers[q]}`); filled();
      await Promise.all([page.waitForNavigation(), page.click('#question button[type=submit]')]);
    }
    const door = await page.getAttribute('#door', 'data-door');
    await Promise.all([page.waitForNavigation(), page.click('#report-link')]);
    return ` (door reached: ${door}, which is offered before reporting here)`;
  });
} else {
  console.log('guided: no /diagnosis on this build');
}
await finish('steps counted');
