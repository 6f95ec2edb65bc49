//! Service environment variables: what kubelet puts into a container's
//! environment for the Services the pod can see, merged with the
//! container's own `env`.
//!
//! This module owns every rule of that computation:
//!
//! - the variable names and their per-Service order ([`from_services`],
//!   upstream `envvars.FromServices`);
//! - which Services a pod gets variables for ([`visibility`] decides for one
//!   Service, [`select_services`] for a pod: kubelet's `getServiceEnvVarMap`
//!   plus creation order). The `env-service-*` diagnostics of
//!   [`crate::explain`] use the same [`visibility`];
//! - `$(VAR)` expansion ([`expand`], upstream
//!   `third_party/forked/golang/expansion`);
//! - the merge with the container's own variables
//!   ([`container_environment`], upstream `makeEnvironmentVariables`),
//!   including the downward-API `fieldRef`s the pod object answers. Values
//!   only the node knows (ConfigMaps, Secrets, resource limits) become
//!   placeholders that name their source, such as `<secretKeyRef db/pass>`.
//!
//! Kubelet collects the variables in Go maps, so the order a container
//! sees is unspecified. Here it is fixed: the container's own variables in
//! spec order, then one block per Service in `FromServices` order, the
//! Services sorted by name.

use crate::error::Error;
use crate::hint::Hint;
use crate::model::*;
use crate::objects::{NsName, ObjectRef};
use crate::similar;
use crate::state::State;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

/// One variable: `NAME=VALUE`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

impl fmt::Display for NameValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// The prefix of a Service's variables: the name upper-cased, `-` → `_`
/// (upstream `makeEnvVariableName`). Service names are DNS-1035 labels,
/// so the result is a valid shell identifier.
pub fn env_prefix(service_name: &str) -> String {
    service_name.to_ascii_uppercase().replace('-', "_")
}

/// `spec.clusterIP` when it is an address (upstream `IsServiceIPSet`): not
/// `None` (headless) and not empty (ExternalName, or not allocated). Only
/// the primary family's IP is ever used.
fn cluster_ip(svc: &Service) -> Option<&str> {
    svc.spec
        .cluster_ip
        .as_deref()
        .filter(|ip| !ip.is_empty() && *ip != "None")
}

/// `envvars.FromServices`: the variables of each Service in turn, in
/// kubelet's order; Services without a cluster IP are skipped.
pub fn from_services<'a>(services: impl IntoIterator<Item = &'a Service>) -> Vec<NameValue> {
    let mut out = Vec::new();
    for svc in services {
        service_variables(svc, &mut out);
    }
    out
}

/// One Service's variables: `_SERVICE_HOST`, `_SERVICE_PORT` (first port),
/// `_SERVICE_PORT_<NAME>` per named port, the Docker-link `_PORT` (first
/// port), then per port `_PORT_<n>_<PROTO>` and its `_PROTO`, `_PORT`,
/// `_ADDR`.
fn service_variables(svc: &Service, out: &mut Vec<NameValue>) {
    let Some(ip) = cluster_ip(svc) else {
        return;
    };
    let ports = &svc.spec.ports;
    let named = ports.iter().filter(|p| !p.name.is_empty()).count();
    out.reserve(3 + named + 4 * ports.len());
    let prefix = env_prefix(&svc.metadata.name);
    // Names are built by concatenation: `format!` costs several times more,
    // and a namespace can hold thousands of Services.
    let mut push = |name: &[&str], value: String| {
        out.push(NameValue {
            name: name.concat(),
            value,
        })
    };
    push(&[&prefix, "_SERVICE_HOST"], ip.to_string());
    // Validation requires a port on every Service with a cluster IP
    // (upstream would index past the end without one).
    let Some(first) = ports.first() else {
        return;
    };
    push(&[&prefix, "_SERVICE_PORT"], first.port.to_string());
    for p in ports.iter().filter(|p| !p.name.is_empty()) {
        let suffix = env_prefix(&p.name);
        push(&[&prefix, "_SERVICE_PORT_", &suffix], p.port.to_string());
    }
    // `net.JoinHostPort`: an IPv6 address is bracketed inside the URL only.
    let host = if ip.contains(':') {
        ["[", ip, "]"].concat()
    } else {
        ip.to_string()
    };
    for (i, p) in ports.iter().enumerate() {
        let proto = p.protocol().to_ascii_lowercase();
        let upper = proto.to_ascii_uppercase();
        let port = p.port.to_string();
        let url = [proto.as_str(), "://", &host, ":", &port].concat();
        if i == 0 {
            push(&[&prefix, "_PORT"], url.clone());
        }
        let base = [prefix.as_str(), "_PORT_", &port, "_", &upper].concat();
        push(&[&base], url);
        push(&[&base, "_PROTO"], proto);
        push(&[&base, "_PORT"], port);
        push(&[&base, "_ADDR"], ip.to_string());
    }
}

/// Whether kubelet gives a pod a Service's variables, and if not, why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Visibility {
    Visible,
    /// Another namespace: only `default/kubernetes` crosses namespaces.
    OtherNamespace,
    /// The pod sets `enableServiceLinks: false` (`default/kubernetes` is
    /// set regardless).
    LinksDisabled,
    /// Headless, ExternalName, or no cluster IP allocated.
    NoClusterIp,
    /// Created after the pod: kubelet computes a container's environment
    /// when the container starts, so the Service was not there yet.
    CreatedAfterPod,
    /// `default/kubernetes`, replaced by a `kubernetes` Service of the
    /// pod's own namespace. Decided by [`select_services`], which sees
    /// both; [`visibility`] never answers it.
    Shadowed,
}

/// Decides, for one Service, whether a pod in `pod_namespace` gets its
/// variables. `created_after_pod` is asked last, only when everything else
/// allows the Service (it may be costly).
pub fn visibility(
    pod_namespace: &str,
    links_enabled: bool,
    key: &NsName,
    svc: &Service,
    created_after_pod: impl FnOnce() -> bool,
) -> Visibility {
    let master = crate::master::is_master(&key.namespace, &key.name);
    if !master && key.namespace != pod_namespace {
        Visibility::OtherNamespace
    } else if !master && !links_enabled {
        Visibility::LinksDisabled
    } else if cluster_ip(svc).is_none() {
        Visibility::NoClusterIp
    } else if created_after_pod() {
        Visibility::CreatedAfterPod
    } else {
        Visibility::Visible
    }
}

/// A Service a pod gets no variables for, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LeftOut {
    pub service: NsName,
    pub reason: Visibility,
}

