//! The front door: [`Cluster`], the one way every face (the CLI, the
//! JavaScript package, the playground) asks the engine anything. It holds
//! the incremental engine and the files it was given, takes arguments as
//! the faces spell them, and answers with owned documents ([`documents`])
//! that serialize to exactly what `svcscope … -o json` prints.
//!
//! # What an object the apiserver would refuse contributes
//!
//! [`Cluster::check`] (and `explain`'s `service-rejected`, and `resolve`'s
//! `errors`) report every object the apiserver would refuse: invalid, or
//! asking for a cluster IP or node port outside the configured ranges or
//! taken by an earlier object. Every other view shows such an object as
//! the components would treat it *as given*, because none of them
//! validates: the endpoint controllers select its pods and write its
//! Endpoints and EndpointSlices, CoreDNS answers for it, kube-proxy writes
//! rules for it, kubelet gives pods its variables. Such input is most
//! often a dump of a cluster whose ranges differ from the ones svcscope
//! was given, or a test fixture. One exception follows from the same
//! reasoning: a *pod* the apiserver would refuse is never stored, so no
//! kubelet runs it and [`Cluster::env`] gives it no environment (the
//! result says why).
//!
//! # Changes
//!
//! The views are a function of the objects and their creation order,
//! however they arrived: one [`Cluster::load`], a load per document, or an
//! [`Cluster::apply`] per object give the same answers. Values a Service
//! asks for (cluster IPs, node ports) win over values the engine chose on
//! its own, in every path.

pub mod documents;
mod lifecycle;
pub mod options;

use crate::config::Config;
use crate::dns::{self, PodRecords, RType, Rcode, ZoneIndex};
use crate::engine::{Changes, Engine};
use crate::env::{self, Environment};
use crate::error::Error;
use crate::explain::Diagnostic;
use crate::field::{ObjectError, UnknownField};
use crate::load::{self, Ignored, Input, LoadError, PartCache};
use crate::model::{Object, ObjectKey};
use crate::net::{parse_ip, Cidr, Family};
use crate::objects::{NsName, Origin};
use crate::proxy::route::{Mode, RouteIndex, RouteRequest, Trace};
use crate::proxy::{self, ProxyConfig};
use crate::select::Selector;
use documents::*;
use options::*;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// The most connections one route trace simulates.
pub const MAX_CONNECTIONS: u32 = 1_000_000;

/// A cluster built from manifests, and every question svcscope answers
/// about it.
///
/// ```
/// use svcscope::{Cluster, Config};
/// use svcscope::cluster::options::LoadOptions;
///
/// let mut c = Cluster::new(Config::default());
/// let report = c.load(
///     "kind: Service\napiVersion: v1\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
///     &LoadOptions::named("web.yaml"),
/// );
/// assert!(report.errors.is_empty());
/// assert!(c.check().is_clean());
/// ```
#[derive(Debug, Clone)]
pub struct Cluster {
    engine: Engine,
    /// What each loaded file gave, in the order files were first loaded.
    files: Vec<FileState>,
    /// The controllers, when the configuration runs them.
    controllers: Option<crate::controllers::Controllers>,
    /// The last route index, reused while the engine's revision, the
    /// family and the cluster CIDR stay: building it reads every Service
    /// port and node (hundreds of ms at 10,000 Services), and it keeps
    /// each node's fixed rules once written; a trace then takes µs.
    routes: RefCell<Option<RouteCache>>,
}

#[derive(Debug, Clone)]
struct RouteCache {
    revision: u64,
    family: Family,
    cluster_cidr: Option<Cidr>,
    index: Rc<RouteIndex>,
}

#[derive(Debug, Clone)]
struct FileState {
    name: String,
    errors: Vec<LoadError>,
    ignored: Vec<Ignored>,
    /// What each part of the file's YAML gave, for the next load of it.
    parts: PartCache,
}

/// The largest text whose parts are kept for its next load: what people
/// edit (a playground's buffer, a docs page). A bulk dump is loaded once,
/// and a second copy of what it gave would only double its memory.
const CACHED_TEXT_MAX: usize = 4 << 20;

/// The origin of objects given to [`Cluster::apply`].
const APPLIED: &str = "<applied>";

impl Cluster {
    /// An empty cluster (it has only the implicit `default/kubernetes`).
    pub fn new(config: Config) -> Self {
        Cluster {
            controllers: Cluster::controllers_for(&config),
            engine: Engine::new(config),
            files: Vec::new(),
            routes: RefCell::new(None),
        }
    }

    pub fn config(&self) -> &Config {
        self.engine.config()
    }

