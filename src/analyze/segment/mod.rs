//! jieba's segmentation (dictionary DAG, most probable route, HMM for the
//! runs the dictionary leaves unjoined), done here rather than by jieba-rs
//! so that every token comes with what is known of the dictionary word it
//! was cut as.
//!
//! Later stages need a per-token fact about the word (its IDF, for one):
//! looking the token up again costs a hash and a probe into a table of
//! megabytes, one cache miss per token. The walk through the dictionary
//! has just loaded the word's trie entry, so facts kept in that entry
//! ([`WordNotes`]) come from a cache line that is already loaded; so does
//! the word's frequency, which jieba-rs reads from a second array.
//!
//! The output is jieba-rs's `cut(text, true)` token for token: the same
//! dictionary (jieba's, embedded, then the user dictionaries with
//! `add_word`'s frequency rules), the same route with the same tie-break,
//! and the same HMM ([`hmm`]). The tests hold it to that, with jieba-rs as
//! the oracle, on the corpora and on arbitrary text.

mod hmm;

use hmm::{Hmm, HmmScratch};
use std::cell::RefCell;

/// jieba's dictionary (MIT, from the jieba project, as jieba-rs ships it).
const DEFAULT_DICT: &str = include_str!("../../../dictionaries/jieba-dict.txt");

/// Id of no word: a token the route did not cut as a dictionary word.
pub const NO_WORD: u32 = u32::MAX;

/// How many positions ahead of the route calculation the first slot of a
/// position's walk is prefetched.
const LOOKAHEAD: usize = 8;

/// The bigram filter has 2^21 bits (256 KiB): jieba's dictionary starts
/// about 180,000 words of two or more characters with distinct pairs, so
/// a pair that starts none passes it about 8 % of the time.
const BIGRAM_BITS_LOG2: u32 = 21;

/// Characters below this have a directly indexed transition from the root.
const ROOT_LEN: usize = 0x1_0000;

/// Node ids fit in 24 bits; the root entry keeps a child filter above them.
const ID_BITS: u32 = 24;
const ID_MASK: u32 = (1 << ID_BITS) - 1;

/// A slot key is `(parent << 21 | char) + 1` in its low 45 bits; bits 48..64
/// are the child's filter.
const KEY_MASK: u64 = (1 << 48) - 1;

/// Facts about a token that later stages would otherwise look up in their
/// own tables. Each field is noted by its stage when the analyser is built
/// (`note_words` of the keyword extractor and the sentiment model); a field
/// not noted means "look it up".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WordNotes {
    /// The keyword extractor's IDF of the word (stop words included); NaN
    /// when not noted.
    pub idf: f32,
    /// The sentiment lexicon's entry for the word: an index, [`NO_CUE`],
    /// [`NO_CUE_PLAIN`] or [`CUE_NOT_NOTED`].
    pub cue: u16,
    pub dictionary: InDictionary,
}

/// Whether a token is a dictionary word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InDictionary {
    /// Not known (one-character tokens, punctuation, emoticons).
    Unknown,
    /// A dictionary word of two or more characters.
    Word,
    /// A word of two or more characters the HMM found: not in the
    /// dictionary, so a stage needs to search only what it knows of words
    /// outside it.
    NotAWord,
}

/// The word has no entry in the sentiment lexicon.
pub const NO_CUE: u16 = u16::MAX - 1;
/// No entry, and nothing the sentiment model reads inside the word either
/// (no adverb glued to its front, no emoji modifier at its end).
pub const NO_CUE_PLAIN: u16 = u16::MAX - 2;
/// The sentiment lexicon was not noted.
pub const CUE_NOT_NOTED: u16 = u16::MAX;

impl WordNotes {
    pub const UNKNOWN: WordNotes = WordNotes {
        idf: f32::NAN,
        cue: CUE_NOT_NOTED,
        dictionary: InDictionary::Unknown,
    };
    const WORD: WordNotes = WordNotes {
        dictionary: InDictionary::Word,
        ..WordNotes::UNKNOWN
    };
    const NOT_A_WORD: WordNotes = WordNotes {
        dictionary: InDictionary::NotAWord,
        ..WordNotes::UNKNOWN
    };
}

