//! svcscope's JavaScript face, the npm package `svcscope`: the engine's
//! [`svcscope::Cluster`] method for method. It holds no Kubernetes logic;
//! each method converts its arguments ([`args`]), calls the engine and
//! converts the result ([`boundary`]). Misuse of the API throws a
//! `SvcscopeError` (an `Error` with the engine's stable `code`); problems in
//! the user's manifests are data in the results, as in the CLI.
//!
//! The TypeScript declarations are generated from the Rust types
//! (`svcscope-dts`, the `ts` feature); the names in `typescript_type`
//! below are those types.

pub mod args;
pub mod boundary;

use args::{EnvOptions, ObjectTarget, SelectOptions};
use boundary::{to_js, Fallible, Thrown};
use svcscope::cluster::options::{
    Columns, Config, DnsQuery, LoadOptions, RouteRequest, RulesRequest, SelectorArg, ZoneOptions,
};
use wasm_bindgen::prelude::*;
#[cfg(feature = "bench")]
use wasm_bindgen::JsCast;

// The TypeScript names of arguments and results (declared by the
// generated part of `svcscope.d.ts`).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "ClusterOptions")]
    pub type ClusterOptionsArg;
    #[wasm_bindgen(typescript_type = "string | Uint8Array")]
    pub type TextArg;
    #[wasm_bindgen(typescript_type = "LoadOptions")]
    pub type LoadOptionsArg;
    #[wasm_bindgen(typescript_type = "Manifest")]
    pub type ManifestArg;
    #[wasm_bindgen(typescript_type = "ObjectTarget")]
    pub type ObjectTargetArg;
    #[wasm_bindgen(typescript_type = "SelectorArg")]
    pub type SelectorArgJs;
    #[wasm_bindgen(typescript_type = "SelectOptions")]
    pub type SelectOptionsArg;
    #[wasm_bindgen(typescript_type = "DnsQuery")]
    pub type DnsQueryArg;
    #[wasm_bindgen(typescript_type = "ZoneOptions")]
    pub type ZoneOptionsArg;
    #[wasm_bindgen(typescript_type = "EnvOptions")]
    pub type EnvOptionsArg;
    #[wasm_bindgen(typescript_type = "RouteRequest")]
    pub type RouteRequestArg;
    #[wasm_bindgen(typescript_type = "RulesRequest")]
    pub type RulesRequestArg;

    #[wasm_bindgen(typescript_type = "LoadReport")]
    pub type LoadReportJs;
    #[wasm_bindgen(typescript_type = "Changes")]
    pub type ChangesJs;
    #[wasm_bindgen(typescript_type = "Document<CheckReport>")]
    pub type CheckReportJs;
    #[wasm_bindgen(typescript_type = "NsName[]")]
    pub type NsNamesJs;
    #[wasm_bindgen(typescript_type = "ResolvedService[]")]
    pub type ServicesJs;
    #[wasm_bindgen(typescript_type = "Document<Selection>")]
    pub type SelectionJs;
    #[wasm_bindgen(typescript_type = "EndpointsList")]
    pub type EndpointsListJs;
    #[wasm_bindgen(typescript_type = "Diagnostic[]")]
    pub type DiagnosticsJs;
    #[wasm_bindgen(typescript_type = "Document<Resolution>")]
    pub type ResolutionJs;
    #[wasm_bindgen(typescript_type = "Document<DnsAnswer>")]
    pub type DnsAnswerJs;
    #[wasm_bindgen(typescript_type = "Document<Zone>")]
    pub type ZoneJs;
    #[wasm_bindgen(typescript_type = "Document<Environment>")]
    pub type EnvironmentJs;
    #[wasm_bindgen(typescript_type = "Document<Trace>")]
    pub type TraceJs;
    #[wasm_bindgen(typescript_type = "Document<ProxyRules>")]
    pub type ProxyRulesJs;
    #[wasm_bindgen(typescript_type = "Document<Pods>")]
    pub type PodsJs;
    #[wasm_bindgen(typescript_type = "Document<ChangeReport>")]
    pub type ChangeReportJs;
}

/// The engine's version (the package's).
#[wasm_bindgen]
pub fn version() -> String {
    svcscope::VERSION.to_string()
}

