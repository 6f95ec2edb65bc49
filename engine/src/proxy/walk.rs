//! The interpreter: one packet's way through a node's ruleset (its
//! [`Layers`]), hook by
//! hook as the kernel runs them, rule by rule as each chain lists them.
//! It knows what every [`ipt::Part`] and [`nft::Expr`] matches and does
//! (jumps, gotos and returns, marks, DNAT, REDIRECT, masquerade), looks
//! elements up in nftables verdict maps and ipsets, and schedules IPVS
//! virtual servers. Each matched rule is a [`Step`]; the walk ends with
//! where the packet goes ([`End`]).
//!
//! The hooks, per mode:
//! - iptables: nat `KUBE-SERVICES` (from PREROUTING, or OUTPUT for the
//!   node's own packets), then the filter chains kube-proxy hooks
//!   (`KUBE-PROXY-FIREWALL`, `KUBE-NODEPORTS`, `KUBE-SERVICES`,
//!   `KUBE-EXTERNAL-SERVICES`, seeing the destination after DNAT), then
//!   nat `KUBE-POSTROUTING` — upstream's packet-flow tests trace the same;
//! - nftables: the base chains by hook and priority (pre-DNAT filter, NAT,
//!   filter input/forward/output, postrouting);
//! - IPVS: nat `KUBE-SERVICES`, the filter INPUT chains, the virtual
//!   server (in LOCAL_IN, after filter; for the node's own packets in
//!   LOCAL_OUT, before filter OUTPUT), then `KUBE-POSTROUTING`;
//! - userspace: the portal chains of PREROUTING (OUTPUT for the node),
//!   the node-port chains for local destinations, the filter INPUT accept;
//!   the packet ends at kube-proxy's own socket.

use super::ipt::{self, Part, KUBE_POSTROUTING};
use super::ipvs::{IpSet, IpsetEntry, RealServer, VirtualServer};
use super::nft::{self, Expr, Key, Verdict};
use super::route::Mode;
use super::ruleset::{LayeredChain, Layers, Name, Quote, Role, Rule, RuleId};
use super::{join_host_port, ProxyConfig};
use crate::hash::fnv1a;
use crate::hash::FastMap;
use std::net::IpAddr;

/// What a rule sees of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    pub proto: &'static str,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub dport: u16,
    pub mark: u32,
}

/// Where a packet comes from, as the node sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// A pod on this node (bridged in).
    LocalPod,
    /// The node's own network stack.
    Node,
    /// Another node or outside the cluster (arrives on an interface).
    Network,
}

/// One matched rule (or element, or virtual server) and what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub quote: Quote,
    pub role: Role,
    /// The map element or ipset entry that made the rule match.
    pub element: Option<Quote>,
    /// The chain the rule (or element) jumps or goes to.
    pub target: Option<Name>,
    pub before: Packet,
    pub after: Packet,
}

/// Where the walk ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Rewritten to a backend (DNAT or IPVS); the node forwards it there.
    Backend {
        ip: IpAddr,
        port: u16,
    },
    /// REJECT (or IPVS without real servers: ICMP port unreachable).
    Rejected,
    Dropped,
    /// No rule changed the destination.
    Untouched,
    /// userspace: redirected to kube-proxy's own port.
    Proxy {
        port: u16,
    },
}

/// A finished walk.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    pub steps: Vec<Step>,
    pub end: End,
    /// The packet as it leaves (source after masquerade).
    pub packet: Packet,
    pub masqueraded: bool,
}

/// What outlives one connection: `-m recent` lists, nftables affinity
/// sets, IPVS round-robin positions and persistence templates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    recent: FastMap<Name, Vec<IpAddr>>,
    sets: FastMap<Name, Vec<IpAddr>>,
    rr: FastMap<String, usize>,
    persistent: FastMap<(String, IpAddr), usize>,
}

/// Deterministic randomness for `statistic` and `numgen`: a hash of the
/// client, the Service and the connection number.
#[derive(Debug, Clone, Copy)]
pub struct Dice {
    state: u64,
}

impl Dice {
    /// The seed of a client's connections to a Service.
    pub fn seed(client: &IpAddr, service: &str) -> u64 {
        fnv1a(format!("{client}|{service}").as_bytes())
    }

