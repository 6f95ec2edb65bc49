//! Diagnostics ("explain"): what is wrong with a Service or a pod, each
//! with a stable code, a severity, the objects involved and a one-line fix.
//!
//! Learned from the false positives users report in kube-linter, kube-score
//! and Popeye: a Service only ever selects pods of its own namespace;
//! ExternalName and selectorless Services are not "dangling"; a numeric
//! targetPort works whether or not a container declares it.

use crate::config::Config;
use crate::endpoints::{self, SliceSkip};
use crate::env::{self, Visibility};
use crate::field::{ObjectError, UnknownField};
use crate::hint::Hint;
use crate::model::*;
pub use crate::objects::ObjectRef;
use crate::objects::{NsName, Objects, PodSet};
use crate::select::{Operator, Requirement, Selector};
use crate::selection::{why_failed, Fit, NearMiss};
use crate::similar::{self, Slip};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use crate::field::Severity;

/// One finding.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// Stable, kebab-case; documented in the README.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Supporting facts, one line each.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// The object the finding is about first, then the others involved.
    pub objects: Vec<ObjectRef>,
    pub fix: String,
    /// What was probably meant, where a name looks mistyped.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Hint>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subject = self
            .objects
            .first()
            .map(|o| format!("{o}: "))
            .unwrap_or_default();
        writeln!(
            f,
            "{}[{}] {subject}{}",
            self.severity, self.code, self.message
        )?;
        for d in &self.details {
            writeln!(f, "  {d}")?;
        }
        for h in &self.hints {
            writeln!(f, "  hint: {h}")?;
        }
        write!(f, "  fix: {}", self.fix)
    }
}

/// The diagnostic codes, for documentation and tests.
pub const CODES: &[(&str, &str)] = &[
    ("unknown-field", "a field the object's kind does not have"),
    ("service-rejected", "the apiserver would reject the Service"),
    (
        "selector-matches-nothing",
        "the selector matches no pod of the namespace",
    ),
    (
        "selector-matches-only-templates",
        "only workload pod templates match; no pods exist",
    ),
    (
        "selector-misses-workload",
        "the selector matches pods, but a workload's template only by a slip",
    ),
    (
        "workload-selector-mismatch",
        "a workload's selector does not match its own pod template",
    ),
    (
        "target-port-name-not-found",
        "a named targetPort is not a port of a selected pod",
    ),
    (
        "target-port-not-declared",
        "a numeric targetPort is declared by no container",
    ),
    (
        "no-ready-endpoints",
        "pods are selected but none is ready to serve",
    ),
    (
        "no-endpoints",
        "a selectorless Service has no Endpoints or EndpointSlices",
    ),
    (
        "ports-collide",
        "two Service ports send traffic to the same pod port",
    ),
    (
        "node-port-out-of-range",
        "a nodePort lies outside the NodePort range",
    ),
    (
        "external-name-in-cluster",
        "an ExternalName points at a name inside the cluster",
    ),
    (
        "external-name-is-ip",
        "an ExternalName is an IP address, not a DNS name",
    ),
    (
        "manual-endpoints-overwritten",
        "hand-written Endpoints of a Service with a selector",
    ),
    (
        "pod-on-unknown-node",
        "a selected pod names a node the cluster does not have",
    ),
    (
        "env-service-created-after-pod",
        "a pod uses a Service's variables, but the Service is newer",
    ),
    (
        "env-service-missing",
        "a pod uses variables of a Service that does not exist",
    ),
    (
        "env-variable-unknown",
        "a $(VAR) reference names no variable, but one a slip away",
    ),
    (
        "env-service-links-disabled",
        "a pod uses service variables with enableServiceLinks off",
    ),
    (
        "env-service-has-no-variables",
        "a pod uses variables of a headless or ExternalName Service",
    ),
];

/// What the engine knows about one Service.
#[derive(Debug, Clone, Copy)]
pub struct ServiceFacts<'a> {
    pub key: &'a NsName,
    pub service: &'a Service,
    pub rejected: bool,
    pub has_selector: bool,
    pub selected: &'a PodSet,
    pub endpoints: Option<&'a Endpoints>,
    pub slices: &'a [EndpointSlice],
    pub slice_skips: &'a [SliceSkip],
    /// Endpoints with the Service's name given in the input.
    pub manual_endpoints: Option<&'a Endpoints>,
    pub errors: &'a [ObjectError],
    /// The first pod of each other namespace that the selector matches
    /// (filled only when it matches nothing in its own).
    pub matching_elsewhere: &'a [NsName],
    /// The pods and pod templates the selector comes close to, closest
    /// first: [`crate::selection::near_misses`] (templates only when it
    /// matches pods; none when it matches a template, see
    /// [`Objects::selects_a_template`]).
    pub near_misses: &'a [NearMiss],
    /// Every object's fields that its kind does not have: a diagnostic
    /// that follows from a missing field names the misspelled one.
    pub unknown_fields: &'a BTreeMap<ObjectKey, Vec<UnknownField>>,
}

impl ServiceFacts<'_> {
    /// The unknown fields of an object of the Service's namespace, as
    /// details: those meant to be one of `meant`, or all when it is empty.
    fn typos(&self, kind: &str, name: &str, meant: &[&str]) -> Vec<&UnknownField> {
        if self.unknown_fields.is_empty() {
            return Vec::new();
        }
        let key = ObjectKey::new(kind, &self.key.namespace, name);
        self.unknown_fields
            .get(&key)
            .into_iter()
            .flatten()
            .filter(|u| meant.is_empty() || u.suggestion.is_some_and(|s| meant.contains(&s)))
            .collect()
    }

    /// [`ServiceFacts::typos`] of every object of `kind` in the Service's
    /// namespace.
    fn typos_in_namespace(&self, kind: &str, meant: &[&str]) -> Vec<&UnknownField> {
        self.unknown_fields
            .iter()
            .filter(|(k, _)| k.kind == kind && k.namespace == self.key.namespace)
            .flat_map(|(_, fields)| fields)
            .filter(|u| u.suggestion.is_some_and(|s| meant.contains(&s)))
            .collect()
    }
}