/// The Services whose variables a pod gets.
#[derive(Debug, Clone, Default)]
pub struct ServiceLinks<'a> {
    /// In the order given (one per name, a later one taking an earlier
    /// one's place). kubelet's order is a Go map's, so any order is
    /// kubelet's; creation order reads best.
    pub services: Vec<(&'a NsName, &'a Service)>,
    /// Candidates of the pod's namespace and `default/kubernetes` that are
    /// left out, sorted (other namespaces are not listed).
    pub left_out: Vec<LeftOut>,
}

/// kubelet's `getServiceEnvVarMap`, restricted to Services that existed
/// when the pod was created: `default/kubernetes` always, the pod's
/// namespace when links are enabled. Services are keyed by name, so a
/// `kubernetes` Service of the pod's namespace replaces `default/kubernetes`.
pub fn select_services<'a>(
    pod_namespace: &str,
    links_enabled: bool,
    candidates: impl IntoIterator<Item = (&'a NsName, &'a Service)>,
    mut created_after_pod: impl FnMut(&NsName) -> bool,
) -> ServiceLinks<'a> {
    let master = crate::master::name();
    let mut services: Vec<(&'a NsName, &'a Service)> = Vec::new();
    // Where each name sits in `services`.
    let mut at: HashMap<&'a str, usize> = HashMap::new();
    let mut left_out = Vec::new();
    for (key, svc) in candidates {
        match visibility(pod_namespace, links_enabled, key, svc, || {
            created_after_pod(key)
        }) {
            Visibility::Visible => {}
            Visibility::OtherNamespace => continue,
            reason => {
                left_out.push(LeftOut {
                    service: key.clone(),
                    reason,
                });
                continue;
            }
        }
        match at.get(key.name.as_str()).copied() {
            None => {
                at.insert(&key.name, services.len());
                services.push((key, svc));
            }
            // The master entry is only added when the name is free ...
            Some(_) if *key == master => left_out.push(LeftOut {
                service: key.clone(),
                reason: Visibility::Shadowed,
            }),
            // ... and the pod's namespace overwrites whatever is there
            // (only hand-made inputs hold two same-named Services of one
            // namespace: the later one wins, as in kubelet).
            Some(i) => {
                let (old, _) = std::mem::replace(&mut services[i], (key, svc));
                if *old == master {
                    left_out.push(LeftOut {
                        service: old.clone(),
                        reason: Visibility::Shadowed,
                    });
                }
            }
        }
    }
    crate::order::sort(&mut left_out);
    ServiceLinks { services, left_out }
}

/// `$(VAR)` expansion as kubelet does it (`expansion.Expand` with
/// `MappingFuncFor`): `$(NAME)` becomes `lookup(NAME)` and stays as written
/// when that is `None`; `$$` is a literal `$`; any other `$` is kept, as is
/// an unclosed `$(`. Values substituted are not expanded again.
pub fn expand<'i, 'v>(
    input: &'i str,
    mut lookup: impl FnMut(&'i str) -> Option<&'v str>,
) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        match chars.next() {
            // A `$` at the very end.
            None => {
                out.push('$');
                rest = after;
            }
            Some('$') => {
                out.push('$');
                rest = chars.as_str();
            }
            Some('(') => {
                let inner = chars.as_str();
                match inner.find(')') {
                    Some(end) => {
                        let name = &inner[..end];
                        match lookup(name) {
                            Some(v) => out.push_str(v),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        rest = &inner[end + 1..];
                    }
                    // Unclosed: kept, and scanning goes on after the `(`.
                    None => {
                        out.push_str("$(");
                        rest = inner;
                    }
                }
            }
            Some(c) => {
                out.push('$');
                out.push(c);
                rest = chars.as_str();
            }
        }
    }
    out.push_str(rest);
    out
}

/// A `$(NAME)` a container writes that its own variables do not answer:
/// kubelet expands env values against the variables defined before them,
/// commands and args against all of them. Service variables may answer it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    pub container: String,
    pub name: String,
}

/// Every [`Reference`] of a pod's containers and init containers, once
/// per container, in order.
pub fn references(pod: &Pod) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    let has_ref = |v: &str| v.contains("$(");
    for c in pod.spec.containers.iter().chain(&pod.spec.init_containers) {
        // Only `$(` starts a reference; most containers have none.
        let in_env = c
            .env
            .iter()
            .any(|e| e.value.as_deref().is_some_and(has_ref));
        let in_command = c.command.iter().chain(&c.args).any(|a| has_ref(a));
        if !in_env && !in_command {
            continue;
        }
        let first = out.len();
        let mut own: HashSet<&str> = HashSet::new();
        let note = |text: &str, own: &HashSet<&str>, out: &mut Vec<Reference>| {
            expand(text, |var| {
                if !own.contains(var) && !out[first..].iter().any(|r| r.name == var) {
                    out.push(Reference {
                        container: c.name.clone(),
                        name: var.to_string(),
                    });
                }
                None
            });
        };
        for e in &c.env {
            if let Some(v) = e.value.as_deref().filter(|v| has_ref(v)) {
                note(v, &own, &mut out);
            }
            own.insert(&e.name);
        }
        for a in c.command.iter().chain(&c.args).filter(|a| has_ref(a)) {
            note(a, &own, &mut out);
        }
    }
    out
}

/// Service-variable prefixes a pod refers to with `$(VAR)` in its env
/// values, commands and args: `X_SERVICE_HOST`, `X_SERVICE_PORT[_NAME]` and
/// `X_PORT_<n>_<PROTO>[…]`, among its [`references`].
pub fn env_references(pod: &Pod) -> BTreeSet<String> {
    references(pod)
        .iter()
        .filter_map(|r| service_var_prefix(&r.name))
        .map(str::to_string)
        .collect()
}

/// Whether a `$(NAME)` is written as a variable: `$(date)` in a shell
/// command is command substitution, which kubelet leaves for the shell, so
/// only C identifiers with an upper-case letter or a `_` are taken for
/// variables meant.
pub fn looks_like_variable(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.chars().any(|c| c.is_ascii_uppercase() || c == '_')
}

/// What a pod's references can be compared with: the Services of its
/// namespace (`default/kubernetes` among them), how each stands to the
/// pod, and the namespaces other Services by a name live in.
pub struct Seen<'a> {
    pub services: &'a [(&'a NsName, &'a Service)],
    pub visibility: &'a dyn Fn(&NsName, &Service) -> Visibility,
    /// The first namespace other than the pod's with a Service of that
    /// name.
    pub elsewhere: &'a dyn Fn(&str) -> Option<String>,
}

