//! nftables syntax, as `nft list table` prints it: rules as lists of
//! [`Expr`]s (matches, statements, the verdict) and sets and verdict maps
//! with structured elements. The nftables proxier's ruleset is built from
//! these values; `rules` prints them and `route` evaluates them.

use super::ipt::Net;
use super::ruleset::{Name, Role};
use std::fmt::{self, Write as _};
use std::net::IpAddr;

/// One expression of a rule, in print order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `ct state new`.
    CtStateNew,
    /// `ip daddr X` (`ip6` for IPv6).
    Daddr(Net),
    DaddrNot(Net),
    Saddr(Net),
    SaddrNot(Net),
    /// `ip daddr { a, b }`.
    DaddrIn(Vec<Net>),
    /// `ip saddr != { a, b }`.
    SaddrNotIn(Vec<Net>),
    /// `ip daddr @set`.
    DaddrInSet(Name),
    /// `ip saddr @set`.
    SaddrInSet(Name),
    /// `fib daddr type local`.
    FibDaddrLocal,
    /// `fib saddr type local`.
    FibSaddrLocal,
    /// `ip daddr . meta l4proto . th dport vmap @map`.
    VmapAddrProtoPort(Name),
    /// `meta l4proto . th dport vmap @map`.
    VmapProtoPort(Name),
    /// `numgen random mod N vmap { 0 : goto a, 1 : goto b }`.
    Numgen(Vec<Name>),
    /// `update @set { ip saddr }`: records the source (always matches).
    UpdateSaddr(Name),
    /// `meta l4proto tcp`.
    L4proto(&'static str),
    /// `dnat to ADDR`.
    DnatTo(Name),
    /// `meta mark set meta mark | M`.
    MarkSetOr(u32),
    /// `meta mark & M == 0x00000000`.
    MarkClear(u32),
    /// `meta mark set meta mark ^ M`.
    MarkSetXor(u32),
    /// `masquerade fully-random`.
    Masquerade,
    Jump(Name),
    Goto(Name),
    Drop,
    Reject,
    Return,
    /// `comment "…"` (printed last).
    Comment(Name),
}

impl Expr {
    fn render(&self, ip: &str, out: &mut String) {
        let _ = match self {
            Expr::CtStateNew => write!(out, "ct state new"),
            Expr::Daddr(n) => write!(out, "{ip} daddr {n}"),
            Expr::DaddrNot(n) => write!(out, "{ip} daddr != {n}"),
            Expr::Saddr(n) => write!(out, "{ip} saddr {n}"),
            Expr::SaddrNot(n) => write!(out, "{ip} saddr != {n}"),
            Expr::DaddrIn(ns) => write!(out, "{ip} daddr {{ {} }}", join(ns)),
            Expr::SaddrNotIn(ns) => write!(out, "{ip} saddr != {{ {} }}", join(ns)),
            Expr::DaddrInSet(s) => write!(out, "{ip} daddr @{s}"),
            Expr::SaddrInSet(s) => write!(out, "{ip} saddr @{s}"),
            Expr::FibDaddrLocal => write!(out, "fib daddr type local"),
            Expr::FibSaddrLocal => write!(out, "fib saddr type local"),
            Expr::VmapAddrProtoPort(m) => {
                write!(out, "{ip} daddr . meta l4proto . th dport vmap @{m}")
            }
            Expr::VmapProtoPort(m) => write!(out, "meta l4proto . th dport vmap @{m}"),
            Expr::Numgen(arms) => {
                let _ = write!(out, "numgen random mod {} vmap {{ ", arms.len());
                for (i, c) in arms.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    let _ = write!(out, "{sep}{i} : goto {c}");
                }
                write!(out, " }}")
            }
            Expr::UpdateSaddr(s) => write!(out, "update @{s} {{ {ip} saddr }}"),
            Expr::L4proto(p) => write!(out, "meta l4proto {p}"),
            Expr::DnatTo(a) => write!(out, "dnat to {a}"),
            Expr::MarkSetOr(m) => write!(out, "meta mark set meta mark | {m:#010x}"),
            Expr::MarkClear(m) => write!(out, "meta mark & {m:#010x} == 0x00000000"),
            Expr::MarkSetXor(m) => write!(out, "meta mark set meta mark ^ {m:#010x}"),
            Expr::Masquerade => write!(out, "masquerade fully-random"),
            Expr::Jump(c) => write!(out, "jump {c}"),
            Expr::Goto(c) => write!(out, "goto {c}"),
            Expr::Drop => write!(out, "drop"),
            Expr::Reject => write!(out, "reject"),
            Expr::Return => write!(out, "return"),
            Expr::Comment(c) => write!(out, "comment \"{c}\""),
        };
    }
}

