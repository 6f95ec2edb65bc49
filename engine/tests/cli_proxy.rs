//! Golden tests for `svcscope rules` and `svcscope route`: the real binary,
//! run from the workspace root on `examples/load-balancer.json` and
//! `examples/nodes.yaml` (NodePort 30061, LB ingress 146.148.47.155, with
//! `--service-cidr 10.0.0.0/16`) and on small manifests given on stdin.
//! Standard output is compared with `engine/tests/golden/proxy/`; after an
//! intended change regenerate with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p svcscope --test cli_proxy
//! ```
//!
//! and review the diff.

// The harness: running the binary and golden files.
#[path = "support/cli.rs"]
mod support;
use support::Run;

/// Runs `svcscope ARGS` with `stdin`.
fn run(args: &[&str], stdin: &str) -> Run {
    support::run(args, Some(stdin.as_bytes()))
}

const LB: &[&str] = &[
    "--service-cidr",
    "10.0.0.0/16",
    "examples/load-balancer.json",
    "examples/nodes.yaml",
];

fn lb<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend_from_slice(LB);
    v
}

/// A LoadBalancer with `externalTrafficPolicy: Local`, ClientIP affinity
/// and source ranges (one ready pod on node-a, a terminating one on
/// node-b), a Service without endpoints, a PreferClose one with a pod per
/// zone, a headless and an ExternalName one; the nodes of
/// `examples/nodes.yaml`.
const LOCAL: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  externalTrafficPolicy: Local
  sessionAffinity: ClientIP
  loadBalancerSourceRanges: [203.0.113.0/24]
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
status: {loadBalancer: {ingress: [{ip: 198.51.100.10}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {nodeName: node-a, containers: [{name: c}]}
status: {phase: Running, podIP: 10.244.1.7, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {nodeName: node-b, containers: [{name: c}]}
status: {phase: Running, podIP: 10.244.2.7, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: shop}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: zonal, namespace: shop}
spec:
  selector: {app: zonal}
  trafficDistribution: PreferClose
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: zonal-a, namespace: shop, labels: {app: zonal}}
spec: {nodeName: node-a, containers: [{name: c}]}
status: {phase: Running, podIP: 10.244.1.8, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: zonal-b, namespace: shop, labels: {app: zonal}}
spec: {nodeName: node-b, containers: [{name: c}]}
status: {phase: Running, podIP: 10.244.2.8, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com}
"#;

fn local<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend_from_slice(&[
        "--cluster-cidr",
        "10.244.0.0/16",
        "-",
        "examples/nodes.yaml",
    ]);
    v
}

#[test]
fn rules_for_each_node() {
    run(
        &lb(&[
            "rules",
            "--node",
            "node-a",
            "--cluster-cidr",
            "10.244.0.0/16",
        ]),
        "",
    )
    .code(0)
    .golden("proxy/rules-load-balancer-node-a.txt");
    // Without --cluster-cidr, kube-proxy has no local-traffic detector.
    run(
        &lb(&["rules", "--mode", "iptables", "--node", "node-b"]),
        "",
    )
    .code(0)
    .golden("proxy/rules-load-balancer-node-b-no-detector.txt");
    run(&local(&["rules", "--node", "node-b"]), LOCAL)
        .code(0)
        .golden("proxy/rules-local-node-b.txt");
    run(&lb(&["rules", "--mode", "ipvs", "--node", "node-a"]), "")
        .code(0)
        .golden("proxy/ipvs-load-balancer-node-a.txt");
    run(
        &local(&["rules", "--mode", "ipvs", "--node", "node-a"]),
        LOCAL,
    )
    .code(0)
    .golden("proxy/ipvs-local-node-a.txt");
    run(
        &lb(&[
            "rules",
            "--mode",
            "nftables",
            "--node",
            "node-a",
            "--cluster-cidr",
            "10.244.0.0/16",
        ]),
        "",
    )
    .code(0)
    .golden("proxy/nftables-load-balancer-node-a.txt");
    // Local policy, affinity sets, a firewall chain and no-endpoint maps.
    for node in ["node-a", "node-b"] {
        run(
            &local(&["rules", "--mode", "nftables", "--node", node]),
            LOCAL,
        )
        .code(0)
        .golden(&format!("proxy/nftables-local-{node}.txt"));
    }
}

#[test]
fn routes_on_the_load_balancer_example() {
    let cidr = ["--cluster-cidr", "10.244.0.0/16"];
    let cases: &[(&[&str], &str)] = &[
        (
            &["--from", "lb/myapp-1", "--to", "my-service.lb:80"],
            "route-pod-to-dns-name.txt",
        ),
        (
            &[
                "--from",
                "lb/myapp-2",
                "--to",
                "my-service.lb.svc.cluster.local:80",
                "--connections",
                "10",
            ],
            "route-pod-to-fqdn-10-connections.txt",
        ),
        (
            &["--from", "node/node-a", "--to", "10.0.171.239:80"],
            "route-node-to-cluster-ip.txt",
        ),
        (
            &["--from", "203.0.113.9", "--to", "192.168.0.11:30061"],
            "route-external-to-node-port.txt",
        ),
        (
            &[
                "--from",
                "203.0.113.9",
                "--to",
                "146.148.47.155:80",
                "--connections",
                "100",
            ],
            "route-external-to-lb-100-connections.txt",
        ),
        (
            &["--from", "203.0.113.9", "--to", "146.148.47.155:443"],
            "route-port-not-exposed.txt",
        ),
        (
            &["--from", "lb/myapp-1", "--to", "nope.lb:80"],
            "route-no-such-service.txt",
        ),
        (
            &[
                "--from",
                "203.0.113.9",
                "--to",
                "192.168.0.10:30061",
                "--mode",
                "userspace",
            ],
            "route-userspace-node-port.txt",
        ),
        // Round robin: connections alternate between the two pods.
        (
            &[
                "--from",
                "lb/myapp-1",
                "--to",
                "my-service.lb:80",
                "--mode",
                "userspace",
                "--connections",
                "4",
            ],
            "route-userspace-pod-to-cluster-ip.txt",
        ),
        // The node's own traffic is DNATed to the proxy port, not
        // redirected.
        (
            &[
                "--from",
                "node/node-b",
                "--to",
                "10.0.171.239:80",
                "--mode",
                "userspace",
            ],
            "route-userspace-node-to-cluster-ip.txt",
        ),
    ];
    for (args, golden) in cases {
        let mut a = vec!["route"];
        a.extend_from_slice(args);
        a.extend_from_slice(&cidr);
        run(&lb(&a), "").code(0).golden(&format!("proxy/{golden}"));
    }
    let mut a = vec![
        "route",
        "--from",
        "203.0.113.9",
        "--to",
        "146.148.47.155:80",
        "-o",
        "json",
    ];
    a.extend_from_slice(&cidr);
    run(&lb(&a), "")
        .code(0)
        .golden("proxy/route-external-to-lb.json");
}

/// An IPv6 cluster: kube-proxy's family follows the Services when the node
/// is not in the input, IPv6 has no KUBE-FIREWALL and keeps `::1` away from
/// node ports (upstream `TestEnableLocalhostNodePortsIPv6`).
#[test]
fn rules_of_an_ipv6_cluster() {
    let file = "engine/tests/fixtures/proxy/ipv6-node-port.yaml";
    run(&["rules", "--node", "test-hostname", file], "")
        .code(0)
        .stderr_has(&["node \"test-hostname\" is not in the input"])
        .stdout_lacks(&["KUBE-FIREWALL"])
        .golden("proxy/rules-ipv6-node-port.txt");
    // An IPv6 cluster CIDR says the same.
    run(
        &[
            "rules",
            "--node",
            "test-hostname",
            "--cluster-cidr",
            "fd00:10::/64",
            file,
        ],
        "",
    )
    .code(0)
    .stdout_has(&["-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS"]);
}

/// Route traces that follow the source's own view: a pod's resolver
/// (dnsPolicy Default asks the node's, a host-network pod searches its own
/// namespace), the health check (only local *ready* endpoints pass it) and
/// ClientIP affinity, which the chosen backend's rule records and the
/// next connections follow.
#[test]
fn routes_follow_resolvers_health_checks_and_affinity() {
    let f = "engine/tests/fixtures/proxy/route-cases.yaml";
    let route = |from: &str, to: &str| {
        run(
            &[
                "route",
                "--from",
                from,
                "--to",
                to,
                f,
                "examples/nodes.yaml",
            ],
            "",
        )
    };
    route("cl/dflt", "api:80").code(0).stdout_has(&[
        "verdict: NO SUCH SERVICE: api does not resolve to cl/api through the resolver of pod cl/dflt",
        "answer FORWARDED",
    ]);
    route("cl/hostnet2", "api:80")
        .code(0)
        .stdout_has(&["dns: api.cl.svc.cluster.local ->", "verdict: DELIVERED"]);
    route("198.18.0.1", "203.0.113.60:80").code(0).stdout_has(&[
        "enters node node-b: the first node passing the load balancer's health check (it has a local ready endpoint)",
        "verdict: DELIVERED: tl/web:http -> 10.244.2.100:8080",
    ]);
    let r = run(
        &[
            "route",
            "--from",
            "cl/client-b",
            "--to",
            "api:80",
            "--connections",
            "3",
            f,
            "examples/nodes.yaml",
        ],
        "",
    );
    let out = &r.code(0).stdout;
    let chosen = out
        .lines()
        .find_map(|l| l.strip_prefix("deliver: "))
        .and_then(|l| l.split_whitespace().next())
        .expect("a deliver hop");
    let dnat = out
        .lines()
        .find(|l| l.starts_with("dnat:"))
        .expect("a dnat hop");
    assert!(
        dnat.contains("--set") && dnat.contains(&format!("--to-destination {chosen}]")),
        "{out}"
    );
    assert!(
        out.contains(&format!("distribution: {chosen} 3/3")),
        "{out}"
    );
}

/// One Service with `n` ready endpoints, as JSON (slices of 100).
fn big_service(n: usize) -> String {
    let mut items = vec![serde_json::json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "big", "namespace": "ns"},
        "spec": {"clusterIP": "10.96.0.10", "ports": [{"name": "p", "port": 80}]}
    })];
    for s in 0..n.div_ceil(100) {
        let eps: Vec<_> = (s * 100..n.min(s * 100 + 100))
            .map(
                |i| serde_json::json!({"addresses": [format!("10.1.{}.{}", i / 250, i % 250 + 1)]}),
            )
            .collect();
        items.push(serde_json::json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": format!("big-{s}"), "namespace": "ns",
                "labels": {"kubernetes.io/service-name": "big"}},
            "addressType": "IPv4",
            "ports": [{"name": "p", "port": 80, "protocol": "TCP"}],
            "endpoints": eps
        }));
    }
    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}

