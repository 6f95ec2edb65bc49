//! The incremental engine: it holds the cluster and every computed view,
//! and on each change (apply or delete of one object) updates only the
//! views that depend on it, found through indexes by namespace and label.
//!
//! Loading a whole cluster is the same thing as applying its objects one
//! by one, so a full recompute and a sequence of changes agree by
//! construction; the property tests check that they do.

use crate::alloc::Allocator;
use crate::config::Config;
use crate::config::Validate;
use crate::defaults::prepare_service;
use crate::endpoints::{self, NodeInfo};
use crate::explain::{self, Diagnostic, ServiceFacts};
use crate::field::{FieldError, ObjectError, Severity, UnknownField};
use crate::hash::FastMap;
use crate::model::*;
use crate::objects::{NsName, Objects, Origin, PodSet};
use crate::select::Selector;
use crate::selection::{self, Selection};
pub use crate::state::{CreationOrder, ServiceState, State};
use crate::validate;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How much an engine computes for each Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Views {
    /// Selections, Endpoints, EndpointSlices and diagnostics.
    #[default]
    All,
    /// Services as stored, their errors and selections only: what
    /// `svcscope check` needs, without the controllers' work.
    Selection,
}

/// What one change touched.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    /// Services whose views were recomputed.
    pub services: BTreeSet<NsName>,
    /// Pods whose diagnostics were recomputed.
    pub pods: BTreeSet<NsName>,
}

impl Changes {
    /// Adds what another change touched.
    pub fn extend(&mut self, other: Changes) {
        self.services.extend(other.services);
        self.pods.extend(other.pods);
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.pods.is_empty()
    }
}

/// ns → label key → label value → pods. Names and pods are shared: a pod
/// sits under each of its labels.
type LabelIndex = FastMap<String, FastMap<String, FastMap<String, PodSet>>>;

#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    cluster: Objects,
    alloc: Allocator,
    services: BTreeMap<NsName, ServiceState>,
    /// Errors of objects other than Services, by object.
    object_errors: BTreeMap<ObjectKey, Vec<ObjectError>>,
    /// Errors of Services, by Service.
    service_errors: BTreeMap<NsName, Vec<ObjectError>>,
    /// Fields the objects' kinds do not have, by object, as their texts
    /// were loaded (none under `validate: ignore`).
    unknown_fields: BTreeMap<ObjectKey, Vec<UnknownField>>,
    pod_index: LabelIndex,
    /// How many pods each namespace has (the why-not counts the pods a
    /// selector's index does not hold).
    pods_per_namespace: FastMap<String, usize>,
    /// ns → (key, value) a selector requires → Service names. Service
    /// selectors are equality maps, so every selecting Service is found
    /// under each of its pairs; one (the first key) suffices.
    /// The Services selecting a pod are found here under its labels (the
    /// old ones when it changes), so no reverse index is kept.
    /// Keyed by key, then value, so that a pod's labels look it up
    /// without copying them.
    selector_index: FastMap<String, FastMap<String, FastMap<String, BTreeSet<String>>>>,
    /// Input EndpointSlices by the Service they name.
    slices_by_service: FastMap<NsName, BTreeSet<String>>,
    /// Creation order of objects without timestamps: the order applied.
    /// The next object's place in the order objects entered (kept in its
    /// [`Origin`]).
    next_seq: u64,
    /// Counts the calls that may change the objects: a view cached by
    /// revision is current while the revision is.
    revision: u64,
    /// Service-variable prefix a pod's env refers to → pods, in every
    /// namespace (a Service elsewhere is named in the hints of a pod that
    /// lacks it).
    env_refs: FastMap<String, BTreeSet<NsName>>,
    /// ns → pods with `$(VAR)` references their own variables do not
    /// answer.
    env_users: FastMap<String, BTreeSet<String>>,
    /// ns → pods with a reference no Service of the namespace answers by
    /// name: their hints compare it with every Service there, so any
    /// Service change in the namespace refreshes them.
    env_open: FastMap<String, BTreeSet<String>>,
    /// Service name → the namespaces with a Service of that name.
    service_namespaces: FastMap<String, BTreeSet<String>>,
    pod_diagnostics: BTreeMap<NsName, Vec<Diagnostic>>,
    /// Workloads whose own selector misses their template, by (kind, key).
    workload_diagnostics: BTreeMap<(String, NsName), Vec<Diagnostic>>,
    /// Services whose selector matches nothing: their diagnostics name the
    /// closest pods of the namespace and matching pods elsewhere.
    unmatched: BTreeSet<NsName>,
    /// ExternalName Services: their diagnostics look at other Services.
    external_names: BTreeSet<NsName>,
    views: Views,
}

impl Engine {
    /// An empty cluster (with its implicit `default/kubernetes` Service).
    pub fn new(config: Config) -> Self {
        let mut e = Engine {
            alloc: Allocator::new(&config),
            config,
            cluster: Objects::default(),
            services: BTreeMap::new(),
            object_errors: BTreeMap::new(),
            service_errors: BTreeMap::new(),
            unknown_fields: BTreeMap::new(),
            pod_index: FastMap::default(),
            pods_per_namespace: FastMap::default(),
            selector_index: FastMap::default(),
            slices_by_service: FastMap::default(),
            next_seq: 0,
            revision: 0,
            env_refs: FastMap::default(),
            env_users: FastMap::default(),
            env_open: FastMap::default(),
            service_namespaces: FastMap::default(),
            pod_diagnostics: BTreeMap::new(),
            workload_diagnostics: BTreeMap::new(),
            unmatched: BTreeSet::new(),
            external_names: BTreeSet::new(),
            views: Views::All,
        };
        e.ensure_kubernetes();
        e
    }

    /// Like [`Engine::from_objects`], computing only `views`.
    pub fn from_objects_with(config: Config, views: Views, objects: Vec<(Object, Origin)>) -> Self {
        let mut e = Engine::new(config);
        e.views = views;
        e.load(objects);
        e
    }

    /// A cluster loaded in one go. Objects later in the list replace
    /// earlier ones with the same key; their order is their creation order
    /// where timestamps do not say otherwise.
    pub fn from_objects(config: Config, objects: Vec<(Object, Origin)>) -> Self {
        Self::from_objects_with(config, Views::All, objects)
    }

    fn load(&mut self, objects: Vec<(Object, Origin)>) {
        self.apply_all(objects);
    }

