//! Runs every case of the shared conformance file `endpoints.yaml` through
//! the incremental engine (`Engine::from_objects`) and compares the
//! Endpoints (and EndpointSlices) it computes with what the upstream
//! endpoints / EndpointSlice controllers write.
//!
//! Comparison follows the file's `conventions:` block:
//! - subsets compare as an unordered set, ports inside a subset as a set,
//!   addresses in order only when `ordered_addresses: true`;
//! - per address only `ip` and targetRef `kind`/`name` are asserted, plus
//!   `hostname` when the case is about hostnames and `nodeName` when given;
//! - `exists: false`: no Endpoints written; `labels`: present on the object;
//!   `unchanged: true`: the pre-existing Endpoints are left alone;
//! - `expected_endpointslice`: addressType, ports as a set, endpoints (with
//!   conditions and targetRef) as a set over the controller's slices.
//!
//! Cases without `expected_endpointslice` still get a cross-check derived
//! from `expected_endpoints`: every published pod must have a slice endpoint
//! with the same readiness, in a slice whose ports are the union of the
//! ports of the subsets that list it; any other slice endpoint must belong
//! to a terminating pod (Endpoints drop those, slices keep them) or sit in a
//! port-less slice (a pod offering none of the ports still gets an endpoint
//! from the EndpointSlice controller, with an empty port list).
//!
//! Every case runs twice: pods without UIDs (as most manifests are written)
//! and with UIDs (as the apiserver stores them). The file lives outside the
//! repository; a missing file is a failure, not a skip.

mod common;

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use svcscope::internals::endpoints::{LABEL_MANAGED_BY, MANAGED_BY_CONTROLLER};
use svcscope::internals::engine::Engine;
use svcscope::internals::net::{family_of, parse_cidr_masked, Cidr, Family};
use svcscope::model::{EndpointSlice, Endpoints, Node, Object, Pod, Service};
use svcscope::{Config, NsName, Origin};

const FILE: &str = "endpoints.yaml";

/// Keys a case may carry. Anything else fails the case, so that a new kind
/// of case is handled on purpose rather than silently half-checked.
const CASE_KEYS: &[&str] = &[
    "id",
    "description",
    "service",
    "pods",
    "nodes",
    "existing_endpoints",
    "preexisting_endpoints",
    "endpoints",
    "expected_endpoints",
    "expected_endpointslice",
    "source",
    "why",
    "applies_to",
    "derived_from_code",
    "notes",
];

const POD_KEYS: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "labels",
    "podIP",
    "podIPs",
    "phase",
    "ready",
    "deletionTimestamp",
    "nodeName",
    "hostname",
    "subdomain",
    "containers",
    "initContainers",
    "restartPolicy",
];

const EXPECTED_EP_KEYS: &[&str] = &[
    "subsets",
    "exists",
    "labels",
    "ordered_addresses",
    "unchanged",
];

const EXPECTED_SLICE_KEYS: &[&str] = &["addressType", "ports", "endpoints"];

fn check_keys(v: &Value, allowed: &[&str], what: &str) -> Result<(), String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("{what} is not a mapping"))?;
    let unknown: Vec<&String> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: unhandled keys {unknown:?}"))
    }
}

