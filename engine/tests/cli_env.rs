//! Golden tests for `svcscope env`, run as a user meets it: the real
//! binary, from the workspace root. Standard output is compared with
//! `engine/tests/golden/env/`; exit codes and the notes on standard error
//! are asserted here. After an intended change, regenerate with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p svcscope --test cli_env
//! ```
//!
//! and review the diff by eye.

use serde_json::Value;

/// The 2015 service range the redis-master example uses.
const CIDR_2015: &str = "--service-cidr=10.0.0.0/16";
const REDIS: &str = "examples/redis-master.yaml";
const FIXTURES: &str = "engine/tests/fixtures/env";

// The harness: running the binary and golden files.
#[path = "support/cli.rs"]
mod support;
use support::{root, Run};

fn fixture(name: &str) -> String {
    let p = format!("{FIXTURES}/{name}");
    assert!(root().join(&p).is_file(), "fixture {p} missing");
    p
}

/// Runs `svcscope ARGS` with `stdin` (none: empty).
fn run(args: &[&str], stdin: Option<&str>) -> Run {
    support::run(args, stdin.map(str::as_bytes))
}

/// Reading `KEY=VALUE` output.
trait Vars {
    fn vars(&self) -> Vec<(&str, &str)>;
    fn value(&self, name: &str) -> Option<&str>;
}