    /// Changes whenever the objects may have: see [`Engine`]'s `revision`.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Adds or replaces many objects at once, as one load of their files:
    /// the result is the same as applying them one by one (their order is
    /// their creation order where timestamps do not say otherwise), but
    /// Services are allocated, and dependent views refreshed, once.
    pub fn apply_all(&mut self, objects: Vec<(Object, Origin)>) -> Changes {
        self.revision += 1;
        let mut changes = Changes::default();
        self.cluster.origins.reserve(objects.len());
        // Pods need only indexing while no Service can select them; the
        // Services added here find their pods in the index instead.
        let selecting = self.services.values().any(|st| st.selector.is_some());
        // Services go in after everything else, so that they find their
        // pods in the index.
        let mut staged: BTreeMap<NsName, (Box<Service>, Origin)> = BTreeMap::new();
        // Pods stored but not yet refreshed, with what they replaced: their
        // Services are refreshed once for all of them.
        let mut pods: Vec<(NsName, Arc<Pod>, Option<Arc<Pod>>)> = Vec::new();
        let mut workload_namespaces: BTreeSet<String> = BTreeSet::new();
        for (obj, mut origin) in objects {
            // What an earlier text of the object had is gone with it.
            if !self.unknown_fields.is_empty() {
                self.unknown_fields.remove(&ObjectKey::of(&obj));
            }
            match obj {
                Object::Service(mut s) => {
                    s.metadata.default_namespace();
                    let nn = NsName::of(&s.metadata);
                    // A later copy replaces an earlier one but keeps its place.
                    origin.seq = match staged.get(&nn) {
                        Some((_, earlier)) => earlier.seq,
                        None => self.entry_seq(&ObjectKey::new("Service", &nn.namespace, &nn.name)),
                    };
                    staged.insert(nn, (s, origin));
                }
                // No view of such a pod is computed until a Service
                // selects it (below), so none is reported changed.
                Object::Pod(pod) if !selecting => {
                    self.insert_pod(pod, origin);
                }
                Object::Pod(pod) => {
                    let (new, old) = self.insert_pod(pod, origin);
                    pods.push((NsName::of(&new.metadata), new, old));
                }
                // Templates only feed the diagnostics of their namespace's
                // Services: those are refreshed once, at the end.
                Object::Workload(w) => {
                    let ns = match w.metadata.ns() {
                        "" => DEFAULT_NAMESPACE,
                        ns => ns,
                    };
                    let key = ObjectKey::new(&w.kind, ns, &w.metadata.name);
                    origin.seq = self.entry_seq(&key);
                    workload_namespaces.insert(self.store_workload(w, origin));
                }
                obj => {
                    self.pods_changed(std::mem::take(&mut pods), &mut changes);
                    changes.extend(self.apply(obj, origin));
                }
            }
        }
        // The Services these pods refresh see every workload of the batch
        // (all are stored by now): the namespaces' refresh skips them.
        let mut last = Changes::default();
        self.pods_changed(pods, &mut last);
        for ns in workload_namespaces {
            let keys: Vec<NsName> = self
                .services_in(&ns)
                .filter(|k| !last.services.contains(*k))
                .cloned()
                .collect();
            for k in keys {
                self.refresh_diagnostics(&k, &mut changes);
            }
        }
        changes.extend(last);
        if !staged.is_empty() {
            let mut keys = BTreeSet::new();
            keys.extend(staged.keys().cloned());
            for (nn, (s, origin)) in staged {
                self.set_service(&nn, *s, origin);
            }
            self.reallocate(&keys, &mut changes);
        }
        // An ExternalName may name a Service stored after it; pods that use
        // service variables are checked once every Service is in.
        self.refresh_external_names(&mut changes);
        let mut users = BTreeSet::new();
        users.extend(
            self.env_users
                .iter()
                .flat_map(|(ns, pods)| pods.iter().map(move |p| NsName::new(ns, p))),
        );
        for p in users {
            self.refresh_pod_diagnostics(&p, &mut changes);
        }
        changes
    }

    /// Stores a workload, validated, without refreshing anything; returns
    /// its namespace.
    fn store_workload(&mut self, w: Box<Workload>, origin: Origin) -> String {
        let mut w = w;
        w.metadata.default_namespace();
        let nn = NsName::of(&w.metadata);
        let key = ObjectKey::new(&w.kind, &nn.namespace, &nn.name);
        let errs = validate::validate_workload(&w);
        self.set_object_errors(&key, &w.kind, &nn, errs, &origin);
        let diags = match self.views {
            Views::All => explain::workload_diagnostics(&w),
            Views::Selection => Vec::new(),
        };
        let wk = (w.kind.clone(), nn.clone());
        if diags.is_empty() {
            self.workload_diagnostics.remove(&wk);
        } else {
            self.workload_diagnostics.insert(wk, diags);
        }
        self.cluster.apply(Object::Workload(w), origin);
        nn.namespace
    }

    /// Stores and indexes a pod, without refreshing anything; returns the
    /// pod as stored and the pod it replaced.
    fn insert_pod(&mut self, mut pod: Arc<Pod>, origin: Origin) -> (Arc<Pod>, Option<Arc<Pod>>) {
        if pod.metadata.namespace.as_deref().unwrap_or("").is_empty() {
            Arc::make_mut(&mut pod).metadata.default_namespace();
        }
        let nn = NsName::of(&pod.metadata);
        let key = ObjectKey::new("Pod", &nn.namespace, &nn.name);
        let mut origin = origin;
        origin.seq = self.entry_seq(&key);
        self.set_object_errors(&key, "Pod", &nn, validate::validate_pod(&pod), &origin);
        let new = Arc::clone(&pod);
        let old = self.cluster.insert_pod(key, nn, pod, origin);
        let (ns, name) = (new.metadata.ns(), new.metadata.name.as_str());
        match &old {
            Some(old) => self.unindex_pod(ns, name, old),
            None => match self.pods_per_namespace.get_mut(ns) {
                Some(n) => *n += 1,
                None => {
                    self.pods_per_namespace.insert(ns.to_string(), 1);
                }
            },
        }
        self.index_pod(ns, name, &new);
        (new, old)
    }

