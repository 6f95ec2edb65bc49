//! The results of [`super::Cluster`]'s methods: owned, serializable, and
//! exactly the documents the CLI's `-o json` prints (the JavaScript API
//! returns the same), so the faces cannot drift apart. Big parts are
//! shared (`Arc`) with the engine rather than copied.

use crate::config::Config;
use crate::model::{EndpointSlice, Endpoints, ObjectKey, Service};
use serde::{Serialize, Serializer};
use std::ops::Deref;
use std::sync::Arc;

// The pieces of the results, wherever the engine keeps them.
pub use crate::dns::{PodLookup, Question, RData, RType, Rcode, Record, ResolvConf, Response};
pub use crate::engine::Changes;
pub use crate::env::{Conflict, Environment, LeftOut, Source, Variable, Visibility};
pub use crate::explain::{Diagnostic, ObjectRef, Severity};
pub use crate::field::{ErrorType, FieldError, ObjectError};
pub use crate::hint::Hint;
pub use crate::load::{Ignored, LoadError};
pub use crate::objects::{NsName, Origin};
pub use crate::proxy::route::{
    Addresses, Candidate, Connection, Hop, Share, Trace, Verdict, VerdictKind,
};
pub use crate::proxy::ruleset::{Quote, RuleId};
pub use crate::selection::{NotSelectedSummary, WHY_NOT_EXAMPLES};

/// svcscope's own documents carry this `apiVersion` (alpha: the shapes
/// may change).
pub const API_VERSION: &str = "svcscope.dev/v1alpha1";

/// A result with its `apiVersion` and `kind`; reads as its body.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document<T> {
    pub api_version: &'static str,
    pub kind: &'static str,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Document<T> {
    pub(crate) fn new(kind: &'static str, body: T) -> Self {
        Document {
            api_version: API_VERSION,
            kind,
            body,
        }
    }

    pub fn into_inner(self) -> T {
        self.body
    }
}

impl<T> Deref for Document<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

/// What one [`super::Cluster::load`] read, and what it changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// The objects the text holds, in order.
    pub objects: Vec<ObjectKey>,
    /// Syntax and decoding errors, at their line and column.
    pub errors: Vec<LoadError>,
    /// Objects of kinds svcscope does not model.
    pub ignored: Vec<Ignored>,
    pub changes: Changes,
    /// What the controllers did after the load (when they run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controllers: Option<ChangeReport>,
}

/// What `check` reports: every reason the apiserver would refuse the
/// input (`svcscope check`, one line per error).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub load_errors: Vec<LoadError>,
    pub errors: Vec<ObjectError>,
}

impl CheckReport {
    /// Nothing the apiserver would refuse: no syntax error and no error
    /// (warnings may be there).
    pub fn is_clean(&self) -> bool {
        self.load_errors.is_empty() && self.errors.iter().all(|e| e.severity != Severity::Error)
    }
}

/// A Service after defaulting and allocation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedService {
    pub namespace: String,
    pub name: String,
    /// The apiserver would refuse to create this Service (see the errors);
    /// the views still show what the components do with it as given.
    pub rejected: bool,
    /// Not in the input: `default/kubernetes`, which every cluster has.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    pub service: Arc<Service>,
}

/// The pods a Service selects, and why every other pod of its namespace
/// is not selected (the full why-not of `svcscope selection`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub service: NsName,
    /// The selector in kubectl syntax; `None` for a selectorless Service.
    pub selector: Option<String>,
    /// Selected pod names (same namespace), sorted.
    pub selected: Vec<String>,
    /// The other pods of the namespace, grouped by the first requirement
    /// (in key order) they fail and why.
    pub not_selected: Vec<NotSelected>,
}

/// Pods not selected for one reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotSelected {
    pub requirement: String,
    pub reason: String,
    /// Sorted pod names.
    pub pods: Vec<String>,
}

impl Selection {
    /// The text `svcscope selection` prints.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "Service {}: selector {}\n",
            self.service,
            self.selector.as_deref().unwrap_or("<none>")
        );
        s.push_str(&format!("selected ({}):", self.selected.len()));
        for p in &self.selected {
            s.push(' ');
            s.push_str(p);
        }
        s.push('\n');
        for g in &self.not_selected {
            s.push_str(&format!(
                "not selected ({}), {}: {}\n",
                g.pods.len(),
                g.requirement,
                g.reason
            ));
            for p in &g.pods {
                s.push_str(&format!("  {p}\n"));
            }
        }
        s
    }
}

/// A Service's selection as `resolve` carries it: the selected pods, and
/// per reason only the count of pods not selected and a few examples
/// ([`super::Cluster::selection`] has them all).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectionSummary {
    pub service: NsName,
    pub selector: Option<String>,
    pub selected: Vec<Arc<str>>,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_selected: Vec<NotSelectedSummary>,
}

