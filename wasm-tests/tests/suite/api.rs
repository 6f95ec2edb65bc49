//! Each method, its options and its errors, as a caller meets them.

use serde_json::json;
use svcscope::cluster::options::{DnsQuery, RouteRequest, RulesRequest, ZoneOptions};
use svcscope_wasm_tests::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn seeded() -> Pair {
    let mut p = Pair::new(json!({ "serviceCidr": "10.0.0.0/16" }));
    p.load("redis-master.yaml", example("redis-master.yaml"));
    p.load("nodes.yaml", example("nodes.yaml"));
    p.load("my-service.yaml", example("my-service.yaml"));
    p
}

#[wasm_bindgen_test]
fn version_is_the_engines() {
    assert_eq!(svcscope_wasm::version(), svcscope::VERSION);
}

#[wasm_bindgen_test]
fn constructor_takes_the_config_or_nothing() {
    let c = svcscope_wasm::Cluster::new(None).unwrap();
    let r = value(&c.resolve().unwrap());
    assert_eq!(r["config"]["serviceCidrs"], json!(["10.96.0.0/12"]));
    let c = svcscope_wasm::Cluster::new(Some(js(&json!({
        "serviceCidr": ["10.0.0.0/16", "fd00::/108"],
        "nodePortRange": "30000-30100",
        "clusterDomain": "example.org",
    }))))
    .unwrap();
    let r = value(&c.resolve().unwrap());
    assert_eq!(
        r["config"]["serviceCidrs"],
        json!(["10.0.0.0/16", "fd00::/108"])
    );
    assert_eq!(r["config"]["clusterDomain"], "example.org");
    // null and undefined are "no config".
    assert!(svcscope_wasm::Cluster::new(Some(JsValue::NULL.unchecked_into())).is_ok());
}

#[wasm_bindgen_test]
fn constructor_errors_name_the_argument() {
    for (config, words) in [
        (
            json!({ "serviceCidr": "10.0.0.0" }),
            "serviceCidr \"10.0.0.0\"",
        ),
        (json!({ "nodePortRange": "3-1" }), "nodePortRange \"3-1\""),
        (json!({ "clusterDomain": "a..b" }), "clusterDomain \"a..b\""),
        (
            json!({ "servceCidr": "10.0.0.0/16" }),
            "unknown field `servceCidr`",
        ),
        (json!(42), "invalid type: integer `42`"),
    ] {
        let (code, arg, msg) = err(svcscope_wasm::Cluster::new(Some(js(&config))));
        assert_eq!(
            (code.as_str(), arg.as_deref()),
            ("bad-argument", Some("config"))
        );
        assert!(msg.starts_with("config is not valid: "), "{msg}");
        assert!(msg.contains(words), "{msg} lacks {words}");
    }
}

#[wasm_bindgen_test]
fn load_reports_objects_changes_and_utf16_columns() {
    let mut p = Pair::new(json!({}));
    let r = p.load("my-service.yaml", example("my-service.yaml"));
    assert!(r["objects"].as_array().unwrap().len() >= 4);
    assert_eq!(r["errors"], json!([]));
    // Columns count UTF-16 units: "😀" is two of them (32 characters in,
    // 33 units).
    let r = p.load(
        "bad.yaml",
        "kind: Pod\nmetadata: {name: \"😀\", labels: [}\n",
    );
    let e = &r["errors"][0];
    assert_eq!(
        (e["file"].as_str(), e["line"].as_u64()),
        (Some("bad.yaml"), Some(2))
    );
    assert_eq!(e["column"], 33, "{e}");
    // The namespace option, as kubectl's --namespace.
    let r = value(
        &p.js
            .load(
                JsValue::from_str("kind: Pod\napiVersion: v1\nmetadata: {name: a}\n")
                    .unchecked_into(),
                Some(js(&json!({ "filename": "a.yaml", "namespace": "team" }))),
            )
            .unwrap(),
    );
    assert_eq!(
        r["objects"][0],
        json!({ "kind": "Pod", "namespace": "team", "name": "a" })
    );
}

#[wasm_bindgen_test]
fn load_takes_bytes_decoded_as_the_cli_decodes_files() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    let text = "kind: Pod\napiVersion: v1\nmetadata: {name: a}\n";
    // UTF-16 LE with a byte order mark.
    let mut bytes = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let arr = js_sys::Uint8Array::from(&bytes[..]);
    let r = value(&c.load(arr.unchecked_into(), None).unwrap());
    assert_eq!(r["objects"][0]["name"], "a");
    assert_eq!(r["errors"], json!([]));
}

