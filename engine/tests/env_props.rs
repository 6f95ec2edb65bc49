//! Property tests of the service environment variables
//! ([`svcscope::internals::env`]): the names kubelet generates are shell identifiers,
//! `$(VAR)` expansion takes any string without panicking, and a Service
//! created after the pod never shows up in its environment, with `explain`
//! agreeing on why.

use proptest::prelude::*;
use svcscope::internals::engine::Engine;
use svcscope::internals::env::{self, Visibility};
use svcscope::model::*;
use svcscope::{Config, NsName, Origin};

fn is_shell_identifier(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// A Service as validation admits it: a DNS-1035 name, DNS-1123-label
/// port names (the first may be unnamed), TCP/UDP/SCTP.
fn service() -> impl Strategy<Value = Service> {
    let port = (
        "[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?",
        1..=65535i32,
        prop::option::of(prop::sample::select(vec!["TCP", "UDP", "SCTP", ""])),
    );
    let ip = prop_oneof![
        (any::<[u8; 4]>()).prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
        (any::<[u16; 8]>()).prop_map(|s| std::net::Ipv6Addr::from(s).to_string()),
        Just("2001:DB8::".to_string()),
    ];
    (
        "[a-z]([-a-z0-9]{0,14}[a-z0-9])?",
        ip,
        prop::collection::vec(port, 1..5),
        any::<bool>(),
    )
        .prop_map(|(name, ip, ports, first_unnamed)| {
            let mut s = Service::default();
            s.metadata.name = name;
            s.spec.cluster_ip = Some(ip);
            s.spec.ports = ports
                .into_iter()
                .enumerate()
                .map(|(i, (n, port, proto))| ServicePort {
                    name: if i == 0 && first_unnamed {
                        String::new()
                    } else {
                        format!("{n}{i}")
                    },
                    port,
                    protocol: proto.map(String::from),
                    ..Default::default()
                })
                .collect();
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn service_variable_names_are_shell_identifiers(svcs in prop::collection::vec(service(), 1..4)) {
        let vars = env::from_services(&svcs);
        let mut expected = 0;
        for s in &svcs {
            let named = s.spec.ports.iter().filter(|p| !p.name.is_empty()).count();
            expected += 3 + named + 4 * s.spec.ports.len();
        }
        prop_assert_eq!(vars.len(), expected);
        for v in &vars {
            prop_assert!(is_shell_identifier(&v.name), "{}", v.name);
            // Addresses are bare; only URLs bracket an IPv6 address.
            if v.name.ends_with("_SERVICE_HOST") || v.name.ends_with("_ADDR") {
                prop_assert!(!v.value.contains('['), "{}", v);
            }
        }
    }

    #[test]
    fn expansion_takes_any_string(s in any::<String>(), t in "[$()A-Z_é ]{0,40}", v in any::<String>()) {
        let lookup = |name: &str| (name.len() % 2 == 0).then_some(v.as_str());
        // Never panics, on arbitrary text and on text dense in syntax.
        env::expand(&s, lookup);
        env::expand(&t, lookup);
        // Text without `$` is left alone.
        if !s.contains('$') {
            prop_assert_eq!(env::expand(&s, lookup), s.clone());
        }
        // Doubling every `$` is how a literal is written.
        for x in [&s, &t] {
            prop_assert_eq!(&env::expand(&x.replace('$', "$$"), lookup), x);
        }
    }

    #[test]
    fn a_known_reference_is_replaced(
        before in "[^$]{0,10}",
        name in "[^)]{0,10}",
        after in "[^$]{0,10}",
        value in any::<String>(),
    ) {
        let input = format!("{before}$({name}){after}");
        let got = env::expand(&input, |n| (n == name).then_some(value.as_str()));
        prop_assert_eq!(got, format!("{before}{value}{after}"));
        // Unknown: kept as written.
        prop_assert_eq!(env::expand(&input, |_| None), input);
    }
}

const NS: &str = "app";
const SERVICES: usize = 4;

/// One object of a timeline: a Service of the pod's namespace (or of
/// another), or the pod; each with an optional creation minute.
#[derive(Debug, Clone)]
enum Item {
    Service {
        n: usize,
        other_ns: bool,
        headless: bool,
        minute: Option<u8>,
    },
    Pod {
        links: Option<bool>,
        minute: Option<u8>,
    },
}

fn timestamp(minute: Option<u8>) -> Option<String> {
    minute.map(|m| format!("2024-01-01T00:{:02}:00Z", m % 60))
}

fn object(item: &Item) -> Object {
    match item {
        Item::Service {
            n,
            other_ns,
            headless,
            minute,
        } => {
            let mut s = Service::default();
            s.metadata.name = format!("svc-{n}");
            s.metadata.namespace = Some(if *other_ns { "other" } else { NS }.into());
            s.metadata.creation_timestamp = timestamp(*minute);
            if *headless {
                s.spec.cluster_ip = Some("None".into());
            }
            s.spec.ports = vec![ServicePort {
                port: 80,
                ..Default::default()
            }];
            Object::Service(s.into())
        }
        Item::Pod { links, minute } => {
            let mut p = Pod::default();
            p.metadata.name = "client".into();
            p.metadata.namespace = Some(NS.into());
            p.metadata.creation_timestamp = timestamp(*minute);
            p.spec.enable_service_links = *links;
            p.spec.containers = vec![Container {
                name: "c".into(),
                env: (0..SERVICES)
                    .map(|n| EnvVar {
                        name: format!("REF_{n}"),
                        value: Some(format!("$(SVC_{n}_SERVICE_HOST)")),
                        value_from: None,
                    })
                    .collect(),
                ..Default::default()
            }]
            .into();
            Object::Pod(p.into())
        }
    }
}

fn timeline() -> impl Strategy<Value = Vec<Item>> {
    let minute = prop::option::of(0u8..10);
    let svc = (
        0..SERVICES,
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        minute.clone(),
    )
        .prop_map(|(n, other_ns, headless, minute)| Item::Service {
            n,
            other_ns,
            headless,
            minute,
        });
    let pod = (prop::option::of(any::<bool>()), minute)
        .prop_map(|(links, minute)| Item::Pod { links, minute });
    (
        prop::collection::vec(svc, 0..8),
        pod,
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut items, pod, at)| {
            let i = at.index(items.len() + 1);
            items.insert(i, pod);
            items
        })
}

/// Checks one engine: the environment leaves out exactly the Services
/// created after the pod (among those it would otherwise include), and
/// `explain` names the same ones.
fn check(engine: &Engine) -> Result<(), TestCaseError> {
    let pod_key = NsName::new(NS, "client");
    let pod_obj = ObjectKey::new("Pod", NS, "client");
    let env = env::pod_environment(&engine.state(), &pod_key, None).expect("the pod exists");
    let pod = &engine.cluster().pods[&pod_key];
    let diags = engine.diagnostics();
    for (key, svc) in engine.state().services_in(NS) {
        let after = engine
            .created_after(&ObjectKey::new("Service", NS, &key.name), &pod_obj)
            .expect("both exist");
        let has_ip = svc
            .spec
            .cluster_ip
            .as_deref()
            .is_some_and(|ip| ip != "None");
        let included = env.services.iter().any(|g| g.service == *key);
        let left_after = env
            .left_out
            .iter()
            .any(|l| l.service == *key && l.reason == Visibility::CreatedAfterPod);
        let eligible = pod.enable_service_links() && has_ip;
        prop_assert!(
            !(after && included),
            "{key} created after the pod but included"
        );
        prop_assert_eq!(included, eligible && !after, "{} included", key);
        prop_assert_eq!(
            left_after,
            eligible && after,
            "{} left out as created after",
            key
        );
        let diag = diags.iter().any(|d| {
            d.code == "env-service-created-after-pod"
                && d.objects.get(1).is_some_and(|o| o.name == key.name)
        });
        prop_assert_eq!(diag, left_after, "{}: explain and env disagree", key);
        // The reference the pod makes resolves exactly when included.
        let prefix = env::env_prefix(&key.name);
        let reference = env
            .own
            .iter()
            .find(|v| v.name == format!("REF_{}", &prefix[4..]))
            .expect("the pod refers to every Service");
        prop_assert_eq!(
            !reference.value.starts_with("$("),
            included,
            "{}",
            reference.value
        );
    }
    // Only the pod's namespace, and default/kubernetes, are ever seen.
    for g in &env.services {
        prop_assert!(
            g.service.namespace == NS || g.service == NsName::new("default", "kubernetes"),
            "{} visible",
            g.service
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_service_created_after_the_pod_never_appears(items in timeline()) {
        let objects: Vec<(Object, Origin)> =
            items.iter().map(|i| (object(i), Origin::default())).collect();
        // Loaded at once, and applied one by one: the same answer.
        check(&Engine::from_objects(Config::default(), objects.clone()))?;
        let mut engine = Engine::new(Config::default());
        for (o, origin) in objects {
            engine.apply(o, origin);
        }
        check(&engine)?;
    }
}