/// Lists kept in the engine's own shared pieces (one per Service),
/// serialized as one flat list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SharedList<T>(pub(crate) Vec<Arc<Vec<T>>>);

impl<T> SharedList<T> {
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter().flat_map(|v| v.iter())
    }
    pub fn len(&self) -> usize {
        self.0.iter().map(|v| v.len()).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|v| v.is_empty())
    }
}

impl<T: Serialize> Serialize for SharedList<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// The whole computed view (`svcscope resolve -o json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub load_errors: Vec<LoadError>,
    pub ignored: Vec<Ignored>,
    pub config: Config,
    pub services: Vec<ResolvedService>,
    pub selections: Vec<SelectionSummary>,
    pub endpoints: Vec<Arc<Endpoints>>,
    #[cfg_attr(feature = "ts", ts(as = "Vec<EndpointSlice>"))]
    pub endpoint_slices: SharedList<EndpointSlice>,
    pub diagnostics: Vec<Diagnostic>,
    /// As [`CheckReport`] has them.
    pub errors: Vec<ObjectError>,
}

impl Resolution {
    /// No syntax error and no error of an object (warnings may be there).
    pub fn is_clean(&self) -> bool {
        self.load_errors.is_empty() && self.errors.iter().all(|e| e.severity != Severity::Error)
    }
}

/// An API object with its apiVersion and kind, as kubectl prints it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Typed<T> {
    pub api_version: &'static str,
    pub kind: &'static str,
    #[serde(flatten)]
    pub object: Arc<T>,
}

/// One item of an [`EndpointsList`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EndpointsItem {
    Endpoints(Typed<Endpoints>),
    EndpointSlice(Typed<EndpointSlice>),
}

/// The `v1` `List` of Endpoints and EndpointSlices the controllers write
/// (`svcscope endpoints`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointsList {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub items: Vec<EndpointsItem>,
}

/// The cluster zone (`svcscope zone`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Zone {
    pub zone: String,
    pub ttl: u32,
    /// The SOA first, then every record in DNSSEC canonical order.
    pub records: Vec<Record>,
    /// As an RFC 1035 master file.
    pub text: String,
    /// What the zone does not say by itself.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The pod whose resolver looked a name up, or the plain query.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DnsResult {
    /// From a pod (`dns --from`): its resolv.conf, every query of the
    /// search-path walk, and the answer the application gets.
    Lookup(PodLookup),
    /// One query to the cluster DNS.
    Response(Response),
}

/// What the cluster DNS answers (`svcscope dns`): a `PodLookup` document
/// when asked from a pod, else a `DnsResponse`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsAnswer {
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<NsName>,
    #[serde(flatten)]
    pub result: DnsResult,
    /// What the answer alone does not say (forwarded names, Services the
    /// apiserver would refuse, …).
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What a name that found nothing was probably meant to be.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Hint>,
}

impl DnsAnswer {
    /// The response the application gets.
    pub fn response(&self) -> &Response {
        match &self.result {
            DnsResult::Lookup(l) => &l.answer,
            DnsResult::Response(r) => r,
        }
    }

    /// dig-like text: each query of a pod's search path with its rcode,
    /// `;; status`, a `;; hint:` line per hint, then the non-empty
    /// sections, one record per line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if let DnsResult::Lookup(l) = &self.result {
            for q in &l.queries {
                out.push_str(&format!(
                    ";; query {} {} -> {}\n",
                    q.question.name, q.question.qtype, q.rcode
                ));
            }
        }
        let r = self.response();
        out.push_str(&format!(";; status: {}\n", r.rcode));
        for h in &self.hints {
            out.push_str(&format!(";; hint: {h}\n"));
        }
        for (heading, records) in [
            ("ANSWER", &r.answer),
            ("AUTHORITY", &r.authority),
            ("ADDITIONAL", &r.additional),
        ] {
            if records.is_empty() {
                continue;
            }
            out.push_str(&format!(";; {heading}\n"));
            for rec in records {
                out.push_str(&format!("{rec}\n"));
            }
        }
        out
    }
}

/// One chain and its rules, each as the mode's own tool prints it. A
/// trace hop names a rule by table, chain and its index here.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleChain {
    pub name: String,
    /// nftables base chains: how the chain is hooked.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
    pub rules: Vec<String>,
}

/// An element of an nftables set or map: a trace hop names it by key.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleElement {
    pub key: String,
    /// A map element's verdict (`goto service-…`, `drop`).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// As `nft list` prints it.
    pub text: String,
}

/// An nftables set or map and its elements.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSet {
    /// `set` or `map`.
    pub kind: &'static str,
    pub name: String,
    pub elements: Vec<RuleElement>,
}

/// One table: iptables' `filter` and `nat`, or nftables' `kube-proxy`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleTable {
    pub name: String,
    pub chains: Vec<RuleChain>,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<RuleSet>,
}

