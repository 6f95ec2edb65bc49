//! The public conformance cases of `../shared/conformance/` through the
//! JavaScript API, with the expectations of the native tests
//! (`engine/tests/conformance_selectors.rs`, `conformance_validation.rs`):
//! selectors through `select` and a Service's `selection`, `ValidateService`
//! through `check` on a cluster without defaulting.

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
