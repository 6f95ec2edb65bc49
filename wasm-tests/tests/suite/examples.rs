//! Every file of `examples/` end to end through the JavaScript API, alone
//! and all together: every method, compared with the native documents.

use serde_json::{json, Value};
use svcscope::cluster::options::{DnsQuery, RulesRequest, ZoneOptions};
use svcscope_wasm_tests::*;
use wasm_bindgen_test::wasm_bindgen_test;

type NoError = svcscope::Error;

fn every_question(p: &Pair) {
    same("check", p.js.check(), Ok::<_, NoError>(p.native.check()));
    same(
        "explain",
        p.js.explain(),
        Ok::<_, NoError>(p.native.explain()),
    );
    same(
        "services",
        p.js.services(),
        Ok::<_, NoError>(p.native.services()),
    );
    same(
        "resolve",
        p.js.resolve(),
        Ok::<_, NoError>(p.native.resolve()),
    );
    same("endpoints", p.js.endpoints(None), p.native.endpoints(None));
    same(
        "zone",
        p.js.zone(None),
        p.native.zone(&ZoneOptions::default()),
    );
    let services = value(&p.js.services().unwrap());
    for s in services.as_array().unwrap() {
        let r = format!(
            "{}/{}",
            s["namespace"].as_str().unwrap(),
            s["name"].as_str().unwrap()
        );
        same(
            &format!("selection {r}"),
            p.js.selection(&r),
            p.native.selection(&r),
        );
        same(
            &format!("endpoints {r}"),
            p.js.endpoints(Some(r.clone())),
            p.native.endpoints(Some(&r)),
        );
        let name = format!(
            "{}.{}.svc.cluster.local",
            s["name"].as_str().unwrap(),
            s["namespace"].as_str().unwrap()
        );
        same(
            &format!("dns {name}"),
            p.js.dns(&name, "A", None),
            p.native.dns(&name, "A", &DnsQuery::default()),
        );
    }
    let pods = value(&p.js.select(js(&json!("")), None).unwrap());
    for pod in pods.as_array().unwrap() {
        let r = format!(
            "{}/{}",
            pod["namespace"].as_str().unwrap(),
            pod["name"].as_str().unwrap()
        );
        same(
            &format!("env {r}"),
            p.js.env(&r, None),
            p.native.env(&r, None),
        );
    }
    // The nodes of examples/nodes.yaml; rules for a node the input lacks
    // are answered too.
    for node in ["node-a", "node-b"] {
        for mode in ["iptables", "ipvs", "nftables"] {
            let req = json!({ "node": node, "mode": mode });
            let n: RulesRequest = serde_json::from_value(req.clone()).unwrap();
            same(
                &format!("rules {req}"),
                p.js.rules(js(&req)),
                p.native.rules(&n),
            );
        }
    }
}

#[wasm_bindgen_test]
fn each_example_alone() {
    for (name, text) in EXAMPLES {
        let mut p = Pair::new(json!({ "serviceCidr": "10.0.0.0/16" }));
        let r: Value = p.load(name, text);
        assert_eq!(r["errors"], json!([]), "{name} loads cleanly");
        every_question(&p);
    }
}

#[wasm_bindgen_test]
fn all_examples_together() {
    let mut p = Pair::new(json!({ "serviceCidr": "10.0.0.0/16" }));
    for (name, text) in EXAMPLES {
        p.load(name, text);
    }
    assert_eq!(
        value(&p.js.check().unwrap())["errors"],
        json!([]),
        "the examples are valid together"
    );
    every_question(&p);
}
