//! The YAML front end: text → a tree of [`Node`]s with source positions →
//! the tree as JSON text ([`Json`]), which the JSON decoder reads, as
//! kubectl reads YAML.
//!
//! This module owns everything YAML-specific: pulling events from
//! `saphyr-parser`, resolving plain scalars the way Kubernetes does
//! (sigs.k8s.io/yaml on top of go-yaml v2, i.e. YAML 1.1-ish), anchors,
//! aliases and `<<` merge keys, duplicate-key detection, the resource
//! [`Limits`], and the marks that turn a place in the JSON text back into
//! a node's `line:column`.
//!
//! It runs in WASM inside a browser page, where a panic kills the module, so
//! no input may make it panic, hang, or overflow the stack:
//! - the tree is built with an explicit stack, never by recursion over the
//!   input, and nesting is capped by [`Limits::max_depth`] (and hard-capped by
//!   [`MAX_DEPTH_CAP`], because dropping, cloning and writing a tree do
//!   recurse; the JSON decoder stops at 128 levels with an error);
//! - `saphyr-parser` is itself a state machine (no recursion) and stops flow
//!   nesting at 255 levels, which is reported as a nesting error;
//! - aliases are expanded by cloning, counted against
//!   [`Limits::max_alias_expansion`] *before* cloning (billion laughs guard),
//!   and every node, including clones, counts against [`Limits::max_nodes`].

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};

/// Hard ceiling on nesting depth, whatever [`Limits::max_depth`] says.
///
/// Dropping, cloning and converting a [`Node`] recurse once
/// per level; this keeps that well inside a 1 MiB WASM stack.
pub const MAX_DEPTH_CAP: usize = 512;

/// `saphyr-parser` refuses flow (`[`/`{`) nesting deeper than this.
const SAPHYR_FLOW_DEPTH: usize = 255;

/// Resource limits for [`parse_documents`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes (checked before parsing).
    pub max_bytes: usize,
    /// Most non-empty documents in one stream.
    pub max_documents: usize,
    /// Deepest nesting of sequences/mappings (the root collection is level
    /// 1). Capped at [`MAX_DEPTH_CAP`].
    pub max_depth: usize,
    /// Most nodes in the whole stream, including those produced by alias
    /// expansion and the copies kept for anchors.
    pub max_nodes: usize,
    /// Most nodes produced by alias expansion in the whole stream (the
    /// billion laughs guard).
    pub max_alias_expansion: usize,
    /// Read plain `y`, `Y`, `n`, `N` as booleans, as go-yaml v2 (and so
    /// kubectl) does. PyYAML does not; data files written for it need this
    /// off.
    pub short_bools: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024 * 1024,
            max_documents: 1_000_000,
            max_depth: 64,
            max_nodes: 10_000_000,
            max_alias_expansion: 100_000,
            short_bools: true,
        }
    }
}

/// A position in the source text. Both fields are 1-based; `column` counts
/// Unicode scalar values, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl Pos {
    fn from_marker(m: &Marker) -> Pos {
        // saphyr lines are 1-based, columns 0-based.
        Pos {
            line: m.line(),
            column: m.col().saturating_add(1),
        }
    }
}

/// What a node holds, after scalar resolution.
///
/// Mapping keys produced by [`parse_documents`] are always `Str`: a key
/// that resolves to an integer, boolean or float is stored as its JSON key
/// string (`1: x` → `"1"`, `yes: x` → `"true"`), as sigs.k8s.io/yaml does.
/// Hand-built trees may use other scalar keys; they are converted the same
/// way when read.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// Any integer that fits in `i64`.
    Int(i64),
    /// Integers in `i64::MAX+1 ..= u64::MAX`.
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML node and where it starts in the source.
///
/// Nodes copied by an alias keep the positions of the anchored original.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub pos: Pos,
}

impl Node {
    pub fn new(kind: NodeKind, pos: Pos) -> Node {
        Node { kind, pos }
    }

    /// The string, if this is a string node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value under `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| key_text(k).ok().as_deref() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// A short human name for the kind of node ("integer", "mapping", ...).
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Int(_) | NodeKind::UInt(_) => "integer",
            NodeKind::Float(_) => "float",
            NodeKind::Str(_) => "string",
            NodeKind::Seq(_) => "sequence",
            NodeKind::Map(_) => "mapping",
        }
    }
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
    /// Where the document starts (its `---`, or its first token).
    pub pos: Pos,
}

/// A parse or decode error. Displays as `LINE:COL: message` when the
/// position is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Option<Pos>,
    pub message: String,
}

impl YamlError {
    fn new(pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError {
            pos: Some(pos),
            message: message.into(),
        }
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for YamlError {}

// ---------------------------------------------------------------------------
// Parsing: events → tree
// ---------------------------------------------------------------------------

/// Parses a multi-document YAML (or JSON) stream.
///
/// Empty documents (a trailing `---`, a document of only comments) are
/// dropped. Any error aborts the whole stream.
pub fn parse_documents(src: &str, limits: &Limits) -> Result<Vec<Document>, YamlError> {
    parse_stream(src, limits, Spent::default())
        .map(|p| p.documents)
        .map_err(|e| e.error)
}

/// What the parse of a stream spent of the budgets [`Limits`] sets for a
/// whole input. An input split into parts is parsed one part at a time,
/// each starting from what the parts before it spent, so the budgets hold
/// for the input as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub nodes: usize,
    pub alias_nodes: usize,
    /// Non-empty documents.
    pub documents: usize,
}

impl Spent {
    /// What `self` and then `more` spend together.
    pub fn and(self, more: Spent) -> Spent {
        Spent {
            nodes: self.nodes.saturating_add(more.nodes),
            alias_nodes: self.alias_nodes.saturating_add(more.alias_nodes),
            documents: self.documents.saturating_add(more.documents),
        }
    }

    /// What was spent since `before` (a part's share of the input's).
    pub fn since(self, before: Spent) -> Spent {
        Spent {
            nodes: self.nodes.saturating_sub(before.nodes),
            alias_nodes: self.alias_nodes.saturating_sub(before.alias_nodes),
            documents: self.documents.saturating_sub(before.documents),
        }
    }

    /// Whether this much is within the limits.
    pub fn within(self, limits: &Limits) -> bool {
        self.nodes <= limits.max_nodes
            && self.alias_nodes <= limits.max_alias_expansion
            && self.documents <= limits.max_documents
    }
}

/// A stream's documents and what parsing them spent.
#[derive(Debug)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub spent: Spent,
}

/// Why a stream did not parse.
#[derive(Debug)]
pub struct StreamError {
    pub error: YamlError,
    /// A budget of the whole input ran out: nothing after is read.
    pub exhausted: bool,
    /// What was spent up to the error.
    pub spent: Spent,
}

/// [`parse_documents`], starting from what earlier parts of the same
/// input spent.
pub fn parse_stream(src: &str, limits: &Limits, spent: Spent) -> Result<Parsed, StreamError> {
    if src.len() > limits.max_bytes {
        return Err(StreamError {
            error: YamlError {
                pos: None,
                message: format!(
                    "input is {} bytes, more than the limit of {} bytes",
                    src.len(),
                    limits.max_bytes
                ),
            },
            exhausted: true,
            spent,
        });
    }
    let mut b = Builder::new(src, limits, spent);
    match b.run() {
        Ok(()) => Ok(Parsed {
            spent: b.spent(),
            documents: b.docs,
        }),
        Err(error) => Err(StreamError {
            error,
            exhausted: b.exhausted,
            spent: b.spent(),
        }),
    }
}

/// A finished node plus what alias accounting needs to know about it.
struct Built {
    node: Node,
    /// Nodes in the subtree, keys included.
    count: usize,
    /// Collection levels in the subtree (a scalar is 0).
    height: usize,
    /// A plain, untagged `<<` (or `!!merge <<`).
    merge_key: bool,
    /// The implicit empty scalar saphyr emits for an empty document.
    empty: bool,
}

