//! The controllers: pods from workloads, scheduled onto nodes, replaced
//! when they die. Pure and deterministic: the same objects, seed and
//! changes always give the same cluster.
//!
//! What they make enters the engine as ordinary objects (Pods, and the
//! ReplicaSets of Deployments), so selections, Endpoints, DNS, env vars,
//! kube-proxy's rules and the diagnostics follow as for any other object.
//! Each controller works as its upstream counterpart does:
//!
//! - Deployment → ReplicaSet `<deployment>-<pod-template-hash>` (the
//!   ReplicaSet whose template equals the Deployment's, if one exists;
//!   others are scaled to 0: a rollout completes in one change);
//! - ReplicaSet, ReplicationController, Job → pods `<owner>-<5 chars>`;
//! - StatefulSet → pods `<name>-0 … <name>-N-1`, `hostname` the pod's
//!   name, `subdomain` its `serviceName`;
//! - DaemonSet → one pod per node that its template can go to.
//!
//! A workload counts the active pods it controls: those whose controller
//! reference names it, and pods of its namespace without a controller that
//! its selector matches (adopted, the first workload in creation order
//! first), so a cluster dump with its pods is never doubled. A workload
//! the apiserver would refuse makes nothing. CronJobs make no Jobs (no
//! schedule fires at the logical time).
//!
//! Time is a logical clock ([`Clock`]): each change advances it by one
//! second, and objects created then get that `creationTimestamp`.

pub mod random;
pub mod scheduler;
pub mod template_hash;

use crate::error::Error;
use crate::hash::{FastMap, FastSet};
use crate::model::*;
use crate::net::Cidr;
use crate::objects::{NsName, Objects};
use crate::select::Selector;
use random::{Rng, SUFFIX_LEN};
use scheduler::NodeIpam;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The most pods the controllers keep in one cluster, and for one
/// workload: a workload that wants more (`replicas: 100000000`) gets what
/// fits and a note, never an unbounded allocation.
pub const MAX_PODS: usize = 100_000;
pub const MAX_PODS_PER_WORKLOAD: usize = 10_000;

/// Where the controllers' objects come from, for messages.
pub const ORIGIN: &str = "<controllers>";

/// The label a Deployment's ReplicaSets and pods carry.
pub const LABEL_POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// The cluster CIDR nodes without `podCIDR` get /24s from, as the
/// node-ipam-controller hands them out (`--cluster-cidr`, flannel's and
/// kubeadm guides' 10.244.0.0/16).
pub const CLUSTER_CIDR_V4: &str = "10.244.0.0/16";

/// The nodes a cluster without Node objects is given.
pub const DEFAULT_NODES: &[&str] = &["node-a", "node-b", "node-c"];

/// The logical time the first change happens at: 2025-01-01T00:00:00Z.
pub const EPOCH: i64 = 1_735_689_600;

/// The logical clock: seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub now: i64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock { now: EPOCH }
    }
}

impl Clock {
    pub fn tick(&mut self) {
        self.now += 1;
    }

    /// Keeps the clock after every time the input shows.
    pub fn observe(&mut self, timestamp: Option<&str>) {
        if let Some(t) = timestamp.and_then(crate::time::parse_rfc3339) {
            self.now = self.now.max(t);
        }
    }

    pub fn timestamp(&self) -> String {
        crate::time::format_rfc3339(self.now)
    }
}

/// What the controllers want done to the cluster: objects to delete, then
/// objects to add or replace, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub delete: Vec<ObjectKey>,
    pub apply: Vec<Object>,
    /// What a user should know: assumptions made, caps hit.
    pub notes: Vec<String>,
}

/// The kinds whose pods the controllers make.
const POD_OWNERS: &[&str] = &[
    "ReplicaSet",
    "ReplicationController",
    "StatefulSet",
    "DaemonSet",
    "Job",
];

/// The controllers' own state: their random streams, the nodes' address
/// ranges, which pods each owner controls, and what they made.
#[derive(Debug, Clone, Default)]
pub struct Controllers {
    seed: u64,
    dual_stack: bool,
    pub clock: Clock,
    // Looked up, never listed in order: hash maps, whose lookups cost
    // no string comparisons (a B-tree's were most of making a pod).
    rngs: FastMap<ObjectKey, Rng>,
    ipam: FastMap<String, NodeIpam>,
    /// Pods per node (active ones).
    on_node: FastMap<String, usize>,
    /// Owner → the names of the pods it controls (same namespace).
    owned: FastMap<ObjectKey, BTreeSet<String>>,
    /// The objects the controllers made that still exist (listed only
    /// sorted).
    made: FastSet<ObjectKey>,
    /// How many of them are pods.
    made_pods: usize,
    /// Pods put to terminating by the last change; gone at the next (their
    /// grace period is over by then).
    terminating: BTreeSet<NsName>,
    /// Notes that stay true while the cluster lasts (default nodes).
    standing: BTreeSet<String>,
}

/// What one reconcile works on: the engine's objects, with the objects
/// planned so far laid over them.
struct View<'a> {
    objects: &'a Objects,
    /// Looked up, never listed: the pods planned so far.
    pods: FastMap<NsName, Arc<Pod>>,
    gone: BTreeSet<NsName>,
    workloads: BTreeMap<(String, NsName), Workload>,
    gone_workloads: BTreeSet<(String, NsName)>,
    nodes: BTreeMap<String, Node>,
    /// Every node's name in order, worked out at the first placement:
    /// each owner's placement shares it.
    node_names: Option<Arc<[String]>>,
    /// The active pods on each of those nodes, worked out at the first
    /// placement and kept up as pods are placed, so that each owner's
    /// placement does not count them again; `None` once a pod leaves a
    /// node in another way.
    load: Option<Vec<usize>>,
    /// The last filter results worked out, with the scheduling fields of
    /// the spec they are for: owners of equal templates share them.
    unfit: Option<(Filtered, Arc<[Option<scheduler::Unfit>]>)>,
    /// The conditions of a running pod, shared by every pod started in
    /// this change.
    running: Option<Arc<Vec<PodCondition>>>,
}

/// What [`scheduler::fits`] reads of a pod's spec.
struct Filtered {
    node_name: Option<String>,
    node_selector: StringMap,
    tolerations: Vec<Toleration>,
}

impl Filtered {
    fn of(spec: &PodSpec) -> Self {
        Filtered {
            node_name: spec.node_name.clone(),
            node_selector: spec.node_selector.clone(),
            tolerations: spec.tolerations.clone(),
        }
    }

    fn is_for(&self, spec: &PodSpec) -> bool {
        self.node_name == spec.node_name
            && self.node_selector == spec.node_selector
            && self.tolerations == spec.tolerations
    }
}

impl<'a> View<'a> {
    fn new(objects: &'a Objects) -> Self {
        View {
            objects,
            pods: FastMap::default(),
            gone: BTreeSet::new(),
            workloads: BTreeMap::new(),
            gone_workloads: BTreeSet::new(),
            nodes: BTreeMap::new(),
            node_names: None,
            load: None,
            unfit: None,
            running: None,
        }
    }

    /// Adds or replaces a node for the rest of the change.
    fn set_node(&mut self, node: Node) {
        self.node_names = None;
        self.load = None;
        self.unfit = None;
        self.nodes.insert(node.metadata.name.clone(), node);
    }

    /// The names of [`View::nodes`], shared.
    fn node_names(&mut self) -> Arc<[String]> {
        if self.node_names.is_none() {
            let names: Vec<String> = self
                .nodes()
                .iter()
                .map(|n| n.metadata.name.clone())
                .collect();
            self.node_names = Some(names.into());
        }
        self.node_names.clone().unwrap_or_default()
    }

