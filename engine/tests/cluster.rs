//! The front door as a library user meets it: `svcscope::Cluster`, its
//! options read from documents, its results as documents and its typed
//! errors.

use serde_json::{json, Value};
use svcscope::cluster::options::{
    Columns, DnsQuery, LoadOptions, Mode, RouteRequest, RulesRequest, ZoneOptions,
};
use svcscope::{Cluster, Config};

const REDIS: &str = include_str!("../../examples/redis-master.yaml");
const NODES: &str = include_str!("../../examples/nodes.yaml");

fn cluster(texts: &[(&str, &str)]) -> Cluster {
    let mut c = Cluster::new(Config::default());
    for (name, text) in texts {
        let r = c.load(*text, &LoadOptions::named(name));
        assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
    }
    c
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serialisable")
}

#[test]
fn a_requested_cluster_ip_wins_over_one_the_engine_chose_in_every_path() {
    let a = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {app: a}, ports: [{port: 80}]}\n";
    let b = "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: {app: b}, clusterIP: 10.106.134.145, ports: [{port: 80}]}\n";
    let ip = |c: &Cluster, name: &str| {
        c.services()
            .into_iter()
            .find(|s| s.name == name)
            .and_then(|s| s.service.spec.cluster_ip.clone())
    };
    // `a` alone gets the address `b` asks for …
    let alone = cluster(&[("a.yaml", a)]);
    assert_eq!(ip(&alone, "a").as_deref(), Some("10.106.134.145"));
    // … and gives it up when `b` comes, however `b` comes.
    let together = cluster(&[("ab.yaml", &format!("{a}---\n{b}"))]);
    let one_by_one = cluster(&[("a.yaml", a), ("b.yaml", b)]);
    for c in [&together, &one_by_one] {
        assert!(c.check().is_clean(), "{:?}", c.check().errors);
        assert_eq!(ip(c, "b").as_deref(), Some("10.106.134.145"));
        assert_eq!(ip(c, "a").as_deref(), Some("10.106.134.146"));
    }
    assert_eq!(
        to_json(&together.resolve()).get("services"),
        to_json(&one_by_one.resolve()).get("services")
    );
}

#[test]
fn loading_a_file_again_replaces_what_it_gave() {
    let mut c = cluster(&[("redis.yaml", REDIS)]);
    let pods = c.select("", None).expect("everything").len();
    assert!(pods >= 2);
    // The buffer now holds only the Service: its pods are gone.
    let service_only = REDIS.split("\n---\n").next().expect("first document");
    let r = c.load(service_only, &LoadOptions::named("redis.yaml"));
    assert_eq!(r.objects.len(), 1);
    assert!(!r.changes.pods.is_empty());
    assert!(c.select("", None).expect("everything").is_empty());
    // The same text again changes nothing.
    let r = c.load(service_only, &LoadOptions::named("redis.yaml"));
    assert!(r.changes.is_empty(), "{:?}", r.changes);
}

#[test]
fn a_syntax_error_stays_in_its_document() {
    // As kubectl splits a file at its `---` lines before decoding: the
    // documents around a broken one still load, and the error is at its
    // line in the file.
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: [b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c}\n";
    let mut c = Cluster::new(Config::default());
    let opts = LoadOptions::named("pods.yaml");
    let r = c.load(text, &opts);
    let names: Vec<&str> = r.objects.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].line, Some(6));
    // An object starts at its document's `---`.
    assert_eq!(
        c.origin("Pod", "default", "c").and_then(|o| o.line),
        Some(7)
    );
    // Mended in place: the mended document joins the others.
    let r = c.load(text.replace("[b", "b"), &opts);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.objects.len(), 3);
    assert_eq!(
        c.origin("Pod", "default", "b").and_then(|o| o.line),
        Some(4)
    );
}
#[test]
fn a_list_given_for_an_object_is_a_type_error_at_the_list() {
    // Go's decoder refuses an array for a struct ("cannot unmarshal array
    // into Go struct field"); serde alone would read its fields by
    // position, taking `[my-service]` as a name.
    let yaml =
        "apiVersion: v1\nkind: Service\nmetadata:\n  - my-service\nspec:\n  ports: [{port: 80}]\n";
    let json = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
"spec":{"containers":[["app","nginx"]]}}"#;
    for (name, text, line, column) in [("svc.yaml", yaml, 4, 5), ("pod.json", json, 2, 23)] {
        let mut c = Cluster::new(Config::default());
        let r = c.load(text, &LoadOptions::named(name));
        assert!(r.objects.is_empty(), "{name}: {:?}", r.objects);
        assert_eq!(r.errors.len(), 1, "{name}: {:?}", r.errors);
        let e = &r.errors[0];
        assert_eq!(
            (e.line, e.column),
            (Some(line), Some(column)),
            "{name}: {e:?}"
        );
        assert!(
            e.message
                .starts_with("invalid type: sequence, expected struct "),
            "{name}: {}",
            e.message
        );
    }
}