/// A transition out of the root: child node (low 24 bits, 0 if it has no
/// children) with an 8-bit filter of its children's characters above, and
/// the one-character word that ends there: its id and `ln(frequency)`.
/// One-character tokens get no notes: no later stage wants them.
#[derive(Clone, Copy)]
struct Root {
    child: u32,
    word: u32,
    log_freq: f64,
}

/// A transition `(parent, char) → child` in the open-addressing table,
/// with the word that ends there (if `word` is not [`NO_WORD`]). Half a
/// cache line, so that one load brings all of it.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Slot {
    /// 0 for an empty slot; see [`KEY_MASK`].
    key: u64,
    log_freq: f64,
    child: u32,
    word: u32,
    notes: WordNotes,
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            key: 0,
            log_freq: 0.0,
            child: 0,
            word: NO_WORD,
            notes: WordNotes::UNKNOWN,
        }
    }
}

/// Where a word's (or prefix's) entry is.
#[derive(Clone, Copy)]
enum At {
    Root(usize),
    Slot(usize),
}

#[inline(always)]
fn mix(c: char) -> u32 {
    (c as u32).wrapping_mul(0x9E37_79B1)
}

/// The bit of `c` in a slot key's 16-bit child filter.
#[inline(always)]
fn filter16(c: char) -> u64 {
    1 << (48 + (mix(c) >> 28))
}

/// The bit of `c` in a root entry's 8-bit child filter.
#[inline(always)]
fn filter8(c: char) -> u32 {
    1 << (ID_BITS + (mix(c) >> 29))
}

