//! Command-line parsing: `svcscope COMMAND [ARGS…] [OPTIONS…]`, options
//! anywhere, `--name value` or `--name=value`, `--` ends options.

use std::collections::BTreeMap;

/// Options that take a value, with their short forms.
const VALUE_OPTIONS: &[(&str, Option<char>)] = &[
    ("output", Some('o')),
    ("namespace", Some('n')),
    ("service-cidr", None),
    ("node-port-range", None),
    ("cluster-domain", None),
    ("from", None),
    ("zone", None),
    ("pod-records", None),
    ("ttl", None),
    ("container", Some('c')),
    ("to", None),
    ("protocol", None),
    ("connections", None),
    ("mode", None),
    ("node", None),
    ("cluster-cidr", None),
    ("filename", Some('f')),
    ("seed", None),
    ("delete-pod", None),
    ("scale", None),
    ("drain", None),
];

/// Value options that may be given more than once (in order).
const REPEATABLE: &[&str] = &["filename", "delete-pod", "scale", "drain"];

/// Options that change the running cluster, one after another in the
/// order given (across options).
pub const STEPS: &[&str] = &["delete-pod", "scale", "drain"];

/// Options that are switches.
const FLAGS: &[(&str, Option<char>)] = &[
    ("help", Some('h')),
    ("version", Some('V')),
    ("no-defaults", None),
    ("recursive", Some('R')),
    ("controllers", None),
];

#[derive(Debug, Default)]
pub struct Args {
    pub command: Option<String>,
    pub positionals: Vec<String>,
    options: BTreeMap<String, String>,
    /// Every value of a repeatable option, in order.
    repeated: BTreeMap<String, Vec<String>>,
    /// The [`STEPS`] options and their values, in the order given.
    steps: Vec<(String, String)>,
    flags: Vec<String>,
}

