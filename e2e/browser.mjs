// What every browser journey shares: Debian's Chromium launched by
// playwright-core (no browser download), a page that records any script
// attacker text manages to run, and an axe-core WCAG 2.1 A/AA check.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export async function open() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  // axe is injected as an inline script, which Vigie's CSP rightly forbids.
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

  // finish closes the browser and exits non-zero on any problem.
  async function finish(okMessage) {
    await browser.close();
    if (problems.length) {
      console.error(problems.join('\n'));
      process.exit(1);
    }
    console.log(okMessage);
  }
  return { browser, page, problems, audit, finish };
}
