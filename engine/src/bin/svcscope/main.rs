//! `svcscope`, the command-line face of the engine: reads manifests from
//! files or stdin into a [`svcscope::Cluster`], asks it, prints the
//! answer. Argument parsing and printing only: every rule is the
//! engine's.

mod args;
mod commands;

#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use args::{Args, UsageError};
use std::io::{self, Read, Write};
use std::process::ExitCode;
use svcscope::cluster::options::LoadOptions;
use svcscope::config::Config;
use svcscope::{Cluster, Error};

const USAGE: &str = "\
svcscope: Kubernetes Service semantics, computed from manifests

Usage: svcscope COMMAND [ARGS…] [FILE…] [OPTIONS]

Commands:
  check [FILE…] [--no-defaults] [-o text|json]
                             validate every object; one line per error:
                             <Kind> <namespace>/<name>: <field.path>: <ErrorType>: <detail>
                             (--no-defaults: validate Services as given, without
                             API defaulting)
  select SELECTOR [FILE…]    pods matched by a label selector (kubectl syntax, or a
                             LabelSelector as JSON/YAML), as namespace/name
  selection NAMESPACE/NAME [FILE…] [-o text|json]
                             the pods a Service selects, and why each other pod
                             of its namespace is not selected
  endpoints [NAMESPACE/NAME] [FILE…] [-o yaml|json]
                             the Endpoints and EndpointSlices the controllers
                             would write, for one Service or all
  dns QNAME [TYPE] [FILE…] [--from NAMESPACE/POD] [--zone Z] [--pod-records MODE] [--ttl S] [-o text|json]
                             the cluster DNS's answer (dig-like; TYPE A, AAAA,
                             SRV, PTR, CNAME, TXT, SOA, NS or ANY, default A);
                             with --from, every query the pod's resolver sends
                             through its search path, then the answer it gets
  zone [FILE…] [--zone Z] [--pod-records MODE] [--ttl S] [-o text|json]
                             the cluster zone as an RFC 1035 master file
  explain [FILE…] [-o text|json]
                             diagnostics: what is wrong and how to fix it
  env NAMESPACE/POD [FILE…] [-c CONTAINER] [-o text|json]
                             the container's environment as kubelet sets it:
                             its own variables, then the Services' (KEY=VALUE)
  rules --node NAME [--mode iptables|ipvs|nftables] [--cluster-cidr CIDR] [FILE…] [-o text|json]
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
                             and allocation, selections with why-not counts,
                             endpoints, slices, diagnostics, errors
  pods [FILE…] [--controllers] [-o wide|yaml|json]
                             the pods the cluster runs, as kubectl get pods -A
                             prints them (with --controllers, those the
                             workloads' controllers make too)

FILE is a YAML or JSON manifest (multi-document, kind: List, kubectl get -o
yaml|json output; UTF-8, or UTF-16 with a byte order mark), or a directory of
them (.yaml, .yml, .json); `-` or no FILE reads stdin. Several files form one
cluster. Files may also be given as kubectl takes them, with -f.

Options:
  -f, --filename FILE         a manifest, a directory or - (repeatable)
  -R, --recursive             read directories' subdirectories too
  -n, --namespace NS          the namespace of objects that name none and of a
                              bare NAME argument; (select) only pods of it
  --service-cidr CIDR[,CIDR]  service IP range(s) (default 10.96.0.0/12)
  --node-port-range A-B       NodePort range (default 30000-32767)
  --cluster-domain DOMAIN     cluster DNS zone (default cluster.local)
  --controllers               run the controllers: pods from Deployments,
                              ReplicaSets, ReplicationControllers, StatefulSets,
                              DaemonSets and Jobs, scheduled onto the nodes
                              (three assumed nodes when the input has none)
  --seed N                    the seed of the controllers' random choices
                              (pod name suffixes, scheduling ties; default 0)
  --delete-pod NAMESPACE/POD  (with --controllers) delete a pod; its controller
                              replaces it (repeatable)
  --scale KIND/NAMESPACE/NAME=N
                              (with --controllers) scale a Deployment,
                              ReplicaSet, ReplicationController or StatefulSet
  --drain NODE                (with --controllers) cordon a node and evict its
                              pods; --delete-pod, --scale and --drain run in
                              the order given, after the files are read
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

/// The engine's errors: a bad argument is a usage error (exit 2), an
/// object that is not there a problem of the input (exit 1).
impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match &e {
            // Positional arguments have no option name.
            Error::BadArgument { argument, message } if POSITIONAL.contains(&argument.as_str()) => {
                Failure::Usage(UsageError(format!("{argument} {message}")))
            }
            Error::BadArgument { argument, message } => {
                Failure::Usage(UsageError(format!("--{} {message}", flag_name(argument))))
            }
            Error::Unsupported { .. } => Failure::Usage(UsageError(e.to_string())),
            _ => {
                eprintln_safe(&format!("svcscope: {e}"));
                Failure::Input
            }
        }
    }
}

/// The API arguments the CLI takes as positional words.
const POSITIONAL: &[&str] = &["pod", "service", "type"];

