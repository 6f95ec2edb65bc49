//! Runs every case of the shared conformance file `dns.yaml` through the
//! engine and the DNS index built from it, and compares the response with
//! what CoreDNS's `kubernetes` plugin answers.
//!
//! A case's cluster (a fixture or inline) is turned into real objects:
//! Namespaces, Pods, Services (cluster IPs as requested) and, for the
//! `endpoints:` lists, selectorless EndpointSlices (one per address family,
//! every address ready). The engine defaults, validates and allocates the
//! Services and writes the slices of selector Services from the pods, as
//! the controllers would; the index is built from what it stores.
//!
//! Fixtures mirror CoreDNS's mocked API, which may give two Services one
//! cluster IP; an apiserver would refuse the second. Such Services are
//! loaded into separate engines (one per clash) and the index is built from
//! all of them, so the case still sees both.
//!
//! Comparison follows the file's `conventions:`: answer, authority and
//! additional as multisets of `<owner> <ttl> IN <type> <rdata>` lines (an
//! absent list is empty), the SOA serial written `<serial>`, and a CNAME
//! before the records of its target. `endpoint_label_derivation` cases are
//! checked against [`endpoint_label`]. The file lives outside the
//! repository; a missing file is a failure, not a skip.

mod common;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::IpAddr;
use svcscope::internals::dns::{
    endpoint_label, DnsOptions, PodRecords, RData, RType, Record, ZoneIndex,
};
use svcscope::internals::engine::Engine;
use svcscope::internals::net::{parse_cidr_masked, Cidr, Family};
use svcscope::model::{Object, Service};
use svcscope::{Config, Origin};

const FILE: &str = "dns.yaml";

const CASE_KEYS: &[&str] = &[
    "id",
    "cluster",
    "cluster_domain",
    "pod_mode",
    "query",
    "expected_answer",
    "expected_authority",
    "expected_additional",
    "expected_rcode",
    "source",
    "why",
    "derived_from_code",
    "kind",
    "facts",
    "note",
    "notes",
];
const CLUSTER_KEYS: &[&str] = &[
    "description",
    "note",
    "namespaces",
    "services",
    "endpoints",
    "pods",
];
const SERVICE_KEYS: &[&str] = &[
    "name",
    "namespace",
    "clusterIPs",
    "type",
    "ports",
    "externalName",
    "selector",
];
const ENDPOINTS_KEYS: &[&str] = &["service", "namespace", "ready_addresses", "ports"];
const POD_KEYS: &[&str] = &[
    "name",
    "namespace",
    "ip",
    "ips",
    "labels",
    "hostname",
    "subdomain",
    "ready",
];
const FACT_KEYS: &[&str] = &["ip", "hostname", "pod_name", "endpoint_pod_names", "label"];

/// Reverse zones of fixtures, as the CoreDNS tests they mirror configure
/// the plugin (`reverse_test.go`); the fixture's description names them.
fn reverse_zones(fixture: &str) -> Option<&'static [&'static str]> {
    match fixture {
        "reverse" => Some(&[
            "0.10.in-addr.arpa",
            "168.192.in-addr.arpa",
            "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa",
            "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.7.7.0.0.0.0.d.f.ip6.arpa",
        ]),
        _ => None,
    }
}

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

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn object<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("{what} does not deserialize: {e}"))
}

/// The Service a fixture entry describes.
fn service(s: &Value) -> Result<Service, String> {
    check_keys(s, SERVICE_KEYS, "service")?;
    let name = str_of(s, "name").ok_or("service without name")?;
    let mut spec = json!({});
    if let Some(t) = s.get("type") {
        spec["type"] = t.clone();
    }
    let ips: Vec<&str> = list(s, "clusterIPs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if let Some(first) = ips.first() {
        spec["clusterIP"] = json!(first);
        spec["clusterIPs"] = json!(ips);
    }
    if ips.len() > 1 {
        spec["ipFamilyPolicy"] = json!("RequireDualStack");
    }
    for key in ["ports", "externalName", "selector"] {
        if let Some(v) = s.get(key) {
            spec[key] = v.clone();
        }
    }
    object(
        json!({"metadata": {"name": name, "namespace": str_of(s, "namespace").unwrap_or("default")},
               "spec": spec}),
        &format!("service {name}"),
    )
}

/// The slices of an `endpoints:` entry: one per address family.
fn slices(e: &Value) -> Result<Vec<Object>, String> {
    check_keys(e, ENDPOINTS_KEYS, "endpoints")?;
    let svc = str_of(e, "service").ok_or("endpoints without service")?;
    let ns = str_of(e, "namespace").unwrap_or("default");
    let mut by_family: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for a in list(e, "ready_addresses") {
        let ip = str_of(a, "ip").ok_or("address without ip")?;
        let family = match ip.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => "IPv6",
            _ => "IPv4",
        };
        let mut ep = json!({"addresses": [ip], "conditions": {"ready": true}});
        if let Some(h) = str_of(a, "hostname") {
            ep["hostname"] = json!(h);
        }
        by_family.entry(family).or_default().push(ep);
    }
    by_family
        .into_iter()
        .map(|(family, endpoints)| {
            let slice = json!({
                "metadata": {"name": format!("{svc}-{}", family.to_lowercase()), "namespace": ns,
                             "labels": {"kubernetes.io/service-name": svc}},
                "addressType": family,
                "endpoints": endpoints,
                "ports": e.get("ports").cloned().unwrap_or(json!([])),
            });
            object(slice, &format!("slice of {ns}/{svc}")).map(Object::EndpointSlice)
        })
        .collect()
}

