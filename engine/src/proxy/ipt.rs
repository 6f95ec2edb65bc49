//! iptables rule syntax, as `iptables-save` prints it. The rules of the
//! iptables, IPVS and userspace proxiers are values of [`Rule`]: a list of
//! [`Part`]s, each a match, a comment or the target. `rules` prints a rule
//! from its parts and `route` ([`super::walk`]) evaluates the same parts,
//! so a trace can never quote one rule and follow another.

use super::ruleset::{Name, Role, Table};
use crate::net::Cidr;
use std::fmt::{self, Write as _};
use std::net::IpAddr;

/// An address or range a rule matches (`-d 10.0.0.1`, `! -s 10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    Ip(IpAddr),
    Cidr(Cidr),
}

impl Net {
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match self {
            Net::Ip(a) => a == ip,
            Net::Cidr(c) => c.contains(ip),
        }
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Net::Ip(ip) => write!(f, "{ip}"),
            Net::Cidr(c) => write!(f, "{c}"),
        }
    }
}

/// One element of a rule, in the order `iptables-save` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// `-m comment --comment X` (quoted when it has a space).
    Comment(Name),
    /// `-m tcp -p tcp`, as kube-proxy's iptables proxier writes it.
    ModProto(&'static str),
    /// `-p tcp`.
    Proto(&'static str),
    /// `-m tcp` (loads the protocol's match module; matches anything).
    Module(&'static str),
    Dst(Net),
    NotDst(Net),
    Src(Net),
    NotSrc(Net),
    /// `--dport N`.
    DPort(u16),
    /// `-m addrtype --dst-type LOCAL`.
    DstLocal,
    /// `-m addrtype --src-type LOCAL`.
    SrcLocal,
    /// `-m addrtype ! --src-type LOCAL`.
    NotSrcLocal,
    /// `-m physdev ! --physdev-is-in`: not bridged in, i.e. not from a
    /// container on this node.
    NotPhysdevIn,
    /// `-m statistic --mode random --probability P` (P as written).
    Statistic(Name),
    /// `-m recent --name X --rcheck --seconds T --reap`.
    RecentCheck {
        name: Name,
        seconds: u32,
    },
    /// `-m recent --name X --set`: records the source (always matches).
    RecentSet(Name),
    /// `-m conntrack [!] --ctstate STATES`.
    CtState {
        not: bool,
        states: &'static str,
    },
    /// `-m state --state NEW`.
    StateNew,
    /// `-m mark [!] --mark M/M`.
    Mark {
        not: bool,
        mark: u32,
    },
    /// `-m set --match-set NAME FLAGS` (`dst,dst`, `src,dst`, …).
    MatchSet {
        set: Name,
        flags: &'static str,
    },
    /// `-m ipvs --vaddr A --vproto P --vport N`: the packet was scheduled
    /// by that IPVS virtual server.
    Ipvs {
        vaddr: IpAddr,
        proto: &'static str,
        port: u16,
    },
    /// `-j CHAIN`.
    Jump(Name),
    /// `-j DNAT --to-destination ADDR`.
    Dnat(Name),
    /// `-j REDIRECT --to-ports N`.
    Redirect(u16),
    /// `-j MARK --or-mark M`.
    MarkOr(u32),
    /// `-j MARK --xor-mark M`.
    MarkXor(u32),
    /// `-j MASQUERADE [--random-fully]`.
    Masquerade {
        random_fully: bool,
    },
    /// `-j ACCEPT`, `-j DROP`, `-j REJECT`, `-j RETURN`.
    Accept,
    Drop,
    Reject,
    Return,
}

impl Part {
    fn render(&self, out: &mut String) {
        let _ = match self {
            Part::Comment(c) if c.contains(' ') => write!(out, "-m comment --comment \"{c}\""),
            Part::Comment(c) => write!(out, "-m comment --comment {c}"),
            Part::ModProto(p) => write!(out, "-m {p} -p {p}"),
            Part::Proto(p) => write!(out, "-p {p}"),
            Part::Module(p) => write!(out, "-m {p}"),
            Part::Dst(n) => write!(out, "-d {n}"),
            Part::NotDst(n) => write!(out, "! -d {n}"),
            Part::Src(n) => write!(out, "-s {n}"),
            Part::NotSrc(n) => write!(out, "! -s {n}"),
            Part::DPort(p) => write!(out, "--dport {p}"),
            Part::DstLocal => write!(out, "-m addrtype --dst-type LOCAL"),
            Part::SrcLocal => write!(out, "-m addrtype --src-type LOCAL"),
            Part::NotSrcLocal => write!(out, "-m addrtype ! --src-type LOCAL"),
            Part::NotPhysdevIn => write!(out, "-m physdev ! --physdev-is-in"),
            Part::Statistic(p) => write!(out, "-m statistic --mode random --probability {p}"),
            Part::RecentCheck { name, seconds } => write!(
                out,
                "-m recent --name {name} --rcheck --seconds {seconds} --reap"
            ),
            Part::RecentSet(name) => write!(out, "-m recent --name {name} --set"),
            Part::CtState { not, states } => write!(
                out,
                "-m conntrack {}--ctstate {states}",
                if *not { "! " } else { "" }
            ),
            Part::StateNew => write!(out, "-m state --state NEW"),
            Part::Mark { not, mark } => write!(
                out,
                "-m mark {}--mark {mark:#x}/{mark:#x}",
                if *not { "! " } else { "" }
            ),
            Part::MatchSet { set, flags } => write!(out, "-m set --match-set {set} {flags}"),
            Part::Ipvs { vaddr, proto, port } => write!(
                out,
                "-m ipvs --vaddr {vaddr} --vproto {proto} --vport {port}"
            ),
            Part::Jump(c) => write!(out, "-j {c}"),
            Part::Dnat(a) => write!(out, "-j DNAT --to-destination {a}"),
            Part::Redirect(p) => write!(out, "-j REDIRECT --to-ports {p}"),
            Part::MarkOr(m) => write!(out, "-j MARK --or-mark {m:#x}"),
            Part::MarkXor(m) => write!(out, "-j MARK --xor-mark {m:#x}"),
            Part::Masquerade { random_fully } => write!(
                out,
                "-j MASQUERADE{}",
                if *random_fully { " --random-fully" } else { "" }
            ),
            Part::Accept => write!(out, "-j ACCEPT"),
            Part::Drop => write!(out, "-j DROP"),
            Part::Reject => write!(out, "-j REJECT"),
            Part::Return => write!(out, "-j RETURN"),
        };
    }

    /// Whether this part is the rule's target (the rest are matches).
    pub fn is_target(&self) -> bool {
        matches!(
            self,
            Part::Jump(_)
                | Part::Dnat(_)
                | Part::Redirect(_)
                | Part::MarkOr(_)
                | Part::MarkXor(_)
                | Part::Masquerade { .. }
                | Part::Accept
                | Part::Drop
                | Part::Reject
                | Part::Return
        )
    }
}

/// One rule: its parts, and what it is for (which the trace narrates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub parts: Vec<Part>,
    pub role: Role,
}

impl Rule {
    pub fn new(role: Role, parts: Vec<Part>) -> Self {
        Rule { parts, role }
    }

    /// `-A CHAIN parts…`, as `iptables-save` prints it.
    pub fn render(&self, chain: &str, out: &mut String) {
        out.push_str("-A ");
        out.push_str(chain);
        for p in &self.parts {
            out.push(' ');
            p.render(out);
        }
    }

    /// The target, if the rule has one (a rule without one only counts
    /// packets).
    pub fn target(&self) -> Option<&Part> {
        self.parts.last().filter(|p| p.is_target())
    }

    /// The chain this rule jumps to, if it does.
    pub fn jump(&self) -> Option<&str> {
        match self.target() {
            Some(Part::Jump(c)) => Some(c),
            _ => None,
        }
    }
}

/// The chain both iptables-based proxiers (iptables and IPVS) jump to
/// from POSTROUTING.
pub const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";

/// KUBE-POSTROUTING's rules, the same in the iptables and IPVS proxiers:
/// packets without the masquerade `mark` return, the mark is cleared (a
/// packet may be re-processed), the rest are masqueraded.
pub fn kube_postrouting(nat: &mut Table, mark: u32, random_fully: bool) {
    nat.add_ipt(
        KUBE_POSTROUTING,
        Role::PostroutingSkip,
        vec![Part::Mark { not: true, mark }, Part::Return],
    );
    nat.add_ipt(
        KUBE_POSTROUTING,
        Role::PostroutingUnmark,
        vec![Part::MarkXor(mark)],
    );
    nat.add_ipt(
        KUBE_POSTROUTING,
        Role::Masquerade,
        vec![
            Part::Comment("kubernetes service traffic requiring SNAT".into()),
            Part::Masquerade { random_fully },
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &Rule) -> String {
        let mut s = String::new();
        r.render("KUBE-X", &mut s);
        s
    }

    #[test]
    fn renders_as_iptables_save() {
        let r = Rule::new(
            Role::Plumbing,
            vec![
                Part::Comment("ns/a cluster IP".into()),
                Part::ModProto("tcp"),
                Part::Dst(Net::Ip("10.0.0.1".parse().unwrap())),
                Part::DPort(80),
                Part::NotSrc(Net::Cidr("10.244.0.0/16".parse().unwrap())),
                Part::Jump("KUBE-MARK-MASQ".into()),
            ],
        );
        assert_eq!(
            text(&r),
            "-A KUBE-X -m comment --comment \"ns/a cluster IP\" -m tcp -p tcp -d 10.0.0.1 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ"
        );
        assert_eq!(r.jump(), Some("KUBE-MARK-MASQ"));
        let plain = Rule::new(
            Role::Plumbing,
            vec![
                Part::Comment("ns/a".into()),
                Part::Mark {
                    not: true,
                    mark: 0x4000,
                },
            ],
        );
        assert_eq!(
            text(&plain),
            "-A KUBE-X -m comment --comment ns/a -m mark ! --mark 0x4000/0x4000"
        );
        assert_eq!(plain.target(), None);
    }
}
