//! "Did you mean": a hint is data — what was typed, what was probably
//! meant, the object that has it and a one-line message — so that the CLI,
//! the JavaScript API and the playground render the same facts.
//!
//! The views that find names typed by a user carry them: `explain`'s
//! diagnostics, the DNS answer, a container's environment and the route
//! trace. Each finds its candidates through its own index and compares
//! them with [`crate::similar`], the one measure; this module owns only
//! the shape and the codes.

use crate::objects::ObjectRef;
use serde::Serialize;
use std::fmt;

/// One suggestion.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hint {
    /// What kind of thing is suggested: one of [`CODES`].
    pub code: &'static str,
    /// One line: `did you mean app=payments? pod payments-1 has it`.
    pub message: String,
    /// What was written, as written (`app=paymnets`, `htpp`).
    pub typed: String,
    /// What to write instead (`app=payments`, `http`, a DNS name).
    pub suggestion: String,
    /// The object the suggestion comes from: the pod with the label, the
    /// Service meant.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
}

impl Hint {
    pub fn new(
        code: &'static str,
        typed: impl Into<String>,
        suggestion: impl Into<String>,
        object: Option<ObjectRef>,
        message: impl Into<String>,
    ) -> Hint {
        debug_assert!(CODES.iter().any(|(c, _)| *c == code), "{code}");
        Hint {
            code,
            message: message.into(),
            typed: typed.into(),
            suggestion: suggestion.into(),
            object,
        }
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The hint codes, for documentation and tests: what each suggests.
pub const CODES: &[(&str, &str)] = &[
    (
        "label",
        "a selector's key=value that pods or a pod template carry",
    ),
    (
        "namespace",
        "the namespace where the pods or the Service meant live",
    ),
    ("service", "the name of a Service"),
    (
        "hostname",
        "an endpoint's DNS label (a pod's hostname, or its dashed IP)",
    ),
    (
        "port-name",
        "a port name (a targetPort, an SRV query's _port)",
    ),
    ("port-number", "a port number"),
    (
        "protocol",
        "the protocol a port is served with (TCP, UDP, SCTP)",
    ),
    (
        "dns-name",
        "a whole DNS name: a namespace, svc or the cluster domain was left out or misspelled",
    ),
    ("variable", "an environment variable's name"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for (c, _) in CODES {
            assert!(seen.insert(c), "{c}");
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{c}"
            );
        }
    }

    #[test]
    fn a_hint_serializes_in_camel_case_without_an_absent_object() {
        let h = Hint::new("port-name", "htpp", "http", None, "did you mean http?");
        assert_eq!(
            serde_json::to_value(&h).unwrap(),
            serde_json::json!({"code": "port-name", "message": "did you mean http?", "typed": "htpp", "suggestion": "http"})
        );
        assert_eq!(h.to_string(), "did you mean http?");
    }
}