enum Pending {
    Key(Node),
    Merge,
}

#[derive(Default)]
struct MapFrame {
    entries: Vec<(Node, Node)>,
    /// Explicit keys seen so far (for duplicates, and so they win merges).
    seen: BTreeSet<String>,
    pending: Option<Pending>,
    /// Where the `<<` key stood, so merged entries go there.
    merge_at: Option<usize>,
    /// Mappings to merge, highest precedence first.
    merge_sources: Vec<Vec<(Node, Node)>>,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map(MapFrame),
}

struct Frame {
    pos: Pos,
    anchor: usize,
    count: usize,
    child_height: usize,
    kind: FrameKind,
}

struct Anchored {
    node: Node,
    count: usize,
    height: usize,
}

struct Builder<'s> {
    src: &'s str,
    limits: Limits,
    depth_limit: usize,
    nodes: usize,
    alias_nodes: usize,
    anchors: BTreeMap<usize, Anchored>,
    stack: Vec<Frame>,
    root: Option<Built>,
    doc_pos: Pos,
    docs: Vec<Document>,
    /// Documents of earlier parts of the input.
    earlier_docs: usize,
    /// A budget of the whole input ran out.
    exhausted: bool,
}

impl<'s> Builder<'s> {
    fn new(src: &'s str, limits: &Limits, spent: Spent) -> Self {
        Builder {
            src,
            limits: *limits,
            depth_limit: limits.max_depth.min(MAX_DEPTH_CAP),
            nodes: spent.nodes,
            alias_nodes: spent.alias_nodes,
            anchors: BTreeMap::new(),
            stack: Vec::new(),
            root: None,
            doc_pos: Pos { line: 1, column: 1 },
            docs: Vec::new(),
            earlier_docs: spent.documents,
            exhausted: false,
        }
    }

    fn spent(&self) -> Spent {
        Spent {
            nodes: self.nodes,
            alias_nodes: self.alias_nodes,
            documents: self.earlier_docs.saturating_add(self.docs.len()),
        }
    }

    fn run(&mut self) -> Result<(), YamlError> {
        let mut parser = Parser::new_from_str(self.src);
        loop {
            let (event, span) = match parser.next_event() {
                None => break,
                Some(Ok(ev)) => ev,
                Some(Err(e)) => return Err(self.scan_error(&e)),
            };
            let pos = Pos::from_marker(&span.start);
            match event {
                Event::Nothing | Event::StreamStart => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    self.doc_pos = pos;
                    // Anchors are per document (saphyr keeps them across).
                    self.anchors.clear();
                    self.stack.clear();
                    self.root = None;
                }
                Event::DocumentEnd => self.end_document()?,
                Event::Alias(id) => self.alias(id, pos, span.start.index())?,
                Event::Scalar(value, style, anchor, tag) => {
                    self.count_nodes(1, pos)?;
                    let empty = value.is_empty()
                        && style == ScalarStyle::Plain
                        && anchor == 0
                        && tag.is_none();
                    let (kind, merge_key) = resolve_scalar(
                        value.into_owned(),
                        style,
                        tag.as_deref(),
                        pos,
                        self.limits.short_bools,
                    )?;
                    let built = Built {
                        node: Node::new(kind, pos),
                        count: 1,
                        height: 0,
                        merge_key,
                        empty,
                    };
                    self.finish(built, anchor)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(pos, anchor, FrameKind::Seq(Vec::new()))?
                }
                Event::MappingStart(anchor, _) => {
                    self.open(pos, anchor, FrameKind::Map(MapFrame::default()))?
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(pos)?,
            }
        }
        Ok(())
    }

    fn scan_error(&self, e: &ScanError) -> YamlError {
        let pos = Pos::from_marker(e.marker());
        let message = match e.info() {
            "recursion limit exceeded" => format!(
                "nesting deeper than {} levels",
                self.depth_limit.min(SAPHYR_FLOW_DEPTH)
            ),
            "while parsing node, found unknown anchor" => {
                format!("unknown alias {}", self.alias_name(e.marker().index()))
            }
            other => other.to_string(),
        };
        YamlError::new(pos, message)
    }

    /// `*name` at a char index, for messages (errors only, so O(n) is fine).
    fn alias_name(&self, char_index: usize) -> String {
        let rest = self.src.chars().skip(char_index);
        let name: String = rest
            .take(200)
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .collect();
        if name.starts_with('*') {
            name
        } else {
            String::new()
        }
    }

