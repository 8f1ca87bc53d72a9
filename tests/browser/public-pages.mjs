// The public pages in a real headless browser, as a resident's phone sees
// them: the tracking page behind a receipt's token (French by default,
// English on request, readable without JavaScript, nothing fetched from
// another origin), the page a device's label opens, the page a parts bin's
// label opens (in stock yes or no, never how many), a loan's page behind
// its agreement's token, the catalogue of what can be borrowed and the
// impact page (all three also checked by axe-core), the 404 page, and the home page with its
// tracking help, favicon and not-found page.
//
// Usage: RL_TEST_URL=http://127.0.0.1:PORT RL_TEST_ADMIN_KEY=rlk_… \
//        RL_TEST_PSQL=/usr/lib/postgresql/N/bin/psql RL_TEST_DATABASE_URL=postgres://… \
//        node tests/browser/public-pages.mjs
// Prints one line per check and a summary "browser: N passed, M failed";
// exits 1 on any failure. Set RL_BROWSER_KEEP_SCREENSHOT=1 to keep the
// screenshot (its path is printed).
import { chromium } from 'playwright-core';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLoanPages, setupLoan } from './loan-pages.mjs';
import { checkImpactPage } from './impact-page.mjs';
import { checkUnsubscribePage, setupUnsubscribe } from './unsubscribe-page.mjs';

const base = (process.env.RL_TEST_URL || '').replace(/\/+$/, '');
const adminKey = process.env.RL_TEST_ADMIN_KEY || '';
const chromiumPath = process.env.RL_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 20000;

let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}

// Runs one check that may throw; a throw is a failure with its message.
async function attempt(name, fn) {
  try {
    const res = await fn();
    if (res === undefined || res === true) return check(name, true);
    if (res === false) return check(name, false);
    return check(name, res.ok, res.detail);
  } catch (e) {
    return check(name, false, String(e && e.message ? e.message : e).split('\n')[0]);
  }
}