impl Vars for Run {
    /// The variables printed, as `(name, value)` in order.
    fn vars(&self) -> Vec<(&str, &str)> {
        self.stdout
            .lines()
            .map(|l| l.split_once('=').expect("KEY=VALUE lines"))
            .collect()
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.vars()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

// ---------------------------------------------------------------------------
// The seeds' example

#[test]
fn redis_master_frontend() {
    let r = run(&["env", "my-ns/frontend", REDIS, CIDR_2015], None);
    r.code(0)
        .stderr_empty()
        .golden("env/redis-master-frontend.txt");
    // Every pod gets the master Service's variables, the input has it or
    // not: its address is the first of the service range.
    assert_eq!(r.value("KUBERNETES_SERVICE_HOST"), Some("10.0.0.1"));
    assert_eq!(
        r.value("KUBERNETES_PORT_443_TCP"),
        Some("tcp://10.0.0.1:443")
    );
    // The seeds' figures.
    for (name, value) in [
        ("REDIS_MASTER_SERVICE_HOST", "10.0.0.11"),
        ("REDIS_MASTER_SERVICE_PORT", "6379"),
        ("REDIS_MASTER_PORT", "tcp://10.0.0.11:6379"),
        ("REDIS_MASTER_PORT_6379_TCP", "tcp://10.0.0.11:6379"),
        ("REDIS_MASTER_PORT_6379_TCP_PROTO", "tcp"),
        ("REDIS_MASTER_PORT_6379_TCP_PORT", "6379"),
        ("REDIS_MASTER_PORT_6379_TCP_ADDR", "10.0.0.11"),
    ] {
        assert_eq!(r.value(name), Some(value), "{name}");
    }
    // The container's own variables come first.
    assert_eq!(r.vars()[0], ("GET_HOSTS_FROM", "env"));
}

#[test]
fn redis_master_frontend_json() {
    let r = run(
        &["env", "my-ns/frontend", REDIS, CIDR_2015, "-o", "json"],
        None,
    );
    r.code(0)
        .stderr_empty()
        .golden("env/redis-master-frontend.json");
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["kind"], "Environment");
    assert_eq!(doc["container"], "php-redis");
    let vars = doc["variables"].as_array().expect("variables");
    assert_eq!(vars[0]["source"]["kind"], "value");
    let host = vars
        .iter()
        .find(|v| v["name"] == "REDIS_MASTER_SERVICE_HOST")
        .expect("REDIS_MASTER_SERVICE_HOST");
    assert_eq!(host["source"]["kind"], "service");
    assert_eq!(host["source"]["name"], "redis-master");
}

#[test]
fn the_same_from_stdin() {
    let text = std::fs::read_to_string(root().join(REDIS)).expect("the example");
    run(&["env", "my-ns/frontend", CIDR_2015], Some(&text))
        .code(0)
        .golden("env/redis-master-frontend.txt");
    run(&["env", "my-ns/frontend", "-", CIDR_2015], Some(&text))
        .code(0)
        .golden("env/redis-master-frontend.txt");
}

/// Files and namespaces as kubectl takes them: `-f` (repeatable), `-n`
/// for a bare pod name and for objects that name no namespace.
#[test]
fn kubectl_style_files_and_namespace() {
    let want = run(&["env", "my-ns/frontend", REDIS, CIDR_2015], None);
    want.code(0);
    for args in [
        &["env", "my-ns/frontend", "-f", REDIS, CIDR_2015][..],
        &[
            "env",
            "frontend",
            "-n",
            "my-ns",
            "--filename",
            REDIS,
            CIDR_2015,
        ][..],
    ] {
        let r = run(args, None);
        r.code(0);
        assert_eq!(r.stdout, want.stdout, "{args:?}");
    }
    // A pod without a namespace lands in -n's.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, env: [{name: A, value: x}]}]}\n";
    let r = run(&["env", "p", "-n", "team", "-f", "-"], Some(pod));
    r.code(0);
    assert_eq!(r.value("A"), Some("x"));
    run(&["env", "team/p", "-"], Some(pod))
        .code(1)
        .stderr_has(&["Pod team/p not found"]);
}

#[test]
fn multi_port_named_ports() {
    run(
        &["env", "multi-port/myapp-1", "examples/multi-port.yaml"],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("env/multi-port.txt");
}

// ---------------------------------------------------------------------------
// Which Services a pod sees

#[test]
fn service_created_after_the_pod_is_not_set() {
    let f = fixture("created-after-pod.yaml");
    // By creationTimestamp: cache (later) and late (no timestamp: now).
    let r = run(&["env", "shop/client", &f], None);
    r.code(0)
        .stderr_has(&[
            "note: Service shop/cache was created after the pod",
            "note: Service shop/late was created after the pod",
        ])
        .golden("env/created-after-pod-timestamps.txt");
    assert_eq!(
        r.value("CACHE_ADDR"),
        Some("$(CACHE_SERVICE_HOST):$(CACHE_SERVICE_PORT)")
    );
    assert_eq!(r.value("DB_URL"), Some("postgres://10.96.0.20:5432/shop"));
    // By the order given, without timestamps.
    let r = run(&["env", "plain/client", &f], None);
    r.code(0)
        .stderr_has(&["note: Service plain/after was created after the pod"])
        .golden("env/created-after-pod-order.txt");
    assert_eq!(r.value("AFTER"), Some("$(AFTER_SERVICE_HOST)"));
    // explain says so too, for the Services the pods refer to.
    let r = run(&["explain", &f], None);
    for pod_and_service in [
        "Pod shop/client: a container refers to $(CACHE_SERVICE_HOST), but Service cache was created after the pod",
        "Pod plain/client: a container refers to $(AFTER_SERVICE_HOST), but Service after was created after the pod",
    ] {
        assert!(r.stdout.contains(pod_and_service), "{}", r.stdout);
    }
}

#[test]
fn links_disabled_and_the_kubernetes_service() {
    let f = fixture("links.yaml");
    run(&["env", "team/linked", &f], None)
        .code(0)
        .stderr_has(&["note: Service team/kubernetes replaces default/kubernetes"])
        .golden("env/links-enabled-kubernetes-shadowed.txt");
    run(&["env", "team/unlinked", &f], None)
        .code(0)
        .stderr_empty()
        .golden("env/links-disabled.txt");
}

#[test]
fn ipv6_addresses_are_bracketed_in_urls_only() {
    let r = run(
        &[
            "env",
            "v6/client",
            &fixture("ipv6.yaml"),
            "--service-cidr",
            "fd00:10:96::/112",
        ],
        None,
    );
    r.code(0).stderr_empty().golden("env/ipv6.txt");
    assert_eq!(r.value("DNS_CACHE_SERVICE_HOST"), Some("fd00:10:96::a"));
    assert_eq!(r.value("DNS_CACHE_PORT"), Some("udp://[fd00:10:96::a]:53"));
}

#[test]
fn variables_several_services_set_are_noted() {
    run(&["env", "cache/client", &fixture("conflict.yaml")], None)
        .code(0)
        .stderr_has(&[
            "note: REDIS_SERVICE_PORT is set by Services cache/redis, cache/redis-service",
        ])
        .golden("env/conflict.txt");
}

// ---------------------------------------------------------------------------
// The container's own variables

#[test]
fn expansion_field_refs_and_placeholders() {
    let f = fixture("expansion.yaml");
    let r = run(&["env", "my-ns/worker", REDIS, &f, CIDR_2015], None);
    r.code(0)
        .stderr_has(&[
            "note: defaulted container \"app\" out of: app, metrics, wait-for-redis (init)",
        ])
        .golden("env/expansion-app.txt");
    // Set by the container: its value wins, from where it is set on.
    assert_eq!(r.value("REDIS_URL"), Some("redis://10.0.0.11:6379/0"));
    assert_eq!(r.value("REDIS_PROXY"), Some("10.0.0.11:16379"));
    assert_eq!(r.value("REDIS_MASTER_SERVICE_PORT"), Some("16379"));
    assert_eq!(
        r.vars()
            .iter()
            .filter(|(n, _)| *n == "REDIS_MASTER_SERVICE_PORT")
            .count(),
        1
    );
    let r = run(
        &["env", "my-ns/worker", REDIS, &f, CIDR_2015, "-o", "json"],
        None,
    );
    r.code(0).golden("env/expansion-app.json");
    run(
        &[
            "env",
            "my-ns/worker",
            REDIS,
            &f,
            CIDR_2015,
            "--container",
            "metrics",
        ],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("env/expansion-metrics.txt");
    run(
        &[
            "env",
            "my-ns/worker",
            REDIS,
            &f,
            CIDR_2015,
            "-c",
            "wait-for-redis",
        ],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("env/expansion-init-container.txt");
}

// ---------------------------------------------------------------------------
// Errors

#[test]
fn unknown_pod_or_container_exits_1() {
    run(&["env", "my-ns/nope", REDIS, CIDR_2015], None)
        .code(1)
        .stdout_empty()
        .stderr_has(&["svcscope: Pod my-ns/nope not found in the input"]);
    run(
        &["env", "my-ns/frontend", REDIS, CIDR_2015, "-c", "nope"],
        None,
    )
    .code(1)
    .stdout_empty()
    .stderr_has(&["pod my-ns/frontend has no container \"nope\" (it has: php-redis)"]);
}

#[test]
fn a_rejected_pod_has_no_environment() {
    run(
        &["env", "default/broken", &fixture("rejected-pod.yaml")],
        None,
    )
    .code(1)
    .stdout_empty()
    .stderr_has(&[
        "Pod default/broken is rejected by the apiserver",
        "spec.containers[0].name: Invalid",
    ]);
}

#[test]
fn usage_errors_exit_2() {
    for (args, message) in [
        (&["env"][..], "env needs NAMESPACE/POD"),
        (&["env", REDIS], "env needs NAMESPACE/POD before the files"),
        (&["env", "my-ns/"], "pod \"my-ns/\": expected NAMESPACE/POD"),
        (
            &["env", "my-ns/frontend", REDIS, "-o", "yaml"],
            "unsupported output format \"yaml\"",
        ),
    ] {
        run(args, None)
            .code(2)
            .stdout_empty()
            .stderr_has(&[message, "Run 'svcscope --help' for usage."]);
    }
}

#[test]
fn load_errors_still_print_and_exit_1() {
    // One broken object: the rest still loads, the exit code says so.
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec: {containers: [{name: c}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: ns}\nspec: {ports: x}\n";
    let r = run(&["env", "ns/p", "-"], Some(text));
    r.code(1).stderr_has(&["<stdin>:9:"]);
    // The pod's environment is still printed: the master Service's
    // variables, which every pod gets.
    assert_eq!(r.value("KUBERNETES_SERVICE_HOST"), Some("10.96.0.1"));
}

#[test]
fn help_lists_the_command() {
    let r = run(&["--help"], None);
    r.code(0);
    assert!(r.stdout.contains("env NAMESPACE/POD"), "{}", r.stdout);
}

/// Service blocks come in creation order (input order without
/// timestamps), not sorted by name.
#[test]
fn service_blocks_follow_creation_order() {
    let input = r#"
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default}
spec: {clusterIP: 10.96.0.1, ports: [{name: https, port: 443}]}
---
apiVersion: v1
kind: Service
metadata: {name: zeta, namespace: ns}
spec: {clusterIP: 10.96.0.30, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: alpha, namespace: ns}
spec: {clusterIP: 10.96.0.31, ports: [{port: 81}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns}
spec: {containers: [{name: c}]}
"#;
    let out = run(&["env", "ns/client", "-"], Some(input))
        .code(0)
        .stdout
        .clone();
    let hosts: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("_SERVICE_HOST="))
        .collect();
    assert_eq!(
        hosts,
        [
            "KUBERNETES_SERVICE_HOST=10.96.0.1",
            "ZETA_SERVICE_HOST=10.96.0.30",
            "ALPHA_SERVICE_HOST=10.96.0.31"
        ],
        "{out}"
    );
}

// ---------------------------------------------------------------------------
// Hints

#[test]
fn references_that_stay_literal_get_hints() {
    let f = "engine/tests/fixtures/explain/case-hint-env.yaml";
    let r = run(&["env", "app/frontend", f], None);
    r.code(0).stderr_has(&[
        "hint: did you mean $(REDIS_MASTER_SERVICE_HOST)? Service redis-master sets it\n",
        "hint: did you mean $(REDIS_MASTER_SERVICE_PORT_REDIS)? Service redis-master sets it\n",
        "hint: Service queue is in namespace jobs, and kubelet sets variables only for Services of the pod's own namespace: use its DNS name queue.jobs.svc\n",
        "hint: did you mean $(CACHE_SERVICE_HOST)? Service cache sets it, but it was created after the pod, so kubelet did not set it either\n",
        "hint: did you mean $(GET_HOSTS_FROM)? the container sets it\n",
    ]);
    // The references stay as written, as kubelet leaves them.
    assert_eq!(
        r.value("REDIS"),
        Some("$(REDIS_MASTR_SERVICE_HOST):$(REDIS_MASTER_SERVICE_PORT_REDDIS)")
    );
    // $(date) is the shell's: no hint names it.
    assert!(!r.stderr.contains("date"), "{}", r.stderr);
    let r = run(&["env", "app/frontend", f, "-o", "json"], None);
    let v: Value = serde_json::from_str(&r.code(0).stdout).expect("JSON");
    let hints: Vec<(&str, &str, &str)> = v["hints"]
        .as_array()
        .expect("hints")
        .iter()
        .map(|h| {
            (
                h["code"].as_str().unwrap(),
                h["typed"].as_str().unwrap(),
                h["suggestion"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hints,
        [
            (
                "variable",
                "REDIS_MASTR_SERVICE_HOST",
                "REDIS_MASTER_SERVICE_HOST"
            ),
            (
                "variable",
                "REDIS_MASTER_SERVICE_PORT_REDDIS",
                "REDIS_MASTER_SERVICE_PORT_REDIS"
            ),
            ("namespace", "QUEUE_SERVICE_HOST", "queue.jobs.svc"),
            ("variable", "CACH_SERVICE_HOST", "CACHE_SERVICE_HOST"),
            ("variable", "GET_HOSTS_FORM", "GET_HOSTS_FROM"),
        ]
    );
    assert_eq!(v["hints"][2]["object"]["namespace"], "jobs");
    // Nothing close, nothing said: the seeds' frontend has no hints.
    let r = run(
        &["env", "my-ns/frontend", CIDR_2015, REDIS, "-o", "json"],
        None,
    );
    let v: Value = serde_json::from_str(&r.code(0).stdout).expect("JSON");
    assert!(v.get("hints").is_none(), "{v}");
}
