#!/usr/bin/env python3
"""Generates engine/src/load/schema/fields.txt: every field of every kind
svcscope reads, for one pinned Kubernetes release, from the JSON schemas
that the PyPI package kubernetes-validate ships.

    python3 scripts/gen-schema.py [--wheel PATH]

It reads the pinned wheel (checked against its SHA-256) and nothing else:
given --wheel it runs offline; without it, the wheel is taken from
target/schema/ or fetched there once with `pip download`. The output is
committed; running the script again must leave it unchanged.

The table, one line per object type, in an order where a type's number is
its line's (the kinds first):

    kinds Service=0 Pod=5 ...
    <TypeName> <field> <field>:<N> <field>:[<N> ...

`field` alone holds no object fields of its own (scalars, IntOrString,
quantities, string maps such as labels, free-form values such as
fieldsV1): its keys, if any, are free. `field:N` is an object of type N;
`field:[N` a list of them. Fields are sorted bytewise.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import zipfile

PACKAGE = "kubernetes-validate"
PACKAGE_VERSION = "1.37.0"
WHEEL = "kubernetes_validate-1.37.0-py3-none-any.whl"
WHEEL_SHA256 = "85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9"
RELEASE = "v1.37.0"
DEFINITIONS = f"kubernetes_validate/kubernetes-json-schema/{RELEASE}-local/_definitions.json"

# The kinds svcscope reads, by the definition of the apiVersion it reads
# them in (engine/src/load/object.rs: served_versions).
KINDS = {
    "Service": "io.k8s.api.core.v1.Service",
    "Pod": "io.k8s.api.core.v1.Pod",
    "Endpoints": "io.k8s.api.core.v1.Endpoints",
    "EndpointSlice": "io.k8s.api.discovery.v1.EndpointSlice",
    "Node": "io.k8s.api.core.v1.Node",
    "Namespace": "io.k8s.api.core.v1.Namespace",
    "ReplicationController": "io.k8s.api.core.v1.ReplicationController",
    "Deployment": "io.k8s.api.apps.v1.Deployment",
    "ReplicaSet": "io.k8s.api.apps.v1.ReplicaSet",
    "StatefulSet": "io.k8s.api.apps.v1.StatefulSet",
    "DaemonSet": "io.k8s.api.apps.v1.DaemonSet",
    "Job": "io.k8s.api.batch.v1.Job",
    "CronJob": "io.k8s.api.batch.v1.CronJob",
}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "engine", "src", "load", "schema", "fields.txt")


def wheel_path(given):
    if given:
        return given
    cache = os.path.join(ROOT, "target", "schema")
    path = os.path.join(cache, WHEEL)
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             "-d", cache, f"{PACKAGE}=={PACKAGE_VERSION}"],
            check=True,
        )
    return path


def load_definitions(path):
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{path}: SHA-256 {digest}, want {WHEEL_SHA256} ({PACKAGE} {PACKAGE_VERSION})")
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read(DEFINITIONS))["$defs"]


class Table:
    def __init__(self, defs):
        self.defs = defs
        self.number = {}  # definition name -> type number
        self.order = []  # definition names by number

    def type_of(self, name):
        if name not in self.number:
            self.number[name] = len(self.order)
            self.order.append(name)
        return self.number[name]

    def shape(self, schema, where):
        """'' (free keys), 'N' (object type N) or '[N' (list of them)."""
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = self.defs[name]
            if "properties" in target and not target.get("x-kubernetes-preserve-unknown-fields"):
                if isinstance(target.get("additionalProperties"), dict):
                    sys.exit(f"{where}: {name} has both properties and additionalProperties")
                return str(self.type_of(name))
            schema = target
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return ""
        types = schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "array" in types:
            inner = self.shape(schema.get("items", {}), where + "[]")
            if inner.startswith("["):
                sys.exit(f"{where}: lists of lists of objects are not supported")
            return "[" + inner if inner else ""
        values = schema.get("additionalProperties")
        if "object" in types and isinstance(values, dict):
            if self.shape(values, where + "{}"):
                sys.exit(f"{where}: maps of objects are not supported")
            return ""
        if "properties" in schema:
            sys.exit(f"{where}: an inline object type is not supported")
        return ""

    def lines(self):
        for kind, name in KINDS.items():
            self.type_of(name)
        out = []
        i = 0
        while i < len(self.order):
            name = self.order[i]
            props = self.defs[name]["properties"]
            fields = []
            for field in sorted(props, key=lambda f: f.encode()):
                shape = self.shape(props[field], f"{name}.{field}")
                fields.append(field + (":" + shape if shape else ""))
            out.append(" ".join([name.rsplit(".", 1)[-1]] + fields))
            i += 1
        kinds = " ".join(f"{k}={self.number[v]}" for k, v in sorted(KINDS.items()))
        return [f"kinds {kinds}"] + out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", help=f"the {WHEEL} to read (else target/schema/)")
    ap.add_argument("--check", action="store_true", help="fail if the committed table differs")
    args = ap.parse_args()
    defs = load_definitions(wheel_path(args.wheel))
    header = (
        f"# Every field of the kinds svcscope reads, Kubernetes {RELEASE}: generated by\n"
        f"# scripts/gen-schema.py from {PACKAGE} {PACKAGE_VERSION}; do not edit.\n"
        f"release {RELEASE}\n"
    )
    text = header + "\n".join(Table(defs).lines()) + "\n"
    if args.check:
        with open(OUTPUT) as f:
            if f.read() != text:
                sys.exit(f"{OUTPUT} is not what the script generates; run it")
        return
    with open(OUTPUT, "w") as f:
        f.write(text)
    print(f"{OUTPUT}: {len(text)} bytes")


if __name__ == "__main__":
    main()
