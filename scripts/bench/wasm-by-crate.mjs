// Sums twiggy's CSV (`twiggy top -n 100000 -f csv FILE`, on stdin) by the
// crate that defines each item, and prints the largest N crates (argv[2]).
// A generic function counts for the crate that defines it; the names
// section is left out. Used by www/size.sh and scripts/bench/playground-size.sh.
import { readFileSync } from "node:fs";

const top = Number(process.argv[2] ?? 12);
const rows = readFileSync(0, "utf8").trim().split("\n").slice(1);
const by = new Map();
for (const row of rows) {
  const m = row.match(/^"?(.*?)"?,(\d+),/);
  if (!m || m[1].includes("function names")) continue;
  const name = m[1].replace(/\[[0-9a-f]+\]/g, "");
  const crate = (name.match(/^<*&?(?:mut )?([a-z_][a-z0-9_]*)::/) || [, name.startsWith("data segment") ? "data" : "other"])[1];
  by.set(crate, (by.get(crate) || 0) + Number(m[2]));
}
for (const [c, b] of [...by].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${(b / 1024).toFixed(1).padStart(9)} KB  ${c}`);
