use super::{ObjectMeta, PodSpec};
use crate::select::LabelSelector;
use serde::{Deserialize, Serialize};

/// A workload that stamps out pods from a template: Deployment, ReplicaSet,
/// StatefulSet, DaemonSet, Job, CronJob or ReplicationController. svcscope
/// reads the template's labels and ports to explain Services that select
/// pods which do not exist (yet).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Workload {
    pub kind: String,
    pub metadata: ObjectMeta,
    pub replicas: Option<i32>,
    /// The workload's own selector (`spec.selector`); a ReplicationController's
    /// equality map is converted to `matchLabels`.
    pub selector: Option<LabelSelector>,
    /// A StatefulSet's governing Service (`spec.serviceName`).
    pub service_name: Option<String>,
    /// A Job's `spec.parallelism`: how many pods run at once.
    pub parallelism: Option<i32>,
    pub template: PodTemplateSpec,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PodTemplateSpec {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub metadata: ObjectMeta,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub spec: PodSpec,
}

/// The kinds that carry a pod template.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

/// `spec` of Deployment, ReplicaSet, StatefulSet, DaemonSet and Job.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkloadSpec {
    #[serde(default)]
    pub replicas: Option<i32>,
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    pub parallelism: Option<i32>,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub template: PodTemplateSpec,
}

/// `spec` of a ReplicationController: its selector is a plain map.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReplicationControllerSpec {
    #[serde(default)]
    pub replicas: Option<i32>,
    #[serde(default)]
    pub selector: Option<super::StringMap>,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub template: PodTemplateSpec,
}

/// `spec` of a CronJob: the pod template sits in `jobTemplate.spec`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CronJobSpec {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub job_template: CronJobTemplate,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CronJobTemplate {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub spec: WorkloadSpec,
}
