//! Cluster-wide settings that change what the apiserver, kube-proxy and
//! CoreDNS compute: the service CIDRs, the NodePort range, the DNS zone.

use crate::net::Cidr;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A port range as `--service-node-port-range` takes it: `30000-32767`
/// (inclusive) or `30000+2767`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub fn contains(&self, port: i32) -> bool {
        port >= i32::from(self.first) && port <= i32::from(self.last)
    }
    pub fn size(&self) -> u32 {
        u32::from(self.last) - u32::from(self.first) + 1
    }
}

impl FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid port range {s:?}: want FIRST-LAST or BASE+SIZE");
        let parse = |v: &str| v.trim().parse::<u16>().map_err(|_| bad());
        let (first, last) = if let Some((a, b)) = s.split_once('-') {
            (parse(a)?, parse(b)?)
        } else if let Some((a, b)) = s.split_once('+') {
            let a = parse(a)?;
            (a, a.checked_add(parse(b)?).ok_or_else(bad)?)
        } else {
            let p = parse(s)?;
            (p, p)
        };
        if first == 0 || last < first {
            return Err(bad());
        }
        Ok(PortRange { first, last })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The settings, with kubeadm's defaults. Read from a document as the
/// JavaScript API takes it: `{ serviceCidr: "10.0.0.0/16" }` (one CIDR, a
/// dual-stack pair as `"a,b"` or `["a", "b"]`; `serviceCidrs` as `resolve`
/// prints it also reads), `nodePortRange: "30000-32767"`,
/// `clusterDomain`, `defaulting`, `maxInputBytes`, `controllers`, `seed`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", try_from = "ConfigSpec")]
pub struct Config {
    /// `--service-cluster-ip-range`: the primary CIDR, then optionally a
    /// second one of the other family (dual-stack).
    #[cfg_attr(feature = "ts", ts(as = "Vec<String>"))]
    #[serde(serialize_with = "ser_display_vec")]
    pub service_cidrs: Vec<Cidr>,
    /// `--service-node-port-range`.
    pub node_port_range: PortRange,
    /// The cluster DNS zone (kubelet's `--cluster-domain`).
    pub cluster_domain: String,
    /// API defaulting before validation, as the apiserver does on every
    /// decode. Off (`check --no-defaults`), validation sees Services as
    /// given: what upstream's validation unit tests exercise.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "is_true")]
    pub defaulting: bool,
    /// The largest input text one load reads (64 MiB by default: a
    /// browser tab's worth; the CLI raises it for whole-cluster dumps).
    #[serde(skip)]
    pub max_input_bytes: usize,
    /// Run the controllers: pods from workloads, scheduled onto nodes,
    /// replaced when they die ([`crate::Cluster::pods`]). Off, a cluster
    /// dump is shown as it is.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub controllers: bool,
    /// The seed of the controllers' random choices (name suffixes,
    /// scheduling ties): the same input and seed give the same cluster.
    #[cfg_attr(feature = "ts", ts(type = "number", optional))]
    #[serde(skip_serializing_if = "is_zero")]
    pub seed: u64,
}