    /// What the views read: the objects and every Service as stored.
    pub fn state(&self) -> State<'_> {
        State {
            config: &self.config,
            objects: &self.cluster,
            services: &self.services,
            service_namespaces: &self.service_namespaces,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn cluster(&self) -> &Objects {
        &self.cluster
    }

    pub fn service(&self, key: &NsName) -> Option<&ServiceState> {
        self.services.get(key)
    }

    pub fn services(&self) -> impl Iterator<Item = (&NsName, &ServiceState)> {
        self.services.iter()
    }

    /// See [`State::creation_order`].
    pub fn creation_order(&self, key: &ObjectKey) -> Option<CreationOrder> {
        self.state().creation_order(key)
    }

    /// See [`State::created_after`].
    pub fn created_after(&self, a: &ObjectKey, b: &ObjectKey) -> Option<bool> {
        self.state().created_after(a, b)
    }

    /// Where an object stands in the order objects entered: an object
    /// already here keeps its place (an update), a new one goes last.
    fn entry_seq(&mut self, key: &ObjectKey) -> u64 {
        match self.cluster.origins.get(key) {
            Some(o) => o.seq,
            None => {
                self.next_seq += 1;
                self.next_seq - 1
            }
        }
    }

    /// Adds or replaces one object and updates what depends on it.
    pub fn apply(&mut self, obj: Object, origin: Origin) -> Changes {
        self.revision += 1;
        let mut origin = origin;
        origin.seq = self.entry_seq(&ObjectKey::of(&obj));
        self.apply_in_order(obj, origin)
    }

    /// [`Engine::apply`] for an object whose `origin.seq` is already set.
    fn apply_in_order(&mut self, obj: Object, origin: Origin) -> Changes {
        let mut obj = obj;
        obj.default_namespace();
        let key = ObjectKey::of(&obj);
        if !self.unknown_fields.is_empty() {
            self.unknown_fields.remove(&key);
        }
        let mut changes = Changes::default();
        match obj {
            Object::Service(svc) => {
                let nn = NsName::of(&svc.metadata);
                self.set_service(&nn, *svc, origin);
                self.reallocate(&crate::order::set_of(nn), &mut changes);
            }
            Object::Pod(pod) => {
                let nn = NsName::of(&pod.metadata);
                let (_, old) = self.insert_pod(pod, origin);
                self.pod_changed(&nn, old.as_deref(), &mut changes);
            }
            Object::Node(node) => {
                let name = node.metadata.name.clone();
                let first = self.cluster.nodes.is_empty();
                self.cluster.apply(Object::Node(node), origin);
                self.node_changed(&name, first, &mut changes);
            }
            Object::Endpoints(mut ep) => {
                crate::defaults::default_endpoints(&mut ep);
                let nn = NsName::of(&ep.metadata);
                self.set_object_errors(
                    &key,
                    "Endpoints",
                    &nn,
                    validate::validate_endpoints(&ep),
                    &origin,
                );
                self.cluster.apply(Object::Endpoints(ep), origin);
                self.refresh(&nn, &mut changes);
            }
            Object::EndpointSlice(mut es) => {
                crate::defaults::default_endpoint_slice(&mut es);
                let nn = NsName::of(&es.metadata);
                self.set_object_errors(
                    &key,
                    "EndpointSlice",
                    &nn,
                    validate::validate_endpoint_slice(&es),
                    &origin,
                );
                let old = self.cluster.apply(Object::EndpointSlice(es), origin);
                self.slice_changed(&nn, old, &mut changes);
            }
            Object::Workload(w) => {
                let ns = self.store_workload(w, origin);
                self.refresh_namespace_diagnostics(&ns, &mut changes);
            }
            Object::Namespace(n) => {
                self.cluster.apply(Object::Namespace(n), origin);
            }
        }
        changes
    }

    /// Removes one object and updates what depends on it.
    pub fn delete(&mut self, key: &ObjectKey) -> Changes {
        self.revision += 1;
        let mut changes = Changes::default();
        let nn = NsName::new(&key.namespace, &key.name);
        self.object_errors.remove(key);
        self.unknown_fields.remove(key);
        match key.kind.as_str() {
            "Service" => {
                if self.cluster.services.remove(&nn).is_some() {
                    self.cluster.origins.remove(key);
                    self.drop_service(&nn);
                    self.service_errors.remove(&nn);
                    changes.services.insert(nn.clone());
                    self.refresh_env_diagnostics(&nn, &mut changes);
                    if nn == crate::master::name() {
                        self.add_implicit_kubernetes();
                    }
                    // Values it held may now go to the Services that
                    // would have had them without it.
                    self.reallocate(&BTreeSet::new(), &mut changes);
                    self.refresh_external_names(&mut changes);
                }
            }
            "Pod" => {
                if let Some(pod) = self.cluster.remove_pod(key) {
                    self.unindex_pod(&nn.namespace, &nn.name, &pod);
                    if let Some(n) = self.pods_per_namespace.get_mut(&nn.namespace) {
                        *n -= 1;
                    }
                    self.pod_diagnostics.remove(&nn);
                    for svc in self.anchored_services(&nn.namespace, &pod.metadata.labels) {
                        let sk = NsName::new(&nn.namespace, &svc);
                        if let Some(st) = self.services.get_mut(&sk) {
                            if st.selected.remove(nn.name.as_str()).is_some() {
                                self.refresh(&sk, &mut changes);
                            }
                        }
                    }
                    self.refresh_unmatched(&nn, Some(&pod.metadata.labels), None, &mut changes);
                    changes.pods.insert(nn);
                }
            }
            _ => {
                let old = self.cluster.delete(key);
                match old {
                    Some(Object::Node(_)) => {
                        let last = self.cluster.nodes.is_empty();
                        self.node_changed(&key.name, last, &mut changes);
                    }
                    Some(Object::Endpoints(_)) => self.refresh(&nn, &mut changes),
                    Some(Object::EndpointSlice(es)) => {
                        self.slice_changed(&nn, Some(Object::EndpointSlice(es)), &mut changes)
                    }
                    Some(Object::Workload(w)) => {
                        self.workload_diagnostics
                            .remove(&(w.kind.clone(), NsName::of(&w.metadata)));
                        self.refresh_namespace_diagnostics(w.metadata.ns(), &mut changes)
                    }
                    _ => {}
                }
            }
        }
        changes
    }

    /// Adds the implicit `default/kubernetes` when the input has none.
    fn ensure_kubernetes(&mut self) {
        if self.add_implicit_kubernetes() {
            let k = crate::master::name();
            self.reallocate(&crate::order::set_of(k), &mut Changes::default());
        }
    }

    /// Stands the implicit `default/kubernetes` in (unallocated) when the
    /// input has none; whether it did.
    fn add_implicit_kubernetes(&mut self) -> bool {
        let k = crate::master::name();
        if self.services.contains_key(&k) {
            return false;
        }
        let st = self.prepare(&k, crate::master::implicit_service(), true, None);
        self.install_selection(&k, st);
        true
    }

    fn set_object_errors(
        &mut self,
        key: &ObjectKey,
        kind: &str,
        nn: &NsName,
        errs: Vec<FieldError>,
        origin: &Origin,
    ) {
        if errs.is_empty() {
            // Most objects are valid; skip the lookup when nothing is stored.
            if !self.object_errors.is_empty() {
                self.object_errors.remove(key);
            }
        } else {
            self.object_errors.insert(
                key.clone(),
                object_errors(kind, nn, "validation", errs, Some(origin)),
            );
        }
    }

    /// Sets the fields the text of an object gave that its kind does not
    /// have (none: it has none now), reported as `validate` says, and
    /// refreshes the diagnostics that name them.
    pub fn set_unknown_fields(&mut self, key: &ObjectKey, fields: Vec<UnknownField>) -> Changes {
        let mut fields = fields;
        match self.config.validate {
            Validate::Strict => {}
            Validate::Warn => {
                for f in &mut fields {
                    f.error.severity = Severity::Warning;
                }
            }
            Validate::Ignore => fields.clear(),
        }
        let mut changes = Changes::default();
        let current = self.unknown_fields.get(key).map_or(&[][..], Vec::as_slice);
        if current == fields.as_slice() {
            return changes;
        }
        if fields.is_empty() {
            self.unknown_fields.remove(key);
        } else {
            self.unknown_fields.insert(key.clone(), fields);
        }
        let nn = NsName::new(&key.namespace, &key.name);
        match key.kind.as_str() {
            "Service" | "Endpoints" => self.refresh_diagnostics(&nn, &mut changes),
            "EndpointSlice" => {
                let svc = self
                    .cluster
                    .endpoint_slices
                    .get(&nn)
                    .and_then(|es| es.metadata.labels.get(endpoints::LABEL_SERVICE_NAME))
                    .cloned();
                if let Some(svc) = svc {
                    self.refresh_diagnostics(&NsName::new(&key.namespace, &svc), &mut changes);
                }
            }
            // The closest pods of a selector that matches nothing.
            "Node" | "Namespace" => {}
            _ => self.refresh_namespace_diagnostics(&key.namespace, &mut changes),
        }
        changes
    }

    /// Stores a given Service, defaulted and validated, with its selection;
    /// [`Engine::reallocate`] then gives it (and the others) their values.
    fn set_service(&mut self, nn: &NsName, given: Service, origin: Origin) {
        let key = ObjectKey::new("Service", &nn.namespace, &nn.name);
        self.cluster.origins.insert(key.clone(), origin.clone());
        self.cluster.services.insert(nn.clone(), given.clone());
        let st = self.prepare(nn, given, false, Some(&origin));
        self.install_selection(nn, st);
    }

    /// A Service's state before allocation: defaulted, validated, with its
    /// selector; nothing selected yet.
    fn prepare(
        &self,
        nn: &NsName,
        given: Service,
        implicit: bool,
        origin: Option<&Origin>,
    ) -> ServiceState {
        let mut svc = given;
        // The apiserver creates its own Service defaulted, whatever a lint asks.
        prepare_service(&mut svc, self.config.defaulting || implicit);
        let validation_errors = object_errors(
            "Service",
            nn,
            "validation",
            validate::validate_service(&svc),
            origin,
        );
        let prepared = Arc::new(svc);
        ServiceState {
            service: Arc::clone(&prepared),
            rejected: !validation_errors.is_empty(),
            implicit,
            selector: selection::service_selector(&prepared),
            prepared,
            validation_errors,
            selected: PodSet::new(),
            endpoints: None,
            slices: Arc::default(),
            slice_skips: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Replaces a Service's state with `st`, indexing its selector and
    /// selecting its pods.
    fn install_selection(&mut self, nn: &NsName, mut st: ServiceState) {
        self.drop_service(nn);
        self.service_namespaces
            .entry(nn.name.clone())
            .or_default()
            .insert(nn.namespace.clone());
        if let Some(sel) = &st.selector {
            if let Some(anchor) = sel.requirements().first() {
                let value = anchor.values.first().cloned().unwrap_or_default();
                self.selector_index
                    .entry(nn.namespace.clone())
                    .or_default()
                    .entry(anchor.key.clone())
                    .or_default()
                    .entry(value.clone())
                    .or_default()
                    .insert(nn.name.clone());
                let candidates = self
                    .pod_index
                    .get(&nn.namespace)
                    .and_then(|m| m.get(&anchor.key))
                    .and_then(|m| m.get(&value));
                for (name, pod) in candidates.into_iter().flatten() {
                    if sel.matches(&pod.metadata.labels) {
                        st.selected.insert(Arc::clone(name), Arc::clone(pod));
                    }
                }
            }
        }
        self.services.insert(nn.clone(), st);
    }

    /// Allocates every Service afresh, as one load of the cluster would:
    /// the values Services ask for are set aside first (so a request wins
    /// over a value the engine chose on its own, in whatever order they
    /// came), then each Service is allocated in creation order. Services
    /// whose stored form or errors change, and those in `dirty`, have their
    /// views refreshed.
    fn reallocate(&mut self, dirty: &BTreeSet<NsName>, changes: &mut Changes) {
        let mut alloc = Allocator::new(&self.config);
        for st in self.services.values() {
            alloc.avoid(&st.prepared);
        }
        let mut order: Vec<(CreationOrder, NsName)> = self
            .services
            .iter()
            .map(|(k, st)| {
                let key = ObjectKey::new("Service", &k.namespace, &k.name);
                (
                    self.state().creation_rank(&key, &st.prepared.metadata),
                    k.clone(),
                )
            })
            .collect();
        crate::order::sort(&mut order);
        let mut changed = Vec::new();
        for (_, nn) in order {
            let Some(st) = self.services.get(&nn) else {
                continue;
            };
            let (service, errors) = if st.validation_errors.is_empty() {
                let mut svc = (*st.prepared).clone();
                let errs = alloc.allocate(&nn, &mut svc);
                let origin =
                    self.cluster
                        .origin(&ObjectKey::new("Service", &nn.namespace, &nn.name));
                let errors = object_errors("Service", &nn, "allocation", errs, origin);
                if errors.is_empty() {
                    (Arc::new(svc), errors)
                } else {
                    (Arc::clone(&st.prepared), errors)
                }
            } else {
                (Arc::clone(&st.prepared), st.validation_errors.clone())
            };
            let current = self.service_errors.get(&nn).map_or(&[][..], Vec::as_slice);
            if dirty.contains(&nn) || *st.service != *service || current != errors.as_slice() {
                changed.push((nn, service, errors));
            }
        }
        self.alloc = alloc;
        for (nn, service, errors) in changed {
            if let Some(st) = self.services.get_mut(&nn) {
                st.service = service;
                st.rejected = !errors.is_empty();
            }
            if errors.is_empty() {
                self.service_errors.remove(&nn);
            } else {
                self.service_errors.insert(nn.clone(), errors);
            }
            self.refresh(&nn, changes);
            self.refresh_env_diagnostics(&nn, changes);
        }
        self.refresh_external_names(changes);
    }

    /// Forgets a Service's allocations, index entries and selections.
    fn drop_service(&mut self, nn: &NsName) {
        let Some(old) = self.services.remove(nn) else {
            return;
        };
        if let Some(set) = self.service_namespaces.get_mut(&nn.name) {
            set.remove(&nn.namespace);
            if set.is_empty() {
                self.service_namespaces.remove(&nn.name);
            }
        }
        self.unmatched.remove(nn);
        self.external_names.remove(nn);
        self.alloc.release(nn);
        if let Some(anchor) = old.selector.as_ref().and_then(|s| s.requirements().first()) {
            let value = anchor.values.first().map_or("", String::as_str);
            if let Some(m) = self.selector_index.get_mut(&nn.namespace) {
                if let Some(values) = m.get_mut(&anchor.key) {
                    if let Some(set) = values.get_mut(value) {
                        set.remove(&nn.name);
                        if set.is_empty() {
                            values.remove(value);
                        }
                    }
                    if values.is_empty() {
                        m.remove(&anchor.key);
                    }
                }
            }
        }
    }

    fn index_pod(&mut self, namespace: &str, pod_name: &str, pod: &Arc<Pod>) {
        // Look up before inserting: cloning every key on every pod would
        // dominate loading a big cluster.
        if !self.pod_index.contains_key(namespace) {
            self.pod_index
                .insert(namespace.to_string(), FastMap::default());
        }
        let Some(ns) = self.pod_index.get_mut(namespace) else {
            return;
        };
        let name: Arc<str> = Arc::from(pod_name);
        for (k, v) in &pod.metadata.labels {
            if !ns.contains_key(k) {
                ns.insert(k.clone(), FastMap::default());
            }
            let Some(values) = ns.get_mut(k) else {
                continue;
            };
            match values.get_mut(v) {
                Some(pods) => {
                    pods.insert(Arc::clone(&name), Arc::clone(pod));
                }
                None => {
                    values.insert(
                        v.clone(),
                        PodSet::from([(Arc::clone(&name), Arc::clone(pod))]),
                    );
                }
            }
        }
        let refs = crate::env::references(pod);
        if refs.is_empty() {
            return;
        }
        let nn = NsName::new(namespace, pod_name);
        for prefix in refs
            .iter()
            .filter_map(|r| crate::env::service_var_prefix(&r.name))
        {
            self.env_refs
                .entry(prefix.to_string())
                .or_default()
                .insert(nn.clone());
        }
        self.env_users
            .entry(namespace.to_string())
            .or_default()
            .insert(pod_name.to_string());
    }

    fn unindex_pod(&mut self, namespace: &str, pod_name: &str, pod: &Pod) {
        if let Some(ns) = self.pod_index.get_mut(namespace) {
            for (k, v) in &pod.metadata.labels {
                if let Some(values) = ns.get_mut(k) {
                    if let Some(pods) = values.get_mut(v) {
                        pods.remove(pod_name);
                        if pods.is_empty() {
                            values.remove(v);
                        }
                    }
                    if values.is_empty() {
                        ns.remove(k);
                    }
                }
            }
        }
        let refs = crate::env::references(pod);
        if refs.is_empty() {
            return;
        }
        let nn = NsName::new(namespace, pod_name);
        for prefix in refs
            .iter()
            .filter_map(|r| crate::env::service_var_prefix(&r.name))
        {
            if let Some(set) = self.env_refs.get_mut(prefix) {
                set.remove(&nn);
                if set.is_empty() {
                    self.env_refs.remove(prefix);
                }
            }
        }
        for map in [&mut self.env_users, &mut self.env_open] {
            if let Some(set) = map.get_mut(namespace) {
                set.remove(pod_name);
                if set.is_empty() {
                    map.remove(namespace);
                }
            }
        }
    }

    /// The Services of a namespace whose selector's anchor is one of
    /// `labels`: every Service that can select a pod with those labels.
    fn anchored_services(&self, ns: &str, labels: &StringMap) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(index) = self.selector_index.get(ns) {
            for (k, v) in labels {
                if let Some(svcs) = index.get(k).and_then(|values| values.get(v)) {
                    out.extend(svcs.iter().cloned());
                }
            }
        }
        out
    }

    /// A pod was added or changed (`old` is what it replaced): fix
    /// memberships, refresh affected views.
    fn pod_changed(&mut self, nn: &NsName, old: Option<&Pod>, changes: &mut Changes) {
        let Some(pod) = self.cluster.pods.get(nn).cloned() else {
            return;
        };
        for sk in self.reselect(nn, &pod, old) {
            self.refresh(&sk, changes);
        }
        let old_labels = old.map(|p| &p.metadata.labels);
        self.refresh_unmatched(nn, old_labels, Some(&pod.metadata.labels), changes);
        self.refresh_pod_diagnostics(nn, changes);
    }

    /// Puts a changed pod into or out of the selections of the Services
    /// its labels, old and new, can concern; returns those it entered or
    /// left.
    fn reselect(&mut self, nn: &NsName, pod: &Arc<Pod>, old: Option<&Pod>) -> Vec<NsName> {
        let mut svcs = self.anchored_services(&nn.namespace, &pod.metadata.labels);
        if let Some(old) = old {
            svcs.extend(self.anchored_services(&nn.namespace, &old.metadata.labels));
        }
        let name: Arc<str> = Arc::from(nn.name.as_str());
        let mut changed = Vec::new();
        for svc in svcs {
            let sk = NsName::new(&nn.namespace, &svc);
            let Some(st) = self.services.get_mut(&sk) else {
                continue;
            };
            let matches = st
                .selector
                .as_ref()
                .is_some_and(|s| s.matches(&pod.metadata.labels));
            let was = if matches {
                st.selected.insert(Arc::clone(&name), Arc::clone(pod))
            } else {
                st.selected.remove(nn.name.as_str())
            };
            if matches || was.is_some() {
                changed.push(sk);
            }
        }
        changed
    }

    /// [`Engine::pod_changed`] for many pods at once: each Service they
    /// enter or leave is refreshed once, and so is each unmatched Service
    /// they can affect.
    ///
    /// `pods` holds each pod as stored and what it replaced; a pod stored
    /// twice in the batch is there twice, the later replacing the earlier,
    /// so the memberships end as the last copy says.
    fn pods_changed(
        &mut self,
        pods: Vec<(NsName, Arc<Pod>, Option<Arc<Pod>>)>,
        changes: &mut Changes,
    ) {
        if pods.is_empty() {
            return;
        }
        // Collected, then sorted and made unique: cheaper than a set kept
        // sorted, as most pods of a batch enter the same few Services.
        let mut affected: Vec<NsName> = Vec::new();
        // The pods as they were and are: their labels decide which
        // unmatched Services to look at again.
        let mut touched: Vec<Arc<Pod>> = Vec::new();
        for (nn, pod, old) in &pods {
            if let Some(old) = old {
                touched.push(Arc::clone(old));
            }
            touched.push(Arc::clone(pod));
            for sk in self.reselect(nn, pod, old.as_deref()) {
                if affected.last() != Some(&sk) {
                    affected.push(sk);
                }
            }
        }
        crate::order::sort(&mut affected);
        affected.dedup();
        for sk in &affected {
            self.refresh(sk, changes);
        }
        let mut namespaces = BTreeSet::new();
        namespaces.extend(touched.iter().map(|p| p.metadata.ns()));
        let unmatched: Vec<NsName> = self
            .unmatched
            .iter()
            .filter(|k| !changes.services.contains(*k))
            .filter(|k| {
                let sel = self.services.get(*k).and_then(|st| st.selector.as_ref());
                namespaces.contains(k.namespace.as_str())
                    || sel
                        .is_some_and(|sel| touched.iter().any(|p| sel.matches(&p.metadata.labels)))
            })
            .cloned()
            .collect();
        for k in unmatched {
            self.refresh_diagnostics(&k, changes);
        }
        for (nn, pod, _) in &pods {
            self.refresh_diagnostics_of_pod(nn, pod, changes);
        }
    }

    /// After a pod change (its old and new labels): refreshes the unmatched
    /// Services it can affect, those of its namespace it is a near miss of
    /// (or all of them, when the namespace gains its first pod or loses its
    /// last) and those elsewhere whose selector it matches.
    fn refresh_unmatched(
        &mut self,
        pod: &NsName,
        old: Option<&StringMap>,
        new: Option<&StringMap>,
        changes: &mut Changes,
    ) {
        let mut in_ns = self.cluster.pods_in(&pod.namespace).take(2).count();
        if new.is_none() {
            in_ns += 1;
        }
        let first_or_last = in_ns == 1 && (old.is_none() || new.is_none());
        let keys: Vec<NsName> = self
            .unmatched
            .iter()
            .filter(|k| !changes.services.contains(*k))
            .filter(|k| {
                let Some(sel) = self.services.get(*k).and_then(|st| st.selector.as_ref()) else {
                    return false;
                };
                let either =
                    |f: &dyn Fn(&StringMap) -> bool| old.is_some_and(f) || new.is_some_and(f);
                if k.namespace == pod.namespace {
                    first_or_last || either(&|l| selection::concerns(sel, l))
                } else {
                    either(&|l| sel.matches(l))
                }
            })
            .cloned()
            .collect();
        for k in keys {
            self.refresh_diagnostics(&k, changes);
        }
    }

    /// After a Service change: ExternalNames may point at it.
    fn refresh_external_names(&mut self, changes: &mut Changes) {
        let keys: Vec<NsName> = self
            .external_names
            .iter()
            .filter(|k| !changes.services.contains(*k))
            .cloned()
            .collect();
        for k in keys {
            self.refresh_diagnostics(&k, changes);
        }
    }

    /// Namespaces other than the Service's with pods its selector
    /// matches, each with its first such pod.
    fn matching_elsewhere(&self, nn: &NsName, sel: &Selector) -> Vec<NsName> {
        let Some(anchor) = sel.requirements().first() else {
            return Vec::new();
        };
        let value = anchor.values.first().map(String::as_str).unwrap_or("");
        let mut out: Vec<NsName> = self
            .pod_index
            .iter()
            .filter(|(ns, _)| **ns != nn.namespace)
            .filter_map(|(ns, keys)| {
                let pods = keys.get(&anchor.key)?.get(value)?;
                let (name, _) = pods
                    .iter()
                    .find(|(_, pod)| sel.matches(&pod.metadata.labels))?;
                Some(NsName::new(ns, name))
            })
            .collect();
        crate::order::sort(&mut out);
        out
    }

    fn node_changed(&mut self, node: &str, all: bool, changes: &mut Changes) {
        let keys: Vec<NsName> = if all {
            self.services.keys().cloned().collect()
        } else {
            self.services
                .iter()
                .filter(|(_, st)| {
                    st.selected
                        .values()
                        .any(|p| p.spec.node_name.as_deref() == Some(node))
                })
                .map(|(k, _)| k.clone())
                .collect()
        };
        for k in keys {
            self.refresh(&k, changes);
        }
    }

    fn slice_changed(&mut self, nn: &NsName, old: Option<Object>, changes: &mut Changes) {
        let target = |es: &EndpointSlice| {
            es.metadata
                .labels
                .get(endpoints::LABEL_SERVICE_NAME)
                .cloned()
        };
        if let Some(Object::EndpointSlice(old)) = old {
            if let Some(svc) = target(&old) {
                let sk = NsName::new(&nn.namespace, &svc);
                if let Some(set) = self.slices_by_service.get_mut(&sk) {
                    set.remove(&nn.name);
                }
                self.refresh(&sk, changes);
            }
        }
        if let Some(svc) = self.cluster.endpoint_slices.get(nn).and_then(target) {
            let sk = NsName::new(&nn.namespace, &svc);
            self.slices_by_service
                .entry(sk.clone())
                .or_default()
                .insert(nn.name.clone());
            self.refresh(&sk, changes);
        }
    }

    /// The keys of a namespace's Services, in name order.
    fn services_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a NsName> + 'a {
        self.services
            .range(NsName::new(ns, "")..)
            .take_while(move |(k, _)| k.namespace == ns)
            .map(|(k, _)| k)
    }

    fn refresh_namespace_diagnostics(&mut self, ns: &str, changes: &mut Changes) {
        let keys: Vec<NsName> = self.services_in(ns).cloned().collect();
        for k in keys {
            self.refresh_diagnostics(&k, changes);
        }
    }

    /// The EndpointSlices of the input labelled for Service `nn`.
    fn given_slices<'a>(&'a self, nn: &'a NsName) -> impl Iterator<Item = &'a EndpointSlice> + 'a {
        self.slices_by_service
            .get(nn)
            .into_iter()
            .flatten()
            .filter_map(move |s| {
                self.cluster
                    .endpoint_slices
                    .get(&NsName::new(&nn.namespace, s))
            })
    }

