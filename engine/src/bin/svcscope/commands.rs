//! The commands: each reads its arguments, asks the [`Cluster`] one
//! question and prints the answer (text, or the document as JSON).

use crate::args::{Args, UsageError};
use crate::{cluster_from, eprintln_safe, Failure};
use serde::Serialize;
use std::io::{self, Write};
use svcscope::cluster::documents::{Hint, RType, Severity};
use svcscope::cluster::options::RouteRequest;
use svcscope::cluster::options::{DnsQuery, RulesRequest, ZoneOptions};
use svcscope::cluster::{parse_mode, parse_pod_records};
use svcscope::config::Config;
use svcscope::emit;
use svcscope::{Cluster, NsName};

pub(crate) fn run(
    command: &str,
    args: &Args,
    config: Config,
    out: &mut impl Write,
) -> Result<(), Failure> {
    match command {
        "check" => check(args, config, out),
        "select" => select(args, config, out),
        "selection" => selection(args, config, out),
        "resolve" => resolve(args, config, out),
        "endpoints" => endpoints(args, config, out),
        "explain" => explain(args, config, out),
        "env" => env(args, config, out),
        "rules" => rules(args, config, out),
        "route" => route(args, config, out),
        "dns" => dns(args, config, out),
        "zone" => zone(args, config, out),
        "pods" => pods(args, config, out),
        other => Err(UsageError(format!("unknown command {other:?}")).into()),
    }
}

fn json<T: Serialize>(out: &mut impl Write, value: &T) -> Result<(), Failure> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// Exit 1 when the files had syntax errors (already printed).
fn input_status(load_errors: bool) -> Result<(), Failure> {
    if load_errors {
        Err(Failure::Input)
    } else {
        Ok(())
    }
}

/// A `NAMESPACE/NAME` argument, or a bare `NAME` in `-n`'s namespace.
fn reference(arg: &str, args: &Args) -> String {
    match (arg.contains('/'), args.option("namespace")) {
        (false, Some(ns)) => format!("{ns}/{arg}"),
        _ => arg.to_string(),
    }
}

/// Splits `[NAMESPACE/NAME] [FILE…]`: the first word names an object when
/// it is not a file that exists.
fn split_target(positionals: &[String]) -> (Option<&String>, &[String]) {
    match positionals.split_first() {
        Some((first, rest)) if first != "-" && !std::path::Path::new(first).exists() => {
            if NsName::parse(first).is_some() {
                (Some(first), rest)
            } else {
                (None, positionals)
            }
        }
        _ => (None, positionals),
    }
}

/// Notes, on stderr, that an object the view shows would be refused.
fn note_rejected(cluster: &Cluster, kind: &str, key: &str) {
    let Some(nn) = NsName::parse(key) else {
        return;
    };
    let errors: Vec<_> = cluster
        .check()
        .into_inner()
        .errors
        .into_iter()
        .filter(|e| e.kind == kind && e.namespace == nn.namespace && e.name == nn.name)
        .collect();
    if errors.is_empty() {
        return;
    }
    eprintln_safe(&format!(
        "note: {kind} {nn} would be rejected by the apiserver; shown as the components treat it as given:"
    ));
    for e in errors {
        eprintln_safe(&format!("  {e}"));
    }
}

fn notes(notes: &[String]) {
    for n in notes {
        eprintln_safe(&format!("note: {n}"));
    }
}

fn hints(hints: &[Hint]) {
    for h in hints {
        eprintln_safe(&format!("hint: {h}"));
    }
}

fn check(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["no-defaults", "output"])?;
    let format = args.output(&["text", "json"])?;
    let config = Config {
        defaulting: !args.flag("no-defaults"),
        ..config
    };
    let (cluster, _) = cluster_from(&args.positionals, args, config, false)?;
    let report = cluster.check();
    if format == "json" {
        json(out, &report)?;
    } else {
        for e in &report.load_errors {
            writeln!(out, "{e}")?;
        }
        for e in &report.errors {
            writeln!(out, "{e}")?;
        }
    }
    input_status(!report.is_clean())
}

