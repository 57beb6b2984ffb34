//! A read-only map from word to a small `Copy` value, for the per-token
//! lookups of the sentiment scorer and the keyword extractor.
//!
//! A `HashMap<Box<str>, V>` costs three dependent memory reads per lookup
//! (control bytes, bucket, then the key on the heap to compare). Here words
//! of up to 15 bytes (all Chinese words of up to five characters) are stored
//! inline, zero-padded and tagged with their length in the 16th byte, in one
//! open-addressing array: a lookup hashes the two 64-bit halves of the key
//! and compares 16 bytes in the slot it lands on, usually one cache line.
//! Longer words go to an ordinary hash map.

use rustc_hash::FxHashMap;

const INLINE: usize = 15;

/// The presence filter has 2^16 bits (8 KiB), indexed by a hash's top bits.
const PRESENT_BITS_LOG2: u32 = 16;

/// Bits of the presence filter per inline word, at least: at 1/32 of the
/// bits set, an absent word passes the filter about 3 % of the time.
const PRESENT_DENSITY: usize = 32;

/// The filter bit of a hash.
#[inline]
fn present_bit(h: u64) -> (usize, u64) {
    let top = (h >> (64 - PRESENT_BITS_LOG2)) as usize;
    (top >> 6, 1 << (top & 63))
}

#[derive(Clone, Copy)]
struct Slot<V> {
    /// The word's [`inline_key`]; a zero second half (no length) marks an
    /// empty slot.
    key: [u64; 2],
    value: V,
}

pub(crate) struct WordTable<V: Copy> {
    slots: Box<[Slot<V>]>,
    shift: u32,
    /// For a small table (the sentiment lexicon), one bit per top-16-bit
    /// hash value of its inline words: most tokens are not in the lexicon,
    /// and this 8 KiB stays in L1 where the slots would not. Empty for a
    /// large table (the IDF table), whose filter would be all ones.
    present: Box<[u64]>,
    long: FxHashMap<Box<str>, V>,
    len: usize,
}

#[inline(always)]
fn load4(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")) as u64
}

