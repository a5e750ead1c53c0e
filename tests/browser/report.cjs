// Renders canaryd's report in headless Chromium (Debian's, through playwright-core) and says
// what it saw, as JSON on standard output; tests/report.rs judges it. Collects facts, asserts
// nothing itself.
//
//   node tests/browser/report.cjs SITE_DIR SCREENSHOT_DIR WATCH...
//
// Environment: CANARYD_NODE_MODULES (where playwright-core and axe-core are installed),
// CANARYD_CHROMIUM (default /usr/bin/chromium).
'use strict';
const path = require('path');
const fs = require('fs');
const modules = process.env.CANARYD_NODE_MODULES;
const { chromium } = require(path.join(modules, 'playwright-core'));
const axeSource = fs.readFileSync(path.join(modules, 'axe-core', 'axe.min.js'), 'utf8');

const [site, shots, ...watches] = process.argv.slice(2);

async function visit(context, file, shot, opts = {}) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  if (opts.media) await page.emulateMedia(opts.media);
  await page.goto('file://' + path.join(site, file), { waitUntil: 'load' });
  const facts = await page.evaluate(() => ({
    title: document.title,
    scripts: document.querySelectorAll('script').length,
    pwned: typeof window.__pwned !== 'undefined',
    rows: [...document.querySelectorAll('tr[data-watch]')].map((r) => ({
      watch: r.dataset.watch, status: r.dataset.status,
      color: getComputedStyle(r.querySelector('.badge')).backgroundColor,
      href: r.querySelector('a').getAttribute('href'),
    })),
    status: document.querySelector('h1 .badge') ? document.querySelector('h1 .badge').dataset.status : null,
    badgeColor: document.querySelector('h1 .badge') ? getComputedStyle(document.querySelector('h1 .badge')).backgroundColor : null,
    svgs: [...document.querySelectorAll('svg.timeline')].map((s) => ({
      role: s.getAttribute('role'),
      name: [...(s.getAttribute('aria-labelledby') || '').split(' ')].map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim(),
      rows: s.querySelectorAll('g.claim-row').length,
      marks: [...s.querySelectorAll('line.mark')].map((m) => m.getAttribute('class')),
    })),
    versions: document.querySelectorAll('section.version').length,
    text: document.body.innerText,
    links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
  }));
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  if (shot) await page.screenshot({ path: path.join(shots, shot), fullPage: true });
  await page.close();
  return { file, errors, external: requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:')), axe, ...facts };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CANARYD_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // No JavaScript at all: the report must work without it (and a script from a watched page
  // could not run anyway). axe is evaluated through the DevTools protocol, which JS-off
  // pages still allow... so a second context with JS on (and the CSP bypassed) checks that
  // no script of a watched page was left unescaped to run.
  const out = { pages: [] };
  const jsOn = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  out.pages.push(await visit(jsOn, 'index.html', 'index.png'));
  out.pages.push(await visit(jsOn, 'index.html', 'index-dark.png', { media: { colorScheme: 'dark' } }));
  for (const w of watches) {
    out.pages.push(await visit(jsOn, `watch/${w}.html`, `watch-${w}.png`));
    out.pages.push(await visit(jsOn, `watch/${w}.changes.html`, null));
  }
  out.pages.push(await visit(jsOn, `watch/${watches[0]}.html`, `watch-${watches[0]}-print.png`, { media: { media: 'print' } }));
  const jsOff = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const p = await jsOff.newPage();
  await p.goto('file://' + path.join(site, 'index.html'));
  out.noJsRows = await p.locator('tr[data-watch]').count();
  await browser.close();
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
