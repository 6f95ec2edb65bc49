//! Where values cross into JavaScript: results out, errors thrown.
//!
//! Results go out as one JSON string that JavaScript's `JSON.parse` turns
//! into plain objects (maps as objects, not `Map`): in Chromium measured
//! faster than building the objects one by one through serde-wasm-bindgen
//! for the large results (`resolve` about half the time, `endpoints` a
//! little faster); Node's V8 builds objects faster than it parses, but the
//! package is for pages first. `www/bench/boundary.sh` prints the figures.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What every exported method returns: a value, or a thrown
/// `SvcscopeError`.
pub type Fallible<T> = Result<T, Thrown>;

/// An `Error` to throw: `name` is `SvcscopeError`, `code` the engine's
/// stable code (`bad-argument`, `not-found`, …), `argument` the argument at
/// fault for `bad-argument`.
#[derive(Debug)]
pub struct Thrown(JsValue);

impl Thrown {
    pub fn new(code: &str, argument: Option<&str>, message: &str) -> Self {
        let e = js_sys::Error::new(message);
        e.set_name("SvcscopeError");
        // Setting a property on a fresh Error cannot fail.
        let _ = js_sys::Reflect::set(&e, &"code".into(), &code.into());
        if let Some(a) = argument {
            let _ = js_sys::Reflect::set(&e, &"argument".into(), &a.into());
        }
        Thrown(e.into())
    }

    /// A bad argument of the bindings' own checks, worded as the engine
    /// words its own: `<argument> <what is wrong>`.
    pub fn bad_argument(argument: &str, message: &str) -> Self {
        Thrown::new(
            "bad-argument",
            Some(argument),
            &format!("{argument} {message}"),
        )
    }

    /// The thrown value, for tests.
    pub fn into_value(self) -> JsValue {
        self.0
    }
}

impl From<svcscope::Error> for Thrown {
    fn from(e: svcscope::Error) -> Self {
        Thrown::new(e.code(), e.argument(), &e.to_string())
    }
}

impl From<Thrown> for JsValue {
    fn from(t: Thrown) -> JsValue {
        t.0
    }
}

/// A result as plain JavaScript objects, typed as `T`'s TypeScript name.
pub fn to_js<V: Serialize + ?Sized, T: JsCast>(value: &V) -> Fallible<T> {
    json(value).map(JsCast::unchecked_into)
}

/// One JSON string, parsed on the JavaScript side.
pub fn json<V: Serialize + ?Sized>(value: &V) -> Fallible<JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| Thrown::new("internal", None, &format!("serializing the result: {e}")))?;
    js_sys::JSON::parse(&text)
        .map_err(|_| Thrown::new("internal", None, "the result is not JSON JavaScript reads"))
}

/// The same value built object by object (serde-wasm-bindgen), for the
/// boundary measurement only.
#[cfg(feature = "bench")]
pub fn objects<V: Serialize + ?Sized>(value: &V) -> Fallible<JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Thrown::new("internal", None, &format!("serializing the result: {e}")))
}
