//! Golden tests for `svcscope dns` and `svcscope zone`, run as a user meets
//! them: the real binary, from the workspace root, on the examples.
//! Standard output is compared with `engine/tests/golden/dns/`; exit codes
//! and the notes on standard error are asserted here. After an intended
//! change, regenerate with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p svcscope --test cli_dns
//! ```
//!
//! and review the diff by eye.

use serde_json::Value;

/// The 2015 service range the redis-master example uses.
const CIDR_2015: &str = "--service-cidr=10.0.0.0/16";
const REDIS: &str = "examples/redis-master.yaml";
const MY_SERVICE: &str = "examples/my-service.yaml";
const HEADLESS: &str = "examples/headless.yaml";
const EXTERNAL: &str = "examples/external-name.yaml";
const MULTI_PORT: &str = "examples/multi-port.yaml";
const FRONTEND: &str = "--from=my-ns/frontend";

// The harness: running the binary and golden files.
#[path = "support/cli.rs"]
mod support;
use support::{root, Run};

/// Runs `svcscope ARGS` with `stdin` (none: empty).
fn run(args: &[&str], stdin: Option<&str>) -> Run {
    support::run(args, stdin.map(str::as_bytes))
}

// ---------------------------------------------------------------------------
// Answers

#[test]
fn cluster_ip_service() {
    run(
        &[
            "dns",
            "redis-master.my-ns.svc.cluster.local",
            REDIS,
            CIDR_2015,
        ],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("dns/redis-master-a.txt");
    // Both families asked: the name exists, AAAA has no data.
    run(
        &[
            "dns",
            "redis-master.my-ns.svc.cluster.local",
            "AAAA",
            REDIS,
            CIDR_2015,
        ],
        None,
    )
    .code(0)
    .golden("dns/redis-master-aaaa-nodata.txt");
    // The query's case is kept in the answer.
    run(
        &[
            "dns",
            "Redis-Master.MY-NS.svc.Cluster.Local.",
            REDIS,
            CIDR_2015,
        ],
        None,
    )
    .code(0)
    .golden("dns/redis-master-mixed-case.txt");
    run(
        &[
            "dns",
            "redis-master.my-ns.svc.cluster.local",
            REDIS,
            CIDR_2015,
            "-o",
            "json",
        ],
        None,
    )
    .code(0)
    .golden("dns/redis-master-a.json");
}

#[test]
fn srv_records() {
    // An unnamed port: only the bare name gives SRV.
    run(
        &[
            "dns",
            "redis-master.my-ns.svc.cluster.local",
            "srv",
            REDIS,
            CIDR_2015,
        ],
        None,
    )
    .code(0)
    .golden("dns/redis-master-srv.txt");
    run(
        &[
            "dns",
            "my-service.multi-port.svc.cluster.local",
            "SRV",
            MULTI_PORT,
        ],
        None,
    )
    .code(0)
    .golden("dns/multi-port-srv.txt");
    run(
        &[
            "dns",
            "_https._tcp.my-service.multi-port.svc.cluster.local",
            "SRV",
            MULTI_PORT,
        ],
        None,
    )
    .code(0)
    .golden("dns/multi-port-https-srv.txt");
    run(
        &[
            "dns",
            "_http._tcp.my-service.headless.svc.cluster.local",
            "SRV",
            HEADLESS,
        ],
        None,
    )
    .code(0)
    .golden("dns/headless-srv.txt");
}

#[test]
fn headless_and_endpoint_names() {
    run(
        &["dns", "my-service.headless.svc.cluster.local", HEADLESS],
        None,
    )
    .code(0)
    .golden("dns/headless-a.txt");
    run(
        &[
            "dns",
            "web-0.my-service.headless.svc.cluster.local",
            HEADLESS,
        ],
        None,
    )
    .code(0)
    .golden("dns/headless-endpoint.txt");
    // Endpoint names exist under ClusterIP Services too (CoreDNS).
    run(
        &[
            "dns",
            "10-244-1-3.redis-master.my-ns.svc.cluster.local",
            REDIS,
            CIDR_2015,
        ],
        None,
    )
    .code(0)
    .golden("dns/cluster-ip-endpoint.txt");
}

#[test]
fn external_name() {
    run(
        &["dns", "my-service.external.svc.cluster.local", EXTERNAL],
        None,
    )
    .code(0)
    .stderr_has(&["my.database.example.com.", "outside the cluster zone"])
    .golden("dns/external-name.txt");
}

#[test]
fn reverse_records() {
    run(
        &["dns", "11.0.0.10.in-addr.arpa", "PTR", REDIS, CIDR_2015],
        None,
    )
    .code(0)
    .golden("dns/ptr-cluster-ip.txt");
    run(&["dns", "30.1.244.10.in-addr.arpa.", "PTR", HEADLESS], None)
        .code(0)
        .golden("dns/ptr-endpoint.txt");
}

#[test]
fn negative_answers_and_specials() {
    // NXDOMAIN is an answer: exit 0.
    run(
        &["dns", "nosuch.my-ns.svc.cluster.local", REDIS, CIDR_2015],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("dns/nxdomain.txt");
    run(
        &["dns", "dns-version.cluster.local", "TXT", REDIS, CIDR_2015],
        None,
    )
    .code(0)
    .golden("dns/dns-version.txt");
    run(&["dns", "cluster.local", "SOA", REDIS, CIDR_2015], None)
        .code(0)
        .golden("dns/soa.txt");
}

/// `pods verified` answers for pods CoreDNS has cached: not one being
/// deleted, and only by the primary IP.
#[test]
fn verified_pod_records_follow_the_pod_cache() {
    let f = "engine/tests/fixtures/dns/pods.yaml";
    let ask =
        |name: &str, qtype: &str| run(&["dns", name, qtype, f, "--pod-records", "verified"], None);
    ask("10-240-0-7.podns.pod.cluster.local", "A")
        .code(0)
        .stdout_has(&[";; status: NXDOMAIN"]);
    ask("10-240-0-8.podns.pod.cluster.local", "A")
        .code(0)
        .stdout_has(&["10-240-0-8.podns.pod.cluster.local. 5 IN A 10.240.0.8"]);
    ask("fd00--9.podns.pod.cluster.local", "AAAA")
        .code(0)
        .stdout_has(&[";; status: NXDOMAIN"]);
    // Insecure answers any well-formed name.
    run(
        &[
            "dns",
            "10-240-0-7.podns.pod.cluster.local",
            f,
            "--pod-records",
            "insecure",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["10-240-0-7.podns.pod.cluster.local. 5 IN A 10.240.0.7"]);
}

/// NS at a reverse zone's apex names the nameserver in that zone, as
/// CoreDNS builds it from the zone asked.
#[test]
fn ns_at_a_reverse_zone_apex() {
    run(
        &[
            "dns",
            "0.10.in-addr.arpa.",
            "NS",
            REDIS,
            CIDR_2015,
            "--zone",
            "cluster.local,0.10.in-addr.arpa",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["0.10.in-addr.arpa. 5 IN NS ns.dns.0.10.in-addr.arpa."]);
}

/// `--ttl` is the plugin's `ttl` option: every answer and the SOA minimum,
/// but not `dns-version` (always 28800); 0 to 3600.
#[test]
fn ttl_option() {
    run(
        &[
            "dns",
            "redis-master.my-ns.svc.cluster.local",
            REDIS,
            CIDR_2015,
            "--ttl",
            "30",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["redis-master.my-ns.svc.cluster.local. 30 IN A 10.0.0.11"]);
    run(
        &[
            "dns",
            "nope.my-ns.svc.cluster.local",
            REDIS,
            CIDR_2015,
            "--ttl=0",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["7200 1800 86400 0"]);
    run(
        &[
            "dns",
            "dns-version.cluster.local",
            "TXT",
            REDIS,
            "--ttl",
            "30",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["dns-version.cluster.local. 28800 IN TXT"]);
    run(&["zone", REDIS, CIDR_2015, "--ttl", "60"], None)
        .code(0)
        .stdout_has(&["$TTL 60"]);
    run(&["dns", "x", REDIS, "--ttl", "3601"], None)
        .code(2)
        .stderr_has(&["--ttl 3601: a number of seconds from 0 to 3600"]);
}

/// Any other query type is answered as the plugin answers types it has no
/// records of: NODATA for a name that exists, NXDOMAIN for one that does
/// not; `TYPEn` names any type by number.
#[test]
fn other_query_types() {
    let name = "redis-master.my-ns.svc.cluster.local";
    for t in ["MX", "hinfo", "CAA", "TYPE99"] {
        run(&["dns", name, t, REDIS, CIDR_2015], None)
            .code(0)
            .stdout_has(&[";; status: NOERROR", ";; AUTHORITY"])
            .stdout_lacks(&[";; ANSWER"]);
    }
    run(
        &[
            "dns",
            "nope.my-ns.svc.cluster.local",
            "HINFO",
            REDIS,
            CIDR_2015,
        ],
        None,
    )
    .code(0)
    .stdout_has(&[";; status: NXDOMAIN"]);
    run(&["dns", name, "TYPE1", REDIS, CIDR_2015], None)
        .code(0)
        .stdout_has(&[&format!("{name}. 5 IN A 10.0.0.11")]);
    run(
        &["dns", name, "-o", "json", "TYPE260", REDIS, CIDR_2015],
        None,
    )
    .code(0)
    .stdout_has(&["\"type\": \"TYPE260\""]);
}

#[test]
fn pod_records() {
    let name = "10-244-1-3.my-ns.pod.cluster.local";
    run(&["dns", name, REDIS, CIDR_2015], None)
        .code(0)
        .golden("dns/pod-disabled.txt");
    run(
        &["dns", name, REDIS, CIDR_2015, "--pod-records", "verified"],
        None,
    )
    .code(0)
    .golden("dns/pod-verified.txt");
    // Verified: no pod has 10.244.1.99.
    run(
        &[
            "dns",
            "10-244-1-99.my-ns.pod.cluster.local",
            REDIS,
            CIDR_2015,
            "--pod-records=verified",
        ],
        None,
    )
    .code(0)
    .golden("dns/pod-verified-unknown.txt");
    run(
        &[
            "dns",
            "10-244-1-99.my-ns.pod.cluster.local",
            REDIS,
            CIDR_2015,
            "--pod-records=insecure",
        ],
        None,
    )
    .code(0)
    .golden("dns/pod-insecure.txt");
}

#[test]
fn zones() {
    run(
        &[
            "dns",
            "redis-master.my-ns.svc.example.internal",
            REDIS,
            CIDR_2015,
            "--zone",
            "example.internal",
        ],
        None,
    )
    .code(0)
    .golden("dns/custom-zone.txt");
    // Names outside the zone are forwarded, not resolved.
    run(&["dns", "example.com", REDIS, CIDR_2015], None)
        .code(0)
        .stderr_has(&["example.com. is outside the cluster zone"])
        .golden("dns/forwarded.txt");
    // A reverse zone of one's own: its SOA on NXDOMAIN.
    run(
        &[
            "dns",
            "99.0.0.10.in-addr.arpa",
            "PTR",
            REDIS,
            CIDR_2015,
            "--zone=cluster.local,0.10.in-addr.arpa",
        ],
        None,
    )
    .code(0)
    .golden("dns/ptr-nxdomain-own-reverse-zone.txt");
}

// ---------------------------------------------------------------------------
// From a pod: the search-path walk

#[test]
fn search_path_walk() {
    // The seeds' lookup: one query, the first search domain answers.
    run(&["dns", "redis-master", REDIS, CIDR_2015, FRONTEND], None)
        .code(0)
        .stderr_empty()
        .golden("dns/frontend-redis-master.txt");
    run(
        &[
            "dns",
            "my-service.my-ns",
            REDIS,
            MY_SERVICE,
            CIDR_2015,
            FRONTEND,
        ],
        None,
    )
    .code(0)
    .golden("dns/frontend-my-service-my-ns.txt");
    // Four dots are fewer than ndots:5: the search list comes first.
    run(
        &[
            "dns",
            "my-service.my-ns.svc.cluster.local",
            REDIS,
            MY_SERVICE,
            CIDR_2015,
            FRONTEND,
        ],
        None,
    )
    .code(0)
    .golden("dns/frontend-fqdn-without-dot.txt");
    // The trailing dot: one query.
    run(
        &[
            "dns",
            "my-service.my-ns.svc.cluster.local.",
            REDIS,
            MY_SERVICE,
            CIDR_2015,
            FRONTEND,
        ],
        None,
    )
    .code(0)
    .golden("dns/frontend-fqdn-with-dot.txt");
    // Outside the cluster: three misses, then forwarded upstream.
    run(&["dns", "example.com", REDIS, CIDR_2015, FRONTEND], None)
        .code(0)
        .stderr_has(&["forwards it upstream"])
        .golden("dns/frontend-outside.txt");
    // kubelet's cluster domain sets the search path.
    run(
        &[
            "dns",
            "redis-master",
            REDIS,
            CIDR_2015,
            FRONTEND,
            "--cluster-domain",
            "k8s.internal",
        ],
        None,
    )
    .code(0)
    .golden("dns/frontend-cluster-domain.txt");
    let json = run(
        &[
            "dns",
            "redis-master",
            REDIS,
            CIDR_2015,
            FRONTEND,
            "-o",
            "json",
        ],
        None,
    );
    json.code(0).golden("dns/frontend-redis-master.json");
    let v: Value = serde_json::from_str(&json.stdout).expect("JSON output");
    assert_eq!(v["kind"], "PodLookup");
    assert_eq!(v["resolvConf"]["ndots"], 5);
    assert_eq!(v["answer"]["rcode"], "NOERROR");
}

/// Pods with other DNS settings, given on stdin beside the example.
const POLICY_PODS: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: host-network, namespace: my-ns}
spec: {hostNetwork: true, containers: [{name: c}]}
status: {phase: Running, podIP: 192.168.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: ndots-1, namespace: my-ns}
spec:
  dnsConfig:
    options: [{name: ndots, value: \"1\"}]
  containers: [{name: c}]
status: {phase: Running, podIP: 10.244.9.10}
---
apiVersion: v1
kind: Pod
metadata: {name: own-resolver, namespace: my-ns}
spec:
  dnsPolicy: None
  dnsConfig:
    nameservers: [10.0.0.10]
    searches: [corp.example, my-ns.svc.cluster.local]
  containers: [{name: c}]
status: {phase: Running, podIP: 10.244.9.11}
";

#[test]
fn dns_policies() {
    let from = |pod: &str, name: &str| {
        run(
            &["dns", name, REDIS, "-", CIDR_2015, "--from", pod],
            Some(POLICY_PODS),
        )
    };
    // ClusterFirst on the host network falls back to the node's resolver.
    from("my-ns/host-network", "redis-master")
        .code(0)
        .stderr_has(&["ClusterFirstWithHostNet", "node's resolver"])
        .golden("dns/host-network.txt");
    // ndots:1: one dot is enough to go upstream first.
    from("my-ns/ndots-1", "redis-master.my-ns")
        .code(0)
        .stderr_has(&["redis-master.my-ns. went upstream"])
        .golden("dns/ndots-1.txt");
    // dnsPolicy None: only its own search list, in its order.
    from("my-ns/own-resolver", "redis-master")
        .code(0)
        .golden("dns/dns-policy-none.txt");
}

#[test]
fn stdin_input() {
    let text = std::fs::read_to_string(root().join(REDIS)).expect("example");
    run(
        &[
            "dns",
            "redis-master.my-ns.svc.cluster.local",
            "-",
            CIDR_2015,
        ],
        Some(&text),
    )
    .code(0)
    .golden("dns/redis-master-a.txt");
}

// ---------------------------------------------------------------------------
// The zone

#[test]
fn zone_file() {
    run(
        &[
            "zone", REDIS, MY_SERVICE, HEADLESS, EXTERNAL, MULTI_PORT, CIDR_2015,
        ],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("dns/zone-examples.txt");
    run(
        &[
            "zone",
            HEADLESS,
            "--pod-records=verified",
            "--zone=Example.Internal.",
        ],
        None,
    )
    .code(0)
    .golden("dns/zone-headless-pods.txt");
}

// ---------------------------------------------------------------------------
// Errors and exit codes

#[test]
fn input_errors_exit_1() {
    // An invalid Service is answered as given (CoreDNS never validates);
    // a note says the apiserver would refuse it, and why. This one was
    // never given a cluster IP: the name exists, with no address.
    let invalid = "engine/tests/fixtures/check/bad-protocol.yaml";
    run(&["dns", "web.shop.svc.cluster.local", invalid], None)
        .code(0)
        .stdout_has(&[";; status: NOERROR"])
        .stderr_has(&[
            "note: Service shop/web would be rejected by the apiserver",
            "NotSupported",
        ])
        .golden("dns/invalid-service.txt");
    run(&["zone", invalid], None)
        .code(0)
        .stderr_has(&["note: 1 Service(s) would be rejected by the apiserver"]);
    // What cannot be answered at all is an input error.
    run(&["dns", "web", invalid, "--from", "shop/nosuch"], None)
        .code(1)
        .stderr_has(&["Pod shop/nosuch not found"]);
    run(&["dns", "x", REDIS, "--from", "my-ns/nosuch"], None)
        .code(1)
        .stderr_has(&["Pod my-ns/nosuch not found"])
        .stdout_empty();
    run(&["dns", "x", "examples/does-not-exist.yaml"], None).code(1);
}

/// Without the 2015 range redis-master's cluster IP lies outside the
/// configured one: `check` reports it, but the Service is served with the IP
/// it carries, as CoreDNS would serve the object a cluster holds.
#[test]
fn a_cluster_ip_outside_the_range_is_still_answered() {
    run(
        &["dns", "redis-master.my-ns.svc.cluster.local", REDIS],
        None,
    )
    .code(0)
    .stdout_has(&["redis-master.my-ns.svc.cluster.local. 5 IN A 10.0.0.11"]);
    run(&["zone", REDIS], None)
        .code(0)
        .stdout_has(&["redis-master.my-ns.svc.cluster.local. 5 IN A 10.0.0.11"]);
}

#[test]
fn usage_errors_exit_2() {
    run(&["dns"], None)
        .code(2)
        .stderr_has(&["dns needs a QNAME"]);
    run(&["dns", "x", REDIS, "--pod-records", "sometimes"], None)
        .code(2)
        .stderr_has(&["--pod-records"]);
    run(&["dns", "x", REDIS, "--zone", "in-addr.arpa"], None)
        .code(2)
        .stderr_has(&["--zone"]);
    run(&["dns", "x", REDIS, "-o", "yaml"], None).code(2);
    run(&["dns", "x", REDIS, "--from", "a/b/c"], None).code(2);
    run(&["zone", REDIS, "-o", "yaml"], None).code(2);
    run(&["zone", REDIS, "--from", "my-ns/frontend"], None).code(2);
}

#[test]
fn malformed_names_are_answers() {
    run(&["dns", "a..b.cluster.local", REDIS, CIDR_2015], None)
        .code(0)
        .stderr_has(&["not a valid domain name"])
        .golden("dns/formerr.txt");
}

// ---------------------------------------------------------------------------
// Hints: what a name that found nothing was probably meant to be

const TYPOS: &str = "engine/tests/fixtures/dns/typos.yaml";

/// A golden stem, the arguments, the hints as `(code, suggestion)`.
type HintCase = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

const HINTS: &[HintCase] = &[
    // The issue's example: a Service a slip away.
    (
        "hint-service",
        &["redis-mastr.my-ns.svc.cluster.local"],
        &[("service", "redis-master.my-ns.svc.cluster.local")],
    ),
    // The namespace left out, or a slip away; svc left out.
    (
        "hint-no-namespace",
        &["redis-master.svc.cluster.local"],
        &[("dns-name", "redis-master.my-ns.svc.cluster.local")],
    ),
    (
        "hint-namespace-slip",
        &["redis-master.my-n.svc.cluster.local"],
        &[("namespace", "redis-master.my-ns.svc.cluster.local")],
    ),
    (
        "hint-no-svc",
        &["redis-master.my-ns.cluster.local"],
        &[("dns-name", "redis-master.my-ns.svc.cluster.local")],
    ),
    (
        "hint-svc-slip",
        &["redis-master.my-ns.scv.cluster.local"],
        &[("dns-name", "redis-master.my-ns.svc.cluster.local")],
    ),
    // Outside the zone: its domain left out or misspelled, a short name.
    (
        "hint-no-domain",
        &["redis-master.my-ns.svc"],
        &[("dns-name", "redis-master.my-ns.svc.cluster.local")],
    ),
    (
        "hint-domain-slip",
        &["redis-master.my-ns.svc.cluster.locl"],
        &[("dns-name", "redis-master.my-ns.svc.cluster.local")],
    ),
    (
        "hint-short-name",
        &["redis-master"],
        &[("dns-name", "redis-master.my-ns.svc.cluster.local")],
    ),
    // Endpoints: a hostname a slip away; a pod's name where it has none.
    (
        "hint-hostname",
        &["db-O.db.data.svc.cluster.local"],
        &[("hostname", "db-0.db.data.svc.cluster.local")],
    ),
    (
        "hint-pod-without-hostname",
        &["db-replica.db.data.svc.cluster.local"],
        &[("hostname", "10-244-1-21.db.data.svc.cluster.local")],
    ),
    // SRV: a port name, a protocol.
    (
        "hint-srv-port",
        &["_postgress._tcp.db.data.svc.cluster.local", "SRV"],
        &[("port-name", "_postgres._tcp.db.data.svc.cluster.local")],
    ),
    (
        "hint-srv-protocol",
        &["_postgres._tpc.db.data.svc.cluster.local", "SRV"],
        &[("protocol", "_postgres._tcp.db.data.svc.cluster.local")],
    ),
    // From a pod: a short name from another namespace, a slip here.
    (
        "hint-from-other-namespace",
        &["redis-master", "--from=default/client"],
        &[("namespace", "redis-master.my-ns")],
    ),
    (
        "hint-from-pod",
        &["redis-mastr", "--from=my-ns/frontend"],
        &[("service", "redis-master")],
    ),
    // Nothing close, or nothing wrong: no hint.
    (
        "hint-none-unrelated",
        &["nope.my-ns.svc.cluster.local"],
        &[],
    ),
    ("hint-none-web", &["web.my-ns.svc.cluster.local"], &[]),
    (
        "hint-none-nodata",
        &["redis-master.my-ns.svc.cluster.local", "AAAA"],
        &[],
    ),
    (
        "hint-none-external",
        &["google.com", "--from=my-ns/frontend"],
        &[],
    ),
];

#[test]
fn names_that_find_nothing_get_hints() {
    for (stem, args, want) in HINTS {
        let mut a = vec!["dns"];
        a.extend_from_slice(args);
        a.push(TYPOS);
        let text = run(&a, None);
        text.code(0).golden(&format!("dns/{stem}.txt"));
        let lines = text
            .stdout
            .lines()
            .filter(|l| l.starts_with(";; hint: "))
            .count();
        assert_eq!(lines, want.len(), "{}", text.what);
        a.extend(["-o", "json"]);
        let json = run(&a, None);
        let v: Value = serde_json::from_str(&json.code(0).stdout).expect("JSON");
        let got: Vec<(&str, &str)> = v
            .get("hints")
            .and_then(Value::as_array)
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
        assert_eq!(got, *want, "{}", json.what);
    }
    // The hint names the object meant.
    let r = run(
        &[
            "dns",
            "redis-mastr.my-ns.svc.cluster.local",
            TYPOS,
            "-o",
            "json",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        v["hints"][0]["object"],
        serde_json::json!({"kind": "Service", "namespace": "my-ns", "name": "redis-master"})
    );
    assert_eq!(
        v["hints"][0]["typed"],
        "redis-mastr.my-ns.svc.cluster.local"
    );
    // Every suggestion resolves.
    for (_, args, want) in HINTS {
        for (_, s) in *want {
            let mut a = vec!["dns", s];
            a.extend(args.iter().filter(|x| x.starts_with("--") || **x == "SRV"));
            a.push(TYPOS);
            let r = run(&a, None);
            assert!(r.stdout.contains(";; ANSWER"), "{s}: {}", r.stdout);
        }
    }
}