    pub fn new(seed: u64, connection: u32) -> Self {
        Dice {
            state: seed ^ (u64::from(connection).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        }
    }

    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How a chain's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// Fell off the end or returned: the caller goes on.
    Continue,
    Accept,
    Drop,
    Reject,
    /// A NAT rewrite ends the NAT table's traversal for this hook.
    Nat,
    /// A rule ended its chain (`RETURN`, `return`, the end of a `goto`):
    /// the chain's caller goes on.
    Return,
}

/// Deeper chain nesting than any proxier writes.
const MAX_DEPTH: usize = 32;

/// One walk in progress.
pub struct Walker<'a> {
    rs: &'a Layers<'a>,
    cfg: &'a ProxyConfig,
    from: From,
    dice: Dice,
    memory: &'a mut Memory,
    record: bool,
    steps: Vec<Step>,
    pkt: Packet,
    masqueraded: bool,
    /// The IPVS virtual server that scheduled the packet.
    ipvs: Option<(IpAddr, &'static str, u16)>,
    end: Option<End>,
}

impl<'a> Walker<'a> {
    pub fn new(
        rs: &'a Layers<'a>,
        cfg: &'a ProxyConfig,
        from: From,
        dice: Dice,
        memory: &'a mut Memory,
        record: bool,
        pkt: Packet,
    ) -> Self {
        Walker {
            rs,
            cfg,
            from,
            dice,
            memory,
            record,
            steps: Vec::new(),
            pkt,
            masqueraded: false,
            ipvs: None,
            end: None,
        }
    }

    /// Walks the packet through the mode's hooks.
    pub fn run(mut self) -> Walk {
        match self.rs.mode() {
            Mode::Iptables => self.iptables(),
            Mode::Nftables => self.nftables(),
            Mode::Ipvs => self.ipvs_path(),
            Mode::Userspace => self.userspace(),
        }
        let end = self.end.take().unwrap_or(End::Untouched);
        Walk {
            steps: self.steps,
            end,
            packet: self.pkt,
            masqueraded: self.masqueraded,
        }
    }

    fn stopped(&self) -> bool {
        matches!(self.end, Some(End::Rejected | End::Dropped))
    }

    fn verdict(&mut self, f: Flow) {
        match f {
            Flow::Drop => self.end = Some(End::Dropped),
            Flow::Reject => self.end = Some(End::Rejected),
            _ => {}
        }
    }

    fn iptables(&mut self) {
        let f = self.ipt_chain("nat", super::iptables::KUBE_SERVICES, 0);
        self.verdict(f);
        if self.stopped() {
            return;
        }
        for c in [
            super::iptables::KUBE_PROXY_FIREWALL,
            super::iptables::KUBE_NODEPORTS,
            super::iptables::KUBE_SERVICES,
            super::iptables::KUBE_EXTERNAL_SERVICES,
        ] {
            let f = self.ipt_chain("filter", c, 0);
            self.verdict(f);
            if self.stopped() || f == Flow::Accept {
                break;
            }
        }
        if self.stopped() {
            return;
        }
        self.ipt_chain("nat", KUBE_POSTROUTING, 0);
    }

    fn nftables(&mut self) {
        let node = self.from == From::Node;
        let pre = if node {
            ["filter-output-pre-dnat", "nat-output"]
        } else {
            ["filter-prerouting-pre-dnat", "nat-prerouting"]
        };
        for c in pre {
            let f = self.nft_chain(c, 0);
            self.verdict(f);
            if self.stopped() {
                return;
            }
        }
        let local = self.is_local(&self.pkt.dst);
        let filter = match (node, local) {
            (true, _) => "filter-output",
            (false, true) => "filter-input",
            (false, false) => "filter-forward",
        };
        let f = self.nft_chain(filter, 0);
        self.verdict(f);
        if self.stopped() {
            return;
        }
        self.nft_chain("nat-postrouting", 0);
        // The node's packets to its own addresses loop back in: input.
        if node && local {
            let f = self.nft_chain("filter-input", 0);
            self.verdict(f);
        }
    }

