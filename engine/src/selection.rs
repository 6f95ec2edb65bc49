//! Which pods each Service selects, per namespace, and for every pod of the
//! namespace that it does not select, the first requirement that failed.
//!
//! As the endpoints controller does, a Service only ever selects pods of its
//! own namespace, and a Service without a selector (or with an empty one)
//! selects nothing: its endpoints are managed by hand.

use crate::cluster::{Cluster, NsName};
use crate::model::{Pod, Service};
use crate::select::{Labels, Operator, Requirement, Selector};
use serde::Serialize;
use std::collections::HashMap;

/// The pods a Service selects, and why the others are not selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub service: NsName,
    /// The selector in kubectl syntax; `None` for a selectorless Service.
    pub selector: Option<String>,
    /// Selected pod names (same namespace), sorted.
    pub selected: Vec<String>,
    /// Pods of the namespace that are not selected, sorted by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_selected: Vec<NotSelected>,
}

/// Why one pod is not selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotSelected {
    pub pod: String,
    /// The first requirement (in key order) that the pod's labels fail.
    pub requirement: String,
    pub reason: String,
}

/// The selector the endpoints controller uses for a Service: `None` when it
/// does not manage the Service's endpoints (no selector, or an empty one).
pub fn service_selector(svc: &Service) -> Option<Selector> {
    svc.spec
        .selector
        .as_ref()
        .filter(|m| !m.is_empty())
        .map(Selector::from_map)
}

/// An index of pods by (namespace, label key, label value), so a Service
/// finds its candidates without scanning the namespace.
#[derive(Debug, Default)]
pub struct PodIndex<'a> {
    /// namespace → label key → label value → pods.
    by_label: HashMap<&'a str, HashMap<&'a str, HashMap<&'a str, Vec<&'a NsName>>>>,
}

impl<'a> PodIndex<'a> {
    pub fn new(pods: impl IntoIterator<Item = (&'a NsName, &'a Pod)>) -> Self {
        let mut by_label: HashMap<&str, HashMap<&str, HashMap<&str, Vec<&NsName>>>> =
            HashMap::new();
        for (key, pod) in pods {
            let ns = by_label.entry(key.namespace.as_str()).or_default();
            for (k, v) in &pod.metadata.labels {
                ns.entry(k.as_str())
                    .or_default()
                    .entry(v.as_str())
                    .or_default()
                    .push(key);
            }
        }
        PodIndex { by_label }
    }

    /// Pods carrying label `k=v` in `namespace` (in name order).
    pub fn with_label(&self, namespace: &str, k: &str, v: &str) -> &[&'a NsName] {
        self.by_label
            .get(namespace)
            .and_then(|m| m.get(k))
            .and_then(|m| m.get(v))
            .map_or(&[], Vec::as_slice)
    }
}

/// The names of the pods of `namespace` that `selector` selects, sorted.
/// Service selectors are equality maps: the rarest `key=value` pair bounds
/// the candidates.
pub fn selected_pods(
    cluster: &Cluster,
    index: &PodIndex,
    namespace: &str,
    selector: &Selector,
) -> Vec<String> {
    let reqs = selector.requirements();
    let anchor = reqs
        .iter()
        .filter(|r| {
            matches!(
                r.operator,
                Operator::Equals | Operator::DoubleEquals | Operator::In
            ) && r.values.len() == 1
        })
        .map(|r| index.with_label(namespace, &r.key, &r.values[0]))
        .min_by_key(|c| c.len());
    match anchor {
        Some(candidates) => candidates
            .iter()
            .filter(|k| {
                cluster
                    .pods
                    .get(**k)
                    .is_some_and(|p| selector.matches(&p.metadata.labels))
            })
            .map(|k| k.name.clone())
            .collect(),
        None => cluster
            .pods_in(namespace)
            .filter(|(_, p)| selector.matches(&p.metadata.labels))
            .map(|(k, _)| k.name.clone())
            .collect(),
    }
}

/// The selection of one Service. With `why_not`, every unselected pod of
/// the namespace is listed with its first failing requirement.
pub fn select_for_service(
    cluster: &Cluster,
    index: &PodIndex,
    key: &NsName,
    svc: &Service,
    why_not: bool,
) -> Selection {
    let Some(selector) = service_selector(svc) else {
        return Selection {
            service: key.clone(),
            selector: None,
            selected: Vec::new(),
            not_selected: Vec::new(),
        };
    };
    let selected = selected_pods(cluster, index, &key.namespace, &selector);
    let mut not_selected = Vec::new();
    if why_not {
        for (pk, pod) in cluster.pods_in(&key.namespace) {
            if let Some(req) = selector.first_failure(&pod.metadata.labels) {
                not_selected.push(NotSelected {
                    pod: pk.name.clone(),
                    requirement: req.to_string(),
                    reason: why_failed(req, &pod.metadata.labels),
                });
            }
        }
    }
    Selection {
        service: key.clone(),
        selector: Some(selector.to_string()),
        selected,
        not_selected,
    }
}

