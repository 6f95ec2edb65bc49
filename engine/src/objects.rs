//! The cluster: every loaded object by kind, namespace and name, with where
//! it came from. Objects enter through [`Objects::apply`] and leave through
//! [`Objects::delete`], as with `kubectl apply` / `kubectl delete`.

use crate::hash::FastMap;
use crate::model::*;
use crate::select::{Operator, Selector};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// Pods of one namespace by name. The pods are shared with the cluster, so
/// indexes and selections reach a pod without looking it up again.
pub type PodSet = BTreeMap<Arc<str>, Arc<Pod>>;

/// A namespaced name, ordered by namespace then name.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct NsName {
    pub namespace: String,
    pub name: String,
}

impl NsName {
    pub fn new(namespace: &str, name: &str) -> Self {
        NsName {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
    pub fn of(meta: &ObjectMeta) -> Self {
        NsName::new(meta.ns(), &meta.name)
    }
    /// Parses `namespace/name`, or `name` in the `default` namespace.
    pub fn parse(s: &str) -> Option<Self> {
        let (ns, name) = s.split_once('/').unwrap_or(("default", s));
        (!ns.is_empty() && !name.is_empty() && !name.contains('/')).then(|| NsName::new(ns, name))
    }
}

impl fmt::Display for NsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// An object a finding or a hint is about (a diagnostic's subject, the
/// pod a "did you mean" found a label on).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        ObjectRef {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// Where an object was read from: file, line (when known) and, inside a
/// list, the item path.
///
/// It also remembers when the object entered the engine (`seq`), which
/// orders objects without creation timestamps; two origins are equal when
/// they name the same place, whenever that was.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct Origin {
    /// Shared by the objects of one file.
    pub file: std::sync::Arc<str>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip)]
    pub seq: u64,
}

impl Origin {
    fn place(&self) -> (&str, Option<usize>, Option<&str>) {
        (&self.file, self.line, self.path.as_deref())
    }
}

impl PartialEq for Origin {
    fn eq(&self, other: &Self) -> bool {
        self.place() == other.place()
    }
}

impl Eq for Origin {}

impl PartialOrd for Origin {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Origin {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.place().cmp(&other.place())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(p) = &self.path {
            write!(f, " ({p})")?;
        }
        Ok(())
    }
}

/// All objects of the cluster. Maps are ordered so that every view derived
/// from them is deterministic.
#[derive(Debug, Clone, Default)]
pub struct Objects {
    pub namespaces: BTreeMap<String, Namespace>,
    pub nodes: BTreeMap<String, Node>,
    pub services: BTreeMap<NsName, Service>,
    /// Boxed: a big cluster has many pods, and B-tree nodes move their
    /// values around on every insert.
    pub pods: BTreeMap<NsName, Arc<Pod>>,
    /// Keyed by namespace/name within each kind.
    pub workloads: BTreeMap<(String, NsName), Workload>,
    /// Namespace → the (kind, name) of its workloads: a namespace's
    /// workloads without a walk over all of them.
    workloads_by_ns: BTreeMap<String, BTreeSet<(String, String)>>,
    /// Namespace → template label key → value → the (kind, name) of the
    /// workloads whose pod template carries that label: the templates a
    /// selector can match, where every Service refresh once walked its
    /// namespace's templates.
    template_labels: FastMap<String, TemplateIndex>,
    pub endpoints: BTreeMap<NsName, Endpoints>,
    pub endpoint_slices: BTreeMap<NsName, EndpointSlice>,
    /// Looked up, never listed in order: a hash map.
    pub origins: FastMap<ObjectKey, Origin>,
}

pub use crate::model::DEFAULT_NAMESPACE;

