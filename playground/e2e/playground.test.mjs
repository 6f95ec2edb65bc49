// End-to-end tests of the playground: the release build in dist/www/,
// served by scripts/serve.py with the real Content-Security-Policy, in
// headless Chromium. Run by scripts/test.sh (`node --test`); screenshots
// go to target/e2e/.

import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
import { serve, launch, newPage, open, screenshotPath } from "./browser.mjs";

let server;
let browser;
const pages = [];

before(async () => {
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

// Every page of every test: no console error, no exception, no CSP
// violation, no dialog (an XSS payload that ran would open none here, but
// alert() would).
afterEach(async () => {
  while (pages.length) {
    const { page, problems } = pages.pop();
    const csp = await page.cspViolations();
    await page.closeAll();
    assert.deepEqual(problems.errors, [], "uncaught exceptions");
    assert.deepEqual(problems.console, [], "console errors");
    assert.deepEqual(csp, [], "Content-Security-Policy violations");
    assert.deepEqual(problems.dialogs, [], "dialogs");
  }
});

async function page(options) {
  const p = await newPage(browser.browser, options);
  pages.push(p);
  return p.page;
}

/** The link a docs page writes: raw DEFLATE, base64url without padding. */
function link(text) {
  return "#m=" + deflateRawSync(Buffer.from(text, "utf8")).toString("base64url");
}

async function pickExample(p, id) {
  await p.selectOption("[data-testid=examples]", id);
  await p.waitForFunction(
    (id) => document.querySelector("[data-testid=examples]").value === id,
    id,
  );
}

// Playwright sends these functions to the page as source, so each one
// carries its own copy of the inline-message removal (the page's CSP
// forbids building functions from strings there).

/** The editor's text, as CodeMirror holds it (without inline messages). */
async function editorText(p) {
  return p.locator(".cm-content").evaluate((el) =>
    [...el.querySelectorAll(".cm-line")]
      .map((line) => {
        const copy = line.cloneNode(true);
        copy.querySelectorAll(".cm-inline-message").forEach((m) => m.remove());
        return copy.textContent;
      })
      .join("\n"),
  );
}

/** The text of the first line holding `selector`, without inline messages. */
async function firstLineWith(p, selector) {
  return p.locator(`.cm-line:has(${selector})`).first().evaluate((line) => {
    const copy = line.cloneNode(true);
    copy.querySelectorAll(".cm-inline-message").forEach((m) => m.remove());
    return copy.textContent;
  });
}

test("every gallery example loads with no console error", async () => {
  const p = await page();
  await open(p, server.url);
  const ids = await p.locator("[data-testid=examples] option").evaluateAll((os) =>
    os.map((o) => o.value).filter(Boolean),
  );
  assert.ok(ids.length >= 16, `gallery: ${ids}`);
  for (const id of ids) {
    await pickExample(p, id);
    const services = await p.locator(".box.service").count();
    assert.ok(services >= 1, `${id}: no Service drawn`);
    // Findings are expected (the typo, the named port); a text the
    // engine cannot read is not.
    assert.equal(await p.locator("[data-testid=stale]").count(), 0, `${id}: the text has errors`);
    await p.screenshot({ path: screenshotPath(`example-${id}`) });
  }
});

test("a Deployment's pods are drawn, selected by its Service", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "deployment");
  const pods = p.locator('.box.pod[aria-label^="Pod default/nginx-deployment-"]');
  assert.equal(await pods.count(), 3);
  await p.click('.box.service[aria-label^="Service default/nginx "]');
  assert.equal(await p.locator('.box.pod.lit[aria-label^="Pod default/nginx-deployment-"]').count(), 3);
  await p.screenshot({ path: screenshotPath("deployment") });
});

test("the first visit opens on the first example; the text is kept for the next", async () => {
  const p = await page();
  await open(p, server.url);
  assert.equal(await p.inputValue("[data-testid=examples]"), "my-service");
  assert.match(await editorText(p), /name: my-service/);
  await pickExample(p, "headless");
  await p.reload();
  await p.waitForSelector(".box.service");
  assert.equal(await p.inputValue("[data-testid=examples]"), "headless");
  assert.match(await editorText(p), /clusterIP: None/);
});

