//! Loading manifests: YAML streams (`---`), JSON (one object, several
//! concatenated, or an array), `kind: List` and `kubectl get -o yaml|json`
//! output, from any number of sources, into model objects with their origin.
//!
//! Bad input is data: every problem becomes a [`LoadError`] naming the file
//! and, where known, line and column; loading goes on with the next
//! document. Unknown kinds are kept aside as [`Ignored`] with a note.

mod object;
pub mod yaml;

use crate::model::{Object, ObjectKey};
use crate::objects::Origin;
use object::{AnyObject, Unknown};
use serde::Serialize;
use serde_json::value::RawValue;
use std::fmt;
pub use yaml::Limits;

/// One input: a name for messages (a file path, `<stdin>`) and its text.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// A problem with the input, located as precisely as possible.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadError {
    pub file: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
    /// The message is an object's error, worded as `check` words them
    /// (`<Kind> <ns>/<name>: <field.path>: <ErrorType>: <detail>`); it is
    /// printed first, the place after it.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub object: bool,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = |f: &mut fmt::Formatter<'_>| -> fmt::Result {
            f.write_str(&self.file)?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            Ok(())
        };
        if self.object {
            write!(f, "{} (", self.message)?;
            place(f)?;
            f.write_str(")")
        } else {
            place(f)?;
            write!(f, ": {}", self.message)
        }
    }
}

/// An object of a kind svcscope does not model, kept aside.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ignored {
    pub api_version: String,
    pub kind: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub origin: Origin,
    pub note: String,
}

/// Everything read from the inputs.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub objects: Vec<(Object, Origin)>,
    pub ignored: Vec<Ignored>,
    pub errors: Vec<LoadError>,
}

/// Turns a file's bytes into text as kubectl reads files: UTF-8, or UTF-16
/// when a byte order mark says so. Bad bytes are an error at their line
/// and column.
pub fn decode(bytes: Vec<u8>) -> Result<String, (usize, usize, String)> {
    let utf16 = |be: bool| {
        let units = bytes[2..].chunks(2).map(|c| match (be, c) {
            (true, [a, b]) => u16::from_be_bytes([*a, *b]),
            (false, [a, b]) => u16::from_le_bytes([*a, *b]),
            // An odd byte out decodes as the replacement character.
            _ => 0xFFFD,
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => return Ok(utf16(false)),
        Some([0xFE, 0xFF]) => return Ok(utf16(true)),
        _ => {}
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = &bytes[..bad];
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let column = 1 + String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count();
        (
            line,
            column,
            format!("not UTF-8 text (byte 0x{:02x})", bytes[bad]),
        )
    })
}

/// Loads every input, in order.
pub fn load(inputs: &[Input], limits: &Limits) -> Loaded {
    let mut out = Loaded::default();
    for input in inputs {
        load_one(input, limits, &mut out);
    }
    out
}

/// Whether svcscope models objects of `kind` (others are kept aside as
/// ignored).
pub fn is_modelled_kind(kind: &str) -> bool {
    object::served_versions(kind).is_some()
}

/// The UTF-16 column (1-based) of the `column`th character (1-based) of
/// line `line` of `text`: what JavaScript editors count.
pub fn utf16_column(text: &str, line: usize, column: usize) -> usize {
    let Some(l) = text.split('\n').nth(line.saturating_sub(1)) else {
        return column;
    };
    let before: usize = l
        .chars()
        .take(column.saturating_sub(1))
        .map(char::len_utf16)
        .sum();
    // A column past the line's end (an error at its end) keeps the excess.
    let excess = column.saturating_sub(1).saturating_sub(l.chars().count());
    1 + before + excess
}

/// Reads one object from a manifest text (YAML or JSON), as
/// `Cluster::apply` takes it from a face that holds a parsed document.
pub fn parse_object(text: &str) -> Result<Object, crate::error::Error> {
    let loaded = load_str("<object>", text, &Limits::default());
    let bad = |message: String| crate::error::Error::BadObject { message };
    if let Some(e) = loaded.errors.first() {
        return Err(bad(e.to_string()));
    }
    if let Some(i) = loaded.ignored.first() {
        return Err(bad(format!("{} {}: {}", i.kind, i.name, i.note)));
    }
    let mut objects = loaded.objects;
    match objects.len() {
        1 => Ok(objects.remove(0).0),
        0 => Err(bad("no object given".into())),
        n => Err(bad(format!("{n} objects given; apply takes one"))),
    }
}

/// Loads one input text.
pub fn load_str(name: &str, text: &str, limits: &Limits) -> Loaded {
    load(&[Input { name, text }], limits)
}

fn load_one(input: &Input, limits: &Limits, out: &mut Loaded) {
    let err = |line: Option<usize>, column: Option<usize>, message: String| LoadError {
        file: input.name.to_string(),
        line,
        column,
        message,
        object: false,
    };
    if input.text.len() > limits.max_bytes {
        out.errors.push(err(
            None,
            None,
            format!(
                "input is {} bytes, more than the limit of {} bytes",
                input.text.len(),
                limits.max_bytes
            ),
        ));
        return;
    }
    let text = input.text.strip_prefix('\u{feff}').unwrap_or(input.text);
    let mut sink = Sink {
        file: input.name,
        origin_file: input.name.into(),
        out,
        count: 0,
        max: limits.max_documents,
    };
    if looks_like_json(text) {
        load_json(text, &mut sink);
    } else {
        load_yaml(text, limits, &mut sink);
    }
}

/// JSON starts with `{` or `[`; YAML flow style could too, and is parsed
/// correctly either way, but JSON is the fast path for big `-o json` dumps.
fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

/// Collects decoded objects, enforcing the object count limit.
struct Sink<'a> {
    file: &'a str,
    /// Shared by every object of the file.
    origin_file: std::sync::Arc<str>,
    out: &'a mut Loaded,
    count: usize,
    max: usize,
}