impl Objects {
    /// Adds or replaces an object; returns the object it replaced.
    pub fn apply(&mut self, mut obj: Object, origin: Origin) -> Option<Object> {
        obj.default_namespace();
        let key = ObjectKey::of(&obj);
        self.origins.insert(key, origin);
        let ns_name = NsName::of(obj.metadata());
        match obj {
            Object::Namespace(o) => self
                .namespaces
                .insert(o.metadata.name.clone(), *o)
                .map(|o| Object::Namespace(o.into())),
            Object::Node(o) => self
                .nodes
                .insert(o.metadata.name.clone(), *o)
                .map(|o| Object::Node(o.into())),
            Object::Service(o) => self
                .services
                .insert(ns_name, *o)
                .map(|o| Object::Service(o.into())),
            Object::Pod(o) => self.pods.insert(ns_name, o).map(Object::Pod),
            Object::Endpoints(o) => self
                .endpoints
                .insert(ns_name, *o)
                .map(|o| Object::Endpoints(o.into())),
            Object::EndpointSlice(o) => self
                .endpoint_slices
                .insert(ns_name, *o)
                .map(|o| Object::EndpointSlice(o.into())),
            Object::Workload(o) => {
                self.workloads_by_ns
                    .entry(ns_name.namespace.clone())
                    .or_default()
                    .insert((o.kind.clone(), ns_name.name.clone()));
                let key = (o.kind.clone(), ns_name);
                let old = self.workloads.insert(key.clone(), *o);
                if let Some(old) = &old {
                    index_template(&mut self.template_labels, old, &key.1, false);
                }
                if let Some(new) = self.workloads.get(&key) {
                    index_template(&mut self.template_labels, new, &key.1, true);
                }
                old.map(|o| Object::Workload(o.into()))
            }
        }
    }

    pub fn insert_pod(
        &mut self,
        key: ObjectKey,
        nn: NsName,
        pod: Arc<Pod>,
        origin: Origin,
    ) -> Option<Arc<Pod>> {
        self.origins.insert(key, origin);
        self.pods.insert(nn, pod)
    }

    /// Removes a pod, handing back the shared copy (no deep clone).
    pub fn remove_pod(&mut self, key: &ObjectKey) -> Option<Arc<Pod>> {
        self.origins.remove(key);
        self.pods.remove(&NsName::new(&key.namespace, &key.name))
    }

    /// Removes an object; returns it if it existed.
    pub fn delete(&mut self, key: &ObjectKey) -> Option<Object> {
        self.origins.remove(key);
        let nn = NsName::new(&key.namespace, &key.name);
        match key.kind.as_str() {
            "Namespace" => self
                .namespaces
                .remove(&key.name)
                .map(|o| Object::Namespace(o.into())),
            "Node" => self.nodes.remove(&key.name).map(|o| Object::Node(o.into())),
            "Service" => self.services.remove(&nn).map(|o| Object::Service(o.into())),
            "Pod" => self.pods.remove(&nn).map(Object::Pod),
            "Endpoints" => self
                .endpoints
                .remove(&nn)
                .map(|o| Object::Endpoints(o.into())),
            "EndpointSlice" => self
                .endpoint_slices
                .remove(&nn)
                .map(|o| Object::EndpointSlice(o.into())),
            k => {
                if let Some(set) = self.workloads_by_ns.get_mut(&nn.namespace) {
                    set.remove(&(k.to_string(), nn.name.clone()));
                    if set.is_empty() {
                        self.workloads_by_ns.remove(&nn.namespace);
                    }
                }
                let old = self.workloads.remove(&(k.to_string(), nn.clone()))?;
                index_template(&mut self.template_labels, &old, &nn, false);
                Some(Object::Workload(old.into()))
            }
        }
    }

    /// Whether the cluster holds exactly `obj` (namespace defaulted) under
    /// its key, as given.
    pub fn holds(&self, obj: &Object) -> bool {
        let nn = NsName::of(obj.metadata());
        match obj {
            Object::Namespace(o) => self.namespaces.get(&o.metadata.name) == Some(&**o),
            Object::Node(o) => self.nodes.get(&o.metadata.name) == Some(&**o),
            Object::Service(o) => self.services.get(&nn) == Some(&**o),
            Object::Pod(o) => self.pods.get(&nn).is_some_and(|p| **p == **o),
            Object::Endpoints(o) => self.endpoints.get(&nn) == Some(&**o),
            Object::EndpointSlice(o) => self.endpoint_slices.get(&nn) == Some(&**o),
            Object::Workload(o) => self.workloads.get(&(o.kind.clone(), nn)) == Some(&**o),
        }
    }

