//! kube-proxy's own packet-flow tests, run through the door:
//! `fixtures/proxy/packet-flows.yaml` restates upstream's
//! `runPacketFlowTests` cases (source, destination, protocol → the
//! endpoints reached, masquerade, REJECT or DROP). Every flow is traced
//! with `Cluster::route` in every mode the file names, on upstream's fake
//! node `test-node`, and must end as upstream says.

use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use svcscope::cluster::documents::{Trace, VerdictKind};
use svcscope::cluster::options::{LoadOptions, Mode, RouteRequest};
use svcscope::internals::load::yaml::{parse_documents, to_json_value, Limits};
use svcscope::{Cluster, Config};

/// Upstream's fake proxier: its node, node IP and cluster CIDR.
const NODE: &str = "test-node";
const NODE_IP: &str = "192.168.0.2";
const CLUSTER_CIDR: &str = "10.0.0.0/8";
const POD_CIDR: &str = "10.0.0.0/24";

fn fixture() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/proxy/packet-flows.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    let docs = parse_documents(&text, &Limits::default()).expect("fixture parses");
    to_json_value(&docs[0].root)
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn copy(from: &Value, to: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if let Some(v) = from.get(*k) {
            to.insert((*k).to_string(), v.clone());
        }
    }
}

/// A fixture Service (no selector: its EndpointSlices are given).
fn service(v: &Value) -> Value {
    let mut spec = Map::new();
    copy(
        v,
        &mut spec,
        &[
            "type",
            "clusterIP",
            "externalIPs",
            "ports",
            "externalTrafficPolicy",
            "internalTrafficPolicy",
            "healthCheckNodePort",
        ],
    );
    if let Some(r) = v.get("sourceRanges") {
        spec.insert("loadBalancerSourceRanges".into(), r.clone());
    }
    let ingress: Vec<Value> = v
        .get("lb")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|ip| json!({ "ip": ip }))
        .collect();
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": { "namespace": s(v, "ns"), "name": s(v, "name") },
        "spec": spec,
        "status": { "loadBalancer": { "ingress": ingress } },
    })
}

fn slice(v: &Value) -> Value {
    let endpoints: Vec<Value> = v["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let mut conditions = Map::new();
            copy(e, &mut conditions, &["ready", "serving", "terminating"]);
            let mut out = json!({ "addresses": [s(e, "ip")], "conditions": conditions });
            if let Some(n) = e.get("node") {
                out["nodeName"] = n.clone();
            }
            out
        })
        .collect();
    json!({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {
            "namespace": s(v, "ns"),
            "name": format!("{}-1", s(v, "service")),
            "labels": { "kubernetes.io/service-name": s(v, "service") },
        },
        "addressType": "IPv4",
        "ports": v.get("ports").cloned().unwrap_or(json!([])),
        "endpoints": endpoints,
    })
}

fn cluster(case: &Value, name: &str) -> Cluster {
    let config = Config {
        service_cidrs: vec!["172.30.0.0/16".parse().expect("CIDR")],
        // Upstream's node ports (3001…) lie below the default range.
        node_port_range: "3000-32767".parse().expect("range"),
        ..Config::default()
    };
    let mut docs = vec![json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": { "name": NODE },
        // Upstream's client pod 10.0.0.2 runs on test-node.
        "spec": { "podCIDR": POD_CIDR },
        "status": { "addresses": [{ "type": "InternalIP", "address": NODE_IP }] },
    })];
    docs.extend(
        case["services"]
            .as_array()
            .into_iter()
            .flatten()
            .map(service),
    );
    docs.extend(case["slices"].as_array().into_iter().flatten().map(slice));
    let list = json!({ "apiVersion": "v1", "kind": "List", "items": docs });
    let mut c = Cluster::new(config);
    let report = c.load(list.to_string(), &LoadOptions::named(name));
    assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
    assert!(c.check().is_clean(), "{name}: {:?}", c.check().errors);
    c
}

