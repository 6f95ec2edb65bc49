//! One query, answered as the plugin's `ServeDNS` answers it.
//!
//! The name is first looked up (`Records` upstream): below the zone it must
//! read `[<endpoint>.|_<port>._<proto>.]<service>.<namespace>.svc` or
//! `<a-b-c-d>.<namespace>.pod`; anything else does not exist. A name that
//! does not exist is NXDOMAIN; one that exists without records of the type
//! asked is NODATA (NOERROR, empty answer). Both carry the zone's SOA.
//!
//! Owners keep the query's spelling; SRV targets are built from the API's
//! names under the zone as the query spells it, as upstream builds them.

use super::index::{PortRec, SvcEntry, SvcKind};
use super::name::{
    address_from_reverse, fqdn, is_subdomain, pod_label_address, strip_underscore, Name,
};
use super::{
    PodRecords, Question, RData, RType, Rcode, Record, Response, Soa, ZoneIndex,
    DNS_SCHEMA_VERSION, DNS_VERSION_TTL,
};
use std::net::IpAddr;

/// Upstream's `errNoItems` / `errInvalidRequest`: no such name.
struct NoSuchName;

type Lookup<T> = Result<T, NoSuchName>;

/// What a name leads to (upstream's `msg.Service`): an address, or a name
/// for a CNAME; with a port (-1: none) and the owner SRV records target.
struct Item<'a> {
    host: Host<'a>,
    port: i32,
    owner: Owner<'a>,
}

enum Host<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

enum Owner<'a> {
    Service(&'a SvcEntry),
    Endpoint(&'a SvcEntry, &'a str),
    /// Pod label and namespace.
    Pod(&'a str, &'a str),
    /// The name asked (the nameserver's own addresses).
    Query,
}

/// The zone a query falls in.
struct Zone<'a> {
    /// As configured: lower case, no trailing dot.
    name: &'a str,
    /// As the query spells it.
    spelled: &'a str,
    reverse: bool,
}

#[derive(Default)]
struct Outcome {
    answer: Vec<Record>,
    additional: Vec<Record>,
    forwarded: Option<String>,
}

impl ZoneIndex {
    /// The cluster DNS's response to one query. Never fails: a name that
    /// cannot be sent is FORMERR, one outside the served zones FORWARDED.
    pub fn answer(&self, qname: &str, qtype: RType) -> Response {
        let question = Question {
            name: fqdn(qname),
            qtype,
        };
        let respond = |rcode, out: Outcome, authority: Vec<Record>| Response {
            question: question.clone(),
            rcode,
            answer: out.answer,
            authority,
            additional: out.additional,
            forwarded: out.forwarded,
        };
        let Some(name) = Name::parse(qname) else {
            return respond(Rcode::FormErr, Outcome::default(), Vec::new());
        };
        let Some((zone, base)) = self.zone_of(&name) else {
            let out = Outcome {
                forwarded: Some(name.fqdn()),
                ..Outcome::default()
            };
            return respond(Rcode::Forwarded, out, Vec::new());
        };
        let owner = name.fqdn();
        let result = match qtype {
            RType::A | RType::AAAA => self
                .addresses(&zone, &owner, &name.lower, base, qtype == RType::AAAA, &[])
                .map(|(answer, forwarded)| Outcome {
                    answer,
                    forwarded,
                    ..Outcome::default()
                }),
            RType::SRV => self.srv(&zone, &owner, base),
            RType::TXT => Ok(self.txt(&owner, base)),
            RType::CNAME => self.cname(&zone, &owner, base),
            RType::PTR => self.ptr(&zone, &owner, &name.lower, base),
            RType::SOA if base.is_empty() => Ok(Outcome {
                answer: vec![self.soa(&zone)],
                ..Outcome::default()
            }),
            RType::SOA => Ok(Outcome::default()),
            RType::NS if base.is_empty() => Ok(self.ns(&zone, &owner)),
            // Upstream looks the name up as for A, only to tell NODATA
            // from NXDOMAIN.
            RType::NS | RType::ANY | RType::Other(_) => self
                .addresses(&zone, &owner, &name.lower, base, false, &[])
                .map(|_| Outcome::default()),
        };
        match result {
            Err(NoSuchName) => respond(Rcode::NxDomain, Outcome::default(), vec![self.soa(&zone)]),
            Ok(out) if out.answer.is_empty() => respond(Rcode::NoError, out, vec![self.soa(&zone)]),
            Ok(out) => respond(Rcode::NoError, out, Vec::new()),
        }
    }

