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
    /// Cordoned: the scheduler places no new pods here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unschedulable: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub taints: Vec<Taint>,
}

/// `v1.Taint`: pods that do not tolerate it stay away (`NoSchedule`,
/// `NoExecute`) or prefer to (`PreferNoSchedule`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taint {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub effect: String,
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
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub conditions: Vec<NodeCondition>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCondition {
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::model::null_as_default"
    )]
    pub type_: String,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub status: String,
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

    /// Whether the node reports Ready. A node without a Ready condition
    /// (hand-written manifests rarely give one) counts as ready.
    pub fn is_ready(&self) -> bool {
        self.status
            .conditions
            .iter()
            .find(|c| c.type_ == "Ready")
            .is_none_or(|c| c.status == "True")
    }

    pub fn is_unschedulable(&self) -> bool {
        self.spec.unschedulable == Some(true)
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
