//! What a pod gets when it looks a name up: the resolv.conf kubelet
//! writes for it, then the stub resolver's walk through the search path
//! (glibc's `res_nsearch`), one query to the cluster DNS at a time.
//!
//! - Absolute names (trailing dot) are asked once.
//! - A name with at least `ndots` dots is asked as written first, then
//!   with each search domain; one with fewer dots the other way round.
//! - NXDOMAIN and NODATA move on to the next candidate; a record ends the
//!   walk. When all fail, the application sees the as-written answer if it
//!   was tried first, else a NODATA if there was one, else the last answer.
//! - A query the cluster DNS forwards upstream (or that goes to another
//!   nameserver) has an answer outside the model: the walk goes on as if
//!   upstream knew no such name, the usual case for a cluster name with a
//!   search domain stuck to it. Unless a later candidate is answered, the
//!   application gets what upstream says: the final answer is `FORWARDED`.

use super::{Question, RType, Rcode, Response, ZoneIndex};
use crate::model::Pod;
use serde::Serialize;
use std::net::IpAddr;

/// Limits kubelet applies to what it writes (`validation.MaxDNS…`).
const MAX_NAMESERVERS: usize = 3;
const MAX_SEARCHES: usize = 32;
const MAX_SEARCH_CHARS: usize = 2048;
/// glibc caps `ndots` at 15 (`RES_MAXNDOTS`); 1 when unset.
const MAX_NDOTS: u32 = 15;
const DEFAULT_NDOTS: u32 = 1;

/// A pod's `/etc/resolv.conf`, as kubelet writes it. With the cluster
/// DNS, kubelet also appends the node's own search domains; the input does
/// not hold them, so they are left out (they only matter once every
/// cluster candidate has failed).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvConf {
    /// The dnsPolicy in effect (ClusterFirst on a hostNetwork pod is
    /// Default).
    pub policy: String,
    pub nameservers: Vec<String>,
    pub searches: Vec<String>,
    pub options: Vec<String>,
    pub ndots: u32,
    /// Whether queries go to the cluster DNS (its address is the first
    /// nameserver); otherwise every query is forwarded elsewhere.
    pub cluster_dns: bool,
    /// What the file depends on that the input does not hold, or why it is
    /// not what the pod asked for.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One lookup from a pod: its resolv.conf, every query sent, in order,
/// with its response, and the answer the application gets.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodLookup {
    pub question: Question,
    pub resolv_conf: ResolvConf,
    pub queries: Vec<Response>,
    pub answer: Response,
}

/// Which resolv.conf kubelet starts from.
enum Base {
    Cluster,
    Node,
    Empty,
}