    /// The active pods on each of [`View::node_names`], from `on_node`
    /// the first time.
    fn load(&mut self, on_node: &FastMap<String, usize>) -> Vec<usize> {
        if self.load.is_none() {
            let names = self.node_names();
            self.load = Some(
                names
                    .iter()
                    .map(|n| on_node.get(n).copied().unwrap_or(0))
                    .collect(),
            );
        }
        self.load.clone().unwrap_or_default()
    }

    /// A pod was placed on the `i`th node.
    fn placed(&mut self, i: usize) {
        if let Some(c) = self.load.as_mut().and_then(|l| l.get_mut(i)) {
            *c += 1;
        }
    }

    /// What kubelet reports of a pod whose containers run and are ready.
    fn running_conditions(&mut self) -> Arc<Vec<PodCondition>> {
        let all = self.running.get_or_insert_with(|| {
            Arc::new(
                [
                    "PodReadyToStartContainers",
                    "Initialized",
                    "Ready",
                    "ContainersReady",
                    "PodScheduled",
                ]
                .iter()
                .map(|t| condition(t, "True", None))
                .collect(),
            )
        });
        Arc::clone(all)
    }

    /// The first failing filter of every node for a pod of `spec`.
    fn unfit(&mut self, spec: &PodSpec) -> Arc<[Option<scheduler::Unfit>]> {
        if let Some((key, unfit)) = &self.unfit {
            if key.is_for(spec) {
                return Arc::clone(unfit);
            }
        }
        let unfit: Arc<[Option<scheduler::Unfit>]> = self
            .nodes()
            .iter()
            .map(|n| scheduler::fits(spec, &[], n, 0).err())
            .collect();
        self.unfit = Some((Filtered::of(spec), Arc::clone(&unfit)));
        unfit
    }

    fn pod(&self, nn: &NsName) -> Option<&Pod> {
        if self.gone.contains(nn) {
            return None;
        }
        self.pods
            .get(nn)
            .or_else(|| self.objects.pods.get(nn))
            .map(|p| &**p)
    }

    fn workload(&self, kind: &str, nn: &NsName) -> Option<&Workload> {
        let k = (kind.to_string(), nn.clone());
        if self.gone_workloads.contains(&k) {
            return None;
        }
        self.workloads
            .get(&k)
            .or_else(|| self.objects.workloads.get(&k))
    }

    /// Every node, in name order.
    fn nodes(&self) -> Vec<&Node> {
        if self.nodes.is_empty() {
            return self.objects.nodes.values().collect();
        }
        let mut all: Vec<&Node> = self.nodes.values().collect();
        all.extend(
            self.objects
                .nodes
                .values()
                .filter(|n| !self.nodes.contains_key(&n.metadata.name)),
        );
        crate::order::sort_by(&mut all, |a, b| a.metadata.name.cmp(&b.metadata.name));
        all
    }

    fn node(&self, name: &str) -> Option<&Node> {
        self.nodes
            .get(name)
            .or_else(|| self.objects.nodes.get(name))
    }
}

/// Where one owner's new pods can go, worked out once per reconcile of
/// that owner: every node's first failing filter (load aside), and a
/// score per node, `(owner's pods, pods)` packed in one integer, kept in
/// a [`scheduler::Scores`] so that each pick costs O(log nodes).
struct Placement {
    names: Arc<[String]>,
    unfit: Arc<[Option<scheduler::Unfit>]>,
    load: Vec<usize>,
    own: Vec<usize>,
    /// `own << 32 | load` for nodes that can take a pod, else `u64::MAX`.
    score: scheduler::Scores,
}

impl Placement {
    fn new(
        names: Arc<[String]>,
        unfit: Arc<[Option<scheduler::Unfit>]>,
        load: Vec<usize>,
        own: Vec<usize>,
    ) -> Self {
        let scores: Vec<u64> = (0..names.len())
            .map(|i| Self::score_of(&unfit, &load, &own, i))
            .collect();
        Placement {
            score: scheduler::Scores::new(&scores),
            names,
            unfit,
            load,
            own,
        }
    }

    fn score_of(
        unfit: &[Option<scheduler::Unfit>],
        load: &[usize],
        own: &[usize],
        i: usize,
    ) -> u64 {
        if unfit[i].is_none() && load[i] < scheduler::MAX_PODS_PER_NODE {
            ((own[i] as u64) << 32) | load[i] as u64
        } else {
            u64::MAX
        }
    }

    /// The node for one more pod (its place in the names), or the
    /// scheduler's message.
    fn pick(&mut self, rng: &mut Rng) -> Result<usize, String> {
        let (best, ties) = self.score.best();
        if best == u64::MAX {
            let reasons: Vec<scheduler::Unfit> = self
                .unfit
                .iter()
                .map(|u| u.clone().unwrap_or(scheduler::Unfit::TooManyPods))
                .collect();
            return Err(scheduler::fit_error(self.names.len(), &reasons));
        }
        // Upstream picks among the best-scored nodes at random.
        let k = scheduler::draw(ties, rng);
        let i = self.score.nth_best(k);
        self.load[i] += 1;
        self.own[i] += 1;
        let s = Self::score_of(&self.unfit, &self.load, &self.own, i);
        self.score.set(i, s);
        Ok(i)
    }
}

