//! The Pod checks that matter to Services.

use super::*;

pub(super) const DNS_POLICIES: &[&str] =
    &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];

/// The parts of `ValidatePod` (and of pod status validation) that Services
/// depend on: metadata, hostname/subdomain (DNS records), container names
/// and ports (named target ports), dnsPolicy, and the pod's IPs. Pods are
/// not assumed defaulted: an unset protocol or dnsPolicy is the default.
pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    if plainly_valid(pod) {
        return Vec::new();
    }
    validate_pod_fully(pod)
}

/// A conservative shortcut for [`validate_pod`]: true only for pods that
/// certainly pass it — plain names, labels and ports, no annotations,
/// hostnames or init containers, at most one IP. Most pods of a big
/// cluster are such pods, and they skip building a field path per field;
/// a property test checks the shortcut never hides an error.
pub(super) fn plainly_valid(pod: &Pod) -> bool {
    let m = &pod.metadata;
    let ns = m.ns();
    let meta = !m.name.is_empty()
        && m.name.len() <= 253
        && matches_dns1123_subdomain(&m.name)
        && !ns.is_empty()
        && ns.len() <= 63
        && matches_dns1123_label(ns)
        && m.annotations.is_empty()
        && m.labels
            .iter()
            .all(|(k, v)| label_key(k).is_empty() && label_value(v).is_empty());
    let spec = &pod.spec;
    let plain_spec = spec.hostname.is_none()
        && spec.subdomain.is_none()
        && spec.init_containers.is_empty()
        && !spec.containers.is_empty()
        && spec
            .dns_policy
            .as_deref()
            .is_none_or(|p| p.is_empty() || DNS_POLICIES.contains(&p));
    if !(meta && plain_spec) {
        return false;
    }
    for (i, c) in spec.containers.iter().enumerate() {
        let unique = spec.containers[..i].iter().all(|o| o.name != c.name);
        if c.name.is_empty() || c.name.len() > 63 || !matches_dns1123_label(&c.name) || !unique {
            return false;
        }
        for (j, p) in c.ports.iter().enumerate() {
            let name_ok = match p.name.as_deref() {
                None | Some("") => true,
                Some(n) => {
                    iana_svc_name(n).is_empty()
                        && c.ports[..j].iter().all(|o| o.name.as_deref() != Some(n))
                }
            };
            if !name_ok
                || !(1..=65535).contains(&p.container_port)
                || p.host_port.is_some_and(|h| h != 0)
                || !PROTOCOLS.contains(&p.protocol())
            {
                return false;
            }
        }
    }
    let status = &pod.status;
    let one_ip = match (status.pod_ip.as_deref(), status.pod_ips.as_slice()) {
        (None, []) => true,
        (Some(ip), []) => ip_errors(ip).is_empty(),
        (None, [only]) => ip_errors(&only.ip).is_empty(),
        (Some(ip), [only]) => ip == only.ip && ip_errors(ip).is_empty(),
        _ => false,
    };
    one_ip
        && status
            .host_ip
            .as_deref()
            .is_none_or(|ip| ip.is_empty() || ip_errors(ip).is_empty())
}

pub(super) fn validate_pod_fully(pod: &Pod) -> Vec<FieldError> {
    let mut errs = Vec::new();
    object_meta(&pod.metadata, dns1123_subdomain, &mut errs);
    let spec = &pod.spec;
    let sp = Path::new("spec");
    for (field, value) in [("hostname", &spec.hostname), ("subdomain", &spec.subdomain)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            push_invalid_msgs(&sp.child(field), v, dns1123_label(v), &mut errs);
        }
    }

    // Container names are unique across app and init containers.
    let mut names = HashSet::new();
    let containers_path = sp.child("containers");
    if spec.containers.is_empty() {
        errs.push(FieldError::required(&containers_path, ""));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        container(c, &mut names, &containers_path.index(i), &mut errs);
    }
    let init_path = sp.child("initContainers");
    for (i, c) in spec.init_containers.iter().enumerate() {
        let path = init_path.index(i);
        container(c, &mut names, &path, &mut errs);
        if let Some(policy) = c.restart_policy.as_deref() {
            if policy != "Always" {
                errs.push(FieldError::not_supported(
                    &path.child("restartPolicy"),
                    q(policy),
                    &["Always"],
                ));
            }
        }
    }

    if let Some(policy) = spec.dns_policy.as_deref().filter(|p| !p.is_empty()) {
        if !DNS_POLICIES.contains(&policy) {
            errs.push(FieldError::not_supported(
                &sp.child("dnsPolicy"),
                q(policy),
                DNS_POLICIES,
            ));
        }
    }
    pod_ips(pod, &mut errs);
    errs
}

