//! The one holder of the engine: a [`svcscope::Cluster`] fed the editor's
//! buffer as one file, and every question the page asks of it. Each edit
//! is one `load` of the same file name, so the incremental engine
//! recomputes only what the edit changed.
//!
//! A text with errors (one that does not parse, or an object that cannot
//! enter the cluster) is reported, but the cluster goes back to the last
//! text without them: the page keeps showing a whole cluster and says
//! that the text has errors.

use crate::snapshot::{self, Problem, Snapshot};
use svcscope::cluster::documents::{RData, Record, Visibility};
use svcscope::cluster::options::{Columns, DnsQuery, LoadOptions, Mode, RulesRequest, ZoneOptions};
use svcscope::{Cluster, Config, NsName};

/// The name the editor's buffer is loaded under (and messages use).
pub const FILENAME: &str = "manifests";

pub struct Session {
    cluster: Cluster,
    /// The last text that loaded without errors.
    good: Option<String>,
}

/// What one load gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub problems: Vec<Problem>,
    /// The text had errors; the cluster is the last text's without them.
    pub has_errors: bool,
    /// The cluster as it now is; `None` when it did not change (a text
    /// with errors after a good one).
    pub snapshot: Option<Snapshot>,
}

/// A Service's selection: what it selects and why each other pod of its
/// namespace is not selected.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDetail {
    pub service: NsName,
    pub selector: Option<String>,
    pub selected: Vec<String>,
    /// `(requirement, reason, pods)`, the first requirement each fails.
    pub not_selected: Vec<(String, String, Vec<String>)>,
    /// The Endpoints and EndpointSlices the controllers write, as YAML.
    pub endpoints_yaml: String,
    /// The line its document starts on in the editor.
    pub line: Option<usize>,
}

/// A pod's environment per container and its DNS records.
#[derive(Debug, Clone, PartialEq)]
pub struct PodDetail {
    pub pod: NsName,
    pub containers: Vec<ContainerEnv>,
    /// Records of the cluster zone that name the pod (its addresses, the
    /// SRV and PTR records pointing at those names).
    pub records: Vec<String>,
    /// The line its document starts on in the editor.
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerEnv {
    pub container: String,
    /// `(name, value, where it comes from)`.
    pub variables: Vec<(String, String, String)>,
    /// Services whose variables the container does not get, and why.
    pub left_out: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// A DNS answer as dig would print it, with the pod's resolver settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsView {
    pub text: String,
    pub notes: Vec<String>,
    /// The asking pod's `search` line and `ndots`.
    pub resolver: Option<String>,
}

/// kube-proxy's rules for a node, as its tool prints them.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesView {
    pub text: String,
    pub notes: Vec<String>,
}

impl Session {
    /// An empty cluster with this `--service-cidr` (one range, or a
    /// dual-stack pair `a,b`).
    pub fn new(service_cidr: &str) -> Result<Session, String> {
        let service_cidrs = Config::parse_service_cidrs(service_cidr)
            .map_err(|e| format!("service CIDR {service_cidr:?}: {e}"))?;
        Ok(Session::with_config(Config {
            service_cidrs,
            ..Config::default()
        }))
    }

    /// An empty cluster with the apiserver's default service range
    /// ([`gallery::DEFAULT_SERVICE_CIDR`](crate::gallery::DEFAULT_SERVICE_CIDR)).
    pub fn with_default_cidr() -> Session {
        Session::with_config(Config::default())
    }

