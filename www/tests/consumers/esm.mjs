// Node, import: the package as installed from its tarball.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import init, { Cluster, version } from "svcscope";

await init();
assert.match(version(), /^\d+\.\d+\.\d+/);
const c = new Cluster({ serviceCidr: "10.0.0.0/16" });
const { objects, errors } = c.load(readFileSync(process.argv[2]), { filename: "my-service.yaml" });
assert.deepEqual(errors, []);
assert.ok(objects.length > 3);
assert.deepEqual(c.select("app=MyApp", { namespace: "my-ns" }).map((p) => p.name), ["myapp-1", "myapp-2", "myapp-3"]);
const eps = c.endpoints("my-ns/my-service");
assert.equal(eps.kind, "List");
assert.equal(eps.items[0].subsets[0].addresses.length, 2);
assert.throws(() => c.load(42), (e) => e instanceof Error && e.name === "SvcscopeError" && e.code === "bad-argument");
assert.match(c.rules({ node: "node-a" }).text, /^\*filter\n/);
c.free();
console.log("esm: ok");
