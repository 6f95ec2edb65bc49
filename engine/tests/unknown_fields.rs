//! Unknown fields, found as kubectl's strict decoding finds them: real
//! `kubectl get -o yaml` dumps of every kind svcscope reads give none;
//! misspelled fields at the top level, in metadata, deep in lists, in a
//! workload's pod template and inside `kind: List` items are found in YAML
//! and in JSON, at the key, with the suggestion; kinds svcscope does not
//! read stay unchecked.

use std::collections::BTreeSet;
use std::path::PathBuf;
use svcscope::cluster::options::{Columns, LoadOptions};
use svcscope::internals::field::{ErrorType, Severity, UnknownField};
use svcscope::internals::load::{load_str, yaml, Limits};
use svcscope::{Cluster, Config};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fields")
}

fn read(rel: &str) -> String {
    let p = fixtures().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The documents of a YAML text as one JSON text, as `kubectl get -o json`
/// prints a list (or the object itself, for one document).
fn to_json(text: &str) -> String {
    let docs = yaml::parse_documents(text, &Limits::default()).expect("YAML");
    let mut values: Vec<serde_json::Value> =
        docs.iter().map(|d| yaml::to_json_value(&d.root)).collect();
    let value = match values.len() {
        1 => values.remove(0),
        _ => serde_json::json!({"apiVersion": "v1", "kind": "List", "items": values}),
    };
    serde_json::to_string_pretty(&value).expect("JSON")
}

fn unknown(name: &str, text: &str) -> Vec<UnknownField> {
    let loaded = load_str(name, text, &Limits::default());
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    loaded.unknown_fields
}

/// The text at 1-based `line` and `column` (characters).
fn at(text: &str, line: usize, column: usize) -> String {
    let l = text.lines().nth(line - 1).unwrap_or("");
    l.chars().skip(column - 1).collect()
}

/// Every finding sits at its key: YAML at the key itself, JSON at its
/// opening quote.
fn assert_at_keys(name: &str, text: &str, found: &[UnknownField], json: bool) {
    for u in found {
        let e = &u.error;
        let key = e.error.field.rsplit('.').next().unwrap_or("");
        let (Some(l), Some(c)) = (e.line, e.column) else {
            panic!("{name}: {} has no position", e.error.field)
        };
        let want = if json {
            format!("\"{key}\"")
        } else {
            key.to_string()
        };
        assert!(
            at(text, l, c).starts_with(&want),
            "{name}: {} at {l}:{c} reads {:?}",
            e.error.field,
            at(text, l, c)
        );
    }
}

// ---------------------------------------------------------------------------
// Real dumps: no false finding

const DUMPS: &[(&str, &str)] = &[
    ("service.yaml", "Service"),
    ("pod.yaml", "Pod"),
    ("endpoints.yaml", "Endpoints"),
    ("endpointslice.yaml", "EndpointSlice"),
    ("node.yaml", "Node"),
    ("namespace.yaml", "Namespace"),
    ("deployment.yaml", "Deployment"),
    ("replicaset.yaml", "ReplicaSet"),
    ("statefulset.yaml", "StatefulSet"),
    ("daemonset.yaml", "DaemonSet"),
    ("job.yaml", "Job"),
    ("cronjob.yaml", "CronJob"),
    ("replicationcontroller.yaml", "ReplicationController"),
];

#[test]
fn real_dumps_of_every_kind_have_no_unknown_field() {
    let mut kinds = BTreeSet::new();
    let mut all = String::new();
    for (file, kind) in DUMPS {
        let text = read(&format!("dumps/{file}"));
        let loaded = load_str(file, &text, &Limits::default());
        assert!(loaded.errors.is_empty(), "{file}: {:?}", loaded.errors);
        assert_eq!(loaded.objects.len(), 1, "{file}");
        assert_eq!(loaded.objects[0].0.kind(), *kind, "{file}");
        assert_eq!(loaded.unknown_fields, [], "{file}");
        let json = to_json(&text);
        assert_eq!(unknown(file, &json), [], "{file} as JSON");
        kinds.insert(*kind);
        all.push_str("---\n");
        all.push_str(&text);
    }
    // One dump per kind svcscope reads.
    assert_eq!(kinds.len(), 13);
    // All of them in one `kubectl get -o json` List.
    assert_eq!(unknown("all.json", &to_json(&all)), []);
}

// ---------------------------------------------------------------------------
// Misspelled fields

/// What `typos.yaml` and `typos-list.json` hold: kind, name, field path,
/// the suggestion's hint (`None`: nothing is close).
type Want = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const TYPOS: &[Want] = &[
    (
        "Service",
        "web",
        "metadata.lables",
        Some("did you mean \"labels\"?"),
    ),
    (
        "Service",
        "web",
        "spec.slector",
        Some("did you mean \"selector\"?"),
    ),
    (
        "Service",
        "web",
        "spec.ports[0].targetport",
        Some("did you mean \"targetPort\"? (differs only in letter case)"),
    ),
    ("Service", "web", "statuz", Some("did you mean \"status\"?")),
    (
        "Pod",
        "web-1",
        "spec.containers[1].imagePullPolcy",
        Some("did you mean \"imagePullPolicy\"?"),
    ),
    (
        "Pod",
        "web-1",
        "spec.containers[1].ports[0].containerport",
        Some("did you mean \"containerPort\"? (differs only in letter case)"),
    ),
    (
        "Pod",
        "web-1",
        "spec.containers[1].livenessProbe.httpGet.prt",
        Some("did you mean \"port\"?"),
    ),
    (
        "Deployment",
        "api",
        "spec.replica",
        Some("did you mean \"replicas\"? (differs by a plural s)"),
    ),
    (
        "Deployment",
        "api",
        "spec.template.spec.containers[0].env[0].valu",
        Some("did you mean \"value\"?"),
    ),
    (
        "CronJob",
        "nightly",
        "spec.jobTemplate.spec.template.spec.containers[0].comand",
        Some("did you mean \"command\"?"),
    ),
];

const LIST_TYPOS: &[Want] = &[
    (
        "Endpoints",
        "manual",
        "subsets[0].addresses[0].IP",
        Some("did you mean \"ip\"? (differs only in letter case)"),
    ),
    (
        "EndpointSlice",
        "manual-1",
        "endpoints[0].adresses",
        Some("did you mean \"addresses\"?"),
    ),
    (
        "Node",
        "node-a",
        "status.adresses",
        Some("did you mean \"addresses\"?"),
    ),
];

fn found(fields: &[UnknownField]) -> Vec<Want> {
    fields
        .iter()
        .map(|u| {
            let e = &u.error;
            let leak = |s: &str| &*Box::leak(s.to_string().into_boxed_str());
            (
                leak(&e.kind),
                leak(&e.name),
                leak(&e.error.field),
                e.hint.as_deref().map(leak),
            )
        })
        .collect()
}

#[test]
fn typos_are_found_in_yaml_and_json_at_their_keys() {
    let text = read("typos.yaml");
    let yaml_found = unknown("typos.yaml", &text);
    assert_eq!(found(&yaml_found), TYPOS);
    assert_at_keys("typos.yaml", &text, &yaml_found, false);
    for u in &yaml_found {
        let e = &u.error;
        assert_eq!(e.error.type_, ErrorType::UnknownField);
        assert_eq!(e.stage, "decoding");
        assert_eq!(e.severity, Severity::Error);
    }
    // The same objects as JSON: the same findings, at the keys (in the
    // JSON's order: serde_json's map sorts the keys).
    let json = to_json(&text);
    let json_found = unknown("typos.json", &json);
    let mut want = TYPOS.to_vec();
    want.sort_by_key(|(kind, name, field, _)| {
        (
            TYPOS.iter().position(|t| t.0 == *kind && t.1 == *name),
            *field,
        )
    });
    assert_eq!(found(&json_found), want);
    assert_at_keys("typos.json", &json, &json_found, true);
    // Inside `kind: List` items, in JSON and in YAML.
    let list = read("typos-list.json");
    let list_found = unknown("typos-list.json", &list);
    assert_eq!(found(&list_found), LIST_TYPOS);
    assert_at_keys("typos-list.json", &list, &list_found, true);
}

#[test]
fn list_items_in_yaml_are_found_at_their_keys() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Endpoints\n  metadata: {name: manual, namespace: shop}\n  subsets:\n  - addresses:\n    - IP: 1.2.3.4\n";
    let f = unknown("list.yaml", text);
    assert_eq!(found(&f), &LIST_TYPOS[..1]);
    assert_eq!((f[0].error.line, f[0].error.column), (Some(9), Some(7)));
    let origin = f[0].error.origin.as_ref().expect("origin");
    assert_eq!(origin.path.as_deref(), Some("items[0]"));
}