    /// Reads a text (a `&str`, or a `String` that is freed once parsed;
    /// YAML or JSON: multi-document streams, `kind: List`,
    /// `kubectl get -o yaml|json` output) and adds or replaces its
    /// objects. Loading the same `filename` again replaces what it gave
    /// before: objects it no longer holds are deleted. Problems in the
    /// text are data in the report, never an error.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config::default());
    /// let r = c.load("kind: Pod\napiVersion: v1\nmetadata: {name: a, labels: {app: web}}\n", &LoadOptions::named("a.yaml"));
    /// assert_eq!(r.objects.len(), 1);
    /// let r = c.load("kind: Pod\napiVersion: v1\nmetadata: {name: [}\n", &LoadOptions::named("a.yaml"));
    /// assert_eq!(r.errors[0].line, Some(3));
    /// ```
    pub fn load<'t>(&mut self, text: impl Into<Cow<'t, str>>, opts: &LoadOptions) -> LoadReport {
        let text = text.into();
        let limits = self.engine.config().limits();
        let input = Input {
            name: &opts.filename,
            text: &text,
        };
        // The file's last parts, taken in any case: a text too big to
        // cache leaves none behind.
        let mut parts = self
            .files
            .iter_mut()
            .find(|f| f.name == opts.filename)
            .map(|f| std::mem::take(&mut f.parts))
            .unwrap_or_default();
        let mut loaded = if text.len() <= CACHED_TEXT_MAX {
            load::load_cached(&input, &limits, &mut parts)
        } else {
            parts = PartCache::default();
            load::load(&[input], &limits)
        };
        if opts.columns == Columns::Utf16 {
            let utf16 = |line: Option<usize>, column: Option<usize>| match (line, column) {
                (Some(l), Some(c)) => Some(load::utf16_column(&text, l, c)),
                (_, c) => c,
            };
            for e in &mut loaded.errors {
                e.column = utf16(e.line, e.column);
            }
            for u in &mut loaded.unknown_fields {
                u.error.column = utf16(u.error.line, u.error.column);
            }
        }
        // A text given by value is freed before the engine's work: a whole
        // cluster's dump is as big as what it becomes.
        drop(text);
        let ns = opts.namespace.as_deref().filter(|n| !n.is_empty());
        if let Some(ns) = ns {
            for (obj, _) in &mut loaded.objects {
                if obj.is_namespaced()
                    && obj.metadata().namespace.as_deref().unwrap_or("").is_empty()
                {
                    obj.metadata_mut().namespace = Some(ns.to_string());
                }
            }
        }
        // Unknown fields name their object as it is stored.
        for u in &mut loaded.unknown_fields {
            let e = &mut u.error;
            if e.namespace.is_empty() && crate::model::is_namespaced_kind(&e.kind) {
                e.namespace = ns.unwrap_or(crate::model::DEFAULT_NAMESPACE).to_string();
            }
        }
        self.replace_file(&opts.filename, loaded, parts)
    }

    /// [`Cluster::load`] for bytes: UTF-8, or UTF-16 with a byte order
    /// mark, as kubectl decodes files; invalid bytes are reported at their
    /// line and column.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config::default());
    /// let r = c.load_bytes(b"kind: Pod\nmetadata: {name: \xff}\n", &LoadOptions::named("x.yaml"));
    /// assert_eq!((r.errors[0].line, r.errors[0].column), (Some(2), Some(18)));
    /// ```
    pub fn load_bytes(&mut self, bytes: &[u8], opts: &LoadOptions) -> LoadReport {
        match load::decode(bytes.to_vec()) {
            Ok(text) => self.load(text, opts),
            Err((line, column, message)) => {
                let loaded = load::Loaded {
                    errors: vec![LoadError {
                        file: opts.filename.clone(),
                        line: Some(line),
                        column: Some(column),
                        message,
                        object: false,
                    }],
                    ..Default::default()
                };
                self.replace_file(&opts.filename, loaded, PartCache::default())
            }
        }
    }

    fn replace_file(
        &mut self,
        name: &str,
        mut loaded: load::Loaded,
        parts: PartCache,
    ) -> LoadReport {
        self.stamp(&mut loaded.objects);
        let keys: Vec<ObjectKey> = loaded
            .objects
            .iter()
            .map(|(o, _)| ObjectKey::of(o))
            .collect();
        // Each object's unknown fields: those of the text that stands for
        // it (a later copy in the file replaces an earlier one).
        let mut unknown: BTreeMap<ObjectKey, (Origin, Vec<UnknownField>)> = BTreeMap::new();
        unknown.extend(
            keys.iter()
                .zip(&loaded.objects)
                .map(|(k, (_, origin))| (k.clone(), (origin.clone(), Vec::new()))),
        );
        for u in loaded.unknown_fields {
            let e = &u.error;
            let key = ObjectKey::new(&e.kind, &e.namespace, &e.name);
            if let Some((origin, fields)) = unknown.get_mut(&key) {
                if e.origin.as_ref() == Some(origin) {
                    fields.push(u);
                }
            }
        }
        let mut changes = Changes::default();
        let previous = self.files.iter().position(|f| f.name == name);
        let mut objects = loaded.objects;
        if let Some(i) = previous {
            self.files.remove(i);
            // The objects the file gave and no longer holds (an object
            // another file has taken over since is that file's).
            let now: HashSet<&ObjectKey> = keys.iter().collect();
            for k in self.engine.objects_from(name) {
                if !now.contains(&k) {
                    changes.extend(self.engine.delete(&k));
                }
            }
            // What the file still says as before only moves (its line).
            objects.retain(|(obj, origin)| !self.engine.keep_if_unchanged(obj, origin));
            self.files.insert(
                i,
                FileState {
                    name: name.to_string(),
                    errors: loaded.errors.clone(),
                    ignored: loaded.ignored.clone(),
                    parts,
                },
            );
        } else {
            self.files.push(FileState {
                name: name.to_string(),
                errors: loaded.errors.clone(),
                ignored: loaded.ignored.clone(),
                parts,
            });
        }
        changes.extend(self.engine.apply_all(objects));
        for (key, (_, fields)) in unknown {
            changes.extend(self.engine.set_unknown_fields(&key, fields));
        }
        let controllers = self.reconcile();
        if let Some(r) = &controllers {
            changes.extend(r.changes.clone());
        }
        LoadReport {
            objects: keys,
            errors: loaded.errors,
            ignored: loaded.ignored,
            changes,
            controllers,
        }
    }

    /// Adds or replaces one object (as `kubectl apply`), reporting what
    /// changed.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// let pod = svcscope::parse_object(r#"{"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": "web-2", "namespace": "shop", "labels": {"app": "web"}},
    ///     "status": {"phase": "Running", "podIP": "10.244.1.6"}}"#)?;
    /// let changes = c.apply(pod);
    /// assert!(changes.services.iter().any(|s| s.name == "web"));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn apply(&mut self, object: Object) -> Changes {
        let origin = Origin {
            file: Arc::from(APPLIED),
            ..Origin::default()
        };
        let mut one = [(object, origin)];
        self.stamp(&mut one);
        let [(object, origin)] = one;
        let mut changes = self.engine.apply(object, origin);
        if let Some(r) = self.reconcile() {
            changes.extend(r.changes);
        }
        changes
    }

    /// [`Cluster::apply`] for the text of one object (YAML or JSON, as a
    /// face holds a document it was given), with the fields its kind does
    /// not have reported as `load` reports them (under the configured
    /// `validate`), so `check` and `explain` see its typos. They carry
    /// their field path but no line or column: an applied object has no
    /// file to point into.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// let mut c = Cluster::new(Config::default());
    /// c.apply_text(r#"{"apiVersion": "v1", "kind": "Service",
    ///     "metadata": {"name": "web", "namespace": "shop"},
    ///     "spec": {"slector": {"app": "web"}, "ports": [{"port": 80}]}}"#)?;
    /// let found = &c.check().errors[0];
    /// assert_eq!((found.error.field.as_str(), found.hint.as_deref()), ("spec.slector", Some("did you mean \"selector\"?")));
    /// assert_eq!((found.line, found.column), (None, None));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn apply_text(&mut self, text: &str) -> Result<Changes, Error> {
        let (object, mut fields) = load::parse_checked(text)?;
        let key = ObjectKey::of(&object);
        for f in &mut fields {
            let e = &mut f.error;
            (e.namespace, e.line, e.column, e.origin) = (key.namespace.clone(), None, None, None);
        }
        let mut changes = self.apply(object);
        changes.extend(self.engine.set_unknown_fields(&key, fields));
        Ok(changes)
    }

    /// Removes one object (as `kubectl delete`), reporting what changed.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// assert!(c.delete("Pod", "shop", "web-1").is_ok());
    /// assert_eq!(c.delete("Pod", "shop", "web-1").unwrap_err().code(), "not-found");
    /// ```
    pub fn delete(&mut self, kind: &str, namespace: &str, name: &str) -> Result<Changes, Error> {
        let known = crate::load::is_modelled_kind(kind);
        if !known {
            return Err(Error::UnknownKind {
                kind: kind.to_string(),
            });
        }
        let namespaced = crate::model::is_namespaced_kind(kind);
        let namespace = match (namespaced, namespace) {
            (false, _) => "",
            (true, "") => crate::model::DEFAULT_NAMESPACE,
            (true, ns) => ns,
        };
        let key = ObjectKey::new(kind, namespace, name);
        if self.engine.origin(&key).is_none() {
            return Err(Error::not_found(kind, &NsName::new(namespace, name)));
        }
        if let Some(c) = self.controllers.as_mut() {
            c.clock.tick();
        }
        let mut changes = self.engine.delete(&key);
        if let Some(r) = self.reconcile() {
            changes.extend(r.changes);
        }
        Ok(changes)
    }

    /// Forgets every object and file; the configuration stays.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// c.clear();
    /// assert_eq!(c.services().len(), 1); // default/kubernetes, always there
    /// ```
    pub fn clear(&mut self) {
        *self = Cluster::new(self.engine.config().clone());
    }

    /// Every reason the apiserver would refuse the input: the files'
    /// syntax errors, then each object's errors in object order: fields
    /// its kind does not have (as `validate` says: errors, warnings or
    /// none), then validation with Kubernetes' field paths, then
    /// allocation.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// # use svcscope::config::Validate;
    /// let svc = "kind: Service\napiVersion: v1\nmetadata: {name: web}\nspec:\n  slector: {app: web}\n  ports: [{port: 80}]\n";
    /// let mut c = Cluster::new(Config::default());
    /// c.load(svc, &LoadOptions::named("web.yaml"));
    /// let e = &c.check().errors[0];
    /// assert_eq!((e.error.field.as_str(), e.line, e.column), ("spec.slector", Some(5), Some(3)));
    /// assert_eq!(e.hint.as_deref(), Some("did you mean \"selector\"?"));
    /// assert!(!c.check().is_clean());
    ///
    /// let mut c = Cluster::new(Config { validate: Validate::Warn, ..Config::default() });
    /// c.load(svc, &LoadOptions::named("web.yaml"));
    /// assert!(c.check().is_clean());
    /// c.load("apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 80, protocol: HTTP}]}\n", &LoadOptions::named("bad.yaml"));
    /// assert_eq!(c.check().errors[0].error.field, "spec.ports[0].protocol");
    /// ```
    pub fn check(&self) -> Document<CheckReport> {
        Document::new(
            "CheckReport",
            CheckReport {
                load_errors: self.load_errors(),
                errors: self.object_errors(),
            },
        )
    }

    /// Each object's unknown fields, then its validation or allocation
    /// errors, in object order.
    fn object_errors(&self) -> Vec<ObjectError> {
        let mut errors = self.engine.unknown_fields();
        errors.extend(self.engine.errors());
        // Stable: within an object, unknown fields stay first.
        crate::order::sort_by(&mut errors, |a, b| {
            (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name))
        });
        errors
    }

    fn load_errors(&self) -> Vec<LoadError> {
        self.files.iter().flat_map(|f| f.errors.clone()).collect()
    }

    /// The pods a label selector matches (kubectl's syntax, or a
    /// `LabelSelector` object), in one namespace or all, sorted.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config::default());
    /// c.load("kind: Pod\napiVersion: v1\nmetadata: {name: a, labels: {app: web}}\n", &LoadOptions::named("a.yaml"));
    /// assert_eq!(c.select("app in (web, api)", None)?.len(), 1);
    /// assert_eq!(c.select("app in (", None).unwrap_err().code(), "bad-selector");
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn select(
        &self,
        selector: impl Into<SelectorArg>,
        namespace: Option<&str>,
    ) -> Result<Vec<NsName>, Error> {
        let arg = selector.into();
        let sel = Selector::from_arg(&arg).map_err(|message| Error::BadSelector {
            selector: match &arg {
                SelectorArg::Text(t) => t.clone(),
                SelectorArg::Object(o) => serde_json::to_string(o).unwrap_or_default(),
            },
            message,
        })?;
        Ok(self
            .engine
            .cluster()
            .pods
            .iter()
            .filter(|(k, _)| namespace.is_none_or(|ns| ns == k.namespace))
            .filter(|(_, p)| sel.matches(&p.metadata.labels))
            .map(|(k, _)| k.clone())
            .collect())
    }

    /// Where an object of the cluster was read from (file, line of its
    /// document, item path in a list): faces link a finding or a diagram
    /// box to the text. `None` for an object the cluster does not hold.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::LoadOptions;
    /// let mut c = Cluster::new(Config::default());
    /// c.load("kind: Pod\napiVersion: v1\nmetadata: {name: a}\n---\nkind: Pod\napiVersion: v1\nmetadata: {name: b}\n", &LoadOptions::named("p.yaml"));
    /// let o = c.origin("Pod", "default", "b");
    /// assert_eq!(o.map(|o| (o.file.to_string(), o.line)), Some(("p.yaml".into(), Some(4)))); // its `---`
    /// assert!(c.origin("Pod", "default", "c").is_none());
    /// ```
    pub fn origin(&self, kind: &str, namespace: &str, name: &str) -> Option<Origin> {
        self.engine
            .origin(&ObjectKey::new(kind, namespace, name))
            .cloned()
    }

    /// Every Service as the apiserver stores it (defaulted, allocated), in
    /// namespace/name order, the implicit `default/kubernetes` included.
    pub fn services(&self) -> Vec<ResolvedService> {
        self.engine
            .services()
            .map(|(k, st)| ResolvedService {
                namespace: k.namespace.clone(),
                name: k.name.clone(),
                rejected: st.rejected,
                implicit: st.implicit,
                service: Arc::clone(&st.service),
            })
            .collect()
    }

    /// The pods a Service (`NAMESPACE/NAME`, or `NAME` in `default`)
    /// selects, and why each other pod of its namespace is not selected.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// assert_eq!(c.selection("shop/web")?.selected, ["web-1"]);
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn selection(&self, service: &str) -> Result<Document<Selection>, Error> {
        let nn = parse_ref("service", service)?;
        let s = self
            .engine
            .selection(&nn, true)
            .ok_or_else(|| Error::not_found("Service", &nn))?;
        Ok(Document::new(
            "Selection",
            Selection {
                service: nn.clone(),
                selector: s.selector,
                selected: s.selected.iter().map(|p| p.to_string()).collect(),
                not_selected: s
                    .not_selected
                    .into_iter()
                    .map(|g| NotSelected {
                        requirement: g.requirement,
                        reason: g.reason,
                        pods: g.pods.iter().map(|p| p.to_string()).collect(),
                    })
                    .collect(),
            },
        ))
    }

    /// The Endpoints and EndpointSlices the controllers write, for one
    /// Service or (`None`) all, as a `v1` `List`.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// let list = c.endpoints(Some("shop/web"))?;
    /// assert_eq!(list.items.len(), 2); // the Endpoints and one EndpointSlice
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn endpoints(&self, service: Option<&str>) -> Result<EndpointsList, Error> {
        let target = service.map(|s| parse_ref("service", s)).transpose()?;
        if let Some(t) = &target {
            if self.engine.service(t).is_none() {
                return Err(Error::not_found("Service", t));
            }
        }
        let mut items = Vec::new();
        for (key, st) in self.engine.services() {
            if target.as_ref().is_some_and(|t| t != key) {
                continue;
            }
            if let Some(ep) = &st.endpoints {
                items.push(EndpointsItem::Endpoints(Typed {
                    api_version: "v1",
                    kind: "Endpoints",
                    object: Arc::clone(ep),
                }));
            }
            for es in st.slices.iter() {
                items.push(EndpointsItem::EndpointSlice(Typed {
                    api_version: "discovery.k8s.io/v1",
                    kind: "EndpointSlice",
                    object: Arc::new(es.clone()),
                }));
            }
        }
        Ok(EndpointsList {
            api_version: "v1",
            kind: "List",
            items,
        })
    }

    /// Every diagnostic: what is wrong and how to fix it, Services first,
    /// then pods.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// c.load("apiVersion: v1\nkind: Service\nmetadata: {name: typo, namespace: shop}\nspec: {selector: {app: Web}, ports: [{port: 80}]}\n", &LoadOptions::named("typo.yaml"));
    /// assert!(c.explain().iter().any(|d| d.code == "selector-matches-nothing"));
    /// ```
    pub fn explain(&self) -> Vec<Diagnostic> {
        self.engine.diagnostics()
    }

    /// The whole computed view: Services as stored, selections (why-not as
    /// counts and examples per reason), Endpoints, EndpointSlices,
    /// diagnostics and every error.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// let r = c.resolve();
    /// assert_eq!(r.kind, "Resolution");
    /// assert_eq!(r.endpoint_slices.len(), 1);
    /// ```
    pub fn resolve(&self) -> Document<Resolution> {
        let e = &self.engine;
        let mut ignored = Vec::new();
        for f in &self.files {
            ignored.extend(f.ignored.iter().cloned());
        }
        Document::new(
            "Resolution",
            Resolution {
                load_errors: self.load_errors(),
                ignored,
                config: e.config().clone(),
                services: self.services(),
                selections: e
                    .services()
                    .filter_map(|(k, _)| e.selection_summary(k))
                    .collect(),
                endpoints: e
                    .services()
                    .filter_map(|(_, s)| s.endpoints.clone())
                    .collect(),
                endpoint_slices: SharedList(
                    e.services()
                        .filter(|(_, s)| !s.slices.is_empty())
                        .map(|(_, s)| Arc::clone(&s.slices))
                        .collect(),
                ),
                diagnostics: e.diagnostics(),
                errors: self.object_errors(),
            },
        )
    }

    /// The plugin options of a DNS question or zone, checked.
    fn dns_options(&self, opts: &ZoneOptions) -> Result<dns::DnsOptions, Error> {
        let mut o = dns::DnsOptions::for_zone(&self.engine.config().cluster_domain);
        if let Some(z) = &opts.zone {
            o.set_zones(z)
                .map_err(|e| Error::bad_argument("zone", format!("{z:?}: {e}")))?;
        }
        if let Some(m) = opts.pod_records {
            o.pod_records = m;
        }
        if let Some(t) = opts.ttl {
            if t > 3600 {
                return Err(Error::bad_argument(
                    "ttl",
                    format!("{t}: a number of seconds from 0 to 3600"),
                ));
            }
            o.ttl = t;
        }
        Ok(o)
    }

    /// What the cluster DNS answers for `name` and `qtype` (`A`, `AAAA`,
    /// `SRV`, `PTR`, `CNAME`, `TXT`, `SOA`, `NS`, `ANY`, `TYPEn`…), or,
    /// with `query.from`, what a pod's resolver sends through its search
    /// path and the answer it gets.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::{DnsQuery, LoadOptions};
    /// let mut c = Cluster::new(Config::default());
    /// c.load("kind: Service\napiVersion: v1\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n", &LoadOptions::named("web.yaml"));
    /// let a = c.dns("web.shop.svc.cluster.local", "A", &DnsQuery::default())?;
    /// assert_eq!(a.response().answer.len(), 1);
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn dns(
        &self,
        name: &str,
        qtype: &str,
        query: &DnsQuery,
    ) -> Result<Document<DnsAnswer>, Error> {
        let rtype = RType::parse(qtype).ok_or_else(|| {
            Error::bad_argument("type", format!("{qtype:?}: not a DNS record type"))
        })?;
        let opts = self.dns_options(&query.options)?;
        let from = query
            .from
            .as_deref()
            .map(|f| parse_pod_ref("from", f))
            .transpose()?;
        let index = ZoneIndex::from_state(&self.engine.state(), opts);
        let (kind, result) = match &from {
            Some(key) => {
                let pod = self
                    .engine
                    .cluster()
                    .pods
                    .get(key)
                    .ok_or_else(|| Error::not_found("Pod", key))?;
                (
                    "PodLookup",
                    DnsResult::Lookup(index.resolve_from_pod(pod, name, rtype)),
                )
            }
            None => (
                "DnsResponse",
                DnsResult::Response(index.answer(name, rtype)),
            ),
        };
        let hints = match (&result, &from) {
            (DnsResult::Lookup(l), Some(pod)) => index.lookup_hints(l, &pod.namespace),
            (DnsResult::Response(r), _) => index.hints(r),
            (DnsResult::Lookup(_), None) => Vec::new(),
        };
        let mut answer = DnsAnswer {
            pod: from,
            result,
            notes: Vec::new(),
            hints,
        };
        answer.notes = self.dns_notes(&index, &answer);
        Ok(Document::new(kind, answer))
    }

    /// What an answer alone does not say.
    fn dns_notes(&self, index: &ZoneIndex, a: &DnsAnswer) -> Vec<String> {
        let mut notes = Vec::new();
        let r = a.response();
        let lookup = match &a.result {
            DnsResult::Lookup(l) => Some(l),
            DnsResult::Response(_) => None,
        };
        if let Some(l) = lookup {
            notes.extend(l.resolv_conf.notes.iter().cloned());
            if r.rcode != Rcode::Forwarded {
                for q in l.queries.iter().filter(|q| q.rcode == Rcode::Forwarded) {
                    notes.push(format!(
                        "{} went upstream, which svcscope does not model; the walk goes on as if upstream had no such name",
                        q.question.name
                    ));
                }
            }
        }
        let zone = &index.options().zone;
        match (&r.forwarded, r.rcode) {
            (Some(name), Rcode::Forwarded) if lookup.is_some_and(|l| !l.resolv_conf.cluster_dns) => {
                notes.push(format!(
                    "the pod's resolver does not ask the cluster DNS; {name} goes to {}",
                    lookup
                        .and_then(|l| l.resolv_conf.nameservers.first())
                        .map_or("the node's resolver", String::as_str)
                ))
            }
            (Some(name), Rcode::Forwarded) => notes.push(format!(
                "{name} is outside the cluster zone {zone}.: the cluster DNS forwards it upstream, which svcscope does not model"
            )),
            (Some(name), _) => notes.push(format!(
                "{name} is outside the cluster zone {zone}.: the cluster DNS asks upstream for its records, which svcscope does not model"
            )),
            (None, Rcode::FormErr) => notes.push(format!(
                "{} is not a valid domain name (an empty label, a label over 63 octets, or over 253 in all)",
                r.question.name
            )),
            _ => {}
        }
        // Names of Services the apiserver would refuse are answered as
        // given (CoreDNS never validates).
        let names: Vec<String> = match lookup {
            Some(l) => l
                .queries
                .iter()
                .map(|q| q.question.name.to_ascii_lowercase())
                .collect(),
            None => vec![r.question.name.to_ascii_lowercase()],
        };
        for (key, _) in self.engine.services().filter(|(_, st)| st.rejected) {
            let owner = format!("{}.{}.svc.{zone}.", key.name, key.namespace);
            if names
                .iter()
                .any(|n| *n == owner || n.ends_with(&format!(".{owner}")))
            {
                notes.extend(self.rejected_notes("Service", key));
            }
        }
        notes
    }

    /// Says that an object the views show would be refused, and why.
    fn rejected_notes(&self, kind: &str, key: &NsName) -> Vec<String> {
        let mut notes = vec![format!(
            "{kind} {key} would be rejected by the apiserver; shown as the components treat it as given:"
        )];
        notes.extend(
            self.engine
                .errors()
                .iter()
                .filter(|e| e.kind == kind && e.namespace == key.namespace && e.name == key.name)
                .map(|e| format!("  {e}")),
        );
        notes
    }

    /// The cluster zone, every record the answers give, as a master file.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// let z = c.zone(&ZoneOptions::default())?;
    /// assert!(z.text.contains("web.shop.svc.cluster.local."));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn zone(&self, opts: &ZoneOptions) -> Result<Document<Zone>, Error> {
        let o = self.dns_options(opts)?;
        let (zone, ttl) = (o.zone.clone(), o.ttl);
        let index = ZoneIndex::from_state(&self.engine.state(), o);
        let records = index.zone_records();
        let text = dns::zone_text(&zone, ttl, &records);
        let rejected = self.engine.services().filter(|(_, st)| st.rejected).count();
        let notes = (rejected > 0)
            .then(|| format!("{rejected} Service(s) would be rejected by the apiserver (check says why); the zone shows them as given"))
            .into_iter()
            .collect();
        Ok(Document::new(
            "Zone",
            Zone {
                zone,
                ttl,
                records,
                text,
                notes,
            },
        ))
    }

    /// The environment kubelet gives one container of a pod (the default
    /// container when `container` is `None`): its own variables, then the
    /// Services'.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// let env = c.env("shop/web-1", None)?;
    /// // $(WEB_SERVICE_HOST), expanded
    /// assert!(env.iter().any(|(n, v)| n == "URL" && v.starts_with("http://10.")));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn env(&self, pod: &str, container: Option<&str>) -> Result<Document<Environment>, Error> {
        let key = parse_pod_ref("pod", pod)?;
        let pod_errors: Vec<String> = self
            .engine
            .errors()
            .iter()
            .filter(|e| e.kind == "Pod" && e.namespace == key.namespace && e.name == key.name)
            .map(|e| format!("  {e}"))
            .collect();
        let mut environment = env::pod_environment(&self.engine.state(), &key, container)?;
        if !pod_errors.is_empty() {
            // Never stored, so no kubelet runs it.
            environment = Environment::rejected(key.clone(), environment.container, {
                let mut n = vec![format!(
                    "Pod {key} is rejected by the apiserver; it has no environment:"
                )];
                n.extend(pod_errors);
                n
            });
        }
        Ok(Document::new("Environment", environment))
    }

    /// The way of a connection through kube-proxy's dataplane: every hop
    /// with the rule that matched, and the verdict.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// let t = c.route(&RouteRequest::new("shop/web-1", "web:80"))?;
    /// assert!(t.to_text().contains("DELIVERED"));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn route(&self, req: &RouteRequest) -> Result<Document<Trace>, Error> {
        let mut req = req.clone();
        req.protocol = req.protocol.to_ascii_uppercase();
        if !matches!(req.protocol.as_str(), "TCP" | "UDP" | "SCTP") {
            return Err(Error::bad_argument(
                "protocol",
                format!("{:?}: use TCP, UDP or SCTP", req.protocol),
            ));
        }
        if !(1..=MAX_CONNECTIONS).contains(&req.connections) {
            return Err(Error::bad_argument(
                "connections",
                format!("{}: a number from 1 to {MAX_CONNECTIONS}", req.connections),
            ));
        }
        let cidr = parse_cluster_cidr(req.cluster_cidr.as_deref())?;
        // An IPv6 destination is traced by the IPv6 proxier; a name by the
        // proxier of the cluster CIDR's family, else the primary one.
        let host = req.to.rsplit_once(':').map_or(req.to.as_str(), |(h, _)| h);
        let family = parse_ip(host.trim_start_matches('[').trim_end_matches(']'))
            .map(|ip| Family::of(&ip))
            .or(cidr.map(|c| c.family()))
            .unwrap_or_else(|| self.primary_family());
        Ok(Document::new(
            "RouteTrace",
            self.route_index(family, cidr).trace(&req)?,
        ))
    }

    fn route_index(&self, family: Family, cluster_cidr: Option<Cidr>) -> Rc<RouteIndex> {
        let revision = self.engine.revision();
        let mut cache = self.routes.borrow_mut();
        match &*cache {
            Some(c)
                if c.revision == revision
                    && c.family == family
                    && c.cluster_cidr == cluster_cidr =>
            {
                c.index.clone()
            }
            _ => {
                let index = Rc::new(RouteIndex::new(&self.engine.state(), family, cluster_cidr));
                *cache = Some(RouteCache {
                    revision,
                    family,
                    cluster_cidr,
                    index: index.clone(),
                });
                index
            }
        }
    }

    fn primary_family(&self) -> Family {
        self.engine
            .config()
            .service_cidrs
            .first()
            .map_or(Family::IPv4, Cidr::family)
    }

    /// The rules kube-proxy programs on a node, in one mode.
    ///
    /// ```
    /// # use svcscope::{Cluster, Config};
    /// # use svcscope::cluster::options::*;
    /// # let mut c = Cluster::new(Config::default());
    /// # c.load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: http}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec:\n  nodeName: node-a\n  containers: [{name: app, image: nginx, ports: [{name: http, containerPort: 8080}], env: [{name: URL, value: \"http://$(WEB_SERVICE_HOST)\"}]}]\nstatus: {phase: Running, podIP: 10.244.1.5, conditions: [{type: Ready, status: \"True\"}]}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n", &LoadOptions::named("shop.yaml"));
    /// let r = c.rules(&RulesRequest::new("node-a", Mode::Iptables))?;
    /// assert!(r.text.contains("KUBE-SVC-"));
    /// # Ok::<(), svcscope::Error>(())
    /// ```
    pub fn rules(&self, req: &RulesRequest) -> Result<Document<ProxyRules>, Error> {
        let cidr = parse_cluster_cidr(req.cluster_cidr.as_deref())?;
        if req.node.is_empty() {
            return Err(Error::bad_argument("node", "\"\": a node name is needed"));
        }
        let node = req.node.as_str();
        let family = proxy::proxy_family(&self.engine.state(), node, cidr.as_ref());
        let mut notes = Vec::new();
        let mut cfg = proxy::node_config(&self.engine.state(), node, family).unwrap_or_else(|| {
            // kube-proxy still programs Services on a node the input lacks;
            // it only has no IP or zone to go by.
            notes.push(format!(
                "node {node:?} is not in the input; no node IP or zone known"
            ));
            let mut c = ProxyConfig::new(node);
            c.family = family;
            c
        });
        cfg.cluster_cidr = cidr;
        if cfg.node_ip.is_none() && req.mode == Mode::Userspace {
            notes.push(format!(
                "node {node:?} has no known {family} InternalIP: the KUBE-PORTALS-HOST and KUBE-NODEPORT-HOST rules DNAT to it and are not shown"
            ));
        }
        let ports = proxy::stored_service_ports(&self.engine.state(), family);
        let rs = proxy::ruleset(req.mode, &ports, &cfg, &self.engine.config().service_cidrs);
        Ok(Document::new(
            "ProxyRules",
            ProxyRules {
                notes,
                ..proxy::rules_document(&rs, node)
            },
        ))
    }
}

