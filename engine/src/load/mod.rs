//! Loading manifests: YAML streams (`---`), JSON (one object, several
//! concatenated, or an array), `kind: List` and `kubectl get -o yaml|json`
//! output, from any number of sources, into model objects with their origin.
//!
//! Bad input is data: every problem becomes a [`LoadError`] naming the file
//! and, where known, line and column; loading goes on with the next
//! document. Unknown kinds are kept aside as [`Ignored`] with a note.
//! Fields a modelled kind does not have are found as objects are decoded
//! ([`unknown`], against the table of [`schema`]) and kept as
//! [`UnknownField`]s, at the key's line and column.

mod object;
mod parts;
pub mod schema;
mod unknown;
pub mod yaml;

use crate::field::{go_quote, FieldError, ObjectError, UnknownField, DECODING};
use crate::model::{Object, ObjectKey};
use crate::objects::Origin;
use object::{AnyObject, Unknown};
pub use parts::PartCache;
use serde::Serialize;
use serde_json::value::RawValue;
use std::fmt;
use unknown::Found;
pub use yaml::Limits;
use yaml::Spent;

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
    /// Fields the objects' kinds do not have, in input order. Their
    /// namespace is the object's as written ("" when it names none).
    pub unknown_fields: Vec<UnknownField>,
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
        let line = 1 + newlines(before);
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
        load_one(input, limits, &mut out, None);
    }
    out
}

/// Loads one input that was loaded before with `cache`: the parts of a
/// YAML stream that are as they were are taken from the cache, the others
/// parsed; the cache then holds this text's parts. The result is what
/// [`load`] gives.
pub fn load_cached(input: &Input, limits: &Limits, cache: &mut PartCache) -> Loaded {
    let mut out = Loaded::default();
    load_one(input, limits, &mut out, Some(cache));
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
    parse_checked(text).map(|(object, _)| object)
}

/// [`parse_object`], with the fields its kind does not have.
pub(crate) fn parse_checked(
    text: &str,
) -> Result<(Object, Vec<UnknownField>), crate::error::Error> {
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
        1 => Ok((objects.remove(0).0, loaded.unknown_fields)),
        0 => Err(bad("no object given".into())),
        n => Err(bad(format!("{n} objects given; apply takes one"))),
    }
}

/// Loads one input text.
pub fn load_str(name: &str, text: &str, limits: &Limits) -> Loaded {
    load(&[Input { name, text }], limits)
}

fn load_one(input: &Input, limits: &Limits, out: &mut Loaded, cache: Option<&mut PartCache>) {
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
        cursor: TextCursor::default(),
    };
    if looks_like_json(text) {
        load_json(text, &mut sink);
    } else {
        load_yaml_parts(text, limits, &mut sink, cache);
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
    /// Lines and columns of places in JSON text.
    cursor: TextCursor,
}

/// Where a decoded value came from, to place what is found in it: keys
/// lent from the JSON text are located by their address in it.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// JSON input.
    Json(&'a str),
    /// A YAML document, decoded as its JSON text.
    Yaml(&'a yaml::Json<'a>),
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
        place: Place,
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
                    if !self.take(item, line, Some(p), item_kind, place) {
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
            AnyObject::Object(o, found) => {
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
                    for f in found {
                        let field = self.unknown_field(&o, f, &origin, place);
                        self.out.unknown_fields.push(field);
                    }
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

impl Sink<'_> {
    /// What is found in `obj`, worded as `check` reports it, at the key.
    fn unknown_field(
        &mut self,
        obj: &Object,
        f: Found,
        origin: &Origin,
        place: Place,
    ) -> UnknownField {
        let schema = schema::schema();
        let key = f.key();
        let (line, column) = match place {
            Place::Json(text) => Some(f.key_addr)
                .and_then(|addr| addr.checked_sub(text.as_ptr() as usize))
                .filter(|offset| *offset < text.len())
                .map(|offset| {
                    // The key's opening quote.
                    let at = match offset.checked_sub(1) {
                        Some(q) if text.as_bytes()[q] == b'"' => q,
                        _ => offset,
                    };
                    self.cursor.position(text, at)
                })
                .map_or((origin.line, None), |(l, c)| (Some(l), Some(c))),
            Place::Yaml(json) => Some(f.key_addr)
                .and_then(|addr| addr.checked_sub(json.text.as_ptr() as usize))
                .and_then(|offset| json.key_at(offset))
                .map_or((origin.line, None), |k| {
                    (Some(k.pos.line), Some(k.pos.column))
                }),
        };
        let closest = crate::similar::closest(key, schema.fields(f.parent));
        let hint = closest.map(|(name, slip)| match slip {
            crate::similar::Slip::Edits(_) => format!("did you mean {}?", go_quote(name)),
            slip => format!("did you mean {}? ({})", go_quote(name), slip.describe()),
        });
        let detail = format!("{} has no field {}", schema.name(f.parent), go_quote(key));
        let meta = obj.metadata();
        UnknownField {
            error: ObjectError {
                line,
                column,
                hint,
                ..ObjectError::new(
                    obj.kind(),
                    meta.namespace.as_deref().unwrap_or(""),
                    &meta.name,
                    DECODING,
                    FieldError::unknown_field(f.field(), detail),
                    Some(origin.clone()),
                )
            },
            suggestion: closest.map(|(name, _)| name),
        }
    }
}

/// How many line feeds `bytes` holds. The JSON loader counts them after
/// every object, over the whole of a big dump: counted in blocks of at
/// most 255 bytes with a byte-wide sum, the loop is vectorized 16 or 32
/// bytes a step, where a plain count goes 4 bytes a step.
fn newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|block| {
            let n = block
                .iter()
                .fold(0u8, |n, b| n.wrapping_add(u8::from(*b == b'\n')));
            usize::from(n)
        })
        .sum()
}

