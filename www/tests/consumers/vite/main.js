// Built by `vite build` with Vite's default config.
import init, { Cluster } from "svcscope";

await init();
const c = new Cluster();
c.load("kind: Pod\napiVersion: v1\nmetadata: {name: web-1, labels: {app: web}}\n", { filename: "web.yaml" });
const pods = c.select("app=web");
document.getElementById("out").textContent = JSON.stringify(pods);
document.title = pods.length === 1 && pods[0].name === "web-1" ? "ok" : "wrong: " + JSON.stringify(pods);
