//! The door to the controllers ([`crate::controllers`]): with
//! `Config::controllers` on, every change to the input is followed by the
//! controllers' reconcile, and a running cluster can be changed as an
//! operator would (`kubectl delete pod`, `scale`, `cordon`, `drain`, a
//! pod's readiness). Each change advances the logical clock and reports
//! what it did.

use super::documents::*;
use super::{parse_pod_ref, parse_ref, Cluster};
use crate::controllers::{Controllers, Plan, ORIGIN};
use crate::error::Error;
use crate::model::{Object, ObjectKey};
use crate::objects::{NsName, Origin};
use std::sync::Arc;

impl Cluster {
    pub(super) fn controllers_for(config: &crate::config::Config) -> Option<Controllers> {
        config
            .controllers
            .then(|| Controllers::new(config.seed, config.is_dual_stack()))
    }

    /// Before objects enter: the clock moves past every timestamp they
    /// carry, then one second on, and objects without one are created now
    /// (an object already stored keeps its own), as the apiserver stamps
    /// `creationTimestamp`.
    pub(super) fn stamp(&mut self, objects: &mut [(Object, Origin)]) {
        let Some(c) = self.controllers.as_mut() else {
            return;
        };
        for (o, _) in objects.iter() {
            c.clock.observe(o.metadata().creation_timestamp.as_deref());
        }
        c.clock.tick();
        let now = c.clock.timestamp();
        for (o, _) in objects.iter_mut() {
            if o.metadata().creation_timestamp.is_some() {
                continue;
            }
            let key = ObjectKey::of(o);
            let kept = self
                .engine
                .state()
                .metadata_of(&key)
                .and_then(|m| m.creation_timestamp.clone());
            o.metadata_mut().creation_timestamp = Some(kept.unwrap_or_else(|| now.clone()));
        }
    }

    /// After a change to the input: the controllers bring the cluster to
    /// what its workloads want.
    pub(super) fn reconcile(&mut self) -> Option<ChangeReport> {
        let mut c = self.controllers.take()?;
        let state = self.engine.state();
        let plan = c.reconcile_all(self.engine.cluster(), &|k: &ObjectKey| {
            state.creation_order(k)
        });
        self.controllers = Some(c);
        Some(self.carry_out(plan))
    }

    /// Hands a plan to the engine: deletions, then the objects in order.
    fn carry_out(&mut self, plan: Plan) -> ChangeReport {
        let mut report = ChangeReport {
            notes: plan.notes,
            ..Default::default()
        };
        for k in plan.delete {
            if self.engine.origin(&k).is_some() {
                report.changes.extend(self.engine.delete(&k));
                report.deleted.push(k);
            }
        }
        let origin = Origin {
            file: Arc::from(ORIGIN),
            ..Origin::default()
        };
        let mut objects = Vec::with_capacity(plan.apply.len());
        for o in plan.apply {
            let k = ObjectKey::of(&o);
            if self.engine.origin(&k).is_some() {
                report.updated.push(k);
            } else {
                report.created.push(k);
            }
            objects.push((o, origin.clone()));
        }
        report.changes.extend(self.engine.apply_all(objects));
        report
    }

    /// Runs one change of a running cluster.
    fn change(
        &mut self,
        step: impl FnOnce(&mut Controllers, &crate::objects::Objects) -> Result<Plan, Error>,
    ) -> Result<Document<ChangeReport>, Error> {
        let mut c = self.controllers.take().ok_or_else(|| Error::Unsupported {
            what: "the controllers are off: turn them on (Config { controllers: true }, the CLI's --controllers) to change a running cluster".into(),
        })?;
        c.clock.tick();
        let plan = step(&mut c, self.engine.cluster());
        self.controllers = Some(c);
        Ok(Document::new("ChangeReport", self.carry_out(plan?)))
    }

    /// The pods the cluster runs, in namespace/name order: those of the
    /// input and, with the controllers on, those they made.
    ///
    /// ```
    /// use svcscope::{Cluster, Config};
    /// use svcscope::cluster::options::LoadOptions;
    ///
    /// let mut c = Cluster::new(Config { controllers: true, ..Config::default() });
    /// c.load("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: mysql}\nspec:\n  serviceName: mysql\n  replicas: 2\n  selector: {matchLabels: {app: mysql}}\n  template:\n    metadata: {labels: {app: mysql}}\n    spec: {containers: [{name: mysql, image: mysql:8}]}\n", &LoadOptions::named("db.yaml"));
    /// let pods = c.pods();
    /// let names: Vec<&str> = pods.pods.iter().map(|p| p.name.as_str()).collect();
    /// assert_eq!(names, ["mysql-0", "mysql-1"]);
    /// assert_eq!(pods.pods[0].status, "Running");
    /// ```
    pub fn pods(&self) -> Document<Pods> {
        let now = self.controllers.as_ref().map(|c| c.clock.now);
        let pods = self
            .engine
            .cluster()
            .pods
            .iter()
            .map(|(nn, p)| {
                let key = ObjectKey::new("Pod", &nn.namespace, &nn.name);
                let containers = p.spec.containers.len();
                let ready = if p.is_ready() { containers } else { 0 };
                let status = if p.is_terminating() {
                    "Terminating".to_string()
                } else {
                    match p.status.phase.as_deref() {
                        Some("Succeeded") => "Completed".into(),
                        Some(phase) if !phase.is_empty() => phase.to_string(),
                        _ => "Pending".into(),
                    }
                };
                let created = p
                    .metadata
                    .creation_timestamp
                    .as_deref()
                    .and_then(crate::time::parse_rfc3339);
                let age = match (now, created) {
                    (Some(now), Some(t)) => crate::time::human_duration(now - t),
                    _ => "<unknown>".into(),
                };
                PodSummary {
                    namespace: nn.namespace.clone(),
                    name: nn.name.clone(),
                    ready: format!("{ready}/{containers}"),
                    status,
                    restarts: 0,
                    age,
                    ip: p.ips().first().map(|s| s.to_string()),
                    node: p.spec.node_name.clone(),
                    controlled_by: p
                        .metadata
                        .controller_ref()
                        .map(|r| format!("{}/{}", r.kind, r.name)),
                    generated: self.controllers.as_ref().is_some_and(|c| c.made(&key)),
                    pod: Arc::clone(p),
                }
            })
            .collect();
        let notes = self
            .controllers
            .as_ref()
            .map(|c| c.standing_notes().cloned().collect())
            .unwrap_or_default();
        Document::new("Pods", Pods { pods, notes })
    }