#[wasm_bindgen_test]
fn load_argument_errors() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    for (text, words) in [
        (JsValue::from(42), "not number"),
        (JsValue::NULL, "not null"),
        (JsValue::UNDEFINED, "not undefined"),
        (js::<JsValue>(&json!({ "kind": "Pod" })), "not object"),
        (js::<JsValue>(&json!(["a"])), "not an array"),
    ] {
        let (code, arg, msg) = err(c.load(text.unchecked_into(), None));
        assert_eq!(
            (code.as_str(), arg.as_deref()),
            ("bad-argument", Some("text"))
        );
        assert_eq!(
            msg,
            format!("text must be a string or a Uint8Array, {words}")
        );
    }
    let (code, arg, msg) = err(c.load(
        JsValue::from_str("").unchecked_into(),
        Some(js(&json!({ "file": "x" }))),
    ));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("options"))
    );
    assert!(msg.contains("unknown field `file`"), "{msg}");
}

#[wasm_bindgen_test]
fn apply_and_delete_report_changes() {
    let mut p = seeded();
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": { "name": "myapp-9", "namespace": "my-ns", "labels": { "app": "MyApp" } },
        "spec": { "nodeName": "node-a", "containers": [{ "name": "c", "ports": [{ "containerPort": 9376 }] }] },
        "status": { "phase": "Running", "podIP": "10.244.1.9", "conditions": [{ "type": "Ready", "status": "True" }] }
    });
    let got = p.js.apply(js(&pod)).unwrap();
    let want = p
        .native
        .apply(svcscope::parse_object(&pod.to_string()).unwrap());
    assert_eq!(value(&got), native(&want));
    assert!(value(&got)["services"]
        .as_array()
        .unwrap()
        .contains(&json!({ "namespace": "my-ns", "name": "my-service" })));
    same(
        "endpoints after apply",
        p.js.endpoints(Some("my-ns/my-service".into())),
        p.native.endpoints(Some("my-ns/my-service")),
    );
    let target = json!({ "kind": "Pod", "namespace": "my-ns", "name": "myapp-9" });
    same(
        "delete",
        p.js.delete(js(&target)),
        p.native.delete("Pod", "my-ns", "myapp-9"),
    );
    // Gone now; and the errors of delete.
    same(
        "delete again",
        p.js.delete(js(&target)),
        p.native.delete("Pod", "my-ns", "myapp-9"),
    );
    same(
        "delete an unknown kind",
        p.js.delete(js(&json!({ "kind": "Widget", "name": "w" }))),
        p.native.delete("Widget", "", "w"),
    );
    let (code, arg, msg) = err(p.js.delete(js(&json!({ "name": "w" }))));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("target"))
    );
    assert!(msg.contains("missing field `kind`"), "{msg}");
}

#[wasm_bindgen_test]
fn an_applied_object_has_its_typos_checked() {
    let mut p = seeded();
    let svc = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": { "name": "typo", "namespace": "my-ns" },
        "spec": { "slector": { "app": "MyApp" }, "ports": [{ "port": 80 }] }
    });
    let got = p.js.apply(js(&svc)).unwrap();
    let want = p.native.apply_text(&svc.to_string()).unwrap();
    assert_eq!(value(&got), native(&want));
    let check = value(&p.js.check().unwrap());
    let found: Vec<_> = check["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "typo")
        .collect();
    assert_eq!(found.len(), 1, "{check}");
    assert_eq!(found[0]["field"], "spec.slector");
    assert_eq!(found[0]["hint"], "did you mean \"selector\"?");
    assert!(found[0].get("line").is_none(), "{}", found[0]);
    same(
        "check after an applied typo",
        p.js.check(),
        Ok::<_, svcscope::Error>(p.native.check()),
    );
}

#[wasm_bindgen_test]
fn apply_errors() {
    let mut c = svcscope_wasm::Cluster::new(None).unwrap();
    for (object, code) in [
        (json!(42), "bad-object"),
        (json!({ "kind": "Pod" }), "bad-object"),
        (
            json!({ "apiVersion": "v1", "kind": "Widget", "metadata": { "name": "w" } }),
            "bad-object",
        ),
        (
            json!({ "apiVersion": "v1", "kind": "List", "items": [] }),
            "bad-object",
        ),
    ] {
        let (got, _, msg) = err(c.apply(js(&object)));
        assert_eq!(got, code, "{object}: {msg}");
        assert!(msg.starts_with("not an object svcscope reads: "), "{msg}");
    }
    let (code, arg, _) = err(c.apply(JsValue::UNDEFINED.unchecked_into()));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("object"))
    );
}