pub(super) fn container<'a>(
    c: &'a Container,
    names: &mut HashSet<&'a str>,
    path: &Path,
    errs: &mut Errors,
) {
    let name_path = path.child("name");
    if c.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else {
        push_invalid_msgs(&name_path, &c.name, dns1123_label(&c.name), errs);
        if !names.insert(&c.name) {
            errs.push(FieldError::duplicate(&name_path, q(&c.name)));
        }
    }
    // `validateContainerPorts`: names unique within the container.
    let mut port_names = HashSet::new();
    for (i, p) in c.ports.iter().enumerate() {
        let pp = path.child("ports").index(i);
        if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
            let msgs = iana_svc_name(name);
            if !msgs.is_empty() {
                push_invalid_msgs(&pp.child("name"), name, msgs, errs);
            } else if !port_names.insert(name) {
                errs.push(FieldError::duplicate(&pp.child("name"), q(name)));
            }
        }
        if p.container_port == 0 {
            errs.push(FieldError::required(&pp.child("containerPort"), ""));
        } else {
            port_num(&pp.child("containerPort"), p.container_port, errs);
        }
        if let Some(host_port) = p.host_port.filter(|h| *h != 0) {
            port_num(&pp.child("hostPort"), host_port, errs);
        }
        protocol(&pp.child("protocol"), p.protocol(), errs);
    }
}

