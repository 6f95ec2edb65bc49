//! The controllers through the front door, as a user meets them: manifests
//! loaded into a `Cluster` with `controllers: true`, then the pods, DNS,
//! Endpoints, env and explain it shows, and the changes of a running
//! cluster (delete a pod, scale, drain, relabel, readiness).

use std::collections::BTreeSet;
use svcscope::cluster::options::{DnsQuery, LoadOptions};
use svcscope::internals::controllers::random::ALPHANUMS;
use svcscope::internals::controllers::template_hash::pod_template_hash;
use svcscope::{Cluster, Config};

fn cluster(seed: u64) -> Cluster {
    Cluster::new(Config {
        controllers: true,
        seed,
        ..Config::default()
    })
}

fn load(c: &mut Cluster, name: &str, text: &str) {
    let r = c.load(text, &LoadOptions::named(name));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

fn names(c: &Cluster) -> Vec<String> {
    c.pods()
        .pods
        .iter()
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect()
}

fn running(c: &Cluster) -> Vec<svcscope::cluster::documents::PodSummary> {
    c.pods()
        .pods
        .iter()
        .filter(|p| p.status == "Running")
        .cloned()
        .collect()
}

const NGINX: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-deployment, labels: {app: nginx}}
spec:
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports: [{containerPort: 80}]
";

const MYSQL: &str = "apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: db}
spec:
  clusterIP: None
  selector: {app: mysql}
  ports: [{name: mysql, port: 3306}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mysql, namespace: db}
spec:
  serviceName: mysql
  replicas: 3
  selector: {matchLabels: {app: mysql}}
  template:
    metadata: {labels: {app: mysql}}
    spec: {containers: [{name: mysql, image: mysql:8.4, ports: [{name: mysql, containerPort: 3306}]}]}
";

fn rc(replicas: i32) -> String {
    format!(
        "apiVersion: v1
kind: ReplicationController
metadata: {{name: redis-master, namespace: my-ns}}
spec:
  replicas: {replicas}
  selector: {{app: redis, role: master}}
  template:
    metadata: {{labels: {{app: redis, role: master}}}}
    spec: {{containers: [{{name: redis, image: redis:7.2, ports: [{{containerPort: 6379}}]}}]}}
"
    )
}

#[test]
fn a_deployment_makes_a_replica_set_named_by_its_template_hash_and_pods_named_after_it() {
    let mut c = cluster(0);
    load(&mut c, "nginx.yaml", NGINX);
    let pods = c.pods();
    assert_eq!(pods.pods.len(), 3);
    let first = &pods.pods[0].pod;
    let hash = first.metadata.labels["pod-template-hash"].clone();
    let owner = first.metadata.controller_ref().unwrap();
    assert_eq!(owner.kind, "ReplicaSet");
    assert_eq!(owner.name, format!("nginx-deployment-{hash}"));
    // The hash is computed from the Deployment's template.
    let d = match svcscope::parse_object(&serde_json::to_string(&serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "nginx-deployment"},
        "spec": {"selector": {"matchLabels": {"app": "nginx"}}, "template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}]}}}
    })).unwrap()).unwrap() {
        svcscope::model::Object::Workload(w) => w,
        _ => unreachable!(),
    };
    assert_eq!(hash, pod_template_hash(&d.template));
    for p in &pods.pods {
        let suffix = p.name.strip_prefix(&format!("{}-", owner.name)).unwrap();
        assert_eq!(suffix.len(), 5);
        assert!(suffix.bytes().all(|b| ALPHANUMS.contains(&b)), "{suffix}");
        assert_eq!(
            p.pod.metadata.generate_name.as_deref(),
            Some(&*format!("{}-", owner.name))
        );
        assert!(p.generated);
    }
    // Spread over the three assumed nodes, one each.
    let nodes: BTreeSet<_> = pods.pods.iter().map(|p| p.node.clone().unwrap()).collect();
    assert_eq!(nodes.len(), 3);
    assert!(
        pods.notes[0].starts_with("the input has no Nodes"),
        "{:?}",
        pods.notes
    );
}

