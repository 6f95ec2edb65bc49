//! Incremental changes through `apply`, `delete` and re-`load` give, after
//! every step, what a fresh Cluster given the same objects gives.

use serde_json::{json, Value};
use svcscope_wasm_tests::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn pod(name: &str, app: &str, ip: &str, ready: bool) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": { "name": name, "namespace": "shop", "labels": { "app": app } },
        "spec": { "nodeName": "node-a", "containers": [{ "name": "c", "ports": [{ "name": "http", "containerPort": 8080 }] }] },
        "status": { "phase": "Running", "podIP": ip,
                    "conditions": [{ "type": "Ready", "status": if ready { "True" } else { "False" } }] }
    })
}

fn service(name: &str, app: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": { "name": name, "namespace": "shop" },
        "spec": { "selector": { "app": app }, "ports": [{ "port": 80, "targetPort": "http" }] }
    })
}

enum Step {
    Apply(Value),
    Delete(&'static str, &'static str),
}

fn key(v: &Value) -> (String, String) {
    (
        v["kind"].as_str().unwrap().into(),
        v["metadata"]["name"].as_str().unwrap().into(),
    )
}

/// A fresh cluster given `objects` in order: every view must equal the
/// incremental one.
fn fresh(objects: &[Value]) -> svcscope_wasm::Cluster {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    for o in objects {
        c.apply(js(o)).unwrap();
    }
    c
}

fn views(c: &svcscope_wasm::Cluster) -> Value {
    json!({
        "resolve": value(&c.resolve().unwrap()),
        "endpoints": value(&c.endpoints(None).unwrap()),
        "explain": value(&c.explain().unwrap()),
        "zone": value(&c.zone(None).unwrap()),
    })
}

#[wasm_bindgen_test]
fn every_step_equals_a_fresh_cluster() {
    let steps = vec![
        Step::Apply(pod("web-1", "web", "10.244.0.1", true)),
        Step::Apply(service("web", "web")),
        Step::Apply(pod("web-2", "web", "10.244.0.2", false)),
        Step::Apply(service("api", "api")),
        Step::Apply(pod("web-2", "web", "10.244.0.2", true)),
        Step::Apply(pod("api-1", "api", "10.244.0.3", true)),
        Step::Apply(pod("web-1", "api", "10.244.0.1", true)),
        Step::Delete("Service", "web"),
        Step::Delete("Pod", "api-1"),
        Step::Apply(service("web", "web")),
        Step::Delete("Pod", "web-2"),
    ];
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    // The objects now in the cluster, in creation order.
    let mut now: Vec<Value> = Vec::new();
    for (i, step) in steps.into_iter().enumerate() {
        match step {
            Step::Apply(o) => {
                let changes = value(&c.apply(js(&o)).unwrap());
                assert!(changes["services"].is_array() && changes["pods"].is_array());
                match now.iter_mut().find(|x| key(x) == key(&o)) {
                    Some(x) => *x = o,
                    None => now.push(o),
                }
            }
            Step::Delete(kind, name) => {
                c.delete(js(
                    &json!({ "kind": kind, "namespace": "shop", "name": name }),
                ))
                .unwrap();
                now.retain(|x| key(x) != (kind.to_string(), name.to_string()));
            }
        }
        assert_eq!(views(&c), views(&fresh(&now)), "after step {i}");
    }
}

#[wasm_bindgen_test]
fn reloading_a_file_replaces_what_it_gave() {
    let text =
        |objs: &[Value]| json!({ "apiVersion": "v1", "kind": "List", "items": objs }).to_string();
    let opts = || Some(js(&json!({ "filename": "shop.yaml" })));
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let first = [
        service("web", "web"),
        pod("web-1", "web", "10.244.0.1", true),
        pod("web-2", "web", "10.244.0.2", true),
    ];
    c.load(JsValue::from_str(&text(&first)).into(), opts())
        .unwrap();
    assert_eq!(views(&c), views(&fresh(&first)));
    // The editor's next buffer: one pod gone, one relabelled.
    let second = [
        service("web", "web"),
        pod("web-1", "other", "10.244.0.1", true),
    ];
    let r = value(
        &c.load(JsValue::from_str(&text(&second)).into(), opts())
            .unwrap(),
    );
    assert_eq!(r["objects"].as_array().unwrap().len(), 2);
    assert_eq!(views(&c), views(&fresh(&second)));
}
