//! Kubernetes label selectors: parsing, validation and matching.
//!
//! This module owns everything that decides "does this set of labels satisfy
//! this selector?", with the semantics of k8s.io/apimachinery:
//!
//! * [`Selector::parse`] is `labels.Parse` (the kubectl `-l` string syntax),
//!   including its lexer quirks and error messages;
//! * [`Selector::from_label_selector`] is `metav1.LabelSelectorAsSelector`
//!   (the structured `matchLabels`/`matchExpressions` form used by manifests);
//! * [`Selector::from_map`] is `labels.Set(m).AsSelectorPreValidated()`, the
//!   plain equality map of a Service's `spec.selector`;
//! * [`Requirement::matches`] is `Requirement.Matches`.
//!
//! Everything here is total: no input string or manifest can make it panic,
//! and the parser is iterative, so nesting cannot exhaust the stack.
//!
//! Deliberate, documented differences from upstream:
//! * `Display` of [`Selector::Nothing`] is `<nothing>` (upstream prints the
//!   empty string for both Everything and Nothing, which loses information).
//! * Requirement values are always stored sorted and deduplicated. Upstream
//!   keeps `matchExpressions` values in manifest order (only string-parsed
//!   values go through a set); matching is identical either way.
//! * Requirements are ordered with a *stable* sort by key. Upstream uses
//!   `sort.Sort`, which is only stable for small inputs; the relative order of
//!   requirements sharing a key can therefore differ for very large selectors.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A label set, as on `metadata.labels`: ordered, so iteration (and
/// therefore every derived output) is deterministic.
pub type Labels = crate::model::StringMap;

/// The operator of one requirement (`selection.Operator` upstream).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Operator {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One clause of a selector: a key, an operator and a value set.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    /// Sorted and deduplicated, like the upstream `sets.String`.
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether `labels` satisfies this requirement (`Requirement.Matches`).
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| self.has_value(v))
            }
            // Negative operators also select objects that lack the key.
            Operator::NotIn | Operator::NotEquals => value.is_none_or(|v| !self.has_value(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                // A label that is not a base-10 int64 is simply not selected;
                // so is a (hand-built) requirement without exactly one integer.
                let (Some(label), [bound]) = (value, self.values.as_slice()) else {
                    return false;
                };
                let (Ok(label), Ok(bound)) = (label.parse::<i64>(), bound.parse::<i64>()) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    label > bound
                } else {
                    label < bound
                }
            }
        }
    }

    // Linear scan rather than binary search: `values` is public, so a
    // hand-built requirement may not be sorted.
    fn has_value(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }
}

impl fmt::Display for Requirement {
    /// The kubectl form, which [`Selector::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            Operator::Exists => return f.write_str(&self.key),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
        };
        f.write_str(&self.key)?;
        f.write_str(op)?;
        let set = matches!(self.operator, Operator::In | Operator::NotIn);
        if set {
            f.write_str("(")?;
        }
        // Upstream sorts on output without mutating; ours are already sorted
        // unless hand-built, so sort a copy only when needed.
        if self.values.windows(2).all(|w| w[0] <= w[1]) {
            f.write_str(&self.values.join(","))?;
        } else {
            let mut sorted = self.values.clone();
            crate::order::sort(&mut sorted);
            f.write_str(&sorted.join(","))?;
        }
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A parsed selector: a conjunction of requirements, or the selector that
/// matches nothing (what a nil `metav1.LabelSelector` converts to).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Selector {
    /// Matches no label set at all.
    Nothing,
    /// Matches when every requirement does; sorted by key. Empty = Everything.
    Requirements(Vec<Requirement>),
}