fn pod(p: &Value) -> Result<Object, String> {
    check_keys(p, POD_KEYS, "pod")?;
    let name = str_of(p, "name").ok_or("pod without name")?;
    let ips: Vec<&str> = match p.get("ips") {
        Some(v) => v
            .as_array()
            .ok_or("ips is not a list")?
            .iter()
            .filter_map(Value::as_str)
            .collect(),
        None => str_of(p, "ip").into_iter().collect(),
    };
    let ready = p.get("ready").and_then(Value::as_bool).unwrap_or(true);
    let mut spec = json!({"containers": [{"name": "app"}]});
    for key in ["hostname", "subdomain"] {
        if let Some(v) = p.get(key) {
            spec[key] = v.clone();
        }
    }
    let pod = json!({
        "metadata": {"name": name, "namespace": str_of(p, "namespace").unwrap_or("default"),
                     "labels": p.get("labels").cloned().unwrap_or(json!({}))},
        "spec": spec,
        "status": {"phase": "Running", "podIP": ips.first(),
                   "podIPs": ips.iter().map(|ip| json!({"ip": ip})).collect::<Vec<_>>(),
                   "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]},
    });
    object(pod, &format!("pod {name}")).map(Object::Pod)
}

/// The smallest range of `family` around every address asked for whose
/// first address (taken by the implicit `default/kubernetes`) is not one
/// of them; `None` without such addresses.
fn range_around(ips: &[IpAddr], family: Family) -> Option<Cidr> {
    let ips: Vec<&IpAddr> = ips.iter().filter(|ip| Family::of(ip) == family).collect();
    let first = ips.first()?;
    // Room for the allocator: at least a /24 (IPv4) or /120 (IPv6).
    let mut prefix: u8 = match family {
        Family::IPv4 => 24,
        Family::IPv6 => 120,
    };
    loop {
        let cidr = parse_cidr_masked(&format!("{first}/{prefix}")).expect("valid prefix");
        let fits = ips.iter().all(|ip| cidr.contains(ip));
        let first_free = cidr.nth(1).is_some_and(|k| !ips.contains(&&k));
        if (fits && first_free) || prefix == 0 {
            return Some(cidr);
        }
        prefix -= 1;
    }
}

/// The index of a case's cluster.
fn index(fixture: Option<&str>, cluster: &Value, case: &Value) -> Result<ZoneIndex, String> {
    check_keys(cluster, CLUSTER_KEYS, "cluster")?;
    let mut config = Config::default();
    if let Some(d) = str_of(case, "cluster_domain") {
        config.cluster_domain = Config::parse_cluster_domain(d)?;
    }
    let mut common: Vec<Object> = Vec::new();
    for ns in list(cluster, "namespaces") {
        let name = ns.as_str().ok_or("namespace is not a string")?;
        common.push(Object::Namespace(object(
            json!({"metadata": {"name": name}}),
            "namespace",
        )?));
    }
    for p in list(cluster, "pods") {
        common.push(pod(p)?);
    }
    // Services into layers without clashing cluster IPs.
    let mut layers: Vec<(Vec<IpAddr>, Vec<Object>)> = Vec::new();
    let mut layer_of: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut all_ips: Vec<IpAddr> = Vec::new();
    for s in list(cluster, "services") {
        let svc = service(s)?;
        let ips: Vec<IpAddr> = svc
            .spec
            .cluster_ips
            .iter()
            .filter_map(|ip| ip.parse().ok())
            .collect();
        all_ips.extend(&ips);
        let i = match layers
            .iter()
            .position(|(taken, _)| ips.iter().all(|ip| !taken.contains(ip)))
        {
            Some(i) => i,
            None => {
                layers.push((Vec::new(), Vec::new()));
                layers.len() - 1
            }
        };
        layers[i].0.extend(&ips);
        layer_of.insert(
            (
                svc.metadata.namespace.clone().unwrap_or_default(),
                svc.metadata.name.clone(),
            ),
            i,
        );
        layers[i].1.push(Object::Service(svc.into()));
    }
    if layers.is_empty() {
        layers.push((Vec::new(), Vec::new()));
    }
    for e in list(cluster, "endpoints") {
        let key = (
            str_of(e, "namespace").unwrap_or("default").to_string(),
            str_of(e, "service").unwrap_or_default().to_string(),
        );
        let i = layer_of.get(&key).copied().unwrap_or(0);
        layers[i].1.extend(slices(e)?);
    }
    config.service_cidrs = [Family::IPv4, Family::IPv6]
        .into_iter()
        .filter_map(|f| range_around(&all_ips, f))
        .collect();
    if config.service_cidrs.is_empty() {
        config.service_cidrs = Config::default().service_cidrs;
    }

    let engines: Vec<Engine> = layers
        .into_iter()
        .map(|(_, objects)| {
            let objects = common
                .iter()
                .cloned()
                .chain(objects)
                .map(|o| (o, Origin::default()))
                .collect();
            Engine::from_objects(config.clone(), objects)
        })
        .collect();
    for e in &engines {
        let errors = e.errors();
        if !errors.is_empty() {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            return Err(format!(
                "the fixture does not load cleanly:\n{}",
                lines.join("\n")
            ));
        }
    }

    let mut opts = DnsOptions::for_zone(&config.cluster_domain);
    if let Some(mode) = str_of(case, "pod_mode") {
        opts.pod_records = mode.parse::<PodRecords>()?;
    }
    if let Some(zones) = fixture.and_then(reverse_zones) {
        opts.reverse_zones = zones.iter().map(|z| z.to_string()).collect();
    }
    let services = engines
        .iter()
        .flat_map(|e| e.services())
        .filter(|(_, st)| !st.rejected)
        .map(|(k, st)| (k, &*st.service, st.slices.as_slice()));
    Ok(ZoneIndex::build(
        opts,
        engines[0].config(),
        engines[0].cluster(),
        services,
    ))
}

/// Records as the file writes them; the SOA serial as `<serial>`.
fn lines(records: &[Record]) -> Vec<String> {
    let mut v: Vec<String> = records
        .iter()
        .map(|r| match &r.data {
            RData::Soa(s) => {
                let text = r.to_string();
                text.replacen(&format!(" {} ", s.serial), " <serial> ", 1)
            }
            _ => r.to_string(),
        })
        .collect();
    v.sort();
    v
}

fn expected(case: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = list(case, key)
        .iter()
        .filter_map(Value::as_str)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    v.sort();
    v
}

/// A CNAME must come before the records its target owns.
fn cname_order(answer: &[Record]) -> Result<(), String> {
    for (i, r) in answer.iter().enumerate() {
        if let RData::Cname(target) = &r.data {
            if let Some(early) = answer[..i]
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(target))
            {
                return Err(format!("{early} comes before the CNAME {r}"));
            }
        }
    }
    Ok(())
}