#[test]
fn a_stateful_set_gives_ordinal_pods_with_dns_names_under_its_headless_service() {
    let mut c = cluster(0);
    load(&mut c, "mysql.yaml", MYSQL);
    assert_eq!(names(&c), ["db/mysql-0", "db/mysql-1", "db/mysql-2"]);
    let master = c.pods().pods[0].clone();
    assert_eq!(master.pod.spec.hostname.as_deref(), Some("mysql-0"));
    assert_eq!(master.pod.spec.subdomain.as_deref(), Some("mysql"));
    let a = c
        .dns(
            "mysql-0.mysql.db.svc.cluster.local",
            "A",
            &DnsQuery::default(),
        )
        .unwrap();
    let text = a.to_text();
    assert!(text.contains(master.ip.as_deref().unwrap()), "{text}");
    // The headless name answers every replica.
    let all = c
        .dns("mysql.db.svc.cluster.local", "A", &DnsQuery::default())
        .unwrap();
    assert_eq!(all.response().answer.len(), 3);
    // A deleted StatefulSet pod comes back under its own name, at a new IP.
    c.delete_pod("db/mysql-0").unwrap();
    let again = c.pods().pods[0].clone();
    assert_eq!(again.name, "mysql-0");
    assert_eq!(again.status, "Running");
    assert_ne!(again.ip, master.ip);
    // Scaling down removes the highest ordinals.
    c.scale("sts", "db/mysql", 1).unwrap();
    assert_eq!(names(&c), ["db/mysql-0"]);
}

#[test]
fn a_daemon_set_runs_one_pod_on_each_node_it_may_use() {
    let mut c = cluster(0);
    load(
        &mut c,
        "nodes.yaml",
        "apiVersion: v1\nkind: Node\nmetadata: {name: a, labels: {disk: ssd}}\nspec: {podCIDR: 10.244.1.0/24}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: b, labels: {disk: ssd}}\nspec: {podCIDR: 10.244.2.0/24, unschedulable: true}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: c}\nspec: {podCIDR: 10.244.3.0/24}\n---\n\
         apiVersion: v1\nkind: Node\nmetadata: {name: d, labels: {disk: ssd}}\nspec: {podCIDR: 10.244.4.0/24, taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}\n",
    );
    load(
        &mut c,
        "ds.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {nodeSelector: {disk: ssd}, containers: [{name: a, image: agent}]}\n",
    );
    // a and the cordoned b (DaemonSet pods tolerate a cordon); not c (no
    // label), not d (a taint it does not tolerate).
    let on: BTreeSet<String> = c
        .pods()
        .pods
        .iter()
        .map(|p| p.node.clone().unwrap())
        .collect();
    assert_eq!(on, BTreeSet::from(["a".to_string(), "b".to_string()]));
    // A new node that fits gets its pod.
    load(
        &mut c,
        "more.yaml",
        "apiVersion: v1\nkind: Node\nmetadata: {name: e, labels: {disk: ssd}}\nspec: {podCIDR: 10.244.5.0/24}\n",
    );
    assert_eq!(c.pods().pods.len(), 3);
}

fn replica_set(name: &str, replicas: i32, node_selector: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{nodeSelector: {{{node_selector}}}, containers: [{{name: a, image: app}}]}}\n---\n"
    )
}

#[test]
fn a_long_owners_pod_names_are_cut_as_the_name_generator_cuts_them() {
    // names.SimpleNameGenerator: the prefix `<owner>-` cut to 58 bytes,
    // then 5 random characters; from 58 characters on, the dash goes.
    for (len, prefix_len) in [(10, 11), (57, 58), (58, 58), (62, 58)] {
        let owner: String = "a".repeat(len - 1) + "b";
        let mut c = cluster(1);
        load(&mut c, "rs.yaml", &replica_set(&owner, 2, ""));
        let pods = c.pods();
        assert_eq!(pods.pods.len(), 2, "{len}");
        let prefix = format!("{owner}-");
        let prefix = &prefix[..prefix_len];
        for p in &pods.pods {
            assert_eq!(p.name.len(), prefix_len + 5, "{}", p.name);
            assert!(p.name.starts_with(prefix), "{}", p.name);
            assert!(
                p.name[prefix_len..].bytes().all(|b| ALPHANUMS.contains(&b)),
                "{}",
                p.name
            );
        }
    }
}

fn nodes_of(c: &Cluster, prefix: &str) -> Vec<String> {
    c.pods()
        .pods
        .iter()
        .filter(|p| p.name.starts_with(prefix))
        .map(|p| p.node.clone().unwrap_or_default())
        .collect()
}

