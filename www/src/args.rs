//! Arguments from JavaScript: each option object is read as JSON
//! (`JSON.stringify`, then serde into the engine's own option types), so
//! whatever a caller passes — a number for an object, a cycle, nesting
//! deeper than any stack — is a `bad-argument` error with serde's words,
//! never a trap. The few arguments that are the bindings' own (the
//! `{ namespace }` of `select`, the `{ container }` of `env`, `delete`'s
//! target) are declared here.

use crate::boundary::{Fallible, Thrown};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `select`'s options.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectOptions {
    /// Only pods of this namespace (all namespaces when unset).
    #[serde(default)]
    pub namespace: Option<String>,
}

/// `env`'s options.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvOptions {
    /// The container (the pod's default container when unset).
    #[serde(default)]
    pub container: Option<String>,
}

/// The object `delete` removes.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectTarget {
    pub kind: String,
    /// `default` when unset; ignored for cluster-scoped kinds.
    #[serde(default)]
    pub namespace: Option<String>,
    pub name: String,
}

/// What `apply` takes: a Kubernetes object as a manifest spells it. The
/// engine's loader reads it, as it reads a file.
#[cfg(feature = "ts")]
#[derive(ts_rs::TS)]
#[allow(dead_code)] // Only its TypeScript declaration is used.
pub struct Manifest {
    #[ts(rename = "apiVersion")]
    api_version: String,
    kind: String,
    #[ts(flatten)]
    fields: std::collections::HashMap<String, serde_json::Value>,
}

/// An option object that may be left out (`undefined` or `null`).
pub fn optional<T: DeserializeOwned>(name: &str, v: Option<&JsValue>) -> Fallible<Option<T>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_undefined() || v.is_null() => Ok(None),
        Some(v) => parse(name, &object(name, v)?).map(Some),
    }
}

/// An argument that must be given.
pub fn required<T: DeserializeOwned>(name: &str, v: &JsValue) -> Fallible<T> {
    if v.is_undefined() || v.is_null() {
        return Err(Thrown::bad_argument(name, "is required"));
    }
    parse(name, &object(name, v)?)
}

/// An option object as JSON text. An array is refused here: serde would
/// read an object's fields from it by position.
fn object(name: &str, v: &JsValue) -> Fallible<String> {
    if js_sys::Array::is_array(v) {
        return Err(Thrown::bad_argument(
            name,
            "must be an object, not an array",
        ));
    }
    json(name, v)
}

fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Fallible<T> {
    serde_json::from_str(text).map_err(|e| match e.classify() {
        // The engine's own argument errors (a CIDR that does not parse …)
        // come through serde as custom errors; keep their words.
        serde_json::error::Category::Data => {
            Thrown::bad_argument(name, &format!("is not valid: {}", strip_position(&e)))
        }
        _ => Thrown::bad_argument(name, &format!("is not valid: {e}")),
    })
}

/// serde_json's "at line 1 column 17" points into text the caller never
/// wrote.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A value as JSON text; what `JSON.stringify` refuses (a cycle, a
/// `BigInt`, nesting past the engine's stack) is a bad argument.
pub fn json(name: &str, v: &JsValue) -> Fallible<String> {
    match js_sys::JSON::stringify(v) {
        Ok(s) if s.is_string() => Ok(String::from(s)),
        Ok(_) => Err(Thrown::bad_argument(name, "is not a JSON value")),
        Err(e) => Err(Thrown::bad_argument(
            name,
            &format!("cannot be read as JSON: {}", error_message(&e)),
        )),
    }
}

fn error_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "not serializable".into())
}

/// A text to load: a string, or bytes to decode as the CLI decodes files.
pub enum Text {
    Str(String),
    Bytes(Vec<u8>),
}

pub fn text(name: &str, v: &JsValue) -> Fallible<Text> {
    if let Some(s) = v.as_string() {
        return Ok(Text::Str(s));
    }
    if let Some(b) = v.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(Text::Bytes(b.to_vec()));
    }
    Err(Thrown::bad_argument(
        name,
        &format!("must be a string or a Uint8Array, not {}", type_name(v)),
    ))
}

/// `typeof`, with `null` and arrays told apart.
fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if js_sys::Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}
