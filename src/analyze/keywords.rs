//! Top keywords per post by TF-IDF over the tokens the analyser already has.
//!
//! jieba-rs's own `TfIdf` re-segments and POS-tags the text, which would
//! double the cost of analysis; the formula and the IDF table are the same.

use super::AnalyzeError;
use super::segment::{InDictionary, Segmenter, WordNotes};
use super::tokenize::is_emoji;
use super::wordtable::{Key, WordTable, key_of};
use compact_str::CompactString;
use rustc_hash::FxHashMap;
use std::path::Path;

/// IDF for words not in the table; close to the table's median, as jieba does.
const DEFAULT_IDF: f32 = 11.95;

/// The table's value for a stop word: one lookup per token answers both
/// "is it a stop word?" and "what is its IDF?".
const STOP: f32 = f32::NEG_INFINITY;

/// Up to this many tokens, distinct words are found by a linear search over
/// the candidates so far (short posts); beyond it, by a hash map.
const LINEAR_MAX_TOKENS: usize = 64;

pub struct KeywordExtractor {
    /// IDF per word, [`STOP`] for stop words.
    idf: WordTable<f32>,
    /// The entries of `idf` that are no dictionary word of two or more
    /// characters, once noted in a segmenter ([`Self::note_words`]): what a
    /// word the HMM found can be. A few thousand words instead of 100,000.
    outside: Option<WordTable<f32>>,
}

/// Up to this many candidates, all are sorted rather than the top `k`
/// selected first.
const SORT_ALL_MAX: usize = 20;

/// A distinct candidate word: its key (words of up to 15 bytes), the index
/// of its first token, its term frequency and IDF, and once counted its
/// [`rank`].
#[derive(Clone, Copy)]
struct Candidate {
    key: Option<Key>,
    first: u32,
    count: u32,
    idf: f32,
    rank: u64,
}

/// Sorts ascending as `score` descending (in `f32::total_cmp`'s order),
/// then `first` ascending.
fn rank(score: f32, first: u32) -> u64 {
    let bits = score.to_bits() as i32;
    // total_cmp's key: flip the magnitude bits of negative numbers.
    let ordered = (bits ^ (((bits >> 31) as u32) >> 1) as i32) as u32 ^ 0x8000_0000;
    u64::from(!ordered) << 32 | u64::from(first)
}

impl KeywordExtractor {
    /// Loads `idf.txt` and `stopwords.txt` from the dictionaries folder.
    pub fn load(dictionaries: &Path) -> Result<Self, AnalyzeError> {
        let idf_path = dictionaries.join("idf.txt");
        let idf_text =
            std::fs::read_to_string(&idf_path).map_err(|e| AnalyzeError::io(&idf_path, e))?;
        let mut idf: FxHashMap<Box<str>, f32> =
            FxHashMap::with_capacity_and_hasher(110_000, Default::default());
        for (n, line) in idf_text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let parsed = line
                .rsplit_once(' ')
                .and_then(|(w, v)| Some((w, v.trim().parse::<f32>().ok()?)));
            let Some((word, value)) = parsed else {
                return Err(AnalyzeError::Dictionary {
                    path: idf_path,
                    line: n + 1,
                    message: "expected '词 idf值' (word, space, number)".into(),
                });
            };
            idf.insert(word.into(), value);
        }