    /// Recomputes a Service's endpoints, slices and diagnostics.
    fn refresh(&mut self, nn: &NsName, changes: &mut Changes) {
        let Some(st) = self.services.get(nn) else {
            return;
        };
        if self.views == Views::Selection {
            changes.services.insert(nn.clone());
            return;
        }
        let (endpoints, slices, skips) = if endpoints::is_controller_managed(&st.service) {
            let pods: Vec<&Pod> = st.selected.values().map(|p| &**p).collect();
            let ep = endpoints::build_endpoints(&st.service, &pods);
            let (mut slices, skips) = endpoints::build_slices(
                &st.service,
                &pods,
                NodeInfo {
                    nodes: &self.cluster.nodes,
                },
            );
            // Slices another manager keeps for the Service stay beside the
            // controller's, and kube-proxy and CoreDNS use them too (they
            // go by the service-name label alone). The controller's own, as
            // given, are replaced by what it computes.
            slices.extend(
                self.given_slices(nn)
                    .filter(|es| !endpoints::is_controller_slice(es))
                    .cloned(),
            );
            (Some(ep), slices, skips)
        } else if st
            .service
            .spec
            .selector
            .as_ref()
            .is_some_and(|m| !m.is_empty())
        {
            // An ExternalName with a selector: neither controller acts.
            (None, Vec::new(), Vec::new())
        } else {
            // Selectorless: what the user gave, plus the mirrored slices.
            let ep = self.cluster.endpoints.get(nn).cloned();
            let mut slices: Vec<EndpointSlice> = self.given_slices(nn).cloned().collect();
            if let Some(ep) = &ep {
                slices.extend(endpoints::mirror_slices(&st.service, ep));
            }
            (ep, slices, Vec::new())
        };
        if let Some(st) = self.services.get_mut(nn) {
            st.endpoints = endpoints.map(Arc::new);
            st.slices = Arc::new(slices);
            st.slice_skips = skips;
        }
        self.refresh_diagnostics(nn, changes);
    }