/// The compact pod form of the file, as a real `v1.Pod`.
fn pod_from_case(p: &Value, default_ns: &str, with_uid: bool) -> Result<Pod, String> {
    check_keys(p, POD_KEYS, "pod")?;
    let name = p["name"].as_str().ok_or("pod without name")?;
    let ns = p["namespace"].as_str().unwrap_or(default_ns);
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(ns));
    if let Some(labels) = p.get("labels") {
        metadata.insert("labels".into(), labels.clone());
    }
    if let Some(ts) = p.get("deletionTimestamp") {
        metadata.insert("deletionTimestamp".into(), ts.clone());
    }
    match p.get("uid") {
        Some(uid) => {
            metadata.insert("uid".into(), uid.clone());
        }
        None if with_uid => {
            metadata.insert("uid".into(), json!(format!("uid-{ns}-{name}")));
        }
        None => {}
    }
    let mut spec = Map::new();
    for key in [
        "nodeName",
        "hostname",
        "subdomain",
        "containers",
        "initContainers",
        "restartPolicy",
    ] {
        if let Some(v) = p.get(key) {
            spec.insert(key.into(), v.clone());
        }
    }
    let mut status = Map::new();
    if let Some(phase) = p.get("phase") {
        status.insert("phase".into(), phase.clone());
    }
    let ips: Vec<Value> = match p.get("podIPs") {
        Some(Value::Array(ips)) => ips.clone(),
        Some(other) => return Err(format!("pod {name}: podIPs is not a list: {other}")),
        None => p.get("podIP").into_iter().cloned().collect(),
    };
    if let Some(first) = ips.first() {
        status.insert("podIP".into(), first.clone());
        status.insert(
            "podIPs".into(),
            Value::Array(ips.iter().map(|ip| json!({ "ip": ip })).collect()),
        );
    }
    if let Some(ready) = p.get("ready") {
        let ready = ready
            .as_bool()
            .ok_or_else(|| format!("pod {name}: ready is not a bool"))?;
        status.insert(
            "conditions".into(),
            json!([{ "type": "Ready", "status": if ready { "True" } else { "False" } }]),
        );
    }
    let pod = json!({ "metadata": metadata, "spec": spec, "status": status });
    serde_json::from_value(pod).map_err(|e| format!("pod {name} does not deserialize: {e}"))
}

/// The cluster the case needs: kubeadm's defaults, widened (dual-stack, or
/// a CIDR around a requested cluster IP) when the Service asks for an
/// address the default range cannot give.
fn config_for(svc: &Service) -> Config {
    let mut config = Config::default();
    let mut ips: Vec<&str> = svc.spec.cluster_ips.iter().map(String::as_str).collect();
    ips.extend(svc.spec.cluster_ip.as_deref());
    let mut families: Vec<Family> = svc
        .spec
        .ip_families
        .iter()
        .filter_map(|f| Family::parse(f))
        .collect();
    families.extend(ips.iter().filter_map(|ip| family_of(ip)));
    if families.contains(&Family::IPv6) {
        let v6: Cidr = "fd00:10:96::/108".parse().expect("valid literal");
        config.service_cidrs.push(v6);
    }
    for ip in ips {
        let Some(fam) = family_of(ip) else { continue };
        let addr = svcscope::internals::net::parse_ip(ip).expect("parsed above");
        let Some(slot) = config.service_cidrs.iter_mut().find(|c| c.family() == fam) else {
            continue;
        };
        if !slot.contains(&addr) {
            let bits = if fam == Family::IPv4 { 16 } else { 112 };
            *slot = parse_cidr_masked(&format!("{ip}/{bits}")).expect("valid prefix");
        }
    }
    config
}

/// Which optional address fields a case asserts.
#[derive(Clone, Copy)]
struct Fields {
    hostname: bool,
    node_name: bool,
    app_protocol: bool,
}