/// `validatePodIPs` / `validateHostIPs`. As the v1 conversion does, a set
/// `podIP` that disagrees with `podIPs[0]` wins and replaces the list.
pub(super) fn pod_ips(pod: &Pod, errs: &mut Errors) {
    let status = &pod.status;
    let st = Path::new("status");
    let single = status.pod_ip.as_deref().filter(|ip| !ip.is_empty());
    let ips: Vec<&str> = match single {
        Some(ip) if status.pod_ips.first().map(|p| p.ip.as_str()) != Some(ip) => vec![ip],
        _ => status.pod_ips.iter().map(|p| p.ip.as_str()).collect(),
    };
    let path = st.child("podIPs");
    for (i, ip) in ips.iter().enumerate() {
        push_ip_errors(&path.index(i), ip, errs);
    }
    if ips.len() > 1 {
        let parsed: Vec<IpAddr> = ips.iter().filter_map(|ip| ip.parse().ok()).collect();
        let dual = parsed.iter().any(IpAddr::is_ipv4) && parsed.iter().any(IpAddr::is_ipv6);
        if !dual || ips.len() > 2 {
            errs.push(FieldError::invalid(
                &path,
                q_list(&ips),
                "may specify no more than one IP for each IP family",
            ));
        }
        let mut seen = HashSet::new();
        for (i, ip) in ips.iter().enumerate() {
            if !seen.insert(ip) {
                errs.push(FieldError::duplicate(&path.index(i), q(ip)));
            }
        }
    }
    if let Some(ip) = status.host_ip.as_deref().filter(|ip| !ip.is_empty()) {
        push_ip_errors(&st.child("hostIPs").index(0), ip, errs);
    }
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::ErrorType::*;
    use crate::validate::test_support::*;

    // --- Pod ----------------------------------------------------------------

    fn pod() -> Pod {
        let mut p = Pod {
            metadata: meta("web-0"),
            ..Default::default()
        };
        p.spec.containers = vec![Container {
            name: "app".into(),
            ports: vec![ContainerPort {
                name: Some("http".into()),
                container_port: 8080,
                ..Default::default()
            }],
            ..Default::default()
        }]
        .into();
        p.status.pod_ip = Some("10.244.0.5".into());
        p
    }

    fn with_pod(f: impl FnOnce(&mut Pod)) -> Vec<FieldError> {
        let mut p = pod();
        f(&mut p);
        validate_pod(&p)
    }

    fn cport(name: &str, n: i32) -> ContainerPort {
        ContainerPort {
            name: Some(name.into()),
            container_port: n,
            ..Default::default()
        }
    }

    #[test]
    fn pod_metadata_and_dns_rules() {
        expect(with_pod(|_| {}), &[]);
        expect(
            with_pod(|p| p.metadata.name.clear()),
            &[("metadata.name", Required)],
        );
        // Pod names are subdomains.
        expect(with_pod(|p| p.metadata.name = "web.0".into()), &[]);
        expect(
            with_pod(|p| p.spec.hostname = Some("web.0".into())),
            &[("spec.hostname", Invalid)],
        );
        expect(
            with_pod(|p| p.spec.subdomain = Some("Sub".into())),
            &[("spec.subdomain", Invalid)],
        );
        expect(
            with_pod(|p| p.spec.dns_policy = Some("ClusterFirst".into())),
            &[],
        );
        expect(
            with_pod(|p| p.spec.dns_policy = Some("Cluster".into())),
            &[("spec.dnsPolicy", NotSupported)],
        );
    }

    #[test]
    fn pod_container_rules() {
        expect(
            with_pod(|p| std::sync::Arc::make_mut(&mut p.spec.containers).clear()),
            &[("spec.containers", Required)],
        );
        expect(
            with_pod(|p| {
                let c = p.spec.containers[0].clone();
                std::sync::Arc::make_mut(&mut p.spec.containers).push(c.clone());
                p.spec.init_containers.push(c);
            }),
            &[
                ("spec.containers[1].name", Duplicate),
                ("spec.initContainers[0].name", Duplicate),
            ],
        );
        expect(
            with_pod(|p| {
                std::sync::Arc::make_mut(&mut p.spec.containers)[0]
                    .name
                    .clear()
            }),
            &[("spec.containers[0].name", Required)],
        );
        expect(
            with_pod(|p| {
                p.spec.init_containers.push(Container {
                    name: "init".into(),
                    restart_policy: Some("OnFailure".into()),
                    ..Default::default()
                })
            }),
            &[("spec.initContainers[0].restartPolicy", NotSupported)],
        );
    }

    #[test]
    fn pod_port_rules() {
        let ports = |ps: Vec<ContainerPort>| {
            with_pod(|p| std::sync::Arc::make_mut(&mut p.spec.containers)[0].ports = ps)
        };
        expect(ports(vec![cport("http", 80), cport("metrics", 9090)]), &[]);
        expect(
            ports(vec![cport("http", 80), cport("http", 81)]),
            &[("spec.containers[0].ports[1].name", Duplicate)],
        );
        // Only unique within one container.
        expect(
            with_pod(|p| {
                let mut c = p.spec.containers[0].clone();
                c.name = "sidecar".into();
                std::sync::Arc::make_mut(&mut p.spec.containers).push(c);
            }),
            &[],
        );
        expect(
            ports(vec![cport("http", 70000)]),
            &[("spec.containers[0].ports[0].containerPort", Invalid)],
        );
        expect(
            ports(vec![cport("http", 0)]),
            &[("spec.containers[0].ports[0].containerPort", Required)],
        );
        expect(
            ports(vec![cport("my--port", 80)]),
            &[("spec.containers[0].ports[0].name", Invalid)],
        );
        let mut p = cport("http", 80);
        p.protocol = Some("ICMP".into());
        p.host_port = Some(-1);
        expect(
            ports(vec![p]),
            &[
                ("spec.containers[0].ports[0].hostPort", Invalid),
                ("spec.containers[0].ports[0].protocol", NotSupported),
            ],
        );
    }

    #[test]
    fn pod_ip_rules() {
        let pod_ips = |single: Option<&str>, list: &[&str]| {
            with_pod(|p| {
                p.status.pod_ip = single.map(String::from);
                p.status.pod_ips = list.iter().map(|ip| PodIP { ip: ip.to_string() }).collect();
            })
        };
        expect(pod_ips(Some("10.0.0.1"), &["10.0.0.1", "fd00::1"]), &[]);
        expect(
            pod_ips(Some("10.0.0.256"), &[]),
            &[("status.podIPs[0]", Invalid)],
        );
        expect(
            pod_ips(None, &["10.0.0.1", "10.0.0.2"]),
            &[("status.podIPs", Invalid)],
        );
        expect(
            pod_ips(None, &["10.0.0.1", "10.0.0.1"]),
            &[("status.podIPs", Invalid), ("status.podIPs[1]", Duplicate)],
        );
        // podIP wins over a disagreeing podIPs, as in the v1 conversion.
        expect(pod_ips(Some("10.0.0.1"), &["bogus", "10.0.0.2"]), &[]);
        expect(
            with_pod(|p| p.status.host_ip = Some("node-1".into())),
            &[("status.hostIPs[0]", Invalid)],
        );
    }
}
