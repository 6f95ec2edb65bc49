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
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(20);

/// The 2015 service range the redis-master example uses.
const CIDR_2015: &str = "--service-cidr=10.0.0.0/16";
const REDIS: &str = "examples/redis-master.yaml";
const MY_SERVICE: &str = "examples/my-service.yaml";
const HEADLESS: &str = "examples/headless.yaml";
const EXTERNAL: &str = "examples/external-name.yaml";
const MULTI_PORT: &str = "examples/multi-port.yaml";
const FRONTEND: &str = "--from=my-ns/frontend";

struct Run {
    what: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(want),
            "{}: exit code {:?}, want {want}\n--- stdout\n{}--- stderr\n{}",
            self.what,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    fn stderr_has(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                self.stderr.contains(p),
                "{}: stderr lacks {p:?}\n--- stderr\n{}",
                self.what,
                self.stderr
            );
        }
        self
    }

    fn stderr_empty(&self) -> &Self {
        assert!(
            self.stderr.is_empty(),
            "{}: unexpected stderr\n{}",
            self.what,
            self.stderr
        );
        self
    }

    fn stdout_empty(&self) -> &Self {
        assert!(
            self.stdout.is_empty(),
            "{}: unexpected stdout\n{}",
            self.what,
            self.stdout
        );
        self
    }

    fn golden(&self, name: &str) -> &Self {
        golden(name, &self.stdout, &self.what);
        self
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the engine crate sits in the workspace")
        .to_path_buf()
}

/// Runs `svcscope ARGS` with `stdin` (none: empty).
fn run(args: &[&str], stdin: Option<&str>) -> Run {
    let what = format!("svcscope {}", args.join(" "));
    let mut child = Command::new(env!("CARGO_BIN_EXE_svcscope"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let input = stdin.unwrap_or_default().as_bytes().to_vec();
    let mut child_in = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        // A usage error exits before reading: a broken pipe is fine.
        let _ = child_in.write_all(&input);
    });
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: still running after {TIME_LIMIT:?}; killed");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("{what}: wait failed: {e}"),
        }
    };
    let _ = writer.join();
    let stdout = String::from_utf8(out_reader.join().expect("stdout reader"))
        .unwrap_or_else(|e| panic!("{what}: stdout is not UTF-8: {e}"));
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    assert_ne!(status.code(), Some(101), "{what}: panicked\n{stderr}");
    assert!(
        !stderr.contains("panicked at"),
        "{what}: panicked\n{stderr}"
    );
    Run {
        what,
        code: status.code(),
        stdout,
        stderr,
    }
}

fn updating() -> bool {
    std::env::var("UPDATE_GOLDEN").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Compares `actual` with `engine/tests/golden/dns/<name>`, or rewrites it
/// when `UPDATE_GOLDEN` is set.
fn golden(name: &str, actual: &str, what: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/dns")
        .join(name);
    if updating() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("create golden dir");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(actual) {
            std::fs::write(&path, actual).expect("write the golden file");
            eprintln!("updated {}", path.display());
        }
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{what}: golden file {} not readable ({e}); create it with \
             UPDATE_GOLDEN=1 cargo test -p svcscope --test cli_dns\n--- actual\n{actual}",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{what}: output differs from {} from line {}:\n--- golden\n{expected}--- actual\n{actual}\
             If the change is intended, review it and run: \
             UPDATE_GOLDEN=1 cargo test -p svcscope --test cli_dns",
            path.display(),
            first + 1
        );
    }
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
    .golden("redis-master-a.txt");
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
    .golden("redis-master-aaaa-nodata.txt");
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
    .golden("redis-master-mixed-case.txt");
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
    .golden("redis-master-a.json");
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
    .golden("redis-master-srv.txt");
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
    .golden("multi-port-srv.txt");
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
    .golden("multi-port-https-srv.txt");
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
    .golden("headless-srv.txt");
}

#[test]
fn headless_and_endpoint_names() {
    run(
        &["dns", "my-service.headless.svc.cluster.local", HEADLESS],
        None,
    )
    .code(0)
    .golden("headless-a.txt");
    run(
        &[
            "dns",
            "web-0.my-service.headless.svc.cluster.local",
            HEADLESS,
        ],
        None,
    )
    .code(0)
    .golden("headless-endpoint.txt");
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
    .golden("cluster-ip-endpoint.txt");
}

#[test]
fn external_name() {
    run(
        &["dns", "my-service.external.svc.cluster.local", EXTERNAL],
        None,
    )
    .code(0)
    .stderr_has(&["my.database.example.com.", "outside the cluster zone"])
    .golden("external-name.txt");
}

