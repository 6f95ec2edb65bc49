//! Golden tests for the `svcscope` command line, run as a user meets it:
//! the real binary, spawned with arguments and stdin, from the workspace
//! root (so file names in messages read `examples/…`, `engine/tests/…`).
//!
//! Standard output is compared with the files in `engine/tests/golden/`;
//! exit codes and the key parts of standard error are asserted here.
//! Regenerate the golden files after an intended change with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p svcscope --test cli
//! ```
//!
//! and review the diff by eye: a golden file that blesses a bug is worse
//! than none.

use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

// The harness: running the binary and golden files.
#[path = "support/cli.rs"]
mod support;
use support::*;

// ---------------------------------------------------------------------------
// Inputs

/// The example files, sorted, as paths relative to the workspace root.
fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".json"))
        .map(|n| format!("examples/{n}"))
        .collect();
    v.sort();
    assert!(v.len() >= 8, "the seeds' examples are missing: {v:?}");
    v
}

/// The example files holding Services (all but the nodes).
fn service_examples() -> Vec<String> {
    examples()
        .into_iter()
        .filter(|e| !e.ends_with("/nodes.yaml"))
        .collect()
}

/// The stem of an example file: `examples/my-service.yaml` → `my-service`.
fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

fn fixture(rel: &str) -> String {
    let p = format!("engine/tests/fixtures/{rel}");
    assert!(root().join(&p).is_file(), "fixture {p} missing");
    p
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The 2015 service range the redis-master and LoadBalancer examples use.
const CIDR_2015: [&str; 2] = ["--service-cidr", "10.0.0.0/16"];

fn args<'a>(parts: &[&'a str], files: &'a [String]) -> Vec<&'a str> {
    let mut v: Vec<&str> = parts.to_vec();
    v.extend(files.iter().map(String::as_str));
    v
}

// ---------------------------------------------------------------------------
// check

#[test]
fn check_all_examples_is_clean() {
    let files = examples();
    run(
        &args(&["check", "--service-cidr", "10.0.0.0/16"], &files),
        None,
    )
    .code(0)
    .stdout_empty()
    .stderr_empty();
    // One at a time too: no example depends on another to be valid.
    for f in &files {
        run(&["check", f, "--service-cidr=10.0.0.0/16"], None)
            .code(0)
            .stdout_empty()
            .stderr_empty();
    }
}

#[test]
fn check_examples_with_the_default_service_cidr() {
    // 10.0.0.11 and 10.0.171.239 lie outside the default 10.96.0.0/12: the
    // apiserver would refuse both Services.
    let files = examples();
    run(&args(&["check"], &files), None)
        .code(1)
        .stderr_empty()
        .golden("check/examples-default-cidr.txt");
}

/// `check` on a fixture: the golden stdout, the exit code, and what stderr
/// must say.
struct CheckCase {
    fixture: &'static str,
    extra: &'static [&'static str],
    code: i32,
    golden: &'static str,
    stderr: &'static [&'static str],
}

const CHECK_CASES: &[CheckCase] = &[
    CheckCase {
        fixture: "check/multi-port-unnamed.yaml",
        extra: &[],
        code: 1,
        golden: "check/multi-port-unnamed.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/bad-protocol.yaml",
        extra: &[],
        code: 1,
        golden: "check/bad-protocol.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/node-port-out-of-range.yaml",
        extra: &[],
        code: 1,
        golden: "check/node-port-out-of-range.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/node-port-out-of-range.yaml",
        extra: &["--node-port-range", "30000-30100"],
        code: 1,
        golden: "check/node-port-out-of-range-custom-range.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/node-port-out-of-range.yaml",
        extra: &["--node-port-range", "40000-40100"],
        code: 0,
        golden: "check/empty.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/node-port-conflict.json",
        extra: &[],
        code: 1,
        golden: "check/node-port-conflict.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/list-with-a-bad-item.yaml",
        extra: &[],
        code: 1,
        golden: "check/list-with-a-bad-item-yaml.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/list-with-a-bad-item.json",
        extra: &[],
        code: 1,
        golden: "check/list-with-a-bad-item-json.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/api-versions.yaml",
        extra: &[],
        code: 1,
        golden: "check/api-versions.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/duplicate-label.json",
        extra: &[],
        code: 1,
        golden: "check/duplicate-label.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/names.yaml",
        extra: &[],
        code: 1,
        golden: "check/names.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/cluster-ips-without-cluster-ip.yaml",
        extra: &[],
        code: 1,
        golden: "check/cluster-ips-without-cluster-ip.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/single-stack-with-two-families.yaml",
        extra: &["--service-cidr", "10.96.0.0/12,fd00::/108"],
        code: 1,
        golden: "check/single-stack-with-two-families.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/families-the-cluster-lacks.yaml",
        extra: &[],
        code: 1,
        golden: "check/families-the-cluster-lacks.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/cluster-ip-outside-cidr.yaml",
        extra: &[],
        code: 1,
        golden: "check/cluster-ip-outside-default-cidr.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/cluster-ip-outside-cidr.yaml",
        extra: &["--service-cidr", "10.0.0.0/16"],
        code: 1,
        golden: "check/cluster-ip-outside-cidr.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/cluster-ip-outside-cidr.yaml",
        extra: &["--service-cidr", "10.1.0.0/16"],
        code: 0,
        golden: "check/empty.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/yaml-syntax.yaml",
        extra: &[],
        code: 1,
        golden: "check/yaml-syntax.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/json-syntax.json",
        extra: &[],
        code: 1,
        golden: "check/json-syntax.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/no-kind.yaml",
        extra: &[],
        code: 1,
        golden: "check/no-kind.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/unknown-kind.yaml",
        extra: &[],
        code: 0,
        golden: "check/empty.txt",
        stderr: &[
            "note: engine/tests/fixtures/check/unknown-kind.yaml:",
            "ConfigMap settings",
            "ignored",
        ],
    },
    CheckCase {
        fixture: "check/duplicate-key.yaml",
        extra: &[],
        code: 1,
        golden: "check/duplicate-key.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/alias-bomb.yaml",
        extra: &[],
        code: 1,
        golden: "check/alias-bomb.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/too-deep.yaml",
        extra: &[],
        code: 1,
        golden: "check/too-deep.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/empty.yaml",
        extra: &[],
        code: 0,
        golden: "check/empty.txt",
        stderr: &[],
    },
    CheckCase {
        fixture: "check/comments-only.yaml",
        extra: &[],
        code: 0,
        golden: "check/empty.txt",
        stderr: &[],
    },
    // Written out in full, as kubectl apply accepts them: defaulted anyway.
    CheckCase {
        fixture: "check/explicit-manifests.yaml",
        extra: &[],
        code: 0,
        golden: "check/empty.txt",
        stderr: &[],
    },
    // Validated as given: the errors of upstream's ValidateService.
    CheckCase {
        fixture: "check/explicit-manifests.yaml",
        extra: &["--no-defaults"],
        code: 1,
        golden: "check/explicit-manifests-no-defaults.txt",
        stderr: &[],
    },
];

