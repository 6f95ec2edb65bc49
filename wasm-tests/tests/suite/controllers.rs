//! The controllers through the JavaScript API: pods from workloads, and
//! each change a person makes to them (`deletePod`, `scale`, `cordon`,
//! `drain`, `setReady`), equal to the native engine's documents, with the
//! same typed errors.

use serde_json::json;
use svcscope_wasm_tests::*;
use wasm_bindgen_test::wasm_bindgen_test;

const NODES: &str = "apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Node, metadata: {name: node-a}, spec: {podCIDR: 10.244.1.0/24}}
- {apiVersion: v1, kind: Node, metadata: {name: node-b}, spec: {podCIDR: 10.244.2.0/24}}
";

const WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
";

fn cluster() -> Pair {
    let mut p = Pair::new(json!({ "controllers": true, "seed": 7 }));
    p.load("nodes.yaml", NODES);
    p.load("web.yaml", WEB);
    p
}

fn pods(p: &Pair) -> serde_json::Value {
    same(
        "pods",
        p.js.pods(),
        Ok::<_, svcscope::Error>(p.native.pods()),
    )
}

#[wasm_bindgen_test]
fn workloads_make_pods_as_the_engine_does() {
    let p = cluster();
    let list = pods(&p);
    assert_eq!(list["kind"], "Pods");
    assert_eq!(list["pods"].as_array().unwrap().len(), 3);
    // The Service selects the controller's pods.
    let eps = value(&p.js.endpoints(Some("shop/web".into())).unwrap());
    assert!(eps.to_string().contains("10.244."), "{eps}");
}

#[wasm_bindgen_test]
fn every_change_matches_the_native_engine() {
    let mut p = cluster();
    let first = pods(&p)["pods"][0]["name"].as_str().unwrap().to_string();
    let pod = format!("shop/{first}");
    let report = same(
        "deletePod",
        p.js.delete_pod(&pod),
        p.native.delete_pod(&pod),
    );
    // The pod terminates; its ReplicaSet makes a replacement.
    assert_eq!(report["created"].as_array().unwrap().len(), 1, "{report}");
    let running = |p: &Pair| {
        pods(p)["pods"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["status"] != "Terminating")
            .count()
    };
    assert_eq!(running(&p), 3);
    same(
        "scale",
        p.js.scale("Deployment", "shop/web", 5),
        p.native.scale("Deployment", "shop/web", 5),
    );
    assert_eq!(running(&p), 5);
    same(
        "cordon",
        p.js.cordon("node-b", None),
        p.native.cordon("node-b", true),
    );
    same("drain", p.js.drain("node-a"), p.native.drain("node-a"));
    same(
        "uncordon",
        p.js.cordon("node-b", Some(false)),
        p.native.cordon("node-b", false),
    );
    let now = pods(&p)["pods"][0]["name"].as_str().unwrap().to_string();
    let now = format!("shop/{now}");
    same(
        "setReady",
        p.js.set_ready(&now, false),
        p.native.set_ready(&now, false),
    );
    pods(&p);
}

#[wasm_bindgen_test]
fn misuse_throws_the_engines_typed_errors() {
    let mut p = cluster();
    let checks = [
        (
            "scale below zero",
            err(p.js.scale("Deployment", "shop/web", -1)),
            p.native.scale("Deployment", "shop/web", -1).err(),
        ),
        (
            "scale of no workload",
            err(p.js.scale("Deployment", "shop/nope", 1)),
            p.native.scale("Deployment", "shop/nope", 1).err(),
        ),
        (
            "a pod reference with too many parts",
            err(p.js.delete_pod("a/b/c")),
            p.native.delete_pod("a/b/c").err(),
        ),
        (
            "drain of no node",
            err(p.js.drain("node-z")),
            p.native.drain("node-z").err(),
        ),
        (
            "readiness of no pod",
            err(p.js.set_ready("shop/nope", true)),
            p.native.set_ready("shop/nope", true).err(),
        ),
    ];
    for (what, (code, argument, message), native) in checks {
        let native = native.unwrap_or_else(|| panic!("{what}: the engine must refuse it"));
        assert_eq!(code, native.code(), "{what}");
        assert_eq!(argument.as_deref(), native.argument(), "{what}");
        assert_eq!(message, native.to_string(), "{what}");
    }
}
