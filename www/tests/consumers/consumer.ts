// Compiled with `tsc --strict`: every method, its arguments and results,
// typed by the package's declarations alone.
import init, {
  Cluster,
  version,
  type Changes,
  type Diagnostic,
  type DnsAnswer,
  type Document,
  type EndpointsList,
  type Environment,
  type LoadReport,
  type NsName,
  type ProxyRules,
  type Resolution,
  type ResolvedService,
  type Selection,
  type Trace,
  type Zone,
} from "svcscope";

await init();
const v: string = version();
const c = new Cluster({ serviceCidr: "10.0.0.0/16", nodePortRange: "30000-32767", clusterDomain: "cluster.local" });
const report: LoadReport = c.load("kind: Pod\napiVersion: v1\nmetadata: {name: a}\n", { filename: "a.yaml", namespace: "x" });
const bytes: LoadReport = c.load(new Uint8Array([]), { filename: "b.yaml" });
for (const e of report.errors) console.log(e.file, e.line ?? 0, e.column ?? 0, e.message);
const applied: Changes = c.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "b", labels: { app: "web" } } });
const deleted: Changes = c.delete({ kind: "Pod", namespace: "default", name: "b" });
const check = c.check();
const firstError: string | undefined = check.errors[0]?.field;
const pods: NsName[] = c.select("app=web", { namespace: "default" });
const pods2: NsName[] = c.select({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "Exists" }] });
const services: ResolvedService[] = c.services();
const selection: Document<Selection> = c.selection("default/kubernetes");
const all: EndpointsList = c.endpoints();
const one: EndpointsList = c.endpoints("default/kubernetes");
const diagnostics: Diagnostic[] = c.explain();
const resolution: Document<Resolution> = c.resolve();
const answer: Document<DnsAnswer> = c.dns("kubernetes.default", "A", { from: "x/a", podRecords: "insecure", ttl: 5 });
const zone: Document<Zone> = c.zone({ ttl: 30 });
const env: Document<Environment> = c.env("x/a", { container: "app" });
const trace: Document<Trace> = c.route({ from: "x/a", to: "kubernetes.default:443", protocol: "TCP", connections: 10, mode: "iptables" });
const rules: Document<ProxyRules> = c.rules({ node: "node-a", mode: "nftables", clusterCidr: "10.244.0.0/16" });
c.clear();
c.free();
const verdict: string = trace.verdict.kind;
const names: string[] = env.variables.map((x) => `${x.name}=${x.value}`);
const rcode: string = answer.kind === "PodLookup" ? "lookup" : "response";
console.log(v, bytes, applied.services, deleted.pods, firstError, pods, pods2, services[0]?.service.spec.clusterIP);
console.log(selection.notSelected, all.items.length, one.items, diagnostics[0]?.fix, resolution.config.serviceCidrs);
console.log(zone.text, rules.text, verdict, names, rcode);
