// Node side of www/bench/boundary.sh: prints the figures as JSON.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { manifests, run } from "./bench.mjs";

const glue = createRequire(import.meta.url)(process.argv[2]);
const text = manifests();
writeFileSync(process.argv[3], text); // the native run reads the same text
console.log(JSON.stringify(run(glue, text)));