#[test]
fn positions_in_utf16_for_editors() {
    let mut c = Cluster::new(Config::default());
    // `é` and `😀` are one char each; the emoji is two UTF-16 units.
    let text = "kind: Pod\napiVersion: v1\nmetadata: {name: \"😀é\", labels: [}\n";
    let chars = c.load(text, &LoadOptions::named("x.yaml")).errors[0].column;
    let opts = LoadOptions {
        columns: Columns::Utf16,
        ..LoadOptions::named("x.yaml")
    };
    let units = c.load(text, &opts).errors[0].column;
    assert_eq!(units.zip(chars).map(|(u, c)| u - c), Some(1));
    // Bytes are decoded as kubectl decodes files.
    let bad = c.load_bytes(b"kind: Pod\nmetadata: {name: \xff}\n", &opts);
    assert_eq!(bad.errors[0].line, Some(2));
}

#[test]
fn options_read_from_the_js_spellings() {
    let config: Config = serde_json::from_value(
        json!({"serviceCidr": "10.0.0.0/16", "clusterDomain": "example.org"}),
    )
    .expect("config");
    let mut c = Cluster::new(config);
    c.load(REDIS, &LoadOptions::named("redis.yaml"));
    let q: DnsQuery = serde_json::from_value(
        json!({"from": "my-ns/frontend", "podRecords": "insecure", "ttl": 30}),
    )
    .expect("query");
    let a = c.dns("redis-master", "A", &q).expect("answer");
    assert_eq!(a.kind, "PodLookup");
    assert_eq!(a.response().answer[0].ttl, 30);
    let req: RouteRequest =
        serde_json::from_value(json!({"from": "my-ns/frontend", "to": "redis-master:6379"}))
            .expect("request");
    assert_eq!(req.mode, Mode::Iptables);
    assert_eq!(c.route(&req).expect("trace").kind, "RouteTrace");
    let rules: RulesRequest =
        serde_json::from_value(json!({"node": "node-a", "mode": "nftables"})).expect("rules");
    assert!(c
        .rules(&rules)
        .expect("rules")
        .text
        .starts_with("table ip kube-proxy"));
    assert!(serde_json::from_value::<RulesRequest>(json!({"node": "a", "mode": "bpf"})).is_err());
    assert!(serde_json::from_value::<DnsQuery>(json!({"frm": "x"})).is_err());
}

#[test]
fn misuse_is_a_typed_error_with_a_stable_code() {
    let c = cluster(&[("redis.yaml", REDIS)]);
    let code = |e: svcscope::Error| (e.code(), e.argument().map(String::from));
    assert_eq!(
        code(c.select("app in (", None).unwrap_err()),
        ("bad-selector", None)
    );
    assert_eq!(
        code(c.selection("my-ns/nope").unwrap_err()),
        ("not-found", None)
    );
    assert_eq!(
        code(c.endpoints(Some("a/b/c")).unwrap_err()),
        ("bad-argument", Some("service".into()))
    );
    assert_eq!(
        code(c.env("my-ns/frontend", Some("nope")).unwrap_err()),
        ("container-not-found", None)
    );
    assert_eq!(
        code(c.dns("x", "BOGUS", &DnsQuery::default()).unwrap_err()),
        ("bad-argument", Some("type".into()))
    );
    let ttl = ZoneOptions {
        ttl: Some(4000),
        ..ZoneOptions::default()
    };
    assert_eq!(
        code(c.zone(&ttl).unwrap_err()),
        ("bad-argument", Some("ttl".into()))
    );
    let mut req = RouteRequest::new("my-ns/frontend", "redis-master:6379");
    req.protocol = "HTTP".into();
    assert_eq!(
        code(c.route(&req).unwrap_err()),
        ("bad-argument", Some("protocol".into()))
    );
    req = RouteRequest::new("my-ns/frontend", "redis-master");
    assert_eq!(
        code(c.route(&req).unwrap_err()),
        ("bad-argument", Some("to".into()))
    );
    req = RouteRequest::new("my-ns/ghost", "redis-master:6379");
    assert_eq!(code(c.route(&req).unwrap_err()), ("not-found", None));
    let mut c2 = c.clone();
    assert_eq!(
        code(c2.delete("Gadget", "a", "b").unwrap_err()),
        ("unknown-kind", None)
    );
    assert_eq!(
        code(c2.delete("Pod", "my-ns", "ghost").unwrap_err()),
        ("not-found", None)
    );
    assert!(c2.delete("Pod", "my-ns", "frontend").is_ok());
    assert_eq!(
        svcscope::parse_object("[1, 2]").unwrap_err().code(),
        "bad-object"
    );
}