/// What a [`Reference`] that no variable answers was probably meant to
/// be: a variable of the container or of a Service a slip away, or a
/// Service of another namespace (whose variables no pod here gets).
/// `own` are the container's own variable names. `None` when nothing is
/// close, when the name is a Service's variable that is merely not set
/// (the `env-service-*` diagnostics say why), and for names not written
/// as variables ([`looks_like_variable`]).
pub fn reference_hint(name: &str, own: &[&str], seen: &Seen) -> Option<Hint> {
    let variables = |svc: &Service| {
        let mut v = Vec::new();
        service_variables(svc, &mut v);
        v.into_iter().map(|nv| nv.name).collect::<Vec<String>>()
    };
    let service_hint = |best: &str, key: &NsName, svc: &Service| {
        let unset = match (seen.visibility)(key, svc) {
            Visibility::CreatedAfterPod => {
                ", but it was created after the pod, so kubelet did not set it either"
            }
            Visibility::LinksDisabled => ", but enableServiceLinks is false",
            _ => "",
        };
        Hint::new(
            "variable",
            name,
            best,
            Some(ObjectRef::new("Service", &key.namespace, &key.name)),
            format!(
                "did you mean $({best})? Service {} sets it{unset}",
                key.name
            ),
        )
    };
    if let Some(prefix) = service_var_prefix(name) {
        let by_prefix = |p: &str| {
            seen.services
                .iter()
                .find(|(k, _)| env_prefix(&k.name) == p)
                .copied()
        };
        if let Some((key, svc)) = by_prefix(prefix) {
            // The Service is there: the rest of the name may be off.
            let vars = variables(svc);
            if vars.iter().any(|v| v == name) {
                return None;
            }
            let (best, _) = similar::closest(name, vars.iter().map(String::as_str))?;
            return Some(service_hint(best, key, svc));
        }
        let prefixes: Vec<String> = seen
            .services
            .iter()
            .map(|(k, _)| env_prefix(&k.name))
            .collect();
        if let Some((near, _)) = similar::closest(prefix, prefixes.iter().map(String::as_str)) {
            let (key, svc) = by_prefix(near)?;
            let meant = [near, &name[prefix.len()..]].concat();
            let vars = variables(svc);
            let best = match vars.iter().find(|v| **v == meant) {
                Some(v) => v.as_str(),
                None => similar::closest(&meant, vars.iter().map(String::as_str))?.0,
            };
            return Some(service_hint(best, key, svc));
        }
        // Service names are DNS labels: the prefix spells exactly one.
        let svc_name = prefix.to_ascii_lowercase().replace('_', "-");
        let ns = (seen.elsewhere)(&svc_name)?;
        let dns = format!("{svc_name}.{ns}.svc");
        return Some(Hint::new(
            "namespace",
            name,
            &dns,
            Some(ObjectRef::new("Service", &ns, &svc_name)),
            format!("Service {svc_name} is in namespace {ns}, and kubelet sets variables only for Services of the pod's own namespace: use its DNS name {dns}"),
        ));
    }
    if !looks_like_variable(name) {
        return None;
    }
    // The container's own variables, and those of Services whose prefix
    // the name starts with (found by prefix, as kubelet names them).
    let mut candidates: Vec<(String, Option<(&NsName, &Service)>)> =
        own.iter().map(|n| (n.to_string(), None)).collect();
    for (i, _) in name.match_indices('_') {
        let head = &name[..i];
        for (key, svc) in seen
            .services
            .iter()
            .filter(|(k, _)| env_prefix(&k.name) == head)
        {
            candidates.extend(variables(svc).into_iter().map(|v| (v, Some((*key, *svc)))));
        }
    }
    let (best, _) = similar::closest(name, candidates.iter().map(|(n, _)| n.as_str()))?;
    let from = candidates
        .iter()
        .find(|(n, _)| n == best)
        .and_then(|(_, s)| *s);
    Some(match from {
        Some((key, svc)) => service_hint(best, key, svc),
        None => Hint::new(
            "variable",
            name,
            best,
            None,
            format!("did you mean $({best})? the container sets it"),
        ),
    })
}

/// The Service prefix of a variable named as kubelet names service
/// variables (`envvars.FromServices`), matched exactly.
pub fn service_var_prefix(var: &str) -> Option<&str> {
    fn prefix(p: &str) -> Option<&str> {
        Some(p).filter(|p| !p.is_empty())
    }
    if let Some(p) = var
        .strip_suffix("_SERVICE_HOST")
        .or_else(|| var.strip_suffix("_SERVICE_PORT"))
    {
        return prefix(p);
    }
    // X_SERVICE_PORT_<NAME>
    if let Some(i) = var.find("_SERVICE_PORT_") {
        let name = &var[i + 14..];
        return (!name.is_empty()).then(|| prefix(&var[..i])).flatten();
    }
    // X_PORT_<n>_<PROTO>[_PROTO|_PORT|_ADDR]
    let i = var.find("_PORT_")?;
    let rest = &var[i + 6..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = &rest[digits..];
    let proto_ok = ["_TCP", "_UDP", "_SCTP"].iter().any(|p| {
        after
            .strip_prefix(p)
            .is_some_and(|tail| ["", "_PROTO", "_PORT", "_ADDR"].contains(&tail))
    });
    (digits > 0 && proto_ok)
        .then(|| prefix(&var[..i]))
        .flatten()
}

/// Where one of the container's own variables gets its value.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Source {
    /// `env[].value`, after `$(VAR)` expansion.
    Value,
    #[serde(rename_all = "camelCase")]
    FieldRef {
        field_path: String,
    },
    ConfigMapKeyRef {
        name: String,
        key: String,
    },
    SecretKeyRef {
        name: String,
        key: String,
    },
    /// A `valueFrom` svcscope does not model (`resourceFieldRef`, …).
    ValueFrom,
}

/// One of the container's own variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// The value, or a `<…>` placeholder naming what only the node knows.
    pub value: String,
    pub source: Source,
    /// False when the value is (or contains, through `$(VAR)`) a
    /// placeholder.
    pub resolved: bool,
    /// The Service whose variable of the same name this one replaces.
    pub overrides: Option<NsName>,
}

/// One Service's variables, as the container gets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceVariables {
    pub service: NsName,
    pub variables: Vec<NameValue>,
}

/// A variable name several Services set (e.g. `redis`'s
/// `REDIS_SERVICE_PORT` and `redis-service`'s Docker-link `_PORT`). Kubelet
/// keeps one of the values at random; here the first Service's.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub name: String,
    /// In order; the first one's value is the one shown.
    pub services: Vec<NsName>,
}

