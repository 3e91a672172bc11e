//! The weights of an n-gram model, feature key → weight, in three flat
//! arrays instead of a map of `String`s.
//!
//! A served engine keeps two models of about 57,000 keys between them; as a
//! `BTreeMap<String, f32>` each key cost a heap allocation, a `String` header
//! and tree-node slack (about 3.5 MiB), as one sorted arena about 1 MiB. The
//! JSON form is unchanged (an object, keys in sorted order), so model files
//! read and write exactly as before.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Feature key → weight, sorted by key.
///
/// ```
/// use madoguchi::decide::classifier::Weights;
/// let w: Weights = [("ばか", 1.5), ("あり", -0.5), ("ばか", 2.0)].into_iter().collect();
/// assert_eq!(w.len(), 2);
/// assert_eq!(w.get("ばか"), Some(2.0)); // a later duplicate wins, as in a map
/// assert_eq!(w.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["あり", "ばか"]);
/// assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"あり":-0.5,"ばか":2.0}"#);
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Weights {
    /// All keys, concatenated in sorted order.
    keys: String,
    /// End of key `i` in `keys` (its start is the previous end).
    ends: Vec<u32>,
    values: Vec<f32>,
}

impl Weights {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// No keys at all.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn key(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.keys[start..self.ends[i] as usize]
    }

    /// The weight of `key` (binary search).
    pub fn get(&self, key: &str) -> Option<f32> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.key(mid).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.values[mid]),
            }
        }
        None
    }

    /// Keys and weights in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f32)> + '_ {
        (0..self.len()).map(|i| (self.key(i), self.values[i]))
    }

    /// The weights in key order.
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        self.values.iter().copied()
    }
}

impl<K: AsRef<str>> FromIterator<(K, f32)> for Weights {
    /// Sorts by key; of two equal keys the later one is kept (map semantics).
    fn from_iter<I: IntoIterator<Item = (K, f32)>>(iter: I) -> Self {
        let mut pairs: Vec<(K, f32)> = iter.into_iter().collect();
        // Stable, so equal keys stay in input order and the last one wins below.
        pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let mut out = Weights::default();
        for (k, v) in pairs {
            let k = k.as_ref();
            if !out.is_empty() && out.key(out.len() - 1) == k {
                *out.values.last_mut().expect("non-empty") = v;
                continue;
            }
            out.keys.push_str(k);
            out.ends.push(u32::try_from(out.keys.len()).expect("model keys under 4 GiB"));
            out.values.push(v);
        }
        out.keys.shrink_to_fit();
        out.ends.shrink_to_fit();
        out.values.shrink_to_fit();
        out
    }
}

impl fmt::Debug for Weights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Weights {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, &v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Weights {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WeightsVisitor;
        impl<'de> Visitor<'de> for WeightsVisitor {
            type Value = Weights;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of feature → weight")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Weights, A::Error> {
                let mut pairs: Vec<(String, f32)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(pair) = map.next_entry::<String, f32>()? {
                    pairs.push(pair);
                }
                Ok(pairs.into_iter().collect())
            }
        }
        deserializer.deserialize_map(WeightsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_agree_with_a_map() {
        let pairs = [("b", 2.0), ("a", 1.0), ("ab", 3.0), ("", 4.0), ("あ", 5.0), ("a", 6.0)];
        let w: Weights = pairs.iter().copied().collect();
        let map: std::collections::BTreeMap<&str, f32> = pairs.iter().copied().collect();
        assert_eq!(w.iter().collect::<Vec<_>>(), map.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>());
        for k in ["", "a", "ab", "b", "あ", "c", "aa", "い"] {
            assert_eq!(w.get(k), map.get(k).copied(), "{k}");
        }
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, serde_json::to_string(&map).unwrap());
        assert_eq!(serde_json::from_str::<Weights>(&json).unwrap(), w);
        assert!(serde_json::from_str::<Weights>("[1]").is_err());
        assert!(Weights::default().is_empty() && Weights::default().get("a").is_none());
    }
}