fn fields_for(case: &Value) -> Fields {
    let pods = case["pods"].as_array().cloned().unwrap_or_default();
    let mut addrs = Vec::new();
    let mut ports = Vec::new();
    for s in case["expected_endpoints"]["subsets"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for k in ["addresses", "notReadyAddresses"] {
            addrs.extend(s[k].as_array().into_iter().flatten().cloned());
        }
        ports.extend(s["ports"].as_array().into_iter().flatten().cloned());
    }
    for e in case["expected_endpointslice"]["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
    {
        addrs.push(e.clone());
    }
    ports.extend(
        case["expected_endpointslice"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .cloned(),
    );
    Fields {
        hostname: pods.iter().any(|p| p.get("hostname").is_some())
            || addrs.iter().any(|a| a.get("hostname").is_some()),
        node_name: addrs.iter().any(|a| a.get("nodeName").is_some()),
        app_protocol: ports.iter().any(|p| p.get("appProtocol").is_some()),
    }
}

fn text(v: &Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::String(_) => v.clone(),
        _ => Value::Null,
    }
}

fn target_ref(v: &Value) -> Value {
    json!({ "kind": text(&v["kind"]), "name": text(&v["name"]) })
}

/// An Endpoints address reduced to what the case asserts.
fn project_address(a: &Value, f: Fields) -> Value {
    let mut m = Map::new();
    m.insert("ip".into(), a["ip"].clone());
    m.insert("targetRef".into(), target_ref(&a["targetRef"]));
    if f.hostname {
        m.insert("hostname".into(), text(&a["hostname"]));
    }
    if f.node_name {
        m.insert("nodeName".into(), text(&a["nodeName"]));
    }
    Value::Object(m)
}

/// An Endpoints or EndpointSlice port: unnamed is `null` whether written as
/// absent (Endpoints) or `""` (EndpointSlice); protocol defaults to TCP.
fn project_port(p: &Value, f: Fields) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), text(&p["name"]));
    m.insert("port".into(), p["port"].clone());
    let proto = match &p["protocol"] {
        Value::String(s) if !s.is_empty() => s.clone(),
        _ => "TCP".into(),
    };
    m.insert("protocol".into(), json!(proto));
    if f.app_protocol {
        m.insert("appProtocol".into(), text(&p["appProtocol"]));
    }
    Value::Object(m)
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn port_set(ports: &[Value], f: Fields) -> BTreeSet<String> {
    ports
        .iter()
        .map(|p| project_port(p, f).to_string())
        .collect()
}

/// A subset as a canonical string: ports as a set; addresses as a set or,
/// when the case says so, in the order given.
fn canonical_subset(s: &Value, f: Fields, ordered: bool) -> String {
    let addrs = |key: &str| -> Vec<String> {
        let mut v: Vec<String> = list(s, key)
            .iter()
            .map(|a| project_address(a, f).to_string())
            .collect();
        if !ordered {
            v.sort();
        }
        v
    };
    json!({
        "addresses": addrs("addresses"),
        "notReadyAddresses": addrs("notReadyAddresses"),
        "ports": port_set(list(s, "ports"), f),
    })
    .to_string()
}

fn canonical_subsets(subsets: &[Value], f: Fields, ordered: bool) -> Vec<String> {
    let mut v: Vec<String> = subsets
        .iter()
        .map(|s| canonical_subset(s, f, ordered))
        .collect();
    v.sort();
    v
}