fn run_query_case(case: &Value, fixtures: &Value) -> Result<(), String> {
    let (fixture, cluster) = match case.get("cluster") {
        Some(Value::String(name)) => (
            Some(name.as_str()),
            fixtures
                .get(name)
                .ok_or_else(|| format!("unknown fixture {name}"))?,
        ),
        Some(inline) => (None, inline),
        None => return Err("case without cluster".into()),
    };
    let index = index(fixture, cluster, case)?;
    let query = case.get("query").ok_or("case without query")?;
    let qname = str_of(query, "qname").ok_or("query without qname")?;
    let qtype = str_of(query, "qtype").ok_or("query without qtype")?;
    let qtype = RType::parse(qtype).ok_or_else(|| format!("unsupported qtype {qtype}"))?;
    let r = index.answer(qname, qtype);
    let mut problems = Vec::new();
    let want_rcode = str_of(case, "expected_rcode").ok_or("case without expected_rcode")?;
    if r.rcode.as_str() != want_rcode {
        problems.push(format!("rcode {}, want {want_rcode}", r.rcode));
    }
    for (section, got) in [
        ("answer", &r.answer),
        ("authority", &r.authority),
        ("additional", &r.additional),
    ] {
        let want = expected(case, &format!("expected_{section}"));
        let got = lines(got);
        if got != want {
            problems.push(format!("{section}:\n  got  {got:#?}\n  want {want:#?}"));
        }
    }
    if let Err(e) = cname_order(&r.answer) {
        problems.push(e);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn run_label_case(case: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    for f in list(case, "facts") {
        check_keys(f, FACT_KEYS, "fact")?;
        let ip = str_of(f, "ip").ok_or("fact without ip")?;
        let want = str_of(f, "label").ok_or("fact without label")?;
        let got = endpoint_label(
            ip,
            str_of(f, "hostname"),
            str_of(f, "pod_name"),
            f.get("endpoint_pod_names")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        );
        if got != want {
            problems.push(format!("{f}: label {got:?}, want {want:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn dns_conformance() {
    let doc = common::load_conformance(FILE);
    let fixtures = doc.get("fixtures").cloned().unwrap_or(json!({}));
    let cases = doc["cases"].as_array().expect("cases is a list");
    assert!(!cases.is_empty(), "{FILE} has no cases");
    let mut failures = Vec::new();
    for case in cases {
        let id = str_of(case, "id").unwrap_or("<no id>");
        let result = check_keys(case, CASE_KEYS, id).and_then(|()| match str_of(case, "kind") {
            None => run_query_case(case, &fixtures),
            Some("endpoint_label_derivation") => run_label_case(case),
            Some(other) => Err(format!("unhandled case kind {other:?}")),
        });
        if let Err(e) = result {
            failures.push(format!("{id}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