    fn refresh_diagnostics(&mut self, nn: &NsName, changes: &mut Changes) {
        let Some(st) = self.services.get(nn) else {
            return;
        };
        if self.views == Views::Selection {
            return;
        }
        let unmatched = st.selector.is_some() && st.selected.is_empty();
        let external_name = st.service.type_() == service_type::EXTERNAL_NAME;
        let elsewhere = match &st.selector {
            Some(sel) if unmatched => self.matching_elsewhere(nn, sel),
            _ => Vec::new(),
        };
        // What the selector was probably meant to match: pods (through the
        // label index) and templates when it matches nothing, templates
        // alone (a workload's pods it misses) otherwise; nothing when it
        // matches a template, as no diagnostic reads them then.
        let ns = nn.namespace.as_str();
        let near = match &st.selector {
            Some(sel) if !self.cluster.selects_a_template(sel, ns) => selection::near_misses(
                sel,
                ns,
                self.pod_index.get(ns).filter(|_| unmatched),
                self.cluster.workloads_in(ns),
                explain::NEAR_MISSES,
            ),
            _ => Vec::new(),
        };
        let facts = ServiceFacts {
            key: nn,
            service: &st.service,
            rejected: st.rejected,
            has_selector: st.selector.is_some(),
            selected: &st.selected,
            endpoints: st.endpoints.as_deref(),
            slices: &st.slices,
            slice_skips: &st.slice_skips,
            manual_endpoints: self.cluster.endpoints.get(nn),
            errors: self.service_errors.get(nn).map_or(&[], Vec::as_slice),
            unknown_fields: &self.unknown_fields,
            matching_elsewhere: &elsewhere,
            near_misses: &near,
        };
        let diags = explain::service_diagnostics(&facts, &self.cluster, &self.config);
        if let Some(st) = self.services.get_mut(nn) {
            st.diagnostics = diags;
        }
        for (set, member) in [
            (&mut self.unmatched, unmatched),
            (&mut self.external_names, external_name),
        ] {
            if member {
                set.insert(nn.clone());
            } else {
                set.remove(nn);
            }
        }
        changes.services.insert(nn.clone());
    }