/// An ipset the IPVS proxier fills; a trace hop names an entry by set and
/// entry.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ipset {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// What kube-proxy uses it for.
    pub comment: &'static str,
    /// As `ipset` spells them, sorted.
    pub entries: Vec<String>,
}

/// A real server of an IPVS virtual server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RealServer {
    /// `ip:port`.
    pub address: String,
    /// As `ipvsadm -Ln` lists it.
    pub text: String,
}

/// An IPVS virtual server and its real servers; a trace hop names it by
/// `key`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServer {
    /// `TCP 10.96.0.10:53`.
    pub key: String,
    pub protocol: String,
    /// `ip:port`.
    pub address: String,
    pub scheduler: &'static str,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persistent: Option<u32>,
    /// As `ipvsadm -Ln` lists it.
    pub text: String,
    pub real_servers: Vec<RealServer>,
}

/// What kube-proxy programs on one node (`svcscope rules`): the ruleset a
/// trace of that node and mode walks.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyRules {
    pub node: String,
    pub mode: crate::proxy::route::Mode,
    /// `IPv4` or `IPv6`: kube-proxy runs one proxier per family.
    pub family: &'static str,
    pub tables: Vec<RuleTable>,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipsets: Vec<Ipset>,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub virtual_servers: Vec<VirtualServer>,
    /// The rules as `iptables-save`, `nft list table`, or `ipset save`,
    /// `iptables-save` and `ipvsadm -Ln` print them.
    pub text: String,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The pods the cluster runs (`svcscope pods`), each with the columns
/// `kubectl get pods -o wide` shows, and what the controllers assumed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pods {
    pub pods: Vec<PodSummary>,
    /// Assumptions the controllers made (default nodes, pod CIDRs) and
    /// limits they hit.
    pub notes: Vec<String>,
}

/// One pod, as a row of `kubectl get pods -o wide`, and the object.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSummary {
    pub namespace: String,
    pub name: String,
    /// Ready containers of all: `1/1`.
    pub ready: String,
    /// `Running`, `Pending`, `Terminating`, `Completed`, …
    pub status: String,
    pub restarts: u32,
    /// Since `creationTimestamp`, by the cluster's clock (`<unknown>`
    /// without one).
    pub age: String,
    pub ip: Option<String>,
    pub node: Option<String>,
    /// The controller (`ReplicaSet/web-7d4b9c`), if any.
    pub controlled_by: Option<String>,
    /// Made by svcscope's controllers (not in the input).
    pub generated: bool,
    pub pod: Arc<crate::model::Pod>,
}

impl Pods {
    /// The table `kubectl get pods -A` prints (`wide`: `-o wide`);
    /// nothing when there are no pods.
    pub fn to_table(&self, wide: bool) -> String {
        if self.pods.is_empty() {
            return String::new();
        }
        let mut header = vec!["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"];
        if wide {
            header.extend(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
        }
        let none = "<none>".to_string();
        let rows: Vec<Vec<String>> = self
            .pods
            .iter()
            .map(|p| {
                let mut r = vec![
                    p.namespace.clone(),
                    p.name.clone(),
                    p.ready.clone(),
                    p.status.clone(),
                    p.restarts.to_string(),
                    p.age.clone(),
                ];
                if wide {
                    r.push(p.ip.clone().unwrap_or_else(|| none.clone()));
                    r.push(p.node.clone().unwrap_or_else(|| none.clone()));
                    r.push(none.clone());
                    r.push(none.clone());
                }
                r
            })
            .collect();
        table(&header, &rows)
    }

    /// The pods as a `v1` `List`, as `kubectl get pods -o yaml` prints them.
    pub fn to_list(&self) -> PodList {
        PodList {
            api_version: "v1",
            kind: "List",
            items: self
                .pods
                .iter()
                .map(|p| Typed {
                    api_version: "v1",
                    kind: "Pod",
                    object: Arc::clone(&p.pod),
                })
                .collect(),
        }
    }
}

/// A `v1` `List` of Pods.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodList {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub items: Vec<Typed<crate::model::Pod>>,
}

/// Columns as kubectl's printer aligns them: left, three spaces apart.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i < last {
                let pad = widths[i] - c.chars().count() + 3;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// What a change to a running cluster did (`delete_pod`, `scale`,
/// `drain`, …): the objects created, changed and deleted, the views
/// recomputed, and notes.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeReport {
    pub created: Vec<ObjectKey>,
    pub updated: Vec<ObjectKey>,
    pub deleted: Vec<ObjectKey>,
    pub changes: Changes,
    pub notes: Vec<String>,
}

impl ChangeReport {
    /// Adds what another step did.
    pub fn extend(&mut self, other: ChangeReport) {
        self.created.extend(other.created);
        self.updated.extend(other.updated);
        self.deleted.extend(other.deleted);
        self.changes.extend(other.changes);
        self.notes.extend(other.notes);
    }
}
