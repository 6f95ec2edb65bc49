//! wasm-bindgen-test suite of the JS API; its tests arrive with the npm package issue.