/// Where a new pod goes: through the scheduler (with the owner's
/// placement, worked out at its first pod), or onto a node the controller
/// chose (a DaemonSet's).
enum Target<'a> {
    Schedule(&'a mut Option<Placement>),
    Node(&'a str),
}

/// A pod that counts: not terminating, not finished.
fn is_active(p: &Pod) -> bool {
    !p.is_terminating() && !p.is_terminal()
}

/// The part of a generated pod name before its random suffix, as
/// `names.SimpleNameGenerator` cuts the controllers' `<owner>-` prefix:
/// to 58 bytes, so that the name fits 63 (a long owner's pods lose the
/// dash).
fn generated_name_base(owner: &str) -> String {
    let mut base = format!("{owner}-");
    let mut end = base.len().min(63 - SUFFIX_LEN);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    base.truncate(end);
    base
}

fn key_of(kind: &str, ns: &str, name: &str) -> ObjectKey {
    ObjectKey::new(kind, ns, name)
}

impl Controllers {
    pub fn new(seed: u64, dual_stack: bool) -> Self {
        Controllers {
            seed,
            dual_stack,
            ..Default::default()
        }
    }

    /// Whether the controllers made this object.
    pub fn made(&self, key: &ObjectKey) -> bool {
        self.made.contains(key)
    }

    /// Notes that hold for the whole cluster (assumptions made).
    pub fn standing_notes(&self) -> impl Iterator<Item = &String> {
        self.standing.iter()
    }

    /// Draws from `owner`'s stream (its key is copied only the first
    /// time: every pod draws twice).
    fn with_rng<T>(&mut self, owner: &ObjectKey, draw: impl FnOnce(&mut Rng) -> T) -> T {
        if let Some(r) = self.rngs.get_mut(owner) {
            return draw(r);
        }
        let mut r = Rng::for_owner(self.seed, &owner.kind, &owner.namespace, &owner.name);
        let out = draw(&mut r);
        self.rngs.insert(owner.clone(), r);
        out
    }

    /// A UID for an object that has none: the same for the same object
    /// and seed.
    fn uid_of(&self, kind: &str, meta: &ObjectMeta) -> String {
        match meta.uid.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => u.to_string(),
            None => Rng::for_owner(self.seed ^ 0x5549_4400, kind, meta.ns(), &meta.name).uid(),
        }
    }

    /// Brings the whole cluster to what its workloads want, after a change
    /// to the input: pods put to terminating by the last change are gone,
    /// every index is rebuilt from the objects, then every workload is
    /// reconciled in creation order.
    pub fn reconcile_all<O: Ord>(
        &mut self,
        objects: &Objects,
        order: &dyn Fn(&ObjectKey) -> Option<O>,
    ) -> Plan {
        let mut plan = Plan::default();
        let mut view = View::new(objects);
        self.finish_terminating(&mut view, &mut plan);
        self.rebuild(objects, &mut view);
        let mut workloads: Vec<(Option<O>, ObjectKey)> = objects
            .workloads
            .iter()
            .map(|((kind, nn), _)| {
                let k = key_of(kind, &nn.namespace, &nn.name);
                (order(&k), k)
            })
            .collect();
        crate::order::sort(&mut workloads);
        let wants_pods = objects
            .workloads
            .values()
            .any(|w| w.kind != "CronJob" && crate::validate::validate_workload(w).is_empty());
        if objects.nodes.is_empty() && wants_pods {
            self.add_default_nodes(&mut view, &mut plan);
        }
        self.collect_garbage(&mut view, &mut plan);
        for (_, k) in workloads.iter().filter(|(_, k)| k.kind == "Deployment") {
            self.reconcile_deployment(k, &mut view, &mut plan);
        }
        self.adopt(&view, &workloads);
        let mut owners: Vec<ObjectKey> = workloads
            .iter()
            .map(|(_, k)| k.clone())
            .filter(|k| POD_OWNERS.contains(&k.kind.as_str()))
            .collect();
        // ReplicaSets the Deployments made in this very reconcile.
        let mut listed = BTreeSet::new();
        listed.extend(owners.iter().cloned());
        for (kind, nn) in view.workloads.keys() {
            let k = key_of(kind, &nn.namespace, &nn.name);
            if listed.insert(k.clone()) {
                owners.push(k);
            }
        }
        for k in owners {
            self.reconcile_pods(&k, &mut view, &mut plan);
        }
        plan
    }

    /// Pods that were put to terminating are deleted for good.
    fn finish_terminating(&mut self, view: &mut View, plan: &mut Plan) {
        for nn in std::mem::take(&mut self.terminating) {
            if view.objects.pods.contains_key(&nn) {
                self.forget_pod(&nn, view);
                plan.delete.push(key_of("Pod", &nn.namespace, &nn.name));
                view.gone.insert(nn);
            }
        }
    }

    /// The indexes, from the objects as they are.
    fn rebuild(&mut self, objects: &Objects, view: &mut View) {
        view.load = None;
        self.made.retain(|k| match k.kind.as_str() {
            "Pod" => objects
                .pods
                .contains_key(&NsName::new(&k.namespace, &k.name)),
            "Node" => objects.nodes.contains_key(&k.name),
            kind => objects
                .workloads
                .contains_key(&(kind.to_string(), NsName::new(&k.namespace, &k.name))),
        });
        self.made_pods = self.made.iter().filter(|k| k.kind == "Pod").count();
        self.on_node.clear();
        self.owned.clear();
        let mut ipam = FastMap::default();
        let mut given: Vec<(String, Vec<Cidr>)> = Vec::new();
        for node in objects.nodes.values() {
            given.push((node.metadata.name.clone(), NodeIpam::cidrs_of(node)));
        }
        for (name, cidrs) in self.assign_cidrs(given) {
            // A node keeps the addresses it handed out before.
            let kept = self
                .ipam
                .remove(&name)
                .filter(|old| *old == NodeIpam::new(&cidrs));
            ipam.insert(name, kept.unwrap_or_else(|| NodeIpam::new(&cidrs)));
        }
        for (nn, pod) in &objects.pods {
            if view.gone.contains(nn) {
                continue;
            }
            if let Some(node) = pod.spec.node_name.as_deref() {
                if let Some(r) = ipam.get_mut(node) {
                    for ip in pod.ips() {
                        r.hold(ip);
                    }
                }
                if is_active(pod) {
                    *self.on_node.entry(node.to_string()).or_default() += 1;
                }
            }
            if let Some(r) = pod.metadata.controller_ref() {
                let owner = key_of(&r.kind, &nn.namespace, &r.name);
                if objects
                    .workloads
                    .contains_key(&(r.kind.clone(), NsName::new(&nn.namespace, &r.name)))
                {
                    self.owned.entry(owner).or_default().insert(nn.name.clone());
                }
            }
        }
        self.ipam = ipam;
    }

    /// Ranges for nodes without a `podCIDR`: the next free /24 (and /64
    /// in a dual-stack cluster) of the cluster CIDR, in node name order.
    fn assign_cidrs(&mut self, given: Vec<(String, Vec<Cidr>)>) -> Vec<(String, Vec<Cidr>)> {
        let mut taken = BTreeSet::new();
        taken.extend(
            given
                .iter()
                .flat_map(|(_, c)| c.iter().map(|c| c.to_string())),
        );
        let mut next = 1u32;
        let mut out = Vec::new();
        for (name, cidrs) in given {
            if !cidrs.is_empty() {
                out.push((name, cidrs));
                continue;
            }
            let mut pick = None;
            while next < 256 && pick.is_none() {
                let c = format!("10.244.{next}.0/24");
                if !taken.contains(&c) {
                    pick = c.parse::<Cidr>().ok();
                }
                next += 1;
            }
            let Some(p4) = pick else {
                out.push((name, Vec::new()));
                continue;
            };
            let mut cidrs = vec![p4];
            if self.dual_stack {
                if let Ok(c) = format!("fd00:10:244:{:x}::/64", next - 1).parse() {
                    cidrs.push(c);
                }
            }
            self.standing.insert(format!(
                "node {name} has no spec.podCIDR: its pods get addresses from {} (the next range of the cluster CIDR {CLUSTER_CIDR_V4}, as the node IPAM controller would give)",
                cidrs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" and ")
            ));
            out.push((name, cidrs));
        }
        out
    }

    fn add_default_nodes(&mut self, view: &mut View, plan: &mut Plan) {
        for (i, name) in DEFAULT_NODES.iter().enumerate() {
            let mut cidrs = vec![format!("10.244.{}.0/24", i + 1)];
            if self.dual_stack {
                cidrs.push(format!("fd00:10:244:{}::/64", i + 1));
            }
            let node = Node {
                metadata: ObjectMeta {
                    name: name.to_string(),
                    labels: [("kubernetes.io/hostname".to_string(), name.to_string())].into(),
                    creation_timestamp: Some(self.clock.timestamp()),
                    ..Default::default()
                },
                spec: NodeSpec {
                    pod_cidr: cidrs.first().cloned(),
                    pod_cidrs: cidrs.clone(),
                    ..Default::default()
                },
                status: NodeStatus {
                    addresses: vec![NodeAddress {
                        type_: "InternalIP".into(),
                        address: format!("192.168.0.{}", 10 + i),
                    }],
                    conditions: vec![NodeCondition {
                        type_: "Ready".into(),
                        status: "True".into(),
                    }],
                },
            };
            let parsed: Vec<Cidr> = cidrs.iter().filter_map(|c| c.parse().ok()).collect();
            self.ipam.insert(name.to_string(), NodeIpam::new(&parsed));
            self.made.insert(key_of("Node", "", name));
            view.set_node(node.clone());
            plan.apply.push(Object::Node(Box::new(node)));
        }
        self.standing.insert(format!(
            "the input has no Nodes: the controllers assume {} (Ready, pod CIDRs 10.244.1.0/24 to 10.244.{}.0/24{})",
            DEFAULT_NODES.join(", "),
            DEFAULT_NODES.len(),
            if self.dual_stack { " and fd00:10:244:N::/64" } else { "" }
        ));
    }

    /// Objects the controllers made whose owner is gone are deleted (the
    /// garbage collector's cascade).
    fn collect_garbage(&mut self, view: &mut View, plan: &mut Plan) {
        // A ReplicaSet goes first, then the pods it owned.
        while self.collect_orphans(view, plan) {}
    }

    /// One round of [`Controllers::collect_garbage`]; whether it found any.
    fn collect_orphans(&mut self, view: &mut View, plan: &mut Plan) -> bool {
        let mut orphans = Vec::new();
        for k in &self.made {
            let owner = match k.kind.as_str() {
                "Pod" => view
                    .pod(&NsName::new(&k.namespace, &k.name))
                    .and_then(|p| p.metadata.controller_ref().cloned()),
                "Node" => continue,
                kind => view
                    .workload(kind, &NsName::new(&k.namespace, &k.name))
                    .and_then(|w| w.metadata.controller_ref().cloned()),
            };
            let alive = owner.is_some_and(|r| {
                view.workload(&r.kind, &NsName::new(&k.namespace, &r.name))
                    .is_some()
            });
            if !alive {
                orphans.push(k.clone());
            }
        }
        // In key order, as they are deleted.
        crate::order::sort(&mut orphans);
        let found = !orphans.is_empty();
        for k in orphans {
            let nn = NsName::new(&k.namespace, &k.name);
            if k.kind == "Pod" {
                self.forget_pod(&nn, view);
                view.gone.insert(nn);
            } else {
                view.workloads.remove(&(k.kind.clone(), nn.clone()));
                view.gone_workloads.insert((k.kind.clone(), nn));
                self.made.remove(&k);
            }
            plan.delete.push(k);
        }
        found
    }

    /// Pods without a controller that a workload's selector matches are
    /// adopted by the first such workload in creation order (a
    /// Deployment's current ReplicaSet for the Deployment).
    fn adopt<O>(&mut self, view: &View, workloads: &[(O, ObjectKey)]) {
        let mut by_ns: BTreeMap<&str, Vec<(ObjectKey, Selector)>> = BTreeMap::new();
        for (_, k) in workloads {
            let nn = NsName::new(&k.namespace, &k.name);
            let Some(w) = view.workload(&k.kind, &nn) else {
                continue;
            };
            if !POD_OWNERS.contains(&k.kind.as_str()) && k.kind != "Deployment" {
                continue;
            }
            if w.kind == "Job" || !crate::validate::validate_workload(w).is_empty() {
                continue;
            }
            let Ok(sel) = Selector::from_label_selector(w.selector.as_ref()) else {
                continue;
            };
            let owner = if k.kind == "Deployment" {
                match self.current_replica_set(k, view) {
                    Some(rs) => rs,
                    None => continue,
                }
            } else {
                k.clone()
            };
            by_ns.entry(&k.namespace).or_default().push((owner, sel));
        }
        for (nn, pod) in &view.objects.pods {
            if view.gone.contains(nn) {
                continue;
            }
            if let Some(r) = pod.metadata.controller_ref() {
                if view
                    .workload(&r.kind, &NsName::new(&nn.namespace, &r.name))
                    .is_some()
                {
                    // Its controller (made in this very reconcile, maybe).
                    self.owned
                        .entry(key_of(&r.kind, &nn.namespace, &r.name))
                        .or_default()
                        .insert(nn.name.clone());
                    continue;
                }
            }
            if !is_active(pod) {
                continue;
            }
            let Some(candidates) = by_ns.get(nn.namespace.as_str()) else {
                continue;
            };
            if let Some((owner, _)) = candidates
                .iter()
                .find(|(_, sel)| sel.matches(&pod.metadata.labels))
            {
                self.owned
                    .entry(owner.clone())
                    .or_default()
                    .insert(nn.name.clone());
            }
        }
    }

    /// The ReplicaSet a Deployment's pods belong to now, once planned.
    fn current_replica_set(&self, deployment: &ObjectKey, view: &View) -> Option<ObjectKey> {
        let d = view.workload(
            "Deployment",
            &NsName::new(&deployment.namespace, &deployment.name),
        )?;
        let hash = template_hash::pod_template_hash(&d.template);
        self.find_replica_set(d, &hash, view)
            .map(|rs| key_of("ReplicaSet", &deployment.namespace, &rs))
    }

    /// The ReplicaSet whose template is the Deployment's (the
    /// pod-template-hash label aside), as upstream finds it: first the one
    /// named by the hash, then any other of the namespace.
    fn find_replica_set(&self, d: &Workload, hash: &str, view: &View) -> Option<String> {
        let ns = d.metadata.ns();
        let current =
            |rs: &Workload| owned_by(&rs.metadata, d) && same_template(&rs.template, &d.template);
        let hashed = format!("{}-{hash}", d.metadata.name);
        if view
            .workload("ReplicaSet", &NsName::new(ns, &hashed))
            .is_some_and(current)
        {
            return Some(hashed);
        }
        // The first by name of the namespace's ReplicaSets, the planned
        // over the stored: the first of each that is current, the stored
        // ones a planned one replaces left out. Keys are built only for
        // the few that are current: this runs for every Deployment.
        let key = |name: &str| ("ReplicaSet".to_string(), NsName::new(ns, name));
        let usable =
            |name: &str, rs: &Workload| current(rs) && !view.gone_workloads.contains(&key(name));
        let planned = replica_sets_in(&view.workloads, ns).find(|&(name, rs)| usable(name, rs));
        let stored = replica_sets_in(&view.objects.workloads, ns)
            .find(|&(name, rs)| usable(name, rs) && !view.workloads.contains_key(&key(name)));
        planned
            .into_iter()
            .chain(stored)
            .map(|(name, _)| name)
            .min()
            .map(str::to_string)
    }

    fn reconcile_deployment(&mut self, k: &ObjectKey, view: &mut View, plan: &mut Plan) {
        let nn = NsName::new(&k.namespace, &k.name);
        let Some(d) = view.workload("Deployment", &nn).cloned() else {
            return;
        };
        if !crate::validate::validate_workload(&d).is_empty() {
            return;
        }
        let replicas = d.replicas.unwrap_or(1);
        let hash = template_hash::pod_template_hash(&d.template);
        let current = self.find_replica_set(&d, &hash, view);
        let current = match current {
            Some(name) => {
                let rs_nn = NsName::new(&k.namespace, &name);
                if let Some(rs) = view.workload("ReplicaSet", &rs_nn) {
                    if rs.replicas != Some(replicas) {
                        let mut rs = rs.clone();
                        rs.replicas = Some(replicas);
                        self.plan_workload(rs, view, plan);
                    }
                }
                name
            }
            None => {
                let rs = self.new_replica_set(&d, &hash, replicas);
                let name = rs.metadata.name.clone();
                self.made.insert(key_of("ReplicaSet", &k.namespace, &name));
                self.plan_workload(rs, view, plan);
                name
            }
        };
        // Every other ReplicaSet of the Deployment is scaled to 0.
        let others: Vec<Workload> = replica_sets_in(&view.objects.workloads, &k.namespace)
            .chain(replica_sets_in(&view.workloads, &k.namespace))
            .filter(|(name, rs)| {
                *name != current && owned_by(&rs.metadata, &d) && rs.replicas != Some(0)
            })
            .map(|(_, rs)| rs.clone())
            .collect();
        for mut rs in others {
            rs.replicas = Some(0);
            self.plan_workload(rs, view, plan);
        }
    }

    fn plan_workload(&mut self, w: Workload, view: &mut View, plan: &mut Plan) {
        let key = (w.kind.clone(), NsName::of(&w.metadata));
        if view.workloads.contains_key(&key) {
            // Planned already in this change: the later version replaces it.
            plan.apply.retain(|o| {
                !matches!(o, Object::Workload(x) if x.kind == key.0 && NsName::of(&x.metadata) == key.1)
            });
        }
        plan.apply.push(Object::Workload(Box::new(w.clone())));
        view.workloads.insert(key, w);
    }

    /// The ReplicaSet a Deployment creates for its template.
    fn new_replica_set(&mut self, d: &Workload, hash: &str, replicas: i32) -> Workload {
        let ns = d.metadata.ns().to_string();
        let name = format!("{}-{hash}", d.metadata.name);
        let mut template = d.template.clone();
        template
            .metadata
            .labels
            .insert(LABEL_POD_TEMPLATE_HASH.into(), hash.to_string());
        let mut selector = d.selector.clone().unwrap_or_default();
        selector
            .match_labels
            .get_or_insert_with(Default::default)
            .insert(LABEL_POD_TEMPLATE_HASH.into(), hash.to_string());
        let mut meta = ObjectMeta {
            name,
            namespace: Some(ns),
            labels: template.metadata.labels.clone(),
            creation_timestamp: Some(self.clock.timestamp()),
            owner_references: [self.owner_ref("apps/v1", "Deployment", &d.metadata)].into(),
            ..Default::default()
        };
        meta.uid = Some(self.uid_of("ReplicaSet", &meta));
        Workload {
            kind: "ReplicaSet".into(),
            metadata: meta,
            replicas: Some(replicas),
            selector: Some(selector),
            service_name: None,
            parallelism: None,
            template,
        }
    }

    fn owner_ref(&self, api_version: &str, kind: &str, meta: &ObjectMeta) -> OwnerReference {
        OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: meta.name.clone(),
            uid: self.uid_of(kind, meta),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }
    }

    /// Makes or removes the pods of one pod-making workload.
    fn reconcile_pods(&mut self, k: &ObjectKey, view: &mut View, plan: &mut Plan) {
        let nn = NsName::new(&k.namespace, &k.name);
        let Some(w) = view.workload(&k.kind, &nn).cloned() else {
            return;
        };
        if !crate::validate::validate_workload(&w).is_empty() {
            return;
        }
        let mine: Vec<(String, Pod)> = self
            .owned
            .get(k)
            .into_iter()
            .flatten()
            .filter_map(|name| {
                let p = view.pod(&NsName::new(&k.namespace, name))?;
                is_active(p).then(|| (name.clone(), p.clone()))
            })
            .collect();
        let proto = self.pod_prototype(k, &w);
        match k.kind.as_str() {
            "StatefulSet" => self.reconcile_stateful_set(k, &w, &proto, mine, view, plan),
            "DaemonSet" => self.reconcile_daemon_set(k, &w, &proto, mine, view, plan),
            _ => {
                let want = match k.kind.as_str() {
                    "Job" => w.parallelism.unwrap_or(1),
                    _ => w.replicas.unwrap_or(1),
                };
                let want = usize::try_from(want).unwrap_or(0);
                let have = mine.len();
                if have > want {
                    let mut ranked = mine;
                    // controller.ActivePods: unscheduled, pending, not ready
                    // and newer pods go first.
                    crate::order::sort_by(&mut ranked, |(an, a), (bn, b)| {
                        deletion_rank(a, an).cmp(&deletion_rank(b, bn))
                    });
                    for (name, _) in ranked.into_iter().take(have - want) {
                        self.terminate(&NsName::new(&k.namespace, &name), view, plan);
                    }
                }
                let mut placement = None;
                for _ in have..want {
                    if !self.create_pod(
                        k,
                        &proto,
                        None,
                        Target::Schedule(&mut placement),
                        view,
                        plan,
                    ) {
                        break;
                    }
                }
            }
        }
    }

    fn reconcile_stateful_set(
        &mut self,
        k: &ObjectKey,
        w: &Workload,
        proto: &Pod,
        mine: Vec<(String, Pod)>,
        view: &mut View,
        plan: &mut Plan,
    ) {
        let want = usize::try_from(w.replicas.unwrap_or(1)).unwrap_or(0);
        let prefix = format!("{}-", k.name);
        let ordinal = |name: &str| -> Option<usize> {
            let n = name.strip_prefix(&prefix)?;
            (!n.starts_with('0') || n == "0")
                .then(|| n.parse().ok())
                .flatten()
        };
        // Scaling down removes the highest ordinals first, at once (the
        // name is free again only when the pod is gone).
        let mut extra: Vec<(usize, String)> = mine
            .iter()
            .filter_map(|(name, _)| {
                ordinal(name)
                    .filter(|o| *o >= want)
                    .map(|o| (o, name.clone()))
            })
            .collect();
        crate::order::sort(&mut extra);
        for (_, name) in extra.into_iter().rev() {
            self.remove_now(&NsName::new(&k.namespace, &name), view, plan);
        }
        let mut placement = None;
        for i in 0..want {
            let pod_nn = NsName::new(&k.namespace, &format!("{}-{i}", k.name));
            if view.pod(&pod_nn).is_some() {
                continue;
            }
            if !self.create_pod(
                k,
                proto,
                Some(i),
                Target::Schedule(&mut placement),
                view,
                plan,
            ) {
                break;
            }
        }
    }

    fn reconcile_daemon_set(
        &mut self,
        k: &ObjectKey,
        w: &Workload,
        proto: &Pod,
        mine: Vec<(String, Pod)>,
        view: &mut View,
        plan: &mut Plan,
    ) {
        let tolerations = daemon_set_tolerations();
        let nodes: Vec<Node> = view.nodes().into_iter().cloned().collect();
        let mut placed: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, p) in &mine {
            if let Some(n) = p.spec.node_name.as_deref() {
                placed.entry(n.to_string()).or_default().push(name.clone());
            }
        }
        for node in &nodes {
            let name = node.metadata.name.as_str();
            // The DaemonSet controller places pods whatever the node's
            // load: only selector, taints and cordon decide.
            let fits = scheduler::fits(&w.template.spec, &tolerations, node, 0).is_ok();
            let here = placed.remove(name).unwrap_or_default();
            if fits && here.is_empty() {
                if !self.create_pod(k, proto, None, Target::Node(name), view, plan) {
                    break;
                }
            } else if !fits {
                for p in here {
                    self.terminate(&NsName::new(&k.namespace, &p), view, plan);
                }
            }
        }
        // Pods on nodes that no longer exist.
        for (_, pods) in placed {
            for p in pods {
                self.terminate(&NsName::new(&k.namespace, &p), view, plan);
            }
        }
    }

    /// Creates one pod for `owner`; false when the cap is reached.
    fn create_pod(
        &mut self,
        owner: &ObjectKey,
        proto: &Pod,
        ordinal: Option<usize>,
        target: Target,
        view: &mut View,
        plan: &mut Plan,
    ) -> bool {
        let owned = self.owned.get(owner).map_or(0, BTreeSet::len);
        if self.made_pods >= MAX_PODS || owned >= MAX_PODS_PER_WORKLOAD {
            let note = format!(
                "{} {}/{}: the controllers make at most {MAX_PODS_PER_WORKLOAD} pods for a workload and {MAX_PODS} in a cluster; the rest of its pods are not created",
                owner.kind, owner.namespace, owner.name
            );
            if !plan.notes.contains(&note) {
                plan.notes.push(note);
            }
            return false;
        }
        let ns = owner.namespace.as_str();
        let nn = match ordinal {
            Some(i) => NsName::new(ns, &format!("{}-{i}", owner.name)),
            None => {
                let base = generated_name_base(&owner.name);
                loop {
                    let suffix = self.with_rng(owner, |r| r.string(SUFFIX_LEN));
                    let mut name = String::with_capacity(base.len() + suffix.len());
                    name.push_str(&base);
                    name.push_str(&suffix);
                    let candidate = NsName::new(ns, &name);
                    if view.pod(&candidate).is_none() && !view.objects.pods.contains_key(&candidate)
                    {
                        break candidate;
                    }
                }
            }
        };
        let name = nn.name.as_str();
        let mut pod = proto.clone();
        pod.metadata.name = name.into();
        if owner.kind == "StatefulSet" {
            let labels = &mut pod.metadata.labels;
            labels.insert("statefulset.kubernetes.io/pod-name".into(), name.into());
            if let Some(i) = ordinal {
                labels.insert("apps.kubernetes.io/pod-index".into(), i.to_string());
            }
            pod.spec.hostname = Some(name.into());
        }
        if ordinal.is_some() {
            pod.metadata.generate_name = None;
        }
        self.schedule(owner, &mut pod, target, view);
        pod.metadata.uid = Some(self.uid_of("Pod", &pod.metadata));
        if let Some(n) = pod.spec.node_name.as_deref() {
            match self.on_node.get_mut(n) {
                Some(c) => *c += 1,
                None => {
                    self.on_node.insert(n.to_string(), 1);
                }
            }
        }
        match self.owned.get_mut(owner) {
            Some(set) => {
                set.insert(name.to_string());
            }
            None => {
                self.owned
                    .insert(owner.clone(), crate::order::set_of(name.to_string()));
            }
        }
        if self.made.insert(key_of("Pod", ns, name)) {
            self.made_pods += 1;
        }
        let pod = Arc::new(pod);
        view.gone.remove(&nn);
        view.pods.insert(nn, Arc::clone(&pod));
        plan.apply.push(Object::Pod(pod));
        true
    }

    /// What every pod `owner` makes in this change has in common: the
    /// template with the apiserver's defaults, the owner's labels and
    /// reference, the time. Each pod is a copy with its name (and a
    /// StatefulSet's per-pod labels and hostname), so the work per pod
    /// is the copy.
    fn pod_prototype(&self, owner: &ObjectKey, w: &Workload) -> Pod {
        let t = &w.template;
        let mut labels = t.metadata.labels.clone();
        let api_version = match owner.kind.as_str() {
            "ReplicationController" => "v1",
            "Job" => "batch/v1",
            _ => "apps/v1",
        };
        let owner_uid = self.uid_of(&owner.kind, &w.metadata);
        match owner.kind.as_str() {
            "DaemonSet" => {
                labels.insert("pod-template-generation".into(), "1".into());
            }
            "Job" => {
                for k in ["batch.kubernetes.io/controller-uid", "controller-uid"] {
                    labels.insert(k.into(), owner_uid.clone());
                }
                for k in ["batch.kubernetes.io/job-name", "job-name"] {
                    labels.insert(k.into(), owner.name.clone());
                }
            }
            _ => {}
        }
        let mut spec = t.spec.clone();
        if owner.kind == "StatefulSet" {
            spec.subdomain = w.service_name.clone().filter(|s| !s.is_empty());
        }
        // The defaults the apiserver writes into every pod.
        spec.restart_policy.get_or_insert_with(|| "Always".into());
        spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
        spec.scheduler_name
            .get_or_insert_with(|| "default-scheduler".into());
        spec.termination_grace_period_seconds.get_or_insert(30);
        spec.enable_service_links.get_or_insert(true);
        for c in Arc::make_mut(&mut spec.containers)
            .iter_mut()
            .chain(spec.init_containers.iter_mut())
        {
            if c.image_pull_policy.is_none() {
                let image = c.image.as_deref().unwrap_or("");
                c.image_pull_policy = Some(template_hash::default_pull_policy(image).into());
            }
        }
        Pod {
            metadata: ObjectMeta {
                // generateName is dropped for a pod made under its own
                // name (a StatefulSet's).
                generate_name: Some(format!("{}-", owner.name)),
                namespace: Some(owner.namespace.clone()),
                labels,
                annotations: t.metadata.annotations.clone(),
                creation_timestamp: Some(self.clock.timestamp()),
                owner_references: vec![OwnerReference {
                    api_version: api_version.into(),
                    kind: owner.kind.clone(),
                    name: owner.name.clone(),
                    uid: owner_uid,
                    controller: Some(true),
                    block_owner_deletion: Some(true),
                }]
                .into(),
                ..Default::default()
            },
            spec,
            status: PodStatus::default(),
        }
    }

    /// The nodes `owner`'s pods of `spec` can go to (the load is checked
    /// as pods are placed).
    fn placement(&self, owner: &ObjectKey, spec: &PodSpec, view: &mut View) -> Placement {
        let names = view.node_names();
        // The owner's few nodes looked up in the sorted names: a merge
        // over every node cost as much as the rest of the placement.
        let mut own = vec![0; names.len()];
        for (node, count) in self.owner_pods_per_node(owner, view) {
            if let Ok(i) = names.binary_search_by(|n| n.as_str().cmp(node)) {
                own[i] = count;
            }
        }
        let unfit = view.unfit(spec);
        let load = view.load(&self.on_node);
        Placement::new(names, unfit, load, own)
    }

    /// Places the pod (on `node` for a DaemonSet) and gives it its IPs and
    /// status, or leaves it Pending with the scheduler's reason. Keeps the
    /// view's count of pods per node.
    fn schedule(&mut self, owner: &ObjectKey, pod: &mut Pod, target: Target, view: &mut View) {
        let chosen = match target {
            Target::Node(n) => {
                // Counted by name only: the view counts again when needed.
                view.load = None;
                Ok(n.to_string())
            }
            Target::Schedule(placement) => {
                let places = match placement {
                    Some(p) => p,
                    None => placement.insert(self.placement(owner, &pod.spec, view)),
                };
                let picked = self.with_rng(owner, |r| places.pick(r));
                picked.map(|i| {
                    view.placed(i);
                    places.names[i].clone()
                })
            }
        };
        let ips = match &chosen {
            Ok(n) => self.ipam.get_mut(n).and_then(|r| r.allocate()),
            Err(_) => None,
        };
        match (chosen, ips) {
            (Ok(n), Some(ips)) if !ips.is_empty() => {
                let host_ip = view
                    .node(&n)
                    .and_then(|x| x.internal_ips().next().map(str::to_string));
                pod.spec.node_name = Some(n);
                // Each address written once: formatting is a visible share
                // of making a pod.
                let pod_ips: Vec<PodIP> = ips
                    .iter()
                    .map(|ip| PodIP {
                        ip: crate::net::ip_string(ip),
                    })
                    .collect();
                pod.status = PodStatus {
                    phase: Some("Running".into()),
                    pod_ip: Some(pod_ips[0].ip.clone()),
                    pod_ips,
                    host_ip,
                    conditions: view.running_conditions(),
                };
            }
            (Ok(n), _) => {
                // Placed, but the node has no address left (or no range):
                // the sandbox never starts.
                let why = match self.ipam.get(&n) {
                    Some(r) if r.has_ranges() => "no IP addresses available in range set",
                    _ => "node has no pod CIDR",
                };
                pod.spec.node_name = Some(n);
                pod.status = PodStatus {
                    phase: Some("Pending".into()),
                    conditions: Arc::new(vec![
                        condition("PodScheduled", "True", None),
                        condition("Ready", "False", Some(("ContainersNotReady", why))),
                    ]),
                    ..Default::default()
                };
            }
            (Err(message), _) => {
                pod.status = PodStatus {
                    phase: Some("Pending".into()),
                    conditions: Arc::new(vec![condition(
                        "PodScheduled",
                        "False",
                        Some(("Unschedulable", &message)),
                    )]),
                    ..Default::default()
                };
            }
        }
    }

    fn owner_pods_per_node<'v>(
        &self,
        owner: &ObjectKey,
        view: &'v View,
    ) -> BTreeMap<&'v str, usize> {
        let mut out = BTreeMap::new();
        for name in self.owned.get(owner).into_iter().flatten() {
            if let Some(p) = view.pod(&NsName::new(&owner.namespace, name)) {
                if let Some(n) = p.spec.node_name.as_deref() {
                    if is_active(p) {
                        *out.entry(n).or_default() += 1;
                    }
                }
            }
        }
        out
    }

    /// Removes a pod from the indexes (it is being deleted).
    fn forget_pod(&mut self, nn: &NsName, view: &mut View) {
        view.load = None;
        if let Some(p) = view.pod(nn) {
            if let Some(n) = p.spec.node_name.as_deref() {
                if is_active(p) {
                    if let Some(c) = self.on_node.get_mut(n) {
                        *c = c.saturating_sub(1);
                    }
                }
                if let Some(r) = self.ipam.get_mut(n) {
                    for ip in p.ips() {
                        r.release(ip);
                    }
                }
            }
            if let Some(r) = p.metadata.controller_ref() {
                if let Some(set) = self.owned.get_mut(&key_of(&r.kind, &nn.namespace, &r.name)) {
                    set.remove(&nn.name);
                }
            }
        }
        for set in self.owned.values_mut() {
            set.remove(&nn.name);
        }
        if self.made.remove(&key_of("Pod", &nn.namespace, &nn.name)) {
            self.made_pods -= 1;
        }
    }

    /// Puts a pod to terminating: `deletionTimestamp` set, no longer
    /// counted; it is gone at the next change.
    fn terminate(&mut self, nn: &NsName, view: &mut View, plan: &mut Plan) {
        let Some(p) = view.pod(nn) else { return };
        if p.is_terminating() {
            return;
        }
        let mut p = p.clone();
        if let Some(n) = p.spec.node_name.as_deref() {
            if let Some(c) = self.on_node.get_mut(n) {
                *c = c.saturating_sub(1);
                view.load = None;
            }
        }
        for set in self.owned.values_mut() {
            set.remove(&nn.name);
        }
        p.metadata.deletion_timestamp = Some(self.clock.timestamp());
        let p = Arc::new(p);
        view.pods.insert(nn.clone(), Arc::clone(&p));
        plan.apply.push(Object::Pod(p));
        self.terminating.insert(nn.clone());
    }

    /// Deletes a pod at once.
    fn remove_now(&mut self, nn: &NsName, view: &mut View, plan: &mut Plan) {
        self.forget_pod(nn, view);
        plan.apply
            .retain(|o| !matches!(o, Object::Pod(p) if NsName::of(&p.metadata) == *nn));
        view.pods.remove(nn);
        view.gone.insert(nn.clone());
        self.terminating.remove(nn);
        plan.delete.push(key_of("Pod", &nn.namespace, &nn.name));
    }

    /// The controller of a pod, if it is one the controllers run.
    fn controller_of(&self, pod: &Pod, objects: &Objects) -> Option<ObjectKey> {
        let r = pod.metadata.controller_ref()?;
        let ns = pod.metadata.ns();
        objects
            .workloads
            .contains_key(&(r.kind.clone(), NsName::new(ns, &r.name)))
            .then(|| key_of(&r.kind, ns, &r.name))
            .or_else(|| {
                self.owned
                    .iter()
                    .find(|(k, names)| k.namespace == ns && names.contains(&pod.metadata.name))
                    .map(|(k, _)| k.clone())
            })
    }

    /// `kubectl delete pod`: the pod goes to terminating and its
    /// controller makes a replacement (a StatefulSet's pod is deleted at
    /// once and made again under its name).
    pub fn delete_pod(&mut self, objects: &Objects, nn: &NsName) -> Result<Plan, Error> {
        let pod = objects
            .pods
            .get(nn)
            .ok_or_else(|| Error::not_found("Pod", nn))?;
        let mut plan = Plan::default();
        let mut view = View::new(objects);
        let owner = self.controller_of(pod, objects).or_else(|| {
            self.owned
                .iter()
                .find(|(k, s)| k.namespace == nn.namespace && s.contains(&nn.name))
                .map(|(k, _)| k.clone())
        });
        let was_terminating = pod.is_terminating();
        self.finish_terminating(&mut view, &mut plan);
        if view.pod(nn).is_none() {
            // It was terminating already: now it is gone.
            return Ok(self.reconcile_owners(owner.into_iter().collect(), &mut view, plan));
        }
        match owner.as_ref().map(|k| k.kind.as_str()) {
            Some("StatefulSet") => self.remove_now(nn, &mut view, &mut plan),
            _ if was_terminating => self.remove_now(nn, &mut view, &mut plan),
            _ => self.terminate(nn, &mut view, &mut plan),
        }
        Ok(self.reconcile_owners(owner.into_iter().collect(), &mut view, plan))
    }

    fn reconcile_owners(
        &mut self,
        owners: Vec<ObjectKey>,
        view: &mut View,
        mut plan: Plan,
    ) -> Plan {
        for k in owners {
            if k.kind == "Deployment" {
                self.reconcile_deployment(&k, view, &mut plan);
                if let Some(rs) = self.current_replica_set(&k, view) {
                    self.reconcile_pods(&rs, view, &mut plan);
                }
            } else {
                self.reconcile_pods(&k, view, &mut plan);
            }
        }
        plan
    }

    /// `kubectl scale`: a Deployment, ReplicaSet, ReplicationController or
    /// StatefulSet gets `replicas`, and its pods follow.
    pub fn scale(
        &mut self,
        objects: &Objects,
        kind: &str,
        nn: &NsName,
        replicas: i32,
    ) -> Result<Plan, Error> {
        let kind = scalable_kind(kind).ok_or_else(|| {
            Error::bad_argument(
                "kind",
                format!("{kind:?}: only a Deployment, ReplicaSet, ReplicationController or StatefulSet scales"),
            )
        })?;
        if replicas < 0 {
            return Err(Error::bad_argument(
                "replicas",
                format!("{replicas}: must be greater than or equal to 0"),
            ));
        }
        let w = objects
            .workloads
            .get(&(kind.to_string(), nn.clone()))
            .ok_or_else(|| Error::not_found(kind, nn))?;
        let mut plan = Plan::default();
        let mut view = View::new(objects);
        self.finish_terminating(&mut view, &mut plan);
        let mut w = w.clone();
        w.replicas = Some(replicas);
        self.plan_workload(w, &mut view, &mut plan);
        Ok(self.reconcile_owners(vec![key_of(kind, &nn.namespace, &nn.name)], &mut view, plan))
    }

    /// `kubectl cordon` (or `uncordon`): the node takes no new pods.
    pub fn cordon(&mut self, objects: &Objects, node: &str, on: bool) -> Result<Plan, Error> {
        let n = objects
            .nodes
            .get(node)
            .ok_or_else(|| Error::not_found("Node", &NsName::new("", node)))?;
        let mut plan = Plan::default();
        let mut view = View::new(objects);
        self.finish_terminating(&mut view, &mut plan);
        let mut n = n.clone();
        n.spec.unschedulable = on.then_some(true);
        view.set_node(n.clone());
        plan.apply.push(Object::Node(Box::new(n)));
        // DaemonSets follow the node; pending pods may fit now.
        let owners = self.owners_to_retry(objects, &view);
        Ok(self.reconcile_owners(owners, &mut view, plan))
    }

    /// DaemonSets, and owners with pending pods.
    fn owners_to_retry(&self, objects: &Objects, view: &View) -> Vec<ObjectKey> {
        let mut out = BTreeSet::new();
        out.extend(
            objects
                .workloads
                .keys()
                .filter(|(k, _)| k == "DaemonSet")
                .map(|(k, nn)| key_of(k, &nn.namespace, &nn.name)),
        );
        for (owner, names) in &self.owned {
            if names.iter().any(|n| {
                view.pod(&NsName::new(&owner.namespace, n))
                    .is_some_and(|p| p.spec.node_name.is_none())
            }) {
                out.insert(owner.clone());
            }
        }
        out.into_iter().collect()
    }

    /// `kubectl drain --ignore-daemonsets`: cordoned, and every pod with a
    /// controller other than a DaemonSet evicted (its controller places a
    /// replacement elsewhere). Pods without a controller stay (kubectl
    /// refuses them without `--force`), with a note.
    pub fn drain(&mut self, objects: &Objects, node: &str) -> Result<Plan, Error> {
        let mut plan = self.cordon(objects, node, true)?;
        let mut view = View::new(objects);
        for o in &plan.apply {
            match o {
                Object::Node(n) => {
                    view.set_node((**n).clone());
                }
                Object::Pod(p) => {
                    view.pods.insert(NsName::of(&p.metadata), Arc::clone(p));
                }
                Object::Workload(w) => {
                    view.workloads
                        .insert((w.kind.clone(), NsName::of(&w.metadata)), (**w).clone());
                }
                _ => {}
            }
        }
        for k in &plan.delete {
            view.gone.insert(NsName::new(&k.namespace, &k.name));
        }
        let on_node: Vec<(NsName, Pod)> = objects
            .pods
            .iter()
            .filter(|(nn, p)| {
                p.spec.node_name.as_deref() == Some(node) && is_active(p) && view.pod(nn).is_some()
            })
            .map(|(nn, p)| (nn.clone(), (**p).clone()))
            .collect();
        let mut owners = Vec::new();
        for (nn, p) in on_node {
            match self.controller_of(&p, objects) {
                Some(k) if k.kind == "DaemonSet" => {}
                Some(k) => {
                    if k.kind == "StatefulSet" {
                        self.remove_now(&nn, &mut view, &mut plan);
                    } else {
                        self.terminate(&nn, &mut view, &mut plan);
                    }
                    if !owners.contains(&k) {
                        owners.push(k);
                    }
                }
                None => plan.notes.push(format!(
                    "pod {nn} on node {node} has no controller: kubectl drain leaves it unless --force is given"
                )),
            }
        }
        Ok(self.reconcile_owners(owners, &mut view, plan))
    }

    /// A pod's readiness as its probes would report it.
    pub fn set_ready(
        &mut self,
        objects: &Objects,
        nn: &NsName,
        ready: bool,
    ) -> Result<Plan, Error> {
        let pod = objects
            .pods
            .get(nn)
            .ok_or_else(|| Error::not_found("Pod", nn))?;
        let mut plan = Plan::default();
        let mut view = View::new(objects);
        self.finish_terminating(&mut view, &mut plan);
        if view.pod(nn).is_none() {
            plan.notes.push(format!(
                "pod {nn} was terminating: by this change it is gone"
            ));
            return Ok(plan);
        }
        let mut p = (**pod).clone();
        let status = if ready { "True" } else { "False" };
        let conditions = Arc::make_mut(&mut p.status.conditions);
        for t in ["Ready", "ContainersReady"] {
            match conditions.iter_mut().find(|c| c.type_ == t) {
                Some(c) => {
                    c.status = status.into();
                    c.reason = (!ready).then(|| "ContainersNotReady".into());
                }
                None => conditions.push(condition(t, status, None)),
            }
        }
        plan.apply.push(Object::Pod(Arc::new(p)));
        Ok(plan)
    }
}

