//! `svcscope`, the command-line face of the engine: reads manifests from
//! files or stdin, runs the engine, prints its views. No Kubernetes logic
//! lives here.

mod args;
mod dns;
mod env;
mod proxy;

#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use args::{Args, UsageError};
use serde::Serialize;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use svcscope::config::Config;
use svcscope::emit;
use svcscope::engine::{Engine, Views};
use svcscope::explain::Severity;
use svcscope::load::{self, Ignored, Input, Limits, LoadError, Loaded};
use svcscope::model::{EndpointSlice, Endpoints};
use svcscope::resolve::{Resolution, ResolveOptions};
use svcscope::select::{LabelSelector, Selector};
use svcscope::NsName;

const USAGE: &str = "\
svcscope: Kubernetes Service semantics, computed from manifests

Usage: svcscope COMMAND [ARGS…] [FILE…] [OPTIONS]

Commands:
  check [FILE…] [--no-defaults]
                             validate every object; one line per error:
                             <Kind> <namespace>/<name>: <field.path>: <ErrorType>: <detail>
                             (--no-defaults: validate Services as given, without
                             API defaulting)
  select SELECTOR [FILE…]    pods matched by a label selector (kubectl syntax, or a
                             LabelSelector as JSON/YAML), as namespace/name
  endpoints [NAMESPACE/NAME] [FILE…] [-o yaml|json]
                             the Endpoints and EndpointSlices the controllers
                             would write, for one Service or all
  dns QNAME [TYPE] [FILE…] [--from NAMESPACE/POD] [--zone Z] [--pod-records MODE] [--ttl S] [-o text|json]
                             the cluster DNS's answer (dig-like; TYPE A, AAAA,
                             SRV, PTR, CNAME, TXT, SOA, NS or ANY, default A);
                             with --from, every query the pod's resolver sends
                             through its search path, then the answer it gets
  zone [FILE…] [--zone Z] [--pod-records MODE] [--ttl S]
                             the cluster zone as an RFC 1035 master file
  explain [FILE…] [-o text|json]
                             diagnostics: what is wrong and how to fix it
  env NAMESPACE/POD [FILE…] [-c CONTAINER] [-o text|json]
                             the container's environment as kubelet sets it:
                             its own variables, then the Services' (KEY=VALUE)
  rules --node NAME [--mode iptables|ipvs|nftables] [--cluster-cidr CIDR] [FILE…]
                             what kube-proxy programs on the node: the nat and
                             filter rules as iptables-save prints them, the
                             IPVS virtual servers as ipvsadm -Ln lists them, or
                             its nftables table as nft list table prints it
  route --from NAMESPACE/POD|node/NAME|IP --to HOST:PORT [FILE…]
        [--protocol TCP] [--connections N] [--mode iptables|ipvs|nftables|userspace]
        [--node NAME] [--cluster-cidr CIDR] [-o text|json]
                             the way of a connection to a Service: every hop
                             with the rule that matched, the backend, the
                             source it sees, or why the packet is dropped
  resolve [FILE…] -o json    the whole computed view: Services after defaulting
                             and allocation, selections with why-not,
                             endpoints, slices, diagnostics, errors

FILE is a YAML or JSON manifest (multi-document, kind: List, kubectl get -o
yaml|json output; UTF-8, or UTF-16 with a byte order mark), or a directory of
them (.yaml, .yml, .json); `-` or no FILE reads stdin. Several files form one
cluster.

Options:
  --service-cidr CIDR[,CIDR]  service IP range(s) (default 10.96.0.0/12)
  --node-port-range A-B       NodePort range (default 30000-32767)
  --cluster-domain DOMAIN     cluster DNS zone (default cluster.local)
  -n, --namespace NS          (select) only pods of this namespace
  -c, --container NAME        (env) the container (default: the first)
  --zone ZONE[,REVERSE…]      (dns, zone) the zone(s) CoreDNS serves (default: the
                             cluster domain, in-addr.arpa, ip6.arpa)
  --pod-records MODE          (dns, zone) disabled (default), insecure or verified
  --ttl SECONDS               (dns, zone) TTL of the answers, 0-3600 (default 5)
  -o, --output FORMAT         output format
  -h, --help                  this help
  -V, --version               version

Exit status: 0 fine, 1 the input has errors (all printed), 2 usage error.
";

