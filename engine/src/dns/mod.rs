//! Cluster DNS: the answers CoreDNS's `kubernetes` plugin gives (DNS
//! specification 1.1.0), and what a pod's stub resolver makes of them.
//!
//! This module owns:
//! - the record and message types ([`Record`], [`Response`], [`RType`],
//!   [`Rcode`]) and the plugin's options ([`DnsOptions`]);
//! - the zone index ([`ZoneIndex`]): built once from the engine's state
//!   (stored Services, their EndpointSlices, pods, namespaces), it answers
//!   one query with a hash lookup of the Service the name is under;
//! - the answers ([`ZoneIndex::answer`]): A/AAAA, SRV, CNAME (chased inside
//!   the zone), PTR, TXT `dns-version`, SOA/NS, pod records, NXDOMAIN versus
//!   NODATA, case preserved as CoreDNS preserves it;
//! - the stub resolver ([`ZoneIndex::resolve_from_pod`]): the pod's
//!   resolv.conf from its dnsPolicy and dnsConfig, then glibc's search-path
//!   walk, one query at a time;
//! - the zone as a master file ([`ZoneIndex::zone_file`]);
//! - the hints of a name that found nothing ([`ZoneIndex::hints`],
//!   [`ZoneIndex::lookup_hints`]): what it was probably meant to be.
//!
//! Everything is a pure function of its inputs. Names outside the zones
//! the plugin serves are answered `FORWARDED`: the cluster DNS hands them
//! to its upstream resolver, which is not modelled.

mod answer;
mod hints;
mod index;
mod name;
mod resolver;
mod zone;

pub use hints::{Meant, Why};
pub use index::ZoneIndex;
pub use name::endpoint_label;
pub use resolver::{PodLookup, ResolvConf};
pub use zone::zone_text;

use serde::{Serialize, Serializer};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The plugin's default TTL (`ttl` option).
pub const DEFAULT_TTL: u32 = 5;
/// The TTL of the `dns-version` TXT record, fixed by the plugin.
pub const DNS_VERSION_TTL: u32 = 28800;
/// The schema version the `dns-version` record carries.
pub const DNS_SCHEMA_VERSION: &str = "1.1.0";

/// Which `<a-b-c-d>.<ns>.pod.<zone>` names are answered (`pods` option).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PodRecords {
    /// The plugin's default: no pod records.
    #[default]
    Disabled,
    /// Any well-formed name in an existing namespace (kubeadm's Corefile).
    Insecure,
    /// Only when a pod with that IP exists in that namespace.
    Verified,
}

impl FromStr for PodRecords {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "disabled" => Ok(PodRecords::Disabled),
            "insecure" => Ok(PodRecords::Insecure),
            "verified" => Ok(PodRecords::Verified),
            _ => Err(format!(
                "invalid pod records mode {s:?}: use disabled, insecure or verified"
            )),
        }
    }
}

/// How the `kubernetes` plugin is configured.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsOptions {
    /// The cluster zone, lower case, without the trailing dot.
    pub zone: String,
    /// Reverse zones the plugin is authoritative for (kubeadm's Corefile
    /// lists `in-addr.arpa` and `ip6.arpa`).
    pub reverse_zones: Vec<String>,
    /// TTL of every answer but `dns-version`; the SOA minimum.
    pub ttl: u32,
    pub pod_records: PodRecords,
    /// `endpoint_pod_names`: endpoints without a hostname are named after
    /// their pod rather than their IP.
    pub endpoint_pod_names: bool,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            zone: "cluster.local".into(),
            reverse_zones: vec!["in-addr.arpa".into(), "ip6.arpa".into()],
            ttl: DEFAULT_TTL,
            pod_records: PodRecords::Disabled,
            endpoint_pod_names: false,
        }
    }
}

impl DnsOptions {
    /// The defaults, serving `zone`.
    pub fn for_zone(zone: &str) -> Self {
        DnsOptions {
            zone: zone.to_string(),
            ..DnsOptions::default()
        }
    }