impl ZoneIndex {
    /// The resolv.conf kubelet writes for `pod` (`pkg/kubelet/network/dns`).
    pub fn resolv_conf(&self, pod: &Pod) -> ResolvConf {
        let namespace = pod
            .metadata
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(crate::objects::DEFAULT_NAMESPACE);
        let asked = pod
            .spec
            .dns_policy
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or("ClusterFirst");
        let mut notes = Vec::new();
        let base = match asked {
            "ClusterFirstWithHostNet" => Base::Cluster,
            "ClusterFirst" if pod.spec.host_network == Some(true) => {
                notes.push(
                    "a hostNetwork pod with dnsPolicy ClusterFirst gets the node's resolv.conf \
                     (Default); ClusterFirstWithHostNet gives it the cluster DNS"
                        .to_string(),
                );
                Base::Node
            }
            "ClusterFirst" => Base::Cluster,
            "Default" => Base::Node,
            "None" => Base::Empty,
            other => {
                notes.push(format!(
                    "dnsPolicy {other:?} is not one the apiserver accepts; read as ClusterFirst"
                ));
                Base::Cluster
            }
        };
        let (policy, mut nameservers, mut searches, mut options) = match base {
            Base::Cluster => match self.cluster_dns {
                Some(ip) => {
                    let d = &self.search_domain;
                    let policy = match asked {
                        "ClusterFirstWithHostNet" => asked,
                        _ => "ClusterFirst",
                    };
                    (
                        policy,
                        vec![ip.to_string()],
                        vec![
                            format!("{namespace}.svc.{d}"),
                            format!("svc.{d}"),
                            d.clone(),
                        ],
                        vec!["ndots:5".to_string()],
                    )
                }
                None => {
                    notes.push("no cluster DNS address is known: kubelet falls back to the node's resolv.conf".to_string());
                    ("Default", Vec::new(), Vec::new(), Vec::new())
                }
            },
            Base::Node => {
                notes.push(
                    "the node's resolv.conf is not part of the input: queries go to the node's \
                     resolver"
                        .to_string(),
                );
                ("Default", Vec::new(), Vec::new(), Vec::new())
            }
            Base::Empty => ("None", Vec::new(), Vec::new(), Vec::new()),
        };
        if let Some(cfg) = &pod.spec.dns_config {
            for n in &cfg.nameservers {
                if !nameservers.contains(n) {
                    nameservers.push(n.clone());
                }
            }
            for s in &cfg.searches {
                if !searches.contains(s) {
                    searches.push(s.clone());
                }
            }
            // dnsConfig options replace those of the same name.
            for o in &cfg.options {
                let text = match &o.value {
                    Some(v) if !v.is_empty() => format!("{}:{v}", o.name),
                    _ => o.name.clone(),
                };
                let same = |x: &String| x.split(':').next() == Some(o.name.as_str());
                match options.iter_mut().find(|x| same(x)) {
                    Some(x) => *x = text,
                    None => options.push(text),
                }
            }
        }
        if nameservers.len() > MAX_NAMESERVERS {
            notes.push(format!(
                "kubelet keeps the first {MAX_NAMESERVERS} of {} nameservers",
                nameservers.len()
            ));
            nameservers.truncate(MAX_NAMESERVERS);
        }
        let mut chars = 0;
        let fits = searches
            .iter()
            .take(MAX_SEARCHES)
            .take_while(|s| {
                chars += s.len() + 1;
                chars <= MAX_SEARCH_CHARS + 1
            })
            .count();
        if fits < searches.len() {
            notes.push(format!(
                "kubelet keeps the first {fits} of {} search domains",
                searches.len()
            ));
            searches.truncate(fits);
        }
        if nameservers.is_empty() && matches!(base, Base::Empty) {
            notes.push("no nameserver: the resolver asks 127.0.0.1".to_string());
        }
        let ndots = options
            .iter()
            .filter_map(|o| o.strip_prefix("ndots:")?.parse::<u32>().ok())
            .next_back()
            .map_or(DEFAULT_NDOTS, |n| n.min(MAX_NDOTS));
        let cluster_dns = nameservers
            .first()
            .and_then(|n| n.parse::<IpAddr>().ok())
            .is_some_and(|ip| Some(ip) == self.cluster_dns);
        ResolvConf {
            policy: policy.to_string(),
            nameservers,
            searches,
            options,
            ndots,
            cluster_dns,
            notes,
        }
    }

    /// What `pod` gets when it looks `name` up: each query its resolver
    /// sends, in order, and the final answer.
    pub fn resolve_from_pod(&self, pod: &Pod, name: &str, qtype: RType) -> PodLookup {
        let rc = self.resolv_conf(pod);
        let (queries, decided) = self.walk(&rc, name, qtype);
        let answer = match decided {
            Some(i) => queries[i].clone(),
            // No query could be formed (an empty name).
            None => Response {
                question: Question {
                    name: name.to_string(),
                    qtype,
                },
                rcode: Rcode::FormErr,
                answer: Vec::new(),
                authority: Vec::new(),
                additional: Vec::new(),
                forwarded: None,
            },
        };
        PodLookup {
            question: Question {
                name: name.to_string(),
                qtype,
            },
            resolv_conf: rc,
            queries,
            answer,
        }
    }

    /// The queries `res_nsearch` sends, and which response decides.
    fn walk(&self, rc: &ResolvConf, name: &str, qtype: RType) -> (Vec<Response>, Option<usize>) {
        let mut queries = Vec::new();
        if name.is_empty() {
            return (queries, None);
        }
        let ask = |candidate: &str, queries: &mut Vec<Response>| {
            let r = if rc.cluster_dns {
                self.answer(candidate, qtype)
            } else {
                forwarded(candidate, qtype)
            };
            queries.push(r);
            queries.len() - 1
        };
        let absolute = name.ends_with('.');
        let dots = name.matches('.').count();
        let mut as_is_first = None;
        if absolute || dots >= rc.ndots as usize {
            let i = ask(name, &mut queries);
            if absolute || queries[i].is_success() {
                return (queries, Some(i));
            }
            as_is_first = Some(i);
        }
        let mut nodata = None;
        let mut root_on_list = false;
        for domain in &rc.searches {
            let domain = domain.trim_matches('.');
            root_on_list |= domain.is_empty();
            let candidate = if domain.is_empty() {
                format!("{name}.")
            } else {
                format!("{name}.{domain}.")
            };
            let i = ask(&candidate, &mut queries);
            match queries[i].rcode {
                _ if queries[i].is_success() => return (queries, Some(i)),
                Rcode::NoError => nodata = Some(i),
                Rcode::NxDomain | Rcode::Forwarded => {}
                // A name that cannot be sent stops the search list.
                Rcode::FormErr => break,
            }
        }
        if as_is_first.is_none() && !root_on_list {
            let i = ask(&format!("{name}."), &mut queries);
            if queries[i].is_success() {
                return (queries, Some(i));
            }
            if queries[i].rcode == Rcode::NoError {
                nodata = Some(i);
            }
        }
        let upstream = queries.iter().position(|q| q.rcode == Rcode::Forwarded);
        let last = queries.len().checked_sub(1);
        (queries, upstream.or(as_is_first).or(nodata).or(last))
    }
}