/// How a command ended.
pub(crate) enum Failure {
    /// The input has errors; they were printed.
    Input,
    Usage(UsageError),
    /// Writing the output failed (e.g. a closed pipe): stop quietly.
    Io(io::Error),
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Self {
        Failure::Usage(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(&args, &mut out).and_then(|()| out.flush().map_err(Failure::Io));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input) => {
            let _ = out.flush();
            ExitCode::from(1)
        }
        Err(Failure::Usage(e)) => usage_error(&e),
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln_safe(&format!("svcscope: {e}"));
            ExitCode::from(1)
        }
    }
}

fn usage_error(e: &UsageError) -> ExitCode {
    eprintln_safe(&format!(
        "svcscope: {}\nRun 'svcscope --help' for usage.",
        e.0
    ));
    ExitCode::from(2)
}

/// `eprintln!` panics when stderr is closed; this never does.
pub(crate) fn eprintln_safe(msg: &str) {
    let _ = writeln!(io::stderr(), "{msg}");
}

fn run(args: &Args, out: &mut impl Write) -> Result<(), Failure> {
    if args.flag("version") {
        writeln!(out, "svcscope {}", env!("CARGO_PKG_VERSION"))?;
        return Ok(());
    }
    let Some(command) = args.command.as_deref() else {
        if args.flag("help") {
            out.write_all(USAGE.as_bytes())?;
            return Ok(());
        }
        return Err(UsageError("no command given".into()).into());
    };
    if args.flag("help") || command == "help" {
        out.write_all(USAGE.as_bytes())?;
        return Ok(());
    }
    let config = config(args)?;
    match command {
        "check" => {
            args.allow_only(&["no-defaults"])?;
            let config = Config {
                defaulting: !args.flag("no-defaults"),
                ..config
            };
            check(&args.positionals, config, out)
        }
        "select" => {
            args.allow_only(&["namespace"])?;
            let (selector, files) = args
                .positionals
                .split_first()
                .ok_or_else(|| UsageError("select needs a SELECTOR".into()))?;
            select(selector, files, args.option("namespace"), out)
        }
        "resolve" => {
            args.allow_only(&["output"])?;
            args.output(&["json"])?;
            resolve_cmd(&args.positionals, config, out)
        }
        "endpoints" => {
            args.allow_only(&["output"])?;
            let format = args.output(&["yaml", "json"])?;
            endpoints_cmd(&args.positionals, config, format, out)
        }
        "explain" => {
            args.allow_only(&["output"])?;
            let format = args.output(&["text", "json"])?;
            explain_cmd(&args.positionals, config, format, out)
        }
        "env" => env::run(args, config, out),
        "rules" => proxy::rules(args, config, out),
        "route" => proxy::route(args, config, out),
        "dns" => dns::run_dns(args, config, out),
        "zone" => dns::run_zone(args, config, out),
        other => Err(UsageError(format!("unknown command {other:?}")).into()),
    }
}

fn config(args: &Args) -> Result<Config, UsageError> {
    let mut c = Config::default();
    if let Some(v) = args.option("service-cidr") {
        c.service_cidrs = Config::parse_service_cidrs(v)
            .map_err(|e| UsageError(format!("--service-cidr: {e}")))?;
    }
    if let Some(v) = args.option("node-port-range") {
        c.node_port_range = v
            .parse()
            .map_err(|e| UsageError(format!("--node-port-range: {e}")))?;
    }
    if let Some(v) = args.option("cluster-domain") {
        c.cluster_domain = Config::parse_cluster_domain(v)
            .map_err(|e| UsageError(format!("--cluster-domain: {e}")))?;
    }
    Ok(c)
}

/// The library's limits suit a browser tab; on the command line a whole
/// cluster's `kubectl get -o json` may be far bigger than 64 MiB.
fn cli_limits() -> Limits {
    Limits {
        max_bytes: 1 << 30,
        ..Limits::default()
    }
}

/// The texts of the named files (`-` or none: stdin).
fn read_inputs(files: &[String]) -> Result<Vec<(String, String)>, Failure> {
    let limits = cli_limits();
    let names: Vec<String> = if files.is_empty() {
        vec!["-".into()]
    } else {
        files.iter().flat_map(|f| expand_dir(f)).collect()
    };
    let mut texts = Vec::new();
    let mut failed = false;
    for name in names {
        let display = if name == "-" {
            "<stdin>".to_string()
        } else {
            name.clone()
        };
        let read = if name == "-" {
            let mut b = Vec::new();
            io::stdin()
                .lock()
                .take(limits.max_bytes as u64 + 1)
                .read_to_end(&mut b)
                .map(|_| b)
        } else {
            std::fs::File::open(&name).and_then(|f| {
                let mut b = Vec::new();
                f.take(limits.max_bytes as u64 + 1).read_to_end(&mut b)?;
                Ok(b)
            })
        };
        match read.map(load::decode) {
            Ok(Ok(text)) => texts.push((display, text)),
            Ok(Err((line, column, msg))) => {
                eprintln_safe(&format!("{display}:{line}:{column}: {msg}"));
                failed = true;
            }
            Err(e) => {
                eprintln_safe(&format!("{display}: {e}"));
                failed = true;
            }
        }
    }
    if failed {
        return Err(Failure::Input);
    }
    Ok(texts)
}

