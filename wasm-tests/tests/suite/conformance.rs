//! The public conformance cases of `../shared/conformance/` through the
//! JavaScript API, with the expectations of the native tests
//! (`engine/tests/conformance_selectors.rs`, `conformance_validation.rs`):
//! selectors through `select` and a Service's `selection`, `ValidateService`
//! through `check` on a cluster without defaulting; the endpoints
//! controller's cases through `endpoints` and kubelet's service variables
//! through `env`, each equal to the native engine's documents and held to
//! the case's addresses and variables. (The DNS and iptables cases are
//! written against the engine's internal indexes, not manifests: they run
//! natively only.)

use serde_json::{json, Value};
use std::collections::BTreeSet;
use svcscope::internals::load::yaml::{parse_documents, to_json_value, Limits};
use svcscope_wasm_tests::*;
use wasm_bindgen_test::wasm_bindgen_test;

/// A conformance file, read as the native tests read it (PyYAML's
/// booleans: `y` and `n` are strings).
fn cases(file: &str) -> Vec<Value> {
    let text = CONFORMANCE
        .iter()
        .find(|(n, _)| *n == file)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("{file} is not embedded"));
    let limits = Limits {
        short_bools: false,
        ..Limits::default()
    };
    let docs = parse_documents(text, &limits).unwrap_or_else(|e| panic!("{file}: {e}"));
    let doc = to_json_value(&docs[0].root);
    let cases = doc["cases"].as_array().expect("cases").clone();
    assert!(!cases.is_empty(), "{file} has no cases");
    cases
}

/// Label values are strings in the API; the files leave some unquoted.
fn labels(v: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (k, v) in v.as_object().into_iter().flatten() {
        let s = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.insert(k.clone(), Value::String(s));
    }
    Value::Object(out)
}

fn pod(labels: Value) -> Value {
    json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p", "namespace": "ns", "labels": labels } })
}

/// `Ok(matched)`, or `Err(code)` when the selector is refused.
fn selects(case: &Value) -> Option<Result<bool, String>> {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    c.apply(js(&pod(labels(&case["labels"]))))
        .expect("the pod applies");
    let sel = &case["selector"];
    if let Some(map) = sel.get("serviceSelectorMap") {
        let svc = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": { "name": "s", "namespace": "ns" },
            "spec": { "selector": labels(map), "ports": [{ "port": 80 }] }
        });
        c.apply(js(&svc)).expect("the Service applies");
        let s = value(&c.selection("ns/s").unwrap());
        return Some(Ok(s["selected"] == json!(["p"])));
    }
    // A nil LabelSelector (selects nothing) has no spelling in the API:
    // `select` needs a selector.
    if sel.is_null() {
        return None;
    }
    Some(match c.select(js(sel), None) {
        Ok(pods) => Ok(value(&pods) == json!([{ "namespace": "ns", "name": "p" }])),
        Err(t) => Err(thrown(t).0),
    })
}

#[wasm_bindgen_test]
fn selectors() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases("selectors.yaml") {
        let id = case["id"].as_str().unwrap_or("?");
        let want = case["expected"].as_str().unwrap_or("?");
        let Some(got) = selects(&case) else {
            assert_eq!(want, "nomatch", "{id}: a nil selector selects nothing");
            continue;
        };
        ran += 1;
        let ok = match (want, &got) {
            ("match", Ok(true)) | ("nomatch", Ok(false)) => true,
            ("parse_error", Err(code)) => code == "bad-selector",
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{id}: want {want}, got {got:?} ({})",
                case["selector"]
            ));
        }
    }
    assert!(ran > 30, "only {ran} cases ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The service CIDRs a case's cluster IPs fit (as the native test builds
/// them), and a node port range that never refuses.
fn config_for(service: &Value) -> Value {
    let cidrs: Vec<String> = service["spec"]["clusterIPs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|ip| {
            let bits = if ip.contains(':') { 7 } else { 6 };
            svcscope::internals::net::parse_cidr_masked(&format!("{ip}/{bits}"))
        })
        .map(|c| c.to_string())
        .collect();
    let mut config = json!({ "nodePortRange": "1-65535", "defaulting": false });
    if !cidrs.is_empty() {
        config["serviceCidr"] = json!(cidrs);
    }
    config
}

