//! Property tests of the cluster DNS over generated clusters (single- and
//! dual-stack ClusterIP, headless and ExternalName Services, pods with and
//! without hostnames): every ClusterIP Service answers A and AAAA with its
//! cluster IPs, in whatever case it is asked; every SRV target resolves to
//! the addresses given with it; and neither the answers nor the resolver
//! walk panic on arbitrary names (over-long or empty labels, non-ASCII,
//! trailing dots), always answering the name as asked. A name that found
//! nothing is hinted only at names that exist, and a name that resolves
//! gets no hint.

use proptest::prelude::*;
use std::collections::BTreeSet;
use std::net::IpAddr;
use svcscope::internals::dns::{DnsOptions, PodRecords, RData, RType, Rcode, ZoneIndex};
use svcscope::internals::engine::Engine;
use svcscope::model::*;
use svcscope::{Config, Origin};

const NAMESPACES: &[&str] = &["a", "b"];
const ZONE: &str = "cluster.local";

#[derive(Debug, Clone)]
enum Kind {
    ClusterIp {
        dual: bool,
    },
    Headless,
    /// In-cluster target (a Service name) or not.
    External {
        internal: bool,
    },
}

#[derive(Debug, Clone)]
struct Svc {
    ns: usize,
    name: usize,
    kind: Kind,
    /// (named, udp) per port.
    ports: Vec<(bool, bool)>,
}

#[derive(Debug, Clone)]
struct PodSpec {
    ns: usize,
    app: usize,
    ready: bool,
    v4: bool,
    v6: bool,
    hostname: bool,
}

fn arb_svc() -> impl Strategy<Value = Svc> {
    let kind = prop_oneof![
        4 => any::<bool>().prop_map(|dual| Kind::ClusterIp { dual }),
        2 => Just(Kind::Headless),
        1 => any::<bool>().prop_map(|internal| Kind::External { internal }),
    ];
    (
        0..2usize,
        0..4usize,
        kind,
        prop::collection::vec((any::<bool>(), prop::bool::weighted(0.2)), 0..3),
    )
        .prop_map(|(ns, name, kind, ports)| Svc {
            ns,
            name,
            kind,
            ports,
        })
}

fn arb_pod() -> impl Strategy<Value = PodSpec> {
    (
        0..2usize,
        0..4usize,
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.4),
        any::<bool>(),
    )
        .prop_map(|(ns, app, ready, v4, v6, hostname)| PodSpec {
            ns,
            app,
            ready,
            v4,
            v6,
            hostname,
        })
}

fn service(s: &Svc) -> Service {
    let mut svc = Service::default();
    svc.metadata.name = format!("svc-{}", s.name);
    svc.metadata.namespace = Some(NAMESPACES[s.ns].into());
    svc.spec.selector = Some([("app".to_string(), format!("app-{}", s.name))].into());
    // Every port needs a name once there are several.
    let several = s.ports.len() > 1;
    svc.spec.ports = s
        .ports
        .iter()
        .enumerate()
        .map(|(i, (named, udp))| ServicePort {
            name: if *named || several {
                format!("p{i}")
            } else {
                String::new()
            },
            protocol: Some(if *udp { "UDP" } else { "TCP" }.into()),
            port: 80 + i as i32,
            ..Default::default()
        })
        .collect();
    match s.kind {
        Kind::ClusterIp { dual } => {
            if svc.spec.ports.is_empty() {
                svc.spec.ports.push(ServicePort {
                    port: 80,
                    ..Default::default()
                });
            }
            if dual {
                svc.spec.ip_family_policy = Some("PreferDualStack".into());
            }
        }
        Kind::Headless => svc.spec.cluster_ip = Some("None".into()),
        Kind::External { internal } => {
            svc.spec.type_ = Some("ExternalName".into());
            svc.spec.selector = None;
            svc.spec.external_name = Some(if internal {
                format!("svc-0.a.svc.{ZONE}")
            } else {
                "db.example.com".into()
            });
        }
    }
    svc
}

fn pod(i: usize, p: &PodSpec) -> Pod {
    let mut pod = Pod::default();
    pod.metadata.name = format!("pod-{i}");
    pod.metadata.namespace = Some(NAMESPACES[p.ns].into());
    pod.metadata.labels = [("app".to_string(), format!("app-{}", p.app))].into();
    if p.hostname {
        pod.spec.hostname = Some(format!("host-{i}"));
        pod.spec.subdomain = Some(format!("svc-{}", p.app));
    }
    std::sync::Arc::make_mut(&mut pod.spec.containers).push(Container {
        name: "c".into(),
        ..Default::default()
    });
    pod.status.phase = Some("Running".into());
    let mut ips = Vec::new();
    if p.v4 {
        ips.push(format!("10.244.{}.{}", p.ns, i + 1));
    }
    if p.v6 {
        ips.push(format!("fd00:244::{:x}", i + 1));
    }
    pod.status.pod_ip = ips.first().cloned();
    pod.status.pod_ips = ips.into_iter().map(|ip| PodIP { ip }).collect();
    std::sync::Arc::make_mut(&mut pod.status.conditions).push(PodCondition {
        type_: "Ready".into(),
        status: if p.ready { "True" } else { "False" }.into(),
        ..Default::default()
    });
    pod
}

