//! The zone index: everything an answer needs, gathered once from the
//! stored Services, their EndpointSlices and the pods, keyed so that one
//! query costs a hash lookup plus the records of one Service.
//!
//! Services are found by their owner name `<service>.<namespace>`; names
//! below it (`<endpoint>.`, `_<port>._<proto>.`) are matched against that
//! Service's ports and endpoints at query time, as the plugin matches them
//! (an empty port or protocol label matches any).

use super::name::endpoint_label;
use super::DnsOptions;
use crate::config::Config;
use crate::endpoints::LABEL_SERVICE_NAME;
use crate::model::{service_type, EndpointSlice, Service};
use crate::objects::{NsName, Objects};
use crate::state::State;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// Namespaces every cluster has, listed or not.
const BUILTIN_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// The cluster DNS Service as kubeadm names it: its name is the zone's NS
/// target and its cluster IP the nameserver kubelet hands to pods.
const DNS_SERVICE: (&str, &str) = ("kube-dns", "kube-system");

/// What a Service's own name resolves to.
#[derive(Debug, Clone)]
pub(crate) enum SvcKind {
    ClusterIp(Vec<IpAddr>),
    Headless,
    /// `spec.externalName`, as written.
    ExternalName(String),
}

/// A port as the plugin sees it; port -1 with empty name and protocol is
/// upstream's stand-in for "no ports", which gives addresses but no SRV.
#[derive(Debug, Clone)]
pub(crate) struct PortRec {
    pub name: String,
    pub protocol: String,
    pub port: i32,
}

impl PortRec {
    const NONE: PortRec = PortRec {
        name: String::new(),
        protocol: String::new(),
        port: -1,
    };
}

/// One ready endpoint address and its DNS label.
#[derive(Debug, Clone)]
pub(crate) struct EpAddr {
    pub ip: IpAddr,
    pub label: String,
    /// The pod it is (`targetRef`), which hints name when a query uses the
    /// pod's name where its endpoint has another label.
    pub pod: Option<String>,
}

/// The ready addresses of one EndpointSlice, with the slice's ports.
#[derive(Debug, Clone)]
pub(crate) struct EpGroup {
    pub ports: Vec<PortRec>,
    pub addrs: Vec<EpAddr>,
}

#[derive(Debug, Clone)]
pub(crate) struct SvcEntry {
    pub name: String,
    pub namespace: String,
    pub kind: SvcKind,
    pub ports: Vec<PortRec>,
    pub groups: Vec<EpGroup>,
}

/// The cluster's DNS data, indexed for answering. Build it once with
/// [`ZoneIndex::from_state`]; it does not follow later engine changes.
#[derive(Debug, Clone)]
pub struct ZoneIndex {
    pub(crate) opts: DnsOptions,
    /// kubelet's `--cluster-domain`: the search path pods get.
    pub(crate) search_domain: String,
    /// kubelet's `--cluster-dns`: the nameserver pods get.
    pub(crate) cluster_dns: Option<IpAddr>,
    /// In (namespace, name) order.
    pub(crate) services: Vec<SvcEntry>,
    /// `<name>.<namespace>` → position in `services`.
    by_name: HashMap<String, usize>,
    pub(crate) namespaces: HashSet<String>,
    /// Cluster IP → the first Service holding it.
    by_cluster_ip: HashMap<IpAddr, usize>,
    /// Endpoint IP → `<label>.<service>.<namespace>` of each ready
    /// endpoint with it, sorted.
    by_endpoint_ip: HashMap<IpAddr, Vec<String>>,
    /// A pod's primary IP as written → the namespaces of pods with it.
    pod_ips: HashMap<String, Vec<String>>,
    /// Namespace and IPs of every pod, in key order.
    pub(crate) pods: Vec<(String, Vec<String>)>,
    /// Position of the cluster DNS Service in `services`.
    pub(crate) dns_service: Option<usize>,
    pub(crate) serial: u32,
}

impl ZoneIndex {
    /// The index of the engine's Services, as given (see
    /// [`crate::state::ServiceState::rejected`]).
    pub fn from_state(state: &State, opts: DnsOptions) -> ZoneIndex {
        let services = state
            .services()
            .map(|(k, st)| (k, &*st.service, st.slices.as_slice()));
        ZoneIndex::build(opts, state.config, state.objects, services)
    }

