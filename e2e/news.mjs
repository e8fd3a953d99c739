// The unsubscribe link of a news e-mail, in Debian's Chromium: the page
// asks for one click, the click stops the news; axe-core checks both
// pages in French and English at 1280 and 375 px. Screenshots go to
// SHOTS_DIR if given. Usage: node news.mjs STOP_LINK [SHOTS_DIR]
import { open } from './browser.mjs';
import { join } from 'node:path';

const [link, shots] = process.argv.slice(2);
if (!link) {
  console.error('usage: node news.mjs STOP_LINK [SHOTS_DIR]');
  process.exit(2);
}
const { page, problems, audit, finish } = await open();
const fr = new URL(link);
fr.searchParams.delete('lang');
const en = new URL(fr);
en.searchParams.set('lang', 'en');

for (const [lang, url] of [['fr', fr.href], ['en', en.href]]) {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(url);
    await audit(`unsubscribe ${lang}-${width}`);
    if (shots) await page.screenshot({ path: join(shots, `unsubscribe-${lang}-${width}.png`), fullPage: true });
    if (!(await page.isVisible('#stop'))) problems.push(`unsubscribe ${lang}-${width}: no button`);
  }
}
// The last one, in English at 375 px, is clicked.
await page.click('#stop');
await page.waitForSelector('#stopped', { timeout: 20000 });
await audit('unsubscribed en-375');
if (shots) await page.screenshot({ path: join(shots, 'unsubscribed-en-375.png'), fullPage: true });
await page.setViewportSize({ width: 1280, height: 900 });
await audit('unsubscribed en-1280');
// Clicking again, in French, says the same: it is done.
await page.goto(fr.href);
await page.click('#stop');
await page.waitForSelector('#stopped', { timeout: 20000 });
await audit('unsubscribed fr-1280');
await page.setViewportSize({ width: 375, height: 900 });
await audit('unsubscribed fr-375');
if (shots) await page.screenshot({ path: join(shots, 'unsubscribed-fr-375.png'), fullPage: true });
console.log(`stopped: ${(await page.textContent('#stopped')).trim()}`);
await finish('unsubscribe journey and accessibility: ok');