impl Selector {
    /// Parses the kubectl string syntax (`labels.Parse`). The empty or
    /// all-whitespace string is Everything.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        let mut reqs = Parser::new(s).parse().map_err(SelectorError::new)?;
        sort_by_key(&mut reqs);
        Ok(Selector::Requirements(reqs))
    }

    /// Converts a structured `metav1.LabelSelector`
    /// (`LabelSelectorAsSelector`): `None` selects nothing, an empty selector
    /// everything. `matchLabels` become `=` requirements; expressions allow
    /// only `In`, `NotIn`, `Exists` and `DoesNotExist`.
    pub fn from_label_selector(ls: Option<&LabelSelector>) -> Result<Selector, SelectorError> {
        let Some(ls) = ls else {
            return Ok(Selector::Nothing);
        };
        let labels = ls.match_labels.iter().flatten();
        let exprs = ls.match_expressions.iter().flatten();
        let mut reqs = Vec::new();
        // Upstream walks a Go map (random order); key order makes the first
        // reported error deterministic.
        for (k, v) in labels {
            let req = new_requirement(k, Operator::Equals, std::slice::from_ref(v))
                .map_err(SelectorError::new)?;
            reqs.push(req);
        }
        for expr in exprs {
            let op = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(SelectorError::new(format!(
                        "{} is not a valid label selector operator",
                        crate::field::go_quote(other)
                    )))
                }
            };
            let values = expr.values.as_deref().unwrap_or_default();
            let req = new_requirement(&expr.key, op, values).map_err(SelectorError::new)?;
            reqs.push(req);
        }
        sort_by_key(&mut reqs);
        Ok(Selector::Requirements(reqs))
    }

    /// A selector as a caller gives it: kubectl's text syntax, or a
    /// `LabelSelector` object, as an object or as its JSON or YAML text
    /// (text starting with `{`, `matchLabels` or `matchExpressions`).
    pub fn from_arg(arg: &crate::cluster::options::SelectorArg) -> Result<Selector, String> {
        use crate::cluster::options::SelectorArg;
        let text = match arg {
            SelectorArg::Object(ls) => {
                return Selector::from_label_selector(Some(ls)).map_err(|e| e.to_string())
            }
            SelectorArg::Text(t) => t,
        };
        let t = text.trim_start();
        let is_object =
            t.starts_with('{') || t.starts_with("matchLabels") || t.starts_with("matchExpressions");
        if !is_object {
            return Selector::parse(text).map_err(|e| e.to_string());
        }
        let limits = crate::load::Limits::default();
        let docs = crate::load::yaml::parse_documents(text, &limits).map_err(|e| e.to_string())?;
        let [doc] = docs.as_slice() else {
            return Err("expected one LabelSelector object".into());
        };
        let ls: LabelSelector =
            crate::load::yaml::from_node(&doc.root).map_err(|e| e.to_string())?;
        Selector::from_label_selector(Some(&ls)).map_err(|e| e.to_string())
    }

    /// A Service `spec.selector`: one `=` requirement per entry, without
    /// validation (API validation already ran). An empty map is Everything;
    /// whether a *missing* selector means "selectorless" is the caller's call.
    pub fn from_map(m: &Labels) -> Selector {
        // BTreeMap iteration is already in key order.
        let reqs = m
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.clone()],
            })
            .collect();
        Selector::Requirements(reqs)
    }

    /// The selector without requirements, which matches every label set.
    pub fn everything() -> Selector {
        Selector::Requirements(Vec::new())
    }

    /// The selector that matches no label set.
    pub fn nothing() -> Selector {
        Selector::Nothing
    }

    /// Whether every requirement matches `labels`.
    pub fn matches(&self, labels: &Labels) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::Requirements(reqs) => reqs.iter().all(|r| r.matches(labels)),
        }
    }

    /// The first requirement (in key order) that `labels` fails: the "why
    /// not" of a non-match. `None` when the selector matches, and also for
    /// [`Selector::Nothing`], which fails without any requirement to blame.
    pub fn first_failure(&self, labels: &Labels) -> Option<&Requirement> {
        self.requirements().iter().find(|r| !r.matches(labels))
    }

    /// The requirements in key order; empty for Everything and Nothing.
    pub fn requirements(&self) -> &[Requirement] {
        match self {
            Selector::Nothing => &[],
            Selector::Requirements(reqs) => reqs,
        }
    }

    /// Whether some requirement constrains `key`. Labels under keys that are
    /// not mentioned can never change the outcome of [`Selector::matches`].
    pub fn mentions(&self, key: &str) -> bool {
        self.requirements().iter().any(|r| r.key == key)
    }
}

impl std::str::FromStr for Selector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

impl fmt::Display for Selector {
    /// Requirements joined by `,` as kubectl prints them; Everything is the
    /// empty string. Nothing is `<nothing>` (upstream prints `""`, which would
    /// read back as Everything).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Nothing => f.write_str("<nothing>"),
            Selector::Requirements(reqs) => {
                for (i, r) in reqs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{r}")?;
                }
                Ok(())
            }
        }
    }
}

/// A selector that failed to parse or validate; `message` is worded like the
/// upstream error string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    pub message: String,
}

impl SelectorError {
    fn new(message: String) -> Self {
        SelectorError { message }
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SelectorError {}

/// `metav1.LabelSelector` as it appears in manifests.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// One `matchExpressions` entry. The operator stays a string so that an
/// unknown operator is a conversion error rather than a decoding error.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// Upstream sorts by key after parsing so that equal selectors compare and
/// print equal regardless of clause order. `sort_by` is stable.
fn sort_by_key(reqs: &mut [Requirement]) {
    crate::order::sort_by(reqs, |a, b| a.key.cmp(&b.key));
}

// ---------------------------------------------------------------------------
// Requirement construction and validation (labels.NewRequirement).
// ---------------------------------------------------------------------------

/// Builds a validated requirement. `values` is in caller order because the
/// error messages cite indexes into it. Errors are aggregated the way
/// `field.ErrorList.ToAggregate` prints them.
fn new_requirement(key: &str, op: Operator, values: &[String]) -> Result<Requirement, String> {
    let mut errs: Vec<String> = Vec::new();
    if let Err(e) = validate_label_key(key, "key") {
        errs.push(e);
    }
    match op {
        Operator::In | Operator::NotIn if values.is_empty() => errs.push(format!(
            "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
            go_slice(values)
        )),
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
            errs.push(format!(
                "values: Invalid value: {}: exact-match compatibility requires one single value",
                go_slice(values)
            ))
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => errs.push(format!(
            "values: Invalid value: {}: values set must be empty for exists and does not exist",
            go_slice(values)
        )),
        Operator::GreaterThan | Operator::LessThan => {
            if values.len() != 1 {
                errs.push(format!(
                    "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                    go_slice(values)
                ));
            }
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(format!(
                        "values[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                        crate::field::go_quote(v)
                    ));
                }
            }
        }
        _ => {}
    }
    for (i, v) in values.iter().enumerate() {
        let problems = crate::names::label_value(v);
        if !problems.is_empty() {
            errs.push(format!(
                "values[{i}][{key}]: Invalid value: {}: {}",
                crate::field::go_quote(v),
                problems.join("; ")
            ));
        }
    }
    if !errs.is_empty() {
        return Err(aggregate(errs));
    }
    let mut values = values.to_vec();
    crate::order::sort(&mut values);
    values.dedup();
    Ok(Requirement {
        key: key.to_owned(),
        operator: op,
        values,
    })
}

