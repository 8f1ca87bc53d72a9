// The loan programme's public pages in the headless browser, for
// tests/browser/public-pages.mjs: a loan's page behind its agreement's
// token and the catalogue of what can be borrowed, each checked for its
// language, a phone's width, requests to other origins, console errors,
// personal data, reading without JavaScript, and axe-core's WCAG 2.1 A and
// AA rules.
import axe from 'axe-core';
import { execFileSync } from 'node:child_process';

// Runs SQL on the test database (scripts/run-tests exports where it is).
// Members and loans are written this way: this service has no API to
// create them yet (the members and loans API come separately), and a
// loan's page and the catalogue need them.
function sql(query) {
  const psql = process.env.RL_TEST_PSQL;
  const url = process.env.RL_TEST_DATABASE_URL;
  if (!psql || !url) throw new Error('RL_TEST_PSQL and RL_TEST_DATABASE_URL are needed to write a loan');
  return execFileSync(psql, ['-Atq', '-v', 'ON_ERROR_STOP=1', '-c', query, url], { encoding: 'utf8' }).trim();
}

// A member number's body: 5 random symbols and the check symbol of
// core/code.c (sum over GF(32) of each symbol times x^(position + 1)).
function memberBody() {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const mul = (a, b) => {
    let r = 0;
    for (let i = 0; i < 5; i++) {
      if (b & (1 << i)) r ^= a;
      a <<= 1;
      if (a & 32) a ^= 0x25;
    }
    return r;
  };
  let body = '';
  let sum = 0;
  let weight = 1;
  for (let i = 0; i < 5; i++) {
    const v = Math.floor(Math.random() * 32);
    body += alphabet[v];
    weight = mul(weight, 2);
    sum ^= mul(v, weight);
  }
  return body + alphabet[sum];
}

// Test data for the loan pages: a site with two refurbished laptops made
// available through the API, one of them lent to a member (by SQL, as a
// checkout would leave it); the member's contact gets values that must
// appear nowhere public.
export async function setupLoan(api, tag) {
  const site = {
    slug: `browser-loan-${tag}`,
    name: `Atelier de prêt ${tag}`,
    address: `5 rue du Prêt ${tag}, Fontenay-sous-Bois`,
    opening_hours: `Jeudi 16h-19h ${tag}`,
  };
  await api('POST', '/api/v1/sites', site);
  const codes = [];
  for (let i = 0; i < 2; i++) {
    const d = await api('POST', '/api/v1/devices', {
      kind: 'donation', category: 'laptop', site: site.slug, brand: `Portable ${tag}`,
    });
    for (const to of ['diagnosing', 'repaired', 'available'])
      await api('POST', `/api/v1/devices/${d.code}/transitions`, { to });
    codes.push(d.code);
  }
  const body = memberBody();
  const member = {
    number: `M-${body.slice(0, 3)}-${body.slice(3)}`,
    name: `Emprunteuse ${tag}`,
    email: `membre-${tag}@mail.example`,
    phone: `+33 7 ${String(Date.now()).slice(-8)}`,
    notes: `Note membre ${tag}`,
  };
  const memberId = sql(`INSERT INTO members (number, number_body, loan_limit, notes)
    VALUES ('${member.number}', '${body}', 2, '${member.notes}') RETURNING id`);
  sql(`INSERT INTO member_contacts (member_id, name, email, phone)
    VALUES (${memberId}, '${member.name}', '${member.email}', '${member.phone}')`);
  const token = `brw${tag}${Math.random().toString(36).slice(2)}`.replace(/[^A-Za-z0-9]/g, '').padEnd(24, 'x');
  sql(`WITH today AS (SELECT (rl_now() AT TIME ZONE 'Europe/Paris')::date AS d)
    INSERT INTO loans (device_id, member_id, site_id, category, token, start_date, due_date)
    SELECT dv.id, ${memberId}, dv.site_id, dv.category, '${token}', today.d, today.d + 21
    FROM devices dv, today WHERE dv.code = '${codes[0]}'`);
  sql(`UPDATE devices SET status = 'on_loan' WHERE code = '${codes[0]}'`);
  return { site, member, codes, token };
}

// axe-core's WCAG 2.1 A and AA rules on a page: the violations' ids. The
// page's CSP allows no script, so this context bypasses it to load axe.
export async function axeViolations(browser, url, timeout) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    await page.goto(url, { waitUntil: 'load', timeout });
    await page.addScriptTag({ content: axe.source });
    const result = await page.evaluate(() =>
      window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
  } finally {
    await context.close();
  }
}

// The checks every public page gets: its language, one h1, it fits a
// phone, nothing from another origin, no console error, no personal data.
export async function commonChecks(t, name, opened, lang, secrets) {
  const { attempt, foreignRequests } = t;
  await attempt(`${name}: html[lang=${lang}], one h1`, async () => {
    const got = await opened.page.locator('html').getAttribute('lang');
    const n = await opened.page.locator('h1').count();
    return { ok: got === lang && n === 1, detail: `lang=${got}, ${n} h1` };
  });
  await attempt(`${name}: no personal data`, async () => {
    const html = await opened.page.content();
    const leaked = Object.entries(secrets).filter(([, v]) => html.includes(v));
    return { ok: leaked.length === 0, detail: `shows ${leaked.map(([k]) => k).join(', ')}` };
  });
  await attempt(`${name}: fits a phone screen`, async () => {
    const [sw, cw] = await opened.page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    return { ok: sw <= cw, detail: `scrollWidth ${sw} > clientWidth ${cw}` };
  });
  await attempt(`${name}: no other origin, no console errors`, () => {
    const foreign = foreignRequests(opened.requests);
    return {
      ok: foreign.length === 0 && opened.consoleErrors.length === 0,
      detail: `${foreign.join(' ')} ${opened.consoleErrors.join(' | ')}`,
    };
  });
}