        let stop_path = dictionaries.join("stopwords.txt");
        let stop_text =
            std::fs::read_to_string(&stop_path).map_err(|e| AnalyzeError::io(&stop_path, e))?;
        let stop_words: Vec<String> = stop_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(super::normalize::normalize)
            .collect();
        // Stop words come last, so they replace any IDF of the same word.
        let idf = WordTable::new(
            idf.iter()
                .map(|(w, v)| (&**w, *v))
                .chain(stop_words.iter().map(|w| (w.as_str(), STOP))),
        );
        Ok(KeywordExtractor { idf, outside: None })
    }

    /// Note every dictionary word's IDF in `segmenter`, so that a token cut
    /// as a dictionary word brings its IDF along ([`Self::extract_noted`]),
    /// and keep apart the entries a word outside the dictionary can match.
    /// The notes are then only for this segmenter's tokens.
    pub(crate) fn note_words(&mut self, segmenter: &mut Segmenter) {
        segmenter.for_each_notes(|n| n.idf = DEFAULT_IDF);
        let mut outside = Vec::new();
        self.idf
            .for_each(|word, idf| match segmenter.notes_mut(word) {
                Some(notes) => notes.idf = idf,
                None => outside.push((word.to_string(), idf)),
            });
        self.outside = Some(WordTable::new(
            outside.iter().map(|(w, v)| (w.as_str(), *v)),
        ));
    }

    /// The `top_k` tokens by TF-IDF, best first; ties keep first occurrence.
    pub fn extract(&self, tokens: &[&str], top_k: usize) -> Vec<CompactString> {
        self.extract_noted(tokens, &[], top_k)
    }

    /// [`Self::extract`] with the tokens' notes from the segmenter this
    /// extractor noted (or fewer: a token without notes is looked up).
    pub fn extract_noted(
        &self,
        tokens: &[&str],
        notes: &[WordNotes],
        top_k: usize,
    ) -> Vec<CompactString> {
        if top_k == 0 {
            return Vec::new();
        }
        // The candidate list is reused across posts on the same thread.
        thread_local! {
            static SCRATCH: std::cell::Cell<Vec<Candidate>> = const { std::cell::Cell::new(Vec::new()) };
        }
        let mut cands = SCRATCH.take();
        cands.clear();
        self.candidates(tokens, notes, &mut cands);
        // Each candidate's TF-IDF and first position become one integer that
        // sorts best first (higher score, then earlier word): computed once
        // per candidate, compared as a plain `u64`. Positions are distinct,
        // so the order is total and selecting the top `k` then sorting only
        // those gives what a full sort would.
        for c in cands.iter_mut() {
            c.rank = rank(c.idf * c.count as f32, c.first);
        }
        let k = top_k.min(cands.len());
        // Short posts have a handful of candidates: one insertion sort beats
        // a selection followed by a sort.
        if cands.len() > SORT_ALL_MAX && cands.len() > k {
            cands.select_nth_unstable_by_key(k, |c| c.rank);
            cands[..k].sort_unstable_by_key(|c| c.rank);
        } else {
            cands.sort_unstable_by_key(|c| c.rank);
        }
        let words = cands[..k]
            .iter()
            .map(|c| CompactString::new(tokens[c.first as usize]))
            .collect();
        SCRATCH.set(cands);
        words
    }

    /// The distinct candidate words of `tokens` with their counts, in order
    /// of first occurrence.
    fn candidates(&self, tokens: &[&str], notes: &[WordNotes], out: &mut Vec<Candidate>) {
        let mut index: Option<FxHashMap<&str, u32>> =
            (tokens.len() > LINEAR_MAX_TOKENS).then(|| {
                FxHashMap::with_capacity_and_hasher(tokens.len().min(1024), Default::default())
            });
        for (pos, &token) in tokens.iter().enumerate() {
            if !plausible(token) {
                continue;
            }
            let key = key_of(token);
            let noted = notes.get(pos).copied().unwrap_or(WordNotes::UNKNOWN);
            let idf = if !noted.idf.is_nan() {
                noted.idf
            } else {
                let table = match (&self.outside, noted.dictionary) {
                    (Some(outside), InDictionary::NotAWord) => outside,
                    _ => &self.idf,
                };
                match key {
                    Some(k) => table.get_inline(k),
                    None => table.get(token),
                }
                .copied()
                .unwrap_or(DEFAULT_IDF)
            };
            if idf == STOP {
                continue;
            }
            let existing = match &mut index {
                Some(map) => {
                    let next = out.len() as u32;
                    let at = *map.entry(token).or_insert(next);
                    (at != next).then_some(at as usize)
                }
                None => out.iter().position(|c| match (c.key, key) {
                    (Some(a), Some(b)) => a == b,
                    (None, None) => tokens[c.first as usize] == token,
                    _ => false,
                }),
            };
            match existing {
                Some(i) => out[i].count += 1,
                None => out.push(Candidate {
                    key,
                    first: pos as u32,
                    count: 1,
                    idf,
                    rank: 0,
                }),
            }
        }
    }
}