    fn ipvs_path(&mut self) {
        use super::ipvs::*;
        let f = self.ipt_chain("nat", KUBE_SERVICES, 0);
        self.verdict(f);
        if self.stopped() {
            return;
        }
        if self.from == From::Node {
            // IPVS takes the node's own packets in LOCAL_OUT, before
            // filter OUTPUT.
            self.schedule();
            if self.stopped() {
                return;
            }
            let f = self.ipt_chain("filter", KUBE_IPVS_OUT_FILTER, 0);
            self.verdict(f);
            if self.stopped() {
                return;
            }
            // Still for a local address: it loops back in through INPUT.
            if self.is_local(&self.pkt.dst) {
                self.input_filters();
            }
        } else if self.is_local(&self.pkt.dst) {
            self.input_filters();
            if self.stopped() {
                return;
            }
            self.schedule();
        }
        if self.stopped() {
            return;
        }
        self.ipt_chain("nat", KUBE_POSTROUTING, 0);
    }

    /// IPVS: the filter INPUT chains kube-proxy hooks.
    fn input_filters(&mut self) {
        use super::ipvs::*;
        for c in [KUBE_IPVS_FILTER, KUBE_PROXY_FIREWALL, KUBE_NODE_PORT] {
            let f = self.ipt_chain("filter", c, 0);
            self.verdict(f);
            if self.stopped() || f == Flow::Accept {
                break;
            }
        }
    }

    fn userspace(&mut self) {
        use super::userspace::*;
        let (portals, node_ports) = if self.from == From::Node {
            (PORTALS_HOST, NODEPORT_HOST)
        } else {
            (PORTALS_CONTAINER, NODEPORT_CONTAINER)
        };
        let f = self.ipt_chain("nat", portals, 0);
        // The node-port chains are jumped to for local destinations only.
        if f == Flow::Continue && self.is_local(&self.pkt.dst) {
            self.ipt_chain("nat", node_ports, 0);
        }
        if let Some(End::Proxy { .. }) = self.end {
            self.ipt_chain("filter", NODEPORT_NON_LOCAL, 0);
        }
    }

    /// The node's own addresses (`--dst-type LOCAL`, `fib … type local`):
    /// its addresses, loopback, and in IPVS mode the VIPs bound to
    /// `kube-ipvs0`.
    fn is_local(&self, ip: &IpAddr) -> bool {
        ip.is_loopback()
            || self.cfg.node_ip.as_ref() == Some(ip)
            || self.cfg.node_addresses.contains(ip)
            || (self.rs.mode() == Mode::Ipvs
                && self
                    .rs
                    .ipsets()
                    .iter()
                    .find(|s| s.name.ends_with("IPVS-IPS"))
                    .is_some_and(|s| {
                        self.rs
                            .ipset_entries(&s.name)
                            .any(|e| *e == IpsetEntry::Ip(*ip))
                    }))
    }

    /// Drops the step of a hook or plumbing jump whose chain matched
    /// nothing: it did nothing to the packet.
    fn prune(&mut self, mark: usize, role: Role, flow: Flow) {
        let plumbing = matches!(role, Role::Hook | Role::ToNodePorts | Role::Plumbing);
        if plumbing && flow == Flow::Continue && self.steps.len() == mark + 1 {
            self.steps.pop();
        }
    }

    fn push(&mut self, step: impl FnOnce() -> Step) {
        if self.record {
            let s = step();
            self.steps.push(s);
        }
    }

    fn rule_quote(&self, table: &'static str, chain: &Name, index: u32, rule: &Rule) -> Quote {
        Quote {
            id: RuleId::Rule {
                table,
                chain: chain.clone(),
                index,
            },
            text: rule.text(chain, self.rs.family()),
        }
    }

    // ---- iptables syntax ----

    fn ipt_chain(&mut self, table: &'static str, chain: &str, depth: usize) -> Flow {
        let rs = self.rs;
        let Some(c) = rs.chain(table, chain) else {
            return Flow::Continue;
        };
        if depth > MAX_DEPTH {
            return Flow::Continue;
        }
        for (index, placed) in c.rules() {
            let Rule::Ipt(rule) = placed else {
                continue;
            };
            let Some(element) = self.ipt_matches(rule) else {
                continue;
            };
            let before = self.pkt;
            let step = |w: &Self, after: Packet| Step {
                quote: w.rule_quote(table, c.name, index, placed),
                role: rule.role,
                element: element.clone(),
                target: rule.jump().map(Name::from),
                before,
                after,
            };
            let flow = match rule.jump() {
                Some(to) if rs.chain(table, to).is_some() => {
                    // A jump's step comes before those of its chain.
                    let mark = self.steps.len();
                    if self.record {
                        let s = step(self, before);
                        self.steps.push(s);
                    }
                    let flow = self.ipt_chain(table, to, depth + 1);
                    self.prune(mark, rule.role, flow);
                    flow
                }
                _ => {
                    let flow = self.ipt_target(rule.target());
                    if self.record {
                        let s = step(self, self.pkt);
                        self.steps.push(s);
                    }
                    flow
                }
            };
            match flow {
                Flow::Continue => {}
                Flow::Return => return Flow::Continue,
                other => return other,
            }
        }
        Flow::Continue
    }