    fn with_config(config: Config) -> Session {
        Session {
            // Workloads count: a Deployment shows the pods it runs.
            cluster: Cluster::new(Config {
                controllers: true,
                ..config
            }),
            good: None,
        }
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Loads the editor's text in place of the previous one.
    pub fn load(&mut self, text: &str) -> Loaded {
        let opts = LoadOptions {
            filename: FILENAME.to_string(),
            columns: Columns::Utf16,
            namespace: None,
        };
        let report = self.cluster.load(text, &opts);
        if report.errors.is_empty() {
            self.good = Some(text.to_string());
            let resolution = self.cluster.resolve();
            return Loaded {
                problems: snapshot::problems(&self.cluster, &resolution, FILENAME),
                has_errors: false,
                snapshot: Some(Snapshot::of(&self.cluster, &resolution)),
            };
        }
        let problems = report.errors.iter().map(snapshot::load_problem).collect();
        match self.good.clone() {
            Some(good) => {
                self.cluster.load(&good, &opts);
                Loaded {
                    problems,
                    has_errors: true,
                    snapshot: None,
                }
            }
            // Nothing better to show yet: what the text gave.
            None => {
                let resolution = self.cluster.resolve();
                Loaded {
                    problems,
                    has_errors: true,
                    snapshot: Some(Snapshot::of(&self.cluster, &resolution)),
                }
            }
        }
    }

    pub fn service_detail(&self, service: &NsName) -> Result<ServiceDetail, String> {
        let r = service.to_string();
        let sel = self.cluster.selection(&r).map_err(|e| e.to_string())?;
        let endpoints = self
            .cluster
            .endpoints(Some(&r))
            .map_err(|e| e.to_string())?;
        let endpoints_yaml = if endpoints.items.is_empty() {
            String::new()
        } else {
            svcscope::emit::to_yaml(&endpoints).map_err(|e| e.to_string())?
        };
        let sel = sel.into_inner();
        Ok(ServiceDetail {
            service: service.clone(),
            selector: sel.selector,
            selected: sel.selected,
            not_selected: sel
                .not_selected
                .into_iter()
                .map(|g| (g.requirement, g.reason, g.pods))
                .collect(),
            endpoints_yaml,
            line: self.line_of("Service", service),
        })
    }

    /// The line an object's document starts on in the editor's text.
    fn line_of(&self, kind: &str, key: &NsName) -> Option<usize> {
        self.cluster
            .origin(kind, &key.namespace, &key.name)
            .filter(|o| &*o.file == FILENAME)
            .and_then(|o| o.line)
    }

    /// Every Endpoints and EndpointSlice the controllers write, as YAML.
    pub fn all_endpoints_yaml(&self) -> Result<String, String> {
        let list = self.cluster.endpoints(None).map_err(|e| e.to_string())?;
        svcscope::emit::to_yaml(&list).map_err(|e| e.to_string())
    }

    /// The environment of each container and the pod's DNS records.
    pub fn pod_detail(&self, pod: &NsName, containers: &[String], ips: &[String]) -> PodDetail {
        let r = pod.to_string();
        let containers = containers
            .iter()
            .map(|c| match self.cluster.env(&r, Some(c)) {
                Ok(env) => ContainerEnv {
                    container: c.clone(),
                    variables: env
                        .own
                        .iter()
                        .map(|v| {
                            (
                                v.name.clone(),
                                v.value.clone(),
                                "the container's env".to_string(),
                            )
                        })
                        .chain(env.services.iter().flat_map(|s| {
                            s.variables.iter().map(move |v| {
                                (
                                    v.name.clone(),
                                    v.value.clone(),
                                    format!("Service {}", s.service),
                                )
                            })
                        }))
                        .collect(),
                    left_out: env
                        .left_out
                        .iter()
                        .map(|l| (l.service.to_string(), why_left_out(l.reason).to_string()))
                        .collect(),
                    notes: env.notes.clone(),
                },
                Err(e) => ContainerEnv {
                    container: c.clone(),
                    variables: Vec::new(),
                    left_out: Vec::new(),
                    notes: vec![e.to_string()],
                },
            })
            .collect();
        PodDetail {
            pod: pod.clone(),
            containers,
            records: self.records_naming(ips),
            line: self.line_of("Pod", pod),
        }
    }

    /// The zone's records for these addresses: A/AAAA records holding
    /// them, and the SRV and PTR records that point at those names.
    fn records_naming(&self, ips: &[String]) -> Vec<String> {
        let Ok(zone) = self.cluster.zone(&ZoneOptions::default()) else {
            return Vec::new();
        };
        let holds = |r: &Record| match &r.data {
            RData::A(a) => ips.iter().any(|ip| *ip == a.to_string()),
            RData::Aaaa(a) => ips.iter().any(|ip| ip.parse() == Ok(*a)),
            _ => false,
        };
        let names: Vec<&str> = zone
            .records
            .iter()
            .filter(|r| holds(r))
            .map(|r| r.name.as_str())
            .collect();
        let points_at = |r: &Record| match &r.data {
            RData::Srv { target, .. } => names.contains(&target.as_str()),
            RData::Ptr(target) => names.contains(&target.as_str()),
            _ => false,
        };
        zone.records
            .iter()
            .filter(|r| holds(r) || points_at(r))
            .map(|r| r.to_string())
            .collect()
    }

    /// What the cluster DNS answers for `name`, asked as `from` (a pod,
    /// `NAMESPACE/NAME`) through its search path, or directly.
    pub fn dns(&self, name: &str, qtype: &str, from: Option<&NsName>) -> Result<DnsView, String> {
        let query = DnsQuery {
            from: from.map(|p| p.to_string()),
            options: ZoneOptions::default(),
        };
        let a = self
            .cluster
            .dns(name.trim(), qtype, &query)
            .map_err(|e| e.to_string())?;
        let resolver = match &a.result {
            svcscope::cluster::documents::DnsResult::Lookup(l) => Some(format!(
                "search {} · ndots:{} · nameserver {}",
                l.resolv_conf.searches.join(" "),
                l.resolv_conf.ndots,
                l.resolv_conf.nameservers.join(" ")
            )),
            svcscope::cluster::documents::DnsResult::Response(_) => None,
        };
        Ok(DnsView {
            text: a.to_text(),
            notes: a.notes.clone(),
            resolver,
        })
    }

    /// kube-proxy's rules on `node` in `mode` (`iptables`, `ipvs`,
    /// `nftables`).
    pub fn rules(&self, node: &str, mode: &str) -> Result<RulesView, String> {
        let mode = svcscope::cluster::parse_mode(mode).map_err(|e| e.to_string())?;
        if mode == Mode::Userspace {
            return Err(
                "the userspace proxy writes no rules of its own; pick iptables, ipvs or nftables"
                    .into(),
            );
        }
        let r = self
            .cluster
            .rules(&RulesRequest::new(node.trim(), mode))
            .map_err(|e| e.to_string())?;
        Ok(RulesView {
            text: r.text.clone(),
            notes: r.notes.clone(),
        })
    }
}

/// Why kubelet leaves a Service's variables out of a pod's environment.
fn why_left_out(v: Visibility) -> &'static str {
    match v {
        Visibility::Visible => "visible",
        Visibility::OtherNamespace => {
            "another namespace (only default/kubernetes crosses namespaces)"
        }
        Visibility::LinksDisabled => "the pod sets enableServiceLinks: false",
        Visibility::NoClusterIp => "no cluster IP (headless, ExternalName or unallocated)",
        Visibility::CreatedAfterPod => {
            "created after the pod: kubelet sets variables when a container starts"
        }
        Visibility::Shadowed => "replaced by a kubernetes Service of the pod's own namespace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gallery;

    fn session(id: &str) -> (Session, Loaded) {
        let e = gallery::find(id).unwrap();
        let mut s = Session::new(e.service_cidr).unwrap();
        let l = s.load(&e.text());
        (s, l)
    }

    #[test]
    fn a_bad_service_cidr_is_a_message() {
        let err = Session::new("10.0.0.0/33").err().unwrap();
        assert!(err.starts_with("service CIDR \"10.0.0.0/33\": "), "{err}");
    }

    #[test]
    fn a_broken_text_keeps_the_last_good_cluster() {
        let (mut s, first) = session("my-service");
        assert!(!first.has_errors);
        let good = first.snapshot.unwrap();
        assert_eq!(
            good.service(&NsName::new("my-ns", "my-service"))
                .unwrap()
                .selected
                .len(),
            3
        );
        let text = gallery::find("my-service").unwrap().text();
        // A flow mapping left open on line 26.
        let broken = text.replacen("labels: {app: MyApp}", "labels: {app: MyApp", 1);
        let l = s.load(&broken);
        assert!(l.has_errors);
        assert!(l.snapshot.is_none(), "the last good cluster stays");
        assert_eq!(l.problems[0].code, "syntax");
        assert!(l.problems[0].line.is_some());
        // The cluster still answers as before.
        assert_eq!(
            s.service_detail(&NsName::new("my-ns", "my-service"))
                .unwrap()
                .selected
                .len(),
            3
        );
        // Fixed again: a fresh snapshot equal to the first.
        let l = s.load(&text);
        assert!(!l.has_errors);
        assert_eq!(l.snapshot.unwrap(), good);
    }

    #[test]
    fn a_first_text_with_errors_shows_what_it_gave() {
        let mut s = Session::new(gallery::DEFAULT_SERVICE_CIDR).unwrap();
        // The second pod has no name: it cannot enter the cluster.
        let l = s.load("kind: Pod\napiVersion: v1\nmetadata: {name: a}\n---\nkind: Pod\napiVersion: v1\nmetadata: {}\n");
        assert!(l.has_errors);
        assert_eq!(l.snapshot.unwrap().pods.len(), 1);
    }

    #[test]
    fn why_not_and_endpoints_of_a_service() {
        let (s, _) = session("my-service");
        let d = s
            .service_detail(&NsName::new("my-ns", "my-service"))
            .unwrap();
        assert_eq!(d.selected, ["myapp-1", "myapp-2", "myapp-3"]);
        assert_eq!(d.not_selected.len(), 1);
        let (req, reason, pods) = &d.not_selected[0];
        assert_eq!(req, "app=MyApp");
        assert!(reason.contains("myapp"), "{reason}");
        assert_eq!(pods, &["myapp-typo"]);
        assert!(d.endpoints_yaml.contains("kind: EndpointSlice"));
        assert!(d.endpoints_yaml.contains("notReadyAddresses"));
        // The Service's document: after the Namespace's, at its `---`.
        assert_eq!(d.line, Some(6));
        assert!(s.service_detail(&NsName::new("my-ns", "nope")).is_err());
    }

    #[test]
    fn a_pods_env_and_dns_records() {
        let (s, l) = session("redis-master");
        let snap = l.snapshot.unwrap();
        let fe = snap.pod(&NsName::new("my-ns", "frontend")).unwrap();
        let names: Vec<String> = fe.containers.iter().map(|c| c.name.clone()).collect();
        let d = s.pod_detail(&fe.key, &names, &fe.ips);
        let env = &d.containers[0];
        assert_eq!(env.container, "php-redis");
        assert!(env
            .variables
            .iter()
            .any(|(n, v, from)| n == "REDIS_MASTER_SERVICE_HOST"
                && v == "10.0.0.11"
                && from == "Service my-ns/redis-master"));
        // The headless MySQL pods have names in the zone.
        let (s, l) = session("mysql");
        let snap = l.snapshot.unwrap();
        let m0 = snap.pod(&NsName::new("db", "mysql-0")).unwrap();
        let d = s.pod_detail(&m0.key, &[], &m0.ips);
        assert!(
            d.records
                .iter()
                .any(|r| r.starts_with("mysql-0.mysql.db.svc.cluster.local.")
                    && r.ends_with("A 10.244.1.10")),
            "{:?}",
            d.records
        );
        assert!(
            d.records.iter().any(|r| r.contains(" SRV ")),
            "{:?}",
            d.records
        );
    }

    #[test]
    fn the_late_service_is_left_out_with_its_reason() {
        let (s, _) = session("late-service");
        let d = s.pod_detail(&NsName::new("late", "client"), &["app".to_string()], &[]);
        assert_eq!(
            d.containers[0].left_out,
            [(
                "late/redis".to_string(),
                why_left_out(Visibility::CreatedAfterPod).to_string()
            )]
        );
    }

    #[test]
    fn dns_as_a_pod_walks_its_search_path() {
        let (s, _) = session("my-service");
        let from = NsName::new("my-ns", "myapp-1");
        let a = s.dns("my-service", "A", Some(&from)).unwrap();
        assert!(
            a.text
                .starts_with(";; query my-service.my-ns.svc.cluster.local. A -> NOERROR\n"),
            "{}",
            a.text
        );
        assert!(a
            .resolver
            .unwrap()
            .starts_with("search my-ns.svc.cluster.local svc.cluster.local cluster.local"));
        let err = s.dns("x", "BOGUS", None).unwrap_err();
        assert!(err.contains("BOGUS"), "{err}");
    }

    #[test]
    fn rules_of_a_node() {
        let (s, _) = session("node-port");
        let r = s.rules("node-a", "iptables").unwrap();
        assert!(r.text.contains("--dport 30061"), "{}", r.text);
        assert!(s.rules("node-a", "ipvs").unwrap().text.contains("TCP"));
        assert!(s
            .rules("node-a", "nftables")
            .unwrap()
            .text
            .contains("table ip kube-proxy"));
        assert!(s.rules("node-a", "pf").is_err());
        assert!(s.rules("node-a", "userspace").is_err());
    }
}