/// A misspelled field named where a diagnostic follows from it.
fn typo_detail(u: &UnknownField) -> String {
    let e = &u.error;
    let hint = e
        .hint
        .as_deref()
        .map(|h| format!("; {h}"))
        .unwrap_or_default();
    format!(
        "{} {}: {} is not a field{hint}",
        e.kind, e.name, e.error.field
    )
}

/// The fix for misspelled fields, before `fix`.
fn typo_fix(typos: &[&UnknownField], fix: &str) -> String {
    match typos.first() {
        None => fix.to_string(),
        Some(u) => match u.meant() {
            Some(meant) => format!(
                "rename {} to {meant}; otherwise, {fix}",
                u.error.error.field
            ),
            None => format!("correct {}; otherwise, {fix}", u.error.error.field),
        },
    }
}

/// A field the object's kind does not have: kubectl refuses the object
/// (`validate: strict`) or drops the field (`warn`); the views ignore it.
pub fn unknown_field(u: &UnknownField) -> Diagnostic {
    let e = &u.error;
    let field = &e.error.field;
    let outcome = match e.severity {
        Severity::Error => "kubectl apply refuses the object (strict decoding error)",
        _ => "kubectl apply --validate=warn applies the object without it",
    };
    let mut details = Vec::new();
    if let Some(o) = &e.origin {
        let place = match (e.line, e.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", o.file),
            (Some(l), None) => format!("{}:{l}", o.file),
            _ => o.file.to_string(),
        };
        details.push(format!("at {place}"));
    }
    let fix = match u.meant() {
        Some(meant) => format!("rename {field} to {meant}"),
        None => format!(
            "remove {field}, or see where it belongs: kubectl explain {}",
            u.explain_path()
        ),
    };
    let object = ObjectRef::new(&e.kind, &e.namespace, &e.name);
    let hints = match (u.meant(), &e.hint) {
        (Some(meant), Some(message)) => vec![Hint::new(
            "field",
            field.as_str(),
            meant,
            Some(object.clone()),
            message.as_str(),
        )],
        _ => Vec::new(),
    };
    // A hint without a field to rename to is still worth reading.
    if hints.is_empty() {
        details.extend(e.hint.clone());
    }
    Diagnostic {
        code: "unknown-field",
        severity: e.severity,
        hints,
        message: format!(
            "{field} is not a field ({}): {outcome}; the views here ignore it",
            e.error.detail
        ),
        details,
        objects: vec![object],
        fix,
    }
}

/// Every diagnostic of one Service.
pub fn service_diagnostics(
    f: &ServiceFacts,
    cluster: &Objects,
    config: &Config,
) -> Vec<Diagnostic> {
    let key = f.key;
    let me = ObjectRef::new("Service", &key.namespace, &key.name);
    let mut out = Vec::new();
    if f.rejected {
        out.extend(rejected(f, &me, config));
        return out;
    }
    let svc = f.service;
    if svc.type_() == service_type::EXTERNAL_NAME {
        out.extend(external_name(svc, &me, cluster, config));
        return out;
    }
    if !f.has_selector {
        // What kube-proxy and CoreDNS use: ready endpoints (no condition
        // counts as ready), else serving ones that terminate.
        let usable = f.slices.iter().flat_map(|s| &s.endpoints).any(|e| {
            let c = &e.conditions;
            c.ready != Some(false) || (c.serving == Some(true) && c.terminating == Some(true))
        });
        let given = !f.slices.is_empty()
            || f.endpoints.is_some_and(|e| {
                e.subsets
                    .iter()
                    .any(|s| !s.addresses.is_empty() || !s.not_ready_addresses.is_empty())
            });
        let is_kubernetes = crate::master::is_master(&key.namespace, &key.name);
        if !(usable || is_kubernetes) {
            let what = if given {
                "has no selector, and none of the endpoints given for it is ready"
            } else {
                "has no selector and no Endpoints or EndpointSlices"
            };
            // A misspelled selector, or misspelled fields of the endpoints
            // given, come first.
            let mut typos = f.typos("Service", &key.name, &["selector"]);
            typos.extend(f.typos("Endpoints", &key.name, &[]));
            for es in f.slices {
                typos.extend(f.typos("EndpointSlice", &es.metadata.name, &[]));
            }
            out.push(Diagnostic {
                code: "no-endpoints",
                severity: Severity::Warning,
                hints: Vec::new(),
                message: format!("{what}: {}", unreachable_outcome(svc)),
                details: typos.iter().map(|u| typo_detail(u)).collect(),
                objects: vec![me],
                fix: typo_fix(&typos, &format!(
                    "add a selector, or create Endpoints {0} (or an EndpointSlice labelled kubernetes.io/service-name={0}) listing ready backends",
                    key.name
                )),
            });
        }
        return out;
    }
    // The controller's own Endpoints (any dump of a cluster has them) are
    // labelled so, or are what it computes.
    let hand_written = |e: &Endpoints| {
        e.metadata
            .labels
            .get(crate::endpoints::LABEL_ENDPOINTS_MANAGED_BY)
            .is_none_or(|m| m != crate::endpoints::ENDPOINTS_CONTROLLER)
            && f.endpoints.is_none_or(|c| c.subsets != e.subsets)
    };
    if f.manual_endpoints
        .is_some_and(|e| !e.subsets.is_empty() && hand_written(e))
    {
        out.push(Diagnostic {
            code: "manual-endpoints-overwritten",
            severity: Severity::Warning,
            hints: Vec::new(),
            message:
                "has a selector, so the endpoints controller overwrites the Endpoints given for it"
                    .into(),
            details: Vec::new(),
            objects: vec![
                me.clone(),
                ObjectRef::new("Endpoints", &key.namespace, &key.name),
            ],
            fix: "remove the selector to keep hand-written endpoints, or drop the Endpoints object"
                .into(),
        });
    }
    let pods: Vec<(&str, &Pod)> = f.selected.iter().map(|(n, p)| (&**n, &**p)).collect();
    if pods.is_empty() {
        // Slices of another manager still route traffic to it.
        let others = f
            .slices
            .iter()
            .filter(|es| !crate::endpoints::is_controller_slice(es))
            .flat_map(|es| &es.endpoints)
            .filter(|e| e.conditions.ready != Some(false))
            .count();
        let outcome = if others > 0 {
            format!("only the {others} ready endpoint(s) of EndpointSlices from another manager serve it")
        } else {
            "the Service has no endpoints".to_string()
        };
        out.push(no_match(f, &me, cluster, &outcome));
        return out;
    }
    let port_diags = port_diagnostics(svc, &me, &pods);
    // Pods a named targetPort is missing on: when that is the only reason
    // they have no endpoint, the port diagnostic has said it already.
    let mut port_misses = BTreeSet::new();
    port_misses.extend(
        port_diags
            .iter()
            .filter(|d| d.code == "target-port-name-not-found")
            .flat_map(|d| d.objects.iter().skip(1).map(|o| o.name.clone())),
    );
    out.extend(port_diags);
    out.extend(misses_workload(f, &me, cluster));
    out.extend(readiness(f, &me, &pods, &port_misses));
    for skip in f.slice_skips {
        let SliceSkip::NodeNotFound { pod, node } = skip;
        out.push(Diagnostic {
            code: "pod-on-unknown-node",
            severity: Severity::Warning,
            hints: Vec::new(),
            message: format!("pod {pod} runs on node {node:?}, which the cluster does not have; the EndpointSlice controller leaves it out"),
            details: Vec::new(),
            objects: vec![me.clone(), ObjectRef::new("Pod", &key.namespace, pod), ObjectRef::new("Node", "", node)],
            fix: format!("add Node {node} to the input, or remove the stale pod"),
        });
    }
    out
}

