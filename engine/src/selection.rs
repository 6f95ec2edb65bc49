//! Which pods a Service selects, and why the others are not selected.
//!
//! As the endpoints controller does, a Service only ever selects pods of its
//! own namespace, and a Service without a selector (or with an empty one)
//! selects nothing: its endpoints are managed by hand. The engine keeps the
//! selected sets up to date; this module owns the selector a Service stands
//! for, the "why not" explanations, and the near misses: the pods and pod
//! templates a selector was probably meant to match ([`near_misses`]).

use crate::hash::FastMap;
use crate::model::{Pod, Service, Workload};
use crate::objects::{NsName, ObjectRef, PodSet};
use crate::select::{Labels, Operator, Requirement, Selector};
use crate::similar::{self, Slip};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The pods of one namespace by label: key → value → pods (the engine's
/// label index).
pub type LabelIndex = FastMap<String, FastMap<String, PodSet>>;

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
        crate::order::sort(&mut names);
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
    crate::order::sort_by(&mut out, |a, b| a.examples.first().cmp(&b.examples.first()));
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
            crate::order::sort(&mut pods);
            NotSelected {
                requirement: reqs[i].to_string(),
                reason: why_failed(&reqs[i], labels),
                pods,
            }
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| a.pods.first().cmp(&b.pods.first()));
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

/// How an object's labels stand to one requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    Match,
    /// Not met, but a slip away: the object has `key=value` (the key, the
    /// value or both a slip from what the requirement names).
    Near {
        key: String,
        value: String,
        slip: Slip,
    },
    /// The object has neither the key nor one close to it.
    Missing,
    /// The object has the key, with a value no slip explains (or the
    /// requirement is one no slip can explain: `!=`, `notin`, `>` …).
    Differs,
}

/// A pod or pod template whose labels come close to a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    /// The pod, or the workload whose pod template it is.
    pub object: ObjectRef,
    /// The workload's `spec.replicas` (`None` for a pod, and for a
    /// workload that does not say).
    pub replicas: Option<i32>,
    pub labels: Labels,
    /// One per requirement of the selector, in its order.
    pub fits: Vec<Fit>,
}

impl NearMiss {
    pub fn is_template(&self) -> bool {
        self.object.kind != "Pod"
    }

    /// The pod, or the workload's pod template, in words.
    pub fn name(&self) -> String {
        if self.is_template() {
            format!(
                "the pod template of {} {}",
                self.object.kind, self.object.name
            )
        } else {
            format!("pod {}", self.object.name)
        }
    }

    /// [`NearMiss::name`], with the workload's replicas.
    pub fn describe(&self) -> String {
        match (self.is_template(), self.replicas) {
            (false, _) => format!("pod {}", self.object.name),
            (true, Some(r)) => format!(
                "the pod template of {} {} (replicas: {r})",
                self.object.kind, self.object.name
            ),
            (true, None) => format!(
                "the pod template of {} {}",
                self.object.kind, self.object.name
            ),
        }
    }

    /// The requirements it fails beyond a slip.
    pub fn misses(&self) -> usize {
        self.fits
            .iter()
            .filter(|f| matches!(f, Fit::Missing | Fit::Differs))
            .count()
    }

    /// The slips, with the requirement each is of.
    pub fn slips<'a>(
        &'a self,
        reqs: &'a [Requirement],
    ) -> impl Iterator<Item = (&'a Requirement, &'a str, &'a str, Slip)> + 'a {
        reqs.iter().zip(&self.fits).filter_map(|(r, f)| match f {
            Fit::Near { key, value, slip } => Some((r, key.as_str(), value.as_str(), *slip)),
            _ => None,
        })
    }

    /// Every requirement met or a slip away, and some a slip: what a "did
    /// you mean" can name.
    pub fn is_slip(&self) -> bool {
        self.misses() == 0 && self.fits.iter().any(|f| matches!(f, Fit::Near { .. }))
    }
}

