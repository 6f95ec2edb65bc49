//! How close a name someone typed is to a name that exists: the one
//! measure behind every "did you mean" (selector values, port names,
//! Service and namespace names, `$(VAR)` references, misspelled fields).
//!
//! Cheap slips that are not edits come first — letter case, `-` vs `_` vs
//! `.`, a missing or extra plural `s`, and for dotted (DNS) names a
//! missing namespace or domain suffix — then Damerau–Levenshtein edits
//! (the optimal string alignment form: a swap of two neighbours is one
//! edit), allowed in proportion to the name's length so that short,
//! unrelated names are never "close". Ties are broken by the candidate's
//! text, so answers never depend on input order.

use std::cmp::Ordering;

/// How a typed name differs from a candidate, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slip {
    /// Only letter case differs (`MyApp` / `myapp`).
    Case,
    /// Only the separators `-`, `_`, `.` differ, maybe with case
    /// (`redis_master` / `redis-master`).
    Separator,
    /// A plural `s` more or less (`replica` / `replicas`).
    Plural,
    /// A dotted name without some of its labels: a namespace, `svc`, the
    /// cluster domain (`redis-master.svc.cluster.local` for
    /// `redis-master.my-ns.svc.cluster.local`). Only [`compare_dotted`]
    /// finds it.
    Missing,
    /// This many insertions, deletions, substitutions or swaps of
    /// neighbours, case ignored.
    Edits(usize),
}

impl Slip {
    /// Words for a message: "differs only in letter case", …
    pub fn describe(self) -> String {
        match self {
            Slip::Case => "differs only in letter case".into(),
            Slip::Separator => "differs only in its separators (-, _, .)".into(),
            Slip::Plural => "differs by a plural s".into(),
            Slip::Missing => "lacks a part of the name (a namespace or domain suffix)".into(),
            Slip::Edits(1) => "one letter off".into(),
            Slip::Edits(n) => format!("{n} letters off"),
        }
    }

    /// Two slips in one name (a key and its value, two labels of a DNS
    /// name): the worse of them, edits added up.
    pub fn and(self, other: Slip) -> Slip {
        match (self, other) {
            (Slip::Edits(a), Slip::Edits(b)) => Slip::Edits(a + b),
            (a, b) => a.max(b),
        }
    }
}

/// The most edits a name of `len` characters may be off and still be
/// taken for a slip: none up to two characters (any edit makes another
/// name), one up to five, then one more per four (`htpp`→`http`,
/// `paymnets`→`payments`, `redis-mastr`→`redis-master`).
pub fn max_edits(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=5 => 1,
        _ => 1 + (len - 2) / 4,
    }
}

/// How `typed` differs from `candidate`, when it is close enough to be a
/// slip; `None` when equal or unrelated.
pub fn compare(typed: &str, candidate: &str) -> Option<Slip> {
    if typed == candidate || typed.is_empty() || candidate.is_empty() {
        return None;
    }
    if typed.is_ascii() && candidate.is_ascii() {
        compare_ascii(typed.as_bytes(), candidate.as_bytes())
    } else {
        compare_folded(typed, candidate)
    }
}

