//! The one ruleset value of a node and proxy mode: tables of chains of
//! rules (with nftables' sets and verdict maps), and for IPVS the ipsets
//! and virtual servers. Every rule, element, ipset entry and virtual
//! server has an identity ([`RuleId`]): `rules` prints the ruleset and
//! `route` walks it, and a trace hop names what matched by that identity
//! and quotes it as `rules` prints it.
//!
//! A trace needs only the pieces of the service ports a packet can reach:
//! [`Chain::skip`] advances a chain's rule numbering past the rules other
//! service ports add, so the pieces keep the indices they have in the
//! node's full ruleset. A trace walks [`Layers`]: the node's fixed rules,
//! built once and borrowed, under those pieces.

use super::ipt;
use super::ipvs::{IpSet, IpsetEntry, VirtualServer};
use super::nft;
use super::route::Mode;
use super::Entry;
use crate::hash::FastMap;
use crate::net::Family;
use serde::Serialize;
use std::ops::Range;
use std::sync::Arc;

/// A shared name (chains, sets, comments): cloned, never copied.
pub type Name = Arc<str>;

/// What a rule is for; the trace narrates a matched rule by its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Fixed plumbing every sync writes (hooks, forward rules, …).
    Plumbing,
    /// Captures one of a service port's addresses.
    Capture(Entry),
    /// Hands destinations that are the node's own addresses to the node
    /// port rules.
    ToNodePorts,
    /// Marks cluster-IP traffic from outside the cluster CIDR (or all of
    /// it, with `--masquerade-all`) for masquerade.
    MasqueradeOffCluster,
    MasqueradeAll,
    /// `externalTrafficPolicy: Cluster`: external traffic is marked.
    MasqueradeExternal,
    /// `externalTrafficPolicy: Local`: pod traffic goes cluster-wide.
    ShortCircuitPods,
    /// `externalTrafficPolicy: Local`: the node's own traffic is marked …
    MasqueradeLocal,
    /// … and goes cluster-wide.
    ShortCircuitLocal,
    /// External traffic goes on to the policy (SVC or SVL) chain.
    ToPolicyChain,
    /// `loadBalancerSourceRanges`: this source is allowed.
    FirewallAllow,
    /// `loadBalancerSourceRanges`: anything else falls through.
    FirewallOther,
    /// `loadBalancerSourceRanges`: not allowed, dropped.
    FirewallDrop,
    /// Sets the masquerade mark.
    MarkForMasquerade,
    /// ClientIP affinity: a recent client goes back to its backend.
    Affinity,
    /// Picks a backend.
    LoadBalance,
    /// A backend reaching itself through the Service is marked.
    Hairpin,
    /// ClientIP affinity: records the client for this backend.
    AffinityRecord,
    /// Rewrites the destination to the backend.
    Dnat,
    /// REJECT (no endpoints) or DROP (none for the traffic policy).
    NoEndpoints,
    /// Accepts the load balancer's health checks.
    HealthCheck,
    /// Postrouting: not marked, so not masqueraded.
    PostroutingSkip,
    /// Postrouting: clears the mark.
    PostroutingUnmark,
    /// Postrouting: masquerades.
    Masquerade,
    /// nftables: rejects ports a cluster IP does not have, drops
    /// addresses of the Service CIDR no Service has.
    ClusterIpCheck,
    /// A base chain's jump into kube-proxy's chains.
    Hook,
    /// nftables: the `services` chain's verdict-map dispatch.
    Dispatch,
    /// nftables: the filter chains' no-endpoints verdict maps.
    EndpointsCheck,
    /// nftables: the filter chains' source-range verdict map; IPVS: the
    /// jump to the source-range chain.
    FirewallCheck,
    /// IPVS: accepts traffic for the virtual servers before other rules.
    Accept,
    /// IPVS: `externalTrafficPolicy: Local` skips masquerading.
    LocalReturn,
    /// IPVS: sends load-balancer traffic on to its own chain.
    ToLoadBalancer,
    /// IPVS: the filter that keeps the node's ports off the VIPs.
    VipFilter,
    /// userspace: redirects a Service address to kube-proxy's port.
    Portal(Entry),
    /// userspace: accepts node-port traffic to kube-proxy's port.
    ProxyAccept,
}

/// A rule of either syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Ipt(ipt::Rule),
    Nft(nft::Rule),
}

impl Rule {
    pub fn role(&self) -> Role {
        match self {
            Rule::Ipt(r) => r.role,
            Rule::Nft(r) => r.role,
        }
    }

