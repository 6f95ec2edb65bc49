//! What a name that found nothing was probably meant to be: a Service,
//! endpoint (a pod's hostname), port or namespace a slip away, a Service
//! of that name in another namespace, or the name with a part put back
//! that was left out or misspelled (`svc`, a namespace, the cluster
//! domain).
//!
//! Candidates come from the zone index — the Services of one namespace,
//! one Service's endpoints and ports, the namespaces — and are compared
//! with [`crate::similar`]. A name is only suggested when it exists, and a
//! name that exists gets none: NODATA means the name is there without
//! records of the type asked (an address family, a TXT), which no other
//! name fixes. A pod's lookup ends in NODATA when a search domain turns
//! the name into one that exists (`web.svc.cluster.local`, namespace
//! `web`): its hints read the name as the user meant it instead.

use super::index::SvcEntry;
use super::name::{strip_underscore, Name};
use super::{PodLookup, Rcode, Response, ZoneIndex};
use crate::hint::Hint;
use crate::objects::{NsName, ObjectRef};
use crate::similar::{self, Slip};

/// How many Services or names one hint list offers at most.
const MAX_HINTS: usize = 3;

/// A Service a name that is none was probably meant to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meant {
    pub service: NsName,
    pub why: Why,
}

/// Why a Service is taken for the one meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A Service of the namespace asked, its name a slip away.
    Name(Slip),
    /// The name asked, in another namespace.
    Namespace,
    /// The name asked, in a namespace a slip from the one asked (which
    /// does not exist).
    NamespaceSlip(Slip),
}

/// One suggestion, before it is worded for who asks: the labels below the
/// zone of the name suggested.
struct Finding {
    code: &'static str,
    /// What is wrong, e.g. `no Service redis-mastr in my-ns`.
    lead: String,
    /// What "did you mean" names: a Service or endpoint name, or (`None`)
    /// the whole name suggested.
    say: Option<String>,
    labels: Vec<String>,
    object: Option<ObjectRef>,
}

impl ZoneIndex {
    /// The Services meant by `name` in `namespace`, where there is none:
    /// names a slip away in that namespace; else, when the namespace does
    /// not exist, the name in namespaces a slip away; else the name in
    /// other namespaces. Closest first, at most three.
    pub fn meant_services(&self, name: &str, namespace: &str) -> Vec<Meant> {
        let (name, namespace) = (name.to_ascii_lowercase(), namespace.to_ascii_lowercase());
        let meant = |svc: &str, ns: &str, why| Meant {
            service: NsName::new(ns, svc),
            why,
        };
        let mut out: Vec<Meant> = Vec::new();
        if self.namespaces.contains(&namespace) {
            let names = self.services_in(&namespace).iter().map(|s| s.name.as_str());
            out.extend(
                similar::best(&name, names)
                    .into_iter()
                    .map(|(svc, slip)| meant(svc, &namespace, Why::Name(slip))),
            );
        } else {
            // Namespaces that have the Service, a slip from the one asked.
            out.extend(
                similar::best(&namespace, self.namespaces_with(&name))
                    .into_iter()
                    .map(|(ns, slip)| meant(&name, ns, Why::NamespaceSlip(slip))),
            );
        }
        if out.is_empty() {
            out.extend(
                self.namespaces_with(&name)
                    .into_iter()
                    .filter(|ns| *ns != namespace)
                    .map(|ns| meant(&name, ns, Why::Namespace)),
            );
        }
        out.truncate(MAX_HINTS);
        out
    }

    /// The namespaces with a Service called `name`, in order.
    fn namespaces_with(&self, name: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .namespaces
            .iter()
            .filter(|ns| self.service(name, ns).is_some())
            .map(String::as_str)
            .collect();
        crate::order::sort(&mut out);
        out
    }

    /// Hints for a query the cluster DNS answered NXDOMAIN or NODATA, or
    /// forwarded while it looks like a cluster name without (or with a
    /// misspelled) cluster domain; names suggested in full.
    pub fn hints(&self, response: &Response) -> Vec<Hint> {
        if response.is_success() {
            return Vec::new();
        }
        let Some(name) = Name::parse(&response.question.name) else {
            return Vec::new();
        };
        let zone = self.opts.zone.clone();
        let findings = match (response.rcode, name.split_zone(&zone)) {
            (Rcode::NxDomain, Some((base, _))) if !base.is_empty() => {
                self.analyze(&base.split('.').collect::<Vec<_>>())
            }
            (Rcode::Forwarded, _) => self.outside_zone(&name.lower),
            _ => Vec::new(),
        };
        let full = |labels: &[String]| format!("{}.{zone}", labels.join("."));
        self.word(name.orig, findings, full)
    }