/// A container's environment.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "EnvironmentView<'static>"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub pod: NsName,
    pub container: String,
    /// The container's own variables, in spec order (a name given twice
    /// appears once, where it first appears, with its last value).
    pub own: Vec<Variable>,
    /// Service variables the container does not set itself, per Service,
    /// Services sorted by name.
    pub services: Vec<ServiceVariables>,
    pub left_out: Vec<LeftOut>,
    pub conflicts: Vec<Conflict>,
    /// The apiserver would refuse the pod, so no kubelet runs it: it has
    /// no variables (the notes say why).
    pub rejected: bool,
    /// What a reader would not guess from the variables alone.
    pub notes: Vec<String>,
    /// What the container's `$(VAR)` references that stay as written were
    /// probably meant to be.
    pub hints: Vec<Hint>,
}

impl Environment {
    /// The environment of a pod the apiserver would refuse: none.
    pub fn rejected(pod: NsName, container: String, notes: Vec<String>) -> Self {
        Environment {
            pod,
            container,
            own: Vec::new(),
            services: Vec::new(),
            left_out: Vec::new(),
            conflicts: Vec::new(),
            rejected: true,
            notes,
            hints: Vec::new(),
        }
    }

    /// Every variable, in order: `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.own
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str()))
            .chain(
                self.services
                    .iter()
                    .flat_map(|s| &s.variables)
                    .map(|v| (v.name.as_str(), v.value.as_str())),
            )
    }
}

// How an [`Environment`] is serialised: flat, each variable with where it
// comes from (the TypeScript declarations are derived from these too).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "FromService"))]
#[derive(Serialize)]
struct EnvFromService<'a> {
    kind: ServiceKind,
    namespace: &'a str,
    name: &'a str,
}
/// The `kind` of a variable that comes from a Service.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum ServiceKind {
    Service,
}
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "VariableOrigin"))]
#[derive(Serialize)]
#[serde(untagged)]
enum EnvOrigin<'a> {
    Own(&'a Source),
    Service(EnvFromService<'a>),
}
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "EnvironmentVariable"))]
#[derive(Serialize)]
struct EnvItem<'a> {
    name: &'a str,
    value: &'a str,
    source: EnvOrigin<'a>,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "is_true")]
    resolved: bool,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    overrides: Option<&'a NsName>,
}
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Environment"))]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvironmentView<'a> {
    pod: &'a NsName,
    container: &'a str,
    variables: Vec<EnvItem<'a>>,
    left_out: &'a [LeftOut],
    conflicts: &'a [Conflict],
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    rejected: bool,
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "<[Hint]>::is_empty")]
    hints: &'a [Hint],
}

/// Serialised flat, each variable with where it comes from: what the CLI's
/// `-o json` and the playground show.
impl Serialize for Environment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let own = self.own.iter().map(|v| EnvItem {
            name: &v.name,
            value: &v.value,
            source: EnvOrigin::Own(&v.source),
            resolved: v.resolved,
            overrides: v.overrides.as_ref(),
        });
        let services = self.services.iter().flat_map(|g| {
            g.variables.iter().map(move |v| EnvItem {
                name: &v.name,
                value: &v.value,
                source: EnvOrigin::Service(EnvFromService {
                    kind: ServiceKind::Service,
                    namespace: &g.service.namespace,
                    name: &g.service.name,
                }),
                resolved: true,
                overrides: None,
            })
        });
        EnvironmentView {
            pod: &self.pod,
            container: &self.container,
            variables: own.chain(services).collect(),
            left_out: &self.left_out,
            conflicts: &self.conflicts,
            rejected: self.rejected,
            notes: &self.notes,
            hints: &self.hints,
        }
        .serialize(s)
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Finds Service variables by name without indexing each of them: every
/// variable of a Service is its prefix, `_`, and a suffix, so a name is
/// looked up under each of its `_`-delimited heads.
struct ServiceIndex<'a> {
    groups: &'a [ServiceVariables],
    /// Prefix → the first Service with it.
    by_prefix: HashMap<&'a str, usize>,
    /// The next Service with the same prefix (only in hand-made inputs:
    /// distinct valid names have distinct prefixes).
    same_prefix: Vec<Option<usize>>,
}

impl<'a> ServiceIndex<'a> {
    fn new(groups: &'a [ServiceVariables]) -> Self {
        let mut by_prefix: HashMap<&str, usize> = HashMap::with_capacity(groups.len());
        let mut same_prefix: Vec<Option<usize>> = vec![None; groups.len()];
        for (g, group) in groups.iter().enumerate() {
            let Some(p) = prefix_of(group) else { continue };
            let Some(&first) = by_prefix.get(p) else {
                by_prefix.insert(p, g);
                continue;
            };
            let mut tail = first;
            while let Some(next) = same_prefix[tail] {
                tail = next;
            }
            same_prefix[tail] = Some(g);
        }
        ServiceIndex {
            groups,
            by_prefix,
            same_prefix,
        }
    }

    /// The Services with exactly this prefix.
    fn with_prefix(&self, p: &str) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.by_prefix.get(p).copied(), |&g| self.same_prefix[g])
    }

    /// Every `(Service, position)` holding a variable called `name`.
    fn find<'n>(&'n self, name: &'n str) -> impl Iterator<Item = (usize, usize)> + 'n {
        name.match_indices('_')
            .flat_map(move |(i, _)| self.with_prefix(&name[..i]))
            .flat_map(move |g| {
                self.groups[g]
                    .variables
                    .iter()
                    .position(|v| v.name == name)
                    .map(|i| (g, i))
            })
    }

    /// Pairs of Services whose variable names may coincide: one prefix is
    /// the other, or the other followed by `_` and more.
    fn overlapping(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            let Some(p) = prefix_of(group) else { continue };
            let heads = p.match_indices('_').map(|(i, _)| &p[..i]);
            for a in heads.flat_map(|h| self.with_prefix(h)) {
                out.push((a.min(g), a.max(g)));
            }
            let later = std::iter::successors(self.same_prefix[g], |&b| self.same_prefix[b]);
            out.extend(later.map(|b| (g, b)));
        }
        out
    }
}

/// A Service's prefix, read off its first variable (`<prefix>_SERVICE_HOST`).
fn prefix_of(group: &ServiceVariables) -> Option<&str> {
    group.variables.first()?.name.strip_suffix("_SERVICE_HOST")
}

