//! Field errors as the apiserver reports them (`field.Error`): a field path,
//! an error type and a detail.

use crate::objects::Origin;
use serde::Serialize;
use std::fmt;

/// `field.ErrorType`, by the names Kubernetes uses in its API.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ErrorType {
    Required,
    Invalid,
    Duplicate,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Internal,
}

impl ErrorType {
    /// How upstream's `ErrorType.String()` words the type; printed when an
    /// error carries no detail.
    pub fn upstream_text(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::Internal => "Internal error",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Required => "Required",
            ErrorType::Invalid => "Invalid",
            ErrorType::Duplicate => "Duplicate",
            ErrorType::NotSupported => "NotSupported",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "TooLong",
            ErrorType::TooMany => "TooMany",
            ErrorType::Internal => "Internal",
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validation or allocation error on one field.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FieldError {
    /// The field path as upstream prints it, e.g. `spec.ports[0].port`.
    pub field: String,
    #[serde(rename = "type")]
    pub type_: ErrorType,
    /// The offending value, rendered as upstream renders it (absent for
    /// Required and Forbidden errors).
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub detail: String,
}

impl FieldError {
    fn new(
        type_: ErrorType,
        field: impl Into<String>,
        value: Option<String>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            type_,
            value,
            detail: detail.into(),
        }
    }
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Required, field, None, detail)
    }
    pub fn invalid(
        field: impl Into<String>,
        value: impl fmt::Display,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(ErrorType::Invalid, field, Some(value.to_string()), detail)
    }
    pub fn duplicate(field: impl Into<String>, value: impl fmt::Display) -> Self {
        Self::new(ErrorType::Duplicate, field, Some(value.to_string()), "")
    }
    /// `field.NotSupported`: the detail lists the supported values.
    pub fn not_supported(
        field: impl Into<String>,
        value: impl fmt::Display,
        supported: &[&str],
    ) -> Self {
        let list = supported
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ");
        Self::new(
            ErrorType::NotSupported,
            field,
            Some(value.to_string()),
            format!("supported values: {list}"),
        )
    }
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Forbidden, field, None, detail)
    }
    /// `errors.NewInternalError`: the apiserver failed, not the object.
    pub fn internal(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Internal, field, None, detail)
    }
    pub fn too_long(field: impl Into<String>, value: impl fmt::Display, max: usize) -> Self {
        Self::new(
            ErrorType::TooLong,
            field,
            Some(value.to_string()),
            format!("may not be more than {max} bytes"),
        )
    }
    pub fn too_many(field: impl Into<String>, actual: usize, max: usize) -> Self {
        Self::new(
            ErrorType::TooMany,
            field,
            Some(actual.to_string()),
            format!("must have at most {max} items"),
        )
    }
}

impl fmt::Display for FieldError {
    /// `<field>: <Type>: <detail>` (with the value when there is one), the
    /// shape `svcscope check` prints after the object.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.field, self.type_)?;
        match (&self.value, self.detail.is_empty()) {
            (Some(v), true) => write!(f, "{v}"),
            (Some(v), false) => write!(f, "{v}: {}", self.detail),
            (None, true) => f.write_str(self.type_.upstream_text()),
            (None, false) => f.write_str(&self.detail),
        }
    }
}

/// Builds field paths the way `field.Path` prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(String);

impl Path {
    pub fn new(root: &str) -> Self {
        Path(root.to_string())
    }

    /// A copy with room for `extra` more bytes. Paths are built for every
    /// field of every object validated, so they avoid `format!`.
    fn extended(&self, extra: usize) -> String {
        let mut s = String::with_capacity(self.0.len() + extra);
        s.push_str(&self.0);
        s
    }

    pub fn child(&self, name: &str) -> Self {
        if self.0.is_empty() {
            return Path(name.to_string());
        }
        let mut s = self.extended(1 + name.len());
        s.push('.');
        s.push_str(name);
        Path(s)
    }

    pub fn index(&self, i: usize) -> Self {
        let mut s = self.extended(8);
        s.push('[');
        push_decimal(&mut s, i);
        s.push(']');
        Path(s)
    }

    pub fn key(&self, k: &str) -> Self {
        let mut s = self.extended(2 + k.len());
        s.push('[');
        s.push_str(k);
        s.push(']');
        Path(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Appends `n` in decimal without the formatting machinery.
fn push_decimal(s: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits[..len].iter().rev() {
        s.push(char::from(d));
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&Path> for String {
    fn from(p: &Path) -> String {
        p.0.clone()
    }
}

/// Go's `%q` for a string, so messages quote values the way upstream does.
/// Printability of non-ASCII characters is approximated (controls,
/// whitespace, format characters and private use are escaped).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => {
                out.push_str(&format!("\\U{:08x}", c as u32));
            }
        }
    }
    out.push('"');
    out
}

fn go_is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    let u = c as u32;
    let format_or_private = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xE000..=0xF8FF
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xF0000..
    );
    !c.is_control() && !c.is_whitespace() && !format_or_private
}

/// One error of one object.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectError {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `validation` (the object is malformed) or `allocation` (it conflicts
    /// with the cluster's ranges or other objects).
    pub stage: &'static str,
    #[serde(flatten)]
    pub error: FieldError,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl std::fmt::Display for ObjectError {
    /// `<Kind> <namespace>/<name>: <field.path>: <ErrorType>: <detail>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}: {}", self.kind, self.name, self.error)
        } else {
            write!(
                f,
                "{} {}/{}: {}",
                self.kind, self.namespace, self.name, self.error
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_field_path() {
        let p = Path::new("spec").child("ports").index(10).child("port");
        assert_eq!(p.as_str(), "spec.ports[10].port");
        assert_eq!(
            Path::new("").child("a").key("k").index(0).as_str(),
            "a[k][0]"
        );
        assert_eq!(Path::new("x").index(0).as_str(), "x[0]");
        assert_eq!(
            Path::new("x").index(usize::MAX).as_str(),
            format!("x[{}]", usize::MAX)
        );
    }

    #[test]
    fn go_quote_matches_go() {
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("\0\x7f\n"), "\"\\x00\\x7f\\n\"");
        assert_eq!(go_quote("é\u{a0}\u{200b}"), "\"é\\u00a0\\u200b\"");
        assert_eq!(go_quote("\u{f0000}"), "\"\\U000f0000\"");
    }
}