    /// Whether every match of `rule` holds; `Some(element)` (the ipset
    /// entry a `--match-set` found, if any) when it does.
    fn ipt_matches(&mut self, rule: &ipt::Rule) -> Option<Option<Quote>> {
        let p = self.pkt;
        let mut element = None;
        for part in &rule.parts {
            let ok = match part {
                Part::Comment(_) | Part::Module(_) => true,
                Part::ModProto(pr) | Part::Proto(pr) => *pr == p.proto,
                Part::Dst(n) => n.contains(&p.dst),
                Part::NotDst(n) => !n.contains(&p.dst),
                Part::Src(n) => n.contains(&p.src),
                Part::NotSrc(n) => !n.contains(&p.src),
                Part::DPort(port) => *port == p.dport,
                Part::DstLocal => self.is_local(&p.dst),
                Part::SrcLocal => self.is_local(&p.src),
                Part::NotSrcLocal => !self.is_local(&p.src),
                Part::NotPhysdevIn => self.from != From::LocalPod,
                Part::Statistic(prob) => {
                    let prob: f64 = prob.parse().unwrap_or(1.0);
                    self.dice.unit() < prob
                }
                Part::RecentCheck { name, .. } => self
                    .memory
                    .recent
                    .get(name)
                    .is_some_and(|v| v.contains(&p.src)),
                Part::RecentSet(name) => {
                    let v = self.memory.recent.entry(name.clone()).or_default();
                    if !v.contains(&p.src) {
                        v.push(p.src);
                    }
                    true
                }
                // Every traced packet opens a new connection.
                Part::CtState { not, states } => states.split(',').any(|s| s == "NEW") != *not,
                Part::StateNew => true,
                Part::Mark { not, mark } => (p.mark & mark == *mark) != *not,
                Part::MatchSet { set, flags } => match self.ipset_lookup(set, flags) {
                    Some(q) => {
                        element = Some(q);
                        true
                    }
                    None => false,
                },
                Part::Ipvs { vaddr, proto, port } => self.ipvs == Some((*vaddr, *proto, *port)),
                _ => true,
            };
            if !ok {
                return None;
            }
        }
        Some(element)
    }

    /// The entry of ipset `set` this packet is, per `--match-set` flags.
    fn ipset_lookup(&self, set: &str, flags: &str) -> Option<Quote> {
        let s: &IpSet = self.rs.ipset(set)?;
        let p = self.pkt;
        let has = |e: &IpsetEntry| self.rs.ipset_entries(set).any(|x| x == e);
        let found = match (s.type_, flags) {
            ("hash:ip,port", "dst,dst") => {
                Some(IpsetEntry::IpPort(p.dst, p.proto, p.dport)).filter(has)
            }
            ("hash:ip,port", "src,dst") => {
                Some(IpsetEntry::IpPort(p.src, p.proto, p.dport)).filter(has)
            }
            ("hash:ip,port,ip", "dst,dst,src") => {
                Some(IpsetEntry::IpPortIp(p.dst, p.proto, p.dport, p.src)).filter(has)
            }
            ("hash:ip,port,net", "dst,dst,src") => self.rs.ipset_entries(set).copied().find(|e| {
                matches!(e, IpsetEntry::IpPortNet(ip, pr, port, net)
                    if *ip == p.dst && *pr == p.proto && *port == p.dport && net.contains(&p.src))
            }),
            ("bitmap:port", "dst") => Some(IpsetEntry::Port(p.dport)).filter(has),
            ("hash:ip", "dst") => Some(IpsetEntry::Ip(p.dst)).filter(has),
            _ => None,
        }?;
        Some(Quote {
            id: RuleId::IpsetEntry {
                set: s.name.clone(),
                entry: found.to_string(),
            },
            text: s.entry_text(&found),
        })
    }