/// kubelet's `makeEnvironmentVariables` for one container of `pod`, given
/// the Services it sees. Each own variable is expanded against the own
/// variables before it and the service variables; a service variable the
/// container sets is replaced from then on.
pub fn container_environment(
    pod: &Pod,
    container: &Container,
    links: ServiceLinks<'_>,
) -> Environment {
    let mut services: Vec<ServiceVariables> = links
        .services
        .iter()
        .map(|(key, svc)| {
            let mut variables = Vec::new();
            service_variables(svc, &mut variables);
            ServiceVariables {
                service: (*key).clone(),
                variables,
            }
        })
        .collect();

    let index = ServiceIndex::new(&services);
    // Names several Services set: the first Service keeps each.
    let mut clashes: BTreeMap<&str, BTreeSet<(usize, usize)>> = BTreeMap::new();
    for (a, b) in index.overlapping() {
        for (j, v) in services[b].variables.iter().enumerate() {
            if let Some(i) = services[a].variables.iter().position(|w| w.name == v.name) {
                clashes.entry(&v.name).or_default().extend([(a, i), (b, j)]);
            }
        }
    }
    let mut dropped: HashSet<(usize, usize)> = clashes
        .values()
        .flat_map(|set| set.iter().skip(1).copied())
        .collect();
    let lookup = |name: &str, dropped: &HashSet<(usize, usize)>| {
        index.find(name).find(|gi| !dropped.contains(gi))
    };

    let mut own: Vec<Variable> = Vec::new();
    let mut own_index: HashMap<&str, usize> = HashMap::new();
    // Service variables the container has set: no longer visible to later
    // references (upstream deletes them from its map).
    let mut replaced: HashSet<&str> = HashSet::new();
    for ev in &container.env {
        let (value, source, resolved) = match (ev.value.as_deref(), &ev.value_from) {
            (Some(v), _) if !v.is_empty() => {
                let mut resolved = true;
                let value = expand(v, |name| {
                    if let Some(&i) = own_index.get(name) {
                        resolved &= own[i].resolved;
                        return Some(own[i].value.as_str());
                    }
                    if replaced.contains(name) {
                        return None;
                    }
                    lookup(name, &dropped).map(|(g, i)| services[g].variables[i].value.as_str())
                });
                (value, Source::Value, resolved)
            }
            (_, Some(from)) => value_from(pod, from),
            _ => (String::new(), Source::Value, true),
        };
        let overrides = lookup(&ev.name, &dropped).map(|(g, _)| services[g].service.clone());
        replaced.insert(&ev.name);
        match own_index.get(ev.name.as_str()) {
            Some(&i) => {
                let v = &mut own[i];
                v.value = value;
                v.source = source;
                v.resolved = resolved;
            }
            None => {
                own_index.insert(&ev.name, own.len());
                own.push(Variable {
                    name: ev.name.clone(),
                    value,
                    source,
                    resolved,
                    overrides,
                });
            }
        }
    }

    let conflicts: Vec<Conflict> = clashes
        .into_iter()
        .filter(|(name, _)| !replaced.contains(name))
        .map(|(name, groups)| Conflict {
            name: name.to_string(),
            services: groups
                .into_iter()
                .map(|(g, _)| services[g].service.clone())
                .collect(),
        })
        .collect();
    let overridden: Vec<(usize, usize)> = replaced
        .iter()
        .filter_map(|n| lookup(n, &dropped))
        .collect();
    dropped.extend(overridden);
    let mut touched = BTreeSet::new();
    touched.extend(dropped.iter().map(|&(g, _)| g));
    for g in touched {
        let mut i = 0;
        services[g].variables.retain(|_| {
            i += 1;
            !dropped.contains(&(g, i - 1))
        });
    }
    Environment {
        pod: NsName::of(&pod.metadata),
        container: container.name.clone(),
        own,
        services,
        left_out: links.left_out,
        conflicts,
        rejected: false,
        notes: Vec::new(),
        hints: Vec::new(),
    }
}

/// A `valueFrom`: the downward-API fields the pod object holds are
/// resolved as kubelet would; anything else becomes a placeholder.
fn value_from(pod: &Pod, from: &EnvVarSource) -> (String, Source, bool) {
    if let Some(f) = &from.field_ref {
        let path = &f.field_path;
        let source = Source::FieldRef {
            field_path: path.clone(),
        };
        return match field_value(pod, path) {
            Some(v) => (v, source, true),
            None => (format!("<fieldRef {path}>"), source, false),
        };
    }
    if let Some(k) = &from.config_map_key_ref {
        return (
            format!("<configMapKeyRef {}/{}>", k.name, k.key),
            Source::ConfigMapKeyRef {
                name: k.name.clone(),
                key: k.key.clone(),
            },
            false,
        );
    }
    if let Some(k) = &from.secret_key_ref {
        return (
            format!("<secretKeyRef {}/{}>", k.name, k.key),
            Source::SecretKeyRef {
                name: k.name.clone(),
                key: k.key.clone(),
            },
            false,
        );
    }
    ("<valueFrom>".into(), Source::ValueFrom, false)
}

/// kubelet's `podFieldSelectorRuntimeValue` for the fields the pod object
/// answers; `None` when the input lacks the value (not scheduled, no IP
/// yet) or the field is not modelled (`spec.serviceAccountName`,
/// `status.hostIPs`).
fn field_value(pod: &Pod, path: &str) -> Option<String> {
    let meta = &pod.metadata;
    match path {
        "metadata.name" => return Some(meta.name.clone()),
        "metadata.namespace" => return Some(meta.ns().to_string()),
        "metadata.uid" => return meta.uid.clone(),
        "spec.nodeName" => return pod.spec.node_name.clone().filter(|s| !s.is_empty()),
        "status.hostIP" => return pod.status.host_ip.clone().filter(|s| !s.is_empty()),
        // The primary IP: kubelet orders the IPs by the node's family
        // preference, which `status.podIPs` already follows.
        "status.podIP" => return pod.ips().first().map(|s| s.to_string()),
        "status.podIPs" => {
            let ips = pod.ips();
            return (!ips.is_empty()).then(|| ips.join(","));
        }
        _ => {}
    }
    // `metadata.labels['key']`, `metadata.annotations['key']`: a missing
    // key gives "" (`fieldpath.ExtractFieldPathAsString`).
    let (field, key) = path.strip_suffix("']")?.split_once("['")?;
    let map = match field {
        "metadata.labels" => &meta.labels,
        "metadata.annotations" => &meta.annotations,
        _ => return None,
    };
    Some(map.get(key).cloned().unwrap_or_default())
}

