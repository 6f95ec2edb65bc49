//! The service environment-variable cases of
//! `shared/conformance/envvars.yaml`, run through [`svcscope::internals::env`].
//!
//! `scope: FromServices` cases call [`env::from_services`] on the Services
//! as given. `scope: kubelet` cases select the Services a pod of
//! `pod_namespace` sees ([`env::select_services`], nothing created after
//! the pod) and build its container's environment
//! ([`env::container_environment`]) from `container_env`. The Services go
//! in as a list, not through the engine, because the fixtures hold
//! same-named Services that a cluster could not (they prove that headless
//! and empty-IP duplicates are skipped). `order_defined` says whether the
//! expected list is an exact sequence or a set.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use svcscope::internals::env;
use svcscope::model::{Container, EnvVar, Pod, Service};
use svcscope::NsName;

fn services(case: &Value) -> Vec<(NsName, Service)> {
    case["services"]
        .as_array()
        .expect("services is a list")
        .iter()
        .map(|s| {
            let svc: Service = serde_json::from_value(s.clone()).expect("a Service");
            (NsName::of(&svc.metadata), svc)
        })
        .collect()
}

fn run(case: &Value) -> Vec<String> {
    let services = services(case);
    match case["scope"].as_str() {
        Some("FromServices") => env::from_services(services.iter().map(|(_, s)| s))
            .iter()
            .map(|v| v.to_string())
            .collect(),
        Some("kubelet") => {
            let mut pod = Pod::default();
            pod.metadata.name = "pod".into();
            pod.metadata.namespace = case["pod_namespace"].as_str().map(String::from);
            pod.spec.enable_service_links = case["enable_service_links"].as_bool();
            let container_env: Vec<EnvVar> = match case.get("container_env") {
                Some(v) => serde_json::from_value(v.clone()).expect("container_env is env"),
                None => Vec::new(),
            };
            let container = Container {
                name: "c".into(),
                env: container_env,
                ..Default::default()
            };
            let links = env::select_services(
                pod.metadata.ns(),
                pod.enable_service_links(),
                services.iter().map(|(k, s)| (k, s)),
                |_| false,
            );
            env::container_environment(&pod, &container, links)
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect()
        }
        other => panic!("unknown scope {other:?}"),
    }
}

#[test]
fn envvars_conformance() {
    let doc = common::load_conformance("envvars.yaml");
    let cases = doc["cases"].as_array().expect("cases is a list");
    assert!(!cases.is_empty(), "envvars.yaml has no cases");
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().expect("every case has an id");
        let want: Vec<String> = case["expected_env"]
            .as_array()
            .expect("expected_env is a list")
            .iter()
            .map(|v| v.as_str().expect("KEY=VALUE strings").to_string())
            .collect();
        let got = run(case);
        let ordered = case["order_defined"].as_bool().unwrap_or(false);
        let same = if ordered {
            got == want
        } else {
            // Sets, and no variable twice: a container has one value each.
            let names: BTreeSet<&str> = got
                .iter()
                .map(|l| l.split_once('=').map_or(l.as_str(), |(n, _)| n))
                .collect();
            names.len() == got.len()
                && got.iter().collect::<BTreeSet<_>>() == want.iter().collect::<BTreeSet<_>>()
        };
        if !same {
            failures.push(format!(
                "{id} ({}):\n  want {want:?}\n  got  {got:?}",
                if ordered { "ordered" } else { "set" }
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("envvars.yaml: {} cases pass", cases.len());
}