/// A usage error: the message, printed with a hint; exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl Args {
    pub fn parse(raw: impl IntoIterator<Item = String>) -> Result<Args, UsageError> {
        let mut args = Args::default();
        let mut it = raw.into_iter();
        let mut only_positionals = false;
        while let Some(a) = it.next() {
            if only_positionals || a == "-" || !a.starts_with('-') {
                if args.command.is_none() {
                    args.command = Some(a);
                } else {
                    args.positionals.push(a);
                }
                continue;
            }
            if a == "--" {
                only_positionals = true;
                continue;
            }
            let (name, inline) = if let Some(long) = a.strip_prefix("--") {
                match long.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (long.to_string(), None),
                }
            } else {
                // `-o json` or `-ojson`.
                let mut chars = a[1..].chars();
                let c = chars.next().unwrap_or('-');
                let rest: String = chars.collect();
                let long = VALUE_OPTIONS
                    .iter()
                    .chain(FLAGS)
                    .find(|(_, s)| *s == Some(c))
                    .map(|(l, _)| l.to_string())
                    .ok_or_else(|| UsageError(format!("unknown option {a}")))?;
                let inline = (!rest.is_empty()).then_some(rest.trim_start_matches('=').to_string());
                (long, inline)
            };
            if VALUE_OPTIONS.iter().any(|(l, _)| *l == name) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| UsageError(format!("option --{name} needs a value")))?,
                };
                if STEPS.contains(&name.as_str()) {
                    args.steps.push((name.clone(), value.clone()));
                }
                if REPEATABLE.contains(&name.as_str()) {
                    args.repeated.entry(name).or_default().push(value);
                } else if args.options.insert(name.clone(), value).is_some() {
                    return Err(UsageError(format!("option --{name} given twice")));
                }
            } else if FLAGS.iter().any(|(l, _)| *l == name) {
                if inline.is_some() {
                    return Err(UsageError(format!("option --{name} takes no value")));
                }
                args.flags.push(name);
            } else {
                return Err(UsageError(format!("unknown option {a}")));
            }
        }
        Ok(args)
    }

    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    /// Every value of a repeatable option, in the order given.
    pub fn values(&self, name: &str) -> &[String] {
        self.repeated.get(name).map_or(&[], Vec::as_slice)
    }

    /// The changes to the running cluster, in the order given.
    pub fn steps(&self) -> &[(String, String)] {
        &self.steps
    }

    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    /// Rejects options and switches the command does not use.
    pub fn allow_only(&self, allowed: &[&str]) -> Result<(), UsageError> {
        let switches = self
            .flags
            .iter()
            .filter(|f| !matches!(f.as_str(), "help" | "version"));
        for name in self
            .options
            .keys()
            .chain(switches)
            .chain(self.repeated.keys())
        {
            if !allowed.contains(&name.as_str()) && !GLOBAL.contains(&name.as_str()) {
                return Err(UsageError(format!(
                    "option --{name} does not apply to this command"
                )));
            }
        }
        Ok(())
    }

    /// The output format, checked against the command's formats; the first
    /// one is the default.
    pub fn output(&self, formats: &[&'static str]) -> Result<&'static str, UsageError> {
        match self.option("output") {
            None => Ok(formats[0]),
            Some(o) => formats.iter().find(|f| **f == o).copied().ok_or_else(|| {
                UsageError(format!(
                    "unsupported output format {o:?}: use one of {}",
                    formats.join(", ")
                ))
            }),
        }
    }
}

/// Options every command takes.
const GLOBAL: &[&str] = &[
    "service-cidr",
    "node-port-range",
    "cluster-domain",
    "filename",
    "recursive",
    "namespace",
    "controllers",
    "seed",
    "delete-pod",
    "scale",
    "drain",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Result<Args, UsageError> {
        Args::parse(v.iter().map(|s| s.to_string()))
    }

    #[test]
    fn options_anywhere() {
        let a = parse(&[
            "resolve",
            "a.yaml",
            "-o",
            "json",
            "--service-cidr=10.0.0.0/16",
            "-",
        ])
        .unwrap();
        assert_eq!(a.command.as_deref(), Some("resolve"));
        assert_eq!(a.positionals, ["a.yaml", "-"]);
        assert_eq!(a.option("output"), Some("json"));
        assert_eq!(a.option("service-cidr"), Some("10.0.0.0/16"));
        let a = parse(&["check", "-ojson"]).unwrap();
        assert_eq!(a.option("output"), Some("json"));
    }

    #[test]
    fn errors() {
        assert!(parse(&["check", "--bogus"]).is_err());
        assert!(parse(&["check", "-o"]).is_err());
        assert!(parse(&["check", "-o", "a", "-o", "b"]).is_err());
        assert!(parse(&["check", "--help=x"]).is_err());
    }

    #[test]
    fn files_as_kubectl_takes_them() {
        let a = parse(&[
            "env",
            "ns/p",
            "-f",
            "a.yaml",
            "--filename=b.yaml",
            "-R",
            "-n",
            "x",
        ])
        .unwrap();
        assert_eq!(a.values("filename"), ["a.yaml", "b.yaml"]);
        assert!(a.flag("recursive"));
        assert_eq!(a.option("namespace"), Some("x"));
        assert_eq!(a.positionals, ["ns/p"]);
    }

    #[test]
    fn steps_keep_their_order_across_options() {
        let a = parse(&[
            "pods",
            "--scale",
            "deploy/web=3",
            "--drain",
            "node-a",
            "--delete-pod=default/web-1",
            "--scale",
            "rs/x=0",
        ])
        .unwrap();
        let names: Vec<&str> = a.steps().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["scale", "drain", "delete-pod", "scale"]);
        assert_eq!(a.values("scale"), ["deploy/web=3", "rs/x=0"]);
    }

    #[test]
    fn double_dash() {
        let a = parse(&["select", "--", "-weird-file"]).unwrap();
        assert_eq!(a.positionals, ["-weird-file"]);
    }
}