// The checks; t holds the harness of public-pages.mjs (browser, base,
// open, attempt, foreignRequests, timeout) and the data of setupLoan.
export async function checkLoanPages(t) {
  const { browser, base, open, attempt, loan, secrets } = t;
  const loanSecrets = {
    ...loan.member,
    device: loan.codes[0],
    other_device: loan.codes[1],
  };
  const loanUrl = `${base}/l/${loan.token}`;
  const lp = await open(browser, loanUrl, { locale: 'fr-FR' });
  await attempt('loan page: 200, "En prêt", the category, site and hours', async () => {
    const text = await lp.page.locator('body').innerText();
    const state = (await lp.page.locator('.status strong').innerText()).trim();
    const missing = ['Ordinateur portable', loan.site.name, loan.site.opening_hours].filter((x) => !text.includes(x));
    return {
      ok: lp.response.status() === 200 && state === 'En prêt' && missing.length === 0,
      detail: `status ${lp.response.status()}, state "${state}", missing ${missing.join(' | ')}`,
    };
  });
  await attempt('loan page: the due date, machine-readable', async () => {
    const dt = await lp.page.locator('.due time').getAttribute('datetime');
    return { ok: /^\d{4}-\d{2}-\d{2}$/.test(dt || ''), detail: `datetime=${dt}` };
  });
  await commonChecks(t, 'loan page', lp, 'fr', loanSecrets);
  await lp.context.close();
  const lpEn = await open(browser, loanUrl, { locale: 'en-US' });
  await attempt('loan page (Accept-Language en): "On loan", "Laptop"', async () => {
    const text = await lpEn.page.locator('body').innerText();
    const state = (await lpEn.page.locator('.status strong').innerText()).trim();
    return { ok: state === 'On loan' && text.includes('Laptop'), detail: `state "${state}"` };
  });
  await commonChecks(t, 'loan page en', lpEn, 'en', loanSecrets);
  await lpEn.context.close();
  const lpNoJs = await open(browser, loanUrl, { locale: 'fr-FR', javaScriptEnabled: false });
  await attempt('loan page without JavaScript: the state is visible', async () => ({
    ok: await lpNoJs.page.locator('.status strong').isVisible(),
  }));
  await lpNoJs.context.close();
  await attempt('loan page: axe-core finds no WCAG 2.1 AA violation', async () => {
    const v = await axeViolations(browser, loanUrl, t.timeout);
    return { ok: v.length === 0, detail: v.join(', ') };
  });
  const lpNf = await open(browser, `${base}/l/${loan.token}zz`, { locale: 'fr-FR' });
  await attempt('unknown loan token: the 404 page, nothing of the loan', async () => {
    const h1 = (await lpNf.page.locator('h1').innerText()).trim();
    const html = await lpNf.page.content();
    return {
      ok: lpNf.response.status() === 404 && h1 === 'Lien non reconnu' && !html.includes(loan.site.name),
      detail: `status ${lpNf.response.status()}, h1 "${h1}"`,
    };
  });
  await lpNf.context.close();

  // 5c. The catalogue: one laptop available at the loan site (the other is lent).
  const cat = await open(browser, `${base}/catalogue`, { locale: 'fr-FR' });
  await attempt('catalogue: 200, one h1, the site with "1 disponible"', async () => {
    const h1 = (await cat.page.locator('h1').innerText()).trim();
    const section = cat.page.locator('section', { has: cat.page.locator('h2', { hasText: loan.site.name }) });
    const row = (await section.locator('li', { hasText: 'Ordinateur portable' }).innerText()).trim();
    return {
      ok: cat.response.status() === 200 && h1 === 'Appareils à emprunter' && /1 disponible\b/.test(row),
      detail: `status ${cat.response.status()}, h1 "${h1}", row "${row}"`,
    };
  });
  await commonChecks(t, 'catalogue', cat, 'fr', { ...loanSecrets, ...secrets });
  await cat.context.close();
  const catEn = await open(browser, `${base}/catalogue?lang=en`, { locale: 'fr-FR', javaScriptEnabled: false });
  await attempt('catalogue (?lang=en, no JavaScript): "1 available" at the site', async () => {
    const section = catEn.page.locator('section', { has: catEn.page.locator('h2', { hasText: loan.site.name }) });
    const row = (await section.locator('li', { hasText: 'Laptop' }).innerText()).trim();
    const lang = await catEn.page.locator('html').getAttribute('lang');
    return { ok: lang === 'en' && /1 available/.test(row), detail: `lang=${lang}, row "${row}"` };
  });
  await catEn.context.close();
  await attempt('catalogue: axe-core finds no WCAG 2.1 AA violation', async () => {
    const v = await axeViolations(browser, `${base}/catalogue`, t.timeout);
    return { ok: v.length === 0, detail: v.join(', ') };
  });
}
