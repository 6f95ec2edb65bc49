//! Hostile input through JavaScript: each is a result or a thrown Error,
//! never a trap (which would kill the module for the whole page), and the
//! module answers normally afterwards.

use serde_json::{json, Value};
use svcscope_wasm_tests::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// The module still answers: a small cluster built and asked from scratch.
fn still_usable() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    c.load(JsValue::from_str(example("my-service.yaml")).into(), None)
        .unwrap();
    let pods = value(&c.select(js(&json!("app=MyApp")), None).unwrap());
    assert_eq!(pods.as_array().unwrap().len(), 3);
}

fn load(c: &mut svcscope_wasm::Cluster, text: &str) -> Value {
    value(
        &c.load(JsValue::from_str(text).into(), None)
            .expect("load reports, never throws"),
    )
}

#[wasm_bindgen_test]
fn invalid_yaml_is_an_error_at_its_place() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    for text in [
        "kind: Pod\nmetadata: {name: [}\n",
        "a: b: c\n",
        "\t- x\n",
        "{\"kind\": \"Pod\",}",
        "---\n- - - ]\n",
    ] {
        let r = load(&mut c, text);
        let e = &r["errors"][0];
        assert!(
            e["message"].is_string() && e["line"].is_number(),
            "{text:?}: {r}"
        );
    }
    still_usable();
}

#[wasm_bindgen_test]
fn an_alias_bomb_is_refused() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = (b'a' + i - 1) as char;
        let this = (b'a' + i) as char;
        text.push_str(&format!("{this}: &{this} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let r = load(&mut c, &text);
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("alias"),
        "{r}"
    );
    still_usable();
}

#[wasm_bindgen_test]
fn deep_nesting_is_refused() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = load(&mut c, &deep);
    assert!(!r["errors"].as_array().unwrap().is_empty());
    let deep_json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"a\"}}, \"spec\": {{\"x\": {}{}}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Deep nesting in a field svcscope does not read is skipped over.
    let r = load(&mut c, &deep_json);
    assert_eq!(r["objects"][0]["name"], "a", "{r}");
    let deep_yaml = format!("kind: Pod\nx: {}", "- ".repeat(100_000));
    let r = load(&mut c, &deep_yaml);
    assert!(!r["errors"].as_array().unwrap().is_empty());
    // The same depth as a JavaScript object, to apply and as options.
    let obj = js_sys::Object::new();
    let mut cur: JsValue = obj.clone().into();
    for _ in 0..100_000 {
        let next: JsValue = js_sys::Object::new().into();
        js_sys::Reflect::set(&cur, &"a".into(), &next).unwrap();
        cur = next;
    }
    // Node's JSON.stringify runs out of stack (a bad argument); Chromium's
    // writes the text, which the loader refuses (a bad object).
    let (code, _, msg) = err(c.apply(obj.clone().unchecked_into()));
    assert!(
        code == "bad-argument" || code == "bad-object",
        "{code}: {msg}"
    );
    let (code, _, _) = err(svcscope_wasm::Cluster::new(Some(
        obj.clone().unchecked_into(),
    )));
    assert_eq!(code, "bad-argument");
    let (code, _, _) = err(c.route(obj.unchecked_into()));
    assert_eq!(code, "bad-argument");
    // A cycle.
    let cyc = js_sys::Object::new();
    js_sys::Reflect::set(&cyc, &"self".into(), &cyc).unwrap();
    let (code, arg, msg) = err(c.select(cyc.unchecked_into(), None));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("selector")),
        "{msg}"
    );
    still_usable();
}

#[wasm_bindgen_test]
fn ten_megabytes_of_manifests() {
    let pods: Vec<Value> = (0..20_000)
        .map(|i| json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": { "name": format!("pod-{i}"), "namespace": format!("ns-{}", i % 50),
                          "labels": { "app": format!("app-{}", i % 100), "tier": "backend", "padding": "x".repeat(300) } },
            "spec": { "nodeName": "node-a", "containers": [{ "name": "c", "image": "registry.example/app:1.0" }] },
            "status": { "phase": "Running", "podIP": format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256) }
        }))
        .collect();
    let text = json!({ "apiVersion": "v1", "kind": "List", "items": pods }).to_string();
    assert!(text.len() > 10_000_000, "{} bytes", text.len());
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let r = load(&mut c, &text);
    assert_eq!(r["errors"], json!([]));
    assert_eq!(r["objects"].as_array().unwrap().len(), 20_000);
    // Past the configured limit it is an error, not an attempt.
    let mut small =
        svcscope_wasm::Cluster::new(Some(js(&json!({ "maxInputBytes": 1_000_000 })))).unwrap();
    let r = load(&mut small, &text);
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("bytes"),
        "{}",
        r["errors"]
    );
    still_usable();
}

