// Browser journey of an analyst tracing the hosting of a case: the button,
// the trace's table, the notice form prefilled with the contact found, and
// a minors case traced from the directory only; axe-core checks WCAG 2.1
// A/AA at 1280 and 375 px, and each page is saved as a PNG for review.
// Usage: node hosting.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET CASE_ID MINORS_CASE_ID SHOTS_DIR
import { open } from './browser.mjs';
import { totp } from './totp.mjs';

const [base, email, password, secret, caseID, minorsID, shots] = process.argv.slice(2);
if (!shots) {
  console.error('usage: node hosting.mjs BASE_URL EMAIL PASSWORD TOTP_SECRET CASE_ID MINORS_CASE_ID SHOTS_DIR');
  process.exit(2);
}

const { page, problems, audit, finish } = await open();

async function both(name) {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await audit(`${name} at ${width}px`);
    const section = await page.$('#hosting');
    if (section) await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/${name}-${width}.png` });
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

  await page.goto(base + `/w/cases/${caseID}`);
  await page.click('#form-trace button');
  await page.waitForURL('**done=trace**', { timeout: 30000 });
  const table = await page.textContent('#hosting-trace');
  if (!table.includes('AS16276 OVH SAS') || !table.includes('abuse@ovh.net') || !table.includes('directory:asn')) problems.push(`the trace shows: ${table}`);
  if (!table.includes('<script>x</script>')) problems.push('the URL is not shown as text');
  if (await page.$('#hosting-trace script')) problems.push('a URL became markup');
  const host = await page.inputValue('#notice-host');
  if (host !== 'abuse@ovh.net') problems.push(`the notice recipient is prefilled with ${host}`);
  await page.click('#hosting-trace details summary');
  await both('hosting');
  await page.goto(base + `/w/cases/${caseID}?lang=en`);
  await page.click('#hosting-trace details summary');
  await both('hosting-en');

  await page.goto(base + `/w/cases/${minorsID}`);
  await page.click('#form-trace button');
  await page.waitForURL('**done=trace**', { timeout: 15000 });
  if (!await page.$('#hosting-neverfetch')) problems.push('the minors case does not say it was not fetched');
  await both('hosting-minors');
} catch (e) {
  problems.push(`journey failed: ${e.message}`);
}
await finish('hosting journey ok');
