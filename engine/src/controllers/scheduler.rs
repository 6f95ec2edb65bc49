//! The default scheduler for equal pods, and host-local IPAM.
//!
//! Filters run in the default profile's order and a node fails at the
//! first: `NodeUnschedulable`, `NodeName`, `TaintToleration` (taints with
//! `NoSchedule` or `NoExecute`; a node that is not Ready carries the
//! `node.kubernetes.io/not-ready` taint the node lifecycle controller puts
//! on it), `NodeAffinity` (`nodeSelector`), `NodeResourcesFit` (kubelet's
//! default of 110 pods a node; CPU and memory are not modelled). Among the
//! nodes left, a pod goes where its owner has the fewest pods, then where
//! there are the fewest pods, then to one of the equals drawn from the
//! owner's seeded stream (upstream picks among the best at random). When
//! no node fits, the pod stays Pending with the scheduler's message.
//!
//! Pod IPs come from the node's `spec.podCIDRs` (or `podCIDR`), as
//! host-local IPAM hands them out: from the second address of the range
//! (the first is the bridge's), each after the last one given, wrapping
//! around, so a replacement gets a new IP even on the same node.

use super::random::Rng;
use crate::model::{Node, PodSpec, Taint, Toleration};
use crate::net::{parse_ip, Cidr, Family};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// kubelet's default `--max-pods`.
pub const MAX_PODS_PER_NODE: usize = 110;

/// The taint a node that is not Ready gets.
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
/// The taint a cordoned node is treated as having.
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Why a node cannot take a pod, as the filter plugins say it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unfit {
    Unschedulable,
    NodeName,
    Taint(String, String),
    Selector,
    TooManyPods,
}

impl Unfit {
    fn message(&self) -> String {
        match self {
            Unfit::Unschedulable => "node(s) were unschedulable".into(),
            Unfit::NodeName => "node(s) didn't match the requested node name".into(),
            Unfit::Taint(k, v) => format!("node(s) had untolerated taint {{{k}: {v}}}"),
            Unfit::Selector => "node(s) didn't match Pod's node affinity/selector".into(),
            Unfit::TooManyPods => "Too many pods".into(),
        }
    }

    /// Whether evicting lower-priority pods could help (only for
    /// resources); the preemption message says so.
    fn resolvable(&self) -> bool {
        matches!(self, Unfit::TooManyPods)
    }
}

/// `toleration.ToleratesTaint`.
fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    let effect = t.effect.as_deref().unwrap_or("");
    let key = t.key.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match t.operator.as_deref().unwrap_or("") {
        "" | "Equal" => t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        "Exists" => true,
        _ => false,
    }
}

/// The taints the scheduler sees on a node.
fn taints(node: &Node) -> impl Iterator<Item = Taint> + '_ {
    let not_ready = (!node.is_ready()).then(|| Taint {
        key: TAINT_NOT_READY.into(),
        value: None,
        effect: "NoSchedule".into(),
    });
    node.spec.taints.iter().cloned().chain(not_ready)
}

/// Whether `node` can take a pod of `spec` with `extra` tolerations (a
/// DaemonSet's), holding `pods` pods already.
pub fn fits(spec: &PodSpec, extra: &[Toleration], node: &Node, pods: usize) -> Result<(), Unfit> {
    let tolerations = || spec.tolerations.iter().chain(extra);
    if node.is_unschedulable() {
        let cordon = Taint {
            key: TAINT_UNSCHEDULABLE.into(),
            value: None,
            effect: "NoSchedule".into(),
        };
        if !tolerations().any(|t| tolerates(t, &cordon)) {
            return Err(Unfit::Unschedulable);
        }
    }
    if let Some(n) = spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        if n != node.metadata.name {
            return Err(Unfit::NodeName);
        }
    }
    for taint in taints(node) {
        if !matches!(taint.effect.as_str(), "NoSchedule" | "NoExecute") {
            continue;
        }
        if !tolerations().any(|t| tolerates(t, &taint)) {
            return Err(Unfit::Taint(taint.key, taint.value.unwrap_or_default()));
        }
    }
    if spec
        .node_selector
        .iter()
        .any(|(k, v)| node.metadata.labels.get(k) != Some(v))
    {
        return Err(Unfit::Selector);
    }
    if pods >= MAX_PODS_PER_NODE {
        return Err(Unfit::TooManyPods);
    }
    Ok(())
}

