//! "Did you mean" through the JavaScript API: the hints are data in the
//! documents, the native engine's own.

use serde_json::json;
use svcscope::cluster::options::DnsQuery;
use svcscope_wasm_tests::*;
use wasm_bindgen_test::wasm_bindgen_test;

const SHOP: &str = "apiVersion: v1
kind: Service
metadata: {name: payments, namespace: shop}
spec:
  selector: {app: paymnets}
  ports: [{port: 80, targetPort: htpp}]
---
apiVersion: v1
kind: Pod
metadata: {name: payments-1, namespace: shop, labels: {app: payments}}
spec: {containers: [{name: app, image: app, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: 'True'}]}
";

#[wasm_bindgen_test]
fn hints_are_data_in_every_view() {
    let mut p = Pair::new(json!({}));
    p.load("shop.yaml", SHOP);
    let diags = same(
        "explain",
        p.js.explain(),
        Ok::<_, svcscope::Error>(p.native.explain()),
    );
    let hint = diags
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["hints"].as_array().cloned().unwrap_or_default())
        .find(|h| h["code"] == "label")
        .expect("a label hint");
    assert_eq!(hint["typed"], "app=paymnets");
    assert_eq!(hint["suggestion"], "app=payments");
    assert_eq!(hint["object"]["name"], "payments-1");
    let answer = same(
        "dns",
        p.js.dns("paymnts.shop.svc.cluster.local", "A", None),
        p.native
            .dns("paymnts.shop.svc.cluster.local", "A", &DnsQuery::default()),
    );
    assert_eq!(
        answer["hints"][0]["suggestion"],
        "payments.shop.svc.cluster.local"
    );
}
