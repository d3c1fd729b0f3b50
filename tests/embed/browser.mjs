// Drives Debian's Chromium (never a downloaded browser) through the embeddable pages as a host site would use them,
// and prints what it saw as one JSON object on stdout; tests/embed/test_browser.py makes the assertions.
//
//   node browser.mjs '{"chromium": "/usr/bin/chromium", "app": "http://127.0.0.1:P", "host": "http://localhost:Q",
//                      "artifacts": "/abs/test-artifacts/embed"}'
//
// The host pages (served by the test from another origin) are host-schemes.html, host-simulator.html,
// host-both.html and host-eligibility.html; each holds the snippet copied from the app's /embed guide.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const config = JSON.parse(process.argv[2]);
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];
const out = { console: [], axe: {}, screenshots: [] };

async function frameOf(page, path) {
  const handle = await page.waitForSelector(`iframe[src^="${config.app}${path}"]`, { timeout: 15000 });
  const frame = await handle.contentFrame();
  await frame.waitForLoadState("load");
  return { handle, frame };
}

// The iframe's height on the host, and the height of the document inside it, once they have settled.
// Up to 15 s: a cold Chromium on a busy CI machine once took more than 4 s to give the cross-site frame its new
// viewport after the iframe grew (clientHeight still 400 beside an outer height of 2834); settled answers return at
// once, so the wait costs nothing when rendering is quick.
async function heights(handle, frame) {
  let last = null;
  const owner = await handle.ownerFrame();  // the host page's frame holding the iframe
  const page = owner ? owner.page() : null;
  for (let i = 0; i < 150; i++) {
    // Let the host page render a frame: the child frame's viewport follows the iframe's size on the host's next paint.
    if (page) await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
    const outer = await handle.evaluate((el) => el.getBoundingClientRect().height);
    const inner = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    const scroll = await frame.evaluate(() => ({
      scrollHeight: document.documentElement.scrollHeight, clientHeight: document.documentElement.clientHeight,
      scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
    }));
    const now = { outer, inner, ...scroll };
    // Settled: the frame's own viewport has caught up with the iframe's new height (it lags a resize by a frame).
    const caughtUp = Math.abs(scroll.clientHeight - outer) <= 1;
    if (last && caughtUp && Math.abs(outer - inner) <= 1 && JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

async function axe(name, target) {
  await target.evaluate(AXE);
  const result = await target.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  out.axeRules = out.axeRules || {};
  out.axeRules[name] = { passes: result.passes.length, inapplicable: result.inapplicable.length, version: result.testEngine.version };
  out.axe[name] = result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}

async function shot(page, name) {
  // The whole host page: grow the viewport to it rather than `fullPage`, which leaves the part of a cross-site
  // frame below the first screen unpainted. The width does not change, so neither does the layout.
  const path = join(config.artifacts, `${name}.png`);
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => Math.ceil(document.documentElement.scrollHeight));
  await page.setViewportSize({ width: viewport.width, height: Math.min(height, 16000) });
  await page.waitForTimeout(300);
  await page.screenshot({ path });
  await page.setViewportSize(viewport);
  out.screenshots.push(path);
}

// What the keyboard reaches, and whether the focused element shows it.
async function tabThrough(page, frame, presses) {
  const seen = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press("Tab");
    const info = await frame.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      return {
        tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || el.textContent.trim().slice(0, 40),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
      };
    });
    if (info) seen.push(info);
  }
  return seen;
}

async function tableRows(frame) {
  return frame.$$eval("table.months tbody tr", (rows) => rows.map((row) => ({
    month: row.getAttribute("data-month"),
    shown: row.querySelector("td.net").textContent.trim(),
  })));
}

async function totals(frame) {
  return frame.$$eval("dl.totals div", (items) => items.map((item) => ({
    label: item.querySelector("dt").textContent.trim(), shown: item.querySelector("dd").textContent.trim(),
  })));
}

// The eligibility page's cards by verdict: { eligible: [slugs], unknown: [...], not_eligible: [...] }.
async function verdictGroups(target) {
  return target.$$eval("section.verdict", (sections) => Object.fromEntries(sections.map((section) => [
    section.dataset.verdict, [...section.querySelectorAll("li.card")].map((card) => card.dataset.slug)])));
}

async function cardFacts(target, slug) {
  return target.$$eval(`li.card[data-slug="${slug}"] dl.facts div`, (items) => items.map((item) => ({
    label: item.querySelector("dt").textContent.trim(), shown: item.querySelector("dd").textContent.trim(),
  })));
}

