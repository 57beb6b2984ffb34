//! A read-only map from word to a small `Copy` value, for the per-token
//! lookups of the sentiment scorer and the keyword extractor.
//!
//! A `HashMap<Box<str>, V>` costs three dependent memory reads per lookup
//! (control bytes, bucket, then the key on the heap to compare). Here words
//! of up to 16 bytes (all Chinese words of up to five characters) are stored
//! inline, zero-padded, in one open-addressing array: a lookup hashes the two
//! 64-bit halves of the padded key and compares 16 bytes in the slot it lands
//! on, usually one cache line. Longer words go to an ordinary hash map.

use rustc_hash::FxHashMap;

const INLINE: usize = 16;

#[derive(Clone, Copy)]
struct Slot<V> {
    /// Zero-padded word; all zero marks an empty slot.
    key: [u8; INLINE],
    value: V,
}

pub(crate) struct WordTable<V: Copy> {
    slots: Box<[Slot<V>]>,
    shift: u32,
    long: FxHashMap<Box<str>, V>,
    len: usize,
}

/// The padded key of `word`, if it is stored inline. Words with a NUL byte
/// would be ambiguous once padded, so they go to the long map.
#[inline]
fn inline_key(word: &str) -> Option<[u8; INLINE]> {
    let b = word.as_bytes();
    if b.is_empty() || b.len() > INLINE || b.contains(&0) {
        return None;
    }
    let mut key = [0u8; INLINE];
    key[..b.len()].copy_from_slice(b);
    Some(key)
}

#[inline]
fn hash(key: &[u8; INLINE]) -> u64 {
    let lo = u64::from_le_bytes(key[..8].try_into().expect("8 bytes"));
    let hi = u64::from_le_bytes(key[8..].try_into().expect("8 bytes"));
    let h = (lo ^ hi.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h ^ (h >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

impl<V: Copy + Default> WordTable<V> {
    /// The table of `words`; a later duplicate replaces an earlier one.
    pub fn new<'a>(words: impl IntoIterator<Item = (&'a str, V)>) -> Self {
        let mut inline: Vec<([u8; INLINE], V)> = Vec::new();
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
            key: [0; INLINE],
            value: V::default(),
        };
        let mut slots = vec![empty; 1 << bits].into_boxed_slice();
        let mask = slots.len() - 1;
        let mut len = long.len();
        for (key, value) in inline {
            let mut i = (hash(&key) >> shift) as usize;
            loop {
                let slot = &mut slots[i];
                if slot.key[0] == 0 {
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
        WordTable {
            slots,
            shift,
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

impl<V: Copy> WordTable<V> {
    #[inline]
    pub fn get(&self, word: &str) -> Option<&V> {
        let Some(key) = inline_key(word) else {
            return self.long.get(word);
        };
        let mask = self.slots.len() - 1;
        let mut i = (hash(&key) >> self.shift) as usize;
        loop {
            let slot = &self.slots[i];
            if slot.key == key {
                return Some(&slot.value);
            }
            if slot.key[0] == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    pub fn len(&self) -> usize {
        self.len
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
        for missing in ["", "食", "食堂饭", "b", "a\0\0", "一个很长很长的词语组"] {
            assert_eq!(t.get(missing), None, "{missing:?}");
        }
    }

    #[test]
    fn agrees_with_a_hash_map_on_many_words() {
        let words: Vec<String> = (0..5000u32)
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
        for w in &words {
            assert_eq!(t.get(w), reference.get(w.as_str()));
        }
        assert_eq!(t.get("不在表里"), None);
    }
}