test("typing produces a diagnostic at the right line", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "typo");
  // Line 9 is "    app: MyApp" of the Service's selector; a second
  // mapping value on it breaks the YAML there.
  await p.click(".cm-content");
  await p.keyboard.press("Control+Home");
  for (let i = 1; i < 9; i++) await p.keyboard.press("ArrowDown");
  await p.keyboard.press("End");
  await p.keyboard.type(": oops");
  await p.waitForSelector(".cm-lintRange-error");
  assert.equal(await firstLineWith(p, ".cm-lintRange-error"), "    app: MyApp: oops");
  assert.match(await p.textContent("[data-testid=status]"), /error/);
  // The diagram keeps the last cluster without errors and says so.
  await p.waitForSelector("[data-testid=stale]");
  assert.equal(await p.locator(".box.service").count(), 1);
  await p.click("[data-testid=tab-problems]");
  const problem = await p.textContent("[data-testid=problems]");
  assert.match(problem, /syntax/);
  assert.match(problem, /line 9:\d+/);
  await p.screenshot({ path: screenshotPath("diagnostic-syntax") });

  // A value the apiserver refuses: a diagnostic at the Service's line.
  await p.keyboard.press("Control+z");
  await p.waitForSelector("[data-testid=stale]", { state: "detached" });
  await p.click(".cm-content");
  await p.keyboard.press("Control+End");
  await p.keyboard.type("\n---\nkind: Service\napiVersion: v1\nmetadata: {name: bad}\nspec: {ports: [{port: 80, protocol: HTTP}]}\n");
  await p.waitForSelector(".cm-inline-message-error");
  const message = await p.locator(".cm-inline-message-error").first().textContent();
  assert.match(message, /spec\.ports\[0\]\.protocol/);
  const at = await firstLineWith(p, ".cm-inline-message-error");
  assert.equal(at, "---", "the rejected Service's document starts at its ---");
  await p.screenshot({ path: screenshotPath("diagnostic-rejected") });
});

test("clicking a Service highlights the pods it selects and shows why not", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "my-service");
  await p.click(".box.service");
  await p.waitForSelector("[data-testid=service-detail]");
  const lit = await p.locator(".box.pod.lit").evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-label")));
  assert.equal(lit.length, 3, lit.join("\n"));
  for (const name of ["myapp-1", "myapp-2", "myapp-3"]) {
    assert.ok(lit.some((l) => l.startsWith(`Pod my-ns/${name} `)), name);
  }
  const missed = await p.locator(".box.pod.missed").getAttribute("aria-label");
  assert.match(missed, /^Pod my-ns\/myapp-typo /);
  assert.match(await p.locator(".box.pod.missed title").textContent(), /not selected: app=MyApp: .*myapp/);
  const whyNot = await p.textContent("[data-testid=why-not]");
  assert.match(whyNot, /app=MyApp/);
  assert.match(whyNot, /myapp-typo/);
  assert.equal(await p.locator("[data-testid=selected-pods] li").count(), 3);
  await p.screenshot({ path: screenshotPath("service-selected") });
  // Endpoints of the selected Service, as YAML.
  await p.click("[data-testid=tab-endpoints]");
  const yaml = await p.textContent("[data-testid=endpoints-yaml]");
  assert.match(yaml, /kind: EndpointSlice/);
  assert.match(yaml, /notReadyAddresses/);
});

test("a pod shows the Services that pick it, its env vars and DNS records", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "redis-master");
  await p.click('.box.pod[aria-label^="Pod my-ns/frontend "]');
  await p.waitForSelector("[data-testid=pod-detail]");
  const env = await p.textContent("[data-testid=env]");
  assert.match(env, /REDIS_MASTER_SERVICE_HOST/);
  assert.match(env, /10\.0\.0\.11/);
  await pickExample(p, "mysql");
  await p.click('.box.pod[aria-label^="Pod db/mysql-0 "]');
  assert.match(await p.textContent("[data-testid=selected-by]"), /db\/mysql-read/);
  assert.match(await p.textContent("[data-testid=pod-records]"), /mysql-0\.mysql\.db\.svc\.cluster\.local\. \d+ IN A 10\.244\.1\.10/);
  await p.screenshot({ path: screenshotPath("pod-selected") });
});