/// A rejected Service: the specific diagnostics its errors have, then
/// `service-rejected` for the errors no specific diagnostic explains (none
/// when every error has one, so one mistake is counted once).
fn rejected(f: &ServiceFacts, me: &ObjectRef, config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut unexplained: Vec<&ObjectError> = Vec::new();
    for e in f.errors {
        if e.error.field.ends_with(".nodePort") && e.error.detail.contains("not in the valid range")
        {
            out.push(Diagnostic {
                code: "node-port-out-of-range",
                severity: Severity::Error,
                hints: Vec::new(),
                message: format!(
                    "{} {} is outside the NodePort range {}: the apiserver would reject this Service",
                    e.error.field,
                    e.error.value.as_deref().unwrap_or("?"),
                    config.node_port_range
                ),
                details: Vec::new(),
                objects: vec![me.clone()],
                fix: format!(
                    "leave nodePort unset to get one allocated, or choose one in {}{}",
                    config.node_port_range,
                    match crate::alloc::node_port_static_band(&config.node_port_range) {
                        Some((a, b)) => format!(" (best in {a}-{b}, the band automatic allocation uses last)"),
                        None => String::new(),
                    }
                ),
            });
        } else {
            unexplained.push(e);
        }
    }
    if !out.is_empty() && unexplained.is_empty() {
        return out;
    }
    let first = unexplained
        .first()
        .map(|e| e.error.to_string())
        .unwrap_or_default();
    out.push(Diagnostic {
        code: "service-rejected",
        severity: Severity::Error,
        hints: Vec::new(),
        message: format!(
            "the apiserver would reject this Service ({} error{}{})",
            unexplained.len(),
            if unexplained.len() == 1 { "" } else { "s" },
            if out.is_empty() {
                ""
            } else {
                " besides those above"
            }
        ),
        details: unexplained.iter().map(|e| e.error.to_string()).collect(),
        objects: vec![me.clone()],
        fix: if first.is_empty() {
            "run `svcscope check` for the errors".into()
        } else {
            format!("correct the fields listed (first: {first})")
        },
    });
    out
}

fn external_name(
    svc: &Service,
    me: &ObjectRef,
    cluster: &Objects,
    config: &Config,
) -> Vec<Diagnostic> {
    let target = svc
        .spec
        .external_name
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if target.is_empty() {
        return Vec::new();
    }
    if crate::net::parse_ip(&target).is_some() {
        return vec![Diagnostic {
            code: "external-name-is-ip",
            severity: Severity::Warning,
            hints: Vec::new(),
            message: format!("externalName {target} is an IP address: DNS answers a CNAME to the name \"{target}\", which does not resolve"),
            details: Vec::new(),
            objects: vec![me.clone()],
            fix: "use a DNS name, or a selectorless Service with Endpoints listing that IP".into(),
        }];
    }
    let zone = &config.cluster_domain;
    let in_zone = target == *zone || target.ends_with(&format!(".{zone}"));
    if !in_zone {
        // `svc.ns` and `svc.ns.svc` name a Service only through a client's
        // search path, and a CNAME target gets none: it is taken as the
        // absolute name `svc.ns.`, which is not the cluster's.
        let labels: Vec<&str> = target.split('.').collect();
        let Some((svc_name, ns)) = (match labels.as_slice() {
            [svc_name, ns] | [svc_name, ns, "svc"] => Some((*svc_name, *ns)),
            _ => None,
        })
        .filter(|(svc_name, ns)| cluster.services.contains_key(&NsName::new(ns, svc_name))) else {
            return Vec::new();
        };
        return vec![Diagnostic {
            code: "external-name-in-cluster",
            severity: Severity::Warning,
            hints: Vec::new(),
            message: format!("externalName {target} looks like Service {ns}/{svc_name}, but a CNAME target gets no search path: DNS answers a CNAME to \"{target}.\", which is not a cluster name and does not resolve"),
            details: Vec::new(),
            objects: vec![me.clone(), ObjectRef::new("Service", ns, svc_name)],
            fix: format!("use the full name {svc_name}.{ns}.svc.{zone}"),
        }];
    }
    let mut objects = vec![me.clone()];
    let mut details = Vec::new();
    if let Some(rest) = target.strip_suffix(&format!(".svc.{zone}")) {
        if let [svc_name, ns] = rest.split('.').collect::<Vec<_>>().as_slice() {
            objects.push(ObjectRef::new("Service", ns, svc_name));
            let always_there = crate::master::is_master(ns, svc_name);
            if !always_there && !cluster.services.contains_key(&NsName::new(ns, svc_name)) {
                details.push(format!(
                    "Service {ns}/{svc_name} is not in the input; if it does not exist, the name does not resolve"
                ));
            }
        }
    }
    vec![Diagnostic {
        code: "external-name-in-cluster",
        severity: Severity::Info,
        hints: Vec::new(),
        message: format!("externalName {target} is a name inside the cluster: DNS answers a CNAME that it chases, but nothing is proxied for this Service"),
        details,
        objects,
        fix: "clients can use the target name directly; to alias across namespaces this works, but the Service's ports are ignored".into(),
    }]
}