function finish() {
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

// fetch, with the address and the reason when the server cannot be reached.
async function fetchOrSay(method, path, init) {
  try {
    return await fetch(base + path, init);
  } catch (e) {
    const why = e && e.cause ? e.cause.code || e.cause.message : String(e);
    throw new Error(`${method} ${base}${path}: ${why} (is the server running?)`);
  }
}

async function api(method, path, body) {
  const res = await fetchOrSay(method, path, {
    method,
    headers: {
      Authorization: `Bearer ${adminKey}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return json;
}

// Test data: a site, a resident's laptop with an owner, a fixed repair.
async function setup() {
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const site = {
    slug: `browser-${tag}`,
    name: `Tiers-lieu navigateur ${tag}`,
    address: `3 place du Navigateur ${tag}, Fontenay-sous-Bois`,
    opening_hours: `Mercredi 14h-18h ${tag}`,
  };
  await api('POST', '/api/v1/sites', site);
  const secrets = {
    owner: `Proprietaire ${tag}`,
    email: `resident-${tag}@mail.example`,
    phone: `+33 6 ${String(Date.now()).slice(-8)}`,
    notes: `Note interne ${tag}`,
    repairer: `Reparatrice ${tag}`,
    problem: `Probleme secret ${tag}`,
  };
  const device = await api('POST', '/api/v1/devices', {
    kind: 'repair',
    category: 'laptop-medium',
    site: site.slug,
    brand: `Marque ${tag}`,
    owner: { name: secrets.owner, email: secrets.email, phone: secrets.phone },
    notes: secrets.notes,
  });
  if (!device || !device.code || !device.tracking_token)
    throw new Error(`intake gave no code or token: ${JSON.stringify(device)}`);
  await api('POST', `/api/v1/devices/${device.code}/repairs`, {
    outcome: 'fixed',
    problem: secrets.problem,
    repairer: secrets.repairer,
    minutes: 35,
  });
  // A part in stock at the site, received through the ledger.
  const part = { sku: `BRW-${tag}`.slice(0, 40), name: `Thermostat ${tag}`, quantity: 4242 };
  await api('POST', '/api/v1/parts', { sku: part.sku, name: part.name, categories: ['kettle'] });
  await api('POST', `/api/v1/parts/${part.sku}/movements`, {
    type: 'received',
    site: site.slug,
    quantity: part.quantity,
    source: 'donated',
  });
  const loan = await setupLoan(api, tag);
  const unsubscribe = await setupUnsubscribe(api, site.slug, tag);
  return { site, secrets, part, code: device.code, token: device.tracking_token, loan, unsubscribe };
}

// Opens url in a fresh context; records every request the page makes.
async function open(browser, url, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    ...options,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const requests = [];
  const consoleErrors = [];
  page.on('request', (req) => requests.push(req.url()));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT });
  return { context, page, response, requests, consoleErrors };
}

function foreignRequests(requests) {
  const origin = new URL(base).origin;
  return requests.filter((u) => {
    try {
      return new URL(u).origin !== origin;
    } catch {
      return true; // data:, blob:… are outside the service too
    }
  });
}

async function main() {
  if (!base || !adminKey) {
    check('RL_TEST_URL and RL_TEST_ADMIN_KEY are set', false, 'start a server first (see scripts/run-tests)');
    finish();
  }
  let data;
  try {
    data = await setup();
    check('test data created through the API', true);
  } catch (e) {
    check('test data created through the API', false, e.message);
    finish();
  }
  const { site, secrets, part, code, token, loan } = data;
  const trackUrl = `${base}/t/${token}`;

  let browser;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    check('chromium starts', true);
  } catch (e) {
    check('chromium starts', false, e.message.split('\n')[0]);
    finish();
  }

  const shotDir = await mkdtemp(join(tmpdir(), 'rl-browser-'));
  try {
    // 1. French by default (a French phone).
    const fr = await open(browser, trackUrl, { locale: 'fr-FR' });
    await attempt('fr: tracking page answers 200', () => ({
      ok: fr.response && fr.response.status() === 200,
      detail: `status ${fr.response && fr.response.status()}`,
    }));
    await attempt('fr: html[lang=fr]', async () => {
      const lang = await fr.page.locator('html').getAttribute('lang');
      return { ok: lang === 'fr', detail: `lang=${lang}` };
    });
    await attempt('fr: one visible h1', async () => {
      const n = await fr.page.locator('h1').count();
      return { ok: n === 1 && (await fr.page.locator('h1').isVisible()), detail: `${n} h1` };
    });
    await attempt('fr: status "Réparé" shown', async () => {
      const s = (await fr.page.locator('.status strong').innerText()).trim();
      return { ok: s === 'Réparé', detail: `status text "${s}"` };
    });
    await attempt('fr: plain-language message shown', async () => ({
      ok: await fr.page.getByText('Bonne nouvelle', { exact: false }).isVisible(),
    }));
    await attempt("fr: site's name, address and hours shown", async () => {
      const text = await fr.page.locator('body').innerText();
      const missing = [site.name, site.address, site.opening_hours].filter((s) => !text.includes(s));
      return { ok: missing.length === 0, detail: `missing ${missing.join(' | ')}` };
    });
    await attempt('fr: timeline lists the steps in order', async () => {
      const steps = await fr.page.locator('ol.timeline li').allInnerTexts();
      const want = ['Déposé', 'En diagnostic', 'Réparé'];
      const ok = steps.length === 3 && want.every((w, i) => steps[i].includes(w));
      return { ok, detail: JSON.stringify(steps) };
    });
    await attempt('fr: no personal data or internal notes in the page', async () => {
      const html = await fr.page.content();
      const leaked = Object.entries(secrets).filter(([, v]) => html.includes(v));
      return { ok: leaked.length === 0, detail: `shows ${leaked.map(([k]) => k).join(', ')}` };
    });
    await attempt('fr: fits a phone screen (no horizontal scroll)', async () => {
      const [sw, cw] = await fr.page.evaluate(() => [
        document.documentElement.scrollWidth,
        document.documentElement.clientWidth,
      ]);
      return { ok: sw <= cw, detail: `scrollWidth ${sw} > clientWidth ${cw}` };
    });
    await attempt('fr: no request to any other origin', () => {
      const foreign = foreignRequests(fr.requests);
      return { ok: foreign.length === 0 && fr.requests.length >= 1, detail: foreign.join(' ') };
    });
    await attempt('fr: no console errors (CSP violations included)', () => ({
      ok: fr.consoleErrors.length === 0,
      detail: fr.consoleErrors.join(' | '),
    }));
    const shot = join(shotDir, 'tracking-fr.png');
    await attempt('fr: screenshot is a non-empty PNG', async () => {
      await fr.page.screenshot({ path: shot, fullPage: true });
      const st = await stat(shot);
      const head = (await readFile(shot)).subarray(0, 8);
      const png = head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      if (process.env.RL_BROWSER_KEEP_SCREENSHOT) console.log(`# screenshot: ${shot}`);
      return { ok: st.size > 1000 && png, detail: `${st.size} bytes, png=${png}` };
    });
    await fr.context.close();

    // 2. English by the phone's language, and by ?lang=en.
    const en = await open(browser, trackUrl, { locale: 'en-US' });
    await attempt('en (Accept-Language): html[lang=en] and status "Repaired"', async () => {
      const lang = await en.page.locator('html').getAttribute('lang');
      const s = (await en.page.locator('.status strong').innerText()).trim();
      return { ok: lang === 'en' && s === 'Repaired', detail: `lang=${lang}, status "${s}"` };
    });
    await attempt('en (Accept-Language): English message', async () => ({
      ok: await en.page.getByText('Good news', { exact: false }).isVisible(),
    }));
    await en.context.close();
    const q = await open(browser, `${trackUrl}?lang=en`, { locale: 'fr-FR' });
    await attempt('en (?lang=en on a French phone): status "Repaired"', async () => {
      const lang = await q.page.locator('html').getAttribute('lang');
      const s = (await q.page.locator('.status strong').innerText()).trim();
      return { ok: lang === 'en' && s === 'Repaired', detail: `lang=${lang}, status "${s}"` };
    });
    await attempt('language link switches back to French', async () => {
      await q.page.locator('footer a[hreflang="fr"]').click();
      await q.page.waitForLoadState('load');
      const lang = await q.page.locator('html').getAttribute('lang');
      const s = (await q.page.locator('.status strong').innerText()).trim();
      return { ok: lang === 'fr' && s === 'Réparé', detail: `lang=${lang}, status "${s}"` };
    });
    await attempt('en: no request to any other origin', () => {
      const foreign = foreignRequests(q.requests);
      return { ok: foreign.length === 0, detail: foreign.join(' ') };
    });
    await q.context.close();

    // 3. Without JavaScript.
    const nojs = await open(browser, trackUrl, { locale: 'fr-FR', javaScriptEnabled: false });
    await attempt('no JavaScript: status still visible', async () => {
      const loc = nojs.page.locator('.status strong');
      const s = (await loc.innerText()).trim();
      return { ok: (await loc.isVisible()) && s === 'Réparé', detail: `status "${s}"` };
    });
    await attempt('no JavaScript: site name visible', async () => ({
      ok: await nojs.page.getByText(site.name, { exact: true }).isVisible(),
    }));
    await nojs.context.close();

    // 4. The device label's page.
    const dev = await open(browser, `${base}/d/${code}`, { locale: 'fr-FR' });
    await attempt('device page: 200 with the category name', async () => {
      const text = await dev.page.locator('body').innerText();
      return {
        ok: dev.response.status() === 200 && text.includes('Ordinateur portable (moyen)'),
        detail: `status ${dev.response.status()}`,
      };
    });
    await attempt('device page: status and site shown, no personal data', async () => {
      const html = await dev.page.content();
      const text = await dev.page.locator('body').innerText();
      const leaked = Object.entries(secrets).filter(([, v]) => html.includes(v));
      const ok = text.includes('Réparé') && text.includes(site.name) && leaked.length === 0 &&
        !html.includes(token);
      return { ok, detail: `leaked ${leaked.map(([k]) => k).join(', ')}` };
    });
    await attempt('device page: html[lang=fr], an h1, no other origin', async () => {
      const lang = await dev.page.locator('html').getAttribute('lang');
      const h1 = await dev.page.locator('h1').count();
      const foreign = foreignRequests(dev.requests);
      return { ok: lang === 'fr' && h1 === 1 && foreign.length === 0, detail: `lang=${lang} h1=${h1} ${foreign.join(' ')}` };
    });
    await dev.context.close();

    // 5. A parts bin's page.
    const pp = await open(browser, `${base}/p/${part.sku.toLowerCase()}`, { locale: 'fr-FR' });
    await attempt('part page: 200, html[lang=fr], one h1 with the name', async () => {
      const lang = await pp.page.locator('html').getAttribute('lang');
      const n = await pp.page.locator('h1').count();
      const h1 = n === 1 ? (await pp.page.locator('h1').innerText()).trim() : '';
      return {
        ok: pp.response.status() === 200 && lang === 'fr' && n === 1 && h1 === part.name,
        detail: `status ${pp.response.status()}, lang=${lang}, ${n} h1 "${h1}"`,
      };
    });
    await attempt('part page: category and "en stock" at the site', async () => {
      const text = await pp.page.locator('body').innerText();
      const row = (await pp.page.locator('ul.stock li', { hasText: site.name }).innerText()).trim();
      return {
        ok: text.includes('Bouilloire') && /en stock$/.test(row) && !/pas en stock/.test(row),
        detail: `row "${row}"`,
      };
    });
    await attempt('part page: no quantities, no people', async () => {
      // Other tests' site names may hold any digits: the stock list is
      // checked by its shape (a name, then yes or no), the rest for the number.
      const html = await pp.page.content();
      const rows = await pp.page.locator('ul.stock li').allInnerTexts();
      const odd = rows.filter((r) => !/^[^\n]+ : (en stock|pas en stock)$/.test(r.trim()));
      const mine = rows.filter((r) => r.trim() === `${site.name} : en stock`);
      const outside = html.replace(/<ul class="stock">[\s\S]*?<\/ul>/, '');
      const q = String(part.quantity);
      const leaked = Object.entries(secrets).filter(([, v]) => html.includes(v));
      return {
        ok: odd.length === 0 && mine.length === 1 && !outside.includes(q) && leaked.length === 0,
        detail: `odd rows ${JSON.stringify(odd.slice(0, 3))}, quantity outside the list: ` +
          `${outside.includes(q)}, leaked ${leaked.map(([k]) => k).join(', ')}`,
      };
    });
    await attempt('part page: no other origin, no console errors', () => {
      const foreign = foreignRequests(pp.requests);
      return {
        ok: foreign.length === 0 && pp.consoleErrors.length === 0,
        detail: `${foreign.join(' ')} ${pp.consoleErrors.join(' | ')}`,
      };
    });
    await pp.context.close();
    const ppEn = await open(browser, `${base}/p/${part.sku}?lang=en`, { locale: 'fr-FR' });
    await attempt('part page (?lang=en): html[lang=en], "in stock", "Kettle"', async () => {
      const lang = await ppEn.page.locator('html').getAttribute('lang');
      const text = await ppEn.page.locator('body').innerText();
      const li = ppEn.page.locator('ul.stock li', { hasText: site.name });
      const row = (await li.innerText()).trim();
      return {
        ok: lang === 'en' && text.includes('Kettle') && /in stock$/.test(row) &&
          !/out of/.test(row),
        detail: `lang=${lang}, row "${row}"`,
      };
    });
    await ppEn.context.close();
    const unknownSku = `NOPE-${part.sku}`.slice(0, 40);
    const ppNf = await open(browser, `${base}/p/${unknownSku}`, { locale: 'fr-FR' });
    await attempt('unknown part: the 404 page', async () => {
      const lang = await ppNf.page.locator('html').getAttribute('lang');
      const h1 = (await ppNf.page.locator('h1').innerText()).trim();
      const html = await ppNf.page.content();
      return {
        ok: ppNf.response.status() === 404 && lang === 'fr' && h1 === 'Lien non reconnu' &&
          !html.includes(part.name),
        detail: `status ${ppNf.response.status()}, lang=${lang}, h1 "${h1}"`,
      };
    });
    await ppNf.context.close();

    // 5b. A loan's page behind its agreement's QR code, and the catalogue.
    await checkLoanPages({ browser, base, open, attempt, foreignRequests, loan, secrets, timeout: TIMEOUT });

    // 5c. The impact page: figures only, nothing of any device or person.
    await checkImpactPage({ browser, base, open, attempt, foreignRequests, secrets: { ...secrets, ...loan.member }, timeout: TIMEOUT });

    // 5d. The page that stops e-mail to a resident, behind its secret token.
    await checkUnsubscribePage({ browser, base, open, attempt, foreignRequests, timeout: TIMEOUT }, data.unsubscribe);

    // 6. An unknown token.
    const bogus = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const nf = await open(browser, `${base}/t/${bogus}`, { locale: 'fr-FR' });
    await attempt('unknown token: 404 page', async () => {
      const lang = await nf.page.locator('html').getAttribute('lang');
      const h1 = (await nf.page.locator('h1').innerText()).trim();
      return {
        ok: nf.response.status() === 404 && lang === 'fr' && h1.length > 0,
        detail: `status ${nf.response.status()}, lang=${lang}, h1 "${h1}"`,
      };
    });
    await attempt('unknown token: nothing of the device shown', async () => {
      const html = await nf.page.content();
      return { ok: !html.includes(code) && !html.includes(site.name) };
    });
    await nf.context.close();

    // 6. The home page, in both languages, and where its links lead.
    for (const [locale, lang, title, help] of [
      ['fr-FR', 'fr', 'Le registre du repair café', 'Suivre votre réparation'],
      ['en-US', 'en', "The repair café's ledger", 'Follow your repair'],
    ]) {
      const home = await open(browser, `${base}/`, { locale });
      await attempt(`home ${lang}: 200, html[lang=${lang}], one h1 "${title}"`, async () => {
        const got = await home.page.locator('html').getAttribute('lang');
        const h1s = await home.page.locator('h1').allInnerTexts();
        return {
          ok: home.response.status() === 200 && got === lang && h1s.length === 1 && h1s[0].trim() === title,
          detail: `status ${home.response.status()}, lang=${got}, h1 ${JSON.stringify(h1s)}`,
        };
      });
      await attempt(`home ${lang}: every link answers 200`, async () => {
        const hrefs = await home.page.locator('a[href]').evaluateAll((as) => as.map((a) => a.href));
        const bad = [];
        for (const href of hrefs) {
          const res = await home.context.request.get(href);
          if (res.status() !== 200) bad.push(`${href} ${res.status()}`);
        }
        return { ok: hrefs.length >= 3 && bad.length === 0, detail: `${hrefs.length} links; ${bad.join(' ')}` };
      });
      await attempt(`home ${lang}: links to the API description, not to pages to come`, async () => {
        const hrefs = await home.page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        const ok = hrefs.includes('/openapi.yaml') && !hrefs.some((h) => h.startsWith('/desk') || h.includes('open-data'));
        return { ok, detail: JSON.stringify(hrefs) };
      });
      await attempt(`home ${lang}: fits a phone screen`, async () => {
        const [sw, cw] = await home.page.evaluate(() => [
          document.documentElement.scrollWidth,
          document.documentElement.clientWidth,
        ]);
        return { ok: sw <= cw, detail: `scrollWidth ${sw} > clientWidth ${cw}` };
      });
      await attempt(`home ${lang}: the tracking help opens in the same language`, async () => {
        await home.page.locator('main a.button').click();
        await home.page.waitForLoadState('load');
        const got = await home.page.locator('html').getAttribute('lang');
        const h1 = (await home.page.locator('h1').innerText()).trim();
        const path = new URL(home.page.url()).pathname;
        return { ok: path === '/help/tracking' && got === lang && h1 === help, detail: `${path} lang=${got} h1 "${h1}"` };
      });
      await attempt(`home ${lang}: no request to any other origin`, () => {
        const foreign = foreignRequests(home.requests);
        return { ok: foreign.length === 0 && home.requests.length >= 2, detail: foreign.join(' ') };
      });
      await attempt(`home ${lang}: no console errors (CSP violations included)`, () => ({
        ok: home.consoleErrors.length === 0,
        detail: home.consoleErrors.join(' | '),
      }));
      await home.context.close();
    }
    const sw = await open(browser, `${base}/?lang=en`, { locale: 'fr-FR' });
    await attempt('home: the language link switches back to French', async () => {
      await sw.page.locator('footer a[hreflang="fr"]').click();
      await sw.page.waitForLoadState('load');
      const lang = await sw.page.locator('html').getAttribute('lang');
      return { ok: lang === 'fr', detail: `lang=${lang}` };
    });
    await sw.context.close();

    const icon = await open(browser, `${base}/favicon.ico`);
    await attempt('favicon: an SVG image the browser draws', async () => {
      const type = icon.response.headers()['content-type'];
      const root = await icon.page.evaluate(() => document.documentElement.localName);
      return { ok: icon.response.status() === 200 && type === 'image/svg+xml' && root === 'svg', detail: `${type}, root <${root}>` };
    });
    await icon.context.close();

    const lost = await open(browser, `${base}/pas/de/page`, { locale: 'fr-FR' });
    await attempt('unknown path: a French 404 page, not JSON', async () => {
      const type = lost.response.headers()['content-type'];
      const lang = await lost.page.locator('html').getAttribute('lang');
      const h1 = (await lost.page.locator('h1').innerText()).trim();
      return {
        ok: lost.response.status() === 404 && type.startsWith('text/html') && lang === 'fr' && h1 === 'Page introuvable',
        detail: `status ${lost.response.status()}, ${type}, lang=${lang}, h1 "${h1}"`,
      };
    });
    await attempt('unknown path: its link leads home', async () => {
      await lost.page.locator('footer a[href^="/?"]').click();
      await lost.page.waitForLoadState('load');
      const h1 = (await lost.page.locator('h1').innerText()).trim();
      return { ok: h1 === 'Le registre du repair café', detail: `h1 "${h1}"` };
    });
    await attempt('unknown path: no console errors besides the 404 itself', () => {
      const others = lost.consoleErrors.filter((m) => !m.includes('404'));
      return { ok: others.length === 0, detail: others.join(' | ') };
    });
    await lost.context.close();
  } catch (e) {
    check('browser session', false, String(e && e.message ? e.message : e).split('\n')[0]);
  } finally {
    await browser.close().catch(() => {});
    if (!process.env.RL_BROWSER_KEEP_SCREENSHOT) await rm(shotDir, { recursive: true, force: true });
  }
  finish();
}

main().catch((e) => {
  check('browser test', false, String(e && e.stack ? e.stack : e));
  finish();
});