    /// Pods whose env refers to this Service's variables (in any
    /// namespace), and those of its namespace whose references no Service
    /// answers by name, get their diagnostics recomputed.
    fn refresh_env_diagnostics(&mut self, svc: &NsName, changes: &mut Changes) {
        let prefix = crate::env::env_prefix(&svc.name);
        let mut pods: BTreeSet<NsName> = self.env_refs.get(&prefix).cloned().unwrap_or_default();
        if let Some(open) = self.env_open.get(&svc.namespace) {
            pods.extend(open.iter().map(|p| NsName::new(&svc.namespace, p)));
        }
        for p in pods {
            self.refresh_pod_diagnostics(&p, changes);
        }
    }

    fn refresh_pod_diagnostics(&mut self, nn: &NsName, changes: &mut Changes) {
        if let Some(pod) = self.cluster.pods.get(nn).cloned() {
            self.refresh_diagnostics_of_pod(nn, &pod, changes);
        }
    }

    /// [`Engine::refresh_pod_diagnostics`] for a pod at hand (as stored).
    fn refresh_diagnostics_of_pod(&mut self, nn: &NsName, pod: &Pod, changes: &mut Changes) {
        if self.views == Views::Selection {
            return;
        }
        let refs = crate::env::references(pod);
        if refs.is_empty() {
            if self.pod_diagnostics.remove(nn).is_some() {
                changes.pods.insert(nn.clone());
            }
            return;
        }
        let state = self.state();
        let master = crate::master::name();
        let mut services = state.services_in(&nn.namespace);
        if nn.namespace != master.namespace {
            services.extend(state.service(&master).map(|st| (&master, &*st.service)));
        }
        let pod_key = ObjectKey::new("Pod", &nn.namespace, &nn.name);
        let created_after = |svc_nn: &NsName, _: &Service| {
            let k = ObjectKey::new("Service", &svc_nn.namespace, &svc_nn.name);
            self.created_after(&k, &pod_key).unwrap_or(false)
        };
        let elsewhere = |name: &str| {
            state
                .namespaces_with_service(name)
                .find(|ns| *ns != nn.namespace)
                .map(str::to_string)
        };
        let diags = explain::pod_env_diagnostics(nn, pod, &services, &created_after, &elsewhere);
        // Open: some reference no Service of the namespace answers by name.
        let answered = |name: &str| {
            crate::env::service_var_prefix(name).is_some_and(|p| {
                p == "KUBERNETES"
                    || services.iter().any(|(k, _)| {
                        k.namespace == nn.namespace && crate::env::env_prefix(&k.name) == p
                    })
            })
        };
        let open = refs.iter().any(|r| !answered(&r.name));
        if open {
            self.env_open
                .entry(nn.namespace.clone())
                .or_default()
                .insert(nn.name.clone());
        } else if let Some(set) = self.env_open.get_mut(&nn.namespace) {
            set.remove(&nn.name);
            if set.is_empty() {
                self.env_open.remove(&nn.namespace);
            }
        }
        if diags.is_empty() {
            self.pod_diagnostics.remove(nn);
        } else {
            self.pod_diagnostics.insert(nn.clone(), diags);
        }
        changes.pods.insert(nn.clone());
    }