#[test]
fn every_pod_gets_the_master_services_variables() {
    // No default/kubernetes in the input: the engine stands it in, with
    // the first address of the service range, for pods of any namespace.
    let c = cluster(&[("redis.yaml", REDIS)]);
    let env = c.env("my-ns/frontend", None).expect("environment");
    let host = env.iter().find(|(n, _)| *n == "KUBERNETES_SERVICE_HOST");
    assert_eq!(host, Some(("KUBERNETES_SERVICE_HOST", "10.96.0.1")));
    let answer = c
        .dns(
            "kubernetes.default.svc.cluster.local",
            "A",
            &DnsQuery::default(),
        )
        .expect("answer");
    assert_eq!(answer.response().answer[0].data.to_string(), "10.96.0.1");
}

/// The rule the door states: an object the apiserver would refuse is
/// reported by check, explain and resolve, and every other view shows it
/// as the components treat it as given — but a refused pod never runs.
#[test]
fn a_refused_service_is_shown_as_given_in_every_view_and_a_refused_pod_never_runs() {
    // 10.0.0.11 is outside the default service range.
    let c = cluster(&[("redis.yaml", REDIS), ("nodes.yaml", NODES)]);
    let refused = |kind: &str, name: &str| {
        c.check()
            .errors
            .iter()
            .any(|e| e.kind == kind && e.name == name)
    };
    assert!(refused("Service", "redis-master"));
    assert!(c.explain().iter().any(|d| d.code == "service-rejected"));
    assert!(c
        .resolve()
        .services
        .iter()
        .any(|s| s.name == "redis-master" && s.rejected));
    let eps = c.endpoints(Some("my-ns/redis-master")).expect("endpoints");
    assert!(!eps.items.is_empty());
    let a = c
        .dns(
            "redis-master.my-ns.svc.cluster.local",
            "A",
            &DnsQuery::default(),
        )
        .expect("answer");
    assert_eq!(a.response().answer[0].data.to_string(), "10.0.0.11");
    assert!(a.notes.iter().any(|n| n.contains("would be rejected")));
    let env = c.env("my-ns/frontend", None).expect("environment");
    assert!(env
        .iter()
        .any(|(n, v)| n == "REDIS_MASTER_SERVICE_HOST" && v == "10.0.0.11"));
    let rules = c
        .rules(&RulesRequest::new("node-a", Mode::Iptables))
        .expect("rules");
    assert!(rules.text.contains("-d 10.0.0.11/32") || rules.text.contains("-d 10.0.0.11 "));
    let t = c
        .route(&RouteRequest::new("my-ns/frontend", "redis-master:6379"))
        .expect("trace");
    assert_eq!(to_json(&t.verdict)["kind"], "delivered");

    // A pod the apiserver would refuse (two containers with one name).
    let bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: twin, namespace: my-ns}\nspec: {containers: [{name: c}, {name: c}]}\n";
    let mut c = c;
    c.load(bad, &LoadOptions::named("bad.yaml"));
    assert!(refused_pod(&c, "twin"));
    let env = c.env("my-ns/twin", None).expect("a result");
    assert!(env.rejected && env.iter().next().is_none());
    assert!(env.notes[0].contains("rejected by the apiserver"));
}

fn refused_pod(c: &Cluster, name: &str) -> bool {
    c.check()
        .errors
        .iter()
        .any(|e| e.kind == "Pod" && e.name == name)
}

