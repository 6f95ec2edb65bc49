// Node, require: the package as installed from its tarball.
"use strict";
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const svcscope = require("svcscope");
const { Cluster } = svcscope;

(async () => {
  await svcscope.default(); // the one documented init, here a no-op
  const c = new Cluster();
  const r = c.load(readFileSync(process.argv[2], "utf8"), { filename: "typo.yaml" });
  assert.deepEqual(r.errors, []);
  const codes = c.explain().map((d) => d.code);
  assert.ok(codes.includes("selector-matches-nothing"), codes.join());
  assert.throws(() => c.selection("typo/nope"), (e) => e.code === "not-found");
  // One instance: the ESM entry gives the very same class.
  const esm = await import("svcscope");
  assert.equal(esm.Cluster, Cluster);
  console.log("cjs: ok");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