    pub fn origin(&self, key: &ObjectKey) -> Option<&Origin> {
        self.origins.get(key)
    }

    /// Pods of one namespace, in name order.
    pub fn pods_in<'a>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a NsName, &'a Pod)> + 'a {
        self.pods
            .range(NsName::new(namespace, "")..)
            .take_while(move |(k, _)| k.namespace == namespace)
            .map(|(k, p)| (k, &**p))
    }

    /// Whether some workload's pod template in `namespace` matches
    /// `selector`. Only the templates carrying the label of one of its
    /// equality requirements are tried, when it has one. A Service's
    /// diagnostics then name that workload (`explain::no_match`) or say
    /// nothing of templates (`explain::misses_workload`), never its near
    /// misses: the engine ranks those only when this is false.
    pub fn selects_a_template(&self, selector: &Selector, namespace: &str) -> bool {
        let equality =
            selector
                .requirements()
                .iter()
                .find_map(|r| match (&r.operator, r.values.as_slice()) {
                    (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => {
                        Some((&r.key, v))
                    }
                    _ => None,
                });
        let Some((key, value)) = equality else {
            return self
                .workloads_in(namespace)
                .any(|w| selector.matches(&w.template.metadata.labels));
        };
        let carrying = self
            .template_labels
            .get(namespace)
            .and_then(|keys| keys.get(key.as_str()))
            .and_then(|values| values.get(value.as_str()));
        carrying.into_iter().flatten().any(|(kind, name)| {
            self.workloads
                .get(&(kind.clone(), NsName::new(namespace, name)))
                .is_some_and(|w| selector.matches(&w.template.metadata.labels))
        })
    }

    /// Workloads of one namespace, by kind then name, found through the
    /// namespace's own list (never a walk over every workload).
    pub fn workloads_in<'a>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Workload> + 'a {
        // One range of `workloads` per kind the namespace has (its list is
        // ordered by kind), not one key built per workload: every Service
        // refresh walks its namespace's templates.
        let mut kinds: Vec<&'a str> = Vec::new();
        for (kind, _) in self.workloads_by_ns.get(namespace).into_iter().flatten() {
            if kinds.last() != Some(&kind.as_str()) {
                kinds.push(kind);
            }
        }
        kinds.into_iter().flat_map(move |kind| {
            self.workloads
                .range((kind.to_string(), NsName::new(namespace, ""))..)
                .take_while(move |((k, nn), _)| k == kind && nn.namespace == namespace)
                .map(|(_, w)| w)
        })
    }
}

/// Label key → value → the (kind, name) of the workloads whose template
/// carries it, in one namespace.
type TemplateIndex = FastMap<String, FastMap<String, BTreeSet<(String, String)>>>;