#[test]
fn explicit_manifests_are_defaulted_as_the_apiserver_does() {
    let f = fixture("check/explicit-manifests.yaml");
    let r = run(&["resolve", f.as_str(), "-o", "json"], None);
    r.code(0).stderr_empty();
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let spec = |name: &str| -> Value {
        doc["services"]
            .as_array()
            .expect("services")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no Service {name}"))["service"]["spec"]
            .clone()
    };
    for name in ["node-port", "cluster-ip", "load-balancer", "client-ip"] {
        assert_eq!(spec(name)["internalTrafficPolicy"], "Cluster", "{name}");
    }
    for name in ["node-port", "load-balancer"] {
        assert_eq!(spec(name)["externalTrafficPolicy"], "Cluster", "{name}");
    }
    assert_eq!(spec("load-balancer")["allocateLoadBalancerNodePorts"], true);
    assert_eq!(
        spec("client-ip")["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"],
        10800
    );
    // The other faces say nothing of a rejection.
    run(&["endpoints", "explicit/node-port", f.as_str()], None)
        .code(0)
        .stderr_empty();
    run(&["explain", f.as_str()], None)
        .code(0)
        .stdout_lacks(&["service-rejected"]);
}

#[test]
fn no_defaults_applies_to_check_only() {
    let f = fixture("check/explicit-manifests.yaml");
    run(
        &["resolve", f.as_str(), "-o", "json", "--no-defaults"],
        None,
    )
    .code(2)
    .stderr_has(&["--no-defaults does not apply to this command"]);
}

#[test]
fn check_fixtures() {
    for c in CHECK_CASES {
        let f = fixture(c.fixture);
        let mut a = vec!["check", f.as_str()];
        a.extend(c.extra);
        let r = run(&a, None);
        r.code(c.code).golden(c.golden);
        if c.stderr.is_empty() {
            r.stderr_empty();
        } else {
            r.stderr_has(c.stderr);
        }
    }
}

#[test]
fn check_error_lines_have_the_contract_shape() {
    // `<Kind> <namespace>/<name>: <field.path>: <ErrorType>: <detail>`
    let types = [
        "Required",
        "Invalid",
        "Duplicate",
        "NotSupported",
        "Forbidden",
        "TooLong",
        "TooMany",
    ];
    for c in CHECK_CASES.iter().filter(|c| c.code == 1) {
        let f = fixture(c.fixture);
        let mut a = vec!["check", f.as_str()];
        a.extend(c.extra);
        let r = run(&a, None);
        for line in r.stdout.lines() {
            if line.starts_with("engine/tests/fixtures/") {
                continue; // a load error: `file:line:col: message`
            }
            let parts: Vec<&str> = line.splitn(4, ": ").collect();
            assert_eq!(parts.len(), 4, "{}: bad line {line:?}", r.what);
            let (object, field, type_) = (parts[0], parts[1], parts[2]);
            let (kind, nn) = object.split_once(' ').unwrap_or_else(|| panic!("{line:?}"));
            assert!(
                kind.chars().next().is_some_and(|c| c.is_ascii_uppercase()),
                "{line:?}"
            );
            // Only an object without a name lacks one in its line.
            assert!(
                nn.split_once('/').is_some_and(
                    |(ns, n)| !ns.is_empty() && (!n.is_empty() || field == "metadata.name")
                ),
                "{line:?}"
            );
            // Upstream reports this one without its `spec.` prefix.
            assert!(
                field.starts_with("spec.")
                    || field.starts_with("metadata.")
                    || field == "allocateLoadBalancerNodePorts",
                "{line:?}"
            );
            assert!(types.contains(&type_), "{line:?}: error type {type_:?}");
        }
    }
}

#[test]
fn check_syntax_errors_name_file_line_and_column() {
    let r = run(&["check", &fixture("check/yaml-syntax.yaml")], None);
    r.code(1)
        .stdout_has(&["engine/tests/fixtures/check/yaml-syntax.yaml:5:14: "]);
    let r = run(&["check", &fixture("check/json-syntax.json")], None);
    r.code(1)
        .stdout_has(&["engine/tests/fixtures/check/json-syntax.json:4:30: "]);
    let r = run(&["check", &fixture("check/duplicate-key.yaml")], None);
    r.code(1).stdout_has(&[
        "engine/tests/fixtures/check/duplicate-key.yaml:7:3: ",
        "\"selector\"",
    ]);
}

#[test]
fn check_reads_stdin() {
    let good = read("examples/my-service.yaml");
    let bad = read(&fixture("check/yaml-syntax.yaml"));
    // `-` and no file both mean stdin.
    for a in [&["check", "-"][..], &["check"][..]] {
        run(a, Some(&good)).code(0).stdout_empty().stderr_empty();
        run(a, Some(&bad))
            .code(1)
            .golden("check/stdin-yaml-syntax.txt")
            .stdout_has(&["<stdin>:5:14: "]);
        run(a, Some(b"")).code(0).stdout_empty().stderr_empty();
    }
    // Windows line ends and a byte order mark change nothing.
    let crlf: Vec<u8> = String::from_utf8(bad.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    run(&["check"], Some(&crlf))
        .code(1)
        .stdout_has(&["<stdin>:5:14: mapping values are not allowed in this context"]);
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(&good);
    run(&["check"], Some(&bom)).code(0).stdout_empty();
    // A file and stdin together form one cluster: the second Service's
    // nodePort conflicts with the first's.
    let second = br#"{"apiVersion": "v1", "kind": "Service",
 "metadata": {"name": "third", "namespace": "c", "creationTimestamp": "2030-01-01T00:00:00Z"},
 "spec": {"type": "NodePort", "selector": {"app": "x"}, "ports": [{"port": 80, "nodePort": 30080}]}}"#;
    run(
        &["check", &fixture("check/node-port-conflict.json"), "-"],
        Some(second),
    )
    .code(1)
    .stdout_has(&[
        "Service b/second: spec.ports[0].nodePort: Invalid: 30080: provided port is already allocated",
        "Service c/third: spec.ports[0].nodePort: Invalid: 30080: provided port is already allocated",
    ]);
}