/// The order of near misses, closest first: fewest requirements failed
/// beyond a slip (a value that differs worse than a key that is missing),
/// then the mildest and fewest slips, pods before templates, then by name.
type Rank<'a> = (usize, usize, Option<Slip>, usize, bool, &'a str);

fn rank<'a>(fits: &[Fit], template: bool, name: &'a str) -> Rank<'a> {
    let misses = fits
        .iter()
        .filter(|f| matches!(f, Fit::Missing | Fit::Differs))
        .count();
    let differs = fits.iter().filter(|f| **f == Fit::Differs).count();
    let slips = fits.iter().filter_map(|f| match f {
        Fit::Near { slip, .. } => Some(*slip),
        _ => None,
    });
    let worst = slips.clone().max();
    (misses, differs, worst, slips.count(), template, name)
}

/// How `labels` stand to `req`. A key or a value the requirement names is
/// taken as the thing typed, the labels as what exists.
pub fn fit(req: &Requirement, labels: &Labels) -> Fit {
    if req.matches(labels) {
        return Fit::Match;
    }
    let wants_value = match req.operator {
        Operator::Equals | Operator::DoubleEquals | Operator::In => true,
        Operator::Exists => false,
        _ => return Fit::Differs,
    };
    // The value's slip, if any (none needed for `Exists`).
    let value_slip = |v: &str| -> Option<Option<Slip>> {
        if !wants_value {
            return Some(None);
        }
        if req.values.iter().any(|w| w == v) {
            return Some(None);
        }
        req.values
            .iter()
            .filter_map(|w| similar::compare(w, v))
            .min()
            .map(Some)
    };
    let mut best: Option<(Slip, &str, &str)> = None;
    for (k, v) in labels {
        let key_slip = if *k == req.key {
            None
        } else {
            match similar::compare(&req.key, k) {
                Some(s) => Some(s),
                None => continue,
            }
        };
        let Some(vs) = value_slip(v) else { continue };
        let slip = match (key_slip, vs) {
            (Some(a), Some(b)) => a.and(b),
            (Some(s), None) | (None, Some(s)) => s,
            // The key and value as required: `matches` said no already.
            (None, None) => continue,
        };
        if best.is_none_or(|(b, _, _)| slip < b) {
            best = Some((slip, k, v));
        }
    }
    match best {
        Some((slip, key, value)) => Fit::Near {
            key: key.to_string(),
            value: value.to_string(),
            slip,
        },
        None if labels.contains_key(&req.key) => Fit::Differs,
        None => Fit::Missing,
    }
}

/// Whether an object with `labels` is a candidate of [`near_misses`]:
/// some requirement's key and value (or key alone for `Exists`) it carries
/// exactly or a slip away. Unrelated pods are never "closest", and the
/// engine refreshes a Service's near misses only when a candidate changes.
pub fn concerns(selector: &Selector, labels: &Labels) -> bool {
    labels
        .iter()
        .any(|(k, v)| label_concerns(selector.requirements(), k, v))
}

/// Whether one label `k=v` makes an object a candidate of [`concerns`].
fn label_concerns(reqs: &[Requirement], k: &str, v: &str) -> bool {
    reqs.iter().any(|r| {
        let values = match r.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In => Some(&r.values),
            Operator::Exists => None,
            _ => return false,
        };
        (k == r.key || similar::compare(&r.key, k).is_some())
            && values.is_none_or(|ws| {
                ws.iter()
                    .any(|w| w == v || similar::compare(w, v).is_some())
            })
    })
}

