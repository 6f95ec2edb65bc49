//! Rendering views as YAML in the shape `kubectl get -o yaml` prints:
//! keys sorted, block style, lists of maps starting `- key:` at their
//! parent's indentation, strings quoted only when they would read back as
//! something else.

use serde::Serialize;
use serde_json::Value;
use std::fmt::Write;

/// Serialises a view to YAML (one document, no leading `---`).
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let v = serde_json::to_value(value)?;
    Ok(value_to_yaml(&v))
}

/// Renders a JSON value as YAML.
pub fn value_to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, m: &serde_json::Map<String, Value>, level: usize) {
    for (k, v) in m {
        indent(out, level);
        out.push_str(&quote_if_needed(k));
        out.push(':');
        write_value_after_key(out, v, level);
    }
}

/// A value after `key:` (or after `- ` for nested sequences).
fn write_value_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, level + 2);
        }
        // kubectl style: a list under a key is not indented further.
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, level);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, a: &[Value], level: usize) {
    for item in a {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line.
                let mut first = true;
                for (k, v) in m {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, level + 2);
                    }
                    out.push_str(&quote_if_needed(k));
                    out.push(':');
                    write_value_after_key(out, v, level + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote_if_needed(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Plain when it reads back as the same string under YAML 1.1 and 1.2
/// rules (as kubectl's go-yaml reads it); double-quoted JSON-style otherwise.
fn quote_if_needed(s: &str) -> String {
    if needs_quotes(s) {
        let mut q = String::with_capacity(s.len() + 2);
        q.push('"');
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                '\t' => q.push_str("\\t"),
                '\r' => q.push_str("\\r"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    let _ = write!(q, "\\u{:04x}", c as u32);
                }
                c => q.push(c),
            }
        }
        q.push('"');
        q
    } else {
        s.to_string()
    }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    // Words and numbers that YAML 1.1 (go-yaml) or 1.2 would read as
    // something else.
    let lower = s.to_ascii_lowercase();
    if !crate::load::yaml::plain_is_string(s)
        || matches!(
            lower.as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | ".inf" | ".nan" | "="
        )
    {
        return true;
    }
    let first = s.as_bytes()[0];
    if "-?:,[]{}#&*!|>'\"%@`".contains(first as char) {
        return true;
    }
    s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| {
            c.is_control() || c == '\u{feff}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}'
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml::{parse_documents, to_json_value, Limits};
    use proptest::prelude::*;
    use serde_json::json;

    fn round_trip(v: &Value) -> Value {
        let text = value_to_yaml(v);
        let docs =
            parse_documents(&text, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        docs.first()
            .map(|d| to_json_value(&d.root))
            .unwrap_or(Value::Null)
    }

    #[test]
    fn kubectl_shape() {
        let v = json!({"kind": "Endpoints", "metadata": {"labels": {"service.kubernetes.io/headless": ""}, "name": "x"},
            "subsets": [{"addresses": [{"ip": "1.2.3.4"}], "ports": [{"port": 80}]}]});
        assert_eq!(
            value_to_yaml(&v),
            "kind: Endpoints\nmetadata:\n  labels:\n    service.kubernetes.io/headless: \"\"\n  name: x\nsubsets:\n- addresses:\n  - ip: 1.2.3.4\n  ports:\n  - port: 80\n"
        );
    }

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in [
            "true", "No", "~", "123", "-1", ".5", "1e3", "a: b", "- x", "#c", "", " x", "x\ny",
            "0x1F", "null",
        ] {
            assert_eq!(round_trip(&json!({"k": s})), json!({"k": s}), "{s:?}");
        }
        assert_eq!(
            value_to_yaml(&json!({"k": "plain-text"})),
            "k: plain-text\n"
        );
    }

    #[test]
    fn empty_collections_and_nesting() {
        let v = json!({"a": [], "b": {}, "c": [[1, 2], [], {"d": null}], "e": [{}]});
        assert_eq!(round_trip(&v), v);
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "\\PC{0,12}".prop_map(Value::String),
            "[a-z:# -]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,6}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn yaml_reads_back_as_the_same_value(v in arb_value()) {
            prop_assert_eq!(round_trip(&v), v);
        }
    }
}
