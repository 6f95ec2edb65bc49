//! Which pods a Service selects, and why the others are not selected.
//!
//! As the endpoints controller does, a Service only ever selects pods of its
//! own namespace, and a Service without a selector (or with an empty one)
//! selects nothing: its endpoints are managed by hand. The engine keeps the
//! selected sets up to date; this module owns the selector a Service stands
//! for and the "why not" explanations.

use crate::hash::FastMap;
use crate::model::{Pod, Service};
use crate::objects::{NsName, PodSet};
use crate::select::{Labels, Operator, Requirement, Selector};
use serde::Serialize;
use std::collections::BTreeMap;

/// The pods a Service selects, and why the others are not selected.
/// Names are borrowed from the cluster: a whole cluster's selections list
/// millions of them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection<'a> {
    pub service: &'a NsName,
    /// The selector in kubectl syntax; `None` for a selectorless Service.
    pub selector: Option<String>,
    /// Selected pod names (same namespace), sorted.
    pub selected: Vec<&'a str>,
    /// The other pods of the namespace, grouped by why they are not
    /// selected.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_selected: Vec<NotSelected<'a>>,
}

/// Pods not selected for one reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotSelected<'a> {
    /// The first requirement (in key order) that the pods' labels fail.
    pub requirement: String,
    pub reason: String,
    /// Sorted pod names.
    pub pods: Vec<&'a str>,
}

/// Pods not selected for one reason, counted: what the whole view carries
/// for each Service, so that its size grows with the cluster, not with
/// Services × pods per namespace.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotSelectedSummary {
    pub requirement: String,
    pub reason: String,
    pub count: usize,
    /// The first pods in name order, at most [`WHY_NOT_EXAMPLES`].
    pub examples: Vec<String>,
}

/// How many examples a [`NotSelectedSummary`] names.
pub const WHY_NOT_EXAMPLES: usize = 3;

/// The selector the endpoints controller uses for a Service: `None` when it
/// does not manage the Service's endpoints (no selector, or an empty one,
/// which the apiserver stores as none).
pub fn service_selector(svc: &Service) -> Option<Selector> {
    svc.spec
        .selector
        .as_ref()
        .filter(|m| !m.is_empty())
        .map(Selector::from_map)
}

/// Why each pod that `selector` does not select fails it, grouped by
/// requirement and reason, groups in order of their first pod.
pub fn why_not<'a>(
    selector: &Selector,
    pods: impl IntoIterator<Item = (&'a NsName, &'a Pod)>,
) -> Vec<NotSelected<'a>> {
    let mut groups: Groups = BTreeMap::new();
    group_failures(
        selector.requirements(),
        0,
        pods.into_iter().map(|(k, p)| (k.name.as_str(), p)),
        &mut groups,
    );
    finish_groups(selector, groups)
}

/// [`why_not`] for a namespace whose pods are indexed by their value of
/// the selector's first key (`by_value`; `total` pods in the namespace).
/// The pods failing that first requirement come from the index, so only
/// the few that pass it have their labels read. `None` when the shortcut
/// does not apply (the first requirement is not an equality, or some pods
/// lack its key): use [`why_not`].
pub fn why_not_indexed<'a>(
    selector: &Selector,
    by_value: &'a FastMap<String, PodSet>,
    total: usize,
) -> Option<Vec<NotSelected<'a>>> {
    let reqs = selector.requirements();
    let first = reqs.first()?;
    let [want] = first.values.as_slice() else {
        return None;
    };
    if !matches!(first.operator, Operator::Equals | Operator::DoubleEquals)
        || by_value.values().map(PodSet::len).sum::<usize>() != total
    {
        return None;
    }
    let mut groups: Groups = BTreeMap::new();
    for (value, pods) in by_value {
        if value == want {
            continue;
        }
        if let Some(one) = pods.values().next() {
            groups.insert(
                (0, Some(value.as_str())),
                (&one.metadata.labels, pods.keys().map(|k| &**k).collect()),
            );
        }
    }
    if let Some(passing) = by_value.get(want) {
        let pods = passing.iter().map(|(k, p)| (&**k, &**p));
        group_failures(reqs, 1, pods, &mut groups);
    }
    Some(finish_groups(selector, groups))
}