    /// Sets the zones from `ZONE[,REVERSE-ZONE…]`, as the plugin's zone
    /// list: exactly one forward zone; reverse zones (under `in-addr.arpa`
    /// or `ip6.arpa`), when given, replace the default ones.
    pub fn set_zones(&mut self, list: &str) -> Result<(), String> {
        let mut forward = Vec::new();
        let mut reverse = Vec::new();
        for z in list.split(',') {
            let z = crate::config::Config::parse_cluster_domain(z.trim())?;
            if name::is_reverse(&z) {
                reverse.push(z);
            } else {
                forward.push(z);
            }
        }
        let [zone] = forward.as_slice() else {
            return Err(format!(
                "invalid zone list {list:?}: want one cluster zone, then optional reverse zones"
            ));
        };
        self.zone = zone.clone();
        if !reverse.is_empty() {
            self.reverse_zones = reverse;
        }
        Ok(())
    }
}

/// The record types svcscope answers for; any other query type is
/// `Other` (its number), answered as the plugin answers types it has no
/// records of: NODATA, or NXDOMAIN for a name that does not exist.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RType {
    A,
    NS,
    CNAME,
    SOA,
    PTR,
    TXT,
    AAAA,
    SRV,
    ANY,
    Other(u16),
}

/// Mnemonics of other query types, with their numbers, as dig names them.
const OTHER_TYPES: &[(&str, u16)] = &[
    ("NULL", 10),
    ("WKS", 11),
    ("HINFO", 13),
    ("MINFO", 14),
    ("MX", 15),
    ("RP", 17),
    ("AFSDB", 18),
    ("LOC", 29),
    ("NAPTR", 35),
    ("KX", 36),
    ("CERT", 37),
    ("DNAME", 39),
    ("DS", 43),
    ("SSHFP", 44),
    ("RRSIG", 46),
    ("NSEC", 47),
    ("DNSKEY", 48),
    ("TLSA", 52),
    ("CDS", 59),
    ("CDNSKEY", 60),
    ("OPENPGPKEY", 61),
    ("SVCB", 64),
    ("HTTPS", 65),
    ("SPF", 99),
    ("URI", 256),
    ("CAA", 257),
];

impl RType {
    pub const ALL: [RType; 9] = [
        RType::A,
        RType::AAAA,
        RType::SRV,
        RType::PTR,
        RType::CNAME,
        RType::TXT,
        RType::SOA,
        RType::NS,
        RType::ANY,
    ];

    /// The type's number (RFC 1035 and successors).
    pub fn code(self) -> u16 {
        match self {
            RType::A => 1,
            RType::NS => 2,
            RType::CNAME => 5,
            RType::SOA => 6,
            RType::PTR => 12,
            RType::TXT => 16,
            RType::AAAA => 28,
            RType::SRV => 33,
            RType::ANY => 255,
            RType::Other(n) => n,
        }
    }

    /// A type name, in any case (`srv` is SRV, as dig reads it), or
    /// `TYPEn` for any type by number (RFC 3597).
    pub fn parse(s: &str) -> Option<RType> {
        let by_code = |n: u16| {
            RType::ALL
                .into_iter()
                .find(|t| t.code() == n)
                .unwrap_or(RType::Other(n))
        };
        if let Some(t) = RType::ALL
            .into_iter()
            .find(|t| t.to_string().eq_ignore_ascii_case(s))
        {
            return Some(t);
        }
        if let Some((_, n)) = OTHER_TYPES.iter().find(|(m, _)| m.eq_ignore_ascii_case(s)) {
            return Some(RType::Other(*n));
        }
        let digits = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("TYPE"))
            .map(|_| &s[4..])?;
        digits.parse::<u16>().ok().map(by_code)
    }
}

impl fmt::Display for RType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            RType::A => "A",
            RType::NS => "NS",
            RType::CNAME => "CNAME",
            RType::SOA => "SOA",
            RType::PTR => "PTR",
            RType::TXT => "TXT",
            RType::AAAA => "AAAA",
            RType::SRV => "SRV",
            RType::ANY => "ANY",
            RType::Other(n) => match OTHER_TYPES.iter().find(|(_, c)| c == n) {
                Some((m, _)) => m,
                None => return write!(f, "TYPE{n}"),
            },
        };
        f.write_str(name)
    }
}