/// [`Config`] as a document gives it, every field optional.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ClusterOptions", optional_fields))]
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ConfigSpec {
    #[cfg_attr(feature = "ts", ts(inline))]
    #[serde(default, alias = "serviceCidrs")]
    service_cidr: Option<OneOrMany>,
    #[serde(default)]
    node_port_range: Option<String>,
    #[serde(default)]
    cluster_domain: Option<String>,
    #[serde(default)]
    defaulting: Option<bool>,
    #[serde(default)]
    max_input_bytes: Option<usize>,
    #[serde(default)]
    controllers: Option<bool>,
    // A type given by hand is not made optional by `optional_fields`.
    #[cfg_attr(feature = "ts", ts(type = "number", optional))]
    #[serde(default)]
    seed: Option<u64>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl TryFrom<ConfigSpec> for Config {
    type Error = crate::error::Error;
    fn try_from(spec: ConfigSpec) -> Result<Config, Self::Error> {
        use crate::error::Error;
        let mut c = Config::default();
        if let Some(v) = spec.service_cidr {
            let text = match v {
                OneOrMany::One(s) => s,
                OneOrMany::Many(v) => v.join(","),
            };
            c.service_cidrs = Config::parse_service_cidrs(&text)
                .map_err(|e| Error::bad_argument("serviceCidr", format!("{text:?}: {e}")))?;
        }
        if let Some(v) = spec.node_port_range {
            c.node_port_range = v
                .parse()
                .map_err(|e| Error::bad_argument("nodePortRange", format!("{v:?}: {e}")))?;
        }
        if let Some(v) = spec.cluster_domain {
            c.cluster_domain = Config::parse_cluster_domain(&v)
                .map_err(|e| Error::bad_argument("clusterDomain", format!("{v:?}: {e}")))?;
        }
        if let Some(d) = spec.defaulting {
            c.defaulting = d;
        }
        if let Some(n) = spec.max_input_bytes {
            c.max_input_bytes = n;
        }
        if let Some(on) = spec.controllers {
            c.controllers = on;
        }
        if let Some(seed) = spec.seed {
            c.seed = seed;
        }
        Ok(c)
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn ser_display_vec<S: serde::Serializer, T: fmt::Display>(
    v: &[T],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| x.to_string()))
}

impl Default for Config {
    fn default() -> Self {
        Config {
            service_cidrs: vec![Cidr::DEFAULT_SERVICE],
            node_port_range: PortRange {
                first: 30000,
                last: 32767,
            },
            cluster_domain: "cluster.local".into(),
            defaulting: true,
            max_input_bytes: crate::load::Limits::default().max_bytes,
            controllers: false,
            seed: 0,
        }
    }
}

impl Config {
    /// Parses `--service-cidr` values: one CIDR or a dual-stack pair
    /// separated by a comma, of different families.
    pub fn parse_service_cidrs(s: &str) -> Result<Vec<Cidr>, String> {
        let cidrs = s
            .split(',')
            .map(|c| c.trim().parse::<Cidr>())
            .collect::<Result<Vec<_>, _>>()?;
        match cidrs.as_slice() {
            [_] => Ok(cidrs),
            [a, b] if a.family() != b.family() => Ok(cidrs),
            [_, _] => {
                Err("a dual-stack service CIDR pair needs one IPv4 and one IPv6 range".into())
            }
            _ => Err("at most two service CIDRs (one per family) are allowed".into()),
        }
    }

    /// Validates a cluster domain: a DNS-1123 subdomain, without a trailing dot.
    pub fn parse_cluster_domain(s: &str) -> Result<String, String> {
        let d = s.trim_end_matches('.').to_ascii_lowercase();
        let ok = !d.is_empty()
            && d.len() <= 253
            && d.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if ok {
            Ok(d)
        } else {
            Err(format!(
                "invalid cluster domain {s:?}: want a DNS name such as cluster.local"
            ))
        }
    }

    /// The loader's limits for this cluster's inputs.
    pub fn limits(&self) -> crate::load::Limits {
        crate::load::Limits {
            max_bytes: self.max_input_bytes,
            ..crate::load::Limits::default()
        }
    }

    pub fn is_dual_stack(&self) -> bool {
        self.service_cidrs.len() == 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!("30000-32767".parse::<PortRange>().unwrap().size(), 2768);
        assert_eq!("30000+2767".parse::<PortRange>().unwrap().last, 32767);
        assert!("32767-30000".parse::<PortRange>().is_err());
        assert!("0-10".parse::<PortRange>().is_err());
        assert!("abc".parse::<PortRange>().is_err());
        assert!("65000+1000".parse::<PortRange>().is_err());
    }

    #[test]
    fn service_cidrs() {
        assert_eq!(
            Config::parse_service_cidrs("10.0.0.0/16,fd00::/108")
                .unwrap()
                .len(),
            2
        );
        assert!(Config::parse_service_cidrs("10.0.0.0/16,10.1.0.0/16").is_err());
        assert!(Config::parse_service_cidrs("10.0.0.1/16").is_err());
    }

    #[test]
    fn reads_from_the_js_spelling_and_round_trips() {
        let c: Config = serde_json::from_str(r#"{"serviceCidr": "10.0.0.0/16"}"#).unwrap();
        assert_eq!(c.service_cidrs[0].to_string(), "10.0.0.0/16");
        let c: Config =
            serde_json::from_str(r#"{"serviceCidr": ["10.0.0.0/16", "fd00::/108"], "nodePortRange": "30000-30100", "clusterDomain": "example.org"}"#)
                .unwrap();
        assert!(c.is_dual_stack());
        assert_eq!(c.node_port_range.last, 30100);
        let c: Config = serde_json::from_str(r#"{"controllers": true, "seed": 7}"#).unwrap();
        assert!(c.controllers);
        assert_eq!(c.seed, 7);
        let back: Config = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        let e = serde_json::from_str::<Config>(r#"{"serviceCidr": "10.0.0.1/16"}"#).unwrap_err();
        assert!(
            e.to_string().starts_with("serviceCidr \"10.0.0.1/16\""),
            "{e}"
        );
        assert!(serde_json::from_str::<Config>(r#"{"serviceCIDR": "x"}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Config>("{}").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn cluster_domains() {
        assert_eq!(
            Config::parse_cluster_domain("Cluster.Local.").unwrap(),
            "cluster.local"
        );
        assert!(Config::parse_cluster_domain("bad_domain").is_err());
        assert!(Config::parse_cluster_domain("").is_err());
    }
}
