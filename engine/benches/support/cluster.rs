//! The generated cluster of the scale benches: a `kubectl get -o json`
//! List at Kubernetes' published scalability thresholds.

pub const SERVICES: usize = 10_000;
pub const PODS: usize = 150_000;
pub const NODES: usize = 5_000;
pub const NAMESPACES: usize = 500;

/// A `kubectl get -o json`-shaped List of the whole cluster, over
/// `namespaces` namespaces.
pub fn generate(namespaces: usize) -> String {
    let mut items = Vec::with_capacity(SERVICES + PODS + NODES);
    for n in 0..NODES {
        items.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": format!("node-{n}"), "labels": {
                "kubernetes.io/hostname": format!("node-{n}"),
                "topology.kubernetes.io/zone": format!("zone-{}", n % 3)}},
            "spec": {"podCIDR": format!("10.{}.{}.0/24", 64 + n / 256, n % 256)},
            "status": {"addresses": [
                {"type": "InternalIP", "address": format!("192.168.{}.{}", n / 250, n % 250 + 1)},
                {"type": "Hostname", "address": format!("node-{n}")}]}
        }));
    }
    let per_ns = SERVICES / namespaces;
    for s in 0..SERVICES {
        let ns = format!("ns-{}", s / per_ns);
        let mut spec = serde_json::json!({
            "selector": {"app": format!("app-{s}")},
            "ports": [
                {"name": "http", "port": 80, "targetPort": "http"},
                {"name": "metrics", "port": 9090, "targetPort": 9090}
            ]
        });
        if s % 10 == 0 {
            spec["type"] = "NodePort".into();
        }
        items.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": format!("svc-{s}"), "namespace": ns,
                "creationTimestamp": "2024-01-01T00:00:00Z"},
            "spec": spec
        }));
    }
    let per_svc = PODS / SERVICES;
    for p in 0..PODS {
        let s = p / per_svc;
        let ns = format!("ns-{}", s / per_ns);
        let ready = if p % 20 == 0 { "False" } else { "True" };
        items.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("pod-{p}"), "namespace": ns,
                "labels": {"app": format!("app-{s}"), "pod-template-hash": "5d4f8c7b9", "tier": "backend"},
                "creationTimestamp": "2024-01-01T00:01:00Z"},
            "spec": {"nodeName": format!("node-{}", p % NODES),
                "containers": [{"name": "app", "image": "registry.example/app:1.0",
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                              {"containerPort": 9090}],
                    "env": [{"name": "MODE", "value": "production"}]}]},
            "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", 64 + p / 65536, (p / 256) % 256, p % 256),
                "conditions": [{"type": "Ready", "status": ready}]}
        }));
    }
    serde_json::to_string(&serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}))
        .expect("serialisable")
}
