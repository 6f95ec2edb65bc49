//! API defaulting of Services (`SetDefaults_Service`, and `clusterIPs`
//! filled from `clusterIP` as the registry does), applied before validation
//! exactly as the apiserver applies it on create.
//!
//! IP family fields are not defaulted here: the apiserver fills them while
//! allocating cluster IPs, so [`crate::alloc`] owns them.

use crate::model::{
    service_type, ClientIPConfig, EndpointSlice, Endpoints, IntOrString, Service,
    SessionAffinityConfig,
};

/// `v1.DefaultClientIPServiceAffinitySeconds`: three hours.
pub const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS: i32 = 10800;

/// What the apiserver does to a Service on create before validating it:
/// API defaulting (`SetDefaults_Service` runs on every decode and only fills
/// unset fields, so a fully written manifest and a `kubectl get -o yaml`
/// dump are defaulted alike), then the registry's `clusterIPs` mirroring.
/// Without `defaulting` (`check --no-defaults`) only the mirroring is done:
/// validation sees the object as given, as upstream's validation tests do.
pub fn prepare_service(svc: &mut Service, defaulting: bool) {
    if defaulting {
        default_service(svc);
    } else {
        mirror_cluster_ips(svc);
    }
}

/// On create the apiserver fills `clusterIPs` from `clusterIP` for old
/// clients, never the other way (`normalizeClusterIPs`): new clients set
/// both, so `clusterIPs` alone fails validation.
fn mirror_cluster_ips(svc: &mut Service) {
    let spec = &mut svc.spec;
    if spec.cluster_ips.is_empty() {
        if let Some(ip) = spec.cluster_ip.as_deref().filter(|s| !s.is_empty()) {
            spec.cluster_ips = vec![ip.to_string()];
        }
    }
}

/// Applies API defaulting in place.
pub fn default_service(svc: &mut Service) {
    let spec = &mut svc.spec;
    if spec.session_affinity.as_deref().unwrap_or("").is_empty() {
        spec.session_affinity = Some("None".into());
    }
    match spec.session_affinity.as_deref() {
        Some("None") => spec.session_affinity_config = None,
        Some("ClientIP") => {
            let has_timeout = spec
                .session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
                .is_some();
            if !has_timeout {
                spec.session_affinity_config = Some(SessionAffinityConfig {
                    client_ip: Some(ClientIPConfig {
                        timeout_seconds: Some(DEFAULT_CLIENT_IP_TIMEOUT_SECONDS),
                    }),
                });
            }
        }
        _ => {}
    }
    if spec.type_.as_deref().unwrap_or("").is_empty() {
        spec.type_ = Some(service_type::CLUSTER_IP.into());
    }
    for port in &mut spec.ports {
        if port.protocol.as_deref().unwrap_or("").is_empty() {
            port.protocol = Some("TCP".into());
        }
        let unset = match &port.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::Str(s)) => s.is_empty(),
            Some(IntOrString::Int(_)) => false,
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port));
        }
    }
    let type_ = spec.type_.clone().unwrap_or_default();
    mirror_cluster_ips(svc);
    if svc.externally_accessible()
        && svc
            .spec
            .external_traffic_policy
            .as_deref()
            .unwrap_or("")
            .is_empty()
    {
        svc.spec.external_traffic_policy = Some("Cluster".into());
    }
    let spec = &mut svc.spec;
    if spec.internal_traffic_policy.is_none()
        && matches!(
            type_.as_str(),
            service_type::CLUSTER_IP | service_type::NODE_PORT | service_type::LOAD_BALANCER
        )
    {
        spec.internal_traffic_policy = Some("Cluster".into());
    }
    if type_ == service_type::LOAD_BALANCER {
        if spec.allocate_load_balancer_node_ports.is_none() {
            spec.allocate_load_balancer_node_ports = Some(true);
        }
        // LoadBalancerIPMode (GA in 1.32): ingress IPs default to VIP mode.
        for ing in &mut svc.status.load_balancer.ingress {
            if ing.ip.as_deref().is_some_and(|ip| !ip.is_empty()) && ing.ip_mode.is_none() {
                ing.ip_mode = Some("VIP".into());
            }
        }
    }
}

/// `SetDefaults_Endpoints`: ports without a protocol are TCP.
pub fn default_endpoints(ep: &mut Endpoints) {
    for port in ep.subsets.iter_mut().flat_map(|s| &mut s.ports) {
        if port.protocol.as_deref().unwrap_or("").is_empty() {
            port.protocol = Some("TCP".into());
        }
    }
}