/// `utilerrors.NewAggregate(...).Error()`: duplicates dropped, a single error
/// printed bare, several wrapped in brackets.
fn aggregate(errs: Vec<String>) -> String {
    let mut unique: Vec<String> = Vec::with_capacity(errs.len());
    for e in errs {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    if unique.len() == 1 {
        unique.pop().unwrap_or_default()
    } else {
        format!("[{}]", unique.join(", "))
    }
}

/// `validateLabelKey`: the field path is `<nil>` when called by the string
/// parser and `key` from `NewRequirement`, exactly as upstream prints them.
fn validate_label_key(key: &str, path: &str) -> Result<(), String> {
    let problems = crate::names::qualified_name(key);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{path}: Invalid value: {}: {}",
            crate::field::go_quote(key),
            problems.join("; ")
        ))
    }
}

/// Go's `%#v` for the `[]string` handed to `field.Invalid`.
/// `LabelSelectorAsSelector` copies values with `append([]string(nil), ...)`,
/// so an empty list prints as a nil slice.
fn go_slice(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_owned();
    }
    let quoted: Vec<String> = values.iter().map(|v| crate::field::go_quote(v)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

// ---------------------------------------------------------------------------
// Lexer (labels.Lexer). Works on bytes like upstream; every delimiter is
// ASCII, so token boundaries always fall on UTF-8 character boundaries.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(lit: &str) -> Option<Tok> {
    Some(match lit {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "in" => Tok::In,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// Next byte, or 0 at the end. Like upstream, a NUL byte in the input
    /// also reads as 0 (and is consumed): it ends the current token, and in
    /// token-start position it ends the whole selector.
    fn read(&mut self) -> u8 {
        match self.s.as_bytes().get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        // Boundaries are ASCII delimiters or the ends, so this cannot fail;
        // `get` keeps it panic-free regardless.
        self.s.get(start..end).unwrap_or_default()
    }

    fn lex(&mut self) -> (Tok, &'a str) {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            return (Tok::EndOfString, "");
        }
        self.unread();
        if is_special(ch) {
            self.scan_special()
        } else {
            self.scan_identifier()
        }
    }

    /// An identifier runs to the next whitespace, special symbol or end, so
    /// `a||b` and `app:web` are single identifiers. `in`/`notin` come out as
    /// keywords; the parser demotes them to identifiers where values go.
    fn scan_identifier(&mut self) -> (Tok, &'a str) {
        let start = self.pos;
        let end = loop {
            let before = self.pos;
            let ch = self.read();
            if ch == 0 {
                break before;
            }
            if is_special(ch) || is_whitespace(ch) {
                self.unread();
                break before;
            }
        };
        let lit = self.slice(start, end);
        (keyword(lit).unwrap_or(Tok::Identifier), lit)
    }

    /// Longest run of special symbols that is still a token: `==`, `!=`, or
    /// one symbol (so `!!x` is `!`,`!`,`x` and `>=` is `>`,`=`).
    fn scan_special(&mut self) -> (Tok, &'a str) {
        let start = self.pos;
        let mut best: Option<(Tok, usize)> = None;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if !is_special(ch) {
                self.unread();
                break;
            }
            match keyword(self.slice(start, self.pos)) {
                Some(tok) => best = Some((tok, self.pos)),
                None if best.is_some() => {
                    self.unread();
                    break;
                }
                None => {}
            }
        }
        match best {
            Some((tok, end)) => (tok, self.slice(start, end)),
            // Unreachable: every single special symbol is a token. Mirror
            // upstream's ErrorToken anyway; the parser rejects it.
            None => (Tok::EndOfString, ""),
        }
    }
}

// ---------------------------------------------------------------------------
// Parser (labels.Parser): scan everything first, then a loop over
// requirements with one token of lookahead. No recursion.
// ---------------------------------------------------------------------------

/// Whether `in`/`notin` are operators (KeyAndOperator) or plain words (Values).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    KeyAndOperator,
    Values,
}

struct Parser<'a> {
    items: Vec<(Tok, &'a str)>,
    position: usize,
}

