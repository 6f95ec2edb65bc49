//! Data-driven conformance: `shared/conformance/iptables.yaml`, the rules
//! kube-proxy's iptables proxier writes for small fixtures. Each case's
//! Services and EndpointSlices go through the proxy model
//! (`svcscope::internals::proxy::service_ports`) and the rule writer; the output must
//! equal the expected `iptables-restore` lines of both tables, line for
//! line.

mod common;

use serde_json::{json, Map, Value};
use svcscope::internals::net::{parse_ip, Family};
use svcscope::internals::proxy::iptables::sync_rules;
use svcscope::internals::proxy::{service_ports, ProxyConfig, ServicePortInfo};
use svcscope::model::{EndpointSlice, Service};
use svcscope::NsName;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A conformance "minimal Service" as a v1 Service.
fn service(v: &Value) -> Service {
    let mut spec = Map::new();
    for (k, val) in v.as_object().expect("service is a map") {
        if !matches!(
            k.as_str(),
            "namespace" | "name" | "loadBalancerIngressIPs" | "annotations"
        ) {
            spec.insert(k.clone(), val.clone());
        }
    }
    let ingress: Vec<Value> = v
        .get("loadBalancerIngressIPs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|ip| json!({ "ip": ip }))
        .collect();
    serde_json::from_value(json!({
        "metadata": {
            "namespace": s(v, "namespace"),
            "name": s(v, "name"),
            "annotations": v.get("annotations").cloned().unwrap_or(json!({})),
        },
        "spec": spec,
        "status": { "loadBalancer": { "ingress": ingress } },
    }))
    .expect("service converts")
}

fn slice(v: &Value, i: usize) -> EndpointSlice {
    serde_json::from_value(json!({
        "metadata": {
            "namespace": s(v, "namespace"),
            "name": format!("{}-{i}", s(v, "service")),
            "labels": { "kubernetes.io/service-name": s(v, "service") },
        },
        "addressType": v.get("addressType").cloned().unwrap_or(json!("IPv4")),
        "ports": v.get("ports").cloned().unwrap_or(json!([])),
        "endpoints": v.get("endpoints").cloned().unwrap_or(json!([])),
    }))
    .expect("slice converts")
}

fn config(case: &Value) -> ProxyConfig {
    let pc = &case["proxier_config"];
    // "test-hostname (the fake proxier's own node)": the first word.
    let node = s(pc, "node_name").split_whitespace().next().unwrap_or("");
    let mut cfg = ProxyConfig::new(node);
    cfg.cluster_cidr = pc
        .get("cluster_cidr_for_local_detection")
        .and_then(Value::as_str)
        .map(|c| c.parse().expect("cluster CIDR"));
    if let Some(bit) = pc.get("masquerade_bit").and_then(Value::as_u64) {
        cfg.masquerade_bit = bit as u8;
    }
    cfg.masquerade_all = pc
        .get("masquerade_all")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // Upstream's fake proxier runs on 192.168.0.2.
    cfg.node_ip = parse_ip(
        pc.get("node_ip")
            .and_then(Value::as_str)
            .unwrap_or("192.168.0.2"),
    );
    cfg.node_zone = pc
        .get("node_labels")
        .and_then(|l| l.get("topology.kubernetes.io/zone"))
        .and_then(Value::as_str)
        .map(String::from);
    if let Some(bit) = pc.get("masquerade_mark").and_then(Value::as_str) {
        assert_eq!(
            format!("{:#x}", cfg.mark_value()),
            bit,
            "mark follows the bit"
        );
    }
    cfg
}

pub fn case_ports(case: &Value) -> Vec<ServicePortInfo> {
    let slices: Vec<(String, String, EndpointSlice)> = case["endpointslices"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, v)| {
            (
                s(v, "namespace").to_string(),
                s(v, "service").to_string(),
                slice(v, i),
            )
        })
        .collect();
    let mut ports = Vec::new();
    for v in case["services"].as_array().expect("services") {
        let svc = service(v);
        let key = NsName::new(s(v, "namespace"), s(v, "name"));
        let mine: Vec<EndpointSlice> = slices
            .iter()
            .filter(|(ns, name, _)| *ns == key.namespace && *name == key.name)
            .map(|(_, _, sl)| sl.clone())
            .collect();
        ports.extend(service_ports(&key, &svc, &mine, Family::IPv4));
    }
    ports
}