/// How many near misses a diagnostic names.
pub const NEAR_MISSES: usize = 3;

/// Selector matches no pod: name the closest pods and templates, the label
/// each differs in, what was probably meant, and matching pods elsewhere.
fn no_match(f: &ServiceFacts, me: &ObjectRef, cluster: &Objects, outcome: &str) -> Diagnostic {
    let key = f.key;
    let selector = f
        .service
        .spec
        .selector
        .as_ref()
        .map(Selector::from_map)
        .unwrap_or_else(Selector::nothing);
    let sel_text = selector.to_string();
    let templates: Vec<&Workload> = cluster
        .workloads_in(&key.namespace)
        .filter(|w| selector.matches(&w.template.metadata.labels))
        .collect();
    if !templates.is_empty() {
        let names: Vec<String> = templates
            .iter()
            .map(|w| match w.replicas {
                Some(r) => format!("{} {} (replicas: {r})", w.kind, w.metadata.name),
                None => format!("{} {}", w.kind, w.metadata.name),
            })
            .collect();
        let mut objects = vec![me.clone()];
        objects.extend(
            templates
                .iter()
                .map(|w| ObjectRef::new(&w.kind, &key.namespace, &w.metadata.name)),
        );
        return Diagnostic {
            code: "selector-matches-only-templates",
            severity: Severity::Warning,
            hints: Vec::new(),
            message: format!("selector {sel_text} matches the pod template of {} but no pod exists yet", names.join(", ")),
            details: vec!["endpoints appear once the workload's pods run and become ready".into()],
            objects,
            fix: "include the running pods in the input (kubectl get pods -o yaml), or check that the workload has been scaled up".into(),
        };
    }
    let reqs = selector.requirements();
    let mut details = Vec::new();
    let mut objects = vec![me.clone()];
    let mut fix = format!(
        "make the selector {sel_text} match the pods' labels, or label the pods to match it"
    );
    let mut local_hint = None;
    // A slip of case, separators or a plural here is likelier than a
    // Service in the wrong namespace.
    let mut cheap_slip = false;
    for (i, nm) in f.near_misses.iter().enumerate() {
        details.push(format!(
            "closest: {}: {}",
            nm.describe(),
            reasons(reqs, nm).join("; ")
        ));
        objects.push(nm.object.clone());
        if i > 0 {
            continue;
        }
        if let Some((hint, typed, suggestion)) = label_hint(reqs, nm) {
            cheap_slip = nm
                .slips(reqs)
                .all(|(_, _, _, s)| !matches!(s, Slip::Edits(_)));
            fix = relabel_fix(nm, &typed, &suggestion);
            local_hint = Some(hint);
        } else if let [(r, Fit::Differs)] = failing(reqs, nm).as_slice() {
            // One label with another value: the old choice of two.
            let have = nm.labels.get(&r.key).map_or("", String::as_str);
            let want = format!("{}={}", r.key, r.values.first().map_or("", String::as_str));
            fix = relabel_fix(nm, &want, &format!("{}={have}", r.key));
        }
    }
    if cluster.pods_in(&key.namespace).next().is_none() {
        details.push(format!("namespace {} has no pods", key.namespace));
    } else if f.near_misses.is_empty() {
        details.push(format!(
            "no pod of namespace {} has a label close to the selector's",
            key.namespace
        ));
    }
    // A pod whose labels are misspelled has none: that comes first.
    let typos = f.typos_in_namespace("Pod", &["labels"]);
    if !typos.is_empty() {
        details.splice(0..0, typos.iter().map(|u| typo_detail(u)));
        fix = typo_fix(&typos, &fix);
    }
    // Pods elsewhere that would match: a common mistake, never a match.
    let mut hints: Vec<Hint> = local_hint.into_iter().collect();
    if let Some(first) = f.matching_elsewhere.first() {
        let list = f
            .matching_elsewhere
            .iter()
            .map(|p| p.namespace.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let several = f.matching_elsewhere.len() > 1;
        details.push(format!(
            "pods in namespace{} {list} match, but a Service selects only pods of its own namespace",
            if several { "s" } else { "" },
        ));
        let there = first.namespace.as_str();
        // Only one namespace can be the one meant.
        let moved = (!several).then(|| {
            Hint::new(
                "namespace",
                &key.namespace,
                there,
                Some(ObjectRef::new("Pod", there, &first.name)),
                format!(
                    "did you mean namespace {there}? pod {} there matches the selector",
                    first.name
                ),
            )
        });
        // Relabelling does not help here: those pods match already.
        let move_it = if several {
            format!(
                "create the Service in the namespace of the pods it is meant for (one of {list}), or run those pods in namespace {}",
                key.namespace
            )
        } else {
            format!(
                "create the Service in namespace {there}, where the matching pods run (other namespaces reach it as {}.{there}.svc), or run the pods in namespace {}",
                key.name, key.namespace
            )
        };
        // Pods that match already are the likelier intent, unless a pod
        // here misses by a cheap slip: the likelier one goes first.
        if f.near_misses.is_empty() {
            fix = move_it;
            hints.extend(moved);
        } else if cheap_slip {
            fix = format!("{fix}; otherwise, {move_it}");
            hints.extend(moved);
        } else {
            fix = format!("{move_it}; otherwise, {fix}");
            hints.splice(0..0, moved);
        }
    }
    Diagnostic {
        code: "selector-matches-nothing",
        severity: Severity::Warning,
        message: format!(
            "selector {sel_text} matches no pod in namespace {}: {outcome}",
            key.namespace
        ),
        details,
        objects,
        fix,
        hints,
    }
}

/// A selector that matches pods, but no workload's template, while a
/// template is a slip away: the workload's pods are probably the ones
/// meant.
fn misses_workload(f: &ServiceFacts, me: &ObjectRef, cluster: &Objects) -> Vec<Diagnostic> {
    // Without a template near miss there is nothing to say: the walk over
    // the namespace's templates below is then skipped.
    if !f.near_misses.iter().any(|n| n.is_template()) {
        return Vec::new();
    }
    let Some(selector) = f.service.spec.selector.as_ref().map(Selector::from_map) else {
        return Vec::new();
    };
    if cluster.selects_a_template(&selector, &f.key.namespace) {
        return Vec::new();
    }
    let reqs = selector.requirements();
    let mut out = Vec::new();
    for nm in f.near_misses.iter().filter(|n| n.is_template()) {
        let Some((hint, typed, suggestion)) = label_hint(reqs, nm) else {
            continue;
        };
        out.push(Diagnostic {
            code: "selector-misses-workload",
            severity: Severity::Warning,
            message: format!(
                "selector {selector} matches {} pod(s), but no workload's pods: {} misses it by a slip",
                f.selected.len(),
                nm.describe()
            ),
            details: vec![format!("{}: {}", nm.describe(), reasons(reqs, nm).join("; "))],
            objects: vec![me.clone(), nm.object.clone()],
            fix: relabel_fix(nm, &typed, &suggestion),
            hints: vec![hint],
        });
    }
    out
}

/// A workload whose own selector does not match its pod template: the
/// apiserver refuses it, and would its pods be counted, they would not be
/// its own.
pub fn workload_diagnostics(w: &Workload) -> Vec<Diagnostic> {
    // Jobs generate their selector; the others must match their template.
    let checked = [
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "ReplicationController",
    ];
    if !checked.contains(&w.kind.as_str()) {
        return Vec::new();
    }
    let Some(Ok(selector)) = w
        .selector
        .as_ref()
        .map(|ls| Selector::from_label_selector(Some(ls)))
    else {
        return Vec::new();
    };
    let labels = &w.template.metadata.labels;
    let reqs = selector.requirements();
    if reqs.is_empty() || selector.matches(labels) {
        return Vec::new();
    }
    let ns = w.metadata.ns();
    let me = ObjectRef::new(&w.kind, ns, &w.metadata.name);
    let nm = NearMiss {
        object: me.clone(),
        replicas: w.replicas,
        labels: labels.clone(),
        fits: reqs
            .iter()
            .map(|r| crate::selection::fit(r, labels))
            .collect(),
    };
    let have: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let (hints, fix) = match label_hint(reqs, &nm) {
        Some((mut hint, typed, suggestion)) => {
            hint.message = format!("did you mean {suggestion}? the pod template has it");
            let fix = format!(
                "change spec.selector to {suggestion}, or the template's label to {typed}, so that they agree"
            );
            (vec![hint], fix)
        }
        None => (
            Vec::new(),
            "make spec.selector match spec.template.metadata.labels".to_string(),
        ),
    };
    vec![Diagnostic {
        code: "workload-selector-mismatch",
        severity: Severity::Error,
        message: format!(
            "spec.selector {selector} does not match the pod template's labels ({}): the apiserver rejects it (`selector` does not match template `labels`)",
            if have.is_empty() { "none".to_string() } else { have.join(",") }
        ),
        details: failing(reqs, &nm)
            .into_iter()
            .map(|(r, f)| format!("template: {}", reason(r, f, labels)))
            .collect(),
        objects: vec![me],
        fix,
        hints,
    }]
}

/// The requirements an object does not meet, with how.
fn failing<'a>(reqs: &'a [Requirement], nm: &'a NearMiss) -> Vec<(&'a Requirement, &'a Fit)> {
    reqs.iter()
        .zip(&nm.fits)
        .filter(|(_, f)| **f != Fit::Match)
        .collect()
}