    /// The most specific served zone the name is in, and the part below it.
    fn zone_of<'n>(&'n self, name: &'n Name) -> Option<(Zone<'n>, &'n str)> {
        let forward = std::iter::once((self.opts.zone.as_str(), false));
        let reverse = self.opts.reverse_zones.iter().map(|z| (z.as_str(), true));
        forward
            .chain(reverse)
            .filter_map(|(z, reverse)| {
                let (base, spelled) = name.split_zone(z)?;
                Some((
                    Zone {
                        name: z,
                        spelled,
                        reverse,
                    },
                    base,
                ))
            })
            .max_by_key(|(z, _)| z.name.len())
    }

    /// Whether a name below the cluster zone (`base`, lower case) exists:
    /// what a hint checks before suggesting it.
    pub(crate) fn name_exists(&self, base: &str) -> bool {
        let zone = Zone {
            name: &self.opts.zone,
            spelled: &self.opts.zone,
            reverse: false,
        };
        self.lookup(&zone, base).is_ok()
    }

    /// Upstream's `Records`: what a name below the zone leads to, or that
    /// it does not exist.
    fn lookup<'a>(&'a self, zone: &Zone, base: &'a str) -> Lookup<Vec<Item<'a>>> {
        if base.is_empty() || base == "svc" || base == "pod" {
            return Ok(Vec::new());
        }
        let mut labels = base.rsplit('.');
        let kind = labels.next().unwrap_or_default();
        if kind != "svc" && kind != "pod" {
            return Err(NoSuchName);
        }
        let namespace = labels.next().unwrap_or_default();
        let service = labels.next().unwrap_or_default();
        // One more label is an endpoint; two are port and protocol (with
        // their underscores, or without); more do not exist.
        let (endpoint, port, protocol) = match (labels.next(), labels.next(), labels.next()) {
            (None, _, _) => (None, "", ""),
            (Some(e), None, _) => (Some(e), "", ""),
            (Some(proto), Some(port), None) => {
                (None, strip_underscore(port), strip_underscore(proto))
            }
            _ => return Err(NoSuchName),
        };
        // Reverse zones have only PTR names; other names need a namespace
        // that exists.
        if zone.reverse || !self.namespaces.contains(namespace) {
            return Err(NoSuchName);
        }
        if kind == "pod" {
            return self.pod_items(namespace, service);
        }
        if service.is_empty() {
            return Ok(Vec::new());
        }
        let svc = self.service(service, namespace).ok_or(NoSuchName)?;
        let matches = |p: &PortRec| {
            (port.is_empty() || port.eq_ignore_ascii_case(&p.name))
                && (protocol.is_empty() || protocol.eq_ignore_ascii_case(&p.protocol))
        };
        let mut items = Vec::new();
        let mut found = false;
        match &svc.kind {
            SvcKind::ExternalName(target) => {
                // No endpoint or `_port._proto` names under an
                // ExternalName; an IP is no CNAME.
                if endpoint.is_some()
                    || !port.is_empty()
                    || !protocol.is_empty()
                    || target.parse::<IpAddr>().is_ok()
                {
                    return Err(NoSuchName);
                }
                return Ok(vec![Item {
                    host: Host::Name(target),
                    port: 0,
                    owner: Owner::Service(svc),
                }]);
            }
            SvcKind::ClusterIp(ips) if endpoint.is_none() => {
                for p in svc.ports.iter().filter(|p| matches(p)) {
                    found = true;
                    items.extend(ips.iter().map(|ip| Item {
                        host: Host::Ip(*ip),
                        port: p.port,
                        owner: Owner::Service(svc),
                    }));
                }
            }
            // Headless, or an endpoint's name (under any Service).
            _ => {
                for g in &svc.groups {
                    for a in &g.addrs {
                        if endpoint.is_some_and(|e| !e.eq_ignore_ascii_case(&a.label)) {
                            continue;
                        }
                        for p in g.ports.iter().filter(|p| matches(p)) {
                            found = true;
                            items.push(Item {
                                host: Host::Ip(a.ip),
                                port: p.port,
                                owner: Owner::Endpoint(svc, &a.label),
                            });
                        }
                    }
                }
            }
        }
        if found {
            Ok(items)
        } else {
            Err(NoSuchName)
        }
    }

    /// Upstream's `findPods`.
    fn pod_items<'a>(&self, namespace: &'a str, label: &'a str) -> Lookup<Vec<Item<'a>>> {
        if self.opts.pod_records == PodRecords::Disabled {
            return Err(NoSuchName);
        }
        if label.is_empty() {
            return Ok(Vec::new());
        }
        let (written, ip) = pod_label_address(label).ok_or(NoSuchName)?;
        if self.opts.pod_records == PodRecords::Verified && !self.pod_exists(&written, namespace) {
            return Err(NoSuchName);
        }
        Ok(vec![Item {
            host: Host::Ip(ip),
            port: 0,
            owner: Owner::Pod(label, namespace),
        }])
    }

    /// The nameserver's own names and addresses (upstream's `nsAddrs`):
    /// the cluster DNS Service's, or `ns.dns.<zone>` without an address
    /// when the input has no such Service. Names are built in the zone
    /// asked, a reverse one included, as upstream builds them.
    fn nameservers(&self, zone: &Zone) -> Vec<(String, Option<IpAddr>)> {
        let spelled = zone.spelled;
        let svc = self.dns_service.and_then(|i| self.services.get(i));
        let mut out = Vec::new();
        match svc.map(|s| (s, &s.kind)) {
            // Upstream reads the primary cluster IP only.
            Some((s, SvcKind::ClusterIp(ips))) if !ips.is_empty() => {
                out.push((
                    owner_name(&Owner::Service(s), spelled, ""),
                    ips.first().copied(),
                ));
            }
            Some((s, SvcKind::Headless)) => {
                for a in s.groups.iter().flat_map(|g| &g.addrs) {
                    out.push((
                        owner_name(&Owner::Endpoint(s, &a.label), spelled, ""),
                        Some(a.ip),
                    ));
                }
            }
            _ => {}
        }
        if out.is_empty() {
            out.push((format!("ns.dns.{spelled}."), None));
        }
        out
    }

    /// The forward zone as the answer spells it: the query's spelling, or
    /// the configured zone when the query is in a reverse zone.
    fn forward_spelling<'z>(&'z self, zone: &Zone<'z>) -> &'z str {
        if zone.reverse {
            &self.opts.zone
        } else {
            zone.spelled
        }
    }

    /// A and AAAA (upstream's `plugin.A`/`AAAA`): addresses in numeric
    /// order; an ExternalName gives its CNAME, chased when the target is in
    /// the zone (kept only if the chase finds records) and otherwise left
    /// to upstream (returned as the name forwarded).
    fn addresses(
        &self,
        zone: &Zone,
        owner: &str,
        lower: &str,
        base: &str,
        v6: bool,
        previous: &[Record],
    ) -> Lookup<(Vec<Record>, Option<String>)> {
        let items = if base == "ns.dns" && !zone.reverse {
            self.nameservers(zone)
                .into_iter()
                .filter_map(|(_, ip)| ip)
                .map(|ip| Item {
                    host: Host::Ip(ip),
                    port: 0,
                    owner: Owner::Query,
                })
                .collect()
        } else {
            self.lookup(zone, base)?
        };
        let ttl = self.opts.ttl;
        let mut records = Vec::new();
        let mut forwarded = None;
        let mut ips = Vec::new();
        for item in &items {
            match item.host {
                Host::Ip(ip) => {
                    if ip.is_ipv6() == v6 && !ips.contains(&ip) {
                        ips.push(ip);
                    }
                }
                Host::Name(target) => {
                    // A CNAME to the name itself (or below it) is a loop;
                    // chains stop after eight links or on a repeat.
                    if is_subdomain(target, lower) || previous.len() > 7 {
                        continue;
                    }
                    let cname = Record {
                        name: owner.to_string(),
                        ttl,
                        data: RData::Cname(fqdn(target)),
                    };
                    if previous.iter().any(|r| same_record(r, &cname)) {
                        continue;
                    }
                    if !is_subdomain(target, zone.name) {
                        forwarded.get_or_insert_with(|| fqdn(target));
                        records.push(cname);
                        continue;
                    }
                    let Some(next) = Name::parse(target) else {
                        continue;
                    };
                    let Some((next_base, _)) = next.split_zone(zone.name) else {
                        continue;
                    };
                    let mut chain = previous.to_vec();
                    chain.push(cname.clone());
                    let next_owner = next.fqdn();
                    if let Ok((more, fwd)) =
                        self.addresses(zone, &next_owner, &next.lower, next_base, v6, &chain)
                    {
                        if !more.is_empty() {
                            records.push(cname);
                            records.extend(more);
                            forwarded = forwarded.or(fwd);
                        }
                    }
                }
            }
        }
        crate::order::sort(&mut ips);
        records.extend(ips.into_iter().map(|ip| address(owner, ttl, ip)));
        Ok((records, forwarded))
    }

    /// SRV (upstream's `plugin.SRV`): one record per distinct (target,
    /// port), all priority 0, weight floor(100/N) over the N addresses
    /// found before duplicates collapse; targets' addresses in ADDITIONAL.
    /// Port-less endpoints (port -1) count toward N but give no record.
    fn srv(&self, zone: &Zone, owner: &str, base: &str) -> Lookup<Outcome> {
        if base == "ns.dns" && !zone.reverse {
            return Ok(Outcome::default());
        }
        let items = self.lookup(zone, base)?;
        let spelled = self.forward_spelling(zone);
        // ExternalName Services give no SRV records.
        let addressed: Vec<(IpAddr, &Item)> = items
            .iter()
            .filter_map(|i| match i.host {
                Host::Ip(ip) => Some((ip, i)),
                Host::Name(_) => None,
            })
            .collect();
        let total = addressed.len() as f64 * 100.0;
        // Computed in floating point, as upstream does.
        let weight = ((100.0 / total) * 100.0).floor().max(1.0) as u16;
        let ttl = self.opts.ttl;
        let mut out = Outcome::default();
        let mut seen_srv: Vec<(String, u16)> = Vec::new();
        let mut seen_addr: Vec<(String, IpAddr)> = Vec::new();
        for (ip, item) in addressed {
            if item.port == -1 {
                continue;
            }
            let target = owner_name(&item.owner, spelled, owner);
            let key = target.to_ascii_lowercase();
            // Go's uint16 conversion wraps; ports are validated anyway.
            let port = item.port as u16;
            if !seen_srv.contains(&(key.clone(), port)) {
                seen_srv.push((key.clone(), port));
                out.answer.push(Record {
                    name: owner.to_string(),
                    ttl,
                    data: RData::Srv {
                        priority: 0,
                        weight,
                        port,
                        target: target.clone(),
                    },
                });
            }
            if !seen_addr.contains(&(key.clone(), ip)) {
                seen_addr.push((key, ip));
                out.additional.push(address(&target, ttl, ip));
            }
        }
        crate::order::sort_by_key(&mut out.answer, |r| match &r.data {
            RData::Srv { target, port, .. } => (target.to_ascii_lowercase(), *port),
            _ => (String::new(), 0),
        });
        crate::order::sort_by(&mut out.additional, |a, b| {
            (a.name.to_ascii_lowercase(), &a.data).cmp(&(b.name.to_ascii_lowercase(), &b.data))
        });
        Ok(out)
    }

    /// TXT: only `dns-version` has one; upstream answers NODATA for every
    /// other name, existing or not.
    fn txt(&self, owner: &str, base: &str) -> Outcome {
        let mut out = Outcome::default();
        if base == "dns-version" {
            out.answer.push(Record {
                name: owner.to_string(),
                ttl: DNS_VERSION_TTL,
                data: RData::Txt(DNS_SCHEMA_VERSION.into()),
            });
        }
        out
    }

    /// CNAME: the first thing the name leads to, if it is a name; no chase.
    fn cname(&self, zone: &Zone, owner: &str, base: &str) -> Lookup<Outcome> {
        let mut out = Outcome::default();
        if base == "ns.dns" && !zone.reverse {
            return Ok(out);
        }
        if let Some(Item {
            host: Host::Name(target),
            ..
        }) = self.lookup(zone, base)?.first()
        {
            out.answer.push(Record {
                name: owner.to_string(),
                ttl: self.opts.ttl,
                data: RData::Cname(fqdn(target)),
            });
        }
        Ok(out)
    }

    /// PTR of a complete reverse name: the Service with that cluster IP,
    /// else every ready endpoint with that IP, named in the cluster zone.
    /// Any other name only exists or not.
    fn ptr(&self, zone: &Zone, owner: &str, lower: &str, base: &str) -> Lookup<Outcome> {
        let Some(ip) = address_from_reverse(lower) else {
            self.lookup(zone, base)?;
            return Ok(Outcome::default());
        };
        let targets = self.reverse(&ip);
        if targets.is_empty() {
            return Err(NoSuchName);
        }
        let answer = targets
            .into_iter()
            .map(|t| Record {
                name: owner.to_string(),
                ttl: self.opts.ttl,
                data: RData::Ptr(format!("{t}.svc.{}.", self.opts.zone)),
            })
            .collect();
        Ok(Outcome {
            answer,
            ..Outcome::default()
        })
    }

    /// NS at a zone's apex, with the nameservers' addresses.
    fn ns(&self, zone: &Zone, owner: &str) -> Outcome {
        let mut out = Outcome::default();
        for (target, ip) in self.nameservers(zone) {
            let ns = Record {
                name: owner.to_string(),
                ttl: self.opts.ttl,
                data: RData::Ns(target.clone()),
            };
            if !out.answer.contains(&ns) {
                out.answer.push(ns);
            }
            if let Some(ip) = ip {
                out.additional.push(address(&target, self.opts.ttl, ip));
            }
        }
        out
    }

    /// The zone's SOA, spelled as the query spells the zone. Its TTL is the
    /// plugin's, capped at 300; the minimum is the plugin's TTL.
    fn soa(&self, zone: &Zone) -> Record {
        let ttl = self.opts.ttl;
        Record {
            name: format!("{}.", zone.spelled),
            ttl: ttl.min(300),
            data: RData::Soa(Soa {
                mname: format!("ns.dns.{}.", zone.spelled),
                rname: format!("hostmaster.{}.", zone.spelled),
                serial: self.serial,
                refresh: 7200,
                retry: 1800,
                expire: 86400,
                minimum: ttl,
            }),
        }
    }
}

/// The name an owner stands for, fully qualified, in `zone` as spelled;
/// `asked` is the query's name.
fn owner_name(owner: &Owner, zone: &str, asked: &str) -> String {
    match owner {
        Owner::Service(s) => format!("{}.{}.svc.{zone}.", s.name, s.namespace),
        Owner::Endpoint(s, label) => format!("{label}.{}.{}.svc.{zone}.", s.name, s.namespace),
        Owner::Pod(label, ns) => format!("{label}.{ns}.pod.{zone}."),
        Owner::Query => asked.to_string(),
    }
}

fn address(owner: &str, ttl: u32, ip: IpAddr) -> Record {
    Record {
        name: owner.to_string(),
        ttl,
        data: match ip {
            IpAddr::V4(v4) => RData::A(v4),
            IpAddr::V6(v6) => RData::Aaaa(v6),
        },
    }
}

/// Equal but for the case of names.
fn same_record(a: &Record, b: &Record) -> bool {
    a.name.eq_ignore_ascii_case(&b.name)
        && match (&a.data, &b.data) {
            (RData::Cname(x), RData::Cname(y)) => x.eq_ignore_ascii_case(y),
            (x, y) => x == y,
        }
}