    /// The index of the given stored Services (defaulted and allocated) with
    /// their EndpointSlices, and of the cluster's pods, namespaces and
    /// EndpointSlices of absent Services (which still give PTR records).
    /// A Service listed twice counts once, the first time.
    pub fn build<'a>(
        opts: DnsOptions,
        config: &Config,
        cluster: &Objects,
        services: impl IntoIterator<Item = (&'a NsName, &'a Service, &'a [EndpointSlice])>,
    ) -> ZoneIndex {
        let opts = normalize(opts);
        let mut listed: Vec<_> = services.into_iter().collect();
        crate::order::sort_by(&mut listed, |a, b| a.0.cmp(b.0));
        listed.dedup_by(|a, b| a.0 == b.0);
        let services: Vec<SvcEntry> = listed
            .iter()
            .map(|(k, svc, slices)| entry(k, svc, slices, opts.endpoint_pod_names))
            .collect();
        let by_name: HashMap<String, usize> = services
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("{}.{}", s.name, s.namespace), i))
            .collect();

        let mut namespaces: HashSet<String> =
            BUILTIN_NAMESPACES.iter().map(|s| s.to_string()).collect();
        namespaces.extend(cluster.namespaces.keys().cloned());
        namespaces.extend(services.iter().map(|s| s.namespace.clone()));
        namespaces.extend(cluster.pods.keys().map(|k| k.namespace.clone()));
        namespaces.extend(cluster.endpoint_slices.keys().map(|k| k.namespace.clone()));
        namespaces.extend(cluster.endpoints.keys().map(|k| k.namespace.clone()));
        namespaces.extend(cluster.workloads.keys().map(|(_, k)| k.namespace.clone()));

        let mut by_cluster_ip = HashMap::new();
        let mut by_endpoint_ip: HashMap<IpAddr, Vec<String>> = HashMap::new();
        for (i, s) in services.iter().enumerate() {
            if let SvcKind::ClusterIp(ips) = &s.kind {
                for ip in ips {
                    by_cluster_ip.entry(*ip).or_insert(i);
                }
            }
            for a in s.groups.iter().flat_map(|g| &g.addrs) {
                by_endpoint_ip
                    .entry(a.ip)
                    .or_default()
                    .push(format!("{}.{}.{}", a.label, s.name, s.namespace));
            }
        }
        // Slices whose Service is absent still exist in the API, and the
        // plugin's reverse lookup reads every slice.
        for (key, slice) in &cluster.endpoint_slices {
            let Some(svc) = slice.metadata.labels.get(LABEL_SERVICE_NAME) else {
                continue;
            };
            if by_name.contains_key(&format!("{svc}.{}", key.namespace)) {
                continue;
            }
            let group = group(slice, opts.endpoint_pod_names);
            for a in group.addrs {
                by_endpoint_ip
                    .entry(a.ip)
                    .or_default()
                    .push(format!("{}.{svc}.{}", a.label, key.namespace));
            }
        }
        for names in by_endpoint_ip.values_mut() {
            crate::order::sort(names);
            names.dedup();
        }

        let mut pod_ips: HashMap<String, Vec<String>> = HashMap::new();
        let mut pods = Vec::new();
        for (key, pod) in &cluster.pods {
            let ips: Vec<String> = pod.ips().into_iter().map(String::from).collect();
            // CoreDNS never caches a pod being deleted (`errPodTerminating`),
            // so `pods verified` does not find it.
            if let Some(primary) = ips.first().filter(|_| !pod.is_terminating()) {
                pod_ips
                    .entry(primary.clone())
                    .or_default()
                    .push(key.namespace.clone());
            }
            pods.push((key.namespace.clone(), ips));
        }

        let dns_service = by_name
            .get(&format!("{}.{}", DNS_SERVICE.0, DNS_SERVICE.1))
            .copied();
        // kubeadm sets kubelet's clusterDNS to the tenth address of the
        // service range, where it puts kube-dns.
        let cluster_dns = match dns_service.map(|i| &services[i].kind) {
            Some(SvcKind::ClusterIp(ips)) if !ips.is_empty() => ips.first().copied(),
            _ => config.service_cidrs.first().and_then(|c| c.nth(10)),
        };
        let serial = serial(&services, &pods);
        ZoneIndex {
            opts,
            search_domain: config.cluster_domain.clone(),
            cluster_dns,
            services,
            by_name,
            namespaces,
            by_cluster_ip,
            by_endpoint_ip,
            pod_ips,
            pods,
            dns_service,
            serial,
        }
    }

    pub fn options(&self) -> &DnsOptions {
        &self.opts
    }

    pub(crate) fn service(&self, name: &str, namespace: &str) -> Option<&SvcEntry> {
        let i = *self.by_name.get(&format!("{name}.{namespace}"))?;
        self.services.get(i)
    }

    /// The Services of one namespace, by name (`services` is sorted).
    pub(crate) fn services_in(&self, namespace: &str) -> &[SvcEntry] {
        let from = self
            .services
            .partition_point(|s| s.namespace.as_str() < namespace);
        let to = from + self.services[from..].partition_point(|s| s.namespace == namespace);
        &self.services[from..to]
    }

    /// The PTR targets of an address, relative to `.svc.<zone>`: the first
    /// Service with it as cluster IP, else every ready endpoint with it.
    pub(crate) fn reverse(&self, ip: &IpAddr) -> Vec<String> {
        if let Some(s) = self
            .by_cluster_ip
            .get(ip)
            .and_then(|&i| self.services.get(i))
        {
            return vec![format!("{}.{}", s.name, s.namespace)];
        }
        self.by_endpoint_ip.get(ip).cloned().unwrap_or_default()
    }

    /// Whether a pod with this primary IP (as written) lives in `namespace`.
    pub(crate) fn pod_exists(&self, ip: &str, namespace: &str) -> bool {
        self.pod_ips
            .get(ip)
            .is_some_and(|nss| nss.iter().any(|n| n.eq_ignore_ascii_case(namespace)))
    }
}