/// A directory stands for its manifests (`.yaml`, `.yml`, `.json`, not
/// its subdirectories), in name order, as `kubectl -f DIR` reads them.
fn expand_dir(path: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(path) else {
        return vec![path.to_string()];
    };
    let mut files: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// Loads the files; prints load errors and notes to stderr.
fn load_files(files: &[String]) -> Result<Loaded, Failure> {
    let texts = read_inputs(files)?;
    let inputs: Vec<Input> = texts
        .iter()
        .map(|(n, t)| Input { name: n, text: t })
        .collect();
    let loaded = load::load(&inputs, &cli_limits());
    for ig in &loaded.ignored {
        eprintln_safe(&format!(
            "note: {}: {} {}: {}",
            ig.origin, ig.kind, ig.name, ig.note
        ));
    }
    Ok(loaded)
}

fn check(files: &[String], config: Config, out: &mut impl Write) -> Result<(), Failure> {
    let loaded = load_files(files)?;
    for e in &loaded.errors {
        writeln!(out, "{e}")?;
    }
    let had_load_errors = !loaded.errors.is_empty();
    // Errors need no Endpoints or diagnostics.
    let errors = keep(Engine::from_objects_with(
        config,
        Views::Selection,
        loaded.objects,
    ))
    .errors();
    for e in &errors {
        writeln!(out, "{e}")?;
    }
    if had_load_errors || !errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}

/// A selector argument: kubectl syntax, or a LabelSelector object.
fn parse_selector(s: &str) -> Result<Selector, String> {
    let t = s.trim_start();
    let is_object =
        t.starts_with('{') || t.starts_with("matchLabels") || t.starts_with("matchExpressions");
    if !is_object {
        return Selector::parse(s).map_err(|e| e.to_string());
    }
    let docs = load::yaml::parse_documents(s, &Limits::default()).map_err(|e| e.to_string())?;
    let [doc] = docs.as_slice() else {
        return Err("expected one LabelSelector object".into());
    };
    let ls: LabelSelector = load::yaml::from_node(&doc.root).map_err(|e| e.to_string())?;
    Selector::from_label_selector(Some(&ls)).map_err(|e| e.to_string())
}

fn select(
    selector: &str,
    files: &[String],
    namespace: Option<&str>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let sel = match parse_selector(selector) {
        Ok(s) => s,
        Err(e) => {
            eprintln_safe(&format!("svcscope: invalid selector {selector:?}: {e}"));
            return Err(Failure::Input);
        }
    };
    let loaded = load_files(files)?;
    for e in &loaded.errors {
        eprintln_safe(&e.to_string());
    }
    let cluster = svcscope::cluster_from(loaded.objects);
    for (key, pod) in &cluster.pods {
        if namespace.is_some_and(|ns| ns != key.namespace) {
            continue;
        }
        if sel.matches(&pod.metadata.labels) {
            writeln!(out, "{key}")?;
        }
    }
    if !loaded.errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}

/// Loads files into a fresh engine; prints load errors to stderr.
pub(crate) fn engine_from(
    files: &[String],
    config: Config,
) -> Result<(&'static Engine, Loaded), Failure> {
    let mut loaded = load_files(files)?;
    for e in &loaded.errors {
        eprintln_safe(&e.to_string());
    }
    let objects = std::mem::take(&mut loaded.objects);
    Ok((keep(Engine::from_objects(config, objects)), loaded))
}

/// The engine lives until the process exits: freeing a big cluster's
/// millions of allocations one by one would only delay the exit.
fn keep(engine: Engine) -> &'static Engine {
    Box::leak(Box::new(engine))
}