fn select(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&[])?;
    let (selector, files) = args
        .positionals
        .split_first()
        .ok_or_else(|| UsageError("select needs a SELECTOR".into()))?;
    let (cluster, load_errors) = cluster_from(files, args, config, true)?;
    let pods = cluster.select(selector.as_str(), args.option("namespace"))?;
    for p in pods {
        writeln!(out, "{p}")?;
    }
    input_status(load_errors)
}

fn selection(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["output"])?;
    let format = args.output(&["text", "json"])?;
    let (target, files) = args
        .positionals
        .split_first()
        .ok_or_else(|| UsageError("selection needs NAMESPACE/NAME".into()))?;
    let (cluster, load_errors) = cluster_from(files, args, config, true)?;
    let s = cluster.selection(&reference(target, args))?;
    if format == "json" {
        json(out, &s)?;
    } else {
        out.write_all(s.to_text().as_bytes())?;
    }
    input_status(load_errors)
}

fn resolve(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["output"])?;
    args.output(&["json"])?;
    let (cluster, _) = cluster_from(&args.positionals, args, config, true)?;
    let res = cluster.resolve();
    for e in &res.errors {
        eprintln_safe(&e.to_string());
    }
    json(out, &res)?;
    input_status(!res.load_errors.is_empty() || !res.errors.is_empty())
}

fn endpoints(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["output"])?;
    let format = args.output(&["yaml", "json"])?;
    let (target, files) = split_target(&args.positionals);
    let target = target.map(|t| reference(t, args));
    let (cluster, load_errors) = cluster_from(files, args, config, true)?;
    let list = cluster.endpoints(target.as_deref())?;
    if let Some(t) = &target {
        note_rejected(cluster, "Service", t);
    }
    match format {
        "json" => json(out, &list)?,
        _ => out.write_all(emit::to_yaml(&list).map_err(io::Error::from)?.as_bytes())?,
    }
    input_status(load_errors)
}

fn explain(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["output"])?;
    let format = args.output(&["text", "json"])?;
    let (cluster, load_errors) = cluster_from(&args.positionals, args, config, true)?;
    let diags = cluster.explain();
    if format == "json" {
        json(out, &diags)?;
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
    let errors = diags.iter().any(|d| d.severity == Severity::Error);
    input_status(load_errors || errors)
}

fn env(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["container", "output"])?;
    let format = args.output(&["text", "json"])?;
    let (target, files) = args
        .positionals
        .split_first()
        .ok_or_else(|| UsageError("env needs NAMESPACE/POD".into()))?;
    // A file name first means the pod was forgotten, not a pod named so.
    if target == "-" || std::path::Path::new(target).is_file() {
        return Err(UsageError(format!(
            "env needs NAMESPACE/POD before the files (got {target:?})"
        ))
        .into());
    }
    let (cluster, load_errors) = cluster_from(files, args, config, true)?;
    let environment = cluster.env(&reference(target, args), args.option("container"))?;
    if environment.rejected {
        for n in &environment.notes {
            eprintln_safe(&format!("svcscope: {n}"));
        }
        return Err(Failure::Input);
    }
    notes(&environment.notes);
    hints(&environment.hints);
    match format {
        "json" => json(out, &environment)?,
        _ => {
            for (name, value) in environment.iter() {
                writeln!(out, "{name}={value}")?;
            }
        }
    }
    input_status(load_errors)
}

fn rules(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["mode", "node", "cluster-cidr", "output"])?;
    let format = args.output(&["text", "json"])?;
    let node = args
        .option("node")
        .ok_or_else(|| UsageError("rules needs --node NAME".into()))?;
    let req = RulesRequest {
        mode: parse_mode(args.option("mode").unwrap_or("iptables"))?,
        cluster_cidr: args.option("cluster-cidr").map(String::from),
        ..RulesRequest::new(node, Default::default())
    };
    let (cluster, load_errors) = cluster_from(&args.positionals, args, config, true)?;
    let rules = cluster.rules(&req)?;
    notes(&rules.notes);
    if format == "json" {
        json(out, &rules)?;
    } else {
        out.write_all(rules.text.as_bytes())?;
    }
    input_status(load_errors)
}