impl Sink<'_> {
    fn error(&mut self, line: Option<usize>, column: Option<usize>, message: String) {
        self.push_error(line, column, message, false);
    }

    /// An error; `object` when it is worded as `check` words an object's.
    fn push_error(
        &mut self,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
        object: bool,
    ) {
        self.out.errors.push(LoadError {
            file: self.file.to_string(),
            line,
            column,
            message,
            object,
        });
    }

    /// Takes one decoded value (an item of a list of `item_kind` objects
    /// when that is given); returns false once the limit is hit.
    fn take(
        &mut self,
        obj: AnyObject,
        line: Option<usize>,
        path: Option<String>,
        item_kind: Option<&str>,
    ) -> bool {
        // Where in a list the object sits, for messages (only worded when
        // one is written).
        let at = |path: &Option<String>| {
            path.as_deref()
                .map(|p| format!(" at {p}"))
                .unwrap_or_default()
        };
        let obj = match obj {
            AnyObject::List { kind, items } => {
                // `kubectl get` emits `kind: List`; the API emits `PodList`
                // etc. whose items may omit their kind.
                let item_kind = list_item_kind(kind.as_deref());
                self.out.objects.reserve(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let p = match &path {
                        Some(p) => format!("{p}.items[{i}]"),
                        None => format!("items[{i}]"),
                    };
                    if !self.take(item, line, Some(p), item_kind) {
                        return false;
                    }
                }
                return true;
            }
            obj => obj,
        };
        self.count += 1;
        if self.count > self.max {
            self.error(
                line,
                None,
                format!(
                    "more than {} objects in one input; the rest is not read",
                    self.max
                ),
            );
            return false;
        }
        let obj = match obj {
            AnyObject::Kindless(k) => match item_kind {
                Some(kind) => match k.with_kind(kind.to_string()) {
                    Ok(obj) => obj,
                    Err(e) => {
                        let at = at(&path);
                        self.error(line, None, format!("{kind}{at}: {e}"));
                        return true;
                    }
                },
                None => {
                    let what = if k.api_version.is_some_and(|v| !v.is_empty()) {
                        "kind"
                    } else {
                        "apiVersion and kind"
                    };
                    let at = at(&path);
                    self.error(
                        line,
                        None,
                        format!("not a Kubernetes object{at}: missing {what}"),
                    );
                    return true;
                }
            },
            obj => obj,
        };
        let origin = |path: Option<String>| Origin {
            file: std::sync::Arc::clone(&self.origin_file),
            line,
            path,
            // The engine numbers objects as they enter it.
            seq: 0,
        };
        match obj {
            AnyObject::Object(o) => {
                if o.metadata().name.is_empty() {
                    // The line `check` prints for an object's errors, after
                    // the position: the object cannot enter the cluster.
                    let meta = o.metadata();
                    let ns = ObjectKey::of(&o).namespace;
                    let detail = if meta.generate_name.as_deref().is_some_and(|g| !g.is_empty()) {
                        "the apiserver completes generateName on create; svcscope needs the name"
                    } else {
                        "name or generateName is required"
                    };
                    let at = at(&path);
                    self.push_error(
                        line,
                        None,
                        format!("{} {ns}/: metadata.name: Required: {detail}{at}", o.kind()),
                        true,
                    );
                } else {
                    let origin = origin(path);
                    self.out.objects.push((o, origin));
                }
            }
            AnyObject::Unknown(u) => {
                let Unknown {
                    kind,
                    api_version,
                    metadata,
                } = *u;
                let origin = origin(path);
                self.out.ignored.push(Ignored {
                    note: format!("kind {kind} does not affect Services; ignored"),
                    api_version,
                    kind,
                    namespace: metadata.namespace,
                    name: metadata.name,
                    origin,
                });
            }
            AnyObject::Unserved(u) => {
                let served = object::served_versions(&u.kind).unwrap_or_default();
                let ns = match u.metadata.namespace.as_deref() {
                    Some(ns) if !ns.is_empty() => ns,
                    _ if matches!(u.kind.as_str(), "Node" | "Namespace") => "",
                    _ => crate::model::DEFAULT_NAMESPACE,
                };
                let at = at(&path);
                self.error(
                    line,
                    None,
                    format!(
                        "{} {ns}/{}{at}: no matches for kind \"{}\" in version \"{}\"; the API serves it as {}",
                        u.kind,
                        u.metadata.name,
                        u.kind,
                        u.api_version,
                        served.join(", ")
                    ),
                );
            }
            // Lists and kindless objects were handled above.
            AnyObject::List { .. } | AnyObject::Kindless(_) => {}
        }
        true
    }
}