    /// Applies a non-jump target.
    fn ipt_target(&mut self, target: Option<&Part>) -> Flow {
        match target {
            None => Flow::Continue,
            Some(Part::Accept) => Flow::Accept,
            Some(Part::Drop) => Flow::Drop,
            Some(Part::Reject) => Flow::Reject,
            Some(Part::Return) => Flow::Return,
            Some(Part::MarkOr(m)) => {
                self.pkt.mark |= m;
                Flow::Continue
            }
            Some(Part::MarkXor(m)) => {
                self.pkt.mark ^= m;
                Flow::Continue
            }
            Some(Part::Dnat(addr)) => {
                self.dnat(addr);
                Flow::Nat
            }
            Some(Part::Redirect(port)) => {
                // To the primary address of the interface it came in by;
                // the node's, as far as a trace can tell.
                if let Some(ip) = self.cfg.node_ip {
                    self.pkt.dst = ip;
                }
                self.pkt.dport = *port;
                self.end = Some(End::Proxy { port: *port });
                Flow::Nat
            }
            Some(Part::Masquerade { .. }) => {
                self.masquerade();
                Flow::Nat
            }
            // A jump to a chain the table lacks does nothing.
            Some(_) => Flow::Continue,
        }
    }

    /// DNAT to `ip:port` (`[ip]:port`): to a backend, or for the userspace
    /// proxier to kube-proxy's own port on the node.
    fn dnat(&mut self, addr: &str) {
        let Some((ip, port)) = split_addr(addr) else {
            return;
        };
        self.pkt.dst = ip;
        self.pkt.dport = port;
        self.end = Some(if self.rs.mode() == Mode::Userspace {
            End::Proxy { port }
        } else {
            End::Backend { ip, port }
        });
    }

    /// MASQUERADE takes the address of the interface the packet leaves
    /// by; a trace shows the node's primary address.
    fn masquerade(&mut self) {
        self.masqueraded = true;
        if let Some(ip) = self.cfg.node_ip {
            self.pkt.src = ip;
        }
    }

    // ---- nftables syntax ----

    fn nft_chain(&mut self, chain: &str, depth: usize) -> Flow {
        let rs = self.rs;
        let Some(c) = rs.chain(super::nftables::TABLE, chain) else {
            return Flow::Continue;
        };
        if depth > MAX_DEPTH {
            return Flow::Continue;
        }
        for (index, placed) in c.rules() {
            let Rule::Nft(rule) = placed else {
                continue;
            };
            let quote = |w: &Self| w.rule_quote(super::nftables::TABLE, c.name, index, placed);
            match self.nft_rule(rule, depth, &quote) {
                Flow::Continue => {}
                Flow::Return => return Flow::Continue,
                other => return other,
            }
        }
        Flow::Continue
    }

