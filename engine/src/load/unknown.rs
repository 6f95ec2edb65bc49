//! Unknown fields, found while an object is decoded: no second pass over
//! the input, so big dumps load as fast as before.
//!
//! [`Checked`] wraps the serde `Deserializer` (serde_json's, which reads
//! YAML documents too, as JSON text) and follows the schema alongside the
//! model's own decoding.
//! Keys the model reads need no look-up (the model's fields are fields of
//! the API, a test checks it); a value is looked up in the schema only when
//! it turns out to be a mapping or a list, or when the model ignores it —
//! then the schema says whether the key exists and, for known objects the
//! model does not read (probes, volumes, `managedFields`), the ignored
//! value is walked for keys of its own. Free-form values are skipped
//! unchecked.
//!
//! What is found carries the path of the key and, when the decoder lent
//! the key from the input text, its address there, from which the loader
//! tells its line and column.

use super::schema::{Schema, Shape, Type};
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A key the schema does not know, as the decoder met it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// From the object's root to the key itself.
    pub path: Vec<Step>,
    /// The address of the key's text as the decoder gave it: for JSON, a
    /// place in the text when the key was lent from it (a copy's address
    /// is outside the text).
    pub key_addr: usize,
    /// The type that has no such field.
    pub parent: Type,
}

impl Found {
    /// The unknown key.
    pub fn key(&self) -> &str {
        match self.path.last() {
            Some(Step::Key(k)) => k,
            _ => "",
        }
    }

    /// The path as `field.Path` prints it: `spec.containers[1].ports[0].x`.
    pub fn field(&self) -> String {
        let mut s = String::new();
        for step in &self.path {
            match step {
                Step::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Step::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}

/// Collects what the decoding of one object finds.
pub(crate) struct Check {
    pub schema: &'static Schema,
    found: RefCell<Vec<Found>>,
}

impl Check {
    pub fn new() -> Self {
        Check {
            schema: super::schema::schema(),
            found: RefCell::new(Vec::new()),
        }
    }

    pub fn report(&self, f: Found) {
        self.found.borrow_mut().push(f);
    }

    /// How many findings there are so far.
    pub fn found_count(&self) -> usize {
        self.found.borrow().len()
    }

    /// Moves what was found since the first `from` findings in `copy`, a
    /// copy of the text at address `original`, to the same place there.
    pub fn relocate(&self, from: usize, copy: &str, original: usize) {
        let start = copy.as_ptr() as usize;
        for f in self.found.borrow_mut().iter_mut().skip(from) {
            if let Some(offset) = f.key_addr.checked_sub(start).filter(|o| *o < copy.len()) {
                f.key_addr = original + offset;
            }
        }
    }

    /// What was found so far (and forgets it).
    pub fn take_found(&self) -> Vec<Found> {
        std::mem::take(&mut *self.found.borrow_mut())
    }

    /// `de`, checked as the value at `at` that is expected to be `expect`.
    pub fn wrap<'p, D>(&'p self, de: D, expect: Expect, at: &'p At<'p>) -> Checked<'p, D> {
        Checked {
            de,
            cx: Cx {
                expect,
                at,
                check: self,
            },
        }
    }

    /// A seed decoding `T` checked, for `next_value_seed`.
    pub fn seed<'p, T>(
        &'p self,
        expect: Expect,
        at: &'p At<'p>,
    ) -> CheckedSeed<'p, std::marker::PhantomData<T>> {
        CheckedSeed {
            seed: std::marker::PhantomData,
            cx: Cx {
                expect,
                at,
                check: self,
            },
        }
    }
}

/// Where a value sits: a linked list on the stack, turned into a path only
/// when something is found.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    up: Option<&'a At<'a>>,
    step: AtStep<'a>,
}

#[derive(Clone, Copy)]
enum AtStep<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> At<'a> {
    /// A top-level field of the object.
    pub fn key(key: &'a str) -> Self {
        At {
            up: None,
            step: AtStep::Key(key),
        }
    }

    fn path(&self) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(a) = at {
            steps.push(match a.step {
                AtStep::Key(k) => Step::Key(k.to_string()),
                AtStep::Index(i) => Step::Index(i),
            });
            at = a.up;
        }
        steps.reverse();
        steps
    }
}

/// What a value is expected to be.
#[derive(Clone, Copy)]
pub(crate) enum Expect {
    /// The value of its key (the last step of its place) in an object of
    /// this type: looked up when needed.
    Field(Type),
    Is(Shape),
}

#[derive(Clone, Copy)]
struct Cx<'p> {
    expect: Expect,
    at: &'p At<'p>,
    check: &'p Check,
}

