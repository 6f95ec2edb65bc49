//! `svcscope dns QNAME [TYPE] [FILE…]` and `svcscope zone [FILE…]`: the
//! cluster DNS's answer to one query (dig-like), optionally as looked up
//! from a pod through its search path, and the whole cluster zone as a
//! master file. The DNS logic is the engine's ([`svcscope::dns`]); this
//! reads the options, picks the pod and prints.

use crate::args::{Args, UsageError};
use crate::{engine_from, eprintln_safe, note_rejected_service, write_document, Failure};
use serde::Serialize;
use std::io::{self, Write};
use svcscope::config::Config;
use svcscope::dns::{DnsOptions, PodLookup, RType, Rcode, Response, ZoneIndex};
use svcscope::engine::Engine;
use svcscope::NsName;

/// The body of the `-o json` document.
#[derive(Serialize)]
struct Output<'a, T: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pod: Option<&'a NsName>,
    #[serde(flatten)]
    result: &'a T,
}

/// The plugin's options: `--zone ZONE[,REVERSE-ZONE…]` (default: the
/// cluster domain), `--pod-records` and `--ttl` (0 to 3600, as the plugin's
/// `ttl` option).
fn options(args: &Args, config: &Config) -> Result<DnsOptions, UsageError> {
    let mut opts = DnsOptions::for_zone(&config.cluster_domain);
    if let Some(z) = args.option("zone") {
        opts.set_zones(z)
            .map_err(|e| UsageError(format!("--zone: {e}")))?;
    }
    if let Some(m) = args.option("pod-records") {
        opts.pod_records = m
            .parse()
            .map_err(|e| UsageError(format!("--pod-records: {e}")))?;
    }
    if let Some(t) = args.option("ttl") {
        opts.ttl = t
            .parse::<u32>()
            .ok()
            .filter(|t| *t <= 3600)
            .ok_or_else(|| {
                UsageError(format!("--ttl {t:?}: a number of seconds from 0 to 3600"))
            })?;
    }
    Ok(opts)
}

pub(crate) fn run_dns(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["output", "from", "zone", "pod-records", "ttl"])?;
    let format = args.output(&["text", "json"])?;
    let opts = options(args, &config)?;
    let (qname, rest) = args
        .positionals
        .split_first()
        .ok_or_else(|| UsageError("dns needs a QNAME".into()))?;
    // The second word is a type only when it names one; else it is a file.
    let (qtype, files) = match rest.split_first() {
        Some((t, files)) if RType::parse(t).is_some() => (RType::parse(t), files),
        _ => (None, rest),
    };
    let qtype = qtype.unwrap_or(RType::A);
    let from = args
        .option("from")
        .map(|f| {
            NsName::parse(f)
                .ok_or_else(|| UsageError(format!("--from needs NAMESPACE/POD, got {f:?}")))
        })
        .transpose()?;
    let (engine, loaded) = engine_from(files, config)?;
    let index = ZoneIndex::from_engine(engine, opts);

    let (lookup, response) = match &from {
        Some(key) => {
            let Some(pod) = engine.cluster().pods.get(key) else {
                eprintln_safe(&format!("svcscope: pod {key} not found in the input"));
                return Err(Failure::Input);
            };
            let lookup = index.resolve_from_pod(pod, qname, qtype);
            let answer = lookup.answer.clone();
            (Some(lookup), answer)
        }
        None => (None, index.answer(qname, qtype)),
    };
    match format {
        "json" => match &lookup {
            Some(l) => write_document(
                out,
                "PodLookup",
                &Output {
                    pod: from.as_ref(),
                    result: l,
                },
            )?,
            None => write_document(
                out,
                "DnsResponse",
                &Output {
                    pod: None,
                    result: &response,
                },
            )?,
        },
        _ => {
            if let Some(l) = &lookup {
                for q in &l.queries {
                    writeln!(
                        out,
                        ";; query {} {} -> {}",
                        q.question.name, q.question.qtype, q.rcode
                    )?;
                }
            }
            write_response(&response, out)?;
        }
    }
    notes(&index, lookup.as_ref(), &response);
    note_rejected(engine, &index, lookup.as_ref(), &response);
    if !loaded.errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}