    /// Evaluates one rule: its matches, then statements left to right.
    fn nft_rule(&mut self, rule: &nft::Rule, depth: usize, quote: &dyn Fn(&Self) -> Quote) -> Flow {
        let before = self.pkt;
        let role = rule.role;
        let mut element = None;
        for e in &rule.exprs {
            let p = self.pkt;
            let ok = match e {
                Expr::Comment(_) => true,
                Expr::CtStateNew => true,
                Expr::Daddr(n) => n.contains(&p.dst),
                Expr::DaddrNot(n) => !n.contains(&p.dst),
                Expr::Saddr(n) => n.contains(&p.src),
                Expr::SaddrNot(n) => !n.contains(&p.src),
                Expr::DaddrIn(ns) => ns.iter().any(|n| n.contains(&p.dst)),
                Expr::SaddrNotIn(ns) => !ns.iter().any(|n| n.contains(&p.src)),
                Expr::DaddrInSet(s) => self
                    .rs
                    .element(super::nftables::TABLE, s, &Key::Addr(p.dst))
                    .is_some(),
                Expr::SaddrInSet(s) => self.memory.sets.get(s).is_some_and(|v| v.contains(&p.src)),
                Expr::FibDaddrLocal => self.is_local(&p.dst),
                Expr::FibSaddrLocal => self.is_local(&p.src),
                Expr::L4proto(pr) => *pr == p.proto,
                Expr::MarkClear(m) => p.mark & m == 0,
                Expr::UpdateSaddr(s) => {
                    let v = self.memory.sets.entry(s.clone()).or_default();
                    if !v.contains(&p.src) {
                        v.push(p.src);
                    }
                    true
                }
                Expr::MarkSetOr(m) => {
                    self.pkt.mark |= m;
                    true
                }
                Expr::MarkSetXor(m) => {
                    self.pkt.mark ^= m;
                    true
                }
                Expr::VmapAddrProtoPort(map) | Expr::VmapProtoPort(map) => {
                    let key = match e {
                        Expr::VmapAddrProtoPort(_) => Key::AddrProtoPort(p.dst, p.proto, p.dport),
                        _ => Key::ProtoPort(p.proto, p.dport),
                    };
                    let Some((set, el)) = self.rs.element(super::nftables::TABLE, map, &key) else {
                        return Flow::Continue;
                    };
                    element = Some(Quote {
                        id: RuleId::Element {
                            table: super::nftables::TABLE,
                            set: set.name.clone(),
                            key: el.key.to_string(),
                        },
                        text: el.text(),
                    });
                    let verdict = el.value.clone();
                    return match verdict {
                        Some(Verdict::Goto(c)) => {
                            self.nft_goto(role, quote, element, before, &c, depth)
                        }
                        Some(Verdict::Drop) => {
                            self.nft_step(role, quote, element, None, before);
                            Flow::Drop
                        }
                        None => Flow::Continue,
                    };
                }
                Expr::Numgen(arms) => {
                    if arms.is_empty() {
                        return Flow::Continue;
                    }
                    let i = (self.dice.next() % arms.len() as u64) as usize;
                    let c = arms[i].clone();
                    return self.nft_goto(role, quote, None, before, &c, depth);
                }
                Expr::Jump(c) => {
                    let mark = self.steps.len();
                    self.nft_step(role, quote, element.clone(), Some(c.clone()), before);
                    let flow = self.nft_chain(c, depth + 1);
                    self.prune(mark, role, flow);
                    return flow;
                }
                Expr::Goto(c) => {
                    return self.nft_goto(role, quote, element, before, c, depth);
                }
                Expr::DnatTo(addr) => {
                    self.dnat(addr);
                    self.nft_step(role, quote, element, None, before);
                    return Flow::Nat;
                }
                Expr::Masquerade => {
                    self.masquerade();
                    self.nft_step(role, quote, element, None, before);
                    return Flow::Nat;
                }
                Expr::Drop => {
                    self.nft_step(role, quote, element, None, before);
                    return Flow::Drop;
                }
                Expr::Reject => {
                    self.nft_step(role, quote, element, None, before);
                    return Flow::Reject;
                }
                Expr::Return => {
                    self.nft_step(role, quote, element, None, before);
                    return Flow::Return;
                }
            };
            if !ok {
                // Statements before a failed match do not run in nft
                // (matches come first in every kube-proxy rule).
                self.pkt = before;
                return Flow::Continue;
            }
        }
        // All matched, no verdict: the statements ran, go on.
        self.nft_step(role, quote, element, None, before);
        Flow::Continue
    }

    fn nft_step(
        &mut self,
        role: Role,
        quote: &dyn Fn(&Self) -> Quote,
        element: Option<Quote>,
        target: Option<Name>,
        before: Packet,
    ) {
        if self.record {
            let s = Step {
                quote: quote(self),
                role,
                element,
                target,
                before,
                after: self.pkt,
            };
            self.steps.push(s);
        }
    }

    /// `goto c`: run `c`; when it ends, so does the chain that went there.
    fn nft_goto(
        &mut self,
        role: Role,
        quote: &dyn Fn(&Self) -> Quote,
        element: Option<Quote>,
        before: Packet,
        c: &Name,
        depth: usize,
    ) -> Flow {
        self.nft_step(role, quote, element, Some(c.clone()), before);
        match self.nft_chain(c, depth + 1) {
            Flow::Continue => Flow::Return,
            other => other,
        }
    }

    // ---- IPVS ----

