//! The computed view of a whole cluster: Services as the apiserver stores
//! them (defaulted, validated, allocated), which pods each selects, the
//! Endpoints and EndpointSlices the controllers write, diagnostics, and
//! every error an object would be rejected with.

use crate::cluster::{Cluster, Origin};
use crate::config::Config;
use crate::engine::Engine;
use crate::explain::Diagnostic;
use crate::field::FieldError;
use crate::model::{
    EndpointSlice, Endpoints, IntOrString, Object, ObjectKey, Service, ServicePort,
};
use crate::selection::Selection;
use serde::Serialize;

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
            write!(
                f,
                "{} {}/{}: {}",
                self.kind, self.namespace, self.name, self.error
            )
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
    pub endpoints: Vec<Endpoints>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub diagnostics: Vec<Diagnostic>,
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

/// Computes the view of a cluster: a fresh [`Engine`] with every object
/// applied.
pub fn resolve(cluster: &Cluster, config: &Config, opts: ResolveOptions) -> Resolution {
    let objects = cluster_objects(cluster);
    Engine::from_objects(config.clone(), objects).resolution(opts)
}

/// Every object of a cluster with its origin, in input order where known.
fn cluster_objects(cluster: &Cluster) -> Vec<(Object, Origin)> {
    let origin = |kind: &str, ns: &str, name: &str| {
        cluster
            .origin(&ObjectKey::new(kind, ns, name))
            .cloned()
            .unwrap_or_default()
    };
    let mut out: Vec<(Object, Origin)> = Vec::new();
    for (name, o) in &cluster.namespaces {
        out.push((Object::Namespace(o.clone()), origin("Namespace", "", name)));
    }
    for (name, o) in &cluster.nodes {
        out.push((Object::Node(o.clone()), origin("Node", "", name)));
    }
    for (k, o) in &cluster.pods {
        out.push((
            Object::Pod((**o).clone()),
            origin("Pod", &k.namespace, &k.name),
        ));
    }
    for ((kind, k), o) in &cluster.workloads {
        out.push((
            Object::Workload(o.clone()),
            origin(kind, &k.namespace, &k.name),
        ));
    }
    for (k, o) in &cluster.endpoints {
        out.push((
            Object::Endpoints(o.clone()),
            origin("Endpoints", &k.namespace, &k.name),
        ));
    }
    for (k, o) in &cluster.endpoint_slices {
        out.push((
            Object::EndpointSlice(o.clone()),
            origin("EndpointSlice", &k.namespace, &k.name),
        ));
    }
    for (k, o) in &cluster.services {
        out.push((
            Object::Service(o.clone()),
            origin("Service", &k.namespace, &k.name),
        ));
    }
    out
}