/// Adds a workload's template labels to the index, or takes them out.
fn index_template(
    index: &mut FastMap<String, TemplateIndex>,
    w: &Workload,
    nn: &NsName,
    add: bool,
) {
    let entry = (w.kind.clone(), nn.name.clone());
    for (k, v) in &w.template.metadata.labels {
        if add {
            index
                .entry(nn.namespace.clone())
                .or_default()
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .insert(entry.clone());
            continue;
        }
        let Some(keys) = index.get_mut(&nn.namespace) else {
            return;
        };
        if let Some(values) = keys.get_mut(k) {
            if let Some(set) = values.get_mut(v) {
                set.remove(&entry);
                if set.is_empty() {
                    values.remove(v);
                }
            }
            if values.is_empty() {
                keys.remove(k);
            }
        }
        if keys.is_empty() {
            index.remove(&nn.namespace);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ns: Option<&str>, name: &str) -> Object {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        p.metadata.namespace = ns.map(String::from);
        Object::Pod(p.into())
    }

    #[test]
    fn apply_defaults_namespace_and_replaces() {
        let mut c = Objects::default();
        assert!(c.apply(pod(None, "a"), Origin::default()).is_none());
        assert!(c.pods.contains_key(&NsName::new("default", "a")));
        assert!(c
            .apply(pod(Some("default"), "a"), Origin::default())
            .is_some());
        assert_eq!(c.pods.len(), 1);
    }

    #[test]
    fn pods_in_namespace_are_scoped() {
        let mut c = Objects::default();
        for (ns, n) in [("a", "x"), ("ab", "y"), ("a", "z"), ("b", "w")] {
            c.apply(pod(Some(ns), n), Origin::default());
        }
        let names: Vec<_> = c.pods_in("a").map(|(k, _)| k.name.as_str()).collect();
        assert_eq!(names, ["x", "z"]);
    }

    #[test]
    fn workloads_in_namespace_come_from_its_own_list() {
        let mut c = Objects::default();
        let w = |kind: &str, ns: &str, name: &str| {
            let mut w = Workload {
                kind: kind.into(),
                ..Default::default()
            };
            w.metadata.name = name.into();
            w.metadata.namespace = Some(ns.into());
            Object::Workload(w.into())
        };
        for (k, ns, n) in [
            ("StatefulSet", "a", "db"),
            ("Deployment", "a", "web"),
            ("Deployment", "b", "x"),
            ("Deployment", "a", "api"),
        ] {
            c.apply(w(k, ns, n), Origin::default());
        }
        let names = |c: &Objects| {
            c.workloads_in("a")
                .map(|w| format!("{}/{}", w.kind, w.metadata.name))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&c),
            ["Deployment/api", "Deployment/web", "StatefulSet/db"]
        );
        c.delete(&ObjectKey::new("Deployment", "a", "web"));
        assert_eq!(names(&c), ["Deployment/api", "StatefulSet/db"]);
        assert_eq!(c.workloads_in("c").count(), 0);
    }

    #[test]
    fn delete_removes() {
        let mut c = Objects::default();
        c.apply(pod(Some("a"), "x"), Origin::default());
        assert!(c.delete(&ObjectKey::new("Pod", "a", "x")).is_some());
        assert!(c.pods.is_empty() && c.origins.is_empty());
    }

    #[test]
    fn ns_name_parse() {
        assert_eq!(NsName::parse("x"), Some(NsName::new("default", "x")));
        assert_eq!(NsName::parse("a/b"), Some(NsName::new("a", "b")));
        assert_eq!(NsName::parse("a/b/c"), None);
        assert_eq!(NsName::parse("/b"), None);
    }

    #[test]
    fn a_selector_finds_templates_as_they_are_now() {
        let mut c = Objects::default();
        let w = |name: &str, labels: &[(&str, &str)]| {
            let mut w = Workload {
                kind: "Deployment".into(),
                ..Default::default()
            };
            w.metadata.name = name.into();
            w.metadata.namespace = Some("a".into());
            for (k, v) in labels {
                w.template
                    .metadata
                    .labels
                    .insert(k.to_string(), v.to_string());
            }
            Object::Workload(w.into())
        };
        let sel = |s: &str| s.parse::<Selector>().expect("a selector");
        let finds = |c: &Objects, s: &str| c.selects_a_template(&sel(s), "a");
        c.apply(
            w("web", &[("app", "web"), ("tier", "fe")]),
            Origin::default(),
        );
        c.apply(w("api", &[("app", "api")]), Origin::default());
        assert!(finds(&c, "app=web,tier=fe"));
        assert!(finds(&c, "app in (api)"));
        assert!(!finds(&c, "app=web,tier=be"));
        assert!(!c.selects_a_template(&sel("app=web"), "b"));
        // Without an equality requirement every template is tried.
        assert!(finds(&c, "tier,app notin (api)"));
        assert!(finds(&c, "app in (api,web)"));
        // A replaced template answers with its new labels only, those it
        // kept included.
        c.apply(w("web", &[("app", "web")]), Origin::default());
        assert!(finds(&c, "app=web"));
        assert!(!finds(&c, "app=web,tier=fe"));
        c.apply(w("web", &[("app", "www")]), Origin::default());
        assert!(!finds(&c, "app=web"));
        assert!(finds(&c, "app=www"));
        c.delete(&ObjectKey::new("Deployment", "a", "web"));
        assert!(!finds(&c, "app=www"));
        assert!(finds(&c, "app=api"));
    }
}
