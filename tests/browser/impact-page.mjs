// The public impact page (/impact) in the headless browser, for
// tests/browser/public-pages.mjs: French by default and English on
// request, readable without JavaScript, the chart an accessible inline
// SVG with a table of the same numbers, the credit to the Restart
// Project, fits a phone, nothing from another origin, no personal data,
// and axe-core's WCAG 2.1 A and AA rules.
import { axeViolations, commonChecks } from './loan-pages.mjs';

export async function checkImpactPage(t) {
  const { browser, base, open, attempt, secrets } = t;
  const fr = await open(browser, `${base}/impact`, { locale: 'fr-FR' });
  await attempt('impact page: 200, French, totals, chart with title and desc', async () => {
    const h1 = (await fr.page.locator('h1').innerText()).trim();
    const title = await fr.page.locator('svg.chart title').count();
    const desc = await fr.page.locator('svg.chart desc').count();
    const role = await fr.page.locator('svg.chart').getAttribute('role');
    const bars = await fr.page.locator('svg.chart rect').count();
    return {
      ok: fr.response.status() === 200 && h1 === 'Ce que le repair café évite' && title === 1 &&
        desc === 1 && role === 'img' && bars === 12,
      detail: `status ${fr.response.status()}, h1 "${h1}", title ${title}, desc ${desc}, role ${role}, ${bars} bars`,
    };
  });
  await attempt('impact page: links to the data and credits the Restart Project', async () => {
    const text = await fr.page.locator('body').innerText();
    const csv = await fr.page.locator('a[href="/opendata/impact.csv"]').count();
    return { ok: csv === 1 && text.includes('Restart Project') && text.includes('CC BY-SA 4.0'), detail: `csv links ${csv}` };
  });
  await commonChecks(t, 'impact page', fr, 'fr', secrets);
  await fr.context.close();
  const en = await open(browser, `${base}/impact?lang=en`, { locale: 'fr-FR', javaScriptEnabled: false });
  await attempt('impact page (?lang=en, no JavaScript): English, the month table', async () => {
    const h1 = (await en.page.locator('h1').innerText()).trim();
    const rows = await en.page.locator('details table tbody tr').count();
    return { ok: h1 === 'What the repair café avoids' && rows === 12, detail: `h1 "${h1}", ${rows} rows` };
  });
  await commonChecks(t, 'impact page en', en, 'en', secrets);
  await en.context.close();
  await attempt('impact page: axe-core finds no WCAG 2.1 AA violation', async () => {
    const v = await axeViolations(browser, `${base}/impact`, t.timeout);
    return { ok: v.length === 0, detail: v.join(', ') };
  });
}
