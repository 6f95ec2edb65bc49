// What the playground's browser tests and figures share: the real server
// (scripts/serve.py, which scripts/serve.sh runs) over the release build
// in dist/www/, and Debian's Chromium driven by playwright-core, with a
// page that records console errors, uncaught exceptions and
// Content-Security-Policy violations.

import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const artifacts = join(root, "target", "e2e");

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Starts the server on a free port; resolves to { url, stop }. */
export function serve() {
  return new Promise((resolve, reject) => {
    const proc = spawn("python3", ["scripts/serve.py", "--port", "0", "--quiet", "--dir", "dist/www"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.on("error", reject);
    proc.on("exit", (code) => reject(new Error(`serve.py exited (${code}) before listening: ${out}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /http:\/\/localhost:(\d+)\//.exec(out);
      if (m) resolve({ url: `http://localhost:${m[1]}`, stop: () => proc.kill() });
    });
  });
}

/**
 * Launches Chromium (Playwright gives it a fresh temporary profile);
 * resolves to { browser, close }.
 */
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    headless: true,
  });
  return { browser, close: () => browser.close() };
}

/**
 * A new page that records problems: `problems.console` (console errors),
 * `problems.errors` (uncaught exceptions), `problems.csp` (violations,
 * from the `securitypolicyviolation` event) and `problems.dialogs`.
 */
export async function newPage(browser, { width = 1440, height = 900, colorScheme = "light" } = {}) {
  // A context of its own: fresh storage, as a first visit.
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  const problems = { console: [], errors: [], csp: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error") problems.console.push(m.text());
  });
  page.on("pageerror", (e) => problems.errors.push(String(e)));
  page.on("dialog", async (d) => {
    problems.dialogs.push(d.message());
    await d.dismiss();
  });
  // Injected by the browser itself, before the page's own scripts: the
  // policy does not apply to it.
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.closeAll = () => context.close();
  page.cspViolations = async () => [...problems.csp, ...(await page.evaluate(() => window.__csp ?? []))];
  return { page, problems };
}

/** Opens the playground and waits until the app has drawn its diagram. */
export async function open(page, base, fragment = "") {
  await page.goto(`${base}/playground/${fragment}`);
  await page.waitForSelector("[data-testid=diagram]");
  await page.waitForSelector(".cm-content");
}

export function screenshotPath(name) {
  mkdirSync(artifacts, { recursive: true });
  return join(artifacts, `${name}.png`);
}