#[test]
fn owners_placed_in_one_change_each_get_their_own_node_filters() {
    let mut c = cluster(0);
    let text = replica_set("pinned", 3, "kubernetes.io/hostname: node-b")
        + &replica_set("free", 3, "")
        + &replica_set("elsewhere", 2, "kubernetes.io/hostname: node-c");
    load(&mut c, "rs.yaml", &text);
    assert_eq!(nodes_of(&c, "pinned-"), ["node-b"; 3]);
    // One on each node: the first owner's filters were not reused.
    let free: BTreeSet<String> = nodes_of(&c, "free-").into_iter().collect();
    assert_eq!(free.len(), 3, "{free:?}");
    assert_eq!(nodes_of(&c, "elsewhere-"), ["node-c"; 2]);
}

#[test]
fn a_nodes_pod_limit_counts_every_pod_placed_in_the_same_change() {
    let mut c = cluster(0);
    // One node: the first ReplicaSet's pod, the DaemonSet's and 108 of
    // the last ReplicaSet's make kubelet's 110; the 109th stays Pending.
    let text = "apiVersion: v1\nkind: Node\nmetadata: {name: only}\nspec: {podCIDR: 10.244.1.0/24}\n---\n".to_string()
        + &replica_set("first", 1, "")
        + "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: a, image: agent}]}\n---\n"
        + &replica_set("last", 109, "");
    load(&mut c, "one-node.yaml", &text);
    let pods = c.pods();
    assert_eq!(pods.pods.len(), 111);
    let pending: Vec<_> = pods.pods.iter().filter(|p| p.status == "Pending").collect();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].name.starts_with("last-"));
    assert_eq!(
        pending[0].pod.status.conditions[0].message.as_deref(),
        Some("0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
    );
}

#[test]
fn existing_pods_count_towards_replicas() {
    let mut c = cluster(0);
    load(
        &mut c,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: redis-master-0, namespace: my-ns, labels: {app: redis, role: master}}\nspec: {nodeName: node-a, containers: [{name: redis}]}\nstatus: {phase: Running, podIP: 10.244.1.3, conditions: [{type: Ready, status: \"True\"}]}\n",
    );
    load(&mut c, "rc.yaml", &rc(2));
    let n = names(&c);
    assert_eq!(n.len(), 2, "{n:?}");
    assert!(n.contains(&"my-ns/redis-master-0".to_string()));
    // The new pod did not take the existing pod's address.
    let ips: BTreeSet<_> = c.pods().pods.iter().map(|p| p.ip.clone()).collect();
    assert_eq!(ips.len(), 2);
}

#[test]
fn a_dump_of_a_running_cluster_is_not_doubled() {
    let mut a = cluster(3);
    load(&mut a, "nginx.yaml", NGINX);
    load(&mut a, "mysql.yaml", MYSQL);
    load(&mut a, "rc.yaml", &rc(2));
    let dump = svcscope::emit::to_yaml(&a.pods().to_list()).unwrap();
    let mut b = cluster(99);
    load(&mut b, "pods.yaml", &dump);
    load(&mut b, "nginx.yaml", NGINX);
    load(&mut b, "mysql.yaml", MYSQL);
    load(&mut b, "rc.yaml", &rc(2));
    assert_eq!(names(&a), names(&b));
    assert!(b.pods().pods.iter().all(|p| !p.generated));
}

#[test]
fn the_same_seed_gives_the_same_cluster_and_another_seed_other_names() {
    let yaml = |seed| {
        let mut c = cluster(seed);
        load(&mut c, "nginx.yaml", NGINX);
        load(&mut c, "rc.yaml", &rc(2));
        svcscope::emit::to_yaml(&c.pods().to_list()).unwrap()
    };
    assert_eq!(yaml(7), yaml(7));
    assert_ne!(yaml(7), yaml(8));
}

#[test]
fn a_deleted_pod_is_replaced_at_a_new_ip_and_the_service_keeps_its_own() {
    let mut c = cluster(0);
    load(
        &mut c,
        "redis.yaml",
        &format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: redis-master, namespace: my-ns}}\nspec:\n  selector: {{app: redis, role: master}}\n  ports: [{{port: 6379}}]\n---\n{}",
            rc(2)
        ),
    );
    let svc_ip = |c: &Cluster| {
        c.services()
            .into_iter()
            .find(|s| s.name == "redis-master")
            .and_then(|s| s.service.spec.cluster_ip.clone())
    };
    let before = svc_ip(&c);
    let endpoints = |c: &Cluster| -> BTreeSet<String> {
        let list = c.endpoints(Some("my-ns/redis-master")).unwrap();
        let v = serde_json::to_value(&list).unwrap();
        v["items"][0]["subsets"][0]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["ip"].as_str().unwrap().to_string())
            .collect()
    };
    let old_eps = endpoints(&c);
    let victim = c.pods().pods[0].clone();
    let report = c.delete_pod(&format!("my-ns/{}", victim.name)).unwrap();
    assert_eq!(report.created.len(), 1);
    assert_eq!(report.updated.len(), 1, "the old pod, now terminating");
    assert!(report
        .changes
        .services
        .iter()
        .any(|s| s.name == "redis-master"));
    let pods = c.pods();
    let old = pods.pods.iter().find(|p| p.name == victim.name).unwrap();
    assert_eq!(old.status, "Terminating");
    let new_eps = endpoints(&c);
    assert_eq!(new_eps.len(), 2);
    assert!(!new_eps.contains(victim.ip.as_deref().unwrap()));
    assert_ne!(old_eps, new_eps);
    assert_eq!(svc_ip(&c), before);
    // At the next change the terminating pod is gone.
    c.scale("rc", "my-ns/redis-master", 2).unwrap();
    assert!(!names(&c).contains(&format!("my-ns/{}", victim.name)));
}