/// Past 1,000 endpoints kube-proxy runs in large cluster mode: endpoint
/// rules lose their comments, the Service's own rules keep theirs.
#[test]
fn large_cluster_mode_drops_endpoint_comments() {
    let sep = "-m comment --comment ns/big:p -m tcp -p tcp -j DNAT";
    let jump = "-m comment --comment \"ns/big:p -> 10.1.0.1:80\"";
    let cluster_ip = "-m comment --comment \"ns/big:p cluster IP\"";
    run(&["rules", "--node", "n1", "-"], &big_service(1000))
        .code(0)
        .stdout_has(&[sep, jump, cluster_ip]);
    run(&["rules", "--node", "n1", "-"], &big_service(1001))
        .code(0)
        .stdout_has(&[cluster_ip, "-j DNAT --to-destination 10.1.0.1:80"])
        .stdout_lacks(&[sep, jump]);
}

/// The implicit `default/kubernetes` has no rules (its endpoints, the
/// apiservers, are not in the input; a real one always has them), and a
/// trace to it says so instead of calling its IP no Service's.
#[test]
fn the_implicit_kubernetes_service_is_not_programmed() {
    run(&lb(&["rules", "--node", "node-a"]), "")
        .code(0)
        .stdout_lacks(&["default/kubernetes"]);
    for to in ["10.0.0.1:443", "kubernetes.default:443"] {
        run(&lb(&["route", "--from", "lb/myapp-1", "--to", to]), "")
            .code(0)
            .stdout_has(&[
                "NO SUCH SERVICE: 10.0.0.1 is default/kubernetes, which the input does not hold",
            ]);
    }
}

