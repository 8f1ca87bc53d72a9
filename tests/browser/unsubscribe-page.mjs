// The page that stops e-mail to a resident (/u/{token}) in the headless
// browser, for tests/browser/public-pages.mjs: in the person's language
// (English for an owner who chose it, French on ?lang=fr), one button,
// nothing from another origin, a phone's width, no personal data, and
// axe-core's WCAG 2.1 A and AA rules; pressing the button stops the
// e-mails and says so.
import { execFileSync } from 'node:child_process';
import { axeViolations, commonChecks } from './loan-pages.mjs';

function sql(query) {
  const psql = process.env.RL_TEST_PSQL;
  const url = process.env.RL_TEST_DATABASE_URL;
  if (!psql || !url) throw new Error('RL_TEST_PSQL and RL_TEST_DATABASE_URL are needed');
  return execFileSync(psql, ['-Atq', '-v', 'ON_ERROR_STOP=1', '-c', query, url], { encoding: 'utf8' }).trim();
}

// A repair device whose owner asked for e-mail in English; its owner's
// unsubscribe token (read from the database: only an e-mail carries it).
export async function setupUnsubscribe(api, site, tag) {
  const owner = { name: `Owner ${tag}`, email: `owner-${tag}@mail.example`, notify: true, language: 'en' };
  const d = await api('POST', '/api/v1/devices', {
    kind: 'repair', category: 'laptop', site, brand: `Brand ${tag}`, owner,
  });
  const token = sql(`SELECT o.unsubscribe_token FROM device_owners o JOIN devices d ON d.id = o.device_id
    WHERE d.code = '${d.code}'`);
  return { token, code: d.code, secrets: { owner_name: owner.name, owner_email: owner.email } };
}

export async function checkUnsubscribePage(t, u) {
  const { browser, base, open, attempt } = t;
  const en = await open(browser, `${base}/u/${u.token}`, { locale: 'fr-FR', viewport: { width: 360, height: 740 } });
  await attempt('unsubscribe page: 200, the owner\'s language (en), one button', async () => {
    const h1 = (await en.page.locator('h1').innerText()).trim();
    const buttons = await en.page.locator('form button').count();
    return {
      ok: en.response.status() === 200 && h1 === 'E-mail from the repair café' && buttons === 1,
      detail: `status ${en.response.status()}, h1 "${h1}", ${buttons} buttons`,
    };
  });
  await commonChecks(t, 'unsubscribe page', en, 'en', u.secrets);
  await attempt('unsubscribe page: axe-core finds no WCAG 2.1 AA violation', async () => {
    const v = await axeViolations(browser, `${base}/u/${u.token}`, t.timeout);
    return { ok: v.length === 0, detail: v.join(', ') };
  });
  await attempt('unsubscribe page: opening it changed nothing', () =>
    ({ ok: sql(`SELECT notify FROM device_owners WHERE unsubscribe_token = '${u.token}'`) === 't' }));
  await attempt('unsubscribe page: the button stops the e-mails', async () => {
    await Promise.all([en.page.waitForNavigation(), en.page.locator('form button').click()]);
    const text = await en.page.locator('main').innerText();
    const notify = sql(`SELECT notify FROM device_owners WHERE unsubscribe_token = '${u.token}'`);
    return { ok: text.includes('you will not get these e-mails any more') && notify === 'f', detail: `notify ${notify}: ${text.slice(0, 120)}` };
  });
  await en.context.close();
  const fr = await open(browser, `${base}/u/${u.token}?lang=fr`, { locale: 'en-GB' });
  await attempt('unsubscribe page (?lang=fr): French, done, no button', async () => {
    const h1 = (await fr.page.locator('h1').innerText()).trim();
    const buttons = await fr.page.locator('button').count();
    return { ok: h1 === 'Les e-mails du repair café' && buttons === 0, detail: `h1 "${h1}", ${buttons} buttons` };
  });
  await commonChecks(t, 'unsubscribe page fr', fr, 'fr', u.secrets);
  await fr.context.close();
}
