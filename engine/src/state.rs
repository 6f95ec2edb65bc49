//! What the engine keeps and the views read: each Service as stored with
//! what was computed for it, and [`State`], a read-only view of the whole
//! (the objects, the Services, the settings) that the discovery, traffic
//! and environment views are computed from. They depend on this, never on
//! the engine that keeps it up to date.

use crate::config::Config;
use crate::endpoints::SliceSkip;
use crate::explain::Diagnostic;
use crate::field::ObjectError;
use crate::hash::FastMap;
use crate::model::*;
use crate::objects::{NsName, Objects, PodSet};
use crate::select::Selector;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Everything computed for one Service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceState {
    /// As the apiserver stores it: defaulted and allocated (a rejected one
    /// defaulted, with the values it carries). Shared with the views.
    pub service: Arc<Service>,
    /// The apiserver would refuse to create it as written (validation or
    /// allocation). The views still show what the controllers, kube-proxy,
    /// CoreDNS and kubelet do with it as given: none of them validates or
    /// checks ranges, and such input is most often a dump of a cluster
    /// whose ranges differ from the ones svcscope was told, or a fixture.
    pub rejected: bool,
    /// `default/kubernetes`, added because the input lacks it.
    pub implicit: bool,
    pub(crate) selector: Option<Selector>,
    /// Defaulted, before allocation, and its validation errors: what
    /// allocation starts from whenever another Service changes.
    pub(crate) prepared: Arc<Service>,
    pub(crate) validation_errors: Vec<ObjectError>,
    /// The selected pods (same namespace), by name.
    pub selected: PodSet,
    pub endpoints: Option<Arc<Endpoints>>,
    pub slices: Arc<Vec<EndpointSlice>>,
    pub slice_skips: Vec<SliceSkip>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A position in creation order: later compares greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CreationOrder(bool, i64, u64);

/// A read-only view of the engine's state.
#[derive(Debug, Clone, Copy)]
pub struct State<'a> {
    pub config: &'a Config,
    pub objects: &'a Objects,
    pub services: &'a BTreeMap<NsName, ServiceState>,
    /// Service name → the namespaces with a Service of that name.
    pub(crate) service_namespaces: &'a FastMap<String, BTreeSet<String>>,
}

impl<'a> State<'a> {
    pub fn service(&self, key: &NsName) -> Option<&'a ServiceState> {
        self.services.get(key)
    }

    pub fn services(&self) -> impl Iterator<Item = (&'a NsName, &'a ServiceState)> {
        self.services.iter()
    }

    /// The namespaces with a Service called `name`, in order.
    pub fn namespaces_with_service(&self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.service_namespaces
            .get(name)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// The Services of one namespace, defaulted and allocated, by name.
    pub fn services_in(&self, ns: &str) -> Vec<(&'a NsName, &'a Service)> {
        self.services
            .range(NsName::new(ns, "")..)
            .take_while(|(k, _)| k.namespace == ns)
            .map(|(k, s)| (k, &*s.service))
            .collect()
    }

    /// The order the apiserver would have created objects in:
    /// `default/kubernetes` first, then by `creationTimestamp` (objects
    /// without one as if created now), then the order they were applied.
    pub(crate) fn creation_rank(&self, key: &ObjectKey, meta: &ObjectMeta) -> CreationOrder {
        let ts = meta
            .creation_timestamp
            .as_deref()
            .and_then(crate::time::parse_rfc3339);
        let seq = self.objects.origins.get(key).map_or(u64::MAX, |o| o.seq);
        let k8s = crate::master::name();
        let is_k8s =
            key.kind == "Service" && key.namespace == k8s.namespace && key.name == k8s.name;
        CreationOrder(!is_k8s, ts.unwrap_or(i64::MAX), seq)
    }

    /// Where an object stands in creation order (`None` if it does not
    /// exist); compare two to learn which was created first.
    pub fn creation_order(&self, key: &ObjectKey) -> Option<CreationOrder> {
        Some(self.creation_rank(key, self.metadata_of(key)?))
    }

    pub(crate) fn metadata_of(&self, key: &ObjectKey) -> Option<&'a ObjectMeta> {
        let nn = NsName::new(&key.namespace, &key.name);
        match key.kind.as_str() {
            "Service" => self.services.get(&nn).map(|s| &s.service.metadata),
            "Pod" => self.objects.pods.get(&nn).map(|p| &p.metadata),
            "Endpoints" => self.objects.endpoints.get(&nn).map(|e| &e.metadata),
            "EndpointSlice" => self.objects.endpoint_slices.get(&nn).map(|e| &e.metadata),
            "Node" => self.objects.nodes.get(&key.name).map(|n| &n.metadata),
            "Namespace" => self.objects.namespaces.get(&key.name).map(|n| &n.metadata),
            kind => self
                .objects
                .workloads
                .get(&(kind.to_string(), nn))
                .map(|w| &w.metadata),
        }
    }

    /// Whether object `a` was created after object `b` (both must exist).
    /// This is what decides, for example, whether kubelet gave a pod the
    /// variables of a Service.
    pub fn created_after(&self, a: &ObjectKey, b: &ObjectKey) -> Option<bool> {
        Some(self.creation_order(a)? > self.creation_order(b)?)
    }
}