    /// IPVS's turn: the virtual server of the packet's destination picks
    /// a real server (the client's, under persistence; else round robin)
    /// and rewrites the destination; without real servers it answers
    /// ICMP port unreachable.
    fn schedule(&mut self) {
        let p = self.pkt;
        let rs = self.rs;
        let Some(vs) = rs.virtual_servers().find(|v| {
            v.address == p.dst && v.port == p.dport && v.protocol.eq_ignore_ascii_case(p.proto)
        }) else {
            return;
        };
        let key = vs.key();
        let before = self.pkt;
        let vs_quote = Quote {
            id: RuleId::VirtualServer {
                virtual_server: key.clone(),
            },
            text: vs.text(),
        };
        if vs.reals.is_empty() {
            self.push(|| Step {
                quote: vs_quote,
                role: Role::NoEndpoints,
                element: None,
                target: None,
                before,
                after: before,
            });
            self.end = Some(End::Rejected);
            return;
        }
        let n = vs.reals.len();
        let sticky = vs
            .persistent
            .and_then(|_| self.memory.persistent.get(&(key.clone(), p.src)).copied());
        let i = match sticky {
            Some(i) => i % n,
            None => {
                let pos = self.memory.rr.entry(key.clone()).or_insert(0);
                let i = *pos % n;
                *pos += 1;
                if vs.persistent.is_some() {
                    self.memory.persistent.insert((key.clone(), p.src), i);
                }
                i
            }
        };
        let real: &RealServer = &vs.reals[i];
        self.ipvs = Some((vs.address, p.proto, vs.port));
        self.push(|| Step {
            quote: vs_quote,
            role: if sticky.is_some() {
                Role::Affinity
            } else {
                Role::LoadBalance
            },
            element: None,
            target: None,
            before,
            after: before,
        });
        self.pkt.dst = real.ip;
        self.pkt.dport = real.port;
        self.end = Some(End::Backend {
            ip: real.ip,
            port: real.port,
        });
        let after = self.pkt;
        self.push(|| Step {
            quote: Quote {
                id: RuleId::RealServer {
                    virtual_server: key,
                    real_server: real.addr.to_string(),
                },
                text: real.text(),
            },
            role: Role::Dnat,
            element: None,
            target: None,
            before,
            after,
        });
    }
}

/// `ip:port` or `[ip]:port`.
pub fn split_addr(addr: &str) -> Option<(IpAddr, u16)> {
    let (h, p) = addr.rsplit_once(':')?;
    let ip = h
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    Some((ip, p.parse().ok()?))
}

/// The backends a load-balancing step can pick and the share each gets,
/// read from the rules: iptables' `statistic` cascade (each rule's
/// probability times that of reaching it), nftables' `numgen` arms, an
/// IPVS virtual server's real servers.
pub fn candidates(rs: &Layers, step: &Step) -> Vec<(IpAddr, u16, f64)> {
    match &step.quote.id {
        RuleId::Rule { table, chain, .. } => {
            let Some(c) = rs.chain(table, chain) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            let mut reach = 1.0;
            for (_, rule) in c.rules() {
                match rule {
                    Rule::Ipt(r) if r.role == Role::LoadBalance => {
                        let p = r
                            .parts
                            .iter()
                            .find_map(|p| match p {
                                Part::Statistic(s) => s.parse::<f64>().ok(),
                                _ => None,
                            })
                            .unwrap_or(1.0);
                        if let Some((ip, port)) =
                            r.jump().and_then(|sep| dnat_of(rs.chain(table, sep)))
                        {
                            out.push((ip, port, reach * p));
                        }
                        reach *= 1.0 - p;
                    }
                    Rule::Nft(r) if r.role == Role::LoadBalance => {
                        for e in &r.exprs {
                            if let Expr::Numgen(arms) = e {
                                let share = 1.0 / arms.len().max(1) as f64;
                                out.extend(
                                    arms.iter()
                                        .filter_map(|a| dnat_of(rs.chain(table, a)))
                                        .map(|(ip, port)| (ip, port, share)),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            out
        }
        RuleId::VirtualServer { virtual_server } => rs
            .virtual_servers()
            .find(|v| &v.key() == virtual_server)
            .map(|v: &VirtualServer| {
                let share = 1.0 / v.reals.len().max(1) as f64;
                v.reals.iter().map(|r| (r.ip, r.port, share)).collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Where an endpoint chain DNATs to.
fn dnat_of(chain: Option<LayeredChain>) -> Option<(IpAddr, u16)> {
    chain?.rules().find_map(|(_, rule)| match rule {
        Rule::Ipt(r) => r.parts.iter().find_map(|x| match x {
            Part::Dnat(a) => split_addr(a),
            _ => None,
        }),
        Rule::Nft(r) => r.exprs.iter().find_map(|x| match x {
            Expr::DnatTo(a) => split_addr(a),
            _ => None,
        }),
    })
}

/// `ip:port` of a backend, as rules and traces spell it.
pub fn backend_addr(ip: &IpAddr, port: u16) -> String {
    join_host_port(ip, port)
}
