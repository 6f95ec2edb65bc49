//! The arguments of [`super::Cluster`]'s methods that are more than a
//! name: each deserializes from the spelling the JavaScript API takes
//! (`{ filename }`, `{ from, podRecords, ttl }`, …), so the bindings only
//! convert.

pub use crate::config::{Config, PortRange};
pub use crate::dns::PodRecords;
pub use crate::proxy::route::{Mode, RouteRequest};
pub use crate::select::{LabelSelector, LabelSelectorRequirement};
use serde::Deserialize;

/// How columns in positions are counted.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Columns {
    /// Unicode scalar values, as a terminal shows them (the CLI).
    #[default]
    Chars,
    /// UTF-16 code units, as JavaScript editors count them.
    Utf16,
}

/// How [`super::Cluster::load`] reads a text.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadOptions {
    /// The name positions are reported under. Loading the same name again
    /// replaces what it gave before (objects it no longer holds are
    /// deleted), as an editor re-reads a buffer.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(default = "default_filename")]
    pub filename: String,
    // JavaScript always counts UTF-16 units: the bindings set it.
    #[cfg_attr(feature = "ts", ts(skip))]
    #[serde(default)]
    pub columns: Columns,
    /// The namespace of the objects that name none (kubectl's
    /// `--namespace`); `default` when unset.
    #[serde(default)]
    pub namespace: Option<String>,
}

fn default_filename() -> String {
    "<input>".into()
}

impl LoadOptions {
    pub fn named(filename: &str) -> Self {
        LoadOptions {
            filename: filename.to_string(),
            columns: Columns::Chars,
            namespace: None,
        }
    }
}

/// A label selector as a caller gives it: kubectl's text syntax, or a
/// `LabelSelector` object (`matchLabels`, `matchExpressions`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SelectorArg {
    Text(String),
    Object(LabelSelector),
}

impl From<&str> for SelectorArg {
    fn from(s: &str) -> Self {
        SelectorArg::Text(s.to_string())
    }
}

impl From<LabelSelector> for SelectorArg {
    fn from(ls: LabelSelector) -> Self {
        SelectorArg::Object(ls)
    }
}

/// The cluster DNS's settings for [`super::Cluster::dns`] and
/// [`super::Cluster::zone`]: the `kubernetes` plugin's options.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZoneOptions {
    /// `ZONE[,REVERSE-ZONE…]`: the zones the plugin serves (default: the
    /// cluster domain, `in-addr.arpa` and `ip6.arpa`).
    #[serde(default)]
    pub zone: Option<String>,
    /// Pod records: `disabled` (the default), `insecure` or `verified`.
    #[serde(default)]
    pub pod_records: Option<PodRecords>,
    /// The TTL of the answers, 0 to 3600 (default 5).
    #[serde(default)]
    pub ttl: Option<u32>,
}

/// A DNS question for [`super::Cluster::dns`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DnsQuery {
    /// `NAMESPACE/POD`: look the name up as that pod's resolver does
    /// (search path, `ndots`, its DNS policy), every query shown.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(flatten)]
    pub options: ZoneOptions,
}

/// Which rules [`super::Cluster::rules`] shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RulesRequest {
    /// The node kube-proxy runs on.
    pub node: String,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(default)]
    pub mode: Mode,
    /// kube-proxy's `--cluster-cidr`; it also decides the IP family.
    #[serde(default)]
    pub cluster_cidr: Option<String>,
}

impl RulesRequest {
    pub fn new(node: &str, mode: Mode) -> Self {
        RulesRequest {
            node: node.to_string(),
            mode,
            cluster_cidr: None,
        }
    }
}
