use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Labels, annotations and selectors: keys to values, in key order.
// Ordered so output is deterministic; shared until written, because the
// controllers give every pod of a workload its template's labels and a
// B-tree leaf is half a kilobyte, where a shared copy is a reference
// count. Reads go through `Deref`; a write (`DerefMut`) first copies a
// shared map. An empty map holds no allocation.
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(type = "{ [key in string]: string }")
)]
#[derive(Clone, Default)]
pub struct StringMap(Option<Arc<BTreeMap<String, String>>>);

static EMPTY: BTreeMap<String, String> = BTreeMap::new();

impl StringMap {
    pub const fn new() -> Self {
        StringMap(None)
    }

    /// A path for `skip_serializing_if` (which does not see through `Deref`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Deref for StringMap {
    type Target = BTreeMap<String, String>;
    fn deref(&self) -> &Self::Target {
        self.0.as_deref().unwrap_or(&EMPTY)
    }
}

impl DerefMut for StringMap {
    fn deref_mut(&mut self) -> &mut Self::Target {
        Arc::make_mut(self.0.get_or_insert_with(Default::default))
    }
}

impl From<BTreeMap<String, String>> for StringMap {
    fn from(m: BTreeMap<String, String>) -> Self {
        StringMap((!m.is_empty()).then(|| Arc::new(m)))
    }
}

impl FromIterator<(String, String)> for StringMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        BTreeMap::from_iter(iter).into()
    }
}

impl StringMap {
    /// A map of borrowed pairs, for tests.
    #[cfg(test)]
    pub(crate) fn of(pairs: &[(&str, &str)]) -> Self {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

impl<const N: usize> From<[(String, String); N]> for StringMap {
    fn from(pairs: [(String, String); N]) -> Self {
        BTreeMap::from(pairs).into()
    }
}

impl<'a> IntoIterator for &'a StringMap {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for StringMap {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for StringMap {}

impl fmt::Debug for StringMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl Serialize for StringMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(d).map(StringMap::from)
    }
}

/// `metav1.ObjectMeta`, the parts svcscope reads.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub name: String,
    /// The prefix the apiserver completes into a name on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::string_map",
        skip_serializing_if = "StringMap::is_empty"
    )]
    pub labels: StringMap,
    #[serde(
        default,
        deserialize_with = "crate::model::string_map",
        skip_serializing_if = "StringMap::is_empty"
    )]
    pub annotations: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    /// The objects this one depends on; the one with `controller: true`
    /// manages it (a ReplicaSet its pods, a Deployment its ReplicaSets).
    // Shared: a workload's pods all carry their owner's one reference.
    #[serde(
        default,
        deserialize_with = "crate::model::null_as_default",
        skip_serializing_if = "<[_]>::is_empty"
    )]
    pub owner_references: Arc<[OwnerReference]>,
}

/// `metav1.OwnerReference`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub api_version: String,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub kind: String,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub uid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// Objects without a namespace land in `default`, as `kubectl apply`
/// without `-n` puts them.
pub const DEFAULT_NAMESPACE: &str = "default";

impl ObjectMeta {
    /// Puts a namespaced object without a namespace into `default`.
    pub fn default_namespace(&mut self) {
        if self.namespace.as_deref().unwrap_or("").is_empty() {
            self.namespace = Some(DEFAULT_NAMESPACE.into());
        }
    }

    /// The namespace, with "" for cluster-scoped objects.
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    /// The owner that manages the object (`controller: true`).
    pub fn controller_ref(&self) -> Option<&OwnerReference> {
        self.owner_references
            .iter()
            .find(|r| r.controller == Some(true))
    }
}

/// `intstr.IntOrString`: a port number or an IANA service port name.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number | string"))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IntOrString {
    Int(i32),
    Str(String),
}

impl std::fmt::Display for IntOrString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::Str(s) => f.write_str(s),
        }
    }
}

impl Serialize for IntOrString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(i) => s.serialize_i32(*i),
            IntOrString::Str(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("integer {v} is out of range for an int32")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("integer {v} is out of range for an int32")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `v1.ObjectReference`, as endpoints point at their pods.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

/// A `Namespace` object.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Namespace {
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub metadata: ObjectMeta,
}

#[cfg(test)]
mod tests {
    use super::StringMap;

    #[test]
    fn a_copy_is_shared_until_one_side_writes() {
        let template = StringMap::of(&[("app", "web")]);
        let mut pod = template.clone();
        assert!(std::ptr::eq(&*template, &*pod), "a copy shares the map");
        pod.insert("pod-template-hash".into(), "5d4b9c7f8".into());
        assert_eq!(
            template,
            StringMap::of(&[("app", "web")]),
            "the original is untouched"
        );
        assert_eq!(pod.len(), 2);
        assert!(!std::ptr::eq(&*template, &*pod));
    }

    #[test]
    fn empty_maps_are_equal_however_made_and_hold_nothing() {
        let mut emptied = StringMap::of(&[("a", "b")]);
        emptied.remove("a");
        assert_eq!(emptied, StringMap::new());
        assert_eq!(StringMap::default(), StringMap::of(&[]));
        assert!(StringMap::default().0.is_none() && StringMap::of(&[]).0.is_none());
        assert!(emptied.is_empty());
    }

    #[test]
    fn it_reads_and_writes_as_a_plain_json_object() {
        let m = StringMap::of(&[("b", "2"), ("a", "1")]);
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text, r#"{"a":"1","b":"2"}"#);
        assert_eq!(serde_json::from_str::<StringMap>(&text).unwrap(), m);
        assert_eq!(serde_json::to_string(&StringMap::new()).unwrap(), "{}");
    }
}