impl Cx<'_> {
    /// The value's shape; `None` for a key the schema does not know (then
    /// reported).
    #[inline]
    fn resolve(self) -> Option<Shape> {
        match self.expect {
            Expect::Is(s) => Some(s),
            Expect::Field(ty) => self.look_up(ty),
        }
    }

    fn look_up(self, ty: Type) -> Option<Shape> {
        let AtStep::Key(key) = self.at.step else {
            return Some(Shape::Free);
        };
        let shape = self.check.schema.field(ty, key);
        if shape.is_none() {
            self.report(ty, key);
        }
        shape
    }

    #[cold]
    #[inline(never)]
    fn report(self, ty: Type, key: &str) {
        self.check.report(Found {
            path: self.at.path(),
            key_addr: key.as_ptr() as usize,
            parent: ty,
        });
    }
}

/// A deserializer checked against the schema as it is read.
pub(crate) struct Checked<'p, D> {
    de: D,
    cx: Cx<'p>,
}

/// A seed whose deserializer is [`Checked`].
pub(crate) struct CheckedSeed<'p, S> {
    seed: S,
    cx: Cx<'p>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CheckedSeed<'_, S> {
    type Value = S::Value;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Checked { de: d, cx: self.cx })
    }
}

/// Forwards `deserialize_*` methods to the inner deserializer with the
/// visitor wrapped by the implementing type's `split`.
macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
            let (de, visitor) = self.split(visitor);
            de.$method($($arg,)* visitor)
        }
    )*};
}

macro_rules! forward_all_deserialize {
    () => {
        forward_deserialize! {
            deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16();
            deserialize_i32(); deserialize_i64(); deserialize_i128(); deserialize_u8();
            deserialize_u16(); deserialize_u32(); deserialize_u64(); deserialize_u128();
            deserialize_f32(); deserialize_f64(); deserialize_char(); deserialize_str();
            deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
            deserialize_option(); deserialize_unit(); deserialize_seq(); deserialize_map();
            deserialize_identifier();
            deserialize_unit_struct(name: &'static str);
            deserialize_newtype_struct(name: &'static str);
            deserialize_tuple(len: usize);
            deserialize_tuple_struct(name: &'static str, len: usize);
            deserialize_struct(name: &'static str, fields: &'static [&'static str]);
            deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        }
    };
}

/// Forwards `deserialize_*` methods of scalars as they are: a scalar
/// field has no keys to check (a mapping given for one is the model's
/// type error).
macro_rules! forward_plain {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.de.$method(visitor)
        }
    )*};
}

impl<'p, D> Checked<'p, D> {
    #[inline]
    fn split<V>(self, visitor: V) -> (D, Lazy<'p, V>) {
        (
            self.de,
            Lazy {
                inner: visitor,
                cx: self.cx,
            },
        )
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Checked<'_, D> {
    type Error = D::Error;

    forward_plain! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier
    }
    // What may hold keys is checked once it shows what it is.
    forward_deserialize! {
        deserialize_any(); deserialize_option(); deserialize_seq(); deserialize_map();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }

    /// An API object is a mapping: a list given for one is the type error
    /// Go's decoder gives ("cannot unmarshal array into … of type …"),
    /// where serde would read its fields by position. Refusing it here
    /// also keeps every struct's by-position decoding out of the module.
    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (de, visitor) = self.split(visitor);
        de.deserialize_struct(name, fields, MappingOnly(visitor))
    }

    /// The model ignores the value: the schema says whether the key
    /// exists, and a known object is walked for keys of its own.
    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match self.cx.resolve() {
            Some(shape @ (Shape::Object(_) | Shape::List(_))) => self.de.deserialize_any(Lazy {
                inner: visitor,
                cx: Cx {
                    expect: Expect::Is(shape),
                    ..self.cx
                },
            }),
            _ => self.de.deserialize_ignored_any(visitor),
        }
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// A visitor that checks the value once it shows what it is.
struct Lazy<'p, V> {
    inner: V,
    cx: Cx<'p>,
}

/// Forwards `visit_*` methods of values without fields of their own.
macro_rules! forward_visits {
    ($($method:ident($ty:ty);)*) => {$(
        #[inline]
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

macro_rules! forward_scalar_visits {
    () => {
        forward_visits! {
            visit_bool(bool); visit_i8(i8); visit_i16(i16); visit_i32(i32); visit_i64(i64);
            visit_i128(i128); visit_u8(u8); visit_u16(u16); visit_u32(u32); visit_u64(u64);
            visit_u128(u128); visit_f32(f32); visit_f64(f64); visit_char(char);
            visit_bytes(&[u8]); visit_borrowed_bytes(&'de [u8]); visit_byte_buf(Vec<u8>);
        }
        #[inline]
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            self.inner.visit_none()
        }
        #[inline]
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            self.inner.visit_unit()
        }
        #[inline]
        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
            self.inner.visit_enum(data)
        }
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            self.inner.expecting(f)
        }
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Lazy<'_, V> {
    type Value = V::Value;

    forward_scalar_visits!();
    forward_visits! {
        visit_str(&str); visit_borrowed_str(&'de str); visit_string(String);
    }

    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Checked { de: d, cx: self.cx })
    }

    #[inline]
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner
            .visit_newtype_struct(Checked { de: d, cx: self.cx })
    }

    // A list or mapping whose items are free is still wrapped (checking
    // nothing): one instantiation of the model's decoding, not two.
    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let elem = match self.cx.resolve() {
            Some(Shape::List(elem)) => Some(elem),
            _ => None,
        };
        self.inner.visit_seq(CheckedSeq {
            seq,
            elem,
            at: self.cx.at,
            index: 0,
            check: self.cx.check,
        })
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let ty = match self.cx.resolve() {
            Some(Shape::Object(ty)) => Some(ty),
            _ => None,
        };
        self.inner.visit_map(CheckedMap {
            map,
            ty,
            at: self.cx.at,
            key: KeySlot::Empty,
            check: self.cx.check,
        })
    }
}