/// The ReplicaSets of one namespace in `workloads`, by name: one range,
/// not a walk over every workload.
fn replica_sets_in<'m>(
    workloads: &'m BTreeMap<(String, NsName), Workload>,
    ns: &'m str,
) -> impl Iterator<Item = (&'m str, &'m Workload)> + 'm {
    workloads
        .range(("ReplicaSet".to_string(), NsName::new(ns, ""))..)
        .take_while(move |((k, nn), _)| k == "ReplicaSet" && nn.namespace == ns)
        .map(|((_, nn), rs)| (nn.name.as_str(), rs))
}

fn condition(t: &str, status: &str, why: Option<(&str, &str)>) -> PodCondition {
    PodCondition {
        type_: t.into(),
        status: status.into(),
        reason: why.map(|(r, _)| r.to_string()),
        message: why.map(|(_, m)| m.to_string()).filter(|m| !m.is_empty()),
    }
}

/// A scalable kind as kubectl takes it: the kind, its plural or short
/// name, in any case (`deploy`, `rs`, `rc`, `sts`).
pub fn scalable_kind(s: &str) -> Option<&'static str> {
    Some(match s.to_ascii_lowercase().as_str() {
        "deployment" | "deployments" | "deploy" => "Deployment",
        "replicaset" | "replicasets" | "rs" => "ReplicaSet",
        "replicationcontroller" | "replicationcontrollers" | "rc" => "ReplicationController",
        "statefulset" | "statefulsets" | "sts" => "StatefulSet",
        _ => return None,
    })
}