test("the DNS box answers as a pod", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "my-service");
  await p.click("[data-testid=tab-dns]");
  await p.fill("[data-testid=dns-name]", "my-service");
  await p.selectOption("[data-testid=dns-type]", "A");
  await p.selectOption("[data-testid=dns-from]", "my-ns/myapp-1");
  await p.click("[data-testid=dns-form] button[type=submit]");
  const answer = await p.textContent("[data-testid=dns-answer]");
  assert.match(answer, /^;; query my-service\.my-ns\.svc\.cluster\.local\. A -> NOERROR$/m);
  assert.match(answer, /^my-service\.my-ns\.svc\.cluster\.local\. 5 IN A 10\.0\.\d+\.\d+$/m);
  // A name with fewer than five dots walks the search path first.
  await p.fill("[data-testid=dns-name]", "my-service.my-ns.svc.cluster.local");
  await p.click("[data-testid=dns-form] button[type=submit]");
  await p.waitForFunction(() => /NXDOMAIN/.test(document.querySelector("[data-testid=dns-answer]").textContent));
  const walk = await p.textContent("[data-testid=dns-answer]");
  assert.equal((walk.match(/^;; query /gm) ?? []).length, 4, walk);
  await p.screenshot({ path: screenshotPath("dns") });
});

test("a node's iptables rules display", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "node-port");
  await p.click("[data-testid=tab-rules]");
  await p.fill("[data-testid=rules-node]", "node-a");
  await p.selectOption("[data-testid=rules-mode]", "iptables");
  await p.click("[data-testid=rules-form] button[type=submit]");
  const rules = await p.textContent("[data-testid=rules-text]");
  assert.match(rules, /^\*nat$/m);
  assert.match(rules, /-A KUBE-NODEPORTS .*--dport 30061 -j KUBE-EXT-/);
  assert.match(rules, /-A KUBE-SVC-\w+ .*-j KUBE-SEP-/);
  await p.selectOption("[data-testid=rules-mode]", "nftables");
  await p.click("[data-testid=rules-form] button[type=submit]");
  await p.waitForFunction(() => /table ip kube-proxy/.test(document.querySelector("[data-testid=rules-text]").textContent));
  await p.screenshot({ path: screenshotPath("rules") });
});

test("a #m= link opens its text; a bad one says why", async () => {
  const text = "# from a docs page: ünïcode ✓\nkind: Service\napiVersion: v1\nmetadata: {name: from-a-link, namespace: docs}\nspec:\n  selector: {app: docs}\n  ports: [{port: 8080}]\n";
  const p = await page();
  await open(p, server.url, link(text));
  await p.waitForSelector('.box.service[aria-label^="Service docs/from-a-link "]');
  assert.equal(await editorText(p), text);
  // The link is consumed: a reload keeps the (edited) text, not the link.
  assert.equal(await p.evaluate(() => location.hash), "");
  await p.goto(`${server.url}/playground/#m=not*base64`);
  await p.waitForSelector(".notice");
  assert.match(await p.textContent(".notice"), /#m= text could not be opened: '\*' at position 4/);
  await p.waitForSelector(".box.service");
});

test("XSS payloads in names, labels and annotations render inert", async () => {
  const payloads = {
    script: "<script>window.__xss = 'script'</script>",
    img: "<img src=x onerror=\"window.__xss = 'img'\">",
    js: "javascript:window.__xss = 'href'",
  };
  const text = [
    "apiVersion: v1",
    "kind: Service",
    `metadata: {name: "${payloads.script.replaceAll('"', '\\"')}", namespace: x, annotations: {note: "${payloads.img.replaceAll('"', '\\"')}"}}`,
    "spec:",
    `  selector: {app: "${payloads.img.replaceAll('"', '\\"')}"}`,
    "  ports: [{port: 80}]",
    "---",
    "apiVersion: v1",
    "kind: Service",
    "metadata: {name: web, namespace: x}",
    "spec:",
    "  selector: {app: web}",
    "  ports: [{port: 80}]",
    "---",
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    "  name: web-1",
    "  namespace: x",
    "  labels: {app: web}",
    "  annotations:",
    `    a: "${payloads.script.replaceAll('"', '\\"')}"`,
    `    b: "${payloads.img.replaceAll('"', '\\"')}"`,
    `    c: "${payloads.js}"`,
    "spec: {nodeName: node-a, containers: [{name: c, env: [{name: X, value: \"" + payloads.img.replaceAll('"', '\\"') + "\"}]}]}",
    "status: {phase: Running, podIP: 10.244.0.9, conditions: [{type: Ready, status: \"True\"}]}",
    "",
  ].join("\n");
  const p = await page();
  await open(p, server.url, link(text));
  await p.waitForSelector(".box.pod");
  await p.click(".box.pod");
  await p.waitForSelector("[data-testid=pod-detail]");
  const detail = await p.textContent("[data-testid=pod-detail]");
  assert.ok(detail.includes(payloads.script), "the script payload is shown as text");
  assert.ok(detail.includes(payloads.img), "the img payload is shown as text");
  assert.ok(detail.includes(payloads.js), "the javascript: payload is shown as text");
  // The refused Service is drawn as given, its name as text.
  const labels = await p.locator(".box.service").evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-label")));
  assert.ok(labels.some((l) => l.includes("<script>")), labels.join("\n"));
  await p.click("[data-testid=tab-problems]");
  assert.ok((await p.textContent("[data-testid=problems]")).includes("<script>"));
  await p.click("[data-testid=tab-dns]");
  await p.waitForTimeout(200);
  assert.equal(await p.evaluate(() => window.__xss), undefined, "no payload ran");
  // CodeMirror's own img.cm-widgetBuffer (no src) sit beside its widgets.
  assert.equal(await p.locator("#app img:not(.cm-widgetBuffer), #app script, #app iframe, #app a[href^='javascript']").count(), 0);
  await p.screenshot({ path: screenshotPath("xss-inert") });
});

test("keyboard only: Tab to a pod, Enter selects it, Escape clears", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "my-service");
  await p.locator("body").focus();
  let label = "";
  for (let i = 0; i < 80 && !label.startsWith("Pod my-ns/myapp-2"); i++) {
    await p.keyboard.press("Tab");
    label = await p.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? "");
  }
  assert.match(label, /^Pod my-ns\/myapp-2 /, "a pod is reachable with Tab");
  await p.keyboard.press("Enter");
  await p.waitForSelector("[data-testid=pod-detail]");
  assert.equal(await p.getAttribute('.box.pod[aria-label^="Pod my-ns/myapp-2 "]', "aria-pressed"), "true");
  await p.screenshot({ path: screenshotPath("keyboard-pod") });
  await p.keyboard.press("Escape");
  await p.waitForSelector("[data-testid=pod-detail]", { state: "detached" });
  // Services are reachable too, and accessible names say what they are.
  const names = await p.locator(".box.service").evaluateAll((bs) => bs.map((b) => [b.getAttribute("tabindex"), b.getAttribute("aria-label")]));
  assert.deepEqual(names[0][0], "0");
  assert.match(names[0][1], /^Service my-ns\/my-service \(ClusterIP, cluster IP 10\.0\.\d+\.\d+\), selects 3 pod\(s\)$/);
});