#[test]
fn routes_with_local_policy_affinity_and_source_ranges() {
    let cases: &[(&[&str], &str)] = &[
        // Local: the client IP reaches the pod on the node it entered.
        (
            &[
                "--from",
                "203.0.113.5",
                "--to",
                "198.51.100.10:80",
                "--connections",
                "5",
            ],
            "route-local-lb-sticky.txt",
        ),
        // The load balancer's source ranges keep this client out.
        (
            &["--from", "192.0.2.1", "--to", "198.51.100.10:80"],
            "route-local-lb-source-range-drop.txt",
        ),
        // node-b has only a terminating pod: it serves as a fallback.
        (
            &["--from", "203.0.113.5", "--to", "192.168.0.11:30080"],
            "route-local-terminating-fallback.txt",
        ),
        (
            &["--from", "shop/web-1", "--to", "empty:80"],
            "route-no-endpoints-reject.txt",
        ),
        // PreferClose: each node keeps to its zone's endpoints.
        (
            &[
                "--from",
                "shop/web-1",
                "--to",
                "zonal:80",
                "--connections",
                "8",
            ],
            "route-prefer-close-zone-a.txt",
        ),
        (
            &[
                "--from",
                "node/node-b",
                "--to",
                "zonal.shop:80",
                "--connections",
                "8",
            ],
            "route-prefer-close-zone-b.txt",
        ),
        // The userspace proxy knows no traffic policy: ClientIP affinity
        // only, and the node's IP as source.
        (
            &[
                "--from",
                "203.0.113.5",
                "--to",
                "198.51.100.10:80",
                "--mode",
                "userspace",
                "--connections",
                "3",
            ],
            "route-userspace-lb-sticky.txt",
        ),
        (
            &[
                "--from",
                "shop/web-1",
                "--to",
                "empty:80",
                "--mode",
                "userspace",
            ],
            "route-userspace-no-endpoints.txt",
        ),
        (
            &["--from", "shop/web-1", "--to", "db.shop:5432"],
            "route-headless.txt",
        ),
        (
            &["--from", "shop/web-1", "--to", "ext.shop.svc:443"],
            "route-external-name.txt",
        ),
    ];
    for (args, golden) in cases {
        let mut a = vec!["route"];
        a.extend_from_slice(args);
        run(&local(&a), LOCAL)
            .code(0)
            .golden(&format!("proxy/{golden}"));
    }
}

