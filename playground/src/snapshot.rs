//! The facts one render needs, taken from the cluster once per change and
//! owned, so the components never hold the engine: each Service as the
//! apiserver stores it, the pods it selects, the EndpointSlices the
//! controllers write and the pods they run, and the problems of the text
//! (syntax errors, what the apiserver would refuse, `explain`'s findings)
//! at their line. Everything here is read off `svcscope::Cluster`'s
//! documents; nothing is decided.

use std::collections::BTreeMap;
use svcscope::cluster::documents::{Diagnostic, LoadError, ObjectError, Resolution, Severity};
use svcscope::cluster::documents::{PodSummary, ResolvedService};
use svcscope::model::{EndpointSlice, IntOrString, Service};
use svcscope::{Cluster, NsName};

/// The label that ties an EndpointSlice to its Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// What the diagram, the lists and the pickers show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Sorted by namespace and name; the implicit `default/kubernetes` is
    /// left out (every cluster has it; its endpoints are the apiservers').
    pub services: Vec<ServiceView>,
    /// In the order of their Services.
    pub slices: Vec<SliceView>,
    /// Sorted by namespace and name.
    pub pods: Vec<PodView>,
    /// The nodes pods run on, sorted.
    pub nodes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceView {
    pub key: NsName,
    /// `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    pub type_: String,
    /// Empty when headless or unallocated.
    pub cluster_ips: Vec<String>,
    pub headless: bool,
    pub external_name: Option<String>,
    pub ports: Vec<PortView>,
    pub external_ips: Vec<String>,
    /// Load-balancer ingress IPs or hostnames.
    pub ingress: Vec<String>,
    /// In kubectl syntax; `None` for a selectorless Service.
    pub selector: Option<String>,
    /// Names of the pods it selects (its namespace), sorted.
    pub selected: Vec<String>,
    /// The apiserver would refuse it (shown as the components treat it).
    pub rejected: bool,
    /// Settings worth a badge: traffic policies, affinity, families.
    pub badges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortView {
    pub name: String,
    pub port: i32,
    pub protocol: String,
    /// The targetPort as written (a number or a container port's name).
    pub target: String,
    pub node_port: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SliceView {
    pub service: NsName,
    pub name: String,
    /// `IPv4`, `IPv6` or `FQDN`.
    pub address_type: String,
    /// `name port/protocol` (the resolved port numbers).
    pub ports: Vec<SlicePort>,
    pub endpoints: Vec<EndpointView>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlicePort {
    pub name: String,
    pub port: Option<i32>,
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointView {
    pub address: String,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    /// The pod it stands for (same namespace), when it is one.
    pub pod: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodView {
    pub key: NsName,
    pub ips: Vec<String>,
    pub node: Option<String>,
    /// `Running`, `Pending`, `Terminating`, …
    pub status: String,
    /// `1/1`: ready containers of all.
    pub ready_containers: String,
    pub ready: bool,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub containers: Vec<ContainerView>,
    pub controlled_by: Option<String>,
    /// The Services that select it, sorted.
    pub services: Vec<NsName>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerView {
    pub name: String,
    pub ports: Vec<String>,
}

/// A problem of the text, where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub severity: Level,
    /// From 1; `None` when the engine knows no place.
    pub line: Option<usize>,
    /// From 1, in UTF-16 units (as the editor counts).
    pub column: Option<usize>,
    /// `explain`'s code, `syntax` for the loader's errors, `rejected` for
    /// the apiserver's.
    pub code: String,
    pub message: String,
    pub details: Vec<String>,
    pub fix: Option<String>,
    /// The object it is about.
    pub object: Option<ObjectLink>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

/// An object a problem is about; the diagram selects it when it is a
/// Service or a pod.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectLink {
    pub kind: String,
    pub key: NsName,
}

impl Snapshot {
    /// The cluster as it is now. `resolution` is `cluster.resolve()`,
    /// which the caller also reads problems from.
    pub fn of(cluster: &Cluster, resolution: &Resolution) -> Snapshot {
        let mut services: Vec<ServiceView> = resolution
            .services
            .iter()
            .filter(|s| !s.implicit)
            .map(service_view)
            .collect();
        let mut selections: BTreeMap<&NsName, _> = BTreeMap::new();
        selections.extend(resolution.selections.iter().map(|s| (&s.service, s)));
        let mut selected_by: BTreeMap<NsName, Vec<NsName>> = BTreeMap::new();
        for s in &mut services {
            if let Some(sel) = selections.get(&s.key) {
                s.selector = sel.selector.clone();
                s.selected = sel.selected.iter().map(|p| p.to_string()).collect();
                for p in &s.selected {
                    selected_by
                        .entry(NsName::new(&s.key.namespace, p))
                        .or_default()
                        .push(s.key.clone());
                }
            }
        }
        let known: std::collections::BTreeSet<&NsName> = services.iter().map(|s| &s.key).collect();
        let slices = resolution
            .endpoint_slices
            .iter()
            .filter_map(|es| slice_view(es).filter(|v| known.contains(&v.service)))
            .collect();
        let mut pods: Vec<PodView> = cluster
            .pods()
            .pods
            .iter()
            .map(|p| pod_view(p, &mut selected_by))
            .collect();
        svcscope::order::sort_by(&mut pods, |a, b| a.key.cmp(&b.key));
        let mut nodes: Vec<String> = pods.iter().filter_map(|p| p.node.clone()).collect();
        svcscope::order::sort(&mut nodes);
        nodes.dedup();
        Snapshot {
            services,
            slices,
            pods,
            nodes,
        }
    }

    pub fn service(&self, key: &NsName) -> Option<&ServiceView> {
        self.services.iter().find(|s| &s.key == key)
    }

    pub fn pod(&self, key: &NsName) -> Option<&PodView> {
        self.pods.iter().find(|p| &p.key == key)
    }
}

fn service_view(rs: &ResolvedService) -> ServiceView {
    let svc: &Service = &rs.service;
    let spec = &svc.spec;
    let type_ = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
    let headless = spec.cluster_ip.as_deref() == Some("None");
    let cluster_ips = if headless {
        Vec::new()
    } else if !spec.cluster_ips.is_empty() {
        spec.cluster_ips.clone()
    } else {
        spec.cluster_ip
            .iter()
            .filter(|ip| !ip.is_empty())
            .cloned()
            .collect()
    };
    let mut badges = Vec::new();
    if let Some(p) = &spec.external_traffic_policy {
        if p != "Cluster" {
            badges.push(format!("externalTrafficPolicy: {p}"));
        }
    }
    if let Some(p) = &spec.internal_traffic_policy {
        if p != "Cluster" {
            badges.push(format!("internalTrafficPolicy: {p}"));
        }
    }
    if spec.session_affinity.as_deref() == Some("ClientIP") {
        let timeout = spec
            .session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref())
            .and_then(|c| c.timeout_seconds);
        badges.push(match timeout {
            Some(t) => format!("sessionAffinity: ClientIP ({t} s)"),
            None => "sessionAffinity: ClientIP".into(),
        });
    }
    if let Some(p) = &spec.ip_family_policy {
        if p != "SingleStack" {
            badges.push(format!("ipFamilyPolicy: {p}"));
        }
    }
    if spec.publish_not_ready_addresses == Some(true) {
        badges.push("publishNotReadyAddresses".into());
    }
    if let Some(t) = &spec.traffic_distribution {
        badges.push(format!("trafficDistribution: {t}"));
    }
    if let Some(p) = spec.health_check_node_port.filter(|p| *p != 0) {
        badges.push(format!("healthCheckNodePort: {p}"));
    }
    ServiceView {
        key: NsName::new(&rs.namespace, &rs.name),
        type_,
        cluster_ips,
        headless,
        external_name: spec.external_name.clone().filter(|n| !n.is_empty()),
        ports: spec
            .ports
            .iter()
            .map(|p| PortView {
                name: p.name.clone(),
                port: p.port,
                protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                target: match &p.target_port {
                    Some(IntOrString::Int(0)) | None => p.port.to_string(),
                    Some(t) => t.to_string(),
                },
                node_port: p.node_port.filter(|n| *n != 0),
            })
            .collect(),
        external_ips: spec.external_ips.clone(),
        ingress: svc
            .status
            .load_balancer
            .ingress
            .iter()
            .filter_map(|i| i.ip.clone().or_else(|| i.hostname.clone()))
            .collect(),
        selector: None,
        selected: Vec::new(),
        rejected: rs.rejected,
        badges,
    }
}

fn slice_view(es: &EndpointSlice) -> Option<SliceView> {
    let namespace = es.metadata.namespace.as_deref().unwrap_or("default");
    let service = es.metadata.labels.get(SERVICE_NAME_LABEL)?;
    Some(SliceView {
        service: NsName::new(namespace, service),
        name: es.metadata.name.clone(),
        address_type: es.address_type.clone(),
        ports: es
            .ports
            .iter()
            .map(|p| SlicePort {
                name: p.name.clone().unwrap_or_default(),
                port: p.port,
                protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            })
            .collect(),
        endpoints: es
            .endpoints
            .iter()
            .map(|e| EndpointView {
                address: e.addresses.first().cloned().unwrap_or_default(),
                // Unset conditions read as true (the API's rule for
                // consumers); the controllers always set them.
                ready: e.conditions.ready.unwrap_or(true),
                serving: e.conditions.serving.unwrap_or(true),
                terminating: e.conditions.terminating.unwrap_or(false),
                pod: e
                    .target_ref
                    .as_ref()
                    .filter(|r| r.kind.as_deref() == Some("Pod"))
                    .and_then(|r| r.name.clone()),
            })
            .collect(),
    })
}

fn pod_view(p: &PodSummary, selected_by: &mut BTreeMap<NsName, Vec<NsName>>) -> PodView {
    let key = NsName::new(&p.namespace, &p.name);
    let pod = &p.pod;
    let mut services = selected_by.remove(&key).unwrap_or_default();
    svcscope::order::sort(&mut services);
    PodView {
        ips: pod.ips().iter().map(|s| s.to_string()).collect(),
        node: p.node.clone().filter(|n| !n.is_empty()),
        status: p.status.clone(),
        ready_containers: p.ready.clone(),
        ready: pod.is_ready(),
        labels: pod
            .metadata
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        annotations: pod
            .metadata
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        containers: pod
            .spec
            .containers
            .iter()
            .map(|c| ContainerView {
                name: c.name.clone(),
                ports: c
                    .ports
                    .iter()
                    .map(|cp| match cp.name.as_deref().filter(|n| !n.is_empty()) {
                        Some(n) => format!("{n} {}/{}", cp.container_port, cp.protocol()),
                        None => format!("{}/{}", cp.container_port, cp.protocol()),
                    })
                    .collect(),
            })
            .collect(),
        controlled_by: p.controlled_by.clone(),
        services,
        key,
    }
}

/// The problems of a text the cluster took: what the apiserver would
/// refuse, then `explain`'s findings, each at the line its object starts
/// on (`filename` is the editor's). Sorted by line.
pub fn problems(cluster: &Cluster, resolution: &Resolution, filename: &str) -> Vec<Problem> {
    let mut out: Vec<Problem> = resolution.load_errors.iter().map(load_problem).collect();
    let line_of = |kind: &str, ns: &str, name: &str| {
        cluster
            .origin(kind, ns, name)
            .filter(|o| &*o.file == filename)
            .and_then(|o| o.line)
    };
    out.extend(resolution.errors.iter().map(|e| {
        // A pod the apiserver refuses is never stored: its error carries
        // its place.
        let line = e
            .origin
            .as_ref()
            .filter(|o| &*o.file == filename)
            .and_then(|o| o.line)
            .or_else(|| line_of(&e.kind, &e.namespace, &e.name));
        object_problem(e, line)
    }));
    // `service-rejected` repeats the apiserver's errors listed above.
    out.extend(
        resolution
            .diagnostics
            .iter()
            .filter(|d| d.code != "service-rejected")
            .map(|d| {
                let line = d
                    .objects
                    .first()
                    .and_then(|o| line_of(&o.kind, &o.namespace, &o.name));
                diagnostic_problem(d, line)
            }),
    );
    // Stable: problems without a place last, in the engine's order.
    svcscope::order::sort_by_key(&mut out, |p| p.line.unwrap_or(usize::MAX));
    out
}

/// A syntax or decoding error of the text.
pub fn load_problem(e: &LoadError) -> Problem {
    Problem {
        severity: Level::Error,
        line: e.line,
        column: e.column,
        code: "syntax".into(),
        message: e.message.clone(),
        details: Vec::new(),
        fix: None,
        object: None,
    }
}

fn object_problem(e: &ObjectError, line: Option<usize>) -> Problem {
    Problem {
        severity: Level::Error,
        line,
        column: None,
        code: "rejected".into(),
        message: e.to_string(),
        details: Vec::new(),
        fix: None,
        object: Some(ObjectLink {
            kind: e.kind.clone(),
            key: NsName::new(&e.namespace, &e.name),
        }),
    }
}

fn diagnostic_problem(d: &Diagnostic, line: Option<usize>) -> Problem {
    let object = d.objects.first().map(|o| ObjectLink {
        kind: o.kind.clone(),
        key: NsName::new(&o.namespace, &o.name),
    });
    let subject = d
        .objects
        .first()
        .map(|o| format!("{o}: "))
        .unwrap_or_default();
    Problem {
        severity: match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Info => Level::Info,
        },
        line,
        column: None,
        code: d.code.to_string(),
        message: format!("{subject}{}", d.message),
        details: d.details.clone(),
        fix: Some(d.fix.clone()),
        object,
    }
}