#[test]
fn reverse_records() {
    run(
        &["dns", "11.0.0.10.in-addr.arpa", "PTR", REDIS, CIDR_2015],
        None,
    )
    .code(0)
    .golden("ptr-cluster-ip.txt");
    run(&["dns", "30.1.244.10.in-addr.arpa.", "PTR", HEADLESS], None)
        .code(0)
        .golden("ptr-endpoint.txt");
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
    .golden("nxdomain.txt");
    run(
        &["dns", "dns-version.cluster.local", "TXT", REDIS, CIDR_2015],
        None,
    )
    .code(0)
    .golden("dns-version.txt");
    run(&["dns", "cluster.local", "SOA", REDIS, CIDR_2015], None)
        .code(0)
        .golden("soa.txt");
}

#[test]
fn pod_records() {
    let name = "10-244-1-3.my-ns.pod.cluster.local";
    run(&["dns", name, REDIS, CIDR_2015], None)
        .code(0)
        .golden("pod-disabled.txt");
    run(
        &["dns", name, REDIS, CIDR_2015, "--pod-records", "verified"],
        None,
    )
    .code(0)
    .golden("pod-verified.txt");
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
    .golden("pod-verified-unknown.txt");
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
    .golden("pod-insecure.txt");
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
    .golden("custom-zone.txt");
    // Names outside the zone are forwarded, not resolved.
    run(&["dns", "example.com", REDIS, CIDR_2015], None)
        .code(0)
        .stderr_has(&["example.com. is outside the cluster zone"])
        .golden("forwarded.txt");
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
    .golden("ptr-nxdomain-own-reverse-zone.txt");
}

// ---------------------------------------------------------------------------
// From a pod: the search-path walk

#[test]
fn search_path_walk() {
    // The seeds' lookup: one query, the first search domain answers.
    run(&["dns", "redis-master", REDIS, CIDR_2015, FRONTEND], None)
        .code(0)
        .stderr_empty()
        .golden("frontend-redis-master.txt");
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
    .golden("frontend-my-service-my-ns.txt");
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
    .golden("frontend-fqdn-without-dot.txt");
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
    .golden("frontend-fqdn-with-dot.txt");
    // Outside the cluster: three misses, then forwarded upstream.
    run(&["dns", "example.com", REDIS, CIDR_2015, FRONTEND], None)
        .code(0)
        .stderr_has(&["forwards it upstream"])
        .golden("frontend-outside.txt");
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
    .golden("frontend-cluster-domain.txt");
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
    json.code(0).golden("frontend-redis-master.json");
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
        .golden("host-network.txt");
    // ndots:1: one dot is enough to go upstream first.
    from("my-ns/ndots-1", "redis-master.my-ns")
        .code(0)
        .stderr_has(&["redis-master.my-ns. went upstream"])
        .golden("ndots-1.txt");
    // dnsPolicy None: only its own search list, in its order.
    from("my-ns/own-resolver", "redis-master")
        .code(0)
        .golden("dns-policy-none.txt");
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
    .golden("redis-master-a.txt");
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
    .golden("zone-examples.txt");
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
    .golden("zone-headless-pods.txt");
}

// ---------------------------------------------------------------------------
// Errors and exit codes

#[test]
fn input_errors_exit_1() {
    // Without the 2015 range the apiserver rejects redis-master: it has no
    // records, and asking for it is an input error.
    run(
        &["dns", "redis-master.my-ns.svc.cluster.local", REDIS],
        None,
    )
    .code(1)
    .stderr_has(&[
        "Service my-ns/redis-master is rejected",
        "not in the valid range",
    ])
    .golden("redis-master-rejected.txt");
    run(&["dns", "redis-master", REDIS, FRONTEND], None)
        .code(1)
        .stderr_has(&["Service my-ns/redis-master is rejected"]);
    run(&["dns", "x", REDIS, "--from", "my-ns/nosuch"], None)
        .code(1)
        .stderr_has(&["pod my-ns/nosuch not found"])
        .stdout_empty();
    run(&["dns", "x", "examples/does-not-exist.yaml"], None).code(1);
    run(&["zone", REDIS], None)
        .code(1)
        .stderr_has(&["not in the valid range"]);
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
    run(&["zone", REDIS, "-o", "json"], None).code(2);
    run(&["zone", REDIS, "--from", "my-ns/frontend"], None).code(2);
}

#[test]
fn malformed_names_are_answers() {
    run(&["dns", "a..b.cluster.local", REDIS, CIDR_2015], None)
        .code(0)
        .stderr_has(&["not a valid domain name"])
        .golden("formerr.txt");
}
