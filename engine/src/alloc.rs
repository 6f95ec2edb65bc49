//! ClusterIP and NodePort allocation, as the apiserver's registry does it on
//! create: IP families are settled first, then user-chosen cluster IPs and
//! node ports are checked (in range, not taken) and reserved, then the rest
//! is allocated.
//!
//! Upstream picks free values at random, preferring the upper "dynamic" band
//! of each range so that the lower "static" band stays free for users. We
//! keep the bands but replace randomness with a hash of the Service's name
//! and linear probing, so the same input always gets the same values and a
//! Service keeps its IP when unrelated Services come and go.

use crate::config::{Config, PortRange};
use crate::field::FieldError;
use crate::hash::fnv1a_parts;
use crate::model::{service_type, Service};
use crate::net::{Cidr, Family};
use crate::objects::NsName;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// Who holds each cluster IP and node port.
#[derive(Debug, Clone)]
pub struct Allocator {
    cidrs: Vec<Cidr>,
    node_ports: PortRange,
    ips: HashMap<IpAddr, NsName>,
    ports: HashMap<i32, NsName>,
    /// Values some Service asked for by name; automatic allocation leaves
    /// them alone so that loading order never turns a request into a
    /// conflict.
    wanted_ips: HashSet<IpAddr>,
    wanted_ports: HashSet<i32>,
}

/// `ipallocator.calculateRangeOffset`: the size of the static band.
fn ip_static_band(size: u128) -> u128 {
    const MIN: u128 = 16;
    const MAX: u128 = 256;
    const STEP: u128 = 16;
    if size < MIN {
        return 0;
    }
    (size / STEP).clamp(MIN, MAX)
}

/// `portallocator.calculateRangeOffset`: the size of the static band.
fn port_static_band(size: u32) -> u32 {
    const MIN: u32 = 16;
    const MAX: u32 = 128;
    const STEP: u32 = 32;
    if size < MIN {
        return 0;
    }
    (size / STEP).clamp(MIN, MAX)
}

/// The static band of a NodePort range (the ports automatic allocation
/// takes last, kept for manual choice), inclusive; `None` when empty.
pub fn node_port_static_band(range: &PortRange) -> Option<(u32, u32)> {
    let band = port_static_band(range.size());
    let first = u32::from(range.first);
    (band > 0).then(|| (first, first + band - 1))
}

/// Largest number of IPs considered per range; upstream bitmaps are capped
/// the same way for huge IPv6 ranges.
const MAX_IP_RANGE: u128 = 1 << 24;

impl Allocator {
    pub fn new(config: &Config) -> Self {
        Allocator {
            cidrs: config.service_cidrs.clone(),
            node_ports: config.node_port_range,
            ips: HashMap::new(),
            ports: HashMap::new(),
            wanted_ips: HashSet::new(),
            wanted_ports: HashSet::new(),
        }
    }

    fn cidr_for(&self, family: Family) -> Option<&Cidr> {
        self.cidrs.iter().find(|c| c.family() == family)
    }

    fn primary_family(&self) -> Family {
        self.cidrs.first().map_or(Family::IPv4, Cidr::family)
    }