const browser = await chromium.launch({ executablePath: config.chromium, args: FLAGS, headless: true, timeout: 30000 });
try {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: "fr-FR" });
  const page = await context.newPage();
  // JavaScript errors and CSP refusals; failed requests are listed with their URL in `failed`.
  out.failed = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) out.console.push(message.text());
  });
  page.on("response", (response) => { if (response.status() >= 400) out.failed.push([response.status(), response.url()]); });
  page.on("pageerror", (error) => out.console.push(String(error)));

  // 1. The scheme list, embedded by the snippet of the guide.
  await page.goto(`${config.host}/host-schemes.html`);
  let { handle, frame } = await frameOf(page, "/embed/schemes");
  await frame.waitForSelector("li.card");
  out.schemes = {
    title: await handle.getAttribute("title"),
    src: await handle.getAttribute("src"),
    slugs: await frame.$$eval("li.card", (cards) => cards.map((card) => card.dataset.slug)),
    bar: await frame.$eval(".bar", (el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]),
    button: await frame.$eval("button[type=submit]", (el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]),
    link: await frame.$eval("li.card a", (el) => getComputedStyle(el).color),
    heights: await heights(handle, frame),
    hostOrigin: await page.evaluate(() => location.origin),
    frameOrigin: await frame.evaluate(() => location.origin),
  };
  // A message from anyone but our frame must not resize it.
  await page.evaluate(() => window.postMessage({ type: "post-internat:height", height: 7 }, "*"));
  await new Promise((resolve) => setTimeout(resolve, 300));
  out.schemes.afterForgedMessage = await handle.evaluate((el) => el.getBoundingClientRect().height);
  await axe("schemes", frame);
  await shot(page, "schemes");
  out.schemes.keyboard = await tabThrough(page, frame, 6);

  // 2. The height follows the content: all schemes (taller), then a filter matching one scheme (shorter).
  await frame.selectOption("#f-audience", "");
  await frame.selectOption("#f-region", "");
  await Promise.all([frame.waitForNavigation(), frame.click("form.filters button[type=submit]")]);
  ({ handle, frame } = await frameOf(page, "/embed/schemes"));
  await frame.waitForSelector("li.card");
  out.schemes.all = { count: await frame.$$eval("li.card", (c) => c.length), heights: await heights(handle, frame) };
  await frame.fill("#f-q", "AHU biologie");
  await Promise.all([frame.waitForNavigation(), frame.press("#f-q", "Enter")]);
  await frame.waitForSelector("li.card");
  out.schemes.one = { count: await frame.$$eval("li.card", (c) => c.length), heights: await heights(handle, frame) };

  // 3. A scheme page, reached from its card.
  await page.goto(`${config.host}/host-schemes.html`);
  ({ handle, frame } = await frameOf(page, "/embed/schemes"));
  await Promise.all([frame.waitForNavigation(), frame.click('li.card[data-slug="aumg"] a')]);
  await frame.waitForSelector("#h-contacts");
  out.scheme = {
    url: frame.url(),
    h1: await frame.$eval("h1", (el) => el.textContent.trim()),
    sections: await frame.$$eval("main h2", (hs) => hs.map((h) => h.textContent.trim())),
    emails: await frame.$$eval('a[href^="mailto:"]', (as) => as.map((a) => a.textContent.trim())),
    heights: await heights(handle, frame),
  };
  await axe("scheme", frame);
  await shot(page, "scheme");

  // 4. The simulator: pre-filled by the snippet, then changed from the keyboard.
  await page.goto(`${config.host}/host-simulator.html`);
  ({ handle, frame } = await frameOf(page, "/embed/simulator"));
  await frame.waitForSelector("table.months");
  out.simulator = {
    src: await handle.getAttribute("src"),
    title: await handle.getAttribute("title"),
    rows: await tableRows(frame),
    totals: await totals(frame),
    chartBars: await frame.$$eval(".chart rect", (bars) => bars.length),
    heights: await heights(handle, frame),
    bar: await frame.$eval(".bar", (el) => getComputedStyle(el).backgroundColor),
  };
  await axe("simulator", frame);
  await shot(page, "simulator");
  await frame.focus("#s-months");
  await frame.fill("#s-months", "12");
  await Promise.all([frame.waitForNavigation(), page.keyboard.press("Enter")]);
  await frame.waitForSelector("table.months");
  out.simulator.after = {
    url: frame.url(), rows: await tableRows(frame), totals: await totals(frame), heights: await heights(handle, frame),
  };
  // An impossible request: an accessible message in the page, and still a fitted frame.
  await frame.fill("#s-months", "999");
  await frame.evaluate(() => document.querySelector("#s-months").removeAttribute("max"));
  await Promise.all([frame.waitForNavigation(), frame.click("form.simulator button[type=submit]")]);
  await frame.waitForSelector('[role="alert"]');
  out.simulator.error = {
    alert: await frame.$eval('[role="alert"]', (el) => el.textContent.replace(/\s+/g, " ").trim()),
    invalid: await frame.$eval("#s-months", (el) => [el.getAttribute("aria-invalid"), el.getAttribute("aria-describedby")]),
    heights: await heights(handle, frame),
  };
  await axe("simulator-error", frame);

  // 5. Two frames on one page: each keeps its own height.
  await page.goto(`${config.host}/host-both.html`);
  const first = await frameOf(page, "/embed/schemes");
  const second = await frameOf(page, "/embed/simulator");
  await first.frame.waitForSelector("li.card");
  await second.frame.waitForSelector("table.months");
  out.both = { schemes: await heights(first.handle, first.frame), simulator: await heights(second.handle, second.frame) };

  // 6. The guide, with its live preview, in English.
  await page.goto(`${config.app}/embed?lang=en&color=%23005ea5`);
  const preview = await frameOf(page, "/embed/schemes");
  await preview.frame.waitForSelector("li.card");
  out.guide = {
    snippet: await page.$eval("#snippet", (el) => el.textContent),
    preview: await heights(preview.handle, preview.frame),
    copyVisible: await page.$eval("button.copy", (el) => !el.hidden),
  };
  await axe("guide", page);
  await shot(page, "guide");

  // 6b. Eligibility, pre-filled by the snippet (a GP who obtained the DES last month), then changed in the form.
  await page.goto(`${config.host}/host-eligibility.html`);
  ({ handle, frame } = await frameOf(page, "/embed/eligibility"));
  await frame.waitForSelector("section.verdict");
  out.eligibility = {
    src: await handle.getAttribute("src"),
    title: await handle.getAttribute("title"),
    groups: await verdictGroups(frame),
    reasons: await frame.$$eval("li.reason", (items) => items.length),
    sources: await frame.$$eval("ul.sources li", (items) => items.length),
    facts: await cardFacts(frame, "ccu-mg"),
    heights: await heights(handle, frame),
  };
  await axe("eligibility", frame);
  await shot(page, "eligibility");
  await frame.selectOption("#e-specialty", "medecine-cardiovasculaire");
  await Promise.all([frame.waitForNavigation(), frame.click("form#eligibility button[type=submit]")]);
  await frame.waitForSelector("section.verdict");
  out.eligibility.cardio = { url: frame.url(), groups: await verdictGroups(frame), heights: await heights(handle, frame) };
  // The same GP five years after the DES, then without a thesis.
  await frame.selectOption("#e-specialty", "medecine-generale");
  await frame.fill("#e-des", config.eligibility.fiveYearsBefore);
  await Promise.all([frame.waitForNavigation(), frame.click("form#eligibility button[type=submit]")]);
  await frame.waitForSelector("section.verdict");
  out.eligibility.late = {
    groups: await verdictGroups(frame),
    ccuReasons: await frame.$$eval('li.card[data-slug="ccu-mg"] li.reason', (items) => items.map((li) => ({
      met: li.className, quotes: [...li.querySelectorAll("q")].map((q) => q.textContent)}))),
  };
  await frame.fill("#e-des", config.eligibility.des);
  await frame.selectOption("#e-thesis", "false");
  await Promise.all([frame.waitForNavigation(), frame.click("form#eligibility button[type=submit]")]);
  await frame.waitForSelector("section.verdict");
  out.eligibility.noThesis = { groups: await verdictGroups(frame) };

  // 7. Without JavaScript: the list, a scheme and the simulator still work (server-rendered HTML, GET forms).
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 800, height: 600 } });
  const plain = await noJs.newPage();
  await plain.goto(`${config.app}/embed/schemes?audience=mg&region=32`);
  out.noJs = { slugs: await plain.$$eval("li.card", (cards) => cards.map((card) => card.dataset.slug)) };
  await Promise.all([plain.waitForNavigation(), plain.click('li.card[data-slug="ccu-mg"] a')]);
  out.noJs.scheme = await plain.$eval("h1", (el) => el.textContent.trim());
  await plain.goto(`${config.app}/embed/simulator?scheme=ccu-ah&region=32`);
  await plain.fill("#s-months", "6");
  await Promise.all([plain.waitForNavigation(), plain.click("form.simulator button[type=submit]")]);
  out.noJs.simulatorRows = await plain.$$eval("table.months tbody tr", (rows) => rows.length);
  await plain.goto(`${config.app}/embed/eligibility?lang=en`);
  await plain.selectOption("#e-specialty", "medecine-generale");
  await plain.selectOption("#e-region", "32");
  await plain.fill("#e-des", config.eligibility.des);
  await plain.selectOption("#e-ordre", "true");
  await Promise.all([plain.waitForNavigation(), plain.click("form#eligibility button[type=submit]")]);
  out.noJs.eligibility = {
    groups: await verdictGroups(plain),
    headings: await plain.$$eval("section.verdict h2", (items) => items.map((h) => h.textContent.trim())),
  };
  await noJs.close();
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