#[test]
fn results_are_the_documents_the_cli_prints() {
    let c = cluster(&[("redis.yaml", REDIS), ("nodes.yaml", NODES)]);
    for (doc, kind) in [
        (to_json(&c.resolve()), "Resolution"),
        (to_json(&c.check()), "CheckReport"),
        (
            to_json(&c.selection("my-ns/redis-master").expect("selection")),
            "Selection",
        ),
        (
            to_json(&c.zone(&ZoneOptions::default()).expect("zone")),
            "Zone",
        ),
        (
            to_json(&c.env("my-ns/frontend", None).expect("env")),
            "Environment",
        ),
        (
            to_json(
                &c.rules(&RulesRequest::new("node-a", Mode::Ipvs))
                    .expect("rules"),
            ),
            "ProxyRules",
        ),
    ] {
        assert_eq!(doc["apiVersion"], "svcscope.dev/v1alpha1", "{kind}");
        assert_eq!(doc["kind"], kind);
    }
    let eps = to_json(&c.endpoints(None).expect("endpoints"));
    assert_eq!(
        (eps["apiVersion"].as_str(), eps["kind"].as_str()),
        (Some("v1"), Some("List"))
    );
    // The why-not in resolve is counts and examples; selection() has all.
    let r = to_json(&c.resolve());
    let sel = r["selections"]
        .as_array()
        .expect("selections")
        .iter()
        .find(|s| s["service"]["name"] == "redis-master")
        .expect("redis-master")
        .clone();
    assert_eq!(sel["notSelected"][0]["count"], 1);
    assert_eq!(sel["notSelected"][0]["examples"], json!(["frontend"]));
}

#[test]
fn a_trace_after_a_change_walks_the_changed_cluster() {
    let node = "apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n";
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n";
    let mut c = cluster(&[("node.yaml", node), ("web.yaml", svc)]);
    let req = RouteRequest::new("node/node-a", "web.shop:80");
    let verdict = |c: &Cluster| to_json(&c.route(&req).expect("trace").verdict)["kind"].clone();
    // Traces reuse one index while the cluster is unchanged …
    assert_eq!(verdict(&c), "reject");
    assert_eq!(verdict(&c), "reject");
    // … and see every change: an apply, a delete, a load.
    let pod = svcscope::parse_object(
        r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"nodeName": "node-a", "containers": [{"name": "app"}]},
            "status": {"phase": "Running", "podIP": "10.244.1.5", "conditions": [{"type": "Ready", "status": "True"}]}}"#,
    )
    .expect("pod");
    c.apply(pod);
    assert_eq!(verdict(&c), "delivered");
    c.delete("Pod", "shop", "web-1").expect("deleted");
    assert_eq!(verdict(&c), "reject");
    let r = c.load(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: ExternalName, externalName: example.com}\n",
        &LoadOptions::named("web.yaml"),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_ne!(verdict(&c), "reject");
}

#[test]
fn a_template_the_selector_matches_hides_the_near_misses_until_it_goes() {
    let deployment = |name: &str, tier: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\nspec: {{replicas: 1, selector: {{matchLabels: {{app: {name}}}}}, template: {{metadata: {{labels: {{app: {name}, tier: {tier}}}}}, spec: {{containers: [{{name: app}}]}}}}}}\n")
    };
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {selector: {tier: bakend}, ports: [{port: 80}]}\n";
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: shop, labels: {tier: bakend}}\nspec: {containers: [{name: app}]}\n";
    let (worker, payments) = (
        deployment("worker", "bakend"),
        deployment("payments", "backend"),
    );
    let mut c = cluster(&[
        ("svc.yaml", svc),
        ("pod.yaml", pod),
        ("worker.yaml", &worker),
        ("payments.yaml", &payments),
    ]);
    let misses = |c: &Cluster| {
        c.explain()
            .iter()
            .filter(|d| d.code == "selector-misses-workload")
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    // Deployment worker's pods are the ones selected: payments' template,
    // a letter off, is no near miss then …
    assert_eq!(misses(&c), Vec::<String>::new());
    // … and is one as soon as no template matches.
    c.delete("Deployment", "shop", "worker").expect("deleted");
    assert_eq!(
        misses(&c),
        ["selector tier=bakend matches 1 pod(s), but no workload's pods: the pod template of Deployment payments (replicas: 1) misses it by a slip"]
    );
}
