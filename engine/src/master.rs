//! The `default/kubernetes` Service, the one place that knows it: every
//! cluster has it (the apiserver creates it with the first address of the
//! service range), kubelet gives every pod in every namespace its
//! variables, CoreDNS answers for its name, kube-proxy routes it to the
//! apiservers. When the input lacks it, the engine stands it in.

use crate::model::{IntOrString, Service, ServicePort};
use crate::objects::NsName;

/// Its namespace and name.
pub const NAMESPACE: &str = "default";
pub const NAME: &str = "kubernetes";

/// `default/kubernetes`.
pub fn name() -> NsName {
    NsName::new(NAMESPACE, NAME)
}

/// Whether `namespace`/`name` is the master Service.
pub fn is_master(namespace: &str, name: &str) -> bool {
    namespace == NAMESPACE && name == NAME
}

/// The `default/kubernetes` Service as the apiserver creates it: HTTPS on
/// 443, forwarded to the apiservers' 6443, no selector.
pub fn implicit_service() -> Service {
    let mut s = Service::default();
    s.metadata.name = NAME.into();
    s.metadata.namespace = Some(NAMESPACE.into());
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