const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Self {
        let mut lexer = Lexer { s, pos: 0 };
        let mut items = Vec::new();
        loop {
            let item = lexer.lex();
            items.push(item);
            if item.0 == Tok::EndOfString {
                break;
            }
        }
        Parser { items, position: 0 }
    }

    fn lookahead(&self, ctx: Ctx) -> (Tok, &'a str) {
        let (tok, lit) = self
            .items
            .get(self.position)
            .copied()
            .unwrap_or((Tok::EndOfString, ""));
        match tok {
            Tok::In | Tok::NotIn if ctx == Ctx::Values => (Tok::Identifier, lit),
            _ => (tok, lit),
        }
    }

    fn consume(&mut self, ctx: Ctx) -> (Tok, &'a str) {
        let item = self.lookahead(ctx);
        if self.position < self.items.len() {
            self.position += 1;
        }
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Ctx::Values);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let req = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(req);
                    // Only ',' or the end may follow a requirement: this is
                    // what rejects `x=a b`, `!x=a` and missing commas.
                    let (t, l) = self.consume(Ctx::Values);
                    match t {
                        Tok::EndOfString => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(Ctx::Values);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::EndOfString => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ))
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        if let Some(op) = inferred {
            // `!key` with something other than ',' or the end after it is
            // still a complete requirement here; the caller then rejects the
            // stray operator (upstream behaviour for `!x=a`).
            return new_requirement(key, op, &[]);
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        new_requirement(key, op, &values)
    }

    /// `[!] KEY`, inferring Exists when the key stands alone.
    fn parse_key_and_infer_operator(&mut self) -> Result<(&'a str, Option<Operator>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Ctx::Values);
        if tok == Tok::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Ctx::Values);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        validate_label_key(lit, "<nil>")?;
        let (next, _) = self.lookahead(Ctx::Values);
        if op.is_none() && matches!(next, Tok::EndOfString | Tok::Comma) {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(Ctx::KeyAndOperator);
        Ok(match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => return Err(format!("found '{lit}', expected: {BINARY_OPERATORS}")),
        })
    }

    /// `( values )`; `()` is the set {""}.
    fn parse_values(&mut self) -> Result<Vec<String>, String> {
        let (tok, lit) = self.consume(Ctx::Values);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Ctx::Values);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let set = self.parse_identifiers_list()?;
                // The list only returns Ok in front of ')'; keep the check
                // (and upstream's message, which cites the list's first token).
                if self.consume(Ctx::Values).0 != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(set)
            }
            Tok::ClosedPar => {
                self.consume(Ctx::Values);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    /// Comma-separated, possibly empty identifiers: every empty slot (`(,a)`,
    /// `(a,,b)`, `(a,)`) contributes "". Leaves the ')' unconsumed.
    /// Upstream quirk kept: a doubled comma right before ')' (`(a,,)`,
    /// `(,,)`) is an error, because the second comma is eaten as a pair.
    fn parse_identifiers_list(&mut self) -> Result<Vec<String>, String> {
        // A set, as upstream: duplicates collapse (sorted later).
        fn insert(set: &mut Vec<String>, v: &str) {
            if !set.iter().any(|x| x == v) {
                set.push(v.to_owned());
            }
        }
        let mut set: Vec<String> = Vec::new();
        loop {
            let (tok, lit) = self.consume(Ctx::Values);
            match tok {
                Tok::Identifier => {
                    insert(&mut set, lit);
                    let (tok2, lit2) = self.lookahead(Ctx::Values);
                    match tok2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(set),
                        _ => return Err(format!("found '{lit2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if set.is_empty() {
                        insert(&mut set, ""); // "(,"
                    }
                    match self.lookahead(Ctx::Values).0 {
                        Tok::ClosedPar => {
                            insert(&mut set, ""); // ",)"
                            return Ok(set);
                        }
                        Tok::Comma => {
                            self.consume(Ctx::Values);
                            insert(&mut set, ""); // ",,"
                        }
                        _ => {}
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    /// The single value after `=`, `==`, `!=`, `>` or `<`; nothing (end or
    /// ',') means the empty value.
    fn parse_exact_value(&mut self) -> Result<Vec<String>, String> {
        let (tok, _) = self.lookahead(Ctx::Values);
        if matches!(tok, Tok::EndOfString | Tok::Comma) {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(Ctx::Values);
        if tok == Tok::Identifier {
            Ok(vec![lit.to_owned()])
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement {
            key: key.to_owned(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn parse_ok(s: &str) -> Selector {
        match Selector::parse(s) {
            Ok(sel) => sel,
            Err(e) => panic!("{s:?} should parse, got {e}"),
        }
    }

    fn parse_err(s: &str) -> String {
        match Selector::parse(s) {
            Ok(sel) => panic!("{s:?} should fail, parsed as {sel:?}"),
            Err(e) => e.message,
        }
    }

    fn lex_all(s: &str) -> Vec<(Tok, String)> {
        let p = Parser::new(s);
        p.items.iter().map(|(t, l)| (*t, l.to_string())).collect()
    }

    #[test]
    fn lexer_tokens() {
        use Tok::*;
        let toks = lex_all("x in (a,b) y!=c ==!! >< z=in notin");
        let expect = [
            (Identifier, "x"),
            (In, "in"),
            (OpenPar, "("),
            (Identifier, "a"),
            (Comma, ","),
            (Identifier, "b"),
            (ClosedPar, ")"),
            (Identifier, "y"),
            (NotEquals, "!="),
            (Identifier, "c"),
            (DoubleEquals, "=="),
            (DoesNotExist, "!"),
            (DoesNotExist, "!"),
            (GreaterThan, ">"),
            (LessThan, "<"),
            (Identifier, "z"),
            (Equals, "="),
            (In, "in"),
            (NotIn, "notin"),
            (EndOfString, ""),
        ];
        let expect: Vec<(Tok, String)> = expect.iter().map(|(t, l)| (*t, l.to_string())).collect();
        assert_eq!(toks, expect);
    }

    #[test]
    fn lexer_munches_at_most_two_symbols() {
        use Tok::*;
        let toks: Vec<Tok> = lex_all("===!==>=").into_iter().map(|t| t.0).collect();
        assert_eq!(
            toks,
            [
                DoubleEquals,
                Equals,
                NotEquals,
                Equals,
                GreaterThan,
                Equals,
                EndOfString
            ]
        );
        // `||` and `:` are not special: they glue onto identifiers.
        assert_eq!(lex_all("a||b")[0], (Identifier, "a||b".to_owned()));
        assert_eq!(lex_all("app:web")[0], (Identifier, "app:web".to_owned()));
    }

    #[test]
    fn lexer_nul_byte_acts_as_end() {
        // Upstream reads NUL as its end-of-input sentinel: inside a token it
        // just ends the token; at a token start it ends the selector.
        assert_eq!(parse_ok("a\0,b"), parse_ok("a,b"));
        assert_eq!(parse_ok("a=\0b"), parse_ok("a=b"));
        assert_eq!(parse_ok("a \0,garbage((("), parse_ok("a"));
        assert_eq!(parse_ok("\0x y z"), Selector::everything());
    }

    #[test]
    fn whitespace_only_is_everything() {
        assert_eq!(parse_ok(""), Selector::everything());
        assert_eq!(parse_ok(" \t\r\n"), Selector::everything());
        assert!(parse_ok("").matches(&Labels::new()));
    }

    #[test]
    fn parses_every_operator() {
        let sel = parse_ok("a=1,b==2,c!=3,d in (4,5),e notin (6),f,!g,h>7,i<8");
        assert_eq!(
            sel.requirements(),
            &[
                req("a", Operator::Equals, &["1"]),
                req("b", Operator::DoubleEquals, &["2"]),
                req("c", Operator::NotEquals, &["3"]),
                req("d", Operator::In, &["4", "5"]),
                req("e", Operator::NotIn, &["6"]),
                req("f", Operator::Exists, &[]),
                req("g", Operator::DoesNotExist, &[]),
                req("h", Operator::GreaterThan, &["7"]),
                req("i", Operator::LessThan, &["8"]),
            ]
        );
    }

    #[test]
    fn requirements_sorted_by_key_stably() {
        let sel = parse_ok("z,x!=b,y,x=a");
        let got: Vec<String> = sel.requirements().iter().map(|r| r.to_string()).collect();
        assert_eq!(got, ["x!=b", "x=a", "y", "z"]);
    }

    #[test]
    fn value_sets() {
        let values = |s: &str| parse_ok(s).requirements()[0].values.clone();
        assert_eq!(values("x in ()"), [""]);
        assert_eq!(values("x in (,)"), [""]);
        assert_eq!(values("x in (,a)"), ["", "a"]);
        assert_eq!(values("x in (a,)"), ["", "a"]);
        assert_eq!(values("x in (a,,b)"), ["", "a", "b"]);
        assert_eq!(values("x in (b,a,b)"), ["a", "b"]);
        assert_eq!(values("x in (in,notin)"), ["in", "notin"]);
        assert_eq!(values("x notin ( a , b )"), ["a", "b"]);
        assert_eq!(values("x="), [""]);
        assert_eq!(values("x=,y"), [""]);
        assert_eq!(values("x= in"), ["in"]);
        assert_eq!(values("notin=in"), ["in"]);
        assert_eq!(
            parse_ok("in").requirements()[0],
            req("in", Operator::Exists, &[])
        );
        assert_eq!(
            parse_ok("!notin").requirements()[0],
            req("notin", Operator::DoesNotExist, &[])
        );
    }

    #[test]
    fn syntax_error_messages() {
        let cases = [
            (
                ",x",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            ("x,", "found '', expected: identifier after ','"),
            ("x,,y", "found ',', expected: identifier after ','"),
            ("x=a b", "found 'b', expected: ',' or 'end of string'"),
            (
                "x in (a,,)",
                "unable to parse requirement: found ')', expected: ',', or identifier",
            ),
            (
                "x in (,,)",
                "unable to parse requirement: found ')', expected: ',', or identifier",
            ),
            ("!x=a", "found '=', expected: ',' or 'end of string'"),
            ("!x in (a)", "found 'in', expected: ',' or 'end of string'"),
            (
                "a in (xyz)b notin ()",
                "found 'b', expected: ',' or 'end of string'",
            ),
            (
                "x y",
                "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier",
            ),
            (
                "!!x",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                "x in a",
                "unable to parse requirement: found 'a' expected: '('",
            ),
            (
                "a notin(",
                "unable to parse requirement: found '', expected: ',', ')' or identifier",
            ),
            (
                "x in (a",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "x in (a b)",
                "unable to parse requirement: found 'b', expected: ',' or ')'",
            ),
            (
                "x in (a,=)",
                "unable to parse requirement: found '=', expected: ',', or identifier",
            ),
            (
                "x in ((",
                "unable to parse requirement: found '(', expected: ',', ')' or identifier",
            ),
            (
                "x=(a)",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "x==!",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                ")",
                "found ')', expected: !, identifier, or 'end of string'",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_err(input), want, "input {input:?}");
        }
    }

    #[test]
    fn validation_error_messages() {
        assert_eq!(
            parse_err("x<a"),
            "unable to parse requirement: values[0]: Invalid value: \"a\": \
             for 'Gt', 'Lt' operators, the value must be an integer"
        );
        // Non-integer and not a label value: both errors, aggregated.
        assert_eq!(
            parse_err("x>a.") ,
            "unable to parse requirement: [values[0]: Invalid value: \"a.\": for 'Gt', 'Lt' operators, \
             the value must be an integer, values[0][x]: Invalid value: \"a.\": a valid label must be an \
             empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end \
             with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for \
             validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]"
        );
        assert_eq!(
            parse_err("app:web"),
            "unable to parse requirement: <nil>: Invalid value: \"app:web\": name part must consist of \
             alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric \
             character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is \
             '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert_eq!(
            parse_err(&"a".repeat(64)),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"{}\": name part must be no more than 63 characters",
                "a".repeat(64)
            )
        );
        assert!(parse_err("Example.com/x").contains("prefix part a lowercase RFC 1123 subdomain"));
        assert!(parse_err("/x").contains("prefix part must be non-empty"));
        assert!(parse_err("x/").contains(
            "name part must be non-empty; name part must consist of alphanumeric characters"
        ));
        assert!(parse_err("a/b/c").contains("a qualified name must consist"));
        assert!(parse_err(&format!("x={}", "v".repeat(64)))
            .contains("values[0][x]: Invalid value: \"vvvv"));
        // Gt/Lt bounds must also be valid label values, so negatives are out.
        assert!(parse_err("x>-1").contains("a valid label must be an empty string"));
        // `||` is not an operator: `a||y` is one (invalid) value, then `=`.
        assert!(parse_err("x=a||y=b").starts_with(
            "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": a valid label"
        ));
        // Quoting follows Go's %q.
        assert!(parse_err("x=\"é\u{1}").contains("Invalid value: \"\\\"é\\x01\""));
    }

    #[test]
    fn valid_keys_and_values() {
        for s in [
            "example.com/app=web",
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            "A_b-C.d=X_y-Z.1",
            &format!("{}/{}", "a".repeat(253), "b".repeat(63)),
            &format!("x={}", "v".repeat(63)),
            "x>9223372036854775807",
        ] {
            parse_ok(s);
        }
        assert!(parse_err(&format!("{}/x", "a".repeat(254))).contains("must be no more than 253"));
        assert!(parse_err("x>9223372036854775808").contains("must be an integer"));
    }

    #[test]
    fn matching_semantics() {
        let empty = Labels::new();
        let x_y = Labels::of(&[("x", "y")]);
        let x_empty = Labels::of(&[("x", "")]);
        let m = |s: &str, l: &Labels| parse_ok(s).matches(l);
        assert!(m("x!=z", &empty) && m("x notin (z)", &empty));
        assert!(!m("x=y", &empty) && !m("x in (y)", &empty) && !m("x==y", &empty));
        assert!(m("x=y", &x_y) && m("x==y", &x_y) && m("x in (a,y)", &x_y));
        assert!(!m("x!=y", &x_y) && !m("x notin (y)", &x_y));
        assert!(m("x", &x_empty) && !m("!x", &x_empty) && m("!x", &empty));
        assert!(m("x in ()", &x_empty) && m("x=", &x_empty) && !m("x in ()", &empty));
        assert!(m("x notin ()", &empty) && !m("x notin ()", &x_empty));
        let n = |v: &str| Labels::of(&[("n", v)]);
        assert!(m("n>1", &n("2")) && !m("n>1", &n("1")) && m("n<1", &n("-5")));
        assert!(m("n>1", &n("+3")), "ParseInt accepts a leading '+'");
        assert!(!m("n>1", &n("v2")) && !m("n<1", &n("")) && !m("n>1", &empty));
        assert!(!m("n<1", &n("1.0")) && !m("n>1", &n("99999999999999999999")));
    }

    #[test]
    fn hand_built_gt_with_bad_values_never_matches() {
        let l = Labels::of(&[("n", "5")]);
        assert!(!req("n", Operator::GreaterThan, &["x"]).matches(&l));
        assert!(!req("n", Operator::GreaterThan, &["1", "2"]).matches(&l));
        assert!(!req("n", Operator::LessThan, &[]).matches(&l));
    }

    #[test]
    fn display_forms() {
        let cases = [
            ("app=web", "app=web"),
            ("x==a", "x==a"),
            ("x!=a", "x!=a"),
            ("tier in (b,a)", "tier in (a,b)"),
            ("x notin ()", "x notin ()"),
            ("x in (a,)", "x in (,a)"),
            ("!x", "!x"),
            ("x", "x"),
            ("x>1", "x>1"),
            ("x<1", "x<1"),
            ("x=", "x="),
            ("b, a in (z)", "a in (z),b"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_ok(input).to_string(), want, "input {input:?}");
        }
        assert_eq!(Selector::everything().to_string(), "");
        assert_eq!(Selector::nothing().to_string(), "<nothing>");
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "a in (x,y,notin, z,in)",
            "x notin (),y",
            "foo  in\t (abc)",
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            "z,x!=b,y,x=a,!w,v>3,u<4,t==",
            "in in (in),notin notin (notin)",
        ] {
            let sel = parse_ok(s);
            assert_eq!(parse_ok(&sel.to_string()), sel, "input {s:?}");
        }
    }

    #[test]
    fn first_failure_names_the_culprit() {
        let sel = parse_ok("tier=db,app=web,!canary");
        let l = Labels::of(&[("app", "web"), ("tier", "frontend")]);
        assert_eq!(
            sel.first_failure(&l),
            Some(&req("tier", Operator::Equals, &["db"]))
        );
        let l = Labels::of(&[("app", "api"), ("tier", "frontend"), ("canary", "")]);
        assert_eq!(
            sel.first_failure(&l),
            Some(&req("app", Operator::Equals, &["web"]))
        );
        let l = Labels::of(&[("app", "web"), ("tier", "db")]);
        assert_eq!(sel.first_failure(&l), None);
        assert!(sel.matches(&l));
        assert_eq!(Selector::nothing().first_failure(&l), None);
        assert!(!Selector::nothing().matches(&l));
    }

    #[test]
    fn everything_nothing_and_accessors() {
        let l = Labels::of(&[("a", "b")]);
        assert!(
            Selector::everything().matches(&l) && Selector::everything().matches(&Labels::new())
        );
        assert!(!Selector::nothing().matches(&Labels::new()));
        assert!(Selector::nothing().requirements().is_empty());
        let sel = parse_ok("a,!b");
        assert!(sel.mentions("a") && sel.mentions("b") && !sel.mentions("c"));
        assert_eq!("a,!b".parse::<Selector>(), Ok(sel));
    }

    #[test]
    fn from_map_is_equality_and_unvalidated() {
        let sel = Selector::from_map(&Labels::of(&[("tier", "fe"), ("app", "web")]));
        assert_eq!(sel.to_string(), "app=web,tier=fe");
        assert!(sel.matches(&Labels::of(&[("app", "web"), ("tier", "fe"), ("x", "y")])));
        assert!(!sel.matches(&Labels::of(&[("app", "web")])));
        assert_eq!(Selector::from_map(&Labels::new()), Selector::everything());
        // Pre-validated: no validation happens here.
        let odd = Selector::from_map(&Labels::of(&[("bad key!", "v v")]));
        assert!(odd.matches(&Labels::of(&[("bad key!", "v v")])));
    }

    fn ls_from_json(v: serde_json::Value) -> LabelSelector {
        serde_json::from_value(v).expect("valid LabelSelector json")
    }

    #[test]
    fn label_selector_conversion() {
        assert_eq!(Selector::from_label_selector(None), Ok(Selector::Nothing));
        let empty = LabelSelector::default();
        assert_eq!(
            Selector::from_label_selector(Some(&empty)),
            Ok(Selector::everything())
        );
        let empty_lists =
            ls_from_json(serde_json::json!({"matchLabels": {}, "matchExpressions": []}));
        assert_eq!(
            Selector::from_label_selector(Some(&empty_lists)),
            Ok(Selector::everything())
        );

        let ls = ls_from_json(serde_json::json!({
            "matchLabels": {"foo": "bar"},
            "matchExpressions": [
                {"key": "baz", "operator": "In", "values": ["qux", "norf", "qux"]},
                {"key": "aaa", "operator": "DoesNotExist"},
                {"key": "foo", "operator": "Exists", "values": []},
            ]
        }));
        let sel = Selector::from_label_selector(Some(&ls)).expect("valid");
        assert_eq!(sel.to_string(), "!aaa,baz in (norf,qux),foo=bar,foo");
        assert!(sel.matches(&Labels::of(&[("foo", "bar"), ("baz", "norf")])));
        assert!(!sel.matches(&Labels::of(&[("foo", "bar"), ("baz", "other")])));
    }

    #[test]
    fn label_selector_errors() {
        let err = |v: serde_json::Value| {
            Selector::from_label_selector(Some(&ls_from_json(v)))
                .expect_err("should be rejected")
                .message
        };
        let expr = |op: &str, values: serde_json::Value| serde_json::json!({"matchExpressions": [{"key": "k", "operator": op, "values": values}]});
        assert_eq!(
            err(expr("Gt", serde_json::json!(["1"]))),
            "\"Gt\" is not a valid label selector operator"
        );
        assert_eq!(
            err(expr("in", serde_json::json!(["a"]))),
            "\"in\" is not a valid label selector operator"
        );
        assert_eq!(
            err(expr("In", serde_json::json!([]))),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
        );
        assert_eq!(
            err(serde_json::json!({"matchExpressions": [{"key": "k", "operator": "NotIn"}]})),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
        );
        assert_eq!(
            err(expr("Exists", serde_json::json!(["qux", "norf"]))),
            "values: Invalid value: []string{\"qux\", \"norf\"}: values set must be empty for exists and does not exist"
        );
        assert!(err(serde_json::json!({"matchLabels": {"k": "bad value"}}))
            .starts_with("values[0][k]: Invalid value: \"bad value\": a valid label"));
        assert!(err(serde_json::json!({"matchLabels": {"bad key": "v"}}))
            .starts_with("key: Invalid value: \"bad key\": name part must consist"));
        // Key and value errors together are aggregated in brackets.
        let both = err(serde_json::json!({"matchLabels": {"-k": "-v"}}));
        assert!(both.starts_with("[key: Invalid value: \"-k\"") && both.ends_with("')]"));
    }

    // ---- property tests ----------------------------------------------------

    /// Strings assembled from selector tokens and well-formed fragments, so
    /// that a good share parses while the rest probes the error paths.
    fn token_soup() -> impl Strategy<Value = String> {
        let tokens = vec![
            "x", "y", "a.b/c", "in", "notin", "1", "42", "v", "", "=", "==", "!=", "!", "(", ")",
            ",", " ", "\t", ">", "<", "-", "||", "\0", "é", "/",
        ];
        let fragments = vec![
            "x=1",
            "y in (a,,b)",
            "!z",
            "a.b/c notin ()",
            "n>3",
            "m<-1",
            "in in (in)",
            "k!=",
            "q==notin",
            "w",
        ];
        let noise =
            prop::collection::vec(prop::sample::select(tokens), 1..4).prop_map(|v| v.concat());
        let piece = prop_oneof![
            3 => prop::sample::select(fragments).prop_map(str::to_owned),
            1 => noise,
        ];
        let separator = prop::sample::select(vec![",", ",", ",", ", ", " ,", " ", ""]);
        prop::collection::vec((piece, separator), 0..6).prop_map(|v| {
            let mut out = String::new();
            for (i, (piece, sep)) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                out.push_str(piece);
            }
            out
        })
    }

    fn valid_key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("x".to_owned()),
            Just("in".to_owned()),
            Just("notin".to_owned()),
            "[a-z][a-z0-9]{0,3}",
            "[a-z]{1,3}(\\.[a-z]{1,3})?/[A-Za-z0-9]([-_.A-Za-z0-9]{0,3}[A-Za-z0-9])?",
        ]
    }

    fn valid_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("in".to_owned()),
            "[A-Za-z0-9]([-_.A-Za-z0-9]{0,4}[A-Za-z0-9])?",
        ]
    }

    /// Well-formed requirements of every operator.
    fn valid_requirement() -> impl Strategy<Value = Requirement> {
        let ops = vec![
            Operator::Equals,
            Operator::DoubleEquals,
            Operator::NotEquals,
            Operator::In,
            Operator::NotIn,
            Operator::Exists,
            Operator::DoesNotExist,
            Operator::GreaterThan,
            Operator::LessThan,
        ];
        (
            valid_key(),
            prop::sample::select(ops),
            prop::collection::vec(valid_value(), 1..4),
            0i64..1000,
        )
            .prop_map(|(key, operator, mut values, n)| {
                match operator {
                    Operator::Exists | Operator::DoesNotExist => values.clear(),
                    Operator::GreaterThan | Operator::LessThan => values = vec![n.to_string()],
                    Operator::In | Operator::NotIn => {
                        values.sort();
                        values.dedup();
                    }
                    _ => values.truncate(1),
                }
                Requirement {
                    key,
                    operator,
                    values,
                }
            })
    }

    fn valid_selector() -> impl Strategy<Value = Selector> {
        prop::collection::vec(valid_requirement(), 0..5).prop_map(|mut reqs| {
            sort_by_key(&mut reqs);
            Selector::Requirements(reqs)
        })
    }

    fn any_labels() -> impl Strategy<Value = Labels> {
        prop::collection::btree_map(
            prop_oneof![valid_key(), "[a-z]{1,2}"],
            prop_oneof![valid_value(), "-?[0-9]{1,3}"],
            0..6,
        )
        .prop_map(Labels::from)
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_arbitrary_strings(s in any::<String>()) {
            let _ = Selector::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_token_soup(s in token_soup()) {
            if let Ok(sel) = Selector::parse(&s) {
                // Whatever parses also survives a print/parse round trip.
                prop_assert_eq!(Selector::parse(&sel.to_string()), Ok(sel));
            }
        }

        #[test]
        fn display_round_trips_for_valid_selectors(sel in valid_selector()) {
            prop_assert_eq!(Selector::parse(&sel.to_string()), Ok(sel));
        }

        #[test]
        fn unmentioned_labels_never_change_the_outcome(
            sel in prop_oneof![valid_selector(), token_soup().prop_filter_map("parses", |s| Selector::parse(&s).ok())],
            l in any_labels(),
            key in "[a-z0-9./]{1,8}",
            value in ".{0,4}",
        ) {
            prop_assume!(!sel.mentions(&key));
            let before = sel.matches(&l);
            let mut more = l.clone();
            more.insert(key, value);
            prop_assert_eq!(sel.matches(&more), before);
        }

        #[test]
        fn first_failure_agrees_with_matches(sel in valid_selector(), l in any_labels()) {
            prop_assert_eq!(sel.first_failure(&l).is_none(), sel.matches(&l));
            if let Some(r) = sel.first_failure(&l) {
                prop_assert!(!r.matches(&l));
            }
        }
    }
}