#[test]
fn a_service_created_after_the_pods_is_not_in_their_environment_until_they_are_replaced() {
    let mut c = cluster(0);
    load(
        &mut c,
        "web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web, env: [{name: DB, value: \"$(DB_SERVICE_HOST)\"}]}]}\n",
    );
    load(
        &mut c,
        "db.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {selector: {app: db}, ports: [{port: 5432}]}\n",
    );
    let pod = format!("default/{}", c.pods().pods[0].name);
    let has_db = |c: &Cluster, pod: &str| {
        c.env(pod, None)
            .unwrap()
            .iter()
            .any(|(n, _)| n == "DB_SERVICE_HOST")
    };
    assert!(!has_db(&c, &pod));
    assert!(c
        .explain()
        .iter()
        .any(|d| d.code == "env-service-created-after-pod"));
    c.delete_pod(&pod).unwrap();
    let new = running(&c)[0].name.clone();
    assert!(has_db(&c, &format!("default/{new}")));
}

#[test]
fn a_template_change_rolls_out_a_new_replica_set() {
    let mut c = cluster(0);
    load(&mut c, "nginx.yaml", NGINX);
    let old: BTreeSet<String> = names(&c).into_iter().collect();
    load(
        &mut c,
        "nginx.yaml",
        &NGINX.replace(
            "{labels: {app: nginx}}\n    spec",
            "{labels: {app: nginx, tier: web}}\n    spec",
        ),
    );
    let pods = c.pods();
    let now: Vec<_> = pods.pods.iter().filter(|p| p.status == "Running").collect();
    assert_eq!(now.len(), 3);
    assert!(now
        .iter()
        .all(|p| p.pod.metadata.labels.get("tier").map(String::as_str) == Some("web")));
    assert!(now
        .iter()
        .all(|p| !old.contains(&format!("default/{}", p.name))));
    let terminating = pods
        .pods
        .iter()
        .filter(|p| p.status == "Terminating")
        .count();
    assert_eq!(terminating, 3);
}

#[test]
fn drain_moves_pods_elsewhere_and_cordon_keeps_new_ones_away() {
    let mut c = cluster(0);
    load(&mut c, "rc.yaml", &rc(6));
    c.drain("node-b").unwrap();
    let on_b = running(&c)
        .iter()
        .filter(|p| p.node.as_deref() == Some("node-b"))
        .count();
    assert_eq!(on_b, 0);
    assert_eq!(running(&c).len(), 6);
    c.scale("rc", "my-ns/redis-master", 9).unwrap();
    assert!(running(&c)
        .iter()
        .all(|p| p.node.as_deref() != Some("node-b")));
    c.cordon("node-b", false).unwrap();
    c.scale("rc", "my-ns/redis-master", 12).unwrap();
    assert!(running(&c)
        .iter()
        .any(|p| p.node.as_deref() == Some("node-b")));
}