fn load_json(text: &str, sink: &mut Sink) {
    if text.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<AnyObject>>(text) {
            Ok(objs) => {
                for (i, o) in objs.into_iter().enumerate() {
                    if !sink.take(o, None, Some(format!("[{i}]")), None) {
                        return;
                    }
                }
            }
            // A bad element: read the others one by one.
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                match serde_json::from_str::<Vec<&RawValue>>(text) {
                    Ok(raw) => take_json_items(text, &raw, "", None, sink),
                    Err(_) => sink.error(Some(e.line()), Some(e.column()), json_message(&e)),
                }
            }
            Err(e) => sink.error(Some(e.line()), Some(e.column()), json_message(&e)),
        }
        return;
    }
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<AnyObject>();
    // Where `stream` started reading (it restarts after a bad list).
    let mut base = 0;
    let mut start = 0;
    let mut line = 1;
    loop {
        // Skip whitespace so the line is where the object starts.
        let rest = &text[start..];
        let skipped = rest.len() - rest.trim_start().len();
        line += text.as_bytes()[start..start + skipped]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        match stream.next() {
            None => return,
            Some(Ok(obj)) => {
                if !sink.take(obj, Some(line), None, None) {
                    return;
                }
                let end = base + stream.byte_offset();
                line += text.as_bytes()[start + skipped..end]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                start = end;
            }
            Some(Err(e)) => {
                // A list with a bad item: read its items one by one, so
                // the others still load and every bad one is reported.
                let rest = &text[start + skipped..];
                let list = (e.classify() == serde_json::error::Category::Data)
                    .then(|| json_list(rest))
                    .flatten();
                match list {
                    Some((list, len)) => {
                        let item_kind = list_item_kind(list.kind.as_deref());
                        take_json_items(text, &list.items, "items", item_kind, sink);
                        line += text.as_bytes()[start + skipped..start + skipped + len]
                            .iter()
                            .filter(|b| **b == b'\n')
                            .count();
                        start += skipped + len;
                        stream = serde_json::Deserializer::from_str(&text[start..])
                            .into_iter::<AnyObject>();
                        base = start;
                    }
                    None => {
                        let (l, c) = position_in(text, base, e.line(), e.column());
                        sink.error(Some(l), Some(c), json_message(&e));
                        return;
                    }
                }
            }
        }
    }
}