#[wasm_bindgen_test]
fn check_explain_services_resolve_are_the_cli_documents() {
    let p = seeded();
    same(
        "check",
        p.js.check(),
        Ok::<_, svcscope::Error>(p.native.check()),
    );
    same(
        "explain",
        p.js.explain(),
        Ok::<_, svcscope::Error>(p.native.explain()),
    );
    same(
        "services",
        p.js.services(),
        Ok::<_, svcscope::Error>(p.native.services()),
    );
    let r = same(
        "resolve",
        p.js.resolve(),
        Ok::<_, svcscope::Error>(p.native.resolve()),
    );
    assert_eq!(
        (r["apiVersion"].as_str(), r["kind"].as_str()),
        (Some("svcscope.dev/v1alpha1"), Some("Resolution"))
    );
    // Maps are plain objects.
    let svc = &r["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "my-service")
        .unwrap()["service"];
    assert_eq!(svc["spec"]["selector"], json!({ "app": "MyApp" }));
}

#[wasm_bindgen_test]
fn clear_forgets_everything_but_the_config() {
    let mut p = seeded();
    p.js.clear();
    p.native.clear();
    same(
        "resolve after clear",
        p.js.resolve(),
        Ok::<_, svcscope::Error>(p.native.resolve()),
    );
    let r = value(&p.js.resolve().unwrap());
    assert_eq!(r["config"]["serviceCidrs"], json!(["10.0.0.0/16"]));
}

#[wasm_bindgen_test]
fn select_takes_text_or_label_selectors() {
    let p = seeded();
    let ns = |n: &str| Some(js(&json!({ "namespace": n })));
    same(
        "select text",
        p.js.select(js(&json!("app=MyApp")), ns("my-ns")),
        p.native.select("app=MyApp", Some("my-ns")),
    );
    same(
        "select all namespaces",
        p.js.select(js(&json!("app")), None),
        p.native.select("app", None),
    );
    let ls = json!({ "matchExpressions": [{ "key": "app", "operator": "In", "values": ["MyApp", "redis"] }] });
    let native_ls: svcscope::cluster::options::LabelSelector =
        serde_json::from_value(ls.clone()).unwrap();
    same(
        "select LabelSelector",
        p.js.select(js(&ls), None),
        p.native.select(native_ls, None),
    );
    // Errors: the parser's words; a bad option.
    same(
        "bad selector",
        p.js.select(js(&json!("app in (")), None),
        p.native.select("app in (", None),
    );
    let (code, _, msg) = err(p.js.select(
        js(&json!({ "matchExpressions": [{ "key": "a", "operator": "Gt", "values": ["1"] }] })),
        None,
    ));
    assert_eq!(code, "bad-selector", "{msg}");
    let (code, arg, _) = err(p.js.select(js(&json!(42)), None));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("selector"))
    );
    let (code, arg, _) = err(p
        .js
        .select(js(&json!("a")), Some(js(&json!({ "ns": "x" })))));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("options"))
    );
}

#[wasm_bindgen_test]
fn selection_and_endpoints() {
    let p = seeded();
    let s = same(
        "selection",
        p.js.selection("my-ns/redis-master"),
        p.native.selection("my-ns/redis-master"),
    );
    assert_eq!(s["kind"], "Selection");
    same(
        "selection missing",
        p.js.selection("my-ns/nope"),
        p.native.selection("my-ns/nope"),
    );
    same(
        "selection bad ref",
        p.js.selection("a/b/c"),
        p.native.selection("a/b/c"),
    );
    same(
        "endpoints all",
        p.js.endpoints(None),
        p.native.endpoints(None),
    );
    same(
        "endpoints one",
        p.js.endpoints(Some("my-ns/my-service".into())),
        p.native.endpoints(Some("my-ns/my-service")),
    );
    same(
        "endpoints missing",
        p.js.endpoints(Some("x/y".into())),
        p.native.endpoints(Some("x/y")),
    );
}

