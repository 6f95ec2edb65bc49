//! Runs every case of the shared conformance file `selectors.yaml` against
//! `svcscope::internals::select`. The file lives outside the repository (beside the
//! clone, same relative layout in CI); a missing file is a failure, not a skip.

mod common;

use serde_json::Value;
use svcscope::internals::select::{LabelSelector, Labels, Selector};

const FILE: &str = "selectors.yaml";

/// The conformance cases, read with the project's own YAML loader.
fn load_cases() -> Value {
    common::load_conformance(FILE)
}

/// Label values are strings in the API; tolerate unquoted YAML scalars.
fn labels_of(v: &Value) -> Result<Labels, String> {
    let Some(map) = v.as_object() else {
        return if v.is_null() {
            Ok(Labels::new())
        } else {
            Err(format!("labels must be a mapping, got {v}"))
        };
    };
    map.iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => return Err(format!("label {k} has non-scalar value {other}")),
            };
            Ok((k.clone(), v))
        })
        .collect()
}

/// Builds the selector a case describes (see the file's `conventions:`).
fn selector_of(v: &Value) -> Result<Result<Selector, String>, String> {
    let to_msg = |e: svcscope::internals::select::SelectorError| e.message;
    Ok(match v {
        Value::String(s) => Selector::parse(s).map_err(to_msg),
        Value::Null => Selector::from_label_selector(None).map_err(to_msg),
        Value::Object(m) if m.contains_key("serviceSelectorMap") => {
            let map = labels_of(&m["serviceSelectorMap"])?;
            Ok(Selector::from_map(&map))
        }
        Value::Object(_) => {
            let ls: LabelSelector = serde_json::from_value(v.clone())
                .map_err(|e| format!("not a LabelSelector: {e}"))?;
            Selector::from_label_selector(Some(&ls)).map_err(to_msg)
        }
        other => return Err(format!("unsupported selector form {other}")),
    })
}

/// `Ok(())` when the case holds, otherwise what went wrong.
fn run_case(case: &Value) -> Result<(), String> {
    let expected = case["expected"].as_str().ok_or("missing `expected`")?;
    let built = selector_of(&case["selector"])?;
    match (expected, built) {
        ("parse_error", Err(_)) => Ok(()),
        ("parse_error", Ok(sel)) => Err(format!("expected a parse error, parsed as `{sel}`")),
        (_, Err(e)) => Err(format!("unexpected error: {e}")),
        (want @ ("match" | "nomatch"), Ok(sel)) => {
            let labels = labels_of(&case["labels"])?;
            let got = sel.matches(&labels);
            if got == (want == "match") {
                Ok(())
            } else {
                Err(format!(
                    "expected {want}, got {}; selector `{sel}`, labels {labels:?}, first failure {:?}",
                    if got { "match" } else { "nomatch" },
                    sel.first_failure(&labels).map(ToString::to_string)
                ))
            }
        }
        (other, _) => Err(format!("unknown expectation {other:?}")),
    }
}

#[test]
fn selectors_conformance() {
    let doc = load_cases();
    let cases = doc["cases"].as_array().expect("`cases:` is a list");
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("<no id>");
        if let Err(why) = run_case(case) {
            println!("FAIL {id}: {why}");
            failures.push(id.to_owned());
        }
    }
    println!("{} selector cases, {} failed", cases.len(), failures.len());
    assert!(
        cases.len() >= 30,
        "only {} cases in {FILE}; expected at least 30",
        cases.len()
    );
    assert!(failures.is_empty(), "failing cases: {failures:?}");
}