fn pretty(v: &[String]) -> String {
    v.iter()
        .map(|s| format!("      {s}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Slices written by the EndpointSlice controller (not input or mirrored).
fn controller_slices(slices: &[EndpointSlice]) -> Vec<&EndpointSlice> {
    slices
        .iter()
        .filter(|s| {
            s.metadata.labels.get(LABEL_MANAGED_BY).map(String::as_str)
                == Some(MANAGED_BY_CONTROLLER)
        })
        .collect()
}

/// A slice endpoint reduced to what the case asserts.
fn project_endpoint(e: &Value, f: Fields, conditions: &[String]) -> Value {
    let mut addresses: Vec<String> = list(e, "addresses")
        .iter()
        .filter_map(|a| a.as_str().map(String::from))
        .collect();
    addresses.sort();
    let mut cond = Map::new();
    for c in conditions {
        cond.insert(c.clone(), e["conditions"][c.as_str()].clone());
    }
    let mut m = Map::new();
    m.insert("addresses".into(), json!(addresses));
    m.insert("conditions".into(), Value::Object(cond));
    m.insert("targetRef".into(), target_ref(&e["targetRef"]));
    if f.hostname {
        m.insert("hostname".into(), text(&e["hostname"]));
    }
    if f.node_name {
        m.insert("nodeName".into(), text(&e["nodeName"]));
    }
    Value::Object(m)
}

fn check_expected_slice(
    expected: &Value,
    slices: &[&EndpointSlice],
    f: Fields,
) -> Result<(), String> {
    check_keys(expected, EXPECTED_SLICE_KEYS, "expected_endpointslice")?;
    let addr_type = expected["addressType"]
        .as_str()
        .ok_or("expected_endpointslice without addressType")?;
    let of_type: Vec<Value> = slices
        .iter()
        .filter(|s| s.address_type == addr_type)
        .map(|s| serde_json::to_value(s).expect("slices serialize"))
        .collect();
    if of_type.is_empty() {
        let types: Vec<&str> = slices.iter().map(|s| s.address_type.as_str()).collect();
        return Err(format!(
            "no {addr_type} EndpointSlice (controller slices have types {types:?})"
        ));
    }
    let want_ports = port_set(list(expected, "ports"), f);
    let conditions: Vec<String> = {
        let mut c = BTreeSet::new();
        for e in list(expected, "endpoints") {
            if let Some(m) = e["conditions"].as_object() {
                c.extend(m.keys().cloned());
            }
        }
        c.into_iter().collect()
    };
    let mut got_eps = Vec::new();
    let mut problems = Vec::new();
    for s in &of_type {
        let eps = list(s, "endpoints");
        if eps.is_empty() {
            continue;
        }
        let ports = port_set(list(s, "ports"), f);
        if ports != want_ports {
            problems.push(format!(
                "slice {} ports\n    expected: {want_ports:?}\n    actual:   {ports:?}",
                s["metadata"]["name"]
            ));
        }
        got_eps.extend(
            eps.iter()
                .map(|e| project_endpoint(e, f, &conditions).to_string()),
        );
    }
    got_eps.sort();
    let mut want_eps: Vec<String> = list(expected, "endpoints")
        .iter()
        .map(|e| project_endpoint(e, f, &conditions).to_string())
        .collect();
    want_eps.sort();
    if got_eps != want_eps {
        problems.push(format!(
            "{addr_type} slice endpoints\n    expected:\n{}\n    actual:\n{}",
            pretty(&want_eps),
            pretty(&got_eps)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

/// Where a pod's address was found in the slices: IP, ready, slice ports.
type SliceHit = (String, Option<bool>, BTreeSet<String>);

/// The slices implied by `expected_endpoints` (see the module docs).
fn check_derived_slices(
    case: &Value,
    slices: &[&EndpointSlice],
    f: Fields,
    publish_not_ready: bool,
) -> Result<(), String> {
    // targetRef name → (ip, ready, ports offered).
    let mut want: BTreeMap<String, (String, bool, BTreeSet<String>)> = BTreeMap::new();
    for s in list(&case["expected_endpoints"], "subsets") {
        let ports = port_set(list(s, "ports"), f);
        for (key, ready) in [("addresses", true), ("notReadyAddresses", false)] {
            for a in list(s, key) {
                let name = a["targetRef"]["name"]
                    .as_str()
                    .ok_or("expected address without targetRef name")?
                    .to_string();
                let ip = a["ip"].as_str().unwrap_or_default().to_string();
                let entry = want
                    .entry(name)
                    .or_insert_with(|| (ip, ready, BTreeSet::new()));
                entry.2.extend(ports.iter().cloned());
            }
        }
    }
    let terminating: BTreeSet<String> = list(case, "pods")
        .iter()
        .filter(|p| p.get("deletionTimestamp").is_some())
        .filter_map(|p| p["name"].as_str().map(String::from))
        .collect();
    let mut found: BTreeMap<String, Vec<SliceHit>> = BTreeMap::new();
    let mut problems = Vec::new();
    for s in slices {
        let sv = serde_json::to_value(s).expect("slices serialize");
        let ports = port_set(list(&sv, "ports"), f);
        for e in &s.endpoints {
            let name = e
                .target_ref
                .as_ref()
                .and_then(|t| t.name.clone())
                .unwrap_or_default();
            for ip in &e.addresses {
                found.entry(name.clone()).or_default().push((
                    ip.clone(),
                    e.conditions.ready,
                    ports.clone(),
                ));
            }
            // Pods the Endpoints leave out may still be in slices: when
            // terminating, or (EndpointSlice only) when they offer none of
            // the Service's ports, in a slice with an empty port list.
            if !want.contains_key(&name) && !terminating.contains(&name) && !ports.is_empty() {
                problems.push(format!(
                    "slice endpoint {:?} of pod {name:?} is not in the Endpoints, not terminating, and offers ports",
                    e.addresses
                ));
            }
            if terminating.contains(&name) && e.conditions.terminating != Some(true) {
                problems.push(format!(
                    "slice endpoint of terminating pod {name:?} has terminating={:?}",
                    e.conditions.terminating
                ));
            }
            if terminating.contains(&name)
                && !publish_not_ready
                && e.conditions.ready != Some(false)
            {
                problems.push(format!(
                    "slice endpoint of terminating pod {name:?} has ready={:?}",
                    e.conditions.ready
                ));
            }
        }
    }
    for (name, (ip, ready, ports)) in &want {
        let hits = found.get(name).cloned().unwrap_or_default();
        let ok = hits
            .iter()
            .any(|(i, r, p)| i == ip && *r == Some(*ready) && p == ports);
        if !ok {
            problems.push(format!(
                "pod {name}: expected a slice endpoint {ip} ready={ready} with ports {ports:?}; found {hits:?}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "derived EndpointSlice check: {}",
            problems.join("\n  ")
        ))
    }
}

/// Checks one case; `Err` describes every mismatch.
fn check(case: &Value, with_uid: bool) -> Result<(), String> {
    check_keys(case, CASE_KEYS, "case")?;
    let expected = case
        .get("expected_endpoints")
        .ok_or("case without expected_endpoints")?;
    check_keys(expected, EXPECTED_EP_KEYS, "expected_endpoints")?;
    let svc: Service = serde_json::from_value(case["service"].clone())
        .map_err(|e| format!("service does not deserialize: {e}"))?;
    let ns = svc.metadata.ns().to_string();
    let key = NsName::new(
        if ns.is_empty() { "default" } else { &ns },
        &svc.metadata.name,
    );
    let origin = |path: String| Origin {
        file: FILE.into(),
        line: None,
        path: Some(path),
        ..Origin::default()
    };

    let mut objects: Vec<(Object, Origin)> = Vec::new();
    for (i, n) in list(case, "nodes").iter().enumerate() {
        let node: Node = serde_json::from_value(n.clone())
            .map_err(|e| format!("nodes[{i}] does not deserialize: {e}"))?;
        objects.push((Object::Node(node.into()), origin(format!("nodes[{i}]"))));
    }
    let existing_key = ["existing_endpoints", "preexisting_endpoints", "endpoints"]
        .into_iter()
        .find(|k| case.get(*k).is_some());
    let existing: Option<Endpoints> = match existing_key {
        Some(k) => {
            let mut v = case[k].clone();
            // The compact form may omit the object's identity: it is the
            // Service's Endpoints.
            if let Some(m) = v.as_object_mut() {
                let meta = m.entry("metadata").or_insert_with(|| json!({}));
                if let Some(meta) = meta.as_object_mut() {
                    meta.entry("name")
                        .or_insert_with(|| json!(svc.metadata.name));
                    meta.entry("namespace")
                        .or_insert_with(|| json!(key.namespace));
                }
            }
            Some(serde_json::from_value(v).map_err(|e| format!("{k} does not deserialize: {e}"))?)
        }
        None => None,
    };
    if let Some(ep) = &existing {
        objects.push((
            Object::Endpoints(ep.clone().into()),
            origin("endpoints".into()),
        ));
    }
    for (i, p) in list(case, "pods").iter().enumerate() {
        let pod = pod_from_case(p, &key.namespace, with_uid)?;
        objects.push((Object::Pod(pod.into()), origin(format!("pods[{i}]"))));
    }
    objects.push((
        Object::Service(svc.clone().into()),
        origin("service".into()),
    ));

    let engine = Engine::from_objects(config_for(&svc), objects);
    let errors: Vec<String> = engine.errors().iter().map(|e| e.to_string()).collect();
    let state = engine
        .service(&key)
        .ok_or_else(|| format!("engine has no Service {key}"))?;
    if state.rejected {
        return Err(format!("the Service was rejected: {errors:?}"));
    }
    if !errors.is_empty() {
        return Err(format!("unexpected errors: {errors:?}"));
    }
    let f = fields_for(case);
    let slices = controller_slices(&state.slices);
    let mut problems = Vec::new();

    if expected.get("exists") == Some(&Value::Bool(false)) {
        if let Some(ep) = &state.endpoints {
            problems.push(format!(
                "expected no Endpoints, got {}",
                serde_json::to_string(ep).unwrap_or_default()
            ));
        }
        if !slices.is_empty() {
            problems.push(format!(
                "expected no controller EndpointSlices, got {}",
                slices.len()
            ));
        }
        return if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n  "))
        };
    }
    let Some(ep) = &state.endpoints else {
        return Err("no Endpoints were written".into());
    };
    let actual = serde_json::to_value(ep).map_err(|e| e.to_string())?;

    if expected.get("unchanged") == Some(&Value::Bool(true)) {
        let Some(before) = &existing else {
            return Err("`unchanged: true` without pre-existing Endpoints in the case".into());
        };
        if ep.subsets != before.subsets || ep.metadata.labels != before.metadata.labels {
            problems.push(format!(
                "pre-existing Endpoints were modified\n    before: {}\n    after:  {}",
                serde_json::to_string(before).unwrap_or_default(),
                actual
            ));
        }
    }

    if let Some(labels) = expected.get("labels") {
        let labels = labels
            .as_object()
            .ok_or("expected labels is not a mapping")?;
        for (k, v) in labels {
            let want = v.as_str().unwrap_or_default();
            match ep.metadata.labels.get(k) {
                Some(got) if got == want => {}
                got => problems.push(format!("label {k}: expected {want:?}, got {got:?}")),
            }
        }
    }

    if let Some(subsets) = expected.get("subsets") {
        let subsets = subsets.as_array().ok_or("expected subsets is not a list")?;
        let ordered = expected.get("ordered_addresses") == Some(&Value::Bool(true));
        let want = canonical_subsets(subsets, f, ordered);
        let got = canonical_subsets(list(&actual, "subsets"), f, ordered);
        if want != got {
            problems.push(format!(
                "subsets\n    expected:\n{}\n    actual:\n{}",
                pretty(&want),
                pretty(&got)
            ));
        }
    }

    match case.get("expected_endpointslice") {
        Some(es) => {
            if let Err(e) = check_expected_slice(es, &slices, f) {
                problems.push(e);
            }
        }
        None if expected.get("unchanged") != Some(&Value::Bool(true)) => {
            if let Err(e) = check_derived_slices(
                case,
                &slices,
                f,
                state.service.publish_not_ready_addresses(),
            ) {
                problems.push(e);
            }
        }
        None => {}
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

#[test]
fn endpoints_conformance() {
    let doc = common::load_conformance(FILE);
    let cases = doc["cases"].as_array().expect("`cases` is a list");
    let mut ran = 0;
    let mut failures = Vec::new();
    let mut ids = BTreeSet::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("<no id>").to_string();
        assert!(ids.insert(id.clone()), "duplicate case id {id}");
        ran += 1;
        for with_uid in [false, true] {
            if let Err(e) = check(case, with_uid) {
                let variant = if with_uid {
                    "pods with UIDs"
                } else {
                    "pods without UIDs"
                };
                failures.push(format!(
                    "{id} ({variant}): {}\n  {e}",
                    case["description"].as_str().unwrap_or("")
                ));
            }
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}\n");
    }
    eprintln!(
        "endpoints.yaml: {ran} cases, {} failing runs",
        failures.len()
    );
    assert!(ran >= 12, "only {ran} cases ran; expected at least 12");
    assert!(failures.is_empty(), "{} failing runs", failures.len());
}