/// The scheduler's message when no node fits (`FitError.Error()` and the
/// default preemption's note).
pub fn fit_error(nodes: usize, reasons: &[Unfit]) -> String {
    if nodes == 0 {
        return "0/0 nodes are available: no nodes available to schedule pods.".into();
    }
    let histogram = |items: Vec<String>| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for m in items {
            *counts.entry(m).or_default() += 1;
        }
        let mut parts: Vec<String> = counts.iter().map(|(m, n)| format!("{n} {m}")).collect();
        crate::order::sort(&mut parts);
        parts.join(", ")
    };
    let filters = histogram(reasons.iter().map(Unfit::message).collect());
    let preemption = histogram(
        reasons
            .iter()
            .map(|r| {
                if r.resolvable() {
                    "No preemption victims found for incoming pod.".to_string()
                } else {
                    "Preemption is not helpful for scheduling.".to_string()
                }
            })
            .collect(),
    );
    format!("0/{nodes} nodes are available: {filters}. preemption: 0/{nodes} nodes are available: {preemption}")
}

/// Which of `ties` equally good nodes a pod goes to: a draw from its
/// owner's stream (upstream's `selectHost` picks at random among the best).
pub fn draw(ties: usize, rng: &mut Rng) -> usize {
    if ties > 1 {
        rng.below(ties)
    } else {
        0
    }
}

/// Node scores with, per subtree, the lowest and how many nodes share it:
/// the best score, how many tie for it, and the k-th of them in node
/// order, each in O(log n), where scanning every node for every pod
/// (1,000 nodes × 30,000 pods) was most of the scheduling.
#[derive(Debug, Clone)]
pub struct Scores {
    /// Leaves start here (a power of two); node 1 is the root.
    leaves: usize,
    /// Per tree node: the lowest score below it and how many nodes have
    /// it. One vector of pairs, built without a call per node: each
    /// owner's placement builds one over every node.
    tree: Vec<(u64, usize)>,
}

/// Two subtrees' lowest score and its count.
#[inline]
fn merge(a: (u64, usize), b: (u64, usize)) -> (u64, usize) {
    match a.0.cmp(&b.0) {
        std::cmp::Ordering::Less => a,
        std::cmp::Ordering::Greater => b,
        std::cmp::Ordering::Equal => (a.0, a.1 + b.1),
    }
}

impl Scores {
    pub fn new(scores: &[u64]) -> Self {
        let leaves = scores.len().next_power_of_two();
        // Padding leaves hold no node: they tie for nothing.
        let mut tree = vec![(u64::MAX, 0); 2 * leaves];
        for (slot, s) in tree[leaves..].iter_mut().zip(scores) {
            *slot = (*s, 1);
        }
        for v in (1..leaves).rev() {
            tree[v] = merge(tree[2 * v], tree[2 * v + 1]);
        }
        Scores { leaves, tree }
    }

    pub fn set(&mut self, i: usize, score: u64) {
        let mut v = self.leaves + i;
        if let Some(leaf) = self.tree.get_mut(v) {
            leaf.0 = score;
        }
        v /= 2;
        while v >= 1 {
            self.tree[v] = merge(self.tree[2 * v], self.tree[2 * v + 1]);
            v /= 2;
        }
    }

    /// The lowest score and how many nodes have it (`u64::MAX` when
    /// there are no nodes).
    pub fn best(&self) -> (u64, usize) {
        self.tree[1]
    }

    /// The index of the `k`-th node (from 0, in node order) with the
    /// lowest score; `k` below [`Scores::best`]'s count.
    pub fn nth_best(&self, mut k: usize) -> usize {
        let target = self.tree[1].0;
        let mut v = 1;
        while v < self.leaves {
            let l = 2 * v;
            let (min, ties) = self.tree[l];
            if min == target {
                if k < ties {
                    v = l;
                    continue;
                }
                k -= ties;
            }
            v = l + 1;
        }
        v - self.leaves
    }
}

/// One node's address ranges and what was handed out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeIpam {
    ranges: Vec<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Range {
    cidr: Cidr,
    /// The offset of the last address given.
    last: u128,
    used: BTreeSet<u128>,
}

