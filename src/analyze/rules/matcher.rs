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
    /// One-character patterns, by character, behind a 64 Ki-bit filter.
    singles: FxHashMap<char, u32>,
    single_bits: Box<[u64]>,
}

fn key(a: char, b: char) -> u64 {
    ((a as u64) << 21) | b as u64
}

fn hash(k: u64) -> u64 {
    let h = (k ^ (k >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 32)
}

impl Matcher {
    /// `patterns[i]` gets id `i`. Patterns must be distinct and non-empty.
    pub fn new(patterns: &[String]) -> Matcher {
        let mut groups: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        let mut singles = FxHashMap::default();
        let mut single_bits = vec![0u64; 1024].into_boxed_slice();
        for (i, p) in patterns.iter().enumerate() {
            let mut cs = p.chars();
            match (cs.next(), cs.next()) {
                (Some(a), Some(b)) => groups.entry(key(a, b)).or_default().push(i as u32),
                (Some(a), None) => {
                    singles.insert(a, i as u32);
                    let bit = a as usize & 0xffff;
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
            singles,
            single_bits,
        }
    }

    /// Calls `found(pattern, start, end)` for every occurrence of every
    /// pattern in `text`, overlapping ones included, in order of `start`.
    #[inline]
    pub fn for_each(&self, text: &str, mut found: impl FnMut(u32, usize, usize)) {
        let hay = text.as_bytes();
        let has_singles = !self.singles.is_empty();
        let mut chars = text.char_indices();
        let Some((mut i, mut c)) = chars.next() else {
            return;
        };
        loop {
            if has_singles {
                let bit = c as usize & 0xffff;
                if self.single_bits[bit >> 6] & (1 << (bit & 63)) != 0
                    && let Some(&pat) = self.singles.get(&c)
                {
                    found(pat, i, i + c.len_utf8());
                }
            }
            let Some((j, d)) = chars.next() else {
                return;
            };
            let k = key(c, d);
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
            (i, c) = (j, d);
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