/// What a flow expects: the endpoints reached, or REJECT or DROP.
#[derive(Debug, PartialEq)]
enum Output {
    Endpoints(BTreeSet<String>),
    Reject,
    Drop,
}

impl Output {
    fn of(v: &Value) -> Self {
        match v {
            Value::String(s) if s == "REJECT" => Output::Reject,
            Value::String(s) if s == "DROP" => Output::Drop,
            Value::Array(a) => Output::Endpoints(
                a.iter()
                    .map(|e| e.as_str().expect("endpoint").to_string())
                    .collect(),
            ),
            other => panic!("output {other}: expected endpoints, REJECT or DROP"),
        }
    }

    /// How a trace ended, and whether the packet was masqueraded: a
    /// MASQUERADE rule (iptables) or `masquerade` statement (nftables)
    /// rewrote its source.
    fn traced(t: &Trace) -> (Self, bool) {
        let out = match t.verdict.kind {
            // The rules deliver either way; the reply's fate is no part
            // of upstream's flows.
            VerdictKind::Delivered | VerdictKind::ReplyLost => Output::Endpoints(
                t.candidates
                    .iter()
                    .filter(|c| c.probability > 0.0)
                    .map(|c| c.endpoint.clone())
                    .collect(),
            ),
            VerdictKind::Reject => Output::Reject,
            VerdictKind::Drop => Output::Drop,
            other => panic!("verdict {other:?}: {}", t.verdict.reason),
        };
        let masqueraded = t.hops.iter().any(|h| {
            h.step == "snat"
                && h.rule
                    .as_ref()
                    .is_some_and(|q| q.text.to_ascii_lowercase().contains("masquerade"))
        });
        (out, masqueraded)
    }
}

#[test]
fn upstream_packet_flows_end_as_kube_proxy_says_in_every_mode() {
    let f = fixture();
    let modes: Vec<Mode> = f["modes"]
        .as_array()
        .expect("modes")
        .iter()
        .map(|m| Mode::parse(m.as_str().expect("mode")).expect("known mode"))
        .collect();
    let mut failures = Vec::new();
    let mut flows = 0;
    for case in f["cases"].as_array().expect("cases") {
        let test = s(case, "test");
        let base = [json!({ "name": "base", "detector": true })];
        let variants = case["variants"].as_array().map_or(&base[..], Vec::as_slice);
        let c = cluster(case, test);
        for variant in variants {
            let detector = variant["detector"].as_bool().unwrap_or(true);
            for flow in case["flows"].as_array().expect("flows") {
                let flow = flow.as_array().expect("flow is a list");
                let name = flow[0].as_str().expect("flow name");
                let over = &variant["overrides"][name];
                let want = Output::of(over.get("output").unwrap_or(&flow[4]));
                let masq = over
                    .get("masq")
                    .unwrap_or(&flow[5])
                    .as_bool()
                    .expect("masquerade");
                for &mode in &modes {
                    flows += 1;
                    let mut req = RouteRequest::new(
                        flow[1].as_str().expect("source"),
                        flow[2].as_str().expect("destination"),
                    );
                    req.protocol = flow[3].as_str().expect("protocol").to_string();
                    req.mode = mode;
                    // Upstream's packets all reach test-node's rules.
                    req.node = Some(NODE.to_string());
                    req.cluster_cidr = detector.then(|| CLUSTER_CIDR.to_string());
                    let t = c.route(&req).expect("traceable").into_inner();
                    let got = Output::traced(&t);
                    // Only a delivery is masqueraded or not.
                    let want_masq = matches!(want, Output::Endpoints(_)) && masq;
                    if got.0 != want || got.1 != want_masq {
                        failures.push(format!(
                            "{test} [{}] {name} ({mode:?}): want {want:?} masquerade {want_masq}, got {:?} masquerade {}\n{}",
                            s(variant, "name"),
                            got.0,
                            got.1,
                            t.to_text()
                        ));
                    }
                }
            }
        }
    }
    assert!(flows > 100, "only {flows} flows ran");
    assert!(
        failures.is_empty(),
        "{} of {flows} flows differ from upstream:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
