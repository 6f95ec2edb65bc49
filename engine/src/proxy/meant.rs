//! What a route's `--to` that matches nothing probably meant: the Service
//! a name was meant to be (through the zone index's
//! [`ZoneIndex::meant_services`]), or the port a number was meant to be —
//! a slip of its digits, the container port behind a Service port,
//! another protocol, a Service's only port. Each is a [`Hint`] whose
//! suggestion is the `--to` to write.

use super::ServicePortInfo;
use crate::dns::{Why, ZoneIndex};
use crate::hint::Hint;
use crate::objects::{NsName, ObjectRef};
use crate::similar;

/// A Service name that is none (`key`, read in `from_ns` when the source
/// is a pod and the name short): the Services meant, as `--to` values.
pub(super) fn service_hints(
    zone: &ZoneIndex,
    key: &NsName,
    port: u16,
    typed: &str,
    from_ns: Option<&str>,
) -> Vec<Hint> {
    zone.meant_services(&key.name, &key.namespace)
        .into_iter()
        .map(|m| {
            let (name, ns) = (&m.service.name, &m.service.namespace);
            // A pod reaches its own namespace's Services by their name.
            let host = if from_ns == Some(ns.as_str()) {
                name.clone()
            } else {
                format!("{name}.{ns}")
            };
            let to = format!("{host}:{port}");
            let lead = match m.why {
                Why::Name(_) => format!("no Service {} in {}", key.name, key.namespace),
                Why::Namespace => format!(
                    "no Service {} in {}, but namespace {ns} has one",
                    key.name, key.namespace
                ),
                Why::NamespaceSlip(_) => format!("no namespace {}", key.namespace),
            };
            let code = match m.why {
                Why::Name(_) => "service",
                _ => "namespace",
            };
            Hint::new(
                code,
                typed,
                &to,
                Some(ObjectRef::new("Service", ns, name)),
                format!("{lead}; did you mean --to {to}?"),
            )
        })
        .collect()
}

/// A port no service port of an address has: `ports` are those of the
/// address (its node ports when `node_port`), `host` the `--to` host as
/// written. Closest first: the port under the other protocol, the
/// container port behind a Service port (clients connect to the Service's
/// port, kube-proxy sends on to the container's), a slip of the digits,
/// the only port there is.
pub(super) fn port_hints(
    host: &str,
    ports: &[&ServicePortInfo],
    port: u16,
    protocol: &str,
    node_port: bool,
) -> Vec<Hint> {
    let typed = format!("{host}:{port}");
    let number = |sp: &ServicePortInfo| if node_port { sp.node_port } else { sp.port };
    let hint = |code, sp: &ServicePortInfo, to: String, why: String| {
        Hint::new(
            code,
            &typed,
            &to,
            Some(ObjectRef::new(
                "Service",
                &sp.service.namespace,
                &sp.service.name,
            )),
            format!("{why}; did you mean --to {to}?"),
        )
    };
    let to = |n: u16| format!("{host}:{n}");
    let what = if node_port { "node port" } else { "port" };
    if let Some(sp) = ports
        .iter()
        .find(|sp| number(sp) == port && sp.protocol != protocol)
    {
        return vec![Hint::new(
            "protocol",
            protocol,
            &sp.protocol,
            Some(ObjectRef::new(
                "Service",
                &sp.service.namespace,
                &sp.service.name,
            )),
            format!(
                "{what} {port} of Service {} is {}; did you mean --protocol {}?",
                sp.service, sp.protocol, sp.protocol
            ),
        )];
    }
    let same: Vec<&&ServicePortInfo> = ports.iter().filter(|sp| sp.protocol == protocol).collect();
    if node_port {
        if let Some(sp) = same.iter().find(|sp| sp.port == port) {
            return vec![hint(
                "port-number",
                sp,
                to(sp.node_port),
                format!(
                    "{port} is a port of Service {} on its cluster IP; the nodes expose it as node port {}",
                    sp.service, sp.node_port
                ),
            )];
        }
    } else {
        if let Some(sp) = same
            .iter()
            .find(|sp| sp.endpoints.iter().any(|e| e.port == port))
        {
            return vec![hint(
                "port-number",
                sp,
                to(sp.port),
                format!(
                    "{port} is the container port behind port {} of Service {}: clients connect to the Service's port",
                    sp.port, sp.service
                ),
            )];
        }
    }
    let numbers: Vec<String> = same.iter().map(|sp| number(sp).to_string()).collect();
    let near = similar::best(&port.to_string(), numbers.iter().map(String::as_str));
    if !near.is_empty() {
        return near
            .into_iter()
            .filter_map(|(n, _)| {
                let sp = same.iter().find(|sp| number(sp).to_string() == n)?;
                Some(hint(
                    "port-number",
                    sp,
                    to(number(sp)),
                    format!("Service {} has {what} {n}, not {port}", sp.service),
                ))
            })
            .collect();
    }
    match same.as_slice() {
        [sp] => vec![hint(
            "port-number",
            sp,
            to(number(sp)),
            format!(
                "the only {what} of Service {} is {}",
                sp.service,
                number(sp)
            ),
        )],
        _ => Vec::new(),
    }
}