/// [`compare`] of any two names, by their folded characters.
fn compare_folded(typed: &str, candidate: &str) -> Option<Slip> {
    let (a, b) = (fold_case(typed), fold_case(candidate));
    if a == b {
        return Some(Slip::Case);
    }
    if fold_separators(&a) == fold_separators(&b) {
        return Some(Slip::Separator);
    }
    if a.strip_suffix('s') == Some(b.as_str()) || b.strip_suffix('s') == Some(a.as_str()) {
        return Some(Slip::Plural);
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let limit = max_edits(a.len().min(b.len()));
    if limit == 0 {
        return None;
    }
    osa_distance(&a, &b, limit).map(Slip::Edits)
}

/// [`compare`] for ASCII names, the common case, without allocating for
/// the candidates it rejects: a "did you mean" compares one typed name
/// with every value of a label key, every Service of a namespace.
fn compare_ascii(a: &[u8], b: &[u8]) -> Option<Slip> {
    let (m, n) = (a.len(), b.len());
    let limit = max_edits(m.min(n));
    // Far off in length: neither a slip nor within the edits allowed.
    if m.abs_diff(n) > limit.max(1) {
        return None;
    }
    if a.eq_ignore_ascii_case(b) {
        return Some(Slip::Case);
    }
    let sep = |c: &u8| match c.to_ascii_lowercase() {
        b'_' | b'.' => b'-',
        c => c,
    };
    if m == n && a.iter().map(sep).eq(b.iter().map(sep)) {
        return Some(Slip::Separator);
    }
    let (short, long) = if m < n { (a, b) } else { (b, a) };
    if long.len() == short.len() + 1
        && long[long.len() - 1].eq_ignore_ascii_case(&b's')
        && long[..short.len()].eq_ignore_ascii_case(short)
    {
        return Some(Slip::Plural);
    }
    if limit == 0 {
        return None;
    }
    // Bag distance bounds the edit distance from below (an edit changes
    // the letters counted by one at most, a swap not at all): most
    // candidates are rejected here, before the table.
    let mut counts = [0i32; 128];
    for c in a {
        counts[usize::from(c.to_ascii_lowercase())] += 1;
    }
    for c in b {
        counts[usize::from(c.to_ascii_lowercase())] -= 1;
    }
    // Summed over the letters the names use (each once: its count is
    // cleared), not over the whole alphabet.
    let (mut more, mut fewer) = (0usize, 0usize);
    for c in a.iter().chain(b) {
        let slot = &mut counts[usize::from(c.to_ascii_lowercase())];
        more += (*slot).max(0) as usize;
        fewer += (-*slot).max(0) as usize;
        *slot = 0;
    }
    if more.max(fewer) > limit {
        return None;
    }
    // Names are short: folded on the stack, no allocation per candidate.
    let (mut sa, mut sb) = ([0u8; SHORT], [0u8; SHORT]);
    let (va, vb);
    let (a, b): (&[u8], &[u8]) = if m <= SHORT && n <= SHORT {
        sa[..m].copy_from_slice(a);
        sb[..n].copy_from_slice(b);
        sa[..m].make_ascii_lowercase();
        sb[..n].make_ascii_lowercase();
        (&sa[..m], &sb[..n])
    } else {
        (va, vb) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
        (&va, &vb)
    };
    osa_distance(a, b, limit).map(Slip::Edits)
}

/// The longest names compared without allocating: a label value's 63
/// characters, and then some.
const SHORT: usize = 64;

/// How dotted name `typed` differs from `candidate`, label by label
/// (case ignored, a trailing dot too): [`Slip::Missing`] when `typed`
/// is `candidate` with some labels left out, its first label kept;
/// otherwise, with as many labels, each differing label must be a slip of
/// its own ([`compare`]) and the result is the worst of them. `None` when
/// equal or unrelated. Whole-name edits would call `redis-slave.shop`
/// close to `redis-master.shop`: labels are compared one by one instead.
pub fn compare_dotted(typed: &str, candidate: &str) -> Option<Slip> {
    let fold = |s: &str| fold_case(s.strip_suffix('.').unwrap_or(s));
    let (a, b) = (fold(typed), fold(candidate));
    if a == b || a.is_empty() || b.is_empty() {
        return None;
    }
    let (ta, tb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    if ta.len() < tb.len() {
        // A subsequence of the candidate's labels, starting with its first.
        let mut rest = tb[1..].iter();
        let kept = ta[0] == tb[0] && ta[1..].iter().all(|l| rest.any(|m| m == l));
        return kept.then_some(Slip::Missing);
    }
    if ta.len() > tb.len() {
        return None;
    }
    let mut worst: Option<Slip> = None;
    for (x, y) in ta.iter().zip(&tb) {
        if x != y {
            let s = compare(x, y)?;
            worst = Some(worst.map_or(s, |w| w.and(s)));
        }
    }
    worst
}

/// The candidates close to `typed`, best first (slip, then candidate text).
pub fn ranked<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<(&'a str, Slip)> {
    let mut out: Vec<(&str, Slip)> = candidates
        .into_iter()
        .filter_map(|c| compare(typed, c).map(|s| (c, s)))
        .collect();
    crate::order::sort_by(&mut out, |x, y| x.1.cmp(&y.1).then_with(|| x.0.cmp(y.0)));
    out.dedup_by(|x, y| x.0 == y.0);
    out
}

/// The candidates tied for closest to `typed` (the best slip), by text:
/// a "did you mean" offers these, not the worse ones after them.
pub fn best<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<(&'a str, Slip)> {
    let mut all = ranked(typed, candidates);
    if let Some(&(_, top)) = all.first() {
        all.retain(|(_, s)| *s == top);
    }
    all
}

/// The best candidate for `typed`, if any is close.
pub fn closest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<(&'a str, Slip)> {
    candidates
        .into_iter()
        .filter_map(|c| compare(typed, c).map(|s| (c, s)))
        .min_by(|x, y| match x.1.cmp(&y.1) {
            Ordering::Equal => x.0.cmp(y.0),
            o => o,
        })
}

fn fold_case(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn fold_separators(s: &str) -> String {
    s.chars()
        .map(|c| if matches!(c, '_' | '.') { '-' } else { c })
        .collect()
}

/// Optimal string alignment distance, or `None` once it is certainly
/// above `limit` (the row minimum only grows).
fn osa_distance<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let w = b.len() + 1;
    // Three rows: two back (for swaps), the previous, the current; on the
    // stack for short names.
    let mut stack = [[0usize; SHORT + 1]; 3];
    let mut heap;
    let [r0, r1, r2] = if w <= SHORT + 1 {
        let [r0, r1, r2] = &mut stack;
        [&mut r0[..w], &mut r1[..w], &mut r2[..w]]
    } else {
        heap = [vec![0usize; w], vec![0usize; w], vec![0usize; w]];
        let [r0, r1, r2] = &mut heap;
        [&mut r0[..], &mut r1[..], &mut r2[..]]
    };
    let (mut prev2, mut prev, mut cur) = (r0, r1, r2);
    for (j, v) in prev.iter_mut().enumerate() {
        *v = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= limit).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_and_edits() {
        let cases: &[(&str, &str, Option<Slip>)] = &[
            ("MyApp", "myapp", Some(Slip::Case)),
            ("targetport", "targetPort", Some(Slip::Case)),
            ("IP", "ip", Some(Slip::Case)),
            ("redis_master", "redis-master", Some(Slip::Separator)),
            ("Redis.Master", "redis-master", Some(Slip::Separator)),
            ("replica", "replicas", Some(Slip::Plural)),
            ("labels", "label", Some(Slip::Plural)),
            // Swaps of neighbours are one edit.
            ("paymnets", "payments", Some(Slip::Edits(1))),
            ("htpp", "http", Some(Slip::Edits(1))),
            ("lables", "labels", Some(Slip::Edits(1))),
            ("protectionDoamin", "protectionDomain", Some(Slip::Edits(1))),
            // Insertions, deletions, substitutions.
            ("redis-mastr", "redis-master", Some(Slip::Edits(1))),
            ("imagePullPolcy", "imagePullPolicy", Some(Slip::Edits(1))),
            ("slector", "selector", Some(Slip::Edits(1))),
            (
                "REDIS_MASTR_SERVICE_HOST",
                "REDIS_MASTER_SERVICE_HOST",
                Some(Slip::Edits(1)),
            ),
            ("contianerPort", "containerPort", Some(Slip::Edits(1))),
            ("frontned", "frontend", Some(Slip::Edits(1))),
            // Unrelated names are not close, short ones least of all.
            ("web", "api", None),
            ("db", "dns", None),
            ("checkout", "payments", None),
            ("app", "tier", None),
            ("a", "b", None),
            ("ab", "ac", None),
            ("redis", "mysql", None),
            // Equal or empty: nothing to suggest.
            ("http", "http", None),
            ("", "http", None),
            ("http", "", None),
            // Unicode is compared by character.
            ("café", "cafe", Some(Slip::Edits(1))),
            ("ñandú", "Ñandú", Some(Slip::Case)),
        ];
        for (typed, cand, want) in cases {
            assert_eq!(compare(typed, cand), *want, "{typed:?} vs {cand:?}");
        }
    }

    #[test]
    fn dotted_names_compare_label_by_label() {
        let zone = "redis-master.my-ns.svc.cluster.local";
        let cases: &[(&str, &str, Option<Slip>)] = &[
            // A namespace, `svc` or the domain left out.
            ("redis-master.svc.cluster.local", zone, Some(Slip::Missing)),
            (
                "redis-master.my-ns.cluster.local",
                zone,
                Some(Slip::Missing),
            ),
            ("redis-master.my-ns.svc", zone, Some(Slip::Missing)),
            ("redis-master.my-ns", zone, Some(Slip::Missing)),
            ("cluster", "cluster.local", Some(Slip::Missing)),
            // The first label is the name itself: never left out.
            ("my-ns.svc.cluster.local", zone, None),
            // Labels in another order are not a subsequence.
            ("my-ns.redis-master.svc.cluster.local", zone, None),
            // One label off.
            (
                "redis-mastr.my-ns.svc.cluster.local",
                zone,
                Some(Slip::Edits(1)),
            ),
            (
                "redis-master.my-ns.scv.cluster.local",
                zone,
                Some(Slip::Edits(1)),
            ),
            ("cluster.locl", "cluster.local", Some(Slip::Edits(1))),
            ("REDIS-MASTER.my-ns.svc.cluster.local.", zone, None),
            (
                "Redis_Master.my-ns.svc.cluster.local",
                zone,
                Some(Slip::Separator),
            ),
            // Two labels off: the edits add up.
            (
                "redis-mastr.my-nss.svc.cluster.local",
                zone,
                Some(Slip::Edits(1).and(Slip::Plural)),
            ),
            (
                "redis-mastr.my-sn.svc.cluster.local",
                zone,
                Some(Slip::Edits(2)),
            ),
            // Whole-name edits would call these close; labels do not.
            ("redis-slave.my-ns.svc.cluster.local", zone, None),
            (
                "web.my-ns.svc.cluster.local",
                "api.my-ns.svc.cluster.local",
                None,
            ),
            // A label more, or a typo besides a missing label: no.
            ("x.redis-master.my-ns.svc.cluster.local", zone, None),
            ("redis-mastr.svc.cluster.local", zone, None),
            ("", zone, None),
            (".", zone, None),
        ];
        for (typed, cand, want) in cases {
            assert_eq!(compare_dotted(typed, cand), *want, "{typed:?} vs {cand:?}");
        }
    }

    #[test]
    fn slips_combine_to_the_worse() {
        assert_eq!(Slip::Case.and(Slip::Separator), Slip::Separator);
        assert_eq!(Slip::Plural.and(Slip::Case), Slip::Plural);
        assert_eq!(Slip::Edits(1).and(Slip::Edits(2)), Slip::Edits(3));
        assert_eq!(Slip::Case.and(Slip::Edits(1)), Slip::Edits(1));
        assert!(Slip::Missing < Slip::Edits(1) && Slip::Plural < Slip::Missing);
    }

    #[test]
    fn allowance_grows_with_length() {
        assert_eq!(max_edits(1), 0);
        assert_eq!(max_edits(3), 1);
        assert_eq!(max_edits(5), 1);
        assert_eq!(max_edits(8), 2);
        assert_eq!(max_edits(253), 63);
        let long_a = "a".repeat(253);
        let mut long_b = long_a.clone();
        long_b.replace_range(100..102, "bc");
        assert_eq!(compare(&long_a, &long_b), Some(Slip::Edits(2)));
        assert_eq!(compare(&long_a, &"b".repeat(253)), None);
        // Two edits on a short name are too many.
        assert_eq!(compare("htp", "http2"), None);
    }

    #[test]
    fn ranking_is_best_first_and_deterministic() {
        let cands = ["payments-v2", "Payments", "payment", "paymnets", "checkout"];
        let r = ranked("payments", cands);
        let names: Vec<&str> = r.iter().map(|(c, _)| *c).collect();
        assert_eq!(names, ["Payments", "payment", "paymnets"]);
        let mut rev = cands;
        rev.reverse();
        assert_eq!(ranked("payments", rev), r);
        assert_eq!(best("payments", cands), [("Payments", Slip::Case)]);
        assert_eq!(
            best("web-o", ["web-1", "web-0", "web-00"]),
            [("web-0", Slip::Edits(1)), ("web-1", Slip::Edits(1))]
        );
        assert_eq!(best("zzz", ["http"]), []);
        // Equal slips: the candidate text decides.
        assert_eq!(
            closest("htp", ["htpx", "http", "htpa"]),
            Some(("htpa", Slip::Edits(1)))
        );
        assert_eq!(closest("zzz", ["http"]), None);
    }

    #[test]
    fn distance_matches_the_textbook() {
        for (a, b, d) in [
            ("kitten", "sitting", 3),
            ("ca", "ac", 1),
            ("abc", "ca", 3), // OSA, not unrestricted Damerau–Levenshtein
            ("", "abc", 3),
            ("flaw", "lawn", 2),
        ] {
            assert_eq!(
                osa_distance(a.as_bytes(), b.as_bytes(), 10),
                Some(d),
                "{a} {b}"
            );
        }
        assert_eq!(osa_distance(b"kitten", b"sitting", 2), None);
    }

    #[test]
    fn names_longer_than_the_stack_buffers_compare_alike() {
        // 70 and 71 characters: past `SHORT`, so folded and tabled on the heap.
        let long = "a-very-long-label-value-for-a-service-that-someone-typed-by-hand-abcdef";
        let typo = long.replace("typed", "tpyed");
        assert_eq!(compare(long, &typo), Some(Slip::Edits(1)));
        assert_eq!(compare(&long.to_uppercase(), long), Some(Slip::Case));
        assert_eq!(compare(long, &format!("{long}x")), Some(Slip::Edits(1)));
        assert_eq!(compare(&typo, &format!("{long}xy")), Some(Slip::Edits(3)));
    }

    proptest::proptest! {
        /// The allocation-free ASCII path and its bag-distance shortcut
        /// answer what the general path answers.
        #[test]
        fn the_ascii_path_agrees_with_the_general_one(
            a in "[abAB_.s-]{1,12}|[ab-]{60,70}",
            b in "[abAB_.s-]{1,12}|[ab-]{60,70}",
        ) {
            if a != b {
                proptest::prop_assert_eq!(compare(&a, &b), compare_folded(&a, &b));
            }
        }
    }
}