    /// The rule as the mode's own tool prints it (`-A CHAIN …` or the
    /// nft rule line).
    pub fn render(&self, chain: &str, family: Family, out: &mut String) {
        match self {
            Rule::Ipt(r) => r.render(chain, out),
            Rule::Nft(r) => r.render(ip_x(family), out),
        }
    }

    pub fn text(&self, chain: &str, family: Family) -> String {
        let mut s = String::new();
        self.render(chain, family, &mut s);
        s
    }
}

/// `ip` or `ip6`, as nftables names the family.
pub fn ip_x(family: Family) -> &'static str {
    match family {
        Family::IPv4 => "ip",
        Family::IPv6 => "ip6",
    }
}

/// A rule and its index in its chain of the node's full ruleset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub index: u32,
    pub rule: Rule,
}

/// A chain and its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub name: Name,
    /// nftables base chains: `type … hook … priority …; policy accept;`.
    pub hook: Option<&'static str>,
    pub comment: Option<&'static str>,
    pub rules: Vec<Placed>,
    next: u32,
}

impl Chain {
    fn new(name: Name) -> Self {
        Chain {
            name,
            hook: None,
            comment: None,
            rules: Vec::new(),
            next: 0,
        }
    }

    pub fn push(&mut self, rule: Rule) {
        self.rules.push(Placed {
            index: self.next,
            rule,
        });
        self.next += 1;
    }

    /// Numbers the next rule as if `n` more had been added (the rules of
    /// service ports a trace does not build).
    pub fn skip(&mut self, n: u32) {
        self.next += n;
    }

    /// The index the chain's next rule gets: how many rules the full
    /// chain has had so far.
    pub fn next_index(&self) -> u32 {
        self.next
    }
}

/// How a table lists its chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainOrder {
    /// In creation order (nftables, IPVS, userspace).
    Created,
    /// KUBE-NODEPORTS and KUBE-SERVICES first, the rest by name, as
    /// upstream's iptables tests normalise them.
    KubeServicesFirst,
}

/// One table: iptables' `filter` and `nat`, or nftables' `kube-proxy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub chains: Vec<Chain>,
    pub sets: Vec<nft::Set>,
    order: ChainOrder,
    index: FastMap<Name, usize>,
}

impl Table {
    pub fn new(name: &'static str, order: ChainOrder) -> Self {
        Table {
            name,
            chains: Vec::new(),
            sets: Vec::new(),
            order,
            index: FastMap::default(),
        }
    }

    /// The chain `name`, created (empty) if needed.
    pub fn chain_mut(&mut self, name: &str) -> &mut Chain {
        let i = match self.index.get(name) {
            Some(i) => *i,
            None => {
                let name: Name = name.into();
                self.index.insert(name.clone(), self.chains.len());
                self.chains.push(Chain::new(name));
                self.chains.len() - 1
            }
        };
        &mut self.chains[i]
    }

    /// Declares `name` (as `:NAME - [0:0]` or an empty nft chain).
    pub fn declare(&mut self, name: &str) {
        self.chain_mut(name);
    }

    /// Declares the chain `name`, sharing the name rather than copying
    /// it: a service port's chains are named once, for every ruleset
    /// that holds them.
    pub fn declare_shared(&mut self, name: &Name) {
        if !self.index.contains_key(&**name) {
            self.index.insert(name.clone(), self.chains.len());
            self.chains.push(Chain::new(name.clone()));
        }
    }

    pub fn add(&mut self, chain: &str, rule: Rule) {
        self.chain_mut(chain).push(rule);
    }

    pub fn add_ipt(&mut self, chain: &str, role: Role, parts: Vec<ipt::Part>) {
        self.add(chain, Rule::Ipt(ipt::Rule::new(role, parts)));
    }

    pub fn add_nft(&mut self, chain: &str, role: Role, exprs: Vec<nft::Expr>) {
        self.add(chain, Rule::Nft(nft::Rule::new(role, exprs)));
    }

    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.index.get(name).map(|i| &self.chains[*i])
    }

    pub fn set(&self, name: &str) -> Option<&nft::Set> {
        self.sets.iter().find(|s| &*s.name == name)
    }

    pub fn set_mut(&mut self, name: &str) -> Option<&mut nft::Set> {
        self.sets.iter_mut().find(|s| &*s.name == name)
    }

    /// The chains in the order the mode's tool lists them.
    pub fn ordered_chains(&self) -> Vec<&Chain> {
        let mut v: Vec<&Chain> = self.chains.iter().collect();
        if self.order == ChainOrder::KubeServicesFirst {
            let rank = |c: &Chain| match &*c.name {
                "KUBE-NODEPORTS" => 0,
                "KUBE-SERVICES" => 1,
                _ => 2,
            };
            crate::order::sort_by(&mut v, |a, b| {
                rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name))
            });
        }
        v
    }
}