#[test]
fn the_kubernetes_examples_pods_a_strict_validator_refuses() {
    let text = read("examples-volumes.yaml");
    let f = unknown("examples-volumes.yaml", &text);
    assert_eq!(
        found(&f),
        [
            ("Pod", "rbd", "spec.volumes[0].rbd.imagefeatures", None),
            ("Pod", "rbd", "spec.volumes[0].rbd.imageformat", None),
            ("Pod", "storageos", "spec.volumes[0].storageos.pool", None),
            (
                "Pod",
                "pod-0",
                "spec.volumes[0].scaleIO.protectionDoamin",
                Some("did you mean \"protectionDomain\"?"),
            ),
        ]
    );
    assert_at_keys("examples-volumes.yaml", &text, &f, false);
    assert_eq!(
        f[0].error.error.detail,
        "RBDVolumeSource has no field \"imagefeatures\""
    );
}

#[test]
fn a_kind_given_after_its_fields_is_checked_as_that_kind() {
    // `spec` before `kind`: read once the kind is known.
    let text =
        "apiVersion: v1\nspec:\n  slector: {app: web}\nmetadata: {name: web}\nkind: Service\n";
    let f = unknown("late-kind.yaml", text);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].error.error.field, "spec.slector");
    assert_eq!((f[0].error.line, f[0].error.column), (Some(3), Some(3)));
    // In JSON too, at the key's opening quote.
    let json = "{\"apiVersion\": \"v1\", \"spec\": {\"slector\": {}},\n \"kind\": \"Service\", \"metadata\": {\"name\": \"web\"}}";
    let f = unknown("late-kind.json", json);
    assert_eq!(f[0].error.error.field, "spec.slector");
    assert_eq!((f[0].error.line, f[0].error.column), (Some(1), Some(31)));
    // A field of another kind, read before the kind said it is not one.
    let text =
        "apiVersion: v1\nsubsets: [{addresses: [{ip: 1.2.3.4}]}]\nkind: Pod\nmetadata: {name: p}\n";
    let f = unknown("foreign.yaml", text);
    assert_eq!(found(&f), [("Pod", "p", "subsets", None)]);
    // Typed lists' items, whose kind comes from the list.
    let text = "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: p}\n  spec: {containers: [{name: a, imagePullPolcy: x}]}\n";
    let f = unknown("podlist.yaml", text);
    assert_eq!(f[0].error.error.field, "spec.containers[0].imagePullPolcy");
    assert_eq!((f[0].error.line, f[0].error.column), (Some(5), Some(33)));
}

