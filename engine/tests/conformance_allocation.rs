//! The allocation side of the apiserver (ClusterIP and NodePort
//! allocators), through the incremental engine:
//!
//! - every `stage: allocation` case of the shared conformance file
//!   `validation.yaml`, with the cluster its `precondition` describes (for
//!   example another Service already holding a nodePort, created first);
//! - the file's `allocation_facts`, each as its own test.
//!
//! Errors are compared as the set of (field, type) the engine reports for
//! the case's Service, plus a substring of the printed error where the case
//! gives a `detail`. Allocation paths differ by release (`spec.clusterIPs`
//! vs `spec.clusterIPs[0]`), so an index on `spec.clusterIPs` is ignored.
//! The file lives outside the repository; a missing file is a failure.

mod common;

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use svcscope::internals::engine::Engine;
use svcscope::internals::field::ObjectError;
use svcscope::internals::net::Cidr;
use svcscope::model::{Object, Service};
use svcscope::{Config, NsName, Origin};

const FILE: &str = "validation.yaml";

fn origin(path: &str) -> Origin {
    Origin {
        file: "test".into(),
        line: None,
        path: Some(path.into()),
        ..Origin::default()
    }
}

fn service(v: Value) -> Service {
    serde_json::from_value(v).expect("test Service deserializes")
}

/// A selector Service of `type_` in `ns` with the given (port, nodePort)s.
fn svc(ns: &str, name: &str, type_: &str, ports: &[(i32, Option<i32>)]) -> Service {
    let ports: Vec<Value> = ports
        .iter()
        .enumerate()
        .map(|(i, (port, node_port))| {
            let mut p = json!({ "name": format!("p{i}"), "port": port, "protocol": "TCP" });
            if let Some(np) = node_port {
                p["nodePort"] = json!(np);
            }
            p
        })
        .collect();
    service(json!({
        "metadata": { "name": name, "namespace": ns },
        "spec": { "type": type_, "selector": { "app": name }, "ports": ports },
    }))
}

fn engine(config: Config, services: Vec<Service>) -> Engine {
    let objects = services
        .into_iter()
        .enumerate()
        .map(|(i, s)| (Object::Service(s.into()), origin(&format!("services[{i}]"))))
        .collect();
    Engine::from_objects(config, objects)
}

fn stored<'a>(e: &'a Engine, ns: &str, name: &str) -> &'a Service {
    let st = e
        .service(&NsName::new(ns, name))
        .unwrap_or_else(|| panic!("no Service {ns}/{name}"));
    assert!(
        !st.rejected,
        "{ns}/{name} was rejected: {:?}",
        errors_of(e, ns, name)
    );
    &st.service
}

fn errors_of(e: &Engine, ns: &str, name: &str) -> Vec<ObjectError> {
    e.errors()
        .into_iter()
        .filter(|x| x.kind == "Service" && x.namespace == ns && x.name == name)
        .collect()
}