#[test]
fn check_missing_file() {
    run(
        &["check", "engine/tests/fixtures/does-not-exist.yaml"],
        None,
    )
    .code(1)
    .stdout_empty()
    .stderr_has(&["engine/tests/fixtures/does-not-exist.yaml"]);
    // Even next to a good file.
    run(
        &["check", "examples/my-service.yaml", "no/such/dir/x.json"],
        None,
    )
    .code(1)
    .stderr_has(&["no/such/dir/x.json"]);
}

#[test]
fn check_does_not_hang_on_hostile_yaml() {
    // Nesting 100 000 levels deep, through stdin: a clean error, quickly.
    let deep = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: deep}}\nspec: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let r = run_limited(&["check"], Some(deep.as_bytes()), Duration::from_secs(10));
    r.code(1)
        .stdout_has(&["<stdin>:4:", "nesting deeper than 64 levels"])
        .stderr_empty();
    // The same in block style.
    let block: String = (0..1000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    run_limited(&["check"], Some(block.as_bytes()), Duration::from_secs(10))
        .code(1)
        .stdout_has(&["nesting deeper than 64 levels"]);
    // A billion laughs: nine levels of ten-fold aliases.
    let r = run_limited(
        &["check", &fixture("check/alias-bomb.yaml")],
        None,
        Duration::from_secs(10),
    );
    r.code(1).stdout_has(&["alias expansion exceeds"]);
    // Deep JSON.
    let json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {{\"name\": \"x\", \"labels\": {}1{}}}}}",
        "{\"a\": ".repeat(50_000),
        "}".repeat(50_000)
    );
    run_limited(&["check"], Some(json.as_bytes()), Duration::from_secs(10)).code(1);
}

#[test]
fn check_rejects_non_utf8_input() {
    run(
        &["check"],
        Some(b"kind: Service\nmetadata: {name: \xff\xfe}\n"),
    )
    .code(1)
    .stderr_has(&["<stdin>"]);
}

// ---------------------------------------------------------------------------
// Usage errors: exit 2, a message and a hint on stderr, nothing on stdout.

#[test]
fn usage_errors_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["check", "--bogus"], "unknown option --bogus"),
        (&["check", "-x"], "unknown option -x"),
        (&["frobnicate"], "unknown command \"frobnicate\""),
        (&["select"], "select needs a SELECTOR"),
        (&[], "no command given"),
        (
            &["check", "-o", "yaml"],
            "unsupported output format \"yaml\"",
        ),
        (&["check", "--mode", "ipvs"], "option --mode does not apply"),
        (&["select", "app=x", "-o"], "option --output needs a value"),
        (
            &["endpoints", "-o", "xml"],
            "unsupported output format \"xml\"",
        ),
        (
            &["explain", "-o", "yaml"],
            "unsupported output format \"yaml\"",
        ),
        (
            &["resolve", "-o", "yaml"],
            "unsupported output format \"yaml\"",
        ),
        (&["check", "--service-cidr", "bogus"], "--service-cidr"),
        (&["check", "--node-port-range", "5-1"], "--node-port-range"),
        (&["check", "--cluster-domain", "-bad-"], "--cluster-domain"),
        (&["check", "-n", "a", "-n", "b"], "given twice"),
        (&["check", "--help=yes"], "takes no value"),
    ];
    for (a, msg) in cases {
        run(a, None)
            .code(2)
            .stdout_empty()
            .stderr_has(&[msg, "Run 'svcscope --help' for usage."]);
    }
}

#[test]
fn help_and_version() {
    for a in [
        &["--help"][..],
        &["-h"][..],
        &["help"][..],
        &["check", "--help"][..],
    ] {
        run(a, None)
            .code(0)
            .stderr_empty()
            .stdout_has(&["Usage: svcscope COMMAND", "Exit status: 0 fine, 1"]);
    }
    run(&["--version"], None)
        .code(0)
        .stdout_has(&[&format!("svcscope {}", env!("CARGO_PKG_VERSION"))]);
}

// ---------------------------------------------------------------------------
// select

/// `select` on the selector fixture: (golden name, arguments).
const SELECT_CASES: &[(&str, &[&str])] = &[
    ("equals", &["app=web"]),
    ("double-equals", &["app==web"]),
    ("not-equals", &["app!=web"]),
    ("exists", &["app"]),
    ("does-not-exist", &["!app"]),
    ("in", &["app in (web, db)"]),
    ("notin", &["app notin (web)"]),
    ("env-prod-without-app", &["env=prod,!app"]),
    ("gt", &["tier>1"]),
    ("lt", &["tier<3"]),
    ("combined", &["app=web,env in (prod,staging),tier"]),
    ("in-empty-set", &["app in ()"]),
    ("everything", &[""]),
    ("namespace-staging", &["app=web", "-n", "staging"]),
    ("namespace-prod", &["app=web", "--namespace=prod"]),
    (
        "label-selector-json",
        &[
            r#"{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"env","operator":"NotIn","values":["staging"]}]}"#,
        ],
    ),
    (
        "label-selector-yaml-flow",
        &["{matchExpressions: [{key: app, operator: DoesNotExist}]}"],
    ),
    ("label-selector-yaml-block", &["matchLabels: {app: db}"]),
    ("label-selector-empty", &["{}"]),
];

#[test]
fn select_fixture_pods() {
    let pods = fixture("select/pods.yaml");
    for (name, a) in SELECT_CASES {
        let mut v = vec!["select", a[0], pods.as_str()];
        v.extend(&a[1..]);
        let r = run(&v, None);
        r.code(0)
            .stderr_empty()
            .golden(&format!("select/{name}.txt"));
        let lines: Vec<&str> = r.stdout.lines().collect();
        let mut sorted = lines.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(lines, sorted, "{}: output not sorted and unique", r.what);
    }
}