/// Writes `body` as a JSON document of svcscope's own `kind`, its fields
/// after `apiVersion` and `kind`.
pub(crate) fn write_document<T: Serialize>(
    out: &mut impl Write,
    kind: &'static str,
    body: &T,
) -> Result<(), Failure> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Document<'a, T: Serialize> {
        api_version: &'static str,
        kind: &'static str,
        #[serde(flatten)]
        body: &'a T,
    }
    let doc = Document {
        api_version: "svcscope.dev/v1alpha1",
        kind,
        body,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// The body of the `resolve -o json` document.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResolveOutput<'a> {
    load_errors: &'a [LoadError],
    ignored: &'a [Ignored],
    #[serde(flatten)]
    resolution: Resolution<'a>,
}

fn resolve_cmd(files: &[String], config: Config, out: &mut impl Write) -> Result<(), Failure> {
    let (engine, loaded) = engine_from(files, config)?;
    let res = engine.resolution(ResolveOptions { why_not: true });
    let has_errors = !loaded.errors.is_empty() || !res.errors.is_empty();
    for e in &res.errors {
        eprintln_safe(&e.to_string());
    }
    let view = ResolveOutput {
        load_errors: &loaded.errors,
        ignored: &loaded.ignored,
        resolution: res,
    };
    write_document(out, "Resolution", &view)?;
    if has_errors {
        return Err(Failure::Input);
    }
    Ok(())
}

/// An API object with its apiVersion and kind, as kubectl prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Typed<'a, T: Serialize> {
    api_version: &'static str,
    kind: &'static str,
    #[serde(flatten)]
    object: &'a T,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Item<'a> {
    Endpoints(Typed<'a, Endpoints>),
    Slice(Typed<'a, EndpointSlice>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct List<'a> {
    api_version: &'static str,
    kind: &'static str,
    items: Vec<Item<'a>>,
}

/// Splits `[NAMESPACE/NAME] [FILE…]`: the first word names a Service when
/// it is not a file that exists.
pub(crate) fn split_target(positionals: &[String]) -> (Option<NsName>, &[String]) {
    match positionals.split_first() {
        Some((first, rest)) if first != "-" && !std::path::Path::new(first).exists() => {
            match NsName::parse(first) {
                Some(nn) => (Some(nn), rest),
                None => (None, positionals),
            }
        }
        _ => (None, positionals),
    }
}

fn endpoints_cmd(
    positionals: &[String],
    config: Config,
    format: &str,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let (target, files) = split_target(positionals);
    let (engine, loaded) = engine_from(files, config)?;
    let mut items = Vec::new();
    let mut found = target.is_none();
    for (key, st) in engine.services() {
        if target.as_ref().is_some_and(|t| t != key) {
            continue;
        }
        found = true;
        if st.rejected && target.is_some() {
            note_rejected_service(engine, key);
        }
        if let Some(ep) = &st.endpoints {
            items.push(Item::Endpoints(Typed {
                api_version: "v1",
                kind: "Endpoints",
                object: ep,
            }));
        }
        for es in &st.slices {
            items.push(Item::Slice(Typed {
                api_version: "discovery.k8s.io/v1",
                kind: "EndpointSlice",
                object: es,
            }));
        }
    }
    if !found {
        if let Some(t) = &target {
            eprintln_safe(&format!("svcscope: Service {t} not found in the input"));
        }
        return Err(Failure::Input);
    }
    let list = List {
        api_version: "v1",
        kind: "List",
        items,
    };
    match format {
        "json" => {
            serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        _ => out.write_all(emit::to_yaml(&list).map_err(io::Error::from)?.as_bytes())?,
    }
    if !loaded.errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}

/// Says that a Service the views show would be refused by the apiserver,
/// and why: the components never validate, so the views use it as given.
pub(crate) fn note_rejected_service(engine: &Engine, key: &NsName) {
    eprintln_safe(&format!(
        "note: Service {key} would be rejected by the apiserver; shown as the components treat it as given:"
    ));
    for e in engine
        .errors()
        .iter()
        .filter(|e| e.kind == "Service" && e.namespace == key.namespace && e.name == key.name)
    {
        eprintln_safe(&format!("  {e}"));
    }
}

fn explain_cmd(
    files: &[String],
    config: Config,
    format: &str,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let (engine, loaded) = engine_from(files, config)?;
    let diags = engine.diagnostics();
    if format == "json" {
        serde_json::to_writer_pretty(&mut *out, &diags).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        for d in &diags {
            writeln!(out, "{d}")?;
        }
        let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
        writeln!(
            out,
            "{} error(s), {} warning(s), {} info",
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        )?;
    }
    if !loaded.errors.is_empty() || diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(Failure::Input);
    }
    Ok(())
}
