use super::{IntOrString, ObjectMeta, StringMap};
use serde::{Deserialize, Serialize};

/// A `v1.Service`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Service {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub metadata: ObjectMeta,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub spec: ServiceSpec,
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "ServiceStatus::is_empty"
    )]
    pub status: ServiceStatus,
}

/// `v1.ServiceSpec`: every field that affects routing or discovery.
///
/// Enumerations stay strings so that validation can report an unsupported
/// value with Kubernetes' own message instead of failing to load.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `None` is a selectorless Service; `Some(empty)` selects nothing
    /// either (the endpoints controller skips both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<StringMap>,
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<ServicePort>,
    #[serde(rename = "clusterIP", default, skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    #[serde(
        rename = "clusterIPs",
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cluster_ips: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ip_families: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<String>,
    #[serde(
        rename = "externalIPs",
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub external_ips: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity_config: Option<SessionAffinityConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_traffic_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_node_port: Option<i32>,
    #[serde(
        rename = "loadBalancerIP",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub load_balancer_ip: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub load_balancer_source_ranges: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocate_load_balancer_node_ports: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_not_ready_addresses: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_distribution: Option<String>,
}

/// `v1.ServicePort`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub port: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
}

impl ServicePort {
    /// The protocol after defaulting ("TCP" when unset).
    pub fn protocol(&self) -> &str {
        match self.protocol.as_deref() {
            None | Some("") => "TCP",
            Some(p) => p,
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAffinityConfig {
    #[serde(rename = "clientIP", default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<ClientIPConfig>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientIPConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub load_balancer: LoadBalancerStatus,
}

impl ServiceStatus {
    fn is_empty(&self) -> bool {
        self.load_balancer.ingress.is_empty()
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerStatus {
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ingress: Vec<LoadBalancerIngress>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerIngress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_mode: Option<String>,
}

/// The deprecated annotation asking for topology-aware hints.
pub const ANNOTATION_TOPOLOGY_HINTS: &str = "service.kubernetes.io/topology-aware-hints";
/// The annotation asking for topology-aware routing (`Auto`).
pub const ANNOTATION_TOPOLOGY_MODE: &str = "service.kubernetes.io/topology-mode";

/// Service types, as the API spells them.
pub mod service_type {
    pub const CLUSTER_IP: &str = "ClusterIP";
    pub const NODE_PORT: &str = "NodePort";
    pub const LOAD_BALANCER: &str = "LoadBalancer";
    pub const EXTERNAL_NAME: &str = "ExternalName";
}

impl Service {
    /// The Service type after defaulting.
    pub fn type_(&self) -> &str {
        match self.spec.type_.as_deref() {
            None | Some("") => service_type::CLUSTER_IP,
            Some(t) => t,
        }
    }

    /// `clusterIP: None`: no virtual IP; DNS answers with endpoints.
    pub fn is_headless(&self) -> bool {
        self.spec.cluster_ip.as_deref() == Some("None")
            || self.spec.cluster_ips.first().map(String::as_str) == Some("None")
    }

    /// The allocated cluster IPs (none for headless or ExternalName).
    pub fn cluster_ips(&self) -> Vec<&str> {
        if self.is_headless() || self.type_() == service_type::EXTERNAL_NAME {
            return Vec::new();
        }
        if !self.spec.cluster_ips.is_empty() {
            return self
                .spec
                .cluster_ips
                .iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
        }
        self.spec
            .cluster_ip
            .as_deref()
            .filter(|s| !s.is_empty())
            .into_iter()
            .collect()
    }

    /// NodePort, LoadBalancer, or ClusterIP with externalIPs
    /// (`service.ExternallyAccessible` upstream).
    pub fn externally_accessible(&self) -> bool {
        matches!(
            self.type_(),
            service_type::NODE_PORT | service_type::LOAD_BALANCER
        ) || (self.type_() == service_type::CLUSTER_IP && !self.spec.external_ips.is_empty())
    }

    pub fn publish_not_ready_addresses(&self) -> bool {
        self.spec.publish_not_ready_addresses.unwrap_or(false)
    }
}