    /// Hints for a pod's lookup that found nothing, worded as names the
    /// pod can ask (`redis-master`, `redis-master.my-ns`). The name is read
    /// as its user meant it: one label a Service of the pod's namespace,
    /// two a Service and its namespace (or an endpoint and its Service
    /// here), or a name in the cluster zone. Other names are not the
    /// cluster's to hint at.
    pub fn lookup_hints(&self, lookup: &PodLookup, pod_namespace: &str) -> Vec<Hint> {
        if lookup.answer.is_success() || !lookup.resolv_conf.cluster_dns {
            return Vec::new();
        }
        let Some(name) = Name::parse(&lookup.question.name) else {
            return Vec::new();
        };
        let zone = self.opts.zone.clone();
        let ns = pod_namespace.to_ascii_lowercase();
        let labels: Vec<&str> = name.lower.split('.').collect();
        let findings = match (name.split_zone(&zone), labels.as_slice()) {
            (Some((base, _)), _) if !base.is_empty() => {
                self.analyze(&base.split('.').collect::<Vec<_>>())
            }
            (Some(_), _) => Vec::new(),
            (None, [svc]) => self.analyze(&[svc, ns.as_str(), "svc"]),
            (None, [first, second]) => {
                // An endpoint of a Service here, or a Service in a namespace.
                let endpoint =
                    !self.namespaces.contains(*second) && self.service(second, &ns).is_some();
                if endpoint {
                    self.analyze(&[first, second, ns.as_str(), "svc"])
                } else {
                    self.analyze(&[first, second, "svc"])
                }
            }
            (None, [first, second, "svc"]) => self.analyze(&[first, second, "svc"]),
            // Longer names go to the search path only after they have been
            // asked as written: the cluster's if the domain is misspelled.
            (None, _) => self.outside_zone(&name.lower),
        };
        // The shortest name that reaches it through the pod's search path.
        let own = format!(".{ns}.svc");
        let short = |labels: &[String]| {
            let full = labels.join(".");
            match full.strip_suffix(&own) {
                Some(s) => s.to_string(),
                None => full.strip_suffix(".svc").unwrap_or(&full).to_string(),
            }
        };
        self.word(name.orig, findings, short)
    }

    fn word(
        &self,
        typed: &str,
        findings: Vec<Finding>,
        spell: impl Fn(&[String]) -> String,
    ) -> Vec<Hint> {
        let mut out: Vec<Hint> = Vec::new();
        for f in findings {
            // A Service that does not resolve either (headless, no ready
            // endpoints) is no name to ask instead.
            if !self.name_exists(&f.labels.join(".")) {
                continue;
            }
            let suggestion = spell(&f.labels);
            if out.iter().any(|h| h.suggestion == suggestion) {
                continue;
            }
            let meant = f.say.unwrap_or_else(|| suggestion.clone());
            let message = format!("{}; did you mean {meant}?", f.lead);
            out.push(Hint::new(f.code, typed, suggestion, f.object, message));
        }
        out.truncate(MAX_HINTS);
        out
    }

