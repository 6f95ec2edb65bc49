// Node side of www/bench/crowded.sh: the installed package loads and
// resolves a whole cluster file; prints the figures as JSON.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [pkg, file] = process.argv.slice(2);
const { Cluster } = createRequire(import.meta.url)(pkg);
const bytes = readFileSync(file);
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;

// A threshold dump is larger than the default 64 MiB input limit.
const c = new Cluster({ maxInputBytes: 1 << 30 });
let t = process.hrtime.bigint();
const report = c.load(bytes, { filename: "cluster.json" });
const loadMs = ms(t);
if (report.errors.length) throw new Error(`load: ${report.errors[0].message}`);
t = process.hrtime.bigint();
const doc = c.resolve();
const resolveMs = ms(t);
t = process.hrtime.bigint();
const explained = c.explain().length;
const explainMs = ms(t);
const mem = process.memoryUsage();
console.log(JSON.stringify({
  inputBytes: bytes.length,
  objects: report.objects.length,
  services: doc.services.length,
  diagnostics: explained,
  loadMs, resolveMs, explainMs,
  rssBytes: mem.rss,
  arrayBuffersBytes: mem.arrayBuffers,
}));
