//! `pod-template-hash`, as the Deployment controller computes it
//! (`controller.ComputeHash`): FNV-32a over the `%#v` rendering that
//! go-spew gives the Go `v1.PodTemplateSpec` (after API defaulting; types
//! before values, map keys sorted, pointers followed, nil as `<nil>`),
//! the sum in decimal, then each digit mapped onto the suffix alphabet
//! (`rand.SafeEncodeString`).
//!
//! The rendering follows the struct layout of Kubernetes 1.34
//! (`k8s.io/api` v0.34): every field of `PodTemplateSpec`, `ObjectMeta`,
//! `PodSpec` and `Container` in declaration order. Fields svcscope does not
//! model are rendered unset, so the hash is upstream's for templates that
//! set only modelled fields (see the README) and differs otherwise; the
//! controllers never rely on it to find a ReplicaSet (they compare
//! templates, as upstream does).

use super::random::ALPHANUMS;
use crate::model::*;

/// The `pod-template-hash` of a Deployment's template (no collisions
/// counted).
pub fn pod_template_hash(template: &PodTemplateSpec) -> String {
    safe_encode(&fnv32a(render(template).as_bytes()).to_string())
}

/// FNV-1a, 32 bits (`hash/fnv.New32a`).
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `rand.SafeEncodeString`: each byte onto the alphabet, modulo its size.
pub fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()]))
        .collect()
}

/// A struct being rendered: `{Field:(type)value Field:(type)value}`.
struct Fields<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Fields<'a> {
    fn open(out: &'a mut String) -> Self {
        out.push('{');
        Fields { out, first: true }
    }

    /// Starts a field: its name, and its type unless it is rendered by a
    /// caller that writes the type itself.
    fn name(&mut self, name: &str) -> &mut String {
        if !self.first {
            self.out.push(' ');
        }
        self.first = false;
        self.out.push_str(name);
        self.out.push(':');
        self.out
    }

    fn typed(&mut self, name: &str, ty: &str) -> &mut String {
        let out = self.name(name);
        out.push('(');
        out.push_str(ty);
        out.push(')');
        out
    }

    fn string(&mut self, name: &str, ty: &str, v: &str) {
        self.typed(name, ty).push_str(v);
    }

    fn opt_string(&mut self, name: &str, ty: &str, v: Option<&str>) {
        self.string(name, ty, v.unwrap_or(""));
    }

    fn nil(&mut self, name: &str, ty: &str) {
        self.typed(name, ty).push_str("<nil>");
    }

    fn bool(&mut self, name: &str, v: bool) {
        self.string(name, "bool", if v { "true" } else { "false" });
    }

    fn int(&mut self, name: &str, ty: &str, v: i64) {
        let s = v.to_string();
        self.string(name, ty, &s);
    }

    /// A pointer to a scalar: `(*int64)30`, or `(*int64)<nil>`.
    fn ptr<T: ToString>(&mut self, name: &str, ty: &str, v: Option<T>) {
        match v {
            Some(v) => {
                let s = v.to_string();
                self.string(name, ty, &s)
            }
            None => self.nil(name, ty),
        }
    }

    /// A map: empty ones arrive as nil (the controller reads objects
    /// decoded from protobuf, which keeps no empty maps).
    fn map(&mut self, name: &str, m: &StringMap) {
        let out = self.typed(name, "map[string]string");
        if m.is_empty() {
            out.push_str("<nil>");
            return;
        }
        out.push_str("map[");
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(k);
            out.push(':');
            out.push_str(v);
        }
        out.push(']');
    }

    /// A slice: `[a b]` of elements rendered without their type; empty
    /// ones are nil, as for maps.
    fn slice<T>(&mut self, name: &str, ty: &str, items: &[T], item: impl Fn(&mut String, &T)) {
        let out = self.typed(name, ty);
        if items.is_empty() {
            out.push_str("<nil>");
            return;
        }
        out.push('[');
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            item(out, x);
        }
        out.push(']');
    }

    fn strings(&mut self, name: &str, items: &[String]) {
        self.slice(name, "[]string", items, |o, s| o.push_str(s));
    }

    fn close(self) {
        self.out.push('}');
    }
}