#[wasm_bindgen_test]
fn invalid_utf8_is_reported_at_line_and_column() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let mut bytes = b"kind: Pod\nmetadata: {name: a".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, 0x80]);
    bytes.extend_from_slice(b"}\n");
    // (No BOM: 0xff 0xfe comes after text.)
    let arr = js_sys::Uint8Array::from(&bytes[..]);
    let r = value(
        &c.load(
            arr.unchecked_into(),
            Some(js(&json!({ "filename": "bin.yaml" }))),
        )
        .unwrap(),
    );
    let e = &r["errors"][0];
    assert_eq!(
        (e["file"].as_str(), e["line"].as_u64()),
        (Some("bin.yaml"), Some(2)),
        "{r}"
    );
    assert!(
        e["column"].as_u64().is_some() && e["message"].as_str().unwrap().contains("UTF-8"),
        "{e}"
    );
    still_usable();
}

#[wasm_bindgen_test]
fn markup_in_names_and_labels_is_plain_data() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let name = "<script>alert(1)</script>";
    let text = format!(
        "kind: Pod\napiVersion: v1\nmetadata:\n  name: '{name}'\n  labels: {{app: '<img src=x onerror=alert(1)>'}}\n---\nkind: Service\napiVersion: v1\nmetadata: {{name: '{name}'}}\nspec:\n  selector: {{app: '<b>'}}\n  ports: [{{port: 80}}]\n"
    );
    let r = load(&mut c, &text);
    assert_eq!(r["objects"][0]["name"], name, "names come back verbatim");
    // The apiserver would refuse both names: data in check, not a throw.
    let check = value(&c.check().unwrap());
    assert!(
        check["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == name),
        "{check}"
    );
    let pods = value(&c.select(js(&json!("app")), None).unwrap());
    assert_eq!(pods, json!([{ "namespace": "default", "name": name }]));
    // A selector for the markup is refused with the parser's words.
    let (code, _, msg) = err(c.select(js(&json!({ "matchLabels": { "app": "<b>" } })), None));
    assert_eq!(code, "bad-selector", "{msg}");
    value(&c.explain().unwrap());
    value(&c.resolve().unwrap());
    value(&c.rules(js(&json!({ "node": "<node>" }))).unwrap());
    still_usable();
}

#[wasm_bindgen_test]
fn wrong_argument_types_throw_errors_that_say_so() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let (code, arg, msg) = err(c.load(JsValue::from(42).unchecked_into(), None));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("text")),
        "{msg}"
    );
    let (code, arg, msg) = err(c.route(js(&json!({}))));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("request"))
    );
    assert!(msg.contains("missing field `from`"), "{msg}");
    // An array is not read as an object's fields by position.
    let (code, arg, msg) = err(c.route(js(&json!(["my-ns/client", "my-service.my-ns:80"]))));
    assert_eq!(
        (code.as_str(), arg.as_deref(), msg.as_str()),
        (
            "bad-argument",
            Some("request"),
            "request must be an object, not an array"
        )
    );
    let (code, arg, msg) = err(c.select(js(&json!([{ "app": "x" }])), None));
    assert_eq!(
        (code.as_str(), arg.as_deref(), msg.as_str()),
        (
            "bad-argument",
            Some("selector"),
            "selector must be a string or a LabelSelector object, not an array"
        )
    );
    for bad in [json!(true), json!("x"), json!([1, 2])] {
        err(c.rules(js(&bad)));
        err(c.route(js(&bad)));
        err(c.delete(js(&bad)));
        err(c.dns("a", "A", Some(js(&bad))));
        err(c.zone(Some(js(&bad))));
        err(c.env("a", Some(js(&bad))));
        err(c.load(JsValue::from_str("").into(), Some(js(&bad))));
    }
    // A BigInt JSON.stringify refuses.
    let big = js_sys::Object::new();
    js_sys::Reflect::set(&big, &"ttl".into(), &js_sys::BigInt::from(5u32).into()).unwrap();
    let (code, arg, msg) = err(c.zone(Some(big.unchecked_into())));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("options")),
        "{msg}"
    );
    still_usable();
}