/// The why-not of `selector` in a namespace as counts per reason, through
/// the label index (`by_value`: the namespace's pods by their value of the
/// selector's first key; `ns_pods`: every pod of the namespace in name
/// order; `total` of them), for selectors whose first requirement is an
/// equality, as every Service's is. Pods failing the first requirement are
/// counted from the index, not read: those lacking its key form one group,
/// those with another value one more (its reason names how many values);
/// only pods passing it have their labels read. `None` when the first
/// requirement is no equality: summarise [`why_not`] instead.
pub fn summary_indexed<'a>(
    selector: &Selector,
    by_value: Option<&'a FastMap<String, PodSet>>,
    mut ns_pods: impl Iterator<Item = (&'a NsName, &'a Pod)>,
    total: usize,
) -> Option<Vec<NotSelectedSummary>> {
    let reqs = selector.requirements();
    let first = reqs.first()?;
    let [want] = first.values.as_slice() else {
        return None;
    };
    if !matches!(first.operator, Operator::Equals | Operator::DoubleEquals) {
        return None;
    }
    let empty = FastMap::default();
    let by_value = by_value.unwrap_or(&empty);
    let mut out: Vec<NotSelectedSummary> = Vec::new();
    let with_key: usize = by_value.values().map(PodSet::len).sum();
    let missing = total.saturating_sub(with_key);
    if missing > 0 {
        let examples: Vec<&Pod> = ns_pods
            .by_ref()
            .filter(|(_, p)| !p.metadata.labels.contains_key(&first.key))
            .take(WHY_NOT_EXAMPLES)
            .map(|(_, p)| p)
            .collect();
        out.push(NotSelectedSummary {
            requirement: first.to_string(),
            reason: why_failed(
                first,
                examples
                    .first()
                    .map_or(&Labels::new(), |p| &p.metadata.labels),
            ),
            count: missing,
            examples: examples.iter().map(|p| p.metadata.name.clone()).collect(),
        });
    }
    // Other values: the smallest names of each value's pods, merged.
    let others: Vec<(&String, &PodSet)> = by_value.iter().filter(|(v, _)| *v != want).collect();
    if !others.is_empty() {
        let mut names: Vec<(&str, &String)> = others
            .iter()
            .flat_map(|(v, pods)| pods.keys().take(WHY_NOT_EXAMPLES).map(move |k| (&**k, *v)))
            .collect();
        names.sort();
        names.truncate(WHY_NOT_EXAMPLES);
        let count = others.iter().map(|(_, p)| p.len()).sum();
        let reason = match (others.as_slice(), names.first()) {
            ([(_, pods)], _) => {
                let labels = pods.values().next().map(|p| &p.metadata.labels);
                why_failed(first, labels.unwrap_or(&Labels::new()))
            }
            (_, Some((_, v))) => format!(
                "label {} has {} other values (e.g. {v:?}), want {want:?}",
                first.key,
                others.len()
            ),
            _ => String::new(),
        };
        out.push(NotSelectedSummary {
            requirement: first.to_string(),
            reason,
            count,
            examples: names.iter().map(|(n, _)| n.to_string()).collect(),
        });
    }
    // Pods passing the first requirement fail a later one, if any.
    if let Some(passing) = by_value.get(want) {
        let mut groups: Groups = BTreeMap::new();
        group_failures(
            reqs,
            1,
            passing.iter().map(|(k, p)| (&**k, &**p)),
            &mut groups,
        );
        out.extend(finish_groups(selector, groups).into_iter().map(summarize));
    }
    out.sort_by(|a, b| a.examples.first().cmp(&b.examples.first()));
    Some(out)
}

/// A why-not group as counts and examples.
pub fn summarize(g: NotSelected<'_>) -> NotSelectedSummary {
    NotSelectedSummary {
        requirement: g.requirement,
        reason: g.reason,
        count: g.pods.len(),
        examples: g
            .pods
            .iter()
            .take(WHY_NOT_EXAMPLES)
            .map(|p| p.to_string())
            .collect(),
    }
}

// The reason depends only on the failing requirement and the pod's value
// for its key, so that pair is the group: the texts are written once per
// group, not once per pod.
// (requirement index, the pod's value) → (labels of one such pod, pods).
type Groups<'l> = BTreeMap<(usize, Option<&'l str>), (&'l Labels, Vec<&'l str>)>;

/// Files each pod under the first requirement from `from` on it fails.
fn group_failures<'a>(
    reqs: &[Requirement],
    from: usize,
    pods: impl IntoIterator<Item = (&'a str, &'a Pod)>,
    groups: &mut Groups<'a>,
) {
    for (name, pod) in pods {
        let labels = &pod.metadata.labels;
        let Some(i) = reqs[from..].iter().position(|r| !r.matches(labels)) else {
            continue;
        };
        let i = from + i;
        let value = labels.get(&reqs[i].key).map(String::as_str);
        groups
            .entry((i, value))
            .or_insert_with(|| (labels, Vec::new()))
            .1
            .push(name);
    }
}