/// The whole rendering, as `spew.Fprintf("%#v", template)` writes it.
pub fn render(t: &PodTemplateSpec) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("(v1.PodTemplateSpec)");
    let mut f = Fields::open(&mut out);
    object_meta(f.typed("ObjectMeta", "v1.ObjectMeta"), &t.metadata);
    pod_spec(f.typed("Spec", "v1.PodSpec"), &t.spec);
    f.close();
    out
}

fn object_meta(out: &mut String, m: &ObjectMeta) {
    let mut f = Fields::open(out);
    f.string("Name", "string", &m.name);
    f.opt_string("GenerateName", "string", m.generate_name.as_deref());
    f.opt_string("Namespace", "string", m.namespace.as_deref());
    f.string("SelfLink", "string", "");
    f.opt_string("UID", "types.UID", m.uid.as_deref());
    f.string("ResourceVersion", "string", "");
    f.int("Generation", "int64", 0);
    // A template's creationTimestamp is null: the zero time.Time.
    f.string(
        "CreationTimestamp",
        "v1.Time",
        "{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}",
    );
    f.nil("DeletionTimestamp", "*v1.Time");
    f.nil("DeletionGracePeriodSeconds", "*int64");
    f.map("Labels", &m.labels);
    f.map("Annotations", &m.annotations);
    f.nil("OwnerReferences", "[]v1.OwnerReference");
    f.nil("Finalizers", "[]string");
    f.nil("ManagedFields", "[]v1.ManagedFieldsEntry");
    f.close();
}

fn pod_spec(out: &mut String, s: &PodSpec) {
    let mut f = Fields::open(out);
    f.nil("Volumes", "[]v1.Volume");
    f.slice(
        "InitContainers",
        "[]v1.Container",
        &s.init_containers,
        container,
    );
    f.slice("Containers", "[]v1.Container", &s.containers, container);
    f.nil("EphemeralContainers", "[]v1.EphemeralContainer");
    // SetDefaults_PodSpec: restartPolicy, grace period, dnsPolicy,
    // securityContext and schedulerName.
    f.string(
        "RestartPolicy",
        "v1.RestartPolicy",
        or_default(&s.restart_policy, "Always"),
    );
    f.ptr(
        "TerminationGracePeriodSeconds",
        "*int64",
        Some(s.termination_grace_period_seconds.unwrap_or(30)),
    );
    f.nil("ActiveDeadlineSeconds", "*int64");
    f.string(
        "DNSPolicy",
        "v1.DNSPolicy",
        or_default(&s.dns_policy, "ClusterFirst"),
    );
    f.map("NodeSelector", &s.node_selector);
    f.string("ServiceAccountName", "string", "");
    f.string("DeprecatedServiceAccount", "string", "");
    f.nil("AutomountServiceAccountToken", "*bool");
    f.opt_string("NodeName", "string", s.node_name.as_deref());
    f.bool("HostNetwork", s.host_network == Some(true));
    f.bool("HostPID", false);
    f.bool("HostIPC", false);
    f.nil("ShareProcessNamespace", "*bool");
    f.string(
        "SecurityContext",
        "*v1.PodSecurityContext",
        "{SELinuxOptions:(*v1.SELinuxOptions)<nil> WindowsOptions:(*v1.WindowsSecurityContextOptions)<nil> \
RunAsUser:(*int64)<nil> RunAsGroup:(*int64)<nil> RunAsNonRoot:(*bool)<nil> SupplementalGroups:([]int64)<nil> \
SupplementalGroupsPolicy:(*v1.SupplementalGroupsPolicy)<nil> FSGroup:(*int64)<nil> Sysctls:([]v1.Sysctl)<nil> \
FSGroupChangePolicy:(*v1.PodFSGroupChangePolicy)<nil> SeccompProfile:(*v1.SeccompProfile)<nil> \
AppArmorProfile:(*v1.AppArmorProfile)<nil> SELinuxChangePolicy:(*v1.PodSELinuxChangePolicy)<nil>}",
    );
    f.nil("ImagePullSecrets", "[]v1.LocalObjectReference");
    f.opt_string("Hostname", "string", s.hostname.as_deref());
    f.opt_string("Subdomain", "string", s.subdomain.as_deref());
    f.nil("Affinity", "*v1.Affinity");
    f.string(
        "SchedulerName",
        "string",
        or_default(&s.scheduler_name, "default-scheduler"),
    );
    f.slice("Tolerations", "[]v1.Toleration", &s.tolerations, toleration);
    f.nil("HostAliases", "[]v1.HostAlias");
    f.string("PriorityClassName", "string", "");
    f.nil("Priority", "*int32");
    match &s.dns_config {
        Some(c) => dns_config(f.typed("DNSConfig", "*v1.PodDNSConfig"), c),
        None => f.nil("DNSConfig", "*v1.PodDNSConfig"),
    }
    f.nil("ReadinessGates", "[]v1.PodReadinessGate");
    f.nil("RuntimeClassName", "*string");
    f.ptr("EnableServiceLinks", "*bool", s.enable_service_links);
    f.nil("PreemptionPolicy", "*v1.PreemptionPolicy");
    f.nil("Overhead", "v1.ResourceList");
    f.nil("TopologySpreadConstraints", "[]v1.TopologySpreadConstraint");
    f.ptr("SetHostnameAsFQDN", "*bool", s.set_hostname_as_fqdn);
    f.nil("OS", "*v1.PodOS");
    f.nil("HostUsers", "*bool");
    f.nil("SchedulingGates", "[]v1.PodSchedulingGate");
    f.nil("ResourceClaims", "[]v1.PodResourceClaim");
    f.nil("Resources", "*v1.ResourceRequirements");
    f.nil("HostnameOverride", "*string");
    f.close();
}

