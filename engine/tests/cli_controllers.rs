//! Golden tests for the controllers in the CLI (`--controllers`, `pods`,
//! `--delete-pod`, `--scale`, `--drain`, `--seed`), run as a user meets
//! them: the real binary, from the workspace root, on the examples.
//! Standard output is compared with `engine/tests/golden/controllers/`.
//! After an intended change, regenerate with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p svcscope --test cli_controllers
//! ```
//!
//! and review the diff by eye.

#[path = "support/cli.rs"]
mod support;
use support::Run;

const REDIS: &str = "examples/controllers/redis-master-rc.yaml";
const MYSQL: &str = "examples/controllers/mysql-statefulset.yaml";
const NGINX: &str = "examples/controllers/nginx-deployment.yaml";
const CIDR_2015: &str = "--service-cidr=10.0.0.0/16";
const NO_NODES: &str =
    "note: the input has no Nodes: the controllers assume node-a, node-b, node-c";

fn run(args: &[&str]) -> Run {
    support::run(args, None)
}

#[test]
fn pods_from_a_replication_controller() {
    run(&["pods", REDIS, "--controllers", CIDR_2015, "-o", "wide"])
        .code(0)
        .stderr_has(&[NO_NODES])
        .golden("controllers/redis-pods-wide.txt");
    // Without the controllers the cluster is shown as given: no pods.
    run(&["pods", REDIS, CIDR_2015])
        .code(0)
        .stderr_has(&["No resources found"])
        .stdout_empty();
}

#[test]
fn pods_are_mortal_the_service_is_not() {
    // The walk-through: a pod is deleted, its replacement has a new name
    // and IP, the endpoints follow, the Service's IP stays.
    run(&[
        "pods",
        REDIS,
        "--controllers",
        CIDR_2015,
        "-o",
        "wide",
        "--delete-pod",
        "my-ns/redis-master-b9b5h",
    ])
    .code(0)
    .golden("controllers/redis-pods-after-delete.txt");
    run(&[
        "endpoints",
        "my-ns/redis-master",
        REDIS,
        "--controllers",
        CIDR_2015,
        "-o",
        "json",
    ])
    .code(0)
    .stdout_has(&["\"10.244.1.2\"", "\"10.244.2.2\""]);
    run(&[
        "endpoints",
        "my-ns/redis-master",
        REDIS,
        "--controllers",
        CIDR_2015,
        "-o",
        "json",
        "--delete-pod",
        "my-ns/redis-master-b9b5h",
    ])
    .code(0)
    .stdout_has(&["\"10.244.1.3\"", "\"10.244.2.2\""])
    .stdout_lacks(&["\"ip\": \"10.244.1.2\""]);
    for extra in [&[][..], &["--delete-pod", "my-ns/redis-master-b9b5h"][..]] {
        let mut args = vec![
            "dns",
            "redis-master.my-ns.svc.cluster.local",
            REDIS,
            "--controllers",
            CIDR_2015,
        ];
        args.extend_from_slice(extra);
        run(&args)
            .code(0)
            .stdout_has(&["redis-master.my-ns.svc.cluster.local. 5 IN A 10.0.0.11"]);
    }
}

#[test]
fn a_stateful_set_behind_a_headless_service() {
    run(&[
        "dns",
        "mysql-0.mysql.db.svc.cluster.local",
        MYSQL,
        "--controllers",
    ])
    .code(0)
    .golden("controllers/mysql-0-dns.txt");
    run(&["dns", "mysql.db.svc.cluster.local", MYSQL, "--controllers"])
        .code(0)
        .golden("controllers/mysql-dns.txt");
    run(&["pods", MYSQL, "--controllers", "-o", "yaml"])
        .code(0)
        .golden("controllers/mysql-pods.yaml");
}

#[test]
fn a_deployment_its_replica_set_and_changes_in_order() {
    run(&["pods", NGINX, "--controllers"])
        .code(0)
        .golden("controllers/nginx-pods.txt");
    run(&[
        "pods",
        NGINX,
        "--controllers",
        "-o",
        "wide",
        "--scale",
        "deploy/default/nginx-deployment=5",
        "--drain",
        "node-a",
        "--scale",
        "deployment/nginx-deployment=4",
    ])
    .code(0)
    .golden("controllers/nginx-scaled-drained.txt");
}

#[test]
fn the_same_seed_gives_byte_identical_pods() {
    let yaml = |seed: &str| {
        let r = run(&[
            "pods",
            NGINX,
            REDIS,
            CIDR_2015,
            "--controllers",
            "--seed",
            seed,
            "-o",
            "yaml",
        ]);
        r.code(0);
        r.stdout.clone()
    };
    assert_eq!(yaml("5"), yaml("5"));
    assert_ne!(yaml("5"), yaml("6"));
}

#[test]
fn bad_workloads_and_pods_that_cannot_be_placed() {
    run(&[
        "check",
        "engine/tests/fixtures/controllers/bad-replicas.yaml",
    ])
    .code(1)
    .golden("controllers/bad-replicas-check.txt");
    run(&[
        "pods",
        "engine/tests/fixtures/controllers/bad-replicas.yaml",
        "--controllers",
    ])
    .code(0)
    .stdout_empty();
    run(&["pods", "engine/tests/fixtures/controllers/unschedulable.yaml", "--controllers", "-o", "json"])
        .code(0)
        .stdout_has(&["0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {nvidia.com/gpu: present}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."]);
}

#[test]
fn usage_errors() {
    run(&["pods", NGINX, "--delete-pod", "default/x"])
        .code(2)
        .stderr_has(&["the controllers are off"]);
    run(&["pods", NGINX, "--controllers", "--scale", "deploy/web"])
        .code(2)
        .stderr_has(&["--scale \"deploy/web\": want KIND/NAMESPACE/NAME=REPLICAS"]);
    run(&["pods", NGINX, "--controllers", "--scale", "job/web=1"])
        .code(2)
        .stderr_has(&["--kind \"job\": only a Deployment"]);
    run(&["pods", NGINX, "--controllers", "--seed", "-1"]).code(2);
    run(&[
        "pods",
        NGINX,
        "--controllers",
        "--delete-pod",
        "default/nope",
    ])
    .code(1)
    .stderr_has(&["Pod default/nope not found in the input"]);
}