/// A struct's visitor that takes a mapping and nothing else: any other
/// value is an `invalid type` error naming what the struct expected.
struct MappingOnly<'p, V>(Lazy<'p, V>);

impl<'de, V: Visitor<'de>> Visitor<'de> for MappingOnly<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.inner.expecting(f)
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
}

/// The elements of a list: of objects of a type, or free (`None`).
struct CheckedSeq<'p, A> {
    seq: A,
    elem: Option<Type>,
    at: &'p At<'p>,
    index: usize,
    check: &'p Check,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for CheckedSeq<'_, A> {
    type Error = A::Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let at = At {
            up: Some(self.at),
            step: AtStep::Index(self.index),
        };
        self.index += 1;
        self.seq.next_element_seed(CheckedSeed {
            seed,
            cx: Cx {
                expect: Expect::Is(self.elem.map_or(Shape::Free, Shape::Object)),
                at: &at,
                check: self.check,
            },
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

/// The last key read: lent from the input when the decoder could.
enum KeySlot<'de> {
    Empty,
    Lent(&'de str),
    Owned(String),
}

/// The entries of an object of type `ty`, or of a free mapping (`None`).
struct CheckedMap<'p, 'de, A> {
    map: A,
    ty: Option<Type>,
    at: &'p At<'p>,
    key: KeySlot<'de>,
    check: &'p Check,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CheckedMap<'_, 'de, A> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        // The key visitor sets the slot; a free mapping's keys are not
        // looked up.
        self.map.next_key_seed(KeySeed {
            seed,
            slot: self.ty.is_some().then_some(&mut self.key),
        })
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        let key = match &self.key {
            KeySlot::Lent(s) => s,
            KeySlot::Owned(s) => s.as_str(),
            KeySlot::Empty => "",
        };
        let at = At {
            up: Some(self.at),
            step: AtStep::Key(key),
        };
        self.map.next_value_seed(CheckedSeed {
            seed,
            cx: Cx {
                expect: self.ty.map_or(Expect::Is(Shape::Free), Expect::Field),
                at: &at,
                check: self.check,
            },
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// Decodes a key as asked and keeps its text in the slot, if any.
struct KeySeed<'s, 'de, K> {
    seed: K,
    slot: Option<&'s mut KeySlot<'de>>,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, 'de, K> {
    type Value = K::Value;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyDe {
            de: d,
            slot: self.slot,
        })
    }
}

struct KeyDe<'s, 'de, D> {
    de: D,
    slot: Option<&'s mut KeySlot<'de>>,
}

impl<'s, 'de, D> KeyDe<'s, 'de, D> {
    #[inline]
    fn split<V>(self, visitor: V) -> (D, KeepKey<'s, 'de, V>) {
        (
            self.de,
            KeepKey {
                inner: visitor,
                slot: self.slot,
            },
        )
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDe<'_, 'de, D> {
    type Error = D::Error;

    forward_all_deserialize!();

    /// A key the model ignores is still read as text: it is the one
    /// looked up (`IgnoredAny` takes a string as well as anything).
    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let (de, visitor) = self.split(visitor);
        de.deserialize_str(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// A key visitor that keeps the key's text.
struct KeepKey<'s, 'de, V> {
    inner: V,
    slot: Option<&'s mut KeySlot<'de>>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeepKey<'_, 'de, V> {
    type Value = V::Value;

    forward_scalar_visits!();

    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        if let Some(slot) = self.slot {
            *slot = KeySlot::Lent(v);
        }
        self.inner.visit_borrowed_str(v)
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        if let Some(slot) = self.slot {
            *slot = KeySlot::Owned(v.to_string());
        }
        self.inner.visit_str(v)
    }

    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        if let Some(slot) = self.slot {
            *slot = KeySlot::Owned(v.clone());
        }
        self.inner.visit_string(v)
    }

    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(d)
    }

    #[inline]
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(d)
    }

    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(map)
    }
}

/// A key lent from the input when the decoder can lend it (serde's own
/// `Cow<str>` always copies): a finding's address in the text, and no
/// allocation per key.
pub(crate) struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}
