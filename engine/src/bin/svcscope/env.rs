//! `svcscope env NAMESPACE/POD [FILE…] [--container NAME] [-o text|json]`:
//! the environment kubelet gives one container, as `KEY=VALUE` lines or as
//! JSON with each variable's source. The computation is the engine's
//! ([`svcscope::env`]); this only picks the pod and prints.

use crate::args::{Args, UsageError};
use crate::{engine_from, eprintln_safe, write_document, Failure};
use std::io::Write;
use svcscope::config::Config;
use svcscope::env::{self, Environment, Visibility};
use svcscope::NsName;

pub(crate) fn run(args: &Args, config: Config, out: &mut impl Write) -> Result<(), Failure> {
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
    let pod_key = NsName::parse(target)
        .ok_or_else(|| UsageError(format!("env needs NAMESPACE/POD, got {target:?}")))?;
    let (engine, loaded) = engine_from(files, config)?;
    let pod_errors: Vec<String> = engine
        .errors()
        .iter()
        .filter(|e| e.kind == "Pod" && e.namespace == pod_key.namespace && e.name == pod_key.name)
        .map(|e| e.to_string())
        .collect();
    if !pod_errors.is_empty() {
        // The apiserver would not store it, so no kubelet runs it.
        eprintln_safe(&format!(
            "svcscope: Pod {pod_key} is rejected by the apiserver; it has no environment:"
        ));
        for e in &pod_errors {
            eprintln_safe(&format!("  {e}"));
        }
        return Err(Failure::Input);
    }
    let container = args.option("container");
    let environment = match env::pod_environment(engine, &pod_key, container) {
        Ok(e) => e,
        Err(e) => {
            eprintln_safe(&format!("svcscope: {e}"));
            return Err(Failure::Input);
        }
    };
    if let (None, Some(pod)) = (container, engine.cluster().pods.get(&pod_key)) {
        let names = env::container_names(pod);
        if names.len() > 1 {
            eprintln_safe(&format!(
                "note: defaulted container {:?} out of: {}",
                environment.container,
                names.join(", ")
            ));
        }
    }
    notes(&environment);
    let master = svcscope::alloc::kubernetes_service_name();
    if engine.service(&master).is_some_and(|st| st.implicit) {
        eprintln_safe(
            "note: the input has no default/kubernetes Service; in a cluster every pod also gets its KUBERNETES_* variables",
        );
    }
    match format {
        "json" => {
            write_document(out, "Environment", &environment)?;
        }
        _ => {
            for (name, value) in environment.iter() {
                writeln!(out, "{name}={value}")?;
            }
        }
    }
    if !loaded.errors.is_empty() {
        return Err(Failure::Input);
    }
    Ok(())
}

/// What a reader would not guess from the variables alone, on stderr.
fn notes(e: &Environment) {
    for l in &e.left_out {
        match l.reason {
            Visibility::CreatedAfterPod => eprintln_safe(&format!(
                "note: Service {} was created after the pod, so its variables are not set (kubelet sets them when a container starts)",
                l.service
            )),
            Visibility::Shadowed => eprintln_safe(&format!(
                "note: Service {}/kubernetes replaces {}: the KUBERNETES_* variables are its",
                e.pod.namespace, l.service
            )),
            _ => {}
        }
    }
    for c in &e.conflicts {
        let services: Vec<String> = c.services.iter().map(|s| s.to_string()).collect();
        eprintln_safe(&format!(
            "note: {} is set by Services {}; kubelet keeps one of them at random (shown: {})",
            c.name,
            services.join(", "),
            services.first().map_or("", String::as_str)
        ));
    }
}