/// `NAMESPACE/NAME`, or `NAME` in `default`.
fn parse_ref(argument: &str, s: &str) -> Result<NsName, Error> {
    NsName::parse(s)
        .ok_or_else(|| Error::bad_argument(argument, format!("{s:?}: expected NAMESPACE/NAME")))
}

/// A pod reference: `NAMESPACE/POD`, or `POD` in `default`.
fn parse_pod_ref(argument: &str, s: &str) -> Result<NsName, Error> {
    NsName::parse(s)
        .ok_or_else(|| Error::bad_argument(argument, format!("{s:?}: expected NAMESPACE/POD")))
}

fn parse_cluster_cidr(s: Option<&str>) -> Result<Option<Cidr>, Error> {
    s.map(|v| {
        v.parse::<Cidr>()
            .map_err(|e| Error::bad_argument("clusterCidr", format!("{v:?}: {e}")))
    })
    .transpose()
}

/// The mode a ruleset or trace models, from its name.
pub fn parse_mode(s: &str) -> Result<Mode, Error> {
    Mode::parse(s).ok_or_else(|| {
        Error::bad_argument(
            "mode",
            format!("{s:?}: use one of iptables, ipvs, nftables, userspace"),
        )
    })
}

/// The pod records mode, from its name.
pub fn parse_pod_records(s: &str) -> Result<PodRecords, Error> {
    s.parse()
        .map_err(|e: String| Error::bad_argument("podRecords", e))
}