/// Groups as listed: worded, pods sorted, in order of their first pod.
fn finish_groups<'a>(selector: &Selector, groups: Groups<'a>) -> Vec<NotSelected<'a>> {
    let reqs = selector.requirements();
    let mut out: Vec<NotSelected> = groups
        .into_iter()
        .map(|((i, _), (labels, mut pods))| {
            pods.sort();
            NotSelected {
                requirement: reqs[i].to_string(),
                reason: why_failed(&reqs[i], labels),
                pods,
            }
        })
        .collect();
    out.sort_by(|a, b| a.pods.first().cmp(&b.pods.first()));
    out
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

    fn pod(name: &str, labels: &[(&str, &str)]) -> (NsName, Pod) {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        p.metadata.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (NsName::new("shop", name), p)
    }

    #[test]
    fn why_not_groups_by_reason() {
        let pods = [
            pod("web-1", &[("app", "web")]),
            pod("api-2", &[("app", "api")]),
            pod("api-1", &[("app", "api")]),
            pod("bare", &[]),
        ];
        let sel = Selector::parse("app=web").unwrap();
        let groups = why_not(&sel, pods.iter().map(|(k, p)| (k, p)));
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].pods, ["api-1", "api-2"]);
        assert_eq!(groups[0].reason, "label app is \"api\", want \"web\"");
        assert_eq!(groups[1].pods, ["bare"]);
        assert_eq!(groups[1].reason, "pod has no label \"app\"");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;
        use std::sync::Arc;

        fn labels() -> impl Strategy<Value = Labels> {
            prop::collection::btree_map("[ab]", "[xyz]", 0..3)
        }

        proptest! {
            /// The index shortcut lists exactly what the full scan lists
            /// (or declines).
            #[test]
            fn indexed_why_not_equals_the_scan(
                pods in prop::collection::vec(labels(), 0..12),
                selector in prop::collection::btree_map("[ab]", "[xyz]", 1..3),
            ) {
                let pods: Vec<(NsName, Pod)> = pods
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut p = Pod::default();
                        p.metadata.name = format!("p{i:02}");
                        p.metadata.labels = l;
                        (NsName::new("ns", &p.metadata.name), p)
                    })
                    .collect();
                let sel = Selector::from_map(&selector);
                let key = &sel.requirements()[0].key;
                let mut by_value: FastMap<String, PodSet> = FastMap::default();
                for (k, p) in &pods {
                    if let Some(v) = p.metadata.labels.get(key) {
                        by_value
                            .entry(v.clone())
                            .or_default()
                            .insert(Arc::from(k.name.as_str()), Arc::new(p.clone()));
                    }
                }
                let scan = why_not(&sel, pods.iter().map(|(k, p)| (k, p)));
                let all_have_key = pods.iter().all(|(_, p)| p.metadata.labels.contains_key(key));
                match why_not_indexed(&sel, &by_value, pods.len()) {
                    Some(fast) => {
                        prop_assert!(all_have_key);
                        prop_assert_eq!(&fast, &scan);
                    }
                    None => prop_assert!(!all_have_key),
                }
                // The counted summary says what the scan says, the first
                // requirement's wrong values counted as one reason.
                let counted = summary_indexed(
                    &sel,
                    (!by_value.is_empty()).then_some(&by_value),
                    pods.iter().map(|(k, p)| (k, p)),
                    pods.len(),
                )
                .expect("Service selectors are equalities");
                let first = sel.requirements()[0].to_string();
                let mut want: BTreeMap<(String, bool), Vec<&str>> = BTreeMap::new();
                for g in &scan {
                    // The first requirement's groups: missing key, or a value.
                    let class = g.requirement == first && !g.reason.starts_with("pod has no label");
                    let key = if g.requirement == first { (first.clone(), class) } else { (g.reason.clone(), false) };
                    want.entry(key).or_default().extend(g.pods.iter().copied());
                }
                prop_assert_eq!(counted.len(), want.len(), "{:?} vs {:?}", counted, scan);
                for c in &counted {
                    let pods = want
                        .iter()
                        .find(|((r, _), pods)| (r == &c.requirement || r == &c.reason) && pods.len() == c.count && {
                            let mut sorted = (*pods).clone();
                            sorted.sort();
                            sorted.iter().take(WHY_NOT_EXAMPLES).map(|p| p.to_string()).collect::<Vec<_>>() == c.examples
                        });
                    prop_assert!(pods.is_some(), "{:?} has no match in {:?}", c, want);
                }
                let not_selected: usize = scan.iter().map(|g| g.pods.len()).sum();
                prop_assert_eq!(counted.iter().map(|c| c.count).sum::<usize>(), not_selected);
            }
        }
    }

    #[test]
    fn selectorless_and_empty_select_nothing() {
        let mut s = Service::default();
        assert!(service_selector(&s).is_none());
        s.spec.selector = Some(Labels::new());
        assert!(service_selector(&s).is_none());
        s.spec.selector = Some([("app".to_string(), "x".to_string())].into());
        assert_eq!(service_selector(&s).unwrap().to_string(), "app=x");
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
        let s = Selector::parse("tier").unwrap();
        assert!(why_failed(&s.requirements()[0], &labels).contains("no label"));
    }
}