/// The option an API argument comes from: `clusterCidr` → `cluster-cidr`.
fn flag_name(argument: &str) -> String {
    let mut out = String::new();
    for c in argument.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
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
    commands::run(command, args, config, out)
}

fn config(args: &Args) -> Result<Config, UsageError> {
    let mut c = Config {
        // A whole cluster's `kubectl get -o json` may be far bigger than
        // the library's browser-sized default.
        max_input_bytes: 1 << 30,
        ..Config::default()
    };
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
    c.controllers = args.flag("controllers");
    if let Some(v) = args.option("seed") {
        c.seed = v.parse().map_err(|_| {
            UsageError(format!(
                "--seed {v:?}: want a whole number from 0 to 18446744073709551615"
            ))
        })?;
    }
    Ok(c)
}

/// The files a command reads: its positional files, then those of `-f`;
/// a directory stands for its manifests; `-` or none: stdin.
fn file_names(positionals: &[String], args: &Args) -> Vec<String> {
    let given: Vec<&String> = positionals.iter().chain(args.values("filename")).collect();
    if given.is_empty() {
        return vec!["-".into()];
    }
    let recursive = args.flag("recursive");
    given
        .into_iter()
        .flat_map(|f| expand_dir(f, recursive))
        .collect()
}

/// A directory stands for its manifests (`.yaml`, `.yml`, `.json`), in
/// name order, as `kubectl -f DIR` reads them; with `recursive`, those of
/// its subdirectories too (`-R`).
fn expand_dir(path: &str, recursive: bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(path) else {
        return vec![path.to_string()];
    };
    let mut paths: Vec<std::path::PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            if recursive {
                files.extend(expand_dir(&p.to_string_lossy(), true));
            }
            continue;
        }
        let manifest = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
        if manifest {
            files.push(p.to_string_lossy().into_owned());
        }
    }
    files
}

/// `--delete-pod`, `--scale` and `--drain`, in the order given.
fn run_steps(cluster: &mut Cluster, args: &Args) -> Result<(), Failure> {
    let reference = |arg: &str| match (arg.contains('/'), args.option("namespace")) {
        (false, Some(ns)) => format!("{ns}/{arg}"),
        _ => arg.to_string(),
    };
    for (step, value) in args.steps() {
        let report = match step.as_str() {
            "delete-pod" => cluster.delete_pod(&reference(value))?,
            "drain" => cluster.drain(value)?,
            _ => {
                let bad = || {
                    UsageError(format!(
                        "--scale {value:?}: want KIND/NAMESPACE/NAME=REPLICAS (or KIND/NAME=REPLICAS)"
                    ))
                };
                let (target, n) = value.rsplit_once('=').ok_or_else(bad)?;
                let (kind, name) = target.split_once('/').ok_or_else(bad)?;
                let n: i32 = n.trim().parse().map_err(|_| bad())?;
                cluster.scale(kind, &reference(name), n)?
            }
        };
        for n in &report.notes {
            eprintln_safe(&format!("note: {n}"));
        }
    }
    Ok(())
}

/// Reads the named files (`-`: stdin), decoded as kubectl decodes them.
fn read_inputs(names: &[String], limit: usize) -> Result<Vec<(String, String)>, Failure> {
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
                .take(limit as u64 + 1)
                .read_to_end(&mut b)
                .map(|_| b)
        } else {
            std::fs::File::open(name).and_then(|f| {
                let mut b = Vec::new();
                f.take(limit as u64 + 1).read_to_end(&mut b)?;
                Ok(b)
            })
        };
        match read.map(svcscope::decode) {
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

/// The cluster of the command's files, and whether they had syntax errors
/// (printed to stderr; `check` prints them itself). Notes of ignored
/// kinds go to stderr.
pub(crate) fn cluster_from(
    files: &[String],
    args: &Args,
    config: Config,
    print_errors: bool,
) -> Result<(&'static Cluster, bool), Failure> {
    let names = file_names(files, args);
    let texts = read_inputs(&names, config.max_input_bytes)?;
    let mut cluster = Cluster::new(config);
    let mut had_errors = false;
    for (name, text) in texts {
        let opts = LoadOptions {
            namespace: args.option("namespace").map(String::from),
            ..LoadOptions::named(&name)
        };
        let report = cluster.load(text, &opts);
        for ig in &report.ignored {
            eprintln_safe(&format!(
                "note: {}: {} {}: {}",
                ig.origin, ig.kind, ig.name, ig.note
            ));
        }
        if print_errors {
            for e in &report.errors {
                eprintln_safe(&e.to_string());
            }
        }
        had_errors |= !report.errors.is_empty();
        if let Some(r) = &report.controllers {
            for n in &r.notes {
                eprintln_safe(&format!("note: {n}"));
            }
        }
    }
    run_steps(&mut cluster, args)?;
    if cluster.config().controllers {
        for n in &cluster.pods().notes {
            eprintln_safe(&format!("note: {n}"));
        }
    }
    // The cluster lives until the process exits: freeing a big cluster's
    // millions of allocations one by one would only delay the exit.
    Ok((Box::leak(Box::new(cluster)), had_errors))
}