#[wasm_bindgen_test]
fn validation() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases("validation.yaml") {
        if case["stage"] != "validation" {
            continue;
        }
        ran += 1;
        let id = case["id"].as_str().unwrap_or("?");
        let service = &case["service"];
        let mut c = svcscope_wasm::Cluster::new(Some(js(&config_for(service)))).unwrap();
        let text = service.to_string();
        let r = value(
            &c.load(wasm_bindgen::JsValue::from_str(&text).into(), None)
                .unwrap(),
        );
        assert_eq!(r["errors"], json!([]), "{id}: the manifest loads");
        let name = service["metadata"]["name"].as_str().unwrap_or("");
        let errors: Vec<Value> = value(&c.check().unwrap())["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "Service" && e["name"] == name && e["stage"] == "validation")
            .cloned()
            .collect();
        let got: BTreeSet<(String, String)> = errors
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().into(),
                    e["type"].as_str().unwrap().into(),
                )
            })
            .collect();
        let expected = case["expected_errors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let want: BTreeSet<(String, String)> = expected
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().into(),
                    e["type"].as_str().unwrap().into(),
                )
            })
            .collect();
        if got != want {
            failures.push(format!("{id}: want {want:?}, got {got:?}"));
            continue;
        }
        for e in &expected {
            let Some(detail) = e["detail"].as_str() else {
                continue;
            };
            let found = errors.iter().any(|a| {
                a["field"] == e["field"]
                    && a["type"] == e["type"]
                    && format!(
                        "{} {}",
                        a["value"].as_str().unwrap_or(""),
                        a["detail"].as_str().unwrap_or("")
                    )
                    .contains(detail)
            });
            if !found {
                failures.push(format!(
                    "{id}: no {} error on {} mentions {detail:?}: {errors:?}",
                    e["type"], e["field"]
                ));
            }
        }
    }
    assert!(ran > 30, "only {ran} cases ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A pod manifest from a case's short form (`podIPs`, `phase`, `ready`).
fn pod_of(p: &Value, namespace: &str) -> Value {
    let ips: Vec<Value> = p["podIPs"].as_array().cloned().unwrap_or_default();
    let mut status = json!({ "phase": p.get("phase").cloned().unwrap_or(json!("Running")) });
    if let Some(first) = ips.first() {
        status["podIP"] = first.clone();
        status["podIPs"] = ips.iter().map(|ip| json!({ "ip": ip })).collect();
    }
    if let Some(ready) = p["ready"].as_bool() {
        status["conditions"] =
            json!([{ "type": "Ready", "status": if ready { "True" } else { "False" } }]);
    }
    let mut spec = json!({});
    for key in [
        "nodeName",
        "hostname",
        "subdomain",
        "containers",
        "initContainers",
        "restartPolicy",
    ] {
        if let Some(v) = p.get(key) {
            spec[key] = v.clone();
        }
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": p["name"], "namespace": p["namespace"].as_str().unwrap_or(namespace),
            "labels": p.get("labels").cloned().unwrap_or(json!({})),
            "deletionTimestamp": p.get("deletionTimestamp").cloned().unwrap_or(Value::Null),
        },
        "spec": spec, "status": status,
    })
}

fn list(items: Vec<Value>) -> String {
    json!({ "apiVersion": "v1", "kind": "List", "items": items }).to_string()
}

/// The endpoints controller's cases: the JS API's Endpoints and
/// EndpointSlices are the native engine's (which the native conformance
/// test holds to the expectations), and the ready addresses are those
/// the case expects.
#[wasm_bindgen_test]
fn endpoints() {
    for case in cases("endpoints.yaml") {
        let id = case["id"].as_str().unwrap();
        let svc = &case["service"];
        let ns = svc["metadata"]["namespace"].as_str().unwrap_or("default");
        let name = svc["metadata"]["name"].as_str().unwrap();
        let mut items = vec![svc.clone()];
        items.extend(
            case["pods"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| pod_of(p, ns)),
        );
        let mut p = Pair::new(json!({ "serviceCidr": ["10.0.0.0/8", "fd00::/108"] }));
        p.load(&format!("{id}.json"), &list(items));
        let target = format!("{ns}/{name}");
        let got = same(
            id,
            p.js.endpoints(Some(target.clone())),
            p.native.endpoints(Some(&target)),
        );
        let Some(want) = case["expected_endpoints"].get("subsets") else {
            continue;
        };
        let ips = |subsets: &Value| -> BTreeSet<String> {
            subsets
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["addresses"].as_array().cloned().unwrap_or_default())
                .filter_map(|a| a["ip"].as_str().map(String::from))
                .collect()
        };
        let endpoints = got["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["kind"] == "Endpoints")
            .unwrap_or_else(|| panic!("{id}: no Endpoints in {got}"));
        assert_eq!(ips(&endpoints["subsets"]), ips(want), "{id}");
    }
}

/// Kubelet's service variables: each case's Services, then a pod in its
/// namespace (with its container's own env), asked for through `env`.
/// The JS API answers what the native engine answers; for the cases of
/// kubelet's whole view, the variables are those the case expects.
#[wasm_bindgen_test]
fn envvars() {
    let mut checked = 0;
    for case in cases("envvars.yaml") {
        let id = case["id"].as_str().unwrap();
        let ns = case["pod_namespace"].as_str().unwrap_or("default");
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": { "name": "pod", "namespace": ns },
            "spec": {
                "enableServiceLinks": case.get("enable_service_links").cloned().unwrap_or(Value::Null),
                "containers": [{ "name": "c", "image": "c",
                    "env": case.get("container_env").cloned().unwrap_or(json!([])) }],
            },
        });
        let mut p = Pair::new(json!({ "serviceCidr": ["0.0.0.0/4", "2001:db8::/108"] }));
        p.load(
            "services.json",
            &list(case["services"].as_array().unwrap().clone()),
        );
        p.load("pod.json", &list(vec![pod]));
        let target = format!("{ns}/pod");
        let got = same(id, p.js.env(&target, None), p.native.env(&target, None));
        // A cluster holds one Service per name: the cases that give
        // kubelet's pure function the same name twice are not a cluster.
        let names: BTreeSet<String> = case["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}/{}", s["metadata"]["namespace"], s["metadata"]["name"]))
            .collect();
        if case["scope"] != "kubelet" || names.len() != case["services"].as_array().unwrap().len() {
            continue;
        }
        // Every cluster has default/kubernetes; a case without it has
        // none of its variables.
        let implicit = !names.contains("\"default\"/\"kubernetes\"");
        let vars: BTreeSet<String> = got["variables"]
            .as_array()
            .unwrap_or_else(|| panic!("{id}: {got}"))
            .iter()
            .filter(|v| {
                !(implicit
                    && v["source"]["namespace"] == "default"
                    && v["source"]["name"] == "kubernetes")
            })
            .map(|v| {
                format!(
                    "{}={}",
                    v["name"].as_str().unwrap(),
                    v["value"].as_str().unwrap_or("")
                )
            })
            .collect();
        let want: BTreeSet<String> = case["expected_env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(vars, want, "{id}");
        checked += 1;
    }
    assert!(
        checked >= 4,
        "only {checked} cases held to their expectations"
    );
}