#[test]
fn select_examples() {
    let files = examples();
    run(&args(&["select", "app=MyApp"], &files), None)
        .code(0)
        .stderr_empty()
        .golden("select/examples-app-MyApp.txt");
    run(
        &[
            "select",
            "app in (frontend, db)",
            "-n",
            "chapter10",
            "examples/frontend.yaml",
        ],
        None,
    )
    .code(0)
    .golden("select/examples-chapter10.txt");
    // The selector reads from stdin like every command.
    run(
        &["select", "app=MyApp", "-n", "my-ns"],
        Some(&read("examples/my-service.yaml")),
    )
    .code(0)
    .golden("select/stdin-my-ns.txt");
}

#[test]
fn select_bad_selectors_exit_1() {
    let pods = fixture("select/pods.yaml");
    let cases: &[(&str, &str)] = &[
        ("app=(", "found '(', expected: identifier"),
        ("a b", "found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("app in (a", "expected: ',' or ')'"),
        ("app=web,", "identifier after ','"),
        ("tier>x", "the value must be an integer"),
        ("app=we b", "found 'b'"),
        (
            r#"{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}"#,
            "\"Gt\" is not a valid label selector operator",
        ),
        (
            r#"{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}"#,
            "values set can't be empty",
        ),
        (
            "{matchExpressions: [{key: a, operator: Exists, values: [x]}]}",
            "values set must be empty",
        ),
        (r#"{"matchLabels": "#, ""),
    ];
    for (sel, msg) in cases {
        run(&["select", sel, &pods], None)
            .code(1)
            .stdout_empty()
            .stderr_has(&["svcscope: invalid selector", msg]);
    }
}

#[test]
fn select_with_bad_input_exits_1() {
    run(
        &["select", "app=web", &fixture("check/yaml-syntax.yaml")],
        None,
    )
    .code(1)
    .stdout_empty()
    .stderr_has(&["yaml-syntax.yaml:5:14: "]);
    run(&["select", "app=web", "missing.yaml"], None)
        .code(1)
        .stderr_has(&["missing.yaml"]);
}

// ---------------------------------------------------------------------------
// endpoints

/// Parses `endpoints -o yaml` output with the project's own YAML reader.
fn yaml_to_json(text: &str) -> Value {
    use svcscope::internals::load::yaml::{parse_documents, to_json_value, Limits};
    let docs = parse_documents(text, &Limits::default()).expect("endpoints -o yaml is YAML");
    assert_eq!(docs.len(), 1, "one YAML document");
    to_json_value(&docs[0].root)
}

/// The shape of a `kind: List` of Endpoints and EndpointSlices.
fn check_list(list: &Value, what: &str) {
    assert_eq!(list["apiVersion"], "v1", "{what}");
    assert_eq!(list["kind"], "List", "{what}");
    for item in list["items"].as_array().expect("items") {
        match item["kind"].as_str() {
            Some("Endpoints") => assert_eq!(item["apiVersion"], "v1", "{what}"),
            Some("EndpointSlice") => {
                assert_eq!(item["apiVersion"], "discovery.k8s.io/v1", "{what}");
                let labels = &item["metadata"]["labels"];
                assert!(labels["kubernetes.io/service-name"].is_string(), "{what}");
                assert!(
                    labels["endpointslice.kubernetes.io/managed-by"].is_string(),
                    "{what}"
                );
                assert!(item["addressType"].is_string(), "{what}");
            }
            other => panic!("{what}: unexpected item kind {other:?}"),
        }
    }
}

#[test]
fn endpoints_of_each_example() {
    for ex in service_examples() {
        let s = stem(&ex);
        let base = [
            "endpoints",
            ex.as_str(),
            "examples/nodes.yaml",
            CIDR_2015[0],
            CIDR_2015[1],
        ];
        let yaml = run(&base, None);
        yaml.code(0)
            .stderr_empty()
            .golden(&format!("endpoints/{s}.yaml"));
        let mut with_json = base.to_vec();
        with_json.extend(["-o", "json"]);
        let json = run(&with_json, None);
        json.code(0)
            .stderr_empty()
            .golden(&format!("endpoints/{s}.json"));
        // Both formats carry the same objects.
        let from_json: Value =
            serde_json::from_str(&json.stdout).expect("endpoints -o json is JSON");
        check_list(&from_json, &json.what);
        assert_eq!(
            yaml_to_json(&yaml.stdout),
            from_json,
            "{ex}: -o yaml and -o json differ"
        );
    }
}

#[test]
fn endpoints_facts_of_the_seeds() {
    // my-service: myapp-1 and myapp-2 ready, myapp-3 not ready, the
    // app=myapp typo pod never selected; port 9376.
    let r = run(
        &["endpoints", "examples/my-service.yaml", "-o", "json"],
        None,
    );
    let v: Value = serde_json::from_str(&r.code(0).stdout).unwrap();
    let ep = &v["items"][0];
    assert_eq!(ep["kind"], "Endpoints");
    let subset = &ep["subsets"][0];
    let ips = |key: &str| -> Vec<String> {
        subset[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["ip"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(ips("addresses"), ["10.244.1.5", "10.244.2.7"]);
    assert_eq!(ips("notReadyAddresses"), ["10.244.2.8"]);
    assert_eq!(subset["ports"][0]["port"], 9376);
    assert!(
        !r.stdout.contains("myapp-typo"),
        "the typo pod is never selected"
    );
    // selectorless: the hand-written 1.2.3.4:80, mirrored into a slice.
    let r = run(
        &["endpoints", "examples/selectorless.json", "-o", "json"],
        None,
    );
    let v: Value = serde_json::from_str(&r.code(0).stdout).unwrap();
    assert_eq!(v["items"][0]["subsets"][0]["addresses"][0]["ip"], "1.2.3.4");
    assert_eq!(v["items"][1]["endpoints"][0]["addresses"][0], "1.2.3.4");
    assert_eq!(
        v["items"][1]["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"],
        "endpointslicemirroring-controller.k8s.io"
    );
    // ExternalName: no endpoints at all.
    let r = run(
        &["endpoints", "examples/external-name.yaml", "-o", "json"],
        None,
    );
    let v: Value = serde_json::from_str(&r.code(0).stdout).unwrap();
    assert_eq!(v["items"], serde_json::json!([]));
}

#[test]
fn endpoints_of_one_service() {
    run(
        &[
            "endpoints",
            "my-ns/my-service",
            "examples/my-service.yaml",
            "examples/redis-master.yaml",
            "examples/nodes.yaml",
            "--service-cidr",
            "10.0.0.0/16",
        ],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("endpoints/one-service-my-ns-my-service.yaml")
    .stdout_has(&["name: my-service"]);
    // From stdin.
    let r = run(
        &["endpoints", "multi-port/my-service", "-o", "json"],
        Some(&read("examples/multi-port.yaml")),
    );
    let v: Value = serde_json::from_str(&r.code(0).stdout).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
}

/// The apiserver's own lists (`ServiceList`, `PodList`) leave the kind off
/// their items; the list's kind supplies it, spec and status included.
#[test]
fn endpoints_from_the_apiservers_typed_lists() {
    let f = fixture("endpoints/api-lists.json");
    let r = run(&["endpoints", "shop/web", f.as_str(), "-o", "json"], None);
    let v: Value = serde_json::from_str(&r.code(0).stderr_empty().stdout).unwrap();
    let ep = &v["items"][0];
    assert_eq!(ep["kind"], "Endpoints");
    assert_eq!(ep["subsets"].as_array().unwrap().len(), 2, "{ep:#}");
    run(&["endpoints", "shop/web", f.as_str()], None)
        .code(0)
        .golden("endpoints/api-lists.yaml")
        .stdout_has(&[
            "ip: 10.244.0.5",
            "ip: 10.244.0.6",
            "port: 8080",
            "port: 8081",
        ]);
}

/// An invalid Service still gets the endpoints the controllers write for
/// it as given (they never validate); `endpoints` notes that the apiserver
/// would refuse it, and why, and `check` reports it.
#[test]
fn endpoints_of_an_invalid_service_are_noted() {
    let f = "engine/tests/fixtures/check/bad-protocol.yaml";
    run(&["endpoints", "shop/web", f], None)
        .code(0)
        .stdout_has(&["kind: Endpoints", "kind: EndpointSlice"])
        .stderr_has(&[
            "note: Service shop/web would be rejected by the apiserver; shown as the components treat it as given:",
            "NotSupported",
        ]);
    run(&["check", f], None)
        .code(1)
        .stdout_has(&["NotSupported"]);
}

/// A Service refused only by allocation (its cluster IP outside the
/// configured range, as in a dump of a cluster with other ranges) is still
/// served with the IP it carries: the controllers, kube-proxy and CoreDNS
/// never check ranges. `check` still reports the range.
#[test]
fn a_service_outside_the_configured_range_is_still_served() {
    // 10.0.171.239 lies outside the default 10.96.0.0/12.
    run(
        &[
            "endpoints",
            "lb/my-service",
            "examples/load-balancer.json",
            "-o",
            "json",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["\"ip\": \"10.244.1.60\"", "\"kind\": \"EndpointSlice\""]);
    run(
        &[
            "dns",
            "my-service.lb.svc.cluster.local",
            "examples/load-balancer.json",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["my-service.lb.svc.cluster.local. 5 IN A 10.0.171.239"]);
    run(&["check", "examples/load-balancer.json"], None)
        .code(1)
        .stdout_has(&["Service lb/my-service: spec.clusterIPs: Invalid: "]);
}

/// `trafficDistribution` hints on the slices, and what kube-proxy on each
/// node makes of them: node hints narrow to the node, zone hints to the
/// zone, no hints (topology-mode Auto, which needs node capacity) to
/// nothing.
#[test]
fn traffic_distribution_hints() {
    let f = fixture("endpoints/traffic-distribution.yaml");
    run(&["endpoints", f.as_str(), "-o", "json"], None)
        .code(0)
        .golden("endpoints/traffic-distribution.json");
    for node in ["n1", "n3"] {
        run(&["rules", "--node", node, f.as_str()], None)
            .code(0)
            .golden(&format!("proxy/rules-traffic-distribution-{node}.txt"));
    }
}

/// Empty (null) values read as the fields' zero values, as Kubernetes
/// reads them: nothing to report, and the Service finds its pod.
#[test]
fn null_values_are_zero_values() {
    let f = fixture("check/nulls.yaml");
    run(&["check", f.as_str()], None).code(0).stdout_empty();
    run(&["endpoints", "shop/web", f.as_str(), "-o", "json"], None)
        .code(0)
        .stdout_has(&["\"ip\": \"10.244.0.3\"", "\"port\": 8080"]);
    run(&["resolve", f.as_str(), "-o", "json"], None)
        .code(0)
        .stdout_has(&["\"tier\": \"\""]);
}

/// Files are read as kubectl reads them: UTF-16 with a byte order mark is
/// decoded, bytes that are not UTF-8 are an error at their line and column,
/// and a directory stands for its manifests.
#[test]
fn encodings_and_directories() {
    for f in ["encoding/utf16le.yaml", "encoding/utf16be.yaml"] {
        let f = fixture(f);
        run(&["check", f.as_str()], None)
            .code(1)
            .stdout_has(&["Service shop/web: spec.ports[0].protocol: NotSupported"]);
    }
    let f = fixture("encoding/latin1.yaml");
    run(&["check", f.as_str()], None)
        .code(1)
        .stderr_has(&["latin1.yaml:4:21: not UTF-8 text (byte 0xe9)"]);
    run(&["select", "app=redis", "examples"], None)
        .code(0)
        .stdout_has(&["my-ns/redis-master-0"]);
}

/// EndpointSlices another manager keeps for a Service with a selector stay
/// beside the controller's, and kube-proxy uses them; a stale slice of the
/// controller's own is replaced by what it computes.
#[test]
fn slices_of_another_manager_are_kept_and_used() {
    let f = fixture("endpoints/foreign-slice.yaml");
    run(&["endpoints", "cs/cs", f.as_str(), "-o", "json"], None)
        .code(0)
        .stdout_has(&["\"name\": \"cs-custom\"", "10.244.1.140"])
        .stdout_lacks(&["cs-stale", "10.244.9.9"]);
    run(
        &[
            "route",
            "--from",
            "node/node-b",
            "--to",
            "cs.cs:80",
            f.as_str(),
            "examples/nodes.yaml",
        ],
        None,
    )
    .code(0)
    .stdout_has(&["verdict: DELIVERED: cs/cs:http -> 10.244.1.140:8080"]);
    run(&["explain", f.as_str()], None).code(0).stdout_has(&[
        "only the 1 ready endpoint(s) of EndpointSlices from another manager serve it",
    ]);
}

#[test]
fn endpoints_of_an_unknown_service() {
    run(
        &["endpoints", "my-ns/nope", "examples/my-service.yaml"],
        None,
    )
    .code(1)
    .stdout_empty()
    .stderr_has(&["Service my-ns/nope not found"]);
}

// ---------------------------------------------------------------------------
// resolve

#[test]
fn resolve_redis_master() {
    let r = run(
        &[
            "resolve",
            "--service-cidr",
            "10.0.0.0/16",
            "examples/redis-master.yaml",
            "-o",
            "json",
        ],
        None,
    );
    r.code(0).stderr_empty().golden("resolve/redis-master.json");
    let v: Value = serde_json::from_str(&r.stdout).expect("resolve -o json is JSON");
    assert_eq!(v["kind"], "Resolution");
    let svc = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "redis-master")
        .expect("redis-master resolved");
    assert_eq!(svc["service"]["spec"]["clusterIP"], "10.0.0.11");
    assert_eq!(svc["service"]["spec"]["ports"][0]["port"], 6379);
    let kubernetes = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["namespace"] == "default" && s["name"] == "kubernetes")
        .expect("the implicit default/kubernetes");
    assert_eq!(kubernetes["service"]["spec"]["clusterIP"], "10.0.0.1");
}

#[test]
fn resolve_reports_errors_with_exit_1() {
    // Without --service-cidr, 10.0.0.11 is outside the default range.
    let r = run(
        &["resolve", "examples/redis-master.yaml", "-o", "json"],
        None,
    );
    r.code(1)
        .stderr_has(&["Service my-ns/redis-master: spec.clusterIPs: Invalid: "]);
    let v: Value = serde_json::from_str(&r.stdout).expect("still a JSON document");
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(1));
}

// ---------------------------------------------------------------------------
// explain

/// The fixture that triggers exactly one diagnostic code.
fn code_fixture(code: &str) -> String {
    fixture(&format!("explain/{code}.yaml"))
}

fn json_codes(stdout: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(stdout).expect("explain -o json is JSON");
    v.as_array()
        .expect("a JSON array of diagnostics")
        .iter()
        .map(|d| d["code"].as_str().expect("code").to_string())
        .collect()
}

#[test]
fn explain_each_code_alone() {
    for (code, _) in svcscope::internals::explain::CODES {
        let f = code_fixture(code);
        let json = run(&["explain", &f, "-o", "json"], None);
        let v: Value = serde_json::from_str(&json.stdout).expect("explain -o json is JSON");
        let diags = v.as_array().expect("array");
        let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert_eq!(codes, [*code], "{}: want exactly one {code}", json.what);
        let d = &diags[0];
        let severity = d["severity"].as_str().unwrap();
        assert!(
            ["error", "warning", "info"].contains(&severity),
            "{severity}"
        );
        assert!(!d["message"].as_str().unwrap().is_empty());
        assert!(!d["fix"].as_str().unwrap().is_empty());
        assert!(!d["objects"].as_array().unwrap().is_empty());
        // Errors make the exit code 1; warnings and info do not.
        let want = if severity == "error" { 1 } else { 0 };
        json.code(want).stderr_empty();
        let text = run(&["explain", &f], None);
        text.code(want)
            .stderr_empty()
            .golden(&format!("explain/{code}.txt"))
            .stdout_has(&[&format!("{severity}[{code}] ")]);
        // The count line.
        let last = text.stdout.lines().last().unwrap_or_default();
        let count = |s: &str| usize::from(s == severity);
        assert_eq!(
            last,
            format!(
                "{} error(s), {} warning(s), {} info",
                count("error"),
                count("warning"),
                count("info")
            ),
            "{}",
            text.what
        );
    }
}

#[test]
fn every_explain_fixture_is_a_code_or_a_named_case() {
    // A fixture for a code that no longer exists is a sign of drift.
    let codes: BTreeSet<&str> = svcscope::internals::explain::CODES
        .iter()
        .map(|(c, _)| *c)
        .collect();
    for e in std::fs::read_dir(root().join("engine/tests/fixtures/explain")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.strip_suffix(".yaml").unwrap_or(&name);
        assert!(
            codes.contains(stem)
                || stem == "clean"
                || stem.starts_with("fp-")
                || stem.starts_with("case-"),
            "fixture explain/{name} matches no diagnostic code"
        );
    }
}

#[test]
fn explain_clean() {
    run(&["explain", &fixture("explain/clean.yaml")], None)
        .code(0)
        .stderr_empty()
        .golden("explain/clean.txt");
    let r = run(
        &["explain", &fixture("explain/clean.yaml"), "-o", "json"],
        None,
    );
    assert_eq!(r.code(0).stdout, "[]\n");
    // Empty input: nothing at all.
    run(&["explain"], Some(b""))
        .code(0)
        .golden("explain/clean.txt");
}

#[test]
fn explain_examples() {
    let files = examples();
    run(
        &args(&["explain", "--service-cidr", "10.0.0.0/16"], &files),
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("explain/examples.txt");
}

#[test]
fn explain_json_output() {
    let r = run(
        &[
            "explain",
            &code_fixture("selector-matches-nothing"),
            "-o",
            "json",
        ],
        None,
    );
    r.code(0)
        .stderr_empty()
        .golden("explain/selector-matches-nothing.json");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let d = &v[0];
    assert_eq!(d["code"], "selector-matches-nothing");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["objects"][0],
        serde_json::json!({"kind": "Service", "namespace": "my-ns", "name": "my-service"})
    );
    assert!(d["details"].is_array());
    // Errors are errors in JSON too, and set the exit code.
    let r = run(
        &["explain", &code_fixture("service-rejected"), "-o", "json"],
        None,
    );
    let v: Value = serde_json::from_str(&r.code(1).stdout).unwrap();
    assert_eq!(v[0]["severity"], "error");
}

#[test]
fn explain_selector_typo_names_the_closest_pod() {
    // The seeds' typo: selector app=MyApp, the pod labelled app=myapp.
    let r = run(
        &["explain", &code_fixture("selector-matches-nothing")],
        None,
    );
    r.code(0).stdout_has(&[
        "selector app=MyApp matches no pod in namespace my-ns",
        "closest: pod myapp-1: label app is \"myapp\", want \"MyApp\" (differs only in letter case)",
        "fix: if pod myapp-1 is meant to be selected, set its label app=MyApp or change the selector to app=myapp",
    ]);
}

#[test]
fn explain_no_false_positives() {
    // A selectorless Service with hand-written Endpoints is fine.
    let r = run(
        &["explain", "examples/selectorless.json", "-o", "json"],
        None,
    );
    assert_eq!(json_codes(&r.code(0).stdout), Vec::<String>::new());
    // An ExternalName to an outside name is fine.
    let r = run(
        &["explain", "examples/external-name.yaml", "-o", "json"],
        None,
    );
    assert_eq!(json_codes(&r.code(0).stdout), Vec::<String>::new());
    // A numeric targetPort on pods that declare no ports is fine.
    let f = fixture("explain/fp-numeric-target-port-undeclared.yaml");
    let r = run(&["explain", &f, "-o", "json"], None);
    assert_eq!(json_codes(&r.code(0).stdout), Vec::<String>::new());
    // default/kubernetes' variables are always set.
    let f = fixture("explain/fp-kubernetes-variables.yaml");
    let r = run(&["explain", &f, "-o", "json"], None);
    assert_eq!(json_codes(&r.code(0).stdout), Vec::<String>::new());
    // The seeds' examples: only the selector typo and the Service created
    // after its client have findings.
    let files = service_examples();
    let r = run(
        &args(
            &["explain", "--service-cidr", "10.0.0.0/16", "-o", "json"],
            &files,
        ),
        None,
    );
    assert_eq!(
        json_codes(&r.code(0).stdout),
        ["selector-matches-nothing", "env-service-created-after-pod"]
    );
    assert!(r.stdout.contains("\"namespace\": \"typo\""));
}

#[test]
fn explain_pods_in_another_namespace() {
    let f = fixture("explain/fp-pods-in-other-namespace.yaml");
    let r = run(&["explain", &f], None);
    r.code(0)
        .stderr_empty()
        .golden("explain/fp-pods-in-other-namespace.txt")
        .stdout_has(&[
            "no pod in namespace shop",
            "pods in namespace web match, but a Service selects only pods of its own namespace",
        ]);
    let r = run(&["explain", &f, "-o", "json"], None);
    assert_eq!(json_codes(&r.code(0).stdout), ["selector-matches-nothing"]);
}

/// Further cases: (fixture stem, exit code, the codes it must produce).
const EXPLAIN_CASES: &[(&str, i32, &[&str])] = &[
    // A short name is no cluster name as a CNAME target.
    (
        "case-external-name-short-name",
        0,
        &["external-name-in-cluster"],
    ),
    // Only the first out-of-range nodePort; no service-rejected repeating it.
    (
        "case-rejected-twice",
        1,
        // The allocator stops at the first failure, as upstream's does.
        &["node-port-out-of-range"],
    ),
    // A near miss here and an exact match in another namespace: both said.
    (
        "case-near-miss-and-other-namespace",
        0,
        &["selector-matches-nothing"],
    ),
    // Terminating pods that still serve: kube-proxy falls back to them.
    ("case-terminating-still-serving", 0, &["no-ready-endpoints"]),
    // Headless: no rejected connections, no DNS answer.
    (
        "case-headless-without-endpoints",
        0,
        &["no-endpoints", "no-ready-endpoints"],
    ),
    // Hand-written Endpoints whose addresses are all not ready.
    ("case-manual-endpoints-not-ready", 0, &["no-endpoints"]),
    // The controller's own Endpoints in a dump are not hand-written.
    ("fp-controller-endpoints-in-a-dump", 0, &[]),
    // A variable the container defines itself is no service dependency;
    // one its args use is.
    (
        "case-own-variables-and-args",
        0,
        &["env-service-created-after-pod"],
    ),
    // The issue's typo: only the pod a slip away is closest, and named.
    ("case-hint-selector-value", 0, &["selector-matches-nothing"]),
    // A key a slip away, before a pod that lacks the key.
    ("case-hint-selector-key", 0, &["selector-matches-nothing"]),
    // No pods, a template a plural away; an unrelated one unmentioned.
    (
        "case-hint-selector-template",
        0,
        &["selector-matches-nothing"],
    ),
    // Nothing close: no closest pods, no hint.
    ("fp-nothing-close", 0, &["selector-matches-nothing"]),
    // $(VAR) references a slip from a variable, a Service elsewhere, a
    // Service created after the pod; $(date) is left to the shell.
    (
        "case-hint-env",
        0,
        &[
            "env-service-missing",
            "env-service-missing",
            "env-service-missing",
            "env-variable-unknown",
            "env-variable-unknown",
        ],
    ),
    // Port names and numbers a slip away; a name nothing is close to.
    (
        "case-hint-target-ports",
        1,
        &[
            "target-port-name-not-found",
            "target-port-not-declared",
            "target-port-not-declared",
            "target-port-name-not-found",
        ],
    ),
    // Named ports: found on a sidecar, not on a plain init container (and
    // said so), not under another protocol.
    (
        "case-named-ports-and-init-containers",
        1,
        &[
            "target-port-name-not-found",
            "target-port-name-not-found",
            "target-port-not-declared",
        ],
    ),
];

#[test]
fn explain_further_cases() {
    for (stem, code, codes) in EXPLAIN_CASES {
        let f = fixture(&format!("explain/{stem}.yaml"));
        run(&["explain", &f], None)
            .code(*code)
            .stderr_empty()
            .golden(&format!("explain/{stem}.txt"));
        let r = run(&["explain", &f, "-o", "json"], None);
        assert_eq!(json_codes(&r.code(*code).stdout), *codes, "{}", r.what);
    }
}

// ---------------------------------------------------------------------------
// Robustness: mutated examples never crash or hang the binary.

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to YAML and JSON, for insertions.
const INTERESTING: &[u8] = b":-[]{},&*!|>#'\"\n \t%@`?0123456789.\\\x00\xff";

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        if len == 0 {
            v.extend_from_slice(b"kind: Service\n");
            continue;
        }
        let i = rng.below(len);
        match rng.below(10) {
            0 => v[i] ^= 1 << rng.below(8),
            1 => v.insert(i, INTERESTING[rng.below(INTERESTING.len())]),
            2 => v[i] = INTERESTING[rng.below(INTERESTING.len())],
            3 => {
                let n = 1 + rng.below(16.min(len - i));
                v.drain(i..i + n);
            }
            4 => {
                // A slice copied elsewhere: repeated keys, odd nesting.
                let n = 1 + rng.below(64.min(len - i));
                let chunk: Vec<u8> = v[i..i + n].to_vec();
                let at = rng.below(len + 1);
                v.splice(at..at, chunk);
            }
            5 => v.truncate(i),
            6 => v.swap(i, rng.below(len)),
            // Mutations that mostly keep the document valid, so the
            // engine (not just the parser) sees odd values: other
            // numbers, other names, repeated lines.
            7 => {
                if let Some(k) = (i..len).find(|&k| v[k].is_ascii_digit()) {
                    v[k] = b'0' + rng.below(10) as u8;
                }
            }
            8 => {
                if let Some(k) = (i..len).find(|&k| v[k].is_ascii_alphabetic()) {
                    let base = if rng.below(2) == 0 { b'a' } else { b'A' };
                    v[k] = base + rng.below(26) as u8;
                }
            }
            _ => {
                let start = v[..i]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                let end = v[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(len, |p| i + p + 1);
                let line: Vec<u8> = v[start..end].to_vec();
                v.splice(end..end, line);
            }
        }
    }
    v
}

#[test]
fn mutated_examples_never_crash() {
    let inputs: Vec<(String, Vec<u8>)> = examples()
        .into_iter()
        .map(|e| (e.clone(), read(&e)))
        .collect();
    // A longer campaign: SVCSCOPE_FUZZ_RUNS=5000 SVCSCOPE_FUZZ_SEED=7 cargo test …
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("SVCSCOPE_FUZZ_SEED").map_or(0x5EED_CAFE_F00D_0001, |s| s | 1);
    let mut rng = Rng(seed);
    let runs = env("SVCSCOPE_FUZZ_RUNS").unwrap_or(300);
    let mut seen = BTreeSet::new();
    for i in 0..runs {
        let (name, original) = &inputs[rng.below(inputs.len())];
        let mutated = mutate(&mut rng, original);
        // Keep the input where it can be found if this run fails.
        let keep = std::env::temp_dir().join(format!("svcscope-fuzz-{}.in", std::process::id()));
        std::fs::write(&keep, &mutated).expect("write the fuzz input");
        let context = format!(
            "mutation {i} (seed {seed:#x}) of {name}; input saved in {}",
            keep.display()
        );
        let cidr = i % 2 == 0;
        let mut a = vec!["check", "-"];
        if cidr {
            a.extend(CIDR_2015);
        }
        let r =
            std::panic::catch_unwind(|| run_limited(&a, Some(&mutated), Duration::from_secs(10)))
                .unwrap_or_else(|_| panic!("{context}"));
        assert!(
            matches!(r.code, Some(0 | 1)),
            "{context}: exit code {:?}\n{}",
            r.code,
            r.stderr
        );
        seen.insert(r.code);
        // The other commands read the same input; a few of them each time.
        if i % 3 == 0 {
            for cmd in [
                &["explain", "-", "-o", "json"][..],
                &["endpoints", "-"][..],
                &["resolve", "-", "-o", "json"][..],
                &["select", "app in (MyApp, frontend),!x", "-"][..],
            ] {
                let r = std::panic::catch_unwind(|| {
                    run_limited(cmd, Some(&mutated), Duration::from_secs(10))
                })
                .unwrap_or_else(|_| panic!("{context}: svcscope {}", cmd.join(" ")));
                assert!(
                    matches!(r.code, Some(0 | 1)),
                    "{context}: {}: exit code {:?}\n{}",
                    r.what,
                    r.code,
                    r.stderr
                );
            }
        }
    }
    let _ = std::fs::remove_file(
        std::env::temp_dir().join(format!("svcscope-fuzz-{}.in", std::process::id())),
    );
    // The mutations must reach both sides: inputs still valid, and broken.
    assert_eq!(
        seen,
        BTreeSet::from([Some(0), Some(1)]),
        "mutations should give both clean and failing inputs"
    );
}

// ---------------------------------------------------------------------------
// selection, check -o json, kubectl-style files

/// The full why-not of one Service: every pod not selected, by reason.
#[test]
fn selection_lists_every_pod_not_selected() {
    run(
        &[
            "selection",
            "my-ns/redis-master",
            "examples/redis-master.yaml",
        ],
        None,
    )
    .code(0)
    .stderr_empty()
    .golden("select/selection-redis-master.txt");
    let r = run(
        &[
            "selection",
            "redis-master",
            "-n",
            "my-ns",
            "-f",
            "examples/redis-master.yaml",
            "-o",
            "json",
        ],
        None,
    );
    r.code(0).golden("select/selection-redis-master.json");
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["kind"], "Selection");
    assert_eq!(doc["selected"][0], "redis-master-0");
    assert_eq!(doc["notSelected"][0]["pods"][0], "frontend");
    run(
        &["selection", "my-ns/nope", "examples/redis-master.yaml"],
        None,
    )
    .code(1)
    .stderr_has(&["Service my-ns/nope not found in the input"]);
}

#[test]
fn check_as_json_carries_the_same_facts() {
    let f = fixture("check/bad-protocol.yaml");
    let r = run(&["check", f.as_str(), "-o", "json"], None);
    r.code(1);
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["kind"], "CheckReport");
    let e = &doc["errors"][0];
    for key in [
        "kind",
        "namespace",
        "name",
        "field",
        "type",
        "detail",
        "stage",
    ] {
        assert!(e.get(key).is_some(), "{key} missing in {e}");
    }
    let text = run(&["check", f.as_str()], None);
    assert_eq!(
        text.stdout.lines().count(),
        doc["errors"].as_array().map_or(0, Vec::len)
    );
}

#[test]
fn directories_recursively_with_r() {
    let dir = std::env::temp_dir().join(format!("svcscope-r-{}", std::process::id()));
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).expect("temp dir");
    std::fs::copy(
        root().join("examples/redis-master.yaml"),
        sub.join("a.yaml"),
    )
    .expect("copy");
    let d = dir.to_string_lossy().into_owned();
    run(&["select", "app=redis", "-f", d.as_str()], None)
        .code(0)
        .stdout_empty();
    run(&["select", "app=redis", "-f", d.as_str(), "-R"], None)
        .code(0)
        .stdout_has(&["my-ns/redis-master-0"]);
    let _ = std::fs::remove_dir_all(&dir);
}
