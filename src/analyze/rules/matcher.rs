//! Multi-pattern search whose cost per character of text does not depend on
//! the number of patterns: a fixed-size Bloom filter over each pattern's first
//! two characters (its *bigram*), then an anchored comparison against the few
//! patterns that start with a bigram that passed the filter.
//!
//! A classic Aho-Corasick automaton takes one transition per character (or
//! byte), but with tens of thousands of CJK patterns its states no longer fit
//! in cache, and almost every character of ordinary text costs a cache miss:
//! the automaton made 10,000 rules about 3.5× as expensive as 10 on the same
//! posts. Here every character costs one probe into a bit array of 4 KiB
//! (small sets) to 128 KiB (40,000 bigrams) that stays in L1 or L2; only the
//! (rare) positions where a pattern's bigram occurs reach the hash table and
//! the byte comparison.
//!
//! The result is the same set of (pattern, start, end) as Aho-Corasick's
//! overlapping search (see the property test below); only the order differs
//! (by start rather than by end).

use rustc_hash::FxHashMap;

/// log2 of the Bloom filter's minimum size in 64-bit words: 2^9 words =
/// 4 KiB. Every character of a post probes the filter, so a small rule set
/// (the shipped one has a few hundred bigrams) gets a filter that stays in
/// L1 beside the tokenizer's and the lexicons' tables instead of 128 KiB
/// that the other stages of the analysis evict between posts.
const MIN_WORDS_LOG2: u32 = 9;

/// Bigrams per 64-bit word of the filter, at most: 16 bits per bigram (two
/// set), so at most about 8 of a word's 64 bits are set and a probe passes
/// falsely at most about 1.5% of the time. 40,000 bigrams get 2^14 words =
/// 128 KiB, as they did when that was the minimum.
const MAX_KEYS_PER_WORD: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Entry {
    pat: u32,
    /// Pattern bytes: `bytes[off..off + len]`.
    off: u32,
    len: u32,
}

pub(crate) struct Matcher {
    /// Blocked Bloom filter over bigram keys: one word per key, two bits.
    bloom: Box<[u64]>,
    shift: u32,
    /// Bigram key → `entries[a..b]`, the patterns of two or more characters
    /// that start with it.
    bigrams: FxHashMap<u64, (u32, u32)>,
    entries: Vec<Entry>,
    bytes: Vec<u8>,
    /// 64 Ki-bit filter over the keys of the characters that start some
    /// pattern: the one probe most characters of a text cost.
    starts: Box<[u64; 1024]>,
    /// One-character patterns, by the character's key, behind their own
    /// 64 Ki-bit filter.
    singles: FxHashMap<u64, u32>,
    single_bits: Box<[u64; 1024]>,
}

/// Length of the UTF-8 sequence that starts with `lead` (a character
/// boundary of a `str`, so never a continuation byte).
#[inline(always)]
fn utf8_len(lead: u8) -> usize {
    // Length minus one in 2 bits per value of the lead byte's top four bits:
    // 0x0_–0x7_ (ASCII) 0, 0xC_ and 0xD_ 1, 0xE_ 2, 0xF_ 3 (0x8_–0xB_ are
    // continuation bytes). A shift and a mask instead of branches.
    const TABLE: u32 = 0b11_10_01_01 << 24;
    ((TABLE >> ((lead >> 4) * 2)) & 3) as usize + 1
}

/// The first eight bytes of `hay[i..]`, zero-padded, little-endian.
#[inline(always)]
fn load8(hay: &[u8], i: usize) -> u64 {
    match hay.get(i..i + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().expect("8 bytes")),
        None => {
            let mut buf = [0u8; 8];
            let rest = &hay[i..];
            buf[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(buf)
        }
    }
}

/// The low `n` (1..=8) bytes of `w`.
#[inline(always)]
fn low_bytes(w: u64, n: usize) -> u64 {
    w & (u64::MAX >> (64 - 8 * n))
}

/// The key of the text's first one or two characters: their UTF-8 bytes as a
/// little-endian integer (two characters take at most eight bytes). Built
/// from the bytes, the same way as in [`Matcher::for_each`], so that the
/// text is never decoded into `char`s.
fn key_of(s: &str) -> u64 {
    let b = s.as_bytes();
    let l1 = utf8_len(b[0]);
    let n = match b.get(l1) {
        Some(&lead) => l1 + utf8_len(lead),
        None => l1,
    };
    low_bytes(load8(b, 0), n)
}