/// The 1-based line and column in `text` of a position given relative to
/// `text[offset..]`.
fn position_in(text: &str, offset: usize, line: usize, column: usize) -> (usize, usize) {
    LineCursor::new(text).position(offset, line, column)
}

/// Turns byte offsets, visited in increasing order, into lines and columns
/// in one pass over the text.
struct LineCursor<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
    line_start: usize,
}

impl<'a> LineCursor<'a> {
    fn new(text: &'a str) -> Self {
        LineCursor {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The line and column of a position given relative to `offset`.
    fn position(&mut self, offset: usize, line: usize, column: usize) -> (usize, usize) {
        let to = offset.min(self.text.len());
        for (i, b) in self.text[self.offset.min(to)..to].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.offset + i + 1;
            }
        }
        self.offset = self.offset.max(to);
        if line <= 1 {
            (self.line, to - self.line_start + column.max(1))
        } else {
            (self.line + line - 1, column)
        }
    }
}

/// The items of a list, kept as text to be read one by one.
#[derive(serde::Deserialize)]
struct RawList<'a> {
    kind: Option<String>,
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

/// The list document at the start of `text` and its length, if it is one.
fn json_list(text: &str) -> Option<(RawList<'_>, usize)> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let raw = stream.next()?.ok()?;
    let len = stream.byte_offset();
    let list: RawList = serde_json::from_str(raw.get()).ok()?;
    Some((list, len))
}

/// The kind of a typed list's items (`PodList` → `Pod`).
fn list_item_kind(kind: Option<&str>) -> Option<&str> {
    kind.and_then(|k| k.strip_suffix("List"))
        .filter(|k| !k.is_empty())
}

/// Reads list items one at a time; a bad one is reported where it is.
fn take_json_items(
    text: &str,
    items: &[&RawValue],
    prefix: &str,
    item_kind: Option<&str>,
    sink: &mut Sink,
) {
    let mut cursor = LineCursor::new(text);
    for (i, raw) in items.iter().enumerate() {
        // The item's place in the whole text, for positions.
        let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        match serde_json::from_str::<AnyObject>(raw.get()) {
            Ok(obj) => {
                let (line, _) = cursor.position(offset, 1, 1);
                if !sink.take(obj, Some(line), Some(format!("{prefix}[{i}]")), item_kind) {
                    return;
                }
            }
            Err(e) => {
                let (l, c) = cursor.position(offset, e.line(), e.column());
                sink.error(Some(l), Some(c), json_message(&e));
            }
        }
    }
}

/// serde_json appends " at line L column C"; the location is printed
/// separately, so drop it from the message.
fn json_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

fn load_yaml(text: &str, limits: &Limits, sink: &mut Sink) {
    let docs = match yaml::parse_documents(text, limits) {
        Ok(d) => d,
        Err(e) => {
            let (l, c) = e
                .pos
                .map_or((None, None), |p| (Some(p.line), Some(p.column)));
            sink.error(l, c, e.message);
            return;
        }
    };
    for doc in docs {
        match yaml::from_node::<Option<AnyObject>>(&doc.root) {
            Ok(Some(obj)) => {
                if !sink.take(obj, Some(doc.pos.line), None, None) {
                    return;
                }
            }
            Ok(None) => {}
            Err(e) => match doc.root.get("items").map(|n| &n.kind) {
                // A list with a bad item: read its items one by one.
                Some(yaml::NodeKind::Seq(items)) => {
                    let kind = doc.root.get("kind").and_then(yaml::Node::as_str);
                    let item_kind = list_item_kind(kind);
                    for (i, item) in items.iter().enumerate() {
                        match yaml::from_node::<Option<AnyObject>>(item) {
                            Ok(Some(obj)) => {
                                let path = Some(format!("items[{i}]"));
                                if !sink.take(obj, Some(item.pos.line), path, item_kind) {
                                    return;
                                }
                            }
                            Ok(None) => {}
                            Err(e) => yaml_error(sink, e, item.pos),
                        }
                    }
                }
                _ => yaml_error(sink, e, doc.pos),
            },
        }
    }
}

/// Reports a decode error at its position, or at `fallback`'s line.
fn yaml_error(sink: &mut Sink, e: yaml::YamlError, fallback: yaml::Pos) {
    let (l, c) = e.pos.map_or((Some(fallback.line), None), |p| {
        (Some(p.line), Some(p.column))
    });
    sink.error(l, c, e.message);
}
