//! The apimachinery rules for names and labels
//! (`k8s.io/apimachinery/pkg/util/validation`), with upstream's messages:
//! one implementation for selectors and for API validation.

pub(crate) const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
pub(crate) const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
pub(crate) const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
pub(crate) const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
pub(crate) const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
pub(crate) const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `validation.RegexError`, including its double space between examples.
pub(crate) fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut out = msg.to_string();
    if !examples.is_empty() {
        out.push_str(" (e.g. ");
        for (i, e) in examples.iter().enumerate() {
            if i > 0 {
                out.push_str(" or ");
            }
            out.push_str(&format!("'{e}', "));
        }
        out.push_str(&format!("regex used for validation is '{fmt}')"));
    } else {
        out.push_str(&format!(" (regex used for validation is '{fmt}')"));
    }
    out
}

pub(crate) fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

pub(crate) fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Matches `[a-z0-9]([-a-z0-9]*[a-z0-9])?` (no length limit).
pub(crate) fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => {
            is_lower_alnum(f)
                && is_lower_alnum(l)
                && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
        }
        _ => false,
    }
}

pub(crate) fn matches_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns1123_label)
}

pub(crate) fn matches_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `IsDNS1035Label`: Service names. Returns upstream's messages; empty = valid.
pub(crate) fn dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    let b = value.as_bytes();
    if !(b.first().is_some_and(u8::is_ascii_lowercase) && matches_dns1123_label(value)) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `IsDNS1123Label`: namespaces, service port names, hostnames.
pub(crate) fn dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            // A valid subdomain that is no label can only be failing on dots.
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`: most object names, `externalName`, node names.
pub(crate) fn dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `IsValidPortName` (IANA_SVC_NAME, RFC 6335): container port names and
/// named target ports. Every failed rule gets its own message.
pub(crate) fn iana_svc_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let b = value.as_bytes();
    if b.len() > 15 {
        errs.push(max_len_error(15));
    }
    if b.is_empty() || !b.iter().all(|&c| is_lower_alnum(c) || c == b'-') {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if value.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if b.first() == Some(&b'-') || b.last() == Some(&b'-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// `IsQualifiedName`: an optional DNS subdomain prefix and `/`, then a
/// name of at most 63 characters, as label selectors check keys.
pub(crate) fn qualified_name(value: &str) -> Vec<String> {
    qualified_name_as(value, "a qualified name")
}

/// [`qualified_name`]'s rules as API validation words them for label and
/// annotation keys, `appProtocol` and `loadBalancerClass`.
pub(crate) fn label_key(value: &str) -> Vec<String> {
    qualified_name_as(value, "a valid label key")
}

/// The rules of a qualified name; `whole` names the value in the message
/// for a value with more than one `/`.
fn qualified_name_as(value: &str, whole: &str) -> Vec<String> {
    let name_regex = || {
        regex_error(
            QUALIFIED_NAME_MSG,
            QUALIFIED_NAME_FMT,
            &["MyName", "my.name", "123-abc"],
        )
    };
    let mut errs = Vec::new();
    // `split_once` rather than collecting the parts: label keys are
    // checked for every object, and this runs without allocating.
    let name = match value.split_once('/') {
        None => value,
        Some((prefix, name)) if !name.contains('/') => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            name
        }
        Some(_) => {
            return vec![format!(
            "{whole} {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            name_regex()
        )]
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !matches_qualified_name(name) {
        errs.push(format!("name part {}", name_regex()));
    }
    errs
}

/// `IsValidLabelValue`: empty, or a qualified name part of at most 63 characters.
pub(crate) fn label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !value.is_empty() && !matches_qualified_name(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- name helpers -----------------------------------------------------

    #[test]
    fn dns1035_label_rule() {
        assert!(dns1035_label("my-name").is_empty());
        assert!(dns1035_label("a").is_empty());
        assert_eq!(
            dns1035_label("1abc"),
            ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]
        );
        for bad in ["", "-a", "a-", "Abc", "a.b", "a_b"] {
            assert_eq!(dns1035_label(bad).len(), 1, "{bad}");
        }
        let long = format!("a{}", "b".repeat(63));
        assert_eq!(dns1035_label(&long), ["must be no more than 63 characters"]);
    }

    #[test]
    fn dns1123_label_rule() {
        assert!(dns1123_label("123-abc").is_empty());
        assert_eq!(dns1123_label("a.b"), ["must not contain dots"]);
        assert!(dns1123_label("A")[0].starts_with(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"
        ));
        assert!(dns1123_label("A")[0].ends_with("(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
        assert_eq!(
            dns1123_label(&"a".repeat(64)),
            ["must be no more than 63 characters"]
        );
        assert_eq!(dns1123_label("").len(), 1);
    }

    #[test]
    fn dns1123_subdomain_rule() {
        assert!(dns1123_subdomain("foo.bar.example.com").is_empty());
        assert!(dns1123_subdomain("123").is_empty());
        for bad in ["-123", "a..b", ".a", "a.", "Foo.com", ""] {
            assert_eq!(dns1123_subdomain(bad).len(), 1, "{bad}");
        }
        assert!(dns1123_subdomain("-1")[0]
            .contains("(e.g. 'example.com', regex used for validation is"));
        let long = vec!["a".repeat(63); 4].join(".");
        assert_eq!(long.len(), 255);
        assert_eq!(
            dns1123_subdomain(&long),
            ["must be no more than 253 characters"]
        );
    }

    #[test]
    fn iana_svc_name_rule() {
        for ok in ["http", "h2c-1", "a1"] {
            assert!(iana_svc_name(ok).is_empty(), "{ok}");
        }
        assert_eq!(
            iana_svc_name("abcdefghijklmnop"),
            ["must be no more than 15 characters"]
        );
        assert_eq!(
            iana_svc_name("my--port"),
            ["must not contain consecutive hyphens"]
        );
        assert_eq!(
            iana_svc_name("123"),
            ["must contain at least one letter (a-z)"]
        );
        assert_eq!(
            iana_svc_name("-ab"),
            ["must not begin or end with a hyphen"]
        );
        assert_eq!(
            iana_svc_name("a_b"),
            ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]
        );
        assert_eq!(iana_svc_name("").len(), 2);
    }

    #[test]
    fn qualified_name_and_label_value_rules() {
        for ok in ["http", "kubernetes.io/h2c", "example.com/My_Name.1"] {
            assert!(label_key(ok).is_empty(), "{ok}");
        }
        assert!(label_key("a/b/c")[0].starts_with("a valid label key must consist of"));
        assert!(qualified_name("a/b/c")[0].starts_with("a qualified name must consist of"));
        assert_eq!(qualified_name("/a"), ["prefix part must be non-empty"]);
        assert!(qualified_name("a/")[0].starts_with("name part must be non-empty"));
        assert!(qualified_name("-a")[0].starts_with("name part must consist of alphanumeric"));
        assert!(qualified_name("Example.com/x")[0]
            .starts_with("prefix part a lowercase RFC 1123 subdomain"));
        assert_eq!(
            qualified_name(&"a".repeat(64)),
            ["name part must be no more than 63 characters"]
        );

        assert!(label_value("").is_empty());
        assert!(label_value("my_value").is_empty());
        assert_eq!(label_value("-x").len(), 1);
        assert_eq!(
            label_value(&"a".repeat(64)),
            ["must be no more than 63 characters"]
        );
    }
}