/// A query that does not reach the cluster DNS.
fn forwarded(name: &str, qtype: RType) -> Response {
    Response {
        question: Question {
            name: super::name::fqdn(name),
            qtype,
        },
        rcode: Rcode::Forwarded,
        answer: Vec::new(),
        authority: Vec::new(),
        additional: Vec::new(),
        forwarded: Some(super::name::fqdn(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::DnsOptions;
    use crate::engine::Engine;
    use crate::model::{PodDnsConfig, PodDnsConfigOption};
    use crate::Config;

    fn index() -> ZoneIndex {
        let engine = Engine::new(Config::default());
        ZoneIndex::from_state(&engine.state(), DnsOptions::default())
    }

    fn pod(policy: Option<&str>, cfg: Option<PodDnsConfig>) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = "p".into();
        p.metadata.namespace = Some("ns".into());
        p.spec.dns_policy = policy.map(String::from);
        p.spec.dns_config = cfg;
        p
    }

    #[test]
    fn cluster_first_gets_the_cluster_search_path() {
        let rc = index().resolv_conf(&pod(None, None));
        assert_eq!(rc.policy, "ClusterFirst");
        // kubeadm's clusterDNS: the tenth address of the service range.
        assert_eq!(rc.nameservers, ["10.96.0.10"]);
        assert_eq!(
            rc.searches,
            ["ns.svc.cluster.local", "svc.cluster.local", "cluster.local"]
        );
        assert_eq!((rc.ndots, rc.cluster_dns), (5, true));
    }

    #[test]
    fn dns_config_merges_and_is_capped() {
        let cfg = PodDnsConfig {
            nameservers: vec!["1.1.1.1".into(), "8.8.8.8".into(), "9.9.9.9".into()],
            searches: vec!["cluster.local".into(), "corp.example".into()],
            options: vec![
                PodDnsConfigOption {
                    name: "ndots".into(),
                    value: Some("2".into()),
                },
                PodDnsConfigOption {
                    name: "edns0".into(),
                    value: None,
                },
            ],
        };
        let rc = index().resolv_conf(&pod(Some("ClusterFirst"), Some(cfg)));
        assert_eq!(rc.nameservers, ["10.96.0.10", "1.1.1.1", "8.8.8.8"]);
        assert_eq!(rc.searches.last().map(String::as_str), Some("corp.example"));
        assert_eq!(rc.searches.len(), 4);
        assert_eq!(rc.options, ["ndots:2", "edns0"]);
        assert_eq!(rc.ndots, 2);
        assert!(rc
            .notes
            .iter()
            .any(|n| n.contains("first 3 of 4 nameservers")));
    }

    #[test]
    fn walk_order_follows_ndots() {
        let ix = index();
        let p = pod(None, None);
        let names = |name: &str| -> Vec<String> {
            let l = ix.resolve_from_pod(&p, name, RType::A);
            l.queries.into_iter().map(|q| q.question.name).collect()
        };
        // Fewer dots than ndots: the search list first, then as written.
        assert_eq!(
            names("kubernetes.default"),
            [
                "kubernetes.default.ns.svc.cluster.local.",
                "kubernetes.default.svc.cluster.local."
            ]
        );
        // Absolute: once.
        assert_eq!(names("x.y."), ["x.y."]);
        // Enough dots: as written first; it goes upstream, and the search
        // list follows as if upstream had no such name.
        assert_eq!(names("a.b.c.d.e.f").len(), 4);
        assert_eq!(names("a.b.c.d.e.f")[0], "a.b.c.d.e.f.");
        assert!(names("").is_empty());
    }
}
