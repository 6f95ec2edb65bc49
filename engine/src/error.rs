//! The errors of [`crate::Cluster`]'s methods: misuse of the API (a bad
//! argument, an object that is not there, a selector that does not parse),
//! never a problem in the user's manifests, which stays data in the
//! results. Each case has a stable machine-readable [`Error::code`]; the
//! CLI maps them to exit codes, the JavaScript bindings to an `Error` with
//! the same `code`.

use crate::objects::NsName;
use std::fmt;

/// Why a [`crate::Cluster`] method could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// An argument or option has a value the method cannot use.
    BadArgument {
        /// The argument's name as the API spells it (`serviceCidr`, `ttl`…).
        argument: String,
        /// Reads after the argument's name: `"x": expected HOST:PORT`.
        message: String,
    },
    /// A label selector that does not parse, with the parser's words.
    BadSelector { selector: String, message: String },
    /// An object given to `apply` that is not a Kubernetes object svcscope
    /// reads (the loader's message).
    BadObject { message: String },
    /// The object asked about is not in the cluster.
    NotFound {
        kind: String,
        namespace: String,
        name: String,
    },
    /// A container the pod does not have.
    ContainerNotFound {
        pod: NsName,
        container: String,
        /// The pod's containers, init containers marked `(init)`.
        available: Vec<String>,
    },
    /// A pod without containers has no environment.
    NoContainers { pod: NsName },
    /// A kind svcscope does not model.
    UnknownKind { kind: String },
    /// A mode or feature svcscope does not model.
    Unsupported { what: String },
}

impl Error {
    /// The stable, kebab-case code of the case.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadArgument { .. } => "bad-argument",
            Error::BadSelector { .. } => "bad-selector",
            Error::BadObject { .. } => "bad-object",
            Error::NotFound { .. } => "not-found",
            Error::ContainerNotFound { .. } => "container-not-found",
            Error::NoContainers { .. } => "no-containers",
            Error::UnknownKind { .. } => "unknown-kind",
            Error::Unsupported { .. } => "unsupported",
        }
    }

    /// The argument at fault, for [`Error::BadArgument`].
    pub fn argument(&self) -> Option<&str> {
        match self {
            Error::BadArgument { argument, .. } => Some(argument),
            _ => None,
        }
    }

    pub(crate) fn bad_argument(argument: &str, message: impl Into<String>) -> Self {
        Error::BadArgument {
            argument: argument.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn not_found(kind: &str, key: &NsName) -> Self {
        Error::NotFound {
            kind: kind.to_string(),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadArgument { argument, message } => write!(f, "{argument} {message}"),
            Error::BadSelector { selector, message } => {
                write!(f, "invalid selector {selector:?}: {message}")
            }
            Error::BadObject { message } => write!(f, "not an object svcscope reads: {message}"),
            Error::NotFound {
                kind,
                namespace,
                name,
            } if namespace.is_empty() => write!(f, "{kind} {name} not found in the input"),
            Error::NotFound {
                kind,
                namespace,
                name,
            } => write!(f, "{kind} {namespace}/{name} not found in the input"),
            Error::ContainerNotFound {
                pod,
                container,
                available,
            } => write!(
                f,
                "pod {pod} has no container {container:?} (it has: {})",
                available.join(", ")
            ),
            Error::NoContainers { pod } => write!(f, "pod {pod} has no containers"),
            Error::UnknownKind { kind } => write!(
                f,
                "unknown kind {kind:?}: svcscope reads Service, Pod, Endpoints, EndpointSlice, Node, Namespace and the workload kinds"
            ),
            Error::Unsupported { what } => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_the_argument() {
        let e = Error::bad_argument("ttl", "\"x\": a number of seconds from 0 to 3600");
        assert_eq!(e.code(), "bad-argument");
        assert_eq!(e.argument(), Some("ttl"));
        assert_eq!(
            e.to_string(),
            "ttl \"x\": a number of seconds from 0 to 3600"
        );
        let e = Error::not_found("Pod", &NsName::new("my-ns", "client"));
        assert_eq!(e.code(), "not-found");
        assert_eq!(e.to_string(), "Pod my-ns/client not found in the input");
    }
}