#[test]
fn readiness_moves_a_pod_between_ready_and_not_ready_addresses() {
    let mut c = cluster(0);
    load(&mut c, "mysql.yaml", MYSQL);
    c.set_ready("db/mysql-1", false).unwrap();
    let v = serde_json::to_value(c.endpoints(Some("db/mysql")).unwrap()).unwrap();
    let subset = &v["items"][0]["subsets"][0];
    assert_eq!(subset["addresses"].as_array().unwrap().len(), 2);
    assert_eq!(subset["notReadyAddresses"].as_array().unwrap().len(), 1);
    c.set_ready("db/mysql-1", true).unwrap();
    let v = serde_json::to_value(c.endpoints(Some("db/mysql")).unwrap()).unwrap();
    assert_eq!(
        v["items"][0]["subsets"][0]["addresses"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn deleting_a_workload_deletes_what_it_made() {
    let mut c = cluster(0);
    load(&mut c, "nginx.yaml", NGINX);
    load(&mut c, "nginx.yaml", "");
    assert!(names(&c).is_empty());
}

#[test]
fn bad_workloads_are_refused_and_make_nothing() {
    let mut c = cluster(0);
    load(
        &mut c,
        "bad.yaml",
        &NGINX.replace("replicas: 3", "replicas: -1"),
    );
    let check = c.check();
    assert_eq!(check.errors[0].to_string(), "Deployment default/nginx-deployment: spec.replicas: Invalid: -1: must be greater than or equal to 0");
    assert!(names(&c).is_empty());
    load(
        &mut c,
        "bad.yaml",
        &NGINX.replace("matchLabels: {app: nginx}", "matchLabels: {app: web}"),
    );
    assert!(c.check().errors[0].to_string().contains("spec.template.metadata.labels: Invalid: map[string]string{\"app\":\"nginx\"}: `selector` does not match template `labels`"));
    assert!(names(&c).is_empty());
}

#[test]
fn pods_no_node_can_take_stay_pending_with_the_schedulers_reason() {
    let mut c = cluster(0);
    load(
        &mut c,
        "nginx.yaml",
        &NGINX.replace(
            "    spec:\n      containers",
            "    spec:\n      nodeSelector: {disk: ssd}\n      containers",
        ),
    );
    let pods = c.pods();
    assert!(pods
        .pods
        .iter()
        .all(|p| p.status == "Pending" && p.node.is_none()));
    let cond = &pods.pods[0].pod.status.conditions[0];
    assert_eq!(cond.reason.as_deref(), Some("Unschedulable"));
    assert_eq!(
        cond.message.as_deref(),
        Some("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    );
}

#[test]
fn a_huge_replica_count_is_capped_with_a_note() {
    let mut c = cluster(0);
    let r = c.load(rc(100_000_000), &LoadOptions::named("rc.yaml"));
    let notes = r.controllers.unwrap().notes;
    assert!(
        notes[0].contains("at most 10000 pods for a workload"),
        "{notes:?}"
    );
    let pods = c.pods();
    assert_eq!(pods.pods.len(), 10_000);
    // 3 nodes of 110 pods each; the rest cannot be placed.
    assert_eq!(
        pods.pods.iter().filter(|p| p.status == "Running").count(),
        330
    );
    let pending = pods.pods.iter().find(|p| p.status == "Pending").unwrap();
    assert!(pending.pod.status.conditions[0]
        .message
        .as_deref()
        .unwrap()
        .starts_with("0/3 nodes are available: 3 Too many pods. preemption:"));
}

#[test]
fn changes_need_the_controllers() {
    let mut c = Cluster::new(Config::default());
    assert_eq!(c.delete_pod("default/x").unwrap_err().code(), "unsupported");
    let mut c = cluster(0);
    assert_eq!(c.delete_pod("default/x").unwrap_err().code(), "not-found");
    assert_eq!(
        c.scale("Job", "default/x", 1).unwrap_err().code(),
        "bad-argument"
    );
    assert_eq!(c.drain("nowhere").unwrap_err().code(), "not-found");
}

#[test]
fn dual_stack_clusters_give_pods_both_families() {
    let mut c = Cluster::new(Config {
        controllers: true,
        service_cidrs: Config::parse_service_cidrs("10.96.0.0/12,fd00:10:96::/112").unwrap(),
        ..Config::default()
    });
    load(&mut c, "mysql.yaml", MYSQL);
    let p = &c.pods().pods[0].pod;
    assert_eq!(p.ips().len(), 2);
    assert!(p.ips()[1].contains(':'));
}
