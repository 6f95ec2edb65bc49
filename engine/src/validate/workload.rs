//! The checks of workloads that decide whether their controller makes
//! pods: `ValidateDeploymentSpec`, `ValidateReplicaSetSpec`,
//! `ValidateReplicationControllerSpec`, `ValidateStatefulSetSpec`,
//! `ValidateDaemonSetSpec` and `ValidateJobSpec` (`pkg/apis/apps/validation`,
//! `pkg/apis/core/validation`, `pkg/apis/batch/validation`): replica
//! counts, the selector and whether it matches the template's labels, and
//! the template's restart policy. The pod template's own fields are not
//! validated here.

use super::*;
use crate::model::Workload;
use crate::select::Selector;

/// The errors the apiserver gives a workload on create (after defaulting:
/// an unset `restartPolicy` is `Always`).
pub fn validate_workload(w: &Workload) -> Errors {
    let mut errs = Errors::new();
    object_meta(&w.metadata, dns1123_subdomain, &mut errs);
    let spec = Path::new("spec");
    if let Some(r) = w.replicas.filter(|r| *r < 0) {
        errs.push(FieldError::invalid(
            &spec.child("replicas"),
            r,
            "must be greater than or equal to 0",
        ));
    }
    if let Some(p) = w.parallelism.filter(|p| *p < 0) {
        errs.push(FieldError::invalid(
            &spec.child("parallelism"),
            p,
            "must be greater than or equal to 0",
        ));
    }
    let kind = w.kind.as_str();
    // apps/v1 requires a selector; a Job's is generated, an RC's defaults
    // to its template's labels, a CronJob makes Jobs.
    let apps = matches!(
        kind,
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
    );
    let sel_path = spec.child("selector");
    match (&w.selector, apps) {
        (None, true) => errs.push(FieldError::required(&sel_path, "")),
        (Some(ls), _) if kind != "Job" && kind != "CronJob" => {
            let empty = ls.match_labels.as_ref().is_none_or(|m| m.is_empty())
                && ls.match_expressions.as_ref().is_none_or(|e| e.is_empty());
            if empty {
                // Upstream's ReplicaSet check says "deployment" too.
                let what = match kind {
                    "StatefulSet" => "statefulset",
                    "DaemonSet" => "daemonset",
                    "ReplicationController" => "",
                    _ => "deployment",
                };
                if what.is_empty() {
                    errs.push(FieldError::required(&sel_path, ""));
                } else {
                    errs.push(FieldError::invalid(
                        &sel_path,
                        "&v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
                        format!("empty selector is invalid for {what}"),
                    ));
                }
            } else {
                match Selector::from_label_selector(Some(ls)) {
                    Ok(sel) if !sel.matches(&w.template.metadata.labels) => {
                        errs.push(FieldError::invalid(
                            &spec.child("template").child("metadata").child("labels"),
                            go_map(&w.template.metadata.labels),
                            "`selector` does not match template `labels`",
                        ))
                    }
                    Ok(_) => {}
                    Err(e) => errs.push(FieldError::invalid(
                        &sel_path,
                        q(&e.to_string()),
                        "invalid label selector",
                    )),
                }
            }
        }
        _ => {}
    }
    let restart = w
        .template
        .spec
        .restart_policy
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or("Always");
    let restart_path = spec.child("template").child("spec").child("restartPolicy");
    match kind {
        "Job" | "CronJob" if !matches!(restart, "OnFailure" | "Never") => errs.push(
            FieldError::not_supported(&restart_path, q(restart), &["OnFailure", "Never"]),
        ),
        "Job" | "CronJob" => {}
        _ if restart != "Always" => errs.push(FieldError::not_supported(
            &restart_path,
            q(restart),
            &["Always"],
        )),
        _ => {}
    }
    errs
}

/// A label map as Go's `%#v` prints it in a field error.
fn go_map(m: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{}:{}", q(k), q(v)))
        .collect();
    format!("map[string]string{{{}}}", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::LabelSelector;

    fn deployment(replicas: i32, selector: &str, label: &str) -> Workload {
        Workload {
            kind: "Deployment".into(),
            metadata: ObjectMeta {
                name: "web".into(),
                namespace: Some("default".into()),
                ..Default::default()
            },
            replicas: Some(replicas),
            selector: Some(LabelSelector {
                match_labels: Some([("app".to_string(), selector.to_string())].into()),
                match_expressions: None,
            }),
            template: crate::model::PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: [("app".to_string(), label.to_string())].into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn lines(w: &Workload) -> Vec<String> {
        validate_workload(w).iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn negative_replicas_are_invalid() {
        assert_eq!(
            lines(&deployment(-1, "web", "web")),
            ["spec.replicas: Invalid: -1: must be greater than or equal to 0"]
        );
        assert!(lines(&deployment(100_000_000, "web", "web")).is_empty());
    }

    #[test]
    fn the_selector_must_match_the_template() {
        assert_eq!(
            lines(&deployment(1, "web", "api")),
            ["spec.template.metadata.labels: Invalid: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`"]
        );
    }

    #[test]
    fn apps_kinds_need_a_selector_and_jobs_a_restart_policy() {
        let mut w = deployment(1, "web", "web");
        w.selector = None;
        assert_eq!(lines(&w), ["spec.selector: Required: Required value"]);
        w.selector = Some(LabelSelector::default());
        assert_eq!(
            lines(&w),
            ["spec.selector: Invalid: &v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"]
        );
        let mut job = deployment(1, "web", "web");
        job.kind = "Job".into();
        job.selector = None;
        assert_eq!(
            lines(&job),
            ["spec.template.spec.restartPolicy: NotSupported: \"Always\": supported values: \"OnFailure\", \"Never\""]
        );
        job.template.spec.restart_policy = Some("Never".into());
        assert!(lines(&job).is_empty());
    }
}