#[test]
fn usage_and_input_errors() {
    run(&lb(&["rules"]), "")
        .code(2)
        .stderr_has(&["rules needs --node NAME"]);
    run(
        &lb(&[
            "rules",
            "--node",
            "node-a",
            "--cluster-cidr",
            "10.244.0.1/16",
        ]),
        "",
    )
    .code(2)
    .stderr_has(&["--cluster-cidr"]);
    run(&lb(&["route", "--to", "a.b:80"]), "")
        .code(2)
        .stderr_has(&["route needs --from"]);
    run(&lb(&["route", "--from", "lb/myapp-1"]), "")
        .code(2)
        .stderr_has(&["route needs --to"]);
    run(
        &lb(&[
            "route",
            "--from",
            "lb/myapp-1",
            "--to",
            "a.b:80",
            "--mode",
            "bpf",
        ]),
        "",
    )
    .code(2)
    .stderr_has(&["--mode"]);
    run(
        &lb(&[
            "route",
            "--from",
            "lb/myapp-1",
            "--to",
            "a.b:80",
            "--protocol",
            "ICMP",
        ]),
        "",
    )
    .code(2)
    .stderr_has(&["--protocol"]);
    run(
        &lb(&[
            "route",
            "--from",
            "lb/myapp-1",
            "--to",
            "a.b:80",
            "--connections",
            "0",
        ]),
        "",
    )
    .code(2)
    .stderr_has(&["--connections"]);
    run(&lb(&["route", "--from", "lb/ghost", "--to", "a.b:80"]), "")
        .code(1)
        .stderr_has(&["Pod lb/ghost not found"]);
    run(
        &lb(&["route", "--from", "lb/myapp-1", "--to", "my-service.lb"]),
        "",
    )
    .code(2)
    .stderr_has(&["--to \"my-service.lb\": expected HOST:PORT"]);
    run(&lb(&["rules", "--node", "node-z"]), "")
        .code(0)
        .stderr_has(&["node \"node-z\" is not in the input"]);
}

/// A `--to` that matches nothing: the route's hints, as
/// `(golden, arguments, [(code, suggestion)])`; the LB example's files are
/// added, and for the redis ones the seeds' redis-master.
type RouteHint = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

const ROUTE_HINTS: &[RouteHint] = &[
    (
        "route-hint-service",
        &["--from", "my-ns/frontend", "--to", "redis-mastr:6379"],
        &[("service", "redis-master:6379")],
    ),
    (
        "route-hint-namespace",
        &["--from", "203.0.113.7", "--to", "redis-master:6379"],
        &[("namespace", "redis-master.my-ns:6379")],
    ),
    (
        "route-hint-namespace-slip",
        &["--from", "my-ns/frontend", "--to", "redis-master.my-n:6379"],
        &[("namespace", "redis-master.my-ns:6379")],
    ),
    (
        "route-hint-only-port",
        &["--from", "my-ns/frontend", "--to", "redis-master:6380"],
        &[("port-number", "redis-master:6379")],
    ),
    (
        "route-hint-protocol",
        &[
            "--from",
            "my-ns/frontend",
            "--to",
            "redis-master:6379",
            "--protocol",
            "UDP",
        ],
        &[("protocol", "TCP")],
    ),
    (
        "route-hint-node-port-digits",
        &["--from", "203.0.113.7", "--to", "192.168.0.10:30062"],
        &[("port-number", "192.168.0.10:30061")],
    ),
    (
        "route-hint-service-port-on-a-node",
        &["--from", "203.0.113.7", "--to", "192.168.0.10:80"],
        &[("port-number", "192.168.0.10:30061")],
    ),
    (
        "route-hint-container-port",
        &["--from", "203.0.113.7", "--to", "146.148.47.155:9376"],
        &[("port-number", "146.148.47.155:80")],
    ),
    // A node's only node port, whatever the number asked.
    (
        "route-hint-only-node-port",
        &["--from", "203.0.113.7", "--to", "192.168.0.10:8443"],
        &[("port-number", "192.168.0.10:30061")],
    ),
    // Nothing close: no hint.
    (
        "route-hint-none",
        &["--from", "my-ns/frontend", "--to", "checkout:80"],
        &[],
    ),
];

