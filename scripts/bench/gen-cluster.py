#!/usr/bin/env python3
"""Writes a `kubectl get svc,pods,nodes -A -o json`-shaped List at Kubernetes'
scalability thresholds (10,000 Services, 150,000 pods, 5,000 nodes), spread
over NAMESPACES namespaces: the same shape as the engine's scale bench
(500 namespaces) or a crowded one (100: 100 Services, 1,500 pods each).

Usage: gen-cluster.py NAMESPACES OUT.json
"""
import json
import sys

SERVICES, PODS, NODES = 10_000, 150_000, 5_000


def main():
    namespaces, out = int(sys.argv[1]), sys.argv[2]
    items = []
    for n in range(NODES):
        items.append({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": f"node-{n}", "labels": {
                "kubernetes.io/hostname": f"node-{n}",
                "topology.kubernetes.io/zone": f"zone-{n % 3}"}},
            "spec": {"podCIDR": f"10.{64 + n // 256}.{n % 256}.0/24"},
            "status": {"addresses": [
                {"type": "InternalIP", "address": f"192.168.{n // 250}.{n % 250 + 1}"},
                {"type": "Hostname", "address": f"node-{n}"}]},
        })
    per_ns = SERVICES // namespaces
    for s in range(SERVICES):
        spec = {
            "selector": {"app": f"app-{s}"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": "http"},
                {"name": "metrics", "port": 9090, "targetPort": 9090},
            ],
        }
        if s % 10 == 0:
            spec["type"] = "NodePort"
        items.append({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": f"svc-{s}", "namespace": f"ns-{s // per_ns}",
                         "creationTimestamp": "2024-01-01T00:00:00Z"},
            "spec": spec,
        })
    per_svc = PODS // SERVICES
    for p in range(PODS):
        s = p // per_svc
        items.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{p}", "namespace": f"ns-{s // per_ns}",
                         "labels": {"app": f"app-{s}", "pod-template-hash": "5d4f8c7b9",
                                    "tier": "backend"},
                         "creationTimestamp": "2024-01-01T00:01:00Z"},
            "spec": {"nodeName": f"node-{p % NODES}",
                     "containers": [{"name": "app", "image": "registry.example/app:1.0",
                                     "ports": [{"name": "http", "containerPort": 8080,
                                                "protocol": "TCP"},
                                               {"containerPort": 9090}],
                                     "env": [{"name": "MODE", "value": "production"}]}]},
            "status": {"phase": "Running",
                       "podIP": f"10.{64 + p // 65536}.{(p // 256) % 256}.{p % 256}",
                       "conditions": [{"type": "Ready",
                                       "status": "False" if p % 20 == 0 else "True"}]},
        })
    with open(out, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f,
                  separators=(",", ":"))


if __name__ == "__main__":
    main()
