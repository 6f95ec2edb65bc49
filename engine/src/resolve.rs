//! The computed view of a whole cluster, borrowed from the engine: Services
//! as the apiserver stores them (defaulted, validated, allocated), which
//! pods each selects, the Endpoints and EndpointSlices the controllers
//! write, diagnostics, and every error an object would be rejected with.

use crate::config::Config;
use crate::explain::Diagnostic;
use crate::field::FieldError;
use crate::model::{EndpointSlice, Endpoints, IntOrString, Service, ServicePort};
use crate::objects::Origin;
use crate::selection::Selection;
use serde::Serialize;

/// A Service after defaulting and allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedService<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    /// The apiserver would refuse to create this Service (see the errors);
    /// the views still show what the components do with it as given.
    pub rejected: bool,
    /// Not in the input: `default/kubernetes`, which every cluster has.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    pub service: &'a Service,
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
pub struct Resolution<'a> {
    pub config: &'a Config,
    pub services: Vec<ResolvedService<'a>>,
    pub selections: Vec<Selection<'a>>,
    pub endpoints: Vec<&'a Endpoints>,
    pub endpoint_slices: Vec<&'a EndpointSlice>,
    pub diagnostics: Vec<&'a Diagnostic>,
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