fn or_default<'a>(v: &'a Option<String>, default: &'a str) -> &'a str {
    v.as_deref().filter(|s| !s.is_empty()).unwrap_or(default)
}

fn container(out: &mut String, c: &Container) {
    let mut f = Fields::open(out);
    f.string("Name", "string", &c.name);
    let image = c.image.as_deref().unwrap_or("");
    f.string("Image", "string", image);
    f.strings("Command", &c.command);
    f.strings("Args", &c.args);
    f.opt_string("WorkingDir", "string", c.working_dir.as_deref());
    f.slice("Ports", "[]v1.ContainerPort", &c.ports, container_port);
    f.nil("EnvFrom", "[]v1.EnvFromSource");
    f.slice("Env", "[]v1.EnvVar", &c.env, env_var);
    f.string(
        "Resources",
        "v1.ResourceRequirements",
        "{Limits:(v1.ResourceList)<nil> Requests:(v1.ResourceList)<nil> Claims:([]v1.ResourceClaim)<nil>}",
    );
    f.nil("ResizePolicy", "[]v1.ContainerResizePolicy");
    f.ptr(
        "RestartPolicy",
        "*v1.ContainerRestartPolicy",
        c.restart_policy.as_deref(),
    );
    f.nil("RestartPolicyRules", "[]v1.ContainerRestartRule");
    f.nil("VolumeMounts", "[]v1.VolumeMount");
    f.nil("VolumeDevices", "[]v1.VolumeDevice");
    f.nil("LivenessProbe", "*v1.Probe");
    f.nil("ReadinessProbe", "*v1.Probe");
    f.nil("StartupProbe", "*v1.Probe");
    f.nil("Lifecycle", "*v1.Lifecycle");
    // SetDefaults_Container.
    f.string("TerminationMessagePath", "string", "/dev/termination-log");
    f.string(
        "TerminationMessagePolicy",
        "v1.TerminationMessagePolicy",
        "File",
    );
    let pull = match c.image_pull_policy.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => default_pull_policy(image),
    };
    f.string("ImagePullPolicy", "v1.PullPolicy", pull);
    f.nil("SecurityContext", "*v1.SecurityContext");
    f.bool("Stdin", false);
    f.bool("StdinOnce", false);
    f.bool("TTY", false);
    f.close();
}

