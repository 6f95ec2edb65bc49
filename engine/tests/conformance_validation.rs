//! Runs every `stage: validation` case of the shared conformance file
//! `validation.yaml` against `svcscope::internals::validate::validate_service`. The
//! `stage: allocation` cases belong to the allocator and are skipped here.
//! The file lives outside the repository (beside the clone, same relative
//! layout in CI); a missing file is a failure, not a skip.

mod common;
use std::collections::BTreeSet;

use serde_json::Value;
use svcscope::internals::engine::Engine;
use svcscope::internals::field::FieldError;
use svcscope::internals::validate::validate_service;
use svcscope::model::{Object, Service};
use svcscope::{Config, NsName, Origin};

const FILE: &str = "validation.yaml";

/// The conformance cases, read with the project's own YAML loader.
fn load_cases() -> Value {
    common::load_conformance(FILE)
}

/// One expected error: field path, error type, and an optional substring of
/// the printed error.
struct Expected {
    field: String,
    type_: String,
    detail: Option<String>,
}

fn expected_errors(case: &Value) -> Result<Vec<Expected>, String> {
    let Some(list) = case.get("expected_errors") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or("expected_errors is not a list")?;
    list.iter()
        .map(|e| {
            let text = |k: &str| e.get(k).and_then(Value::as_str).map(String::from);
            Ok(Expected {
                field: text("field").ok_or("expected error without field")?,
                type_: text("type").ok_or("expected error without type")?,
                detail: text("detail"),
            })
        })
        .collect()
}

/// Checks one case; `Err` describes the mismatch.
/// A cluster the validation-stage case fits: service CIDRs around the
/// cluster IPs it asks for (in its family order) and every port allowed for
/// NodePorts, so only validation can fail.
fn cluster_for(service: &Service) -> Config {
    let cidrs: Vec<_> = service
        .spec
        .cluster_ips
        .iter()
        .filter_map(|ip| {
            // Wide enough that the IP is not the range's first usable
            // address, which `default/kubernetes` holds.
            let bits = if ip.contains(':') { 7 } else { 6 };
            svcscope::internals::net::parse_cidr_masked(&format!("{ip}/{bits}"))
        })
        .collect();
    Config {
        service_cidrs: if cidrs.is_empty() {
            Config::default().service_cidrs
        } else {
            cidrs
        },
        node_port_range: "1-65535".parse().expect("valid range"),
        // The cases are facts about `ValidateService` on the object as
        // given (the conformance README's `stage: validation`).
        defaulting: false,
        ..Config::default()
    }
}

/// What `check --no-defaults` reports at the validation stage for the
/// Service alone in a cluster, through the engine. (Allocation may still reject a valid Service, as
/// val-031's shared nodePort is rejected by upstream's allocator.)
fn engine_errors(service: &Service) -> Vec<FieldError> {
    let key = NsName::of(&service.metadata);
    let objects = vec![(Object::Service(service.clone().into()), Origin::default())];
    Engine::from_objects(cluster_for(service), objects)
        .errors()
        .into_iter()
        .filter(|e| e.kind == "Service" && e.namespace == key.namespace && e.name == key.name)
        .filter(|e| e.stage == "validation")
        .map(|e| e.error)
        .collect()
}

fn check(case: &Value, via_engine: bool) -> Result<(), String> {
    let service: Service = serde_json::from_value(case["service"].clone())
        .map_err(|e| format!("service does not deserialize: {e}"))?;
    let expected = expected_errors(case)?;
    match case["expected"].as_str() {
        Some("valid") if !expected.is_empty() => {
            return Err("marked valid but lists expected_errors".into())
        }
        Some("valid") | Some("invalid") => {}
        other => return Err(format!("unknown `expected: {other:?}`")),
    }
    if case["expected"] == "invalid" && expected.is_empty() {
        return Err("marked invalid but lists no expected_errors".into());
    }

    let actual = if via_engine {
        engine_errors(&service)
    } else {
        validate_service(&service)
    };
    let actual_set: BTreeSet<(String, String)> = actual
        .iter()
        .map(|e| (e.field.clone(), e.type_.to_string()))
        .collect();
    let expected_set: BTreeSet<(String, String)> = expected
        .iter()
        .map(|e| (e.field.clone(), e.type_.clone()))
        .collect();
    let printed = |errs: &[FieldError]| {
        errs.iter()
            .map(|e| format!("    {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if actual_set != expected_set {
        return Err(format!(
            "expected (field, type): {expected_set:?}\n  actual:\n{}",
            printed(&actual)
        ));
    }
    for e in &expected {
        let Some(detail) = &e.detail else { continue };
        let found = actual.iter().any(|a| {
            a.field == e.field
                && a.type_.as_str() == e.type_
                && a.to_string().contains(detail.as_str())
        });
        if !found {
            return Err(format!(
                "no {} error on {} contains {detail:?}\n  actual:\n{}",
                e.type_,
                e.field,
                printed(&actual)
            ));
        }
    }
    Ok(())
}

#[test]
fn validation_conformance() {
    let doc = load_cases();
    let cases = doc["cases"].as_array().expect("`cases` is a list");
    let mut ran = 0;
    let mut skipped = 0;
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("<no id>");
        match case["stage"].as_str() {
            Some("validation") => {}
            // The allocator's cases (nodePort/clusterIP ranges and conflicts).
            Some("allocation") => {
                skipped += 1;
                continue;
            }
            other => panic!("case {id}: unknown stage {other:?}"),
        }
        ran += 1;
        for (via_engine, how) in [(false, "validate_service"), (true, "engine")] {
            if let Err(why) = check(case, via_engine) {
                failures.push(format!(
                    "{id} ({}) through {how}:\n  {why}",
                    case["description"].as_str().unwrap_or("")
                ));
            }
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}\n");
    }
    eprintln!("{ran} validation cases ran, {skipped} allocation cases skipped");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed",
        failures.len()
    );
    assert!(
        ran >= 40,
        "only {ran} validation cases ran; expected at least 40"
    );
}