    fn count_nodes(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            self.exhausted = true;
            return Err(YamlError::new(
                pos,
                format!("more than {} nodes", self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    fn depth_error(&self, pos: Pos) -> YamlError {
        YamlError::new(
            pos,
            format!("nesting deeper than {} levels", self.depth_limit),
        )
    }

    fn open(&mut self, pos: Pos, anchor: usize, kind: FrameKind) -> Result<(), YamlError> {
        self.count_nodes(1, pos)?;
        if self.stack.len() >= self.depth_limit {
            return Err(self.depth_error(pos));
        }
        self.stack.push(Frame {
            pos,
            anchor,
            count: 1,
            child_height: 0,
            kind,
        });
        Ok(())
    }

    fn close(&mut self, end: Pos) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Err(YamlError::new(end, "unbalanced collection end"));
        };
        let kind = match frame.kind {
            FrameKind::Seq(items) => NodeKind::Seq(items),
            FrameKind::Map(m) => {
                if m.pending.is_some() {
                    return Err(YamlError::new(end, "mapping key without a value"));
                }
                NodeKind::Map(apply_merges(m))
            }
        };
        let built = Built {
            node: Node::new(kind, frame.pos),
            count: frame.count,
            height: frame.child_height + 1,
            merge_key: false,
            empty: false,
        };
        self.finish(built, frame.anchor)
    }

    fn alias(&mut self, id: usize, pos: Pos, char_index: usize) -> Result<(), YamlError> {
        let Some(a) = self.anchors.get(&id) else {
            let name = self.alias_name(char_index);
            let why = if self.stack.iter().any(|f| f.anchor == id) {
                "refers to a node that contains it (recursive alias)"
            } else {
                "has no anchor in this document"
            };
            return Err(YamlError::new(pos, format!("alias {name} {why}")));
        };
        let (count, height) = (a.count, a.height);
        // Check every budget before cloning anything.
        self.alias_nodes = self.alias_nodes.saturating_add(count);
        if self.alias_nodes > self.limits.max_alias_expansion {
            self.exhausted = true;
            return Err(YamlError::new(
                pos,
                format!(
                    "alias expansion exceeds {} nodes (possible billion laughs)",
                    self.limits.max_alias_expansion
                ),
            ));
        }
        if self.stack.len().saturating_add(height) > self.depth_limit {
            return Err(self.depth_error(pos));
        }
        self.count_nodes(count, pos)?;
        let node = self.anchors.get(&id).map(|a| a.node.clone());
        let Some(node) = node else {
            return Err(YamlError::new(pos, "alias vanished"));
        };
        let built = Built {
            empty: false,
            // go-yaml only treats a `<<` scalar node as the merge key, never
            // an alias to one.
            merge_key: false,
            node,
            count,
            height,
        };
        self.finish(built, 0)
    }

    /// Records an anchor, then hands the node to its parent (or makes it the
    /// document root).
    fn finish(&mut self, built: Built, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            // The anchor's copy is real memory: count it.
            self.count_nodes(built.count, built.node.pos)?;
            self.anchors.insert(
                anchor,
                Anchored {
                    node: built.node.clone(),
                    count: built.count,
                    height: built.height,
                },
            );
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(built);
            return Ok(());
        };
        parent.count = parent.count.saturating_add(built.count);
        parent.child_height = parent.child_height.max(built.height);
        match &mut parent.kind {
            FrameKind::Seq(items) => items.push(built.node),
            FrameKind::Map(m) => match m.pending.take() {
                None => m.pending = Some(key_pending(m, built)?),
                Some(Pending::Key(k)) => m.entries.push((k, built.node)),
                Some(Pending::Merge) => add_merge_source(m, built.node)?,
            },
        }
        Ok(())
    }

    fn end_document(&mut self) -> Result<(), YamlError> {
        self.stack.clear();
        let Some(root) = self.root.take() else {
            return Ok(());
        };
        if root.empty {
            return Ok(());
        }
        if self.spent().documents >= self.limits.max_documents {
            self.exhausted = true;
            return Err(YamlError::new(
                self.doc_pos,
                format!("more than {} documents", self.limits.max_documents),
            ));
        }
        self.docs.push(Document {
            root: root.node,
            pos: self.doc_pos,
        });
        Ok(())
    }
}

/// Turns a finished node into a mapping key: checks it is a scalar, converts
/// it to its JSON key string and rejects duplicates.
fn key_pending(m: &mut MapFrame, built: Built) -> Result<Pending, YamlError> {
    let pos = built.node.pos;
    if built.merge_key {
        if m.merge_at.is_some() {
            return Err(YamlError::new(pos, "duplicate key \"<<\""));
        }
        m.merge_at = Some(m.entries.len());
        return Ok(Pending::Merge);
    }
    let text = match &built.node.kind {
        NodeKind::Null => {
            return Err(YamlError::new(
                pos,
                "mapping key is null; quote it if a string is meant",
            ))
        }
        NodeKind::Seq(_) | NodeKind::Map(_) => {
            return Err(YamlError::new(
                pos,
                format!(
                    "mapping key is a {}; only scalar keys are supported",
                    built.node.kind_name()
                ),
            ))
        }
        _ => key_text(&built.node)?.into_owned(),
    };
    if m.seen.contains(&text) {
        return Err(YamlError::new(pos, format!("duplicate key {text:?}")));
    }
    m.seen.insert(text.clone());
    Ok(Pending::Key(Node::new(NodeKind::Str(text), pos)))
}

const MERGE_NEEDS_MAP: &str = "map merge requires a mapping or a sequence of mappings as the value";

/// go-yaml v2: `<<: {map}` or `<<: [map, map]`; earlier maps in the list
/// take precedence over later ones.
fn add_merge_source(m: &mut MapFrame, value: Node) -> Result<(), YamlError> {
    let pos = value.pos;
    match value.kind {
        NodeKind::Map(entries) => m.merge_sources.push(entries),
        NodeKind::Seq(items) => {
            for item in items {
                match item.kind {
                    NodeKind::Map(entries) => m.merge_sources.push(entries),
                    _ => return Err(YamlError::new(item.pos, MERGE_NEEDS_MAP)),
                }
            }
        }
        _ => return Err(YamlError::new(pos, MERGE_NEEDS_MAP)),
    }
    Ok(())
}

/// Splices merged entries in where `<<` stood, as go-yaml v2 (and so
/// kubectl) does: merged keys override keys written before `<<`, keys
/// written after it override merged ones, and of several merged maps the
/// first one listed wins.
fn apply_merges(m: MapFrame) -> Vec<(Node, Node)> {
    let MapFrame {
        mut entries,
        merge_at,
        merge_sources,
        ..
    } = m;
    let Some(at) = merge_at else {
        return entries;
    };
    let tail = entries.split_off(at.min(entries.len()));
    let text = |k: &Node| key_text(k).ok().map(Cow::into_owned);
    let mut after = BTreeSet::new();
    after.extend(tail.iter().filter_map(|(k, _)| text(k)));
    let mut merged = Vec::new();
    let mut merged_keys = BTreeSet::new();
    for source in merge_sources {
        for (k, v) in source {
            let Some(t) = text(&k) else { continue };
            if !after.contains(&t) && merged_keys.insert(t) {
                merged.push((k, v));
            }
        }
    }
    entries.retain(|(k, _)| text(k).is_none_or(|t| !merged_keys.contains(&t)));
    entries.extend(merged);
    entries.extend(tail);
    entries
}

/// The JSON object key for a scalar key node.
fn key_text(node: &Node) -> Result<Cow<'_, str>, YamlError> {
    Ok(match &node.kind {
        NodeKind::Str(s) => Cow::Borrowed(s.as_str()),
        NodeKind::Int(i) => Cow::Owned(i.to_string()),
        NodeKind::UInt(u) => Cow::Owned(u.to_string()),
        NodeKind::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        NodeKind::Float(f) => Cow::Owned(float_key(*f)),
        NodeKind::Null => Cow::Borrowed("null"),
        NodeKind::Seq(_) | NodeKind::Map(_) => {
            return Err(YamlError::new(
                node.pos,
                format!(
                    "mapping key is a {}; only scalar keys are supported",
                    node.kind_name()
                ),
            ))
        }
    })
}

fn float_key(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f == f64::INFINITY {
        ".inf".into()
    } else if f == f64::NEG_INFINITY {
        "-.inf".into()
    } else {
        f.to_string()
    }
}

// ---------------------------------------------------------------------------
// Scalar resolution (go-yaml v2 `resolve`, as used by sigs.k8s.io/yaml)
// ---------------------------------------------------------------------------

/// What a plain scalar means.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str,
    Merge,
}

impl Resolved {
    fn short_tag(self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::UInt(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Str => "!!str",
            Resolved::Merge => "!!merge",
        }
    }
}

/// Resolves a plain (unquoted, untagged) scalar exactly as go-yaml v2 does,
/// since that is what `kubectl` and the apiserver see:
/// - `~`, `null`, `Null`, `NULL` and the empty string are null;
/// - YAML 1.1 booleans: `y Y yes Yes YES true True TRUE on On ON` and
///   `n N no No NO false False FALSE off Off OFF`;
/// - `.nan`, `[+-].inf` in their three spellings are floats;
/// - `<<` is the merge key;
/// - a scalar starting with a digit or sign, with every `_` removed, is an
///   integer if Go's `strconv.ParseInt(s, 0, 64)` accepts it (decimal,
///   `0x` hex, `0o` or leading-`0` octal, `0b` binary), else an unsigned
///   one if `ParseUint` does, else a float if it matches go-yaml's float
///   pattern and does not overflow (so `08` is the float 8 and an
///   out-of-range integer becomes a float, as in go-yaml v2);
/// - a scalar starting with `.` is a float if `ParseFloat` accepts it;
/// - anything else is a string (timestamps stay strings: go-yaml v2 keeps
///   them as strings when decoding into `interface{}`).
fn resolve_plain(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false)
        }
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        "<<" => return Resolved::Merge,
        _ => {}
    }
    match s.as_bytes().first() {
        Some(b'.') => go_float(s).map_or(Resolved::Str, Resolved::Float),
        Some(b'+' | b'-' | b'0'..=b'9') => {
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                Resolved::Int(i)
            } else if let Some(u) = go_parse_uint(&plain) {
                Resolved::UInt(u)
            } else {
                go_float(&plain).map_or(Resolved::Str, Resolved::Float)
            }
        }
        _ => Resolved::Str,
    }
}

/// Whether a plain scalar reads back as the string itself (for emitters
/// deciding when to quote).
pub(crate) fn plain_is_string(s: &str) -> bool {
    matches!(resolve_plain(s), Resolved::Str)
}

