// The boundary measurement, the same in Node and in Chromium: a generated
// cluster of 1,000 pods and 100 Services loaded and resolved, and the two
// ways a result can cross into JavaScript timed against each other.

/** The cluster: 10 namespaces, 10 Services each, 10 pods per Service. */
export function manifests() {
  const docs = [];
  for (let s = 0; s < 100; s++) {
    const ns = `ns-${s % 10}`;
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: svc-${s}, namespace: ${ns}}
spec:
  selector: {app: app-${s}}
  ports: [{name: http, port: 80, targetPort: http}, {name: metrics, port: 9090, targetPort: 9090}]`);
    for (let p = 0; p < 10; p++) {
      const i = s * 10 + p;
      docs.push(`apiVersion: v1
kind: Pod
metadata: {name: pod-${i}, namespace: ${ns}, labels: {app: app-${s}, tier: backend}}
spec:
  nodeName: node-${i % 4}
  containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]
status:
  phase: Running
  podIP: 10.244.${Math.floor(i / 250)}.${(i % 250) + 1}
  conditions: [{type: Ready, status: "${p === 9 ? "False" : "True"}"}]`);
    }
  }
  return docs.join("\n---\n") + "\n";
}

/** The median of `n` runs of `f`, in milliseconds. */
function median(n, f) {
  const t = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    f();
    t.push(performance.now() - start);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(n / 2)];
}

export function run({ Cluster }, text) {
  const runs = 7;
  let c;
  const load = median(runs, () => {
    c?.free();
    c = new Cluster();
    c.load(text, { filename: "bench.yaml" });
  });
  const out = {
    inputBytes: new TextEncoder().encode(text).length,
    resolveJsonBytes: JSON.stringify(c.resolve()).length,
    endpointsJsonBytes: JSON.stringify(c.endpoints()).length,
    loadMs: load,
    resolveJsonMs: median(runs, () => c.resolve()),
    resolveObjectsMs: median(runs, () => c.resolveObjects()),
    endpointsJsonMs: median(runs, () => c.endpoints()),
    endpointsObjectsMs: median(runs, () => c.endpointsObjects()),
  };
  // What the package does end to end: a fresh load, then resolve.
  out.loadResolveMs = median(runs, () => {
    const d = new Cluster();
    d.load(text, { filename: "bench.yaml" });
    d.resolve();
    d.free();
  });
  c.free();
  return out;
}
