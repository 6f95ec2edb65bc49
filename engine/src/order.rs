//! Stable sorting through one instance: the element type is sorted through
//! a permutation of indexes, so the program holds one merge sort where each
//! `slice::sort_by` call site held its own (about 3 KB of wasm apiece, forty
//! of them). The engine and the playground sort through it; on the
//! hottest path, the per-Service refresh of endpoints, it costs 0.3 % more
//! instructions than the slice methods (30,000 pods materialized), as it
//! moves indexes where those moved whole addresses.

use std::cmp::Ordering;
use std::collections::BTreeSet;

/// `v.sort_by(cmp)`: stable, the same order.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut perm: Vec<usize> = (0..v.len()).collect();
    {
        let items: &[T] = v;
        sort_indexes(&mut perm, &mut |a, b| cmp(&items[a], &items[b]));
    }
    permute(v, perm);
}

/// `v.sort_by_key(key)`: stable, the key worked out per comparison.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// `v.sort_by_cached_key(key)`: stable, each key worked out once.
pub fn sort_by_cached_key<T, K: Ord>(v: &mut [T], key: impl FnMut(&T) -> K) {
    if v.len() < 2 {
        return;
    }
    let keys: Vec<K> = v.iter().map(key).collect();
    let mut perm: Vec<usize> = (0..v.len()).collect();
    sort_indexes(&mut perm, &mut |a, b| keys[a].cmp(&keys[b]));
    permute(v, perm);
}

/// `v.sort()`: stable.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// A set of one. `BTreeSet::from([item])`, like every collect into a
/// B-tree, sorts its items first, with a sort of their own type; the
/// engine and the playground build their B-trees by insertion (`extend`)
/// instead.
pub fn set_of<T: Ord>(item: T) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.insert(item);
    set
}

/// The one sort: indexes, compared through `cmp`.
#[inline(never)]
fn sort_indexes(perm: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    perm.sort_by(|&a, &b| cmp(a, b));
}

/// Puts the element at `perm[i]` at `i`, each cycle of the permutation
/// followed once by swaps.
fn permute<T>(v: &mut [T], mut perm: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..v.len() {
        let mut i = start;
        while perm[i] != DONE {
            let from = perm[i];
            perm[i] = DONE;
            if from == start {
                break;
            }
            v.swap(i, from);
            i = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the slice's stable sort, ties included.
        #[test]
        fn sorts_as_the_slice_sorts(keys in proptest::collection::vec(0u8..8, 0..200)) {
            let tagged: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            let mut want = tagged.clone();
            want.sort_by_key(|t| t.0);
            let mut got = tagged.clone();
            sort_by_key(&mut got, |t| t.0);
            prop_assert_eq!(&got, &want);
            let mut got = tagged.clone();
            sort_by_cached_key(&mut got, |t| t.0);
            prop_assert_eq!(&got, &want);
            // Descending, through a comparator.
            let mut got = tagged;
            sort_by(&mut got, |a, b| b.0.cmp(&a.0));
            want.sort_by_key(|t| std::cmp::Reverse(t.0));
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn sorts_owned_values() {
        let mut v: Vec<String> = ["b", "c", "a", "b"].map(String::from).to_vec();
        sort(&mut v);
        assert_eq!(v, ["a", "b", "b", "c"]);
    }
}
