//! A YAML stream split into parts at its `---` lines, as kubectl's
//! YAMLReader splits a file into documents before it decodes each one: a
//! syntax error stays in its part, and the other parts still load. The
//! [`PartCache`] keeps what each part of a text gave, so that the same
//! file loaded again (an editor's buffer after one keystroke) parses only
//! the parts that changed.

use super::yaml::Spent;
use super::Loaded;
use std::collections::HashMap;

/// One part of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part<'a> {
    pub text: &'a str,
    /// Line breaks before the part: what its own line numbers are off by.
    pub lines_before: usize,
}

/// The parts of `text`. A part starts at a `---` line (column 0, then a
/// blank or the line's end); the lines before the first one are a part of
/// their own. A `---` after a directive (`%YAML`) stays with it, since the
/// directive belongs to the document it opens.
pub(crate) fn split(text: &str) -> Vec<Part<'_>> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut lines = 0;
    let mut start_lines = 0;
    // Whether the last line that is neither blank nor a comment was a
    // directive.
    let mut after_directive = false;
    let mut at = 0;
    while at < bytes.len() {
        let end = bytes[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| at + i + 1);
        let line = &bytes[at..end];
        if at > start && is_separator(line) && !after_directive {
            parts.push(Part {
                text: &text[start..at],
                lines_before: start_lines,
            });
            start = at;
            start_lines = lines;
        }
        let content = line.trim_ascii_start();
        if !content.is_empty() && content[0] != b'#' {
            after_directive = line[0] == b'%';
        }
        lines += line_breaks(line);
        at = end;
    }
    parts.push(Part {
        text: &text[start..],
        lines_before: start_lines,
    });
    parts
}

