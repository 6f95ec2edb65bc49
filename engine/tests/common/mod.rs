//! Shared by the data-driven tests: reading the conformance files in
//! `../shared/conformance/` (beside the repository checkout) through the
//! project's own YAML loader.

use serde_json::Value;
use std::path::PathBuf;
use svcscope::internals::load::yaml::{parse_documents, to_json_value, Limits};

/// The parsed conformance file `name` (e.g. `selectors.yaml`). A missing
/// file fails the test: the cases are the point.
pub fn load_conformance(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "conformance file {} not readable ({e}); `shared/` must sit beside the repository checkout",
            path.display()
        )
    });
    // The files are written for PyYAML's `safe_load`, which reads `y` and
    // `n` as strings.
    let limits = Limits {
        short_bools: false,
        ..Limits::default()
    };
    let docs =
        parse_documents(&text, &limits).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        docs.len(),
        1,
        "{}: expected one YAML document",
        path.display()
    );
    to_json_value(&docs[0].root)
}