#[test]
fn a_to_that_matches_nothing_gets_hints() {
    for (golden, args, want) in ROUTE_HINTS {
        let mut a = vec!["route"];
        a.extend_from_slice(args);
        a.extend(LB);
        a.push("examples/redis-master.yaml");
        let text = run(&a, "");
        text.code(0).golden(&format!("proxy/{golden}.txt"));
        assert_eq!(
            text.stdout
                .lines()
                .filter(|l| l.starts_with("hint: "))
                .count(),
            want.len(),
            "{}",
            text.what
        );
        a.extend(["-o", "json"]);
        let r = run(&a, "");
        let v: serde_json::Value = serde_json::from_str(&r.code(0).stdout).expect("JSON");
        let got: Vec<(&str, &str)> = v
            .get("hints")
            .and_then(|h| h.as_array())
            .map(|hs| {
                hs.iter()
                    .map(|h| {
                        (
                            h["code"].as_str().unwrap(),
                            h["suggestion"].as_str().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(got, *want, "{}", r.what);
    }
}

/// The same requests in every proxy mode, each a walk of that mode's
/// rules: the seeds' LoadBalancer reached by name from a pod, by its
/// node port and by its ingress IP; `externalTrafficPolicy: Local` with
/// ClientIP affinity, a node whose only endpoint is terminating, a
/// Service without endpoints, a headless and an ExternalName one;
/// `internalTrafficPolicy: Local` from a node without a local endpoint.
#[test]
fn routes_in_every_mode() {
    const MODES: [&str; 4] = ["iptables", "ipvs", "nftables", "userspace"];
    let seeds: &[(&[&str], &str)] = &[
        (
            &["--from", "lb/myapp-2", "--to", "my-service.lb:80"],
            "pod-to-name",
        ),
        (
            &["--from", "203.0.113.9", "--to", "192.168.0.11:30061"],
            "external-to-node-port",
        ),
        (
            &["--from", "203.0.113.7", "--to", "146.148.47.155:80"],
            "external-to-lb",
        ),
    ];
    let local_cases: &[(&[&str], &str)] = &[
        (
            &[
                "--from",
                "203.0.113.5",
                "--to",
                "198.51.100.10:80",
                "--connections",
                "3",
            ],
            "local-lb-sticky",
        ),
        (
            &["--from", "203.0.113.5", "--to", "192.168.0.11:30080"],
            "local-terminating-fallback",
        ),
        (
            &["--from", "shop/web-1", "--to", "empty:80"],
            "no-endpoints",
        ),
        (
            &["--from", "shop/web-1", "--to", "db.shop:5432"],
            "headless",
        ),
        (
            &["--from", "shop/web-1", "--to", "ext.shop.svc:443"],
            "external-name",
        ),
    ];
    for mode in MODES {
        for (args, name) in seeds {
            let mut a = vec!["route", "--mode", mode];
            a.extend_from_slice(args);
            run(&lb(&a), "")
                .code(0)
                .golden(&format!("proxy/modes/{name}-{mode}.txt"));
        }
        for (args, name) in local_cases {
            let mut a = vec!["route", "--mode", mode];
            a.extend_from_slice(args);
            run(&local(&a), LOCAL)
                .code(0)
                .golden(&format!("proxy/modes/{name}-{mode}.txt"));
        }
        run(
            &[
                "route",
                "--mode",
                mode,
                "--from",
                "cl/client-b",
                "--to",
                "itp.cl:80",
                "engine/tests/fixtures/proxy/route-cases.yaml",
                "examples/nodes.yaml",
            ],
            "",
        )
        .code(0)
        .golden(&format!(
            "proxy/modes/internal-local-no-local-endpoint-{mode}.txt"
        ));
    }
}