/// The checks of a keyword candidate that need no table: at least two
/// characters, not an emoticon or emoji, not only digits and punctuation.
fn plausible(token: &str) -> bool {
    // The common case from the bytes, without decoding: a CJK ideograph
    // U+5000..=U+9FFF starts with E5..=E9 (U+4E00..=U+4FFF with E4 B8..),
    // and is three bytes long, so a longer token has two characters.
    let b = token.as_bytes();
    match b {
        [0xE5..=0xE9, ..] | [0xE4, 0xB8..=0xBF, ..] => b.len() > 3,
        _ => plausible_chars(token),
    }
}

/// [`plausible`] character by character.
fn plausible_chars(token: &str) -> bool {
    let mut chars = token.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    // One character is too vague to cluster on ("我", "的", "a").
    if chars.next().is_none() {
        return false;
    }
    // A CJK ideograph is alphanumeric: the common case needs no table.
    if ('\u{4E00}'..='\u{9FFF}').contains(&first) {
        return true;
    }
    if first == '[' || is_emoji(first) {
        return false;
    }
    !token
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation() || !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{default_dictionaries_dir, tokenize::Tokenizer};

    #[test]
    fn picks_topic_words_not_function_words() {
        let dir = default_dictionaries_dir();
        let kw = KeywordExtractor::load(&dir).unwrap();
        let tok = Tokenizer::load(&dir).unwrap();
        let text =
            "食堂的饭菜吃了以后好多同学腹泻，食堂到底有没有人管？腹泻的同学我们已经送去校医院了";
        let tokens = tok.tokens(text);
        let top = kw.extract(&tokens, 3);
        let mut top2 = top[..2].to_vec();
        top2.sort();
        assert_eq!(top2, ["腹泻", "食堂"], "{top:?}");
        assert!(!top.iter().any(|w| w == "我们" || w == "已经"), "{top:?}");
    }

    proptest::proptest! {
        /// `rank` orders as "higher score first, then earlier position", in
        /// `f32::total_cmp`'s order, for any scores (negative ones too).
        #[test]
        fn rank_orders_as_score_then_position(
            a in proptest::num::f32::ANY, b in proptest::num::f32::ANY,
            fa in 0u32..1000, fb in 0u32..1000,
        ) {
            let expected = b.total_cmp(&a).then(fa.cmp(&fb));
            proptest::prop_assert_eq!(rank(a, fa).cmp(&rank(b, fb)), expected);
        }
    }

    /// The IDF a token brings from the segmenter is the one the table gives
    /// for it: keywords with notes are keywords without, on every post of
    /// the benchmark corpora.
    #[test]
    fn noted_idf_is_the_looked_up_idf() {
        let dir = default_dictionaries_dir();
        let mut kw = KeywordExtractor::load(&dir).unwrap();
        let mut tok = Tokenizer::load(&dir).unwrap();
        tok.note_words(|segmenter| kw.note_words(segmenter));
        let (mut words, mut not_words) = (0, 0);
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus");
        let mut noted = 0;
        for file in ["posts.jsonl", "articles.jsonl"] {
            let content = std::fs::read_to_string(corpus.join(file)).unwrap();
            for line in content.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let text = crate::analyze::normalize::normalize(v["text"].as_str().unwrap());
                let (mut tokens, mut notes) = (Vec::new(), Vec::new());
                tok.append_noted_tokens(&text, &mut tokens, &mut notes);
                assert_eq!(tokens.len(), notes.len());
                for (t, n) in tokens.iter().zip(&notes) {
                    let looked_up = kw.idf.get(t).copied().unwrap_or(DEFAULT_IDF);
                    if !n.idf.is_nan() {
                        assert_eq!(n.idf, looked_up, "{t}");
                        noted += 1;
                    }
                    match n.dictionary {
                        InDictionary::Word => words += 1,
                        InDictionary::NotAWord => {
                            let outside = kw.outside.as_ref().unwrap();
                            assert_eq!(outside.get(t).copied().unwrap_or(DEFAULT_IDF), looked_up);
                            not_words += 1;
                        }
                        InDictionary::Unknown => {}
                    }
                }
                assert_eq!(kw.extract_noted(&tokens, &notes, 8), kw.extract(&tokens, 8));
            }
        }
        assert!(noted > 3000, "{noted}");
        assert!(words >= noted && not_words > 100, "{words} {not_words}");
    }

    #[test]
    fn numbers_emoji_and_single_chars_are_skipped() {
        let kw = KeywordExtractor::load(&default_dictionaries_dir()).unwrap();
        let top = kw.extract(&["2024", "😡", "[怒]", "好", "宿舍", "!!"], 5);
        assert_eq!(top, vec!["宿舍".to_string()]);
    }

    proptest::proptest! {
        /// Selecting the top `k` and sorting them gives the head of a full
        /// sort, ties by first occurrence.
        #[test]
        fn top_k_is_the_head_of_a_full_sort(
            picks in proptest::collection::vec(0usize..40, 0..120),
            k in 0usize..12,
        ) {
            thread_local! {
                static KW: KeywordExtractor = KeywordExtractor::load(&default_dictionaries_dir()).unwrap();
            }
            const WORDS: [&str; 40] = [
                "食堂", "宿舍", "辅导员", "的", "我们", "腹泻", "学校", "饭菜", "老师", "同学",
                "图书馆", "考试", "校医院", "停水", "停电", "空调", "网络", "教务处", "选课", "补考",
                "奖学金", "助学金", "军训", "实习", "就业", "招聘", "体育馆", "操场", "快递", "外卖",
                "2024", "!!", "好", "[怒]", "😡", "已经", "zzq", "食品安全", "学生会", "后勤",
            ];
            let tokens: Vec<&str> = picks.iter().map(|&i| WORDS[i]).collect();
            KW.with(|kw| {
                let mut cands = Vec::new();
                kw.candidates(&tokens, &[], &mut cands);
                for c in &mut cands {
                    c.idf *= c.count as f32;
                }
                cands.sort_by(|a, b| b.idf.total_cmp(&a.idf).then(a.first.cmp(&b.first)));
                let expected: Vec<&str> =
                    cands.iter().take(k).map(|c| tokens[c.first as usize]).collect();
                let got = kw.extract(&tokens, k);
                let got: Vec<&str> = got.iter().map(|w| w.as_str()).collect();
                proptest::prop_assert_eq!(got, expected);
                Ok(())
            })?;
        }
    }

    #[test]
    fn the_byte_test_agrees_with_the_character_test() {
        for cp in (0x3000..0xA100).step_by(3).chain(0x4DB0..0x4E10) {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for token in [
                c.to_string(),
                format!("{c}食"),
                format!("{c}1"),
                format!("{c}{c}"),
            ] {
                assert_eq!(plausible(&token), plausible_chars(&token), "{token:?}");
            }
        }
    }

    #[test]
    fn malformed_idf_line_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("idf.txt"), "食堂 3.5\n宿舍\n").unwrap();
        std::fs::write(dir.path().join("stopwords.txt"), "的\n").unwrap();
        let err = KeywordExtractor::load(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.ends_with("idf.txt:2: expected '词 idf值' (word, space, number)"),
            "{err}"
        );
    }
}