impl NodeIpam {
    /// The ranges of a node: one per family, primary first.
    pub fn new(cidrs: &[Cidr]) -> Self {
        let mut seen = BTreeSet::new();
        NodeIpam {
            ranges: cidrs
                .iter()
                .filter(|c| seen.insert(c.family() == Family::IPv4))
                .map(|c| Range {
                    cidr: *c,
                    last: 1,
                    used: BTreeSet::new(),
                })
                .collect(),
        }
    }

    /// The node's ranges as its spec gives them.
    pub fn cidrs_of(node: &Node) -> Vec<Cidr> {
        let given: Vec<&String> = if node.spec.pod_cidrs.is_empty() {
            node.spec.pod_cidr.iter().collect()
        } else {
            node.spec.pod_cidrs.iter().collect()
        };
        given
            .into_iter()
            .filter_map(|c| crate::net::parse_cidr_masked(c))
            .collect()
    }

    pub fn has_ranges(&self) -> bool {
        !self.ranges.is_empty()
    }

    /// Marks an address a pod already holds as taken.
    pub fn hold(&mut self, ip: &str) {
        let Some(ip) = parse_ip(ip) else { return };
        for r in &mut self.ranges {
            if let Some(off) = r.cidr.offset_of(&ip) {
                r.used.insert(off);
            }
        }
    }

    pub fn release(&mut self, ip: &str) {
        let Some(ip) = parse_ip(ip) else { return };
        for r in &mut self.ranges {
            if let Some(off) = r.cidr.offset_of(&ip) {
                r.used.remove(&off);
            }
        }
    }

    /// One address from each range, or `None` when a range is full.
    pub fn allocate(&mut self) -> Option<Vec<IpAddr>> {
        let mut picked = Vec::new();
        for r in &mut self.ranges {
            let v4 = r.cidr.family() == Family::IPv4;
            // The network address and the bridge's first address are never
            // handed out, nor the IPv4 broadcast address.
            let first = 2u128;
            let end = r.cidr.size().min(1 << 20) - u128::from(v4);
            if end <= first {
                return None;
            }
            let start = if r.last + 1 >= end { first } else { r.last + 1 };
            // After the last one given, then from the first.
            let off = (start..end)
                .chain(first..start)
                .find(|o| !r.used.contains(o))?;
            picked.push((r, off));
        }
        let mut ips = Vec::new();
        for (r, off) in picked {
            r.used.insert(off);
            r.last = off;
            ips.extend(r.cidr.nth(off));
        }
        Some(ips)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeCondition, ObjectMeta};