/// `Always` for an image tagged `latest` or untagged (and undigested),
/// else `IfNotPresent`.
pub fn default_pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    match (tag, digest) {
        (Some("latest"), _) => "Always",
        (None, None) if !image.is_empty() => "Always",
        _ => "IfNotPresent",
    }
}

fn container_port(out: &mut String, p: &ContainerPort) {
    let mut f = Fields::open(out);
    f.opt_string("Name", "string", p.name.as_deref());
    f.int("HostPort", "int32", i64::from(p.host_port.unwrap_or(0)));
    f.int("ContainerPort", "int32", i64::from(p.container_port));
    f.string("Protocol", "v1.Protocol", p.protocol());
    f.string("HostIP", "string", "");
    f.close();
}

fn env_var(out: &mut String, e: &EnvVar) {
    let mut f = Fields::open(out);
    f.string("Name", "string", &e.name);
    f.opt_string("Value", "string", e.value.as_deref());
    match &e.value_from {
        None => f.nil("ValueFrom", "*v1.EnvVarSource"),
        Some(src) => {
            let mut g = Fields::open(f.typed("ValueFrom", "*v1.EnvVarSource"));
            match &src.field_ref {
                Some(r) => {
                    let mut h = Fields::open(g.typed("FieldRef", "*v1.ObjectFieldSelector"));
                    // SetDefaults_ObjectFieldSelector.
                    h.string("APIVersion", "string", "v1");
                    h.string("FieldPath", "string", &r.field_path);
                    h.close();
                }
                None => g.nil("FieldRef", "*v1.ObjectFieldSelector"),
            }
            g.nil("ResourceFieldRef", "*v1.ResourceFieldSelector");
            key_ref(
                &mut g,
                "ConfigMapKeyRef",
                "*v1.ConfigMapKeySelector",
                &src.config_map_key_ref,
            );
            key_ref(
                &mut g,
                "SecretKeyRef",
                "*v1.SecretKeySelector",
                &src.secret_key_ref,
            );
            g.nil("FileKeyRef", "*v1.FileKeySelector");
            g.close();
        }
    }
    f.close();
}

fn key_ref(f: &mut Fields, name: &str, ty: &str, r: &Option<KeyRef>) {
    let Some(r) = r else {
        return f.nil(name, ty);
    };
    let mut g = Fields::open(f.typed(name, ty));
    let mut l = Fields::open(g.typed("LocalObjectReference", "v1.LocalObjectReference"));
    l.string("Name", "string", &r.name);
    l.close();
    g.string("Key", "string", &r.key);
    g.nil("Optional", "*bool");
    g.close();
}

fn toleration(out: &mut String, t: &Toleration) {
    let mut f = Fields::open(out);
    f.opt_string("Key", "string", t.key.as_deref());
    f.opt_string("Operator", "v1.TolerationOperator", t.operator.as_deref());
    f.opt_string("Value", "string", t.value.as_deref());
    f.opt_string("Effect", "v1.TaintEffect", t.effect.as_deref());
    f.ptr("TolerationSeconds", "*int64", t.toleration_seconds);
    f.close();
}