/// A float in go-yaml's pattern that Go's `ParseFloat` accepts (it fails
/// with a range error on overflow).
fn go_float(s: &str) -> Option<f64> {
    if !is_go_style_float(s) {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
/// (For the `.` hint go-yaml calls `ParseFloat` directly; on inputs that
/// start with `.` the two accept the same decimal forms.)
fn is_go_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no underscores: go-yaml strips them).
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (radix, digits) = if b[0] == b'0' {
        match b.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if b.len() >= 3 => (2, &s[2..]),
            Some(b'o') if b.len() >= 3 => (8, &s[2..]),
            Some(b'x') if b.len() >= 3 => (16, &s[2..]),
            _ => (8, &s[1..]),
        }
    } else {
        (10, s)
    };
    if digits.is_empty() {
        // "0" itself.
        return Some(0);
    }
    // from_str_radix would accept a leading '+'; Go does not here.
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest.is_empty() {
        return None;
    }
    let u = go_parse_uint(rest)?;
    if neg {
        if u <= i64::MAX as u64 {
            Some(-(u as i64))
        } else if u == i64::MAX as u64 + 1 {
            Some(i64::MIN)
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// Core-schema tags we act on.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    Merge,
}

fn core_tag(tag: &Tag) -> Option<CoreTag> {
    // `!` alone is the non-specific tag: "not plain", i.e. a string.
    if tag.handle.is_empty() && tag.suffix == "!" {
        return Some(CoreTag::Str);
    }
    // `!!x` arrives as (handle "tag:yaml.org,2002:", suffix "x"), a verbatim
    // `!<tag:yaml.org,2002:x>` as (handle "", suffix "tag:...:x").
    let suffix = if tag.handle == "tag:yaml.org,2002:" {
        tag.suffix.as_str()
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix("tag:yaml.org,2002:")?
    } else {
        return None;
    };
    Some(match suffix {
        // go-yaml v2 would base64-decode !!binary; manifests don't use it
        // outside Secret `data`, which is a string field anyway.
        "str" | "binary" | "timestamp" => CoreTag::Str,
        "int" => CoreTag::Int,
        "float" => CoreTag::Float,
        "bool" => CoreTag::Bool,
        "null" => CoreTag::Null,
        "merge" => CoreTag::Merge,
        _ => return None,
    })
}

/// Resolves one scalar event. Returns the node kind and whether it is the
/// merge key `<<`. A scalar with an unknown tag is a string.
fn resolve_scalar(
    value: String,
    style: ScalarStyle,
    tag: Option<&Tag>,
    pos: Pos,
    short_bools: bool,
) -> Result<(NodeKind, bool), YamlError> {
    let plain = style == ScalarStyle::Plain;
    if plain && !short_bools && matches!(value.as_str(), "y" | "Y" | "n" | "N") && tag.is_none() {
        return Ok((NodeKind::Str(value), false));
    }
    let Some(tag) = tag.and_then(core_tag) else {
        // go-yaml v2 leaves a scalar with a tag it does not know as text.
        if !plain || tag.is_some() {
            return Ok((NodeKind::Str(value), false));
        }
        return Ok(match resolve_plain(&value) {
            Resolved::Merge => (NodeKind::Str(value), true),
            r => (resolved_kind(r, value), false),
        });
    };
    // With an explicit tag go-yaml resolves the text whatever its style and
    // fails if the result does not fit the tag.
    let r = resolve_plain(&value);
    let kind = match (tag, r) {
        (CoreTag::Str, _) => NodeKind::Str(value),
        (CoreTag::Merge, _) => return Ok((NodeKind::Str(value.clone()), value == "<<")),
        (CoreTag::Int, Resolved::Int(_) | Resolved::UInt(_))
        | (CoreTag::Float, Resolved::Float(_))
        | (CoreTag::Bool, Resolved::Bool(_))
        | (CoreTag::Null, Resolved::Null) => resolved_kind(r, value),
        (CoreTag::Float, Resolved::Int(i)) => NodeKind::Float(i as f64),
        (CoreTag::Float, Resolved::UInt(u)) => NodeKind::Float(u as f64),
        _ => {
            let want = match tag {
                CoreTag::Int => "!!int",
                CoreTag::Float => "!!float",
                CoreTag::Bool => "!!bool",
                _ => "!!null",
            };
            let got = match r {
                Resolved::Merge => "!!str",
                other => other.short_tag(),
            };
            return Err(YamlError::new(
                pos,
                format!("cannot decode {got} `{value}` as a {want}"),
            ));
        }
    };
    Ok((kind, false))
}

fn resolved_kind(r: Resolved, value: String) -> NodeKind {
    match r {
        Resolved::Null => NodeKind::Null,
        Resolved::Bool(b) => NodeKind::Bool(b),
        Resolved::Int(i) => NodeKind::Int(i),
        Resolved::UInt(u) => NodeKind::UInt(u),
        Resolved::Float(f) => NodeKind::Float(f),
        Resolved::Str | Resolved::Merge => NodeKind::Str(value),
    }
}

// ---------------------------------------------------------------------------
// JSON conversion
// ---------------------------------------------------------------------------

/// A float that sigs.k8s.io/yaml hands on as an integer: it converts YAML
/// to JSON with Go's `json.Marshal`, which writes whole floats below 1e21
/// without a fraction (`80.0`, `1e3` and `08` become `80`, `1000` and `8`),
/// so integer fields take them.
fn whole_number(f: f64) -> Option<i64> {
    // 2^63 as a float: every whole float below it fits an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.fract() == 0.0 && f.abs() < LIMIT).then_some(f as i64)
}

// This and `Json::float` stay out of the recursive functions that call
// them, whose frames (deep trees recurse once per level) they would
// otherwise grow.

#[inline(never)]
fn float_json(f: f64) -> serde_json::Value {
    match whole_number(f) {
        Some(i) => serde_json::Value::from(i),
        None => serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
    }
}

/// Converts a node to JSON. Non-finite floats become `null` (JSON has no
/// NaN/Infinity); keys are converted as described on [`NodeKind`], with a
/// collection key (only possible in hand-built trees) becoming its JSON
/// text.
pub fn to_json_value(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Int(i) => Value::from(*i),
        NodeKind::UInt(u) => Value::from(*u),
        NodeKind::Float(f) => float_json(*f),
        NodeKind::Str(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json_value).collect()),
        NodeKind::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let key = match key_text(k) {
                    Ok(t) => t.into_owned(),
                    Err(_) => to_json_value(k).to_string(),
                };
                map.insert(key, to_json_value(v));
            }
            Value::Object(map)
        }
    }
}

// ---------------------------------------------------------------------------
// Decoding: a node as JSON text
// ---------------------------------------------------------------------------
//
// kubectl decodes YAML by converting it to JSON (sigs.k8s.io/yaml) and
// decoding that; so does svcscope. One decoder for both formats keeps
// their messages alike, and every type's decoding exists once in the wasm
// module instead of once per format. Marks tie places in the JSON text back
// to the nodes, for positions.

/// A node written as compact JSON (one line), with the node behind each
/// place of the text.
pub struct Json<'n> {
    pub text: String,
    /// In the order of their offsets.
    marks: Vec<Mark<'n>>,
}

struct Mark<'n> {
    offset: usize,
    node: &'n Node,
    key: bool,
}

/// Writes the JSON text of a tree.
struct Writer<'n> {
    bytes: Vec<u8>,
    marks: Vec<Mark<'n>>,
}

impl<'n> Json<'n> {
    /// `node` as JSON: keys converted as described on [`NodeKind`] (a
    /// collection key, only possible in hand-built trees, becomes its JSON
    /// text), non-finite floats as `null` (JSON has none), whole floats as
    /// integers (go-yaml hands them on so).
    pub fn of(node: &'n Node) -> Json<'n> {
        let mut w = Writer {
            bytes: Vec::new(),
            marks: Vec::new(),
        };
        w.value(node);
        Json {
            // Only UTF-8 was written: strings as they were, the rest ASCII.
            text: String::from_utf8(w.bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            marks: w.marks,
        }
    }

    /// The key whose text starts at byte `offset` of the JSON text.
    pub fn key_at(&self, offset: usize) -> Option<&'n Node> {
        let i = self.marks.partition_point(|m| m.offset < offset);
        self.marks[i..]
            .iter()
            .take_while(|m| m.offset == offset)
            .find(|m| m.key)
            .map(|m| m.node)
    }

    /// The node the decoder was reading at byte `offset`: the last one
    /// begun (or ended) there or before.
    fn node_at(&self, offset: usize) -> Option<&'n Node> {
        let i = self.marks.partition_point(|m| m.offset <= offset);
        self.marks[..i].last().map(|m| m.node)
    }