#[inline(always)]
fn load8(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Bytes `0..len` of a word of `len` (≤ 8) bytes, zero-padded.
#[inline(always)]
fn load_upto8(b: &[u8]) -> u64 {
    let len = b.len();
    if len >= 4 {
        // Two overlapping loads; the overlap holds the same bytes in both.
        load4(b, 0) | load4(b, len - 4) << (8 * (len - 4))
    } else if len > 0 {
        b[0] as u64
            | (b[len / 2] as u64) << (8 * (len / 2))
            | (b[len - 1] as u64) << (8 * (len - 1))
    } else {
        0
    }
}

/// The key of `word`, if it is stored inline: its bytes zero-padded, the
/// length in the top byte, so that "a" and "a\0" differ and an empty slot
/// (all zero) matches no word. Loads whole words instead of copying bytes:
/// this runs for every token.
#[inline]
fn inline_key(word: &str) -> Option<[u64; 2]> {
    let b = word.as_bytes();
    let len = b.len();
    if len == 0 || len > INLINE {
        return None;
    }
    let tag = (len as u64) << 56;
    Some(if len > 8 {
        // Bytes 8..len are the top of the last eight; byte 15 stays free.
        [load8(b, 0), load8(b, len - 8) >> (8 * (16 - len)) | tag]
    } else {
        [load_upto8(b), tag]
    })
}

#[inline]
fn hash(key: &[u64; 2]) -> u64 {
    let h = (key[0] ^ key[1].rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h ^ (h >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

impl<V: Copy + Default> WordTable<V> {
    /// The table of `words`; a later duplicate replaces an earlier one.
    pub fn new<'a>(words: impl IntoIterator<Item = (&'a str, V)>) -> Self {
        let mut inline: Vec<([u64; 2], V)> = Vec::new();
        let mut long = FxHashMap::default();
        for (word, value) in words {
            match inline_key(word) {
                Some(key) => inline.push((key, value)),
                None => {
                    long.insert(word.into(), value);
                }
            }
        }
        // Load factor at most 1/2: probe runs stay short.
        let mut bits = 4;
        while (1usize << bits) < inline.len() * 2 {
            bits += 1;
        }
        let shift = 64 - bits;
        let empty = Slot {
            key: [0; 2],
            value: V::default(),
        };
        let mut slots = vec![empty; 1 << bits].into_boxed_slice();
        let mask = slots.len() - 1;
        let mut len = long.len();
        for (key, value) in inline {
            let mut i = (hash(&key) >> shift) as usize;
            loop {
                let slot = &mut slots[i];
                if slot.key[1] == 0 {
                    *slot = Slot { key, value };
                    len += 1;
                    break;
                }
                if slot.key == key {
                    slot.value = value;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        let inline_words = len - long.len();
        let present = if inline_words * PRESENT_DENSITY <= 1 << PRESENT_BITS_LOG2 {
            let mut bits = vec![0u64; (1 << PRESENT_BITS_LOG2) / 64].into_boxed_slice();
            for slot in slots.iter().filter(|s| s.key[1] != 0) {
                let (word, bit) = present_bit(hash(&slot.key));
                bits[word] |= bit;
            }
            bits
        } else {
            Box::default()
        };
        WordTable {
            slots,
            shift,
            present,
            long,
            len,
        }
    }
}

impl<V: Copy> std::fmt::Debug for WordTable<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordTable")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// A word of up to 15 bytes as the table stores it: equal keys, equal words.
pub(crate) type Key = [u64; 2];

/// The key of `word`, if the table stores it inline (up to 15 bytes).
#[inline]
pub(crate) fn key_of(word: &str) -> Option<Key> {
    inline_key(word)
}

impl<V: Copy> WordTable<V> {
    #[inline]
    pub fn get(&self, word: &str) -> Option<&V> {
        match inline_key(word) {
            Some(key) => self.get_inline(key),
            None => self.long.get(word),
        }
    }

    /// [`WordTable::get`] of the word whose key is `key` ([`key_of`]).
    #[inline]
    pub fn get_inline(&self, key: Key) -> Option<&V> {
        let h = hash(&key);
        if !self.present.is_empty() {
            let (word, bit) = present_bit(h);
            if self.present[word] & bit == 0 {
                return None;
            }
        }
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let slot = &self.slots[i];
            if slot.key == key {
                return Some(&slot.value);
            }
            if slot.key[1] == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Every word with its value, in no particular order.
    pub fn for_each(&self, mut f: impl FnMut(&str, V)) {
        for slot in self.slots.iter().filter(|s| s.key[1] != 0) {
            // The key is the word's bytes, zero-padded, length in byte 15.
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&slot.key[0].to_le_bytes());
            bytes[8..].copy_from_slice(&slot.key[1].to_le_bytes());
            let len = bytes[15] as usize;
            let word = std::str::from_utf8(&bytes[..len]).expect("keys are whole words");
            f(word, slot.value);
        }
        for (word, value) in &self.long {
            f(word, *value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_and_long_words_and_nothing_else() {
        let long = "一个很长很长的词语组合";
        let words = [
            ("食堂", 1.0f32),
            ("a", 2.0),
            (long, 3.0),
            ("a\0", 4.0),
            ("食堂", 5.0),
        ];
        let t = WordTable::new(words);
        assert_eq!(t.len(), 4);
        assert_eq!(t.get("食堂"), Some(&5.0));
        assert_eq!(t.get("a"), Some(&2.0));
        assert_eq!(t.get("a\0"), Some(&4.0));
        assert_eq!(t.get(long), Some(&3.0));
        let mut all = Vec::new();
        t.for_each(|w, v| all.push((w.to_string(), v)));
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let expected = [
            ("a", 2.0),
            ("a\0", 4.0),
            ("一个很长很长的词语组合", 3.0),
            ("食堂", 5.0),
        ];
        let expected: Vec<(String, f32)> =
            expected.iter().map(|(w, v)| (w.to_string(), *v)).collect();
        assert_eq!(all, expected);
        for missing in ["", "食", "食堂饭", "b", "a\0\0", "一个很长很长的词语组"] {
            assert_eq!(t.get(missing), None, "{missing:?}");
        }
    }

    /// The word loads give what a byte copy into a zeroed buffer gives.
    #[test]
    fn inline_keys_are_the_padded_bytes() {
        let text = "食堂a\0bc饭菜😀xyz宿舍楼一二三四五";
        let bytes = text.as_bytes();
        for start in 0..bytes.len() {
            for end in start..=bytes.len().min(start + 20) {
                let Ok(word) = std::str::from_utf8(&bytes[start..end]) else {
                    continue;
                };
                let b = word.as_bytes();
                let expected = (!b.is_empty() && b.len() <= INLINE).then(|| {
                    let mut padded = [0u8; 16];
                    padded[..b.len()].copy_from_slice(b);
                    padded[15] = b.len() as u8;
                    [
                        u64::from_le_bytes(padded[..8].try_into().unwrap()),
                        u64::from_le_bytes(padded[8..].try_into().unwrap()),
                    ]
                });
                assert_eq!(inline_key(word), expected, "{word:?}");
            }
        }
    }

    #[test]
    fn agrees_with_a_hash_map_on_many_words() {
        // 1,500 words get a presence filter, 5,000 do not.
        for n in [1500, 5000] {
            agrees_with_a_hash_map(n);
        }
    }

    fn agrees_with_a_hash_map(n: u32) {
        let words: Vec<String> = (0..n)
            .map(|i| {
                let c = char::from_u32(0x4E00 + i % 3000).unwrap();
                format!("{c}{}", i / 3)
            })
            .collect();
        let t = WordTable::new(words.iter().enumerate().map(|(i, w)| (w.as_str(), i)));
        let mut reference = FxHashMap::default();
        for (i, w) in words.iter().enumerate() {
            reference.insert(w.as_str(), i);
        }
        assert_eq!(t.len(), reference.len());
        assert_eq!(
            t.present.is_empty(),
            n as usize * PRESENT_DENSITY > 1 << PRESENT_BITS_LOG2
        );
        for w in &words {
            assert_eq!(t.get(w), reference.get(w.as_str()));
        }
        assert_eq!(t.get("不在表里"), None);
        for i in 0..20_000u32 {
            let absent = format!("{}无{i}", char::from_u32(0x4E00 + i % 3000).unwrap());
            assert_eq!(t.get(&absent), None, "{absent}");
        }
    }
}