fn printed(errs: &[ObjectError]) -> String {
    errs.iter()
        .map(|e| format!("    {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn node_ports(s: &Service) -> Vec<i32> {
    s.spec.ports.iter().filter_map(|p| p.node_port).collect()
}

fn cluster_ip(s: &Service) -> IpAddr {
    s.spec
        .cluster_ip
        .as_deref()
        .and_then(|ip| ip.parse().ok())
        .unwrap_or_else(|| panic!("no cluster IP: {:?}", s.spec.cluster_ip))
}

/// `spec.clusterIPs[0]` (newer releases) and `spec.clusterIPs` are one path.
fn normalize_field(f: &str) -> String {
    match f.strip_prefix("spec.clusterIPs[") {
        Some(rest) if rest.ends_with(']') => "spec.clusterIPs".into(),
        _ => f.to_string(),
    }
}

// ---------------------------------------------------------------------------
// The `stage: allocation` cases.

/// What a case's precondition asks of the cluster.
#[derive(Default)]
struct Precondition {
    cidrs: Option<Vec<Cidr>>,
    /// nodePorts another Service already holds.
    held_node_ports: Vec<i32>,
}

/// Reads the precondition sentence. One not understood fails the case, so
/// that a new kind of precondition gets handled rather than ignored.
fn parse_precondition(text: &str) -> Result<Precondition, String> {
    let mut pre = Precondition::default();
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let mut understood = false;
    for (i, w) in words.iter().enumerate() {
        if *w == "nodeport" && (lower.contains("another service") || lower.contains("already")) {
            let n = words
                .get(i + 1)
                .map(|n| n.trim_end_matches("/tcp").trim_end_matches('.'))
                .and_then(|n| n.parse::<i32>().ok())
                .ok_or_else(|| format!("precondition {text:?}: no port after `nodePort`"))?;
            pre.held_node_ports.push(n);
            understood = true;
        }
        if *w == "cidr" && i > 0 && words[i - 1] == "service" {
            let spec = words
                .get(i + 1)
                .ok_or_else(|| format!("precondition {text:?}: no CIDR"))?;
            // Lower-casing is harmless: IPv6 parsing ignores case.
            let cidrs = Config::parse_service_cidrs(spec)
                .map_err(|e| format!("precondition {text:?}: {e}"))?;
            pre.cidrs = Some(cidrs);
            understood = true;
        }
    }
    if understood {
        Ok(pre)
    } else {
        Err(format!("precondition not understood: {text:?}"))
    }
}

struct Expected {
    field: String,
    type_: String,
    detail: Option<String>,
}

fn expected_errors(case: &Value) -> Result<Vec<Expected>, String> {
    let list = case
        .get("expected_errors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|e| {
            let text = |k: &str| e.get(k).and_then(Value::as_str).map(String::from);
            Ok(Expected {
                field: text("field").ok_or("expected error without field")?,
                type_: text("type").ok_or("expected error without type")?,
                detail: text("detail"),
            })
        })
        .collect()
}

/// Runs one allocation case. `holders_first`: the Services of the
/// precondition come first in the input; otherwise they come last but with
/// an earlier `creationTimestamp` (the apiserver's order is creation order).
fn check_case(case: &Value, holders_first: bool) -> Result<(), String> {
    let pre = match case.get("precondition").and_then(Value::as_str) {
        Some(text) => parse_precondition(text)?,
        None => Precondition::default(),
    };
    let mut target: Service = serde_json::from_value(case["service"].clone())
        .map_err(|e| format!("service does not deserialize: {e}"))?;
    let ns = target.metadata.ns().to_string();
    let name = target.metadata.name.clone();
    let mut holders = Vec::new();
    for (i, np) in pre.held_node_ports.iter().enumerate() {
        let mut h = svc(&ns, &format!("holder-{i}"), "NodePort", &[(80, Some(*np))]);
        if !holders_first {
            h.metadata.creation_timestamp = Some("2024-01-01T00:00:00Z".into());
        }
        holders.push(h);
    }
    if !holders_first {
        target.metadata.creation_timestamp = Some("2024-01-02T00:00:00Z".into());
    }
    let services = if holders_first {
        holders.iter().cloned().chain([target]).collect()
    } else {
        [target]
            .into_iter()
            .chain(holders.iter().cloned())
            .collect()
    };
    let config = Config {
        service_cidrs: pre.cidrs.unwrap_or_else(|| Config::default().service_cidrs),
        ..Config::default()
    };
    let e = engine(config, services);

    let mut problems = Vec::new();
    for h in &holders {
        let errs = errors_of(&e, &ns, &h.metadata.name);
        if !errs.is_empty() {
            problems.push(format!(
                "the precondition's Service {} has errors:\n{}",
                h.metadata.name,
                printed(&errs)
            ));
        }
    }
    let actual = errors_of(&e, &ns, &name);
    let expected = expected_errors(case)?;
    let want: BTreeSet<(String, String)> = expected
        .iter()
        .map(|x| (normalize_field(&x.field), x.type_.clone()))
        .collect();
    let got: BTreeSet<(String, String)> = actual
        .iter()
        .map(|x| (normalize_field(&x.error.field), x.error.type_.to_string()))
        .collect();
    if want != got {
        problems.push(format!(
            "expected (field, type): {want:?}\n  actual:\n{}",
            printed(&actual)
        ));
    }
    for x in &expected {
        let Some(detail) = &x.detail else { continue };
        let found = actual.iter().any(|a| {
            normalize_field(&a.error.field) == normalize_field(&x.field)
                && a.error.type_.as_str() == x.type_
                && a.to_string().contains(detail.as_str())
        });
        if !found {
            problems.push(format!(
                "no {} error on {} contains {detail:?}\n  actual:\n{}",
                x.type_,
                x.field,
                printed(&actual)
            ));
        }
    }
    if let Some(bad) = actual.iter().find(|a| a.stage != "allocation") {
        problems.push(format!(
            "reported at stage {:?}, not allocation: {bad}",
            bad.stage
        ));
    }
    match case["expected"].as_str() {
        Some("invalid") if expected.is_empty() => {
            problems.push("marked invalid but lists no expected_errors".into())
        }
        Some("valid") | Some("invalid") => {}
        other => problems.push(format!("unknown `expected: {other:?}`")),
    }
    let rejected = e
        .service(&NsName::new(&ns, &name))
        .is_some_and(|st| st.rejected);
    if rejected == expected.is_empty() {
        problems.push(format!(
            "rejected = {rejected}, but {} errors expected",
            expected.len()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

#[test]
fn allocation_conformance() {
    let doc = common::load_conformance(FILE);
    let cases = doc["cases"].as_array().expect("`cases` is a list");
    let mut ran = 0;
    let mut failures = Vec::new();
    for case in cases {
        if case["stage"].as_str() != Some("allocation") {
            continue;
        }
        let id = case["id"].as_str().unwrap_or("<no id>");
        ran += 1;
        for (holders_first, how) in [
            (true, "precondition first in the input"),
            (false, "precondition last in the input, created earlier"),
        ] {
            if let Err(why) = check_case(case, holders_first) {
                failures.push(format!(
                    "{id} ({}), {how}:\n  {why}",
                    case["description"].as_str().unwrap_or("")
                ));
            }
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}\n");
    }
    eprintln!("{ran} allocation cases ran");
    assert!(ran >= 2, "only {ran} allocation cases found");
    assert!(failures.is_empty(), "{} failing runs", failures.len());
}

#[test]
fn allocation_facts_are_present() {
    // The facts below are tested one by one; make sure the file still
    // states them (a reworded file should be looked at again).
    let doc = common::load_conformance(FILE);
    let facts: Vec<String> = doc["allocation_facts"]
        .as_array()
        .expect("`allocation_facts` is a list")
        .iter()
        .map(|f| f["fact"].as_str().unwrap_or_default().to_string())
        .collect();
    let all = facts.join("\n");
    for needle in [
        "30000-32767",
        "30000-30085",
        "min(max(16, size/16), 256)",
        "10.96.0.1",
        "allocateLoadBalancerNodePorts=false",
        "healthCheckNodePort",
    ] {
        assert!(
            all.contains(needle),
            "no allocation fact mentions {needle:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// `allocation_facts`.

#[test]
fn kubernetes_service_gets_first_ip_of_primary_cidr() {
    // Implicit, in an empty cluster.
    let e = engine(Config::default(), vec![]);
    let k = e
        .service(&NsName::new("default", "kubernetes"))
        .expect("implicit default/kubernetes");
    assert!(k.implicit);
    assert_eq!(k.service.spec.cluster_ip.as_deref(), Some("10.96.0.1"));

    // Given in the input, after many other Services.
    let mut services: Vec<Service> = (0..50)
        .map(|i| svc("default", &format!("s{i}"), "ClusterIP", &[(80, None)]))
        .collect();
    services.push(service(json!({
        "metadata": { "name": "kubernetes", "namespace": "default" },
        "spec": { "ports": [{ "name": "https", "port": 443, "targetPort": 6443 }] },
    })));
    let e = engine(Config::default(), services);
    assert_eq!(
        cluster_ip(stored(&e, "default", "kubernetes")).to_string(),
        "10.96.0.1"
    );

    // Other ranges, IPv6 primary included.
    for (cidrs, first) in [
        ("10.0.0.0/16", "10.0.0.1"),
        ("fd00:1234::/108", "fd00:1234::1"),
        ("fd00:1234::/108,10.0.0.0/16", "fd00:1234::1"),
    ] {
        let config = Config {
            service_cidrs: Config::parse_service_cidrs(cidrs).unwrap(),
            ..Config::default()
        };
        let e = engine(config, vec![]);
        assert_eq!(
            cluster_ip(stored(&e, "default", "kubernetes")).to_string(),
            first,
            "{cidrs}"
        );
    }
}

#[test]
fn node_port_outside_range_is_invalid() {
    for np in [29999, 32768, 1, 65535] {
        let e = engine(
            Config::default(),
            vec![svc("ns", "np", "NodePort", &[(80, Some(np))])],
        );
        let errs = errors_of(&e, "ns", "np");
        assert_eq!(errs.len(), 1, "nodePort {np}: {errs:?}");
        assert_eq!(errs[0].error.field, "spec.ports[0].nodePort");
        assert_eq!(errs[0].error.type_.as_str(), "Invalid");
        assert_eq!(errs[0].stage, "allocation");
        assert!(errs[0].to_string().contains("30000-32767"), "{}", errs[0]);
        assert!(e.service(&NsName::new("ns", "np")).unwrap().rejected);
    }
    for np in [30000, 32767] {
        let e = engine(
            Config::default(),
            vec![svc("ns", "np", "NodePort", &[(80, Some(np))])],
        );
        assert_eq!(node_ports(stored(&e, "ns", "np")), [np]);
    }
    // The range is the cluster's.
    let config = Config {
        node_port_range: "31000-31999".parse().unwrap(),
        ..Config::default()
    };
    let e = engine(
        config,
        vec![svc("ns", "np", "NodePort", &[(80, Some(30500))])],
    );
    let errs = errors_of(&e, "ns", "np");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].to_string().contains("31000-31999"), "{}", errs[0]);
}

#[test]
fn node_port_conflicts_are_per_protocol_pair_not_per_service() {
    // One Service may use one nodePort for TCP and UDP of the same port.
    let mut dns = svc(
        "ns",
        "dns",
        "NodePort",
        &[(53, Some(30053)), (53, Some(30053))],
    );
    dns.spec.ports[1].protocol = Some("UDP".into());
    let e = engine(Config::default(), vec![dns]);
    assert_eq!(node_ports(stored(&e, "ns", "dns")), [30053, 30053]);
}

#[test]
fn automatic_values_avoid_static_bands() {
    let config = Config::default();
    let cidr = config.service_cidrs[0];
    let mut services = Vec::new();
    for i in 0..300 {
        let type_ = match i % 3 {
            0 => "ClusterIP",
            1 => "NodePort",
            _ => "LoadBalancer",
        };
        let mut s = svc(
            &format!("ns{}", i % 7),
            &format!("s{i}"),
            type_,
            &[(80, None), (443, None)],
        );
        if type_ == "LoadBalancer" {
            s.spec.external_traffic_policy = Some("Local".into());
        }
        services.push(s);
    }
    let e = engine(config.clone(), services);
    assert!(e.errors().is_empty(), "{:?}", e.errors());
    let mut ips = BTreeSet::new();
    let mut ports = BTreeSet::new();
    for (key, st) in e.services() {
        if st.implicit {
            continue;
        }
        let s = &st.service;
        let ip = cluster_ip(s);
        let off = cidr.offset_of(&ip).expect("inside the service CIDR");
        // Offsets 1..=256 are the static band (0 is the network address).
        assert!(off > 256, "{key}: {ip} is in the static band");
        assert!(
            off < cidr.size() - 1,
            "{key}: {ip} is the broadcast address"
        );
        assert!(ips.insert(ip), "{key}: {ip} handed out twice");
        let mut own = node_ports(s);
        own.extend(s.spec.health_check_node_port);
        if s.type_() == "ClusterIP" {
            assert!(own.is_empty(), "{key}: ClusterIP got node ports {own:?}");
        }
        for np in own {
            assert!(
                (30086..=32767).contains(&np),
                "{key}: nodePort {np} is outside the dynamic band 30086-32767"
            );
            assert!(ports.insert(np), "{key}: nodePort {np} handed out twice");
        }
    }
    assert_eq!(ips.len(), 300);
}

#[test]
fn user_requested_values_may_use_the_static_band() {
    let mut s = svc("ns", "fixed", "NodePort", &[(80, Some(30001))]);
    s.spec.cluster_ip = Some("10.96.0.10".into());
    let e = engine(Config::default(), vec![s]);
    let s = stored(&e, "ns", "fixed");
    assert_eq!(s.spec.cluster_ips, ["10.96.0.10"]);
    assert_eq!(node_ports(s), [30001]);
}

#[test]
fn network_and_broadcast_addresses_are_never_valid() {
    for ip in ["10.96.0.0", "10.111.255.255"] {
        let mut s = svc("ns", "edge", "ClusterIP", &[(80, None)]);
        s.spec.cluster_ip = Some(ip.into());
        let e = engine(Config::default(), vec![s]);
        let errs = errors_of(&e, "ns", "edge");
        assert_eq!(errs.len(), 1, "{ip}: {errs:?}");
        assert_eq!(normalize_field(&errs[0].error.field), "spec.clusterIPs");
        assert!(
            errs[0].to_string().contains("not in the valid range"),
            "{}",
            errs[0]
        );
    }
}

#[test]
fn headless_and_external_name_get_no_ip() {
    let headless = service(json!({
        "metadata": { "name": "hl", "namespace": "ns" },
        "spec": { "clusterIP": "None", "selector": { "app": "x" },
                  "ports": [{ "port": 80 }] },
    }));
    let portless_headless = service(json!({
        "metadata": { "name": "hl2", "namespace": "ns" },
        "spec": { "clusterIP": "None", "selector": { "app": "x" } },
    }));
    let external = service(json!({
        "metadata": { "name": "ext", "namespace": "ns" },
        "spec": { "type": "ExternalName", "externalName": "example.com" },
    }));
    let e = engine(
        Config::default(),
        vec![headless, portless_headless, external],
    );
    assert!(e.errors().is_empty(), "{:?}", e.errors());
    for name in ["hl", "hl2"] {
        let s = stored(&e, "ns", name);
        assert_eq!(s.spec.cluster_ip.as_deref(), Some("None"), "{name}");
        assert_eq!(s.spec.cluster_ips, ["None"], "{name}");
        assert!(s.spec.ports.iter().all(|p| p.node_port.is_none()), "{name}");
    }
    let s = stored(&e, "ns", "ext");
    assert!(
        s.spec.cluster_ip.as_deref().unwrap_or("").is_empty(),
        "{:?}",
        s.spec.cluster_ip
    );
    assert!(s.spec.cluster_ips.is_empty(), "{:?}", s.spec.cluster_ips);
    assert!(s.spec.ip_families.is_empty(), "{:?}", s.spec.ip_families);
}

#[test]
fn load_balancer_without_node_port_allocation() {
    let mut lb = svc(
        "ns",
        "lb",
        "LoadBalancer",
        &[(80, None), (443, Some(30500))],
    );
    lb.spec.allocate_load_balancer_node_ports = Some(false);
    // A user-set nodePort is kept, and held: nobody else gets it.
    let other = svc("ns", "other", "NodePort", &[(80, Some(30500))]);
    let e = engine(Config::default(), vec![lb, other]);
    let s = stored(&e, "ns", "lb");
    assert_eq!(
        s.spec.ports[0].node_port, None,
        "allocated although disabled"
    );
    assert_eq!(
        s.spec.ports[1].node_port,
        Some(30500),
        "user-set nodePort dropped"
    );
    let errs = errors_of(&e, "ns", "other");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0]
        .to_string()
        .contains("provided port is already allocated"));

    // Default (true): every port gets one.
    let e = engine(
        Config::default(),
        vec![svc("ns", "lb", "LoadBalancer", &[(80, None), (443, None)])],
    );
    let s = stored(&e, "ns", "lb");
    assert_eq!(s.spec.allocate_load_balancer_node_ports, Some(true));
    assert_eq!(node_ports(s).len(), 2);
}

#[test]
fn load_balancer_local_gets_health_check_node_port() {
    let mut local = svc("ns", "local", "LoadBalancer", &[(80, None)]);
    local.spec.external_traffic_policy = Some("Local".into());
    let mut local_no_np = svc("ns", "local-no-np", "LoadBalancer", &[(80, None)]);
    local_no_np.spec.external_traffic_policy = Some("Local".into());
    local_no_np.spec.allocate_load_balancer_node_ports = Some(false);
    let mut given = svc("ns", "given", "LoadBalancer", &[(80, None)]);
    given.spec.external_traffic_policy = Some("Local".into());
    given.spec.health_check_node_port = Some(30999);
    let cluster = svc("ns", "cluster", "LoadBalancer", &[(80, None)]);
    let e = engine(Config::default(), vec![local, local_no_np, given, cluster]);
    assert!(e.errors().is_empty(), "{:?}", e.errors());

    let s = stored(&e, "ns", "local");
    let hc = s
        .spec
        .health_check_node_port
        .expect("healthCheckNodePort allocated");
    assert!((30000..=32767).contains(&hc), "{hc}");
    assert!(!node_ports(s).contains(&hc), "{hc} is also a nodePort");
    // The health check is needed whether or not nodePorts are allocated.
    let s = stored(&e, "ns", "local-no-np");
    assert!(s.spec.health_check_node_port.is_some_and(|p| p != 0));
    assert_eq!(node_ports(s), Vec::<i32>::new());
    assert_eq!(
        stored(&e, "ns", "given").spec.health_check_node_port,
        Some(30999)
    );
    let s = stored(&e, "ns", "cluster");
    assert_eq!(s.spec.external_traffic_policy.as_deref(), Some("Cluster"));
    assert!(s.spec.health_check_node_port.unwrap_or(0) == 0);
}

/// Cluster IPs, nodePorts (by port) and healthCheckNodePort of a Service.
type Allocated = (Vec<String>, Vec<Option<i32>>, Option<i32>);

/// Every allocated value, by Service.
fn allocations(e: &Engine) -> BTreeMap<NsName, Allocated> {
    e.services()
        .map(|(k, st)| {
            let s = &st.service;
            (
                k.clone(),
                (
                    s.spec.cluster_ips.clone(),
                    s.spec.ports.iter().map(|p| p.node_port).collect(),
                    s.spec.health_check_node_port,
                ),
            )
        })
        .collect()
}

fn mixed_services() -> Vec<Service> {
    (0..60)
        .map(|i| {
            let type_ = ["ClusterIP", "NodePort", "LoadBalancer"][i % 3];
            let mut s = svc(
                &format!("ns{}", i % 4),
                &format!("svc-{i}"),
                type_,
                &[(80, None), (8080, None)],
            );
            if i % 5 == 0 && type_ == "LoadBalancer" {
                s.spec.external_traffic_policy = Some("Local".into());
            }
            if i % 7 == 0 {
                s.spec.cluster_ip = Some(format!("10.96.0.{}", 10 + i));
            }
            s
        })
        .collect()
}

#[test]
fn same_input_same_allocation() {
    let a = engine(Config::default(), mixed_services());
    let b = engine(Config::default(), mixed_services());
    assert!(a.errors().is_empty(), "{:?}", a.errors());
    assert_eq!(allocations(&a), allocations(&b));
}

#[test]
fn later_user_choice_is_never_taken_by_earlier_automatic_allocation() {
    // What `first` gets on its own...
    let mut first = svc("ns", "first", "LoadBalancer", &[(80, None)]);
    first.spec.external_traffic_policy = Some("Local".into());
    let alone = engine(Config::default(), vec![first.clone()]);
    let auto = stored(&alone, "ns", "first").clone();
    let ip = auto.spec.cluster_ip.clone().unwrap();
    let np = auto.spec.ports[0].node_port.unwrap();
    let hc = auto.spec.health_check_node_port.unwrap();

    // ...is asked for by Services later in the input (and created later):
    // they get it, and `first` gets something else.
    let mut wants_ip = svc("ns", "wants-ip", "ClusterIP", &[(80, None)]);
    wants_ip.spec.cluster_ip = Some(ip.clone());
    let wants_np = svc("ns", "wants-np", "NodePort", &[(80, Some(np))]);
    let wants_hc = svc("ns", "wants-hc", "NodePort", &[(80, Some(hc))]);
    for timestamps in [false, true] {
        let mut first = first.clone();
        let mut later = vec![wants_ip.clone(), wants_np.clone(), wants_hc.clone()];
        if timestamps {
            first.metadata.creation_timestamp = Some("2024-01-01T00:00:00Z".into());
            for s in &mut later {
                s.metadata.creation_timestamp = Some("2024-06-01T00:00:00Z".into());
            }
        }
        let mut services = vec![first];
        services.extend(later);
        let e = engine(Config::default(), services);
        assert!(
            e.errors().is_empty(),
            "timestamps={timestamps}: {:?}",
            e.errors()
        );
        assert_eq!(
            stored(&e, "ns", "wants-ip").spec.cluster_ip.as_deref(),
            Some(ip.as_str())
        );
        assert_eq!(node_ports(stored(&e, "ns", "wants-np")), [np]);
        assert_eq!(node_ports(stored(&e, "ns", "wants-hc")), [hc]);
        let f = stored(&e, "ns", "first");
        assert_ne!(f.spec.cluster_ip.as_deref(), Some(ip.as_str()));
        assert!(!node_ports(f).contains(&np) && !node_ports(f).contains(&hc));
        assert!(f
            .spec
            .health_check_node_port
            .is_some_and(|p| p != np && p != hc));
    }
}

/// Upstream (`initNodePorts` in pkg/registry/core/service/storage/alloc.go)
/// shares one nodePort between ports of a Service only when they have the
/// same `port` number (TCP and UDP of port 53, say). Two different ports
/// asking for the same nodePort pass validation (the protocols differ) but
/// the second `Allocate` fails: the bitmap is one for all protocols.
#[test]
fn own_node_port_reused_by_a_different_port_is_rejected() {
    let mut s = svc(
        "ns",
        "two",
        "NodePort",
        &[(80, Some(30080)), (81, Some(30080))],
    );
    s.spec.ports[1].protocol = Some("UDP".into());
    let e = engine(Config::default(), vec![s]);
    let errs = errors_of(&e, "ns", "two");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].error.field, "spec.ports[1].nodePort");
    assert!(errs[0]
        .to_string()
        .contains("provided port is already allocated"));
}
