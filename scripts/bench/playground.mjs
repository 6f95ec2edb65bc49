// Prints the playground's render times on the gallery's generated
// cluster (500 pods, 100 Services) in headless Chromium, against the
// issue's targets: the first render after a load (< 1 s: from navigation
// start to the app's first committed render, the wasm's download,
// compile and the engine's first load included) and an edit's re-render
// (< 50 ms: from the editor's debounced change to the committed render,
// the engine's incremental reload included). The app sets the marks
// (src/app/mod.rs). Figures only; nothing is asserted.
//
//   bash scripts/build-playground.sh && node scripts/bench/playground.mjs

import { serve, launch, newPage, open } from "../../playground/e2e/browser.mjs";

const server = await serve();
const { browser, close } = await launch();
try {
  const { page } = await newPage(browser);
  await open(page, server.url);
  await page.selectOption("[data-testid=examples]", "scale");
  await page.waitForFunction(() => document.querySelectorAll(".box.service").length === 100);

  // The text is kept in localStorage: a reload opens on the 500 pods.
  const firsts = [];
  for (let i = 0; i < 3; i++) {
    await page.reload();
    await page.waitForFunction(() => performance.getEntriesByName("svcscope:first-render").length > 0);
    firsts.push(await page.evaluate(() => performance.getEntriesByName("svcscope:first-render")[0].startTime));
  }

  // Edits a user makes, each one change of the editor (one debounced reload).
  const pod = (name) =>
    `\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: team-00, labels: {app: app-00, tier: backend}}\n` +
    `spec: {nodeName: node-00, containers: [{name: main, ports: [{name: http, containerPort: 8080}]}]}\n` +
    `status: {phase: Running, podIP: 10.244.0.250, conditions: [{type: Ready, status: "True"}]}\n`;
  const edits = [
    ["a comment line", "\n# a note"],
    ["a pod a Service selects", pod("extra-0")],
    ["a Service", "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: team-01}\nspec: {selector: {tier: backend}, ports: [{port: 80, targetPort: http}]}\n"],
    ["a syntax error", "\n  bad: ["],
  ];
  await page.click(".cm-content");
  const times = [];
  for (const [what, text] of edits) {
    await page.keyboard.press("Control+End");
    const before = await page.evaluate(() => performance.getEntriesByName("svcscope:edit-render").length);
    await page.keyboard.insertText(text);
    await page.waitForFunction((n) => performance.getEntriesByName("svcscope:edit-render").length > n, before);
    const ms = await page.evaluate(() => performance.getEntriesByName("svcscope:edit-render").at(-1).duration);
    times.push([what, ms]);
  }

  const fmt = (ms) => `${ms.toFixed(1)} ms`;
  console.log("playground, 500 pods / 100 Services, headless Chromium:");
  console.log(`  first render after load: ${firsts.map(fmt).join(", ")} (target < 1000 ms)`);
  for (const [what, ms] of times) console.log(`  edit re-render, ${what}: ${fmt(ms)} (target < 50 ms)`);
} finally {
  await close();
  server.stop();
}