fn route(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&[
        "from",
        "to",
        "protocol",
        "connections",
        "mode",
        "node",
        "cluster-cidr",
        "output",
    ])?;
    let format = args.output(&["text", "json"])?;
    let from = args
        .option("from")
        .ok_or_else(|| UsageError("route needs --from NAMESPACE/POD|node/NAME|IP".into()))?;
    let to = args
        .option("to")
        .ok_or_else(|| UsageError("route needs --to HOST:PORT".into()))?;
    let connections = match args.option("connections") {
        None => 1,
        Some(v) => v.parse::<u32>().map_err(|_| {
            UsageError(format!(
                "--connections {v:?}: a number from 1 to {}",
                svcscope::cluster::MAX_CONNECTIONS
            ))
        })?,
    };
    let req = RouteRequest {
        protocol: args.option("protocol").unwrap_or("TCP").to_string(),
        connections,
        mode: parse_mode(args.option("mode").unwrap_or("iptables"))?,
        node: args.option("node").map(String::from),
        cluster_cidr: args.option("cluster-cidr").map(String::from),
        ..RouteRequest::new(from, to)
    };
    let (cluster, load_errors) = cluster_from(&args.positionals, args, config, true)?;
    let trace = cluster.route(&req)?;
    if format == "json" {
        json(out, &trace)?;
    } else {
        out.write_all(trace.to_text().as_bytes())?;
    }
    input_status(load_errors)
}

/// `--zone`, `--pod-records` and `--ttl`, as the plugin's options.
fn zone_options(args: &Args) -> Result<ZoneOptions, Failure> {
    let ttl = args
        .option("ttl")
        .map(|t| {
            t.parse::<u32>()
                .map_err(|_| UsageError(format!("--ttl {t:?}: a number of seconds from 0 to 3600")))
        })
        .transpose()?;
    Ok(ZoneOptions {
        zone: args.option("zone").map(String::from),
        pod_records: args
            .option("pod-records")
            .map(parse_pod_records)
            .transpose()?,
        ttl,
    })
}

fn dns(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["output", "from", "zone", "pod-records", "ttl"])?;
    let format = args.output(&["text", "json"])?;
    let options = zone_options(args)?;
    let (qname, rest) = args
        .positionals
        .split_first()
        .ok_or_else(|| UsageError("dns needs a QNAME".into()))?;
    // The second word is a type only when it names one; else it is a file.
    let (qtype, files) = match rest.split_first() {
        Some((t, files)) if RType::parse(t).is_some() => (t.as_str(), files),
        _ => ("A", rest),
    };
    let query = DnsQuery {
        from: args.option("from").map(|f| reference(f, args)),
        options,
    };
    let (cluster, load_errors) = cluster_from(files, args, config, true)?;
    let answer = cluster.dns(qname, qtype, &query)?;
    if format == "json" {
        json(out, &answer)?;
    } else {
        out.write_all(answer.to_text().as_bytes())?;
    }
    notes(&answer.notes);
    input_status(load_errors)
}

fn zone(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["zone", "pod-records", "ttl", "output"])?;
    let format = args.output(&["text", "json"])?;
    let options = zone_options(args)?;
    let (cluster, load_errors) = cluster_from(&args.positionals, args, config, true)?;
    let zone = cluster.zone(&options)?;
    if format == "json" {
        json(out, &zone)?;
    } else {
        out.write_all(zone.text.as_bytes())?;
    }
    notes(&zone.notes);
    input_status(load_errors)
}

fn pods(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["output"])?;
    let format = args.output(&["table", "wide", "yaml", "json"])?;
    let (cluster, load_errors) = cluster_from(&args.positionals, args, config, true)?;
    let pods = cluster.pods();
    match format {
        "json" => json(out, &pods)?,
        "yaml" => out.write_all(
            emit::to_yaml(&pods.to_list())
                .map_err(io::Error::from)?
                .as_bytes(),
        )?,
        _ if pods.pods.is_empty() => eprintln_safe("No resources found"),
        f => out.write_all(pods.to_table(f == "wide").as_bytes())?,
    }
    input_status(load_errors)
}