    /// Labels below the zone (lower case), from the most specific: what a
    /// name that does not exist was meant to be.
    fn analyze(&self, labels: &[&str]) -> Vec<Finding> {
        let Some((&kind, rest)) = labels.split_last() else {
            return Vec::new();
        };
        if self.name_exists(&labels.join(".")) {
            return Vec::new();
        }
        let owned = |ls: &[&str]| ls.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        let mut with_svc = owned(rest);
        with_svc.push("svc".into());
        match kind {
            "svc" => self.under_svc(rest),
            // Pod records are addresses, not names to hint at.
            "pod" => Vec::new(),
            // `svc` misspelled: the name with it put right, or what that
            // name was meant to be.
            k if !rest.is_empty() && similar::compare(k, "svc").is_some() => {
                if self.name_exists(&with_svc.join(".")) {
                    vec![Finding {
                        code: "dns-name",
                        lead: format!("{k:?} is no label of the cluster zone; Service names end in svc"),
                        say: None,
                        labels: with_svc,
                        object: None,
                    }]
                } else {
                    let mut fixed = rest.to_vec();
                    fixed.push("svc");
                    self.analyze(&fixed)
                }
            }
            // `svc` left out: `name.ns`, or a bare name.
            _ => match labels {
                [name, ns] => self
                    .service(name, ns)
                    .map(|s| Finding {
                        code: "dns-name",
                        lead: "the name lacks the svc label".into(),
                        say: None,
                        labels: owned(&[name, ns, "svc"]),
                        object: Some(service_ref(s)),
                    })
                    .into_iter()
                    .collect(),
                [name] => self
                    .namespaces_with(name)
                    .into_iter()
                    .map(|ns| Finding {
                        code: "dns-name",
                        lead: format!("the name lacks a namespace and the svc label; Service {name} is in namespace {ns}"),
                        say: None,
                        labels: owned(&[name, ns, "svc"]),
                        object: Some(ObjectRef::new("Service", ns, name)),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }

    /// The labels before `svc`: `[namespace]`, `[service, namespace]`,
    /// `[endpoint, service, namespace]`, `[_port, _proto, service,
    /// namespace]`.
    fn under_svc(&self, rest: &[&str]) -> Vec<Finding> {
        let owned = |ls: &[&str]| {
            let mut v: Vec<String> = ls.iter().map(|l| l.to_string()).collect();
            v.push("svc".into());
            v
        };
        match rest {
            // A namespace that does not exist: a Service's name with the
            // namespace left out, or a namespace a slip away.
            [ns] if !self.namespaces.contains(*ns) => {
                let named: Vec<Finding> = self
                    .namespaces_with(ns)
                    .into_iter()
                    .map(|there| Finding {
                        code: "dns-name",
                        lead: format!(
                            "there is no namespace {ns}, but a Service {ns} in namespace {there}"
                        ),
                        say: None,
                        labels: owned(&[ns, there]),
                        object: Some(ObjectRef::new("Service", there, ns)),
                    })
                    .collect();
                if !named.is_empty() {
                    return named;
                }
                let mut all: Vec<&str> = self.namespaces.iter().map(String::as_str).collect();
                crate::order::sort(&mut all);
                similar::best(ns, all)
                    .into_iter()
                    .map(|(near, _)| Finding {
                        code: "namespace",
                        lead: format!("no namespace {ns}"),
                        say: Some(near.to_string()),
                        labels: owned(&[near]),
                        object: Some(ObjectRef::new("Namespace", "", near)),
                    })
                    .collect()
            }
            [name, ns] => self.services_meant(&[], name, ns),
            [endpoint, name, ns] => match self.service(name, ns) {
                Some(svc) => self.endpoints_meant(endpoint, svc),
                None => self.services_meant(&[endpoint], name, ns),
            },
            [port, proto, name, ns] => match self.service(name, ns) {
                Some(svc) => self.ports_meant(port, proto, svc),
                None => self.services_meant(&[port, proto], name, ns),
            },
            _ => Vec::new(),
        }
    }

    /// [`ZoneIndex::meant_services`] as findings; `prefix` are the labels
    /// before the Service's (an endpoint, a port and protocol).
    fn services_meant(&self, prefix: &[&str], name: &str, ns: &str) -> Vec<Finding> {
        self.meant_services(name, ns)
            .into_iter()
            .map(|m| {
                let (svc, there) = (&m.service.name, &m.service.namespace);
                let mut labels: Vec<String> = prefix.iter().map(|l| l.to_string()).collect();
                labels.extend([svc.clone(), there.clone(), "svc".into()]);
                let object = Some(ObjectRef::new("Service", there, svc));
                match m.why {
                    Why::Name(_) => Finding {
                        code: "service",
                        lead: format!("no Service {name} in {ns}"),
                        say: prefix.is_empty().then(|| svc.clone()),
                        labels,
                        object,
                    },
                    Why::Namespace => Finding {
                        code: "namespace",
                        lead: format!("no Service {name} in {ns}, but namespace {there} has one"),
                        say: None,
                        labels,
                        object,
                    },
                    Why::NamespaceSlip(_) => Finding {
                        code: "namespace",
                        lead: format!("no namespace {ns}"),
                        say: None,
                        labels,
                        object,
                    },
                }
            })
            .collect()
    }

    /// An endpoint label a Service does not have: one a slip away, or the
    /// label of the pod the query named.
    fn endpoints_meant(&self, endpoint: &str, svc: &SvcEntry) -> Vec<Finding> {
        let addrs: Vec<_> = svc.groups.iter().flat_map(|g| &g.addrs).collect();
        let labels = |label: &str| {
            vec![
                label.to_string(),
                svc.name.clone(),
                svc.namespace.clone(),
                "svc".into(),
            ]
        };
        let lead = format!("Service {} has no endpoint {endpoint}", svc.name);
        let pod_ref = |pod: Option<&String>| pod.map(|p| ObjectRef::new("Pod", &svc.namespace, p));
        if let Some(a) = addrs.iter().find(|a| {
            a.pod
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(endpoint))
        }) {
            return vec![Finding {
                code: "hostname",
                lead: format!(
                    "{lead}: pod {endpoint} has no hostname there, so its endpoint is named {}",
                    a.label
                ),
                say: None,
                labels: labels(&a.label),
                object: pod_ref(a.pod.as_ref()),
            }];
        }
        let names: Vec<&str> = addrs.iter().map(|a| a.label.as_str()).collect();
        similar::best(endpoint, names)
            .into_iter()
            .map(|(label, _)| Finding {
                code: "hostname",
                lead: lead.clone(),
                say: Some(label.to_string()),
                labels: labels(label),
                object: pod_ref(
                    addrs
                        .iter()
                        .find(|a| a.label == label)
                        .and_then(|a| a.pod.as_ref()),
                ),
            })
            .collect()
    }

    /// An SRV query's `_port._proto` a Service does not have.
    fn ports_meant(&self, port: &str, proto: &str, svc: &SvcEntry) -> Vec<Finding> {
        let (p, pr) = (strip_underscore(port), strip_underscore(proto));
        let object = Some(service_ref(svc));
        let labels = |p: &str, pr: &str| {
            vec![
                format!("_{p}"),
                format!("_{pr}"),
                svc.name.clone(),
                svc.namespace.clone(),
                "svc".into(),
            ]
        };
        let protocols = ["tcp", "udp", "sctp"];
        if !pr.is_empty() && !protocols.contains(&pr) {
            if let Some((near, _)) = similar::closest(pr, protocols) {
                return vec![Finding {
                    code: "protocol",
                    lead: format!("no protocol {pr}"),
                    say: Some(format!("_{near}")),
                    labels: labels(p, near),
                    object,
                }];
            }
        }
        let names = svc.ports.iter().map(|sp| sp.name.as_str());
        similar::best(&p.to_ascii_lowercase(), names)
            .into_iter()
            .map(|(near, _)| {
                let near = near.to_ascii_lowercase();
                Finding {
                    code: "port-name",
                    lead: format!("Service {} has no port {p}", svc.name),
                    say: Some(format!("_{near}")),
                    labels: labels(&near, pr),
                    object: object.clone(),
                }
            })
            .collect()
    }

    /// A name the cluster DNS forwards that looks like one of its own:
    /// `<service>.<namespace>.svc` without the cluster domain (or with it
    /// misspelled), `<service>.<namespace>`, or a bare Service name.
    fn outside_zone(&self, lower: &str) -> Vec<Finding> {
        let zone = self.opts.zone.as_str();
        let labels: Vec<&str> = lower.split('.').collect();
        let lead = format!("{lower}. is outside the cluster zone {zone}");
        for (i, l) in labels.iter().enumerate().skip(1) {
            if *l != "svc" && similar::compare(l, "svc").is_none() {
                continue;
            }
            let tail = labels[i + 1..].join(".");
            if !tail.is_empty() && similar::compare_dotted(&tail, zone).is_none() {
                continue;
            }
            let mut fixed: Vec<&str> = labels[..i].to_vec();
            fixed.push("svc");
            if self.name_exists(&fixed.join(".")) {
                let why = if tail.is_empty() {
                    " (a pod's search path adds it, a plain query does not)"
                } else {
                    ""
                };
                return vec![Finding {
                    code: "dns-name",
                    lead: format!("{lead}{why}"),
                    say: None,
                    labels: fixed.iter().map(|l| l.to_string()).collect(),
                    object: None,
                }];
            }
            return self.analyze(&fixed);
        }
        let short = " (a pod's search path completes it, a plain query does not)";
        match labels.as_slice() {
            [name, ns] => self
                .service(name, ns)
                .map(|s| Finding {
                    code: "dns-name",
                    lead: format!("{lead}{short}"),
                    say: None,
                    labels: vec![name.to_string(), ns.to_string(), "svc".into()],
                    object: Some(service_ref(s)),
                })
                .into_iter()
                .collect(),
            [name] => self
                .namespaces_with(name)
                .into_iter()
                .map(|ns| Finding {
                    code: "dns-name",
                    lead: format!("{lead}{short}"),
                    say: None,
                    labels: vec![name.to_string(), ns.to_string(), "svc".into()],
                    object: Some(ObjectRef::new("Service", ns, name)),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

fn service_ref(s: &SvcEntry) -> ObjectRef {
    ObjectRef::new("Service", &s.namespace, &s.name)
}