/// Everything one proxier programs on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruleset {
    pub mode: Mode,
    pub family: Family,
    pub tables: Vec<Table>,
    /// IPVS: the ipsets its iptables rules match.
    pub ipsets: Vec<IpSet>,
    /// IPVS: the virtual servers and their real servers.
    pub virtual_servers: Vec<VirtualServer>,
}

impl Ruleset {
    pub fn new(mode: Mode, family: Family, tables: Vec<Table>) -> Self {
        Ruleset {
            mode,
            family,
            tables,
            ipsets: Vec::new(),
            virtual_servers: Vec::new(),
        }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The table `name`, created (empty, in creation order) if needed.
    pub fn table_mut(&mut self, name: &'static str) -> &mut Table {
        let i = match self.tables.iter().position(|t| t.name == name) {
            Some(i) => i,
            None => {
                self.tables.push(Table::new(name, ChainOrder::Created));
                self.tables.len() - 1
            }
        };
        &mut self.tables[i]
    }

    /// Two different tables at once (a writer adds to both).
    pub fn tables_mut(&mut self, a: &str, b: &str) -> Option<(&mut Table, &mut Table)> {
        let ia = self.tables.iter().position(|t| t.name == a)?;
        let ib = self.tables.iter().position(|t| t.name == b)?;
        if ia < ib {
            let (l, r) = self.tables.split_at_mut(ib);
            Some((&mut l[ia], &mut r[0]))
        } else if ib < ia {
            let (l, r) = self.tables.split_at_mut(ia);
            Some((&mut r[0], &mut l[ib]))
        } else {
            None
        }
    }

    pub fn ipset(&self, name: &str) -> Option<&IpSet> {
        self.ipsets.iter().find(|s| &*s.name == name)
    }

    /// The text the mode's tools print: `iptables-save`, `nft list table`,
    /// `ipset save` + `iptables-save` + `ipvsadm -Ln`.
    pub fn text(&self) -> String {
        self.render().0
    }

    /// The text, and where each rule and element sits in it.
    pub fn render(&self) -> (String, Spans) {
        let mut s = String::new();
        let mut spans = Spans::default();
        match self.mode {
            Mode::Iptables | Mode::Userspace => {
                for t in &self.tables {
                    render_ipt_table(t, &mut s, &mut spans);
                }
            }
            Mode::Nftables => super::nftables::render(self, &mut s, &mut spans),
            Mode::Ipvs => {
                s.push_str("# ipset save\n");
                super::ipvs::render_ipsets(&self.ipsets, &mut s);
                s.push_str("# iptables-save\n");
                for t in &self.tables {
                    render_ipt_table(t, &mut s, &mut spans);
                }
                s.push_str("# ipvsadm -Ln\n");
                super::ipvs::render_virtual_servers(&self.virtual_servers, &mut s);
            }
        }
        (s, spans)
    }
}

/// A ruleset in two layers, as a trace walks it: `base`, the node's fixed
/// rules (built once per node and mode and shared by every trace), and on
/// top the pieces of the service ports the packet can reach. The top
/// starts with the base's tables, sets and ipsets, all empty, so the
/// writers add to it as to a full ruleset. Read through both layers, a
/// chain is the base's rules then the top's, numbered on from the base's,
/// and a set or ipset holds the base's elements then the top's: the order
/// and the indices of the node's full ruleset, where every service port
/// comes after the fixed rules. Nothing of the base is copied.
#[derive(Debug)]
pub struct Layers<'a> {
    base: &'a Ruleset,
    top: Ruleset,
}

/// One chain read through both layers.
#[derive(Debug, Clone, Copy)]
pub struct LayeredChain<'a> {
    pub name: &'a Name,
    base: &'a [Placed],
    top: &'a [Placed],
    /// How many rules the base's chain has had: where the top's go on.
    offset: u32,
}

impl<'a> LayeredChain<'a> {
    /// Each rule and its index in the full ruleset, in chain order.
    pub fn rules(self) -> impl Iterator<Item = (u32, &'a Rule)> {
        let offset = self.offset;
        self.base
            .iter()
            .map(|p| (p.index, &p.rule))
            .chain(self.top.iter().map(move |p| (offset + p.index, &p.rule)))
    }
}