/// `SetDefaults_EndpointSlice`: ports get an empty name and TCP.
pub fn default_endpoint_slice(es: &mut EndpointSlice) {
    for port in &mut es.ports {
        port.name.get_or_insert_with(String::new);
        if port.protocol.as_deref().unwrap_or("").is_empty() {
            port.protocol = Some("TCP".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServicePort;

    fn svc(type_: Option<&str>) -> Service {
        let mut s = Service::default();
        s.spec.type_ = type_.map(String::from);
        s.spec.ports = vec![ServicePort {
            port: 80,
            ..Default::default()
        }];
        s
    }

    #[test]
    fn defaults_a_bare_service() {
        let mut s = svc(None);
        default_service(&mut s);
        assert_eq!(s.spec.type_.as_deref(), Some("ClusterIP"));
        assert_eq!(s.spec.session_affinity.as_deref(), Some("None"));
        assert_eq!(s.spec.ports[0].protocol.as_deref(), Some("TCP"));
        assert_eq!(s.spec.ports[0].target_port, Some(IntOrString::Int(80)));
        assert_eq!(s.spec.internal_traffic_policy.as_deref(), Some("Cluster"));
        assert_eq!(s.spec.external_traffic_policy, None);
        assert_eq!(s.spec.allocate_load_balancer_node_ports, None);
    }

    #[test]
    fn target_port_zero_or_empty_means_port() {
        let mut s = svc(None);
        s.spec.ports[0].target_port = Some(IntOrString::Str(String::new()));
        default_service(&mut s);
        assert_eq!(s.spec.ports[0].target_port, Some(IntOrString::Int(80)));
        let mut s = svc(None);
        s.spec.ports[0].target_port = Some(IntOrString::Str("http".into()));
        default_service(&mut s);
        assert_eq!(
            s.spec.ports[0].target_port,
            Some(IntOrString::Str("http".into()))
        );
    }

    #[test]
    fn client_ip_affinity_gets_three_hours() {
        let mut s = svc(None);
        s.spec.session_affinity = Some("ClientIP".into());
        default_service(&mut s);
        let t = s.spec.session_affinity_config.unwrap().client_ip.unwrap();
        assert_eq!(t.timeout_seconds, Some(10800));
    }

    #[test]
    fn affinity_none_drops_config() {
        let mut s = svc(None);
        s.spec.session_affinity_config = Some(SessionAffinityConfig::default());
        default_service(&mut s);
        assert_eq!(s.spec.session_affinity_config, None);
    }

    #[test]
    fn externally_accessible_services_get_cluster_policy() {
        for t in ["NodePort", "LoadBalancer"] {
            let mut s = svc(Some(t));
            default_service(&mut s);
            assert_eq!(
                s.spec.external_traffic_policy.as_deref(),
                Some("Cluster"),
                "{t}"
            );
        }
        let mut s = svc(None);
        s.spec.external_ips = vec!["1.2.3.4".into()];
        default_service(&mut s);
        assert_eq!(s.spec.external_traffic_policy.as_deref(), Some("Cluster"));
        let mut s = svc(Some("LoadBalancer"));
        default_service(&mut s);
        assert_eq!(s.spec.allocate_load_balancer_node_ports, Some(true));
    }

    #[test]
    fn external_name_gets_no_internal_policy() {
        let mut s = svc(Some("ExternalName"));
        default_service(&mut s);
        assert_eq!(s.spec.internal_traffic_policy, None);
    }

    #[test]
    fn explicit_manifests_are_defaulted_too() {
        // Every always-defaulted field spelled out, as kubectl get prints
        // stored objects: the rest is still filled in.
        let mut s = svc(Some("LoadBalancer"));
        s.spec.session_affinity = Some("ClientIP".into());
        s.spec.ports[0].protocol = Some("TCP".into());
        s.spec.ports[0].target_port = Some(IntOrString::Int(80));
        prepare_service(&mut s, true);
        assert_eq!(s.spec.allocate_load_balancer_node_ports, Some(true));
        assert_eq!(s.spec.external_traffic_policy.as_deref(), Some("Cluster"));
        assert_eq!(s.spec.internal_traffic_policy.as_deref(), Some("Cluster"));
        let t = s.spec.session_affinity_config.unwrap().client_ip.unwrap();
        assert_eq!(t.timeout_seconds, Some(10800));
        // Set fields are never changed.
        let mut s = svc(Some("NodePort"));
        s.spec.external_traffic_policy = Some("Local".into());
        s.spec.internal_traffic_policy = Some("Local".into());
        prepare_service(&mut s, true);
        assert_eq!(s.spec.external_traffic_policy.as_deref(), Some("Local"));
        assert_eq!(s.spec.internal_traffic_policy.as_deref(), Some("Local"));
    }

    #[test]
    fn without_defaulting_only_cluster_ips_are_mirrored() {
        let mut s = svc(Some("NodePort"));
        s.spec.cluster_ip = Some("10.96.0.20".into());
        prepare_service(&mut s, false);
        assert_eq!(s.spec.external_traffic_policy, None);
        assert_eq!(s.spec.internal_traffic_policy, None);
        assert_eq!(s.spec.session_affinity, None);
        assert_eq!(s.spec.cluster_ips, vec!["10.96.0.20".to_string()]);
    }

    #[test]
    fn defaulting_twice_is_defaulting_once() {
        for t in [
            None,
            Some("NodePort"),
            Some("LoadBalancer"),
            Some("ExternalName"),
        ] {
            let mut once = svc(t);
            once.spec.session_affinity = Some("ClientIP".into());
            default_service(&mut once);
            let mut twice = once.clone();
            default_service(&mut twice);
            assert_eq!(once, twice, "{t:?}");
        }
    }

    #[test]
    fn endpoint_ports_default_to_tcp() {
        let mut ep = Endpoints::default();
        ep.subsets.push(crate::model::EndpointSubset {
            ports: vec![crate::model::EndpointPort {
                port: 80,
                ..Default::default()
            }],
            ..Default::default()
        });
        default_endpoints(&mut ep);
        assert_eq!(ep.subsets[0].ports[0].protocol.as_deref(), Some("TCP"));
        let mut es = EndpointSlice::default();
        es.ports.push(crate::model::EndpointSlicePort::default());
        default_endpoint_slice(&mut es);
        assert_eq!(es.ports[0].name.as_deref(), Some(""));
        assert_eq!(es.ports[0].protocol.as_deref(), Some("TCP"));
    }

    #[test]
    fn cluster_ip_is_mirrored() {
        let mut s = svc(None);
        s.spec.cluster_ip = Some("None".into());
        default_service(&mut s);
        assert_eq!(s.spec.cluster_ips, vec!["None".to_string()]);
        // Never the other way: `clusterIPs` alone is for validation to refuse.
        let mut s = svc(None);
        s.spec.cluster_ips = vec!["10.96.0.10".into()];
        default_service(&mut s);
        assert_eq!(s.spec.cluster_ip, None);
    }
}