    /// Settles ipFamilies and ipFamilyPolicy as the registry does
    /// (`initIPFamilyFields`). ExternalName Services have neither.
    fn init_ip_families(&self, svc: &mut Service) -> Result<(), Vec<FieldError>> {
        let spec = &mut svc.spec;
        if spec.type_.as_deref() == Some(service_type::EXTERNAL_NAME) {
            spec.ip_families.clear();
            spec.ip_family_policy = None;
            return Ok(());
        }
        let dual = self.cidrs.len() == 2;
        let headless = spec.cluster_ip.as_deref() == Some("None");
        let selectorless = spec.selector.as_ref().is_none_or(|s| s.is_empty());
        // Headless Services without a selector may carry manual endpoints of
        // any family, so they default to every family the cluster has.
        if spec.ip_family_policy.is_none() {
            let policy = if headless && selectorless {
                "RequireDualStack"
            } else {
                "SingleStack"
            };
            spec.ip_family_policy = Some(policy.into());
        }
        let policy = spec.ip_family_policy.clone().unwrap_or_default();
        let policy_path = "spec.ipFamilyPolicy";
        // Values below are quoted: Go prints a named string type with %#v.
        let mut errs = Vec::new();
        if policy == "SingleStack" {
            for (n, what) in [
                (spec.cluster_ips.len(), "cluster IPs"),
                (spec.ip_families.len(), "IP families"),
            ] {
                if n == 2 {
                    errs.push(FieldError::invalid(
                        policy_path,
                        crate::field::go_quote(&policy),
                        format!("must be 'RequireDualStack' or 'PreferDualStack' when multiple {what} are specified"),
                    ));
                }
            }
        }
        // Families implied by cluster IPs the user chose (validation made
        // sure they agree with the families given).
        let mut families: Vec<Family> = spec
            .ip_families
            .iter()
            .filter_map(|f| Family::parse(f))
            .collect();
        for (i, ip) in spec.cluster_ips.iter().enumerate() {
            if ip == "None" {
                break;
            }
            let Some(f) = crate::net::family_of(ip) else {
                continue;
            };
            if i < families.len() {
                continue;
            }
            if self.cidr_for(f).is_some() {
                families.push(f);
            } else {
                errs.push(FieldError::invalid(
                    format!("spec.clusterIPs[{i}]"),
                    go_string_slice(&spec.cluster_ips),
                    format!("{f} is not configured on this cluster"),
                ));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        if families.is_empty() {
            families.push(self.primary_family());
        }
        // Headless without a selector: any family goes, even one the
        // cluster lacks.
        if !(headless && selectorless) {
            if policy == "RequireDualStack" && !dual {
                errs.push(FieldError::invalid(
                    policy_path,
                    crate::field::go_quote(&policy),
                    "this cluster is not configured for dual-stack services",
                ));
            }
            for (i, f) in families.iter().enumerate() {
                if self.cidr_for(*f).is_none() {
                    errs.push(FieldError::invalid(
                        format!("spec.ipFamilies[{i}]"),
                        crate::field::go_quote(f.as_str()),
                        "not configured on this cluster",
                    ));
                }
            }
            if !errs.is_empty() {
                return Err(errs);
            }
        }
        let wants_two = policy != "SingleStack" && (dual || (headless && selectorless));
        if families.len() == 1 && wants_two {
            let other = match families[0] {
                Family::IPv4 => Family::IPv6,
                Family::IPv6 => Family::IPv4,
            };
            families.push(other);
        }
        spec.ip_families = families.iter().map(|f| f.as_str().to_string()).collect();
        Ok(())
    }

    /// Allocates what the Service needs, or reserves nothing and returns
    /// the errors (the apiserver rejects the create as a whole).
    pub fn allocate(&mut self, key: &NsName, svc: &mut Service) -> Vec<FieldError> {
        // Only these fields change; a failed create leaves them as given.
        let before = Allocated::of(svc);
        if let Err(errs) = self.init_ip_families(svc) {
            before.restore(svc);
            return errs;
        }
        let mut ips: Vec<IpAddr> = Vec::new();
        let mut ports: Vec<i32> = Vec::new();
        let errs = self.allocate_ips(key, svc, &mut ips);
        let errs = if errs.is_empty() {
            self.allocate_node_ports(key, svc, &mut ports)
        } else {
            errs
        };
        if !errs.is_empty() {
            for ip in ips {
                self.ips.remove(&ip);
            }
            for p in ports {
                self.ports.remove(&p);
            }
            before.restore(svc);
        }
        errs
    }

    /// Notes the cluster IPs and node ports a Service asks for, so that
    /// automatic allocation for other Services avoids them.
    pub fn avoid(&mut self, svc: &Service) {
        self.wanted_ips.extend(
            svc.spec
                .cluster_ips
                .iter()
                .filter_map(|ip| crate::net::parse_ip(ip)),
        );
        self.wanted_ports.extend(
            svc.spec
                .ports
                .iter()
                .filter_map(|p| p.node_port)
                .filter(|p| *p != 0),
        );
        self.wanted_ports
            .extend(svc.spec.health_check_node_port.filter(|p| *p != 0));
    }

    /// Frees everything a Service holds.
    pub fn release(&mut self, key: &NsName) {
        self.ips.retain(|_, k| k != key);
        self.ports.retain(|_, k| k != key);
    }

    fn allocate_ips(
        &mut self,
        key: &NsName,
        svc: &mut Service,
        taken: &mut Vec<IpAddr>,
    ) -> Vec<FieldError> {
        let type_ = svc.type_().to_string();
        if type_ == service_type::EXTERNAL_NAME || svc.is_headless() {
            return Vec::new();
        }
        let families: Vec<Family> = svc
            .spec
            .ip_families
            .iter()
            .filter_map(|f| Family::parse(f))
            .collect();
        let mut result: Vec<String> = Vec::new();
        for (i, family) in families.iter().enumerate() {
            let Some(cidr) = self.cidr_for(*family).copied() else {
                continue;
            };
            let requested = svc
                .spec
                .cluster_ips
                .get(i)
                .filter(|s| !s.is_empty())
                .cloned();
            let ip = match requested {
                Some(req) => {
                    let Some(ip) = crate::net::parse_ip(&req) else {
                        // Validation reports malformed IPs.
                        return Vec::new();
                    };
                    if let Err(msg) = self.check_ip(&cidr, &ip, key) {
                        return vec![FieldError::invalid(
                            "spec.clusterIPs",
                            go_string_slice(&svc.spec.cluster_ips),
                            format!("failed to allocate IP {req}: {msg}"),
                        )];
                    }
                    ip
                }
                None => {
                    let preferred = (*key == crate::master::name() && i == 0)
                        .then(|| cidr.nth(1))
                        .flatten()
                        .filter(|ip| !self.ips.contains_key(ip));
                    match preferred.or_else(|| self.pick_ip(&cidr, key)) {
                        Some(ip) => ip,
                        None => {
                            return vec![FieldError::internal(
                                "spec.clusterIPs",
                                format!("failed to allocate a serviceIP: range is full ({cidr})"),
                            )]
                        }
                    }
                }
            };
            self.ips.insert(ip, key.clone());
            taken.push(ip);
            result.push(ip.to_string());
        }
        if !result.is_empty() {
            svc.spec.cluster_ip = result.first().cloned();
            svc.spec.cluster_ips = result;
        }
        Vec::new()
    }

    fn check_ip(&self, cidr: &Cidr, ip: &IpAddr, key: &NsName) -> Result<(), String> {
        let size = cidr.size();
        match cidr.offset_of(ip) {
            Some(off) if off > 0 && off < size - 1 => {}
            _ => {
                return Err(format!(
                    "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {cidr}"
                ))
            }
        }
        match self.ips.get(ip) {
            Some(holder) if holder != key => Err("provided IP is already allocated".into()),
            _ => Ok(()),
        }
    }

    fn pick_ip(&self, cidr: &Cidr, key: &NsName) -> Option<IpAddr> {
        // Usable offsets are 1..=size-2 (network and broadcast omitted).
        let usable = cidr.size().saturating_sub(2).min(MAX_IP_RANGE);
        if usable == 0 {
            return None;
        }
        let band = ip_static_band(usable);
        let dynamic = usable - band;
        let h = u128::from(fnv1a_parts(&[
            &key.namespace,
            &key.name,
            cidr.family().as_str(),
        ]));
        let free = |off: u128| {
            cidr.nth(off + 1)
                .filter(|ip| !self.ips.contains_key(ip) && !self.wanted_ips.contains(ip))
        };
        // Dynamic band first, probing from the hashed slot; then the static band.
        if dynamic > 0 {
            let start = h % dynamic;
            for i in 0..dynamic {
                if let Some(ip) = free(band + (start + i) % dynamic) {
                    return Some(ip);
                }
            }
        }
        (0..band).find_map(free)
    }

    /// `allocNodePorts` then `allocHealthCheckNodePort`: ports with the
    /// same number (one per protocol) share a nodePort; any other reuse,
    /// even within the Service, is a conflict. The first failure ends the
    /// allocation, as upstream returns at the first error.
    fn allocate_node_ports(
        &mut self,
        key: &NsName,
        svc: &mut Service,
        taken: &mut Vec<i32>,
    ) -> Vec<FieldError> {
        let type_ = svc.type_().to_string();
        let should_allocate = type_ == service_type::NODE_PORT
            || (type_ == service_type::LOAD_BALANCER
                && svc.spec.allocate_load_balancer_node_ports != Some(false));
        let mut by_port: HashMap<i32, i32> = HashMap::new();
        for i in 0..svc.spec.ports.len() {
            let port = svc.spec.ports[i].port;
            let requested = svc.spec.ports[i].node_port.unwrap_or(0);
            if requested == 0 && !should_allocate {
                // Nothing asked for, nothing to allocate.
                continue;
            }
            let field = format!("spec.ports[{i}].nodePort");
            match by_port.get(&port).copied() {
                None => {
                    // A nodePort asked for by any port with this number.
                    let wanted = svc
                        .spec
                        .ports
                        .iter()
                        .filter(|p| p.port == port)
                        .filter_map(|p| p.node_port)
                        .find(|n| *n != 0);
                    let np = match wanted {
                        Some(np) => {
                            if let Err(msg) = self.reserve_port(np, key, taken) {
                                return vec![FieldError::invalid(field, np, msg)];
                            }
                            np
                        }
                        None => {
                            let Some(np) = self.pick_port(key, &format!("port-{i}")) else {
                                return vec![FieldError::internal(
                                    field,
                                    "failed to allocate a nodePort: range is full",
                                )];
                            };
                            self.ports.insert(np, key.clone());
                            taken.push(np);
                            np
                        }
                    };
                    svc.spec.ports[i].node_port = Some(np);
                    by_port.insert(port, np);
                }
                Some(shared) if requested == 0 => svc.spec.ports[i].node_port = Some(shared),
                Some(shared) if requested != shared => {
                    if let Err(msg) = self.reserve_port(requested, key, taken) {
                        return vec![FieldError::invalid(field, requested, msg)];
                    }
                }
                Some(_) => {}
            }
        }
        let needs_hc = type_ == service_type::LOAD_BALANCER
            && svc.spec.external_traffic_policy.as_deref() == Some("Local");
        if needs_hc {
            match svc.spec.health_check_node_port.filter(|n| *n != 0) {
                Some(hc) => {
                    if let Err(msg) = self.reserve_port(hc, key, taken) {
                        return vec![FieldError::internal(
                            "spec.healthCheckNodePort",
                            format!(
                                "failed to allocate requested HealthCheck NodePort {hc}: {msg}"
                            ),
                        )];
                    }
                }
                None => {
                    let Some(np) = self.pick_port(key, "health-check") else {
                        return vec![FieldError::internal(
                            "spec.healthCheckNodePort",
                            "failed to allocate a HealthCheck NodePort: range is full",
                        )];
                    };
                    self.ports.insert(np, key.clone());
                    taken.push(np);
                    svc.spec.health_check_node_port = Some(np);
                }
            }
        }
        Vec::new()
    }

    fn reserve_port(
        &mut self,
        port: i32,
        key: &NsName,
        taken: &mut Vec<i32>,
    ) -> Result<(), String> {
        if !self.node_ports.contains(port) {
            return Err(format!(
                "provided port is not in the valid range. The range of valid ports is {}",
                self.node_ports
            ));
        }
        // Held by anyone, this Service included, is taken: the caller
        // shares ports with the same number itself.
        match self.ports.get(&port) {
            Some(_) => Err("provided port is already allocated".into()),
            None => {
                self.ports.insert(port, key.clone());
                taken.push(port);
                Ok(())
            }
        }
    }

    fn pick_port(&self, key: &NsName, salt: &str) -> Option<i32> {
        let size = self.node_ports.size();
        let band = port_static_band(size);
        let dynamic = size - band;
        let first = i32::from(self.node_ports.first);
        let h = fnv1a_parts(&[&key.namespace, &key.name, salt]);
        let free = |off: u32| {
            let p = first + off as i32;
            (!self.ports.contains_key(&p) && !self.wanted_ports.contains(&p)).then_some(p)
        };
        if dynamic > 0 {
            // The modulo keeps the value below `dynamic`, a u32.
            let start = (h % u64::from(dynamic)) as u32;
            for i in 0..dynamic {
                if let Some(p) = free(band + (start + i) % dynamic) {
                    return Some(p);
                }
            }
        }
        (0..band).find_map(free)
    }

    /// Who holds a cluster IP, if anyone.
    pub fn ip_holder(&self, ip: &IpAddr) -> Option<&NsName> {
        self.ips.get(ip)
    }

    /// Who holds a node port, if anyone.
    pub fn port_holder(&self, port: i32) -> Option<&NsName> {
        self.ports.get(&port)
    }
}

/// The fields allocation sets.
struct Allocated {
    cluster_ip: Option<String>,
    cluster_ips: Vec<String>,
    ip_families: Vec<String>,
    ip_family_policy: Option<String>,
    node_ports: Vec<Option<i32>>,
    health_check_node_port: Option<i32>,
}

impl Allocated {
    fn of(svc: &Service) -> Self {
        let s = &svc.spec;
        Allocated {
            cluster_ip: s.cluster_ip.clone(),
            cluster_ips: s.cluster_ips.clone(),
            ip_families: s.ip_families.clone(),
            ip_family_policy: s.ip_family_policy.clone(),
            node_ports: s.ports.iter().map(|p| p.node_port).collect(),
            health_check_node_port: s.health_check_node_port,
        }
    }

    fn restore(self, svc: &mut Service) {
        let s = &mut svc.spec;
        s.cluster_ip = self.cluster_ip;
        s.cluster_ips = self.cluster_ips;
        s.ip_families = self.ip_families;
        s.ip_family_policy = self.ip_family_policy;
        for (p, np) in s.ports.iter_mut().zip(self.node_ports) {
            p.node_port = np;
        }
        s.health_check_node_port = self.health_check_node_port;
    }
}

/// Renders a string slice the way `field.Invalid` prints a Go `[]string`.
fn go_string_slice(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| crate::field::go_quote(s)).collect();
    format!("[]string{{{}}}", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defaults::default_service;
    use crate::model::ServicePort;

    fn svc(type_: &str, ports: &[(i32, Option<i32>)]) -> Service {
        let mut s = Service::default();
        s.spec.type_ = Some(type_.into());
        s.spec.selector = Some([("app".to_string(), "x".to_string())].into());
        s.spec.ports = ports
            .iter()
            .enumerate()
            .map(|(i, (p, np))| ServicePort {
                name: format!("p{i}"),
                port: *p,
                node_port: *np,
                ..Default::default()
            })
            .collect();
        default_service(&mut s);
        s
    }

    #[test]
    fn static_bands_match_upstream() {
        assert_eq!(port_static_band(2768), 86);
        assert_eq!(ip_static_band((1 << 20) - 2), 256);
        assert_eq!(ip_static_band(254), 16);
        assert_eq!(ip_static_band(10), 0);
    }

    #[test]
    fn kubernetes_gets_first_ip() {
        let mut a = Allocator::new(&Config::default());
        let mut k = svc("ClusterIP", &[(443, None)]);
        assert!(a.allocate(&crate::master::name(), &mut k).is_empty());
        assert_eq!(k.spec.cluster_ip.as_deref(), Some("10.96.0.1"));
        assert_eq!(k.spec.ip_families, ["IPv4"]);
        assert_eq!(k.spec.ip_family_policy.as_deref(), Some("SingleStack"));
    }

    #[test]
    fn dynamic_allocation_avoids_static_band_and_is_stable() {
        let cfg = Config::default();
        let key = NsName::new("ns", "web");
        let mut a = Allocator::new(&cfg);
        let mut s1 = svc("NodePort", &[(80, None)]);
        assert!(a.allocate(&key, &mut s1).is_empty());
        let ip: IpAddr = s1.spec.cluster_ip.as_deref().unwrap().parse().unwrap();
        let off = cfg.service_cidrs[0].offset_of(&ip).unwrap();
        assert!(off > 256, "{ip} is in the static band");
        let np = s1.spec.ports[0].node_port.unwrap();
        assert!((30086..=32767).contains(&np), "{np}");
        let mut b = Allocator::new(&cfg);
        let mut s2 = svc("NodePort", &[(80, None)]);
        b.allocate(&key, &mut s2);
        assert_eq!(s1, s2);
    }

    #[test]
    fn user_chosen_values_are_checked() {
        let mut a = Allocator::new(&Config::default());
        let mut s1 = svc("NodePort", &[(80, Some(30080))]);
        assert!(a.allocate(&NsName::new("a", "one"), &mut s1).is_empty());
        let mut s2 = svc("NodePort", &[(80, Some(30080))]);
        let errs = a.allocate(&NsName::new("a", "two"), &mut s2);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "spec.ports[0].nodePort");
        assert!(errs[0].detail.contains("already allocated"));
        // Nothing was kept for the rejected Service.
        assert_eq!(s2.spec.cluster_ip, None);
        let mut s3 = svc("NodePort", &[(80, Some(29999))]);
        let errs = a.allocate(&NsName::new("a", "three"), &mut s3);
        assert!(errs[0].detail.contains("30000-32767"), "{errs:?}");
        let mut s4 = svc("ClusterIP", &[(80, None)]);
        s4.spec.cluster_ips = vec!["1.1.1.1".into()];
        let errs = a.allocate(&NsName::new("a", "four"), &mut s4);
        assert_eq!(errs[0].field, "spec.clusterIPs");
        assert!(errs[0]
            .detail
            .contains("not in the valid range. The range of valid IPs is 10.96.0.0/12"));
    }

    #[test]
    fn rejected_service_releases_its_reservations() {
        let mut a = Allocator::new(&Config::default());
        let mut s = svc("NodePort", &[(80, Some(30100)), (81, Some(40000))]);
        assert_eq!(a.allocate(&NsName::new("a", "x"), &mut s).len(), 1);
        assert!(a.port_holder(30100).is_none());
    }

    #[test]
    fn same_port_number_shares_a_node_port() {
        let mut a = Allocator::new(&Config::default());
        let mut s = svc("NodePort", &[(53, None), (53, None)]);
        s.spec.ports[1].protocol = Some("UDP".into());
        assert!(a.allocate(&NsName::new("a", "dns"), &mut s).is_empty());
        assert_eq!(s.spec.ports[0].node_port, s.spec.ports[1].node_port);
    }

    #[test]
    fn load_balancer_local_gets_health_check_port() {
        let mut a = Allocator::new(&Config::default());
        let mut s = svc("LoadBalancer", &[(80, None)]);
        s.spec.external_traffic_policy = Some("Local".into());
        assert!(a.allocate(&NsName::new("a", "lb"), &mut s).is_empty());
        let hc = s.spec.health_check_node_port.unwrap();
        assert_ne!(Some(hc), s.spec.ports[0].node_port);
        let mut s = svc("LoadBalancer", &[(80, None)]);
        s.spec.allocate_load_balancer_node_ports = Some(false);
        assert!(a.allocate(&NsName::new("a", "lb2"), &mut s).is_empty());
        assert_eq!(s.spec.ports[0].node_port, None);
    }

    #[test]
    fn headless_and_external_name_get_no_ip() {
        let mut a = Allocator::new(&Config::default());
        let mut h = svc("ClusterIP", &[(80, None)]);
        h.spec.cluster_ip = Some("None".into());
        h.spec.cluster_ips = vec!["None".into()];
        assert!(a.allocate(&NsName::new("a", "h"), &mut h).is_empty());
        assert_eq!(h.spec.cluster_ip.as_deref(), Some("None"));
        let mut e = svc("ExternalName", &[]);
        assert!(a.allocate(&NsName::new("a", "e"), &mut e).is_empty());
        assert!(e.spec.cluster_ips.is_empty() && e.spec.ip_families.is_empty());
    }

    #[test]
    fn dual_stack() {
        let cfg = Config {
            service_cidrs: Config::parse_service_cidrs("10.96.0.0/16,fd00:10:96::/112").unwrap(),
            ..Config::default()
        };
        let mut a = Allocator::new(&cfg);
        let mut s = svc("ClusterIP", &[(80, None)]);
        s.spec.ip_family_policy = Some("PreferDualStack".into());
        assert!(a.allocate(&NsName::new("a", "d"), &mut s).is_empty());
        assert_eq!(s.spec.ip_families, ["IPv4", "IPv6"]);
        assert_eq!(s.spec.cluster_ips.len(), 2);
        assert!(s.spec.cluster_ips[1].starts_with("fd00:10:96::"));
        // RequireDualStack on a single-stack cluster is rejected.
        let mut a = Allocator::new(&Config::default());
        let mut s = svc("ClusterIP", &[(80, None)]);
        s.spec.ip_family_policy = Some("RequireDualStack".into());
        assert_eq!(
            a.allocate(&NsName::new("a", "d"), &mut s)[0].field,
            "spec.ipFamilyPolicy"
        );
    }

    #[test]
    fn small_ranges_fill_up_cleanly() {
        let cfg = Config {
            service_cidrs: Config::parse_service_cidrs("10.0.0.0/29").unwrap(),
            ..Config::default()
        };
        let mut a = Allocator::new(&cfg);
        let mut ok = 0;
        for i in 0..10 {
            let mut s = svc("ClusterIP", &[(80, None)]);
            if a.allocate(&NsName::new("a", &format!("s{i}")), &mut s)
                .is_empty()
            {
                ok += 1;
            }
        }
        assert_eq!(ok, 6);
    }
}