/// A cluster built from manifests, and every question svcscope answers
/// about it. `free()` releases it at once; one a page forgets is released
/// when it is garbage-collected.
#[wasm_bindgen]
pub struct Cluster {
    inner: svcscope::Cluster,
}

#[wasm_bindgen]
impl Cluster {
    /// An empty cluster (it has only the implicit `default/kubernetes`).
    #[wasm_bindgen(constructor)]
    pub fn new(config: Option<ClusterOptionsArg>) -> Fallible<Cluster> {
        let config: Config = args::optional("config", config.as_deref())?.unwrap_or_default();
        Ok(Cluster {
            inner: svcscope::Cluster::new(config),
        })
    }

    /// Reads a text (YAML or JSON) or bytes (UTF-8, or UTF-16 with a byte
    /// order mark) and adds or replaces its objects; loading the same
    /// `filename` again replaces what it gave before. Columns count UTF-16
    /// units, as JavaScript editors do.
    pub fn load(
        &mut self,
        text: TextArg,
        options: Option<LoadOptionsArg>,
    ) -> Fallible<LoadReportJs> {
        let mut opts: LoadOptions =
            args::optional("options", options.as_deref())?.unwrap_or_default();
        opts.columns = Columns::Utf16;
        let report = match args::text("text", &text)? {
            args::Text::Str(s) => self.inner.load(&s, &opts),
            args::Text::Bytes(b) => self.inner.load_bytes(&b, &opts),
        };
        to_js(&report)
    }

    /// Adds or replaces one object, as `kubectl apply`.
    pub fn apply(&mut self, object: ManifestArg) -> Fallible<ChangesJs> {
        let json = args::json("object", &object)?;
        to_js(&self.inner.apply_text(&json)?)
    }

    /// Removes one object, as `kubectl delete`.
    pub fn delete(&mut self, target: ObjectTargetArg) -> Fallible<ChangesJs> {
        let t: ObjectTarget = args::required("target", &target)?;
        let changes = self
            .inner
            .delete(&t.kind, t.namespace.as_deref().unwrap_or(""), &t.name)?;
        to_js(&changes)
    }

    /// Forgets every object and file; the configuration stays.
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    /// Every reason the apiserver would refuse the input.
    pub fn check(&self) -> Fallible<CheckReportJs> {
        to_js(&self.inner.check())
    }

    /// The pods a label selector matches (kubectl's syntax or a
    /// `LabelSelector`), in one namespace or all, sorted.
    pub fn select(
        &self,
        selector: SelectorArgJs,
        options: Option<SelectOptionsArg>,
    ) -> Fallible<NsNamesJs> {
        if js_sys::Array::is_array(&selector) {
            return Err(Thrown::bad_argument(
                "selector",
                "must be a string or a LabelSelector object, not an array",
            ));
        }
        let selector: SelectorArg = args::required("selector", &selector)?;
        let opts: SelectOptions =
            args::optional("options", options.as_deref())?.unwrap_or_default();
        to_js(&self.inner.select(selector, opts.namespace.as_deref())?)
    }

    /// Every Service as the apiserver stores it (defaulted, allocated).
    pub fn services(&self) -> Fallible<ServicesJs> {
        to_js(&self.inner.services())
    }

    /// The pods a Service selects, and why each other pod of its namespace
    /// is not selected.
    pub fn selection(&self, service: &str) -> Fallible<SelectionJs> {
        to_js(&self.inner.selection(service)?)
    }

    /// The Endpoints and EndpointSlices the controllers write, for one
    /// Service (`NAMESPACE/NAME`) or all.
    pub fn endpoints(&self, service: Option<String>) -> Fallible<EndpointsListJs> {
        to_js(&self.inner.endpoints(service.as_deref())?)
    }

    /// Every diagnostic: what is wrong and how to fix it.
    pub fn explain(&self) -> Fallible<DiagnosticsJs> {
        to_js(&self.inner.explain())
    }

    /// The whole computed view.
    pub fn resolve(&self) -> Fallible<ResolutionJs> {
        to_js(&self.inner.resolve())
    }