/// The pod's containers for messages: app containers, then init
/// containers marked `(init)`, as kubectl lists them.
pub fn container_names(pod: &Pod) -> Vec<String> {
    pod.spec
        .containers
        .iter()
        .map(|c| c.name.clone())
        .chain(
            pod.spec
                .init_containers
                .iter()
                .map(|c| format!("{} (init)", c.name)),
        )
        .collect()
}

/// The container `kubectl exec` picks without `-c`: the one the
/// `kubectl.kubernetes.io/default-container` annotation names, else the
/// first.
pub fn default_container(pod: &Pod) -> Option<&Container> {
    let annotated = pod
        .metadata
        .annotations
        .get("kubectl.kubernetes.io/default-container")
        .and_then(|n| pod.spec.containers.iter().find(|c| c.name == *n));
    annotated.or_else(|| pod.spec.containers.first())
}

/// The environment of one container of a pod in the engine's cluster
/// (the default container when `container` is `None`; init containers can
/// be named too). Services the apiserver would reject are not seen.
pub fn pod_environment(
    state: &State,
    pod_key: &NsName,
    container: Option<&str>,
) -> Result<Environment, Error> {
    let pod = state
        .objects
        .pods
        .get(pod_key)
        .ok_or_else(|| Error::not_found("Pod", pod_key))?;
    let c = match container {
        None => default_container(pod).ok_or_else(|| Error::NoContainers {
            pod: pod_key.clone(),
        })?,
        Some(name) => pod
            .spec
            .containers
            .iter()
            .chain(&pod.spec.init_containers)
            .find(|c| c.name == name)
            .ok_or_else(|| Error::ContainerNotFound {
                pod: pod_key.clone(),
                container: name.to_string(),
                available: container_names(pod),
            })?,
    };
    let master = crate::master::name();
    // Every pod gets the master Service's variables, whether the input has
    // it or the engine stands it in (first address of the service range, as
    // the apiserver gives it). Pods of `default` find it among their own
    // namespace's Services.
    let master_svc = state
        .service(&master)
        .filter(|_| pod_key.namespace != master.namespace)
        .map(|st| (&master, &*st.service));
    let mut own = state.services_in(&pod_key.namespace);
    crate::order::sort_by_cached_key(&mut own, |(k, _)| {
        state.creation_order(&ObjectKey::new("Service", &k.namespace, &k.name))
    });
    let pod_object = ObjectKey::new("Pod", &pod_key.namespace, &pod_key.name);
    let pod_created = state.creation_order(&pod_object);
    let candidates: Vec<(&NsName, &Service)> = master_svc.into_iter().chain(own).collect();
    let created_after = |k: &NsName| {
        let svc = ObjectKey::new("Service", &k.namespace, &k.name);
        state.creation_order(&svc) > pod_created
    };
    let links = select_services(
        &pod_key.namespace,
        pod.enable_service_links(),
        candidates.iter().copied(),
        created_after,
    );
    let mut environment = container_environment(pod, c, links);
    environment.notes = notes(
        &environment,
        container.is_none().then(|| container_names(pod)),
    );
    // References that stay as written: what they were probably meant to be.
    let set: HashSet<&str> = environment.iter().map(|(n, _)| n).collect();
    let own_names: Vec<&str> = c.env.iter().map(|e| e.name.as_str()).collect();
    let visibility = |k: &NsName, svc: &Service| {
        visibility(
            &pod_key.namespace,
            pod.enable_service_links(),
            k,
            svc,
            || created_after(k),
        )
    };
    let elsewhere = |name: &str| {
        state
            .namespaces_with_service(name)
            .find(|ns| *ns != pod_key.namespace)
            .map(str::to_string)
    };
    let seen = Seen {
        services: &candidates,
        visibility: &visibility,
        elsewhere: &elsewhere,
    };
    let hints: Vec<Hint> = references(pod)
        .iter()
        .filter(|r| r.container == c.name && !set.contains(r.name.as_str()))
        .filter_map(|r| reference_hint(&r.name, &own_names, &seen))
        .collect();
    environment.hints = hints;
    Ok(environment)
}