    fn node(name: &str) -> Node {
        Node {
            metadata: ObjectMeta {
                name: name.into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn filters_in_upstreams_order() {
        let spec = PodSpec {
            node_selector: [("disk".to_string(), "ssd".to_string())].into(),
            ..Default::default()
        };
        let mut n = node("a");
        assert_eq!(fits(&spec, &[], &n, 0), Err(Unfit::Selector));
        n.metadata.labels.insert("disk".into(), "ssd".into());
        assert_eq!(fits(&spec, &[], &n, 0), Ok(()));
        assert_eq!(fits(&spec, &[], &n, 110), Err(Unfit::TooManyPods));
        n.spec.taints.push(Taint {
            key: "dedicated".into(),
            value: Some("db".into()),
            effect: "NoSchedule".into(),
        });
        assert_eq!(
            fits(&spec, &[], &n, 0),
            Err(Unfit::Taint("dedicated".into(), "db".into()))
        );
        let tolerant = PodSpec {
            tolerations: vec![Toleration {
                key: Some("dedicated".into()),
                operator: Some("Exists".into()),
                ..Default::default()
            }],
            ..spec.clone()
        };
        assert_eq!(fits(&tolerant, &[], &n, 0), Ok(()));
        n.spec.unschedulable = Some(true);
        assert_eq!(fits(&tolerant, &[], &n, 0), Err(Unfit::Unschedulable));
    }

    #[test]
    fn a_node_that_is_not_ready_is_tainted() {
        let mut n = node("a");
        n.status.conditions.push(NodeCondition {
            type_: "Ready".into(),
            status: "False".into(),
        });
        assert_eq!(
            fits(&PodSpec::default(), &[], &n, 0),
            Err(Unfit::Taint(TAINT_NOT_READY.into(), String::new()))
        );
    }

    #[test]
    fn the_fit_error_reads_as_the_schedulers() {
        let m = fit_error(
            3,
            &[
                Unfit::Selector,
                Unfit::Taint(
                    "node-role.kubernetes.io/control-plane".into(),
                    String::new(),
                ),
                Unfit::Selector,
            ],
        );
        assert_eq!(m, "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    }

    #[test]
    fn ties_are_drawn_from_the_owners_stream() {
        let mut a = Rng::for_owner(0, "ReplicaSet", "default", "a");
        let mut b = a.clone();
        let picks: Vec<usize> = (0..50).map(|_| draw(3, &mut a)).collect();
        assert!(picks.iter().all(|i| *i < 3));
        assert!((0..3).all(|i| picks.contains(&i)));
        assert_eq!(picks, (0..50).map(|_| draw(3, &mut b)).collect::<Vec<_>>());
        assert_eq!(draw(1, &mut a), 0);
    }

    #[test]
    fn scores_answer_what_a_scan_of_every_node_answers() {
        // Scores drawn from few values (many ties), changed one at a time
        // as pods are placed; every answer checked against the plain scan.
        let mut rng = Rng::for_owner(7, "ReplicaSet", "default", "scores");
        for n in [0, 1, 2, 3, 5, 8, 13, 100] {
            let mut plain: Vec<u64> = (0..n).map(|_| rng.below(4) as u64).collect();
            let mut tree = Scores::new(&plain);
            for step in 0..200 {
                let best = plain.iter().copied().min().unwrap_or(u64::MAX);
                let ties = plain.iter().filter(|s| **s == best).count();
                let want_ties = if n == 0 { 0 } else { ties };
                assert_eq!(tree.best(), (best, want_ties), "n={n} step={step}");
                if n == 0 {
                    break;
                }
                for k in 0..ties {
                    let i = plain
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| **s == best)
                        .nth(k)
                        .map(|(i, _)| i);
                    assert_eq!(Some(tree.nth_best(k)), i, "n={n} step={step} k={k}");
                }
                let i = rng.below(n);
                let s = if rng.below(10) == 0 {
                    u64::MAX
                } else {
                    rng.below(4) as u64
                };
                plain[i] = s;
                tree.set(i, s);
            }
        }
    }

    #[test]
    fn host_local_hands_out_the_next_address_every_time() {
        let cidr: Cidr = "10.244.1.0/24".parse().unwrap();
        let mut ipam = NodeIpam::new(&[cidr]);
        ipam.hold("10.244.1.2");
        let a = ipam.allocate().unwrap();
        assert_eq!(a[0].to_string(), "10.244.1.3");
        ipam.release("10.244.1.3");
        // Released, but the next one goes on from the last given.
        assert_eq!(ipam.allocate().unwrap()[0].to_string(), "10.244.1.4");
        let mut small = NodeIpam::new(&["10.0.0.0/30".parse().unwrap()]);
        assert_eq!(small.allocate().unwrap()[0].to_string(), "10.0.0.2");
        assert_eq!(small.allocate(), None);
    }

    #[test]
    fn host_local_wraps_around_to_the_first_free_address() {
        // A /29: .2 … .6 are handed out (.0 network, .1 bridge, .7 broadcast).
        let mut ipam = NodeIpam::new(&["10.0.0.0/29".parse().unwrap()]);
        let given: Vec<String> = (0..5)
            .map(|_| ipam.allocate().unwrap()[0].to_string())
            .collect();
        assert_eq!(
            given,
            ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
        );
        ipam.release("10.0.0.4");
        ipam.release("10.0.0.3");
        assert_eq!(ipam.allocate().unwrap()[0].to_string(), "10.0.0.3");
        assert_eq!(ipam.allocate().unwrap()[0].to_string(), "10.0.0.4");
        assert_eq!(ipam.allocate(), None);
    }

    #[test]
    fn dual_stack_nodes_give_both_families() {
        let mut ipam = NodeIpam::new(&[
            "10.244.1.0/24".parse().unwrap(),
            "fd00:10:244:1::/64".parse().unwrap(),
        ]);
        let ips = ipam.allocate().unwrap();
        assert_eq!(ips[0].to_string(), "10.244.1.2");
        assert_eq!(ips[1].to_string(), "fd00:10:244:1::2");
    }
}
