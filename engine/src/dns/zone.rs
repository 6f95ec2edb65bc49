//! The cluster zone as an RFC 1035 master file. It holds exactly what the
//! answers give: every name the zone has is asked for each record type and
//! the records owned by that name are kept, so the file cannot disagree
//! with [`ZoneIndex::answer`]. Reverse zones are not listed.

use super::index::SvcKind;
use super::{PodRecords, RType, Record, ZoneIndex};
use std::fmt::Write;

/// What each kind of name owns (the zone lists no quirks such as the
/// addresses upstream also gives for `_port._proto` names).
const APEX: &[RType] = &[RType::NS];
const VERSION: &[RType] = &[RType::TXT];
const ADDRESSES: &[RType] = &[RType::A, RType::AAAA];
const SERVICE: &[RType] = &[RType::A, RType::AAAA, RType::CNAME, RType::SRV];
const PORT: &[RType] = &[RType::SRV];

impl ZoneIndex {
    /// The SOA, then the records in DNSSEC canonical order (names
    /// compared label by label from the right, lower case), then by type
    /// and data. Pod records are listed for the pods the input has, when
    /// the pod mode answers for them.
    pub fn zone_records(&self) -> Vec<Record> {
        let zone = &self.opts.zone;
        let mut names: Vec<(String, &[RType])> = vec![
            (zone.clone(), APEX),
            (format!("dns-version.{zone}"), VERSION),
            (format!("ns.dns.{zone}"), ADDRESSES),
        ];
        for s in &self.services {
            let base = format!("{}.{}.svc.{zone}", s.name, s.namespace);
            let ports = match s.kind {
                SvcKind::ClusterIp(_) => &s.ports[..],
                _ => &[],
            };
            // Unnamed ports have no `_port._proto` name (spec 2.3.2).
            for p in ports.iter().chain(s.groups.iter().flat_map(|g| &g.ports)) {
                if !p.name.is_empty() {
                    let name = format!(
                        "_{}._{}.{base}",
                        p.name.to_ascii_lowercase(),
                        p.protocol.to_ascii_lowercase()
                    );
                    names.push((name, PORT));
                }
            }
            for a in s.groups.iter().flat_map(|g| &g.addrs) {
                names.push((format!("{}.{base}", a.label), ADDRESSES));
            }
            names.push((base, SERVICE));
        }
        if self.opts.pod_records != PodRecords::Disabled {
            for (ns, ips) in &self.pods {
                for ip in ips {
                    let label = ip.replace(['.', ':'], "-");
                    names.push((format!("{label}.{ns}.pod.{zone}"), ADDRESSES));
                }
            }
        }
        crate::order::sort(&mut names);
        names.dedup();

        let mut records: Vec<Record> = Vec::new();
        for (name, types) in &names {
            let owner = format!("{name}.");
            for &t in *types {
                let r = self.answer(&owner, t);
                records.extend(
                    r.answer
                        .into_iter()
                        .filter(|rec| rec.rtype() == t && rec.name == owner),
                );
            }
        }
        crate::order::sort_by_cached_key(&mut records, |r| {
            (canonical_key(&r.name), r.rtype(), r.data.clone())
        });
        records.dedup();

        let mut out = self.answer(zone, RType::SOA).answer;
        out.extend(records);
        out
    }

    /// The zone as an RFC 1035 master file ([`zone_text`]).
    pub fn zone_file(&self) -> String {
        zone_text(&self.opts.zone, self.opts.ttl, &self.zone_records())
    }
}

/// `$ORIGIN`, `$TTL`, then one record per line.
pub fn zone_text(zone: &str, ttl: u32, records: &[Record]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "$ORIGIN {zone}.");
    let _ = writeln!(out, "$TTL {ttl}");
    for r in records {
        let _ = writeln!(out, "{r}");
    }
    out
}

/// Labels from the right, lower case: DNSSEC canonical name order.
fn canonical_key(name: &str) -> Vec<String> {
    name.trim_end_matches('.')
        .rsplit('.')
        .map(|l| l.to_ascii_lowercase())
        .collect()
}