test("dark theme renders, following the system or chosen", async () => {
  const p = await page({ colorScheme: "dark" });
  await open(p, server.url);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  };
  const bodyBg = () => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const editorBg = () => p.locator(".cm-editor").evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.ok(luminance(await bodyBg()) < 0.2, "system dark");
  assert.ok(luminance(await editorBg()) < 0.2, "the editor follows");
  await p.selectOption("[data-testid=theme]", "light");
  assert.ok(luminance(await bodyBg()) > 0.8, "chosen light");
  await p.selectOption("[data-testid=theme]", "dark");
  assert.equal(await p.getAttribute("html", "data-theme"), "dark");
  assert.ok(luminance(await editorBg()) < 0.2);
  await p.click(".box.service");
  await p.screenshot({ path: screenshotPath("dark") });
});

test("readable at 360 px: one column, nothing wider than the screen", async () => {
  const p = await page({ width: 360, height: 780 });
  await open(p, server.url);
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await p.screenshot({ path: screenshotPath("narrow-360"), fullPage: true });
  const wall = await page({ width: 2560, height: 1440 });
  await open(wall, server.url);
  await wall.screenshot({ path: screenshotPath("wall-2560") });
});

test("the 500-pod example draws groups that expand", async () => {
  const p = await page();
  await open(p, server.url);
  await pickExample(p, "scale");
  assert.equal(await p.locator(".box.service").count(), 100);
  assert.equal(await p.locator(".box.group").count(), 100);
  const group = p.locator(".box.group").first();
  assert.equal(await group.getAttribute("aria-expanded"), "false");
  await group.click();
  await p.waitForSelector(".box.pod");
  assert.equal(await p.locator(".box.pod").count(), 5);
  assert.equal(await p.locator(".box.group").first().getAttribute("aria-expanded"), "true");
  // A wide diagram scrolls inside its pane; the page itself does not.
  assert.equal(await p.evaluate(() => document.documentElement.scrollWidth), 1440);
  await p.screenshot({ path: screenshotPath("scale") });
});