    /// `kubectl delete pod`: the pod (`NAMESPACE/NAME`) goes to terminating
    /// and its controller creates a replacement with a new name and IP;
    /// the terminating pod is gone at the next change. A StatefulSet's pod
    /// is made again under its own name, a pod without a controller is
    /// not replaced.
    ///
    /// ```
    /// use svcscope::{Cluster, Config};
    /// use svcscope::cluster::options::LoadOptions;
    ///
    /// let mut c = Cluster::new(Config { controllers: true, ..Config::default() });
    /// c.load("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: redis}\nspec:\n  replicas: 1\n  template:\n    metadata: {labels: {app: redis}}\n    spec: {containers: [{name: redis, image: redis}]}\n", &LoadOptions::named("rc.yaml"));
    /// let old = c.pods().pods[0].clone();
    /// let report = c.delete_pod(&format!("default/{}", old.name))?;
    /// assert_eq!(report.created.len(), 1);
    /// let pods = c.pods();
    /// assert!(pods
    ///     .pods
    ///     .iter()
    ///     .any(|p| p.status == "Running" && p.name != old.name && p.ip != old.ip));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn delete_pod(&mut self, pod: &str) -> Result<Document<ChangeReport>, Error> {
        let nn = parse_pod_ref("pod", pod)?;
        self.change(|c, objects| c.delete_pod(objects, &nn))
    }

    /// `kubectl scale KIND/NAME --replicas=N` for a Deployment,
    /// ReplicaSet, ReplicationController or StatefulSet
    /// (`NAMESPACE/NAME`).
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config { controllers: true, ..Config::default() });
    /// c.load("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n", &LoadOptions::named("web.yaml"));
    /// c.scale("Deployment", "default/web", 5)?;
    /// assert_eq!(c.pods().pods.len(), 5);
    /// assert_eq!(c.scale("Deployment", "default/web", -1).unwrap_err().code(), "bad-argument");
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn scale(
        &mut self,
        kind: &str,
        workload: &str,
        replicas: i32,
    ) -> Result<Document<ChangeReport>, Error> {
        let nn = parse_ref("workload", workload)?;
        self.change(|c, objects| c.scale(objects, kind, &nn, replicas))
    }

    /// `kubectl cordon` (`on`) or `uncordon` a node.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config { controllers: true, ..Config::default() });
    /// c.load("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/24}\n", &LoadOptions::named("n.yaml"));
    /// c.cordon("n1", true)?;
    /// c.load("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  template:\n    metadata: {labels: {app: r}}\n    spec: {containers: [{name: r, image: r}]}\n", &LoadOptions::named("r.yaml"));
    /// assert_eq!(c.pods().pods[0].status, "Pending");
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn cordon(&mut self, node: &str, on: bool) -> Result<Document<ChangeReport>, Error> {
        self.change(|c, objects| c.cordon(objects, node, on))
    }

    /// `kubectl drain --ignore-daemonsets`: the node is cordoned and its
    /// pods evicted; their controllers place replacements elsewhere.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config { controllers: true, ..Config::default() });
    /// c.load("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n", &LoadOptions::named("web.yaml"));
    /// c.drain("node-a")?;
    /// let running: Vec<_> = c.pods().into_inner().pods.into_iter().filter(|p| p.status == "Running").collect();
    /// assert_eq!(running.len(), 3);
    /// assert!(running.iter().all(|p| p.node.as_deref() != Some("node-a")));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn drain(&mut self, node: &str) -> Result<Document<ChangeReport>, Error> {
        self.change(|c, objects| c.drain(objects, node))
    }

    /// A pod's readiness, as its readiness probe would turn it.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config { controllers: true, ..Config::default() });
    /// c.load("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  replicas: 1\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: db, image: db}]}\n", &LoadOptions::named("db.yaml"));
    /// c.set_ready("default/db-0", false)?;
    /// assert_eq!(c.pods().pods[0].ready, "0/1");
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn set_ready(&mut self, pod: &str, ready: bool) -> Result<Document<ChangeReport>, Error> {
        let nn: NsName = parse_pod_ref("pod", pod)?;
        self.change(|c, objects| c.set_ready(objects, &nn, ready))
    }
}