/// The order `controller.ActivePods` deletes pods in: unscheduled, then
/// pending, then not ready, then the newest.
fn deletion_rank(p: &Pod, name: &str) -> (bool, bool, bool, std::cmp::Reverse<String>, String) {
    (
        p.spec.node_name.is_some(),
        p.status.phase.as_deref() == Some("Running"),
        p.is_ready(),
        std::cmp::Reverse(p.metadata.creation_timestamp.clone().unwrap_or_default()),
        name.to_string(),
    )
}

/// The tolerations every DaemonSet pod gets (`util.AddOrUpdateDaemonPodTolerations`).
fn daemon_set_tolerations() -> Vec<Toleration> {
    let t = |key: &str, effect: &str| Toleration {
        key: Some(key.into()),
        operator: Some("Exists".into()),
        value: None,
        effect: Some(effect.into()),
        toleration_seconds: None,
    };
    vec![
        t(scheduler::TAINT_NOT_READY, "NoExecute"),
        t(scheduler::TAINT_NOT_READY, "NoSchedule"),
        t("node.kubernetes.io/unreachable", "NoExecute"),
        t("node.kubernetes.io/disk-pressure", "NoSchedule"),
        t("node.kubernetes.io/memory-pressure", "NoSchedule"),
        t("node.kubernetes.io/pid-pressure", "NoSchedule"),
        t(scheduler::TAINT_UNSCHEDULABLE, "NoSchedule"),
    ]
}

/// Whether `meta` names the Deployment `d` as its controller (or has no
/// controller but its labels are the Deployment's to adopt).
fn owned_by(meta: &ObjectMeta, d: &Workload) -> bool {
    match meta.controller_ref() {
        Some(r) => r.kind == "Deployment" && r.name == d.metadata.name,
        None => Selector::from_label_selector(d.selector.as_ref())
            .is_ok_and(|s| s.matches(&meta.labels)),
    }
}

/// Templates equal but for the pod-template-hash label
/// (`EqualIgnoreHash`).
fn same_template(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    fn labels(t: &PodTemplateSpec) -> Vec<(&String, &String)> {
        t.metadata
            .labels
            .iter()
            .filter(|(k, _)| *k != LABEL_POD_TEMPLATE_HASH)
            .collect()
    }
    let rest = |t: &PodTemplateSpec| ObjectMeta {
        labels: StringMap::new(),
        ..t.metadata.clone()
    };
    a.spec == b.spec && labels(a) == labels(b) && rest(a) == rest(b)
}
