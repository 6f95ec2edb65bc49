//! The controllers' randomness, from a seed: name suffixes as upstream's
//! `utilrand.String` draws them, UIDs, and scheduling ties. Each owner
//! has its own stream (seeded from the cluster's seed and the owner's
//! kind, namespace and name), so a change to one workload never renames
//! another's pods.

/// The alphabet of generated name suffixes (`k8s.io/apimachinery/pkg/util/rand`):
/// no vowels, no `0`, `1`, `3` (nothing that spells a word or looks
/// alike).
pub const ALPHANUMS: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";

/// How long generated name suffixes are (`names.SimpleNameGenerator`).
pub const SUFFIX_LEN: usize = 5;

/// A SplitMix64 generator: small, fast, and the same on every platform
/// (wasm32 included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng(u64);

impl Rng {
    /// The stream of one owner: the seed mixed with its identity.
    pub fn for_owner(seed: u64, kind: &str, namespace: &str, name: &str) -> Self {
        let mut r = Rng(seed ^ crate::hash::fnv1a_parts(&[kind, namespace, name]));
        // One round, so that neighbouring seeds start far apart.
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Go's `rand.Int63`: a non-negative 63-bit value.
    fn int63(&mut self) -> u64 {
        self.next_u64() >> 1
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `utilrand.String(n)`: 5 bits of a 63-bit draw per character,
    /// values past the alphabet skipped, a new draw every 12 characters'
    /// worth of bits.
    pub fn string(&mut self, n: usize) -> String {
        const IDX_BITS: u32 = 5;
        const IDX_MASK: u64 = (1 << IDX_BITS) - 1;
        const PER_DRAW: u32 = 63 / IDX_BITS;
        let mut out = String::with_capacity(n);
        let mut draw = self.int63();
        let mut remaining = PER_DRAW;
        while out.len() < n {
            if remaining == 0 {
                draw = self.int63();
                remaining = PER_DRAW;
            }
            let idx = (draw & IDX_MASK) as usize;
            if let Some(c) = ALPHANUMS.get(idx) {
                out.push(char::from(*c));
            }
            draw >>= IDX_BITS;
            remaining -= 1;
        }
        out
    }

    /// A version 4 UUID, as the apiserver gives every object: the 128
    /// bits in hex, dashed 8-4-4-4-12. Written digit by digit: every pod
    /// gets one, and `format!` was a visible share of making them.
    pub fn uid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        let a = (a & !0xf000) | 0x4000;
        let b = (b & !(0xc << 60)) | (0x8 << 60);
        // Written as bytes: a pod's UID was a visible share of making it.
        let mut out = Vec::with_capacity(36);
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                out.push(b'-');
            }
            let word = if i < 16 { a } else { b };
            let nibble = (word >> (60 - 4 * (i % 16))) & 0xf;
            out.push(b"0123456789abcdef"[nibble as usize]);
        }
        // Hex digits and dashes: always UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_use_upstreams_alphabet_and_length() {
        let mut r = Rng::for_owner(0, "ReplicaSet", "default", "web");
        for _ in 0..1000 {
            let s = r.string(SUFFIX_LEN);
            assert_eq!(s.len(), 5);
            assert!(s.bytes().all(|b| ALPHANUMS.contains(&b)), "{s}");
        }
    }

    #[test]
    fn every_letter_of_the_alphabet_is_drawn() {
        let mut r = Rng::for_owner(1, "ReplicaSet", "default", "web");
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            seen.extend(r.string(SUFFIX_LEN).bytes());
        }
        assert_eq!(seen.len(), ALPHANUMS.len());
    }

    #[test]
    fn streams_depend_on_seed_and_owner_only() {
        let draw = |seed, name| Rng::for_owner(seed, "ReplicaSet", "default", name).string(5);
        assert_eq!(draw(0, "web"), draw(0, "web"));
        assert_ne!(draw(0, "web"), draw(1, "web"));
        assert_ne!(draw(0, "web"), draw(0, "api"));
    }

    #[test]
    fn uids_are_the_two_draws_in_hex_dashed_8_4_4_4_12() {
        let mut r = Rng::for_owner(7, "Pod", "default", "a");
        let mut copy = r.clone();
        let (a, b) = (copy.next_u64(), copy.next_u64());
        let a = (a & !0xf000) | 0x4000;
        let b = (b & !(0xc << 60)) | (0x8 << 60);
        let expected = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        );
        assert_eq!(r.uid(), expected);
    }

    #[test]
    fn uids_are_version_4() {
        let u = Rng::for_owner(0, "Pod", "default", "a").uid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}