fn join(ns: &[Net]) -> String {
    ns.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One rule of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub exprs: Vec<Expr>,
    pub role: Role,
}

impl Rule {
    pub fn new(role: Role, exprs: Vec<Expr>) -> Self {
        Rule { exprs, role }
    }

    /// The rule as `nft list` prints it inside its chain; `ip` is `ip` or
    /// `ip6`.
    pub fn render(&self, ip: &str, out: &mut String) {
        for (i, e) in self.exprs.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            e.render(ip, out);
        }
    }
}

/// The key of a set or map element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Addr(IpAddr),
    AddrProtoPort(IpAddr, &'static str, u16),
    ProtoPort(&'static str, u16),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Addr(ip) => write!(f, "{ip}"),
            Key::AddrProtoPort(ip, p, n) => write!(f, "{ip} . {p} . {n}"),
            Key::ProtoPort(p, n) => write!(f, "{p} . {n}"),
        }
    }
}

/// The verdict a map element gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Goto(Name),
    Drop,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Goto(c) => write!(f, "goto {c}"),
            Verdict::Drop => f.write_str("drop"),
        }
    }
}

/// One element: a key, for a map its verdict, and the Service it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub key: Key,
    pub comment: Option<Name>,
    pub value: Option<Verdict>,
}

impl Element {
    pub fn new(key: Key, value: Option<Verdict>) -> Self {
        Element {
            key,
            comment: None,
            value,
        }
    }

    /// `key [comment "…"] [: verdict]`, as `nft list` prints it.
    pub fn render(&self, out: &mut String) {
        let _ = write!(out, "{}", self.key);
        if let Some(c) = &self.comment {
            let _ = write!(out, " comment \"{c}\"");
        }
        if let Some(v) = &self.value {
            let _ = write!(out, " : {v}");
        }
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        s
    }
}

/// A set or verdict map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    /// `set` or `map`.
    pub kind: &'static str,
    pub name: Name,
    pub type_: Name,
    pub flags: Option<&'static str>,
    pub timeout: Option<u32>,
    pub comment: Option<&'static str>,
    pub elements: Vec<Element>,
}

impl Set {
    /// The element with this key.
    pub fn get(&self, key: &Key) -> Option<&Element> {
        self.elements.iter().find(|e| &e.key == key)
    }
}

/// An nft duration: `3h`, `10m30s`, as `nft list` prints timeouts.
pub fn duration(secs: u32) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (v, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v != 0 {
            let _ = write!(out, "{v}{unit}");
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_as_nft_list() {
        let r = Rule::new(
            Role::Plumbing,
            vec![
                Expr::Numgen(vec!["endpoint-a".into(), "endpoint-b".into()]),
                Expr::Comment("x".into()),
            ],
        );
        let mut s = String::new();
        r.render("ip", &mut s);
        assert_eq!(
            s,
            "numgen random mod 2 vmap { 0 : goto endpoint-a, 1 : goto endpoint-b } comment \"x\""
        );
        let mut e = Element::new(
            Key::AddrProtoPort("10.0.0.1".parse().unwrap(), "tcp", 80),
            Some(Verdict::Goto("reject-chain".into())),
        );
        e.comment = Some("ns/a".into());
        assert_eq!(
            e.text(),
            "10.0.0.1 . tcp . 80 comment \"ns/a\" : goto reject-chain"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(10800), "3h");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(0), "0s");
    }
}