/// The word and bit of the pair `c1 c2` in [`Segmenter::bigrams`].
#[inline(always)]
fn bigram_bit(c1: char, c2: char) -> (usize, u64) {
    let h = ((c1 as u64) << 21 | c2 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let top = (h >> (64 - BIGRAM_BITS_LOG2)) as usize;
    (top >> 6, 1 << (top & 63))
}

#[inline(always)]
fn slot_key(parent: u32, c: char) -> u64 {
    ((parent as u64) << 21 | c as u64) + 1
}

/// Ask for the cache line holding `value` without waiting for it. A plain
/// load of it (the way this was first done, with `black_box`) holds up the
/// instructions after it until the line arrives; a prefetch does not.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint to the cache: it reads nothing into a
    // register and cannot fault, and the address is a live reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A route step: the log-probability of the rest of the block from this
/// character, the character after the chosen word, and the word's notes.
#[derive(Clone, Copy)]
struct Step {
    prob: f64,
    end: u32,
    notes: WordNotes,
}

#[derive(Default)]
struct Scratch {
    /// Byte offset in the block and value of each of its characters.
    chars: Vec<(u32, char)>,
    route: Vec<Step>,
    hmm: HmmScratch,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// jieba's character class of text segmented with the dictionary: CJK
/// ideographs, ASCII letters and digits, and `+#&._%-`.
#[inline]
fn is_block_char(c: char) -> bool {
    if matches!(c, '\u{4E00}'..='\u{9FFF}') {
        true
    } else if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-')
    } else {
        matches!(c,
            '\u{3400}'..='\u{4DBF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2A6DF}'
            | '\u{2A700}'..='\u{2B73F}'
            | '\u{2B740}'..='\u{2B81F}'
            | '\u{2B820}'..='\u{2CEAF}'
            | '\u{2CEB0}'..='\u{2EBEF}'
            | '\u{2F800}'..='\u{2FA1F}')
    }
}

pub struct Segmenter {
    root: Box<[Root]>,
    /// One bit per hashed pair of characters that starts a dictionary word.
    /// Half the positions of a text start no word of two characters, and
    /// the root's 8-bit filter lets nearly all of them through to a probe
    /// of the slot table (a cache miss); this filter stays in L2.
    bigrams: Box<[u64]>,
    slots: Vec<Slot>,
    used_slots: usize,
    shift: u32,
    next_node: u32,
    /// Frequency of each word by id.
    freqs: Vec<u64>,
    /// The words added to jieba's dictionary, in order.
    added: Vec<Box<str>>,
    total: u64,
    log_total: f64,
    hmm: Hmm,
}

impl Segmenter {
    /// jieba's dictionary, nothing added.
    pub fn new() -> Self {
        let lines = DEFAULT_DICT.len() / 14;
        let mut seg = Segmenter {
            root: vec![
                Root {
                    child: 0,
                    word: NO_WORD,
                    log_freq: 0.0
                };
                ROOT_LEN
            ]
            .into_boxed_slice(),
            bigrams: vec![0; 1 << (BIGRAM_BITS_LOG2 - 6)].into_boxed_slice(),
            slots: Vec::new(),
            used_slots: 0,
            shift: 64,
            next_node: 1,
            freqs: Vec::with_capacity(lines),
            added: Vec::new(),
            total: 0,
            log_total: 0.0,
            hmm: Hmm::new(),
        };
        seg.resize_slots((lines * 2).next_power_of_two());
        for line in DEFAULT_DICT.lines() {
            let mut cols = line.split_ascii_whitespace();
            let Some(word) = cols.next() else { continue };
            let freq = cols
                .next()
                .map_or(0, |f| f.parse().expect("jieba's dictionary"));
            // The shipped dictionary has no duplicates: every line is new.
            seg.push_word(word, freq);
        }
        seg.total = seg.freqs.iter().sum();
        seg.log_total = (seg.total as f64).ln();
        seg
    }

    /// Add `word` as jieba's `add_word` does: with `freq`, or without one
    /// the frequency that makes the segmenter keep it whole; a word already
    /// present gets the new frequency. Returns the frequency.
    pub fn add_word(&mut self, word: &str, freq: Option<u64>) -> u64 {
        if word.is_empty() {
            return 0;
        }
        let freq = freq.unwrap_or_else(|| self.suggest_freq(word));
        match self.locate(word).filter(|&at| self.word_at(at) != NO_WORD) {
            Some(at) => {
                let id = self.word_at(at) as usize;
                let old = std::mem::replace(&mut self.freqs[id], freq);
                let log_freq = (freq as f64).ln();
                match at {
                    At::Root(i) => self.root[i].log_freq = log_freq,
                    At::Slot(i) => self.slots[i].log_freq = log_freq,
                }
                self.total = self.total + freq - old;
            }
            None => {
                self.push_word(word, freq);
                self.added.push(word.into());
                self.total += freq;
            }
        }
        self.log_total = (self.total as f64).ln();
        freq
    }

    /// The id of `word` if it is in the dictionary.
    pub fn word_id(&self, word: &str) -> Option<u32> {
        let id = self.word_at(self.locate(word)?);
        (id != NO_WORD).then_some(id)
    }

    /// The entry of the node `word` leads to, if the trie has one.
    fn locate(&self, word: &str) -> Option<At> {
        let mut chars = word.chars();
        let first = chars.next()?;
        // Most words the HMM finds are no dictionary word; the filter
        // says so for most of them without a probe.
        if let Some(second) = chars.clone().next()
            && !self.may_start_word(first, second)
        {
            return None;
        }
        let (mut at, mut node) = if (first as usize) < ROOT_LEN {
            let i = first as usize;
            (At::Root(i), self.root[i].child & ID_MASK)
        } else {
            let i = self.find(slot_key(0, first))?;
            (At::Slot(i), self.slots[i].child)
        };
        for c in chars {
            if node == 0 {
                return None;
            }
            let i = self.find(slot_key(node, c))?;
            (at, node) = (At::Slot(i), self.slots[i].child);
        }
        Some(at)
    }

    fn word_at(&self, at: At) -> u32 {
        match at {
            At::Root(i) => self.root[i].word,
            At::Slot(i) => self.slots[i].word,
        }
    }

    /// The notes of `word` if it is a dictionary word of two or more
    /// characters (the words tokens bring notes for).
    pub fn notes_mut(&mut self, word: &str) -> Option<&mut WordNotes> {
        match self.locate(word)? {
            At::Slot(i) if self.slots[i].word != NO_WORD => Some(&mut self.slots[i].notes),
            _ => None,
        }
    }

    /// Change the notes of every dictionary word of two or more characters
    /// that `wanted` accepts: a pass over the dictionary's text, for the
    /// stages that note words by what they look like.
    pub fn for_each_word(
        &mut self,
        wanted: impl Fn(&str) -> bool,
        mut f: impl FnMut(&str, &mut WordNotes),
    ) {
        let added = std::mem::take(&mut self.added);
        let words = DEFAULT_DICT
            .lines()
            .filter_map(|l| l.split_ascii_whitespace().next())
            .chain(added.iter().map(|w| &**w));
        for word in words {
            if wanted(word)
                && let Some(notes) = self.notes_mut(word)
            {
                f(word, notes);
            }
        }
        self.added = added;
    }

    /// Change the notes of every dictionary word of two or more characters.
    pub fn for_each_notes(&mut self, mut f: impl FnMut(&mut WordNotes)) {
        for s in self.slots.iter_mut().filter(|s| s.word != NO_WORD) {
            f(&mut s.notes);
        }
    }

    /// Segment `text` and hand every token to `emit` with the notes of the
    /// dictionary word it was cut as ([`WordNotes::UNKNOWN`] if none).
    pub fn cut<'a>(&self, text: &'a str, emit: &mut impl FnMut(&'a str, WordNotes)) {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.cut_with::<true>(text, &mut scratch, emit),
            Err(_) => self.cut_with::<true>(text, &mut Scratch::default(), emit),
        })
    }

    fn cut_with<'a, const HMM: bool>(
        &self,
        text: &'a str,
        scratch: &mut Scratch,
        emit: &mut impl FnMut(&'a str, WordNotes),
    ) {
        let mut rest = text;
        while let Some(first) = rest.chars().next() {
            if is_block_char(first) {
                // The block's characters are decoded once, here, for all of
                // its passes.
                scratch.chars.clear();
                let mut end = rest.len();
                for (i, c) in rest.char_indices() {
                    if !is_block_char(c) {
                        end = i;
                        break;
                    }
                    scratch.chars.push((i as u32, c));
                }
                let (block, tail) = rest.split_at(end);
                self.cut_block::<HMM>(block, scratch, emit);
                rest = tail;
            } else {
                // Outside blocks every character is a token; CR LF is one.
                let mut i = 0;
                while let Some(c) = rest[i..].chars().next() {
                    if is_block_char(c) {
                        break;
                    }
                    let len = if c == '\r' && rest.as_bytes().get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        c.len_utf8()
                    };
                    emit(&rest[i..i + len], WordNotes::UNKNOWN);
                    i += len;
                }
                rest = &rest[i..];
            }
        }
    }

    /// Visit every dictionary word that starts at character `pos`, shortest
    /// first, as `(index of the character after it, ln(frequency), notes)`.
    #[inline(always)]
    fn words_at(
        &self,
        chars: &[(u32, char)],
        pos: usize,
        mut visit: impl FnMut(usize, f64, WordNotes),
    ) {
        let n = chars.len();
        let first = chars[pos].1;
        let mut next = pos + 1;
        let slot = if (first as usize) < ROOT_LEN {
            let r = self.root[first as usize];
            if r.word != NO_WORD {
                visit(next, r.log_freq, WordNotes::UNKNOWN);
            }
            if next >= n
                || r.child & filter8(chars[next].1) == 0
                || !self.may_start_word(first, chars[next].1)
            {
                return;
            }
            let Some(i) = self.find(slot_key(r.child & ID_MASK, chars[next].1)) else {
                return;
            };
            next += 1;
            i
        } else {
            let Some(i) = self.find(slot_key(0, first)) else {
                return;
            };
            i
        };
        let mut s = &self.slots[slot];
        loop {
            if s.word != NO_WORD {
                visit(next, s.log_freq, s.notes);
            }
            if next >= n || s.key & filter16(chars[next].1) == 0 {
                return;
            }
            match self.find(slot_key(s.child, chars[next].1)) {
                Some(i) => s = &self.slots[i],
                None => return,
            }
            next += 1;
        }
    }

    /// Prefetch the slot of the second character of a word starting with `c1`.
    #[inline(always)]
    fn prefetch_first_slot(&self, c1: char, c2: char) {
        if let Some(r) = self.root.get(c1 as usize)
            && r.child & filter8(c2) != 0
            && self.may_start_word(c1, c2)
        {
            let i = self.home(slot_key(r.child & ID_MASK, c2));
            prefetch(&self.slots[i]);
        }
    }

    /// Whether a dictionary word may start with `c1 c2` (false positives
    /// only).
    #[inline(always)]
    fn may_start_word(&self, c1: char, c2: char) -> bool {
        let (word, bit) = bigram_bit(c1, c2);
        self.bigrams[word] & bit != 0
    }

    /// Segment one block of [`is_block_char`] characters, decoded into
    /// `scratch.chars`.
    fn cut_block<'a, const HMM: bool>(
        &self,
        block: &'a str,
        scratch: &mut Scratch,
        emit: &mut impl FnMut(&'a str, WordNotes),
    ) {
        let Scratch { chars, route, hmm } = scratch;
        let n = chars.len();
        route.clear();
        route.resize(
            n + 1,
            Step {
                prob: 0.0,
                end: n as u32,
                notes: WordNotes::UNKNOWN,
            },
        );
        // The best route from each character, computed from the end: the
        // words starting at a character are walked right when its step is
        // due, so no graph of them is kept.
        let log_total = self.log_total;
        // Each position's walk is a chain of dependent loads, the first
        // usually a cache miss; asking for that slot a few positions early
        // lets the misses overlap with the walks in between.
        for ahead in n.saturating_sub(LOOKAHEAD)..n.saturating_sub(1) {
            self.prefetch_first_slot(chars[ahead].1, chars[ahead + 1].1);
        }
        for pos in (0..n).rev() {
            if let Some(ahead) = pos.checked_sub(LOOKAHEAD) {
                self.prefetch_first_slot(chars[ahead].1, chars[ahead + 1].1);
            }
            let mut best: Option<Step> = None;
            self.words_at(chars, pos, |end, log_freq, notes| {
                let prob = log_freq - log_total + route[end].prob;
                let end = end as u32;
                if best.is_none_or(|b| prob > b.prob || (prob == b.prob && end > b.end)) {
                    best = Some(Step { prob, end, notes });
                }
            });
            // A character the dictionary does not know counts as frequency 1.
            route[pos] = best.unwrap_or(Step {
                prob: (0.0 - log_total) + route[pos + 1].prob,
                end: pos as u32 + 1,
                notes: WordNotes::UNKNOWN,
            });
        }

        let byte = |i: usize| chars.get(i).map_or(block.len(), |&(b, _)| b as usize);
        // Single characters the route leaves in a row are cut again as one
        // run: with the HMM any run, without it runs of ASCII alphanumerics.
        let mut run_start: Option<usize> = None;
        let mut x = 0;
        while x < n {
            let Step { end, notes, .. } = route[x];
            let y = end as usize;
            if y - x == 1 && (HMM || chars[x].1.is_ascii_alphanumeric()) {
                run_start.get_or_insert(x);
            } else {
                if let Some(s) = run_start.take() {
                    self.cut_run::<HMM>(block, chars, route, s, x, hmm, emit);
                }
                emit(&block[byte(x)..byte(y)], notes);
            }
            x = y;
        }
        if let Some(s) = run_start {
            self.cut_run::<HMM>(block, chars, route, s, n, hmm, emit);
        }
    }

    /// Emit the run of single-character steps at characters `x..y`.
    #[allow(clippy::too_many_arguments)]
    fn cut_run<'a, const HMM: bool>(
        &self,
        block: &'a str,
        chars: &[(u32, char)],
        route: &[Step],
        x: usize,
        y: usize,
        hmm: &mut HmmScratch,
        emit: &mut impl FnMut(&'a str, WordNotes),
    ) {
        let byte = |i: usize| chars.get(i).map_or(block.len(), |&(b, _)| b as usize);
        let run = &block[byte(x)..byte(y)];
        let one = |i: usize| route[i].notes;
        if !HMM {
            let notes = if y - x == 1 {
                one(x)
            } else {
                WordNotes::UNKNOWN
            };
            emit(run, notes);
        } else if y - x == 1 {
            emit(run, one(x));
        } else if self.word_id(run).is_some() {
            // A dictionary word the route chose to split: the characters
            // stay single, as the route has them.
            for i in x..y {
                emit(&block[byte(i)..byte(i + 1)], one(i));
            }
        } else {
            self.hmm
                .cut(block, &chars[x..y], byte(y), hmm, &mut |word| {
                    emit(word, self.hmm_word_notes(word))
                });
        }
    }

    /// The notes of a word the HMM found. It is most often not in the
    /// dictionary; telling so takes a walk over trie entries the route's
    /// walks have just loaded.
    fn hmm_word_notes(&self, word: &str) -> WordNotes {
        let mut chars = word.chars();
        if chars.next().is_none() || chars.next().is_none() {
            return WordNotes::UNKNOWN;
        }
        match self.locate(word) {
            Some(At::Slot(i)) if self.slots[i].word != NO_WORD => self.slots[i].notes,
            _ => WordNotes::NOT_A_WORD,
        }
    }

    /// jieba's `suggest_freq`: the frequency at which `word` outweighs the
    /// pieces it is cut into now.
    fn suggest_freq(&self, word: &str) -> u64 {
        let freq_of = |w: &str| self.word_id(w).map_or(1, |id| self.freqs[id as usize]);
        let mut log_freq = 0f64;
        let mut scratch = Scratch::default();
        self.cut_with::<false>(word, &mut scratch, &mut |piece, _| {
            log_freq = log_freq + (freq_of(piece) as f64).ln() - self.log_total;
        });
        (((log_freq + self.log_total).exp() as u64) + 1).max(freq_of(word))
    }

    /// Append a word that is not in the dictionary yet (or replace its id).
    fn push_word(&mut self, word: &str, freq: u64) {
        let id = self.freqs.len() as u32;
        self.freqs.push(freq);
        self.insert(word, id, (freq as f64).ln());
    }

    fn insert(&mut self, word: &str, id: u32, log_freq: f64) {
        // A word has at most as many new nodes as bytes.
        if (self.used_slots + word.len()) * 4 > self.slots.len() * 3 {
            self.resize_slots((self.slots.len() * 2).max(1024));
        }
        let mut chars = word.chars();
        let first = chars.next().expect("words are not empty");
        if let Some(second) = chars.clone().next() {
            let (word, bit) = bigram_bit(first, second);
            self.bigrams[word] |= bit;
        }
        let mut at = if (first as usize) < ROOT_LEN {
            At::Root(first as usize)
        } else {
            At::Slot(self.find_or_add(slot_key(0, first)))
        };
        for c in chars {
            // The node needs an id to have children, and its filter the
            // child's bit.
            let node = match at {
                At::Root(i) => {
                    if self.root[i].child & ID_MASK == 0 {
                        self.root[i].child |= self.alloc_node();
                    }
                    self.root[i].child |= filter8(c);
                    self.root[i].child & ID_MASK
                }
                At::Slot(i) => {
                    if self.slots[i].child == 0 {
                        self.slots[i].child = self.alloc_node();
                    }
                    self.slots[i].key |= filter16(c);
                    self.slots[i].child
                }
            };
            at = At::Slot(self.find_or_add(slot_key(node, c)));
        }
        match at {
            At::Root(i) => (self.root[i].word, self.root[i].log_freq) = (id, log_freq),
            At::Slot(i) => {
                let slot = &mut self.slots[i];
                (slot.word, slot.log_freq) = (id, log_freq);
                slot.notes = WordNotes::WORD;
            }
        }
    }

    fn alloc_node(&mut self) -> u32 {
        let id = self.next_node;
        assert!(id < ID_MASK, "dictionary too large for 24-bit node ids");
        self.next_node += 1;
        id
    }

    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The slot holding `key`, if any.
    #[inline(always)]
    fn find(&self, key: u64) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let k = self.slots[i].key;
            if k & KEY_MASK == key {
                return Some(i);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    fn find_or_add(&mut self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let k = self.slots[i].key;
            if k & KEY_MASK == key {
                return i;
            }
            if k == 0 {
                self.slots[i] = Slot {
                    key,
                    ..Slot::default()
                };
                self.used_slots += 1;
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    fn resize_slots(&mut self, len: usize) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); len]);
        self.shift = 64 - len.trailing_zeros();
        let mask = len - 1;
        for s in old.into_iter().filter(|s| s.key != 0) {
            let mut i = self.home(s.key & KEY_MASK);
            while self.slots[i].key != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jieba_rs::Jieba;
    use std::sync::OnceLock;

    fn pair() -> &'static (Segmenter, Jieba) {
        static P: OnceLock<(Segmenter, Jieba)> = OnceLock::new();
        P.get_or_init(|| {
            let mut seg = Segmenter::new();
            let mut jieba = Jieba::new();
            // Words with and without a frequency, new and already known,
            // so that add_word's rules are compared too.
            for (w, f) in [
                ("辅导员", Some(2000)),
                ("二食堂", None),
                ("宿管阿姨", None),
                ("我们", Some(5)),
                ("顶岗实习", None),
                ("abc", None),
                ("吃不起饭", None),
            ] {
                let a = seg.add_word(w, f);
                let b = jieba.add_word(w, f.map(|f| f as usize), None) as u64;
                assert_eq!(a, b, "{w}");
            }
            (seg, jieba)
        })
    }

    fn ours(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        pair().0.cut(text, &mut |t, _| out.push(t));
        out
    }

    fn theirs(text: &str) -> Vec<&str> {
        pair()
            .1
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    #[test]
    fn cuts_as_jieba_rs_does() {
        for text in [
            "我们学校的二食堂太难吃了，辅导员也不管",
            "宿管阿姨凶得很。。。吃不起饭了",
            "南京市长江大桥",
            "iPhone15 Pro max到货了abc-def_1.2%涨价",
            "他来到了网易杭研大厦\r\n小明硕士毕业于中国科学院计算所",
            "𠀀𠀁测试𪚥字",
            "",
            "   ",
        ] {
            assert_eq!(ours(text), theirs(text), "{text}");
        }
    }

    #[test]
    fn word_ids_name_dictionary_words() {
        let seg = &pair().0;
        let id = seg.word_id("辅导员").unwrap();
        assert_eq!(seg.freqs[id as usize], 2000);
        assert!(seg.word_id("辅导").is_some());
        assert!(seg.word_id("辅导员们的").is_none());
        assert!(seg.word_id("").is_none());
        assert_eq!(seg.word_id("𠀀"), None);
    }

    #[test]
    fn tokens_carry_their_words_notes() {
        let mut seg = Segmenter::new();
        seg.for_each_notes(|n| n.idf = 1.0);
        seg.notes_mut("食堂").unwrap().idf = 7.0;
        assert!(seg.notes_mut("食").is_none(), "one character: no notes");
        assert!(seg.notes_mut("食堂饭").is_none(), "no word");
        let mut out = Vec::new();
        seg.cut(
            "食堂饭菜，他来到了网易杭研大厦",
            &mut |t, n| out.push((t, n)),
        );
        assert_eq!(out[0].0, "食堂");
        assert_eq!(out[0].1.idf, 7.0);
        assert_eq!(out[0].1.dictionary, InDictionary::Word);
        assert_eq!(out[1].1.idf, 1.0);
        assert!(out[2].1.idf.is_nan(), "punctuation is no dictionary word");
        assert_eq!(out[2].1.dictionary, InDictionary::Unknown);
        // jieba's own example: the HMM joins 杭研, which is no dictionary word.
        let found = out.iter().find(|(t, _)| t.starts_with('杭')).unwrap();
        assert_eq!(found.0, "杭研", "{out:?}");
        assert_eq!(found.1.dictionary, InDictionary::NotAWord);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_jieba_rs_on_any_text(
            text in "[我们的学校二食堂太难吃了辅导员宿管阿姨不管南京市长江大桥中国科学院abc1.%_\\-+# ，。!\r\n𠀀é😡]{0,40}"
        ) {
            proptest::prop_assert_eq!(ours(&text), theirs(&text));
        }

        /// Characters drawn from whole ranges make runs the dictionary does
        /// not know, which go through the HMM, and reach the edges of its
        /// model (U+9FD5) and of jieba's blocks.
        #[test]
        fn agrees_with_jieba_rs_on_unknown_words(
            text in "[\u{4E00}-\u{4F00}\u{9F00}-\u{A000}\u{3400}-\u{3410}a-z0-9._%\\-+# ]{0,60}"
        ) {
            proptest::prop_assert_eq!(ours(&text), theirs(&text));
        }
    }
}
