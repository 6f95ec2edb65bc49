//! The computed view of a whole cluster: Services as the apiserver stores
//! them (defaulted, validated, allocated), which pods each selects, and
//! every error an object would be rejected with.

use crate::alloc::{kubernetes_service_name, Allocator};
use crate::cluster::{Cluster, NsName, Origin};
use crate::config::Config;
use crate::defaults::default_service;
use crate::field::FieldError;
use crate::model::{IntOrString, Service, ServicePort};
use crate::selection::{select_for_service, PodIndex, Selection};
use crate::validate;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// A Service after defaulting and allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedService {
    pub namespace: String,
    pub name: String,
    /// The apiserver would reject this Service (see the errors); no view is
    /// derived from it.
    pub rejected: bool,
    /// Not in the input: `default/kubernetes`, which every cluster has.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    pub service: Service,
}

/// One error of one object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectError {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `validation` (the object is malformed) or `allocation` (it conflicts
    /// with the cluster's ranges or other objects).
    pub stage: &'static str,
    #[serde(flatten)]
    pub error: FieldError,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl std::fmt::Display for ObjectError {
    /// `<Kind> <namespace>/<name>: <field.path>: <ErrorType>: <detail>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}: {}", self.kind, self.name, self.error)
        } else {
            write!(f, "{} {}/{}: {}", self.kind, self.namespace, self.name, self.error)
        }
    }
}

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResolveOptions {
    /// List, for every Service, the pods it does not select and why.
    pub why_not: bool,
}

/// The whole computed view.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub config: Config,
    pub services: Vec<ResolvedService>,
    pub selections: Vec<Selection>,
    pub errors: Vec<ObjectError>,
}

/// The `default/kubernetes` Service as the apiserver creates it: HTTPS on
/// 443, forwarded to the apiservers' 6443, no selector.
pub fn implicit_kubernetes_service() -> Service {
    let mut s = Service::default();
    s.metadata.name = "kubernetes".into();
    s.metadata.namespace = Some("default".into());
    s.metadata.labels = [
        ("component".to_string(), "apiserver".to_string()),
        ("provider".to_string(), "kubernetes".to_string()),
    ]
    .into();
    s.spec.ports = vec![ServicePort {
        name: "https".into(),
        protocol: Some("TCP".into()),
        port: 443,
        target_port: Some(IntOrString::Int(6443)),
        ..Default::default()
    }];
    s
}

/// Services in the order the apiserver would have created them: by
/// `creationTimestamp` (objects without one last, as if created now), then
/// by namespace and name; `default/kubernetes` always first.
fn creation_order<'a>(services: &'a BTreeMap<NsName, Service>) -> Vec<(&'a NsName, &'a Service)> {
    let mut v: Vec<_> = services.iter().collect();
    let k8s = kubernetes_service_name();
    v.sort_by(|(ka, a), (kb, b)| {
        let rank = |k: &NsName, s: &Service| {
            (
                *k != k8s,
                s.metadata
                    .creation_timestamp
                    .as_deref()
                    .map(crate::time::parse_rfc3339)
                    .unwrap_or(None)
                    .unwrap_or(i64::MAX),
            )
        };
        rank(ka, a).cmp(&rank(kb, b)).then_with(|| ka.cmp(kb))
    });
    v
}

/// Computes the view of a cluster.
pub fn resolve(cluster: &Cluster, config: &Config, opts: ResolveOptions) -> Resolution {
    let mut errors = Vec::new();
    let implicit;
    let services_in: &BTreeMap<NsName, Service>;
    let mut with_implicit;
    let k8s = kubernetes_service_name();
    if cluster.services.contains_key(&k8s) {
        implicit = false;
        services_in = &cluster.services;
    } else {
        implicit = true;
        with_implicit = cluster.services.clone();
        with_implicit.insert(k8s.clone(), implicit_kubernetes_service());
        services_in = &with_implicit;
    }

    // Default and validate everything first, so that values a user chose
    // are known before any automatic allocation could take them.
    let mut staged: Vec<(NsName, Service, bool)> = Vec::new();
    let mut alloc = Allocator::new(config);
    for (key, svc) in creation_order(services_in) {
        let mut s = svc.clone();
        default_service(&mut s);
        let errs = validate::validate_service(&s);
        let ok = errs.is_empty();
        push_errors(&mut errors, cluster, "Service", key, "validation", errs);
        if ok {
            alloc.avoid(&s);
        }
        staged.push((key.clone(), s, ok));
    }
    let mut services = Vec::with_capacity(staged.len());
    for (key, mut s, ok) in staged {
        let mut rejected = !ok;
        if ok {
            let errs = alloc.allocate(&key, &mut s);
            rejected = !errs.is_empty();
            push_errors(&mut errors, cluster, "Service", &key, "allocation", errs);
        }
        services.push(ResolvedService {
            implicit: implicit && key == k8s,
            namespace: key.namespace,
            name: key.name,
            rejected,
            service: s,
        });
    }
    services.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));

    for (key, pod) in &cluster.pods {
        push_errors(&mut errors, cluster, "Pod", key, "validation", validate::validate_pod(pod));
    }
    for (key, ep) in &cluster.endpoints {
        push_errors(&mut errors, cluster, "Endpoints", key, "validation", validate::validate_endpoints(ep));
    }
    for (key, es) in &cluster.endpoint_slices {
        push_errors(
            &mut errors,
            cluster,
            "EndpointSlice",
            key,
            "validation",
            validate::validate_endpoint_slice(es),
        );
    }
    errors.sort();

    let index = PodIndex::new(&cluster.pods);
    let selections = services
        .iter()
        .filter(|s| !s.rejected)
        .map(|s| {
            let key = NsName::new(&s.namespace, &s.name);
            select_for_service(cluster, &index, &key, &s.service, opts.why_not)
        })
        .collect();

    Resolution {
        config: config.clone(),
        services,
        selections,
        errors,
    }
}

fn push_errors(
    out: &mut Vec<ObjectError>,
    cluster: &Cluster,
    kind: &str,
    key: &NsName,
    stage: &'static str,
    errs: Vec<FieldError>,
) {
    if errs.is_empty() {
        return;
    }
    let origin = cluster
        .origin(&crate::model::ObjectKey::new(kind, &key.namespace, &key.name))
        .cloned();
    let mut seen = HashSet::new();
    for e in errs {
        // Upstream can report one problem twice through two code paths.
        if seen.insert((e.field.clone(), e.type_, e.detail.clone())) {
            out.push(ObjectError {
                kind: kind.to_string(),
                namespace: key.namespace.clone(),
                name: key.name.clone(),
                stage,
                error: e,
                origin: origin.clone(),
            });
        }
    }
}