/// The pods (found through the namespace's label `index`, terminal ones
/// left out: they never serve) and pod `templates` that `selector` does
/// not match but comes close to, closest first, at most `limit`. Only
/// objects [`concerns`] admits are looked at, so the cost follows the
/// pods that share a label with the selector, not the namespace.
pub fn near_misses<'a>(
    selector: &Selector,
    namespace: &str,
    index: Option<&LabelIndex>,
    templates: impl IntoIterator<Item = &'a Workload>,
    limit: usize,
) -> Vec<NearMiss> {
    let reqs = selector.requirements();
    // Judging a pod clones its labels and fits every requirement, and a
    // typo'd value among many similar ones (`paymnets-7` among
    // `payments-1` … `payments-1999`), or a value every pod has
    // (`tier=backend`), can make thousands of pods candidates. So each
    // requirement offers at most `per_requirement` pods, from its closest
    // values first (by value, then pod name): a pod close on several
    // requirements is offered by each of them, and those close on one
    // only are alike.
    let per_requirement = limit.saturating_mul(8).max(32);
    let mut pods: BTreeMap<&str, &Arc<Pod>> = BTreeMap::new();
    for r in reqs {
        let values = match r.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In => Some(&r.values),
            Operator::Exists => None,
            _ => continue,
        };
        let keys = index.into_iter().flatten().filter_map(|(k, by_value)| {
            if *k == r.key {
                Some((None, by_value))
            } else {
                similar::compare(&r.key, k).map(|s| (Some(s), by_value))
            }
        });
        let mut close: Vec<(Option<Slip>, &str, &PodSet)> = Vec::new();
        for (key_slip, by_value) in keys {
            for (v, set) in by_value {
                let value_slip = match values {
                    None => None,
                    Some(ws) if ws.iter().any(|w| w == v) => None,
                    Some(ws) => match ws.iter().filter_map(|w| similar::compare(w, v)).min() {
                        Some(s) => Some(s),
                        None => continue,
                    },
                };
                let slip = match (key_slip, value_slip) {
                    (Some(a), Some(b)) => Some(a.and(b)),
                    (a, b) => a.or(b),
                };
                close.push((slip, v, set));
            }
        }
        crate::order::sort_by(&mut close, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let offered = close
            .into_iter()
            .flat_map(|(_, _, set)| set.iter())
            .filter(|(_, p)| !p.is_terminal())
            .take(per_requirement);
        pods.extend(offered.map(|(n, p)| (&**n, p)));
    }
    // Candidates are judged and ranked in place; only the `limit` closest
    // are copied out (a Service's namespace can hold hundreds of close
    // templates, and every refresh looks at them).
    struct Candidate<'a> {
        kind: &'a str,
        name: &'a str,
        replicas: Option<i32>,
        labels: &'a Labels,
        fits: Vec<Fit>,
    }
    fn judge<'l>(
        reqs: &[Requirement],
        kind: &'l str,
        name: &'l str,
        replicas: Option<i32>,
        labels: &'l Labels,
    ) -> Option<Candidate<'l>> {
        let fits: Vec<Fit> = reqs.iter().map(|r| fit(r, labels)).collect();
        // A template that matches is not a near miss.
        (!fits.iter().all(|f| *f == Fit::Match)).then_some(Candidate {
            kind,
            name,
            replicas,
            labels,
            fits,
        })
    }
    let mut judged: FastMap<(&str, &str), bool> = FastMap::default();
    let mut out: Vec<Candidate> = pods
        .into_iter()
        .filter_map(|(n, p)| judge(reqs, "Pod", n, None, &p.metadata.labels))
        .chain(
            templates
                .into_iter()
                .filter(|w| {
                    // Templates repeat their labels (a Deployment's and its
                    // ReplicaSets'): each label is judged once per call.
                    w.template.metadata.labels.iter().any(|(k, v)| {
                        *judged
                            .entry((k.as_str(), v.as_str()))
                            .or_insert_with(|| label_concerns(reqs, k, v))
                    })
                })
                .filter_map(|w| {
                    judge(
                        reqs,
                        &w.kind,
                        &w.metadata.name,
                        w.replicas,
                        &w.template.metadata.labels,
                    )
                }),
        )
        .collect();
    crate::order::sort_by(&mut out, |a, b| {
        rank(&a.fits, a.kind != "Pod", a.name).cmp(&rank(&b.fits, b.kind != "Pod", b.name))
    });
    out.truncate(limit);
    out.into_iter()
        .map(|c| NearMiss {
            object: ObjectRef::new(c.kind, namespace, c.name),
            replicas: c.replicas,
            labels: c.labels.clone(),
            fits: c.fits,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, labels: &[(&str, &str)]) -> (NsName, Pod) {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        p.metadata.labels = Labels::of(labels);
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
            prop::collection::btree_map("[ab]", "[xyz]", 0..3).prop_map(Labels::from)
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
                let sel = Selector::from_map(&selector.into());
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
    fn fits_say_how_labels_stand_to_a_requirement() {
        let near = |k: &str, v: &str, slip| Fit::Near {
            key: k.into(),
            value: v.into(),
            slip,
        };
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Fit);
        let cases: &[Case] = &[
            ("app=payments", &[("app", "payments")], Fit::Match),
            (
                "app=paymnets",
                &[("app", "payments")],
                near("app", "payments", Slip::Edits(1)),
            ),
            (
                "app=MyApp",
                &[("app", "myapp")],
                near("app", "myapp", Slip::Case),
            ),
            (
                "tiers=web",
                &[("tier", "web")],
                near("tier", "web", Slip::Plural),
            ),
            // Two characters are too short for an edit to be a slip.
            ("ap=web", &[("app", "web")], Fit::Missing),
            ("App=Web", &[("app", "web")], near("app", "web", Slip::Case)),
            // Key and value both off: the slips add up.
            (
                "tire=bakend",
                &[("tier", "backend")],
                near("tier", "backend", Slip::Edits(2)),
            ),
            // The exact key with a far value loses to a near key with the
            // value asked for.
            (
                "app=web",
                &[("app", "db"), ("apps", "web")],
                near("apps", "web", Slip::Plural),
            ),
            ("app=web", &[("app", "api")], Fit::Differs),
            ("app=web", &[("tier", "web")], Fit::Missing),
            (
                "app in (web,api)",
                &[("app", "apis")],
                near("app", "apis", Slip::Plural),
            ),
            ("tier", &[("teir", "x")], near("teir", "x", Slip::Edits(1))),
            // Requirements no slip explains.
            ("app!=web", &[("app", "web")], Fit::Differs),
            ("!app", &[("app", "web")], Fit::Differs),
            ("n>5", &[("n", "3")], Fit::Differs),
        ];
        for (sel, have, want) in cases {
            let s = Selector::parse(sel).unwrap();
            assert_eq!(
                fit(&s.requirements()[0], &Labels::of(have)),
                *want,
                "{sel} vs {have:?}"
            );
        }
    }

    fn index(pods: &[(&str, &[(&str, &str)])]) -> LabelIndex {
        let mut ix = LabelIndex::default();
        for (name, ls) in pods {
            let (_, p) = pod(name, ls);
            let p = Arc::new(p);
            for (k, v) in ls.iter() {
                ix.entry(k.to_string())
                    .or_default()
                    .entry(v.to_string())
                    .or_default()
                    .insert(Arc::from(*name), Arc::clone(&p));
            }
        }
        ix
    }

    fn names(found: &[NearMiss]) -> Vec<&str> {
        found.iter().map(|n| n.object.name.as_str()).collect()
    }

    #[test]
    fn near_misses_come_from_the_index_closest_first() {
        let ix = index(&[
            ("payments-1", &[("app", "payments")]),
            ("payments-2", &[("app", "Payments")]),
            ("checkout-1", &[("app", "checkout")]),
            ("cache", &[("role", "cache")]),
        ]);
        let sel = Selector::parse("app=paymnets").unwrap();
        let found = near_misses(&sel, "shop", Some(&ix), [], 3);
        // Unrelated pods are no candidates; both values are one edit from
        // "paymnets" (case aside): equal slips go by name.
        assert_eq!(names(&found), ["payments-1", "payments-2"]);
        assert!(found[0].is_slip());
        let sel = Selector::parse("app=payments,tier=web").unwrap();
        let ix = index(&[
            ("a-both-off", &[("app", "paymnets"), ("tier", "wbe")]),
            ("b-one-off", &[("app", "payments"), ("tier", "Web")]),
            ("c-no-tier", &[("app", "payments")]),
            ("d-other-tier", &[("app", "payments"), ("tier", "db")]),
            ("e-only-tier", &[("app", "shop"), ("tier", "web")]),
        ]);
        let found = near_misses(&sel, "shop", Some(&ix), [], 10);
        // Slips only (mildest first), then a missing key, then a value that
        // differs, then a pod that matches one requirement of two with the
        // other value off.
        assert_eq!(
            names(&found),
            [
                "b-one-off",
                "a-both-off",
                "c-no-tier",
                "d-other-tier",
                "e-only-tier"
            ]
        );
        assert_eq!(
            names(&near_misses(&sel, "shop", Some(&ix), [], 2)),
            ["b-one-off", "a-both-off"]
        );
        // The same answer whatever the order things were indexed in.
        assert_eq!(found, near_misses(&sel, "shop", Some(&ix.clone()), [], 10));
    }

    #[test]
    fn a_value_every_pod_has_does_not_crowd_out_the_slip() {
        // 500 pods with tier=backend exactly and another app, one with the
        // app a slip away: that one is found, though its name sorts last.
        let names_: Vec<String> = (0..500).map(|i| format!("a-{i:03}")).collect();
        let mut pods: Vec<(&str, &[(&str, &str)])> = names_
            .iter()
            .map(|n| (n.as_str(), &[("app", "checkout"), ("tier", "backend")][..]))
            .collect();
        pods.push(("z-payments", &[("app", "payments"), ("tier", "backend")]));
        let ix = index(&pods);
        let sel = Selector::parse("app=paymnets,tier=backend").unwrap();
        let found = near_misses(&sel, "shop", Some(&ix), [], 3);
        assert_eq!(names(&found)[0], "z-payments");
        assert!(found[0].is_slip());
    }

    #[test]
    fn templates_are_near_misses_too_and_pods_go_first() {
        let w = |name: &str, ls: &[(&str, &str)]| {
            let mut w = Workload {
                kind: "Deployment".into(),
                replicas: Some(3),
                ..Default::default()
            };
            w.metadata.name = name.into();
            w.template.metadata.labels = Labels::of(ls);
            w
        };
        let ws = [
            w("workers", &[("app", "workers")]),
            w("db", &[("app", "db")]),
            w("worker", &[("app", "worker")]),
        ];
        let sel = Selector::parse("app=worker").unwrap();
        // A template that matches is none; an unrelated one neither.
        let found = near_misses(&sel, "jobs", None, &ws, 3);
        assert_eq!(names(&found), ["workers"]);
        assert_eq!(
            found[0].describe(),
            "the pod template of Deployment workers (replicas: 3)"
        );
        let ix = index(&[("workers-x", &[("app", "workers")])]);
        let found = near_misses(&sel, "jobs", Some(&ix), &ws, 3);
        assert_eq!(names(&found), ["workers-x", "workers"]);
    }

    #[test]
    fn concerns_only_labels_near_a_requirement() {
        let sel = Selector::parse("app=payments,tier!=db").unwrap();
        assert!(concerns(&sel, &Labels::of(&[("app", "paymnets")])));
        assert!(concerns(&sel, &Labels::of(&[("apps", "payments")])));
        assert!(!concerns(&sel, &Labels::of(&[("app", "checkout")])));
        // Negative requirements never make a candidate.
        assert!(!concerns(&sel, &Labels::of(&[("tier", "web")])));
        assert!(!concerns(&sel, &Labels::of(&[])));
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
