// Serves a folder on localhost and opens a page of it in headless Chromium
// (Debian's, driven by playwright-core); the page sets document.title to
// "ok" when its checks pass. Any page error or failed request fails the
// run. Usage: node browser.mjs DIR PAGE
import http from "node:http";
import { readFile } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const [dir, page] = process.argv.slice(2);
const root = path.resolve(dir);
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".json": "application/json" };

const server = http.createServer(async (req, res) => {
  const file = path.join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (!file.startsWith(root)) return res.writeHead(403).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/${page}`;

const browser = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "svcscope-chromium-")), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
try {
  const p = await browser.newPage();
  p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  p.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  p.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await p.goto(url);
  await p.waitForFunction(() => document.title === "ok" || document.title.startsWith("wrong"), null, { timeout: 30000 }).catch(() => {});
  const title = await p.title();
  if (title !== "ok") problems.push(`title: ${title}`);
  // A page that measures leaves its figures here.
  const result = await p.evaluate(() => document.body.dataset.result);
  if (result) console.log(result);
} finally {
  await browser.close();
  server.close();
}
if (problems.length) {
  console.error(`${url}:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.error(`${page}: ok`);
