//! Helpers of the wasm-bindgen-test suite of the JavaScript API
//! (`tests/`): the embedded inputs, values between JSON and JavaScript, a
//! JS `Cluster` side by side with a native one, and thrown errors taken
//! apart. The suite itself runs only on wasm32 (`tests/node.rs` in Node,
//! `tests/browser.rs` in headless Chromium).

use serde_json::{json, Value};
use svcscope::cluster::options::{Columns, LoadOptions};
use svcscope_wasm::boundary::Thrown;
use wasm_bindgen::{JsCast, JsValue};

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

/// The embedded example file `name`.
pub fn example(name: &str) -> &'static str {
    EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no example {name}"))
}

/// A JSON value as the JavaScript value a caller would pass.
pub fn js<T: JsCast>(v: &Value) -> T {
    js_sys::JSON::parse(&v.to_string())
        .expect("JSON parses")
        .unchecked_into()
}

/// A JavaScript value as JSON (what a caller would see, key order aside).
pub fn value<T: AsRef<JsValue>>(v: &T) -> Value {
    let text = js_sys::JSON::stringify(v.as_ref()).expect("JSON.stringify");
    serde_json::from_str(&String::from(text)).expect("valid JSON")
}

/// What a native value serializes to (what `svcscope … -o json` prints),
/// as JavaScript reads it (where `1.0` is `1`).
pub fn native<T: serde::Serialize>(v: &T) -> Value {
    let text = serde_json::to_string(v).expect("serializes");
    value(&js_sys::JSON::parse(&text).expect("JSON parses"))
}

/// A thrown `SvcscopeError` taken apart: `(code, argument, message)`.
pub fn thrown(t: Thrown) -> (String, Option<String>, String) {
    let v = t.into_value();
    let e: &js_sys::Error = v.dyn_ref().expect("an Error is thrown");
    assert_eq!(String::from(e.name()), "SvcscopeError");
    let prop = |k: &str| {
        js_sys::Reflect::get(&v, &k.into())
            .ok()
            .and_then(|p| p.as_string())
    };
    (
        prop("code").expect("a code"),
        prop("argument"),
        String::from(e.message()),
    )
}

/// The result of a call that must throw, taken apart.
pub fn err<T>(r: Result<T, Thrown>) -> (String, Option<String>, String) {
    match r {
        Ok(_) => panic!("expected a thrown error, got a result"),
        Err(t) => thrown(t),
    }
}

/// The JS API's cluster and the native one, built from the same config
/// and fed the same files.
pub struct Pair {
    pub js: svcscope_wasm::Cluster,
    pub native: svcscope::Cluster,
}

impl Pair {
    pub fn new(config: Value) -> Pair {
        let native_config = serde_json::from_value(config.clone()).expect("a valid config");
        Pair {
            js: svcscope_wasm::Cluster::new(Some(js(&config))).expect("a cluster"),
            native: svcscope::Cluster::new(native_config),
        }
    }

    /// Loads a file into both, as text; returns the JS report after
    /// checking it equals the native one.
    pub fn load(&mut self, name: &str, text: &str) -> Value {
        let got = self
            .js
            .load(
                JsValue::from_str(text).unchecked_into(),
                Some(js(&json!({ "filename": name }))),
            )
            .expect("load does not throw");
        let mut opts = LoadOptions::named(name);
        opts.columns = Columns::Utf16;
        let want = native(&self.native.load(text, &opts));
        let got = value(&got);
        assert_eq!(got, want, "load({name})");
        got
    }
}

/// `Ok` results compared as JSON, errors by code.
pub fn same<J: AsRef<JsValue>, N: serde::Serialize>(
    what: &str,
    js: Result<J, Thrown>,
    native: Result<N, svcscope::Error>,
) -> Value {
    match (js, native) {
        (Ok(j), Ok(n)) => {
            let j = value(&j);
            assert_eq!(j, crate::native(&n), "{what}: JS and native results differ");
            j
        }
        (Err(t), Err(e)) => {
            let (code, argument, message) = thrown(t);
            assert_eq!(code, e.code(), "{what}: codes differ ({message})");
            assert_eq!(argument.as_deref(), e.argument(), "{what}");
            assert_eq!(message, e.to_string(), "{what}");
            Value::Null
        }
        (Ok(j), Err(e)) => panic!("{what}: JS gave {}, native failed: {e}", value(&j)),
        (Err(t), Ok(_)) => panic!("{what}: JS threw {:?}, native answered", thrown(t)),
    }
}
