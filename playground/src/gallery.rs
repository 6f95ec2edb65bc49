//! The examples one click away: the seeds' manifests (`examples/`, shared
//! with the CLI's golden tests), the playground's own (`gallery/`), and a
//! generated cluster of 500 pods and 100 Services that shows how the
//! diagram scales (and that the performance script measures).

/// One example: its text and the cluster settings it was written for.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// Stable, kebab-case: the value the picker and the tests use.
    pub id: &'static str,
    pub title: &'static str,
    /// One sentence on what it shows.
    pub blurb: &'static str,
    /// `--service-cidr` (the seeds were written for 2015's 10.0.0.0/16).
    pub service_cidr: &'static str,
    text: Text,
}

#[derive(Debug, Clone, Copy)]
enum Text {
    Fixed(&'static str),
    Generated(fn() -> String),
}

impl Example {
    pub fn text(&self) -> String {
        match self.text {
            Text::Fixed(t) => t.to_string(),
            Text::Generated(f) => f(),
        }
    }
}

/// kubeadm's default range, for the examples that pin no cluster IP.
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/12";
const SEED_SERVICE_CIDR: &str = "10.0.0.0/16";

/// The example the playground opens on.
pub const FIRST: &str = "my-service";

/// Every example, in the picker's order.
pub const EXAMPLES: &[Example] = &[
    Example {
        id: "my-service",
        title: "my-service: app=MyApp on 9376",
        blurb: "The seeds' first Service: pods labelled app=MyApp, port 80 to 9376; one pod is not ready, one has a label typo.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../../examples/my-service.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "multi-port",
        title: "Multi-port: http and https",
        blurb: "One Service, two named ports (80 to 9376, 443 to 9377): every port of a multi-port Service needs a name.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/multi-port.yaml")),
    },
    Example {
        id: "selectorless",
        title: "Selectorless Service, manual Endpoints",
        blurb: "No selector: the Endpoints (1.2.3.4) are written by hand, and the mirroring controller copies them into an EndpointSlice.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/selectorless.json")),
    },
    Example {
        id: "redis-master",
        title: "redis-master and its env vars",
        blurb: "The seeds' discovery example: the frontend, created after redis-master, gets REDIS_MASTER_* variables and finds it by DNS.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../../examples/redis-master.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "late-service",
        title: "A Service created after its client",
        blurb: "kubelet sets service variables when a container starts: the client, older than redis, has none of its variables.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/late-service.yaml")),
    },
    Example {
        id: "deployment",
        title: "A Deployment and its Service",
        blurb: "The documentation's nginx Deployment: the controllers run three pods (ReplicaSet, pod-template-hash, a node each), and the Service selects them.",
        service_cidr: DEFAULT_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../../examples/controllers/nginx-deployment.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "headless",
        title: "Headless: clusterIP None",
        blurb: "No virtual IP: DNS answers with the pods themselves, and SRV records name each one.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/headless.yaml")),
    },
    Example {
        id: "mysql",
        title: "Headless MySQL primary and replicas",
        blurb: "A headless Service gives each pod a stable name (mysql-0.mysql takes the writes); mysql-read balances reads over the ready replicas.",
        service_cidr: DEFAULT_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../gallery/mysql.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "external-name",
        title: "ExternalName: a database outside",
        blurb: "No proxying and no endpoints: the cluster DNS answers with a CNAME to my.database.example.com.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/external-name.yaml")),
    },
    Example {
        id: "node-port",
        title: "NodePort 30061",
        blurb: "Every node forwards port 30061 to the pods, wherever they run.",
        service_cidr: DEFAULT_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../gallery/node-port.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "load-balancer",
        title: "LoadBalancer 146.148.47.155 (JSON)",
        blurb: "The seeds' LoadBalancer, as kubectl get -o json prints a List: ingress 146.148.47.155, node port 30061.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/load-balancer.json")),
    },
    Example {
        id: "frontend",
        title: "frontend-svc and db (course notes)",
        blurb: "Chapter 10's selectors: app=frontend picks three pods and not the database.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/frontend.yaml")),
    },
    Example {
        id: "dual-stack",
        title: "Dual-stack IPv4 and IPv6",
        blurb: "RequireDualStack: a cluster IP of each family, and one EndpointSlice per family.",
        service_cidr: "10.96.0.0/12,fd00:10:96::/108",
        text: Text::Fixed(concat!(
            include_str!("../gallery/dual-stack.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "local-traffic",
        title: "externalTrafficPolicy: Local",
        blurb: "The client's IP is kept; a node without a local endpoint drops the traffic, and its health check says so.",
        service_cidr: DEFAULT_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../gallery/local-traffic.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "session-affinity",
        title: "Session affinity: ClientIP",
        blurb: "Each client sticks to the pod it reached first for 10 minutes (iptables' recent module).",
        service_cidr: DEFAULT_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../gallery/session-affinity.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "named-port",
        title: "A named targetPort, per pod",
        blurb: "targetPort web is 8080 in v1 and 9090 in v2: one Service, one EndpointSlice per port; v3 lacks the name.",
        service_cidr: DEFAULT_SERVICE_CIDR,
        text: Text::Fixed(concat!(
            include_str!("../gallery/named-port.yaml"),
            "---\n",
            include_str!("../../examples/nodes.yaml")
        )),
    },
    Example {
        id: "typo",
        title: "A label typo explain catches",
        blurb: "The Service wants app=MyApp, the pod says app=myapp: no endpoints, and explain names the closest pod.",
        service_cidr: SEED_SERVICE_CIDR,
        text: Text::Fixed(include_str!("../../examples/typo.yaml")),
    },
    Example {
        id: "scale",
        title: "500 pods, 100 Services (generated)",
        blurb: "A generated cluster: 10 namespaces, 10 nodes; pod groups collapse, with counts.",
        service_cidr: DEFAULT_SERVICE_CIDR,
        text: Text::Generated(scale_text),
    },
];

/// The example with this id.
pub fn find(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

/// The numbers of the generated example.
pub const SCALE_NAMESPACES: usize = 10;
pub const SCALE_SERVICES_PER_NAMESPACE: usize = 10;
pub const SCALE_PODS_PER_SERVICE: usize = 5;
pub const SCALE_NODES: usize = 10;

/// 10 namespaces of 10 Services of 5 pods each over 10 nodes; every
/// tenth Service is a NodePort, every tenth pod not ready.
fn scale_text() -> String {
    let mut s =
        String::from("# Generated: 500 pods and 100 Services in 10 namespaces, on 10 nodes.\n");
    for n in 0..SCALE_NODES {
        s.push_str(&format!(
            "---\napiVersion: v1\nkind: Node\nmetadata: {{name: node-{n:02}, labels: {{topology.kubernetes.io/zone: zone-{z}}}}}\nstatus: {{addresses: [{{type: InternalIP, address: 192.168.1.{ip}}}]}}\n",
            z = n % 3,
            ip = n + 10
        ));
    }
    let mut pod = 0usize;
    for ns in 0..SCALE_NAMESPACES {
        for svc in 0..SCALE_SERVICES_PER_NAMESPACE {
            let app = format!("app-{svc:02}");
            let kind = if svc == 0 { "NodePort" } else { "ClusterIP" };
            s.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {app}, namespace: team-{ns:02}}}\nspec:\n  type: {kind}\n  selector: {{app: {app}}}\n  ports: [{{name: http, port: 80, targetPort: http}}]\n"
            ));
            for i in 0..SCALE_PODS_PER_SERVICE {
                let node = pod % SCALE_NODES;
                let ready = if pod % 10 == 9 { "False" } else { "True" };
                s.push_str(&format!(
                    "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {app}-{i}, namespace: team-{ns:02}, labels: {{app: {app}, tier: backend}}}}\nspec: {{nodeName: node-{node:02}, containers: [{{name: main, ports: [{{name: http, containerPort: 8080}}]}}]}}\nstatus: {{phase: Running, podIP: 10.244.{node}.{ip}, conditions: [{{type: Ready, status: \"{ready}\"}}]}}\n",
                    ip = pod / SCALE_NODES + 2
                ));
                pod += 1;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use svcscope::cluster::options::LoadOptions;
    use svcscope::{Cluster, Config};

    fn cluster(e: &Example) -> Cluster {
        let config = Config {
            service_cidrs: Config::parse_service_cidrs(e.service_cidr).unwrap(),
            controllers: true,
            ..Config::default()
        };
        let mut c = Cluster::new(config);
        let text = e.text();
        let r = c.load(text.as_str(), &LoadOptions::named("gallery"));
        assert!(r.errors.is_empty(), "{}: {:?}", e.id, r.errors);
        c
    }

    #[test]
    fn ids_are_unique_and_the_first_exists() {
        let ids: HashSet<_> = EXAMPLES.iter().map(|e| e.id).collect();
        assert_eq!(ids.len(), EXAMPLES.len());
        assert!(find(FIRST).is_some());
        assert!(find("nope").is_none());
    }

    /// The app opens a session on these CIDRs and counts on it.
    #[test]
    fn every_examples_service_cidr_opens_a_session() {
        for cidr in EXAMPLES
            .iter()
            .map(|e| e.service_cidr)
            .chain([DEFAULT_SERVICE_CIDR])
        {
            assert!(crate::session::Session::new(cidr).is_ok(), "{cidr}");
        }
        // The fallback session is on the range the page names.
        assert_eq!(
            svcscope::Config::parse_service_cidrs(DEFAULT_SERVICE_CIDR),
            Ok(svcscope::Config::default().service_cidrs)
        );
    }

    #[test]
    fn every_example_loads_and_the_apiserver_accepts_it() {
        for e in EXAMPLES {
            let c = cluster(e);
            assert!(c.check().is_clean(), "{}: {:?}", e.id, c.check().errors);
        }
    }

    #[test]
    fn the_typo_and_named_port_examples_have_their_findings() {
        let codes = |id: &str| -> Vec<&str> {
            cluster(find(id).unwrap())
                .explain()
                .iter()
                .map(|d| d.code)
                .collect()
        };
        assert!(codes("typo").contains(&"selector-matches-nothing"));
        assert!(codes("named-port").contains(&"target-port-name-not-found"));
    }

    #[test]
    fn the_scale_example_has_500_pods_and_100_services() {
        let c = cluster(find("scale").unwrap());
        // And default/kubernetes.
        assert_eq!(c.services().len(), 101);
        assert_eq!(c.select("tier=backend", None).unwrap().len(), 500);
        let sel = c.selection("team-03/app-07").unwrap();
        assert_eq!(sel.selected.len(), SCALE_PODS_PER_SERVICE);
        // The same text every time.
        assert_eq!(scale_text(), scale_text());
    }
}