    /// `T` decoded from the text; errors at their node.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, YamlError> {
        serde_json::from_str(&self.text).map_err(|e| self.error(&e))
    }

    /// A decoding error of the JSON text, at its node, worded for YAML
    /// where YAML makes the difference: a plain scalar that YAML reads as
    /// a number, boolean or null where a string is wanted.
    fn error(&self, e: &serde_json::Error) -> YamlError {
        let message = super::json_message(e);
        // The text is one line; serde_json counts columns in bytes, up to
        // where it stopped reading.
        let Some(node) = self.node_at(e.column()) else {
            return YamlError { pos: None, message };
        };
        let scalar = !matches!(
            node.kind,
            NodeKind::Str(_) | NodeKind::Seq(_) | NodeKind::Map(_)
        );
        if scalar
            && message.starts_with("invalid type: ")
            && message.ends_with(", expected a string")
        {
            return not_a_string(node);
        }
        YamlError::new(node.pos, message)
    }
}

impl<'n> Writer<'n> {
    fn mark(&mut self, offset: usize, node: &'n Node, key: bool) {
        self.marks.push(Mark { offset, node, key });
    }

    /// A scalar or string, written (and escaped) as serde_json writes the
    /// loader's results.
    fn scalar<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.bytes, v);
    }

    fn value(&mut self, node: &'n Node) {
        self.mark(self.bytes.len(), node, false);
        match &node.kind {
            NodeKind::Null => self.bytes.extend_from_slice(b"null"),
            NodeKind::Bool(b) => self.scalar(b),
            NodeKind::Int(i) => self.scalar(i),
            NodeKind::UInt(u) => self.scalar(u),
            NodeKind::Float(f) => self.float(*f),
            NodeKind::Str(s) => self.scalar(s.as_str()),
            NodeKind::Seq(items) => {
                self.bytes.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.bytes.push(b',');
                    }
                    self.value(item);
                }
                self.bytes.push(b']');
                // Just past the end, where the decoder reports what the
                // whole collection lacks (a missing field).
                self.mark(self.bytes.len(), node, false);
            }
            NodeKind::Map(entries) => {
                self.bytes.push(b'{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.bytes.push(b',');
                    }
                    let key = match key_text(k) {
                        Ok(t) => t,
                        Err(_) => Cow::Owned(to_json_value(k).to_string()),
                    };
                    // The key's text starts after its opening quote.
                    self.mark(self.bytes.len() + 1, k, true);
                    self.scalar(key.as_ref());
                    self.bytes.push(b':');
                    self.value(v);
                }
                self.bytes.push(b'}');
                self.mark(self.bytes.len(), node, false);
            }
        }
    }

    #[inline(never)]
    fn float(&mut self, f: f64) {
        match whole_number(f) {
            Some(i) => self.scalar(&i),
            // serde_json writes non-finite floats as null.
            None => self.scalar(&f),
        }
    }
}

/// Deserializes `T` from a node, through its JSON text. Errors carry the
/// position of the offending node (for a missing field, the mapping's).
pub fn from_node<T: serde::de::DeserializeOwned>(node: &Node) -> Result<T, YamlError> {
    Json::of(node).decode()
}