    /// The objects as the apiserver stores them (Services defaulted and
    /// allocated; the implicit `default/kubernetes` left out), in creation
    /// order. Loading them into a fresh engine gives the same views.
    pub fn stored_objects(&self) -> Vec<(Object, Origin)> {
        let c = &self.cluster;
        let mut out: Vec<(u64, Object, Origin)> = Vec::new();
        let mut push = |obj: Object| {
            let key = ObjectKey::of(&obj);
            let seq = c.origins.get(&key).map_or(u64::MAX, |o| o.seq);
            let origin = c.origin(&key).cloned().unwrap_or_default();
            out.push((seq, obj, origin));
        };
        c.namespaces
            .values()
            .for_each(|o| push(Object::Namespace(o.clone().into())));
        c.nodes
            .values()
            .for_each(|o| push(Object::Node(o.clone().into())));
        c.pods
            .values()
            .for_each(|o| push(Object::Pod(Arc::clone(o))));
        c.workloads
            .values()
            .for_each(|o| push(Object::Workload(o.clone().into())));
        c.endpoints
            .values()
            .for_each(|o| push(Object::Endpoints(o.clone().into())));
        c.endpoint_slices
            .values()
            .for_each(|o| push(Object::EndpointSlice(o.clone().into())));
        for (k, st) in &self.services {
            if st.implicit {
                continue;
            }
            let mut svc = if st.rejected {
                c.services
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| (*st.service).clone())
            } else {
                (*st.service).clone()
            };
            svc.metadata.namespace = Some(k.namespace.clone());
            push(Object::Service(svc.into()));
        }
        crate::order::sort_by_key(&mut out, |(seq, _, _)| *seq);
        out.into_iter().map(|(_, o, g)| (o, g)).collect()
    }

    /// Every diagnostic: unknown fields first (what follows from them
    /// comes after), then Services, then workloads, then pods, in key
    /// order.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.unknown_fields
            .values()
            .flatten()
            .map(explain::unknown_field)
            .chain(
                self.services
                    .values()
                    .flat_map(|s| s.diagnostics.iter().cloned()),
            )
            .chain(self.workload_diagnostics.values().flatten().cloned())
            .chain(self.pod_diagnostics.values().flatten().cloned())
            .collect()
    }

    /// Every field an object's kind does not have, in object order, each at
    /// its object's current place.
    pub fn unknown_fields(&self) -> Vec<ObjectError> {
        self.unknown_fields
            .iter()
            .flat_map(|(key, fields)| {
                let origin = self.cluster.origin(key);
                fields.iter().map(move |f| ObjectError {
                    origin: origin.cloned().or(f.error.origin.clone()),
                    ..f.error.clone()
                })
            })
            .collect()
    }

    /// Every error, sorted, each at its object's current place.
    pub fn errors(&self) -> Vec<ObjectError> {
        let mut v: Vec<ObjectError> = self
            .service_errors
            .values()
            .chain(self.object_errors.values())
            .flatten()
            .map(|e| {
                let key = ObjectKey::new(&e.kind, &e.namespace, &e.name);
                ObjectError {
                    origin: self.cluster.origin(&key).cloned().or(e.origin.clone()),
                    ..e.clone()
                }
            })
            .collect();
        crate::order::sort(&mut v);
        v
    }

    /// The objects read from `file`, in no particular order.
    pub fn objects_from(&self, file: &str) -> Vec<ObjectKey> {
        self.cluster
            .origins
            .iter()
            .filter(|(_, o)| &*o.file == file)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Where an object came from, when it is in the cluster.
    pub fn origin(&self, key: &ObjectKey) -> Option<&Origin> {
        self.cluster.origin(key)
    }

    /// When `obj` is what the cluster already holds under its key, from the
    /// same file, only its place (line, list path) is updated and nothing
    /// needs recomputing: whether that was so.
    pub fn keep_if_unchanged(&mut self, obj: &Object, origin: &Origin) -> bool {
        self.revision += 1;
        let key = ObjectKey::of(obj);
        let Some(stored) = self.cluster.origins.get(&key) else {
            return false;
        };
        if stored.file != origin.file {
            return false;
        }
        let mut given = obj.clone();
        given.default_namespace();
        if !self.cluster.holds(&given) {
            return false;
        }
        let seq = stored.seq;
        self.cluster.origins.insert(
            key,
            Origin {
                seq,
                ..origin.clone()
            },
        );
        true
    }

    /// A Service's selection as the whole view carries it: the why-not
    /// as counts and a few examples per reason, through the label index.
    pub fn selection_summary(
        &self,
        nn: &NsName,
    ) -> Option<crate::cluster::documents::SelectionSummary> {
        let (nn, st) = self.services.get_key_value(nn)?;
        let ns = nn.namespace.as_str();
        let not_selected = match &st.selector {
            Some(sel) => {
                let by_value = sel
                    .requirements()
                    .first()
                    .and_then(|r| self.pod_index.get(ns)?.get(&r.key));
                let total = self.pods_per_namespace.get(ns).copied().unwrap_or(0);
                selection::summary_indexed(sel, by_value, self.cluster.pods_in(ns), total)
                    .unwrap_or_else(|| {
                        selection::why_not(sel, self.cluster.pods_in(ns))
                            .into_iter()
                            .map(selection::summarize)
                            .collect()
                    })
            }
            None => Vec::new(),
        };
        Some(crate::cluster::documents::SelectionSummary {
            service: nn.clone(),
            selector: st.selector.as_ref().map(|s| s.to_string()),
            selected: st.selected.keys().cloned().collect(),
            not_selected,
        })
    }

    /// The selection of one Service, with why-not when asked.
    pub fn selection(&self, nn: &NsName, why_not: bool) -> Option<Selection<'_>> {
        let (nn, st) = self.services.get_key_value(nn)?;
        let selector = st.selector.as_ref();
        let not_selected = match selector {
            Some(sel) if why_not => self.why_not(&nn.namespace, sel),
            _ => Vec::new(),
        };
        Some(Selection {
            service: nn,
            selector: selector.map(|s| s.to_string()),
            selected: st.selected.keys().map(|k| &**k).collect(),
            not_selected,
        })
    }

    /// Why the pods of `ns` that `sel` does not select fail it; through the
    /// label index where that gives the same answer.
    fn why_not<'a>(&'a self, ns: &'a str, sel: &Selector) -> Vec<selection::NotSelected<'a>> {
        let by_value = sel
            .requirements()
            .first()
            .and_then(|r| self.pod_index.get(ns)?.get(&r.key));
        by_value
            .and_then(|v| {
                let total = self.pods_per_namespace.get(ns).copied().unwrap_or(0);
                selection::why_not_indexed(sel, v, total)
            })
            .unwrap_or_else(|| selection::why_not(sel, self.cluster.pods_in(ns)))
    }
}

fn object_errors(
    kind: &str,
    nn: &NsName,
    stage: &'static str,
    errs: Vec<FieldError>,
    origin: Option<&Origin>,
) -> Vec<ObjectError> {
    let mut seen = std::collections::HashSet::new();
    errs.into_iter()
        // Upstream can report one problem twice through two code paths.
        .filter(|e| seen.insert((e.field.clone(), e.type_, e.detail.clone())))
        .map(|e| ObjectError::new(kind, &nn.namespace, &nn.name, stage, e, origin.cloned()))
        .collect()
}