#[wasm_bindgen_test]
fn dns_and_zone() {
    let p = seeded();
    let q = |v: serde_json::Value| -> (Option<svcscope_wasm::DnsQueryArg>, DnsQuery) {
        (Some(js(&v)), serde_json::from_value(v).unwrap())
    };
    for (name, t, query) in [
        ("redis-master.my-ns.svc.cluster.local", "A", json!({})),
        ("redis-master", "A", json!({ "from": "my-ns/frontend" })),
        (
            "redis-master.my-ns",
            "SRV",
            json!({ "from": "my-ns/frontend", "ttl": 30 }),
        ),
        (
            "10-244-1-3.my-ns.pod.cluster.local",
            "A",
            json!({ "podRecords": "insecure" }),
        ),
        ("example.com", "TYPE65", json!({})),
        // Errors: a type, a ttl, a pod, a zone.
        ("a", "BOGUS", json!({})),
        ("a", "A", json!({ "ttl": 4000 })),
        ("a", "A", json!({ "from": "my-ns/nobody" })),
        ("a", "A", json!({ "zone": "" })),
    ] {
        let (j, n) = q(query.clone());
        same(
            &format!("dns {name} {t} {query}"),
            p.js.dns(name, t, j),
            p.native.dns(name, t, &n),
        );
    }
    let (code, arg, _) = err(p
        .js
        .dns("a", "A", Some(js(&json!({ "podRecords": "all" })))));
    assert_eq!(
        (code.as_str(), arg.as_deref()),
        ("bad-argument", Some("query"))
    );
    same(
        "zone",
        p.js.zone(None),
        p.native.zone(&ZoneOptions::default()),
    );
    let o = json!({ "ttl": 60, "podRecords": "verified" });
    same(
        "zone options",
        p.js.zone(Some(js(&o))),
        p.native.zone(&serde_json::from_value(o).unwrap()),
    );
    let o = json!({ "ttl": 3601 });
    same(
        "zone bad ttl",
        p.js.zone(Some(js(&o))),
        p.native.zone(&serde_json::from_value(o).unwrap()),
    );
}

#[wasm_bindgen_test]
fn env_of_a_container() {
    let p = seeded();
    same(
        "env",
        p.js.env("my-ns/frontend", None),
        p.native.env("my-ns/frontend", None),
    );
    let first = value(&p.js.env("my-ns/frontend", None).unwrap());
    let container = first["container"].as_str().unwrap().to_string();
    same(
        "env container",
        p.js.env(
            "my-ns/frontend",
            Some(js(&json!({ "container": container }))),
        ),
        p.native.env("my-ns/frontend", Some(&container)),
    );
    same(
        "env no such container",
        p.js.env("my-ns/frontend", Some(js(&json!({ "container": "nope" })))),
        p.native.env("my-ns/frontend", Some("nope")),
    );
    same(
        "env no such pod",
        p.js.env("my-ns/ghost", None),
        p.native.env("my-ns/ghost", None),
    );
    same(
        "env bad ref",
        p.js.env("a/b/c", None),
        p.native.env("a/b/c", None),
    );
}

#[wasm_bindgen_test]
fn route_and_rules() {
    let p = seeded();
    for req in [
        json!({ "from": "my-ns/frontend", "to": "redis-master:6379" }),
        json!({ "from": "my-ns/frontend", "to": "redis-master.my-ns:6379", "connections": 100, "mode": "ipvs" }),
        json!({ "from": "my-ns/frontend", "to": "10.0.0.11:6379", "protocol": "udp", "mode": "userspace" }),
        json!({ "from": "my-ns/frontend", "to": "redis-master:6379", "protocol": "HTTP" }),
        json!({ "from": "my-ns/frontend", "to": "redis-master:6379", "connections": 0 }),
        json!({ "from": "my-ns/frontend", "to": "redis-master:6379", "clusterCidr": "x" }),
    ] {
        let native_req: RouteRequest = serde_json::from_value(req.clone()).unwrap();
        same(
            &format!("route {req}"),
            p.js.route(js(&req)),
            p.native.route(&native_req),
        );
    }
    for bad in [
        json!({}),
        json!(42),
        json!({ "from": "a", "to": "b", "mode": "bpf" }),
    ] {
        let (code, arg, msg) = err(p.js.route(js(&bad)));
        assert_eq!(
            (code.as_str(), arg.as_deref()),
            ("bad-argument", Some("request")),
            "{msg}"
        );
    }
    let (code, arg, msg) = err(p.js.route(JsValue::UNDEFINED.unchecked_into()));
    assert_eq!(
        (code.as_str(), arg.as_deref(), msg.as_str()),
        ("bad-argument", Some("request"), "request is required")
    );
    for req in [
        json!({ "node": "node-a" }),
        json!({ "node": "node-b", "mode": "ipvs" }),
        json!({ "node": "node-a", "mode": "nftables", "clusterCidr": "10.244.0.0/16" }),
        json!({ "node": "elsewhere" }),
        json!({ "node": "" }),
        json!({ "node": "node-a", "clusterCidr": "10.244.0.0" }),
    ] {
        let native_req: RulesRequest = serde_json::from_value(req.clone()).unwrap();
        same(
            &format!("rules {req}"),
            p.js.rules(js(&req)),
            p.native.rules(&native_req),
        );
    }
    let text = value(&p.js.rules(js(&json!({ "node": "node-a" }))).unwrap())["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.starts_with("*filter\n") && text.contains("KUBE-SERVICES"),
        "{text}"
    );
}