/// Why an object fails each requirement it fails, with the slip where
/// one explains it.
fn reasons(reqs: &[Requirement], nm: &NearMiss) -> Vec<String> {
    failing(reqs, nm)
        .into_iter()
        .map(|(r, f)| reason(r, f, &nm.labels))
        .collect()
}

fn reason(r: &Requirement, f: &Fit, labels: &crate::select::Labels) -> String {
    let base = why_failed(r, labels);
    match f {
        Fit::Near { key, slip, .. } if *key == r.key => format!("{base} ({})", slip.describe()),
        Fit::Near { key, value, slip } => {
            let exact = r.operator == Operator::Exists || r.values.contains(value);
            if exact {
                format!("{base}; it has {key:?} ({})", slip.describe())
            } else {
                format!("{base}; it has {key}={value:?} ({})", slip.describe())
            }
        }
        _ => base,
    }
}

/// The "did you mean" of a near miss that is only slips: the hint, what
/// was typed and what is suggested (`key=value`, comma-separated).
fn label_hint(reqs: &[Requirement], nm: &NearMiss) -> Option<(Hint, String, String)> {
    if !nm.is_slip() {
        return None;
    }
    let slips: Vec<_> = nm.slips(reqs).collect();
    let typed = slips
        .iter()
        .map(|(r, _, _, _)| r.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let suggestion = slips
        .iter()
        .map(|(_, k, v, _)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let it = if slips.len() == 1 { "it" } else { "them" };
    let hint = Hint::new(
        "label",
        &typed,
        &suggestion,
        Some(nm.object.clone()),
        format!("did you mean {suggestion}? {} has {it}", nm.name()),
    );
    Some((hint, typed, suggestion))
}

/// Relabel the object, or change the selector to what it has.
fn relabel_fix(nm: &NearMiss, typed: &str, has: &str) -> String {
    if nm.is_template() {
        format!(
            "if the pods of {} {} are meant to be selected, set their template's label {typed} or change the selector to {has}",
            nm.object.kind, nm.object.name
        )
    } else {
        format!(
            "if pod {} is meant to be selected, set its label {typed} or change the selector to {has}",
            nm.object.name
        )
    }
}

fn port_diagnostics(svc: &Service, me: &ObjectRef, pods: &[(&str, &Pod)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let ns = &me.namespace;
    let eligible: Vec<&(&str, &Pod)> = pods
        .iter()
        .filter(|(_, p)| endpoints::should_pod_be_in_endpoints(p, true))
        .collect();
    for (i, sp) in svc.spec.ports.iter().enumerate() {
        // Only worded when there is something to say.
        let label = || {
            if sp.name.is_empty() {
                format!("port {}", sp.port)
            } else {
                format!("port {} ({})", sp.port, sp.name)
            }
        };
        match &sp.target_port {
            Some(IntOrString::Str(name)) => {
                let missing: Vec<&(&str, &Pod)> = eligible
                    .iter()
                    .copied()
                    .filter(|(_, p)| endpoints::find_port(p, sp).is_none())
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let mut details = Vec::new();
                for (n, p) in &missing {
                    let other_proto = p
                        .serving_containers()
                        .flat_map(|c| &c.ports)
                        .find(|cp| cp.name.as_deref() == Some(name.as_str()));
                    let declared: Vec<String> = p
                        .serving_containers()
                        .flat_map(|c| &c.ports)
                        .filter_map(|cp| {
                            cp.name
                                .as_ref()
                                .map(|nm| format!("{nm}={}/{}", cp.container_port, cp.protocol()))
                        })
                        .collect();
                    // Declared on an init container that is no sidecar:
                    // not a serving port (upstream `FindPort`).
                    let on_init = p
                        .spec
                        .init_containers
                        .iter()
                        .find(|c| {
                            c.ports
                                .iter()
                                .any(|cp| cp.name.as_deref() == Some(name.as_str()))
                        })
                        .filter(|c| !c.is_sidecar());
                    details.push(match (other_proto, on_init) {
                        (Some(cp), _) => format!(
                            "pod {n}: port {name:?} is {}/{}, not {}",
                            cp.container_port,
                            cp.protocol(),
                            sp.protocol()
                        ),
                        (None, Some(c)) => format!(
                            "pod {n}: port {name:?} is on init container {}, which is not a sidecar (it has no restartPolicy: Always)",
                            c.name
                        ),
                        (None, None) if declared.is_empty() => format!("pod {n}: declares no named ports"),
                        (None, None) => format!("pod {n}: has named ports {}", declared.join(", ")),
                    });
                }
                let mut objects = vec![me.clone()];
                objects.extend(missing.iter().map(|(n, _)| ObjectRef::new("Pod", ns, n)));
                let hint = port_name_hint(name, sp.protocol(), ns, &missing);
                let fix = match &hint {
                    Some(h) => format!("set targetPort to {:?}, the pods' name for the port, or name the container port {name:?}", h.suggestion),
                    None => format!("name the container port {name:?} with protocol {} in the pod template, or set targetPort to the port number", sp.protocol()),
                };
                out.push(Diagnostic {
                    code: "target-port-name-not-found",
                    severity: Severity::Error,
                    hints: hint.into_iter().collect(),
                    message: format!(
                        "spec.ports[{i}] {}: targetPort {name:?} ({}) is not a port name on {} of {} selected pod(s); they get no endpoint for it",
                        label(),
                        sp.protocol(),
                        missing.len(),
                        eligible.len()
                    ),
                    details,
                    objects,
                    fix,
                });
            }
            Some(IntOrString::Int(n)) => {
                // Only pods that declare ports at all: many images listen
                // on undeclared ports, and that works.
                let undeclared: Vec<&(&str, &Pod)> = eligible
                    .iter()
                    .copied()
                    .filter(|(_, p)| {
                        let mut ports = p.serving_containers().flat_map(|c| &c.ports).peekable();
                        ports.peek().is_some()
                            && !ports
                                .any(|cp| cp.container_port == *n && cp.protocol() == sp.protocol())
                    })
                    .collect();
                if undeclared.is_empty() || undeclared.len() < eligible.len() {
                    continue;
                }
                let mut objects = vec![me.clone()];
                objects.extend(undeclared.iter().map(|(n, _)| ObjectRef::new("Pod", ns, n)));
                let example = undeclared[0].1;
                let declared: Vec<String> = example
                    .serving_containers()
                    .flat_map(|c| &c.ports)
                    .map(|cp| format!("{}/{}", cp.container_port, cp.protocol()))
                    .collect();
                let hint = port_number_hint(*n, sp.protocol(), ns, undeclared[0]);
                let fix = match &hint {
                    Some(h) => format!("set targetPort to {} if that is where the containers listen; otherwise check that they listen on {n} (traffic is sent there whether or not it is declared)", h.suggestion),
                    None => format!("check that the containers listen on {n}; traffic is sent there whether or not it is declared"),
                };
                out.push(Diagnostic {
                    code: "target-port-not-declared",
                    severity: Severity::Warning,
                    hints: hint.into_iter().collect(),
                    message: format!("spec.ports[{i}] {}: targetPort {n}/{} is declared by no container of the selected pods", label(), sp.protocol()),
                    details: vec![format!("pod {} declares {}", undeclared[0].0, declared.join(", "))],
                    objects,
                    fix,
                });
            }
            None => {}
        }
    }
    // Two Service ports reaching the same pod port.
    let mut seen: Vec<(IntOrString, &str, usize)> = Vec::new();
    for (i, sp) in svc.spec.ports.iter().enumerate() {
        let target = sp.target_port.clone().unwrap_or(IntOrString::Int(sp.port));
        if let Some((_, _, j)) = seen
            .iter()
            .find(|(t, p, _)| *t == target && *p == sp.protocol())
        {
            // Legal, and it works; worth knowing, as it is often a slip.
            out.push(Diagnostic {
                code: "ports-collide",
                severity: Severity::Info,
                hints: Vec::new(),
                message: format!(
                    "spec.ports[{j}] ({}) and spec.ports[{i}] ({}) both send {} traffic to targetPort {target}: clients of either land on the same container port",
                    svc.spec.ports[*j].port,
                    sp.port,
                    sp.protocol()
                ),
                details: Vec::new(),
                objects: vec![me.clone()],
                fix: "fine if both ports are meant to serve the same thing (a second or legacy port); otherwise point each at its own targetPort".into(),
            });
        }
        seen.push((target, sp.protocol(), i));
    }
    out
}

/// A named targetPort the pods lack, when they name a port of the same
/// protocol a slip away (`htpp` for `http`).
fn port_name_hint(name: &str, protocol: &str, ns: &str, pods: &[&(&str, &Pod)]) -> Option<Hint> {
    fn named<'p>(p: &'p Pod, protocol: &str) -> Vec<(&'p str, i32)> {
        p.serving_containers()
            .flat_map(|c| &c.ports)
            .filter(|cp| cp.protocol() == protocol)
            .filter_map(|cp| Some((cp.name.as_deref()?, cp.container_port)))
            .collect()
    }
    let (best, _) = similar::closest(
        name,
        pods.iter()
            .flat_map(|(_, p)| named(p, protocol))
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
    )?;
    let (pod, port) = pods.iter().find_map(|(n, p)| {
        named(p, protocol)
            .into_iter()
            .find(|(m, _)| *m == best)
            .map(|(_, port)| (*n, port))
    })?;
    Some(Hint::new(
        "port-name",
        name,
        best,
        Some(ObjectRef::new("Pod", ns, pod)),
        format!("did you mean targetPort: {best}? pod {pod} has port {best}={port}/{protocol}"),
    ))
}

/// A numeric targetPort no container declares, when a declared port of
/// the protocol is a slip of its digits (`8008` for `8080`), or the pods
/// declare one port of the protocol and it is named (a targetPort left to
/// default to the Service's port, most often).
fn port_number_hint(n: i32, protocol: &str, ns: &str, pod: &(&str, &Pod)) -> Option<Hint> {
    let (name, p) = *pod;
    let ports: Vec<&ContainerPort> = p
        .serving_containers()
        .flat_map(|c| &c.ports)
        .filter(|cp| cp.protocol() == protocol)
        .collect();
    let numbers: Vec<String> = ports
        .iter()
        .map(|cp| cp.container_port.to_string())
        .collect();
    let object = Some(ObjectRef::new("Pod", ns, name));
    if let Some((near, _)) = similar::closest(&n.to_string(), numbers.iter().map(String::as_str)) {
        return Some(Hint::new(
            "port-number",
            n.to_string(),
            near,
            object,
            format!("did you mean targetPort: {near}? pod {name} declares {near}/{protocol}"),
        ));
    }
    let [only] = ports.as_slice() else {
        return None;
    };
    let port_name = only.name.as_deref()?;
    Some(Hint::new(
        "port-name",
        n.to_string(),
        port_name,
        object,
        format!(
            "did you mean targetPort: {port_name}? pod {name} declares only {port_name}={}/{protocol}",
            only.container_port
        ),
    ))
}

/// Selected pods but no ready address. `port_misses` are the pods a
/// `target-port-name-not-found` names: when every pod is ready and merely
/// lacks the named port, that diagnostic is the whole story.
fn readiness(
    f: &ServiceFacts,
    me: &ObjectRef,
    pods: &[(&str, &Pod)],
    port_misses: &BTreeSet<String>,
) -> Option<Diagnostic> {
    let ep = f.endpoints?;
    if ep.subsets.iter().any(|s| !s.addresses.is_empty()) {
        return None;
    }
    let only_port_misses = pods.iter().all(|(n, p)| {
        port_misses.contains(*n)
            && !p.is_terminal()
            && !p.ips().is_empty()
            && !p.is_terminating()
            && p.is_ready()
    });
    if only_port_misses {
        return None;
    }
    // The family the Service's endpoints are of (its first).
    let family = f.service.spec.ip_families.first().map(String::as_str);
    let mut details = Vec::new();
    for (n, p) in pods {
        let of_family = |fam: &str| {
            p.ips()
                .iter()
                .any(|ip| crate::net::family_of(ip).is_some_and(|f| f.as_str() == fam))
        };
        let state = if p.is_terminal() {
            format!("phase {}", p.status.phase.as_deref().unwrap_or("?"))
        } else if p.ips().is_empty() {
            "no IP yet (not scheduled or still starting)".to_string()
        } else if family.is_some_and(|fam| !of_family(fam)) {
            format!(
                "has no {} address, the Service's family",
                family.unwrap_or_default()
            )
        } else if p.is_terminating() {
            if p.is_ready() {
                "terminating, still serving until it stops".to_string()
            } else {
                "terminating".to_string()
            }
        } else if !p.is_ready() {
            "not Ready".to_string()
        } else {
            "ready, but offers none of the Service's ports".to_string()
        };
        details.push(format!("pod {n}: {state}"));
    }
    // Misspelled status fields leave a pod without an IP or readiness.
    let typos: Vec<&UnknownField> = pods
        .iter()
        .flat_map(|(n, _)| f.typos("Pod", n, &[]))
        .filter(|u| u.error.error.field.starts_with("status."))
        .collect();
    details.splice(0..0, typos.iter().map(|u| typo_detail(u)));
    let mut objects = vec![me.clone()];
    objects.extend(
        pods.iter()
            .map(|(n, _)| ObjectRef::new("Pod", &me.namespace, n)),
    );
    // kube-proxy falls back to endpoints that still serve while they
    // terminate; a headless Service has no virtual IP, only DNS answers.
    let draining = f
        .slices
        .iter()
        .flat_map(|s| &s.endpoints)
        .any(|e| e.conditions.serving == Some(true) && e.conditions.terminating == Some(true));
    let outcome = if draining && !f.service.is_headless() {
        "terminating pods still serve (kube-proxy falls back to them) until they stop"
    } else {
        unreachable_outcome(f.service)
    };
    let fix = if draining {
        "check that replacement pods start and pass their readiness probes (kubectl get pods, kubectl describe pod)"
    } else {
        "check the pods' readiness probes and status (kubectl describe pod), or set publishNotReadyAddresses for peer discovery"
    };
    Some(Diagnostic {
        code: "no-ready-endpoints",
        severity: Severity::Warning,
        hints: Vec::new(),
        message: format!(
            "{} pod(s) selected, none ready to serve: {outcome}",
            pods.len()
        ),
        details,
        objects,
        fix: typo_fix(&typos, fix),
    })
}

/// What clients meet when a Service has nothing to send them to: a
/// headless one has no virtual IP, only DNS answers.
fn unreachable_outcome(svc: &Service) -> &'static str {
    if svc.is_headless() {
        "DNS has no address to answer with (NXDOMAIN)"
    } else {
        "connections are rejected"
    }
}

/// Ordering and visibility problems of the service variables a pod uses,
/// and references that name no variable but come close to one.
/// `services` are those of the pod's namespace, with `default/kubernetes`;
/// `elsewhere` names another namespace with a Service of a name.
pub fn pod_env_diagnostics(
    nn: &NsName,
    pod: &Pod,
    services: &[(&NsName, &Service)],
    created_after: &dyn Fn(&NsName, &Service) -> bool,
    elsewhere: &dyn Fn(&str) -> Option<String>,
) -> Vec<Diagnostic> {
    let refs = env::references(pod);
    let mut out = Vec::new();
    let me = ObjectRef::new("Pod", &nn.namespace, &nn.name);
    let visibility = |k: &NsName, svc: &Service| {
        env::visibility(&nn.namespace, pod.enable_service_links(), k, svc, || {
            created_after(k, svc)
        })
    };
    let seen = env::Seen {
        services,
        visibility: &visibility,
        elsewhere,
    };
    let own = |container: &str| -> Vec<&str> {
        pod.spec
            .containers
            .iter()
            .chain(&pod.spec.init_containers)
            .filter(|c| c.name == container)
            .flat_map(|c| c.env.iter().map(|e| e.name.as_str()))
            .collect()
    };
    let hint_for = |r: &env::Reference| env::reference_hint(&r.name, &own(&r.container), &seen);
    // Service prefixes, each with the first reference to it.
    let mut prefixes: std::collections::BTreeMap<&str, &env::Reference> = Default::default();
    for r in &refs {
        if let Some(p) = env::service_var_prefix(&r.name) {
            prefixes.entry(p).or_insert(r);
        }
    }
    let in_namespace = |prefix: &str| {
        services
            .iter()
            .find(|(k, _)| k.namespace == nn.namespace && env::env_prefix(&k.name) == prefix)
    };
    for (prefix, first) in prefixes {
        // kubelet always sets the variables of default/kubernetes, whatever
        // enableServiceLinks says, and that Service exists from the
        // cluster's start (kubelet's getServiceEnvVarMap); a same-namespace
        // `kubernetes` Service only changes their values.
        if prefix == "KUBERNETES" {
            continue;
        }
        let var = format!("{prefix}_SERVICE_HOST");
        let Some((sk, svc)) = in_namespace(prefix) else {
            let hint = hint_for(first);
            let fix = match &hint {
                Some(h) if h.code == "variable" => format!(
                    "write $({}) instead of $({}), or create the Service before the pod",
                    h.suggestion, first.name
                ),
                Some(h) => format!(
                    "use the DNS name {} instead of variables (they never cross namespaces), or create the Service in namespace {} before the pod",
                    h.suggestion, nn.namespace
                ),
                None => "create the Service before the pod, or use its DNS name instead of variables"
                    .into(),
            };
            let mut objects = vec![me.clone()];
            objects.extend(hint.as_ref().and_then(|h| h.object.clone()));
            out.push(Diagnostic {
                code: "env-service-missing",
                severity: Severity::Warning,
                hints: hint.into_iter().collect(),
                message: format!(
                    "a container refers to $({var}) or similar, but namespace {} has no matching Service",
                    nn.namespace
                ),
                details: Vec::new(),
                objects,
                fix,
            });
            continue;
        };
        let svc_ref = ObjectRef::new("Service", &sk.namespace, &sk.name);
        // One rule decides, for diagnostics and for `svcscope env` alike.
        match visibility(sk, svc) {
            Visibility::LinksDisabled => out.push(Diagnostic {
                code: "env-service-links-disabled",
                severity: Severity::Warning,
                hints: Vec::new(),
                message: format!("a container refers to $({var}), but enableServiceLinks is false, so kubelet sets no variables for Service {}", sk.name),
                details: Vec::new(),
                objects: vec![me.clone(), svc_ref],
                fix: "set enableServiceLinks: true, or use the DNS name".into(),
            }),
            Visibility::NoClusterIp => out.push(Diagnostic {
                code: "env-service-has-no-variables",
                severity: Severity::Warning,
                hints: Vec::new(),
                message: format!("a container refers to $({var}), but Service {} is headless or ExternalName, which get no variables", sk.name),
                details: Vec::new(),
                objects: vec![me.clone(), svc_ref],
                fix: format!("use the DNS name {}.{}.svc instead", sk.name, sk.namespace),
            }),
            Visibility::CreatedAfterPod => out.push(Diagnostic {
                code: "env-service-created-after-pod",
                severity: Severity::Warning,
                hints: Vec::new(),
                message: format!("a container refers to $({var}), but Service {} was created after the pod, so kubelet did not set it; the reference stays literal", sk.name),
                details: vec!["kubelet computes service variables once, when the container starts".into()],
                objects: vec![me.clone(), svc_ref],
                fix: "restart the pod (e.g. kubectl rollout restart) after creating the Service, or use its DNS name".into(),
            }),
            Visibility::Visible | Visibility::OtherNamespace | Visibility::Shadowed => {}
        }
    }
    // References no variable answers, a slip from one that is set (those
    // of a missing Service are said above).
    for r in &refs {
        let missing_service = env::service_var_prefix(&r.name)
            .is_some_and(|p| p != "KUBERNETES" && in_namespace(p).is_none());
        if missing_service {
            continue;
        }
        let Some(hint) = hint_for(r) else {
            continue;
        };
        let mut objects = vec![me.clone()];
        objects.extend(hint.object.clone());
        out.push(Diagnostic {
            code: "env-variable-unknown",
            severity: Severity::Warning,
            message: format!(
                "container {} refers to $({}), which no variable sets, so kubelet leaves it as written",
                r.container, r.name
            ),
            details: Vec::new(),
            objects,
            fix: format!("write $({}) instead, or define {}", hint.suggestion, r.name),
            hints: vec![hint],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_variables_are_always_set() {
        // default/kubernetes' variables exist whatever enableServiceLinks
        // says and whenever the pod started.
        let mut p = Pod::default();
        p.spec.enable_service_links = Some(false);
        std::sync::Arc::make_mut(&mut p.spec.containers).push(Container {
            env: vec![EnvVar {
                name: "API".into(),
                value: Some("$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)".into()),
                value_from: None,
            }],
            ..Default::default()
        });
        let nn = NsName::new("default", "client");
        let k = NsName::new("default", "kubernetes");
        let svc = Service::default();
        let services = [(&k, &svc)];
        assert_eq!(
            pod_env_diagnostics(&nn, &p, &services, &|_, _| true, &|_| None),
            []
        );
        p.spec.enable_service_links = None;
        assert_eq!(
            pod_env_diagnostics(&nn, &p, &services, &|_, _| true, &|_| None),
            []
        );
    }

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = BTreeSet::new();
        for (c, _) in CODES {
            assert!(seen.insert(c), "{c}");
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{c}"
            );
        }
    }
}