fn dns_config(out: &mut String, c: &PodDnsConfig) {
    let mut f = Fields::open(out);
    f.strings("Nameservers", &c.nameservers);
    f.strings("Searches", &c.searches);
    f.slice(
        "Options",
        "[]v1.PodDNSConfigOption",
        &c.options,
        |o, opt: &PodDnsConfigOption| {
            let mut g = Fields::open(o);
            g.string("Name", "string", &opt.name);
            g.ptr("Value", "*string", opt.value.as_deref());
            g.close();
        },
    );
    f.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv32a_test_vectors() {
        // From the FNV reference (draft-eastlake-fnv).
        assert_eq!(fnv32a(b""), 0x811c9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
        assert_eq!(fnv32a(b"foobar"), 0xbf9cf968);
    }

    #[test]
    fn safe_encoding_maps_digits_as_upstream() {
        // '0' (48) % 27 = 21 → '4', … '6' (54) % 27 = 0 → 'b'.
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
        // The Deployment docs' nginx-deployment-75675f5897 decodes to a
        // 32-bit sum: every hash is a decimal uint32 encoded so.
        let decode = |h: &str| -> String {
            h.bytes()
                .map(|b| {
                    let i = ALPHANUMS.iter().position(|a| *a == b).unwrap();
                    char::from(b'0' + ((i + 27 - 21) % 27) as u8)
                })
                .collect()
        };
        assert_eq!(decode("75675f5897"), "3123191453");
        assert!(decode("75675f5897").parse::<u32>().is_ok());
    }

    fn nginx() -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: ObjectMeta {
                labels: [("app".to_string(), "nginx".to_string())].into(),
                ..Default::default()
            },
            spec: PodSpec {
                containers: vec![Container {
                    name: "nginx".into(),
                    image: Some("nginx:1.14.2".into()),
                    ports: vec![ContainerPort {
                        container_port: 80,
                        ..Default::default()
                    }],
                    ..Default::default()
                }]
                .into(),
                ..Default::default()
            },
        }
    }

    #[test]
    fn renders_as_spew_renders_the_defaulted_go_struct() {
        let r = render(&nginx());
        assert!(r.starts_with("(v1.PodTemplateSpec){ObjectMeta:(v1.ObjectMeta){Name:(string) GenerateName:(string) Namespace:(string) SelfLink:(string) UID:(types.UID) ResourceVersion:(string) Generation:(int64)0 CreationTimestamp:(v1.Time){Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}} DeletionTimestamp:(*v1.Time)<nil>"), "{r}");
        assert!(r.contains(
            " Labels:(map[string]string)map[app:nginx] Annotations:(map[string]string)<nil> "
        ));
        assert!(r.contains("Containers:([]v1.Container)[{Name:(string)nginx Image:(string)nginx:1.14.2 Command:([]string)<nil> "));
        assert!(r.contains("Ports:([]v1.ContainerPort)[{Name:(string) HostPort:(int32)0 ContainerPort:(int32)80 Protocol:(v1.Protocol)TCP HostIP:(string)}]"));
        assert!(r.contains("RestartPolicy:(v1.RestartPolicy)Always TerminationGracePeriodSeconds:(*int64)30 ActiveDeadlineSeconds:(*int64)<nil> DNSPolicy:(v1.DNSPolicy)ClusterFirst"));
        assert!(r.contains("ImagePullPolicy:(v1.PullPolicy)IfNotPresent"));
        assert!(r.ends_with(
            "Resources:(*v1.ResourceRequirements)<nil> HostnameOverride:(*string)<nil>}}"
        ));
        // Every field of the 1.34 structs, in declaration order.
        let spec = &r[r.find("Spec:(v1.PodSpec)").unwrap() + "Spec:(v1.PodSpec)".len()..];
        assert_eq!(
            top_level_fields(spec),
            [
                "Volumes",
                "InitContainers",
                "Containers",
                "EphemeralContainers",
                "RestartPolicy",
                "TerminationGracePeriodSeconds",
                "ActiveDeadlineSeconds",
                "DNSPolicy",
                "NodeSelector",
                "ServiceAccountName",
                "DeprecatedServiceAccount",
                "AutomountServiceAccountToken",
                "NodeName",
                "HostNetwork",
                "HostPID",
                "HostIPC",
                "ShareProcessNamespace",
                "SecurityContext",
                "ImagePullSecrets",
                "Hostname",
                "Subdomain",
                "Affinity",
                "SchedulerName",
                "Tolerations",
                "HostAliases",
                "PriorityClassName",
                "Priority",
                "DNSConfig",
                "ReadinessGates",
                "RuntimeClassName",
                "EnableServiceLinks",
                "PreemptionPolicy",
                "Overhead",
                "TopologySpreadConstraints",
                "SetHostnameAsFQDN",
                "OS",
                "HostUsers",
                "SchedulingGates",
                "ResourceClaims",
                "Resources",
                "HostnameOverride",
            ]
        );
        let c = &r[r.find("Containers:([]v1.Container)[").unwrap()
            + "Containers:([]v1.Container)[".len()..];
        assert_eq!(
            top_level_fields(c),
            [
                "Name",
                "Image",
                "Command",
                "Args",
                "WorkingDir",
                "Ports",
                "EnvFrom",
                "Env",
                "Resources",
                "ResizePolicy",
                "RestartPolicy",
                "RestartPolicyRules",
                "VolumeMounts",
                "VolumeDevices",
                "LivenessProbe",
                "ReadinessProbe",
                "StartupProbe",
                "Lifecycle",
                "TerminationMessagePath",
                "TerminationMessagePolicy",
                "ImagePullPolicy",
                "SecurityContext",
                "Stdin",
                "StdinOnce",
                "TTY",
            ]
        );
    }

    /// The field names of the struct rendering `s` starts with.
    fn top_level_fields(s: &str) -> Vec<&str> {
        let mut names = Vec::new();
        let mut depth = 0;
        let mut start = None;
        for (i, c) in s.char_indices() {
            match c {
                '{' | '[' | '(' => {
                    if depth == 1 && c == '(' {
                        if let Some(st) = start.take() {
                            names.push(s[st..i].trim_end_matches(':'));
                        }
                    }
                    depth += 1;
                    if depth == 1 {
                        start = Some(i + 1);
                    }
                }
                '}' | ']' | ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return names;
                    }
                }
                ' ' if depth == 1 => start = Some(i + 1),
                _ => {}
            }
        }
        names
    }

    /// Values computed by upstream's own code: go-spew at the commit
    /// Kubernetes vendors (d8f796af33cc) over the `k8s.io/api` v0.34.10
    /// `PodTemplateSpec` (and `ObjectMeta` of apimachinery v0.34.10),
    /// defaulted as the apiserver defaults a Deployment's template.
    #[test]
    fn matches_upstreams_hash_for_known_templates() {
        assert_eq!(pod_template_hash(&nginx()), "bf744486c");
        let mut web = PodTemplateSpec {
            metadata: ObjectMeta {
                labels: StringMap::of(&[("app", "web"), ("tier", "t1")]),
                annotations: [("a".to_string(), "b".to_string())].into(),
                ..Default::default()
            },
            ..Default::default()
        };
        web.spec.node_selector = [("disk".to_string(), "ssd".to_string())].into();
        web.spec.tolerations = vec![Toleration {
            key: Some("k".into()),
            operator: Some("Exists".into()),
            effect: Some("NoSchedule".into()),
            ..Default::default()
        }];
        web.spec.containers = vec![Container {
            name: "web".into(),
            image: Some("nginx".into()),
            command: vec!["nginx".into(), "-g".into()],
            args: vec!["daemon off;".into()],
            ports: vec![ContainerPort {
                name: Some("http".into()),
                container_port: 8080,
                ..Default::default()
            }],
            env: vec![
                EnvVar {
                    name: "A".into(),
                    value: Some("1".into()),
                    value_from: None,
                },
                EnvVar {
                    name: "POD".into(),
                    value: None,
                    value_from: Some(EnvVarSource {
                        field_ref: Some(FieldPathRef {
                            field_path: "metadata.name".into(),
                        }),
                        ..Default::default()
                    }),
                },
            ],
            ..Default::default()
        }]
        .into();
        assert_eq!(pod_template_hash(&web), "596b86c776");
    }

    #[test]
    fn hash_is_ten_safe_characters_or_fewer_and_follows_the_template() {
        let a = pod_template_hash(&nginx());
        assert!((1..=10).contains(&a.len()));
        assert!(a.bytes().all(|b| b"456789bcdf".contains(&b)), "{a}");
        let mut t = nginx();
        t.metadata.labels.insert("tier".into(), "web".into());
        assert_ne!(pod_template_hash(&t), a);
        // Writing a default out changes nothing.
        let mut t = nginx();
        t.spec.restart_policy = Some("Always".into());
        std::sync::Arc::make_mut(&mut t.spec.containers)[0].ports[0].protocol = Some("TCP".into());
        assert_eq!(pod_template_hash(&t), a);
    }

    #[test]
    fn pull_policy_defaults() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/nginx"), "Always");
        assert_eq!(default_pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }
}