fn lines(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("expected lines")
        .iter()
        .map(|l| l.as_str().expect("line").to_string())
        .collect()
}

/// A readable diff: lines only in one side.
fn diff(want: &[String], got: &[String]) -> String {
    let mut s = String::new();
    for w in want.iter().filter(|w| !got.contains(w)) {
        s.push_str(&format!("- {w}\n"));
    }
    for g in got.iter().filter(|g| !want.contains(g)) {
        s.push_str(&format!("+ {g}\n"));
    }
    if s.is_empty() {
        s.push_str("(same lines, different order)\n");
    }
    s
}

#[test]
fn iptables_conformance() {
    let doc = common::load_conformance("iptables.yaml");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let id = s(case, "id");
        let cfg = config(case);
        let text = sync_rules(&case_ports(case), &cfg).text();
        let lines_of = |table: &str| -> Vec<String> {
            let head = format!("*{table}");
            text.lines()
                .skip_while(|l| *l != head)
                .scan(false, |done, l| {
                    let out = (!*done).then(|| l.to_string());
                    *done |= l == "COMMIT";
                    out
                })
                .collect()
        };
        for (table, got) in [("filter", lines_of("filter")), ("nat", lines_of("nat"))] {
            let want = lines(&case["expected_lines"][table]);
            if want != got {
                failures.push(format!("{id} ({table}):\n{}", diff(&want, &got)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn naming_facts() {
    use svcscope::internals::proxy::hash::chain_hash;
    let doc = common::load_conformance("iptables.yaml");
    let facts = doc["naming_facts"].as_array().expect("naming facts");
    assert!(!facts.is_empty());
    // The SVC and SEP examples state their inputs and results.
    assert_eq!(
        format!("KUBE-SVC-{}", chain_hash("ns1/svc1:p80tcp")),
        "KUBE-SVC-XPGD46QRK7WJZT7O"
    );
    assert_eq!(
        format!("KUBE-SEP-{}", chain_hash("ns1/svc1:p80tcp10.0.1.1:80")),
        "KUBE-SEP-SNQ3ZNILQDEJNDQO"
    );
    let text = serde_json::to_string(facts).expect("facts");
    for name in [
        "KUBE-SVC-XPGD46QRK7WJZT7O",
        "KUBE-SVC-AQI2S6QIMU7PVVRP",
        "KUBE-SEP-SNQ3ZNILQDEJNDQO",
    ] {
        assert!(text.contains(name), "{name} is a naming fact");
    }
}

/// The case as engine objects: selectorless Services with the given
/// slices, this node (on upstream's test IP) and the other nodes named,
/// and a pod for each `pod <ip>` flow source.
fn engine_of(case: &Value) -> svcscope::internals::engine::Engine {
    use svcscope::model::{Node, Object, Pod};
    use svcscope::Origin;
    let node = s(&case["proxier_config"], "node_name")
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let mut objects = Vec::new();
    let mut nodes = std::collections::BTreeSet::from([node.clone()]);
    for v in case["services"].as_array().expect("services") {
        let mut svc = service(v);
        // Upstream's fake proxier takes any node port; the apiserver
        // would allocate one in range instead.
        // Without targetPort the manifest is defaulted as a new one, not
        // validated as a stored object.
        for p in &mut svc.spec.ports {
            p.node_port = None;
            p.target_port = None;
        }
        objects.push(Object::Service(svc.into()));
    }
    for (i, v) in case["endpointslices"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for e in v["endpoints"].as_array().into_iter().flatten() {
            if let Some(n) = e.get("nodeName").and_then(Value::as_str) {
                nodes.insert(n.to_string());
            }
        }
        objects.push(Object::EndpointSlice(slice(v, i).into()));
    }
    for (i, n) in nodes.iter().enumerate() {
        let ip = if *n == node {
            "192.168.0.2".to_string()
        } else {
            format!("192.168.1.{}", i + 1)
        };
        let node: Node = serde_json::from_value(json!({
            "metadata": { "name": n },
            "status": { "addresses": [{ "type": "InternalIP", "address": ip }] },
        }))
        .expect("node");
        objects.push(Object::Node(node.into()));
    }
    for f in case["flow_expectations"].as_array().into_iter().flatten() {
        if let Some(ip) = s(f, "from").strip_prefix("pod ") {
            let pod: Pod = serde_json::from_value(json!({
                "metadata": { "namespace": "flows", "name": format!("client-{}", ip.replace('.', "-")) },
                "spec": { "nodeName": node, "containers": [{ "name": "c" }] },
                "status": { "phase": "Running", "podIP": ip },
            }))
            .expect("pod");
            objects.push(Object::Pod(pod.into()));
        }
    }
    let config = svcscope::Config {
        service_cidrs: vec!["172.30.0.0/16".parse().expect("cidr")],
        ..Default::default()
    };
    svcscope::internals::engine::Engine::from_objects(
        config,
        objects
            .into_iter()
            .map(|o| (o, Origin::default()))
            .collect(),
    )
}

#[test]
fn flow_expectations() {
    use svcscope::internals::proxy::route::{Mode, RouteIndex, RouteRequest, VerdictKind};
    let doc = common::load_conformance("iptables.yaml");
    let mut checked = 0;
    for case in doc["cases"].as_array().expect("cases") {
        let Some(flows) = case["flow_expectations"].as_array() else {
            continue;
        };
        let id = s(case, "id");
        let engine = engine_of(case);
        let errors = engine.errors();
        assert!(errors.is_empty(), "{id}: fixture rejected: {errors:?}");
        let node = s(&case["proxier_config"], "node_name")
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        let cidr = case["proxier_config"]["cluster_cidr_for_local_detection"]
            .as_str()
            .map(|c| c.parse().expect("cidr"));
        let index = RouteIndex::new(&engine.state(), Family::IPv4, cidr);
        for f in flows {
            let from = match s(f, "from").strip_prefix("pod ") {
                Some(ip) => format!("flows/client-{}", ip.replace('.', "-")),
                // An outside client whose packets reach this node.
                None => "203.0.113.200".to_string(),
            };
            let req = RouteRequest {
                from,
                to: s(f, "to").to_string(),
                protocol: "TCP".into(),
                connections: 64,
                mode: Mode::Iptables,
                node: Some(node.clone()),
                cluster_cidr: None,
            };
            let t = index.trace(&req).expect("trace");
            let what = format!("{id}: {} -> {}", s(f, "from"), s(f, "to"));
            assert_eq!(t.verdict.kind, VerdictKind::Delivered, "{what}: {t:?}");
            let mut got: Vec<&str> = t.candidates.iter().map(|c| c.endpoint.as_str()).collect();
            got.sort_unstable();
            let mut want: Vec<&str> = f["reaches"]
                .as_array()
                .expect("reaches")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            want.sort_unstable();
            assert_eq!(got, want, "{what}");
            let masq = f["masquerade"].as_bool().unwrap_or(false);
            let src_ip = t.hops[0].detail.clone();
            for c in &t.connections {
                assert_eq!(
                    !src_ip.contains(&c.source_ip),
                    masq,
                    "{what}: source seen {} ({src_ip})",
                    c.source_ip
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "some case has flow expectations");
}