/// What a reader would not guess from the variables alone: Services left
/// out for their creation time or shadowed, names several Services set,
/// and the container picked when none was named (`defaulted` lists the
/// pod's containers then).
fn notes(e: &Environment, defaulted: Option<Vec<String>>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(names) = defaulted.filter(|n| n.len() > 1) {
        out.push(format!(
            "defaulted container {:?} out of: {}",
            e.container,
            names.join(", ")
        ));
    }
    for l in &e.left_out {
        match l.reason {
            Visibility::CreatedAfterPod => out.push(format!(
                "Service {} was created after the pod, so its variables are not set (kubelet sets them when a container starts)",
                l.service
            )),
            Visibility::Shadowed => out.push(format!(
                "Service {}/kubernetes replaces {}: the KUBERNETES_* variables are its",
                e.pod.namespace, l.service
            )),
            _ => {}
        }
    }
    for c in &e.conflicts {
        let services: Vec<String> = c.services.iter().map(|s| s.to_string()).collect();
        out.push(format!(
            "{} is set by Services {}; kubelet keeps one of them at random (shown: {})",
            c.name,
            services.join(", "),
            services.first().map_or("", String::as_str)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_with(input: &str, vars: &[(&str, &str)]) -> String {
        expand(input, |n| {
            vars.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
        })
    }

    #[test]
    fn expansion_follows_upstream() {
        let vars = [("A", "alpha"), ("B", "$(A)"), ("", "empty")];
        for (input, want) in [
            ("$(A)", "alpha"),
            ("x$(A)y$(A)", "xalphayalpha"),
            ("$(B)", "$(A)"), // substituted values are not expanded again
            ("$(C)", "$(C)"),
            ("$$(A)", "$(A)"),
            ("$$$(A)", "$alpha"),
            ("$$$$", "$$"),
            ("$", "$"),
            ("a$", "a$"),
            ("$A", "$A"),
            ("${A}", "${A}"),
            ("$(A", "$(A"),
            ("$($(A)", "$($(A)"), // the name is `$(A`
            ("$()", "empty"),
            ("$é$(A)", "$éalpha"),
            ("$(A)$", "alpha$"),
            ("(A)", "(A)"),
            ("", ""),
        ] {
            assert_eq!(expand_with(input, &vars), want, "{input:?}");
        }
    }

    #[test]
    fn finds_service_variable_references() {
        let mut p = Pod::default();
        std::sync::Arc::make_mut(&mut p.spec.containers).push(Container {
            env: vec![
                EnvVar {
                    name: "A".into(),
                    value: Some(
                        "http://$(REDIS_MASTER_SERVICE_HOST):$(REDIS_MASTER_SERVICE_PORT)".into(),
                    ),
                    value_from: None,
                },
                EnvVar {
                    name: "B".into(),
                    value: Some(
                        "$$(NOT_SERVICE_HOST) $(DB_PORT_5432_TCP_ADDR) $(MY_PORT) $(X".into(),
                    ),
                    value_from: None,
                },
            ],
            ..Default::default()
        });
        let refs: Vec<String> = env_references(&p).into_iter().collect();
        assert_eq!(refs, ["DB", "REDIS_MASTER"]);
    }

    #[test]
    fn references_are_exact_and_own_variables_answer_first() {
        let var = |name: &str, value: &str| EnvVar {
            name: name.into(),
            value: Some(value.into()),
            value_from: None,
        };
        let mut p = Pod::default();
        std::sync::Arc::make_mut(&mut p.spec.containers).push(Container {
            env: vec![
                // Defined here first: the reference is the container's own.
                var("CACHE_SERVICE_HOST", "cache.example.com"),
                var("CACHE_URL", "redis://$(CACHE_SERVICE_HOST)"),
                // Not service variables: suffixes must match exactly.
                var("DB_URL", "$(DB_SERVICE_HOSTNAME) $(Q_PORT_80_TCP_X)"),
                // Used before the container defines it: the Service's.
                var(
                    "LATE_URL",
                    "$(LATE_SERVICE_PORT_HTTP) $(W_PORT_80_UDP_PROTO)",
                ),
                var("LATE_SERVICE_PORT_HTTP", "1"),
            ],
            // Commands and args see every variable of the container.
            command: vec!["run".into(), "$(CACHE_SERVICE_HOST)".into()],
            args: vec![
                "--db=$(DB_SERVICE_HOST)".into(),
                "$$(X_SERVICE_HOST)".into(),
            ],
            ..Default::default()
        });
        let refs: Vec<String> = env_references(&p).into_iter().collect();
        assert_eq!(refs, ["DB", "LATE", "W"]);
    }

    fn service(name: &str, ip: &str, ports: &[(&str, i32, &str)]) -> Service {
        let mut s = Service::default();
        s.metadata.name = name.into();
        s.spec.cluster_ip = Some(ip.into());
        s.spec.ports = ports
            .iter()
            .map(|(n, port, proto)| ServicePort {
                name: n.to_string(),
                port: *port,
                protocol: Some(proto.to_string()),
                ..Default::default()
            })
            .collect();
        s
    }

    #[test]
    fn variables_are_told_from_shell_substitution() {
        for (name, want) in [
            ("REDIS_HOST", true),
            ("myVar", true),
            ("_x", true),
            ("date", false),
            ("hostname -f", false),
            ("1X", false),
            ("", false),
            ("É_X", false),
        ] {
            assert_eq!(looks_like_variable(name), want, "{name:?}");
        }
    }

    #[test]
    fn reference_hints_name_the_variable_meant() {
        let redis = service("redis-master", "10.0.0.11", &[("redis", 6379, "TCP")]);
        let headless = service("db", "None", &[("pg", 5432, "TCP")]);
        let (rk, dk) = (NsName::new("app", "redis-master"), NsName::new("app", "db"));
        let services = [(&rk, &redis), (&dk, &headless)];
        let visible = |_: &NsName, _: &Service| Visibility::Visible;
        let elsewhere = |name: &str| (name == "queue").then(|| "jobs".to_string());
        let seen = Seen {
            services: &services,
            visibility: &visible,
            elsewhere: &elsewhere,
        };
        let own = ["GET_HOSTS_FROM"];
        let hint = |name: &str| reference_hint(name, &own, &seen).map(|h| (h.code, h.suggestion));
        let some = |code, s: &str| Some((code, s.to_string()));
        // A Service's prefix a slip away; its port name; the container's
        // own variable; a Service of another namespace.
        assert_eq!(
            hint("REDIS_MASTR_SERVICE_HOST"),
            some("variable", "REDIS_MASTER_SERVICE_HOST")
        );
        assert_eq!(
            hint("REDIS_MASTER_SERVICE_PORT_REDDIS"),
            some("variable", "REDIS_MASTER_SERVICE_PORT_REDIS")
        );
        assert_eq!(
            hint("REDIS_MASTER_SERVICE_HOTS"),
            some("variable", "REDIS_MASTER_SERVICE_HOST")
        );
        assert_eq!(hint("GET_HOSTS_FORM"), some("variable", "GET_HOSTS_FROM"));
        assert_eq!(
            hint("QUEUE_SERVICE_HOST"),
            some("namespace", "queue.jobs.svc")
        );
        // A variable that exists (merely unset) or nothing close: none.
        assert_eq!(hint("REDIS_MASTER_SERVICE_HOST"), None);
        assert_eq!(hint("PAYMENTS_SERVICE_HOST"), None);
        assert_eq!(hint("OTHER"), None);
        // A headless Service has no variables to suggest.
        assert_eq!(hint("DB_SERVICE_HOST"), None);
        assert_eq!(hint("DBB_SERVICE_HOST"), None);
        // Shell substitution is no reference; a name with `_` is one.
        assert_eq!(hint("date"), None);
        assert_eq!(hint("get_hosts_form"), some("variable", "GET_HOSTS_FROM"));
    }

    #[test]
    fn references_are_those_own_variables_do_not_answer() {
        let mut p = Pod::default();
        std::sync::Arc::make_mut(&mut p.spec.containers).push(Container {
            name: "app".into(),
            command: vec!["$(A) $(B) $(date)".into()],
            env: vec![value("X", "$(A)$(B)$(A)"), value("A", "a")],
            ..Default::default()
        });
        let names: Vec<String> = references(&p).into_iter().map(|r| r.name).collect();
        // X sees no A yet; the command sees A. Each name once.
        assert_eq!(names, ["A", "B", "date"]);
    }

    #[test]
    fn a_service_without_ports_gets_only_its_host() {
        let s = service("bare", "10.0.0.1", &[]);
        let vars: Vec<String> = from_services([&s]).iter().map(|v| v.to_string()).collect();
        assert_eq!(vars, ["BARE_SERVICE_HOST=10.0.0.1"]);
    }

    fn env_of(pod: &Pod, services: &[(NsName, Service)]) -> Environment {
        let links = select_services(
            pod.metadata.ns(),
            pod.enable_service_links(),
            services.iter().map(|(k, s)| (k, s)),
            |_| false,
        );
        container_environment(pod, &pod.spec.containers[0], links)
    }

    fn pod_with_env(env: Vec<EnvVar>) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = "p".into();
        p.metadata.namespace = Some("ns".into());
        p.metadata.labels.insert("app".into(), "web".into());
        p.spec.node_name = Some("node-1".into());
        p.status.pod_ip = Some("10.244.0.5".into());
        std::sync::Arc::make_mut(&mut p.spec.containers).push(Container {
            name: "c".into(),
            env,
            ..Default::default()
        });
        p
    }

    fn value(name: &str, v: &str) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: Some(v.into()),
            value_from: None,
        }
    }

    fn field(name: &str, path: &str) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: None,
            value_from: Some(EnvVarSource {
                field_ref: Some(FieldPathRef {
                    field_path: path.into(),
                }),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn own_variables_override_and_see_earlier_ones() {
        let db = (
            NsName::new("ns", "db"),
            service("db", "10.0.0.9", &[("", 5432, "TCP")]),
        );
        let pod = pod_with_env(vec![
            // Sees the service value: the container's own comes later.
            value("BEFORE", "$(DB_SERVICE_HOST)"),
            // Self-reference resolves to the service value (upstream
            // deletes the service variable only after computing this one).
            value("DB_SERVICE_HOST", "proxy-$(DB_SERVICE_HOST)"),
            value("AFTER", "$(DB_SERVICE_HOST)"),
            value("LATER", "$(DEFINED_LATER)"),
            value("DEFINED_LATER", "x"),
            field("NODE", "spec.nodeName"),
            field("IP", "status.podIP"),
            field("APP", "metadata.labels['app']"),
            field("NONE", "metadata.labels['none']"),
            field("SA", "spec.serviceAccountName"),
            value("URL", "$(SA)/$(IP)"),
            value("DUP", "1"),
            value("DUP", "2"),
            EnvVar {
                name: "EMPTY".into(),
                value: Some(String::new()),
                value_from: None,
            },
        ]);
        let env = env_of(&pod, &[db]);
        let got: Vec<(&str, &str)> = env.iter().collect();
        assert_eq!(
            got,
            [
                ("BEFORE", "10.0.0.9"),
                ("DB_SERVICE_HOST", "proxy-10.0.0.9"),
                ("AFTER", "proxy-10.0.0.9"),
                ("LATER", "$(DEFINED_LATER)"),
                ("DEFINED_LATER", "x"),
                ("NODE", "node-1"),
                ("IP", "10.244.0.5"),
                ("APP", "web"),
                ("NONE", ""),
                ("SA", "<fieldRef spec.serviceAccountName>"),
                ("URL", "<fieldRef spec.serviceAccountName>/10.244.0.5"),
                ("DUP", "2"),
                ("EMPTY", ""),
                ("DB_SERVICE_PORT", "5432"),
                ("DB_PORT", "tcp://10.0.0.9:5432"),
                ("DB_PORT_5432_TCP", "tcp://10.0.0.9:5432"),
                ("DB_PORT_5432_TCP_PROTO", "tcp"),
                ("DB_PORT_5432_TCP_PORT", "5432"),
                ("DB_PORT_5432_TCP_ADDR", "10.0.0.9"),
            ]
        );
        let by_name = |n: &str| env.own.iter().find(|v| v.name == n).unwrap();
        assert_eq!(
            by_name("DB_SERVICE_HOST").overrides,
            Some(NsName::new("ns", "db"))
        );
        assert!(!by_name("URL").resolved && by_name("IP").resolved);
    }

    #[test]
    fn same_name_variables_of_two_services_are_a_conflict() {
        let redis = (
            NsName::new("ns", "redis"),
            service("redis", "10.0.0.1", &[("", 6379, "TCP")]),
        );
        let redis_service = (
            NsName::new("ns", "redis-service"),
            service("redis-service", "10.0.0.2", &[("", 80, "TCP")]),
        );
        let env = env_of(&pod_with_env(Vec::new()), &[redis, redis_service]);
        assert_eq!(
            env.conflicts,
            [Conflict {
                name: "REDIS_SERVICE_PORT".into(),
                services: vec![
                    NsName::new("ns", "redis"),
                    NsName::new("ns", "redis-service")
                ],
            }]
        );
        let values: Vec<&str> = env
            .iter()
            .filter(|(n, _)| *n == "REDIS_SERVICE_PORT")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values, ["6379"]);
    }

    #[test]
    fn services_with_one_prefix_keep_each_name_once() {
        // Not valid names, but a pure caller may pass them: every name
        // still appears once, the first Service's.
        let ports = [("", 80, "TCP")];
        let services: Vec<(NsName, Service)> = ["a-b", "A-B", "a-B"]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let ip = format!("10.0.0.{}", i + 1);
                (NsName::new("ns", n), service(n, &ip, &ports))
            })
            .collect();
        let env = env_of(&pod_with_env(Vec::new()), &services);
        let names: Vec<&str> = env.iter().map(|(n, _)| n).collect();
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(names.len(), unique.len(), "{names:?}");
        assert_eq!(names.len(), 7);
        assert_eq!(env.conflicts.len(), 7);
        assert!(env.conflicts.iter().all(|c| c.services.len() == 3));
    }

    #[test]
    fn a_namespace_kubernetes_service_shadows_the_master() {
        let master = (
            NsName::new("default", "kubernetes"),
            service("kubernetes", "10.0.0.1", &[("https", 443, "TCP")]),
        );
        let local = (
            NsName::new("ns", "kubernetes"),
            service("kubernetes", "10.1.0.1", &[("", 8443, "TCP")]),
        );
        for services in [
            vec![master.clone(), local.clone()],
            vec![local.clone(), master.clone()],
        ] {
            let env = env_of(&pod_with_env(Vec::new()), &services);
            assert_eq!(env.services.len(), 1);
            assert_eq!(env.services[0].service, local.0);
            assert_eq!(
                env.left_out,
                [LeftOut {
                    service: master.0.clone(),
                    reason: Visibility::Shadowed
                }]
            );
        }
        let mut pod = pod_with_env(Vec::new());
        pod.spec.enable_service_links = Some(false);
        let env = env_of(&pod, &[master.clone(), local.clone()]);
        assert_eq!(env.services[0].service, master.0);
        assert_eq!(env.left_out[0].reason, Visibility::LinksDisabled);
    }
}