impl Serialize for RType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The outcome of a query.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rcode {
    #[serde(rename = "NOERROR")]
    NoError,
    /// The name cannot be sent: an empty or over-long label, or too long.
    #[serde(rename = "FORMERR")]
    FormErr,
    #[serde(rename = "NXDOMAIN")]
    NxDomain,
    /// Not a DNS rcode: the name is outside the cluster's zones and goes to
    /// an upstream resolver, whose answer svcscope cannot know.
    #[serde(rename = "FORWARDED")]
    Forwarded,
}

impl Rcode {
    pub fn as_str(self) -> &'static str {
        match self {
            Rcode::NoError => "NOERROR",
            Rcode::FormErr => "FORMERR",
            Rcode::NxDomain => "NXDOMAIN",
            Rcode::Forwarded => "FORWARDED",
        }
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SOA record data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Soa {
    pub mname: String,
    pub rname: String,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// Record data; names are fully qualified, with the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Ns(String),
    Ptr(String),
    Soa(Soa),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Txt(String),
}

impl RData {
    pub fn rtype(&self) -> RType {
        match self {
            RData::A(_) => RType::A,
            RData::Aaaa(_) => RType::AAAA,
            RData::Cname(_) => RType::CNAME,
            RData::Ns(_) => RType::NS,
            RData::Ptr(_) => RType::PTR,
            RData::Soa(_) => RType::SOA,
            RData::Srv { .. } => RType::SRV,
            RData::Txt(_) => RType::TXT,
        }
    }
}

impl fmt::Display for RData {
    /// Presentation format (RFC 1035 §5.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RData::A(ip) => write!(f, "{ip}"),
            RData::Aaaa(ip) => write!(f, "{ip}"),
            RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => f.write_str(n),
            RData::Soa(s) => write!(
                f,
                "{} {} {} {} {} {} {}",
                s.mname, s.rname, s.serial, s.refresh, s.retry, s.expire, s.minimum
            ),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(f, "{priority} {weight} {port} {target}"),
            RData::Txt(t) => write!(f, "\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")),
        }
    }
}

/// One resource record (class IN).
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(
        rename = "DnsRecord",
        type = "{ name: string; ttl: number; type: string; data: string }"
    )
)]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Record {
    /// The owner, fully qualified, in the case the answer carries.
    pub name: String,
    pub ttl: u32,
    pub data: RData,
}

impl Record {
    pub fn rtype(&self) -> RType {
        self.data.rtype()
    }
}

impl fmt::Display for Record {
    /// `<owner> <ttl> IN <TYPE> <rdata>`, single spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} IN {} {}",
            self.name,
            self.ttl,
            self.rtype(),
            self.data
        )
    }
}

impl Serialize for Record {
    /// `{"name", "ttl", "type", "data"}`, the data in presentation format.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Record", 4)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("ttl", &self.ttl)?;
        st.serialize_field("type", &self.rtype())?;
        st.serialize_field("data", &self.data.to_string())?;
        st.end()
    }
}

/// The question of a query: the name as asked (made fully qualified).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: RType,
}

/// What the cluster DNS answers to one query.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub question: Question,
    pub rcode: Rcode,
    pub answer: Vec<Record>,
    /// The zone's SOA on NXDOMAIN and NODATA.
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
    /// A name the cluster DNS asks its upstream resolver about: the query
    /// itself when `FORWARDED`, or the target of a CNAME that leaves the
    /// cluster zone (whose records the answer then lacks).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<String>,
}

impl Response {
    /// NOERROR with an answer (NODATA when it is empty and the authority
    /// carries the SOA).
    pub fn is_success(&self) -> bool {
        self.rcode == Rcode::NoError && !self.answer.is_empty()
    }
}
