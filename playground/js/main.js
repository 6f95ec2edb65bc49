// The playground's entry: loads the app's WebAssembly, whose start
// function mounts the Yew app on <main id="app">. esbuild bundles this,
// wasm-bindgen's glue (aliased as "svcscope-playground-glue" by
// scripts/build-playground.sh) and the editor bridge into playground.js.
import init from "svcscope-playground-glue";

init({ module_or_path: new URL("playground.wasm", import.meta.url) }).catch((e) => {
  const app = document.getElementById("app");
  const p = document.createElement("p");
  p.className = "fatal";
  p.textContent = `The playground could not start: ${e}`;
  app.replaceChildren(p);
  throw e;
});