/// Turns byte offsets of one text into lines and columns (characters),
/// moving forward through it: what is found in a big file is placed in
/// one pass.
#[derive(Debug, Default)]
struct TextCursor {
    offset: usize,
    line: usize,
    /// Characters between the line's start and `offset`.
    column: usize,
}

impl TextCursor {
    fn position(&mut self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        if offset < self.offset || self.line == 0 {
            *self = TextCursor {
                offset: 0,
                line: 1,
                column: 0,
            };
        }
        for b in &text.as_bytes()[self.offset..offset] {
            if *b == b'\n' {
                self.line += 1;
                self.column = 0;
            } else if (*b & 0xC0) != 0x80 {
                // Not a continuation byte: a character starts here.
                self.column += 1;
            }
        }
        self.offset = offset;
        (self.line, self.column + 1)
    }
}

fn load_json(text: &str, sink: &mut Sink) {
    if text.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<AnyObject>>(text) {
            Ok(objs) => {
                for (i, o) in objs.into_iter().enumerate() {
                    if !sink.take(o, None, Some(format!("[{i}]")), None, Place::Json(text)) {
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
        line += newlines(&text.as_bytes()[start..start + skipped]);
        match stream.next() {
            None => return,
            Some(Ok(obj)) => {
                if !sink.take(obj, Some(line), None, None, Place::Json(text)) {
                    return;
                }
                let end = base + stream.byte_offset();
                line += newlines(&text.as_bytes()[start + skipped..end]);
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
                        line += newlines(&text.as_bytes()[start + skipped..start + skipped + len]);
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
                let path = Some(format!("{prefix}[{i}]"));
                if !sink.take(obj, Some(line), path, item_kind, Place::Json(text)) {
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
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// Loads a YAML stream part by part ([`parts`]), each from what the parts
/// before it spent of the input's budgets. A part the cache holds is taken
/// from it when, from here, it stays within those budgets: parsed again, it
/// would give the same.
fn load_yaml_parts(
    text: &str,
    limits: &Limits,
    sink: &mut Sink,
    mut cache: Option<&mut PartCache>,
) {
    let mut old = cache.as_deref_mut().map(std::mem::take);
    let mut new = PartCache::default();
    let mut spent = Spent::default();
    for part in parts::split(text) {
        let count = sink.count;
        let fits = |p: &parts::PartLoad| {
            spent.and(p.spent).within(limits) && count.saturating_add(p.objects) <= sink.max
        };
        // A part given twice is parsed once.
        let kept = match new.get(part.text).filter(|p| fits(p)) {
            Some(p) => Some(p.clone()),
            None => old.as_mut().and_then(|c| c.take(part.text)).filter(fits),
        };
        let (load, go_on) = match kept {
            Some(p) => (p, true),
            None => load_part(part.text, limits, sink, spent),
        };
        spent = spent.and(load.spent);
        sink.count += load.objects;
        let loaded = if old.is_some() && go_on {
            let loaded = load.loaded.clone();
            new.put(part.text, load);
            loaded
        } else {
            load.loaded
        };
        append_shifted(sink.out, loaded, part.lines_before);
        if !go_on {
            break;
        }
    }
    if let Some(cache) = cache {
        *cache = new;
    }
}

/// Parses and decodes one part, its lines counted from its own first line;
/// false when a budget of the input ran out (nothing after it is read).
fn load_part(text: &str, limits: &Limits, sink: &Sink, before: Spent) -> (parts::PartLoad, bool) {
    let mut loaded = Loaded::default();
    let mut part = Sink {
        file: sink.file,
        origin_file: std::sync::Arc::clone(&sink.origin_file),
        out: &mut loaded,
        count: sink.count,
        max: sink.max,
        cursor: TextCursor::default(),
    };
    let (after, go_on) = load_yaml(text, limits, &mut part, before);
    let load = parts::PartLoad {
        spent: after.since(before),
        objects: part.count - sink.count,
        loaded,
    };
    (load, go_on)
}

/// Appends what a part gave, its lines moved down by `lines` (the part's
/// place in the text).
fn append_shifted(out: &mut Loaded, mut part: Loaded, lines: usize) {
    if lines > 0 {
        let shift = |l: &mut Option<usize>| {
            if let Some(l) = l {
                *l += lines;
            }
        };
        for (_, origin) in &mut part.objects {
            shift(&mut origin.line);
        }
        for i in &mut part.ignored {
            shift(&mut i.origin.line);
        }
        for e in &mut part.errors {
            shift(&mut e.line);
        }
        for u in &mut part.unknown_fields {
            shift(&mut u.error.line);
            if let Some(o) = &mut u.error.origin {
                shift(&mut o.line);
            }
        }
    }
    if out.objects.is_empty()
        && out.errors.is_empty()
        && out.ignored.is_empty()
        && out.unknown_fields.is_empty()
    {
        *out = part;
        return;
    }
    out.objects.append(&mut part.objects);
    out.ignored.append(&mut part.ignored);
    out.errors.append(&mut part.errors);
    out.unknown_fields.append(&mut part.unknown_fields);
}

/// Loads one part of a YAML stream into `sink`, from what earlier parts
/// spent; returns what has been spent with it, and false when a budget of
/// the input ran out.
fn load_yaml(text: &str, limits: &Limits, sink: &mut Sink, spent: Spent) -> (Spent, bool) {
    let parsed = match yaml::parse_stream(text, limits, spent) {
        Ok(p) => p,
        Err(e) => {
            let (l, c) = e
                .error
                .pos
                .map_or((None, None), |p| (Some(p.line), Some(p.column)));
            sink.error(l, c, e.error.message);
            return (e.spent, !e.exhausted);
        }
    };
    let spent = parsed.spent;
    for doc in &parsed.documents {
        if doc.root.kind == yaml::NodeKind::Null {
            continue;
        }
        let json = yaml::Json::of(&doc.root);
        match json.decode::<AnyObject>() {
            Ok(obj) => {
                if !sink.take(obj, Some(doc.pos.line), None, None, Place::Yaml(&json)) {
                    return (spent, false);
                }
            }
            Err(e) => match doc.root.get("items").map(|n| &n.kind) {
                // A list with a bad item: read its items one by one.
                Some(yaml::NodeKind::Seq(items)) => {
                    let kind = doc.root.get("kind").and_then(yaml::Node::as_str);
                    let item_kind = list_item_kind(kind);
                    for (i, item) in items.iter().enumerate() {
                        if item.kind == yaml::NodeKind::Null {
                            continue;
                        }
                        let json = yaml::Json::of(item);
                        match json.decode::<AnyObject>() {
                            Ok(obj) => {
                                let path = Some(format!("items[{i}]"));
                                let place = Place::Yaml(&json);
                                if !sink.take(obj, Some(item.pos.line), path, item_kind, place) {
                                    return (spent, false);
                                }
                            }
                            Err(e) => yaml_error(sink, e, item.pos),
                        }
                    }
                }
                _ => yaml_error(sink, e, doc.pos),
            },
        }
    }
    (spent, true)
}

/// Reports a decode error at its position, or at `fallback`'s line.
fn yaml_error(sink: &mut Sink, e: yaml::YamlError, fallback: yaml::Pos) {
    let (l, c) = e.pos.map_or((Some(fallback.line), None), |p| {
        (Some(p.line), Some(p.column))
    });
    sink.error(l, c, e.message);
}

#[cfg(test)]
mod tests {
    use super::newlines;
    use proptest::prelude::*;

    #[test]
    fn newlines_are_counted_across_blocks() {
        assert_eq!(newlines(b""), 0);
        assert_eq!(newlines(b"a\nb\r\nc"), 2);
        // 300 line feeds: more than a byte-wide sum of one block holds.
        assert_eq!(newlines(&[b'\n'; 300]), 300);
        assert_eq!(newlines(&[b'\n'; 255 * 4 + 1]), 255 * 4 + 1);
    }

    proptest! {
        #[test]
        fn newlines_equal_a_plain_count(bytes in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..2000)) {
            prop_assert_eq!(newlines(&bytes), bytes.iter().filter(|b| **b == b'\n').count());
        }
    }
}
