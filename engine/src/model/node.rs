use super::ObjectMeta;
use serde::{Deserialize, Serialize};

/// The well-known label carrying a node's zone.
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";

/// A `v1.Node`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub metadata: ObjectMeta,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub spec: NodeSpec,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub status: NodeStatus,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    #[serde(rename = "podCIDR", default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    #[serde(
        rename = "podCIDRs",
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pod_cidrs: Vec<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<NodeAddress>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeAddress {
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::model::null_as_default"
    )]
    pub type_: String,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub address: String,
}

impl Node {
    pub fn zone(&self) -> Option<&str> {
        self.metadata.labels.get(LABEL_ZONE).map(String::as_str)
    }

    /// The node's InternalIP addresses, in the order given.
    pub fn internal_ips(&self) -> impl Iterator<Item = &str> {
        self.status
            .addresses
            .iter()
            .filter(|a| a.type_ == "InternalIP")
            .map(|a| a.address.as_str())
    }
}