fn hash(k: u64) -> u64 {
    let h = (k ^ (k >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 32)
}

/// Bit of a one-character key in the 64 Ki-bit filters.
#[inline(always)]
fn single_bit(k: u64) -> usize {
    ((k as u32).wrapping_mul(0x9e37_79b1) >> 16) as usize
}

impl Matcher {
    /// `patterns[i]` gets id `i`. Patterns must be distinct and non-empty.
    pub fn new(patterns: &[String]) -> Matcher {
        let mut groups: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        let mut singles = FxHashMap::default();
        // Fixed-size arrays: a 16-bit index needs no bounds check.
        let mut single_bits = Box::new([0u64; 1024]);
        let mut starts = Box::new([0u64; 1024]);
        for (i, p) in patterns.iter().enumerate() {
            if !p.is_empty() {
                let bit = single_bit(key_of(&p[..p.chars().next().map_or(0, char::len_utf8)]));
                starts[bit >> 6] |= 1 << (bit & 63);
            }
            let mut cs = p.chars();
            match (cs.next(), cs.next()) {
                (Some(_), Some(_)) => groups.entry(key_of(p)).or_default().push(i as u32),
                (Some(_), None) => {
                    let k = key_of(p);
                    singles.insert(k, i as u32);
                    let bit = single_bit(k);
                    single_bits[bit >> 6] |= 1 << (bit & 63);
                }
                (None, _) => debug_assert!(false, "empty pattern"),
            }
        }
        let mut words_log2 = MIN_WORDS_LOG2;
        while (1usize << words_log2) * MAX_KEYS_PER_WORD < groups.len() {
            words_log2 += 1;
        }
        let shift = 64 - words_log2;
        let mut bloom = vec![0u64; 1 << words_log2].into_boxed_slice();
        let mut keys: Vec<u64> = groups.keys().copied().collect();
        keys.sort_unstable();
        let mut bigrams = FxHashMap::default();
        bigrams.reserve(keys.len());
        let mut entries = Vec::new();
        let mut bytes = Vec::new();
        for k in keys {
            let h = hash(k);
            bloom[(h >> shift) as usize] |= bloom_bits(h);
            let a = entries.len() as u32;
            for &pat in &groups[&k] {
                let p = patterns[pat as usize].as_bytes();
                entries.push(Entry {
                    pat,
                    off: bytes.len() as u32,
                    len: p.len() as u32,
                });
                bytes.extend_from_slice(p);
            }
            bigrams.insert(k, (a, entries.len() as u32));
        }
        Matcher {
            bloom,
            shift,
            bigrams,
            entries,
            bytes,
            starts,
            singles,
            single_bits,
        }
    }

    /// Calls `found(pattern, start, end)` for every occurrence of every
    /// pattern in `text`, overlapping ones included, in order of `start`.
    #[inline]
    pub fn for_each(&self, text: &str, mut found: impl FnMut(u32, usize, usize)) {
        // Character by character on the raw bytes: the lead byte gives the
        // length, one unaligned load the key of the character (and of the
        // next), one probe whether any pattern starts with it. Decoding
        // `char`s and hashing every bigram cost about twice as much.
        let hay = text.as_bytes();
        let mut i = 0;
        while let Some(&lead) = hay.get(i) {
            let l1 = utf8_len(lead);
            let w = load8(hay, i);
            let k1 = low_bytes(w, l1);
            let bit = single_bit(k1);
            if self.starts[bit >> 6] & (1 << (bit & 63)) != 0 {
                self.patterns_at(hay, i, l1, w, bit, &mut found);
            }
            i += l1;
        }
    }

    /// The patterns that start at `hay[i..]`, whose first character (of
    /// `l1` bytes, key bit `bit`) starts some pattern; `w` is
    /// `load8(hay, i)`.
    #[inline]
    fn patterns_at(
        &self,
        hay: &[u8],
        i: usize,
        l1: usize,
        w: u64,
        bit: usize,
        found: &mut impl FnMut(u32, usize, usize),
    ) {
        if self.single_bits[bit >> 6] & (1 << (bit & 63)) != 0
            && let Some(&pat) = self.singles.get(&low_bytes(w, l1))
        {
            found(pat, i, i + l1);
        }
        let Some(&next) = hay.get(i + l1) else {
            return;
        };
        let k = low_bytes(w, l1 + utf8_len(next));
        let h = hash(k);
        let bits = bloom_bits(h);
        if self.bloom[(h >> self.shift) as usize] & bits == bits
            && let Some(&(a, b)) = self.bigrams.get(&k)
        {
            let rest = &hay[i..];
            for e in &self.entries[a as usize..b as usize] {
                let p = &self.bytes[e.off as usize..(e.off + e.len) as usize];
                if rest.starts_with(p) {
                    found(e.pat, i, i + p.len());
                }
            }
        }
    }
}

fn bloom_bits(h: u64) -> u64 {
    (1 << (h & 63)) | (1 << ((h >> 6) & 63))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};
    use proptest::prelude::*;

    fn ours(patterns: &[String], text: &str) -> Vec<(u32, usize, usize)> {
        let m = Matcher::new(patterns);
        let mut out = Vec::new();
        m.for_each(text, |p, s, e| out.push((p, s, e)));
        out.sort_unstable();
        out
    }

    fn reference(patterns: &[String], text: &str) -> Vec<(u32, usize, usize)> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .unwrap();
        let mut out: Vec<_> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_u32(), m.start(), m.end()))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_overlapping_and_single_character_patterns() {
        let pats: Vec<String> = ["食堂", "食堂饭菜", "堂", "饭菜", "a", "ab", "😀x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let text = "二食堂饭菜ab😀x堂";
        assert_eq!(ours(&pats, text), reference(&pats, text));
        assert_eq!(ours(&pats, text).len(), 8);
        assert!(ours(&pats, "").is_empty());
        assert_eq!(ours(&pats, "堂"), vec![(2, 0, 3)]);
    }

    #[test]
    fn lead_bytes_give_the_character_length() {
        for c in [
            'a',
            '\u{7f}',
            'é',
            '\u{7ff}',
            '食',
            '\u{ffff}',
            '😀',
            '\u{10ffff}',
        ] {
            let mut buf = [0u8; 4];
            let s = c.encode_utf8(&mut buf);
            assert_eq!(utf8_len(s.as_bytes()[0]), c.len_utf8(), "{c:?}");
        }
        assert_eq!(key_of("食堂饭"), key_of("食堂"));
        assert_ne!(key_of("食堂"), key_of("食"));
    }

    proptest! {
        #[test]
        fn same_matches_as_aho_corasick_overlapping(
            pats in prop::collection::hash_set("[食堂饭菜a-c😀é]{1,4}", 1..40),
            text in "[食堂饭菜a-c😀é 学]{0,80}",
        ) {
            let pats: Vec<String> = pats.into_iter().collect();
            prop_assert_eq!(ours(&pats, &text), reference(&pats, &text));
        }
    }
}