/// Zones are compared in lower case, without the trailing dot.
fn normalize(mut opts: DnsOptions) -> DnsOptions {
    let clean = |z: &str| z.trim_end_matches('.').to_ascii_lowercase();
    opts.zone = clean(&opts.zone);
    opts.reverse_zones = opts.reverse_zones.iter().map(|z| clean(z)).collect();
    opts
}

fn entry(key: &NsName, svc: &Service, slices: &[EndpointSlice], pod_names: bool) -> SvcEntry {
    let kind = if svc.type_() == service_type::EXTERNAL_NAME {
        SvcKind::ExternalName(svc.spec.external_name.clone().unwrap_or_default())
    } else if svc.is_headless() {
        SvcKind::Headless
    } else {
        SvcKind::ClusterIp(
            svc.cluster_ips()
                .iter()
                .filter_map(|ip| ip.parse().ok())
                .collect(),
        )
    };
    let ports = svc
        .spec
        .ports
        .iter()
        .map(|p| PortRec {
            name: p.name.clone(),
            protocol: p.protocol().to_string(),
            port: p.port,
        })
        .collect();
    // The plugin reads no endpoints for ExternalName Services.
    let groups = match kind {
        SvcKind::ExternalName(_) => Vec::new(),
        _ => slices.iter().map(|s| group(s, pod_names)).collect(),
    };
    SvcEntry {
        name: key.name.clone(),
        namespace: key.namespace.clone(),
        kind,
        ports,
        groups,
    }
}

/// A slice as the plugin converts it: ready (or unknown) endpoints only;
/// addresses that are not IPs (FQDN slices) are left out.
fn group(slice: &EndpointSlice, pod_names: bool) -> EpGroup {
    let mut ports: Vec<PortRec> = slice
        .ports
        .iter()
        .map(|p| PortRec {
            name: p.name.clone().unwrap_or_default(),
            protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            port: p.port.unwrap_or(0),
        })
        .collect();
    if ports.is_empty() {
        ports.push(PortRec::NONE);
    }
    let addrs = slice
        .endpoints
        .iter()
        .filter(|e| e.conditions.ready != Some(false))
        .flat_map(|e| {
            let pod = e.target_ref.as_ref().and_then(|r| r.name.as_deref());
            e.addresses.iter().filter_map(move |a| {
                Some(EpAddr {
                    ip: a.parse().ok()?,
                    label: endpoint_label(a, e.hostname.as_deref(), pod, pod_names),
                    pod: pod.map(str::to_string),
                })
            })
        })
        .collect();
    EpGroup { ports, addrs }
}

/// The SOA serial: a hash of the zone's data (FNV-1a), so that it changes
/// when the data does and is the same for the same input. Upstream uses the
/// time of the last change, which a pure function cannot know.
fn serial(services: &[SvcEntry], pods: &[(String, Vec<String>)]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |s: &str| {
        for b in s.bytes().chain([0]) {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    for s in services {
        feed(&s.name);
        feed(&s.namespace);
        match &s.kind {
            SvcKind::ClusterIp(ips) => ips.iter().for_each(|ip| feed(&ip.to_string())),
            SvcKind::Headless => feed("None"),
            SvcKind::ExternalName(t) => feed(t),
        }
        for p in s.ports.iter().chain(s.groups.iter().flat_map(|g| &g.ports)) {
            feed(&format!("{}/{}/{}", p.name, p.protocol, p.port));
        }
        for a in s.groups.iter().flat_map(|g| &g.addrs) {
            feed(&a.label);
            feed(&a.ip.to_string());
        }
    }
    for (ns, ips) in pods {
        feed(ns);
        ips.iter().for_each(|ip| feed(ip));
    }
    h
}