/// The "quote it" error for a string field holding a resolved plain scalar,
/// as kubectl rejects `name: 8080` for a string.
fn not_a_string(node: &Node) -> YamlError {
    let found = match &node.kind {
        NodeKind::Null => {
            "null (an empty or `~`/`null` value is null in YAML); quote it if a string is meant"
                .to_string()
        }
        NodeKind::Bool(b) => {
            format!("boolean {b} (y/n, yes/no, on/off and true/false are booleans in the YAML kubectl reads); quote it")
        }
        NodeKind::Int(i) => format!("integer {i}; quote it"),
        NodeKind::UInt(u) => format!("integer {u}; quote it"),
        NodeKind::Float(f) => format!("float {}; quote it", float_key(*f)),
        _ => node.kind_name().to_string(),
    };
    YamlError::new(node.pos, format!("expected a string, found {found}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    fn parse(src: &str) -> Result<Vec<Document>, YamlError> {
        parse_documents(src, &Limits::default())
    }

    fn json_docs(src: &str) -> Vec<serde_json::Value> {
        parse(src)
            .unwrap_or_else(|e| panic!("{src:?}: {e}"))
            .iter()
            .map(|d| to_json_value(&d.root))
            .collect()
    }

    fn one(src: &str) -> serde_json::Value {
        let mut v = json_docs(src);
        assert_eq!(v.len(), 1, "{src:?}");
        v.remove(0)
    }

    fn err(src: &str) -> String {
        match parse(src) {
            Ok(d) => panic!("{src:?} parsed: {d:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn p(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn multi_document_stream_with_start_and_end_markers() {
        let src = "a: 1\n---\nb: 2\n...\n---\n- x\n...\n";
        let docs = parse(src).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(to_json_value(&docs[0].root), json!({"a": 1}));
        assert_eq!(to_json_value(&docs[1].root), json!({"b": 2}));
        assert_eq!(to_json_value(&docs[2].root), json!(["x"]));
        assert_eq!(docs[0].pos, p(1, 1));
        assert_eq!(docs[1].pos, p(2, 1));
        assert_eq!(docs[2].pos, p(5, 1));
        assert_eq!(docs[1].root.pos, p(3, 1));
    }

    #[test]
    fn whole_floats_reach_integer_fields_as_go_yaml_hands_them_on() {
        #[derive(Deserialize)]
        struct Port {
            port: i32,
        }
        for (src, want) in [("port: 80.0", 80), ("port: 1e3", 1000), ("port: 08", 8)] {
            let docs = parse(src).unwrap();
            let got: Port = from_node(&docs[0].root).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(got.port, want, "{src}");
            assert_eq!(
                to_json_value(&docs[0].root),
                json!({ "port": want }),
                "{src}"
            );
        }
        let docs = parse("port: 80.5").unwrap();
        assert!(from_node::<Port>(&docs[0].root).is_err());
        assert_eq!(to_json_value(&docs[0].root), json!({"port": 80.5}));
    }

    #[test]
    fn empty_and_comment_only_documents_are_dropped() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# just a comment\n").unwrap().is_empty());
        assert!(parse("---\n").unwrap().is_empty());
        let docs = json_docs("---\n# c\n---\na: 1\n---\n# trailing\n...\n---\n");
        assert_eq!(docs, vec![json!({"a": 1})]);
        // An explicit null is a document, not an empty one.
        assert_eq!(
            json_docs("--- null\n--- ~\n"),
            vec![json!(null), json!(null)]
        );
    }

    #[test]
    fn anchors_and_aliases() {
        let v = one("base: &b {x: 1, z: [a, b]}\ncopy: *b\nname: &n web\nagain: *n\n");
        assert_eq!(
            v,
            json!({"base": {"x": 1, "z": ["a", "b"]}, "copy": {"x": 1, "z": ["a", "b"]},
                   "name": "web", "again": "web"})
        );
        // Redefining an anchor: later aliases see the newest one.
        assert_eq!(one("[&a 1, *a, &a 2, *a]"), json!([1, 1, 2, 2]));
    }

    #[test]
    fn alias_errors() {
        assert_eq!(err("a: *nope\n"), "1:4: unknown alias *nope");
        assert_eq!(err("é: [ü, *nope]\n"), "1:8: unknown alias *nope");
        // Anchors do not carry across documents.
        assert_eq!(
            err("a: &x 1\n---\nb: *x\n"),
            "3:4: alias *x has no anchor in this document"
        );
        assert_eq!(
            err("&r [1, *r]"),
            "1:8: alias *r refers to a node that contains it (recursive alias)"
        );
    }

    #[test]
    fn merge_keys() {
        let src = "\
defaults: &d
  port: 80
  protocol: TCP
extra: &e
  name: e
  port: 1
svc:
  <<: *d
  port: 8080
both:
  <<: [*e, *d]
inline:
  name: mine
  <<: {name: theirs, z: 1}
";
        let v = one(src);
        assert_eq!(v["svc"], json!({"port": 8080, "protocol": "TCP"}));
        // Earlier maps in the list win over later ones.
        assert_eq!(
            v["both"],
            json!({"name": "e", "port": 1, "protocol": "TCP"})
        );
        // As in go-yaml v2, a merge overrides keys written before `<<`;
        // keys written after it win (`svc` above).
        assert_eq!(v["inline"], json!({"name": "theirs", "z": 1}));
        // Merged entries go where `<<` stood.
        let docs = parse(src).unwrap();
        let keys: Vec<_> = match &docs[0].root.get("svc").unwrap().kind {
            NodeKind::Map(e) => e.iter().map(|(k, _)| k.as_str().unwrap()).collect(),
            _ => unreachable!(),
        };
        assert_eq!(keys, ["protocol", "port"]);
        // A quoted "<<" is an ordinary key.
        assert_eq!(one("'<<': {a: 1}"), json!({"<<": {"a": 1}}));
        assert_eq!(
            err("a:\n  <<: 3\n"),
            "2:7: map merge requires a mapping or a sequence of mappings as the value"
        );
        assert_eq!(
            err("a:\n  <<: [{x: 1}, 2]\n"),
            "2:16: map merge requires a mapping or a sequence of mappings as the value"
        );
        assert_eq!(err("<<: {a: 1}\n<<: {b: 2}\n"), "2:1: duplicate key \"<<\"");
    }

    #[test]
    fn duplicate_keys_are_rejected_at_the_second_occurrence() {
        assert_eq!(
            err("metadata:\n  name: a\n  labels: {}\n  name: b\n"),
            "4:3: duplicate key \"name\""
        );
        // Keys compare as their JSON strings, as after sigs.k8s.io/yaml.
        assert_eq!(err("{1: a, \"1\": b}"), "1:8: duplicate key \"1\"");
        assert_eq!(err("yes: a\ntrue: b\n"), "2:1: duplicate key \"true\"");
        // go-yaml v2 quirk kept on purpose: a `y` key is the boolean true.
        assert_eq!(err("y: 1\nY: 2\n"), "2:1: duplicate key \"true\"");
        // The same key in different mappings is fine.
        assert_eq!(
            one("a: {x: 1}\nb: {x: 2}"),
            json!({"a": {"x": 1}, "b": {"x": 2}})
        );
    }

    #[test]
    fn keys_must_be_scalars_and_not_null() {
        assert_eq!(
            err("[a, b]: c\n"),
            "1:1: mapping key is a sequence; only scalar keys are supported"
        );
        assert_eq!(
            err("? {a: 1}\n: c\n"),
            "1:3: mapping key is a mapping; only scalar keys are supported"
        );
        assert_eq!(
            err("~: c\n"),
            "1:1: mapping key is null; quote it if a string is meant"
        );
    }

    #[test]
    fn non_string_keys_become_json_key_strings() {
        assert_eq!(
            one("1: a\n0x10: b\nyes: c\n1.5: d\n\"quoted key\": e\n'single': f\n"),
            json!({"1": "a", "16": "b", "true": "c", "1.5": "d", "quoted key": "e", "single": "f"})
        );
        // ... and still parse into integer-keyed maps.
        let doc = &parse("80: http\n443: https\n").unwrap()[0].root;
        let m: BTreeMap<u16, String> = from_node(doc).unwrap();
        assert_eq!(m[&443], "https");
        let m: BTreeMap<String, String> = from_node(doc).unwrap();
        assert_eq!(m["80"], "http");
    }

    #[test]
    fn depth_limit() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(parse_documents("a: {b: [1]}", &limits).is_ok());
        let e = parse_documents("a: {b: [[1]]}", &limits).unwrap_err();
        assert_eq!(e.to_string(), "1:9: nesting deeper than 3 levels");
        let e = parse_documents("a:\n  b:\n    c:\n      d: 1\n", &limits).unwrap_err();
        assert_eq!(e.to_string(), "4:7: nesting deeper than 3 levels");
        // Aliases cannot smuggle depth past the limit.
        let e = parse_documents("a: &x [[1]]\nb: [*x]\n", &limits).unwrap_err();
        assert_eq!(e.to_string(), "2:5: nesting deeper than 3 levels");
        // The default is 64 levels.
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(err(&deep), "1:65: nesting deeper than 64 levels");
        // The hard cap applies whatever the caller asks for.
        let limits = Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        };
        let deep = "- ".repeat(MAX_DEPTH_CAP + 1);
        let e = parse_documents(&deep, &limits).unwrap_err();
        assert!(e.message.contains("nesting deeper than 512 levels"), "{e}");
    }

    #[test]
    fn deepest_allowed_tree_fits_a_wasm_sized_stack() {
        // wasm32-unknown-unknown gets a 1 MiB stack by default; the tree at
        // the hard depth cap must build, convert, decode, clone and drop in
        // that (debug build, so with generous frames).
        let worker = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| {
                let limits = Limits {
                    max_depth: usize::MAX,
                    ..Limits::default()
                };
                let n = MAX_DEPTH_CAP;
                // Alternating block sequences and mappings, one space of
                // indentation per level.
                let src: String = (0..n)
                    .map(|i| format!("{}{}\n", " ".repeat(i), if i % 2 == 0 { "-" } else { "a:" }))
                    .collect();
                let docs = parse_documents(&src, &limits).unwrap();
                let one_less = Limits {
                    max_depth: n - 1,
                    ..limits
                };
                assert!(parse_documents(&src, &one_less).is_err());
                let v = to_json_value(&docs[0].root);
                assert_eq!(Json::of(&docs[0].root).text, v.to_string());
                // Deeper than the JSON decoder goes: an error, not a crash.
                let e = from_node::<serde_json::Value>(&docs[0].root).unwrap_err();
                assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
                let copy = docs.clone();
                drop(docs);
                drop(copy);
            })
            .unwrap();
        worker.join().unwrap();
    }

    #[test]
    fn huge_nesting_fails_fast_and_cleanly() {
        let indented: String = (0..2_000)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect();
        for src in [
            "[".repeat(200_000),
            "{".repeat(200_000),
            "- ".repeat(200_000),
            "[{a: ".repeat(100_000),
            indented,
        ] {
            let open = &src[..4];
            let start = Instant::now();
            let e = parse(&src).unwrap_err();
            assert!(e.message.contains("nesting deeper than"), "{open:?}: {e}");
            assert!(e.pos.is_some());
            assert!(start.elapsed() < Duration::from_secs(5), "{open:?} slow");
        }
        assert_eq!(
            err(&"[".repeat(200_000)),
            "1:256: nesting deeper than 64 levels"
        );
    }

    #[test]
    fn billion_laughs_is_stopped() {
        let mut src = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(", ");
            src.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        let start = Instant::now();
        let e = parse(&src).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(
            e.message == "alias expansion exceeds 100000 nodes (possible billion laughs)",
            "{e}"
        );
        assert!(e.pos.is_some());
        // Small expansions are fine.
        let ok = "a: &a [1, 2]\nb: [*a, *a, *a]\n";
        assert_eq!(one(ok)["b"], json!([[1, 2], [1, 2], [1, 2]]));
    }

    #[test]
    fn size_document_and_node_limits() {
        let small = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let e = parse_documents("a: 123456789", &small).unwrap_err();
        assert_eq!(e.pos, None);
        assert!(e.message.contains("more than the limit of 10 bytes"), "{e}");

        let two = Limits {
            max_documents: 2,
            ..Limits::default()
        };
        assert!(parse_documents("a\n---\nb\n---\n", &two).is_ok());
        let e = parse_documents("a\n---\nb\n---\nc\n", &two).unwrap_err();
        assert_eq!(e.to_string(), "4:1: more than 2 documents");

        let few = Limits {
            max_nodes: 5,
            ..Limits::default()
        };
        assert!(parse_documents("[1, 2, 3, 4]", &few).is_ok());
        let e = parse_documents("[1, 2, 3, 4, 5]", &few).unwrap_err();
        assert_eq!(e.to_string(), "1:14: more than 5 nodes");
    }

    #[test]
    fn scalar_resolution_follows_go_yaml_v2() {
        let cases: &[(&str, serde_json::Value)] = &[
            // nulls
            ("", json!(null)),
            ("~", json!(null)),
            ("null", json!(null)),
            ("Null", json!(null)),
            ("NULL", json!(null)),
            ("nULL", json!("nULL")),
            // YAML 1.1 booleans
            ("true", json!(true)),
            ("True", json!(true)),
            ("TRUE", json!(true)),
            ("yes", json!(true)),
            ("Yes", json!(true)),
            ("YES", json!(true)),
            ("y", json!(true)),
            ("Y", json!(true)),
            ("on", json!(true)),
            ("On", json!(true)),
            ("ON", json!(true)),
            ("false", json!(false)),
            ("no", json!(false)),
            ("N", json!(false)),
            ("off", json!(false)),
            ("OFF", json!(false)),
            ("tRUE", json!("tRUE")),
            ("yEs", json!("yEs")),
            // integers
            ("0", json!(0)),
            ("42", json!(42)),
            ("-17", json!(-17)),
            ("+17", json!(17)),
            ("1_000", json!(1000)),
            ("0x1F", json!(31)),
            ("-0x10", json!(-16)),
            ("0o17", json!(15)),
            ("017", json!(15)),
            ("0b101", json!(5)),
            ("9223372036854775807", json!(i64::MAX)),
            ("-9223372036854775808", json!(i64::MIN)),
            ("18446744073709551615", json!(u64::MAX)),
            // go-yaml v2 quirks: invalid octal and overflow fall back to
            // float (whole floats convert to JSON integers, as Go's
            // json.Marshal writes them)
            ("08", json!(8)),
            ("18446744073709551616", json!(18446744073709551616.0)),
            // floats
            ("1.5", json!(1.5)),
            ("-2.5e3", json!(-2500)),
            ("1.", json!(1)),
            (".5", json!(0.5)),
            ("1e3", json!(1000)),
            // non-finite floats have no JSON form
            (".inf", json!(null)),
            ("-.Inf", json!(null)),
            (".NaN", json!(null)),
            // strings
            ("1e999", json!("1e999")),
            ("0x", json!("0x")),
            ("0xZZ", json!("0xZZ")),
            ("1.2.3", json!("1.2.3")),
            ("2024-01-02", json!("2024-01-02")),
            ("12:30", json!("12:30")),
            ("-x", json!("-x")),
            ("y", json!(true)),
            ("n", json!(false)),
            ("abc", json!("abc")),
            ("_1", json!("_1")),
            ("inf", json!("inf")),
            ("nan", json!("nan")),
        ];
        for (text, want) in cases {
            let got = one(&format!("v: {text}\n"))["v"].clone();
            assert_eq!(&got, want, "plain {text:?}");
        }
        // Quoted and block scalars are always strings.
        assert_eq!(
            one("a: \"8080\"\nb: 'true'\nc: |\n  42\nd: >\n  null\ne: ''\n"),
            json!({"a": "8080", "b": "true", "c": "42\n", "d": "null\n", "e": ""})
        );
        // The kinds themselves.
        let d = &parse("[0x10, 18446744073709551615, 1.5, yes, ~]").unwrap()[0].root;
        let NodeKind::Seq(items) = &d.kind else {
            panic!()
        };
        let kinds: Vec<_> = items.iter().map(|n| n.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                NodeKind::Int(16),
                NodeKind::UInt(u64::MAX),
                NodeKind::Float(1.5),
                NodeKind::Bool(true),
                NodeKind::Null
            ]
        );
        let d = &parse("x: .nan").unwrap()[0].root;
        assert!(matches!(d.get("x").unwrap().kind, NodeKind::Float(f) if f.is_nan()));
    }

    #[test]
    fn tags_are_respected_and_unknown_tags_make_strings() {
        assert_eq!(
            one("a: !!str 123\nb: !!int \"12\"\nc: !!float 1\nd: !!bool \"yes\"\ne: ! 12\nf: !!null ''\ng: !custom 7\nh: !!str\ni: !<tag:yaml.org,2002:int> '0x10'\n"),
            json!({"a": "123", "b": 12, "c": 1, "d": true, "e": "12", "f": null, "g": "7", "h": "", "i": 16})
        );
        assert_eq!(
            err("a: !!int abc"),
            "1:4: cannot decode !!str `abc` as a !!int"
        );
        assert_eq!(
            err("a: !!bool 1"),
            "1:4: cannot decode !!int `1` as a !!bool"
        );
        // A tagged collection is just a collection.
        assert_eq!(one("!!map {a: !!seq [1]}"), json!({"a": [1]}));
    }

    #[test]
    fn json_input_is_yaml() {
        let src = r#"{"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"ports": [{"port": 80, "targetPort": "http"}], "clusterIP": null,
                     "x": [true, false, -1.5, "\u00e9\n\"q\""]}}"#;
        let want: serde_json::Value = serde_json::from_str(src).unwrap();
        assert_eq!(one(src), want);
        assert_eq!(one("[]"), json!([]));
        assert_eq!(one("{}"), json!({}));
        assert_eq!(one("\"\""), json!(""));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Port {
        name: Option<String>,
        port: u16,
        #[serde(default)]
        target_port: Option<IntOrString>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i32),
        Str(String),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Spec {
        ports: Vec<Port>,
        #[serde(rename = "type", default)]
        kind: Option<ServiceType>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum ServiceType {
        ClusterIP,
        NodePort,
    }

    fn decode<T: for<'a> Deserialize<'a>>(src: &str) -> Result<T, YamlError> {
        let docs = parse(src)?;
        from_node(&docs[0].root)
    }

    #[test]
    fn derived_structs_decode() {
        let spec: Spec = decode(
            "type: NodePort\nports:\n- name: http\n  port: 80\n  targetPort: 8080\n  extra: [ignored, {x: 1}]\n- port: 443\n  targetPort: https\n",
        )
        .unwrap();
        assert_eq!(
            spec,
            Spec {
                ports: vec![
                    Port {
                        name: Some("http".into()),
                        port: 80,
                        target_port: Some(IntOrString::Int(8080)),
                    },
                    Port {
                        name: None,
                        port: 443,
                        target_port: Some(IntOrString::Str("https".into())),
                    },
                ],
                kind: Some(ServiceType::NodePort),
            }
        );
        // Null for an Option is None.
        let p: Port = decode("name: ~\nport: 1\ntargetPort:\n").unwrap();
        assert_eq!((p.name, p.target_port), (None, None));
    }

    #[test]
    fn type_errors_carry_the_node_position() {
        let e = decode::<Spec>("ports:\n- name: http\n  port: abc\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "3:9: invalid type: string \"abc\", expected u16"
        );
        // Places in the JSON text are bytes; text before them may not be
        // ASCII, nor need escaping.
        let e = decode::<Spec>("ports:\n- name: \"é\\n€\"\n  port: ü\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "3:9: invalid type: string \"ü\", expected u16"
        );
        let e = decode::<Spec>("ports:\n  - port: 70000\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "2:11: invalid value: integer `70000`, expected u16"
        );
        let e = decode::<Spec>("ports:\n  - port: 1.5\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "2:11: invalid type: floating point `1.5`, expected u16"
        );
        let e = decode::<Spec>("ports:\n  - port:\n").unwrap_err();
        assert_eq!(e.to_string(), "2:9: invalid type: null, expected u16");
        // A missing field points at its mapping.
        let e = decode::<Spec>("ports:\n  - name: x\n").unwrap_err();
        assert_eq!(e.to_string(), "2:5: missing field `port`");
        let e = decode::<Spec>("ports: {}\n").unwrap_err();
        assert_eq!(e.to_string(), "1:8: invalid type: map, expected a sequence");
        let e = decode::<Spec>("type: LoadBalancer\nports: []\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("1:7: unknown variant `LoadBalancer`"),
            "{e}"
        );
    }

    #[test]
    fn strings_are_strict_but_any_is_not() {
        let e = decode::<Port>("name: 8080\nport: 1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "1:7: expected a string, found integer 8080; quote it"
        );
        let e = decode::<Port>("name: yes\nport: 1\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("1:7: expected a string, found boolean true"),
            "{e}"
        );
        let e = decode::<Port>("name: 1.5\nport: 1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "1:7: expected a string, found float 1.5; quote it"
        );
        let e = decode::<String>("null").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("1:1: expected a string, found null"),
            "{e}"
        );
        let e = decode::<String>("[a]").unwrap_err();
        assert_eq!(
            e.to_string(),
            "1:1: invalid type: sequence, expected a string"
        );
        assert_eq!(decode::<String>("\"8080\"").unwrap(), "8080");
        // Numbers stay numbers for deserialize_any.
        let v: serde_json::Value = decode("a: 8080\nb: -1\nc: [yes, 1.5, x]").unwrap();
        assert_eq!(v, json!({"a": 8080, "b": -1, "c": [true, 1.5, "x"]}));
        // Strings do not become numbers or booleans either.
        let e = decode::<bool>("'true'").unwrap_err();
        assert_eq!(
            e.to_string(),
            "1:1: invalid type: string \"true\", expected a boolean"
        );
    }

    #[test]
    fn enums_newtypes_tuples_units_and_ignored() {
        #[derive(Debug, Deserialize, PartialEq)]
        enum E {
            Unit,
            New(u8),
            Tup(u8, String),
            Rec { a: bool },
        }
        #[derive(Debug, Deserialize, PartialEq)]
        struct Wrapper(String);
        #[derive(Debug, Deserialize, PartialEq)]
        struct Unit;

        let v: Vec<E> =
            decode("- Unit\n- New: 3\n- Tup: [1, x]\n- Rec: {a: on}\n- {Unit: ~}\n").unwrap();
        assert_eq!(
            v,
            [
                E::Unit,
                E::New(3),
                E::Tup(1, "x".into()),
                E::Rec { a: true },
                E::Unit
            ]
        );
        assert!(decode::<E>("{New: 1, Unit: ~}").is_err());
        assert_eq!(decode::<Wrapper>("w").unwrap(), Wrapper("w".into()));
        assert_eq!(decode::<Unit>("~").unwrap(), Unit);
        assert_eq!(decode::<(u8, bool)>("[1, no]").unwrap(), (1, false));
        // An element too many is an error at that element.
        let e = decode::<(u8,)>("[1, 2]").unwrap_err();
        assert!(e.to_string().starts_with("1:5: "), "{e}");
        assert_eq!(decode::<char>("x").unwrap(), 'x');
        decode::<serde::de::IgnoredAny>("{a: [1, {b: c}]}").unwrap();

        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Strict {
            #[allow(dead_code)]
            a: u8,
        }
        let e = decode::<Strict>("a: 1\nbogus: 2\n").unwrap_err();
        assert!(
            e.to_string().starts_with("2:1: unknown field `bogus`"),
            "{e}"
        );

        // Flatten and untagged go through deserialize_any buffering.
        #[derive(Debug, Deserialize)]
        struct Flat {
            name: String,
            #[serde(flatten)]
            rest: BTreeMap<String, serde_json::Value>,
        }
        let f: Flat = decode("name: nm\nx: 1\nz: [a]\n").unwrap();
        assert_eq!(f.name, "nm");
        assert_eq!(f.rest["z"], json!(["a"]));
    }

    #[test]
    fn error_display_and_scan_errors() {
        let e = YamlError {
            pos: None,
            message: "m".into(),
        };
        assert_eq!(e.to_string(), "m");
        let e = parse("a: [1, 2\n").unwrap_err();
        assert!(e.pos.is_some(), "{e}");
        let e = parse("a: b: c\n").unwrap_err();
        assert_eq!(e.pos.map(|p| p.line), Some(1), "{e}");
        let e = parse("key: \"unterminated\n").unwrap_err();
        assert!(e.pos.is_some(), "{e}");
    }

    #[test]
    fn positions_count_characters() {
        let d = &parse("é: [ü, \"x\"]\n").unwrap()[0].root;
        let NodeKind::Seq(items) = &d.get("é").unwrap().kind else {
            panic!()
        };
        assert_eq!(items[0].pos, p(1, 5));
        assert_eq!(items[1].pos, p(1, 8));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn no_panic(src: &str) {
            if let Ok(docs) = parse_documents(src, &Limits::default()) {
                for d in &docs {
                    let _ = to_json_value(&d.root);
                    let _ = from_node::<serde_json::Value>(&d.root);
                }
            }
        }

        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<u64>().prop_map(serde_json::Value::from),
                "\\PC{0,12}".prop_map(serde_json::Value::String),
                // Every character JSON must escape.
                "[ -~\\x00-\\x1f\\x7f]{0,8}".prop_map(serde_json::Value::String),
            ];
            leaf.prop_recursive(6, 64, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                    prop::collection::btree_map("\\PC{0,8}", inner, 0..6)
                        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
                no_panic(&src);
            }

            #[test]
            fn arbitrary_bytes_decode_or_say_where(
                bytes in prop::collection::vec(any::<u8>(), 0..64),
            ) {
                match crate::load::decode(bytes.clone()) {
                    Ok(text) => no_panic(&text),
                    Err((line, column, _)) => {
                        prop_assert!(line >= 1 && column >= 1);
                        prop_assert!(std::str::from_utf8(&bytes).is_err());
                    }
                }
            }

            #[test]
            fn arbitrary_chars_never_panic(src in ".{0,100}") {
                no_panic(&src);
            }

            #[test]
            fn yaml_punctuation_never_panics(
                src in "[\\[\\]{}:\\-&*!|>'\"#,?%@`<=~.0-9a-cxyY \\n\\t\\\\]{0,120}"
            ) {
                no_panic(&src);
            }

            #[test]
            fn json_round_trips(v in json_value()) {
                let text = serde_json::to_string(&v).unwrap();
                let docs = parse_documents(&text, &Limits::default())
                    .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(docs.len(), 1);
                prop_assert_eq!(to_json_value(&docs[0].root), v.clone());
                let via_serde: serde_json::Value = from_node(&docs[0].root).unwrap();
                prop_assert_eq!(via_serde, v);
            }

            #[test]
            fn pretty_json_round_trips(v in json_value()) {
                let text = serde_json::to_string_pretty(&v).unwrap();
                let docs = parse_documents(&text, &Limits::default())
                    .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(to_json_value(&docs[0].root), v);
            }
        }
    }
}