pub(crate) fn run_zone(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
    args.allow_only(&["zone", "pod-records", "ttl"])?;
    let opts = options(args, &config)?;
    let (engine, loaded) = engine_from(&args.positionals, config)?;
    let index = ZoneIndex::from_engine(engine, opts);
    out.write_all(index.zone_file().as_bytes())?;
    let rejected = engine.services().filter(|(_, st)| st.rejected).count();
    if rejected > 0 {
        eprintln_safe(&format!(
            "note: {rejected} Service(s) would be rejected by the apiserver (svcscope check says why); the zone shows them as given"
        ));
    }
    if !loaded.errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}

/// `;; status: RCODE`, then each non-empty section under its heading.
fn write_response(r: &Response, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, ";; status: {}", r.rcode)?;
    for (heading, records) in [
        ("ANSWER", &r.answer),
        ("AUTHORITY", &r.authority),
        ("ADDITIONAL", &r.additional),
    ] {
        if records.is_empty() {
            continue;
        }
        writeln!(out, ";; {heading}")?;
        for rec in records {
            writeln!(out, "{rec}")?;
        }
    }
    Ok(())
}

/// What the answer alone does not say, on stderr.
fn notes(index: &ZoneIndex, lookup: Option<&PodLookup>, r: &Response) {
    if let Some(l) = lookup {
        for n in &l.resolv_conf.notes {
            eprintln_safe(&format!("note: {n}"));
        }
        if r.rcode != Rcode::Forwarded {
            for q in l.queries.iter().filter(|q| q.rcode == Rcode::Forwarded) {
                eprintln_safe(&format!(
                    "note: {} went upstream, which svcscope does not model; the walk goes on as if upstream had no such name",
                    q.question.name
                ));
            }
        }
    }
    let zone = &index.options().zone;
    match (&r.forwarded, r.rcode) {
        (Some(name), Rcode::Forwarded) if lookup.is_some_and(|l| !l.resolv_conf.cluster_dns) => {
            eprintln_safe(&format!(
                "note: the pod's resolver does not ask the cluster DNS; {name} goes to {}",
                lookup
                    .and_then(|l| l.resolv_conf.nameservers.first())
                    .map_or("the node's resolver", String::as_str)
            ))
        }
        (Some(name), Rcode::Forwarded) => eprintln_safe(&format!(
            "note: {name} is outside the cluster zone {zone}.: the cluster DNS forwards it upstream, which svcscope does not model"
        )),
        (Some(name), _) => eprintln_safe(&format!(
            "note: {name} is outside the cluster zone {zone}.: the cluster DNS asks upstream for its records, which svcscope does not model"
        )),
        (None, Rcode::FormErr) => eprintln_safe(&format!(
            "note: {} is not a valid domain name (an empty label, a label over 63 octets, or over 253 in all)",
            r.question.name
        )),
        _ => {}
    }
}

/// Notes the queried names that belong to Services the apiserver would
/// refuse: they are answered as given (CoreDNS never validates).
fn note_rejected(engine: &Engine, index: &ZoneIndex, lookup: Option<&PodLookup>, r: &Response) {
    let names: Vec<String> = match lookup {
        Some(l) => l.queries.iter().map(|q| q.question.name.clone()).collect(),
        None => vec![r.question.name.clone()],
    };
    let zone = &index.options().zone;
    for (key, _) in engine.services().filter(|(_, st)| st.rejected) {
        let owner = format!("{}.{}.svc.{zone}.", key.name, key.namespace);
        let hit = names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            n == owner || n.ends_with(&format!(".{owner}"))
        });
        if hit {
            note_rejected_service(engine, key);
        }
    }
}
