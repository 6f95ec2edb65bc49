//! Property tests of the controllers: over random sequences of changes to
//! a running cluster (delete a pod, scale, drain, uncordon, change a
//! template's labels, toggle readiness), after every step
//!
//! - the views equal a full recompute: the same Services, Nodes and the
//!   pods the cluster runs, loaded into a fresh cluster without
//!   controllers, give the same Endpoints, EndpointSlices and DNS zone;
//! - the controllers' incremental state equals a fresh reconcile: that
//!   dump loaded with the workloads into a fresh cluster with controllers
//!   (another seed) runs exactly the same pods and makes none.

use proptest::prelude::*;
use svcscope::cluster::options::{LoadOptions, ZoneOptions};
use svcscope::{Cluster, Config};

const NODES: &str = "apiVersion: v1
kind: Node
metadata: {name: n1, labels: {topology.kubernetes.io/zone: z1}}
spec: {podCIDR: 10.244.1.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.0.1}]}
---
apiVersion: v1
kind: Node
metadata: {name: n2, labels: {topology.kubernetes.io/zone: z2}}
spec: {podCIDR: 10.244.2.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.0.2}]}
---
apiVersion: v1
kind: Node
metadata: {name: n3, labels: {topology.kubernetes.io/zone: z1}}
spec: {podCIDR: 10.244.3.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.0.3}]}
";

const SERVICES: &str = "apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: sql, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec: {selector: {app: cache}, ports: [{port: 6379}]}
";

fn workloads(tier: u8, r: [i32; 3]) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web, tier: t{tier}}}}}
    spec: {{containers: [{{name: web, image: nginx, ports: [{{name: http, containerPort: 8080}}]}}]}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db}}
spec:
  serviceName: db
  replicas: {}
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec: {{containers: [{{name: db, image: postgres}}]}}
---
apiVersion: v1
kind: ReplicationController
metadata: {{name: cache}}
spec:
  replicas: {}
  template:
    metadata: {{labels: {{app: cache}}}}
    spec: {{containers: [{{name: cache, image: redis}}]}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec: {{containers: [{{name: agent, image: agent}}]}}
",
        r[0], r[1], r[2]
    )
}

#[derive(Debug, Clone)]
enum Step {
    DeletePod(usize),
    Scale(usize, i32),
    Drain(usize),
    Uncordon(usize),
    Relabel(u8),
    Ready(usize, bool),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..40usize).prop_map(Step::DeletePod),
        (0..3usize, 0..6i32).prop_map(|(w, n)| Step::Scale(w, n)),
        (0..3usize).prop_map(Step::Drain),
        (0..3usize).prop_map(Step::Uncordon),
        (0..3u8).prop_map(Step::Relabel),
        (0..40usize, any::<bool>()).prop_map(|(p, r)| Step::Ready(p, r)),
    ]
}

fn running(seed: u64) -> Cluster {
    Cluster::new(Config {
        controllers: true,
        seed,
        ..Config::default()
    })
}

fn load(c: &mut Cluster, name: &str, text: &str) {
    assert!(c.load(text, &LoadOptions::named(name)).errors.is_empty());
}

/// The pods the cluster runs, as `kubectl get pods -o yaml` gives them.
fn dump(c: &Cluster) -> String {
    svcscope::emit::to_yaml(&c.pods().to_list()).unwrap()
}

fn views(c: &Cluster) -> (serde_json::Value, String) {
    (
        serde_json::to_value(c.endpoints(None).unwrap()).unwrap(),
        c.zone(&ZoneOptions::default()).unwrap().text.clone(),
    )
}

/// The workloads as the cluster holds them: their template tier and replicas.
struct Spec {
    tier: u8,
    replicas: [i32; 3],
}

fn apply(c: &mut Cluster, s: &Step, spec: &mut Spec) {
    let pods = c.pods();
    let pick = |i: usize| {
        let p = &pods.pods[i % pods.pods.len().max(1)];
        format!("{}/{}", p.namespace, p.name)
    };
    let node = |i: usize| ["n1", "n2", "n3"][i].to_string();
    match s {
        Step::DeletePod(i) if !pods.pods.is_empty() => {
            c.delete_pod(&pick(*i)).unwrap();
        }
        Step::Ready(i, r) if !pods.pods.is_empty() => {
            c.set_ready(&pick(*i), *r).unwrap();
        }
        Step::Scale(w, n) => {
            let (kind, name) = [("deploy", "web"), ("sts", "db"), ("rc", "cache")][*w];
            c.scale(kind, &format!("default/{name}"), *n).unwrap();
            spec.replicas[*w] = *n;
        }
        Step::Drain(n) => {
            c.drain(&node(*n)).unwrap();
        }
        Step::Uncordon(n) => {
            c.cordon(&node(*n), false).unwrap();
        }
        Step::Relabel(t) => {
            spec.tier = *t;
            load(c, "workloads.yaml", &workloads(spec.tier, spec.replicas));
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn incremental_changes_equal_a_full_recompute(seed in 0u64..1000, steps in proptest::collection::vec(step(), 1..8)) {
        let mut c = running(seed);
        load(&mut c, "nodes.yaml", NODES);
        load(&mut c, "services.yaml", SERVICES);
        let mut spec = Spec { tier: 0, replicas: [3, 2, 2] };
        load(&mut c, "workloads.yaml", &workloads(spec.tier, spec.replicas));
        for s in &steps {
            apply(&mut c, s, &mut spec);
            let pods = dump(&c);
            // The views, recomputed from the objects in one go.
            let mut full = Cluster::new(Config::default());
            load(&mut full, "nodes.yaml", NODES);
            load(&mut full, "services.yaml", SERVICES);
            load(&mut full, "pods.yaml", &pods);
            prop_assert_eq!(views(&c), views(&full), "after {:?}", s);
            // The controllers, reconciling that cluster from scratch.
            let mut fresh = running(seed + 1);
            load(&mut fresh, "nodes.yaml", NODES);
            load(&mut fresh, "services.yaml", SERVICES);
            load(&mut fresh, "pods.yaml", &pods);
            load(&mut fresh, "workloads.yaml", &workloads(spec.tier, spec.replicas));
            let names = |c: &Cluster| c.pods().pods.iter().map(|p| (p.name.clone(), p.status.clone(), p.ip.clone())).collect::<Vec<_>>();
            prop_assert_eq!(names(&c), names(&fresh), "after {:?}", s);
            prop_assert!(fresh.pods().pods.iter().all(|p| !p.generated));
        }
    }
}