/// A document marker line: `---` followed by a blank or nothing.
fn is_separator(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Line breaks as YAML counts them: `\r\n`, `\n`, and a `\r` alone.
fn line_breaks(line: &[u8]) -> usize {
    let lone_cr = line
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\r' && line.get(i + 1) != Some(&b'\n'))
        .count();
    lone_cr + usize::from(line.last() == Some(&b'\n'))
}

/// What one part gave, its lines counted from the part's first line.
#[derive(Debug, Clone)]
pub(crate) struct PartLoad {
    pub loaded: Loaded,
    /// What the part spent of the input's budgets.
    pub spent: Spent,
    /// The objects it counted against [`super::Limits::max_documents`].
    pub objects: usize,
}

/// What each part of a file's last text gave. Held per file by the
/// cluster; only the last text's parts are kept.
#[derive(Debug, Clone, Default)]
pub struct PartCache {
    parts: HashMap<Box<str>, PartLoad>,
}

impl PartCache {
    /// The load of a part with this text, if the last text had one.
    pub(crate) fn take(&mut self, text: &str) -> Option<PartLoad> {
        self.parts.remove(text)
    }

    pub(crate) fn get(&self, text: &str) -> Option<&PartLoad> {
        self.parts.get(text)
    }

    pub(crate) fn put(&mut self, text: &str, load: PartLoad) {
        self.parts.insert(text.into(), load);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<(&str, usize)> {
        split(text)
            .into_iter()
            .map(|p| (p.text, p.lines_before))
            .collect()
    }

    #[test]
    fn splits_at_document_markers() {
        let text = "a: 1\n---\nb: 2\n--- # c\nc: 3\n---\n";
        assert_eq!(
            parts(text),
            [
                ("a: 1\n", 0),
                ("---\nb: 2\n", 1),
                ("--- # c\nc: 3\n", 3),
                ("---\n", 5)
            ]
        );
        // The parts are the text, in order.
        assert_eq!(split(text).iter().map(|p| p.text).collect::<String>(), text);
    }

    #[test]
    fn a_marker_with_content_after_it_starts_a_part() {
        assert_eq!(
            parts("---\na: 1\n--- {b: 2}\n---\tc\n"),
            [("---\na: 1\n", 0), ("--- {b: 2}\n", 2), ("---\tc\n", 3)]
        );
    }

    #[test]
    fn only_markers_at_column_zero_followed_by_a_blank() {
        for text in [
            "a: |\n  ---\n",
            "a: ---\n",
            "----\n",
            "---x: 1\n",
            "'a\n--'\n",
        ] {
            assert_eq!(split(text).len(), 1, "{text:?}");
        }
    }

    #[test]
    fn a_directive_keeps_its_marker() {
        assert_eq!(
            parts("a: 1\n...\n%YAML 1.2\n# note\n---\nb: 2\n---\nc: 3\n"),
            [
                ("a: 1\n...\n%YAML 1.2\n# note\n---\nb: 2\n", 0),
                ("---\nc: 3\n", 6)
            ]
        );
    }

    #[test]
    fn lines_are_counted_as_yaml_counts_them() {
        // `\r\n` is one break, a `\r` alone is one too.
        assert_eq!(
            parts("a: 1\r\n---\r\nb: 2\rc: 3\n---\nd: 4"),
            [
                ("a: 1\r\n", 0),
                ("---\r\nb: 2\rc: 3\n", 1),
                ("---\nd: 4", 4)
            ]
        );
    }

    #[test]
    fn an_empty_text_is_one_empty_part() {
        assert_eq!(parts(""), [("", 0)]);
    }

    /// A stream as the loader reads it, and the same stream loaded through
    /// a cache that holds an earlier text's parts, give the same: objects,
    /// origins, errors, unknown fields, at the same lines, within the same
    /// budgets.
    mod props {
        use super::super::super::{load, load_cached, Input, Limits};
        use super::*;
        use proptest::prelude::*;

        const DOCS: &[&str] = &[
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {slector: {app: web}}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: web}}\nstatus: {podIP: 10.1.0.1}\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, imagePullPolcy: Always}]}\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: l1}}\n- {apiVersion: v1, kind: Pod, metadata: {name: l2}, spec: 3}\n",
            "foo: bar\n",
            "a: [1,\n",
            "key: 'unterminated\n",
            "x: &anchor {b: 1}\ny: *anchor\nz: *nothing\n",
            "# only a comment\n",
            "",
            "...\n",
            "%YAML 1.1\n",
            "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: crlf}\r\n",
            "apiVersion: v1\rkind: Pod\rmetadata: {name: cr, namespace: x}\r",
            "--- {apiVersion: v1, kind: Pod, metadata: {name: inline}}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\n  labels: {a: b}\nspec:\n  containers:\n  - name: c\n    ports: [{containerPort: 80, containerport: 81}]\n",
        ];
        const SEPARATORS: &[&str] = &["---\n", "--- # next\n", "---\r\n", "\n---\n"];

        fn text(items: &[(usize, usize)]) -> String {
            let mut t = String::new();
            for (i, (doc, sep)) in items.iter().enumerate() {
                if i > 0 {
                    t.push_str(SEPARATORS[sep % SEPARATORS.len()]);
                }
                t.push_str(DOCS[doc % DOCS.len()]);
            }
            t
        }

        fn limits() -> impl Strategy<Value = Limits> {
            prop_oneof![
                Just(Limits::default()),
                (1usize..6, 10usize..120, 1usize..8).prop_map(|(docs, nodes, alias)| Limits {
                    max_documents: docs,
                    max_nodes: nodes,
                    max_alias_expansion: alias,
                    ..Limits::default()
                }),
            ]
        }

        proptest! {
            #[test]
            fn a_cached_load_is_a_load(
                texts in prop::collection::vec(prop::collection::vec((0usize..64, 0usize..8), 0..8), 1..5),
                limits in limits(),
            ) {
                let mut cache = PartCache::default();
                for items in &texts {
                    let t = text(items);
                    let input = Input { name: "m.yaml", text: &t };
                    let plain = load(&[input], &limits);
                    let cached = load_cached(&input, &limits, &mut cache);
                    prop_assert_eq!(format!("{plain:?}"), format!("{cached:?}"), "{:?}", t);
                }
            }
        }
    }
}