#[test]
fn free_form_places_and_unread_kinds_stay_unchecked() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, lables: {}}\ndata: {anything: goes}\nbogus: 1\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {Any.Key/at-all: x}\n  annotations: {kubectl.kubernetes.io/anything: y}\n  managedFields:\n  - fieldsV1: {f:spec: {f:whatever: {}}}\nspec:\n  containers:\n  - name: a\n    resources: {limits: {example.com/gpu: 1}, requests: {hugepages-2Mi: 1Gi}}\n";
    let loaded = load_str("free.yaml", text, &Limits::default());
    assert_eq!(loaded.unknown_fields, []);
    assert_eq!(loaded.ignored.len(), 1);
}

#[test]
fn utf16_columns_when_the_load_asks_for_them() {
    let text = "kind: Pod\napiVersion: v1\nmetadata: {name: p, annotations: {note: \"🚀🚀\"}, lables: {}}\n";
    for (columns, want) in [(Columns::Chars, 48), (Columns::Utf16, 50)] {
        let mut c = Cluster::new(Config::default());
        c.load(
            text,
            &LoadOptions {
                columns,
                ..LoadOptions::named("p.yaml")
            },
        );
        let e = &c.check().errors[0];
        assert_eq!(e.error.field, "metadata.lables");
        assert_eq!((e.line, e.column), (Some(3), Some(want)), "{columns:?}");
    }
}

#[test]
fn an_applied_object_has_its_unknown_fields_found_until_it_is_applied_fixed() {
    use svcscope::config::Validate;
    let typo = r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"slector": {"app": "web"}, "ports": [{"port": 80, "targetport": 8080}]}}"#;
    let mut c = Cluster::new(Config::default());
    c.apply_text(typo).expect("one object");
    let found: Vec<_> = c
        .check()
        .errors
        .iter()
        .map(|e| {
            (
                e.namespace.clone(),
                e.error.field.clone(),
                e.severity,
                e.line,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "default".into(),
                "spec.slector".into(),
                Severity::Error,
                None
            ),
            (
                "default".into(),
                "spec.ports[0].targetport".into(),
                Severity::Error,
                None
            ),
        ]
    );
    // explain puts the typo first.
    let d = c.explain();
    assert_eq!(d[0].code, "unknown-field", "{d:?}");
    assert_eq!(d[0].hints[0].suggestion, "spec.selector", "{d:?}");
    // Applied again without the typos: nothing is left.
    c.apply_text(
        &typo
            .replace("slector", "selector")
            .replace("targetport", "targetPort"),
    )
    .expect("one object");
    assert!(c.check().errors.is_empty(), "{:?}", c.check().errors);

    let mut warn = Cluster::new(Config {
        validate: Validate::Warn,
        ..Config::default()
    });
    warn.apply_text(typo).expect("one object");
    assert!(warn
        .check()
        .errors
        .iter()
        .all(|e| e.severity == Severity::Warning));
    let mut ignore = Cluster::new(Config {
        validate: Validate::Ignore,
        ..Config::default()
    });
    ignore.apply_text(typo).expect("one object");
    assert!(ignore.check().errors.is_empty());
}