/// A one-line reason why `labels` fail `req`.
pub fn why_failed(req: &Requirement, labels: &Labels) -> String {
    let key = &req.key;
    let value = labels.get(key);
    let values = || req.values.join(",");
    match (&req.operator, value) {
        (Operator::Equals | Operator::DoubleEquals | Operator::In | Operator::Exists, None) => {
            format!("pod has no label {key:?}")
        }
        (Operator::Equals | Operator::DoubleEquals, Some(v)) => {
            format!("label {key} is {v:?}, want {:?}", values())
        }
        (Operator::In, Some(v)) => format!("label {key} is {v:?}, not one of ({})", values()),
        (Operator::NotEquals | Operator::NotIn, Some(v)) => {
            format!("label {key} is {v:?}, which the selector excludes")
        }
        (Operator::DoesNotExist, Some(v)) => {
            format!("pod has label {key}={v:?}, which must be absent")
        }
        (Operator::GreaterThan | Operator::LessThan, None) => format!("pod has no label {key:?}"),
        (Operator::GreaterThan | Operator::LessThan, Some(v)) => {
            let cmp = if req.operator == Operator::GreaterThan {
                "greater"
            } else {
                "less"
            };
            if v.parse::<i64>().is_ok() {
                format!("label {key} is {v:?}, not {cmp} than {}", values())
            } else {
                format!("label {key} is {v:?}, not an integer")
            }
        }
        // Negative operators and `Exists` with a value never fail.
        _ => format!("requirement {req} fails"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Origin;
    use crate::model::Object;

    fn pod(ns: &str, name: &str, labels: &[(&str, &str)]) -> Object {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        p.metadata.namespace = Some(ns.into());
        p.metadata.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Object::Pod(p)
    }

    fn service(selector: Option<&[(&str, &str)]>) -> Service {
        let mut s = Service::default();
        s.spec.selector = selector.map(|sel| {
            sel.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        });
        s
    }

    fn cluster() -> Cluster {
        let mut c = Cluster::default();
        for o in [
            pod("shop", "web-1", &[("app", "web"), ("tier", "fe")]),
            pod("shop", "web-2", &[("app", "web")]),
            pod("shop", "api-1", &[("app", "api")]),
            pod("shop", "bare", &[]),
            pod("other", "web-x", &[("app", "web")]),
        ] {
            c.apply(o, Origin::default());
        }
        c
    }

    #[test]
    fn selects_in_namespace_only_with_why_not() {
        let c = cluster();
        let idx = PodIndex::new(&c.pods);
        let key = NsName::new("shop", "web");
        let sel = select_for_service(&c, &idx, &key, &service(Some(&[("app", "web")])), true);
        assert_eq!(sel.selected, ["web-1", "web-2"]);
        assert_eq!(sel.selector.as_deref(), Some("app=web"));
        let why: Vec<_> = sel
            .not_selected
            .iter()
            .map(|n| (n.pod.as_str(), n.reason.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                ("api-1", "label app is \"api\", want \"web\""),
                ("bare", "pod has no label \"app\"")
            ]
        );
    }

    #[test]
    fn selectorless_and_empty_select_nothing() {
        let c = cluster();
        let idx = PodIndex::new(&c.pods);
        let key = NsName::new("shop", "manual");
        for s in [service(None), service(Some(&[]))] {
            let sel = select_for_service(&c, &idx, &key, &s, true);
            assert!(sel.selected.is_empty() && sel.not_selected.is_empty());
            assert_eq!(sel.selector, None);
        }
    }

    #[test]
    fn every_requirement_must_hold() {
        let c = cluster();
        let idx = PodIndex::new(&c.pods);
        let key = NsName::new("shop", "fe");
        let sel = select_for_service(
            &c,
            &idx,
            &key,
            &service(Some(&[("app", "web"), ("tier", "fe")])),
            true,
        );
        assert_eq!(sel.selected, ["web-1"]);
        let web2 = sel.not_selected.iter().find(|n| n.pod == "web-2").unwrap();
        assert_eq!(web2.requirement, "tier=fe");
    }

    #[test]
    fn reasons_for_set_based_requirements() {
        let labels: Labels = [
            ("env".to_string(), "prod".to_string()),
            ("n".to_string(), "x".to_string()),
        ]
        .into();
        let s = Selector::parse("env notin (prod)").unwrap();
        assert!(why_failed(&s.requirements()[0], &labels).contains("excludes"));
        let s = Selector::parse("!env").unwrap();
        assert!(why_failed(&s.requirements()[0], &labels).contains("must be absent"));
        let s = Selector::parse("n>1").unwrap();
        assert!(why_failed(&s.requirements()[0], &labels).contains("not an integer"));
        let s = Selector::parse("env in (dev,qa)").unwrap();
        assert!(why_failed(&s.requirements()[0], &labels).contains("not one of (dev,qa)"));
    }
}