fn cluster(svcs: &[Svc], pods: &[PodSpec]) -> (Engine, ZoneIndex) {
    let config = Config {
        service_cidrs: Config::parse_service_cidrs("10.96.0.0/16,fd00:10:96::/112")
            .expect("valid literal"),
        ..Config::default()
    };
    let objects = svcs
        .iter()
        .map(|s| Object::Service(service(s).into()))
        .chain(
            pods.iter()
                .enumerate()
                .map(|(i, p)| Object::Pod(pod(i, p).into())),
        )
        .map(|o| (o, Origin::default()))
        .collect();
    let engine = Engine::from_objects(config, objects);
    let mut opts = DnsOptions::for_zone(ZONE);
    opts.pod_records = PodRecords::Verified;
    let index = ZoneIndex::from_state(&engine.state(), opts);
    (engine, index)
}

/// Flips the case of every other ASCII letter.
fn mixed_case(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn addresses(rdata: &[RData]) -> BTreeSet<IpAddr> {
    rdata
        .iter()
        .filter_map(|d| match d {
            RData::A(ip) => Some(IpAddr::V4(*ip)),
            RData::Aaaa(ip) => Some(IpAddr::V6(*ip)),
            _ => None,
        })
        .collect()
}

/// Names worth asking about, and junk.
fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "([a-zA-Z0-9_-]{0,70}\\.){0,6}[a-zA-Z0-9_-]{0,70}\\.?",
        "(svc-[0-3]|_p[0-2]|_tcp|_udp|host-[0-9]|10-244-[01]-[0-9]|pod-[0-9])(\\.(svc-[0-3]|a|b|c|svc|pod|_tcp)){0,4}(\\.cluster\\.local)?\\.?",
        "[0-9]{1,3}(\\.[0-9]{1,3}){3}\\.in-addr\\.arpa\\.?",
        prop::collection::vec("[a-z]{0,70}", 0..140).prop_map(|v| v.join(".")),
        "(\\.|\\.\\.|[a-z]\\.\\.[a-z]|é\\.[a-z]+\\.cluster\\.local)",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_cluster_ip_service_answers_a_and_aaaa(
        svcs in prop::collection::vec(arb_svc(), 0..8),
        pods in prop::collection::vec(arb_pod(), 0..8),
    ) {
        let (engine, index) = cluster(&svcs, &pods);
        for (key, st) in engine.services() {
            if st.rejected || st.service.is_headless() || st.service.type_() == "ExternalName" {
                continue;
            }
            let ips: Vec<IpAddr> = st.service.cluster_ips().iter().filter_map(|ip| ip.parse().ok()).collect();
            prop_assert!(!ips.is_empty(), "{key} stored without a cluster IP");
            let name = format!("{}.{}.svc.{ZONE}.", key.name, key.namespace);
            for asked in [name.clone(), mixed_case(&name)] {
                for (qtype, v6) in [(RType::A, false), (RType::AAAA, true)] {
                    let r = index.answer(&asked, qtype);
                    prop_assert_eq!(r.rcode, Rcode::NoError, "{} {}", asked, qtype);
                    let want: BTreeSet<IpAddr> = ips.iter().filter(|ip| ip.is_ipv6() == v6).copied().collect();
                    let got = addresses(&r.answer.iter().map(|a| a.data.clone()).collect::<Vec<_>>());
                    prop_assert_eq!(&got, &want, "{} {}", asked, qtype);
                    prop_assert!(r.answer.iter().all(|a| a.name == asked), "owners keep the query's case");
                    // NODATA carries the SOA; answers do not.
                    prop_assert_eq!(r.authority.is_empty(), !want.is_empty());
                }
            }
        }
    }

    #[test]
    fn every_srv_target_resolves(
        svcs in prop::collection::vec(arb_svc(), 0..8),
        pods in prop::collection::vec(arb_pod(), 0..8),
    ) {
        let (engine, index) = cluster(&svcs, &pods);
        for (key, st) in engine.services().filter(|(_, st)| !st.rejected) {
            let base = format!("{}.{}.svc.{ZONE}.", key.name, key.namespace);
            let mut names = vec![base.clone()];
            for p in st.service.spec.ports.iter().filter(|p| !p.name.is_empty()) {
                names.push(format!("_{}._{}.{base}", p.name, p.protocol().to_lowercase()));
            }
            for name in names {
                let r = index.answer(&name, RType::SRV);
                for srv in &r.answer {
                    let RData::Srv { target, weight, .. } = &srv.data else {
                        prop_assert!(false, "{name}: not an SRV record: {srv}");
                        continue;
                    };
                    prop_assert!(*weight >= 1);
                    let mut resolved = BTreeSet::new();
                    for t in [RType::A, RType::AAAA] {
                        let a = index.answer(target, t);
                        prop_assert_eq!(a.rcode, Rcode::NoError, "{} -> {} {}", name, target, t);
                        resolved.extend(addresses(&a.answer.iter().map(|x| x.data.clone()).collect::<Vec<_>>()));
                    }
                    prop_assert!(!resolved.is_empty(), "{name}: target {target} has no address");
                    let given = addresses(&r.additional.iter().filter(|x| &x.name == target).map(|x| x.data.clone()).collect::<Vec<_>>());
                    prop_assert!(!given.is_empty() && given.is_subset(&resolved),
                        "{name}: additional {given:?} for {target}, which resolves to {resolved:?}");
                }
            }
        }
    }

    #[test]
    fn arbitrary_names_never_panic(
        svcs in prop::collection::vec(arb_svc(), 0..4),
        pods in prop::collection::vec(arb_pod(), 1..4),
        names in prop::collection::vec(arb_name(), 1..8),
    ) {
        let (engine, index) = cluster(&svcs, &pods);
        let from = engine.cluster().pods.values().next().expect("one pod at least");
        for name in &names {
            for qtype in RType::ALL {
                let r = index.answer(name, qtype);
                let asked = if name.ends_with('.') { name.clone() } else { format!("{name}.") };
                prop_assert_eq!(&r.question.name, &asked);
                // Answers are owned by the name as asked (or, after a
                // CNAME, by names in the zone).
                if let Some(first) = r.answer.first() {
                    prop_assert_eq!(&first.name, &asked);
                }
                prop_assert_eq!(r.authority.is_empty(), r.is_success() || matches!(r.rcode, Rcode::FormErr | Rcode::Forwarded));
                let lookup = index.resolve_from_pod(from, name, qtype);
                let rc = &lookup.resolv_conf;
                prop_assert!(lookup.queries.len() <= rc.searches.len() + 1);
                if !lookup.queries.is_empty() {
                    prop_assert!(lookup.queries.contains(&lookup.answer));
                }
                if lookup.answer.is_success() {
                    prop_assert_eq!(lookup.queries.last(), Some(&lookup.answer));
                }
            }
        }
        // The zone lists only what answers give.
        let zone = index.zone_file();
        prop_assert!(zone.starts_with("$ORIGIN cluster.local.\n"));
    }

    #[test]
    fn hints_suggest_only_names_that_exist(
        svcs in prop::collection::vec(arb_svc(), 1..8),
        pods in prop::collection::vec(arb_pod(), 0..8),
        typos in prop::collection::vec((0..6usize, 0..4usize, 0..2usize, "[a-z0-9-]{0,3}"), 1..12),
    ) {
        let (engine, index) = cluster(&svcs, &pods);
        let from = engine.cluster().pods.values().next().cloned();
        for (how, name, ns, junk) in typos {
            // Names near the cluster's own: a letter off, a label left out
            // or misspelled, a namespace a slip away, or unrelated junk.
            let (svc, ns) = (format!("svc-{name}"), NAMESPACES[ns]);
            let asked = match how {
                0 => format!("svc{name}.{ns}.svc.{ZONE}"),
                1 => format!("{svc}.{ns}x.svc.{ZONE}"),
                2 => format!("{svc}.svc.{ZONE}"),
                3 => format!("{svc}.{ns}.{ZONE}"),
                4 => format!("host-{junk}.{svc}.{ns}.svc.{ZONE}"),
                _ => format!("{junk}.{ns}.svc.{ZONE}"),
            };
            let r = index.answer(&asked, RType::A);
            let hints = index.hints(&r);
            if r.is_success() {
                prop_assert!(hints.is_empty(), "{asked}: {hints:?}");
            }
            for h in &hints {
                let back = index.answer(&h.suggestion, RType::A);
                prop_assert_eq!(back.rcode, Rcode::NoError, "{} -> {}", asked, h.suggestion);
                prop_assert!(h.message.contains("did you mean"), "{}", h.message);
            }
            prop_assert_eq!(hints, index.hints(&index.answer(&asked, RType::A)));
            if let Some(pod) = &from {
                let short = asked.trim_end_matches(&format!(".svc.{ZONE}")).to_string();
                let lookup = index.resolve_from_pod(pod, &short, RType::A);
                for h in index.lookup_hints(&lookup, pod.metadata.namespace.as_deref().unwrap_or("default")) {
                    let back = index.resolve_from_pod(pod, &h.suggestion, RType::A);
                    prop_assert!(
                        back.queries.iter().any(|q| q.rcode == Rcode::NoError),
                        "{} -> {}", short, h.suggestion
                    );
                }
            }
        }
    }
}