    /// `resolve()` built object by object (serde-wasm-bindgen), for the
    /// boundary measurement (www/bench/).
    #[cfg(feature = "bench")]
    #[wasm_bindgen(js_name = resolveObjects)]
    pub fn resolve_objects(&self) -> Fallible<ResolutionJs> {
        boundary::objects(&self.inner.resolve()).map(JsCast::unchecked_into)
    }

    /// `endpoints()` built object by object, for the boundary measurement.
    #[cfg(feature = "bench")]
    #[wasm_bindgen(js_name = endpointsObjects)]
    pub fn endpoints_objects(&self) -> Fallible<EndpointsListJs> {
        boundary::objects(&self.inner.endpoints(None)?).map(JsCast::unchecked_into)
    }

    /// What the cluster DNS answers for a name and record type, or with
    /// `from`, what a pod's resolver asks and gets.
    pub fn dns(
        &self,
        name: &str,
        #[wasm_bindgen(js_name = type)] qtype: &str,
        query: Option<DnsQueryArg>,
    ) -> Fallible<DnsAnswerJs> {
        let q: DnsQuery = args::optional("query", query.as_deref())?.unwrap_or_default();
        to_js(&self.inner.dns(name, qtype, &q)?)
    }

    /// The cluster zone, every record, as a master file too.
    pub fn zone(&self, options: Option<ZoneOptionsArg>) -> Fallible<ZoneJs> {
        let o: ZoneOptions = args::optional("options", options.as_deref())?.unwrap_or_default();
        to_js(&self.inner.zone(&o)?)
    }

    /// The environment kubelet gives a container of a pod
    /// (`NAMESPACE/POD`).
    pub fn env(&self, pod: &str, options: Option<EnvOptionsArg>) -> Fallible<EnvironmentJs> {
        let o: EnvOptions = args::optional("options", options.as_deref())?.unwrap_or_default();
        to_js(&self.inner.env(pod, o.container.as_deref())?)
    }

    /// The way of a connection through kube-proxy's dataplane.
    pub fn route(&self, request: RouteRequestArg) -> Fallible<TraceJs> {
        let r: RouteRequest = args::required("request", &request)?;
        to_js(&self.inner.route(&r)?)
    }

    /// The rules kube-proxy programs on a node.
    pub fn rules(&self, request: RulesRequestArg) -> Fallible<ProxyRulesJs> {
        let r: RulesRequest = args::required("request", &request)?;
        to_js(&self.inner.rules(&r)?)
    }

    /// Every pod, as `kubectl get pods -o wide` lists them: those of the
    /// input and, with `controllers`, those the workloads' controllers make.
    pub fn pods(&self) -> Fallible<PodsJs> {
        to_js(&self.inner.pods())
    }

    /// `kubectl delete pod`: the pod goes; its controller, if it has one,
    /// makes a replacement.
    #[wasm_bindgen(js_name = deletePod)]
    pub fn delete_pod(&mut self, pod: &str) -> Fallible<ChangeReportJs> {
        to_js(&self.inner.delete_pod(pod)?)
    }

    /// `kubectl scale KIND NAMESPACE/NAME --replicas=N`.
    pub fn scale(&mut self, kind: &str, workload: &str, replicas: i32) -> Fallible<ChangeReportJs> {
        to_js(&self.inner.scale(kind, workload, replicas)?)
    }

    /// `kubectl cordon` a node, or with `on: false`, `uncordon` it.
    pub fn cordon(&mut self, node: &str, on: Option<bool>) -> Fallible<ChangeReportJs> {
        to_js(&self.inner.cordon(node, on.unwrap_or(true))?)
    }

    /// `kubectl drain --ignore-daemonsets`: the node is cordoned and its
    /// pods evicted; their controllers place replacements elsewhere.
    pub fn drain(&mut self, node: &str) -> Fallible<ChangeReportJs> {
        to_js(&self.inner.drain(node)?)
    }

    /// A pod's readiness, as its readiness probe would turn it.
    #[wasm_bindgen(js_name = setReady)]
    pub fn set_ready(&mut self, pod: &str, ready: bool) -> Fallible<ChangeReportJs> {
        to_js(&self.inner.set_ready(pod, ready)?)
    }
}