impl<'a> Layers<'a> {
    /// An empty top over `base`.
    pub fn over(base: &'a Ruleset) -> Self {
        let tables = base
            .tables
            .iter()
            .map(|t| Table {
                name: t.name,
                chains: Vec::new(),
                sets: t
                    .sets
                    .iter()
                    .map(|s| nft::Set {
                        kind: s.kind,
                        name: s.name.clone(),
                        type_: s.type_.clone(),
                        flags: s.flags,
                        timeout: s.timeout,
                        comment: s.comment,
                        elements: Vec::new(),
                    })
                    .collect(),
                order: t.order,
                index: FastMap::default(),
            })
            .collect();
        let mut top = Ruleset::new(base.mode, base.family, tables);
        top.ipsets = base
            .ipsets
            .iter()
            .map(|s| IpSet {
                name: s.name.clone(),
                type_: s.type_,
                comment: s.comment,
                family: s.family,
                entries: Vec::new(),
            })
            .collect();
        Layers { base, top }
    }

    pub fn mode(&self) -> Mode {
        self.base.mode
    }

    pub fn family(&self) -> Family {
        self.base.family
    }

    /// The top layer, which the service ports' writers add to.
    pub fn top_mut(&mut self) -> &mut Ruleset {
        &mut self.top
    }

    /// The chain `name` of `table`, if either layer has it.
    pub fn chain(&self, table: &str, name: &str) -> Option<LayeredChain<'_>> {
        let base = self.base.table(table).and_then(|t| t.chain(name));
        let top = self.top.table(table).and_then(|t| t.chain(name));
        let name = base.or(top).map(|c| &c.name)?;
        Some(LayeredChain {
            name,
            base: base.map_or(&[][..], |c| &c.rules),
            top: top.map_or(&[][..], |c| &c.rules),
            offset: base.map_or(0, Chain::next_index),
        })
    }

    /// The element of nftables set `set` (in `table`) with this key, and
    /// the set.
    pub fn element(
        &self,
        table: &str,
        set: &str,
        key: &nft::Key,
    ) -> Option<(&nft::Set, &nft::Element)> {
        [self.base, &self.top].into_iter().find_map(|r| {
            let s = r.table(table)?.set(set)?;
            Some((s, s.get(key)?))
        })
    }

    /// IPVS: the ipsets (their entries are those of
    /// [`Layers::ipset_entries`]).
    pub fn ipsets(&self) -> &[IpSet] {
        &self.base.ipsets
    }

    /// The ipset `name` (its entries are those of [`Layers::ipset_entries`]).
    pub fn ipset(&self, name: &str) -> Option<&IpSet> {
        self.base.ipset(name)
    }

    /// The entries of ipset `name`.
    pub fn ipset_entries<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s IpsetEntry> + 's {
        [self.base, &self.top]
            .into_iter()
            .filter_map(move |r| r.ipset(name))
            .flat_map(|s| &s.entries)
    }

    /// IPVS: every virtual server.
    pub fn virtual_servers(&self) -> impl Iterator<Item = &VirtualServer> {
        self.base
            .virtual_servers
            .iter()
            .chain(&self.top.virtual_servers)
    }
}

/// Where each rule's and nftables set element's text sits in a rendered
/// ruleset, in the order of tables, [`Table::ordered_chains`] and sets:
/// the `rules` document cuts its pieces from the one text rather than
/// render every rule twice.
#[derive(Debug, Default)]
pub struct Spans {
    pub rules: Vec<Range<usize>>,
    pub elements: Vec<Range<usize>>,
}

/// `iptables-save` output of one table: header, declarations, rules,
/// COMMIT.
fn render_ipt_table(t: &Table, out: &mut String, spans: &mut Spans) {
    let chains = t.ordered_chains();
    out.push('*');
    out.push_str(t.name);
    out.push('\n');
    for c in &chains {
        out.push(':');
        out.push_str(&c.name);
        out.push_str(" - [0:0]\n");
    }
    for c in &chains {
        for p in &c.rules {
            let start = out.len();
            p.rule.render(&c.name, Family::IPv4, out);
            spans.rules.push(start..out.len());
            out.push('\n');
        }
    }
    out.push_str("COMMIT\n");
}

/// What a trace hop points at: a rule by table, chain and index, a map or
/// set element by key, an ipset entry, an IPVS virtual or real server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RuleId {
    #[serde(rename_all = "camelCase")]
    Rule {
        table: &'static str,
        chain: Name,
        index: u32,
    },
    #[serde(rename_all = "camelCase")]
    Element {
        table: &'static str,
        set: Name,
        key: String,
    },
    #[serde(rename_all = "camelCase")]
    IpsetEntry { set: Name, entry: String },
    #[serde(rename_all = "camelCase")]
    VirtualServer { virtual_server: String },
    #[serde(rename_all = "camelCase")]
    RealServer {
        virtual_server: String,
        real_server: String,
    },
}

/// A rule (or element, entry, server) a hop quotes: its identity and its
/// text exactly as `rules` prints it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    #[serde(flatten)]
    pub id: RuleId,
    pub text: String,
}
